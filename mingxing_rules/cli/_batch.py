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
import contextlib
import csv
import signal
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..atomic import atomic_open, same_file
from ..batch import (
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
    writable_text,
)
from ..errors import MingxingError, RulesetError
from ..jsonio import dumps as json_dumps
from ..jsonio import loads as json_loads
from ..load import load_ruleset
from ..trace import Verdict

__all__ = ["run_batch"]

EXIT_OK = 0
EXIT_ROW_ERRORS = 1
EXIT_INPUT = 2
EXIT_RULESET = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
PROGRESS_FROM = 200  # records; shorter runs finish before a bar is worth drawing


def _options(pairs: list[str]) -> dict[str, Any] | None:
    """``--option NAME=VALUE`` pairs (JSON values, else text), as the other commands read them."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise RulesetError(f"--option {pair!r}: expected NAME=VALUE")
        try:
            options[name] = json_loads(raw)
        except ValueError:
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
            data: dict[str, Any] = {"row": row, "line": item.line,
                                    "office_id": writable_text(item.office_id),
                                    "error": writable_text(item.message)}
        else:
            data = {"row": row, **item.to_dict()}
        self.handle.write(json_dumps(data) + "\n")


class _InterruptedError(Exception):
    """SIGINT or SIGTERM arrived during a batch."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _StopRequest:
    """Set by SIGINT/SIGTERM; the batch stops before its next record. (Raising from the signal
    handler would land wherever the program happens to be, e.g. inside the validation of one
    office, which would report it as that office's error.) A second signal stops at once."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def check(self) -> None:
        if self.signal_name is not None:
            raise _InterruptedError(self.signal_name)


@contextlib.contextmanager
def _interruptible() -> Iterator[_StopRequest]:
    request = _StopRequest()

    def stop(number: int, _frame: object) -> None:
        if request.signal_name is not None:
            raise KeyboardInterrupt
        request.signal_name = signal.Signals(number).name

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            previous[number] = signal.signal(number, stop)
    try:
        yield request
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _output(out_path: Path) -> contextlib.AbstractContextManager[IO[str]]:
    """The results file: written atomically (a temporary file renamed when the batch is done)
    unless it is a device or a pipe (``/dev/null``, ``/dev/stdout``), written directly."""
    try:
        special = out_path.exists() and not stat.S_ISREG(out_path.stat().st_mode)
    except OSError:
        special = False
    if special:
        return out_path.open("w", encoding="utf-8", newline="")
    return atomic_open(out_path, "w", encoding="utf-8", newline="")


def run_batch(args: argparse.Namespace) -> int:
    """Evaluate ``args.batch`` into ``args.out``; print the summary. See the module docs."""
    source = Path(args.batch)
    out = getattr(args, "out", None)
    lang = getattr(args, "lang", None) or "en"
    lang = "zh" if lang == "zh" else "en"
    fmt = getattr(args, "format", None) or "text"
    out_path = Path(out) if out and str(out) != "-" else None
    ruleset_name = getattr(args, "ruleset", None) or "star-judicial-office"
    if out_path is not None:
        # refused before anything is opened: writing the results over an input loses it
        for name, given in (("the batch file", source), ("the ruleset", Path(ruleset_name))):
            if given.exists() and same_file(out_path, given):
                _error(f"--out {out_path} is {name}; choose another file (nothing was written)")
                return EXIT_INPUT
    try:
        ruleset = load_ruleset(ruleset_name, options=_options(getattr(args, "option", None)
                                                              or []))
    except RulesetError as exc:
        _error(str(exc))
        return EXIT_RULESET
    if not source.is_file():
        _error(f"cannot read {source}: no such file")
        return EXIT_INPUT
    if source.suffix.lower() not in (".csv", ".tsv", ".jsonl", ".ndjson", ".json"):
        _error(f"{source}: unsupported file type (expected .csv, .tsv, .jsonl or .json)")
        return EXIT_INPUT
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
    status = EXIT_OK
    try:
        with _interruptible() as stop, (_output(out_path) if out_path is not None
                                        else contextlib.nullcontext(sys.stdout)) as handle:
            writer = _Writer(handle, kind, criteria)
            for row, item in iter_evaluate(source, ruleset,
                                           backend=getattr(args, "backend", None) or "native"):
                tally.add(item)  # counted as read even if writing it fails below
                writer.write(row, item)
                stop.check()
                if keep_all and isinstance(item, Verdict):
                    kept.append(item)
                    kept_rows.append(row)
                progress.update()
    except (_InterruptedError, KeyboardInterrupt) as stop:
        progress.close()
        name = stop.name if isinstance(stop, _InterruptedError) else "SIGINT"
        kept_note = ("no results file was written" + (f" ({out_path} is unchanged)"
                     if out_path is not None and out_path.exists() else "")
                     if out_path is not None else "the results above are partial")
        _error(f"interrupted ({name}) after {tally.total} records: {kept_note}")
        sys.stderr.write(tally.summary().explain(lang, "json" if fmt == "json" else "text"))
        return EXIT_INTERRUPTED
    except RulesetError as exc:
        _error(str(exc))
        return EXIT_RULESET
    except MingxingError as exc:  # the file as a whole cannot be read, an unavailable backend
        _error(str(exc))
        status = EXIT_INPUT
    except OSError as exc:  # the results cannot be written: a full disk, a missing folder
        where = out_path or "the output"
        regular = out_path is not None and out_path.is_file()
        kept_note = (f"; {out_path} is unchanged" if regular else "; no results file was "
                     "written" if out_path is not None and not out_path.exists() else "")
        _error(f"cannot write the results to {where}: {exc.strerror or exc}{kept_note}")
        status = EXIT_INPUT
    finally:
        progress.close()
    summary_stream = sys.stdout if out_path is not None and status == EXIT_OK else sys.stderr
    try:
        if keep_all and status == EXIT_OK:
            summary_stream.write(matrix_html(BatchResult(ruleset, kept, kept_rows,
                                                         tally.errors), lang) + "\n")
        else:
            summary_stream.write(tally.summary().explain(lang, fmt if fmt != "html" else "text"))
    except OSError:  # stdout closed or full: the exit status still tells
        pass
    if status != EXIT_OK:
        return status
    return EXIT_ROW_ERRORS if tally.errors else EXIT_OK
