"""The gap's fast paths (docs/performance.md, "Gap analysis, second round") against a
straightforward reference, on generated offices, on a seeded population and with options:

* each node's own function (:func:`~mingxing_rules.compile.codegen.compile_node_functions`)
  gives the value and type of the node in the compiled row;
* an analysis with the fast paths gives what a plain one gives: the reference copies the
  office for every trial, measures every final change again with ``make_change``, works out
  the needs of every round from the outcomes, and builds every item afresh (never shares one
  between gaps) — the same ``to_dict()``, explanations (zh, en), equality and hash.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.compile.codegen import compile_node_functions
from mingxing_rules.gap import Change, Gap, gap
from mingxing_rules.gap.model import GapItem
from mingxing_rules.strategies import offices

RULESET = load_ruleset("star-judicial-office")
AUTOMATIC = RULESET.with_options(revocation_mode="automatic")
ANALYSIS = sys.modules["mingxing_rules.gap.analysis"]
SOLVER = sys.modules["mingxing_rules.gap.solver"]
CANDIDATES = sys.modules["mingxing_rules.gap.candidates"]
STATIC = sys.modules["mingxing_rules.gap.static"]
Analysis = ANALYSIS.Analysis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from population import population  # noqa: E402  (the benchmarks' seeded offices)

NODE_FUNCTIONS = {
    ruleset: compile_node_functions(ruleset.plan, [node.id for node in ruleset.plan.nodes])
    for ruleset in (RULESET, AUTOMATIC)}


def same_value(a: Any, b: Any) -> bool:
    """Equal, of one type, and for floats of one sign (``0.0`` is not ``-0.0``)."""
    if type(a) is not type(b) or a != b:
        return a is b
    return not isinstance(a, float) or math.copysign(1.0, a) == math.copysign(1.0, b)


@settings(max_examples=60)
@given(offices(RULESET, missing=0.15), st.booleans())
def test_each_node_function_gives_the_value_of_the_row(data: dict[str, Any],
                                                        automatic: bool) -> None:
    ruleset = AUTOMATIC if automatic else RULESET
    facts = dict(ruleset.parse_office(data).facts)
    row = ruleset.program.full(facts)
    functions = NODE_FUNCTIONS[ruleset]
    for node in ruleset.plan.nodes:
        assert same_value(functions[node.id](facts), row[node.position]), node.id


def test_node_functions_are_functions_of_the_facts_they_need() -> None:
    plan = RULESET.plan
    functions = compile_node_functions(plan, ["floor_area", "mediation_success_96"])
    assert set(functions) == {"floor_area", "mediation_success_96"}
    assert functions["floor_area"]({"floor_area_m2": 200}) is True
    assert functions["floor_area"]({"floor_area_m2": 199.5}) is False
    assert functions["floor_area"]({}) is None  # unknown, never failed
    needed = plan.node("mediation_success_96").facts_needed
    assert len(needed) == 2
    assert functions["mediation_success_96"]({needed[0]: 1, needed[1]: 1}) in (True, False)


class ReferenceAnalysis(Analysis):  # type: ignore[misc,valid-type]
    """The analysis without its shortcuts (what each of them must give, written plainly)."""

    def ordered_needs(self, row: Any) -> Any:
        needs, decided_above = self.needs(row)
        ordered = tuple(self.ordered(needs))
        return ANALYSIS.NeedsInOrder(tuple(needs), frozenset(n.step for n in needs), ordered,
                                     {n.step: n for n in ordered}, decided_above)

    def working(self, step_id: str, facts: dict[str, Any], row: Any,
                candidates: Sequence[Change], start: int) -> list[tuple[int, Change, Any]]:
        found = []
        position = self.index[step_id]
        for order, proposed in enumerate(candidates, start):
            fact = self.fact_specs.get(proposed.fact)
            if fact is None:
                continue
            change = self.consistent_change(proposed, facts)
            trial = {**facts, change.fact: CANDIDATES.normal(fact, change.required)}
            trial_row = row.changed(change.fact, trial)
            if ANALYSIS._passes(trial_row[position]) and self.consistent(trial, trial_row):
                found.append((order, change, trial_row))
        return found

    def final_change(self, change: Change, final: Mapping[str, Any],
                     values_now: Mapping[str, Any], values_after: Mapping[str, Any]) -> Change:
        required = final[change.fact]
        current = self.facts.get(change.fact)
        if change.via:
            return CANDIDATES.make_change(
                change.fact, current, required, change.kind, via=change.via, op=change.op,
                via_before=values_now.get(change.via), via_after=values_after.get(change.via))
        return CANDIDATES.make_change(change.fact, current, required, change.kind,
                                      via=change.via, op=change.op)


class NeverKept(dict[Any, Any]):
    """A per-plan store of items that keeps none: every item is built afresh."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


@contextmanager
def reference() -> Iterator[None]:
    """``gap`` analysing with :class:`ReferenceAnalysis`, sharing no item with other gaps."""
    plans = [STATIC.gap_plan(ruleset.plan) for ruleset in (RULESET, AUTOMATIC)]
    with mock.patch.object(SOLVER, "Analysis", ReferenceAnalysis), \
            mock.patch.object(plans[0], "items", NeverKept()), \
            mock.patch.object(plans[1], "items", NeverKept()):
        yield


def assert_same_gap(fast: Gap, plain: Gap) -> None:
    assert fast.to_dict() == plain.to_dict()
    for lang in ("zh", "en"):
        assert fast.explain(lang) == plain.explain(lang)
    assert fast == plain and hash(fast) == hash(plain)
    assert repr(fast.items) == repr(plain.items)


@settings(max_examples=40)
@given(offices(RULESET, missing=0.1), st.sampled_from(RULESET.spec.outcomes), st.booleans())
def test_the_fast_analysis_gives_the_reference_gap(data: dict[str, Any], target: str,
                                                   automatic: bool) -> None:
    ruleset = AUTOMATIC if automatic else RULESET
    fast = gap(data, ruleset, target)
    with reference():
        plain = gap(data, ruleset, target)
    assert_same_gap(fast, plain)


@pytest.mark.parametrize("seed", [20121130, 7])
def test_the_fast_analysis_gives_the_reference_gap_on_a_population(seed: int) -> None:
    """Offices that share values (the per-plan stores serve several), from verdicts."""
    people = population(RULESET, 120, seed=seed)
    fast = [gap(evaluate(office, RULESET)) for office in people]
    fast += [gap(evaluate(office, RULESET)) for office in people]  # items shared, words kept
    with reference():
        plain = [gap(evaluate(office, RULESET)) for office in people]
    for one, other in zip(fast, plain + plain, strict=True):
        assert_same_gap(one, other)
    assert sum(len(result.items) for result in plain) > 500  # the offices need changes


def test_shared_items_are_the_same_value_as_fresh_ones() -> None:
    people = population(RULESET, 60, seed=3)
    first = [gap(evaluate(office, RULESET)) for office in people]
    again = [gap(evaluate(office, RULESET)) for office in people]
    shared = [a for one, other in zip(first, again, strict=True)
              for a, b in zip(one.items, other.items, strict=True) if a is b]
    assert shared  # the store serves: the very same change proposed again
    assert all(isinstance(item, GapItem) for item in shared)
    with reference():
        fresh = [gap(evaluate(office, RULESET)) for office in people]
    assert [r.items for r in again] == [r.items for r in fresh]
