"""Helpers for the coach integration tests: read the database back through the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlmodel import SQLModel, func, select

from storage.tables import (
    Activity,
    Checkin,
    ConversationRefRecord,
    Metric,
    OutboxMessage,
    Person,
    Pilot,
    Process,
    ProcessedEvent,
    RoleAssignment,
    SimClock,
    TaskState,
    Workspace,
)
from tests.conftest import Harness

#: What a pilot owns: a refused command must leave all of these exactly as they were.
DOMAIN_TABLES: tuple[type[SQLModel], ...] = (
    Pilot,
    RoleAssignment,
    TaskState,
    Process,
    Metric,
    Checkin,
    OutboxMessage,
)
#: Every table (``activity`` only records that someone spoke, so it is compared separately).
ALL_TABLES: tuple[type[SQLModel], ...] = (
    *DOMAIN_TABLES,
    Workspace,
    Person,
    Activity,
    ProcessedEvent,
    ConversationRefRecord,
    SimClock,
)


async def rows(h: Harness, table: type[SQLModel]) -> list[dict[str, Any]]:
    async with h.app.uow() as uow:
        result = await uow.session.exec(select(table))
        return sorted((r.model_dump() for r in result.all()), key=repr)


async def count(h: Harness, table: type[SQLModel]) -> int:
    async with h.app.uow() as uow:
        result = await uow.session.exec(select(func.count()).select_from(table))
        return int(result.one())


async def state(
    h: Harness, tables: Sequence[type[SQLModel]] = DOMAIN_TABLES
) -> dict[str, list[dict[str, Any]]]:
    """A full dump of ``tables`` to compare before and after a command."""
    return {t.__tablename__: await rows(h, t) for t in tables}  # type: ignore[misc]


async def pilot(h: Harness, channel: str = "ki-pilot", workspace: str = "local") -> Pilot | None:
    async with h.app.uow() as uow:
        ws = await uow.workspaces.workspace("console", workspace)
        assert ws.id is not None
        return await uow.pilots.current_pilot(ws.id, channel)


async def the_pilot(h: Harness, channel: str = "ki-pilot", workspace: str = "local") -> Pilot:
    found = await pilot(h, channel, workspace)
    assert found is not None, f"no pilot in {workspace}/{channel}"
    return found


async def checkins(
    h: Harness, channel: str = "ki-pilot", workspace: str = "local"
) -> list[Checkin]:
    p = await the_pilot(h, channel, workspace)
    assert p.id is not None
    async with h.app.uow() as uow:
        return list(await uow.metrics.checkins(p.id))


async def processes(h: Harness, channel: str = "ki-pilot") -> list[Process]:
    p = await the_pilot(h, channel)
    assert p.id is not None
    async with h.app.uow() as uow:
        return list(await uow.processes.processes(p.id))


async def metrics(h: Harness, channel: str = "ki-pilot") -> list[Metric]:
    p = await the_pilot(h, channel)
    assert p.id is not None
    async with h.app.uow() as uow:
        return list(await uow.metrics.metrics(p.id))


async def roles(h: Harness, channel: str = "ki-pilot", workspace: str = "local") -> dict[str, str]:
    """Current role -> the owner's external id."""
    p = await the_pilot(h, channel, workspace)
    assert p.id is not None
    async with h.app.uow() as uow:
        return {role: person.external_id for role, person in (await uow.pilots.roles(p.id)).items()}


async def done_tasks(h: Harness, channel: str = "ki-pilot") -> dict[str, TaskState]:
    p = await the_pilot(h, channel)
    assert p.id is not None
    async with h.app.uow() as uow:
        return dict(await uow.tasks.done_tasks(p.id))


async def person_id(h: Harness, external_id: str, workspace: str = "local") -> int | None:
    """The id of a person, or None if nobody with that id was ever stored."""
    async with h.app.uow() as uow:
        result = await uow.session.exec(
            select(Person)
            .join(Workspace, Workspace.id == Person.workspace_id)  # type: ignore[arg-type]
            .where(Workspace.external_id == workspace, Person.external_id == external_id)
        )
        found = result.first()
        return found.id if found else None


async def team(h: Harness, *, channel: str = "ki-pilot", **kw: object) -> None:
    """A started pilot (week 1 = Monday 2027-01-04) with champion @clara, integrator @ines and
    modeler @olaf. Works in either language: the English keywords work in every pilot."""
    await h.say("clara", "start 2027-01-04", channel=channel, **kw)
    await h.say("clara", "assign champion @clara", channel=channel, **kw)
    await h.say("clara", "assign integrator @ines", channel=channel, **kw)
    await h.say("clara", "assign modeler @olaf", channel=channel, **kw)
    assert await roles(h, channel, str(kw.get("workspace", "local"))) == {
        "champion": "clara",
        "integrator": "ines",
        "modeler": "olaf",
    }


@pytest.fixture(params=["en", "de"])
def h(request: pytest.FixtureRequest, db_url: str) -> Harness:
    """The English-default or the German-default harness (on each backend)."""
    name = "harness" if request.param == "en" else "harness_de"
    harness: Harness = request.getfixturevalue(name)
    return harness


def lang_of(h: Harness) -> str:
    return h.app.settings.pilot_default_language
