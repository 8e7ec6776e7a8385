"""Concurrent commands on one pilot (issue #13, point 5), on SQLite and PostgreSQL: each
command runs alone on its pilot, so a burst of the same command changes the pilot once and
every command gets an answer (the result, a refusal, or "try again"), never silence."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from bot.app import build_app
from bot.messages import Inbound, PersonRef, Reply
from storage.db import is_sqlite, sync_url, upgrade
from storage.tables import Metric, Pilot, Process, RoleAssignment
from tests.conftest import Harness, RecordingAdapter, make_settings
from tests.conftest import _reset_postgres as reset_postgres
from tests.slack.world import SlackWorld

CHANNEL = "ki-pilot"


def inbound(user: str, text: str) -> Inbound:
    """``text`` from ``user`` in the pilot's channel, or (``dm:`` in front) in a direct message."""
    direct = text.startswith("dm:")
    text = text.removeprefix("dm:")
    channel = f"D-{user}" if direct else CHANNEL
    mentions = {tok: PersonRef(id=tok[1:], name=tok[1:]) for tok in text.split() if tok[:1] == "@"}
    return Inbound(platform="console", workspace="local", channel=channel, channel_name=channel,
                   user=PersonRef(id=user, name=user), text=text, mentions=mentions,
                   direct=direct)  # fmt: skip


async def burst(
    h: Harness, commands: list[tuple[str, str]], caplog: pytest.LogCaptureFixture
) -> list[list[Reply]]:
    """All ``(user, text)`` at once; fails on any exception (an unanswered command) and on any
    conflict: in one process the locks alone keep them apart (retries are for other writers)."""
    caplog.set_level(logging.INFO, logger="pilot_coach.commands")
    results = await asyncio.gather(
        *(h.app.coach.handle(inbound(user, text)) for user, text in commands),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of {len(commands)} commands raised: {errors[0]!r}"
    answered = [r for r in results if not isinstance(r, BaseException)]
    assert all(answered), "a command got no reply"
    conflicts = [r for r in caplog.records if r.getMessage().startswith("command conflict")]
    assert not conflicts, f"{len(conflicts)} conflicts, e.g. {conflicts[0].getMessage()}"
    return answered


def outcomes(results: list[list[Reply]]) -> Counter[str]:
    """How many commands succeeded ("ok") or were refused, by the refusal's key."""
    return Counter(replies[0].problem or "ok" for replies in results)


async def rows(h: Harness, table: type[Any], **where: object) -> list[Any]:
    async with h.app.uow() as uow:
        query: Any = select(table).where(*(getattr(table, k) == v for k, v in where.items()))
        return list((await uow.session.exec(query)).all())


async def test_fifty_concurrent_assigns_on_a_new_pilot_make_one_champion(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await h.say("clara", "start 2027-01-04")
    results = await burst(h, [(f"u{i:02}", f"assign champion @u{i:02}") for i in range(50)], caplog)
    active = [r for r in await rows(h, RoleAssignment, role="champion") if r.ended_at is None]
    assert len(active) == 1
    assert outcomes(results) == {"ok": 1, "permission.denied": 49}


async def test_two_concurrent_starts_open_one_pilot(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    for user in ("clara", "olaf"):  # known people in a known workspace: nothing else to wait for
        await h.say(user, "help", channel="elsewhere")
    results = await burst(h, [("clara", "start"), ("olaf", "start")], caplog)
    assert len(await rows(h, Pilot, channel_id=CHANNEL)) == 1
    assert outcomes(results) == {"ok": 1, "start.exists": 1}


async def test_two_concurrent_next_cycles_open_one_cycle(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    results = await burst(h, [("clara", "next cycle"), ("clara", "nächster zyklus")], caplog)
    pilots = sorted(await rows(h, Pilot, channel_id=CHANNEL), key=lambda p: p.cycle)
    assert [(p.cycle, p.status) for p in pilots] == [(1, "closed"), (2, "open")]
    assert outcomes(results) == {"ok": 1, "cycle.not_started": 1}
    champions = await rows(h, RoleAssignment, pilot_id=pilots[1].id, role="champion")
    assert len(champions) == 1  # the roles were carried over once


async def _team(h: Harness) -> None:
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    await h.say("clara", "assign modeler @olaf")


async def test_thirty_concurrent_process_adds_keep_three(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await _team(h)
    commands = [("olaf" if i % 2 else "clara", f"process add Flow{i} hours=2") for i in range(30)]
    results = await burst(h, commands, caplog)
    processes = await rows(h, Process)
    assert sorted(p.position for p in processes) == [1, 2, 3]
    assert outcomes(results) == {"ok": 3, "process.too_many": 27}


async def test_direct_messages_wait_for_the_channel_of_their_pilot(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await _team(h)
    commands = [("olaf", f"{'dm:' if i % 2 else ''}process add Flow{i}") for i in range(20)]
    results = await burst(h, commands, caplog)
    assert sorted(p.position for p in await rows(h, Process)) == [1, 2, 3]
    assert outcomes(results) == {"ok": 3, "process.too_many": 17}


async def test_thirty_concurrent_metric_adds_make_one_metric(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await _team(h)
    text = "metric add repair days baseline=8 lower"
    commands = [("olaf" if i % 2 else "clara", text) for i in range(30)]
    results = await burst(h, commands, caplog)
    assert [m.name for m in await rows(h, Metric)] == ["repair"]
    assert outcomes(results) == {"ok": 1, "metric.duplicate": 29}


async def test_a_lasting_conflict_gets_a_polite_answer_and_stores_nothing(harness: Harness) -> None:
    """An IntegrityError is retried once; when it persists the user hears "try again"."""
    h = harness
    await _team(h)
    await h.say("olaf", "process add Triage hours=2")
    async with h.app.uow() as uow:  # a gap: the next process add picks position 2, taken
        first = (await uow.session.exec(select(Process))).one()
        first.position = 2
        uow.save(first)
        await uow.commit()
    [reply] = await h.app.coach.handle(inbound("olaf", "process add Parts hours=3"))
    assert reply.problem == "command.conflict"
    assert reply.text == "That didn't work just now – please try again."
    assert [p.name for p in await rows(h, Process)] == ["Triage"]
    await h.say("clara", "einstellungen sprache=de")
    [reply] = await h.app.coach.handle(inbound("olaf", "prozess neu Teile stunden=3"))
    assert reply.text == "Das hat gerade nicht geklappt – bitte versuch es noch einmal."


async def test_two_processes_on_one_database_answer_every_command(harness: Harness) -> None:
    """Two ``serve`` processes sharing the database (two apps, two engines, two pools)."""
    h = harness
    await _team(h)
    other = build_app(make_settings(h.app.settings.database_url), clock=h.clock,
                      adapters={"console": RecordingAdapter()})  # fmt: skip
    try:
        text = "metric add effort h baseline=12"
        results = await asyncio.gather(
            *((h.app if i % 2 else other).coach.handle(inbound("olaf", text)) for i in range(20)),
            return_exceptions=True,
        )
    finally:
        await other.close()
    assert not [r for r in results if isinstance(r, BaseException)]
    answered = [r for r in results if not isinstance(r, BaseException)]
    assert all(answered)
    assert [m.name for m in await rows(h, Metric)] == ["effort"]
    assert outcomes(answered)["ok"] == 1


async def test_slack_burst_of_slash_commands_is_answered_every_time(
    world_on_each_db: SlackWorld,
) -> None:
    world = world_on_each_db
    await world.command("U0CLARA", "start 2027-01-04")
    await world.command("U0CLARA", "assign champion <@U0CLARA>")
    world.fake.reset()
    texts = [f"metric add m{i % 3} days baseline=8" for i in range(20)]
    forms = [world.command_form("U0CLARA", text) for text in texts]
    answers = await asyncio.gather(
        *(world.post(urlencode(f), "application/x-www-form-urlencoded", settle=False)
          for f in forms)
    )  # fmt: skip
    await world.settle()
    assert [a.status for a in answers] == [200] * 20
    answered = {c.args["_name"] for c in world.fake.of("response_url")}
    assert len(answered) == 20
    async with world.app.uow() as uow:
        names = (await uow.session.exec(select(Metric.name))).all()
        assert sorted(names) == ["m0", "m1", "m2"]
        count = (await uow.session.exec(select(func.count()).select_from(Pilot))).one()
        assert count == 1


def test_the_database_keeps_one_current_owner_per_role(db_url: str, tmp_path: Path) -> None:
    """Migration 0005 ends all but the newest of several current owners (left by the old
    race) and then refuses a second current owner of a role."""
    url = f"sqlite:///{tmp_path / 'old.db'}" if is_sqlite(db_url) else db_url
    if not is_sqlite(url):
        reset_postgres(url)
    upgrade(url, "0004")
    engine = create_engine(sync_url(url))
    insert = text("INSERT INTO role_assignments (pilot_id, role, person_id, assigned_at) "
                  "VALUES (1, :role, :person, :at)")  # fmt: skip
    try:
        with engine.begin() as db:
            db.execute(text("INSERT INTO workspaces (platform, external_id, name) "
                            "VALUES ('console', 'local', '')"))  # fmt: skip
            db.execute(text("INSERT INTO people (workspace_id, external_id, display_name) "
                            "VALUES (1, 'a', ''), (1, 'b', ''), (1, 'c', '')"))  # fmt: skip
            db.execute(text(
                "INSERT INTO pilots (workspace_id, channel_id, channel_name, cycle, start_date, "
                "timezone, language, nudge_weekday, nudge_time, region, status, created_at) "
                "VALUES (1, 'ki-pilot', '', 1, '2027-01-04', 'Europe/Berlin', 'en', 0, '09:00', "
                "'DE', 'open', '2027-01-04 08:00:00')"
            ))  # fmt: skip
            for person, minute in ((1, 1), (2, 2), (3, 3)):
                db.execute(insert, {"role": "champion", "person": person,
                                    "at": f"2027-01-04 08:0{minute}:00"})  # fmt: skip
            db.execute(insert, {"role": "modeler", "person": 1, "at": "2027-01-04 08:04:00"})
        upgrade(url)
        with engine.begin() as db:
            query = "SELECT role, person_id, ended_at FROM role_assignments ORDER BY id"
            rows = [(r, p, e is not None) for r, p, e in db.execute(text(query))]
        assert rows == [("champion", 1, True), ("champion", 2, True), ("champion", 3, False),
                        ("modeler", 1, False)]  # fmt: skip
        with pytest.raises(IntegrityError), engine.begin() as db:
            db.execute(insert, {"role": "champion", "person": 1, "at": "2027-01-04 09:00:00"})
    finally:
        engine.dispose()
