"""四(一) 一流的工作场所: standards 1-5, at, just below and just above every boundary.

Each row starts from the compliant office of ``star-by-assessment.json`` and changes one fact.
"""

from __future__ import annotations

import pytest
from star_helpers import (
    FAIL,
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

from mingxing_rules.ruleset.model import Threshold

AREAS = ["people_mediation", "community_correction", "resettlement_assistance", "legal_aid"]
EQUIPMENT = ["computer", "printer", "fax", "scanner", "telephone", "camera", "voice_recorder"]

CASES = [
    # 1、办公用房: 面积不低于200平方米 (不低于 includes 200)
    Case("floor-199.99", {"floor_area_m2": 199.99}, "floor_area", FAIL, "NOT_ELIGIBLE"),
    Case("floor-200", {"floor_area_m2": 200}, "floor_area", PASS, "STAR"),
    Case("floor-200.01", {"floor_area_m2": 200.01}, "floor_area", PASS, "STAR"),
    Case("floor-0", {"floor_area_m2": 0}, "floor_area", FAIL, "NOT_ELIGIBLE"),
    # 容纳20人左右的小型多功能会议室: default lower bound 20
    Case("seats-19", {"meeting_room_seats": 19}, "meeting_room", FAIL, "NOT_ELIGIBLE"),
    Case("seats-20", {"meeting_room_seats": 20}, "meeting_room", PASS, "STAR"),
    Case("seats-21", {"meeting_room_seats": 21}, "meeting_room", PASS, "STAR"),
    Case("no-meeting-room", {"meeting_room_seats": 0}, "meeting_room", FAIL, "NOT_ELIGIBLE"),
    # ... with a tolerance of 18 (option meeting_room_min_seats)
    Case("seats-17-tol18", {"meeting_room_seats": 17}, "meeting_room", FAIL, "NOT_ELIGIBLE",
         {"meeting_room_min_seats": 18}),
    Case("seats-18-tol18", {"meeting_room_seats": 18}, "meeting_room", PASS, "STAR",
         {"meeting_room_min_seats": 18}),
    Case("seats-19-tol18", {"meeting_room_seats": 19}, "meeting_room", PASS, "STAR",
         {"meeting_room_min_seats": 18}),
    Case("not-independent", {"premises_independent": False}, "independent_premises", FAIL,
         "NOT_ELIGIBLE"),
    Case("layout-unreasonable",
         {"premises_layout_reasonable": {"met": False, "evidence": "调解室兼作档案室"}},
         "premises_layout", FAIL, "NOT_ELIGIBLE"),
    *[Case(f"no-{area}", {"functional_areas": [a for a in AREAS if a != area]},
           "functional_areas_complete", FAIL, "NOT_ELIGIBLE") for area in AREAS],
    Case("all-areas", {"functional_areas": AREAS}, "functional_areas_complete", PASS, "STAR"),
    # 2、办公设施: the seven named devices
    *[Case(f"no-{device}", {"equipment": [d for d in EQUIPMENT if d != device]},
           "equipment_complete", FAIL, "NOT_ELIGIBLE") for device in EQUIPMENT],
    # 3、交通工具: 警用摩托车或电动自行车; the police car is optional and never enough alone
    Case("motorcycle-only", {"vehicles": ["police_motorcycle"]}, "motorcycle_or_e_bike", PASS,
         "STAR"),
    Case("e-bike-only", {"vehicles": ["e_bike"]}, "motorcycle_or_e_bike", PASS, "STAR"),
    Case("car-only", {"vehicles": ["police_car"]}, "motorcycle_or_e_bike", FAIL, "NOT_ELIGIBLE"),
    Case("no-vehicle", {"vehicles": []}, "motorcycle_or_e_bike", FAIL, "NOT_ELIGIBLE"),
    # 4、标牌标识
    Case("signage", {"signage_compliant": False}, "signage", FAIL, "NOT_ELIGIBLE"),
    # 5、办公信息化: 每所必备一台内网电脑
    Case("intranet-0", {"intranet_computers_count": 0}, "intranet_computer", FAIL,
         "NOT_ELIGIBLE"),
    Case("intranet-1", {"intranet_computers_count": 1}, "intranet_computer", PASS, "STAR"),
    Case("intranet-2", {"intranet_computers_count": 2}, "intranet_computer", PASS, "STAR"),
    Case("no-software", {"business_software_used": False}, "business_software", FAIL,
         "NOT_ELIGIBLE"),
    Case("network-insecure", {"private_network_secure": False}, "network_security", FAIL,
         "NOT_ELIGIBLE"),
]

BOUNDS = [
    Bound("floor_area", "四(一)1", Threshold("floor_area_m2", ">=", 200)),
    Bound("meeting_room", "四(一)1", Threshold("meeting_room_seats", ">=", 20)),
    Bound("intranet_computer", "四(一)5", Threshold("intranet_computers_count", ">=", 1)),
    Bound("functional_areas_complete", "四(一)1",
          Threshold("functional_areas", "contains_all", tuple(AREAS))),
    Bound("equipment_complete", "四(一)2", Threshold("equipment", "contains_all",
                                                     tuple(EQUIPMENT))),
    Bound("motorcycle_or_e_bike", "四(一)3", Threshold("vehicles", "contains", "e_bike")),
    Bound("independent_premises", "四(一)1", Threshold("premises_independent", "==", True)),
    Bound("signage", "四(一)4", Threshold("signage_compliant", "==", True)),
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_workplace_boundary(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("bound", BOUNDS, ids=[b.criterion for b in BOUNDS])
def test_failing_step_names_value_threshold_and_clause(bound: Bound) -> None:
    failing = next(c for c in CASES if c.criterion == bound.criterion and c.status == FAIL)
    verdict = verdict_of(with_(passing_office(), **failing.changes))
    step = verdict.trace.step(bound.criterion)
    check_bound(step, bound)
    for fact, value in failing.changes.items():
        expected = tuple(sorted(value)) if isinstance(value, list) else value
        assert reading(step, fact) == expected


def test_floor_area_trace_example() -> None:
    step = verdict_of(with_(passing_office(), floor_area_m2=199.99)).trace.step("floor_area")
    assert step.thresholds == (Threshold("floor_area_m2", ">=", 200),)
    assert step.clause == "四(一)1"
    assert step.quote == "面积不低于200平方米"
    assert reading(step, "floor_area_m2") == 199.99


def test_meeting_room_threshold_follows_the_option() -> None:
    step = verdict_of(with_(passing_office(), meeting_room_seats=17),
                      meeting_room_min_seats=18).trace.step("meeting_room")
    assert Threshold("meeting_room_seats", ">=", 18) in step.thresholds


def test_police_car_is_reported_but_never_decides() -> None:
    with_car = verdict_of(passing_office())
    without = verdict_of(with_(passing_office(), vehicles=["e_bike"]))
    assert with_car.trace.step("police_car_where_possible").status == PASS
    assert without.trace.step("police_car_where_possible").status == FAIL
    assert with_car.outcome == without.outcome == "STAR"


def test_missing_floor_area_is_unknown_not_failed() -> None:
    verdict = verdict_of(with_(passing_office(), floor_area_m2=None))
    assert verdict.outcome == "UNDECIDED"
    assert verdict.trace.step("floor_area").status.value == "unknown"
    assert "floor_area_m2" in verdict.missing_facts
    assert set(verdict.possible_outcomes) == {"STAR", "NOT_ELIGIBLE"}


def test_every_workplace_criterion_has_a_failing_row() -> None:
    criteria = {n.id for n in star().spec.nodes if n.kind == "criterion"
                and n.clause.startswith("四(一)")}
    assert criteria == {c.criterion for c in CASES if c.status == FAIL}
