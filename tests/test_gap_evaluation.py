"""The fast paths of gap analysis against the plain ones (docs/performance.md, "Gap analysis").

* node-by-node evaluation under changes (:mod:`mingxing_rules.gap.evaluation`) gives every
  node the value of the compiled row, whatever the plan's memo learnt from other offices;
* a gap does not depend on what the memo learnt, nor on whether its items were worded at once;
* the gap of a verdict (facts read from its columns) is the gap of its office (facts validated
  again), for verdicts computed here and read back from compact and full JSON.
"""

from __future__ import annotations

import json
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import Verdict, evaluate, load_ruleset
from mingxing_rules.gap import Gap, GapItem, gap
from mingxing_rules.strategies import offices

RULESET = load_ruleset("star-judicial-office")
AUTOMATIC = RULESET.with_options(revocation_mode="automatic")
STATIC = sys.modules["mingxing_rules.gap.static"]
EVALUATION = sys.modules["mingxing_rules.gap.evaluation"]
CANDIDATES = sys.modules["mingxing_rules.gap.candidates"]


@contextmanager
def without_memo() -> Iterator[None]:
    """Gap analysis evaluating the whole row for every changed node (no node functions),
    learning nothing."""
    plans = [STATIC.gap_plan(RULESET.plan), STATIC.gap_plan(AUTOMATIC.plan)]
    saved = [dict(p.memo) for p in plans]
    functions = [list(p.node_functions) for p in plans]
    for p in plans:
        p.memo.clear()
        p.node_functions[:] = [None] * len(p.node_functions)
    try:
        with mock.patch.object(EVALUATION, "FUNCTION_FACTS", -1), \
                mock.patch.object(CANDIDATES, "MEMO_FACTS", -1):
            yield
    finally:
        for p, memo, compiled in zip(plans, saved, functions, strict=True):
            p.memo.clear()
            p.memo.update(memo)
            p.node_functions[:] = compiled


def facts_of(data: dict[str, Any]) -> dict[str, Any]:
    return dict(RULESET.parse_office(data).facts)


@settings(max_examples=60)
@given(offices(RULESET, missing=0.15), offices(RULESET, missing=0.15), st.data())
def test_node_by_node_evaluation_gives_the_compiled_row(
        data: dict[str, Any], other: dict[str, Any], draw: st.DataObject) -> None:
    facts, donor = facts_of(data), facts_of(other)
    gp = STATIC.gap_plan(RULESET.plan)
    evaluator = EVALUATION.Evaluator(RULESET.program.full, gp)
    current = evaluator.of(dict(facts), RULESET.program.full(facts))
    names = draw.draw(st.lists(st.sampled_from(sorted(gp.fact_specs)), max_size=4, unique=True))
    for name in names:  # a chain of changes, each read node by node
        changed = dict(current.facts)
        if donor.get(name) is None:
            changed.pop(name, None)
        else:
            changed[name] = donor[name]
        current = current.changed(name, changed)
        expected = RULESET.program.full(changed)
        positions = draw.draw(st.permutations(range(len(expected))))
        assert [current[p] for p in positions] == [expected[p] for p in positions]
        assert [type(current[p]) for p in positions] == [type(expected[p]) for p in positions]


@settings(max_examples=40)
@given(offices(RULESET, missing=0.1), st.sampled_from(RULESET.spec.outcomes),
       st.booleans())
def test_a_gap_does_not_depend_on_what_the_plan_learnt(data: dict[str, Any], target: str,
                                                       automatic: bool) -> None:
    ruleset = AUTOMATIC if automatic else RULESET
    learnt = gap(data, ruleset, target)
    with without_memo():
        plain = gap(data, ruleset, target)
    assert learnt.to_dict() == plain.to_dict()
    assert learnt == plain and hash(learnt) == hash(plain)


@settings(max_examples=30)
@given(offices(RULESET, missing=0.1))
def test_the_gap_of_a_verdict_is_the_gap_of_its_office(data: dict[str, Any]) -> None:
    expected = gap(data, RULESET).to_dict()
    verdict = evaluate(data, RULESET)
    assert gap(verdict).to_dict() == expected
    assert gap(verdict, RULESET).to_dict() == expected
    # a compact document keeps only the facts of what did not pass: read back with its office
    assert gap(Verdict.from_json(verdict.to_json(), RULESET, office=data)).to_dict() == expected
    assert gap(Verdict.from_json(verdict.to_json(all_facts=True), RULESET)).to_dict() == expected
    # a full document has no columns: its facts are validated again
    assert gap(Verdict.from_json(verdict.to_json(full=True)), RULESET).to_dict() == expected


def test_items_word_themselves_and_compare_as_worded() -> None:
    data = {**offices_example("star-by-assessment"), "vehicles": [], "floor_area_m2": 150}
    result = gap(data, RULESET)
    again = gap(data, RULESET)
    assert [i.text for i in result.items]  # worded on reading
    unread = again.items[0]
    assert unread == result.items[0] and hash(unread) == hash(result.items[0])
    back = Gap.from_dict(result.to_dict())
    assert back == result and back.items == gap(data, RULESET).items
    assert pickle.loads(pickle.dumps(gap(data, RULESET))) == result
    assert repr(gap(data, RULESET).items[0]) == repr(result.items[0])
    assert repr(result.items[0]).startswith("GapItem(step=")
    assert isinstance(result.items[0], GapItem)


def test_exact_keys_tell_equal_numbers_of_other_types_apart() -> None:
    keys = {STATIC.exact_key((value,)) for value in (1, 1.0, True, 0, 0.0, -0.0, False)}
    assert len(keys) == 7


def offices_example(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / "examples" / "offices" / f"{name}.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
