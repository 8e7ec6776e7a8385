"""Out of office from a person's Slack status (users.profile.get), read when a nudge is about
to go to them, never on a tick for everyone.

Only with the ``users.profile:read`` scope: the token's scopes come from the ``X-OAuth-Scopes``
header of one auth.test per bot token and hour. A status counts as away by its emoji (the
presets "Vacationing" :palm_tree: and "Out sick" :face_with_thermometer:, :airplane: …) or its
text ("OOO", "Out of office", "Urlaub", "Krank", "Abwesend" …); ``status_expiration`` is the
end. Each answer is kept ``TTL_SECONDS`` per person; any failure (missing scope, rate limit,
timeout, a body that is not Slack's) means "not known", kept for ``FAILED_TTL_SECONDS``, and
the nudge goes out as before. users.profile.get is Tier 4 (100+ a minute): one call per person
and ten minutes stays far below it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Presence

log = logging.getLogger("pilot_coach.slack")

PROFILE_SCOPE = "users.profile:read"
DND_SCOPE = "dnd:read"
TTL_SECONDS = 600.0
SCOPES_TTL_SECONDS = 3600.0
FAILED_TTL_SECONDS = 60.0
LOOKUP_SECONDS = 3.0
MAX_ENTRIES = 5000

AWAY_EMOJI = frozenset(
    {
        ":palm_tree:", ":desert_island:", ":beach_with_umbrella:", ":airplane:",
        ":airplane_departure:", ":luggage:", ":face_with_thermometer:", ":thermometer:",
        ":mask:", ":face_with_head_bandage:", ":sneezing_face:", ":nauseated_face:",
        ":hospital:", ":baby_bottle:",
    }
)  # fmt: skip
_AWAY_TEXT = re.compile(
    r"\b(ooo|out of (the )?office|on (vacation|holiday|leave)|vacationing|vacation|holidays?"
    r"|pto|out sick|sick|parental leave|urlaub|krank|krankgeschrieben|abwesend|elternzeit"
    r"|ferien|nicht im büro|außer haus)\b",
    re.IGNORECASE,
)


def scopes_of(headers: object) -> frozenset[str] | None:
    """The scopes of an ``X-OAuth-Scopes`` header (any casing); None if there is none."""
    if not isinstance(headers, Mapping):  # a dict, or aiohttp's CIMultiDictProxy
        return None
    for key, value in headers.items():
        if str(key).lower() == "x-oauth-scopes":
            raw = value[0] if isinstance(value, list) and value else value
            return frozenset(s.strip() for s in str(raw).split(",") if s.strip())
    return None


def presence_of(profile: dict[str, object], now: float) -> Presence:
    """A Slack profile's status as out of office or not."""
    emoji = str(profile.get("status_emoji") or "")
    text = str(profile.get("status_text") or "")
    raw_end = profile.get("status_expiration") or 0
    end = int(raw_end) if isinstance(raw_end, int | float | str) and str(raw_end).isdigit() else 0
    if end and end <= now:  # expired, Slack just did not clear it yet
        return Presence(away=False)
    away = emoji in AWAY_EMOJI or bool(_AWAY_TEXT.search(text))
    until = datetime.fromtimestamp(end, UTC) if away and end else None
    return Presence(away=away, until=until)


class StatusReader:
    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES) -> None:
        self._ttl = ttl
        self._size = size
        self._status: OrderedDict[tuple[str, str], tuple[float, Presence | None]] = OrderedDict()
        self._scopes: dict[str, tuple[float, frozenset[str] | None]] = {}  # by token
        self._asking: dict[str, asyncio.Future[frozenset[str] | None]] = {}

    async def scopes(self, client: AsyncWebClient, team: str) -> frozenset[str] | None:
        """The bot token's scopes (cached an hour per token: a single-workspace token serves
        every team with one call); None if Slack did not say. Nudges that come at once for
        the same token wait for one auth.test, not one each."""
        key = client.token or team
        hit = self._scopes.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        asking = self._asking.get(key)
        if asking is None:
            asking = self._asking[key] = asyncio.ensure_future(self._ask(client, team, key))
            asking.add_done_callback(lambda _: self._asking.pop(key, None))
        return await asyncio.shield(asking)

    async def _ask(self, client: AsyncWebClient, team: str, key: str) -> frozenset[str] | None:
        try:
            response = await asyncio.wait_for(client.auth_test(), LOOKUP_SECONDS)
            found = scopes_of(response.headers)
            ttl = SCOPES_TTL_SECONDS
        except Exception as exc:  # any failure: not known for a minute
            log.info("auth.test for scopes failed team=%s error=%s", team, type(exc).__name__)
            found, ttl = None, FAILED_TTL_SECONDS
        self._scopes[key] = (time.monotonic() + ttl, found)
        return found

    def unreadable(self, token: str) -> bool:
        """Known for now: this token may not read profiles (no call needed)."""
        hit = self._scopes.get(token)
        return hit is not None and hit[0] > time.monotonic() and PROFILE_SCOPE not in (hit[1] or ())

    async def presence(self, client: AsyncWebClient, team: str, user: str) -> Presence | None:
        """Whether ``user`` is out of office by their status; None when it cannot be read."""
        key = (team, user)
        hit = self._status.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        scopes = await self.scopes(client, team)
        if scopes is None or PROFILE_SCOPE not in scopes:
            return None
        found: Presence | None
        try:
            response = await asyncio.wait_for(client.users_profile_get(user=user), LOOKUP_SECONDS)
            profile = response.get("profile")
            if not isinstance(profile, dict):
                raise TypeError("users.profile.get: not a profile")
            found, ttl = presence_of(profile, time.time()), self._ttl
        except Exception as exc:  # missing scope, 429, timeout, odd body: not known
            log.info("users.profile.get failed user=%s error=%s", user, type(exc).__name__)
            found, ttl = None, FAILED_TTL_SECONDS
        self._status[key] = (time.monotonic() + ttl, found)
        self._status.move_to_end(key)
        while len(self._status) > self._size:
            self._status.popitem(last=False)
        return found
