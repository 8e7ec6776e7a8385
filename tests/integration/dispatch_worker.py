"""A dispatcher process for the multi-process test: delivers due outbox rows to a fake platform.

Usage: python -m tests.integration.dispatch_worker DB_URL FAKE_URL [--kill-after N] [--offset S]
``--kill-after`` exits hard right after the Nth platform 200, before the commit (a crash in the
duplicate window); ``--offset`` runs the clock S seconds ahead (to pick up expired leases).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.app import build_app
from bot.messages import ConversationRef, Reply
from bot.ports import DeliveryError
from tests.conftest import make_settings


class OffsetClock:
    def __init__(self, offset: float) -> None:
        self.offset = timedelta(seconds=offset)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class HttpAdapter:
    platform = "http"

    def __init__(self, url: str, kill_after: int | None) -> None:
        self.url = url
        self.kill_after = kill_after
        self.count = 0
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def send(self, ref: ConversationRef, reply: Reply) -> None:
        assert self.session is not None
        async with self.session.post(self.url, json={"key": reply.text, "pid": os.getpid()}) as r:
            if r.status == 429:
                raise DeliveryError("HTTP 429", retry_after=float(r.headers["Retry-After"]))
            if r.status >= 400:
                raise DeliveryError(f"HTTP {r.status}")
        self.count += 1
        if self.kill_after is not None and self.count >= self.kill_after:
            os._exit(3)  # killed after the platform's 200, before our commit


async def main(db_url: str, fake_url: str, kill_after: int | None, offset: float) -> None:
    adapter = HttpAdapter(fake_url, kill_after)
    await adapter.start()
    app = build_app(make_settings(db_url), clock=OffsetClock(offset), adapters={"http": adapter})
    try:
        idle = 0
        while idle < 3:
            sent = await app.dispatcher.dispatch(limit=50)
            idle = idle + 1 if sent == 0 else 0
            await asyncio.sleep(0.05)
    finally:
        await adapter.stop()
        await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("fake_url")
    parser.add_argument("--kill-after", type=int, default=None)
    parser.add_argument("--offset", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(main(args.db_url, args.fake_url, args.kill_after, args.offset))
