"""impact and find_verdict_changes: which offices flip, from what to what, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from regression_helpers import AMENDMENT, OFFICES, variant

from mingxing_rules import load_ruleset
from mingxing_rules.errors import InputError
from mingxing_rules.regression.impact import find_verdict_changes, impact, load_population


@pytest.fixture(scope="module")
def star():  # type: ignore[no-untyped-def]
    return load_ruleset("star-judicial-office")


@pytest.fixture(scope="module")
def amendment():  # type: ignore[no-untyped-def]
    return load_ruleset(AMENDMENT)


def test_amendment_flips_the_exact_boundary_office_because_of_mediation(
        star, amendment) -> None:  # type: ignore[no-untyped-def]
    report = impact(star, amendment, OFFICES)
    assert report.total == len(list(OFFICES.glob("*.json")))
    assert report.counts() == {("STAR", "NOT_ELIGIBLE"): 1}
    (flip,) = report.flips
    assert flip.office_id == "star-exact-boundaries"
    assert [(c.step_id, c.old_status, c.new_status) for c in flip.causes] == [
        ("mediation_success_96", "PASS", "FAIL")]
    assert dict(flip.readings)["mediation_success_rate"] == pytest.approx(0.96)
    assert "STAR -> NOT_ELIGIBLE: 1" in report.to_text()


def test_population_forms_agree(star, amendment) -> None:  # type: ignore[no-untyped-def]
    records = load_population(OFFICES)
    frame = pd.DataFrame(records)  # facts absent from an office become NaN cells
    by_records = impact(star, amendment, records)
    by_frame = impact(star, amendment, frame)
    assert by_frame.counts() == by_records.counts()
    assert [f.office_id for f in by_frame.flips] == [f.office_id for f in by_records.flips]


def test_jsonl_population(tmp_path: Path, star, amendment) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "offices.jsonl"
    path.write_text("\n".join(json.dumps(o, ensure_ascii=False)
                              for o in load_population(OFFICES)), encoding="utf-8")
    assert impact(star, amendment, path).counts() == {("STAR", "NOT_ELIGIBLE"): 1}


def test_missing_population_file_is_an_input_error(star) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="no such file"):
        impact(star, star, "no/such/offices")


def test_option_flip_is_attributed_to_the_outcomes_reading_it(star) -> None:  # type: ignore[no-untyped-def]
    report = impact(star, star.with_options(revocation_mode="automatic"), OFFICES)
    assert set(report.counts()) == {("REVOCATION_RECOMMENDED", "REVOKED")}
    for flip in report.flips:
        assert {c.step_id for c in flip.causes} == {"REVOKED", "REVOCATION_RECOMMENDED"}


def test_search_finds_a_threshold_change_with_its_rule(tmp_path: Path, star) -> None:  # type: ignore[no-untyped-def]
    """A staff threshold 7 -> 8: offices with exactly 7 staff lose the award; the population
    (one Star office, with more staff) contains no such office, the search does."""
    stricter = variant(tmp_path, "staff-8", ("condition: staff_count >= 7",
                                             "condition: staff_count >= 8"))
    population = [json.loads((OFFICES / "star-by-assessment.json").read_text("utf-8"))]
    assert impact(star, stricter, population).flips == ()
    flips = find_verdict_changes(star, stricter, max_examples=60, population=population)
    by_transition = {f.transition: f for f in flips}
    assert ("STAR", "NOT_ELIGIBLE") in by_transition
    flip = by_transition[("STAR", "NOT_ELIGIBLE")]
    assert flip.found_by == "search"
    assert [c.step_id for c in flip.causes] == ["min_staff"]
    assert dict(flip.readings)["staff_count"] == 7  # shrunk to the boundary
    for found in flips:  # every flip is real and explained
        assert found.old_outcome != found.new_outcome
        assert [c.step_id for c in found.causes] == ["min_staff"]


def test_search_finds_amendment_flip_the_population_lacks(star, amendment) -> None:  # type: ignore[no-untyped-def]
    flips = find_verdict_changes(star, amendment, max_examples=200, population=OFFICES)
    by_transition = {f.transition: f for f in flips}
    assert by_transition[("STAR", "NOT_ELIGIBLE")].found_by == "population"
    mountain = by_transition[("NOT_ELIGIBLE", "STAR")]
    assert mountain.found_by == "search"
    assert [c.step_id for c in mountain.causes] == ["floor_area"]
    readings = dict(mountain.readings)
    assert readings["mountain_township"] is True
    assert 180 <= readings["floor_area_m2"] < 200


def test_identical_rulesets_have_no_flips(star) -> None:  # type: ignore[no-untyped-def]
    assert find_verdict_changes(star, star, max_examples=20) == []


@pytest.mark.parametrize("bad", [0, -3, True, 2.5])
def test_search_budget_is_validated(star, bad: object) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="max_examples"):
        find_verdict_changes(star, star, max_examples=bad)  # type: ignore[arg-type]


def test_cli_reports_diff_impact_and_search(capsys: pytest.CaptureFixture[str]) -> None:
    from mingxing_rules.cli import main

    star = Path(__file__).resolve().parent.parent / "rulesets/star-judicial-office.yaml"
    status = main(["diff", str(star), str(AMENDMENT),
                   "--offices", str(OFFICES), "--search", "100"])
    out = capsys.readouterr().out
    assert status == 1  # verdicts change
    assert "mediation_success_rate >= 0.97 (was >= 0.96)" in out
    assert "star-exact-boundaries: STAR -> NOT_ELIGIBLE" in out
    assert "NOT_ELIGIBLE -> STAR  [not in the population]" in out


def test_cli_no_change_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    from mingxing_rules.cli import main

    status = main(["diff", "star-judicial-office", "star-judicial-office", "--format", "json"])
    assert status == 0
    assert json.loads(capsys.readouterr().out)["diff"]["changes"] == []
