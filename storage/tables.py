"""SQLModel tables: the whole persistent state of Pilot Coach. Schema changes go via Alembic."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class Workspace(SQLModel, table=True):
    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    name: str = Field(default="", max_length=200)


class Person(SQLModel, table=True):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True)
    external_id: str = Field(max_length=128)
    display_name: str = Field(default="", max_length=200)
    # Set when the platform said this person cannot be reached (account gone, bot blocked);
    # cleared when they write again. Nudges skip unreachable people.
    unreachable_since: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Slack: the DM channel conversations.open returned (a nudge then needs no second call)
    dm_channel: str | None = Field(default=None, max_length=64)


class Pilot(SQLModel, table=True):
    __tablename__ = "pilots"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "cycle"),
        Index("ix_pilots_status_next_due_at", "status", "next_due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspaces.id", index=True)
    channel_id: str = Field(max_length=128)
    channel_name: str = Field(default="", max_length=200)
    cycle: int = 1
    start_date: date
    timezone: str = Field(max_length=64)
    language: str = Field(max_length=8)
    nudge_weekday: int = 0
    nudge_time: str = Field(default="09:00", max_length=5)
    region: str = Field(default="DE", max_length=16)
    status: str = Field(default="open", max_length=16, index=True)
    chosen_process_id: int | None = None
    hourly_rate: float | None = None  # € per hour, turns hours saved into money
    # ``settings name=… company=…``: the results summary's title (empty: the channel's name)
    name: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    company: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    webhook_token_hash: str | None = Field(default=None, max_length=128)  # sha256 hex
    created_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # When the planner next has something to consider for this pilot; NULL: recompute at the
    # next tick (set so by every change under the pilot's lock). The tick reads due pilots only.
    next_due_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class RoleAssignment(SQLModel, table=True):
    """Role history: the current owner of a role is the row without ``ended_at`` (at most one
    per pilot and role: a partial unique index, migration 0005)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        Index("uq_role_assignments_active", "pilot_id", "role", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilots.id", index=True)
    role: str = Field(max_length=16)
    person_id: int = Field(foreign_key="people.id")
    assigned_by: int | None = Field(default=None, foreign_key="people.id")
    assigned_at: datetime = Field(sa_column=utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Activity(SQLModel, table=True):
    """When a person last did something in a pilot (answers nudges)."""

    __tablename__ = "activity"
    pilot_id: int = Field(foreign_key="pilots.id", primary_key=True)
    person_id: int = Field(foreign_key="people.id", primary_key=True)
    last_active_at: datetime = Field(sa_column=utc_column())
    # ``pause``: no nudges to this person in this pilot until ``resume``
    paused_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class TaskState(SQLModel, table=True):
    __tablename__ = "task_states"
    __table_args__ = (UniqueConstraint("pilot_id", "task_id"),)
    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilots.id", index=True)
    task_id: str = Field(max_length=64)
    done_by: int | None = Field(default=None, foreign_key="people.id")
    done_at: datetime = Field(sa_column=utc_column())
    note: str = Field(default="", max_length=500)


class Process(SQLModel, table=True):
    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("pilot_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilots.id", index=True)
    position: int
    name: str = Field(max_length=200)
    inputs: str = Field(default="", max_length=500)
    outputs: str = Field(default="", max_length=500)
    hours_per_week: float | None = None
    created_by: int | None = Field(default=None, foreign_key="people.id")
    # The mapping of weeks 2-3 (migration 0008): what the score of playbook.workflows reads.
    steps: str = Field(default="", max_length=500)
    systems: str = Field(default="", max_length=500)
    volume: float | None = None  # cases per week
    minutes: float | None = None  # minutes per case
    rule_share: int | None = None  # 0-100 %
    data_ready: str | None = Field(default=None, max_length=8)  # yes, partly, no
    pain: str = Field(default="", max_length=64)  # time,errors,customers


class CapacityCheck(SQLModel, table=True):
    """The week-4 capacity questionnaire of a pilot (answering again replaces it) and the
    recommendation it led to (``playbook.workflows.recommend``)."""

    __tablename__ = "capacity_checks"
    pilot_id: int = Field(foreign_key="pilots.id", primary_key=True)
    builder: str = Field(max_length=16)  # inhouse, nocode, none
    tool: str = Field(default="", max_length=40)
    access: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # system -> access
    hours: float = 0.0
    budget: bool = False
    path: str = Field(max_length=16)  # inhouse, nocode, partner
    reason: str = Field(max_length=32)  # capacity.reason.<reason>
    answered_at: datetime = Field(sa_column=utc_column())


class BuildDecision(SQLModel, table=True):
    """The decisions around the ONE workflow: why a lower-ranked one was picked, the demo date
    (week 6), whether it is live (week 8) and the champion's choice if not (week 9)."""

    __tablename__ = "build_decisions"
    pilot_id: int = Field(foreign_key="pilots.id", primary_key=True)
    pick_reason: str = Field(default="", max_length=500)
    passed_over: str = Field(default="", max_length=200)  # the recommended one not picked
    demo_date: date | None = None
    live: bool | None = None
    live_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    overrun: str | None = Field(default=None, max_length=16)  # extend, shrink
    overrun_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Metric(SQLModel, table=True):
    __tablename__ = "metrics"
    __table_args__ = (UniqueConstraint("pilot_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilots.id", index=True)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=32)
    baseline: float
    target: float | None = None
    lower_is_better: bool = True
    owner_id: int | None = Field(default=None, foreign_key="people.id")
    kind: str = Field(default="free", max_length=16)  # playbook.results.MetricKind
    per: str | None = Field(default=None, max_length=8)  # effort: "case" or "week"
    volume: float | None = None  # per-case effort: cases per week
    scale: float | None = None  # satisfaction: the top of the score's scale (5, 10, 100)
    # ``metric remove``: gone from status and results, its check-ins stay in the export
    removed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Checkin(SQLModel, table=True):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("pilot_id", "idempotency_key"),)
    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilots.id", index=True)
    metric_id: int = Field(foreign_key="metrics.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="people.id")
    week: int
    value: float
    note: str = Field(default="", max_length=500)
    source: str = Field(default="chat", max_length=16)
    idempotency_key: str | None = Field(default=None, max_length=200)
    recorded_at: datetime = Field(sa_column=utc_column())
    # ``checkin undo``: no longer counts, stays in the export
    withdrawn_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # One value per metric and pilot week: a later check-in of the same week replaces this one
    # (its id); kept for the audit trail and the export, no longer counts.
    replaced_by: int | None = None


PENDING = text("status = 'pending'")
FAILED = text("status = 'failed'")
REPLY = text("kind = 'reply'")


class OutboxMessage(SQLModel, table=True):
    """Everything the bot sends on its own: written first, delivered by the dispatcher."""

    __tablename__ = "outbox"
    # Partial indexes (migration 0012): the pending rows are a Monday's few thousand among every
    # message ever sent, so the claim reads them in order straight from a small index, and a
    # delivered row leaves the indexes instead of being written into each of them again.
    __table_args__ = (
        Index("ix_outbox_pending_due", "due_at", "id", sqlite_where=PENDING,
              postgresql_where=PENDING),
        Index("ix_outbox_pending_next_attempt", "next_attempt_at", sqlite_where=PENDING,
              postgresql_where=PENDING),
        Index("ix_outbox_failed_due", "due_at", sqlite_where=FAILED, postgresql_where=FAILED),
        Index("ix_outbox_reply_due", "due_at", sqlite_where=REPLY, postgresql_where=REPLY),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    # None: a command's answer that failed to send (kind "reply"), retried without a pilot
    pilot_id: int | None = Field(default=None, foreign_key="pilots.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="people.id")
    week: int
    kind: str = Field(max_length=32)
    target: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    due_at: datetime = Field(sa_column=utc_column())
    next_attempt_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The platform's id of the posted message, so a re-announce updates it instead of reposting.
    message_id: str | None = Field(default=None, max_length=200)


class RetroAnswer(SQLModel, table=True):
    """A role owner's answer to one of the three week-12 retrospective questions."""

    __tablename__ = "retro_answers"
    __table_args__ = (UniqueConstraint("pilot_id", "person_id", "question"),)
    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilots.id", index=True)
    person_id: int = Field(foreign_key="people.id")
    question: int  # 1 what worked, 2 what got in the way, 3 what to do differently
    text: str = Field(max_length=500)
    answered_at: datetime = Field(sa_column=utc_column())


class ProcessedEvent(SQLModel, table=True):
    """Platform event ids already handled, so a retried delivery changes nothing twice."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=200)
    received_at: datetime = Field(sa_column=utc_column())


class ConversationRefRecord(SQLModel, table=True):
    """Where to reach a person or channel proactively (Teams references, Slack ids)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "workspace", "scope", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=128)
    scope: str = Field(max_length=16)  # "user" or "channel"
    key: str = Field(max_length=128)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class SimClock(SQLModel, table=True):
    """The simulated clock of console and demo runs, kept so a later run goes on from there."""

    __tablename__ = "sim_clock"
    id: int = Field(default=1, primary_key=True)
    now: datetime = Field(sa_column=utc_column())


# ---- out of office (issue 18) ----------------------------------------------------------
class AwayPeriod(SQLModel, table=True):
    """A person out of office: no nudges or escalations about them from ``starts_at`` until
    the first of ``until`` and ``ended_at``; on return, one welcome-back summary per pilot."""

    __tablename__ = "away_periods"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    source: str = Field(max_length=16)  # command, slack (status), teams (Graph presence)
    starts_at: datetime = Field(sa_column=utc_column())
    # the first moment they are back; None: until the platform status says otherwise
    until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
