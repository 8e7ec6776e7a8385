"""The three roles of the KI-Impact-Formel, their factors and who may do what.

Impact = Champion x (Integrator + Process Modeler). A factor is 1 when the role has an owner
who has not ignored the last two nudges, else 0; the product names the failure mode.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class Role(enum.StrEnum):
    CHAMPION = "champion"
    MODELER = "modeler"
    INTEGRATOR = "integrator"


ROLE_ORDER: tuple[Role, ...] = (Role.CHAMPION, Role.INTEGRATOR, Role.MODELER)

#: Every spelling (en + de) a user may type for a role.
ROLE_WORDS: dict[str, Role] = {
    "champion": Role.CHAMPION,
    "sponsor": Role.CHAMPION,
    "modeler": Role.MODELER,
    "modeller": Role.MODELER,
    "modellierer": Role.MODELER,
    "modelliererin": Role.MODELER,
    "prozessmodellierer": Role.MODELER,
    "integrator": Role.INTEGRATOR,
    "integratorin": Role.INTEGRATOR,
}

#: Consecutive ignored nudges after which an owner counts as silent.
SILENT_AFTER = 2


class FailureMode(enum.StrEnum):
    """Catalog key suffixes (``formula.mode.<value>``) for the state of the formula."""

    FULL = "full"
    NOBODY = "nobody"
    NO_BACKING = "no_backing"  # modeler + integrator without champion
    NO_EXECUTION = "no_execution"  # only a champion
    FRAGILE = "fragile"  # champion + integrator without modeler
    NOT_INTEGRATED = "not_integrated"  # champion + modeler without integrator


@dataclass(frozen=True)
class RoleState:
    role: Role
    assigned: bool
    ignored_nudges: int = 0

    @property
    def silent(self) -> bool:
        return self.assigned and self.ignored_nudges >= SILENT_AFTER

    @property
    def factor(self) -> int:
        return 1 if self.assigned and not self.silent else 0


@dataclass(frozen=True)
class Formula:
    champion: int
    integrator: int
    modeler: int

    @property
    def impact(self) -> int:
        return self.champion * (self.integrator + self.modeler)

    @property
    def mode(self) -> FailureMode:
        c, i, p = self.champion, self.integrator, self.modeler
        if c and i and p:
            return FailureMode.FULL
        if not c:
            return FailureMode.NO_BACKING if (i or p) else FailureMode.NOBODY
        if not i and not p:
            return FailureMode.NO_EXECUTION
        return FailureMode.FRAGILE if i else FailureMode.NOT_INTEGRATED


def formula(states: Sequence[RoleState]) -> Formula:
    by_role = {s.role: s.factor for s in states}
    return Formula(
        champion=by_role.get(Role.CHAMPION, 0),
        integrator=by_role.get(Role.INTEGRATOR, 0),
        modeler=by_role.get(Role.MODELER, 0),
    )


def ignored_nudges(nudges_sent_at: Sequence[datetime], last_active_at: datetime | None) -> int:
    """How many of the most recent nudges came after the owner's last activity."""
    count = 0
    for sent in sorted(nudges_sent_at, reverse=True):
        if last_active_at is not None and last_active_at >= sent:
            break
        count += 1
    return count


class Action(enum.StrEnum):
    ASSIGN = "assign"
    PROCESS_ADD = "process_add"
    PROCESS_PICK = "process_pick"
    PROCESS_EDIT = "process_edit"  # process edit N, process remove N
    METRIC_ADD = "metric_add"
    METRIC_REMOVE = "metric_remove"
    CHECKIN = "checkin"
    ANNOUNCE = "announce"
    SETTINGS = "settings"
    METRIC_TOKEN = "metric_token"
    NEXT_CYCLE = "next_cycle"
    FORGET = "forget"
    RETRO = "retro"
    CAPACITY = "capacity"  # the week-4 capacity check
    DEMO = "demo"  # demo DATE (week 6)
    LIVE = "live"  # live yes|no (week 8)
    BUILD = "build"  # build extend|shrink (week 9)


#: Which role owners may perform an action. Actions not listed are open to anyone.
ALLOWED: dict[Action, frozenset[Role]] = {
    Action.ASSIGN: frozenset({Role.CHAMPION}),
    Action.PROCESS_ADD: frozenset({Role.MODELER, Role.CHAMPION}),
    Action.PROCESS_PICK: frozenset({Role.CHAMPION, Role.MODELER}),
    Action.PROCESS_EDIT: frozenset({Role.MODELER, Role.CHAMPION}),
    Action.METRIC_ADD: frozenset({Role.MODELER, Role.CHAMPION}),
    Action.METRIC_REMOVE: frozenset({Role.MODELER, Role.CHAMPION}),
    Action.CHECKIN: frozenset({Role.CHAMPION, Role.MODELER, Role.INTEGRATOR}),
    Action.ANNOUNCE: frozenset({Role.CHAMPION}),
    Action.SETTINGS: frozenset({Role.CHAMPION}),
    Action.METRIC_TOKEN: frozenset({Role.CHAMPION}),
    Action.NEXT_CYCLE: frozenset({Role.CHAMPION}),
    Action.FORGET: frozenset({Role.CHAMPION}),
    Action.RETRO: frozenset({Role.CHAMPION, Role.MODELER, Role.INTEGRATOR}),
    Action.CAPACITY: frozenset({Role.INTEGRATOR, Role.CHAMPION}),
    Action.DEMO: frozenset({Role.INTEGRATOR, Role.CHAMPION}),
    Action.LIVE: frozenset({Role.INTEGRATOR, Role.CHAMPION}),
    Action.BUILD: frozenset({Role.CHAMPION}),
}


def may(action: Action, caller_roles: frozenset[Role], *, champion_exists: bool) -> bool:
    """Permission rule: role-bound actions need one of the allowed roles.

    While a pilot has no champion, anyone may assign roles (somebody has to name the first one).
    """
    if action is Action.ASSIGN and not champion_exists:
        return True
    allowed = ALLOWED.get(action)
    return allowed is None or bool(allowed & caller_roles)


def allowed_roles(action: Action) -> tuple[Role, ...]:
    allowed = ALLOWED.get(action, frozenset(ROLE_ORDER))
    return tuple(r for r in ROLE_ORDER if r in allowed)
