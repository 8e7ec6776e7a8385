"""In-memory repositories: the Protocols of ``bot.ports`` over a ``Store`` (fakes, not mocks:
each one does what the SQL repository of ``storage.repositories`` does, on dicts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from storage.locks import Conversation
from storage.records import PilotRows
from storage.tables import (
    Activity,
    BuildDecision,
    CapacityCheck,
    Checkin,
    Metric,
    OutboxMessage,
    Person,
    Pilot,
    Process,
    RetroAnswer,
    RoleAssignment,
    TaskState,
    Workspace,
)
from tests.fakes.store import Store


class _InMemory:
    def __init__(self, store: Store) -> None:
        self.store = store

    def insert_ignore(self, table: type[SQLModel], values: dict[str, Any]) -> bool:
        return self.store.insert(table(**values))


class FakeWorkspaces(_InMemory):
    async def workspace(self, platform: str, external_id: str, name: str = "") -> Workspace:
        name = name[:200]
        self.insert_ignore(
            Workspace, {"platform": platform, "external_id": external_id, "name": name}
        )
        row = self.store.first(
            Workspace, lambda w: w.platform == platform and w.external_id == external_id
        )
        assert row is not None
        if name and row.name != name:
            row.name = name
        return row

    async def workspace_by_id(self, workspace_id: int) -> Workspace | None:
        return self.store.get(Workspace, workspace_id)

    async def workspaces(self, ids: set[int]) -> dict[int, Workspace]:
        return {w.id: w for w in self.store.all(Workspace) if w.id in ids and w.id is not None}


class FakePeople(_InMemory):
    async def person(self, workspace_id: int, external_id: str, name: str = "") -> Person:
        name = name[:200]
        self.insert_ignore(
            Person, {"workspace_id": workspace_id, "external_id": external_id, "display_name": name}
        )
        row = await self.existing_person(workspace_id, external_id)
        assert row is not None
        if name and row.display_name != name:
            row.display_name = name
        return row

    async def existing_person(self, workspace_id: int, external_id: str) -> Person | None:
        return self.store.first(
            Person, lambda p: p.workspace_id == workspace_id and p.external_id == external_id
        )

    async def people_by_external_id(self, external_id: str) -> Sequence[Person]:
        return self.store.where(Person, lambda p: p.external_id == external_id)

    async def person_by_id(self, person_id: int) -> Person | None:
        return self.store.get(Person, person_id)

    async def people(self, ids: Sequence[int]) -> dict[int, Person]:
        return {p.id: p for p in self.store.all(Person) if p.id in ids and p.id is not None}

    async def remember_dm_channels(self, found: Sequence[tuple[str, str, str]]) -> None:
        for team, user, channel in found:
            for person in self._slack(team, user):
                person.dm_channel = channel

    async def dm_channel(self, team: str, user: str) -> str | None:
        return next((p.dm_channel for p in self._slack(team, user)), None) or None

    async def mark_unreachable(self, person_id: int, now: datetime) -> bool:
        person = self.store.get(Person, person_id)
        if person is None or person.unreachable_since is not None:
            return False
        person.unreachable_since = now
        return True

    def _slack(self, team: str, user: str) -> list[Person]:
        ws = {
            w.id
            for w in self.store.all(Workspace)
            if w.platform == "slack" and w.external_id == team
        }
        return self.store.where(Person, lambda p: p.workspace_id in ws and p.external_id == user)


class FakePilots(_InMemory):
    async def current_pilot(self, workspace_id: int, channel_id: str) -> Pilot | None:
        mine = self.store.where(
            Pilot, lambda p: p.workspace_id == workspace_id and p.channel_id == channel_id
        )
        return max(mine, key=lambda p: p.cycle, default=None)

    async def pilot(self, pilot_id: int) -> Pilot | None:
        return self.store.get(Pilot, pilot_id)

    async def open_pilots(self) -> Sequence[Pilot]:
        return self.store.where(Pilot, lambda p: p.status == "open")

    async def all_pilots(self) -> Sequence[Pilot]:
        return self.store.all(Pilot)

    async def pilots_of_person(self, person_id: int) -> Sequence[Pilot]:
        held = {a.pilot_id for a in self._active() if a.person_id == person_id}
        return self.store.where(Pilot, lambda p: p.id in held and p.status == "open")

    async def due_pilot_ids(self, now: datetime) -> list[int]:
        return [p.id for p in await self.due_pilots(now) if p.id is not None]

    async def due_pilots(self, now: datetime, ids: Sequence[int] | None = None) -> Sequence[Pilot]:
        return self.store.where(
            Pilot,
            lambda p: (
                p.status == "open"
                and (p.next_due_at is None or p.next_due_at <= now)
                and (ids is None or p.id in ids)
            ),
        )

    async def set_next_due(self, due: dict[int, datetime]) -> None:
        for pilot_id, moment in due.items():
            found = self.store.get(Pilot, pilot_id)
            if found is not None:
                found.next_due_at = moment

    async def mark_planning(self, ids: Sequence[int], now: datetime, marker: datetime) -> set[int]:
        for p in self.store.where(Pilot, lambda p: p.id in ids and p.status == "open"):
            if p.next_due_at is None or p.next_due_at <= now:
                p.next_due_at = marker
        return await self.marked(ids, marker)

    async def marked(self, ids: Sequence[int], marker: datetime) -> set[int]:
        found = self.store.where(
            Pilot, lambda p: p.id in ids and p.status == "open" and p.next_due_at == marker
        )
        return {p.id for p in found if p.id is not None}

    async def replan(self, pilot_ids: Sequence[int]) -> None:
        for p in self.store.where(Pilot, lambda p: p.id in pilot_ids):
            p.next_due_at = None

    async def replan_person(self, person_id: int) -> None:
        for p in await self.pilots_of_person(person_id):
            p.next_due_at = None

    async def replan_conversations(self, conversations: Iterable[Conversation]) -> None:
        for platform, workspace, channel in conversations:
            ws = {
                w.id
                for w in self.store.all(Workspace)
                if w.platform == platform and w.external_id == workspace
            }
            for p in self.store.all(Pilot):
                if p.workspace_id in ws and p.channel_id == channel and p.status == "open":
                    p.next_due_at = None

    async def next_due_moment(self, now: datetime) -> tuple[datetime | None, Sequence[Pilot]]:
        open_ = await self.open_pilots()
        later = [p.next_due_at for p in open_ if p.next_due_at is not None and p.next_due_at > now]
        return min(later, default=None), [p for p in open_ if p.next_due_at is None]

    async def roles(self, pilot_id: int) -> dict[str, Person]:
        found: dict[str, Person] = {}
        for a in self._active():
            person = self.store.get(Person, a.person_id)
            if a.pilot_id == pilot_id and person is not None:
                found[a.role] = person
        return found

    async def set_role(
        self, pilot_id: int, role: str, person_id: int, by: int | None, now: datetime
    ) -> None:
        for a in self._active():
            if a.pilot_id == pilot_id and a.role == role:
                a.ended_at = now
        self.store.add(
            RoleAssignment(
                pilot_id=pilot_id, role=role, person_id=person_id, assigned_by=by, assigned_at=now
            )
        )

    async def role_history(self, pilot_id: int) -> Sequence[RoleAssignment]:
        return self.store.where(RoleAssignment, lambda a: a.pilot_id == pilot_id)

    async def touch(self, pilot_id: int, person_id: int, now: datetime) -> None:
        row = self.store.get(Activity, pilot_id, person_id)
        if row is None:
            self.store.add(Activity(pilot_id=pilot_id, person_id=person_id, last_active_at=now))
        else:
            row.last_active_at = max(row.last_active_at, now)

    async def set_paused(self, pilot_id: int, person_id: int, now: datetime, paused: bool) -> bool:
        row = self.store.get(Activity, pilot_id, person_id)
        if row is None:
            row = Activity(pilot_id=pilot_id, person_id=person_id, last_active_at=now)
        if (row.paused_at is not None) == paused:
            return False
        row.paused_at = now if paused else None
        self.store.insert(row)
        return True

    async def activity(self, pilot_id: int) -> dict[int, datetime]:
        rows = self.store.where(Activity, lambda a: a.pilot_id == pilot_id)
        return {a.person_id: a.last_active_at for a in rows}

    async def load_pilot_rows(self, ids: Sequence[int], kinds: Sequence[str]) -> PilotRows:
        rows, s, wanted = PilotRows(), self.store, set(ids)
        for a in self._active():
            person = s.get(Person, a.person_id)
            if a.pilot_id in wanted and person is not None:
                rows.owners.setdefault(a.pilot_id, {})[a.role] = person
        for act in s.where(Activity, lambda a: a.pilot_id in wanted):
            rows.activity.setdefault(act.pilot_id, {})[act.person_id] = act.last_active_at
            if act.paused_at is not None:
                rows.paused.setdefault(act.pilot_id, set()).add(act.person_id)
        for o in s.where(OutboxMessage, lambda o: o.pilot_id in wanted):
            assert o.pilot_id is not None
            if o.kind == "announce":
                rows.announced.add(o.pilot_id)
                earlier = rows.announced_at.get(o.pilot_id)
                if o.sent_at is not None and (earlier is None or o.sent_at < earlier):
                    rows.announced_at[o.pilot_id] = o.sent_at
            if o.status == "sent" and o.kind in kinds and o.person_id and o.sent_at:
                sent = rows.nudges_sent.setdefault(o.pilot_id, {})
                sent.setdefault(o.person_id, []).append(o.sent_at)
            if o.status == "failed":
                rows.failed.setdefault(o.pilot_id, []).append(o)
        for t in s.where(TaskState, lambda t: t.pilot_id in wanted):
            rows.done.setdefault(t.pilot_id, set()).add(t.task_id)
        for p in sorted(s.where(Process, lambda p: p.pilot_id in wanted), key=_position):
            rows.processes.setdefault(p.pilot_id, []).append(p)
        for m in s.where(Metric, lambda m: m.pilot_id in wanted):
            rows.metrics.setdefault(m.pilot_id, []).append(m)
        for c in sorted(s.where(Checkin, lambda c: c.pilot_id in wanted), key=_reported):
            rows.checkins.setdefault(c.pilot_id, []).append(c)
        for cap in s.where(CapacityCheck, lambda c: c.pilot_id in wanted):
            rows.capacity[cap.pilot_id] = cap
        for d in s.where(BuildDecision, lambda d: d.pilot_id in wanted):
            rows.decisions[d.pilot_id] = d
        return rows

    def _active(self) -> list[RoleAssignment]:
        return self.store.where(RoleAssignment, lambda a: a.ended_at is None)


class FakeTasks(_InMemory):
    async def done_tasks(self, pilot_id: int) -> dict[str, TaskState]:
        return {t.task_id: t for t in self.store.where(TaskState, lambda t: t.pilot_id == pilot_id)}

    async def mark_done(
        self, pilot_id: int, task_id: str, person_id: int, now: datetime, note: str
    ) -> bool:
        return self.insert_ignore(
            TaskState,
            {
                "pilot_id": pilot_id,
                "task_id": task_id,
                "done_by": person_id,
                "done_at": now,
                "note": note,
            },
        )


class FakeProcesses(_InMemory):
    async def processes(self, pilot_id: int) -> Sequence[Process]:
        return sorted(self.store.where(Process, lambda p: p.pilot_id == pilot_id), key=_position)

    async def remove_process(self, pilot_id: int, process_id: int) -> list[Process]:
        gone = self.store.where(Process, lambda p: p.id == process_id)
        self.store.delete(gone)
        rest = list(await self.processes(pilot_id))
        for position, process in enumerate(rest, start=1):
            process.position = position
        return rest

    async def decision(self, pilot_id: int) -> BuildDecision:
        found = self.store.get(BuildDecision, pilot_id)
        if found is None:
            found = BuildDecision(pilot_id=pilot_id)
            self.store.add(found)
        return found

    async def capacity_check(self, pilot_id: int) -> CapacityCheck | None:
        return self.store.get(CapacityCheck, pilot_id)


class FakeMetrics(_InMemory):
    async def metrics(self, pilot_id: int) -> Sequence[Metric]:
        return self.store.where(Metric, lambda m: m.pilot_id == pilot_id and m.removed_at is None)

    async def checkins(self, pilot_id: int) -> Sequence[Checkin]:
        return sorted(self.store.where(Checkin, lambda c: c.pilot_id == pilot_id), key=_reported)

    async def supersede_week(
        self, pilot_id: int, metric_id: int, week: int
    ) -> tuple[Checkin | None, list[Checkin]]:
        rows = sorted(
            self.store.where(
                Checkin,
                lambda c: (
                    c.pilot_id == pilot_id
                    and c.metric_id == metric_id
                    and c.week == week
                    and c.withdrawn_at is None
                    and c.replaced_by is None
                ),
            ),
            key=_reported,
        )
        if not rows:
            return None, []
        keep, older = rows[-1], rows[:-1]
        for row in older:
            row.replaced_by = keep.id
        return keep, older

    async def restore_replaced(self, checkin_id: int) -> None:
        for row in self.store.where(Checkin, lambda c: c.replaced_by == checkin_id):
            row.replaced_by = None


class FakeRetro(_InMemory):
    async def save_retro(
        self, pilot_id: int, person_id: int, question: int, text: str, now: datetime
    ) -> None:
        row = self.store.first(
            RetroAnswer,
            lambda a: (a.pilot_id, a.person_id, a.question) == (pilot_id, person_id, question),
        )
        if row is None:
            self.store.add(
                RetroAnswer(
                    pilot_id=pilot_id,
                    person_id=person_id,
                    question=question,
                    text=text,
                    answered_at=now,
                )
            )
        else:
            row.text, row.answered_at = text, now

    async def retro_answers(self, pilot_id: int) -> list[tuple[RetroAnswer, Person]]:
        answers = self.store.where(RetroAnswer, lambda a: a.pilot_id == pilot_id)
        found = []
        for a in sorted(answers, key=lambda a: (a.question, a.id or 0)):
            person = self.store.get(Person, a.person_id)
            if person is not None:
                found.append((a, person))
        return found


def _position(p: Process) -> int:
    return p.position


def _reported(c: Checkin) -> tuple[datetime, int]:
    return c.recorded_at, c.id or 0
