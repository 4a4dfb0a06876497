"""``mingxing diff OLD NEW``: what changed between two rulesets and which verdicts it moves."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import InputError, RulesetError
from ..regression.diff import diff_rulesets
from ..regression.impact import (
    FlipSearch,
    Impact,
    flip_search,
    impact,
    read_population,
)
from ..ruleset.load import load_ruleset
from ._shared import (
    EXIT_FOUND,
    EXIT_OK,
    Subparsers,
    UsageError,
    add_format,
    add_quiet,
    expand_inputs,
    parse_options,
    require_extra,
    ruleset_source,
    stdin_as_file,
)

__all__ = ["register"]

_DESCRIPTION = """\
Compare two rulesets (two versions, or one file read with different --old-option/--new-option):
the structural diff (conditions and thresholds, facts, options, decision precedence), the
offices of --offices whose verdict changes and the rule change behind each flip, and, with
--search N, flips found by a search directed by the change (one office per transition, built
from both rulesets' structure, with only the facts that matter; Hypothesis' undirected draws
where the director cannot settle the search; deterministic), including ones the population does
not contain. Exit status 1 when a verdict changes."""


def register(subparsers: Subparsers) -> None:
    """Add the ``diff`` sub-command."""
    parser = subparsers.add_parser(
        "diff", help="structural diff of two rulesets and the verdicts it changes",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", metavar="OLD",
                        help="the current ruleset: a file, a bundled id, a quoted glob "
                             "matching one file, or -")
    parser.add_argument("new", metavar="NEW",
                        help="the proposed ruleset: a file, a bundled id, a quoted glob "
                             "matching one file, or -")
    parser.add_argument("--offices", metavar="OFFICES", action="append", default=[],
                        help="population: office files (.json, .jsonl), directories, quoted "
                             "globs, or - (repeatable)")
    parser.add_argument("--search", type=int, default=0, metavar="N",
                        help="search for verdict changes, evaluating at most N offices (0: off; "
                             "needs the testing extra)")
    parser.add_argument("--old-option", action="append", default=[], metavar="NAME=VALUE",
                        help="set an option of OLD (as --option), repeatable")
    parser.add_argument("--new-option", action="append", default=[], metavar="NAME=VALUE",
                        help="set an option of NEW (as --option), repeatable")
    add_format(parser, ("text", "json"),
               json_shape='one document {"diff": ..., "impact": ... with --offices, '
                          '"search": [...] with --search}')
    add_quiet(parser)
    parser.set_defaults(func=run)


def _load(source: str, pairs: list[str], flag: str, side: str) -> Any:
    options = parse_options(pairs, flag)
    try:
        return load_ruleset(ruleset_source(source), options=options)
    except RulesetError as error:
        located = any(p.location.file for p in error.problems)
        detail = str(error) if located or not error.problems else "; ".join(
            p.message for p in error.problems)
        raise RulesetError(f"{side} ruleset {source}: {detail}", error.problems) from None


def _population(items: list[str]) -> list[Any] | None:
    """The offices of every source; a record that cannot be read is a bad row in its place
    (reported with the impact, never fatal)."""
    if not items:
        return None
    offices: list[Any] = []
    for path in expand_inputs(items, (".json", ".jsonl", ".ndjson"), "office"):
        source = stdin_as_file(".json") if path == "-" else Path(path)
        try:
            offices += read_population(source)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: not valid JSON: {error.msg} (line {error.lineno})"
                             ) from None
    return offices


def run(args: argparse.Namespace) -> int:
    if args.search < 0:
        raise UsageError("--search must be 0 or more")
    if args.search:
        require_extra(["hypothesis"], "--search needs Hypothesis", "testing")
    old = _load(args.old, args.old_option, "--old-option", "OLD")
    new = _load(args.new, args.new_option, "--new-option", "NEW")
    population = _population(args.offices)
    diff = diff_rulesets(old, new)
    report: Impact | None = impact(old, new, population) if population is not None else None
    searched: FlipSearch | None = (
        flip_search(old, new, max_examples=args.search, population=population)
        if args.search else None)
    found = list(searched.flips) if searched is not None else []
    if args.format == "json":
        document: dict[str, Any] = {"diff": diff.to_dict()}
        if report is not None:
            document["impact"] = report.to_dict()
        if searched is not None:
            document["search"] = [f.to_dict() for f in found]
            document["search_summary"] = {
                "directed": searched.directed, "complete": searched.complete,
                "unsettled": [list(p) for p in searched.unsettled],
                "undirected": searched.undirected, "examples": searched.examples}
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(diff.to_text())
        if report is not None:
            print()
            print(report.to_text())
        if searched is not None:
            print()
            print(f"search (at most {args.search} offices): {searched.summary()}")
            known = set(report.counts()) if report is not None else set()
            for flip in found:
                note = "" if flip.transition in known else "  [not in the population]"
                print(f"  {flip.old_outcome} -> {flip.new_outcome}{note}")
                print("    " + flip.summary().replace("\n", "\n    "))
    changed = bool(found) or (report is not None and bool(report.flips))
    return EXIT_FOUND if changed else EXIT_OK
