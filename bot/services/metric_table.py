"""The metrics as data for chat surfaces that draw them: one table row per metric (baseline,
target, current, change) and one line chart per metric over the pilot's weeks. The words around
them stay in ``metric_views``; Slack shows the table as a ``table`` block, Teams the charts as
``Chart.Line`` with the PNG as fallback, the console the table as text."""

from __future__ import annotations

from collections.abc import Sequence

from bot.catalog import Texts
from bot.messages import LineChart, Series, Table
from bot.services.snapshot import MetricView
from playbook.results import MetricResult, Phase, first_week, phase_of
from playbook.roadmap import LAST_WEEK

MAX_ROWS = 99  # Slack: at most 100 rows, the header included


def _row(t: Texts, m: MetricResult) -> tuple[str, ...]:
    baseline = f"{t.number(m.baseline.value)} {m.unit}"
    if not m.baseline.is_measured:
        baseline += " " + t("numbers.table.estimate_mark")
    target = f"{t.number(m.target)} {m.unit}" if m.target is not None else "–"
    current = f"{t.number(m.current)} {m.unit}" if m.current is not None else "–"
    change = t.signed_percent(m.change.percent) if m.change is not None else "–"
    return (m.name, baseline, target, current, change)


def metrics_table(t: Texts, views: Sequence[MetricView]) -> Table | None:
    """Baseline, target, current and change of every metric; None without metrics."""
    if not views:
        return None
    header = tuple(t(f"numbers.table.{c}") for c in ("metric", "baseline", "target", "current",
                                                      "change"))  # fmt: skip
    return Table(header, tuple(_row(t, v.result) for v in views[:MAX_ROWS]))


def metric_charts(t: Texts, views: Sequence[MetricView]) -> list[LineChart]:
    """One chart per metric with values: the weekly values that count, those of the build
    weeks apart, the baseline and the target, over the weeks from the first measured one (at
    most week 2) to the last."""
    results = [v.result for v in views if v.result.weekly]
    if not results:
        return []
    start = min(first_week(results) or 2, 2)
    weeks = range(start, LAST_WEEK + 1)
    labels = tuple(t("numbers.chart.week_short", week=w) for w in weeks)
    charts = []
    for m in results:
        counted = {r.week: r.value for r in m.weekly if phase_of(r.week) is not Phase.BUILD}
        built = {r.week: r.value for r in m.weekly if phase_of(r.week) is Phase.BUILD}
        series = [Series(t("numbers.chart.value"), tuple(counted.get(w) for w in weeks))]
        if built:  # as in the PNG: shown apart, they do not count
            series.append(Series(t("numbers.chart.build"), tuple(built.get(w) for w in weeks)))
        key = (
            "numbers.chart.baseline_measured"
            if m.baseline.is_measured
            else "numbers.chart.baseline"
        )
        series.append(Series(t(key), tuple(m.baseline.value for _ in weeks)))
        if m.target is not None:
            series.append(Series(t("numbers.chart.target"), tuple(m.target for _ in weeks)))
        title = t("numbers.chart.title", name=m.name, unit=m.unit)
        shown = tuple(s for s in series if any(v is not None for v in s.values))
        charts.append(LineChart(title, labels, shown))
    return charts
