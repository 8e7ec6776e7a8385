"""The results summary of a pilot as files: Markdown, a self-contained HTML one-pager, a PNG
chart, a CSV of all check-ins and JSON. Texts come from the catalogs; numbers from Babel."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from bot.catalog import texts
from bot.chart import chart_png
from bot.csv_cells import Cell, csv_text
from bot.messages import render_mentions
from bot.services import decision_views, views
from bot.services.results import Summary
from bot.services.snapshot import Snapshot
from bot.services.summary_views import headline, metric_text, next_text, savings_text
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


def _context(summary: Summary) -> dict[str, Any]:
    snap, results = summary.snap, summary.results
    t = texts(snap.pilot.language)
    start = snap.pilot.start_date
    chosen = snap.chosen
    rows = []
    for m in results.metrics:
        rows.append({
            "name": m.name,
            "baseline": f"{t.number(m.baseline)} {m.unit}",
            "current": f"{t.number(m.current)} {m.unit}" if m.current is not None
            else t("summary.not_enough"),
            "change": t.signed_percent(m.change.percent) if m.change else "–",
            "target": f"{t.number(m.target)} {m.unit}" if m.target is not None else "–",
            "reached": bool(m.change and m.change.target_reached),
            "checkins": m.checkins,
        })  # fmt: skip
    return {
        "t": t,
        "lang": t.language,
        "title": t("summary.title", channel=snap.pilot.channel_name or snap.pilot.channel_id),
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
        "metrics": rows,
        "metric_lines": [metric_text(t, m) for m in results.metrics],
        "savings": savings_text(t, results),
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


def summary_markdown(summary: Summary) -> str:
    return _MARKDOWN_ENV.get_template("summary.md.j2").render(**_context(summary))


def summary_html(summary: Summary, png: bytes) -> str:
    chart = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _ENV.get_template("summary.html.j2").render(chart=chart, **_context(summary))


def summary_json(summary: Summary) -> str:
    snap, results = summary.snap, summary.results
    chosen = snap.chosen
    data = {
        "pilot": {"id": snap.pilot_id, "channel": snap.pilot.channel_name or snap.pilot.channel_id,
                  "cycle": snap.pilot.cycle, "start": snap.pilot.start_date.isoformat(),
                  "language": snap.pilot.language, "status": snap.pilot.status},
        "headline": headline(texts(snap.pilot.language), results),
        "roles": {role.value: p.display_name or p.external_id for role, p in snap.owners.items()},
        "workflow": chosen.name if chosen else None,
        "built": list(summary.built),
        "pick_reason": snap.decision.pick_reason if snap.decision else "",
        "capacity": {"path": snap.capacity.path, "reason": snap.capacity.reason,
                     "builder": snap.capacity.builder, "tool": snap.capacity.tool,
                     "access": dict(snap.capacity.access), "hours": snap.capacity.hours,
                     "budget": snap.capacity.budget} if snap.capacity else None,
        "metrics": [
            {"name": m.name, "unit": m.unit, "kind": m.kind.value, "baseline": m.baseline,
             "target": m.target, "lower_is_better": m.lower_is_better, "checkins": m.checkins,
             "enough_data": m.enough_data,
             "change_abs": _round(m.change.absolute) if m.change else None,
             "change_pct": _round(m.change.percent) if m.change else None,
             "target_reached": m.change.target_reached if m.change else None,
             "trend": m.trend.value, "hours_saved_per_week": _round(m.hours_saved_per_week),
             "current": _round(m.current)}
            for m in results.metrics
        ],
        "hours_saved_per_week": _round(results.hours_saved_per_week),
        "hours_saved_per_year": _round(results.hours_saved_per_year),
        "hourly_rate": results.hourly_rate,
        "money_per_year": _round(results.money_per_year),
        "next_workflow": results.next_workflow.name if results.next_workflow else None,
        "retrospective": [{"question": q.question, "name": q.name, "text": q.text}
                          for q in summary.quotes],
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _round(value: float | None) -> float | None:
    """Numbers as people read them (no float noise like -30.000000000000004)."""
    return None if value is None else round(value, 4)


CHECKIN_COLUMNS = ("pilot_id", "week", "recorded_at", "metric", "unit", "value", "baseline",
                   "source", "note", "withdrawn_at", "metric_removed_at")  # fmt: skip


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def checkins_csv(*snaps: Snapshot) -> str:
    """Every check-in of these pilots, one CSV (the report's checkins.csv, ``export --format
    csv``); names, units and notes are people's text, neutralised by ``csv_text``."""

    def rows(snap: Snapshot) -> Iterator[list[Cell]]:
        # withdrawn check-ins and those of removed metrics too, marked by the last two columns
        names = {m.id: m for m in snap.all_metrics}
        for c in snap.all_checkins:
            m = names[c.metric_id]
            yield [snap.pilot_id, c.week, c.recorded_at.isoformat(), m.name, m.unit, c.value,
                   m.baseline, c.source, c.note, _iso(c.withdrawn_at),
                   _iso(m.removed_at)]  # fmt: skip

    return csv_text(CHECKIN_COLUMNS, (row for snap in snaps for row in rows(snap)))


def write_summary(summary: Summary, out_dir: Path) -> list[Path]:
    """Write summary.md, summary.html, summary.png, checkins.csv and summary.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = chart_png(summary.snap)
    files = {
        "summary.md": summary_markdown(summary).encode("utf-8"),
        "summary.html": summary_html(summary, png).encode("utf-8"),
        "summary.png": png,
        "checkins.csv": checkins_csv(summary.snap).encode("utf-8"),
        "summary.json": summary_json(summary).encode("utf-8"),
    }
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written
