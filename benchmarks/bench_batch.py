"""JSON Lines batch end to end (issue 12): `mingxing evaluate --batch in.jsonl --out out.jsonl`
(read, validate, evaluate, write the compact verdict JSON), side by side in one process with
two yardsticks on the same file:

  * the floor: each line parsed with `json.loads` and written back with `json.dumps`, nothing
    else (no library can be faster than reading and writing its own data);
  * a hand-written batch: each line parsed, decided by the hand-written traced checks
    (benchmarks/handwritten_star.py, no validation) and its outcome and check results written.

Then memory: the same command in a fresh process over `--count` and 4x `--count` offices; the
peak resident set size must not grow with the file (streaming).

    python benchmarks/bench_batch.py [--count 20000] [--repeat 3]

Times are CPU seconds of this process, best of `--repeat` interleaved rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import handwritten_star
from population import population

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent


def write_offices(path: Path, count: int, seed: int = 20121130) -> None:
    star = load_ruleset("star-judicial-office")
    base = population(star, min(count, 2000), seed=seed)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            office = dict(base[number % len(base)], id=f"batch-{number:07d}")
            handle.write(json.dumps(office, ensure_ascii=False) + "\n")


def floor(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")


def hand_batch(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            office = json.loads(line)
            outcome, records = handwritten_star.traced(office)
            checks = {r[0]: r[1] for r in records}
            out.write(json.dumps({"id": office["id"], "outcome": outcome, "checks": checks},
                                 ensure_ascii=False) + "\n")


def ours(source: Path, target: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = cli(["evaluate", "--batch", str(source), "--out", str(target)])
    assert status == 0, status


def best_cpu(runs: Sequence[Callable[[], None]], repeat: int) -> list[float]:
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.process_time()
            run()
            best[index] = min(best[index], time.process_time() - start)
    return best


def peak_rss_mb(source: Path, target: Path) -> float:
    """Peak RSS of a fresh `mingxing evaluate --batch` process (MB)."""
    code = ("import resource, sys\n"
            "from mingxing_rules.cli import main\n"
            "main(sys.argv[1:])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run(
        [sys.executable, "-c", code, "evaluate", "--batch", str(source), "--out", str(target),
         "--quiet"], capture_output=True, text=True, check=False, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "offices.jsonl", Path(folder) / "verdicts.jsonl"
        write_offices(source, args.count)
        ours(source, target)  # warm: the ruleset is loaded and compiled once per process
        with target.open(encoding="utf-8") as lines:
            written = sum(1 for _ in lines)
        assert written == args.count, written
        size = target.stat().st_size
        seconds = best_cpu([lambda: ours(source, target),
                            lambda: hand_batch(source, Path(folder) / "hand.jsonl"),
                            lambda: floor(source, Path(folder) / "floor.jsonl")], args.repeat)
        print(f"machine: {platform.processor() or platform.machine()}, Python "
              f"{platform.python_version()}; {args.count:,} offices, best of {args.repeat} "
              f"(CPU time)")
        names = ("mingxing evaluate --batch (compact JSON)", "hand-written batch (traced)",
                 "floor: json.loads + json.dumps only")
        for name, value in zip(names, seconds, strict=True):
            print(f"{name:44} {args.count / value:10,.0f} offices/s  ({value:.2f} s)")
        print(f"output: {size / args.count:,.0f} B per verdict")
        small = peak_rss_mb(source, target)
        bigger = Path(folder) / "bigger.jsonl"
        write_offices(bigger, 4 * args.count)
        large = peak_rss_mb(bigger, target)
        print(f"peak RSS: {small:.0f} MB for {args.count:,} offices, {large:.0f} MB for "
              f"{4 * args.count:,}")
        print(json.dumps({"ours": round(args.count / seconds[0]),
                          "hand": round(args.count / seconds[1]),
                          "floor": round(args.count / seconds[2]),
                          "bytes_per_verdict": round(size / args.count),
                          "rss_mb": [round(small), round(large)]}))


if __name__ == "__main__":
    main()
