"""Teams delivery guarantees through the real web app and a fake connector: duplicates are
handled once, requests without a valid token are refused, tenants never see each other's
pilots, connector throttling and outages delay nudges but never drop them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.tables import OutboxMessage, Person
from tests.teams.activities import CHANNEL, OTHER_TENANT, PEOPLE, TeamsClient
from tests.teams.conftest import StartServer, TeamsServer
from tests.teams.fake_connector import Failure, FakeConnector

APP_ID = "0d6b1f2e-7c3a-4b5d-8e9f-1a2b3c4d5e6f"


async def open_pilot(server: TeamsServer, teams: TeamsClient) -> None:
    for text in ("start", "assign champion @clara"):
        status, _ = await server.post(teams.channel_message("clara", text))
        assert status == 200


async def outbox(server: TeamsServer) -> list[OutboxMessage]:
    async with server.app.uow() as uow:
        return list((await uow.session.exec(select(OutboxMessage))).all())


async def test_the_same_activity_id_is_handled_once(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    added, start = teams.bot_added(), teams.channel_message("clara", "start")
    for activity in (added, added, start, start):
        status, _ = await server.post(activity)
        assert status == 200
    assert [c.fallback.splitlines()[0] for c in connector.sent()] == [
        "Hello, I'm Pilot Coach", "Pilot started! Week 1 begins Jan 4, 2027. Nudges go out on "
        "Monday 09:00 (Europe/Berlin). First step: name the champion — assign champion @person.",
    ]  # fmt: skip
    await server.post(teams.channel_message("clara", "assign champion @clara"))
    await server.app.scheduler.tick()
    chat = connector.chat_of(PEOPLE["clara"]["id"])
    mark = len(connector.calls)
    form = teams.submit("clara", {"action": "checkin"}, chat)  # a check-in form, twice
    done = teams.submit("clara", {"action": "done", "task": "name-roles"}, chat)
    for activity in (form, form, done, done):
        assert (await server.post(activity))[0] == 200
    answers = [c.fallback for c in connector.since(mark)]
    assert len(answers) == 2 and answers[1].startswith("Done: [2]"), answers


async def test_with_an_app_id_requests_without_a_valid_token_get_401(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url, microsoft_app_id=APP_ID,
                                microsoft_app_password="not-used")  # fmt: skip
    activity = teams.channel_message("clara", "start")
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic eA=="}):
        status, body = await server.post(activity, headers=headers)
        assert (status, body) == (401, {"error": "unauthorized"}), headers
    assert connector.calls == []
    async with server.app.uow() as uow:
        assert (await uow.session.exec(select(Person))).all() == []


async def test_without_an_app_id_the_emulator_needs_no_token(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    emulator = teams.personal_message("olaf", "help", "a:emulator-chat")
    emulator["channelId"] = "emulator"
    del emulator["channelData"]
    del emulator["conversation"]["tenantId"]
    assert (await server.post(emulator))[0] == 200
    assert "Pilot Coach commands" in connector.sent()[0].fallback


async def test_a_tenants_pilot_is_invisible_to_another_tenant(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    await open_pilot(server, teams)
    other = TeamsClient(connector.url, tenant=OTHER_TENANT)  # same ids, another tenant
    mark = len(connector.calls)
    await server.post(other.channel_message("clara", "status"))
    assert "There is no open pilot here" in connector.since(mark)[0].fallback
    await server.post(other.channel_message("olaf", "start"))
    await server.post(other.channel_message("olaf", "status"))
    theirs = connector.calls[-1].fallback
    await server.post(teams.channel_message("clara", "status"))
    ours = connector.calls[-1].fallback
    assert "Champion: not assigned" in theirs and "Champion: @Clara Becker" in ours
    await server.app.scheduler.tick()  # only tenant A has a role owner to nudge
    assert [c.body["channelData"]["tenant"]["id"] for c in connector.created()] == [teams.tenant]


async def test_throttling_and_outages_delay_a_nudge_but_never_drop_it(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    await open_pilot(server, teams)
    connector.fail_next(  # more failures in a row than the dispatcher's MAX_ATTEMPTS
        Failure(429, {"Retry-After": "7"}), Failure(503), Failure(502), Failure(429),
        Failure(504), Failure(500), Failure(503), Failure(412),
    )  # fmt: skip
    start = server.clock.now()
    await server.app.scheduler.tick()
    (row,) = await outbox(server)
    assert row.status == "pending" and row.next_attempt_at == start + timedelta(seconds=7)
    await server.advance_to(start + timedelta(hours=4))
    assert connector.refused == 8
    (row,) = await outbox(server)
    assert row.status == "sent"
    nudges = [c for c in connector.sent() if "Week 1/12" in c.fallback]
    assert len(nudges) == 1 and nudges[0].conversation == connector.chat_of(PEOPLE["clara"]["id"])


async def test_a_nudge_waits_while_the_connector_is_down(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    await open_pilot(server, teams)
    mark = len(connector.calls)
    connector.down = True
    start = server.clock.now()
    for minutes in (0, 1, 3, 7, 15, 31, 63, 127):  # longer than the dispatcher's attempts
        server.clock.set(start + timedelta(minutes=minutes))
        await server.app.scheduler.tick()
    assert connector.refused >= 7
    (row,) = await outbox(server)
    assert row.status == "pending" and "unreachable" in row.last_error
    connector.down = False
    await server.advance_to(start + timedelta(hours=4))  # backoff is capped at 1 h
    (row,) = await outbox(server)
    assert row.status == "sent"
    assert [c.kind for c in connector.since(mark)] == ["create", "send"]


async def test_a_chat_that_is_gone_is_a_permanent_failure(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    await server.post(teams.personal_message("clara", "help", "a:clara-personal"))
    await open_pilot(server, teams)
    connector.fail_next(Failure(404, code="ConversationNotFound"))
    await server.app.scheduler.tick()
    assert connector.created() == []  # her own 1:1 chat was known from her message
    rows = await outbox(server)
    assert [(r.status, r.last_error) for r in rows if r.kind == "weekly"] == [
        ("failed", "teams connector HTTP 404 ConversationNotFound")
    ]


async def test_invokes_are_answered_with_their_json_body(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    status, body = await server.post(teams.invoke("olaf", "help", {}, "a:olaf-personal"))
    assert status == 200
    assert body == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                    "value": "Pilot Coach commands"}  # fmt: skip
    assert connector.to("a:olaf-personal")[0].card is not None
    other = teams.invoke("olaf", "help", {}, "a:olaf-personal")
    other["name"] = "composeExtension/query"
    assert (await server.post(other))[0] == 501


async def test_private_answers_go_to_the_personal_chat(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    await open_pilot(server, teams)
    mark = len(connector.calls)
    await server.post(teams.channel_message("clara", "metric token"))
    calls = connector.since(mark)
    secret = next(c for c in calls if c.kind == "send" and c.conversation.startswith("a:"))
    channel = next(c for c in calls if c.conversation.startswith(CHANNEL))
    assert "/hooks/metrics/" in secret.fallback
    assert "personal chat" in channel.fallback and "/hooks/" not in channel.fallback


async def test_members_removed_and_unknown_activities_are_acknowledged(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    assert (await server.post(teams.member_removed()))[0] == 200
    typing = teams.personal_message("olaf", "", "a:olaf-personal")
    typing["type"] = "typing"
    assert (await server.post(typing))[0] == 200
    assert connector.calls == []
    status, _ = await server.post({"text": "no type"})
    assert status == 400
