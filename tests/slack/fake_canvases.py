"""The canvas methods of the fake Slack Web API: conversations.canvases.create, canvases.create,
canvases.edit, canvases.sections.lookup and canvases.access.set, keeping each canvas's markdown
so tests can read what a channel's page says.

Sections follow Slack's model as far as the documentation tells: a heading is found by
canvases.sections.lookup (by heading level and text); ``replace`` with its id replaces the
heading and what belongs to it (up to the next heading of the same or a higher level);
``replace`` without an id replaces the whole document. One change per canvases.edit call, as
Slack takes. ``unavailable`` makes every canvas method answer that error (a token without the
scope, a free workspace).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

METHODS = frozenset(
    {"conversations.canvases.create", "canvases.create", "canvases.edit",
     "canvases.sections.lookup", "canvases.access.set"}
)  # fmt: skip
_HEADING = re.compile(r"^(#{1,3}) (.*)$")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass
class Part:
    id: str
    level: int  # 1-3 for a heading, 0 for the text before the first heading
    text: str  # the heading's plain text
    markdown: str  # the heading line and what follows it, up to the next heading


@dataclass
class Canvas:
    id: str
    title: str
    parts: list[Part]
    channel: str | None = None  # a channel canvas
    access: dict[str, str] = field(default_factory=dict)  # channel -> read / write
    edits: int = 0

    @property
    def markdown(self) -> str:
        return "".join(p.markdown for p in self.parts)


@dataclass
class FakeCanvases:
    canvases: dict[str, Canvas] = field(default_factory=dict)
    channel_canvas: dict[str, str] = field(default_factory=dict)  # channel -> canvas id
    unavailable: str | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def of_channel(self, channel: str) -> Canvas:
        return self.canvases[self.channel_canvas[channel]]

    def _parts(self, markdown: str) -> list[Part]:
        parts: list[Part] = []
        for line in markdown.splitlines(keepends=True):
            found = _HEADING.match(line.rstrip("\n"))
            if found or not parts:
                level = len(found.group(1)) if found else 0
                text = _ESCAPED.sub(r"\1", found.group(2)) if found else ""
                parts.append(Part(f"temp:C:{next(self._ids):028d}", level, text, ""))
            parts[-1].markdown += line
        if parts and not parts[-1].markdown.endswith("\n"):
            parts[-1].markdown += "\n"
        return parts

    def _new(self, title: str, markdown: str, channel: str | None = None) -> Canvas:
        canvas = Canvas(f"F{next(self._ids):08d}", title, self._parts(markdown), channel)
        self.canvases[canvas.id] = canvas
        return canvas

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if self.unavailable:
            return {"ok": False, "error": self.unavailable}
        content = args.get("document_content") or {}
        if method == "conversations.canvases.create":
            channel = str(args.get("channel_id", ""))
            if not channel:
                return {"ok": False, "error": "invalid_arguments"}
            if channel in self.channel_canvas:
                return {"ok": False, "error": "channel_canvas_already_exists"}
            canvas = self._new("", str(content.get("markdown", "")), channel)
            self.channel_canvas[channel] = canvas.id
            return {"ok": True, "canvas_id": canvas.id}
        if method == "canvases.create":
            canvas = self._new(str(args.get("title", "")), str(content.get("markdown", "")))
            return {"ok": True, "canvas_id": canvas.id}
        found = self.canvases.get(str(args.get("canvas_id", "")))
        if found is None:
            return {"ok": False, "error": "canvas_not_found"}
        if method == "canvases.access.set":
            for channel in str(args.get("channel_ids", "")).split(","):
                if channel:
                    found.access[channel] = str(args.get("access_level"))
            return {"ok": True}
        if method == "canvases.sections.lookup":
            return self._lookup(found, args.get("criteria") or {})
        return self._edit(found, args.get("changes") or [])

    def _lookup(self, canvas: Canvas, criteria: dict[str, Any]) -> dict[str, Any]:
        types = set(criteria.get("section_types") or ["any_header"])
        text = str(criteria.get("contains_text", ""))
        levels = {1, 2, 3} if "any_header" in types else {int(t[1]) for t in types}
        hits = [{"id": p.id} for p in canvas.parts if p.level in levels and text in p.text]
        return {"ok": True, "sections": hits}

    def _edit(self, canvas: Canvas, changes: list[dict[str, Any]]) -> dict[str, Any]:
        if len(changes) != 1:  # "Only one operation per API call is currently supported."
            return {"ok": False, "error": "invalid_arguments"}
        change = changes[0]
        markdown = str((change.get("document_content") or {}).get("markdown", ""))
        if change.get("operation") != "replace":
            return {"ok": False, "error": "invalid_arguments"}
        section = change.get("section_id")
        if section is None:
            canvas.parts = self._parts(markdown)
        else:
            at = next((i for i, p in enumerate(canvas.parts) if p.id == section), None)
            if at is None:
                return {"ok": False, "error": "canvas_editing_failed"}
            end = at + 1
            while (
                end < len(canvas.parts)
                and not 0 < canvas.parts[end].level <= canvas.parts[at].level
            ):
                end += 1
            canvas.parts[at:end] = self._parts(markdown)
        canvas.edits += 1
        return {"ok": True}
