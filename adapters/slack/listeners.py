"""The bolt listeners: each acknowledges Slack first, then turns the request into the engine's
``Inbound``, asks the coach, and answers with Block Kit.

Slash commands and clicks answer through their ``response_url`` (works in any channel, even one
the bot has not joined); mentions and direct messages with chat.postMessage, refusals in a
channel as an ephemeral message. A check-in modal is the one place whose answer goes into the
acknowledgement itself: values the playbook refuses come back as inline ``errors``.

Every acknowledged request ends with an answer: an answer that fails to send (a ``response_url``
500, a chat.postEphemeral error, a timeout) goes to the outbox and is retried
(``bot.services.replies``). Beyond the process's in-flight bound (``bot.inflight``) the
acknowledgement itself says "busy, try again in a minute", and nothing else is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound as slack_in
from adapters.slack.delivery import DmChannels, ResponseUrls, error_code, post, upload
from adapters.slack.outbound import (
    MAX_BLOCKS,
    action_kind,
    clip,
    images_to_upload,
    message,
    plain,
    to_blocks,
)
from adapters.slack.people import Directory
from adapters.slack.surfaces import (
    CHECKIN_CALLBACK,
    FORM_CALLBACK,
    CheckinContext,
    FormContext,
    checkin_modal,
    form_modal,
    form_values,
    home_view,
    only_for_asker,
    read_checkin,
    role_picker,
)
from bot import forms
from bot.catalog import Texts, texts
from bot.messages import ConversationRef, Inbound, PersonRef, Reply
from bot.services.coach import Coach
from bot.services.replies import queue_reply

log = logging.getLogger("pilot_coach.slack")

Body = dict[str, Any]


class Tracker:
    """Counts listeners still working after their ack, so ``stop`` (and tests) can wait.
    Errors are left to bolt, which logs them (and answers 500 when nothing was acknowledged)."""

    def __init__(self) -> None:
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        self._active += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def drain(self, seconds: float = 10.0) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)


class Listeners:
    def __init__(
        self, coach: Coach, directory: Directory, tracker: Tracker, dms: DmChannels,
        answers: ResponseUrls | None = None,
    ) -> None:  # fmt: skip
        self.coach = coach
        self.directory = directory
        self.tracker = tracker
        self.dms = dms
        self.answers = answers or ResponseUrls()

    def register(self, app: AsyncApp) -> None:
        app.command(re.compile(r"^/pilot"))(self.command)
        app.event("app_mention")(self.mention)
        app.event("message")(self.direct_message)
        app.event("app_home_opened")(self.home_opened)
        app.action(re.compile(r"^pc_"))(self.action)
        app.view(CHECKIN_CALLBACK)(self.checkin_submitted)
        app.view(FORM_CALLBACK)(self.form_submitted)

    # ---- helpers ----------------------------------------------------------------------
    async def _named(self, client: AsyncWebClient, inbound: Inbound) -> Inbound:
        names = await self.directory.names(client, inbound.workspace, slack_in.people_of(inbound))
        return slack_in.with_names(inbound, names)

    async def _texts(self, inbound: Inbound) -> Texts:
        language, _ = await self.coach.metrics_of(inbound)
        return texts(language)

    async def _render(
        self, inbound: Inbound, reply: Reply, extra: Sequence[Block] = ()
    ) -> dict[str, Any]:
        more = "…"
        if len(to_blocks(reply, max_blocks=10_000)) > MAX_BLOCKS - len(extra):
            more = (await self._texts(inbound))("slack.more")
        return message(reply, extra, more=more)

    async def _extras(self, inbound: Inbound, reply: Reply) -> list[Block]:
        if reply.problem is None and slack_in.command_name(inbound.text) == "start":
            return role_picker(await self._texts(inbound))
        return []

    async def _respond(self, respond: AsyncRespond, inbound: Inbound, replies: list[Reply]) -> None:
        name = slack_in.command_name(inbound.text)
        for reply in replies:
            payload = await self._render(inbound, reply, await self._extras(inbound, reply))
            kind = "ephemeral" if only_for_asker(name, reply) else "in_channel"
            await self._answer(respond, inbound.workspace, inbound.user.id, reply,
                               {**payload, "response_type": kind})  # fmt: skip

    async def _answer(
        self, respond: AsyncRespond, team: str, user: str, reply: Reply, body: dict[str, Any]
    ) -> None:
        """POST one answer to the ``response_url``; if that fails, to the outbox."""
        body = {**body, "replace_original": False}
        try:
            status = await self.answers.send(str(respond.response_url), body)
            error = "" if 200 <= status < 300 else f"http_{status}"
        except Exception as exc:  # a timeout, a reset: the answer must not vanish
            error = type(exc).__name__
        if error:
            extra = {"response_url": str(respond.response_url), "rendered": json.dumps(body)}
            ref = ConversationRef(slack_in.PLATFORM, team, user=user, extra=extra)
            await queue_reply(self.coach.uow, self.coach.clock, ref, reply, error)

    async def _queue(
        self, inbound: Inbound, channel: str, reply: Reply, body: dict[str, Any], error: str,
        ephemeral: bool,
    ) -> None:  # fmt: skip
        extra = {"rendered": json.dumps(body)} | ({"ephemeral": "1"} if ephemeral else {})
        ref = ConversationRef(slack_in.PLATFORM, inbound.workspace, channel=channel,
                              user=inbound.user.id, extra=extra)  # fmt: skip
        await queue_reply(self.coach.uow, self.coach.clock, ref, reply, error)

    async def _say(self, client: AsyncWebClient, inbound: Inbound, replies: list[Reply],
                   thread_ts: str | None = None) -> None:  # fmt: skip
        channel = inbound.channel or await self.dms.channel(
            client, inbound.workspace, inbound.user.id
        )
        name = slack_in.command_name(inbound.text)
        for reply in replies:
            payload = await self._render(inbound, reply, await self._extras(inbound, reply))
            ephemeral = not inbound.direct and only_for_asker(name, reply)
            try:
                if ephemeral:
                    await client.chat_postEphemeral(channel=channel, user=inbound.user.id,
                                                    **payload)  # fmt: skip
                    continue
                await post(client, channel, payload, thread_ts)
            except Exception as exc:  # Slack's error or a timeout: retried from the outbox
                error = error_code(exc) if isinstance(exc, SlackApiError) else ""
                await self._queue(inbound, channel, reply, payload, error or type(exc).__name__,
                                  ephemeral)  # fmt: skip
                continue
            for image in images_to_upload(reply):
                try:
                    await upload(client, channel, image)
                except Exception as exc:  # the answer is there; its chart is not essential
                    log.warning("slack chart not uploaded error=%s", type(exc).__name__)

    async def _reply_to_interaction(
        self, body: Body, client: AsyncWebClient, respond: AsyncRespond, inbound: Inbound,
        replies: list[Reply],
    ) -> None:  # fmt: skip
        if body.get("response_url"):
            await self._respond(respond, inbound, replies)
        else:  # the App Home has no response_url: answer in the DM
            await self._say(client, inbound, replies)

    # ---- listeners ----------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _answering(
        self, sorry: Callable[[dict[str, Any]], Awaitable[Any]]
    ) -> AsyncIterator[None]:
        """Work after the ack: if it fails, the person is told (in the default language, as the
        pilot may be what failed to load) instead of waiting for an answer that never comes.
        The log names the error class only: exception texts can quote what people typed."""
        async with self.tracker.busy():
            try:
                yield
            except Exception as exc:
                log.error("slack listener failed error=%s", type(exc).__name__)
                t = texts(self.coach.defaults.language)
                reply = Reply(text=t("command.failed"), problem="command.failed")
                try:
                    await sorry(message(reply))
                except Exception as failed:  # the apology is best effort
                    log.warning("slack apology not delivered error=%s", type(failed).__name__)

    def _busy(self) -> Reply:
        t = texts(self.coach.defaults.language)
        return Reply(text=t("load.busy"), problem="load.busy")

    async def command(
        self, ack: AsyncAck, body: Body, client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        team, user = slack_in.team_of(body), str(body.get("user_id") or "")

        async def sorry(payload: dict[str, Any]) -> None:
            failed = Reply(text=str(payload.get("text", "")), problem="command.failed")
            await self._answer(
                respond, team, user, failed, {**payload, "response_type": "ephemeral"}
            )

        with self.coach.gate.admitted() as admitted:
            if not admitted:  # the ack itself answers: nothing accepted that is not done
                await ack(**message(self._busy()), response_type="ephemeral")
                return
            async with self._answering(sorry):
                await ack()
                inbound = await self._named(client, slack_in.from_command(body))
                if _wants_modal(inbound.text):
                    await self._open_checkin(body, client, respond, inbound)
                    return
                kind = forms.wants_form(inbound.text)
                if kind is not None:
                    await self._open_form(body, client, inbound, kind)
                    return
                await self._respond(respond, inbound, await self.coach.handle(inbound))

    async def mention(self, body: Body, client: AsyncWebClient, context: AsyncBoltContext) -> None:
        event = body.get("event") or {}

        async def sorry(payload: dict[str, Any]) -> None:
            if event.get("channel_type") == "im":
                await client.chat_postMessage(channel=str(event.get("channel")), **payload)
            else:
                await client.chat_postEphemeral(channel=str(event.get("channel")),
                                                user=str(event.get("user")), **payload)  # fmt: skip

        found = slack_in.from_message(body, context.bot_user_id)
        if found is None:
            return
        with self.coach.gate.admitted() as admitted:
            if not admitted:  # Slack took the event already: the answer says busy at once
                async with self._answering(sorry):
                    await self._say(client, found, [self._busy()], event.get("thread_ts"))
                return
            async with self._answering(sorry):
                inbound = await self._named(client, found)
                replies = await self.coach.handle(inbound)
                await self._say(client, inbound, replies, event.get("thread_ts"))

    async def direct_message(
        self, body: Body, client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if (body.get("event") or {}).get("channel_type") != "im":
            return
        await self.mention(body, client, context)

    async def home_opened(self, body: Body, client: AsyncWebClient) -> None:
        event = body.get("event") or {}
        if event.get("tab") != "home" or not event.get("user"):
            return
        with self.coach.gate.admitted() as admitted:
            if admitted:
                await self._home(body, client, event)
            else:  # a refresh of a view, not a command: the next opening shows it
                log.info("slack app home skipped: busy")

    async def _home(self, body: Body, client: AsyncWebClient, event: Body) -> None:
        async with self.tracker.busy():
            team = slack_in.team_of(body)
            names = await self.directory.names(client, team, [event["user"]])
            person = PersonRef(id=str(event["user"]), name=names.get(event["user"], ""))
            reply = await self.coach.home(slack_in.PLATFORM, team, person)
            await client.views_publish(user_id=person.id, view=home_view(reply))

    async def action(
        self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:  # fmt: skip
        team, user = slack_in.team_of(body), slack_in.actor(body).id

        async def sorry(payload: dict[str, Any]) -> None:
            if body.get("response_url"):
                failed = Reply(text=str(payload.get("text", "")), problem="command.failed")
                await self._answer(
                    respond, team, user, failed, {**payload, "response_type": "ephemeral"}
                )

        with self.coach.gate.admitted() as admitted:
            if not admitted:
                await ack()
                await sorry(message(self._busy()))
                return
            await self._act(ack, body, action, client, respond, sorry)

    async def _act(
        self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient,
        respond: AsyncRespond, sorry: Callable[[dict[str, Any]], Awaitable[Any]],
    ) -> None:  # fmt: skip
        async with self._answering(sorry):
            await ack()
            kind = action_kind(str(action.get("action_id") or ""))
            home = slack_in.home_channel(action)
            if kind in ("checkin", "home_checkin"):
                channel, direct = slack_in.interaction_place(body)
                if home is not None:
                    channel, direct = home, True
                probe = Inbound(platform=slack_in.PLATFORM, workspace=slack_in.team_of(body),
                                channel=channel, user=slack_in.actor(body), text="",
                                direct=direct)  # fmt: skip
                await self._open_checkin(body, client, respond, probe)
                return
            form_kind = forms.BUTTON_FORMS.get(kind)
            if form_kind is not None:
                channel, direct = slack_in.interaction_place(body)
                probe = Inbound(platform=slack_in.PLATFORM, workspace=slack_in.team_of(body),
                                channel=channel, user=slack_in.actor(body), text="",
                                direct=direct)  # fmt: skip
                await self._open_form(body, client, probe, form_kind)
                return
            found = slack_in.from_action(body, action)
            if found is None:
                return
            inbound = await self._named(client, found)
            replies = await self.coach.handle(inbound)
            if home is not None:  # from the App Home: answered in the DM, the home refreshed
                dm = await self.dms.channel(client, inbound.workspace, inbound.user.id)
                await self._say(client, replace(inbound, channel=dm), replies)
                await self._home(body, client, {"user": inbound.user.id})
                return
            await self._reply_to_interaction(body, client, respond, inbound, replies)

    async def _open_checkin(
        self, body: Body, client: AsyncWebClient, respond: AsyncRespond, inbound: Inbound
    ) -> None:
        language, metrics = await self.coach.metrics_of(inbound)
        t = texts(language)
        if not metrics:
            refusal = Reply(text=t("checkin.no_metrics"), problem="checkin.no_metrics")
            await self._reply_to_interaction(body, client, respond, inbound, [refusal])
            return
        context = CheckinContext(inbound.channel, inbound.direct, tuple(metrics))
        await client.views_open(trigger_id=body["trigger_id"], view=checkin_modal(t, context))

    async def checkin_submitted(
        self, ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        with self.coach.gate.admitted() as admitted:
            if admitted:
                await self._submitted(ack, body, view, client)
                return
            first = next((b.get("block_id") for b in view.get("blocks") or []
                          if b.get("type") == "input" and b.get("block_id")), None)  # fmt: skip
            busy = clip(plain(self._busy().text), 2000)
            if first:  # the modal stays open with the values typed, saying busy
                await ack(response_action="errors", errors={str(first): busy})
            else:
                await ack()

    async def _submitted(
        self, ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        async with self.tracker.busy():
            context = CheckinContext.from_metadata(str(view.get("private_metadata") or ""))
            probe = slack_in.from_form(body, context.channel, context.direct, "", -1)
            t = await self._texts(probe)
            form = read_checkin(t, context, view.get("state") or {})
            if form.errors:
                await ack(response_action="errors", errors=form.errors)
                return
            done: list[Reply] = []
            for index, (block_id, text) in enumerate(form.commands):
                inbound = slack_in.from_form(body, context.channel, context.direct, text, index)
                replies = await self.coach.handle(inbound)
                refused = next((r for r in replies if r.problem is not None), None)
                if refused is not None:
                    await ack(
                        response_action="errors", errors={block_id: clip(plain(refused.text), 2000)}
                    )
                    break
                done.extend(replies)
            else:
                await ack()
            if done:
                await self._confirm(client, probe, done)

    async def _open_form(
        self, body: Body, client: AsyncWebClient, inbound: Inbound, kind: str
    ) -> None:
        """The workflow modal or the capacity modal (asking about each system the candidate
        workflows name), opened with the click's or the slash command's trigger id."""
        language, systems = await self.coach.form_context(inbound)
        form = forms.form_of(kind, texts(language), systems)
        context = FormContext(inbound.channel, inbound.direct, kind, form.systems)
        await client.views_open(trigger_id=body["trigger_id"], view=form_modal(form, context))

    async def form_submitted(
        self, ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        """Each field checked by the grammar's rules: errors come back inline (response_action
        "errors"); a valid form runs as its chat command, and a refusal of the coach (at most
        three workflows, not the role for it) shows inline too. Nothing is stored until then."""
        async with self.tracker.busy():
            context = FormContext.from_metadata(str(view.get("private_metadata") or ""))
            probe = slack_in.from_form(body, context.channel, context.direct, "", -1)
            t = await self._texts(probe)
            form = forms.form_of(context.kind, t, context.systems)
            filled = forms.read_form(form, t, form_values(form, view.get("state") or {}))
            if filled.errors:
                errors = {k: clip(plain(v), 2000) for k, v in filled.errors.items()}
                await ack(response_action="errors", errors=errors)
                return
            inbound = slack_in.from_form(body, context.channel, context.direct, filled.command, 0)
            replies = await self.coach.handle(inbound)
            refused = next((r for r in replies if r.problem is not None), None)
            if refused is not None:
                first = form.fields[0].id
                await ack(response_action="errors", errors={first: clip(plain(refused.text), 2000)})
                return
            await ack()
            if replies:
                await self._confirm(client, probe, replies)

    async def _confirm(self, client: AsyncWebClient, probe: Inbound, replies: list[Reply]) -> None:
        """Check-in confirmations go to the person's DM with the bot."""
        try:
            channel = probe.channel if probe.direct and probe.channel.startswith("D") else ""
            dm = replace(probe, channel=channel, direct=True)
            await self._say(client, dm, replies)
        except SlackApiError as exc:
            log.warning("check-in confirmation not delivered error=%s", error_code(exc))


def _wants_modal(text: str) -> bool:
    """``/pilot checkin`` without a value opens the check-in modal."""
    return slack_in.command_name(text) == "checkin" and len(text.split()) == 1
