"""The coaching decisions, made once per pilot and moment: its health and the messages due.

``assess`` turns a pilot's facts into its ``Health``: which tasks the evidence completes, the
formula's factors, the roles that need attention and why, the risks, and what each reader may
do about them. ``plan`` turns the health plus the week's delivery history into the proactive
messages due now, within the message budget. Status, nudges, digests and results all render
from the same ``Health``, so two messages of the same minute cannot disagree.

Pure: data in, decisions out (no I/O, clock or environment); the planner loads and inserts.

Message budget, per person and week: one nudge and one reminder at most, the reminder only
after a nudge sent before its slot; an owner who ignored ``STILL_AFTER`` nudges in a row gets a
short "still on this?" instead of the task list and no reminder; the champion gets one digest
about the roles that need attention, and only in the week a role turns silent or missing and
every other week while it stays so.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from playbook.results import checkin_asked
from playbook.roadmap import LAST_WEEK, Roadmap, Task
from playbook.roles import ROLE_ORDER, SILENT_AFTER, FailureMode, Formula, Role

#: Consecutive ignored nudges after which the task list gives way to "still on this?".
STILL_AFTER = 3
#: While a role keeps needing attention, the champion hears of it every ``DIGEST_EVERY`` weeks.
DIGEST_EVERY = 2
MEASURE_FROM = 9  # weeks 9-12: measure and iterate; check-ins are due
SUMMARY_WEEK = LAST_WEEK + 1
FIRST_MISSING_WEEK = 2  # an unassigned role is a problem once week 1 is over
MIN_PROCESSES = 2
OVERRUN_WEEK = 9  # not live by then: the champion chooses (playbook.workflows.Overrun)


class Fact(enum.StrEnum):
    """Facts the bot can see; a roadmap task naming one (``evidence = …``) is done by it."""

    CHAMPION_NAMED = "champion_named"  # named, and has written in the pilot since
    ROLES_NAMED = "roles_named"
    PROCESSES_MAPPED = "processes_mapped"
    METRIC_DEFINED = "metric_defined"
    WORKFLOW_PICKED = "workflow_picked"
    FIRST_CHECKIN = "first_checkin"
    RESULTS_ANNOUNCED = "results_announced"
    CAPACITY_ASSESSED = "capacity_assessed"  # the week-4 questionnaire was answered
    SOLUTION_LIVE = "solution_live"  # the integrator said the solution is live


class Condition(enum.StrEnum):
    OK = "ok"
    MISSING = "missing"  # nobody holds the role
    SILENT = "silent"  # the owner ignored the last SILENT_AFTER nudges
    UNREACHABLE = "unreachable"  # the platform refuses messages to the owner
    PAUSED = "paused"  # the owner paused their nudges
    AWAY = "away"  # the owner is out of office: no nudges, no escalation about them


@dataclass(frozen=True)
class Owner:
    person_id: int
    ignored: int = 0  # nudges in a row since their last activity
    unreachable: bool = False
    paused: bool = False
    away: bool = False


@dataclass(frozen=True)
class PilotFacts:
    week: int
    owners: Mapping[Role, Owner]
    ticked: frozenset[str] = frozenset()  # tasks marked done by hand
    processes: int = 0
    chosen: bool = False
    metrics: int = 0
    checkins: int = 0
    announced: bool = False
    failed: int = 0
    champion_active: bool = False  # the champion has written in the pilot
    capacity: bool = False  # the capacity check was answered
    live: bool = False  # the chosen workflow's solution is live
    overrun_decided: bool = False  # the champion chose extend or shrink (not live in week 9)


@dataclass(frozen=True)
class RoleHealth:
    role: Role
    person_id: int | None
    condition: Condition
    ignored: int = 0

    @property
    def factor(self) -> int:
        return 0 if self.condition in (Condition.MISSING, Condition.SILENT) else 1


@dataclass(frozen=True)
class Risk:
    """``key`` is a catalog suffix (``risk.<key>``); ``role`` the role it concerns, if any."""

    key: str
    role: Role | None = None
    count: int = 0


@dataclass(frozen=True)
class Advice:
    """What the reader can do: ``advice.<key>`` about ``role``."""

    key: str
    role: Role | None = None


@dataclass(frozen=True)
class Health:
    week: int
    roles: Mapping[Role, RoleHealth]
    formula: Formula
    facts: frozenset[Fact]
    done: frozenset[str]  # ticked by hand or by evidence
    evidence: Mapping[str, Fact]  # task id -> the fact that completed it
    risks: tuple[Risk, ...]
    overrun_due: bool = False  # not live in week 9+ and the champion has not chosen yet

    @property
    def attention(self) -> tuple[RoleHealth, ...]:
        """Roles whose owner the champion should look after (missing from week 2 on)."""
        return tuple(
            h
            for h in self.roles.values()
            if h.condition in (Condition.SILENT, Condition.UNREACHABLE)
            or (h.condition is Condition.MISSING and self.week >= FIRST_MISSING_WEEK)
        )

    @property
    def everyone_quiet(self) -> bool:
        """No factor is left although someone holds a role: silence, not absence (the formula's
        "nobody" mode would say "no roles")."""
        return self.formula.mode is FailureMode.NOBODY and any(
            h.condition is not Condition.MISSING for h in self.roles.values()
        )


def facts_of(f: PilotFacts) -> frozenset[Fact]:
    seen = set()
    if Role.CHAMPION in f.owners and f.champion_active:
        seen.add(Fact.CHAMPION_NAMED)
    if Role.MODELER in f.owners and Role.INTEGRATOR in f.owners:
        seen.add(Fact.ROLES_NAMED)
    if f.processes >= MIN_PROCESSES:
        seen.add(Fact.PROCESSES_MAPPED)
    if f.metrics:
        seen.add(Fact.METRIC_DEFINED)
    if f.chosen:
        seen.add(Fact.WORKFLOW_PICKED)
    if f.checkins:
        seen.add(Fact.FIRST_CHECKIN)
    if f.announced:
        seen.add(Fact.RESULTS_ANNOUNCED)
    if f.capacity:
        seen.add(Fact.CAPACITY_ASSESSED)
    if f.live and f.chosen:
        seen.add(Fact.SOLUTION_LIVE)
    return frozenset(seen)


def _condition(owner: Owner | None) -> Condition:
    if owner is None:
        return Condition.MISSING
    if owner.away:  # before silence: nudges they could not answer are not escalated
        return Condition.AWAY
    if owner.unreachable:
        return Condition.UNREACHABLE
    if owner.ignored >= SILENT_AFTER:
        return Condition.SILENT
    return Condition.PAUSED if owner.paused else Condition.OK


def assess(f: PilotFacts, roadmap: Roadmap) -> Health:
    """The pilot's health at one moment, computed once for every message of that moment."""
    facts = facts_of(f)
    evidence = {
        t.id: Fact(t.evidence) for t in roadmap.tasks if t.evidence and Fact(t.evidence) in facts
    }
    roles = {}
    for role in ROLE_ORDER:
        owner = f.owners.get(role)
        roles[role] = RoleHealth(
            role,
            owner.person_id if owner else None,
            _condition(owner),
            owner.ignored if owner else 0,
        )
    formula = Formula(
        champion=roles[Role.CHAMPION].factor,
        integrator=roles[Role.INTEGRATOR].factor,
        modeler=roles[Role.MODELER].factor,
    )
    risks: list[Risk] = []
    if formula.mode.value != "full":
        risks.append(Risk("mode"))
    for h in roles.values():
        if h.condition is Condition.SILENT:
            risks.append(Risk("silent", h.role, h.ignored))
        elif h.condition in (Condition.UNREACHABLE, Condition.PAUSED, Condition.AWAY):
            risks.append(Risk(h.condition.value, h.role))
    if f.failed:
        risks.append(Risk("failed", count=f.failed))
    if f.week >= 4 and not f.processes:
        risks.append(Risk("no_processes"))
    if f.week >= 6 and not f.chosen:
        risks.append(Risk("no_choice"))
    if f.week >= 4 and not f.metrics:
        risks.append(Risk("no_metrics"))
    if f.week >= 10 and f.metrics and not f.checkins:
        risks.append(Risk("no_checkins"))
    overrun_due = OVERRUN_WEEK <= f.week <= LAST_WEEK and f.chosen and not f.live
    overrun_due = overrun_due and not f.overrun_decided
    if overrun_due:
        risks.append(Risk("not_live"))
    return Health(
        week=f.week,
        roles=roles,
        formula=formula,
        facts=facts,
        done=f.ticked | frozenset(evidence),
        evidence=evidence,
        risks=tuple(risks),
        overrun_due=overrun_due,
    )


def advice_for(health: Health, reader: frozenset[Role]) -> tuple[Advice, ...]:
    """What the reader may do about the roles that need attention: only the champion assigns
    and reassigns; the others are told whom to ask."""
    found: list[Advice] = []
    champion = health.roles[Role.CHAMPION]
    if champion.condition is Condition.MISSING and Role.CHAMPION not in reader:
        return (Advice("name_champion"),)
    for h in health.attention:
        if h.role is Role.CHAMPION:
            if Role.CHAMPION not in reader:
                found.append(Advice("champion_quiet", h.role))
        elif Role.CHAMPION in reader:
            found.append(Advice(f"champion.{h.condition.value}", h.role))
        elif h.role not in reader:
            found.append(Advice("ask_champion", h.role))
    return tuple(found)


def visible_tasks(
    roadmap: Roadmap, week: int, done: frozenset[str], roles: frozenset[Role]
) -> tuple[tuple[Task, ...], int]:
    """A reader's open tasks of this week, and how many from earlier weeks are still open."""
    now, earlier = [], 0
    for task in roadmap.open_tasks(week, done):
        if task.role not in roles:
            continue
        if task.active_in(week):
            now.append(task)
        else:
            earlier += 1
    return tuple(now), earlier


# ---- the plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One role owner as the planner sees them this week."""

    person_id: int
    roles: frozenset[Role]
    ignored: int = 0
    paused: bool = False
    unreachable: bool = False
    away: bool = False  # out of office, or welcomed back this week (the welcome replaces it)
    active_since_slot: bool = False
    checkins_due: tuple[str, ...] = ()  # metrics they own without a check-in this week
    nudged_before_reminder: bool = True  # this week's nudge went out before the reminder slot


@dataclass(frozen=True)
class Moment:
    """Where the week stands for the plan: the slot has passed; has the reminder's?"""

    week: int
    reminder_due: bool
    sent: frozenset[tuple[int | None, str]] = field(default_factory=frozenset)
    # (person id or None for the channel, kind) already in this week's outbox


@dataclass(frozen=True)
class Planned:
    kind: str  # weekly, still, reminder, digest, retro, summary
    person_id: int | None  # None: the pilot's channel
    roles: frozenset[Role] = frozenset()
    at_reminder: bool = False  # due at the reminder slot rather than the weekly slot
    now: bool = False  # due at once (digests)
    checkins: tuple[str, ...] = ()


def digest_due(health: Health) -> bool:
    """The week a role turns silent or missing, and every DIGEST_EVERY weeks while it stays so;
    an unreachable owner every week (the champion can act on it)."""
    for h in health.attention:
        if h.condition is Condition.UNREACHABLE:
            return True
        if h.condition is Condition.SILENT and (h.ignored - SILENT_AFTER) % DIGEST_EVERY == 0:
            return True
        fresh_week = (health.week - FIRST_MISSING_WEEK) % DIGEST_EVERY == 0
        if h.condition is Condition.MISSING and fresh_week:
            return True
    return False


def plan(
    health: Health, roadmap: Roadmap, people: Sequence[Recipient], moment: Moment
) -> tuple[Planned, ...]:
    """The proactive messages due now that are not in the outbox yet."""
    out: list[Planned] = []
    week = moment.week

    def add(p: Planned) -> None:
        if (p.person_id, p.kind) not in moment.sent:
            out.append(p)

    if week == SUMMARY_WEEK:
        for r in people:
            if Role.CHAMPION in r.roles and not r.unreachable:
                add(Planned("summary", r.person_id, r.roles))
        return tuple(out)
    champion: Recipient | None = None
    for r in people:
        if Role.CHAMPION in r.roles:
            champion = r
        if r.unreachable or r.paused or r.away:
            continue
        still = r.ignored >= STILL_AFTER
        nudged = {(r.person_id, "weekly"), (r.person_id, "still")} & moment.sent
        if week == LAST_WEEK and not still:
            add(Planned("retro", r.person_id, r.roles))
        tasks, earlier = visible_tasks(roadmap, week, health.done, r.roles)
        checkins = r.checkins_due if checkin_asked(week) else ()
        advice = advice_for(health, r.roles)
        if still:  # the first week, then every DIGEST_EVERY weeks (weekly while a check-in is
            # due): a question, not the list
            asked = r.ignored == STILL_AFTER or week % DIGEST_EVERY == 0 or bool(checkins)
            if (tasks or earlier or checkins) and asked and not nudged:
                add(Planned("still", r.person_id, r.roles, checkins=checkins))
            continue
        wanted = tasks or earlier or checkins or (advice and Role.CHAMPION not in r.roles)
        if wanted and not nudged:
            add(Planned("weekly", r.person_id, r.roles, checkins=checkins))
        quiet = r.ignored < SILENT_AFTER and not r.active_since_slot
        # a reminder follows a nudge of an earlier moment: a week caught up late (the bot was
        # down, the pilot began mid-week) gets its nudge alone, not the nudge and its reminder
        early = nudged and r.nudged_before_reminder
        if moment.reminder_due and tasks and quiet and early:
            add(Planned("reminder", r.person_id, r.roles, at_reminder=True))
    if week == OVERRUN_WEEK and health.overrun_due:
        for r in people:
            if Role.CHAMPION in r.roles and not (r.unreachable or r.paused or r.away):
                add(Planned("overrun", r.person_id, r.roles, now=True))
    if week >= 1 and health.attention and digest_due(health):
        if champion is not None and not (champion.unreachable or champion.away):
            concerns = [h for h in health.attention if h.role is not Role.CHAMPION]
            if concerns:
                add(Planned("digest", champion.person_id, champion.roles, now=True))
        elif not people:
            add(Planned("digest", None, now=True))  # nobody to tell: the channel, no names
    return tuple(out)
