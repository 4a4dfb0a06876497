"""What-if: the new verdict after some changes and the steps that flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mingxing_rules import InputError, Status, evaluate, load_ruleset
from mingxing_rules.engine.constraints import repair
from mingxing_rules.regression.whatif import what_if
from mingxing_rules.strategies import fact_values, offices

ROOT = Path(__file__).resolve().parent.parent
RULESET = load_ruleset("star-judicial-office")


def office(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (ROOT / "examples" / "offices" / f"{name}.json").read_text(encoding="utf-8"))
    return data


def test_meeting_the_floor_area_makes_the_near_miss_a_star_office() -> None:
    result = what_if(office("near-miss-floor-area"), RULESET, floor_area_m2=200)
    assert (result.before.outcome, result.after.outcome) == ("NOT_ELIGIBLE", "STAR")
    assert result.outcome_changed
    flips = {f.id: (f.before, f.after) for f in result.flipped}
    assert flips["floor_area"] == (Status.FAIL, Status.PASS)
    assert flips["s01_premises"] == (Status.FAIL, Status.PASS)
    assert flips["STAR"] == (Status.FAIL, Status.PASS)
    assert "meeting_room" not in flips


FLIPS = [
    # office, changes, outcome after, a step that flips (before, after)
    ("near-miss-staff", {"staff_count": 7}, "STAR", ("min_staff", "fail", "pass")),
    ("star-by-assessment", {"vehicles": ["police_car"]}, "NOT_ELIGIBLE",
     ("motorcycle_or_e_bike", "pass", "fail")),
    ("star-by-assessment", {"disputes_resolved_count": None}, "UNDECIDED",
     ("mediation_success_96", "pass", "unknown")),
    ("retained-star", {"major_problem": True}, "REVOCATION_RECOMMENDED",
     ("revocation_grounds", "fail", "pass")),
    ("near-miss-floor-area", {"honours": ["five_good"]}, "DIRECT_PROMOTION",
     ("holds_promotion_title", "fail", "pass")),
    ("star-by-assessment", {"submitted_on": "2013-12-01"}, "INADMISSIBLE",
     ("submitted_in_time", "pass", "fail")),
]


@pytest.mark.parametrize(("name", "changes", "outcome", "flip"), FLIPS)
def test_the_flipped_steps_explain_the_new_verdict(name: str, changes: dict[str, Any],
                                                   outcome: str,
                                                   flip: tuple[str, str, str]) -> None:
    result = what_if(office(name), RULESET, **changes)
    assert result.after.outcome == outcome
    flips = {f.id: (f.before.value, f.after.value) for f in result.flipped}
    assert flips[flip[0]] == flip[1:]


def test_no_change_flips_nothing() -> None:
    data = office("failing-many")
    result = what_if(data, RULESET, staff_count=data["staff_count"])
    assert result.flipped == () and not result.outcome_changed
    assert result.explain("en").splitlines()[1] == (
        "Verdict unchanged: standards not met [NOT_ELIGIBLE]")


def test_changes_are_validated_like_office_data() -> None:
    with pytest.raises(InputError, match="unknown field"):
        what_if(office("failing-many"), RULESET, floor_area=200)
    with pytest.raises(InputError):
        what_if(office("failing-many"), RULESET, staff_count="many")


def test_a_verdict_can_be_asked_what_if() -> None:
    verdict = evaluate(office("near-miss-floor-area"), RULESET)
    result = what_if(verdict, floor_area_m2=250)
    assert result.after.outcome == "STAR"


def test_the_explanation_lists_the_flips_in_both_languages() -> None:
    result = what_if(office("near-miss-floor-area"), RULESET, floor_area_m2=200)
    en, zh = result.explain("en"), result.explain("zh")
    assert en.splitlines()[:2] == [
        "What if office floor area = 200 m²?",
        "Verdict: standards not met [NOT_ELIGIBLE] → Star office by assessment [STAR]"]
    assert "✗ → ✓ floor area at least 200 m² (四(一)1): not met → met" in en
    assert "✗ → ✓ 办公用房面积不低于200平方米（四（一）1）：未达标→达标" in zh
    assert "<table" not in result._repr_html_() and "STAR" in result._repr_html_()
    assert json.loads(result.explain(fmt="json"))["after"]["outcome"] == "STAR"


@settings(max_examples=60)
@given(data=offices(RULESET, missing=0.1), name=st.sampled_from(
    [f.name for f in RULESET.spec.facts if f.type != "text"]), choice=st.data())
def test_flips_are_exactly_the_steps_whose_status_differs(data: dict[str, Any], name: str,
                                                          choice: st.DataObject) -> None:
    value = choice.draw(fact_values(RULESET.spec.fact(name)))
    # the facts a constraint ties to this one follow it (key + general = released, ...)
    changed = {**data, name: value}
    repair(changed, RULESET.constraints, fixed={name})
    changes = {k: changed.get(k) for k in {*data, *changed} if changed.get(k) != data.get(k)}
    try:
        RULESET.parse_office(changed)
    except InputError:
        assume(False)  # a value the other facts cannot agree with (a rate above 100 %)
    result = what_if(data, RULESET, **changes)
    direct = evaluate(changed, RULESET)
    assert result.after == direct
    differing = [a.id for a, b in zip(result.before.trace, direct.trace, strict=True)
                 if a.status is not b.status]
    assert [f.id for f in result.flipped] == differing
    # and back again
    undo = what_if(result.after, RULESET, **{k: data.get(k) for k in changes})
    assert undo.after.outcome == result.before.outcome


def test_marks_follow_the_office_interest_not_the_truth_of_a_ground() -> None:
    # meeting the staffing standard again removes the ground "standards lowered without cause":
    # good for the office, so its mark goes ✗ → ✓ although the ground goes from yes to no
    data = office("revocation-lowered-standards")
    result = what_if(data, RULESET, staff_count=7, vacant_posts=0)
    flips = {f.id: (f.before, f.after) for f in result.flipped}
    assert flips["lowered_standards_ground"] == (Status.PASS, Status.FAIL)
    en = result.explain("en")
    line = next(x for x in en.splitlines() if "standards lowered without cause" in x)
    assert line.strip().startswith("✗ → ✓"), line
    zh = result.explain("zh")
    line = next(x for x in zh.splitlines() if "无故降低创建标准" in x)
    assert line.strip().startswith("✗ → ✓"), line
    # the recommendation to revoke stops applying: good for the office, so ✗ → ✓ as well
    line = next(x for x in zh.splitlines() if x.strip().endswith("是→否") and "建议摘牌" in x)
    assert line.strip().startswith("✗ → ✓"), line
    assert not any(x.strip().startswith("✓ → ✗") for x in zh.splitlines()), zh
