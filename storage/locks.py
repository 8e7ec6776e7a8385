"""Per-pilot command locks: the commands on one channel's pilots run one after the other, so
none of them reads a pilot another is about to change.

PostgreSQL: a transaction-scoped advisory lock on the conversation (platform, workspace,
channel), shared by every process on the database and released at commit or rollback. A
channel's pilot series (``start``, then ``next cycle``) has one key, so it also covers the
pilot that does not exist yet.

SQLite has one writer anyway: the first lock a unit of work takes is the database's asyncio
lock, held until the unit of work ends, so this process's commands queue in the event loop
instead of failing in SQLite's busy timeout. Take it before the transaction's first statement.
"""

from __future__ import annotations

import asyncio
import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

_ADVISORY = text("SELECT pg_advisory_xact_lock(:key)")


def lock_key(platform: str, workspace: str, channel: str) -> int:
    """A stable signed 64-bit key (the same in every process, unlike ``hash``)."""
    name = "\x1f".join((platform, workspace, channel)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)


class WriterLock:
    """The in-process writer lock of one SQLite database (None on PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None


class ConversationLocks:
    """The conversation locks one unit of work holds."""

    def __init__(self, session: AsyncSession, writer: WriterLock) -> None:
        self._session = session
        self._writer = writer
        self._holding = False

    async def acquire(self, platform: str, workspace: str, channel: str) -> None:
        if self._writer.lock is None:
            connection = await self._session.connection()
            await connection.execute(_ADVISORY, {"key": lock_key(platform, workspace, channel)})
        elif not self._holding:
            await self._writer.lock.acquire()
            self._holding = True

    def release(self) -> None:
        """SQLite's lock, after the transaction ended (PostgreSQL's ends with it)."""
        if self._holding and self._writer.lock is not None:
            self._writer.lock.release()
            self._holding = False
