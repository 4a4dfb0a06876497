"""The compiled office validator agrees with the full one, and pandas' gaps are accepted."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import InputError, evaluate_many, load_ruleset
from mingxing_rules.engine.office import Office
from mingxing_rules.engine.validation import compile_validator, validator_source
from mingxing_rules.strategies import offices

STAR = load_ruleset("star-judicial-office")
SCHEMA = STAR._schema  # the office schema of the Star ruleset (fast and full validators)
PARTS = compile_validator(STAR.spec.facts, Office, forbid_extra=True, parts=True)


def full(data: Any) -> Any:
    """The full validator alone (cattrs, every problem reported)."""
    fast = SCHEMA._fast
    SCHEMA._fast = {}
    try:
        return SCHEMA.parse(data)
    finally:
        SCHEMA._fast = fast


# values that a careless caller, a CSV or pandas might put in any field
ODD = st.one_of(st.none(), st.booleans(), st.integers(-10, 2**60), st.floats(allow_nan=True),
                st.text(max_size=12), st.lists(st.text(max_size=5), max_size=3),
                st.just("2013-W47-3"), st.just("2013112000"), st.just("2013-11-20"),
                st.just(["fax", "fax"]), st.just({"met": True, "evidence": "x", "extra": 1}),
                st.just([[]]), st.just([{"a": 1}]))


@settings(max_examples=300)
@given(offices(STAR, missing=0.1), st.lists(st.tuples(st.integers(0, 200), ODD), max_size=3),
       st.booleans())
def test_whatever_the_fast_path_accepts_the_full_validator_accepts_the_same_way(
        office: dict[str, Any], damage: list[tuple[int, Any]], extra_key: bool) -> None:
    data = copy.deepcopy(office)
    names = [f.name for f in STAR.spec.facts]
    for index, value in damage:
        data[names[index % len(names)]] = value
    if extra_key:
        data["not_a_fact"] = 1
    fast = SCHEMA._fast["error"](data)
    facts_only = SCHEMA._fast_facts(data)  # the variant decide() uses
    parts = PARTS(data)  # the variant the JSON Lines batch uses
    try:
        expected = full(data)
    except InputError:
        assert fast is None, data  # the fast path never accepts what the full one refuses
        assert facts_only is None, data
        assert parts is None, data
        return
    if fast is not None:
        assert fast == expected
    if facts_only is not None:
        assert facts_only == dict(expected.facts)
        assert list(facts_only) == list(expected.facts)  # in the same order
    assert (parts is None) == (fast is None)
    if parts is not None:
        facts, evidence = parts
        assert type(facts) is dict and type(evidence) is dict
        assert list(facts.items()) == list(expected.facts.items())
        assert evidence == dict(expected.evidence)


@settings(max_examples=100)
@given(offices(STAR, missing=0.1))
def test_valid_generated_offices_take_the_fast_path(office: dict[str, Any]) -> None:
    assert SCHEMA._fast["error"](office) == full(office)
    assert SCHEMA._fast_facts(office) == dict(full(office).facts)


def test_deciding_reports_bad_fields_as_evaluating_does() -> None:
    """decide() validates through the facts-only fast path: the same errors, field by field."""
    from mingxing_rules import decide, evaluate

    rules = load_ruleset(Path(__file__).resolve().parent.parent / "benchmarks" / "eligibility24"
                         / "ruleset.yaml")  # no check across facts
    good = {"id": "x", "age_years": 30}
    for bad in ({"age_years": 7.5}, {"age_years": "30"}, {"id": ""}, {"nope": 1},
                {"age_years": 200, "owns_home": "yes"}):
        data = {**good, **bad}
        with pytest.raises(InputError) as by_decide:
            decide(data, rules)
        with pytest.raises(InputError) as by_evaluate:
            evaluate(data, rules)
        assert [(p.path, p.value, p.message) for p in by_decide.value.problems] == [
            (p.path, p.value, p.message) for p in by_evaluate.value.problems]
    assert decide(good, rules) == evaluate(good, rules).outcome


def test_the_generated_source_names_facts_only_as_literals() -> None:
    source, constants = validator_source(STAR.spec.facts, forbid_extra=True)
    assert "g('floor_area_m2')" in source
    assert set(constants) >= {"ALLOWED"}
    assert "import" not in source and "__" not in source


def test_staff_of_seven_and_a_half_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        STAR.parse_office({"id": "x", "staff_count": 7.5})
    assert caught.value.problems[0].path == "staff_count"
    assert STAR.parse_office({"id": "x", "staff_count": 7.0}).facts["staff_count"] == 7


def test_pandas_columns_with_gaps_are_read() -> None:
    frame = pd.DataFrame({
        "id": ["a", "b", "c"],
        "premises_independent": [1.0, 0.0, math.nan],  # a boolean column with a gap
        "staff_count": [7.0, math.nan, 8.0],  # an integer column with a gap
        "holds_star_title": pd.array([True, pd.NA, False], dtype="boolean"),
    })
    result = evaluate_many(frame, STAR)
    assert not result.errors, result.errors
    first, second, third = result.verdicts
    premises = STAR.plan.dependents["premises_independent"][0]  # the criterion that reads it
    assert first.trace.read_values(premises) == {"premises_independent": True}
    assert second.trace.read_values(premises) == {"premises_independent": False}
    assert third.trace.read_values(premises) == {"premises_independent": None}
    assert first.trace.read_values("min_staff") == {"staff_count": 7}
    assert second.trace.read_values("min_staff") == {"staff_count": None}
