"""Nothing lost, nothing hangs: a batch survives its bad records, its outputs and interruptions.

Issue 13. Every record that cannot be decoded, parsed or evaluated becomes a reported row error
(file, line, message) and the batch goes on; the summary always prints and its counts add up;
the results file is written atomically, never over an input, and an interrupted or failed run
leaves any existing results file as it was. Exit codes: 0 all good, 1 some records bad, 2 could
not run (including: the results cannot be written), 3 ruleset errors, 130 interrupted. Every case
here failed (a traceback, a lost file or a wrong count) before the fix.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.engine.batch import RowError, evaluate_many, iter_evaluate

ROOT = Path(__file__).resolve().parent.parent
OFFICE = json.loads((ROOT / "examples" / "offices" / "star-by-assessment.json").read_text("utf-8"))
GOOD = json.dumps(OFFICE, ensure_ascii=False).encode("utf-8")
BASE = (ROOT / "tests" / "hostile" / "attribute_access.yaml").read_text("utf-8")


def _office(office_id: str, **changes: Any) -> bytes:
    return json.dumps({**OFFICE, "id": office_id, **changes}, ensure_ascii=False).encode("utf-8")


# one line per way a record used to end the whole batch with a traceback
BAD_LINES: dict[str, tuple[bytes, str]] = {
    "invalid UTF-8": (b'{"id": "x", "name": "\xff\xfe"}', "not valid UTF-8"),
    "100,000 nested [": (b"[" * 100_000, "nests deeper than"),
    "a 5,000-digit number": (b'{"id": "x", "staff_count": ' + b"9" * 5000 + b"}",
                             "more than 4300 digits"),
    "a lone surrogate in a name": (b'{"id": "x", "name": "\\ud800"}', "lone surrogate"),
    "a lone surrogate in a key": (b'{"id": "x", "\\udc00x": 1}', "lone surrogate"),
    "a duplicate key": (b'{"id": "x", "staff_count": 7, "staff_count": 9}',
                        "duplicate key 'staff_count'"),
    "NaN": (b'{"id": "x", "staff_count": NaN}', "NaN is not a JSON value"),
    "a line of 2 MB": (b'{"id": "x", "name": "' + b"a" * 2_000_000 + b'"}',
                       "longer than 1048576 bytes"),
    "an ISO week date": (_office("x", submitted_on="2013-W47-3"), "expected a date YYYY-MM-DD"),
    "a date with digits only": (_office("x", submitted_on="2013112000"), "YYYY-MM-DD"),
    "a repeated set item": (_office("x", equipment=["computer", "computer"]),
                            "'computer' is listed more than once"),
}


def _batch(tmp_path: Path, lines: list[bytes], name: str = "offices.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("case", list(BAD_LINES), ids=list(BAD_LINES))
def test_a_bad_record_is_reported_with_its_line_and_the_batch_goes_on(
        tmp_path: Path, case: str) -> None:
    line, words = BAD_LINES[case]
    path = _batch(tmp_path, [_office("before"), line, _office("after")])
    items = list(iter_evaluate(path, "star-judicial-office"))
    assert [row for row, _ in items] == [1, 2, 3]
    error = items[1][1]
    assert isinstance(error, RowError), error
    assert error.line == 2 and error.file == str(path)
    assert words in str(error), str(error)
    assert str(error).startswith(f"{path}: line 2")
    assert len(str(error)) < 500  # a 2 MB line is not echoed
    assert [item.office_id for _, item in items if not isinstance(item, RowError)] == [
        "before", "after"]


def test_the_counts_add_up_over_every_kind_of_bad_line(tmp_path: Path) -> None:
    lines = [_office("good-1")] + [line for line, _ in BAD_LINES.values()] + [_office("good-2")]
    path = _batch(tmp_path, lines)
    result = evaluate_many(path, "star-judicial-office")
    assert result.total == len(lines)
    assert len(result.verdicts) == 2 and len(result.errors) == len(BAD_LINES)
    summary = result.summary()
    assert summary.total == summary.evaluated + len(summary.errors) == len(lines)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_every_bad_line_ends_in_the_results_and_the_summary_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    lines = [_office("good-1")] + [line for line, _ in BAD_LINES.values()] + [_office("good-2")]
    path = _batch(tmp_path, lines)
    out = tmp_path / f"results{suffix}"
    assert _run("--batch", str(path), "--out", str(out)) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert f"{len(lines)} offices: 2 evaluated, {len(BAD_LINES)} with input errors" in captured.out
    written = out.read_text("utf-8")
    assert written.count("INPUT_ERROR" if suffix == ".csv" else '"error"') == len(BAD_LINES)


def test_results_of_python_records_with_a_lone_surrogate_can_be_saved(tmp_path: Path) -> None:
    result = evaluate_many([{"id": "a", "\udc00": 1}, {"id": "b\ud800"}], "star-judicial-office")
    assert len(result.errors) == 2
    result.to_csv(tmp_path / "results.csv")
    assert "INPUT_ERROR" in (tmp_path / "results.csv").read_text("utf-8")


def test_invalid_utf8_in_a_csv_row_is_that_row_s_error(tmp_path: Path) -> None:
    path = tmp_path / "offices.csv"
    path.write_bytes(b"id,staff_count\nfirst,7\nsecond,\xff\xfe\nthird,8\n")
    items = list(iter_evaluate(path, "star-judicial-office"))
    assert [type(item).__name__ for _, item in items] == ["Verdict", "RowError", "Verdict"]
    error = items[1][1]
    assert isinstance(error, RowError) and error.line == 3
    assert "not valid UTF-8" in error.message


def test_a_csv_field_beyond_the_csv_limit_is_that_row_s_error(tmp_path: Path) -> None:
    path = tmp_path / "offices.csv"
    path.write_bytes(b"id,name\nfirst,a\nsecond,\"" + b"x" * 200_000 + b"\"\nthird,b\n")
    kinds = [type(item).__name__ for _, item in iter_evaluate(path, "star-judicial-office")]
    assert kinds.count("Verdict") == 2 and kinds.count("RowError") == 1


OVERFLOW = " * ".join(["area_m2 ** 7"] * 9) + " * 1.5 >= 1"


def test_an_overflow_in_a_condition_is_unknown_not_a_crash(tmp_path: Path) -> None:
    """``*`` of an integer beyond a float and a float raised OverflowError at evaluation."""
    ruleset_path = tmp_path / "overflow.yaml"
    ruleset_path.write_text(BASE.replace('"area_m2.__class__.__mro__"', f'"{OVERFLOW}"'), "utf-8")
    ruleset = load_ruleset(ruleset_path)
    path = _batch(tmp_path, [b'{"id": "big", "area_m2": 100000}', b'{"id": "small", "area_m2": 1}'])
    items = [item for _, item in iter_evaluate(path, ruleset)]
    assert [getattr(item, "outcome", None) for item in items] == ["UNDECIDED", "PASS"]
    for backend in ("durable", "verified"):
        pytest.importorskip("durable_rules_engine")
        items = [item for _, item in iter_evaluate(path, ruleset, backend=backend)]
        assert [getattr(item, "outcome", None) for item in items] == ["UNDECIDED", "PASS"]


@pytest.mark.parametrize("derived", ["area_m2 * 1e300 * 1e300", "(area_m2 * 1e300 * 1e300) - "
                                     "(area_m2 * 1e300 * 1e300)", "area_m2 * 1e300 / 1e-300"],
                         ids=["inf", "nan", "inf-by-division"])
def test_a_derived_inf_or_nan_is_unknown_and_json_stays_strict(tmp_path: Path,
                                                               derived: str) -> None:
    """A derived inf/NaN made ``to_json()`` emit ``Infinity``/``NaN``, which is not JSON."""
    text = BASE.replace('"area_m2.__class__.__mro__"', '"big >= 1"').replace(
        "groups:", "derived:\n  big: {value: " + json.dumps(derived)
        + ", title: {zh: 大, en: big}}\ngroups:", 1)
    path = tmp_path / "derived.yaml"
    path.write_text(text, "utf-8")
    from mingxing_rules import evaluate

    verdict = evaluate({"id": "o", "area_m2": 5}, load_ruleset(path))
    document = json.loads(verdict.to_json(), parse_constant=pytest.fail)
    assert verdict.outcome == "UNDECIDED"
    assert json.dumps(document, allow_nan=False)


# -- the command line -----------------------------------------------------------------------------


def _run(*args: str) -> int:
    return main(["evaluate", *args])


def test_exit_codes_tell_all_good_some_bad_and_could_not_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _batch(tmp_path, [_office("a"), _office("b")], "good.jsonl")
    mixed = _batch(tmp_path, [_office("a"), b"{", _office("b")], "mixed.jsonl")
    assert _run("--batch", str(good), "--out", str(tmp_path / "r1.csv")) == 0
    assert _run("--batch", str(mixed), "--out", str(tmp_path / "r2.csv")) == 1
    assert _run("--batch", str(tmp_path / "missing.jsonl")) == 2
    assert _run("--batch", str(good), "--out", str(tmp_path / "no" / "such" / "dir.csv")) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "cannot write the results to" in captured.err


def test_out_naming_the_input_is_refused_and_the_input_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--batch same.jsonl --out same.jsonl`` left the input at 0 bytes and exited 0."""
    path = _batch(tmp_path, [_office("a"), _office("b")], "same.jsonl")
    before = path.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(path)
    for out in (path, link, tmp_path / "." / "same.jsonl"):
        assert _run("--batch", str(path), "--out", str(out)) == 2
        assert path.read_bytes() == before
    assert "is the batch file" in capsys.readouterr().err


def test_an_existing_results_file_is_replaced_only_when_the_batch_is_done(
        tmp_path: Path) -> None:
    """It was truncated before anything was evaluated: a batch that then failed (here a .json
    file that is not JSON) left an empty results file and the old results lost."""
    broken = tmp_path / "offices.json"
    broken.write_text('[{"id": "a"}, ', "utf-8")
    out = tmp_path / "results.csv"
    out.write_text("previous results\n", "utf-8")
    assert _run("--batch", str(broken), "--out", str(out)) == 2
    assert out.read_text("utf-8") == "previous results\n"
    path = _batch(tmp_path, [_office("a")])
    assert _run("--batch", str(path), "--out", str(out)) == 0
    assert out.read_text("utf-8-sig").startswith("office_id,")  # Excel-friendly: a BOM first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offices.json", "offices.jsonl",
                                                         "results.csv"]


def test_a_full_device_is_an_error_message_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    path = _batch(tmp_path, [_office("a")])
    assert _run("--batch", str(path), "--out", "/dev/full") == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert Path("/dev/full").is_char_device()  # written to, never replaced by a file


def _cli(args: list[str], **limits: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mingxing_rules", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, **limits)


def _limit_file_size(size: int) -> Any:
    def limit() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_disk_that_fills_up_leaves_the_old_results_whole(tmp_path: Path) -> None:
    """A file size limit stands in for a full disk: the write fails half-way."""
    path = _batch(tmp_path, [_office(f"o{i}") for i in range(60)])
    out = tmp_path / "results.jsonl"
    out.write_text("previous\n", "utf-8")
    process = _cli(["evaluate", "--batch", str(path), "--out", str(out)],
                   preexec_fn=_limit_file_size(4096))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr and "cannot write the results" in stderr
    assert out.read_text("utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offices.jsonl", "results.jsonl"]
    assert re.search(r"\n[1-9][0-9]* offices: [0-9]+ evaluated", stderr)  # the summary so far


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM],
                         ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_batch_exits_130_with_the_summary_and_no_partial_file(
        tmp_path: Path, signal_number: int) -> None:
    path = _batch(tmp_path, [_office(f"o{i}") for i in range(40_000)])
    out = tmp_path / "results.csv"
    out.write_text("previous\n", "utf-8")
    process = _cli(["evaluate", "--batch", str(path), "--out", str(out)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            p.name.startswith(".results.csv.") for p in tmp_path.iterdir()):
        time.sleep(0.05)  # the batch has started writing
    time.sleep(0.5)
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert "offices:" in stderr  # the summary so far
    assert out.read_text("utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offices.jsonl", "results.csv"]


def test_terminal_output_shows_escape_sequences_escaped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An office name with an escape sequence reached the terminal raw."""
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    office = tmp_path / "office.json"
    office.write_text(json.dumps({**OFFICE, "name": "西塘\x1b]0;pwned\x07\x1b[2J\u202e"}), "utf-8")
    assert main(["evaluate", str(office)]) == 0
    shown = screen.getvalue()
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "西塘\\x1b]0;pwned\\x07\\x1b[2J\\u202e" in shown


def test_a_file_without_newlines_stays_within_the_memory_ceiling(tmp_path: Path) -> None:
    """256 MB without a newline (a sparse file: zeros) under a 360 MB address-space limit: read
    in 1 MiB pieces and reported as one bad record, never held whole."""
    path = tmp_path / "offices.jsonl"
    with path.open("wb") as handle:
        handle.write(_office("first") + b"\n")
        handle.truncate(256 * 1024 * 1024)

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (360 * 1024 * 1024,) * 2)

    process = _cli(["evaluate", "--batch", str(path), "--out", str(tmp_path / "r.csv")],
                   preexec_fn=limit)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr[-2000:]
    assert "Traceback" not in stderr and "MemoryError" not in stderr
