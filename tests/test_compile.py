"""Code generation from the plan: the short-circuit function agrees with the full row on
rulesets whose nodes are shared, nested deep, or chained long — the three ways it builds code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import decide, evaluate, load_ruleset
from mingxing_rules.compile.codegen import MAX_CALL_DEPTH, MAX_INLINE_DEPTH

BLOWUP = Path(__file__).parent / "blowup"
sys.path.insert(0, str(BLOWUP))
import generate  # noqa: E402

sys.path.pop(0)

probe_offices = st.fixed_dictionaries(
    {"id": st.just("probe")},
    optional={"area_m2": st.integers(0, 20), "ok": st.booleans(),
              "kit": st.lists(st.sampled_from("abcdefgh"), unique=True)})


@pytest.fixture(scope="module", params=[
    ("shared", lambda: generate.read_twice(12)),  # every rule read twice: memoised functions
    ("deep", lambda: generate.read_twice(MAX_CALL_DEPTH + 20)),  # eager beyond the call depth
    ("inline", lambda: generate.implication_chain(MAX_INLINE_DEPTH * 3)),  # nested past inlining
    ("fan", lambda: generate.wide_fan(40)),
], ids=lambda p: p[0])
def ruleset(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    name, text = request.param
    path = tmp_path_factory.mktemp("rules") / f"{name}.yaml"
    path.write_text(text(), encoding="utf-8")
    return load_ruleset(path)


@settings(max_examples=60, deadline=None)
@given(office=probe_offices)
def test_short_circuit_agrees_with_the_full_row(ruleset: Any, office: dict[str, Any]) -> None:
    assert decide(office, ruleset) == evaluate(office, ruleset).outcome


def test_each_node_is_defined_once_in_the_short_circuit_function(ruleset: Any) -> None:
    source = ruleset.generated_source()
    fast = source[source.index("def fast(f):"):]
    for node in ruleset.plan.nodes:
        if node.kind == "rule":
            assert fast.count(f"def S_{node.id}():") <= 1


def test_deep_chains_are_computed_up_front_not_by_deep_calls(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(generate.read_twice(MAX_CALL_DEPTH * 4), encoding="utf-8")
    ruleset = load_ruleset(path)
    source = ruleset.generated_source()
    fast = source[source.index("def fast(f):"):]
    # some rules are assigned eagerly (M_x = ...) rather than only through local functions
    assert any(f"    M_r{i} = " in fast and f"    M_r{i} = _U" not in fast
               for i in range(MAX_CALL_DEPTH * 4))
    office = {"id": "x", "area_m2": 5, "ok": True}
    assert decide(office, ruleset) == evaluate(office, ruleset).outcome == "PASS"
