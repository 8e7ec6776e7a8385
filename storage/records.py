"""Plain records the repositories return besides table rows (no SQL here: the in-memory unit
of work of the tests builds them too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.tables import (
    BuildDecision,
    CapacityCheck,
    Checkin,
    Metric,
    OutboxMessage,
    Person,
    Process,
)


@dataclass(frozen=True)
class Claimed:
    """An outbox row claimed for delivery."""

    id: int
    pilot_id: int | None  # None: a command's answer (kind "reply") without a pilot
    person_id: int | None
    kind: str
    target: dict[str, Any]
    payload: str  # the JSON text of a ``Reply``
    attempts: int  # including this attempt
    message_id: str | None = None


@dataclass
class PilotRows:
    """Everything that belongs to a set of pilots, read with one query per table."""

    owners: dict[int, dict[str, Person]] = field(default_factory=dict)
    activity: dict[int, dict[int, datetime]] = field(default_factory=dict)
    paused: dict[int, set[int]] = field(default_factory=dict)  # pilot -> people who paused
    announced: set[int] = field(default_factory=set)  # pilots whose results were announced
    # when the announcement was delivered (None: queued, not sent yet)
    announced_at: dict[int, datetime | None] = field(default_factory=dict)
    nudges_sent: dict[int, dict[int, list[datetime]]] = field(default_factory=dict)
    done: dict[int, set[str]] = field(default_factory=dict)
    processes: dict[int, list[Process]] = field(default_factory=dict)
    metrics: dict[int, list[Metric]] = field(default_factory=dict)
    checkins: dict[int, list[Checkin]] = field(default_factory=dict)
    failed: dict[int, list[OutboxMessage]] = field(default_factory=dict)
    capacity: dict[int, CapacityCheck] = field(default_factory=dict)
    decisions: dict[int, BuildDecision] = field(default_factory=dict)
