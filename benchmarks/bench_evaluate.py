"""Evaluator speed against a hand-written yardstick (issue 2's benchmark).

    python benchmarks/bench_evaluate.py [--count 20000] [--repeat 3]

Reports evaluations/second on one population of generated offices, in one run:
  * validation (dict -> Office) on its own;
  * full trace: `evaluate(office, ruleset)` on validated offices (the trace is recorded as the
    row of every step's outcome plus the facts; Step objects are built when first read), and the
    same with every Step materialised;
  * verdict only: the compiled short-circuit function;
  * the hand-written yardstick (benchmarks/handwritten_star.py), traced and short-circuit;
and the ratios against the targets (>= 40 % of the yardstick for each).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import handwritten_star
from population import population

from mingxing_rules import evaluate, load_ruleset


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()}")


def rate(run: Callable[[Sequence[Any]], object], items: Sequence[Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(items)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    ruleset = load_ruleset("star-judicial-office")
    raw = population(ruleset, args.count)
    validated = [ruleset.parse_office(o) for o in raw]
    fast = ruleset.program.fast
    outcomes = ruleset.spec.outcomes
    otherwise = ruleset.spec.otherwise.id

    # the yardstick must agree with the library, or the comparison means nothing
    mismatches = 0
    for data, office in zip(raw, validated, strict=True):
        expected = evaluate(office, ruleset).outcome
        traced_outcome, _ = handwritten_star.traced(data)
        if expected != traced_outcome or handwritten_star.short_circuit(data) != expected:
            mismatches += 1
    position = [fast(o.facts) for o in validated]
    assert all(p >= -1 for p in position), "the benchmark population has no missing facts"

    def validate(items: Sequence[Any]) -> None:
        for item in items:
            ruleset.parse_office(item)

    def full_trace(items: Sequence[Any]) -> None:
        for office in items:
            evaluate(office, ruleset)

    def full_trace_materialised(items: Sequence[Any]) -> None:
        for office in items:
            evaluate(office, ruleset).trace.steps  # noqa: B018 - builds every Step

    def verdict_only(items: Sequence[Any]) -> None:
        for office in items:
            p = fast(office.facts)
            _ = outcomes[p] if p >= 0 else otherwise

    def yard_traced(items: Sequence[Any]) -> None:
        for data in items:
            handwritten_star.traced(data)

    def yard_short(items: Sequence[Any]) -> None:
        for data in items:
            handwritten_star.short_circuit(data)

    repeat = args.repeat
    results = {
        "validate (dict -> Office)": rate(validate, raw[: max(1, args.count // 4)], 1),
        "full trace (evaluate)": rate(full_trace, validated, repeat),
        "full trace, every Step built": rate(full_trace_materialised,
                                             validated[: max(1, args.count // 10)], 1),
        "verdict only (compiled short-circuit)": rate(verdict_only, validated, repeat),
        "yardstick: hand-written traced": rate(yard_traced, raw, repeat),
        "yardstick: hand-written short-circuit": rate(yard_short, raw, repeat),
    }
    print(f"machine: {machine()}")
    print(f"population: {args.count} generated offices (seeded), ruleset {ruleset.key}, "
          f"{len(ruleset.criteria())} criteria; yardstick disagreements: {mismatches}")
    print(f"{'measure':42} {'evals/s':>12}")
    for name, value in results.items():
        print(f"{name:42} {value:12,.0f}")
    full_ratio = results["full trace (evaluate)"] / results["yardstick: hand-written traced"]
    built_ratio = (results["full trace, every Step built"]
                   / results["yardstick: hand-written traced"])
    fast_ratio = (results["verdict only (compiled short-circuit)"]
                  / results["yardstick: hand-written short-circuit"])
    print(f"full trace / hand-written traced:          {full_ratio:6.1%}  (target >= 40%: "
          f"{'met' if full_ratio >= 0.4 else 'NOT met'})")
    print(f"  with every Step object built:            {built_ratio:6.1%}")
    print(f"verdict only / hand-written short-circuit: {fast_ratio:6.1%}  (target >= 40%: "
          f"{'met' if fast_ratio >= 0.4 else 'NOT met'})")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
