"""Finds the proactive messages that are due and writes them to the outbox, once each.

Each message has a dedupe key (pilot, recipient, week, kind), so running the planner again, in
another process or after a restart, never adds a second copy. Pilots are read in chunks with one
query per table, and the chunk's rows are inserted in one statement, so one Monday's nudges for
thousands of pilots are planned in seconds.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.catalog import texts
from bot.messages import ConversationRef, Reply
from bot.services import summary_views, views
from bot.services.results import Summary, load_summary
from bot.services.snapshot import Snapshot, load_snapshots, schedule_of
from playbook import calendar
from playbook.roadmap import LAST_WEEK
from playbook.roles import ROLE_ORDER, Role
from storage.repositories import Repository
from storage.tables import Person, Pilot, Workspace

SUMMARY_WEEK = LAST_WEEK + 1
CHUNK = 2500


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while planning. A Monday's plan creates and drops about a
    million objects (ORM rows, snapshots, payloads), all freed by reference counting; the
    collector would meanwhile traverse every live object dozens of times, which took a third
    of the planning time at 10 000 pilots. It runs again as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dedupe_key(pilot_id: int, recipient: str, week: int, kind: str) -> str:
    return f"{pilot_id}:{recipient}:{week}:{kind}"


def _slot_passed(pilot: Pilot, now: datetime) -> bool:
    week = calendar.pilot_week(pilot.start_date, now, pilot.timezone)
    if not 1 <= week <= SUMMARY_WEEK:
        return False
    return now >= calendar.weekly_slot(pilot.start_date, week, schedule_of(pilot))


class Planner:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._rows: list[dict[str, Any]] = []
        self._existing: set[str] = set()
        self._nudges: dict[tuple[object, ...], Reply] = {}
        self._json: dict[int, tuple[Reply, dict[str, Any]]] = {}
        self._payloads: dict[tuple[object, ...], dict[str, Any]] = {}
        self._summaries: dict[int, Summary] = {}

    async def plan(self, now: datetime) -> int:
        """Enqueue everything due at ``now``; returns how many new rows were written."""
        with cycle_collection_paused():
            return await self._plan(now)

    async def _plan(self, now: datetime) -> int:
        pilots = [p for p in await self.repo.open_pilots() if _slot_passed(p, now)]
        workspaces = await self.repo.workspaces({p.workspace_id for p in pilots})
        added = 0
        for start in range(0, len(pilots), CHUNK):
            chunk = pilots[start : start + CHUNK]
            snaps = await load_snapshots(self.repo, chunk, now)
            self._existing = await self.repo.outbox_keys({s.pilot_id: s.week for s in snaps})
            self._summaries = {
                s.pilot_id: await load_summary(self.repo, s)
                for s in snaps
                if s.week == SUMMARY_WEEK
            }
            self._rows = []
            for snap in snaps:
                self._plan_pilot(snap, workspaces[snap.pilot.workspace_id], now)
            added += await self.repo.enqueue_many(self._rows)
            self._rows = []
            self.repo.session.expunge_all()  # a chunk's rows are done: keep memory flat
        return added

    def _plan_pilot(self, snap: Snapshot, workspace: Workspace, now: datetime) -> None:
        sched, week, start = snap.schedule, snap.week, snap.pilot.start_date
        slot = calendar.weekly_slot(start, week, sched)
        t = texts(snap.pilot.language)
        for person, roles in _owners(snap):
            if person.unreachable_since is not None:
                continue  # the platform said no; the champion is told in _escalate
            ref = _person_ref(workspace, person)
            if week == SUMMARY_WEEK:
                if Role.CHAMPION in roles and self._new(snap, person, "summary"):
                    reply = summary_views.results_reply(t, self._summaries[snap.pilot_id])
                    self._add(snap, person, "summary", ref, reply, slot)
                continue
            if week == LAST_WEEK and self._new(snap, person, "retro"):
                self._add(snap, person, "retro", ref, summary_views.retro_prompt(t), slot)
            owned = _metrics_owned(snap, person) if week >= views.MEASURE_FROM else ()
            wanted = snap.open_tasks_for(roles) or owned
            if wanted and self._new(snap, person, "weekly"):
                reply = self._nudge(snap, roles, reminder=False, checkin=owned)
                self._add(snap, person, "weekly", ref, reply, slot)
            reminder = calendar.reminder_slot(start, week, sched)
            if reminder is None or now < reminder or not self._new(snap, person, "reminder"):
                continue
            this_week = [x for r in roles for x in snap.roadmap.tasks_of_week(week, r)
                         if x.id not in snap.done]  # fmt: skip
            quiet = snap.activity.get(person.id or 0, slot - timedelta(days=1)) < slot
            if this_week and quiet:
                reply = self._nudge(snap, roles, reminder=True)
                self._add(snap, person, "reminder", ref, reply, reminder)
        if week < SUMMARY_WEEK:
            self._escalate(snap, workspace, now)

    def _nudge(
        self,
        snap: Snapshot,
        roles: frozenset[Role],
        *,
        reminder: bool,
        checkin: tuple[str, ...] = (),
    ) -> Reply:
        """The nudge text depends only on these inputs, so pilots in the same state share it."""
        key = (snap.pilot.language, snap.week, roles, snap.done, checkin, reminder)
        if key not in self._nudges:
            t = texts(snap.pilot.language)
            self._nudges[key] = views.nudge_reply(
                t, snap, roles, reminder=reminder, checkin_metrics=checkin
            )
        return self._nudges[key]

    def _escalate(self, snap: Snapshot, workspace: Workspace, now: datetime) -> None:
        """Warn when a factor drops to zero: the champion about the others, the others about
        the champion, the channel when nobody is left; one message per recipient."""
        champion = snap.owners.get(Role.CHAMPION)
        issues: dict[int | None, tuple[Person | None, list[tuple[Role, bool]]]] = {}
        for role in ROLE_ORDER:
            owner = snap.owners.get(role)
            if owner is not None and owner.unreachable_since is not None:
                self._tell_unreachable(snap, workspace, role, owner, now)
                continue
            state = snap.states[role]
            unassigned = not state.assigned
            if (unassigned and snap.week < 2) or (not unassigned and not state.silent):
                continue
            if champion is not None and role is not Role.CHAMPION:
                recipients: Sequence[Person | None] = [champion]
            elif role is Role.CHAMPION and len(snap.owners) > (0 if unassigned else 1):
                others = [p for r, p in snap.owners.items() if r is not Role.CHAMPION]
                recipients = list({p.id: p for p in others}.values())
            else:
                recipients = [None]  # nobody to tell: post in the pilot's channel
            for person in recipients:
                key = person.id if person is not None else None
                issues.setdefault(key, (person, []))[1].append((role, unassigned))
        t = texts(snap.pilot.language)
        for person, found in issues.values():
            kind = "escalation-" + "+".join(role.value for role, _ in found)
            if self._new(snap, person, kind):
                reply = views.escalation_reply(t, snap, found)
                self._add(snap, person, kind, self._ref(snap, workspace, person), reply, now)

    def _tell_unreachable(
        self, snap: Snapshot, workspace: Workspace, role: Role, owner: Person, now: datetime
    ) -> None:
        champion = snap.owners.get(Role.CHAMPION)
        reachable = champion is not None and champion.unreachable_since is None
        target = champion if reachable and champion is not owner else None
        kind = f"unreachable-{role.value}"
        if not self._new(snap, target, kind):
            return
        reply = views.unreachable_reply(texts(snap.pilot.language), snap, role, owner)
        self._add(snap, target, kind, self._ref(snap, workspace, target), reply, now)

    def _ref(self, snap: Snapshot, workspace: Workspace, person: Person | None) -> ConversationRef:
        if person is not None:
            return _person_ref(workspace, person)
        return ConversationRef(
            platform=workspace.platform,
            workspace=workspace.external_id,
            channel=snap.pilot.channel_id,
        )

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
        self._rows = []
        self._add(snap, person, kind, _person_ref(workspace, person), reply, due)
        await self.repo.enqueue_many(self._rows)
        return due

    def _key(self, snap: Snapshot, person: Person | None, kind: str) -> str:
        recipient = str(person.id) if person is not None else f"#{snap.pilot.channel_id}"
        return dedupe_key(snap.pilot_id, recipient, snap.week, kind)

    def _new(self, snap: Snapshot, person: Person | None, kind: str) -> bool:
        return self._key(snap, person, kind) not in self._existing

    def _add(
        self,
        snap: Snapshot,
        person: Person | None,
        kind: str,
        ref: ConversationRef,
        reply: Reply,
        due: datetime,
    ) -> None:
        # Pilots in the same state share one reply, and at one slot one payload: the same
        # dict object, which enqueue_many serialises once. ``_json`` keeps each reply alive,
        # so its id() cannot be reused by a later reply.
        if id(reply) not in self._json:
            self._json[id(reply)] = (reply, reply.to_json())
        key = (id(reply), due, snap.schedule.zone, snap.pilot.language)
        payload = self._payloads.get(key)
        if payload is None:
            stamp = Reply(text="", scheduled_for=due.astimezone(snap.schedule.tz)).to_json()
            payload = {**self._json[id(reply)][1], "scheduled_for": stamp["scheduled_for"],
                       "scheduled_zone": stamp["scheduled_zone"],
                       "language": snap.pilot.language}  # fmt: skip
            self._payloads[key] = payload
        self._rows.append(
            {
                "dedupe_key": self._key(snap, person, kind),
                "pilot_id": snap.pilot_id,
                "person_id": person.id if person is not None else None,
                "week": snap.week,
                "kind": kind.split("-")[0],
                "target": ref.to_json(),
                "payload": payload,
                "due_at": due,
                "next_attempt_at": due,
            }
        )


def _owners(snap: Snapshot) -> Iterable[tuple[Person, frozenset[Role]]]:
    """Each role owner once, with all the roles they hold."""
    roles: dict[int, tuple[Person, set[Role]]] = {}
    for role, person in snap.owners.items():
        if person.id is not None:
            roles.setdefault(person.id, (person, set()))[1].add(role)
    for person, held in roles.values():
        yield person, frozenset(held)


def _metrics_owned(snap: Snapshot, person: Person) -> tuple[str, ...]:
    """Names of the metrics ``person`` owns and has not checked in this week."""
    this_week = {c.metric_id for c in snap.checkins if c.week == snap.week}
    return tuple(
        v.metric.name
        for v in snap.metrics
        if v.metric.owner_id == person.id and v.metric.id not in this_week
    )


def _person_ref(workspace: Workspace, person: Person) -> ConversationRef:
    return ConversationRef(
        platform=workspace.platform, workspace=workspace.external_id, user=person.external_id
    )


def next_slot_after(pilot: Pilot, now: datetime) -> datetime | None:
    """The next time the planner has something new to consider for this pilot."""
    week = calendar.pilot_week(pilot.start_date, now, pilot.timezone)
    if week > SUMMARY_WEEK:
        return None
    sched, start = schedule_of(pilot), pilot.start_date
    candidates = []
    for w in (max(week, 1), max(week, 1) + 1):
        if w > SUMMARY_WEEK:
            continue
        candidates.append(calendar.weekly_slot(start, w, sched))
        reminder = calendar.reminder_slot(start, w, sched)
        if reminder is not None:
            candidates.append(reminder)
    later = [c for c in candidates if c > now]
    return min(later) if later else None
