"""Fan-out benchmark: one Monday's nudges for N pilots (3 role owners each).

Reports, in one run: the time to find and enqueue the nudges (the planner), the dispatch rate of
the real dispatcher + Slack adapter against a local fake Slack Web API, and the rate of the same
payloads sent by bare aiohttp and bare httpx loops (the faster one is the floor), as a ratio,
plus peak RSS. The fake API runs in its own process. The last line is one JSON object.

Dispatch and the aiohttp floor alternate in ``ROUNDS`` rounds, each over its own slice of the
Monday's messages (dispatch first in even rounds, the floor first in odd ones), and the rates
are totals over all rounds: a shared machine that slows down for a few seconds then slows both
sides alike instead of deciding the ratio.

    .venv/bin/python bench/fanout.py [--pilots 10000] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import httpx
from aiohttp import web
from sqlalchemy import select, update

from adapters.slack.adapter import proactive_payload
from bot.app import App, build_app
from bot.catalog import texts
from bot.clock import SimulatedClock
from bot.messages import Reply
from bot.settings import Settings
from storage.db import make_engine, upgrade
from storage.tables import OutboxMessage, Person, Pilot, RoleAssignment, Workspace

START = date(2027, 1, 4)
MONDAY = datetime(2027, 1, 18, 9, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # week 3 slot
CONCURRENCY = 64
HTTPX_SAMPLE = 3000
ROUNDS = 6


# ---- the fake Slack Web API (own process) ---------------------------------------------------
def _fake_api(port_queue: Any) -> None:
    async def open_dm(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({"ok": True, "channel": {"id": f"D{form.get('users', '')}"}})

    async def post_message(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True, "ts": "1.0", "channel": "D1"})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/api/conversations.open", open_dm)
        app.router.add_post("/api/chat.postMessage", post_message)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


# ---- seeding --------------------------------------------------------------------------------
async def seed(url: str, pilots: int) -> None:
    engine = make_engine(url)
    now = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(
            Workspace.__table__.insert(),  # type: ignore[attr-defined]
            [{"id": i + 1, "platform": "slack", "external_id": f"T{i:05d}", "name": ""}
             for i in range(pilots)],
        )  # fmt: skip
        await conn.execute(
            Pilot.__table__.insert(),  # type: ignore[attr-defined]
            [{"id": i + 1, "workspace_id": i + 1, "channel_id": f"C{i:05d}", "channel_name": "ki",
              "cycle": 1, "start_date": START, "timezone": "Europe/Berlin", "language": "de",
              "nudge_weekday": 0, "nudge_time": "09:00", "region": "DE", "status": "open",
              "created_at": now} for i in range(pilots)],
        )  # fmt: skip
        await conn.execute(
            Person.__table__.insert(),  # type: ignore[attr-defined]
            [{"id": 3 * i + r + 1, "workspace_id": i + 1, "external_id": f"U{i:05d}{r}",
              "display_name": f"person{r}"} for i in range(pilots) for r in range(3)],
        )  # fmt: skip
        roles = ("champion", "modeler", "integrator")
        await conn.execute(
            RoleAssignment.__table__.insert(),  # type: ignore[attr-defined]
            [{"pilot_id": i + 1, "role": roles[r], "person_id": 3 * i + r + 1,
              "assigned_at": now} for i in range(pilots) for r in range(3)],
        )  # fmt: skip
    await engine.dispose()


# ---- floors: the same payloads with bare clients -----------------------------------------------
def _slack_json(reply: Reply) -> dict[str, Any]:
    t = texts(reply.language or "de")
    return proactive_payload(reply, t("action.snooze"), t("slack.more"))


async def _floor_aiohttp(base: str, payloads: list[tuple[str, dict[str, Any]]]) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:

        async def one(user: str, message: dict[str, Any]) -> None:
            async with sem:
                async with session.post(f"{base}conversations.open", data={"users": user}) as r:
                    channel = (await r.json())["channel"]["id"]
                async with session.post(f"{base}chat.postMessage",
                                        json={"channel": channel, **message}) as r:  # fmt: skip
                    await r.read()

        await asyncio.gather(*(one(u, t) for u, t in payloads))
    return len(payloads) / (time.perf_counter() - started)


async def _floor_httpx(base: str, payloads: list[tuple[str, dict[str, Any]]]) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits) as client:

        async def one(user: str, message: dict[str, Any]) -> None:
            async with sem:
                r = await client.post(f"{base}conversations.open", data={"users": user})
                channel = r.json()["channel"]["id"]
                await client.post(f"{base}chat.postMessage", json={"channel": channel, **message})

        await asyncio.gather(*(one(u, t) for u, t in payloads))
    return len(payloads) / (time.perf_counter() - started)


# ---- the run ------------------------------------------------------------------------------------
async def run(pilots: int, url: str, base: str) -> dict[str, Any]:
    await seed(url, pilots)
    settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_signing_secret="s",
                        slack_api_url=base)  # fmt: skip
    eve = datetime.combine(START, datetime.min.time(), MONDAY.tzinfo) - timedelta(hours=1)
    clock = SimulatedClock(eve)
    app = build_app(settings, clock=clock)
    if "slack" not in app.adapters:
        raise SystemExit("the Slack adapter is not available")
    rss = {"seeded": _rss()}
    # A running service has planned before (every 30 s): the eve of the start reads every
    # pilot and finds nothing due, so the measured plan is Monday's work, not start-up's.
    assert await app.scheduler.plan() == 0
    clock.set(MONDAY)
    started = time.perf_counter()
    enqueued = await app.scheduler.plan()
    enqueue_s = time.perf_counter() - started
    rss["enqueued"] = _rss()
    # The floor sends exactly what the adapter sends: the same Block Kit JSON per message.
    slices = await _stage_rounds(app)
    sent = 0
    elapsed = {"dispatch": 0.0, "aiohttp": 0.0}
    by_round = []
    for round_, payloads in enumerate(slices):
        clock.set(MONDAY + timedelta(minutes=round_))  # this round's slice is due
        times = {}
        for side in ("dispatch", "aiohttp") if round_ % 2 == 0 else ("aiohttp", "dispatch"):
            started = time.perf_counter()
            if side == "dispatch":
                sent += await app.dispatcher.dispatch(limit=1000)
            else:
                await _floor_aiohttp(base, payloads)
            times[side] = time.perf_counter() - started
            elapsed[side] += times[side]
        by_round.append(round(times["aiohttp"] / times["dispatch"], 3))
    rss["dispatched"] = _rss()
    await app.close()
    floors = {
        "aiohttp": sum(len(p) for p in slices) / elapsed["aiohttp"],
        # httpx is an order of magnitude slower here (encode/httpx#3215): a sample gives its rate
        "httpx": await _floor_httpx(base, slices[0][:HTTPX_SAMPLE]),
    }
    floor_client = max(floors, key=lambda k: floors[k])
    dispatch_per_s = sent / elapsed["dispatch"]
    return {
        "pilots": pilots,
        "enqueued": enqueued,
        "sent": sent,
        "enqueue_s": round(enqueue_s, 2),
        "dispatch_per_s": round(dispatch_per_s, 1),
        "floor_per_s": round(floors[floor_client], 1),
        "floor_client": floor_client,
        "floors_per_s": {k: round(v, 1) for k, v in floors.items()},
        "ratio": round(dispatch_per_s / floors[floor_client], 3),
        "ratio_by_round": by_round,
        "peak_rss_mb": _rss(),
        "peak_rss_mb_by_phase": rss,
    }


def _rss() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _stage_rounds(app: App) -> list[list[tuple[str, dict[str, Any]]]]:
    """Split the enqueued Monday into ``ROUNDS`` slices (round k's rows fall due k minutes
    after the slot) and return each slice's payloads for the floor, in the same order."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    slices: list[list[tuple[str, dict[str, Any]]]] = [[] for _ in range(ROUNDS)]
    async with app.engine.begin() as conn:
        rows = await conn.stream(select(table.c.id, table.c.target, table.c.payload))
        async for id_, target, payload in rows:
            slices[id_ % ROUNDS].append((target["user"], _slack_json(Reply.from_json(payload))))
        for k in range(ROUNDS):
            await conn.execute(
                update(table)
                .where(table.c.id % ROUNDS == k)
                .values(next_attempt_at=MONDAY + timedelta(minutes=k))
            )
    return slices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    args = parser.parse_args()
    queue: Any = multiprocessing.Queue()
    api = multiprocessing.Process(target=_fake_api, args=(queue,), daemon=True)
    api.start()
    try:
        base = f"http://127.0.0.1:{queue.get(timeout=30)}/api/"
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite:///{tmp}/bench.db"
            upgrade(url)
            result = asyncio.run(run(args.pilots, url, base))
    finally:
        api.terminate()
    print(f"enqueue {result['enqueued']} nudges for {result['pilots']} pilots: "
          f"{result['enqueue_s']} s; dispatch {result['dispatch_per_s']}/s vs floor "
          f"{result['floor_per_s']}/s ({result['floor_client']}); peak RSS "
          f"{result['peak_rss_mb']} MB")  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
