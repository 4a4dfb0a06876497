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
from typing import Any, Literal

from ..compile.codegen import CompiledConstraints
from ..compile.plan import COMPARATOR_FLIP
from ..errors import InputProblem
from ..language.expr import Binary, BoolOp, Compare, Expr, Name
from ..language.expr import Literal as Constant

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

#: which side of a violated ``a <= b`` moves when both may: the fact written on the left (``a``
#: down for ``<=``, up for ``>=``), or whichever makes the larger side larger
Preference = Literal["left", "raise"]


def repair(office: MutableMapping[str, Any], compiled: CompiledConstraints, *,
           fixed: frozenset[str] | set[str] = frozenset(), rounds: int = 4,
           prefer: Preference = "left") -> None:
    """Change ``office`` in place so that its constraints hold, moving as few values as it can.

    Each violated comparison ``a <op> b`` between a fact and an expression is mended by setting
    the fact to the nearest value that satisfies it (``<=``: lower the fact on the left, or raise
    the one on the right; ``==``: set the bare fact to the other side). ``prefer="raise"`` moves
    the larger side up instead of the smaller one down where both may move: what gap analysis
    wants, since the smaller side is usually the value a criterion was solved for (1 resolved
    of 1 mediated stays, the disputes received go up to 1). Comparisons are read from
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
            if not _mend(view, constraint.condition, compiled, fixed, prefer):
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
          fixed: frozenset[str] | set[str], prefer: Preference) -> bool:
    comparisons = _comparisons(tree)
    if not comparisons:
        return False
    mended = False
    # lowering goes right to left, so that a chain a <= b <= c settles b before a; raising goes
    # left to right, so that b is raised before c is compared with it
    for op, left, right in (comparisons if prefer == "raise" else reversed(comparisons)):
        left_value, right_value = _value(left, office, compiled), _value(right, office, compiled)
        if left_value is None or right_value is None or _holds(op, left_value, right_value):
            continue
        if op == "==" and prefer == "raise" and _holds("<", left_value, right_value):
            target, value = _raised_side(left, right_value, office, fixed)
        elif op == "==" and prefer == "raise":
            target, value = _raised_side(right, left_value, office, fixed)
        else:
            target, value = _target(op, left, right, left_value, right_value, fixed, prefer)
            if target is None and op == "==":
                target, value = _solved_term(left, right_value, office, fixed)
                if target is None:
                    target, value = _solved_term(right, left_value, office, fixed)
        if target is None:
            return False
        office[target] = value
        mended = True
    return mended


def _target(op: str, left: Expr, right: Expr, left_value: Any, right_value: Any,
            fixed: frozenset[str] | set[str], prefer: Preference) -> tuple[str | None, Any]:
    left_name = left.name if isinstance(left, Name) and left.name not in fixed else None
    right_name = right.name if isinstance(right, Name) and right.name not in fixed else None
    if op == "==":
        if right_name:
            return right_name, left_value
        return left_name, right_value
    flipped = op in (">=", ">")
    if flipped:  # a >= b is b <= a: the fact written on the left is then the one to raise
        op, left_name, right_name = COMPARATOR_FLIP[op], right_name, left_name
        left_value, right_value = right_value, left_value
    if op not in ("<=", "<"):
        return None, None
    lowered = (left_name, _step(op, right_value, -1)) if left_name else None
    raised = (right_name, _step(op, left_value, +1)) if right_name else None
    first, second = (raised, lowered) if prefer == "raise" or flipped else (lowered, raised)
    return first or second or (None, None)


def _raised_side(side: Expr, value: Any, office: Mapping[str, Any],
                 fixed: frozenset[str] | set[str]) -> tuple[str | None, Any]:
    """The smaller side of a violated ``==`` brought up to ``value``: a bare fact is set to it, a
    sum has one of its free terms raised. Only ever raising, repeated mending cannot cycle."""
    if isinstance(side, Name):
        return (side.name, value) if side.name not in fixed else (None, None)
    return _solved_term(side, value, office, fixed)


def _solved_term(side: Expr, total: Any, office: Mapping[str, Any],
                 fixed: frozenset[str] | set[str]) -> tuple[str | None, Any]:
    """For ``a + b == total`` (or ``a - b``) with one fact free to move and the other known: the
    fact and the value that makes the sum come out (general released = all released - key)."""
    if not (isinstance(side, Binary) and side.op in ("+", "-")
            and isinstance(total, int | float) and not isinstance(total, bool)):
        return None, None
    terms = (side.left, side.right)
    # the last term first: in ``key + general == released`` the broader category gives way
    for index in (1, 0):
        term, other = terms[index], terms[1 - index]
        if not isinstance(term, Name) or term.name in fixed:
            continue
        known = other.value if isinstance(other, Constant) else (
            office.get(other.name) if isinstance(other, Name) else None)
        if not isinstance(known, int | float) or isinstance(known, bool):
            continue
        # a + b == total: the term is total - other; a - b == total: a = total + b, b = a - total
        value = (total - known if side.op == "+"
                 else total + known if index == 0 else known - total)
        if value < 0 <= min(total, known):
            continue  # counts of people cannot go below zero: 50 general of 40 released
        return term.name, value
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
