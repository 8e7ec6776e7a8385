"""Help that fits a chat (#14, point 8): an unknown command gets "did you mean …?" and one line
pointing to help; ``help COMMAND`` explains one command in the pilot's language."""

from __future__ import annotations

import pytest

from playbook.parsing.commands import KEYWORDS, suggest
from tests.conftest import Harness
from tests.integration import coach_support as cs

# ---- the suggestion itself (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("strat", ("start",)),
        ("stauts please", ("status",)),
        ("hlep", ("help",)),
        ("tsks", ("tasks",)),
        ("erlidigt 5", ("erledigt",)),
        ("stnad", ("stand",)),
        ("verkunden", ("verkünden",)),  # the umlaut spelling, not the ASCII one
        ("nächste zyklus", ("nächster zyklus",)),
        ("/pilot statsu", ("status",)),
        ("stat", ("status", "start")),  # two close matches: both offered
        ("process", ("process add", "process pick", "process remove", "process edit")),
        ("kennzahl 5", ("kennzahl neu", "kennzahl token", "kennzahl löschen")),
        ("frobnicate the pilot", ()),
        ("quatsch mit soße", ()),
        ("", ()),
    ],
)
def test_suggest_offers_the_closest_keywords_of_either_language(
    typed: str, expected: tuple[str, ...]
) -> None:
    assert suggest(typed) == expected


def test_every_suggestion_is_a_keyword() -> None:
    for word in ("strt", "procss add", "metrc", "kennzahll", "zuweissen", "einstelungen"):
        assert suggest(word), word
        assert all(s in KEYWORDS for s in suggest(word)), word


# ---- unknown commands in chat -----------------------------------------------------------------


async def test_unknown_command_gets_did_you_mean_and_one_line(harness: Harness) -> None:
    h = harness
    # before any pilot exists, in the default language
    assert await h.say("zed", "strat") == (
        'I don\'t know "strat". Did you mean `start`? Type help for all commands.'
    )
    await cs.team(h)
    before = await cs.state(h)
    assert await h.say("zed", "stauts") == (
        'I don\'t know "stauts". Did you mean `status`? Type help for all commands.'
    )
    assert await h.say("zed", "process 3") == (
        'I don\'t know "process". Did you mean `process add`, `process pick`, `process remove` '
        "or `process edit`? Type help for all commands."
    )
    out = await h.say("zed", "frobnicate the pilot")
    assert out == 'I don\'t know "frobnicate". Type help for all commands.'
    assert len(out.splitlines()) == 1
    assert await h.say("zed", "stnad") == (  # a German keyword is offered in an English pilot
        'I don\'t know "stnad". Did you mean `stand`? Type help for all commands.'
    )
    assert await cs.state(h) == before


async def test_unbekannter_befehl_bekommt_meintest_du(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    assert await h.say("zed", "erlidigt 3") == (
        "„erlidigt“ kenne ich nicht. Meintest du `erledigt`? Alle Befehle zeigt dir hilfe."
    )
    assert await h.say("zed", "stat") == (
        "„stat“ kenne ich nicht. Meintest du `status` oder `start`? Alle Befehle zeigt dir hilfe."
    )
    assert await h.say("zed", "quatsch mit soße") == (
        "„quatsch“ kenne ich nicht. Alle Befehle zeigt dir hilfe."
    )
    assert await h.say("zed", "verkunden") == (
        "„verkunden“ kenne ich nicht. Meintest du `verkünden`? Alle Befehle zeigt dir hilfe."
    )


# ---- help COMMAND -----------------------------------------------------------------------------


async def test_help_for_one_command(harness: Harness) -> None:
    h = harness
    await cs.team(h)
    out = await h.say("zed", "help checkin")
    assert out.splitlines() == [
        "*checkin METRIC VALUE [note] — record a metric value, e.g. checkin repair time 6.5 days*",
        "Records this week's value of a metric: checkin repair time 6.5 days, optionally with a "
        "note after the value. One value per week: a second check-in in the same week replaces "
        'the first. Weeks 2–4 measure the baseline, weeks 5–8 are marked "during the build", '
        "weeks 9–12 make the improvement (the mean of the last two).",
        "Who may: Champion, Integrator, Process modeler.",
    ]
    # either language's keyword, in the pilot's language
    assert (await h.say("zed", "help prozess löschen")).splitlines()[0] == (
        "*process remove N — delete candidate workflow N (the others move up)*"
    )
    assert (await h.say("zed", "hilfe `done`")).startswith("*done TASK [TASK …] — tick your tasks")
    assert "done 2 5" in await h.say("zed", "help done")
    assert (await h.say("zed", "help status")).endswith("Who may: anyone in the channel.")
    assert (await h.say("zed", "help process edit")).endswith("Who may: Champion, Process modeler.")
    assert "Who may" not in await h.say("zed", "help checkin undo")  # the reporter's own
    assert await h.say("zed", "help chekin") == (
        'I don\'t know "chekin". Did you mean `checkin`? Type help for all commands.'
    )


async def test_hilfe_zu_einem_befehl(harness_de: Harness) -> None:
    h = harness_de
    await cs.team(h)
    out = await h.say("zed", "hilfe meldung zurück")
    assert out.splitlines() == [
        "*meldung zurück — deine letzte Meldung zurückziehen*",
        "Zieht deine eigene letzte Meldung in diesem Piloten zurück: Sie zählt nirgends mehr, "
        "bleibt aber im Export. Danach meldest du den richtigen Wert neu.",
    ]
    out = await h.say("zed", "help metric remove")  # an English keyword, a German answer
    assert out.splitlines()[0] == (
        "*kennzahl löschen NAME — eine Kennzahl streichen (ihre Meldungen bleiben im Export)*"
    )
    assert out.endswith("Wer darf: Champion, Prozessmodellierer.")
    assert (await h.say("zed", "hilfe stand")).endswith("Wer darf: alle im Kanal.")


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_command_has_a_help_line_and_an_explanation(language: str) -> None:
    from bot.catalog import texts

    t = texts(language)
    for name in set(KEYWORDS.values()):
        assert t.has(f"help.{name}"), name
        assert t.has(f"help.detail.{name}"), name


async def test_full_help_lists_the_corrections_and_how_to_ask_for_one(h: Harness) -> None:
    out = await h.say("zed", "help")
    lines = out.splitlines()
    expected = {
        "en": ("• process remove N", "• process edit N", "• metric remove NAME", "• checkin undo",
               "help COMMAND explains one command, e.g. help checkin."),
        "de": ("• prozess löschen N", "• prozess ändern N", "• kennzahl löschen NAME",
               "• meldung zurück", "hilfe BEFEHL erklärt einen Befehl, z. B. hilfe meldung."),
    }[cs.lang_of(h)]  # fmt: skip
    for start in expected[:-1]:
        assert any(line.startswith(start) for line in lines), start
    assert lines[-1] == expected[-1]


h = cs.h  # the English- and the German-default harness
