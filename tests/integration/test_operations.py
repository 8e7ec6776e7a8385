"""Operations and data protection: Prometheus counters, forget (nothing of the name left in a
dump, results still render), Art. 15 export, backup round trip SQLite -> PostgreSQL, retention,
doctor, healthz."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot import backup
from bot.catalog import texts
from bot.server import build_web_app
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from bot.services.summary_views import results_reply
from storage.db import upgrade
from storage.tables import Pilot
from tests.conftest import Harness, _reset_postgres, make_settings

EXE = str(Path(sys.executable).parent / "pilot-coach")


async def _pilot(h: Harness) -> None:
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    await h.say("clara", "assign modeler @olafsson")
    await h.say("olafsson", 'metric add "repair time" days baseline=8 lower')
    await h.say("olafsson", "checkin repair time 7 olafsson was here")
    await h.say("olafsson", "checkin repair time 6")
    await h.say("olafsson", "done list-candidates Olafsson's list")
    await h.say("olafsson", "retro 1 Olafsson liked it")
    await h.app.scheduler.tick()


def _value(metrics: str, name: str, **labels: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_counters_move(harness: Harness, server: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server}/metrics") as r:
            before = await r.text()
        await harness.say("clara", "start 2027-01-04")
        await harness.say("clara", "nonsense")
        await harness.say("clara", "assign champion @clara")
        await harness.app.scheduler.tick()
        async with http.get(f"{server}/healthz") as r:
            health = await r.json()
        async with http.get(f"{server}/metrics") as r:
            after = await r.text()
    assert health == {"status": "ok", "db": "ok", "outbox_oldest_due_seconds": 0.0}
    name = "pilot_coach_commands_total"
    for command, outcome in (("start", "ok"), ("unknown", "ok"), ("assign", "ok")):
        labels = {"platform": "console", "command": command, "outcome": outcome}
        assert _value(after, name, **labels) == _value(before, name, **labels) + 1
    sent = "pilot_coach_deliveries_sent_total"
    weekly = {"platform": "console", "kind": "weekly"}
    assert _value(after, sent, **weekly) == _value(before, sent, **weekly) + 1
    http_count = "pilot_coach_http_request_seconds_count"
    assert _value(after, http_count, route="/metrics", method="GET", status="200") >= 1


async def test_forget_leaves_no_trace_but_results_still_render(harness: Harness) -> None:
    h = harness
    await _pilot(h)
    assert "Only the Champion" in await h.say("olafsson", "forget @clara")
    out = await h.say("clara", "forget @olafsson")
    assert out.startswith("Done: in the pilots you champion, that person's roles have ended")
    dump = await backup.dump(h.app.settings)
    assert "olafsson" not in dump.lower()
    assert "former-member-" in dump
    async with h.app.uow() as uow:
        pilot = (await uow.pilots.all_pilots())[0]
        summary = await load_summary(uow, await load_snapshot(uow, pilot, h.clock.now()))
    reply = results_reply(texts("en"), summary)
    # two check-ins of week 1: one week value, a baseline measurement, no improvement claimed
    assert "repair time: baseline 8 days, not enough data from weeks 9–12 yet" in reply.text
    assert "olafsson" not in reply.text.lower()
    assert "Process modeler: not assigned" in reply.text
    status = await h.say("clara", "status")
    assert "The Process modeler role" not in status and "Process modeler: not assigned" in status


async def test_export_user_lists_their_data(harness: Harness) -> None:
    await _pilot(harness)
    data = json.loads(await backup.export_person(harness.app.settings, "olafsson"))
    person = data["people"][0]
    assert person["person"]["display_name"] == "olafsson"
    assert [r["role"] for r in person["roles"]] == ["modeler"]
    assert [c["note"] for c in person["checkins"]] == ["olafsson was here", ""]
    assert person["retrospective"][0]["text"] == "Olafsson liked it"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
async def test_backup_round_trip_sqlite_to_postgres(sqlite_url: str) -> None:
    from bot.app import build_app
    from bot.clock import SimulatedClock
    from tests.conftest import START, RecordingAdapter

    clock = SimulatedClock(START)
    app = build_app(
        make_settings(sqlite_url), clock=clock, adapters={"console": RecordingAdapter()}
    )
    await _pilot(Harness(app=app, clock=clock, adapter=RecordingAdapter()))
    await app.close()
    first = await backup.dump(make_settings(sqlite_url))
    pg = os.environ["TEST_DATABASE_URL"]
    _reset_postgres(pg)
    upgrade(pg)
    counts = await backup.restore(make_settings(pg), first)
    assert counts["checkins"] == 2 and counts["outbox"] >= 1
    assert await backup.dump(make_settings(pg)) == first
    with pytest.raises(backup.BackupError, match="not empty"):
        await backup.restore(make_settings(pg), first)
    with pytest.raises(backup.BackupError, match="not a pilot-coach"):
        await backup.restore(make_settings(pg), '{"hello": 1}')


async def test_retention_blanks_closed_pilots_free_text(harness: Harness) -> None:
    h = harness
    await _pilot(h)
    await h.say("clara", "next cycle")
    h.app.scheduler.retention_days = 30
    assert await h.app.scheduler.expire() == 0  # closed today: kept
    h.clock.set(h.clock.now() + timedelta(days=31))
    assert await h.app.scheduler.expire() == 1
    dump = await backup.dump(h.app.settings)
    assert "olafsson was here" not in dump and "Olafsson liked it" not in dump
    assert '"value": 7.0' in dump  # the numbers stay


async def _doctor(env: dict[str, str]) -> tuple[int, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("PILOT_", "SLACK_", "DATA"))}
    proc = await asyncio.create_subprocess_exec(
        EXE, "doctor", env={**full, **env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_doctor_reports_wrong_token_and_unreachable_database(sqlite_url: str) -> None:
    async def auth_test(request: web.Request) -> web.Response:
        token = request.headers.get("Authorization")
        if token in ("Bearer xoxb-good", "Bearer xoxb-status"):
            scopes = "chat:write,users:read" + (
                ",users.profile:read,dnd:read" if token == "Bearer xoxb-status" else ""
            )
            return web.json_response({"ok": True, "team": "Acme", "user": "pilotcoach"},
                                     headers={"X-OAuth-Scopes": scopes})  # fmt: skip
        return web.json_response({"ok": False, "error": "invalid_auth"})

    api = web.Application()
    api.router.add_post("/api/auth.test", auth_test)
    runner = web.AppRunner(api, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = {"DATABASE_URL": sqlite_url, "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": f"http://127.0.0.1:{port}/api/"}  # fmt: skip
    try:
        code, out = await _doctor({**base, "SLACK_BOT_TOKEN": "xoxb-good"})
        assert code == 0, out
        assert "OK    slack     token valid for team Acme as pilotcoach" in out
        assert "OK    schema" in out
        assert "WARN  status    status reading unavailable (missing users.profile:read, " in out
        code, out = await _doctor({**base, "SLACK_BOT_TOKEN": "xoxb-status"})
        assert code == 0, out
        assert "OK    status    status reading available: out of office also from the " in out
        code, out = await _doctor({**base, "SLACK_BOT_TOKEN": "xoxb-wrong-secret"})
        assert code == 1
        assert "FAIL  slack     auth.test said invalid_auth: check SLACK_BOT_TOKEN" in out
        assert "xoxb-wrong-secret" not in out
        unreachable = "postgresql+psycopg://coach:pw@127.0.0.1:1/nowhere"
        code, out = await _doctor({**base, "DATABASE_URL": unreachable})
        assert code == 1
        assert "FAIL  database  postgresql+psycopg://coach:***@127.0.0.1:1/nowhere is not " in out
        assert ":pw@" not in out
    finally:
        await runner.cleanup()


async def test_healthz_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    from bot.app import build_app

    url = f"sqlite:///{tmp_path / 'gone' / 'x.db'}"
    threads = set(threading.enumerate())
    app = build_app(make_settings(url), adapters={})
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as r,
        ):
            assert r.status == 503
            assert (await r.json())["db"] == "unreachable"
    finally:
        await runner.cleanup()
        await app.close()
        # aiosqlite stops the worker thread of a failed connect without waiting for it; let
        # the threads finish while this test's event loop still takes their last callback.
        for thread in set(threading.enumerate()) - threads:
            if thread.name.endswith("(_connection_worker_thread)"):
                await asyncio.to_thread(thread.join, 5)
    assert Pilot  # the tables module is importable without a database


async def test_doctor_reports_whether_teams_presence_can_be_read(sqlite_url: str) -> None:
    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_secret") == "right" and form.get("grant_type") == "client_credentials":
            return web.json_response({"access_token": "t", "expires_in": 3599})
        return web.json_response({"error": "invalid_client"}, status=401)

    api = web.Application()
    api.router.add_post("/{tenant}/oauth2/v2.0/token", token)
    runner = web.AppRunner(api, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = {"DATABASE_URL": sqlite_url, "PILOT_TEAMS_EMULATOR": "1"}
    graph = {"MICROSOFT_GRAPH_CLIENT_ID": "c", "MICROSOFT_GRAPH_TENANT_ID": "contoso",
             "MICROSOFT_GRAPH_LOGIN_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    try:
        code, out = await _doctor(base)
        assert "OK    presence  not configured (MICROSOFT_GRAPH_CLIENT_ID is empty)" in out
        code, out = await _doctor({**base, **graph, "MICROSOFT_GRAPH_CLIENT_SECRET": "right"})
        assert code == 0, out
        assert "OK    presence  status reading available: out of office also from Teams" in out
        code, out = await _doctor({**base, **graph, "MICROSOFT_GRAPH_CLIENT_SECRET": "wrong"})
        assert code == 1
        assert "FAIL  presence  no Graph token (HTTP 401)" in out and "wrong" not in out
    finally:
        await runner.cleanup()
