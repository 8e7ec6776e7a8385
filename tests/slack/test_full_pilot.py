"""A whole pilot through Slack alone, on SQLite and PostgreSQL: ``/pilot start``, roles picked in
user-select menus, weekly nudges as DMs with Done / Snooze / Check-in buttons, a check-in modal
(with an inline error first), the App Home, ``/pilot results`` and the week-13 summary DM.
Every assertion is on what the bot did at the (fake) Slack Web API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import BERLIN
from tests.slack.fake_slack import Call
from tests.slack.world import SlackWorld

CLARA, OLAF, INES = "UCLARA01", "UOLAF002", "UINES003"
WEEK_1 = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)


def week(n: int) -> datetime:
    return WEEK_1 + timedelta(weeks=n - 1)


def dms_to(world: SlackWorld, user: str) -> list[Call]:
    return world.fake.dms(user)


def nudge(world: SlackWorld, user: str, title: str) -> Call:
    return next(c for c in reversed(dms_to(world, user)) if title in c.args["text"])


def buttons(call: Call) -> dict[str, dict[str, Any]]:
    found = {}
    for block in call.args["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[element["action_id"]] = element
    return found


def last_response(world: SlackWorld) -> dict[str, Any]:
    return world.fake.of("response_url")[-1].args


async def test_a_full_pilot_runs_through_slack_alone(world_on_each_db: SlackWorld) -> None:
    w, fake = world_on_each_db, world_on_each_db.fake

    # /pilot start: a public answer with a user-select menu per role
    assert (await w.command(CLARA, "start 2027-01-04")).status == 200
    started = last_response(w)
    assert started["response_type"] == "in_channel"
    assert "Pilot started" in started["text"]
    selects = [b["accessory"]["action_id"] for b in started["blocks"] if "accessory" in b]
    assert selects == ["pc_assign_champion", "pc_assign_integrator", "pc_assign_modeler"]

    # roles from the menus; names come from users.info
    await w.pick(CLARA, "champion", CLARA)
    assert last_response(w)["text"].startswith("<@UCLARA01> is now Champion")
    await w.pick(CLARA, "modeler", OLAF)
    await w.pick(CLARA, "integrator", INES)
    assert "= 2 of 2" in last_response(w)["text"]

    # week 1 nudges: one DM per role owner with open tasks, posted to their user ids (one
    # call each, Slack opens the DM); the champion's two tasks are done by evidence
    await w.app.scheduler.tick()
    assert fake.of("conversations.open") == []
    assert sorted(c.args["channel"] for c in fake.delivered("chat.postMessage")) == [INES, OLAF]
    olaf_nudge = nudge(w, OLAF, "Week 1/12")
    assert {"pc_done", "pc_snooze"} <= set(buttons(olaf_nudge))
    assert buttons(olaf_nudge)["pc_snooze"]["text"]["text"] == "Snooze"

    # Done and Snooze buttons
    task = buttons(olaf_nudge)["pc_done"]["value"]
    await w.click(OLAF, "pc_done", task)
    assert last_response(w)["text"].startswith("Done: [3]")
    await w.click(INES, "pc_snooze")
    assert "remind you again on Tuesday at 09:00" in last_response(w)["text"]
    await w.advance_to(week(1) + timedelta(days=1))
    assert nudge(w, INES, "Reminder · Week 1/12")

    # weeks 2-3: a workflow by slash command, the pick by @mention, the metric by DM
    await w.advance_to(week(2))
    await w.command(OLAF, 'process add "Repair triage" inputs=e-mails outputs=ticket hours=12')
    assert 'Workflow 1 recorded: "Repair triage"' in last_response(w)["text"]
    await w.mention(CLARA, "process pick 1")
    picked = fake.delivered("chat.postMessage")[-1]
    assert picked.args["channel"] == w.channel
    assert 'Chosen: "Repair triage"' in picked.args["text"]
    await w.dm(OLAF, 'metric add "repair time" days baseline=8 target=6 lower')
    assert 'Metric "repair time" defined' in dms_to(w, OLAF)[-1].args["text"]

    # week 9: the modeler's nudge opens the check-in modal
    await w.advance_to(week(9))
    olaf_nudge = nudge(w, OLAF, "Week 9/12")
    assert "pc_checkin" in buttons(olaf_nudge)
    await w.click(OLAF, "pc_checkin")
    view = fake.of("views.open")[-1].args["view"]
    assert view["callback_id"] == "pc_checkin"
    assert [b["element"]["type"] for b in view["blocks"] if b["type"] == "input"] == [
        "number_input", "plain_text_input"
    ]  # fmt: skip

    bad = await w.submit(OLAF, view, {"metric_0": "-3"})
    assert bad.json() == {
        "response_action": "errors",
        "errors": {"metric_0": "-3 is negative: a measurement can't be below zero."},
    }
    good = await w.submit(OLAF, view, {"metric_0": "6.5", "note": "new triage form"})
    assert good.status == 200 and not good.text
    assert "Recorded for week 9: repair time = 6.5 days" in dms_to(w, OLAF)[-1].args["text"]

    # week 10: a check-in typed as a slash command
    await w.advance_to(week(10))
    await w.command(OLAF, "checkin repair time 5.5 days")
    assert "Recorded for week 10" in last_response(w)["text"]

    # App Home: the person's pilots, role and this week's tasks
    await w.home(OLAF)
    home = fake.delivered("views.publish")[-1]
    assert home.args["user_id"] == OLAF
    assert home.args["view"]["type"] == "home"
    home_text = str(home.args["view"]["blocks"])
    assert "Week 10/12" in home_text and "Process modeler" in home_text

    # results preview and the week-13 summary to the champion
    await w.command(CLARA, "results")
    results = last_response(w)
    assert "repair time: 8 → 6 days (−25 %)" in results["text"]
    assert results["blocks"][0]["type"] == "header"
    await w.advance_to(week(13))
    await w.advance_to(week(13) + timedelta(days=1))  # Easter Monday is a holiday
    assert any("Results" in c.args["text"] for c in dms_to(w, CLARA)[-3:])

    # nothing the bot sent was refused by Slack
    assert all(c.ok for c in fake.calls), [c for c in fake.calls if not c.ok]
    print("\nWeb API calls:", " ".join(fake.methods()))
