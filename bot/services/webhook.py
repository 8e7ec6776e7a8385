"""Metric values pushed by automation tools (Zapier, Make, Workato, n8n).

``POST /hooks/metrics/{pilot_id}`` with ``Authorization: Bearer <token>`` and JSON
``{"metric": "...", "value": 5.5, "at": "...", "note": "...", "idempotency_key": "..."}``.
The URL of any cycle of a channel reaches that channel's current cycle (the token follows
``next cycle``). A wrong token (or a pilot that does not exist) is 401, bad input 422 with the
reason, a repeated idempotency key is stored once. A JSON number is the number it is; only a
string value is read in the pilot's locale (``"6,5"`` in German), like a chat check-in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.catalog import texts
from bot.clock import Clock
from bot.messages import clean_text
from bot.services.cycle import token_matches
from playbook import calendar, rules
from playbook.parsing.numbers import MAX_NOTE, Problem, parse_measurement, value_problem
from storage.repositories import UnitOfWorkFactory
from storage.tables import Checkin

log = logging.getLogger("pilot_coach.webhook")

MAX_KEY = 200
# How far "at" may lie from now: a late push of last year's value, or clocks a day apart.
MAX_AT_AGE = timedelta(days=366)
MAX_AT_AHEAD = timedelta(days=1)


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
        # One token per channel's pilot series: the URL of any cycle reaches the channel's
        # newest one, and only with that cycle's token (next cycle carries it over).
        named = await unit.pilots.pilot(pilot_id)
        pilot = (
            await unit.pilots.current_pilot(named.workspace_id, named.channel_id) if named else None
        )
        if pilot is None or pilot.id is None or not token_matches(token, pilot.webhook_token_hash):
            return HookResult(401, {"error": "unauthorized"})
        # Then under the channel's lock, like a chat check-in, and read again: no command is
        # halfway through this pilot (or its next cycle) while the value is stored.
        workspace = await unit.workspaces.workspace_by_id(pilot.workspace_id)
        assert workspace is not None
        await unit.lock(workspace.platform, workspace.external_id, pilot.channel_id)
        pilot = await unit.pilots.current_pilot(pilot.workspace_id, pilot.channel_id)
        if pilot is None or pilot.id is None or not token_matches(token, pilot.webhook_token_hash):
            return HookResult(401, {"error": "unauthorized"})
        await unit.refresh(pilot)
        lang = pilot.language
        if not isinstance(data, dict):
            return _bad("hook.not_an_object", lang)
        if pilot.status != "open":
            return _bad("hook.closed", lang)
        metrics = await unit.metrics.metrics(pilot.id)
        if not metrics:
            return _bad("hook.no_metrics", lang)
        name = data.get("metric")
        name = clean_text(name) if isinstance(name, str) else name
        found = (
            rules.find_metric([m.name for m in metrics], name) if isinstance(name, str) else None
        )
        if found is None or found[1]:
            names = ", ".join(m.name for m in metrics)
            return _bad("hook.unknown_metric", lang, value=str(name)[:40], names=names)
        metric = next(m for m in metrics if m.name == found[0])
        measured = _value(data.get("value"), metric.unit, lang)
        if isinstance(measured, Problem):
            return _bad(measured.key, lang, **measured.params)
        note = data.get("note", "")
        note = clean_text(note) if isinstance(note, str) else note
        key = data.get("idempotency_key")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            return _bad("checkin.note_too_long", lang, max=str(MAX_NOTE))
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY
                                or clean_text(key) != key):  # fmt: skip
            return _bad("hook.bad_key", lang, max=str(MAX_KEY))
        at = _parse_at(data.get("at"), now)
        if at is None:
            return _bad("hook.bad_at", lang)
        if not now - MAX_AT_AGE <= at <= now + MAX_AT_AHEAD:
            return _bad("hook.at_out_of_range", lang, value=str(data.get("at"))[:40])
        week = calendar.pilot_week(pilot.start_date, at, pilot.timezone)
        if week < 1:
            return _bad("checkin.before_start", lang)
        assert metric.id is not None
        written = await unit.insert_ignore(
            Checkin,
            {"pilot_id": pilot.id, "metric_id": metric.id, "person_id": None, "week": week,
             "value": float(measured), "note": note.strip(), "source": "webhook",
             "idempotency_key": key, "recorded_at": at},
        )  # fmt: skip
        if written:  # one value per metric and week: the latest recorded replaces the others
            await unit.metrics.supersede_week(pilot.id, metric.id, week)
        await unit.commit()
    log.info("metric pushed url_pilot=%s pilot=%s metric=%s week=%s duplicate=%s", pilot_id,
             pilot.id, metric.id, week, not written)  # fmt: skip
    if not written:
        return HookResult(200, {"status": "duplicate", "week": week})
    return HookResult(201, {"status": "recorded", "metric": metric.name, "week": week,
                            "value": float(measured)})  # fmt: skip


def _value(value: object, unit: str, language: str) -> Decimal | Problem:
    """A JSON number as the number it is (``2.125``, ``1e-05``), a string as a chat check-in
    reads it (in the pilot's locale, with an optional unit word); ``true`` is no number."""
    if isinstance(value, str):
        measured = parse_measurement(clean_text(value), unit, language)
        return measured if isinstance(measured, Problem) else measured.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Problem("checkin.not_a_number", {"value": str(value)[:40]})
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    return value_problem(number, unit, repr(value)[:40]) or number


def _parse_at(raw: object, now: datetime) -> datetime | None:
    if raw is None:
        return now
    if not isinstance(raw, str):
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
