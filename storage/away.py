"""Out-of-office periods: who is away, since and until when, and whose return was welcomed.

A period is current at ``t`` when ``starts_at <= t`` and neither ``until`` nor ``ended_at`` has
come. Its return is the first of the two; the planner sends one welcome back per pilot after
it (an outbox row of kind ``welcome`` whose dedupe key ends in the period's id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.tables import (
    AwayPeriod,
)

#: Returns further back than this get no welcome any more (e.g. the pilot was closed meanwhile).
WELCOME_WITHIN = timedelta(days=14)
WELCOME_KIND = "welcome"


def returns_at(period: AwayPeriod) -> datetime | None:
    """The moment the person is back; None while it is not known."""
    ends = [x for x in (period.until, period.ended_at) if x is not None]
    return min(ends) if ends else None


def is_current(period: AwayPeriod, now: datetime) -> bool:
    back = returns_at(period)
    return period.starts_at <= now and (back is None or now < back)


def welcome_kind(period_id: int) -> str:
    return f"{WELCOME_KIND}-{period_id}"


@dataclass(frozen=True)
class AwayRows:
    """The away periods of a set of people that matter at one moment."""

    current: dict[int, AwayPeriod]  # person id -> the period they are in now
    returned: dict[int, AwayPeriod]  # person id -> their latest period that has ended
    welcomed: Mapping[tuple[int, int], int]  # (pilot id, period id) -> week welcomed in


@dataclass(frozen=True)
class Changes:
    """What happened in a pilot while someone was away (for the welcome back)."""

    tasks: tuple[str, ...] = ()  # task ids ticked by hand
    roles: tuple[str, ...] = ()  # roles (re)assigned
    capacity: bool = False  # the capacity check was answered
    live: bool = False  # the solution went live
    overrun: bool = False  # the champion chose extend or shrink


def split_periods(
    periods: Iterable[AwayPeriod], now: datetime
) -> tuple[dict[int, AwayPeriod], dict[int, AwayPeriod]]:
    """Person id -> the period they are in now, and -> their latest period that has ended."""
    current: dict[int, AwayPeriod] = {}
    returned: dict[int, AwayPeriod] = {}
    for period in periods:
        if is_current(period, now):
            current[period.person_id] = period
        elif (back := returns_at(period)) is not None and back <= now:
            latest = returned.get(period.person_id)
            if latest is None or (returns_at(latest) or back) < back:
                returned[period.person_id] = period
    return current, returned


def welcomed_period(dedupe_key: str) -> int | None:
    """The away period a welcome-back outbox row was written for (its key ends in the id)."""
    period_id = dedupe_key.rsplit("-", 1)[-1]
    return int(period_id) if period_id.isdigit() else None
