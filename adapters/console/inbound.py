"""Console line -> Inbound: ``@name`` tokens become mentions of people named ``name``."""

from __future__ import annotations

import re

from bot.messages import Inbound, PersonRef

WORKSPACE = "local"
_MENTION = re.compile(r"@([\w.-]+)")


def person(name: str) -> PersonRef:
    name = name.lstrip("@")
    return PersonRef(id=name.lower(), name=name)


def to_inbound(text: str, user: str, channel: str) -> Inbound:
    mentions = {f"@{m}": person(m) for m in _MENTION.findall(text)}
    return Inbound(
        platform="console",
        workspace=WORKSPACE,
        workspace_name="console",
        channel=channel,
        channel_name=channel,
        user=person(user),
        text=text,
        mentions=mentions,
    )
