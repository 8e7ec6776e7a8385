"""Out-of-office periods in memory: what ``storage.away.AwayRepository`` does, on the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

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
from storage.tables import (
    AwayPeriod,
    BuildDecision,
    CapacityCheck,
    OutboxMessage,
    RoleAssignment,
    TaskState,
)
from tests.fakes.repositories import _InMemory


class FakeAway(_InMemory):
    async def current(self, person_id: int, now: datetime) -> AwayPeriod | None:
        return next((p for p in self._recent([person_id], now) if is_current(p, now)), None)

    async def start(
        self, person_id: int, source: str, now: datetime, until: datetime | None
    ) -> AwayPeriod:
        period = await self.current(person_id, now)
        if period is None:
            period = AwayPeriod(person_id=person_id, source=source, starts_at=now, until=until)
            self.store.add(period)
        else:
            period.until, period.source = until, source
        return period

    async def end(self, person_id: int, now: datetime) -> AwayPeriod | None:
        period = await self.current(person_id, now)
        if period is not None:
            period.ended_at = now
        return period

    async def rows_for(
        self, person_ids: Iterable[int], pilot_ids: Sequence[int], now: datetime
    ) -> AwayRows:
        current, returned = split_periods(self._recent(person_ids, now), now)
        welcomed: dict[tuple[int, int], int] = {}
        for row in self.store.where(
            OutboxMessage, lambda m: m.pilot_id in pilot_ids and m.kind == WELCOME_KIND
        ):
            period_id = welcomed_period(row.dedupe_key)
            if row.pilot_id is not None and period_id is not None:
                welcomed[(row.pilot_id, period_id)] = row.week
        return AwayRows(current, returned, welcomed)

    async def owners_returning(
        self, pilot_ids: Sequence[int], now: datetime
    ) -> dict[int, list[datetime]]:
        found: dict[int, list[datetime]] = {}
        for role in self.store.where(
            RoleAssignment, lambda r: r.pilot_id in pilot_ids and r.ended_at is None
        ):
            periods = [p for p in self.store.all(AwayPeriod) if p.person_id == role.person_id]
            for period in periods:
                open_ = period.ended_at is None or period.ended_at > now
                if open_ and period.until is not None and period.until > now:
                    back = returns_at(period)
                    if back is not None:
                        found.setdefault(role.pilot_id, []).append(back)
        return found

    async def changes(self, pilot_id: int, since: datetime) -> Changes:
        tasks = sorted(
            self.store.where(TaskState, lambda t: t.pilot_id == pilot_id and t.done_at > since),
            key=lambda t: t.done_at,
        )
        roles = self.store.where(
            RoleAssignment,
            lambda r: r.pilot_id == pilot_id and r.assigned_at > since and r.ended_at is None,
        )
        capacity = self.store.first(
            CapacityCheck,
            lambda c: (
                c.pilot_id == pilot_id and c.answered_at is not None and c.answered_at > since
            ),
        )
        decision = self.store.first(BuildDecision, lambda d: d.pilot_id == pilot_id)
        return Changes(
            tasks=tuple(t.task_id for t in tasks),
            roles=tuple(r.role for r in roles),
            capacity=capacity is not None,
            live=bool(decision and decision.live_at and decision.live_at > since),
            overrun=bool(decision and decision.overrun_at and decision.overrun_at > since),
        )

    async def forget(self, person_id: int) -> None:
        gone = self.store.where(AwayPeriod, lambda p: p.person_id == person_id)
        self.store.delete(gone)

    async def skip_delivery(self, outbox_id: int) -> None:
        for row in self.store.where(OutboxMessage, lambda m: m.id == outbox_id):
            row.status = "skipped"

    async def drop_delivery(self, outbox_id: int) -> None:
        gone = self.store.where(OutboxMessage, lambda m: m.id == outbox_id)
        self.store.delete(gone)

    async def skip_pending(self, person_id: int, kinds: Iterable[str]) -> None:
        wanted = set(kinds)
        for row in self.store.where(
            OutboxMessage,
            lambda m: m.person_id == person_id and m.status == "pending" and m.kind in wanted,
        ):
            row.status = "skipped"

    def _recent(self, person_ids: Iterable[int], now: datetime) -> list[AwayPeriod]:
        ids = set(person_ids)
        since = now - WELCOME_WITHIN
        found = self.store.where(
            AwayPeriod,
            lambda p: (
                p.person_id in ids
                and (p.ended_at is None or p.ended_at > since)
                and (p.until is None or p.until > since)
            ),
        )
        return sorted(found, key=lambda p: (p.starts_at, p.id or 0))
