"""The unit of work: one transaction, and the repositories that work in it.

``async with uow:`` opens one transaction; ``await uow.commit()`` makes it stick, leaving the
block without a commit rolls it back. ``await uow.lock(...)`` makes it wait for the other
commands on the same conversation (``storage.locks``). The repositories are attributes
(``uow.pilots``, ``uow.people``, ``uow.outbox``, …), each one aggregate's queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSessionTransaction
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import WRITES
from storage.locks import Conversation, ConversationLocks, WriterLock
from storage.repositories.away import AwayRepository
from storage.repositories.base import insert_ignore
from storage.repositories.canvases import CanvasRepository
from storage.repositories.metrics import MetricRepository, RetroRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.people import PeopleRepository, WorkspaceRepository
from storage.repositories.pilots import PilotRepository
from storage.repositories.privacy import PrivacyRepository
from storage.repositories.refs import ClockRepository, EventRepository, RefRepository
from storage.repositories.work import ProcessRepository, TaskRepository

R = TypeVar("R")


class _InSession(Generic[R]):
    """A repository attribute: the repository on the unit of work's current session."""

    def __init__(self, make: Callable[[AsyncSession], R]) -> None:
        self._make = make

    def __get__(self, uow: UnitOfWork, owner: type[UnitOfWork] | None = None) -> R:
        return self._make(uow.session)


class UnitOfWork:
    """One transaction: ``async with uow: ...; await uow.commit()``.

    A writing unit of work (the default) on SQLite holds the writer lock from start to end
    and begins with ``BEGIN IMMEDIATE``; a read-only one (``UnitOfWorkFactory.read``) takes no
    lock and must not write. Committing after ``lock(...)`` marks the pilots of the locked
    conversations for the planner's next tick (whatever held the lock may have changed them)."""

    workspaces = _InSession(WorkspaceRepository)
    people = _InSession(PeopleRepository)
    pilots = _InSession(PilotRepository)
    tasks = _InSession(TaskRepository)
    processes = _InSession(ProcessRepository)
    metrics = _InSession(MetricRepository)
    retro = _InSession(RetroRepository)
    outbox = _InSession(OutboxRepository)
    events = _InSession(EventRepository)
    refs = _InSession(RefRepository)
    clock = _InSession(ClockRepository)
    privacy = _InSession(PrivacyRepository)
    away = _InSession(AwayRepository)
    canvases = _InSession(CanvasRepository)

    def __init__(
        self, engine: AsyncEngine, writer: WriterLock | None = None, *, readonly: bool = False
    ) -> None:
        self._engine = engine
        self._writer = writer or WriterLock(engine)
        self._readonly = readonly
        self._holding = False
        self._session: AsyncSession | None = None
        self._locks: ConversationLocks | None = None

    @property
    def session(self) -> AsyncSession:
        """The transaction's session: for the repositories (and storage tests), not services."""
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        if not self._readonly:
            self._holding = await self._writer.acquire()
        bind = self._engine if self._readonly else self._engine.execution_options(**{WRITES: True})
        self._session = AsyncSession(bind, expire_on_commit=False)
        self._locks = ConversationLocks(self._session, self._engine.dialect.name == "sqlite")
        self._changed: set[Conversation] = set()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None and self._locks is not None
        try:
            await self._session.close()  # rolls back what was not committed; keeps rows usable
        finally:
            self._session = self._locks = None
            if self._holding:
                self._holding = False
                self._writer.release()

    async def lock(
        self, platform: str, workspace: str, channel: str, *, changes: bool = True
    ) -> None:
        """Wait until no other unit of work holds this conversation (see ``storage.locks``).
        ``changes=False``: only to read; the commit then leaves its pilots' plan alone."""
        assert self._locks is not None
        if self._readonly:
            raise RuntimeError("a read-only unit of work takes no conversation lock")
        await self._locks.acquire(platform, workspace, channel)
        if changes:
            self._changed.add((platform, workspace, channel))

    async def try_lock_keys(self, keys: Sequence[int]) -> set[int]:
        """Of these conversation keys (``storage.locks.lock_key``), the ones this transaction
        could lock without waiting."""
        assert self._locks is not None
        return await self._locks.try_keys(keys)

    async def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: ``rollback()`` undoes what happened since, ``commit()`` keeps
        it for the unit of work's own commit."""
        return await self.session.begin_nested()

    async def add(self, row: SQLModel) -> None:
        """Write a new (or changed) row now: its generated id is set afterwards."""
        self.session.add(row)
        await self.session.flush()

    def save(self, row: SQLModel) -> None:
        """Keep a changed row: written at the next flush or the commit."""
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def refresh(self, row: SQLModel) -> None:
        """Read a row again (another transaction may have changed it)."""
        await self.session.refresh(row)

    async def insert_ignore(self, table: type[SQLModel], values: dict[str, Any]) -> bool:
        """INSERT unless a unique key already exists; True if a row was written."""
        return await insert_ignore(self.session, table, values)

    def release_rows(self) -> None:
        """Forget the rows read so far (the planner's chunks: memory stays flat)."""
        self.session.expunge_all()

    async def ping(self) -> None:
        """One round trip to the database (the health check)."""
        await self.session.exec(text("SELECT 1"))  # type: ignore[call-overload]

    async def commit(self) -> None:
        assert self._session is not None and self._locks is not None
        if self._changed:
            await self.pilots.replan_conversations(self._changed)
        await self._session.commit()


class UnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, writer: WriterLock | None = None) -> None:
        self.engine = engine
        # One writer lock per database: engines on the same database share the factory's.
        self.writer = writer or WriterLock(engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.writer)

    @property
    def dialect(self) -> str:
        """The database's kind ("sqlite", "postgresql"): SQLite plans beside its one writer."""
        return str(self.engine.dialect.name)

    def read(self) -> UnitOfWork:
        """A read-only unit of work: concurrent with the writer on SQLite (WAL)."""
        return UnitOfWork(self.engine, self.writer, readonly=True)

    def on(self, engine: AsyncEngine) -> UnitOfWorkFactory:
        """Units of work on another engine of the same database (same writer lock)."""
        return UnitOfWorkFactory(engine, self.writer)
