"""Replies built from a snapshot: status, tasks, nudges, results, help. Text from the catalogs."""

from __future__ import annotations

from collections.abc import Sequence

from bot.catalog import Texts
from bot.messages import (
    Actions,
    Block,
    BulletList,
    Button,
    Fields,
    Heading,
    Paragraph,
    Reply,
    mention,
)
from bot.services import decision_views, metric_table, metric_views
from bot.services.snapshot import MetricView, Snapshot
from playbook import coaching
from playbook.away import last_day_away
from playbook.coaching import Condition
from playbook.parsing.numbers import Problem
from playbook.roadmap import LAST_WEEK, Task
from playbook.roles import ALLOWED, ROLE_ORDER, Action, Role
from storage.tables import Person, Pilot

MEASURE_FROM = 9  # weeks 9-12: measure and iterate

HELP_COMMANDS = (
    "start", "assign", "status", "tasks", "done", "process_add", "process_pick", "process_remove",
    "process_edit", "processes", "capacity", "demo", "live", "build", "metric_add",
    "metric_remove", "checkin", "checkin_undo", "results", "retro", "announce", "settings",
    "metric_token", "next_cycle", "forget", "snooze", "pause", "away", "help",
)  # fmt: skip
#: Commands whose permission is not the Action of the same name.
_HELP_ACTIONS = {"process_remove": Action.PROCESS_EDIT}


def channel_label(t: Texts, pilot: Pilot) -> str:
    """``#ki-pilot``; where the platform told no name (a Teams General channel, a chat), "this
    channel", never a raw id such as ``19:3c5d…@thread.tacv2``."""
    return f"#{pilot.channel_name}" if pilot.channel_name else t("channel.this")


def text_reply(text: str) -> Reply:
    return Reply(text=text, blocks=(Paragraph(text),))


def problem_reply(t: Texts, problem: Problem) -> Reply:
    text = t(problem.key, **problem.params)
    return Reply(text=text, blocks=(Paragraph(text),), problem=problem.key)


def help_reply(t: Texts) -> Reply:
    """``help``: every command, one line each."""
    lines = tuple(t(f"help.{name}") for name in HELP_COMMANDS if t.has(f"help.{name}"))
    blocks = (Heading(t("help.title")), BulletList(lines), Paragraph(t("help.more")))
    text = "\n".join([t("help.title"), *("• " + x for x in lines), t("help.more")])
    return Reply(text=text, blocks=blocks)


def command_help_reply(t: Texts, name: str) -> Reply:
    """``help checkin``: the command's line, what it does with an example, and who may."""
    blocks: list[Block] = [Heading(t(f"help.{name}"))]
    if t.has(f"help.detail.{name}"):
        blocks.append(Paragraph(t(f"help.detail.{name}")))
    action = _HELP_ACTIONS.get(name) or next((a for a in Action if a.value == name), None)
    if action is not None and action in ALLOWED:
        roles = ", ".join(role_name(t, r) for r in ROLE_ORDER if r in ALLOWED[action])
        blocks.append(Paragraph(t("help.who", roles=roles)))
    elif name in ("done", "snooze"):  # a person's own tasks
        blocks.append(Paragraph(t("help.who", roles=t("help.task_owner"))))
    elif name != "checkin_undo":  # that one is the reporter's, as its text says
        blocks.append(Paragraph(t("help.who", roles=t("help.anyone"))))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))


def unknown_reply(t: Texts, word: str, suggestions: Sequence[str]) -> Reply:
    """An unknown command (or ``help frob``): the closest commands and one line to ``help``."""
    if not suggestions:
        return text_reply(t("help.unknown_none", word=word))
    quoted = [f"`{s}`" for s in suggestions]
    offered = (
        quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {t('help.or')} {quoted[-1]}"
    )
    return text_reply(t("help.unknown", word=word, suggestions=offered))


def name_of(person: Person | None, *, notify: bool = False) -> str:
    """A person in a reply, as a mention token the adapter renders (``notify``: the platform
    tells them, for the messages that concern them: role assignment, escalation, announce)."""
    if person is None:
        return "–"
    return mention(person.external_id, person.display_name, notify=notify)


def role_name(t: Texts, role: Role) -> str:
    return t(f"role.{role.value}")


def week_label(t: Texts, snap: Snapshot) -> str:
    if snap.week < 1:
        return t("week.before", date=t.date(snap.pilot.start_date))
    if snap.week > LAST_WEEK:
        return t("week.after", week=snap.week)
    return t("week.label", week=snap.week, last=LAST_WEEK)


def formula_line(t: Texts, snap: Snapshot) -> str:
    f = snap.formula
    return t("formula.line", c=f.champion, i=f.integrator, p=f.modeler, impact=f.impact)


def verdict_line(t: Texts, snap: Snapshot) -> str:
    return formula_line(t, snap) + " " + t(f"formula.verdict.{snap.formula.mode.value}")


def mode_text(t: Texts, snap: Snapshot) -> str:
    """What the formula's state means; "nobody" only when nobody holds a role."""
    if snap.coaching.everyone_quiet:
        return t("formula.mode.quiet")
    return t(f"formula.mode.{snap.formula.mode.value}")


def role_lines(
    t: Texts, snap: Snapshot, *, private: bool = False, notify: bool = False
) -> list[tuple[str, str]]:
    """Role, owner and condition. In public a silent role "needs attention"; only the
    champion's private view counts the ignored nudges."""
    pairs = []
    for role in ROLE_ORDER:
        health = snap.coaching.roles[role]
        owner = snap.owners.get(role)
        value = name_of(owner, notify=notify) if owner else t("role.unassigned")
        label = role_name(t, role)
        if health.condition is Condition.SILENT:
            if private:
                value += " " + t("role.silent", count=health.ignored)
            else:
                label += " " + t("role.attention")
        elif health.condition is Condition.PAUSED:
            value += " " + t("role.paused")
        elif health.condition is Condition.AWAY:
            value += " " + t("role.away", status=away_text(t, snap, owner))
        pairs.append((label, value))
    return pairs


def away_text(t: Texts, snap: Snapshot, person: Person | None) -> str:
    """``away until 1 Mar 2027``; ``away`` for a platform status without an end."""
    period = snap.away_now(person.id if person else None)
    if period is None or period.until is None:
        return t("away.status_open")
    return t("away.status_until", date=t.date(last_day_away(period.until, snap.schedule)))


def task_line(t: Texts, task: Task, week: int) -> str:
    overdue = t("task.overdue") if task.last_week < week else ""
    return t("task.line", number=task.number, title=task.title) + overdue


def evidence_line(t: Texts, snap: Snapshot, task: Task) -> str:
    """``[5] Document 2–3 workflows … — done: the bot saw 2 workflows documented``."""
    fact = snap.coaching.evidence[task.id]
    seen = t(f"evidence.{fact.value}", count=len(snap.processes))
    return t("task.line", number=task.number, title=task.title) + " " + seen


def metric_line(t: Texts, view: MetricView) -> str:
    return metric_views.metric_line(t, view)


def phase_note(t: Texts, view: MetricView, week: int) -> str:
    return metric_views.phase_note(t, view, week)


def candidate_blocks(t: Texts, snap: Snapshot) -> list[Block]:
    """The numbered candidate workflows that ``process pick N`` (and ``process edit``/``remove
    N``) refer to, the chosen one marked."""
    if not snap.processes:
        return []
    items = []
    for p in snap.processes:
        if p.hours_per_week is None:
            line = t("status.candidate", number=p.position, name=p.name)
        else:
            line = t("status.candidate_hours", number=p.position, name=p.name,
                     hours=t.number(p.hours_per_week))  # fmt: skip
        if p.id == snap.pilot.chosen_process_id:
            line += " " + t("status.candidate_chosen")
        items.append(line)
    return [Paragraph(t("status.candidates")), BulletList(tuple(items))]


def risks(t: Texts, snap: Snapshot, *, private: bool = False) -> list[str]:
    """The health model's risks; names and counts of ignored nudges only in private."""
    found = []
    for risk in snap.coaching.risks:
        role = role_name(t, risk.role) if risk.role else ""
        owner = snap.owners.get(risk.role) if risk.role else None
        if risk.key == "mode":
            found.append(mode_text(t, snap))
        elif risk.key == "silent" and not private:
            found.append(t("risk.silent_public", role=role))
        elif risk.key == "away":
            status = away_text(t, snap, owner)
            found.append(t("risk.away", role=role, name=name_of(owner), status=status))
        elif risk.key in ("silent", "unreachable", "paused"):
            found.append(t(f"risk.{risk.key}", role=role, name=name_of(owner), count=risk.count))
        elif risk.key == "failed":
            reason = snap.failed[-1].last_error[:80] if snap.failed else ""
            found.append(t("risk.failed", count=risk.count, reason=reason))
        else:
            found.append(t(f"risk.{risk.key}"))
    return found


def advice_lines(
    t: Texts, snap: Snapshot, reader: frozenset[Role], *, public: bool = False
) -> list[str]:
    """What the reader can do about the roles that need attention, within their rights.
    ``public``: without the advice that names a quiet owner (the channel reads along)."""
    champion = name_of(snap.owners.get(Role.CHAMPION))
    return [
        t(f"advice.{a.key}", role=role_name(t, a.role) if a.role else "", champion=champion,
          name=name_of(snap.owners.get(a.role)) if a.role else "")
        for a in coaching.advice_for(snap.coaching, reader)
        if not public or a.key in ("name_champion", "ask_champion", "champion.missing")
    ]  # fmt: skip


def status_reply(
    t: Texts, snap: Snapshot, *, private: bool = False, reader: frozenset[Role] = frozenset()
) -> Reply:
    """``status``; ``private``: the champion's own view (direct message), with counts."""
    phase = snap.roadmap.phase(snap.week)
    blocks: list[Block] = [
        Heading(t("status.title", channel=channel_label(t, snap.pilot))),
        Paragraph(f"{week_label(t, snap)} · {phase.title}"),
        Fields(tuple(role_lines(t, snap, private=private))),
        Paragraph(verdict_line(t, snap)),
    ]
    task_items = []
    for role in ROLE_ORDER:
        open_tasks = snap.open_tasks(role)
        if open_tasks:
            titles = "; ".join(f"[{x.number}] {x.title}" for x in open_tasks[:3])
            more = t("status.more", count=len(open_tasks) - 3) if len(open_tasks) > 3 else ""
            task_items.append(f"{role_name(t, role)}: {titles}{more}")
    blocks.append(Heading(t("status.open_tasks")))
    blocks.append(BulletList(tuple(task_items) or (t("status.no_open_tasks"),)))
    chosen = snap.chosen
    workflow = chosen.name if chosen else not_chosen(t, snap)
    blocks.append(Paragraph(t("status.workflow", name=workflow)))
    blocks.extend(decision_views.status_blocks(t, snap))
    if snap.metrics:
        blocks.append(Heading(t("status.metrics")))
        blocks.append(BulletList(tuple(metric_line(t, v) for v in snap.metrics)))
        table = metric_table.metrics_table(t, snap.metrics)
        if table is not None:
            blocks.append(table)
    found = risks(t, snap, private=private) + advice_lines(t, snap, reader, public=not private)
    if found:
        blocks.append(Heading(t("status.risks")))
        blocks.append(BulletList(tuple(found)))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))


def not_chosen(t: Texts, snap: Snapshot) -> str:
    """The status line of a workflow not chosen yet: how many candidates, or what to do."""
    if not snap.processes:
        return t("status.no_candidates")
    return t("status.no_workflow", count=len(snap.processes))


def plain_text(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines.append(f"*{block.text}*")
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Fields):
            lines.extend(f"{k}: {v}" for k, v in block.pairs)
        elif isinstance(block, BulletList):
            lines.extend(f"• {item}" for item in block.items)
    return "\n".join(lines)  # a Table repeats the metric lines: not in the text again


def tasks_reply(t: Texts, snap: Snapshot, person: Person) -> Reply:
    roles = snap.roles_of(person.id)
    if not roles:
        return text_reply(t("tasks.no_role"))
    blocks: list[Block] = [Heading(t("tasks.title", week=week_label(t, snap)))]
    for role in ROLE_ORDER:
        if role in roles:
            open_tasks = snap.open_tasks(role)
            items = tuple(task_line(t, x, snap.week) for x in open_tasks)
            week = snap.roadmap.tasks_of_week(snap.week, role)
            seen = tuple(evidence_line(t, snap, x) for x in week if x.id in snap.coaching.evidence)
            blocks.append(Paragraph(t("tasks.as_role", role=role_name(t, role))))
            blocks.append(BulletList((items + seen) or (t("tasks.none"),)))
    blocks.append(Paragraph(t("tasks.hint")))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))


def settings_reply(t: Texts, pilot: Pilot) -> Reply:
    text = t(
        "settings.done",
        day=t(f"weekday.{pilot.nudge_weekday}"),
        time=pilot.nudge_time,
        zone=pilot.timezone,
        lang=pilot.language,
        region=pilot.region,
    )
    if pilot.name or pilot.company:
        text += "\n" + t("numbers.settings_title", title=report_title(t, pilot))
    if pilot.hourly_rate is not None:
        text += "\n" + t("numbers.settings_rate", rate=t.number(pilot.hourly_rate, 2))
    return text_reply(text)


def report_title(t: Texts, pilot: Pilot) -> str:
    """``Reparatur-Triage · Berger Hausgeräte``; without a name: the channel's."""
    name = pilot.name or t("numbers.untitled", channel=channel_label(t, pilot))
    return f"{name} · {pilot.company}" if pilot.company else name


def home_reply(t: Texts, snaps: Sequence[Snapshot], person: Person) -> Reply:
    """A person's overview (Slack App Home, Teams personal tab): pilots, roles, tasks."""
    blocks: list[Block] = [Heading(t("home.title"))]
    if not snaps:
        blocks.append(Paragraph(t("home.empty")))
    for snap in snaps:
        roles = ", ".join(role_name(t, r) for r in ROLE_ORDER if r in snap.roles_of(person.id))
        phase = snap.roadmap.phase(snap.week)
        blocks.append(Heading(channel_label(t, snap.pilot)))
        blocks.append(Paragraph(f"{week_label(t, snap)} · {phase.title} · {roles}"))
        blocks.append(Paragraph(formula_line(t, snap)))
        open_tasks = snap.open_tasks_for(snap.roles_of(person.id))
        items = tuple(task_line(t, x, snap.week) for x in open_tasks)
        blocks.append(BulletList(items or (t("tasks.none"),)))
        blocks.append(home_actions(t, snap, open_tasks))
    return Reply(text=plain_text(blocks), blocks=tuple(blocks))


HOME_TICKS = 5  # tick buttons per pilot on the home view; more tasks: ``done N`` or ``tasks``
HOME_SEP = "|"


def home_actions(t: Texts, snap: Snapshot, open_tasks: Sequence[Task]) -> Actions:
    """What a person does from their home view, per pilot: tick a task, check in, see the
    status. Each button names the pilot's channel (``C…|N``), as the home view has none."""
    channel = snap.pilot.channel_id
    buttons = [
        Button(t("button.done", number=x.number), "home_done", f"{channel}{HOME_SEP}{x.number}")
        for x in open_tasks[:HOME_TICKS]
    ]
    if snap.metrics:
        buttons.append(Button(t("action.checkin"), "home_checkin", channel))
    buttons.append(Button(t("action.status"), "home_status", channel))
    return Actions(tuple(buttons))
