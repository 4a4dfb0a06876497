"""``evaluate_frame``: a whole population of offices at once, as columns.

>>> import polars as pl
>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.columnar import evaluate_frame
>>> star = load_ruleset("star-judicial-office")
>>> offices = pl.DataFrame({"id": ["a", "b"], "office_kind": ["township", "street"],
...                         "honours": [["five_good"], []], "holds_star_title": [False, False],
...                         "major_problem": [False, None]})
>>> result = evaluate_frame(offices, star)
>>> result.verdicts.select("id", "outcome", "status.holds_promotion_title").rows()
[('a', 'DIRECT_PROMOTION', 'pass'), ('b', 'UNDECIDED', 'fail')]
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from ..compile.plan import Plan
from ..engine.evaluate import evaluate
from ..engine.office import IDENTITY_FIELDS
from ..engine.trace import Verdict
from ..errors import BackendMismatchError, InputError, InputProblem
from ..ruleset.load import Ruleset, load_ruleset
from .compile import (
    UNDECIDED,
    ColumnarPlan,
    compile_plan,
    fact_dtype,
    status_column,
    value_column,
)
from .validate import BAD, PROBLEM_SCHEMA, ROW, normalise, problems_for_rows, unknown_columns

__all__ = [
    "INPUT_ERROR",
    "FrameResult",
    "compiled_plan",
    "differences",
    "evaluate_frame",
    "evaluate_parquet",
    "frame_from_offices",
    "to_polars",
    "with_error_rows",
]

_CACHE: dict[int, tuple[Plan, Any, ColumnarPlan]] = {}


def compiled_plan(ruleset: Ruleset) -> ColumnarPlan:
    """The columnar compilation of ``ruleset.plan`` and its constraints (once per plan and
    process)."""
    plan = ruleset.plan
    constraints = ruleset.spec.constraints
    cached = _CACHE.get(id(plan))
    if cached is None or cached[0] is not plan or cached[1] is not constraints:
        cached = (plan, constraints, compile_plan(plan, constraints))
        _CACHE[id(plan)] = cached
    return cached[2]


@attrs.frozen
class FrameResult:
    """Verdicts of the valid rows and the problems of the bad ones.

    ``verdicts``: one row per valid office — ``row`` (its position in the input), ``id``
    (``name``/``county`` when given), ``outcome``, ``possible_outcomes`` and ``missing_facts``
    (for ``UNDECIDED`` rows), ``status.<id>`` for every criterion, standard, group, rule and
    outcome (``pass``/``fail``/``unknown``/``not_applicable``) and ``value.<name>`` for every
    derived value. ``problems``: ``row``, ``office_id``, ``field``, ``value``, ``message`` — the
    per-office parser's words. Both are Polars frames, or pandas with ``output="pandas"``.
    """

    verdicts: Any
    problems: Any
    ruleset: Ruleset
    total: int

    def counts(self) -> dict[str, int]:
        """Offices per outcome, most frequent first."""
        frame = self.verdicts
        if not isinstance(frame, pl.DataFrame):
            frame = pl.from_pandas(frame[["outcome"]])
        counted = frame.group_by("outcome").len().sort(["len", "outcome"],
                                                       descending=[True, False])
        return {str(o): int(n) for o, n in counted.rows()}


def to_polars(data: Any) -> pl.DataFrame:
    """A Polars frame from Polars (eager or lazy), pandas, a pyarrow Table / RecordBatch, or a
    sequence of office dicts."""
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pl.from_pandas(data)
    if module == "pyarrow":
        converted = pl.from_arrow(data)
        if isinstance(converted, pl.DataFrame):
            return converted
    if isinstance(data, Sequence) and all(isinstance(r, Mapping) for r in data):
        return pl.DataFrame(list(data), infer_schema_length=None)
    raise TypeError(f"expected a Polars, pandas or Arrow table of offices, got "
                    f"{type(data).__name__}")


def _ruleset(ruleset: Ruleset | str | None, options: Mapping[str, Any] | None) -> Ruleset:
    if isinstance(ruleset, Ruleset):
        return ruleset.with_options(**options) if options else ruleset
    return load_ruleset(ruleset or "star-judicial-office", options=options)


def evaluate_frame(
    data: Any,
    ruleset: Ruleset | str | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    output: str = "polars",
    statuses: bool = True,
    values: bool = True,
    undecided: str = "explain",
    extra: str = "ignore",
    verified: int = 0,
    seed: int = 0,
    batch_size: int | None = None,
) -> FrameResult:
    """Evaluate every office of ``data`` (Polars, pandas or Arrow; one office per row, one column
    per fact; a list column for a set, a date or ``YYYY-MM-DD`` column for a date).

    ``statuses`` / ``values``: include the ``status.<id>`` / ``value.<name>`` columns.
    ``undecided``: ``"explain"`` fills ``possible_outcomes`` and ``missing_facts`` of the
    ``UNDECIDED`` rows with the per-office engine; ``"skip"`` leaves them empty.
    ``extra``: ``"ignore"`` columns that are not facts, or ``"error"`` (an
    :class:`~mingxing_rules.errors.InputError` before anything is evaluated).
    ``verified``: check that many random valid rows (``seed``) against the per-office engine;
    :class:`~mingxing_rules.errors.BackendMismatchError` on any difference.
    ``batch_size``: evaluate that many rows at a time (bounds the working memory).
    """
    if output not in ("polars", "pandas"):
        raise ValueError(f"output must be 'polars' or 'pandas', not {output!r}")
    if undecided not in ("explain", "skip"):
        raise ValueError(f"undecided must be 'explain' or 'skip', not {undecided!r}")
    if extra not in ("ignore", "error"):
        raise ValueError(f"extra must be 'ignore' or 'error', not {extra!r}")
    compiled = _ruleset(ruleset, options)
    frame = to_polars(data)
    if extra == "error":
        unknown = unknown_columns(frame.columns, compiled)
        if unknown:
            raise InputError.from_problems([InputProblem(
                name, None, "a fact of the ruleset",
                f"unknown column {name!r} (not a fact of ruleset {compiled.id})")
                for name in unknown])
    frame = frame.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
    parts = [evaluate_polars(piece, compiled, statuses=statuses, values=values,
                             undecided=undecided)
             for piece in _slices(frame, batch_size)]
    verdicts = pl.concat([p[0] for p in parts], how="vertical") if parts else pl.DataFrame()
    problems = (pl.concat([p[1] for p in parts], how="vertical") if parts
                else pl.DataFrame(schema=PROBLEM_SCHEMA))
    if verified:
        _verify(frame, verdicts, compiled, verified, seed)
    if output == "pandas":
        return FrameResult(verdicts.to_pandas(), problems.to_pandas(), compiled, frame.height)
    return FrameResult(verdicts, problems, compiled, frame.height)


def _slices(frame: pl.DataFrame, batch_size: int | None) -> Iterator[pl.DataFrame]:
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not batch_size or frame.height <= batch_size:
        yield frame
        return
    for start in range(0, frame.height, batch_size):
        yield frame.slice(start, batch_size)


def evaluate_polars(frame: pl.DataFrame, ruleset: Ruleset, *, statuses: bool = True,
                    values: bool = True, undecided: str = "explain"
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One batch: ``frame`` carries the input row number in ``__row``. Returns (verdicts,
    problems) as Polars frames. The building block of :func:`evaluate_frame`, the Dask
    partitions and the Parquet stream."""
    compiled = compiled_plan(ruleset)
    normalised = normalise(frame, ruleset)
    lazy = compiled.evaluate(normalised.frame)
    bad = pl.col(BAD)
    for violation in compiled.violations:
        bad = bad | violation
    for name in compiled.derived:
        spec = ruleset.spec.derived[[d.name for d in ruleset.spec.derived].index(name)]
        value = pl.col(f"__d.{name}")
        if spec.minimum is not None:
            bad = bad | (value < spec.minimum).fill_null(False)
        if spec.maximum is not None:
            bad = bad | (value > spec.maximum).fill_null(False)
    identity = [pl.col(ROW).alias("row"), pl.col("id")]
    identity += [pl.col(k) for k in IDENTITY_FIELDS[1:3] if k in frame.columns]
    result = lazy.select(*identity, bad.alias(BAD),
                         *compiled.output_columns(statuses=statuses, values=values)).collect()
    bad_positions = result.select(pl.arg_where(pl.col(BAD))).to_series().to_list()
    problems = problems_for_rows(frame, bad_positions, ruleset)
    if bad_positions:
        result = result.filter(~pl.col(BAD))
    result = result.drop(BAD)
    lists = pl.List(pl.String())
    possible: list[list[str]] = []
    missing: list[list[str]] = []
    undecided_at: list[int] = []
    if undecided == "explain":
        undecided_at = result.select(pl.arg_where(pl.col("outcome") == UNDECIDED)
                                     ).to_series().to_list()
        if undecided_at:
            where = {r: i for i, r in enumerate(frame[ROW].to_list())}
            for row in result["row"].gather(undecided_at).to_list():
                verdict = evaluate(office_record(frame, where[row], ruleset), ruleset,
                                   extra="ignore")
                possible.append(list(verdict.possible_outcomes))
                missing.append(list(verdict.missing_facts))
    # empty lists everywhere, and the few explained rows picked in (no join of the frame)
    explained = []
    for name, found in (("possible_outcomes", possible), ("missing_facts", missing)):
        if undecided_at:
            pick = pl.Series([None] * 0, dtype=pl.UInt32()).extend_constant(None, result.height)
            pick = pick.scatter(undecided_at, pl.Series(range(len(found)), dtype=pl.UInt32()))
            column = pl.Series(found, dtype=lists).gather(pick).fill_null(
                pl.lit([], dtype=lists))
        else:
            column = pl.repeat([], result.height, dtype=lists, eager=True)
        explained.append(column.alias(name))
    at = result.columns.index("outcome") + 1
    result = result.insert_column(at, explained[0]).insert_column(at + 1, explained[1])
    return result, problems


#: The outcome of a row refused by validation, where verdicts and errors share one table.
INPUT_ERROR = "INPUT_ERROR"


def with_error_rows(verdicts: pl.DataFrame, problems: pl.DataFrame) -> pl.DataFrame:
    """Verdicts and refused rows in one table, in row order: a refused row has outcome
    ``INPUT_ERROR`` and its problems in ``error`` (as ``mingxing evaluate --batch`` writes
    them); ``error`` is empty on the other rows."""
    errors = problems.group_by("row", maintain_order=True).agg(
        pl.col("office_id").first().alias("id"),
        pl.format("{}: {}", "field", "message").str.join("; ").alias("error"))
    errors = errors.with_columns(pl.lit(INPUT_ERROR, dtype=pl.String()).alias("outcome"))
    verdicts = verdicts.with_columns(pl.lit(None, dtype=pl.String()).alias("error"))
    return pl.concat([verdicts, errors], how="diagonal_relaxed").sort("row")


def office_record(frame: pl.DataFrame, position: int, *rulesets: Ruleset) -> dict[str, Any]:
    """The office at ``position`` of ``frame`` as the plain data the per-office engine reads
    (the facts of every ruleset given)."""
    facts = {f.name for ruleset in rulesets for f in ruleset.spec.facts}
    data = frame.row(position, named=True)
    office = {k: v for k, v in data.items()
              if v is not None and (k in facts or k in IDENTITY_FIELDS)}
    office["id"] = str(office.get("id", data[ROW]))
    return office


def differences(record: Mapping[str, Any], verdict: Verdict, row: Sequence[Any]) -> list[str]:
    """What differs between one row of a verdicts frame and the per-office verdict (``row``:
    the per-office evaluation row, ``ruleset.program.full(office.facts)``)."""
    found: list[str] = []
    if record["outcome"] != verdict.outcome:
        found.append(f"outcome: columns {record['outcome']}, per office {verdict.outcome}")
    if verdict.outcome == UNDECIDED and "possible_outcomes" in record and (
            record["possible_outcomes"] and
            tuple(record["possible_outcomes"]) != verdict.possible_outcomes):
        found.append("possible outcomes differ")
    program = verdict.trace.program
    assert program is not None
    for node in program.plan.nodes:
        if node.kind == "derived":
            column = value_column(node.id)
            if column in record and record[column] != row[node.position] and not (
                    record[column] is None and row[node.position] is None):
                found.append(f"value {node.id}: columns {record[column]!r}, "
                             f"per office {row[node.position]!r}")
            continue
        column = status_column(node.id)
        if column not in record:
            continue
        expected = verdict.trace.status(node.id)
        if record[column] != expected.value:
            found.append(f"{node.kind} {node.id}: columns {record[column]}, "
                         f"per office {expected.value}")
    return found


def _verify(frame: pl.DataFrame, verdicts: pl.DataFrame, ruleset: Ruleset, count: int,
            seed: int) -> None:
    """Verified mode: a random sample of rows, evaluated again office by office."""
    if verdicts.height == 0:
        return
    picks = random.Random(seed).sample(range(verdicts.height), min(count, verdicts.height))
    offsets = {r: i for i, r in enumerate(frame.select(ROW).to_series().to_list())}
    for pick in picks:
        record = verdicts.row(pick, named=True)
        office = office_record(frame, offsets[record["row"]], ruleset)
        parsed = ruleset.parse_office(office, extra="ignore")
        verdict = evaluate(parsed, ruleset)
        found = differences(record, verdict, ruleset.program.full(parsed.facts))
        if found:
            raise BackendMismatchError(
                f"office {office['id']!r} (row {record['row']}): the columnar engine and the "
                f"per-office engine disagree: " + "; ".join(found[:5]),
                office_id=office["id"], differences=found)


def evaluate_parquet(source: str | Path, out: str | Path, ruleset: Ruleset | str | None = None,
                     *, options: Mapping[str, Any] | None = None, batch_size: int = 100_000,
                     statuses: bool = True, values: bool = True, undecided: str = "explain",
                     problems_out: str | Path | None = None) -> tuple[int, int, pl.DataFrame]:
    """Stream a Parquet file of offices into a Parquet file of verdicts, ``batch_size`` rows at a
    time (peak memory is that of one batch). Refused rows are in the file too (outcome
    ``INPUT_ERROR``, see :func:`with_error_rows`). ``out`` (and ``problems_out``) are written
    atomically. Returns (offices read, offices decided, problems)."""
    import pyarrow.parquet as pq

    from ..atomic import atomic_open

    if isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    compiled = _ruleset(ruleset, options)
    rows = pq.ParquetFile(str(source)).metadata.num_rows
    total = written = 0
    problems: list[pl.DataFrame] = []
    with atomic_open(out, "wb") as handle:
        writer: pq.ParquetWriter | None = None
        for start in range(0, rows, batch_size):
            # Polars reads only the row groups of the slice, keeps Enum and list-of-Enum
            # columns as they were written (pyarrow cannot read a list of dictionaries
            # across row groups) and decodes the columns in parallel
            frame = pl.scan_parquet(str(source)).slice(start, batch_size).collect()
            frame = frame.with_row_index(ROW, offset=total).with_columns(
                pl.col(ROW).cast(pl.Int64))
            total += frame.height
            verdicts, bad = evaluate_polars(frame, compiled, statuses=statuses, values=values,
                                            undecided=undecided)
            problems.append(bad)
            table = with_error_rows(verdicts, bad).to_arrow()
            if writer is None:  # statistics on the key columns only: 40 % faster to write
                writer = pq.ParquetWriter(handle, table.schema,
                                          write_statistics=["row", "id", "outcome"])
            writer.write_table(table)
            written += verdicts.height
        if writer is None:  # an empty input still gives a readable (empty) result
            empty, _ = evaluate_polars(
                pl.DataFrame({ROW: pl.Series([], dtype=pl.Int64())}), compiled,
                statuses=statuses, values=values, undecided=undecided)
            pq.write_table(with_error_rows(empty, pl.DataFrame(schema=PROBLEM_SCHEMA)).to_arrow(),
                           handle)
        else:
            writer.close()
    found = (pl.concat(problems, how="vertical") if problems
             else pl.DataFrame(schema=PROBLEM_SCHEMA))
    if problems_out is not None:
        with atomic_open(problems_out, "wb") as handle:
            found.write_parquet(handle)
    return total, written, found


def frame_from_offices(records: Sequence[Mapping[str, Any]], ruleset: Ruleset | str | None = None
                       ) -> pl.DataFrame:
    """Plain office dicts (the JSON form) as a frame with one typed column per fact: findings
    given as ``{met, evidence}`` keep ``met``, dates become ``YYYY-MM-DD`` text. A column whose
    values do not fit the fact's type keeps the type Polars infers (its rows are then refused
    by validation, with the per-office message)."""
    compiled = _ruleset(ruleset, None)
    facts = {f.name: f for f in compiled.spec.facts}
    names = list(dict.fromkeys(k for r in records for k in r))
    columns: dict[str, pl.Series] = {}
    for name in names:
        raw = [r.get(name) for r in records]
        fact = facts.get(name)
        if fact is not None and fact.type == "finding":
            raw = [v.get("met") if isinstance(v, Mapping) else v for v in raw]
        if fact is not None and fact.type == "date":
            raw = [v.isoformat() if isinstance(v, dt.date) else v for v in raw]
        if fact is not None and fact.type == "number":
            raw = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                   for v in raw]
        dtype = (fact_dtype(fact) if fact is not None and fact.type != "date"
                 else (pl.String() if name in IDENTITY_FIELDS or fact is not None else None))
        try:
            columns[name] = pl.Series(name, raw, dtype=dtype, strict=True)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            columns[name] = pl.Series(name, raw, strict=False)
    return pl.DataFrame(columns, height=len(records))
