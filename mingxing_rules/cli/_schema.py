"""``mingxing schema``: the JSON Schema of an office for a ruleset."""

from __future__ import annotations

import argparse
import json

from ._shared import EXIT_OK, Subparsers, add_format, add_ruleset_argument, load_ruleset_from

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add the ``schema`` sub-command."""
    parser = subparsers.add_parser(
        "schema", help="print the JSON Schema (2020-12) of an office",
        description="Print the JSON Schema (draft 2020-12) that office data must follow for "
                    "RULESET (its facts, types, units and bounds), e.g. to validate offices "
                    "before evaluating them or to generate forms.")
    add_ruleset_argument(parser)
    add_format(parser, ("json",), default="json",
               json_shape="one JSON Schema document (the only format)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ruleset = load_ruleset_from(args)
    print(json.dumps(ruleset.office_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK
