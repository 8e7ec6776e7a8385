"""The periodic job: plan what is due, then deliver it. APScheduler runs ``tick`` in ``serve``;
the console runs the same ``tick`` when its simulated clock moves.

The scheduler has units of work of its own (``serve`` gives it a separate engine and pool), so
commands pouring in never take the connections the fan-out needs. Planning runs one chunk of
due pilots per transaction: on SQLite each chunk holds the writer briefly and commands go in
between; on PostgreSQL a chunk plans only the pilots whose lock it gets without waiting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import observability
from bot.clock import Clock, SimulatedClock
from bot.jobs.dispatcher import Dispatcher
from bot.jobs.planner import CHUNK, SQLITE_CHUNK, Planner, cycle_collection_paused, next_slot_after
from bot.ports import AbstractUnitOfWorkFactory
from bot.services.privacy import expire_free_text
from storage.locks import lock_key, yielding

log = logging.getLogger("pilot_coach.scheduler")

TICK_SECONDS = 30
MAX_PASSES = 3  # a delivered nudge can make an escalation due in the same tick
REPLY_KEEP = timedelta(days=1)  # a retried answer (outbox kind "reply") is kept this long
PLANNING = datetime(1970, 1, 2, tzinfo=UTC)  # next_due_at marks of chunks being planned follow
PIPELINE_WAIT = 0.2  # seconds: while planning, the dispatcher looks for new rows this often


class NudgeScheduler:
    def __init__(
        self,
        uow: AbstractUnitOfWorkFactory,
        dispatcher: Dispatcher,
        clock: Clock,
        retention_days: int = 0,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.uow = uow
        self.dispatcher = dispatcher
        self.clock = clock
        self.retention_days = retention_days
        self.tick_seconds = tick_seconds
        self._aps: AsyncIOScheduler | None = None
        self._expired_at: datetime | None = None

    async def plan(self) -> int:
        """Plan the due pilots, one chunk per transaction; returns the rows written."""
        now = self.clock.now()
        async with self.uow.read() as uow:
            due = await uow.pilots.due_pilot_ids(now)
        added = 0
        planner: Planner | None = None  # one per tick: pilots in the same state share texts
        sqlite = self.uow.dialect == "sqlite"
        size = SQLITE_CHUNK if sqlite else CHUNK
        with cycle_collection_paused():
            for start in range(0, len(due), size):
                if sqlite:
                    planner = planner or Planner(None)  # type: ignore[arg-type]  # set below
                    added += await self._plan_beside_writer(planner, due[start : start + size], now)
                    continue
                async with self.uow() as uow:
                    pilots = await uow.pilots.due_pilots(now, due[start : start + size])
                    if planner is None:
                        planner = Planner(uow)
                    planner.uow = uow
                    workspaces = await uow.workspaces.workspaces({p.workspace_id for p in pilots})
                    keys = {
                        lock_key(w.platform, w.external_id, p.channel_id): p.id
                        for p in pilots
                        if (w := workspaces.get(p.workspace_id)) is not None
                    }
                    held = await uow.try_lock_keys(list(keys))
                    locked = {i for k in held if (i := keys[k]) is not None}
                    added += await planner.plan_chunk(pilots, now, locked, workspaces)
                    await uow.commit()
        observability.ENQUEUED.inc(added)
        return added

    async def _plan_beside_writer(self, planner: Planner, ids: Sequence[int], now: datetime) -> int:
        """SQLite: plan a chunk without holding the one writer while reading and rendering.

        A short write marks the due pilots (``next_due_at`` = a marker of this chunk), a
        read-only transaction (concurrent under WAL) computes their rows, and a second short
        write inserts the rows of the pilots still marked and moves them on. A command that
        changed a pilot meanwhile reset its mark on commit ("plan again"): its rows are left
        out and it is planned afresh at the next tick."""
        marker = PLANNING + timedelta(microseconds=random.randrange(10**12))
        with yielding():  # commands waiting for the writer go first
            async with self.uow() as uow:
                marked = await uow.pilots.mark_planning(ids, now, marker)
                await uow.commit()
        if not marked:
            return 0
        async with self.uow.read() as uow:
            planner.uow = uow
            pilots = [p for p in await uow.pilots.due_pilots(now, ids) if p.id in marked]
            workspaces = await uow.workspaces.workspaces({p.workspace_id for p in pilots})
            plan = await planner.rows_for(pilots, now, workspaces)
        with yielding():
            async with self.uow() as uow:
                intact = await uow.pilots.marked(list(marked), marker)
                rows = [r for r in plan.rows if r["pilot_id"] in intact]
                added = await uow.outbox.enqueue_many(rows)
                await Planner.write_canvases(uow, plan, now, intact)
                await uow.pilots.set_next_due({k: v for k, v in plan.due.items() if k in intact})
                await uow.commit()
        return added

    async def expire(self) -> int:
        """At most hourly: drop command answers kept for a retry once a day old (they quote
        what one person was told), and blank closed pilots' free text past the retention
        period. Returns the pilots whose free text was removed."""
        now = self.clock.now()
        if self._expired_at is not None and now - self._expired_at < timedelta(hours=1):
            return 0
        async with self.uow() as uow:
            await uow.outbox.purge_replies(now - REPLY_KEEP)
            touched = 0
            if self.retention_days > 0:
                touched = await expire_free_text(uow, now, self.retention_days)
            await uow.commit()
        self._expired_at = now
        if touched:
            log.info("retention: free text of %s closed pilots removed", touched)
        return touched

    async def tick(self) -> int:
        """Plan and dispatch until nothing new is due; returns messages delivered.

        Delivery starts with the first planned chunk: a Monday takes about as long as the
        longer of planning and sending, not both in a row."""
        await self.expire()
        delivered = 0
        for _ in range(MAX_PASSES):
            planning = asyncio.create_task(self.plan())
            sent = 0
            try:
                await asyncio.wait({planning}, timeout=PIPELINE_WAIT)
                while not planning.done():  # a long plan: send what its first chunks wrote
                    sent += await self.dispatcher.dispatch()
                    await asyncio.wait({planning}, timeout=PIPELINE_WAIT)
                sent += await self.dispatcher.dispatch()  # the (last chunk's) rows
            finally:
                if not planning.done():
                    planning.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await planning
            added = planning.result()
            delivered += sent
            if not added and not sent:
                break
        return delivered

    async def next_due_after(self, now: datetime) -> datetime | None:
        """The earliest moment after ``now`` at which a tick could have work."""
        async with self.uow.read() as uow:
            later, unknown = await uow.pilots.next_due_moment(now)
            retry = await uow.outbox.next_retry_after(now)
        times = [t for t in (later, retry) if t is not None]
        times.extend(t for p in unknown if (t := next_slot_after(p, now)) is not None)
        return min(times) if times else None

    async def run_until(self, clock: SimulatedClock, target: datetime) -> None:
        """Move a simulated clock to ``target``, stopping at every moment that has work and
        ticking there: what the periodic job would have done in real time."""
        while True:
            upcoming = await self.next_due_after(clock.now())
            step = upcoming if upcoming is not None and upcoming <= target else target
            clock.set(step)
            await self.tick()
            if step >= target:
                return

    def start(self) -> None:
        self._aps = AsyncIOScheduler(timezone="UTC")
        # The first tick at once: a restarted process delivers what came due meanwhile.
        self._aps.add_job(self._safe_tick, "interval", seconds=self.tick_seconds, id="tick",
                          max_instances=1, coalesce=True,
                          next_run_time=datetime.now(UTC))  # fmt: skip
        self._aps.start()

    async def _safe_tick(self) -> None:
        try:
            await self.tick()
        except Exception:  # one bad tick must not stop the schedule
            log.exception("tick failed")

    def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
