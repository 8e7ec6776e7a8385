"""The in-memory unit of work (as cosmicpython's ``FakeUnitOfWork``): the repositories of
``tests.fakes`` over one ``Store`` shared by every unit of work of a factory. A unit of work
left without ``commit()`` rolls back, as a database transaction does; ``savepoint()`` too.

``commits`` counts the commits, so a test sees that a service made its change stick."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, NoReturn

from sqlmodel import SQLModel

from bot.ports import AbstractUnitOfWorkFactory
from storage.locks import Conversation
from storage.tables import Person
from tests.fakes.away import FakeAway
from tests.fakes.canvases import FakeCanvases
from tests.fakes.outbox import FakeClock, FakeEvents, FakeOutbox, FakeRefs
from tests.fakes.repositories import (
    FakeMetrics,
    FakePeople,
    FakePilots,
    FakeProcesses,
    FakeRetro,
    FakeTasks,
    FakeWorkspaces,
)
from tests.fakes.store import Snapshot, Store


class FakePrivacy:
    """The privacy commands run on the databases only (tests/integration, tests/security):
    forgetting rewrites rows of every table, which a fake would only re-implement."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def forget(self, person: Person, now: datetime) -> None:
        raise NotImplementedError("forget: tested against SQLite and PostgreSQL")

    async def championed_pilots(self, person_id: int) -> list[int]:
        return await _refuse("championed_pilots")

    async def forget_in_pilots(
        self, person: Person, pilot_ids: list[int], now: datetime
    ) -> str | None:
        return await _refuse("forget_in_pilots")

    async def personal_data(self, person: Person) -> dict[str, Any]:
        return await _refuse("personal_data")

    async def expire_free_text(self, now: datetime, days: int) -> int:
        return await _refuse("expire_free_text")


async def _refuse(name: str) -> NoReturn:
    raise NotImplementedError(f"{name}: tested against SQLite and PostgreSQL")


class FakeSavepoint:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._before: Snapshot = store.snapshot()

    async def commit(self) -> None:
        pass

    async def rollback(self) -> None:
        self._store.restore(self._before)


class FakeUnitOfWork:
    def __init__(self, factory: FakeUnitOfWorkFactory, *, readonly: bool = False) -> None:
        self._factory = factory
        self._readonly = readonly
        store = factory.store
        self.workspaces = FakeWorkspaces(store)
        self.people = FakePeople(store)
        self.pilots = FakePilots(store)
        self.tasks = FakeTasks(store)
        self.processes = FakeProcesses(store)
        self.metrics = FakeMetrics(store)
        self.retro = FakeRetro(store)
        self.outbox = FakeOutbox(store)
        self.events = FakeEvents(store)
        self.refs = FakeRefs(store)
        self.clock = FakeClock(store)
        self.privacy = FakePrivacy(store)
        self.away = FakeAway(store)
        self.canvases = FakeCanvases(store)
        self._before: Snapshot | None = None
        self._changed: set[Conversation] = set()

    @property
    def store(self) -> Store:
        return self._factory.store

    async def __aenter__(self) -> FakeUnitOfWork:
        self._before = self.store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._before is not None:  # not committed: roll back
            self.store.restore(self._before)
        self._before = None

    async def lock(
        self, platform: str, workspace: str, channel: str, *, changes: bool = True
    ) -> None:
        if self._readonly:
            raise RuntimeError("a read-only unit of work takes no conversation lock")
        if changes:
            self._changed.add((platform, workspace, channel))

    async def try_lock_keys(self, keys: Sequence[int]) -> set[int]:
        return set(keys)  # one process, no other transaction holds any

    async def savepoint(self) -> FakeSavepoint:
        return FakeSavepoint(self.store)

    async def add(self, row: SQLModel) -> None:
        self.store.add(row)

    def save(self, row: SQLModel) -> None:
        self.store.add(row)

    async def flush(self) -> None:
        pass

    async def refresh(self, row: SQLModel) -> None:
        pass  # the rows are the stored objects themselves

    async def insert_ignore(self, table: type[SQLModel], values: dict[str, Any]) -> bool:
        return self.store.insert(table(**values))

    def release_rows(self) -> None:
        pass

    async def ping(self) -> None:
        pass

    async def commit(self) -> None:
        if self._changed:
            await self.pilots.replan_conversations(self._changed)
        self._before = self.store.snapshot()  # what a later rollback returns to
        self._factory.commits += 1


class FakeUnitOfWorkFactory:
    """``uow()`` and ``uow.read()`` as ``storage.repositories.UnitOfWorkFactory`` has them."""

    def __init__(self) -> None:
        self.store = Store()
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    @property
    def dialect(self) -> str:
        return "memory"

    def read(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, readonly=True)


def _conforms(factory: FakeUnitOfWorkFactory) -> AbstractUnitOfWorkFactory:
    return factory  # mypy: the fakes implement the Protocols of bot.ports
