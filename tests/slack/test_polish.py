"""What Slack users see, polished (issue 18, point 4), through the fake Slack Web API: the
check-in modal's note label, one wording per action, the App Home with buttons, our own
localised error instead of bolt's English one, and the metrics as a ``table`` block."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.slack.surfaces import CheckinContext, FormContext, checkin_modal, form_modal
from bot import forms
from bot.catalog import LANGUAGES, texts
from tests.slack.conftest import running, slack_settings
from tests.slack.fake_slack import FakeSlack
from tests.slack.world import SlackWorld

CLARA, OLAF, INES = "UCLARA01", "UOLAF002", "UINES003"


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in blocks for e in b.get("elements", [])
            if e.get("type") == "button"}  # fmt: skip


async def _team(w: SlackWorld) -> None:
    await w.command(CLARA, "start 2027-01-04")
    await w.command(CLARA, f"assign champion <@{CLARA}|clara>")
    await w.command(CLARA, f"assign modeler <@{OLAF}|olaf>")
    await w.command(CLARA, f"assign integrator <@{INES}|ines>")
    await w.command(OLAF, 'metric add "repair time" days baseline=8 target=6 lower')


@pytest.mark.parametrize("language", LANGUAGES)
def test_optional_inputs_do_not_say_optional_twice(language: str) -> None:
    """Slack adds "(optional)" to an input with ``optional: true``: the label must not."""
    t = texts(language)
    views = [checkin_modal(t, CheckinContext("C1", False, (("repair time", "days"),)))]
    views += [form_modal(forms.form_of(k, t, ("SAP",)), FormContext("C1", False, k, ("SAP",)))
              for k in (forms.WORKFLOW, forms.CAPACITY)]  # fmt: skip
    for view in views:
        for block in view.to_dict()["blocks"]:
            if block["type"] == "input" and block.get("optional"):
                assert "optional" not in block["label"]["text"].lower(), block["label"]


async def test_nudge_buttons_say_what_teams_says(world: SlackWorld) -> None:
    """One wording per action: the nudge's Snooze and Check in are the catalog's ``action.*``,
    the texts Teams shows too, and the check-in modal is titled like its button."""
    w = world
    await _team(w)
    await w.advance_to(w.clock.now().replace(day=11, hour=9, minute=30))  # week 2: nudges
    nudge = next(c for c in w.fake.delivered("chat.postMessage")
                 if "pc_snooze" in str(c.args) and "pc_checkin" in str(c.args))  # fmt: skip
    found = _buttons(nudge.args["blocks"])
    t = texts("en")
    assert found["pc_snooze"]["text"]["text"] == t("action.snooze") == "Snooze"
    assert found["pc_checkin"]["text"]["text"] == t("action.checkin")
    await w.click(OLAF, "pc_checkin")
    view = w.fake.delivered("views.open")[-1].args["view"]
    assert view["title"]["text"] == t("action.checkin")


async def test_status_carries_a_table_block(world: SlackWorld) -> None:
    w = world
    await _team(w)
    await w.command(CLARA, "status")
    [answer] = [c for c in w.fake.of("response_url") if "Pilot status" in str(c.args)]
    [table] = [b for b in answer.args["blocks"] if b["type"] == "table"]
    header = [cell["elements"][0]["elements"][0]["text"] for cell in table["rows"][0]]
    assert header == ["Metric", "Baseline", "Target", "Current", "Change"]
    row = [cell["elements"][0]["elements"][0]["text"] for cell in table["rows"][1]]
    assert row[:3] == ["repair time", "8 days (estimate)", "6 days"]
    assert answer.args["blocks"][0]["text"]["text"] == "Pilot status · #ki-pilot"
    await w.command(CLARA, "results")
    [results] = [c for c in w.fake.of("response_url") if "Results" in str(c.args)]
    assert [b["type"] for b in results.args["blocks"]].count("table") == 1


async def test_app_home_ticks_checks_in_and_shows_status(world: SlackWorld) -> None:
    w = world
    await _team(w)
    await w.home(OLAF)
    home = w.fake.delivered("views.publish")[-1].args["view"]
    found = _buttons(home["blocks"])
    assert {"pc_home_done", "pc_home_checkin", "pc_home_status"} <= set(found)
    tick = found["pc_home_done"]
    assert tick["value"].startswith(w.channel + "|")
    number = tick["value"].split("|")[1]
    published = len(w.fake.delivered("views.publish"))

    async def click_home(action: dict[str, Any]) -> None:  # an App Home click: no channel
        payload = w.interaction("block_actions_button", OLAF)
        for key in ("channel", "response_url", "message"):
            payload.pop(key, None)
        payload["container"] = {"type": "view", "view_id": "V0HOME01"}
        payload["view"] = {"id": "V0HOME01", "type": "home"}
        payload["actions"][0].update(action_id=action["action_id"], value=action["value"])
        await w.interact(payload)

    await click_home(tick)
    said = [c for c in w.fake.delivered("chat.postMessage") if c.args["channel"] == "DOLAF002"]
    assert said and f"Done: [{number}]" in said[-1].args["text"]  # the tick's answer, in the DM
    assert len(w.fake.delivered("views.publish")) == published + 1  # the home refreshed
    assert f"#{number}" not in str(_buttons(w.fake.delivered("views.publish")[-1].args["view"]
                                            ["blocks"]).get("pc_home_done", {}))  # fmt: skip
    await click_home(found["pc_home_checkin"])
    assert w.fake.delivered("views.open")[-1].args["view"]["callback_id"] == "pc_checkin"
    await click_home(found["pc_home_status"])
    assert "Pilot status" in str(w.fake.delivered("chat.postMessage")[-1].args)


@pytest.fixture
async def german_oauth_world(sqlite_url: str) -> AsyncIterator[SlackWorld]:
    fake = FakeSlack()
    await fake.start()
    settings = slack_settings(sqlite_url, fake.api_url, slack_bot_token="",
                              slack_client_id="1111.2222", slack_client_secret="client-secret",
                              slack_state_secret="state-secret",
                              pilot_default_language="de")  # fmt: skip
    try:
        async with running(settings, fake) as w:
            yield w
    finally:
        await fake.stop()


async def test_a_german_pilot_never_reads_bolts_english_apology(
    german_oauth_world: SlackWorld,
) -> None:
    w = german_oauth_world
    await w.command(CLARA, "stand", team="TNOTINST")
    [told] = w.fake.of("response_url")
    assert told.args["text"] == texts("de")("slack.reinstall")
    assert "apologize" not in str(told.args) and ":warning:" not in str(told.args)
