"""``mingxing diff OLD NEW``: what changed between two rulesets and which verdicts it moves."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InputError, MingxingError, RulesetError

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_RULESET = 0, 1, 2, 3

_DESCRIPTION = """\
Compare two rulesets (two versions, or one file read with different --old-option/--new-option):
the structural diff (conditions and thresholds, facts, options, decision precedence), the
offices of --offices whose verdict changes and the rule change behind each flip, and, with
--search N, flips found by a search directed by the change (one office per transition, built
from both rulesets' structure, with only the facts that matter; Hypothesis' undirected draws
where the director cannot settle the search; deterministic), including ones the population does
not contain. Exit status 1 when a verdict changes."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``diff`` sub-command."""
    parser = subparsers.add_parser(
        "diff", help="structural diff of two rulesets and the verdicts it changes",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", metavar="OLD", help="the current ruleset (file or bundled id)")
    parser.add_argument("new", metavar="NEW", help="the proposed ruleset (file or bundled id)")
    parser.add_argument("--offices", metavar="FILE",
                        help="population: a directory of office .json files, .json or .jsonl")
    parser.add_argument("--search", type=int, default=0, metavar="N",
                        help="search for verdict changes, evaluating at most N offices "
                             "(0: off)")
    parser.add_argument("--old-option", action="append", default=[], metavar="NAME=VALUE",
                        help="option for OLD (JSON value), repeatable")
    parser.add_argument("--new-option", action="append", default=[], metavar="NAME=VALUE",
                        help="option for NEW (JSON value), repeatable")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        dest="output_format", help="output format (default: text)")
    parser.set_defaults(func=run)


def _options(items: list[str], flag: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise RulesetError(f"{flag} {item!r}: expected NAME=VALUE")
        try:
            options[name] = json.loads(raw)
        except json.JSONDecodeError:
            options[name] = raw  # a bare word is a string value
    return options


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except RulesetError as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_RULESET
    except (InputError, ValueError, OSError) as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MingxingError as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from ..regression.diff import diff_rulesets
    from ..regression.impact import FlipSearch, Impact, flip_search, impact
    from ..ruleset.load import load_ruleset

    if args.search < 0:
        print("mingxing: error: --search must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    if args.search:
        try:
            import hypothesis  # noqa: F401 - only to say clearly what is missing
        except ImportError:
            print("mingxing: error: --search needs Hypothesis: pip install "
                  "'mingxing-rules[testing]'", file=sys.stderr)
            return EXIT_USAGE
    old = load_ruleset(args.old, options=_options(args.old_option, "--old-option"))
    new = load_ruleset(args.new, options=_options(args.new_option, "--new-option"))
    diff = diff_rulesets(old, new)
    report: Impact | None = impact(old, new, args.offices) if args.offices else None
    searched: FlipSearch | None = (
        flip_search(old, new, max_examples=args.search, population=args.offices)
        if args.search else None)
    found = list(searched.flips) if searched is not None else []
    if args.output_format == "json":
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
