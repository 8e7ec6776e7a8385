"""Platform-neutral messages: what adapters hand to the bot and what the bot hands back."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# C0 control characters (but TAB and LF), DEL and the C1 block: nothing a person types needs them,
# PostgreSQL refuses NUL in text, and the core's mention tokens (below) are made of them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` from outside (a platform, a webhook, a terminal) without control characters;
    CR LF and lone CR become LF. Applied at the edge, so no stored or rendered text has them."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# ---- mentions: tokens only the core writes ---------------------------------------------------
# A person or channel the core names is written into reply text as a token made of control
# characters, which ``clean_text`` removes from everything that comes in: typed text can never
# forge one. Adapters render tokens (Slack ``<@U…>``, Teams ``<at>``, the console ``@name``) and
# treat every other character as inert text.
_OPEN, _SEP, _CLOSE = "\x02", "\x1f", "\x03"
_TOKEN = re.compile("\x02([@~#])([^\x02\x03\x1f]*)\x1f([^\x02\x03\x1f]*)\x03")
NOTIFY, QUIET, CHANNEL = "@", "~", "#"


@dataclass(frozen=True)
class Mention:
    """A token's content: ``kind`` is NOTIFY (a mention that notifies the person), QUIET (the
    person named without a notification) or CHANNEL."""

    kind: str
    id: str
    name: str

    @property
    def label(self) -> str:
        """``@Name`` / ``#name``: how the mention reads as plain text."""
        return ("#" if self.kind == CHANNEL else "@") + (self.name or self.id)


def mention(person_id: str, name: str = "", *, notify: bool = False) -> str:
    """A person named in a reply: a real mention where ``notify`` (the platform notifies them),
    else their name, linked to the person where the platform can do that without a ping."""
    kind = NOTIFY if notify else QUIET
    return f"{_OPEN}{kind}{_token_part(person_id)}{_SEP}{_token_part(name)}{_CLOSE}"


def channel_mention(channel_id: str, name: str = "") -> str:
    return f"{_OPEN}{CHANNEL}{_token_part(channel_id)}{_SEP}{_token_part(name)}{_CLOSE}"


def _token_part(value: str) -> str:
    return clean_text(value).replace("\n", " ")


def split_mentions(text: str) -> list[str | Mention]:
    """``text`` as plain runs and the mentions between them (empty runs left out)."""
    parts: list[str | Mention] = []
    last = 0
    for match in _TOKEN.finditer(text):
        if match.start() > last:
            parts.append(text[last : match.start()])
        parts.append(Mention(match.group(1), match.group(2), match.group(3)))
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return parts


def render_mentions(
    text: str,
    mention_as: Callable[[Mention], str],
    inert: Callable[[str], str] = lambda run: run,
) -> str:
    """``text`` with each token as ``mention_as`` writes it and every other run through
    ``inert`` (the platform's escaping), so only core-made mentions become mentions."""
    if _OPEN not in text:
        return inert(text)
    return "".join(
        mention_as(part) if isinstance(part, Mention) else inert(part)
        for part in split_mentions(text)
    )


def plain_text(text: str) -> str:
    """``text`` with mentions as ``@Name`` / ``#name``: for files, logs and plain-text surfaces."""
    return render_mentions(text, lambda m: m.label)


@dataclass(frozen=True)
class PersonRef:
    """A person as the platform knows them."""

    id: str
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", clean_text(self.id))
        object.__setattr__(self, "name", clean_text(self.name))


@dataclass(frozen=True)
class ConversationRef:
    """Where a reply or a proactive message goes: a channel, or a person (DM) when ``channel`` is
    None. ``extra`` carries platform data an adapter needs (Teams service URL, Slack thread)."""

    platform: str
    workspace: str
    channel: str | None = None
    user: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "workspace": self.workspace, "channel": self.channel,
                "user": self.user, "extra": dict(self.extra)}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationRef:
        return cls(
            platform=data["platform"],
            workspace=data["workspace"],
            channel=data.get("channel"),
            user=data.get("user"),
            extra=dict(data.get("extra") or {}),
        )


@dataclass(frozen=True)
class Inbound:
    """One message (or structured action) from a person in a channel."""

    platform: str
    workspace: str
    channel: str
    user: PersonRef
    text: str
    channel_name: str = ""
    workspace_name: str = ""
    mentions: dict[str, PersonRef] = field(default_factory=dict)  # raw token -> person
    event_id: str | None = None  # platform's delivery id, for de-duplication
    direct: bool = False  # a DM / personal chat rather than a channel

    def __post_init__(self) -> None:  # the edge: no platform text keeps control characters
        for name in ("channel", "text", "channel_name", "workspace_name"):
            object.__setattr__(self, name, clean_text(getattr(self, name)))
        object.__setattr__(self, "mentions", {clean_text(k): v for k, v in self.mentions.items()})


# ---- reply structure: a small block model every adapter can render -------------------------


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Fields:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # e.g. "done", "snooze", "checkin"
    value: str = ""


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Image:
    path: str  # a URL, or a file name for ``data``
    alt: str
    data: str = ""  # base64 PNG, when the image travels with the message (charts)


@dataclass(frozen=True)
class File:
    """A document that travels with the message (the HTML one-pager of the results)."""

    name: str
    mime: str
    data: str  # base64


@dataclass(frozen=True)
class Table:
    """Rows of cells under a header row (the metrics: baseline, target, current, change)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Series:
    """One line of a chart: a name and one value per x label (None: no value that week)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class LineChart:
    """A metric over the weeks as data, for platforms that draw charts themselves (Teams);
    the others show the PNG of the ``Image`` block that travels alongside."""

    title: str
    labels: tuple[str, ...]  # the x axis: "W1", "W2", ...
    series: tuple[Series, ...]


Block = Heading | Paragraph | Fields | BulletList | Actions | Image | File | Table | LineChart

_BLOCK_TYPES: dict[str, type[Any]] = {
    "heading": Heading,
    "paragraph": Paragraph,
    "fields": Fields,
    "list": BulletList,
    "actions": Actions,
    "image": Image,
    "file": File,
    "table": Table,
    "line_chart": LineChart,
}
_BLOCK_NAMES = {cls: name for name, cls in _BLOCK_TYPES.items()}


def _block_json(block: Block) -> dict[str, Any]:
    """A block as JSON (hand-written: ``dataclasses.asdict`` is slow on the fan-out path)."""
    data: dict[str, Any] = {"type": _BLOCK_NAMES[type(block)]}
    if isinstance(block, Fields):
        data["pairs"] = [list(p) for p in block.pairs]
    elif isinstance(block, BulletList):
        data["items"] = list(block.items)
    elif isinstance(block, Actions):
        data["buttons"] = [{"label": b.label, "action": b.action, "value": b.value}
                           for b in block.buttons]  # fmt: skip
    elif isinstance(block, Image):
        data.update(path=block.path, alt=block.alt, data=block.data)
    elif isinstance(block, File):
        data.update(name=block.name, mime=block.mime, data=block.data)
    elif isinstance(block, Table):
        data.update(header=list(block.header), rows=[list(r) for r in block.rows])
    elif isinstance(block, LineChart):
        data.update(title=block.title, labels=list(block.labels),
                    series=[{"name": x.name, "values": list(x.values)}
                            for x in block.series])  # fmt: skip
    else:
        data["text"] = block.text
    return data


@dataclass(frozen=True)
class Reply:
    """A message for a person or channel: structured blocks plus a plain-text fallback."""

    text: str
    blocks: tuple[Block, ...] = ()
    scheduled_for: datetime | None = None  # pilot-local slot of a proactive message
    problem: str | None = None  # catalog key when this reply refuses the input (nothing stored)
    private: bool = False  # only for the person who asked (Slack: ephemeral), e.g. a secret
    language: str | None = None  # the pilot's language, for texts an adapter adds (buttons)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "blocks": [_block_json(b) for b in self.blocks],
            "scheduled_for": self.scheduled_for.isoformat() if self.scheduled_for else None,
            "scheduled_zone": getattr(
                self.scheduled_for and self.scheduled_for.tzinfo, "key", None
            ),
            "problem": self.problem,
            "private": self.private,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        blocks: list[Block] = []
        for raw in data.get("blocks", []):
            kind = _BLOCK_TYPES[raw["type"]]
            args = {k: v for k, v in raw.items() if k != "type"}
            if kind is Fields:
                args["pairs"] = tuple(tuple(p) for p in args["pairs"])
            elif kind is BulletList:
                args["items"] = tuple(args["items"])
            elif kind is Actions:
                args["buttons"] = tuple(Button(**b) for b in args["buttons"])
            elif kind is Table:
                args["header"] = tuple(args["header"])
                args["rows"] = tuple(tuple(r) for r in args["rows"])
            elif kind is LineChart:
                args["labels"] = tuple(args["labels"])
                args["series"] = tuple(Series(str(x["name"]), tuple(x["values"]))
                                       for x in args["series"])  # fmt: skip
            blocks.append(kind(**args))
        scheduled = (
            datetime.fromisoformat(data["scheduled_for"]) if data.get("scheduled_for") else None
        )
        if scheduled is not None and data.get("scheduled_zone"):
            scheduled = scheduled.astimezone(ZoneInfo(data["scheduled_zone"]))
        return cls(
            text=data["text"],
            blocks=tuple(blocks),
            scheduled_for=scheduled,
            problem=data.get("problem"),
            private=bool(data.get("private", False)),
            language=data.get("language"),
        )


@dataclass(frozen=True)
class Delivery:
    """A proactive message addressed to someone."""

    ref: ConversationRef
    reply: Reply
