"""The results in chat: headline, metrics with honest "not enough data", hours and money saved,
the people credited, their retrospective quotes and the recommended next workflow."""

from __future__ import annotations

import base64

from bot.catalog import Texts
from bot.messages import Block, BulletList, Fields, Heading, Image, Paragraph, Reply
from bot.services import metric_table, metric_views
from bot.services.results import Summary
from bot.services.views import channel_label, plain_text, report_title, role_lines
from playbook.results import MetricResult, PilotResults
from playbook.roadmap import LAST_WEEK

QUESTIONS = (1, 2, 3)


def headline(t: Texts, results: PilotResults) -> str:
    m = results.headline
    if m is None or m.change is None:
        return t("numbers.not_enough_data")
    return metric_views.before_after(t, m)


def is_final(summary: Summary | None) -> bool:
    """The measuring weeks are over: a target not reached is missed."""
    return summary is not None and summary.snap.week >= LAST_WEEK


def metric_text(t: Texts, m: MetricResult, summary: Summary | None = None) -> str:
    """One metric in the results: before/after, target reached or missed, the savings formula
    for effort, and what the numbers rest on."""
    parts = [metric_views.before_after(t, m)]
    target = metric_views.target_text(t, m, final=is_final(summary))
    if target:
        parts.append(target)
    text = " · ".join(parts)
    if m.savings is not None:
        text += "\n" + metric_views.savings_formula(t, m, m.savings)
    name_of = summary.name_of if summary is not None else str
    return text + "\n" + metric_views.rests_on(t, m, name_of)


def savings_text(t: Texts, results: PilotResults) -> str | None:
    """Hours, then money, each on its own line; or why there are no hours."""
    lines = [x for x in (metric_views.hours_line(t, results), metric_views.money_line(t, results))
             if x]  # fmt: skip
    if not lines:
        reason = metric_views.no_savings_reason(t, results)
        return reason
    return "\n".join(lines)


def next_text(t: Texts, results: PilotResults) -> str | None:
    candidate = results.next_workflow
    if candidate is None:
        return None
    hours = t.number(candidate.hours_per_week) if candidate.hours_per_week is not None else "–"
    return t("results.next", name=candidate.name, hours=hours)


def results_reply(
    t: Texts,
    summary: Summary,
    *,
    chart: bool = True,
    png: bytes | None = None,
    notify: bool = False,
) -> Reply:
    """The summary; it names who held each role but never who ignored what. ``notify``: the
    announcement, which tells the people it credits."""
    snap, results = summary.snap, summary.results
    channel = channel_label(t, snap.pilot)
    blocks: list[Block] = [Heading(report_title(t, snap.pilot))]
    if results.headline is None:  # else each metric below is its own before/after headline
        blocks.append(Paragraph(headline(t, results)))
    blocks.extend(Paragraph(metric_text(t, m, summary)) for m in results.metrics)
    table = metric_table.metrics_table(t, snap.metrics)
    if table is not None:
        blocks.append(table)
    savings = savings_text(t, results)
    if savings:
        blocks.append(Paragraph(savings))
    chosen = snap.chosen
    if chosen is not None:
        blocks.append(Paragraph(t("results.workflow", name=chosen.name)))
    blocks.append(Fields(tuple(role_lines(t, snap, notify=notify))))
    upcoming = next_text(t, results)
    if upcoming:
        blocks.append(Paragraph(upcoming))
    quotes = [f"{t(f'retro.q{q.question}')} — {q.name}: “{q.text}”" for q in summary.quotes]
    if quotes:
        blocks.append(Heading(t("results.retro")))
        blocks.append(BulletList(tuple(quotes)))
    if chart and any(m.weekly for m in results.metrics):
        if png is None:
            from bot.chart import chart_png  # matplotlib loads only when a chart is drawn

            png = chart_png(snap)
        blocks.extend(metric_table.metric_charts(t, snap.metrics))
        blocks.append(Image(path="summary.png", alt=t("summary.chart_alt", channel=channel),
                            data=base64.b64encode(png).decode("ascii")))  # fmt: skip
    return Reply(text=plain_text(blocks), blocks=tuple(blocks), language=t.language)


def retro_prompt(t: Texts) -> Reply:
    blocks: list[Block] = [Heading(t("retro.title")), Paragraph(t("retro.intro"))]
    blocks.append(BulletList(tuple(f"{q}. {t(f'retro.q{q}')}" for q in QUESTIONS)))
    blocks.append(Paragraph(t("retro.how")))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))
