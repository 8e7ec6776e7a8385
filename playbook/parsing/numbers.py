"""Locale-aware numbers and units in check-ins: text in, a value or a reason out, never an error.

``6,5`` is six and a half in a German pilot and ``6.5`` in an English one; the other spelling is
accepted as well when the pilot's own locale cannot read it (``6.5`` in German). Babel does the
locale work; this module only gates the input to plain digits first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import NumberFormatError, parse_decimal

MAX_VALUE = Decimal(1_000_000)
MAX_NOTE = 500

_NUMBER = re.compile(r"^[+-]?(?:\d[\d.,]*|[.,]\d+)$")
_GLUED = re.compile(r"^([+-]?(?:\d[\d.,]*|[.,]\d+))([^\d.,].*)$")

#: Unit words users type, grouped by the unit they mean.
UNIT_WORDS: dict[str, frozenset[str]] = {
    "days": frozenset({"d", "day", "days", "tag", "tage", "tagen"}),
    "hours": frozenset({"h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden"}),
    "minutes": frozenset({"min", "mins", "minute", "minutes", "minuten"}),
    "percent": frozenset({"%", "percent", "pct", "prozent"}),
    "count": frozenset({"x", "stk", "stück", "pcs", "mal", "times", "fehler", "errors"}),
    "euro": frozenset({"€", "eur", "euro"}),
    "weeks": frozenset({"w", "wk", "week", "weeks", "woche", "wochen"}),
    "months": frozenset({"month", "months", "monat", "monate", "monaten"}),
}

OTHER_LOCALE = {"de": "en", "en": "de"}


@dataclass(frozen=True)
class Problem:
    """Why an input was refused: a catalog key and its parameters."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


def unit_group(word: str) -> str | None:
    word = word.strip().lower().rstrip(".")
    for group, words in UNIT_WORDS.items():
        if word in words or word == group:
            return group
    return None


def parse_number(text: str, language: str) -> Decimal | Problem:
    """Parse one number written in ``language``'s convention (de or en)."""
    raw = text.strip()
    if not _NUMBER.match(raw):
        return Problem("checkin.not_a_number", {"value": raw[:40]})
    for locale in (language, OTHER_LOCALE.get(language, "en")):
        try:
            value = parse_decimal(raw, locale=locale, strict=True)
        except (NumberFormatError, ValueError, ArithmeticError):
            continue
        if value.is_finite():
            return value
    return Problem("checkin.not_a_number", {"value": raw[:40]})


def value_problem(value: Decimal, metric_unit: str, shown: str) -> Problem | None:
    """Why ``value`` cannot be a check-in of a metric in ``metric_unit``, however it was written
    (typed in chat, or a JSON number from the webhook); ``shown`` is how to quote it."""
    if not value.is_finite():
        return Problem("checkin.not_a_number", {"value": shown[:40]})
    if value < 0:
        return Problem("checkin.negative", {"value": shown})
    percent = (unit_group(metric_unit) or metric_unit.strip().lower()) == "percent"
    if value > MAX_VALUE or (percent and value > 100):
        return Problem("checkin.out_of_range", {"value": shown})
    return None


@dataclass(frozen=True)
class Measurement:
    value: Decimal
    unit_word: str | None
    note: str


def parse_measurement(text: str, metric_unit: str, language: str) -> Measurement | Problem:
    """Parse ``VALUE [UNIT] [note]`` for a metric measured in ``metric_unit``."""
    text = text.strip()
    if not text:
        return Problem("checkin.missing_value")
    head, _, rest = text.partition(" ")
    glued = _GLUED.match(head)
    if glued:  # "7,5Tage" or "30%"; but "1e9" or "0x10" are no numbers we take
        suffix = glued.group(2)
        if unit_group(suffix) is None and suffix.lower() != metric_unit.strip().lower():
            return Problem("checkin.not_a_number", {"value": head[:40]})
        head, rest = glued.group(1), f"{suffix} {rest}".strip()
    value = parse_number(head, language)
    if isinstance(value, Problem):
        return value
    problem = value_problem(value, metric_unit, head)
    if problem is not None:
        return problem
    unit_word: str | None = None
    word, _, after = rest.partition(" ")
    expected = unit_group(metric_unit) or metric_unit.strip().lower()
    given = unit_group(word) if word else None
    if word and (given is not None or word.lower() == metric_unit.strip().lower()):
        if given is not None and given != expected:
            return Problem("checkin.wrong_unit", {"given": word, "unit": metric_unit})
        unit_word, rest = word, after
    note = rest.strip()
    if len(note) > MAX_NOTE:
        return Problem("checkin.note_too_long", {"max": str(MAX_NOTE)})
    return Measurement(value=value, unit_word=unit_word, note=note)
