"""The KI-Impact-Formel: factors, failure modes, silence and who may do what."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from playbook.roles import (
    ALLOWED,
    ROLE_ORDER,
    ROLE_WORDS,
    SILENT_AFTER,
    Action,
    FailureMode,
    Formula,
    Role,
    RoleState,
    allowed_roles,
    formula,
    ignored_nudges,
    may,
)

C, M, INT = Role.CHAMPION, Role.MODELER, Role.INTEGRATOR
NOBODY: frozenset[Role] = frozenset()
ALL_ROLES = frozenset(Role)


# --- Formula -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("champion", "integrator", "modeler", "impact", "mode"),
    [
        (1, 1, 1, 2, FailureMode.FULL),
        (0, 0, 0, 0, FailureMode.NOBODY),
        (0, 1, 1, 0, FailureMode.NO_BACKING),
        (0, 1, 0, 0, FailureMode.NO_BACKING),
        (0, 0, 1, 0, FailureMode.NO_BACKING),
        (1, 0, 0, 0, FailureMode.NO_EXECUTION),
        (1, 1, 0, 1, FailureMode.FRAGILE),
        (1, 0, 1, 1, FailureMode.NOT_INTEGRATED),
    ],
)
def test_formula_modes_and_impact(
    champion: int, integrator: int, modeler: int, impact: int, mode: FailureMode
) -> None:
    f = Formula(champion=champion, integrator=integrator, modeler=modeler)
    assert f.impact == impact
    assert f.mode is mode


def test_every_failure_mode_is_reachable() -> None:
    modes = {Formula(c, i, p).mode for c, i, p in itertools.product((0, 1), repeat=3)}
    assert modes == set(FailureMode)


def test_impact_values_are_0_1_2() -> None:
    impacts = {Formula(c, i, p).impact for c, i, p in itertools.product((0, 1), repeat=3)}
    assert impacts == {0, 1, 2}


def test_impact_is_zero_without_champion_whatever_else() -> None:
    for i, p in itertools.product((0, 1), repeat=2):
        assert Formula(0, i, p).impact == 0


def test_failure_mode_values_are_catalog_suffixes() -> None:
    assert {m.value for m in FailureMode} == {
        "full",
        "nobody",
        "no_backing",
        "no_execution",
        "fragile",
        "not_integrated",
    }


# --- RoleState and formula() ---------------------------------------------------------------


def test_factor_unassigned_is_zero() -> None:
    assert RoleState(C, assigned=False).factor == 0
    assert RoleState(C, assigned=False).silent is False
    assert RoleState(C, assigned=False, ignored_nudges=5).silent is False


@pytest.mark.parametrize(("ignored", "factor"), [(0, 1), (1, 1), (2, 0), (3, 0), (10, 0)])
def test_factor_drops_after_two_ignored_nudges(ignored: int, factor: int) -> None:
    state = RoleState(M, assigned=True, ignored_nudges=ignored)
    assert SILENT_AFTER == 2
    assert state.factor == factor
    assert state.silent is (factor == 0)


def test_formula_from_states_full() -> None:
    states = [RoleState(r, assigned=True) for r in Role]
    assert formula(states) == Formula(1, 1, 1)


def test_formula_from_states_silent_champion() -> None:
    states = [
        RoleState(C, assigned=True, ignored_nudges=2),
        RoleState(INT, assigned=True),
        RoleState(M, assigned=True, ignored_nudges=1),
    ]
    f = formula(states)
    assert f == Formula(champion=0, integrator=1, modeler=1)
    assert f.mode is FailureMode.NO_BACKING
    assert f.impact == 0


def test_formula_from_states_maps_roles_to_the_right_factor() -> None:
    f = formula([RoleState(C, True), RoleState(INT, True), RoleState(M, False)])
    assert (f.champion, f.integrator, f.modeler) == (1, 1, 0)
    assert f.mode is FailureMode.FRAGILE
    f = formula([RoleState(C, True), RoleState(INT, False), RoleState(M, True)])
    assert (f.champion, f.integrator, f.modeler) == (1, 0, 1)
    assert f.mode is FailureMode.NOT_INTEGRATED


def test_formula_missing_states_count_as_zero() -> None:
    assert formula([]) == Formula(0, 0, 0)
    assert formula([]).mode is FailureMode.NOBODY
    assert formula([RoleState(C, True)]).mode is FailureMode.NO_EXECUTION


# --- ignored_nudges ------------------------------------------------------------------------

T0 = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)


def test_ignored_nudges_none_sent() -> None:
    assert ignored_nudges([], None) == 0
    assert ignored_nudges([], T0) == 0


def test_ignored_nudges_never_active_counts_all() -> None:
    assert ignored_nudges([T0, T0 + WEEK, T0 + 2 * WEEK], None) == 3


def test_ignored_nudges_counts_only_after_last_activity() -> None:
    sent = [T0, T0 + WEEK, T0 + 2 * WEEK]
    assert ignored_nudges(sent, T0 + timedelta(hours=1)) == 2
    assert ignored_nudges(sent, T0 + WEEK + timedelta(days=1)) == 1
    assert ignored_nudges(sent, T0 + 3 * WEEK) == 0
    assert ignored_nudges(sent, T0 - timedelta(days=1)) == 3


def test_ignored_nudges_activity_at_send_time_is_not_ignoring() -> None:
    assert ignored_nudges([T0, T0 + WEEK], T0 + WEEK) == 0


def test_ignored_nudges_order_of_input_does_not_matter() -> None:
    sent = [T0 + 2 * WEEK, T0, T0 + WEEK]
    assert ignored_nudges(sent, T0 + timedelta(hours=1)) == 2


def test_ignored_nudges_counts_only_the_recent_streak() -> None:
    # Activity between the nudges: only those after the last activity count.
    sent = [T0, T0 + WEEK, T0 + 2 * WEEK, T0 + 3 * WEEK]
    last_active = T0 + WEEK + timedelta(hours=2)
    assert ignored_nudges(sent, last_active) == 2
    assert RoleState(M, True, ignored_nudges(sent, last_active)).factor == 0


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [NOBODY, frozenset({M}), frozenset({INT}), frozenset({C})])
def test_anyone_assigns_while_no_champion_exists(roles: frozenset[Role]) -> None:
    assert may(Action.ASSIGN, roles, champion_exists=False)


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (NOBODY, False),
        (frozenset({M}), False),
        (frozenset({INT}), False),
        (frozenset({M, INT}), False),
        (frozenset({C}), True),
        (frozenset({C, M}), True),
    ],
)
def test_only_champion_assigns_once_a_champion_exists(
    roles: frozenset[Role], allowed: bool
) -> None:
    assert may(Action.ASSIGN, roles, champion_exists=True) is allowed


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        (Action.PROCESS_ADD, {C, M}),
        (Action.PROCESS_PICK, {C, M}),
        (Action.METRIC_ADD, {C, M}),
        (Action.CHECKIN, {C, M, INT}),
        (Action.ANNOUNCE, {C}),
        (Action.SETTINGS, {C}),
        (Action.METRIC_TOKEN, {C}),
        (Action.NEXT_CYCLE, {C}),
        (Action.FORGET, {C}),
    ],
)
@pytest.mark.parametrize("champion_exists", [True, False])
def test_role_bound_actions(action: Action, allowed: set[Role], champion_exists: bool) -> None:
    for role in Role:
        assert may(action, frozenset({role}), champion_exists=champion_exists) is (
            role in allowed
        ), role
    assert not may(action, NOBODY, champion_exists=champion_exists)
    assert may(action, ALL_ROLES, champion_exists=champion_exists)


def test_integrator_may_not_add_process_or_metric() -> None:
    assert not may(Action.PROCESS_ADD, frozenset({INT}), champion_exists=True)
    assert not may(Action.METRIC_ADD, frozenset({INT}), champion_exists=True)
    assert not may(Action.PROCESS_PICK, frozenset({INT}), champion_exists=True)


def test_person_with_several_roles_gets_the_union() -> None:
    assert may(Action.SETTINGS, frozenset({INT, C}), champion_exists=True)
    assert may(Action.PROCESS_ADD, frozenset({INT, M}), champion_exists=True)


def test_every_action_is_role_bound() -> None:
    assert set(ALLOWED) == set(Action)


def test_allowed_roles_in_display_order() -> None:
    assert ROLE_ORDER == (C, INT, M)
    assert allowed_roles(Action.PROCESS_ADD) == (C, M)
    assert allowed_roles(Action.CHECKIN) == (C, INT, M)
    assert allowed_roles(Action.SETTINGS) == (C,)
    assert allowed_roles(Action.ASSIGN) == (C,)


# --- role words ----------------------------------------------------------------------------


def test_role_words_cover_contract_spellings() -> None:
    assert ROLE_WORDS["champion"] is C
    assert ROLE_WORDS["modeler"] is M
    assert ROLE_WORDS["integrator"] is INT
    assert ROLE_WORDS["modellierer"] is M
    assert set(ROLE_WORDS.values()) == set(Role)
    assert all(word == word.lower() for word in ROLE_WORDS)
