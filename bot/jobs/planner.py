"""Finds the proactive messages that are due and writes them to the outbox, once each.

Each message has a dedupe key (pilot, recipient, week, kind), so running the planner again, in
another process or after a restart, never adds a second copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.catalog import texts
from bot.messages import ConversationRef, Reply
from bot.services import views
from bot.services.snapshot import Snapshot, load_snapshot
from playbook import calendar
from playbook.roadmap import LAST_WEEK
from playbook.roles import ROLE_ORDER, Role
from storage.repositories import Repository
from storage.tables import Person, Workspace

SUMMARY_WEEK = LAST_WEEK + 1


def dedupe_key(pilot_id: int, recipient: str, week: int, kind: str) -> str:
    return f"{pilot_id}:{recipient}:{week}:{kind}"


class Planner:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    async def plan(self, now: datetime) -> int:
        """Enqueue everything due at ``now``; returns how many rows were added."""
        added = 0
        for pilot in await self.repo.open_pilots():
            snap = await load_snapshot(self.repo, pilot, now)
            if 1 <= snap.week <= SUMMARY_WEEK:
                workspace = await self.repo.workspace_by_id(pilot.workspace_id)
                assert workspace is not None
                added += await self._plan_pilot(snap, workspace, now)
        return added

    async def _plan_pilot(self, snap: Snapshot, workspace: Workspace, now: datetime) -> int:
        sched, week, start = snap.schedule, snap.week, snap.pilot.start_date
        slot = calendar.weekly_slot(start, week, sched)
        if now < slot:
            return 0
        t = texts(snap.pilot.language)
        added = 0
        activity = await self.repo.activity(snap.pilot_id)
        for person, roles in _owners(snap):
            ref = _person_ref(workspace, person)
            if week == SUMMARY_WEEK:
                if Role.CHAMPION in roles:
                    reply = views.results_reply(t, snap)
                    added += await self._enqueue(snap, person, "summary", ref, reply, slot)
                continue
            if snap.open_tasks_for(roles) or (Role.MODELER in roles and week >= 9):
                reply = views.nudge_reply(t, snap, roles, reminder=False)
                added += await self._enqueue(snap, person, "weekly", ref, reply, slot)
            reminder = calendar.reminder_slot(start, week, sched)
            this_week = [x for r in roles for x in snap.roadmap.tasks_of_week(week, r)
                         if x.id not in snap.done]  # fmt: skip
            quiet = person.id is not None and activity.get(person.id, slot - timedelta(1)) < slot
            if reminder is not None and now >= reminder and this_week and quiet:
                reply = views.nudge_reply(t, snap, roles, reminder=True)
                added += await self._enqueue(snap, person, "reminder", ref, reply, reminder)
        if week < SUMMARY_WEEK:
            added += await self._escalate(snap, workspace, now)
        return added

    async def _escalate(self, snap: Snapshot, workspace: Workspace, now: datetime) -> int:
        t = texts(snap.pilot.language)
        added = 0
        champion = snap.owners.get(Role.CHAMPION)
        for role in ROLE_ORDER:
            state = snap.states[role]
            unassigned = not state.assigned
            if unassigned and snap.week < 2:
                continue
            if not unassigned and not state.silent:
                continue
            reply = views.escalation_reply(t, snap, role, unassigned=unassigned)
            kind = f"escalation-{role.value}"
            if champion is not None and role is not Role.CHAMPION:
                ref = _person_ref(workspace, champion)
                added += await self._enqueue(snap, champion, kind, ref, reply, now)
                continue
            others = [p for r, p in snap.owners.items() if r is not Role.CHAMPION]
            if role is Role.CHAMPION and others:
                for person in {p.id: p for p in others}.values():
                    ref = _person_ref(workspace, person)
                    added += await self._enqueue(snap, person, kind, ref, reply, now)
            else:
                channel = ConversationRef(
                    platform=workspace.platform,
                    workspace=workspace.external_id,
                    channel=snap.pilot.channel_id,
                )
                added += await self._enqueue(snap, None, kind, channel, reply, now)
        return added

    async def snooze(self, snap: Snapshot, person: Person, now: datetime) -> datetime | None:
        """Re-send ``person``'s nudge at the next working day's slot; None if nothing is open."""
        roles = snap.roles_of(person.id)
        if not roles or not snap.open_tasks_for(roles):
            return None
        workspace = await self.repo.workspace_by_id(snap.pilot.workspace_id)
        assert workspace is not None
        due = calendar.snooze_until(now, snap.schedule)
        reply = views.nudge_reply(texts(snap.pilot.language), snap, roles, reminder=True)
        kind = f"snooze-{due.date().isoformat()}"
        await self._enqueue(snap, person, kind, _person_ref(workspace, person), reply, due)
        return due

    async def _enqueue(
        self,
        snap: Snapshot,
        person: Person | None,
        kind: str,
        ref: ConversationRef,
        reply: Reply,
        due: datetime,
    ) -> int:
        recipient = str(person.id) if person is not None else f"#{snap.pilot.channel_id}"
        local_due = due.astimezone(snap.schedule.tz)
        payload = Reply(text=reply.text, blocks=reply.blocks, scheduled_for=local_due)
        written = await self.repo.enqueue(
            {
                "dedupe_key": dedupe_key(snap.pilot_id, recipient, snap.week, kind),
                "pilot_id": snap.pilot_id,
                "person_id": person.id if person is not None else None,
                "week": snap.week,
                "kind": kind.split("-")[0],
                "target": ref.to_json(),
                "payload": payload.to_json(),
                "due_at": due,
                "next_attempt_at": due,
            }
        )
        return int(written)


def _owners(snap: Snapshot) -> Iterable[tuple[Person, frozenset[Role]]]:
    """Each role owner once, with all the roles they hold."""
    seen: dict[int, Person] = {}
    for person in snap.owners.values():
        if person.id is not None:
            seen[person.id] = person
    for person_id, person in seen.items():
        yield person, snap.roles_of(person_id)


def _person_ref(workspace: Workspace, person: Person) -> ConversationRef:
    return ConversationRef(
        platform=workspace.platform, workspace=workspace.external_id, user=person.external_id
    )


def next_slot_after(snap: Snapshot, now: datetime) -> datetime | None:
    """The next time the planner has something new to consider for this pilot."""
    if snap.week > SUMMARY_WEEK:
        return None
    sched, start = snap.schedule, snap.pilot.start_date
    candidates = []
    for week in (max(snap.week, 1), max(snap.week, 1) + 1):
        if week > SUMMARY_WEEK:
            continue
        candidates.append(calendar.weekly_slot(start, week, sched))
        reminder = calendar.reminder_slot(start, week, sched)
        if reminder is not None:
            candidates.append(reminder)
    later = [c for c in candidates if c > now]
    return min(later) if later else None
