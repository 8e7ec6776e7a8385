"""Socket Mode (SLACK_APP_TOKEN): the adapter opens a WebSocket via apps.connections.open and
handles the same slash commands and events that arrive over it, acknowledging each envelope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.slack.conftest import running, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import SlackWorld

APP_TOKEN = "xapp-1-A123456-1234-socketsecret"


@pytest.fixture
async def socket_world(sqlite_url: str, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    fake_slack.app_tokens.add(APP_TOKEN)
    settings = slack_settings(sqlite_url, fake_slack.api_url, slack_app_token=APP_TOKEN,
                              slack_signing_secret="")  # fmt: skip
    async with running(settings, fake_slack) as world:
        yield world


async def acked(fake: FakeSlack, envelope_id: str) -> None:
    for _ in range(200):
        if any(a.get("envelope_id") == envelope_id for a in fake.socket_acks):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"envelope {envelope_id} was never acknowledged")


async def test_commands_and_events_arrive_over_socket_mode(socket_world: SlackWorld) -> None:
    w, fake = socket_world, socket_world.fake
    assert fake.of("apps.connections.open")[0].token == APP_TOKEN
    form = w.command_form("UCLARA01", "start 2027-01-04")
    await fake.socket_send({"envelope_id": "env-1", "type": "slash_commands", "payload": form,
                            "accepts_response_payload": True})  # fmt: skip
    await acked(fake, "env-1")
    await w.settle()
    assert fake.of("response_url")[-1].args["text"].startswith("Pilot started")
    event = w.event_body("app_mention", "UCLARA01", "<@U0LAN0Z89> status")
    await fake.socket_send({"envelope_id": "env-2", "type": "events_api", "payload": event,
                            "accepts_response_payload": False, "retry_attempt": 0})  # fmt: skip
    await acked(fake, "env-2")
    await w.settle()
    assert fake.delivered("chat.postMessage")[-1].args["text"].startswith("*Pilot status")
    # no HTTP endpoint without a signing secret: nothing unsigned gets in that way
    async with w.session.post(f"{w.url}/slack/events", data="{}") as response:
        assert response.status in (404, 405)
