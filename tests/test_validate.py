"""Ruleset validation: every problem reported at once, each with file:line, rule id and token."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_helpers import MINI, mini, write

from mingxing_rules import RulesetError, check_ruleset, load_ruleset


def broken(tmp_path: Path, old: str, new: str) -> RulesetError:
    assert old in MINI, old
    path = write(tmp_path, MINI.replace(old, new, 1))
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "code", "words"),
    [
        ("condition: staff >= 7", "condition: staf >= 7", "E201",
         ["unknown name 'staf'", "did you mean 'staff'", "staff_ok"]),
        ("condition: staff >= 7", "condition: staff >= 'seven'", "E202",
         ["cannot compare", "staff_ok"]),
        ("condition: staff >= 7", "condition: staff >= ", "E101", ["expected a value", "staff_ok"]),
        ("condition: staff >= 7", "condition: __import__('os')", "E203",
         ["unknown function '__import__'"]),
        ("condition: staff >= 7", "condition: staff.__class__", "E101", ["'.'"]),
        ("condition: staff >= 7", "condition: staff ** 10 ** 10 >= 1", "E207", ["exponent"]),
        ("condition: staff >= 7", "condition: kind == 'twon'", "E206",
         ["'twon'", "did you mean 'town'"]),
        ("condition: staff >= 7", "condition: remark == 'x'", "E202", ["text fact"]),
        ("condition: staff >= 7", "condition: range(1000000000) == 1", "E203",
         ["unknown function 'range'"]),
        ("            quote: 7名以上\n", "", "R301", ["staff_ok", "'quote'"]),
        ("- id: kit_ok", "- id: area_ok", "R201", ["'area_ok' is declared twice"]),
        ("effect: award", "effect: give", "R108", ["effect 'give'"]),
        ("condition: honoured", "condition: place_ok", "E201", ["unknown name 'place_ok'",
                                                                "did you mean 'place'"]),
        ("format: mingxing-rules/1", "format: mingxing-rules/9", "R111", ["not supported"]),
        ("id: PASSED", "id: UNDECIDED", "R202", ["reserved"]),
        ("area_m2: {type: number", "area_m2: {type: float", "R108", ["unknown fact type"]),
        ("condition: honoured", "condition: place and honoured2", "E201", ["honoured2"]),
    ],
)
def test_each_problem_names_code_line_rule_and_token(
    tmp_path: Path, old: str, new: str, code: str, words: list[str]
) -> None:
    error = broken(tmp_path, old, new)
    problem = next(p for p in error.problems if p.code == code)
    text = str(problem)
    for word in words:
        assert word in text, (word, text)
    assert problem.location.file and problem.location.file.endswith("rules.yaml")
    assert problem.location.line is not None
    assert f"rules.yaml:{problem.location.line}" in text


def test_line_numbers_are_the_lines_of_the_file(tmp_path: Path) -> None:
    text = MINI.replace("condition: staff >= 7", "condition: staf >= 7")
    expected_line = text.splitlines().index("            condition: staf >= 7") + 1
    error = broken(tmp_path, "condition: staff >= 7", "condition: staf >= 7")
    assert error.problems[0].location.line == expected_line
    assert error.problems[0].location.rule_id == "staff_ok"
    assert error.problems[0].location.path == (
        "groups[0].standards[1].criteria[0].condition")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (MINI.replace("condition: staff >= 7", "condition: staf >= 7")
            .replace("condition: honoured", "condition: honored")
            .replace("quote: 配齐设备", "qoute: 配齐设备"))
    problems = check_ruleset(write(tmp_path, text))
    codes = sorted(p.code for p in problems)
    assert codes.count("E201") == 2
    assert "R101" in codes  # the misspelt key, with a suggestion
    assert "R301" in codes  # and the missing citation it causes
    misspelt = next(p for p in problems if p.code == "R101")
    assert "did you mean 'quote'" in misspelt.message


def test_cycles_are_rejected(tmp_path: Path) -> None:
    error = broken(tmp_path, "condition: \"'gold' in honours\"", "condition: honoured")
    assert any(p.code == "R203" and "honoured -> honoured" in p.message for p in error.problems)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xfe not utf-8", "R001"),
        (b"a: &x [1]\nb: *x\n", "R004"),
        (b"a: !!python/object:os.system {}\n", "R005"),
        (b"a: 1\na: 2\n", "R003"),
        (b"", "R006"),
        (b"format: [unclosed\n", "R001"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused(tmp_path: Path, data: bytes, code: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    assert caught.value.problems[0].code == code
    assert "bad.yaml" in str(caught.value)


def test_options_are_validated(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match=r"unknown option 'min_are'.*did you mean 'min_area'"):
        mini(tmp_path, min_are=180)
    with pytest.raises(RulesetError, match="strict='yes': expected true or false"):
        mini(tmp_path, strict="yes")


def test_ruleset_error_is_a_value_error(tmp_path: Path) -> None:
    error = broken(tmp_path, "condition: staff >= 7", "condition: staf >= 7")
    assert isinstance(error, ValueError)
    assert error.location == error.problems[0].location


def test_the_bundled_ruleset_is_clean() -> None:
    assert [p for p in check_ruleset("star-judicial-office") if p.severity == "error"] == []


def test_unknown_bundled_name_suggests() -> None:
    with pytest.raises(RulesetError, match="did you mean 'star-judicial-office'"):
        load_ruleset("star-judicial-ofice")
