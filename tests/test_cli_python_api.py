"""The Python API behind the command line: options=, what_if mappings, Literal types, JSON
round trips on every result type, short reprs."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import pytest

from mingxing_rules import (
    Gap,
    Impact,
    RulesetDiff,
    Verdict,
    WhatIf,
    diff_rulesets,
    evaluate,
    evaluate_many,
    gap,
    impact,
    load_ruleset,
    render,
    what_if,
)
from mingxing_rules.engine.batch import BatchSummary, iter_evaluate
from mingxing_rules.types import BackendName, ExtraFacts, Format, Lang, OnError, StarOutcome

ROOT = Path(__file__).resolve().parent.parent
OFFICES = ROOT / "examples" / "offices"
STAR = load_ruleset("star-judicial-office")
AMENDED = load_ruleset(ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml")


def office(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OFFICES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def all_offices() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(OFFICES.glob("*.json"))]


def test_evaluate_takes_options() -> None:
    data = office("revocation-major-problem")
    assert evaluate(data, STAR).outcome != "REVOKED"
    verdict = evaluate(data, STAR, options={"revocation_mode": "automatic"})
    assert verdict.outcome == "REVOKED"
    assert dict(verdict.options)["revocation_mode"] == "automatic"
    assert evaluate(data, "star-judicial-office",
                    options={"revocation_mode": "automatic"}).outcome == "REVOKED"


def test_what_if_takes_a_mapping_as_well_as_keywords() -> None:
    data = office("near-miss-floor-area")
    by_mapping = what_if(data, STAR, {"floor_area_m2": 250})
    by_keywords = what_if(data, STAR, floor_area_m2=250)
    assert by_mapping.to_dict() == by_keywords.to_dict()
    assert by_mapping.after.outcome == "STAR"
    both = what_if(data, STAR, {"floor_area_m2": 250}, staff_count=3)
    assert dict(both.changes) == {"floor_area_m2": 250, "staff_count": 3}


@pytest.mark.parametrize(("function", "argument", "expected"), [
    (evaluate, "backend", BackendName),
    (evaluate, "extra", ExtraFacts),
    (render, "lang", Lang),
    (render, "fmt", Format),
    (Verdict.explain, "lang", Lang),
    (Gap.explain, "fmt", Format),
    (WhatIf.explain, "lang", Lang),
    (BatchSummary.explain, "lang", Lang),
    (iter_evaluate, "on_error", OnError),
    (evaluate_many, "backend", BackendName),
])
def test_enumerated_arguments_are_literal_types(function: Any, argument: str,
                                                expected: Any) -> None:
    import inspect

    import mingxing_rules.types as types_module

    annotation = inspect.signature(function).parameters[argument].annotation
    assert getattr(types_module, annotation) == expected  # the annotation names the alias
    assert typing.get_origin(expected) is typing.Literal


def test_star_outcome_lists_the_bundled_rulesets_outcomes() -> None:
    spec = STAR.spec
    assert set(typing.get_args(StarOutcome)) == {*spec.outcomes, spec.otherwise.id, "UNDECIDED"}


# -- JSON round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["STAR", "DIRECT_PROMOTION"])
def test_gap_round_trips_through_json(target: str) -> None:
    for data in all_offices():
        result = gap(data, STAR, target=target)
        again = Gap.from_json(result.to_json())
        assert again == result, data["id"]
        assert again.explain("zh") == result.explain("zh")


def test_what_if_round_trips_through_json() -> None:
    result = what_if(office("failing-many"), STAR, {"floor_area_m2": 250, "vehicles": None})
    again = WhatIf.from_json(result.to_json())
    assert again.to_dict() == result.to_dict()
    assert again.explain("zh") == result.explain("zh")
    assert again.before == result.before and again.flipped == result.flipped


def test_impact_and_diff_round_trip_through_json() -> None:
    report = impact(STAR, AMENDED, all_offices())
    again = Impact.from_json(report.to_json())
    assert again.to_dict() == report.to_dict()
    assert again.to_text() == report.to_text()
    diff = diff_rulesets(STAR, AMENDED)
    assert RulesetDiff.from_json(diff.to_json()).to_dict() == diff.to_dict()


def test_batch_summary_round_trips_through_json() -> None:
    summary = evaluate_many([*all_offices(), {"id": "bad", "staff_count": -1}], STAR).summary()
    again = BatchSummary.from_json(summary.to_json())
    assert again.to_dict() == summary.to_dict()
    for lang in ("zh", "en"):
        assert again.explain(lang) == summary.explain(lang)


def test_verdict_round_trips_through_json() -> None:
    data = office("undecided-missing-count")
    verdict = evaluate(data, STAR)
    assert Verdict.from_json(verdict.to_json(), office=data) == verdict
    assert Verdict.from_json(verdict.to_json(all_facts=True)) == verdict


# -- reprs -----------------------------------------------------------------------------------------


def test_reprs_are_short_and_say_what_matters() -> None:
    verdict = evaluate(office("near-miss-staff"), STAR)
    assert repr(verdict) == ("<Verdict near-miss-staff: NOT_ELIGIBLE; not met: min_staff "
                             "(star-judicial-office 2012.1)>")
    undecided = repr(evaluate(office("undecided-missing-count"), STAR))
    assert "UNDECIDED" in undecided and "disputes_resolved_count" in undecided
    many = evaluate_many(all_offices(), STAR)
    shown = [repr(verdict), undecided, repr(many.summary()), repr(impact(STAR, AMENDED,
             all_offices())), repr(diff_rulesets(STAR, AMENDED)),
             repr(gap(office("failing-many"), STAR))]
    for text in shown:
        assert len(text) < 240 and "\n" not in text and "options" not in text, text
    assert repr(many.summary()).startswith("<BatchSummary star-judicial-office")
