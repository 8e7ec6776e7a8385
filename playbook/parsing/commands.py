"""The chat command grammar (CONTRACT.md): text in, a typed command or a Problem out.

English and German keywords both work in every pilot. Mentions stay raw tokens (``@anna``,
``<@U123>``); the service resolves them with what the adapter found in the message.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from playbook.parsing.numbers import Problem, parse_number
from playbook.roles import ROLE_WORDS, Role

MAX_MESSAGE = 2000
MAX_NAME = 80
MAX_FIELD = 200
MAX_UNIT = 20
#: How far from today week 1 may begin: a pilot planned ahead, or one recorded after the fact.
START_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class Start:
    start: date | None = None


@dataclass(frozen=True)
class Assign:
    role: Role
    target: str


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Tasks:
    pass


@dataclass(frozen=True)
class Done:
    task: str
    note: str = ""


@dataclass(frozen=True)
class ProcessAdd:
    name: str
    inputs: str = ""
    outputs: str = ""
    hours_per_week: Decimal | None = None


@dataclass(frozen=True)
class ProcessPick:
    number: int


@dataclass(frozen=True)
class MetricAdd:
    name: str
    unit: str
    baseline: Decimal
    target: Decimal | None
    lower_is_better: bool
    kind: str | None = None  # time, errors, satisfaction, free (en/de words)


@dataclass(frozen=True)
class Checkin:
    text: str  # METRIC VALUE [unit] [note]; resolved against the pilot's metrics


@dataclass(frozen=True)
class Results:
    pass


@dataclass(frozen=True)
class Announce:
    channel: str | None = None


@dataclass(frozen=True)
class Settings:
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricToken:
    pass


@dataclass(frozen=True)
class NextCycle:
    pass


@dataclass(frozen=True)
class Forget:
    target: str


@dataclass(frozen=True)
class ForgetMe:
    """``forget me``: anyone may have their own data removed."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Retro:
    """An answer to retrospective question 1 (worked), 2 (got in the way), 3 (differently)."""

    question: int
    text: str


@dataclass(frozen=True)
class Snooze:
    """Move my latest nudge to the next working day's slot (the nudge's Snooze button)."""


@dataclass(frozen=True)
class Unknown:
    word: str


Command = (
    Start
    | Assign
    | Status
    | Tasks
    | Done
    | ProcessAdd
    | ProcessPick
    | MetricAdd
    | Checkin
    | Results
    | Announce
    | Settings
    | MetricToken
    | NextCycle
    | Forget
    | ForgetMe
    | Help
    | Snooze
    | Retro
    | Unknown
)

# Keyword phrases (lower case, single spaces) -> command name. Longest match wins.
KEYWORDS: dict[str, str] = {
    "start": "start",
    "starten": "start",
    "assign": "assign",
    "zuweisen": "assign",
    "status": "status",
    "stand": "status",
    "tasks": "tasks",
    "aufgaben": "tasks",
    "done": "done",
    "erledigt": "done",
    "process add": "process_add",
    "prozess neu": "process_add",
    "process pick": "process_pick",
    "prozess wählen": "process_pick",
    "prozess waehlen": "process_pick",
    "metric add": "metric_add",
    "kennzahl neu": "metric_add",
    "metric token": "metric_token",
    "kennzahl token": "metric_token",
    "checkin": "checkin",
    "check-in": "checkin",
    "meldung": "checkin",
    "results": "results",
    "ergebnisse": "results",
    "announce": "announce",
    "verkünden": "announce",
    "verkuenden": "announce",
    "settings": "settings",
    "einstellungen": "settings",
    "next cycle": "next_cycle",
    "nächster zyklus": "next_cycle",
    "naechster zyklus": "next_cycle",
    "forget": "forget",
    "vergessen": "forget",
    "snooze": "snooze",
    "retro": "retro",
    "rückblick": "retro",
    "rueckblick": "retro",
    "später": "snooze",
    "spaeter": "snooze",
    "help": "help",
    "hilfe": "help",
    "?": "help",
}

_KEY_ALIASES: dict[str, dict[str, str]] = {
    "process_add": {
        "inputs": "inputs",
        "input": "inputs",
        "in": "inputs",
        "eingaben": "inputs",
        "eingabe": "inputs",
        "outputs": "outputs",
        "output": "outputs",
        "out": "outputs",
        "ausgaben": "outputs",
        "ergebnis": "outputs",
        "ergebnisse": "outputs",
        "hours": "hours",
        "h": "hours",
        "stunden": "hours",
        "std": "hours",
    },
    "metric_add": {
        "baseline": "baseline",
        "basis": "baseline",
        "ausgangswert": "baseline",
        "target": "target",
        "ziel": "target",
        "zielwert": "target",
        "kind": "kind",
        "art": "kind",
    },
}
_LOWER = {"lower", "niedriger", "weniger", "lower-is-better", "down"}
_HIGHER = {"higher", "höher", "hoeher", "mehr", "higher-is-better", "up"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'"})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = text.translate(_QUOTES).replace("\u00a0", " ")
    text = _SPACE.sub(" ", text).strip()
    if text.lower().startswith("/pilot"):
        text = text[len("/pilot") :].strip()
    return text


def split_keyword(text: str) -> tuple[str | None, str, str]:
    """(command name, the keyword as typed, the rest) for normalised text."""
    words = text.split(" ")
    for size in (2, 1):
        phrase = " ".join(words[:size]).lower()
        if len(words) >= size and phrase in KEYWORDS:
            return KEYWORDS[phrase], " ".join(words[:size]), " ".join(words[size:])
    return None, words[0] if words else "", " ".join(words[1:])


def parse_command(text: str, language: str) -> Command | Problem:
    if len(text) > MAX_MESSAGE:
        return Problem("error.too_long", {"max": str(MAX_MESSAGE)})
    text = normalise(text)
    if not text:
        return Help()
    name, keyword, rest = split_keyword(text)
    if name is None:
        return Unknown(keyword[:40])
    return _PARSERS[name](rest, language)


def _start(rest: str, _language: str) -> Start | Problem:
    if not rest:
        return Start()
    try:
        start = date.fromisoformat(rest.split(" ")[0])
    except ValueError:
        return Problem("start.bad_date", {"value": rest[:40]})
    if start.weekday() != 0:
        return Problem("start.not_monday", {"value": start.isoformat()})
    return Start(start)


def start_problem(start: date, today: date) -> Problem | None:
    """Why week 1 cannot begin on ``start`` seen from ``today``: more than about a year away
    (``start 0001-01-01`` would leave no week, nudge or report date that can be computed)."""
    earliest, latest = today - START_WINDOW, today + START_WINDOW
    if earliest <= start <= latest:
        return None
    return Problem("start.out_of_range", {"value": start.isoformat(),
                   "earliest": earliest.isoformat(), "latest": latest.isoformat()})  # fmt: skip


def _assign(rest: str, _language: str) -> Assign | Problem:
    words = rest.split(" ")
    if len(words) != 2 or not words[1]:
        return Problem("assign.usage")
    role = ROLE_WORDS.get(words[0].lower())
    if role is None:
        return Problem("assign.unknown_role", {"value": words[0][:40]})
    return Assign(role=role, target=words[1])


def _done(rest: str, _language: str) -> Done | Problem:
    if not rest:
        return Problem("done.usage")
    task, _, note = rest.partition(" ")
    if len(note) > MAX_FIELD:
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    return Done(task=task, note=note.strip())


def _split_args(rest: str, aliases: dict[str, str]) -> tuple[list[str], dict[str, str]] | Problem:
    lexer = shlex.shlex(rest, posix=True)
    lexer.quotes = '"'  # only double quotes group words: "Customer's requests" stays one word
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:
        return Problem("error.unbalanced_quotes")
    positional: list[str] = []
    keyed: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key.lower() in aliases:
            keyed[aliases[key.lower()]] = value.strip()
        else:
            positional.append(token)
    return positional, keyed


def _process_add(rest: str, language: str) -> ProcessAdd | Problem:
    split = _split_args(rest, _KEY_ALIASES["process_add"])
    if isinstance(split, Problem):
        return split
    positional, keyed = split
    name = " ".join(positional).strip()
    if not name:
        return Problem("process.usage")
    if len(name) > MAX_NAME:
        return Problem("error.name_too_long", {"max": str(MAX_NAME)})
    if any(len(v) > MAX_FIELD for v in keyed.values()):
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    hours: Decimal | None = None
    if "hours" in keyed:
        parsed = parse_number(keyed["hours"], language)
        if isinstance(parsed, Problem):
            return Problem("process.bad_hours", {"value": keyed["hours"][:40]})
        if not 0 <= parsed <= 168:
            return Problem("process.bad_hours", {"value": keyed["hours"][:40]})
        hours = parsed
    return ProcessAdd(
        name=name,
        inputs=keyed.get("inputs", ""),
        outputs=keyed.get("outputs", ""),
        hours_per_week=hours,
    )


def _process_pick(rest: str, _language: str) -> ProcessPick | Problem:
    value = rest.strip().lstrip("#")
    if not (value.isascii() and value.isdecimal()) or not 1 <= int(value) <= 99:
        return Problem("process.pick_usage")
    return ProcessPick(int(value))


def _metric_add(rest: str, language: str) -> MetricAdd | Problem:
    split = _split_args(rest, _KEY_ALIASES["metric_add"])
    if isinstance(split, Problem):
        return split
    positional, keyed = split
    lower = True
    words: list[str] = []
    for token in positional:
        if token.lower() in _LOWER:
            lower = True
        elif token.lower() in _HIGHER:
            lower = False
        else:
            words.append(token)
    if len(words) < 2 or "baseline" not in keyed:
        return Problem("metric.usage")
    name, unit = " ".join(words[:-1]), words[-1]
    if len(name) > MAX_NAME:
        return Problem("error.name_too_long", {"max": str(MAX_NAME)})
    if len(unit) > MAX_UNIT:
        return Problem("metric.unit_too_long", {"max": str(MAX_UNIT)})
    values: dict[str, Decimal] = {}
    for key in ("baseline", "target"):
        if key in keyed:
            parsed = parse_number(keyed[key], language)
            if isinstance(parsed, Problem) or parsed < 0:
                return Problem(f"metric.bad_{key}", {"value": keyed[key][:40]})
            values[key] = parsed
    return MetricAdd(
        name=name,
        unit=unit,
        baseline=values["baseline"],
        target=values.get("target"),
        lower_is_better=lower,
        kind=keyed.get("kind"),
    )


def _checkin(rest: str, _language: str) -> Checkin | Problem:
    if not rest.strip():
        return Problem("checkin.usage")
    return Checkin(rest.strip())


def _announce(rest: str, _language: str) -> Announce:
    return Announce(rest.split(" ")[0] if rest else None)


def _settings(rest: str, _language: str) -> Settings | Problem:
    values: dict[str, str] = {}
    for token in rest.split(" ") if rest else []:
        key, sep, value = token.partition("=")
        if not sep or not value or not key:
            return Problem("settings.usage")
        values[key.lower()] = value
    if not values:
        return Problem("settings.usage")
    return Settings(values)


def _retro(rest: str, _language: str) -> Retro | Problem:
    number, _, text = rest.partition(" ")
    if number not in ("1", "2", "3") or not text.strip():
        return Problem("retro.usage")
    if len(text) > MAX_FIELD * 2:
        return Problem("error.field_too_long", {"max": str(MAX_FIELD * 2)})
    return Retro(int(number), text.strip())


MYSELF = frozenset({"me", "myself", "mich"})


def _forget(rest: str, _language: str) -> Forget | ForgetMe | Problem:
    target = rest.split(" ")[0] if rest else ""
    if target.lower() in MYSELF:
        return ForgetMe()
    return Forget(target) if target else Problem("forget.usage")


def _no_args(command: Command) -> Callable[[str, str], Command]:
    return lambda _rest, _language: command


_PARSERS: dict[str, Callable[[str, str], Command | Problem]] = {
    "start": _start,
    "assign": _assign,
    "status": _no_args(Status()),
    "tasks": _no_args(Tasks()),
    "done": _done,
    "process_add": _process_add,
    "process_pick": _process_pick,
    "metric_add": _metric_add,
    "metric_token": _no_args(MetricToken()),
    "checkin": _checkin,
    "results": _no_args(Results()),
    "announce": _announce,
    "settings": _settings,
    "next_cycle": _no_args(NextCycle()),
    "forget": _forget,
    "snooze": _no_args(Snooze()),
    "retro": _retro,
    "help": _no_args(Help()),
}
