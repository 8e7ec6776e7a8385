"""Command handlers: each gets the turn and the pilot's snapshot and returns replies or a
Problem (then nothing it wrote is kept: the caller only commits on success)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.catalog import Texts
from bot.messages import Inbound, PersonRef, Reply
from bot.ports import AbstractUnitOfWork
from bot.services import views
from bot.services.snapshot import Snapshot, load_snapshot
from playbook import rules
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Measurement, Problem, parse_measurement, unit_group
from playbook.results import MetricKind, MetricSpec, Per, metric_spec
from playbook.roles import Role
from storage.tables import Checkin, Metric, Person, Pilot, Process

Result = list[Reply] | Problem


@dataclass
class Turn:
    """What one handler works with."""

    uow: AbstractUnitOfWork
    inbound: Inbound
    person: Person
    pilot: Pilot | None
    t: Texts
    now: datetime


MAX_PERSON_ID = 128  # people.external_id


def unquote_name(text: str) -> str:
    """``"repair time" 6,5`` -> ``repair time 6,5``: a name may be quoted as in metric add."""
    if text[:1] == '"' and '"' in text[1:]:
        name, _, rest = text[1:].partition('"')
        return f"{name.strip()} {rest.strip()}".strip()
    return text


def resolve(inbound: Inbound, token: str) -> PersonRef | None:
    """The person a mention token stands for; None if unknown or not a plausible id."""
    ref = inbound.mentions.get(token)
    if ref is None or not 0 < len(ref.id) <= MAX_PERSON_ID:
        return None
    return PersonRef(id=ref.id, name=ref.name[:200])


async def assign(turn: Turn, snap: Snapshot, parsed: cmd.Assign) -> Result:
    ref = resolve(turn.inbound, parsed.target)
    if ref is None:
        return Problem("assign.unknown_person", {"value": parsed.target[:40]})
    assert turn.pilot is not None and turn.pilot.id is not None
    target = await turn.uow.people.person(turn.pilot.workspace_id, ref.id, ref.name)
    current = snap.owners.get(parsed.role)
    t = turn.t
    role = views.role_name(t, parsed.role)
    if current is not None and current.id == target.id:
        return Problem("assign.same", {"role": role, "name": views.name_of(target)})
    assert target.id is not None
    await turn.uow.pilots.set_role(turn.pilot.id, parsed.role.value, target.id, turn.person.id,
                             turn.now)  # fmt: skip
    snap = await load_snapshot(turn.uow, turn.pilot, turn.now)
    text = t("assign.done", role=role, name=views.name_of(target, notify=True))
    text += "\n" + views.formula_line(t, snap) + " " + t(f"formula.verdict.{snap.formula.mode}")
    return [views.text_reply(text)]


async def done(turn: Turn, snap: Snapshot, parsed: cmd.Done) -> Result:
    if parsed.more:
        return await done_many(turn, snap, parsed)
    t = turn.t
    task = snap.roadmap.task(parsed.task)
    if task is None:
        return Problem("done.unknown_task", {"value": parsed.task[:40]})
    if task.role not in snap.roles_of(turn.person.id):
        return Problem("done.not_owner", {"role": views.role_name(t, task.role)})
    if task.id in snap.coaching.evidence:  # the bot saw it done: say so, keep only a note
        if parsed.note and task.id not in snap.coaching.done - snap.coaching.evidence.keys():
            assert turn.pilot is not None and turn.pilot.id is not None
            assert turn.person.id is not None
            await turn.uow.tasks.mark_done(turn.pilot.id, task.id, turn.person.id, turn.now,
                                           parsed.note)  # fmt: skip
        return [views.text_reply(views.evidence_line(t, snap, task))]
    if task.id in snap.done:
        return Problem("done.already", {"number": str(task.number)})
    assert turn.pilot is not None and turn.pilot.id is not None and turn.person.id is not None
    await turn.uow.tasks.mark_done(turn.pilot.id, task.id, turn.person.id, turn.now,
                                   parsed.note)  # fmt: skip
    left = len(snap.roadmap.open_tasks(snap.week, snap.done | {task.id}, task.role))
    key = "done.ok" if left else "done.ok_last"  # never "0 tasks left"
    return [views.text_reply(t(key, number=task.number, title=task.title, count=left))]


async def done_many(turn: Turn, snap: Snapshot, parsed: cmd.Done) -> Result:
    """``done 2 5``: all of them or none (an unknown number or another role's task refuses the
    lot); those done before are named, not refused."""
    t = turn.t
    roles = snap.roles_of(turn.person.id)
    tasks = []
    for ref in parsed.tasks:
        task = snap.roadmap.task(ref)
        if task is None:
            return Problem("done.unknown_task", {"value": ref[:40]})
        if task.role not in roles:
            return Problem("done.not_owner", {"role": views.role_name(t, task.role)})
        tasks.append(task)
    before = [x for x in tasks if x.id in snap.done]
    fresh = [x for x in tasks if x.id not in snap.done]
    if not fresh:
        return Problem("done.skipped", {"numbers": ", ".join(str(x.number) for x in before)})
    assert turn.pilot is not None and turn.pilot.id is not None and turn.person.id is not None
    for task in fresh:
        await turn.uow.tasks.mark_done(
            turn.pilot.id, task.id, turn.person.id, turn.now, parsed.note
        )
    done_now = snap.done | {x.id for x in fresh}
    left = sum(1 for x in snap.roadmap.open_tasks(snap.week, done_now) if x.role in roles)
    text = t("done.ok_many", items="; ".join(f"[{x.number}] {x.title}" for x in fresh))
    if before:
        text += " " + t("done.skipped", numbers=", ".join(str(x.number) for x in before))
    text += " " + (t("done.left", count=left) if left else t("done.none_left"))
    return [views.text_reply(text)]


async def process_add(turn: Turn, snap: Snapshot, parsed: cmd.ProcessAdd) -> Result:
    names = [p.name for p in snap.processes]
    problem = rules.check_process_add(names, parsed.name, snap.chosen is not None)
    if problem:
        return problem
    assert turn.pilot is not None and turn.pilot.id is not None
    hours = float(parsed.hours_per_week) if parsed.hours_per_week is not None else None
    await turn.uow.add(
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


async def process_pick(turn: Turn, snap: Snapshot, parsed: cmd.ProcessPick) -> Result:
    chosen = snap.chosen
    problem = rules.check_process_pick(
        len(snap.processes), parsed.number, chosen.name if chosen else None
    )
    if problem:
        return problem
    assert turn.pilot is not None
    process = snap.processes[parsed.number - 1]
    turn.pilot.chosen_process_id = process.id
    turn.uow.save(turn.pilot)
    return [views.text_reply(turn.t("process.picked", name=process.name))]


async def metric_add(turn: Turn, snap: Snapshot, parsed: cmd.MetricAdd) -> Result:
    target = float(parsed.target) if parsed.target is not None else None
    names = [v.metric.name for v in snap.metrics]
    removed = [m.name for m in snap.all_metrics if m.removed_at is not None]
    if parsed.name.casefold() in (n.casefold() for n in removed):  # its row keeps the name
        return Problem("metric.duplicate_removed", {"name": parsed.name})
    problem = rules.check_metric_add(names, parsed.name, float(parsed.baseline), target,
                                     parsed.lower_is_better)  # fmt: skip
    if problem:
        return problem
    spec = metric_spec(
        name=parsed.name, unit_group=unit_group(parsed.unit), kind=parsed.kind, per=parsed.per,
        volume=float(parsed.volume) if parsed.volume is not None else None,
        scale=float(parsed.scale) if parsed.scale is not None else None,
        lower_is_better=parsed.lower_is_better, direction_given=parsed.direction_given,
    )  # fmt: skip
    if isinstance(spec, Problem):
        return spec
    assert turn.pilot is not None and turn.pilot.id is not None
    modeler = snap.owners.get(Role.MODELER)
    await turn.uow.add(
        Metric(pilot_id=turn.pilot.id, name=parsed.name, unit=parsed.unit,
               baseline=float(parsed.baseline), target=target,
               lower_is_better=parsed.lower_is_better, kind=spec.kind.value,
               per=spec.per.value if spec.per else None, volume=spec.volume, scale=spec.scale,
               owner_id=modeler.id if modeler else turn.person.id)
    )  # fmt: skip
    t = turn.t
    direction = t("metric.lower") if parsed.lower_is_better else t("metric.higher")
    text = t("metric.added", name=parsed.name, baseline=t.number(parsed.baseline),
             unit=parsed.unit, direction=direction)  # fmt: skip
    if target is not None:
        text += " " + t("metric.with_target", target=t.number(target), unit=parsed.unit)
    text += "\n" + kind_line(t, spec, parsed.unit)
    if snap.week <= 4:
        text += "\n" + t("numbers.measure_baseline")
    return [views.text_reply(text)]


def kind_line(t: Texts, spec: MetricSpec, unit: str) -> str:
    """What the metric measures and what it turns into, saying what was assumed."""
    kind = t(f"numbers.kind.{spec.kind.value}")
    if spec.kind is MetricKind.EFFORT and spec.per is Per.CASE:
        if spec.volume is not None:
            what = t("numbers.effort_case", unit=unit, volume=t.number(spec.volume))
        else:
            what = t("numbers.effort_case_no_volume", unit=unit)
    elif spec.kind is MetricKind.EFFORT:
        what = t("numbers.effort_week", unit=unit)
    else:
        what = t(f"numbers.reported.{spec.kind.value}")
    if spec.kind is MetricKind.FREE and spec.kind_assumed:
        return t("numbers.assumed_free")
    key = "numbers.assumed" if spec.kind_assumed or spec.per_assumed else "numbers.kind_line"
    return t(key, kind=kind, what=what)


async def checkin(turn: Turn, snap: Snapshot, parsed: cmd.Checkin) -> Result:
    t = turn.t
    if not snap.metrics:
        return Problem("checkin.no_metrics")
    by_name = {v.metric.name: v for v in snap.metrics}
    found = rules.find_metric(list(by_name), unquote_name(parsed.text))
    if found is None:
        return Problem("checkin.unknown_metric", {"names": ", ".join(by_name)})
    view = by_name[found[0]]
    measured = parse_measurement(found[1], view.metric.unit, t.language)
    if isinstance(measured, Problem):
        return measured
    if snap.week < 1:
        return Problem("checkin.before_start")
    return await record(turn, snap, view.metric, measured)


async def record(turn: Turn, snap: Snapshot, metric: Metric, measured: Measurement) -> list[Reply]:
    """Store the week's value; a second one of the same week replaces the first (kept for the
    export), and the answer says so."""
    assert turn.pilot is not None and turn.pilot.id is not None and metric.id is not None
    value = float(measured.value)
    await turn.uow.add(
        Checkin(pilot_id=turn.pilot.id, metric_id=metric.id, person_id=turn.person.id,
                week=snap.week, value=value, note=measured.note,
                recorded_at=turn.now)
    )  # fmt: skip
    _kept, replaced = await turn.uow.metrics.supersede_week(turn.pilot.id, metric.id, snap.week)
    t = turn.t
    after = await load_snapshot(turn.uow, turn.pilot, turn.now)
    view = next(v for v in after.metrics if v.metric.id == metric.id)
    text = t("checkin.recorded", name=metric.name, value=t.number(value), unit=metric.unit,
             week=snap.week)  # fmt: skip
    if replaced and replaced[-1].value == value:
        text += " " + t("numbers.replaced_same")
    elif replaced:
        text += " " + t("numbers.replaced", old=t.number(replaced[-1].value),
                        new=t.number(value), unit=metric.unit)  # fmt: skip
    text += "\n" + views.phase_note(t, view, snap.week)
    text += "\n" + views.metric_line(t, view)
    return [views.text_reply(text)]


async def pause(turn: Turn, snap: Snapshot, _parsed: cmd.Pause) -> Result:
    """``pause``: no nudges, reminders or retrospective prompts to the caller in this pilot."""
    assert turn.person.id is not None
    if not await turn.uow.pilots.set_paused(snap.pilot_id, turn.person.id, turn.now, True):
        return Problem("pause.already")
    return [views.text_reply(turn.t("pause.done"))]


async def resume(turn: Turn, snap: Snapshot, _parsed: cmd.Resume) -> Result:
    assert turn.person.id is not None
    if not await turn.uow.pilots.set_paused(snap.pilot_id, turn.person.id, turn.now, False):
        return Problem("resume.not_paused")
    return [views.text_reply(turn.t("resume.done"))]
