"""Slack-only surfaces around the neutral replies: the role picker shown after ``start``, the
Snooze button on nudges, the check-in modal (built and read back) and the App Home view.

Pure like ``outbound``: catalogs in, slack_sdk models out; reading a submitted modal returns the
chat commands to run or the inline errors to show, never touching the database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from adapters.slack.outbound import MAX_VIEW_BLOCKS, action_id, clip, escape, to_blocks
from bot.catalog import Texts
from bot.forms import Form, FormField
from bot.messages import Actions, Button, Reply
from playbook.parsing.numbers import MAX_NOTE, Problem, parse_measurement
from playbook.roles import ROLE_ORDER

CHECKIN_CALLBACK = "pc_checkin"
NOTE_BLOCK = "note"
VALUE_ACTION = "value"
MAX_MODAL_TITLE = 24
MAX_METADATA = 3000
_DOT_DECIMAL = re.compile(r"^\d+\.\d+$")


def role_picker(t: Texts) -> list[Block]:
    """A user-select menu per role; picking someone runs ``assign ROLE <@U…>``."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=t("slack.roles.prompt")))]
    for role in ROLE_ORDER:
        blocks.append(
            SectionBlock(
                block_id=f"pc_role_{role.value}",
                text=MarkdownTextObject(text=f"*{escape(t(f'role.{role.value}'))}*"),
                accessory=UserSelectElement(
                    action_id=action_id(f"assign_{role.value}"),
                    placeholder=PlainTextObject(text=clip(t("slack.roles.choose"), 150)),
                ),
            )
        )
    return blocks


def with_snooze(reply: Reply, label: str) -> Reply:
    """A nudge (an Actions block with a Done button) gets a Snooze button after Done."""
    blocks = []
    changed = False
    for block in reply.blocks:
        if (
            isinstance(block, Actions)
            and not changed
            and any(b.action == "done" for b in block.buttons)
        ):
            done = [b for b in block.buttons if b.action == "done"]
            rest = [b for b in block.buttons if b.action != "done"]
            block = Actions((*done, Button(label, "snooze"), *rest))
            changed = True
        blocks.append(block)
    return replace(reply, blocks=tuple(blocks)) if changed else reply


def is_nudge(reply: Reply) -> bool:
    return any(
        isinstance(b, Actions) and any(x.action == "done" for x in b.buttons) for b in reply.blocks
    )


@dataclass(frozen=True)
class CheckinContext:
    """What the modal remembers between opening and submission (``private_metadata``)."""

    channel: str
    direct: bool
    metrics: tuple[tuple[str, str], ...]  # (name, unit)

    def to_metadata(self) -> str:
        data: dict[str, Any] = {
            "c": self.channel,
            "d": self.direct,
            "m": [list(m) for m in self.metrics],
        }
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        while len(text) > MAX_METADATA and data["m"]:
            data["m"] = data["m"][:-1]  # an absurd number of metrics: keep the first ones
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return text

    @classmethod
    def from_metadata(cls, text: str) -> CheckinContext:
        data = json.loads(text or "{}")
        metrics = tuple((str(n), str(u)) for n, u in data.get("m", []))
        return cls(channel=str(data.get("c", "")), direct=bool(data.get("d")), metrics=metrics)


def metric_block_id(index: int) -> str:
    return f"metric_{index}"


def checkin_modal(t: Texts, context: CheckinContext) -> View:
    """One number input per metric and a note; nothing is required, but one value must be set."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=t("slack.checkin.intro")))]
    for index, (name, unit) in enumerate(context.metrics[: MAX_VIEW_BLOCKS - 2]):
        blocks.append(
            InputBlock(
                block_id=metric_block_id(index),
                label=PlainTextObject(text=clip(f"{name} ({unit})", 2000)),
                element=NumberInputElement(
                    action_id=VALUE_ACTION, is_decimal_allowed=True, min_value="0"
                ),
                optional=True,
            )
        )
    blocks.append(
        InputBlock(
            block_id=NOTE_BLOCK,
            label=PlainTextObject(text=t("slack.checkin.note")),
            element=PlainTextInputElement(
                action_id=VALUE_ACTION, multiline=True, max_length=MAX_NOTE
            ),
            optional=True,
        )
    )
    return View(
        type="modal",
        callback_id=CHECKIN_CALLBACK,
        title=PlainTextObject(text=clip(t("action.checkin"), MAX_MODAL_TITLE)),
        submit=PlainTextObject(text=clip(t("slack.checkin.submit"), MAX_MODAL_TITLE)),
        close=PlainTextObject(text=clip(t("slack.checkin.close"), MAX_MODAL_TITLE)),
        private_metadata=context.to_metadata(),
        blocks=blocks,
    )


def _submitted(values: Mapping[str, Any], block_id: str) -> str:
    field = (values.get(block_id) or {}).get(VALUE_ACTION) or {}
    return str(field.get("value") or "").strip()


def _localised(value: str, language: str) -> str:
    """Slack's number input sends ``6.5``; a German pilot reads ``6,5``."""
    return value.replace(".", ",") if language == "de" and _DOT_DECIMAL.match(value) else value


@dataclass(frozen=True)
class CheckinForm:
    """A submitted check-in modal: the commands to run, or the errors per block."""

    commands: tuple[tuple[str, str], ...]  # (block id, chat command)
    errors: dict[str, str]


def read_checkin(t: Texts, context: CheckinContext, state: Mapping[str, Any]) -> CheckinForm:
    """Check every value with the playbook's parser first, so a bad field stores nothing."""
    values = state.get("values") or {}
    note = _submitted(values, NOTE_BLOCK)
    commands: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    for index, (name, unit) in enumerate(context.metrics):
        block_id = metric_block_id(index)
        raw = _localised(_submitted(values, block_id), t.language)
        if not raw:
            continue
        measured = parse_measurement(f"{raw} {note}".strip(), unit, t.language)
        if isinstance(measured, Problem):
            target = NOTE_BLOCK if measured.key == "checkin.note_too_long" else block_id
            errors[target] = t(measured.key, **measured.params)
            continue
        commands.append((block_id, f"checkin {name} {raw} {note}".strip()))
    if not commands and not errors and context.metrics:
        errors[metric_block_id(0)] = t("slack.checkin.nothing")
    return CheckinForm(commands=tuple(commands), errors=errors)


def home_view(reply: Reply) -> View:
    return View(type="home", blocks=to_blocks(reply, max_blocks=MAX_VIEW_BLOCKS, tables=False))


#: Commands whose answer concerns only the asker ("" is an unknown word: the help text).
PERSONAL_COMMANDS: Sequence[str] = ("tasks", "help", "")


def only_for_asker(command: str, reply: Reply) -> bool:
    """The one rule of who sees an answer given in a channel, for every listener (slash
    commands, clicks, mentions): private replies (secrets such as the webhook token), refusals
    and the answers to personal commands are shown to the asker alone (ephemeral)."""
    return reply.private or reply.problem is not None or command in PERSONAL_COMMANDS


# ---- the decision forms (map a workflow, capacity check) ---------------------------------

FORM_CALLBACK = "pc_form"


@dataclass(frozen=True)
class FormContext:
    """What a decision modal remembers between opening and submission."""

    channel: str
    direct: bool
    kind: str  # bot.forms.WORKFLOW or CAPACITY
    systems: tuple[str, ...] = ()

    def to_metadata(self) -> str:
        data = {"c": self.channel, "d": self.direct, "k": self.kind, "s": list(self.systems)}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        while len(text) > MAX_METADATA and data["s"]:
            data["s"] = data["s"][:-1]  # type: ignore[index]
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return text

    @classmethod
    def from_metadata(cls, text: str) -> FormContext:
        data = json.loads(text or "{}")
        systems = tuple(str(s) for s in data.get("s", []))
        return cls(channel=str(data.get("c", "")), direct=bool(data.get("d")),
                   kind=str(data.get("k", "")), systems=systems)  # fmt: skip


def _element(f: FormField) -> Any:
    placeholder = PlainTextObject(text=clip(f.placeholder, 150)) if f.placeholder else None
    if f.kind == "number":
        return NumberInputElement(action_id=VALUE_ACTION, is_decimal_allowed=True,
                                  min_value=None if f.min is None else str(f.min),
                                  max_value=None if f.max is None else str(f.max))  # fmt: skip
    if f.kind in ("choice", "multichoice"):
        options = [Option(value=o.value, text=PlainTextObject(text=clip(o.label, 75)))
                   for o in f.options]  # fmt: skip
        if f.kind == "multichoice":
            return CheckboxesElement(action_id=VALUE_ACTION, options=options)
        return StaticSelectElement(action_id=VALUE_ACTION, options=options)
    return PlainTextInputElement(action_id=VALUE_ACTION, multiline=f.kind == "multiline",
                                 max_length=f.max_length, placeholder=placeholder)  # fmt: skip


def form_modal(form: Form, context: FormContext) -> View:
    """One input block per field (block id = the field id), required ones not optional."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape(form.intro)))]
    for f in form.fields[: MAX_VIEW_BLOCKS - 1]:
        blocks.append(InputBlock(block_id=f.id, label=PlainTextObject(text=clip(f.label, 2000)),
                                 element=_element(f), optional=not f.required))  # fmt: skip
    return View(
        type="modal",
        callback_id=FORM_CALLBACK,
        title=PlainTextObject(text=clip(form.title, MAX_MODAL_TITLE)),
        submit=PlainTextObject(text=clip(form.submit, MAX_MODAL_TITLE)),
        close=PlainTextObject(text=clip(form.close, MAX_MODAL_TITLE)),
        private_metadata=context.to_metadata(),
        blocks=blocks,
    )


def form_values(form: Form, state: Mapping[str, Any]) -> dict[str, str]:
    """A submitted modal's values by field id (selects: the option value; checkboxes: the
    values comma-separated; inputs: the text)."""
    values = state.get("values") or {}
    found: dict[str, str] = {}
    for f in form.fields:
        field = (values.get(f.id) or {}).get(VALUE_ACTION) or {}
        if f.kind == "multichoice":
            chosen = field.get("selected_options") or []
            found[f.id] = ",".join(str(o.get("value") or "") for o in chosen)
        elif f.kind == "choice":
            found[f.id] = str((field.get("selected_option") or {}).get("value") or "")
        else:
            found[f.id] = str(field.get("value") or "").strip()
    return found
