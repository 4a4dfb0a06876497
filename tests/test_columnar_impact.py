"""Impact and flip search on columns give what the per-office functions give."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")
pytest.importorskip("numpy")

from mingxing_rules import load_ruleset  # noqa: E402
from mingxing_rules.columnar import evaluate_frame  # noqa: E402
from mingxing_rules.columnar.frame import office_record  # noqa: E402
from mingxing_rules.columnar.generate import generate_offices  # noqa: E402
from mingxing_rules.columnar.impact import find_verdict_changes_frame, impact_frame  # noqa: E402
from mingxing_rules.regression.impact import impact  # noqa: E402

OLD = load_ruleset("star-judicial-office")
ROOT = Path(__file__).resolve().parent.parent  # independent of the working directory
NEW = load_ruleset(ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml")


def test_impact_on_columns_equals_the_per_office_impact() -> None:
    drawn = generate_offices([OLD, NEW], 4000, seed=11, missing=0.02)
    report = impact_frame(OLD, NEW, drawn, explain=None)
    numbered = drawn.with_row_index("__row").with_columns(pl.col("__row").cast(pl.Int64))
    offices = [office_record(numbered, i, OLD, NEW) for i in range(drawn.height)]
    expected = impact(OLD, NEW, offices)
    assert report.counts() == expected.counts()
    assert report.counts()  # the population does flip
    assert [f.office_id for f in report.flips] == [f.office_id for f in expected.flips]
    assert [f.causes for f in report.flips] == [f.causes for f in expected.flips]
    assert report.to_impact().counts() == expected.counts()


def test_explaining_only_some_flips_still_counts_them_all() -> None:
    drawn = generate_offices([OLD, NEW], 4000, seed=11)
    report = impact_frame(OLD, NEW, drawn, explain=2, batch_size=1500)
    assert len(report.flips) == 2
    assert sum(report.counts().values()) == report.changes.height > 2


def test_search_in_columns_finds_the_threshold_change() -> None:
    flips = find_verdict_changes_frame(OLD, NEW, count=20_000, seed=3)
    by_transition = {f.transition: f for f in flips}
    star = by_transition[("STAR", "NOT_ELIGIBLE")]
    assert [c.step_id for c in star.causes] == ["mediation_success_96"]
    assert star.found_by == "search"
    assert len(by_transition) == len(flips)  # one example per transition


def test_generated_populations_are_valid_and_reproducible() -> None:
    first = generate_offices(OLD, 3000, seed=5, missing=0.1)
    assert first.equals(generate_offices(OLD, 3000, seed=5, missing=0.1))
    result = evaluate_frame(first, OLD, undecided="skip")
    assert result.problems.height == 0
    assert set(result.counts()) >= {"NOT_ELIGIBLE", "UNDECIDED", "DIRECT_PROMOTION"}
    complete = evaluate_frame(generate_offices(OLD, 3000, seed=5), OLD, undecided="skip")
    assert complete.problems.height == 0 and "STAR" in complete.counts()


def test_generated_offices_keep_their_rates_after_the_constraints_are_mended() -> None:
    # mending "released = key + general" moves the denominator of four rates: the numerators
    # are drawn again for it, so offices drawn to meet the standards still do
    verdicts = evaluate_frame(generate_offices(OLD, 3000, seed=5), OLD).verdicts
    for rate in ("handover_100", "assistance_100", "resettlement_95"):
        assert (verdicts[f"status.{rate}"] == "pass").mean() > 0.5, rate
    assert (verdicts["status.standards_met"] == "pass").mean() > 0.1


@pytest.mark.parametrize("name", ["mingxing_rules.columnar.frame",
                                  "mingxing_rules.columnar.generate",
                                  "mingxing_rules.columnar.impact"])
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # the examples are written for a reader at the repository root, as the docs/*.md ones are
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
