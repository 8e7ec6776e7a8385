"""Corrections: a candidate workflow removed or edited, a metric removed, a check-in withdrawn.

Each answer says what changed. A removed metric and a withdrawn check-in stay in the database
(``metrics.removed_at``, ``checkins.withdrawn_at``) and in the export; the snapshot leaves them
out of everything that counts (status, results, check-in forms, nudges).
"""

from __future__ import annotations

from bot.services import views
from bot.services.decisions import derived_hours
from bot.services.handlers import Result, Turn
from bot.services.snapshot import Snapshot, load_snapshot
from playbook import rules
from playbook import workflows as wf
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Problem
from storage.tables import Process


def _numbered(snap: Snapshot, number: int) -> Process | Problem:
    count = len(snap.processes)
    if count == 0:
        return Problem("process.none_yet")
    if not 1 <= number <= count:
        return Problem("process.no_such", {"number": str(number), "count": str(count)})
    return snap.processes[number - 1]


async def process_remove(turn: Turn, snap: Snapshot, parsed: cmd.ProcessRemove) -> Result:
    """Delete candidate N; the ones after it move up, so the numbers stay 1..n."""
    gone = _numbered(snap, parsed.number)
    if isinstance(gone, Problem):
        return gone
    t, pilot = turn.t, snap.pilot
    assert gone.id is not None
    remaining = await turn.uow.processes.remove_process(snap.pilot_id, gone.id)
    if not remaining:
        text = t("process.removed_last", number=parsed.number, name=gone.name)
    else:
        text = t("process.removed", number=parsed.number, name=gone.name, count=len(remaining))
        if parsed.number <= len(remaining):  # some moved up
            listed = " · ".join(f"[{p.position}] {p.name}" for p in remaining)
            text += " " + t("process.renumbered", list=listed)
    if pilot.chosen_process_id == gone.id:
        pilot.chosen_process_id = None
        turn.uow.save(pilot)
        text += " " + t("process.unpicked")
    return [views.text_reply(text)]


async def process_edit(turn: Turn, snap: Snapshot, parsed: cmd.ProcessEdit) -> Result:
    """Change the fields given, say each change (old → new)."""
    process = _numbered(snap, parsed.number)
    if isinstance(process, Problem):
        return process
    t = turn.t
    changes: list[str] = []

    def text_change(field: str, old: str, new: str) -> None:
        key = f"process.field_{field}"
        label = t(key) if t.has(key) else t(f"workflow.label_{field}")
        if not old:
            changes.append(t("process.change_from_empty", field=label, new=new))
        else:
            changes.append(t("process.change_text", field=label, old=old, new=new))

    if parsed.name is not None and parsed.name != process.name:
        others = [p.name for p in snap.processes if p.id != process.id]
        if parsed.name.casefold() in (n.casefold() for n in others):
            return Problem("process.duplicate", {"name": parsed.name})
        text_change("name", process.name, parsed.name)
        process.name = parsed.name
    if parsed.inputs is not None and parsed.inputs != process.inputs:
        text_change("inputs", process.inputs, parsed.inputs)
        process.inputs = parsed.inputs
    if parsed.outputs is not None and parsed.outputs != process.outputs:
        text_change("outputs", process.outputs, parsed.outputs)
        process.outputs = parsed.outputs
    for field, label in (("steps", "steps"), ("systems", "systems")):
        new = getattr(parsed, field)
        if field == "systems" and new is not None:
            new = ", ".join(wf.systems_of(new))
        if new is not None and new != getattr(process, field):
            text_change(label, getattr(process, field), new)
            setattr(process, field, new)
    if parsed.data is not None and parsed.data != process.data_ready:
        old = t(f"workflow.data_{process.data_ready}") if process.data_ready else ""
        text_change("data", old, t(f"workflow.data_{parsed.data}"))
        process.data_ready = parsed.data
    if parsed.pain is not None and parsed.pain != process.pain:

        def pains(value: str) -> str:
            return ", ".join(t(f"workflow.pain_{x}") for x in value.split(",") if x)

        text_change("pain", pains(process.pain), pains(parsed.pain))
        process.pain = parsed.pain
    numbers = (("volume", parsed.volume, "volume"), ("minutes", parsed.minutes, "minutes"),
               ("rule_share", parsed.rule_share, "rules"))  # fmt: skip
    for attr, value, label in numbers:
        if value is not None and float(value) != getattr(process, attr):
            old = t.number(getattr(process, attr))
            changes.append(t("process.change_number", field=t(f"workflow.label_{label}"),
                             old=old, new=t.number(value)))  # fmt: skip
            setattr(process, attr, int(value) if attr == "rule_share" else float(value))
    hours = float(parsed.hours_per_week) if parsed.hours_per_week is not None else None
    if hours is not None and hours != process.hours_per_week:
        changes.append(t("process.change_number", field=t("process.field_hours"),
                         old=t.number(process.hours_per_week), new=t.number(hours)))  # fmt: skip
        process.hours_per_week = hours
    derived_hours(process)
    if not changes:
        return Problem("process.unchanged", {"number": str(parsed.number)})
    turn.uow.save(process)
    text = t("process.edited", number=parsed.number, name=process.name, changes="; ".join(changes))
    return [views.text_reply(text)]


async def metric_remove(turn: Turn, snap: Snapshot, parsed: cmd.MetricRemove) -> Result:
    """Set ``removed_at``: gone from status, results and check-ins, kept in the export."""
    if not snap.metrics:
        return Problem("checkin.no_metrics")
    names = [v.metric.name for v in snap.metrics]
    found = rules.find_metric(names, parsed.name)
    if found is None or found[1]:
        return Problem("metric.no_such", {"value": parsed.name[:40], "names": ", ".join(names)})
    metric = next(v.metric for v in snap.metrics if v.metric.name == found[0])
    metric.removed_at = turn.now
    turn.uow.save(metric)
    kept = sum(1 for c in snap.all_checkins if c.metric_id == metric.id)
    t = turn.t
    if kept == 0:
        return [views.text_reply(t("metric.removed_empty", name=metric.name))]
    return [views.text_reply(t("metric.removed", name=metric.name, count=kept))]


async def checkin_undo(turn: Turn, snap: Snapshot, _parsed: cmd.CheckinUndo) -> Result:
    """Withdraw the caller's own last check-in that still counts (never someone else's, never a
    webhook's: those have no person)."""
    mine = [c for c in snap.checkins if c.person_id is not None and c.person_id == turn.person.id]
    if not mine:
        return Problem("checkin.nothing_to_undo")
    last = max(mine, key=lambda c: (c.recorded_at, c.id or 0))
    last.withdrawn_at = turn.now
    turn.uow.save(last)
    await turn.uow.flush()
    assert last.id is not None
    # the value it replaced is the week's value again
    await turn.uow.metrics.restore_replaced(last.id)
    restored, _ = await turn.uow.metrics.supersede_week(last.pilot_id, last.metric_id, last.week)
    metric = next(v.metric for v in snap.metrics if v.metric.id == last.metric_id)
    t = turn.t
    text = t("checkin.withdrawn", name=metric.name, value=t.number(last.value), unit=metric.unit,
             week=last.week)  # fmt: skip
    if restored is not None:
        text += " " + t("numbers.restored", value=t.number(restored.value), unit=metric.unit,
                        week=last.week)  # fmt: skip
    assert turn.pilot is not None
    after = await load_snapshot(turn.uow, turn.pilot, turn.now)
    view = next(v for v in after.metrics if v.metric.id == metric.id)
    return [views.text_reply(text + "\n" + views.metric_line(t, view))]
