"""mutants(): every kind of single change, each detected by the flip search without a population
(or shown equivalent); refused changes say why; the mutation score's denominator is honest."""

from __future__ import annotations

import pytest

from mingxing_rules import diff_rulesets, load_ruleset
from mingxing_rules.regression.director import INVALID, UNDECIDED
from mingxing_rules.regression.impact import flip_search
from mingxing_rules.regression.mutants import KINDS, Mutant, equivalence, mutants

STAR = load_ruleset("star-judicial-office")

# one representative mutant per kind: (kind, target, index among that target's mutants of the
# kind, a transition the search must find; "*": any outcome)
REPRESENTATIVES = [
    ("threshold", "floor_area", 0, ("STAR", "NOT_ELIGIBLE")),  # >= 201
    ("comparator", "min_staff", 0, ("STAR", "NOT_ELIGIBLE")),  # > 7
    ("member", "functional_areas_complete", 3, ("NOT_ELIGIBLE", "STAR")),  # legal_aid dropped
    ("operand", "application_admissible", 1, ("INADMISSIBLE", "STAR")),  # county review dropped
    # a missing justification of a shortfall counted as given: a holder is retained
    ("literal", "s01_premises_lowered", 0, ("REVOCATION_RECOMMENDED", "RETAINED")),
    ("criterion_removed", "floor_area", 0, ("NOT_ELIGIBLE", "STAR")),
    ("outcome_removed", "STAR", 0, ("STAR", "NOT_ELIGIBLE")),
    ("outcome_removed", "DIRECT_PROMOTION", 0, ("DIRECT_PROMOTION", "STAR")),
    ("applies_if_removed", "mediation_rate_98", 0, ("STAR", UNDECIDED)),
    ("applies_if_negated", "mediation_rate_98", 0, ("NOT_ELIGIBLE", "STAR")),
    # mediated / resolved: above 100 % for every office that mediated more than it resolved
    ("derived", "mediation_success_rate", 0, ("*", INVALID)),
    ("option_default", "revocation_mode", 0, ("REVOCATION_RECOMMENDED", "REVOKED")),
    ("fact_range", "staff_count", 0, ("*", INVALID)),  # min 1: an office with 0 staff refused
]


def _mutant(kind: str, target: str, index: int) -> Mutant:
    found = list(mutants(STAR, kinds=[kind], targets=[target]))
    return found[index]


@pytest.mark.parametrize(("kind", "target", "index", "transition"), REPRESENTATIVES,
                         ids=[f"{k}-{t}" for k, t, _, _ in REPRESENTATIVES])
def test_each_kind_of_change_is_detected_without_a_population(
        kind: str, target: str, index: int, transition: tuple[str, str]) -> None:
    mutant = _mutant(kind, target, index)
    assert mutant.ruleset is not None and mutant.kind == kind
    assert equivalence(STAR, mutant).equivalent is not True
    found = flip_search(STAR, mutant.ruleset, max_examples=300)
    transitions = {f.transition for f in found.flips}
    matching = [t for t in transitions
                if all(want in ("*", got) for want, got in zip(transition, t, strict=True))]
    assert matching, (mutant.description, transitions)
    assert found.examples <= 300


def test_outcome_swap_is_detected() -> None:
    swaps = list(mutants(STAR, kinds=["outcome_swapped"]))
    retained_promotion = next(m for m in swaps if "RETAINED and DIRECT_PROMOTION" in
                              m.description)
    assert retained_promotion.ruleset is not None
    found = flip_search(STAR, retained_promotion.ruleset)
    assert ("RETAINED", "DIRECT_PROMOTION") in {f.transition for f in found.flips}


def test_the_tests_here_cover_every_kind() -> None:
    # standard_removed: refused on the Star ruleset (its lowering rules read every standard),
    # covered in test_changes_the_library_refuses_are_kept_with_the_reason
    covered = {kind for kind, _, _, _ in REPRESENTATIVES} | {
        "outcome_swapped", "rule_removed", "standard_removed"}
    assert covered == set(KINDS)


def test_a_mutant_differs_from_its_ruleset_by_exactly_its_change() -> None:
    mutant = _mutant("threshold", "floor_area", 1)
    assert mutant.description == "floor_area: floor_area_m2 >= 199 (was floor_area_m2 >= 200)"
    assert mutant.id == "threshold:floor_area:1"
    assert mutant.ruleset is not None
    diff = diff_rulesets(STAR, mutant.ruleset)
    assert [c.summary() for c in diff.semantic] == [
        "criterion floor_area condition: floor_area_m2 >= 199 (was >= 200)"]
    assert "F_floor_area_m2 >= 199" in mutant.ruleset.generated_source()


def test_changes_the_library_refuses_are_kept_with_the_reason() -> None:
    refused = {m.description: m.refused for m in mutants(
        STAR, kinds=["threshold", "comparator", "criterion_removed", "rule_removed"],
        targets=["adviser_coverage", "equipment_complete", "standards_met"], refused=True)
        if m.ruleset is None}
    assert refused["adviser_coverage: adviser_coverage_rate > 1 (was adviser_coverage_rate "
                   ">= 1)"].startswith("refused at load (E301)")
    assert refused["criterion equipment_complete removed from s02_equipment"] == (
        "s02_equipment has no criteria left")
    assert refused["rule standards_met removed"] == (
        "major_problem_bars_award reads standards_met, which no longer exists")
    # every standard is read by the rule that asks whether it was lowered (五, per standard):
    # removing one is refused with the reader named, never loaded half-wired
    removed = {m.description: m.refused for m in mutants(
        STAR, kinds=["standard_removed"], targets=["s17_team"], refused=True)}
    assert removed == {"standard s17_team removed from service":
                       "s17_team_lowered reads s17_team, which no longer exists"}


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown mutant kinds"):
        list(mutants(STAR, kinds=["typo"]))


@pytest.mark.parametrize(("kind", "target", "needle"), [
    ("rule_removed", "police_car_where_possible", "decide no outcome"),
    ("outcome_swapped", "decision", "can never be selected"),  # REVOKED <-> RECOMMENDED
    ("comparator", "in_campaign_period", "same value for every input"),  # see below
    ("outcome_removed", "REVOKED", "can never be selected"),
])
def test_equivalent_mutants_are_shown_equivalent(kind: str, target: str, needle: str) -> None:
    found = list(mutants(STAR, kinds=[kind], targets=[target]))
    # in_campaign_period: `assessment_year != 2012` where the option fixes the 2012 branch off
    mutant = next((m for m in found if "assessment_year != 2012" in m.description), found[0])
    shown = equivalence(STAR, mutant)
    assert shown.equivalent is True, (mutant.description, shown.reason)
    assert needle in shown.reason
    # and indeed no flip is found for it
    assert mutant.ruleset is not None
    assert flip_search(STAR, mutant.ruleset, max_examples=30).flips == ()


def test_swapping_outcomes_that_never_hold_together_is_equivalent() -> None:
    swap = next(m for m in mutants(STAR, kinds=["outcome_swapped"])
                if "REVOCATION_RECOMMENDED and RETAINED" in m.description)
    shown = equivalence(STAR, swap)
    assert shown.equivalent is True
    assert "never hold for one office: REVOCATION_RECOMMENDED/RETAINED" in shown.reason


def test_a_verdict_changing_mutant_is_never_claimed_equivalent() -> None:
    for mutant in mutants(STAR, targets=["min_staff"]):
        assert equivalence(STAR, mutant).equivalent is not True, mutant.description


def test_cli_lists_and_scores_mutants(capsys: pytest.CaptureFixture[str]) -> None:
    from mingxing_rules.cli import main

    code = main(["mutants", "--target", "min_staff", "--score"])
    out = capsys.readouterr().out
    assert code == 0
    assert "threshold:min_staff:0: min_staff: staff_count >= 8 (was staff_count >= 7)" in out
    assert out.count("[detected: ") == 4
    assert "mutation score: 4/4 = 100.0%" in out


def test_cli_lists_refused_mutants_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code = main_json = None
    from mingxing_rules.cli import main

    code = main(["mutants", "--target", "monthly_bulletin",
                 "--refused", "--format", "json"])
    main_json = json.loads(capsys.readouterr().out)
    assert code == 0
    assert main_json["counts"]["refused"] == 2
    assert {m["id"] for m in main_json["mutants"]} >= {"threshold:monthly_bulletin:0"}


def test_a_conjunct_an_option_makes_true_is_equivalent_when_dropped() -> None:
    # promotion_requires_application defaults to false: `not false or admissible` is true
    dropped = next(m for m in mutants(STAR, kinds=["operand"], targets=["promotion_route"])
                   if m.description.startswith(
                       "promotion_route: holds_promotion_title and applicant_is_office (was"))
    shown = equivalence(STAR, dropped)
    assert shown.equivalent is True
    assert shown.reason == "same value for every input: promotion_route"


def test_the_smt_solver_refutes_what_reasoning_cannot_show() -> None:
    pytest.importorskip("z3")
    stricter = _mutant("threshold", "min_staff", 0)
    assert equivalence(STAR, stricter).equivalent is None  # finite reasoning: not shown
    proved = equivalence(STAR, stricter, prove=True, timeout=30)
    assert proved.equivalent is False
    assert "SMT solver found offices" in proved.reason


def test_a_swapped_rate_is_found_by_the_director_alone() -> None:
    swapped = _mutant("derived", "mediation_rate", 0)  # received / mediated
    assert swapped.ruleset is not None
    found = flip_search(STAR, swapped.ruleset)
    assert found.flips and found.undirected == ""
    transitions = {f.transition for f in found.flips}
    assert any(new == INVALID for _, new in transitions)
    # where z3 is installed it settles the pairs the search leaves open, and finds the offices
    # with no dispute mediated: the swapped rate divides by zero (unknown), the old one did not
    assert all(new in (INVALID, UNDECIDED) for _, new in transitions), transitions
