"""Metrics in words: the status line, what a check-in counts for, the before/after headline,
the savings formula and what the numbers rest on. One place, so status, check-in answers, the
results and the report say the same thing about the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.catalog import Texts
from bot.services.snapshot import MetricView
from playbook.results import (
    MIN_WEEKS,
    WORKING_WEEKS_PER_YEAR,
    MetricResult,
    Per,
    Phase,
    PilotResults,
    Savings,
    phase_of,
)


def weeks_text(t: Texts, weeks: Sequence[int]) -> str:
    """``11–12``, ``2–4``, ``9, 11``: pilot weeks as people read them."""
    if not weeks:
        return "–"
    ordered = sorted(set(weeks))
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(str(w) for w in ordered)


def value_text(t: Texts, value: float | None, unit: str) -> str:
    return f"{t.number(value)} {unit}"


def baseline_source(t: Texts, m: MetricResult) -> str:
    """``measured in weeks 2–4`` or ``estimate; 1 week measured, 2 needed``."""
    b = m.baseline
    if b.is_measured:
        return t("numbers.source.measured", weeks=weeks_text(t, b.weeks), count=len(b.weeks))
    if b.weeks:
        return t("numbers.source.estimate_partial", count=len(b.weeks), needed=MIN_WEEKS)
    return t("numbers.source.estimate")


def target_text(t: Texts, m: MetricResult, *, final: bool = False) -> str:
    """``✓ target 6 days reached``; not reached is "missed" only once the pilot's measuring
    weeks are over (``final``), "open" before."""
    if m.target is None:
        return ""
    target = t.number(m.target)
    if m.change is not None and m.change.target_reached:
        return t("numbers.target_reached", target=target, unit=m.unit)
    if final:
        return t("numbers.target_missed", target=target, unit=m.unit)
    return t("numbers.target_open", target=target, unit=m.unit)


def metric_line(t: Texts, view: MetricView) -> str:
    """One metric in status and check-in answers, honest about which phase its numbers are
    from: baseline (measured or estimate), values during the build, then the improvement."""
    m = view.result
    parts: list[str] = []
    if m.change is not None and m.current is not None:
        parts.append(t("numbers.line.change", name=m.name, baseline=t.number(m.baseline.value),
                       current=t.number(m.current), unit=m.unit,
                       percent=t.signed_percent(m.change.percent),
                       weeks=weeks_text(t, m.used_weeks),
                       source=baseline_source(t, m)))  # fmt: skip
    else:
        parts.append(t("numbers.line.baseline", name=m.name, baseline=t.number(m.baseline.value),
                       unit=m.unit, source=baseline_source(t, m)))  # fmt: skip
        measured, built = m.measured, m.in_phase(Phase.BUILD)
        if measured:
            last = measured[-1]
            parts.append(t("numbers.line.measuring", week=last.week,
                           value=value_text(t, last.value, m.unit),
                           count=MIN_WEEKS - len(measured)))  # fmt: skip
        elif built:
            last = built[-1]
            parts.append(t("numbers.line.build", week=last.week,
                           value=value_text(t, last.value, m.unit)))  # fmt: skip
        elif not m.weekly:
            parts.append(t("numbers.no_checkins"))
    target = target_text(t, m)
    if target:
        parts.append(target)
    return " · ".join(parts)


def phase_note(t: Texts, view: MetricView, week: int) -> str:
    """What a check-in of ``week`` counts for."""
    m = view.result
    phase = phase_of(week)
    if phase is Phase.BASELINE:
        b = m.baseline
        if b.is_measured:
            return t("numbers.note.baseline_measured", value=value_text(t, b.measured, m.unit),
                     count=len(b.weeks), estimate=value_text(t, b.estimate, m.unit))  # fmt: skip
        return t("numbers.note.baseline", count=len(b.weeks), needed=MIN_WEEKS)
    if phase is Phase.BUILD:
        return t("numbers.note.build")
    if phase is Phase.AFTER:
        return t("numbers.note.after")
    return t("numbers.note.measure")


def before_after(t: Texts, m: MetricResult) -> str:
    """The headline of one metric: ``Repair time: 8 → 5.6 days (−30 %)``."""
    if m.change is None or m.current is None:
        return t("numbers.headline_no_data", name=m.name,
                 baseline=value_text(t, m.baseline.value, m.unit))  # fmt: skip
    return t("numbers.headline", name=m.name, baseline=t.number(m.baseline.value),
             current=t.number(m.current), unit=m.unit,
             percent=t.signed_percent(m.change.percent))  # fmt: skip


def savings_formula(t: Texts, m: MetricResult, s: Savings) -> str:
    """``(30 − 20) min × 40 cases per week = 6.7 h per week``."""
    terms = f"({t.number(s.baseline)} − {t.number(s.current)}) {m.unit}"
    hours = t.number(s.hours_per_week)
    if s.per is Per.CASE:
        assert s.volume is not None
        return t("numbers.formula_case", terms=terms, volume=t.number(s.volume), hours=hours)
    return t("numbers.formula_week", terms=terms, hours=hours)


def hours_line(t: Texts, results: PilotResults) -> str | None:
    """Hours saved per week and year, on their own line."""
    weekly, yearly = results.hours_saved_per_week, results.hours_saved_per_year
    if weekly is None or yearly is None:
        return None
    if weekly <= 0:
        return t("numbers.no_hours_saved", week=t.number(-weekly))
    return t("numbers.hours_saved", week=t.number(weekly), year=t.number(yearly, 0))


def money_line(t: Texts, results: PilotResults) -> str | None:
    money, yearly = results.money_per_year, results.hours_saved_per_year
    if money is None or yearly is None or results.hourly_rate is None:
        return None
    return t("numbers.money_saved", year=t.number(yearly, 0),
             rate=t.number(results.hourly_rate, 2), money=t.number(money, 0))  # fmt: skip


def savings_boxes(t: Texts, results: PilotResults) -> list[tuple[str, str]]:
    """The report's savings, each as (big figure, how it is made): hours, then money."""
    weekly, yearly = results.hours_saved_per_week, results.hours_saved_per_year
    if weekly is None or yearly is None or weekly <= 0:
        return []
    boxes = [(t("numbers.hours_big", week=t.number(weekly)),
              t("numbers.hours_small", year=t.number(yearly, 0),
                weeks=WORKING_WEEKS_PER_YEAR))]  # fmt: skip
    money = results.money_per_year
    if money is not None and results.hourly_rate is not None:
        boxes.append((t("numbers.money_big", money=t.number(money, 0)),
                      t("numbers.money_small", year=t.number(yearly, 0),
                        rate=t.number(results.hourly_rate, 2))))  # fmt: skip
    return boxes


def no_savings_reason(t: Texts, results: PilotResults) -> str | None:
    """Why there is no hours figure, when someone might expect one."""
    if results.savings:
        return None
    missing = [m for m in results.metrics if m.volume_missing]
    if missing:
        return t("numbers.savings_need_volume", name=missing[0].name)
    return None


def rests_on(t: Texts, m: MetricResult, name_of: Callable[[int], str]) -> str:
    """``4 weekly values, weeks 9–12, reported by Olaf; baseline measured in weeks 2–4``."""
    measured = m.measured
    who = [name_of(p) for p in m.reporters]
    if m.automated:
        who.append(t("numbers.automation"))
    if measured:
        text = t("numbers.rests_on", count=len(measured),
                 weeks=weeks_text(t, [r.week for r in measured]),
                 who=", ".join(who) or "–")  # fmt: skip
    else:
        text = t("numbers.rests_on_nothing")
    if m.current is not None:
        text += "; " + t("numbers.current_is", weeks=weeks_text(t, m.used_weeks))
    text += "; " + t("numbers.baseline_is", source=baseline_source(t, m))
    if m.baseline.is_measured:
        text += " " + t("numbers.estimate_was", estimate=value_text(t, m.baseline.estimate,
                                                                     m.unit))  # fmt: skip
    built = m.in_phase(Phase.BUILD)
    if built:
        text += "; " + t("numbers.build_not_counted", count=len(built))
    return text
