"""Who may write when: SQLite's one writer, and the per-pilot (per-conversation) locks.

SQLite has one writer per database. Every unit of work that writes takes the process's writer
lock (an asyncio lock) before its transaction, which then begins with ``BEGIN IMMEDIATE``: the
transactions of this process queue in the event loop, none upgrades a read snapshot (WAL's
"database is locked") and none waits in SQLite's busy timeout. Read-only units of work take no
lock and run concurrently under WAL. The conversation locks are then implied.

PostgreSQL keeps its connection pool: a unit of work takes a transaction-scoped advisory lock on
the conversation (platform, workspace, channel), shared by every process on the database and
released at commit or rollback. A channel's pilot series (``start``, then ``next cycle``) has
one key, so it also covers the pilot that does not exist yet. The planner only tries these
locks (``try_keys``): a pilot a command holds is planned at the next tick.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
from collections.abc import Sequence

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


# The writer lock this task holds: a second writing unit of work in the same task would wait
# for itself forever, so it fails at once instead.
_HOLDING: contextvars.ContextVar[WriterLock | None] = contextvars.ContextVar(
    "pilot_coach_writer", default=None
)


class WriterLock:
    """The in-process writer lock of one SQLite database (``lock`` is None on PostgreSQL).

    One per database, shared by every engine on it (``serve`` has one for commands and one
    for the scheduler)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    async def acquire(self) -> bool:
        """Take the lock (SQLite); False on PostgreSQL, which needs none."""
        if self.lock is None:
            return False
        if _HOLDING.get() is self:
            raise RuntimeError("a writing unit of work inside another in the same task")
        await self.lock.acquire()
        _HOLDING.set(self)
        return True

    def release(self) -> None:
        assert self.lock is not None
        _HOLDING.set(None)
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
