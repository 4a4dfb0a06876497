"""``mingxing mutants [--ruleset RULESET]``: the single-change mutants of a ruleset, and the
mutation score of the flip search against them."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ..regression.impact import flip_search
from ..regression.mutants import KINDS, equivalence, mutants
from ._shared import (
    EXIT_FOUND,
    EXIT_OK,
    Subparsers,
    UsageError,
    add_format,
    add_quiet,
    add_ruleset,
    load_ruleset_from,
    require_extra,
)

__all__ = ["register"]

_DESCRIPTION = """\
List the single-change mutants of a ruleset (a threshold one step either way, a comparator, a
set member or operand dropped, a criterion, standard, rule or outcome removed, two outcomes
swapped, applies_if removed or negated, a derived formula, an option default, a fact's range).
With --score, tell for each whether it is equivalent (changes no verdict, shown by reasoning
over finite domains) and whether the flip search finds a verdict change without a population;
print the mutation score. Exit status 1 when --score leaves a mutant that is not shown
equivalent undetected."""


def register(subparsers: Subparsers) -> None:
    """Add the ``mutants`` sub-command."""
    parser = subparsers.add_parser(
        "mutants", help="single-change mutants of a ruleset and the mutation score",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ruleset(parser, what="; its mutants are made with the --option values")
    parser.add_argument("--kind", action="append", choices=KINDS, default=None,
                        help="only mutants of this kind (repeatable)")
    parser.add_argument("--target", action="append", default=None, metavar="ID",
                        help="only changes of this node, fact, option or derived value "
                             "(repeatable; 'decision' for the outcome order)")
    parser.add_argument("--refused", action="store_true",
                        help="also list the changes the library refuses at load")
    parser.add_argument("--score", action="store_true",
                        help="search each mutant for a verdict change and print the score")
    parser.add_argument("--prove", action="store_true",
                        help="with --score: a mutant the search does not detect goes to the "
                             "SMT solver of 'mingxing prove' (the prove extra), which proves it "
                             "equivalent or confirms the miss")
    parser.add_argument("--max-examples", type=int, default=300, metavar="N",
                        help="offices the search may evaluate per mutant (default 300)")
    add_format(parser, ("text", "json"),
               json_shape='one document {"ruleset", "mutants": [...], "counts", and with '
                          '--score "score", "seconds"}')
    add_quiet(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.max_examples < 1:
        raise UsageError("--max-examples must be 1 or more")
    if args.score:
        require_extra(["hypothesis"], "--score needs Hypothesis", "testing")
    ruleset = load_ruleset_from(args)
    rows: list[dict[str, Any]] = []
    counts = {"mutants": 0, "refused": 0, "equivalent": 0, "detected": 0, "missed": 0}
    started = time.perf_counter()
    for mutant in mutants(ruleset, kinds=args.kind, targets=args.target,
                          refused=args.refused):
        row: dict[str, Any] = {"id": mutant.id, "kind": mutant.kind, "target": mutant.target,
                               "description": mutant.description}
        if mutant.ruleset is None:
            counts["refused"] += 1
            row["refused"] = mutant.refused
            rows.append(row)
            if args.format == "text":
                print(f"{mutant.id}: {mutant.description}  [refused: {mutant.refused}]")
            continue
        counts["mutants"] += 1
        if args.score:
            row.update(_score(ruleset, mutant, args.max_examples, counts, equivalence,
                              args.prove))
        rows.append(row)
        if args.format == "text":
            status = f"  [{row['status']}]" if "status" in row else ""
            print(f"{mutant.id}: {mutant.description}{status}", flush=True)
    seconds = time.perf_counter() - started
    killable = counts["detected"] + counts["missed"]
    score = counts["detected"] / killable if killable else 1.0
    if args.format == "json":
        document: dict[str, Any] = {"ruleset": ruleset.key, "mutants": rows, "counts": counts}
        if args.score:
            document["score"] = score
            document["seconds"] = round(seconds, 1)
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(f"{counts['mutants']} mutants" + (f", {counts['refused']} refused at load"
                                                if args.refused else ""))
        if args.score:
            print(f"equivalent (shown): {counts['equivalent']}; detected: {counts['detected']}; "
                  f"not detected: {counts['missed']}")
            print(f"mutation score: {counts['detected']}/{killable} = {score:.1%} "
                  f"({seconds:.0f} s)")
    return EXIT_FOUND if args.score and counts["missed"] else EXIT_OK


def _score(ruleset: Any, mutant: Any, max_examples: int, counts: dict[str, int],
           equivalence: Any, prove: bool) -> dict[str, Any]:
    shown = equivalence(ruleset, mutant)
    if shown.equivalent:
        counts["equivalent"] += 1
        return {"status": "equivalent", "reason": shown.reason}
    found = flip_search(ruleset, mutant.ruleset, max_examples=max_examples)
    if found.flips:
        counts["detected"] += 1
        first = found.flips[0]
        return {"status": f"detected: {first.old_outcome} -> {first.new_outcome}",
                "transitions": [list(f.transition) for f in found.flips],
                "examples": found.examples}
    if prove:
        proved = equivalence(ruleset, mutant, prove=True)
        if proved.equivalent:
            counts["equivalent"] += 1
            return {"status": "equivalent", "reason": proved.reason}
    counts["missed"] += 1
    return {"status": "NOT DETECTED", "reason": shown.reason, "search": found.summary()}
