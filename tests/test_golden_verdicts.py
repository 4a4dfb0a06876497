"""Golden traces: the full JSON verdict of every example office, kept in tests/golden/verdicts.

A change to the ruleset or the engine that changes any step of any example's trace shows up here
as a readable JSON diff. After an intended change, regenerate with
``MINGXING_UPDATE_GOLDEN=1 pytest tests/test_golden_verdicts.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mingxing_rules import evaluate, load_ruleset

EXAMPLES = sorted(Path("examples/offices").glob("*.json"))
GOLDEN = Path(__file__).parent / "golden" / "verdicts"
UPDATE = os.environ.get("MINGXING_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_trace_matches_the_golden_file(path: Path) -> None:
    verdict = evaluate(json.loads(path.read_text(encoding="utf-8")),
                       load_ruleset("star-judicial-office"))
    rendered = json.dumps(verdict.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    golden = GOLDEN / f"{path.stem}.json"
    if UPDATE or not golden.exists():
        golden.write_text(rendered, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{golden} did not exist; it was written — review and commit it")
    assert rendered == golden.read_text(encoding="utf-8")
