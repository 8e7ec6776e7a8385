"""A whole pilot through Teams alone: the real web app and scheduler, a fake Bot Framework
connector at the activities' serviceUrl, Activity JSON shaped like Teams sends it, and two
server restarts on the same database. Nudges reach each role owner in a 1:1 chat the bot
creates once and keeps using after the restarts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.conftest import BERLIN
from tests.teams.activities import CHANNEL, PEOPLE, TeamsClient
from tests.teams.card_schema import card_errors
from tests.teams.conftest import StartServer, TeamsServer
from tests.teams.fake_connector import Call, FakeConnector


def monday(month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=BERLIN)


class Run:
    """The conversation of one test: who says what, what the connector received."""

    def __init__(self, server: TeamsServer, teams: TeamsClient, connector: FakeConnector) -> None:
        self.server, self.teams, self.connector = server, teams, connector

    async def say(self, sender: str, text: str) -> list[Call]:
        mark = len(self.connector.calls)
        status, _ = await self.server.post(self.teams.channel_message(sender, text))
        assert status == 200
        return self.connector.since(mark)

    async def dm(self, sender: str, text: str) -> list[Call]:
        mark = len(self.connector.calls)
        chat = self.connector.chat_of(PEOPLE[sender]["id"])
        status, _ = await self.server.post(self.teams.personal_message(sender, text, chat))
        assert status == 200
        return self.connector.since(mark)

    async def click(self, sender: str, data: dict[str, Any]) -> list[Call]:
        mark = len(self.connector.calls)
        chat = self.connector.chat_of(PEOPLE[sender]["id"])
        status, _ = await self.server.post(self.teams.submit(sender, data, chat))
        assert status == 200
        return self.connector.since(mark)

    async def execute(self, sender: str, verb: str, data: dict[str, Any]) -> tuple[int, Any]:
        chat = self.connector.chat_of(PEOPLE[sender]["id"])
        return await self.server.post(self.teams.invoke(sender, verb, data, chat))

    def latest(self, person: str, containing: str) -> Call:
        """The newest message in ``person``'s 1:1 chat whose text contains ``containing``."""
        chat = self.connector.to(self.connector.chat_of(PEOPLE[person]["id"]))
        return next(c for c in reversed(chat) if containing in c.fallback)

    async def restart(self, start_server: StartServer, db_url: str) -> None:
        now = self.server.clock.now()
        await self.server.close()
        self.server = await start_server(db_url, now=now)


def only(calls: list[Call]) -> Call:
    assert len(calls) == 1, [c.fallback for c in calls]
    return calls[0]


async def test_a_full_pilot_runs_through_teams_alone(
    db_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    run = Run(await start_server(db_url), teams, connector)

    # The bot is added to the team: a welcome card in the channel, with a Start button.
    status, _ = await run.server.post(teams.bot_added())
    welcome = only(connector.to(CHANNEL))
    assert status == 200 and "Pilot Coach" in welcome.fallback
    assert welcome.button("start") == {"action": "start"}
    mark = len(connector.calls)
    status, _ = await run.server.post(teams.channel_submit("clara", welcome.button("start")))
    started = only(connector.since(mark))
    assert "Pilot started" in started.fallback
    assert started.conversation.startswith(CHANNEL + ";messageid=")  # answered in the thread

    # Roles by @mention: the Teams mention entities name the people.
    champion = only(await run.say("clara", "assign champion @clara"))
    assert "@Clara Becker is now Champion" in champion.fallback
    modeler = only(await run.say("clara", "assign modeler @olaf"))
    assert "@Olaf Schmidt is now Process modeler" in modeler.fallback
    assert "= 2 of 2" in only(await run.say("clara", "assign integrator @ines")).fallback

    # Week 1 nudges: the bot opens a 1:1 chat with each owner who has open tasks and posts the
    # week's tasks there (the champion's two are done by evidence).
    await run.server.app.scheduler.tick()
    created = {c.body["members"][0]["id"] for c in connector.created()}
    assert created == {PEOPLE[p]["id"] for p in ("olaf", "ines")}
    assert all(c.body["channelData"]["tenant"]["id"] == teams.tenant and not c.body["isGroup"]
               for c in connector.created())  # fmt: skip
    nudge = run.latest("olaf", "Week 1/12")
    assert {b["data"]["action"] for b in nudge.buttons()} == {"done", "snooze"}

    # Olaf presses "Done" on his nudge; then asks for his tasks in the personal chat.
    done = only(await run.click("olaf", nudge.button("done")))
    assert done.fallback.startswith("Done: [3]")
    assert done.conversation == connector.chat_of(PEOPLE["olaf"]["id"])
    assert "Your tasks" in only(await run.dm("olaf", "tasks")).fallback

    # Weeks 2-4 in the channel: candidate workflows, the metric.
    await run.server.advance_to(monday(1, 11))
    await run.say("olaf", 'process add "Repair intake" inputs=calls outputs=tickets hours=6')
    await run.say("olaf", 'process add "Spare parts" inputs=orders outputs=stock hours=3')
    await run.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    await run.server.advance_to(monday(1, 25))
    assert "Repair intake" in only(await run.say("clara", "process pick 1")).fallback

    # Restart: the next nudges still reach everyone, through the stored references.
    await run.restart(start_server, db_url)
    sends_before = len(connector.sent())
    await run.server.advance_to(monday(3, 1))  # week 9: measure
    assert len(connector.created()) == 3, "no second 1:1 chat after a restart"
    assert len(connector.sent()) > sends_before
    nudge = run.latest("olaf", "Week 9/12")
    assert nudge.button("checkin") == {"action": "checkin"}

    # Check-in from the nudge: the form, a refused value shown inline, then a good one.
    form = only(await run.click("olaf", nudge.button("checkin")))
    assert [e["type"] for e in form.card["body"] if e["type"].startswith("Input.")] == [
        "Input.Number", "Input.Text"]  # fmt: skip
    submit = form.card["actions"][0]["data"]
    refused = only(await run.click("olaf", {**submit, "value0": "-3", "note": ""}))
    alert = next(e for e in refused.card["body"] if e["type"] == "Container")
    assert "negative" in alert["items"][0]["text"] and alert["style"] == "attention"
    recorded = only(await run.click("olaf", {**submit, "value0": "7", "note": "new intake form"}))
    assert "Recorded for week 9: repair time = 7 days" in recorded.fallback

    # Week 10: Action.Execute (invoke) works end to end: HTTP 200 with the invoke body.
    await run.server.advance_to(monday(3, 8))
    mark = len(connector.calls)
    metric = {"metrics": ["repair time"]}
    status, body = await run.execute("olaf", "checkin", {**metric, "value0": "6.5"})
    assert status == 200 and body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "repair time = 6.5 days" in only(connector.since(mark)).fallback
    status, body = await run.execute("olaf", "checkin", {**metric, "value0": "-1"})
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert card_errors(body["value"]) == [] and "negative" in str(body["value"])

    await run.server.advance_to(monday(3, 15))
    await run.dm("olaf", "checkin repair time 6")
    await run.server.advance_to(monday(3, 22))
    await run.dm("olaf", "checkin repair time 5.6")
    status_card = only(await run.say("clara", "status")).card
    assert status_card is not None and any(e["type"] == "FactSet" for e in status_card["body"])

    # Results in the channel: a card with the chart.
    results = only(await run.say("clara", "results"))
    assert "repair time: 8 → 5.8 days" in results.fallback
    charts = [e for e in results.card["body"] if e["type"] == "Chart.Line"]  # the PNG: fallback
    assert charts and charts[0]["fallback"]["url"].startswith("data:image/png;base64,")

    # Restart again; week 13's summary reaches the champion in her 1:1 chat, chart included.
    await run.restart(start_server, db_url)
    await run.server.advance_to(monday(3, 30))  # Easter Monday: the slot moves to Tuesday
    summary = run.latest("clara", "Results")
    assert "repair time: 8 → 5.8 days" in summary.fallback
    assert any(e["type"] == "Chart.Line" for e in summary.card["body"])
    assert len(connector.created()) == 3

    # Every card the bot sent validates against the Adaptive Cards subset schema.
    cards = [c.card for c in connector.sent() if c.card is not None]
    plain = [c.body for c in connector.sent() if c.card is None]  # short confirmations
    assert all(b["textFormat"] == "plain" and len(b["text"]) <= 280 for b in plain), plain
    assert len(cards) > len(plain)
    assert {i: card_errors(card) for i, card in enumerate(cards) if card_errors(card)} == {}
    for call in connector.calls:  # the recorded conversation, shown with pytest -s
        print(call.kind, call.conversation[:28], (call.fallback.splitlines() or [""])[0][:70])
