"""The decisions of weeks 2-9 as text: the ranking with each score's breakdown, the capacity
recommendation, the build facts, and the lines they add to status, nudges and the report.

Everything is computed from the snapshot with ``playbook.workflows`` (pure); nothing here
reads or writes storage.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.catalog import Texts
from bot.messages import Actions, Block, BulletList, Button, Heading, Paragraph, Reply
from bot.services.snapshot import Snapshot
from playbook import workflows as wf
from playbook.roles import Role
from storage.tables import CapacityCheck, Process


def candidate_of(p: Process) -> wf.Candidate:
    data = wf.Data(p.data_ready) if p.data_ready in {d.value for d in wf.Data} else None
    return wf.Candidate(
        number=p.position, name=p.name, volume=p.volume, minutes=p.minutes,
        hours=p.hours_per_week, rule_share=p.rule_share, data=data,
        systems=wf.systems_of(p.systems),
    )  # fmt: skip


def capacity_of(row: CapacityCheck | None) -> wf.Capacity | None:
    if row is None:
        return None
    access = {str(k): wf.Access(v) for k, v in (row.access or {}).items()
              if v in {a.value for a in wf.Access}}  # fmt: skip
    return wf.Capacity(builder=wf.Builder(row.builder), tool=row.tool, access=access,
                       hours=row.hours, budget=row.budget)  # fmt: skip


def ranking(snap: Snapshot) -> tuple[wf.Scored, ...]:
    return wf.rank([candidate_of(p) for p in snap.processes], capacity_of(snap.capacity))


def named_systems(snap: Snapshot) -> tuple[str, ...]:
    """Every system the candidate workflows name, each once, in their order."""
    found: dict[str, str] = {}
    for p in snap.processes:
        for system in wf.systems_of(p.systems):
            found.setdefault(system.casefold(), system)
    return tuple(found.values())


# ---- the score ------------------------------------------------------------------------


def _missing(t: Texts, scored: wf.Scored) -> str:
    return ", ".join(t(f"workflow.missing_{m}") for m in scored.candidate.missing)


def score_line(t: Texts, scored: wf.Scored, chosen_number: int | None = None) -> str:
    """``[1] Repair request triage: 12 h/week × 80 % rule-based × data yes → 9.6 — recommended``"""
    c = scored.candidate
    if scored.score is None:
        name = c.name
        if scored.hours is not None:
            name = t("status.candidate_hours", number=c.number, name=c.name,
                     hours=t.number(scored.hours)).split("] ", 1)[1]  # fmt: skip
        line = t("workflow.incomplete", name=name, fields=_missing(t, scored))
    else:
        fit = ""
        if scored.fit.blocked:
            fit = t("workflow.fit_blocked", factor=t.number(scored.fit.factor),
                    systems=", ".join(scored.fit.blocked))  # fmt: skip
        elif scored.fit.export_only and scored.fit.factor < 1:
            fit = t("workflow.fit_export", factor=t.number(scored.fit.factor),
                    systems=", ".join(scored.fit.export_only))  # fmt: skip
        assert scored.data is not None
        line = t("workflow.score_line", name=c.name, hours=t.number(scored.hours),
                 rules=t.number(scored.rule_share, 0), data=t(f"workflow.data_{scored.data}"),
                 fit=fit, score=t.number(scored.score))  # fmt: skip
    if chosen_number == c.number:
        line += t("workflow.chosen")
    elif scored.recommended:
        line += t("workflow.recommended")
    return f"[{c.number}] {line}"


def ranking_lines(t: Texts, snap: Snapshot) -> tuple[str, ...]:
    chosen = snap.chosen.position if snap.chosen else None
    return tuple(score_line(t, s, chosen) for s in ranking(snap))


def _details(t: Texts, p: Process) -> str:
    parts = []
    for label, value in (("inputs", p.inputs), ("outputs", p.outputs), ("systems", p.systems),
                         ("steps", p.steps)):  # fmt: skip
        if value:
            parts.append(f"{t(f'workflow.short_{label}')}: {value}")
    if p.volume is not None and p.minutes is not None:
        parts.append(t("workflow.volume_line", volume=t.number(p.volume, 0),
                       minutes=t.number(p.minutes)))  # fmt: skip
    if p.pain:
        pains = ", ".join(t(f"workflow.pain_{x}") for x in p.pain.split(",") if x)
        parts.append(f"{t('workflow.short_pain')}: {pains}")
    return " · ".join(parts)


def processes_reply(t: Texts, snap: Snapshot) -> Reply:
    """``processes``: each candidate with what was mapped, then the ranking and the hint."""
    if not snap.processes:
        text = t("workflow.empty")
        return Reply(text=text, blocks=(Paragraph(text),))
    blocks: list[Block] = [Heading(t("workflow.list_title"))]
    items = []
    for p in snap.processes:
        details = _details(t, p)
        items.append(f"[{p.position}] {p.name}" + (f" — {details}" if details else ""))
    blocks.append(BulletList(tuple(items)))
    blocks.extend(ranking_blocks(t, snap))
    return Reply(text=plain(blocks), blocks=tuple(blocks))


def ranking_blocks(t: Texts, snap: Snapshot) -> list[Block]:
    if not snap.processes:
        return []
    blocks: list[Block] = [Paragraph(t("workflow.ranking")), BulletList(ranking_lines(t, snap))]
    if snap.chosen is None:
        if snap.capacity is None and snap.week <= 5:
            blocks.append(Paragraph(t("workflow.capacity_pending")))
        blocks.append(Paragraph(t("workflow.pick_hint")))
    return blocks


# ---- capacity -------------------------------------------------------------------------


def path_text(t: Texts, rec: wf.Recommendation) -> str:
    if rec.path is wf.Path.NOCODE:
        tool = wf.TOOL_NAMES.get(rec.tool, rec.tool)
        return t("capacity.path_nocode", tool=tool) if tool else t("capacity.path_nocode_any")
    return t(f"capacity.path_{rec.path}")


def reason_text(t: Texts, rec: wf.Recommendation, capacity: wf.Capacity) -> str:
    tool = wf.TOOL_NAMES.get(rec.tool, rec.tool) or t("capacity.path_nocode_any")
    return t(f"capacity.reason.{rec.reason}", hours=t.number(capacity.hours), tool=tool,
             systems=", ".join(rec.reachable))  # fmt: skip


def recommendation_line(t: Texts, snap: Snapshot, key: str = "capacity.status") -> str | None:
    capacity = capacity_of(snap.capacity)
    if capacity is None:
        return None
    rec = wf.recommend(capacity)
    return t(key, path=path_text(t, rec), reason=reason_text(t, rec, capacity))


def answers_line(t: Texts, capacity: wf.Capacity) -> str:
    parts = [t("capacity.answer_builder", value=t(f"capacity.builder_{capacity.builder}"))]
    if capacity.tool:
        tool = wf.TOOL_NAMES.get(capacity.tool, capacity.tool)
        parts.append(t("capacity.answer_tool", value=tool))
    parts.append(t("capacity.answer_hours", value=t.number(capacity.hours)))
    budget = t("capacity.opt_yes" if capacity.budget else "capacity.opt_no")
    parts.append(t("capacity.answer_budget", value=budget))
    for system, access in capacity.access.items():
        parts.append(t("capacity.answer_access", system=system,
                       value=t(f"capacity.access_{access}")))  # fmt: skip
    return t("capacity.answers", answers="; ".join(parts))


def open_systems(snap: Snapshot) -> tuple[str, ...]:
    capacity = capacity_of(snap.capacity)
    return tuple(
        s for s in named_systems(snap) if capacity is None or capacity.access_of(s) is None
    )


def capacity_reply(t: Texts, snap: Snapshot, *, saved: bool = False) -> Reply:
    """``capacity``: the questionnaire (and the answers so far); after answering, the result."""
    blocks: list[Block] = []
    capacity = capacity_of(snap.capacity)
    if saved and capacity is not None:
        blocks.append(Paragraph(recommendation_line(t, snap, "capacity.saved") or ""))
        blocks.append(Paragraph(answers_line(t, capacity)))
    else:
        blocks += [Heading(t("capacity.title")), Paragraph(t("capacity.intro"))]
        questions = [t("capacity.q_builder"), t("capacity.q_tool")]
        questions += [t("capacity.q_access", system=s) for s in named_systems(snap)]
        questions += [t("capacity.q_hours"), t("capacity.q_budget")]
        blocks.append(BulletList(tuple(questions)))
        if capacity is not None:
            blocks.append(Paragraph(recommendation_line(t, snap) or ""))
            blocks.append(Paragraph(answers_line(t, capacity)))
        blocks.append(Paragraph(t("capacity.usage")))
    unanswered = open_systems(snap)
    if unanswered and capacity is not None:
        blocks.append(Paragraph(t("capacity.open_systems", systems=", ".join(unanswered))))
    if saved and snap.processes:
        blocks.extend(ranking_blocks(t, snap))
    return Reply(text=plain(blocks), blocks=tuple(blocks))


# ---- the build ------------------------------------------------------------------------


def build_lines(t: Texts, snap: Snapshot) -> list[str]:
    """Demo date, live, the overrun choice: what status shows under the chosen workflow."""
    d, lines = snap.decision, list[str]()
    if d is None or snap.chosen is None:
        return lines
    if d.pick_reason and d.passed_over:
        lines.append(t("build.report_reason", top=d.passed_over, reason=d.pick_reason))
    if d.demo_date is not None:
        lines.append(t("build.status_demo", date=t.date(d.demo_date)))
    if d.live and d.live_at is not None:
        lines.append(t("build.status_live", date=t.date(d.live_at.date())))
    elif d.live is False or (snap.week >= wf.OVERRUN_WEEK and not d.live):
        lines.append(t("build.status_not_live"))
    if d.overrun == wf.Overrun.EXTEND:
        lines.append(t("build.status_extended", week=wf.LIVE_WEEK + wf.EXTENSION_WEEKS))
    elif d.overrun == wf.Overrun.SHRINK:
        lines.append(t("build.status_shrunk"))
    return lines


def status_blocks(t: Texts, snap: Snapshot) -> list[Block]:
    """Status: the ranking (or the chosen workflow's build facts) and the capacity line."""
    blocks: list[Block] = []
    lines = build_lines(t, snap)
    if lines:
        blocks.append(BulletList(tuple(lines)))
    blocks.extend(ranking_blocks(t, snap))
    line = recommendation_line(t, snap)
    if line is not None:
        blocks.append(Paragraph(line))
    elif snap.week >= 4 and snap.chosen is None:
        blocks.append(Paragraph(t("capacity.not_yet")))
    return blocks


def chosen_lines(t: Texts, snap: Snapshot) -> list[str]:
    chosen = snap.chosen
    if chosen is None:
        return []
    lines = [t("build.building", name=chosen.name)]
    if chosen.systems:
        lines.append(t("build.systems", systems=chosen.systems))
    if chosen.steps:
        lines.append(t("build.steps", steps=chosen.steps))
    return lines


def nudge_blocks(
    t: Texts, snap: Snapshot, roles: frozenset[Role]
) -> tuple[list[Block], list[Button]]:
    """What this week's nudge adds for the decisions: a second workflow in week 3, the capacity
    check in week 4, the ranking to the champion in week 5, the chosen workflow in weeks 5-8
    with the demo date (week 6) and "is it live?" (week 8) asked of the integrator."""
    week = snap.week
    blocks: list[Block] = []
    buttons: list[Button] = []
    count, chosen = len(snap.processes), snap.chosen
    first, last = wf.BUILD_WEEKS
    if Role.MODELER in roles and 2 <= week <= 3 and chosen is None:
        if week == 3 and count == 1:
            blocks.append(Paragraph(t("workflow.second_one")))
        if count < wf.MAX_CANDIDATES:
            buttons.append(Button(t("workflow.form_button"), "process_form"))
    if Role.INTEGRATOR in roles and week == 4 and snap.capacity is None:
        blocks.append(Paragraph(t("capacity.nudge")))
        buttons.append(Button(t("capacity.button"), "capacity_form"))
    if Role.CHAMPION in roles and week == first and chosen is None and snap.processes:
        blocks.append(Paragraph(t("workflow.week5")))
        blocks.append(BulletList(ranking_lines(t, snap)))
    if chosen is not None and first <= week <= last:
        blocks.append(Paragraph("\n".join(chosen_lines(t, snap))))
        d = snap.decision
        if Role.INTEGRATOR in roles and week == wf.DEMO_WEEK and (d is None or not d.demo_date):
            blocks.append(Paragraph(t("build.ask_demo")))
        if Role.INTEGRATOR in roles and week == wf.LIVE_WEEK and (d is None or not d.live):
            blocks.append(Paragraph(t("build.ask_live")))
    return blocks, buttons


def nudge_key(snap: Snapshot, roles: frozenset[Role]) -> tuple[object, ...]:
    """What ``nudge_blocks`` depends on beyond the week and the roles, so pilots in the same
    state can share one rendered nudge and pilots in different ones never do."""
    week = snap.week
    if week < 2 or week > wf.BUILD_WEEKS[1]:
        return ()
    if week <= 4:
        return (len(snap.processes), snap.capacity is None, snap.chosen is None)
    d = snap.decision
    chosen = snap.chosen
    return (
        tuple(ranking_lines_key(snap)) if chosen is None and Role.CHAMPION in roles else (),
        (chosen.name, chosen.systems, chosen.steps) if chosen else None,
        bool(d and d.demo_date),
        bool(d and d.live),
    )


def ranking_lines_key(snap: Snapshot) -> Sequence[object]:
    return tuple((s.candidate, s.score, s.rank) for s in ranking(snap))


def overrun_reply(t: Texts, snap: Snapshot) -> Reply:
    """Week 9, not live: the champion's one clear choice."""
    name = snap.chosen.name if snap.chosen else ""
    blocks: list[Block] = [
        Heading(t("build.overrun_title", name=name)),
        Paragraph(t("build.overrun_body")),
        Actions((Button(t("build.button_extend"), "build_extend"),
                 Button(t("build.button_shrink"), "build_shrink"))),
    ]  # fmt: skip
    return Reply(text=plain(blocks), blocks=tuple(blocks))


def plain(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines.append(f"*{block.text}*")
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, BulletList):
            lines.extend(f"• {item}" for item in block.items)
    return "\n".join(lines)
