"""Workspaces (tenants) and the people in them, with their Slack DM channels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    bindparam,
    update,
)
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from storage.repositories.base import SessionRepository, one_of
from storage.tables import (
    Person,
    Workspace,
)


class WorkspaceRepository(SessionRepository):
    """Workspaces: one per Slack team or Teams tenant."""

    async def workspace(self, platform: str, external_id: str, name: str = "") -> Workspace:
        name = name[:200]  # the column's size: platforms' names can be longer
        await self.insert_ignore(
            Workspace, {"platform": platform, "external_id": external_id, "name": name}
        )
        row = (
            await self.session.exec(
                select(Workspace).where(
                    Workspace.platform == platform, Workspace.external_id == external_id
                )
            )
        ).one()
        if name and row.name != name:
            row.name = name
            self.session.add(row)
        return row

    async def workspace_by_id(self, workspace_id: int) -> Workspace | None:
        return await self.session.get(Workspace, workspace_id)

    async def workspaces(self, ids: set[int]) -> dict[int, Workspace]:
        if not ids:
            return {}
        rows = await self.session.exec(select(Workspace).where(one_of(col(Workspace.id), ids)))
        return {w.id: w for w in rows if w.id is not None}


class PeopleRepository(SessionRepository):
    """People as the platforms name them, per workspace; whether and where they can be reached."""

    async def person(self, workspace_id: int, external_id: str, name: str = "") -> Person:
        name = name[:200]  # the column's size: platforms' names can be longer
        await self.insert_ignore(
            Person, {"workspace_id": workspace_id, "external_id": external_id, "display_name": name}
        )
        row = (
            await self.session.exec(
                select(Person).where(
                    Person.workspace_id == workspace_id, Person.external_id == external_id
                )
            )
        ).one()
        if name and row.display_name != name:
            row.display_name = name
            self.session.add(row)
        return row

    async def existing_person(self, workspace_id: int, external_id: str) -> Person | None:
        """A person the bot has seen in this workspace, without creating one."""
        return (
            await self.session.exec(
                select(Person).where(
                    Person.workspace_id == workspace_id, Person.external_id == external_id
                )
            )
        ).first()

    async def people_by_external_id(self, external_id: str) -> Sequence[Person]:
        """Everyone with this platform id, in any workspace."""
        return (
            await self.session.exec(select(Person).where(Person.external_id == external_id))
        ).all()

    async def person_by_id(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def people(self, ids: Sequence[int]) -> dict[int, Person]:
        if not ids:
            return {}
        rows = await self.session.exec(select(Person).where(one_of(col(Person.id), ids)))
        return {p.id: p for p in rows if p.id is not None}

    async def remember_dm_channels(self, found: Sequence[tuple[str, str, str]]) -> None:
        """Slack DM channels conversations.open returned, as (team, user, channel)."""
        if not found:
            return
        table = Person.__table__  # type: ignore[attr-defined]
        ws = Workspace.__table__  # type: ignore[attr-defined]
        team = (
            sa_select(ws.c.id)
            .where(ws.c.platform == "slack", ws.c.external_id == bindparam("team"))
            .scalar_subquery()
        )
        statement = (
            update(table)
            .where(table.c.workspace_id == team, table.c.external_id == bindparam("user"))
            .values(dm_channel=bindparam("channel"))
        )
        connection = await self.session.connection()
        await connection.execute(
            statement, [{"team": t, "user": u, "channel": c} for t, u, c in found]
        )

    async def dm_channel(self, team: str, user: str) -> str | None:
        row = (
            await self.session.exec(
                select(Person.dm_channel)
                .join(Workspace, col(Workspace.id) == col(Person.workspace_id))
                .where(
                    Workspace.platform == "slack",
                    Workspace.external_id == team,
                    Person.external_id == user,
                )
            )
        ).first()
        return row or None

    async def mark_unreachable(self, person_id: int, now: datetime) -> bool:
        """The platform refuses messages to this person; True if that is news."""
        person = await self.session.get(Person, person_id)
        if person is None or person.unreachable_since is not None:
            return False
        person.unreachable_since = now
        self.session.add(person)
        await self.session.flush()
        return True
