"""Pilots: finding them, their planning moments (``next_due_at``), roles and activity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    func,
    or_,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from storage.locks import Conversation
from storage.records import PilotRows
from storage.repositories.base import SessionRepository, one_of
from storage.repositories.rows import load_pilot_rows
from storage.tables import (
    Activity,
    Person,
    Pilot,
    RoleAssignment,
    Workspace,
)


class PilotRepository(SessionRepository):
    """A channel's pilots, who holds which role, who was active when."""

    async def current_pilot(self, workspace_id: int, channel_id: str) -> Pilot | None:
        """The channel's newest pilot (open, or the last closed one)."""
        return (
            await self.session.exec(
                select(Pilot)
                .where(Pilot.workspace_id == workspace_id, Pilot.channel_id == channel_id)
                .order_by(col(Pilot.cycle).desc())
                .limit(1)
            )
        ).first()

    async def pilot(self, pilot_id: int) -> Pilot | None:
        return await self.session.get(Pilot, pilot_id)

    async def open_pilots(self) -> Sequence[Pilot]:
        return (
            await self.session.exec(
                select(Pilot).where(Pilot.status == "open").order_by(col(Pilot.id))
            )
        ).all()

    async def all_pilots(self) -> Sequence[Pilot]:
        return (await self.session.exec(select(Pilot).order_by(col(Pilot.id)))).all()

    async def pilots_of_person(self, person_id: int) -> Sequence[Pilot]:
        """Open pilots in which a person currently owns a role."""
        return (
            await self.session.exec(
                select(Pilot)
                .join(RoleAssignment, col(RoleAssignment.pilot_id) == col(Pilot.id))
                .where(
                    RoleAssignment.person_id == person_id,
                    col(RoleAssignment.ended_at).is_(None),
                    Pilot.status == "open",
                )
                .distinct()
            )
        ).all()

    def _due(self, now: datetime) -> ColumnElement[bool]:
        next_due = col(Pilot.next_due_at)
        return and_(col(Pilot.status) == "open", or_(next_due.is_(None), next_due <= now))

    async def due_pilot_ids(self, now: datetime) -> list[int]:
        """Open pilots the planner has to look at: ``next_due_at`` passed or unknown (NULL).
        An index range scan: a tick with nothing due reads no pilot."""
        # Two index ranges (unknown, passed), not one OR: SQLite would scan all open pilots.
        table = Pilot.__table__  # type: ignore[attr-defined]
        base = sa_select(table.c.id).where(table.c.status == "open")
        due = union_all(
            base.where(table.c.next_due_at.is_(None)), base.where(table.c.next_due_at <= now)
        )
        connection = await self.session.connection()
        return sorted(row[0] for row in await connection.execute(due))

    async def due_pilots(self, now: datetime, ids: Sequence[int] | None = None) -> Sequence[Pilot]:
        """The due pilots (of ``ids``), read again: settings may have changed since."""
        query = select(Pilot).where(self._due(now))
        if ids is not None:
            query = query.where(one_of(col(Pilot.id), ids))
        return (await self.session.exec(query.order_by(col(Pilot.id)))).all()

    async def set_next_due(self, due: dict[int, datetime]) -> None:
        """Each pilot's next due moment (one executemany)."""
        if not due:
            return
        table = Pilot.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        statement = (
            update(table)
            .where(table.c.id == bindparam("pilot"))
            .values(next_due_at=bindparam("due", type_=table.c.next_due_at.type))
        )
        await connection.execute(statement, [{"pilot": k, "due": v} for k, v in due.items()])

    async def mark_planning(self, ids: Sequence[int], now: datetime, marker: datetime) -> set[int]:
        """Of these pilots, the due ones get ``next_due_at = marker`` (a moment long past: due
        still, should the plan not finish): SQLite's planner reads them outside the writer and
        writes the plan of those ``marked`` still (a command's commit in between resets it)."""
        table = Pilot.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        await connection.execute(
            update(table).where(one_of(table.c.id, ids), self._due(now)).values(next_due_at=marker)
        )
        return await self.marked(ids, marker)

    async def marked(self, ids: Sequence[int], marker: datetime) -> set[int]:
        """Of these pilots, the open ones whose ``next_due_at`` is still ``marker``."""
        table = Pilot.__table__  # type: ignore[attr-defined]
        connection = await self.session.connection()
        rows = await connection.execute(
            sa_select(table.c.id).where(
                one_of(table.c.id, ids), table.c.status == "open", table.c.next_due_at == marker
            )
        )
        return {row[0] for row in rows}

    async def replan(self, pilot_ids: Sequence[int]) -> None:
        """Plan these pilots again at the next tick (their state changed)."""
        if pilot_ids:
            await self.session.exec(
                update(Pilot).where(one_of(col(Pilot.id), pilot_ids)).values(next_due_at=None)
            )

    async def replan_person(self, person_id: int) -> None:
        """Plan the open pilots in which ``person`` holds a role again at the next tick."""
        held = (
            sa_select(col(RoleAssignment.pilot_id))
            .where(
                col(RoleAssignment.person_id) == person_id,
                col(RoleAssignment.ended_at).is_(None),
            )
            .scalar_subquery()
        )
        await self.session.exec(
            update(Pilot)
            .where(col(Pilot.id).in_(held), col(Pilot.status) == "open")
            .values(next_due_at=None)
        )

    async def replan_conversations(self, conversations: Iterable[Conversation]) -> None:
        """Plan the open pilots of these (platform, workspace, channel) again at the next tick."""
        for platform, workspace, channel in conversations:
            ws = (
                sa_select(col(Workspace.id))
                .where(col(Workspace.platform) == platform, col(Workspace.external_id) == workspace)
                .scalar_subquery()
            )
            await self.session.exec(
                update(Pilot)
                .where(
                    col(Pilot.workspace_id) == ws,
                    col(Pilot.channel_id) == channel,
                    col(Pilot.status) == "open",
                    col(Pilot.next_due_at).is_not(None),
                )
                .values(next_due_at=None)
            )

    async def next_due_moment(self, now: datetime) -> tuple[datetime | None, Sequence[Pilot]]:
        """The earliest ``next_due_at`` after ``now`` of the open pilots, and the open pilots
        whose moment is unknown (NULL), for the caller to compute."""
        later = await self.session.exec(
            select(func.min(Pilot.next_due_at)).where(
                col(Pilot.status) == "open", col(Pilot.next_due_at) > now
            )
        )
        unknown = await self.session.exec(
            select(Pilot).where(col(Pilot.status) == "open", col(Pilot.next_due_at).is_(None))
        )
        return later.one(), unknown.all()

    async def roles(self, pilot_id: int) -> dict[str, Person]:
        rows = await self.session.exec(
            select(RoleAssignment, Person)
            .join(Person, col(Person.id) == col(RoleAssignment.person_id))
            .where(RoleAssignment.pilot_id == pilot_id, col(RoleAssignment.ended_at).is_(None))
        )
        return {assignment.role: person for assignment, person in rows}

    async def set_role(
        self, pilot_id: int, role: str, person_id: int, by: int | None, now: datetime
    ) -> None:
        await self.session.exec(
            update(RoleAssignment)
            .where(
                col(RoleAssignment.pilot_id) == pilot_id,
                col(RoleAssignment.role) == role,
                col(RoleAssignment.ended_at).is_(None),
            )
            .values(ended_at=now)
        )
        self.session.add(
            RoleAssignment(
                pilot_id=pilot_id, role=role, person_id=person_id, assigned_by=by, assigned_at=now
            )
        )
        await self.session.flush()

    async def role_history(self, pilot_id: int) -> Sequence[RoleAssignment]:
        return (
            await self.session.exec(
                select(RoleAssignment)
                .where(RoleAssignment.pilot_id == pilot_id)
                .order_by(col(RoleAssignment.id))
            )
        ).all()

    async def touch(self, pilot_id: int, person_id: int, now: datetime) -> None:
        row = await self.session.get(Activity, (pilot_id, person_id))
        if row is None:
            self.session.add(Activity(pilot_id=pilot_id, person_id=person_id, last_active_at=now))
        else:
            row.last_active_at = max(row.last_active_at, now)
            self.session.add(row)

    async def set_paused(self, pilot_id: int, person_id: int, now: datetime, paused: bool) -> bool:
        """Pause or resume one person's nudges in one pilot; False if nothing changed."""
        row = await self.session.get(Activity, (pilot_id, person_id))
        if row is None:
            row = Activity(pilot_id=pilot_id, person_id=person_id, last_active_at=now)
        if (row.paused_at is not None) == paused:
            return False
        row.paused_at = now if paused else None
        self.session.add(row)
        return True

    async def activity(self, pilot_id: int) -> dict[int, datetime]:
        rows = await self.session.exec(select(Activity).where(Activity.pilot_id == pilot_id))
        return {a.person_id: a.last_active_at for a in rows}

    async def load_pilot_rows(self, ids: Sequence[int], kinds: Sequence[str]) -> PilotRows:
        """Everything that belongs to these pilots (``storage.repositories.rows``)."""
        return await load_pilot_rows(self.session, ids, kinds)
