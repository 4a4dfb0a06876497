"""``mingxing schema``: the JSON Schema of an office for a ruleset."""

from __future__ import annotations

import argparse
import json

from ._shared import EXIT_OK, Subparsers, UsageError, add_format, add_ruleset, load_ruleset_from

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add the ``schema`` sub-command."""
    parser = subparsers.add_parser(
        "schema", help="print the JSON Schema (2020-12) of an office",
        description="Print the JSON Schema (draft 2020-12) that office data must follow for "
                    "RULESET (its facts, types, units and bounds), e.g. to validate offices "
                    "before evaluating them or to generate forms.")
    parser.add_argument("ruleset_argument", nargs="?", default=None, metavar="RULESET",
                        help="ruleset YAML file or bundled id (same as --ruleset)")
    add_ruleset(parser)
    add_format(parser, ("json",), default="json",
               json_shape="one JSON Schema document (the only format)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.ruleset_argument and args.ruleset and args.ruleset_argument != args.ruleset:
        raise UsageError("give the ruleset once: RULESET or --ruleset")
    args.ruleset = args.ruleset or args.ruleset_argument
    ruleset = load_ruleset_from(args)
    print(json.dumps(ruleset.office_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK
