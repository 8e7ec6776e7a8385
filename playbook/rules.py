"""Rules the roadmap states about workflows and metrics; each returns a Problem or None."""

from __future__ import annotations

from collections.abc import Sequence

from playbook.parsing.numbers import Problem

MAX_PROCESSES = 3
MAX_METRICS = 5
PICK_FROM_WEEK = 4  # the choice is made once capacity is known (weeks 5-8 build)


def check_process_add(existing_names: Sequence[str], name: str, chosen: bool) -> Problem | None:
    if chosen:
        return Problem("process.already_chosen")
    if len(existing_names) >= MAX_PROCESSES:
        return Problem("process.too_many", {"max": str(MAX_PROCESSES)})
    if name.casefold() in (n.casefold() for n in existing_names):
        return Problem("process.duplicate", {"name": name})
    return None


def check_process_pick(count: int, number: int, already_chosen: str | None) -> Problem | None:
    if count == 0:
        return Problem("process.none_yet")
    if not 1 <= number <= count:
        return Problem("process.no_such", {"number": str(number), "count": str(count)})
    if already_chosen is not None:
        return Problem("process.one_only", {"name": already_chosen})
    return None


def check_metric_add(
    existing_names: Sequence[str], name: str, baseline: float, target: float | None, lower: bool
) -> Problem | None:
    if len(existing_names) >= MAX_METRICS:
        return Problem("metric.too_many", {"max": str(MAX_METRICS)})
    if name.casefold() in (n.casefold() for n in existing_names):
        return Problem("metric.duplicate", {"name": name})
    if target is not None and (target >= baseline if lower else target <= baseline):
        return Problem("metric.target_direction")
    return None


def find_metric(names: Sequence[str], text: str) -> tuple[str, str] | None:
    """Split ``text`` into (metric name, the rest), preferring the longest matching name."""
    words = text.split()
    for name in sorted(names, key=lambda n: len(n.split()), reverse=True):
        size = len(name.split())
        if " ".join(words[:size]).casefold() == " ".join(name.split()).casefold():
            return name, " ".join(words[size:])
    return None
