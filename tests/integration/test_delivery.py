"""Delivery guarantees: several dispatcher processes on one PostgreSQL database, restarts in the
middle of a dispatch, a 429 storm, and permanent errors."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import col, select

from bot.app import build_app
from bot.clock import SimulatedClock
from bot.jobs.dispatcher import CONCURRENCY, MAX_UNFLUSHED
from bot.messages import ConversationRef, Reply
from bot.ports import DeliveryError
from storage.db import make_engine
from storage.repositories import UnitOfWorkFactory
from storage.tables import OutboxMessage, Pilot
from tests.conftest import BERLIN, Harness, RecordingAdapter, make_settings, shown

ROOT = Path(__file__).resolve().parents[2]


async def seed(url: str, count: int, platform: str = "http") -> None:
    """One pilot and ``count`` due outbox rows, each with a unique text."""
    engine = make_engine(url)
    uow = UnitOfWorkFactory(engine)
    now = datetime.now(UTC) - timedelta(minutes=1)
    async with uow() as unit:
        ws = await unit.workspaces.workspace(platform, "T1")
        assert ws.id is not None
        pilot = Pilot(workspace_id=ws.id, channel_id="C1", start_date=now.date(),
                      timezone="Europe/Berlin", language="en", created_at=now)  # fmt: skip
        await unit.add(pilot)
        assert pilot.id is not None
        ref = ConversationRef(platform=platform, workspace="T1", user="U1").to_json()
        rows = [
            {"dedupe_key": f"k{i}", "pilot_id": pilot.id, "week": 1, "kind": "weekly",
             "target": ref, "payload": Reply(text=f"m{i}").to_json(), "due_at": now,
             "next_attempt_at": now}
            for i in range(count)
        ]  # fmt: skip
        await unit.outbox.enqueue_many(rows)
        await unit.commit()
    await engine.dispose()


class FakePlatform:
    """A local fake chat API counting every message it accepted."""

    def __init__(self, throttle: float = 0.0) -> None:
        self.received: Counter[str] = Counter()
        self.throttle = throttle
        self.rejected = 0
        self.rng = random.Random(7)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.rng.random() < self.throttle:
            self.rejected += 1
            return web.json_response({"ok": False}, status=429, headers={"Retry-After": "1"})
        self.received[body["key"]] += 1
        return web.json_response({"ok": True})


@pytest.fixture
async def platform() -> AsyncIterator[tuple[FakePlatform, str]]:
    fake = FakePlatform()
    app = web.Application()
    app.router.add_post("/send", fake.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}/send"
    await runner.cleanup()


async def _worker(url: str, fake_url: str, *extra: str) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.dispatch_worker", url, fake_url, *extra,
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return await proc.wait()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
async def test_three_processes_deliver_3000_nudges_exactly_once(
    platform: tuple[FakePlatform, str],
) -> None:
    url = os.environ["TEST_DATABASE_URL"]
    from storage.db import upgrade
    from tests.conftest import _reset_postgres

    _reset_postgres(url)
    upgrade(url)
    await seed(url, 3000)
    fake, fake_url = platform
    codes = await asyncio.gather(
        _worker(url, fake_url),
        _worker(url, fake_url),
        _worker(url, fake_url, "--kill-after", "400"),
    )
    assert sorted(codes) == [0, 0, 3]
    # The killed worker's leased rows are picked up once the lease is over.
    assert await _worker(url, fake_url, "--offset", "180") == 0
    assert set(fake.received) == {f"m{i}" for i in range(3000)}
    duplicates = {k: n for k, n in fake.received.items() if n > 1}
    print(f"\n3000 nudges, 3 processes, 1 killed after a 200: {len(duplicates)} resent")
    # Only messages inside the killed process's commit window may arrive twice: those in flight
    # and those delivered but not yet committed.
    assert len(duplicates) <= CONCURRENCY + MAX_UNFLUSHED
    engine = make_engine(url)
    async with UnitOfWorkFactory(engine)() as unit:
        rows = (await unit.session.exec(select(OutboxMessage))).all()
    await engine.dispose()
    assert all(r.status == "sent" for r in rows) and len(rows) == 3000


async def test_ten_restarts_mid_dispatch_lose_and_duplicate_nothing(db_url: str) -> None:
    await seed(db_url, 120, platform="console")
    clock = SimulatedClock(datetime.now(UTC))
    delivered: Counter[str] = Counter()

    class SlowAdapter(RecordingAdapter):
        async def send(self, ref: ConversationRef, reply: Reply) -> None:
            await asyncio.sleep(0.001)  # the process may be stopped while this waits
            delivered[reply.text] += 1

    for restart in range(10):
        app = build_app(make_settings(db_url), clock=clock, adapters={"console": SlowAdapter()})
        task = asyncio.create_task(app.dispatcher.dispatch(limit=10))
        await asyncio.sleep(0.004 * (restart % 3 + 1))
        task.cancel()  # the process goes down mid-dispatch
        with pytest.raises(asyncio.CancelledError):
            await task
        await app.close()
        clock.set(clock.now() + timedelta(minutes=3))  # leases of the stopped process run out
    app = build_app(make_settings(db_url), clock=clock, adapters={"console": SlowAdapter()})
    await app.dispatcher.dispatch()
    await app.close()
    assert set(delivered) == {f"m{i}" for i in range(120)}
    assert max(delivered.values()) == 1


async def test_429_storm_delays_but_delivers_everything(
    sqlite_url: str, platform: tuple[FakePlatform, str]
) -> None:
    fake, fake_url = platform
    fake.throttle = 0.3
    await seed(sqlite_url, 200)
    for offset in range(0, 60, 2):
        await _worker(sqlite_url, fake_url, "--offset", str(offset))
        if len(fake.received) == 200:
            break
    assert fake.rejected > 20
    assert set(fake.received) == {f"m{i}" for i in range(200)}
    assert max(fake.received.values()) == 1


async def test_permanent_error_pauses_nudges_and_tells_the_champion(harness: Harness) -> None:
    await harness.say("clara", "start 2027-01-04")
    await harness.say("clara", "assign champion @clara")
    await harness.say("clara", "assign modeler @olaf")
    gone = DeliveryError("account_inactive", permanent=True)
    olaf_blocked = [True]

    async def send(ref: ConversationRef, reply: Reply) -> None:
        if ref.user == "olaf" and olaf_blocked[0]:
            raise gone
        harness.adapter.sent.append((ref, shown(reply)))

    harness.adapter.send = send  # type: ignore[method-assign]
    await harness.app.scheduler.tick()
    warned = [r.text for r in harness.adapter.to("clara") if "cannot be reached" in r.text]
    assert len(warned) == 1 and "@olaf" in warned[0]
    status = await harness.say("clara", "status")
    assert "@olaf cannot be reached" in status
    assert "1 message could not be delivered (last error: account_inactive)" in status
    # A week later Olaf gets no nudge (no retry storm), Clara no second warning for week 2 yet...
    await harness.advance_to(datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN))
    async with harness.app.uow() as uow:
        olaf_rows = [
            r for r in (await uow.session.exec(select(OutboxMessage))).all()
            if r.target.get("user") == "olaf"
        ]  # fmt: skip
    assert len(olaf_rows) == 1
    # ... and when Olaf writes again he is reachable and nudged again.
    olaf_blocked[0] = False
    await harness.say("olaf", "tasks")
    await harness.app.scheduler.tick()
    assert "cannot be reached" not in await harness.say("clara", "status")
    assert [r.scheduled_for for r in harness.adapter.to("olaf")] == [
        datetime(2027, 1, 11, 9, 0, tzinfo=BERLIN)
    ]


async def test_transient_errors_park_a_row_after_max_attempts(harness: Harness) -> None:
    from bot.jobs.dispatcher import MAX_ATTEMPTS

    await harness.say("clara", "start 2027-01-04")
    harness.adapter.fail_with = DeliveryError("HTTP 502")
    await harness.say("clara", "assign champion @clara")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await harness.app.scheduler.tick()
        row = (await _rows(harness))[0]
        assert row.attempts == attempt
        assert row.status == ("failed" if attempt == MAX_ATTEMPTS else "pending")
        harness.clock.set(harness.clock.now() + timedelta(days=2))


async def _rows(h: Harness) -> list[OutboxMessage]:
    async with h.app.uow() as uow:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await uow.session.exec(query)).all())
