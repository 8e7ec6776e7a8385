"""The check-in modal: opened by ``/pilot checkin`` (or the nudge's button), one number input per
metric; values the playbook refuses come back as inline errors on their field and store
nothing; accepted values are recorded and confirmed in the person's DM."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlmodel import select

from storage.tables import Checkin
from tests.slack.world import SlackWorld

CLARA, OLAF, INES, MARC = "UCLARA01", "UOLAF002", "UINES003", "UMARC004"


async def ready(world: SlackWorld) -> None:
    await world.command(CLARA, "start 2027-01-04")
    await world.pick(CLARA, "champion", CLARA)
    await world.pick(CLARA, "modeler", OLAF)
    await world.command(OLAF, 'metric add "repair time" days baseline=8 target=6 lower')
    await world.command(OLAF, "metric add errors % baseline=12 lower")
    world.fake.reset()


async def open_modal(world: SlackWorld, user: str) -> dict[str, Any]:
    answer = await world.command(user, "checkin")
    assert answer.status == 200 and not answer.text
    return dict(world.fake.of("views.open")[-1].args["view"])


async def checkins(world: SlackWorld) -> list[Checkin]:
    async with world.app.uow() as uow:
        return list((await uow.session.exec(select(Checkin))).all())


async def test_slash_checkin_opens_a_modal_with_a_number_input_per_metric(
    world: SlackWorld,
) -> None:
    await ready(world)
    form = world.command_form(OLAF, "checkin")
    await world.post(urlencode(form), "application/x-www-form-urlencoded")
    [opened] = world.fake.of("views.open")
    assert opened.args["trigger_id"] == form["trigger_id"]
    view = opened.args["view"]
    assert view["type"] == "modal" and view["title"]["text"] == "Check in"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == [
        "repair time (days)",
        "errors (%)",
        "Note",
    ]  # Slack adds "(optional)"
    assert inputs[0]["element"] == {"type": "number_input", "action_id": "value",
                                    "is_decimal_allowed": True, "min_value": "0"}  # fmt: skip
    assert all(b["optional"] for b in inputs)


async def test_bad_values_are_shown_inline_and_store_nothing(world: SlackWorld) -> None:
    await ready(world)
    view = await open_modal(world, OLAF)
    cases = [
        ({"metric_0": "abc"}, {"metric_0": '"abc" is not a number: write digits, e.g. 7 or 6.5.'}),
        ({"metric_0": "6", "metric_1": "130"},
         {"metric_1": "130 is out of range for this metric."}),
        ({}, {"metric_0": "Enter a value for at least one metric."}),
        ({"metric_0": "6", "note": "x" * 501},
         {"note": "The note is too long: at most 500 characters."}),
    ]  # fmt: skip
    for values, errors in cases:
        answer = await world.submit(OLAF, view, values)
        assert answer.status == 200
        assert answer.json() == {"response_action": "errors", "errors": errors}
    assert await checkins(world) == []
    assert world.fake.of("chat.postMessage") == []


async def test_a_refusal_of_the_coach_is_shown_inline_too(world: SlackWorld) -> None:
    await ready(world)
    view = await open_modal(world, OLAF)
    answer = await world.submit(MARC, view, {"metric_0": "6"})  # Marc owns no role
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"metric_0": "Only the Champion, Integrator, Process modeler may do that in "
                   "this pilot."},
    }  # fmt: skip
    assert await checkins(world) == []


async def test_good_values_are_recorded_and_confirmed_by_dm(world: SlackWorld) -> None:
    await ready(world)
    view = await open_modal(world, OLAF)
    answer = await world.submit(OLAF, view, {"metric_0": "6.5", "metric_1": "9", "note": "ok"})
    assert answer.status == 200 and answer.text == ""  # closes the modal
    stored = await checkins(world)
    assert sorted((c.value, c.note) for c in stored) == [(6.5, "ok"), (9.0, "ok")]
    dms = world.fake.delivered("chat.postMessage")
    assert [c.args["channel"] for c in dms] == ["DOLAF002", "DOLAF002"]
    assert dms[0].args["text"].startswith("Recorded for week 1: repair time = 6.5 days.")
    again = await world.submit(OLAF, view, {"metric_0": "6"})  # a new submission is new data
    assert again.status == 200 and len(await checkins(world)) == 3


async def test_a_german_pilot_reads_slacks_decimal_point(world: SlackWorld) -> None:
    await ready(world)
    await world.command(CLARA, "settings lang=de")
    view = await open_modal(world, OLAF)
    assert view["title"]["text"] == "Kennzahlen melden"
    bad = await world.submit(OLAF, view, {"metric_0": "-1"})
    assert bad.json()["errors"]["metric_0"].startswith("-1 ist negativ")
    await world.submit(OLAF, view, {"metric_0": "6.5"})
    assert [c.value for c in await checkins(world)] == [6.5]
    confirmation = world.fake.delivered("chat.postMessage")[-1].args["text"]
    assert "Reparaturzeit" not in confirmation and "6,5" in confirmation


async def test_no_metrics_means_no_modal_but_a_private_hint(world: SlackWorld) -> None:
    await world.command(CLARA, "start 2027-01-04")
    world.fake.reset()
    await world.command(CLARA, "checkin")
    assert world.fake.of("views.open") == []
    [hint] = world.fake.of("response_url")
    assert hint.args["response_type"] == "ephemeral"
    assert hint.args["text"].startswith("There are no metrics yet")
