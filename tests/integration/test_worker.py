"""``serve``'s scheduler process: where it runs, that it is started again when it dies, and
that stopping the server stops it."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot import worker
from bot.settings import Settings
from bot.worker import WorkerProcess, scheduler_mode


def test_the_scheduler_runs_in_a_process_of_its_own_unless_the_database_is_in_memory() -> None:
    assert scheduler_mode(Settings(database_url="sqlite:///./x.db")) == "process"
    assert scheduler_mode(Settings(database_url="sqlite://")) == "inline"
    assert scheduler_mode(Settings(database_url="sqlite:///./x.db",
                                   pilot_scheduler="off")) == "off"  # fmt: skip
    assert scheduler_mode(Settings(database_url="sqlite:///./x.db",
                                   pilot_scheduler="inline")) == "inline"  # fmt: skip


async def test_a_worker_that_dies_is_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "RESTART_DELAY", 0.05)
    process = WorkerProcess()
    process.command = [sys.executable, "-c", "raise SystemExit(3)"]
    pids: set[int] = set()
    process.start()
    for _ in range(200):
        if process.process is not None:
            pids.add(process.process.pid)
        if len(pids) >= 2:
            break
        await asyncio.sleep(0.05)
    await process.stop()
    assert len(pids) >= 2


async def test_stopping_the_server_stops_its_worker() -> None:
    process = WorkerProcess()
    process.command = [sys.executable, "-c", "import time; time.sleep(60)"]
    process.start()
    for _ in range(200):
        if process.process is not None:
            break
        await asyncio.sleep(0.05)
    assert process.process is not None
    await asyncio.wait_for(process.stop(), 30)
    assert process.process.returncode is not None
