"""Memory of a streaming batch: a million offices as JSON Lines, evaluated one line at a time.

    python benchmarks/bench_memory.py [--count 1000000] [--seed 20121130] [--keep]

1. Writes ``--count`` generated offices (seeded: the same file every run) to a temporary JSON
   Lines file, one office per line, without holding them in memory. About 1 % of the lines are
   bad on purpose (a negative area, an unknown honour, a date in the wrong format, a line that is
   not JSON), so that the error path is measured too.
2. Reads the file back line by line; each line is parsed, validated and evaluated with
   :func:`mingxing_rules.engine.evaluate` (the full row is computed; Step objects are built only
   when a trace is read, as in any batch that writes outcomes), and ``id,outcome`` is written out.
3. Reports throughput, the outcome counts (which must add up to the number of lines, errors
   included: nothing is silently dropped), the resident memory sampled along the way, and the
   peak resident set size of the process (``resource.getrusage``). Target: under 200 MB.

Exit status 1 when the peak is over the target or the counts do not add up.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from mingxing_rules import InputError, Ruleset, evaluate, load_ruleset
from mingxing_rules.engine.constraints import repair
from mingxing_rules.ruleset.model import FactSpec

sys.path.insert(0, str(Path(__file__).parent))
from population import clamp_rates, rate_pairs

TARGET_MB = 200.0
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "offices"



# facts that are true for few offices (most are applicants, not Star offices under review)
RARE = {"holds_star_title": 0.15, "major_problem": 0.03, "s01_premises_drop_justified": 0.3,
        "county_review_passed": 0.95}


def _value(rng: random.Random, fact: FactSpec, good: bool) -> Any:
    if fact.type in ("boolean", "finding"):
        return rng.random() < (0.98 if good else 0.7)
    if fact.type == "enum":
        return rng.choice(fact.value_ids)
    if fact.type == "set":
        ids = list(fact.value_ids)
        if "incident" in fact.name or fact.name == "honours":
            return [] if rng.random() < 0.95 else [rng.choice(ids)]
        return ids if good and rng.random() < 0.9 else sorted(rng.sample(ids, rng.randint(0,
                                                                                        len(ids))))
    if fact.type == "date":
        year = rng.choice((2013, 2014, 2015))
        return (dt.date(year, 11, 30) + dt.timedelta(days=rng.randint(-60, 5))).isoformat()
    if fact.type in ("number", "integer"):
        low = fact.minimum if fact.minimum is not None else 0
        high = fact.maximum if fact.maximum is not None else low + 400
        value = rng.uniform(low, min(high, low + 400))
        return round(value) if fact.type == "integer" else round(value, 1)
    return "note"


def _variation(rng: random.Random, base: dict[str, Any], facts: dict[str, FactSpec]
               ) -> dict[str, Any]:
    """An example office with a few counts moved by one (kept within their declared range)."""
    office = dict(base)
    for name in rng.sample(sorted(facts), 4):
        fact, value = facts[name], office.get(name)
        if fact.type == "integer" and isinstance(value, int) and not isinstance(value, bool):
            moved = value + rng.choice((-1, 1))
            if fact.minimum is not None:
                moved = max(moved, int(fact.minimum))
            if fact.maximum is not None:
                moved = min(moved, int(fact.maximum))
            office[name] = moved
    return office


def offices(ruleset: Ruleset, count: int, seed: int) -> Iterator[str]:
    """``count`` JSON lines: offices near the thresholds, about 1 % of them bad on purpose.

    Half are the example offices (``examples/offices``) with a few counts moved, so that every
    outcome, STAR included, occurs; the other half are drawn fact by fact.
    """
    rng = random.Random(seed)
    facts = ruleset.spec.facts
    by_name = {f.name: f for f in facts}
    examples = [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    pairs = rate_pairs(ruleset)
    for number in range(count):
        good = rng.random() < 0.6
        office: dict[str, Any] = {"id": f"mem-{number:07d}"}
        if examples and rng.random() < 0.5:
            office.update(_variation(rng, rng.choice(examples), by_name))
            office["id"] = f"mem-{number:07d}"
            repair(office, ruleset.constraints)  # a moved count may break a sum or a window
            clamp_rates(office, ruleset)  # the 1 % bad lines are made on purpose, below
            line = json.dumps(office, ensure_ascii=False)
            yield line if rng.random() >= 0.01 else line.replace('"floor_area_m2": ',
                                                                 '"floor_area_m2": -', 1)
            continue
        for fact in facts:
            if rng.random() < 0.02:
                continue  # a fact not reported: some verdicts are undecided
            office[fact.name] = _value(rng, fact, good)
        for denominator, numerator, rate in pairs:
            if denominator in office and numerator in office:
                total = rng.randint(0, 300)
                office[denominator] = total
                near = int(total * rate + 0.999999) + rng.choice((-1, 0, 0, 1))
                office[numerator] = max(0, min(total, near if good else rng.randint(0, total)))
        clamp_rates(office, ruleset)
        for name, probability in RARE.items():
            if name in office:
                office[name] = rng.random() < probability
        if "office_kind" in office:
            office["office_kind"] = rng.choice(("township",) * 5 + ("street",) * 4 + ("other",))
        if "assessment_year" in office:
            office["assessment_year"] = rng.choice((2013, 2014, 2015))
        if "floor_area_m2" in office:
            office["floor_area_m2"] = rng.choice((199.5, 200, 240, 320)) if good else round(
                rng.uniform(120, 320), 1)
        if "staff_count" in office:
            office["staff_count"] = rng.randint(7, 12) if good else rng.randint(3, 9)
        repair(office, ruleset.constraints)  # facts that must agree (the ruleset's constraints)
        clamp_rates(office, ruleset)
        bad = rng.random()
        if bad < 0.003:
            office["floor_area_m2"] = -1
        elif bad < 0.006:
            office["honours"] = ["golden_star"]
        elif bad < 0.009:
            office["submitted_on"] = "2013/11/30"
        elif bad < 0.010:
            yield '{"id": "broken-' + str(number) + '", '  # not JSON at all
            continue
        yield json.dumps(office, ensure_ascii=False)


def rss_mb() -> float:
    """Current resident set size (Linux: /proc/self/statm), in MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, KiB on Linux


def evaluate_stream(lines: TextIO, ruleset: Ruleset, out: TextIO, total: int
                    ) -> tuple[collections.Counter[str], list[tuple[int, float]]]:
    """Evaluate a JSON Lines stream one line at a time; count outcomes and errors."""
    counts: collections.Counter[str] = collections.Counter()
    samples: list[tuple[int, float]] = []
    checkpoints = {max(1, total * k // 10) for k in range(1, 11)}
    for number, line in enumerate(lines, 1):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            counts["error: not JSON"] += 1
            out.write(f"line {number},error\n")
        else:
            try:
                verdict = evaluate(data, ruleset)
            except InputError as error:
                counts[f"error: {','.join(error.fields)}"] += 1
                out.write(f"{error.office_id},error\n")
            else:
                counts[verdict.outcome] += 1
                out.write(f"{verdict.office_id},{verdict.outcome}\n")
        if number in checkpoints:
            samples.append((number, rss_mb()))
    return counts, samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="offices (default 1000000)")
    parser.add_argument("--seed", type=int, default=20121130)
    parser.add_argument("--keep", action="store_true", help="keep the generated JSON Lines file")
    args = parser.parse_args(argv)

    ruleset = load_ruleset("star-judicial-office")
    baseline = rss_mb()
    folder = Path(tempfile.mkdtemp(prefix="mingxing-memory-"))
    batch, results = folder / "offices.jsonl", folder / "outcomes.csv"

    started = time.perf_counter()
    with batch.open("w", encoding="utf-8") as sink:
        for line in offices(ruleset, args.count, args.seed):
            sink.write(line + "\n")
    generated = time.perf_counter() - started
    size_mb = batch.stat().st_size / 1e6

    started = time.perf_counter()
    with batch.open(encoding="utf-8") as lines, results.open("w", encoding="utf-8") as out:
        counts, samples = evaluate_stream(lines, ruleset, out, args.count)
    elapsed = time.perf_counter() - started
    peak = peak_rss_mb()

    evaluated = sum(counts.values())
    errors = sum(n for k, n in counts.items() if k.startswith("error"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"batch: {args.count:,} offices, seed {args.seed}, {size_mb:,.0f} MB of JSON Lines "
          f"(written in {generated:,.0f} s)")
    print(f"evaluated: {evaluated:,} lines in {elapsed:,.0f} s = {evaluated / elapsed:,.0f} "
          "offices/s (parse, validate, evaluate, write id,outcome)")
    print("outcomes: " + ", ".join(f"{k} {n:,}" for k, n in counts.most_common()
                                   if not k.startswith("error")))
    print(f"bad lines reported: {errors:,} (" + ", ".join(
        f"{k.removeprefix('error: ')} {n:,}" for k, n in sorted(counts.items())
        if k.startswith("error")) + ")")
    print(f"counts add up: {evaluated:,} = {args.count:,} lines: "
          f"{'yes' if evaluated == args.count else 'NO'}")
    print(f"resident memory: {baseline:.0f} MB after loading the ruleset; during the batch "
          + ", ".join(f"after {n:,}: {mb:.0f} MB" for n, mb in samples))
    print(f"peak RSS: {peak:.1f} MB (target < {TARGET_MB:.0f} MB: "
          f"{'met' if peak < TARGET_MB else 'NOT met'})")
    if args.keep:
        print(f"kept: {batch}")
    else:
        batch.unlink()
        results.unlink()
        folder.rmdir()
    return 0 if peak < TARGET_MB and evaluated == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
