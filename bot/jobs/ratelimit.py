"""Token buckets that keep deliveries under each platform's published rates.

Keys are (platform, workspace) plus a global (platform, "*") bucket. Slack allows about one
message per second per channel with short bursts, and its Tier-3 methods (conversations.open)
about 50 a minute per workspace; Teams allows a bot 7 messages a second per conversation and
about 50 a second overall. The buckets stay under those instead of waiting for HTTP 429.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens per second
    burst: float  # bucket size


DEFAULT_LIMITS: dict[str, Limit] = {
    "slack": Limit(rate=1.0, burst=20),
    "teams": Limit(rate=7.0, burst=7),
}
GLOBAL_LIMITS: dict[str, Limit] = {"teams": Limit(rate=50.0, burst=50)}


class RateLimiter:
    def __init__(
        self,
        limits: Mapping[str, Limit] | None = None,
        global_limits: Mapping[str, Limit] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self.global_limits = dict(GLOBAL_LIMITS if global_limits is None else global_limits)
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    async def acquire(self, platform: str, workspace: str) -> None:
        """Wait until one more message to ``workspace`` on ``platform`` is within the limits."""
        for key, limit in (
            ((platform, workspace), self.limits.get(platform)),
            ((platform, "*"), self.global_limits.get(platform)),
        ):
            if limit is not None:
                await self._take(key, limit)

    async def _take(self, key: tuple[str, str], limit: Limit) -> None:
        # No lock needed: nothing between reading and writing a bucket awaits, so on the one
        # event loop no other task can interleave there.
        while True:
            now = self._clock()
            tokens, updated = self._buckets.get(key, (limit.burst, now))
            tokens = min(limit.burst, tokens + (now - updated) * limit.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return
            self._buckets[key] = (tokens, now)
            await asyncio.sleep((1 - tokens) / limit.rate)
