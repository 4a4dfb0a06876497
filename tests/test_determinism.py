"""The same input always gives the same verdict and the same trace: across calls, recompilations,
processes, ``PYTHONHASHSEED`` values and threads, for every backend available.

Set iteration order depends on the hash seed; a trace that listed a set's members, the missing
facts or the problems of a ruleset in set order would differ between two runs of the same job.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from mingxing_rules import (
    BackendUnavailableError,
    InputError,
    Ruleset,
    Verdict,
    check_ruleset,
    decide,
    evaluate,
    load_ruleset,
)
from mingxing_rules.strategies import offices

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
RULESET = load_ruleset("star-judicial-office")


def variations(count: int, seed: int = 20240811) -> list[dict[str, Any]]:
    """Example offices with facts dropped and numbers nudged, the same list on every run."""
    rng = random.Random(seed)
    bases = [json.loads(p.read_text("utf-8")) for p in EXAMPLES]
    found: list[dict[str, Any]] = []
    while len(found) < count:
        index = len(found)
        office = dict(rng.choice(bases))
        office["id"] = f"variation-{index}"
        for name in sorted(office):
            if name in ("id", "name", "county", "note"):
                continue
            roll = rng.random()
            if roll < 0.08:
                del office[name]
            elif roll < 0.2 and isinstance(office[name], int) and not isinstance(
                    office[name], bool):
                office[name] = office[name] + rng.choice([-1, 1])
        try:
            RULESET.parse_office(office)
        except InputError:
            continue  # nudged past a declared bound: draw another
        found.append(office)
    return found


OFFICES = [json.loads(p.read_text("utf-8")) for p in EXAMPLES] + variations(40)


def verdict_json(verdict: Verdict) -> str:
    return verdict.to_json(sort_keys=False)


def test_the_same_office_gives_byte_identical_verdicts_call_after_call() -> None:
    for office in OFFICES:
        first = verdict_json(evaluate(office, RULESET))
        assert verdict_json(evaluate(office, RULESET)) == first
        assert verdict_json(evaluate(json.loads(json.dumps(office)), RULESET)) == first


def test_recompiling_the_ruleset_changes_nothing() -> None:
    recompiled = RULESET.with_options()  # compiled again from the same spec
    assert recompiled.program is not RULESET.program
    for office in OFFICES:
        assert verdict_json(evaluate(office, recompiled)) == verdict_json(evaluate(office,
                                                                                   RULESET))


def test_set_order_in_the_input_does_not_change_the_trace() -> None:
    office = json.loads((ROOT / "examples" / "offices" / "star-by-assessment.json").read_text())
    shuffled = dict(office)
    for name, value in office.items():
        if isinstance(value, list):
            shuffled[name] = list(reversed(value))
    assert verdict_json(evaluate(shuffled, RULESET)) == verdict_json(evaluate(office, RULESET))


@settings(max_examples=30, deadline=None)
@given(offices(RULESET, missing=0.2))
def test_evaluate_and_decide_agree_and_repeat(office: dict[str, Any]) -> None:
    verdict = evaluate(office, RULESET)
    assert decide(office, RULESET) == verdict.outcome
    assert verdict_json(evaluate(office, RULESET)) == verdict_json(verdict)


# -- across processes and hash seeds -------------------------------------------------------------

SCRIPT = """
import json, sys
from mingxing_rules import check_ruleset, evaluate, load_ruleset
ruleset = load_ruleset("star-judicial-office")
for office in json.loads(sys.stdin.read()):
    print(evaluate(office, ruleset).to_json())
for path in ("tests/broken/three_problems.yaml", "tests/hostile/rule_cycle.yaml"):
    print([str(p) for p in check_ruleset(path)])
print(json.dumps(ruleset.office_schema(), ensure_ascii=False))
print(ruleset.generated_source())
"""


def _run_all(seeds: tuple[str, ...]) -> dict[str, str]:
    """Run the script once per hash seed, all processes at the same time."""
    running = {
        seed: subprocess.Popen(
            [sys.executable, "-c", SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ) for seed in seeds
    }
    outputs = {}
    for seed, process in running.items():
        out, err = process.communicate(json.dumps(OFFICES), timeout=240)
        assert process.returncode == 0, err[-2000:]
        outputs[seed] = out
    return outputs


def test_verdicts_are_byte_identical_across_processes_and_hash_seeds() -> None:
    outputs = _run_all(("0", "1", "4242"))
    digests = {seed: hashlib.sha256(out.encode()).hexdigest() for seed, out in outputs.items()}
    assert len(set(digests.values())) == 1, digests
    lines = outputs["0"].splitlines()
    assert len(lines) >= len(OFFICES) + 3
    # and the same as this process computes
    here = [evaluate(office, RULESET).to_json() for office in OFFICES]
    assert lines[: len(OFFICES)] == here
    assert lines[len(OFFICES)] == str([str(p) for p in check_ruleset(
        ROOT / "tests" / "broken" / "three_problems.yaml")]).replace(str(ROOT) + "/", "")


# -- threads -------------------------------------------------------------------------------------


def _backend_or_skip(name: str) -> str:
    try:
        evaluate(OFFICES[0], RULESET, backend=name)
    except BackendUnavailableError as exc:
        pytest.skip(f"backend {name!r} unavailable here: {exc}")
    return name


def _in_threads(work: Callable[[dict[str, Any]], str], items: list[dict[str, Any]],
                threads: int = 8) -> list[str]:
    """Run ``work`` over ``items`` from ``threads`` threads released together."""
    barrier = threading.Barrier(threads)

    def start(item: dict[str, Any]) -> str:
        return work(item)

    def chunk(indexes: list[int]) -> list[tuple[int, str]]:
        barrier.wait()
        return [(i, start(items[i])) for i in indexes]

    shares = [list(range(t, len(items), threads)) for t in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        done = [pair for part in pool.map(chunk, shares) for pair in part]
    return [text for _, text in sorted(done)]


@pytest.mark.parametrize("backend", ["native", "durable"])
def test_eight_threads_give_exactly_the_serial_results(backend: str) -> None:
    name = _backend_or_skip(backend)
    items = OFFICES if name == "native" else OFFICES[:24]

    def work(office: dict[str, Any]) -> str:
        return verdict_json(evaluate(office, RULESET, backend=name))

    serial = [work(office) for office in items]
    assert _in_threads(work, items) == serial
    assert _in_threads(work, list(reversed(items)))[::-1] == serial


def test_threads_sharing_one_verdict_read_the_same_trace() -> None:
    """Traces are built lazily on first read; eight readers at once must all see one trace."""
    verdicts = [evaluate(office, RULESET) for office in OFFICES[:10]]  # traces not yet read
    serial = [verdict_json(evaluate(office, RULESET)) for office in OFFICES[:10]]
    for verdict, expected in zip(verdicts, serial, strict=True):
        def read(_: dict[str, Any], shared: Verdict = verdict) -> str:
            return verdict_json(shared)

        assert set(_in_threads(read, [{}] * 16)) == {expected}


def test_loading_from_several_threads_compiles_equivalent_rulesets() -> None:
    results: list[Ruleset] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)  # three concurrent first loads (each compiles: ~1 s)

    def load() -> None:
        barrier.wait()
        ruleset = load_ruleset("star-judicial-office", options={"meeting_room_min_seats": 18})
        with lock:
            results.append(ruleset)

    workers = [threading.Thread(target=load) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(results) == 3 and all(r == results[0] for r in results)
    office = OFFICES[0]
    assert len({verdict_json(evaluate(office, r)) for r in results}) == 1
