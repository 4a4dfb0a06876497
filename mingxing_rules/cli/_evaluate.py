"""``mingxing evaluate``: decide offices and explain the verdicts, or write a results table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..engine.batch import RowError, iter_evaluate
from ..errors import InputError
from ..jsonio import JsonInputError
from ..jsonio import loads as strict_json
from ._batch import BATCH_SUFFIXES, run_batch
from ._parquet import run_parquet
from ._replay import (
    add_evaluate_arguments,  # --log and --on (docs/records.md, history.md)
    evaluation_session,
)
from ._shared import (
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    UsageError,
    add_backend,
    add_encoding,
    add_format,
    add_lang,
    add_out,
    add_quiet,
    add_ruleset,
    expand_inputs,
    languages,
    load_ruleset_from,
    print_error,
    refuse_unless,
    stdin_as_file,
)

__all__ = ["read_json_input", "register"]

_DESCRIPTION = """\
Decide each office and print the verdict with its explanation. OFFICE is a JSON file of one
office (or a list of offices), a .jsonl/.csv file of many, a directory of such files, a quoted
glob, or '-' for standard input. With --out (or --batch FILE) the verdicts are written as a
table instead, one row per office, and a summary is printed. Exit status 0, or 1 when some
records of a table could not be evaluated, 2 for invalid office data."""

_JSON_SHAPE = ("JSON Lines, one compact verdict document (mingxing-verdict-compact/2) per "
               "office (json-full: the self-contained mingxing-verdict/1); with --out or "
               "--batch, the summary as one JSON document")


def register(subparsers: Subparsers) -> None:
    """Add the ``evaluate`` sub-command."""
    parser = subparsers.add_parser(
        "evaluate", help="decide offices and explain the verdicts (or write a results table)",
        description=_DESCRIPTION)
    parser.add_argument("offices", nargs="*", metavar="OFFICE",
                        help="office files (.json, .jsonl, .csv), directories, quoted globs, "
                             "or - for standard input")
    parser.add_argument("--batch", metavar="FILE", default=None,
                        help="evaluate a file of many offices (.csv, .tsv, .jsonl or .json; a "
                             "directory, glob or - too) into a results table with a summary")
    add_ruleset(parser)
    add_lang(parser)
    add_format(parser, ("text", "md", "html", "json", "json-full"), json_shape=_JSON_SHAPE)
    add_backend(parser)
    add_out(parser, "write one row per office to FILE: .csv (a column per criterion), .tsv, "
                    ".jsonl (a verdict document per line) or .xlsx (needs the xlsx extra); the "
                    "summary then goes to stdout")
    add_encoding(parser)
    add_quiet(parser)
    add_evaluate_arguments(parser)
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="with a .parquet --batch: evaluate its partitions on this Dask "
                             "scheduler (needs the dask extra)")
    parser.add_argument("--batch-size", type=int, metavar="ROWS", default=None,
                        help="with a .parquet --batch: rows per batch (default 100000)")
    parser.add_argument("--jobs", type=int, metavar="N", default=1,
                        help="JSON Lines in, JSON Lines out: evaluate in N worker processes "
                             "(0: one per core; default 1). The results are the same, in the "
                             "same order; other batches run in one process")
    parser.set_defaults(func=run)


def read_json_input(path: str) -> Any:
    """A JSON file (``-``: standard input), or a JSON Lines text, as data (lists for many).
    Read strictly: duplicate keys, NaN, huge numbers and deep nesting are input errors."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several documents, one a line: JSON Lines
            try:
                return [strict_json(line) for line in text.splitlines() if line.strip()]
            except JsonInputError as error:
                raise InputError(f"{path}: {error.message}") from None
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError):
        pass  # a huge number or deep nesting: the strict reader below says which
    try:
        return strict_json(text)
    except JsonInputError as exc:
        raise InputError(f"{path}: {exc.message}") from None


def run(args: argparse.Namespace) -> int:
    if args.batch is not None and args.offices:
        raise UsageError("give OFFICE files or --batch FILE, not both")
    if args.batch is None and not args.offices:
        raise UsageError("give office files (or directories, globs, -), or --batch FILE")
    if args.encoding is not None and not args.out:
        raise UsageError("--encoding applies to a file written with --out")
    parquet = args.batch is not None and Path(args.batch).suffix.lower() == ".parquet"
    refuse_unless(parquet or (args.scheduler is None and args.batch_size is None),
                  "--scheduler and --batch-size", "apply to a .parquet --batch only")
    ruleset = load_ruleset_from(args)
    if parquet:  # whole columns at once: the columnar engine (cli/_parquet.py)
        return run_parquet(args, ruleset, Path(args.batch))
    if args.batch is not None or args.out:
        items = [args.batch] if args.batch is not None else args.offices
        sources = [stdin_as_file(".csv") if item == "-"
                   else Path(item) for item in expand_inputs(items, BATCH_SUFFIXES, "office")]
        for source in sources:
            if source.suffix.lower() not in BATCH_SUFFIXES:
                raise InputError(f"{source}: unsupported file type (expected .csv, .tsv, "
                                 ".jsonl or .json)")
        if args.on is not None:
            raise UsageError("--on judges office .json files one by one; for a table, give "
                             "--ruleset the version in force instead (docs/history.md)")
        return run_batch(args, ruleset, sources)
    return _explain_each(args, ruleset)


def _explain_each(args: argparse.Namespace, ruleset: Any) -> int:
    session = evaluation_session(args)
    try:
        return _explain_files(args, ruleset, session, iter_evaluate, RowError)
    finally:
        session.close()


def _explain_files(args: argparse.Namespace, ruleset: Any, session: Any, iter_evaluate: Any,
                   row_error: Any) -> int:
    status = EXIT_OK
    shown = languages(args.lang)
    for path in expand_inputs(args.offices, BATCH_SUFFIXES, "office"):
        if path == "-" or Path(path).suffix.lower() == ".json":
            try:
                data = read_json_input(path)
            except InputError as exc:
                print_error(str(exc))
                status = EXIT_USAGE
                continue
            records: list[Any] = data if isinstance(data, list) else [data]
            results: list[Any] = []
            for record in records:
                try:
                    results.append(session.evaluate(record, ruleset, backend=args.backend))
                except InputError as exc:
                    results.append(exc)
        else:
            if session.on is not None:
                raise UsageError(f"{path}: --on judges office .json files one by one")
            results = [item for _, item in iter_evaluate(path, ruleset, backend=args.backend)]
            for item in results:
                if not isinstance(item, row_error):
                    session.record(item, ruleset)
        for result in results:
            if isinstance(result, InputError | row_error):
                print_error(f"{path}: {result}")
                status = EXIT_USAGE
            elif args.format in ("json", "json-full"):
                print(result.to_json(full=args.format == "json-full"))
            else:
                for lang in shown:
                    print(result.explain(lang=lang, fmt=args.format))
                    print()
    return status
