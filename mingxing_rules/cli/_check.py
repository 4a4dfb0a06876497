"""``mingxing check``: validate rulesets and report every problem with ``file:line``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import attrs

from ..errors import RulesetProblem
from ..ruleset.load import bundled_rulesets, check_ruleset, load_ruleset
from ._check_durable import durable_problems
from ._shared import (
    EXIT_FOUND,
    EXIT_OK,
    EXIT_RULESET,
    Subparsers,
    add_backend,
    add_format,
    expand_inputs,
    stdin_as_file,
)

__all__ = ["problem_record", "register"]

_DESCRIPTION = """\
Validate each RULESET (a YAML file, a directory of them, a quoted glob, a bundled id, or '-' for
standard input) and print every problem as 'file:line:column path (rule id): severity CODE:
message' (codes in docs/errors.md), then a count per file on stderr. Exit status 3 when a ruleset
has errors; with --strict, 1 when it has warnings (informational notes never fail)."""


def register(subparsers: Subparsers) -> None:
    """Add the ``check`` sub-command."""
    parser = subparsers.add_parser(
        "check", help="validate rulesets and report every problem with file:line",
        description=_DESCRIPTION)
    parser.add_argument("rulesets", nargs="+", metavar="RULESET",
                        help="ruleset YAML files, directories, quoted globs, bundled ids, or -")
    add_backend(parser, ("native", "durable"),
                help_text="also report what this backend cannot express (default: native)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when there are warnings (not for informational notes)")
    add_format(parser, ("text", "json"),
               json_shape="JSON Lines, one problem per line (file, line, column, path, rule_id, "
                          "severity, code, message, token)")
    parser.set_defaults(func=run)


def problem_record(problem: RulesetProblem) -> dict[str, object]:
    """One problem as the flat JSON record ``check --format json`` prints."""
    where = problem.location
    return {"file": where.file, "line": where.line, "column": where.column, "path": where.path,
            "rule_id": where.rule_id, "severity": problem.severity, "code": problem.code,
            "message": problem.message, "token": problem.token}


def _sources(items: list[str]) -> list[tuple[str, str | Path]]:
    """``(name shown, what to check)``: bundled ids pass as they are, ``-`` is spooled."""
    bundled = bundled_rulesets()
    found: list[tuple[str, str | Path]] = []
    for item in items:
        if item in bundled and not Path(item).exists():
            found.append((item, item))
        elif item == "-":
            found.append(("<stdin>", stdin_as_file(".yaml")))
        else:
            found += [(path, path) for path in expand_inputs([item], (".yaml", ".yml"),
                                                                 "ruleset")]
    return found


def run(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for shown, source in _sources(args.rulesets):
        problems = check_ruleset(source)
        if args.backend == "durable" and not any(p.severity == "error" for p in problems):
            problems += durable_problems(load_ruleset(source))
        if isinstance(source, Path) and shown == "<stdin>":  # name the input, not the spool
            problems = [attrs.evolve(p, location=attrs.evolve(p.location, file=shown))
                        if p.location.file else p for p in problems]
        errors = [p for p in problems if p.severity == "error"]
        warnings = [p for p in problems if p.severity == "warning"]
        for problem in problems:
            if args.format == "json":
                print(json.dumps(problem_record(problem), ensure_ascii=False))
            else:
                print(problem)
        if errors:
            worst = EXIT_RULESET
        elif warnings and args.strict:
            worst = max(worst, EXIT_FOUND)
        notes = len(problems) - len(errors) - len(warnings)
        summary = f"{shown}: {len(errors)} error(s), {len(warnings)} warning(s)"
        print(summary + (f", {notes} note(s)" if notes else ""), file=sys.stderr)
    return worst
