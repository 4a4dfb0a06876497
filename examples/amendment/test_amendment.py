"""The regression test a rule maintainer keeps for the 2014 amendment (run it with pytest).

    pytest examples/amendment/test_amendment.py

The workflow (docs/regression.md): change the ruleset -> run this test -> read the flips the
failure shows (one example office per transition, the facts that matter, both explanations)
-> accept the intended ones in ALLOWED. A later edit that moves any other verdict fails again.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import settings

from mingxing_rules import load_ruleset
from mingxing_rules.testing import CI_PROFILE, assert_same_verdicts

settings.load_profile(CI_PROFILE)

ROOT = Path(__file__).resolve().parents[2]
CURRENT = load_ruleset(ROOT / "rulesets" / "star-judicial-office.yaml")
PROPOSED = load_ruleset(ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml")

ALLOWED = {
    # 四(一)1: a mountain-township office with 180 m² now meets the floor-area standard
    ("NOT_ELIGIBLE", "STAR"),
    ("REVOCATION_RECOMMENDED", "RETAINED"),
    # 四(二)6: mediation success between 96 % and 97 % no longer meets the standard
    ("STAR", "NOT_ELIGIBLE"),
    ("RETAINED", "REVOCATION_RECOMMENDED"),
    # an office that does not say whether it is in a mountain township, with 180-200 m²
    ("NOT_ELIGIBLE", "UNDECIDED"),
    ("REVOCATION_RECOMMENDED", "UNDECIDED"),
}


def test_the_amendment_moves_only_the_verdicts_it_means_to() -> None:
    assert_same_verdicts(CURRENT, PROPOSED, allow=ALLOWED, max_examples=300)


def test_the_example_offices_move_as_reviewed() -> None:
    assert_same_verdicts(CURRENT, PROPOSED, allow=ALLOWED,
                         population=ROOT / "examples" / "offices", max_examples=100)
