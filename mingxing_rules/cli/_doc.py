"""``mingxing doc [RULESET] --out ruleset.html``: the literate ruleset document for legal
reviewers (the source text clause by clause beside the criteria and rules that encode it)."""

from __future__ import annotations

import argparse
import json
import sys

from ..atomic import atomic_write_text
from ..literate import coverage_dict, literate_document, render_literate
from ._shared import (
    EXIT_FOUND,
    EXIT_OK,
    Subparsers,
    add_format,
    add_lang,
    add_out,
    add_ruleset_argument,
    load_ruleset_from,
)

__all__ = ["register"]

_DOC = """\
Render RULESET's Chinese source text clause by clause with, beside each sentence, the criteria and
rules that encode it (the condition in words and as written, thresholds, options, notes), and
every requirement sentence that no rule cites marked with the reason it is not encoded. Writes
one self-contained HTML page. Exit status 1 when some requirement sentence is neither cited nor
explained."""


def register(subparsers: Subparsers) -> None:
    """Add the ``doc`` sub-command."""
    parser = subparsers.add_parser(
        "doc", help="the source text beside the rules that encode it (HTML, for reviewers)",
        description=_DOC)
    add_ruleset_argument(parser)
    add_lang(parser, what="notes around the Chinese source text (both: Chinese notes with the "
                          "English reasons beside them)")
    add_format(parser, ("html", "json"), default="html",
               json_shape="one object: the coverage counts and every sentence with its clause, "
                          "the ids of the rules citing it or the reason it is not encoded")
    add_out(parser, "write the page (or JSON) to FILE, atomically (default: standard output)")
    parser.add_argument("--source", default=None, metavar="FILE",
                        help="the source text (default: the one sources/*.zh.txt next to the "
                             "ruleset file)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ruleset = load_ruleset_from(args)
    document = literate_document(ruleset, args.source)
    if args.format == "json":
        text = json.dumps(coverage_dict(document), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_literate(ruleset, args.lang, args.source, document=document)
    coverage = document.coverage
    if args.out:
        atomic_write_text(args.out, text)
        print(f"{args.out}: {coverage.requirements} requirement sentences, {coverage.cited} "
              f"cited, {coverage.not_encoded} explained as not encoded, "
              f"{coverage.unaccounted} unaccounted for", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_FOUND if coverage.unaccounted else EXIT_OK
