"""Improvement math: change against the baseline, direction-aware, targets and trend."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Trend(enum.StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Change:
    baseline: float
    current: float
    absolute: float  # current - baseline
    percent: float | None  # (current - baseline) / baseline * 100; None for a zero baseline
    improved: bool
    target_reached: bool | None  # None: no target


def current_value(values: Sequence[float]) -> float | None:
    """The mean of the last two check-ins (or the only one)."""
    if not values:
        return None
    last = values[-2:]
    return sum(last) / len(last)


def change(
    baseline: float, current: float, *, lower_is_better: bool, target: float | None = None
) -> Change:
    absolute = current - baseline
    percent = absolute / baseline * 100 if baseline else None
    improved = absolute < 0 if lower_is_better else absolute > 0
    reached: bool | None = None
    if target is not None:
        reached = current <= target if lower_is_better else current >= target
    return Change(baseline, current, absolute, percent, improved, reached)


def trend(values: Sequence[float], *, lower_is_better: bool, baseline: float) -> Trend:
    """Least-squares slope of the check-ins; flat when it moves under 1 % of baseline a week."""
    n = len(values)
    if n < 2:
        return Trend.UNKNOWN
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    slope = num / den
    if abs(slope) < abs(baseline) * 0.01 or slope == 0:
        return Trend.FLAT
    better = slope < 0 if lower_is_better else slope > 0
    return Trend.IMPROVING if better else Trend.WORSENING
