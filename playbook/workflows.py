"""The decisions of weeks 2-5 as pure rules: score the mapped workflows, recommend how to build.

The score is transparent on purpose, a product anyone can redo on paper:

    hours per week (volume x minutes per case / 60, or the hours given)
    x rule share (the part of the cases that follows clear rules, 0-100 %)
    x data readiness (yes 1, partly 0.5, no 0.2)
    x capacity fit (1, or less when the team found in week 4 cannot reach a system it needs)

"Repair request triage: 12 h/week x 80 % rule-based x data yes -> 9.6 — recommended".

The capacity check of week 4 asks who would build it, which systems can be reached (API, an
export, or not at all), how many hours a week the builder has in weeks 5-8 and whether there is
budget for outside help; ``recommend`` turns the answers into in-house, no-code or partner with
the reason. No I/O here: the services load, the views render these values.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


class Data(enum.StrEnum):
    """Is the data the workflow needs available (in a system, in a readable form)?"""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


DATA_FACTOR: dict[Data, float] = {Data.YES: 1.0, Data.PARTLY: 0.5, Data.NO: 0.2}


class Pain(enum.StrEnum):
    TIME = "time"
    ERRORS = "errors"
    CUSTOMERS = "customers"  # customers waiting


class Builder(enum.StrEnum):
    INHOUSE = "inhouse"  # an in-house developer
    NOCODE = "nocode"  # someone who builds with Zapier, Make, Workato or n8n
    NONE = "none"  # nobody


class Access(enum.StrEnum):
    """How a system can be reached by what gets built."""

    API = "api"
    EXPORT = "export"  # files or a scheduled export, no live API
    NONE = "none"


class Path(enum.StrEnum):
    """The week-4 recommendation."""

    INHOUSE = "inhouse"
    NOCODE = "nocode"
    PARTNER = "partner"


TOOLS = ("zapier", "make", "workato", "n8n")
TOOL_NAMES = {"zapier": "Zapier", "make": "Make", "workato": "Workato", "n8n": "n8n"}
#: Hours per week in weeks 5-8 below which a builder is not enough on their own.
MIN_HOURS = {Builder.INHOUSE: 4.0, Builder.NOCODE: 2.0}
#: Capacity fit of a workflow one of whose systems the team cannot reach: a no-code tool needs
#: an API (or at least an export), a developer can work around more, a partner most.
FIT_UNREACHABLE = {Path.NOCODE: 0.5, Path.INHOUSE: 0.7, Path.PARTNER: 0.8}
FIT_EXPORT_ONLY = {Path.NOCODE: 0.8, Path.INHOUSE: 1.0, Path.PARTNER: 1.0}
MAX_CANDIDATES = 3


def systems_of(text: str) -> tuple[str, ...]:
    """``"ticket system, e-mail; Excel"`` -> ("ticket system", "e-mail", "Excel"), each once."""
    parts = (p.strip() for p in re.split(r"[,;/\n]+", text or ""))
    seen: dict[str, str] = {}
    for part in parts:
        if part:
            seen.setdefault(part.casefold(), part)
    return tuple(seen.values())


@dataclass(frozen=True)
class Candidate:
    """A mapped workflow as the score reads it."""

    number: int
    name: str
    volume: float | None = None  # cases per week
    minutes: float | None = None  # minutes per case
    hours: float | None = None  # hours per week, when given instead of volume x minutes
    rule_share: float | None = None  # 0-100
    data: Data | None = None
    systems: tuple[str, ...] = ()

    @property
    def hours_per_week(self) -> float | None:
        if self.volume is not None and self.minutes is not None:
            return self.volume * self.minutes / 60
        return self.hours

    @property
    def missing(self) -> tuple[str, ...]:
        """The fields the score still needs (``hours`` stands for volume and minutes)."""
        gone = []
        if self.hours_per_week is None:
            gone.append("hours")
        if self.rule_share is None:
            gone.append("rules")
        if self.data is None:
            gone.append("data")
        return tuple(gone)


@dataclass(frozen=True)
class Capacity:
    """The answers to the week-4 questionnaire."""

    builder: Builder
    tool: str = ""  # one of TOOLS when builder is NOCODE (or free text)
    access: Mapping[str, Access] = field(default_factory=dict)  # system -> access
    hours: float = 0.0  # per week, weeks 5-8
    budget: bool = False  # budget for outside help

    def access_of(self, system: str) -> Access | None:
        wanted = system.casefold()
        return next((a for s, a in self.access.items() if s.casefold() == wanted), None)


@dataclass(frozen=True)
class Recommendation:
    path: Path
    reason: str  # a catalog suffix: ``capacity.reason.<reason>``
    tool: str = ""
    reachable: tuple[str, ...] = ()  # systems with an API or an export
    unreachable: tuple[str, ...] = ()


def recommend(c: Capacity) -> Recommendation:
    """In-house, no-code or partner, and why: the builder there is, with enough hours, and a way
    into the systems; else outside help when there is budget for it."""
    reachable = tuple(s for s, a in c.access.items() if a is not Access.NONE)
    unreachable = tuple(s for s, a in c.access.items() if a is Access.NONE)
    apis = tuple(s for s, a in c.access.items() if a is Access.API)
    reachable = apis or reachable
    enough = c.builder in MIN_HOURS and c.hours >= MIN_HOURS[c.builder]

    def rec(path: Path, reason: str) -> Recommendation:
        tool = c.tool if path is Path.NOCODE else ""
        return Recommendation(path, reason, tool, reachable, unreachable)

    if c.builder is Builder.INHOUSE and enough:
        return rec(Path.INHOUSE, "inhouse")
    if c.builder is Builder.NOCODE and enough and apis:
        return rec(Path.NOCODE, "nocode")
    if c.builder is Builder.NOCODE and enough and not c.access:
        return rec(Path.NOCODE, "nocode_unchecked")
    if c.budget:
        if c.builder is Builder.NONE:
            return rec(Path.PARTNER, "partner_no_builder")
        if not enough:
            return rec(Path.PARTNER, "partner_no_hours")
        return rec(Path.PARTNER, "partner_no_api")  # a no-code builder, and no system has an API
    if c.builder is Builder.INHOUSE:
        return rec(Path.INHOUSE, "inhouse_tight")
    if c.builder is Builder.NOCODE:
        return rec(Path.NOCODE, "nocode_no_api" if enough else "nocode_tight")
    return rec(Path.PARTNER, "partner_needs_budget")


@dataclass(frozen=True)
class Fit:
    factor: float
    blocked: tuple[str, ...] = ()  # systems that cannot be reached
    export_only: tuple[str, ...] = ()


def fit(candidate: Candidate, capacity: Capacity | None, path: Path | None) -> Fit:
    """How well the way of building found in week 4 reaches this workflow's systems."""
    if capacity is None or path is None:
        return Fit(1.0)
    blocked = tuple(s for s in candidate.systems if capacity.access_of(s) is Access.NONE)
    export = tuple(s for s in candidate.systems if capacity.access_of(s) is Access.EXPORT)
    if blocked:
        return Fit(FIT_UNREACHABLE[path], blocked, export)
    if export:
        return Fit(FIT_EXPORT_ONLY[path], (), export)
    return Fit(1.0)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    hours: float | None
    rule_share: float | None
    data: Data | None
    fit: Fit
    score: float | None  # None: a field is missing
    rank: int = 0  # 1 = recommended; 0 = not ranked (incomplete)

    @property
    def recommended(self) -> bool:
        return self.rank == 1


def score(candidate: Candidate, capacity: Capacity | None = None) -> Scored:
    path = recommend(capacity).path if capacity is not None else None
    hours = candidate.hours_per_week
    found = fit(candidate, capacity, path)
    value = None
    if hours is not None and candidate.rule_share is not None and candidate.data is not None:
        raw = hours * candidate.rule_share / 100 * DATA_FACTOR[candidate.data] * found.factor
        value = float(Decimal(repr(raw)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return Scored(candidate, hours, candidate.rule_share, candidate.data, found, value)


def rank(candidates: Sequence[Candidate], capacity: Capacity | None = None) -> tuple[Scored, ...]:
    """Highest score first (ties: the earlier number); incomplete candidates last, unranked."""
    scored = [score(c, capacity) for c in candidates]
    complete = sorted(
        (s for s in scored if s.score is not None),
        key=lambda s: (-(s.score or 0.0), s.candidate.number),
    )
    ranked = [
        Scored(s.candidate, s.hours, s.rule_share, s.data, s.fit, s.score, rank=i)
        for i, s in enumerate(complete, start=1)
    ]
    rest = [s for s in scored if s.score is None]
    return (*ranked, *rest)


def top(ranking: Sequence[Scored]) -> Scored | None:
    return next((s for s in ranking if s.rank == 1), None)


def needs_reason(ranking: Sequence[Scored], number: int) -> Scored | None:
    """The recommended candidate when picking ``number`` passes it over (then the pick needs a
    one-line reason), else None."""
    best = top(ranking)
    if best is None or best.candidate.number == number:
        return None
    picked = next((s for s in ranking if s.candidate.number == number), None)
    if picked is not None and picked.score is not None and picked.score >= (best.score or 0):
        return None  # a tie with the top one is no passing over
    return best


class Overrun(enum.StrEnum):
    """The champion's choice when the solution is not live at the start of week 9."""

    EXTEND = "extend"  # two more build weeks
    SHRINK = "shrink"  # cut the scope to what runs now


BUILD_WEEKS = (5, 8)
DEMO_WEEK = 6
LIVE_WEEK = 8
OVERRUN_WEEK = 9
EXTENSION_WEEKS = 2
