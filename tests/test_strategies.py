"""The office strategies: valid by construction, biased to the boundaries, arguments checked."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from regression_helpers import AMENDMENT

from mingxing_rules import load_ruleset
from mingxing_rules.ruleset.model import FactSpec, Text, Threshold
from mingxing_rules.strategies import boundary_values, offices

STAR = load_ruleset("star-judicial-office")
QUICK = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


def _drawn(strategy: st.SearchStrategy[dict[str, Any]], count: int = 80) -> list[dict[str, Any]]:
    """``count`` offices from a passing run (no failure, so nothing is shrunk: fast)."""
    drawn: list[dict[str, Any]] = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(office: dict[str, Any]) -> None:
        drawn.append(office)

    collect()
    return drawn


def _fact(name: str, kind: str, minimum: float | None = 0) -> FactSpec:
    return FactSpec(name=name, type=kind, title=Text(zh=name, en=name),  # type: ignore[arg-type]
                    minimum=minimum)


@pytest.mark.parametrize(("fact", "thresholds", "expected"), [
    (_fact("floor_area_m2", "number"), [Threshold("floor_area_m2", ">=", 200)],
     [199.99, 200.0, 200.01]),
    (_fact("staff_count", "integer"), [Threshold("staff_count", ">=", 7)], [6, 7, 8]),
    (_fact("vacant_posts", "integer"), [Threshold("vacant_posts", "==", 0)], [0, 1]),
    (_fact("mediation_success_rate", "number"),
     [Threshold("mediation_success_rate", ">=", 0.96),
      Threshold("mediation_success_rate", ">=", 0.97)], [0.95, 0.96, 0.97, 0.98]),
    (_fact("flag", "boolean"), [Threshold("flag", "==", True)], []),
])
def test_boundary_values(fact: FactSpec, thresholds: list[Threshold],
                         expected: list[Any]) -> None:
    assert boundary_values(fact, thresholds) == expected


@QUICK
@given(offices(STAR, missing=0.1, emphasise={"honours": 0.5, "mediation_incidents": 0.3}))
def test_generated_offices_are_valid(office: dict[str, Any]) -> None:
    parsed = STAR.parse_office(office)  # raises InputError on any invalid fact
    assert set(parsed.facts) <= {f.name for f in STAR.spec.facts}


@QUICK
@given(offices(STAR, fixed={"staff_count": 7, "honours": None}))
def test_fixed_facts_are_kept_and_none_means_missing(office: dict[str, Any]) -> None:
    assert office["staff_count"] == 7
    assert "honours" not in office


@pytest.mark.parametrize(("probability", "nonempty"), [(1.0, True), (0.0, False)])
def test_emphasise_sets_how_often_a_set_is_non_empty(probability: float,
                                                     nonempty: bool) -> None:
    @QUICK
    @given(offices(STAR, emphasise={"mediation_incidents": probability}))
    def check(office: dict[str, Any]) -> None:
        assert bool(office["mediation_incidents"]) is nonempty
    check()


def test_floor_area_boundaries_are_reached() -> None:
    # enough draws that the result does not hinge on Hypothesis's pool of constants, which
    # depends on which modules earlier tests imported
    areas = {o.get("floor_area_m2") for o in _drawn(offices(STAR), 300)}
    assert {199.99, 200, 200.01} <= areas


def test_rate_boundaries_of_another_version_are_reached() -> None:
    """With the amendment's thresholds as boundaries, 97 of 100 mediated disputes resolved
    comes up: a boundary the Star ruleset alone (96 %) does not have."""
    amendment = load_ruleset(AMENDMENT)
    caseload = {"disputes_received_count": 100, "disputes_mediated_count": 100}
    own = [o["disputes_resolved_count"] for o in _drawn(offices(STAR, fixed=caseload), 400)]
    both = [o["disputes_resolved_count"]
            for o in _drawn(offices(STAR, fixed=caseload, boundaries_of=amendment), 400)]
    # (400 draws, the same bar per 150 draws as before, so that the outcome does not hinge on
    # which constants earlier tests made Hypothesis favour)
    assert own.count(96) >= 27  # the own boundary is favoured ...
    assert both.count(96) >= 27 and both.count(97) >= 8  # ... and so is the other version's


def test_a_new_fact_needs_no_new_code() -> None:
    amendment = load_ruleset(AMENDMENT)
    drawn = _drawn(offices(amendment), 30)
    assert {o.get("mountain_township") for o in drawn} >= {True, False}
    for office in drawn:
        amendment.parse_office(office)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"missing": 1.5}, "missing must be a probability"),
    ({"missing": "often"}, "missing must be a probability"),
    ({"passing": -0.1}, "passing must be a probability"),
    ({"boundary": "yes"}, "boundary must be True or False"),
    ({"fixed": {"no_such_fact": 1}}, "fixed: 'no_such_fact' is not a fact"),
    ({"fixed": [("staff_count", 7)]}, "fixed must be a mapping"),
    ({"prefer": {"staff_count": 7}}, r"prefer\['staff_count'\] must be a Hypothesis strategy"),
    ({"emphasise": {"honours": 2}}, r"emphasise\['honours'\] must be a probability"),
    ({"emphasise": {"staff_count": 0.5}}, "only set, boolean and finding facts"),
])
def test_arguments_are_checked_when_the_strategy_is_built(kwargs: dict[str, Any],
                                                          message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        offices(STAR, **kwargs)


def test_ruleset_argument_is_checked() -> None:
    with pytest.raises(InvalidArgument, match="ruleset must be a Ruleset"):
        offices(42)  # type: ignore[arg-type]


def test_prefer_takes_a_strategy() -> None:
    assert {o["staff_count"] for o in _drawn(offices(STAR, prefer={
        "staff_count": st.just(9)}), 10)} == {9}
