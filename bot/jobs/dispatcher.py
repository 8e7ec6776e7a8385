"""Delivers due outbox rows through the right adapter: claim, send, mark sent.

A claim is a lease: the row's next attempt moves ``LEASE`` into the future and the claim is
committed before sending, so a process that dies mid-send leaves the row to be retried once the
lease runs out (at-least-once; the window is one send). Failures back off exponentially, honour
``Retry-After``, and park the row as failed after ``MAX_ATTEMPTS`` or on a permanent error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from bot.clock import Clock
from bot.messages import ConversationRef, Reply
from bot.ports import ChatAdapter, DeliveryError
from storage.repositories import UnitOfWorkFactory
from storage.tables import OutboxMessage

log = logging.getLogger("pilot_coach.delivery")

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
BASE_BACKOFF = timedelta(seconds=30)


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))
    return BASE_BACKOFF * int(2 ** max(attempts - 1, 0))


class Dispatcher:
    def __init__(
        self, uow: UnitOfWorkFactory, adapters: Mapping[str, ChatAdapter], clock: Clock
    ) -> None:
        self.uow = uow
        self.adapters = adapters
        self.clock = clock

    async def claim(self, now: datetime, limit: int) -> list[OutboxMessage]:
        async with self.uow() as uow:
            rows = list(await uow.repo.due_messages(now, limit))
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + LEASE
                uow.repo.session.add(row)
            await uow.commit()
        return rows

    async def dispatch(self, limit: int = 100) -> int:
        """Send what is due now; returns the number of messages delivered."""
        sent = 0
        while True:
            rows = await self.claim(self.clock.now(), limit)
            for row in rows:
                sent += await self._deliver(row)
            if len(rows) < limit:
                return sent

    async def _deliver(self, row: OutboxMessage) -> int:
        ref = ConversationRef.from_json(row.target)
        adapter = self.adapters.get(ref.platform)
        values: dict[str, object]
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter for platform {ref.platform}", permanent=True)
            await adapter.send(ref, Reply.from_json(row.payload))
        except DeliveryError as exc:
            now = self.clock.now()
            failed = exc.permanent or row.attempts >= MAX_ATTEMPTS
            values = {"status": "failed" if failed else "pending", "last_error": exc.reason[:500],
                      "next_attempt_at": now + backoff(row.attempts, exc.retry_after)}  # fmt: skip
            log.warning("delivery failed id=%s pilot=%s kind=%s attempt=%s permanent=%s",
                        row.id, row.pilot_id, row.kind, row.attempts, failed)  # fmt: skip
            await self._update(row, values)
            return 0
        values = {"status": "sent", "sent_at": self.clock.now()}
        await self._update(row, values)
        log.info("delivered id=%s pilot=%s kind=%s platform=%s", row.id, row.pilot_id, row.kind,
                 ref.platform)  # fmt: skip
        return 1

    async def _update(self, row: OutboxMessage, values: dict[str, object]) -> None:
        async with self.uow() as uow:
            await uow.repo.session.exec(
                update(OutboxMessage).where(col(OutboxMessage.id) == row.id).values(**values)
            )
            await uow.commit()
