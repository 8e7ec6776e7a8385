"""Metric values pushed by automation tools (Zapier, Make, Workato, n8n).

``POST /hooks/metrics/{pilot_id}`` with ``Authorization: Bearer <token>`` and JSON
``{"metric": "...", "value": 5.5, "at": "...", "note": "...", "idempotency_key": "..."}``.
The URL of any cycle of a channel reaches that channel's current cycle (the token follows
``next cycle``). A wrong token (or a pilot that does not exist) is 401, bad input 422 with the
reason, a repeated idempotency key is stored once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.catalog import texts
from bot.clock import Clock
from bot.services.cycle import token_matches
from playbook import calendar, rules
from playbook.parsing.numbers import MAX_NOTE, Problem, parse_measurement
from storage.repositories import UnitOfWorkFactory
from storage.tables import Checkin

log = logging.getLogger("pilot_coach.webhook")

MAX_KEY = 200


@dataclass(frozen=True)
class HookResult:
    status: int
    body: dict[str, Any]


def _bad(t_key: str, language: str, **params: str) -> HookResult:
    return HookResult(422, {"error": t_key, "message": texts(language)(t_key, **params)})


async def push_metric(
    uow: UnitOfWorkFactory, clock: Clock, pilot_id: int, token: str, data: object
) -> HookResult:
    now = clock.now()
    async with uow() as unit:
        repo = unit.repo
        # One token per channel's pilot series: the URL of any cycle reaches the channel's
        # newest one, and only with that cycle's token (next cycle carries it over).
        named = await repo.pilot(pilot_id)
        pilot = await repo.current_pilot(named.workspace_id, named.channel_id) if named else None
        if pilot is None or pilot.id is None or not token_matches(token, pilot.webhook_token_hash):
            return HookResult(401, {"error": "unauthorized"})
        lang = pilot.language
        if not isinstance(data, dict):
            return _bad("hook.not_an_object", lang)
        if pilot.status != "open":
            return _bad("hook.closed", lang)
        metrics = await repo.metrics(pilot.id)
        if not metrics:
            return _bad("hook.no_metrics", lang)
        name = data.get("metric")
        found = (
            rules.find_metric([m.name for m in metrics], name) if isinstance(name, str) else None
        )
        if found is None or found[1]:
            names = ", ".join(m.name for m in metrics)
            return _bad("hook.unknown_metric", lang, value=str(name)[:40], names=names)
        metric = next(m for m in metrics if m.name == found[0])
        value = data.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return _bad("checkin.not_a_number", lang, value=str(value)[:40])
        measured = parse_measurement(str(value), metric.unit, lang)
        if isinstance(measured, Problem):
            return _bad(measured.key, lang, **measured.params)
        note = data.get("note", "")
        key = data.get("idempotency_key")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            return _bad("checkin.note_too_long", lang, max=str(MAX_NOTE))
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY):
            return _bad("hook.bad_key", lang, max=str(MAX_KEY))
        at = _parse_at(data.get("at"), now)
        if at is None:
            return _bad("hook.bad_at", lang)
        week = calendar.pilot_week(pilot.start_date, at, pilot.timezone)
        if week < 1:
            return _bad("checkin.before_start", lang)
        assert metric.id is not None
        written = await repo.insert_ignore(
            Checkin,
            {"pilot_id": pilot.id, "metric_id": metric.id, "person_id": None, "week": week,
             "value": float(measured.value), "note": note.strip(), "source": "webhook",
             "idempotency_key": key, "recorded_at": at},
        )  # fmt: skip
        await unit.commit()
    log.info("metric pushed url_pilot=%s pilot=%s metric=%s week=%s duplicate=%s", pilot_id,
             pilot.id, metric.id, week, not written)  # fmt: skip
    if not written:
        return HookResult(200, {"status": "duplicate", "week": week})
    return HookResult(201, {"status": "recorded", "metric": metric.name, "week": week,
                            "value": float(measured.value)})  # fmt: skip


def _parse_at(raw: object, now: datetime) -> datetime | None:
    if raw is None:
        return now
    if not isinstance(raw, str):
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at if at <= now + timedelta(days=1) else None
