"""Rules over time, end to end: a 2013 assessment recorded, re-assessed in 2015, replayed.

Run from the repository root:  python examples/history/story.py [LOG]

1. The example offices are assessed as of 10 December 2013 (the rules then in force: 2012.1)
   and every decision goes into a decision log (default: a temporary file).
2. The log is re-assessed under the rules in force on 10 December 2015 (the bundled, illustrative
   2014 amendment): the offices whose verdict would flip, and the rule change behind each flip.
3. The log is replayed: every decision still comes out the same, byte for byte.

The 2014 version is an ILLUSTRATIVE amendment (no bureau issued it); see docs/history.md.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from mingxing_rules import DecisionLog, load_history, reassess, replay

HERE = Path(__file__).resolve().parent
OFFICES = HERE.parent / "offices"


def main(log_path: Path) -> int:
    print(load_history("star-judicial-office").to_text())
    print()
    with DecisionLog(log_path) as log:
        for path in sorted(OFFICES.glob("*.json")):
            office = json.loads(path.read_text(encoding="utf-8"))
            log.evaluate(office, on="2013-12-10")
        print(f"1. recorded {len(log)} decisions of the 2013 assessment in {log_path}")
        outcomes: dict[str, int] = {}
        for record in log:
            outcomes[record.outcome] = outcomes.get(record.outcome, 0) + 1
        print("   " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print()
    print("2. the same decisions under the rules in force on 2015-12-10:")
    print(reassess(log_path, now="2015-12-10").to_text())
    print()
    report = replay(log_path)
    print("3. " + report.to_text())
    return 1 if report.drifted() else 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as folder:
        sys.exit(main(Path(folder) / "decisions.sqlite"))
