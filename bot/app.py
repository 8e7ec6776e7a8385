"""The composition root: the one place that builds engine, unit of work, clock, coach,
scheduler and adapters. Tests and the CLI pass overrides; nothing else wires things up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import configure_mappers

from bot.clock import Clock, SimulatedClock, SystemClock
from bot.inflight import Gate
from bot.jobs.dispatcher import Dispatcher
from bot.jobs.scheduler import NudgeScheduler
from bot.ports import ChatAdapter
from bot.services.coach import Coach, PilotDefaults
from bot.settings import Settings
from storage.db import is_in_memory, make_engine
from storage.repositories import UnitOfWorkFactory


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    clock: Clock
    coach: Coach
    dispatcher: Dispatcher
    scheduler: NudgeScheduler
    adapters: dict[str, ChatAdapter] = field(default_factory=dict)
    scheduler_engine: AsyncEngine | None = None  # the scheduler's own pool (``serve``)

    async def channel_setup(
        self, platform: str, workspace: str, channel: str
    ) -> tuple[str, str] | None:
        """(time zone, language) of the channel's current pilot, if it has one."""
        async with self.uow() as uow:
            ws = await uow.workspaces.workspace(platform, workspace)
            assert ws.id is not None
            pilot = await uow.pilots.current_pilot(ws.id, channel)
            return (pilot.timezone, pilot.language) if pilot else None

    async def load_sim_clock(self) -> datetime | None:
        async with self.uow() as uow:
            return await uow.clock.sim_now()

    async def save_sim_clock(self, now: datetime) -> None:
        async with self.uow() as uow:
            await uow.clock.set_sim_now(now)
            await uow.commit()

    async def close(self) -> None:
        self.scheduler.stop()
        for adapter in self.adapters.values():
            await adapter.stop()
        await self.engine.dispose()
        if self.scheduler_engine is not None:
            await self.scheduler_engine.dispose()


def defaults_from(settings: Settings) -> PilotDefaults:
    return PilotDefaults(
        language=settings.pilot_default_language,
        timezone=settings.pilot_default_timezone,
        nudge_slot=settings.pilot_nudge_time,
        region=settings.pilot_default_region,
    )


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    adapters: Mapping[str, ChatAdapter] | None = None,
    engine: AsyncEngine | None = None,
    scheduler_pool: bool = True,
) -> App:
    """``scheduler_pool=False``: no pool of the scheduler's own (``serve`` whose scheduler
    runs in the worker process)."""
    scheduler_engine: AsyncEngine | None = None
    if engine is None:
        # Commands: a pool as large as the in-flight bound (PostgreSQL runs them in parallel);
        # the scheduler: its own small pool, so a flood of commands cannot starve the fan-out.
        inflight = settings.pilot_max_inflight
        engine = make_engine(settings.database_url, pool_size=min(inflight, 10),
                             max_overflow=max(inflight - 10, 0))  # fmt: skip
        if scheduler_pool and not is_in_memory(settings.database_url):
            scheduler_engine = make_engine(settings.database_url, pool_size=3, max_overflow=2)
    configure_mappers()  # at start-up, not inside the first query (a Monday's first plan)
    uow = UnitOfWorkFactory(engine)
    jobs = uow.on(scheduler_engine) if scheduler_engine is not None else uow
    clock = clock or SystemClock()
    coach = Coach(uow, clock, defaults_from(settings), Gate(settings.pilot_max_inflight))
    chosen = (
        dict(adapters) if adapters is not None else platform_adapters(settings, coach, uow, clock)
    )
    dispatcher = Dispatcher(jobs, chosen, clock)
    scheduler = NudgeScheduler(jobs, dispatcher, clock, settings.pilot_retention_days,
                               settings.pilot_tick_seconds)  # fmt: skip
    return App(
        settings=settings,
        engine=engine,
        uow=uow,
        clock=clock,
        coach=coach,
        dispatcher=dispatcher,
        scheduler=scheduler,
        adapters=chosen,
        scheduler_engine=scheduler_engine,
    )


def platform_adapters(
    settings: Settings, coach: Coach, uow: UnitOfWorkFactory, clock: Clock
) -> dict[str, ChatAdapter]:
    """The chat platforms ``serve`` offers with these settings."""
    from adapters.slack import build_slack_adapter
    from adapters.teams import build_teams_adapter

    found: dict[str, ChatAdapter] = {}
    for build in (build_slack_adapter, build_teams_adapter):
        adapter = build(settings, coach, uow, clock)
        if adapter is not None:
            found[adapter.platform] = adapter
    return found


__all__ = ["App", "SimulatedClock", "build_app"]
