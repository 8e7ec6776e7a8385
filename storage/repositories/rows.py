"""Everything that belongs to a set of pilots, read with one query per table (the snapshot's
rows: the planner reads a thousand pilots at a time)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.records import PilotRows
from storage.repositories.base import one_of
from storage.tables import (
    Activity,
    BuildDecision,
    CapacityCheck,
    Checkin,
    Metric,
    OutboxMessage,
    Person,
    Process,
    RoleAssignment,
    TaskState,
)


async def load_pilot_rows(
    session: AsyncSession, ids: Sequence[int], kinds: Sequence[str]
) -> PilotRows:
    """The rows of these pilots, one query per table (``kinds``: the outbox kinds of nudges)."""
    rows = PilotRows()
    if not ids:
        return rows
    owners = await session.exec(
        select(RoleAssignment.pilot_id, RoleAssignment.role, Person)
        .join(Person, col(Person.id) == col(RoleAssignment.person_id))
        .where(one_of(col(RoleAssignment.pilot_id), ids), col(RoleAssignment.ended_at).is_(None))
    )
    for pilot_id, role, person in owners:
        rows.owners.setdefault(pilot_id, {})[role] = person
    for a in await session.exec(select(Activity).where(one_of(col(Activity.pilot_id), ids))):
        rows.activity.setdefault(a.pilot_id, {})[a.person_id] = a.last_active_at
        if a.paused_at is not None:
            rows.paused.setdefault(a.pilot_id, set()).add(a.person_id)
    announced = await session.exec(
        select(OutboxMessage.pilot_id, OutboxMessage.sent_at).where(
            one_of(col(OutboxMessage.pilot_id), ids), OutboxMessage.kind == "announce"
        )
    )
    for announced_id, sent_at in announced:
        if announced_id is None:
            continue
        rows.announced.add(announced_id)
        earlier = rows.announced_at.get(announced_id)
        if sent_at is not None and (earlier is None or sent_at < earlier):
            rows.announced_at[announced_id] = sent_at
    sent = await session.exec(
        select(OutboxMessage.pilot_id, OutboxMessage.person_id, OutboxMessage.sent_at).where(
            one_of(col(OutboxMessage.pilot_id), ids),
            OutboxMessage.status == "sent",
            col(OutboxMessage.kind).in_(kinds),
        )
    )
    for of_pilot, person_id, sent_at in sent:
        if of_pilot is not None and person_id is not None and sent_at is not None:
            rows.nudges_sent.setdefault(of_pilot, {}).setdefault(person_id, []).append(sent_at)
    for t in await session.exec(select(TaskState).where(one_of(col(TaskState.pilot_id), ids))):
        rows.done.setdefault(t.pilot_id, set()).add(t.task_id)
    for p in await session.exec(
        select(Process).where(one_of(col(Process.pilot_id), ids)).order_by(col(Process.position))
    ):
        rows.processes.setdefault(p.pilot_id, []).append(p)
    for m in await session.exec(
        select(Metric).where(one_of(col(Metric.pilot_id), ids)).order_by(col(Metric.id))
    ):
        rows.metrics.setdefault(m.pilot_id, []).append(m)
    for c in await session.exec(
        select(Checkin)
        .where(one_of(col(Checkin.pilot_id), ids))
        .order_by(col(Checkin.recorded_at), col(Checkin.id))
    ):
        rows.checkins.setdefault(c.pilot_id, []).append(c)
    for o in await session.exec(
        select(OutboxMessage).where(
            one_of(col(OutboxMessage.pilot_id), ids), OutboxMessage.status == "failed"
        )
    ):
        if o.pilot_id is not None:
            rows.failed.setdefault(o.pilot_id, []).append(o)
    for cap in await session.exec(
        select(CapacityCheck).where(one_of(col(CapacityCheck.pilot_id), ids))
    ):
        rows.capacity[cap.pilot_id] = cap
    for d in await session.exec(
        select(BuildDecision).where(one_of(col(BuildDecision.pilot_id), ids))
    ):
        rows.decisions[d.pilot_id] = d
    return rows
