"""Backpressure: a bound on the work one process has accepted and not yet answered.

Every command, click or message takes a place before it is acknowledged; when none is free
the acknowledgement itself answers "busy, try again in a minute" (``load.busy``), so nothing
is accepted and then dropped or answered minutes late. ``PILOT_MAX_INFLIGHT`` sets the bound.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from bot import observability


class Gate:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the in-flight bound must be at least 1")
        self.limit = limit
        self.active = 0

    def try_enter(self) -> bool:
        """Take a place; False (and counted as refused) when all are taken."""
        if self.active >= self.limit:
            observability.BUSY.inc()
            return False
        self.active += 1
        observability.INFLIGHT.set(self.active)
        return True

    def leave(self) -> None:
        self.active = max(self.active - 1, 0)
        observability.INFLIGHT.set(self.active)

    @contextlib.contextmanager
    def admitted(self) -> Iterator[bool]:
        """``with gate.admitted() as ok:`` — ``ok`` False: answer busy, do nothing else."""
        entered = self.try_enter()
        try:
            yield entered
        finally:
            if entered:
                self.leave()
