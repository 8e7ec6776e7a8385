"""``away until DATE`` / ``abwesend bis DATUM`` and ``back`` / ``zurück``: text to command.

A date is ISO (``2027-03-01``), day.month[.year] (``01.03.2027``, ``1.3.``) in either language,
or the pilot's locale's own short format read by Babel (``3/1/2027`` in English). Without a
year the next such day is meant; the handler resolves it against the pilot's today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel.dates import parse_date

from playbook.parsing.numbers import Problem

_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})?$")
_UNTIL = frozenset({"until", "till", "to", "bis", "zum", "zur", "einschließlich", "inclusive"})
MAX_DAYS_AWAY = 366  # a longer absence is rather a role to hand over


@dataclass(frozen=True)
class Away:
    """Out of office up to and including ``day`` (``year`` None: the next such day)."""

    day: int
    month: int
    year: int | None = None

    def resolve(self, today: date) -> date | None:
        """The last day away; None if no such date exists."""
        try:
            if self.year is not None:
                return date(self.year, self.month, self.day)
            found = date(today.year, self.month, self.day)
            return found if found >= today else date(today.year + 1, self.month, self.day)
        except ValueError:
            return None


@dataclass(frozen=True)
class Back:
    """Back early: the current absence ends now."""


def parse_away(rest: str, language: str) -> Away | Problem:
    words = [w for w in rest.strip().split(" ") if w]
    while words and words[0].lower() in _UNTIL:
        words = words[1:]
    raw = words[0] if words else ""
    if not raw:
        return Problem("away.usage")
    found = _read_date(raw, language)
    return found if found is not None else Problem("away.bad_date", {"value": raw[:40]})


def parse_back(_rest: str, _language: str) -> Back:
    return Back()


def _read_date(raw: str, language: str) -> Away | None:
    try:
        day = date.fromisoformat(raw)
        return Away(day.day, day.month, day.year)
    except ValueError:
        pass
    match = _DOTTED.match(raw if raw.count(".") >= 2 else raw + ".")
    if match:
        year = match.group(3)
        full = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        return Away(int(match.group(1)), int(match.group(2)), full)
    if "/" in raw and raw.replace("/", "").isdigit() and raw.count("/") == 2:
        try:
            day = parse_date(raw, locale=language)
        except (ValueError, IndexError):
            return None
        return Away(day.day, day.month, day.year)
    return None
