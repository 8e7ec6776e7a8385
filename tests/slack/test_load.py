"""Under load: every acknowledged command is answered (or answered busy in the ack itself), an
answer that fails to send is retried from the outbox, users.info failures fall back to ids, and
a Monday costs one Slack call per nudge once the DM channels are known."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from sqlalchemy import event
from sqlmodel import select

from adapters.slack import people
from adapters.slack.delivery import ResponseUrls
from storage.tables import OutboxMessage, Person, Pilot
from tests.slack.conftest import running, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import SlackWorld

Handler = Callable[[web.Request], Awaitable[web.Response]]
CLARA, OLAF, INES = "UCLARA01", "UOLAF002", "UINES003"


@pytest.fixture
async def roomy(sqlite_url: str, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """A world whose in-flight bound admits a burst of 200."""
    settings = slack_settings(sqlite_url, fake_slack.api_url, pilot_max_inflight=500)
    async with running(settings, fake_slack) as w:
        yield w


@pytest.fixture
async def narrow(sqlite_url: str, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    """A world that works on one command at a time."""
    settings = slack_settings(sqlite_url, fake_slack.api_url, pilot_max_inflight=1)
    async with running(settings, fake_slack) as w:
        yield w


def answers(fake: FakeSlack) -> Counter[str]:
    return Counter(c.args["_name"] for c in fake.of("response_url") if c.ok)


async def rows(world: SlackWorld, table: Any) -> list[Any]:
    async with world.app.uow.read() as uow:
        return list((await uow.session.exec(select(table))).all())


async def test_200_concurrent_commands_on_sqlite_are_all_answered_and_none_stored_twice(
    roomy: SlackWorld,
) -> None:
    """100 channels get ``start`` twice at the same moment while the scheduler ticks: every
    command is answered exactly once, every channel has one pilot, SQLite is never locked."""
    kind = "application/x-www-form-urlencoded"
    forms = [
        roomy.command_form(CLARA, "start 2027-01-04", channel=f"C{n % 100:08d}") for n in range(200)
    ]
    sends = [roomy.post(urlencode(f), kind, settle=False) for f in forms]
    ticks = [roomy.app.scheduler.tick() for _ in range(5)]
    acks = await asyncio.gather(*sends, *ticks)
    await roomy.settle()
    assert [a.status for a in acks[:200]] == [200] * 200
    named = {f["response_url"].rsplit("/", 1)[1] for f in forms}
    assert answers(roomy.fake) == dict.fromkeys(named, 1)  # each command: one answer
    texts = [c.args["text"] for c in roomy.fake.of("response_url")]
    assert sum("already" in t for t in texts) == 100, texts[:3]
    pilots = await rows(roomy, Pilot)
    assert sorted(p.channel_id for p in pilots) == sorted({f["channel_id"] for f in forms})


async def test_a_response_url_500_is_logged_and_retried_from_the_outbox(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world.fake.answer_raw("response_url", 500, "oops")
    await world.command(CLARA, "help")
    assert [c.status for c in world.fake.of("response_url")] == [500]
    queued = [r for r in await rows(world, OutboxMessage) if r.kind == "reply"]
    assert len(queued) == 1 and queued[0].pilot_id is None
    assert "answer not delivered" in caplog.text
    world.clock.set(world.clock.now() + timedelta(seconds=10))
    await world.app.scheduler.tick()
    retried = world.fake.of("response_url")
    assert [c.status for c in retried] == [500, 200]
    assert retried[1].args["text"] == retried[0].args["text"]  # the same answer
    assert retried[1].args["response_type"] == "ephemeral" or retried[1].args["response_type"]
    assert [r.status for r in await rows(world, OutboxMessage) if r.kind == "reply"] == ["sent"]
    world.clock.set(world.clock.now() + timedelta(days=2))  # what one person was told: a day
    await world.app.scheduler.tick()
    assert [r for r in await rows(world, OutboxMessage) if r.kind == "reply"] == []


async def test_a_failed_post_ephemeral_is_retried_from_the_outbox(world: SlackWorld) -> None:
    await world.command(CLARA, "start 2027-01-04")
    world.fake.reset()
    world.fake.fail("chat.postEphemeral", "internal_error")
    await world.mention(OLAF, "checkin 5")  # refused in the channel: ephemeral for Olaf
    assert [c.error for c in world.fake.of("chat.postEphemeral")] == ["internal_error"]
    world.clock.set(world.clock.now() + timedelta(seconds=10))
    await world.app.scheduler.tick()
    again = [c for c in world.fake.calls if c.method in ("chat.postEphemeral", "chat.postMessage")]
    assert len(again) == 2 and again[1].ok
    assert again[1].args.get("user") == OLAF or again[1].args["channel"].startswith("D")
    assert again[1].args["text"] == again[0].args["text"]


@pytest.mark.parametrize(
    "status,body,delay",
    [(500, "Internal Server Error", 0.0), (200, "<html>not json</html>", 0.0),
     (200, json.dumps({"ok": True, "user": "nobody"}), 0.0), (200, "{}", 1.0)],
)  # fmt: skip
async def test_users_info_failures_fall_back_to_ids(
    world: SlackWorld, monkeypatch: pytest.MonkeyPatch, status: int, body: str, delay: float
) -> None:
    monkeypatch.setattr(people, "LOOKUP_SECONDS", 0.3)
    world.fake.answer_raw("users.info", status, body, delay=delay, times=5)
    await world.command(CLARA, "start 2027-01-04")
    await world.command(CLARA, f"assign champion <@{CLARA}|clara>")
    got = world.fake.of("response_url")
    assert len(got) == 2 and all(c.ok for c in got)
    assert f"<@{CLARA}>" in got[1].args["text"]  # the id, which Slack shows as the name


async def test_beyond_the_bound_the_ack_itself_says_busy(narrow: SlackWorld) -> None:
    gate = narrow.app.coach.gate
    assert gate.try_enter()  # one command at work: the next one finds no place
    try:
        ack = await narrow.command(CLARA, "start 2027-01-04")
    finally:
        gate.leave()
    assert ack.status == 200
    body = ack.json()
    assert body["response_type"] == "ephemeral" and "try again in a minute" in body["text"]
    assert narrow.fake.of("response_url") == [] and await rows(narrow, Pilot) == []
    await narrow.command(CLARA, "start 2027-01-04")  # a place again: done
    assert len(await rows(narrow, Pilot)) == 1 and len(narrow.fake.of("response_url")) == 1


async def test_a_busy_mention_is_answered_busy(narrow: SlackWorld) -> None:
    gate = narrow.app.coach.gate
    assert gate.try_enter()
    try:
        await narrow.mention(CLARA, "start 2027-01-04")
    finally:
        gate.leave()
    said = [c for c in narrow.fake.calls if c.method.startswith("chat.post")]
    assert len(said) == 1 and "try again in a minute" in said[0].args["text"]
    assert await rows(narrow, Pilot) == []


async def team(world: SlackWorld) -> None:
    await world.command(CLARA, "start 2027-01-04")
    await world.pick(CLARA, "champion", CLARA)
    await world.pick(CLARA, "modeler", OLAF)
    await world.pick(CLARA, "integrator", INES)
    world.fake.reset()


async def test_a_monday_is_one_call_per_nudge_and_the_dm_channels_are_stored(
    world: SlackWorld,
) -> None:
    await team(world)
    await world.app.scheduler.tick()  # week 1: posted to the user ids, no conversations.open
    first = world.fake.delivered("chat.postMessage")
    addressed = {c.args["channel"] for c in first}
    assert addressed and all(a.startswith("U") for a in addressed)
    assert world.fake.of("conversations.open") == []
    messaging = [
        c.method for c in world.fake.calls if c.method.startswith(("chat.", "conversations.o"))
    ]
    assert messaging == ["chat.postMessage"] * len(first)  # one call per nudge
    await world.adapter.dms.flush()
    stored = {p.external_id: p.dm_channel for p in await rows(world, Person) if p.dm_channel}
    assert stored == {u: "D" + u[1:] for u in addressed}  # the DMs Slack named in its answers
    # a fresh process (no cache) on the next Monday: to the stored DM channels
    world.adapter.dms._known.clear()
    world.adapter.dms._writer = None
    world.fake.reset()
    await world.advance_to(world.clock.now() + timedelta(days=7))
    again = world.fake.delivered("chat.postMessage")
    assert world.fake.of("conversations.open") == []
    assert {c.args["channel"] for c in again if c.args["channel"] in stored.values()}
    assert not {c.args["channel"] for c in again} & set(stored)  # not the user ids again
    assert world.adapter.dms._writer is None  # what is stored already is not written again


async def test_a_stored_dm_channel_gone_is_opened_again(world: SlackWorld) -> None:
    await team(world)
    async with world.app.uow() as uow:
        await uow.people.remember_dm_channels([("T0001", OLAF, "D0GONE999")])
        await uow.commit()
    world.fake.fail("chat.postMessage", "channel_not_found")  # the first post: to D0GONE999
    await world.app.scheduler.tick()
    to_olaf = [c for c in world.fake.of("chat.postMessage") if c.args["channel"] != INES]
    assert [(c.args["channel"], c.error) for c in to_olaf] == [
        ("D0GONE999", "channel_not_found"), ("DOLAF002", None)
    ]  # fmt: skip
    assert [c.args["users"] for c in world.fake.of("conversations.open")] == [OLAF]
    await world.adapter.dms.flush()
    assert {p.external_id: p.dm_channel for p in await rows(world, Person)}[OLAF] == "DOLAF002"


async def test_a_tick_with_nothing_due_reads_no_pilot(world: SlackWorld) -> None:
    await team(world)
    await world.app.scheduler.tick()  # the Monday: planned and delivered
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    engines = [world.app.engine] + [e for e in [world.app.scheduler_engine] if e is not None]
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        world.clock.set(world.clock.now() + timedelta(minutes=1))
        assert await world.app.scheduler.tick() == 0
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.startswith("select")]
    # the due-pilot ids (an index range, none due) and the due outbox rows: nothing else
    assert len(reads) <= 3, reads
    assert not any(
        t in s for s in reads for t in ("role_assignments", "activity", "task_states", "metrics")
    ), reads
    assert all("next_due_at" in s for s in reads if "from pilots" in s), reads


@contextlib.asynccontextmanager
async def hooks_at(handler: Handler) -> AsyncIterator[str]:
    """A local stand-in for hooks.slack.com: ``handler`` answers POSTs to
    ``/commands/T0001/{n}``; yields the URL without ``{n}``."""
    app = web.Application()
    app.router.add_post("/commands/T0001/{n}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/commands/T0001/"
    finally:
        await runner.cleanup()


async def test_answers_to_response_urls_share_one_connection() -> None:
    """A burst of answers goes over one pooled connection, not a connection (and a TLS
    handshake to hooks.slack.com) each, as bolt's ``respond`` would open."""
    peers: list[Any] = []
    bodies: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.append(request.transport.get_extra_info("peername"))
        bodies.append(await request.json())
        return web.Response(text="ok")

    answers = ResponseUrls()
    async with hooks_at(hook) as base:
        try:
            for n in range(5):
                assert await answers.send(f"{base}{n}", {"text": f"answer {n}"}) == 200
        finally:
            await answers.close()
    assert [b["text"] for b in bodies] == [f"answer {n}" for n in range(5)]
    assert len(set(peers)) == 1


async def test_an_answer_that_hangs_times_out() -> None:
    """A ``response_url`` that never answers raises within the timeout (the listener then
    queues the answer in the outbox), not after aiohttp's five-minute default."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text="ok")

    answers = ResponseUrls(timeout=0.3)
    async with hooks_at(hang) as base:
        started = asyncio.get_running_loop().time()
        try:
            with pytest.raises(TimeoutError):
                await answers.send(f"{base}1", {"text": "hi"})
            assert asyncio.get_running_loop().time() - started < 2
        finally:
            await answers.close()
