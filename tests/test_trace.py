"""The trace as columns over the plan, and the compact verdict document."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from mingxing_rules import InputError, Status, Verdict, evaluate, load_ruleset
from mingxing_rules.engine.trace import COMPACT_FORMAT, TRACE_FORMAT, Step

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples" / "offices").glob("*.json"))
STAR = load_ruleset("star-judicial-office")
COMPACT_SCHEMA = json.loads((REPO / "docs" / "verdict-compact.schema.json").read_text("utf-8"))
FULL_SCHEMA = json.loads((REPO / "docs" / "verdict.schema.json").read_text("utf-8"))


def office(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "examples" / "offices" / f"{stem}.json")
                                      .read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_compact_and_full_documents_round_trip(path: Path) -> None:
    verdict = evaluate(json.loads(path.read_text(encoding="utf-8")), STAR)
    compact = json.loads(verdict.to_json())
    jsonschema.validate(compact, COMPACT_SCHEMA)
    assert compact["format"] == COMPACT_FORMAT
    again = Verdict.from_json(verdict.to_json())
    assert again == verdict
    assert again.to_json() == verdict.to_json()
    assert again.to_dict() == verdict.to_dict()  # the full trace is rebuilt from the plan
    full = verdict.to_dict(full=True)
    jsonschema.validate(full, FULL_SCHEMA)
    assert full["format"] == TRACE_FORMAT
    assert Verdict.from_json(verdict.to_json(full=True)) == verdict


def test_compact_document_is_an_order_of_magnitude_smaller() -> None:
    verdict = evaluate(office("near-miss-floor-area"), STAR)
    compact, full = len(verdict.to_json().encode()), len(verdict.to_json(full=True).encode())
    assert compact * 10 < full
    assert compact < 6_000  # of which the office's own facts are most


def test_compact_document_lists_what_did_not_pass() -> None:
    verdict = evaluate(office("near-miss-floor-area"), STAR)
    document = verdict.to_dict(full=False)
    assert "floor_area" in document["not_passed"]["fail"]
    assert document["values"]["mediation_success_rate"] == pytest.approx(
        verdict.trace.step("mediation_success_rate").value)
    assert document["ruleset"]["hash"] == STAR.content_hash


def test_a_compact_verdict_is_refused_under_other_rules(tmp_path: Path) -> None:
    text = (REPO / "rulesets" / "star-judicial-office.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "star-judicial-office.yaml"
    changed.write_text(text.replace("floor_area_m2 >= 200", "floor_area_m2 >= 180", 1),
                       encoding="utf-8")
    document = evaluate(office("near-miss-floor-area"), STAR).to_json()
    with pytest.raises(InputError, match="pass the ruleset that judged it") as caught:
        Verdict.from_json(document, load_ruleset(changed))
    assert caught.value.problems[0].path == "ruleset.hash"
    assert Verdict.from_json(document, STAR).outcome == "NOT_ELIGIBLE"


def test_json_is_strict() -> None:
    verdict = evaluate(office("failing-many"), STAR)
    json.loads(verdict.to_json(), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    json.loads(verdict.to_json(full=True), parse_constant=pytest.fail)


def test_column_accessors_read_the_row_without_building_steps() -> None:
    verdict = evaluate(office("failing-many"), STAR)
    trace = verdict.trace
    statuses = trace.statuses()
    assert len(statuses) == len(STAR.plan.nodes) == len(trace)
    assert trace.status("floor_area") is statuses[STAR.plan.index["floor_area"]]
    failing = trace.failing()
    assert failing and all(s.status is Status.FAIL and s.kind == "criterion" for s in failing)
    assert trace._steps is None  # nothing else was built
    values = trace.values()
    assert set(values) == {n.id for n in STAR.plan.of_kind("derived")}
    # the views agree with the fully built trace
    built = {s.id: s for s in trace}
    assert all(built[s.id] == s for s in failing)
    assert tuple(s.status for s in built.values()) == statuses


def test_steps_are_immutable_and_compare_by_value() -> None:
    verdict = evaluate(office("near-miss-floor-area"), STAR)
    step = verdict.trace.step("floor_area")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        step.status = Status.PASS  # type: ignore[misc]
    again = Step.from_dict(step.to_dict())
    assert again == step and hash(again) == hash(step)
    assert [r.name for r in step.reads] == ["floor_area_m2"]
    assert "floor_area" in repr(step)


def test_reading_the_failing_criteria_costs_microseconds() -> None:
    """Not a benchmark (benchmarks/ measures speed): a guard that `failing()` does not build
    the ~120 steps of the trace, measured as a ratio to building them all."""
    verdicts = [evaluate(office("failing-many"), STAR) for _ in range(200)]
    start = time.perf_counter()
    for verdict in verdicts[:100]:
        verdict.trace.failing()
    columns = time.perf_counter() - start
    start = time.perf_counter()
    for verdict in verdicts[100:]:
        [s.reads for s in verdict.trace]
    built = time.perf_counter() - start
    assert columns < built


def test_read_values_match_the_steps_readings() -> None:
    trace = evaluate(office("near-miss-mediation-success"), STAR).trace
    for step in trace:
        assert trace.read_values(step.id) == {r.name: r.value for r in step.reads}


def test_checks_give_each_criterion_its_status_and_readings() -> None:
    trace = evaluate(office("near-miss-floor-area"), STAR).trace
    checks = trace.checks("criterion")
    assert trace._steps is None  # read from the columns
    built = {s.id: (s.status, {r.name: r.value for r in s.reads}) for s in trace
             if s.kind == "criterion"}
    assert checks == built
    assert checks["floor_area"] == (Status.FAIL, {"floor_area_m2": 180})
    derived = trace.checks("derived")
    assert set(derived) == {n.id for n in STAR.plan.of_kind("derived")}
