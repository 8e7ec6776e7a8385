"""announce / verkünden: the results go out channel-wide once; announcing again updates that
message (per pilot and channel), never a second post."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from bot.messages import File, Image
from tests.conftest import BERLIN, Harness


async def _measured(h: Harness) -> None:
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    await h.say("clara", "assign modeler @olaf")
    await h.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    for week, value in ((10, "7"), (11, "6"), (12, "5.5")):
        h.clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=BERLIN) + timedelta(weeks=week - 1))
        await h.say("olaf", f"checkin repair time {value}")
    await h.app.scheduler.tick()
    h.adapter.sent.clear()


async def test_announce_posts_once_then_updates(harness: Harness) -> None:
    h = harness
    await _measured(h)
    assert await h.say("clara", "announce") == "The results go out to #ki-pilot now."
    await h.app.scheduler.tick()
    posts = [(ref, r) for ref, r in h.adapter.sent if ref.channel == "ki-pilot"]
    assert len(posts) == 1
    reply = posts[0][1]
    assert "repair time: 8 → 5.8 days (−28 %)" in reply.text
    chart = next(b for b in reply.blocks if isinstance(b, Image))
    assert base64.b64decode(chart.data).startswith(b"\x89PNG")
    page = next(b for b in reply.blocks if isinstance(b, File))
    assert page.name == "summary.html" and b"<!DOCTYPE html>" in base64.b64decode(page.data)
    await h.say("olaf", "checkin repair time 5")
    assert await h.say("clara", "verkünden") == (
        "The results in #ki-pilot are being updated (no second post)."
    )
    await h.app.scheduler.tick()
    assert len([1 for ref, _ in h.adapter.sent if ref.channel == "ki-pilot"]) == 1
    # week 12 again: 5 replaces 5.5, so (6 + 5) / 2 = 5.5 against 8
    assert [(mid, "−31 %" in r.text) for mid, r in h.adapter.updated] == [("m1", True)]
    # Another channel is another announcement.
    assert await h.say("clara", "announce #management") == (
        "The results go out to #management now."
    )
    await h.app.scheduler.tick()
    assert [ref.channel for ref, _ in h.adapter.sent] == ["ki-pilot", "management"]
