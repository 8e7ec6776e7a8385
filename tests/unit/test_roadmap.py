"""The 90-day roadmap data: identical structure in both languages, phases and task lookup."""

from __future__ import annotations

import itertools

import pytest

from playbook.roadmap import LANGUAGES, LAST_WEEK, Roadmap, load_roadmap, parse_roadmap
from playbook.roles import Role

C, M, INT = Role.CHAMPION, Role.MODELER, Role.INTEGRATOR


@pytest.fixture(params=LANGUAGES)
def roadmap(request: pytest.FixtureRequest) -> Roadmap:
    language: str = request.param
    return load_roadmap(language)


def test_languages() -> None:
    assert set(LANGUAGES) == {"de", "en"}
    for language in LANGUAGES:
        assert load_roadmap(language).language == language


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="fr"):
        load_roadmap("fr")


def test_en_and_de_have_identical_task_structure() -> None:
    en, de = load_roadmap("en"), load_roadmap("de")
    assert len(en.tasks) == len(de.tasks) > 0

    def shape(r: Roadmap) -> list[tuple[str, int, Role, int, int]]:
        return [(t.id, t.number, t.role, t.first_week, t.last_week) for t in r.tasks]

    assert shape(en) == shape(de)


def test_en_and_de_have_identical_phase_structure() -> None:
    en, de = load_roadmap("en"), load_roadmap("de")

    def shape(r: Roadmap) -> list[tuple[str, int, int | None]]:
        return [(p.id, p.first_week, p.last_week) for p in r.phases]

    assert shape(en) == shape(de)


def test_texts_are_translated() -> None:
    en, de = load_roadmap("en"), load_roadmap("de")
    assert [t.title for t in en.tasks] != [t.title for t in de.tasks]
    assert [p.title for p in en.phases] != [p.title for p in de.phases]


def test_every_text_is_filled(roadmap: Roadmap) -> None:
    for phase in roadmap.phases:
        assert phase.title.strip()
        assert phase.goal.strip()
    for task in roadmap.tasks:
        assert task.title.strip()


def test_every_week_has_exactly_one_phase(roadmap: Roadmap) -> None:
    for week in range(1, LAST_WEEK + 2):
        covering = [p.id for p in roadmap.phases if p.covers(week)]
        assert len(covering) == 1, (week, covering)


def test_phases_are_contiguous_and_the_last_is_open(roadmap: Roadmap) -> None:
    phases = roadmap.phases
    assert phases[0].first_week == 1
    for before, after in itertools.pairwise(phases):
        assert before.last_week is not None
        assert after.first_week == before.last_week + 1
    assert phases[-1].last_week is None
    assert phases[-1].first_week == LAST_WEEK + 1


@pytest.mark.parametrize(
    ("week", "phase_id"),
    [
        (0, "champion"),
        (1, "champion"),
        (2, "document"),
        (3, "document"),
        (4, "capacity"),
        (5, "build"),
        (8, "build"),
        (9, "measure"),
        (12, "measure"),
        (13, "results"),
        (30, "results"),
    ],
)
def test_phase_by_week(roadmap: Roadmap, week: int, phase_id: str) -> None:
    assert roadmap.phase(week).id == phase_id


def test_task_ids_and_numbers(roadmap: Roadmap) -> None:
    ids = [t.id for t in roadmap.tasks]
    assert len(set(ids)) == len(ids)
    assert [t.number for t in roadmap.tasks] == list(range(1, len(roadmap.tasks) + 1))
    for task in roadmap.tasks:
        assert task.id == task.id.lower()
        assert " " not in task.id
        assert not task.id.isdigit()


def test_task_weeks_are_sane(roadmap: Roadmap) -> None:
    for task in roadmap.tasks:
        assert 1 <= task.first_week <= task.last_week <= LAST_WEEK + 1, task.id


def test_every_role_has_tasks_in_every_phase_of_the_pilot(roadmap: Roadmap) -> None:
    for phase in roadmap.phases:
        if phase.last_week is None:
            continue
        weeks = range(phase.first_week, phase.last_week + 1)
        for role in Role:
            assert any(roadmap.tasks_of_week(w, role) for w in weeks), (phase.id, role)
    # the champion names the roles in week 1
    assert roadmap.tasks_of_week(1, C)


def test_task_lookup_by_id_and_number(roadmap: Roadmap) -> None:
    for task in roadmap.tasks:
        assert roadmap.task(task.id) is task
        assert roadmap.task(str(task.number)) is task
        assert roadmap.task(f"#{task.number}") is task
        assert roadmap.task(f"  {task.id.upper()} ") is task


def test_task_lookup_misses(roadmap: Roadmap) -> None:
    assert roadmap.task("0") is None
    assert roadmap.task(str(len(roadmap.tasks) + 1)) is None
    assert roadmap.task("no-such-task") is None
    assert roadmap.task("") is None


def test_known_tasks() -> None:
    en = load_roadmap("en")
    task = en.task("map-processes")
    assert task is not None
    assert (task.role, task.first_week, task.last_week) == (M, 2, 3)
    pick = en.task("pick-workflow")
    assert pick is not None
    assert pick.role is C
    assert pick.first_week == 5


def test_open_tasks(roadmap: Roadmap) -> None:
    week1 = roadmap.open_tasks(1, done=set())
    assert week1 == tuple(t for t in roadmap.tasks if t.first_week == 1)
    assert roadmap.open_tasks(0, done=set()) == ()
    everything = roadmap.open_tasks(LAST_WEEK + 1, done=set())
    assert everything == roadmap.tasks


def test_open_tasks_excludes_done_and_keeps_overdue(roadmap: Roadmap) -> None:
    first = roadmap.tasks[0]
    week3 = roadmap.open_tasks(3, done={first.id})
    assert first not in week3
    # a week-1 task not done is still open (overdue) in week 3
    second = roadmap.tasks[1]
    assert second.last_week < 3
    assert second in week3
    assert all(t.first_week <= 3 for t in week3)


def test_open_tasks_per_role(roadmap: Roadmap) -> None:
    for role in Role:
        mine = roadmap.open_tasks(12, done=set(), role=role)
        assert mine
        assert all(t.role is role for t in mine)
    assert sum(len(roadmap.open_tasks(12, set(), r)) for r in Role) == len(
        roadmap.open_tasks(12, set())
    )


def test_tasks_of_week(roadmap: Roadmap) -> None:
    for week in range(1, LAST_WEEK + 1):
        for role in Role:
            for task in roadmap.tasks_of_week(week, role):
                assert task.role is role
                assert task.first_week <= week <= task.last_week
    ids = {t.id for t in roadmap.tasks_of_week(2, INT)}
    assert "inventory-stack" in ids


def test_parse_roadmap_numbering_and_open_phase() -> None:
    text = """
language = "xx"
[[phases]]
id = "a"
weeks = [1, 2]
title = "A"
goal = "g"
[[phases]]
id = "b"
weeks = [3, 0]
title = "B"
goal = "g"
[[tasks]]
id = "t1"
role = "modeler"
weeks = [1, 1]
title = "T1"
[[tasks]]
id = "t2"
role = "integrator"
weeks = [2, 3]
title = "T2"
"""
    r = parse_roadmap(text)
    assert r.language == "xx"
    assert [t.number for t in r.tasks] == [1, 2]
    assert r.tasks[1].role is INT
    assert r.phases[1].last_week is None
    assert r.phase(99).id == "b"
    assert r.task("2") is r.tasks[1]
