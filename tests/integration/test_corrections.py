"""Corrections (#14, point 7) and several tasks in one ``done`` (point 6), in an English and a
German pilot on each backend: each answer says what changed; a refusal changes nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from bot.export import export
from storage.tables import Person
from tests.conftest import BERLIN, Harness
from tests.integration import coach_support as cs

h = cs.h  # the English- and the German-default harness


async def _candidates(h: Harness) -> None:
    await cs.team(h)
    await h.say("olaf", "process add Triage inputs=mails outputs=ticket hours=12")
    await h.say("olaf", "process add Parts hours=6")
    await h.say("olaf", "process add Invoices hours=4")


async def _positions(h: Harness) -> list[tuple[int, str]]:
    return [(p.position, p.name) for p in await cs.processes(h)]


async def unchanged(h: Harness, user: str, text: str) -> str:
    """``text`` by ``user`` is refused and changes nothing; returns the answer."""
    await h.say(user, "status")  # the caller is known before the snapshot
    tables = (*cs.DOMAIN_TABLES, Person)
    before = await cs.state(h, tables)
    out = await h.say(user, text)
    assert await cs.state(h, tables) == before, f"{user}: {text} changed something"
    return out


# ---- status lists the numbered candidates -----------------------------------------------------


async def test_status_lists_the_numbered_candidates(harness: Harness) -> None:
    h = harness
    await _candidates(h)
    await h.say("olaf", "process add Scheduling")
    lines = (await h.say("zed", "status")).splitlines()
    start = lines.index("Ranking (hours per week × rule-based share × data × capacity fit):")
    assert lines[start + 1 : start + 4] == [
        "• [1] Triage · 12 h per week — no score yet: missing rules, data",
        "• [2] Parts · 6 h per week — no score yet: missing rules, data",
        "• [3] Invoices · 4 h per week — no score yet: missing rules, data",
    ]
    assert not any("Scheduling" in line for line in lines)  # a fourth is refused
    await h.say("clara", "process pick 2")
    assert "• [2] Parts · 6 h per week — no score yet: missing rules, data — chosen" in (
        await h.say("zed", "status")
    )


async def test_stand_zeigt_die_nummerierten_kandidaten(harness_de: Harness) -> None:
    h = harness_de
    await _candidates(h)
    await h.say("olaf", "prozess ändern 1 stunden=12,5")
    await h.say("clara", "prozess wählen 1")
    lines = (await h.say("zed", "stand")).splitlines()
    start = lines.index(
        "Rangfolge (Stunden pro Woche × regelbasierter Anteil × Daten × Kapazitäts-Passung):"
    )
    missing = " — noch keine Punktzahl: es fehlen Regeln, Daten"
    assert lines[start + 1 : start + 4] == [
        f"• [1] Triage · 12,5 Std. pro Woche{missing} — gewählt",
        f"• [2] Parts · 6 Std. pro Woche{missing}",
        f"• [3] Invoices · 4 Std. pro Woche{missing}",
    ]


# ---- process remove ---------------------------------------------------------------------------


async def test_process_remove_renumbers_the_rest(harness: Harness) -> None:
    h = harness
    await _candidates(h)
    assert await h.say("olaf", "process remove 2") == (
        'Removed workflow 2 "Parts"; 2 candidates left. Now: [1] Triage · [2] Invoices.'
    )
    assert await _positions(h) == [(1, "Triage"), (2, "Invoices")]
    # process pick N refers to the new numbers
    assert (await h.say("clara", "process pick 2")).startswith('Chosen: "Invoices".')
    assert await h.say("clara", "process delete 2") == (
        'Removed workflow 2 "Invoices"; 1 candidate left. '
        "It was the chosen workflow, so none is chosen now: process pick N."
    )
    assert (await cs.the_pilot(h)).chosen_process_id is None
    assert "not chosen yet (1 candidate)" in await h.say("zed", "status")
    # a new one takes the next free number
    out = await h.say("olaf", "process add Parts again hours=3")
    assert out.startswith('Workflow 2 recorded: "Parts again" (2 of at most 3).')
    assert await h.say("olaf", "process remove 1") == (
        'Removed workflow 1 "Triage"; 1 candidate left. Now: [1] Parts again.'
    )
    assert await h.say("olaf", "process remove 1") == (
        'Removed workflow 1 "Parts again"; no candidates left. Record one with process add NAME …'
    )
    assert await _positions(h) == []
    out = await unchanged(h, "olaf", "process remove 1")
    assert out == "No workflows recorded yet: process add NAME …"


async def test_prozess_loeschen(harness_de: Harness) -> None:
    h = harness_de
    await _candidates(h)
    assert await h.say("olaf", "prozess löschen 1") == (
        "Ablauf 1 „Triage“ gestrichen; 2 Kandidaten bleiben. Jetzt: [1] Parts · [2] Invoices."
    )
    assert await h.say("clara", "prozess loeschen #2") == (
        "Ablauf 2 „Invoices“ gestrichen; 1 Kandidat bleibt."
    )
    assert await _positions(h) == [(1, "Parts")]
    out = await unchanged(h, "olaf", "prozess löschen 3")
    assert out == "Einen Ablauf 3 gibt es nicht: Es gibt nur Ablauf 1."
    out = await unchanged(h, "olaf", "prozess löschen x")
    assert out == "So geht's: prozess löschen N — N ist die Nummer des Ablaufs im Stand."


async def test_only_modeler_and_champion_correct_processes_and_metrics(h: Harness) -> None:
    await _candidates(h)
    await h.say("olaf", "metric add speed days baseline=8")
    denied = {
        "en": "Only the Champion, Process modeler may do that in this pilot.",
        "de": "Das darf in diesem Piloten nur: Champion, Prozessmodellierer.",
    }[cs.lang_of(h)]
    for text in ("process remove 1", "prozess ändern 1 hours=3", "metric remove speed",
                 "kennzahl löschen speed"):  # fmt: skip
        for user in ("ines", "zed"):
            assert await unchanged(h, user, text) == denied, (user, text)


# ---- process edit -----------------------------------------------------------------------------


async def test_process_edit_changes_only_the_fields_given(harness: Harness) -> None:
    h = harness
    await _candidates(h)
    assert await h.say("olaf", "process edit 2 hours=6.5 inputs=phone") == (
        'Workflow 2 "Parts" changed: inputs – → "phone"; hours per week 6 → 6.5.'
    )
    out = await h.say("clara", 'process edit 1 name="Repair triage" outputs=tickets')
    assert out == (
        'Workflow 1 "Repair triage" changed: name "Triage" → "Repair triage"; '
        'outputs "ticket" → "tickets".'
    )
    processes = await cs.processes(h)
    assert [(p.name, p.inputs, p.outputs, p.hours_per_week) for p in processes] == [
        ("Repair triage", "mails", "tickets", 12.0),
        ("Parts", "phone", "", 6.5),
        ("Invoices", "", "", 4.0),
    ]
    refusals = {
        "process edit 3 name=parts": 'A workflow called "parts" is already recorded.',
        "process edit 2 hours=6.5": "Nothing changed: workflow 2 already has these values.",
        "process edit 2 colour=red": (
            '"colour" is not a field of a workflow: use name, trigger, outputs, steps, systems, '
            "cases, minutes, rules, data, pain or hours."
        ),
        "process edit 2": (
            "Usage: process edit N field=value, e.g. process edit 2 minutes=9 — fields: name, "
            "trigger, outputs, steps, systems, cases, minutes, rules, data, pain, hours."
        ),
        "process edit 2 hours=200": '"200" is not a number of hours per week (0–168).',
        "process edit 4 hours=1": "There is no workflow 4: choose 1 to 3.",
    }
    for text, answer in refusals.items():
        assert await unchanged(h, "olaf", text) == answer, text


async def test_prozess_aendern(harness_de: Harness) -> None:
    h = harness_de
    await _candidates(h)
    assert await h.say("olaf", "prozess ändern 3 stunden=4,5 ergebnisse=Rechnung") == (
        "Ablauf 3 „Invoices“ geändert: Ergebnisse – → „Rechnung“; Stunden pro Woche 4 → 4,5."
    )
    assert await h.say("olaf", "prozess aendern 1 name=„Reparatur sortieren“") == (
        "Ablauf 1 „Reparatur sortieren“ geändert: Name „Triage“ → „Reparatur sortieren“."
    )
    out = await unchanged(h, "olaf", "prozess ändern 1 farbe=rot")
    assert out == (
        "„farbe“ ist kein Feld eines Ablaufs: name, auslöser, ergebnisse, schritte, systeme, "
        "fälle, minuten, regeln, daten, schmerz oder stunden."
    )


# ---- metric remove ----------------------------------------------------------------------------


async def test_metric_remove_keeps_its_checkins_in_the_export(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    await h.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    await h.say("olaf", "metric add effort h baseline=12")
    await h.say("olaf", "checkin repair time 7")
    await h.say("olaf", "checkin effort 10")
    await h.say("olaf", "checkin effort 9")
    assert await h.say("clara", 'metric remove "EFFORT"') == (
        'Removed metric "effort": it no longer shows in status, results or check-ins; '
        "its 2 check-ins stay in the export."
    )
    status = await h.say("zed", "status")
    assert "repair time: baseline 8 days" in status and "effort" not in status
    assert "effort" not in await h.say("zed", "results")
    assert [m.name for m in await cs.metrics(h)] == ["repair time"]  # also for forms and webhook
    out = await unchanged(h, "olaf", "checkin effort 8")
    assert out == "Which metric? Start with its name: repair time."
    out = await unchanged(h, "olaf", "metric add effort h baseline=12")
    assert out == 'A removed metric was called "effort": choose another name, e.g. "effort 2".'
    out = await unchanged(h, "olaf", "metric remove speed")
    assert out == 'There is no metric "speed". Metrics: repair time.'
    out = await unchanged(h, "olaf", "metric remove")
    assert out == 'Usage: metric remove NAME, e.g. metric remove "repair time"'
    # the export keeps everything, marked
    rows = list(csv.DictReader(io.StringIO(await export(h.app.uow, h.clock, "csv", None))))
    assert [(r["metric"], r["value"], bool(r["metric_removed_at"])) for r in rows] == [
        ("repair time", "7.0", False),
        ("effort", "10.0", True),
        ("effort", "9.0", True),
    ]
    data = json.loads(await export(h.app.uow, h.clock, "json", None))["pilots"][0]
    assert [(m["name"], m["removed_at"] is not None) for m in data["metrics"]] == [
        ("repair time", False),
        ("effort", True),
    ]
    assert len(data["checkins"]) == 3
    # a new metric may take the free place
    assert (await h.say("olaf", "metric add effort2 h baseline=12")).startswith('Metric "effort2"')


async def test_kennzahl_loeschen(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6 niedriger")
    await h.say("olaf", "kennzahl neu Aufwand Stunden basis=12")
    await h.say("olaf", "meldung Aufwand 10")
    assert await h.say("olaf", "kennzahl löschen Aufwand") == (
        "Kennzahl „Aufwand“ gestrichen: Sie erscheint nicht mehr im Stand, in den Ergebnissen und "
        "bei Meldungen; ihre einzige Meldung bleibt im Export."
    )
    assert await h.say("olaf", "kennzahl loeschen Reparaturzeit") == (
        "Kennzahl „Reparaturzeit“ gestrichen (sie hatte keine Meldungen)."
    )
    out = await unchanged(h, "olaf", "kennzahl löschen Aufwand")
    assert out == "Es gibt noch keine Kennzahlen: zuerst kennzahl neu NAME EINHEIT basis=X."
    out = await unchanged(h, "olaf", "kennzahl neu Aufwand Stunden basis=12")
    assert out == (
        "Eine gestrichene Kennzahl hieß schon „Aufwand“: wähle einen anderen Namen, "
        "z. B. „Aufwand 2“."
    )


# ---- checkin undo -----------------------------------------------------------------------------


async def test_checkin_undo_withdraws_only_your_own_last_checkin(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    await h.say("olaf", 'metric add "repair time" days baseline=8 target=6 lower')
    h.clock.set(datetime(2027, 3, 2, 10, 0, tzinfo=BERLIN))  # week 9
    await h.say("olaf", "checkin repair time 7")
    h.clock.set(datetime(2027, 3, 9, 10, 0, tzinfo=BERLIN))  # week 10
    await h.say("ines", "checkin repair time 6")
    await h.say("olaf", "checkin repair time 50 typo")  # replaces ines's 6: one value a week
    assert await h.say("olaf", "checkin undo") == (
        "Withdrawn: your check-in repair time = 50 days (week 10). It no longer counts; it stays "
        "in the export. The week-10 value is 6 days again.\n"
        "repair time: 8 → 6.5 days, −19 % (mean of weeks 9–10; baseline estimate (not measured)) "
        "· target 6 days (not reached yet)"
    )
    assert await h.say("olaf", "check-in undo") == (  # the one before, not ines's
        "Withdrawn: your check-in repair time = 7 days (week 9). It no longer counts; it stays "
        "in the export.\n"
        "repair time: baseline 8 days, estimate (not measured) · week 10: 6 days, 1 more "
        "measuring week needed · target 6 days (not reached yet)"
    )
    out = await unchanged(h, "olaf", "checkin undo")
    assert out == "You have no check-in in this pilot that could be withdrawn."
    assert await unchanged(h, "zed", "checkin undo") == out
    assert "week 10: 6 days, 1 more measuring week needed" in await h.say("zed", "status")
    rows = await cs.checkins(h)
    assert [(r.value, r.withdrawn_at is not None, r.replaced_by) for r in rows] == [
        (7.0, True, None),
        (6.0, False, None),
        (50.0, True, None),
    ]
    exported = list(csv.DictReader(io.StringIO(await export(h.app.uow, h.clock, "csv", 1))))
    assert [(r["value"], bool(r["withdrawn_at"]), r["counts"]) for r in exported] == [
        ("7.0", True, "no"),
        ("6.0", False, "yes"),
        ("50.0", True, "no"),
    ]


async def test_meldung_zurueck(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6 niedriger")
    await h.say("olaf", "meldung Reparaturzeit 6,5")
    assert await h.say("olaf", "meldung zurück") == (
        "Zurückgezogen: deine Meldung Reparaturzeit = 6,5 Tage (Woche 1). Sie zählt nicht mehr, "
        "bleibt aber im Export.\nReparaturzeit: Ausgangswert 8 Tage, Schätzung (nicht gemessen) · "
        "noch keine Meldungen · Ziel 6 Tage (noch nicht erreicht)"
    )
    out = await unchanged(h, "olaf", "meldung zurueck")
    assert out == "Du hast in diesem Piloten keine Meldung, die sich zurückziehen ließe."
    assert "Noch zu wenige Daten" in await h.say("olaf", "ergebnisse")


# ---- done N N (point 6, text) -----------------------------------------------------------------


async def test_done_ticks_several_tasks_at_once(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    out = await h.say("ines", "done 4 8 listed with the team")
    assert out.startswith("Done: [4] List the tools in the stack")
    assert "; [8] Check where each workflow's inputs and outputs live" in out
    done = await cs.done_tasks(h)
    assert {"inventory-stack", "check-data-access"} <= set(done)
    assert done["inventory-stack"].note == done["check-data-access"].note == "listed with the team"
    assert await h.say("ines", "done 4") == "Task 4 is already done."  # one task still works
    out = await unchanged(h, "ines", "done 4,8")
    assert out == "Already done before: 4, 8."
    out = await unchanged(h, "ines", "done 4 99")
    assert out == 'There is no task "99". Type tasks to see your tasks and their numbers.'
    out = await unchanged(h, "ines", "done 99 3")
    assert out.startswith('There is no task "99".')
    out = await unchanged(h, "ines", "done 3 8")  # 3 is the modeler's: nothing is ticked
    assert out == "That task belongs to the Process modeler."


async def test_erledigt_mehrere_aufgaben(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    out = await h.say("olaf", "erledigt 3")
    assert out.startswith("Erledigt: [3]")
    out = await h.say("ines", "erledigt 4, 8")
    assert out.startswith("Erledigt: [4] Die Werkzeuge im Einsatz auflisten")
    assert "; [8] Prüfen, wo Eingaben und Ergebnisse" in out
    assert out.endswith("erreicht. Für dich ist nichts mehr offen.")
    out = await h.say("olaf", "erledigt 3 5")
    assert out.startswith("Erledigt: [5] ")
    assert "Schon vorher erledigt: 3." in out
