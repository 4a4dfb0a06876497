"""One command-line framework: shared options, inputs, JSON shapes, errors and exit codes."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from mingxing_rules import __version__
from mingxing_rules.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
OFFICES = ROOT / "examples" / "offices"
STAFF = str(OFFICES / "near-miss-staff.json")
FLOOR = str(OFFICES / "near-miss-floor-area.json")
REGISTER = str(ROOT / "examples" / "city" / "register.jsonl")
STAR = str(ROOT / "rulesets" / "star-judicial-office.yaml")
AMENDMENT = str(ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml")
COUNT = len(list(OFFICES.glob("*.json")))


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")),
                                                           encoding="utf-8"))
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse: --help, --version, usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def subparsers() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


# -- the parser ------------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"mingxing {__version__}"


def test_every_command_and_flag_has_its_own_help_text() -> None:
    descriptions = {}
    for command, parser in subparsers().items():
        assert parser.description, command
        descriptions[command] = parser.description
        for action in parser._actions:
            assert action.help and action.help.strip(), (command, action.dest)
    assert descriptions["gap"] != descriptions["explain"]
    assert len(set(descriptions.values())) == len(descriptions)


@pytest.mark.parametrize("dest", ["ruleset", "option", "lang", "format", "out", "backend",
                                  "encoding", "quiet"])
def test_shared_options_are_defined_once(dest: str) -> None:
    """The same flag, default and (apart from --format's per-command choices) help everywhere."""
    found = [(command, action) for command, parser in subparsers().items()
             for action in parser._actions if action.dest == dest]
    assert found, dest
    flags = {tuple(a.option_strings) for _, a in found}
    # --format defaults to text wherever text is a choice (schema prints JSON only)
    defaults = {json.dumps(a.default) for _, a in found if dest != "format"
                or "text" in (a.choices or ())}
    assert len(flags) == 1 and len(defaults) == 1, (dest, flags, defaults)
    if dest == "lang":
        assert {tuple(a.choices or ()) for _, a in found} == {("zh", "en", "both")}
        assert {c for c, _ in found} >= {"evaluate", "explain", "gap", "campaign"}
    if dest == "format":
        assert all("json" in (a.choices or ()) for _, a in found)
        assert len(found) == len(subparsers())  # --format json on every command


def test_a_typo_shows_the_commands_usage_and_a_suggestion(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", STAFF, "--formt", "json")
    assert code == 2
    assert err.startswith("usage: mingxing evaluate")
    assert "mingxing: error: unrecognized arguments: --formt (did you mean --format?)" in err


@pytest.mark.parametrize("args", [
    ["evaluate", "--lang", "fr", STAFF],
    ["campaign", REGISTER, "--apply"],
    ["campaign", "nope.jsonl"],
    ["evaluate", "nope.json"],
    ["check", "nope.yaml"],
    ["explain"],
])
def test_one_error_prefix(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    errors = [line for line in err.splitlines() if "error" in line]
    assert errors and all(line.startswith("mingxing: error: ") for line in errors), err


# -- inputs ----------------------------------------------------------------------------------------


def test_evaluate_takes_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", str(OFFICES), "--format", "json")
    assert code == 0 and len(out.splitlines()) == COUNT


def test_evaluate_takes_a_quoted_glob_and_names_it_once_when_nothing_matches(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "evaluate", str(OFFICES / "near-miss-*.json"), "--format",
                       "json")
    assert code == 0 and len(out.splitlines()) == 4
    code, _, err = run(capsys, "evaluate", str(OFFICES / "nothing-*.json"))
    assert code == 2 and err.count("nothing-*.json") == 1


def test_batch_takes_a_directory_and_stdin(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "evaluate", "--batch", str(OFFICES), "--format", "json")
    assert code == 0 and len(out.splitlines()) == COUNT
    lines = "".join(json.dumps(json.loads(p.read_text("utf-8")), ensure_ascii=False) + "\n"
                    for p in sorted(OFFICES.glob("*.json")))
    code, out, err = run(capsys, "evaluate", "--batch", "-", "--format", "json", stdin=lines,
                         monkeypatch=monkeypatch)
    assert code == 0, err
    assert [json.loads(line)["office"]["id"] for line in out.splitlines()] == [
        p.stem for p in sorted(OFFICES.glob("*.json"))]


def test_campaign_and_check_read_stdin(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    register = Path(REGISTER).read_text(encoding="utf-8")
    code, out, _ = run(capsys, "campaign", "-", "--year", "2013", "--format", "json",
                       stdin=register, monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out)["rows"][-1]["scope"] == "city"
    ruleset = Path(STAR).read_text(encoding="utf-8")
    code, _, err = run(capsys, "check", "-", stdin=ruleset, monkeypatch=monkeypatch)
    assert code == 0 and "<stdin>: 0 error(s)" in err
    broken = ruleset.replace("floor_area_m2 >= 200", "floor_aera_m2 >= 200", 1)
    code, out, _ = run(capsys, "check", "-", stdin=broken, monkeypatch=monkeypatch)
    assert code == 3 and out.startswith("<stdin>:")


def test_check_takes_a_directory_and_a_glob(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    shutil.copy(STAR, tmp_path / "a.yaml")
    shutil.copy(STAR, tmp_path / "b.yaml")
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and err.count("0 error(s)") == 2
    code, _, err = run(capsys, "check", str(tmp_path / "*.yaml"))
    assert code == 0 and err.count("0 error(s)") == 2


def test_diff_takes_a_directory_of_offices_and_says_which_side_is_wrong(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", STAR, AMENDMENT, "--offices", str(OFFICES), "--format",
                       "json")
    assert code == 1 and json.loads(out)["impact"]["total"] == COUNT
    code, _, err = run(capsys, "diff", "nope.yaml", STAR)
    assert code == 3 and err.startswith("mingxing: error: OLD ruleset nope.yaml:")
    code, _, err = run(capsys, "diff", STAR, "nope.yaml")
    assert code == 3 and err.startswith("mingxing: error: NEW ruleset nope.yaml:")


def test_a_ruleset_can_come_from_stdin_or_a_glob(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    amendment = Path(AMENDMENT).read_text(encoding="utf-8")
    code, out, err = run(capsys, "diff", STAR, "-", "--format", "json", stdin=amendment,
                         monkeypatch=monkeypatch)
    assert code == 0, err
    assert json.loads(out)["diff"]["new"].startswith("star-judicial-office@2014")
    code, out, _ = run(capsys, "evaluate", STAFF, "--format", "json", "--ruleset",
                       str(Path(AMENDMENT).parent / "*.yaml"))
    assert code == 0 and json.loads(out)["ruleset"]["version"].startswith("2014")


# -- --format json on every command ----------------------------------------------------------------


def test_evaluate_json_is_json_lines_for_one_office_or_many(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, one, _ = run(capsys, "evaluate", STAFF, "--format", "json")
    _, two, _ = run(capsys, "evaluate", STAFF, FLOOR, "--format", "json")
    assert len(one.splitlines()) == 1 and len(two.splitlines()) == 2
    assert json.loads(one.splitlines()[0]) == json.loads(two.splitlines()[0])


@pytest.mark.parametrize(("args", "code", "key"), [
    (["explain", STAFF], 0, "outcome"),
    (["gap", STAFF], 1, "groups"),
    (["check", STAR], 0, None),
    (["schema"], 0, "$schema"),
    (["diff", STAR, STAR], 0, "diff"),
    (["campaign", REGISTER, "--year", "2013"], 0, "rows"),
])
def test_every_command_prints_json(capsys: pytest.CaptureFixture[str], args: list[str],
                                   code: int, key: str | None) -> None:
    got, out, err = run(capsys, *args, "--format", "json")
    assert got == code, err
    if key is None:  # check: JSON Lines, one problem per line (none for the bundled ruleset)
        assert all(json.loads(line)["code"] for line in out.splitlines())
    else:
        assert key in json.loads(out)


def test_check_json_lists_each_problem(capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    text = Path(STAR).read_text(encoding="utf-8").replace("floor_area_m2 >= 200",
                                                          "floor_aera_m2 >= 200", 1)
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(tmp_path / "bad.yaml"), "--format", "json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 3 and records[0]["code"] == "E201" and records[0]["line"] > 1
    assert records[0]["severity"] == "error" and records[0]["file"].endswith("bad.yaml")


# -- what used to be silently wrong ---------------------------------------------------------------


def test_out_on_plain_evaluate_writes_the_table(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    code, _, _ = run(capsys, "evaluate", STAFF, "--out", str(out))
    assert code == 0 and out.exists()
    assert "near-miss-staff" in out.read_text(encoding="utf-8-sig")


def test_check_strict_accepts_the_bundled_ruleset(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--strict", STAR)[0] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["campaign", REGISTER, "--option", "x=1"], "--ruleset and --option apply with --cycle only"),
    (["campaign", REGISTER, "--ruleset", STAR], "--ruleset and --option apply with --cycle"),
    (["campaign", REGISTER, "--no-chart"], "--no-chart applies with --out"),
    (["evaluate", STAFF, "--encoding", "utf-8"], "--encoding applies to a file written"),
    (["evaluate", "--batch", STAFF, STAFF], "not both"),
    (["check", STAR, "--lang", "zh"], "unrecognized arguments: --lang"),
    (["schema", "--out", "x"], "unrecognized arguments: --out"),
])
def test_options_that_do_not_apply_are_refused(capsys: pytest.CaptureFixture[str],
                                               args: list[str], message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err


def test_encoding_is_refused_for_json_lines(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    code, _, err = run(capsys, "evaluate", STAFF, "--out", str(tmp_path / "r.jsonl"),
                       "--encoding", "gb18030")
    assert code == 2 and "--encoding applies to a .csv" in err
    assert not (tmp_path / "r.jsonl").exists()


@pytest.mark.parametrize("args", [
    ["evaluate", STAFF],
    ["explain", STAFF],
    ["gap", STAFF],
    ["schema"],
    ["campaign", REGISTER, "--cycle"],
    ["diff", STAR, STAR, "--new-option"],
])
def test_one_option_parser_with_one_message(capsys: pytest.CaptureFixture[str],
                                            args: list[str]) -> None:
    flag = "--option" if args[-1] != "--new-option" else args.pop()
    code, _, err = run(capsys, *args, flag, "novalue")
    assert code == 3
    assert err.strip() == f"mingxing: error: {flag} 'novalue': expected NAME=VALUE"


# -- exit codes (docs/cli.md) ----------------------------------------------------------------------


@pytest.mark.parametrize(("args", "code"), [
    (["evaluate", STAFF], 0),
    (["gap", str(OFFICES / "star-by-assessment.json")], 0),
    (["gap", STAFF], 1),
    (["diff", STAR, AMENDMENT, "--offices", str(OFFICES)], 1),
    (["evaluate", "nope.json"], 2),
    (["evaluate", STAFF, "--option", "nope=1"], 3),
    (["check", str(ROOT / "tests" / "broken" / "unknown_fact.yaml")], 3),
])
def test_exit_codes(capsys: pytest.CaptureFixture[str], args: list[str], code: int) -> None:
    assert run(capsys, *args)[0] == code


def test_batch_with_bad_rows_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "a", "staff_count": -1}\n', encoding="utf-8")
    assert run(capsys, "evaluate", "--batch", str(rows), "--out", str(tmp_path / "r.csv"))[0] == 1


def test_interrupt_exits_130(capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["mingxing_rules.engine.evaluate"], "evaluate", interrupted)
    code, _, err = run(capsys, "evaluate", STAFF)
    assert code == 130 and err == "mingxing: error: interrupted\n"
