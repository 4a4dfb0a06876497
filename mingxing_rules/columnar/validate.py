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

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
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


def _integer_bounds(fact: FactSpec) -> tuple[int, int]:
    """The accepted range of a whole number: ``min``/``max`` within +-2**53, rounded inwards
    (an integer is >= 0.5 exactly when it is >= 1)."""
    low, high = -MAX_MAGNITUDE, MAX_MAGNITUDE
    if fact.minimum is not None:
        low = max(low, math.ceil(fact.minimum))
    if fact.maximum is not None:
        high = min(high, math.floor(fact.maximum))
    return low, high


def _numeric(fact: FactSpec, column: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """One range test per column (``is_between``): a null is unknown, never bad."""
    if not dtype.is_numeric():
        return _not_null_is_bad(column)
    if dtype.is_integer():  # exact in Int64: a float cannot hold 2**53 + 1
        whole = column if dtype == pl.Int64 else column.cast(pl.Int64, strict=False)
        low, high = _integer_bounds(fact)
        inside = whole.is_between(pl.lit(low, dtype=pl.Int64()), pl.lit(high, dtype=pl.Int64()))
        if dtype != pl.Int64:  # a UInt64 beyond Int64 does not cast: bad
            inside = inside & whole.is_not_null()
        bad = column.is_not_null() & ~inside.fill_null(False)
        return bad, (whole if fact.type == "integer" else whole.cast(pl.Float64))
    value = column if dtype == pl.Float64 else column.cast(pl.Float64)
    low_f = -float(MAX_MAGNITUDE) if fact.minimum is None else max(-float(MAX_MAGNITUDE),
                                                                   float(fact.minimum))
    high_f = float(MAX_MAGNITUDE) if fact.maximum is None else min(float(MAX_MAGNITUDE),
                                                                   float(fact.maximum))
    # NaN and the infinities fall outside any finite range
    problem = ~value.is_between(low_f, high_f)
    if fact.type == "integer":
        problem = problem | (value != value.floor())
        return problem.fill_null(False), value.cast(pl.Int64, strict=False)
    return problem.fill_null(False), value


def _choices(fact: FactSpec, column: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    values = list(fact.value_ids)
    if fact.type == "enum":
        if isinstance(dtype, pl.Enum) and set(dtype.categories.to_list()) <= set(values):
            return pl.lit(False), column.cast(pl.String)  # the dtype itself proves the values
        if not (dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)):
            return _not_null_is_bad(column)
        text = column.cast(pl.String)
        return text.is_not_null() & ~text.is_in(values), text
    # a set with more declared values than bits, or a list column of another type
    if not isinstance(dtype, pl.List | pl.Array):
        return _not_null_is_bad(column)
    inner = dtype.inner
    if not (inner in (pl.String, pl.Null) or isinstance(inner, pl.Categorical | pl.Enum)):
        bad = column.is_not_null() & (column.list.len() > 0)  # only [] is a valid such list
        return bad, pl.when(column.is_not_null()).then(pl.lit([], dtype=pl.List(pl.String())))
    items = column.cast(pl.List(pl.String))
    # an undeclared value (or a null item) becomes null when cast to the declared values
    declared = items.cast(pl.List(pl.Enum(values)), strict=False) if values else None
    bad = items.is_not_null() & (
        (declared.list.drop_nulls().list.n_unique() != items.list.len())
        if declared is not None else items.list.len() > 0)
    return bad, items


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
    """(bad mask, normalised column) for one fact column of type ``dtype``. The value of a bad
    row is left as it comes (the row is dropped): no second pass over the column."""
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


def _is_set_column(dtype: pl.DataType) -> bool:
    """A list of text, enum or categorical items (or of nulls only): read by :func:`set_bits`."""
    if not isinstance(dtype, pl.List):
        return False
    inner = dtype.inner
    return inner in (pl.String, pl.Null) or isinstance(inner, pl.Categorical | pl.Enum)


def _item_lookup(items: Any, values: Sequence[str]
                 ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(index of every list item into the two tables, bit table, bad table): the bit of a
    declared value (0 otherwise), and whether an entry is an undeclared value or a null item
    (the last entry). A dictionary column (Polars ``Enum``/``Categorical``, Parquet dictionary
    pages) looks up its few dictionary entries and reads the item indices as they are; a text
    column looks up every item once. The bad table is empty when no item can be bad."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_null(items.type):  # every item is null
        return (np.zeros(len(items), dtype=np.int64), np.zeros(1, dtype=np.uint64),
                np.ones(1, dtype=bool))
    if pa.types.is_dictionary(items.type):
        entries = items.dictionary
        found = pc.index_in(entries, value_set=pa.array(list(values), type=entries.type))
        codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        indices = items.indices
        null_slot = len(entries)
        maybe_bad = bool(found.null_count) or bool(indices.null_count)
    else:
        codes = np.arange(len(values), dtype=np.int64)
        indices = pc.index_in(items, value_set=pa.array(list(values), type=items.type))
        null_slot = len(values)
        maybe_bad = bool(indices.null_count)
    if indices.null_count:
        indices = indices.fill_null(null_slot)
    codes = np.append(codes, -1)
    bit_table = np.where(codes >= 0, np.left_shift(np.uint64(1),
                                                   np.maximum(codes, 0).astype(np.uint64)),
                         np.uint64(0)).astype(np.uint64)
    bad_table = codes < 0 if maybe_bad else np.zeros(0, dtype=bool)
    return indices.to_numpy(zero_copy_only=False), bit_table, bad_table


def _or_per_list(item_values: np.ndarray[Any, Any], indices: np.ndarray[Any, Any],
                 starts: np.ndarray[Any, Any], empty: np.ndarray[Any, Any]
                 ) -> np.ndarray[Any, Any]:
    """``item_values[indices]`` OR-ed over each list (``starts``: where each list begins in
    the items; ``empty``: the lists without items, which get 0)."""
    picked = np.empty(len(indices) + 1, dtype=item_values.dtype)
    np.take(item_values, indices, out=picked[:-1])
    picked[-1] = 0  # a last entry so that an empty last list still has a start to point at
    combined = np.bitwise_or.reduceat(picked, starts)
    combined[empty] = 0  # reduceat gives an empty list the next list's first item
    return combined


def set_bits(series: pl.Series, values: Sequence[str]) -> tuple[pl.Series, pl.Series]:
    """(bits, bad) of a list column of declared ``values``, computed on the flat Arrow buffers
    (one pass, no per-row work): ``bits`` holds value i as bit i (null for a null list), ``bad``
    marks rows with an undeclared value, a null item or a value listed twice (the per-office
    schema refuses all three). The column may hold text, ``Enum`` or ``Categorical`` items."""
    import pyarrow as pa

    arrow: Any = series.to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    offsets = arrow.offsets.to_numpy(zero_copy_only=False)
    first = int(offsets[0])
    items = arrow.values.slice(first, int(offsets[-1]) - first)
    indices, bit_table, bad_table = _item_lookup(items, values)
    lengths = np.diff(offsets)
    starts = offsets[:-1] - first
    empty = lengths == 0
    # the narrowest unsigned type that holds every bit: less memory to move per item
    narrow = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64)
                  if len(values) <= np.iinfo(t).bits)
    bits = _or_per_list(bit_table.astype(narrow), indices, starts, empty).astype(np.uint64)
    bits_series = pl.Series("bits", bits)
    # a repeated value sets its bit once: fewer bits than items
    bad = bits_series.bitwise_count_ones().cast(pl.Int64) != pl.Series(lengths,
                                                                      dtype=pl.Int64())
    if bad_table.any():
        bad = bad | pl.Series(_or_per_list(bad_table, indices, starts, empty))
    missing = series.is_null()
    return bits_series.set(missing, None), (bad & ~missing).alias("bad")


@attrs.frozen
class _RangeCheck:
    """A numeric fact column whose minimum and maximum, read in one pass over the whole batch,
    can prove that no row breaks its range: the per-row test (``bad``) is then left out."""

    name: str
    low: int | float
    high: int | float
    bad: pl.Expr


@attrs.frozen
class _Layout:
    """How the facts of one input schema are normalised and checked, built once per
    (plan, schema) and reused by every batch of a stream."""

    columns: tuple[pl.Expr, ...]
    bad_parts: tuple[pl.Expr, ...]  # always tested row by row
    ranges: tuple[_RangeCheck, ...]  # tested row by row only when the batch's range says so
    sets: tuple[tuple[str, tuple[str, ...]], ...]  # read from their Arrow buffers (set_bits)
    present: tuple[str, ...]


_LAYOUTS: dict[tuple[int, tuple[tuple[str, pl.DataType], ...]], tuple[Any, _Layout]] = {}


def _range_check(fact: FactSpec, dtype: pl.DataType, bad: pl.Expr) -> _RangeCheck | None:
    """The batch-level form of a number's check, when its minimum and maximum decide it: a
    whole-number column that casts to Int64 exactly, or a float column of a ``number`` fact
    (``nan_min``/``nan_max`` are NaN when any value is, which fails the test)."""
    if dtype in (pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.UInt32, pl.UInt16, pl.UInt8):
        low, high = _integer_bounds(fact)
        return _RangeCheck(fact.name, low, high, bad)
    if dtype in (pl.Float64, pl.Float32) and fact.type == "number":
        low_f = max(-float(MAX_MAGNITUDE), float(fact.minimum if fact.minimum is not None
                                                 else -MAX_MAGNITUDE))
        high_f = min(float(MAX_MAGNITUDE), float(fact.maximum if fact.maximum is not None
                                                 else MAX_MAGNITUDE))
        return _RangeCheck(fact.name, low_f, high_f, bad)
    return None


def _layout(ruleset: Ruleset, schema: Mapping[str, pl.DataType]) -> _Layout:
    key = (id(ruleset.plan), tuple(schema.items()))
    cached = _LAYOUTS.get(key)
    if cached is not None and cached[0] is ruleset.plan:
        return cached[1]
    bad_parts: list[pl.Expr] = []
    columns: list[pl.Expr] = [pl.col(ROW)]
    if "id" in schema:
        dtype = schema["id"]
        if dtype == pl.String or dtype.is_integer() or isinstance(dtype, pl.Categorical
                                                                  | pl.Enum):
            text = pl.col("id").cast(pl.String)
            bad_parts.append(text.is_null() | (text.str.strip_chars() == ""))
            if dtype.is_integer():
                bad_parts.append(pl.col("id").cast(pl.Int64, strict=False).abs()
                                 .gt(MAX_MAGNITUDE).fill_null(True))
            columns.append(text.alias("id"))
        else:
            bad_parts.append(pl.lit(True))
            columns.append(pl.lit(None, dtype=pl.String()).alias("id"))
    else:
        columns.append(pl.col(ROW).cast(pl.String).alias("id"))
    for key_name in IDENTITY_FIELDS[1:]:
        if key_name in schema:
            dtype = schema[key_name]
            if (dtype == pl.String or dtype.is_integer() or dtype == pl.Null
                    or isinstance(dtype, pl.Categorical | pl.Enum)):
                columns.append(pl.col(key_name).cast(pl.String).alias(key_name))
                if dtype.is_integer():
                    bad_parts.append(pl.col(key_name).cast(pl.Int64, strict=False).abs()
                                     .gt(MAX_MAGNITUDE)
                                     .fill_null(pl.col(key_name).is_not_null()))
            else:
                bad_parts.append(pl.col(key_name).is_not_null())
                columns.append(pl.lit(None, dtype=pl.String()).alias(key_name))
    present: list[str] = []
    ranges: list[_RangeCheck] = []
    sets: list[tuple[str, tuple[str, ...]]] = []
    for fact in ruleset.spec.facts:
        if fact.name not in schema:
            columns.append(pl.lit(None, dtype=fact_dtype(fact)).alias(fact.name))
            if fact.type == "set":
                columns.append(pl.lit(None, dtype=pl.UInt64()).alias(mask_column(fact.name)))
            continue
        present.append(fact.name)
        dtype = schema[fact.name]
        if (fact.type == "set" and len(fact.value_ids) <= MAX_MASK_VALUES
                and _is_set_column(dtype)):
            sets.append((fact.name, tuple(fact.value_ids)))
            bad_parts.append(pl.col(f"__bad.{fact.name}"))
            # the list form is computed only if a condition reads it (the query prunes it)
            columns.append(pl.col(fact.name).cast(fact_dtype(fact)).alias(fact.name))
            columns.append(pl.col(mask_column(fact.name)))
            continue
        bad, value = _fact(fact, pl.col(fact.name), dtype)
        check = (_range_check(fact, dtype, bad) if fact.type in ("number", "integer")
                 else None)
        if check is not None:
            ranges.append(check)
        elif not _always_false(bad):
            bad_parts.append(bad)
        columns.append(value.cast(fact_dtype(fact)).alias(fact.name))
        if fact.type == "set" and len(fact.value_ids) <= MAX_MASK_VALUES:
            columns.append(set_mask(value.cast(fact_dtype(fact)), fact.value_ids)
                           .alias(mask_column(fact.name)))
    layout = _Layout(tuple(columns), tuple(bad_parts), tuple(ranges), tuple(sets),
                     tuple(present))
    if len(_LAYOUTS) > 64:
        _LAYOUTS.clear()
    _LAYOUTS[key] = (ruleset.plan, layout)
    return layout


def _out_of_range(frame: pl.DataFrame, ranges: Sequence[_RangeCheck]) -> list[pl.Expr]:
    """The per-row tests of the columns whose batch minimum or maximum leaves their range
    (one pass of reductions over every checked column at once)."""
    if not ranges or frame.height == 0:
        return []
    extremes = frame.select(
        *(pl.col(c.name).nan_min().alias(f"min.{i}") if isinstance(c.low, float)
          else pl.col(c.name).min().alias(f"min.{i}") for i, c in enumerate(ranges)),
        *(pl.col(c.name).nan_max().alias(f"max.{i}") if isinstance(c.low, float)
          else pl.col(c.name).max().alias(f"max.{i}") for i, c in enumerate(ranges)),
    ).row(0)
    failing = []
    for i, check in enumerate(ranges):
        low, high = extremes[i], extremes[len(ranges) + i]
        if low is None:  # every value unknown
            continue
        if not (check.low <= low and high <= check.high):  # NaN compares false: checked
            failing.append(check.bad)
    return failing


def normalise(frame: pl.DataFrame, ruleset: Ruleset) -> Normalised:
    """Facts cast to their column types, missing fact columns added as unknown, and ``__bad``.

    ``frame`` must carry the input row number in ``__row``. Without an ``id`` column the row
    number is the office id. The expressions are built once per input schema. A number column
    (Parquet and :func:`~.generate.generate_offices` give typed columns) is tested row by row
    only when its minimum or maximum over the batch breaks its range; a set column is read
    from its Arrow buffers once (:func:`set_bits`); the list form of a set is built only if a
    condition reads it (the lazy query drops it otherwise).
    """
    layout = _layout(ruleset, frame.schema)
    bad_parts = [*layout.bad_parts, *_out_of_range(frame, layout.ranges)]
    extra: list[pl.Series] = []
    for name, values in layout.sets:
        bits, bad_items = set_bits(frame[name], values)
        extra += [bits.alias(mask_column(name)), bad_items.alias(f"__bad.{name}")]
    bad_any = (pl.any_horizontal(*bad_parts).fill_null(True) if bad_parts
               else pl.lit(False))
    source = frame.with_columns(extra) if extra else frame
    return Normalised(source.lazy().select(*layout.columns, bad_any.alias(BAD)),
                      layout.present)


def _always_false(expr: pl.Expr) -> bool:
    return expr.meta.eq(pl.lit(False))


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
