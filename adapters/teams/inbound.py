"""Teams Activity JSON -> neutral ``Inbound``, card submits -> chat commands. Pure functions.

Works on the Activity JSON exactly as Teams posts it (camelCase keys), not on SDK objects, so the
translation outlives any Bot Framework SDK. Teams specifics handled here:

- the tenant is the workspace (``channelData.tenant.id``, else ``conversation.tenantId``);
- a channel's conversation id carries the thread (``19:…@thread.tacv2;messageid=…``); the pilot
  belongs to the channel, so the ``;messageid=`` part is dropped;
- ``<at>Name</at>`` mention markup: the bot's own mention is removed, every other mention
  becomes one whitespace-free token (``@mention1``) that ``Inbound.mentions`` maps to the person;
- people are keyed by their Bot Framework id (``29:…``), the id mention entities carry as well
  and the one a 1:1 conversation is created with.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.messages import Inbound, PersonRef

PLATFORM = "teams"
NO_TENANT = "no-tenant"  # Bot Framework Emulator and other channels without a tenant

ActivityJson = dict[str, Any]

_TAG = re.compile(r"<[^>]+>")
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.S)
_SPACE = re.compile(r"[ \t\u00a0]+")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def tenant_of(activity: ActivityJson) -> str:
    tenant = _str(_dict(_dict(activity.get("channelData")).get("tenant")).get("id"))
    return tenant or _str(_dict(activity.get("conversation")).get("tenantId")) or NO_TENANT


def channel_key(activity: ActivityJson) -> str:
    """The conversation without its thread: where the pilot lives and new posts go."""
    return _str(_dict(activity.get("conversation")).get("id")).split(";", 1)[0]


def is_personal(activity: ActivityJson) -> bool:
    conversation = _dict(activity.get("conversation"))
    kind = _str(conversation.get("conversationType"))
    return kind == "personal" if kind else not conversation.get("isGroup", False)


def person_of(account: dict[str, Any]) -> PersonRef:
    return PersonRef(id=_str(account.get("id")), name=_str(account.get("name")))


def bot_id(activity: ActivityJson) -> str:
    return _str(_dict(activity.get("recipient")).get("id"))


def event_id(activity: ActivityJson) -> str | None:
    """A delivery id unique across tenants and conversations (Teams message ids are per
    conversation, and one tenant must never swallow another's message by reusing its id)."""
    raw = _str(activity.get("id"))
    if not raw:
        return None
    where = f"{tenant_of(activity)}\n{channel_key(activity)}"
    scope = hashlib.sha256(where.encode()).hexdigest()[:16]
    return f"{scope}:{raw}"[:200]


def mentions_of(activity: ActivityJson) -> list[tuple[str, PersonRef]]:
    """(markup as it appears in the text, person) for every mention of someone but the bot."""
    found = []
    for entity in activity.get("entities") or []:
        entity = _dict(entity)
        mentioned = _dict(entity.get("mentioned"))
        if entity.get("type") != "mention" or not mentioned.get("id"):
            continue
        if mentioned.get("id") == bot_id(activity):
            continue
        found.append((_str(entity.get("text")), person_of(mentioned)))
    return found


def clean_text(activity: ActivityJson) -> tuple[str, dict[str, PersonRef]]:
    """The command text with the bot's mention removed and people as ``@mentionN`` tokens."""
    text = _str(activity.get("text"))
    for entity in activity.get("entities") or []:
        entity = _dict(entity)
        mentioned = _dict(entity.get("mentioned"))
        if entity.get("type") == "mention" and mentioned.get("id") == bot_id(activity):
            text = text.replace(_str(entity.get("text")), " ", 1) if entity.get("text") else text
    tokens: dict[str, PersonRef] = {}
    by_person: dict[str, str] = {}
    for markup, person in mentions_of(activity):
        token = by_person.setdefault(person.id, f"@mention{len(by_person) + 1}")
        tokens[token] = person
        if markup:
            text = text.replace(markup, f" {token} ", 1)
    bot_name = _str(_dict(activity.get("recipient")).get("name"))
    text = _AT.sub(lambda m: " " if html.unescape(m.group(1)).strip() == bot_name else m.group(1),
                   text)  # fmt: skip
    text = html.unescape(_TAG.sub(" ", text))
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return " ".join(line for line in lines if line), tokens


def channel_label(activity: ActivityJson) -> str:
    """A readable name for the conversation, when the activity carries one (Teams sends the
    channel name only on some events; the team name comes with conversationUpdate)."""
    channel_data = _dict(activity.get("channelData"))
    return (
        _str(_dict(channel_data.get("channel")).get("name"))
        or _str(_dict(activity.get("conversation")).get("name"))
        or _str(_dict(channel_data.get("team")).get("name"))
    )


def to_inbound(activity: ActivityJson, text: str | None = None, event_suffix: str = "") -> Inbound:
    """One Inbound for this activity; ``text`` replaces the typed text (card submits)."""
    cleaned, mentions = clean_text(activity)
    delivery = event_id(activity)
    return Inbound(
        platform=PLATFORM,
        workspace=tenant_of(activity),
        channel=channel_key(activity),
        channel_name=channel_label(activity),
        user=person_of(_dict(activity.get("from"))),
        text=cleaned if text is None else text,
        mentions=mentions if text is None else {},
        event_id=f"{delivery}{event_suffix}" if delivery else None,
        direct=is_personal(activity),
    )


def reference_of(activity: ActivityJson, user: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Bot Framework ConversationReference (JSON) for proactive messages to this conversation.

    The thread suffix and the activity id are left out: a proactive message starts a new post.
    """
    conversation = dict(_dict(activity.get("conversation")))
    conversation["id"] = channel_key(activity)
    conversation.setdefault("tenantId", tenant_of(activity))
    return {
        "user": user if user is not None else _dict(activity.get("from")),
        "bot": _dict(activity.get("recipient")),
        "conversation": conversation,
        "channelId": _str(activity.get("channelId")) or "msteams",
        "serviceUrl": _str(activity.get("serviceUrl")),
        "locale": _str(activity.get("locale")) or None,
    }


def members_added(activity: ActivityJson) -> list[dict[str, Any]]:
    return [_dict(m) for m in activity.get("membersAdded") or [] if _dict(m).get("id")]


def members_removed(activity: ActivityJson) -> list[dict[str, Any]]:
    return [_dict(m) for m in activity.get("membersRemoved") or [] if _dict(m).get("id")]


def bot_added(activity: ActivityJson) -> bool:
    return any(m.get("id") == bot_id(activity) for m in members_added(activity))


# ---- card submits -------------------------------------------------------------------------


@dataclass(frozen=True)
class CardSubmit:
    """What a card button sent: ``action`` plus its data and the card's input values."""

    action: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_checkin_form(self) -> bool:
        """A check-in card's own submit (carries the metric names), not the nudge's button."""
        return self.action == "checkin" and isinstance(self.data.get("metrics"), list)


def submit_of(activity: ActivityJson) -> CardSubmit | None:
    """Action.Submit (a message with ``value``) or Action.Execute (invoke adaptiveCard/action)."""
    value = _dict(activity.get("value"))
    if activity.get("type") == "invoke":
        action = _dict(value.get("action"))
        data = dict(_dict(action.get("data")))
        verb = _str(action.get("verb")) or _str(data.get("action"))
        return CardSubmit(verb, data) if verb else None
    name = _str(value.get("action"))
    return CardSubmit(name, dict(value)) if name else None


def metric_inputs(submit: CardSubmit) -> list[tuple[int, str, str]]:
    """(input index, metric name, typed value) of a check-in card submit, in card order."""
    names = submit.data.get("metrics")
    if not isinstance(names, list):
        return []
    return [(i, str(name), str(submit.data.get(f"value{i}", "")).strip())
            for i, name in enumerate(names)]  # fmt: skip


def filled_metrics(submit: CardSubmit) -> list[tuple[int, str, str]]:
    """The check-in inputs that were filled in; one ``checkin`` command each."""
    return [entry for entry in metric_inputs(submit) if entry[2]]


def local_number(raw: str, language: str) -> str:
    """A card's number input (always ``6.5``) in the pilot's spelling (``6,5`` in German)."""
    try:
        Decimal(raw)
    except InvalidOperation:
        return raw  # not a number: the coach names the problem
    return raw.replace(".", ",") if language == "de" else raw


def submit_commands(submit: CardSubmit, language: str) -> list[str]:
    """The chat commands a card submit stands for ([] for the nudge's "Check in" button)."""
    if submit.action == "done":
        return [f"done {_str(submit.data.get('task'))}".strip()]
    if submit.action in ("snooze", "status", "tasks", "results", "help", "start"):
        return [submit.action]
    if submit.action in ("build_extend", "build_shrink"):
        return [submit.action.replace("_", " ")]
    if submit.is_checkin_form:
        note = " ".join(_str(submit.data.get("note")).split())
        filled = filled_metrics(submit)
        if not filled:  # nothing typed: let the coach say what is missing
            first = metric_inputs(submit)[0][1] if metric_inputs(submit) else ""
            return [f"checkin {first}".strip()]
        return [f"checkin {name} {local_number(value, language)} {note}".strip()
                for _, name, value in filled]  # fmt: skip
    return [] if submit.action == "checkin" else ["help"]
