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
import time
from collections.abc import Awaitable, Coroutine, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from bot import observability
from bot.canvas import CanvasDoc, CanvasPublisher, CanvasUnavailable, Published
from bot.clock import Clock
from bot.jobs.ratelimit import RateLimiter
from bot.jobs.returns import ABOUT
from bot.messages import ConversationRef, Reply
from bot.ports import (
    AbstractUnitOfWork,
    AbstractUnitOfWorkFactory,
    ChatAdapter,
    DeliveryError,
    Presence,
    PresenceSource,
)
from storage.records import Claimed

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
#: Proactive messages that wait while their recipient is out of office (not the welcome back,
#: the results or a command's answer); the platform's status is read just before they go.
HELD_WHILE_AWAY = frozenset({"weekly", "still", "reminder", "snooze", "retro", "overrun", "digest"})


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


@functools.lru_cache(maxsize=16)
def _reads_presence(kind: type) -> bool:
    """Whether adapters of ``kind`` are a ``PresenceSource``: asked once per class, not on
    every delivery (a runtime Protocol check walks the protocol's members each time)."""
    return issubclass(kind, PresenceSource)


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


def platform_of(row: Claimed) -> str:
    return str(row.target.get("platform", ""))


async def _lock_pilots_of(uow: AbstractUnitOfWork, platform: str, person_id: int) -> None:
    """Take the locks of the person's pilots (in one order), so a planner working on one of
    them finishes first and the "plan again" this transaction leaves is not overwritten."""
    pilots = await uow.pilots.pilots_of_person(person_id)
    workspaces = await uow.workspaces.workspaces({p.workspace_id for p in pilots})
    for key in sorted({(workspaces[p.workspace_id].external_id, p.channel_id) for p in pilots}):
        await uow.lock(platform, *key)


class Dispatcher:
    def __init__(
        self,
        uow: AbstractUnitOfWorkFactory,
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
            rows = await uow.outbox.claim_due(now, limit, LEASE)
            await uow.commit()
        return rows

    async def dispatch(self, limit: int = BATCH) -> int:
        """Send what is due now; returns the number of messages delivered.

        A claimer keeps a queue of claimed rows topped up while ``CONCURRENCY`` senders work
        through it, so sending never waits for the slowest message of a batch."""
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=CONCURRENCY * 2)
        delivered = 0
        started = time.monotonic()

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
            if delivered:  # one line per round; each message's own line is at DEBUG
                log.info("dispatched delivered=%s seconds=%.1f", delivered,
                         time.monotonic() - started)  # fmt: skip
        return delivered

    async def _deliver(self, row: Claimed) -> int:
        ref = ConversationRef.from_json(row.target)
        adapter = self.adapters.get(ref.platform)
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter for platform {ref.platform}", permanent=True)
            if await self._away(row, ref, adapter):
                return 0
            await self.limiter.acquire(ref.platform, ref.workspace)
            if row.kind == "canvas":
                await self._canvas(row, ref, adapter)
                return await self._delivered(row, ref)
            reply = parse_reply(row.payload)
            ref = private_target(ref, reply)
            if row.kind == "announce" and isinstance(adapter, CanvasPublisher):
                reply = await self._results_canvas(row, ref, adapter, reply)
            if row.message_id:  # a re-announcement: replace the message posted before
                await adapter.update(ref, row.message_id, reply)
            else:
                posted = await adapter.send(ref, reply)
                if posted and row.kind == "announce":
                    await _finish(self._set_message_id(row.id, posted))
        except DeliveryError as exc:
            await self._failed(row, exc)
            return 0
        return await self._delivered(row, ref)

    async def _delivered(self, row: Claimed, ref: ConversationRef) -> int:
        assert row.id is not None
        self._sent.append(row.id)
        self._wake.set()
        if len(self._sent) >= MAX_UNFLUSHED:  # bound the resend window: let the commit catch up
            async with self._flushed:
                await self._flushed.wait_for(lambda: len(self._sent) < MAX_UNFLUSHED)
        observability.SENT.labels(ref.platform, row.kind).inc()
        log.debug("delivered id=%s pilot=%s kind=%s platform=%s", row.id, row.pilot_id, row.kind,
                 ref.platform)  # fmt: skip
        return 1

    async def _away(self, row: Claimed, ref: ConversationRef, adapter: ChatAdapter) -> bool:
        """Whether the platform says the recipient is out of office (or back from a status
        absence): then the row is skipped, neither sent nor ignored, and their pilots planned
        again (for the welcome back)."""
        if row.person_id is None or row.kind not in HELD_WHILE_AWAY or ref.channel:
            return False
        if not _reads_presence(type(adapter)):
            return False
        source = cast(PresenceSource, adapter)
        for user in filter(None, ref.extra.get(ABOUT, "").split(",")):  # whom a digest names
            named = await source.presence(ConversationRef(ref.platform, ref.workspace, user=user))
            if named is not None and named.away:
                await _finish(self._named_away(row, ref, user, named))
                return True
        presence = await source.presence(ref)
        if presence is None:
            return False
        return await _finish(self._record_presence(row, ref.platform, presence))

    async def _named_away(
        self, row: Claimed, ref: ConversationRef, user: str, presence: Presence
    ) -> None:
        """A digest names someone the platform says is away: record it and drop the digest;
        the planner writes it again without them (or not at all)."""
        now = self.clock.now()
        async with self.uow() as uow:
            workspace = await uow.workspaces.workspace(ref.platform, ref.workspace)
            assert workspace.id is not None
            person = await uow.people.person(workspace.id, user, "")
            assert person.id is not None
            await _lock_pilots_of(uow, ref.platform, person.id)
            if await uow.away.current(person.id, now) is None:
                await uow.away.start(person.id, ref.platform, now, presence.until)
            await uow.away.drop_delivery(row.id)
            await uow.pilots.replan_person(person.id)
            await uow.commit()
        log.info("digest dropped id=%s pilot=%s: it named someone away", row.id, row.pilot_id)

    async def _record_presence(self, row: Claimed, source: str, presence: Presence) -> bool:
        assert row.person_id is not None
        now = self.clock.now()
        if presence.until is not None and presence.until <= now:  # a cached status, expired
            presence = Presence(away=False)
        async with self.uow() as uow:
            await _lock_pilots_of(uow, platform_of(row), row.person_id)
            current = await uow.away.current(row.person_id, now)
            changed = False
            if current is not None and current.source != source:
                pass  # away by their own word (``away until``): that stands
            elif presence.away:
                changed = current is None or current.until != presence.until
                if changed:
                    await uow.away.start(row.person_id, source, now, presence.until)
            elif current is not None:
                await uow.away.end(row.person_id, now)  # the status is gone: back
                changed = True
            else:
                return False
            await uow.away.skip_delivery(row.id)
            if changed:
                await uow.pilots.replan_person(row.person_id)
            await uow.commit()
        log.info("delivery skipped id=%s pilot=%s kind=%s: recipient away=%s", row.id,
                 row.pilot_id, row.kind, presence.away)  # fmt: skip
        return True

    # ---- canvases (bot.canvas, storage.canvases) ------------------------------------------
    async def _canvas(self, row: Claimed, ref: ConversationRef, adapter: ChatAdapter) -> None:
        """A pilot's living page: only the newest queued update is sent (an older one that
        comes late counts as done), none where canvases are unavailable."""
        payload = json.loads(row.payload)
        if not isinstance(adapter, CanvasPublisher) or row.pilot_id is None:
            return
        async with self.uow.read() as uow:
            state = await uow.canvases.pilot(row.pilot_id)
            off = await uow.canvases.unavailable(ref.platform, ref.workspace, self.clock.now())
        if off or (state is not None and state.generation > int(payload["generation"])):
            return
        try:
            published = await adapter.publish_canvas(
                ref, CanvasDoc.from_json(payload["canvas"]),
                state.canvas_id if state else None, dict(state.sections) if state else {},
            )  # fmt: skip
        except CanvasUnavailable as exc:
            await _finish(self._unavailable(ref, exc.reason))
            return
        await _finish(self._published(row.pilot_id, published))

    async def _results_canvas(
        self, row: Claimed, ref: ConversationRef, adapter: CanvasPublisher, reply: Reply
    ) -> Reply:
        """The announced results as a canvas of their own, linked in the announcement. Without
        canvases (or when Slack refuses this one for good) the announcement goes out as it is."""
        if row.pilot_id is None:
            return reply
        async with self.uow.read() as uow:
            state = await uow.canvases.pilot(row.pilot_id)
            off = await uow.canvases.unavailable(ref.platform, ref.workspace, self.clock.now())
        if off or state is None or state.results_doc is None:
            return reply
        try:
            published = await adapter.publish_results(
                ref, CanvasDoc.from_json(state.results_doc), state.results_canvas_id
            )
        except CanvasUnavailable as exc:
            await _finish(self._unavailable(ref, exc.reason))
            return reply
        except DeliveryError as exc:
            if not exc.permanent:
                raise  # the announcement waits and tries again with its canvas
            log.warning("results canvas refused pilot=%s reason=%s", row.pilot_id, exc.reason)
            return reply
        await _finish(self._published_results(row.pilot_id, published))
        return adapter.link_results(reply, published.url)

    async def _unavailable(self, ref: ConversationRef, reason: str) -> None:
        log.warning("canvases unavailable platform=%s workspace=%s reason=%s", ref.platform,
                    ref.workspace, reason)  # fmt: skip
        async with self.uow() as uow:
            await uow.canvases.mark_unavailable(ref.platform, ref.workspace, reason,
                                                self.clock.now())  # fmt: skip
            await uow.commit()

    async def _published(self, pilot_id: int, published: Published) -> None:
        async with self.uow() as uow:
            await uow.canvases.published(pilot_id, published.canvas_id, published.sections,
                                         self.clock.now())  # fmt: skip
            await uow.commit()

    async def _published_results(self, pilot_id: int, published: Published) -> None:
        async with self.uow() as uow:
            await uow.canvases.published_results(pilot_id, published.canvas_id, published.url)
            await uow.commit()

    async def _set_message_id(self, outbox_id: int, message_id: str) -> None:
        async with self.uow() as uow:
            await uow.outbox.set_message_id(outbox_id, message_id)
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
            await uow.outbox.mark_sent(ids, self.clock.now())
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
        """The row is retried at its backoff or parked; a permanent refusal marks the person
        unreachable (the champion's digest names them: their pilots are planned again), and a
        parked message is a risk to show (its pilot is planned again)."""
        async with self.uow() as uow:
            await uow.outbox.record_failure(
                row.id, status="failed" if parked else "pending", error=exc.reason[:500],
                next_attempt_at=now + backoff(row.attempts, exc.retry_after),
            )  # fmt: skip
            person = row.person_id if exc.permanent else None
            if person is not None and await uow.people.mark_unreachable(person, now):
                await uow.pilots.replan_person(person)
            if parked and row.pilot_id is not None:
                await uow.pilots.replan([row.pilot_id])
            await uow.commit()
