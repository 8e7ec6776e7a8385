"""The results model: one value per week, phases, measured baseline, kinds, honest savings,
direction, targets, too little data, next workflow."""

from __future__ import annotations

import pytest

from playbook.parsing.numbers import Problem
from playbook.results import (
    WORKING_WEEKS_PER_YEAR,
    Candidate,
    MetricKind,
    MetricResult,
    Per,
    Phase,
    PilotResults,
    Reading,
    checkin_asked,
    infer_kind,
    metric_result,
    metric_spec,
    one_per_week,
    phase_of,
    recommend_next,
)


def weeks(pairs: dict[int, float] | list[tuple[int, float]]) -> list[Reading]:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [Reading(w, v, reporter=7) for w, v in items]


def result(readings: list[Reading], **kw: object) -> MetricResult:
    args: dict[str, object] = {
        "name": "repair time", "unit": "days", "unit_group": "days",
        "kind": MetricKind.LEAD_TIME, "baseline": 8.0, "target": 6.0, "lower_is_better": True,
        "readings": readings,
    }  # fmt: skip
    args.update(kw)
    return metric_result(**args)  # type: ignore[arg-type]


def test_phases_of_the_roadmap() -> None:
    assert [phase_of(w) for w in (1, 2, 4, 5, 8, 9, 12, 13)] == [
        Phase.BASELINE, Phase.BASELINE, Phase.BASELINE, Phase.BUILD, Phase.BUILD,
        Phase.MEASURE, Phase.MEASURE, Phase.AFTER,
    ]  # fmt: skip
    assert [w for w in range(1, 14) if checkin_asked(w)] == [2, 3, 4, 9, 10, 11, 12]


def test_a_second_checkin_in_a_week_replaces_the_first() -> None:
    readings = weeks([(9, 7.5), (9, 7.0), (10, 6.0)])
    assert [(r.week, r.value) for r in one_per_week(readings)] == [(9, 7.0), (10, 6.0)]
    m = result(readings)
    assert m.current == pytest.approx(6.5)  # (7 + 6) / 2, not (7.5 + 7 + 6) / 3
    assert len(m.weekly) == 2 and m.used_weeks == (9, 10)


def test_two_checkins_in_one_week_are_not_enough_data() -> None:
    m = result(weeks([(10, 6.0), (10, 5.0)]))
    assert m.current is None and m.change is None and not m.enough_data


def test_the_baseline_is_measured_from_weeks_before_the_build() -> None:
    m = result(weeks({2: 8.2, 3: 7.8, 4: 8.6, 9: 7.0, 10: 6.0}), baseline=7.0)
    assert m.baseline.is_measured and m.baseline.weeks == (2, 3, 4)
    assert m.baseline.measured == pytest.approx(8.2)
    assert m.baseline.estimate == 7.0  # the typed one stays, as the estimate
    assert m.change is not None and m.change.baseline == pytest.approx(8.2)
    assert m.change.percent == pytest.approx((6.5 - 8.2) / 8.2 * 100)


def test_one_baseline_week_leaves_the_estimate() -> None:
    m = result(weeks({3: 9.0, 9: 7.0, 10: 6.0}))
    assert not m.baseline.is_measured and m.baseline.value == 8.0 and m.baseline.weeks == (3,)


def test_only_weeks_9_to_12_drive_the_improvement() -> None:
    # a good value during the build and one after week 12 do not count
    m = result(weeks({2: 8.0, 3: 8.0, 6: 3.0, 8: 4.0, 9: 7.4, 10: 6.5, 11: 5.7, 12: 5.5, 13: 1.0}))
    assert m.current == pytest.approx(5.6)
    assert m.used_weeks == (11, 12)
    assert m.change is not None and m.change.percent == pytest.approx(-30.0)
    assert m.change.improved and m.change.target_reached
    assert [r.week for r in m.in_phase(Phase.BUILD)] == [6, 8]
    assert [r.week for r in m.measured] == [9, 10, 11, 12]
    build_only = result(weeks({2: 8.0, 3: 8.0, 6: 3.0, 7: 3.0, 8: 3.0}))
    assert build_only.current is None and build_only.latest == pytest.approx(3.0)


def test_the_week_1_example_claims_no_savings() -> None:
    """Two check-ins of 20 min in week 1 on a per-ticket minutes metric, baseline 30: once gave
    "0.17 hours saved per week … about 422 € a year". Now: one week value, before the build."""
    m = result(weeks([(1, 20.0), (1, 20.0)]), name="ticket time", unit="min",
               unit_group="minutes", kind=MetricKind.EFFORT, per=Per.CASE, volume=40.0,
               baseline=30.0, target=None)  # fmt: skip
    assert m.current is None and m.savings is None and m.hours_saved_per_week is None
    results = PilotResults((m,), hourly_rate=55.0, next_workflow=None)
    assert results.hours_saved_per_week is None and results.money_per_year is None


def test_effort_per_case_with_volume_saves_hours_with_its_formula() -> None:
    m = result(weeks({9: 22.0, 10: 20.0, 11: 20.0}), name="ticket time", unit="min",
               unit_group="minutes", kind=MetricKind.EFFORT, per=Per.CASE, volume=40.0,
               baseline=30.0, target=None)  # fmt: skip
    assert m.savings is not None
    assert (m.savings.baseline, m.savings.current, m.savings.volume) == (30.0, 20.0, 40.0)
    assert m.hours_saved_per_week == pytest.approx((30 - 20) * 40 / 60)  # 6.7 h
    results = PilotResults((m,), hourly_rate=55.0, next_workflow=None)
    yearly = (30 - 20) * 40 / 60 * WORKING_WEEKS_PER_YEAR
    assert results.hours_saved_per_year == pytest.approx(yearly)
    assert results.money_per_year == pytest.approx(yearly * 55)
    assert PilotResults((m,), None, None).money_per_year is None  # money only with a rate


def test_effort_per_week_saves_its_difference() -> None:
    m = result(weeks({9: 9.0, 10: 7.0, 11: 5.0, 12: 4.5}), name="triage effort", unit="h",
               unit_group="hours", kind=MetricKind.EFFORT, per=Per.WEEK, baseline=12.0,
               target=4.0)  # fmt: skip
    assert m.hours_saved_per_week == pytest.approx(12 - 4.75)


def test_no_hours_without_volume_or_for_other_kinds() -> None:
    no_volume = result(weeks({9: 20.0, 10: 20.0}), unit="min", unit_group="minutes",
                       kind=MetricKind.EFFORT, per=Per.CASE, baseline=30.0,
                       target=None)  # fmt: skip
    assert no_volume.enough_data and no_volume.savings is None and no_volume.volume_missing
    for kind in (MetricKind.LEAD_TIME, MetricKind.ERRORS, MetricKind.SATISFACTION):
        other = result(weeks({9: 50.0, 10: 50.0}), unit="h", unit_group="hours", kind=kind,
                       baseline=60.0, target=None)  # fmt: skip
        assert other.enough_data and other.savings is None, kind
    results = PilotResults((no_volume,), 55.0, None)
    assert results.hours_saved_per_week is None and results.money_per_year is None


def test_more_effort_is_no_money() -> None:
    m = result(weeks({9: 14.0, 10: 14.0}), unit="h", unit_group="hours", kind=MetricKind.EFFORT,
               per=Per.WEEK, baseline=12.0, target=None)  # fmt: skip
    assert m.hours_saved_per_week == pytest.approx(-2.0)
    assert PilotResults((m,), 55.0, None).money_per_year is None


def test_higher_is_better_direction() -> None:
    m = result(weeks({9: 70, 10: 80, 11: 90}), name="csat", unit="%", unit_group="percent",
               kind=MetricKind.SATISFACTION, baseline=60, target=85,
               lower_is_better=False)  # fmt: skip
    assert m.current == pytest.approx(85)
    assert m.change is not None and m.change.improved and m.change.target_reached
    worse = result(weeks({9: 50, 10: 40}), baseline=60, target=85, lower_is_better=False)
    assert worse.change is not None and not worse.change.improved
    assert worse.change.target_reached is False


def test_headline_prefers_an_outcome_metric_with_data() -> None:
    effort = result(weeks({9: 9, 10: 7}), kind=MetricKind.EFFORT, per=Per.WEEK, name="effort",
                    unit="h", unit_group="hours", baseline=12)  # fmt: skip
    quality = result(weeks({9: 6, 10: 5}))
    empty = result(weeks({9: 4}))
    assert PilotResults((effort, quality), None, None).headline is quality
    assert PilotResults((empty, effort), None, None).headline is effort
    assert PilotResults((empty,), None, None).headline is None


def test_reporters_are_the_people_behind_the_measured_weeks() -> None:
    m = result([Reading(2, 8.0, 5), Reading(9, 7.0, 7), Reading(10, 6.0, None),
                Reading(11, 6.0, 8), Reading(12, 5.0, 7)])  # fmt: skip
    assert m.reporters == (7, 8) and m.automated


def test_recommend_next_takes_most_hours_among_the_remaining() -> None:
    candidates = [
        Candidate(1, "triage", 12, chosen=True),
        Candidate(2, "parts", 6, chosen=False),
        Candidate(3, "invoices", 4, chosen=False),
        Candidate(4, "unknown", None, chosen=False),
    ]
    assert recommend_next(candidates) == candidates[1]
    assert recommend_next(candidates[:1]) is None


def test_kind_inferred_from_name_and_unit() -> None:
    assert infer_kind("hours") == (MetricKind.EFFORT, Per.WEEK)
    assert infer_kind("minutes") == (MetricKind.EFFORT, Per.CASE)
    assert infer_kind("days") == (MetricKind.LEAD_TIME, None)
    assert infer_kind("count") == (MetricKind.ERRORS, None)
    assert infer_kind(None) == (MetricKind.FREE, None)
    assert infer_kind("percent", "customer satisfaction") == (MetricKind.SATISFACTION, None)
    assert infer_kind("hours", "Durchlaufzeit") == (MetricKind.LEAD_TIME, None)


def spec(**kw: object) -> object:
    args: dict[str, object] = {"unit_group": "minutes", "kind": None, "per": None,
                               "volume": None, "scale": None, "lower_is_better": True,
                               "direction_given": False}  # fmt: skip
    args.update(kw)
    return metric_spec(**args)  # type: ignore[arg-type]


def test_metric_spec_volume_means_per_case_and_says_what_it_assumed() -> None:
    s = spec(kind="effort", volume=40.0)
    assert not isinstance(s, Problem)
    assert (s.kind, s.per, s.volume, s.kind_assumed, s.per_assumed) == (
        MetricKind.EFFORT,
        Per.CASE,
        40.0,
        False,
        False,
    )
    s = spec()
    assert not isinstance(s, Problem) and s.kind_assumed and s.per is Per.CASE
    s = spec(kind="aufwand", per="woche", unit_group="hours")
    assert not isinstance(s, Problem) and (s.kind, s.per) == (MetricKind.EFFORT, Per.WEEK)


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        ({"kind": "speed"}, "metric.bad_kind"),
        ({"kind": "effort", "unit_group": "days"}, "numbers.effort_unit"),
        (
            {"kind": "effort", "lower_is_better": False, "direction_given": True},
            "numbers.effort_higher",
        ),
        ({"kind": "effort", "per": "month"}, "numbers.bad_per"),
        ({"kind": "errors", "per": "case"}, "numbers.per_only_effort"),
        ({"kind": "effort", "per": "week", "volume": 40.0}, "numbers.volume_only_case"),
        ({"kind": "effort", "volume": 0.0}, "numbers.bad_volume"),
        ({"kind": "errors", "scale": 5.0}, "numbers.scale_only_satisfaction"),
        ({"kind": "satisfaction", "scale": 0.0}, "numbers.bad_scale"),
    ],
)
def test_metric_spec_refuses_what_does_not_fit(kw: dict[str, object], key: str) -> None:
    got = spec(**kw)
    assert isinstance(got, Problem) and got.key == key
