"""The results chart: each metric per week against its baseline and target (matplotlib,
headless, imported only when a chart is drawn)."""

from __future__ import annotations

import io

from bot.catalog import texts
from bot.services.snapshot import Snapshot
from playbook.roadmap import LAST_WEEK


def chart_png(snap: Snapshot) -> bytes:
    """Each metric per week against its baseline and target (matplotlib, headless)."""
    from matplotlib.figure import Figure  # imported late: matplotlib is slow to import

    t = texts(snap.pilot.language)
    shown = snap.metrics
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
        top = max([*view.values, m.baseline, m.target or 0.0])
        ax.set_ylim(0, top * 1.15 or 1)  # room above the baseline, which is often the top
        ax.grid(alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)
    if not shown:
        fig.text(0.5, 0.5, t("results.not_enough_data"), ha="center")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
