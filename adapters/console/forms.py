"""The decision forms in the terminal: one question per line, as a chat-friendly dialogue.

``process add`` or ``capacity`` alone starts it; each answer is checked as it comes (a choice
by its number, its word or its label), ``-`` skips an optional question, ``:cancel`` stops. At
the end ``bot.forms.read_form`` checks the whole form like the Slack modal and the Teams card
do; a refused field is asked again; the finished form runs as its chat command.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog import Texts
from bot.forms import Filled, Form, FormField, read_form

SKIP = "-"
CANCEL = ":cancel"


@dataclass
class ConsoleForm:
    form: Form
    t: Texts
    values: dict[str, str] = field(default_factory=dict)
    queue: list[FormField] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.queue = list(self.form.fields)

    @property
    def current(self) -> FormField | None:
        return self.queue[0] if self.queue else None

    def question(self) -> str:
        """The next question, numbered, with the choices or the reason it is asked again."""
        f = self.queue[0]
        step = self.form.fields.index(f) + 1
        lines = [self.errors[f.id]] if f.id in self.errors else []
        lines.append(self.t("workflow.console_step", step=step, count=len(self.form.fields),
                            question=f.label))  # fmt: skip
        if f.options:
            options = " / ".join(f"{i}) {o.label}" for i, o in enumerate(f.options, start=1))
            lines.append(self.t("workflow.console_options", options=options))
        return "\n".join(lines)

    def answer(self, text: str) -> None:
        f = self.queue.pop(0)
        text = text.strip()
        self.values[f.id] = "" if text == SKIP else _choice(f, text)

    def finish(self) -> Filled | None:
        """None while questions are left; else the command, or errors (then asked again)."""
        if self.queue:
            return None
        filled = read_form(self.form, self.t, self.values)
        self.errors = filled.errors
        self.queue = [f for f in self.form.fields if f.id in filled.errors]
        return None if self.queue else filled


def _choice(f: FormField, text: str) -> str:
    """A typed answer as the option value(s): ``2``, ``partly`` or ``Teilweise``; several for a
    multichoice, separated by commas."""
    if not f.options:
        return text
    picked = []
    for part in text.split(",") if f.kind == "multichoice" else [text]:
        word = part.strip().casefold()
        matches = (o.value for i, o in enumerate(f.options, start=1)
                   if word in (str(i), o.value.casefold(), o.label.casefold()))  # fmt: skip
        found = next(matches, part.strip())
        picked.append(found)
    return ",".join(p for p in picked if p)
