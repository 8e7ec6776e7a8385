"""The Teams adapter: the ``ChatAdapter`` contract (start/stop/send) plus POST /api/messages.

``send`` delivers a proactive message through a stored conversation reference: the channel's,
or the person's 1:1 chat, which is created (and stored) the first time a person is nudged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web

from adapters.teams.gateway import BotConnector, ConnectorBusy
from adapters.teams.presence import GraphAccess, GraphPresence
from adapters.teams.references import ReferenceStore
from adapters.teams.turns import TeamsTurns
from bot.clock import Clock
from bot.limits import MAX_ACTIVITY, BadJson, load_json
from bot.messages import ConversationRef, Reply
from bot.ports import DeliveryError, Presence
from bot.services.coach import Coach
from bot.settings import Settings, SettingsError, is_loopback
from storage.repositories import UnitOfWorkFactory

log = logging.getLogger("pilot_coach.teams")

ROUTE = "/api/messages"
BACKOFF_BASE = 30.0  # seconds; doubled per consecutive busy answer for the same conversation
BACKOFF_CAP = 3600.0


APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant",
             "userassignedmsi": "UserAssignedMSI"}  # fmt: skip


def check_credentials(settings: Settings) -> None:
    """Stop at start-up, naming the variable, when the Bot Framework credentials can't work."""
    app_type = settings.microsoft_app_type.strip().lower()
    if app_type and app_type not in APP_TYPES:
        raise SettingsError("MICROSOFT_APP_TYPE: use " + ", ".join(APP_TYPES.values()))
    if not settings.microsoft_app_id:
        return  # local / Emulator mode without auth
    if app_type != "userassignedmsi" and not settings.microsoft_app_password:
        raise SettingsError("MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set")
    if app_type in ("singletenant", "userassignedmsi") and not settings.microsoft_app_tenant_id:
        raise SettingsError(f"MICROSOFT_APP_TENANT_ID: required for {APP_TYPES[app_type]}")


async def _loopback_service(request: web.Request) -> bool:
    """Whether the activity's ``serviceUrl`` (where the bot would POST) is on this machine.
    aiohttp keeps the body, so the connector reads it again without another network read."""
    try:
        body = load_json(await request.read(), max_bytes=MAX_ACTIVITY)
    except BadJson:
        return True  # not an activity: the connector refuses it without posting anywhere
    url = body.get("serviceUrl") if isinstance(body, dict) else None
    if not isinstance(url, str):
        return True  # nothing to post to
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return is_loopback(host)


def graph_presence(settings: Settings) -> GraphPresence | None:
    """Teams presence via Graph, when MICROSOFT_GRAPH_CLIENT_ID (and its secret) are set."""
    if not settings.microsoft_graph_client_id or not settings.microsoft_graph_client_secret:
        return None
    return GraphPresence(
        GraphAccess(
            client_id=settings.microsoft_graph_client_id,
            client_secret=settings.microsoft_graph_client_secret,
            tenant_id=settings.microsoft_graph_tenant_id,
            graph_url=settings.microsoft_graph_url,
            login_url=settings.microsoft_graph_login_url,
        )
    )


class TeamsAdapter:
    platform = "teams"

    def __init__(
        self,
        settings: Settings,
        coach: Coach,
        uow: UnitOfWorkFactory,
        clock: Clock,
        connector: BotConnector | None = None,
    ) -> None:
        self.auth_enabled = bool(settings.microsoft_app_id)
        # emulator mode: nobody is authenticated, so no request may redirect a stored route
        self.refs = ReferenceStore(uow, clock, keep_existing=not self.auth_enabled)
        self.turns = TeamsTurns(coach, uow, clock, self.refs, settings.pilot_default_language)
        self.turns.send_private = self.send
        if connector is None:
            check_credentials(settings)
            from adapters.teams.botframework import BotFrameworkConnector, Credentials

            credentials = Credentials(
                app_id=settings.microsoft_app_id,
                app_password=settings.microsoft_app_password,
                tenant_id=settings.microsoft_app_tenant_id,
                app_type=settings.microsoft_app_type,
            )
            connector = BotFrameworkConnector(credentials, self.turns)
        self.connector = connector
        self._opening: dict[tuple[str, str], asyncio.Lock] = {}
        self._strikes: dict[tuple[str, str], int] = {}  # consecutive busy answers per target
        self.graph = graph_presence(settings)

    async def start(self) -> None:
        mode = "authenticated" if self.auth_enabled else "emulator mode, without auth (loopback)"
        log.info("teams adapter ready on POST %s, %s", ROUTE, mode)

    async def stop(self) -> None:
        if self.graph is not None:
            await self.graph.close()

    async def presence(self, ref: ConversationRef) -> Presence | None:
        """Out of office by Teams presence (``adapters.teams.presence``), when Graph access
        is configured and the person's Azure AD object id is known from their activities."""
        if self.graph is None or ref.channel or not ref.user:
            return None
        aad = await self.refs.aad_object_id(ref.workspace, ref.user)
        if not aad:
            return None
        return await self.graph.presence(ref.workspace, aad)

    def add_routes(self, web_app: web.Application) -> None:
        web_app.router.add_post(ROUTE, self.messages)

    async def messages(self, request: web.Request) -> web.Response:
        if not self.auth_enabled and not await _loopback_service(request):
            log.warning("teams emulator mode: activity refused (serviceUrl is not loopback)")
            return web.json_response({"error": "emulator mode: serviceUrl must be loopback"},
                                     status=403)  # fmt: skip
        return await self.connector.handle(request)

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        """Deliver ``reply``; a busy connector delays it (backing off per conversation when the
        connector names no Retry-After) but never drops it. Returns the activity id."""
        target = (ref.workspace, ref.channel or ref.user or "")
        try:
            posted = await self._send(ref, reply)
        except ConnectorBusy as exc:
            strikes = self._strikes.get(target, 0) + 1
            self._strikes[target] = strikes
            if exc.retry_after is None:
                exc.retry_after = min(BACKOFF_BASE * 2 ** (strikes - 1), BACKOFF_CAP)
            raise
        self._strikes.pop(target, None)
        return posted[0] if posted else None

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        """Replace a channel message posted before (a re-announcement of the results)."""
        if not ref.channel:
            raise DeliveryError("teams: only channel messages are updated", permanent=True)
        reference = await self.refs.channel(ref.workspace, ref.channel)
        if reference is None:
            raise DeliveryError(f"no Teams conversation reference for channel {ref.channel}")
        activity = await self.turns.render(ref.workspace, reply, channel=ref.channel, user=None)
        await self.connector.update(reference, message_id, activity)

    async def _send(self, ref: ConversationRef, reply: Reply) -> list[str]:
        if ref.extra.get("reference") and ref.extra.get("rendered"):  # a turn's answer, again
            reference = json.loads(ref.extra["reference"])
            return await self.connector.send(reference, [json.loads(ref.extra["rendered"])])
        activity = await self.turns.render(ref.workspace, reply, channel=ref.channel,
                                           user=ref.user)  # fmt: skip
        if ref.channel:
            reference = await self.refs.channel(ref.workspace, ref.channel)
            if reference is None:
                raise DeliveryError(f"no Teams conversation reference for channel {ref.channel}")
            return await self.connector.send(reference, [activity])
        if not ref.user:
            raise DeliveryError("no channel or user to send to", permanent=True)
        key = (ref.workspace, ref.user)
        async with self._opening.setdefault(key, asyncio.Lock()):  # one 1:1 chat per person
            route = await self.refs.user(ref.workspace, ref.user)
            if route is None:  # never seen: retried, as the person may write to the bot meanwhile
                raise DeliveryError(f"no Teams conversation reference for user {ref.user}")
            reference = route.reference
            if not route.personal:
                reference = await self.connector.open_personal_chat(route.reference)
                await self.refs.save_personal(ref.workspace, ref.user, reference)
                log.info("teams 1:1 chat opened tenant=%s user=%s", ref.workspace, ref.user)
        return await self.connector.send(reference, [activity])
