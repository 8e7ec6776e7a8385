"""The results model: direction, targets, too little data, time and money saved, next workflow."""

from __future__ import annotations

import pytest

from playbook.results import (
    WORKING_WEEKS_PER_YEAR,
    Candidate,
    MetricKind,
    PilotResults,
    infer_kind,
    metric_result,
    recommend_next,
)


def result(values: list[float], **kw: object) -> object:
    args: dict[str, object] = {
        "name": "repair time", "unit": "days", "kind": MetricKind.FREE, "baseline": 8.0,
        "target": 6.0, "lower_is_better": True, "values": values,
    }  # fmt: skip
    args.update(kw)
    return metric_result(**args)  # type: ignore[arg-type]


def test_current_is_the_mean_of_the_last_two_checkins() -> None:
    m = result([7.4, 6.5, 5.7, 5.5])
    assert m.current == pytest.approx(5.6)
    assert m.change is not None and m.change.percent == pytest.approx(-30.0)
    assert m.change.improved and m.change.target_reached
    assert m.checkins == 4 and m.enough_data


@pytest.mark.parametrize("values", [[], [5.0]])
def test_fewer_than_two_checkins_is_not_enough_data(values: list[float]) -> None:
    m = result(values)
    assert m.current is None and m.change is None and not m.enough_data
    assert m.checkins == len(values)


def test_higher_is_better_direction() -> None:
    m = result([70, 80, 90], name="csat", unit="%", baseline=60, target=85,
               lower_is_better=False, kind=MetricKind.SATISFACTION)  # fmt: skip
    assert m.current == pytest.approx(85)
    assert m.change is not None and m.change.improved and m.change.target_reached
    worse = result([50, 40], name="csat", unit="%", baseline=60, target=85, lower_is_better=False)
    assert worse.change is not None and not worse.change.improved
    assert worse.change.target_reached is False


def test_time_saved_per_week_year_and_money() -> None:
    m = result([9, 7, 5, 4.5], name="triage effort", unit="h", kind=MetricKind.TIME_SAVED,
               baseline=12, target=4)  # fmt: skip
    assert m.hours_saved_per_week == pytest.approx(7.25)
    assert m.hours_saved_per_year == pytest.approx(7.25 * WORKING_WEEKS_PER_YEAR)
    results = PilotResults(metrics=(m,), hourly_rate=55.0, next_workflow=None)
    assert results.money_per_year == pytest.approx(7.25 * WORKING_WEEKS_PER_YEAR * 55)
    assert PilotResults((m,), None, None).money_per_year is None


def test_minutes_become_hours_and_non_time_metrics_save_nothing() -> None:
    m = result([60, 60], unit="min", kind=MetricKind.TIME_SAVED, baseline=180, target=None)
    assert m.hours_saved_per_week == pytest.approx(2.0)
    assert result([5, 5]).hours_saved_per_week is None
    assert PilotResults((result([5, 5]),), 55.0, None).money_per_year is None


def test_headline_prefers_an_outcome_metric_with_data() -> None:
    time = result([9, 7], kind=MetricKind.TIME_SAVED, name="effort", unit="h", baseline=12)
    quality = result([6, 5])
    empty = result([4])
    assert PilotResults((time, quality), None, None).headline is quality
    assert PilotResults((empty, time), None, None).headline is time
    assert PilotResults((empty,), None, None).headline is None


def test_recommend_next_takes_most_hours_among_the_remaining() -> None:
    candidates = [
        Candidate(1, "triage", 12, chosen=True),
        Candidate(2, "parts", 6, chosen=False),
        Candidate(3, "invoices", 4, chosen=False),
        Candidate(4, "unknown", None, chosen=False),
    ]
    assert recommend_next(candidates) == candidates[1]
    assert recommend_next(candidates[:1]) is None


def test_kind_inferred_from_unit() -> None:
    assert infer_kind("hours") is MetricKind.TIME_SAVED
    assert infer_kind("minutes") is MetricKind.TIME_SAVED
    assert infer_kind("days") is MetricKind.FREE
    assert infer_kind(None) is MetricKind.FREE
