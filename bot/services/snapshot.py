"""A pilot's state read in one go, with the playbook's verdicts on it (week, roles, formula)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.ports import AbstractUnitOfWork
from playbook import calendar, coaching
from playbook.parsing.numbers import unit_group
from playbook.results import MetricResult, Per, Reading, metric_result, stored_kind
from playbook.roadmap import Roadmap, Task, load_roadmap
from playbook.roles import ROLE_ORDER, Formula, Role, RoleState, ignored_nudges
from storage.away import AwayRows
from storage.repositories import PilotRows
from storage.tables import (
    AwayPeriod,
    BuildDecision,
    CapacityCheck,
    Checkin,
    Metric,
    OutboxMessage,
    Person,
    Pilot,
    Process,
)

NUDGE_KINDS = ("weekly", "still")
NOBODY_AWAY = AwayRows({}, {}, {})  # the nudges an owner answers or ignores


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    result: MetricResult  # the playbook's verdict: one value per week, phases, baseline

    @property
    def values(self) -> tuple[float, ...]:
        """One value per pilot week, in week order."""
        return tuple(r.value for r in self.result.weekly)


def metric_view(metric: Metric, checkins: Sequence[Checkin]) -> MetricView:
    """``checkins``: those that count (not withdrawn, not replaced), in recorded order."""
    readings = [Reading(c.week, c.value, c.person_id) for c in checkins
                if c.metric_id == metric.id]  # fmt: skip
    result = metric_result(
        name=metric.name, unit=metric.unit, unit_group=unit_group(metric.unit),
        kind=stored_kind(metric.kind), baseline=metric.baseline, target=metric.target,
        lower_is_better=metric.lower_is_better, readings=readings,
        per=Per(metric.per) if metric.per else None, volume=metric.volume, scale=metric.scale,
    )  # fmt: skip
    return MetricView(metric, result)


@dataclass(frozen=True)
class Snapshot:
    pilot: Pilot
    pilot_id: int
    now: datetime
    week: int
    schedule: calendar.Schedule  # like ``week``: as the pilot's settings were when read
    roadmap: Roadmap
    owners: dict[Role, Person]
    states: dict[Role, RoleState]
    formula: Formula
    done: frozenset[str]  # ticked by hand or by evidence (``health.evidence``)
    processes: Sequence[Process]
    metrics: tuple[MetricView, ...]  # the metrics that count: not removed
    # the check-ins that count: not withdrawn, not replaced by a later one of the same week,
    # of those metrics
    checkins: Sequence[Checkin]
    activity: dict[int, datetime]
    failed: Sequence[OutboxMessage] = ()
    # Everything recorded, removed metrics and withdrawn check-ins included: for the exports.
    all_metrics: Sequence[Metric] = ()
    all_checkins: Sequence[Checkin] = ()
    health: coaching.Health | None = None  # the playbook's one verdict on this moment
    paused: frozenset[int] = frozenset()  # people who paused their nudges
    capacity: CapacityCheck | None = None  # the week-4 answers and recommendation
    decision: BuildDecision | None = None  # pick reason, demo date, live, overrun choice
    announced: bool = False  # ``announce`` queued the results for a channel
    announced_at: datetime | None = None  # when the first announcement was delivered
    away: AwayRows = NOBODY_AWAY  # out-of-office periods of the owners
    last_nudged: dict[int, datetime] = field(default_factory=dict)  # person -> latest nudge sent

    def away_now(self, person_id: int | None) -> AwayPeriod | None:
        """The period ``person`` is away in now, if any."""
        return self.away.current.get(person_id) if person_id is not None else None

    @property
    def coaching(self) -> coaching.Health:
        assert self.health is not None
        return self.health

    @property
    def chosen(self) -> Process | None:
        return next((p for p in self.processes if p.id == self.pilot.chosen_process_id), None)

    def roles_of(self, person_id: int | None) -> frozenset[Role]:
        return frozenset(r for r, p in self.owners.items() if p.id == person_id)

    def open_tasks(self, role: Role | None = None) -> tuple[Task, ...]:
        return self.roadmap.open_tasks(self.week, self.done, role)

    def open_tasks_for(self, roles: frozenset[Role]) -> tuple[Task, ...]:
        return tuple(x for x in self.open_tasks() if x.role in roles)

    def silent_roles(self) -> tuple[Role, ...]:
        return tuple(r for r in ROLE_ORDER if self.states[r].silent)

    def visible_tasks(self, roles: frozenset[Role]) -> tuple[tuple[Task, ...], int]:
        """This week's open tasks of ``roles`` and the count still open from earlier weeks."""
        return coaching.visible_tasks(self.roadmap, self.week, self.done, roles)


def schedule_of(pilot: Pilot) -> calendar.Schedule:
    return _schedule(pilot.timezone, pilot.nudge_weekday, pilot.nudge_time, pilot.region)


@functools.lru_cache(maxsize=1024)
def _schedule(zone: str, weekday: int, nudge_time: str, region: str) -> calendar.Schedule:
    at = calendar.parse_time(nudge_time)
    assert at is not None
    return calendar.Schedule(zone=zone, weekday=weekday, at=at, region=region)


async def load_snapshot(uow: AbstractUnitOfWork, pilot: Pilot, now: datetime) -> Snapshot:
    return (await load_snapshots(uow, [pilot], now))[0]


async def load_snapshots(
    uow: AbstractUnitOfWork, pilots: Sequence[Pilot], now: datetime
) -> list[Snapshot]:
    """Snapshots of many pilots with one query per table."""
    ids = [p.id for p in pilots if p.id is not None]
    rows = await uow.pilots.load_pilot_rows(ids, NUDGE_KINDS)
    people = {p.id for held in rows.owners.values() for p in held.values() if p.id is not None}
    away = await uow.away.rows_for(people, ids, now)
    return [build_snapshot(pilot, rows, now, away) for pilot in pilots]


def build_snapshot(
    pilot: Pilot, rows: PilotRows, now: datetime, away: AwayRows | None = None
) -> Snapshot:
    assert pilot.id is not None
    away = away or NOBODY_AWAY
    owners = {Role(role): person for role, person in rows.owners.get(pilot.id, {}).items()}
    activity = rows.activity.get(pilot.id, {})
    paused = frozenset(rows.paused.get(pilot.id, ()))
    sent = rows.nudges_sent.get(pilot.id, {})
    # Silence is measured at the week's slot, so every message of one week agrees on it.
    week = calendar.pilot_week(pilot.start_date, now, pilot.timezone)
    schedule = schedule_of(pilot)
    slot = calendar.weekly_slot(pilot.start_date, week, schedule) if week >= 1 else None
    states: dict[Role, RoleState] = {}
    facts_owners: dict[Role, coaching.Owner] = {}
    for role in ROLE_ORDER:
        person = owners.get(role)
        if person is None or person.id is None:
            states[role] = RoleState(role, assigned=False)
            continue
        nudged = [s for s in sent.get(person.id, ()) if slot is None or s < slot]
        ignored = ignored_nudges(nudged, activity.get(person.id))
        states[role] = RoleState(role, assigned=True, ignored_nudges=ignored)
        facts_owners[role] = coaching.Owner(person.id, ignored, person.unreachable_since
                                            is not None, person.id in paused,
                                            person.id in away.current)  # fmt: skip
    all_metrics = rows.metrics.get(pilot.id, [])
    all_checkins = rows.checkins.get(pilot.id, [])
    metrics = [m for m in all_metrics if m.removed_at is None]
    counted = {m.id for m in metrics}
    checkins = [c for c in all_checkins if c.withdrawn_at is None and c.replaced_by is None
                and c.metric_id in counted]  # fmt: skip
    views = [metric_view(metric, checkins) for metric in metrics]
    roadmap = load_roadmap(pilot.language)
    failed = rows.failed.get(pilot.id, [])
    processes = rows.processes.get(pilot.id, [])
    facts = coaching.PilotFacts(
        week=week,
        owners=facts_owners,
        ticked=frozenset(rows.done.get(pilot.id, set())),
        processes=len(processes),
        chosen=any(p.id == pilot.chosen_process_id for p in processes),
        metrics=len(metrics),
        checkins=len(checkins),
        announced=pilot.id in rows.announced,
        failed=len(failed),
        champion_active=Role.CHAMPION in owners and owners[Role.CHAMPION].id in activity,
        capacity=pilot.id in rows.capacity,
        live=bool(rows.decisions.get(pilot.id) and rows.decisions[pilot.id].live),
        overrun_decided=bool(
            rows.decisions.get(pilot.id) and rows.decisions[pilot.id].overrun is not None
        ),
    )
    health = coaching.assess(facts, roadmap)
    return Snapshot(
        pilot=pilot,
        pilot_id=pilot.id,
        now=now,
        week=week,
        schedule=schedule,
        roadmap=roadmap,
        owners=owners,
        states=states,
        formula=health.formula,
        done=health.done,
        processes=processes,
        metrics=tuple(views),
        checkins=checkins,
        activity=activity,
        failed=failed,
        health=health,
        paused=paused,
        all_metrics=all_metrics,
        all_checkins=all_checkins,
        capacity=rows.capacity.get(pilot.id),
        decision=rows.decisions.get(pilot.id),
        announced=pilot.id in rows.announced,
        announced_at=rows.announced_at.get(pilot.id),
        away=away,
        last_nudged={person: max(times) for person, times in sent.items() if times},
    )
