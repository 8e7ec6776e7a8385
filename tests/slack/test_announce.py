"""/pilot announce in Slack: one channel post with the chart and the HTML one-pager uploaded;
announcing again updates that post with chat.update and uploads nothing new."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.slack.test_reliability import CLARA, OLAF, team
from tests.slack.world import SlackWorld


async def test_announce_posts_once_and_updates_after(world: SlackWorld) -> None:
    await team(world)
    await world.command(OLAF, 'metric add "repair time" days baseline=8 target=6 lower')
    for week, value in ((10, "7"), (11, "6"), (12, "5.5")):  # the measuring weeks
        monday = datetime(2027, 1, 4, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        world.clock.set(monday + timedelta(weeks=week - 1))
        await world.command(OLAF, f"checkin repair time {value}")
    await world.app.scheduler.tick()
    world.fake.reset()
    await world.command(CLARA, "announce")
    await world.app.scheduler.tick()
    posts = [c for c in world.fake.delivered("chat.postMessage")
             if c.args["channel"] == world.channel]  # fmt: skip
    assert len(posts) == 1
    assert "repair time: 8 → 5.8 days (−28 %)" in posts[0].args["text"]
    uploads = world.fake.of("files.completeUploadExternal")
    assert len(uploads) == 2  # the chart and the HTML one-pager
    assert all(u.args["channel_id"] == world.channel for u in uploads)
    world.fake.reset()
    await world.command(OLAF, "checkin repair time 5")
    await world.command(CLARA, "announce")
    await world.app.scheduler.tick()
    assert world.fake.of("chat.postMessage") == []
    assert world.fake.of("files.completeUploadExternal") == []
    updates = world.fake.delivered("chat.update")
    assert len(updates) == 1 and updates[0].args["channel"] == world.channel
    assert updates[0].args["ts"].startswith("18")  # the ts chat.postMessage answered
    assert "−31 %" in updates[0].args["text"]  # week 12's 5 replaced its 5.5
