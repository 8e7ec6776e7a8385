"""The results in chat: headline, metrics with honest "not enough data", hours and money saved,
the people credited, their retrospective quotes and the recommended next workflow."""

from __future__ import annotations

import base64

from bot.catalog import Texts
from bot.messages import Block, BulletList, Fields, Heading, Image, Paragraph, Reply
from bot.services.results import Summary
from bot.services.views import plain_text, role_lines
from playbook.results import MetricResult, PilotResults

QUESTIONS = (1, 2, 3)


def headline(t: Texts, results: PilotResults) -> str:
    m = results.headline
    if m is None or m.change is None:
        return t("results.not_enough_data")
    return t("results.headline", name=m.name, baseline=t.number(m.baseline),
             current=t.number(m.current), unit=m.unit,
             percent=t.signed_percent(m.change.percent))  # fmt: skip


def metric_text(t: Texts, m: MetricResult) -> str:
    if m.change is None or m.current is None:
        return t("results.metric_no_data", name=m.name, baseline=t.number(m.baseline),
                 unit=m.unit, count=m.checkins)  # fmt: skip
    text = t("results.metric", name=m.name, baseline=t.number(m.baseline),
             current=t.number(m.current), unit=m.unit,
             percent=t.signed_percent(m.change.percent), count=m.checkins)  # fmt: skip
    if m.target is not None:
        key = "metric.target_reached" if m.change.target_reached else "metric.target_open"
        text += " " + t(key, target=t.number(m.target), unit=m.unit)
    return text


def savings_text(t: Texts, results: PilotResults) -> str | None:
    weekly, yearly = results.hours_saved_per_week, results.hours_saved_per_year
    if weekly is None or yearly is None:
        return None
    text = t("results.hours_saved", week=t.number(weekly, 2), year=t.number(yearly, 0))
    money = results.money_per_year
    if money is not None:
        text += " " + t("results.money_saved", money=t.number(money, 0))
    return text


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
    channel = snap.pilot.channel_name or snap.pilot.channel_id
    blocks: list[Block] = [Heading(t("results.title", channel=channel))]
    blocks.append(Paragraph(headline(t, results)))
    chosen = snap.chosen
    if chosen is not None:
        blocks.append(Paragraph(t("results.workflow", name=chosen.name)))
    blocks.append(Fields(tuple(role_lines(t, snap, notify=notify))))
    if results.metrics:
        blocks.append(BulletList(tuple(metric_text(t, m) for m in results.metrics)))
    for extra in (savings_text(t, results), next_text(t, results)):
        if extra:
            blocks.append(Paragraph(extra))
    quotes = [f"{t(f'retro.q{q.question}')} — {q.name}: “{q.text}”" for q in summary.quotes]
    if quotes:
        blocks.append(Heading(t("results.retro")))
        blocks.append(BulletList(tuple(quotes)))
    if chart and any(m.checkins for m in results.metrics):
        if png is None:
            from bot.chart import chart_png  # matplotlib loads only when a chart is drawn

            png = chart_png(snap)
        blocks.append(Image(path="summary.png", alt=t("summary.chart_alt", channel=channel),
                            data=base64.b64encode(png).decode("ascii")))  # fmt: skip
    return Reply(text=plain_text(blocks), blocks=tuple(blocks), language=t.language)


def retro_prompt(t: Texts) -> Reply:
    blocks: list[Block] = [Heading(t("retro.title")), Paragraph(t("retro.intro"))]
    blocks.append(BulletList(tuple(f"{q}. {t(f'retro.q{q}')}" for q in QUESTIONS)))
    blocks.append(Paragraph(t("retro.how")))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))
