"""``BatchResult.to_frame`` is built column by column from the verdicts' rows (issue 12): it
must equal the frame of :meth:`BatchResult.records`, bad rows and verdicts read back from JSON
included."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mingxing_rules import Verdict, evaluate_many, load_ruleset
from mingxing_rules.engine.batch import BatchResult, record_columns

OFFICES = Path(__file__).resolve().parent.parent / "examples" / "offices"


def _from_records(result: BatchResult, include_errors: bool) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(result.records(include_errors),
                                      columns=record_columns(result.criteria))
    return frame.set_index("office_id")


def _offices() -> list[object]:
    offices: list[object] = [json.loads(p.read_text("utf-8"))
                             for p in sorted(OFFICES.glob("*.json"))]
    offices.insert(2, {"id": "bad", "floor_area_m2": "large"})
    offices.append(["not an office"])
    return offices


def test_frame_equals_the_records_with_bad_rows() -> None:
    result = evaluate_many(_offices(), "star-judicial-office")
    assert result.errors and result.verdicts
    for include_errors in (True, False):
        frame = result.to_frame(include_errors)
        pd.testing.assert_frame_equal(frame, _from_records(result, include_errors))
    assert frame.loc["star-exact-boundaries", "floor_area"] == "pass"


def test_frame_of_verdicts_read_back_from_json() -> None:
    ruleset = load_ruleset("star-judicial-office")
    result = evaluate_many(_offices(), ruleset)
    read_back = [Verdict.from_json(v.to_json(full=True)) for v in result.verdicts]
    mixed = BatchResult(ruleset, [*read_back[:3], *result.verdicts[3:]], list(result.rows),
                        list(result.errors))
    pd.testing.assert_frame_equal(mixed.to_frame(), result.to_frame())


def test_frame_of_nothing() -> None:
    result = evaluate_many([], "star-judicial-office")
    frame = result.to_frame()
    assert len(frame) == 0
    assert list(frame.columns) == record_columns(result.criteria)[1:]
