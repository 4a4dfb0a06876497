"""Mutation score of the flip search against every single-change mutant of the Star ruleset
(issue 19's benchmark).

    python benchmarks/bench_mutants.py [--every N] [--kind KIND ...] [--max-examples 300]

For each mutant (mingxing_rules.regression.mutants): is it shown equivalent (no verdict can
change)? If not, does `flip_search(star, mutant, max_examples=300)`, without a population,
find an office whose verdict changes? The score is detected / (mutants not shown equivalent);
a mutant the search misses is given to the SMT solver of `mingxing prove`, which either proves
it equivalent or confirms the miss.
Times are CPU seconds of the process (`time.process_time`), so that a machine shared with
other work distorts them less; the load average is printed with them.
Also, side by side in one process: the four one-line amendments of the issue, searched by the
directed search and by the undirected Hypothesis draws alone (the yardstick: what the library
did before).
--every N takes every N-th mutant (a quick sample); the default is all of them. --shard K/N
runs one of N parallel shards (add up their tables).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).parent))

from bench_evaluate import machine

from mingxing_rules import Ruleset, load_ruleset
from mingxing_rules.compile.codegen import compile_ruleset
from mingxing_rules.language.expr import parse, to_text
from mingxing_rules.regression.impact import flip_search
from mingxing_rules.regression.mutants import KINDS, equivalence, mutants

TITLES = "['national_model', 'national_advanced', 'five_good', 'provincial_excellent']"


def amended(star: Ruleset, node_id: str, condition: str) -> Ruleset:
    """The Star ruleset with one node's condition replaced (the spec evolved, compiled)."""
    spec = star.spec
    tree = parse(condition)
    nodes = tuple(attrs.evolve(n, condition=tree, condition_text=to_text(tree))
                  if n.id == node_id else n for n in spec.nodes)
    changed = attrs.evolve(spec, nodes=nodes)
    return Ruleset(changed, compile_ruleset(changed), star.path)


def node_with(star: Ruleset, condition: str) -> str:
    return next(n.id for n in star.spec.nodes if n.condition_text == condition)


def amendments(star: Ruleset) -> dict[str, Ruleset]:
    return {
        "floor area 200 -> 180 m²": amended(
            star, node_with(star, "floor_area_m2 >= 200"), "floor_area_m2 >= 180"),
        "mediation success 96 % -> 97 %": amended(
            star, node_with(star, "mediation_success_rate >= 0.96"),
            "mediation_success_rate >= 0.97"),
        "staff 7 -> 8": amended(star, node_with(star, "staff_count >= 7"), "staff_count >= 8"),
        "provincial excellent no longer a promotion title": amended(
            star, node_with(star, f"any(h in honours for h in {TITLES})"),
            "any(h in honours for h in ['national_model', 'national_advanced', 'five_good'])"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--shard", default="0/1", metavar="K/N",
                        help="only mutants whose position is K modulo N (run N shards in "
                             "parallel; each prints its own table and per-mutant lines)")
    parser.add_argument("--verbose", action="store_true", help="one line per mutant")
    parser.add_argument("--kind", action="append", choices=KINDS, default=None)
    parser.add_argument("--max-examples", type=int, default=300)
    parser.add_argument("--skip-amendments", action="store_true")
    args = parser.parse_args(argv)
    shard, shards = (int(part) for part in args.shard.split("/"))
    star = load_ruleset("star-judicial-office")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} (times are CPU "
          "seconds of this process: time.process_time)")
    print(f"ruleset: {star.key}; at most {args.max_examples} examples per search, "
          "no population\n")

    if not args.skip_amendments:
        print("the four amendments of issue 19 (transitions found; seconds):")
        for name, new in amendments(star).items():
            row = [f"  {name:<50}"]
            for directed in (True, False):
                start = time.process_time()
                found = flip_search(star, new, max_examples=args.max_examples,
                                    directed=directed)
                seconds = time.process_time() - start
                label = "directed" if directed else "undirected (yardstick)"
                settled = " (every pair settled)" if directed and found.complete else ""
                row.append(f"{label}: {len(found.flips)} in {seconds:5.2f} s{settled}")
            print("; ".join(row), flush=True)
        print()

    per_kind: dict[str, Counter[str]] = defaultdict(Counter)
    times: list[float] = []
    examples: list[int] = []
    missed: list[str] = []
    started = time.process_time()
    built = 0.0
    count = 0
    generator = mutants(star, kinds=args.kind, refused=True)
    while True:
        start = time.process_time()
        try:
            mutant = next(generator)
        except StopIteration:
            break
        built += time.process_time() - start
        count += 1
        if (count - 1) % args.every or ((count - 1) // args.every) % shards != shard:
            continue
        if mutant.ruleset is None:
            per_kind[mutant.kind]["refused at load"] += 1
            if args.verbose:
                print(f"mutant {mutant.id} refused", flush=True)
            continue
        start = time.process_time()
        shown = equivalence(star, mutant)
        if shown.equivalent:
            per_kind[mutant.kind]["equivalent"] += 1
            if args.verbose:
                print(f"mutant {mutant.id} equivalent ({shown.reason})", flush=True)
            continue
        found = flip_search(star, mutant.ruleset, max_examples=args.max_examples)
        seconds = time.process_time() - start
        times.append(seconds)
        examples.append(found.examples)
        if args.verbose:
            print(f"mutant {mutant.id} {'detected' if found.flips else 'MISSED'} "
                  f"{seconds:.2f} s {found.examples} examples", flush=True)
        if found.flips:
            per_kind[mutant.kind]["detected"] += 1
        elif equivalence(star, mutant, prove=True).equivalent:
            # not found, but the SMT solver proves no office changes verdict: not a miss
            per_kind[mutant.kind]["equivalent"] += 1
        else:
            per_kind[mutant.kind]["missed"] += 1
            missed.append(f"{mutant.id}: {mutant.description} ({shown.reason}; "
                          f"{found.summary()})")
    total = time.process_time() - started
    print(f"{'kind':<20} {'mutants':>8} {'refused':>8} {'equiv.':>7} {'detected':>9} "
          f"{'missed':>7}")
    totals: Counter[str] = Counter()
    for kind in KINDS:
        row = per_kind.get(kind, Counter())
        totals.update(row)
        print(f"{kind:<20} {sum(row.values()):>8} {row['refused at load']:>8} "
              f"{row['equivalent']:>7} {row['detected']:>9} {row['missed']:>7}")
    print(f"{'all':<20} {sum(totals.values()):>8} {totals['refused at load']:>8} "
          f"{totals['equivalent']:>7} {totals['detected']:>9} {totals['missed']:>7}")
    killable = totals["detected"] + totals["missed"]
    score = totals["detected"] / killable if killable else 1.0
    print(f"\nmutation score: {totals['detected']}/{killable} = {score:.1%} "
          f"(mutants not shown equivalent, detected without a population)")
    if times:
        print(f"search per mutant: median {statistics.median(times):.2f} s, max "
              f"{max(times):.2f} s; examples per mutant: median "
              f"{statistics.median(examples):.0f}, max {max(examples)}")
    print(f"total {total:.0f} s, of which building and compiling mutants {built:.0f} s")
    for line in missed:
        print("  missed " + line)
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
