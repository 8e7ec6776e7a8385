"""A console conversation: ``:as``, ``:advance`` and chat lines, one at a time.

``:advance`` moves the simulated clock in steps, stopping at every moment the scheduler has
work, and runs the same scheduler tick ``serve`` runs, so nudges print with their slot time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from babel.dates import format_datetime

from adapters.console.adapter import ConsoleAdapter, parse_advance
from adapters.console.inbound import WORKSPACE, to_inbound
from bot.catalog import Texts, texts
from bot.clock import SimulatedClock
from bot.jobs.scheduler import NudgeScheduler
from bot.messages import Inbound, Reply

Handler = Callable[[Inbound], Awaitable[list[Reply]]]
SetupLookup = Callable[[str, str, str], Awaitable[tuple[str, str] | None]]  # (zone, language)
SaveClock = Callable[[datetime], Awaitable[None]]


class ConsoleSession:
    def __init__(
        self,
        adapter: ConsoleAdapter,
        handle: Handler,
        scheduler: NudgeScheduler,
        clock: SimulatedClock,
        save_clock: SaveClock,
        setup_of: SetupLookup,
        default_zone: str,
        *,
        default_language: str = "de",
        user: str,
        channel: str,
        echo: bool,
    ) -> None:
        self.adapter = adapter
        self.handle = handle
        self.scheduler = scheduler
        self.clock = clock
        self.save_clock = save_clock
        self.setup_of = setup_of
        self.default_zone = default_zone
        self.default_language = default_language
        self.user = user.lstrip("@")
        self.channel = channel.lstrip("#")
        self.echo = echo

    @property
    def prompt(self) -> str:
        return f"@{self.user} › "

    async def setup(self) -> tuple[str, str]:
        """The channel's pilot's (zone, language), or the defaults before a pilot exists."""
        found = await self.setup_of("console", WORKSPACE, self.channel)
        return found or (self.default_zone, self.default_language)

    async def zone(self) -> str:
        return (await self.setup())[0]

    async def texts(self) -> Texts:
        return texts((await self.setup())[1])

    async def run_line(self, line: str) -> None:
        line = line.rstrip("\n")
        if not line.strip():
            return
        if line.lstrip().startswith("#"):
            self.adapter.say(line.strip().lstrip("#").strip(), style="bold yellow")
            return
        if self.echo:
            self.adapter.say(self.prompt + line, style="green")
        if line.startswith(":"):
            await self._meta(line[1:].strip())
            return
        for reply in await self.handle(to_inbound(line, self.user, self.channel)):
            self.adapter.reply(reply)
        await self.scheduler.tick()

    async def _meta(self, line: str) -> None:
        word, _, arg = line.partition(" ")
        if word == "as" and arg.strip():
            self.user = arg.strip().lstrip("@").split(" ")[0]
        elif word == "advance":
            target = parse_advance(arg, self.clock.now(), await self.zone())
            if isinstance(target, str):
                self.adapter.say((await self.texts())(target), style="red")
            elif target <= self.clock.now():
                self.adapter.say((await self.texts())("console.forward_only"), style="red")
            else:
                await self.advance(target)
        elif word == "now":
            self.adapter.say(await self.local_now())
        else:
            self.adapter.say((await self.texts())("console.meta_usage"), style="red")

    async def advance(self, target: datetime) -> None:
        await self.scheduler.run_until(self.clock, target)
        await self.save_clock(self.clock.now())
        self.adapter.say(f"  ⏱ {await self.local_now()}", style="dim")

    async def local_now(self) -> str:
        from zoneinfo import ZoneInfo

        zone, language = await self.setup()
        local = self.clock.now().astimezone(ZoneInfo(zone))
        day = format_datetime(local, "EEE", locale=language)
        return f"{day} {local:%Y-%m-%d %H:%M %Z}"
