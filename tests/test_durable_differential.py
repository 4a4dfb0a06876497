"""Differential property: durable_rules' Rete engine and the native evaluator agree everywhere.

For generated offices (numbers at every threshold's boundary, missing facts, honours, incidents,
Star titles, every ruleset file of the project, several option readings, and a ruleset using every
construct of the condition language), the durable backend must return the native row: every
derived value, criterion, standard, group, rule and outcome. Verdicts and traces are built from
the row by one function, so equal rows mean equal verdicts and traces (checked in full on a sample
as well). Each drawn office also yields three variants one to four facts away (a fact removed or
moved to a threshold): about 3,000 offices in all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("durable_rules_engine")

from durable_helpers import RULESET_FILES, exotic_text

from mingxing_rules import InputError, Ruleset, evaluate, load_ruleset
from mingxing_rules.backends.durable import DurableBackend
from mingxing_rules.backends.verified import row_differences
from mingxing_rules.ruleset.model import FactSpec, Threshold
from mingxing_rules.strategies import fact_values, offices, passing_offices

BACKEND = DurableBackend()
NOTABLE = {"honours": 0.3, "mediation_incidents": 0.3, "holds_star_title": 0.4,
           "major_problem": 0.2, "s01_premises_drop_justified": 0.3,
           "s17_team_drop_justified": 0.3}
_MISSING = object()
VARIANTS = 3  # offices derived from each drawn office: drawing a whole office is the slow part


def agree(ruleset: Ruleset, data: dict[str, Any]) -> None:
    try:
        office = ruleset.parse_office(data)
    except InputError:
        # an edit can make counts disagree (more resolved than mediated): such an office is
        # refused before any backend sees it, so there is nothing to compare
        return
    native = ruleset.program.full(office.facts)
    durable = BACKEND.row(ruleset.program, office)
    assert row_differences(ruleset.program, native, durable) == [], data


def notable(ruleset: Ruleset) -> dict[str, float]:
    facts = {f.name: f.type for f in ruleset.spec.facts}
    return {name: p for name, p in NOTABLE.items()
            if facts.get(name) in ("set", "boolean", "finding")}


def changes(ruleset: Ruleset) -> st.SearchStrategy[list[list[tuple[str, Any]]]]:
    """Edits that turn one drawn office into a few more: a fact removed, or set to another
    value (biased to the thresholds the ruleset compares it with)."""
    thresholds: dict[str, list[Threshold]] = {}
    for info in ruleset.program.layout:
        for threshold in info.thresholds:
            thresholds.setdefault(threshold.fact, []).append(threshold)
    facts = [f for f in ruleset.spec.facts if f.type != "text"]

    def edit(fact: FactSpec) -> st.SearchStrategy[tuple[str, Any]]:
        value = fact_values(fact, thresholds.get(fact.name), boundary=True)
        return st.one_of(st.just((fact.name, _MISSING)), value.map(lambda v: (fact.name, v)))

    one = st.sampled_from(facts).flatmap(edit)
    return st.lists(st.lists(one, min_size=1, max_size=4), min_size=VARIANTS,
                    max_size=VARIANTS)


def variants(data: dict[str, Any], edits: list[list[tuple[str, Any]]]
             ) -> list[dict[str, Any]]:
    found = [data]
    for group in edits:
        variant = dict(data)
        for name, value in group:
            if value is _MISSING:
                variant.pop(name, None)
            else:
                variant[name] = value
        found.append(variant)
    return found


def relative(path: Path) -> str:
    return str(path.relative_to(Path(__file__).resolve().parent.parent))


@pytest.mark.parametrize("path", RULESET_FILES, ids=relative)
def test_offices_at_the_boundaries_agree(path: Path) -> None:
    ruleset = load_ruleset(path)

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(offices(ruleset, missing=0.05, emphasise=notable(ruleset)), changes(ruleset))
    def check(data: dict[str, Any], edits: list[list[tuple[str, Any]]]) -> None:
        for office in variants(data, edits):
            agree(ruleset, office)

    check()


@pytest.mark.parametrize("path", RULESET_FILES, ids=relative)
def test_offices_with_missing_facts_agree(path: Path) -> None:
    ruleset = load_ruleset(path)

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from([0.2, 0.5, 0.9]).flatmap(
        lambda missing: offices(ruleset, missing=missing, emphasise=notable(ruleset))),
        changes(ruleset))
    def check(data: dict[str, Any], edits: list[list[tuple[str, Any]]]) -> None:
        for office in variants(data, edits):
            agree(ruleset, office)

    check()


STAR_READINGS = [
    {"revocation_mode": "automatic", "meeting_room_min_seats": 18},
    {"incident_blocks_promotion": False, "promotion_requires_application": True,
     "accept_2012_applications": True},
]


@pytest.mark.parametrize("options", STAR_READINGS, ids=["automatic-18", "procedure"])
def test_other_readings_of_the_star_ruleset_agree(options: dict[str, Any]) -> None:
    ruleset = load_ruleset("star-judicial-office", options=options)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(offices(ruleset, missing=0.15, emphasise=notable(ruleset)), changes(ruleset))
    def check(data: dict[str, Any], edits: list[list[tuple[str, Any]]]) -> None:
        for office in variants(data, edits):
            agree(ruleset, office)

    check()


def test_star_offices_agree() -> None:
    ruleset = load_ruleset("star-judicial-office")
    admissible = {"honours": [], "holds_star_title": False, "office_kind": "township",
                  "county_review_passed": True, "submitted_on": "2013-11-01",
                  "assessment_year": 2013, "major_problem": False}

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(passing_offices(ruleset, "STAR", fixed=admissible), changes(ruleset))
    def check(data: dict[str, Any], edits: list[list[tuple[str, Any]]]) -> None:
        assert evaluate(data, ruleset, backend="durable").outcome == "STAR"
        for office in variants(data, edits):  # one to four facts away from a Star office
            agree(ruleset, office)

    check()


@pytest.mark.parametrize("options", [{}, {"strict": True, "min_area": 5}],
                         ids=["defaults", "strict"])
def test_every_construct_agrees(tmp_path: Path, options: dict[str, Any]) -> None:
    path = tmp_path / "exotic.yaml"
    path.write_text(exotic_text(), encoding="utf-8")
    ruleset = load_ruleset(path, options=options or None)

    @settings(max_examples=110, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from([0.0, 0.2, 0.6]).flatmap(
        lambda missing: offices(ruleset, missing=missing)), changes(ruleset))
    def check(data: dict[str, Any], edits: list[list[tuple[str, Any]]]) -> None:
        for office in variants(data, edits):
            agree(ruleset, office)

    check()


def test_whole_verdicts_agree_on_a_sample() -> None:
    ruleset = load_ruleset("star-judicial-office")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(offices(ruleset, missing=0.2, emphasise=notable(ruleset)))
    def check(data: dict[str, Any]) -> None:
        native = evaluate(data, ruleset)
        durable = evaluate(data, ruleset, backend="durable")
        assert durable == native
        assert durable.to_dict() == native.to_dict()

    check()
