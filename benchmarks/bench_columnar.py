"""The columnar engine at population scale (issue 18's benchmark; never a timed test).

    python benchmarks/bench_columnar.py [--count 1000000] [--yardstick 200000] [--part all]

In one run, on generated offices (mingxing_rules.columnar.generate_offices, seeded):
  * star: verdict + every criterion / standard / rule status + derived values for ``--count``
    Star offices read from Parquet and written to Parquet, streamed in batches
    (evaluate_parquet), and the same from a frame in memory;
  * e24: the 24-criterion ruleset (benchmarks/eligibility24.yaml) with statuses, against its
    hand-written per-row Python twin (benchmarks/handwritten_eligibility24.py) on
    ``--yardstick`` offices (per-row Python is timed on fewer rows; rates are per office);
  * impact: a one-threshold amendment (mediation success 96 % -> 97 %, examples/amendment)
    over ``--count`` Star offices, with the first 1,000 flips explained office by office;
  * memory: peak resident memory of a child process streaming the Parquet file in batches of
    100,000 rows, against one batch of everything.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import handwritten_eligibility24
from bench_evaluate import machine

ROOT = Path(__file__).resolve().parent.parent


CPU: list[float] = []  # the process CPU seconds of the last run timed (both cores count)


def _seconds(run: object) -> float:
    """Wall-clock seconds of ``run()``; its CPU seconds (every thread) go to ``CPU[-1]``. On a
    machine shared with other jobs the wall clock also counts the time others hold the cores:
    both are printed, with the load average, so a reader can tell."""
    start, cpu = time.perf_counter(), time.process_time()
    run()  # type: ignore[operator]
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start


def _cpu(count: int) -> str:
    return f"(CPU {CPU[-1]:.2f} s = {count / CPU[-1]:,.0f} offices per CPU-second)"


def _text_columns(frame: Any) -> Any:
    """The same offices with enums and set items as plain text (no Enum dtype)."""
    import polars as pl

    return frame.with_columns(
        pl.col(name).cast(pl.List(pl.String) if isinstance(dtype, pl.List) else pl.String)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Enum) or (isinstance(dtype, pl.List)
                                           and isinstance(dtype.inner, pl.Enum)))


def star(count: int, folder: Path) -> None:
    import polars as pl

    from mingxing_rules import load_ruleset
    from mingxing_rules.columnar import evaluate_frame, evaluate_parquet, generate_offices

    ruleset = load_ruleset("star-judicial-office")
    source, out = folder / "star.parquet", folder / "star-verdicts.parquet"
    generate_offices(ruleset, count, seed=2012).write_parquet(source, row_group_size=100_000)
    seconds = _seconds(lambda: evaluate_parquet(source, out, ruleset, batch_size=200_000))
    columns = len(pl.read_parquet_schema(out))
    print(f"star, Parquet -> Parquet ({columns} columns: verdict, every status, values): "
          f"{count:,} offices in {seconds:.2f} s = {count / seconds:,.0f} offices/s "
          f"{_cpu(count)}")
    frame: Any = None

    def read() -> None:
        nonlocal frame
        frame = pl.read_parquet(source)

    seconds = _seconds(read)
    print(f"star, reading the Parquet file alone: {seconds:.2f} s {_cpu(count)}")
    evaluate_frame(frame.head(1000), ruleset)  # warm: plan compiled, expressions built
    seconds = _seconds(lambda: evaluate_frame(pl.read_parquet(source), ruleset))
    print(f"star, Parquet file -> verdict frame with statuses and values (read + evaluate): "
          f"{count / seconds:,.0f} offices/s {_cpu(count)} (target >= 500,000/s)")
    seconds = _seconds(lambda: evaluate_frame(frame, ruleset))
    print(f"star, frame in memory -> verdict frame with statuses and values: "
          f"{count / seconds:,.0f} offices/s {_cpu(count)} (target >= 500,000/s)")
    seconds = _seconds(lambda: evaluate_frame(frame, ruleset, statuses=False, values=False))
    print(f"star, verdict only: {count / seconds:,.0f} offices/s {_cpu(count)}")
    text = _text_columns(frame)
    seconds = _seconds(lambda: evaluate_frame(text, ruleset))
    print(f"star, same frame with enums and sets as text: {count / seconds:,.0f} offices/s "
          f"{_cpu(count)}")


def e24(count: int, yardstick: int) -> None:
    from mingxing_rules import load_ruleset
    from mingxing_rules.columnar import evaluate_frame, generate_offices

    ruleset = load_ruleset(ROOT / "benchmarks" / "eligibility24.yaml")
    frame = generate_offices(ruleset, count, seed=24, missing=0.02)
    result = None

    def run() -> None:
        nonlocal result
        result = evaluate_frame(frame, ruleset, undecided="skip")

    evaluate_frame(frame.head(1000), ruleset, undecided="skip")  # warm, as for star
    seconds = _seconds(run)
    columnar = count / seconds
    columnar_cpu = _cpu(count)
    assert result is not None
    criteria = [f"status.{n.id}" for n in ruleset.plan.of_kind("criterion")]
    sample = result.verdicts.head(yardstick).select("row", "outcome", *criteria)
    rows = frame.to_dicts() if count <= yardstick else frame.head(
        int(sample["row"].max() or 0) + 1).to_dicts()
    disagree = sum(1 for record in sample.iter_rows()
                   if handwritten_eligibility24.evaluate(rows[record[0]])
                   != (record[1], tuple(str(s) for s in record[2:])))
    assert disagree == 0, f"the hand-written twin disagrees on {disagree} offices"
    print(f"e24, columnar with statuses: {count:,} offices in {seconds:.2f} s = "
          f"{columnar:,.0f} offices/s {columnar_cpu} (target >= 2,000,000/s)")
    text = _text_columns(frame)
    seconds = _seconds(lambda: evaluate_frame(text, ruleset, undecided="skip"))
    print(f"e24, same frame with enums and sets as text: {count / seconds:,.0f} offices/s "
          f"{_cpu(count)}")
    seconds = _seconds(lambda: evaluate_frame(frame, ruleset))
    print(f"e24, columnar, UNDECIDED rows explained office by office: {count / seconds:,.0f} "
          f"offices/s")
    rows = frame.head(yardstick).to_dicts()
    evaluate = handwritten_eligibility24.evaluate
    seconds = _seconds(lambda: [evaluate(row) for row in rows])
    by_hand = len(rows) / seconds
    print(f"e24, hand-written per-row Python with statuses: {by_hand:,.0f} offices/s "
          f"{_cpu(len(rows))} -> columnar is {columnar / by_hand:.1f}x (~5x wanted)")


def impact(count: int) -> None:
    from mingxing_rules import load_ruleset
    from mingxing_rules.columnar import generate_offices, impact_frame

    old = load_ruleset("star-judicial-office")
    new = load_ruleset(ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml")
    frame = generate_offices([old, new], count, seed=2014)
    report = None

    def run() -> None:
        nonlocal report
        report = impact_frame(old, new, frame, explain=1000)

    seconds = _seconds(run)
    assert report is not None
    flips = report.changes.height
    print(f"impact of the 2014 amendment over {count:,} offices: {seconds:.2f} s "
          f"(CPU {CPU[-1]:.2f} s; target < 10 s); {flips:,} flips, {len(report.flips)} explained; "
          f"{dict(list(report.counts().items())[:3])}")


def _child_memory(source: Path, out: Path, batch: int) -> int:
    # VmHWM is this process image's own peak (ru_maxrss keeps the forking parent's across exec)
    code = (
        "from mingxing_rules.columnar import evaluate_parquet\n"
        f"evaluate_parquet({str(source)!r}, {str(out)!r}, 'star-judicial-office', "
        f"batch_size={batch})\n"
        "print([line.split()[1] for line in open('/proc/self/status')\n"
        "       if line.startswith('VmHWM:')][0])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return int(done.stdout.split()[-1])  # KiB on Linux


def memory(count: int, folder: Path) -> None:
    source = folder / "star.parquet"
    if not source.exists():
        from mingxing_rules import load_ruleset
        from mingxing_rules.columnar import generate_offices

        generate_offices(load_ruleset("star-judicial-office"), count, seed=2012).write_parquet(
            source, row_group_size=100_000)  # a reader decodes a whole row group at once
    for batch in (100_000, count):
        peak = _child_memory(source, folder / "memory.parquet", batch)
        print(f"memory, {count:,} Star offices in batches of {batch:,}: peak RSS "
              f"{peak / 1024:,.0f} MiB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--yardstick", type=int, default=200_000)
    parser.add_argument("--part", choices=("all", "star", "e24", "impact", "memory"),
                        default="all")
    args = parser.parse_args(argv)
    print(machine())
    print("load average (1, 5, 15 min) at the start: " + ", ".join(
        f"{load:.1f}" for load in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.part in ("all", "star"):
            star(args.count, folder)
        if args.part in ("all", "e24"):
            e24(args.count, args.yardstick)
        if args.part in ("all", "impact"):
            impact(args.count)
        if args.part in ("all", "memory"):
            memory(args.count, folder)
    print("load average at the end: " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"this process: peak RSS {usage / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
