"""The ``mingxing`` command line.

Exit codes (documented in docs/cli.md): 0 success; 1 the command ran but found what it checks
for (ruleset problems in ``check``, verdict changes in ``diff``, a mismatch in verified mode);
2 usage or office input errors; 3 ruleset errors.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import EvaluationError, InputError, RulesetError

__all__ = ["main"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_RULESET = 0, 1, 2, 3

# Sub-command modules; each defines add_parser(subparsers) and run(args).
_SUBCOMMANDS = ("_explain", "_diff", "_campaign", "_mutants")


def _error(message: str) -> None:
    print(f"mingxing: error: {message}", file=sys.stderr)


def _read_office(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read office file: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None


def _add_ruleset_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ruleset", default="star-judicial-office",
                        help="ruleset file or bundled id (default: star-judicial-office)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="override a ruleset option (JSON value), repeatable")


def ruleset_from_args(args: argparse.Namespace) -> Any:
    """Load the ruleset named by ``--ruleset`` with ``--option`` overrides."""
    from ..ruleset.load import load_ruleset

    options: dict[str, Any] = {}
    for item in getattr(args, "option", []) or []:
        name, sep, raw = item.partition("=")
        if not sep:
            raise RulesetError(f"--option {item!r}: expected NAME=VALUE")
        try:
            options[name] = json.loads(raw)
        except json.JSONDecodeError:
            options[name] = raw
    return load_ruleset(args.ruleset, options=options)


# -- evaluate ------------------------------------------------------------------------------


def _evaluate(args: argparse.Namespace) -> int:
    if args.batch:
        from ._batch import run_batch

        return run_batch(args)
    if not args.offices:
        _error("give office JSON files, or --batch FILE")
        return EXIT_USAGE
    from ..engine.evaluate import evaluate

    ruleset = ruleset_from_args(args)
    status = EXIT_OK
    documents = []
    for path in args.offices:
        try:
            verdict = evaluate(_read_office(path), ruleset, backend=args.backend)
        except InputError as exc:
            _error(f"{path}: {exc}")
            status = EXIT_USAGE
            continue
        if args.format == "json":
            documents.append(verdict.to_dict())
        else:
            print(verdict.explain(lang=args.lang, fmt=args.format))
            print()
    if args.format == "json":
        print(json.dumps(documents if len(args.offices) > 1 else documents[0] if documents
                         else [], ensure_ascii=False, indent=2))
    return status


# -- check ------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    from ..ruleset.load import check_ruleset, load_ruleset

    worst = EXIT_OK
    for path in args.rulesets:
        problems = check_ruleset(path)
        if args.backend == "durable" and not any(p.severity == "error" for p in problems):
            from ._check_durable import durable_problems

            problems += durable_problems(load_ruleset(path))
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            print(problem)
        if errors:
            worst = EXIT_RULESET
        elif problems and args.strict:
            worst = max(worst, EXIT_FOUND)
        summary = f"{path}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
        print(summary, file=sys.stderr)
    return worst


# -- schema ------------------------------------------------------------------------------


def _schema(args: argparse.Namespace) -> int:
    ruleset = ruleset_from_args(args)
    print(json.dumps(ruleset.office_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mingxing",
        description="Evaluate offices against declarative, cited award rules (明星司法所).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    evaluate = sub.add_parser("evaluate", help="decide offices and explain the verdicts")
    evaluate.add_argument("offices", nargs="*", metavar="OFFICE", help="office JSON files")
    _add_ruleset_args(evaluate)
    evaluate.add_argument("--format", choices=("text", "md", "html", "json"), default="text")
    evaluate.add_argument("--lang", choices=("zh", "en"), default="en")
    evaluate.add_argument("--backend", choices=("native", "durable", "verified"),
                          default="native")
    evaluate.add_argument("--batch", metavar="FILE", help="a .csv, .json or .jsonl of offices")
    evaluate.add_argument("--out", metavar="FILE", help="with --batch: write results here")
    evaluate.set_defaults(func=_evaluate)

    check = sub.add_parser("check", help="validate rulesets and report every problem")
    check.add_argument("rulesets", nargs="+", metavar="RULESET")
    check.add_argument("--backend", choices=("native", "durable"), default="native",
                       help="also report what this backend cannot express")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings")
    check.set_defaults(func=_check)

    schema = sub.add_parser("schema", help="print the JSON Schema of an office")
    schema.add_argument("ruleset", nargs="?", default="star-judicial-office")
    schema.add_argument("--option", action="append", default=[], metavar="NAME=VALUE")
    schema.set_defaults(func=_schema)

    for name in _SUBCOMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # an optional sub-command that is not part of this build
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "command", None) == "schema":
        args.ruleset = args.ruleset
    try:
        return int(args.func(args))
    except RulesetError as exc:
        _error(str(exc))
        return EXIT_RULESET
    except InputError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except EvaluationError as exc:
        _error(str(exc))
        return EXIT_FOUND
    except BrokenPipeError:  # pragma: no cover - `mingxing ... | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
