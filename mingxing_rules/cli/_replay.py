"""``mingxing replay LOG``, and the ``--log`` / ``--on`` options of ``mingxing evaluate``.

``mingxing evaluate OFFICE... --log decisions.sqlite`` records each decision in a decision log
(docs/records.md); ``--on DATE`` (or ``--on assessment``) judges each office by the version of
the ruleset in force on that date (docs/history.md). ``mingxing replay decisions.sqlite``
re-evaluates every record with its recorded ruleset version and options.

Exit codes of ``replay``: 0 every record reproduced (or only reworded, without ``--strict``);
1 a verdict changed, or a record cannot be replayed; 2 the log cannot be read; 3 ruleset errors.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..engine import evaluate as evaluation
from ..engine.trace import Verdict
from ..errors import InputError, MingxingError, RulesetError
from ..history import parse_day
from ..reassess import office_from_verdict
from ..records import DecisionLog, replay
from ..ruleset.load import Ruleset
from ..types import BackendName
from ._shared import Subparsers, add_format

__all__ = [
    "EvaluationSession",
    "add_evaluate_arguments",
    "evaluation_session",
    "register",
    "run",
]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_RULESET = 0, 1, 2, 3

_DESCRIPTION = """\
Re-evaluate every decision of a decision log (mingxing evaluate --log FILE) with the recorded
ruleset version, options and backend, and report per record: reproduced (the verdict is the
same, byte for byte), reworded (same outcome and same status of every step; only wording such as
a quoted threshold differs), changed (with the trace diff), or unavailable (the recorded ruleset
version cannot be found; named). Exit status 1 when anything changed or cannot be replayed: run
it in CI to prove that an upgrade of the library or of the rules changed no published verdict."""


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    """``--log FILE`` and ``--on DATE|assessment`` for ``mingxing evaluate``."""
    parser.add_argument("--log", metavar="FILE",
                        help="record each decision in this SQLite decision log (docs/records.md)")
    parser.add_argument("--on", metavar="DATE",
                        help="judge by the ruleset version in force on DATE (YYYY-MM-DD), or "
                             "'assessment' for each office's own assessment date")


class EvaluationSession:
    """Evaluates offices as ``mingxing evaluate`` was asked: dated, recorded, or neither."""

    def __init__(self, log: DecisionLog | None, on: str | None) -> None:
        self.log = log
        self.on = on
        self._bulk: contextlib.AbstractContextManager[DecisionLog] | None = None

    def evaluate(self, office: Mapping[str, Any], ruleset: Ruleset, *,
                 backend: BackendName = "native") -> Verdict:
        if self.log is not None:
            return self.log.evaluate(office, ruleset, on=self.on, backend=backend)
        # through the module, so that a test (or a tool) that replaces the engine's evaluate
        # is obeyed here too
        return evaluation.evaluate(office, ruleset, backend=backend, on=self.on)

    def record(self, verdict: Verdict, ruleset: Ruleset) -> None:
        """Record a verdict made elsewhere (``--batch``): the office is the facts it read.
        Records go in transactions of a few hundred (one disk sync each, not one per row)."""
        if self.log is None:
            return
        if self._bulk is None:
            self._bulk = self.log.bulk()
            self._bulk.__enter__()
        self.log.record(verdict, office_from_verdict(verdict.to_dict()), ruleset,
                        judged_on=_day(self.on) if self.on not in (None, "assessment") else None)

    def close(self) -> None:
        if self._bulk is not None:
            self._bulk.__exit__(None, None, None)
            self._bulk = None
        if self.log is not None:
            self.log.close()


def _day(value: str | None) -> dt.date | None:
    return parse_day(value) if value else None


def evaluation_session(args: argparse.Namespace, *, batch: bool = False) -> EvaluationSession:
    """The session for ``args`` (``--log``, ``--on``); close it when done."""
    on = getattr(args, "on", None)
    if batch and on is not None:
        raise InputError("--on judges office files one by one; with --batch, give --ruleset "
                         "the version file instead (see docs/history.md)")
    if on not in (None, "assessment"):
        _day(on)  # a bad date is a usage error before anything is evaluated
    path = getattr(args, "log", None)
    log = None
    if path:
        log = DecisionLog(path)
    return EvaluationSession(log, on)


def register(subparsers: Subparsers) -> None:
    """Add the ``replay`` sub-command."""
    parser = subparsers.add_parser(
        "replay", help="re-evaluate a decision log and report what no longer reproduces",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", metavar="LOG", help="a decision log (.sqlite)")
    parser.add_argument("--rulesets", action="append", default=[], metavar="PATH",
                        help="also look for recorded versions here: a history index, a "
                             "directory of versions or a ruleset file (repeatable)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 on reworded verdicts too")
    parser.add_argument("--verbose", action="store_true",
                        help="list every record, not only those that changed")
    add_format(parser, ("text", "json"), json_shape="one document: counts, drifted and the "
               "results (per record: status, differences, reason)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not Path(args.log).is_file():
        print(f"mingxing: error: {args.log}: no decision log there", file=sys.stderr)
        return EXIT_USAGE
    try:
        with DecisionLog(args.log) as log:
            report = replay(log, rulesets=args.rulesets)
    except RulesetError as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_RULESET
    except (InputError, MingxingError, OSError) as error:
        print(f"mingxing: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text(verbose=args.verbose))
    return EXIT_FOUND if report.drifted(strict=args.strict) else EXIT_OK
