"""The columnar engine equals the per-office engine: outcomes, statuses, values, possible outcomes
and missing facts, over generated populations (missing facts, boundaries, every option value),
and the same rows refused with the same problems."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")

from hypothesis import HealthCheck, Phase, given, reject, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mingxing_rules import load_ruleset  # noqa: E402
from mingxing_rules.columnar import (  # noqa: E402
    differences,
    evaluate_frame,
    frame_from_offices,
    office_schema,
)
from mingxing_rules.engine.evaluate import evaluate  # noqa: E402
from mingxing_rules.errors import InputError  # noqa: E402
from mingxing_rules.ruleset.load import Ruleset  # noqa: E402
from mingxing_rules.strategies import offices  # noqa: E402

STAR = load_ruleset("star-judicial-office")
# Shrinking a population of offices takes minutes; a failure prints the whole population.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def option_values(ruleset: Ruleset) -> st.SearchStrategy[dict[str, Any]]:
    """Every option: both booleans, every enum value, integer bounds and the default."""
    choices: dict[str, st.SearchStrategy[Any]] = {}
    for option in ruleset.spec.options:
        if option.type == "boolean":
            choices[option.name] = st.booleans()
        elif option.type == "enum":
            choices[option.name] = st.sampled_from(option.values)
        else:
            low = int(option.minimum) if option.minimum is not None else option.default
            high = int(option.maximum) if option.maximum is not None else option.default
            choices[option.name] = st.sampled_from(sorted({low, option.default, high}))
    return st.fixed_dictionaries(choices)


def frame_of(records: list[dict[str, Any]]) -> Any:
    return frame_from_offices(records, STAR)


def typed(frame: Any) -> Any:
    """The frame with enum and set columns as Polars ``Enum`` (office_schema): the fast path,
    where values are read from their codes."""
    schema = office_schema(STAR)
    for name in frame.columns:
        if name in schema and isinstance(schema[name], pl.Enum | pl.List):
            # a column holding an undeclared value stays text (it is refused either way)
            with contextlib.suppress(pl.exceptions.PolarsError):
                frame = frame.with_columns(pl.col(name).cast(schema[name]))
    return frame


def assert_same(records: list[dict[str, Any]], ruleset: Ruleset) -> None:
    result = evaluate_frame(frame_of(records), ruleset)
    assert result.problems.height == 0, result.problems.to_dicts()
    assert evaluate_frame(typed(frame_of(records)), ruleset).verdicts.equals(result.verdicts)
    assert result.verdicts.height == len(records)
    for record in result.verdicts.iter_rows(named=True):
        office = records[record["row"]]
        parsed = ruleset.parse_office(office)
        verdict = evaluate(parsed, ruleset)
        assert differences(record, verdict, ruleset.program.full(parsed.facts)) == []
        assert tuple(record["possible_outcomes"]) == verdict.possible_outcomes
        assert tuple(record["missing_facts"]) == verdict.missing_facts


def _with_ids(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "id": f"o{i}"} for i, r in enumerate(records)]


@settings(phases=NO_SHRINK, suppress_health_check=list(HealthCheck), max_examples=25)
@given(options=option_values(STAR),
       population=st.lists(offices(STAR, missing=0.15), min_size=1, max_size=25))
def test_same_verdicts_with_missing_facts_and_every_option(options: dict[str, Any],
                                                         population: list[dict[str, Any]]
                                                         ) -> None:
    assert_same(_with_ids(population), STAR.with_options(**options))


@settings(phases=NO_SHRINK, suppress_health_check=list(HealthCheck), max_examples=15)
@given(population=st.lists(offices(STAR, passing=0.5, boundary=True), min_size=1,
                           max_size=8))
def test_same_verdicts_near_every_threshold(population: list[dict[str, Any]]) -> None:
    assert_same(_with_ids(population), STAR)


@settings(phases=NO_SHRINK, suppress_health_check=list(HealthCheck), max_examples=10)
@given(population=st.lists(offices(STAR, missing=0.6), min_size=1, max_size=20))
def test_same_verdicts_when_most_facts_are_missing(population: list[dict[str, Any]]) -> None:
    assert_same(_with_ids(population), STAR)


BAD_VALUES = [
    ("floor_area_m2", "big"), ("floor_area_m2", -1), ("staff_count", 7.5),
    ("staff_count", 2**60), ("office_kind", "palace"), ("honours", ["medal"]),
    ("holds_star_title", 3), ("submitted_on", "2014-13-01"), ("submitted_on", "yesterday"),
    ("disputes_resolved_count", 10**6), ("id", ""),
    ("honours", ["five_good", "five_good"]), ("floor_area_m2", float("inf")),
    ("floor_area_m2", float("nan")), ("released_persons_count", 10**4),
    ("submitted_on", "2001-01-01"),
]


@settings(phases=NO_SHRINK, suppress_health_check=list(HealthCheck), max_examples=15)
@given(population=st.lists(offices(STAR, missing=0.1), min_size=2, max_size=15),
       spoil=st.lists(st.tuples(st.integers(0, 14), st.sampled_from(BAD_VALUES)), max_size=6))
def test_bad_rows_are_reported_like_the_per_office_schema(
        population: list[dict[str, Any]], spoil: list[tuple[int, tuple[str, Any]]]) -> None:
    records = _with_ids(population)
    for position, (field, value) in spoil:
        if position < len(records):
            records[position] = {**records[position], field: value}
            if field == "disputes_resolved_count":  # more resolved than mediated: a derived bound
                records[position]["disputes_mediated_count"] = 10
    try:
        frame = frame_of(records)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        reject()  # a column Polars cannot type at all is refused before evaluation: no rows
    result = evaluate_frame(frame, STAR)
    # the same rows refused when the values are read from Enum codes
    assert evaluate_frame(typed(frame), STAR).problems.equals(result.problems)
    refused: dict[int, list[tuple[str, str]]] = {}
    for index in range(len(records)):
        try:
            STAR.parse_office(_as_frame_reads(frame, index))
        except InputError as exc:
            refused[index] = [(p.path, p.message) for p in exc.problems]
    reported: dict[int, list[tuple[str, str]]] = {}
    for problem in result.problems.iter_rows(named=True):
        reported.setdefault(problem["row"], []).append((problem["field"], problem["message"]))
    assert reported == refused
    assert sorted(result.verdicts["row"].to_list()) == [
        i for i in range(len(records)) if i not in refused]


def _as_frame_reads(frame: Any, index: int) -> dict[str, Any]:
    """The office as the frame holds it (a mixed column is already coerced by Polars)."""
    row = frame.row(index, named=True)
    return {k: v for k, v in row.items() if v is not None}


def test_pandas_and_arrow_in_and_pandas_out() -> None:
    pd = pytest.importorskip("pandas")
    records = [{"id": "a", "office_kind": "township", "honours": ["five_good"],
                "holds_star_title": False, "major_problem": False, "floor_area_m2": 250.0},
               {"id": "b", "office_kind": "street", "honours": [], "holds_star_title": True,
                "major_problem": True, "floor_area_m2": None}]
    polars_result = evaluate_frame(pl.DataFrame(records), STAR)
    from_pandas = evaluate_frame(pd.DataFrame(records), STAR, output="pandas")
    from_arrow = evaluate_frame(pl.DataFrame(records).to_arrow(), STAR)
    assert list(from_pandas.verdicts["outcome"]) == polars_result.verdicts["outcome"].to_list()
    assert from_arrow.verdicts.equals(polars_result.verdicts)
    assert polars_result.counts() == {"DIRECT_PROMOTION": 1, "REVOCATION_RECOMMENDED": 1}


def test_verified_mode_catches_a_wrong_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    from mingxing_rules.columnar import compile as columnar_compile
    from mingxing_rules.errors import BackendMismatchError

    records = [{"id": "a", "honours": ["five_good"], "holds_star_title": False,
                "major_problem": False}]
    assert evaluate_frame(pl.DataFrame(records), STAR, verified=1).verdicts.height == 1
    real = columnar_compile.ColumnarPlan.outcome

    def broken(self: Any) -> Any:
        return pl.when(pl.lit(True)).then(pl.lit("STAR")).otherwise(real(self))

    monkeypatch.setattr(columnar_compile.ColumnarPlan, "outcome", broken)
    with pytest.raises(BackendMismatchError, match="outcome"):
        evaluate_frame(pl.DataFrame(records), STAR, verified=1)


def test_extra_columns_are_refused_on_request() -> None:
    frame = pl.DataFrame({"id": ["a"], "flor_area_m2": [200]})
    assert evaluate_frame(frame, STAR).verdicts.height == 1
    with pytest.raises(InputError, match="flor_area_m2"):
        evaluate_frame(frame, STAR, extra="error")


def test_batches_give_the_same_frame() -> None:
    records = [{"id": f"o{i}", "floor_area_m2": float(190 + i), "staff_count": i % 9,
                "holds_star_title": i % 3 == 0} for i in range(20)]
    whole = evaluate_frame(pl.DataFrame(records), STAR).verdicts
    batched = evaluate_frame(pl.DataFrame(records), STAR, batch_size=6).verdicts
    assert whole.equals(batched)
