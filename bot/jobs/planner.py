"""Finds the proactive messages that are due and writes them to the outbox, once each.

Each message has a dedupe key (pilot, recipient, week, kind), so running the planner again, in
another process or after a restart, never adds a second copy. Pilots are read in chunks with one
query per table, and the chunk's rows are inserted in one statement, so one Monday's nudges for
thousands of pilots are planned in seconds.

Only due pilots are read: each carries ``next_due_at``, the next moment its plan can change by
itself (a weekly or reminder slot). Planning a pilot moves it there; a change under the pilot's
lock (any command, a pushed metric) and a delivery that makes someone unreachable set it to
NULL, "plan again at the next tick". A tick with nothing due reads no pilot.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.catalog import Texts, texts
from bot.jobs.returns import about, nudges_held, welcomes_due
from bot.messages import ConversationRef, Reply
from bot.ports import AbstractUnitOfWork, AwayRepo
from bot.services import away_views, decision_views, nudge_views, summary_views
from bot.services.canvas_sync import queue_canvases
from bot.services.results import Summary, load_summary
from bot.services.snapshot import Snapshot, load_snapshots, schedule_of
from playbook import calendar, coaching
from playbook.away import welcome_due
from playbook.results import checkin_asked
from playbook.roles import Role
from storage.away import Changes, welcome_kind
from storage.tables import Person, Pilot, Workspace

SUMMARY_WEEK = coaching.SUMMARY_WEEK
# Pilots per transaction: on SQLite the chunk holds the one writer, so a command waits at most
# one chunk's planning (tens of milliseconds) for it; every YIELD_EVERY pilots the planner lets
# the event loop acknowledge what came in meanwhile.
CHUNK = 100
SQLITE_CHUNK = 100  # SQLite: read and rendered beside the writer, then one short write
YIELD_EVERY = 20
NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # next_due_at of a pilot past its summary week
_BUDGETED = ("weekly", "still")  # one of them per person and week


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


def _running(pilot: Pilot, now: datetime) -> bool:
    """In weeks 1-13: a welcome back can be due before the week's slot."""
    return 1 <= calendar.pilot_week(pilot.start_date, now, pilot.timezone) <= SUMMARY_WEEK


@dataclass
class Plan:
    """A chunk's plan, read but not written: what ``plan_chunk`` (or SQLite's planning beside
    the writer) then writes in one short transaction."""

    rows: list[dict[str, Any]]  # new outbox rows
    due: dict[int, datetime]  # pilot id -> its next due moment
    pilots: list[Pilot]
    workspaces: dict[int, Workspace]
    snaps: list[Snapshot]


class Planner:
    def __init__(self, uow: AbstractUnitOfWork) -> None:
        self.uow = uow
        self._rows: list[dict[str, Any]] = []
        self._existing: set[str] = set()
        self._nudges: dict[tuple[object, ...], Reply] = {}
        self._json: dict[int, tuple[Reply, dict[str, Any]]] = {}
        self._payloads: dict[tuple[object, ...], dict[str, Any]] = {}
        self._summaries: dict[int, Summary] = {}
        self._changes: dict[tuple[int, int], Changes] = {}

    async def plan(self, now: datetime) -> int:
        """Enqueue everything due at ``now``; returns how many new rows were written."""
        with cycle_collection_paused():
            return await self._plan(now)

    async def _plan(self, now: datetime) -> int:
        due = await self.uow.pilots.due_pilots(now)
        added = 0
        for start in range(0, len(due), CHUNK):
            added += await self.plan_chunk(due[start : start + CHUNK], now)
        return added

    async def plan_chunk(
        self,
        pilots: Sequence[Pilot],
        now: datetime,
        locked: set[int] | None = None,
        workspaces: dict[int, Workspace] | None = None,
    ) -> int:
        """Plan these (due) pilots and move each one's ``next_due_at`` on; ``locked``: the ids
        of those this transaction holds (the others are left due, for the next tick)."""
        if locked is not None:
            pilots = [p for p in pilots if p.id in locked]
        plan = await self.rows_for(pilots, now, workspaces)
        added = await self.uow.outbox.enqueue_many(plan.rows)
        await self.write_canvases(self.uow, plan, now)
        await self.uow.pilots.set_next_due(plan.due)
        self.uow.release_rows()  # a chunk's rows are done: keep memory flat
        return added

    @staticmethod
    async def write_canvases(
        uow: AbstractUnitOfWork, plan: Plan, now: datetime, only: set[int] | None = None
    ) -> None:
        """Queue the canvases of the planned pilots that changed (``only``: of these ids)."""
        pilots = [p for p in plan.pilots if only is None or p.id in only]
        snaps = {s.pilot_id: s for s in plan.snaps if only is None or s.pilot_id in only}
        await queue_canvases(uow, pilots, plan.workspaces, now, snaps)

    async def rows_for(
        self, pilots: Sequence[Pilot], now: datetime, workspaces: dict[int, Workspace] | None
    ) -> Plan:
        """What planning these pilots writes, read but not written: the new outbox rows, each
        pilot's next due moment, and the snapshots read (for the canvases)."""
        if workspaces is None:
            workspaces = await self.uow.workspaces.workspaces({p.workspace_id for p in pilots})
        rows: list[dict[str, Any]] = []
        chunk = [p for p in pilots if _running(p, now)]
        away = self.uow.away
        later = await self._returns(away, pilots, now)
        snaps: list[Snapshot] = []
        if chunk:
            snaps = await load_snapshots(self.uow, chunk, now)
            self._changes = {}
            for snap in snaps:
                for _person, period, due in welcomes_due(snap):
                    if due > now:
                        later[snap.pilot_id] = min(due, later.get(snap.pilot_id, NEVER))
                    elif period.id is not None:
                        self._changes[(snap.pilot_id, period.id)] = await away.changes(
                            snap.pilot_id, period.starts_at
                        )
            self._existing = await self.uow.outbox.outbox_keys({s.pilot_id: s.week for s in snaps})
            self._summaries = {
                s.pilot_id: await load_summary(self.uow, s) for s in snaps if s.week == SUMMARY_WEEK
            }
            self._rows = []
            for n, snap in enumerate(snaps, start=1):
                self._plan_pilot(snap, workspaces[snap.pilot.workspace_id], now)
                if n % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
            rows, self._rows = self._rows, []
        next_due = {
            p.id: min(next_slot_after(p, now) or NEVER, later.get(p.id, NEVER))
            for p in pilots
            if p.id is not None
        }
        return Plan(rows, next_due, list(pilots), workspaces, snaps)

    async def _returns(
        self, away: AwayRepo, pilots: Sequence[Pilot], now: datetime
    ) -> dict[int, datetime]:
        """Pilot id -> when the next welcome back of one of its owners falls due."""
        found: dict[int, datetime] = {}
        by_id = {p.id: p for p in pilots if p.id is not None}
        for pilot_id, backs in (await away.owners_returning(list(by_id), now)).items():
            sched = schedule_of(by_id[pilot_id])
            for back in backs:
                due = welcome_due(back, None, sched)
                if due is not None:
                    found[pilot_id] = min(due, found.get(pilot_id, NEVER))
        return found

    def _plan_welcomes(self, snap: Snapshot, workspace: Workspace, now: datetime) -> set[int]:
        """Queue the welcome backs due now; returns who is welcomed back this week (whose
        welcome stands in for this week's nudge and reminder)."""
        t = texts(snap.pilot.language)
        welcomed = set()
        for person, period, due in welcomes_due(snap):
            assert period.id is not None
            changes = self._changes.get((snap.pilot_id, period.id))
            if due > now or changes is None or person.id is None:
                continue
            welcomed.add(person.id)
            kind = welcome_kind(period.id)
            if self._new(snap, person, kind):
                reply = away_views.welcome_reply(t, snap, person, period, changes)
                self._add(snap, person, kind, _person_ref(workspace, person), reply, due)
        for (pilot_id, period_id), week in snap.away.welcomed.items():
            back = next((p for p in snap.away.returned.values() if p.id == period_id), None)
            if pilot_id == snap.pilot_id and week == snap.week and back is not None:
                welcomed.add(back.person_id)
        return welcomed

    def _plan_pilot(self, snap: Snapshot, workspace: Workspace, now: datetime) -> None:
        """Ask the playbook what is due for this pilot, render it, queue what is new."""
        welcomed = self._plan_welcomes(snap, workspace, now)
        if not _slot_passed(snap.pilot, now):
            return
        sched, week, start = snap.schedule, snap.week, snap.pilot.start_date
        slot = calendar.weekly_slot(start, week, sched)
        reminder = calendar.reminder_slot(start, week, sched)
        people = [
            coaching.Recipient(
                person_id=person.id or 0,
                roles=roles,
                ignored=max((snap.states[r].ignored_nudges for r in roles), default=0),
                paused=person.id in snap.paused,
                away=nudges_held(snap, person) or person.id in welcomed,
                unreachable=person.unreachable_since is not None,
                active_since_slot=snap.activity.get(person.id or 0, slot - timedelta(days=1))
                >= slot,
                checkins_due=_metrics_owned(snap, person) if checkin_asked(week) else (),
                nudged_before_reminder=reminder is None
                or slot <= snap.last_nudged.get(person.id or 0, NEVER) < reminder,
            )
            for person, roles in _owners(snap)
        ]
        by_id = {person.id: person for person, _ in _owners(snap)}
        sent = frozenset(
            (person.id, kind)
            for person in by_id.values()
            for kind in _BUDGETED
            if not self._new(snap, person, kind)
        )
        moment = coaching.Moment(
            week=week, reminder_due=reminder is not None and now >= reminder, sent=sent
        )
        t = texts(snap.pilot.language)
        for planned in coaching.plan(snap.coaching, snap.roadmap, people, moment):
            person = by_id.get(planned.person_id) if planned.person_id is not None else None
            if not self._new(snap, person, planned.kind):
                continue
            due = reminder if planned.at_reminder and reminder is not None else slot
            reply = self._render(t, snap, planned)
            ref = self._ref(snap, workspace, person)
            if planned.kind == "digest" and person is not None:
                ref = about(ref, snap)
            self._add(snap, person, planned.kind, ref, reply, now if planned.now else due)

    def _render(self, t: Texts, snap: Snapshot, planned: coaching.Planned) -> Reply:
        kind, roles = planned.kind, planned.roles
        if kind == "summary":
            return summary_views.results_reply(t, self._summaries[snap.pilot_id])
        if kind == "retro":
            return summary_views.retro_prompt(t)
        if kind == "digest":
            return nudge_views.digest_reply(t, snap, private=planned.person_id is not None)
        if kind == "overrun":
            return decision_views.overrun_reply(t, snap)
        checkin = planned.checkins
        if kind == "still":
            return self._shared(
                snap, ("still", roles, checkin),
                lambda: nudge_views.still_reply(t, snap, roles, checkin),
            )  # fmt: skip
        reminder = kind == "reminder"
        return self._shared(
            snap,
            (kind, roles, checkin, decision_views.nudge_key(snap, roles)),
            lambda: nudge_views.nudge_reply(t, snap, roles, reminder=reminder,
                                            checkin_metrics=checkin),
        )  # fmt: skip

    def _shared(self, snap: Snapshot, what: tuple[object, ...], make: Callable[[], Reply]) -> Reply:
        """A nudge's text depends only on the pilot's language, week, done tasks and health
        (and, with advice, on who the champion is), so pilots in the same state share it."""
        health = snap.coaching
        advice = coaching.advice_for(health, what[1]) if isinstance(what[1], frozenset) else ()
        champion = snap.owners.get(Role.CHAMPION)
        key = (
            snap.pilot.language, snap.week, snap.done, health.formula, health.everyone_quiet,
            advice, champion.id if advice and champion else None,
            tuple(h.role for h in health.attention) if advice else (), *what,
        )  # fmt: skip
        if key not in self._nudges:
            self._nudges[key] = make()
        return self._nudges[key]

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
        workspace = await self.uow.workspaces.workspace_by_id(snap.pilot.workspace_id)
        assert workspace is not None
        due = calendar.snooze_until(now, snap.schedule)
        reply = nudge_views.nudge_reply(texts(snap.pilot.language), snap, roles, reminder=True)
        kind = f"snooze-{due.date().isoformat()}"
        self._rows = []
        self._add(snap, person, kind, _person_ref(workspace, person), reply, due)
        await self.uow.outbox.enqueue_many(self._rows)
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
    # A Slack DM channel found before goes with the message: one API call per nudge.
    extra = {"dm": person.dm_channel} if person.dm_channel else {}
    return ConversationRef(
        platform=workspace.platform, workspace=workspace.external_id, user=person.external_id,
        extra=extra,
    )  # fmt: skip


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
