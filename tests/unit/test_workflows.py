"""The score and the capacity recommendation (playbook.workflows): pure, redoable on paper."""

from __future__ import annotations

import pytest

from playbook import workflows as wf
from playbook.workflows import Access, Builder, Candidate, Capacity, Data, Path

TRIAGE = Candidate(1, "Repair request triage", volume=60, minutes=12, rule_share=80,
                   data=Data.YES, systems=("ticket system", "e-mail"))  # fmt: skip
PARTS = Candidate(2, "Spare parts ordering", volume=30, minutes=12, rule_share=60,
                  data=Data.PARTLY, systems=("ERP",))  # fmt: skip
INVOICES = Candidate(3, "Invoice follow-up", volume=20, minutes=9, rule_share=90, data=Data.YES,
                     systems=("accounting",))  # fmt: skip


def test_the_score_is_hours_times_rule_share_times_data() -> None:
    scored = wf.score(TRIAGE)
    assert (scored.hours, scored.score, scored.fit.factor) == (12, 9.6, 1.0)
    assert wf.score(PARTS).score == 1.8  # 6 h × 60 % × 0.5
    assert wf.score(Candidate(4, "x", hours=10, rule_share=50, data=Data.NO)).score == 1.0


def test_the_score_rounds_half_up_as_on_paper() -> None:
    assert wf.score(Candidate(1, "x", volume=5, minutes=60, rule_share=90, data=Data.PARTLY)
                    ).score == 2.3  # 2.25  # fmt: skip


def test_a_missing_field_means_no_score_and_no_rank() -> None:
    bare = Candidate(2, "Scheduling", hours=5)
    assert bare.missing == ("rules", "data")
    ranking = wf.rank([bare, TRIAGE])
    assert [(s.candidate.name, s.rank) for s in ranking] == [
        ("Repair request triage", 1), ("Scheduling", 0)]  # fmt: skip
    assert Candidate(3, "y").missing == ("hours", "rules", "data")


def test_ranking_best_first_ties_by_number() -> None:
    twin = Candidate(4, "Twin", volume=60, minutes=12, rule_share=80, data=Data.YES)
    ranking = wf.rank([PARTS, twin, TRIAGE])
    assert [s.candidate.number for s in ranking] == [1, 4, 2]
    assert ranking[0].recommended and not ranking[1].recommended
    assert wf.needs_reason(ranking, 2) is ranking[0]
    assert wf.needs_reason(ranking, 1) is None
    assert wf.needs_reason(ranking, 4) is None  # as good as the top one


def test_capacity_fit_lowers_a_workflow_the_team_cannot_reach() -> None:
    nocode = Capacity(Builder.NOCODE, "make", {"ticket system": Access.API,
                      "accounting": Access.NONE, "ERP": Access.EXPORT}, hours=6)  # fmt: skip
    ranking = wf.rank([TRIAGE, PARTS, INVOICES], nocode)
    by_name = {s.candidate.name: s for s in ranking}
    assert by_name["Invoice follow-up"].fit == wf.Fit(0.5, ("accounting",), ())
    assert by_name["Invoice follow-up"].score == 1.4  # 3 h × 90 % × 1 × 0.5 = 1.35
    assert by_name["Spare parts ordering"].score == 1.4  # 1.8 × 0.8 (export only)
    inhouse = Capacity(Builder.INHOUSE, access={"accounting": Access.NONE}, hours=8)
    assert wf.score(INVOICES, inhouse).score == 1.9  # 2.7 × 0.7
    assert wf.score(TRIAGE, nocode).score == 9.6  # unknown e-mail access: no penalty


@pytest.mark.parametrize(
    ("capacity", "path", "reason"),
    [
        (Capacity(Builder.INHOUSE, hours=8), Path.INHOUSE, "inhouse"),
        (Capacity(Builder.INHOUSE, hours=2), Path.INHOUSE, "inhouse_tight"),
        (Capacity(Builder.INHOUSE, hours=2, budget=True), Path.PARTNER, "partner_no_hours"),
        (Capacity(Builder.NOCODE, "make", {"ticket system": Access.API}, 6), Path.NOCODE,
         "nocode"),
        (Capacity(Builder.NOCODE, "zapier", {}, 3), Path.NOCODE, "nocode_unchecked"),
        (Capacity(Builder.NOCODE, "n8n", {"Excel": Access.NONE}, 6), Path.NOCODE,
         "nocode_no_api"),
        (Capacity(Builder.NOCODE, "n8n", {"Excel": Access.EXPORT}, 6, True), Path.PARTNER,
         "partner_no_api"),
        (Capacity(Builder.NOCODE, "make", {"a": Access.API}, 1), Path.NOCODE, "nocode_tight"),
        (Capacity(Builder.NONE, budget=True), Path.PARTNER, "partner_no_builder"),
        (Capacity(Builder.NONE), Path.PARTNER, "partner_needs_budget"),
    ],
)  # fmt: skip
def test_every_recommendation_is_reached_from_answers(
    capacity: Capacity, path: Path, reason: str
) -> None:
    found = wf.recommend(capacity)
    assert (found.path, found.reason) == (path, reason)


def test_the_no_code_recommendation_names_the_tool_and_the_systems_with_an_api() -> None:
    found = wf.recommend(Capacity(Builder.NOCODE, "make", {"ticket system": Access.API,
                                                           "Excel": Access.EXPORT}, 6))  # fmt: skip
    assert (found.tool, found.reachable, found.unreachable) == ("make", ("ticket system",), ())


def test_systems_are_split_and_kept_once() -> None:
    assert wf.systems_of("ticket system, E-Mail; e-mail / Excel\n") == (
        "ticket system", "E-Mail", "Excel")  # fmt: skip
    assert wf.systems_of("") == ()
