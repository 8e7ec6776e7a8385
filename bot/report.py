"""The results summary of a pilot as files: Markdown, a PNG chart and a CSV of check-ins."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from bot.catalog import Texts, texts
from bot.services import views
from bot.services.snapshot import MetricView, Snapshot
from playbook.roadmap import LAST_WEEK


def summary_markdown(snap: Snapshot) -> str:
    t = texts(snap.pilot.language)
    start = snap.pilot.start_date
    end = start + timedelta(weeks=LAST_WEEK, days=-1)
    lines = [
        f"# {t('summary.title', channel=snap.pilot.channel_name or snap.pilot.channel_id)}",
        "",
        f"**{views.results_headline(t, snap)}**",
        "",
        t("summary.period", start=t.date(start), end=t.date(end)),
        "",
        f"## {t('summary.roles')}",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in views.role_lines(t, snap)]
    lines += ["", views.formula_line(t, snap), "", f"## {t('summary.workflow')}", ""]
    chosen = snap.chosen
    lines.append(f"**{chosen.name}**" if chosen else t("summary.none"))
    lines += ["", f"## {t('summary.candidates')}", ""]
    for p in snap.processes:
        hours = f"{t.number(p.hours_per_week)} h" if p.hours_per_week is not None else "–"
        lines.append(f"{p.position}. {p.name} — {p.inputs or '–'} → {p.outputs or '–'} ({hours})")
    lines += ["", f"## {t('summary.metrics')}", "", _metrics_table(t, snap.metrics), ""]
    lines += [f"## {t('summary.chart')}", "", "![chart](summary.png)", ""]
    return "\n".join(lines)


def _metrics_table(t: Texts, metrics: tuple[MetricView, ...]) -> str:
    head = [t(f"summary.col_{c}") for c in ("metric", "baseline", "current", "change", "target",
                                            "checkins")]  # fmt: skip
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for view in metrics:
        m = view.metric
        change = t.signed_percent(view.change.percent) if view.change else "–"
        target = f"{t.number(m.target)} {m.unit}" if m.target is not None else "–"
        cells = [m.name, f"{t.number(m.baseline)} {m.unit}",
                 f"{t.number(view.current)} {m.unit}" if view.current is not None else "–",
                 change, target, str(len(view.values))]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def checkins_csv(snap: Snapshot) -> str:
    names = {v.metric.id: v.metric for v in snap.metrics}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["pilot_id", "week", "recorded_at", "metric", "unit", "value", "baseline",
                     "source", "note"])  # fmt: skip
    for c in snap.checkins:
        m = names[c.metric_id]
        writer.writerow([snap.pilot_id, c.week, c.recorded_at.isoformat(), m.name, m.unit, c.value,
                         m.baseline, c.source, c.note])  # fmt: skip
    return buffer.getvalue()


def chart_png(snap: Snapshot) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    t = texts(snap.pilot.language)
    shown = snap.metrics or ()
    fig = Figure(figsize=(7, 3.2 * max(len(shown), 1)), dpi=110)
    for index, view in enumerate(shown, start=1):
        ax = fig.add_subplot(len(shown), 1, index)
        m = view.metric
        weeks = [c.week for c in snap.checkins if c.metric_id == m.id]
        ax.plot(weeks, list(view.values), marker="o", color="#1f6feb",
                label=t("summary.chart_value"))  # fmt: skip
        ax.axhline(m.baseline, color="#888888", linestyle="-", label=t("summary.chart_baseline"))
        if m.target is not None:
            ax.axhline(m.target, color="#2da44e", linestyle="--", label=t("summary.chart_target"))
        ax.set_title(t("summary.chart_title", name=m.name))
        ax.set_xlabel(t("summary.chart_week"))
        ax.set_ylabel(m.unit)
        ax.set_xlim(0.5, LAST_WEEK + 0.5)
        ax.set_xticks(range(1, LAST_WEEK + 1))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
    if not shown:
        fig.text(0.5, 0.5, t("results.not_enough_data"), ha="center")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def write_summary(snap: Snapshot, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "summary.md": summary_markdown(snap).encode("utf-8"),
        "summary.png": chart_png(snap),
        "checkins.csv": checkins_csv(snap).encode("utf-8"),
    }
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


__all__ = ["checkins_csv", "summary_markdown", "write_summary"]
