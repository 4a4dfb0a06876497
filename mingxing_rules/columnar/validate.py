"""Columnar validation of office data: the office schema's rules
(:mod:`mingxing_rules.engine.office`)
as column expressions.

Each fact column is normalised to its type (:func:`~.compile.fact_dtype`) and a *bad* mask says
which rows the per-office schema would refuse: a value of the wrong type, beyond +-2**53 or not
finite, a fraction for an integer, outside ``min``/``max``, a value not declared for an enum or
set, a date that is not ``YYYY-MM-DD``, a missing or empty ``id``. Derived values outside their
own ``min``/``max`` (more disputes resolved than mediated) are checked after the derived values
are computed (see :mod:`.frame`). The bad rows — usually few — are then handed to the per-office
parser (``Ruleset.parse_office``), so every problem is reported with exactly the field, value and
message the rest of the library gives; the frame itself is never aborted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import polars as pl

from ..engine.office import IDENTITY_FIELDS
from ..errors import InputError
from ..ruleset.load import Ruleset
from ..ruleset.model import FactSpec
from ..ruleset.values import MAX_MAGNITUDE
from .compile import MAX_MASK_VALUES, fact_dtype, mask_column, set_mask

__all__ = ["PROBLEM_SCHEMA", "Normalised", "normalise", "problems_for_rows", "unknown_columns"]

#: Columns of the problems frame: one row per bad field of a bad office row.
PROBLEM_SCHEMA = {"row": pl.Int64(), "office_id": pl.String(), "field": pl.String(),
                  "value": pl.String(), "message": pl.String()}
ROW = "__row"
BAD = "__bad"


@attrs.frozen
class Normalised:
    """Facts in their column types (``frame``) and which rows the schema refuses (``BAD``)."""

    frame: pl.LazyFrame
    facts_present: tuple[str, ...]


def unknown_columns(columns: Iterable[str], ruleset: Ruleset) -> list[str]:
    """Columns that are neither identity fields nor facts of ``ruleset``."""
    known = {*IDENTITY_FIELDS, *(f.name for f in ruleset.spec.facts)}
    return [c for c in columns if c not in known and c != ROW]


def _not_null_is_bad(column: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return column.is_not_null(), pl.lit(None)


def _numeric(fact: FactSpec, column: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    if not dtype.is_numeric():
        return _not_null_is_bad(column)
    value = column.cast(pl.Float64)
    problem = ~value.is_finite() | (value.abs() > float(MAX_MAGNITUDE))
    if dtype.is_integer():  # exact bound on integers (a float cannot hold 2**53 + 1)
        problem = column.abs() > MAX_MAGNITUDE
    if fact.type == "integer" and dtype.is_float():
        problem = problem | (value != value.floor())
    if fact.minimum is not None:
        problem = problem | (value < fact.minimum)
    if fact.maximum is not None:
        problem = problem | (value > fact.maximum)
    bad = column.is_not_null() & problem.fill_null(True)
    target = pl.Int64 if fact.type == "integer" else pl.Float64
    return bad, pl.when(~bad).then(value.cast(target, strict=False) if target is pl.Int64
                                   else value)


def _choices(fact: FactSpec, column: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    values = list(fact.value_ids)
    if fact.type == "enum":
        if not (dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)):
            return _not_null_is_bad(column)
        text = column.cast(pl.String)
        bad = text.is_not_null() & ~text.is_in(values)
        return bad, pl.when(~bad).then(text)
    if not isinstance(dtype, pl.List | pl.Array):
        return _not_null_is_bad(column)
    inner = dtype.inner
    if not (inner in (pl.String, pl.Null) or isinstance(inner, pl.Categorical | pl.Enum)):
        bad = column.is_not_null() & (column.list.len() > 0)
        return bad, pl.when(~bad).then(pl.lit([], dtype=pl.List(pl.String())))
    items = column.cast(pl.List(pl.String))
    # an undeclared value (or a null item) becomes null when cast to the declared values
    declared = items.cast(pl.List(pl.Enum(values)), strict=False) if values else None
    bad = items.is_not_null() & (
        declared.list.eval(pl.element().is_null()).list.any() if declared is not None
        else items.list.len() > 0)
    return bad, pl.when(~bad).then(items)


def _date(column: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Date:
        return pl.lit(False), column
    if isinstance(dtype, pl.Datetime):
        return pl.lit(False), column.dt.date()
    if dtype == pl.String:
        parsed = pl.when(column.str.len_chars() == 10).then(
            column.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        bad = column.is_not_null() & parsed.is_null()
        return bad, parsed
    return _not_null_is_bad(column)


def _fact(fact: FactSpec, column: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(bad mask, normalised column) for one fact column of type ``dtype``."""
    if dtype == pl.Null:
        return pl.lit(False), pl.lit(None, dtype=fact_dtype(fact))
    if fact.type in ("number", "integer"):
        return _numeric(fact, column, dtype)
    if fact.type in ("boolean", "finding"):
        if dtype == pl.Boolean:
            return pl.lit(False), column
        if fact.type == "finding" and isinstance(dtype, pl.Struct):
            fields = {f.name for f in dtype.fields}
            if fields <= {"met", "evidence", "by"} and "met" in fields:
                met = column.struct.field("met")
                return pl.lit(False), met.cast(pl.Boolean, strict=False)
        return _not_null_is_bad(column)
    if fact.type in ("enum", "set"):
        return _choices(fact, column, dtype)
    if fact.type == "date":
        return _date(column, dtype)
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return pl.lit(False), column.cast(pl.String)
    return _not_null_is_bad(column)


def set_bits(series: pl.Series, values: Sequence[str]) -> tuple[pl.Series, pl.Series]:
    """(bits, bad) of a list column of declared ``values``, computed on the flat Arrow buffers
    (one pass, no per-row work): ``bits`` holds value i as bit i (null for a null list), ``bad``
    marks rows with an undeclared value or a null item."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    height = series.len()
    arrow: Any = series.cast(pl.List(pl.String)).to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    offsets = arrow.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
    flat = arrow.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    # the row of every item (items under a null list are ignored: the row is null)
    parents = np.repeat(np.arange(height, dtype=np.int64), np.diff(offsets))
    codes = pc.index_in(flat, value_set=pa.array(list(values), type=flat.type))
    valid = codes.is_valid().to_numpy(zero_copy_only=False)
    numbers = codes.fill_null(0).to_numpy(zero_copy_only=False).astype(np.uint64)
    bits = np.zeros(height, dtype=np.uint64)
    np.bitwise_or.at(bits, parents[valid], np.left_shift(np.uint64(1), numbers[valid]))
    bad = np.zeros(height, dtype=bool)
    bad[parents[~valid]] = True
    missing = series.is_null()
    return (pl.Series(bits).set(missing, None).alias("bits"),
            (pl.Series(bad) & ~missing).alias("bad"))


def normalise(frame: pl.DataFrame, ruleset: Ruleset) -> Normalised:
    """Facts cast to their column types, missing fact columns added as unknown, and ``__bad``.

    ``frame`` must carry the input row number in ``__row``. Without an ``id`` column the row
    number is the office id.
    """
    schema = frame.schema
    bad_parts: list[pl.Expr] = []
    columns: list[pl.Expr] = [pl.col(ROW)]
    if "id" in schema:
        dtype = schema["id"]
        if dtype == pl.String or dtype.is_integer():
            text = pl.col("id").cast(pl.String)
            bad_parts.append(text.is_null() | (text.str.strip_chars() == ""))
            columns.append(text.alias("id"))
        else:
            bad_parts.append(pl.lit(True))
            columns.append(pl.lit(None, dtype=pl.String()).alias("id"))
    else:
        columns.append(pl.col(ROW).cast(pl.String).alias("id"))
    for key in IDENTITY_FIELDS[1:]:
        if key in schema:
            dtype = schema[key]
            if dtype == pl.String or dtype.is_integer() or dtype == pl.Null:
                columns.append(pl.col(key).cast(pl.String).alias(key))
            else:
                bad_parts.append(pl.col(key).is_not_null())
                columns.append(pl.lit(None, dtype=pl.String()).alias(key))
    present = []
    extra: dict[str, pl.Series] = {}  # set facts read from their Arrow buffers (set_bits)
    for fact in ruleset.spec.facts:
        if fact.name not in schema:
            columns.append(pl.lit(None, dtype=fact_dtype(fact)).alias(fact.name))
            if fact.type == "set":
                columns.append(pl.lit(None, dtype=pl.UInt64()).alias(mask_column(fact.name)))
            continue
        present.append(fact.name)
        dtype = schema[fact.name]
        if (fact.type == "set" and len(fact.value_ids) <= MAX_MASK_VALUES
                and isinstance(dtype, pl.List) and dtype.inner in (pl.String, pl.Null)):
            bits, bad_items = set_bits(frame[fact.name], fact.value_ids)
            extra[mask_column(fact.name)] = bits.alias(mask_column(fact.name))
            extra[f"__bad.{fact.name}"] = bad_items.alias(f"__bad.{fact.name}")
            bad = pl.col(f"__bad.{fact.name}")
            bad_parts.append(bad)
            columns.append(pl.when(~bad).then(pl.col(fact.name).cast(fact_dtype(fact)))
                           .alias(fact.name))
            columns.append(pl.when(~bad).then(pl.col(mask_column(fact.name)))
                           .alias(mask_column(fact.name)))
            continue
        bad, value = _fact(fact, pl.col(fact.name), dtype)
        bad_parts.append(bad)
        columns.append(value.cast(fact_dtype(fact)).alias(fact.name))
        if fact.type == "set" and len(fact.value_ids) <= MAX_MASK_VALUES:
            columns.append(set_mask(value.cast(fact_dtype(fact)), fact.value_ids)
                           .alias(mask_column(fact.name)))
    bad_any = (pl.any_horizontal(*bad_parts).fill_null(True) if bad_parts
               else pl.lit(False))
    source = frame.with_columns(list(extra.values())) if extra else frame
    return Normalised(source.lazy().select(*columns, bad_any.alias(BAD)), tuple(present))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if v is not None}
    return value


def problems_for_rows(frame: pl.DataFrame, rows: Iterable[int], ruleset: Ruleset
                      ) -> pl.DataFrame:
    """The per-office parser's problems for the input rows ``rows`` (positions in ``frame``,
    which carries ``__row``), one line per bad field."""
    facts = {f.name for f in ruleset.spec.facts}
    known = [c for c in frame.columns if c in IDENTITY_FIELDS or c in facts]
    records: dict[str, list[Any]] = {name: [] for name in PROBLEM_SCHEMA}
    for position in rows:
        data = frame.row(position, named=True)
        office = {k: _plain(data[k]) for k in known if data[k] is not None}
        if "id" not in frame.columns:
            office["id"] = str(data[ROW])
        try:
            ruleset.parse_office(office, extra="ignore")
        except InputError as exc:
            problems = exc.problems
        else:  # pragma: no cover - the masks mirror the schema; say so if they ever disagree
            problems = ()
        office_id = office.get("id")
        for problem in problems or [None]:
            records["row"].append(data[ROW])
            records["office_id"].append(None if office_id is None else str(office_id))
            records["field"].append(problem.path if problem else "$")
            records["value"].append(repr(problem.value) if problem else None)
            records["message"].append(problem.message if problem
                                      else "refused by the columnar validation")
    return pl.DataFrame(records, schema=PROBLEM_SCHEMA)
