"""Out of office through the real scheduler (SQLite and PostgreSQL): ``away until DATE`` and
``back`` stop a person's nudges and every escalation about them, status says so, and on return
exactly one welcome back replaces the nudges they missed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import select

from bot import backup
from storage.tables import AwayPeriod, OutboxMessage
from tests.conftest import BERLIN, Harness

MONDAY_NOON = datetime(2027, 1, 4, 12, 0, tzinfo=BERLIN)


async def _team(h: Harness, de: bool = False) -> None:
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    await h.say("clara", "zuweisen modellierer @olaf" if de else "assign modeler @olaf")
    await h.say("clara", "assign integrator @ines")


def _welcomes(h: Harness, user: str) -> list[str]:
    return [
        r.text for r in h.adapter.to(user) if r.text.startswith(("*Welcome back", "*Willkommen"))
    ]


async def test_away_person_gets_no_nudge_no_escalation_and_one_welcome_back(
    harness: Harness,
) -> None:
    h = harness
    await _team(h)
    await h.advance_to(MONDAY_NOON)
    before = len(h.adapter.to("olaf"))
    assert before >= 1  # week 1's nudge
    answer = await h.say("olaf", "away until 2027-02-05")
    assert answer.startswith("Noted: you are away up to and including Feb 5, 2027.")
    assert "From Feb 6, 2027" in answer
    # four weeks of silence while away: no nudge, no reminder, no digest about him
    await h.advance_to(MONDAY_NOON + timedelta(weeks=4, days=3))  # Thu 4 Feb
    assert len(h.adapter.to("olaf")) == before
    digests = [r.text for r in h.adapter.to("clara") if "@olaf" in r.text and "at risk" in r.text]
    assert digests == []
    status = await h.say("clara", "status")
    assert "@olaf (away until Feb 5, 2027)" in status
    assert "is away until Feb 5, 2027: no nudges to them" in status
    assert "ignored" not in status
    assert "inventory-stack" not in await h.say("ines", "done inventory-stack")
    await h.say("clara", 'metric add "repair time" days baseline=8')
    # back on Saturday 6 Feb: welcomed on Monday 8 Feb at the slot, instead of week 6's nudge
    await h.advance_to(MONDAY_NOON + timedelta(weeks=5, hours=2))
    welcomes = _welcomes(h, "olaf")
    assert len(welcomes) == 1
    assert welcomes[0].startswith("*Welcome back · Week 6/12*")
    assert "Since Jan 4, 2027, this happened in the pilot:" in welcomes[0]
    assert "Yours this week:" in welcomes[0]
    print(welcomes[0])
    assert "• done: [4] List the tools in the stack" in welcomes[0]
    assert "• Repair time" not in welcomes[0]
    assert len(h.adapter.to("olaf")) == before + 1  # the welcome, no week-6 nudge beside it
    welcome_reply = h.adapter.to("olaf")[-1]
    assert welcome_reply.scheduled_for == datetime(2027, 2, 8, 9, 0, tzinfo=BERLIN)
    status = await h.say("clara", "status")
    assert "away" not in status
    await h.advance_to(MONDAY_NOON + timedelta(weeks=6, hours=2))  # next week: nudged again
    assert len(_welcomes(h, "olaf")) == 1
    assert h.adapter.to("olaf")[-1].text.startswith("*Week 7/12")


async def test_back_ends_the_absence_early_with_one_summary(harness: Harness) -> None:
    h = harness
    await _team(h)
    await h.advance_to(MONDAY_NOON)
    await h.say("olaf", "away until 2027-03-01")
    assert await h.say("olaf", "back") == (
        "Welcome back! Your nudges are on again; a summary of what changed comes by direct message."
    )
    assert await h.say("olaf", "back") == (
        "You are not marked as away. (away until DATE records an absence.)"
    )
    await h.app.scheduler.tick()
    await h.app.scheduler.tick()
    assert len(_welcomes(h, "olaf")) == 1
    async with h.app.uow() as uow:
        kinds = (await uow.session.exec(select(OutboxMessage.kind))).all()
    assert kinds.count("welcome") == 1


async def test_away_refuses_what_it_cannot_use(harness: Harness) -> None:
    h = harness
    await _team(h)
    await h.advance_to(MONDAY_NOON)
    assert await h.say("olaf", "away") == (
        "Until when are you away? For example: away until 2027-03-01"
    )
    assert await h.say("olaf", "away until friday") == (
        '"friday" is not a date I can read. Write it as YYYY-MM-DD or DD.MM.YYYY, e.g. away '
        "until 2027-03-01."
    )
    assert await h.say("olaf", "away until 2026-12-24") == (
        "Dec 24, 2026 is in the past. Give the last day of your absence, e.g. away until "
        "2027-03-01."
    )
    assert "31.2." in await h.say("olaf", "away until 31.02.2027")
    assert "More than 366 days" in await h.say("olaf", "away until 2029-01-01")
    assert "away" not in await h.say("clara", "status")


async def test_abwesend_bis_und_zurueck(harness_de: Harness) -> None:
    h = harness_de
    await _team(h, de=True)
    await h.advance_to(MONDAY_NOON)
    before = len(h.adapter.to("olaf"))
    answer = await h.say("olaf", "abwesend bis 15.01.2027")
    assert answer.startswith("Eingetragen: Du bist bis einschließlich 15.01.2027 abwesend.")
    assert "Ab dem 16.01.2027 (oder dem nächsten Arbeitstag)" in answer
    assert "@olaf (abwesend bis 15.01.2027)" in await h.say("clara", "stand")
    await h.advance_to(MONDAY_NOON + timedelta(weeks=1, days=3))
    assert len(h.adapter.to("olaf")) == before
    await h.advance_to(MONDAY_NOON + timedelta(weeks=2))
    welcomes = _welcomes(h, "olaf")
    assert len(welcomes) == 1 and welcomes[0].startswith("*Willkommen zurück · Woche 3/12*")
    assert "Seit dem 04.01.2027 hat sich im Piloten Folgendes getan:" in welcomes[0]
    assert "Das steht diese Woche für dich an:" in welcomes[0]
    assert await h.say("olaf", "zurück") == (
        "Du bist gar nicht als abwesend eingetragen. (Mit abwesend bis DATUM trägst du eine "
        "Abwesenheit ein.)"
    )


async def test_absences_are_in_the_persons_data_and_forgotten_with_them(harness: Harness) -> None:
    h = harness
    await _team(h)
    await h.advance_to(MONDAY_NOON)
    await h.say("olaf", "away until 2027-02-05")
    data = json.loads(await backup.export_person(h.app.settings, "olaf"))
    assert [a["source"] for a in data["people"][0]["away"]] == ["command"]
    await h.say("olaf", "forget me")
    async with h.app.uow() as uow:
        assert (await uow.session.exec(select(AwayPeriod))).all() == []
