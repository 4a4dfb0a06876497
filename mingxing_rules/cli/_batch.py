"""``mingxing evaluate --batch FILE`` (or ``evaluate OFFICE... --out FILE``): a results table.

Offices are read and evaluated one at a time and each result is written at once, so memory stays
bounded on large files; on a terminal a progress bar (rate, ETA) goes to stderr.

Results: ``--out results.csv`` (one row per office, a column per criterion; rows with input errors
are kept, with outcome ``INPUT_ERROR`` and the problem in ``error``; UTF-8 with a byte-order mark
unless ``--encoding`` says otherwise), ``--out results.jsonl`` (one verdict document per line,
``{"row": n, "error": ...}`` for bad rows) or ``--out results.xlsx`` (the CSV's table as a
worksheet; needs the ``xlsx`` extra). Every file is written atomically. Without ``--out`` the rows
go to stdout (CSV, or JSON Lines with ``--format json``). The summary (counts per outcome, the
criteria most often not met, the bad rows) goes to stdout after an ``--out`` file, else to
stderr, in ``--format``.

Exit codes: 0 every row evaluated, 1 some rows had input errors (they are in the results and the
summary), 2 a file cannot be read, 3 ruleset errors.
"""

from __future__ import annotations

import argparse
import codecs
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
from ..engine.batch import (
    BatchResult,
    RowError,
    Tally,
    count_records,
    error_record,
    iter_evaluate,
    jsonl_line,
    matrix_html,
    record_columns,
    verdict_record,
)
from ..engine.jsonl import LineEvaluator, span_records, whole_file
from ..engine.parallel import (
    BytesOut,
    ParallelBatch,
    WorkerLostError,
    default_jobs,
    fork_is_safe,
    parallel_supported,
)
from ..engine.trace import Verdict
from ..progress import Progress
from ..ruleset.load import Ruleset
from ..types import BackendName
from ._replay import evaluation_session
from ._shared import (
    EXIT_FOUND,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    languages,
    print_error,
)

__all__ = ["BATCH_SUFFIXES", "TABLE_SUFFIXES", "run_batch"]

BATCH_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json")
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".xlsx")
DEFAULT_CSV_ENCODING = "utf-8-sig"  # Excel on Chinese Windows reads UTF-8 only with the mark


class _TextOut:
    """UTF-8 bytes written to a text stream (stdout when it is not a UTF-8 file, or a
    ``StringIO`` put in its place)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, data: bytes, /) -> int:
        self.stream.write(data.decode("utf-8"))
        return len(data)


def _bytes_stdout() -> BytesOut:
    """stdout for bytes: its binary buffer when it writes UTF-8 (flushed before and after,
    by the caller), else a :class:`_TextOut`."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None) or ""
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        utf8 = False
    if buffer is not None and utf8:
        stream.flush()
        out: BytesOut = buffer
        return out
    return _TextOut(stream)


class _Writer:
    """Writes each result as it comes: CSV/TSV rows, JSON Lines, or worksheet rows."""

    def __init__(self, handle: IO[str] | None, kind: str, criteria: tuple[str, ...],
                 full: bool = False, lines: BytesOut | None = None) -> None:
        self.handle = handle
        self.lines = lines  # JSON Lines go here, as bytes
        self.kind = kind
        self.full = full  # JSON Lines: the self-contained verdict (json-full) or the compact one
        self.criteria = criteria
        self.csv: csv.DictWriter[str] | None = None
        self.sheet: Any = None
        self.book: Any = None
        if kind in ("csv", "tsv") and handle is not None:
            self.csv = csv.DictWriter(handle, fieldnames=record_columns(criteria),
                                      delimiter="\t" if kind == "tsv" else ",")
            self.csv.writeheader()
        elif kind == "xlsx":
            try:
                from openpyxl import Workbook
            except ImportError:
                raise UsageError("writing .xlsx needs openpyxl: pip install "
                                 "'mingxing-rules[xlsx]' (or write .csv)") from None
            self.book = Workbook(write_only=True)
            self.sheet = self.book.create_sheet("verdicts")
            self.sheet.append(record_columns(criteria))

    def write(self, row: int, item: Verdict | RowError) -> None:
        if self.csv is not None or self.sheet is not None:
            record = (error_record(item, self.criteria) if isinstance(item, RowError)
                      else verdict_record(item, self.criteria))
            if self.csv is not None:
                self.csv.writerow(record)
            else:
                self.sheet.append([record[c] for c in record_columns(self.criteria)])
            return
        assert self.lines is not None
        self.lines.write(jsonl_line(row, item, full=self.full).encode("utf-8") + b"\n")

    def save(self, binary: IO[bytes]) -> None:
        """Only for ``xlsx``: the workbook is written at the end."""
        self.book.save(binary)


def _kind(out: Path | None, fmt: str) -> str:
    if out is None or _special(out):  # stdout, or a device such as /dev/null: by --format
        return "jsonl" if fmt in ("json", "json-full") else "csv"
    suffix = out.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UsageError(f"--out {out}: write results as .csv, .tsv, .jsonl or .xlsx")
    return {".ndjson": "jsonl"}.get(suffix, suffix.lstrip("."))


def _items(sources: list[Path], ruleset: Ruleset, backend: BackendName
           ) -> Iterator[tuple[int, Verdict | RowError]]:
    """Every record of every source, numbered across them."""
    number = 0
    for source in sources:
        for _, item in iter_evaluate(source, ruleset, backend=backend):
            number += 1
            yield number, item


def _jobs(args: argparse.Namespace, kind: str, sources: list[Path], keep_all: bool) -> int:
    """Worker processes for this batch: ``--jobs`` where the results can be made in other
    processes (JSON Lines in and out, no decision log, no HTML matrix), else 1."""
    jobs = getattr(args, "jobs", 1)
    if jobs < 0:
        raise UsageError(f"--jobs {jobs}: give a number of processes (0: one per core)")
    jobs = jobs or default_jobs()
    if (jobs == 1 or kind != "jsonl" or keep_all or getattr(args, "log", None)
            or not parallel_supported()
            or any(s.suffix.lower() not in (".jsonl", ".ndjson") for s in sources)):
        return 1
    if not fork_is_safe():  # (the command line runs one thread; a host program may not)
        print_error(f"--jobs {jobs}: this process runs other threads, which forked workers "
                    "could wait on for ever; evaluating in this process")
        return 1
    return jobs


def _isatty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _total(sources: list[Path]) -> int | None:
    counts = [count_records(s) if s.suffix.lower() != ".json" else 1 for s in sources]
    return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


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


def _special(path: Path) -> bool:
    """A device or a pipe (``/dev/null``, ``/dev/stdout``), not a file that can be replaced."""
    try:
        return path.exists() and not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _output(out_path: Path, encoding: str) -> contextlib.AbstractContextManager[IO[str]]:
    """The results file: written atomically (a temporary file renamed when the batch is done)
    unless it is a device or a pipe, written directly: a rename would replace the device node."""
    if _special(out_path):
        return out_path.open("w", encoding=encoding, newline="")
    return atomic_open(out_path, "w", encoding=encoding, newline="")


def _binary_output(out_path: Path) -> contextlib.AbstractContextManager[IO[bytes]]:
    """The JSON Lines results file, as :func:`_output` opens it but for bytes."""
    if _special(out_path):
        return out_path.open("wb")
    return atomic_open(out_path, "wb")


LINES_PER_WRITE = 64  # result lines joined into one write: fewer system calls


def _fast_lines(evaluator: LineEvaluator, sources: list[Path], out: BytesOut,
                stop: _StopRequest, progress: Progress) -> None:
    """Every record of the JSON Lines ``sources`` evaluated in this process, its line written
    to ``out`` (the lines :class:`_Writer` would write, made without a ``Verdict`` where they
    can be)."""
    first = 1  # the number of the next record, across the files
    for source in sources:
        pending: list[bytes] = []
        with source.open("rb") as handle:
            try:
                for number, row, line, raw in span_records(handle, whole_file(source, first)):
                    first = number + 1
                    pending.append(evaluator.line(number, row, line, raw, str(source)))
                    stop.check()
                    if len(pending) >= LINES_PER_WRITE:
                        out.write(b"".join(pending))
                        progress.advance(len(pending))
                        pending.clear()
            except _InterruptedError:  # what was evaluated is written (stdout: partial results)
                with contextlib.suppress(OSError):
                    out.write(b"".join(pending))
                raise
        out.write(b"".join(pending))
        progress.advance(len(pending))


def run_batch(args: argparse.Namespace, ruleset: Ruleset, sources: list[Path]) -> int:
    """Evaluate every record of ``sources`` into ``args.out``; print the summary."""
    out = Path(args.out) if args.out and args.out != "-" else None
    kind = _kind(out, args.format)
    if args.encoding is not None and kind not in ("csv", "tsv"):
        raise UsageError("--encoding applies to a .csv or .tsv written with --out")
    if out is not None:  # refused before anything is opened: writing over an input loses it
        inputs = [("the batch file", s) for s in sources]
        if ruleset.path is not None:
            inputs.append(("the ruleset", ruleset.path))
        for name, given in inputs:
            if Path(given).exists() and same_file(out, given):
                raise UsageError(f"--out {out} is one of the inputs: it is {name}; choose "
                                 "another file (nothing was written)")
    encoding = args.encoding or DEFAULT_CSV_ENCODING
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(f"--encoding {encoding}: unknown encoding") from None
    criteria = tuple(i.id for i in ruleset.program.layout if i.kind == "criterion")
    tally = Tally(ruleset)
    keep_all = args.format == "html"  # the matrix needs every verdict; other summaries counts
    jobs = _jobs(args, kind, sources, keep_all)
    # JSON Lines in and out, nothing else asked of each verdict: the fast lines (engine.jsonl)
    fast = (kind == "jsonl" and not keep_all and not getattr(args, "log", None)
            and all(s.suffix.lower() in (".jsonl", ".ndjson") for s in sources))
    kept: list[Verdict] = []
    kept_rows: list[int] = []
    try:
        with contextlib.ExitStack() as stack:
            stop = stack.enter_context(_interruptible())
            handle: IO[str] | None = None
            lines: BytesOut | None = None
            if kind == "jsonl":
                if out is None:
                    lines = _bytes_stdout()
                    stack.callback(sys.stdout.flush)  # (its buffer, when written to)
                else:
                    lines = stack.enter_context(_binary_output(out))
            elif out is None:
                handle = sys.stdout
            elif kind != "xlsx":
                handle = stack.enter_context(_output(out, encoding))
            writer = _Writer(handle, kind, criteria, full=args.format == "json-full",
                             lines=lines)
            session = evaluation_session(args, batch=True)  # --log: the decision records
            stack.callback(session.close)
            workers = None
            if jobs > 1:  # forked before the progress bar starts its thread
                try:
                    workers = stack.enter_context(ParallelBatch(
                        ruleset, jobs=jobs, backend=args.backend,
                        full=args.format == "json-full"))
                except OSError as exc:  # no process could be started (memory, a limit)
                    print_error(f"--jobs {jobs}: cannot start the worker processes "
                                f"({exc.strerror or exc}); evaluating in this process")
            # the records are counted (a pass over the files) only for a bar that is drawn
            total = _total(sources) if _isatty(sys.stderr) else None
            with Progress(total, "evaluating") as progress:
                if workers is not None:
                    assert lines is not None
                    for chunk in workers.run(sources):  # JSON Lines made by the workers
                        tally.merge(chunk.counts, chunk.errors)
                        chunk.copy_to(lines)
                        stop.check()
                        progress.advance(chunk.count)
                elif fast:
                    assert lines is not None
                    evaluator = LineEvaluator(ruleset, backend=args.backend,
                                              full=args.format == "json-full")
                    evaluator.tally = tally
                    _fast_lines(evaluator, sources, lines, stop, progress)
                for row, item in (() if workers is not None or fast
                                  else _items(sources, ruleset, args.backend)):
                    if isinstance(item, Verdict):
                        session.record(item, ruleset)
                    tally.add(item)  # counted as read even if writing it fails below
                    writer.write(row, item)
                    stop.check()
                    if keep_all and isinstance(item, Verdict):
                        kept.append(item)
                        kept_rows.append(row)
                    progress.advance()
            if out is not None and kind == "xlsx":
                with atomic_open(out, "wb") as binary:
                    writer.save(binary)
    except (_InterruptedError, KeyboardInterrupt, WorkerLostError) as interrupted:
        if out is None:
            note = "the results above are partial"
        else:
            note = "no results file was written" + (
                f" ({out} is unchanged)" if out.exists() else "")
        if isinstance(interrupted, WorkerLostError):
            print_error(f"stopped after {tally.total} records: {interrupted}; {note}")
        else:
            name = (interrupted.name if isinstance(interrupted, _InterruptedError)
                    else "SIGINT")
            print_error(f"interrupted ({name}) after {tally.total} records: {note}")
        sys.stderr.write(tally.summary().explain(
            "en", "json" if args.format in ("json", "json-full") else "text"))
        return EXIT_INTERRUPTED
    except OSError as exc:  # the results cannot be written: a full disk, a missing folder
        unchanged = (f"; {out} is unchanged" if out is not None and out.is_file()
                     else "; no results file was written" if out is not None else "")
        print_error(f"cannot write the results to {out or 'the output'}: "
                    f"{exc.strerror or exc}{unchanged}")
        with contextlib.suppress(OSError):  # the counts so far, as after an interruption
            sys.stderr.write(tally.summary().explain(
                "en", "json" if args.format in ("json", "json-full") else "text"))
        return EXIT_USAGE
    summary_stream = sys.stdout if out is not None else sys.stderr
    shown = languages(args.lang)
    if keep_all:
        result = BatchResult(ruleset, kept, kept_rows, tally.errors)
        summary_stream.write("\n<hr>\n".join(matrix_html(result, lang) for lang in shown) + "\n")
    elif args.format in ("json", "json-full"):
        summary_stream.write(tally.summary().explain("en", "json"))
    else:
        summary_stream.write("\n".join(tally.summary().explain(lang, args.format)
                                       for lang in shown))
    return EXIT_FOUND if tally.errors else EXIT_OK
