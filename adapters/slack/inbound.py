"""Slack payload -> Inbound: the Slack inbound translator (pure functions, no I/O).

Covers the ``/pilot`` slash command, ``app_mention`` and direct-message events, and
``block_actions`` (buttons, user selects). The workspace is the team the request came from, so
two workspaces never share a pilot. Mentions (``<@U123>`` or the escaped ``<@U123|name>``) become
one whitespace-free token each, listed in ``Inbound.mentions``. Each inbound carries a
de-duplication id that is the same when Slack retries the delivery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.slack.outbound import action_kind
from bot.messages import Inbound, PersonRef
from bot.services.views import HOME_SEP
from playbook.parsing.commands import normalise, split_keyword

PLATFORM = "slack"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_ROLES = ("champion", "modeler", "integrator")

Payload = Mapping[str, Any]


def team_of(body: Payload) -> str:
    """The workspace of a request: events and commands carry ``team_id``, interactivity ``team``."""
    team = body.get("team")
    found = (
        (team.get("id") if isinstance(team, Mapping) else None)
        or body.get("team_id")
        or (body.get("user") or {}).get("team_id")
        or (body.get("enterprise") or {}).get("id")
        or body.get("enterprise_id")
    )
    return str(found or "")


def mentions_in(text: str) -> tuple[str, dict[str, PersonRef]]:
    """Rewrite ``<@U1|name>`` to ``<@U1>`` and list each mentioned person once."""
    found: dict[str, PersonRef] = {}

    def keep(match: re.Match[str]) -> str:
        token = f"<@{match.group(1)}>"
        name = (match.group(2) or "").strip()
        if token not in found or name:
            found[token] = PersonRef(id=match.group(1), name=name)
        return token

    text = _MENTION.sub(keep, text)
    text = _CHANNEL_REF.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    return text, found


def without_bot(text: str, bot_user_id: str | None) -> str:
    """Remove the bot's own mention (anywhere when its id is known, else a leading one)."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    else:
        text = re.sub(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>", " ", text)
    return " ".join(text.split())


def command_name(text: str) -> str:
    """The command keyword's canonical name (``status``), or "" when there is none."""
    name, _, _ = split_keyword(normalise(text))
    return name or ""


def _inbound(
    body: Payload, *, channel: str, user: PersonRef, text: str, event_id: str | None,
    channel_name: str = "", direct: bool = False,
) -> Inbound:  # fmt: skip
    clean, mentions = mentions_in(text)
    team = body.get("team")
    domain = body.get("team_domain") or (team.get("domain") if isinstance(team, Mapping) else "")
    return Inbound(
        platform=PLATFORM,
        workspace=team_of(body),
        workspace_name=str(domain or ""),
        channel=channel,
        channel_name=channel_name,
        user=user,
        text=clean,
        mentions=mentions,
        event_id=event_id,
        direct=direct,
    )


def is_direct(channel: str) -> bool:
    return channel.startswith("D")


def from_command(body: Payload) -> Inbound:
    """A ``/pilot …`` slash command (form fields as a dict)."""
    channel = str(body.get("channel_id") or "")
    name = str(body.get("channel_name") or "")
    direct = is_direct(channel) or name == "directmessage"
    trigger = body.get("trigger_id")
    return _inbound(
        body,
        channel=channel,
        channel_name="" if direct or name == "privategroup" else name,
        user=PersonRef(id=str(body.get("user_id") or ""), name=str(body.get("user_name") or "")),
        text=str(body.get("text") or ""),
        event_id=f"command:{trigger}" if trigger else None,
        direct=direct,
    )


def from_message(body: Payload, bot_user_id: str | None) -> Inbound | None:
    """An ``app_mention`` or a direct message; None for messages the bot must not answer."""
    event = body.get("event") or {}
    if event.get("bot_id") or event.get("subtype") or not event.get("user"):
        return None  # edits, joins, bots (including ourselves)
    if event.get("user") == bot_user_id:
        return None
    channel = str(event.get("channel") or "")
    direct = event.get("channel_type") == "im" or is_direct(channel)
    text = without_bot(str(event.get("text") or ""), bot_user_id)
    return _inbound(
        body,
        channel=channel,
        user=PersonRef(id=str(event["user"])),
        text=text,
        event_id=f"message:{channel}:{event.get('ts')}" if event.get("ts") else None,
        direct=direct,
    )


def action_text(action: Payload) -> str | None:
    """The chat command a button or select stands for; None for anything else."""
    kind = action_kind(str(action.get("action_id") or ""))
    if kind == "done" and action.get("value"):
        return f"done {action['value']}"
    if kind == "snooze":
        return "snooze"
    if kind in ("build_extend", "build_shrink"):
        return kind.replace("_", " ")
    if kind == "home_done" and HOME_SEP in str(action.get("value") or ""):
        return "done " + str(action["value"]).rsplit(HOME_SEP, 1)[1]
    if kind == "home_status":
        return "status"
    role = kind.removeprefix("assign_")
    if role in _ROLES and action.get("selected_user"):
        return f"assign {role} <@{action['selected_user']}>"
    return None


def home_channel(action: Payload) -> str | None:
    """The pilot channel an App Home button names (``C…|N`` or ``C…``); None for others."""
    if not action_kind(str(action.get("action_id") or "")).startswith("home_"):
        return None
    return str(action.get("value") or "").split(HOME_SEP, 1)[0]


def interaction_place(body: Payload) -> tuple[str, bool]:
    """(channel, direct) of an interaction; the App Home has no channel and counts as direct."""
    channel = str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        or ""
    )  # fmt: skip
    return channel, not channel or is_direct(channel)


def actor(body: Payload) -> PersonRef:
    user = body.get("user") or {}
    return PersonRef(id=str(user.get("id") or ""), name=str(user.get("name") or ""))


def from_action(body: Payload, action: Payload) -> Inbound | None:
    """A ``block_actions`` click as the chat command it stands for."""
    text = action_text(action)
    if text is None:
        return None
    channel, direct = interaction_place(body)
    home = home_channel(action)
    if home is not None:  # the App Home: the button names the pilot, the answer is direct
        channel, direct = home, True
    trigger = body.get("trigger_id")
    ident = f"action:{trigger}" if trigger else None
    return _inbound(body, channel=channel, user=actor(body), text=text, event_id=ident,
                    direct=direct)  # fmt: skip


def from_form(body: Payload, channel: str, direct: bool, text: str, index: int) -> Inbound:
    """One check-in of a submitted modal (each metric is one command)."""
    trigger = body.get("trigger_id") or (body.get("view") or {}).get("hash")
    ident = f"view:{trigger}:{index}" if trigger else None
    return _inbound(body, channel=channel, user=actor(body), text=text, event_id=ident,
                    direct=direct)  # fmt: skip


def with_names(inbound: Inbound, names: Mapping[str, str]) -> Inbound:
    """The same inbound with display names looked up elsewhere (users.info)."""
    user = inbound.user
    if names.get(user.id):
        user = PersonRef(id=user.id, name=names[user.id])
    mentions = {
        token: PersonRef(id=p.id, name=names.get(p.id) or p.name)
        for token, p in inbound.mentions.items()
    }
    return replace(inbound, user=user, mentions=mentions)


def people_of(inbound: Inbound) -> list[str]:
    return [inbound.user.id, *(p.id for p in inbound.mentions.values())]
