"""The small interfaces the bot core depends on: chat adapters and their delivery errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.messages import ConversationRef, Reply


class DeliveryError(Exception):
    """A send that did not go through.

    ``retry_after``: the platform asked us to wait this many seconds (HTTP 429).
    ``permanent``: retrying cannot help (user gone, channel archived, token revoked).
    """

    def __init__(
        self, reason: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


class ChatAdapter(Protocol):
    """Every adapter (console, Slack, Teams) offers the same three calls."""

    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        """Deliver ``reply``; returns the platform's id of the posted message, if it has one."""
        ...

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        """Replace a message posted before (re-announcing results never posts twice)."""
        ...


@dataclass(frozen=True)
class Presence:
    """What a platform says about a person: out of office (until when, if it says)."""

    away: bool
    until: datetime | None = None


@runtime_checkable
class PresenceSource(Protocol):
    """An adapter that can read whether a person is out of office (Slack status, Teams
    presence); None when it cannot tell (no scope, not configured, an error)."""

    async def presence(self, ref: ConversationRef) -> Presence | None: ...
