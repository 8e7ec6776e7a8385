"""Display names of Slack users (users.info), cached per workspace so each person costs one
call per hour at most. A failed lookup is not an error: the core then shows the user id, which
the outbound translator turns into a real mention. Any failure counts (an error status, a body
that is not what Slack sends, a timeout after ``LOOKUP_SECONDS``), and is remembered for
``FAILED_TTL_SECONDS``, so a slow users.info does not slow every command down."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("pilot_coach.slack")

TTL_SECONDS = 3600.0
FAILED_TTL_SECONDS = 60.0
LOOKUP_SECONDS = 3.0
MAX_ENTRIES = 5000


class Directory:
    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES) -> None:
        self._ttl = ttl
        self._size = size
        self._cache: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()

    def _cached(self, key: tuple[str, str]) -> str | None:
        hit = self._cache.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        self._cache.move_to_end(key)
        return hit[1]

    def remember(self, team: str, user: str, name: str, ttl: float | None = None) -> None:
        self._cache[(team, user)] = (time.monotonic() + (ttl or self._ttl), name)
        self._cache.move_to_end((team, user))
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)

    async def names(
        self, client: AsyncWebClient, team: str, users: Iterable[str]
    ) -> dict[str, str]:
        found: dict[str, str] = {}
        for user in dict.fromkeys(u for u in users if u):
            name = self._cached((team, user))
            if name is None:
                name = await self._lookup(client, user)
                if name is None:  # the id stands in for the name for a minute
                    self.remember(team, user, "", FAILED_TTL_SECONDS)
                    continue
                self.remember(team, user, name)
            if name:
                found[user] = name
        return found

    async def _lookup(self, client: AsyncWebClient, user: str) -> str | None:
        try:
            response = await asyncio.wait_for(client.users_info(user=user), LOOKUP_SECONDS)
            data = response.get("user") or {}
            profile = (data.get("profile") or {}) if isinstance(data, dict) else {}
            if not isinstance(data, dict) or not isinstance(profile, dict):
                raise TypeError("users.info: not a user object")
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            log.info("users.info failed user=%s error=%s status=%s", user, error,
                     exc.response.status_code)  # fmt: skip
            return None
        except Exception as exc:  # a timeout, a reset, a body that is not JSON: ids it is
            log.info("users.info failed user=%s error=%s", user, type(exc).__name__)
            return None
        for candidate in (profile.get("display_name"), profile.get("real_name"), data.get("name")):
            if candidate and isinstance(candidate, str):
                return candidate.strip()[:200]
        return ""
