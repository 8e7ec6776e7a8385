"""Every chat command of CONTRACT.md in a German pilot, on each backend.

English keywords must work in this pilot as well; the replies stay German.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from storage.tables import Person, Pilot
from tests.conftest import BERLIN, Harness
from tests.integration import coach_support as cs

HELP_TITLE = "Befehle von Pilot Coach"
HELP_KEYWORDS = (
    "start", "zuweisen", "stand", "aufgaben", "erledigt", "prozess neu", "prozess wählen",
    "kennzahl neu", "meldung", "ergebnisse", "verkünden", "einstellungen", "kennzahl token",
    "nächster zyklus", "vergessen", "hilfe",
)  # fmt: skip
NO_PILOT = "Hier läuft kein Pilot. Eröffne einen mit: start"


# ---- start ------------------------------------------------------------------------------------


async def test_start_mit_datum_und_zweiter_start_abgelehnt(harness_de: Harness) -> None:
    h = harness_de
    out = await h.say("clara", "start 2027-01-11")
    assert out.startswith("Pilot gestartet! Woche 1 beginnt am 11.01.2027.")
    assert "Erinnerungen kommen jeden Montag 09:00 Uhr (Europe/Berlin)" in out
    assert "zuweisen champion @person" in out
    p = await cs.the_pilot(h)
    assert (p.start_date, p.language, p.timezone, p.status, p.cycle) == (
        date(2027, 1, 11),
        "de",
        "Europe/Berlin",
        "open",
        1,
    )
    before = await cs.state(h)
    for again in ("start", "starten 2027-01-04"):
        assert await h.say("olaf", again) == (
            "In diesem Kanal läuft schon ein Pilot (seit 11.01.2027). "
            "Mit stand siehst du, wo er steht."
        )
    assert await cs.state(h) == before
    assert "Beginnt am 11.01.2027" in await h.say("olaf", "stand")


async def test_start_ohne_datum_nimmt_den_montag_dieser_woche(harness_de: Harness) -> None:
    harness_de.clock.set(datetime(2027, 1, 10, 20, 0, tzinfo=BERLIN))  # a Sunday
    out = await harness_de.say("clara", "start")
    assert "Woche 1 beginnt am 04.01.2027" in out
    assert (await cs.the_pilot(harness_de)).start_date == date(2027, 1, 4)
    assert "Woche 1/12" in await harness_de.say("clara", "stand")


async def test_start_in_direktnachricht_abgelehnt(harness_de: Harness) -> None:
    out = await harness_de.say("clara", "start", direct=True, channel="D-clara")
    assert out == "Eröffne einen Piloten im Team-Kanal, nicht in einer Direktnachricht."
    assert await cs.count(harness_de, Pilot) == 0


async def test_ohne_pilot(harness_de: Harness) -> None:
    for text in ("stand", "aufgaben", "erledigt 1", "ergebnisse", "status"):
        assert (await harness_de.say("clara", text)).startswith(NO_PILOT), text


# ---- zuweisen / stand / aufgaben / erledigt ---------------------------------------------------


async def test_zuweisen_mit_formel(harness_de: Harness) -> None:
    h = harness_de
    await h.say("clara", "start 2027-01-04")
    assert await h.say("clara", "zuweisen champion @clara") == (
        "@clara ist jetzt Champion.\n"
        "Impact = Champion × (Integrator + Modellierer) = 1 × (0 + 0) = 0 von 2. "
        "Niemand setzt die Vision um."
    )
    out = await h.say("clara", "zuweisen modellierer @olaf")
    assert out.splitlines()[0] == "@olaf ist jetzt Prozessmodellierer."
    assert "= 1 × (0 + 1) = 1 von 2. Nichts wird im System laufen." in out
    out = await h.say("clara", "zuweisen integrator @ines")
    assert out.splitlines()[0] == "@ines ist jetzt Integrator."
    assert "= 1 × (1 + 1) = 2 von 2. Alle drei Rollen tragen den Piloten." in out
    assert await cs.roles(h) == {"champion": "clara", "integrator": "ines", "modeler": "olaf"}
    before = await cs.state(h)
    assert await h.say("clara", "zuweisen integrator @ines") == "@ines ist bereits Integrator."
    assert await h.say("clara", "zuweisen zauberer @ines") == (
        "„zauberer“ ist keine Rolle: champion, modellierer oder integrator."
    )
    assert await h.say("clara", "zuweisen integrator") == (
        "So geht's: zuweisen champion|modellierer|integrator @person"
    )
    assert await cs.state(h) == before


async def test_stand_zeigt_alles(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("clara", "erledigt 1")
    await h.say("olaf", "prozess neu Reparaturanfragen sortieren")
    await h.say("olaf", "prozess neu Rechnungen")
    await h.say("olaf", "prozess wählen 1")
    await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6 niedriger")
    await h.say("ines", "meldung Reparaturzeit 6,5")
    lines = (await h.say("zed", "stand")).splitlines()
    assert lines[0] == "*Pilot-Stand · #ki-pilot*"
    assert lines[1] == "Woche 1/12 · Champion benennen"
    assert lines[2:5] == ["Champion: @clara", "Integrator: @ines", "Prozessmodellierer: @olaf"]
    assert lines[5] == (
        "Impact = Champion × (Integrator + Modellierer) = 1 × (1 + 1) = 2 von 2. "
        "Alle drei Rollen tragen den Piloten."
    )
    assert "*Offene Aufgaben*" in lines
    # Beide Champion-Aufgaben der Woche 1 hat der Bot erledigt gesehen.
    assert not [x for x in lines if x.startswith("• Champion: ")]
    assert next(x for x in lines if x.startswith("• Integrator: ")).startswith(
        "• Integrator: [4] Die Werkzeuge im Einsatz auflisten"
    )
    assert next(x for x in lines if x.startswith("• Prozessmodellierer: ")).startswith(
        "• Prozessmodellierer: [3] Wiederkehrende, regelbasierte Abläufe sammeln"
    )
    assert "Gewählter Ablauf: Reparaturanfragen sortieren" in lines
    assert "*Kennzahlen gegenüber Ausgangswert*" in lines
    assert (
        "• Reparaturzeit: Ausgangswert 8 Tage, Schätzung (1 Woche gemessen, 2 nötig) · "
        "Ziel 6 Tage (noch nicht erreicht)" in lines
    )
    assert "*Risiken*" not in lines


async def test_stand_nennt_risiken(harness_de: Harness) -> None:
    h = harness_de
    await h.say("clara", "start 2027-01-04")
    await h.say("clara", "zuweisen modellierer @olaf")
    await h.say("clara", "zuweisen integrator @ines")
    h.clock.set(datetime(2027, 2, 1, 12, 0, tzinfo=BERLIN))  # Monday of week 5
    lines = (await h.say("olaf", "stand")).splitlines()
    assert lines[1] == "Woche 5/12 · EINE einfache Lösung bauen"
    assert "Champion: nicht besetzt" in lines
    risks = lines[lines.index("*Risiken*") + 1 :]
    assert risks == [
        "• Modellierer + Integrator ohne Champion = brillante Arbeit, die niemand unterstützt.",
        "• Noch keine Abläufe dokumentiert (Woche 2–3).",
        "• Noch keine Erfolgskennzahl mit Ausgangswert (kennzahl neu …).",
        "• Den Champion darf jede und jeder benennen: zuweisen champion @person.",
    ]


async def test_aufgaben_nur_eigene_rollen(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    out = await h.say("ines", "aufgaben")
    assert out.splitlines() == [
        "*Deine Aufgaben · Woche 1/12*",
        "Als Integrator:",
        "• [4] Die Werkzeuge im Einsatz auflisten (Ticketsystem, CRM, E-Mail, Zapier/Make/Workato)"
        " samt Schnittstellen",
        "Abhaken mit: erledigt NUMMER",
    ]
    out = await h.say("clara", "tasks")
    assert "Als Champion:" in out
    assert "(confirm-champion)" not in out
    assert "— erledigt: Der Bot hat gesehen, dass der Champion benannt und aktiv ist" in out
    assert "— erledigt: Der Bot hat gesehen, dass Modellierer und Integrator benannt sind" in out
    assert "[3]" not in out
    assert "[4]" not in out
    assert await h.say("zed", "aufgaben") == (
        "Du hast in diesem Piloten keine Rolle und daher keine Aufgaben. "
        "Mit stand siehst du, wer was macht."
    )


async def test_erledigt_nach_nummer_und_kennung(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    assert await h.say("clara", "erledigt 1") == (
        "[1] Bestätigen, dass du den Piloten trägst, und sein Geschäftsziel im Kanal nennen"
        " — erledigt: Der Bot hat gesehen, dass der Champion benannt und aktiv ist"
    )
    assert (await h.say("ines", "erledigt 4")).endswith("Für deine Rolle ist nichts mehr offen.")
    assert (await h.say("olaf", "done list-candidates")).startswith("Erledigt: [3]")
    assert set(await cs.done_tasks(h)) == {"inventory-stack", "list-candidates"}
    before = await cs.state(h)
    assert await h.say("olaf", "erledigt 4") == "Diese Aufgabe gehört dem Integrator."
    assert await h.say("ines", "erledigt inventory-stack") == "Aufgabe 4 ist schon erledigt."
    assert await h.say("olaf", "erledigt 99") == (
        "Eine Aufgabe „99“ gibt es nicht. Mit aufgaben siehst du deine Aufgaben und ihre Nummern."
    )
    assert await h.say("olaf", "erledigt") == (
        "So geht's: erledigt AUFGABE — die Nummer der Aufgabe, wie aufgaben sie zeigt."
    )
    assert await cs.state(h) == before


# ---- prozess neu / prozess wählen -------------------------------------------------------------


async def test_prozess_neu_und_waehlen(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    out = await h.say(
        "olaf",
        "prozess neu Reparaturanfragen sortieren eingaben=E-Mails ergebnisse=Ticket stunden=12,5",
    )
    assert out == (
        "Ablauf 1 erfasst: „Reparaturanfragen sortieren“ (1 von höchstens 3).\n"
        "Für die Punktzahl fehlt noch: regeln=…, daten=ja|teilweise|nein (prozess ändern 1 …)."
    )
    out = await h.say("clara", "prozess neu Rechnungen")
    assert out == (
        "Ablauf 2 erfasst: „Rechnungen“ (2 von höchstens 3).\n"
        "Für die Punktzahl fehlt noch: fälle=… minuten=…, regeln=…, daten=ja|teilweise|nein "
        "(prozess ändern 2 …)."
    )
    before = await cs.state(h)
    assert (
        await h.say("olaf", "prozess neu RECHNUNGEN")
        == "Ein Ablauf „RECHNUNGEN“ ist schon erfasst."
    )
    assert await cs.state(h) == before
    await h.say("olaf", "prozess neu Termine eingaben=Anrufe ergebnisse=Termin stunden=3")
    before = await cs.state(h)
    assert await h.say("olaf", "prozess neu Vierter") == (
        "Höchstens 3 Abläufe: die Roadmap verlangt 2–3. Streich einen, bevor du einen neuen "
        "erfasst."
    )
    assert await h.say("olaf", "prozess wählen 5") == "Einen Ablauf 5 gibt es nicht: wähle 1 bis 3."
    assert await h.say("olaf", "prozess waehlen null") == (
        "So geht's: prozess wählen N — N ist die Nummer des Ablaufs im Stand."
    )
    assert await cs.state(h) == before
    stored = await cs.processes(h)
    assert [(x.name, x.inputs, x.outputs, x.hours_per_week) for x in stored] == [
        ("Reparaturanfragen sortieren", "E-Mails", "Ticket", 12.5),
        ("Rechnungen", "", "", None),
        ("Termine", "Anrufe", "Termin", 3.0),
    ]

    assert await h.say("olaf", "prozess wählen 3") == (
        "Gewählt: „Termine“. Woche 5–8: EINE einfache Lösung dafür bauen."
    )
    assert (await cs.the_pilot(h)).chosen_process_id == stored[2].id
    before = await cs.state(h)
    assert await h.say("clara", "prozess wählen 1") == (
        "„Termine“ ist schon der eine (und nur eine!) Ablauf. Um stattdessen „Reparaturanfragen "
        "sortieren“ zu wählen: prozess wählen 1 bestätigen"
    )
    assert await h.say("clara", "prozess neu Noch einer") == (
        "Es ist schon ein Ablauf gewählt; die Kandidatenliste ist geschlossen."
    )
    assert await cs.state(h) == before
    assert "Gewählter Ablauf: Termine" in await h.say("ines", "stand")


# ---- kennzahl neu / meldung / ergebnisse ------------------------------------------------------


async def test_kennzahl_neu(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    out = await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6 niedriger")
    assert out.splitlines() == [
        "Kennzahl „Reparaturzeit“ festgelegt: Ausgangswert 8 Tage, niedriger ist besser. "
        "Ziel: 6 Tage.",
        "Eingeordnet als Durchlaufzeit (nach Name und Einheit): steht im Bericht als "
        "Durchlaufzeit pro Fall, nicht als gesparte Stunden. Andere Art: lösch sie und leg sie "
        "mit art=… neu an.",
        "Miss sie in den Wochen 2–4, bevor etwas gebaut wird: eine Meldung pro Woche; ab zwei "
        "gilt der gemessene Ausgangswert, der eingegebene Wert bleibt als Schätzung stehen.",
    ]
    out = await h.say("olaf", "kennzahl neu Sortierzeit min basis=12 art=aufwand pro=fall menge=40")
    assert out.splitlines()[1] == (
        "Art: Aufwand: min pro Fall × 40 Fälle pro Woche werden zu gesparten Stunden."
    )
    out = await h.say("clara", "kennzahl neu Zufriedenheit Punkte ausgangswert=7,5 höher")
    assert out.splitlines()[:2] == [
        "Kennzahl „Zufriedenheit“ festgelegt: Ausgangswert 7,5 Punkte, höher ist besser.",
        "Eingeordnet als Zufriedenheit (nach Name und Einheit): steht im Bericht als Bewertung, "
        "nicht als gesparte Stunden. Andere Art: lösch sie und leg sie mit art=… neu an.",
    ]
    stored = await cs.metrics(h)
    assert [(m.name, m.unit, m.baseline, m.target, m.lower_is_better) for m in stored] == [
        ("Reparaturzeit", "Tage", 8.0, 6.0, True),
        ("Sortierzeit", "min", 12.0, None, True),
        ("Zufriedenheit", "Punkte", 7.5, None, False),
    ]
    assert [(m.kind, m.per, m.volume) for m in stored] == [
        ("lead_time", None, None),
        ("effort", "case", 40.0),
        ("satisfaction", None, None),
    ]
    before = await cs.state(h)
    assert await h.say("olaf", "kennzahl neu reparaturzeit Tage basis=9") == (
        "Es gibt schon eine Kennzahl „reparaturzeit“."
    )
    assert await h.say("olaf", "kennzahl neu Fehler Stück basis=5 ziel=7 niedriger") == (
        "Das Ziel muss besser als der Ausgangswert sein (darunter bei „niedriger ist besser“, "
        "darüber bei „höher ist besser“)."
    )
    assert await h.say("olaf", "kennzahl neu Fehler Stück basis=fünf") == (
        "„fünf“ ist kein gültiger Ausgangswert: schreib eine Zahl wie 8 oder 7,5."
    )
    assert (await h.say("olaf", "kennzahl neu Fehler")).startswith(
        "So geht's: kennzahl neu NAME EINHEIT basis=X"
    )
    assert await cs.state(h) == before


async def test_meldung_mit_komma(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6")
    out = await h.say("ines", "meldung Reparaturzeit 6,5 Tage Lieferant war langsam")
    assert out == (
        "Erfasst für Woche 1: Reparaturzeit = 6,5 Tage.\n"
        "Messung des Ausgangswerts: bisher 1 Woche, ab 2 gilt der gemessene Ausgangswert.\n"
        "Reparaturzeit: Ausgangswert 8 Tage, Schätzung (1 Woche gemessen, 2 nötig) · Ziel 6 Tage "
        "(noch nicht erreicht)"
    )
    [row] = await cs.checkins(h)
    assert (row.value, row.week, row.note, row.person_id) == (
        6.5,
        1,
        "Lieferant war langsam",
        await cs.person_id(h, "ines"),
    )
    # the English spelling is read as six and a half too, not 65
    out = await h.say("clara", "checkin reparaturzeit 6.5")
    assert out.splitlines()[0] == (
        "Erfasst für Woche 1: Reparaturzeit = 6,5 Tage. (derselbe Wert wie die frühere Meldung "
        "dieser Woche: weiterhin ein Wert für die Woche)"
    )
    assert [c.value for c in await cs.checkins(h)] == [6.5, 6.5]


async def test_meldung_acht_abgelehnt_nichts_gespeichert(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8")
    before = await cs.state(h)
    assert await h.say("ines", "meldung Reparaturzeit acht") == (
        "„acht“ ist keine Zahl: schreib Ziffern, z. B. 7 oder 6,5."
    )
    assert await h.say("ines", "meldung Reparaturzeit acht Tage") == (
        "„acht“ ist keine Zahl: schreib Ziffern, z. B. 7 oder 6,5."
    )
    assert await h.say("ines", "meldung Reparaturzeit") == (
        "Der Wert fehlt: meldung KENNZAHL WERT, z. B. meldung Reparaturzeit 6,5"
    )
    assert await h.say("ines", "meldung Reparaturzeit 5 Stunden") == (
        "„Stunden“ passt nicht zu dieser Kennzahl (Einheit: Tage)."
    )
    assert await h.say("ines", "meldung Laufzeit 5") == (
        "Welche Kennzahl? Beginne mit ihrem Namen: Reparaturzeit."
    )
    assert await h.say("ines", "meldung") == (
        "So geht's: meldung KENNZAHL WERT [Notiz], z. B. meldung Reparaturzeit 6,5 Tage"
    )
    assert await cs.checkins(h) == []  # via the repository: no Checkin row
    assert await cs.state(h) == before


async def test_ergebnisse_brauchen_zwei_meldungen(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("olaf", "kennzahl neu Reparaturzeit Tage basis=8 ziel=6")
    wenig = "Noch zu wenige Daten: Die Verbesserung braucht Werte aus mindestens 2 der Wochen 9–12."
    out = await h.say("zed", "ergebnisse")
    assert out.splitlines()[:2] == ["*Ergebnisse · #ki-pilot*", wenig]
    h.clock.set(datetime(2027, 3, 2, 10, 0, tzinfo=BERLIN))  # Woche 9
    await h.say("ines", "meldung Reparaturzeit 7")
    assert wenig in await h.say("zed", "results")
    h.clock.set(datetime(2027, 3, 9, 10, 0, tzinfo=BERLIN))  # Woche 10
    await h.say("ines", "meldung Reparaturzeit 5")
    lines = (await h.say("zed", "ergebnisse")).splitlines()
    assert lines[1] == "Reparaturzeit: 8 → 6 Tage (−25 %) · ✓ Ziel 6 Tage erreicht"
    assert lines[2] == (
        "2 Wochenwerte, Wochen 9–10, gemeldet von ines; nachher = Mittel der Wochen 9–10; "
        "vorher = Schätzung (nicht gemessen)"
    )
    assert "Integrator: @ines" in lines


# ---- einstellungen ----------------------------------------------------------------------------


async def test_einstellungen_und_sprachwechsel(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    out = await h.say("clara", "einstellungen zone=Europe/Vienna tag=di zeit=08:15 region=DE-BY")
    assert out == (
        "Gespeichert: Erinnerungen am Dienstag um 08:15 (Europe/Vienna), Sprache de, "
        "Feiertage von DE-BY."
    )
    p = await cs.the_pilot(h)
    assert (p.timezone, p.nudge_weekday, p.nudge_time, p.region) == (
        "Europe/Vienna",
        1,
        "08:15",
        "DE-BY",
    )
    out = await h.say("clara", "einstellungen sprache=en")
    assert out == (
        "Settings saved: nudges on Tuesday at 08:15 (Europe/Vienna), language en, "
        "holidays of DE-BY."
    )
    assert (await h.say("olaf", "stand")).startswith("*Pilot status · #ki-pilot*")
    assert (await h.say("clara", "settings lang=de")).startswith("Gespeichert:")
    assert (await cs.the_pilot(h)).language == "de"


async def test_einstellungen_falsche_werte(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    before = await cs.state(h)
    region = "ISO-Land mit optionalem Landesteil, z. B. DE, DE-BY, AT, CH-ZH."
    usage = "So geht's: einstellungen zone=Europe/Berlin tag=mo zeit=09:00 sprache=de region=DE-BY"
    cases = {
        "einstellungen zone=Mond/Krater": (
            "„Mond/Krater“ ist keine Zeitzone: nimm einen IANA-Namen wie Europe/Berlin."
        ),
        "einstellungen tag=sa": "„sa“ ist kein Werktag: mo, di, mi, do oder fr.",
        "einstellungen zeit=24:00": "„24:00“ ist keine Uhrzeit: HH:MM, z. B. 09:00.",
        "einstellungen sprache=fr": "„fr“ spreche ich nicht: de oder en.",
        "einstellungen region=DE-ZZ": f"„DE-ZZ“ ist keine Feiertagsregion: {region}",
        "einstellungen zone=Asia/Tokyo zeit=9 Uhr": usage,
        "einstellungen zone=Asia/Tokyo zeit=99:00": (
            "„99:00“ ist keine Uhrzeit: HH:MM, z. B. 09:00."
        ),
        "einstellungen": usage,
    }
    for text, expected in cases.items():
        assert await h.say("clara", text) == expected, text
    assert await cs.state(h) == before


async def test_einstellungen_unbekannter_schluessel(harness_de: Harness) -> None:
    await cs.team(harness_de)
    before = await cs.state(harness_de)
    out = await harness_de.say("clara", "einstellungen farbe=rot")
    assert out == (
        "Unbekannte Einstellung „farbe“: zone, tag, zeit, sprache, region, stundensatz, name "
        "oder firma."
    )
    assert await cs.state(harness_de) == before


# ---- hilfe, unbekannt, noch nicht verfügbar ---------------------------------------------------


async def test_hilfe_und_unbekannter_befehl(harness_de: Harness) -> None:
    h = harness_de
    assert (await h.say("zed", "hilfe")).startswith(HELP_TITLE)
    await cs.team(h)
    for text in ("hilfe", "help", "?", ""):
        out = await h.say("zed", text)
        assert out.splitlines()[0] == HELP_TITLE, repr(text)
        bullets = [x for x in out.splitlines() if x.startswith("• ")]
        for keyword in HELP_KEYWORDS:
            assert any(b.startswith(f"• {keyword} ") for b in bullets), keyword
    assert "• hilfe [BEFEHL] — diese Liste oder ein Befehl erklärt" in out
    # ein unbekannter Befehl: eine Zeile statt der ganzen Hilfe (mehr in test_help.py)
    out = await h.say("zed", "quatsch mit soße")
    assert out == "„quatsch“ kenne ich nicht. Alle Befehle zeigt dir hilfe."


@pytest.mark.parametrize(
    "text",
    ["verkünden", "verkuenden #allgemein", "announce", "announce #general"],
)  # fmt: skip
async def test_verkuenden_nur_durch_den_champion(harness_de: Harness, text: str) -> None:
    h = harness_de
    await cs.team(h)
    await h.say("zed", "stand")
    everything = (*cs.DOMAIN_TABLES, Person)
    before = await cs.state(h, everything)
    assert await h.say("zed", text) == "Das darf in diesem Piloten nur: Champion."
    assert await cs.state(h, everything) == before
    assert (await h.say("clara", text)).startswith("Die Ergebnisse gehen jetzt an #")


# ---- English keywords in a German pilot -------------------------------------------------------


async def test_englische_befehle_im_deutschen_pilot(harness_de: Harness) -> None:
    h = harness_de
    assert (await h.say("clara", "start 2027-01-04")).startswith("Pilot gestartet!")
    assert (await h.say("clara", "assign champion @clara")).startswith("@clara ist jetzt Champion.")
    assert (await h.say("clara", "assign modeler @olaf")).startswith(
        "@olaf ist jetzt Prozessmodellierer."
    )
    assert (await h.say("clara", "assign integrator @ines")).startswith(
        "@ines ist jetzt Integrator."
    )
    assert (await h.say("olaf", "status")).startswith("*Pilot-Stand · #ki-pilot*")
    assert (await h.say("olaf", "tasks")).startswith("*Deine Aufgaben · Woche 1/12*")
    assert (await h.say("olaf", "done list-candidates")).startswith("Erledigt: [3]")
    out = await h.say("olaf", "process add Triage inputs=Mails outputs=Ticket hours=4")
    assert out.startswith("Ablauf 1 erfasst: „Triage“ (1 von höchstens 3).")
    assert (await h.say("olaf", "process pick 1")).startswith("Gewählt: „Triage“.")
    out = await h.say("olaf", "metric add Durchlaufzeit Stunden baseline=10 target=8 lower")
    assert out.splitlines()[0] == (
        "Kennzahl „Durchlaufzeit“ festgelegt: Ausgangswert 10 Stunden, niedriger ist besser. "
        "Ziel: 8 Stunden."
    )
    out = await h.say("ines", "checkin Durchlaufzeit 9,5 h")
    assert out.startswith("Erfasst für Woche 1: Durchlaufzeit = 9,5 Stunden.")
    assert "Noch zu wenige Daten" in await h.say("ines", "results")
    assert (await h.say("clara", "settings day=thu")).startswith(
        "Gespeichert: Erinnerungen am Donnerstag um 09:00"
    )
    assert (await h.say("zed", "help")).startswith(HELP_TITLE)
    assert [c.value for c in await cs.checkins(h)] == [9.5]
