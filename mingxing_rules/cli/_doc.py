"""``mingxing doc [RULESET] --out ruleset.html``: the literate ruleset document for legal
reviewers (the source text clause by clause beside the criteria and rules that encode it, and
what the prover establishes about them)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from ..atomic import atomic_write_text
from ..literate import coverage_dict, literate_document, render_literate
from ..proofs.checks import DEFAULT_TIMEOUT
from ..proofs.section import ProofSection, prove_for_document, read_proofs
from ._shared import (
    EXIT_FOUND,
    EXIT_OK,
    Subparsers,
    UsageError,
    add_format,
    add_lang,
    add_out,
    add_ruleset_argument,
    load_ruleset_from,
)

if TYPE_CHECKING:
    from ..ruleset.load import Ruleset

__all__ = ["register"]

_DOC = """\
Render RULESET's Chinese source text clause by clause with, beside each sentence, the criteria and
rules that encode it (the condition in words and as written, thresholds, options, notes), and
every requirement sentence that no rule cites marked with the reason it is not encoded, the
properties declared for each clause with their proof status, and a proofs section (the checks of
`mingxing prove`, run once for the page; without z3 the section says it is skipped). Writes one
self-contained HTML page. Exit status 1 when some requirement sentence is neither cited nor
explained, or a proof is refuted or unknown."""


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
                          "the ids of the rules citing it or the reason it is not encoded; "
                          "proofs: their state and the report of `mingxing prove --format json`")
    add_out(parser, "write the page (or JSON) to FILE, atomically (default: standard output)")
    parser.add_argument("--source", default=None, metavar="FILE",
                        help="the source text (default: the one sources/*.zh.txt next to the "
                             "ruleset file)")
    parser.add_argument("--no-proofs", action="store_true",
                        help="do not run the prover; the page says proofs were not run")
    parser.add_argument("--proofs-from", default=None, metavar="FILE",
                        help="show this report of `mingxing prove RULESET --format json` instead "
                             "of proving again (refused if it proves another ruleset text)")
    parser.add_argument("--proof-timeout", type=float, default=DEFAULT_TIMEOUT,
                        metavar="SECONDS", help="solver budget per check (default "
                        f"{DEFAULT_TIMEOUT:g}); beyond it a check is unknown")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.no_proofs and args.proofs_from:
        raise UsageError("give --no-proofs or --proofs-from, not both")
    if not args.proof_timeout > 0:
        raise UsageError("--proof-timeout must be a positive number of seconds")
    ruleset = load_ruleset_from(args)
    document = literate_document(ruleset, args.source)
    proofs = _proofs(args, ruleset)
    if args.format == "json":
        text = json.dumps(coverage_dict(document, proofs), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_literate(ruleset, args.lang, args.source, document=document,
                               proofs=proofs)
    coverage = document.coverage
    if args.out:
        atomic_write_text(args.out, text)
        print(f"{args.out}: {coverage.requirements} requirement sentences, {coverage.cited} "
              f"cited, {coverage.not_encoded} explained as not encoded, "
              f"{coverage.unaccounted} unaccounted for; {_proof_summary(proofs)}",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
        if proofs.state in ("skipped", "not_encoded"):
            print(f"mingxing: note: {_proof_summary(proofs)}", file=sys.stderr)
    return EXIT_FOUND if coverage.unaccounted or not proofs.ok else EXIT_OK


def _proofs(args: argparse.Namespace, ruleset: Ruleset) -> ProofSection:
    """One run of the prover for the page (or the report given, or none)."""
    if args.no_proofs:
        return ProofSection("not_run", timeout=args.proof_timeout)
    if args.proofs_from:
        return read_proofs(args.proofs_from, ruleset)
    return prove_for_document(ruleset, timeout=args.proof_timeout)


def _proof_summary(proofs: ProofSection) -> str:
    if proofs.report is not None:
        counts = proofs.report.counts()
        return (f"proofs: {counts['proved']} proved, {counts['refuted']} refuted, "
                f"{counts['unknown']} unknown")
    if proofs.state == "skipped":
        return f"proofs skipped: {proofs.reason}"
    if proofs.state == "not_encoded":
        return f"proofs not made: {proofs.reason}"
    return "proofs not run"
