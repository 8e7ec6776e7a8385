"""SQLite's one writer across processes (``serve`` and its worker): the file lock makes a writer
of one wait for the other's transaction, a waiting command writer goes before the polite
scheduler, and a cancelled wait leaves no lock behind. Two ``WriterLock``s on one database file
stand for two processes (``flock`` locks of different open files exclude each other)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, upgrade
from storage.locks import WriterLock, yielding
from storage.repositories import UnitOfWorkFactory


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    upgrade(url)
    first, second = make_engine(url), make_engine(url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def _settles(task: asyncio.Task[object], seconds: float = 0.15) -> bool:
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return bool(done)


async def test_a_writer_of_another_process_waits_for_the_transaction(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    serve, worker = WriterLock(engines[0]), WriterLock(engines[1])
    assert await serve.acquire()
    waiting = asyncio.create_task(worker.acquire())
    assert not await _settles(waiting)  # the other process holds the writer
    serve.release()
    assert await _settles(waiting, 5)
    worker.release()


async def test_a_waiting_command_writer_goes_before_the_polite_scheduler(
    engines: tuple[AsyncEngine, AsyncEngine], tmp_path: Path
) -> None:
    holder, command = WriterLock(engines[0]), WriterLock(engines[0])
    scheduler = WriterLock(engines[1])
    scheduler.polite = True
    order: list[str] = []

    async def write(lock: WriterLock, name: str) -> None:
        with yielding():
            await lock.acquire()
        order.append(name)
        await asyncio.sleep(0.05)
        lock.release()

    assert await holder.acquire()
    first = asyncio.create_task(write(command, "command"))
    await asyncio.sleep(0.05)  # the command writer waits (and says so)
    second = asyncio.create_task(write(scheduler, "scheduler"))
    await asyncio.sleep(0.05)
    holder.release()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert order == ["command", "scheduler"]


async def test_a_cancelled_wait_leaves_no_lock_behind(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    serve, worker = WriterLock(engines[0]), WriterLock(engines[1])
    assert await serve.acquire()
    waiting = asyncio.create_task(worker.acquire())
    assert not await _settles(waiting)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    serve.release()
    # the cancelled wait's thread got the file lock and gave it back: both can write again
    assert await asyncio.wait_for(serve.acquire(), 5)
    serve.release()
    assert await asyncio.wait_for(worker.acquire(), 5)
    worker.release()


async def test_two_processes_writing_at_once_never_see_database_is_locked(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    serve, worker = UnitOfWorkFactory(engines[0]), UnitOfWorkFactory(engines[1])
    worker.writer.polite = True

    async def writes(uow: UnitOfWorkFactory, who: str) -> None:
        for i in range(40):
            async with uow() as unit:
                await unit.workspaces.workspace("slack", f"T{who}{i:03d}", "")
                await unit.commit()

    await asyncio.wait_for(asyncio.gather(writes(serve, "S"), writes(worker, "W")), 60)
    async with serve() as unit:  # workspace() is an upsert: a writing unit of work
        found = [await unit.workspaces.workspace("slack", f"T{w}{i:03d}", "") for w in "SW"
                 for i in range(40)]  # fmt: skip
    assert len({w.id for w in found}) == 80
