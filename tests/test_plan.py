"""The compiled plan: one immutable DAG with the static structure every consumer reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mingxing_rules import RulesetError, evaluate, load_ruleset
from mingxing_rules.compile.plan import MAX_PLAN_COST, Ratio, topological_order
from mingxing_rules.language.arithmetic import MAX_MAGNITUDE, add3, div3, mul3, pow3, sub3
from mingxing_rules.language.expr import parse
from mingxing_rules.language.visitor import (
    ConstantTooLargeError,
    ExprVisitor,
    NotConstantError,
    constant_value,
    walk,
)
from mingxing_rules.ruleset.model import Threshold

BLOWUP = Path(__file__).parent / "blowup"


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return load_ruleset("star-judicial-office").plan


def test_each_node_once_in_row_order_and_topological_order(plan) -> None:  # type: ignore[no-untyped-def]
    ids = [n.id for n in plan.nodes]
    assert len(ids) == len(set(ids))
    assert [n.position for n in plan.nodes] == list(range(len(ids)))
    assert {n.id for n in plan.order} == set(ids)
    seen: set[str] = set()
    for node in plan.order:
        for name in (*node.depends_on, *(r for r in node.reads if r in plan)):
            assert name in seen, f"{node.id} reads {name} before it is computed"
        seen.add(node.id)


def test_nodes_are_shared_not_copied(plan) -> None:  # type: ignore[no-untyped-def]
    ruleset = load_ruleset("star-judicial-office")
    assert ruleset.plan is plan  # cached: one plan per ruleset and options
    assert plan.node("STAR") is plan.order[[n.id for n in plan.order].index("STAR")]
    assert ruleset.program.layout is plan.nodes


def test_condition_and_applies_if_thresholds_are_kept_apart(plan) -> None:  # type: ignore[no-untyped-def]
    node = plan.node("mediation_success_96")
    assert node.condition_thresholds == (Threshold("mediation_success_rate", ">=", 0.96),)
    assert node.applies_if_thresholds == (Threshold("disputes_mediated_count", ">", 0),)
    assert node.thresholds == node.condition_thresholds + node.applies_if_thresholds


def test_ratio_parts_counted_sets_and_disjunctions(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.node("mediation_success_rate").ratio == Ratio("disputes_resolved_count",
                                                              "disputes_mediated_count")
    assert plan.node("no_mediation_incidents").counted_set == "mediation_incidents"
    assert plan.node("motorcycle_or_e_bike").disjunction
    assert not plan.node("floor_area").disjunction


def test_facts_needed_reach_through_derived_values_and_rules(plan) -> None:  # type: ignore[no-untyped-def]
    star = plan.node("STAR")
    assert {"floor_area_m2", "disputes_resolved_count", "disputes_mediated_count"} <= set(star.facts_needed)
    rate = plan.node("mediation_success_rate")
    assert rate.facts == ("disputes_resolved_count", "disputes_mediated_count")
    assert "mediation_success_96" in plan.affected_by(["disputes_resolved_count"])
    assert "STAR" in plan.affected_by(["floor_area_m2"])


def test_options_fold_into_thresholds() -> None:
    ruleset = load_ruleset("star-judicial-office")
    option_thresholds = [t for n in ruleset.plan.nodes for t in n.thresholds
                         if t.fact == "assessment_year"]
    assert option_thresholds  # the campaign years come from options, folded to constants
    assert all(isinstance(t.value, int) for t in option_thresholds)


def test_missing_facts_walk_follows_unknown_steps_only(plan) -> None:  # type: ignore[no-untyped-def]
    office = {"id": "x", "holds_star_title": True, "major_problem": False}
    verdict = evaluate(office, "star-judicial-office")
    assert verdict.outcome == "UNDECIDED"
    assert set(verdict.missing_facts) <= set(plan.facts_read)
    assert "id" not in verdict.missing_facts


def test_cost_is_static_and_bounded(plan) -> None:  # type: ignore[no-untyped-def]
    assert 0 < plan.cost < MAX_PLAN_COST
    assert plan.cost == sum(n.cost for n in plan.nodes)


def test_a_ruleset_beyond_the_cost_limit_is_refused_with_a_location(tmp_path: Path) -> None:
    # 30 rules, each quantifying over a 4-deep nest of an 8-value set: 30 * ~17,000 > limit
    text = (BLOWUP / "quantifier_nest.yaml").read_text(encoding="utf-8")
    nest = text.split('condition: "', 1)[1].split('"', 1)[0]
    rules = "rules:\n" + "".join(
        f'  - {{id: r{i}, clause: "3", quote: q, title: {{zh: 规则, en: rule}}, '
        f'condition: "{nest}"}}\n' for i in range(30))
    path = tmp_path / "costly.yaml"
    path.write_text(text.replace("decision:", rules + "decision:"), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    problem = caught.value.problems[0]
    assert problem.code == "E210"
    assert problem.location.line is not None and problem.location.file
    assert "exceeds the limit" in problem.message


def test_topological_order_reports_a_cycle_with_its_path() -> None:
    assert topological_order({"a": ["b"], "b": [], "c": ["a"]}) == ["b", "a", "c"]
    with pytest.raises(RulesetError, match="a -> b -> c -> a"):
        topological_order({"a": ["b"], "b": ["c"], "c": ["a"]})


# -- the visitor and the constant folder --------------------------------------------------------


def test_constant_folder_folds_options_lists_and_dates() -> None:
    assert constant_value(parse("96 / 100"), {}) == 0.96
    assert constant_value(parse("min_staff + 1"), {"min_staff": 7}) == 8
    assert constant_value(parse("['a', 'b']"), {}) == ("a", "b")
    assert constant_value(parse("date('2013-11-20')"), {}) == dt.date(2013, 11, 20)
    assert constant_value(parse("1 / 0"), {}) is None  # unknown, like at evaluation
    with pytest.raises(NotConstantError):
        constant_value(parse("floor_area_m2 >= 200"), {})
    with pytest.raises(ConstantTooLargeError):
        constant_value(parse("10 ** 40"), {})


def test_visitor_dispatches_by_node_class_and_walks_every_node() -> None:
    class Names(ExprVisitor[None]):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def visit_Name(self, node):  # type: ignore[no-untyped-def]
            self.seen.append(node.name)

    tree = parse("a >= 1 and (b or not c) and 'x' in d")
    names = Names()
    names.visit(tree)
    assert names.seen == ["a", "b", "c", "d"]
    assert sum(1 for _ in walk(tree)) > 8
    deep = parse(" + ".join(["x"] * 30))
    assert sum(1 for _ in walk(deep)) == 59  # iterative: no recursion limit


numbers = st.one_of(st.integers(-(2**60), 2**60), st.floats(allow_nan=False,
                                                            allow_infinity=False))


@given(numbers, numbers)
def test_arithmetic_is_bounded_and_never_raises(a: float, b: float) -> None:
    for op in (add3, sub3, mul3, div3):
        result = op(a, b)
        assert result is None or abs(result) <= MAX_MAGNITUDE
    assert pow3(a, 3) is None or abs(pow3(a, 3)) <= MAX_MAGNITUDE
    assert add3(None, b) is None and mul3(a, None) is None


def test_a_ruleset_loaded_again_from_elsewhere_is_the_same_object_and_still_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    source = load_ruleset("star-judicial-office").path
    assert source is not None
    (folder / "star.yaml").write_bytes(source.read_bytes())
    monkeypatch.chdir(tmp_path)
    first = load_ruleset("rules/star.yaml")
    assert first.spec.file == "rules/star.yaml"  # the name messages show
    monkeypatch.chdir(folder)
    again = load_ruleset("star.yaml")
    assert again is first and again.plan is first.plan  # shared, never compiled twice
    assert again.path == folder / "star.yaml" and again.path.is_file()  # opens from anywhere
