"""Slack canvases in memory: what ``storage.repositories.canvases.CanvasRepository`` does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.canvases import (
    ASK_AGAIN,
    EDIT_INTERVAL,
    KIND,
    CanvasSupport,
    CanvasUpdate,
    PilotCanvas,
    canvas_row,
)
from storage.tables import OutboxMessage
from tests.fakes.repositories import _InMemory


class FakeCanvases(_InMemory):
    async def pilot(self, pilot_id: int) -> PilotCanvas | None:
        return self.store.get(PilotCanvas, pilot_id)

    async def of_pilots(self, ids: list[int]) -> dict[int, PilotCanvas]:
        wanted = set(ids)
        return {r.pilot_id: r for r in self.store.all(PilotCanvas) if r.pilot_id in wanted}

    async def open_for(self, pilot_id: int, previous: int | None = None) -> None:
        state = self._row(pilot_id)
        before = self.store.get(PilotCanvas, previous) if previous is not None else None
        if before is not None and before.canvas_id and not state.canvas_id:
            state.canvas_id, state.sections = before.canvas_id, dict(before.sections)

    def _row(self, pilot_id: int) -> PilotCanvas:
        found = self.store.get(PilotCanvas, pilot_id)
        if found is None:
            found = PilotCanvas(pilot_id=pilot_id)
            self.store.add(found)
        return found

    async def unavailable(self, platform: str, team: str, now: datetime) -> str | None:
        row = self.store.get(CanvasSupport, platform, team)
        return row.reason if row is not None and row.since > now - ASK_AGAIN else None

    async def unavailable_teams(self, platform: str, now: datetime) -> set[str]:
        rows = self.store.all(CanvasSupport)
        return {r.team for r in rows if r.platform == platform and r.since > now - ASK_AGAIN}

    async def mark_unavailable(self, platform: str, team: str, reason: str, now: datetime) -> None:
        row = self.store.get(CanvasSupport, platform, team)
        if row is None:
            self.store.add(
                CanvasSupport(platform=platform, team=team, reason=reason[:64], since=now)
            )
        else:
            row.reason, row.since = reason[:64], now

    async def queue(
        self, updates: Sequence[CanvasUpdate], now: datetime, states: dict[int, PilotCanvas]
    ) -> int:
        queued = 0
        for update in updates:
            state = states.get(update.pilot_id) or self._row(update.pilot_id)
            states[update.pilot_id] = state
            if state.digest == update.digest:
                continue
            state.digest = update.digest
            queued += 1
            pending = [
                r for r in self.store.all(OutboxMessage)
                if r.pilot_id == update.pilot_id and r.kind == KIND and r.status == "pending"
            ]  # fmt: skip
            waiting = next((r for r in reversed(pending) if r.attempts == 0), None)
            if waiting is not None:
                waiting.payload = {"canvas": update.doc, "generation": state.generation}
                waiting.target = update.target
                continue
            due = now
            if state.sent_at is not None:
                due = max(due, state.sent_at + EDIT_INTERVAL)
            for in_flight in pending:
                due = max(due, in_flight.due_at + EDIT_INTERVAL)
            state.generation += 1
            self.store.add(canvas_row(update, state.generation, due))
        return queued

    async def published(
        self, pilot_id: int, canvas_id: str, sections: dict[str, str], now: datetime
    ) -> None:
        state = self._row(pilot_id)
        state.canvas_id, state.sections, state.sent_at = canvas_id, dict(sections), now

    async def forget_canvas(self, pilot_id: int) -> None:
        state = self._row(pilot_id)
        state.canvas_id, state.sections = None, {}

    async def set_results_doc(self, pilot_id: int, doc: dict[str, Any]) -> None:
        self._row(pilot_id).results_doc = doc

    async def published_results(self, pilot_id: int, canvas_id: str, url: str) -> None:
        state = self._row(pilot_id)
        state.results_canvas_id, state.results_url = canvas_id, url[:300]
