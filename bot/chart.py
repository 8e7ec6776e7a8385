"""The results chart: each metric's one value per week from its first measured week, against
its baseline and target, over bands for the roadmap's phases (map · capacity · build ·
measure). matplotlib, headless, imported only when a chart is drawn."""

from __future__ import annotations

import io

from bot.catalog import texts
from bot.services.snapshot import Snapshot
from playbook.results import Phase, first_week, phase_of
from playbook.roadmap import LAST_WEEK

#: (first week, last week, catalog key, colour) of the bands behind the values.
BANDS = (
    (1, 1, "numbers.chart.band_start", "#f6f8fa"),
    (2, 3, "numbers.chart.band_map", "#eef4fb"),
    (4, 4, "numbers.chart.band_capacity", "#f6f1fb"),
    (5, 8, "numbers.chart.band_build", "#fdf6e9"),
    (9, 12, "numbers.chart.band_measure", "#eaf6ec"),
)
INK, BLUE, GREEN, GREY = "#1f2328", "#1f6feb", "#1a7f37", "#8c959f"


def chart_png(snap: Snapshot) -> bytes:
    """Each metric per week (values during the build hollow: they do not count), with its
    baseline (measured, and the estimate when they differ) and target."""
    from matplotlib.figure import Figure  # imported late: matplotlib is slow to import

    t = texts(snap.pilot.language)
    shown = snap.metrics
    results = [v.result for v in shown]
    start = min(first_week(results) or 2, 2)
    count = max(len(shown), 1)
    fig = Figure(figsize=(7.6, 0.5 + 2.3 * count), dpi=130)
    for index, view in enumerate(shown, start=1):
        ax = fig.add_subplot(count, 1, index)
        m = view.result
        for first, last, key, colour in BANDS:
            if last < start:
                continue
            ax.axvspan(max(first, start) - 0.5, last + 0.5, color=colour, zorder=0, lw=0)
            if index == 1:
                middle = (max(first, start) + last) / 2
                ax.text(middle, 1.02, t(key), transform=ax.get_xaxis_transform(), ha="center",
                        va="bottom", fontsize=7.5, color="#59636e")  # fmt: skip
        weeks = [r.week for r in m.weekly]
        values = [r.value for r in m.weekly]
        run_start = 0  # a line joins consecutive weeks only: no line across weeks without a value
        for i in range(1, len(weeks) + 1):
            if i == len(weeks) or weeks[i] != weeks[i - 1] + 1:
                ax.plot(weeks[run_start:i], values[run_start:i], color=BLUE, lw=1.6, zorder=3)
                run_start = i
        counted = [r for r in m.weekly if phase_of(r.week) is not Phase.BUILD]
        hollow = [r for r in m.weekly if phase_of(r.week) is Phase.BUILD]
        ax.scatter([r.week for r in counted], [r.value for r in counted], color=BLUE, zorder=4,
                   s=22, label=t("numbers.chart.value"))  # fmt: skip
        if hollow:
            ax.scatter([r.week for r in hollow], [r.value for r in hollow], facecolor="white",
                       edgecolor=BLUE, zorder=4, s=22, label=t("numbers.chart.build"))  # fmt: skip
        base = m.baseline
        label = "numbers.chart.baseline_measured" if base.is_measured else "numbers.chart.baseline"
        ax.axhline(base.value, color=GREY, lw=1.2, zorder=2, label=t(label))
        if base.is_measured and abs(base.estimate - base.value) > 1e-9:
            ax.axhline(base.estimate, color=GREY, lw=0.9, ls=":", zorder=2,
                       label=t("numbers.chart.estimate"))  # fmt: skip
        if m.target is not None:
            ax.axhline(m.target, color=GREEN, lw=1.2, ls="--", zorder=2,
                       label=t("numbers.chart.target"))  # fmt: skip
        ax.set_title(t("numbers.chart.title", name=m.name, unit=m.unit), loc="left",
                     fontsize=10, color=INK, pad=16 if index == 1 else 6)  # fmt: skip
        ax.set_xlim(start - 0.5, LAST_WEEK + 0.5)
        ax.set_xticks(range(start, LAST_WEEK + 1))
        ax.set_xticklabels([t("numbers.chart.week_short", week=w)
                            for w in range(start, LAST_WEEK + 1)], fontsize=8)  # fmt: skip
        top = max([*values, base.value, base.estimate, m.target or 0.0])
        ax.set_ylim(0, top * 1.18 or 1)  # room above the baseline, which is often the top
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower left", ncol=5, frameon=False, fontsize=7.5)
    if not shown:
        fig.text(0.5, 0.5, t("numbers.not_enough_data"), ha="center")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
