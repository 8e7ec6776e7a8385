"""The results summary of a pilot as files: Markdown, a self-contained HTML one-pager, a PNG
chart, a CSV of all check-ins and JSON. Texts come from the catalogs; numbers from Babel."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from bot.catalog import Texts, texts
from bot.chart import chart_png
from bot.csv_cells import Cell, csv_text
from bot.messages import render_mentions
from bot.services import decision_views, metric_views, views
from bot.services.results import Summary
from bot.services.snapshot import Snapshot
from bot.services.summary_views import (
    headline,
    is_final,
    metric_text,
    next_text,
    savings_text,
)
from playbook.results import WORKING_WEEKS_PER_YEAR, MetricResult, phase_of, stored_kind
from playbook.roadmap import LAST_WEEK

_ENV = Environment(
    loader=PackageLoader("bot", "templates"),
    autoescape=lambda name: bool(name and name.endswith(".html.j2")),
    trim_blocks=True,
    lstrip_blocks=True,
)
# Markdown passes raw HTML through (``<img src=x onerror=…>`` in a name runs in any viewer that
# renders summary.md) and ``|`` ends a table cell: every value is literal text there.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def markdown_text(value: object) -> str:
    """``value`` as literal Markdown text: backslash before each character Markdown would read
    as markup or HTML (CommonMark renders ``\\<`` as ``<``), on one line (a line break in a name
    or note would end the table row, list item or quote it stands in)."""
    text = " ".join(str(value).splitlines())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_MARKDOWN_ENV = _ENV.overlay(autoescape=False, finalize=markdown_text)


def names_only(text: str) -> str:
    """Mention tokens as the person's display name: a report names people, not handles."""
    return render_mentions(text, lambda m: m.name or m.id)


def _metric_row(t: Texts, summary: Summary, m: MetricResult) -> dict[str, Any]:
    reached = m.change.target_reached if m.change is not None else None
    return {
        "name": m.name,
        "kind": t(f"numbers.kind.{m.kind.value}"),
        "before_after": metric_views.before_after(t, m),
        "ba": f"{t.number(m.baseline.value)} → {t.number(m.current)} {m.unit}"
        if m.current is not None else t("numbers.no_data_short"),
        "pct": t.signed_percent(m.change.percent) if m.change else "",
        "baseline": f"{t.number(m.baseline.value)} {m.unit}",
        "baseline_source": metric_views.baseline_source(t, m),
        "current": f"{t.number(m.current)} {m.unit}" if m.current is not None
        else t("summary.not_enough"),
        "change": t.signed_percent(m.change.percent) if m.change else "–",
        "improved": bool(m.change and m.change.improved),
        "target": metric_views.target_text(t, m, final=is_final(summary)),
        "reached": reached,
        "formula": metric_views.savings_formula(t, m, m.savings) if m.savings else "",
        "rests_on": metric_views.rests_on(t, m, summary.name_of),
        "checkins": len(m.weekly),
    }  # fmt: skip


def _context(summary: Summary) -> dict[str, Any]:
    snap, results = summary.snap, summary.results
    t = texts(snap.pilot.language)
    start = snap.pilot.start_date
    chosen = snap.chosen
    return {
        "t": t,
        "lang": t.language,
        "title": views.report_title(t, snap.pilot),
        "pilot_name": snap.pilot.name
        or t("numbers.untitled", channel=views.channel_label(t, snap.pilot)),
        "company": snap.pilot.company,
        "headline": headline(t, results),
        "period": t(
            "summary.period",
            start=t.date(start),
            end=t.date(start + timedelta(weeks=LAST_WEEK, days=-1)),
        ),
        "roles": [(role, names_only(who)) for role, who in views.role_lines(t, snap)],
        "formula": views.formula_line(t, snap),
        "workflow": chosen,
        "built": summary.built,
        "candidates": snap.processes,
        **decision_context(t, snap),
        "metrics": [_metric_row(t, summary, m) for m in results.metrics],
        "metric_lines": [metric_text(t, m, summary) for m in results.metrics],
        "hours": metric_views.hours_line(t, results),
        "boxes": metric_views.savings_boxes(t, results),
        "money": metric_views.money_line(t, results),
        "no_savings": metric_views.no_savings_reason(t, results),
        "savings": savings_text(t, results),
        "phases_note": t("numbers.phases_note"),
        "announcement": announcement_text(t, snap),
        "next": next_text(t, results),
        "quotes": [
            {"question": t(f"retro.q{q.question}"), "name": q.name, "text": q.text}
            for q in summary.quotes
        ],
    }


def decision_context(t: Any, snap: Snapshot) -> dict[str, Any]:
    """The decisions of weeks 2-5 for the report: why a lower-ranked workflow was picked (the
    champion's one line, quoted), the ranking with its breakdown, and the capacity note."""
    d = snap.decision
    reason = None
    if d is not None and d.pick_reason and d.passed_over and snap.chosen is not None:
        reason = t("build.report_reason", top=d.passed_over, reason=d.pick_reason)
    return {
        "pick_reason": reason,
        "ranking": list(decision_views.ranking_lines(t, snap)),
        "capacity_title": t("capacity.report_title"),
        "capacity_note": decision_views.recommendation_line(t, snap),
        "build_lines": [x for x in decision_views.build_lines(t, snap) if x != reason],
    }


def announcement_text(t: Texts, snap: Snapshot) -> str:
    if snap.announced_at is not None:
        local = snap.announced_at.astimezone(snap.schedule.tz)
        return t("numbers.announced_at", date=t.date(local), time=local.strftime("%H:%M"))
    return t("numbers.announced_pending") if snap.announced else t("numbers.not_announced")


def summary_markdown(summary: Summary) -> str:
    return _MARKDOWN_ENV.get_template("summary.md.j2").render(**_context(summary))


def summary_html(summary: Summary, png: bytes) -> str:
    chart = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _ENV.get_template("summary.html.j2").render(chart=chart, **_context(summary))


def announcement_state(snap: Snapshot) -> str:
    if snap.announced_at is not None:
        return "announced"
    return "queued" if snap.announced else "not_announced"


def summary_json(summary: Summary) -> str:
    snap, results = summary.snap, summary.results
    chosen = snap.chosen
    t = texts(snap.pilot.language)
    data = {
        "pilot": {"id": snap.pilot_id, "name": snap.pilot.name, "company": snap.pilot.company,
                  "channel": snap.pilot.channel_name or snap.pilot.channel_id,
                  "cycle": snap.pilot.cycle, "start": snap.pilot.start_date.isoformat(),
                  "language": snap.pilot.language, "status": snap.pilot.status},
        "announcement": {"state": announcement_state(snap),
                         "at": _iso(snap.announced_at) or None},
        "headline": headline(t, results),
        "roles": {role.value: p.display_name or p.external_id for role, p in snap.owners.items()},
        "workflow": chosen.name if chosen else None,
        "built": list(summary.built),
        "pick_reason": snap.decision.pick_reason if snap.decision else "",
        "capacity": {"path": snap.capacity.path, "reason": snap.capacity.reason,
                     "builder": snap.capacity.builder, "tool": snap.capacity.tool,
                     "access": dict(snap.capacity.access), "hours": snap.capacity.hours,
                     "budget": snap.capacity.budget} if snap.capacity else None,
        "metrics": [_metric_json(summary, m) for m in results.metrics],
        "hours_saved_per_week": _round(results.hours_saved_per_week),
        "hours_saved_per_year": _round(results.hours_saved_per_year),
        "working_weeks_per_year": WORKING_WEEKS_PER_YEAR,
        "hourly_rate": results.hourly_rate,
        "money_per_year": _round(results.money_per_year),
        "next_workflow": results.next_workflow.name if results.next_workflow else None,
        "retrospective": [{"question": q.question, "name": q.name, "text": q.text}
                          for q in summary.quotes],
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _metric_json(summary: Summary, m: MetricResult) -> dict[str, Any]:
    s = m.savings
    return {
        "name": m.name, "unit": m.unit, "kind": m.kind.value,
        "per": m.per.value if m.per else None, "volume": m.volume, "scale": m.scale,
        "baseline": _round(m.baseline.value), "baseline_estimate": m.baseline.estimate,
        "baseline_measured": _round(m.baseline.measured),
        "baseline_weeks": list(m.baseline.weeks),
        "target": m.target, "lower_is_better": m.lower_is_better,
        "checkins": len(m.weekly),
        "weekly": [{"week": r.week, "phase": phase_of(r.week).value, "value": r.value}
                   for r in m.weekly],
        "enough_data": m.enough_data, "current": _round(m.current),
        "current_weeks": list(m.used_weeks),
        "change_abs": _round(m.change.absolute) if m.change else None,
        "change_pct": _round(m.change.percent) if m.change else None,
        "target_reached": m.change.target_reached if m.change else None,
        "trend": m.trend.value,
        "hours_saved_per_week": _round(s.hours_per_week) if s else None,
        "reported_by": [summary.name_of(p) for p in m.reporters],
    }  # fmt: skip


def _round(value: float | None) -> float | None:
    """Numbers as people read them (no float noise like -30.000000000000004)."""
    return None if value is None else round(value, 4)


CHECKIN_COLUMNS = ("pilot_id", "pilot", "metric", "kind", "per", "volume", "week", "week_start",
                   "phase", "value", "unit", "baseline_estimate", "reporter", "source", "note",
                   "recorded_at", "checkin_id", "replaced_by", "withdrawn_at",
                   "metric_removed_at", "counts")  # fmt: skip


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def checkins_csv(*snaps: Snapshot, names: Mapping[int, str] | None = None) -> str:
    """Every check-in of these pilots, one row each (the report's checkins.csv, ``export
    --format csv``): replaced and withdrawn ones too, marked, so an analyst can redo every sum;
    ISO dates; names, units and notes are people's text, neutralised by ``csv_text``.
    ``names``: display names of the reporters by person id."""
    known = names or {}

    def rows(snap: Snapshot) -> Iterator[list[Cell]]:
        by_id = {m.id: m for m in snap.all_metrics}
        pilot = snap.pilot.name or snap.pilot.channel_name or snap.pilot.channel_id
        counted = {c.id for c in snap.checkins}
        for c in snap.all_checkins:
            m = by_id[c.metric_id]
            reporter = known.get(c.person_id, "") if c.person_id is not None else ""
            start = snap.pilot.start_date + timedelta(weeks=c.week - 1)
            yield [snap.pilot_id, pilot, m.name, stored_kind(m.kind).value, m.per or "",
                   m.volume, c.week, start.isoformat(), phase_of(c.week).value, c.value, m.unit,
                   m.baseline, reporter, c.source, c.note, c.recorded_at.isoformat(), c.id,
                   c.replaced_by, _iso(c.withdrawn_at), _iso(m.removed_at),
                   "yes" if c.id in counted else "no"]  # fmt: skip

    return csv_text(CHECKIN_COLUMNS, (row for snap in snaps for row in rows(snap)))


def write_summary(summary: Summary, out_dir: Path) -> list[Path]:
    """Write summary.md, summary.html, summary.png, checkins.csv and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = chart_png(summary.snap)
    files = {
        "summary.md": summary_markdown(summary).encode("utf-8"),
        "summary.html": summary_html(summary, png).encode("utf-8"),
        "summary.png": png,
        "checkins.csv": checkins_csv(summary.snap, names=summary.names).encode("utf-8"),
        "summary.json": summary_json(summary).encode("utf-8"),
    }
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written
