"""The ruleset's ``constraints:``: facts that must agree with each other.

Each constraint of the Star ruleset is tested on both sides of its boundary, from the compliant
office of ``star-by-assessment.json``; the format is tested on small rulesets written here (every
mistake located by ``file:line``, constraint id and code); every violated constraint is reported
at once with every field it reads; and both backends refuse the same office the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from star_helpers import compact, passing_office, source_text, star, with_

from mingxing_rules import InputError, RulesetError, check_ruleset, evaluate, load_ruleset
from mingxing_rules.engine.constraints import constraint_problems, repair
from mingxing_rules.strategies import offices

VALID = Path(__file__).parent / "broken" / "valid.yaml"


class Row(NamedTuple):
    label: str
    changes: Mapping[str, Any]
    violated: tuple[str, ...]  # constraint ids, in ruleset order; () = accepted


RELEASED = {"key_released_count": 6, "key_released_escorted_count": 6,
            "general_released_count": 21, "general_released_escorted_count": 19,
            "released_persons_count": 27}

ROWS = [
    # 四(二)9: key + general == released
    Row("released-add-up", RELEASED, ()),
    Row("released-one-short", {"released_persons_count": 28}, ("released_persons_add_up",)),
    Row("released-one-over", {"released_persons_count": 26, "released_handed_over_count": 26,
                              "released_assisted_count": 26, "released_resettled_count": 26},
        ("released_persons_add_up",)),
    Row("released-no-key-targets", {"key_released_count": 0, "key_released_escorted_count": 0,
                                    "general_released_count": 27}, ()),
    Row("released-zero-of-ten-of-twenty", {"key_released_count": 0,
                                           "key_released_escorted_count": 0,
                                           "general_released_count": 10,
                                           "general_released_escorted_count": 8,
                                           "released_persons_count": 20,
                                           "released_handed_over_count": 20,
                                           "released_assisted_count": 20,
                                           "released_resettled_count": 19},
        ("released_persons_add_up",)),
    Row("released-total-missing", {"released_persons_count": None}, ()),  # unknown, not violated
    Row("released-part-missing", {"key_released_count": None}, ()),
    # 四(二)6: resolved <= mediated <= received
    Row("disputes-equal", {"disputes_received_count": 408, "disputes_mediated_count": 408,
                           "disputes_resolved_count": 408}, ()),
    Row("disputes-resolved-one-over", {"disputes_resolved_count": 409},
        ("disputes_resolved_mediated_received",)),
    Row("disputes-mediated-one-over", {"disputes_mediated_count": 413},
        ("disputes_resolved_mediated_received",)),
    # the rate bounds cannot see this one: received 0 makes the mediation rate undefined
    Row("disputes-none-received", {"disputes_received_count": 0},
        ("disputes_resolved_mediated_received",)),
    Row("disputes-none-at-all", {"disputes_received_count": 0, "disputes_mediated_count": 0,
                                 "disputes_resolved_count": 0}, ()),
    Row("disputes-mediated-missing", {"disputes_mediated_count": None}, ()),
    # 五: the submission belongs to the assessment year's round
    Row("window-first-day", {"submitted_on": "2012-12-01"}, ()),
    Row("window-day-before", {"submitted_on": "2012-11-30"},
        ("submitted_in_assessment_year_window",)),
    Row("window-issue-example", {"submitted_on": "2012-11-20"},
        ("submitted_in_assessment_year_window",)),
    Row("window-last-day", {"submitted_on": "2013-12-31"}, ()),
    Row("window-day-after", {"submitted_on": "2014-01-01"},
        ("submitted_in_assessment_year_window",)),
    Row("window-next-round", {"submitted_on": "2014-11-01"},
        ("submitted_in_assessment_year_window",)),
    Row("window-year-missing", {"assessment_year": None, "submitted_on": "2009-01-01"}, ()),
    # 四(二)9 with the bureau's denominators
    Row("caseload-equal", {"assistance_caseload_count": 30, "resettlement_needed_count": 30}, ()),
    Row("caseload-one-over", {"assistance_caseload_count": 30, "resettlement_needed_count": 31},
        ("caseload_within_assistance_period",)),
    # several at once: every violated constraint is reported
    Row("three-at-once", {"released_persons_count": 28, "disputes_resolved_count": 409,
                          "submitted_on": "2012-11-20"},
        ("released_persons_add_up", "disputes_resolved_mediated_received",
         "submitted_in_assessment_year_window")),
]


def _problems(error: InputError) -> list[Any]:
    return [p for p in error.problems if p.paths]


@pytest.mark.parametrize("row", ROWS, ids=[r.label for r in ROWS])
def test_each_constraint_both_sides_of_its_boundary(row: Row) -> None:
    office = with_(passing_office(), **row.changes)
    if not row.violated:
        assert star().parse_office(office).id == "star-by-assessment"
        return
    with pytest.raises(InputError) as caught:
        star().parse_office(office)
    found = _problems(caught.value)
    constraints = {c.id: c for c in star().spec.constraints}
    assert [next(c for c in constraints if f"constraint {c}," in p.message) for p in found] == [
        *row.violated]
    for problem, constraint_id in zip(found, row.violated, strict=True):
        constraint = constraints[constraint_id]
        assert problem.paths == constraint.fields
        assert problem.path == constraint.fields[0]
        for field in constraint.fields:  # every field involved, with the value given
            assert field in problem.message
        assert constraint.clause in problem.message
        assert constraint.message.zh in problem.message and constraint.message.en in problem.message


def test_the_star_constraints_cite_and_quote_their_clauses() -> None:
    constraints = star().spec.constraints
    assert [c.id for c in constraints] == ["released_persons_add_up",
                                           "disputes_resolved_mediated_received",
                                           "submitted_in_assessment_year_window",
                                           "caseload_within_assistance_period"]
    text = compact(source_text())
    for constraint in constraints:
        assert constraint.quote and compact(constraint.quote) in text, constraint.id
        assert constraint.location.line and constraint.location.file
        assert constraint.title is not None
    assert constraints[0].fields == ("key_released_count", "general_released_count",
                                     "released_persons_count")
    assert constraints[2].fields == ("submitted_on", "assessment_year")


def test_a_rate_problem_on_the_same_fields_is_not_reported_twice() -> None:
    office = with_(passing_office(), disputes_resolved_count=500)
    with pytest.raises(InputError) as caught:
        star().parse_office(office)
    assert caught.value.fields == ("disputes_resolved_count",)
    assert caught.value.problems[0].paths == ("disputes_resolved_count", "disputes_mediated_count",
                                              "disputes_received_count")


def test_other_problems_are_still_reported_beside_a_constraint() -> None:
    office = with_(passing_office(), released_persons_count=28, general_released_escorted_count=22)
    with pytest.raises(InputError) as caught:
        star().parse_office(office)
    assert caught.value.fields == ("key_released_count", "general_released_escorted_count")


def test_the_constraints_hold_for_every_option_value() -> None:
    office = with_(passing_office(), released_persons_count=28)
    for options in ({}, {"released_rates_base": "assistance_caseload"},
                    {"revocation_mode": "automatic"}):
        with pytest.raises(InputError):
            star(**options).parse_office(office)


def test_the_compiled_constraints_are_generated_code_never_rule_text() -> None:
    compiled = star().constraints
    assert compiled.source.startswith("def constraints(f):")
    assert "__" not in compiled.source
    results = compiled.check(star().parse_office(passing_office()).facts)
    assert results == (True, True, True, None)  # the bureau's caseload is not given: unknown


def test_both_backends_refuse_the_same_office() -> None:
    pytest.importorskip("durable_rules_engine")
    office = with_(passing_office(), released_persons_count=28, submitted_on="2012-11-20")
    refusals = []
    for backend in ("native", "durable", "verified"):
        with pytest.raises(InputError) as caught:
            evaluate(office, star(), backend=backend)
        refusals.append([(p.path, p.paths, p.message) for p in caught.value.problems])
    assert refusals[0] == refusals[1] == refusals[2]
    assert len(refusals[0]) == 2


# -- the format ---------------------------------------------------------------------------------

CONSTRAINT = """
constraints:
  - id: seats_within_staff
    clause: 四(一)1
    quote: 容纳20人左右
    title: {zh: 座位, en: seats}
    message: {zh: 会议室座位不少于人数, en: the meeting room seats at least the staff}
    condition: meeting_room_seats >= staff_count
"""


def _ruleset(tmp_path: Path, constraints: str) -> Path:
    path = tmp_path / "ruleset.yaml"
    path.write_text(VALID.read_text(encoding="utf-8") + constraints, encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text in line)


def test_a_valid_constraint_loads_and_rejects(tmp_path: Path) -> None:
    ruleset = load_ruleset(_ruleset(tmp_path, CONSTRAINT))
    (constraint,) = ruleset.spec.constraints
    assert constraint.fields == ("meeting_room_seats", "staff_count")
    good = {"id": "a", "meeting_room_seats": 20, "staff_count": 7}
    assert ruleset.parse_office(good).id == "a"
    assert ruleset.parse_office({"id": "b", "meeting_room_seats": 7, "staff_count": 7}).id == "b"
    with pytest.raises(InputError) as caught:
        ruleset.parse_office({"id": "c", "meeting_room_seats": 6, "staff_count": 7})
    assert caught.value.problems[0].paths == ("meeting_room_seats", "staff_count")
    assert "会议室座位不少于人数" in str(caught.value)


BROKEN = [
    ("reads-a-rule", "condition: meeting_room_seats >= staff_count",
     "condition: floor_area and staff_count >= 1", "R204", "reads criterion 'floor_area'"),
    ("reads-an-outcome-free-rule", "condition: meeting_room_seats >= staff_count",
     "condition: applicant_is_office", "R204", "reads rule 'applicant_is_office'"),
    ("unknown-name", "condition: meeting_room_seats >= staff_count",
     "condition: meeting_room_seat >= staff_count", "E201", "unknown name 'meeting_room_seat'"),
    ("not-boolean", "condition: meeting_room_seats >= staff_count",
     "condition: meeting_room_seats + staff_count", "E202", "boolean"),
    ("syntax", "condition: meeting_room_seats >= staff_count",
     "condition: meeting_room_seats >=", "E101", "expected a value"),
    ("no-message", "    message: {zh: 会议室座位不少于人数, en: the meeting room seats at least the staff}\n",
     "", "R103", "has no 'message'"),
    ("half-message", "message: {zh: 会议室座位不少于人数, en: the meeting room seats at least the staff}",
     "message: {zh: 会议室座位不少于人数}", "R104", "bilingual"),
    ("no-clause", "    clause: 四(一)1\n", "", "R301", "has no 'clause'"),
    ("unknown-key", "    quote: 容纳20人左右\n", "    qoute: 容纳20人左右\n", "R101",
     "unknown key 'qoute'"),
    ("reads-no-fact", "condition: meeting_room_seats >= staff_count",
     "condition: min_seats >= 1", "R204", "reads no fact"),
    ("name-taken", "id: seats_within_staff", "id: floor_area", "R201", "declared twice"),
]


@pytest.mark.parametrize(("label", "old", "new", "code", "words"), BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_a_broken_constraint_is_refused_at_load_with_its_place(
        tmp_path: Path, label: str, old: str, new: str, code: str, words: str) -> None:
    assert old in CONSTRAINT
    path = _ruleset(tmp_path, CONSTRAINT.replace(old, new))
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    problem = next(p for p in caught.value.problems if p.code == code)
    assert words in problem.message, problem
    assert problem.location.file and problem.location.file.endswith("ruleset.yaml")
    assert problem.location.line is not None
    assert problem.location.line >= _line_of(path, "constraints:")
    assert problem.location.rule_id in ("seats_within_staff", "floor_area")
    assert code in {p.code for p in check_ruleset(path)}


def test_constraints_must_be_a_list(tmp_path: Path) -> None:
    path = _ruleset(tmp_path, "\nconstraints: {a: b}\n")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    assert caught.value.problems[0].code == "R102"


# -- repair, for generated data -----------------------------------------------------------------


def test_repair_mends_each_kind_of_constraint() -> None:
    office = with_(passing_office(), released_persons_count=40, disputes_resolved_count=500,
                   disputes_mediated_count=450, submitted_on="2012-11-20",
                   assistance_caseload_count=10, resettlement_needed_count=12)
    repair(office, star().constraints)
    assert office["released_persons_count"] == 27  # 6 + 21
    assert office["disputes_mediated_count"] == 412 and office["disputes_resolved_count"] == 412
    assert office["submitted_on"] == "2012-12-01"
    assert office["resettlement_needed_count"] == 10
    assert constraint_problems(star().constraints, star().parse_office(
        {**office, "released_handed_over_count": 27, "released_assisted_count": 27,
         "released_resettled_count": 26}).facts) == []


def test_repair_leaves_fixed_facts_alone_and_solves_the_sum_for_a_free_term() -> None:
    office = with_(passing_office(), released_persons_count=40)
    key = office["key_released_count"]
    repair(office, star().constraints, fixed={"released_persons_count"})
    assert office["released_persons_count"] == 40
    assert office["key_released_count"] == key  # the last term of the sum moves first
    assert office["general_released_count"] == 40 - key


def test_repair_drops_a_free_fact_when_no_value_can_mend_the_constraint() -> None:
    office = with_(passing_office(), released_persons_count=40, general_released_count=50)
    repair(office, star().constraints,
           fixed={"released_persons_count", "general_released_count"})
    assert office["released_persons_count"] == 40 and office["general_released_count"] == 50
    assert "key_released_count" not in office  # no count of key targets makes 50 + k == 40


def test_repair_by_raising_only_ever_raises() -> None:
    office = with_(passing_office(), disputes_resolved_count=500, disputes_mediated_count=450,
                   disputes_received_count=420, key_released_count=6, general_released_count=21,
                   released_persons_count=20)
    repair(office, star().constraints, prefer="raise")
    assert (office["disputes_resolved_count"], office["disputes_mediated_count"],
            office["disputes_received_count"]) == (500, 500, 500)
    assert office["released_persons_count"] == 27
    office = with_(office, released_persons_count=40)
    repair(office, star().constraints, prefer="raise")
    assert office["key_released_count"] + office["general_released_count"] == 40
    assert office["key_released_count"] >= 6 and office["general_released_count"] >= 21


@settings(max_examples=60, database=None, derandomize=True, deadline=None)
@given(office=offices(star(), missing=0.05))
def test_generated_offices_keep_the_constraints(office: dict[str, Any]) -> None:
    parsed = star().parse_office(json.loads(json.dumps(office)))
    assert constraint_problems(star().constraints, parsed.facts) == []
