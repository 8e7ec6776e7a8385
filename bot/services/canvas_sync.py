"""Keeps each Slack pilot's canvas in step with its state: ``start`` (and ``next cycle``) give a
pilot a canvas (``open_canvas``); the planner, which looks at every pilot whose state changed
(``next_due_at`` NULL) and at each weekly slot, renders the living page of those that have one
and queues it when it differs from what was queued last (``storage.canvases``: at most
one update a minute per pilot, through the outbox). Workspaces where canvases are unavailable
are left out; nothing here ever fails a command."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.catalog import texts
from bot.messages import ConversationRef
from bot.ports import AbstractUnitOfWork
from bot.services.canvas_views import pilot_doc
from bot.services.snapshot import Snapshot, load_snapshots
from storage.canvases import CanvasUpdate
from storage.tables import Pilot, Workspace

PLATFORM = "slack"  # the platform with canvases


async def queue_canvases(
    uow: AbstractUnitOfWork,
    pilots: Sequence[Pilot],
    workspaces: Mapping[int, Workspace],
    now: datetime,
    known: Mapping[int, Snapshot] | None = None,
) -> int:
    """Queue the canvases of these pilots that changed; returns how many were queued.
    ``known``: snapshots the caller has already read (at ``now``)."""
    wanted = [
        p for p in pilots
        if p.id is not None and p.status == "open" and p.workspace_id in workspaces
        and workspaces[p.workspace_id].platform == PLATFORM
    ]  # fmt: skip
    if not wanted:
        return 0
    canvases = uow.canvases
    states = await canvases.of_pilots([p.id for p in wanted if p.id is not None])
    if not states:  # none of them has a canvas (one is opened by start and next cycle)
        return 0
    off = await canvases.unavailable_teams(PLATFORM, now)
    wanted = [p for p in wanted if p.id in states
              and workspaces[p.workspace_id].external_id not in off]  # fmt: skip
    known = known or {}
    missing = [p for p in wanted if p.id not in known]
    snaps = [known[p.id] for p in wanted if p.id is not None and p.id in known]
    if missing:
        snaps += await load_snapshots(uow, missing, now)
    updates = []
    for snap in snaps:
        doc = pilot_doc(texts(snap.pilot.language), snap)
        workspace = workspaces[snap.pilot.workspace_id]
        target = ConversationRef(platform=PLATFORM, workspace=workspace.external_id,
                                 channel=snap.pilot.channel_id).to_json()  # fmt: skip
        updates.append(CanvasUpdate(snap.pilot_id, doc.digest(), doc.to_json(), target, snap.week))
    return await canvases.queue(updates, now, states)


async def open_canvas(
    uow: AbstractUnitOfWork, platform: str, pilot_id: int, previous: int | None
) -> None:
    """A new pilot gets a canvas where the platform has them (the next plan creates it)."""
    if platform == PLATFORM:
        await uow.canvases.open_for(pilot_id, previous)
