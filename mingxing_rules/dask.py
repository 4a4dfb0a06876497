"""The columnar engine on a Dask cluster: ``evaluate(ddf, ruleset)``.

Each partition is evaluated by :func:`mingxing_rules.columnar.frame.evaluate_polars` over the
same compiled plan. The ruleset travels to the workers as its **source text and options** (plain
strings), never as pickled code: each worker process loads and compiles it once (the file is
written to a per-content temporary folder and read by :func:`~mingxing_rules.load_ruleset`, so a
worker checks exactly what the client checked).

Rows with input errors stay in the result with outcome ``INPUT_ERROR`` and the problems in
``error`` (as ``mingxing evaluate --batch`` writes them); the other rows carry the verdict
columns of :func:`~mingxing_rules.columnar.evaluate_frame`. ``row`` is the partition's index
value (the input's global position when the frame comes from ``read_parquet``).

Needs the ``dask`` extra (``dask[distributed]``) and the ``columnar`` extra.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from .columnar.frame import INPUT_ERROR
from .errors import RulesetError
from .ruleset.load import Ruleset, load_ruleset

__all__ = ["INPUT_ERROR", "RulesetSource", "evaluate", "evaluate_arrow", "evaluate_partition",
           "ruleset_source", "verdict_schema"]



def ruleset_source(ruleset: Ruleset) -> RulesetSource:
    """What a worker needs to rebuild ``ruleset``: its YAML text, file name and options."""
    if ruleset.path is None:
        raise RulesetError(f"ruleset {ruleset.key} has no source file to send to the workers")
    return RulesetSource(Path(ruleset.path).read_text(encoding="utf-8"), Path(ruleset.path).name,
                         json.dumps(ruleset.options, sort_keys=True))


class RulesetSource(NamedTuple):
    """``(text, file name, options as JSON)``: plain strings, cheap and safe to ship."""

    text: str
    name: str
    options: str


@functools.lru_cache(maxsize=8)
def _load_source(text: str, name: str, options: str) -> Ruleset:
    from .atomic import atomic_write_text

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "mingxing-rules-workers" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text)
    return load_ruleset(path, options=json.loads(options))


def evaluate_partition(part: Any, source: tuple[str, str, str], statuses: bool = True,
                       values: bool = True, undecided: str = "explain",
                       offsets: tuple[int, ...] | None = None,
                       partition_info: Mapping[str, Any] | None = None) -> Any:
    """One pandas partition of offices to one pandas partition of verdicts (runs on a worker).

    ``offsets``: the first global row number of each partition (else ``row`` is the index)."""
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from .columnar.frame import evaluate_polars, with_error_rows
    from .columnar.validate import ROW

    ruleset = _load_source(*source)
    index = part.index
    if offsets is not None and partition_info is not None:
        start = offsets[partition_info["number"]]
        rows = pd.Series(range(start, start + len(part)), dtype="int64")
    elif pd.api.types.is_integer_dtype(index.dtype):
        rows = pd.Series(index, dtype="int64")
    else:
        rows = pd.Series(range(len(part)), dtype="int64")
    table = pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False)
    converted = pl.from_arrow(table)
    assert isinstance(converted, pl.DataFrame)
    frame = converted.with_columns(pl.Series(ROW, rows.to_numpy(), dtype=pl.Int64()))
    verdicts, problems = evaluate_polars(frame, ruleset, statuses=statuses, values=values,
                                         undecided=undecided)
    return with_error_rows(verdicts, problems).to_pandas()


def evaluate(ddf: Any, ruleset: Ruleset | str | None = None, *,
             options: Mapping[str, Any] | None = None, statuses: bool = True,
             values: bool = True, undecided: str = "explain", global_rows: bool = False) -> Any:
    """A Dask DataFrame of verdicts for a Dask DataFrame of offices (lazy: call ``.compute()``
    or ``.to_parquet()``). The options are those of :func:`mingxing_rules.columnar.evaluate_frame`.
    ``global_rows``: number rows across partitions (counts the partitions' lengths first);
    otherwise ``row`` is the partition index value.
    """
    if isinstance(ruleset, Ruleset):
        compiled = ruleset.with_options(**options) if options else ruleset
    else:
        compiled = load_ruleset(ruleset or "star-judicial-office", options=options)
    source = ruleset_source(compiled)
    meta = evaluate_partition(ddf._meta, source, statuses, values, undecided)
    offsets: tuple[int, ...] | None = None
    if global_rows:
        lengths = [int(n) for n in ddf.map_partitions(len).compute()]
        offsets = tuple(sum(lengths[:i]) for i in range(len(lengths)))
    return ddf.map_partitions(evaluate_partition, source, statuses, values, undecided, offsets,
                              meta=meta, enforce_metadata=False)


def evaluate_arrow(table: Any, source: tuple[str, str, str], *, first_row: int = 0,
                   statuses: bool = True, values: bool = True, undecided: str = "explain",
                   plain: bool = False) -> Any:
    """A pyarrow Table (or RecordBatch) of offices to a pyarrow Table of verdicts, rows
    numbered from ``first_row``: the function to hand to an Arrow-based engine (Spark's
    ``mapInArrow``, see docs/columnar.md). ``plain``: statuses as text, not dictionaries."""
    import polars as pl

    from .columnar.frame import evaluate_polars, with_error_rows
    from .columnar.validate import ROW

    ruleset = _load_source(*source)
    converted = pl.from_arrow(table)
    assert isinstance(converted, pl.DataFrame)
    frame = converted.with_row_index(ROW, offset=first_row).with_columns(
        pl.col(ROW).cast(pl.Int64))
    verdicts, problems = evaluate_polars(frame, ruleset, statuses=statuses, values=values,
                                         undecided=undecided)
    result = with_error_rows(verdicts, problems)
    if plain:
        result = result.with_columns(pl.col(c).cast(pl.String) for c in result.columns
                                     if c.startswith("status."))
    return result.to_arrow()


def verdict_schema(source: tuple[str, str, str], *, statuses: bool = True, values: bool = True,
                   plain: bool = False) -> Any:
    """The pyarrow schema of :func:`evaluate_arrow`'s result (for ``mapInArrow``)."""
    import polars as pl

    from .columnar.compile import fact_dtype

    ruleset = _load_source(*source)
    empty = pl.DataFrame({"id": pl.Series([], dtype=pl.String()),
                          **{f.name: pl.Series([], dtype=fact_dtype(f))
                             for f in ruleset.spec.facts}})
    return evaluate_arrow(empty.to_arrow(), source, statuses=statuses, values=values,
                          plain=plain).schema
