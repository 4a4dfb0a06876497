"""The JSON Lines batch without Verdict objects (engine.jsonl, issue 12): each result line is
the line the Verdict path writes, byte for byte, with and without orjson; byte spans read by
the workers give the records one reader gives; tallies by row pattern count what the verdicts
count; workers with many spans write what one process writes and leave no part file."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from batch_helpers import without_orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.engine import batch, jsonl
from mingxing_rules.engine.batch import Tally, iter_evaluate, jsonl_line, jsonl_lines
from mingxing_rules.engine.jsonl import LineEvaluator, span_records, spans, whole_file
from mingxing_rules.engine.parallel import parallel_supported
from mingxing_rules.strategies import offices

REPO = Path(__file__).resolve().parent.parent
STAR = load_ruleset("star-judicial-office")
EXAMPLES = [json.loads(p.read_text("utf-8"))
            for p in sorted((REPO / "examples" / "offices").glob("*.json"))]

# records every path of the evaluator must take: bad lines, undecided offices, evidence,
# floats orjson writes otherwise than repr, checks across facts, unknown keys
ODD_LINES = [
    '{"id": "dup", "id": "x"}',
    "[1]",
    "not json",
    '{"id": "bad", "staff_count": 7.5}',
    '{"id": 123456789012345678901}',
    '{"id": "nan", "floor_area_m2": NaN}',
    '{"id": "sur", "name": "\\ud800"}',
    '{"id": "colon", "name": "say \\":\\" at 10:30", "floor_area_m2": 10}',
    '{"id": "ok-evidence", "signage_compliant": {"met": false, "evidence": "旧式"}}',
    '{"id": "tiny", "floor_area_m2": 1e-05}',
    '{"id": "tiny-2", "floor_area_m2": 3.5e-07, "staff_count": 2.0}',
    '{"id": "typo", "floor_aera_m2": 200}',
    '{"id": "undecided"}',
    "   ",
    "",
]


def verdict_lines(path: Path) -> list[bytes]:
    """What the Verdict path writes for each record (iter_evaluate, jsonl_line)."""
    return [jsonl_line(row, item).encode("utf-8") + b"\n"
            for row, item in iter_evaluate(path, STAR)]


def fast_lines(path: Path, evaluator: LineEvaluator | None = None) -> list[bytes]:
    evaluator = evaluator or LineEvaluator(STAR)
    with path.open("rb") as handle:
        return [evaluator.line(number, row, line, raw, str(path))
                for number, row, line, raw in span_records(handle, whole_file(path))]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def odd_file(tmp_path: Path) -> Path:
    lines = [json.dumps(o, ensure_ascii=False) for o in EXAMPLES] + ODD_LINES
    # a constraint broken and a rate above 100 %: errors found after the fast validator
    first = json.loads((REPO / "examples" / "offices" / "star-by-assessment.json").read_text(
        "utf-8"))
    # decided verdicts with a float orjson writes otherwise (a fact, a derived value) and
    # with a finding's evidence
    lines.append(json.dumps({**first, "id": "tiny-fact", "floor_area_m2": 1e-05}))
    lines.append(json.dumps({**first, "id": "tiny-rate", "villages_with_adviser_count": 1,
                             "villages_count": 100_000}))
    lines.append(json.dumps({**first, "id": "evidence", "signage_compliant": {
        "met": False, "evidence": "旧式", "by": "县局"}}, ensure_ascii=False))
    lines.append(json.dumps({**first, "id": "rate", "villages_with_adviser_count": 12,
                             "villages_count": 10}))
    lines.append(json.dumps({**first, "id": "sum", "key_released_count": 3,
                             "general_released_count": 4, "released_persons_count": 9}))
    return write_lines(tmp_path / "offices.jsonl", lines)


def test_each_line_is_the_verdict_path_s_line_with_and_without_orjson(tmp_path: Path) -> None:
    path = odd_file(tmp_path)
    expected = verdict_lines(path)
    assert fast_lines(path) == expected
    with without_orjson():
        assert verdict_lines(path) == expected
        assert fast_lines(path) == expected
    outcomes = [json.loads(line).get("outcome", "error") for line in expected]
    assert "UNDECIDED" in outcomes and "error" in outcomes and len(set(outcomes)) > 4


def test_the_tally_counts_what_the_verdicts_count(tmp_path: Path) -> None:
    path = odd_file(tmp_path)
    evaluator = LineEvaluator(STAR)
    fast_lines(path, evaluator)
    reference = Tally(STAR)
    for _, item in iter_evaluate(path, STAR):
        reference.add(item)
    assert evaluator.tally.summary().to_dict() == reference.summary().to_dict()
    assert evaluator.tally.counts() == reference.counts()


def test_a_tally_with_more_patterns_than_it_keeps_counts_them_all(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MAX_PATTERNS", 2)
    verdicts = [item for _, item in iter_evaluate(EXAMPLES, STAR)]
    folded, kept = Tally(STAR), Tally(STAR)
    for verdict in verdicts:
        folded.add(verdict)
    monkeypatch.setattr(batch, "MAX_PATTERNS", 10_000)
    for verdict in verdicts:
        kept.add(verdict)
    assert folded.counts() == kept.counts()
    failing = dict(kept.counts()[2])
    assert failing["floor_area"] == sum(
        1 for v in verdicts if v.trace.status("floor_area").value == "fail")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(st.lists(offices(STAR, missing=0.05), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(0, 200), st.sampled_from(
           [None, 1e-05, 2.5, 7.5, -1, "x", ["a"], {"met": True, "evidence": "e"}, 2**60])),
           max_size=3))
def test_generated_offices_give_the_verdict_path_s_lines(
        tmp_path_factory: pytest.TempPathFactory, population: list[dict[str, Any]],
        damage: list[tuple[int, Any]]) -> None:
    names = [f.name for f in STAR.spec.facts]
    for index, value in damage:  # some facts of the first office made odd or wrong
        population[0][names[index % len(names)]] = value
    path = tmp_path_factory.mktemp("lines") / "offices.jsonl"
    write_lines(path, [json.dumps(o, ensure_ascii=False) for o in population])
    assert fast_lines(path) == verdict_lines(path)


@settings(max_examples=50, deadline=None)
@given(offices(STAR, missing=0.1))
def test_the_row_s_derived_values_are_what_validation_derives(office: dict[str, Any]) -> None:
    """The evaluator checks the derived bounds on the row, not on derive(): they agree."""
    facts = STAR.parse_office(office).facts
    row = STAR.program.full(facts)
    derived = tuple(row[n.position] for n in STAR.plan.of_kind("derived"))
    assert repr(derived) == repr(STAR.program.derive(facts))  # NaN too


RAW_LINES = st.lists(st.one_of(
    st.sampled_from(["", " ", "\t\r", '{"id": "a"}', "[", '{"id": "b", "staff_count": 7}']),
    st.text(max_size=30).map(lambda t: json.dumps({"id": t})),
    st.integers(0, 90).map(lambda n: '{"id": "' + "x" * n + '"}')), max_size=40)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(RAW_LINES, st.booleans(), st.booleans(), st.integers(1, 200))
def test_spans_give_the_records_one_reader_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str], bom: bool,
        final_newline: bool, size: int) -> None:
    monkeypatch.setattr(batch, "MAX_RECORD_BYTES", 64)  # long lines come up: skipped, reported
    monkeypatch.setattr(jsonl, "MAX_RECORD_BYTES", 64)
    body = "\n".join(lines) + ("\n" if final_newline else "")
    path = tmp_path / "offices.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    second = tmp_path / "more.jsonl"
    second.write_bytes(b'{"id": "z"}\n\n')
    expected = []
    for source in (path, second):
        expected += [(row, line, raw) for row, line, raw in jsonl_lines(source)]
    found = []
    numbers = []
    for span in spans([path, second], size):
        with open(span.file, "rb") as handle:
            for number, row, line, raw in span_records(handle, span):
                found.append((row, line, raw))
                numbers.append(number)
    assert found == expected
    assert numbers == list(range(1, len(expected) + 1))


def test_stdout_gets_the_bytes_of_the_results_file(tmp_path: Path) -> None:
    path = odd_file(tmp_path)
    out = tmp_path / "out.jsonl"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["evaluate", "--batch", str(path), "--out", str(out)]) == 1
    with contextlib.redirect_stdout(io.StringIO()) as text, \
            contextlib.redirect_stderr(io.StringIO()):
        assert main(["evaluate", "--batch", str(path), "--format", "json"]) == 1
    assert text.getvalue().encode("utf-8") == out.read_bytes()
    piped = subprocess.run([sys.executable, "-m", "mingxing_rules", "evaluate", "--batch",
                            str(path), "--format", "json"], capture_output=True, check=False,
                           cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert piped.returncode == 1, piped.stderr[-2000:]
    assert piped.stdout == out.read_bytes()  # through stdout's binary buffer


_WORKERS = """
import json, os, sys, tempfile
from pathlib import Path
from mingxing_rules import load_ruleset
from mingxing_rules.engine.batch import Tally
from mingxing_rules.engine.parallel import ParallelBatch
sources = [Path(p) for p in sys.argv[2:]]
folder = tempfile.mkdtemp()
tally = Tally(load_ruleset("star-judicial-office"))
with open(sys.argv[1], "wb") as out:
    with ParallelBatch(load_ruleset("star-judicial-office"), jobs=2, span_bytes=700,
                       folder=folder) as workers:
        for chunk in workers.run(sources):
            tally.merge(chunk.counts, chunk.errors)
            chunk.copy_to(out)
print(json.dumps({"left": os.listdir(folder), "summary": tally.summary().to_dict()}))
"""


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
def test_workers_over_many_spans_write_what_one_process_writes(tmp_path: Path) -> None:
    first = odd_file(tmp_path)
    second = write_lines(tmp_path / "second.jsonl",
                         [json.dumps(o, ensure_ascii=False) for o in EXAMPLES[::-1]] * 3)
    one = b"".join(fast_lines(first)) + b"".join(
        line for line in _renumbered(second, start=len(verdict_lines(first)) + 1))
    out = tmp_path / "workers.jsonl"
    done = subprocess.run([sys.executable, "-c", _WORKERS, str(out), str(first), str(second)],
                          capture_output=True, text=True, check=False, cwd=REPO, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["left"] == []  # every part file copied and deleted
    assert out.read_bytes() == one
    reference = Tally(STAR)
    for source in (first, second):
        for _, item in iter_evaluate(source, STAR):
            reference.add(item)
    assert report["summary"] == json.loads(json.dumps(reference.summary().to_dict()))


def _renumbered(path: Path, start: int) -> list[bytes]:
    evaluator = LineEvaluator(STAR)
    with path.open("rb") as handle:
        return [evaluator.line(number, row, line, raw, str(path))
                for number, row, line, raw in span_records(handle, whole_file(path, start))]


@pytest.mark.skipif(not parallel_supported(), reason="worker processes are forked (POSIX)")
def test_an_interrupted_batch_with_workers_leaves_no_part_file_and_no_results(
        tmp_path: Path) -> None:
    import signal
    import time

    office = json.dumps(EXAMPLES[0], ensure_ascii=False)
    path = write_lines(tmp_path / "offices.jsonl", [office] * 60_000)
    out = tmp_path / "results.jsonl"
    out.write_text("previous\n", "utf-8")
    temporary = tmp_path / "tmp"  # where the part files go
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "mingxing_rules", "evaluate", "--batch", str(path), "--out",
         str(out), "--jobs", "2"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(temporary)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(temporary.iterdir()):
        time.sleep(0.05)  # the workers have started
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert out.read_text("utf-8") == "previous\n"
    assert list(temporary.iterdir()) == []  # the part files and their folder removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["offices.jsonl", "results.jsonl", "tmp"]
