"""Out-of-office periods in the database (``uow.away``); the rules live in ``storage.away``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import col, delete, or_, select, update

from storage.away import (
    WELCOME_KIND,
    WELCOME_WITHIN,
    AwayRows,
    Changes,
    is_current,
    returns_at,
    split_periods,
    welcomed_period,
)
from storage.repositories.base import SessionRepository, is_literal, one_of
from storage.tables import (
    AwayPeriod,
    BuildDecision,
    CapacityCheck,
    OutboxMessage,
    RoleAssignment,
    TaskState,
)


class AwayRepository(SessionRepository):
    """Out-of-office periods (``uow.away``)."""

    async def current(self, person_id: int, now: datetime) -> AwayPeriod | None:
        periods = await self._recent([person_id], now)
        return next((p for p in periods if is_current(p, now)), None)

    async def start(
        self, person_id: int, source: str, now: datetime, until: datetime | None
    ) -> AwayPeriod:
        """Away from ``now`` until ``until``; a current period is moved to the new end (one
        absence, one welcome back)."""
        period = await self.current(person_id, now)
        if period is None:
            period = AwayPeriod(person_id=person_id, source=source, starts_at=now, until=until)
        else:
            period.until, period.source = until, source
        self.session.add(period)
        await self.session.flush()
        return period

    async def end(self, person_id: int, now: datetime) -> AwayPeriod | None:
        """``back``: the current period ends now; None if there was none."""
        period = await self.current(person_id, now)
        if period is None:
            return None
        period.ended_at = now
        self.session.add(period)
        await self.session.flush()
        return period

    async def rows_for(
        self, person_ids: Iterable[int], pilot_ids: Sequence[int], now: datetime
    ) -> AwayRows:
        """For the snapshots: who is away now, who came back lately, who was welcomed."""
        current, returned = split_periods(await self._recent(person_ids, now), now)
        welcomed: dict[tuple[int, int], int] = {}
        if returned and pilot_ids:
            keys = await self.session.exec(
                select(OutboxMessage.pilot_id, OutboxMessage.week, OutboxMessage.dedupe_key).where(
                    one_of(col(OutboxMessage.pilot_id), pilot_ids),
                    OutboxMessage.kind == WELCOME_KIND,
                )
            )
            for pilot_id, week, key in keys:
                period_id = welcomed_period(key)
                if pilot_id is not None and period_id is not None:
                    welcomed[(pilot_id, period_id)] = week
        return AwayRows(current, returned, welcomed)

    async def owners_returning(
        self, pilot_ids: Sequence[int], now: datetime
    ) -> dict[int, list[datetime]]:
        """Pilot id -> the moments its role owners come back after ``now`` (the planner's
        next look at the pilot)."""
        if not pilot_ids:
            return {}
        rows = await self.session.exec(
            select(RoleAssignment.pilot_id, AwayPeriod)
            .join(AwayPeriod, col(AwayPeriod.person_id) == col(RoleAssignment.person_id))
            .where(
                one_of(col(RoleAssignment.pilot_id), pilot_ids),
                col(RoleAssignment.ended_at).is_(None),
                or_(col(AwayPeriod.ended_at).is_(None), col(AwayPeriod.ended_at) > now),
                col(AwayPeriod.until) > now,
            )
        )
        found: dict[int, list[datetime]] = {}
        for pilot_id, period in rows:
            back = returns_at(period)
            if back is not None:
                found.setdefault(pilot_id, []).append(back)
        return found

    async def changes(self, pilot_id: int, since: datetime) -> Changes:
        tasks = await self.session.exec(
            select(TaskState.task_id)
            .where(TaskState.pilot_id == pilot_id, col(TaskState.done_at) > since)
            .order_by(col(TaskState.done_at))
        )
        roles = await self.session.exec(
            select(RoleAssignment.role).where(
                RoleAssignment.pilot_id == pilot_id,
                col(RoleAssignment.assigned_at) > since,
                col(RoleAssignment.ended_at).is_(None),
            )
        )
        capacity = await self.session.exec(
            select(CapacityCheck.pilot_id).where(
                CapacityCheck.pilot_id == pilot_id, col(CapacityCheck.answered_at) > since
            )
        )
        decision = (
            await self.session.exec(select(BuildDecision).where(BuildDecision.pilot_id == pilot_id))
        ).first()
        return Changes(
            tasks=tuple(tasks.all()),
            roles=tuple(roles.all()),
            capacity=capacity.first() is not None,
            live=bool(decision and decision.live_at and decision.live_at > since),
            overrun=bool(decision and decision.overrun_at and decision.overrun_at > since),
        )

    async def forget(self, person_id: int) -> None:
        await self.session.exec(delete(AwayPeriod).where(col(AwayPeriod.person_id) == person_id))

    async def skip_delivery(self, outbox_id: int) -> None:
        """A nudge not sent because its recipient is away: it is neither sent nor ignored."""
        await self.session.exec(
            update(OutboxMessage).where(col(OutboxMessage.id) == outbox_id).values(status="skipped")
        )

    async def drop_delivery(self, outbox_id: int) -> None:
        """A digest that named someone now away: gone, so it can be planned again."""
        await self.session.exec(delete(OutboxMessage).where(col(OutboxMessage.id) == outbox_id))

    async def skip_pending(self, person_id: int, kinds: Iterable[str]) -> None:
        """Nudges queued for ``person`` before they went away are not sent any more."""
        await self.session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.person_id) == person_id,
                is_literal(col(OutboxMessage.status), "pending"),
                col(OutboxMessage.kind).in_(list(kinds)),
            )
            .values(status="skipped")
        )

    async def _recent(self, person_ids: Iterable[int], now: datetime) -> Sequence[AwayPeriod]:
        ids = sorted(set(person_ids))
        if not ids:
            return []
        since = now - WELCOME_WITHIN
        query = (
            select(AwayPeriod)
            .where(
                one_of(col(AwayPeriod.person_id), ids),
                or_(col(AwayPeriod.ended_at).is_(None), col(AwayPeriod.ended_at) > since),
                or_(col(AwayPeriod.until).is_(None), col(AwayPeriod.until) > since),
            )
            .order_by(col(AwayPeriod.starts_at), col(AwayPeriod.id))
        )
        return (await self.session.exec(query)).all()
