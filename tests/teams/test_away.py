"""Out of office through Teams (SQLite and PostgreSQL): by the away command, and by Teams
presence when Graph access is configured (a local fake of Microsoft Graph and its token
endpoint, at MICROSOFT_GRAPH_URL / MICROSOFT_GRAPH_LOGIN_URL). While away: no nudge in the 1:1
chat, no escalation naming them, status says so; on return exactly one welcome back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import BERLIN
from tests.teams.activities import PEOPLE, TeamsClient
from tests.teams.conftest import StartServer
from tests.teams.fake_connector import FakeConnector, free_port
from tests.teams.test_pilot_e2e import Run, only

WEEK_1 = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)


def week(n: int) -> datetime:
    return WEEK_1 + timedelta(weeks=n - 1)


@dataclass
class FakeGraph:
    """Microsoft Graph's presence and the identity platform's token endpoint, on loopback."""

    away: set[str] = field(default_factory=set)  # aad object ids with automatic replies on
    tokens: list[dict[str, str]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)
    port: int = 0
    runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/login/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/v1.0/users/{id}/presence", self._presence)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.tokens.append({k: str(v) for k, v in form.items()})
        if form.get("client_secret") != "graph-secret":
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"access_token": "graph-token", "expires_in": 3599,
                                  "token_type": "Bearer"})  # fmt: skip

    async def _presence(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer graph-token":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        user = request.match_info["id"]
        self.lookups.append(user)
        away = user in self.away
        body: dict[str, Any] = {
            "id": user,
            "availability": "Away" if away else "Available",
            "activity": "OutOfOffice" if away else "Available",
            "outOfOfficeSettings": {"message": "On holiday" if away else None,
                                    "isOutOfOfficeEnabled": away},
        }  # fmt: skip
        return web.json_response(body)

    def settings(self) -> dict[str, str]:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "microsoft_graph_client_id": "11111111-2222-4333-8444-555555555555",
            "microsoft_graph_client_secret": "graph-secret",
            "microsoft_graph_url": f"{base}/v1.0",
            "microsoft_graph_login_url": f"{base}/login",
        }


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    await fake.start()
    yield fake
    assert fake.runner is not None
    await fake.runner.cleanup()


async def _team(run: Run) -> None:
    await run.say("clara", "start 2027-01-04")
    await run.say("clara", "assign champion @clara")
    await run.say("clara", "assign modeler @olaf")
    await run.say("clara", "assign integrator @ines")
    await run.say("olaf", "tasks")  # olaf writes once: his Azure AD object id is known


def chat(run: Run, person: str) -> list[str]:
    """What reached ``person``'s 1:1 chat (none: the bot never had to open one)."""
    if not any(c.body["members"][0]["id"] == PEOPLE[person]["id"] for c in run.connector.created()):
        return []
    return [c.fallback for c in run.connector.to(run.connector.chat_of(PEOPLE[person]["id"]))]


def escalations_about(run: Run, person: str) -> list[str]:
    name = PEOPLE[person]["name"]
    return [x for x in chat(run, "clara") if "at risk" in x and name in x]


async def test_away_by_command_in_teams(
    db_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    run = Run(await start_server(db_url), teams, connector)
    await _team(run)
    await run.server.advance_to(week(1))
    before = len(chat(run, "olaf"))
    answer = only(await run.say("olaf", "away until 2027-01-29"))
    assert "away up to and including Jan 29, 2027" in answer.fallback
    await run.server.advance_to(week(4) + timedelta(days=3))
    assert len(chat(run, "olaf")) == before
    assert escalations_about(run, "olaf") == []
    status = only(await run.say("clara", "status"))
    assert "(away until Jan 29, 2027)" in str(status.card or status.body)
    await run.server.advance_to(week(5) + timedelta(hours=1))
    welcomes = [x for x in chat(run, "olaf") if "Welcome back" in x]
    assert len(welcomes) == 1 and len(chat(run, "olaf")) == before + 1


async def test_away_by_teams_presence(
    db_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient,
    graph: FakeGraph,
) -> None:  # fmt: skip
    run = Run(await start_server(db_url, **graph.settings()), teams, connector)
    await _team(run)
    olaf = PEOPLE["olaf"]["aadObjectId"]
    graph.away.add(olaf)
    before = len(chat(run, "olaf"))
    await run.server.advance_to(week(3) + timedelta(days=4))
    assert len(chat(run, "olaf")) == before  # weeks 1-3: asked before each, skipped
    assert olaf in graph.lookups
    assert graph.tokens[0]["grant_type"] == "client_credentials"
    assert graph.tokens[0]["scope"] == "https://graph.microsoft.com/.default"
    assert escalations_about(run, "olaf") == []
    status = only(await run.say("clara", "status"))
    assert "(away, by their status)" in str(status.card or status.body)
    graph.away.discard(olaf)
    adapter: Any = run.server.app.adapters["teams"]
    adapter.graph._cache.clear()  # ten minutes later, as far as the cache knows
    await run.server.advance_to(week(4) + timedelta(hours=1))
    welcomes = [x for x in chat(run, "olaf") if "Welcome back" in x]
    assert len(welcomes) == 1 and "Week 4/12" in welcomes[0]
    assert len(chat(run, "olaf")) == before + 1  # instead of week 4's nudge
    await run.server.advance_to(week(5) + timedelta(hours=1))
    assert "Week 5/12" in chat(run, "olaf")[-1]
    assert len([x for x in chat(run, "olaf") if "Welcome back" in x]) == 1


async def test_without_graph_nobody_is_asked(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient,
    graph: FakeGraph,
) -> None:  # fmt: skip
    run = Run(await start_server(sqlite_url), teams, connector)
    await _team(run)
    graph.away.add(PEOPLE["olaf"]["aadObjectId"])
    await run.server.advance_to(week(1))
    assert any("Week 1/12" in x for x in chat(run, "olaf"))
    assert graph.lookups == []
