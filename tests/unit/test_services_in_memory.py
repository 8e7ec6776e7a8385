"""The coach, the planner and the dispatcher on the in-memory unit of work: no database.

The same services as in tests/integration, wired by hand as ``bot.app.build_app`` wires them,
with ``tests.fakes.uow.FakeUnitOfWorkFactory`` instead of SQL (cosmicpython's FakeUnitOfWork):
what a command changes, what a refused command leaves, the Monday's nudges and a failed send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import SimulatedClock
from bot.jobs.dispatcher import Dispatcher
from bot.jobs.scheduler import NudgeScheduler
from bot.messages import Inbound, PersonRef, plain_text
from bot.ports import DeliveryError
from bot.services.coach import Coach, PilotDefaults
from storage.tables import (
    Checkin,
    OutboxMessage,
    Person,
    Pilot,
    Process,
    RoleAssignment,
    TaskState,
)
from tests.conftest import BERLIN, START, RecordingAdapter
from tests.fakes.uow import FakeUnitOfWorkFactory


@dataclass
class World:
    uow: FakeUnitOfWorkFactory
    clock: SimulatedClock
    coach: Coach
    adapter: RecordingAdapter
    scheduler: NudgeScheduler

    async def say(self, user: str, text: str, event_id: str | None = None) -> str:
        mentions = {t: PersonRef(id=t[1:], name=t[1:]) for t in text.split() if t[:1] == "@"}
        inbound = Inbound(platform="console", workspace="local", channel="ki-pilot",
                          channel_name="ki-pilot", user=PersonRef(id=user, name=user), text=text,
                          mentions=mentions, event_id=event_id)  # fmt: skip
        return "\n".join(plain_text(r.text) for r in await self.coach.handle(inbound))


def world() -> World:
    uow, clock, adapter = FakeUnitOfWorkFactory(), SimulatedClock(START), RecordingAdapter()
    coach = Coach(uow, clock, PilotDefaults(language="en"))
    dispatcher = Dispatcher(uow, {"console": adapter}, clock)
    scheduler = NudgeScheduler(uow, dispatcher, clock, 0, 30)
    return World(uow, clock, coach, adapter, scheduler)


async def team(w: World) -> None:
    assert "Pilot started" in await w.say("clara", "start 2027-01-04")
    await w.say("clara", "assign champion @clara")
    await w.say("clara", "assign integrator @ines")
    await w.say("clara", "assign modeler @olaf")


def roles(w: World) -> dict[str, str]:
    people = {p.id: p.external_id for p in w.uow.store.all(Person)}
    return {a.role: people[a.person_id] for a in w.uow.store.all(RoleAssignment)
            if a.ended_at is None}  # fmt: skip


async def test_commands_change_the_rows_and_commit() -> None:
    w = world()
    await team(w)
    assert roles(w) == {"champion": "clara", "integrator": "ines", "modeler": "olaf"}
    (pilot,) = w.uow.store.all(Pilot)
    assert pilot.channel_id == "ki-pilot" and pilot.status == "open"
    assert w.uow.commits == 4
    status = await w.say("olaf", "status")
    assert "Week 1/12" in status and "Process modeler: @olaf" in status


async def test_a_refused_command_leaves_every_row_as_it_was() -> None:
    w = world()
    await team(w)
    before = {t: [r.model_dump() for r in w.uow.store.all(t)] for t in (Pilot, RoleAssignment)}
    out = await w.say("ines", "assign champion @ines")  # only the champion hands roles over
    assert out and roles(w)["champion"] == "clara"
    assert {t: [r.model_dump() for r in w.uow.store.all(t)] for t in before} == before


async def test_a_ticked_task_is_kept_and_a_repeated_event_is_ignored() -> None:
    w = world()
    await team(w)
    out = await w.say("olaf", "done #3 all candidates listed", event_id="Ev1")
    assert out.startswith("Done: [3] Collect repetitive")
    (done,) = w.uow.store.all(TaskState)
    assert (done.task_id, done.note) == ("list-candidates", "all candidates listed")
    assert await w.say("olaf", "done 4", event_id="Ev1") == ""  # a platform retry
    assert w.uow.store.all(TaskState) == [done]


async def test_the_monday_nudges_go_out_once() -> None:
    w = world()
    await team(w)
    w.clock.set(START + timedelta(minutes=5))
    delivered = await w.scheduler.tick()
    assert delivered > 0 and len(w.adapter.sent) == delivered
    assert {ref.user for ref, _ in w.adapter.sent} == {"olaf", "ines"}  # as on the databases
    assert all(o.status == "sent" for o in w.uow.store.all(OutboxMessage))
    assert await w.scheduler.tick() == 0  # nothing new is due: nothing twice


async def test_a_refused_delivery_parks_the_message_and_marks_the_person() -> None:
    w = world()
    await team(w)
    w.adapter.fail_with = DeliveryError("user_not_found", permanent=True)
    w.clock.set(START + timedelta(minutes=5))
    assert await w.scheduler.tick() == 0
    rows = w.uow.store.all(OutboxMessage)
    assert rows and all(o.status == "failed" and o.last_error == "user_not_found" for o in rows)
    unreachable = {p.external_id for p in w.uow.store.all(Person) if p.unreachable_since}
    assert unreachable >= {"olaf", "ines"}


async def test_a_unit_of_work_without_commit_rolls_back() -> None:
    uow = FakeUnitOfWorkFactory()
    async with uow() as unit:
        await unit.workspaces.workspace("console", "local", "Local")
        await unit.commit()
    async with uow() as unit:
        ws = await unit.workspaces.workspace("console", "local", "Renamed")
        assert ws.id is not None
        await unit.people.person(ws.id, "U0ANNA01", "Anna")
    async with uow.read() as unit:
        ws = await unit.workspaces.workspace("console", "local")
        assert ws.name == "Local"
        assert ws.id is not None
        assert await unit.people.existing_person(ws.id, "U0ANNA01") is None


async def test_one_checkin_a_week_and_undo_restores_the_one_it_replaced() -> None:
    w = world()
    await team(w)
    await w.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    w.clock.set(datetime(2027, 3, 9, 10, 0, tzinfo=BERLIN))  # week 10
    await w.say("ines", "checkin repair time 6")
    await w.say("olaf", "checkin repair time 50 typo")  # replaces ines's 6: one value a week
    first, second = w.uow.store.all(Checkin)
    assert (first.value, second.value, first.replaced_by) == (6, 50, second.id)
    out = await w.say("olaf", "checkin undo")
    assert out.startswith("Withdrawn: your check-in repair time = 50 days (week 10).")
    assert "The week-10 value is 6 days again." in out
    assert first.replaced_by is None and second.withdrawn_at is not None


async def test_process_remove_renumbers_the_rest() -> None:
    w = world()
    await team(w)
    for name in ("Triage", "Parts", "Invoices"):
        await w.say("olaf", f"process add {name}")
    assert await w.say("olaf", "process remove 2") == (
        'Removed workflow 2 "Parts"; 2 candidates left. Now: [1] Triage · [2] Invoices.'
    )
    kept = sorted((p.position, p.name) for p in w.uow.store.all(Process))
    assert kept == [(1, "Triage"), (2, "Invoices")]
