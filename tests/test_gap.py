"""Gap analysis: what an office must change, by how much, and that the changes are enough.

Golden reports live in tests/golden/gap/; a test run never writes them (regenerate with
``python tests/golden/regenerate.py`` and review the diff).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, note, settings

from mingxing_rules import InputError, Status, evaluate, load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.gap import gap, render_gap
from mingxing_rules.strategies import offices

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
GOLDEN = Path(__file__).parent / "golden" / "gap"

RULESET = load_ruleset("star-judicial-office")
# can become Star by assessment: no title, no major problem (which withholds the award), and a
# year of the campaign (a submission belongs to its year's round: a 2012 application cannot be
# relabelled 2013 by one change)
NEW_APPLICANT = {"honours": [], "holds_star_title": False, "major_problem": False,
                 "assessment_year": 2014}


def office(name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (ROOT / "examples" / "offices" / f"{name}.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def check_golden(path: Path, text: str) -> None:
    assert path.exists(), f"missing golden file {path}; run python tests/golden/regenerate.py"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden file"


def outcome_after(result_office: dict[str, Any]) -> str:
    return evaluate(result_office, RULESET).outcome


# -- the near misses: exactly what is missing ----------------------------------------------------

NEAR_MISSES = [
    # office, criterion, fact, now, required, delta, en text of the change
    ("near-miss-floor-area", "floor_area", "floor_area_m2", 180, 200, 20,
     "office floor area 180 m² → 200 m² (+20 m²)"),
    ("near-miss-staff", "min_staff", "staff_count", 6, 7, 1, "staff 6 people → 7 people (+1 person)"),
    ("near-miss-bulletins", "monthly_bulletin", "bulletin_months_count", 10, 12, 2,
     "months with a legal bulletin issue 10 months → 12 months (+2 months)"),
    ("near-miss-mediation-success", "mediation_success_96", "disputes_resolved_count", 225, 227,
     2, "disputes successfully resolved 225 disputes → 227 disputes (+2 disputes); mediation "
        "success rate 95.34% → 96.19%"),
]


@pytest.mark.parametrize(("name", "criterion", "fact", "now", "required", "delta", "text"),
                         NEAR_MISSES)
def test_a_near_miss_gets_one_change_with_its_amount(name: str, criterion: str, fact: str,
                                                     now: int, required: int, delta: int,
                                                     text: str) -> None:
    data = office(name)
    result = gap(data, RULESET)
    [item] = result.items
    assert (item.step, item.change.fact, item.change.current, item.change.required,
            item.change.delta) == (criterion, fact, now, required, delta)
    assert item.text.en.endswith(text)
    assert outcome_after(result.apply(data)) == "STAR"


def test_the_smallest_count_that_meets_a_rate_is_proposed() -> None:
    # 227/236 = 96.19% meets 96%; 226/236 = 95.76% does not
    data = office("near-miss-mediation-success")
    assert outcome_after({**data, "disputes_resolved_count": 226}) == "NOT_ELIGIBLE"
    assert gap(data, RULESET).changes == {"disputes_resolved_count": 227}


SHAPES = [
    # changes to the star office -> (criterion, fact, required, alternatives' values)
    ({"vehicles": []}, "motorcycle_or_e_bike", "vehicles", ("police_motorcycle",),
     [("e_bike",)]),
    ({"vehicles": ["police_car"]}, "motorcycle_or_e_bike", "vehicles",
     ("police_car", "police_motorcycle"), [("e_bike", "police_car")]),
    ({"party_branch_established": False}, "party_branch", "party_branch_established", True, []),
    ({"mediation_incidents": ["mass_incident"]}, "no_mediation_incidents", "mediation_incidents",
     (), []),
    ({"director_law_education": "below"}, "director_degree", "director_law_education",
     "college_or_higher", ["equivalent"]),
    ({"vacant_posts": 2}, "no_vacant_posts", "vacant_posts", 0, []),
    ({"correction_reoffenders_count": 2}, "correction_reoffending_1permille",
     "correction_reoffenders_count", 0, []),
    ({"functional_areas": ["legal_aid"]}, "functional_areas_complete", "functional_areas",
     ("community_correction", "legal_aid", "people_mediation", "resettlement_assistance"), []),
]


@pytest.mark.parametrize(("changes", "criterion", "fact", "required", "alternatives"), SHAPES)
def test_each_kind_of_condition_gets_its_cheapest_single_change(
        changes: dict[str, Any], criterion: str, fact: str, required: Any,
        alternatives: list[Any]) -> None:
    data = office("star-by-assessment", **changes)
    result = gap(data, RULESET)
    [item] = result.items
    assert (item.step, item.change.fact, item.change.required) == (criterion, fact, required)
    assert [a.required for a in item.alternatives] == alternatives
    assert outcome_after(result.apply(data)) == "STAR"


def test_an_implication_is_met_by_its_consequent_never_by_fewer_members() -> None:
    result = gap(office("star-by-assessment", party_branch_established=False), RULESET)
    assert [i.change.fact for i in result.items] == ["party_branch_established"]
    # with fewer than 3 members the branch is not required at all
    assert gap(office("star-by-assessment", party_members=2, party_branch_established=False),
               RULESET).reached


def test_a_change_that_breaks_another_criterion_is_followed_by_a_knock_on_change() -> None:
    # raising the disputes mediated to 98 % of those received lowers the success rate below 96 %
    data = office("star-by-assessment", disputes_received_count=100, disputes_mediated_count=90,
                  disputes_resolved_count=87)
    result = gap(data, RULESET)
    by_step = {i.step: i for i in result.items}
    assert by_step["mediation_rate_98"].change.required == 98
    assert by_step["mediation_success_96"].change.required == 95  # ceil(0.96 * 98)
    assert by_step["mediation_success_96"].knock_on
    assert not by_step["mediation_rate_98"].knock_on
    assert outcome_after(result.apply(data)) == "STAR"


def test_items_are_grouped_by_standard_in_clause_order() -> None:
    result = gap(office("failing-many"), RULESET)
    clauses = [g.clause for g in result.groups]
    assert clauses[0] == "四(一)1" and clauses[-1] == "四(三)17"
    order = [n.id for n in RULESET.spec.nodes]
    assert [g.id for g in result.groups] == sorted((g.id for g in result.groups), key=order.index)
    assert len(result.items) == len(evaluate(office("failing-many"), RULESET).trace.failing())


def test_missing_facts_are_listed_to_be_provided_with_what_would_pass() -> None:
    data = office("undecided-missing-count")
    result = gap(data, RULESET)
    assert result.items == ()
    [provide] = result.to_be_provided
    assert (provide.fact, provide.needed_for, provide.proposed) == (
        "disputes_resolved_count", ("mediation_success_96",), 392)
    assert provide.text.en == ("disputes successfully resolved: not provided; to pass it must be "
                               "at least 392 disputes (needed for mediation success rate at "
                               "least 96 %)")
    assert outcome_after(result.apply(data)) == "UNDECIDED"
    assert outcome_after(result.apply(data, provide=True)) == "STAR"


# -- offices decided by something other than the standards ------------------------------------------


def test_an_inadmissible_application_gets_procedure_items() -> None:
    for name, fact, required in [("inadmissible-late", "submitted_on", "2014-11-30"),
                                 ("inadmissible-county-review", "county_review_passed", True)]:
        data = office(name)
        result = gap(data, RULESET)
        [group] = result.groups
        assert group.kind == "procedure"
        assert result.changes == {fact: required}
        assert outcome_after(result.apply(data)) == "STAR"


def test_a_2012_application_cannot_be_relabelled_2013() -> None:
    """Submitted on 2012-11-15, in the 2012 round: labelling it 2013 would break the constraint
    that the submission lies in the year's window (1 December before to 31 December), so no
    single change reaches STAR — the office must apply again in a later round."""
    result = gap(office("inadmissible-2012"), RULESET)
    assert result.changes == {}
    assert not result.reachable and result.blocked_by == "INADMISSIBLE"
    assert "assessment year within the full-creation phase" in result.explain("en")


def test_a_promoted_office_is_already_a_star_office() -> None:
    result = gap(office("promotion-national-model"), RULESET)
    assert (result.already, result.blocked_by, result.reachable) == (
        "DIRECT_PROMOTION", None, False)
    assert result.changes == {"floor_area_m2": 200, "staff_count": 7}
    after = evaluate(result.apply(office("promotion-national-model")), RULESET)
    assert after.outcome == "DIRECT_PROMOTION"
    assert after.trace.step("standards_met").status is Status.PASS


def test_a_title_holder_is_blocked_and_gets_what_the_standards_require() -> None:
    data = office("revocation-lowered-standards")
    result = gap(data, RULESET)
    assert result.blocked_by == "REVOCATION_RECOMMENDED"
    assert result.changes == {"staff_count": 7, "vacant_posts": 0}
    assert outcome_after(result.apply(data)) == "RETAINED"  # no ground for revocation is left
    assert gap(office("retained-star"), RULESET).blocked_by == "RETAINED"


def test_a_star_office_has_nothing_to_change() -> None:
    for name in ("star-by-assessment", "star-exact-boundaries"):
        result = gap(office(name), RULESET)
        assert result.reached and len(result) == 0 and result.changes == {}


def test_a_verdict_and_its_office_give_the_same_gap() -> None:
    data = office("failing-many")
    assert gap(evaluate(data, RULESET)) == gap(data, RULESET)


def test_a_target_that_is_not_an_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="did you mean 'STAR'"):
        gap(office("failing-many"), RULESET, target="STARR")
    with pytest.raises(InputError):
        gap({"id": "x", "floor_area_m2": "big"}, RULESET)


def test_the_gap_document_is_json() -> None:
    document = json.loads(render_gap(gap(office("failing-many"), RULESET), fmt="json"))
    assert document["format"] == "mingxing-gap/1"
    assert len([i for g in document["groups"] for i in g["items"]]) == 21


# -- golden reports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_gap_reports_match_the_golden_files(path: Path) -> None:
    result = gap(office(path.stem), RULESET)
    check_golden(GOLDEN / f"{path.stem}.txt", result.explain("zh") + "\n" + result.explain("en"))


# -- properties ---------------------------------------------------------------------------------------


@settings(max_examples=100)
@given(offices(RULESET, fixed=NEW_APPLICANT))
def test_applying_the_gap_makes_any_new_applicant_a_star_office(data: dict[str, Any]) -> None:
    result = gap(data, RULESET)
    assert result.reachable and not result.to_be_provided
    assert outcome_after(result.apply(data)) == "STAR"


@settings(max_examples=40)
@given(offices(RULESET, fixed=NEW_APPLICANT, missing=0.2))
def test_with_missing_facts_providing_them_as_proposed_reaches_star(data: dict[str, Any]) -> None:
    result = gap(data, RULESET)
    assert outcome_after(result.apply(data, provide=True)) == "STAR"


@settings(max_examples=50)
@given(offices(RULESET, missing=0.1))
def test_for_any_office_the_changes_meet_every_standard(data: dict[str, Any]) -> None:
    result = gap(data, RULESET)
    after = evaluate(result.apply(data, provide=True), RULESET)
    assert after.trace.step("standards_met").status is Status.PASS
    if result.reachable:
        assert after.outcome == "STAR"
    else:
        assert result.blocked_by or result.already
        assert after.outcome in RULESET.spec.outcomes[:RULESET.spec.outcomes.index("STAR")] or (
            after.outcome == "UNDECIDED")


@settings(max_examples=50)
@given(offices(RULESET, fixed=NEW_APPLICANT))
def test_numeric_changes_are_the_smallest_that_pass(data: dict[str, Any]) -> None:
    result = gap(data, RULESET)
    checked = 0
    for item in result.items:
        change = item.change
        if change.kind != "number" or change.op not in (">=", "<=") or item.knock_on:
            continue
        fact = RULESET.spec.fact(change.fact)
        if fact.type != "integer":
            continue
        one_less = change.required - 1 if change.op == ">=" else change.required + 1
        trial = {**result.apply(data), change.fact: one_less}
        try:
            status = evaluate(trial, RULESET).trace.step(item.step).status
        except InputError:  # one less breaks a constraint (resolved <= mediated): no office
            continue
        assert status is Status.FAIL, item.text.en
        checked += 1
    note(f"{checked} changes checked")
    CHECKED_SMALLEST.append(checked)


CHECKED_SMALLEST: list[int] = []


def test_the_smallest_change_property_checks_changes() -> None:
    # the property above compares only changes with a floor or a ceiling: once, every final
    # change said "==" and the property checked nothing; run it and see it check some
    CHECKED_SMALLEST.clear()
    test_numeric_changes_are_the_smallest_that_pass()
    assert sum(CHECKED_SMALLEST) > 0


# -- the command line ---------------------------------------------------------------------------------


def mingxing(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_mingxing_gap_prints_what_is_missing_in_both_languages(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "examples/offices/near-miss-floor-area.json")
    code, out, err = mingxing(capsys, "gap", path)
    assert code == 1, err
    assert "办公用房面积现为180平方米，尚需增加20平方米，达到200平方米" in out
    assert "office floor area 180 m² → 200 m² (+20 m²)" in out
    assert out.index("办公用房") < out.index("office floor area")  # zh first, then en


def test_mingxing_gap_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    star = str(ROOT / "examples/offices/star-by-assessment.json")
    assert mingxing(capsys, "gap", star, "--lang", "en")[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "staff_count": -1}', encoding="utf-8")
    code, _, err = mingxing(capsys, "gap", str(bad))
    assert code == 2 and err.startswith("mingxing: error:") and "staff_count" in err
    assert mingxing(capsys, "gap", str(tmp_path / "none.json"))[0] == 2
    assert mingxing(capsys, "gap", star, "--target", "NOPE")[0] == 2
    code, out, _ = mingxing(capsys, "gap", str(ROOT / "examples/offices/near-miss-staff.json"),
                            "--format", "json")
    assert json.loads(out)["groups"][0]["items"][0]["change"]["delta"] == 1


def test_mingxing_explain_reads_offices_and_verdict_files(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = str(ROOT / "examples/offices/near-miss-floor-area.json")
    code, out, _ = mingxing(capsys, "explain", path, "--lang", "zh")
    assert code == 0 and "办公用房面积180平方米，低于200平方米的标准（四（一）1）" in out
    code, out, _ = mingxing(capsys, "explain", path, "--format", "json")
    saved = tmp_path / "verdict.json"
    saved.write_text(out, encoding="utf-8")
    code, again, _ = mingxing(capsys, "explain", str(saved), "--lang", "en")
    assert code == 0 and "office floor area 180 m² is below the required 200 m²" in again
    code, out, _ = mingxing(capsys, "explain", path, "--format", "html", "--lang", "both")
    assert code == 0 and out.count('class="mx mx-none"') == 2
    code, out, _ = mingxing(capsys, "explain", path, "--option", "meeting_room_min_seats=30",
                            "--lang", "en")
    assert "meeting room seats 24 people is below the required 30 people" in out
