"""The durable backend's speed beside the native one, on the same offices, in one run (issue 6).

    python benchmarks/bench_durable.py [--count 500] [--repeat 3] [--stock 150]

Reports evaluations/second for:
  * native: `evaluate(office, ruleset)` (compiled Python, full trace);
  * durable: `evaluate(office, ruleset, backend="durable")` (Rete engine, full trace) and the
    engine run alone (`DurableBackend.row`);
  * verified: both, compared;
  * the yardstick, benchmarks/handmade_durable.py: the same checks written by hand as a
    durable_rules ruleset with its own trace-producing actions, on the same minimal driver loop,
    and (for reference) on durable_rules' stock `durable.engine.Host`;
and the cost of the durable backend relative to the hand-made ruleset (target: at most 1.25x).
CPU time of this process is measured (the machine may be shared), best of --repeat runs.
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

import handmade_durable
from population import population

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.backends.durable import DurableBackend, durable_ruleset

TARGET = 1.25


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "load unknown"
    return (f"{cpu}, nproc {os.cpu_count()}, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()}, {load}")


def rate(run: Callable[[Sequence[Any]], object], items: Sequence[Any], repeat: int) -> float:
    """Evaluations per CPU second, best of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run(items)
        best = min(best, time.process_time() - start)
    return len(items) / max(best, 1e-9)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stock", type=int, default=150,
                        help="offices for the stock durable.engine.Host run (0 to skip)")
    args = parser.parse_args(argv)

    ruleset = load_ruleset("star-judicial-office")
    raw = population(ruleset, args.count)
    offices = [ruleset.parse_office(o) for o in raw]
    program = ruleset.program
    backend = DurableBackend()
    registered = durable_ruleset(program)
    yardstick = handmade_durable.Yardstick()

    # the three must agree on every check they share, or the comparison means nothing
    disagreements = 0
    for data, office in zip(raw, offices, strict=True):
        native = evaluate(office, ruleset)
        durable = evaluate(office, ruleset, backend="durable")
        outcome, statuses = yardstick.evaluate(data)
        steps = {s.id: s.status.value.replace("not_applicable", "na") for s in durable.trace
                 if s.kind != "derived"}
        if (native != durable or native.outcome != outcome
                or any(steps.get(k, v) != v for k, v in statuses.items())):
            disagreements += 1

    def native_full(items: Sequence[Any]) -> None:
        for office in items:
            evaluate(office, ruleset)

    def durable_full(items: Sequence[Any]) -> None:
        for office in items:
            evaluate(office, ruleset, backend="durable")

    def durable_row(items: Sequence[Any]) -> None:
        for office in items:
            backend.row(program, office)

    def verified(items: Sequence[Any]) -> None:
        for office in items:
            evaluate(office, ruleset, backend="verified")

    def handmade(items: Sequence[Any]) -> None:
        for data in items:
            yardstick.evaluate(data)

    repeat = args.repeat
    results = {
        "native: evaluate, full trace": rate(native_full, offices, repeat),
        "durable: evaluate, full trace": rate(durable_full, offices, repeat),
        "durable: engine run only (row)": rate(durable_row, offices, repeat),
        "verified: native + durable, compared": rate(verified, offices, repeat),
        "hand-made durable_rules ruleset": rate(handmade, raw, repeat),
    }
    if args.stock:
        sample = raw[: args.stock]
        start = time.process_time()
        handmade_durable.evaluate_with_stock_host(sample)
        results["hand-made, stock durable.engine.Host"] = len(sample) / max(
            time.process_time() - start, 1e-9)

    translation = registered.translation
    print(f"machine: {machine()}")
    print(f"population: {args.count} generated offices (seeded), ruleset {ruleset.key}, "
          f"{len(ruleset.criteria())} criteria; durable ruleset {translation.name}: "
          f"{translation.rule_count} rules, {translation.partitions} office events per "
          f"evaluation; hand-made: {len(yardstick.rules)} rules, 21 events")
    print(f"disagreements (native / durable / hand-made, every step): {disagreements}")
    print(f"{'measure':44} {'evals/s':>10}")
    for name, value in results.items():
        print(f"{name:44} {value:10,.0f}")
    cost = results["hand-made durable_rules ruleset"] / results["durable: evaluate, full trace"]
    engine_cost = (results["hand-made durable_rules ruleset"]
                   / results["durable: engine run only (row)"])
    slower = results["native: evaluate, full trace"] / results["durable: evaluate, full trace"]
    print(f"durable backend (full trace) cost / hand-made ruleset: {cost:5.2f}x  "
          f"(target <= {TARGET}x: {'met' if cost <= TARGET else 'NOT met'})")
    print(f"  engine run only / hand-made:                      {engine_cost:5.2f}x")
    print(f"durable backend is {slower:,.0f}x slower than the native evaluator")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
