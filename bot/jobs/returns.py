"""For the planner: whose nudges an absence holds, and who is back and due a welcome.

A digest to the champion carries whom it is about (``ABOUT``: their platform ids), so the
dispatcher can ask the platform whether they are away before it goes.

A welcome back is due once per pilot and absence (``playbook.away.welcome_due``): at once after
``back`` or a cleared status, else at the slot time of the first working day from the return.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.messages import ConversationRef
from bot.services.snapshot import Snapshot
from playbook.away import welcome_due
from playbook.coaching import Condition
from playbook.roles import Role
from storage.tables import AwayPeriod, Person

ABOUT = "about"  # ConversationRef.extra key: the people a digest names, comma-separated


def about(ref: ConversationRef, snap: Snapshot) -> ConversationRef:
    """The digest's target with the owners it names as quiet or unreachable."""
    named = [
        person.external_id
        for h in snap.coaching.attention
        if h.role is not Role.CHAMPION and h.condition is not Condition.MISSING
        and (person := snap.owners.get(h.role)) is not None
    ]  # fmt: skip
    return (
        replace(ref, extra={**ref.extra, ABOUT: ",".join(dict.fromkeys(named))}) if named else ref
    )


def nudges_held(snap: Snapshot, person: Person) -> bool:
    """Away with a known end: no nudges are queued. A platform status without an end is read
    again when a nudge is about to go (the dispatcher), so those are still queued."""
    period = snap.away_now(person.id)
    return period is not None and (period.source == "command" or period.until is not None)


def welcomes_due(snap: Snapshot) -> list[tuple[Person, AwayPeriod, datetime]]:
    """Role owners back from an absence who were not welcomed in this pilot yet, with the
    moment their welcome is due (maybe still ahead)."""
    found = []
    people = {p.id: p for p in snap.owners.values() if p.id is not None}
    for person_id, person in sorted(people.items()):
        period = snap.away.returned.get(person_id)
        if period is None or period.id is None or person_id in snap.away.current:
            continue
        if (snap.pilot_id, period.id) in snap.away.welcomed:
            continue
        due = welcome_due(period.until, period.ended_at, snap.schedule)
        if due is not None and due >= snap.pilot.created_at:
            found.append((person, period, due))
    return found
