"""Reply -> terminal text (rich). The console's outbound translator."""

from __future__ import annotations

from rich.text import Text

from bot.catalog import texts
from bot.messages import (
    Actions,
    BulletList,
    Fields,
    File,
    Heading,
    Image,
    Paragraph,
    Reply,
    Table,
)
from bot.messages import plain_text as p


def render(reply: Reply, indent: str = "  ") -> Text:
    if not reply.blocks:
        return Text(indent + p(reply.text).replace("\n", "\n" + indent))
    out = Text()
    for block in reply.blocks:
        if isinstance(block, Heading):
            out.append(indent + p(block.text) + "\n", style="bold")
        elif isinstance(block, Paragraph):
            out.append(indent + p(block.text).replace("\n", "\n" + indent) + "\n")
        elif isinstance(block, Fields):
            for key, value in block.pairs:
                out.append(f"{indent}  {p(key)}: ", style="cyan")
                out.append(p(value) + "\n")
        elif isinstance(block, BulletList):
            for item in block.items:
                out.append(f"{indent}  • {p(item)}\n")
        elif isinstance(block, Actions):
            labels = "  ".join(f"[{p(b.label)}]" for b in block.buttons)
            out.append(f"{indent}{labels}\n", style="dim")
        elif isinstance(block, Image):
            out.append(f"{indent}({p(block.alt)}: {block.path})\n", style="dim")
        elif isinstance(block, Table):
            out.append(f"{indent}  " + " | ".join(p(c) for c in block.header) + "\n", style="cyan")
            for row in block.rows:
                out.append(f"{indent}  " + " | ".join(p(c) for c in row) + "\n")
        elif isinstance(block, File):
            attached = texts(reply.language or "en")("console.attached", name=block.name)
            out.append(f"{indent}({attached})\n", style="dim")
    out.rstrip()
    return out


def stamp(reply: Reply) -> str:
    """``2027-03-22 09:00 CET``: a proactive message's scheduled local time."""
    when = reply.scheduled_for
    return when.strftime("%Y-%m-%d %H:%M %Z") if when else ""
