"""Reply -> Block Kit: the Slack outbound translator, built from slack_sdk's block models.

Pure: a neutral ``Reply`` in, blocks and a plain-text fallback out, always inside Slack's limits
(50 blocks per message, 3000 characters per section text, 150 per header, 10 fields, 75 per
button label). Too much content is cut at a line and marked with an ellipsis, never rejected.
Headings after the first become bold lines of the section they introduce, so a status report
stays compact. Text is escaped for mrkdwn (``&``, ``<``, ``>``), so typed text stays inert; only
the mention tokens the core writes (``bot.messages.mention``) become Slack mentions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    PlainTextObject,
    RichTextBlock,
    RichTextElementParts,
    RichTextSectionElement,
    SectionBlock,
    TableBlock,
)

from bot.messages import (
    CHANNEL,
    NOTIFY,
    Actions,
    BulletList,
    Button,
    Fields,
    Heading,
    Image,
    Mention,
    Paragraph,
    Reply,
    Table,
    plain_text,
    render_mentions,
)

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_LABEL = 75
MAX_VALUE = 2000
MAX_BUTTONS = 25
MAX_TABLE_ROWS = 100  # the header row included
MAX_TABLE_COLUMNS = 20
ELLIPSIS = "…"
ACTION_PREFIX = "pc_"

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


def _inert(text: str) -> str:
    """mrkdwn escaping: typed ``<@U…>``, ``<!here>`` or ``<https://…|click>`` stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mention(found: Mention) -> str:
    """A core-made mention: ``<@U…>`` notifies (and a person without a known name is shown by
    Slack's own lookup), a quiet one reads ``@Name``; channels as ``<#C…>``."""
    if found.kind == CHANNEL:
        if _CHANNEL_ID.fullmatch(found.id):
            return f"<#{found.id}>"
        return _inert(found.label)
    if _USER_ID.fullmatch(found.id) and (found.kind == NOTIFY or not found.name):
        return f"<@{found.id}>"
    return _inert(found.label)


def escape(text: str) -> str:
    """Reply text as mrkdwn: inert everywhere but the core's mention tokens."""
    return render_mentions(text, _mention, _inert)


def plain(text: str) -> str:
    """Reply text for ``plain_text`` objects (headers, buttons): mentions as ``@Name``."""
    return plain_text(text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a line or word end when possible."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    for sep in ("\n", " "):
        cut = head.rfind(sep)
        if cut > limit // 2:
            head = head[:cut]
            break
    return head.rstrip() + ELLIPSIS


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text every message carries."""
    return clip(escape(reply.text), MAX_TEXT) or ELLIPSIS


def action_id(action: str, index: int = 0) -> str:
    return f"{ACTION_PREFIX}{action}" + (f":{index}" if index else "")


def action_kind(action_id_: str) -> str:
    """``pc_done:1`` -> ``done``."""
    return action_id_.removeprefix(ACTION_PREFIX).split(":", 1)[0]


def _sections(lines: Sequence[str], lead: str = "") -> list[Block]:
    """Lines as few sections as fit into MAX_TEXT each (a single overlong line is clipped)."""
    blocks: list[Block] = []
    current = lead
    for raw in lines:
        line = clip(raw, MAX_TEXT)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_TEXT and current:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
            candidate = line
        current = candidate
    if current:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return blocks


def _fields(pairs: Sequence[tuple[str, str]], lead: str) -> list[Block]:
    texts = [clip(f"*{escape(k)}*\n{escape(v)}", MAX_FIELD) for k, v in pairs]
    blocks: list[Block] = _sections([lead]) if lead else []
    for start in range(0, len(texts), MAX_FIELDS):
        chunk = [MarkdownTextObject(text=x) for x in texts[start : start + MAX_FIELDS]]
        blocks.append(SectionBlock(fields=chunk))
    return blocks


def _buttons(buttons: Sequence[Button], index: int) -> Block:
    seen: dict[str, int] = {}
    elements: list[ButtonElement] = []
    for button in buttons[:MAX_BUTTONS]:
        count = seen.get(button.action, 0)
        seen[button.action] = count + 1
        elements.append(
            ButtonElement(
                text=PlainTextObject(text=clip(plain(button.label), MAX_LABEL) or ELLIPSIS),
                action_id=action_id(button.action, count),
                value=clip(button.value, MAX_VALUE) or None,
                style="primary" if not elements else None,
            )
        )
    return ActionsBlock(block_id=f"{ACTION_PREFIX}actions_{index}", elements=elements)


def _image(block: Image) -> Block:
    alt = clip(block.alt, 2000) or ELLIPSIS
    if block.path.startswith(("https://", "http://")):
        return ImageBlock(image_url=block.path, alt_text=alt)
    return ContextBlock(elements=[MarkdownTextObject(text=escape(alt))])


def _cell(text: str, *, bold: bool = False) -> RichTextBlock:
    style = RichTextElementParts.TextStyle(bold=True) if bold else None
    part = RichTextElementParts.Text(text=clip(plain(text), MAX_TEXT) or "–", style=style)
    return RichTextBlock(elements=[RichTextSectionElement(elements=[part])])


def _table(block: Table) -> Block:
    """A ``table`` block: the header row bold, the first column wrapped, numbers right-aligned."""
    width = min(max([len(block.header), *(len(r) for r in block.rows)]), MAX_TABLE_COLUMNS)
    rows = [[_cell(c, bold=True) for c in block.header[:width]]]
    rows += [[_cell(c) for c in row[:width]] for row in block.rows[: MAX_TABLE_ROWS - 1]]
    settings = [{"is_wrapped": True}] + [{"align": "right"} for _ in range(width - 1)]
    return TableBlock(rows=rows, column_settings=settings)


def _table_as_fields(block: Table) -> list[Block]:
    """Where a ``table`` block is not allowed (views, a second table): one line per row."""
    lines = [" · ".join(escape(c) for c in row) for row in block.rows]
    return _sections([f"*{' · '.join(escape(c) for c in block.header)}*", *lines])


def to_blocks(
    reply: Reply, *, max_blocks: int = MAX_BLOCKS, more: str = ELLIPSIS, tables: bool = True
) -> list[Block]:
    """The reply's blocks in Block Kit, at most ``max_blocks`` (the last one then says ``more``).
    ``tables``: a message may carry one ``table`` block (views none); other tables become
    lines. Chart data (``LineChart``) is not shown: Slack gets the PNG."""
    out: list[Block] = []
    lead = ""  # a sub-heading waiting for the content it introduces
    for block in reply.blocks:
        if isinstance(block, Heading):
            if not out and not lead:
                out.append(
                    HeaderBlock(text=PlainTextObject(text=clip(plain(block.text), MAX_HEADER)))
                )
            else:
                out.extend(_sections([lead]) if lead else [])
                lead = f"*{clip(escape(block.text), MAX_HEADER)}*"
            continue
        if isinstance(block, Paragraph):
            out.extend(_sections([escape(block.text)], lead))
        elif isinstance(block, BulletList):
            out.extend(_sections([f"• {escape(item)}" for item in block.items], lead))
        elif isinstance(block, Fields):
            out.extend(_fields(block.pairs, lead))
        else:
            out.extend(_sections([lead]) if lead else [])
            if isinstance(block, Actions):
                out.append(_buttons(block.buttons, len(out)))
            elif isinstance(block, Image):
                out.append(_image(block))
            elif isinstance(block, Table):
                fits = tables and not any(isinstance(b, TableBlock) for b in out)
                out.extend([_table(block)] if fits else _table_as_fields(block))
        lead = ""
    if lead:
        out.extend(_sections([lead]))
    if not out and reply.text:
        out = _sections([escape(reply.text)])
    if len(out) > max_blocks:
        out = [*out[: max_blocks - 1], ContextBlock(elements=[MarkdownTextObject(text=more)])]
    return out


def message(
    reply: Reply,
    extra: Sequence[Block] = (),
    *,
    more: str = ELLIPSIS,
) -> dict[str, Any]:
    """``text`` and ``blocks`` arguments for chat.postMessage / chat.postEphemeral / respond."""
    room = MAX_BLOCKS - len(extra)
    blocks = [*to_blocks(reply, max_blocks=room, more=more), *extra]
    return {"text": fallback_text(reply), "blocks": [b.to_dict() for b in blocks]}


def images_to_upload(reply: Reply) -> list[Image]:
    """Image blocks with a local file path: the adapter uploads those after posting."""
    return [
        b
        for b in reply.blocks
        if isinstance(b, Image) and not b.path.startswith(("https://", "http://"))
    ]
