"""The proactive messages the planner sends, rendered from the pilot's one health model: the
weekly nudge (and its reminder), the short "still on this?", and the champion's digest."""

from __future__ import annotations

from bot.catalog import Texts
from bot.messages import Actions, Block, BulletList, Button, Heading, Paragraph, Reply
from bot.services import decision_views
from bot.services.snapshot import Snapshot
from bot.services.views import (
    advice_lines,
    mode_text,
    name_of,
    plain_text,
    role_name,
    task_line,
    verdict_line,
    week_label,
)
from playbook.coaching import Condition
from playbook.results import Phase, checkin_asked, phase_of
from playbook.roadmap import Task
from playbook.roles import ROLE_ORDER, Role

#: Done buttons per nudge: with Check in and the adapters' Snooze within Block Kit's and
#: Teams' comfortable limits.
MAX_DONE_BUTTONS = 5


def nudge_reply(
    t: Texts,
    snap: Snapshot,
    roles: frozenset[Role],
    *,
    reminder: bool,
    checkin_metrics: tuple[str, ...] = (),
) -> Reply:
    """This week's open tasks for one owner, each with a Done button; what is still open from
    earlier weeks as one line; in weeks 9-12 the check-in prompt for the metrics they own; and,
    when a factor is 0, the formula and what this reader can do about it."""
    phase = snap.roadmap.phase(snap.week)
    key = "nudge.reminder_title" if reminder else "nudge.title"
    blocks: list[Block] = [
        Heading(t(key, week=week_label(t, snap), phase=phase.title)),
        Paragraph(phase.goal),
    ]
    shown: list[Task] = []
    for role in ROLE_ORDER:
        if role not in roles:
            continue
        tasks, _ = snap.visible_tasks(frozenset({role}))
        shown.extend(tasks)
        blocks.append(Paragraph(t("tasks.as_role", role=role_name(t, role))))
        blocks.append(BulletList(tuple(task_line(t, x, snap.week) for x in tasks)
                                 or (t("tasks.none"),)))  # fmt: skip
    _, earlier = snap.visible_tasks(roles)
    if earlier:
        blocks.append(Paragraph(t("nudge.earlier", count=earlier)))
    checkin_due = bool(checkin_metrics) and checkin_asked(snap.week)
    if checkin_due:
        blocks.append(Paragraph(checkin_prompt(t, snap.week, checkin_metrics)))
    decided, forms = decision_views.nudge_blocks(t, snap, roles)
    blocks.extend(decided)
    # The champion hears about the other roles in the weekly digest, not in every nudge.
    advice = advice_lines(t, snap, roles) if Role.CHAMPION not in roles else []
    if snap.formula.mode.value != "full" and snap.week >= 1:
        blocks.append(Paragraph(verdict_line(t, snap) + " " + mode_text(t, snap)))
    if advice:
        blocks.append(BulletList(tuple(advice)))
    buttons = [
        Button(t("button.done", number=x.number), "done", x.id) for x in shown[:MAX_DONE_BUTTONS]
    ]
    if len(shown) > 1:
        numbers = " ".join(str(x.number) for x in shown[:2])
        blocks.append(Paragraph(t("nudge.tick", numbers=numbers)))
    if checkin_due:
        buttons.append(Button(t("action.checkin"), "checkin"))
    buttons.extend(forms)
    if buttons:
        blocks.append(Actions(tuple(buttons)))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))


def checkin_prompt(t: Texts, week: int, metrics: tuple[str, ...]) -> str:
    """Weeks 2-4 ask for a baseline measurement (before anything is built); weeks 9-12 for the
    week's value."""
    names = ", ".join(metrics)
    if phase_of(week) is Phase.BASELINE:
        return t("numbers.nudge_baseline", metrics=names, example=metrics[0])
    return t("nudge.checkin_due", metrics=names)


def still_reply(
    t: Texts, snap: Snapshot, roles: frozenset[Role], checkin_metrics: tuple[str, ...] = ()
) -> Reply:
    """For an owner who ignored several nudges in a row: one short question, not the list
    (with the check-in prompt and its button while one is due)."""
    now, earlier = snap.visible_tasks(roles)
    blocks: list[Block] = [
        Heading(t("still.title", week=week_label(t, snap))),
        Paragraph(t("still.body", count=len(now) + earlier)),
    ]
    if checkin_metrics:
        blocks.append(Paragraph(checkin_prompt(t, snap.week, checkin_metrics)))
        blocks.append(Actions((Button(t("action.checkin"), "checkin"),)))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))


def digest_reply(t: Texts, snap: Snapshot, *, private: bool = True) -> Reply:
    """The champion's weekly digest: each role that needs attention once, why, the formula and
    what to do. ``private`` False: the pilot's channel (nobody owns a role), without names."""
    health = snap.coaching
    lines = []
    for h in health.attention:
        if private and h.role is Role.CHAMPION:
            continue  # the champion reads this: they are not silent
        role = role_name(t, h.role)
        person = snap.owners.get(h.role)
        if h.condition is Condition.MISSING:
            lines.append(t("escalation.unassigned", role=role, count=1))
        elif not private:
            lines.append(t("risk.silent_public", role=role))
        elif h.condition is Condition.SILENT:
            lines.append(t("escalation.silent", role=role, name=name_of(person, notify=True),
                           count=h.ignored))  # fmt: skip
        else:
            lines.append(t("escalation.unreachable", role=role, name=name_of(person, notify=True)))
    reader = frozenset({Role.CHAMPION}) if private else frozenset()
    blocks: list[Block] = [
        Heading(t("escalation.title")),
        BulletList(tuple(lines)),
        Paragraph(verdict_line(t, snap)),
        Paragraph(mode_text(t, snap)),
    ]
    advice = advice_lines(t, snap, reader)
    if advice:
        blocks.append(BulletList(tuple(advice)))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks), private=private)
