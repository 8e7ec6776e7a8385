"""Three ``pilot-coach serve`` processes on one PostgreSQL database share the commands and the
fan-out: every nudge reaches Slack exactly once, every command is answered once."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import create_engine, func, select, text

from bot.services.snapshot import schedule_of
from playbook import calendar
from storage.db import sync_url, upgrade
from storage.tables import OutboxMessage, Person, Pilot, RoleAssignment, Workspace
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import fixture, signature

PG = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL (TEST_DATABASE_URL)")
SECRET = "replica-signing-secret-0123456789"
TOKEN = "xoxb-replicas-0001"
PILOTS, PROCESSES, COMMANDS = 40, 3, 45
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str) -> None:
    """PILOTS pilots, each in a workspace of its own (Slack's rate limit is per workspace),
    three owners each, due now (week 1's slot passed)."""
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    now = datetime.now(UTC)
    start = calendar.monday_of(calendar.local_date(now, "Europe/Berlin"))
    probe = Pilot(workspace_id=0, channel_id="", start_date=start, timezone="Europe/Berlin",
                  language="en", nudge_weekday=0, nudge_time="00:05", created_at=now)  # fmt: skip
    while calendar.weekly_slot(start, 1, schedule_of(probe)) > now:  # a holiday moved it
        start -= timedelta(days=7)
    # fmt: off
    rows = {
        Workspace: [
            {"id": i + 1, "platform": "slack", "external_id": f"T{i:05d}", "name": "example"}
            for i in range(PILOTS)
        ],
        Pilot: [
            {
                "id": i + 1,
                "workspace_id": i + 1,
                "channel_id": f"C{i:07d}",
                "channel_name": "ki",
                "cycle": 1,
                "start_date": start,
                "timezone": "Europe/Berlin",
                "language": "en",
                "nudge_weekday": 0,
                "nudge_time": "00:05",
                "region": "DE",
                "status": "open",
                "created_at": now,
            }
            for i in range(PILOTS)
        ],
        Person: [
            {
                "id": 3 * i + r + 1,
                "workspace_id": i + 1,
                "external_id": f"U{i:06d}{r}",
                "display_name": f"P{i}{r}",
            }
            for i in range(PILOTS)
            for r in range(3)
        ],
        RoleAssignment: [
            {
                "pilot_id": i + 1,
                "role": ("champion", "modeler", "integrator")[r],
                "person_id": 3 * i + r + 1,
                "assigned_at": now - timedelta(days=1),
            }
            for i in range(PILOTS)
            for r in range(3)
        ],
    }
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(table.__table__.insert(), values)  # type: ignore[attr-defined]
        for name in ("workspaces", "pilots", "people", "role_assignments"):  # ids given above
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"(SELECT max(id) FROM {name}))"))  # fmt: skip
    engine.dispose()


def outbox(url: str) -> tuple[int, int, int]:
    """(nudges written, still pending, pilots not planned yet)."""
    engine = create_engine(sync_url(url))
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(table)).scalar_one()
        pending = conn.execute(select(func.count()).where(table.c.status == "pending")).scalar_one()
        unplanned = conn.execute(
            select(func.count()).where(Pilot.__table__.c.next_due_at.is_(None))  # type: ignore[attr-defined]
        ).scalar_one()
    engine.dispose()
    return written, pending, unplanned


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    slack.add_bot(TOKEN, "T0001", "example")
    for i in range(PILOTS):
        for r in range(3):
            slack.add_user(f"U{i:06d}{r}", f"P{i}{r}", "T0001")
    slack.add_user("UASKER01", "Asker", "T0001")
    await slack.start()
    yield slack
    await slack.stop()


async def test_three_serve_processes_deliver_each_nudge_once_and_answer_every_command(
    fake: FakeSlack, tmp_path: Path
) -> None:
    seed(PG)
    ports = [free_port() for _ in range(PROCESSES)]
    env = {**os.environ, "DATABASE_URL": PG, "SLACK_BOT_TOKEN": TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url, "HOST": "127.0.0.1",
           "PILOT_TICK_SECONDS": "0.5", "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}  # fmt: skip
    procs = [
        _serve({**env, "PORT": str(port)}, tmp_path / f"serve{n}.log")
        for n, port in enumerate(ports)
    ]
    try:
        async with aiohttp.ClientSession() as session:
            for port in ports:
                await _healthy(session, f"http://127.0.0.1:{port}")
            names = await asyncio.gather(
                *(_command(session, fake, ports[n % PROCESSES], n) for n in range(COMMANDS))
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                written, pending, unplanned = outbox(PG)
                answered = {c.args["_name"] for c in fake.of("response_url")}
                if written and not pending and not unplanned and answered >= set(names):
                    break
                await asyncio.sleep(0.5)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)
    logs = "".join((tmp_path / f"serve{n}.log").read_text() for n in range(PROCESSES))
    written, pending, unplanned = outbox(PG)
    assert written >= 2 * PILOTS and pending == 0 and unplanned == 0, logs[-2000:]
    posts = Counter(c.args["channel"] for c in fake.of("chat.postMessage") if c.ok)
    assert sum(posts.values()) == written, logs[-2000:]  # each nudge once, none twice
    assert len(fake.of("chat.postMessage")) == written
    answers = Counter(c.args["_name"] for c in fake.of("response_url") if c.ok)
    assert answers == dict.fromkeys(names, 1)  # every command answered, once
    said = [c.args["text"] for c in fake.of("response_url")]
    assert all("Pilot Coach" in t for t in said), said[:2]  # help, not "went wrong"
    assert '"ERROR"' not in logs, logs[-2000:]


def _serve(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "pilot-coach"), "serve"], env=env, stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip


async def _healthy(session: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/healthz") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{base} did not become healthy")


async def _command(session: aiohttp.ClientSession, fake: FakeSlack, port: int, n: int) -> str:
    name = f"command-{n}"
    form = fixture("slash_command")
    form.update(team_id="T00000", channel_id=f"C{n % 7:07d}", user_id="UASKER01",
                user_name="asker", text="help", channel_name="ki",
                response_url=fake.response_url(name), trigger_id=f"{n}.1.{n:032x}")  # fmt: skip
    body = urlencode(form)
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": signature(SECRET, ts, body)}  # fmt: skip
    async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body,
                            headers=headers) as r:  # fmt: skip
        assert r.status == 200
    return name
