"""``settings tz=… day=… time=… lang=… region=… rate=… name=… company=…``: validate everything,
then change the pilot."""

from __future__ import annotations

from playbook import calendar
from playbook.parsing.numbers import Problem, parse_number
from playbook.roadmap import LANGUAGES
from storage.tables import Pilot

KEYS: dict[str, str] = {
    "tz": "tz", "zone": "tz", "timezone": "tz", "zeitzone": "tz",
    "day": "day", "tag": "day",
    "time": "time", "zeit": "time", "uhrzeit": "time",
    "lang": "lang", "language": "lang", "sprache": "lang",
    "region": "region",
    "rate": "rate", "hourly_rate": "rate", "stundensatz": "rate",
    "name": "name", "pilot": "name", "titel": "name", "title": "name",
    "company": "company", "firma": "company", "unternehmen": "company",
}  # fmt: skip
MAX_TITLE = 80  # pilot and company name: a report title, not a paragraph


def apply_settings(pilot: Pilot, values: dict[str, str]) -> Problem | None:
    changes: dict[str, object] = {}
    for raw_key, value in values.items():
        key = KEYS.get(raw_key)
        if key is None:
            return Problem("settings.unknown_key", {"key": raw_key[:40]})
        if key == "tz":
            zone = calendar.parse_zone(value)
            if zone is None:
                return Problem("settings.bad_tz", {"value": value[:40]})
            changes["timezone"] = zone
        elif key == "day":
            day = calendar.parse_weekday(value)
            if day is None:
                return Problem("settings.bad_day", {"value": value[:40]})
            changes["nudge_weekday"] = day
        elif key == "time":
            at = calendar.parse_time(value)
            if at is None:
                return Problem("settings.bad_time", {"value": value[:40]})
            changes["nudge_time"] = at.strftime("%H:%M")
        elif key == "lang":
            if value.lower() not in LANGUAGES:
                return Problem("settings.bad_lang", {"value": value[:40]})
            changes["language"] = value.lower()
        elif key in ("name", "company"):
            title = " ".join(value.split())
            if not title or len(title) > MAX_TITLE:
                return Problem("numbers.bad_title", {"max": str(MAX_TITLE)})
            changes[key] = title
        elif key == "rate":
            rate = parse_number(value.rstrip("€").strip(), pilot.language)
            if isinstance(rate, Problem) or not 0 <= rate <= 10_000:
                return Problem("settings.bad_rate", {"value": value[:40]})
            changes["hourly_rate"] = float(rate)
        else:
            region = calendar.parse_region(value)
            if region is None:
                return Problem("settings.bad_region", {"value": value[:40]})
            changes["region"] = region
    for field, new in changes.items():
        setattr(pilot, field, new)
    return None
