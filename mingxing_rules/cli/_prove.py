"""``mingxing prove RULESET`` and ``mingxing prove OLD NEW``: proofs with an SMT solver."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..proofs import prove_equivalent, prove_ruleset  # z3 itself is loaded on first use
from ._shared import (
    EXIT_FOUND,
    EXIT_OK,
    Subparsers,
    UsageError,
    add_format,
    add_lang,
    languages,
)

__all__ = ["register"]

_DESCRIPTION = """\
With one ruleset: prove, for every office (and every option setting unless --fixed-options),
that each criterion can pass and fail, each outcome is reachable and not shadowed, no rule is
dead, UNDECIDED happens only when a fact is missing, and every property declared in the
ruleset's `properties:` section holds. With two: prove both versions give the same verdict for
every office, or list every kind of flip with a minimal office each (as few facts away from
--base as possible), re-evaluated by the native engine. Needs z3-solver
(pip install 'mingxing-rules[prove]'). Exit status 1 when something is refuted or unknown."""


def register(subparsers: Subparsers) -> None:
    """Add the ``prove`` sub-command."""
    parser = subparsers.add_parser(
        "prove", help="prove properties of a ruleset, or the equivalence of two versions",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rulesets", nargs="+", metavar="RULESET",
                        help="one ruleset, or OLD NEW (files or bundled ids)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="solver time budget per check (default 10); beyond it: unknown")
    parser.add_argument("--fixed-options", action="store_true",
                        help="prove for the ruleset's option values only (default: every "
                        "setting for one ruleset; as loaded for two)")
    parser.add_argument("--all-options", action="store_true",
                        help="with OLD NEW: options range over every value")
    parser.add_argument("--check", action="append", default=[], metavar="NAME",
                        help="only these checks (criteria, outcomes, rules, undecided, "
                        "properties), repeatable")
    parser.add_argument("--property", action="append", default=None, metavar="ID",
                        dest="property_ids", help="only these declared properties, repeatable")
    parser.add_argument("--base", metavar="OFFICE",
                        help="with OLD NEW: the office JSON counterexamples stay close to")
    parser.add_argument("--fix", action="append", default=[], metavar="FACT=VALUE",
                        help="with OLD NEW: prove only for offices with this fact value "
                        "(JSON), repeatable")
    parser.add_argument("--range", action="append", default=[], metavar="FACT=LOW:HIGH",
                        dest="ranges", help="with OLD NEW: only offices with the fact within "
                        "bounds (either may be empty), repeatable")
    add_format(parser, ("text", "json"), json_shape="one JSON document: every check with its "
               "result, counterexample or unsat core, the solver version and the time")
    add_lang(parser, what="report")
    parser.add_argument("--verbose", action="store_true", help="show proved results too")
    parser.set_defaults(func=run)


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw  # a bare word is a string value


def run(args: argparse.Namespace) -> int:
    """Run ``mingxing prove``; exit 1 when anything is refuted or unknown."""
    if len(args.rulesets) > 2:
        raise UsageError("give one ruleset, or OLD NEW")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number")
    if len(args.rulesets) == 1:
        report = prove_ruleset(args.rulesets[0], timeout=args.timeout,
                               options="fixed" if args.fixed_options else "all",
                               checks=args.check or None, properties=args.property_ids)
    else:
        base = None
        if args.base:
            try:
                base = json.loads(Path(args.base).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise UsageError(f"--base {args.base}: cannot read an office: {exc}") from None
        region = {}
        for item in args.fix:
            name, sep, raw = item.partition("=")
            if not sep:
                raise UsageError(f"--fix {item!r}: expected FACT=VALUE")
            region[name] = _value(raw)
        ranges: dict[str, tuple[float | None, float | None]] = {}
        for item in args.ranges:
            name, sep, raw = item.partition("=")
            low, colon, high = raw.partition(":")
            if not sep or not colon:
                raise UsageError(f"--range {item!r}: expected FACT=LOW:HIGH")
            try:
                ranges[name] = (float(low) if low else None, float(high) if high else None)
            except ValueError:
                raise UsageError(f"--range {item!r}: bounds must be numbers") from None
        report = prove_equivalent(args.rulesets[0], args.rulesets[1], base=base,
                                  region=region, ranges=ranges, all_options=args.all_options,
                                  timeout=args.timeout)
    if args.format == "json":
        print(report.to_json())
    else:
        print("\n\n".join(report.to_text(lang, verbose=args.verbose)
                           for lang in languages(args.lang)))
    return EXIT_OK if report.ok else EXIT_FOUND
