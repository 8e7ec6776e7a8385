"""Keeps each Slack pilot's canvas in step with its state: the planner, which looks at every
pilot whose state changed (``next_due_at`` NULL) and at each weekly slot, renders the living
page and queues it when it differs from what was queued last (``storage.canvases``: at most
one update a minute per pilot, through the outbox). Workspaces where canvases are unavailable
are left out; nothing here ever fails a command."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.catalog import texts
from bot.messages import ConversationRef
from bot.services.canvas_views import pilot_doc
from bot.services.snapshot import Snapshot, load_snapshots
from storage.canvases import CanvasRepository
from storage.repositories import Repository
from storage.tables import Pilot, Workspace

PLATFORM = "slack"  # the platform with canvases


async def queue_canvases(
    repo: Repository,
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
    canvases = CanvasRepository(repo.session)
    off = await canvases.unavailable_teams(PLATFORM, now)
    wanted = [p for p in wanted if workspaces[p.workspace_id].external_id not in off]
    known = known or {}
    missing = [p for p in wanted if p.id not in known]
    snaps = [known[p.id] for p in wanted if p.id is not None and p.id in known]
    if missing:
        snaps += await load_snapshots(repo, missing, now)
    states = await canvases.of_pilots([s.pilot_id for s in snaps])
    queued = 0
    for snap in snaps:
        doc = pilot_doc(texts(snap.pilot.language), snap)
        digest = doc.digest()
        state = states.get(snap.pilot_id)
        if state is not None and state.digest == digest:
            continue
        workspace = workspaces[snap.pilot.workspace_id]
        target = ConversationRef(platform=PLATFORM, workspace=workspace.external_id,
                                 channel=snap.pilot.channel_id).to_json()  # fmt: skip
        if await canvases.queue(snap.pilot_id, digest, doc.to_json(), target, snap.week, now):
            queued += 1
    return queued
