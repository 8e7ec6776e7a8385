"""The results model: what a pilot achieved, per metric and in total, said so a sceptical CFO
can check every number.

- **One value per metric and pilot week**: a later check-in of the same week replaces the
  earlier one (the storage keeps both; here only the last counts).
- **Phases**: values before the build (weeks 1-4) measure the baseline; with at least
  ``MIN_WEEKS`` of them the baseline is their mean, otherwise the typed estimate stands (and the
  report says so). Values during the build (weeks 5-8) are shown, never counted. The
  improvement comes from the measuring weeks 9-12 only: the mean of the last two of them, with
  at least ``MIN_WEEKS`` weeks measured, or "not enough data" and no number is made up.
- **Kinds**: only an *effort* metric (hours or minutes, per case with a weekly volume, or per
  week) becomes hours saved, ``(baseline - current) x volume``; money only with an hourly rate.
  Lead time, errors and satisfaction are reported as what they are.

Pure: data in, verdicts out.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from playbook.parsing.numbers import Problem
from playbook.progress import Change, Trend, change, trend

MIN_WEEKS = 2  # weekly values needed for a measured baseline or a current value
WORKING_WEEKS_PER_YEAR = 46  # 52 weeks less holidays and leave
BASELINE_WEEKS = range(1, 5)  # before the build: the roadmap's weeks 1-4
BUILD_WEEKS = range(5, 9)
MEASURE_WEEKS = range(9, 13)
MAX_VOLUME = 100_000  # cases per week
MAX_SCALE = 1_000


class Phase(enum.StrEnum):
    BASELINE = "baseline"  # weeks 1-4: baseline measurements
    BUILD = "build"  # weeks 5-8: recorded, marked "during the build", never counted
    MEASURE = "measure"  # weeks 9-12: the improvement
    AFTER = "after"  # week 13 on: recorded, not counted


def phase_of(week: int) -> Phase:
    if week in BASELINE_WEEKS or week < BASELINE_WEEKS.start:
        return Phase.BASELINE
    if week in BUILD_WEEKS:
        return Phase.BUILD
    return Phase.MEASURE if week in MEASURE_WEEKS else Phase.AFTER


def checkin_asked(week: int) -> bool:
    """Weeks whose nudges ask metric owners for this week's value: the baseline weeks after
    week 1 (metrics are defined in week 2) and the measuring weeks."""
    return 2 <= week <= BASELINE_WEEKS[-1] or week in MEASURE_WEEKS


class MetricKind(enum.StrEnum):
    LEAD_TIME = "lead_time"  # how long one case takes end to end (the seed's repair days)
    EFFORT = "effort"  # working time, per case or per week: the only kind that saves hours
    ERRORS = "errors"  # a count or rate per period
    SATISFACTION = "satisfaction"  # a score on a scale
    FREE = "free"  # anything else, reported as it is


class Per(enum.StrEnum):
    CASE = "case"  # effort per case, times the cases per week
    WEEK = "week"  # effort per week (per period)


#: Words users type for a metric's kind (en + de); ``time`` is the old name of effort.
KIND_WORDS: dict[str, MetricKind] = {
    "lead_time": MetricKind.LEAD_TIME, "leadtime": MetricKind.LEAD_TIME,
    "lead-time": MetricKind.LEAD_TIME, "lead": MetricKind.LEAD_TIME,
    "durchlaufzeit": MetricKind.LEAD_TIME, "dauer": MetricKind.LEAD_TIME,
    "effort": MetricKind.EFFORT, "aufwand": MetricKind.EFFORT, "time": MetricKind.EFFORT,
    "zeit": MetricKind.EFFORT, "arbeitszeit": MetricKind.EFFORT,
    "errors": MetricKind.ERRORS, "error": MetricKind.ERRORS, "fehler": MetricKind.ERRORS,
    "satisfaction": MetricKind.SATISFACTION, "csat": MetricKind.SATISFACTION,
    "zufriedenheit": MetricKind.SATISFACTION,
    "free": MetricKind.FREE, "frei": MetricKind.FREE, "other": MetricKind.FREE,
    "sonstige": MetricKind.FREE,
}  # fmt: skip
PER_WORDS: dict[str, Per] = {
    "case": Per.CASE, "fall": Per.CASE, "vorgang": Per.CASE, "ticket": Per.CASE,
    "request": Per.CASE, "anfrage": Per.CASE, "auftrag": Per.CASE, "item": Per.CASE,
    "week": Per.WEEK, "woche": Per.WEEK, "period": Per.WEEK, "zeitraum": Per.WEEK,
}  # fmt: skip
TIME_UNITS = ("hours", "minutes")
#: Words in a metric's name that say its kind better than the unit does.
NAME_HINTS: dict[str, MetricKind] = {
    "satisfaction": MetricKind.SATISFACTION, "zufriedenheit": MetricKind.SATISFACTION,
    "csat": MetricKind.SATISFACTION, "nps": MetricKind.SATISFACTION,
    "kundenzufriedenheit": MetricKind.SATISFACTION,
    "errors": MetricKind.ERRORS, "error": MetricKind.ERRORS, "fehler": MetricKind.ERRORS,
    "fehlerquote": MetricKind.ERRORS, "reklamationen": MetricKind.ERRORS,
    "durchlaufzeit": MetricKind.LEAD_TIME, "turnaround": MetricKind.LEAD_TIME,
}  # fmt: skip


def stored_kind(value: str) -> MetricKind:
    """The kind as stored; the old ``time`` (hours per week on the workflow) is effort."""
    return MetricKind.EFFORT if value == "time" else MetricKind(value)


@dataclass(frozen=True)
class MetricSpec:
    """What ``metric add`` settles: the kind, per case or week, volume and scale, and whether
    the kind (or per) was assumed from the unit, so the answer can say what it assumed."""

    kind: MetricKind
    per: Per | None = None
    volume: float | None = None
    scale: float | None = None
    kind_assumed: bool = False
    per_assumed: bool = False


def infer_kind(unit_group: str | None, name: str = "") -> tuple[MetricKind, Per | None]:
    """Without ``kind=``: a kind word in the name (``customer satisfaction``, ``Fehler``) says
    it; else days and weeks are a lead time, hours an effort per week, minutes an effort per
    case (a task takes minutes), a count errors; anything else is reported as it is."""
    hinted = [NAME_HINTS[w] for w in name.lower().replace("-", " ").split() if w in NAME_HINTS]
    if hinted:
        return hinted[0], None
    if unit_group in ("days", "weeks", "months"):
        return MetricKind.LEAD_TIME, None
    if unit_group == "hours":
        return MetricKind.EFFORT, Per.WEEK
    if unit_group == "minutes":
        return MetricKind.EFFORT, Per.CASE
    if unit_group == "count":
        return MetricKind.ERRORS, None
    return MetricKind.FREE, None


def metric_spec(
    *,
    name: str = "",
    unit_group: str | None,
    kind: str | None,
    per: str | None,
    volume: float | None,
    scale: float | None,
    lower_is_better: bool,
    direction_given: bool,
) -> MetricSpec | Problem:
    """The kind of a new metric from what was typed (``kind=``, ``per=``, ``volume=``,
    ``scale=``) and its unit; a Problem names what does not fit."""
    kind_assumed = kind is None
    if kind is None:
        found, assumed_per = infer_kind(unit_group, name)
    else:
        known = KIND_WORDS.get(kind.lower())
        if known is None:
            return Problem("metric.bad_kind", {"value": kind[:40]})
        found, assumed_per = known, None
    per_found: Per | None = None
    per_assumed = False
    if per is not None:
        per_found = PER_WORDS.get(per.lower())
        if per_found is None:
            return Problem("numbers.bad_per", {"value": per[:40]})
        if found is not MetricKind.EFFORT:
            return Problem("numbers.per_only_effort")
    if found is MetricKind.EFFORT:
        if unit_group not in TIME_UNITS:
            return Problem("numbers.effort_unit")
        if direction_given and not lower_is_better:
            return Problem("numbers.effort_higher")
        if per_found is None:
            per_found = Per.CASE if volume is not None else assumed_per or Per.WEEK
            per_assumed = volume is None
    if volume is not None:
        if per_found is not Per.CASE:
            return Problem("numbers.volume_only_case")
        if not 0 < volume <= MAX_VOLUME:
            return Problem("numbers.bad_volume", {"value": f"{volume:g}"})
    if scale is not None:
        if found is not MetricKind.SATISFACTION:
            return Problem("numbers.scale_only_satisfaction")
        if not 0 < scale <= MAX_SCALE:
            return Problem("numbers.bad_scale", {"value": f"{scale:g}"})
    return MetricSpec(found, per_found, volume, scale, kind_assumed, per_assumed)


@dataclass(frozen=True)
class Reading:
    """One check-in that counts: its pilot week, value and who reported it (a person's id;
    None: an automation through the webhook)."""

    week: int
    value: float
    reporter: int | None = None


def one_per_week(readings: Sequence[Reading]) -> tuple[Reading, ...]:
    """The value of each week (the last one recorded wins), by week."""
    by_week: dict[int, Reading] = {}
    for r in readings:
        by_week[r.week] = r
    return tuple(by_week[w] for w in sorted(by_week))


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


@dataclass(frozen=True)
class Baseline:
    estimate: float  # typed at ``metric add``
    measured: float | None  # mean of the weekly values of weeks 1-4, when there are enough
    weeks: tuple[int, ...]  # the baseline weeks with a value

    @property
    def value(self) -> float:
        """What the improvement is measured against."""
        return self.measured if self.measured is not None else self.estimate

    @property
    def is_measured(self) -> bool:
        return self.measured is not None


def baseline_of(estimate: float, weekly: Sequence[Reading]) -> Baseline:
    before = [r for r in weekly if phase_of(r.week) is Phase.BASELINE]
    measured = mean([r.value for r in before]) if len(before) >= MIN_WEEKS else None
    return Baseline(estimate, measured, tuple(r.week for r in before))


@dataclass(frozen=True)
class Savings:
    """``(baseline - current) x volume`` in hours per week, the terms kept to show the sum."""

    baseline: float
    current: float
    unit_group: str  # hours or minutes
    per: Per
    volume: float | None  # cases per week, for per-case effort

    @property
    def hours_per_week(self) -> float:
        cases = self.volume if self.per is Per.CASE and self.volume is not None else 1.0
        saved = (self.baseline - self.current) * cases
        return saved / 60 if self.unit_group == "minutes" else saved

    @property
    def hours_per_year(self) -> float:
        return self.hours_per_week * WORKING_WEEKS_PER_YEAR


@dataclass(frozen=True)
class MetricResult:
    name: str
    unit: str
    kind: MetricKind
    baseline: Baseline
    target: float | None
    lower_is_better: bool
    weekly: tuple[Reading, ...]  # one value per week, every phase
    current: float | None  # mean of the last two measuring weeks; None: not enough data
    used_weeks: tuple[int, ...]  # the weeks ``current`` is the mean of
    change: Change | None
    trend: Trend
    per: Per | None = None
    volume: float | None = None
    scale: float | None = None
    savings: Savings | None = None
    volume_missing: bool = False  # per-case effort without a volume: no hours, say why

    @property
    def enough_data(self) -> bool:
        return self.current is not None

    def in_phase(self, phase: Phase) -> tuple[Reading, ...]:
        return tuple(r for r in self.weekly if phase_of(r.week) is phase)

    @property
    def measured(self) -> tuple[Reading, ...]:
        """The weekly values of the measuring weeks 9-12: what the improvement rests on."""
        return self.in_phase(Phase.MEASURE)

    @property
    def reporters(self) -> tuple[int, ...]:
        """Who reported the measuring weeks' values (person ids), in order of first report."""
        return tuple(dict.fromkeys(r.reporter for r in self.measured if r.reporter is not None))

    @property
    def automated(self) -> bool:
        return any(r.reporter is None for r in self.measured)

    @property
    def latest(self) -> float | None:
        """The mean of the last two weeks with a value, whatever the phase (for status)."""
        return mean([r.value for r in self.weekly[-2:]]) if self.weekly else None

    @property
    def hours_saved_per_week(self) -> float | None:
        return self.savings.hours_per_week if self.savings is not None else None

    @property
    def hours_saved_per_year(self) -> float | None:
        return self.savings.hours_per_year if self.savings is not None else None


def metric_result(
    *,
    name: str,
    unit: str,
    unit_group: str | None,
    kind: MetricKind,
    baseline: float,
    target: float | None,
    lower_is_better: bool,
    readings: Sequence[Reading],
    per: Per | None = None,
    volume: float | None = None,
    scale: float | None = None,
) -> MetricResult:
    weekly = one_per_week(readings)
    base = baseline_of(baseline, weekly)
    measured = [r for r in weekly if phase_of(r.week) is Phase.MEASURE]
    used = measured[-2:] if len(measured) >= MIN_WEEKS else []
    current = mean([r.value for r in used]) if used else None
    delta = (
        change(base.value, current, lower_is_better=lower_is_better, target=target)
        if current is not None
        else None
    )
    effort = kind is MetricKind.EFFORT and unit_group in TIME_UNITS and per is not None
    countable = effort and (per is Per.WEEK or volume is not None)
    savings = None
    if countable and current is not None and unit_group is not None and per is not None:
        savings = Savings(base.value, current, unit_group, per, volume)
    return MetricResult(
        name=name, unit=unit, kind=kind, baseline=base, target=target,
        lower_is_better=lower_is_better, weekly=weekly, current=current,
        used_weeks=tuple(r.week for r in used), change=delta,
        trend=trend([r.value for r in measured], lower_is_better=lower_is_better,
                    baseline=base.value),
        per=per, volume=volume, scale=scale, savings=savings,
        volume_missing=effort and per is Per.CASE and volume is None,
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
        """The first metric with enough data, preferring outcomes (lead time, errors,
        satisfaction) over effort."""
        ready = [m for m in self.metrics if m.enough_data]
        ranked = sorted(ready, key=lambda m: m.kind is MetricKind.EFFORT)
        return ranked[0] if ranked else None

    @property
    def savings(self) -> tuple[MetricResult, ...]:
        return tuple(m for m in self.metrics if m.savings is not None)

    @property
    def hours_saved_per_week(self) -> float | None:
        saved = [m.savings.hours_per_week for m in self.metrics if m.savings is not None]
        return sum(saved) if saved else None

    @property
    def hours_saved_per_year(self) -> float | None:
        weekly = self.hours_saved_per_week
        return None if weekly is None else weekly * WORKING_WEEKS_PER_YEAR

    @property
    def money_per_year(self) -> float | None:
        """Only with an hourly rate, and only for time actually saved."""
        yearly = self.hours_saved_per_year
        if yearly is None or self.hourly_rate is None or yearly <= 0:
            return None
        return yearly * self.hourly_rate


def recommend_next(candidates: Sequence[Candidate]) -> Candidate | None:
    """The best remaining candidate workflow: most hours per week, then the earliest."""
    remaining = [c for c in candidates if not c.chosen]
    if not remaining:
        return None
    return min(remaining, key=lambda c: (-(c.hours_per_week or 0.0), c.position))


def first_week(metrics: Sequence[MetricResult]) -> int | None:
    """The first week with a value of any metric: where the chart starts."""
    weeks = [r.week for m in metrics for r in m.weekly]
    return min(weeks) if weeks else None


def phase_counts(m: MetricResult) -> Mapping[Phase, int]:
    return {p: len(m.in_phase(p)) for p in Phase}
