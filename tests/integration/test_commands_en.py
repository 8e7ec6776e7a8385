"""Every chat command of CONTRACT.md in an English pilot, on each backend.

German keywords must work in this pilot as well; the replies stay English.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from storage.tables import Person, Pilot
from tests.conftest import BERLIN, Harness
from tests.integration import coach_support as cs

HELP_TITLE = "Pilot Coach commands"
HELP_KEYWORDS = (
    "start", "assign", "status", "tasks", "done", "process add", "process pick", "metric add",
    "checkin", "results", "announce", "settings", "metric token", "next cycle", "forget", "help",
)  # fmt: skip
NO_PILOT = "There is no open pilot here. Start one with: start"


# ---- start ------------------------------------------------------------------------------------


async def test_start_with_date_opens_pilot_and_second_start_is_refused(harness: Harness) -> None:
    out = await harness.say("clara", "start 2027-01-11")
    assert out.startswith("Pilot started! Week 1 begins Jan 11, 2027.")
    assert "Nudges go out on Monday 09:00 (Europe/Berlin)" in out
    assert "assign champion @person" in out
    p = await cs.the_pilot(harness)
    assert (p.start_date, p.language, p.timezone, p.region) == (
        date(2027, 1, 11),
        "en",
        "Europe/Berlin",
        "DE",
    )
    assert (p.status, p.cycle, p.nudge_weekday, p.nudge_time) == ("open", 1, 0, "09:00")
    before = await cs.state(harness)

    for again in ("start", "start 2027-01-04", "starten"):
        out = await harness.say("olaf", again)
        assert out == (
            "This channel already has an open pilot (started Jan 11, 2027). "
            "Type status to see where it stands."
        )
    assert await cs.state(harness) == before
    assert await cs.count(harness, Pilot) == 1
    # The pilot has not begun yet: status says when it starts.
    assert "Starts Jan 11, 2027" in await harness.say("olaf", "status")


async def test_start_without_date_uses_this_weeks_monday(harness: Harness) -> None:
    harness.clock.set(datetime(2027, 1, 7, 16, 0, tzinfo=BERLIN))  # a Thursday
    out = await harness.say("clara", "start")
    assert "Week 1 begins Jan 4, 2027" in out
    assert (await cs.the_pilot(harness)).start_date == date(2027, 1, 4)


async def test_start_without_date_counts_the_week_in_the_pilot_zone(harness: Harness) -> None:
    # Monday 00:30 in Berlin is still Sunday in UTC: the Monday is the Berlin one.
    harness.clock.set(datetime(2027, 1, 11, 0, 30, tzinfo=BERLIN))
    out = await harness.say("clara", "start")
    assert "Week 1 begins Jan 11, 2027" in out
    assert (await cs.the_pilot(harness)).start_date == date(2027, 1, 11)
    assert "Week 1/12" in await harness.say("clara", "status")


async def test_start_in_a_direct_message_is_refused(harness: Harness) -> None:
    out = await harness.say("clara", "start", direct=True, channel="D-clara")
    assert out == "Start a pilot in the team channel, not in a direct message."
    out = await harness.say("clara", "start 2027-01-04", direct=True, channel="D-clara")
    assert out == "Start a pilot in the team channel, not in a direct message."
    assert await cs.count(harness, Pilot) == 0
    # In the channel it works.
    assert "Pilot started!" in await harness.say("clara", "start")
    assert await cs.count(harness, Pilot) == 1


async def test_commands_without_a_pilot_say_how_to_start(harness: Harness) -> None:
    for text in ("status", "tasks", "done 1", "results", "checkin repair time 3", "stand"):
        assert (await harness.say("clara", text)).startswith(NO_PILOT), text
    assert await cs.count(harness, Pilot) == 0


# ---- assign -----------------------------------------------------------------------------------


async def test_assign_names_role_owners_with_the_formula(harness: Harness) -> None:
    await harness.say("clara", "start 2027-01-04")
    out = await harness.say("clara", "assign champion @clara")
    assert out == (
        "@clara is now Champion.\n"
        "Impact = Champion × (Integrator + Modeler) = 1 × (0 + 0) = 0 of 2. "
        "Nobody executes the vision."
    )
    out = await harness.say("clara", "assign integrator @ines")
    assert out.splitlines()[0] == "@ines is now Integrator."
    assert "= 1 × (1 + 0) = 1 of 2. The solution will be fragile." in out
    out = await harness.say("clara", "assign modeler @olaf")
    assert out.splitlines()[0] == "@olaf is now Process modeler."
    assert "= 1 × (1 + 1) = 2 of 2. All three roles are carrying the pilot." in out
    assert await cs.roles(harness) == {
        "champion": "clara",
        "integrator": "ines",
        "modeler": "olaf",
    }

    before = await cs.state(harness)
    assert await harness.say("clara", "assign modeler @olaf") == "@olaf is already Process modeler."
    assert await cs.state(harness) == before

    # Re-assigning replaces the owner; the old assignment stays in the history.
    out = await harness.say("clara", "assign modeller @mo")
    assert out.startswith("@mo is now Process modeler.")
    assert (await cs.roles(harness))["modeler"] == "mo"
    p = await cs.the_pilot(harness)
    assert p.id is not None
    async with harness.app.uow() as uow:
        history = await uow.pilots.role_history(p.id)
    modeler_rows = [(r.person_id, r.ended_at is None) for r in history if r.role == "modeler"]
    assert modeler_rows == [
        (await cs.person_id(harness, "olaf"), False),
        (await cs.person_id(harness, "mo"), True),
    ]


async def test_assign_usage_errors(harness: Harness) -> None:
    await harness.say("clara", "start")
    await harness.say("clara", "assign champion @clara")
    before = await cs.state(harness)
    assert await harness.say("clara", "assign wizard @olaf") == (
        '"wizard" is not a role: use champion, modeler or integrator.'
    )
    usage = "Usage: assign champion|modeler|integrator @person"
    assert await harness.say("clara", "assign modeler") == usage
    assert await harness.say("clara", "assign modeler @olaf @ines") == usage
    assert await cs.state(harness) == before


# ---- status -----------------------------------------------------------------------------------


async def test_status_shows_week_phase_roles_formula_tasks_workflow_metrics(
    harness: Harness,
) -> None:
    await cs.team(harness)
    await harness.say("clara", "done 1")
    await harness.say("olaf", "process add Repair request triage inputs=e-mails hours=12")
    await harness.say("olaf", "process add Invoices")
    await harness.say("olaf", "process pick 2")
    await harness.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    await harness.say("olaf", "metric add nps points baseline=30 higher")
    await harness.say("ines", "checkin repair time 6.5")

    out = await harness.say("zed", "status")  # anyone may ask
    lines = out.splitlines()
    assert lines[0] == "*Pilot status · #ki-pilot*"
    assert lines[1] == "Week 1/12 · Name the champion"
    assert lines[2:5] == ["Champion: @clara", "Integrator: @ines", "Process modeler: @olaf"]
    assert lines[5] == (
        "Impact = Champion × (Integrator + Modeler) = 1 × (1 + 1) = 2 of 2. "
        "All three roles are carrying the pilot."
    )
    assert "*Open tasks*" in lines
    # Both champion tasks of week 1 are done by evidence: the champion is at work, the roles named.
    assert not [x for x in lines if x.startswith("• Champion: ")]
    assert next(x for x in lines if x.startswith("• Integrator: ")).startswith(
        "• Integrator: [4] List the tools in the stack"
    )
    assert next(x for x in lines if x.startswith("• Process modeler: ")).startswith(
        "• Process modeler: [3] Collect repetitive"
    )
    assert "Chosen workflow: Invoices" in lines
    assert "*Metrics vs baseline*" in lines
    assert (
        "• repair time: baseline 8 days, estimate (1 week measured, 2 needed) · "
        "target 6 days (not reached yet)" in lines
    )
    assert "• nps: baseline 30 points, estimate (not measured) · no check-ins yet" in lines
    assert "*Risks*" not in lines


async def test_status_lists_the_risks(harness: Harness) -> None:
    await harness.say("clara", "start 2027-01-04")
    await harness.say("clara", "assign champion @clara")
    harness.clock.set(datetime(2027, 2, 9, 10, 0, tzinfo=BERLIN))  # Tuesday of week 6
    out = await harness.say("clara", "status")
    lines = out.splitlines()
    assert lines[1] == "Week 6/12 · Build ONE simple solution"
    assert "Integrator: not assigned" in lines
    assert "Process modeler: not assigned" in lines
    assert "= 1 × (0 + 0) = 0 of 2. Nobody executes the vision." in out
    assert "Chosen workflow: none yet (map workflows first: process add NAME)" in lines
    risks = lines[lines.index("*Risks*") + 1 :]
    assert risks == [
        "• Only a champion = vision without execution.",
        "• No workflows documented yet (weeks 2–3).",
        "• No workflow chosen yet: pick ONE (process pick N).",
        "• No success metric with a baseline yet (metric add …).",
        # what the champion can do about it (only the champion is told to assign)
        "• Name an owner for the Integrator role: assign ROLE @person.",
        "• Name an owner for the Process modeler role: assign ROLE @person.",
    ]
    olaf = await harness.say("olaf", "status")  # no role: told whom to ask
    assert "• The Integrator role needs an owner who answers: ask the champion @clara." in olaf
    assert "assign ROLE" not in olaf


# ---- tasks ------------------------------------------------------------------------------------


async def test_tasks_lists_only_the_callers_roles(harness: Harness) -> None:
    await harness.say("clara", "start 2027-01-04")
    await harness.say("clara", "assign champion @clara")
    await harness.say("clara", "assign modeler @olaf")
    await harness.say("clara", "assign integrator @olaf")  # one person, two roles

    out = await harness.say("clara", "tasks")
    assert out.splitlines() == [
        "*Your tasks · Week 1/12*",
        "As Champion:",
        "• [1] Confirm you sponsor the pilot and state its business goal in the channel"
        " — done: the bot saw the champion named and at work",
        "• [2] Name the process modeler and the integrator (assign modeler/integrator @person)"
        " — done: the bot saw the modeler and the integrator named",
        "Mark one done with: done NUMBER",
    ]
    out = await harness.say("olaf", "tasks")
    assert "As Integrator:" in out
    assert "As Process modeler:" in out
    assert "[3] Collect repetitive" in out
    assert "[4] List the tools" in out
    assert "As Champion:" not in out
    assert "[1]" not in out
    assert "[2]" not in out

    assert await harness.say("zed", "tasks") == (
        "You don't own a role in this pilot, so you have no tasks. "
        "Type status to see who does what."
    )

    # A week later Olaf's week-1 task is overdue; week-2 tasks appear; no internal ids.
    harness.clock.set(datetime(2027, 1, 12, 10, 0, tzinfo=BERLIN))
    out = await harness.say("clara", "tasks")
    assert out.splitlines()[0] == "*Your tasks · Week 2/12*"
    out = await harness.say("olaf", "tasks")
    assert (
        "• [3] Collect repetitive, rule-based workflows that cost the team time every week"
        " — overdue"
    ) in out.splitlines()
    assert "[5] Document 2–3 workflows" in out
    assert "[6] Define success metrics" in out
    assert "(map-processes)" not in out and "(define-metrics)" not in out


# ---- done -------------------------------------------------------------------------------------


async def test_done_by_number_and_by_id(harness: Harness) -> None:
    await cs.team(harness)
    # The bot saw these done: it says so and stores nothing.
    out = await harness.say("clara", "done 1")
    assert out == (
        "[1] Confirm you sponsor the pilot and state its business goal in the channel"
        " — done: the bot saw the champion named and at work"
    )
    assert (await harness.say("clara", "done name-roles")).endswith(
        "— done: the bot saw the modeler and the integrator named"
    )
    out = await harness.say("ines", "done inventory-stack")
    assert out == (
        "Done: [4] List the tools in the stack (ticketing, CRM, e-mail, Zapier/Make/Workato) "
        "and their APIs. Nothing left open for your role."
    )
    out = await harness.say("olaf", "done #3 all candidates listed")
    assert out.startswith("Done: [3] Collect repetitive")
    done = await cs.done_tasks(harness)
    assert set(done) == {"inventory-stack", "list-candidates"}
    assert done["list-candidates"].note == "all candidates listed"
    assert done["inventory-stack"].done_by == await cs.person_id(harness, "ines")
    assert done["list-candidates"].done_by == await cs.person_id(harness, "olaf")
    assert "Open tasks" in await harness.say("clara", "status")
    assert "[3]" not in (await harness.say("olaf", "tasks"))


async def test_done_refusals_change_nothing(harness: Harness) -> None:
    await cs.team(harness)
    await harness.say("olaf", "done 3")
    before = await cs.state(harness)
    assert await harness.say("olaf", "done 4") == "That task belongs to the Integrator."
    assert await harness.say("zed", "done confirm-champion") == "That task belongs to the Champion."
    assert await harness.say("olaf", "done 3") == "Task 3 is already done."
    assert await harness.say("olaf", "done list-candidates") == "Task 3 is already done."
    assert await harness.say("olaf", "done 99") == (
        'There is no task "99". Type tasks to see your tasks and their numbers.'
    )
    assert (await harness.say("olaf", "done no-such-task")).startswith(
        'There is no task "no-such-task".'
    )
    assert await harness.say("olaf", "done") == (
        "Usage: done TASK — the task's number or id, as shown by tasks."
    )
    assert await cs.state(harness) == before


# ---- process add / pick -----------------------------------------------------------------------


async def test_process_add_records_candidates_up_to_three(harness: Harness) -> None:
    await cs.team(harness)
    out = await harness.say(
        "olaf", "process add Repair request triage inputs=e-mails outputs=ticket hours=12"
    )
    assert out == (
        'Workflow 1 recorded: "Repair request triage" (1 of at most 3).\n'
        "To score it, add: rules=…, data=yes|partly|no (process edit 1 …)."
    )
    out = await harness.say("clara", "process add Invoices")
    assert out == (
        'Workflow 2 recorded: "Invoices" (2 of at most 3).\n'
        "To score it, add: cases=… minutes=…, rules=…, data=yes|partly|no (process edit 2 …)."
    )
    before = await cs.state(harness)
    assert await harness.say("olaf", "process add invoices") == (
        'A workflow called "invoices" is already recorded.'
    )
    assert await cs.state(harness) == before
    out = await harness.say("olaf", "prozess neu Scheduling eingaben=calls ergebnisse=slots h=3.5")
    assert out.startswith('Workflow 3 recorded: "Scheduling" (3 of at most 3).')
    before = await cs.state(harness)
    assert await harness.say("olaf", "process add Fourth") == (
        "At most 3 workflows: the roadmap asks for 2–3. Drop one before adding another."
    )
    assert await cs.state(harness) == before

    stored = await cs.processes(harness)
    assert [(x.position, x.name, x.inputs, x.outputs, x.hours_per_week) for x in stored] == [
        (1, "Repair request triage", "e-mails", "ticket", 12.0),
        (2, "Invoices", "", "", None),
        (3, "Scheduling", "calls", "slots", 3.5),
    ]
    assert stored[0].created_by == await cs.person_id(harness, "olaf")
    assert stored[1].created_by == await cs.person_id(harness, "clara")
    assert "not chosen yet (3 candidates)" in await harness.say("ines", "status")


async def test_process_pick_chooses_one_workflow(harness: Harness) -> None:
    await cs.team(harness)
    assert await harness.say("olaf", "process pick 1") == (
        "No workflows recorded yet: process add NAME …"
    )
    for name in ("Triage", "Invoices", "Scheduling"):
        await harness.say("olaf", f"process add {name}")
    before = await cs.state(harness)
    assert await harness.say("olaf", "process pick 4") == "There is no workflow 4: choose 1 to 3."
    usage = "Usage: process pick N — N is the workflow's number in status."
    assert await harness.say("olaf", "process pick 0") == usage
    assert await harness.say("olaf", "process pick two") == usage
    assert await harness.say("olaf", "process pick") == usage
    assert await cs.state(harness) == before

    assert await harness.say("clara", "process pick #2") == (
        'Chosen: "Invoices". Weeks 5–8: build ONE simple solution for it.'
    )
    stored = await cs.processes(harness)
    assert (await cs.the_pilot(harness)).chosen_process_id == stored[1].id
    before = await cs.state(harness)
    assert await harness.say("olaf", "process pick 3") == (
        '"Invoices" is already the one (and only one!) workflow. To choose "Scheduling" '
        "instead: process pick 3 confirm"
    )
    assert await harness.say("olaf", "process add Late idea") == (
        "A workflow has already been chosen; the candidates are closed."
    )
    assert await cs.state(harness) == before
    assert "Chosen workflow: Invoices" in await harness.say("ines", "status")


# ---- metric add -------------------------------------------------------------------------------


async def test_metric_add_defines_success_metrics(harness: Harness) -> None:
    await cs.team(harness)
    out = await harness.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    assert out.splitlines() == [
        'Metric "repair time" defined: baseline 8 days, lower is better. Target: 6 days.',
        "Taken as lead time (from its name and unit): reported as lead time per case, not as "
        "hours saved. Another kind: remove it and add it with kind=…",
        "Measure it in weeks 2–4, before anything is built: one check-in a week; two or more make "
        "the measured baseline, the typed value stays as the estimate.",
    ]
    out = await harness.say("clara", "metric add customer satisfaction points baseline=7.5 higher")
    assert out.splitlines()[0] == (
        'Metric "customer satisfaction" defined: baseline 7.5 points, higher is better.'
    )
    stored = await cs.metrics(harness)
    assert [(m.name, m.unit, m.baseline, m.target, m.lower_is_better) for m in stored] == [
        ("repair time", "days", 8.0, 6.0, True),
        ("customer satisfaction", "points", 7.5, None, False),
    ]
    olaf = await cs.person_id(harness, "olaf")
    assert [m.owner_id for m in stored] == [olaf, olaf]  # the modeler owns the metrics

    before = await cs.state(harness)
    assert await harness.say("olaf", "metric add Repair Time days baseline=9") == (
        'There is already a metric called "Repair Time".'
    )
    assert await harness.say("olaf", "metric add nps points baseline=30 target=20 higher") == (
        "The target must be better than the baseline (below it for lower-is-better, above it "
        "for higher-is-better)."
    )
    assert await harness.say("olaf", "metric add errors count baseline=5 target=9") == (
        "The target must be better than the baseline (below it for lower-is-better, above it "
        "for higher-is-better)."
    )
    assert await harness.say("olaf", "metric add nps points baseline=acht") == (
        '"acht" is not a valid baseline: write a number such as 8 or 7.5.'
    )
    assert await harness.say("olaf", "metric add nps points baseline=30 target=lots") == (
        '"lots" is not a valid target: write a number such as 6 or 5.5.'
    )
    assert await harness.say("olaf", "metric add nps points") == (
        "Usage: metric add NAME UNIT baseline=X [target=Y] "
        "[kind=lead_time|effort|errors|satisfaction] [per=case volume=N] [lower|higher], e.g. "
        'metric add "repair time" days baseline=8 target=6 lower'
    )
    assert await cs.state(harness) == before


# ---- checkin / results ------------------------------------------------------------------------


async def test_checkin_records_a_value_with_a_dot(harness: Harness) -> None:
    await cs.team(harness)
    await harness.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    out = await harness.say("ines", "checkin repair time 6.5 days slow supplier")
    assert out == (
        "Recorded for week 1: repair time = 6.5 days.\n"
        "Baseline measurement: 1 week so far, 2 make the measured baseline.\n"
        "repair time: baseline 8 days, estimate (1 week measured, 2 needed) · target 6 days (not "
        "reached yet)"
    )
    [row] = await cs.checkins(harness)
    ines = await cs.person_id(harness, "ines")
    assert (row.value, row.week, row.note, row.person_id, row.source) == (
        6.5,
        1,
        "slow supplier",
        ines,
        "chat",
    )
    # the German spelling is understood too, and German keywords work
    out = await harness.say("olaf", "meldung Repair Time 5,5")
    assert out.splitlines()[0] == (
        "Recorded for week 1: repair time = 5.5 days. (replaced 6.5 with 5.5 days: one value per "
        "week; the old one stays in the export)"
    )
    # one value per week: the first stays stored, replaced by the second
    first, second = await cs.checkins(harness)
    assert (first.value, second.value) == (6.5, 5.5) and first.replaced_by == second.id


async def test_checkin_rejects_a_word_and_stores_nothing(harness: Harness) -> None:
    await cs.team(harness)
    await harness.say("olaf", 'metric add "repair time" days baseline=8')
    await harness.say("ines", "checkin repair time 7")
    before = await cs.state(harness)
    assert len(await cs.checkins(harness)) == 1
    cases = {
        "checkin repair time acht": '"acht" is not a number: write digits, e.g. 7 or 6.5.',
        "checkin repair time acht days": '"acht" is not a number: write digits, e.g. 7 or 6.5.',
        "checkin repair time": (
            "The value is missing: checkin METRIC VALUE, e.g. checkin repair time 6.5"
        ),
        "checkin repair time -3": "-3 is negative: a measurement can't be below zero.",
        "checkin repair time 5 hours": '"hours" doesn\'t fit: this metric is measured in days.',
        "checkin uptime 99": "Which metric? Start with its name: repair time.",
        "checkin": "Usage: checkin METRIC VALUE [note], e.g. checkin repair time 6.5 days",
    }
    for text, expected in cases.items():
        assert await harness.say("ines", text) == expected, text
    assert len(await cs.checkins(harness)) == 1  # via the repository: nothing added
    assert await cs.state(harness) == before


async def test_checkin_needs_a_metric_and_a_started_pilot(harness: Harness) -> None:
    await cs.team(harness)
    assert await harness.say("ines", "checkin repair time 6") == (
        "There are no metrics yet: metric add NAME UNIT baseline=X first."
    )
    await harness.say("olaf", "start")  # refused, already open
    # A pilot that begins next Monday takes no check-ins yet.
    await harness.say("clara", "start 2027-01-11", channel="later")
    await harness.say("clara", "assign champion @clara", channel="later")
    await harness.say("clara", 'metric add "repair time" days baseline=8', channel="later")
    assert await harness.say("clara", "checkin repair time 6", channel="later") == (
        "The pilot has not started yet: check-ins count from week 1."
    )
    assert await cs.checkins(harness, "later") == []


async def test_results_need_two_checkins(harness: Harness) -> None:
    await cs.team(harness)
    await harness.say("olaf", "process add Triage")
    await harness.say("olaf", "process pick 1")
    not_enough = "Not enough data yet: the improvement needs values from at least 2 of weeks 9–12."
    out = await harness.say("zed", "results")
    assert out.splitlines()[:2] == ["*Results · #ki-pilot*", not_enough]
    await harness.say("olaf", 'metric add "repair time" days baseline=8 target=6')
    assert not_enough in await harness.say("zed", "results")
    harness.clock.set(datetime(2027, 3, 2, 10, 0, tzinfo=BERLIN))  # week 9
    await harness.say("ines", "checkin repair time 6.5")
    assert not_enough in await harness.say("zed", "ergebnisse")
    harness.clock.set(datetime(2027, 3, 9, 10, 0, tzinfo=BERLIN))  # week 10
    await harness.say("ines", "checkin repair time 5.5")
    out = await harness.say("zed", "results")
    lines = out.splitlines()
    assert lines[1] == "repair time: 8 → 6 days (−25 %) · ✓ target 6 days reached"
    assert lines[2] == (
        "2 weekly values, weeks 9–10, reported by ines; after = mean of weeks 9–10; before = "
        "estimate (not measured)"
    )
    assert "Workflow: Triage" in lines
    assert "Champion: @clara" in lines


# ---- settings ---------------------------------------------------------------------------------


async def test_settings_change_schedule_zone_region_and_language(harness: Harness) -> None:
    await cs.team(harness)
    out = await harness.say("clara", "settings tz=America/New_York day=wed time=10:30 region=de-by")
    assert out == (
        "Settings saved: nudges on Wednesday at 10:30 (America/New_York), language en, "
        "holidays of DE-BY."
    )
    p = await cs.the_pilot(harness)
    assert (p.timezone, p.nudge_weekday, p.nudge_time, p.region, p.language) == (
        "America/New_York",
        2,
        "10:30",
        "DE-BY",
        "en",
    )
    # lang=de switches the reply language at once, and for everything after it.
    out = await harness.say("clara", "settings lang=de")
    assert out == (
        "Gespeichert: Erinnerungen am Mittwoch um 10:30 (America/New_York), Sprache de, "
        "Feiertage von DE-BY."
    )
    assert (await cs.the_pilot(harness)).language == "de"
    assert (await harness.say("olaf", "status")).startswith("*Pilot-Stand · #ki-pilot*")
    out = await harness.say("clara", "einstellungen sprache=EN zeit=9.15 tag=Fr")
    assert out == (
        "Settings saved: nudges on Friday at 09:15 (America/New_York), language en, "
        "holidays of DE-BY."
    )
    assert (await harness.say("olaf", "status")).startswith("*Pilot status")


async def test_settings_bad_values_are_rejected_and_change_nothing(harness: Harness) -> None:
    await cs.team(harness)
    before = await cs.state(harness)
    region_hint = "use an ISO country with optional subdivision, e.g. DE, DE-BY, AT, CH-ZH."
    cases = {
        "settings tz=Mars/Phobos": (
            '"Mars/Phobos" is not a time zone: use an IANA name such as Europe/Berlin.'
        ),
        "settings day=sat": '"sat" is not a working day: use mon, tue, wed, thu or fri.',
        "settings time=25:00": '"25:00" is not a time: use HH:MM, e.g. 09:00.',
        "settings time=noon": '"noon" is not a time: use HH:MM, e.g. 09:00.',
        "settings lang=fr": '"fr" is not a language I speak: use de or en.',
        "settings region=XX": f'"XX" is not a holiday region: {region_hint}',
        "settings region=DE-XX": f'"DE-XX" is not a holiday region: {region_hint}',
        # one bad value spoils the whole command: the good tz is not applied either
        "settings tz=Asia/Tokyo day=sun": (
            '"sun" is not a working day: use mon, tue, wed, thu or fri.'
        ),
        "settings": "Usage: settings tz=Europe/Berlin day=mon time=09:00 lang=de region=DE-BY",
        "settings tz": "Usage: settings tz=Europe/Berlin day=mon time=09:00 lang=de region=DE-BY",
        "settings tz=": "Usage: settings tz=Europe/Berlin day=mon time=09:00 lang=de region=DE-BY",
    }
    for text, expected in cases.items():
        assert await harness.say("clara", text) == expected, text
    assert await cs.state(harness) == before


async def test_settings_unknown_key_is_rejected(harness: Harness) -> None:
    await cs.team(harness)
    before = await cs.state(harness)
    out = await harness.say("clara", "settings foo=1")
    assert out == 'Unknown setting "foo": use tz, day, time, lang, region, rate, name or company.'
    assert await cs.state(harness) == before


# ---- help, unknown, not-yet-available ---------------------------------------------------------


async def test_help_lists_every_command_and_unknown_ones_get_one_line(harness: Harness) -> None:
    # before any pilot exists, in the default language
    out = await harness.say("zed", "help")
    assert out.splitlines()[0] == HELP_TITLE
    assert "• status — week, phase, roles and the impact formula" in out
    assert "• checkin METRIC VALUE [note] — record a metric value" in out
    await cs.team(harness)
    for text in ("help", "hilfe", "?", "", "   ", "/pilot help"):
        out = await harness.say("zed", text)
        assert out.splitlines()[0] == HELP_TITLE, repr(text)
        bullets = [x for x in out.splitlines() if x.startswith("• ")]
        for keyword in HELP_KEYWORDS:
            assert any(b.startswith(f"• {keyword} ") for b in bullets), keyword
    assert "• help [COMMAND] — this list, or one command explained" in out
    # an unknown command: no help dump, one line (did-you-mean: tests/integration/test_help.py)
    out = await harness.say("zed", "frobnicate the pilot")
    assert out == 'I don\'t know "frobnicate". Type help for all commands.'


@pytest.mark.parametrize(
    "text",
    ["announce", "announce #general", "verkünden", "verkuenden #general"],
)  # fmt: skip
async def test_announce_is_for_the_champion(harness: Harness, text: str) -> None:
    await cs.team(harness)
    await harness.say("zed", "status")  # zed is known before the snapshot
    everything = (*cs.DOMAIN_TABLES, Person)
    before = await cs.state(harness, everything)
    assert await harness.say("zed", text) == "Only the Champion may do that in this pilot."
    assert await cs.state(harness, everything) == before
    assert (await harness.say("clara", text)).startswith("The results go out to #")


# ---- German keywords in an English pilot ------------------------------------------------------


async def test_german_keywords_work_in_an_english_pilot(harness: Harness) -> None:
    out = await harness.say("clara", "start 2027-01-04")
    assert out.startswith("Pilot started!")
    assert (await harness.say("clara", "zuweisen champion @clara")).startswith(
        "@clara is now Champion."
    )
    assert (await harness.say("clara", "zuweisen modellierer @olaf")).startswith(
        "@olaf is now Process modeler."
    )
    assert (await harness.say("clara", "zuweisen integratorin @ines")).startswith(
        "@ines is now Integrator."
    )
    assert (await harness.say("olaf", "stand")).startswith("*Pilot status · #ki-pilot*")
    assert (await harness.say("olaf", "aufgaben")).startswith("*Your tasks · Week 1/12*")
    assert (await harness.say("olaf", "erledigt 3")).startswith("Done: [3]")
    out = await harness.say("olaf", "prozess neu Triage eingaben=mails ergebnisse=ticket stunden=4")
    assert out.startswith('Workflow 1 recorded: "Triage" (1 of at most 3).')
    assert (await harness.say("olaf", "prozess wählen 1")).startswith('Chosen: "Triage".')
    out = await harness.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6 niedriger")
    assert out.splitlines()[0] == (
        'Metric "Reparaturzeit" defined: baseline 8 Tage, lower is better. Target: 6 Tage.'
    )
    out = await harness.say("ines", "meldung Reparaturzeit 7 Tage")
    assert out.startswith("Recorded for week 1: Reparaturzeit = 7 Tage.")
    assert "Not enough data yet" in await harness.say("ines", "ergebnisse")
    assert (await harness.say("clara", "einstellungen tag=di")).startswith(
        "Settings saved: nudges on Tuesday at 09:00"
    )
    assert (await harness.say("zed", "hilfe")).startswith(HELP_TITLE)
    assert [c.value for c in await cs.checkins(harness)] == [7.0]
    assert (await cs.the_pilot(harness)).nudge_weekday == 1
