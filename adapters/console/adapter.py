"""The terminal adapter: a full adapter (start/stop/send) plus the conversation loop behind
``pilot-coach console`` and ``pilot-coach demo``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from adapters.console.inbound import person, to_inbound
from adapters.console.render import render, stamp
from bot.catalog import texts
from bot.messages import ConversationRef, Reply

_STEP = re.compile(r"^(\d+)\s*([wdhm])$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


class ConsoleAdapter:
    platform = "console"

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)
        self._posted = 0

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        self._posted += 1
        self._print(ref, reply, "")
        return f"console-{self._posted}"

    async def update(self, ref: ConversationRef, message_id: str, reply: Reply) -> None:
        note = texts(reply.language or "en")("console.updates", id=message_id)
        self._print(ref, reply, f" ({note})")

    def _print(self, ref: ConversationRef, reply: Reply, note: str) -> None:
        target = f"@{ref.user}" if ref.user and not ref.channel else f"#{ref.channel}"
        head = Text(f"→ {target} [{stamp(reply)}]{note}: ", style="magenta")
        body = render(reply, indent="    ")
        self.console.print(Text.assemble(head, body[len(body.plain) - len(body.plain.lstrip()) :]))

    def say(self, text: str, style: str = "") -> None:
        self.console.print(Text(text, style=style))

    def reply(self, reply: Reply) -> None:
        self.console.print(render(reply))


def parse_advance(arg: str, now: datetime, zone: str) -> datetime | str:
    """``1w``/``3d``/``2h``/``30m`` or ``to 2027-03-22T08:00`` (local) -> target, or the catalog
    key of the error."""
    arg = arg.strip().lower()
    match = _STEP.match(arg)
    if match:  # wall-clock arithmetic in the pilot's zone: 1w is Monday 09:30 to Monday 09:30
        tz = ZoneInfo(zone)
        local = now.astimezone(tz).replace(tzinfo=None)
        step = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return (local + step).replace(tzinfo=tz)
    if arg.startswith("to "):
        try:
            local = datetime.fromisoformat(arg[3:].strip().upper())
        except ValueError:
            return "console.advance_to_usage"
        if local.tzinfo is None:
            local = local.replace(tzinfo=ZoneInfo(zone))
        return local
    return "console.advance_usage"


__all__ = ["ConsoleAdapter", "parse_advance", "person", "to_inbound"]
