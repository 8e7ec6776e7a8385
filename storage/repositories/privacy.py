"""Data protection (DSGVO/GDPR) in the database: forget a person (everywhere, or in some
pilots), read everything stored about a person, and let closed pilots' free text expire.
Numbers stay, so a pilot's results still render."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from storage.repositories.away import AwayRepository
from storage.repositories.base import SessionRepository
from storage.repositories.canvases import CanvasRepository
from storage.tables import (
    Activity,
    AwayPeriod,
    BuildDecision,
    Checkin,
    ConversationRefRecord,
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


def anonymous_name(person_id: int) -> str:
    return f"former-member-{person_id}"


class PrivacyRepository(SessionRepository):
    """What the privacy commands (``forget``, ``my data``) and the retention job change."""

    async def forget(self, person: Person, now: datetime) -> None:
        """Remove a person's names and free text everywhere; keep the numbers (anonymised)."""
        assert person.id is not None
        secrets = {s for s in (person.display_name, person.external_id) if s}
        workspace = await self.session.get(Workspace, person.workspace_id)
        s = self.session
        await s.exec(update(Checkin).where(col(Checkin.person_id) == person.id).values(note=""))
        await s.exec(update(TaskState).where(col(TaskState.done_by) == person.id).values(note=""))
        await s.exec(delete(RetroAnswer).where(col(RetroAnswer.person_id) == person.id))
        await AwayRepository(s).forget(person.id)  # when someone was on holiday is theirs
        await s.exec(
            update(RoleAssignment)
            .where(
                col(RoleAssignment.person_id) == person.id, col(RoleAssignment.ended_at).is_(None)
            )
            .values(ended_at=now)
        )
        if workspace is not None:
            await s.exec(
                delete(ConversationRefRecord).where(
                    col(ConversationRefRecord.platform) == workspace.platform,
                    col(ConversationRefRecord.workspace) == workspace.external_id,
                    col(ConversationRefRecord.key) == person.external_id,
                )
            )
        await s.exec(
            delete(OutboxMessage).where(
                col(OutboxMessage.person_id) == person.id, col(OutboxMessage.status) != "sent"
            )
        )
        pilots = select(Pilot.id).where(Pilot.workspace_id == person.workspace_id)
        for row in await s.exec(
            select(OutboxMessage).where(col(OutboxMessage.pilot_id).in_(pilots))
        ):
            payload, target = _scrub(row.payload, secrets), _scrub(row.target, secrets)
            if payload != row.payload or target != row.target:
                row.payload, row.target = payload, target
                s.add(row)
        in_workspace = await s.exec(select(Pilot).where(Pilot.workspace_id == person.workspace_id))
        await self._scrub_canvases([p.id for p in in_workspace if p.id is not None], secrets)
        person.display_name = anonymous_name(person.id)
        person.external_id = f"forgotten-{person.id}"
        person.unreachable_since = None
        s.add(person)
        await s.flush()

    async def championed_pilots(self, person_id: int) -> list[int]:
        """The pilots (any cycle) in which this person is the champion now."""
        rows = await self.session.exec(
            select(RoleAssignment.pilot_id).where(
                RoleAssignment.person_id == person_id,
                RoleAssignment.role == "champion",
                col(RoleAssignment.ended_at).is_(None),
            )
        )
        return sorted(set(rows))

    async def forget_in_pilots(
        self, person: Person, pilot_ids: list[int], now: datetime
    ) -> str | None:
        """Forget a person in these pilots only (a champion's ``forget @person``): their roles there
        end, their notes and retrospective answers there are gone, and what stays (numbers, ticked
        tasks) moves to a new anonymous stand-in. Their data in other pilots is untouched. Returns
        the stand-in's name, or None when the person has nothing in these pilots."""
        assert person.id is not None
        s = self.session
        scope = list(pilot_ids)
        if not await self._present(person, scope):
            return None
        stand_in = Person(workspace_id=person.workspace_id, external_id=f"forgetting-{person.id}")
        s.add(stand_in)
        await s.flush()
        assert stand_in.id is not None
        stand_in.external_id = f"forgotten-{stand_in.id}"
        stand_in.display_name = anonymous_name(stand_in.id)
        s.add(stand_in)
        secrets = {x for x in (person.display_name, person.external_id) if x}
        in_retro = col(RetroAnswer.pilot_id).in_(scope), col(RetroAnswer.person_id) == person.id
        await s.exec(delete(RetroAnswer).where(*in_retro))
        in_activity = col(Activity.pilot_id).in_(scope), col(Activity.person_id) == person.id
        await s.exec(delete(Activity).where(*in_activity))
        await s.exec(
            delete(OutboxMessage).where(
                col(OutboxMessage.pilot_id).in_(scope),
                col(OutboxMessage.person_id) == person.id,
                col(OutboxMessage.status) != "sent",
            )
        )
        await s.exec(
            update(RoleAssignment)
            .where(col(RoleAssignment.pilot_id).in_(scope),
                   col(RoleAssignment.person_id) == person.id,
                   col(RoleAssignment.ended_at).is_(None))
            .values(ended_at=now)
        )  # fmt: skip
        for table, column in _PERSON_COLUMNS:
            values: dict[str, Any] = {column.key: stand_in.id}
            if table in (Checkin, TaskState):
                values["note"] = ""
            await s.exec(
                update(table)
                .where(col(table.pilot_id).in_(scope), column == person.id)
                .values(values)
            )
        in_scope = select(OutboxMessage).where(col(OutboxMessage.pilot_id).in_(scope))
        for row in await s.exec(in_scope):
            payload, target = _scrub(row.payload, secrets), _scrub(row.target, secrets)
            if payload != row.payload or target != row.target:
                row.payload, row.target = payload, target
                s.add(row)
        await self._scrub_canvases(scope, secrets)
        await s.flush()
        if not await self._present(person, None):  # nothing of them is left: erase the rest
            await self.forget(person, now)
        return stand_in.display_name

    async def _present(self, person: Person, pilot_ids: list[int] | None) -> bool:
        """Whether any pilot's records (of ``pilot_ids``, or of all pilots) name this person."""
        for table, column in _PERSON_COLUMNS:
            query = select(table.pilot_id).where(column == person.id)
            if pilot_ids is not None:
                query = query.where(col(table.pilot_id).in_(pilot_ids))
            if (await self.session.exec(query)).first() is not None:
                return True
        return False

    async def personal_data(self, person: Person) -> dict[str, Any]:
        """Everything stored about one person (Art. 15 DSGVO), as JSON-ready data."""
        assert person.id is not None
        s = self.session
        roles = await s.exec(
            select(RoleAssignment, Pilot)
            .join(Pilot, col(Pilot.id) == col(RoleAssignment.pilot_id))
            .where(RoleAssignment.person_id == person.id)
        )
        checkins = await s.exec(
            select(Checkin, Metric)
            .join(Metric, col(Metric.id) == col(Checkin.metric_id))
            .where(Checkin.person_id == person.id)
            .order_by(col(Checkin.recorded_at), col(Checkin.id))  # as reported, on every database
        )
        tasks = await s.exec(select(TaskState).where(TaskState.done_by == person.id))
        retro = await s.exec(select(RetroAnswer).where(RetroAnswer.person_id == person.id))
        activity = await s.exec(select(Activity).where(Activity.person_id == person.id))
        away = await s.exec(select(AwayPeriod).where(AwayPeriod.person_id == person.id))
        return {
            "person": person.model_dump(mode="json"),
            "roles": [
                {"pilot": p.id, "channel": p.channel_name or p.channel_id, "role": r.role,
                 "assigned_at": r.assigned_at.isoformat(),
                 "ended_at": r.ended_at.isoformat() if r.ended_at else None}
                for r, p in roles
            ],
            "checkins": [
                {"pilot": c.pilot_id, "metric": m.name, "week": c.week, "value": c.value,
                 "note": c.note, "recorded_at": c.recorded_at.isoformat()}
                for c, m in checkins
            ],
            "tasks_done": [t.model_dump(mode="json") for t in tasks],
            "retrospective": [a.model_dump(mode="json") for a in retro],
            "activity": [a.model_dump(mode="json") for a in activity],
            "away": [a.model_dump(mode="json") for a in away],
        }  # fmt: skip

    async def _scrub_canvases(self, pilot_ids: list[int], secrets: set[str]) -> None:
        """The pilots' canvases: the announced results document scrubbed, and the living page
        rendered anew and sent whole (its sections as sent are forgotten)."""
        for state in (await CanvasRepository(self.session).of_pilots(pilot_ids)).values():
            state.sections, state.digest = {}, ""
            if state.results_doc is not None:
                state.results_doc = _scrub(state.results_doc, secrets)
            self.session.add(state)

    async def expire_free_text(self, now: datetime, days: int) -> int:
        """Blank the free text of pilots closed more than ``days`` ago; returns pilots touched."""
        if days <= 0:
            return 0
        cutoff = now - timedelta(days=days)
        ids = list(
            await self.session.exec(
                select(Pilot.id).where(
                    Pilot.status == "closed", col(Pilot.closed_at) < cutoff,
                )
            )
        )  # fmt: skip
        if not ids:
            return 0
        s = self.session
        await s.exec(update(Checkin).where(col(Checkin.pilot_id).in_(ids)).values(note=""))
        await s.exec(update(TaskState).where(col(TaskState.pilot_id).in_(ids)).values(note=""))
        await s.exec(
            update(BuildDecision).where(col(BuildDecision.pilot_id).in_(ids)).values(pick_reason="")
        )
        await s.exec(delete(RetroAnswer).where(col(RetroAnswer.pilot_id).in_(ids)))
        await s.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.pilot_id).in_(ids), col(OutboxMessage.status) == "sent")
            .values(payload={"text": "", "blocks": []})
        )
        return len(ids)


# Every column that names a person in a pilot's records (RetroAnswer and Activity rows of a
# forgotten person are deleted instead).
_PERSON_COLUMNS: tuple[tuple[Any, Any], ...] = (
    (RoleAssignment, col(RoleAssignment.person_id)),
    (RoleAssignment, col(RoleAssignment.assigned_by)),
    (Checkin, col(Checkin.person_id)),
    (TaskState, col(TaskState.done_by)),
    (Process, col(Process.created_by)),
    (Metric, col(Metric.owner_id)),
    (RetroAnswer, col(RetroAnswer.person_id)),
    (Activity, col(Activity.person_id)),
)


def _scrub(data: dict[str, Any], secrets: set[str]) -> dict[str, Any]:
    text = json.dumps(data, ensure_ascii=False)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "–")
    result: dict[str, Any] = json.loads(text)
    return result
