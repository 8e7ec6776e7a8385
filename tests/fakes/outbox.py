"""In-memory outbox, events, conversation references and clock (``bot.ports`` Protocols)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from storage.records import Claimed
from storage.tables import (
    ConversationRefRecord,
    OutboxMessage,
    ProcessedEvent,
    SimClock,
)
from tests.fakes.repositories import _InMemory

__all__ = ["FakeClock", "FakeEvents", "FakeOutbox", "FakeRefs"]


class FakeOutbox(_InMemory):
    async def enqueue(self, message: dict[str, Any]) -> bool:
        return self.insert_ignore(OutboxMessage, message)

    async def enqueue_many(self, messages: Sequence[dict[str, Any]]) -> int:
        for message in messages:
            # as stored: JSON values come back as new objects, not the planner's shared ones
            self.insert_ignore(
                OutboxMessage,
                {
                    **message,
                    "payload": _copy(message["payload"]),
                    "target": _copy(message["target"]),
                },
            )
        return len(messages)

    async def announce(self, message: dict[str, Any], now: datetime) -> bool:
        existing = self._by_key(message["dedupe_key"])
        if existing is None:
            await self.enqueue(message)
            return False
        existing.payload, existing.status, existing.attempts = message["payload"], "pending", 0
        existing.due_at = existing.next_attempt_at = now
        existing.last_error = ""
        return existing.message_id is not None

    async def set_message_id(self, outbox_id: int, message_id: str) -> None:
        for row in self._ids([outbox_id]):
            row.message_id = message_id

    async def outbox_keys(self, weeks: dict[int, int]) -> set[str]:
        return {
            o.dedupe_key
            for o in self.store.all(OutboxMessage)
            if o.pilot_id and weeks.get(o.pilot_id) == o.week
        }

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
        due = [
            o
            for o in self.store.all(OutboxMessage)
            if o.status == "pending" and o.next_attempt_at <= now
        ]
        claimed = []
        for o in sorted(due, key=lambda o: (o.due_at, o.id or 0))[:limit]:
            o.attempts += 1
            o.next_attempt_at = now + lease
            assert o.id is not None
            claimed.append(
                Claimed(
                    o.id,
                    o.pilot_id,
                    o.person_id,
                    o.kind,
                    _copy(o.target),
                    json.dumps(o.payload),
                    o.attempts,
                    o.message_id,
                )
            )
        return claimed

    async def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        for row in self._ids(ids):
            row.status, row.sent_at = "sent", now

    async def record_failure(
        self, outbox_id: int, *, status: str, error: str, next_attempt_at: datetime
    ) -> None:
        for row in self._ids([outbox_id]):
            row.status, row.last_error, row.next_attempt_at = status, error, next_attempt_at

    async def purge_replies(self, before: datetime) -> None:
        self.store.delete(
            o for o in self.store.all(OutboxMessage) if o.kind == "reply" and o.due_at < before
        )

    async def outbox(self, *, failed_only: bool = False) -> Sequence[OutboxMessage]:
        wanted = ("failed",) if failed_only else ("pending", "failed")
        return sorted(
            self.store.where(OutboxMessage, lambda o: o.status in wanted), key=lambda o: o.due_at
        )

    async def oldest_due(self, now: datetime) -> datetime | None:
        due = [
            o.due_at
            for o in self.store.all(OutboxMessage)
            if o.status == "pending" and o.due_at <= now
        ]
        return min(due, default=None)

    async def next_retry_after(self, now: datetime) -> datetime | None:
        later = [
            o.next_attempt_at
            for o in self.store.all(OutboxMessage)
            if o.status == "pending" and o.next_attempt_at > now
        ]
        return min(later, default=None)

    def _by_key(self, key: str) -> OutboxMessage | None:
        return self.store.first(OutboxMessage, lambda o: o.dedupe_key == key)

    def _ids(self, ids: Sequence[int]) -> list[OutboxMessage]:
        return self.store.where(OutboxMessage, lambda o: o.id in ids)


class FakeEvents(_InMemory):
    async def claim_event(self, platform: str, event_id: str, now: datetime) -> bool:
        return self.insert_ignore(
            ProcessedEvent, {"platform": platform, "event_id": event_id, "received_at": now}
        )


class FakeRefs(_InMemory):
    async def save_ref(
        self, platform: str, workspace: str, scope: str, key: str, data: dict[str, Any]
    ) -> None:
        row = self._find(platform, workspace, scope, key)
        if row is None:
            self.insert_ignore(
                ConversationRefRecord,
                {
                    "platform": platform,
                    "workspace": workspace,
                    "scope": scope,
                    "key": key,
                    "data": data,
                },
            )
        elif row.data != data:
            row.data = data

    async def load_ref(
        self, platform: str, workspace: str, scope: str, key: str
    ) -> dict[str, Any] | None:
        row = self._find(platform, workspace, scope, key)
        return dict(row.data) if row else None

    def _find(self, *key: str) -> ConversationRefRecord | None:
        return self.store.first(
            ConversationRefRecord, lambda r: (r.platform, r.workspace, r.scope, r.key) == key
        )


class FakeClock(_InMemory):
    async def sim_now(self) -> datetime | None:
        row = self.store.get(SimClock, 1)
        return row.now if row else None

    async def set_sim_now(self, now: datetime) -> None:
        row = self.store.get(SimClock, 1)
        if row is None:
            self.store.add(SimClock(id=1, now=now))
        else:
            row.now = now


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(value))
    return copied
