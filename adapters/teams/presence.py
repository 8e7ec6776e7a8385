"""Out of office from Microsoft Graph, when Graph access is configured (MICROSOFT_GRAPH_*):
``GET /users/{aadObjectId}/presence`` with an app-only token (client credentials), read when a
nudge is about to go to that person.

Away means ``outOfOfficeSettings.isOutOfOfficeEnabled`` (automatic replies on) or the activity
``OutOfOffice``; Graph gives no end, so the person is asked again before each later nudge.
Answers are kept ``TTL_SECONDS`` per person and tokens until shortly before they expire; any
failure (no permission Presence.Read.All, throttling, a timeout) means "not known" for
``FAILED_TTL_SECONDS`` and the nudge goes out as before.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from bot.ports import Presence

log = logging.getLogger("pilot_coach.teams")

TTL_SECONDS = 600.0
FAILED_TTL_SECONDS = 60.0
LOOKUP_SECONDS = 3.0
MAX_ENTRIES = 5000
SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True)
class GraphAccess:
    client_id: str
    client_secret: str
    tenant_id: str = ""  # empty: the tenant the person's Teams activity came from
    graph_url: str = "https://graph.microsoft.com/v1.0"
    login_url: str = "https://login.microsoftonline.com"


def presence_of(body: object) -> Presence | None:
    """Graph's presence resource as out of office or not; None if it is not one."""
    if not isinstance(body, dict):
        return None
    settings = body.get("outOfOfficeSettings")
    enabled = isinstance(settings, dict) and settings.get("isOutOfOfficeEnabled") is True
    return Presence(away=enabled or body.get("activity") == "OutOfOffice")


class GraphPresence:
    def __init__(self, access: GraphAccess, client: httpx.AsyncClient | None = None) -> None:
        self.access = access
        self._client = client
        self._tokens: dict[str, tuple[float, str]] = {}
        self._cache: OrderedDict[tuple[str, str], tuple[float, Presence | None]] = OrderedDict()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=LOOKUP_SECONDS)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _token(self, tenant: str) -> str:
        hit = self._tokens.get(tenant)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        url = f"{self.access.login_url.rstrip('/')}/{quote(tenant, safe='')}/oauth2/v2.0/token"
        response = await self._http().post(url, data={
            "grant_type": "client_credentials", "client_id": self.access.client_id,
            "client_secret": self.access.client_secret, "scope": SCOPE,
        })  # fmt: skip
        response.raise_for_status()
        body = response.json()
        token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 3600)
        self._tokens[tenant] = (time.monotonic() + max(lifetime - 300, 60), token)
        return token

    async def presence(self, tenant: str, aad_object_id: str) -> Presence | None:
        key = (tenant, aad_object_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        found: Presence | None
        try:
            token = await self._token(self.access.tenant_id or tenant)
            url = f"{self.access.graph_url.rstrip('/')}/users/{quote(aad_object_id, safe='')}"
            response = await self._http().get(
                url + "/presence", headers={"Authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
            found, ttl = presence_of(response.json()), TTL_SECONDS
        except Exception as exc:  # no permission, throttled, timeout, odd body: not known
            log.info("graph presence failed user=%s error=%s", aad_object_id, type(exc).__name__)
            found, ttl = None, FAILED_TTL_SECONDS
        self._cache[key] = (time.monotonic() + ttl, found)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return found
