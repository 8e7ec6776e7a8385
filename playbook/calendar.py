"""Pilot time: week numbers, the weekly nudge slot, working days and public holidays.

All times are computed in the pilot's IANA zone, so a slot is 09:00 local before and after a
daylight-saving switch. A slot that falls on a weekend or a public holiday of the pilot's region
(``DE``, ``DE-BY``, ``AT``, ``CH-ZH``) moves to the same local time on the next working day.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from playbook.roadmap import week_of

WEEKDAYS: dict[str, int] = {
    "mon": 0, "mo": 0, "monday": 0, "montag": 0,
    "tue": 1, "di": 1, "tuesday": 1, "dienstag": 1,
    "wed": 2, "mi": 2, "wednesday": 2, "mittwoch": 2,
    "thu": 3, "do": 3, "thursday": 3, "donnerstag": 3,
    "fri": 4, "fr": 4, "friday": 4, "freitag": 4,
}  # fmt: skip
REMINDER_OFFSET_DAYS = 3
_REGION = re.compile(r"^([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3}))?$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


@dataclass(frozen=True)
class Schedule:
    zone: str
    weekday: int
    at: time
    region: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def parse_zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def parse_weekday(value: str) -> int | None:
    return WEEKDAYS.get(value.strip().lower().rstrip("."))


def parse_time(value: str) -> time | None:
    match = _TIME.match(value.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def parse_region(value: str) -> str | None:
    """``DE``, ``de-by`` -> ``DE``, ``DE-BY`` if the holidays package knows it."""
    match = _REGION.match(value.strip())
    if not match:
        return None
    country, subdiv = match.group(1).upper(), (match.group(2) or "").upper()
    supported = holidays.list_supported_countries()
    if country not in supported:
        return None
    if subdiv and subdiv not in supported[country]:
        return None
    return f"{country}-{subdiv}" if subdiv else country


def parse_nudge_slot(value: str) -> tuple[int, time] | None:
    """``MON 09:00`` -> (0, 09:00)."""
    parts = value.split()
    if len(parts) != 2:
        return None
    day, at = parse_weekday(parts[0]), parse_time(parts[1])
    return (day, at) if day is not None and at is not None else None


@functools.cache
def _holidays(region: str, year: int) -> holidays.HolidayBase:
    country, _, subdiv = region.partition("-")
    return holidays.country_holidays(country, subdiv=subdiv or None, years=year)


def holiday_name(day: date, region: str) -> str | None:
    name = _holidays(region, day.year).get(day)
    return str(name) if name else None


def is_working_day(day: date, region: str) -> bool:
    return day.weekday() < 5 and holiday_name(day, region) is None


def next_working_day(day: date, region: str) -> date:
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day


def slot_on(day: date, schedule: Schedule) -> datetime:
    """The slot time on ``day``, or on the next working day if ``day`` is not one."""
    return datetime.combine(next_working_day(day, schedule.region), schedule.at, schedule.tz)


def week_start(start: date, week: int) -> date:
    return start + timedelta(weeks=week - 1)


@functools.lru_cache(maxsize=4096)  # pure; pilots that started together share their slots
def weekly_slot(start: date, week: int, schedule: Schedule) -> datetime:
    return slot_on(week_start(start, week) + timedelta(days=schedule.weekday), schedule)


@functools.lru_cache(maxsize=4096)
def reminder_slot(start: date, week: int, schedule: Schedule) -> datetime | None:
    """Mid-week reminder slot, or None when it would slip into the next week."""
    nominal = week_start(start, week) + timedelta(days=schedule.weekday + REMINDER_OFFSET_DAYS)
    slot = slot_on(nominal, schedule)
    return slot if slot.date() < week_start(start, week + 1) else None


def snooze_until(now: datetime, schedule: Schedule) -> datetime:
    """Snooze: the slot time on the next working day after ``now`` (pilot-local)."""
    return slot_on(now.astimezone(schedule.tz).date() + timedelta(days=1), schedule)


@functools.lru_cache(maxsize=1024)  # the planner asks this for every pilot at one ``now``
def local_date(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def pilot_week(start: date, now: datetime, zone: str) -> int:
    return week_of(start, local_date(now, zone))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
