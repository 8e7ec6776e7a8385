"""What Slack's delivery guarantees demand: signatures (with the 5-minute window), retried
deliveries handled once, rate limits that delay but never drop, and errors mapped to the
outbox's retry semantics."""

from __future__ import annotations

import itertools
import json
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from storage.tables import OutboxMessage, Pilot, Process
from tests.slack.world import SlackWorld

CLARA, OLAF, INES = "UCLARA01", "UOLAF002", "UINES003"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


async def pilots(world: SlackWorld) -> list[Pilot]:
    async with world.app.uow() as uow:
        return list((await uow.session.exec(select(Pilot))).all())


async def team(world: SlackWorld) -> None:
    await world.command(CLARA, "start 2027-01-04")
    await world.pick(CLARA, "champion", CLARA)
    await world.pick(CLARA, "modeler", OLAF)
    await world.pick(CLARA, "integrator", INES)
    world.fake.reset()


async def test_forged_and_stale_signatures_get_401_and_change_nothing(world: SlackWorld) -> None:
    form = urlencode(world.command_form(CLARA, "start 2027-01-04"))
    kind = "application/x-www-form-urlencoded"
    forged = await world.post(form, kind, secret="not-the-signing-secret")
    stale = await world.post(form, kind, timestamp=int(time.time()) - 6 * 60)
    future = await world.post(form, kind, timestamp=int(time.time()) + 6 * 60)
    event = json.dumps(world.event_body("app_mention", CLARA, "start"))
    tampered = await world.post(event, "application/json", secret="x" * 32)
    assert [forged.status, stale.status, future.status, tampered.status] == [401] * 4
    assert world.fake.calls == []
    assert await pilots(world) == []
    # the same request, signed now with the real secret, works
    assert (await world.post(form, kind)).status == 200
    assert len(await pilots(world)) == 1


async def test_unsigned_requests_are_refused(world: SlackWorld) -> None:
    async with world.session.post(f"{world.url}/slack/events", data="{}") as response:
        assert response.status == 401
    assert world.fake.calls == []


async def test_a_retried_event_is_handled_once(world: SlackWorld) -> None:
    await team(world)
    body = json.dumps(world.event_body("app_mention", OLAF, "<@U0LAN0Z89> process add Triage"))
    first = await world.post(body, "application/json")
    again = await world.post(body, "application/json", headers=RETRY)
    assert first.status == again.status == 200
    posts = world.fake.delivered("chat.postMessage")
    assert [p.args["text"] for p in posts] == ['Workflow 1 recorded: "Triage" (1 of at most 3).\n'
        "To score it, add: cases=… minutes=…, rules=…, data=yes|partly|no "
        "(process edit 1 …)."]  # fmt: skip
    async with world.app.uow() as uow:
        assert len((await uow.session.exec(select(Process))).all()) == 1


async def test_retried_commands_and_clicks_are_handled_once(world: SlackWorld) -> None:
    await team(world)
    form = urlencode(world.command_form(OLAF, "process add Triage"))
    for headers in ({}, RETRY):
        await world.post(form, "application/x-www-form-urlencoded", headers=headers)
    click = world.interaction("block_actions_button", INES, channel="DINES003")
    click["actions"][0].update(action_id="pc_done", value="inventory-stack")
    for _ in range(2):
        await world.interact(click)
    texts = [c.args["text"] for c in world.fake.of("response_url")]
    assert len(texts) == 2
    assert texts[0].startswith('Workflow 1 recorded: "Triage"')
    assert texts[1].startswith("Done: [4]")


async def test_a_429_storm_delays_every_nudge_but_drops_none(world: SlackWorld) -> None:
    await team(world)
    world.fake.rate_limit("chat.postMessage", times=13, retry_after=1)
    await world.app.scheduler.tick()
    # what the SDK's retry handler could not get through waits in the outbox for Retry-After
    async with world.app.uow() as uow:
        waiting = [m for m in await uow.outbox.outbox() if m.status == "pending"]
    assert waiting, "some nudges should still be waiting after the storm"
    assert all("ratelimited" in m.last_error for m in waiting)
    now = world.clock.now()
    assert all((m.next_attempt_at - now).total_seconds() >= 1 for m in waiting)
    second_tick = time.monotonic()
    world.clock.set(now.replace(minute=40))
    await world.app.scheduler.tick()
    delivered = world.fake.delivered("chat.postMessage")
    # (the champion's week-1 tasks are done by evidence: no nudge for her)
    assert sorted(c.args["channel"] for c in delivered) == ["UINES003", "UOLAF002"]
    calls = world.fake.of("chat.postMessage")
    assert len([c for c in calls if c.status == 429]) == 13
    for channel in ("UINES003", "UOLAF002"):  # the SDK waited Retry-After each time
        mine = [c for c in calls if c.args["channel"] == channel and c.at < second_tick]
        for before, after in itertools.pairwise(mine):
            assert before.status == 429 and after.at - before.at >= 1.0
    async with world.app.uow() as uow:
        assert all(m.status == "sent" for m in (await uow.session.exec(
            select(OutboxMessage))).all())  # fmt: skip


async def test_permanent_slack_errors_fail_the_delivery_without_retries(
    world: SlackWorld,
) -> None:
    await team(world)
    # one user id Slack does not take (then conversations.open: the user is gone), one
    # account deactivated
    world.fake.fail("chat.postMessage", "channel_not_found")
    world.fake.fail("chat.postMessage", "account_inactive")
    world.fake.fail("conversations.open", "user_not_found")
    await world.app.scheduler.tick()
    async with world.app.uow() as uow:
        failed = await uow.outbox.outbox(failed_only=True)
    assert sorted(m.last_error for m in failed) == [
        "slack: account_inactive", "slack: user_not_found"
    ]  # fmt: skip
    world.clock.set(world.clock.now().replace(hour=world.clock.now().hour + 2))
    await world.app.scheduler.tick()  # a failed row is never tried again
    refused = [c for c in world.fake.calls if c.error in ("user_not_found", "account_inactive")]
    assert len(refused) == 2
    assert len(world.fake.of("conversations.open")) == 1


async def test_transient_slack_errors_are_retried_later(world: SlackWorld) -> None:
    await team(world)
    world.fake.fail("chat.postMessage", "internal_error", times=2)
    await world.app.scheduler.tick()
    async with world.app.uow() as uow:
        pending = [m for m in await uow.outbox.outbox() if m.status == "pending"]
    assert len(pending) == 2 and all(m.last_error == "slack: internal_error" for m in pending)
    world.clock.set(world.clock.now().replace(hour=world.clock.now().hour + 1))
    await world.app.scheduler.tick()
    assert len(world.fake.delivered("chat.postMessage")) == 2


async def test_a_gateway_error_page_is_a_transient_failure(world: SlackWorld) -> None:
    """A proxy's HTML 502 instead of Slack's JSON: the nudge waits for the next try (the
    message says which status), it is neither lost nor a crash of the sender."""
    await team(world)
    world.fake.answer_raw("chat.postMessage", 502, "<html>Bad Gateway</html>", times=2)
    await world.app.scheduler.tick()
    async with world.app.uow() as uow:
        pending = [m for m in await uow.outbox.outbox() if m.status == "pending"]
    assert sorted(m.last_error for m in pending) == ["slack: http_502", "slack: http_502"]
    world.clock.set(world.clock.now().replace(hour=world.clock.now().hour + 1))
    await world.app.scheduler.tick()
    assert sorted(c.args["channel"] for c in world.fake.delivered("chat.postMessage")) == [
        "UINES003", "UOLAF002"
    ]  # fmt: skip


async def test_a_posted_body_is_the_message_as_slack_reads_it(world: SlackWorld) -> None:
    """The encoded body (text and blocks encoded once per distinct message) is what the SDK's
    would be: channel, text, blocks and a thread, with the bot token."""
    from bot.messages import ConversationRef, Reply

    ref = ConversationRef(platform="slack", workspace="T0001", channel="C0NEWCHAN",
                          extra={"thread_ts": "1700000000.000100"})  # fmt: skip
    for _ in range(2):  # the second from the cache
        await world.adapter.send(ref, Reply(text='Sie "sagte": <b> & ü'))
    first, second = world.fake.of("chat.postMessage")
    assert first.args == second.args
    assert first.args["channel"] == "C0NEWCHAN"
    assert first.args["thread_ts"] == "1700000000.000100"
    assert first.args["text"] == 'Sie "sagte": &lt;b&gt; &amp; ü'
    assert first.args["blocks"][0]["type"] == "section"


async def test_a_channel_message_joins_a_public_channel_it_is_not_in(world: SlackWorld) -> None:
    from bot.messages import ConversationRef, Reply

    world.fake.fail("chat.postMessage", "not_in_channel")
    ref = ConversationRef(platform="slack", workspace="T0001", channel="C0NEWCHAN")
    await world.adapter.send(ref, Reply(text="hello <!channel> & friends"))
    assert world.fake.methods() == ["chat.postMessage", "conversations.join", "chat.postMessage"]
    assert world.fake.calls[-1].args["text"] == "hello &lt;!channel&gt; &amp; friends"


async def test_a_chart_is_uploaded_after_its_message(world: SlackWorld, tmp_path: Path) -> None:
    from bot.messages import ConversationRef, Image, Paragraph, Reply

    chart = tmp_path / "summary.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    reply = Reply(text="Results", blocks=(Paragraph("Results"), Image(str(chart), "the chart")))
    await world.adapter.send(ConversationRef("slack", "T0001", user="UCLARA01"), reply)
    assert world.fake.methods() == ["chat.postMessage",
                                    "files.getUploadURLExternal", "upload",
                                    "files.completeUploadExternal"]  # fmt: skip
    assert world.fake.of("files.completeUploadExternal")[0].args["channel_id"] == "DCLARA01"


async def test_a_round_of_deliveries_is_one_info_line(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """A Monday's tens of thousands of messages are not as many log lines: the dispatcher
    says at INFO how many it delivered per round, each message's own line is at DEBUG."""
    await team(world)

    async def sent() -> int:
        async with world.app.uow() as uow:
            rows = (await uow.session.exec(select(OutboxMessage))).all()
        return sum(1 for m in rows if m.status == "sent")

    before = await sent()
    with caplog.at_level(logging.INFO, logger="pilot_coach"):
        await world.app.scheduler.tick()
    delivered = await sent() - before
    assert delivered >= 2 and len(world.fake.delivered("chat.postMessage")) >= 2
    lines = [r.getMessage() for r in caplog.records if r.name == "pilot_coach.delivery"]
    assert [m.split(" seconds=")[0] for m in lines] == [f"dispatched delivered={delivered}"]
