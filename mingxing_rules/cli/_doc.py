"""``mingxing doc RULESET --out ruleset.html``: the literate ruleset document for legal reviewers
(the source text clause by clause beside the criteria and rules that encode it)."""

from __future__ import annotations

import argparse
import sys

from ..atomic import atomic_write_text
from ..errors import InputError, RulesetError
from ..literate import literate_document, render_literate
from ..ruleset.load import load_ruleset

__all__ = ["add_parser", "run"]

EXIT_OK, EXIT_UNACCOUNTED, EXIT_INPUT, EXIT_RULESET = 0, 1, 2, 3


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doc`` sub-command."""
    parser = subparsers.add_parser(
        "doc", help="write the literate ruleset document (source text beside its rules)",
        description="Render RULESET's Chinese source text clause by clause with, beside each "
                    "sentence, the criteria and rules that encode it (condition in words, "
                    "thresholds, options, notes), and every requirement sentence no rule cites "
                    "marked with the reason it is not encoded. Writes one self-contained HTML "
                    "page. Exit status 1 when some requirement sentence is neither cited nor "
                    "explained.")
    parser.add_argument("ruleset", nargs="?", default="star-judicial-office", metavar="RULESET",
                        help="ruleset file or bundled id (default: star-judicial-office)")
    parser.add_argument("--out", metavar="FILE",
                        help="write the HTML page to FILE (default: standard output)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language of the notes around the Chinese text (default: zh)")
    parser.add_argument("--source", metavar="FILE",
                        help="the source text (default: sources/*.zh.txt next to the ruleset)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        ruleset = load_ruleset(args.ruleset)
        page = render_literate(ruleset, args.lang, args.source)
        coverage = literate_document(ruleset, args.source).coverage
    except RulesetError as exc:
        print(f"mingxing: error: {exc}", file=sys.stderr)
        return EXIT_RULESET
    except (InputError, OSError) as exc:
        print(f"mingxing: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.out:
        try:
            atomic_write_text(args.out, page)
        except OSError as exc:
            print(f"mingxing: error: {args.out}: cannot write: {exc.strerror or exc}",
                  file=sys.stderr)
            return EXIT_INPUT
        print(f"{args.out}: {coverage.requirements} requirement sentences, {coverage.cited} "
              f"cited, {coverage.not_encoded} explained as not encoded, "
              f"{coverage.unaccounted} unaccounted for", file=sys.stderr)
    else:
        sys.stdout.write(page)
    return EXIT_UNACCOUNTED if coverage.unaccounted else EXIT_OK
