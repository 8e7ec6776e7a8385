"""Teams under load: an answer the connector refuses (5xx) is retried from the outbox, and
beyond the in-flight bound the turn's reply says busy instead of doing the work."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.tables import OutboxMessage, Pilot
from tests.teams.activities import TeamsClient
from tests.teams.conftest import StartServer
from tests.teams.fake_connector import Failure, FakeConnector


async def test_an_answer_the_connector_refuses_is_retried_from_the_outbox(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    connector.fail_next(Failure(503))
    status, _ = await server.post(teams.channel_message("clara", "help"))
    assert status == 200
    async with server.app.uow.read() as uow:
        queued = (await uow.session.exec(select(OutboxMessage))).all()
    assert [(q.kind, q.status) for q in queued] == [("reply", "pending")]
    assert connector.sent() == []
    server.clock.set(server.clock.now() + timedelta(seconds=10))
    await server.app.scheduler.tick()
    assert "Pilot Coach commands" in connector.sent()[0].fallback


async def test_beyond_the_bound_the_reply_says_busy(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url, pilot_max_inflight=1)
    gate = server.app.coach.gate
    assert gate.try_enter()
    try:
        status, _ = await server.post(teams.channel_message("clara", "start"))
    finally:
        gate.leave()
    assert status == 200
    assert "try again in a minute" in connector.sent()[0].fallback
    async with server.app.uow.read() as uow:
        assert (await uow.session.exec(select(Pilot))).all() == []
