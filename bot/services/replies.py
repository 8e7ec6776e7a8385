"""Answers that failed to send go to the outbox, so an acknowledged command is still answered.

A command's answer normally goes straight back (Slack's ``response_url``, an ephemeral message,
the Teams turn). When that send fails (a 500, a platform error, a timeout) the answer is written
to the outbox as a ``reply`` row and the dispatcher retries it with backoff like any nudge. The
target carries what the platform needs to try again (the ``response_url``, the Teams
conversation reference) and the message as it was rendered.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from bot import observability
from bot.clock import Clock
from bot.messages import ConversationRef, Reply
from bot.ports import AbstractUnitOfWorkFactory

log = logging.getLogger("pilot_coach.replies")

KIND = "reply"
FIRST_RETRY = timedelta(seconds=5)


async def queue_reply(
    uow: AbstractUnitOfWorkFactory, clock: Clock, ref: ConversationRef, reply: Reply, why: str
) -> None:
    """Write ``reply`` to the outbox for another try; ``why`` names the failure (no user text)."""
    now = clock.now()
    async with uow() as unit:
        await unit.outbox.enqueue(
            {
                "dedupe_key": f"{KIND}:{uuid.uuid4().hex}",
                "pilot_id": None,
                "person_id": None,
                "week": 0,
                "kind": KIND,
                "target": ref.to_json(),
                "payload": reply.to_json(),
                "due_at": now,
                "next_attempt_at": now + FIRST_RETRY,
            }
        )
        await unit.commit()
    observability.REPLIES_QUEUED.labels(ref.platform).inc()
    log.warning("answer not delivered, queued for retry platform=%s workspace=%s error=%s",
                ref.platform, ref.workspace, why)  # fmt: skip
