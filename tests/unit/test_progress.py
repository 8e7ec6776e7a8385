"""Improvement math: direction-aware change, targets, the current value and the trend."""

from __future__ import annotations

import pytest

from playbook.progress import Change, Trend, change, current_value, trend

# --- change --------------------------------------------------------------------------------


def test_change_lower_is_better_improved() -> None:
    c = change(8, 6, lower_is_better=True, target=6)
    assert c == Change(
        baseline=8, current=6, absolute=-2, percent=-25.0, improved=True, target_reached=True
    )


def test_change_lower_is_better_worse() -> None:
    c = change(8, 10, lower_is_better=True, target=6)
    assert c.absolute == 2
    assert c.percent == pytest.approx(25.0)
    assert c.improved is False
    assert c.target_reached is False


def test_change_higher_is_better() -> None:
    c = change(30, 40, lower_is_better=False, target=50)
    assert c.absolute == 10
    assert c.percent == pytest.approx(33.333, rel=1e-3)
    assert c.improved is True
    assert c.target_reached is False
    assert change(30, 20, lower_is_better=False).improved is False


@pytest.mark.parametrize(
    ("current", "lower", "target", "reached"),
    [
        (6.0, True, 6.0, True),  # reaching exactly counts
        (5.9, True, 6.0, True),
        (6.1, True, 6.0, False),
        (50.0, False, 50.0, True),
        (51.0, False, 50.0, True),
        (49.9, False, 50.0, False),
    ],
)
def test_target_reached_is_direction_aware(
    current: float, lower: bool, target: float, reached: bool
) -> None:
    base = 8.0 if lower else 30.0
    assert change(base, current, lower_is_better=lower, target=target).target_reached is reached


def test_no_target_means_none() -> None:
    assert change(8, 6, lower_is_better=True).target_reached is None


@pytest.mark.parametrize("lower", [True, False])
def test_unchanged_is_not_improved(lower: bool) -> None:
    c = change(8, 8, lower_is_better=lower)
    assert c.improved is False
    assert c.absolute == 0
    assert c.percent == 0


@pytest.mark.parametrize("lower", [True, False])
def test_zero_baseline_has_no_percent(lower: bool) -> None:
    c = change(0, 3, lower_is_better=lower)
    assert c.percent is None
    assert c.absolute == 3
    assert c.improved is (not lower)


def test_percent_sign_follows_value_not_direction() -> None:
    assert change(10, 5, lower_is_better=True).percent == pytest.approx(-50.0)
    assert change(10, 5, lower_is_better=False).percent == pytest.approx(-50.0)


def test_demo_case_eight_days_to_six() -> None:
    # the appliance-repair case of the demo: baseline 8 days
    c = change(8, current_value([7, 6.5, 6, 6]) or 0, lower_is_better=True, target=6)
    assert c.current == 6
    assert c.percent == pytest.approx(-25.0)
    assert c.target_reached is True


# --- current_value -------------------------------------------------------------------------


def test_current_value() -> None:
    assert current_value([]) is None
    assert current_value([5.0]) == 5.0
    assert current_value([8.0, 7.0]) == 7.5
    assert current_value([8.0, 7.0, 6.0]) == 6.5
    assert current_value([1.0, 100.0, 6.0, 7.0]) == 6.5


# --- trend ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "lower", "expected"),
    [
        ([8.0, 7.0, 6.0], True, Trend.IMPROVING),
        ([6.0, 7.0, 8.0], True, Trend.WORSENING),
        ([6.0, 7.0, 8.0], False, Trend.IMPROVING),
        ([8.0, 7.0, 6.0], False, Trend.WORSENING),
        ([8.0, 6.0], True, Trend.IMPROVING),
        ([8.0, 8.0, 8.0], True, Trend.FLAT),
        ([8.0, 8.05], True, Trend.FLAT),  # slope 0.05 < 1 % of 8
        ([8.0, 8.1], True, Trend.WORSENING),  # slope 0.1 >= 1 % of 8
        ([7.0, 9.0, 7.0, 9.0, 7.0], True, Trend.FLAT),
        ([], True, Trend.UNKNOWN),
        ([6.0], False, Trend.UNKNOWN),
    ],
)
def test_trend(values: list[float], lower: bool, expected: Trend) -> None:
    assert trend(values, lower_is_better=lower, baseline=8.0) is expected


def test_trend_uses_the_slope_not_the_end_points() -> None:
    # ends higher than it started, but mostly falling
    values = [8.0, 4.0, 3.0, 2.0, 8.5]
    assert trend(values, lower_is_better=True, baseline=8.0) is Trend.IMPROVING


def test_trend_with_zero_baseline() -> None:
    assert trend([0.0, 0.0], lower_is_better=True, baseline=0) is Trend.FLAT
    assert trend([0.0, 1.0], lower_is_better=True, baseline=0) is Trend.WORSENING
    assert trend([0.0, 1.0], lower_is_better=False, baseline=0) is Trend.IMPROVING
