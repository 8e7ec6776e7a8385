"""Teams end-to-end fixtures: a fake Bot Framework connector and the real ``serve`` web app
(``bot.server.build_web_app``) on free local ports, with a simulated clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from aiohttp import ClientSession, web

from bot.app import App, build_app
from bot.clock import SimulatedClock
from bot.server import build_web_app
from tests.conftest import START, make_settings
from tests.teams.activities import TeamsClient
from tests.teams.fake_connector import FakeConnector, free_port


@dataclass
class TeamsServer:
    app: App
    clock: SimulatedClock
    runner: web.AppRunner
    session: ClientSession
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    async def post(
        self, activity: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        async with self.session.post(self.url, json=activity, headers=headers) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    async def advance_to(self, when: datetime) -> None:
        """Move the clock like the console does: stop at every due moment and tick."""
        await self.app.scheduler.run_until(self.clock, when)

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.app.close()


StartServer = Callable[..., Awaitable[TeamsServer]]


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def teams(connector: FakeConnector) -> TeamsClient:
    return TeamsClient(connector.url)


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Starts the real web app; every server started is stopped at the end of the test."""
    started: list[TeamsServer] = []
    session = ClientSession()

    async def start(db_url: str, now: datetime = START, **settings: Any) -> TeamsServer:
        config = make_settings(db_url).model_copy(
            update={
                "microsoft_app_id": "",
                "microsoft_app_password": "",
                "pilot_teams_emulator": True,
                **settings,
            }
        )
        clock = SimulatedClock(now)
        app = build_app(config, clock=clock)
        runner = web.AppRunner(build_web_app(app), access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        for adapter in app.adapters.values():
            await adapter.start()
        server = TeamsServer(app, clock, runner, session, port)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.runner.server is not None:
            await server.close()
    await session.close()
