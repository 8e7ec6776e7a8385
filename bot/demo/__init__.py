"""``pilot-coach demo``: the appliance-repair reference case, played through the console adapter
on an embedded SQLite database with a simulated clock, then written out as a results summary."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from adapters.console.adapter import ConsoleAdapter
from adapters.console.session import ConsoleSession
from bot.app import build_app
from bot.clock import SimulatedClock
from bot.report import write_summary
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from bot.settings import Settings
from storage.db import upgrade

ZONE = "Europe/Berlin"
START = datetime(2027, 1, 4, 9, 30, tzinfo=ZoneInfo(ZONE))
CHANNEL = "ki-pilot"


def script(language: str) -> list[str]:
    text = resources.files(__package__).joinpath(f"script.{language}.txt").read_text("utf-8")
    return text.splitlines()


async def run_demo(language: str, out_dir: Path, db_url: str, console: Console) -> list[Path]:
    upgrade(db_url)
    settings = Settings(
        database_url=db_url,
        pilot_default_language=language,
        pilot_default_timezone=ZONE,
        pilot_nudge_time="MON 09:00",
        pilot_default_region="DE",
    )
    clock = SimulatedClock(START)
    adapter = ConsoleAdapter(console)
    app = build_app(settings, clock=clock, adapters={"console": adapter})
    try:
        if await app.load_sim_clock() is not None:
            raise RuntimeError(f"the demo needs an empty database, {db_url} has been used")
        await app.save_sim_clock(clock.now())
        session = ConsoleSession(
            adapter, app.coach.handle, app.scheduler, clock, app.save_sim_clock,
            app.channel_setup, ZONE, default_language=language, user="clara", channel=CHANNEL,
            echo=True, form_context=app.coach.form_context,
        )  # fmt: skip
        for line in script(language):
            await session.run_line(line)
        async with app.uow() as uow:
            pilots = await uow.pilots.all_pilots()
            snap = await load_snapshot(uow, pilots[-1], clock.now())
            summary = await load_summary(uow, snap)
        return write_summary(summary, out_dir)
    finally:
        await app.close()
