"""`gap()` on the Star ruleset (issue 12: >= 2,000/s), side by side with `evaluate` and, with
``--baseline``, with the gap package of an earlier commit, in one process.

    python benchmarks/bench_gap.py [--count 2000] [--rounds 4] [--baseline COMMIT]

The population is the seeded one of ``bench_views.py``; like its ``gap (verdict given)`` row,
each pass runs ``gap(verdict)`` over ``count // 4`` verdicts (CPU time of this process).

* *first pass*: the first gaps of the process, over the bench's verdicts (what
  ``bench_views.py`` measures: the per-plan setup of the first gap and everything learnt per
  plan on the way are in it; the message catalogues are read before, as there); the first gap
  alone is printed too;
* *unseen offices*: each round a new seeded population, so that the per-plan memo meets new
  offices (steady state of a long batch); implementations interleaved, order alternating.

``--baseline COMMIT`` loads ``mingxing_rules/gap/`` as it was at ``COMMIT`` (``git show``) as a
second package and runs it on verdicts evaluated separately (neither reuses what the other
cached on a verdict); the two must give the same ``to_dict()`` and the same explanations (zh,
en) on every verdict measured, or the script stops.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from population import population

import mingxing_rules
from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.engine.trace import Verdict
from mingxing_rules.explain import Wording

ROOT = Path(__file__).resolve().parent.parent

GapFunction = Callable[[Verdict], Any]


def baseline_gap(commit: str, folder: Path) -> GapFunction:
    """``gap`` of ``mingxing_rules/gap/`` at ``commit``, imported as
    ``mingxing_rules.gap_baseline`` (its relative imports read the current package)."""
    package = folder / "gap_baseline"
    package.mkdir()
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{commit}:mingxing_rules/gap"], cwd=ROOT,
        check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith(".py"):
            text = subprocess.run(["git", "show", f"{commit}:mingxing_rules/gap/{name}"],
                                  cwd=ROOT, check=True, capture_output=True, text=True).stdout
            (package / name).write_text(text, encoding="utf-8")
    qualified = "mingxing_rules.gap_baseline"
    spec = importlib.util.spec_from_file_location(
        qualified, package / "__init__.py", submodule_search_locations=[str(package)])
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    solver = importlib.import_module(qualified + ".solver")
    gap: GapFunction = solver.gap
    return gap


def cpu(function: Callable[[], Any]) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def run_all(gap: GapFunction, verdicts: Sequence[Verdict]) -> None:
    for verdict in verdicts:
        gap(verdict)


def same_answers(mine: GapFunction, theirs: GapFunction, offices: Sequence[dict[str, Any]],
                 star: Any) -> None:
    """Both give the same gap, to the last word, on fresh verdicts of ``offices``."""
    for office in offices:
        a, b = mine(evaluate(office, star)), theirs(evaluate(office, star))
        if a.to_dict() != b.to_dict() or any(
                a.explain(lang) != b.explain(lang) for lang in ("zh", "en")):
            raise SystemExit(f"different gaps for office {office['id']}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--baseline", help="a commit whose mingxing_rules/gap/ to compare with")
    args = parser.parse_args(argv)
    size = max(1, args.count // 4)
    star = load_ruleset("star-judicial-office")
    offices = population(star, args.count)[:size]
    for lang in ("zh", "en"):  # the message catalogues, read once per process (bench_views.py
        Wording(lang)  # has read them for its explanations before its gap row)

    contenders: dict[str, GapFunction] = {"now": mingxing_rules.gap}
    with tempfile.TemporaryDirectory() as folder:
        if args.baseline:
            contenders = {f"baseline {args.baseline[:10]}": baseline_gap(args.baseline,
                                                                        Path(folder)),
                          **contenders}
        first: dict[str, tuple[float, float]] = {}
        for name, function in contenders.items():  # each on verdicts of its own
            verdicts = [evaluate(office, star) for office in offices]
            setup = cpu(lambda f=function, v=verdicts[0]: f(v))  # type: ignore[misc]
            rest = cpu(lambda f=function, v=verdicts[1:]: run_all(f, v))  # type: ignore[misc]
            first[name] = (setup, size / (setup + rest))
        evaluate_rate = size / cpu(lambda: [evaluate(office, star) for office in offices])
        unseen: dict[str, list[float]] = {name: [] for name in contenders}
        for round_number in range(args.rounds):
            people = population(star, args.count, seed=1000 + round_number)[:size]
            order = list(contenders.items())
            if round_number % 2:
                order.reverse()
            for name, function in order:
                verdicts = [evaluate(office, star) for office in people]
                unseen[name].append(size / cpu(
                    lambda f=function, v=verdicts: run_all(f, v)))  # type: ignore[misc]
        if args.baseline:
            mine, theirs = contenders["now"], next(iter(contenders.values()))
            same_answers(mine, theirs, population(star, args.count, seed=99)[:size], star)
            same_answers(mine, theirs, offices, star)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"gap(verdict) on the Star ruleset, {size} verdicts per pass, CPU time; "
          f"load average {load}")
    print(f"{'':24} {'first gap (ms)':>15} {'first pass /s':>14} {'unseen /s (best, median)':>26}")
    for name in contenders:
        rates = sorted(unseen[name])
        setup, rate = first[name]
        print(f"{name:24} {setup * 1000:15.1f} {rate:14,.0f} "
              f"{rates[-1]:15,.0f} {rates[len(rates) // 2]:10,.0f}")
    print(f"{'evaluate (yardstick)':24} {'':15} {evaluate_rate:14,.0f}")
    for name, rates in unseen.items():
        print(f"unseen, round by round, {name}: " + " ".join(f"{r:,.0f}" for r in rates))
    if args.baseline:
        print("same to_dict() and explanations (zh, en) on every verdict compared")


if __name__ == "__main__":
    main()
