"""The 90-day roadmap as data: phases by week range, tasks per role, in each language.

The data files (``en.toml``, ``de.toml``) ship inside this package; reading bundled data is the
only thing here that touches a file, and it happens once per language.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from importlib import resources

from playbook.roles import Role

LANGUAGES: tuple[str, ...] = ("de", "en")
LAST_WEEK = 12  # weeks 1..12 are the pilot; 13+ is "show your results"


@dataclass(frozen=True)
class Phase:
    id: str
    first_week: int
    last_week: int | None  # None: open-ended
    title: str
    goal: str

    def covers(self, week: int) -> bool:
        return self.first_week <= week and (self.last_week is None or week <= self.last_week)


@dataclass(frozen=True)
class Task:
    id: str
    number: int
    role: Role
    first_week: int
    last_week: int
    title: str
    evidence: str = ""  # a ``playbook.coaching.Fact`` that completes the task, or empty

    def active_in(self, week: int) -> bool:
        return self.first_week <= week <= self.last_week

    def started_by(self, week: int) -> bool:
        return self.first_week <= week


@dataclass(frozen=True, eq=False)
class Roadmap:
    """One language's roadmap, loaded once. Compared and hashed by identity: it is a cache key
    on the planner's hot path, and hashing every task for each lookup cost more than the
    lookup saved."""

    language: str
    phases: tuple[Phase, ...]
    tasks: tuple[Task, ...]

    def phase(self, week: int) -> Phase:
        week = max(week, 1)
        for phase in self.phases:
            if phase.covers(week):
                return phase
        return self.phases[-1]

    def task(self, ref: str) -> Task | None:
        """A task by its id (``map-processes``) or its number (``5``)."""
        ref = ref.strip().lower().lstrip("#")
        for task in self.tasks:
            if ref in (task.id, str(task.number)):
                return task
        return None

    def open_tasks(
        self, week: int, done: Collection[str], role: Role | None = None
    ) -> tuple[Task, ...]:
        """Tasks that have started by ``week`` and are not done, optionally for one role."""
        return _open_tasks(self, week, frozenset(done), role)

    def tasks_of_week(self, week: int, role: Role) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.role is role and t.active_in(week))


@functools.lru_cache(maxsize=4096)
def _open_tasks(
    roadmap: Roadmap, week: int, done: frozenset[str], role: Role | None
) -> tuple[Task, ...]:
    return tuple(
        t
        for t in roadmap.tasks
        if t.started_by(week) and t.id not in done and (role is None or t.role is role)
    )


def parse_roadmap(text: str) -> Roadmap:
    data = tomllib.loads(text)
    phases = tuple(
        Phase(
            id=p["id"],
            first_week=int(p["weeks"][0]),
            last_week=int(p["weeks"][1]) or None,
            title=p["title"],
            goal=p["goal"],
        )
        for p in data["phases"]
    )
    tasks = tuple(
        Task(
            id=t["id"],
            number=n,
            role=Role(t["role"]),
            first_week=int(t["weeks"][0]),
            last_week=int(t["weeks"][1]),
            title=t["title"],
            evidence=t.get("evidence", ""),
        )
        for n, t in enumerate(data["tasks"], start=1)
    )
    return Roadmap(language=data["language"], phases=phases, tasks=tasks)


@functools.cache
def load_roadmap(language: str) -> Roadmap:
    if language not in LANGUAGES:
        raise ValueError(f"no roadmap for language {language!r}")
    text = resources.files(__package__).joinpath(f"{language}.toml").read_text("utf-8")
    return parse_roadmap(text)


def week_of(start: date, today: date) -> int:
    """Week number of ``today`` in a pilot whose week 1 starts on the Monday ``start``.

    Days before the start are week 0; the first Monday is week 1.
    """
    days = (today - start).days
    if days < 0:
        return 0
    return days // 7 + 1
