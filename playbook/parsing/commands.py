"""The chat command grammar (CONTRACT.md): text in, a typed command or a Problem out.

English and German keywords both work in every pilot. Mentions stay raw tokens (``@anna``,
``<@U123>``); the service resolves them with what the adapter found in the message.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from playbook.parsing.away import Away as Away
from playbook.parsing.away import Back as Back
from playbook.parsing.away import parse_away, parse_back
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
    more: tuple[str, ...] = ()  # ``done 2 5``: the further task numbers

    @property
    def tasks(self) -> tuple[str, ...]:
        return (self.task, *self.more)


@dataclass(frozen=True)
class ProcessAdd:
    name: str
    inputs: str = ""  # the trigger and the inputs
    outputs: str = ""
    hours_per_week: Decimal | None = None
    steps: str = ""
    systems: str = ""
    volume: Decimal | None = None  # cases per week
    minutes: Decimal | None = None  # minutes per case
    rule_share: int | None = None  # 0-100 %
    data: str | None = None  # playbook.workflows.Data
    pain: str = ""  # comma-separated playbook.workflows.Pain values


@dataclass(frozen=True)
class ProcessPick:
    number: int
    reason: str = ""  # why a lower-ranked one: quoted in the report
    confirm: bool = False  # replacing the workflow already chosen


@dataclass(frozen=True)
class Processes:
    """``processes``: the candidates with their scores, best first."""


@dataclass(frozen=True)
class CapacityCheck:
    """``capacity`` alone: the questionnaire; with key=value answers: record them."""

    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoDate:
    day: date


@dataclass(frozen=True)
class Live:
    live: bool


@dataclass(frozen=True)
class BuildChoice:
    choice: str  # playbook.workflows.Overrun


@dataclass(frozen=True)
class ProcessRemove:
    number: int


@dataclass(frozen=True)
class ProcessEdit:
    """``process edit N field=value …``: only the fields given change."""

    number: int
    name: str | None = None
    inputs: str | None = None
    outputs: str | None = None
    hours_per_week: Decimal | None = None
    steps: str | None = None
    systems: str | None = None
    volume: Decimal | None = None
    minutes: Decimal | None = None
    rule_share: int | None = None
    data: str | None = None
    pain: str | None = None


@dataclass(frozen=True)
class MetricRemove:
    name: str


@dataclass(frozen=True)
class CheckinUndo:
    """``checkin undo``: withdraw the caller's own last check-in."""


@dataclass(frozen=True)
class MetricAdd:
    name: str
    unit: str
    baseline: Decimal
    target: Decimal | None
    lower_is_better: bool
    kind: str | None = None  # lead_time, effort, errors, satisfaction, free (en/de words)
    per: str | None = None  # effort: case or week (en/de words)
    volume: Decimal | None = None  # per-case effort: cases per week
    scale: Decimal | None = None  # satisfaction: top of the scale
    direction_given: bool = False  # lower/higher typed (else lower is assumed)


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
    """``help``: every command; ``help checkin``: one (``topic`` is its name in KEYWORDS'
    values); ``help frob``: ``topic`` None, ``word`` what was asked about."""

    topic: str | None = None
    word: str = ""


@dataclass(frozen=True)
class Retro:
    """An answer to retrospective question 1 (worked), 2 (got in the way), 3 (differently)."""

    question: int
    text: str


@dataclass(frozen=True)
class Snooze:
    """Move my latest nudge to the next working day's slot (the nudge's Snooze button)."""


@dataclass(frozen=True)
class Pause:
    """No more nudges for me in this pilot until I resume."""


@dataclass(frozen=True)
class Resume:
    """Start my nudges again."""


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
    | ProcessRemove
    | ProcessEdit
    | Processes
    | CapacityCheck
    | DemoDate
    | Live
    | BuildChoice
    | MetricAdd
    | MetricRemove
    | CheckinUndo
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
    | Pause
    | Resume
    | Away
    | Back
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
    "process remove": "process_remove",
    "process delete": "process_remove",
    "prozess löschen": "process_remove",
    "prozess loeschen": "process_remove",
    "process edit": "process_edit",
    "prozess ändern": "process_edit",
    "prozess aendern": "process_edit",
    "processes": "processes",
    "process list": "processes",
    "abläufe": "processes",
    "ablaeufe": "processes",
    "prozesse": "processes",
    "capacity": "capacity",
    "kapazität": "capacity",
    "kapazitaet": "capacity",
    "demo": "demo",
    "vorführung": "demo",
    "vorfuehrung": "demo",
    "live": "live",
    "build": "build",
    "bau": "build",
    "metric add": "metric_add",
    "kennzahl neu": "metric_add",
    "metric token": "metric_token",
    "kennzahl token": "metric_token",
    "checkin": "checkin",
    "check-in": "checkin",
    "meldung": "checkin",
    "metric remove": "metric_remove",
    "metric delete": "metric_remove",
    "kennzahl löschen": "metric_remove",
    "kennzahl loeschen": "metric_remove",
    "checkin undo": "checkin_undo",
    "check-in undo": "checkin_undo",
    "meldung zurück": "checkin_undo",
    "meldung zurueck": "checkin_undo",
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
    "pause": "pause",
    "pausieren": "pause",
    "resume": "resume",
    "weiter": "resume",
    "away": "away",
    "abwesend": "away",
    "back": "back",
    "zurück": "back",
    "zurueck": "back",
    "help": "help",
    "hilfe": "help",
    "?": "help",
}

_KEY_ALIASES: dict[str, dict[str, str]] = {
    "process_edit": {"name": "name", "titel": "name"},
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
        "trigger": "inputs",
        "auslöser": "inputs",
        "ausloeser": "inputs",
        "hours": "hours",
        "h": "hours",
        "stunden": "hours",
        "std": "hours",
        "steps": "steps",
        "schritte": "steps",
        "systems": "systems",
        "system": "systems",
        "systeme": "systems",
        "tools": "systems",
        "volume": "volume",
        "cases": "volume",
        "menge": "volume",
        "fälle": "volume",
        "faelle": "volume",
        "minutes": "minutes",
        "min": "minutes",
        "minuten": "minutes",
        "rules": "rules",
        "rule": "rules",
        "regeln": "rules",
        "regel": "rules",
        "data": "data",
        "daten": "data",
        "pain": "pain",
        "problem": "pain",
        "schmerz": "pain",
    },
    "capacity": {
        "builder": "builder",
        "build": "builder",
        "who": "builder",
        "wer": "builder",
        "bauen": "builder",
        "tool": "tool",
        "werkzeug": "tool",
        "api": "api",
        "export": "export",
        "none": "none",
        "noaccess": "none",
        "ohne": "none",
        "keiner": "none",
        "hours": "hours",
        "h": "hours",
        "stunden": "hours",
        "std": "hours",
        "budget": "budget",
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
        "per": "per",
        "pro": "per",
        "je": "per",
        "volume": "volume",
        "cases": "volume",
        "menge": "volume",
        "anzahl": "volume",
        "fälle": "volume",
        "faelle": "volume",
        "scale": "scale",
        "skala": "scale",
    },
}
_KEY_ALIASES["process_edit"].update(_KEY_ALIASES["process_add"])
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


#: How alike a typed word and a keyword must be (difflib's ratio) to be offered instead.
SUGGEST_CUTOFF = 0.6
MAX_SUGGESTIONS = 4
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _shown_keyword(keyword: str) -> str:
    """``verkuenden`` -> ``verkünden``: the spelling to offer when a keyword is the ASCII
    transliteration of another keyword of the same command."""
    for other, name in KEYWORDS.items():
        if (
            other != keyword
            and name == KEYWORDS[keyword]
            and other.translate(_TRANSLITERATE) == keyword
        ):
            return other
    return keyword


def suggest(text: str) -> tuple[str, ...]:
    """Keywords (either language) close to what was typed, best first: ``stauts`` ->
    ``("status",)``; a group word alone (``process``, ``kennzahl``) -> its commands."""
    words = normalise(text).lower().split(" ")
    first = words[0] if words else ""
    if not first:
        return ()
    found: dict[str, str] = {}  # command name -> keyword offered, one per command
    for keyword, name in KEYWORDS.items():
        if keyword.split(" ")[0] == first and " " in keyword:
            found.setdefault(name, _shown_keyword(keyword))
    if found:
        return tuple(found.values())[:MAX_SUGGESTIONS]
    scored: list[tuple[float, str]] = []
    for keyword in KEYWORDS:
        typed = " ".join(words[: len(keyword.split(" "))])
        ratio = difflib.SequenceMatcher(None, typed, keyword).ratio()
        if len(typed) >= 3 and keyword.startswith(typed):  # a beginning: ``stat`` -> status
            ratio += 0.1
        if ratio >= SUGGEST_CUTOFF and keyword != "?":
            scored.append((ratio, keyword))
    scored.sort(key=lambda pair: -pair[0])
    for ratio, keyword in scored:
        # close seconds too (``stat``: status or start), never a weaker match after a strong one
        if ratio >= scored[0][0] - 0.05:
            found.setdefault(KEYWORDS[keyword], _shown_keyword(keyword))
    return tuple(found.values())[:MAX_SUGGESTIONS]


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


MAX_TICKS = 20  # task numbers in one ``done``


def _task_numbers(token: str) -> list[str] | None:
    """``5`` -> ["5"], ``#2,5`` -> ["2", "5"]; None if ``token`` is not only task numbers."""
    parts = [p.lstrip("#") for p in token.split(",") if p]
    if parts and all(p.isascii() and p.isdecimal() and len(p) <= 3 for p in parts):
        return [str(int(p)) for p in parts]
    return None


def _done(rest: str, _language: str) -> Done | Problem:
    """``done TASK [note]`` (a number or an id), or ``done 2 5 [note]``: several numbers,
    separated by spaces or commas; the note starts at the first word that is no number."""
    if not rest:
        return Problem("done.usage")
    words = rest.split(" ")
    numbers = _task_numbers(words[0])
    if numbers is None:
        task, _, note = rest.partition(" ")
        if len(note) > MAX_FIELD:
            return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
        return Done(task=task, note=note.strip())
    used = 1
    while used < len(words) and (more := _task_numbers(words[used])) is not None:
        numbers += more
        used += 1
    numbers = list(dict.fromkeys(numbers))  # ``done 2 2``: once
    if len(numbers) > MAX_TICKS:
        return Problem("done.too_many", {"max": str(MAX_TICKS)})
    note = " ".join(words[used:])
    if len(note) > MAX_FIELD:
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    return Done(task=numbers[0], note=note.strip(), more=tuple(numbers[1:]))


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


DATA_WORDS = {
    "yes": "yes",
    "ja": "yes",
    "y": "yes",
    "partly": "partly",
    "partial": "partly",
    "teilweise": "partly",
    "teils": "partly",
    "no": "no",
    "nein": "no",
    "n": "no",
}
PAIN_WORDS = {
    "time": "time",
    "zeit": "time",
    "errors": "errors",
    "error": "errors",
    "fehler": "errors",
    "customers": "customers",
    "customer": "customers",
    "kunden": "customers",
    "wait": "customers",
    "warten": "customers",
}
YES_NO = {"yes": True, "ja": True, "y": True, "j": True, "no": False, "nein": False, "n": False}
#: The fields of a workflow (``process add`` / ``process edit`` keys after aliasing).
PROCESS_FIELDS = ("name", "inputs", "outputs", "steps", "systems", "volume", "minutes", "rules",
                  "data", "pain", "hours")  # fmt: skip
_NUMBER_LIMITS = {"hours": (0, 168), "volume": (0, 100_000), "minutes": (0, 10_000),
                  "rules": (0, 100)}  # fmt: skip


def process_field(key: str, raw: str, language: str) -> str | Decimal | int | Problem:
    """One workflow field as typed (``rules=80 %``, ``data=teilweise``) -> its value, or why
    not. The forms (Slack modal, Teams card, console prompts) check each field with this too."""
    raw = raw.strip()
    if key == "name":
        if not raw:
            return Problem("process.usage")
        return (
            raw if len(raw) <= MAX_NAME else Problem("error.name_too_long", {"max": str(MAX_NAME)})
        )
    if len(raw) > MAX_FIELD:
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    if key in _NUMBER_LIMITS:
        low, high = _NUMBER_LIMITS[key]
        text = raw.rstrip("%").strip() if key == "rules" else raw
        parsed = parse_number(text, language)
        if (
            isinstance(parsed, Problem)
            or not low <= parsed <= high
            or (key == "minutes" and parsed == 0)
        ):
            table = "process" if key == "hours" else "workflow"
            return Problem(f"{table}.bad_{key}", {"value": raw[:40]})
        return int(parsed) if key == "rules" else parsed
    if key == "data":
        found = DATA_WORDS.get(raw.lower())
        return found if found else Problem("workflow.bad_data", {"value": raw[:40]})
    if key == "pain":
        words = [w for w in re.split(r"[,;/ ]+", raw.lower()) if w and w not in ("und", "and")]
        pains = [PAIN_WORDS.get(w) for w in words]
        if any(p is None for p in pains):
            return Problem("workflow.bad_pain", {"value": raw[:40]})
        return ",".join(dict.fromkeys(p for p in pains if p))
    return raw


def _process_fields(keyed: dict[str, str], language: str) -> dict[str, object] | Problem:
    values: dict[str, object] = {}
    for key, raw in keyed.items():
        value = process_field(key, raw, language)
        if isinstance(value, Problem):
            return value
        values[key] = value
    return values


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
    values = _process_fields(keyed, language)
    if isinstance(values, Problem):
        return values
    return ProcessAdd(
        name=name,
        inputs=str(values.get("inputs", "")),
        outputs=str(values.get("outputs", "")),
        hours_per_week=values.get("hours"),  # type: ignore[arg-type]
        steps=str(values.get("steps", "")),
        systems=str(values.get("systems", "")),
        volume=values.get("volume"),  # type: ignore[arg-type]
        minutes=values.get("minutes"),  # type: ignore[arg-type]
        rule_share=values.get("rules"),  # type: ignore[arg-type]
        data=values.get("data"),  # type: ignore[arg-type]
        pain=str(values.get("pain", "")),
    )


def _position(text: str) -> int | None:
    """A workflow's number as status shows it: ``2`` or ``#2``, 1 to 99."""
    value = text.strip().lstrip("#")
    if not (value.isascii() and value.isdecimal()) or not 1 <= int(value) <= 99:
        return None
    return int(value)


CONFIRM_WORDS = frozenset({"confirm", "yes", "bestätigen", "bestaetigen", "ja"})


def _process_pick(rest: str, _language: str) -> ProcessPick | Problem:
    """``process pick 2``, ``process pick 2 the customers wait longest`` (a reason),
    ``process pick 3 confirm [reason]`` (replace the workflow already chosen)."""
    first, _, reason = rest.strip().partition(" ")
    number = _position(first)
    if number is None:
        return Problem("process.pick_usage")
    confirm = False
    word, _, after = reason.strip().partition(" ")
    if word.lower() in CONFIRM_WORDS:
        confirm, reason = True, after
    reason = reason.strip().strip('"').strip()
    if reason and not any(c.isalpha() for c in reason):
        return Problem("process.pick_usage")
    if len(reason) > MAX_FIELD:
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    return ProcessPick(number, reason=reason, confirm=confirm)


def _process_remove(rest: str, _language: str) -> ProcessRemove | Problem:
    number = _position(rest)
    return Problem("process.remove_usage") if number is None else ProcessRemove(number)


def _process_edit(rest: str, language: str) -> ProcessEdit | Problem:
    split = _split_args(rest, _KEY_ALIASES["process_edit"])
    if isinstance(split, Problem):
        return split
    positional, keyed = split
    unknown = next((p for p in positional if "=" in p), None)
    if unknown is not None:
        return Problem("process.unknown_field", {"field": unknown.partition("=")[0][:40]})
    number = _position(positional[0]) if len(positional) == 1 else None
    if number is None or not keyed:
        return Problem("process.edit_usage")
    if "name" in keyed and not keyed["name"]:
        return Problem("process.edit_usage")
    if len(keyed.get("name", "")) > MAX_NAME:
        return Problem("error.name_too_long", {"max": str(MAX_NAME)})
    if any(len(v) > MAX_FIELD for v in keyed.values()):
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    values = _process_fields(keyed, language)
    if isinstance(values, Problem):
        return values
    return ProcessEdit(
        number=number,
        name=keyed.get("name"),
        inputs=keyed.get("inputs"),
        outputs=keyed.get("outputs"),
        hours_per_week=values.get("hours"),  # type: ignore[arg-type]
        steps=keyed.get("steps"),
        systems=keyed.get("systems"),
        volume=values.get("volume"),  # type: ignore[arg-type]
        minutes=values.get("minutes"),  # type: ignore[arg-type]
        rule_share=values.get("rules"),  # type: ignore[arg-type]
        data=values.get("data"),  # type: ignore[arg-type]
        pain=values.get("pain"),  # type: ignore[arg-type]
    )


BUILDER_WORDS = {"inhouse": "inhouse", "in-house": "inhouse", "developer": "inhouse",
                 "dev": "inhouse", "intern": "inhouse", "entwickler": "inhouse",
                 "entwicklerin": "inhouse", "nocode": "nocode", "no-code": "nocode",
                 "none": "none", "nobody": "none", "noone": "none", "no-one": "none",
                 "niemand": "none", "keiner": "none", "keine": "none"}  # fmt: skip
CAPACITY_KEYS = ("builder", "tool", "api", "export", "none", "hours", "budget")


def capacity_field(key: str, raw: str, language: str) -> str | Decimal | bool | Problem:
    """One answer of the capacity check as typed -> its value, or why not."""
    raw = raw.strip()
    if len(raw) > MAX_FIELD:
        return Problem("error.field_too_long", {"max": str(MAX_FIELD)})
    if key == "builder":
        found = BUILDER_WORDS.get(raw.lower().replace(" ", ""))
        return found if found else Problem("capacity.bad_builder", {"value": raw[:40]})
    if key == "tool":
        return raw.lower() if raw.lower() in ("zapier", "make", "workato", "n8n") else raw[:40]
    if key == "hours":
        parsed = parse_number(raw, language)
        if isinstance(parsed, Problem) or not 0 <= parsed <= 168:
            return Problem("capacity.bad_hours", {"value": raw[:40]})
        return parsed
    if key == "budget":
        yes = YES_NO.get(raw.lower())
        return yes if yes is not None else Problem("capacity.bad_budget", {"value": raw[:40]})
    return raw  # api / export / none: a list of systems


def _capacity(rest: str, language: str) -> CapacityCheck | Problem:
    split = _split_args(rest, _KEY_ALIASES["capacity"])
    if isinstance(split, Problem):
        return split
    positional, keyed = split
    if positional:
        return Problem("capacity.usage")
    for key, raw in keyed.items():
        checked = capacity_field(key, raw, language)
        if isinstance(checked, Problem):
            return checked
    return CapacityCheck(keyed)


_DE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _demo(rest: str, _language: str) -> DemoDate | Problem:
    raw = rest.strip().split(" ")[0] if rest.strip() else ""
    match = _DE_DATE.match(raw)
    try:
        if match:
            day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        else:
            day = date.fromisoformat(raw)
    except ValueError:
        return Problem("build.demo_usage", {"value": raw[:40]})
    return DemoDate(day)


def _live(rest: str, _language: str) -> Live | Problem:
    answer = YES_NO.get(rest.strip().lower().split(" ")[0] if rest.strip() else "")
    return Problem("build.live_usage") if answer is None else Live(answer)


_OVERRUN_WORDS = {"extend": "extend", "verlängern": "extend", "verlaengern": "extend",
                  "shrink": "shrink", "verkleinern": "shrink"}  # fmt: skip


def _build(rest: str, _language: str) -> BuildChoice | Problem:
    choice = _OVERRUN_WORDS.get(rest.strip().lower())
    return Problem("build.usage") if choice is None else BuildChoice(choice)


def _metric_add(rest: str, language: str) -> MetricAdd | Problem:
    split = _split_args(rest, _KEY_ALIASES["metric_add"])
    if isinstance(split, Problem):
        return split
    positional, keyed = split
    lower = True
    direction = False
    words: list[str] = []
    for token in positional:
        if token.lower() in _LOWER:
            lower, direction = True, True
        elif token.lower() in _HIGHER:
            lower, direction = False, True
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
    for key in ("baseline", "target", "volume", "scale"):
        if key in keyed:
            parsed = parse_number(keyed[key], language)
            if isinstance(parsed, Problem) or parsed < 0:
                table = "metric" if key in ("baseline", "target") else "numbers"
                return Problem(f"{table}.bad_{key}", {"value": keyed[key][:40]})
            values[key] = parsed
    return MetricAdd(
        name=name,
        unit=unit,
        baseline=values["baseline"],
        target=values.get("target"),
        lower_is_better=lower,
        kind=keyed.get("kind"),
        per=keyed.get("per"),
        volume=values.get("volume"),
        scale=values.get("scale"),
        direction_given=direction,
    )


def _metric_remove(rest: str, _language: str) -> MetricRemove | Problem:
    split = _split_args(rest, {})
    if isinstance(split, Problem):
        return split
    name = " ".join(split[0]).strip()
    if not name:
        return Problem("metric.remove_usage")
    if len(name) > MAX_NAME:
        return Problem("error.name_too_long", {"max": str(MAX_NAME)})
    return MetricRemove(name)


def _help(rest: str, _language: str) -> Help:
    """``help checkin``, ``hilfe prozess wählen``, ``help `done` ``: one command."""
    asked = rest.replace("`", " ").strip().strip("'\"")
    if not asked:
        return Help()
    name, _keyword, _rest = split_keyword(normalise(asked))
    return Help(topic=name) if name else Help(word=asked.split(" ")[0][:40])


def _checkin(rest: str, _language: str) -> Checkin | Problem:
    if not rest.strip():
        return Problem("checkin.usage")
    return Checkin(rest.strip())


def _announce(rest: str, _language: str) -> Announce:
    return Announce(rest.split(" ")[0] if rest else None)


def _settings(rest: str, _language: str) -> Settings | Problem:
    """``settings key=value …``; a value with spaces in double quotes: ``name="Repair triage"``."""
    split = _split_args(rest, {})
    if isinstance(split, Problem):
        return split
    values: dict[str, str] = {}
    for token in split[0]:
        key, sep, value = token.partition("=")
        if not sep or not value.strip() or not key:
            return Problem("settings.usage")
        values[key.lower()] = value.strip()
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
    "process_remove": _process_remove,
    "process_edit": _process_edit,
    "processes": _no_args(Processes()),
    "capacity": _capacity,
    "demo": _demo,
    "live": _live,
    "build": _build,
    "metric_add": _metric_add,
    "metric_remove": _metric_remove,
    "checkin_undo": _no_args(CheckinUndo()),
    "metric_token": _no_args(MetricToken()),
    "checkin": _checkin,
    "results": _no_args(Results()),
    "announce": _announce,
    "settings": _settings,
    "next_cycle": _no_args(NextCycle()),
    "forget": _forget,
    "snooze": _no_args(Snooze()),
    "pause": _no_args(Pause()),
    "resume": _no_args(Resume()),
    "away": parse_away,
    "back": parse_back,
    "retro": _retro,
    "help": _help,
}
