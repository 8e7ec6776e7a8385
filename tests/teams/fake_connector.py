"""A local fake of the Bot Framework connector (the REST API behind an activity's serviceUrl).

Records every POST to ``/v3/conversations`` (1:1 chat creation) and
``/v3/conversations/{id}/activities[/{replyToId}]`` (messages), and can be told to fail the next
calls with a status (429 with ``Retry-After``, 503, 404 ``ConversationNotFound``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Call:
    kind: str  # "create" or "send"
    conversation: str
    body: dict[str, Any]
    reply_to: str | None = None

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content: dict[str, Any] = attachment["content"]
                return content
        return None

    @property
    def fallback(self) -> str:
        card = self.card
        return str(card["fallbackText"]) if card else str(self.body.get("text", ""))

    def buttons(self) -> list[dict[str, Any]]:
        """Every Action.Submit of the card, wherever it sits."""
        found: list[dict[str, Any]] = []

        def walk(node: object) -> None:
            if isinstance(node, dict):
                if node.get("type") == "Action.Submit":
                    found.append(node)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.card)
        return found

    def button(self, action: str) -> dict[str, Any]:
        return next(b["data"] for b in self.buttons() if b["data"].get("action") == action)


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    code: str = "ServiceError"


class FakeConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.refused = 0
        self.down = False
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._chats = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, *failures: Failure) -> None:
        self.failures.extend(failures)

    def _failure(self, request: web.Request) -> web.Response | None:
        if self.down:  # the connection drops: what an unreachable connector looks like
            self.refused += 1
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fake connector is down")
        if not self.failures:
            return None
        failure = self.failures.pop(0)
        self.refused += 1
        body = {"error": {"code": failure.code, "message": f"fake {failure.status}"}}
        return web.json_response(body, status=failure.status, headers=failure.headers)

    async def _create(self, request: web.Request) -> web.Response:
        failed = self._failure(request)
        if failed is not None:
            return failed
        body = await request.json()
        self._chats += 1
        conversation = f"a:1personal-{self._chats}-{body['members'][0]['id'][-6:]}"
        self.calls.append(Call("create", conversation, body))
        return web.json_response({"id": conversation, "serviceUrl": self.url}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        failed = self._failure(request)
        if failed is not None:
            return failed
        body = await request.json()
        conversation = request.match_info["conversation"]
        reply_to = request.match_info.get("reply_to")
        self.calls.append(Call("send", conversation, body, reply_to))
        return web.json_response({"id": f"1799{len(self.calls):09d}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        failed = self._failure(request)
        if failed is not None:
            return failed
        body = await request.json()
        conversation = request.match_info["conversation"]
        self.calls.append(Call("update", conversation, body, request.match_info["activity"]))
        return web.json_response({"id": request.match_info["activity"]}, status=200)

    # ---- queries ---------------------------------------------------------------------------
    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.kind == "send"]

    def created(self) -> list[Call]:
        return [c for c in self.calls if c.kind == "create"]

    def to(self, conversation: str) -> list[Call]:
        return [c for c in self.sent() if c.conversation == conversation]

    def chat_of(self, user_id: str) -> str:
        """The 1:1 conversation the bot created for ``user_id``."""
        return next(c.conversation for c in self.created()
                    if c.body["members"][0]["id"] == user_id)  # fmt: skip

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]
