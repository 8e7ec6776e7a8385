"""The message budget over a whole pilot, pause and resume, and respect in public: on each
backend, through the real scheduler, counting every message per person."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from tests.conftest import BERLIN, Harness

#: A completely silent owner receives at most this many messages in a 13-week pilot.
SILENT_BUDGET = 14
MONDAY_NOON = datetime(2027, 1, 4, 12, 0, tzinfo=BERLIN)


async def _team(h: Harness, modeler: str = "assign modeler @olaf") -> None:
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "assign champion @clara")
    await h.say("clara", modeler)
    await h.say("clara", "assign integrator @ines")


async def _thirteen_weeks(h: Harness, *, champion_answers: str = "status") -> Counter[str]:
    for week in range(13):
        await h.advance_to(MONDAY_NOON + timedelta(weeks=week))
        await h.say("clara", champion_answers)
        await h.advance_to(MONDAY_NOON + timedelta(weeks=week, days=4))
    return Counter(ref.user or f"#{ref.channel}" for ref, _ in h.adapter.sent)


async def test_silent_owners_stay_within_the_budget_over_13_weeks(harness: Harness) -> None:
    await _team(harness)
    counts = await _thirteen_weeks(harness)
    print(f"\nmessages per person over 13 weeks: {dict(counts)}")
    # before this budget: olaf 23, ines 25, clara 25 (11 of them "at risk")
    assert counts["olaf"] <= SILENT_BUDGET and counts["ines"] <= SILENT_BUDGET
    per_week: Counter[tuple[str | None, int, str]] = Counter()
    for ref, reply in harness.adapter.sent:
        assert reply.scheduled_for is not None
        week = (reply.scheduled_for.date() - MONDAY_NOON.date()).days // 7 + 1
        kind = reply.text.split("·")[0].strip("* ")
        per_week[(ref.user, week, kind)] += 1
    assert max(per_week.values()) == 1  # one nudge, one reminder, one digest a week at most
    olaf = [r.text for r in harness.adapter.to("olaf")]
    assert sum(1 for x in olaf if x.startswith("*Still on this?")) >= 3
    still = next(x for x in olaf if x.startswith("*Still on this?"))
    assert "pause" in still and "done N" in still and "•" not in still  # no list again
    digests = [r.text for r in harness.adapter.to("clara") if "at risk" in r.text]
    assert 1 <= len(digests) <= 6  # one digest for both, not one per person per tick
    assert all("@olaf" in d and "@ines" in d for d in digests)
    assert not [r for ref, r in harness.adapter.sent if ref.channel is not None]


async def test_pause_and_resume_stop_and_restart_the_callers_nudges(harness: Harness) -> None:
    await _team(harness)
    await harness.app.scheduler.tick()
    assert await harness.say("olaf", "pause") == (
        "Paused: no nudges for you in this pilot until you type resume."
    )
    assert await harness.say("olaf", "pause") == (
        "Your nudges are already paused; resume restarts them."
    )
    sent = len(harness.adapter.to("olaf"))
    await harness.advance_to(MONDAY_NOON + timedelta(weeks=2))
    assert len(harness.adapter.to("olaf")) == sent
    assert len(harness.adapter.to("ines")) > 1  # the others go on
    assert "@olaf (paused their nudges)" in await harness.say("clara", "status")
    assert await harness.say("olaf", "resume") == ("Welcome back: your nudges are on again.")
    assert await harness.say("olaf", "resume") == "Your nudges are not paused."
    await harness.app.scheduler.tick()  # the week's nudge he missed comes now
    assert harness.adapter.to("olaf")[sent].text.startswith("*Week 3/12")


async def test_pausieren_und_weiter(harness_de: Harness) -> None:
    h = harness_de
    await _team(h, "zuweisen modellierer @olaf")
    assert await h.say("olaf", "pausieren") == (
        "Pausiert: In diesem Piloten bekommst du keine Erinnerungen mehr, "
        "bis du den Befehl weiter schickst."
    )
    await h.advance_to(MONDAY_NOON + timedelta(weeks=1))
    assert h.adapter.to("olaf") == []
    assert "(Erinnerungen pausiert)" in await h.say("clara", "stand")
    assert await h.say("olaf", "weiter") == (
        "Willkommen zurück: Deine Erinnerungen sind wieder an."
    )
    assert await h.say("olaf", "weiter") == "Deine Erinnerungen sind nicht pausiert."
    await h.advance_to(MONDAY_NOON + timedelta(weeks=2))
    assert h.adapter.to("olaf")


async def test_the_channel_never_hears_who_ignored_what(harness: Harness) -> None:
    await _team(harness)
    await harness.say("olaf", 'metric add "repair time" days baseline=8')
    await harness.advance_to(MONDAY_NOON + timedelta(weeks=11))
    public = await harness.say("clara", "status")
    assert "ignored" not in public and "not answered" not in public
    assert "Integrator · needs attention: @ines" in public
    assert "The Integrator role needs attention: its factor is 0." in public
    results = await harness.say("clara", "results")
    assert "ignored" not in results and "needs attention" in results
    await harness.say("clara", "announce")
    await harness.app.scheduler.tick()
    [announced] = [r for ref, r in harness.adapter.sent if ref.channel is not None]
    assert "ignored" not in announced.text and "not answered" not in announced.text
    # the counts go to the champion, privately
    private = await harness.say("clara", "status", direct=True, channel="D-clara")
    assert "@ines (ignored the last" in private


async def test_a_nudge_offers_a_done_button_per_task_and_the_earlier_ones_in_one_line(
    harness: Harness,
) -> None:
    await _team(harness)
    await harness.advance_to(MONDAY_NOON + timedelta(weeks=1))  # week 2
    await harness.say("olaf", "tasks")  # answers: still gets the list
    await harness.advance_to(MONDAY_NOON + timedelta(weeks=2))  # week 3
    nudge = harness.adapter.to("olaf")[-1]
    assert nudge.text.startswith("*Week 3/12")
    assert "• [5] Document 2–3 workflows" in nudge.text
    assert "1 task is still open from earlier weeks: type tasks to see it." in nudge.text
    assert "[3]" not in nudge.text  # the week-1 task: only counted
    assert "several at once in text: done 5 6" in nudge.text
    assert "(map-processes)" not in nudge.text
