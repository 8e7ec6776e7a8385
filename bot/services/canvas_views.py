"""A pilot's canvases as neutral documents (``bot.canvas``), from its snapshot and catalog texts:
the living page (formula and owners, this week's tasks per role as checklists, the candidate
workflows with their scores and the chosen one, the metrics table) and the results page."""

from __future__ import annotations

from bot.canvas import CanvasDoc, Check, Item, Line, Section, Table
from bot.catalog import Texts
from bot.services import decision_views, metric_views, summary_views
from bot.services.results import Summary
from bot.services.snapshot import MetricView, Snapshot
from bot.services.views import (
    name_of,
    not_chosen,
    report_title,
    role_lines,
    role_name,
    verdict_line,
    week_label,
)
from playbook.roadmap import LAST_WEEK
from playbook.roles import ROLE_ORDER

#: the living page's sections, in order; each is edited on its own
SECTIONS = ("formula", "tasks", "workflows", "metrics")


def pilot_doc(t: Texts, snap: Snapshot) -> CanvasDoc:
    pilot = snap.pilot
    name = pilot.name or f"#{pilot.channel_name or pilot.channel_id}"
    title = t("canvas.title", name=f"{name} · {pilot.company}" if pilot.company else name)
    return CanvasDoc(
        title=title,
        sections=(_formula(t, snap), _tasks(t, snap), _workflows(t, snap), _metrics(t, snap)),
    )


def _formula(t: Texts, snap: Snapshot) -> Section:
    items: list[Item] = [Line(verdict_line(t, snap))]
    items.append(Table((t("canvas.role"), t("canvas.owner")), tuple(role_lines(t, snap))))
    return Section("formula", t("canvas.formula"), tuple(items))


def _tasks(t: Texts, snap: Snapshot) -> Section:
    phase = snap.roadmap.phase(snap.week)
    items: list[Item] = [Line(f"{week_label(t, snap)} · {phase.title}")]
    week = min(max(snap.week, 1), LAST_WEEK)
    for role in ROLE_ORDER:
        tasks = snap.roadmap.tasks_of_week(week, role)
        overdue = [x for x in snap.open_tasks(role) if x.last_week < week]
        if not tasks and not overdue:
            continue
        owner = snap.owners.get(role)
        who = name_of(owner) if owner else t("role.unassigned")
        items.append(Line(t("canvas.role_tasks", role=role_name(t, role), name=who)))
        for task in (*overdue, *tasks):
            line = t("task.line", number=task.number, title=task.title)
            if task.last_week < week:
                line += t("task.overdue")
            items.append(Check(line, task.id in snap.done))
    if len(items) == 1:
        items.append(Line(t("status.no_open_tasks")))
    return Section("tasks", t("canvas.tasks"), tuple(items))


def _workflows(t: Texts, snap: Snapshot) -> Section:
    lines = decision_views.ranking_lines(t, snap)
    items: list[Item] = [Line(line) for line in lines] or [Line(t("canvas.no_workflows"))]
    chosen = snap.chosen
    name = chosen.name if chosen else not_chosen(t, snap)
    items.append(Line(t("status.workflow", name=name)))
    items.extend(Line(line) for line in decision_views.build_lines(t, snap))
    return Section("workflows", t("canvas.workflows"), tuple(items))


def _metric_row(t: Texts, view: MetricView) -> tuple[str, ...]:
    m = view.result
    latest = m.weekly[-1].value if m.weekly else None
    current = m.current if m.current is not None else latest
    return (
        m.name,
        metric_views.value_text(t, m.baseline.value, m.unit),
        metric_views.value_text(t, m.target, m.unit) if m.target is not None else "–",
        metric_views.value_text(t, current, m.unit) if current is not None else "–",
    )


def _metrics(t: Texts, snap: Snapshot) -> Section:
    if not snap.metrics:
        return Section("metrics", t("canvas.metrics"), (Line(t("canvas.no_metrics")),))
    header = (t("canvas.metric"), t("canvas.baseline"), t("canvas.target"), t("canvas.current"))
    rows = tuple(_metric_row(t, v) for v in snap.metrics)
    return Section("metrics", t("canvas.metrics"), (Table(header, rows),))


def results_doc(t: Texts, summary: Summary) -> CanvasDoc:
    """The announced results as a page of their own."""
    snap, results = summary.snap, summary.results
    facts: list[Item] = []
    if results.headline is None:
        facts.append(Line(summary_views.headline(t, results)))
    for m in results.metrics:
        facts.extend(Line(part) for part in summary_views.metric_text(t, m, summary).split("\n"))
    savings = summary_views.savings_text(t, results)
    if savings:
        facts.extend(Line(part) for part in savings.split("\n"))
    sections = [Section("results", t("canvas.results"), tuple(facts) or (Line("–"),))]
    if snap.metrics:
        sections.append(_metrics(t, snap))
    workflow: list[Item] = []
    if snap.chosen is not None:
        workflow.append(Line(t("results.workflow", name=snap.chosen.name)))
    upcoming = summary_views.next_text(t, results)
    if upcoming:
        workflow.append(Line(upcoming))
    if workflow:
        sections.append(Section("workflow", t("canvas.workflow"), tuple(workflow)))
    sections.append(
        Section("team", t("canvas.team"),
                (Table((t("canvas.role"), t("canvas.owner")), tuple(role_lines(t, snap))),))
    )  # fmt: skip
    if summary.quotes:
        quotes = tuple(Line(f"{t(f'retro.q{q.question}')} — {q.name}: “{q.text}”")
                       for q in summary.quotes)  # fmt: skip
        sections.append(Section("retro", t("results.retro"), quotes))
    return CanvasDoc(title=report_title(t, snap.pilot), sections=tuple(sections))
