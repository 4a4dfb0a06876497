"""One way to walk a condition's syntax tree, and one constant folder.

Every stage that reads conditions (type checking, compiling, the plan's threshold extraction,
lint, the durable translator, proofs) walks the tree through :class:`ExprVisitor`: a method
``visit_<NodeClass>`` per node kind, :meth:`ExprVisitor.generic_visit` for the rest (the model
is Jinja's ``visitor.NodeVisitor``). Constants — literals, options, ``date('2013-01-01')``,
lists of constants and arithmetic on them — are folded by :func:`constant_value` alone (the model
is Jinja's ``nodes.as_const``), with the same arithmetic as evaluation (:mod:`.arithmetic`).

>>> from mingxing_rules.language.expr import parse
>>> constant_value(parse("96 / 100"), {})
0.96
>>> constant_value(parse("min_staff + 1"), {"min_staff": 7})
8
>>> constant_value(parse("floor_area_m2 + 1"), {})
Traceback (most recent call last):
...
mingxing_rules.language.visitor.NotConstantError: floor_area_m2 is not a constant
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from .arithmetic import BINARY, ConstantTooLargeError, check_constant, check_power
from .expr import (
    Binary,
    Call,
    Expr,
    ListExpr,
    Literal,
    Name,
    Unary,
    children,
)
from .expr import iter_nodes as walk

__all__ = [
    "ConstantTooLargeError",
    "ExprVisitor",
    "NotConstantError",
    "children",
    "constant_value",
    "is_constant",
    "walk",
]

R = TypeVar("R")


class ExprVisitor(Generic[R]):
    """Dispatches ``visit(node)`` to ``visit_<ClassName>(node)``.

    Subclasses implement the methods for the node kinds they care about; every other kind goes
    to :meth:`generic_visit`, which by default visits the children and returns ``None`` — so a
    visitor that only collects (names, thresholds) needs one or two methods.
    """

    def visit(self, node: Expr) -> R:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            return self.generic_visit(node)
        result: R = method(node)
        return result

    def generic_visit(self, node: Expr) -> R:
        for child in children(node):
            self.visit(child)
        return None  # type: ignore[return-value]  # collecting visitors return nothing


class NotConstantError(ValueError):
    """The expression reads a fact, a derived value, a rule or a quantifier variable."""


def constant_value(node: Expr, options: Mapping[str, Any]) -> Any:
    """The value of a constant expression, with ``options`` folded in.

    Raises :class:`NotConstantError` for anything that depends on an office, and
    :class:`ConstantTooLargeError` for arithmetic beyond the documented constant bound.
    Lists fold to tuples; ``date('2013-01-01')`` to a :class:`datetime.date`.
    """
    return _Folder(options).visit(node)


def is_constant(node: Expr, options: Mapping[str, Any]) -> bool:
    """Whether :func:`constant_value` can fold ``node`` (a too-large constant still counts)."""
    try:
        constant_value(node, options)
    except NotConstantError:
        return False
    except ConstantTooLargeError:
        return True
    return True


class _Folder(ExprVisitor[Any]):
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options

    def generic_visit(self, node: Expr) -> Any:
        raise NotConstantError(f"{type(node).__name__} is not a constant")

    def visit_Literal(self, node: Literal) -> Any:
        return node.value

    def visit_Name(self, node: Name) -> Any:
        if node.name in self.options:
            return self.options[node.name]
        raise NotConstantError(f"{node.name} is not a constant")

    def visit_ListExpr(self, node: ListExpr) -> Any:
        return tuple(self.visit(item) for item in node.items)

    def visit_Unary(self, node: Unary) -> Any:
        value = self.visit(node.operand)
        if node.op == "not":
            return None if value is None else not value
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            raise NotConstantError("negation of a non-number")
        return -value

    def visit_Binary(self, node: Binary) -> Any:
        left, right = self.visit(node.left), self.visit(node.right)
        for value in (left, right):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise NotConstantError("arithmetic on a non-number")
        if node.op == "**":
            check_power(left, right)
        result = BINARY[node.op](left, right)
        check_constant(node.op, result)
        return result

    def visit_Call(self, node: Call) -> Any:
        if node.func == "date" and len(node.args) == 1 and isinstance(node.args[0], Literal):
            return dt.date.fromisoformat(str(node.args[0].value))
        raise NotConstantError(f"{node.func}() is not folded")
