"""A strict subset of the Adaptive Cards 1.5 JSON schema: exactly the elements, actions and
properties Teams renders that Pilot Coach may use, with their required fields and value sets.

The official schema (adaptivecards.io) cannot be fetched offline, so this subset is checked
instead; it is stricter than the original (no unknown properties, a text fallback on every
card, image URLs only https or data:image).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

SIZES = ["default", "small", "medium", "large", "extraLarge"]
SPACING = ["default", "none", "small", "medium", "large", "extraLarge", "padding"]
COLORS = ["default", "dark", "light", "accent", "good", "warning", "attention"]
CONTAINER_STYLES = ["default", "emphasis", "good", "attention", "warning", "accent"]
TEXT = {"type": "string", "minLength": 1}
ACTIONS = ["done", "snooze", "checkin", "start", "help", "status", "tasks", "results",
           "process_form", "capacity_form", "form", "build_extend", "build_shrink"]  # fmt: skip

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/AdaptiveCard",
    "$defs": {
        "AdaptiveCard": {
            "type": "object",
            "required": ["type", "version", "body", "fallbackText"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "AdaptiveCard"},
                "$schema": {"const": "http://adaptivecards.io/schemas/adaptive-card.json"},
                "version": {"enum": ["1.4", "1.5"]},
                "body": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Element"}},
                "actions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Action"}},
                "fallbackText": TEXT,
                "msteams": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "width": {"const": "Full"},
                        # card mentions: each <at>…</at> in the text has its entity
                        "entities": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["type", "text", "mentioned"],
                                "properties": {
                                    "type": {"const": "mention"},
                                    "text": {"type": "string", "pattern": "^<at>[^<]+</at>$"},
                                    "mentioned": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["id", "name"],
                                        "properties": {
                                            "id": {"type": "string", "minLength": 1},
                                            "name": {"type": "string", "minLength": 1},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        "Element": {
            "oneOf": [
                {"$ref": "#/$defs/TextBlock"},
                {"$ref": "#/$defs/FactSet"},
                {"$ref": "#/$defs/Image"},
                {"$ref": "#/$defs/InputNumber"},
                {"$ref": "#/$defs/InputText"},
                {"$ref": "#/$defs/InputChoiceSet"},
                {"$ref": "#/$defs/ActionSet"},
                {"$ref": "#/$defs/Container"},
                {"$ref": "#/$defs/Table"},
                {"$ref": "#/$defs/ChartLine"},
            ]
        },
        "Table": {
            "type": "object",
            "required": ["type", "columns", "rows"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Table"},
                "columns": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["width"],
                        "properties": {"width": {"type": "number", "exclusiveMinimum": 0}},
                    },
                },
                "firstRowAsHeaders": {"type": "boolean"},
                "rows": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["type", "cells"],
                        "properties": {
                            "type": {"const": "TableRow"},
                            "cells": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["type", "items"],
                                    "properties": {
                                        "type": {"const": "TableCell"},
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/$defs/TextBlock"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        # Teams' chart element (learn.microsoft.com: charts in Adaptive Cards); ``fallback`` is
        # what hosts without charts show: the chart PNG, or nothing ("drop")
        "ChartLine": {
            "type": "object",
            "required": ["type", "data", "fallback"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Chart.Line"},
                "title": TEXT,
                "data": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["legend", "values"],
                        "properties": {
                            "legend": TEXT,
                            "values": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["x", "y"],
                                    "properties": {
                                        "x": {"type": ["string", "number"]},
                                        "y": {"type": "number"},
                                    },
                                },
                            },
                        },
                    },
                },
                "fallback": {"oneOf": [{"const": "drop"}, {"$ref": "#/$defs/Image"}]},
            },
        },
        "TextBlock": {
            "type": "object",
            "required": ["type", "text"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "TextBlock"},
                "text": TEXT,
                "size": {"enum": SIZES},
                "weight": {"enum": ["default", "lighter", "bolder"]},
                "color": {"enum": COLORS},
                "isSubtle": {"type": "boolean"},
                "spacing": {"enum": SPACING},
                "wrap": {"type": "boolean"},
            },
        },
        "FactSet": {
            "type": "object",
            "required": ["type", "facts"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "FactSet"},
                "facts": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["title", "value"],
                        "additionalProperties": False,
                        "properties": {"title": {"type": "string"}, "value": {"type": "string"}},
                    },
                },
            },
        },
        "Image": {
            "type": "object",
            "required": ["type", "url", "altText"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Image"},
                "url": {
                    "type": "string",
                    "pattern": "^(https://|data:image/(png|jpeg|gif);base64,)",
                },
                "altText": TEXT,
                "size": {"enum": ["auto", "stretch", "small", "medium", "large"]},
            },
        },
        "InputNumber": {
            "type": "object",
            "required": ["type", "id", "label"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Input.Number"},
                "id": TEXT,
                "label": TEXT,
                "min": {"type": "number"},
                "max": {"type": "number"},
                "value": {"type": "number"},
                "placeholder": {"type": "string"},
                "isRequired": {"type": "boolean"},
                "errorMessage": TEXT,
            },
        },
        "InputText": {
            "type": "object",
            "required": ["type", "id", "label"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Input.Text"},
                "id": TEXT,
                "label": TEXT,
                "value": {"type": "string"},
                "placeholder": {"type": "string"},
                "maxLength": {"type": "integer", "minimum": 1},
                "isMultiline": {"type": "boolean"},
                "isRequired": {"type": "boolean"},
                "errorMessage": TEXT,
                "regex": {"type": "string"},
            },
        },
        "InputChoiceSet": {
            "type": "object",
            "required": ["type", "id", "label", "choices"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Input.ChoiceSet"},
                "id": TEXT,
                "label": TEXT,
                "choices": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["title", "value"],
                        "additionalProperties": False,
                        "properties": {"title": TEXT, "value": TEXT},
                    },
                },
                "value": {"type": "string"},
                "isMultiSelect": {"type": "boolean"},
                "style": {"enum": ["compact", "expanded"]},
                "isRequired": {"type": "boolean"},
                "errorMessage": TEXT,
            },
        },
        "ActionSet": {
            "type": "object",
            "required": ["type", "actions"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "ActionSet"},
                "actions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Action"}},
            },
        },
        "Container": {
            "type": "object",
            "required": ["type", "items"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Container"},
                "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Element"}},
                "style": {"enum": CONTAINER_STYLES},
            },
        },
        "Action": {
            "type": "object",
            "required": ["type", "title", "data"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "Action.Submit"},
                "title": TEXT,
                "style": {"enum": ["default", "positive", "destructive"]},
                "data": {
                    "type": "object",
                    "required": ["action"],
                    "properties": {"action": {"enum": ACTIONS}},
                },
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


def _inputs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["id"]] if str(node.get("type", "")).startswith("Input.") else []
        return own + [i for v in node.values() for i in _inputs(v)]
    if isinstance(node, list):
        return [i for v in node for i in _inputs(v)]
    return []


def card_errors(card: dict[str, Any]) -> list[str]:
    """Every way ``card`` breaks the subset schema, plus unique input ids."""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in _VALIDATOR.iter_errors(card)]  # fmt: skip
    ids = _inputs(card)
    if len(ids) != len(set(ids)):
        errors.append(f"input ids are not unique: {ids}")
    return errors
