"""A longer fuzz campaign than ``make test`` runs: ``make fuzz`` or

    python fuzz/run_fuzz.py [--examples N] [--targets expression,condition,...] [--seed S]

Each target is a check of ``tests/test_fuzz.py`` (the same properties the normal suite runs with
few examples) driven by Hypothesis for ``--examples`` examples. When a check fails, Hypothesis
shrinks the input to a minimal example; it is saved to ``tests/fuzz_regressions/`` as
``<target>-<hash>.<ext>``, where ``test_saved_fuzz_regressions`` replays it on every test run.
Commit those files with the fix (or, until then, as the failing test that shows the bug).

Exit status: 0 when every target held, 1 when something was found (and saved).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_fuzz  # noqa: E402  (the checks and strategies live with the tests)

REGRESSIONS = ROOT / "tests" / "fuzz_regressions"


def save(target: str, value: Any) -> Path:
    """Write a found case where the replay test will pick it up."""
    if target == "ruleset":
        data = bytes(value)
        suffix = ".yaml"
    elif target == "batch":
        data = bytes(value)
        suffix = ".jsonl"
    elif target == "register":
        from mingxing_rules.campaign import dump_register

        data = dump_register(value, fmt="jsonl").encode("utf-8")
        suffix = ".jsonl"
    else:
        if target == "mutation":
            value = {"path": list(value[0]), "value": value[1]}
        data = json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")
        suffix = ".json"
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = REGRESSIONS / f"{target}-{digest}{suffix}"
    path.write_bytes(data)
    return path


def run(target: str, examples: int, chosen_seed: int) -> tuple[bool, str]:
    """Fuzz one target; returns (held, report)."""
    strategy, check = test_fuzz.TARGETS[target]
    failing: list[Any] = []

    @seed(chosen_seed)
    @settings(max_examples=examples, deadline=None, database=None, print_blob=True,
              phases=[Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def campaign(value: Any) -> None:
        try:
            check(value)
        except Exception:
            failing.append(value)
            raise

    started = time.perf_counter()
    try:
        campaign()
    except Exception as exc:  # a property failed: keep the minimal example(s)
        # Hypothesis replays each distinct minimal failure once, last, before raising (an
        # ExceptionGroup when it found several): those are the final entries of `failing`.
        distinct = len(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else 1
        paths = [save(target, value) for value in failing[-distinct:]]
        report = traceback.format_exc(limit=-3)
        saved = ", ".join(str(p.relative_to(ROOT)) for p in paths)
        return False, f"{target}: FOUND {distinct}, saved {saved}\n{report}"
    elapsed = time.perf_counter() - started
    return True, f"{target}: {examples} examples held ({elapsed:.0f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000,
                        help="examples per target (default 5000)")
    parser.add_argument("--targets", default=",".join(test_fuzz.TARGETS),
                        help="comma-separated: " + ", ".join(test_fuzz.TARGETS))
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000,
                        help="Hypothesis seed (default: from the clock; printed)")
    args = parser.parse_args(argv)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in test_fuzz.TARGETS]
    if unknown:
        parser.error(f"unknown targets {unknown}; choose from {list(test_fuzz.TARGETS)}")
    print(f"fuzzing {', '.join(targets)} with {args.examples} examples each, seed {args.seed}")
    found = 0
    for target in targets:
        held, report = run(target, args.examples, args.seed)
        print(report, flush=True)
        found += not held
    print("all targets held" if not found else f"{found} target(s) found a failure; see above")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
