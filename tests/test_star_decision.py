"""二 direct promotion, 五 revocation and procedure, 三 campaign period, and the decision order.

Every row starts from the compliant office of ``star-by-assessment.json`` (a street office that
applied on 2013-11-20, holds no title and no honour) and changes what it demonstrates. Each
interpretation option is tested both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pytest
from star_helpers import FAIL, PASS, UNKNOWN, passing_office, verdict_of, with_

TITLES = ["national_model", "national_advanced", "five_good", "provincial_excellent"]
# Facts that make the office fail the standards (floor area, 四(一)1) — promotion ignores them.
BELOW_STANDARD = {"floor_area_m2": 170}
LATE = {"submitted_on": "2013-12-01"}
NO_PROCEDURE = {"office_kind": None, "county_review_passed": None, "submitted_on": None,
                "assessment_year": None}


class Row(NamedTuple):
    label: str
    changes: Mapping[str, Any]
    outcome: str
    options: Mapping[str, Any] = {}


def run(row: Row) -> None:
    verdict = verdict_of(with_(passing_office(), **row.changes), **row.options)
    assert verdict.outcome == row.outcome, (row.label, verdict.outcome, verdict.missing_facts)
    outcomes = [s for s in verdict.trace if s.kind == "outcome"]
    if row.outcome in {s.id for s in outcomes}:
        assert verdict.trace.step(row.outcome).role == "selected"
    elif row.outcome == "NOT_ELIGIBLE":  # the fallback: no listed outcome holds
        assert all(s.status == FAIL for s in outcomes)


PROMOTION = [
    *[Row(f"title-{title}", {"honours": [title], **BELOW_STANDARD}, "DIRECT_PROMOTION")
      for title in TITLES],
    *[Row(f"title-{title}-meets-standards", {"honours": [title]}, "DIRECT_PROMOTION")
      for title in TITLES],
    Row("all-titles", {"honours": TITLES, **BELOW_STANDARD}, "DIRECT_PROMOTION"),
    Row("no-title", {"honours": [], **BELOW_STANDARD}, "NOT_ELIGIBLE"),
    Row("title-without-procedure", {"honours": ["five_good"], **NO_PROCEDURE},
        "DIRECT_PROMOTION"),
    Row("title-late", {"honours": ["five_good"], **LATE}, "DIRECT_PROMOTION"),
]

REVOCATION = [
    Row("major-problem", {"holds_star_title": True, "major_problem": True},
        "REVOCATION_RECOMMENDED"),
    Row("major-problem-automatic", {"holds_star_title": True, "major_problem": True}, "REVOKED",
        {"revocation_mode": "automatic"}),
    Row("lowered-standards", {"holds_star_title": True, "staff_count": 5},
        "REVOCATION_RECOMMENDED"),
    Row("lowered-standards-automatic", {"holds_star_title": True, "staff_count": 5}, "REVOKED",
        {"revocation_mode": "automatic"}),
    Row("lowered-justification-missing", {"holds_star_title": True, "staff_count": 5,
                                          "standards_drop_justified": None},
        "REVOCATION_RECOMMENDED"),
    Row("lowered-justification-false", {"holds_star_title": True, "staff_count": 5,
                                        "standards_drop_justified": False},
        "REVOCATION_RECOMMENDED"),
    Row("lowered-with-justification", {"holds_star_title": True, "floor_area_m2": 150,
                                       "standards_drop_justified": {"met": True,
                                                                    "evidence": "征收拆迁"}},
        "RETAINED"),
    Row("retained", {"holds_star_title": True}, "RETAINED"),
    Row("retained-without-procedure", {"holds_star_title": True, **NO_PROCEDURE}, "RETAINED"),
    Row("retained-late", {"holds_star_title": True, **LATE}, "RETAINED"),
    # only a title holder can lose it: a major problem of a new applicant is no revocation
    Row("major-problem-no-title", {"major_problem": True}, "STAR"),
    Row("major-problem-no-title-automatic", {"major_problem": True}, "STAR",
        {"revocation_mode": "automatic"}),
]

PRECEDENCE = [
    Row("revocation-over-promotion", {"holds_star_title": True, "major_problem": True,
                                      "honours": ["national_model"]}, "REVOCATION_RECOMMENDED",
        {"incident_blocks_promotion": False}),
    Row("revoked-over-promotion", {"holds_star_title": True, "major_problem": True,
                                   "honours": ["national_model"]}, "REVOKED",
        {"incident_blocks_promotion": False, "revocation_mode": "automatic"}),
    Row("revocation-over-procedure", {"holds_star_title": True, "major_problem": True, **LATE},
        "REVOCATION_RECOMMENDED"),
    Row("retained-over-promotion", {"holds_star_title": True, "honours": ["five_good"]},
        "RETAINED"),
    Row("promotion-over-procedure", {"honours": ["provincial_excellent"], **LATE,
                                     **BELOW_STANDARD}, "DIRECT_PROMOTION"),
    Row("procedure-over-standards", {**LATE}, "INADMISSIBLE"),
    Row("procedure-over-failing-standards", {**LATE, **BELOW_STANDARD}, "INADMISSIBLE"),
    Row("standards-decide-last", {**BELOW_STANDARD}, "NOT_ELIGIBLE"),
]

PROCEDURE = [
    Row("submitted-30-november", {"submitted_on": "2013-11-30"}, "STAR"),
    Row("submitted-1-december", {"submitted_on": "2013-12-01"}, "INADMISSIBLE"),
    Row("submitted-29-november", {"submitted_on": "2013-11-29"}, "STAR"),
    Row("submitted-next-year", {"submitted_on": "2014-11-01", "assessment_year": 2013},
        "INADMISSIBLE"),
    Row("township", {"office_kind": "township"}, "STAR"),
    Row("other-unit", {"office_kind": "other"}, "INADMISSIBLE"),
    Row("county-review-failed", {"county_review_passed": False}, "INADMISSIBLE"),
    Row("year-2015", {"assessment_year": 2015, "submitted_on": "2015-11-30"}, "STAR"),
    Row("year-2012", {"assessment_year": 2012, "submitted_on": "2012-11-20"}, "INADMISSIBLE"),
    Row("year-2012-accepted", {"assessment_year": 2012, "submitted_on": "2012-11-20"}, "STAR",
        {"accept_2012_applications": True}),
    Row("year-2012-accepted-late", {"assessment_year": 2012, "submitted_on": "2012-12-01"},
        "INADMISSIBLE", {"accept_2012_applications": True}),
    Row("procedure-unknown", {"county_review_passed": None}, "UNDECIDED"),
]

# Each option, both ways, on the office that shows the difference.
OPTIONS = [
    Row("meeting-room-19-default", {"meeting_room_seats": 19}, "NOT_ELIGIBLE"),
    Row("meeting-room-19-tolerance-18", {"meeting_room_seats": 19}, "STAR",
        {"meeting_room_min_seats": 18}),
    Row("meeting-room-17-tolerance-18", {"meeting_room_seats": 17}, "NOT_ELIGIBLE",
        {"meeting_room_min_seats": 18}),
    Row("meeting-room-21-strict-22", {"meeting_room_seats": 21}, "NOT_ELIGIBLE",
        {"meeting_room_min_seats": 22}),
    Row("revocation-recommend", {"holds_star_title": True, "major_problem": True},
        "REVOCATION_RECOMMENDED", {"revocation_mode": "recommend"}),
    Row("revocation-automatic", {"holds_star_title": True, "major_problem": True}, "REVOKED",
        {"revocation_mode": "automatic"}),
    Row("incident-blocks", {"honours": ["provincial_excellent"], "major_problem": True,
                            **BELOW_STANDARD}, "NOT_ELIGIBLE", {"incident_blocks_promotion": True}),
    Row("incident-blocks-star-still-possible", {"honours": ["provincial_excellent"],
                                                "major_problem": True}, "STAR",
        {"incident_blocks_promotion": True}),
    Row("incident-does-not-block", {"honours": ["provincial_excellent"], "major_problem": True,
                                    **BELOW_STANDARD}, "DIRECT_PROMOTION",
        {"incident_blocks_promotion": False}),
    Row("promotion-without-application", {"honours": ["five_good"], **NO_PROCEDURE},
        "DIRECT_PROMOTION", {"promotion_requires_application": False}),
    Row("promotion-requires-application-missing", {"honours": ["five_good"], **NO_PROCEDURE},
        "UNDECIDED", {"promotion_requires_application": True}),
    Row("promotion-requires-application-late", {"honours": ["five_good"], **LATE,
                                                **BELOW_STANDARD}, "INADMISSIBLE",
        {"promotion_requires_application": True}),
    Row("promotion-requires-application-in-time", {"honours": ["five_good"], **BELOW_STANDARD},
        "DIRECT_PROMOTION", {"promotion_requires_application": True}),
    Row("2012-refused", {"assessment_year": 2012, "submitted_on": "2012-11-20"}, "INADMISSIBLE",
        {"accept_2012_applications": False}),
    Row("2012-accepted", {"assessment_year": 2012, "submitted_on": "2012-11-20"}, "STAR",
        {"accept_2012_applications": True}),
]


@pytest.mark.parametrize("row", PROMOTION, ids=[r.label for r in PROMOTION])
def test_direct_promotion(row: Row) -> None:
    run(row)


@pytest.mark.parametrize("row", REVOCATION, ids=[r.label for r in REVOCATION])
def test_revocation_and_retention(row: Row) -> None:
    run(row)


@pytest.mark.parametrize("row", PRECEDENCE, ids=[r.label for r in PRECEDENCE])
def test_precedence(row: Row) -> None:
    run(row)


@pytest.mark.parametrize("row", PROCEDURE, ids=[r.label for r in PROCEDURE])
def test_procedure(row: Row) -> None:
    run(row)


@pytest.mark.parametrize("row", OPTIONS, ids=[r.label for r in OPTIONS])
def test_interpretation_options_both_ways(row: Row) -> None:
    run(row)


@pytest.mark.parametrize(("changes", "failing_rule", "clause"), [
    ({"submitted_on": "2013-12-01"}, "submitted_in_time", "五"),
    ({"office_kind": "other"}, "applicant_is_office", "五"),
    ({"county_review_passed": False}, "county_review", "五"),
    ({"assessment_year": 2012, "submitted_on": "2012-11-20"}, "in_campaign_period", "三"),
], ids=["late", "not-an-office", "county-review", "publicity-phase"])
def test_each_procedure_failure_is_named(changes: dict[str, Any], failing_rule: str,
                                         clause: str) -> None:
    verdict = verdict_of(with_(passing_office(), **changes))
    assert verdict.outcome == "INADMISSIBLE"
    failed = [s.id for s in verdict.trace if s.kind == "rule" and s.status == FAIL
              and s.id in {"applicant_is_office", "county_review", "submitted_in_time",
                           "in_campaign_period"}]
    assert failed == [failing_rule]
    assert verdict.trace.step(failing_rule).clause == clause
    assert verdict.trace.step("application_admissible").status == FAIL
    # The office meets every standard: the procedure alone decided.
    assert verdict.trace.step("standards_met").status == PASS


def test_late_submission_trace_reads_the_date() -> None:
    step = verdict_of(with_(passing_office(), **LATE)).trace.step("submitted_in_time")
    values = {r.name: r.value for r in step.reads}
    assert values == {"submitted_on": "2013-12-01", "assessment_year": 2013}


@pytest.mark.parametrize("mode", ["recommend", "automatic"])
def test_revocation_outranks_and_effects(mode: str) -> None:
    office = with_(passing_office(), holds_star_title=True, major_problem=True,
                   honours=["national_model"])
    verdict = verdict_of(office, revocation_mode=mode)
    expected = {"recommend": ("REVOCATION_RECOMMENDED", "none"),
                "automatic": ("REVOKED", "revoke")}[mode]
    assert (verdict.outcome, verdict.effect) == expected
    assert verdict.trace.step("revocation_grounds").status == PASS
    assert verdict.trace.step("major_problem_ground").status == PASS
    assert verdict.trace.step("STAR").role == "outranked"


def test_lowered_standards_names_the_dropped_criterion() -> None:
    verdict = verdict_of(with_(passing_office(), holds_star_title=True, staff_count=5,
                               vacant_posts=2))
    assert verdict.outcome == "REVOCATION_RECOMMENDED"
    assert {s.id for s in verdict.trace.failing()} == {"min_staff", "no_vacant_posts"}
    assert verdict.trace.step("lowered_standards_ground").status == PASS
    assert verdict.trace.step("major_problem_ground").status == FAIL


def test_promotion_still_shows_the_standards() -> None:
    verdict = verdict_of(with_(passing_office(), honours=["national_model"], **BELOW_STANDARD))
    assert (verdict.outcome, verdict.effect) == ("DIRECT_PROMOTION", "award")
    assert [s.id for s in verdict.trace.failing()] == ["floor_area"]
    assert verdict.trace.step("holds_promotion_title").status == PASS


def test_unknown_major_problem_leaves_promotion_open() -> None:
    verdict = verdict_of(with_(passing_office(), honours=["five_good"], major_problem=None,
                               **BELOW_STANDARD))
    assert verdict.outcome == "UNDECIDED"
    assert "major_problem" in verdict.missing_facts
    assert "DIRECT_PROMOTION" in verdict.possible_outcomes
    assert verdict.trace.step("direct_promotion").status == UNKNOWN
