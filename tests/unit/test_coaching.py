"""The health model and the message plan (playbook.coaching): evidence ticks tasks, advice fits
the reader's rights, the budget holds; and status, nudges and the digest of one moment agree."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import texts
from bot.messages import plain_text
from bot.services import nudge_views, views
from bot.services.snapshot import build_snapshot
from playbook import coaching
from playbook.coaching import Condition, Fact, Owner, PilotFacts, Recipient
from playbook.roadmap import load_roadmap
from playbook.roles import ROLE_ORDER, Role
from storage.repositories import PilotRows
from storage.tables import Metric, Person, Pilot, Process

C, M, INT = Role.CHAMPION, Role.MODELER, Role.INTEGRATOR
EN = load_roadmap("en")
TEAM = {C: Owner(1), M: Owner(2), INT: Owner(3)}


def test_tasks_complete_themselves_from_evidence() -> None:
    health = coaching.assess(
        PilotFacts(week=3, owners=TEAM, processes=2, metrics=1, champion_active=True), EN
    )
    assert health.facts == {
        Fact.CHAMPION_NAMED, Fact.ROLES_NAMED, Fact.PROCESSES_MAPPED, Fact.METRIC_DEFINED
    }  # fmt: skip
    assert set(health.evidence) == {
        "confirm-champion", "name-roles", "map-processes", "define-metrics"
    }  # fmt: skip
    assert health.done >= set(health.evidence)
    one = coaching.assess(PilotFacts(week=3, owners=TEAM, processes=1), EN)
    assert "map-processes" not in one.done  # one workflow is not "2-3 documented"
    assert "confirm-champion" not in one.done  # named, but has not written yet
    later = coaching.assess(
        PilotFacts(week=13, owners=TEAM, chosen=True, checkins=1, announced=True), EN
    )
    assert {"pick-workflow", "weekly-checkins", "publish-results"} <= later.done


def test_past_phases_are_one_line() -> None:
    now, earlier = coaching.visible_tasks(EN, 4, frozenset(), frozenset({M}))
    assert [t.id for t in now] == ["measure-baseline"]
    assert earlier == 3  # list-candidates, map-processes, define-metrics


def test_silence_is_not_absence() -> None:
    quiet = {r: Owner(i, ignored=2) for i, r in enumerate(ROLE_ORDER, 1)}
    health = coaching.assess(PilotFacts(week=5, owners=quiet), EN)
    assert health.formula.impact == 0 and health.everyone_quiet
    assert {h.condition for h in health.roles.values()} == {Condition.SILENT}
    nobody = coaching.assess(PilotFacts(week=5, owners={}), EN)
    assert not nobody.everyone_quiet


def test_only_the_champion_is_told_to_reassign() -> None:
    owners = {**TEAM, M: Owner(2, ignored=3)}
    health = coaching.assess(PilotFacts(week=5, owners=owners), EN)
    assert coaching.advice_for(health, frozenset({C})) == (coaching.Advice("champion.silent", M),)
    assert coaching.advice_for(health, frozenset({INT})) == (coaching.Advice("ask_champion", M),)
    assert coaching.advice_for(health, frozenset({M})) == ()
    headless = coaching.assess(PilotFacts(week=5, owners={M: Owner(2)}), EN)
    assert coaching.advice_for(headless, frozenset({M})) == (coaching.Advice("name_champion"),)


def _silent_weeks(digest_every: int = coaching.DIGEST_EVERY) -> list[list[str]]:
    """13 weeks of plans for a modeler who never answers (ignored grows per nudge sent)."""
    kinds, ignored = [], 0
    for week in range(1, 14):
        owners = {C: Owner(1), M: Owner(2, ignored=ignored)}
        health = coaching.assess(PilotFacts(week=week, owners=owners, champion_active=True), EN)
        people = [Recipient(1, frozenset({C}), active_since_slot=True),
                  Recipient(2, frozenset({M}), ignored=ignored)]  # fmt: skip
        at_slot = coaching.plan(health, EN, people, coaching.Moment(week, reminder_due=False))
        sent = frozenset((p.person_id, p.kind) for p in at_slot)
        later = coaching.plan(health, EN, people, coaching.Moment(week, True, sent))
        mine = [p.kind for p in (*at_slot, *later) if p.person_id == 2]
        ignored += sum(1 for k in mine if k in ("weekly", "still"))
        kinds.append(mine)
    return kinds


def test_a_silent_owner_gets_a_short_question_not_the_list() -> None:
    weeks = _silent_weeks()
    assert weeks[0] == ["weekly", "reminder"]
    assert all(len([k for k in w if k in ("weekly", "still")]) <= 1 for w in weeks)
    assert all(w.count("reminder") <= 1 for w in weeks)
    assert weeks[3] == ["still"]  # week 4: three ignored in a row
    assert weeks[4] == []  # then every other week
    assert weeks[5] == ["still"]
    assert "retro" not in weeks[11]  # no retrospective questions for the long silent
    assert sum(len(w) for w in weeks) <= 14


def test_a_week_caught_up_after_its_reminder_slot_sends_the_nudge_alone() -> None:
    health = coaching.assess(PilotFacts(week=2, owners=TEAM), EN)
    people = [Recipient(o.person_id, frozenset({role})) for role, o in TEAM.items()]
    late = coaching.plan(health, EN, people, coaching.Moment(2, reminder_due=True))
    assert sorted(p.kind for p in late) == ["weekly"] * 3
    # planned again later that week (someone checked in): the nudge went out after the
    # reminder's slot, so there is still no reminder
    sent = frozenset((p.person_id, p.kind) for p in late)
    after = [replace(r, nudged_before_reminder=False) for r in people]
    assert not coaching.plan(health, EN, after, coaching.Moment(2, True, sent))
    before = [replace(r, nudged_before_reminder=True) for r in people]
    reminded = coaching.plan(health, EN, before, coaching.Moment(2, True, sent))
    assert sorted(p.kind for p in reminded) == ["reminder"] * 2  # not the champion: no tasks


def test_the_champion_gets_one_digest_when_it_matters() -> None:
    digests = []
    for ignored in range(0, 10):
        owners = {C: Owner(1), M: Owner(2, ignored=ignored), INT: Owner(3, ignored=ignored)}
        health = coaching.assess(PilotFacts(week=ignored + 1, owners=owners), EN)
        people = [Recipient(1, frozenset({C})), Recipient(2, frozenset({M}), ignored=ignored),
                  Recipient(3, frozenset({INT}), ignored=ignored)]  # fmt: skip
        plan = coaching.plan(health, EN, people, coaching.Moment(ignored + 1, reminder_due=False))
        digests.append(sum(1 for p in plan if p.kind == "digest"))
    assert digests == [0, 0, 1, 0, 1, 0, 1, 0, 1, 0]  # one for both, every other week


def test_paused_people_get_nothing() -> None:
    owners = {C: Owner(1), M: Owner(2, paused=True)}
    health = coaching.assess(PilotFacts(week=12, owners=owners), EN)
    people = [Recipient(1, frozenset({C})), Recipient(2, frozenset({M}), paused=True)]
    plan = coaching.plan(health, EN, people, coaching.Moment(12, reminder_due=True))
    assert not [p for p in plan if p.person_id == 2]
    assert health.roles[M].factor == 1  # a pause is not silence


# ---- status, nudges and the digest of one moment agree (hypothesis) --------------------------

START = date(2027, 1, 4)


def _snapshot(week: int, assigned: dict[Role, int | None], processes: int, metrics: int):  # type: ignore[no-untyped-def]
    """A snapshot built from in-memory rows: ``assigned`` maps a role to the number of nudges
    its owner ignored (None: nobody holds it)."""
    pilot = Pilot(id=1, workspace_id=1, channel_id="C1", channel_name="ki-pilot",
                  start_date=START, timezone="Europe/Berlin", language="en",
                  created_at=datetime(2027, 1, 1, tzinfo=UTC))  # fmt: skip
    now = datetime(2027, 1, 4, 12, tzinfo=UTC) + timedelta(weeks=week - 1)
    rows = PilotRows()
    people = {}
    for n, role in enumerate(ROLE_ORDER, start=1):
        ignored = assigned.get(role)
        if ignored is None:
            continue
        person = Person(id=n, workspace_id=1, external_id=f"u{n}", display_name=role.value)
        people[role] = person
        rows.owners.setdefault(1, {})[role.value] = person
        rows.activity.setdefault(1, {})[n] = now - timedelta(weeks=ignored, days=2)
        sent = [now - timedelta(weeks=k, hours=2) for k in range(ignored)]
        rows.nudges_sent.setdefault(1, {})[n] = [s - timedelta(days=0) for s in sent]
    rows.processes[1] = [Process(id=i, pilot_id=1, position=i, name=f"p{i}")
                         for i in range(1, processes + 1)]  # fmt: skip
    rows.metrics[1] = [Metric(id=i, pilot_id=1, name=f"m{i}", unit="days", baseline=8)
                       for i in range(1, metrics + 1)]  # fmt: skip
    return build_snapshot(pilot, rows, now), people


def _formula(text: str) -> set[str]:
    return {line[line.index("Impact"):line.index(" of 2") + 5]
            for line in plain_text(text).splitlines() if "Impact =" in line}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    week=st.integers(1, 12),
    assigned=st.fixed_dictionaries(
        {r: st.one_of(st.none(), st.integers(0, 5)) for r in ROLE_ORDER}
    ),
    processes=st.integers(0, 3),
    metrics=st.integers(0, 2),
)
def test_status_nudges_and_digest_agree(
    week: int, assigned: dict[Role, int | None], processes: int, metrics: int
) -> None:
    t = texts("en")
    snap, people = _snapshot(week, assigned, processes, metrics)
    health = snap.coaching
    status = views.status_reply(t, snap, private=True, reader=frozenset({C})).text
    formulas = _formula(status)
    assert len(formulas) == 1
    for role in ROLE_ORDER:
        if role in people:
            nudge = nudge_views.nudge_reply(t, snap, frozenset({role}), reminder=False).text
            assert _formula(nudge) <= formulas  # the nudge says the same, or nothing
    digest = nudge_views.digest_reply(t, snap).text
    assert _formula(digest) == formulas
    # the same risks: each silent role is named, with the same count, in status and digest
    for h in health.attention:
        if h.condition is Condition.SILENT:
            name = plain_text(views.name_of(people[h.role]))
            assert f"{name} has not answered the last {h.ignored} nudges" in plain_text(status)
            if h.role is not C:
                assert f"{name} has ignored the last {h.ignored} nudges" in plain_text(digest)
    # the channel's view names roles, never who ignored what
    public = plain_text(views.status_reply(t, snap).text)
    assert "ignored" not in public and "not answered" not in public
    assert _formula(public) == formulas


@pytest.mark.parametrize("language", ["en", "de"])
def test_nudge_offers_one_done_button_per_task_and_no_ids(language: str) -> None:
    snap, _ = _snapshot(5, {C: 0, M: 0, INT: 0}, 0, 0)
    reply = nudge_views.nudge_reply(texts(language), snap, frozenset({M, INT}), reminder=False)
    actions = [b for b in reply.blocks if hasattr(b, "buttons")]
    buttons = actions[0].buttons  # type: ignore[attr-defined]
    assert 1 < len(buttons) <= nudge_views.MAX_DONE_BUTTONS
    assert {b.action for b in buttons} == {"done"}
    assert all(EN.task(b.value) is not None for b in buttons)
    keyword = "done" if language == "en" else "erledigt"
    numbers = " ".join(b.label.split("#")[-1] for b in buttons[:2])
    assert f"{keyword} {numbers}" in reply.text
    for task in EN.tasks:
        assert f"({task.id})" not in reply.text
    assert "earlier weeks" in reply.text or "früheren Wochen" in reply.text
