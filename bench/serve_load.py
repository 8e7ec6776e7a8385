"""Load benchmark of the real service: ``pilot-coach serve`` during a Monday fan-out.

Seeds N pilots (one Slack workspace each, three role owners) whose weekly slot has passed but
who are not due yet, starts the real ``pilot-coach serve`` as a subprocess against a fake Slack
Web API in a process of its own, then:

1. idle: measures the CPU the idle process spends per tick (nothing due), then sends signed
   ``/pilot help`` slash commands at a fixed rate (open loop: each at its moment, whatever the
   server does) for ``--idle`` seconds;
2. load: makes every pilot due (what 09:00 on a Monday does) and sends the same script at the
   same rate while the fan-out runs, until every nudge is delivered (at least ``--load`` s).

Reports per database: commands sent / answered (``response_url``) / answered busy (in the ack
itself) / silent, ack p50/p99 idle and under load (and their ratio), the answer's p50/p99 (what
the user waits for), time to deliver the Monday (from the moment the pilots fell due; the tick
runs every ``--tick`` s), idle-tick CPU, peak RSS of ``serve``. The last line is one JSON object.

    .venv/bin/python bench/serve_load.py --pilots 10000 --rate 20 \\
        --pg postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import create_engine, func, select, text, update

from bot.services.snapshot import schedule_of
from playbook import calendar
from storage.db import sync_url, upgrade
from storage.tables import OutboxMessage, Person, Pilot, RoleAssignment, Workspace

SECRET = "bench-signing-secret-0123456789ab"
TOKEN = "xoxb-bench-0000"
ZONE = "Europe/Berlin"
LATER = datetime(2100, 1, 1, tzinfo=UTC)  # seeded next_due_at: not due until the load phase
USERS = 50  # the people who type commands (users.info is cached per person)
BUSY_WORDS = ("try again in a minute", "in einer Minute")


# ---- the fake Slack Web API (own process) ---------------------------------------------------
# A bare asyncio protocol, not aiohttp.web: the fake shares the 2-core machine with the service
# it measures, so every microsecond it spends per request is taken from ``serve``. It speaks just
# enough HTTP/1.1 (Content-Length bodies, keep-alive) for aiohttp's client.
_OK = b'{"ok":true}'
_POSTED = b'{"ok":true,"ts":"1.0","channel":"D1"}'
_USER = b'{"ok":true,"user":{"id":"U1","name":"bench","profile":{"display_name":"Bench"}}}'
_AUTH = b'{"ok":true,"team_id":"T0","user_id":"UBOT","bot_id":"BBOT"}'


def _http(body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\nConnection: keep-alive\r\n\r\n" + body)  # fmt: skip


class _FakeSlack(asyncio.Protocol):
    # one fake per process: what every connection saw, for /stats
    posts: ClassVar[list[float]] = []
    answers: ClassVar[dict[str, float]] = {}
    failed: ClassVar[list[str]] = []  # answers that say "something went wrong"
    counts: ClassVar[dict[str, int]] = {}

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4 : head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length :]
            path = head.split(b" ", 2)[1].decode()
            self.transport.write(self.handle(path, body))

    def handle(self, path: str, body: bytes) -> bytes:
        if path.startswith("/api/"):
            method = path[5:]
            counts = self.counts
            counts[method] = counts.get(method, 0) + 1
            if method == "chat.postMessage":
                self.posts.append(time.time())
                return _http(_POSTED)
            if method == "conversations.open":
                users = body.partition(b"users=")[2].partition(b"&")[0]
                return _http(b'{"ok":true,"channel":{"id":"D' + users + b'"}}')
            if method == "users.info":
                return _http(_USER)
            if method == "auth.test":
                return _http(_AUTH)
            return _http(_OK)
        if path.startswith("/response/"):
            name = path[len("/response/") :]
            self.answers.setdefault(name, time.time())
            if b"went wrong" in body:
                self.failed.append(name)
            return _http(b"ok", b"text/plain")
        if path == "/stats":
            posts = self.posts
            first, last = (min(posts), max(posts)) if posts else (None, None)
            return _http(json.dumps({"posts": len(posts), "first_post": first, "last_post": last,
                                     "answers": self.answers, "counts": self.counts,
                                     "failed": self.failed}).encode())  # fmt: skip
        return _http(_OK)


def _fake_api(port_queue: Any) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_FakeSlack, "127.0.0.1", 0)
        port_queue.put(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


# ---- seeding --------------------------------------------------------------------------------
def _start_date(now: datetime) -> tuple[Any, int]:
    """A start date whose current week's Monday-00:05 slot has passed (holidays move slots)."""
    start = calendar.monday_of(calendar.local_date(now, ZONE))
    probe = Pilot(workspace_id=0, channel_id="", start_date=start, timezone=ZONE, language="de",
                  nudge_weekday=0, nudge_time="00:05", region="DE", created_at=now)  # fmt: skip
    for _ in range(8):
        probe.start_date = start
        week = calendar.pilot_week(start, now, ZONE)
        if calendar.weekly_slot(start, max(week, 1), schedule_of(probe)) <= now:
            return start, week
        start -= timedelta(days=7)
    raise SystemExit("no start date with a passed slot found")


def seed(url: str, pilots: int) -> int:
    """N pilots, not due (next_due_at far ahead); returns their week."""
    if sync_url(url).get_backend_name() == "postgresql":
        engine = create_engine(sync_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    now = datetime.now(UTC)
    start, week = _start_date(now)
    engine = create_engine(sync_url(url))
    if not pilots:
        return week
    with engine.begin() as conn:
        conn.execute(
            Workspace.__table__.insert(),  # type: ignore[attr-defined]
            [{"id": i + 1, "platform": "slack", "external_id": f"T{i:06d}", "name": ""}
             for i in range(pilots)],
        )  # fmt: skip
        conn.execute(
            Pilot.__table__.insert(),  # type: ignore[attr-defined]
            [{"id": i + 1, "workspace_id": i + 1, "channel_id": f"C{i:06d}", "channel_name": "ki",
              "cycle": 1, "start_date": start, "timezone": ZONE, "language": "de",
              "nudge_weekday": 0, "nudge_time": "00:05", "region": "DE", "status": "open",
              "created_at": now, "next_due_at": LATER} for i in range(pilots)],
        )  # fmt: skip
        conn.execute(
            Person.__table__.insert(),  # type: ignore[attr-defined]
            [{"id": 3 * i + r + 1, "workspace_id": i + 1, "external_id": f"U{i:06d}{r}",
              "display_name": f"person{r}"} for i in range(pilots) for r in range(3)],
        )  # fmt: skip
        roles = ("champion", "modeler", "integrator")
        conn.execute(
            RoleAssignment.__table__.insert(),  # type: ignore[attr-defined]
            [{"pilot_id": i + 1, "role": roles[r], "person_id": 3 * i + r + 1,
              "assigned_at": now - timedelta(days=1)} for i in range(pilots) for r in range(3)],
        )  # fmt: skip
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequences on
            for name in ("workspaces", "pilots", "people", "role_assignments"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT max(id) FROM {name}))"))  # fmt: skip
    engine.dispose()
    return week


def make_due(url: str) -> float:
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(update(Pilot.__table__).values(next_due_at=None))  # type: ignore[attr-defined]
    engine.dispose()
    return time.time()


def outbox_state(url: str) -> tuple[int, int, int]:
    """(nudges written, nudges still pending, pilots not yet planned)."""
    engine = create_engine(sync_url(url))
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    nudges = table.c.kind != "reply"
    with engine.connect() as conn:
        written = conn.execute(select(func.count()).where(nudges)).scalar_one()
        pending = conn.execute(
            select(func.count()).where(nudges, table.c.status == "pending")
        ).scalar_one()
        unplanned = conn.execute(
            select(func.count()).where(Pilot.__table__.c.next_due_at.is_(None))  # type: ignore[attr-defined]
        ).scalar_one()
    engine.dispose()
    return written, pending, unplanned


# ---- the service ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(url: str, api: str, port: int, tick: float, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api, "PORT": str(port),
           "HOST": "127.0.0.1", "LOG_LEVEL": "INFO", "LOG_FORMAT": "json",  # as users run it
           "PILOT_TICK_SECONDS": str(tick), "PILOT_DEFAULT_LANGUAGE": "en"}  # fmt: skip
    exe = Path(sys.executable).with_name("pilot-coach")
    return subprocess.Popen([str(exe), "serve"], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)  # fmt: skip


def family(pid: int) -> list[int]:
    """``pid`` and its descendants (``serve`` starts its scheduler as ``pilot-coach worker``)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU (user + system) of ``pid`` alone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    return sum(cpu_seconds(p) for p in family(pid))


def peak_rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


async def wait_healthy(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("serve did not become healthy")


# ---- the commands -------------------------------------------------------------------------------
class Script:
    """Signed ``/pilot help`` commands at a fixed rate (open loop)."""

    def __init__(self, base: str, fake: str, rate: float) -> None:
        self.base, self.fake, self.rate = base, fake, rate
        self.sent: dict[str, dict[str, Any]] = {}  # name -> {at, ack_ms, busy, status}
        self._n = 0

    async def run(self, session: aiohttp.ClientSession, phase: str, until: Any) -> None:
        started = time.monotonic()
        tasks = []
        i = 0
        while not until(time.monotonic() - started):
            moment = started + i / self.rate
            await asyncio.sleep(max(moment - time.monotonic(), 0))
            tasks.append(asyncio.create_task(self._one(session, phase)))
            i += 1
        await asyncio.gather(*tasks)

    async def _one(self, session: aiohttp.ClientSession, phase: str) -> None:
        self._n += 1
        name = f"{phase}-{self._n}"
        user = f"UBENCH{self._n % USERS:03d}"
        form = {"token": "x", "team_id": "T000000", "team_domain": "bench",
                "channel_id": f"CB{self._n % 200:05d}", "channel_name": "bench", "user_id": user,
                "user_name": user.lower(), "command": "/pilot", "text": "help",
                "api_app_id": "A0BENCH", "is_enterprise_install": "false",
                "response_url": f"{self.fake}/response/{name}",
                "trigger_id": f"{self._n}.1.{self._n:032x}"}  # fmt: skip
        body = urlencode(form)
        ts = str(int(time.time()))
        base = f"v0:{ts}:{body}".encode()
        signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}  # fmt: skip
        at = time.time()
        record: dict[str, Any] = {"at": at, "phase": phase}
        self.sent[name] = record
        try:
            async with session.post(f"{self.base}/slack/events", data=body, headers=headers) as r:
                answer = await r.text()
                record["status"] = r.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            record["status"], answer = type(exc).__name__, ""
        record["ack_ms"] = (time.time() - at) * 1000
        record["busy"] = any(w in answer for w in BUSY_WORDS)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


async def fake_stats(fake: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{fake}/stats") as r:
        return dict(await r.json())


# ---- one run -----------------------------------------------------------------------------------
async def run(
    url: str, label: str, args: argparse.Namespace, fake: str, fake_pid: int, tmp: Path
) -> dict[str, Any]:
    t0 = time.perf_counter()
    week = seed(url, args.pilots)
    seeded_s = time.perf_counter() - t0
    port = free_port()
    log = tmp / f"serve-{label}.log"
    proc = start_serve(url, f"{fake}/api/", port, args.tick, log)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base)
        await asyncio.sleep(args.tick * 2)  # the first ticks: nothing due
        # CPU per tick in each of eight windows of one tick, the median: the worker process
        # starts after ``serve`` is healthy, and its start-up must not count as a tick.
        per_tick = []
        for _ in range(8):
            cpu0, w0 = tree_cpu(proc.pid), time.monotonic()
            await asyncio.sleep(args.tick)
            per_tick.append((tree_cpu(proc.pid) - cpu0) / ((time.monotonic() - w0) / args.tick))
        idle_tick_ms = statistics.median(per_tick)
        script = Script(base, fake, args.rate)
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await script.run(session, "idle", lambda s: s >= args.idle)
            pids = {"serve": [proc.pid], "worker": family(proc.pid)[1:], "fake": [fake_pid],
                    "bench": [os.getpid()]}  # fmt: skip
            cpu_before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
            loads = [load_average()]
            due_at = make_due(url)
            done: dict[str, float] = {}

            def load_over(elapsed: float) -> bool:
                if elapsed < args.load:
                    return False
                if "delivered" not in done and elapsed < args.max_load:
                    # a look at the database once a second, not before every command
                    if elapsed - done.get("looked", 0.0) < 1.0:
                        return False
                    done["looked"] = elapsed
                    loads.append(load_average())
                    written, pending, unplanned = outbox_state(url)
                    if not (written and not pending and not unplanned):
                        return False
                    done["delivered"] = time.time()
                return True

            await script.run(session, "load", load_over)
            cpu_load = {k: round(sum(cpu_seconds(p) for p in v) - cpu_before[k], 1)
                        for k, v in pids.items()}  # fmt: skip
        # stragglers: answers retried through the outbox come within a few ticks
        deadline = time.monotonic() + args.grace
        stats = await fake_stats(fake)
        while time.monotonic() < deadline:
            unanswered = [n for n, r in script.sent.items()
                          if not r["busy"] and n not in stats["answers"]]  # fmt: skip
            written, pending, unplanned = outbox_state(url)
            if not unanswered and written and not pending and not unplanned:
                break
            await asyncio.sleep(1)
            stats = await fake_stats(fake)
        rss = {"serve": peak_rss_mb(proc.pid),
               "worker": sum(peak_rss_mb(p) for p in pids["worker"])}  # fmt: skip
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    written, pending, unplanned = outbox_state(url)
    answers: dict[str, float] = stats["answers"]
    result: dict[str, Any] = {"db": label, "pilots": args.pilots, "week": week,
                              "rate_per_s": args.rate, "seed_s": round(seeded_s, 1)}  # fmt: skip
    for phase in ("idle", "load"):
        sent = {n: r for n, r in script.sent.items() if r["phase"] == phase}
        acked = [r["ack_ms"] for r in sent.values() if r.get("status") == 200]
        busy = [n for n, r in sent.items() if r["busy"]]
        answered = [n for n in sent if n in answers]
        failed = [n for n in answered if n in set(stats["failed"])]
        waits = [(answers[n] - sent[n]["at"]) * 1000 for n in answered]
        result[phase] = {
            "sent": len(sent), "acked_200": len(acked), "answered": len(answered),
            "answered_busy": len(busy), "silent": len(sent) - len(answered) - len(busy),
            "answered_went_wrong": len(failed),
            "ack_p50_ms": pct(acked, 50), "ack_p99_ms": pct(acked, 99),
            "answer_p50_ms": pct(waits, 50), "answer_p99_ms": pct(waits, 99),
        }  # fmt: skip
    idle, load = result["idle"], result["load"]
    result["ack_p99_ratio"] = (
        round(load["ack_p99_ms"] / idle["ack_p99_ms"], 2)
        if load["ack_p99_ms"] and idle["ack_p99_ms"] else None
    )  # fmt: skip
    last = stats["last_post"]
    result.update(
        nudges_written=written, nudges_pending=pending, pilots_unplanned=unplanned,
        nudges_posted=stats["posts"],
        deliver_s=round(last - due_at, 1) if last else None,
        first_post_s=round(stats["first_post"] - due_at, 1) if stats["first_post"] else None,
        conversations_open=stats["counts"].get("conversations.open", 0),
        idle_tick_cpu_ms=round(idle_tick_ms * 1000, 1), peak_rss_mb=round(sum(rss.values()), 1),
        peak_rss_by_process_mb=rss, tick_s=args.tick, cpu_during_load_s=cpu_load,
        load_average=[min(loads), max(loads)],
        errors_in_log=_errors(log),
    )  # fmt: skip
    return result


def _errors(log: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in log.read_text("utf-8", "replace").splitlines():
        if '"ERROR"' in line or "database is locked" in line or "QueuePool limit" in line:
            key = ("database is locked" if "database is locked" in line else
                   "pool timeout" if "QueuePool limit" in line else "error")  # fmt: skip
            found[key] = found.get(key, 0) + 1
    return found


def row(r: dict[str, Any]) -> str:
    idle, load = r["idle"], r["load"]
    sent = idle["sent"] + load["sent"]
    answered = idle["answered"] + load["answered"]
    busy = idle["answered_busy"] + load["answered_busy"]
    return (
            f"| {r['db']}, {r['pilots']:,} pilots, {r['rate_per_s']:g}/s | {sent:,} | "
            f"{answered:,} | {busy:,} | {sent - answered - busy} | "
            f"{idle['ack_p50_ms']} / {idle['ack_p99_ms']} → {load['ack_p50_ms']} / "
            f"{load['ack_p99_ms']} ms ({r['ack_p99_ratio']}×) | {load['answer_p50_ms']} / "
            f"{load['answer_p99_ms']} ms | {r['nudges_posted']:,} of {r['nudges_written']:,} "
            f"in {r['deliver_s']} s | {r['idle_tick_cpu_ms']} ms | {r['peak_rss_mb']} MB | "
            f"{r['load_average'][0]:g}–{r['load_average'][1]:g} |"
    )  # fmt: skip


HEADER = ("| setup | commands | answered | answered busy | silent | ack p50/p99 idle → load "
          "| answer p50/p99 under load | Monday delivered (from due) | idle tick CPU | peak RSS "
          "| load average |\n" + "| --- " * 11 + "|")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of the idle script")
    parser.add_argument("--load", type=float, default=20.0, help="at least this many seconds")
    parser.add_argument("--max-load", type=float, default=150.0, help="at most this many")
    parser.add_argument("--grace", type=float, default=60.0, help="wait for late answers")
    parser.add_argument("--tick", type=float, default=2.0, help="PILOT_TICK_SECONDS of serve")
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (its schema is DROPPED)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep", default="", help="a folder for the databases and serve logs")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = args.keep or tmp
        Path(tmp).mkdir(parents=True, exist_ok=True)
        targets = [] if args.no_sqlite else [("SQLite", f"sqlite:///{tmp}/bench.db")]
        targets += [("PostgreSQL", args.pg)] if args.pg else []
        for label, url in targets:
            queue: Any = multiprocessing.Queue()  # a fresh fake per database: counts from zero
            api = multiprocessing.Process(target=_fake_api, args=(queue,), daemon=True)
            api.start()
            try:
                fake = f"http://127.0.0.1:{queue.get(timeout=30)}"
                assert api.pid is not None
                results.append(asyncio.run(run(url, label, args, fake, api.pid, Path(tmp))))
            finally:
                api.terminate()
            print(row(results[-1]), flush=True)
    print(HEADER)
    for r in results:
        print(row(r))
    print(json.dumps({"runs": results, "when": datetime.now(ZoneInfo(ZONE)).isoformat()}))


if __name__ == "__main__":
    main()
