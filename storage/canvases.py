"""Canvases: each pilot's living page and results page (Slack canvases), and the workspaces
that cannot have canvases. Tables and their repository (``uow.canvases``).

A canvas change goes out through the outbox (kind ``canvas``), at most once a minute per
pilot: a change while an update is still waiting replaces that update's content; one after an
update went out waits until a minute after it. Each queued update has a generation number, and
only the newest one is sent, so a late retry never puts older content back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import OutboxMessage
from storage.types import utc_column

#: at most one canvas update per pilot in this interval
EDIT_INTERVAL = timedelta(minutes=1)
KIND = "canvas"
#: a workspace without canvases is asked again after this long (a scope added, a plan changed)
ASK_AGAIN = timedelta(days=1)


class PilotCanvas(SQLModel, table=True):
    """A pilot's canvases: the channel canvas (living page) and the results canvas."""

    __tablename__ = "pilot_canvases"
    pilot_id: int = Field(foreign_key="pilots.id", primary_key=True)
    canvas_id: str | None = Field(default=None, max_length=64)
    # the markdown of each section as last sent (section key -> markdown): what an edit changes
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    digest: str = Field(default="", max_length=64)  # of the newest queued document
    generation: int = 0  # of the newest queued update
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    results_canvas_id: str | None = Field(default=None, max_length=64)
    results_url: str = Field(default="", max_length=300)
    # the results document of the newest ``announce`` (sent with the announcement)
    results_doc: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CanvasSupport(SQLModel, table=True):
    """A workspace where canvases are unavailable (the platform's reason): not asked again."""

    __tablename__ = "canvas_support"
    platform: str = Field(max_length=16, primary_key=True)
    team: str = Field(max_length=128, primary_key=True)
    reason: str = Field(max_length=64)
    since: datetime = Field(sa_column=utc_column())


@dataclass(frozen=True)
class CanvasUpdate:
    """A pilot's living page as rendered now (``bot.canvas.CanvasDoc`` JSON) and where it goes."""

    pilot_id: int
    digest: str
    doc: dict[str, Any]
    target: dict[str, Any]
    week: int


class CanvasRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pilot(self, pilot_id: int) -> PilotCanvas | None:
        return await self.session.get(PilotCanvas, pilot_id)

    async def of_pilots(self, ids: list[int]) -> dict[int, PilotCanvas]:
        if not ids:
            return {}
        rows = await self.session.exec(
            select(PilotCanvas).where(col(PilotCanvas.pilot_id).in_(ids))
        )
        return {r.pilot_id: r for r in rows}

    async def open_for(self, pilot_id: int, previous: int | None = None) -> None:
        """Give a new pilot a canvas: the planner creates it. A next cycle in the same channel
        takes over the previous cycle's canvas (a channel has one)."""
        state = await self._row(pilot_id)
        before = await self.session.get(PilotCanvas, previous) if previous is not None else None
        if before is not None and before.canvas_id and not state.canvas_id:
            state.canvas_id, state.sections = before.canvas_id, dict(before.sections)
            self.session.add(state)
            await self.session.flush()

    async def _row(self, pilot_id: int) -> PilotCanvas:
        found = await self.session.get(PilotCanvas, pilot_id)
        if found is None:
            found = PilotCanvas(pilot_id=pilot_id)
            self.session.add(found)
            await self.session.flush()
        return found

    async def unavailable(self, platform: str, team: str, now: datetime) -> str | None:
        """Why canvases are unavailable in this workspace (asked within ``ASK_AGAIN``), or
        None: then the bot tries (again)."""
        row = await self.session.get(CanvasSupport, (platform, team))
        return row.reason if row is not None and row.since > now - ASK_AGAIN else None

    async def unavailable_teams(self, platform: str, now: datetime) -> set[str]:
        rows = await self.session.exec(
            select(CanvasSupport.team).where(
                CanvasSupport.platform == platform, col(CanvasSupport.since) > now - ASK_AGAIN
            )
        )
        return set(rows)

    async def mark_unavailable(self, platform: str, team: str, reason: str, now: datetime) -> None:
        row = await self.session.get(CanvasSupport, (platform, team))
        if row is None:
            row = CanvasSupport(platform=platform, team=team, reason=reason[:64], since=now)
        else:
            row.reason, row.since = reason[:64], now
        self.session.add(row)
        await self.session.flush()

    async def queue(
        self, updates: Sequence[CanvasUpdate], now: datetime, states: dict[int, PilotCanvas]
    ) -> int:
        """Queue each pilot's canvas as its ``doc`` unless that is what was queued last
        (``states``: the pilots' rows, ``of_pilots``); returns how many were queued (or gave an
        update still waiting its new content). One query for the waiting updates of all of
        them, one flush at the end."""
        if not updates:
            return 0
        ids = [u.pilot_id for u in updates]
        pending: dict[int, list[OutboxMessage]] = {}
        for row in await self.session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.pilot_id).in_(ids), OutboxMessage.kind == KIND,
                   OutboxMessage.status == "pending")
            .order_by(col(OutboxMessage.id).desc())
        ):  # fmt: skip
            if row.pilot_id is not None:
                pending.setdefault(row.pilot_id, []).append(row)
        queued = 0
        for update in updates:
            state = states.get(update.pilot_id)
            if state is None:
                state = states[update.pilot_id] = PilotCanvas(pilot_id=update.pilot_id)
            if state.digest == update.digest:
                continue
            state.digest = update.digest
            self.session.add(state)
            queued += 1
            rows = pending.get(update.pilot_id, [])
            waiting = next((r for r in rows if r.attempts == 0), None)
            if waiting is not None:  # not claimed yet: it goes out with the new content
                waiting.payload = {"canvas": update.doc, "generation": state.generation}
                waiting.target = update.target
                self.session.add(waiting)
                continue
            due = now
            if state.sent_at is not None:
                due = max(due, state.sent_at + EDIT_INTERVAL)
            for in_flight in rows:  # claimed, perhaps being sent right now
                due = max(due, in_flight.due_at + EDIT_INTERVAL)
            state.generation += 1
            self.session.add(
                OutboxMessage(
                    dedupe_key=f"{update.pilot_id}:canvas:{state.generation}",
                    pilot_id=update.pilot_id, person_id=None, week=update.week, kind=KIND,
                    target=update.target,
                    payload={"canvas": update.doc, "generation": state.generation},
                    due_at=due, next_attempt_at=due,
                )
            )  # fmt: skip
        await self.session.flush()
        return queued

    async def published(
        self, pilot_id: int, canvas_id: str, sections: dict[str, str], now: datetime
    ) -> None:
        state = await self._row(pilot_id)
        state.canvas_id, state.sections, state.sent_at = canvas_id, dict(sections), now
        self.session.add(state)

    async def forget_canvas(self, pilot_id: int) -> None:
        """The canvas is gone (deleted in Slack): the next update creates a new one."""
        state = await self._row(pilot_id)
        state.canvas_id, state.sections = None, {}
        self.session.add(state)

    async def set_results_doc(self, pilot_id: int, doc: dict[str, Any]) -> None:
        state = await self._row(pilot_id)
        state.results_doc = doc
        self.session.add(state)

    async def published_results(self, pilot_id: int, canvas_id: str, url: str) -> None:
        state = await self._row(pilot_id)
        state.results_canvas_id, state.results_url = canvas_id, url[:300]
        self.session.add(state)
