"""assert_same_verdicts on the project's own rulesets: neutral edits pass, real ones fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import settings
from regression_helpers import OFFICES, reordered_rules, variant

from mingxing_rules import load_ruleset
from mingxing_rules.regression.impact import find_verdict_changes
from mingxing_rules.testing import CI_PROFILE, VerdictChangeError, assert_same_verdicts

STAR = load_ruleset("star-judicial-office")
STAR_OFFICE = [json.loads((OFFICES / "star-by-assessment.json").read_text("utf-8"))]


def test_rewording_and_reordering_is_verdict_neutral(tmp_path: Path) -> None:
    reworded = variant(
        tmp_path, "neutral", reordered_rules(),
        ("    en: Star Judicial Office standards\n", "    en: The Star Judicial Office standards\n"),
        ("              en: at least 7 staff\n", "              en: seven or more staff\n"))
    assert_same_verdicts(STAR, reworded, max_examples=40, population=OFFICES)


def test_threshold_change_fails_with_shrunk_counterexample_and_trace(tmp_path: Path) -> None:
    stricter = variant(tmp_path, "staff-8", ("condition: staff_count >= 7",
                                             "condition: staff_count >= 8"))
    with pytest.raises(VerdictChangeError) as failure:
        assert_same_verdicts(STAR, stricter, max_examples=60, population=STAR_OFFICE)
    message = str(failure.value)
    assert "STAR -> NOT_ELIGIBLE" in message
    assert "because criterion min_staff: PASS -> FAIL" in message
    assert "criterion min_staff: PASS -> FAIL" in message.split("trace difference:")[1]
    assert "staff_count >= 8 (was >= 7)" in message
    assert {f.transition for f in failure.value.flips} >= {("STAR", "NOT_ELIGIBLE")}


def test_allowed_transitions_pass(tmp_path: Path) -> None:
    stricter = variant(tmp_path, "staff-8", ("condition: staff_count >= 7",
                                             "condition: staff_count >= 8"))
    meant = {f.transition for f in find_verdict_changes(STAR, stricter, max_examples=60,
                                                        population=STAR_OFFICE)}
    assert ("STAR", "NOT_ELIGIBLE") in meant
    assert_same_verdicts(STAR, stricter, allow=meant, max_examples=60, population=STAR_OFFICE)


def test_option_flip_in_the_population_fails_before_any_search() -> None:
    with pytest.raises(VerdictChangeError, match="REVOCATION_RECOMMENDED -> REVOKED"):
        assert_same_verdicts(STAR, STAR.with_options(revocation_mode="automatic"),
                             population=OFFICES)


def test_allow_must_be_pairs() -> None:
    with pytest.raises(ValueError, match="pairs"):
        assert_same_verdicts(STAR, STAR, allow=[("STAR",)])  # type: ignore[list-item]


def test_ci_profile_is_derandomized_without_database() -> None:
    profile = settings.get_profile(CI_PROFILE)
    assert profile.derandomize is True
    assert profile.database is None
