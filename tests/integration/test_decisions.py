"""The guided decisions of weeks 2-9 through the coach (#16), in both languages: the ranking in
``processes`` and ``status``, the capacity check feeding it, the reason asked for a lower-ranked
pick and quoted, the confirmation when the choice changes, the week-3 and week-5 nudges, the
demo date, "is it live?" and the champion's week-9 choice."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import backup
from bot.report import summary_markdown
from bot.services.results import load_summary
from bot.services.snapshot import load_snapshot
from playbook import workflows as wf
from storage.tables import BuildDecision, CapacityCheck
from tests.conftest import BERLIN, Harness
from tests.integration import coach_support as cs

h = cs.h  # the English- and the German-default harness


def monday(month: int, day: int) -> datetime:
    return datetime(2027, month, day, 9, 30, tzinfo=BERLIN)


MAP_EN = (
    'process add Repair request triage systems="ticket system, e-mail" cases=60 minutes=12 '
    "rules=80 data=yes pain=customers",
    "process add Spare parts ordering systems=ERP cases=30 minutes=12 rules=60 data=partly",
    "process add Invoice follow-up systems=accounting cases=20 minutes=9 rules=90 data=yes",
)
MAP_DE = (
    'prozess neu Reparaturanfragen sortieren systeme="Ticketsystem, E-Mail" fälle=60 minuten=12 '
    "regeln=80 daten=ja schmerz=kunden",
    "prozess neu Ersatzteile bestellen systeme=Warenwirtschaft fälle=30 minuten=12 regeln=60 "
    "daten=teilweise",
    "prozess neu Rechnungen nachverfolgen systeme=Buchhaltung fälle=20 minuten=9 regeln=90 "
    "daten=ja",
)


def sent_to(h: Harness, user: str, containing: str) -> list[str]:
    return [r.text for ref, r in h.adapter.sent if ref.user == user and containing in r.text]


async def test_ranking_in_processes_and_status_then_capacity_lowers_one(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    for line in MAP_EN:
        assert (await h.say("olaf", line)).startswith("Workflow ")
    ranking = [
        "• [1] Repair request triage: 12 h/week × 80 % rule-based × data yes → 9.6 — recommended",
        "• [3] Invoice follow-up: 3 h/week × 90 % rule-based × data yes → 2.7",
        "• [2] Spare parts ordering: 6 h/week × 60 % rule-based × data partly → 1.8",
    ]
    listed = (await h.say("zed", "processes")).splitlines()
    assert listed[0] == "*Candidate workflows · 2–3 (at most)*"
    assert listed[1].startswith("• [1] Repair request triage — systems: ticket system, e-mail")
    start = listed.index("Ranking (hours per week × rule-based share × data × capacity fit):")
    assert listed[start + 1 : start + 4] == ranking
    status = (await h.say("zed", "status")).splitlines()
    assert status[status.index(ranking[0]) : status.index(ranking[0]) + 3] == ranking

    refused = await h.say("olaf", "capacity builder=nocode tool=make hours=6 budget=no")
    assert refused == "Only the Champion, Integrator may do that in this pilot."
    assert await h.say("ines", "capacity tool=make") == (
        "Still missing for a recommendation: builder=inhouse|nocode|none, hours=…, "
        'budget=yes|no. Example: capacity builder=nocode tool=make api="ticket system" hours=6 '
        "budget=no"
    )
    assert await cs.count(h, CapacityCheck) == 0
    out = await h.say("ines", 'capacity builder=nocode tool=make api="Ticket System, e-mail" '
                              "export=ERP none=accounting hours=6 budget=no")  # fmt: skip
    assert out.splitlines()[0] == (
        "Capacity check saved. Recommendation: no-code with Make — Make reaches ticket system, "
        "e-mail through an API, and 6 h a week is enough for a simple flow."
    )
    assert "• [3] Invoice follow-up: 3 h/week × 90 % rule-based × data yes × 0.5 (no access to " \
           "accounting) → 1.4" in out  # fmt: skip
    assert "Capacity (week 4): no-code with Make" in await h.say("zed", "status")
    again = await h.say("clara", "capacity builder=none budget=yes")  # the champion may answer
    assert again.startswith("Capacity check saved. Recommendation: an external partner — nobody")
    [row] = await cs.rows(h, CapacityCheck)
    assert (row["builder"], row["tool"], row["hours"], row["path"]) == ("none", "make", 6.0,
                                                                        "partner")  # fmt: skip


async def test_a_lower_ranked_pick_asks_for_a_reason_the_report_quotes(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    for line in MAP_EN:
        await h.say("olaf", line)
    before = await cs.state(h, (*cs.DOMAIN_TABLES, BuildDecision))
    asked = await h.say("clara", "process pick 2")
    assert asked == (
        '"Spare parts ordering" ranks below "Repair request triage" (1.8 against 9.6, '
        "recommended). You may still pick it: say why in one line, the report quotes it — "
        "process pick 2 REASON"
    )
    assert await cs.state(h, (*cs.DOMAIN_TABLES, BuildDecision)) == before
    out = await h.say("clara", "process pick 2 parts delays keep customers waiting longest")
    assert out == (
        'Chosen: "Spare parts ordering". Weeks 5–8: build ONE simple solution for it. Your '
        "reason goes into the report: “parts delays keep customers waiting longest”."
    )
    [decision] = await cs.rows(h, BuildDecision)
    assert decision["passed_over"] == "Repair request triage"
    status = await h.say("zed", "status")
    assert (
        'Picked over "Repair request triage" (recommended): “parts delays keep customers '
        "waiting longest”" in status
    )
    async with h.app.uow() as uow:
        [pilot] = await uow.pilots.all_pilots()
        summary = await load_summary(uow, await load_snapshot(uow, pilot, h.clock.now()))
    report = summary_markdown(summary)
    assert (
        '> Picked over "Repair request triage" (recommended): “parts delays keep customers '
        "waiting longest”" in report
    )

    await h.advance_to(monday(2, 8))  # week 6: changing it now asks to confirm
    assert await h.say("clara", "process pick 1") == (
        '"Spare parts ordering" is already the one (and only one!) workflow, and the build is '
        'under way (week 6). Switching to "Repair request triage" starts it over. To switch '
        "anyway: process pick 1 confirm"
    )
    out = await h.say("clara", "process pick 1 confirm")
    assert out.endswith('"Spare parts ordering" is no longer the chosen workflow.')
    [decision] = await cs.rows(h, BuildDecision)
    assert (decision["pick_reason"], decision["passed_over"]) == ("", "")


async def test_german_pick_reason_and_ranking(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    for line in MAP_DE:
        await h.say("olaf", line)
    stand = await h.say("zed", "stand")
    assert (
        "• [1] Reparaturanfragen sortieren: 12 Std./Woche × 80 % regelbasiert × Daten ja → 9,6 "
        "— empfohlen" in stand
    )
    assert "• [2] Ersatzteile bestellen: 6 Std./Woche × 60 % regelbasiert × Daten teilweise → " \
           "1,8" in stand  # fmt: skip
    assert await h.say("clara", "prozess wählen 3") == (
        "„Rechnungen nachverfolgen“ liegt hinter „Reparaturanfragen sortieren“ (2,7 gegenüber "
        "9,6, empfohlen). Du kannst ihn trotzdem wählen: Sag in einer Zeile, warum – der "
        "Bericht zitiert es: prozess wählen 3 BEGRÜNDUNG"
    )
    out = await h.say("clara", "kapazität wer=intern stunden=8 budget=nein")
    assert out.startswith(
        "Kapazitäts-Check gespeichert. Empfehlung: intern bauen — Ein Entwickler im Haus hat in "
        "Woche 5–8 8 Std. pro Woche."
    )
    assert (await h.say("clara", "prozess wählen 1")).startswith("Gewählt: „Reparaturanfragen")


async def test_nudges_follow_the_decisions_and_week_9_asks_the_champion(
    h: Harness,
) -> None:
    de = cs.lang_of(h) == "de"
    await cs.team(h)
    await h.say("olaf", (MAP_DE if de else MAP_EN)[0])
    await h.advance_to(monday(1, 18))  # week 3: only one workflow mapped
    second = "Bisher ist nur ein Ablauf erfasst" if de else "Only one workflow so far"
    assert len(sent_to(h, "olaf", second)) == 1
    await h.say("olaf", (MAP_DE if de else MAP_EN)[1])
    await h.advance_to(monday(1, 25))
    for person in ("clara", "ines"):  # they answer, so they get the full nudge, not "still?"
        await h.say(person, "tasks")
    await h.advance_to(monday(2, 1))  # week 5: the ranking goes to the champion
    [nudge] = sent_to(h, "clara", "9,6" if de else "9.6")
    assert ("Woche 5: Wähle einen (und nur einen!)" if de else "Week 5: pick one") in nudge
    await h.say("clara", "process pick 1")
    await h.say("ines", "tasks")
    await h.advance_to(monday(2, 8))  # week 6: the integrator is asked for a demo date
    [building] = sent_to(h, "ines", "Im Bau:" if de else "Building:")
    assert ("Ticketsystem, E-Mail" if de else "ticket system, e-mail") in building
    assert ("demo TT.MM.JJJJ" if de else "demo YYYY-MM-DD") in building
    demo = await h.say("ines", "demo 18.02.2027" if de else "demo 2027-02-18")
    assert ("18.02.2027" if de else "Feb 18, 2027") in demo
    assert await h.say("clara", "build extend") == (
        "Diese Entscheidung steht zu Beginn von Woche 9 an, falls die Lösung bis dahin nicht "
        "live ist." if de else
        "This decision comes at the start of week 9 if the solution is not live by then."
    )  # fmt: skip
    await h.advance_to(monday(2, 15))
    await h.say("ines", "tasks")
    await h.say("clara", "tasks")
    await h.advance_to(monday(2, 22))  # week 8: "is it live?"
    assert sent_to(h, "ines", "live ja oder live nein" if de else "live yes or live no")
    await h.say("ines", "live no")
    await h.advance_to(monday(3, 1))  # week 9, not live: one clear choice for the champion
    [choice] = [r for ref, r in h.adapter.sent if ref.user == "clara"
                and any(b.action == "build_extend" for b in _buttons(r))]  # fmt: skip
    assert [b.action for b in _buttons(choice)] == ["build_extend", "build_shrink"]
    assert await h.say("ines", "build shrink") == (
        "Das darf in diesem Piloten nur: Champion." if de
        else "Only the Champion may do that in this pilot."
    )  # fmt: skip
    out = await h.say("clara", "bau verlängern" if de else "build extend")
    assert ("bis Ende Woche 10" if de else "to the end of week 10") in out
    [decision] = await cs.rows(h, BuildDecision)
    assert decision["overrun"] == wf.Overrun.EXTEND and decision["live"] is False
    status = await h.say("zed", "status")
    assert ("Bau um zwei Wochen verlängert (bis Woche 10)" if de
            else "Build extended by two weeks (to week 10)") in status  # fmt: skip
    await h.advance_to(monday(3, 8))
    assert len([r for ref, r in h.adapter.sent if ref.user == "clara"
                and any(b.action == "build_extend" for b in _buttons(r))]) == 1  # fmt: skip


def _buttons(reply: object) -> list[object]:
    from bot.messages import Actions, Reply

    assert isinstance(reply, Reply)
    return [b for block in reply.blocks if isinstance(block, Actions) for b in block.buttons]


async def test_live_yes_ticks_the_go_live_task(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    await h.say("olaf", MAP_EN[0])
    assert await h.say("ines", "live yes") == "No workflow chosen yet: process pick N first."
    await h.say("clara", "process pick 1")
    assert await h.say("ines", "live yes") == (
        '"Repair request triage" is live. Weeks 9–12: measure what it changes.'
    )
    assert "done: the bot heard the solution is live" in await h.say("ines", "done go-live")


async def test_retention_blanks_the_pick_reason_of_a_closed_pilot(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    for line in MAP_EN:
        await h.say("olaf", line)
    await h.say("clara", "process pick 2 olafsson insisted on it")
    await h.say("clara", "next cycle")
    h.app.scheduler.retention_days = 30
    h.clock.set(h.clock.now() + timedelta(days=31))
    assert await h.app.scheduler.expire() == 1
    assert "olafsson insisted" not in await backup.dump(h.app.settings)
