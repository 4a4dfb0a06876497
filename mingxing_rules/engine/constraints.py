"""Cross-fact consistency: the ruleset's ``constraints:``, checked when an office is parsed.

A constraint states how an office's facts must agree with each other (key and general released
persons add up to all released persons; resolved <= mediated <= received disputes; the
submission date lies in the assessment year's window). It is declared in the ruleset, validated
at load like a condition, compiled by the library's own compiler
(:func:`mingxing_rules.compile.codegen.compile_constraints`) and checked by
:meth:`mingxing_rules.Ruleset.parse_office`, so every backend sees the same rejection:

>>> from mingxing_rules import InputError, load_ruleset
>>> import json
>>> from pathlib import Path
>>> ruleset = load_ruleset("star-judicial-office")
>>> office = json.loads(Path("examples/offices/star-by-assessment.json").read_text("utf-8"))
>>> office["general_released_count"] = 10
>>> try:
...     ruleset.parse_office(office)
... except InputError as error:
...     print(error.problems[0].paths)
('key_released_count', 'general_released_count', 'released_persons_count')

A constraint whose facts are not all given is *unknown*, never violated.

:func:`repair` is for generators of test data (Hypothesis strategies, benchmark populations): it
changes a drawn office's values the least it can so that every constraint holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from typing import Any

from ..compile.codegen import CompiledConstraints
from ..errors import InputProblem
from ..language.expr import BoolOp, Compare, Expr, Name

__all__ = ["constraint_problems", "repair"]


def constraint_problems(compiled: CompiledConstraints, facts: Mapping[str, Any]
                        ) -> list[InputProblem]:
    """One problem per violated constraint, naming every field it reads and their values."""
    if not compiled.constraints:  # the common case of a ruleset without constraints: free
        return []
    results = compiled.check(facts)
    if False not in results:  # every constraint holds or is unknown
        return []
    problems: list[InputProblem] = []
    for constraint, holds in zip(compiled.constraints, results, strict=True):
        if holds is not False:  # true, or unknown because a fact is missing
            continue
        given = ", ".join(f"{name} {_shown(facts.get(name))}" for name in constraint.fields)
        first = constraint.fields[0]
        problems.append(InputProblem(
            first, _plain(facts.get(first)), constraint.condition_text,
            f"{constraint.message.en} — {constraint.message.zh} (constraint {constraint.id}, "
            f"{constraint.clause}: {constraint.condition_text}; given {given})",
            constraint.fields))
    return problems


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def _shown(value: Any) -> str:
    if value is None:
        return "missing"
    return repr(_plain(value))


# -- repair, for generated data -----------------------------------------------------------------

def repair(office: MutableMapping[str, Any], compiled: CompiledConstraints, *,
           fixed: frozenset[str] | set[str] = frozenset(), rounds: int = 4) -> None:
    """Change ``office`` in place so that its constraints hold, moving as few values as it can.

    Each violated comparison ``a <op> b`` between a fact and an expression is mended by setting
    the fact to the nearest value that satisfies it (``<=``: lower the fact on the left, or raise
    the one on the right; ``==``: set the bare fact to the other side). Comparisons are read from
    conjunctions and chains (``a <= b <= c``). A constraint it cannot mend this way loses one of
    its facts (the office then leaves it unknown), never a fact named in ``fixed``. Dates may be
    given as ``YYYY-MM-DD`` text; they are written back the same way.
    """
    as_text = {name for c in compiled.constraints for name in c.fields
               if isinstance(office.get(name), str) and _date(office[name]) is not None}
    view: dict[str, Any] = {k: (_date(v) if k in as_text else v) for k, v in office.items()}
    for _ in range(rounds):
        try:
            results = compiled.check(view)
        except TypeError:  # values of the wrong type: the schema, not a constraint, refuses them
            break
        broken = [c for c, holds in zip(compiled.constraints, results, strict=True)
                  if holds is False]
        if not broken:
            break
        for constraint in broken:
            if not _mend(view, constraint.condition, compiled, fixed):
                for name in reversed(constraint.fields):
                    if name not in fixed and name in view:
                        del view[name]
                        break
    for name in list(office):
        if name not in view:
            del office[name]
    for name, value in view.items():
        office[name] = value.isoformat() if name in as_text and isinstance(value, dt.date) \
            else value


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _comparisons(tree: Expr) -> list[tuple[str, Expr, Expr]]:
    if isinstance(tree, BoolOp) and tree.op == "and":
        return [c for operand in tree.operands for c in _comparisons(operand)]
    if isinstance(tree, Compare):
        return [(op, a, b) for op, a, b in zip(tree.ops, tree.operands, tree.operands[1:],
                                                  strict=False)]
    return []


def _mend(office: MutableMapping[str, Any], tree: Expr, compiled: CompiledConstraints,
          fixed: frozenset[str] | set[str]) -> bool:
    comparisons = _comparisons(tree)
    if not comparisons:
        return False
    mended = False
    # right to left, so that a chain a <= b <= c settles b before a
    for op, left, right in reversed(comparisons):
        left_value, right_value = _value(left, office, compiled), _value(right, office, compiled)
        if left_value is None or right_value is None or _holds(op, left_value, right_value):
            continue
        target, value = _target(op, left, right, left_value, right_value, fixed)
        if target is None:
            return False
        office[target] = value
        mended = True
    return mended


def _target(op: str, left: Expr, right: Expr, left_value: Any, right_value: Any,
            fixed: frozenset[str] | set[str]) -> tuple[str | None, Any]:
    left_name = left.name if isinstance(left, Name) and left.name not in fixed else None
    right_name = right.name if isinstance(right, Name) and right.name not in fixed else None
    if op == "==":
        if right_name:
            return right_name, left_value
        return left_name, right_value
    if op in ("<=", "<"):
        step = _step(op, right_value, -1)
        if left_name:
            return left_name, step
        return right_name, _step(op, left_value, +1)
    if op in (">=", ">"):
        if left_name:
            return left_name, _step(op, right_value, +1)
        return right_name, _step(op, left_value, -1)
    return None, None


def _step(op: str, value: Any, direction: int) -> Any:
    """The nearest value on the allowed side of a strict comparison."""
    if op in ("<", ">"):
        if isinstance(value, dt.date):
            return value + dt.timedelta(days=direction)
        if isinstance(value, int):
            return value + direction
    return value


def _holds(op: str, a: Any, b: Any) -> bool:
    try:
        return bool({"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b,
                     ">=": a >= b}[op])
    except TypeError:
        return True


def _value(tree: Expr, office: Mapping[str, Any], compiled: CompiledConstraints) -> Any:
    """The value of one side of a comparison, computed by the compiled constraints."""
    return compiled.operand_values(office)[compiled.operands.index(tree)]
