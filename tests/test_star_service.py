"""四(三) 一流的“群众满意窗口服务单位”: standards 16-20.

At, just below and just above every boundary.
"""

from __future__ import annotations

import pytest
from star_helpers import (
    FAIL,
    PASS,
    Bound,
    Case,
    check_bound_value,
    check_case,
    ids,
    passing_office,
    reading,
    star,
    verdict_of,
    with_,
)

from mingxing_rules.ruleset.model import Threshold

CASES = [
    # 16、有3名正式党(团)员的, 建立党(团)支部
    Case("members-2-no-branch", {"party_members": 2, "party_branch_established": False},
         "party_branch", PASS, "STAR"),
    Case("members-2-branch-unknown", {"party_members": 2, "party_branch_established": None},
         "party_branch", PASS, "STAR"),
    Case("members-3-no-branch", {"party_members": 3, "party_branch_established": False},
         "party_branch", FAIL, "NOT_ELIGIBLE"),
    Case("members-3-branch", {"party_members": 3, "party_branch_established": True},
         "party_branch", PASS, "STAR"),
    Case("members-4-no-branch", {"party_members": 4, "party_branch_established": False},
         "party_branch", FAIL, "NOT_ELIGIBLE"),
    Case("core-values", {"core_values_conduct": False}, "core_values", FAIL, "NOT_ELIGIBLE"),
    # 17、由7名以上人员组成 (以上 includes 7)
    Case("staff-6", {"staff_count": 6}, "min_staff", FAIL, "NOT_ELIGIBLE"),
    Case("staff-7", {"staff_count": 7}, "min_staff", PASS, "STAR"),
    Case("staff-8", {"staff_count": 8}, "min_staff", PASS, "STAR"),
    Case("vacant-0", {"vacant_posts": 0}, "no_vacant_posts", PASS, "STAR"),
    Case("vacant-1", {"vacant_posts": 1}, "no_vacant_posts", FAIL, "NOT_ELIGIBLE"),
    Case("transfer-1", {"unauthorised_transfers_count": 1}, "no_unauthorised_transfers", FAIL,
         "NOT_ELIGIBLE"),
    Case("director-not-civil-servant", {"director_civil_servant": False}, "director_status",
         FAIL, "NOT_ELIGIBLE"),
    Case("degree-college", {"director_law_education": "college_or_higher"}, "director_degree",
         PASS, "STAR"),
    Case("degree-equivalent", {"director_law_education": "equivalent"}, "director_degree", PASS,
         "STAR"),
    Case("degree-below", {"director_law_education": "below"}, "director_degree", FAIL,
         "NOT_ELIGIBLE"),
    Case("director-competence", {"director_competent": False}, "director_competence", FAIL,
         "NOT_ELIGIBLE"),
    Case("staff-conduct", {"staff_conduct_proper": False}, "staff_conduct", FAIL, "NOT_ELIGIBLE"),
    # 18、服务态度
    Case("courtesy", {"courteous_service": False}, "courtesy", FAIL, "NOT_ELIGIBLE"),
    Case("four-hards", {"no_four_hards": {"met": False, "evidence": "暗访发现事难办"}},
         "four_hards_absent", FAIL, "NOT_ELIGIBLE"),
    # 19、工作质量
    Case("fair-handling", {"fair_lawful_handling": False}, "fair_handling", FAIL, "NOT_ELIGIBLE"),
    Case("errors", {"error_free": False}, "no_errors", FAIL, "NOT_ELIGIBLE"),
    # 20、廉政建设
    Case("integrity", {"integrity_rules_kept": False}, "integrity_rules", FAIL, "NOT_ELIGIBLE"),
    Case("banquets", {"no_abuse_or_banquets": False}, "no_abuse_of_power", FAIL, "NOT_ELIGIBLE"),
]

BOUNDS = [
    Bound("party_branch", "四(三)16", Threshold("party_members", ">=", 3)),
    Bound("min_staff", "四(三)17", Threshold("staff_count", ">=", 7)),
    Bound("no_vacant_posts", "四(三)17", Threshold("vacant_posts", "==", 0)),
    Bound("no_unauthorised_transfers", "四(三)17",
          Threshold("unauthorised_transfers_count", "==", 0)),
    Bound("director_degree", "四(三)17",
          Threshold("director_law_education", "==", "college_or_higher")),
    Bound("four_hards_absent", "四(三)18", Threshold("no_four_hards", "==", True)),
    Bound("no_abuse_of_power", "四(三)20", Threshold("no_abuse_or_banquets", "==", True)),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_service_boundary(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("bound", BOUNDS, ids=[b.criterion for b in BOUNDS])
def test_failing_step_names_value_threshold_and_clause(bound: Bound) -> None:
    failing = next(c for c in CASES if c.criterion == bound.criterion and c.status == FAIL)
    step = verdict_of(with_(passing_office(), **failing.changes)).trace.step(bound.criterion)
    check_bound_value(step, bound, failing.changes)


def test_staff_trace_example() -> None:
    step = verdict_of(with_(passing_office(), staff_count=6)).trace.step("min_staff")
    assert (step.clause, step.thresholds) == ("四(三)17", (Threshold("staff_count", ">=", 7),))
    assert reading(step, "staff_count") == 6


def test_party_branch_trace_reads_both_facts() -> None:
    step = verdict_of(with_(passing_office(), party_members=3,
                            party_branch_established=False)).trace.step("party_branch")
    assert reading(step, "party_members") == 3
    assert reading(step, "party_branch_established") is False


def test_finding_evidence_is_carried_into_the_trace() -> None:
    office = with_(passing_office(), no_four_hards={"met": False, "evidence": "暗访发现事难办",
                                                     "by": "市局评审团"})
    step = verdict_of(office).trace.step("four_hards_absent")
    (read,) = [r for r in step.reads if r.name == "no_four_hards"]
    assert read.evidence is not None and "暗访发现事难办" in read.evidence


def test_every_service_criterion_has_a_failing_row() -> None:
    criteria = {n.id for n in star().spec.nodes if n.kind == "criterion"
                and n.clause.startswith("四(三)")}
    assert criteria == {c.criterion for c in CASES if c.status == FAIL}
