"""四(二) 一流的实战工作平台: standards 6-15, at, just below and just above every boundary.

Rates are given as counts and compared exactly (1225/1250 is 98 %, 1224/1250 is not). Each row
starts from the compliant office of ``star-by-assessment.json`` and changes the counts of one rate
(or one other fact) only.
"""

from __future__ import annotations

import pytest
from star_helpers import (
    FAIL,
    NOT_APPLICABLE,
    PASS,
    Bound,
    Case,
    check_bound,
    check_case,
    ids,
    passing_office,
    reading,
    star,
    verdict_of,
    with_,
)

from mingxing_rules.errors import InputError
from mingxing_rules.ruleset.model import Threshold


def mediation(received: int, mediated: int, resolved: int) -> dict[str, int]:
    return {"disputes_received_count": received, "disputes_mediated_count": mediated,
            "disputes_resolved_count": resolved}


def released(total: int, handed_over: int | None = None, assisted: int | None = None,
             resettled: int | None = None) -> dict[str, int]:
    """``total`` released persons: 6 key targets (or all, if fewer) and the rest general targets,
    escorted so that both escort criteria still pass (the constraint key + general = released)."""
    key = min(6, total)
    general = total - key
    return {"key_released_count": key, "key_released_escorted_count": key,
            "general_released_count": general,
            "general_released_escorted_count": (general * 4 + 4) // 5,  # ceil(80 %)
            "released_persons_count": total,
            "released_handed_over_count": total if handed_over is None else handed_over,
            "released_assisted_count": total if assisted is None else assisted,
            "released_resettled_count": total if resettled is None else resettled}


# 40 persons within the assistance period, all assisted; 20 need resettlement, 19 resettled
CASELOAD = {"assistance_caseload_count": 40, "assistance_caseload_assisted_count": 40,
            "resettlement_needed_count": 20, "resettlement_needed_resettled_count": 19}
BUREAU = {"released_rates_base": "assistance_caseload"}

CASES = [
    # 6、矛盾纠纷调解率98%以上 (1225/1250 = 98 % exactly; success kept at >= 96 %)
    Case("mediation-97.92", mediation(1250, 1224, 1176), "mediation_rate_98", FAIL,
         "NOT_ELIGIBLE"),
    Case("mediation-98", mediation(1250, 1225, 1176), "mediation_rate_98", PASS, "STAR"),
    Case("mediation-98.08", mediation(1250, 1226, 1177), "mediation_rate_98", PASS, "STAR"),
    Case("mediation-no-disputes", mediation(0, 0, 0), "mediation_rate_98", NOT_APPLICABLE,
         "STAR"),
    # 调解成功率96%以上 (1176/1225 = 96 % exactly)
    Case("success-95.92", mediation(1250, 1225, 1175), "mediation_success_96", FAIL,
         "NOT_ELIGIBLE"),
    Case("success-96", mediation(1250, 1225, 1176), "mediation_success_96", PASS, "STAR"),
    Case("success-96.08", mediation(1250, 1225, 1177), "mediation_success_96", PASS, "STAR"),
    Case("success-95.34-not-rounded", mediation(240, 236, 225), "mediation_success_96", FAIL,
         "NOT_ELIGIBLE"),
    *[Case(f"incident-{kind}", {"mediation_incidents": [kind]}, "no_mediation_incidents", FAIL,
           "NOT_ELIGIBLE") for kind in ("mass_incident", "civil_to_criminal", "abnormal_petition")],
    Case("hard-disputes", {"joins_difficult_mediation": False}, "hard_disputes", FAIL,
         "NOT_ELIGIBLE"),
    Case("mediation-bodies", {"mediation_centre_and_committee": False}, "mediation_bodies", FAIL,
         "NOT_ELIGIBLE"),
    Case("village-committees", {"village_committees_sound": False}, "village_committees", FAIL,
         "NOT_ELIGIBLE"),
    Case("linkage", {"mediation_linkage": False}, "mediation_linked", FAIL, "NOT_ELIGIBLE"),
    Case("mediation-funding", {"mediation_funding_budgeted": False}, "mediation_funding", FAIL,
         "NOT_ELIGIBLE"),
    Case("subsidies", {"mediator_subsidies_paid": False}, "mediator_subsidies", FAIL,
         "NOT_ELIGIBLE"),
    # 7、“一村一顾问”覆盖率达到100%
    Case("advisers-17-of-18", {"villages_with_adviser_count": 17}, "adviser_coverage", FAIL,
         "NOT_ELIGIBLE"),
    Case("advisers-18-of-18", {"villages_with_adviser_count": 18}, "adviser_coverage", PASS,
         "STAR"),
    Case("no-villages", {"villages_count": 0, "villages_with_adviser_count": 0},
         "adviser_coverage", NOT_APPLICABLE, "STAR"),
    Case("ethics-1", {"legal_service_ethics_breaches_count": 1}, "no_ethics_breach", FAIL,
         "NOT_ELIGIBLE"),
    Case("ethics-0", {"legal_service_ethics_breaches_count": 0}, "no_ethics_breach", PASS, "STAR"),
    Case("campaigns", {"legal_service_campaigns": False}, "satisfaction_campaigns", FAIL,
         "NOT_ELIGIBLE"),
    # 8、矫正期再犯罪率控制在1‰以内 (以内 includes 1‰)
    Case("reoffending-1-of-1000", {"persons_under_correction_count": 1000,
                                   "correction_reoffenders_count": 1},
         "correction_reoffending_1permille", PASS, "STAR"),
    Case("reoffending-1-of-999", {"persons_under_correction_count": 999,
                                  "correction_reoffenders_count": 1},
         "correction_reoffending_1permille", FAIL, "NOT_ELIGIBLE"),
    Case("reoffending-2-of-1000", {"persons_under_correction_count": 1000,
                                   "correction_reoffenders_count": 2},
         "correction_reoffending_1permille", FAIL, "NOT_ELIGIBLE"),
    Case("reoffending-1-of-1001", {"persons_under_correction_count": 1001,
                                   "correction_reoffenders_count": 1},
         "correction_reoffending_1permille", PASS, "STAR"),
    Case("reoffending-small-office", {"correction_reoffenders_count": 1},
         "correction_reoffending_1permille", FAIL, "NOT_ELIGIBLE"),
    Case("nobody-under-correction", {"persons_under_correction_count": 0,
                                     "correction_reoffenders_count": 0},
         "correction_reoffending_1permille", NOT_APPLICABLE, "STAR"),
    Case("lapses-1", {"correction_lapses_count": 1}, "no_correction_lapses", FAIL,
         "NOT_ELIGIBLE"),
    Case("correction-officer", {"correction_dedicated_staff": False}, "correction_officer", FAIL,
         "NOT_ELIGIBLE"),
    Case("correction-ratio", {"correction_workers_ratio_met": False}, "correction_workers_ratio",
         FAIL, "NOT_ELIGIBLE"),
    Case("correction-files", {"correction_files_complete": False}, "correction_files", FAIL,
         "NOT_ELIGIBLE"),
    Case("correction-network", {"correction_supervision_network": False},
         "correction_supervision", FAIL, "NOT_ELIGIBLE"),
    Case("correction-funding", {"correction_funding_in_place": False}, "correction_funding", FAIL,
         "NOT_ELIGIBLE"),
    # 9、重点帮教对象必接必送 (every one)
    Case("key-5-of-6", {"key_released_escorted_count": 5}, "key_targets_escorted", FAIL,
         "NOT_ELIGIBLE"),
    Case("key-6-of-6", {"key_released_escorted_count": 6}, "key_targets_escorted", PASS, "STAR"),
    Case("no-key-targets", {"key_released_count": 0, "key_released_escorted_count": 0,
                            "general_released_count": 27, "general_released_escorted_count": 22},
         "key_targets_escorted", NOT_APPLICABLE, "STAR"),
    # 一般帮教对象接送率达到80%
    Case("general-79", {**released(106), "general_released_escorted_count": 79},
         "general_escort_80", FAIL, "NOT_ELIGIBLE"),
    Case("general-80", {**released(106), "general_released_escorted_count": 80},
         "general_escort_80", PASS, "STAR"),
    Case("general-81", {**released(106), "general_released_escorted_count": 81},
         "general_escort_80", PASS, "STAR"),
    Case("no-general-targets", {**released(6)},
         "general_escort_80", NOT_APPLICABLE, "STAR"),
    # 衔接率、帮教率均达到100%
    Case("handover-99", released(100, handed_over=99), "handover_100", FAIL, "NOT_ELIGIBLE"),
    Case("handover-100", released(100), "handover_100", PASS, "STAR"),
    Case("assistance-99", released(100, assisted=99), "assistance_100", FAIL, "NOT_ELIGIBLE"),
    Case("assistance-100", released(100), "assistance_100", PASS, "STAR"),
    # 安置率达到95%以上
    Case("resettled-94", released(100, resettled=94), "resettlement_95", FAIL, "NOT_ELIGIBLE"),
    Case("resettled-95", released(100, resettled=95), "resettlement_95", PASS, "STAR"),
    Case("resettled-96", released(100, resettled=96), "resettlement_95", PASS, "STAR"),
    Case("resettled-18-of-19", released(19, resettled=18), "resettlement_95", FAIL,
         "NOT_ELIGIBLE"),
    Case("nobody-released", released(0), "resettlement_95", NOT_APPLICABLE, "STAR"),
    # the bureau's denominators (option released_rates_base, interpretation point 9): 帮教率 over
    # the persons within the assistance period, 安置率 over the persons needing resettlement
    Case("caseload-ignored-by-default", {**CASELOAD, "assistance_caseload_assisted_count": 30},
         "caseload_assistance_100", NOT_APPLICABLE, "STAR"),
    Case("needed-ignored-by-default", {**CASELOAD, "resettlement_needed_resettled_count": 10},
         "needed_resettlement_95", NOT_APPLICABLE, "STAR"),
    Case("caseload-39-of-40", {**CASELOAD, "assistance_caseload_assisted_count": 39},
         "caseload_assistance_100", FAIL, "NOT_ELIGIBLE", BUREAU),
    Case("caseload-40-of-40", {**CASELOAD}, "caseload_assistance_100", PASS, "STAR", BUREAU),
    Case("caseload-empty", {**CASELOAD, "assistance_caseload_count": 0,
                            "assistance_caseload_assisted_count": 0,
                            "resettlement_needed_count": 0,
                            "resettlement_needed_resettled_count": 0},
         "caseload_assistance_100", NOT_APPLICABLE, "STAR", BUREAU),
    Case("needed-18-of-20", {**CASELOAD, "resettlement_needed_resettled_count": 18},
         "needed_resettlement_95", FAIL, "NOT_ELIGIBLE", BUREAU),
    Case("needed-19-of-20", {**CASELOAD}, "needed_resettlement_95", PASS, "STAR", BUREAU),
    Case("needed-20-of-20", {**CASELOAD, "resettlement_needed_resettled_count": 20},
         "needed_resettlement_95", PASS, "STAR", BUREAU),
    Case("nobody-needs-resettlement", {**CASELOAD, "resettlement_needed_count": 0,
                                       "resettlement_needed_resettled_count": 0},
         "needed_resettlement_95", NOT_APPLICABLE, "STAR", BUREAU),
    # with the bureau's bases the released-in-period rates do not decide (衔接率 still does)
    Case("released-assisted-ignored", {**CASELOAD, **released(100, assisted=50)},
         "assistance_100", NOT_APPLICABLE, "STAR", BUREAU),
    Case("released-resettled-ignored", {**CASELOAD, **released(100, resettled=50)},
         "resettlement_95", NOT_APPLICABLE, "STAR", BUREAU),
    Case("handover-still-counted", {**CASELOAD, **released(100, handed_over=99)},
         "handover_100", FAIL, "NOT_ELIGIBLE", BUREAU),
    Case("released-reoffended", {"released_reoffenders_count": 1}, "no_released_reoffending",
         FAIL, "NOT_ELIGIBLE"),
    Case("serious-incident", {"released_serious_incidents_count": 1}, "no_serious_incidents",
         FAIL, "NOT_ELIGIBLE"),
    Case("caseload", {"released_caseload_known": False}, "caseload_known", FAIL, "NOT_ELIGIBLE"),
    Case("no-base", {"transitional_base": False}, "resettlement_base", FAIL, "NOT_ELIGIBLE"),
    # 10、每月出版一期法制宣传栏 / 每季度开展一次专题活动
    Case("bulletins-11", {"bulletin_months_count": 11}, "monthly_bulletin", FAIL, "NOT_ELIGIBLE"),
    Case("bulletins-12", {"bulletin_months_count": 12}, "monthly_bulletin", PASS, "STAR"),
    Case("activities-3", {"themed_activity_quarters_count": 3}, "quarterly_themed_activity", FAIL,
         "NOT_ELIGIBLE"),
    Case("activities-4", {"themed_activity_quarters_count": 4}, "quarterly_themed_activity", PASS,
         "STAR"),
    Case("publicity-planning", {"publicity_planned": False}, "publicity_planning", FAIL,
         "NOT_ELIGIBLE"),
    Case("publicity-teams", {"publicity_teams": False}, "publicity_volunteers", FAIL,
         "NOT_ELIGIBLE"),
    Case("coverage", {"education_coverage_met": False}, "education_coverage", FAIL,
         "NOT_ELIGIBLE"),
    Case("publicity-funding", {"publicity_funding_in_place": False}, "publicity_funding", FAIL,
         "NOT_ELIGIBLE"),
    # 11-15
    Case("legal-opinions", {"legal_opinions_to_township": False}, "legal_opinions", FAIL,
         "NOT_ELIGIBLE"),
    Case("conduct-reviews", {"conduct_review_participation": False}, "conduct_reviews", FAIL,
         "NOT_ELIGIBLE"),
    Case("hazards", {"hazard_screening": False}, "hazards_screened", FAIL, "NOT_ELIGIBLE"),
    Case("recognition", {"recognised_by_township": {"met": False, "evidence": "镇党委未肯定"}},
         "township_recognition", FAIL, "NOT_ELIGIBLE"),
    Case("ranking", {"ranks_near_top": {"met": False, "evidence": "考核第19名(共23个)"}},
         "township_ranking", FAIL, "NOT_ELIGIBLE"),
    Case("governance", {"comprehensive_governance": False}, "governance_participation", FAIL,
         "NOT_ELIGIBLE"),
    Case("legal-aid", {"legal_aid_for_all_eligible": False}, "legal_aid_coverage", FAIL,
         "NOT_ELIGIBLE"),
    Case("aid-workstation", {"legal_aid_workstation": False}, "aid_workstation", FAIL,
         "NOT_ELIGIBLE"),
    Case("aid-liaison", {"legal_aid_liaison_team": False}, "aid_liaison_officers", FAIL,
         "NOT_ELIGIBLE"),
    Case("stability", {"stability_tasks_completed": False}, "stability_tasks", FAIL,
         "NOT_ELIGIBLE"),
]

BOUNDS = [
    Bound("mediation_rate_98", "四(二)6", Threshold("mediation_rate", ">=", 0.98)),
    Bound("mediation_success_96", "四(二)6", Threshold("mediation_success_rate", ">=", 0.96)),
    Bound("no_mediation_incidents", "四(二)6", Threshold("mediation_incidents", "count==", 0)),
    Bound("adviser_coverage", "四(二)7", Threshold("adviser_coverage_rate", ">=", 1)),
    Bound("no_ethics_breach", "四(二)7",
          Threshold("legal_service_ethics_breaches_count", "==", 0)),
    Bound("correction_reoffending_1permille", "四(二)8",
          Threshold("correction_reoffending_rate", "<=", 0.001)),
    Bound("no_correction_lapses", "四(二)8", Threshold("correction_lapses_count", "==", 0)),
    Bound("key_targets_escorted", "四(二)9", Threshold("key_escort_rate", ">=", 1)),
    Bound("general_escort_80", "四(二)9", Threshold("general_escort_rate", ">=", 0.8)),
    Bound("handover_100", "四(二)9", Threshold("handover_rate", ">=", 1)),
    Bound("assistance_100", "四(二)9", Threshold("assistance_rate", ">=", 1)),
    Bound("resettlement_95", "四(二)9", Threshold("resettlement_rate", ">=", 0.95)),
    Bound("no_released_reoffending", "四(二)9", Threshold("released_reoffenders_count", "==", 0)),
    Bound("no_serious_incidents", "四(二)9",
          Threshold("released_serious_incidents_count", "==", 0)),
    Bound("monthly_bulletin", "四(二)10", Threshold("bulletin_months_count", ">=", 12)),
    Bound("quarterly_themed_activity", "四(二)10",
          Threshold("themed_activity_quarters_count", ">=", 4)),
    Bound("township_ranking", "四(二)12", Threshold("ranks_near_top", "==", True)),
    Bound("aid_workstation", "四(二)14", Threshold("legal_aid_workstation", "==", True)),
]

# The exact rate each failing rate row must show in the trace, with the counts it came from.
RATE_READINGS = [
    ("mediation-97.92", "mediation_rate_98", "mediation_rate", 1224 / 1250),
    ("success-95.92", "mediation_success_96", "mediation_success_rate", 1175 / 1225),
    ("success-95.34-not-rounded", "mediation_success_96", "mediation_success_rate", 225 / 236),
    ("advisers-17-of-18", "adviser_coverage", "adviser_coverage_rate", 17 / 18),
    ("reoffending-2-of-1000", "correction_reoffending_1permille", "correction_reoffending_rate",
     2 / 1000),
    ("key-5-of-6", "key_targets_escorted", "key_escort_rate", 5 / 6),
    ("general-79", "general_escort_80", "general_escort_rate", 0.79),
    ("handover-99", "handover_100", "handover_rate", 0.99),
    ("assistance-99", "assistance_100", "assistance_rate", 0.99),
    ("resettled-94", "resettlement_95", "resettlement_rate", 0.94),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_platform_boundary(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("bound", BOUNDS, ids=[b.criterion for b in BOUNDS])
def test_failing_step_names_threshold_and_clause(bound: Bound) -> None:
    failing = next(c for c in CASES if c.criterion == bound.criterion and c.status == FAIL)
    step = verdict_of(with_(passing_office(), **failing.changes)).trace.step(bound.criterion)
    check_bound(step, bound)


@pytest.mark.parametrize(("label", "criterion", "rate", "value"), RATE_READINGS,
                         ids=[r[0] for r in RATE_READINGS])
def test_failing_rate_shows_the_exact_rate_and_its_counts(label: str, criterion: str, rate: str,
                                                          value: float) -> None:
    case = next(c for c in CASES if c.label == label)
    verdict = verdict_of(with_(passing_office(), **case.changes))
    step = verdict.trace.step(criterion)
    assert reading(step, rate) == pytest.approx(value, rel=1e-12)
    derived = verdict.trace.step(rate)
    assert derived.kind == "derived"
    for fact, count in case.changes.items():
        if fact in {r.name for r in derived.reads}:
            assert reading(derived, fact) == count


@pytest.mark.parametrize(("label", "criterion", "threshold"), [
    ("caseload-39-of-40", "caseload_assistance_100",
     Threshold("caseload_assistance_rate", ">=", 1)),
    ("needed-18-of-20", "needed_resettlement_95",
     Threshold("needed_resettlement_rate", ">=", 0.95)),
])
def test_the_bureau_denominators_name_their_threshold(label: str, criterion: str,
                                                      threshold: Threshold) -> None:
    case = next(c for c in CASES if c.label == label)
    step = verdict_of(with_(passing_office(), **case.changes), **case.options).trace.step(
        criterion)
    check_bound(step, Bound(criterion, "四(二)9", threshold))


def test_not_applicable_rates_need_no_numerator() -> None:
    """No key target released: the escorted count is irrelevant, even when missing."""
    office = with_(passing_office(), key_released_count=0, key_released_escorted_count=None,
                   general_released_count=27, general_released_escorted_count=22)
    verdict = verdict_of(office)
    assert verdict.trace.step("key_targets_escorted").status == NOT_APPLICABLE
    assert verdict.outcome == "STAR"


@pytest.mark.parametrize(("fact", "value"), [("bulletin_months_count", 13),
                                             ("themed_activity_quarters_count", 5)])
def test_months_and_quarters_above_the_year_are_input_errors(fact: str, value: int) -> None:
    with pytest.raises(InputError):
        verdict_of(with_(passing_office(), **{fact: value}))


def test_every_platform_criterion_has_a_failing_row() -> None:
    criteria = {n.id for n in star().spec.nodes if n.kind == "criterion"
                and n.clause.startswith("四(二)")}
    assert criteria == {c.criterion for c in CASES if c.status == FAIL}
