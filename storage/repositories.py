"""Repositories and the unit of work: the only place that talks SQL.

``async with uow:`` opens one transaction; ``await uow.commit()`` makes it stick, leaving the
block without a commit rolls it back. ``await uow.lock(...)`` makes it wait for the other
commands on the same conversation (``storage.locks``).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    or_,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import WRITES
from storage.locks import Conversation, ConversationLocks, WriterLock
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

    def _due(self, now: datetime) -> ColumnElement[bool]:
        next_due = col(Pilot.next_due_at)
        return and_(col(Pilot.status) == "open", or_(next_due.is_(None), next_due <= now))

    async def due_pilot_ids(self, now: datetime) -> list[int]:
        """Open pilots the planner has to look at: ``next_due_at`` passed or unknown (NULL).
        An index range scan: a tick with nothing due reads no pilot."""
        # Two index ranges (unknown, passed), not one OR: SQLite would scan all open pilots.
        table = Pilot.__table__  # type: ignore[attr-defined]
        base = sa_select(table.c.id).where(table.c.status == "open")
        due = union_all(
            base.where(table.c.next_due_at.is_(None)), base.where(table.c.next_due_at <= now)
        )
        connection = await self.session.connection()
        return sorted(row[0] for row in await connection.execute(due))

    async def due_pilots(self, now: datetime, ids: Sequence[int] | None = None) -> Sequence[Pilot]:
        """The due pilots (of ``ids``), read again: settings may have changed since."""
        query = select(Pilot).where(self._due(now))
        if ids is not None:
            query = query.where(col(Pilot.id).in_(list(ids)))
        return (await self.session.exec(query.order_by(col(Pilot.id)))).all()

    async def set_next_due(self, due: dict[int, datetime]) -> None:
        """Each pilot's next due moment (one executemany)."""
        if not due:
            return
        table = Pilot.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        statement = (
            update(table)
            .where(table.c.id == bindparam("pilot"))
            .values(next_due_at=bindparam("due", type_=table.c.next_due_at.type))
        )
        await connection.execute(statement, [{"pilot": k, "due": v} for k, v in due.items()])

    async def mark_planning(self, ids: Sequence[int], now: datetime, marker: datetime) -> set[int]:
        """Of these pilots, the due ones get ``next_due_at = marker`` (a moment long past: due
        still, should the plan not finish): SQLite's planner reads them outside the writer and
        writes the plan of those ``marked`` still (a command's commit in between resets it)."""
        table = Pilot.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        await connection.execute(
            update(table)
            .where(table.c.id.in_(list(ids)), self._due(now))
            .values(next_due_at=marker)
        )
        return await self.marked(ids, marker)

    async def marked(self, ids: Sequence[int], marker: datetime) -> set[int]:
        """Of these pilots, the open ones whose ``next_due_at`` is still ``marker``."""
        table = Pilot.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        rows = await connection.execute(
            sa_select(table.c.id).where(
                table.c.id.in_(list(ids)), table.c.status == "open", table.c.next_due_at == marker
            )
        )
        return {row[0] for row in rows}

    async def replan(self, pilot_ids: Sequence[int]) -> None:
        """Plan these pilots again at the next tick (their state changed)."""
        if pilot_ids:
            await self.session.exec(
                update(Pilot).where(col(Pilot.id).in_(list(pilot_ids))).values(next_due_at=None)
            )

    async def replan_person(self, person_id: int) -> None:
        """Plan the open pilots in which ``person`` holds a role again at the next tick."""
        held = (
            sa_select(col(RoleAssignment.pilot_id))
            .where(
                col(RoleAssignment.person_id) == person_id,
                col(RoleAssignment.ended_at).is_(None),
            )
            .scalar_subquery()
        )
        await self.session.exec(
            update(Pilot)
            .where(col(Pilot.id).in_(held), col(Pilot.status) == "open")
            .values(next_due_at=None)
        )

    async def replan_conversations(self, conversations: Iterable[Conversation]) -> None:
        """Plan the open pilots of these (platform, workspace, channel) again at the next tick."""
        for platform, workspace, channel in conversations:
            ws = (
                sa_select(col(Workspace.id))
                .where(col(Workspace.platform) == platform, col(Workspace.external_id) == workspace)
                .scalar_subquery()
            )
            await self.session.exec(
                update(Pilot)
                .where(
                    col(Pilot.workspace_id) == ws,
                    col(Pilot.channel_id) == channel,
                    col(Pilot.status) == "open",
                    col(Pilot.next_due_at).is_not(None),
                )
                .values(next_due_at=None)
            )

    async def next_due_moment(self, now: datetime) -> tuple[datetime | None, Sequence[Pilot]]:
        """The earliest ``next_due_at`` after ``now`` of the open pilots, and the open pilots
        whose moment is unknown (NULL), for the caller to compute."""
        later = await self.session.exec(
            select(func.min(Pilot.next_due_at)).where(
                col(Pilot.status) == "open", col(Pilot.next_due_at) > now
            )
        )
        unknown = await self.session.exec(
            select(Pilot).where(col(Pilot.status) == "open", col(Pilot.next_due_at).is_(None))
        )
        return later.one(), unknown.all()

    async def next_retry_after(self, now: datetime) -> datetime | None:
        """The earliest next attempt after ``now`` of a pending outbox row."""
        result = await self.session.exec(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status == "pending", col(OutboxMessage.next_attempt_at) > now
            )
        )
        return result.one()

    async def remember_dm_channels(self, found: Sequence[tuple[str, str, str]]) -> None:
        """Slack DM channels conversations.open returned, as (team, user, channel)."""
        if not found:
            return
        table = Person.__table__  # type: ignore[attr-defined]
        ws = Workspace.__table__  # type: ignore[attr-defined]
        team = (
            sa_select(ws.c.id)
            .where(ws.c.platform == "slack", ws.c.external_id == bindparam("team"))
            .scalar_subquery()
        )
        statement = (
            update(table)
            .where(table.c.workspace_id == team, table.c.external_id == bindparam("user"))
            .values(dm_channel=bindparam("channel"))
        )
        connection = await self.session.connection()
        await connection.execute(
            statement, [{"team": t, "user": u, "channel": c} for t, u, c in found]
        )

    async def dm_channel(self, team: str, user: str) -> str | None:
        row = (
            await self.session.exec(
                select(Person.dm_channel)
                .join(Workspace, col(Workspace.id) == col(Person.workspace_id))
                .where(
                    Workspace.platform == "slack",
                    Workspace.external_id == team,
                    Person.external_id == user,
                )
            )
        ).first()
        return row or None

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
        return {key for pilot_id, week, key in rows if pilot_id and weeks.get(pilot_id) == week}

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

    async def record_failure(
        self, outbox_id: int, *, status: str, error: str, next_attempt_at: datetime
    ) -> None:
        """A failed delivery: retried at ``next_attempt_at`` (pending) or parked (failed)."""
        await self.session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == outbox_id)
            .values(status=status, last_error=error, next_attempt_at=next_attempt_at)
        )

    async def purge_replies(self, before: datetime) -> None:
        """Delete command answers kept for a retry (``kind = "reply"``) due before ``before``."""
        await self.session.exec(
            delete(OutboxMessage).where(
                col(OutboxMessage.kind) == "reply", col(OutboxMessage.due_at) < before
            )
        )

    async def mark_unreachable(self, person_id: int, now: datetime) -> bool:
        """The platform refuses messages to this person; True if that is news."""
        person = await self.session.get(Person, person_id)
        if person is None or person.unreachable_since is not None:
            return False
        person.unreachable_since = now
        self.session.add(person)
        await self.session.flush()
        return True

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
    pilot_id: int | None  # None: a command's answer (kind "reply") without a pilot
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
    for announced_id, sent_at in announced:
        if announced_id is None:
            continue
        rows.announced.add(announced_id)
        earlier = rows.announced_at.get(announced_id)
        if sent_at is not None and (earlier is None or sent_at < earlier):
            rows.announced_at[announced_id] = sent_at
    sent = await session.exec(
        select(OutboxMessage.pilot_id, OutboxMessage.person_id, OutboxMessage.sent_at).where(
            col(OutboxMessage.pilot_id).in_(ids),
            OutboxMessage.status == "sent",
            col(OutboxMessage.kind).in_(kinds),
        )
    )
    for of_pilot, person_id, sent_at in sent:
        if of_pilot is not None and person_id is not None and sent_at is not None:
            rows.nudges_sent.setdefault(of_pilot, {}).setdefault(person_id, []).append(sent_at)
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
        if o.pilot_id is not None:
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
    """One transaction: ``async with uow: ...; await uow.commit()``.

    A writing unit of work (the default) on SQLite holds the writer lock from start to end
    and begins with ``BEGIN IMMEDIATE``; a read-only one (``UnitOfWorkFactory.read``) takes no
    lock and must not write. Committing after ``lock(...)`` marks the pilots of the locked
    conversations for the planner's next tick (whatever held the lock may have changed them)."""

    def __init__(
        self, engine: AsyncEngine, writer: WriterLock | None = None, *, readonly: bool = False
    ) -> None:
        self._engine = engine
        self._writer = writer or WriterLock(engine)
        self._readonly = readonly
        self._holding = False
        self._session: AsyncSession | None = None
        self._locks: ConversationLocks | None = None

    @property
    def repo(self) -> Repository:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return Repository(self._session)

    async def __aenter__(self) -> UnitOfWork:
        if not self._readonly:
            self._holding = await self._writer.acquire()
        bind = self._engine if self._readonly else self._engine.execution_options(**{WRITES: True})
        self._session = AsyncSession(bind, expire_on_commit=False)
        self._locks = ConversationLocks(self._session, self._engine.dialect.name == "sqlite")
        self._changed: set[Conversation] = set()
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
            self._session = self._locks = None
            if self._holding:
                self._holding = False
                self._writer.release()

    async def lock(
        self, platform: str, workspace: str, channel: str, *, changes: bool = True
    ) -> None:
        """Wait until no other unit of work holds this conversation (see ``storage.locks``).
        ``changes=False``: only to read; the commit then leaves its pilots' plan alone."""
        assert self._locks is not None
        if self._readonly:
            raise RuntimeError("a read-only unit of work takes no conversation lock")
        await self._locks.acquire(platform, workspace, channel)
        if changes:
            self._changed.add((platform, workspace, channel))

    async def try_lock_keys(self, keys: Sequence[int]) -> set[int]:
        """Of these conversation keys (``storage.locks.lock_key``), the ones this transaction
        could lock without waiting."""
        assert self._locks is not None
        return await self._locks.try_keys(keys)

    async def commit(self) -> None:
        assert self._session is not None and self._locks is not None
        if self._changed:
            await self.repo.replan_conversations(self._changed)
        await self._session.commit()


class UnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, writer: WriterLock | None = None) -> None:
        self.engine = engine
        # One writer lock per database: engines on the same database share the factory's.
        self.writer = writer or WriterLock(engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.writer)

    def read(self) -> UnitOfWork:
        """A read-only unit of work: concurrent with the writer on SQLite (WAL)."""
        return UnitOfWork(self.engine, self.writer, readonly=True)

    def on(self, engine: AsyncEngine) -> UnitOfWorkFactory:
        """Units of work on another engine of the same database (same writer lock)."""
        return UnitOfWorkFactory(engine, self.writer)
