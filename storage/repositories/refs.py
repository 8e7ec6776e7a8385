"""Platform events seen, stored conversation references, and the simulated clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from storage.repositories.base import SessionRepository
from storage.tables import (
    ConversationRefRecord,
    ProcessedEvent,
    SimClock,
)


class EventRepository(SessionRepository):
    """Platform event ids handled once (Slack retries, Teams redeliveries)."""

    async def claim_event(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record a platform event id; False if it was handled before."""
        return await self.insert_ignore(
            ProcessedEvent, {"platform": platform, "event_id": event_id, "received_at": now}
        )


class RefRepository(SessionRepository):
    """Conversation references (Teams) kept for proactive sends."""

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


class ClockRepository(SessionRepository):
    """The simulated clock of the demo and the tests (``SimClock``)."""

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
