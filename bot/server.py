"""``pilot-coach serve``: one asyncio process with the HTTP routes and the scheduler.

Adapters that serve HTTP (Slack, Teams) implement ``HttpAdapter.add_routes``; this module only
adds the operational routes (``/healthz``) and runs everything until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Protocol

from aiohttp import web

from bot import observability
from bot.app import App, build_app
from bot.limits import BadJson, load_json, parse_id
from bot.services.webhook import push_metric
from bot.settings import Settings, is_loopback
from bot.worker import SWITCH_INTERVAL, WorkerProcess, scheduler_mode
from storage.db import require_current

log = logging.getLogger("pilot_coach.server")
PILOT_APP = web.AppKey("pilot_app", App)


class HttpAdapter(Protocol):
    def add_routes(self, web_app: web.Application) -> None: ...


async def healthz(request: web.Request) -> web.Response:
    app: App = request.app[PILOT_APP]
    body: dict[str, object] = {"status": "ok", "db": "ok"}
    try:
        async with app.uow() as uow:
            await uow.ping()
            oldest = await uow.outbox.oldest_due(app.clock.now())
    except Exception as exc:  # any database failure makes the service unhealthy
        log.warning("health check failed: %s", type(exc).__name__)
        return web.json_response({"status": "error", "db": "unreachable"}, status=503)
    age = (app.clock.now() - oldest).total_seconds() if oldest else 0.0
    body["outbox_oldest_due_seconds"] = round(age, 1)
    return web.json_response(body)


MAX_HOOK_BODY = 16 * 1024


async def metrics_hook(request: web.Request) -> web.Response:
    """``POST /hooks/metrics/{pilot_id}``: a metric value from an automation tool."""
    app: App = request.app[PILOT_APP]
    pilot_id = parse_id(request.match_info["pilot_id"])
    if pilot_id is None:  # no such pilot can exist: as unauthorised as a wrong token
        return web.json_response({"error": "unauthorized"}, status=401)
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return web.json_response({"error": "unauthorized"}, status=401)
    if (request.content_length or 0) > MAX_HOOK_BODY:
        return web.json_response({"error": "too large"}, status=413)
    raw = await request.read()
    try:
        data = load_json(raw, max_bytes=MAX_HOOK_BODY)
    except BadJson as exc:
        if exc.reason == "too_large":
            return web.json_response({"error": "too large"}, status=413)
        data = None  # malformed or too deep: push_metric answers 401 or 422 not_an_object
    result = await push_metric(app.uow, app.clock, pilot_id, token.strip(), data)
    return web.json_response(result.body, status=result.status)


async def metrics(request: web.Request) -> web.Response:
    app: App = request.app[PILOT_APP]
    try:
        async with app.uow() as uow:
            oldest = await uow.outbox.oldest_due(app.clock.now())
        observability.OUTBOX_AGE.set((app.clock.now() - oldest).total_seconds() if oldest else 0)
    except Exception:  # the metrics stay available when the database is not
        log.warning("outbox age unavailable")
    body, content_type = observability.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


def build_web_app(app: App) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024, middlewares=[observability.measure])
    web_app[PILOT_APP] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    web_app.router.add_post("/hooks/metrics/{pilot_id}", metrics_hook)
    for adapter in app.adapters.values():
        add_routes = getattr(adapter, "add_routes", None)
        if add_routes is not None:
            add_routes(web_app)
    return web_app


async def serve(
    app: App, host: str, port: int, stop: asyncio.Event | None = None, *, scheduler: bool = True
) -> None:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM); ``scheduler=False``: without the
    scheduler (another process runs it, see ``bot.worker``)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(build_web_app(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    for adapter in app.adapters.values():
        await adapter.start()
    if scheduler:
        app.scheduler.start()
    log.info("serving on http://%s:%s", host, port)
    try:
        await stop.wait()
    finally:
        app.scheduler.stop()
        await runner.cleanup()


class UnsafeSettings(RuntimeError):
    pass


def check_safe(settings: Settings) -> None:
    """The Teams emulator mode authenticates nobody, so it listens on loopback only. Slack-only
    and authenticated Teams servers may listen anywhere (``/api/messages`` then needs a token or
    does not exist)."""
    if settings.pilot_allow_unauthenticated_teams:
        log.warning("PILOT_ALLOW_UNAUTHENTICATED_TEAMS has no effect any more: Teams runs with "
                    "MICROSOFT_APP_ID, or locally with PILOT_TEAMS_EMULATOR=1")  # fmt: skip
    if settings.microsoft_app_id or not settings.pilot_teams_emulator:
        return
    if not is_loopback(settings.host):
        raise UnsafeSettings(
            f"PILOT_TEAMS_EMULATOR=1 accepts unauthenticated Teams requests, so HOST must be a "
            f"loopback address (127.0.0.1, ::1 or localhost), not {settings.host}: set "
            "MICROSOFT_APP_ID for a reachable Teams endpoint"
        )
    log.warning("Teams emulator mode: /api/messages is NOT authenticated (loopback only)")


async def run_server(settings: Settings, debug: bool = False) -> None:
    check_safe(settings)
    await asyncio.to_thread(require_current, settings.database_url)
    sys.setswitchinterval(SWITCH_INTERVAL)  # see bot.worker
    mode = scheduler_mode(settings)
    app = build_app(settings, scheduler_pool=mode == "inline")
    worker = WorkerProcess(debug) if mode == "process" else None
    try:
        if worker is not None:
            worker.start()
        await serve(app, settings.host, settings.port, scheduler=mode == "inline")
    finally:
        if worker is not None:
            await worker.stop()
        await app.close()
