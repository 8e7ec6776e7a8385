"""A console conversation: ``:as``, ``:advance`` and chat lines, one at a time.

``:advance`` moves the simulated clock in steps, stopping at every moment the scheduler has
work, and runs the same scheduler tick ``serve`` runs, so nudges print with their slot time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from babel.dates import format_datetime

from adapters.console.adapter import ConsoleAdapter, parse_advance
from adapters.console.forms import CANCEL, ConsoleForm
from adapters.console.inbound import WORKSPACE, to_inbound
from bot import forms
from bot.catalog import Texts, texts
from bot.clock import SimulatedClock
from bot.jobs.scheduler import NudgeScheduler
from bot.messages import Inbound, Reply

Handler = Callable[[Inbound], Awaitable[list[Reply]]]
SetupLookup = Callable[[str, str, str], Awaitable[tuple[str, str] | None]]  # (zone, language)
SaveClock = Callable[[datetime], Awaitable[None]]
FormContext = Callable[[Inbound], Awaitable[tuple[str, tuple[str, ...]]]]  # (language, systems)


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
        form_context: FormContext | None = None,
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
        self.form_context = form_context
        self.form: ConsoleForm | None = None  # a decision form being answered

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
        if self.form is not None:
            await self._answer(line)
            return
        kind = forms.wants_form(line) if self.form_context is not None else None
        if kind is not None and self.form_context is not None:
            language, systems = await self.form_context(to_inbound("", self.user, self.channel))
            t = texts(language)
            self.form = ConsoleForm(forms.form_of(kind, t, systems), t)
            key = "workflow.console_intro" if kind == forms.WORKFLOW else "capacity.console_intro"
            self.adapter.say(t(key), style="cyan")
            self.adapter.say(self.form.question(), style="cyan")
            return
        if line.startswith(":"):
            await self._meta(line[1:].strip())
            return
        for reply in await self.handle(to_inbound(line, self.user, self.channel)):
            self.adapter.reply(reply)
        await self.scheduler.tick()

    async def _answer(self, line: str) -> None:
        form = self.form
        assert form is not None
        if line.strip() == CANCEL:
            self.form = None
            self.adapter.say(form.t("workflow.console_cancelled"), style="red")
            return
        form.answer(line)
        filled = form.finish()
        if filled is None:
            self.adapter.say(form.question(), style="cyan")
            return
        self.form = None
        for reply in await self.handle(to_inbound(filled.command, self.user, self.channel)):
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
