"""Delivers due outbox rows through the right adapter: claim, send, mark sent.

A claim is a lease: the rows' next attempt moves ``LEASE`` into the future and the claim is
committed before sending (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so several processes share the
work), so a process that dies mid-send leaves its rows to be retried once the lease runs out.
Sends run concurrently under per-workspace rate limits; successes are committed as soon as
the previous commit is done (group commit), which keeps the window in which a crash after the
platform's 200 can cause a resend to about one commit (neither Slack nor Teams takes an
idempotency key). Failures back off exponentially,
honour ``Retry-After``, and park the row as failed after ``MAX_ATTEMPTS`` or on a permanent error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
from collections.abc import Awaitable, Coroutine, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot import observability
from bot.clock import Clock
from bot.jobs.ratelimit import RateLimiter
from bot.messages import ConversationRef, Reply
from bot.ports import ChatAdapter, DeliveryError
from storage.repositories import Claimed, UnitOfWorkFactory

log = logging.getLogger("pilot_coach.delivery")
T = TypeVar("T")

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
BASE_BACKOFF = timedelta(seconds=30)
BATCH = 200
CONCURRENCY = 64
MAX_UNFLUSHED = 64  # delivered but not yet committed: what a crash could resend
FLUSH_EVERY = 0.02  # seconds between group commits at least (fewer, larger write transactions)
CACHED_PAYLOAD_CHARS = 16_000


async def _to_the_end(task: asyncio.Future[T]) -> T:
    """Await ``task`` to completion even if the caller is cancelled meanwhile, then re-raise.

    Every write of the dispatcher goes through here: a transaction cut off by a cancellation
    would leave its connection checked out, and on SQLite holding the write lock."""
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    result = task.result()
    if cancelled:
        raise asyncio.CancelledError
    return result


def _finish(work: Coroutine[Any, Any, T]) -> Awaitable[T]:
    return _to_the_end(asyncio.ensure_future(work))


def parse_reply(payload: str) -> Reply:
    """A stored payload as a ``Reply``. A week's nudges repeat across pilots in the same state,
    so each distinct text is parsed once (``Reply`` is immutable: sharing it is safe); large
    ones (announcements carry a chart and a document) are not kept."""
    if len(payload) > CACHED_PAYLOAD_CHARS:
        return Reply.from_json(json.loads(payload))
    return _parse_cached(payload)


@functools.lru_cache(maxsize=512)
def _parse_cached(payload: str) -> Reply:
    return Reply.from_json(json.loads(payload))


def private_target(ref: ConversationRef, reply: Reply) -> ConversationRef:
    """A private reply never goes to a channel: to the person's DM, or nowhere."""
    if not reply.private or ref.channel is None:
        return ref
    if not ref.user:
        raise DeliveryError("private reply addressed to a channel", permanent=True)
    return replace(ref, channel=None, extra={k: v for k, v in ref.extra.items() if k == "dm"})


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """Retry-After when the platform gave one, else exponential with up to 20 % jitter."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))
    return BASE_BACKOFF * int(2 ** max(attempts - 1, 0)) * (1 + random.random() * 0.2)


class Dispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        adapters: Mapping[str, ChatAdapter],
        clock: Clock,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.uow = uow
        self.adapters = adapters
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self._sent: list[int] = []
        self._wake = asyncio.Event()
        self._flushed = asyncio.Condition()

    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        return await _finish(self._claim(now, limit))

    async def _claim(self, now: datetime, limit: int) -> list[Claimed]:
        async with self.uow() as uow:
            rows = await uow.repo.claim_due(now, limit, LEASE)
            await uow.commit()
        return rows

    async def dispatch(self, limit: int = BATCH) -> int:
        """Send what is due now; returns the number of messages delivered.

        A claimer keeps a queue of claimed rows topped up while ``CONCURRENCY`` senders work
        through it, so sending never waits for the slowest message of a batch."""
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=CONCURRENCY * 2)
        delivered = 0

        async def claimer() -> None:
            while True:
                rows = await self.claim(self.clock.now(), limit)
                for row in rows:
                    await queue.put(row)
                if len(rows) < limit:
                    break
            for _ in range(CONCURRENCY):
                await queue.put(None)

        async def sender() -> None:
            nonlocal delivered
            while (row := await queue.get()) is not None:
                sent = await self._deliver(row)
                delivered += sent
                queue.task_done()
            queue.task_done()

        done = asyncio.Event()
        flusher = asyncio.create_task(self._flush_until(done))
        try:
            # A TaskGroup, not gather: when stopped it waits until every task has finished
            # (a claim in progress commits first), so no transaction outlives dispatch().
            async with asyncio.TaskGroup() as group:
                group.create_task(claimer())
                for _ in range(CONCURRENCY):
                    group.create_task(sender())
        finally:
            done.set()
            self._wake.set()
            await _to_the_end(flusher)  # even when stopped: record what was sent
        return delivered

    async def _deliver(self, row: Claimed) -> int:
        ref = ConversationRef.from_json(row.target)
        adapter = self.adapters.get(ref.platform)
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter for platform {ref.platform}", permanent=True)
            await self.limiter.acquire(ref.platform, ref.workspace)
            reply = parse_reply(row.payload)
            ref = private_target(ref, reply)
            if row.message_id:  # a re-announcement: replace the message posted before
                await adapter.update(ref, row.message_id, reply)
            else:
                posted = await adapter.send(ref, reply)
                if posted and row.kind == "announce":
                    await _finish(self._set_message_id(row.id, posted))
        except DeliveryError as exc:
            await self._failed(row, exc)
            return 0
        assert row.id is not None
        self._sent.append(row.id)
        self._wake.set()
        if len(self._sent) >= MAX_UNFLUSHED:  # bound the resend window: let the commit catch up
            async with self._flushed:
                await self._flushed.wait_for(lambda: len(self._sent) < MAX_UNFLUSHED)
        observability.SENT.labels(ref.platform, row.kind).inc()
        log.info("delivered id=%s pilot=%s kind=%s platform=%s", row.id, row.pilot_id, row.kind,
                 ref.platform)  # fmt: skip
        return 1

    async def _set_message_id(self, outbox_id: int, message_id: str) -> None:
        async with self.uow() as uow:
            await uow.repo.set_message_id(outbox_id, message_id)
            await uow.commit()

    async def _flush_until(self, done: asyncio.Event) -> None:
        """Group commit: write each success as soon as the previous commit is done; after
        ``done``, one last flush."""
        while not done.is_set():
            await self._wake.wait()
            self._wake.clear()
            await self._flush()
            if not done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), FLUSH_EVERY)
        await self._flush()

    async def _flush(self) -> None:
        ids = list(self._sent)
        if not ids:
            return
        async with self.uow() as uow:
            await uow.repo.mark_sent(ids, self.clock.now())
            await uow.commit()
        written = set(ids)  # only forget ids once their commit went through
        self._sent = [i for i in self._sent if i not in written]
        async with self._flushed:
            self._flushed.notify_all()

    async def _failed(self, row: Claimed, exc: DeliveryError) -> None:
        now = self.clock.now()
        # A rate limit (Retry-After) only ever delays: it never parks a message.
        parked = exc.permanent or (exc.retry_after is None and row.attempts >= MAX_ATTEMPTS)
        platform = str(row.target.get("platform", ""))
        observability.FAILED.labels(platform, row.kind, str(exc.permanent).lower()).inc()
        log.warning("delivery failed id=%s pilot=%s kind=%s attempt=%s permanent=%s",
                    row.id, row.pilot_id, row.kind, row.attempts, parked)  # fmt: skip
        await _finish(self._record_failure(row, exc, parked, now))

    async def _record_failure(
        self, row: Claimed, exc: DeliveryError, parked: bool, now: datetime
    ) -> None:
        async with self.uow() as uow:
            await uow.repo.record_failure(
                row.id,
                status="failed" if parked else "pending",
                error=exc.reason[:500],
                next_attempt_at=now + backoff(row.attempts, exc.retry_after),
            )
            person = row.person_id if exc.permanent else None
            if person is not None and await uow.repo.mark_unreachable(person, now):
                # the champion's digest names who cannot be reached: plan their pilots again
                await uow.repo.replan_person(person)
            if parked and row.pilot_id is not None:
                await uow.repo.replan([row.pilot_id])  # a failed message is a risk to show
            await uow.commit()
