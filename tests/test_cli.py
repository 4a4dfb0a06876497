"""The command line: evaluate, check, schema, and their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core_helpers import MINI, write

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent  # independent of the working directory
OFFICES = ROOT / "examples" / "offices"
EXAMPLES = sorted(OFFICES.glob("*.json"))
NEAR_MISS_STAFF = str(OFFICES / "near-miss-staff.json")


def test_evaluate_prints_json_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--format", "json", NEAR_MISS_STAFF]) == 0
    compact = json.loads(capsys.readouterr().out)  # the compact verdict (issue 12)
    assert compact["format"] == "mingxing-verdict-compact/2"
    assert compact["outcome"] == "NOT_ELIGIBLE"
    criteria = set(load_ruleset("star-judicial-office").criteria())
    assert [n for n in compact["not_passed"]["fail"] if n in criteria] == ["min_staff"]
    assert main(["evaluate", "--format", "json-full", NEAR_MISS_STAFF]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["format"] == "mingxing-verdict/1"
    assert [s["id"] for s in verdict["trace"] if s["status"] == "fail"
            and s["kind"] == "criterion"] == ["min_staff"]


def test_evaluate_many_offices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--format", "json", *map(str, EXAMPLES)]) == 0
    verdicts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # JSON Lines
    assert len(verdicts) == len(EXAMPLES) >= 12


def test_bad_office_exits_2_naming_the_field(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "x", "floor_area_m2": "big"}), encoding="utf-8")
    assert main(["evaluate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "floor_area_m2" in err and "'big'" in err


def test_not_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope", encoding="utf-8")
    assert main(["evaluate", str(bad)]) == 2
    assert "bad.json:1:2: not valid JSON" in capsys.readouterr().err


def test_check_prints_every_problem_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, MINI.replace("staff >= 7", "staf >= 7").replace(
        "condition: honoured", "condition: honored"))
    assert main(["check", str(path)]) == 3
    out = capsys.readouterr().out.splitlines()
    problems = [line for line in out if "E201" in line]
    assert len(problems) == 2
    assert all("rules.yaml:" in line for line in problems)
    assert any("(rule staff_ok)" in line and "'staf'" in line for line in problems)


def test_check_clean_ruleset_exits_0() -> None:
    assert main(["check", str(ROOT / "rulesets" / "star-judicial-office.yaml")]) == 0


def test_option_override(capsys: pytest.CaptureFixture[str]) -> None:
    office = str(OFFICES / "revocation-major-problem.json")
    assert main(["evaluate", "--format", "json", "--option", 'revocation_mode="automatic"',
                 office]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "REVOKED"


def test_unknown_option_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--option", "nope=1", NEAR_MISS_STAFF]) == 3
    assert "unknown option 'nope'" in capsys.readouterr().err


def test_schema_is_the_published_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "star-judicial-office"]) == 0
    printed = json.loads(capsys.readouterr().out)
    published = json.loads((ROOT / "docs" / "office.schema.json").read_text(encoding="utf-8"))
    assert printed == published, "regenerate docs/office.schema.json with `mingxing schema`"


def test_examples_validate_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(load_ruleset("star-judicial-office")
                                                .office_schema())
    assert len(EXAMPLES) >= 12
    for path in EXAMPLES:
        validator.validate(json.loads(path.read_text(encoding="utf-8")))
