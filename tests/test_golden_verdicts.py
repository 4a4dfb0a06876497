"""Golden traces: the full JSON verdict of every example office, kept in tests/golden/verdicts.

A change to the ruleset or the engine that changes any step of any example's trace shows up here
as a readable JSON diff. After an intended change, regenerate with
``python tests/golden/regenerate_verdicts.py`` and review the diff; a test run never writes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "golden"))
from regenerate_verdicts import GOLDEN, REPO, render  # noqa: E402

sys.path.pop(0)

EXAMPLES = sorted((REPO / "examples" / "offices").glob("*.json"))


def test_every_example_has_a_golden_file_and_no_golden_file_is_orphaned() -> None:
    assert {p.stem for p in EXAMPLES} == {p.stem for p in GOLDEN.glob("*.json")}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_trace_matches_the_golden_file(path: Path) -> None:
    golden = GOLDEN / f"{path.stem}.json"
    assert golden.exists(), f"{golden} is missing: run tests/golden/regenerate_verdicts.py"
    assert render(path) == golden.read_text(encoding="utf-8")
