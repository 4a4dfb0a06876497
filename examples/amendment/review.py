"""Review a proposed amendment of the Star ruleset: structural diff, impact, flip search.

Run from the repository root:  python examples/amendment/review.py
(the same as: mingxing diff rulesets/star-judicial-office.yaml
 examples/amendment/star-judicial-office-2014.yaml --offices examples/offices --search 200)
"""

from __future__ import annotations

from pathlib import Path

from mingxing_rules import load_ruleset
from mingxing_rules.regression.diff import diff_rulesets
from mingxing_rules.regression.impact import find_verdict_changes, impact

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    current = load_ruleset(ROOT / "rulesets" / "star-judicial-office.yaml")
    proposed = load_ruleset(ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml")
    offices = ROOT / "examples" / "offices"

    print("1. What changed in the rules?\n")
    print(diff_rulesets(current, proposed).to_text())

    print("\n2. Which of our example offices change verdict, and why?\n")
    report = impact(current, proposed, offices)
    print(report.to_text())

    print("\n3. Which other flips can the change cause? (search directed by the change)\n")
    seen = set(report.counts())
    for flip in find_verdict_changes(current, proposed, max_examples=200, population=offices):
        note = "" if flip.transition in seen else "   <- no example office shows this"
        print(f"{flip.old_outcome} -> {flip.new_outcome}{note}")
        print("    " + flip.summary().replace("\n", "\n    "))


if __name__ == "__main__":
    main()
