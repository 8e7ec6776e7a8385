"""``BotConnector`` on botbuilder-python 4.17: CloudAdapter, ActivityHandler, connector errors.

The only module that imports botbuilder/botframework. Two deliberate departures from the
samples:

- ``handle`` replaces ``CloudAdapter.process``. 4.17's ``process`` runs ``serializer_helper`` over
  an invoke response body that ``ActivityHandler`` has already serialised, so every invoke
  (``adaptiveCard/action``) is answered with HTTP 500. Here the body is written as the plain JSON
  it already is. Authentication runs first and on its own, so a bad or missing token is a 401
  and never reaches the bot.
- The turn handler gets the Activity JSON exactly as posted: msrest's ``Activity`` model drops
  what it does not know (mention entities' ``mentioned``, ``conversation.tenantId``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

from adapters.teams.gateway import ActivityJson, ConnectorBusy, ReferenceJson, TurnHandler
from bot.limits import MAX_ACTIVITY, BadJson, load_json
from bot.ports import DeliveryError

log = logging.getLogger("pilot_coach.teams")

_RAW: ContextVar[ActivityJson | None] = ContextVar("teams_raw_activity", default=None)
# Teams error codes after which retrying cannot help: the chat or the bot's access is gone.
GONE = frozenset(
    {
        "ConversationNotFound",
        "BotNotInConversationRoster",
        "ConversationBlockedByUser",
        "BotDisabledByAdmin",
        "ForbiddenOperationException",
        "MessageSizeTooBig",
    }
)
PERMANENT_STATUS = frozenset({400, 403, 404, 413})


@dataclass(frozen=True)
class Credentials:
    app_id: str = ""
    app_password: str = ""
    tenant_id: str = ""
    app_type: str = ""


class _Configuration:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    def __init__(self, credentials: Credentials) -> None:
        self.APP_ID = credentials.app_id
        self.APP_PASSWORD = credentials.app_password
        self.APP_TENANTID = credentials.tenant_id
        # without an app id only MultiTenant runs unauthenticated (Emulator / local testing)
        self.APP_TYPE = (credentials.app_type if credentials.app_id else "") or "MultiTenant"


def _raw(context: TurnContext) -> ActivityJson:
    raw = _RAW.get()
    return raw if raw is not None else dict(context.activity.serialize())


async def _post_all(
    context: TurnContext, activities: Sequence[ActivityJson], turns: TurnHandler | None = None
) -> list[str]:
    """Post a turn's answers; one the connector refuses (5xx, a timeout) goes to
    ``turns.undelivered`` (the outbox) instead of vanishing."""
    ids = []
    for activity in activities:
        try:
            response = await context.send_activity(Activity().deserialize(activity))
        except Exception as exc:
            if turns is None:
                raise
            await turns.undelivered(_raw(context), activity, type(exc).__name__)
            continue
        if response is not None and getattr(response, "id", None):
            ids.append(str(response.id))
    return ids


class _PilotBot(ActivityHandler):  # type: ignore[misc]
    """Routes each activity type to the SDK-free ``TurnHandler`` and posts what it returns."""

    def __init__(self, turns: TurnHandler) -> None:
        self.turns = turns

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await _post_all(turn_context, await self.turns.on_message(_raw(turn_context)), self.turns)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        welcome = await self.turns.on_conversation_update(_raw(turn_context))
        await _post_all(turn_context, welcome, self.turns)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name != "adaptiveCard/action":
            return InvokeResponse(status=int(HTTPStatus.NOT_IMPLEMENTED))
        replies, result = await self.turns.on_card_action(_raw(turn_context))
        await _post_all(turn_context, replies, self.turns)
        return InvokeResponse(status=result.status, body=result.body)


class BotFrameworkConnector:
    """CloudAdapter behind Pilot Coach's ``BotConnector`` interface."""

    def __init__(self, credentials: Credentials, turns: TurnHandler) -> None:
        self.credentials = credentials
        self.turns = turns
        self._auth = ConfigurationBotFrameworkAuthentication(_Configuration(credentials))
        self._adapter = CloudAdapter(self._auth)
        self._adapter.on_turn_error = self._on_turn_error
        self._bot = _PilotBot(turns)

    # ---- inbound ----------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        if (request.content_length or 0) > MAX_ACTIVITY:
            return web.json_response({"error": "too large"}, status=413)
        try:
            body = load_json(await request.read(), max_bytes=MAX_ACTIVITY)
        except BadJson as exc:
            if exc.reason == "too_large":
                return web.json_response({"error": "too large"}, status=413)
            error = "malformed JSON" if exc.reason == "malformed" else "JSON nested too deeply"
            return web.json_response({"error": error}, status=400)
        if not isinstance(body, dict) or not body.get("type"):
            return web.json_response({"error": "not an activity"}, status=400)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # msrest's DeserializationError: a field of the wrong shape
            return web.json_response({"error": "not an activity"}, status=400)
        try:
            authenticated = await self._auth.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as exc:  # missing, malformed, expired or foreign token
            log.warning("teams request refused: %s", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        token = _RAW.set(body)
        try:
            invoke = await self._adapter.process_activity(
                authenticated, activity, self._bot.on_turn
            )
        except Exception:  # before the turn ran (e.g. no connector token): Teams may retry
            log.exception("teams activity not processed")
            return web.json_response({"error": "not processed"}, status=500)
        finally:
            _RAW.reset(token)
        if invoke is None:
            return web.Response(status=200)
        if invoke.body is None:
            return web.Response(status=invoke.status)
        return web.json_response(invoke.body, status=invoke.status)  # already JSON: no 2nd pass

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("teams turn failed: %s", type(error).__name__, exc_info=error)
        try:
            await _post_all(context, await self.turns.on_error(_raw(context), error), self.turns)
        except Exception as exc:  # the apology is best effort
            log.warning("could not tell the user about the failure: %s", type(exc).__name__)

    # ---- outbound ---------------------------------------------------------------------
    async def send(self, reference: ReferenceJson, activities: Sequence[ActivityJson]) -> list[str]:
        failures: list[Exception] = []
        posted: list[str] = []
        callback = _poster(activities, failures, posted)
        ref = ConversationReference().deserialize(reference)
        await _delivering(
            self._adapter.continue_conversation(ref, callback, self.credentials.app_id)
        )
        if failures:
            raise delivery_error(failures[0])
        return posted

    async def update(
        self, reference: ReferenceJson, activity_id: str, activity: ActivityJson
    ) -> None:
        failures: list[Exception] = []

        async def replace_it(context: TurnContext) -> None:
            try:
                await context.update_activity(
                    Activity().deserialize({**activity, "id": activity_id})
                )
            except Exception as exc:
                failures.append(exc)

        ref = ConversationReference().deserialize(reference)
        await _delivering(
            self._adapter.continue_conversation(ref, replace_it, self.credentials.app_id)
        )
        if failures:
            raise delivery_error(failures[0])

    async def open_personal_chat(self, seed: ReferenceJson) -> ReferenceJson:
        user, bot = dict(seed.get("user") or {}), dict(seed.get("bot") or {})
        tenant = str((seed.get("conversation") or {}).get("tenantId") or "")
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            members=[ChannelAccount(id=user.get("id"), name=user.get("name"))],
            tenant_id=tenant or None,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        created: list[str] = []

        async def remember(context: TurnContext) -> None:
            created.append(context.activity.conversation.id)

        channel = str(seed.get("channelId") or "msteams")
        service_url = str(seed.get("serviceUrl") or "")
        await _delivering(self._adapter.create_conversation(
            self.credentials.app_id, remember, params, channel, service_url
        ))  # fmt: skip
        conversation = {"id": created[0], "conversationType": "personal", "tenantId": tenant}
        return {**seed, "conversation": conversation}


def _poster(
    activities: Sequence[ActivityJson], failures: list[Exception], posted: list[str]
) -> Callable[[TurnContext], Awaitable[None]]:
    """A proactive turn's callback; failures are kept for the caller, not on_turn_error."""

    async def post(context: TurnContext) -> None:
        try:
            posted.extend(await _post_all(context, activities))
        except Exception as exc:
            failures.append(exc)

    return post


async def _delivering(call: Awaitable[Any]) -> None:
    try:
        await call
    except DeliveryError:
        raise
    except Exception as exc:
        raise delivery_error(exc) from exc


def delivery_error(exc: Exception) -> DeliveryError:
    """A connector failure as the dispatcher understands it."""
    if not isinstance(exc, ErrorResponseException):
        reason = f"teams connector unreachable: {type(exc).__name__}"
        network = isinstance(exc, OSError | TimeoutError) or type(exc).__module__.startswith(
            ("msrest.", "requests.", "urllib3.")
        )
        return ConnectorBusy(reason) if network else DeliveryError(reason)
    response = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    error = getattr(getattr(exc, "error", None), "error", None)
    code = str(getattr(error, "code", "") or "")
    reason = f"teams connector HTTP {status} {code}".strip()
    if status in PERMANENT_STATUS or code in GONE:
        return DeliveryError(reason, permanent=True)
    return ConnectorBusy(reason, retry_after=retry_after(headers.get("Retry-After")))


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (the connector sends delta-seconds)."""
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
