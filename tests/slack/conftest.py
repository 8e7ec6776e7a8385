"""Fixtures: a fake Slack Web API and the real server wired to it (single-workspace mode by
default, OAuth multi-workspace mode with ``oauth_world``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import build_app
from bot.clock import SimulatedClock
from bot.server import build_web_app
from bot.settings import Settings
from tests.conftest import START
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import BOT_USER, SECRET, SlackWorld

TOKEN = "xoxb-1111-2222-single"
PEOPLE = {"UCLARA01": "Clara", "UOLAF002": "Olaf", "UINES003": "Ines", "UMARC004": "Marc"}


SECRET_KEY = "q2ZbJ8xX2vXr9J6c1kQm0Jk8o4kzq9a7Vw3cW8bPq1o="  # a Fernet key for the tests


def slack_settings(url: str, api_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "pilot_default_language": "en",
        "pilot_default_timezone": "Europe/Berlin",
        "pilot_nudge_time": "MON 09:00",
        "pilot_default_region": "DE",
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SECRET,
        "slack_app_token": "",
        "slack_client_id": "",
        "slack_client_secret": "",
        "slack_state_secret": "",
        "slack_api_url": api_url,
        "pilot_secret_key": SECRET_KEY,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    fake.add_bot(TOKEN, "T0001", "example", BOT_USER)
    for user, name in PEOPLE.items():
        fake.add_user(user, name, "T0001")
    await fake.start()
    yield fake
    await fake.stop()


@asynccontextmanager
async def running(settings: Settings, fake: FakeSlack) -> AsyncIterator[SlackWorld]:
    clock = SimulatedClock(START)
    app = build_app(settings, clock=clock)
    if hasattr(app.dispatcher, "limiter"):  # real time must not pace a simulated quarter
        from bot.jobs.ratelimit import RateLimiter

        app.dispatcher.limiter = RateLimiter(limits={}, global_limits={})
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    for adapter in app.adapters.values():
        await adapter.start()
    session = aiohttp.ClientSession()
    try:
        yield SlackWorld(fake=fake, app=app, clock=clock, session=session, runner=runner)
    finally:
        await session.close()
        await runner.cleanup()
        await app.close()


@pytest.fixture
async def world(sqlite_url: str, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    async with running(slack_settings(sqlite_url, fake_slack.api_url), fake_slack) as w:
        yield w


@pytest.fixture
async def world_on_each_db(db_url: str, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    async with running(slack_settings(db_url, fake_slack.api_url), fake_slack) as w:
        yield w
