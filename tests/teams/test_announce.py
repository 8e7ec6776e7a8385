"""announce in Teams: the results card (chart and headline facts) goes to the channel once;
announcing again replaces that activity (PUT), never a second post."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.teams.activities import CHANNEL, TeamsClient
from tests.teams.card_schema import card_errors
from tests.teams.conftest import StartServer
from tests.teams.fake_connector import FakeConnector


async def test_announce_posts_once_then_updates(
    sqlite_url: str, start_server: StartServer, connector: FakeConnector, teams: TeamsClient
) -> None:
    server = await start_server(sqlite_url)
    try:
        await server.post(teams.bot_added())
        for text in (
            "start 2027-01-04",
            "assign champion @clara",
            "assign modeler @olaf",
            'metric add "repair time" days baseline=8 target=6 lower',
            "10: checkin repair time 7",
            "11: checkin repair time 6",
            "12: checkin repair time 5.5",
        ):
            week, _, text = text.rpartition(": ")
            if week:  # the measuring weeks 9-12
                monday = datetime(2027, 1, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
                server.clock.set(monday + timedelta(weeks=int(week) - 1))
            sender = "olaf" if text.startswith(("metric", "checkin")) else "clara"
            assert (await server.post(teams.channel_message(sender, text)))[0] == 200
        await server.app.scheduler.tick()
        mark = len(connector.calls)
        await server.post(teams.channel_message("clara", "announce"))
        await server.app.scheduler.tick()
        posted = [
            c for c in connector.since(mark) if c.kind == "send" and c.conversation == CHANNEL
        ]
        assert len(posted) == 1, [c.fallback for c in connector.since(mark)]
        card = posted[0].card
        assert card is not None and card_errors(card) == []
        assert "repair time: 8 → 5.8 days (−28 %)" in posted[0].fallback
        assert any(e.get("type") == "Chart.Line"
                   and e["fallback"]["url"].startswith("data:image/png;base64,")
                   for e in card["body"])  # fmt: skip
        mark = len(connector.calls)
        await server.post(teams.channel_message("olaf", "checkin repair time 5"))
        await server.post(teams.channel_message("clara", "announce"))
        await server.app.scheduler.tick()
        calls = connector.since(mark)
        assert not [c for c in calls if c.kind == "send" and c.conversation == CHANNEL
                    and "Results" in c.fallback]  # fmt: skip
        updates = [c for c in calls if c.kind == "update"]
        assert len(updates) == 1 and updates[0].conversation == CHANNEL
        assert "−31 %" in str(updates[0].body)  # week 12: 5 replaced 5.5
    finally:
        await server.close()
