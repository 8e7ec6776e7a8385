"""Results end to end: retrospective, results reply, next cycle, webhook token and the
metric push route on the real HTTP server, the HTML one-pager."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
from sqlmodel import select

from bot.messages import Inbound, PersonRef
from bot.report import write_summary
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from storage.tables import Checkin, Pilot
from tests.conftest import BERLIN, Harness


def at_week(h: Harness, week: int) -> None:
    """Tuesday 10:00 of pilot week ``week`` (the pilot starts Monday 4 January 2027)."""
    h.clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=BERLIN) + timedelta(weeks=week - 1))


async def _measured_pilot(h: Harness) -> None:
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    await h.say("clara", "assign modeler @olaf")
    await h.say("clara", "assign integrator @ines")
    await h.say("olaf", "process add Triage hours=12")
    await h.say("olaf", "process add Parts hours=6")
    await h.say("olaf", "process add Invoices hours=4")
    await h.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    await h.say("olaf", "metric add effort h baseline=12")
    await h.say("clara", "process pick 1")
    await h.say("clara", "settings rate=55")


async def test_results_show_not_enough_data_then_the_numbers(harness: Harness) -> None:
    h = harness
    await _measured_pilot(h)
    await h.say("olaf", "checkin repair time 7")  # week 1: a baseline measurement
    out = await h.say("clara", "results")
    assert "Not enough data yet: the improvement needs values from at least 2 of weeks 9–12." in out
    assert "repair time: baseline 8 days, not enough data from weeks 9–12 yet" in out
    at_week(h, 9)
    await h.say("olaf", "checkin repair time 7")
    await h.say("olaf", "checkin effort 8")
    at_week(h, 10)
    await h.say("olaf", "checkin repair time 5")
    await h.say("olaf", "checkin effort 6")
    out = await h.say("ines", "results")
    assert "repair time: 8 → 6 days (−25 %) · target 6 days reached" in out.replace("✓ ", "")
    assert "(12 − 7) h per week = 5 h per week" in out
    assert "5 h saved per week ≈ 230 h a year" in out
    assert "230 h × 55 €/h ≈ 12,650 € a year" in out
    assert "Recommended next workflow: Parts (6 h per week)." in out


async def test_retrospective_answers_are_quoted_in_german(harness_de: Harness) -> None:
    h = harness_de
    await _measured_pilot(h)
    assert await h.say("olaf", "rückblick 2 Die API war langsam") == (
        "Danke — deine Antwort auf „Was stand im Weg?“ ist gespeichert."
    )
    await h.say("olaf", "rückblick 2 Die API-Grenzen")  # a second answer replaces the first
    assert "So geht's: rückblick" in await h.say("olaf", "rückblick 4 egal")
    assert "Das darf in diesem Piloten nur" in await h.say("gast", "rückblick 1 hallo")
    out = await h.say("clara", "ergebnisse")
    assert "Was stand im Weg? — olaf: “Die API-Grenzen”" in out
    assert "Die API war langsam" not in out


async def test_next_cycle_carries_roles_and_remaining_candidates(harness: Harness) -> None:
    h = harness
    await _measured_pilot(h)
    assert "Only the Champion" in await h.say("olaf", "next cycle")
    out = await h.say("clara", "nächster zyklus")
    assert out.startswith("Cycle 2 opened: week 1 starts Jan 11, 2027.")
    assert "2 remaining candidate workflows" in out
    status = await h.say("olaf", "status")
    assert "Champion: @clara" in status and "Process modeler: @olaf" in status
    assert "not chosen yet (2 candidates)" in status
    async with h.app.uow() as uow:
        pilots = (await uow.session.exec(select(Pilot).order_by(Pilot.id))).all()
        assert [(p.cycle, p.status) for p in pilots] == [(1, "closed"), (2, "open")]
        old = await load_snapshot(uow, pilots[0], h.clock.now())
        assert old.chosen is not None and old.chosen.name == "Triage"  # still readable


async def _token(h: Harness) -> str:
    out = await h.say("clara", "metric token")
    match = re.search(r"(pcm_[\w-]+)", out)
    assert match, out
    return match.group(1)


async def test_webhook_auth_validation_idempotency_isolation(harness: Harness, server: str) -> None:
    h = harness
    await _measured_pilot(h)
    assert "Only the Champion" in await h.say("olaf", "metric token")
    first = await _token(h)
    replies = await h.app.coach.handle(
        Inbound(platform="console", workspace="local", channel="ki-pilot",
                user=PersonRef("clara", "clara"), text="metric token")
    )  # fmt: skip
    assert replies[0].private  # the secret is shown only to the champion
    match = re.search(r"(pcm_[\w-]+)", replies[0].text)
    assert match is not None and match.group(1) != first
    token = match.group(1)
    async with h.app.uow() as uow:
        stored = (await uow.session.exec(select(Pilot))).one().webhook_token_hash
    assert stored is not None and token not in stored  # kept hashed
    url = f"{server}/hooks/metrics/1"
    good = {"metric": "repair time", "value": 6.5, "note": "from Make", "idempotency_key": "run-1"}
    async with aiohttp.ClientSession() as http:

        async def post(
            body: object, auth: str | None = f"Bearer {token}", to: str = url
        ) -> tuple[int, dict]:  # type: ignore[type-arg]
            headers = {"Authorization": auth} if auth else {}
            async with http.post(to, json=body, headers=headers) as r:
                return r.status, await r.json()

        assert (await post(good, auth=None))[0] == 401
        assert (await post(good, auth="Bearer pcm_wrong"))[0] == 401
        assert (await post(good, auth=f"Bearer {first}"))[0] == 401  # replaced token
        status, body = await post(good)
        assert (status, body["status"], body["week"]) == (201, "recorded", 1)
        assert (await post(good))[1]["status"] == "duplicate"
        status, body = await post({"metric": "speed", "value": 1})
        assert status == 422 and body["error"] == "hook.unknown_metric"
        status, body = await post({"metric": "repair time", "value": "acht"})
        assert status == 422 and body["error"] == "checkin.not_a_number"
        assert (await post({"metric": "repair time", "value": -1}))[0] == 422
        assert (await post({"metric": "repair time", "value": True}))[0] == 422
        assert (await post(["not", "an", "object"]))[0] == 422
        assert (await post({"metric": "repair time", "value": 5, "at": "2030-01-01"}))[0] == 422
        # Pilot 2 in another workspace: pilot 1's token is no good there.
        await h.say("zoe", "start 2027-01-04", workspace="B", channel="C-B")
        await h.say("zoe", "assign champion @zoe", workspace="B", channel="C-B")
        await h.say("zoe", "metric add nps points baseline=20 higher", workspace="B", channel="C-B")
        out = await h.say("zoe", "metric token", workspace="B", channel="C-B")
        other = re.search(r"(pcm_[\w-]+)", out)
        assert other is not None
        nps = {"metric": "nps", "value": 30}
        assert (await post(nps, to=f"{server}/hooks/metrics/2"))[0] == 401  # A's token on B
        assert (await post(good, auth=f"Bearer {other.group(1)}"))[0] == 401  # B's token on A
        status, _ = await post(nps, auth=f"Bearer {other.group(1)}", to=f"{server}/hooks/metrics/2")
        assert status == 201
        assert (await post(good, to=f"{server}/hooks/metrics/abc"))[0] == 401
    async with h.app.uow() as uow:
        rows = (await uow.session.exec(select(Checkin))).all()
    assert sorted((r.pilot_id, r.value, r.source) for r in rows) == [
        (1, 6.5, "webhook"),
        (2, 30.0, "webhook"),
    ]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]


async def test_html_one_pager_is_self_contained(harness: Harness, tmp_path: Path) -> None:
    h = harness
    await _measured_pilot(h)
    for week, value in ((10, "7"), (11, "6"), (12, "5.5")):
        at_week(h, week)
        await h.say("olaf", f"checkin repair time {value}")
    await h.say("olaf", "retro 1 Clear <rules> & good data")
    async with h.app.uow() as uow:
        pilot = (await uow.session.exec(select(Pilot))).one()
        summary = await load_summary(uow, await load_snapshot(uow, pilot, h.clock.now()))
    write_summary(summary, tmp_path)
    html = (tmp_path / "summary.html").read_text("utf-8")
    parser = _Links()
    parser.feed(html)
    assert parser.urls and all(u.startswith("data:image/png;base64,") for u in parser.urls)
    assert "http://" not in html and "https://" not in html
    assert "Clear &lt;rules&gt; &amp; good data" in html  # escaped, not injected
    assert "@media print" in html
    assert "8 → 5.8 days" in html and "−28 %" in html
    assert "✓ target 6 days reached" in html


async def test_checkin_takes_a_quoted_metric_name(harness_de: Harness) -> None:
    h = harness_de
    await _measured_pilot(h)
    out = await h.say("olaf", 'meldung "repair time" 6,5')
    assert out.startswith("Erfasst für Woche 1: repair time = 6,5 days.")
    assert "keine Zahl" in await h.say("olaf", "meldung repair time 1e9")


async def test_forget_of_an_unknown_name_removes_nothing(harness: Harness) -> None:
    await _measured_pilot(harness)
    out = await harness.say("clara", "forget @olfa")
    assert (
        out
        == 'I have no data about "@olfa" in this workspace: nothing was removed. Check the name.'
    )
    assert "Process modeler: @olaf" in await harness.say("clara", "status")
