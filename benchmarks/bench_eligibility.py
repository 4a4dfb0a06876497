"""The 24-criterion comparison (issue 12): mingxing-rules against hand-written Python and
zen-engine (Rust, with and without its trace), side by side in one process.

    python benchmarks/bench_eligibility.py [--count 5000] [--repeat 3]

Three levels, every one with dict input and validation included (as users call it):
  1. verdict only;
  2. pass/fail per criterion;
  3. pass/fail per criterion plus the values each criterion read;
and the impact of a one-threshold amendment (income limit 60000 -> 55000): `impact(old, new,
offices)` against a hand-written loop that traces every office under both versions and names
the criteria that moved for each flip (the two must find the same flips).
The ruleset, the zen-engine decision graph and the hand-written functions are generated from one
table (benchmarks/eligibility24/criteria.py) and checked to agree on every office first.
zen-engine is optional (`pip install -e '.[bench]'`); without it its rows are skipped.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "eligibility24"
sys.path.insert(0, str(HERE))

import handwritten  # noqa: E402  (from benchmarks/eligibility24, put on the path above)
from criteria import CRITERIA, FACTS, SAMPLES  # noqa: E402

from mingxing_rules import decide, evaluate, impact, load_ruleset  # noqa: E402

AMENDED_LIMIT = 55000  # the one threshold the impact level amends (was 60000)


def hand_impact(offices: Sequence[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Both versions traced by hand; each flip with the criteria whose result moved."""
    flips = []
    for office in offices:
        old = handwritten.traced(office)
        new = handwritten.traced(office)  # the amended version: the same checks, one limit moved
        income = office["annual_income"]
        new["income_limit"] = (income <= AMENDED_LIMIT, {"annual_income": income})
        if all(ok for ok, _ in old.values()) != all(ok for ok, _ in new.values()):
            flips.append((office["id"], [c for c in old if old[c][0] != new[c][0]]))
    return flips


def population(count: int, seed: int = 2013, fail: float = 0.03) -> list[dict[str, Any]]:
    """Offices where each fact fails its criteria with probability ``fail``: about half pass
    every criterion, so a short-circuit has to read far into the list, as in a real screening."""
    rng = random.Random(seed)
    offices = []
    for number in range(count):
        office: dict[str, Any] = {"id": f"o{number}"}
        for name, _kind, _extra in FACTS:
            passing, failing = SAMPLES[name]
            office[name] = rng.choice(failing if rng.random() < fail else passing)
        offices.append(office)
    return offices


def interleaved(runs: Sequence[tuple[Callable[[], object], int]], repeat: int) -> list[float]:
    """Items per second of each ``(run, items)``, best of ``repeat`` rounds that each time
    every run once in turn: on a shared machine a busy spell then hits every contender, not
    only the one being timed. CPU time of this process (time spent waiting for a core that
    other jobs hold is not the code's)."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for index, (run, _items) in enumerate(runs):
            start = time.process_time()
            run()
            best[index] = min(best[index], time.process_time() - start)
    return [items / seconds for (_, items), seconds in zip(runs, best, strict=True)]


def each(function: Callable[[dict[str, Any]], object], offices: Sequence[dict[str, Any]]
         ) -> Callable[[], None]:
    def run() -> None:
        for office in offices:
            function(office)
    return run


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    ruleset = load_ruleset(HERE / "ruleset.yaml")
    criteria = tuple(c[0] for c in CRITERIA)
    offices = population(args.count)
    try:
        import zen
    except ImportError:
        zen = None
    decision = None
    if zen is not None:
        decision = zen.ZenEngine().create_decision((HERE / "zen.json").read_text("utf-8"))

    # the three implementations agree on every office before anything is timed
    for office in offices:
        expected = handwritten.statuses(office)
        verdict = evaluate(office, ruleset)
        got = dict(zip(criteria, (s.value == "pass" for s in verdict.trace.statuses(criteria)),
                       strict=True))
        assert got == expected, office["id"]
        assert verdict.outcome == handwritten.verdict(office)
        if decision is not None:
            result = decision.evaluate(office)["result"]
            assert {c: result[c] for c in criteria} == expected, office["id"]

    def ours_verdict(office: dict[str, Any]) -> object:
        return decide(office, ruleset)

    def ours_statuses(office: dict[str, Any]) -> object:
        return evaluate(office, ruleset).trace.statuses(criteria)

    def ours_traced(office: dict[str, Any]) -> object:
        return evaluate(office, ruleset).trace.checks("criterion")

    rows: list[tuple[str, str, float]] = []
    count = len(offices)
    for level, ours, hand, zen_options in (
            ("1 verdict only", ours_verdict, handwritten.verdict, None),
            ("2 pass/fail per criterion", ours_statuses, handwritten.statuses, None),
            ("3 pass/fail + values read", ours_traced, handwritten.traced, {"trace": True})):
        runs = [("mingxing-rules", (each(ours, offices), count)),
                ("hand-written Python", (each(hand, offices), count))]
        if decision is not None:
            options = zen_options or {}
            runs.append(("zen-engine" + (" (trace)" if zen_options else ""), (each(
                lambda o, d=decision, opt=options: d.evaluate(o, opt), offices), count)))
        rates = interleaved([r for _, r in runs], args.repeat)
        rows += [(level, name, value) for (name, _), value in zip(runs, rates, strict=True)]

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        amended = Path(folder) / "amended.yaml"
        text = (HERE / "ruleset.yaml").read_text("utf-8")
        amended.write_text(text.replace("annual_income <= 60000",
                                        f"annual_income <= {AMENDED_LIMIT}", 1), "utf-8")
        new = load_ruleset(amended)
    report = impact(ruleset, new, offices)
    by_hand = hand_impact(offices)
    assert sorted(f.office_id for f in report.flips) == sorted(i for i, _ in by_hand)
    assert report.flips and not getattr(report, "bad_rows", ())
    level = "4 impact, one threshold"
    ours_rate, hand_rate = interleaved([(lambda: impact(ruleset, new, offices), count),
                                        (lambda: hand_impact(offices), count)], args.repeat)
    rows += [(level, "mingxing-rules", ours_rate), (level, "hand-written Python", hand_rate)]

    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}; {args.count} offices, best of {args.repeat} "
          f"(CPU time, interleaved)")
    print(f"{'level':28} {'implementation':22} {'offices/s':>12}  vs hand   vs zen")
    by_level: dict[str, dict[str, float]] = {}
    for level, name, value in rows:
        by_level.setdefault(level, {})[name] = value
    for level, name, value in rows:
        hand = by_level[level]["hand-written Python"]
        zen_rate = next((v for k, v in by_level[level].items() if k.startswith("zen")), None)
        versus_zen = f"{value / zen_rate:7.2f}x" if zen_rate else "      -"
        print(f"{level:28} {name:22} {value:12,.0f}  {value / hand:6.3f}x {versus_zen}")
    print(f"impact: {len(report.flips)} flips of {len(offices)} offices")
    print(json.dumps({f"{lv}|{nm}": round(v) for lv, nm, v in rows}))


if __name__ == "__main__":
    main()
