"""The storage layer on each backend: repositories and the unit of work against a migrated
database (SQLite always, PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Text, cast
from sqlalchemy.exc import StatementError
from sqlmodel import col, func, select

from bot.ports import AbstractUnitOfWork
from storage.db import make_engine
from storage.repositories import UnitOfWorkFactory
from storage.tables import (
    Checkin,
    Metric,
    OutboxMessage,
    Person,
    Pilot,
    ProcessedEvent,
    RoleAssignment,
    SimClock,
    TaskState,
    Workspace,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # the night Berlin switches to summer time


@pytest.fixture
async def uow(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = make_engine(db_url)
    yield UnitOfWorkFactory(engine)
    await engine.dispose()


async def count(uow: UnitOfWorkFactory, table: type[Any]) -> int:
    async with uow() as u:
        return int((await u.session.exec(select(func.count()).select_from(table))).one())


async def new_pilot(uow: AbstractUnitOfWork, channel: str = "C1") -> tuple[Workspace, Pilot]:
    ws = await uow.workspaces.workspace("slack", "T1", "Acme")
    assert ws.id is not None
    pilot = Pilot(
        workspace_id=ws.id,
        channel_id=channel,
        start_date=date(2027, 1, 4),
        timezone="Europe/Berlin",
        language="de",
        created_at=NOW,
    )
    await uow.add(pilot)
    return ws, pilot


async def test_workspace_and_person_get_or_create_is_idempotent(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        ws1 = await u.workspaces.workspace("slack", "T1", "Acme")
        ws2 = await u.workspaces.workspace("slack", "T1")
        assert ws1.id == ws2.id
        assert ws1.id is not None
        p1 = await u.people.person(ws1.id, "U1", "Anna")
        p2 = await u.people.person(ws1.id, "U1")
        assert p1.id == p2.id
        await u.commit()
    async with uow() as u:
        ws3 = await u.workspaces.workspace("slack", "T1", "Acme Corp")  # a renamed workspace
        other_platform = await u.workspaces.workspace("teams", "T1")
        assert ws3.id == ws1.id
        assert other_platform.id != ws1.id
        assert ws1.id is not None
        p3 = await u.people.person(ws1.id, "U1", "Anna B.")
        assert p3.id == p1.id
        assert other_platform.id is not None
        elsewhere = await u.people.person(other_platform.id, "U1", "Anna")
        assert elsewhere.id != p1.id
        await u.commit()
    async with uow() as u:
        ws = await u.workspaces.workspace_by_id(ws1.id)
        person = await u.people.person_by_id(p1.id or 0)
        assert ws is not None and ws.name == "Acme Corp"
        assert person is not None and person.display_name == "Anna B."
        assert await u.people.people([p1.id or 0, elsewhere.id or 0]) == {
            p1.id: person,
            elsewhere.id: elsewhere,
        }
    assert await count(uow, Workspace) == 2
    assert await count(uow, Person) == 2


async def test_role_history_keeps_ended_assignments(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        ws, pilot = await new_pilot(u)
        assert ws.id is not None and pilot.id is not None
        anna = await u.people.person(ws.id, "U1", "Anna")
        ben = await u.people.person(ws.id, "U2", "Ben")
        assert anna.id is not None and ben.id is not None
        await u.pilots.set_role(pilot.id, "modeler", anna.id, None, NOW)
        await u.pilots.set_role(pilot.id, "champion", anna.id, None, NOW)
        await u.pilots.set_role(pilot.id, "modeler", ben.id, anna.id, NOW + timedelta(days=7))
        await u.commit()
    async with uow() as u:
        current = await u.pilots.roles(pilot.id)
        assert {r: p.external_id for r, p in current.items()} == {"modeler": "U2", "champion": "U1"}
        history = await u.pilots.role_history(pilot.id)
        assert [(r.role, r.person_id, r.assigned_by) for r in history] == [
            ("modeler", anna.id, None),
            ("champion", anna.id, None),
            ("modeler", ben.id, anna.id),
        ]
        assert history[0].ended_at == NOW + timedelta(days=7)
        assert history[1].ended_at is None
        assert history[2].ended_at is None
        assert [p.id for p in await u.pilots.pilots_of_person(ben.id)] == [pilot.id]
        assert [p.id for p in await u.pilots.pilots_of_person(anna.id)] == [pilot.id]
        await u.pilots.set_role(pilot.id, "champion", ben.id, ben.id, NOW + timedelta(days=8))
        assert await u.pilots.pilots_of_person(anna.id) == []  # no current role left
    assert await count(uow, RoleAssignment) == 3  # that last change was not committed


async def test_insert_ignore_writes_once_and_keeps_the_first_row(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        await u.insert_ignore(
            Workspace, {"platform": "slack", "external_id": "T9", "name": "first"}
        )
        await u.insert_ignore(
            Workspace, {"platform": "slack", "external_id": "T9", "name": "second"}
        )  # no IntegrityError: the conflict is ignored
        await u.commit()
    async with uow() as u:
        await u.insert_ignore(
            Workspace, {"platform": "slack", "external_id": "T9", "name": "third"}
        )
        await u.insert_ignore(
            Workspace, {"platform": "teams", "external_id": "T9", "name": "other"}
        )
        await u.commit()
    async with uow() as u:
        rows = (await u.session.exec(select(Workspace).order_by(Workspace.id))).all()
        assert [(w.platform, w.name) for w in rows] == [("slack", "first"), ("teams", "other")]


async def test_insert_ignore_reports_whether_it_wrote(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        values = {"platform": "slack", "external_id": "T9", "name": "first"}
        assert await u.insert_ignore(Workspace, values) is True
        assert await u.insert_ignore(Workspace, values) is False
        await u.commit()
    async with uow() as u:
        assert await u.insert_ignore(Workspace, values) is False


async def test_mark_done_writes_once(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        ws, pilot = await new_pilot(u)
        assert ws.id is not None and pilot.id is not None
        anna = await u.people.person(ws.id, "U1")
        assert anna.id is not None
        await u.tasks.mark_done(pilot.id, "map-processes", anna.id, NOW, "first")
        await u.tasks.mark_done(pilot.id, "map-processes", anna.id, NOW, "second")
        await u.commit()
    async with uow() as u:
        done = await u.tasks.done_tasks(pilot.id)
        assert list(done) == ["map-processes"]
        assert done["map-processes"].note == "first"
        assert done["map-processes"].done_by == anna.id
    assert await count(uow, TaskState) == 1


def outbox_row(pilot_id: int, key: str, text: str) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "pilot_id": pilot_id,
        "week": 1,
        "kind": "weekly",
        "target": {"platform": "slack", "workspace": "T1", "user": "U1"},
        "payload": {"text": text},
        "due_at": NOW,
        "next_attempt_at": NOW,
    }


async def test_enqueue_the_same_dedupe_key_twice_writes_one_row(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        _, pilot = await new_pilot(u)
        assert pilot.id is not None
        await u.outbox.enqueue(outbox_row(pilot.id, "p1:U1:w1:weekly", "first"))
        await u.outbox.enqueue(outbox_row(pilot.id, "p1:U1:w1:weekly", "second"))
        await u.commit()
    assert await count(uow, OutboxMessage) == 1
    async with uow() as u:  # also across transactions (a restarted process)
        await u.outbox.enqueue(outbox_row(pilot.id, "p1:U1:w1:weekly", "third"))
        await u.outbox.enqueue(outbox_row(pilot.id, "p1:U1:w1:reminder", "other"))
        await u.commit()
    async with uow() as u:
        rows = (await u.session.exec(select(OutboxMessage))).all()
        assert sorted((m.dedupe_key, m.payload["text"]) for m in rows) == [
            ("p1:U1:w1:reminder", "other"),
            ("p1:U1:w1:weekly", "first"),
        ]
        assert await u.outbox.claim_due(NOW - timedelta(seconds=1), 10, timedelta(minutes=2)) == []
        due = await u.outbox.claim_due(NOW, 10, timedelta(minutes=2))
        assert len(due) == 2 and all(m.attempts == 1 for m in due)
        assert await u.outbox.claim_due(NOW, 10, timedelta(minutes=2)) == []  # leased
        await u.commit()
    assert await count(uow, OutboxMessage) == 2


async def test_enqueue_many_writes_what_enqueue_writes(uow: UnitOfWorkFactory) -> None:
    """enqueue_many binds converted values through the driver; read back through the ORM, its
    rows equal those of enqueue (SQLAlchemy's own typed INSERT): due times in any zone, both
    02:30 of the night the clocks go back, shared payload objects, a column left out, a column
    given that the planner never sets; and keys that exist are skipped."""
    shared = {"text": "Grüße – Woche 3", "blocks": [{"type": "task", "done": False}]}
    berlin = NOW.astimezone(BERLIN) + timedelta(hours=1)
    twice = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)  # this wall time happens twice
    rows = [
        outbox_row(0, "a", "") | {"payload": shared, "due_at": berlin, "next_attempt_at": NOW},
        outbox_row(0, "b", "") | {"payload": shared, "person_id": None},
        outbox_row(0, "c", "eigener Text") | {"due_at": berlin, "next_attempt_at": berlin},
        outbox_row(0, "d", "") | {"due_at": twice, "next_attempt_at": twice},
        outbox_row(0, "e", "") | {"due_at": twice.replace(fold=1), "message_id": "1.5"},
    ]
    async with uow() as u:
        _, pilot = await new_pilot(u)
        person = await u.people.person(pilot.workspace_id, "U1", "Ute")
        for row in rows:
            row.update(pilot_id=pilot.id, person_id=row.get("person_id", person.id))
        assert await u.outbox.enqueue_many(rows[:2]) == 2
        assert await u.outbox.enqueue_many(rows) == 5  # a and b exist: c, d and e are new
        for row in rows:
            await u.outbox.enqueue(row | {"dedupe_key": "orm-" + row["dedupe_key"]})
        await u.commit()
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    as_stored = select(table.c.dedupe_key, cast(table.c.due_at, Text),
                       cast(table.c.next_attempt_at, Text))  # fmt: skip
    async with uow() as u:
        stored = {m.dedupe_key: m for m in (await u.session.exec(select(OutboxMessage)))}
        raw = {key: rest for key, *rest in await u.session.exec(as_stored)}
    assert len(stored) == 10
    for key in "abcde":  # times as the same text in the database: SQL compares and sorts it
        assert raw[key] == raw["orm-" + key]
    fields = ("pilot_id", "person_id", "week", "kind", "target", "payload", "due_at",
              "next_attempt_at", "status", "attempts", "last_error", "sent_at",
              "message_id")  # fmt: skip
    for key in "abcde":
        fast, orm = stored[key], stored["orm-" + key]
        assert {f: getattr(fast, f) for f in fields} == {f: getattr(orm, f) for f in fields}
    assert stored["a"].payload == shared and stored["a"].due_at == berlin
    assert stored["a"].due_at.tzinfo == UTC and stored["b"].person_id is None
    assert stored["c"].status == "pending" and stored["c"].attempts == 0
    assert stored["e"].due_at - stored["d"].due_at == timedelta(hours=1)
    assert stored["e"].message_id == "1.5"


async def test_enqueue_reports_a_duplicate(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        _, pilot = await new_pilot(u)
        assert pilot.id is not None
        assert await u.outbox.enqueue(outbox_row(pilot.id, "k", "first")) is True
        assert await u.outbox.enqueue(outbox_row(pilot.id, "k", "second")) is False


async def test_claim_event_once(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        assert await u.events.claim_event("slack", "Ev1", NOW)
        assert not await u.events.claim_event("slack", "Ev1", NOW)
        await u.commit()
    async with uow() as u:
        assert not await u.events.claim_event("slack", "Ev1", NOW + timedelta(minutes=1))
        assert await u.events.claim_event("teams", "Ev1", NOW)  # ids are per platform
        assert await u.events.claim_event("slack", "Ev2", NOW)
    # the block above was not committed: Ev2 can still be claimed
    async with uow() as u:
        assert await u.events.claim_event("slack", "Ev2", NOW)
        await u.commit()
    assert await count(uow, ProcessedEvent) == 2


async def test_claim_event_stores_each_id_once(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        for _ in range(3):
            await u.events.claim_event("slack", "Ev1", NOW)
        await u.commit()
    async with uow() as u:
        await u.events.claim_event("slack", "Ev1", NOW + timedelta(hours=1))
        await u.commit()
    async with uow() as u:
        rows = (await u.session.exec(select(ProcessedEvent))).all()
        assert [(e.platform, e.event_id, e.received_at) for e in rows] == [("slack", "Ev1", NOW)]


async def test_leaving_without_commit_rolls_back(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        ws, _ = await new_pilot(u)
        assert ws.id is not None
        await u.people.person(ws.id, "U1", "Anna")
        await u.clock.set_sim_now(NOW)
    with pytest.raises(RuntimeError, match="boom"):
        async with uow() as u:
            await u.workspaces.workspace("slack", "T2")
            raise RuntimeError("boom")
    for table in (Workspace, Person, Pilot, SimClock):
        assert await count(uow, table) == 0, table
    async with uow() as u:
        assert await u.clock.sim_now() is None
        assert await u.pilots.open_pilots() == []
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow().pilots


async def test_utc_datetimes_come_back_timezone_aware(uow: UnitOfWorkFactory) -> None:
    local = datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN)  # 01:30 UTC, just after the switch
    async with uow() as u:
        ws, pilot = await new_pilot(u)
        assert ws.id is not None and pilot.id is not None
        anna = await u.people.person(ws.id, "U1")
        assert anna.id is not None
        metric = Metric(pilot_id=pilot.id, name="repair time", unit="days", baseline=8.0)
        await u.add(metric)
        assert metric.id is not None
        await u.add(
            Checkin(pilot_id=pilot.id, metric_id=metric.id, person_id=anna.id, week=12,
                    value=6.5, recorded_at=local)
        )  # fmt: skip
        await u.pilots.touch(pilot.id, anna.id, local)
        await u.commit()
    async with uow() as u:
        [checkin] = await u.metrics.checkins(pilot.id)
        stored = await u.pilots.pilot(pilot.id)
        activity = await u.pilots.activity(pilot.id)
    for value in (checkin.recorded_at, stored and stored.created_at, activity[anna.id]):
        assert isinstance(value, datetime)
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
        assert value == NOW
    assert stored is not None and stored.closed_at is None


async def test_a_naive_datetime_is_refused(uow: UnitOfWorkFactory) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with uow() as u:
            await u.clock.set_sim_now(datetime(2027, 1, 4, 9, 0))
            await u.commit()
    assert await count(uow, SimClock) == 0


async def test_sim_clock_save_and_load(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        assert await u.clock.sim_now() is None
        await u.clock.set_sim_now(datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN))
        await u.commit()
    async with uow() as u:
        assert await u.clock.sim_now() == datetime(2027, 1, 4, 8, 30, tzinfo=UTC)
        await u.clock.set_sim_now(NOW)
        await u.commit()
    async with uow() as u:
        loaded = await u.clock.sim_now()
    assert loaded == NOW
    assert loaded is not None and loaded.utcoffset() == timedelta(0)
    assert await count(uow, SimClock) == 1


async def test_conversation_refs_are_saved_and_updated(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        assert await u.refs.load_ref("teams", "T1", "user", "U1") is None
        await u.refs.save_ref("teams", "T1", "user", "U1", {"serviceUrl": "https://a"})
        await u.commit()
    async with uow() as u:
        assert await u.refs.load_ref("teams", "T1", "user", "U1") == {"serviceUrl": "https://a"}
        await u.refs.save_ref("teams", "T1", "user", "U1", {"serviceUrl": "https://b"})
        await u.commit()
    async with uow() as u:
        assert await u.refs.load_ref("teams", "T1", "user", "U1") == {"serviceUrl": "https://b"}
        assert await u.refs.load_ref("teams", "T1", "channel", "U1") is None


async def test_current_pilot_is_per_workspace_and_channel(uow: UnitOfWorkFactory) -> None:
    async with uow() as u:
        ws, pilot = await new_pilot(u, "C1")
        other = await u.workspaces.workspace("slack", "T2")
        assert ws.id is not None and other.id is not None
        await u.commit()
    async with uow() as u:
        found = await u.pilots.current_pilot(ws.id, "C1")
        assert found is not None and found.id == pilot.id
        assert await u.pilots.current_pilot(other.id, "C1") is None
        assert await u.pilots.current_pilot(ws.id, "C2") is None
        assert [p.id for p in await u.pilots.open_pilots()] == [pilot.id]


@pytest.mark.parametrize("ids", [[], [2], [1, 3, 99], list(range(1, 1200))])
async def test_one_of_is_in_with_one_parameter(uow: UnitOfWorkFactory, ids: list[int]) -> None:
    from storage.repositories.base import one_of

    async with uow() as u:
        ws = await u.workspaces.workspace("slack", "T1", "Acme")
        for name in ("U0ANNA01", "U0OLAF01", "U0INES01"):
            await u.people.person(ws.id or 0, name, name)
        await u.commit()
        people = select(Person.id).where(one_of(col(Person.id), ids))
        found = sorted((await u.session.exec(people)).all())
        named = select(Person.external_id).where(one_of(col(Person.external_id), ["U0OLAF01"]))
        assert (await u.session.exec(named)).all() == ["U0OLAF01"]
        text = str(people.compile(u.session.get_bind()))
    assert found == [i for i in (1, 2, 3) if i in ids]
    assert ("ANY" in text or "json_each" in text) and text.count("?") + text.count("%(") == 1
