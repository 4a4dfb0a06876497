"""The search directed by the change: the four one-line amendments of issue 19, found without a
population, each with one example per transition that shows the facts that matter."""

from __future__ import annotations

from pathlib import Path

import pytest
from regression_helpers import AMENDMENT, variant

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.regression.director import (
    INVALID,
    Structure,
    constant_outcomes,
    direct_flips,
    node_equivalent,
    shared_nodes,
)
from mingxing_rules.regression.impact import find_verdict_changes, flip_search
from mingxing_rules.testing import VerdictChangeError, assert_same_verdicts

STAR = load_ruleset("star-judicial-office")
TITLES = "['national_model', 'national_advanced', 'five_good', 'provincial_excellent']"
AMENDMENTS = {
    "floor-180": ("condition: floor_area_m2 >= 200", "condition: floor_area_m2 >= 180"),
    "mediation-97": ("condition: mediation_success_rate >= 0.96",
                     "condition: mediation_success_rate >= 0.97"),
    "staff-8": ("condition: staff_count >= 7", "condition: staff_count >= 8"),
    "titles": (TITLES, "['national_model', 'national_advanced', 'five_good']"),
}


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("amendments")
    return {name: variant(folder, name, edit) for name, edit in AMENDMENTS.items()}


@pytest.fixture(scope="module")
def searched(amended):  # type: ignore[no-untyped-def]
    """Each amendment searched once, without a population, within 300 examples."""
    return {name: flip_search(STAR, new, max_examples=300) for name, new in amended.items()}


def _by_transition(searched, name):  # type: ignore[no-untyped-def]
    return {f.transition: f for f in searched[name].flips}


def test_floor_area_relaxed_finds_offices_that_now_win(amended, searched) -> None:  # type: ignore[no-untyped-def]
    flips = _by_transition(searched, "floor-180")
    flip = flips[("NOT_ELIGIBLE", "STAR")]
    assert flip.found_by == "search"
    assert [c.step_id for c in flip.causes] == ["floor_area"]
    assert 180 <= dict(flip.readings)["floor_area_m2"] < 200
    # a relaxation never takes an award away
    assert ("STAR", "NOT_ELIGIBLE") not in flips
    for found in flips.values():
        old, new = (evaluate(found.office, r).outcome for r in (STAR, amended["floor-180"]))
        assert (old, new) == found.transition  # every example is real


def test_mediation_success_raised_finds_offices_that_lose(searched) -> None:  # type: ignore[no-untyped-def]
    flips = _by_transition(searched, "mediation-97")
    flip = flips[("STAR", "NOT_ELIGIBLE")]
    assert [c.step_id for c in flip.causes] == ["mediation_success_96"]
    rate = dict(flip.readings)["mediation_success_rate"]
    assert 0.96 <= rate < 0.97


def test_mediation_success_raised_makes_a_holder_between_the_lines_a_revocation_case(
        searched) -> None:  # type: ignore[no-untyped-def]
    # the holder of the title whose rate falls between the two thresholds is now recommended
    # for revocation (standards lowered without cause)
    assert ("RETAINED", "REVOCATION_RECOMMENDED") in _by_transition(searched, "mediation-97")


def test_staff_raised_is_found_at_the_boundary(searched) -> None:  # type: ignore[no-untyped-def]
    flips = _by_transition(searched, "staff-8")
    flip = flips[("STAR", "NOT_ELIGIBLE")]
    assert dict(flip.readings)["staff_count"] == 7
    assert [c.step_id for c in flip.causes] == ["min_staff"]


def test_promotion_title_removed_moves_provincial_offices(searched) -> None:  # type: ignore[no-untyped-def]
    flips = _by_transition(searched, "titles")
    # only offices whose verdict reads the promotion titles move: those promotion decided (or
    # could have: UNDECIDED), and since 五 is read per standard (docs/interpretation.md §4, §6)
    # a Star holder's route (came_by_promotion: held to every standard or not) and the bar of a
    # major problem on an office that promotion would have named
    assert {old for old, _ in flips} <= {"DIRECT_PROMOTION", "UNDECIDED", "RETAINED",
                                          "WITHHELD"}
    assert {("DIRECT_PROMOTION", "STAR"), ("DIRECT_PROMOTION", "NOT_ELIGIBLE"),
            ("DIRECT_PROMOTION", "INADMISSIBLE")} <= set(flips)
    for flip in flips.values():
        assert flip.office["honours"] == ["provincial_excellent"]
    for transition in [t for t in flips if t[0] == "DIRECT_PROMOTION"]:
        assert [c.step_id for c in flips[transition].causes] == ["holds_promotion_title"]


def test_the_director_settles_the_amendments_without_undirected_draws(searched) -> None:  # type: ignore[no-untyped-def]
    for name in AMENDMENTS:
        result = searched[name]
        assert result.directed and result.flips, name
        assert result.undirected == "", name  # the director found them: no fallback ran
        assert result.examples <= 300
        # every pair of outcomes settled: by the search itself for the thresholds, with the
        # prover's help (z3, when installed) for the three pairs of the titles it leaves open
        assert result.complete or (name == "titles" and not _z3_installed()), name


def _z3_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("z3") is not None


def test_assert_same_verdicts_shows_facts_that_matter_and_both_explanations(amended) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(VerdictChangeError) as failure:
        assert_same_verdicts(STAR, amended["floor-180"], max_examples=300)
    message = str(failure.value)
    assert message.startswith("verdicts changed from star-judicial-office@2012.1")
    section = message[message.index(": NOT_ELIGIBLE -> STAR"):]
    section = section[:section.index("\n  directed-")] if "\n  directed-" in section else section
    assert "because criterion floor_area: FAIL -> PASS" in section
    assert "facts that matter: {'floor_area_m2': 180.0}" in section
    assert f"explanation under {STAR.key}:" in section
    assert f"explanation under {amended['floor-180'].key}:" in section
    # the explanations themselves, not only status lines
    assert "office floor area 180 m² is below the required 200 m²" in section
    assert "20 of 20 standards met." in section
    assert "allow={" in message and "('NOT_ELIGIBLE', 'STAR')" in message


def test_allow_accepts_the_intended_flips(amended, searched) -> None:  # type: ignore[no-untyped-def]
    meant = {f.transition for f in searched["staff-8"].flips}
    assert_same_verdicts(STAR, amended["staff-8"], allow=meant)


def test_offices_keep_only_the_facts_the_decision_needs(searched) -> None:  # type: ignore[no-untyped-def]
    office = _by_transition(searched, "titles")[("DIRECT_PROMOTION", "INADMISSIBLE")].office
    # inadmissible under the new version: the criteria of the standards are never read
    assert "floor_area_m2" not in office
    assert len(office) < 12


def test_shared_nodes_are_the_unchanged_ones(amended) -> None:  # type: ignore[no-untyped-def]
    old, new = Structure(STAR), Structure(amended["staff-8"])
    changed = set(old.nodes) - shared_nodes(old, new)
    assert "min_staff" in changed and "standards_met" in changed
    assert "floor_area" not in changed and "holds_promotion_title" not in changed


def test_the_option_fixes_revoked_false_by_default() -> None:
    assert constant_outcomes(STAR) == {"REVOKED"}
    assert constant_outcomes(STAR.with_options(revocation_mode="automatic")) == {
        "REVOCATION_RECOMMENDED"}


def test_node_equivalence_is_shown_or_refuted(amended) -> None:  # type: ignore[no-untyped-def]
    assert node_equivalent(STAR, amended["staff-8"], "min_staff") is False
    assert node_equivalent(STAR, STAR, "min_staff") is True


def test_the_example_amendment_is_settled_by_the_director() -> None:
    new = load_ruleset(AMENDMENT)
    result = direct_flips(STAR, new)
    assert {("NOT_ELIGIBLE", "STAR"), ("STAR", "NOT_ELIGIBLE")} <= set(result.offices)


def test_a_narrower_fact_range_is_a_flip_to_invalid(tmp_path: Path) -> None:
    narrower = variant(tmp_path, "staff-min-1", (
        "    unit: people\n    min: 0\n    title:\n      zh: 司法所人员数",
        "    unit: people\n    min: 1\n    title:\n      zh: 司法所人员数"))
    flips = find_verdict_changes(STAR, narrower)
    assert [f.transition[1] for f in flips] == [INVALID]
    assert flips[0].office["staff_count"] == 0


def test_identical_rulesets_need_no_search() -> None:
    result = flip_search(STAR, STAR, max_examples=50)
    assert result.flips == () and result.complete and result.examples == 0


def test_exhaustive_reasoning_is_refused_where_candidates_do_not_cover_every_case() -> None:
    from mingxing_rules.regression.director import analysable

    structure = Structure(STAR)
    # a date built from another fact: the candidate dates cannot cover every case
    assert not analysable(structure, structure.nodes["submitted_in_time"].condition)
    assert analysable(structure, structure.nodes["floor_area"].condition)
    assert analysable(structure, structure.nodes["functional_areas_complete"].condition)
    assert node_equivalent(STAR, STAR, "submitted_in_time") is None


NEW_CRITERION = """            condition: staff_count >= 7
          - id: party_member_in_team
            clause: 四(三)17
            quote: (hypothetical) at least one party member on the team
            title:
              zh: 至少一名党员
              en: at least one party member
            condition: party_members >= 1
"""
NEW_OUTCOME = """    - id: STAR
      effect: award
"""


def test_an_added_criterion_is_found_without_a_population(tmp_path: Path) -> None:
    added = variant(tmp_path, "added-criterion", ("            condition: staff_count >= 7\n",
                                                  NEW_CRITERION))
    flips = {f.transition: f for f in find_verdict_changes(STAR, added)}
    flip = flips[("STAR", "NOT_ELIGIBLE")]
    assert flip.office["party_members"] == 0
    assert {c.step_id for c in flip.causes} == {"s17_team", "party_member_in_team"}


def test_an_added_outcome_is_found_without_a_population(tmp_path: Path) -> None:
    honour = NEW_OUTCOME.replace("    - id: STAR\n      effect: award\n", (
        "    - id: STAR_WITH_LARGE_TEAM\n      effect: award\n      title:\n"
        "        zh: 大队伍明星司法所\n        en: Star office with a large team\n"
        "      clause: 四\n      condition: standards_met and staff_count >= 12\n"
        "    - id: STAR\n      effect: award\n"))
    added = variant(tmp_path, "added-outcome", (NEW_OUTCOME, honour))
    flips = {f.transition: f for f in find_verdict_changes(STAR, added)}
    assert flips[("STAR", "STAR_WITH_LARGE_TEAM")].office["staff_count"] >= 12


@pytest.mark.parametrize(("name", "pair"), [
    ("mediation-97", ("RETAINED", "REVOCATION_RECOMMENDED")),
    ("staff-8", ("UNDECIDED", "REVOCATION_RECOMMENDED")),
])
def test_backjumping_settles_one_threshold_amendments_without_the_prover(
        amended, name, pair) -> None:  # type: ignore[no-untyped-def]
    # a revocation ground among 20 standards × 3 ways of meeting each: chronological
    # backtracking ran out of 30,000 steps; a failure now jumps back to the choice that caused it
    result = direct_flips(STAR, amended[name], prover=False)
    assert result.complete and result.unsettled == () and result.by_prover == ()
    assert pair in result.offices and result.backjumps > 0
    assert result.solver_steps <= 25_000
    office = result.offices[pair]
    assert (evaluate(office, STAR).outcome, evaluate(office, amended[name]).outcome) == pair


def test_pairs_left_open_by_the_search_go_to_the_prover(amended) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("z3")
    new = amended["staff-8"]
    starved = direct_flips(STAR, new, budget=5, total_steps=20, prover=False)
    assert not starved.complete and starved.by_prover == ()
    proved = direct_flips(STAR, new, budget=5, total_steps=20)
    assert proved.complete and set(starved.unsettled) <= {*proved.by_prover, *proved.offices}
    assert ("UNDECIDED", "REVOCATION_RECOMMENDED") in proved.offices
    for pair, office in proved.offices.items():  # every witness confirmed by the engine
        assert (evaluate(office, STAR).outcome, evaluate(office, new).outcome) == pair
    # the witness keeps only the facts the flip needs
    assert len(proved.offices[("UNDECIDED", "REVOCATION_RECOMMENDED")]) < 6


def test_a_prover_witness_counts_only_if_the_engine_confirms_it(
        amended, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from mingxing_rules.regression.director import search, witness

    class Liar:
        def ask(self, old: str, new: str) -> witness.Answer:
            return witness.Answer("found", {"id": "lie"})  # no facts: flips nothing

    monkeypatch.setattr(search, "open_prover", lambda old, new: Liar())
    result = direct_flips(STAR, amended["staff-8"], budget=5, total_steps=20)
    assert not result.complete and result.by_prover == ()
    assert ("UNDECIDED", "REVOCATION_RECOMMENDED") in result.unsettled


def test_without_z3_the_director_does_without_the_prover(
        amended, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setitem(sys.modules, "z3", None)
    result = direct_flips(STAR, amended["staff-8"], budget=5, total_steps=20)
    assert not result.complete and result.by_prover == ()


def test_the_search_is_bounded_by_steps_and_by_time(amended) -> None:  # type: ignore[no-untyped-def]
    steps = direct_flips(STAR, amended["mediation-97"], total_steps=100, prover=False)
    assert steps.solver_steps <= 100 + 1 and not steps.complete
    timed = direct_flips(STAR, amended["mediation-97"], seconds=0.0, prover=False)
    assert not timed.complete and timed.solver_steps == 0


def test_a_derived_formula_that_changed_is_probed_for_offices_one_version_refuses() -> None:
    from mingxing_rules.regression.mutants import mutants

    # a rate turned into a difference: every pair of outcomes stays as it was, but offices whose
    # difference falls outside the declared 0..1 are now refused (a flip to INVALID)
    changed = next(m for m in mutants(STAR, kinds=["derived"], targets=["key_escort_rate"])
                   if "key_released_escorted_count - key_released_count" in m.description)
    assert changed.ruleset is not None
    result = direct_flips(STAR, changed.ruleset, prover=False)
    assert result.complete
    flips = [pair for pair in result.offices if pair[1] == INVALID]
    assert flips, result.offices
    office = result.offices[flips[0]]
    assert set(office) == {"id", "key_released_count", "key_released_escorted_count"}
