"""The guided decisions of weeks 2-9: map a workflow, list and rank them, answer the capacity
check, pick the ONE (with a reason when it is not the recommended one, with a confirmation
when it replaces the one chosen), and the build facts (demo date, live, the week-9 choice)."""

from __future__ import annotations

from decimal import Decimal

from bot.services import decision_views as dv
from bot.services import views
from bot.services.handlers import Result, Turn
from bot.services.snapshot import Snapshot, load_snapshot
from playbook import rules
from playbook import workflows as wf
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Problem
from storage.tables import CapacityCheck, Process


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def derived_hours(process: Process) -> None:
    """Cases per week × minutes per case is the workflow's hours per week."""
    if process.volume is not None and process.minutes is not None:
        process.hours_per_week = round(process.volume * process.minutes / 60, 2)


async def process_add(turn: Turn, snap: Snapshot, parsed: cmd.ProcessAdd) -> Result:
    names = [p.name for p in snap.processes]
    problem = rules.check_process_add(names, parsed.name, snap.chosen is not None)
    if problem:
        return problem
    assert turn.pilot is not None and turn.pilot.id is not None
    process = Process(
        pilot_id=turn.pilot.id, position=len(names) + 1, name=parsed.name, inputs=parsed.inputs,
        outputs=parsed.outputs, hours_per_week=_float(parsed.hours_per_week), steps=parsed.steps,
        systems=", ".join(wf.systems_of(parsed.systems)), volume=_float(parsed.volume),
        minutes=_float(parsed.minutes), rule_share=parsed.rule_share, data_ready=parsed.data,
        pain=parsed.pain, created_by=turn.person.id,
    )  # fmt: skip
    derived_hours(process)
    await turn.uow.add(process)
    t = turn.t
    text = t("process.added", number=process.position, name=parsed.name,
             count=process.position, max=rules.MAX_PROCESSES)  # fmt: skip
    scored = wf.score(dv.candidate_of(process), dv.capacity_of(snap.capacity))
    if scored.score is not None:
        text += "\n" + dv.score_line(t, scored).split("] ", 1)[1]
    else:
        fields = ", ".join(f"{_KEY_WORDS[t.language][m]}" for m in scored.candidate.missing)
        text += "\n" + t("process.incomplete", fields=fields, number=process.position)
    return [views.text_reply(text)]


#: How the score's missing fields are typed, per language.
_KEY_WORDS = {
    "en": {"hours": "cases=… minutes=…", "rules": "rules=…", "data": "data=yes|partly|no"},
    "de": {"hours": "fälle=… minuten=…", "rules": "regeln=…", "data": "daten=ja|teilweise|nein"},
}


async def processes(turn: Turn, snap: Snapshot, _parsed: cmd.Processes) -> Result:
    return [dv.processes_reply(turn.t, snap)]


async def process_pick(turn: Turn, snap: Snapshot, parsed: cmd.ProcessPick) -> Result:
    """The ONE workflow. Passing over the recommended one needs a one-line reason (quoted in
    the report); replacing the one already chosen needs ``confirm``."""
    problem = rules.check_process_pick(len(snap.processes), parsed.number, None)
    if problem:
        return problem
    t = turn.t
    process = snap.processes[parsed.number - 1]
    current = snap.chosen
    if current is not None and current.id == process.id:
        return Problem("process.one_only", {"name": current.name})
    if current is not None and not parsed.confirm:
        key = "workflow.confirm_change" if snap.week >= 5 else "workflow.confirm_change_early"
        return Problem(key, {"current": current.name, "name": process.name,
                             "week": str(snap.week), "number": str(parsed.number)})  # fmt: skip
    ranking = dv.ranking(snap)
    best = wf.needs_reason(ranking, parsed.number)
    if best is not None and not parsed.reason:
        picked = next(s for s in ranking if s.candidate.number == parsed.number)
        params = {"name": process.name, "top": best.candidate.name, "number": str(parsed.number),
                  "top_score": t.number(best.score), "score": t.number(picked.score)}  # fmt: skip
        key = "workflow.ask_reason" if picked.score is not None else "workflow.ask_reason_unscored"
        return Problem(key, params)
    assert turn.pilot is not None
    turn.pilot.chosen_process_id = process.id
    turn.uow.save(turn.pilot)
    decision = await turn.uow.processes.decision(snap.pilot_id)
    decision.pick_reason = parsed.reason if best is not None else ""
    decision.passed_over = best.candidate.name if best is not None else ""
    if current is not None:  # a new workflow: its build starts over
        decision.demo_date, decision.live, decision.live_at = None, None, None
        decision.overrun, decision.overrun_at = None, None
    text = t("process.picked", name=process.name)
    if decision.pick_reason:
        text += " " + t("workflow.reason_noted", reason=decision.pick_reason)
    if current is not None:
        text += " " + t("workflow.switched", old=current.name)
    return [views.text_reply(text)]


_ACCESS_KEYS = {"api": wf.Access.API, "export": wf.Access.EXPORT, "none": wf.Access.NONE}
_MISSING_WORDS = {
    "en": {"builder": "builder=inhouse|nocode|none", "hours": "hours=…",
           "budget": "budget=yes|no"},
    "de": {"builder": "wer=intern|nocode|niemand", "hours": "stunden=…",
           "budget": "budget=ja|nein"},
}  # fmt: skip


async def capacity(turn: Turn, snap: Snapshot, parsed: cmd.CapacityCheck) -> Result:
    """``capacity``: the questionnaire; ``capacity key=value …``: the answers (merged into the
    earlier ones), the recommendation and the ranking it leads to."""
    t = turn.t
    if not parsed.values:
        return [dv.capacity_reply(t, snap)]
    old = snap.capacity
    values: dict[str, object] = {}
    for key, raw in parsed.values.items():
        value = cmd.capacity_field(key, raw, t.language)
        assert not isinstance(value, Problem)  # the parser checked it
        values[key] = value
    access = dict(old.access) if old is not None else {}
    for key, kind in _ACCESS_KEYS.items():
        for system in wf.systems_of(str(values.get(key, ""))):
            for known in [k for k in access if k.casefold() == system.casefold()]:
                del access[known]
            access[_spelling(snap, system)] = kind.value
    builder = str(values.get("builder", old.builder if old else ""))
    hours = values.get("hours", Decimal(str(old.hours)) if old else None)
    if builder == wf.Builder.NONE and hours is None:
        hours = Decimal(0)
    budget = values.get("budget", old.budget if old else None)
    missing = [k for k, v in (("builder", builder), ("hours", hours), ("budget", budget))
               if v in ("", None)]  # fmt: skip
    if missing:
        words = ", ".join(_MISSING_WORDS[t.language][k] for k in missing)
        return Problem("capacity.missing", {"fields": words})
    tool = str(values.get("tool", old.tool if old else ""))
    assert isinstance(hours, Decimal) and isinstance(budget, bool)
    answers = wf.Capacity(builder=wf.Builder(builder), tool=tool,
                          access={k: wf.Access(v) for k, v in access.items()},
                          hours=float(hours), budget=budget)  # fmt: skip
    rec = wf.recommend(answers)
    row = old or CapacityCheck(pilot_id=snap.pilot_id, builder=builder, access={}, path="",
                               reason="", answered_at=turn.now)  # fmt: skip
    row.builder, row.tool, row.access = builder, tool, access
    row.hours, row.budget = float(hours), budget
    row.path, row.reason, row.answered_at = rec.path.value, rec.reason, turn.now
    turn.uow.save(row)
    await turn.uow.flush()
    assert turn.pilot is not None
    after = await load_snapshot(turn.uow, turn.pilot, turn.now)
    return [dv.capacity_reply(t, after, saved=True)]


def _spelling(snap: Snapshot, system: str) -> str:
    """A system as the candidates spell it (``ticket system`` for ``Ticket System``)."""
    return next((s for s in dv.named_systems(snap) if s.casefold() == system.casefold()), system)


async def demo(turn: Turn, snap: Snapshot, parsed: cmd.DemoDate) -> Result:
    if snap.chosen is None:
        return Problem("build.no_choice")
    decision = await turn.uow.processes.decision(snap.pilot_id)
    decision.demo_date = parsed.day
    t = turn.t
    return [views.text_reply(t("build.demo_saved", name=snap.chosen.name, date=t.date(parsed.day)))]


async def live(turn: Turn, snap: Snapshot, parsed: cmd.Live) -> Result:
    if snap.chosen is None:
        return Problem("build.no_choice")
    decision = await turn.uow.processes.decision(snap.pilot_id)
    decision.live = parsed.live
    decision.live_at = turn.now if parsed.live else None
    key = "build.live_yes" if parsed.live else "build.live_no"
    return [views.text_reply(turn.t(key, name=snap.chosen.name))]


async def build(turn: Turn, snap: Snapshot, parsed: cmd.BuildChoice) -> Result:
    """The champion's week-9 choice when the solution is not live: two more weeks, or less."""
    chosen = snap.chosen
    if chosen is None:
        return Problem("build.no_choice")
    if snap.decision is not None and snap.decision.live:
        return Problem("build.not_needed", {"name": chosen.name})
    if snap.week < wf.OVERRUN_WEEK:
        return Problem("build.too_early")
    decision = await turn.uow.processes.decision(snap.pilot_id)
    decision.overrun = parsed.choice
    decision.overrun_at = turn.now
    t = turn.t
    if parsed.choice == wf.Overrun.EXTEND:
        week = wf.LIVE_WEEK + wf.EXTENSION_WEEKS
        return [views.text_reply(t("build.extended", name=chosen.name, week=week))]
    return [views.text_reply(t("build.shrunk", name=chosen.name))]
