"""What an adapter needs to render a reply richly: the pilot's language and, for a results
reply, the results chart. Read-only; adapters that only render text never need it.

A reply does not say which pilot it belongs to, so the pilots it could belong to are looked up
(the channel's pilot, then the person's open pilots) and a results reply is recognised by its
heading, which ``views.results_reply`` renders from that pilot alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.catalog import texts
from bot.clock import Clock
from bot.messages import Heading, Reply
from bot.report import chart_png
from bot.services import views
from bot.services.snapshot import Snapshot, load_snapshot
from storage.repositories import UnitOfWorkFactory
from storage.tables import Pilot


@dataclass(frozen=True)
class ReplyContext:
    language: str
    chart_png: bytes | None = None  # the results chart, when the reply is a pilot's results


async def reply_context(
    uow: UnitOfWorkFactory,
    clock: Clock,
    default_language: str,
    platform: str,
    workspace: str,
    *,
    reply: Reply | None = None,
    channel: str | None = None,
    user: str | None = None,
) -> ReplyContext:
    """The language of the pilot behind this channel or person, and the chart of ``reply``."""
    now = clock.now()
    async with uow() as unit:
        repo = unit.repo
        ws = await repo.workspace(platform, workspace)
        assert ws.id is not None
        candidates: list[Pilot] = []
        if channel:
            pilot = await repo.current_pilot(ws.id, channel)
            if pilot is not None:
                candidates.append(pilot)
        if user:
            person = await repo.person(ws.id, user)
            if person.id is not None:
                candidates.extend(await repo.pilots_of_person(person.id))
        if not candidates:
            return ReplyContext(default_language)
        heading = _heading(reply)
        chosen: Snapshot | None = None
        if heading is not None:
            for pilot in candidates:
                if (pilot.channel_name or pilot.channel_id) not in heading:
                    continue  # cheap pre-check: a results heading names the pilot's channel
                snap = await load_snapshot(repo, pilot, now)
                t = texts(snap.pilot.language)
                if _heading(views.results_reply(t, snap)) == heading:
                    chosen = snap
                    break
    if chosen is None or not chosen.metrics:
        return ReplyContext(candidates[0].language)
    png = await asyncio.to_thread(chart_png, chosen)
    return ReplyContext(chosen.pilot.language, png)


def _heading(reply: Reply | None) -> str | None:
    if reply is None:
        return None
    return next((b.text for b in reply.blocks if isinstance(b, Heading)), None)
