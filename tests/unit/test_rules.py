"""Roadmap rules for workflows and metrics."""

from __future__ import annotations

import pytest

from playbook.parsing.numbers import Problem
from playbook.rules import (
    MAX_METRICS,
    MAX_PROCESSES,
    check_metric_add,
    check_process_add,
    check_process_pick,
    find_metric,
)

# --- process add ---------------------------------------------------------------------------


def test_process_add_ok() -> None:
    assert check_process_add([], "Triage", chosen=False) is None
    assert check_process_add(["Triage", "Invoices"], "Scheduling", chosen=False) is None


def test_at_most_three_processes() -> None:
    assert MAX_PROCESSES == 3
    names = ["a", "b", "c"]
    assert check_process_add(names[:2], "d", chosen=False) is None
    assert check_process_add(names, "d", chosen=False) == Problem("process.too_many", {"max": "3"})


@pytest.mark.parametrize("name", ["Triage", "triage", "TRIAGE", "TrIaGe"])
def test_process_duplicate_ignores_case(name: str) -> None:
    result = check_process_add(["Invoices", "Triage"], name, chosen=False)
    assert result == Problem("process.duplicate", {"name": name})


def test_process_duplicate_casefold() -> None:
    assert check_process_add(["Straße"], "STRASSE", chosen=False) == Problem(
        "process.duplicate", {"name": "STRASSE"}
    )


def test_no_process_added_after_choice() -> None:
    assert check_process_add(["a"], "b", chosen=True) == Problem("process.already_chosen")


def test_process_add_precedence() -> None:
    # chosen beats too many beats duplicate
    assert check_process_add(["a", "b", "c"], "a", chosen=True) == Problem("process.already_chosen")
    result = check_process_add(["a", "b", "c"], "a", chosen=False)
    assert isinstance(result, Problem)
    assert result.key == "process.too_many"


# --- process pick --------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "number"), [(1, 1), (3, 1), (3, 3), (2, 2)])
def test_process_pick_ok(count: int, number: int) -> None:
    assert check_process_pick(count, number, None) is None


def test_process_pick_none_yet() -> None:
    assert check_process_pick(0, 1, None) == Problem("process.none_yet")


@pytest.mark.parametrize(("count", "number"), [(3, 0), (3, 4), (1, 2), (2, 99)])
def test_process_pick_out_of_range(count: int, number: int) -> None:
    assert check_process_pick(count, number, None) == Problem(
        "process.no_such", {"number": str(number), "count": str(count)}
    )


def test_process_pick_one_only() -> None:
    assert check_process_pick(3, 2, "Triage") == Problem("process.one_only", {"name": "Triage"})
    # the same one again is refused too: there is ONE choice
    assert check_process_pick(3, 1, "Triage") == Problem("process.one_only", {"name": "Triage"})


def test_process_pick_out_of_range_is_reported_before_one_only() -> None:
    result = check_process_pick(2, 5, "Triage")
    assert isinstance(result, Problem)
    assert result.key == "process.no_such"


# --- metric add ----------------------------------------------------------------------------


def test_metric_add_ok() -> None:
    assert check_metric_add([], "repair time", 8, 6, lower=True) is None
    assert check_metric_add([], "nps", 30, 50, lower=False) is None
    assert check_metric_add(["nps"], "repair time", 8, None, lower=True) is None
    assert check_metric_add([], "x", 8, None, lower=False) is None


@pytest.mark.parametrize("target", [8.0, 9.0, 100.0])
def test_metric_target_must_be_below_baseline_when_lower_is_better(target: float) -> None:
    assert check_metric_add([], "t", 8, target, lower=True) == Problem("metric.target_direction")


@pytest.mark.parametrize("target", [30.0, 29.0, 0.0])
def test_metric_target_must_be_above_baseline_when_higher_is_better(target: float) -> None:
    assert check_metric_add([], "t", 30, target, lower=False) == Problem("metric.target_direction")


def test_metric_target_zero_is_fine_for_lower() -> None:
    assert check_metric_add([], "errors", 12, 0, lower=True) is None


@pytest.mark.parametrize("name", ["Repair time", "REPAIR TIME", "repair time"])
def test_metric_duplicate(name: str) -> None:
    assert check_metric_add(["repair time"], name, 8, None, lower=True) == Problem(
        "metric.duplicate", {"name": name}
    )


def test_metric_max() -> None:
    assert MAX_METRICS == 5
    four = ["a", "b", "c", "d"]
    assert check_metric_add(four, "e", 1, None, lower=True) is None
    assert check_metric_add([*four, "e"], "f", 1, None, lower=True) == Problem(
        "metric.too_many", {"max": "5"}
    )


# --- find_metric ---------------------------------------------------------------------------


def test_find_metric_longest_match_wins() -> None:
    names = ["repair", "repair time", "time"]
    assert find_metric(names, "repair time 6,5 Tage") == ("repair time", "6,5 Tage")
    assert find_metric(names, "repair 3") == ("repair", "3")
    assert find_metric(list(reversed(names)), "repair time 6") == ("repair time", "6")


def test_find_metric_ignores_case_and_returns_canonical_name() -> None:
    assert find_metric(["Repair Time"], "repair TIME 6.5 days fast") == (
        "Repair Time",
        "6.5 days fast",
    )


def test_find_metric_needs_a_word_boundary() -> None:
    assert find_metric(["repair"], "repairs 5") is None
    assert find_metric(["nps"], "npsx 5") is None


def test_find_metric_exact_name_leaves_empty_rest() -> None:
    assert find_metric(["Reparaturzeit"], "reparaturzeit") == ("Reparaturzeit", "")


def test_find_metric_no_match() -> None:
    assert find_metric([], "repair 5") is None
    assert find_metric(["nps"], "repair 5") is None
    assert find_metric(["nps"], "5 nps") is None


def test_find_metric_casefold_that_changes_length() -> None:
    assert find_metric(["Maße"], "MASSE 5") == ("Maße", "5")
