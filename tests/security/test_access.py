"""Security issue #13, points 1–4 and 9: private answers stay private, `forget` stays in the
caller's pilots, a Slack-only server has no Teams endpoint, the emulator mode posts only to
loopback and never re-routes a stored reference, typed text never becomes a mention, and Teams
delivery ids are per tenant. All through the real server: signed Slack requests against the fake
Web API, Bot Framework activities against the fake connector."""

from __future__ import annotations

import json
import re

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlmodel import select

from bot.messages import ConversationRef, Paragraph, Reply
from bot.server import UnsafeSettings, check_safe
from bot.settings import Settings
from storage.tables import Checkin
from tests.conftest import START, Harness
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import SlackWorld
from tests.teams.activities import CHANNEL, OTHER_TENANT, TeamsClient
from tests.teams.conftest import StartServer
from tests.teams.fake_connector import FakeConnector

CLARA, OLAF, INES, MARC = "UCLARA01", "UOLAF002", "UINES003", "UMARC004"
TOKEN = re.compile(r"pcm_[A-Za-z0-9_-]+")


def channel_texts(fake: FakeSlack) -> list[str]:
    """Everything a channel member could read: public answers and channel posts (not
    the DMs, addressed to a ``D…`` id or to a user id)."""
    seen = [json.dumps(c.args) for c in fake.of("chat.postMessage")
            if str(c.args.get("channel", ""))[:1] not in ("D", "U", "W")]  # fmt: skip
    seen += [json.dumps(c.args) for c in fake.of("response_url")
             if c.args.get("response_type") == "in_channel"]  # fmt: skip
    return seen


async def champion_pilot(w: SlackWorld) -> None:
    await w.command(CLARA, "start 2027-01-04")
    await w.command(CLARA, f"assign champion <@{CLARA}>")


# ---- 1. private replies are private on every surface -----------------------------------------


async def test_webhook_token_never_reaches_the_channel_on_slack(
    world_on_each_db: SlackWorld,
) -> None:
    w, fake = world_on_each_db, world_on_each_db.fake
    await champion_pilot(w)

    await w.command(CLARA, "metric token")
    answer = fake.of("response_url")[-1].args
    assert answer["response_type"] == "ephemeral" and TOKEN.search(json.dumps(answer))

    await w.mention(CLARA, "metric token")
    ephemeral = fake.of("chat.postEphemeral")[-1].args
    assert ephemeral["user"] == CLARA and TOKEN.search(json.dumps(ephemeral))

    assert not any(TOKEN.search(text) for text in channel_texts(fake))


async def test_webhook_token_goes_to_the_personal_chat_on_teams(
    start_server: StartServer, connector: FakeConnector, teams: TeamsClient, db_url: str
) -> None:
    server = await start_server(db_url)
    await server.post(teams.channel_message("clara", "start 2027-01-04"))
    await server.post(teams.channel_message("clara", "assign champion @clara"))
    mark = len(connector.calls)
    await server.post(teams.channel_message("clara", "metric token"))
    calls = connector.since(mark)
    in_channel = [json.dumps(c.body) for c in calls if c.conversation.startswith(CHANNEL)]
    personal = [json.dumps(c.body) for c in calls if "personal" in c.conversation]
    assert any(TOKEN.search(text) for text in personal)
    assert in_channel and not any(TOKEN.search(text) for text in in_channel)


# ---- 2. forget stays within the caller's pilots ----------------------------------------------


async def test_forget_from_another_channel_does_not_touch_a_pilot(
    world_on_each_db: SlackWorld,
) -> None:
    w = world_on_each_db
    await champion_pilot(w)
    await w.command(CLARA, f"assign integrator <@{OLAF}>")
    await w.command(CLARA, 'metric add "repair time" days baseline=8 target=6 lower')
    await w.command(OLAF, "checkin repair time 7 triage draft ready")

    other = "C0ATTACK1"  # Marc opens his own pilot, is its champion, and tries to erase Olaf
    await w.command(MARC, "start 2027-01-04", channel=other, channel_name="marc")
    await w.command(MARC, f"assign champion <@{MARC}>", channel=other)
    await w.command(MARC, f"forget <@{OLAF}>", channel=other)
    assert "no data in the pilots you champion" in w.fake.of("response_url")[-1].args["text"]

    await w.command(CLARA, "status")
    status = w.fake.of("response_url")[-1].args["text"]
    assert f"<@{OLAF}>" in status or "Olaf" in status
    assert "former-member" not in status
    async with w.app.uow() as uow:  # Olaf's note in Clara's pilot is still there
        notes = (await uow.session.exec(select(Checkin.note))).all()
    assert notes == ["triage draft ready"]


async def test_a_champion_forgets_within_their_pilot_and_anyone_forgets_themselves(
    world_on_each_db: SlackWorld,
) -> None:
    w = world_on_each_db
    await champion_pilot(w)
    await w.command(CLARA, f"assign integrator <@{OLAF}>")
    await w.command(CLARA, f"forget <@{OLAF}>")
    assert "former-member" in w.fake.of("response_url")[-1].args["text"]
    await w.command(CLARA, "status")
    assert "Olaf" not in json.dumps(w.fake.of("response_url")[-1].args)

    await w.command(INES, "forget me")  # no role at all: her own data only
    answer = w.fake.of("response_url")[-1].args
    assert answer["response_type"] == "ephemeral" and "your names" in answer["text"].lower()
    await w.command(INES, f"forget <@{CLARA}>")  # not a champion: refused
    assert "Champion" in w.fake.of("response_url")[-1].args["text"]


# ---- 3. a platform's routes exist only when it is configured ---------------------------------


async def test_a_slack_only_server_has_no_teams_endpoint_and_starts_on_any_host(
    world: SlackWorld, connector: FakeConnector, teams: TeamsClient
) -> None:
    assert "teams" not in world.app.adapters
    activity = teams.channel_message("clara", "status")
    async with world.session.post(f"{world.url}/api/messages", json=activity) as answer:
        assert answer.status == 404
    assert connector.calls == []
    slack_only = slack_settings("sqlite://", "http://127.0.0.1:9/api/", host="0.0.0.0")
    check_safe(slack_only)  # the README's `serve --host 0.0.0.0`: no refusal


def test_the_emulator_mode_refuses_a_reachable_host() -> None:
    with pytest.raises(UnsafeSettings, match="PILOT_TEAMS_EMULATOR"):
        check_safe(Settings(host="0.0.0.0", pilot_teams_emulator=True))
    check_safe(Settings(host="127.0.0.1", pilot_teams_emulator=True))
    check_safe(Settings(host="0.0.0.0", microsoft_app_id="0d6b1f2e-7c3a-4b5d-8e9f-1a2b3c4d5e6f",
                        microsoft_app_password="x"))  # fmt: skip


async def test_emulator_mode_posts_only_to_loopback_and_keeps_stored_references(
    start_server: StartServer, connector: FakeConnector, teams: TeamsClient, db_url: str
) -> None:
    server = await start_server(db_url)
    assert (await server.post(teams.channel_message("clara", "start 2027-01-04")))[0] == 200
    attacker = web.Application()
    hits: list[str] = []

    async def record(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"id": "1"}, status=201)

    attacker.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(attacker, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.2", 0).start()
    port = runner.addresses[0][1]
    try:
        foreign = TeamsClient(f"http://evil.example:{port}/")
        status, _ = await server.post(foreign.channel_message("clara", "status"))
        assert status == 403
        other = TeamsClient(f"http://127.0.0.2:{port}/")
        spoofed = other.channel_message("clara", "status")
        spoofed["serviceUrl"] = f"http://127.0.0.2.evil.example:{port}/"
        assert (await server.post(spoofed))[0] == 403
        # a second loopback serviceUrl may talk, but the channel's stored route stays
        await server.post(other.channel_message("clara", "status"))
        assert hits  # answered where that activity came from
        mark = len(connector.calls)
        await server.post(teams.channel_message("clara", "assign champion @clara"))
        await server.post(teams.channel_message("clara", "announce"))
        await server.advance_to(START.replace(hour=10))
        assert any(c.conversation.startswith(CHANNEL) for c in connector.since(mark))
        async with server.app.uow() as uow:
            ref = await uow.refs.load_ref("teams", teams.tenant, "channel", CHANNEL)
        assert ref is not None and ref["reference"]["serviceUrl"] == connector.url
    finally:
        await runner.cleanup()


# ---- 4. typed text never becomes a mention or a link -----------------------------------------


async def test_typed_mentions_stay_text_and_real_ones_notify_on_slack(
    world_on_each_db: SlackWorld,
) -> None:
    w, fake = world_on_each_db, world_on_each_db.fake
    await champion_pilot(w)
    assert fake.of("response_url")[-1].args["text"].startswith(f"<@{CLARA}> is now")
    await w.command(CLARA, "process add Audit @U0BOSS01 <@U0BOSS01> <!here>")
    await w.command(CLARA, "status")
    await w.mention(CLARA, "status")
    sent = [json.dumps(c.args) for c in [*fake.of("response_url"), *fake.of("chat.postMessage")]]
    assert not any("<@U0BOSS01>" in text or "<!here>" in text for text in sent)
    assert any("Audit @U0BOSS01 &lt;@U0BOSS01&gt; &lt;!here&gt;" in text for text in sent)


async def test_typed_links_stay_text_and_real_mentions_carry_entities_on_teams(
    start_server: StartServer, connector: FakeConnector, teams: TeamsClient, db_url: str
) -> None:
    server = await start_server(db_url)
    await server.post(teams.channel_message("clara", "start 2027-01-04"))
    mark = len(connector.calls)
    await server.post(teams.channel_message("clara", "assign champion @clara"))
    (assigned,) = [c for c in connector.since(mark) if c.card]
    card = assigned.card
    assert card is not None
    (entity,) = card["msteams"]["entities"]
    assert entity["mentioned"]["name"] == "Clara Becker"
    assert entity["text"] in json.dumps(card["body"])

    mark = len(connector.calls)
    await server.post(teams.channel_message("clara", "process add [click](https://evil.example)"))
    # cards and plain-text confirmations alike: no markdown link forms from typed text
    body = json.dumps([c.card or c.body.get("text") for c in connector.since(mark)])
    assert "[click](https" not in body and "click]\\u200b(https" in body


# ---- 9. Teams delivery ids are per tenant ----------------------------------------------------


async def test_a_tenant_cannot_swallow_another_tenants_message_by_reusing_its_id(
    start_server: StartServer, connector: FakeConnector, db_url: str
) -> None:
    server = await start_server(db_url)
    tenant_a, tenant_b = TeamsClient(connector.url), TeamsClient(connector.url, OTHER_TENANT)
    first = tenant_b.channel_message("olaf", "start 2027-01-04")
    second = tenant_a.channel_message("clara", "start 2027-01-04")
    second["id"] = first["id"]
    await server.post(first)
    mark = len(connector.calls)
    await server.post(second)
    answers = [c.fallback for c in connector.since(mark)]
    assert any("Pilot started" in a for a in answers)


# ---- no acknowledged command without an answer, no typed text in the log ----------------------


async def test_a_failure_after_the_ack_is_answered_and_logged_without_user_text(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await champion_pilot(world)
    async with world.app.engine.begin() as conn:  # the database loses a table under the bot
        await conn.execute(text("DROP TABLE activity"))
    await world.command(CLARA, "process add secret-customer-list")
    answer = world.fake.of("response_url")[-1].args
    assert answer["response_type"] == "ephemeral" and "try again" in answer["text"]
    await world.mention(CLARA, "process add secret-customer-list")
    assert "try again" in world.fake.of("chat.postEphemeral")[-1].args["text"]
    assert "secret-customer-list" not in caplog.text


async def test_a_listener_failing_outside_the_coach_still_answers(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    await champion_pilot(world)
    await world.command(CLARA, 'metric add "repair time" days baseline=8')
    world.fake.fail("views.open", "internal_error")  # the check-in form cannot be opened
    await world.command(CLARA, "checkin")
    answer = world.fake.of("response_url")[-1].args
    assert answer["response_type"] == "ephemeral" and "went wrong" in answer["text"]
    assert "slack listener failed error=SlackApiError" in caplog.text


async def test_a_private_proactive_reply_goes_to_the_dm_never_the_channel(
    harness: Harness,
) -> None:
    await harness.say("clara", "start 2027-01-04")
    secret = Reply(text="pcm_secret", blocks=(Paragraph("pcm_secret"),), private=True)
    to_channel_and_user = ConversationRef("console", "local", channel="ki-pilot", user="clara")
    to_channel_only = ConversationRef("console", "local", channel="ki-pilot")
    async with harness.app.uow() as uow:
        for n, ref in enumerate((to_channel_and_user, to_channel_only)):
            await uow.outbox.enqueue({
                "dedupe_key": f"private-{n}", "pilot_id": 1, "person_id": None, "week": 1,
                "kind": "announce", "target": ref.to_json(), "payload": secret.to_json(),
                "due_at": START, "next_attempt_at": START,
            })  # fmt: skip
        await uow.commit()
    await harness.app.dispatcher.dispatch()
    sent = [(ref.channel, ref.user) for ref, reply in harness.adapter.sent if "pcm_" in reply.text]
    assert sent == [(None, "clara")]  # the DM; the one without a person is not sent at all
