"""Bounds on input from outside, checked before it is parsed or queried: a JSON body's size and
nesting, an id's range.

Python's JSON decoder recurses once per nesting level, so ``[[[[…`` a few thousand levels deep
is a RecursionError (an HTTP 500 with a traceback) before any check of ours could run; and an id
beyond the id columns' range (INTEGER: 32 bits on PostgreSQL, 64 on SQLite) is a driver error
instead of "not found". Both are refused here as plain values (``BadJson``, ``None``, False)
the routes turn into a 4xx.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

#: Deeper than any payload Slack, Teams or an automation tool sends (Bot Framework activities
#: with an Adaptive Card's data stay under 10 levels).
MAX_DEPTH = 32
# A Bot Framework activity is at most a few tens of KB (Teams caps messages at about 28 KB).
MAX_ACTIVITY = 256 * 1024
#: The largest id the schema's INTEGER id columns hold on every backend (PostgreSQL: 32 bits).
MAX_ID = 2**31 - 1

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string: its brackets do not nest
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_ID = re.compile(r"[0-9]{1,10}")


class BadJson(ValueError):
    """A body refused before or while parsing; ``reason`` is ``too_large``, ``too_deep`` or
    ``malformed``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting(text: str) -> int:
    """How deep the arrays and objects of JSON ``text`` nest (strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_STEP[c] for c in brackets), default=0)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(raw: bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """``raw`` (UTF-8 JSON) parsed, or ``BadJson``; ``NaN`` and ``Infinity`` are no JSON."""
    if len(raw) > max_bytes:
        raise BadJson("too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("malformed") from None
    if nesting(text) > max_depth:
        raise BadJson("too_deep")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadJson("malformed") from None


def is_id(value: int) -> bool:
    """Whether a row can have id ``value``."""
    return 0 < value <= MAX_ID


def parse_id(text: str) -> int | None:
    """A database id written in ASCII digits, or None when it is none or cannot exist."""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if is_id(value) else None
