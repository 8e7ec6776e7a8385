"""The application core adapters call: one inbound message in, replies out, one transaction."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bot.catalog import Texts, texts
from bot.clock import Clock
from bot.jobs.planner import Planner
from bot.messages import Inbound, PersonRef, Reply
from bot.services import views
from bot.services.settings_change import apply_settings
from bot.services.snapshot import Snapshot, load_snapshot
from playbook import calendar, rules
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Measurement, Problem, parse_measurement
from playbook.roles import Action, Role, allowed_roles, may
from storage.repositories import Repository, UnitOfWorkFactory
from storage.tables import Checkin, Metric, Person, Pilot, Process

log = logging.getLogger("pilot_coach.commands")

NOT_YET = (cmd.Announce, cmd.MetricToken, cmd.NextCycle, cmd.Forget)


@dataclass(frozen=True)
class PilotDefaults:
    language: str = "de"
    timezone: str = "Europe/Berlin"
    nudge_slot: str = "MON 09:00"
    region: str = "DE"


@dataclass
class Turn:
    """What one handler works with."""

    repo: Repository
    inbound: Inbound
    person: Person
    pilot: Pilot | None
    t: Texts
    now_s: Snapshot | None = None


class Coach:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, defaults: PilotDefaults) -> None:
        self.uow = uow
        self.clock = clock
        self.defaults = defaults

    async def handle(self, inbound: Inbound) -> list[Reply]:
        started = time.perf_counter()
        now = self.clock.now()
        outcome = "ok"
        name = "none"
        pilot_id: int | None = None
        async with self.uow() as uow:
            repo = uow.repo
            if inbound.event_id and not await repo.claim_event(
                inbound.platform, inbound.event_id, now
            ):
                log.info("duplicate event ignored platform=%s event=%s", inbound.platform,
                         inbound.event_id)  # fmt: skip
                return []
            workspace = await repo.workspace(
                inbound.platform, inbound.workspace, inbound.workspace_name
            )
            assert workspace.id is not None
            person = await repo.person(workspace.id, inbound.user.id, inbound.user.name)
            if person.unreachable_since is not None:  # they wrote to us: reachable again
                person.unreachable_since = None
                repo.session.add(person)
            pilot = await self._pilot_for(repo, workspace.id, inbound, person)
            t = texts(pilot.language if pilot else self.defaults.language)
            parsed = cmd.parse_command(inbound.text, t.language)
            name = type(parsed).__name__.lower()
            turn = Turn(repo=repo, inbound=inbound, person=person, pilot=pilot, t=t)
            result = await self._run(turn, parsed, workspace.id)
            if isinstance(result, Problem):
                outcome = "rejected"
                replies = [views.problem_reply(turn.t, result)]
            else:
                replies = result
            if turn.pilot is not None and turn.pilot.id is not None:
                pilot_id = turn.pilot.id
                assert person.id is not None
                await repo.touch(turn.pilot.id, person.id, now)
            await uow.commit()
        log.info(
            "command handled platform=%s workspace=%s pilot=%s command=%s outcome=%s ms=%.1f",
            inbound.platform, inbound.workspace, pilot_id, name, outcome,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return replies

    async def home(self, platform: str, workspace: str, user: PersonRef) -> Reply:
        """The person's pilots, roles and open tasks (App Home / personal tab)."""
        now = self.clock.now()
        async with self.uow() as uow:
            ws = await uow.repo.workspace(platform, workspace)
            assert ws.id is not None
            person = await uow.repo.person(ws.id, user.id, user.name)
            assert person.id is not None
            pilots = await uow.repo.pilots_of_person(person.id)
            snaps = [await load_snapshot(uow.repo, p, now) for p in pilots]
            await uow.commit()
        language = snaps[0].pilot.language if snaps else self.defaults.language
        return views.home_reply(texts(language), snaps, person)

    async def metrics_of(self, inbound: Inbound) -> tuple[str, list[tuple[str, str]]]:
        """(language, [(metric name, unit)]) of the pilot this message belongs to."""
        async with self.uow() as uow:
            ws = await uow.repo.workspace(inbound.platform, inbound.workspace)
            assert ws.id is not None
            person = await uow.repo.person(ws.id, inbound.user.id, inbound.user.name)
            pilot = await self._pilot_for(uow.repo, ws.id, inbound, person)
            if pilot is None or pilot.id is None:
                return self.defaults.language, []
            metrics = await uow.repo.metrics(pilot.id)
            await uow.commit()
            return pilot.language, [(m.name, m.unit) for m in metrics]

    async def _pilot_for(
        self, repo: Repository, workspace_id: int, inbound: Inbound, person: Person
    ) -> Pilot | None:
        pilot = await repo.current_pilot(workspace_id, inbound.channel)
        if pilot is None and inbound.direct and person.id is not None:
            mine = await repo.pilots_of_person(person.id)
            if len(mine) == 1:
                return mine[0]
        return pilot

    async def _run(
        self, turn: Turn, parsed: cmd.Command | Problem, workspace_id: int
    ) -> list[Reply] | Problem:
        t = turn.t
        if isinstance(parsed, Problem):
            return parsed
        if isinstance(parsed, cmd.Help):
            return [views.help_reply(t)]
        if isinstance(parsed, cmd.Unknown):
            return [views.help_reply(t, t("help.unknown", word=parsed.word))]
        if isinstance(parsed, cmd.Start):
            return await self._start(turn, parsed, workspace_id)
        pilot = turn.pilot
        if pilot is None or pilot.status != "open":
            return Problem("pilot.none")
        if isinstance(parsed, NOT_YET):
            return Problem("command.not_available")
        snap = await load_snapshot(turn.repo, pilot, self.clock.now())
        caller_roles = snap.roles_of(turn.person.id)
        action = _ACTIONS.get(type(parsed))
        if action is not None and not may(
            action, caller_roles, champion_exists=Role.CHAMPION in snap.owners
        ):
            names = ", ".join(views.role_name(t, r) for r in allowed_roles(action))
            return Problem("permission.denied", {"roles": names})
        if isinstance(parsed, cmd.Status):
            return [views.status_reply(t, snap)]
        if isinstance(parsed, cmd.Tasks):
            return [views.tasks_reply(t, snap, turn.person)]
        if isinstance(parsed, cmd.Results):
            return [views.results_reply(t, snap)]
        if isinstance(parsed, cmd.Assign):
            return await self._assign(turn, snap, parsed)
        if isinstance(parsed, cmd.Done):
            return await self._done(turn, snap, parsed)
        if isinstance(parsed, cmd.ProcessAdd):
            return await self._process_add(turn, snap, parsed)
        if isinstance(parsed, cmd.ProcessPick):
            return await self._process_pick(turn, snap, parsed)
        if isinstance(parsed, cmd.MetricAdd):
            return await self._metric_add(turn, snap, parsed)
        if isinstance(parsed, cmd.Checkin):
            return await self._checkin(turn, snap, parsed)
        if isinstance(parsed, cmd.Snooze):
            due = await Planner(turn.repo).snooze(snap, turn.person, self.clock.now())
            if due is None:
                return Problem("snooze.nothing")
            local = due.astimezone(snap.schedule.tz)
            day = t(f"weekday.{local.weekday()}")
            return [views.text_reply(t("snooze.done", day=day, time=local.strftime("%H:%M")))]
        if isinstance(parsed, cmd.Settings):
            result = apply_settings(pilot, parsed.values)
            if isinstance(result, Problem):
                return result
            turn.t = texts(pilot.language)
            turn.repo.session.add(pilot)
            return [views.settings_reply(turn.t, pilot)]
        raise AssertionError(f"unhandled command {parsed!r}")  # pragma: no cover

    async def _start(
        self, turn: Turn, parsed: cmd.Start, workspace_id: int
    ) -> list[Reply] | Problem:
        previous = turn.pilot
        if previous is not None and previous.status == "open":
            return Problem("start.exists", {"date": turn.t.date(previous.start_date)})
        if turn.inbound.direct:
            return Problem("start.in_channel")
        d = self.defaults
        day, at = calendar.parse_nudge_slot(d.nudge_slot) or (0, calendar.parse_time("09:00"))
        assert at is not None
        now = self.clock.now()
        start = parsed.start or calendar.monday_of(calendar.local_date(now, d.timezone))
        pilot = Pilot(
            workspace_id=workspace_id,
            channel_id=turn.inbound.channel,
            channel_name=turn.inbound.channel_name,
            cycle=(previous.cycle + 1) if previous else 1,
            start_date=start,
            timezone=d.timezone,
            language=d.language,
            nudge_weekday=day,
            nudge_time=at.strftime("%H:%M"),
            region=d.region,
            created_at=now,
        )
        await turn.repo.add(pilot)
        turn.pilot = pilot
        t = turn.t = texts(pilot.language)
        text = t(
            "start.done",
            date=t.date(start),
            slot=f"{t(f'weekday.{day}')} {pilot.nudge_time}",
            zone=pilot.timezone,
        )
        return [views.text_reply(text)]

    async def _assign(
        self, turn: Turn, snap: Snapshot, parsed: cmd.Assign
    ) -> list[Reply] | Problem:
        ref = _resolve(turn.inbound, parsed.target)
        if ref is None:
            return Problem("assign.unknown_person", {"value": parsed.target[:40]})
        assert turn.pilot is not None and turn.pilot.id is not None
        target = await turn.repo.person(turn.pilot.workspace_id, ref.id, ref.name)
        current = snap.owners.get(parsed.role)
        t = turn.t
        role = views.role_name(t, parsed.role)
        if current is not None and current.id == target.id:
            return Problem("assign.same", {"role": role, "name": views.name_of(target)})
        assert target.id is not None
        await turn.repo.set_role(turn.pilot.id, parsed.role.value, target.id, turn.person.id,
                                 self.clock.now())  # fmt: skip
        snap = await load_snapshot(turn.repo, turn.pilot, self.clock.now())
        text = t("assign.done", role=role, name=views.name_of(target))
        text += "\n" + views.formula_line(t, snap) + " " + t(f"formula.verdict.{snap.formula.mode}")
        return [views.text_reply(text)]

    async def _done(self, turn: Turn, snap: Snapshot, parsed: cmd.Done) -> list[Reply] | Problem:
        t = turn.t
        task = snap.roadmap.task(parsed.task)
        if task is None:
            return Problem("done.unknown_task", {"value": parsed.task[:40]})
        if task.role not in snap.roles_of(turn.person.id):
            return Problem("done.not_owner", {"role": views.role_name(t, task.role)})
        if task.id in snap.done:
            return Problem("done.already", {"number": str(task.number)})
        assert turn.pilot is not None and turn.pilot.id is not None and turn.person.id is not None
        await turn.repo.mark_done(turn.pilot.id, task.id, turn.person.id, self.clock.now(),
                                  parsed.note)  # fmt: skip
        left = len(snap.roadmap.open_tasks(snap.week, snap.done | {task.id}, task.role))
        return [views.text_reply(t("done.ok", number=task.number, title=task.title, count=left))]

    async def _process_add(
        self, turn: Turn, snap: Snapshot, parsed: cmd.ProcessAdd
    ) -> list[Reply] | Problem:
        names = [p.name for p in snap.processes]
        problem = rules.check_process_add(names, parsed.name, snap.chosen is not None)
        if problem:
            return problem
        assert turn.pilot is not None and turn.pilot.id is not None
        hours = float(parsed.hours_per_week) if parsed.hours_per_week is not None else None
        await turn.repo.add(
            Process(pilot_id=turn.pilot.id, position=len(names) + 1, name=parsed.name,
                    inputs=parsed.inputs, outputs=parsed.outputs, hours_per_week=hours,
                    created_by=turn.person.id)
        )  # fmt: skip
        t = turn.t
        text = t("process.added", number=len(names) + 1, name=parsed.name,
                 count=len(names) + 1, max=rules.MAX_PROCESSES)  # fmt: skip
        if parsed.hours_per_week is None or not parsed.inputs or not parsed.outputs:
            text += "\n" + t("process.incomplete")
        return [views.text_reply(text)]

    async def _process_pick(
        self, turn: Turn, snap: Snapshot, parsed: cmd.ProcessPick
    ) -> list[Reply] | Problem:
        chosen = snap.chosen
        problem = rules.check_process_pick(
            len(snap.processes), parsed.number, chosen.name if chosen else None
        )
        if problem:
            return problem
        assert turn.pilot is not None
        process = snap.processes[parsed.number - 1]
        turn.pilot.chosen_process_id = process.id
        turn.repo.session.add(turn.pilot)
        return [views.text_reply(turn.t("process.picked", name=process.name))]

    async def _metric_add(
        self, turn: Turn, snap: Snapshot, parsed: cmd.MetricAdd
    ) -> list[Reply] | Problem:
        target = float(parsed.target) if parsed.target is not None else None
        names = [v.metric.name for v in snap.metrics]
        problem = rules.check_metric_add(names, parsed.name, float(parsed.baseline), target,
                                         parsed.lower_is_better)  # fmt: skip
        if problem:
            return problem
        assert turn.pilot is not None and turn.pilot.id is not None
        modeler = snap.owners.get(Role.MODELER)
        await turn.repo.add(
            Metric(pilot_id=turn.pilot.id, name=parsed.name, unit=parsed.unit,
                   baseline=float(parsed.baseline), target=target,
                   lower_is_better=parsed.lower_is_better,
                   owner_id=modeler.id if modeler else turn.person.id)
        )  # fmt: skip
        t = turn.t
        direction = t("metric.lower") if parsed.lower_is_better else t("metric.higher")
        text = t("metric.added", name=parsed.name, baseline=t.number(parsed.baseline),
                 unit=parsed.unit, direction=direction)  # fmt: skip
        if target is not None:
            text += " " + t("metric.with_target", target=t.number(target), unit=parsed.unit)
        return [views.text_reply(text)]

    async def _checkin(
        self, turn: Turn, snap: Snapshot, parsed: cmd.Checkin
    ) -> list[Reply] | Problem:
        t = turn.t
        if not snap.metrics:
            return Problem("checkin.no_metrics")
        by_name = {v.metric.name: v for v in snap.metrics}
        found = rules.find_metric(list(by_name), parsed.text)
        if found is None:
            return Problem("checkin.unknown_metric", {"names": ", ".join(by_name)})
        view = by_name[found[0]]
        measured = parse_measurement(found[1], view.metric.unit, t.language)
        if isinstance(measured, Problem):
            return measured
        if snap.week < 1:
            return Problem("checkin.before_start")
        return await self._record(turn, snap, view.metric, measured)

    async def _record(
        self, turn: Turn, snap: Snapshot, metric: Metric, measured: Measurement
    ) -> list[Reply]:
        assert turn.pilot is not None and turn.pilot.id is not None and metric.id is not None
        value = float(measured.value)
        await turn.repo.add(
            Checkin(pilot_id=turn.pilot.id, metric_id=metric.id, person_id=turn.person.id,
                    week=snap.week, value=value, note=measured.note,
                    recorded_at=self.clock.now())
        )  # fmt: skip
        t = turn.t
        after = await load_snapshot(turn.repo, turn.pilot, self.clock.now())
        view = next(v for v in after.metrics if v.metric.id == metric.id)
        text = t("checkin.recorded", name=metric.name, value=t.number(value), unit=metric.unit,
                 week=snap.week)  # fmt: skip
        text += "\n" + views.metric_line(t, view)
        return [views.text_reply(text)]


def _resolve(inbound: Inbound, token: str) -> PersonRef | None:
    if token in inbound.mentions:
        return inbound.mentions[token]
    return None


_ACTIONS: dict[type, Action] = {
    cmd.Assign: Action.ASSIGN,
    cmd.ProcessAdd: Action.PROCESS_ADD,
    cmd.ProcessPick: Action.PROCESS_PICK,
    cmd.MetricAdd: Action.METRIC_ADD,
    cmd.Checkin: Action.CHECKIN,
    cmd.Settings: Action.SETTINGS,
}
