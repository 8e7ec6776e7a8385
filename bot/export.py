"""``pilot-coach export``: a pilot's (or every pilot's) data as CSV, Markdown or JSON."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.limits import is_id
from bot.report import checkins_csv, summary_markdown
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from bot.settings import Settings
from storage.db import require_current
from storage.repositories import UnitOfWorkFactory
from storage.tables import Pilot

FORMATS = ("csv", "md", "json")


class PilotNotFound(LookupError):
    pass


async def export(uow: UnitOfWorkFactory, clock: Clock, fmt: str, pilot_id: int | None) -> str:
    async with uow() as unit:
        pilots: list[Pilot]
        if pilot_id is None:
            pilots = list(await unit.pilots.all_pilots())
        else:
            found = await unit.pilots.pilot(pilot_id) if is_id(pilot_id) else None
            if found is None:
                raise PilotNotFound(f"no pilot with id {pilot_id}")
            pilots = [found]
        snaps = [await load_snapshot(unit, p, clock.now()) for p in pilots]
        if fmt == "md":
            summaries = [await load_summary(unit, s) for s in snaps]
            return "\n\n---\n\n".join(summary_markdown(s) for s in summaries) + "\n"
        if fmt == "csv":
            ids = sorted({c.person_id for s in snaps for c in s.all_checkins
                          if c.person_id is not None})  # fmt: skip
            people = await unit.people.people(ids)
            names = {pid: p.display_name or p.external_id for pid, p in people.items()}
            return checkins_csv(*snaps, names=names)
        data: list[dict[str, Any]] = []
        for snap in snaps:
            assert snap.pilot.id is not None
            workspace = await unit.workspaces.workspace_by_id(snap.pilot.workspace_id)
            history = await unit.pilots.role_history(snap.pilot.id)
            people = await unit.people.people(sorted({h.person_id for h in history}))
            data.append(
                {
                    "pilot": snap.pilot.model_dump(mode="json"),
                    "workspace": workspace.model_dump(mode="json") if workspace else None,
                    "people": [p.model_dump(mode="json") for p in people.values()],
                    "roles": [h.model_dump(mode="json") for h in history],
                    "tasks_done": sorted(snap.done),
                    "processes": [p.model_dump(mode="json") for p in snap.processes],
                    # removed metrics and withdrawn check-ins too (removed_at, withdrawn_at)
                    "metrics": [m.model_dump(mode="json") for m in snap.all_metrics],
                    "checkins": [c.model_dump(mode="json") for c in snap.all_checkins],
                }
            )
        return json.dumps({"pilots": data}, ensure_ascii=False, indent=2) + "\n"


async def export_text(settings: Settings, fmt: str, pilot_id: int | None) -> str:
    from bot.app import build_app

    require_current(settings.database_url)
    app = build_app(settings, adapters={})
    try:
        return await export(app.uow, app.clock, fmt, pilot_id)
    finally:
        await app.close()


async def write_report(settings: Settings, pilot_id: int, out_dir: Path) -> list[Path]:
    """``pilot-coach report``: every summary format of one pilot into ``out_dir``."""
    from bot.app import build_app
    from bot.report import write_summary

    require_current(settings.database_url)
    app = build_app(settings, adapters={})
    try:
        async with app.uow() as uow:
            pilot = await uow.pilots.pilot(pilot_id) if is_id(pilot_id) else None
            if pilot is None:
                raise PilotNotFound(f"no pilot with id {pilot_id}")
            summary = await load_summary(uow, await load_snapshot(uow, pilot, app.clock.now()))
    finally:
        await app.close()
    return await asyncio.to_thread(write_summary, summary, out_dir)
