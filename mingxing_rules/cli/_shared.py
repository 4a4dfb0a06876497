"""What every ``mingxing`` sub-command shares: options defined once, input expansion, errors.

A sub-command module registers itself with ``register(subparsers)`` and adds the shared options
it takes with the ``add_*`` functions here, so that ``--ruleset``, ``--option``, ``--lang``,
``--format``, ``--out``, ``--backend``, ``--encoding`` and ``--quiet`` are spelled, defaulted
and explained the same way everywhere. Each command reports failure by raising: a
:class:`UsageError` (exit 2), an :class:`~mingxing_rules.errors.InputError` (2) or a
:class:`~mingxing_rules.errors.RulesetError` (3); :func:`mingxing_rules.cli.main` prints every
one of them as ``mingxing: error: ...``.
"""

from __future__ import annotations

import argparse
import atexit
import difflib
import glob
import importlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, TypeAlias

from ..atomic import atomic_write_bytes
from ..errors import InputError, MingxingError, RulesetError
from ..ruleset.load import load_ruleset

__all__ = [
    "DEFAULT_LANG",
    "DEFAULT_RULESET",
    "ERROR_PREFIX",
    "EXIT_FOUND",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RULESET",
    "EXIT_USAGE",
    "LANG_CHOICES",
    "Parser",
    "Subparsers",
    "UsageError",
    "add_backend",
    "add_encoding",
    "add_format",
    "add_lang",
    "add_out",
    "add_quiet",
    "add_ruleset",
    "add_ruleset_argument",
    "expand_inputs",
    "languages",
    "load_ruleset_from",
    "parse_options",
    "print_error",
    "print_warning",
    "refuse_unless",
    "require_extra",
    "ruleset_source",
    "stdin_as_file",
]

EXIT_OK = 0
EXIT_FOUND = 1  # the command ran and found what it looks for (see docs/cli.md)
EXIT_USAGE = 2  # usage errors, unreadable or invalid input
EXIT_RULESET = 3  # the ruleset has errors
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

ERROR_PREFIX = "mingxing: error: "
WARNING_PREFIX = "mingxing: warning: "
DEFAULT_RULESET = "star-judicial-office"
LANG_CHOICES = ("zh", "en", "both")
#: The same on every command: the bureau reads Chinese, the maintainers English.
DEFAULT_LANG = "both"
LangChoice: TypeAlias = Literal["zh", "en", "both"]


class UsageError(MingxingError):
    """The command line asks for something that cannot be done (exit 2)."""


def print_error(message: str) -> None:
    print(f"{ERROR_PREFIX}{message}", file=sys.stderr)


def print_warning(message: str) -> None:
    print(f"{WARNING_PREFIX}{message}", file=sys.stderr)


class Parser(argparse.ArgumentParser):
    """argparse with the one ``mingxing: error:`` prefix and "did you mean" for options."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{ERROR_PREFIX}{message}\n")

    def unrecognized(self, extras: Sequence[str]) -> NoReturn:
        """Refuse arguments this (sub-)parser does not know, suggesting the closest option."""
        known = [s for action in self._actions for s in action.option_strings]
        hints = []
        for extra in extras:
            flag = extra.split("=", 1)[0]
            close = difflib.get_close_matches(flag, known, n=1) if flag.startswith("-") else []
            if close:
                hints.append(f"{flag} (did you mean {close[0]}?)")
            else:
                hints.append(extra)
        self.error("unrecognized arguments: " + " ".join(hints))


Subparsers: TypeAlias = "argparse._SubParsersAction[Parser]"


# -- the shared options ----------------------------------------------------------------------------


def add_ruleset(parser: argparse.ArgumentParser, *, what: str = "") -> None:
    """``--ruleset`` and ``--option`` (default ``None``: a command can tell "not given")."""
    parser.add_argument(
        "--ruleset", default=None, metavar="RULESET",
        help=f"ruleset YAML file, bundled id or - (default: {DEFAULT_RULESET}){what}")
    parser.add_argument(
        "--option", action="append", default=[], metavar="NAME=VALUE",
        help="set a ruleset option for this run, repeatable; VALUE is read as JSON, else as "
             "text (e.g. --option meeting_room_min_seats=18 --option revocation_mode=automatic)")


def add_lang(parser: argparse.ArgumentParser, *, what: str = "explanations") -> None:
    parser.add_argument("--lang", choices=LANG_CHOICES, default=DEFAULT_LANG,
                        help=f"language of the {what}: zh, en, or both (zh first) "
                             f"(default: {DEFAULT_LANG})")


def add_format(parser: argparse.ArgumentParser, choices: Sequence[str], *, default: str = "text",
               json_shape: str) -> None:
    """``--format``; ``json_shape`` says what ``--format json`` prints (docs/cli.md lists it)."""
    parser.add_argument("--format", choices=tuple(choices), default=default,
                        help=f"output format (default: {default}); json: {json_shape}")


def add_out(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--out", default=None, metavar="FILE", help=help_text)


def add_backend(parser: argparse.ArgumentParser, choices: Sequence[str] = (
        "native", "durable", "verified"), *, help_text: str | None = None) -> None:
    parser.add_argument(
        "--backend", choices=tuple(choices), default="native",
        help=help_text or "engine: native (compiled Python), durable (durable_rules' Rete "
                          "network) or verified (both, exit 1 if they disagree) "
                          "(default: native)")


def add_encoding(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--encoding", default=None, metavar="CODEC",
        help="text encoding of a .csv written with --out (default: utf-8-sig, UTF-8 with a "
             "byte-order mark so that Excel reads Chinese correctly); .jsonl is always utf-8")


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress display (it is shown only on a terminal anyway)")


def refuse_unless(condition: bool, option: str, needs: str) -> None:
    """Options that do not apply are refused rather than ignored."""
    if not condition:
        raise UsageError(f"{option} {needs}")


# -- --option NAME=VALUE ---------------------------------------------------------------------------


def parse_options(pairs: Iterable[str], flag: str = "--option") -> dict[str, Any]:
    """``NAME=VALUE`` pairs as a dict: VALUE as JSON (``18``, ``true``, ``"x"``), else as text.

    The one parser of ``--option`` (and ``diff``'s ``--old-option``/``--new-option``). A pair
    without ``=`` or without a name is a :class:`RulesetError` (exit 3, like an unknown option
    name, which the ruleset itself refuses).

    >>> parse_options(["meeting_room_min_seats=18", "revocation_mode=automatic"])
    {'meeting_room_min_seats': 18, 'revocation_mode': 'automatic'}
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise RulesetError(f"{flag} {pair!r}: expected NAME=VALUE")
        try:
            options[name] = json.loads(raw)
        except json.JSONDecodeError:
            options[name] = raw  # a bare word is a string value
    return options


def add_ruleset_argument(parser: argparse.ArgumentParser, *, what: str = "") -> None:
    """RULESET as an optional positional argument, the same as ``--ruleset`` (given once)."""
    parser.add_argument("ruleset_argument", nargs="?", default=None, metavar="RULESET",
                        help="ruleset YAML file or bundled id (same as --ruleset)")
    add_ruleset(parser, what=what)


def load_ruleset_from(args: argparse.Namespace, *, default: str = DEFAULT_RULESET,
                      base_options: dict[str, Any] | None = None) -> Any:
    """The ruleset named by ``--ruleset`` or the RULESET argument (or ``default``) read with the
    ``--option`` values."""
    positional = getattr(args, "ruleset_argument", None)
    if positional and args.ruleset and positional != args.ruleset:
        raise UsageError("give the ruleset once: RULESET or --ruleset")
    if positional:
        args.ruleset = args.ruleset or positional
    options = {**(base_options or {}), **parse_options(getattr(args, "option", None) or [])}
    return load_ruleset(ruleset_source(getattr(args, "ruleset", None) or default),
                        options=options or None)


def require_extra(modules: Sequence[str], needs: str, extra: str) -> None:
    """Refuse an option or input (exit 2) when an optional dependency is not installed, saying
    which extra to install: ``require_extra(["hypothesis"], "--search needs Hypothesis",
    "testing")``. The import happens here, only when the option is used."""
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{needs}: pip install 'mingxing-rules[{extra}]'") from None


def ruleset_source(name: str) -> str | Path:
    """A ruleset argument as ``load_ruleset`` takes it: a bundled id or a path as given, ``-``
    (standard input) spooled to a file, a quoted glob that matches exactly one file."""
    if name == "-":
        return stdin_as_file(".yaml")
    if glob.has_magic(name) and not Path(name).exists():
        matches = sorted(glob.glob(name, recursive=True))
        if len(matches) != 1:
            raise UsageError(f"{name!r} matches {len(matches)} files; a ruleset is one file")
        return matches[0]
    return name


def languages(lang: str) -> tuple[Literal["zh", "en"], ...]:
    """The languages ``--lang`` asks for, in print order."""
    if lang == "both":
        return ("zh", "en")
    return ("zh",) if lang == "zh" else ("en",)


# -- inputs ----------------------------------------------------------------------------------------


def expand_inputs(items: Iterable[str], suffixes: Sequence[str], what: str) -> list[str]:
    """Every input argument as files: a file as it is, a directory as its files with one of
    ``suffixes`` (sorted), a glob (quoted, so the shell did not expand it) as its matches,
    ``-`` as standard input. A name that is none of these is an :class:`InputError`."""
    found: list[str] = []
    for item in items:
        if item == "-":
            found.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            inside = sorted(str(p) for p in path.iterdir()
                            if p.is_file() and p.suffix.lower() in suffixes)
            if not inside:
                raise InputError(f"{item}: a directory without {what} files "
                                 f"({', '.join(suffixes)})")
            found += inside
        elif path.exists():
            found.append(item)
        elif glob.has_magic(item):
            matches = sorted(m for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not matches:
                raise InputError(f"no file matches {item!r}")
            found += matches
        else:
            raise InputError(f"{item}: no such file or directory")
    return found


_spool: list[Path] = []


def stdin_as_file(suffix: str) -> Path:
    """Standard input saved to a temporary file, for readers that take a path (removed at exit).

    JSON is recognised by its content: one document (``[...]`` or one object) becomes a
    ``.json`` file, several objects one a line a ``.jsonl`` file; anything else gets ``suffix``.
    """
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else (
        sys.stdin.read().encode("utf-8"))
    chosen = _sniff(data) or suffix
    if not _spool:
        _spool.append(Path(tempfile.mkdtemp(prefix="mingxing-stdin-")))
        atexit.register(shutil.rmtree, _spool[0], True)
    target = _spool[0] / f"stdin-{len(list(_spool[0].iterdir()))}{chosen}"
    atomic_write_bytes(target, data)  # the one way the library writes a file
    return target


def _sniff(data: bytes) -> str | None:
    text = data.decode("utf-8-sig", "replace").lstrip()
    if not text.startswith(("{", "[")):
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return ".jsonl" if text.startswith("{") and error.msg == "Extra data" else ".json"
    return ".json"
