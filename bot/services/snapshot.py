"""A pilot's state read in one go, with the playbook's verdicts on it (week, roles, formula)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from playbook import calendar, progress
from playbook.roadmap import Roadmap, Task, load_roadmap
from playbook.roles import ROLE_ORDER, Formula, Role, RoleState, formula, ignored_nudges
from storage.repositories import Repository
from storage.tables import Checkin, Metric, Person, Pilot, Process

NUDGE_KINDS = ("weekly",)


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    values: tuple[float, ...]
    current: float | None
    change: progress.Change | None
    trend: progress.Trend


@dataclass(frozen=True)
class Snapshot:
    pilot: Pilot
    now: datetime
    week: int
    roadmap: Roadmap
    owners: dict[Role, Person]
    states: dict[Role, RoleState]
    formula: Formula
    done: frozenset[str]
    processes: Sequence[Process]
    metrics: tuple[MetricView, ...]
    checkins: Sequence[Checkin]

    @property
    def pilot_id(self) -> int:
        assert self.pilot.id is not None
        return self.pilot.id

    @property
    def schedule(self) -> calendar.Schedule:
        return schedule_of(self.pilot)

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


def schedule_of(pilot: Pilot) -> calendar.Schedule:
    at = calendar.parse_time(pilot.nudge_time)
    assert at is not None
    return calendar.Schedule(
        zone=pilot.timezone, weekday=pilot.nudge_weekday, at=at, region=pilot.region
    )


async def load_snapshot(repo: Repository, pilot: Pilot, now: datetime) -> Snapshot:
    assert pilot.id is not None
    raw_owners = await repo.roles(pilot.id)
    owners = {Role(role): person for role, person in raw_owners.items()}
    activity = await repo.activity(pilot.id)
    sent = await repo.nudges_sent(pilot.id, NUDGE_KINDS)
    states: dict[Role, RoleState] = {}
    for role in ROLE_ORDER:
        person = owners.get(role)
        if person is None or person.id is None:
            states[role] = RoleState(role, assigned=False)
            continue
        ignored = ignored_nudges(sent.get(person.id, []), activity.get(person.id))
        states[role] = RoleState(role, assigned=True, ignored_nudges=ignored)
    metrics = await repo.metrics(pilot.id)
    checkins = await repo.checkins(pilot.id)
    views = []
    for metric in metrics:
        values = tuple(c.value for c in checkins if c.metric_id == metric.id)
        current = progress.current_value(values)
        views.append(
            MetricView(
                metric=metric,
                values=values,
                current=current,
                change=None
                if current is None
                else progress.change(
                    metric.baseline,
                    current,
                    lower_is_better=metric.lower_is_better,
                    target=metric.target,
                ),
                trend=progress.trend(
                    values, lower_is_better=metric.lower_is_better, baseline=metric.baseline
                ),
            )
        )
    return Snapshot(
        pilot=pilot,
        now=now,
        week=calendar.pilot_week(pilot.start_date, now, pilot.timezone),
        roadmap=load_roadmap(pilot.language),
        owners=owners,
        states=states,
        formula=formula(list(states.values())),
        done=frozenset((await repo.done_tasks(pilot.id)).keys()),
        processes=await repo.processes(pilot.id),
        metrics=tuple(views),
        checkins=checkins,
    )
