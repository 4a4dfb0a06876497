"""``mingxing evaluate --batch FILE``: evaluate a file of offices into a results file.

The lead's ``evaluate`` sub-command calls :func:`run_batch` when ``--batch`` is given. Offices are
read and evaluated one at a time and each result is written at once, so that memory stays bounded
on large files; a progress bar goes to stderr on long runs (tqdm when it is installed).

Results: ``--out results.csv`` (one row per office, a column per criterion; rows with input errors
are kept, with outcome ``INPUT_ERROR`` and the problem in ``error``) or ``--out results.jsonl``
(one verdict document per line, ``{"row": n, "error": ...}`` for bad rows). Without ``--out``
the CSV goes to stdout. The summary (counts per outcome, the criteria most often not met, the
bad rows) goes to stdout after an ``--out`` file, else to stderr.

Exit codes: 0 every row evaluated, 1 some rows had input errors (they are in the results and the
summary), 2 the file cannot be read, 3 ruleset errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import IO, Any

from ..engine.batch import (
    BatchResult,
    RowError,
    Tally,
    _Progress,
    count_records,
    error_record,
    iter_evaluate,
    matrix_html,
    record_columns,
    verdict_record,
)
from ..engine.trace import Verdict
from ..errors import InputError, MingxingError, RulesetError
from ..ruleset.load import load_ruleset

__all__ = ["run_batch"]

EXIT_OK = 0
EXIT_ROW_ERRORS = 1
EXIT_INPUT = 2
EXIT_RULESET = 3
PROGRESS_FROM = 200  # records; shorter runs finish before a bar is worth drawing


def _options(pairs: list[str]) -> dict[str, Any] | None:
    """``--option NAME=VALUE`` pairs (JSON values, else text), as the other commands read them."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise RulesetError(f"--option {pair!r}: expected NAME=VALUE")
        try:
            options[name] = json.loads(raw)
        except json.JSONDecodeError:
            options[name] = raw
    return options or None


def _error(message: str) -> None:
    print(f"mingxing: error: {message}", file=sys.stderr)


class _Writer:
    """Writes each result as it comes: CSV rows or JSON Lines."""

    def __init__(self, handle: IO[str], kind: str, criteria: tuple[str, ...]) -> None:
        self.handle = handle
        self.kind = kind
        self.criteria = criteria
        self.csv: csv.DictWriter[str] | None = None
        if kind == "csv":
            self.csv = csv.DictWriter(handle, fieldnames=record_columns(criteria))
            self.csv.writeheader()

    def write(self, row: int, item: Verdict | RowError) -> None:
        if self.csv is not None:
            record = (error_record(item, self.criteria) if isinstance(item, RowError)
                      else verdict_record(item, self.criteria))
            self.csv.writerow(record)
            return
        if isinstance(item, RowError):
            data: dict[str, Any] = {"row": row, "line": item.line, "office_id": item.office_id,
                                    "error": item.message}
        else:
            data = {"row": row, **item.to_dict()}
        self.handle.write(json.dumps(data, ensure_ascii=False) + "\n")


def run_batch(args: argparse.Namespace) -> int:
    """Evaluate ``args.batch`` into ``args.out``; print the summary. See the module docs."""
    source = Path(args.batch)
    out = getattr(args, "out", None)
    lang = getattr(args, "lang", None) or "en"
    lang = "zh" if lang == "zh" else "en"
    fmt = getattr(args, "format", None) or "text"
    try:
        ruleset = load_ruleset(getattr(args, "ruleset", None) or "star-judicial-office",
                               options=_options(getattr(args, "option", None) or []))
    except RulesetError as exc:
        _error(str(exc))
        return EXIT_RULESET
    if not source.is_file():
        _error(f"cannot read {source}: no such file")
        return EXIT_INPUT
    if source.suffix.lower() not in (".csv", ".tsv", ".jsonl", ".ndjson", ".json"):
        _error(f"{source}: unsupported file type (expected .csv, .tsv, .jsonl or .json)")
        return EXIT_INPUT
    out_path = Path(out) if out and str(out) != "-" else None
    kind = "jsonl" if out_path is not None and out_path.suffix.lower() in (
        ".jsonl", ".ndjson") else "csv"
    criteria = tuple(i.id for i in ruleset.program.layout if i.kind == "criterion")
    tally = Tally(ruleset)
    keep_all = fmt == "html"  # the matrix needs every verdict; other summaries only counts
    kept: list[Verdict] = []
    kept_rows: list[int] = []
    total = count_records(source)
    show = getattr(args, "progress", None)
    if show is None:
        show = sys.stderr.isatty() and (total is None or total >= PROGRESS_FROM)
    progress = _Progress(total, bool(show))
    handle: IO[str] = (out_path.open("w", encoding="utf-8", newline="") if out_path
                       else sys.stdout)
    try:
        writer = _Writer(handle, kind, criteria)
        for row, item in iter_evaluate(source, ruleset,
                                       backend=getattr(args, "backend", None) or "native"):
            writer.write(row, item)
            tally.add(item)
            if keep_all and isinstance(item, Verdict):
                kept.append(item)
                kept_rows.append(row)
            progress.update()
    except RulesetError as exc:
        _error(str(exc))
        return EXIT_RULESET
    except InputError as exc:  # the file as a whole cannot be read (e.g. a .json that is not)
        _error(str(exc))
        return EXIT_INPUT
    except MingxingError as exc:  # e.g. an unavailable backend
        _error(str(exc))
        return EXIT_INPUT
    finally:
        progress.close()
        if out_path is not None:
            handle.close()
    summary_stream = sys.stdout if out_path is not None else sys.stderr
    if keep_all:
        summary_stream.write(matrix_html(BatchResult(ruleset, kept, kept_rows, tally.errors),
                                         lang) + "\n")
    else:
        summary_stream.write(tally.summary().explain(lang, fmt if fmt != "html" else "text"))
    return EXIT_ROW_ERRORS if tally.errors else EXIT_OK
