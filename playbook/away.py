"""When an absence ends for the coach: the welcome back's moment and the last day away.

Pure: a return the person declared (``back``, a status cleared) is welcomed at once; a planned
one (``away until``, a status with an expiry) at the pilot's slot time on the first working day
from the return on, so nobody is greeted at midnight or on a public holiday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from playbook.calendar import Schedule, slot_on, snooze_until


def welcome_due(
    until: datetime | None, ended_at: datetime | None, schedule: Schedule
) -> datetime | None:
    """When the welcome back is due; None while the return is not known."""
    if ended_at is not None and (until is None or ended_at <= until):
        return ended_at
    if until is None:
        return None
    due = slot_on(until.astimezone(schedule.tz).date(), schedule)
    return due if due >= until else snooze_until(until, schedule)


def last_day_away(until: datetime, schedule: Schedule) -> date:
    """The last (pilot-local) day of an absence that ends at ``until``."""
    return (until - timedelta(microseconds=1)).astimezone(schedule.tz).date()
