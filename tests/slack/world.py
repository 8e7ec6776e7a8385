"""A Slack workspace around the real server: the fake Web API, the bot started with
``bot.server.build_web_app`` on a free port, and people who post SIGNED requests shaped exactly
like Slack's (recorded payloads from ``tests/fixtures/slack``, with ids filled in)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from adapters.slack import SlackAdapter
from bot.app import App
from bot.clock import SimulatedClock
from tests.slack.fake_slack import FakeSlack

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slack"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_USER = "U0LAN0Z89"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def signature(secret: str, timestamp: str, body: str) -> str:
    """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``, as Slack signs every request."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class SlackWorld:
    fake: FakeSlack
    app: App
    clock: SimulatedClock
    session: aiohttp.ClientSession
    runner: web.AppRunner
    team: str = "T0001"
    channel: str = "C2147483705"
    secret: str = SECRET
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    @property
    def adapter(self) -> SlackAdapter:
        adapter = self.app.adapters["slack"]
        assert isinstance(adapter, SlackAdapter)
        return adapter

    def next_id(self) -> int:
        return next(self._ids)

    # ---- raw requests -------------------------------------------------------------------
    async def post(self, body: str, content_type: str, *, timestamp: int | None = None,
                   secret: str | None = None, headers: dict[str, str] | None = None,
                   settle: bool = True) -> Answer:  # fmt: skip
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature(secret or self.secret, ts, body),
            **(headers or {}),
        }
        async with self.session.post(f"{self.url}/slack/events", data=body, headers=sent) as r:
            answer = Answer(r.status, await r.text())
        if settle:
            await self.settle()
        return answer

    async def settle(self) -> None:
        """Wait for the work the bot does after acknowledging Slack."""
        await self.adapter.drain()

    # ---- Slack-shaped requests ----------------------------------------------------------
    def command_form(
        self, user: str, text: str, *, channel: str | None = None, team: str | None = None,
        channel_name: str = "ki-pilot",
    ) -> dict[str, str]:  # fmt: skip
        n = self.next_id()
        form = fixture("slash_command")
        form.update(team_id=team or self.team, channel_id=channel or self.channel, user_id=user,
                    user_name=user.lower(), text=text, channel_name=channel_name,
                    response_url=self.fake.response_url(f"command-{n}"),
                    trigger_id=f"{n}.738474920.{n:032x}")  # fmt: skip
        return form

    async def command(self, user: str, text: str, **kw: Any) -> Answer:
        form = self.command_form(user, text, **kw)
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    def event_body(self, kind: str, user: str, text: str = "", *, channel: str | None = None,
                   team: str | None = None, **event: Any) -> dict[str, Any]:  # fmt: skip
        n = self.next_id()
        body = fixture(kind)
        team = team or self.team
        body.update(team_id=team, event_id=f"Ev{n:08d}", event_time=1_800_000_000 + n)
        body["authorizations"][0]["team_id"] = team
        ev = body["event"]
        ev.update(user=user, ts=f"{1_800_000_000 + n}.000{n:03d}", event_ts=f"{1_800_000_000 + n}")
        if text:
            ev["text"] = text
        if channel:
            ev["channel"] = channel
        ev.update(event)
        return body

    async def event(self, body: dict[str, Any], **kw: Any) -> Answer:
        return await self.post(json.dumps(body), "application/json", **kw)

    async def mention(self, user: str, text: str, *, bot: str = BOT_USER, **kw: Any) -> Answer:
        return await self.event(self.event_body("app_mention", user, f"<@{bot}> {text}", **kw))

    async def dm(self, user: str, text: str, **kw: Any) -> Answer:
        return await self.event(
            self.event_body("message_im", user, text, channel="D" + user[1:], **kw)
        )

    async def home(self, user: str, **kw: Any) -> Answer:
        return await self.event(
            self.event_body("app_home_opened", user, channel="D" + user[1:], **kw)
        )

    def interaction(self, kind: str, user: str, *, team: str | None = None,
                    channel: str | None = None) -> dict[str, Any]:  # fmt: skip
        n = self.next_id()
        body = copy.deepcopy(fixture(kind))
        team = team or self.team
        body["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=team)
        body["team"]["id"] = team
        body["trigger_id"] = f"{n}.333649436676.{n:032x}"
        if "response_url" in body:
            body["response_url"] = self.fake.response_url(f"{kind}-{n}")
        if channel is not None:
            body["channel"]["id"] = channel
            body["container"]["channel_id"] = channel
        return body

    async def interact(self, payload: dict[str, Any], **kw: Any) -> Answer:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def click(self, user: str, action_id: str, value: str = "", *,
                    channel: str | None = None, **kw: Any) -> Answer:  # fmt: skip
        payload = self.interaction("block_actions_button", user, channel=channel or "D" + user[1:],
                                   team=kw.pop("team", None))  # fmt: skip
        payload["actions"][0].update(action_id=action_id, value=value)
        if not value:
            payload["actions"][0].pop("value")
        return await self.interact(payload, **kw)

    async def pick(self, user: str, role: str, chosen: str, **kw: Any) -> Answer:
        payload = self.interaction("block_actions_users_select", user, channel=self.channel,
                                   team=kw.pop("team", None))  # fmt: skip
        payload["actions"][0].update(action_id=f"pc_assign_{role}", selected_user=chosen)
        return await self.interact(payload, **kw)

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, str],
                     **kw: Any) -> Answer:  # fmt: skip
        """Submit a modal the bot opened (``view`` as sent to views.open) with typed values."""
        payload = self.interaction("view_submission", user, team=kw.pop("team", None))
        state = {
            block_id: {"value": {"type": "number_input" if block_id != "note" else
                                 "plain_text_input", "value": value}}
            for block_id, value in values.items()
        }  # fmt: skip
        payload["view"].update(
            blocks=view["blocks"], private_metadata=view["private_metadata"],
            callback_id=view["callback_id"], state={"values": state},
        )  # fmt: skip
        return await self.interact(payload, **kw)

    # ---- time ---------------------------------------------------------------------------
    async def advance_to(self, when: datetime) -> None:
        """Move the simulated clock like ``pilot-coach console`` does, ticking the scheduler."""
        await self.app.scheduler.run_until(self.clock, when)
