"""``mingxing explain`` and ``mingxing gap``: one office, explained or with what it is missing.

Exit codes: ``explain`` 0 (any verdict), 2 usage or input errors, 3 ruleset errors. ``gap`` 0 when
the office already reaches the target (or an outcome with the same effect, such as direct
promotion), 1 when something must change or be provided, 2 and 3 as for ``explain``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..engine.evaluate import evaluate
from ..engine.trace import TRACE_FORMAT, Verdict
from ..errors import InputError, InputProblem, MingxingError, RulesetError
from ..explain import render
from ..gap import gap, render_gap
from ..ruleset.load import Ruleset, load_ruleset

__all__ = ["add_parser", "run"]

EXIT_OK = 0
EXIT_CHANGES_NEEDED = 1
EXIT_INPUT = 2
EXIT_RULESET = 3
DEFAULT_RULESET = "star-judicial-office"


def _common(parser: argparse.ArgumentParser, default_lang: str) -> None:
    parser.add_argument("office", metavar="OFFICE",
                        help="office data as a JSON file ('-' reads standard input); explain "
                             "also accepts a verdict file (format mingxing-verdict/1)")
    parser.add_argument("--ruleset", default=None, metavar="RULESET",
                        help=f"ruleset file or bundled id (default: {DEFAULT_RULESET}, or the "
                             "verdict's own ruleset)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="set a ruleset option (repeatable), e.g. revocation_mode=automatic")
    parser.add_argument("--lang", choices=("zh", "en", "both"), default=default_lang,
                        help=f"language of the explanation (default: {default_lang})")
    parser.add_argument("--format", choices=("text", "md", "html", "json"), default="text",
                        dest="format", help="output format (default: text)")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``explain`` and ``gap`` sub-commands."""
    explain = subparsers.add_parser(
        "explain", help="explain the verdict for one office",
        description="Evaluate OFFICE and explain the verdict: the decision, the standards met, "
                    "and why each criterion that is not met fails, with its clause.")
    _common(explain, "en")
    explain.set_defaults(func=run, command_name="explain")

    gap_parser = subparsers.add_parser(
        "gap", help="what an office must change to become a Star office",
        description="List what OFFICE must change to reach the target outcome (default STAR, "
                    "a Star office by assessment): per criterion the shortfall in the fact's "
                    "own unit, grouped by standard in clause order, and the facts to provide. "
                    "Exit status 0 when nothing is missing, 1 when something is.")
    _common(gap_parser, "both")
    gap_parser.add_argument("--target", default="STAR", metavar="OUTCOME",
                            help="the outcome to reach (default: STAR)")
    gap_parser.set_defaults(func=run, command_name="gap")


def _error(message: str) -> None:
    print(f"mingxing: error: {message}", file=sys.stderr)


def _options(pairs: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise InputError.from_problems([InputProblem(
                "--option", pair, "NAME=VALUE", f"--option expects NAME=VALUE, got {pair!r}")])
        try:
            options[name.strip()] = json.loads(text)
        except json.JSONDecodeError:
            options[name.strip()] = text
    return options


def _read_json(source: str) -> Any:
    try:
        if source == "-":
            return json.load(sys.stdin)
        with Path(source).open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                         f"column {exc.colno})") from None


def _ruleset_for(args: argparse.Namespace, verdict: Verdict | None) -> Ruleset:
    options = _options(args.option)
    if args.ruleset is None and verdict is not None:
        return load_ruleset(verdict.ruleset_id, options={**dict(verdict.options), **options})
    return load_ruleset(args.ruleset or DEFAULT_RULESET, options=options or None)


def _languages(lang: str) -> tuple[str, ...]:
    return ("zh", "en") if lang == "both" else (lang,)


def _print_in_languages(render_one: Any, languages: tuple[str, ...], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(render_one(languages[0]))
        return
    separator = "\n<hr>\n" if fmt == "html" else "\n"
    sys.stdout.write(separator.join(render_one(lang) for lang in languages))


def run(args: argparse.Namespace) -> int:
    """Run ``explain`` or ``gap`` (chosen by the sub-command)."""
    command = getattr(args, "command_name", "explain")
    try:
        data = _read_json(args.office)
        given: Verdict | None = None
        if isinstance(data, dict) and data.get("format") == TRACE_FORMAT:
            given = Verdict.from_dict(data)
        ruleset = _ruleset_for(args, given)
        verdict = given if given is not None else evaluate(data, ruleset)
        languages = _languages(args.lang)
        if command == "explain":
            _print_in_languages(lambda lang: render(verdict, lang, args.format, ruleset=ruleset),
                                languages, args.format)
            return EXIT_OK
        result = gap(given if given is not None else data, ruleset, target=args.target)
        _print_in_languages(lambda lang: render_gap(result, lang, args.format), languages,
                            args.format)
        done = result.reached or (result.already is not None and not result.to_be_provided)
        return EXIT_OK if done else EXIT_CHANGES_NEEDED
    except RulesetError as exc:
        _error(str(exc))
        return EXIT_RULESET
    except InputError as exc:
        _error(str(exc) if exc.problems else exc.message)
        return EXIT_INPUT
    except ValueError as exc:  # a --target that is not an outcome
        _error(str(exc))
        return EXIT_INPUT
    except MingxingError as exc:
        _error(str(exc))
        return EXIT_INPUT
