"""The outbox: every message the bot sends goes through it, with retries and deduplication."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Text,
    bindparam,
    cast,
    delete,
    func,
    or_,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from storage.records import Claimed
from storage.repositories.base import (
    SessionRepository,
    insert_statement,
    is_literal,
    json_text,
    one_of,
)
from storage.tables import (
    OutboxMessage,
)


class OutboxRepository(SessionRepository):
    """Messages to deliver: queued by the planner and the commands, claimed by the dispatcher."""

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
        statement = insert_statement(connection, table).values(
            {c.name: param(c.name) for c in columns}
        )
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
                payloads[id(row[payload])] = (row[payload], json_text(row[payload]))
            row[payload] = payloads[id(row[payload])][1]
            row[target] = json_text(row[target])
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
                one_of(col(OutboxMessage.pilot_id), weeks)
            )
        )
        return {key for pilot_id, week, key in rows if pilot_id and weeks.get(pilot_id) == week}

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
        """Claim up to ``limit`` due rows: their next attempt moves ``lease`` ahead and their
        attempts go up by one (PostgreSQL: rows other processes hold are skipped). Core SQL,
        no ORM objects: this is the dispatcher's hot path. The payload comes as its JSON text:
        the same week's nudges repeat across pilots, so the dispatcher parses each text once."""
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        due = (
            sa_select(table.c.id)
            .where(is_literal(table.c.status, "pending"), table.c.next_attempt_at <= now)
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
            update(table).where(one_of(table.c.id, ids)).values(status="sent", sent_at=now)
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
                is_literal(col(OutboxMessage.kind), "reply"), col(OutboxMessage.due_at) < before
            )
        )

    async def outbox(self, *, failed_only: bool = False) -> Sequence[OutboxMessage]:
        condition: ColumnElement[bool] = (
            is_literal(col(OutboxMessage.status), "failed")
            if failed_only
            else or_(
                is_literal(col(OutboxMessage.status), "pending"),
                is_literal(col(OutboxMessage.status), "failed"),
            )
        )
        return (
            await self.session.exec(
                select(OutboxMessage).where(condition).order_by(col(OutboxMessage.due_at))
            )
        ).all()

    async def oldest_due(self, now: datetime) -> datetime | None:
        result = await self.session.exec(
            select(func.min(OutboxMessage.due_at)).where(
                is_literal(col(OutboxMessage.status), "pending"), col(OutboxMessage.due_at) <= now
            )
        )
        return result.one()

    async def next_retry_after(self, now: datetime) -> datetime | None:
        """The earliest next attempt after ``now`` of a pending outbox row."""
        result = await self.session.exec(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                is_literal(col(OutboxMessage.status), "pending"),
                col(OutboxMessage.next_attempt_at) > now,
            )
        )
        return result.one()
