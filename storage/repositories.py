"""Repositories and the unit of work: the only place that talks SQL.

``async with uow:`` opens one transaction; ``await uow.commit()`` makes it stick, leaving the
block without a commit rolls it back. ``await uow.lock(...)`` makes it wait for the other
commands on the same conversation (``storage.locks``).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import JSON, ColumnElement, Text, bindparam, cast, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.locks import ConversationLocks, WriterLock
from storage.tables import (
    Activity,
    BuildDecision,
    CapacityCheck,
    Checkin,
    ConversationRefRecord,
    Metric,
    OutboxMessage,
    Person,
    Pilot,
    Process,
    ProcessedEvent,
    RetroAnswer,
    RoleAssignment,
    SimClock,
    TaskState,
    Workspace,
)


class Repository:
    """Queries and writes for everything a pilot owns."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_ignore(self, table: type[SQLModel], values: dict[str, Any]) -> bool:
        """INSERT unless a unique key already exists; True if a row was written."""
        key = list(table.__table__.primary_key.columns)  # type: ignore[attr-defined]
        connection = await self.session.connection()
        stmt = _insert(connection, table).values(**values).on_conflict_do_nothing()
        # A row comes back only if it was written (rowcount is not reliable for INSERT).
        result = await connection.execute(stmt.returning(*key))
        return result.first() is not None

    # ---- tenants and people ------------------------------------------------------------
    async def workspace(self, platform: str, external_id: str, name: str = "") -> Workspace:
        name = name[:200]  # the column's size: platforms' names can be longer
        await self.insert_ignore(
            Workspace, {"platform": platform, "external_id": external_id, "name": name}
        )
        row = (
            await self.session.exec(
                select(Workspace).where(
                    Workspace.platform == platform, Workspace.external_id == external_id
                )
            )
        ).one()
        if name and row.name != name:
            row.name = name
            self.session.add(row)
        return row

    async def person(self, workspace_id: int, external_id: str, name: str = "") -> Person:
        name = name[:200]  # the column's size: platforms' names can be longer
        await self.insert_ignore(
            Person, {"workspace_id": workspace_id, "external_id": external_id, "display_name": name}
        )
        row = (
            await self.session.exec(
                select(Person).where(
                    Person.workspace_id == workspace_id, Person.external_id == external_id
                )
            )
        ).one()
        if name and row.display_name != name:
            row.display_name = name
            self.session.add(row)
        return row

    async def existing_person(self, workspace_id: int, external_id: str) -> Person | None:
        """A person the bot has seen in this workspace, without creating one."""
        return (
            await self.session.exec(
                select(Person).where(
                    Person.workspace_id == workspace_id, Person.external_id == external_id
                )
            )
        ).first()

    async def people_by_external_id(self, external_id: str) -> Sequence[Person]:
        """Everyone with this platform id, in any workspace."""
        return (
            await self.session.exec(select(Person).where(Person.external_id == external_id))
        ).all()

    async def person_by_id(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def people(self, ids: Sequence[int]) -> dict[int, Person]:
        if not ids:
            return {}
        rows = await self.session.exec(select(Person).where(col(Person.id).in_(ids)))
        return {p.id: p for p in rows if p.id is not None}

    async def workspace_by_id(self, workspace_id: int) -> Workspace | None:
        return await self.session.get(Workspace, workspace_id)

    # ---- pilots -------------------------------------------------------------------------
    async def current_pilot(self, workspace_id: int, channel_id: str) -> Pilot | None:
        """The channel's newest pilot (open, or the last closed one)."""
        return (
            await self.session.exec(
                select(Pilot)
                .where(Pilot.workspace_id == workspace_id, Pilot.channel_id == channel_id)
                .order_by(col(Pilot.cycle).desc())
                .limit(1)
            )
        ).first()

    async def add(self, row: SQLModel) -> None:
        self.session.add(row)
        await self.session.flush()

    async def pilot(self, pilot_id: int) -> Pilot | None:
        return await self.session.get(Pilot, pilot_id)

    async def open_pilots(self) -> Sequence[Pilot]:
        return (
            await self.session.exec(
                select(Pilot).where(Pilot.status == "open").order_by(col(Pilot.id))
            )
        ).all()

    async def all_pilots(self) -> Sequence[Pilot]:
        return (await self.session.exec(select(Pilot).order_by(col(Pilot.id)))).all()

    async def pilots_of_person(self, person_id: int) -> Sequence[Pilot]:
        """Open pilots in which a person currently owns a role."""
        return (
            await self.session.exec(
                select(Pilot)
                .join(RoleAssignment, col(RoleAssignment.pilot_id) == col(Pilot.id))
                .where(
                    RoleAssignment.person_id == person_id,
                    col(RoleAssignment.ended_at).is_(None),
                    Pilot.status == "open",
                )
                .distinct()
            )
        ).all()

    # ---- roles and activity -------------------------------------------------------------
    async def roles(self, pilot_id: int) -> dict[str, Person]:
        rows = await self.session.exec(
            select(RoleAssignment, Person)
            .join(Person, col(Person.id) == col(RoleAssignment.person_id))
            .where(RoleAssignment.pilot_id == pilot_id, col(RoleAssignment.ended_at).is_(None))
        )
        return {assignment.role: person for assignment, person in rows}

    async def set_role(
        self, pilot_id: int, role: str, person_id: int, by: int | None, now: datetime
    ) -> None:
        await self.session.exec(
            update(RoleAssignment)
            .where(
                col(RoleAssignment.pilot_id) == pilot_id,
                col(RoleAssignment.role) == role,
                col(RoleAssignment.ended_at).is_(None),
            )
            .values(ended_at=now)
        )
        self.session.add(
            RoleAssignment(
                pilot_id=pilot_id, role=role, person_id=person_id, assigned_by=by, assigned_at=now
            )
        )
        await self.session.flush()

    async def role_history(self, pilot_id: int) -> Sequence[RoleAssignment]:
        return (
            await self.session.exec(
                select(RoleAssignment)
                .where(RoleAssignment.pilot_id == pilot_id)
                .order_by(col(RoleAssignment.id))
            )
        ).all()

    async def touch(self, pilot_id: int, person_id: int, now: datetime) -> None:
        row = await self.session.get(Activity, (pilot_id, person_id))
        if row is None:
            self.session.add(Activity(pilot_id=pilot_id, person_id=person_id, last_active_at=now))
        else:
            row.last_active_at = max(row.last_active_at, now)
            self.session.add(row)

    async def set_paused(self, pilot_id: int, person_id: int, now: datetime, paused: bool) -> bool:
        """Pause or resume one person's nudges in one pilot; False if nothing changed."""
        row = await self.session.get(Activity, (pilot_id, person_id))
        if row is None:
            row = Activity(pilot_id=pilot_id, person_id=person_id, last_active_at=now)
        if (row.paused_at is not None) == paused:
            return False
        row.paused_at = now if paused else None
        self.session.add(row)
        return True

    async def activity(self, pilot_id: int) -> dict[int, datetime]:
        rows = await self.session.exec(select(Activity).where(Activity.pilot_id == pilot_id))
        return {a.person_id: a.last_active_at for a in rows}

    # ---- tasks, processes, metrics, check-ins -----------------------------------------
    async def done_tasks(self, pilot_id: int) -> dict[str, TaskState]:
        rows = await self.session.exec(select(TaskState).where(TaskState.pilot_id == pilot_id))
        return {t.task_id: t for t in rows}

    async def mark_done(
        self, pilot_id: int, task_id: str, person_id: int, now: datetime, note: str
    ) -> bool:
        return await self.insert_ignore(
            TaskState,
            {
                "pilot_id": pilot_id,
                "task_id": task_id,
                "done_by": person_id,
                "done_at": now,
                "note": note,
            },
        )

    async def processes(self, pilot_id: int) -> Sequence[Process]:
        return (
            await self.session.exec(
                select(Process).where(Process.pilot_id == pilot_id).order_by(col(Process.position))
            )
        ).all()

    async def remove_process(self, pilot_id: int, process_id: int) -> list[Process]:
        """Delete one candidate workflow; the ones after it move up one position (positions
        are unique per pilot: each moves into the place just freed). Returns the rest."""
        gone = await self.session.get(Process, process_id)
        if gone is not None:
            await self.session.delete(gone)
            await self.session.flush()
        rest = list(await self.processes(pilot_id))
        for position, process in enumerate(rest, start=1):
            if process.position != position:
                process.position = position
                self.session.add(process)
                await self.session.flush()
        return rest

    async def decision(self, pilot_id: int) -> BuildDecision:
        """The pilot's build decisions row, created (not yet flushed) when there is none."""
        found = await self.session.get(BuildDecision, pilot_id)
        if found is None:
            found = BuildDecision(pilot_id=pilot_id)
        self.session.add(found)
        return found

    async def capacity_check(self, pilot_id: int) -> CapacityCheck | None:
        return await self.session.get(CapacityCheck, pilot_id)

    async def metrics(self, pilot_id: int) -> Sequence[Metric]:
        """The pilot's metrics that count (``metric remove`` leaves a row with removed_at)."""
        return (
            await self.session.exec(
                select(Metric)
                .where(Metric.pilot_id == pilot_id, col(Metric.removed_at).is_(None))
                .order_by(col(Metric.id))
            )
        ).all()

    async def checkins(self, pilot_id: int) -> Sequence[Checkin]:
        return (
            await self.session.exec(
                select(Checkin)
                .where(Checkin.pilot_id == pilot_id)
                .order_by(col(Checkin.recorded_at), col(Checkin.id))
            )
        ).all()

    async def supersede_week(
        self, pilot_id: int, metric_id: int, week: int
    ) -> tuple[Checkin | None, list[Checkin]]:
        """One value per metric and pilot week: the latest check-in of that week that counts
        replaces the others (``replaced_by``; they stay for the export). Returns it and the
        ones it replaced now."""
        rows = list(
            (
                await self.session.exec(
                    select(Checkin)
                    .where(Checkin.pilot_id == pilot_id, Checkin.metric_id == metric_id,
                           Checkin.week == week, col(Checkin.withdrawn_at).is_(None),
                           col(Checkin.replaced_by).is_(None))
                    .order_by(col(Checkin.recorded_at), col(Checkin.id))
                )
            ).all()
        )  # fmt: skip
        if not rows:
            return None, []
        keep, older = rows[-1], rows[:-1]
        for row in older:
            row.replaced_by = keep.id
            self.session.add(row)
        await self.session.flush()
        return keep, older

    async def restore_replaced(self, checkin_id: int) -> None:
        """``checkin undo`` of a check-in that replaced others: the ones it replaced count
        again (the newest of them stays the week's value; the rest stay replaced by it)."""
        rows = list(
            (
                await self.session.exec(
                    select(Checkin).where(Checkin.replaced_by == checkin_id)
                    .order_by(col(Checkin.recorded_at), col(Checkin.id))
                )
            ).all()
        )  # fmt: skip
        for row in rows:
            row.replaced_by = None
            self.session.add(row)
        await self.session.flush()

    async def save_retro(
        self, pilot_id: int, person_id: int, question: int, text: str, now: datetime
    ) -> None:
        row = (
            await self.session.exec(
                select(RetroAnswer).where(
                    RetroAnswer.pilot_id == pilot_id,
                    RetroAnswer.person_id == person_id,
                    RetroAnswer.question == question,
                )
            )
        ).first()
        if row is None:
            row = RetroAnswer(pilot_id=pilot_id, person_id=person_id, question=question,
                              text=text, answered_at=now)  # fmt: skip
        else:
            row.text, row.answered_at = text, now
        self.session.add(row)
        await self.session.flush()

    async def retro_answers(self, pilot_id: int) -> list[tuple[RetroAnswer, Person]]:
        rows = await self.session.exec(
            select(RetroAnswer, Person)
            .join(Person, col(Person.id) == col(RetroAnswer.person_id))
            .where(RetroAnswer.pilot_id == pilot_id)
            .order_by(col(RetroAnswer.question), col(RetroAnswer.id))
        )
        return [(a, p) for a, p in rows]

    # ---- outbox -------------------------------------------------------------------------
    async def enqueue(self, message: dict[str, Any]) -> bool:
        return await self.insert_ignore(OutboxMessage, message)

    async def enqueue_many(self, messages: Sequence[dict[str, Any]]) -> int:
        """Insert outbox rows, skipping dedupe keys that exist; returns how many were offered.

        A Monday writes tens of thousands of rows that share a few payloads and due times.
        SQLAlchemy compiles the statement once and converts each distinct value once; the rows
        then go to the driver's executemany. (Converting every parameter of every row was half
        the planner's write time.)"""
        if not messages:
            return 0
        connection = await self.session.connection()
        dialect = connection.dialect
        table = OutboxMessage.__table__  # type: ignore[attr-defined]

        def param(name: str) -> Any:
            if name in ("payload", "target"):  # JSON text, which SQLite stores as it is
                text = bindparam(name, type_=Text)
                return cast(text, JSON) if dialect.name == "postgresql" else text
            return bindparam(name, type_=table.c[name].type)

        # Every column but the id; what a row leaves out gets the column's default (or NULL).
        columns = [c for c in table.c if not c.primary_key]
        defaults = {c.name: c.default.arg if c.default is not None else None for c in columns}
        statement = _insert(connection, table).values({c.name: param(c.name) for c in columns})
        # for_executemany: PostgreSQL's INSERT would otherwise return each row's id.
        compiled = statement.on_conflict_do_nothing().compile(dialect=dialect, for_executemany=True)
        names = list(compiled.positiontup or compiled.binds)
        pick = operator.itemgetter(*names)
        payload, target = names.index("payload"), names.index("target")
        convert: list[tuple[int, Callable[[Any], Any], dict[tuple[Any, int], Any]]] = [
            (i, processor, {})
            for i, name in enumerate(names)
            if i not in (payload, target)
            and (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        # The planner shares one payload object per slot: each is serialised once (and kept
        # alive here, so that its id() stands for it throughout).
        payloads: dict[int, tuple[object, str]] = {}
        rows: list[Any] = []
        for message in messages:
            row = list(pick({**defaults, **message}))
            if id(row[payload]) not in payloads:
                payloads[id(row[payload])] = (row[payload], _json_text(row[payload]))
            row[payload] = payloads[id(row[payload])][1]
            row[target] = _json_text(row[target])
            for i, processor, done in convert:  # due times repeat: each converted once
                # The fold tells the two 02:30 of a DST night apart, which compare equal.
                key = (row[i], getattr(row[i], "fold", 0))
                if key not in done:
                    done[key] = processor(row[i])
                row[i] = done[key]
            rows.append(tuple(row))
        params = rows if compiled.positional else [dict(zip(names, r, strict=True)) for r in rows]
        await connection.exec_driver_sql(compiled.string, params)
        return len(messages)

    async def announce(self, message: dict[str, Any], now: datetime) -> bool:
        """Queue an announcement: a new row, or the existing one (same pilot and channel) set
        to go out again with the new content, keeping the id of the message it will update.
        Returns True when the announcement was posted before."""
        existing = (
            await self.session.exec(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == message["dedupe_key"])
            )
        ).first()
        if existing is None:
            await self.enqueue(message)
            return False
        existing.payload, existing.status, existing.attempts = message["payload"], "pending", 0
        existing.due_at = existing.next_attempt_at = now
        existing.last_error = ""
        self.session.add(existing)
        return existing.message_id is not None

    async def set_message_id(self, outbox_id: int, message_id: str) -> None:
        await self.session.exec(
            update(OutboxMessage).where(col(OutboxMessage.id) == outbox_id)
            .values(message_id=message_id)
        )  # fmt: skip

    async def outbox_keys(self, weeks: dict[int, int]) -> set[str]:
        """Dedupe keys already written for each pilot's given week."""
        if not weeks:
            return set()
        rows = await self.session.exec(
            select(OutboxMessage.pilot_id, OutboxMessage.week, OutboxMessage.dedupe_key).where(
                col(OutboxMessage.pilot_id).in_(list(weeks))
            )
        )
        return {key for pilot_id, week, key in rows if weeks.get(pilot_id) == week}

    async def workspaces(self, ids: set[int]) -> dict[int, Workspace]:
        if not ids:
            return {}
        rows = await self.session.exec(select(Workspace).where(col(Workspace.id).in_(list(ids))))
        return {w.id: w for w in rows if w.id is not None}

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
        """Claim up to ``limit`` due rows: their next attempt moves ``lease`` ahead and their
        attempts go up by one (PostgreSQL: rows other processes hold are skipped). Core SQL,
        no ORM objects: this is the dispatcher's hot path. The payload comes as its JSON text:
        the same week's nudges repeat across pilots, so the dispatcher parses each text once."""
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        due = (
            sa_select(table.c.id)
            .where(table.c.status == "pending", table.c.next_attempt_at <= now)
            .order_by(table.c.due_at, table.c.id)
            .limit(limit)
        )
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        # One statement claims and reads (UPDATE … RETURNING): no second round trip, no list
        # of a thousand ids to bind. RETURNING has no order, so the batch is sorted here.
        claim = (
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(attempts=table.c.attempts + 1, next_attempt_at=now + lease)
            .returning(table.c.due_at, table.c.id, table.c.pilot_id, table.c.person_id,
                       table.c.kind, table.c.target, cast(table.c.payload, Text),
                       table.c.attempts, table.c.message_id)
        )  # fmt: skip
        return [Claimed(*row[1:]) for row in sorted(await connection.execute(claim))]

    async def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        """The dispatcher's group commit: Core SQL on the connection, no ORM bookkeeping."""
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        await connection.execute(
            update(table).where(table.c.id.in_(ids)).values(status="sent", sent_at=now)
        )

    async def outbox(self, *, failed_only: bool = False) -> Sequence[OutboxMessage]:
        condition: ColumnElement[bool] = (
            col(OutboxMessage.status) == "failed"
            if failed_only
            else col(OutboxMessage.status).in_(("pending", "failed"))
        )
        return (
            await self.session.exec(
                select(OutboxMessage).where(condition).order_by(col(OutboxMessage.due_at))
            )
        ).all()

    async def oldest_due(self, now: datetime) -> datetime | None:
        result = await self.session.exec(
            select(func.min(OutboxMessage.due_at)).where(
                OutboxMessage.status == "pending", col(OutboxMessage.due_at) <= now
            )
        )
        return result.one()

    # ---- events, references, clock ----------------------------------------------------
    async def claim_event(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record a platform event id; False if it was handled before."""
        return await self.insert_ignore(
            ProcessedEvent, {"platform": platform, "event_id": event_id, "received_at": now}
        )

    async def save_ref(
        self, platform: str, workspace: str, scope: str, key: str, data: dict[str, Any]
    ) -> None:
        row = (
            await self.session.exec(
                select(ConversationRefRecord).where(
                    ConversationRefRecord.platform == platform,
                    ConversationRefRecord.workspace == workspace,
                    ConversationRefRecord.scope == scope,
                    ConversationRefRecord.key == key,
                )
            )
        ).first()
        if row is None:
            await self.insert_ignore(
                ConversationRefRecord,
                {"platform": platform, "workspace": workspace, "scope": scope, "key": key,
                 "data": data},
            )  # fmt: skip
        elif row.data != data:
            row.data = data
            self.session.add(row)

    async def load_ref(
        self, platform: str, workspace: str, scope: str, key: str
    ) -> dict[str, Any] | None:
        row = (
            await self.session.exec(
                select(ConversationRefRecord).where(
                    ConversationRefRecord.platform == platform,
                    ConversationRefRecord.workspace == workspace,
                    ConversationRefRecord.scope == scope,
                    ConversationRefRecord.key == key,
                )
            )
        ).first()
        return dict(row.data) if row else None

    async def sim_now(self) -> datetime | None:
        row = await self.session.get(SimClock, 1)
        return row.now if row else None

    async def set_sim_now(self, now: datetime) -> None:
        row = await self.session.get(SimClock, 1)
        if row is None:
            self.session.add(SimClock(id=1, now=now))
        else:
            row.now = now
            self.session.add(row)


@dataclass(frozen=True)
class Claimed:
    """An outbox row claimed for delivery."""

    id: int
    pilot_id: int
    person_id: int | None
    kind: str
    target: dict[str, Any]
    payload: str  # the JSON text of a ``Reply``
    attempts: int  # including this attempt
    message_id: str | None = None


@dataclass
class PilotRows:
    """Everything that belongs to a set of pilots, read with one query per table."""

    owners: dict[int, dict[str, Person]] = field(default_factory=dict)
    activity: dict[int, dict[int, datetime]] = field(default_factory=dict)
    paused: dict[int, set[int]] = field(default_factory=dict)  # pilot -> people who paused
    announced: set[int] = field(default_factory=set)  # pilots whose results were announced
    # when the announcement was delivered (None: queued, not sent yet)
    announced_at: dict[int, datetime | None] = field(default_factory=dict)
    nudges_sent: dict[int, dict[int, list[datetime]]] = field(default_factory=dict)
    done: dict[int, set[str]] = field(default_factory=dict)
    processes: dict[int, list[Process]] = field(default_factory=dict)
    metrics: dict[int, list[Metric]] = field(default_factory=dict)
    checkins: dict[int, list[Checkin]] = field(default_factory=dict)
    failed: dict[int, list[OutboxMessage]] = field(default_factory=dict)
    capacity: dict[int, CapacityCheck] = field(default_factory=dict)
    decisions: dict[int, BuildDecision] = field(default_factory=dict)


async def load_pilot_rows(repo: Repository, ids: Sequence[int], kinds: Sequence[str]) -> PilotRows:
    rows = PilotRows()
    if not ids:
        return rows
    session = repo.session
    owners = await session.exec(
        select(RoleAssignment.pilot_id, RoleAssignment.role, Person)
        .join(Person, col(Person.id) == col(RoleAssignment.person_id))
        .where(col(RoleAssignment.pilot_id).in_(ids), col(RoleAssignment.ended_at).is_(None))
    )
    for pilot_id, role, person in owners:
        rows.owners.setdefault(pilot_id, {})[role] = person
    for a in await session.exec(select(Activity).where(col(Activity.pilot_id).in_(ids))):
        rows.activity.setdefault(a.pilot_id, {})[a.person_id] = a.last_active_at
        if a.paused_at is not None:
            rows.paused.setdefault(a.pilot_id, set()).add(a.person_id)
    announced = await session.exec(
        select(OutboxMessage.pilot_id, OutboxMessage.sent_at).where(
            col(OutboxMessage.pilot_id).in_(ids), OutboxMessage.kind == "announce"
        )
    )
    for pilot_id, sent_at in announced:
        rows.announced.add(pilot_id)
        earlier = rows.announced_at.get(pilot_id)
        if sent_at is not None and (earlier is None or sent_at < earlier):
            rows.announced_at[pilot_id] = sent_at
    sent = await session.exec(
        select(OutboxMessage.pilot_id, OutboxMessage.person_id, OutboxMessage.sent_at).where(
            col(OutboxMessage.pilot_id).in_(ids),
            OutboxMessage.status == "sent",
            col(OutboxMessage.kind).in_(kinds),
        )
    )
    for pilot_id, person_id, sent_at in sent:
        if person_id is not None and sent_at is not None:
            rows.nudges_sent.setdefault(pilot_id, {}).setdefault(person_id, []).append(sent_at)
    for t in await session.exec(select(TaskState).where(col(TaskState.pilot_id).in_(ids))):
        rows.done.setdefault(t.pilot_id, set()).add(t.task_id)
    for p in await session.exec(
        select(Process).where(col(Process.pilot_id).in_(ids)).order_by(col(Process.position))
    ):
        rows.processes.setdefault(p.pilot_id, []).append(p)
    for m in await session.exec(
        select(Metric).where(col(Metric.pilot_id).in_(ids)).order_by(col(Metric.id))
    ):
        rows.metrics.setdefault(m.pilot_id, []).append(m)
    for c in await session.exec(
        select(Checkin)
        .where(col(Checkin.pilot_id).in_(ids))
        .order_by(col(Checkin.recorded_at), col(Checkin.id))
    ):
        rows.checkins.setdefault(c.pilot_id, []).append(c)
    for o in await session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.pilot_id).in_(ids), OutboxMessage.status == "failed"
        )
    ):
        rows.failed.setdefault(o.pilot_id, []).append(o)
    for cap in await session.exec(
        select(CapacityCheck).where(col(CapacityCheck.pilot_id).in_(ids))
    ):
        rows.capacity[cap.pilot_id] = cap
    for d in await session.exec(select(BuildDecision).where(col(BuildDecision.pilot_id).in_(ids))):
        rows.decisions[d.pilot_id] = d
    return rows


def _insert(connection: AsyncConnection, table: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` (SQLite and PostgreSQL)."""
    return (pg_insert if connection.dialect.name == "postgresql" else sqlite_insert)(table)


# Compact UTF-8 JSON (German text with escaped umlauts and dashes is a third longer); one
# encoder, since json.dumps builds a new one on every call with non-default options.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_text(value: dict[str, Any]) -> str:
    return _JSON.encode(value)


class UnitOfWork:
    """One transaction: ``async with uow: ...; await uow.commit()``."""

    def __init__(self, engine: AsyncEngine, writer: WriterLock | None = None) -> None:
        self._engine = engine
        self._writer = writer or WriterLock(engine)
        self._session: AsyncSession | None = None
        self._locks: ConversationLocks | None = None

    @property
    def repo(self) -> Repository:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return Repository(self._session)

    async def __aenter__(self) -> UnitOfWork:
        self._session = AsyncSession(self._engine, expire_on_commit=False)
        self._locks = ConversationLocks(self._session, self._writer)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None and self._locks is not None
        try:
            await self._session.close()  # rolls back what was not committed; keeps rows usable
        finally:
            self._locks.release()
            self._session = self._locks = None

    async def lock(self, platform: str, workspace: str, channel: str) -> None:
        """Wait until no other unit of work holds this conversation (see ``storage.locks``)."""
        assert self._locks is not None
        await self._locks.acquire(platform, workspace, channel)

    async def commit(self) -> None:
        assert self._session is not None
        await self._session.commit()


class UnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.writer = WriterLock(engine)  # one per database: build one factory per engine

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.writer)
