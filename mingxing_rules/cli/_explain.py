"""``mingxing explain`` and ``mingxing gap``: offices explained, or what they are missing.

Exit codes: ``explain`` 0 (any verdict), 2 usage or input errors, 3 ruleset errors. ``gap`` 0 when
every office already reaches the target (or an outcome with the same effect, such as direct
promotion), 1 when something must change or be provided, 2 and 3 as for ``explain``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ..engine.evaluate import evaluate
from ..engine.trace import TRACE_FORMAT, Verdict
from ..errors import InputError
from ..explain import render
from ..explain.html import page
from ..gap import gap, render_gap
from ..ruleset.load import Ruleset
from ..types import Lang
from ._evaluate import read_json_input
from ._shared import (
    DEFAULT_RULESET,
    EXIT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    UsageError,
    add_format,
    add_lang,
    add_ruleset,
    expand_inputs,
    languages,
    load_ruleset_from,
    print_error,
)

__all__ = ["register"]

_OFFICE_HELP = ("office JSON files (explain also reads verdict files, format mingxing-verdict/1), "
                "directories, quoted globs, or - for standard input")
_EXPLAIN = """\
Evaluate each OFFICE and explain the verdict: the decision, the standards met, and why each
criterion that is not met fails, with its clause. A verdict file (from 'evaluate --format json')
is explained as it stands, with its own ruleset and options unless --ruleset is given."""
_GAP = """\
List what each OFFICE must change to reach the target outcome (default STAR, a Star office by
assessment): per criterion the shortfall in the fact's own unit, grouped by standard in clause
order, and the facts still to provide. Exit status 0 when nothing is missing, 1 when something
is."""


def register(subparsers: Subparsers) -> None:
    """Add the ``explain`` and ``gap`` sub-commands."""
    explain = subparsers.add_parser("explain", help="explain the verdict of each office",
                                    description=_EXPLAIN)
    explain.add_argument("offices", nargs="+", metavar="OFFICE", help=_OFFICE_HELP)
    add_ruleset(explain, what=", or the verdict file's own ruleset")
    add_lang(explain)
    add_format(explain, ("text", "md", "html", "json"),
               json_shape="JSON Lines, one verdict document (mingxing-verdict/1) per office")
    explain.set_defaults(func=run_explain)

    gap_parser = subparsers.add_parser(
        "gap", help="what each office must change to reach an outcome (default STAR)",
        description=_GAP)
    gap_parser.add_argument("offices", nargs="+", metavar="OFFICE", help=_OFFICE_HELP)
    add_ruleset(gap_parser, what=", or the verdict file's own ruleset")
    add_lang(gap_parser, what="gap report")
    add_format(gap_parser, ("text", "md", "html", "json"),
               json_shape="JSON Lines, one gap document (mingxing-gap/1) per office")
    gap_parser.add_argument("--target", default="STAR", metavar="OUTCOME",
                            help="the outcome to reach, an outcome id of the ruleset "
                                 "(default: STAR)")
    gap_parser.set_defaults(func=run_gap)


def _subjects(args: argparse.Namespace) -> list[tuple[str, Any]]:
    """``(path, office data or verdict)`` for every office of every input."""
    found: list[tuple[str, Any]] = []
    for path in expand_inputs(args.offices, (".json",), "office"):
        data = read_json_input(path)
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("format") == TRACE_FORMAT:
                found.append((path, Verdict.from_dict(item)))
            else:
                found.append((path, item))
    return found


def _ruleset_for(args: argparse.Namespace, subject: Any, cache: dict[Any, Ruleset]) -> Ruleset:
    if isinstance(subject, Verdict) and args.ruleset is None:
        options = dict(subject.options)
        key: Any = (subject.ruleset_id, json.dumps(options, sort_keys=True, default=str))
        if key not in cache:
            cache[key] = load_ruleset_from(args, default=subject.ruleset_id,
                                           base_options=options)
        return cache[key]
    if None not in cache:
        cache[None] = load_ruleset_from(args, default=DEFAULT_RULESET)
    return cache[None]


def _print(render_one: Callable[[Lang], str], args: argparse.Namespace, document: Any) -> None:
    if args.format == "json":
        print(json.dumps(document, ensure_ascii=False))
        return
    if args.format == "html":  # collected, then written as one page with its charset
        args.html_fragments.extend(render_one(lang) for lang in languages(args.lang))
        return
    sys.stdout.write("\n".join(render_one(lang) for lang in languages(args.lang)))


def _each(args: argparse.Namespace, action: Callable[[str, Any, Ruleset], int]) -> int:
    worst = EXIT_OK
    cache: dict[Any, Ruleset] = {}
    args.html_fragments = []
    for path, subject in _subjects(args):
        ruleset = _ruleset_for(args, subject, cache)
        try:
            worst = max(worst, action(path, subject, ruleset))
        except InputError as exc:
            print_error(f"{path}: {exc}")
            worst = max(worst, EXIT_USAGE)
    if args.format == "html" and args.html_fragments:
        # one whole page (doctype, charset) holding every office in every language asked for
        sys.stdout.write(page(args.html_fragments, lang=languages(args.lang)[0],
                              title=f"mingxing {args.command}"))
    return worst


def run_explain(args: argparse.Namespace) -> int:
    def explain_one(path: str, subject: Any, ruleset: Ruleset) -> int:
        verdict = subject if isinstance(subject, Verdict) else evaluate(subject, ruleset)
        _print(lambda lang: render(verdict, lang, args.format, ruleset=ruleset), args,
               verdict.to_dict())
        return EXIT_OK

    return _each(args, explain_one)


def run_gap(args: argparse.Namespace) -> int:
    def gap_one(path: str, subject: Any, ruleset: Ruleset) -> int:
        try:
            result = gap(subject, ruleset, target=args.target)
        except ValueError as exc:  # a --target that is not an outcome
            if isinstance(exc, InputError):
                raise
            raise UsageError(str(exc)) from None
        _print(lambda lang: render_gap(result, lang, args.format), args, result.to_dict())
        done = result.reached or (result.already is not None and not result.to_be_provided)
        return EXIT_OK if done else EXIT_FOUND

    return _each(args, gap_one)
