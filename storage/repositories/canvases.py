"""Slack canvases in the database (``uow.canvases``); the tables live in ``storage.canvases``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from storage.canvases import (
    ASK_AGAIN,
    EDIT_INTERVAL,
    KIND,
    CanvasSupport,
    CanvasUpdate,
    PilotCanvas,
    canvas_row,
)
from storage.repositories.base import SessionRepository, one_of
from storage.tables import OutboxMessage


class CanvasRepository(SessionRepository):
    """A pilot's living page and results canvas, and where canvases are unavailable."""

    async def pilot(self, pilot_id: int) -> PilotCanvas | None:
        return await self.session.get(PilotCanvas, pilot_id)

    async def of_pilots(self, ids: list[int]) -> dict[int, PilotCanvas]:
        if not ids:
            return {}
        rows = await self.session.exec(
            select(PilotCanvas).where(one_of(col(PilotCanvas.pilot_id), ids))
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
            .where(one_of(col(OutboxMessage.pilot_id), ids), OutboxMessage.kind == KIND,
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
            self.session.add(canvas_row(update, state.generation, due))
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
