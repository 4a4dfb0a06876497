"""``mingxing evaluate``: decide offices and explain the verdicts, or write a results table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from ._batch import BATCH_SUFFIXES, run_batch
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
    stdin_as_file,
)

__all__ = ["read_json_input", "register"]

_DESCRIPTION = """\
Decide each office and print the verdict with its explanation. OFFICE is a JSON file of one
office (or a list of offices), a .jsonl/.csv file of many, a directory of such files, a quoted
glob, or '-' for standard input. With --out (or --batch FILE) the verdicts are written as a
table instead, one row per office, and a summary is printed. Exit status 0, or 1 when some
records of a table could not be evaluated, 2 for invalid office data."""

_JSON_SHAPE = ("JSON Lines, one compact verdict document (mingxing-verdict-compact/1) per "
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
    parser.set_defaults(func=run)


def read_json_input(path: str) -> Any:
    """A JSON file (``-``: standard input), or a JSON Lines text, as data (lists for many)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several documents, one a line: JSON Lines
            try:
                return [json.loads(line) for line in text.splitlines() if line.strip()]
            except json.JSONDecodeError:
                pass
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None


def run(args: argparse.Namespace) -> int:
    if args.batch is not None and args.offices:
        raise UsageError("give OFFICE files or --batch FILE, not both")
    if args.batch is None and not args.offices:
        raise UsageError("give office files (or directories, globs, -), or --batch FILE")
    if args.encoding is not None and not args.out:
        raise UsageError("--encoding applies to a file written with --out")
    ruleset = load_ruleset_from(args)
    if args.batch is not None or args.out:
        items = [args.batch] if args.batch is not None else args.offices
        sources = [stdin_as_file(".csv") if item == "-"
                   else Path(item) for item in expand_inputs(items, BATCH_SUFFIXES, "office")]
        for source in sources:
            if source.suffix.lower() not in BATCH_SUFFIXES:
                raise InputError(f"{source}: unsupported file type (expected .csv, .tsv, "
                                 ".jsonl or .json)")
        return run_batch(args, ruleset, sources)
    return _explain_each(args, ruleset)


def _explain_each(args: argparse.Namespace, ruleset: Any) -> int:
    from ..engine.batch import RowError, iter_evaluate
    from ..engine.evaluate import evaluate

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
                    results.append(evaluate(record, ruleset, backend=args.backend))
                except InputError as exc:
                    results.append(exc)
        else:
            results = [item for _, item in iter_evaluate(path, ruleset, backend=args.backend)]
        for result in results:
            if isinstance(result, InputError | RowError):
                print_error(f"{path}: {result}")
                status = EXIT_USAGE
            elif args.format in ("json", "json-full"):
                print(result.to_json(full=args.format == "json-full"))
            else:
                for lang in shown:
                    print(result.explain(lang=lang, fmt=args.format))
                    print()
    return status
