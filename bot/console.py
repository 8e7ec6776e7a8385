"""``pilot-coach console``: an interactive (or scripted, from a pipe) chat in the terminal."""

from __future__ import annotations

import asyncio
import sys

from rich.console import Console

from adapters.console.adapter import ConsoleAdapter
from adapters.console.session import ConsoleSession
from bot.app import build_app
from bot.catalog import texts
from bot.clock import SimulatedClock, SystemClock
from bot.settings import Settings
from storage.db import upgrade


async def run_console(settings: Settings, *, user: str, channel: str, interactive: bool) -> None:
    await asyncio.to_thread(upgrade, settings.database_url)
    console = Console(highlight=False, soft_wrap=True)
    adapter = ConsoleAdapter(console)
    clock = SimulatedClock(SystemClock().now())
    app = build_app(settings, clock=clock, adapters={"console": adapter})
    try:
        stored = await app.load_sim_clock()
        if stored is not None and stored > clock.now():
            clock.set(stored)
        await app.save_sim_clock(clock.now())
        session = ConsoleSession(
            adapter, app.coach.handle, app.scheduler, clock, app.save_sim_clock,
            app.channel_setup, settings.pilot_default_timezone,
            default_language=settings.pilot_default_language,
            user=user, channel=channel, echo=not interactive,
            form_context=app.coach.form_context,
        )  # fmt: skip
        if interactive:
            console.print(texts(settings.pilot_default_language)("console.banner"))
        while True:
            if interactive:
                try:
                    line = await asyncio.to_thread(input, session.prompt)
                except EOFError:
                    break
            else:
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
            await session.run_line(line)
    finally:
        await app.close()
