"""``backend="verified"``: two independent engines behind one legal decision.

Every office is evaluated by the native evaluator (compiled Python) and by durable_rules' Rete
engine; the verdict is returned only if both rows (every derived value and every criterion,
standard, group, rule and outcome) are identical, else :class:`BackendMismatchError` lists each
difference. Rows equal means verdicts and traces equal: both are built from the row by the same
function.

>>> from mingxing_rules import evaluate, load_ruleset
>>> verdict = evaluate({"id": "demo", "honours": ["five_good"], "holds_star_title": False,
...                     "major_problem": False, "office_kind": "township"},
...                    load_ruleset("star-judicial-office"), backend="verified")
>>> verdict.outcome, verdict.backend
('DIRECT_PROMOTION', 'verified')
"""

from __future__ import annotations

import math
from typing import Any

from ..compile.codegen import NA, CompiledProgram
from ..engine.evaluate import Backend, NativeBackend
from ..engine.office import Office
from ..errors import BackendMismatchError

__all__ = ["VerifiedBackend", "row_differences"]


def _shown(value: Any) -> str:
    if value is NA:
        return "not applicable"
    if value is True:
        return "pass"
    if value is False:
        return "fail"
    if value is None:
        return "unknown"
    return repr(value)


def _same(a: Any, b: Any) -> bool:
    if a is NA or b is NA or isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and bool(a == b)


def row_differences(program: CompiledProgram, first: tuple[Any, ...], second: tuple[Any, ...],
                    names: tuple[str, str] = ("native", "durable")) -> list[str]:
    """One line per entry of the two rows that differs, in trace order."""
    if len(first) != len(second):
        return [f"row length: {names[0]} {len(first)}, {names[1]} {len(second)}"]
    differences = []
    for info, a, b in zip(program.layout, first, second, strict=True):
        if not _same(a, b):
            differences.append(f"{info.id} ({info.kind}): {names[0]} {_shown(a)}, "
                               f"{names[1]} {_shown(b)}")
    return differences


class VerifiedBackend:
    """Runs ``primary`` and ``secondary`` and returns the row only when they agree."""

    name = "verified"

    def __init__(self, primary: Backend | None = None, secondary: Backend | None = None) -> None:
        self.primary: Backend = primary if primary is not None else NativeBackend()
        if secondary is None:
            from .durable import DurableBackend

            secondary = DurableBackend()
        self.secondary: Backend = secondary

    def row(self, program: CompiledProgram, office: Office) -> tuple[Any, ...]:
        first = self.primary.row(program, office)
        second = self.secondary.row(program, office)
        differences = row_differences(program, first, second,
                                      (self.primary.name, self.secondary.name))
        if differences:
            raise BackendMismatchError(
                f"office {office.id!r}: backends {self.primary.name} and {self.secondary.name} "
                f"disagree on {len(differences)} step{'s' if len(differences) != 1 else ''}: "
                + "; ".join(differences[:5]) + ("; ..." if len(differences) > 5 else ""),
                office_id=office.id, differences=differences)
        return first
