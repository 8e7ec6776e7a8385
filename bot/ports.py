"""The small interfaces the bot core depends on: chat adapters and their delivery errors, and
the unit of work with its repositories (one per aggregate; ``storage.repositories`` holds the
SQL ones, ``tests/unit/fake_uow.py`` the in-memory ones)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from sqlmodel import SQLModel

from bot.messages import ConversationRef, Reply
from storage.away import AwayRows, Changes
from storage.canvases import CanvasUpdate, PilotCanvas
from storage.locks import Conversation
from storage.records import Claimed, PilotRows
from storage.tables import (
    AwayPeriod,
    BuildDecision,
    CapacityCheck,
    Checkin,
    Metric,
    OutboxMessage,
    Person,
    Pilot,
    Process,
    RetroAnswer,
    RoleAssignment,
    TaskState,
    Workspace,
)


class DeliveryError(Exception):
    """A send that did not go through.

    ``retry_after``: the platform asked us to wait this many seconds (HTTP 429).
    ``permanent``: retrying cannot help (user gone, channel archived, token revoked).
    """

    def __init__(
        self, reason: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


class ChatAdapter(Protocol):
    """Every adapter (console, Slack, Teams) offers the same three calls."""

    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        """Deliver ``reply``; returns the platform's id of the posted message, if it has one."""
        ...

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        """Replace a message posted before (re-announcing results never posts twice)."""
        ...


# ---- the unit of work and its repositories ----------------------------------------------


class WorkspaceRepo(Protocol):
    """Workspaces: one per Slack team or Teams tenant."""

    async def workspace(self, platform: str, external_id: str, name: str = "") -> Workspace: ...

    async def workspace_by_id(self, workspace_id: int) -> Workspace | None: ...

    async def workspaces(self, ids: set[int]) -> dict[int, Workspace]: ...


class PeopleRepo(Protocol):
    """People as the platforms name them, per workspace; whether and where they can be reached."""

    async def person(self, workspace_id: int, external_id: str, name: str = "") -> Person: ...

    async def existing_person(self, workspace_id: int, external_id: str) -> Person | None: ...

    async def people_by_external_id(self, external_id: str) -> Sequence[Person]: ...

    async def person_by_id(self, person_id: int) -> Person | None: ...

    async def people(self, ids: Sequence[int]) -> dict[int, Person]: ...

    async def remember_dm_channels(self, found: Sequence[tuple[str, str, str]]) -> None: ...

    async def dm_channel(self, team: str, user: str) -> str | None: ...

    async def mark_unreachable(self, person_id: int, now: datetime) -> bool: ...


class PilotRepo(Protocol):
    """A channel's pilots, who holds which role, who was active when."""

    async def current_pilot(self, workspace_id: int, channel_id: str) -> Pilot | None: ...

    async def pilot(self, pilot_id: int) -> Pilot | None: ...

    async def open_pilots(self) -> Sequence[Pilot]: ...

    async def all_pilots(self) -> Sequence[Pilot]: ...

    async def pilots_of_person(self, person_id: int) -> Sequence[Pilot]: ...

    async def due_pilot_ids(self, now: datetime) -> list[int]: ...

    async def due_pilots(
        self, now: datetime, ids: Sequence[int] | None = None
    ) -> Sequence[Pilot]: ...

    async def set_next_due(self, due: dict[int, datetime]) -> None: ...

    async def mark_planning(
        self, ids: Sequence[int], now: datetime, marker: datetime
    ) -> set[int]: ...

    async def marked(self, ids: Sequence[int], marker: datetime) -> set[int]: ...

    async def replan(self, pilot_ids: Sequence[int]) -> None: ...

    async def replan_person(self, person_id: int) -> None: ...

    async def replan_conversations(self, conversations: Iterable[Conversation]) -> None: ...

    async def next_due_moment(self, now: datetime) -> tuple[datetime | None, Sequence[Pilot]]: ...

    async def roles(self, pilot_id: int) -> dict[str, Person]: ...

    async def set_role(
        self, pilot_id: int, role: str, person_id: int, by: int | None, now: datetime
    ) -> None: ...

    async def role_history(self, pilot_id: int) -> Sequence[RoleAssignment]: ...

    async def touch(self, pilot_id: int, person_id: int, now: datetime) -> None: ...

    async def set_paused(
        self, pilot_id: int, person_id: int, now: datetime, paused: bool
    ) -> bool: ...

    async def activity(self, pilot_id: int) -> dict[int, datetime]: ...

    async def load_pilot_rows(self, ids: Sequence[int], kinds: Sequence[str]) -> PilotRows: ...


class TaskRepo(Protocol):
    """Roadmap tasks ticked off per pilot."""

    async def done_tasks(self, pilot_id: int) -> dict[str, TaskState]: ...

    async def mark_done(
        self, pilot_id: int, task_id: str, person_id: int, now: datetime, note: str
    ) -> bool: ...


class ProcessRepo(Protocol):
    """Candidate workflows, the capacity check and the build decision."""

    async def processes(self, pilot_id: int) -> Sequence[Process]: ...

    async def remove_process(self, pilot_id: int, process_id: int) -> list[Process]: ...

    async def decision(self, pilot_id: int) -> BuildDecision: ...

    async def capacity_check(self, pilot_id: int) -> CapacityCheck | None: ...


class MetricRepo(Protocol):
    """Metrics and check-ins (one value per metric and pilot week)."""

    async def metrics(self, pilot_id: int) -> Sequence[Metric]: ...

    async def checkins(self, pilot_id: int) -> Sequence[Checkin]: ...

    async def supersede_week(
        self, pilot_id: int, metric_id: int, week: int
    ) -> tuple[Checkin | None, list[Checkin]]: ...

    async def restore_replaced(self, checkin_id: int) -> None: ...


class RetroRepo(Protocol):
    """The retrospective's answers."""

    async def save_retro(
        self, pilot_id: int, person_id: int, question: int, text: str, now: datetime
    ) -> None: ...

    async def retro_answers(self, pilot_id: int) -> list[tuple[RetroAnswer, Person]]: ...


class OutboxRepo(Protocol):
    """Messages to deliver: queued by the planner and the commands, claimed by the dispatcher."""

    async def enqueue(self, message: dict[str, Any]) -> bool: ...

    async def enqueue_many(self, messages: Sequence[dict[str, Any]]) -> int: ...

    async def announce(self, message: dict[str, Any], now: datetime) -> bool: ...

    async def set_message_id(self, outbox_id: int, message_id: str) -> None: ...

    async def outbox_keys(self, weeks: dict[int, int]) -> set[str]: ...

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Claimed]: ...

    async def mark_sent(self, ids: Sequence[int], now: datetime) -> None: ...

    async def record_failure(
        self, outbox_id: int, *, status: str, error: str, next_attempt_at: datetime
    ) -> None: ...

    async def purge_replies(self, before: datetime) -> None: ...

    async def outbox(self, *, failed_only: bool = False) -> Sequence[OutboxMessage]: ...

    async def oldest_due(self, now: datetime) -> datetime | None: ...

    async def next_retry_after(self, now: datetime) -> datetime | None: ...


class EventRepo(Protocol):
    """Platform event ids handled once (Slack retries, Teams redeliveries)."""

    async def claim_event(self, platform: str, event_id: str, now: datetime) -> bool: ...


class RefRepo(Protocol):
    """Conversation references (Teams) kept for proactive sends."""

    async def save_ref(
        self, platform: str, workspace: str, scope: str, key: str, data: dict[str, Any]
    ) -> None: ...

    async def load_ref(
        self, platform: str, workspace: str, scope: str, key: str
    ) -> dict[str, Any] | None: ...


class ClockRepo(Protocol):
    """The simulated clock of the demo and the tests (``SimClock``)."""

    async def sim_now(self) -> datetime | None: ...

    async def set_sim_now(self, now: datetime) -> None: ...


class PrivacyRepo(Protocol):
    """What the privacy commands (``forget``, ``my data``) and the retention job change."""

    async def forget(self, person: Person, now: datetime) -> None: ...

    async def championed_pilots(self, person_id: int) -> list[int]: ...

    async def forget_in_pilots(
        self, person: Person, pilot_ids: list[int], now: datetime
    ) -> str | None: ...

    async def personal_data(self, person: Person) -> dict[str, Any]: ...

    async def expire_free_text(self, now: datetime, days: int) -> int: ...


class AwayRepo(Protocol):
    """Out-of-office periods and the welcome back after them (``storage.away``)."""

    async def current(self, person_id: int, now: datetime) -> AwayPeriod | None: ...

    async def start(
        self, person_id: int, source: str, now: datetime, until: datetime | None
    ) -> AwayPeriod: ...

    async def end(self, person_id: int, now: datetime) -> AwayPeriod | None: ...

    async def rows_for(
        self, person_ids: Iterable[int], pilot_ids: Sequence[int], now: datetime
    ) -> AwayRows: ...

    async def owners_returning(
        self, pilot_ids: Sequence[int], now: datetime
    ) -> dict[int, list[datetime]]: ...

    async def changes(self, pilot_id: int, since: datetime) -> Changes: ...

    async def forget(self, person_id: int) -> None: ...

    async def skip_delivery(self, outbox_id: int) -> None: ...

    async def drop_delivery(self, outbox_id: int) -> None: ...

    async def skip_pending(self, person_id: int, kinds: Iterable[str]) -> None: ...


class CanvasRepo(Protocol):
    """Slack canvases: a pilot's living page, its results canvas, where canvases are off."""

    async def pilot(self, pilot_id: int) -> PilotCanvas | None: ...

    async def of_pilots(self, ids: list[int]) -> dict[int, PilotCanvas]: ...

    async def open_for(self, pilot_id: int, previous: int | None = None) -> None: ...

    async def unavailable(self, platform: str, team: str, now: datetime) -> str | None: ...

    async def unavailable_teams(self, platform: str, now: datetime) -> set[str]: ...

    async def mark_unavailable(
        self, platform: str, team: str, reason: str, now: datetime
    ) -> None: ...

    async def queue(
        self, updates: Sequence[CanvasUpdate], now: datetime, states: dict[int, PilotCanvas]
    ) -> int: ...

    async def published(
        self, pilot_id: int, canvas_id: str, sections: dict[str, str], now: datetime
    ) -> None: ...

    async def forget_canvas(self, pilot_id: int) -> None: ...

    async def set_results_doc(self, pilot_id: int, doc: dict[str, Any]) -> None: ...

    async def published_results(self, pilot_id: int, canvas_id: str, url: str) -> None: ...


class Savepoint(Protocol):
    """A nested transaction (``uow.savepoint()``)."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class AbstractUnitOfWork(Protocol):
    """One transaction: ``async with uow: ...; await uow.commit()``; leaving the block without
    a commit rolls it back. The repositories are its attributes."""

    @property
    def workspaces(self) -> WorkspaceRepo: ...

    @property
    def people(self) -> PeopleRepo: ...

    @property
    def pilots(self) -> PilotRepo: ...

    @property
    def tasks(self) -> TaskRepo: ...

    @property
    def processes(self) -> ProcessRepo: ...

    @property
    def metrics(self) -> MetricRepo: ...

    @property
    def retro(self) -> RetroRepo: ...

    @property
    def outbox(self) -> OutboxRepo: ...

    @property
    def events(self) -> EventRepo: ...

    @property
    def refs(self) -> RefRepo: ...

    @property
    def clock(self) -> ClockRepo: ...

    @property
    def privacy(self) -> PrivacyRepo: ...

    @property
    def away(self) -> AwayRepo: ...

    @property
    def canvases(self) -> CanvasRepo: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def lock(
        self, platform: str, workspace: str, channel: str, *, changes: bool = True
    ) -> None:
        """Wait until no other unit of work holds this conversation."""
        ...

    async def try_lock_keys(self, keys: Sequence[int]) -> set[int]: ...

    async def savepoint(self) -> Savepoint: ...

    async def add(self, row: SQLModel) -> None:
        """Write a new (or changed) row now: its generated id is set afterwards."""
        ...

    def save(self, row: SQLModel) -> None:
        """Keep a changed row: written at the next flush or the commit."""
        ...

    async def flush(self) -> None: ...

    async def refresh(self, row: SQLModel) -> None: ...

    async def insert_ignore(self, table: type[SQLModel], values: dict[str, Any]) -> bool: ...

    def release_rows(self) -> None: ...

    async def ping(self) -> None: ...

    async def commit(self) -> None: ...


class AbstractUnitOfWorkFactory(Protocol):
    """Where units of work come from: ``uow()`` writes, ``uow.read()`` only reads."""

    def __call__(self) -> AbstractUnitOfWork: ...

    def read(self) -> AbstractUnitOfWork: ...

    @property
    def dialect(self) -> str:
        """The database's kind: "sqlite", "postgresql" (or "memory" for the test fake)."""
        ...


@dataclass(frozen=True)
class Presence:
    """What a platform says about a person: out of office (until when, if it says)."""

    away: bool
    until: datetime | None = None


@runtime_checkable
class PresenceSource(Protocol):
    """An adapter that can read whether a person is out of office (Slack status, Teams
    presence); None when it cannot tell (no scope, not configured, an error)."""

    async def presence(self, ref: ConversationRef) -> Presence | None: ...
