"""The application core adapters call: one inbound message in, replies out, one transaction.

A handler that refuses the input (returns a Problem) runs inside a savepoint that is rolled
back, so nothing is stored from it; the event id and the caller's activity are still recorded.

Each transaction first takes its conversation's lock (``storage.locks``), so the commands on one
pilot run one after the other. One that still collides with another writer (a unique key, a
deadlock, SQLite's lock) is run again once, and otherwise answered with "try again".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from bot import observability
from bot.catalog import texts
from bot.clock import Clock
from bot.inflight import Gate
from bot.jobs.planner import Planner
from bot.messages import Inbound, PersonRef, Reply
from bot.ports import AbstractUnitOfWork, AbstractUnitOfWorkFactory
from bot.services import away, corrections, cycle, decision_views, decisions, handlers, views
from bot.services.canvas_sync import open_canvas
from bot.services.handlers import Result, Turn
from bot.services.settings_change import apply_settings
from bot.services.snapshot import Snapshot, load_snapshot
from playbook import calendar
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Problem
from playbook.roles import Action, Role, allowed_roles, may
from storage.tables import Person, Pilot

log = logging.getLogger("pilot_coach.commands")


@dataclass(frozen=True)
class PilotDefaults:
    language: str = "de"
    timezone: str = "Europe/Berlin"
    nudge_slot: str = "MON 09:00"
    region: str = "DE"


@dataclass
class _Seen:
    """What one command's attempts learnt, for the answer when none of them got through."""

    language: str
    command: str = "none"


class Coach:
    def __init__(
        self,
        uow: AbstractUnitOfWorkFactory,
        clock: Clock,
        defaults: PilotDefaults,
        gate: Gate | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.defaults = defaults
        self.gate = gate or Gate(32)  # the process's in-flight bound, shared by the adapters

    async def handle(self, inbound: Inbound) -> list[Reply]:
        started = time.perf_counter()
        seen = _Seen(self.defaults.language)
        for attempt in (1, 2):
            try:
                return await self._handle(inbound, seen, started)
            except (IntegrityError, OperationalError) as exc:
                # Neither the statement nor the database's message: both can hold user text.
                log.warning(
                    "command conflict platform=%s workspace=%s command=%s attempt=%d error=%s",
                    inbound.platform, inbound.workspace, seen.command, attempt,
                    type(exc.orig).__name__,
                )  # fmt: skip
        observability.COMMANDS.labels(inbound.platform, seen.command, "conflict").inc()
        return [views.problem_reply(texts(seen.language), Problem("command.conflict"))]

    async def _handle(self, inbound: Inbound, seen: _Seen, started: float) -> list[Reply]:
        now = self.clock.now()
        outcome = "ok"
        pilot_id: int | None = None
        async with self.uow() as uow:
            await uow.lock(inbound.platform, inbound.workspace, inbound.channel)
            if inbound.event_id and not await uow.events.claim_event(
                inbound.platform, inbound.event_id, now
            ):
                log.info("duplicate event ignored platform=%s event=%s", inbound.platform,
                         inbound.event_id)  # fmt: skip
                return []
            workspace = await uow.workspaces.workspace(
                inbound.platform, inbound.workspace, inbound.workspace_name
            )
            assert workspace.id is not None
            person = await uow.people.person(workspace.id, inbound.user.id, inbound.user.name)
            if person.unreachable_since is not None:  # they wrote to us: reachable again
                person.unreachable_since = None
                uow.save(person)
                assert person.id is not None
                await uow.pilots.replan_person(person.id)  # their nudges resume in every pilot
            pilot = await self._locked_pilot(uow, workspace.id, inbound, person)
            t = texts(pilot.language if pilot else self.defaults.language)
            seen.language = t.language
            parsed = cmd.parse_command(inbound.text, t.language)
            seen.command = type(parsed).__name__.lower()
            turn = Turn(uow=uow, inbound=inbound, person=person, pilot=pilot, t=t, now=now)
            savepoint = await uow.savepoint()
            result = await self._run(turn, parsed, workspace.id)
            if isinstance(result, Problem):
                await savepoint.rollback()
                turn.pilot = pilot
                outcome = "rejected"
                replies = [views.problem_reply(turn.t, result)]
            else:
                await savepoint.commit()
                replies = result
            replies = [r if r.language else replace(r, language=turn.t.language) for r in replies]
            if turn.pilot is not None and turn.pilot.id is not None:
                pilot_id = turn.pilot.id
                assert person.id is not None
                await uow.pilots.touch(turn.pilot.id, person.id, now)
            await uow.commit()
        observability.COMMANDS.labels(inbound.platform, seen.command, outcome).inc()
        log.info(
            "command handled platform=%s workspace=%s pilot=%s command=%s outcome=%s ms=%.1f",
            inbound.platform, inbound.workspace, pilot_id, seen.command, outcome,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return replies

    async def home(self, platform: str, workspace: str, user: PersonRef) -> Reply:
        """The person's pilots, roles and open tasks (App Home / personal tab)."""
        now = self.clock.now()
        async with self.uow() as uow:
            ws = await uow.workspaces.workspace(platform, workspace)
            assert ws.id is not None
            person = await uow.people.person(ws.id, user.id, user.name)
            assert person.id is not None
            # Under each pilot's lock (in one order: no two homes wait for each other), so no
            # command is halfway through one of them while it is read.
            for channel in sorted(
                {p.channel_id for p in await uow.pilots.pilots_of_person(person.id)}
            ):
                await uow.lock(platform, workspace, channel, changes=False)
            pilots = await uow.pilots.pilots_of_person(person.id)
            snaps = [await load_snapshot(uow, p, now) for p in pilots]
            await uow.commit()
        language = snaps[0].pilot.language if snaps else self.defaults.language
        return views.home_reply(texts(language), snaps, person)

    async def metrics_of(self, inbound: Inbound) -> tuple[str, list[tuple[str, str]]]:
        """(language, [(metric name, unit)]) of the pilot this message belongs to."""
        async with self.uow() as uow:
            ws = await uow.workspaces.workspace(inbound.platform, inbound.workspace)
            assert ws.id is not None
            person = await uow.people.person(ws.id, inbound.user.id, inbound.user.name)
            pilot = await self._pilot_for(uow, ws.id, inbound, person)
            if pilot is None or pilot.id is None:
                return self.defaults.language, []
            metrics = await uow.metrics.metrics(pilot.id)
            await uow.commit()
            return pilot.language, [(m.name, m.unit) for m in metrics]

    async def form_context(self, inbound: Inbound) -> tuple[str, tuple[str, ...]]:
        """(language, the systems the candidate workflows name) for the capacity form."""
        async with self.uow() as uow:
            ws = await uow.workspaces.workspace(inbound.platform, inbound.workspace)
            assert ws.id is not None
            person = await uow.people.person(ws.id, inbound.user.id, inbound.user.name)
            pilot = await self._pilot_for(uow, ws.id, inbound, person)
            if pilot is None or pilot.id is None:
                return self.defaults.language, ()
            snap = await load_snapshot(uow, pilot, self.clock.now())
            await uow.commit()
            return pilot.language, decision_views.named_systems(snap)

    async def _locked_pilot(
        self, uow: AbstractUnitOfWork, workspace_id: int, inbound: Inbound, person: Person
    ) -> Pilot | None:
        """The message's pilot, under its channel's lock: a direct message that reaches a
        channel's pilot also waits for that channel, then reads the pilot again."""
        pilot = await self._pilot_for(uow, workspace_id, inbound, person)
        if pilot is None or pilot.channel_id == inbound.channel:
            return pilot
        await uow.lock(inbound.platform, inbound.workspace, pilot.channel_id)
        await uow.refresh(pilot)
        if pilot.status == "open":
            return pilot
        return await self._pilot_for(uow, workspace_id, inbound, person)  # a next cycle

    async def _pilot_for(
        self, uow: AbstractUnitOfWork, workspace_id: int, inbound: Inbound, person: Person
    ) -> Pilot | None:
        pilot = await uow.pilots.current_pilot(workspace_id, inbound.channel)
        if pilot is None and inbound.direct and person.id is not None:
            mine = await uow.pilots.pilots_of_person(person.id)
            if len(mine) == 1:
                return mine[0]
        return pilot

    async def _run(self, turn: Turn, parsed: cmd.Command | Problem, workspace_id: int) -> Result:
        t = turn.t
        if isinstance(parsed, Problem):
            return parsed
        if isinstance(parsed, cmd.Help):
            if parsed.topic is not None:
                return [views.command_help_reply(t, parsed.topic)]
            if parsed.word:
                return [views.unknown_reply(t, parsed.word, cmd.suggest(parsed.word))]
            return [views.help_reply(t)]
        if isinstance(parsed, cmd.Unknown):
            return [views.unknown_reply(t, parsed.word, cmd.suggest(turn.inbound.text))]
        if isinstance(parsed, cmd.Start):
            return await self._start(turn, parsed, workspace_id)
        if isinstance(parsed, cmd.Away):  # a person's own, also without a pilot (a DM)
            return await away.away(turn, parsed, self.defaults.timezone)
        if isinstance(parsed, cmd.Back):
            return await away.back(turn, parsed)
        pilot = turn.pilot
        if pilot is None or pilot.status != "open":
            return Problem("pilot.none")
        snap = await load_snapshot(turn.uow, pilot, turn.now)
        action = _ACTIONS.get(type(parsed))
        champion_exists = Role.CHAMPION in snap.owners
        if action is not None and not may(action, snap.roles_of(turn.person.id),
                                          champion_exists=champion_exists):  # fmt: skip
            names = ", ".join(views.role_name(t, r) for r in allowed_roles(action))
            return Problem("permission.denied", {"roles": names})
        handler = _HANDLERS.get(type(parsed))
        if handler is not None:
            return await handler(turn, snap, parsed)
        if isinstance(parsed, cmd.Snooze):
            due = await Planner(turn.uow).snooze(snap, turn.person, turn.now)
            if due is None:
                return Problem("snooze.nothing")
            local = due.astimezone(snap.schedule.tz)
            day = t(f"weekday.{local.weekday()}")
            return [views.text_reply(t("snooze.done", day=day, time=local.strftime("%H:%M")))]
        if isinstance(parsed, cmd.Settings):
            problem = apply_settings(pilot, parsed.values)
            if problem is not None:
                return problem
            turn.t = texts(pilot.language)
            turn.uow.save(pilot)
            return [views.settings_reply(turn.t, pilot)]
        raise AssertionError(f"unhandled command {parsed!r}")  # pragma: no cover

    async def _start(self, turn: Turn, parsed: cmd.Start, workspace_id: int) -> Result:
        previous = turn.pilot
        if previous is not None and previous.status == "open":
            return Problem("start.exists", {"date": turn.t.date(previous.start_date)})
        if turn.inbound.direct:
            return Problem("start.in_channel")
        d = self.defaults
        day, at = calendar.parse_nudge_slot(d.nudge_slot) or (0, calendar.parse_time("09:00"))
        assert at is not None
        now = turn.now
        start = parsed.start or calendar.monday_of(calendar.local_date(now, d.timezone))
        problem = cmd.start_problem(start, calendar.local_date(now, d.timezone))
        if problem is not None:
            return problem
        pilot = Pilot(
            workspace_id=workspace_id,
            channel_id=turn.inbound.channel,
            channel_name=turn.inbound.channel_name[:200],
            cycle=(previous.cycle + 1) if previous else 1,
            start_date=start,
            timezone=d.timezone,
            language=d.language,
            nudge_weekday=day,
            nudge_time=at.strftime("%H:%M"),
            region=d.region,
            created_at=now,
        )
        await turn.uow.add(pilot)
        assert pilot.id is not None
        await open_canvas(turn.uow, turn.inbound.platform, pilot.id,
                          previous.id if previous else None)  # fmt: skip
        turn.pilot = pilot
        t = turn.t = texts(pilot.language)
        text = t(
            "start.done",
            date=t.date(start),
            slot=f"{t(f'weekday.{day}')} {pilot.nudge_time}",
            zone=pilot.timezone,
        )
        return [views.text_reply(text)]


async def _status(turn: Turn, snap: Snapshot, _parsed: Any) -> Result:
    """In a channel, which role needs attention; the champion's direct message also counts
    the ignored nudges."""
    reader = snap.roles_of(turn.person.id)
    private = turn.inbound.direct and Role.CHAMPION in reader
    return [views.status_reply(turn.t, snap, private=private, reader=reader)]


async def _tasks(turn: Turn, snap: Snapshot, _parsed: Any) -> Result:
    return [views.tasks_reply(turn.t, snap, turn.person)]


_HANDLERS: dict[type, Callable[[Turn, Snapshot, Any], Awaitable[Result]]] = {
    cmd.Status: _status,
    cmd.Tasks: _tasks,
    cmd.Results: cycle.results,
    cmd.Assign: handlers.assign,
    cmd.Done: handlers.done,
    cmd.ProcessAdd: decisions.process_add,
    cmd.ProcessPick: decisions.process_pick,
    cmd.Processes: decisions.processes,
    cmd.CapacityCheck: decisions.capacity,
    cmd.DemoDate: decisions.demo,
    cmd.Live: decisions.live,
    cmd.BuildChoice: decisions.build,
    cmd.ProcessRemove: corrections.process_remove,
    cmd.ProcessEdit: corrections.process_edit,
    cmd.MetricAdd: handlers.metric_add,
    cmd.MetricRemove: corrections.metric_remove,
    cmd.Checkin: handlers.checkin,
    cmd.Pause: handlers.pause,
    cmd.Resume: handlers.resume,
    cmd.CheckinUndo: corrections.checkin_undo,
    cmd.Retro: cycle.retro,
    cmd.MetricToken: cycle.metric_token,
    cmd.NextCycle: cycle.next_cycle,
    cmd.Forget: cycle.forget_person,
    cmd.ForgetMe: cycle.forget_me,
    cmd.Announce: cycle.announce,
}

_ACTIONS: dict[type, Action] = {
    cmd.Assign: Action.ASSIGN,
    cmd.ProcessAdd: Action.PROCESS_ADD,
    cmd.ProcessPick: Action.PROCESS_PICK,
    cmd.ProcessRemove: Action.PROCESS_EDIT,
    cmd.ProcessEdit: Action.PROCESS_EDIT,
    cmd.MetricAdd: Action.METRIC_ADD,
    cmd.MetricRemove: Action.METRIC_REMOVE,
    cmd.Checkin: Action.CHECKIN,
    cmd.Settings: Action.SETTINGS,
    cmd.Retro: Action.RETRO,
    cmd.MetricToken: Action.METRIC_TOKEN,
    cmd.NextCycle: Action.NEXT_CYCLE,
    cmd.Forget: Action.FORGET,
    cmd.Announce: Action.ANNOUNCE,
    cmd.CapacityCheck: Action.CAPACITY,
    cmd.DemoDate: Action.DEMO,
    cmd.Live: Action.LIVE,
    cmd.BuildChoice: Action.BUILD,
}
