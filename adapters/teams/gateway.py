"""The seam between Pilot Coach's Teams logic and a Bot Framework SDK.

botbuilder-python is archived (support ended 2025-12-31; successor: Microsoft 365 Agents SDK).
Everything SDK-specific sits behind ``BotConnector``; the rest of ``adapters/teams`` speaks plain
Activity JSON (dicts shaped like the Bot Framework REST API) and ``ConversationReference`` JSON.
Swapping the SDK means writing one new ``BotConnector`` (today: ``botframework.py``).

    Teams ──HTTP──▶ BotConnector.handle ──Activity JSON──▶ TurnHandler ──▶ Coach
    Dispatcher ──▶ TeamsAdapter.send ──▶ BotConnector.send / open_personal_chat ──▶ connector
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from bot.ports import DeliveryError

ActivityJson = dict[str, Any]
ReferenceJson = dict[str, Any]


@dataclass(frozen=True)
class InvokeResult:
    """The HTTP answer to an invoke activity (e.g. ``adaptiveCard/action``)."""

    status: int
    body: dict[str, Any] | None = None


class ConnectorBusy(DeliveryError):
    """The connector throttled (429/412) or failed (5xx, unreachable): the message waits and is
    sent later; it is never given up on. ``retry_after`` is the connector's, if it sent one."""


class TurnHandler(Protocol):
    """Pilot Coach's side of a turn: Activity JSON in, Activity JSON (messages) out."""

    async def on_message(self, activity: ActivityJson) -> list[ActivityJson]: ...

    async def on_conversation_update(self, activity: ActivityJson) -> list[ActivityJson]: ...

    async def on_card_action(
        self, activity: ActivityJson
    ) -> tuple[list[ActivityJson], InvokeResult]: ...

    async def on_error(self, activity: ActivityJson, error: Exception) -> list[ActivityJson]: ...

    async def undelivered(self, activity: ActivityJson, answer: ActivityJson, error: str) -> None:
        """An answer to ``activity`` the connector refused: keep it for another try."""
        ...


class BotConnector(Protocol):
    """What the Teams adapter needs from a Bot Framework SDK.

    ``send`` and ``open_personal_chat`` raise ``ConnectorBusy`` for 429/412/5xx and network
    failures, ``DeliveryError(permanent=True)`` when the conversation or the bot is gone, and
    nothing else.
    """

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate one POST /api/messages, run its turn through the ``TurnHandler`` the
        connector was built with, and answer it (401 when the request is not authenticated)."""
        ...

    async def send(self, reference: ReferenceJson, activities: Sequence[ActivityJson]) -> list[str]:
        """Proactively post ``activities`` into the referenced conversation; returns their ids."""
        ...

    async def update(
        self, reference: ReferenceJson, activity_id: str, activity: ActivityJson
    ) -> None:
        """Replace the activity ``activity_id`` posted before in the referenced conversation."""
        ...

    async def open_personal_chat(self, seed: ReferenceJson) -> ReferenceJson:
        """Create (or find: Teams keeps one per person) the 1:1 chat with ``seed['user']`` and
        return its reference; ``seed`` is a reference to a conversation the person was seen in."""
        ...
