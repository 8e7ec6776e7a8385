"""The end of a pilot and what follows: results, retrospective answers, the webhook token for
automation tools, and the next 90-day cycle with the same roles."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from bot.chart import chart_png
from bot.messages import ConversationRef, File, Paragraph, Reply, channel_mention
from bot.report import summary_html
from bot.services import views
from bot.services.canvas_sync import PLATFORM as CANVAS_PLATFORM
from bot.services.canvas_sync import open_canvas
from bot.services.canvas_views import results_doc
from bot.services.handlers import Result, Turn, resolve
from bot.services.privacy import anonymous_name, championed_pilots, forget, forget_in_pilots
from bot.services.results import load_summary
from bot.services.snapshot import Snapshot
from bot.services.summary_views import results_reply
from playbook import calendar
from playbook.parsing import commands as cmd
from playbook.parsing.numbers import Problem
from storage.tables import Pilot, Process

TOKEN_PREFIX = "pcm_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str | None) -> bool:
    return stored_hash is not None and hmac.compare_digest(hash_token(token), stored_hash)


async def results(turn: Turn, snap: Snapshot, _parsed: Any) -> Result:
    return [results_reply(turn.t, await load_summary(turn.uow, snap))]


async def retro(turn: Turn, snap: Snapshot, parsed: cmd.Retro) -> Result:
    assert turn.person.id is not None
    await turn.uow.retro.save_retro(snap.pilot_id, turn.person.id, parsed.question, parsed.text,
                               turn.now)  # fmt: skip
    question = turn.t(f"retro.q{parsed.question}")
    return [views.text_reply(turn.t("retro.saved", question=question))]


async def metric_token(turn: Turn, snap: Snapshot, _parsed: Any) -> Result:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    snap.pilot.webhook_token_hash = hash_token(token)
    turn.uow.save(snap.pilot)
    text = turn.t("token.created", token=token, path=f"/hooks/metrics/{snap.pilot_id}")
    return [Reply(text=text, blocks=(Paragraph(text),), private=True)]


async def next_cycle(turn: Turn, snap: Snapshot, _parsed: Any) -> Result:
    """Close the pilot and open the next cycle. A cycle that has not begun is not closed: a
    second ``next cycle`` sent with the first (they run one after the other) changes nothing."""
    old = snap.pilot
    if snap.week < 1:
        return Problem("cycle.not_started", {"date": turn.t.date(old.start_date)})
    old.status, old.closed_at = "closed", turn.now
    turn.uow.save(old)
    today = calendar.local_date(turn.now, old.timezone)
    start = calendar.monday_of(today) + timedelta(weeks=1)
    new = Pilot(
        workspace_id=old.workspace_id, channel_id=old.channel_id, channel_name=old.channel_name,
        cycle=old.cycle + 1, start_date=start, timezone=old.timezone, language=old.language,
        nudge_weekday=old.nudge_weekday, nudge_time=old.nudge_time, region=old.region,
        hourly_rate=old.hourly_rate, webhook_token_hash=old.webhook_token_hash,
        created_at=turn.now,
    )  # fmt: skip
    await turn.uow.add(new)
    assert new.id is not None
    await open_canvas(turn.uow, turn.inbound.platform, new.id, old.id)
    for role, person in snap.owners.items():
        assert person.id is not None
        await turn.uow.pilots.set_role(new.id, role.value, person.id, turn.person.id, turn.now)
    remaining = [p for p in snap.processes if p.id != old.chosen_process_id]
    for position, process in enumerate(remaining, start=1):
        await turn.uow.add(
            Process(pilot_id=new.id, position=position, name=process.name,
                    inputs=process.inputs, outputs=process.outputs,
                    hours_per_week=process.hours_per_week, created_by=process.created_by)
        )  # fmt: skip
    turn.pilot = new
    t = turn.t
    key = "cycle.opened" if remaining else "cycle.opened_none"
    text = t(key, cycle=new.cycle, date=t.date(start), old=old.id, count=len(remaining))
    if new.webhook_token_hash is not None:  # the token follows the channel (webhook.py)
        text += "\n" + t("cycle.webhook", path=f"/hooks/metrics/{old.id}", cycle=new.cycle)
    return [views.text_reply(text)]


async def forget_person(turn: Turn, snap: Snapshot, parsed: cmd.Forget) -> Result:
    """A champion's ``forget @person``: that person's data in the pilots the caller champions
    (this channel's series included), nowhere else. Erasing someone workspace-wide is the
    operator's ``pilot-coach forget --user``."""
    ref = resolve(turn.inbound, parsed.target)
    if ref is None:
        return Problem("assign.unknown_person", {"value": parsed.target[:40]})
    person = await turn.uow.people.existing_person(snap.pilot.workspace_id, ref.id)
    if person is None or person.id is None:
        return Problem("forget.unknown", {"value": parsed.target[:40]})
    if person.id == turn.person.id:
        return await forget_me(turn, snap, cmd.ForgetMe())
    assert turn.person.id is not None
    pilots = await championed_pilots(turn.uow, turn.person.id)
    label = await forget_in_pilots(turn.uow, person, pilots, turn.now)
    if label is None:
        return Problem("forget.not_yours", {"name": views.name_of(person)})
    return [views.text_reply(turn.t("forget.done", name=label))]


async def forget_me(turn: Turn, snap: Snapshot, _parsed: cmd.ForgetMe) -> Result:
    """``forget me``: the caller's own names, notes and answers, in every pilot."""
    assert turn.person.id is not None
    label = anonymous_name(turn.person.id)
    await forget(turn.uow, turn.person, turn.now)
    return [Reply(text=(text := turn.t("forget.done_me", name=label)), blocks=(Paragraph(text),),
                  private=True)]  # fmt: skip


async def announce(turn: Turn, snap: Snapshot, parsed: cmd.Announce) -> Result:
    """Post the results summary channel-wide: chart, headline facts and the HTML one-pager.
    Announcing again in the same channel updates that message instead of posting twice."""
    workspace = await turn.uow.workspaces.workspace_by_id(snap.pilot.workspace_id)
    assert workspace is not None
    channel = channel_of(parsed.channel) or snap.pilot.channel_id
    summary = await load_summary(turn.uow, snap)
    png = await asyncio.to_thread(chart_png, snap)
    reply = results_reply(turn.t, summary, png=png, notify=True)
    html = base64.b64encode(summary_html(summary, png).encode("utf-8")).decode("ascii")
    blocks = (*reply.blocks, File(name="summary.html", mime="text/html", data=html))
    payload = Reply(text=reply.text, blocks=blocks, language=turn.t.language,
                    scheduled_for=turn.now.astimezone(snap.schedule.tz))  # fmt: skip
    ref = ConversationRef(platform=workspace.platform, workspace=workspace.external_id,
                          channel=channel)  # fmt: skip
    again = await turn.uow.outbox.announce(
        {"dedupe_key": f"{snap.pilot_id}:#{channel}:0:announce", "pilot_id": snap.pilot_id,
         "person_id": None, "week": snap.week, "kind": "announce", "target": ref.to_json(),
         "payload": payload.to_json(), "due_at": turn.now, "next_attempt_at": turn.now},
        turn.now,
    )  # fmt: skip
    if workspace.platform == CANVAS_PLATFORM:  # the results become a canvas of their own
        await turn.uow.canvases.set_results_doc(
            snap.pilot_id, results_doc(turn.t, summary).to_json()
        )
    key = "announce.updated" if again else "announce.queued"
    known = channel == snap.pilot.channel_id
    name = channel_label(parsed.channel) or (snap.pilot.channel_name if known else "")
    return [views.text_reply(turn.t(key, channel=channel_mention(channel, name)))]


def channel_label(token: str | None) -> str:
    """``<#C123|general>`` -> ``general``; ``#general`` -> ``general``; ``<#C123>`` -> ``""``."""
    if not token:
        return ""
    token = token.strip()
    if token.startswith("<#") and token.endswith(">"):
        return token[2:-1].partition("|")[2]
    return token.lstrip("#")


def channel_of(token: str | None) -> str | None:
    """``<#C123|general>`` (Slack) -> ``C123``; ``#general`` -> ``general``."""
    if not token:
        return None
    token = token.strip()
    if token.startswith("<#") and token.endswith(">"):
        return token[2:-1].split("|", 1)[0] or None
    return token.lstrip("#") or None
