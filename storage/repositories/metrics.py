"""What a pilot measures: metrics, their weekly check-ins, and the retrospective."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from storage.repositories.base import SessionRepository
from storage.tables import (
    Checkin,
    Metric,
    Person,
    RetroAnswer,
)


class MetricRepository(SessionRepository):
    """Metrics and check-ins (one value per metric and pilot week)."""

    async def metrics(self, pilot_id: int) -> Sequence[Metric]:
        """The pilot's metrics that count (``metric remove`` leaves a row with removed_at)."""
        return (
            await self.session.exec(
                select(Metric)
                .where(Metric.pilot_id == pilot_id, col(Metric.removed_at).is_(None))
                .order_by(col(Metric.id))
            )
        ).all()

    async def checkins(self, pilot_id: int) -> Sequence[Checkin]:
        return (
            await self.session.exec(
                select(Checkin)
                .where(Checkin.pilot_id == pilot_id)
                .order_by(col(Checkin.recorded_at), col(Checkin.id))
            )
        ).all()

    async def supersede_week(
        self, pilot_id: int, metric_id: int, week: int
    ) -> tuple[Checkin | None, list[Checkin]]:
        """One value per metric and pilot week: the latest check-in of that week that counts
        replaces the others (``replaced_by``; they stay for the export). Returns it and the
        ones it replaced now."""
        rows = list(
            (
                await self.session.exec(
                    select(Checkin)
                    .where(Checkin.pilot_id == pilot_id, Checkin.metric_id == metric_id,
                           Checkin.week == week, col(Checkin.withdrawn_at).is_(None),
                           col(Checkin.replaced_by).is_(None))
                    .order_by(col(Checkin.recorded_at), col(Checkin.id))
                )
            ).all()
        )  # fmt: skip
        if not rows:
            return None, []
        keep, older = rows[-1], rows[:-1]
        for row in older:
            row.replaced_by = keep.id
            self.session.add(row)
        await self.session.flush()
        return keep, older

    async def restore_replaced(self, checkin_id: int) -> None:
        """``checkin undo`` of a check-in that replaced others: the ones it replaced count
        again (the newest of them stays the week's value; the rest stay replaced by it)."""
        rows = list(
            (
                await self.session.exec(
                    select(Checkin).where(Checkin.replaced_by == checkin_id)
                    .order_by(col(Checkin.recorded_at), col(Checkin.id))
                )
            ).all()
        )  # fmt: skip
        for row in rows:
            row.replaced_by = None
            self.session.add(row)
        await self.session.flush()


class RetroRepository(SessionRepository):
    """The retrospective's answers."""

    async def save_retro(
        self, pilot_id: int, person_id: int, question: int, text: str, now: datetime
    ) -> None:
        row = (
            await self.session.exec(
                select(RetroAnswer).where(
                    RetroAnswer.pilot_id == pilot_id,
                    RetroAnswer.person_id == person_id,
                    RetroAnswer.question == question,
                )
            )
        ).first()
        if row is None:
            row = RetroAnswer(pilot_id=pilot_id, person_id=person_id, question=question,
                              text=text, answered_at=now)  # fmt: skip
        else:
            row.text, row.answered_at = text, now
        self.session.add(row)
        await self.session.flush()

    async def retro_answers(self, pilot_id: int) -> list[tuple[RetroAnswer, Person]]:
        rows = await self.session.exec(
            select(RetroAnswer, Person)
            .join(Person, col(Person.id) == col(RetroAnswer.person_id))
            .where(RetroAnswer.pilot_id == pilot_id)
            .order_by(col(RetroAnswer.question), col(RetroAnswer.id))
        )
        return [(a, p) for a, p in rows]
