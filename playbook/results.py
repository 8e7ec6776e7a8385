"""The results model: what a pilot achieved, per metric and in total, said honestly.

A metric's current value is the mean of its last two check-ins; with fewer than two there is
"not enough data" and no number is made up. Time-saved metrics (hours per week spent on the
workflow) turn into hours saved per week and per year, and with an hourly rate into money.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from playbook.parsing.numbers import unit_group
from playbook.progress import Change, Trend, change, current_value, trend

MIN_CHECKINS = 2
WORKING_WEEKS_PER_YEAR = 46  # 52 weeks less holidays and leave


class MetricKind(enum.StrEnum):
    TIME_SAVED = "time"
    ERRORS = "errors"
    SATISFACTION = "satisfaction"
    FREE = "free"


#: Words users type for a metric's kind (en + de).
KIND_WORDS: dict[str, MetricKind] = {
    "time": MetricKind.TIME_SAVED,
    "zeit": MetricKind.TIME_SAVED,
    "errors": MetricKind.ERRORS,
    "error": MetricKind.ERRORS,
    "fehler": MetricKind.ERRORS,
    "satisfaction": MetricKind.SATISFACTION,
    "csat": MetricKind.SATISFACTION,
    "zufriedenheit": MetricKind.SATISFACTION,
    "free": MetricKind.FREE,
    "frei": MetricKind.FREE,
}


def infer_kind(unit_group: str | None) -> MetricKind:
    """Hours or minutes per week are time; everything else is a free metric unless told."""
    return MetricKind.TIME_SAVED if unit_group in ("hours", "minutes") else MetricKind.FREE


@dataclass(frozen=True)
class MetricResult:
    name: str
    unit: str
    kind: MetricKind
    baseline: float
    target: float | None
    lower_is_better: bool
    checkins: int
    current: float | None  # None: not enough data
    change: Change | None
    trend: Trend
    hours_saved_per_week: float | None = None

    @property
    def enough_data(self) -> bool:
        return self.current is not None

    @property
    def hours_saved_per_year(self) -> float | None:
        if self.hours_saved_per_week is None:
            return None
        return self.hours_saved_per_week * WORKING_WEEKS_PER_YEAR


def metric_result(
    *,
    name: str,
    unit: str,
    kind: MetricKind,
    baseline: float,
    target: float | None,
    lower_is_better: bool,
    values: Sequence[float],
) -> MetricResult:
    enough = len(values) >= MIN_CHECKINS
    current = current_value(values) if enough else None
    delta = (
        change(baseline, current, lower_is_better=lower_is_better, target=target)
        if current is not None
        else None
    )
    saved: float | None = None
    if kind is MetricKind.TIME_SAVED and delta is not None:
        saved = -delta.absolute if lower_is_better else delta.absolute
        if unit_group(unit) == "minutes":
            saved /= 60
    return MetricResult(
        name=name, unit=unit, kind=kind, baseline=baseline, target=target,
        lower_is_better=lower_is_better, checkins=len(values), current=current, change=delta,
        trend=trend(values, lower_is_better=lower_is_better, baseline=baseline),
        hours_saved_per_week=saved,
    )  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    position: int
    name: str
    hours_per_week: float | None
    chosen: bool


@dataclass(frozen=True)
class PilotResults:
    metrics: tuple[MetricResult, ...]
    hourly_rate: float | None
    next_workflow: Candidate | None

    @property
    def headline(self) -> MetricResult | None:
        """The first metric with enough data, preferring free/quality metrics over time."""
        ready = [m for m in self.metrics if m.enough_data]
        ranked = sorted(ready, key=lambda m: m.kind is MetricKind.TIME_SAVED)
        return ranked[0] if ranked else None

    @property
    def hours_saved_per_week(self) -> float | None:
        saved = [m.hours_saved_per_week for m in self.metrics if m.hours_saved_per_week is not None]
        return sum(saved) if saved else None

    @property
    def hours_saved_per_year(self) -> float | None:
        weekly = self.hours_saved_per_week
        return None if weekly is None else weekly * WORKING_WEEKS_PER_YEAR

    @property
    def money_per_year(self) -> float | None:
        yearly = self.hours_saved_per_year
        if yearly is None or self.hourly_rate is None:
            return None
        return yearly * self.hourly_rate


def recommend_next(candidates: Sequence[Candidate]) -> Candidate | None:
    """The best remaining candidate workflow: most hours per week, then the earliest."""
    remaining = [c for c in candidates if not c.chosen]
    if not remaining:
        return None
    return min(remaining, key=lambda c: (-(c.hours_per_week or 0.0), c.position))
