"""Rules over time: histories of versions, the version in force on a date, on="assessment"."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from core_helpers import MINI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingxing_rules import (
    InputError,
    RulesetError,
    bundled_rulesets,
    diff_rulesets,
    evaluate,
    load_ruleset,
)
from mingxing_rules.campaign import load_register
from mingxing_rules.campaign.cycle import run_cycle
from mingxing_rules.cli import main
from mingxing_rules.history import is_history_source, load_history

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
OFFICES = ROOT / "examples" / "offices"
D = dt.date


def office(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((OFFICES / f"{name}.json").read_text("utf-8"))
    return loaded


# ------------------------------------------------------------------------- the bundled history
def test_the_bundled_history_has_the_2012_text_and_the_illustrative_2014_amendment() -> None:
    history = load_history("star-judicial-office")
    assert history.id == "star-judicial-office"
    first, second = history.versions
    assert (first.version, first.start, first.end) == ("2012.1", D(2012, 8, 9), D(2013, 12, 31))
    assert (second.version, second.start, second.end) == ("2014.1", D(2014, 1, 1),
                                                          D(2015, 12, 31))
    assert first.path == RULESETS / "star-judicial-office.yaml"
    assert not first.illustrative and second.illustrative
    assert "ILLUSTRATIVE" in second.note
    spec = second.ruleset().spec
    assert "ILLUSTRATIVE" in spec.source_reference and "not an official" in spec.source_reference
    assert load_history("star-judicial-office.history") == history


def test_bundled_rulesets_still_name_one_ruleset() -> None:
    assert list(bundled_rulesets()) == ["star-judicial-office"]
    assert load_ruleset("star-judicial-office").version == "2012.1"


def test_the_2014_version_differs_from_2012_only_in_the_declared_amended_nodes() -> None:
    """If this fails after the 2012 file changed, resync the 2014 copy outside its amendments."""
    history = load_history("star-judicial-office")
    old, new = (v.ruleset() for v in history.versions)
    declared = set(history.versions[1].amends)
    diff = diff_rulesets(old, new)
    assert diff.changed_nodes == declared
    for change in diff.semantic:
        assert change.target in declared or (change.area, change.target, change.action) == (
            "fact", "mountain_township", "added"), change.summary()
    assert {c.field for c in diff.cosmetic if c.area == "ruleset"} <= {
        "version", "effective_from", "title", "source"}


@pytest.mark.parametrize(("day", "version"), [
    (D(2012, 8, 9), "2012.1"), (D(2013, 12, 31), "2012.1"), (D(2014, 1, 1), "2014.1"),
    (D(2014, 12, 1), "2014.1"), (D(2015, 12, 31), "2014.1"), ("2013-06-30", "2012.1"),
])
def test_load_ruleset_on_a_date_returns_the_version_in_force(day: D | str, version: str
                                                             ) -> None:
    assert load_ruleset("star-judicial-office", on=day).version == version


@pytest.mark.parametrize("day", [D(2012, 8, 8), D(2016, 1, 1)])
def test_no_version_in_force_is_an_error_naming_the_versions(day: D) -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset("star-judicial-office", on=day)
    (problem,) = caught.value.problems
    assert problem.code == "H201"
    assert f"in force on {day}" in problem.message
    assert "2012.1 (2012-08-09 .. 2013-12-31)" in problem.message


def test_a_bad_date_is_an_input_error() -> None:
    with pytest.raises(InputError, match="expected a date YYYY-MM-DD, found 'end of 2014'"):
        load_ruleset("star-judicial-office", on="end of 2014")


def test_evaluate_on_a_date_and_on_the_assessment_date() -> None:
    boundary = office("star-exact-boundaries")  # exactly 96 % mediation success
    assert evaluate(boundary).outcome == "STAR"
    assert evaluate(boundary, "star-judicial-office", on=D(2013, 12, 10)).outcome == "STAR"
    late = evaluate(boundary, "star-judicial-office", on=D(2014, 12, 1))
    assert (late.outcome, late.ruleset_version) == ("NOT_ELIGIBLE", "2014.1")
    assert late.trace.step("mediation_success_96").status.name == "FAIL"
    # its own submission date (2014-11-30) chooses 2014.1
    assert evaluate(boundary, on="assessment").ruleset_version == "2014.1"
    earlier = {**boundary, "submitted_on": "2013-11-20", "assessment_year": 2013}
    assert evaluate(earlier, on="assessment").ruleset_version == "2012.1"
    # without a submission date, the assessment year's assessment day (10 December)
    no_date = {k: v for k, v in boundary.items() if k != "submitted_on"}
    assert evaluate({**no_date, "assessment_year": 2013}, on="assessment"
                    ).ruleset_version == "2012.1"


def test_on_assessment_without_a_date_names_the_facts() -> None:
    bare = {"id": "x", "honours": ["five_good"]}
    with pytest.raises(InputError) as caught:
        evaluate(bare, on="assessment")
    assert caught.value.fields == ("submitted_on or assessment_year",)
    assert "has neither" in str(caught.value)
    with pytest.raises(InputError) as caught:
        evaluate({"id": "x", "submitted_on": "soon"}, on="assessment")
    assert caught.value.fields == ("submitted_on",)
    assert "'soon'" in str(caught.value)


def test_a_loaded_ruleset_keeps_its_options_when_dated() -> None:
    recommend = load_ruleset("star-judicial-office", options={"revocation_mode": "automatic"})
    dated = load_ruleset(recommend, on=D(2014, 6, 1))
    verdict = evaluate(office("revocation-major-problem"), recommend, on=D(2014, 6, 1))
    assert dated.version == "2014.1"
    assert dated.options["revocation_mode"] == "automatic"
    assert verdict.ruleset_version == "2014.1"
    assert dict(verdict.options)["revocation_mode"] == "automatic"
    amended = load_ruleset(RULESETS / "history" / "star-judicial-office-2014.yaml")
    assert evaluate(office("retained-star"), amended, on="2013-01-01").ruleset_version == "2012.1"


# ------------------------------------------------------------------------------ user histories
INDEX = """\
format: mingxing-rules-history/1
history:
  id: star-judicial-office
  versions:
    - file: a.yaml
      version: "2012.1"
      from: 2012-08-09
      until: {until_a}
    - file: b.yaml
      version: "2014.1"
      from: {from_b}
      until: 2015-12-31
"""


def _index(tmp_path: Path, until_a: str = "2013-12-31", from_b: str = "2014-01-01",
           text: str = INDEX) -> Path:
    shutil.copy(RULESETS / "star-judicial-office.yaml", tmp_path / "a.yaml")
    shutil.copy(RULESETS / "history" / "star-judicial-office-2014.yaml", tmp_path / "b.yaml")
    index = tmp_path / "star.history.yaml"
    index.write_text(text.format(until_a=until_a, from_b=from_b), "utf-8")
    return index


def _problem(source: Path) -> tuple[str, int | None, str]:
    with pytest.raises(RulesetError) as caught:
        load_history(source)
    problem = caught.value.problems[0]
    assert str(problem.location.file).endswith(".yaml")
    return problem.code, problem.location.line, problem.message


def test_a_user_index_file_and_its_directory(tmp_path: Path) -> None:
    index = _index(tmp_path)
    assert [v.version for v in load_history(index)] == ["2012.1", "2014.1"]
    assert [v.version for v in load_history(tmp_path)] == ["2012.1", "2014.1"]
    assert load_ruleset(index, on="2014-02-01").version == "2014.1"
    assert evaluate(office("star-exact-boundaries"), str(index), on="2015-01-01"
                    ).outcome == "NOT_ELIGIBLE"


def test_overlapping_periods_are_a_load_error_with_file_and_line(tmp_path: Path) -> None:
    code, line, message = _problem(_index(tmp_path, until_a="2014-03-31"))
    assert (code, line) == ("H101", 11)
    assert "2014.1 (2014-01-01 .. 2015-12-31) overlaps 2012.1 (2012-08-09 .. 2014-03-31" \
        in message
    assert "star.history.yaml:7" in message  # where the other period is declared


def test_a_gap_between_periods_is_a_load_error_with_file_and_line(tmp_path: Path) -> None:
    code, line, message = _problem(_index(tmp_path, from_b="2014-02-01"))
    assert (code, line) == ("H102", 11)
    assert "no version is in force from 2014-01-01 to 2014-01-31" in message


def test_index_problems_name_file_and_line(tmp_path: Path) -> None:
    wrong_version = INDEX.replace('version: "2014.1"', 'version: "2014.2"')
    assert _problem(_index(tmp_path, text=wrong_version))[:2] == ("H103", 10)
    unknown = INDEX.replace("      until: 2015-12-31", "      untill: 2015-12-31")
    code, line, message = _problem(_index(tmp_path, text=unknown))
    assert (code, line) == ("H002", 12) and "unknown key 'untill'" in message
    missing = INDEX.replace("file: b.yaml", "file: c.yaml")
    assert _problem(_index(tmp_path, text=missing))[:2] == ("H103", 9)
    early = INDEX.replace("from: 2012-08-09", "from: 2012-01-01")
    code, line, message = _problem(_index(tmp_path, text=early))
    assert (code, line) == ("H105", 7) and "own effective period" in message
    bad_fact = INDEX.replace("  versions:", "  assessment_date:\n    fact: assessment_year\n"
                             "  versions:")
    code, _, message = _problem(_index(tmp_path, text=bad_fact))
    assert code == "H106" and "no date fact 'assessment_year'" in message


def test_check_reports_the_problems_of_a_history_index(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mingxing_rules import check_ruleset

    assert check_ruleset(RULESETS / "history" / "star-judicial-office.history.yaml") == []
    index = _index(tmp_path, from_b="2014-02-01")
    assert [p.code for p in check_ruleset(index)] == ["H102"]
    assert main(["check", str(index)]) == 3
    assert "star.history.yaml:11:" in capsys.readouterr().out


def test_a_directory_of_files_uses_their_own_periods(tmp_path: Path) -> None:
    shutil.copy(RULESETS / "star-judicial-office.yaml", tmp_path / "a.yaml")
    shutil.copy(RULESETS / "history" / "star-judicial-office-2014.yaml", tmp_path / "b.yaml")
    # the 2012 file says it is in force until 2015-12-31: it overlaps the amendment
    with pytest.raises(RulesetError) as caught:
        load_history(tmp_path)
    problem = caught.value.problems[0]
    assert problem.code == "H101"
    assert problem.location.file is not None and problem.location.file.endswith("b.yaml")
    lines = (tmp_path / "b.yaml").read_text("utf-8").splitlines()
    assert problem.location.line == lines.index("    from: 2014-01-01") + 1
    text = (tmp_path / "a.yaml").read_text("utf-8").replace("until: 2015-12-31",
                                                            "until: 2013-12-31", 1)
    (tmp_path / "a.yaml").write_text(text, "utf-8")
    assert [str(v) for v in load_history(tmp_path)] == [
        "2012.1 (2012-08-09 .. 2013-12-31)", "2014.1 (2014-01-01 .. 2015-12-31)"]


def test_a_single_ruleset_file_is_a_history_of_one_version(tmp_path: Path) -> None:
    history = load_history(RULESETS / "star-judicial-office.yaml")
    assert [v.version for v in history] == ["2012.1"]
    assert not is_history_source(RULESETS / "star-judicial-office.yaml")
    assert is_history_source(RULESETS / "history" / "star-judicial-office.history.yaml")
    assert is_history_source("star-judicial-office.history")
    assert not is_history_source("star-judicial-office")


# ------------------------------------------------------------------------- property: in force
_VERSIONS = Path(tempfile.mkdtemp(prefix="mingxing-versions-"))
for _n in range(5):
    (_VERSIONS / f"v{_n}.yaml").write_text(
        MINI.replace('version: "1"', f'version: "v{_n}"').replace(
            "effective: {from: 2020-01-01}", "effective: {from: 2000-01-01}"), "utf-8")

@st.composite
def periods(draw: st.DrawFn) -> list[tuple[str, D, D | None]]:
    """Versions v0.. with periods that follow each other, one boundary sometimes moved (an
    overlap or a gap), the last sometimes open-ended, listed in any order."""
    base = D(2001, 1, 1) + dt.timedelta(days=draw(st.integers(0, 2000)))
    lengths = draw(st.lists(st.integers(0, 400), min_size=1, max_size=5))
    moved = draw(st.integers(1, max(1, len(lengths) - 1)))  # the boundary after version moved-1
    shift = draw(st.sampled_from([-1, 0, 1, 0, -3, 7, 0, -400]))
    declared: list[tuple[str, D, D | None]] = []
    first = base
    for n, length in enumerate(lengths):
        last = first + dt.timedelta(days=length)
        declared.append((f"v{n}", first, last))
        first = last + dt.timedelta(days=1 + (shift if n + 1 == moved else 0))
    if draw(st.booleans()):
        name, first, _ = declared[-1]
        declared[-1] = (name, first, None)
    return draw(st.permutations(declared))


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(declared=periods(), probes=st.lists(st.integers(-50, 4500), max_size=20))
def test_done_when_a_version_is_chosen_iff_its_period_contains_the_date(
        tmp_path_factory: pytest.TempPathFactory, declared: list[tuple[str, D, D | None]],
        probes: list[int]) -> None:
    base = D(2001, 1, 1)
    lines = ["format: mingxing-rules-history/1", "history:", "  id: mini", "  versions:"]
    for version, first, last in declared:
        lines += [f"    - file: {_VERSIONS / (version + '.yaml')}", f'      version: "{version}"',
                  f"      from: {first}"] + ([f"      until: {last}"] if last else [])
    index = tmp_path_factory.mktemp("h") / "mini.history.yaml"
    index.write_text("\n".join(lines) + "\n", "utf-8")

    def contains(first: D, last: D | None, day: D) -> bool:
        return first <= day and (last is None or day <= last)

    ordered = sorted(declared, key=lambda v: v[1])
    consistent = all(
        b_last is not None and a_first == b_last + dt.timedelta(days=1)
        for (_, b_first, b_last), (_, a_first, _) in itertools.pairwise(ordered))
    if not consistent:
        with pytest.raises(RulesetError) as caught:
            load_history(index)
        allowed = {"H101", "H102", "H104"}
        if any(first < D(2000, 1, 1) for _, first, _ in declared):
            # a boundary moved back by 400 days can start a period before the version files'
            # own effective period (from 2000-01-01): that is H105 as well
            allowed.add("H105")
        assert {p.code for p in caught.value.problems} <= allowed
        return
    history = load_history(index)
    for offset in probes:
        day = base + dt.timedelta(days=offset)
        holders = [v for v, first, last in declared if contains(first, last, day)]
        assert len(holders) <= 1
        if holders:
            assert history.in_force(day).version == holders[0]
            assert load_ruleset(index, on=day).version == holders[0]
        else:
            with pytest.raises(RulesetError, match="no version of mini is in force"):
                history.in_force(day)


# ------------------------------------------------------------------------------- campaign cycles
def test_a_campaign_over_the_history_judges_each_year_by_its_version() -> None:
    register = load_register(ROOT / "examples" / "city" / "register.jsonl")
    judged = {year: run_cycle(register, year, ruleset="star-judicial-office.history").judged_by
              for year in (2013, 2014, 2015)}
    assert judged == {2013: ("star-judicial-office@2012.1",),
                      2014: ("star-judicial-office@2014.1",),
                      2015: ("star-judicial-office@2014.1",)}
    one_file = run_cycle(register, 2015)
    assert one_file.judged_by == ("star-judicial-office@2012.1",)
    assert one_file.to_dict()["judged_by"] == ["star-judicial-office@2012.1"]
    dated = run_cycle(register, 2015, ruleset="star-judicial-office.history")
    lost = {d.office.id for d in one_file.awards} - {d.office.id for d in dated.awards}
    for decision in dated.decisions:
        if decision.office.id in lost:
            assert decision.verdict.trace.step("mediation_success_96").status.name == "FAIL"


def test_the_campaign_report_names_the_versions(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.html"
    register = ROOT / "examples" / "city" / "register.jsonl"
    assert main(["campaign", str(register), "--year", "2014", "--cycle", "--ruleset",
                 "star-judicial-office.history", "--out", str(report)]) == 0
    capsys.readouterr()
    page = report.read_text("utf-8")  # the Chinese page names versions as a bureau would
    assert "各所按评审时施行的标准审查" in page and "2014.1版" in page


def test_cli_evaluate_on(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(OFFICES / "star-exact-boundaries.json")
    assert main(["evaluate", path, "--on", "2014-12-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ruleset"]["version"] == "2014.1"
    assert main(["evaluate", path, "--on", "assessment", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "NOT_ELIGIBLE"
    assert main(["evaluate", path, "--on", "2011-01-01"]) == 3
    assert "H201" in capsys.readouterr().err
