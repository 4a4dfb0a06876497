"""Every example office gives the verdict its note and ``examples/offices/README.md`` promise.

The expected outcomes are written here once, in a table, and cross-checked against the README
table and each office's note, so that a change to one of the three shows up as a failure.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import pytest
from star_helpers import EXAMPLES, FAIL, example, star, verdict_of

from mingxing_rules.engine.trace import Step


class Expected(NamedTuple):
    outcome: str
    failing: frozenset[str] | None = None  # exactly these criteria fail (None: not checked here)
    other: tuple[dict[str, Any], str] | None = None  # an option and the outcome it gives


def fails(*criteria: str) -> frozenset[str]:
    return frozenset(criteria)


EXPECTED: dict[str, Expected] = {
    "star-by-assessment": Expected("STAR", fails()),
    "star-exact-boundaries": Expected("STAR", fails()),
    "promotion-national-model": Expected("DIRECT_PROMOTION", fails("floor_area", "min_staff")),
    "promotion-national-advanced": Expected("DIRECT_PROMOTION", fails("monthly_bulletin")),
    "promotion-five-good": Expected("DIRECT_PROMOTION", fails(),
                                    ({"promotion_requires_application": True}, "UNDECIDED")),
    "promotion-provincial-excellent": Expected("DIRECT_PROMOTION",
                                               fails("quarterly_themed_activity")),
    # the incident itself (a civil-to-criminal case) fails 四(二)6, as the note says; the major
    # problem bars both paths to the title (interpretation point 4)
    "promotion-blocked-by-incident": Expected("WITHHELD", fails("no_mediation_incidents"),
                                              ({"incident_blocks_promotion": False},
                                               "DIRECT_PROMOTION")),
    "withheld-major-problem": Expected("WITHHELD", fails(),
                                       ({"major_problem_blocks_assessment": False}, "STAR")),
    # the mass petition also fails 四(二)6 (an incident; 391/408 = 95.8 % success): the major
    # problem is the ground either way, and the standards drop is no separate cause needed
    "revocation-major-problem": Expected("REVOCATION_RECOMMENDED",
                                         fails("no_mediation_incidents", "mediation_success_96"),
                                         ({"revocation_mode": "automatic"}, "REVOKED")),
    "revocation-lowered-standards": Expected("REVOCATION_RECOMMENDED",
                                             fails("min_staff", "no_vacant_posts"),
                                             ({"revocation_mode": "automatic"}, "REVOKED")),
    "retained-star": Expected("RETAINED", fails()),
    # temporary premises: 150 m² and a 12-seat room, both covered by the recorded justification
    "retained-justified-drop": Expected("RETAINED", fails("floor_area", "meeting_room")),
    # promoted at 170 m²: it cannot lower a standard it never met (interpretation point 6)
    "retained-promoted-never-met": Expected("RETAINED", fails("floor_area"),
                                            ({"promoted_star_held_to": "every_standard"},
                                             "REVOCATION_RECOMMENDED")),
    # the premises cause covers 四(一)1 only, not the banquet of 四(三)20
    "revocation-unjustified-other-standard": Expected("REVOCATION_RECOMMENDED",
                                                      fails("floor_area", "no_abuse_of_power")),
    "inadmissible-promotion-other-unit": Expected("INADMISSIBLE", fails()),
    "star-assistance-caseload": Expected("STAR", fails(),
                                         ({"released_rates_base": "assistance_caseload"},
                                          "NOT_ELIGIBLE")),
    "near-miss-floor-area": Expected("NOT_ELIGIBLE", fails("floor_area")),
    "near-miss-mediation-success": Expected("NOT_ELIGIBLE", fails("mediation_success_96")),
    "near-miss-staff": Expected("NOT_ELIGIBLE", fails("min_staff")),
    "near-miss-bulletins": Expected("NOT_ELIGIBLE", fails("monthly_bulletin")),
    "failing-many": Expected("NOT_ELIGIBLE"),
    "undecided-missing-count": Expected("UNDECIDED", fails()),
    "inadmissible-late": Expected("INADMISSIBLE", fails()),
    "inadmissible-county-review": Expected("INADMISSIBLE", fails()),
    "inadmissible-2012": Expected("INADMISSIBLE", fails(),
                                  ({"accept_2012_applications": True}, "STAR")),
    "inadmissible-not-judicial-office": Expected("INADMISSIBLE", fails()),
}

NAMES = sorted(EXPECTED)


def readme_rows() -> dict[str, tuple[str, str]]:
    """``file stem -> (expected outcome, with another option)`` from the README table."""
    rows: dict[str, tuple[str, str]] = {}
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        match = re.match(r"\|\s*`([\w-]+)\.json`\s*\|", line)
        if match:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[match.group(1)] = (cells[3].strip("`"), cells[4])
    return rows


def test_there_are_at_least_twelve_examples_and_all_are_in_the_table() -> None:
    files = sorted(p.stem for p in EXAMPLES.glob("*.json"))
    assert len(files) >= 12
    assert files == NAMES


def test_the_readme_table_agrees_with_this_table() -> None:
    rows = readme_rows()
    assert sorted(rows) == NAMES
    for name, (outcome, other) in rows.items():
        assert outcome == EXPECTED[name].outcome, name
        option = EXPECTED[name].other
        if option is None:
            assert other == "", name
        else:
            (key, value), = option[0].items()
            shown = json.dumps(value) if isinstance(value, bool) else str(value)
            assert option[1] in other and f"{key}: {shown}" in other, (name, other)


@pytest.mark.parametrize("name", NAMES)
def test_note_states_the_expected_outcome(name: str) -> None:
    office = example(name)
    assert office["id"] == name
    note = office["note"]
    assert f"expected verdict {EXPECTED[name].outcome}" in note, note
    assert f"预期结论:{EXPECTED[name].outcome}" in note, note


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_the_expected_outcome(name: str) -> None:
    verdict = verdict_of(example(name))
    expected = EXPECTED[name]
    assert verdict.outcome == expected.outcome, [s.id for s in verdict.trace.failing()]
    if expected.failing is not None:
        assert {s.id for s in verdict.trace.failing()} == expected.failing


@pytest.mark.parametrize("name", [n for n in NAMES if EXPECTED[n].other is not None])
def test_example_with_the_other_option(name: str) -> None:
    other = EXPECTED[name].other
    assert other is not None
    options, outcome = other
    assert verdict_of(example(name), **options).outcome == outcome


def _is_named(step: Step) -> None:
    """A failing criterion names its value(s), threshold(s) and clause."""
    assert step.clause.startswith("四(")
    assert step.quote
    assert step.thresholds
    assert step.reads and all(r.value is not None for r in step.reads)
    compared = {t.fact for t in step.thresholds}
    assert compared & {r.name for r in step.reads}


@pytest.mark.parametrize("name", NAMES)
def test_every_failing_criterion_is_named_with_value_threshold_and_clause(name: str) -> None:
    verdict = verdict_of(example(name))
    for step in verdict.trace.failing():
        assert step.status == FAIL
        _is_named(step)


def test_failing_many_fails_in_all_three_groups() -> None:
    verdict = verdict_of(example("failing-many"))
    failing = verdict.trace.failing()
    groups = {step.clause[:4] for step in failing}
    assert groups == {"四(一)", "四(二)", "四(三)"}
    note = example("failing-many")["note"]
    for criterion in ("floor_area", "mediation_rate_98", "correction_reoffending_1permille",
                      "min_staff", "director_degree", "township_ranking"):
        assert criterion in {s.id for s in failing}, (criterion, note)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"failing (\d+) criteria", readme)
    assert stated and int(stated.group(1)) == len(failing)


def test_near_miss_floor_area_trace() -> None:
    step = verdict_of(example("near-miss-floor-area")).trace.step("floor_area")
    assert [(r.name, r.value) for r in step.reads] == [("floor_area_m2", 180)]
    assert [(t.fact, t.op, t.value) for t in step.thresholds] == [("floor_area_m2", ">=", 200)]
    assert step.clause == "四(一)1"


def test_undecided_example_names_the_missing_count() -> None:
    verdict = verdict_of(example("undecided-missing-count"))
    assert verdict.missing_facts == ("disputes_resolved_count",)
    assert set(verdict.possible_outcomes) == {"STAR", "NOT_ELIGIBLE"}


def test_exact_boundaries_example_sits_on_every_boundary() -> None:
    office = example("star-exact-boundaries")
    assert office["floor_area_m2"] == 200
    assert office["meeting_room_seats"] == 20
    assert office["staff_count"] == 7
    assert office["intranet_computers_count"] == 1
    assert office["submitted_on"].endswith("-11-30")
    verdict = verdict_of(office)
    assert verdict.trace.step("key_targets_escorted").status.value == "not_applicable"
    for rate, value in [("mediation_rate", 0.98), ("mediation_success_rate", 0.96),
                        ("general_escort_rate", 0.8), ("resettlement_rate", 0.95)]:
        assert verdict.trace.step(rate).value == value
    # key and general targets add up to everyone released (the ruleset's constraint)
    assert office["key_released_count"] + office["general_released_count"] == office[
        "released_persons_count"]


def test_examples_parse_against_the_schema() -> None:
    ruleset = star()
    for name in NAMES:
        assert ruleset.parse_office(example(name)).id == name
