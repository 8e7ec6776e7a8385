"""One Teams turn, SDK-free: Activity JSON in, the coach's replies as card messages out.

Messages and card submits go through ``Coach.handle`` (which de-duplicates by event id); a
submit becomes the chat command its button stands for. A refused check-in comes back as the
check-in card with the reason shown inline and the refused values kept.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from adapters.teams.card_model import CONTENT_TYPE, AdaptiveCard
from adapters.teams.cards import (
    FORM_ACTION,
    NOTE_ID,
    checkin_card,
    form_card,
    inert,
    is_short,
    reply_card,
    unstarred,
    value_id,
    welcome_card,
)
from adapters.teams.gateway import ActivityJson, InvokeResult
from adapters.teams.inbound import (
    PLATFORM,
    CardSubmit,
    bot_added,
    event_id,
    filled_metrics,
    is_personal,
    members_removed,
    reference_of,
    submit_commands,
    submit_of,
    tenant_of,
    to_inbound,
)
from adapters.teams.outbound import card_message, chart_data_url, text_message
from adapters.teams.references import ReferenceStore
from bot import forms
from bot.catalog import texts
from bot.clock import Clock
from bot.messages import ConversationRef, Inbound, Reply, plain_text
from bot.messages import Image as ImageBlock
from bot.ports import DeliveryError
from bot.services.coach import Coach
from bot.services.replies import queue_reply
from storage.repositories import UnitOfWorkFactory

log = logging.getLogger("pilot_coach.teams")

MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
PrivateSender = Callable[[ConversationRef, Reply], Awaitable[str | None]]


@dataclass(frozen=True)
class SubmitOutcome:
    messages: list[ActivityJson]  # the coach's other replies, as card messages
    refused_checkin: AdaptiveCard | None = None


class TeamsTurns:
    """The ``TurnHandler`` of Pilot Coach."""

    def __init__(
        self,
        coach: Coach,
        uow: UnitOfWorkFactory,
        clock: Clock,
        refs: ReferenceStore,
        default_language: str,
    ) -> None:
        self.coach = coach
        self.uow = uow
        self.clock = clock
        self.refs = refs
        self.default_language = default_language
        self.send_private: PrivateSender | None = None  # set by the adapter: its ``send``

    # ---- TurnHandler ------------------------------------------------------------------
    async def on_message(self, activity: ActivityJson) -> list[ActivityJson]:
        with self.coach.gate.admitted() as admitted:  # beyond the bound: the reply says busy
            return await self._message(activity) if admitted else self._busy()

    async def _message(self, activity: ActivityJson) -> list[ActivityJson]:
        name = await self.refs.remember(activity)
        submit = submit_of(activity)
        if submit is not None:
            outcome = await self._submit(activity, submit, name)
            refused = outcome.refused_checkin
            return ([card_message(refused)] if refused else []) + outcome.messages
        inbound = to_inbound(activity)
        inbound = replace(inbound, channel_name=name or inbound.channel_name)
        kind = forms.wants_form(inbound.text)
        if kind is not None:  # ``process add`` / ``capacity`` alone: the form card
            language, systems = await self.coach.form_context(inbound)
            return [card_message(form_card(forms.form_of(kind, texts(language), systems)))]
        return await self._render_all(inbound, await self.coach.handle(inbound))

    async def on_conversation_update(self, activity: ActivityJson) -> list[ActivityJson]:
        await self.refs.remember(activity)
        delivery = event_id(activity)
        if delivery is not None and not await self.refs.claim(delivery):
            return []
        for member in members_removed(activity):
            log.info("teams member removed tenant=%s member=%s", tenant_of(activity),
                     member.get("id"))  # fmt: skip
        if not bot_added(activity):
            return []
        language, _ = await self.coach.metrics_of(to_inbound(activity, text=""))
        card = welcome_card(texts(language), personal=is_personal(activity))
        return [card_message(card)]

    async def on_card_action(
        self, activity: ActivityJson
    ) -> tuple[list[ActivityJson], InvokeResult]:
        """Action.Execute: a refused check-in replaces the card in place, everything else is
        answered in the conversation like an Action.Submit."""
        with self.coach.gate.admitted() as admitted:
            if not admitted:
                busy = {"statusCode": 200, "type": MESSAGE_RESPONSE,
                        "value": texts(self.default_language)("load.busy")}  # fmt: skip
                return [], InvokeResult(200, busy)
            return await self._card_action(activity)

    async def _card_action(self, activity: ActivityJson) -> tuple[list[ActivityJson], InvokeResult]:
        name = await self.refs.remember(activity)
        submit = submit_of(activity)
        if submit is None:
            body = {"statusCode": 400, "type": "application/vnd.microsoft.error",
                    "value": {"code": "BadRequest", "message": "no action"}}  # fmt: skip
            return [], InvokeResult(200, body)
        outcome = await self._submit(activity, submit, name)
        if outcome.refused_checkin is not None:
            card = {"statusCode": 200, "type": CONTENT_TYPE,
                    "value": outcome.refused_checkin.to_json()}  # fmt: skip
            return outcome.messages, InvokeResult(200, card)
        summary = next((m.get("summary", "") for m in outcome.messages), "")
        body = {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": summary or "OK"}
        return outcome.messages, InvokeResult(200, body)

    async def on_error(self, activity: ActivityJson, error: Exception) -> list[ActivityJson]:
        return [text_message(texts(self.default_language)("teams.error"))]

    async def undelivered(self, activity: ActivityJson, answer: ActivityJson, error: str) -> None:
        """The connector refused an answer (5xx, a timeout): to the outbox, sent again to the
        same conversation by ``TeamsAdapter.send``."""
        extra = {"reference": json.dumps(reference_of(activity)), "rendered": json.dumps(answer)}
        ref = ConversationRef(PLATFORM, tenant_of(activity), extra=extra)
        summary = str(answer.get("summary") or answer.get("text") or "")
        await queue_reply(self.uow, self.clock, ref, Reply(text=summary), error)

    def _busy(self) -> list[ActivityJson]:
        return [text_message(texts(self.default_language)("load.busy"))]

    # ---- rendering --------------------------------------------------------------------
    async def render(
        self, workspace: str, reply: Reply, *, channel: str | None, user: str | None
    ) -> ActivityJson:
        """A reply as a card message (a short confirmation as plain text); a results reply's
        chart is embedded above the text."""
        if is_short(reply):
            return text_message(inert(unstarred(plain_text(reply.text))))
        language = reply.language or self.default_language
        chart = next((b.data for b in reply.blocks if isinstance(b, ImageBlock) and b.data), None)
        chart_url = chart_data_url(base64.b64decode(chart)) if chart else None
        shown = replace(
            reply, blocks=tuple(b for b in reply.blocks if not isinstance(b, ImageBlock))
        )
        return card_message(reply_card(shown, texts(language), chart_url=chart_url))

    async def _render_all(self, inbound: Inbound, replies: list[Reply]) -> list[ActivityJson]:
        """The turn's answers. A private reply asked for in a channel (Teams has no ephemeral
        messages) goes to the person's 1:1 chat instead; if that fails it is not shown at all."""
        channel = None if inbound.direct else inbound.channel
        out = []
        for reply in replies:
            if reply.private and channel is not None and self.send_private is not None:
                ref = ConversationRef(PLATFORM, inbound.workspace, user=inbound.user.id)
                try:
                    await self.send_private(ref, reply)
                    key = "teams.private.sent"
                except DeliveryError as exc:
                    log.warning("private reply not delivered: %s", exc.reason)
                    key = "teams.private.failed"
                language = (await self.coach.metrics_of(inbound))[0]
                out.append(text_message(texts(language)(key)))
                continue
            out.append(await self.render(inbound.workspace, reply, channel=channel,
                                         user=inbound.user.id))  # fmt: skip
        return out

    # ---- card submits -----------------------------------------------------------------
    async def _submit(
        self, activity: ActivityJson, submit: CardSubmit, channel_name: str
    ) -> SubmitOutcome:
        language, metrics = await self.coach.metrics_of(to_inbound(activity, text=""))
        t = texts(language)
        if submit.action == "checkin" and not submit.is_checkin_form:  # the nudge's button
            delivery = event_id(activity)
            if delivery is not None and not await self.refs.claim(delivery):
                return SubmitOutcome([])
            return SubmitOutcome([card_message(checkin_card(t, metrics))])
        if submit.action in forms.BUTTON_FORMS or submit.action == FORM_ACTION:
            return await self._form(activity, submit, channel_name)
        commands = submit_commands(submit, language)
        filled = filled_metrics(submit) if submit.is_checkin_form else []
        messages: list[ActivityJson] = []
        errors: list[str] = []
        kept: dict[str, str] = {}
        for index, command in enumerate(commands):
            suffix = f":{index}" if len(commands) > 1 else ""
            inbound = to_inbound(activity, text=command, event_suffix=suffix)
            inbound = replace(inbound, channel_name=channel_name or inbound.channel_name)
            for reply in await self.coach.handle(inbound):
                if submit.is_checkin_form and reply.problem is not None:
                    errors.append(reply.text)
                    if index < len(filled):
                        kept[value_id(filled[index][0])] = filled[index][2]
                    continue
                messages.extend(await self._render_all(inbound, [reply]))
        if not errors:
            return SubmitOutcome(messages)
        note = str(submit.data.get(NOTE_ID) or "")
        card = checkin_card(t, metrics, error="\n".join(errors), typed={**kept, NOTE_ID: note})
        return SubmitOutcome(messages, refused_checkin=card)

    async def _form(
        self, activity: ActivityJson, submit: CardSubmit, channel_name: str
    ) -> SubmitOutcome:
        """A decision form: the nudge's button sends the card; the card's Submit is checked
        field by field (a refused one comes back as the card with the reasons and the typed
        values), then runs as its chat command through the coach."""
        probe = to_inbound(activity, text="")
        language, systems = await self.coach.form_context(probe)
        t = texts(language)
        if submit.action in forms.BUTTON_FORMS:
            delivery = event_id(activity)
            if delivery is not None and not await self.refs.claim(delivery):
                return SubmitOutcome([])
            form = forms.form_of(forms.BUTTON_FORMS[submit.action], t, systems)
            return SubmitOutcome([card_message(form_card(form))])
        asked = submit.data.get("systems")
        asked_systems = tuple(str(s) for s in asked) if isinstance(asked, list) else ()
        form = forms.form_of(str(submit.data.get("form") or ""), t, asked_systems)
        typed = {f.id: str(submit.data.get(f.id) or "").strip() for f in form.fields}
        filled = forms.read_form(form, t, typed)
        if filled.errors:
            return SubmitOutcome([], refused_checkin=form_card(form, errors=filled.errors,
                                                               typed=typed))  # fmt: skip
        inbound = to_inbound(activity, text=filled.command)
        inbound = replace(inbound, channel_name=channel_name or inbound.channel_name)
        replies = await self.coach.handle(inbound)
        refused = next((r for r in replies if r.problem is not None), None)
        if refused is not None:
            errors = {form.fields[0].id: refused.text}
            return SubmitOutcome([], refused_checkin=form_card(form, errors=errors, typed=typed))
        return SubmitOutcome(await self._render_all(inbound, replies))
