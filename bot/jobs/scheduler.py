"""The periodic job: plan what is due, then deliver it. APScheduler runs ``tick`` in ``serve``;
the console runs the same ``tick`` when its simulated clock moves."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import observability
from bot.clock import Clock, SimulatedClock
from bot.jobs.dispatcher import Dispatcher
from bot.jobs.planner import Planner, next_slot_after
from bot.services.privacy import expire_free_text
from storage.repositories import UnitOfWorkFactory

log = logging.getLogger("pilot_coach.scheduler")

TICK_SECONDS = 30
MAX_PASSES = 3  # a delivered nudge can make an escalation due in the same tick


class NudgeScheduler:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        dispatcher: Dispatcher,
        clock: Clock,
        retention_days: int = 0,
    ) -> None:
        self.uow = uow
        self.dispatcher = dispatcher
        self.clock = clock
        self.retention_days = retention_days
        self._aps: AsyncIOScheduler | None = None
        self._expired_at: datetime | None = None

    async def plan(self) -> int:
        async with self.uow() as uow:
            added = await Planner(uow.repo).plan(self.clock.now())
            await uow.commit()
        observability.ENQUEUED.inc(added)
        return added

    async def expire(self) -> int:
        """Blank closed pilots' free text past the retention period (at most hourly)."""
        now = self.clock.now()
        if self.retention_days <= 0 or (
            self._expired_at is not None and now - self._expired_at < timedelta(hours=1)
        ):
            return 0
        async with self.uow() as uow:
            touched = await expire_free_text(uow.repo, now, self.retention_days)
            await uow.commit()
        self._expired_at = now
        if touched:
            log.info("retention: free text of %s closed pilots removed", touched)
        return touched

    async def tick(self) -> int:
        """Plan and dispatch until nothing new is due; returns messages delivered."""
        await self.expire()
        delivered = 0
        for _ in range(MAX_PASSES):
            added = await self.plan()
            sent = await self.dispatcher.dispatch()
            delivered += sent
            if not added and not sent:
                break
        return delivered

    async def next_due_after(self, now: datetime) -> datetime | None:
        """The earliest moment after ``now`` at which a tick could have work."""
        async with self.uow() as uow:
            times = []
            for pilot in await uow.repo.open_pilots():
                slot = next_slot_after(pilot, now)
                if slot is not None:
                    times.append(slot)
            retry = [m.next_attempt_at for m in await uow.repo.outbox() if m.status == "pending"]
            times.extend(t for t in retry if t > now)
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
        self._aps.add_job(self._safe_tick, "interval", seconds=TICK_SECONDS, id="tick",
                          max_instances=1, coalesce=True)  # fmt: skip
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
