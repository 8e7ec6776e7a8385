"""Issue 15 end to end: numbers a champion can defend. The week-1 example that once claimed
422 € claims nothing; baselines are measured in weeks 2-4 (and the nudges ask the metric's
owner for them); values during the build are marked; weeks 9-12 make the improvement; effort
with a volume turns into hours and euros with its formula; the report carries the pilot's and
company's names, display names and the announcement's state and time."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

from bot.export import export
from bot.report import summary_json, write_summary
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from tests.conftest import BERLIN, Harness
from tests.integration import coach_support as cs


def at_week(h: Harness, week: int) -> None:
    """Tuesday 10:00 of pilot week ``week`` (week 1 starts Monday 4 January 2027)."""
    h.clock.set(datetime(2027, 1, 5, 10, 0, tzinfo=BERLIN) + timedelta(weeks=week - 1))


async def _summary(h: Harness) -> object:
    async with h.app.uow() as uow:
        pilot = (await uow.pilots.all_pilots())[0]
        return await load_summary(uow, await load_snapshot(uow, pilot, h.clock.now()))


async def test_the_week_1_example_claims_no_savings(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    await h.say("clara", "settings rate=55")
    out = await h.say("olaf", "metric add ticket time min baseline=30 kind=effort volume=40")
    assert out.splitlines()[1] == (
        "Kind: effort: min per case × 40 cases per week turn into hours saved."
    )
    await h.say("olaf", "checkin ticket time 20")
    out = await h.say("olaf", "checkin ticket time 20")
    assert "(the same value as this week's earlier check-in" in out
    results = await h.say("clara", "results")
    assert "Not enough data yet: the improvement needs values from at least 2 of weeks 9–12." in (
        results
    )
    assert "saved" not in results and "€" not in results
    summary = json.loads(summary_json(await _summary(h)))  # type: ignore[arg-type]
    assert summary["hours_saved_per_week"] is None and summary["money_per_year"] is None
    assert summary["metrics"][0]["checkins"] == 1  # one value for week 1, not two


async def test_minutes_without_kind_say_what_was_assumed_and_claim_no_hours(
    harness: Harness,
) -> None:
    h = harness
    await cs.team(h)
    out = await h.say("olaf", "metric add ticket time min baseline=30")
    assert out.splitlines()[1] == (
        "Taken as effort (from its name and unit): min per case; without volume= (cases per "
        "week) it shows the change but no hours saved. Another kind: remove it and add it with "
        "kind=…"
    )
    for week, value in ((9, 22), (10, 20)):
        at_week(h, week)
        await h.say("olaf", f"checkin ticket time {value}")
    results = await h.say("clara", "results")
    assert "ticket time: 30 → 21 min (−30 %)" in results
    assert (
        'No hours saved are claimed: "ticket time" is effort per case without its volume '
        "(cases per week)." in results
    )


async def test_a_pilot_through_its_phases(harness: Harness, tmp_path: Path) -> None:
    h = harness
    await cs.team(h)
    out = await h.say("clara", 'settings rate=60 name="Ticket triage" company="Berger & Söhne"')
    assert "Results summary titled: Ticket triage · Berger & Söhne" in out
    assert "Hourly rate: 60 €" in out
    at_week(h, 2)
    await h.say("olaf", 'metric add "ticket time" min baseline=30 target=20 per=case volume=40')
    # week 3's nudge (Monday 09:00) asks the metric's owner for a baseline measurement
    h.clock.set(datetime(2027, 1, 18, 10, 0, tzinfo=BERLIN))
    h.adapter.sent.clear()
    await h.app.scheduler.tick()
    olaf = [r.text for ref, r in h.adapter.sent if ref.user == "olaf"]
    assert any("Baseline week: please check in this week's value of ticket time" in t
               for t in olaf)  # fmt: skip
    assert not any("Baseline week" in r.text for ref, r in h.adapter.sent if ref.user == "ines")
    at_week(h, 3)
    out = await h.say("olaf", "checkin ticket time 31")
    assert "Baseline measurement: 1 week so far, 2 make the measured baseline." in out
    at_week(h, 4)
    out = await h.say("olaf", "checkin ticket time 7.5")
    out = await h.say("olaf", "checkin ticket time 35")
    assert out.splitlines()[0] == (
        "Recorded for week 4: ticket time = 35 min. (replaced 7.5 with 35 min: one value per week; "
        "the old one stays in the export)"
    )
    assert out.splitlines()[1] == (
        "Measured baseline: 33 min (mean of 2 weeks; your estimate: 30 min)."
    )
    at_week(h, 6)
    out = await h.say("ines", "checkin ticket time 10")
    assert 'Marked "during the build"' in out
    for week, value in ((9, 25), (10, 24), (11, 22), (12, 21)):
        at_week(h, week)
        await h.say("olaf", f"checkin ticket time {value}")
    results = await h.say("clara", "results")
    assert "ticket time: 33 → 21.5 min (−35 %) · ✗ target 20 min missed" in results
    assert "(33 − 21.5) min × 40 cases per week = 7.7 h per week" in results
    assert "7.7 h saved per week ≈ 353 h a year" in results
    assert "353 h × 60 €/h ≈ 21,160 € a year" in results
    assert (
        "4 weekly values, weeks 9–12, reported by olaf; after = mean of weeks 11–12; before = "
        "measured in weeks 3–4 (estimate 30 min); 1 value during the build not counted" in results
    )
    assert await h.say("clara", "announce") == "The results go out to #ki-pilot now."
    await h.app.scheduler.tick()
    summary = await _summary(h)
    data = json.loads(summary_json(summary))  # type: ignore[arg-type]
    assert data["pilot"]["name"] == "Ticket triage" and data["pilot"]["company"] == "Berger & Söhne"
    assert data["announcement"]["state"] == "announced"
    assert data["announcement"]["at"] == "2027-03-23T09:00:00+00:00"
    [m] = data["metrics"]
    assert (m["baseline"], m["baseline_estimate"], m["baseline_weeks"]) == (33.0, 30.0, [3, 4])
    assert [w["phase"] for w in m["weekly"]] == ["baseline"] * 2 + ["build"] + ["measure"] * 4
    assert m["reported_by"] == ["olaf"]
    write_summary(summary, tmp_path)  # type: ignore[arg-type]
    html = (tmp_path / "summary.html").read_text("utf-8")
    assert "<h1>Ticket triage</h1>" in html and "Berger &amp; Söhne" in html
    assert "✗ target 20 min missed" in html and "@olaf" not in html
    assert "Announced on Mar 23, 2027 at 10:00." in html
    rows = list(csv.DictReader(io.StringIO(await export(h.app.uow, h.clock, "csv", 1))))
    assert [(r["week"], r["phase"], r["value"], r["counts"]) for r in rows][:4] == [
        ("3", "baseline", "31.0", "yes"),
        ("4", "baseline", "7.5", "no"),
        ("4", "baseline", "35.0", "yes"),
        ("6", "build", "10.0", "yes"),
    ]
    assert rows[1]["replaced_by"] == rows[2]["checkin_id"]
    assert rows[3]["reporter"] == "ines" and rows[0]["week_start"] == "2027-01-18"


async def test_settings_name_is_checked(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    before = await cs.state(h)
    assert await h.say("clara", 'settings name="' + "x" * 81 + '"') == (
        'A name is at most 80 characters, e.g. name="Repair triage" (quotes around a name with '
        "spaces)."
    )
    assert await h.say("clara", 'settings name="Repair') == "A quotation mark is not closed."
    assert await cs.state(h) == before
