"""The cost of dated rules and of decision records, beside plain evaluation, in one run (issue 16).

    python benchmarks/bench_records.py [--count 300] [--repeat 3]

Reports offices/second for:
  * the yardstick: `evaluate(office, ruleset)` with a loaded ruleset (full trace);
  * `evaluate(office, "star-judicial-office", on=date)`: the version in force looked up per call;
  * `evaluate(office, on="assessment")`: the version chosen by each office's own date;
  * `DecisionLog.evaluate(office)`: evaluated and recorded, one fsynced transaction per record
    (wall time: the cost is the disk, not the CPU), and the same inside `log.bulk()` (200
    records per transaction);
  * `replay(log)`: every record re-evaluated and compared byte for byte (CPU time).
CPU time is best of --repeat runs (the machine may be shared); the log rows use wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from population import population

from mingxing_rules import DecisionLog, evaluate, load_ruleset, replay


def machine() -> str:
    try:
        load = "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "load unknown"
    return (f"nproc {os.cpu_count()}, Python {platform.python_version()}, "
            f"{platform.system()}, {load}")


def cpu_rate(run: Callable[[Sequence[Any]], object], items: Sequence[Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run(items)
        best = min(best, time.process_time() - start)
    return len(items) / best if best > 0 else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    star = load_ruleset("star-judicial-office")
    offices = population(star, args.count)
    dated = [{**o, "assessment_year": 2013 + n % 3} for n, o in enumerate(offices)]
    for office in dated:
        office.pop("submitted_on", None)
    day = dt.date(2014, 12, 1)

    rows: list[tuple[str, float, str]] = []
    yardstick = cpu_rate(lambda xs: [evaluate(o, star) for o in xs], offices, args.repeat)
    rows.append(("evaluate(office, ruleset)  [yardstick]", yardstick, "CPU"))
    rows.append(("evaluate(office, id)", cpu_rate(
        lambda xs: [evaluate(o, "star-judicial-office") for o in xs], offices, args.repeat),
        "CPU"))
    rows.append(("evaluate(office, id, on=date)", cpu_rate(
        lambda xs: [evaluate(o, "star-judicial-office", on=day, extra="ignore") for o in xs],
        offices, args.repeat), "CPU"))
    rows.append(("evaluate(office, on='assessment')", cpu_rate(
        lambda xs: [evaluate(o, on="assessment", extra="ignore") for o in xs], dated,
        args.repeat), "CPU"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "decisions.sqlite"
        with DecisionLog(path) as log:
            start = time.perf_counter()
            for office in offices:
                log.evaluate(office, star)
            wall = time.perf_counter() - start
        rows.append(("DecisionLog.evaluate (fsync per record)", len(offices) / wall, "wall"))
        with DecisionLog(Path(folder) / "bulk.sqlite") as log, log.bulk():
            start = time.perf_counter()
            for office in offices:
                log.evaluate(office, star)
            wall = time.perf_counter() - start
        rows.append(("DecisionLog.evaluate in bulk()", len(offices) / wall, "wall"))
        start_cpu = time.process_time()
        report = replay(path)
        spent = time.process_time() - start_cpu
        assert report.counts()["reproduced"] == len(offices)
        rows.append(("replay(log)", len(offices) / spent if spent else float("inf"), "CPU"))

    print(f"bench_records: {args.count} offices, best of {args.repeat}; {machine()}")
    for name, per_second, clock in rows:
        print(f"  {name:<42} {per_second:>10,.0f} offices/s  ({clock}; "
              f"{per_second / yardstick:.2f}x the yardstick)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
