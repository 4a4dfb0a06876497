"""``mingxing reassess OFFICES...``: offices judged by the rules in force then and now."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError, MingxingError, RulesetError
from ..reassess import Reassessment, reassess
from ._shared import Subparsers, add_format, add_ruleset, parse_options, ruleset_source

__all__ = ["register", "run"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_RULESET = 0, 1, 2, 3

_DESCRIPTION = """\
Judge stored offices (.json files, a directory, .jsonl), stored verdicts (mingxing-verdict/1
documents) or a decision log (.sqlite) under the ruleset version in force THEN and the version
in force NOW, and explain each verdict that flips by the rule changes between the two versions
(docs/history.md). THEN defaults to the version that judged a stored verdict or record, else the
office's assessment date; NOW to today (or the last day of the history when it has ended).
Exit status 1 when a verdict flips."""


def register(subparsers: Subparsers) -> None:
    """Add the ``reassess`` sub-command."""
    parser = subparsers.add_parser(
        "reassess", help="judge offices or stored verdicts by the rules in force then and now",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="office or verdict .json files, directories, .jsonl, or a "
                             "decision log .sqlite")
    parser.add_argument("--then", default="recorded", metavar="DATE",
                        help="YYYY-MM-DD, 'assessment' or 'recorded' (default)")
    parser.add_argument("--now", metavar="DATE", help="YYYY-MM-DD (default: today)")
    add_ruleset(parser, what="; a history: a bundled id, star-judicial-office.history, a "
                             "history index or a directory of versions")
    add_format(parser, ("text", "json"), json_shape="one document: ruleset, total, flips, "
               "transitions, diffs and rows (each office then and now, with the causes of a "
               "flip)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        parts: list[Reassessment] = [
            reassess(source, then=args.then, now=args.now,
                     ruleset=ruleset_source(args.ruleset or "star-judicial-office"),
                     options=parse_options(args.option) or None) for source in args.sources]
    except RulesetError as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_RULESET
    except (InputError, MingxingError, ValueError, OSError) as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    diffs = {(d.old_key, d.new_key): d for part in parts for d in part.diffs}
    result = Reassessment(parts[0].ruleset_id, tuple(r for part in parts for r in part.rows),
                          tuple(diffs.values()))
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.to_text())
    return EXIT_FOUND if result.flips else EXIT_OK
