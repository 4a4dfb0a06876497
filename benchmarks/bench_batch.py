"""JSON Lines batch end to end (issue 12): `mingxing evaluate --batch in.jsonl --out out.jsonl`
(read, validate, evaluate, write the compact verdict JSON), side by side in one process with
two yardsticks on the same file:

  * the floor: each line parsed with `json.loads` and written back with `json.dumps`, nothing
    else (no library can be faster than reading and writing its own data);
  * a hand-written batch: each line parsed, decided by the hand-written traced checks
    (benchmarks/handwritten_star.py, no validation) and its outcome and check results written.

Rows for each path of the command: one process with orjson (the `fast` extra), one process
without it (the standard library; the same bytes), and `--jobs N` worker processes; and, as
the "before" beside them, the Verdict path in one process (`iter_evaluate` + `jsonl_line`, a
`Verdict` per record: what the command did before the lines were built from the row). One
process is timed in CPU seconds of this process, best of `--repeat` interleaved rounds; the
workers' run is timed by the wall clock (what they are for: using every core), by the CPU
seconds of every process (this one and its children) and by the CPU seconds of the parent
alone (cutting the file into spans, copying the part files), so that a busy machine shows as
the gap between them. Every path must write the same bytes. The load average is printed before
and after.

Then memory: the same command in a fresh process over `--count` and 4x `--count` offices; the
peak resident set size must not grow with the file (streaming); with `--jobs`, the parent's and
the largest worker's.

    python benchmarks/bench_batch.py [--count 20000] [--repeat 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import handwritten_star
from population import population

from mingxing_rules import fastjson, load_ruleset
from mingxing_rules.cli import main as cli
from mingxing_rules.engine.batch import iter_evaluate, jsonl_line

ROOT = Path(__file__).resolve().parent.parent


def write_offices(path: Path, count: int, seed: int = 20121130) -> None:
    star = load_ruleset("star-judicial-office")
    base = population(star, min(count, 2000), seed=seed)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            office = dict(base[number % len(base)], id=f"batch-{number:07d}")
            handle.write(json.dumps(office, ensure_ascii=False) + "\n")


def floor_orjson(source: Path, target: Path) -> None:
    import orjson

    with source.open("rb") as lines, target.open("wb") as out:
        for line in lines:
            out.write(orjson.dumps(orjson.loads(line)) + b"\n")


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


def ours(source: Path, target: Path, *options: str) -> None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        status = cli(["evaluate", "--batch", str(source), "--out", str(target), *options])
    assert status == 0, status


def verdict_path(source: Path, target: Path) -> None:
    """The lines made through a Verdict per record, in one process (the path before)."""
    star = load_ruleset("star-judicial-office")
    with target.open("wb") as out:
        for row, item in iter_evaluate(source, star):
            out.write(jsonl_line(row, item).encode("utf-8") + b"\n")


def ours_without_orjson(source: Path, target: Path) -> None:
    saved, fastjson.orjson = fastjson.orjson, None
    try:
        ours(source, target)
    finally:
        fastjson.orjson = saved


def all_cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_parallel(source: Path, target: Path, jobs: int, repeat: int
                  ) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of every process, CPU seconds of the parent), each the best
    of ``repeat`` runs."""
    wall = cpu = parent = float("inf")
    for _ in range(repeat):
        start_wall, start_cpu, start_own = time.perf_counter(), all_cpu(), time.process_time()
        ours(source, target, "--jobs", str(jobs))
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, all_cpu() - start_cpu)
        parent = min(parent, time.process_time() - start_own)
    return wall, cpu, parent


def best_cpu(runs: Sequence[Callable[[], None]], repeat: int) -> list[float]:
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, run in enumerate(runs):
            start = time.process_time()
            run()
            best[index] = min(best[index], time.process_time() - start)
    return best


def peak_rss_mb(source: Path, target: Path, *options: str) -> tuple[float, float]:
    """Peak RSS of a fresh `mingxing evaluate --batch` process and of its largest child (MB)."""
    # the process's own high-water mark from /proc (ru_maxrss would include what the forked
    # copy of this benchmark held before it ran the command); a worker's from its rusage
    code = ("import re, resource, sys\n"
            "from pathlib import Path\n"
            "from mingxing_rules.cli import main\n"
            "main(sys.argv[1:])\n"
            "status = Path('/proc/self/status')\n"
            "own = (int(re.search(r'VmHWM:\\s*(\\d+)', status.read_text()).group(1))\n"
            "       if status.exists() else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
            "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    done = subprocess.run(
        [sys.executable, "-c", code, "evaluate", "--batch", str(source), "--out", str(target),
         "--quiet", *options], capture_output=True, text=True, check=False, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    own, child = done.stdout.strip().splitlines()[-1].split()
    return int(own) / 1024, int(child) / 1024


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the last row")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "offices.jsonl", Path(folder) / "verdicts.jsonl"
        write_offices(source, args.count)
        ours(source, target)  # warm: the ruleset is loaded and compiled once per process
        with target.open(encoding="utf-8") as lines:
            written = sum(1 for _ in lines)
        assert written == args.count, written
        size = target.stat().st_size
        expected = target.read_bytes()
        runs: list[tuple[str, Callable[[], None]]] = [
            ("mingxing evaluate --batch, orjson", lambda: ours(source, target)),
            ("mingxing evaluate --batch, no orjson",
             lambda: ours_without_orjson(source, Path(folder) / "plain.jsonl")),
            ("before: a Verdict per record, orjson",
             lambda: verdict_path(source, Path(folder) / "verdicts.jsonl")),
            ("hand-written batch (traced)",
             lambda: hand_batch(source, Path(folder) / "hand.jsonl")),
            ("floor: json.loads + json.dumps only",
             lambda: floor(source, Path(folder) / "floor.jsonl")),
            ("floor: orjson.loads + orjson.dumps only",
             lambda: floor_orjson(source, Path(folder) / "floor-orjson.jsonl"))]
        if not fastjson.available():
            runs = [r for r in runs if "orjson" not in r[0] or "no orjson" in r[0]]
        seconds = best_cpu([run for _, run in runs], args.repeat)
        assert (Path(folder) / "plain.jsonl").read_bytes() == expected  # the same bytes
        assert (Path(folder) / "verdicts.jsonl").read_bytes() == expected
        parallel = target.with_suffix(".jobs.jsonl")
        wall, cpu, parent = best_parallel(source, parallel, args.jobs, args.repeat)
        assert parallel.read_bytes() == expected
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}; load average before "
              f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.count:,} offices, "
              f"best of {args.repeat} (one process: CPU time of this process)")
        for (name, _), value in zip(runs, seconds, strict=True):
            print(f"{name:48} {args.count / value:10,.0f} offices/s  ({value:.2f} s)")
        print(f"{f'mingxing evaluate --batch --jobs {args.jobs}, wall':48} "
              f"{args.count / wall:10,.0f} offices/s  ({wall:.2f} s wall, {args.jobs} workers)")
        print(f"{'  the same, per CPU second of all processes':48} "
              f"{args.count / cpu:10,.0f} offices/s  ({cpu:.2f} s CPU)")
        print(f"{'  of which the parent (spans, copying parts)':48} "
              f"{'':10}              ({parent:.2f} s CPU)")
        print(f"output: {size / args.count:,.0f} B per verdict (the same bytes on every path)")
        bigger = Path(folder) / "bigger.jsonl"
        write_offices(bigger, 4 * args.count)
        small, _ = peak_rss_mb(source, target)
        large, _ = peak_rss_mb(bigger, target)
        print(f"peak RSS: {small:.0f} MB for {args.count:,} offices, {large:.0f} MB for "
              f"{4 * args.count:,}")
        small_jobs = peak_rss_mb(source, target, "--jobs", str(args.jobs))
        large_jobs = peak_rss_mb(bigger, target, "--jobs", str(args.jobs))
        print(f"peak RSS with --jobs {args.jobs} (parent, largest worker): "
              f"{small_jobs[0]:.0f} / {small_jobs[1]:.0f} MB for {args.count:,}, "
              f"{large_jobs[0]:.0f} / {large_jobs[1]:.0f} MB for {4 * args.count:,}")
        rates = {name: round(args.count / value) for (name, _), value in zip(
            runs, seconds, strict=True)}
        print(json.dumps({**rates, f"jobs {args.jobs} wall": round(args.count / wall),
                          f"jobs {args.jobs} all CPU": round(args.count / cpu),
                          f"jobs {args.jobs} parent CPU s": round(parent, 2),
                          "bytes_per_verdict": round(size / args.count),
                          "rss_mb": [round(small), round(large)],
                          "rss_mb_jobs": [round(small_jobs[0]), round(small_jobs[1]),
                                          round(large_jobs[0]), round(large_jobs[1])]},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
