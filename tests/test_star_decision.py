"""二 direct promotion, 五 revocation and procedure, 三 campaign period, and the decision order.

Every row starts from the compliant office of ``star-by-assessment.json`` (a street office that
applied on 2013-11-20, holds no title and no honour) and changes what it demonstrates. Each
interpretation option is tested both ways. The readings are argued in docs/interpretation.md:
points 3 and 12 (who is promoted), 4 (a major problem bars the award), 6 (lowering a standard is
judged standard by standard, and a promoted Star only on what it met).
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
# The procedure of 五 (county review, submission, year). ``office_kind`` is not a step of the
# procedure but what the unit is: promotion needs it too (only township and street offices).
NO_PROCEDURE = {"county_review_passed": None, "submitted_on": None, "assessment_year": None}
MAJOR = {"major_problem": {"met": True, "evidence": "社区服刑人员脱管", "by": "市司法局"}}
HOLDER = {"holds_star_title": True}


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
    # 五: only township and street offices (乡镇(街道)司法所) are the campaign's units
    Row("title-township", {"honours": ["five_good"], "office_kind": "township"},
        "DIRECT_PROMOTION"),
    Row("title-other-unit", {"honours": ["five_good"], "office_kind": "other"}, "INADMISSIBLE"),
    Row("title-other-unit-below-standard", {"honours": ["national_model"], "office_kind": "other",
                                            **BELOW_STANDARD}, "INADMISSIBLE"),
    Row("title-other-unit-no-procedure", {"honours": ["five_good"], "office_kind": "other",
                                          **NO_PROCEDURE}, "INADMISSIBLE"),
    Row("title-other-unit-requires-application", {"honours": ["five_good"],
                                                  "office_kind": "other"}, "INADMISSIBLE",
        {"promotion_requires_application": True}),
    Row("title-kind-unknown", {"honours": ["five_good"], "office_kind": None, **NO_PROCEDURE},
        "UNDECIDED"),
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
                                          "s17_team_drop_justified": None},
        "REVOCATION_RECOMMENDED"),
    Row("lowered-justification-false", {"holds_star_title": True, "staff_count": 5,
                                        "s17_team_drop_justified": False},
        "REVOCATION_RECOMMENDED"),
    Row("lowered-with-justification", {"holds_star_title": True, "floor_area_m2": 150,
                                       "s01_premises_drop_justified": {"met": True,
                                                                       "evidence": "征收拆迁"}},
        "RETAINED"),
    Row("retained", {"holds_star_title": True}, "RETAINED"),
    Row("retained-without-procedure", {"holds_star_title": True, **NO_PROCEDURE}, "RETAINED"),
    Row("retained-late", {"holds_star_title": True, **LATE}, "RETAINED"),
    # only a title holder can lose it: a major problem of a new applicant is no revocation (it
    # withholds the award instead, see MAJOR_PROBLEM)
    Row("major-problem-no-title", {"major_problem": True}, "WITHHELD"),
    Row("major-problem-no-title-automatic", {"major_problem": True}, "WITHHELD",
        {"revocation_mode": "automatic"}),
    Row("major-problem-no-title-assessment-allowed", {"major_problem": True}, "STAR",
        {"major_problem_blocks_assessment": False, "revocation_mode": "automatic"}),
]

# 五 工作中发生重大问题: a ground to take the title away is a bar to giving it (point 4), on both
# paths. Reported as WITHHELD when the office would otherwise have had the title; an office that
# would not (late, below the standards) keeps that reason.
MAJOR_PROBLEM = [
    Row("meets-standards", {**MAJOR}, "WITHHELD"),
    Row("meets-standards-false", {"major_problem": False}, "STAR"),
    Row("meets-standards-assessment-allowed", {**MAJOR}, "STAR",
        {"major_problem_blocks_assessment": False}),
    Row("below-standard", {**MAJOR, **BELOW_STANDARD}, "NOT_ELIGIBLE"),
    Row("late", {**MAJOR, **LATE}, "INADMISSIBLE"),
    Row("not-reviewed", {**MAJOR, "county_review_passed": False}, "INADMISSIBLE"),
    Row("unknown-meets-standards", {"major_problem": None}, "UNDECIDED"),
    Row("unknown-below-standard", {"major_problem": None, **BELOW_STANDARD}, "NOT_ELIGIBLE"),
    Row("unknown-late", {"major_problem": None, **LATE}, "INADMISSIBLE"),
    Row("title", {**MAJOR, "honours": ["five_good"]}, "WITHHELD"),
    Row("title-below-standard", {**MAJOR, "honours": ["five_good"], **BELOW_STANDARD},
        "WITHHELD"),
    Row("title-no-procedure", {**MAJOR, "honours": ["provincial_excellent"], **NO_PROCEDURE},
        "WITHHELD"),
    Row("title-late", {**MAJOR, "honours": ["national_model"], **LATE}, "WITHHELD"),
    Row("title-promotion-allowed", {**MAJOR, "honours": ["five_good"], **BELOW_STANDARD},
        "DIRECT_PROMOTION", {"incident_blocks_promotion": False}),
    Row("title-assessment-allowed-meets", {**MAJOR, "honours": ["five_good"]}, "STAR",
        {"major_problem_blocks_assessment": False}),
    Row("title-assessment-allowed-below", {**MAJOR, "honours": ["five_good"], **BELOW_STANDARD},
        "NOT_ELIGIBLE", {"major_problem_blocks_assessment": False}),
    Row("title-neither-blocked", {**MAJOR, "honours": ["five_good"], **BELOW_STANDARD},
        "DIRECT_PROMOTION", {"major_problem_blocks_assessment": False,
                             "incident_blocks_promotion": False}),
    Row("title-other-unit", {**MAJOR, "honours": ["five_good"], "office_kind": "other"},
        "INADMISSIBLE"),
    Row("title-requires-application-late", {**MAJOR, "honours": ["five_good"], **LATE},
        "INADMISSIBLE", {"promotion_requires_application": True}),
    Row("title-requires-application-in-time", {**MAJOR, "honours": ["five_good"],
                                               **BELOW_STANDARD}, "WITHHELD",
        {"promotion_requires_application": True}),
    Row("holder", {**MAJOR, **HOLDER}, "REVOCATION_RECOMMENDED"),
    Row("holder-assessment-allowed", {**MAJOR, **HOLDER}, "REVOCATION_RECOMMENDED",
        {"major_problem_blocks_assessment": False}),
]

# 五 无故降低“创建标准”, judged standard by standard (point 6): a cause the bureau accepted for one
# shortfall excuses that standard only.
PREMISES_CAUSE = {"s01_premises_drop_justified": {"met": True, "evidence": "征收拆迁,临时过渡用房",
                                                  "by": "县司法局"}}
TEAM_CAUSE = {"s17_team_drop_justified": {"met": True, "evidence": "区划调整,人员临时借调",
                                          "by": "县司法局"}}
BANQUET = {"no_abuse_or_banquets": False}
JUSTIFICATION = [
    Row("premises-justified", {**HOLDER, "floor_area_m2": 150, **PREMISES_CAUSE}, "RETAINED"),
    Row("premises-justified-plain-true", {**HOLDER, "floor_area_m2": 150,
                                          "s01_premises_drop_justified": True}, "RETAINED"),
    Row("premises-cause-refused", {**HOLDER, "floor_area_m2": 150,
                                   "s01_premises_drop_justified": {"met": False}},
        "REVOCATION_RECOMMENDED"),
    Row("premises-cause-for-another-standard", {**HOLDER, "floor_area_m2": 150, **TEAM_CAUSE},
        "REVOCATION_RECOMMENDED"),
    Row("premises-justified-integrity-not", {**HOLDER, "floor_area_m2": 150, **PREMISES_CAUSE,
                                             **BANQUET}, "REVOCATION_RECOMMENDED"),
    Row("premises-and-team-one-cause", {**HOLDER, "floor_area_m2": 150, "staff_count": 5,
                                        **PREMISES_CAUSE}, "REVOCATION_RECOMMENDED"),
    Row("premises-and-team-both-causes", {**HOLDER, "floor_area_m2": 150, "staff_count": 5,
                                          **PREMISES_CAUSE, **TEAM_CAUSE}, "RETAINED"),
    Row("cause-for-a-standard-still-met", {**HOLDER, **PREMISES_CAUSE}, "RETAINED"),
    Row("cause-does-not-excuse-major-problem", {**HOLDER, "floor_area_m2": 150,
                                                **PREMISES_CAUSE, **MAJOR},
        "REVOCATION_RECOMMENDED"),
    Row("premises-justified-automatic", {**HOLDER, "floor_area_m2": 150, **PREMISES_CAUSE},
        "RETAINED", {"revocation_mode": "automatic"}),
    Row("integrity-unjustified-automatic", {**HOLDER, **PREMISES_CAUSE, **BANQUET}, "REVOKED",
        {"revocation_mode": "automatic"}),
    # a standard nobody measured is not lowered: unknown, not a ground
    Row("standard-unknown", {**HOLDER, "floor_area_m2": None}, "UNDECIDED"),
    Row("standard-unknown-justified", {**HOLDER, "floor_area_m2": None, **PREMISES_CAUSE},
        "RETAINED"),
]

# A Star that came in by direct promotion (二) is held, on re-examination, to the standards it met
# when promoted (point 6): it cannot "lower" one it never met.
PROMOTED = {**HOLDER, "honours": ["provincial_excellent"], **BELOW_STANDARD}
MET_BUT_PREMISES = ["s02_equipment", "s17_team"]
PROMOTED_STAR = [
    Row("honour-no-record", {**PROMOTED}, "RETAINED"),
    Row("honour-no-record-every-standard", {**PROMOTED}, "REVOCATION_RECOMMENDED",
        {"promoted_star_held_to": "every_standard"}),
    Row("recorded-promotion-honour-lost", {**PROMOTED, "honours": [],
                                           "star_awarded_by": "direct_promotion"}, "RETAINED"),
    Row("recorded-promotion-premises-not-met-then", {
        **PROMOTED, "star_awarded_by": "direct_promotion",
        "standards_met_when_promoted": MET_BUT_PREMISES}, "RETAINED"),
    Row("recorded-promotion-premises-met-then", {
        **PROMOTED, "star_awarded_by": "direct_promotion",
        "standards_met_when_promoted": ["s01_premises", *MET_BUT_PREMISES]},
        "REVOCATION_RECOMMENDED"),
    Row("recorded-promotion-premises-met-then-justified", {
        **PROMOTED, "star_awarded_by": "direct_promotion", **PREMISES_CAUSE,
        "standards_met_when_promoted": ["s01_premises", *MET_BUT_PREMISES]}, "RETAINED"),
    Row("recorded-promotion-team-met-then-lost", {
        **PROMOTED, "star_awarded_by": "direct_promotion", "staff_count": 5,
        "standards_met_when_promoted": MET_BUT_PREMISES}, "REVOCATION_RECOMMENDED"),
    Row("recorded-promotion-every-standard", {
        **PROMOTED, "star_awarded_by": "direct_promotion",
        "standards_met_when_promoted": MET_BUT_PREMISES}, "REVOCATION_RECOMMENDED",
        {"promoted_star_held_to": "every_standard"}),
    Row("recorded-promotion-every-standard-automatic", {
        **PROMOTED, "star_awarded_by": "direct_promotion"}, "REVOKED",
        {"promoted_star_held_to": "every_standard", "revocation_mode": "automatic"}),
    Row("recorded-assessment-with-honour", {**PROMOTED, "star_awarded_by": "assessment"},
        "REVOCATION_RECOMMENDED"),
    Row("no-record-no-honour-presumed-assessed", {**PROMOTED, "honours": []},
        "REVOCATION_RECOMMENDED"),
    Row("promoted-major-problem", {**PROMOTED, **MAJOR}, "REVOCATION_RECOMMENDED"),
    Row("promoted-meets-everything", {**HOLDER, "honours": ["five_good"]}, "RETAINED"),
    Row("honours-unknown", {**PROMOTED, "honours": None}, "UNDECIDED"),
    Row("honours-unknown-recorded-assessment", {**PROMOTED, "honours": None,
                                                "star_awarded_by": "assessment"},
        "REVOCATION_RECOMMENDED"),
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
    # late within the year's window is a decision; a date in the next round is bad data (the
    # constraint submitted_in_assessment_year_window, tests/test_constraints.py)
    Row("submitted-31-december", {"submitted_on": "2013-12-31", "assessment_year": 2013},
        "INADMISSIBLE"),
    Row("submitted-1-december-year-before", {"submitted_on": "2012-12-01",
                                             "assessment_year": 2013}, "STAR"),
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
                            **BELOW_STANDARD}, "WITHHELD", {"incident_blocks_promotion": True}),
    Row("incident-blocks-assessment-allowed", {"honours": ["provincial_excellent"],
                                               "major_problem": True, **BELOW_STANDARD},
        "NOT_ELIGIBLE", {"incident_blocks_promotion": True,
                         "major_problem_blocks_assessment": False}),
    Row("incident-blocks-star-still-possible", {"honours": ["provincial_excellent"],
                                                "major_problem": True}, "STAR",
        {"incident_blocks_promotion": True, "major_problem_blocks_assessment": False}),
    Row("major-problem-blocks-assessment", {"major_problem": True}, "WITHHELD",
        {"major_problem_blocks_assessment": True}),
    Row("major-problem-does-not-block-assessment", {"major_problem": True}, "STAR",
        {"major_problem_blocks_assessment": False}),
    Row("promoted-held-to-what-it-met", {**PROMOTED}, "RETAINED",
        {"promoted_star_held_to": "standards_met_when_promoted"}),
    Row("promoted-held-to-every-standard", {**PROMOTED}, "REVOCATION_RECOMMENDED",
        {"promoted_star_held_to": "every_standard"}),
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


@pytest.mark.parametrize("row", MAJOR_PROBLEM, ids=[r.label for r in MAJOR_PROBLEM])
def test_a_major_problem_bars_the_award(row: Row) -> None:
    run(row)


@pytest.mark.parametrize("row", JUSTIFICATION, ids=[r.label for r in JUSTIFICATION])
def test_a_cause_excuses_only_its_own_standard(row: Row) -> None:
    run(row)


@pytest.mark.parametrize("row", PROMOTED_STAR, ids=[r.label for r in PROMOTED_STAR])
def test_a_promoted_star_is_held_to_what_it_met(row: Row) -> None:
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


def test_the_lowered_standard_is_named_with_its_cause() -> None:
    office = with_(passing_office(), **HOLDER, floor_area_m2=150, staff_count=5,
                   **PREMISES_CAUSE)
    verdict = verdict_of(office)
    assert verdict.outcome == "REVOCATION_RECOMMENDED"
    lowered = [s.id for s in verdict.trace if s.id.endswith("_lowered") and s.status == PASS]
    assert lowered == ["s17_team_lowered", "service_lowered"]  # the standard, then its group
    premises = verdict.trace.step("s01_premises_lowered")
    assert premises.status == FAIL
    assert premises.clause == "五"
    reading = next(r for r in premises.reads if r.name == "s01_premises_drop_justified")
    assert reading.value is True
    # the reason the bureau accepted travels with the verdict, beside the standard it excuses
    assert reading.evidence is not None and "征收拆迁" in reading.evidence


def test_every_standard_has_its_own_cause_and_lowering_rule() -> None:
    from star_helpers import star

    spec = star().spec
    standards = [n.id for n in spec.nodes if n.kind == "standard"]
    assert len(standards) == 20
    facts = {f.name: f for f in spec.facts}
    promoted = facts["standards_met_when_promoted"]
    assert promoted.type == "set" and list(promoted.value_ids) == standards
    for standard in standards:
        assert facts[f"{standard}_drop_justified"].type == "finding"
        rule = spec.node(f"{standard}_lowered")
        assert rule.clause == "五" and rule.quote == "无故降低“创建标准”"
        assert standard in rule.condition_text
    ground = spec.node("lowered_standards_ground")
    parts = [w for w in ground.condition_text.split() if w.endswith("_lowered")]
    assert parts == ["workplace_lowered", "casework_lowered", "governance_lowered",
                     "service_lowered"]
    named = [w for part in parts for w in spec.node(part).condition_text.split()
             if w.endswith("_lowered")]
    assert named == [f"{s}_lowered" for s in standards]


def test_the_single_justification_flag_is_gone() -> None:
    from mingxing_rules import InputError

    with pytest.raises(InputError) as caught:
        verdict_of(with_(passing_office(), standards_drop_justified=True))
    assert caught.value.fields == ("standards_drop_justified",)
