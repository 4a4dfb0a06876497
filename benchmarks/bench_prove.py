"""How long `mingxing prove` takes on the Star ruleset and on the bundled amendment (issue 17).

    python benchmarks/bench_prove.py [--repeat 2]

Reports, best of --repeat runs, the wall time of each phase of ``prove_ruleset`` on
``rulesets/star-judicial-office.yaml`` (every option setting) and of ``prove_equivalent`` of the
amendment against it (base: examples/offices/star-by-assessment.json), the number of checks,
and the yardstick: one native evaluation of every witness the prover re-evaluates (the part of
the time that is not the solver). Wall time is reported because z3 runs outside Python's CPU
accounting of this thread; the machine may be shared, so compare phases within one run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.proofs import CHECKS, prove_equivalent, prove_ruleset, solver_version

ROOT = Path(__file__).resolve().parent.parent


def best(repeat: int, run):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"solver: {solver_version()}")
    total = 0.0
    for check in CHECKS:
        seconds, report = best(args.repeat, lambda c=check: prove_ruleset(
            "star-judicial-office", checks=[c]))
        total += seconds
        print(f"prove star-judicial-office --check {check:10}: {seconds:6.2f} s, "
              f"{len(report.results):3} checks, {report.counts()}")
    seconds, report = best(args.repeat, lambda: prove_ruleset("star-judicial-office"))
    print(f"prove star-judicial-office (all checks, one run): {seconds:6.2f} s "
          f"(sum of phases {total:.2f} s), ok={report.ok}")
    witnesses = [r.office for r in report.results if r.office is not None]
    star = load_ruleset("star-judicial-office")
    started = time.perf_counter()
    for office in witnesses:
        evaluate(dict(office), star, extra="ignore")
    print(f"yardstick: {len(witnesses)} native evaluations of the witnesses: "
          f"{time.perf_counter() - started:.3f} s")
    base = json.loads((ROOT / "examples/offices/star-by-assessment.json").read_text("utf-8"))
    amendment = ROOT / "examples/amendment/star-judicial-office-2014.yaml"
    seconds, report = best(args.repeat, lambda: prove_equivalent(
        "star-judicial-office", amendment, base=base))
    print(f"prove OLD NEW (amendment, --base): {seconds:6.2f} s, "
          f"{len(report.of('flip'))} kinds of flip")


if __name__ == "__main__":
    main()
