"""Reply -> Teams message Activity JSON: one Adaptive Card plus its text fallback."""

from __future__ import annotations

import base64
import io
from typing import Any

from adapters.teams.card_model import AdaptiveCard

ActivityJson = dict[str, Any]
SUMMARY_CHARS = 120


def card_message(card: AdaptiveCard) -> ActivityJson:
    """A message carrying ``card``; ``summary`` is what notifications and feeds show."""
    first_line = next((line for line in card.fallback_text.splitlines() if line.strip()), "")
    return {
        "type": "message",
        "summary": first_line.strip("* ")[:SUMMARY_CHARS],
        "attachments": [card.attachment()],
    }


def text_message(text: str) -> ActivityJson:
    return {"type": "message", "text": text, "textFormat": "plain"}


def card_of(activity: ActivityJson) -> dict[str, Any] | None:
    """The Adaptive Card inside a message we built (tests and invoke responses use it)."""
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            content: dict[str, Any] = attachment["content"]
            return content
    return None


def chart_data_url(png: bytes, max_width: int = 640) -> str:
    """The results chart as a compact ``data:`` URL (Teams renders these in cards; base64 images
    do not count towards the message size limit). Downscaled and palette-reduced to stay small."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGB")
    if image.width > max_width:
        height = round(image.height * max_width / image.width)
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
