"""Slack canvases: a ``bot.canvas.CanvasDoc`` as canvas markdown, and the Web API calls that
keep a pilot's channel canvas and its results canvas.

The channel canvas is made with conversations.canvases.create; later states edit it one
section at a time (canvases.sections.lookup finds the section's heading, canvases.edit
replaces it); a section whose heading cannot be found, or a channel that already has another
canvas, falls back to replacing the whole document or to a canvas of our own shared with the
channel. The results canvas is a standalone canvas (canvases.create) the channel may read
(canvases.access.set). Errors that say canvases cannot be had here (scope, plan, admin)
become ``CanvasUnavailable``; the others ``DeliveryError`` with the outbox's retry semantics.

Slack's documentation does not say how far a heading's section reaches; the edit replaces the
section its heading's id names with the heading and its content, as the local fake models it
(up to the next heading of the same level). Should a workspace show it otherwise, sending each
update whole (``_replace_all``) is the one-line change.

Markdown is written so that typed text stays text: each punctuation character of it is
backslash-escaped where markdown gives it a meaning (no link, mention, table cell break or
list can come out of a name), and only the core's mention tokens become canvas mentions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.delivery import delivery_error, error_code
from bot.canvas import CanvasDoc, CanvasUnavailable, Check, Line, Published, Section, Table
from bot.messages import CHANNEL, Mention, render_mentions

#: Slack's answers meaning "no canvases for this token or workspace"
UNAVAILABLE = frozenset(
    {
        "missing_scope", "not_allowed", "not_allowed_token_type", "team_not_allowed",
        "canvas_disabled_user_team", "canvas_disabled_file_team", "feature_not_enabled",
        "team_tier_cannot_create_channel_canvases", "free_team_canvas_tab_already_exists",
        "free_teams_cannot_create_standalone_canvases",
        "free_teams_cannot_edit_standalone_canvases",
    }
)  # fmt: skip
# The characters markdown gives a meaning to (links, mentions, emphasis, code, tables, lists,
# headings, quotes, autolinks' ``://``); the others read the same escaped or not.
_PUNCTUATION = re.compile(r"([\\`*_\[\]()<>!#|~@:&+=-])")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


def _inert(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.split("\n")))


def _mention(found: Mention) -> str:
    """Channels as canvas channel mentions; people by name (a canvas mention would notify them
    on every edit), by Slack's own lookup only when no name is known."""
    if found.kind == CHANNEL and _CHANNEL_ID.fullmatch(found.id):
        return f"![](#{found.id})"
    if not found.name and _USER_ID.fullmatch(found.id):
        return f"![](@{found.id})"
    return _inert(found.label)


def inline(text: str) -> str:
    """Core text (catalog strings with typed values and mention tokens) as canvas markdown."""
    return render_mentions(text, _mention, _inert)


def section_markdown(section: Section) -> str:
    lines = [f"## {inline(section.heading)}", ""]
    for item in section.items:
        if isinstance(item, Check):
            lines.append(f"- [{'x' if item.done else ' '}] {inline(item.text)}")
        elif isinstance(item, Table):
            lines.append("")
            lines.append("| " + " | ".join(inline(h) for h in item.header) + " |")
            lines.append("|" + " --- |" * len(item.header))
            lines.extend("| " + " | ".join(inline(c) for c in row) + " |" for row in item.rows)
            lines.append("")
        elif isinstance(item, Line):
            if lines[-1].startswith("- ["):
                lines.append("")
            lines.append(inline(item.text))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n\n"


def document_markdown(doc: CanvasDoc) -> str:
    return f"# {inline(doc.title)}\n\n" + "".join(section_markdown(s) for s in doc.sections)


def heading_of(markdown: str) -> str:
    """The plain heading text of a section's markdown (what sections.lookup searches for)."""
    first = markdown.split("\n", 1)[0].removeprefix("## ")
    return _ESCAPED.sub(r"\1", first)


def canvas_url(team: str, canvas_id: str) -> str:
    return f"https://app.slack.com/docs/{team}/{canvas_id}"


def _content(markdown: str) -> dict[str, str]:
    return {"type": "markdown", "markdown": markdown}


def _failed(exc: SlackApiError) -> Exception:
    code = error_code(exc)
    if code in UNAVAILABLE:
        return CanvasUnavailable(code)
    return delivery_error(exc)


async def publish_channel_canvas(
    client: AsyncWebClient, team: str, channel: str, doc: CanvasDoc, canvas_id: str | None,
    sent: Mapping[str, str],
) -> Published:  # fmt: skip
    """Create the channel's canvas, or edit the sections of it that changed since ``sent``."""
    sections = {s.key: section_markdown(s) for s in doc.sections}
    try:
        if canvas_id is None:
            canvas_id = await _create_channel_canvas(client, channel, doc)
        else:
            try:
                await _edit_sections(client, canvas_id, doc, sections, sent)
            except SlackApiError as exc:
                if error_code(exc) != "canvas_not_found":
                    raise
                canvas_id = await _create_channel_canvas(client, channel, doc)  # deleted
    except SlackApiError as exc:
        raise _failed(exc) from None
    return Published(canvas_id, sections, canvas_url(team, canvas_id))


async def _create_channel_canvas(client: AsyncWebClient, channel: str, doc: CanvasDoc) -> str:
    content = _content(document_markdown(doc))
    try:
        try:
            response = await client.conversations_canvases_create(
                channel_id=channel, document_content=content
            )
        except SlackApiError as exc:  # a public channel the bot is not in yet: join it once
            if error_code(exc) != "not_in_channel" or not channel.startswith("C"):
                raise
            await client.conversations_join(channel=channel)
            response = await client.conversations_canvases_create(
                channel_id=channel, document_content=content
            )
    except SlackApiError as exc:
        if error_code(exc) != "channel_canvas_already_exists":
            raise
        # The channel has a canvas of someone else's: ours is a canvas shared with the channel.
        response = await client.canvases_create(title=doc.title, document_content=content)
        await client.canvases_access_set(canvas_id=str(response["canvas_id"]),
                                         access_level="write", channel_ids=[channel])  # fmt: skip
    return str(response["canvas_id"])


async def _edit_sections(
    client: AsyncWebClient, canvas_id: str, doc: CanvasDoc, sections: Mapping[str, str],
    sent: Mapping[str, str],
) -> None:  # fmt: skip
    """One canvases.edit per changed section (Slack takes one change per call); the whole
    document when a section's heading is not found once (renamed, a language change, deleted
    by a person) or the set of sections changed."""
    if set(sections) != set(sent):
        await _replace_all(client, canvas_id, doc)
        return
    for key, markdown in sections.items():
        if sent.get(key) == markdown:
            continue
        criteria = {"section_types": ["h2"], "contains_text": heading_of(sent[key])}
        found = await client.canvases_sections_lookup(canvas_id=canvas_id, criteria=criteria)
        ids = [str(s["id"]) for s in found.get("sections") or [] if s.get("id")]
        if len(ids) != 1:
            await _replace_all(client, canvas_id, doc)
            return
        await client.canvases_edit(canvas_id=canvas_id, changes=[
            {"operation": "replace", "section_id": ids[0], "document_content": _content(markdown)}
        ])  # fmt: skip


async def _replace_all(client: AsyncWebClient, canvas_id: str, doc: CanvasDoc) -> None:
    await client.canvases_edit(canvas_id=canvas_id, changes=[
        {"operation": "replace", "document_content": _content(document_markdown(doc))}
    ])  # fmt: skip


async def publish_results_canvas(
    client: AsyncWebClient, team: str, channel: str, doc: CanvasDoc, canvas_id: str | None
) -> Published:
    """The results as a canvas of their own that the channel can read; announcing again
    replaces its content."""
    content = _content(document_markdown(doc))
    try:
        if canvas_id is not None:
            try:
                await _replace_all(client, canvas_id, doc)
                return Published(canvas_id, {}, canvas_url(team, canvas_id))
            except SlackApiError as exc:
                if error_code(exc) != "canvas_not_found":
                    raise
        response = await client.canvases_create(title=doc.title, document_content=content)
        canvas_id = str(response["canvas_id"])
        await client.canvases_access_set(canvas_id=canvas_id, access_level="read",
                                         channel_ids=[channel])  # fmt: skip
    except SlackApiError as exc:
        raise _failed(exc) from None
    return Published(canvas_id, {}, canvas_url(team, canvas_id))
