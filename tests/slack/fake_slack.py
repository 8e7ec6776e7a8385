"""A local fake of the Slack Web API: an aiohttp app on 127.0.0.1 that records every call (per
method, in order, with the token used) and answers like Slack does, including ``ok: false``
errors and HTTP 429 with ``Retry-After`` when told to. It also plays the ``response_url``
endpoint of slash commands and clicks, and the file-upload URL of files.uploadV2.

Tests point ``SLACK_API_URL`` at ``fake.api_url``; nothing here ever reaches the internet.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.slack import fake_canvases

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class Bot:
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str


@dataclass
class FakeSlack:
    bots: dict[str, Bot] = field(default_factory=dict)  # token -> bot
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> users.info user
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)  # OAuth code -> response
    app_tokens: set[str] = field(default_factory=set)  # Socket Mode (xapp-…)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    _plans: dict[str, deque[tuple[int, str, float]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    _raw: dict[str, deque[tuple[int, str, float]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    _runner: web.AppRunner | None = None
    port: int = 0
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # the token's scopes, sent as X-OAuth-Scopes like Slack does: one header for every token
    # (str) or per token (dict); and each user's status as users.profile.get reports it
    scopes: str | dict[str, str] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    canvas: fake_canvases.FakeCanvases = field(default_factory=fake_canvases.FakeCanvases)

    # ---- set-up -------------------------------------------------------------------------
    def add_bot(self, token: str, team_id: str, team_name: str = "", bot_user_id: str = "UBOT",
                bot_id: str = "BBOT") -> None:  # fmt: skip
        self.bots[token] = Bot(team_id, team_name or team_id.lower(), bot_user_id, bot_id)

    def add_user(self, user_id: str, display_name: str, team_id: str = "") -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": display_name.lower().replace(" ", "."),
            "profile": {"display_name": display_name, "real_name": display_name.title()},
        }

    def set_status(
        self, user_id: str, emoji: str = "", text: str = "", expiration: int = 0
    ) -> None:
        self.statuses[user_id] = {"status_emoji": emoji, "status_text": text,
                                  "status_expiration": expiration}  # fmt: skip

    def rate_limit(self, method: str, times: int, retry_after: float = 1) -> None:
        """The next ``times`` calls of ``method`` get HTTP 429 with ``Retry-After``."""
        for _ in range(times):
            self._plans[method].append((429, "ratelimited", retry_after))

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` get ``{"ok": false, "error": error}``."""
        for _ in range(times):
            self._plans[method].append((200, error, 0))

    def answer_raw(self, method: str, status: int, body: str = "", *, delay: float = 0,
                   times: int = 1) -> None:  # fmt: skip
        """The next ``times`` calls of ``method`` (or ``"response_url"``) get this HTTP status
        and body as they are (not JSON, perhaps), after ``delay`` seconds."""
        for _ in range(times):
            self._raw[method].append((status, body, delay))

    async def _raw_answer(self, method: str, call: Call) -> web.Response | None:
        if not self._raw[method]:
            return None
        status, body, delay = self._raw[method].popleft()
        if delay:
            await asyncio.sleep(delay)
        call.status, call.error = status, f"raw_{status}"
        return web.Response(status=status, text=body)

    # ---- inspection ---------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def delivered(self, method: str) -> list[Call]:
        return [c for c in self.of(method) if c.ok]

    def dms(self, user: str) -> list[Call]:
        """Messages posted into ``user``'s DM with the bot: to its ``D…`` id, or to the user id
        (which Slack answers by opening the DM)."""
        return [c for c in self.delivered("chat.postMessage")
                if c.args.get("channel") in (user, "D" + user[1:])]  # fmt: skip

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def reset(self) -> None:
        self.calls.clear()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # ---- server -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        kind = request.content_type
        if kind == "application/json" and body:
            args.update(json.loads(body))
        elif kind == "application/x-www-form-urlencoded" and body:
            args.update(parse_qsl(body.decode(), keep_blank_values=True))
        elif kind.startswith("multipart/"):
            args["_multipart"] = True
        for key in ("blocks", "view", "attachments", "criteria", "changes", "document_content"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _token(self, request: web.Request, args: dict[str, Any]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[len("Bearer ") :]
        if header.startswith("Basic "):
            return "basic:" + base64.b64decode(header[6:]).decode().split(":", 1)[0]
        return args.get("token")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = self._token(request, args)
        call = Call(method=method, args=args, token=token, at=time.monotonic())
        self.calls.append(call)
        raw = await self._raw_answer(method, call)
        if raw is not None:
            return raw
        if self._plans[method]:
            status, error, retry_after = self._plans[method].popleft()
            call.status, call.error = status, error
            headers = {"Retry-After": str(int(retry_after))} if status == 429 else {}
            return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
        if method == "apps.connections.open" and token in self.app_tokens:
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        if method != "oauth.v2.access" and token not in self.bots:
            call.error = "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        answer = self._answer(method, args, self.bots.get(token or ""))
        if not answer.get("ok"):
            call.error = str(answer.get("error"))
        scopes = self.scopes if isinstance(self.scopes, str) else self.scopes.get(token or "")
        return web.json_response(answer, headers={"X-OAuth-Scopes": scopes} if scopes else {})

    def _answer(self, method: str, args: dict[str, Any], bot: Bot | None) -> dict[str, Any]:
        ts = f"{1_800_000_000 + next(self._ts)}.000100"
        if method == "auth.test":
            assert bot is not None
            return {"ok": True, "url": f"https://{bot.team_name}.slack.com/", "team": bot.team_name,
                    "user": "pilot-coach", "team_id": bot.team_id, "user_id": bot.bot_user_id,
                    "bot_id": bot.bot_id, "is_enterprise_install": False}  # fmt: skip
        if method in ("chat.postMessage", "chat.postEphemeral"):
            problem = _check_message(args)
            if problem:
                return {"ok": False, "error": problem}
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            channel = str(args["channel"])
            if channel[:1] in ("U", "W"):  # a user id: Slack posts into (and opens) the DM
                if channel not in self.users:
                    return {"ok": False, "error": "channel_not_found"}
                channel = "D" + channel[1:]
            return {"ok": True, "channel": channel, "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}  # fmt: skip
        if method == "chat.update":
            problem = _check_message(args)
            if problem:
                return {"ok": False, "error": problem}
            if not args.get("ts") or not args.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
        if method == "conversations.open":
            user = str(args.get("users", "")).split(",")[0]
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": "D" + user[1:]}}
        if method == "conversations.join":
            return {"ok": True, "channel": {"id": args.get("channel")}}
        if method in ("views.open", "views.publish", "views.update"):
            view = args.get("view") or {}
            if len(view.get("blocks", [])) > MAX_BLOCKS.get(view.get("type", ""), 100):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **view}}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.profile.get":
            if "users.profile:read" not in self.scopes.split(","):
                return {"ok": False, "error": "missing_scope", "needed": "users.profile:read"}
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            status = self.statuses.get(str(args.get("user")), {})
            return {"ok": True, "profile": {**user["profile"], "status_emoji": "",
                                            "status_text": "", "status_expiration": 0,
                                            **status}}  # fmt: skip
        if method == "oauth.v2.access":
            return self.grants.get(str(args.get("code")), {"ok": False, "error": "invalid_code"})
        if method in fake_canvases.METHODS:
            return self.canvas.answer(method, args)
        if method == "files.getUploadURLExternal":
            return {
                "ok": True,
                "file_id": "F1",
                "upload_url": f"http://127.0.0.1:{self.port}/upload/F1",
            }
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F1", "title": "chart"}]}
        return {"ok": False, "error": "unknown_method"}

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await request.json()
        args["_name"] = request.match_info["name"]
        problem = _check_message(args)
        call = Call("response_url", args, None, time.monotonic(), error=problem)
        self.calls.append(call)
        raw = await self._raw_answer("response_url", call)
        if raw is not None:
            return raw
        if problem:
            return web.Response(status=400, text=problem)
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then collect the client's envelope acknowledgements."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A123456"}})  # fmt: skip
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
        return ws

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        """Push one Socket Mode envelope (events_api, slash_commands, interactive)."""
        assert self._sockets, "no Socket Mode client connected"
        await self._sockets[-1].send_json(envelope)

    async def _upload(self, request: web.Request) -> web.Response:
        self.calls.append(
            Call("upload", {"size": len(await request.read())}, None, time.monotonic())
        )
        return web.Response(text="OK - 1")


def _check_message(args: dict[str, Any]) -> str | None:
    """Slack's own limits: a message with blocks must stay within them (and carry text)."""
    blocks = args.get("blocks") or []
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS["message"]:
        return "invalid_blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        limit = 150 if block.get("type") == "header" else 3000
        if len(text) > limit or len(block.get("fields") or []) > 10:
            return "invalid_blocks"
    if not args.get("text"):
        return "no_text"
    return None
