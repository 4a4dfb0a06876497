"""``mingxing evaluate --batch offices.parquet --out verdicts.parquet [--scheduler ADDRESS]``.

A Parquet file of offices is evaluated by the columnar engine (:mod:`mingxing_rules.columnar`),
streamed in batches of ``--batch-size`` rows, into a Parquet file of verdicts: ``row``, ``id``,
``outcome``, ``possible_outcomes``, ``missing_facts``, ``status.<id>`` for every step,
``value.<name>`` for every derived value, and ``error`` (rows refused by validation have outcome
``INPUT_ERROR``). With ``--scheduler`` the partitions are evaluated on that Dask cluster
(:mod:`mingxing_rules.dask`). The output is written atomically; the counts per outcome go to
stdout.

Exit codes as ``--batch`` with other files: 0 every row evaluated, 1 some rows were refused,
2 the input cannot be read (or the extras are not installed), 3 ruleset errors.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ..atomic import atomic_open
from ..errors import MingxingError, RulesetError
from ..ruleset.load import Ruleset
from ._shared import EXIT_FOUND, EXIT_OK, UsageError, require_extra

__all__ = ["run_parquet"]


def run_parquet(args: argparse.Namespace, ruleset: Ruleset, source: Path) -> int:
    """Evaluate ``source`` (a .parquet file) into ``args.out`` (a .parquet file)."""
    out = args.out
    if not source.is_file():
        raise UsageError(f"cannot read {source}: no such file")
    if not out or Path(out).suffix.lower() != ".parquet":
        raise UsageError("a .parquet batch needs --out FILE.parquet")
    require_extra(["polars", "pyarrow"], "Parquet needs the columnar extra", "columnar")
    scheduler = getattr(args, "scheduler", None)
    batch_size = getattr(args, "batch_size", None) or 100_000
    try:
        if scheduler:
            counts = _on_cluster(source, Path(out), ruleset, scheduler)
        else:
            counts = _locally(source, Path(out), ruleset, batch_size)
    except ImportError as exc:
        raise UsageError(f"--scheduler needs the dask extra (pip install "
                         f"'mingxing-rules[dask]'): {exc}") from None
    except RulesetError:
        raise
    except (MingxingError, OSError) as exc:
        raise UsageError(f"{source}: {exc}") from None
    except Exception as exc:  # pyarrow and polars raise their own types for a malformed file
        raise UsageError(f"{source}: cannot evaluate: {type(exc).__name__}: {exc}") from None
    total = sum(counts.values())
    print(f"{total} offices from {source} -> {out}")
    for outcome, number in counts.most_common():
        print(f"  {outcome}: {number}")
    return EXIT_FOUND if counts.get("INPUT_ERROR") else EXIT_OK


def _locally(source: Path, out: Path, ruleset: Ruleset, batch_size: int) -> Counter[str]:
    import polars as pl

    from ..columnar import evaluate_parquet

    evaluate_parquet(source, out, ruleset, batch_size=batch_size)
    counted = pl.scan_parquet(out).group_by("outcome").len().collect()
    return Counter({str(o): int(n) for o, n in counted.rows()})


def _on_cluster(source: Path, out: Path, ruleset: Ruleset, address: str) -> Counter[str]:
    import dask.dataframe as dd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from distributed import Client

    from .. import dask as mingxing_dask
    counts: Counter[str] = Counter()
    with Client(address) as client:  # type: ignore[no-untyped-call]
        ddf = dd.read_parquet(str(source))
        verdicts = mingxing_dask.evaluate(ddf, ruleset, global_rows=True)
        futures = client.compute(list(verdicts.to_delayed()))
        with atomic_open(out, "wb") as handle:
            writer: pq.ParquetWriter | None = None
            for future in futures:  # computed in parallel, written in order as they arrive
                table = pa.Table.from_pandas(future.result(), preserve_index=False)
                counts.update(table.column("outcome").to_pylist())
                if writer is None:
                    writer = pq.ParquetWriter(handle, table.schema)
                writer.write_table(table.cast(writer.schema))
            if writer is not None:
                writer.close()
    return counts
