"""Impact, flip search and ``diff --offices`` over a population with bad rows (issue 12, item 4):
every bad row is reported (id, field, message) and the rest is analysed; traces are built only
for the offices that flip."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from regression_helpers import AMENDMENT, OFFICES

from mingxing_rules import Ruleset, evaluate, load_ruleset
from mingxing_rules.errors import InputError
from mingxing_rules.regression import impact as impact_module
from mingxing_rules.regression.impact import (
    BadRow,
    Impact,
    find_verdict_changes,
    flip_search,
    impact,
    load_population,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from population import population


@pytest.fixture(scope="module")
def star() -> Ruleset:
    return load_ruleset("star-judicial-office")


@pytest.fixture(scope="module")
def amendment() -> Ruleset:
    return load_ruleset(AMENDMENT)


def _boundary_office() -> dict[str, Any]:
    office: dict[str, Any] = json.loads((OFFICES / "star-exact-boundaries.json").read_text("utf-8"))
    return office


def _inconsistent(office_id: str) -> dict[str, Any]:
    """Key and general released persons that do not add up to all released persons."""
    office = json.loads((OFFICES / "star-by-assessment.json").read_text("utf-8"))
    office["id"] = office_id
    office["general_released_count"] = office["released_persons_count"] + 10
    return office


def _population_with_bad_rows() -> list[Any]:
    good = load_population(OFFICES)
    wrong_type = dict(good[0], id="wrong-type", floor_area_m2="large")
    # the bad rows come first: a run that stopped at the first one would find no flip
    return [_inconsistent("inconsistent-1"), wrong_type, ["not", "an", "office"], *good,
            _inconsistent("inconsistent-2")]


def test_bad_rows_are_reported_and_the_rest_is_analysed(star: Ruleset,
                                                        amendment: Ruleset) -> None:
    offices = _population_with_bad_rows()
    report = impact(star, amendment, offices)
    assert report.total == len(offices)
    assert report.counts() == {("STAR", "NOT_ELIGIBLE"): 1}  # as without the bad rows
    assert [(b.row, b.office_id) for b in report.bad_rows] == [
        (1, "inconsistent-1"), (2, "wrong-type"), (3, None), (len(offices), "inconsistent-2")]
    inconsistent = report.bad_rows[0]
    assert "general_released_count" in inconsistent.field
    assert "released_persons_count" in inconsistent.field
    assert "constraint" in inconsistent.message
    assert report.bad_rows[1].field == "floor_area_m2"
    assert "large" in report.bad_rows[1].message
    assert report.bad_rows[2].field == "$"
    text = report.to_text()
    assert "4 rows could not be evaluated" in text
    assert "row 2 (wrong-type): floor_area_m2:" in text


def test_each_bad_row_says_what_the_evaluation_says(star: Ruleset, amendment: Ruleset) -> None:
    offices = _population_with_bad_rows()
    report = impact(star, amendment, offices)
    for bad in report.bad_rows:
        office = offices[bad.row - 1]
        if not isinstance(office, dict):
            continue
        with pytest.raises(InputError) as refused:
            evaluate(office, star, extra="ignore")
        for problem in refused.value.problems:
            assert problem.path in bad.field
            assert problem.message in bad.message


def test_bad_rows_round_trip_through_json(star: Ruleset, amendment: Ruleset) -> None:
    report = impact(star, amendment, _population_with_bad_rows())
    again = Impact.from_json(report.to_json())
    assert again == report
    assert again.bad_rows == report.bad_rows


def test_jsonl_population_with_unreadable_lines(tmp_path: Path, star: Ruleset,
                                                amendment: Ruleset) -> None:
    lines = [json.dumps(_inconsistent("inconsistent")), "{not json", "[1, 2]",
             json.dumps(_boundary_office()), '{"id": "twice", "id": "again"}']
    path = tmp_path / "population.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = impact(star, amendment, path)
    assert report.total == 5
    assert [f.office_id for f in report.flips] == ["star-exact-boundaries"]
    assert [(b.line, b.office_id) for b in report.bad_rows] == [
        (1, "inconsistent"), (2, None), (3, None), (5, None)]
    assert all(b.file == str(path) for b in report.bad_rows[1:])
    assert "duplicate key" in report.bad_rows[3].message


def test_directory_with_an_unreadable_file(tmp_path: Path, star: Ruleset,
                                           amendment: Ruleset) -> None:
    (tmp_path / "a-broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "b-boundary.json").write_text(json.dumps(_boundary_office()), encoding="utf-8")
    report = impact(star, amendment, tmp_path)
    assert [f.office_id for f in report.flips] == ["star-exact-boundaries"]
    assert [(b.row, b.file) for b in report.bad_rows] == [(1, str(tmp_path / "a-broken.json"))]


def test_a_failing_evaluation_is_a_bad_row_too(star: Ruleset, amendment: Ruleset,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = impact_module._outcome

    def fragile(ruleset: Ruleset, office: Any) -> str:
        if office.id == "star-exact-boundaries":
            raise ZeroDivisionError("a case nobody foresaw")
        return real(ruleset, office)

    monkeypatch.setattr(impact_module, "_outcome", fragile)
    report = impact(star, amendment, OFFICES)
    assert report.flips == ()
    assert [b.office_id for b in report.bad_rows] == ["star-exact-boundaries"]
    assert "ZeroDivisionError" in report.bad_rows[0].message


def test_search_with_bad_rows_in_the_population(star: Ruleset, amendment: Ruleset) -> None:
    offices = _population_with_bad_rows()
    found = find_verdict_changes(star, amendment, max_examples=60, population=offices)
    assert ("STAR", "NOT_ELIGIBLE") in {f.transition for f in found}
    assert [b.office_id for b in found.bad_rows] == [
        "inconsistent-1", "wrong-type", None, "inconsistent-2"]
    searched = flip_search(star, amendment, max_examples=60, population=offices)
    assert len(searched.bad_rows) == 4
    assert "4 rows of the population could not be evaluated" in searched.summary()


def test_traces_are_built_only_for_flips(star: Ruleset, amendment: Ruleset,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = impact_module._verdict

    def counting(ruleset: Ruleset, office: Any) -> Any:
        built.append(office.id)
        return real(ruleset, office)

    monkeypatch.setattr(impact_module, "_verdict", counting)
    offices = population(star, 300, seed=11)
    report = impact(star, star.with_options(revocation_mode="automatic"), offices)
    assert report.flips  # the population has flips, or the test would prove nothing
    assert sorted(built) == sorted(f.office_id for f in report.flips for _ in (0, 1))


@pytest.mark.parametrize("change", ["amendment", "option"])
def test_fast_path_gives_what_full_evaluation_gives(star: Ruleset, amendment: Ruleset,
                                                    change: str) -> None:
    new = amendment if change == "amendment" else star.with_options(revocation_mode="automatic")
    offices = [*population(star, 200, seed=11), *_population_with_bad_rows()]
    report = impact(star, new, offices)
    expected: dict[str, tuple[str, str]] = {}
    refused: set[str] = set()
    for office in offices:
        if not isinstance(office, dict):
            continue
        outcomes = []
        for ruleset in (star, new):
            try:
                outcomes.append(evaluate(office, ruleset, extra="ignore").outcome)
            except InputError:
                outcomes.append("INVALID")
        if outcomes == ["INVALID", "INVALID"]:
            refused.add(office["id"])
        elif outcomes[0] != outcomes[1]:
            expected[office["id"]] = (outcomes[0], outcomes[1])
    assert report.flips and {f.office_id: f.transition for f in report.flips} == expected
    assert {b.office_id for b in report.bad_rows} - {None} == refused


def test_cli_diff_shows_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mingxing_rules.cli import main

    path = tmp_path / "population.jsonl"
    path.write_text("\n".join([json.dumps(_inconsistent("inconsistent")), "{not json",
                               json.dumps(_boundary_office())]) + "\n", encoding="utf-8")
    status = main(["diff", "star-judicial-office", str(AMENDMENT), "--offices", str(path)])
    out = capsys.readouterr().out
    assert status == 1  # the verdict of the good office still changes
    assert "star-exact-boundaries: STAR -> NOT_ELIGIBLE" in out
    assert "2 rows could not be evaluated" in out
    assert "line 1 (inconsistent): " in out
    assert "line 2: $: not valid JSON" in out
    main(["diff", "star-judicial-office", str(AMENDMENT), "--offices", str(path),
          "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    bad = document["impact"]["bad_rows"]
    assert [(b["row"], b["office_id"]) for b in bad] == [(1, "inconsistent"), (2, None)]
    assert all(b["field"] and b["message"] for b in bad)


def test_bad_row_summary_names_where() -> None:
    bad = BadRow(3, "x", "floor_area_m2", "must be a number", 7, "offices.jsonl")
    assert bad.summary() == "offices.jsonl: line 7 (x): floor_area_m2: must be a number"
