"""Unusable input gets a reply naming the problem, and nothing is stored from it (CONTRACT.md).

Each test runs in an English and a German pilot on each backend.
"""

from __future__ import annotations

import pytest

from bot.messages import Inbound, PersonRef
from storage.tables import Checkin, Person, Pilot, Process, ProcessedEvent
from tests.conftest import Harness
from tests.integration import coach_support as cs

h = cs.h  # the English- and the German-default harness

TEXT = {
    "en": {
        "too_long": "That message is too long (at most 2000 characters). Nothing was stored.",
        "quotes": "A quotation mark is not closed.",
        "unknown_person": 'I can\'t tell who "{v}" is: mention the person, e.g. assign modeler '
        "@olaf.",
        "not_monday": "2027-01-06 is not a Monday: week 1 starts on a Monday.",
        "bad_date": '"2027-02-30" is not a date: write start YYYY-MM-DD, e.g. start 2027-01-04.',
        "field_too_long": "One of the fields is too long (at most 200 characters).",
        "name_too_long": "The name is too long (at most 80 characters).",
        "note_too_long": "The note is too long: at most 500 characters.",
        "bad_hours": '"200" is not a number of hours per week (0–168).',
        "percent_range": "120 is out of range for this metric.",
        "recorded": "Recorded for week 1",
    },
    "de": {
        "too_long": "Die Nachricht ist zu lang (höchstens 2000 Zeichen). Es wurde nichts "
        "gespeichert.",
        "quotes": "Ein Anführungszeichen ist nicht geschlossen.",
        "unknown_person": "Ich weiß nicht, wer „{v}“ ist: erwähne die Person, z. B. zuweisen "
        "modellierer @olaf.",
        "not_monday": "Der 2027-01-06 ist kein Montag: Woche 1 beginnt an einem Montag.",
        "bad_date": "„2027-02-30“ ist kein Datum: start JJJJ-MM-TT, z. B. start 2027-01-04.",
        "field_too_long": "Eines der Felder ist zu lang (höchstens 200 Zeichen).",
        "name_too_long": "Der Name ist zu lang (höchstens 80 Zeichen).",
        "note_too_long": "Die Notiz ist zu lang: höchstens 500 Zeichen.",
        "bad_hours": "„200“ ist keine Stundenzahl pro Woche (0–168).",
        "percent_range": "120 liegt außerhalb des möglichen Bereichs dieser Kennzahl.",
        "recorded": "Erfasst für Woche 1",
    },
}


def text(h: Harness, key: str, **kw: str) -> str:
    return TEXT[cs.lang_of(h)][key].format(**kw)


async def ready(h: Harness) -> None:
    """A pilot with three role owners, a metric and one check-in; zed is known too."""
    await cs.team(h)
    await h.say("olaf", 'metric add "repair time" days baseline=8 target=6')
    await h.say("ines", "checkin repair time 7")
    await h.say("zed", "status")


def longest_string(dump: dict[str, list[dict[str, object]]]) -> int:
    return max(
        (len(v) for table in dump.values() for row in table for v in row.values()
         if isinstance(v, str)),
        default=0,
    )  # fmt: skip


async def test_a_10000_character_message_is_refused_and_nothing_is_stored(h: Harness) -> None:
    await ready(h)
    before = await cs.state(h, cs.ALL_TABLES)
    huge = "checkin repair time 6 " + "x" * 10_000
    assert len(huge) > 10_000
    for user, message in (("ines", huge), ("olaf", "process add " + "y" * 10_000),
                          ("clara", "z" * 10_000)):  # fmt: skip
        assert await h.say(user, message) == text(h, "too_long")
    after = await cs.state(h, cs.ALL_TABLES)
    del before["activity"], after["activity"]  # "last seen" may move; nothing else may
    assert after == before
    assert longest_string(after) < 2000
    assert len(await cs.checkins(h)) == 1


async def test_a_10000_character_start_opens_no_pilot(h: Harness) -> None:
    assert await h.say("clara", "start " + "2027-01-04 " * 1000) == text(h, "too_long")
    assert await cs.count(h, Pilot) == 0


async def test_a_repeated_event_id_is_handled_once(h: Harness) -> None:
    await ready(h)
    first = await h.say("ines", "checkin repair time 6", event_id="E1")
    assert first.startswith(text(h, "recorded"))
    events = await cs.count(h, ProcessedEvent)
    before = await cs.state(h, cs.ALL_TABLES)
    again = await h.say("ines", "checkin repair time 6", event_id="E1")
    assert again == ""
    # the same id with other text (a retried delivery) is ignored as well
    assert await h.say("olaf", "process add Triage", event_id="E1") == ""
    assert await cs.state(h, cs.ALL_TABLES) == before
    assert [c.value for c in await cs.checkins(h)] == [7.0, 6.0]
    assert await cs.count(h, ProcessedEvent) == events
    # a new id is a new message
    assert (await h.say("ines", "checkin repair time 6", event_id="E2")).startswith(
        text(h, "recorded")
    )
    assert [c.value for c in await cs.checkins(h)] == [7.0, 6.0, 6.0]


async def test_a_repeated_event_id_of_a_start_opens_one_pilot(h: Harness) -> None:
    assert await h.say("clara", "start", event_id="Ev-start") != ""
    assert await h.say("clara", "start", event_id="Ev-start") == ""
    assert await h.say("clara", "start", event_id="Ev-start", channel="other") == ""
    assert await cs.count(h, Pilot) == 1


@pytest.mark.parametrize(
    "message",
    [
        'process add "Repair request triage inputs=mails hours=3',
        'metric add "repair time days baseline=8',
        "kennzahl neu „Reparaturzeit Tage basis=8",
    ],
)
async def test_unbalanced_quotes(h: Harness, message: str) -> None:
    await ready(h)
    before = await cs.state(h)
    assert await h.say("olaf", message) == text(h, "quotes")
    assert await cs.state(h) == before


@pytest.mark.parametrize("target", ["olaf", "<@U0BADF00D>", "@"])
async def test_an_unknown_mention_target_is_refused(h: Harness, target: str) -> None:
    await ready(h)
    people = await cs.count(h, Person)
    before = await cs.state(h)
    out = await h.say("clara", f"assign modeler {target}")
    assert out == text(h, "unknown_person", v=target)
    assert await cs.state(h) == before
    assert await cs.count(h, Person) == people
    assert (await cs.roles(h))["modeler"] == "olaf"


async def test_an_overlong_mention_is_refused(h: Harness) -> None:
    await ready(h)
    before = await cs.state(h)
    out = await h.say("clara", "assign modeler @" + "a" * 300)
    assert out  # a reply, not an exception
    assert await cs.state(h) == before
    assert all(len(p["external_id"]) <= 128 for p in await cs.rows(h, Person))


async def test_bad_start_dates(h: Harness) -> None:
    assert await h.say("clara", "start 2027-01-06") == text(h, "not_monday")
    assert await h.say("clara", "start 2027-02-30") == text(h, "bad_date")
    assert await cs.count(h, Pilot) == 0


async def test_overlong_fields_are_refused(h: Harness) -> None:
    await ready(h)
    before = await cs.state(h)
    assert await h.say("clara", "done 1 " + "n" * 201) == text(h, "field_too_long")
    assert await h.say("olaf", "process add " + "N" * 81) == text(h, "name_too_long")
    assert await h.say("olaf", "process add Triage inputs=" + "i" * 201) == text(
        h, "field_too_long"
    )
    assert await h.say("olaf", "process add Triage hours=200") == text(h, "bad_hours")
    assert await h.say("ines", "checkin repair time 6 " + "n" * 501) == text(h, "note_too_long")
    assert await cs.state(h) == before
    await h.say("olaf", "metric add share percent baseline=50 higher")
    before = await cs.state(h)
    assert await h.say("ines", "checkin share 120") == text(h, "percent_range")
    assert await h.say("ines", "checkin share 120 %") == text(h, "percent_range")
    assert await cs.state(h) == before
    assert await cs.count(h, Process) == 0
    assert await cs.count(h, Checkin) == 1


async def test_overlong_platform_names_are_cut_to_the_column(harness: Harness) -> None:
    long_name = "N" * 300
    inbound = Inbound(
        platform="console",
        workspace="local",
        channel="c",
        channel_name=long_name,
        workspace_name=long_name,
        user=PersonRef("u1", long_name),
        text="start",
    )
    replies = await harness.app.coach.handle(inbound)
    assert replies[0].text.startswith("Pilot started")
