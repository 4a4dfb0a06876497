"""Impact and flip search on columns: which offices of a (large) population change verdict
between two rulesets, with each flip explained by the per-office machinery.

Both rulesets are evaluated over the whole frame by the columnar engine (outcome only, no
explanations); only the rows whose outcome differs are evaluated again office by office and
explained by :func:`mingxing_rules.regression.impact.explain_flip` — the same causes
:func:`mingxing_rules.regression.impact.impact` gives.

>>> from mingxing_rules import load_ruleset
>>> old = load_ruleset("star-judicial-office")
>>> new = load_ruleset("examples/amendment/star-judicial-office-2014.yaml")
>>> report = impact_frame(old, new, generate_offices([old, new], 20_000, seed=3))
>>> for (before, after), count in report.counts().items():
...     print(before, "->", after, count)
RETAINED -> REVOCATION_RECOMMENDED 124
WITHHELD -> NOT_ELIGIBLE 32
STAR -> NOT_ELIGIBLE 10
REVOCATION_RECOMMENDED -> RETAINED 5
NOT_ELIGIBLE -> STAR 1
NOT_ELIGIBLE -> WITHHELD 1
>>> flip = report.flips[0]
>>> flip.office_id, [cause.step_id for cause in flip.causes]
('gen-0000075', ['mediation_success_96'])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import polars as pl

from ..engine.evaluate import evaluate
from ..regression.diff import RulesetDiff, diff_rulesets
from ..regression.impact import Flip, Impact, explain_flip
from ..ruleset.load import Ruleset
from .frame import evaluate_polars, office_record, to_polars
from .generate import generate_offices
from .validate import PROBLEM_SCHEMA, ROW

__all__ = ["FrameImpact", "find_verdict_changes_frame", "generate_offices", "impact_frame"]


@attrs.frozen
class FrameImpact:
    """Verdict changes over a frame.

    ``changes``: one row per office that flips (``row``, ``id``, ``old``, ``new``); ``flips``:
    the explained :class:`~mingxing_rules.regression.impact.Flip` of the first ``explain`` of them;
    ``problems``: rows refused by either ruleset (excluded).
    """

    diff: RulesetDiff
    total: int
    changes: pl.DataFrame
    flips: tuple[Flip, ...]
    problems: pl.DataFrame

    def counts(self) -> dict[tuple[str, str], int]:
        """Flips per transition, most frequent first (every flip, explained or not)."""
        counted = self.changes.group_by("old", "new").len().sort(
            ["len", "old", "new"], descending=[True, False, False])
        return {(str(a), str(b)): int(n) for a, b, n in counted.rows()}

    def to_impact(self) -> Impact:
        """The explained flips as the per-office
        :class:`~mingxing_rules.regression.impact.Impact`."""
        return Impact(self.diff, self.total, self.flips)


def _outcomes(frame: pl.DataFrame, ruleset: Ruleset) -> tuple[pl.DataFrame, pl.DataFrame]:
    verdicts, problems = evaluate_polars(frame, ruleset, statuses=False, values=False,
                                         undecided="skip")
    return verdicts.select("row", "id", "outcome"), problems


def _explain(old: Ruleset, new: Ruleset, diff: RulesetDiff, office: Mapping[str, Any],
             found_by: str) -> Flip | None:
    before = evaluate(office, old, extra="ignore")
    after = evaluate(office, new, extra="ignore")
    if before.outcome == after.outcome:  # pragma: no cover - the columns said it flips
        return None
    causes = explain_flip(before, after, diff)
    readings: dict[str, Any] = {}
    for cause in causes:
        for verdict in (after, before):
            try:
                step = verdict.trace.step(cause.step_id)
            except KeyError:
                continue
            for reading in step.reads:
                readings.setdefault(reading.name, reading.value)
    return Flip(before.office_id, before.outcome, after.outcome, causes, dict(office), found_by,
                tuple(readings.items()))


def impact_frame(old: Ruleset, new: Ruleset, data: Any, *, explain: int | None = 1000,
                 batch_size: int = 500_000) -> FrameImpact:
    """The offices of ``data`` (Polars, pandas or Arrow) whose verdict differs between ``old``
    and ``new``. ``explain``: how many flips (in row order) to explain with the per-office
    machinery (``None``: all). Columns one ruleset does not know are ignored by it."""
    frame = to_polars(data)
    frame = frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
    diff = diff_rulesets(old, new)
    changes: list[pl.DataFrame] = []
    problems: list[pl.DataFrame] = []
    flips: list[Flip] = []
    for start in range(0, max(frame.height, 1), batch_size):
        piece = frame.slice(start, batch_size)
        before, bad_before = _outcomes(piece, old)
        after, bad_after = _outcomes(piece, new)
        problems += [bad_before, bad_after]
        joined = before.join(after.select("row", pl.col("outcome").alias("new")), on="row",
                             how="inner").rename({"outcome": "old"})
        flipped = joined.filter(pl.col("old") != pl.col("new"))
        changes.append(flipped)
        wanted = None if explain is None else max(0, explain - len(flips))
        if wanted == 0 or flipped.height == 0:
            continue
        where = {r: i for i, r in enumerate(piece[ROW].to_list())}
        rows = flipped["row"].head(wanted) if wanted else flipped["row"]
        for row in rows.to_list():
            office = office_record(piece, where[row], old, new)
            flip = _explain(old, new, diff, office, "population")
            if flip is not None:
                flips.append(flip)
    found = pl.concat(problems, how="vertical").unique(maintain_order=True) if problems else (
        pl.DataFrame(schema=PROBLEM_SCHEMA))
    all_changes = (pl.concat(changes, how="vertical") if changes
                   else pl.DataFrame(schema={"row": pl.Int64(), "id": pl.String(),
                                             "old": pl.String(), "new": pl.String()}))
    return FrameImpact(diff, frame.height, all_changes, tuple(flips), found)


def find_verdict_changes_frame(old: Ruleset, new: Ruleset, *, count: int = 100_000,
                               seed: int = 0, missing: float = 0.0,
                               population: Any = None,
                               rulesets: Iterable[Ruleset] = ()) -> list[Flip]:
    """Draw ``count`` offices in columns (:func:`generate_offices`, biased to the thresholds of
    both rulesets), evaluate them under both, and return one explained flip per transition
    (the first office found; ``found_by="search"``, or ``"population"`` when an office of
    ``population`` flips the same way). Unlike
    :func:`mingxing_rules.regression.impact.find_verdict_changes` nothing is shrunk: the search is
    wide,
    not deep. ``missing`` leaves facts unknown with that probability (``UNDECIDED`` flips)."""
    drawn = generate_offices([old, new, *rulesets], count, seed=seed, missing=missing)
    report = impact_frame(old, new, drawn, explain=0)
    known: set[tuple[str, str]] = set()
    if population is not None:
        known = set(impact_frame(old, new, population, explain=0).counts())
    frame = drawn.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
    first = report.changes.group_by("old", "new", maintain_order=True).agg(pl.col("row").first())
    flips: list[Flip] = []
    for old_outcome, new_outcome, row in first.sort(["old", "new"]).rows():
        office = office_record(frame, row, old, new)
        office["id"] = f"drawn-{old_outcome}-{new_outcome}".lower()
        flip = _explain(old, new, report.diff, office,
                        "population" if (old_outcome, new_outcome) in known else "search")
        if flip is not None:
            flips.append(flip)
    return flips



