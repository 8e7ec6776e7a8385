"""Replies as Adaptive Cards: the generic Reply -> card translation plus the Teams-only cards
(check-in form with inline validation, welcome). Text comes from the catalogs.

Every card carries the reply's plain text as ``fallbackText``. Buttons are ``Action.Submit``:
Teams posts their data back as an ordinary message with ``value`` on every client (desktop, web,
mobile, Emulator), which sidesteps botbuilder 4.17's broken invoke responses for the cards we send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from adapters.teams.card_model import (
    ActionSet,
    AdaptiveCard,
    Choice,
    ChoiceSetInput,
    Container,
    Element,
    Fact,
    FactSet,
    Image,
    LineChart,
    LineData,
    NumberInput,
    Submit,
    TextBlock,
    TextInput,
)
from adapters.teams.card_model import Table as TableElement
from bot.catalog import Texts
from bot.forms import Form
from bot.messages import (
    NOTIFY,
    Actions,
    BulletList,
    Button,
    Fields,
    Heading,
    Mention,
    Paragraph,
    Reply,
    Table,
    plain_text,
    render_mentions,
    split_mentions,
)
from bot.messages import Image as ImageBlock
from bot.messages import LineChart as ChartBlock
from playbook.parsing.numbers import MAX_NOTE

NOTE_ID = "note"


def value_id(index: int) -> str:
    return f"value{index}"


ZWSP = "\u200b"


def inert(text: str) -> str:
    """Typed text as Adaptive Card markdown that forms no link and no ``<at>`` tag: a zero-width
    space splits ``](`` and follows every ``<`` (every Teams client renders that as written)."""
    return text.replace("](", "]" + ZWSP + "(").replace("<", "<" + ZWSP)


class CardText:
    """Reply text for one card: inert but for the core's mention tokens, which become
    ``<at>Name</at>`` with the ``mention`` entity Teams needs to notify that person."""

    def __init__(self) -> None:
        self.mentions: dict[str, dict[str, object]] = {}

    def __call__(self, text: str) -> str:
        return render_mentions(text, self._mention, inert)

    def _mention(self, found: Mention) -> str:
        if found.kind != NOTIFY or not found.id:
            return inert(found.label)
        tag = f"<at>{inert(found.name or found.id)}</at>"
        self.mentions.setdefault(tag, {"type": "mention", "text": tag,
                                       "mentioned": {"id": found.id,
                                                     "name": found.name or found.id}})  # fmt: skip
        return tag


def _paragraph(text: str) -> list[Element]:
    return [TextBlock(line) for line in text.split("\n") if line.strip()]


def _button(button: Button) -> Submit:
    data: dict[str, object] = {"action": button.action}
    if button.value:
        data["task" if button.action == "done" else "value"] = button.value
    done = button.action == "done"
    return Submit(plain_text(button.label), data, style="positive" if done else None)


def _actions(block: Actions, t: Texts) -> ActionSet:
    actions = [_button(b) for b in block.buttons]
    if any(b.action == "done" for b in block.buttons):  # a weekly nudge: offer to snooze it
        actions.append(Submit(t("action.snooze"), {"action": "snooze"}))
    return ActionSet(tuple(actions))


def _image_url(path: str) -> str | None:
    return path if path.startswith(("https://", "data:image/")) else None  # Teams: https only


def unstarred(text: str) -> str:
    """Plain text without the ``*bold*`` marks of Slack's mrkdwn (the core marks headings so):
    Teams shows ``fallbackText`` and notification summaries as written."""
    return _STARRED.sub(r"\1", text)


_STARRED = re.compile(r"^\*(.+?)\*$", re.MULTILINE)


SHORT = 280  # characters: a confirmation, not a report


def is_short(reply: Reply) -> bool:
    """A one-paragraph answer without buttons or a mention that notifies ("Snoozed: …",
    "Done: …"): Teams shows it as a plain message, not a full-width card."""
    if len(reply.text) > SHORT or any(
        isinstance(part, Mention) and part.kind == NOTIFY for part in split_mentions(reply.text)
    ):
        return False
    return all(isinstance(b, Paragraph) and b.text == reply.text for b in reply.blocks)


def _charts(blocks: Sequence[ChartBlock], chart_url: str | None, t: Texts) -> list[Element]:
    """Each metric as a Chart.Line; the first falls back to the whole PNG on hosts without
    charts, the others to nothing (the PNG shows every metric)."""
    out: list[Element] = []
    for index, chart in enumerate(blocks):
        data = tuple(
            LineData(s.name, tuple((x, y) for x, y in zip(chart.labels, s.values, strict=True)
                                   if y is not None))
            for s in chart.series
        )  # fmt: skip
        fallback = Image(chart_url, t("teams.chart_alt")) if chart_url and not index else None
        out.append(LineChart(plain_text(chart.title), data, fallback=fallback))
    return out


def reply_card(reply: Reply, t: Texts, chart_url: str | None = None) -> AdaptiveCard:
    """Any reply as a card: headings, paragraphs, facts, bullets, tables, images and buttons;
    a results reply's charts (or, without chart data, its PNG) right under the heading."""
    body: list[Element] = []
    md = CardText()
    charts = [b for b in reply.blocks if isinstance(b, ChartBlock)]
    for block in reply.blocks or (Paragraph(reply.text),):
        if isinstance(block, Heading):
            body.append(TextBlock(md(block.text), size="medium", weight="bolder"))
            if len(body) == 1 and charts:
                body.extend(_charts(charts, chart_url, t))
                charts = []
            elif chart_url is not None and len(body) == 1:
                body.append(Image(chart_url, t("teams.chart_alt")))
        elif isinstance(block, Paragraph):
            body.extend(_paragraph(md(block.text)))
        elif isinstance(block, Fields):
            body.append(FactSet(tuple(Fact(md(k), md(v)) for k, v in block.pairs)))
        elif isinstance(block, BulletList):
            items = tuple(TextBlock(f"• {md(item)}", spacing="none") for item in block.items)
            body.append(Container(items))
        elif isinstance(block, Table):
            rows = (block.header, *block.rows)
            body.append(TableElement(tuple(tuple(md(c) for c in row) for row in rows)))
        elif isinstance(block, Actions):
            body.append(_actions(block, t))
        elif isinstance(block, ImageBlock):
            url = _image_url(block.path)
            if url is not None:
                body.append(Image(url, plain_text(block.alt)))
    body.extend(_charts(charts, chart_url, t))  # no heading to put them under: at the end
    return AdaptiveCard(body=tuple(body), fallback_text=inert(unstarred(plain_text(reply.text))),
                        mentions=tuple(md.mentions.values()))  # fmt: skip


def checkin_card(
    t: Texts,
    metrics: Sequence[tuple[str, str]],
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> AdaptiveCard:
    """Number inputs, one per metric, with the coach's refusal shown inline above them."""
    typed = typed or {}
    body: list[Element] = [TextBlock(t("action.checkin"), size="medium", weight="bolder")]
    if not metrics:
        body.append(TextBlock(t("checkin.no_metrics")))
        return AdaptiveCard(body=tuple(body), fallback_text=t("checkin.no_metrics"))
    body.append(TextBlock(t("teams.checkin.hint"), is_subtle=True))
    if error:
        body.append(Container((TextBlock(CardText()(error), color="attention", weight="bolder"),),
                              style="attention"))  # fmt: skip
    for index, (name, unit) in enumerate(metrics):
        previous = _number(typed.get(value_id(index), ""))
        body.append(
            NumberInput(value_id(index), t("teams.checkin.value_label", name=name, unit=unit),
                        min=0, value=previous, placeholder=unit,
                        error_message=t("teams.checkin.invalid"))
        )  # fmt: skip
    body.append(TextInput(NOTE_ID, t("teams.checkin.note"), value=typed.get(NOTE_ID),
                          max_length=MAX_NOTE))  # fmt: skip
    submit = Submit(t("teams.checkin.submit"),
                    {"action": "checkin", "metrics": [name for name, _ in metrics]},
                    style="positive")  # fmt: skip
    usage = t("teams.checkin.fallback", names=", ".join(name for name, _ in metrics))
    fallback = "\n".join([*([plain_text(error)] if error else []), t("action.checkin"), usage])
    return AdaptiveCard(body=tuple(body), fallback_text=fallback, actions=(submit,))


def _number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", ".")) if raw.strip() else None
    except ValueError:
        return None


def welcome_card(t: Texts, *, personal: bool) -> AdaptiveCard:
    """Sent once when the bot is added to a team, a chat or someone's personal scope."""
    lead = t("teams.welcome.personal" if personal else "teams.welcome.channel")
    body: list[Element] = [
        TextBlock(t("teams.welcome.title"), size="medium", weight="bolder"),
        *_paragraph(lead),
        TextBlock(t("teams.welcome.formula"), is_subtle=True),
    ]
    actions = [Submit(t("teams.button.help"), {"action": "help"})]
    if not personal:
        actions.insert(0, Submit(t("teams.button.start"), {"action": "start"}, style="positive"))
    text = "\n".join([t("teams.welcome.title"), lead, t("teams.welcome.formula")])
    return AdaptiveCard(body=tuple(body), fallback_text=text, actions=tuple(actions))


FORM_ACTION = "form"  # the Submit of a decision form card: data {"action": "form", "form": kind}


def form_card(
    form: Form, *, errors: Mapping[str, str] | None = None, typed: Mapping[str, str] | None = None
) -> AdaptiveCard:
    """A decision form as inputs with the client-side checks Teams runs before sending
    (``isRequired``, ``min``/``max``, ``errorMessage``) and, when the bot refused a submit, the
    card again with each refused field's reason above it and what was typed kept."""
    errors, typed = errors or {}, typed or {}
    body: list[Element] = [TextBlock(form.title, size="medium", weight="bolder"),
                           TextBlock(form.intro, is_subtle=True)]  # fmt: skip
    for f in form.fields:
        if f.id in errors:
            body.append(TextBlock(CardText()(errors[f.id]), color="attention", weight="bolder"))
        value = typed.get(f.id) or None
        error = f.error or None
        if f.kind == "number":
            body.append(NumberInput(f.id, f.label, min=f.min, max=f.max, value=_number(value or ""),
                                    is_required=f.required, error_message=error))  # fmt: skip
        elif f.kind in ("choice", "multichoice"):
            choices = tuple(Choice(o.label, o.value) for o in f.options)
            multi = f.kind == "multichoice"
            body.append(ChoiceSetInput(f.id, f.label, choices, value=value, is_multi_select=multi,
                                       is_required=f.required, error_message=error,
                                       style="expanded" if multi else "compact"))  # fmt: skip
        else:
            body.append(TextInput(f.id, f.label, value=value, placeholder=f.placeholder or None,
                                  max_length=f.max_length, is_multiline=f.kind == "multiline",
                                  is_required=f.required, error_message=error))  # fmt: skip
    data: dict[str, object] = {"action": FORM_ACTION, "form": form.kind}
    if form.systems:
        data["systems"] = list(form.systems)
    submit = Submit(form.submit, data, style="positive")
    fallback = "\n".join([*(plain_text(e) for e in errors.values()), form.title, form.intro])
    return AdaptiveCard(body=tuple(body), fallback_text=inert(fallback), actions=(submit,))
