"""Canvases: each pilot's living page and results page (Slack canvases), and the workspaces
that cannot have canvases. Tables and their repository (``uow.canvases``).

A canvas change goes out through the outbox (kind ``canvas``), at most once a minute per
pilot: a change while an update is still waiting replaces that update's content; one after an
update went out waits until a minute after it. Each queued update has a generation number, and
only the newest one is sent, so a late retry never puts older content back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.tables import OutboxMessage
from storage.types import utc_column

#: at most one canvas update per pilot in this interval
EDIT_INTERVAL = timedelta(minutes=1)
KIND = "canvas"
#: a workspace without canvases is asked again after this long (a scope added, a plan changed)
ASK_AGAIN = timedelta(days=1)


class PilotCanvas(SQLModel, table=True):
    """A pilot's canvases: the channel canvas (living page) and the results canvas."""

    __tablename__ = "pilot_canvases"
    pilot_id: int = Field(foreign_key="pilots.id", primary_key=True)
    canvas_id: str | None = Field(default=None, max_length=64)
    # the markdown of each section as last sent (section key -> markdown): what an edit changes
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    digest: str = Field(default="", max_length=64)  # of the newest queued document
    generation: int = 0  # of the newest queued update
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    results_canvas_id: str | None = Field(default=None, max_length=64)
    results_url: str = Field(default="", max_length=300)
    # the results document of the newest ``announce`` (sent with the announcement)
    results_doc: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CanvasSupport(SQLModel, table=True):
    """A workspace where canvases are unavailable (the platform's reason): not asked again."""

    __tablename__ = "canvas_support"
    platform: str = Field(max_length=16, primary_key=True)
    team: str = Field(max_length=128, primary_key=True)
    reason: str = Field(max_length=64)
    since: datetime = Field(sa_column=utc_column())


@dataclass(frozen=True)
class CanvasUpdate:
    """A pilot's living page as rendered now (``bot.canvas.CanvasDoc`` JSON) and where it goes."""

    pilot_id: int
    digest: str
    doc: dict[str, Any]
    target: dict[str, Any]
    week: int


def canvas_row(update: CanvasUpdate, generation: int, due: datetime) -> OutboxMessage:
    """The outbox row of one canvas update (its generation: only the newest is sent)."""
    return OutboxMessage(
        dedupe_key=f"{update.pilot_id}:canvas:{generation}",
        pilot_id=update.pilot_id, person_id=None, week=update.week, kind=KIND,
        target=update.target, payload={"canvas": update.doc, "generation": generation},
        due_at=due, next_attempt_at=due,
    )  # fmt: skip
