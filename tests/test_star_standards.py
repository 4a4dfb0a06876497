"""四 创建标准: the 20 standards, criterion by criterion, from one table.

``STANDARDS`` holds one row per criterion of ``rulesets/star-judicial-office.yaml`` (sections
四(一) workplace, 四(二) work platform, 四(三) service), in the order of the text: the clause it
cites (spelled as in the ruleset, ``四(一)1``), the thresholds the trace must show, and its edges —
the value at every threshold, just below and just above it (where the facts allow one), and the
fact missing. Every edge starts from the compliant office of ``star-by-assessment.json`` and
changes the facts of one criterion only, so that every verdict has one visible cause:

- a failing edge fails exactly that criterion and gives ``NOT_ELIGIBLE``;
- a passing or not-applicable edge fails nothing and gives ``STAR``;
- a missing fact is *unknown*, never *failed*, and gives ``UNDECIDED``.

Every edge also checks the trace: the clause, the thresholds, and the value read for the compared
fact (the office's own value, or the exact rate computed from the counts, never rounded).
Boundaries follow the Chinese convention (以上 / 以内 / 不低于 include the number).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import pytest
from star_helpers import (
    FAIL,
    NOT_APPLICABLE,
    PASS,
    UNKNOWN,
    passing_office,
    reading,
    star,
    verdict_of,
    with_,
)

from mingxing_rules.engine.trace import Status, Step, Verdict
from mingxing_rules.errors import InputError
from mingxing_rules.ruleset.model import Threshold

# the passing office releases 27 persons: 6 key targets and 21 general ones
AREAS = ("people_mediation", "community_correction", "resettlement_assistance", "legal_aid")
EQUIPMENT = ("computer", "printer", "fax", "scanner", "telephone", "camera", "voice_recorder")
INCIDENTS = ("mass_incident", "civil_to_criminal", "abnormal_petition")
# the bureau's denominators of 四(二)9 (option released_rates_base, interpretation point 9)
BUREAU = {"released_rates_base": "assistance_caseload"}


class Edge(NamedTuple):
    """One evaluation of a criterion: change some facts (``None`` removes one), expect a status.

    ``reads`` are values the criterion's trace step must show besides the facts changed here
    (a rate computed from changed counts). ``thresholds`` replaces the row's when an option
    moves the threshold.
    """

    label: str
    changes: Mapping[str, Any]
    status: Status
    reads: Mapping[str, Any] = {}
    options: Mapping[str, Any] = {}
    thresholds: tuple[Threshold, ...] | None = None

    @property
    def outcome(self) -> str:
        return {PASS: "STAR", NOT_APPLICABLE: "STAR", FAIL: "NOT_ELIGIBLE",
                UNKNOWN: "UNDECIDED"}[self.status]


class Criterion(NamedTuple):
    """One criterion of 四: its clause, the thresholds its trace shows and its edges."""

    id: str
    clause: str
    thresholds: tuple[Threshold, ...]
    edges: tuple[Edge, ...]


def at_least(fact: str, bound: Any) -> tuple[Threshold]:
    return (Threshold(fact, ">=", bound),)


def none_of(fact: str) -> tuple[Threshold]:
    return (Threshold(fact, "==", 0),)


def rate(fact: str, op: str, bound: float, guard: str) -> tuple[Threshold, Threshold]:
    """A rate threshold and the ``applies_if: <denominator> > 0`` guard the trace shows with it."""
    return (Threshold(fact, op, bound), Threshold(guard, ">", 0))


def flag(criterion: str, clause: str, fact: str, not_met: Any = False) -> Criterion:
    """A yes/no criterion (a boolean fact or a panel finding): met, not met, missing."""
    return Criterion(criterion, clause, (Threshold(fact, "==", True),), (
        Edge("met", {fact: True}, PASS),
        Edge("not-met", {fact: not_met}, FAIL),
        Edge("missing", {fact: None}, UNKNOWN),
    ))


def finding(met: bool, evidence: str) -> dict[str, Any]:
    return {"met": met, "evidence": evidence, "by": "市局评审团"}


def counts(name: str, label: str) -> tuple[Edge, Edge, Edge]:
    """``<name> == 0``: none (at), one (just above), missing. Counts cannot go below 0."""
    return (Edge(f"{label}-0", {name: 0}, PASS), Edge(f"{label}-1", {name: 1}, FAIL),
            Edge(f"{label}-missing", {name: None}, UNKNOWN))


def mediation(received: int, mediated: int, resolved: int) -> dict[str, int]:
    return {"disputes_received_count": received, "disputes_mediated_count": mediated,
            "disputes_resolved_count": resolved}


def released(key: int, key_escorted: int, general: int, general_escorted: int,
             handed_over: int | None = None, assisted: int | None = None,
             resettled: int | None = None) -> dict[str, int]:
    """Released persons, split so that key + general targets add up to the total (a constraint
    of 四(二)9); hand-over, assistance and resettlement default to everyone."""
    total = key + general
    return {"key_released_count": key, "key_released_escorted_count": key_escorted,
            "general_released_count": general,
            "general_released_escorted_count": general_escorted,
            "released_persons_count": total,
            "released_handed_over_count": total if handed_over is None else handed_over,
            "released_assisted_count": total if assisted is None else assisted,
            "released_resettled_count": total if resettled is None else resettled}


def hundred_released(**counts_of: int) -> dict[str, int]:
    """100 persons released (6 key targets, all escorted; 94 general, 80 escorted)."""
    return released(6, 6, 94, 80, **counts_of)


def caseload(caseload_count: int | None, assisted: int | None, needed: int | None,
             resettled: int | None) -> dict[str, int | None]:
    """The counts the ``assistance_caseload`` reading of 四(二)9 divides by."""
    return {"assistance_caseload_count": caseload_count,
            "assistance_caseload_assisted_count": assisted,
            "resettlement_needed_count": needed,
            "resettlement_needed_resettled_count": resettled}


# 40 persons within the assistance period, all assisted; 20 need resettlement, 19 resettled
BUREAU_COUNTS = caseload(40, 40, 20, 19)


STANDARDS: list[Criterion] = [
    # ================================================================ 四(一) 一流的工作场所
    # 1、办公用房: 有相对独立的办公用房, 面积不低于200平方米 (不低于 includes 200)
    flag("independent_premises", "四(一)1", "premises_independent"),
    Criterion("floor_area", "四(一)1", at_least("floor_area_m2", 200), (
        Edge("floor-199.99", {"floor_area_m2": 199.99}, FAIL),
        Edge("floor-200", {"floor_area_m2": 200}, PASS),
        Edge("floor-200.01", {"floor_area_m2": 200.01}, PASS),
        Edge("floor-0", {"floor_area_m2": 0}, FAIL),
        Edge("floor-missing", {"floor_area_m2": None}, UNKNOWN),
    )),
    flag("premises_layout", "四(一)1", "premises_layout_reasonable",
         not_met={"met": False, "evidence": "调解室兼作档案室"}),
    Criterion("functional_areas_complete", "四(一)1",
              (Threshold("functional_areas", "contains_all", AREAS),), (
        *[Edge(f"no-{area}", {"functional_areas": [a for a in AREAS if a != area]}, FAIL)
          for area in AREAS],
        Edge("all-areas", {"functional_areas": list(AREAS)}, PASS),
        Edge("no-areas", {"functional_areas": []}, FAIL),
        Edge("areas-missing", {"functional_areas": None}, UNKNOWN),
    )),
    # 容纳20人左右的小型多功能会议室: lower bound 20 by default, option meeting_room_min_seats
    Criterion("meeting_room", "四(一)1", at_least("meeting_room_seats", 20), (
        Edge("seats-19", {"meeting_room_seats": 19}, FAIL),
        Edge("seats-20", {"meeting_room_seats": 20}, PASS),
        Edge("seats-21", {"meeting_room_seats": 21}, PASS),
        Edge("no-meeting-room", {"meeting_room_seats": 0}, FAIL),
        *[Edge(f"seats-{seats}-tol18", {"meeting_room_seats": seats}, status,
               options={"meeting_room_min_seats": 18},
               thresholds=at_least("meeting_room_seats", 18))
          for seats, status in ((17, FAIL), (18, PASS), (19, PASS))],
        Edge("seats-missing", {"meeting_room_seats": None}, UNKNOWN),
    )),
    # 2、办公设施: the seven named devices
    Criterion("equipment_complete", "四(一)2",
              (Threshold("equipment", "contains_all", EQUIPMENT),), (
        *[Edge(f"no-{device}", {"equipment": [d for d in EQUIPMENT if d != device]}, FAIL)
          for device in EQUIPMENT],
        Edge("all-equipment", {"equipment": list(EQUIPMENT)}, PASS),
        Edge("equipment-missing", {"equipment": None}, UNKNOWN),
    )),
    # 3、交通工具: 警用摩托车或电动自行车; the police car (a rule of its own) is never enough
    Criterion("motorcycle_or_e_bike", "四(一)3",
              (Threshold("vehicles", "contains", "police_motorcycle"),
               Threshold("vehicles", "contains", "e_bike")), (
        Edge("motorcycle-only", {"vehicles": ["police_motorcycle"]}, PASS),
        Edge("e-bike-only", {"vehicles": ["e_bike"]}, PASS),
        Edge("car-only", {"vehicles": ["police_car"]}, FAIL),
        Edge("no-vehicle", {"vehicles": []}, FAIL),
        Edge("vehicles-missing", {"vehicles": None}, UNKNOWN),
    )),
    # 4、标牌标识
    flag("signage", "四(一)4", "signage_compliant"),
    # 5、办公信息化: 每所必备一台内网电脑
    flag("business_software", "四(一)5", "business_software_used"),
    Criterion("intranet_computer", "四(一)5", at_least("intranet_computers_count", 1), (
        Edge("intranet-0", {"intranet_computers_count": 0}, FAIL),
        Edge("intranet-1", {"intranet_computers_count": 1}, PASS),
        Edge("intranet-2", {"intranet_computers_count": 2}, PASS),
        Edge("intranet-missing", {"intranet_computers_count": None}, UNKNOWN),
    )),
    flag("network_security", "四(一)5", "private_network_secure"),
    # ================================================================ 四(二) 一流的实战工作平台
    # 6、人民调解
    flag("hard_disputes", "四(二)6", "joins_difficult_mediation"),
    flag("mediation_bodies", "四(二)6", "mediation_centre_and_committee"),
    flag("village_committees", "四(二)6", "village_committees_sound"),
    flag("mediation_linked", "四(二)6", "mediation_linkage"),
    # 矛盾纠纷调解率98%以上 (1225/1250 = 98 % exactly; success kept at >= 96 %)
    Criterion("mediation_rate_98", "四(二)6",
              rate("mediation_rate", ">=", 0.98, "disputes_received_count"), (
        Edge("mediation-97.92", mediation(1250, 1224, 1176), FAIL,
             {"mediation_rate": 1224 / 1250}),
        Edge("mediation-98", mediation(1250, 1225, 1176), PASS, {"mediation_rate": 0.98}),
        Edge("mediation-98.08", mediation(1250, 1226, 1177), PASS,
             {"mediation_rate": 1226 / 1250}),
        Edge("mediation-no-disputes", mediation(0, 0, 0), NOT_APPLICABLE,
             {"mediation_rate": None}),
        Edge("mediated-missing", {"disputes_mediated_count": None}, UNKNOWN,
             {"mediation_rate": None}),
        Edge("received-missing", {"disputes_received_count": None}, UNKNOWN,
             {"mediation_rate": None}),
    )),
    # 调解成功率96%以上 (1176/1225 = 96 % exactly; 225/236 = 95.34 % is not rounded up)
    Criterion("mediation_success_96", "四(二)6",
              rate("mediation_success_rate", ">=", 0.96, "disputes_mediated_count"), (
        Edge("success-95.92", mediation(1250, 1225, 1175), FAIL,
             {"mediation_success_rate": 1175 / 1225}),
        Edge("success-96", mediation(1250, 1225, 1176), PASS, {"mediation_success_rate": 0.96}),
        Edge("success-96.08", mediation(1250, 1225, 1177), PASS,
             {"mediation_success_rate": 1177 / 1225}),
        Edge("success-95.34-not-rounded", mediation(240, 236, 225), FAIL,
             {"mediation_success_rate": 225 / 236}),
        Edge("success-no-disputes", mediation(0, 0, 0), NOT_APPLICABLE,
             {"mediation_success_rate": None}),
        Edge("resolved-missing", {"disputes_resolved_count": None}, UNKNOWN,
             {"mediation_success_rate": None}),
    )),
    # 无因调解不及时引发群体性事件、民转刑案件、非正常上访
    Criterion("no_mediation_incidents", "四(二)6",
              (Threshold("mediation_incidents", "count==", 0),), (
        Edge("no-incident", {"mediation_incidents": []}, PASS),
        *[Edge(f"incident-{kind}", {"mediation_incidents": [kind]}, FAIL) for kind in INCIDENTS],
        Edge("incidents-missing", {"mediation_incidents": None}, UNKNOWN),
    )),
    flag("mediation_funding", "四(二)6", "mediation_funding_budgeted"),
    flag("mediator_subsidies", "四(二)6", "mediator_subsidies_paid"),
    # 7、“一村一顾问”覆盖率达到100% (18 villages; more advisers than villages is an input error)
    Criterion("adviser_coverage", "四(二)7",
              rate("adviser_coverage_rate", ">=", 1, "villages_count"), (
        Edge("advisers-17-of-18", {"villages_with_adviser_count": 17}, FAIL,
             {"adviser_coverage_rate": 17 / 18}),
        Edge("advisers-18-of-18", {"villages_with_adviser_count": 18}, PASS,
             {"adviser_coverage_rate": 1}),
        Edge("no-villages", {"villages_count": 0, "villages_with_adviser_count": 0},
             NOT_APPLICABLE, {"adviser_coverage_rate": None}),
        Edge("advisers-missing", {"villages_with_adviser_count": None}, UNKNOWN,
             {"adviser_coverage_rate": None}),
    )),
    Criterion("no_ethics_breach", "四(二)7", none_of("legal_service_ethics_breaches_count"),
              counts("legal_service_ethics_breaches_count", "ethics")),
    flag("satisfaction_campaigns", "四(二)7", "legal_service_campaigns"),
    # 8、社区矫正
    flag("correction_officer", "四(二)8", "correction_dedicated_staff"),
    flag("correction_workers_ratio", "四(二)8", "correction_workers_ratio_met"),
    flag("correction_files", "四(二)8", "correction_files_complete"),
    flag("correction_supervision", "四(二)8", "correction_supervision_network"),
    Criterion("no_correction_lapses", "四(二)8", none_of("correction_lapses_count"),
              counts("correction_lapses_count", "lapses")),
    # 矫正期再犯罪率控制在1‰以内 (以内 includes 1‰; 46 persons under correction)
    Criterion("correction_reoffending_1permille", "四(二)8",
              rate("correction_reoffending_rate", "<=", 0.001, "persons_under_correction_count"), (
        Edge("reoffending-1-of-1000", {"persons_under_correction_count": 1000,
                                       "correction_reoffenders_count": 1}, PASS,
             {"correction_reoffending_rate": 0.001}),
        Edge("reoffending-1-of-999", {"persons_under_correction_count": 999,
                                      "correction_reoffenders_count": 1}, FAIL,
             {"correction_reoffending_rate": 1 / 999}),
        Edge("reoffending-2-of-1000", {"persons_under_correction_count": 1000,
                                       "correction_reoffenders_count": 2}, FAIL,
             {"correction_reoffending_rate": 2 / 1000}),
        Edge("reoffending-1-of-1001", {"persons_under_correction_count": 1001,
                                       "correction_reoffenders_count": 1}, PASS,
             {"correction_reoffending_rate": 1 / 1001}),
        Edge("reoffending-small-office", {"correction_reoffenders_count": 1}, FAIL,
             {"correction_reoffending_rate": 1 / 46}),
        Edge("nobody-under-correction", {"persons_under_correction_count": 0,
                                         "correction_reoffenders_count": 0}, NOT_APPLICABLE,
             {"correction_reoffending_rate": None}),
        Edge("reoffenders-missing", {"correction_reoffenders_count": None}, UNKNOWN,
             {"correction_reoffending_rate": None}),
    )),
    flag("correction_funding", "四(二)8", "correction_funding_in_place"),
    # 9、安置帮教 (released persons: key + general targets add up to the total)
    flag("caseload_known", "四(二)9", "released_caseload_known"),
    # 重点帮教对象必接必送 (every one)
    Criterion("key_targets_escorted", "四(二)9", rate("key_escort_rate", ">=", 1,
                                                      "key_released_count"), (
        Edge("key-5-of-6", {"key_released_escorted_count": 5}, FAIL, {"key_escort_rate": 5 / 6}),
        Edge("key-6-of-6", {"key_released_escorted_count": 6}, PASS, {"key_escort_rate": 1}),
        Edge("no-key-targets", released(0, 0, 21, 19), NOT_APPLICABLE, {"key_escort_rate": None}),
        # no key target released: the escorted count is irrelevant, even when missing
        Edge("no-key-targets-escorted-missing",
             {**released(0, 0, 21, 19), "key_released_escorted_count": None}, NOT_APPLICABLE,
             {"key_escort_rate": None}),
        Edge("key-escorted-missing", {"key_released_escorted_count": None}, UNKNOWN,
             {"key_escort_rate": None}),
    )),
    # 一般帮教对象接送率达到80%
    Criterion("general_escort_80", "四(二)9", rate("general_escort_rate", ">=", 0.8,
                                                   "general_released_count"), (
        Edge("general-79", released(6, 6, 100, 79), FAIL, {"general_escort_rate": 0.79}),
        Edge("general-80", released(6, 6, 100, 80), PASS, {"general_escort_rate": 0.8}),
        Edge("general-81", released(6, 6, 100, 81), PASS, {"general_escort_rate": 0.81}),
        Edge("no-general-targets", released(6, 6, 0, 0), NOT_APPLICABLE,
             {"general_escort_rate": None}),
        Edge("general-escorted-missing", {"general_released_escorted_count": None}, UNKNOWN,
             {"general_escort_rate": None}),
    )),
    # 刑释解教人员衔接率、帮教率均达到100%
    Criterion("handover_100", "四(二)9", rate("handover_rate", ">=", 1,
                                              "released_persons_count"), (
        Edge("handover-99", hundred_released(handed_over=99), FAIL, {"handover_rate": 0.99}),
        Edge("handover-100", hundred_released(), PASS, {"handover_rate": 1}),
        Edge("handover-nobody-released", released(0, 0, 0, 0), NOT_APPLICABLE,
             {"handover_rate": None}),
        Edge("handed-over-missing", {"released_handed_over_count": None}, UNKNOWN,
             {"handover_rate": None}),
        # with the bureau's denominators (option released_rates_base) 衔接率 still decides
        Edge("handover-still-counted", {**BUREAU_COUNTS, **hundred_released(handed_over=99)},
             FAIL, {"handover_rate": 0.99}, BUREAU),
    )),
    Criterion("assistance_100", "四(二)9", rate("assistance_rate", ">=", 1,
                                                "released_persons_count"), (
        Edge("assistance-99", hundred_released(assisted=99), FAIL, {"assistance_rate": 0.99}),
        Edge("assistance-100", hundred_released(), PASS, {"assistance_rate": 1}),
        Edge("assistance-nobody-released", released(0, 0, 0, 0), NOT_APPLICABLE,
             {"assistance_rate": None}),
        Edge("assisted-missing", {"released_assisted_count": None}, UNKNOWN,
             {"assistance_rate": None}),
        # the bureau's denominators set the released-in-period 帮教率 aside
        Edge("released-assisted-ignored", {**BUREAU_COUNTS, **hundred_released(assisted=50)},
             NOT_APPLICABLE, {"assistance_rate": 0.5}, BUREAU),
    )),
    # 帮教率 over the persons within the assistance period (option released_rates_base,
    # interpretation point 9): 40 persons, all assisted
    Criterion("caseload_assistance_100", "四(二)9", rate("caseload_assistance_rate", ">=", 1,
                                                         "assistance_caseload_count"), (
        Edge("caseload-39-of-40", {**BUREAU_COUNTS, "assistance_caseload_assisted_count": 39},
             FAIL, {"caseload_assistance_rate": 39 / 40}, BUREAU),
        Edge("caseload-40-of-40", BUREAU_COUNTS, PASS, {"caseload_assistance_rate": 1}, BUREAU),
        Edge("caseload-empty", caseload(0, 0, 0, 0), NOT_APPLICABLE,
             {"caseload_assistance_rate": None}, BUREAU),
        Edge("caseload-assisted-missing",
             {**BUREAU_COUNTS, "assistance_caseload_assisted_count": None}, UNKNOWN,
             {"caseload_assistance_rate": None}, BUREAU),
        Edge("caseload-count-missing", {**BUREAU_COUNTS, "assistance_caseload_count": None,
                                        "resettlement_needed_count": None}, UNKNOWN,
             {"caseload_assistance_rate": None}, BUREAU),
        Edge("caseload-ignored-by-default",
             {**BUREAU_COUNTS, "assistance_caseload_assisted_count": 30}, NOT_APPLICABLE,
             {"caseload_assistance_rate": 30 / 40}),
    )),
    # 安置率达到95%以上
    Criterion("resettlement_95", "四(二)9", rate("resettlement_rate", ">=", 0.95,
                                                 "released_persons_count"), (
        Edge("resettled-94", hundred_released(resettled=94), FAIL, {"resettlement_rate": 0.94}),
        Edge("resettled-95", hundred_released(resettled=95), PASS, {"resettlement_rate": 0.95}),
        Edge("resettled-96", hundred_released(resettled=96), PASS, {"resettlement_rate": 0.96}),
        Edge("resettled-18-of-19", released(6, 6, 13, 11, resettled=18), FAIL,
             {"resettlement_rate": 18 / 19}),
        Edge("nobody-released", released(0, 0, 0, 0), NOT_APPLICABLE,
             {"resettlement_rate": None}),
        Edge("resettled-missing", {"released_resettled_count": None}, UNKNOWN,
             {"resettlement_rate": None}),
        Edge("released-resettled-ignored", {**BUREAU_COUNTS, **hundred_released(resettled=50)},
             NOT_APPLICABLE, {"resettlement_rate": 0.5}, BUREAU),
    )),
    # 安置率 over the persons needing resettlement (option released_rates_base): 19 of 20
    Criterion("needed_resettlement_95", "四(二)9", rate("needed_resettlement_rate", ">=", 0.95,
                                                        "resettlement_needed_count"), (
        Edge("needed-18-of-20", {**BUREAU_COUNTS, "resettlement_needed_resettled_count": 18},
             FAIL, {"needed_resettlement_rate": 0.9}, BUREAU),
        Edge("needed-94-of-100", caseload(100, 100, 100, 94), FAIL,
             {"needed_resettlement_rate": 0.94}, BUREAU),
        Edge("needed-19-of-20", BUREAU_COUNTS, PASS, {"needed_resettlement_rate": 0.95}, BUREAU),
        Edge("needed-20-of-20", {**BUREAU_COUNTS, "resettlement_needed_resettled_count": 20},
             PASS, {"needed_resettlement_rate": 1}, BUREAU),
        Edge("nobody-needs-resettlement", {**BUREAU_COUNTS, "resettlement_needed_count": 0,
                                           "resettlement_needed_resettled_count": 0},
             NOT_APPLICABLE, {"needed_resettlement_rate": None}, BUREAU),
        Edge("needed-resettled-missing",
             {**BUREAU_COUNTS, "resettlement_needed_resettled_count": None}, UNKNOWN,
             {"needed_resettlement_rate": None}, BUREAU),
        Edge("needed-ignored-by-default",
             {**BUREAU_COUNTS, "resettlement_needed_resettled_count": 10}, NOT_APPLICABLE,
             {"needed_resettlement_rate": 0.5}),
    )),
    Criterion("no_released_reoffending", "四(二)9", none_of("released_reoffenders_count"),
              counts("released_reoffenders_count", "released-reoffended")),
    Criterion("no_serious_incidents", "四(二)9", none_of("released_serious_incidents_count"),
              counts("released_serious_incidents_count", "serious-incident")),
    flag("resettlement_base", "四(二)9", "transitional_base"),
    # 10、法制宣传: 每月出版一期法制宣传栏, 每季度开展一次专题活动 (more is an input error)
    flag("publicity_planning", "四(二)10", "publicity_planned"),
    flag("publicity_volunteers", "四(二)10", "publicity_teams"),
    flag("education_coverage", "四(二)10", "education_coverage_met"),
    Criterion("monthly_bulletin", "四(二)10", at_least("bulletin_months_count", 12), (
        Edge("bulletins-11", {"bulletin_months_count": 11}, FAIL),
        Edge("bulletins-12", {"bulletin_months_count": 12}, PASS),
        Edge("bulletins-missing", {"bulletin_months_count": None}, UNKNOWN),
    )),
    Criterion("quarterly_themed_activity", "四(二)10",
              at_least("themed_activity_quarters_count", 4), (
        Edge("activities-3", {"themed_activity_quarters_count": 3}, FAIL),
        Edge("activities-4", {"themed_activity_quarters_count": 4}, PASS),
        Edge("activities-missing", {"themed_activity_quarters_count": None}, UNKNOWN),
    )),
    flag("publicity_funding", "四(二)10", "publicity_funding_in_place"),
    # 11、法律服务 ... 15、维稳
    flag("legal_opinions", "四(二)11", "legal_opinions_to_township"),
    flag("conduct_reviews", "四(二)11", "conduct_review_participation"),
    flag("hazards_screened", "四(二)12", "hazard_screening"),
    flag("township_recognition", "四(二)12", "recognised_by_township",
         not_met=finding(False, "镇党委未肯定")),
    flag("township_ranking", "四(二)12", "ranks_near_top",
         not_met=finding(False, "考核第19名(共23个)")),
    flag("governance_participation", "四(二)13", "comprehensive_governance"),
    flag("legal_aid_coverage", "四(二)14", "legal_aid_for_all_eligible"),
    flag("aid_workstation", "四(二)14", "legal_aid_workstation"),
    flag("aid_liaison_officers", "四(二)14", "legal_aid_liaison_team"),
    flag("stability_tasks", "四(二)15", "stability_tasks_completed"),
    # ================================================================ 四(三) 一流的“群众满意窗口服务单位”
    # 16、有3名正式党(团)员的, 建立党(团)支部 (below 3 members a branch is not required)
    Criterion("party_branch", "四(三)16",
              (Threshold("party_members", ">=", 3),
               Threshold("party_branch_established", "==", True)), (
        Edge("members-2-no-branch", {"party_members": 2, "party_branch_established": False},
             PASS),
        Edge("members-2-branch-unknown", {"party_members": 2, "party_branch_established": None},
             PASS),
        Edge("members-3-no-branch", {"party_members": 3, "party_branch_established": False},
             FAIL),
        Edge("members-3-branch", {"party_members": 3, "party_branch_established": True}, PASS),
        Edge("members-4-no-branch", {"party_members": 4, "party_branch_established": False},
             FAIL),
        Edge("members-3-branch-unknown", {"party_members": 3, "party_branch_established": None},
             UNKNOWN),
        Edge("members-unknown-no-branch",
             {"party_members": None, "party_branch_established": False}, UNKNOWN),
        # a branch settles it whatever the number of members
        Edge("members-unknown-branch", {"party_members": None, "party_branch_established": True},
             PASS),
    )),
    flag("core_values", "四(三)16", "core_values_conduct"),
    # 17、由7名以上人员组成 (以上 includes 7)
    Criterion("min_staff", "四(三)17", at_least("staff_count", 7), (
        Edge("staff-6", {"staff_count": 6}, FAIL),
        Edge("staff-7", {"staff_count": 7}, PASS),
        Edge("staff-8", {"staff_count": 8}, PASS),
        Edge("staff-missing", {"staff_count": None}, UNKNOWN),
    )),
    Criterion("no_vacant_posts", "四(三)17", none_of("vacant_posts"), counts("vacant_posts", "vacant")),
    Criterion("no_unauthorised_transfers", "四(三)17", none_of("unauthorised_transfers_count"),
              counts("unauthorised_transfers_count", "transfer")),
    flag("director_status", "四(三)17", "director_civil_servant"),
    Criterion("director_degree", "四(三)17",
              (Threshold("director_law_education", "==", "college_or_higher"),
               Threshold("director_law_education", "==", "equivalent")), (
        Edge("degree-college", {"director_law_education": "college_or_higher"}, PASS),
        Edge("degree-equivalent", {"director_law_education": "equivalent"}, PASS),
        Edge("degree-below", {"director_law_education": "below"}, FAIL),
        Edge("degree-missing", {"director_law_education": None}, UNKNOWN),
    )),
    flag("director_competence", "四(三)17", "director_competent"),
    flag("staff_conduct", "四(三)17", "staff_conduct_proper"),
    # 18、服务态度
    flag("courtesy", "四(三)18", "courteous_service"),
    flag("four_hards_absent", "四(三)18", "no_four_hards",
         not_met={"met": False, "evidence": "暗访发现事难办"}),
    # 19、工作质量
    flag("fair_handling", "四(三)19", "fair_lawful_handling"),
    flag("no_errors", "四(三)19", "error_free"),
    # 20、廉政建设
    flag("integrity_rules", "四(三)20", "integrity_rules_kept"),
    flag("no_abuse_of_power", "四(三)20", "no_abuse_or_banquets"),
]

EDGES = [(row, edge) for row in STANDARDS for edge in row.edges]
EDGE_IDS = [f"{row.id}:{edge.label}" for row, edge in EDGES]


def expected_reads(edge: Edge) -> dict[str, Any]:
    """What the trace must show as read: the facts the edge set or removed (in their JSON form:
    a finding reads as its ``met``, a set as a sorted tuple), and the edge's own ``reads``."""
    return {**{name: json_form(value) for name, value in edge.changes.items()}, **edge.reads}


def json_form(value: Any) -> Any:
    if isinstance(value, dict):
        return value["met"]
    if isinstance(value, list):
        return tuple(sorted(value))
    return value


def same(read: Any, expected: Any) -> bool:
    if isinstance(expected, float) or (isinstance(read, float) and expected is not None):
        return bool(read == pytest.approx(expected, rel=1e-12, abs=0))
    return bool(read == expected)


def evaluate_edge(edge: Edge) -> Verdict:
    return verdict_of(with_(passing_office(), **edge.changes), **edge.options)


# ---------------------------------------------------------------------------- the table holds


def criteria_of_section_four() -> dict[str, str]:
    return {node.id: node.clause for node in star().spec.nodes
            if node.kind == "criterion" and node.clause.startswith("四(")}


def test_the_table_has_every_criterion_of_the_standards_once_with_its_clause() -> None:
    assert [row.id for row in STANDARDS] == list(dict.fromkeys(row.id for row in STANDARDS))
    assert {row.id: row.clause for row in STANDARDS} == criteria_of_section_four()


def test_every_standard_one_to_twenty_has_rows() -> None:
    numbers = {int(row.clause.split(")")[1]) for row in STANDARDS}
    assert numbers == set(range(1, 21))


def test_edge_labels_are_unique() -> None:
    assert len(EDGE_IDS) == len(set(EDGE_IDS))


@pytest.mark.parametrize("row", STANDARDS, ids=[row.id for row in STANDARDS])
def test_every_criterion_is_failed_passed_and_unknown_in_the_table(row: Criterion) -> None:
    statuses = {edge.status for edge in row.edges}
    assert {PASS, FAIL, UNKNOWN} <= statuses, statuses
    guarded = any(t.op == ">" for t in row.thresholds)  # `applies_if: count > 0`
    assert (NOT_APPLICABLE in statuses) == guarded, statuses


@pytest.mark.parametrize("row", STANDARDS, ids=[row.id for row in STANDARDS])
def test_numeric_thresholds_are_tested_at_below_and_above(row: Criterion) -> None:
    """Each numeric threshold is met exactly by one edge, missed just below (or, for ``<=``,
    just above) by another, and passed with room by a third, unless the fact's own range (a
    count is never below 0, a rate never above 100 %) leaves no such value."""
    ranges = {spec.name: (spec.minimum, spec.maximum)
              for spec in (*star().spec.facts, *star().spec.derived)}
    compared = row.thresholds[0]
    if not isinstance(compared.value, int | float) or isinstance(compared.value, bool):
        return
    # the edges that compare the row's threshold (not one an option moved, not set aside)
    comparing = [edge for edge in row.edges
                 if edge.thresholds is None and edge.status in {PASS, FAIL}]
    values = [expected_reads(edge).get(compared.fact) for edge in comparing]
    if compared.op.startswith("count"):  # `count(set) == 0` compares how many members
        values = [None if value is None else len(value) for value in values]
    values = [value for value in values if value is not None]
    bound = compared.value
    lowest, highest = (0, None) if compared.op.startswith("count") else ranges[compared.fact]
    assert any(same(value, bound) for value in values), (bound, values)
    if lowest is None or bound > lowest:
        assert any(value < bound for value in values), (bound, values)
    if highest is None or bound < highest:
        assert any(value > bound and not same(value, bound) for value in values), (bound, values)


# ---------------------------------------------------------------------------- edge by edge


@pytest.mark.parametrize(("row", "edge"), EDGES, ids=EDGE_IDS)
def test_edge_gives_the_status_and_the_outcome(row: Criterion, edge: Edge) -> None:
    verdict = evaluate_edge(edge)
    step = verdict.trace.step(row.id)
    assert step.kind == "criterion"
    assert step.status == edge.status, step
    failing = [s.id for s in verdict.trace.failing()]
    # the one change is the one cause: a failing edge fails exactly this criterion
    assert failing == ([row.id] if edge.status == FAIL else []), failing
    assert verdict.outcome == edge.outcome, (verdict.outcome, verdict.missing_facts)
    if edge.status == UNKNOWN:
        removed = {name for name, value in edge.changes.items() if value is None}
        assert removed <= set(verdict.missing_facts), verdict.missing_facts
        assert {"STAR", "NOT_ELIGIBLE"} <= set(verdict.possible_outcomes)


@pytest.mark.parametrize(("row", "edge"), EDGES, ids=EDGE_IDS)
def test_edge_trace_shows_clause_threshold_and_value_read(row: Criterion, edge: Edge) -> None:
    verdict = evaluate_edge(edge)
    step = verdict.trace.step(row.id)
    assert step.clause == row.clause
    assert step.thresholds == (edge.thresholds or row.thresholds)
    expected = expected_reads(edge)
    compared = {t.fact for t in step.thresholds}
    # the value compared with the threshold is always checked, never left implicit
    assert row.thresholds[0].fact in expected, (row.thresholds[0].fact, expected)
    read = {r.name: r for r in step.reads}
    for name, value in expected.items():
        if name in compared:
            assert name in read, (name, read)
        if name in read:
            assert same(read[name].value, value), (name, read[name].value, value)
    check_derived_reads(verdict, step, edge)


def check_derived_reads(verdict: Verdict, step: Step, edge: Edge) -> None:
    """A rate the step compares is a derived step that reads the counts the edge changed."""
    for item in step.reads:
        if item.source != "derived":
            continue
        derived = verdict.trace.step(item.name)
        assert derived.kind == "derived"
        assert same(derived.value, item.value)
        for fact in derived.reads:
            if fact.name in edge.changes:
                assert fact.value == edge.changes[fact.name], (fact, edge.changes)


def facts_read(verdict: Verdict, row: Criterion) -> Iterator[str]:
    """Every fact a criterion reads, directly or through a derived value."""
    for item in verdict.trace.step(row.id).reads:
        if item.source == "fact":
            yield item.name
        else:
            yield from (fact.name for fact in verdict.trace.step(item.name).reads)


PASSING = verdict_of(passing_office())
# the criteria that apply to the passing office under the default options
MISSING = [(row, fact) for row in STANDARDS if PASSING.trace.step(row.id).status == PASS
           for fact in dict.fromkeys(facts_read(PASSING, row))]


@pytest.mark.parametrize(("row", "fact"), MISSING, ids=[f"{row.id}:{fact}" for row, fact in MISSING])
def test_a_missing_fact_is_unknown_never_failed(row: Criterion, fact: str) -> None:
    verdict = verdict_of(with_(passing_office(), **{fact: None}))
    assert verdict.trace.step(row.id).status != FAIL
    assert verdict.outcome in {"STAR", "UNDECIDED"}
    assert list(verdict.trace.failing()) == []


# ---------------------------------------------------------------------------- single traces


def test_floor_area_trace_example() -> None:
    step = verdict_of(with_(passing_office(), floor_area_m2=199.99)).trace.step("floor_area")
    assert step.thresholds == (Threshold("floor_area_m2", ">=", 200),)
    assert step.clause == "四(一)1"
    assert step.quote == "面积不低于200平方米"
    assert reading(step, "floor_area_m2") == 199.99


def test_missing_floor_area_is_unknown_not_failed() -> None:
    verdict = verdict_of(with_(passing_office(), floor_area_m2=None))
    assert verdict.outcome == "UNDECIDED"
    assert verdict.trace.step("floor_area").status.value == "unknown"
    assert "floor_area_m2" in verdict.missing_facts
    assert set(verdict.possible_outcomes) == {"STAR", "NOT_ELIGIBLE"}


def test_staff_trace_example() -> None:
    step = verdict_of(with_(passing_office(), staff_count=6)).trace.step("min_staff")
    assert (step.clause, step.thresholds) == ("四(三)17", (Threshold("staff_count", ">=", 7),))
    assert reading(step, "staff_count") == 6


def test_police_car_is_reported_but_never_decides() -> None:
    with_car = verdict_of(passing_office())
    without = verdict_of(with_(passing_office(), vehicles=["e_bike"]))
    assert with_car.trace.step("police_car_where_possible").status == PASS
    assert without.trace.step("police_car_where_possible").status == FAIL
    assert with_car.outcome == without.outcome == "STAR"


def test_finding_evidence_is_carried_into_the_trace() -> None:
    office = with_(passing_office(), no_four_hards=finding(False, "暗访发现事难办"))
    step = verdict_of(office).trace.step("four_hards_absent")
    (read,) = [r for r in step.reads if r.name == "no_four_hards"]
    assert read.evidence is not None and "暗访发现事难办" in read.evidence


# ---------------------------------------------------------------------------- impossible values


@pytest.mark.parametrize(("fact", "value"), [("bulletin_months_count", 13),
                                             ("themed_activity_quarters_count", 5)])
def test_months_and_quarters_above_the_year_are_input_errors(fact: str, value: int) -> None:
    with pytest.raises(InputError):
        verdict_of(with_(passing_office(), **{fact: value}))
