"""Every surface the bot shows, rendered by the real translators from a real pilot: a pilot is
played through the coach (start, roles, workflows, metrics, twelve weeks of check-ins and the
scheduler's nudges), and each reply goes through the Slack and Teams renderers, next to the
Slack-only surfaces (role picker, App Home, check-in modal, decision forms) and the Teams-only
cards (check-in with and without an inline error, decision forms, welcome). Deterministic: a
simulated clock and an embedded SQLite database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters.slack.outbound import message
from adapters.slack.surfaces import (
    CheckinContext,
    FormContext,
    checkin_modal,
    form_modal,
    home_view,
    is_nudge,
    role_picker,
    with_snooze,
)
from adapters.teams.cards import checkin_card, form_card, reply_card, welcome_card
from adapters.teams.outbound import chart_data_url
from bot import forms
from bot.app import build_app
from bot.catalog import texts
from bot.clock import SimulatedClock
from bot.messages import ConversationRef, Image, Inbound, PersonRef, Reply
from tests.conftest import START, make_settings

PEOPLE = {"clara": "UCLARA01", "olaf": "UOLAF002", "ines": "UINES003"}

SCRIPT = (
    ("clara", "start 2027-01-04"),
    ("clara", "assign champion @clara"),
    ("clara", "assign integrator @ines"),
    ("clara", "assign modeler @olaf"),
    ("olaf", "process add Triage inputs=tickets outputs=repair order hours=12 systems=SAP"),
    ("olaf", "process add Parts hours=6"),
    ("olaf", 'metric add "repair time" days baseline=8 target=6 lower'),
    ("olaf", "metric add effort h baseline=12"),
    ("clara", "status"),
    ("olaf", "tasks"),
    ("clara", "processes"),
    ("clara", "help"),
    ("clara", "help checkin"),
    ("clara", "metric tokn"),
    ("olaf", "checkin repair time minus"),
)
#: (week, repair time, effort) checked in each week; the rest of the script on the way.
WEEKS = ((2, "8", "12"), (3, "7,5", "11"), (5, "7", "10"), (9, "6", "8"), (10, "5,5", "7"))
LATER = {
    3: (("clara", "process pick 1"),),
    9: (("clara", "status"), ("olaf", "snooze")),
    10: (("ines", "retro 1 Clear <rules> & *good* data"), ("clara", "results")),
}


@dataclass
class Recorder:
    """The chat platform at the adapter boundary: keeps every proactive message as sent."""

    platform: str = "console"
    sent: list[Reply] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        self.sent.append(reply)
        return f"m{len(self.sent)}"

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        self.sent.append(reply)


def _inbound(user: str, text: str, language: str) -> Inbound:
    mentions = {tok: PersonRef(PEOPLE[tok[1:]], tok[1:].title())
                for tok in text.split() if tok.startswith("@") and tok[1:] in PEOPLE}  # fmt: skip
    return Inbound(platform="console", workspace="T0001", channel="C0PILOT01",
                   channel_name="ki-pilot", user=PersonRef(PEOPLE[user], user.title()),
                   text=text, mentions=mentions)  # fmt: skip


async def play(db_url: str, language: str) -> tuple[list[Reply], list[Reply], Reply]:
    """(answers, proactive messages, Olaf's App Home) of one pilot in ``language``."""
    clock = SimulatedClock(START)
    recorder = Recorder()
    app = build_app(make_settings(db_url, language), clock=clock, adapters={"console": recorder})
    answers: list[Reply] = []
    try:
        for user, text in SCRIPT:
            answers += await app.coach.handle(_inbound(user, text, language))
        for week, repair, effort in WEEKS:
            await app.scheduler.run_until(clock, START + timedelta(weeks=week - 1, hours=1))
            week_script = (("olaf", f"checkin repair time {repair} bis jetzt ok"),
                           ("olaf", f"checkin effort {effort}"), *LATER.get(week, ()))  # fmt: skip
            for user, text in week_script:
                answers += await app.coach.handle(_inbound(user, text, language))
        home = await app.coach.home("console", "T0001", PersonRef(PEOPLE["olaf"], "Olaf"))
    finally:
        await app.close()
    return answers, recorder.sent, home


def slack_payloads(language: str, answers: list[Reply], sent: list[Reply],
                   home: Reply) -> dict[str, dict[str, Any]]:  # fmt: skip
    """name -> {"blocks": [...]} (chat.postMessage) or {"view": {...}} (views.open/publish)."""
    t = texts(language)
    out: dict[str, dict[str, Any]] = {}
    for index, reply in enumerate(answers):
        out[f"answer_{index:02d}"] = {"blocks": message(reply)["blocks"]}
    out["answer_start_roles"] = {"blocks": message(answers[0], role_picker(t))["blocks"]}
    for index, reply in enumerate(sent):
        shown = with_snooze(reply, t("action.snooze")) if is_nudge(reply) else reply
        out[f"sent_{index:02d}"] = {"blocks": message(shown)["blocks"]}
    out["home"] = {"view": home_view(home).to_dict()}
    metrics = (("repair time", "days"), ("effort", "h"))
    context = CheckinContext("C0PILOT01", False, metrics)
    out["checkin_modal"] = {"view": checkin_modal(t, context).to_dict()}
    for kind in (forms.WORKFLOW, forms.CAPACITY):
        form = forms.form_of(kind, t, ("SAP", "Excel"))
        context = FormContext("C0PILOT01", False, kind, ("SAP", "Excel"))
        out[f"form_{kind}"] = {"view": form_modal(form, context).to_dict()}
    return out


def teams_cards(language: str, answers: list[Reply], sent: list[Reply]) -> dict[str, Any]:
    """name -> Adaptive Card JSON, rendered as ``TeamsTurns.render`` does (the chart PNG as a
    data URL, which Chart.Line falls back to)."""
    t = texts(language)
    out: dict[str, Any] = {}
    for name, replies in (("answer", answers), ("sent", sent)):
        for index, reply in enumerate(replies):
            png = next((b.data for b in reply.blocks if isinstance(b, Image) and b.data), None)
            url = chart_data_url(__import__("base64").b64decode(png)) if png else None
            blocks = tuple(b for b in reply.blocks if not isinstance(b, Image))
            shown = Reply(text=reply.text, blocks=blocks, language=reply.language)
            out[f"{name}_{index:02d}"] = reply_card(shown, t, chart_url=url).to_json()
    metrics = [("repair time", "days"), ("effort", "h")]
    out["checkin"] = checkin_card(t, metrics).to_json()
    typed = {"value0": "-3", "note": "x"}
    out["checkin_refused"] = checkin_card(t, metrics, error="-3 is negative", typed=typed).to_json()
    out["checkin_empty"] = checkin_card(t, []).to_json()
    for kind in (forms.WORKFLOW, forms.CAPACITY):
        form = forms.form_of(kind, t, ("SAP", "Excel"))
        out[f"form_{kind}"] = form_card(form).to_json()
        first = form.fields[0].id
        out[f"form_{kind}_refused"] = form_card(form, errors={first: "too long"},
                                                typed={first: "x"}).to_json()  # fmt: skip
    out["welcome_channel"] = welcome_card(t, personal=False).to_json()
    out["welcome_personal"] = welcome_card(t, personal=True).to_json()
    return out


def write(directory: Path, payloads: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, payload in payloads.items():
        (directory / f"{name}.json").write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
