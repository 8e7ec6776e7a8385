"""Who may write when: SQLite's one writer, and the per-pilot (per-conversation) locks.

SQLite has one writer per database. Every unit of work that writes takes the process's writer
lock (an asyncio lock) before its transaction, which then begins with ``BEGIN IMMEDIATE``: the
transactions of this process queue in the event loop, none upgrades a read snapshot (WAL's
"database is locked") and none waits in SQLite's busy timeout. Read-only units of work take no
lock and run concurrently under WAL. The conversation locks are then implied.

Between processes (``serve`` and its scheduler's ``pilot-coach worker``) the writer lock also
holds a file lock (``flock`` on ``<database>-writer`` next to the database): a writer of one
process waits for the other's transaction and is woken by the kernel the moment it ends, rather
than polling in SQLite's busy handler (which sleeps up to 100 ms between tries, so two busy
processes would keep missing each other's gaps). The worker's writer lock is *polite*
(``polite = True``): while a process that answers commands waits for the writer (it holds a
shared lock on ``<database>-writer-wait`` meanwhile), the planner's writes (inside
``yielding()``) let it go first, for up to ``POLITE_WAIT`` each (so planning is slowed, never
stopped). The dispatcher's claims and group commits do not yield: they are one statement each,
and each one that waits holds back the messages it would release.

PostgreSQL keeps its connection pool: a unit of work takes a transaction-scoped advisory lock on
the conversation (platform, workspace, channel), shared by every process on the database and
released at commit or rollback. A channel's pilot series (``start``, then ``next cycle``) has
one key, so it also covers the pilot that does not exist yet. The planner only tries these
locks (``try_keys``): a pilot a command holds is planned at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import fcntl
import hashlib
import os
from collections.abc import Iterator, Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

_ADVISORY = text("SELECT pg_advisory_xact_lock(:key)")
_TRY = text("SELECT k FROM unnest(:keys) AS k WHERE pg_try_advisory_xact_lock(k)").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT))
)

Conversation = tuple[str, str, str]  # platform, workspace, channel


def lock_key(platform: str, workspace: str, channel: str) -> int:
    """A stable signed 64-bit key (the same in every process, unlike ``hash``)."""
    name = "\x1f".join((platform, workspace, channel)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)


_YIELDS: contextvars.ContextVar[bool] = contextvars.ContextVar("pilot_coach_yields", default=False)


@contextlib.contextmanager
def yielding() -> Iterator[None]:
    """Writes in here let waiting command writers of another process go first (see above)."""
    token = _YIELDS.set(True)
    try:
        yield
    finally:
        _YIELDS.reset(token)


# The writer lock this task holds: a second writing unit of work in the same task would wait
# for itself forever, so it fails at once instead.
_HOLDING: contextvars.ContextVar[WriterLock | None] = contextvars.ContextVar(
    "pilot_coach_writer", default=None
)


POLITE_WAIT = 0.25  # seconds a polite writer lets waiting command writers go first, at most
_POLITE_STEP = 0.002


class WriterLock:
    """The in-process writer lock of one SQLite database (``lock`` is None on PostgreSQL).

    One per database, shared by every engine on it (``serve`` has one for commands and one
    for the scheduler)."""

    def __init__(self, engine: AsyncEngine) -> None:
        sqlite = engine.dialect.name == "sqlite"
        self.lock = asyncio.Lock() if sqlite else None
        database = engine.url.database if sqlite else None
        # The file lock between processes (an in-memory database lives in one process only).
        self.path = f"{database}-writer" if database not in (None, "", ":memory:") else None
        self._fd: int | None = None
        self._waiting = False  # a cancelled wait for the file lock is still in its thread
        self._wait_fd: int | None = None
        self._wanting = 0  # tasks of this process waiting for the writer
        self.polite = False  # the scheduler's: let waiting command writers go first

    async def acquire(self) -> bool:
        """Take the lock (SQLite); False on PostgreSQL, which needs none."""
        if self.lock is None:
            return False
        if _HOLDING.get() is self:
            raise RuntimeError("a writing unit of work inside another in the same task")
        if self.path is None:
            await self.lock.acquire()
        else:
            self._open()
            self._want(+1)
            try:
                await self.lock.acquire()
                try:
                    await self._lock_file()
                except BaseException:
                    if not self._waiting:  # a cancelled wait releases when its thread is done
                        self.lock.release()
                    raise
            finally:
                self._want(-1)
        _HOLDING.set(self)
        return True

    def _open(self) -> None:
        if self._fd is None:
            assert self.path is not None
            flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
            self._fd = os.open(self.path, flags, 0o600)
            self._wait_fd = os.open(f"{self.path}-wait", flags, 0o600)

    def _want(self, step: int) -> None:
        """While tasks of this (command) process wait for the writer, it holds a shared lock on
        the wait file: the polite scheduler lets them go first."""
        if self.polite:
            return
        assert self._wait_fd is not None
        self._wanting += step
        if step > 0 and self._wanting == 1:
            fcntl.flock(self._wait_fd, fcntl.LOCK_SH)
        elif self._wanting == 0:
            fcntl.flock(self._wait_fd, fcntl.LOCK_UN)

    async def _lock_file(self) -> None:
        assert self._fd is not None and self._wait_fd is not None
        fd, self._waiting = self._fd, False
        if self.polite and _YIELDS.get():
            await self._let_waiting_go_first(self._wait_fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            await self._wait_for_file(fd)

    @staticmethod
    async def _let_waiting_go_first(wait_fd: int) -> None:
        deadline = asyncio.get_running_loop().time() + POLITE_WAIT
        while asyncio.get_running_loop().time() < deadline:
            try:
                fcntl.flock(wait_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a command writer waits: after you
                await asyncio.sleep(_POLITE_STEP)
                continue
            fcntl.flock(wait_fd, fcntl.LOCK_UN)
            return

    async def _wait_for_file(self, fd: int) -> None:
        # Held by another process: wait in a thread (the event loop goes on meanwhile).
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The thread cannot be stopped: once it has the file lock, give both locks back.
            self._waiting = True

            def done(future: asyncio.Future[None]) -> None:
                if not future.cancelled() and future.exception() is None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                assert self.lock is not None
                self.lock.release()

            waiting.add_done_callback(done)
            raise

    def release(self) -> None:
        assert self.lock is not None
        _HOLDING.set(None)
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.lock.release()


class ConversationLocks:
    """The conversation locks one unit of work holds (PostgreSQL: advisory locks; SQLite: the
    writer lock the unit of work already holds covers them)."""

    def __init__(self, session: AsyncSession, sqlite: bool) -> None:
        self._session = session
        self._sqlite = sqlite
        self.held: set[Conversation] = set()

    async def acquire(self, platform: str, workspace: str, channel: str) -> None:
        key = (platform, workspace, channel)
        if key in self.held:
            return
        if not self._sqlite:
            connection = await self._session.connection()
            await connection.execute(_ADVISORY, {"key": lock_key(*key)})
        self.held.add(key)

    async def try_keys(self, keys: Sequence[int]) -> set[int]:
        """The advisory keys this transaction could take without waiting (all on SQLite)."""
        if self._sqlite or not keys:
            return set(keys)
        connection = await self._session.connection()
        return {row[0] for row in await connection.execute(_TRY, {"keys": list(keys)})}
