"""Rewrite tests/golden/verdicts from the example offices — run by hand after an intended change
(`python tests/golden/regenerate_verdicts.py`), then review the diff. Tests never write here."""

from __future__ import annotations

import json
from pathlib import Path

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.atomic import atomic_write_text

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "verdicts"


def render(path: Path) -> str:
    verdict = evaluate(json.loads(path.read_text(encoding="utf-8")),
                       load_ruleset("star-judicial-office"))
    return json.dumps(verdict.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    for example in sorted((REPO / "examples" / "offices").glob("*.json")):
        target = GOLDEN / f"{example.stem}.json"
        atomic_write_text(target, render(example))
        print(f"wrote {target.relative_to(REPO)}")
