"""The fast JSON Lines batch (issue 12): orjson when installed with the same bytes without it,
and worker processes (`--jobs`) with the same results, in the same order, as one process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from batch_helpers import without_orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import Verdict, evaluate, fastjson, jsonio, load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.engine.batch import iter_evaluate
from mingxing_rules.engine.parallel import ParallelBatch, parallel_supported

REPO = Path(__file__).resolve().parent.parent
STAR = load_ruleset("star-judicial-office")
EXAMPLES = sorted((REPO / "examples" / "offices").glob("*.json"))

orjson = pytest.importorskip("orjson")  # in the test extra; the fallback is tested by hiding it

BAD_LINES = [
    '{"id": "dup", "id": "x"}',  # orjson would keep the last value
    '{"id": "dup-nested", "signage_compliant": {"met": true, "met": false}}',
    "[1]",
    "not json",
    '{"id": "bad", "staff_count": 7.5}',
    '{"id": 123456789012345678901}',  # orjson reads a float: the message must not change
    '{"id": "big", "staff_count": 123456789012345678901}',
    '{"id": "nan", "floor_area_m2": NaN}',
    '{"id": "deep", "note": ' + "[" * 70 + "]" * 70 + "}",
    '{"id": "sur", "name": "\\ud800"}',
    '{"id": "colon", "name": "say \\":\\" at 10:30", "floor_area_m2": 10}',  # ':' in a text
    '{"id": "ok-evidence", "signage_compliant": {"met": false, "evidence": "旧式"}}',
]


def batch_file(tmp_path: Path, count: int = 60) -> Path:
    lines = [json.dumps(json.loads(p.read_text("utf-8")), ensure_ascii=False) for p in EXAMPLES]
    rng = random.Random(7)
    body = [rng.choice(lines) for _ in range(count)] + BAD_LINES
    rng.shuffle(body)
    path = tmp_path / "offices.jsonl"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


def run(args: list[str]) -> tuple[int, str]:
    with contextlib.redirect_stdout(io.StringIO()) as out, \
            contextlib.redirect_stderr(io.StringIO()) as err:
        status = main(args)
    assert status in (0, 1), (status, err.getvalue()[-2000:])  # evaluated, some bad records
    return status, out.getvalue()


def test_the_output_is_the_same_bytes_with_or_without_orjson(tmp_path: Path) -> None:
    source = batch_file(tmp_path)
    fast, plain = tmp_path / "fast.jsonl", tmp_path / "plain.jsonl"
    assert run(["evaluate", "--batch", str(source), "--out", str(fast)])[0] == 1
    with without_orjson():
        assert run(["evaluate", "--batch", str(source), "--out", str(plain)])[0] == 1
    assert fast.read_bytes() == plain.read_bytes()
    errors = [json.loads(line) for line in fast.read_text("utf-8").splitlines()
              if "error" in json.loads(line)]
    assert len(errors) == len(BAD_LINES) - 2  # the ':' text and the evidence are good records
    messages = " | ".join(e["error"] for e in errors)
    for expected in ("duplicate key 'id'", "duplicate key 'met'",
                     "staff_count: expected an integer >= 0 (people), got 7.5",
                     "got 123456789012345678901 (int) (numbers must be within +-2**53)",
                     "a whole number within +-2**53, got 123456789012345678901 (int)",
                     "NaN is not a JSON value",
                     "nests deeper than 64 levels", "lone surrogate",
                     "a JSON Lines record must be an object"):
        assert expected in messages


def test_each_line_is_the_verdicts_own_json(tmp_path: Path) -> None:
    """A verdict line is `to_json()` of the verdict with its row, byte for byte."""
    source = batch_file(tmp_path, count=20)
    out = tmp_path / "out.jsonl"
    run(["evaluate", "--batch", str(source), "--out", str(out)])
    lines = out.read_text("utf-8").splitlines()
    for (row, item), line in zip(iter_evaluate(source, STAR), lines, strict=True):
        assert json.loads(line)["row"] == row
        if isinstance(item, Verdict):
            assert line == '{"row":' + str(row) + "," + item.to_json()[1:]
            office = next(json.loads(text) for number, text in enumerate(
                source.read_text("utf-8").splitlines(), start=1) if number == row)
            assert Verdict.from_json(line, office=office) == item  # the input gives it back


def command(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh process: it runs one thread, so workers can be forked (this
    test process may run threads left by other tests: then --jobs evaluates in one process)."""
    return subprocess.run([sys.executable, "-m", "mingxing_rules", *args], capture_output=True,
                          text=True, check=False, timeout=600, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
@pytest.mark.parametrize("fmt", ["json", "json-full"])
def test_worker_processes_write_what_one_process_writes(tmp_path: Path, fmt: str) -> None:
    source = batch_file(tmp_path, count=700)  # several chunks
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    alone = command(["evaluate", "--batch", str(source), "--out", str(one), "--format", fmt])
    workers = command(["evaluate", "--batch", str(source), "--out", str(two), "--format", fmt,
                       "--jobs", "2"])
    assert alone.returncode == workers.returncode == 1, (alone.stderr, workers.stderr)
    assert "evaluating in this process" not in workers.stderr  # the workers did run
    assert one.read_bytes() == two.read_bytes()
    assert json.loads(alone.stdout) == json.loads(workers.stdout)
    assert alone.stdout == workers.stdout


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
def test_a_process_running_other_threads_evaluates_alone(tmp_path: Path) -> None:
    """Forking beside other threads could leave a worker waiting for ever on a lock one of them
    held: the batch then runs in this process, and says so."""
    source = batch_file(tmp_path, count=10)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run(["evaluate", "--batch", str(source), "--out", str(one)])
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()) as err:
            status = main(["evaluate", "--batch", str(source), "--out", str(two), "--jobs", "2"])
        with pytest.raises(RuntimeError, match="other threads"):
            ParallelBatch(STAR, jobs=2).__enter__()
    finally:
        release.set()
        other.join()
    assert status == 1
    assert "this process runs other threads" in err.getvalue()
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
def test_jobs_with_other_outputs_run_in_one_process(tmp_path: Path) -> None:
    source = batch_file(tmp_path, count=10)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert run(["evaluate", "--batch", str(source), "--out", str(one)]) == run(
        ["evaluate", "--batch", str(source), "--out", str(two), "--jobs", "0"])
    assert one.read_bytes() == two.read_bytes()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["evaluate", "--batch", str(source), "--jobs", "-1"]) == 2


# -- the JSON functions ----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=4),
    max_leaves=20)


@settings(max_examples=300)
@given(JSON_VALUES)
def test_orjson_and_the_standard_library_write_the_same_bytes(value: Any) -> None:
    try:
        expected = fastjson.dumps(value)
    except UnicodeEncodeError:  # a lone surrogate: neither writes it
        return
    with without_orjson():
        assert fastjson.dumps(value) == expected
    assert json.loads(expected) == json.loads(jsonio.dumps(value))


@pytest.mark.parametrize("number", [1e-05, 3.5e-07, 1e-09, 9.99e-05, 1e-10, 1e16, 1e22, 0.25,
                                    -2.5e-06, 5e-324])
def test_floats_are_written_as_python_writes_them(number: float) -> None:
    assert fastjson.dumps({"x": number}) == '{"x":' + repr(number) + "}"


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=5))
def test_a_record_read_fast_is_what_the_strict_reader_reads(data: dict[str, Any]) -> None:
    raw = jsonio.dumps(data).encode("utf-8", "surrogatepass")
    quick = fastjson.record(raw, check_depth=True)
    try:
        strict = jsonio.loads(raw)
    except jsonio.JsonInputError:
        return  # refused strictly: the batch reads such a line again and reports that
    if quick is not None and not _has_big_integer(strict):
        assert quick == strict


def _has_big_integer(value: Any) -> bool:  # orjson reads those as floats (then revalidated)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) >= 2**63
    if isinstance(value, dict):
        return any(_has_big_integer(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_big_integer(v) for v in value)
    return False


def test_a_repeated_key_is_never_read_fast() -> None:
    assert fastjson.record(b'{"a": 1, "a": 2}') is None
    assert fastjson.record(b'{"a": {"b": 1, "b": 2}, "c": 3}') is None
    assert fastjson.record(b'{"a": [{"b": 1, "b": 2}], "c": {"d": 1}}') is None
    assert fastjson.record(b'{"a": {"b": 1}, "c": 3}') == {"a": {"b": 1}, "c": 3}
    assert fastjson.record(b'["a"]') is None
    assert fastjson.record(b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}", check_depth=True) is None


def test_verdict_json_is_the_same_without_orjson() -> None:
    for path in EXAMPLES[:5]:
        verdict = evaluate(json.loads(path.read_text("utf-8")), STAR)
        for full in (False, True):
            text = verdict.to_json(full=full)
            with without_orjson():
                assert verdict.to_json(full=full) == text


def _reference(text: str) -> Any:
    """The strict reader as it was: every object through the hook that refuses a repeated key."""
    try:
        return ("value", jsonio._DECODER.decode(text))
    except jsonio.JsonInputError as error:
        return ("error", error.message)
    except ValueError as error:
        return ("error", type(error).__name__)


def _strict(text: str) -> Any:
    try:
        return ("value", jsonio._decoded(text))
    except jsonio.JsonInputError as error:
        return ("error", error.message)
    except ValueError as error:
        return ("error", type(error).__name__)


@settings(max_examples=400)
@given(JSON_VALUES, st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    ['"k": 1, "k": 2, ', '"k": 1, ', "NaN", " x", ":", '"a:b"', "{", "}", "]", ","])),
    max_size=3))
def test_the_strict_reader_reads_as_the_hooked_decoder(value: Any,
                                                       edits: list[tuple[int, str]]) -> None:
    """jsonio.loads decodes without the per-object hook when no key can repeat: the same value,
    and the same first error, as with the hook on every object."""
    text = jsonio.dumps(value)
    for position, edit in edits:
        at, piece = position % (len(text) + 1), edit
        if piece.startswith('"k"'):  # a repeated key goes right after an object's brace
            brace = text.find("{", at)
            if brace < 0:
                continue
            at = brace + 1
            piece = piece if text[at:at + 1] != "}" else piece.rstrip(", ")
        text = text[:at] + piece + text[at:]
    assert _strict(text) == _reference(text)


_KILL_A_WORKER = """
import multiprocessing, os, signal, sys, time
from pathlib import Path
from mingxing_rules import load_ruleset
from mingxing_rules.engine.parallel import ParallelBatch, WorkerLostError
with ParallelBatch(load_ruleset("star-judicial-office"), jobs=2, span_bytes=4096) as batch:
    workers = multiprocessing.active_children()  # this fresh process has no other children
    assert len(workers) == 2, workers
    os.kill(workers[0].pid, signal.SIGKILL)
    try:
        for chunk in batch.run([Path(sys.argv[1])]):
            pass
    except WorkerLostError as lost:
        print("lost:", lost)
    else:
        print("finished")
"""


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
def test_a_killed_worker_stops_the_batch_instead_of_waiting_for_it(tmp_path: Path) -> None:
    """A worker killed (by the system when memory runs out, by a person) never gives its part:
    the batch must end with that said, not wait for it for ever."""
    source = batch_file(tmp_path, count=200)
    done = subprocess.run([sys.executable, "-c", _KILL_A_WORKER, str(source)],
                          capture_output=True, text=True, check=False, timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("lost: a worker process ended before its records were done")


def test_the_command_says_a_worker_was_lost_and_keeps_the_results_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mingxing_rules.cli import _batch
    from mingxing_rules.engine import parallel

    class Lost:
        def __init__(self, *_: Any, **__: Any) -> None:
            pass

        def __enter__(self) -> Lost:
            return self

        def __exit__(self, *_: Any) -> None:
            pass

        def run(self, _sources: Any) -> Any:
            raise parallel.WorkerLostError("a worker process ended before its records were "
                                           "done (killed, or out of memory?)")

    source = batch_file(tmp_path, count=10)
    out = tmp_path / "results.jsonl"
    out.write_text("the results of last week\n", encoding="utf-8")
    monkeypatch.setattr(_batch, "ParallelBatch", Lost)
    monkeypatch.setattr(_batch, "fork_is_safe", lambda: True)  # whatever threads run here
    with contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()) as err:
        status = main(["evaluate", "--batch", str(source), "--out", str(out), "--jobs", "2"])
    assert status == 130
    assert "a worker process ended before its records were done" in err.getvalue()
    assert f"{out} is unchanged" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert out.read_text(encoding="utf-8") == "the results of last week\n"


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
def test_workers_that_cannot_start_leave_the_batch_to_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mingxing_rules.cli import _batch
    from mingxing_rules.engine import parallel

    def refuse(*_: Any, **__: Any) -> Any:
        raise OSError(11, "Resource temporarily unavailable")

    source = batch_file(tmp_path, count=10)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run(["evaluate", "--batch", str(source), "--out", str(one)])
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(parallel, "fork_is_safe", lambda: True)  # whatever threads run here
    monkeypatch.setattr(_batch, "fork_is_safe", lambda: True)
    with contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["evaluate", "--batch", str(source), "--out", str(two), "--jobs", "2"]) == 1
    assert "cannot start the worker processes" in err.getvalue()
    assert one.read_bytes() == two.read_bytes()
