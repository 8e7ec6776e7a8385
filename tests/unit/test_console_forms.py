"""The console's step-by-step form: choices by number, word or label, ``-`` skips, a refused
field is asked again with its reason, the end is the same chat command the other forms send."""

from __future__ import annotations

from adapters.console.forms import ConsoleForm
from bot import forms
from bot.catalog import texts


def test_capacity_dialogue_ends_in_the_capacity_command() -> None:
    t = texts("de")
    form = ConsoleForm(forms.capacity_form(t, ["Ticketsystem", "Buchhaltung"]), t)
    assert form.question() == "(1/6) Wer würde es bauen?\n   1) Ein Entwickler im Haus / " \
        "2) No-Code (Zapier, Make, Workato oder n8n) / 3) Niemand"  # fmt: skip
    for answer in ("2", "Make", "api", "gar nicht", "viele", "nein"):
        form.answer(answer)
    assert form.finish() is None  # "viele" is no number: asked again, with the reason
    assert form.question().startswith("„viele“ ist keine Stundenzahl pro Woche (0–168).\n(5/6)")
    form.answer("6,5")
    filled = form.finish()
    assert filled is not None and filled.errors == {}
    assert filled.command == ('capacity builder="nocode" tool="make" hours="6,5" budget="no" '
                              'api="Ticketsystem" none="Buchhaltung"')  # fmt: skip


def test_workflow_dialogue_skips_optional_fields() -> None:
    t = texts("en")
    form = ConsoleForm(forms.workflow_form(t), t)
    for answer in ("Triage", "-", "-", "-", "ticket system", "60", "12", "80", "1", "time, 3"):
        form.answer(answer)
    filled = form.finish()
    assert filled is not None
    assert filled.command == (
        'process add "Triage" systems="ticket system" volume="60" minutes="12" rules="80" '
        'data="yes" pain="time,customers"'
    )
