"""The scheduler in a process of its own: ``pilot-coach worker``, which ``serve`` starts.

A Monday's fan-out (planning thousands of pilots, tens of thousands of Slack calls) is CPU work
of its own. In the process that acknowledges commands it competes with them for the one event
loop: acknowledgements and answers wait behind the fan-out's slices and the fan-out behind the
commands. In a process of its own each has a core (where there is one to have), its own
connections and its own event loop; the two meet only in the database (SQLite: each write
transaction begins with ``BEGIN IMMEDIATE``, so a writer of one process waits for the other's
short transaction; PostgreSQL: the conversation locks and ``SKIP LOCKED`` claims, as between
replicas).

``PILOT_SCHEDULER`` chooses: ``process`` (default: ``serve`` starts ``pilot-coach worker`` and
restarts it should it die), ``inline`` (the scheduler runs in the ``serve`` process itself),
``off`` (no scheduler in this process: run ``pilot-coach worker`` as a unit of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

from bot.app import build_app
from bot.settings import Settings
from storage.db import is_in_memory, require_current

log = logging.getLogger("pilot_coach.worker")

# aiosqlite runs each statement in a thread of its own, whose result then waits for the GIL
# while the event loop works: up to the switch interval (5 ms by default) per statement, all
# of it while the transaction holds SQLite's one writer. A shorter interval shortens that wait.
SWITCH_INTERVAL = 0.001

# The worker runs at a somewhat lower CPU priority: on a machine with few cores its fan-out
# would otherwise take the CPU the command process (and PostgreSQL's own processes) need to
# acknowledge and answer. Not much lower: the scheduler weighs nice 10 at a tenth of nice 0, so
# on a shared server any busy neighbour would starve the Monday (two cores, one taken by a
# spinning process: the PostgreSQL Monday in 22-34 s at nice 4, 29-35 s at nice 10, the
# commands' ack p99 alike; README, Benchmarks). (A lower priority can only be asked for.)
NICE = 4

RESTART_DELAY = 5.0  # seconds before a worker that died is started again
STOP_WAIT = 20.0  # seconds a stopping worker gets to finish its transaction and sends


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Plan and deliver on ``settings``' database until SIGINT/SIGTERM (or ``stop``)."""
    await asyncio.to_thread(require_current, settings.database_url)
    sys.setswitchinterval(SWITCH_INTERVAL)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    app = build_app(settings)  # its adapters only send: no routes, no Socket Mode
    app.uow.writer.polite = True  # SQLite: commands waiting for the writer go first
    try:
        app.scheduler.start()
        log.info("worker: scheduler running (tick every %s s)", settings.pilot_tick_seconds)
        await stop.wait()
    finally:
        await app.close()


def scheduler_mode(settings: Settings) -> str:
    """Where ``serve`` runs the scheduler: ``process``, ``inline`` or ``off``. An in-memory
    database exists in one process only, so it keeps the scheduler inline."""
    if settings.pilot_scheduler == "process" and is_in_memory(settings.database_url):
        return "inline"
    return settings.pilot_scheduler


class WorkerProcess:
    """``serve``'s child ``pilot-coach worker``: started with the server, started again when it
    dies, stopped (SIGTERM, then SIGKILL after ``STOP_WAIT``) with the server."""

    def __init__(self, debug: bool = False) -> None:
        self.command = [sys.executable, "-m", "bot.cli", *(["--debug"] if debug else []), "worker"]
        self.process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        while not self._stopping:
            self.process = await asyncio.create_subprocess_exec(*self.command, env=os.environ)
            log.info("worker started pid=%s", self.process.pid)
            code = await self.process.wait()
            if self._stopping:
                return
            log.error("worker exited code=%s; starting it again in %s s", code, RESTART_DELAY)
            await asyncio.sleep(RESTART_DELAY)

    async def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_WAIT)
            except TimeoutError:
                log.error("worker did not stop within %s s: killed", STOP_WAIT)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
