"""The Slack adapter: the bolt AsyncApp behind ``POST /slack/events`` (and the OAuth routes),
or Socket Mode when an app token is set, plus ``send`` for proactive messages.

Same contract as every adapter (``start``, ``stop``, ``send``); ``add_routes`` mounts the HTTP
side on ``serve``'s aiohttp application. ``send`` writes a DM (conversations.open, then
chat.postMessage) when the reference names a person, a channel message otherwise.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.canvases import publish_channel_canvas, publish_results_canvas
from adapters.slack.delivery import (
    DM_KEY,
    DmChannels,
    ResponseUrls,
    Tokens,
    attach,
    body_of,
    delivery_error,
    error_code,
    make_client,
    post,
    upload,
)
from adapters.slack.listeners import Tracker
from adapters.slack.outbound import MAX_BLOCKS, images_to_upload, message, to_blocks
from adapters.slack.status import StatusReader
from adapters.slack.surfaces import is_nudge, with_snooze
from bot.canvas import CanvasDoc, Published
from bot.catalog import texts
from bot.messages import ConversationRef, File, Heading, Paragraph, Reply
from bot.ports import DeliveryError, Presence
from bot.services.coach import Coach

EVENTS_PATH = "/slack/events"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds; the verifier's int() takes no other

log = logging.getLogger("pilot_coach.slack")


@functools.lru_cache(maxsize=1024)
def proactive_payload(reply: Reply, snooze: str, more: str) -> dict[str, Any]:
    """Block Kit for a proactive message. Cached: the week's nudges of pilots in the same state
    are the same message, and rendering Block Kit models dominates the cost of a send."""
    if is_nudge(reply):
        reply = with_snooze(reply, snooze)
    overflow = len(to_blocks(reply, max_blocks=10_000)) > MAX_BLOCKS
    return message(reply, more=more if overflow else "…")


@functools.lru_cache(maxsize=1024)
def proactive_encoded(reply: Reply, snooze: str, more: str) -> bytes:
    """``proactive_payload``'s text and blocks as JSON, encoded once per distinct message."""
    return body_of(proactive_payload(reply, snooze, more))


class SlackAdapter:
    platform = "slack"

    def __init__(
        self,
        bolt: AsyncApp,
        *,
        coach: Coach,
        tokens: Tokens,
        api_url: str,
        tracker: Tracker,
        dms: DmChannels,
        logger: logging.Logger,
        answers: ResponseUrls | None = None,
        app_token: str = "",
        http_enabled: bool = True,
        signing_secret: str = "",
        default_language: str = "de",
    ) -> None:
        self.bolt = bolt
        self.coach = coach
        self.tokens = tokens
        self.api_url = api_url
        self.tracker = tracker
        self.dms = dms
        self.answers = answers or ResponseUrls()  # a command's answers (and their retries)
        self.logger = logger
        self.app_token = app_token
        self.http_enabled = http_enabled
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.default_language = default_language
        self._socket: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None  # shared by proactive sends
        self._clients: dict[str, AsyncWebClient] = {}
        self.statuses = StatusReader()

    # ---- HTTP ---------------------------------------------------------------------------
    def add_routes(self, web_app: web.Application) -> None:
        if self.http_enabled:
            web_app.router.add_post(EVENTS_PATH, self._events)
        flow = self.bolt.oauth_flow
        if flow is not None:
            web_app.router.add_get(flow.install_path, self._install)
            web_app.router.add_get(flow.redirect_uri_path, self._oauth_redirect)

    async def _events(self, request: web.Request) -> web.Response:
        """Slack's signature is checked on the raw bytes before anything parses them: unsigned,
        forged or stale requests get a 401, a signed body bolt cannot read a 400, and neither
        reaches bolt (whose parsing of bad bodies ends in a 500 with a traceback)."""
        raw = await request.read()
        if not self._signed(raw, request):
            log.info("slack request refused: missing, invalid or stale signature")
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"), query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )  # fmt: skip
            readable = isinstance(bolt_request.body, dict)
        except Exception:  # bolt parses and reads the body as a JSON object of Slack's shape
            readable = False
        if not readable:
            log.info("signed slack request refused: body not readable")
            return web.json_response({"error": "unreadable body"}, status=400)
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, raw: bytes, request: web.Request) -> bool:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if self._verifier is None or not signature or not _TIMESTAMP.fullmatch(timestamp):
            return False
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:  # Slack signs UTF-8 text; the verifier reads nothing else
            return False
        return self._verifier.is_valid(body, timestamp, signature)

    async def _install(self, request: web.Request) -> web.Response:
        assert self.bolt.oauth_flow is not None
        response = await self.bolt.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        assert self.bolt.oauth_flow is not None
        response = await self.bolt.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        if self.app_token and self._socket is None:
            self._socket = AsyncSocketModeHandler(
                self.bolt, self.app_token, logger=self.logger,
                web_client=make_client(self.api_url, logger=self.logger),
            )  # fmt: skip
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack socket mode connected")

    def _client(self, token: str) -> AsyncWebClient:
        """One Web API client per bot token, sharing one connection pool."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._clients.clear()
        client = self._clients.get(token)
        if client is None:
            client = make_client(self.api_url, token, self.logger, session=self._session)
            self._clients[token] = client
        return client

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await self.tracker.drain()
        await self.dms.flush()
        await self.answers.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def drain(self, seconds: float = 10.0) -> None:
        """Wait until listeners that already acknowledged Slack have finished their work."""
        await asyncio.sleep(0)
        await self.tracker.drain(seconds)

    # ---- proactive messages -------------------------------------------------------------
    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        if ref.extra.get("response_url"):
            await self._respond(ref)
            return None
        client, payload = await self._prepare(ref, reply)
        encoded: bytes | None = None  # the post's text and blocks, encoded once per message
        if ref.extra.get("rendered"):  # an answer that failed to send, as it was rendered
            payload = json.loads(ref.extra["rendered"])
        elif not ref.extra.get("ephemeral"):
            encoded = proactive_encoded(reply, *self._labels(reply))
        try:
            if ref.extra.get("ephemeral") and ref.channel and ref.user:
                await client.chat_postEphemeral(channel=ref.channel, user=ref.user, **payload)
                return None
            channel, ts = await self._post(client, ref, payload, encoded)
            for image in images_to_upload(reply):
                await upload(client, channel, image)
            for file in (b for b in reply.blocks if isinstance(b, File)):
                await attach(client, channel, file)
        except SlackApiError as exc:
            raise delivery_error(exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack: {type(exc).__name__}") from None
        return f"{channel}/{ts}" if ts else None

    async def presence(self, ref: ConversationRef) -> Presence | None:
        """Out of office by the person's Slack status (``adapters.slack.status``)."""
        if ref.channel or not ref.user:
            return None
        token = await self.tokens.bot_token(ref.workspace)
        if not token or self.statuses.unreadable(token):
            return None
        return await self.statuses.presence(self._client(token), ref.workspace, ref.user)

    async def _post(
        self, client: AsyncWebClient, ref: ConversationRef, payload: dict[str, Any],
        encoded: bytes | None = None,
    ) -> tuple[str, str | None]:  # fmt: skip
        """chat.postMessage into the channel, else into the person's DM: the one stored with
        the nudge or remembered (no extra call), else addressed by their user id, which opens
        the DM (its id, in Slack's answer, is remembered and stored for the next nudge). A DM
        Slack does not find (a stored id gone, a user id it will not take) is opened with
        conversations.open and posted to once more."""
        thread = ref.extra.get("thread_ts")
        if ref.channel:
            return await post(client, ref.channel, payload, thread, encoded)
        user = str(ref.user)
        dm = ref.extra.get(DM_KEY) or self.dms.known(ref.workspace, user)
        try:
            channel, ts = await post(client, dm or user, payload, thread, encoded)
        except SlackApiError as exc:
            if error_code(exc) != "channel_not_found":
                raise
            self.dms.forget(ref.workspace, user)
            channel, ts = await post(client, await self.dms.channel(client, ref.workspace, user),
                                     payload, thread, encoded)  # fmt: skip
        if channel.startswith("D"):
            self.dms.remember(ref.workspace, user, channel, stored=channel == ref.extra.get(DM_KEY))
        return channel, ts

    async def _respond(self, ref: ConversationRef) -> None:
        """POST a command's answer to its ``response_url`` again (valid 30 minutes)."""
        body = json.loads(ref.extra.get("rendered") or "{}")
        try:
            status = await self.answers.send(ref.extra["response_url"], body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack: response_url {type(exc).__name__}") from None
        if status == 429 or status >= 500:
            raise DeliveryError(f"slack: response_url http_{status}")
        if status >= 400:  # expired (30 minutes, five answers) or gone: retrying cannot help
            raise DeliveryError(f"slack: response_url http_{status}", permanent=True)

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        """chat.update of a message ``send`` posted (id ``channel/ts``); files stay as posted."""
        client, payload = await self._prepare(ref, reply)
        channel, _, ts = message_id.partition("/")
        try:
            await client.chat_update(channel=channel, ts=ts, text=payload["text"],
                                     blocks=payload["blocks"])  # fmt: skip
        except SlackApiError as exc:
            raise delivery_error(exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack: {type(exc).__name__}") from None

    # ---- canvases (bot.canvas.CanvasPublisher) -------------------------------------------
    async def publish_canvas(
        self, ref: ConversationRef, doc: CanvasDoc, canvas_id: str | None,
        sent: dict[str, str],
    ) -> Published:  # fmt: skip
        client, channel = await self._canvas_client(ref)
        try:
            return await publish_channel_canvas(client, ref.workspace, channel, doc, canvas_id,
                                                sent)  # fmt: skip
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack: {type(exc).__name__}") from None

    async def publish_results(
        self, ref: ConversationRef, doc: CanvasDoc, canvas_id: str | None
    ) -> Published:
        client, channel = await self._canvas_client(ref)
        try:
            return await publish_results_canvas(client, ref.workspace, channel, doc, canvas_id)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack: {type(exc).__name__}") from None

    def link_results(self, reply: Reply, url: str) -> Reply:
        """The announcement with a line linking its results canvas, under its title."""
        label = texts(reply.language or self.default_language)("canvas.results_link")
        link = Paragraph(f"{label}: {url}")
        blocks = list(reply.blocks)
        at = 1 if blocks and isinstance(blocks[0], Heading) else 0
        blocks.insert(at, link)
        return Reply(text=f"{reply.text}\n{label}: {url}", blocks=tuple(blocks),
                     scheduled_for=reply.scheduled_for, problem=reply.problem,
                     private=reply.private, language=reply.language)  # fmt: skip

    async def _canvas_client(self, ref: ConversationRef) -> tuple[AsyncWebClient, str]:
        token = await self.tokens.bot_token(ref.workspace)
        if not token:
            raise DeliveryError(f"slack: no installation for team {ref.workspace}", permanent=True)
        if not ref.channel:
            raise DeliveryError("slack: a canvas needs a channel", permanent=True)
        return self._client(token), ref.channel

    async def _prepare(
        self, ref: ConversationRef, reply: Reply
    ) -> tuple[AsyncWebClient, dict[str, Any]]:
        token = await self.tokens.bot_token(ref.workspace)
        if not token:
            raise DeliveryError(f"slack: no installation for team {ref.workspace}", permanent=True)
        if not ref.channel and not ref.user:
            raise DeliveryError("slack: reference without channel or user", permanent=True)
        return self._client(token), proactive_payload(reply, *self._labels(reply))

    def _labels(self, reply: Reply) -> tuple[str, str]:
        """The snooze button's and the "more" line's words in the reply's language."""
        t = texts(reply.language or self.default_language)
        return t("action.snooze"), t("slack.more")
