"""The trace as columns over the plan, and the compact verdict document."""

from __future__ import annotations

import json
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
COMPACT_1_SCHEMA = json.loads((REPO / "docs" / "verdict-compact-1.schema.json")
                              .read_text("utf-8"))


def office(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "examples" / "offices" / f"{stem}.json")
                                      .read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_compact_and_full_documents_round_trip(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    verdict = evaluate(data, STAR)
    compact = json.loads(verdict.to_json())
    jsonschema.validate(compact, COMPACT_SCHEMA)
    assert compact["format"] == COMPACT_FORMAT == "mingxing-verdict-compact/2"
    again = Verdict.from_json(verdict.to_json(), office=data)  # the input gives the facts back
    assert again == verdict
    assert again.to_json() == verdict.to_json()
    assert again.to_dict() == verdict.to_dict()  # the full trace is rebuilt from the plan
    whole = verdict.to_json(all_facts=True)  # self-contained: read back without the office
    jsonschema.validate(json.loads(whole), COMPACT_SCHEMA)
    assert Verdict.from_json(whole) == verdict
    assert Verdict.from_json(whole).to_json(all_facts=True) == whole
    full = verdict.to_dict(full=True)
    jsonschema.validate(full, FULL_SCHEMA)
    assert full["format"] == TRACE_FORMAT
    assert Verdict.from_json(verdict.to_json(full=True)) == verdict


def test_compact_document_is_an_order_of_magnitude_smaller() -> None:
    verdict = evaluate(office("near-miss-floor-area"), STAR)
    compact, full = len(verdict.to_json().encode()), len(verdict.to_json(full=True).encode())
    assert compact * 30 < full
    assert compact < 2_000  # the office's own facts are in its input record
    assert len(evaluate(office("failing-many"), STAR).to_json().encode()) < 3_200


def test_compact_document_lists_what_did_not_pass() -> None:
    verdict = evaluate(office("near-miss-floor-area"), STAR)
    document = verdict.to_dict(full=False)
    assert "floor_area" in document["not_passed"]["fail"]
    assert document["values"]["mediation_success_rate"] == pytest.approx(
        verdict.trace.step("mediation_success_rate").value)
    assert document["ruleset"]["hash"] == STAR.content_hash
    # the facts the failing criteria read, and no other; every option at its default
    assert document["facts"] == {"floor_area_m2": 180}
    assert document["facts_complete"] is False
    assert document["ruleset"]["options"] == {}


def test_a_failing_criterion_keeps_the_facts_behind_its_derived_value() -> None:
    document = evaluate(office("failing-many"), STAR).to_dict(full=False)
    assert "mediation_rate_98" in document["not_passed"]["fail"]
    facts = document["facts"]
    assert facts["disputes_mediated_count"] == 129 and facts["disputes_received_count"] == 138
    assert facts["signage_compliant"] == {"met": False,
                                          "evidence": "未使用统一形象标识,所牌为旧式 / 市局评审团"}
    assert "premises_independent" not in facts  # read only by criteria that passed


def test_options_other_than_the_defaults_are_written_and_read_back() -> None:
    automatic = STAR.with_options(revocation_mode="automatic", meeting_room_min_seats=10)
    data = office("revocation-major-problem")
    verdict = evaluate(data, automatic)
    document = verdict.to_dict(full=False)
    assert document["ruleset"]["options"] == {"meeting_room_min_seats": 10,
                                              "revocation_mode": "automatic"}
    for ruleset in (None, STAR, automatic):  # the document's options win over the ruleset's
        again = Verdict.from_json(verdict.to_json(), ruleset, office=data)
        assert again == verdict and again.options == automatic.program.options
    plain = evaluate(data, STAR)
    assert Verdict.from_json(plain.to_json(), automatic, office=data) == plain


def test_a_compact_verdict_without_its_facts_asks_for_the_office() -> None:
    data = office("near-miss-floor-area")
    text = evaluate(data, STAR).to_json()
    with pytest.raises(InputError, match="pass office=") as caught:
        Verdict.from_json(text)
    assert caught.value.problems[0].path == "facts"
    # an Office already validated is accepted too
    assert Verdict.from_json(text, office=STAR.parse_office(data)) == evaluate(data, STAR)


@pytest.mark.parametrize(("change", "path"), [
    ({"id": "someone-else"}, "id"),
    ({"floor_area_m2": 181}, "floor_area_m2"),  # a fact the document kept
    ({"premises_independent": False}, "row"),  # a fact it did not keep: the row differs
])
def test_a_compact_verdict_refuses_another_office(change: dict[str, Any], path: str) -> None:
    data = office("near-miss-floor-area")
    text = evaluate(data, STAR).to_json()
    other = {**data, **change}
    if path == "row":  # the first node that the change moves
        row, again = evaluate(data, STAR).trace.row, evaluate(other, STAR).trace.row
        path = next(n.id for n, a, b in zip(STAR.plan.nodes, again, row, strict=True) if a != b)
    with pytest.raises(InputError, match="not the one this verdict judged") as caught:
        Verdict.from_json(text, office=other)
    assert caught.value.problems[0].path == path


@pytest.mark.parametrize("stem", ["failing-many", "near-miss-floor-area"])
def test_the_first_compact_format_is_still_read(stem: str) -> None:
    """Files written before mingxing-verdict-compact/2 (every fact and option in each line)."""
    text = (REPO / "tests" / "formats" / "verdict-compact-1" / f"{stem}.json").read_text("utf-8")
    document = json.loads(text)
    assert document["format"] == "mingxing-verdict-compact/1"
    jsonschema.validate(document, COMPACT_1_SCHEMA)
    document["ruleset"]["hash"] = STAR.content_hash  # the format is tested, not the rules
    expected = evaluate(office(stem), STAR)
    assert Verdict.from_dict(document) == expected  # its facts are all there
    assert Verdict.from_dict(document, STAR, office=office(stem)) == expected
    assert Verdict.from_dict(document).to_json() == expected.to_json()  # written anew as /2


def test_a_compact_verdict_is_refused_under_other_rules(tmp_path: Path) -> None:
    text = (REPO / "rulesets" / "star-judicial-office.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "star-judicial-office.yaml"
    changed.write_text(text.replace("floor_area_m2 >= 200", "floor_area_m2 >= 180", 1),
                       encoding="utf-8")
    data = office("near-miss-floor-area")
    document = evaluate(data, STAR).to_json()
    with pytest.raises(InputError, match="pass the ruleset that judged it") as caught:
        Verdict.from_json(document, load_ruleset(changed), office=data)
    assert caught.value.problems[0].path == "ruleset.hash"
    assert Verdict.from_json(document, STAR, office=data).outcome == "NOT_ELIGIBLE"


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


def test_steps_of_one_kind_are_built_alone_and_agree_with_the_built_trace() -> None:
    trace = evaluate(office("failing-many"), STAR).trace
    standards = trace.of_kind("standard")
    assert [s.id for s in standards] == [n.id for n in STAR.plan.of_kind("standard")]
    assert trace._steps is None  # nothing else was built
    assert trace.of_kind("standard")[0] is standards[0] is trace.step(standards[0].id)
    built = {s.id: s for s in trace}
    assert all(built[s.id] == s for s in standards)
    assert [s.id for s in trace.of_kind("outcome")] == [
        s.id for s in built.values() if s.kind == "outcome"]
    again = Verdict.from_json(evaluate(office("failing-many"), STAR).to_json(full=True)).trace
    assert [s.id for s in again.of_kind("standard")] == [s.id for s in standards]


LATE = {"submitted_on": "2014-12-03"}  # also inadmissible: outranked by a revocation


@pytest.mark.parametrize(("name", "changes", "role"), [
    ("revocation-major-problem", LATE, "outranked"), ("promotion-blocked-by-incident", {}, "selected"),
    ("undecided-missing-count", {}, "possible"), ("star-by-assessment", {}, "selected")])
def test_outcome_roles_are_read_without_building_steps_and_agree_with_them(
        name: str, changes: dict[str, Any], role: str) -> None:
    data = {**office(name), **changes}
    trace = evaluate(data, STAR).trace
    roles = trace.roles()
    assert trace._steps is None and not trace._views  # no step was built
    assert roles == {s.id: s.role for s in trace if s.kind == "outcome"}
    assert role in roles.values()
    again = Verdict.from_json(evaluate(data, STAR).to_json(full=True)).trace
    assert again.roles() == roles


def test_steps_are_immutable_and_compare_by_value() -> None:
    verdict = evaluate(office("near-miss-floor-area"), STAR)
    step = verdict.trace.step("floor_area")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        step.status = Status.PASS  # type: ignore[misc]
    again = Step.from_dict(step.to_dict())
    assert again == step and hash(again) == hash(step)
    assert [r.name for r in step.reads] == ["floor_area_m2"]
    assert "floor_area" in repr(step)


def test_reading_the_failing_criteria_builds_only_those_steps(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`failing()` and `of_kind()` build a step view for each step they return and none other
    (the ~120 steps of the trace cost far more; speed itself is measured in benchmarks/)."""
    built: list[str] = []
    view = Step._view.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Step], info: Any, trace: Any, status: Any = None) -> Step:
        built.append(info.id)
        return view(cls, info, trace, status)  # type: ignore[no-any-return]

    monkeypatch.setattr(Step, "_view", classmethod(counted))
    trace = evaluate(office("failing-many"), STAR).trace
    failing = trace.failing()
    assert built == [s.id for s in failing]
    built.clear()
    standards = trace.of_kind("standard")
    assert built == [s.id for s in standards] and len(standards) == 20
    built.clear()
    [s.reads for s in trace]  # iterating builds every step
    assert len(built) == len(STAR.plan.nodes)


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
