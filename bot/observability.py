"""Prometheus metrics: commands by platform and outcome, deliveries, outbox age, HTTP latency.

Served at ``GET /metrics`` by ``serve``. Labels are low-cardinality on purpose (no pilot or
user ids): per-pilot detail belongs in the logs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

COMMANDS = Counter(
    "pilot_coach_commands_total", "Chat commands handled", ["platform", "command", "outcome"]
)
ENQUEUED = Counter("pilot_coach_nudges_enqueued_total", "Proactive messages written to the outbox")
SENT = Counter("pilot_coach_deliveries_sent_total", "Messages delivered", ["platform", "kind"])
FAILED = Counter(
    "pilot_coach_deliveries_failed_total", "Delivery attempts that failed", ["platform", "kind",
                                                                            "permanent"]
)  # fmt: skip
OUTBOX_AGE = Gauge(
    "pilot_coach_outbox_oldest_due_seconds", "Age of the oldest due but unsent outbox row"
)
INFLIGHT = Gauge("pilot_coach_inflight", "Commands accepted and not yet answered")
BUSY = Counter("pilot_coach_busy_total", "Commands answered busy (the in-flight bound was reached)")
REPLIES_QUEUED = Counter(
    "pilot_coach_replies_queued_total", "Answers that failed to send and went to the outbox",
    ["platform"],
)  # fmt: skip
HTTP_LATENCY = Histogram(
    "pilot_coach_http_request_seconds", "HTTP request latency", ["route", "method", "status"]
)


@web.middleware
async def measure(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        HTTP_LATENCY.labels(route, request.method, str(status)).observe(
            time.perf_counter() - started
        )


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
