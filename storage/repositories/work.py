"""What a pilot works on: roadmap tasks, candidate workflows and the build decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from storage.repositories.base import SessionRepository
from storage.tables import (
    BuildDecision,
    CapacityCheck,
    Process,
    TaskState,
)


class TaskRepository(SessionRepository):
    """Roadmap tasks ticked off per pilot."""

    async def done_tasks(self, pilot_id: int) -> dict[str, TaskState]:
        rows = await self.session.exec(select(TaskState).where(TaskState.pilot_id == pilot_id))
        return {t.task_id: t for t in rows}

    async def mark_done(
        self, pilot_id: int, task_id: str, person_id: int, now: datetime, note: str
    ) -> bool:
        return await self.insert_ignore(
            TaskState,
            {
                "pilot_id": pilot_id,
                "task_id": task_id,
                "done_by": person_id,
                "done_at": now,
                "note": note,
            },
        )


class ProcessRepository(SessionRepository):
    """Candidate workflows, the capacity check and the build decision."""

    async def processes(self, pilot_id: int) -> Sequence[Process]:
        return (
            await self.session.exec(
                select(Process).where(Process.pilot_id == pilot_id).order_by(col(Process.position))
            )
        ).all()

    async def remove_process(self, pilot_id: int, process_id: int) -> list[Process]:
        """Delete one candidate workflow; the ones after it move up one position (positions
        are unique per pilot: each moves into the place just freed). Returns the rest."""
        gone = await self.session.get(Process, process_id)
        if gone is not None:
            await self.session.delete(gone)
            await self.session.flush()
        rest = list(await self.processes(pilot_id))
        for position, process in enumerate(rest, start=1):
            if process.position != position:
                process.position = position
                self.session.add(process)
                await self.session.flush()
        return rest

    async def decision(self, pilot_id: int) -> BuildDecision:
        """The pilot's build decisions row, created (not yet flushed) when there is none."""
        found = await self.session.get(BuildDecision, pilot_id)
        if found is None:
            found = BuildDecision(pilot_id=pilot_id)
        self.session.add(found)
        return found

    async def capacity_check(self, pilot_id: int) -> CapacityCheck | None:
        return await self.session.get(CapacityCheck, pilot_id)
