"""The ``mingxing`` command line (argparse; why, and the reference, in docs/cli.md).

Exit codes: 0 success; 1 the command ran and found what it checks for (problems under
``check --strict``, verdict changes in ``diff``, changes needed in ``gap``, bad rows in a batch,
a disagreement in verified mode); 2 usage errors and unreadable or invalid input; 3 ruleset
errors; 130 interrupted. Every error is printed to stderr as ``mingxing: error: ...``.

Adding a sub-command: write ``cli/_<name>.py`` with ``register(subparsers)`` that adds the
sub-parser (with the shared options of :mod:`._shared`) and sets ``func`` to a function taking
the parsed arguments and returning the exit code; then append its module name to
:data:`SUBCOMMANDS`. A listed module that is not present is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from ..errors import BackendMismatchError, InputError, MingxingError, RulesetError
from ..progress import close_all, progress_display
from ..terminal import sanitised_terminal
from ..version import __version__
from ._shared import (
    EXIT_FOUND,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RULESET,
    EXIT_USAGE,
    Parser,
    UsageError,
    print_error,
)

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

#: Sub-command modules, in the order ``mingxing --help`` lists them.
SUBCOMMANDS = (
    "_evaluate",
    "_explain",
    "_check",
    "_schema",
    "_diff",
    "_campaign",
    "_prove",  # needs the prove extra (z3) only when it runs
    "_doc",
    "_reassess",
    "_replay",
    "_mutants",
)


def _version() -> str:
    try:
        return version("mingxing-rules")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return __version__


def build_parser() -> Parser:
    """The whole parser: one sub-parser per registered sub-command module."""
    parser = Parser(
        prog="mingxing",
        description="Evaluate offices against declarative, cited award rules (明星司法所): "
                    "verdicts with explanations, gaps, ruleset checks and diffs, campaign rates.",
        epilog="Exit codes: 0 success, 1 found what the command looks for, 2 usage or input "
               "error, 3 ruleset error. Run 'mingxing COMMAND --help' for a command.")
    parser.add_argument("--version", action="version", version=f"mingxing {_version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # an optional sub-command that is not part of this build
            raise
        module.register(sub)
    return parser


def _subparser(parser: Parser, command: str | None) -> Parser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            chosen = action.choices[command]
            assert isinstance(chosen, Parser)
            return chosen
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mingxing`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    with sanitised_terminal():  # texts from rulesets and offices are shown, not obeyed
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # refused by the sub-command's own parser, with its usage and a suggestion
        _subparser(parser, getattr(args, "command", None)).unrecognized(extras)
    try:
        with progress_display(not getattr(args, "quiet", False)):
            try:
                return int(args.func(args))
            finally:
                close_all()
    except RulesetError as exc:
        print_error(str(exc))
        return EXIT_RULESET
    except BackendMismatchError as exc:  # verified mode: the two engines disagree
        print_error(str(exc))
        return EXIT_FOUND
    except (InputError, UsageError, MingxingError) as exc:  # incl. an unavailable backend
        print_error(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - `mingxing ... | head`
        return EXIT_OK
    except OSError as exc:  # a file that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        print_error(f"{where}{exc.strerror or exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        print_error("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
