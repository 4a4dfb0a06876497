"""The pre-pass: a small three-valued evaluator, independent of the native compiler.

What durable_rules cannot compute runs here, in plain Python, before the office is asserted:
derived values (the engine has no arithmetic on the left of a comparison, and its integer
``$div`` truncates or kills the process) and the sub-expressions the translation cannot express.
Each expression is compiled once into a closure over ``env`` (facts and derived values by name).

The three-valued helpers and the arithmetic below are written again on purpose, from the
documented semantics (docs/ruleset-format.md, docs/limits.md), not imported from
:mod:`mingxing_rules.language.arithmetic` or the compiled code's helpers: the verified backend
compares this evaluator with the native one, and a shared helper would hide a bug in both. Only
the walking of the syntax tree is shared (:class:`~mingxing_rules.language.visitor.ExprVisitor`).

>>> from mingxing_rules.language.expr import parse
>>> prepass = PrePass({}, facts=["received", "resolved"], derived=[])
>>> rate = prepass.compile(parse("resolved / received"))
>>> rate({"received": 20, "resolved": 19}), rate({"received": 0, "resolved": 0}), rate({})
(0.95, None, None)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ...language import expr as syntax
from ...language.visitor import ExprVisitor
from .problems import UnsupportedError

__all__ = ["Getter", "PrePass", "compare3"]

Getter = Callable[[dict[str, Any]], Any]

_LARGEST = float(2**128)  # docs/limits.md: a derived value beyond 2**128 is unknown


def _all3(values: Iterable[Any]) -> bool | None:
    seen = [v for v in values]
    if any(v is False for v in seen):
        return False
    return None if any(v is None for v in seen) else True


def _any3(values: Iterable[Any]) -> bool | None:
    seen = [v for v in values]
    if any(v is True for v in seen):
        return True
    return None if any(v is None for v in seen) else False


def _count3(values: Iterable[Any]) -> int | None:
    seen = list(values)
    return None if any(v is None for v in seen) else sum(1 for v in seen if v is True)


def _date3(year: Any, month: Any, day: Any) -> dt.date | None:
    if None in (year, month, day):
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None


def compare3(op: str, left: Any, right: Any) -> bool | None:
    """``left op right``, unknown when either side is."""
    if left is None or right is None:
        return None
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "==":
        return bool(left == right)
    return bool(left != right)


def _arith(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    if op == "/" and right == 0:
        return None
    if op == "**" and isinstance(right, int) and abs(right) > 4096 and abs(left) > 1:
        return None
    try:
        if op == "+":
            result = left + right
        elif op == "-":
            result = left - right
        elif op == "*":
            result = left * right
        elif op == "/":
            result = left / right
        else:
            result = left**right
    except (OverflowError, ZeroDivisionError):
        return None
    if isinstance(result, complex) or (isinstance(result, float) and math.isnan(result)):
        return None
    return result if abs(result) <= _LARGEST else None


class PrePass(ExprVisitor[Getter]):
    """Compiles expressions into closures over ``env`` (facts and derived values by name).

    The semantics mirror the condition language (docs/ruleset-format.md): Kleene logic, unknown
    operands make unknown results, ``x / 0`` is unknown. It is a second implementation on
    purpose: the verified backend compares it with the native compiler.
    """

    def __init__(self, options: Mapping[str, Any], facts: Iterable[str], derived: Iterable[str]
                 ) -> None:
        self.options = options
        self.readable = set(facts) | set(derived)
        self.scope: frozenset[str] = frozenset()  # quantifier variables, read from ``env``

    def compile(self, node: syntax.Expr, scope: frozenset[str] = frozenset()) -> Getter:
        """A closure computing ``node``; the names in ``scope`` are read from ``env`` too."""
        outer, self.scope = self.scope, scope
        try:
            return self.visit(node)
        finally:
            self.scope = outer

    def generic_visit(self, node: syntax.Expr) -> Getter:  # pragma: no cover - no such kind
        raise UnsupportedError(f"cannot evaluate {syntax.to_text(node)!r}")

    def visit_Literal(self, node: syntax.Literal) -> Getter:
        value = node.value
        return lambda env: value

    def visit_ListExpr(self, node: syntax.ListExpr) -> Getter:
        parts = [self.visit(i) for i in node.items]

        def listed(env: dict[str, Any]) -> Any:
            values = tuple(p(env) for p in parts)
            return None if any(v is None for v in values) else values

        return listed

    def visit_Name(self, node: syntax.Name) -> Getter:
        name = node.name
        if name in self.scope:
            return lambda env: env[name]
        if name in self.options:
            constant = self.options[name]
            return lambda env: constant
        if name in self.readable:
            return lambda env: env.get(name)
        raise UnsupportedError(f"{name!r} is a rule outcome, which the pre-pass cannot "
                               "read (it is decided inside the Rete network)")

    def visit_Unary(self, node: syntax.Unary) -> Getter:
        inner = self.visit(node.operand)
        if node.op == "not":

            def logical_not(env: dict[str, Any]) -> Any:
                value = inner(env)
                return None if value is None else not value

            return logical_not

        def minus(env: dict[str, Any]) -> Any:
            value = inner(env)
            return None if value is None else -value

        return minus

    def visit_Binary(self, node: syntax.Binary) -> Getter:
        op = node.op
        lhs, rhs = self.visit(node.left), self.visit(node.right)
        return lambda env: _arith(op, lhs(env), rhs(env))

    def visit_Compare(self, node: syntax.Compare) -> Getter:
        ops = node.ops
        parts = [self.visit(o) for o in node.operands]

        def compared(env: dict[str, Any]) -> Any:
            values = [p(env) for p in parts]
            return _all3(compare3(op, a, b) for op, a, b in
                         zip(ops, values, values[1:], strict=False))

        return compared

    def visit_Membership(self, node: syntax.Membership) -> Getter:
        outside = node.negated
        get_item, get_container = self.visit(node.item), self.visit(node.container)

        def member(env: dict[str, Any]) -> Any:
            value, values = get_item(env), get_container(env)
            if value is None or values is None:
                return None
            return (value not in values) if outside else (value in values)

        return member

    def visit_BoolOp(self, node: syntax.BoolOp) -> Getter:
        parts = [self.visit(o) for o in node.operands]
        if node.op == "and":
            return lambda env: _all3(p(env) for p in parts)
        return lambda env: _any3(p(env) for p in parts)

    def visit_Implies(self, node: syntax.Implies) -> Getter:
        premise, conclusion = self.visit(node.left), self.visit(node.right)

        def implies(env: dict[str, Any]) -> Any:
            first = premise(env)
            return _any3((None if first is None else not first, conclusion(env)))

        return implies

    def visit_Quantifier(self, node: syntax.Quantifier) -> Getter:
        var = node.var
        get_items = self.visit(node.iterable)
        get_body = self.compile(node.body, self.scope | {var})
        helper = {"all": _all3, "any": _any3, "count": _count3}[node.kind]

        def quantified(env: dict[str, Any]) -> Any:
            items = get_items(env)
            if items is None:
                return None
            inner = dict(env)
            results = []
            for value in items:
                inner[var] = value
                results.append(get_body(inner))
            return helper(results)

        return quantified

    def visit_Call(self, node: syntax.Call) -> Getter:
        func, args = node.func, node.args
        if func == "date" and len(args) == 1 and isinstance(args[0], syntax.Literal):
            constant = dt.date.fromisoformat(args[0].value)
            return lambda env: constant
        parts = [self.visit(a) for a in args]
        if func == "date":
            year, month, day = parts
            return lambda env: _date3(year(env), month(env), day(env))
        if func in ("year", "month", "day"):
            inner = parts[0]

            def component(env: dict[str, Any]) -> Any:
                value = inner(env)
                return None if value is None else getattr(value, func)

            return component
        if func in ("min", "max"):
            pick = min if func == "min" else max

            def extreme(env: dict[str, Any]) -> Any:
                values = [p(env) for p in parts]
                return None if any(v is None for v in values) else pick(values)

            return extreme
        if func == "abs":
            inner = parts[0]
            return lambda env: None if (v := inner(env)) is None else abs(v)
        if func == "count":
            inner = parts[0]
            return lambda env: None if (v := inner(env)) is None else len(v)
        if func == "if_known":
            value, default = parts
            return lambda env: default(env) if (v := value(env)) is None else v
        raise UnsupportedError(f"unknown function {func}()")  # pragma: no cover
