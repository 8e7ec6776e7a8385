"""What Teams users see, polished (issue 18, points 2 and 4), through the fake connector: no raw
conversation id in a title, short confirmations as plain text, card ``fallbackText`` without
Slack's ``*bold*`` marks, the same action wording as Slack, and the results as a Chart.Line
with the chart PNG as fallback for hosts without charts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.catalog import texts
from tests.conftest import BERLIN
from tests.teams.activities import PEOPLE, TeamsClient
from tests.teams.conftest import StartServer, TeamsServer
from tests.teams.fake_connector import Call, FakeConnector


def _nameless(activity: dict[str, Any]) -> dict[str, Any]:
    """A message in a team's General channel: Teams names neither channel nor conversation."""
    activity["channelData"].pop("team", None)
    activity["channelData"]["channel"].pop("name", None)
    activity["conversation"].pop("name", None)
    return activity


async def _say(server: TeamsServer, teams: TeamsClient, connector: FakeConnector, sender: str,
               text: str) -> list[Call]:  # fmt: skip
    mark = len(connector.calls)
    status, _ = await server.post(_nameless(teams.channel_message(sender, text)))
    assert status == 200
    return connector.since(mark)


async def test_titles_say_this_channel_and_confirmations_are_plain(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    for text in ("start 2027-01-04", "assign champion @clara", "assign modeler @olaf",
                 "assign integrator @ines"):  # fmt: skip
        await _say(server, teams, connector, "clara", text)
    [status] = await _say(server, teams, connector, "clara", "status")
    assert status.card is not None
    title = status.card["body"][0]["text"]
    assert title == "Pilot status · this channel"
    assert "19:" not in status.card["fallbackText"] and "@thread" not in str(status.card)
    assert "*" not in status.card["fallbackText"]  # Slack's bold marks stay in Slack
    assert "*" not in status.body["summary"]
    [snoozed] = await _say(server, teams, connector, "olaf", "snooze")
    assert snoozed.card is None and snoozed.body["textFormat"] == "plain"
    assert snoozed.body["text"].startswith("Snoozed")


async def test_results_chart_is_a_teams_chart_with_the_png_as_fallback(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    script = ["start 2027-01-04", "assign champion @clara", "assign modeler @olaf",
              'metric add "repair time" days baseline=8 target=6 lower']  # fmt: skip
    for text in script:
        await _say(server, teams, connector, "clara", text)
    for week, value in ((2, "7.5"), (3, "7"), (9, "6"), (10, "5.5")):
        await server.advance_to(datetime(2027, 1, 4, 10, tzinfo=BERLIN) + timedelta(weeks=week - 1))
        await _say(server, teams, connector, "olaf", f"checkin repair time {value}")
    [results] = await _say(server, teams, connector, "clara", "results")
    assert results.card is not None
    body = results.card["body"]
    [chart] = [e for e in body if e["type"] == "Chart.Line"]
    assert chart["fallback"]["type"] == "Image"
    assert chart["fallback"]["url"].startswith("data:image/png;base64,")
    legends = [d["legend"] for d in chart["data"]]
    assert legends == ["weekly value", "baseline (measured)", "target"]
    points = {p["x"]: p["y"] for p in chart["data"][0]["values"]}
    assert points == {"W2": 7.5, "W3": 7.0, "W9": 6.0, "W10": 5.5}
    [table] = [e for e in body if e["type"] == "Table"]
    header = [c["items"][0]["text"] for c in table["rows"][0]["cells"]]
    assert header == ["Metric", "Baseline", "Target", "Current", "Change"]
    assert not [e for e in body if e["type"] == "Image"]  # the PNG only as the fallback


async def test_nudge_buttons_use_the_one_wording_of_each_action(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    for text in ("start 2027-01-04", "assign champion @clara", "assign modeler @olaf",
                 'metric add "repair time" days baseline=8 lower'):  # fmt: skip
        await _say(server, teams, connector, "clara", text)
    await server.advance_to(datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN))
    chat = connector.to(connector.chat_of(PEOPLE["olaf"]["id"]))
    nudge = next(c for c in reversed(chat) if c.card and any(
        b["data"]["action"] == "checkin" for b in c.buttons()))  # fmt: skip
    titles = {b["data"]["action"]: b["title"] for b in nudge.buttons()}
    t = texts("en")
    assert titles["snooze"] == t("action.snooze")
    assert titles["checkin"] == t("action.checkin")
