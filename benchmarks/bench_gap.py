"""`gap()` on the Star ruleset (issue 12: >= 2,000/s), side by side with `evaluate` and, with
``--baseline``, with the gap package of an earlier commit, in one process.

    python benchmarks/bench_gap.py [--count 2000] [--rounds 6] [--baseline COMMIT]

The population is the seeded one of ``bench_views.py``; like its ``gap (verdict given)`` row,
each pass runs ``gap(verdict)`` over ``count // 4`` verdicts (CPU time of this process; the
message catalogues are read before, as ``bench_views.py`` has read them for its explanations).

* *first gap*: the first gap of the process (the per-plan setup);
* *cold pass*: what ``bench_views.py`` measures, the first pass of a process over the bench's
  verdicts, with everything learnt per plan on the way (node functions, candidate changes,
  the needs of the target): each round forgets what the gap keeps per plan first;
* *unseen offices*: each round a new seeded population, with what was learnt per plan kept
  (the steady state of a long batch).

Rounds interleave the implementations, order alternating; best and median are printed.
``--baseline COMMIT`` loads ``mingxing_rules/gap/`` as it was at ``COMMIT`` (``git show``) as a
second package and runs it on verdicts evaluated separately (neither reuses what the other
cached on a verdict); the two must give the same ``to_dict()`` and the same explanations (zh,
en) on every verdict of the passes, or the script stops.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import statistics
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

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.engine.trace import Verdict
from mingxing_rules.explain import Wording

ROOT = Path(__file__).resolve().parent.parent

GapFunction = Callable[[Verdict], Any]


def gap_package(commit: str | None, folder: Path) -> ModuleType:
    """``mingxing_rules.gap`` (``commit`` None), or ``mingxing_rules/gap/`` at ``commit``
    imported as ``mingxing_rules.gap_baseline`` (its relative imports read the current
    package)."""
    if commit is None:
        return importlib.import_module("mingxing_rules.gap")
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
    return module


class Contender:
    """One gap implementation: its ``gap`` and what it keeps per plan."""

    def __init__(self, name: str, package: ModuleType) -> None:
        self.name = name
        self.gap: GapFunction = importlib.import_module(package.__name__ + ".solver").gap
        self.static = importlib.import_module(package.__name__ + ".static")
        self.first_gap = 0.0
        self.cold: list[float] = []
        self.unseen: list[float] = []

    def forget(self) -> None:
        """Drop the per-plan answers (a new process would not have them)."""
        self.static._PLANS.clear()

    def rate(self, verdicts: Sequence[Verdict]) -> float:
        start = time.process_time()
        for verdict in verdicts:
            self.gap(verdict)
        return len(verdicts) / (time.process_time() - start)


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
    for lang in ("zh", "en"):  # the message catalogues, read once per process
        Wording(lang)

    with tempfile.TemporaryDirectory() as folder:
        contenders = [Contender("now", gap_package(None, Path(folder)))]
        if args.baseline:
            contenders.insert(0, Contender(f"baseline {args.baseline[:10]}",
                                           gap_package(args.baseline, Path(folder))))
        for contender in contenders:
            verdict = evaluate(offices[0], star)
            start = time.process_time()
            contender.gap(verdict)
            contender.first_gap = time.process_time() - start
        start = time.process_time()
        for office in offices:
            evaluate(office, star)
        evaluate_rate = size / (time.process_time() - start)
        for round_number in range(args.rounds):
            order = contenders[::-1] if round_number % 2 else contenders
            for contender in order:  # each on verdicts of its own
                contender.forget()
                contender.cold.append(contender.rate([evaluate(o, star) for o in offices]))
            people = population(star, args.count, seed=1000 + round_number)[:size]
            for contender in order:
                contender.unseen.append(contender.rate([evaluate(o, star) for o in people]))
        if args.baseline:
            theirs, mine = contenders[0].gap, contenders[1].gap
            same_answers(mine, theirs, offices, star)
            same_answers(mine, theirs, population(star, args.count, seed=1000)[:size], star)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"gap(verdict) on the Star ruleset, {size} verdicts per pass, CPU time, "
          f"{args.rounds} rounds; load average {load}")
    print(f"{'':24} {'first gap':>10} {'cold pass /s':>22} {'unseen offices /s':>22}")
    print(f"{'':24} {'ms':>10} {'best':>11} {'median':>10} {'best':>11} {'median':>10}")
    for c in contenders:
        print(f"{c.name:24} {c.first_gap * 1000:10.1f} {max(c.cold):11,.0f} "
              f"{statistics.median(c.cold):10,.0f} {max(c.unseen):11,.0f} "
              f"{statistics.median(c.unseen):10,.0f}")
    print(f"{'evaluate (yardstick)':24} {'':10} {evaluate_rate:11,.0f}")
    for c in contenders:
        print(f"round by round, {c.name}: cold " + " ".join(f"{r:,.0f}" for r in c.cold)
              + "; unseen " + " ".join(f"{r:,.0f}" for r in c.unseen))
    if len(contenders) == 2:
        before, after = contenders
        def paired(mine: list[float], theirs: list[float]) -> float:
            """The median of the round-by-round ratios (each round's pair ran back to back)."""
            return statistics.median(a / b for a, b in zip(mine, theirs, strict=True))

        print(f"now / baseline: cold pass {max(after.cold) / max(before.cold):.2f}x (best), "
              f"{paired(after.cold, before.cold):.2f}x (median of the rounds' ratios); unseen "
              f"{max(after.unseen) / max(before.unseen):.2f}x (best), "
              f"{paired(after.unseen, before.unseen):.2f}x (median of the rounds' ratios)")
        print("same to_dict() and explanations (zh, en) on every verdict compared")


if __name__ == "__main__":
    main()
