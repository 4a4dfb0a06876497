"""Re-assessment: offices, stored verdicts and decision records judged then and now."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import InputError, evaluate, load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.history import load_history
from mingxing_rules.reassess import office_from_verdict, reassess
from mingxing_rules.records import DecisionLog
from mingxing_rules.strategies import offices

ROOT = Path(__file__).resolve().parent.parent
OFFICES = ROOT / "examples" / "offices"
HISTORY = load_history("star-judicial-office")
OLD, NEW = (v.ruleset() for v in HISTORY.versions)
AMENDED = set(HISTORY.versions[1].amends)
D = dt.date


def _day(version: int) -> st.SearchStrategy[D]:
    period = HISTORY.versions[version]
    assert period.end is not None
    return st.dates(period.start, period.end)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(batch=st.lists(offices(NEW, boundaries_of=OLD, missing=0.1), min_size=1, max_size=4),
       version=st.integers(0, 1), data=st.data())
def test_done_when_reassessing_under_the_same_version_flips_nothing(
        batch: list[dict[str, object]], version: int, data: st.DataObject) -> None:
    then, now = data.draw(_day(version)), data.draw(_day(version))
    result = reassess(batch, then=then, now=now)
    assert result.flips == ()
    assert result.diffs == ()
    for row, office in zip(result.rows, batch, strict=True):
        assert row.then_version == row.now_version == HISTORY.versions[version].version
        assert row.old_outcome == row.new_outcome == evaluate(
            office, HISTORY.versions[version].ruleset(), extra="ignore").outcome


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(batch=st.lists(offices(NEW, boundaries_of=OLD, missing=0.1), min_size=1, max_size=4),
       then=_day(0), now=_day(1))
def test_flips_across_versions_are_explained_by_the_amended_rules(
        batch: list[dict[str, object]], then: D, now: D) -> None:
    result = reassess(batch, then=then, now=now)
    for row, office in zip(result.rows, batch, strict=True):
        old = evaluate(office, OLD, extra="ignore").outcome
        new = evaluate(office, NEW, extra="ignore").outcome
        assert (row.old_outcome, row.new_outcome) == (old, new)
        assert row.flipped == (old != new)
        if row.flipped:
            assert row.causes
            assert {c.step_id for c in row.causes} <= AMENDED | {"decision"}


def test_the_example_offices_from_2013_to_2015() -> None:
    result = reassess(OFFICES, then="2013-12-10", now="2015-12-10")
    assert len(result.rows) == len(list(OFFICES.glob("*.json")))
    (flip,) = result.flips
    assert (flip.office_id, flip.old_outcome, flip.new_outcome) == (
        "star-exact-boundaries", "STAR", "NOT_ELIGIBLE")
    assert [c.step_id for c in flip.causes] == ["mediation_success_96"]
    text = result.to_text()
    assert "1 verdict(s) change" in text
    assert "star-judicial-office@2012.1 -> star-judicial-office@2014.1: 3 rule change(s)" in text
    assert "mediation_success_rate >= 0.97 (was >= 0.96)" in text
    data = result.to_dict()
    assert data["flips"] == 1 and data["transitions"] == [
        {"old": "STAR", "new": "NOT_ELIGIBLE", "count": 1}]


def test_stored_verdicts_are_judged_again_from_the_facts_they_read() -> None:
    office = json.loads((OFFICES / "star-exact-boundaries.json").read_text("utf-8"))
    stored = evaluate(office, on="2013-12-10").to_dict()
    rebuilt = office_from_verdict(stored)
    assert evaluate(rebuilt, OLD).to_dict() == stored
    (row,) = reassess([stored], now="2015-01-01").rows
    assert (row.source, row.then_day, row.then_version) == ("verdict", None, "2012.1")
    assert (row.old_outcome, row.new_outcome) == ("STAR", "NOT_ELIGIBLE")
    (again,) = reassess([stored], then="assessment", now="2015-01-01").rows
    assert (again.then_day, again.then_version) == (D(2014, 11, 30), "2014.1")
    assert not again.flipped


def test_a_decision_log_is_reassessed_from_its_records(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    with DecisionLog(path) as log:
        for name in ("star-exact-boundaries", "star-by-assessment", "near-miss-staff"):
            office = json.loads((OFFICES / f"{name}.json").read_text("utf-8"))
            log.evaluate(office, on="2013-12-10")
    result = reassess(path, now="2015-12-31")
    assert [r.source for r in result.rows] == ["record"] * 3
    assert [r.then_day for r in result.rows] == [D(2013, 12, 10)] * 3
    assert [r.office_id for r in result.flips] == ["star-exact-boundaries"]


def test_now_defaults_to_the_last_day_of_an_ended_history() -> None:
    (row,) = reassess([{"id": "x", "assessment_year": 2013}]).rows
    assert row.now_day == D(2015, 12, 31) and row.now_version == "2014.1"
    assert row.then_version == "2012.1"


def test_an_office_without_an_assessment_date_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="submitted_on or assessment_year"):
        reassess([{"id": "x"}], now="2015-01-01")


def test_cli_reassess(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reassess", str(OFFICES), "--then", "2013-12-10", "--now", "2015-12-10"]) == 1
    out = capsys.readouterr().out
    assert "star-exact-boundaries: STAR (2012.1, 2013-12-10) -> NOT_ELIGIBLE" in out
    assert "because criterion mediation_success_96: PASS -> FAIL" in out
    assert main(["reassess", str(OFFICES / "star-by-assessment.json"), "--then",
                 "2014-02-01", "--now", "2015-12-10", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["flips"] == 0 and data["rows"][0]["then"]["version"] == "2014.1"
    assert main(["reassess", str(tmp_path / "missing.json"), "--now", "2015-01-01"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["reassess", str(OFFICES), "--then", "2011-01-01"]) == 3
    assert "H201" in capsys.readouterr().err


def test_reassess_with_options() -> None:
    office = json.loads((OFFICES / "revocation-major-problem.json").read_text("utf-8"))
    (row,) = reassess([office], then="2013-12-10", now="2015-12-10",
                      options={"revocation_mode": "automatic"}).rows
    assert row.old_outcome == row.new_outcome == evaluate(
        office, load_ruleset("star-judicial-office",
                             options={"revocation_mode": "automatic"})).outcome


def test_the_history_example_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    log = tmp_path / "decisions.sqlite"
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "history" / "story.py"),
                           str(log)], capture_output=True, text=True, check=False, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    offices = len(list((ROOT / "examples" / "offices").glob("*.json")))  # one decision each
    assert f"1. recorded {offices} decisions" in done.stdout
    assert "star-exact-boundaries: STAR (2012.1, 2013-12-10) -> NOT_ELIGIBLE" in done.stdout
    assert f"{offices} reproduced" in done.stdout
    with DecisionLog(log) as opened:
        assert len(opened) == offices


@pytest.mark.parametrize("verdict", [
    {"format": "mingxing-verdict/1", "office": {"id": "x"}, "ruleset": "2012.1", "trace": 5},
    {"format": "mingxing-verdict/1", "office": None, "trace": [1, {"reads": [2, {"x": 1}]}]},
])
def test_a_malformed_stored_verdict_is_read_as_far_as_it_goes(verdict: dict[str, object]
                                                              ) -> None:
    office = office_from_verdict(verdict)
    assert set(office) <= {"id"}
    with pytest.raises(InputError, match=r"submitted_on or assessment_year"):
        reassess([verdict], now="2015-01-01")
