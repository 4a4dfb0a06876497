"""What users read, on the Star ruleset (issue 12): validation, traces, JSON, explanations, gap,
frames and impact, in one process on one seeded population.

    python benchmarks/bench_views.py [--count 2000] [--impact 10000]

Each row is a whole user-level call with dict input (validation included) unless it says
otherwise. `impact` evaluates a one-threshold amendment (floor area 200 -> 180) over `--impact`
generated offices and is compared with a hand-written loop doing both versions with traces
(benchmarks/handwritten_star.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from population import population

from mingxing_rules import evaluate, evaluate_many, gap, impact, load_ruleset

ROOT = Path(__file__).resolve().parent.parent


def per_second(function: Callable[[Any], object], items: Sequence[Any]) -> float:
    start = time.perf_counter()
    for item in items:
        function(item)
    return len(items) / (time.perf_counter() - start)


def amended(tmp: Path) -> Path:
    text = (ROOT / "rulesets" / "star-judicial-office.yaml").read_text(encoding="utf-8")
    path = tmp / "amended.yaml"
    path.write_text(text.replace("floor_area_m2 >= 200", "floor_area_m2 >= 180", 1),
                    encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--impact", type=int, default=10000)
    args = parser.parse_args(argv)
    star = load_ruleset("star-judicial-office")
    offices = population(star, args.count)
    verdicts = [evaluate(o, star) for o in offices]
    rows: list[tuple[str, float]] = [
        ("validate dict -> Office", per_second(star.parse_office, offices)),
        ("evaluate", per_second(lambda o: evaluate(o, star), offices)),
        ("evaluate + trace.failing()", per_second(lambda o: evaluate(o, star).trace.failing(),
                                                   offices)),
        ("to_json() compact (verdict given)", per_second(lambda v: v.to_json(), verdicts)),
        ("to_json(full=True) (verdict given)",
         per_second(lambda v: v.to_json(full=True), verdicts)),
        ("explain('en') (verdict given)", per_second(lambda v: v.explain("en"), verdicts)),
        ("gap (verdict given)", per_second(gap, verdicts[: max(1, args.count // 4)])),
    ]
    start = time.perf_counter()
    evaluate_many(offices, star).to_frame()
    rows.append(("evaluate_many(...).to_frame()", args.count / (time.perf_counter() - start)))
    compact = sum(len(v.to_json().encode()) for v in verdicts) / len(verdicts)
    full = sum(len(v.to_json(full=True).encode()) for v in verdicts) / len(verdicts)

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        new = load_ruleset(amended(Path(folder)))
        population_big = population(star, args.impact, seed=7)
        start = time.perf_counter()
        report = impact(star, new, population_big)
        seconds = time.perf_counter() - start
    rows.append((f"impact over {args.impact:,} offices (offices/s)", args.impact / seconds))

    print(f"{'measure':45} {'per second':>12}")
    for name, value in rows:
        print(f"{name:45} {value:12,.0f}")
    print(f"verdict JSON: compact {compact:,.0f} B, full {full:,.0f} B per office")
    print(f"impact: {len(report.flips)} flips in {seconds:.2f} s")
    print(json.dumps({name: round(value) for name, value in rows}))


if __name__ == "__main__":
    main()
