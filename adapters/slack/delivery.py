"""The Slack Web API seam: clients with retry handlers, a workspace's bot token, posting a
rendered message (into a channel or a DM), and Slack's errors as ``DeliveryError``.

Every client retries HTTP 429 after ``Retry-After`` and connection errors (slack_sdk's retry
handlers); what is still rate-limited afterwards becomes ``DeliveryError(retry_after=…)`` so the
outbox tries again later. Errors retrying cannot fix (user gone, token revoked) are permanent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol, cast

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest as RetryRequest
from slack_sdk.http_retry.response import HttpResponse as RetryResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.messages import File, Image
from bot.ports import DeliveryError

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2
DEFAULT_RETRY_AFTER = 30.0
log = logging.getLogger("pilot_coach.slack")
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive", "channel_not_found", "user_not_found", "user_disabled",
        "token_revoked", "token_expired", "invalid_auth", "not_authed", "not_in_channel",
        "is_archived", "cannot_dm_bot", "no_installation", "missing_scope",
        "team_access_not_granted", "restricted_action", "msg_too_long", "invalid_blocks",
    }
)  # fmt: skip


def make_client(
    base_url: str,
    token: str | None = None,
    logger: logging.Logger | None = None,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """A Web API client aimed at ``base_url`` (SLACK_API_URL) that rides out 429s and resets;
    with ``session`` its connections are pooled across calls."""
    return aim(AsyncWebClient(token=token, logger=logger, session=session), base_url)


def aim(client: AsyncWebClient, base_url: str) -> AsyncWebClient:
    """Point ``client`` at ``base_url`` and give it the retry handlers (bolt copies both into
    the client it makes for each request)."""
    client.base_url = base_url if base_url.endswith("/") else base_url + "/"
    client.retry_handlers = [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]
    return client


def error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, Mapping) else ""


def retry_after(headers: Mapping[str, Any]) -> float:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(float(raw), 1.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


def delivery_error(exc: SlackApiError) -> DeliveryError:
    """``SlackApiError`` -> ``DeliveryError`` with the right retry semantics."""
    status = getattr(exc.response, "status_code", 0)
    code = error_code(exc) or f"http_{status}"
    if status == 429 or code == "ratelimited":
        wait = retry_after(getattr(exc.response, "headers", {}) or {})
        return DeliveryError(f"slack: {code}", retry_after=wait)
    return DeliveryError(f"slack: {code}", permanent=code in PERMANENT_ERRORS)


class Tokens(Protocol):
    """Where the bot token of a workspace comes from."""

    async def bot_token(self, team: str) -> str | None: ...


class SingleToken:
    """Single-workspace mode: one bot token (SLACK_BOT_TOKEN) for everything."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, team: str) -> str | None:
        return self._token


class InstalledTokens:
    """Multi-workspace mode: the token the OAuth install stored for the team."""

    def __init__(self, store: AsyncInstallationStore) -> None:
        self._store = store

    async def bot_token(self, team: str) -> str | None:
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            return None
        return str(bot.bot_token)


async def open_dm(client: AsyncWebClient, user: str) -> str:
    """conversations.open: the DM channel between the bot and ``user``. Sent as a form body
    (``conversations_open`` would put ``users`` in the query string, which costs more to build
    on every nudge of a busy Monday; Slack reads both)."""
    response = await client.api_call("conversations.open", data={"users": user})
    channel = response.get("channel") or {}
    return str(channel.get("id") or "")


DM_WRITE_EVERY = 0.5  # seconds: new DM channels are written at most this often

#: ``ConversationRef.extra`` key of a person's stored DM channel (set by the planner).
DM_KEY = "dm"


class DmStore(Protocol):
    async def save(self, found: list[tuple[str, str, str]]) -> None: ...


class DmChannels:
    """DM channel ids, remembered per team and user and stored with the person
    (``people.dm_channel``), so the planner puts them into the next nudges. A nudge to someone
    without one is posted to their user id (Slack opens the DM and names it in the answer), so
    every Monday, the first one too, costs one API call per nudge; conversations.open (a Tier-3
    method) is left for the DMs a command's answer needs and for a user id Slack refuses. New
    ids are written in batches, each as soon as the previous write is done (one transaction for
    a Monday's worth, not one each)."""

    def __init__(self, size: int = 10_000, store: DmStore | None = None) -> None:
        self._size = size
        self._known: dict[tuple[str, str], str] = {}
        self._store = store
        self._pending: list[tuple[str, str, str]] = []
        self._writer: asyncio.Task[None] | None = None

    def known(self, team: str, user: str) -> str | None:
        return self._known.get((team, user))

    async def channel(self, client: AsyncWebClient, team: str, user: str) -> str:
        """The DM channel with ``user``: remembered, else conversations.open."""
        if (team, user) not in self._known:
            self.remember(team, user, await open_dm(client, user))
        return self._known.get((team, user), "")

    def remember(self, team: str, user: str, found: str, stored: bool = False) -> None:
        """A DM channel Slack named (conversations.open, or chat.postMessage to a user id),
        kept in memory and, unless ``stored`` already, stored with the person."""
        key = (team, user)
        if not found or self._known.get(key) == found:
            return
        if key not in self._known and len(self._known) >= self._size:
            self._known.pop(next(iter(self._known)))
        self._known[key] = found
        if self._store is not None and not stored:
            self._pending.append((team, user, found))
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._write())

    def forget(self, team: str, user: str) -> None:
        self._known.pop((team, user), None)

    async def _write(self) -> None:
        assert self._store is not None
        while self._pending:
            await asyncio.sleep(DM_WRITE_EVERY)  # a Monday opens thousands: gather them
            batch, self._pending = self._pending, []
            try:
                await self._store.save(batch)
            except Exception as exc:  # only a saving: the next Monday opens them again
                log.warning("slack dm channels not stored error=%s", type(exc).__name__)

    async def flush(self) -> None:
        if self._writer is not None:
            await self._writer


async def post(
    client: AsyncWebClient,
    channel: str,
    message: Mapping[str, Any],
    thread_ts: str | None = None,
    encoded: bytes | None = None,
) -> tuple[str, str | None]:
    """chat.postMessage; joins a public channel once when the bot is not in it yet. Returns
    the conversation Slack posted into (a DM's ``D…`` id when ``channel`` is a user id) and
    the message's ``ts`` (its id for chat.update). ``encoded`` is ``message``'s text and blocks
    as JSON already (``body_of``): a week's nudges are a handful of distinct messages, each
    encoded once."""
    body = request_body(channel, message, thread_ts, encoded)
    try:
        response = await call_json(client, "chat.postMessage", body)
    except SlackApiError as exc:
        if error_code(exc) != "not_in_channel" or not channel.startswith("C"):
            raise
        await client.conversations_join(channel=channel)
        response = await call_json(client, "chat.postMessage", body)
    ts = response.get("ts")
    return str(response.get("channel") or channel), str(ts) if ts else None


def body_of(message: Mapping[str, Any]) -> bytes:
    """A message's ``text`` and ``blocks`` as the inside of a JSON object."""
    return json.dumps({"text": message["text"], "blocks": message["blocks"]}).encode()[1:-1]


def request_body(
    channel: str, message: Mapping[str, Any], thread_ts: str | None, encoded: bytes | None
) -> bytes:
    """The JSON body of a chat.postMessage: ``{"channel", "text", "blocks"[, "thread_ts"]}``."""
    head = b'{"channel":' + json.dumps(channel).encode() + b","
    tail = b',"thread_ts":' + json.dumps(thread_ts).encode() + b"}" if thread_ts else b"}"
    return head + (encoded if encoded is not None else body_of(message)) + tail


_JSON = "application/json;charset=utf-8"


async def call_json(client: AsyncWebClient, method: str, body: bytes) -> dict[str, Any]:
    """POST an encoded JSON body to a Web API method with ``client``'s token, session and
    retry handlers (429 after Retry-After, connection errors), as ``client.api_call`` does.
    ``api_call`` costs twice the CPU of the request itself (the URL joined, the body encoded,
    request and response objects built for the handlers on every call): on a Monday of tens of
    thousands of nudges that is seconds of the fan-out. Here the handlers only see what can be
    retried, and Slack's answer becomes an ``AsyncSlackResponse`` only when it is an error
    (``SlackApiError`` as ``api_call`` raises it)."""
    session = client.session
    if session is None or session.closed:  # no pooled session: the client's own way
        response = await client.api_call(method, json=json.loads(body))
        return dict(response.data) if isinstance(response.data, dict) else {}
    url = client.base_url + method
    headers = {**client.headers, "Authorization": f"Bearer {client.token}", "Content-Type": _JSON}
    timeout = aiohttp.ClientTimeout(total=client.timeout)
    tls: dict[str, Any] = {"ssl": client.ssl} if client.ssl is not None else {}
    state = RetryState()
    request: RetryRequest | None = None
    for _ in range(100):  # slack_sdk's bound of attempts
        state.next_attempt_requested = False
        retry: RetryResponse | None = None
        error: Exception | None = None
        try:
            async with session.post(url, data=body, headers=headers, timeout=timeout,
                                    proxy=client.proxy, **tls) as res:  # fmt: skip
                status, answer = res.status, res.headers
                try:
                    data = await res.json(content_type=None)
                except ValueError:  # not JSON (a proxy's error page): Slack did not answer
                    data = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = exc
        else:
            ok = status == 200 and isinstance(data, dict) and data.get("ok") is True
            if ok:
                return cast(dict[str, Any], data)
            retry = RetryResponse(status_code=status, headers=dict(answer),
                                  body=data if isinstance(data, dict) else None)  # fmt: skip
        request = request or RetryRequest(method="POST", url=url, headers=headers, data=body)
        for handler in client.retry_handlers or []:
            if await handler.can_retry_async(state=state, request=request, response=retry,
                                             error=error):  # fmt: skip
                await handler.prepare_for_next_attempt_async(
                    state=state, request=request, response=retry, error=error
                )
                break
        if state.next_attempt_requested:
            continue
        if error is not None:
            raise error
        failed = AsyncSlackResponse(client=client, http_verb="POST", api_url=url, req_args={},
                                    data=data if isinstance(data, dict) else {},
                                    headers=dict(answer), status_code=status)  # fmt: skip
        failed.validate()  # type: ignore[no-untyped-call]  # raises SlackApiError
        return cast(dict[str, Any], data)
    raise DeliveryError(f"slack: {method} retried too often")


RESPONSE_URL_TIMEOUT = 10.0  # seconds for one answer to a response_url


class ResponseUrls:
    """Answers to commands' and clicks' ``response_url`` over one pooled connection (slack_sdk's
    webhook client with a shared session). bolt's ``respond`` opens a session, and with it a new
    connection (a TLS handshake to hooks.slack.com), for every answer."""

    def __init__(self, timeout: float = RESPONSE_URL_TIMEOUT) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def send(self, url: str, body: Mapping[str, Any]) -> int:
        """POST ``body`` to ``url``; the HTTP status (errors raise, as aiohttp's do: a timeout
        after ``timeout`` seconds)."""
        if self._session is None or self._session.closed:
            # the webhook client applies its own timeout only to a session it makes itself
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(self._timeout))
        hook = AsyncWebhookClient(url, session=self._session)
        return (await hook.send_dict(dict(body))).status_code

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def attach(client: AsyncWebClient, channel: str, file: File) -> None:
    """Share a document that travels with the message (the HTML one-pager)."""
    await client.files_upload_v2(channel=channel, content=base64.b64decode(file.data),
                                 filename=file.name, title=file.name)  # fmt: skip


async def upload(client: AsyncWebClient, channel: str, image: Image) -> None:
    """Share an image that travels with the message (a chart) into the conversation
    (files.uploadV2); a path without data is a local file."""
    if image.data:
        content = base64.b64decode(image.data)
        await client.files_upload_v2(channel=channel, content=content, filename=image.path,
                                     title=image.alt)  # fmt: skip
    else:
        await client.files_upload_v2(channel=channel, file=image.path, title=image.alt)
