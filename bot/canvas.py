"""A platform-neutral document for a canvas (Slack's living page of a pilot, the results page).

The core writes it from catalog texts (mention tokens included, see ``bot.messages``); the
Slack adapter renders it as canvas markdown with every typed character inert. A document is a
title and sections, each introduced by its heading and keyed by a stable name, so an edit can
replace the sections that changed and leave the others alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bot.messages import ConversationRef, Reply


@dataclass(frozen=True)
class Line:
    """A paragraph of text."""

    text: str


@dataclass(frozen=True)
class Check:
    """One checklist item, ticked when ``done``."""

    text: str
    done: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Item = Line | Check | Table


@dataclass(frozen=True)
class Section:
    key: str  # stable across languages and edits: "formula", "tasks", "workflows", "metrics"
    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class CanvasDoc:
    title: str
    sections: tuple[Section, ...]

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "sections": [_section_json(s) for s in self.sections]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CanvasDoc:
        return cls(
            title=str(data["title"]),
            sections=tuple(
                Section(str(s["key"]), str(s["heading"]), tuple(_item(i) for i in s["items"]))
                for s in data["sections"]
            ),
        )

    def digest(self) -> str:
        """A short fingerprint: an unchanged document is not sent again."""
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _section_json(section: Section) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for item in section.items:
        if isinstance(item, Check):
            items.append({"check": item.text, "done": item.done})
        elif isinstance(item, Table):
            items.append({"header": list(item.header), "rows": [list(r) for r in item.rows]})
        else:
            items.append({"line": item.text})
    return {"key": section.key, "heading": section.heading, "items": items}


def _item(raw: dict[str, Any]) -> Item:
    if "check" in raw:
        return Check(str(raw["check"]), bool(raw.get("done")))
    if "header" in raw:
        return Table(tuple(raw["header"]), tuple(tuple(r) for r in raw["rows"]))
    return Line(str(raw["line"]))


@dataclass(frozen=True)
class Published:
    """What a platform answered for a canvas: its id, the rendered sections as sent (so the
    next edit knows what changed) and a link to it."""

    canvas_id: str
    sections: dict[str, str]
    url: str = ""


class CanvasUnavailable(Exception):
    """The workspace cannot have canvases (scope missing, plan without canvases, disabled by
    an admin): the bot carries on without and does not ask again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class CanvasPublisher(Protocol):
    """An adapter that can keep canvases (Slack). Errors other than ``CanvasUnavailable`` are
    ``DeliveryError``s, retried by the outbox like any send."""

    async def publish_canvas(
        self, ref: ConversationRef, doc: CanvasDoc, canvas_id: str | None,
        sent: dict[str, str],
    ) -> Published: ...  # fmt: skip

    async def publish_results(
        self, ref: ConversationRef, doc: CanvasDoc, canvas_id: str | None
    ) -> Published: ...

    def link_results(self, reply: Reply, url: str) -> Reply: ...
