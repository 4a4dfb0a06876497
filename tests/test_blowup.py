"""Rulesets that once blew up at load or at evaluation load and evaluate within a ceiling.

Each file of ``tests/blowup/`` (written by ``tests/blowup/generate.py``) is loaded and evaluated
in a child process with an address-space limit; the child reports its time and peak memory.
Before the compiled plan (issue 11), ``read_twice_16`` took minutes and gigabytes to load (each
rule's definition was copied into every reader) and ``squaring_tower`` took 102 s to evaluate
one office (integers of millions of digits). The ceilings are generous for a loaded 2-core CI
machine; the figures on an idle machine are in ``docs/limits.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BLOWUP = Path(__file__).parent / "blowup"

# stem: (wall-clock seconds, peak resident MiB, expected outcome for the probe office)
CEILINGS: dict[str, tuple[float, int, str]] = {
    "read_twice_16": (20, 400, "PASS"),
    "read_twice_64": (20, 400, "PASS"),
    "squaring_tower": (20, 400, "UNDECIDED"),  # 402 ** (2 ** 24) is beyond 2 ** 128: unknown
    "doubling_chain": (30, 400, "UNDECIDED"),  # 4 * 2 ** 999 is beyond 2 ** 128: unknown
    "implication_chain": (30, 500, "PASS"),
    "quantifier_nest": (20, 400, "PASS"),
    "wide_fan": (30, 500, "PASS"),
}

CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
from mingxing_rules import decide, evaluate, load_ruleset


def peak_mib():
    # VmHWM is this process image's own peak; ru_maxrss would include the forking parent's
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


start = time.perf_counter()
ruleset = load_ruleset(sys.argv[1])
office = {"id": "probe", "area_m2": 3, "ok": True, "kit": ["a"]}
verdict = evaluate(office, ruleset)
fast = decide(office, ruleset)
steps = len(verdict.trace)
print(json.dumps({"seconds": time.perf_counter() - start, "outcome": verdict.outcome,
                  "fast": fast, "steps": steps, "cost": ruleset.plan.cost,
                  "source": len(ruleset.generated_source()),
                  "rss_mib": peak_mib()}))
"""


def test_every_file_has_a_ceiling() -> None:
    assert {p.stem for p in BLOWUP.glob("*.yaml")} == set(CEILINGS)


@pytest.mark.parametrize("stem", sorted(CEILINGS))
def test_loads_and_evaluates_within_its_ceiling(stem: str) -> None:
    seconds, mib, outcome = CEILINGS[stem]
    path = BLOWUP / f"{stem}.yaml"
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, timeout=seconds * 3, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["outcome"] == outcome
    assert report["fast"] == outcome  # the short-circuit function agrees with the full trace
    assert report["seconds"] < seconds, report
    assert report["rss_mib"] < mib, report
    # generated code stays linear in the ruleset text (no definition copied per reader)
    assert report["source"] < 40 * path.stat().st_size, report


def test_plan_size_is_linear_in_the_ruleset(tmp_path: Path) -> None:
    """Doubling a chain of rules that each read the previous one twice doubles (not squares)
    the generated code, and the plan has each node once."""
    sys.path.insert(0, str(BLOWUP))
    try:
        import generate
    finally:
        sys.path.pop(0)
    from mingxing_rules import load_ruleset

    sizes = []
    for count in (40, 80):
        path = tmp_path / f"chain{count}.yaml"
        path.write_text(generate.read_twice(count), encoding="utf-8")
        ruleset = load_ruleset(path)
        assert len(ruleset.plan.nodes) == count + 4  # c1, s, g, PASS and the rules
        sizes.append(len(ruleset.generated_source()))
    assert sizes[1] < 2.5 * sizes[0]
