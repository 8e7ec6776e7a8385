"""Typed builders for the Adaptive Card elements Pilot Coach uses (schema 1.5, as Teams renders).

Each element is a frozen dataclass with ``to_json()``; cards are assembled from these, never from
string templates, so a card is valid JSON by construction and every field has a type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Json = dict[str, Any]
CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Size = Literal["default", "small", "medium", "large", "extraLarge"]
Weight = Literal["default", "lighter", "bolder"]
Color = Literal["default", "dark", "light", "accent", "good", "warning", "attention"]
Spacing = Literal["default", "none", "small", "medium", "large", "extraLarge", "padding"]


def _clean(data: Json) -> Json:
    """Drop unset optional fields, so cards stay small and free of nulls."""
    return {k: v for k, v in data.items() if v is not None and v is not False}


@dataclass(frozen=True)
class TextBlock:
    text: str
    size: Size | None = None
    weight: Weight | None = None
    color: Color | None = None
    is_subtle: bool = False
    spacing: Spacing | None = None
    wrap: bool = True

    def to_json(self) -> Json:
        return _clean({"type": "TextBlock", "text": self.text, "size": self.size,
                       "weight": self.weight, "color": self.color, "isSubtle": self.is_subtle,
                       "spacing": self.spacing, "wrap": self.wrap})  # fmt: skip


@dataclass(frozen=True)
class Fact:
    title: str
    value: str

    def to_json(self) -> Json:
        return {"title": self.title, "value": self.value}


@dataclass(frozen=True)
class FactSet:
    facts: tuple[Fact, ...]

    def to_json(self) -> Json:
        return {"type": "FactSet", "facts": [f.to_json() for f in self.facts]}


@dataclass(frozen=True)
class Image:
    url: str
    alt_text: str
    size: Literal["auto", "stretch", "small", "medium", "large"] = "stretch"

    def to_json(self) -> Json:
        return {"type": "Image", "url": self.url, "altText": self.alt_text, "size": self.size}


@dataclass(frozen=True)
class NumberInput:
    id: str
    label: str
    min: float | None = None
    max: float | None = None
    value: float | None = None
    placeholder: str | None = None
    is_required: bool = False
    error_message: str | None = None

    def to_json(self) -> Json:
        return _clean({"type": "Input.Number", "id": self.id, "label": self.label,
                       "min": self.min, "max": self.max, "value": self.value,
                       "placeholder": self.placeholder, "isRequired": self.is_required,
                       "errorMessage": self.error_message})  # fmt: skip


@dataclass(frozen=True)
class TextInput:
    id: str
    label: str
    value: str | None = None
    placeholder: str | None = None
    max_length: int | None = None
    is_multiline: bool = False
    is_required: bool = False
    error_message: str | None = None
    regex: str | None = None

    def to_json(self) -> Json:
        return _clean({"type": "Input.Text", "id": self.id, "label": self.label,
                       "value": self.value or None, "placeholder": self.placeholder,
                       "maxLength": self.max_length, "isMultiline": self.is_multiline,
                       "isRequired": self.is_required, "errorMessage": self.error_message,
                       "regex": self.regex})  # fmt: skip


@dataclass(frozen=True)
class Choice:
    title: str
    value: str

    def to_json(self) -> Json:
        return {"title": self.title, "value": self.value}


@dataclass(frozen=True)
class ChoiceSetInput:
    """Input.ChoiceSet: a drop-down (``compact``) or, with ``is_multi_select``, check boxes."""

    id: str
    label: str
    choices: tuple[Choice, ...]
    value: str | None = None  # multi-select: comma-separated
    is_multi_select: bool = False
    is_required: bool = False
    error_message: str | None = None
    style: Literal["compact", "expanded"] = "compact"

    def to_json(self) -> Json:
        return _clean({"type": "Input.ChoiceSet", "id": self.id, "label": self.label,
                       "choices": [c.to_json() for c in self.choices], "value": self.value or None,
                       "isMultiSelect": self.is_multi_select, "style": self.style,
                       "isRequired": self.is_required,
                       "errorMessage": self.error_message})  # fmt: skip


@dataclass(frozen=True)
class Submit:
    """Action.Submit: Teams posts ``data`` (plus the card's inputs) back as a message ``value``."""

    title: str
    data: Json
    style: Literal["default", "positive", "destructive"] | None = None

    def to_json(self) -> Json:
        return _clean({"type": "Action.Submit", "title": self.title, "data": self.data,
                       "style": self.style})  # fmt: skip


@dataclass(frozen=True)
class ActionSet:
    actions: tuple[Submit, ...]

    def to_json(self) -> Json:
        return {"type": "ActionSet", "actions": [a.to_json() for a in self.actions]}


@dataclass(frozen=True)
class Container:
    items: tuple[Element, ...]
    style: Literal["default", "emphasis", "good", "attention", "warning", "accent"] | None = None

    def to_json(self) -> Json:
        return _clean({"type": "Container", "items": [i.to_json() for i in self.items],
                       "style": self.style})  # fmt: skip


@dataclass(frozen=True)
class Table:
    """Table (Adaptive Cards 1.5): the first row is the header."""

    rows: tuple[tuple[str, ...], ...]

    def to_json(self) -> Json:
        width = max((len(r) for r in self.rows), default=0)
        return {
            "type": "Table",
            "columns": [{"width": 2 if i == 0 else 1} for i in range(width)],
            "firstRowAsHeaders": True,
            "rows": [{"type": "TableRow", "cells": [
                {"type": "TableCell", "items": [TextBlock(cell, weight="bolder" if r == 0
                                                          else None).to_json()]}
                for cell in row]} for r, row in enumerate(self.rows)],
        }  # fmt: skip


@dataclass(frozen=True)
class LineData:
    legend: str
    points: tuple[tuple[str, float], ...]  # (x label, y)

    def to_json(self) -> Json:
        return {"legend": self.legend, "values": [{"x": x, "y": y} for x, y in self.points]}


@dataclass(frozen=True)
class LineChart:
    """Chart.Line, one of Teams' chart elements. Hosts that do not know it (older Teams
    clients, other Adaptive Card hosts) show ``fallback`` instead, or nothing (``drop``)."""

    title: str
    data: tuple[LineData, ...]
    fallback: Image | None = None

    def to_json(self) -> Json:
        return {"type": "Chart.Line", "title": self.title,
                "data": [d.to_json() for d in self.data],
                "fallback": self.fallback.to_json() if self.fallback else "drop"}  # fmt: skip


Element = (
    TextBlock
    | FactSet
    | Image
    | NumberInput
    | TextInput
    | ChoiceSetInput
    | ActionSet
    | Container
    | Table
    | LineChart
)


@dataclass(frozen=True)
class AdaptiveCard:
    """A whole card; ``fallback_text`` is what clients that cannot render cards show."""

    body: tuple[Element, ...]
    fallback_text: str
    actions: tuple[Submit, ...] = field(default_factory=tuple)
    mentions: tuple[Json, ...] = ()  # ``mention`` entities for the ``<at>`` tags in the text

    def to_json(self) -> Json:
        card: Json = {
            "type": "AdaptiveCard",
            "$schema": CARD_SCHEMA,
            "version": CARD_VERSION,
            "body": [element.to_json() for element in self.body],
            "fallbackText": self.fallback_text,
            "msteams": {"width": "Full"},
        }
        if self.mentions:
            card["msteams"]["entities"] = [dict(m) for m in self.mentions]
        if self.actions:
            card["actions"] = [a.to_json() for a in self.actions]
        return card

    def attachment(self) -> Json:
        return {"contentType": CONTENT_TYPE, "content": self.to_json()}
