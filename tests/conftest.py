"""Shared fixtures: a migrated database (SQLite always, PostgreSQL with TEST_DATABASE_URL), an
app with a simulated clock, and a recording adapter that keeps what the bot sent."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlalchemy import create_engine, text

from bot import logs
from bot.app import App, build_app
from bot.clock import SimulatedClock
from bot.messages import (
    Block,
    BulletList,
    ConversationRef,
    Fields,
    Heading,
    Inbound,
    Paragraph,
    PersonRef,
    Reply,
    plain_text,
)
from bot.server import build_web_app
from bot.settings import Settings
from storage.db import sync_url, upgrade

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 4 January 2027, 09:30 in Berlin: after that week's 09:00 slot.
START = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)

# Every log record of the test run, as the product writes it (JSON, INFO): no secret may appear.
# A token the redaction filter replaced (``xoxb-[redacted]``) is no secret.
SECRET_MARKERS = re.compile(r"(xoxb-|xoxe-|xapp-)(?!\[redacted\])|Bearer ey")
_LOG_FILE = Path(tempfile.gettempdir()) / f"pilot-coach-test-{os.getpid()}.jsonl"


def pytest_configure(config: pytest.Config) -> None:
    stream = _LOG_FILE.open("w", encoding="utf-8")
    config.stash[_LOG_STREAM] = stream
    logs.configure("INFO", "json", stream=stream)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stream = session.config.stash.get(_LOG_STREAM, None)
    if stream is None:
        return
    stream.flush()
    text = _LOG_FILE.read_text("utf-8")
    leaked = sorted({m.group(0) for m in SECRET_MARKERS.finditer(text)})
    if leaked:
        print(f"\nSECRETS IN LOGS: {leaked} (see {_LOG_FILE})")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_LOG_STREAM = pytest.StashKey[TextIO]()

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _reset_postgres(url: str) -> None:
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    upgrade(url)
    yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    return url


def shown(reply: Reply) -> Reply:
    """``reply`` as a plain-text platform shows it: mention tokens as ``@name``."""
    blocks: list[Block] = []
    for block in reply.blocks:
        if isinstance(block, Heading | Paragraph):
            block = replace(block, text=plain_text(block.text))
        elif isinstance(block, Fields):
            block = Fields(tuple((plain_text(k), plain_text(v)) for k, v in block.pairs))
        elif isinstance(block, BulletList):
            block = BulletList(tuple(plain_text(item) for item in block.items))
        blocks.append(block)
    return replace(reply, text=plain_text(reply.text), blocks=tuple(blocks))


@dataclass
class RecordingAdapter:
    """A fake chat platform at the adapter boundary: keeps every proactive send."""

    platform: str = "console"
    sent: list[tuple[ConversationRef, Reply]] = field(default_factory=list)
    fail_with: Exception | None = None
    updated: list[tuple[str, Reply]] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((ref, shown(reply)))
        return f"m{len(self.sent)}"

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        self.updated.append((message_id, shown(reply)))

    def to(self, user: str) -> list[Reply]:
        return [r for ref, r in self.sent if ref.user == user and ref.channel is None]


@dataclass
class Harness:
    app: App
    clock: SimulatedClock
    adapter: RecordingAdapter
    channel: str = "ki-pilot"

    async def say(self, user: str, text: str, **kw: object) -> str:
        """Send ``text`` as ``user``; returns the replies' plain text joined."""
        mentions = {
            tok: PersonRef(id=tok[1:].lower(), name=tok[1:])
            for tok in text.split()
            if tok.startswith("@") and len(tok) > 1
        }
        inbound = Inbound(
            platform="console",
            workspace=str(kw.get("workspace", "local")),
            channel=str(kw.get("channel", self.channel)),
            channel_name=str(kw.get("channel", self.channel)),
            user=PersonRef(id=user, name=user),
            text=text,
            mentions=mentions,
            event_id=kw.get("event_id"),  # type: ignore[arg-type]
            direct=bool(kw.get("direct", False)),
        )
        replies = await self.app.coach.handle(inbound)
        return "\n".join(plain_text(r.text) for r in replies)

    async def advance_to(self, when: datetime) -> None:
        """Move the clock the way the console does: stop at every due moment and tick."""
        await self.app.scheduler.run_until(self.clock, when)


def make_settings(url: str, language: str = "en") -> Settings:
    return Settings(
        database_url=url,
        pilot_default_language=language,  # type: ignore[arg-type]
        pilot_default_timezone="Europe/Berlin",
        pilot_nudge_time="MON 09:00",
        pilot_default_region="DE",
    )


@pytest.fixture
async def harness(db_url: str) -> AsyncIterator[Harness]:
    clock = SimulatedClock(START)
    adapter = RecordingAdapter()
    app = build_app(make_settings(db_url), clock=clock, adapters={"console": adapter})
    yield Harness(app=app, clock=clock, adapter=adapter)
    await app.close()


@pytest.fixture
async def harness_de(db_url: str) -> AsyncIterator[Harness]:
    clock = SimulatedClock(START)
    adapter = RecordingAdapter()
    app = build_app(make_settings(db_url, "de"), clock=clock, adapters={"console": adapter})
    yield Harness(app=app, clock=clock, adapter=adapter)
    await app.close()


@pytest.fixture
async def server(harness: Harness) -> AsyncIterator[str]:
    """The real HTTP app of ``harness`` on a free local port; yields its base URL."""
    runner = web.AppRunner(build_web_app(harness.app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()
