"""Evaluation: three-valued logic, not-applicable criteria, undecided verdicts, traces, JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from core_helpers import GOOD, MINI, mini, write
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mingxing_rules import (
    InputError,
    Ruleset,
    Status,
    Threshold,
    Verdict,
    decide,
    evaluate,
    load_ruleset,
)
from mingxing_rules.strategies import offices


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return mini(tmp_path_factory.mktemp("mini"))


def office(**changes: Any) -> dict[str, Any]:
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_a_passing_office_passes_with_a_full_trace(rules: Ruleset) -> None:
    verdict = evaluate(office(), rules)
    assert verdict.outcome == "PASSED" and verdict.effect == "award" and verdict.decided
    assert [s.id for s in verdict.trace] == [
        "rate", "place", "s_area", "area_ok", "kit_ok", "s_people", "staff_ok", "rate_ok",
        "honoured", "PROMOTED", "PASSED"]
    area = verdict.trace.step("area_ok")
    assert area.status is Status.PASS and area.clause == "一1" and area.quote == "面积不低于200平方米"
    assert area.thresholds == (Threshold("area_m2", ">=", 200),)
    assert area.reads[0].name == "area_m2" and area.reads[0].value == 250
    assert area.reads[0].unit == "m²"
    assert verdict.trace.step("rate").value == pytest.approx(0.97)
    assert verdict.trace.step("PASSED").role == "selected"


@pytest.mark.parametrize(
    ("area", "status", "outcome"),
    [(199.99, Status.FAIL, "FAILED"), (200, Status.PASS, "PASSED"),
     (200.01, Status.PASS, "PASSED")],
)
def test_threshold_boundary(rules: Ruleset, area: float, status: Status, outcome: str) -> None:
    verdict = evaluate(office(area_m2=area), rules)
    assert verdict.trace.step("area_ok").status is status
    assert verdict.outcome == outcome


def test_options_fold_into_the_threshold(tmp_path: Path) -> None:
    lenient = mini(tmp_path, min_area=180)
    verdict = evaluate(office(area_m2=190), lenient)
    assert verdict.outcome == "PASSED"
    assert verdict.trace.step("area_ok").thresholds == (Threshold("area_m2", ">=", 180),)
    assert dict(verdict.options)["min_area"] == 180


def test_missing_fact_is_unknown_not_failed(rules: Ruleset) -> None:
    verdict = evaluate(office(staff=None), rules)
    step = verdict.trace.step("staff_ok")
    assert step.status is Status.UNKNOWN and step.missing == ("staff",)
    assert verdict.outcome == "UNDECIDED" and verdict.effect is None
    assert verdict.missing_facts == ("staff",)
    assert verdict.possible_outcomes == ("PASSED", "FAILED")


def test_a_missing_fact_that_cannot_matter_leaves_the_verdict_decided(rules: Ruleset) -> None:
    # the area fails, so the unknown staff count cannot make the office pass
    verdict = evaluate(office(staff=None, area_m2=100), rules)
    assert verdict.outcome == "FAILED" and verdict.missing_facts == ()
    # a promotion decides before the standards are needed at all
    promoted = evaluate(office(staff=None, honours=["gold"]), rules)
    assert promoted.outcome == "PROMOTED"
    assert promoted.trace.step("PASSED").role == "not_selected"


def test_lower_ranked_outcomes_that_hold_are_marked_outranked(rules: Ruleset) -> None:
    verdict = evaluate(office(honours=["gold"]), rules)
    assert verdict.outcome == "PROMOTED"
    assert verdict.trace.step("PASSED").role == "outranked"


def test_zero_denominator_makes_the_criterion_not_applicable(rules: Ruleset) -> None:
    verdict = evaluate(office(received=0, resolved=0), rules)
    assert verdict.trace.step("rate").status is Status.UNKNOWN  # 0/0 has no value
    assert verdict.trace.step("rate_ok").status is Status.NOT_APPLICABLE
    assert verdict.outcome == "PASSED"


def test_unknown_applicability_with_a_passing_condition_still_passes(rules: Ruleset) -> None:
    verdict = evaluate(office(received=None, resolved=None), rules)
    assert verdict.trace.step("rate_ok").status is Status.UNKNOWN
    assert verdict.outcome == "UNDECIDED"
    assert set(verdict.missing_facts) == {"received", "resolved"}


# -- three-valued logic laws ------------------------------------------------------------------------

LOGIC = MINI.replace("condition: \"'gold' in honours\"", "condition: EXPR")
truth = st.sampled_from([True, False, None])


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def kleene_not(a: bool | None) -> bool | None:
    return None if a is None else not a


@pytest.fixture(scope="module")
def logic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ruleset]:
    folder = tmp_path_factory.mktemp("logic")
    return {
        expr: load_ruleset(write(folder, LOGIC.replace("EXPR", expr), f"{i}.yaml"))
        for i, expr in enumerate(["a and b", "a or b", "not a", "a -> b", "a == b"])
    }


def value_of(ruleset: Ruleset, a: bool | None, b: bool | None) -> bool | None:
    facts = {"id": "x", "a": a, "b": b}
    step = evaluate({k: v for k, v in facts.items() if v is not None}, ruleset).trace.step(
        "honoured")
    return {Status.PASS: True, Status.FAIL: False, Status.UNKNOWN: None}[step.status]


@given(truth, truth)
def test_kleene_laws(logic: dict[str, Ruleset], a: bool | None, b: bool | None) -> None:
    assert value_of(logic["a and b"], a, b) == kleene_and(a, b)
    assert value_of(logic["a or b"], a, b) == kleene_or(a, b)
    assert value_of(logic["not a"], a, b) == kleene_not(a)
    assert value_of(logic["a -> b"], a, b) == kleene_or(kleene_not(a), b)
    expected_eq = None if a is None or b is None else a == b
    assert value_of(logic["a == b"], a, b) == expected_eq


def test_unknown_and_false_is_false(logic: dict[str, Ruleset]) -> None:
    assert value_of(logic["a and b"], None, False) is False
    assert value_of(logic["a or b"], None, True) is True


# -- invariants on the real ruleset ---------------------------------------------------------------

STAR = load_ruleset("star-judicial-office")


@settings(max_examples=40)
@given(offices(STAR, missing=0.1))
def test_same_input_same_trace(data: dict[str, Any]) -> None:
    first, second = evaluate(data, STAR), evaluate(json.loads(json.dumps(data)), STAR)
    assert first == second
    assert first.to_dict() == second.to_dict()


@settings(max_examples=40)
@given(offices(STAR, missing=0.1))
def test_verdict_round_trips_through_json(data: dict[str, Any]) -> None:
    verdict = evaluate(data, STAR)
    again = Verdict.from_json(verdict.to_json(), office=data)
    assert again == verdict
    assert again.to_dict() == verdict.to_dict()
    assert Verdict.from_json(verdict.to_json(all_facts=True)) == verdict


@settings(max_examples=40)
@given(offices(STAR, missing=0.1))
def test_short_circuit_decision_agrees_with_the_traced_one(data: dict[str, Any]) -> None:
    assert decide(data, STAR) == evaluate(data, STAR).outcome


@settings(max_examples=40)
@given(offices(STAR, missing=0.2))
def test_undecided_verdicts_name_only_missing_facts(data: dict[str, Any]) -> None:
    verdict = evaluate(data, STAR)
    if verdict.outcome == "UNDECIDED":
        assert verdict.missing_facts
        assert not set(verdict.missing_facts) & set(data)
    else:
        assert verdict.missing_facts == ()


def test_bad_input_reports_every_field_and_nothing_is_computed(rules: Ruleset) -> None:
    with pytest.raises(InputError) as caught:
        evaluate(office(area_m2=-5, staff="eight", kind="twon", kit=["pc", "modem"],
                        since="2013/11/30", extra_field=1), rules)
    error = caught.value
    assert set(error.fields) == {"area_m2", "staff", "kind", "kit", "since", "extra_field"}
    text = str(error)
    assert "-5 is below the minimum 0" in text
    assert "did you mean 'town'" in text
    assert "'modem'" in text
    assert "YYYY-MM-DD" in text
    assert error.office_id == "o1"


def test_generated_code_holds_no_rule_text(rules: Ruleset) -> None:
    source = rules.generated_source()
    assert "def full(f)" in source and "def fast(f)" in source
    assert "import" not in source and "__" not in source.replace("__builtins__", "")


def test_possible_outcomes_are_exact_for_missing_findings() -> None:
    # a Star holder whose incident finding is missing: revocation or retention, nothing else,
    # and only the incident finding is named as missing (the procedure cannot matter)
    example = Path(__file__).resolve().parent.parent / "examples/offices/retained-star.json"
    office = json.loads(example.read_text(encoding="utf-8"))
    del office["major_problem"]
    verdict = evaluate(office, STAR)
    assert verdict.outcome == "UNDECIDED"
    assert verdict.possible_outcomes == ("REVOCATION_RECOMMENDED", "RETAINED")
    assert verdict.missing_facts == ("major_problem",)


@settings(max_examples=40)
@given(offices(STAR, missing=0.15), st.data())
def test_every_completion_lands_in_the_possible_outcomes(data: dict[str, Any],
                                                         draw: st.DataObject) -> None:
    verdict = evaluate(data, STAR)
    assume(verdict.outcome == "UNDECIDED")
    specs = {f.name: f for f in STAR.spec.facts}
    completed = dict(data)
    # only finite completions are enumerated exactly
    assume(all(specs[name].type in ("boolean", "finding", "enum")
               for name in verdict.missing_facts))
    for name in verdict.missing_facts:
        fact = specs[name]
        completed[name] = draw.draw(st.sampled_from(
            fact.value_ids if fact.type == "enum" else (True, False)))
    outcome = evaluate(completed, STAR).outcome
    if outcome != "UNDECIDED":
        assert outcome in verdict.possible_outcomes
