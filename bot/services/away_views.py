"""What the bot says about absences: "away until …" in status, and the one welcome back that
replaces the nudges someone missed: what changed in the pilot since they left, and what is
theirs to do this week."""

from __future__ import annotations

from bot.catalog import Texts
from bot.messages import Actions, Block, BulletList, Button, Heading, Paragraph, Reply
from bot.services.nudge_views import MAX_DONE_BUTTONS
from bot.services.snapshot import Snapshot
from bot.services.views import name_of, plain_text, role_name, task_line, week_label
from playbook.roles import Role
from storage.away import Changes
from storage.tables import AwayPeriod, Person


def welcome_reply(
    t: Texts, snap: Snapshot, person: Person, period: AwayPeriod, changes: Changes
) -> Reply:
    since = t.date(period.starts_at.astimezone(snap.schedule.tz).date())
    blocks: list[Block] = [
        Heading(t("away.welcome.title", week=week_label(t, snap))),
        Paragraph(t("away.welcome.since", date=since)),
    ]
    lines: list[str] = []
    for task_id in changes.tasks:
        task = snap.roadmap.task(task_id)
        if task is not None:
            lines.append(t("away.welcome.task", task=task_line(t, task, task.first_week)))
    for role in changes.roles:
        owner = snap.owners.get(Role(role))
        if owner is not None:
            lines.append(t("away.welcome.role", role=role_name(t, Role(role)), name=name_of(owner)))
    checkins = [c for c in snap.checkins if c.recorded_at > period.starts_at]
    if checkins:
        names = {v.metric.id: v.metric.name for v in snap.metrics}
        shown = ", ".join(
            dict.fromkeys(names[c.metric_id] for c in checkins if c.metric_id in names)
        )
        lines.append(t("away.welcome.checkins", count=len(checkins), metrics=shown))
    if changes.capacity:
        lines.append(t("away.welcome.capacity"))
    if snap.chosen is not None:
        lines.append(t("away.welcome.workflow", name=snap.chosen.name))
    if changes.live:
        lines.append(t("away.welcome.live"))
    if changes.overrun:
        lines.append(t("away.welcome.overrun"))
    blocks.append(BulletList(tuple(lines) or (t("away.welcome.nothing"),)))
    roles = snap.roles_of(person.id)
    tasks, earlier = snap.visible_tasks(roles)
    blocks.append(Paragraph(t("away.welcome.tasks")))
    blocks.append(
        BulletList(tuple(task_line(t, x, snap.week) for x in tasks) or (t("tasks.none"),))
    )
    if earlier:
        blocks.append(Paragraph(t("nudge.earlier", count=earlier)))
    buttons = [Button(t("button.done", number=x.number), "done", x.id)
               for x in tasks[:MAX_DONE_BUTTONS]]  # fmt: skip
    if buttons:
        blocks.append(Actions(tuple(buttons)))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks), private=True)
