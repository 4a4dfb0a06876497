"""Partial evaluation over the plan: one version's three-valued value of a node or condition
on an office whose facts are only partly chosen yet."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...compile.codegen import NA, all3, all_of, any3, count3, date3, list3, max3, min3
from ...language import expr as syntax
from ...language.arithmetic import BINARY, neg3
from ...language.visitor import ExprVisitor
from .structure import MISSING, UNSET, Structure

__all__ = ["PartialEvaluator"]

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne}


def _compare(op: str, a: Any, b: Any) -> bool | None:
    """``a op b`` in three-valued logic; values the engine would never compare are unknown."""
    if a is None or b is None:
        return None
    try:
        return bool(_COMPARE[op](a, b))
    except TypeError:
        return None


class PartialEvaluator(ExprVisitor[Any]):
    """Three-valued evaluation of one version on a partial assignment: the compiled semantics
    (the code generator's connectives, the language's arithmetic), with one guard: ``if_known``
    of a fact not yet assigned is unknown, not its default, so that a value once known stays
    known whatever the facts still unassigned become."""

    def __init__(self, structure: Structure, values: Mapping[str, Any],
                 shared_cache: bool = True) -> None:
        self.s = structure
        self.values = values
        self.memo: dict[str, Any] = {}
        self.shared_cache = shared_cache  # off when some node values are set by hand
        self.scope: dict[str, Any] = {}  # quantifier variables in force

    @classmethod
    def with_nodes(cls, structure: Structure, values: Mapping[str, Any], refs: Sequence[str],
                   chosen: Sequence[Any]) -> PartialEvaluator:
        """An evaluator in which the nodes ``refs`` have the values ``chosen``, whatever their
        own inputs (exhaustive reasoning treats what a node reads as free)."""
        evaluator = cls(structure, values, shared_cache=False)
        evaluator.memo.update(zip(refs, chosen, strict=True))
        return evaluator

    def fact(self, name: str) -> Any:
        value = self.values.get(name, UNSET)
        return None if value is UNSET or value is MISSING else value

    def assigned(self, expr: syntax.Expr) -> bool:
        return all(f in self.values for n in syntax.names_in(expr) for f in self.s.facts_of(n))

    def node(self, node_id: str) -> Any:
        """The raw value of a node (``NA`` for a criterion that does not apply)."""
        if node_id in self.memo:
            return self.memo[node_id]
        # a node's value depends only on the facts it reads, directly or not: remember it per
        # assignment of those (the solver asks the same big nodes again at every step)
        if not self.shared_cache:
            value = self._node(node_id)
            self.memo[node_id] = value
            return value
        key = (node_id, tuple(self.values.get(f, UNSET) for f in self.s.inputs(node_id)))
        seen = self.s.values_seen
        if key in seen:
            self.memo[node_id] = seen[key]
            return seen[key]
        value = self._node(node_id)
        if len(seen) > 200_000:
            seen.clear()
        seen[key] = value
        return value

    def _node(self, node_id: str) -> Any:
        node = self.s.nodes[node_id]
        value: Any
        if node.kind in ("standard", "group"):
            value = all_of(self.node(c) for c in node.children)
        elif node.kind == "criterion" and node.applies_if is not None:
            assert node.condition is not None
            applies = self.expr(node.applies_if)
            condition = self.expr(node.condition)
            if applies is False:
                value = NA
            elif applies is True:
                value = condition
            else:
                value = True if condition is True else None
        else:
            assert node.condition is not None
            value = self.expr(node.condition)
        self.memo[node_id] = value
        return value

    def view(self, node_id: str) -> Any:
        value = self.node(node_id)
        return True if value is NA else value

    def expr(self, e: syntax.Expr) -> Any:
        """The value of a condition or formula, outside any quantifier (a rule or derived value
        read inside a quantifier's body is evaluated on its own, then the body goes on)."""
        outer, self.scope = self.scope, {}
        try:
            return self.visit(e)
        finally:
            self.scope = outer

    # -- the visitor: one method per node kind
    def visit_Literal(self, e: syntax.Literal) -> Any:
        return e.value

    def visit_ListExpr(self, e: syntax.ListExpr) -> Any:
        return list3(tuple(self.visit(i) for i in e.items))

    def visit_Name(self, e: syntax.Name) -> Any:
        name, s = e.name, self.s
        if name in self.scope:
            return self.scope[name]
        if name in s.options:
            return s.options[name]
        if name in s.facts:
            return self.fact(name)
        if name in s.derived:
            key = "D:" + name
            if key not in self.memo:
                self.memo[key] = self.expr(s.derived[name].expr)
            return self.memo[key]
        return self.view(name)

    def visit_Unary(self, e: syntax.Unary) -> Any:
        inner = self.visit(e.operand)
        if e.op == "not":
            return None if inner is None else not inner
        return neg3(inner)

    def visit_Binary(self, e: syntax.Binary) -> Any:
        return BINARY[e.op](self.visit(e.left), self.visit(e.right))

    def visit_Compare(self, e: syntax.Compare) -> Any:
        compared = [self.visit(o) for o in e.operands]
        return all3(_compare(op, a, b)
                    for op, a, b in zip(e.ops, compared, compared[1:], strict=False))

    def visit_Membership(self, e: syntax.Membership) -> Any:
        a, b = self.visit(e.item), self.visit(e.container)
        if a is None or b is None:
            return None
        return (a not in b) if e.negated else (a in b)

    def visit_BoolOp(self, e: syntax.BoolOp) -> Any:
        connective = all3 if e.op == "and" else any3
        return connective(self.visit(o) for o in e.operands)

    def visit_Implies(self, e: syntax.Implies) -> Any:
        a = self.visit(e.left)
        return any3((None if a is None else not a, self.visit(e.right)))

    def visit_Quantifier(self, e: syntax.Quantifier) -> Any:
        items = self.visit(e.iterable)
        if items is None:
            return None
        outer = self.scope
        each = []
        for item in items:
            self.scope = {**outer, e.var: item}
            each.append(self.visit(e.body))
        self.scope = outer
        helper = {"all": all3, "any": any3, "count": count3}[e.kind]
        return helper(each)

    def visit_Call(self, e: syntax.Call) -> Any:
        func, args = e.func, e.args
        if func == "date" and len(args) == 1 and isinstance(args[0], syntax.Literal):
            return dt.date.fromisoformat(str(args[0].value))
        if func == "if_known":
            value = self.visit(args[0])
            if value is not None:
                return value
            return self.visit(args[1]) if self.assigned(args[0]) else None
        values = [self.visit(a) for a in args]
        if func == "date":
            return date3(*values)
        if func == "min":
            return min3(*values)
        if func == "max":
            return max3(*values)
        if any(v is None for v in values):
            return None
        if func in ("year", "month", "day"):
            return getattr(values[0], func)
        if func == "abs":
            return abs(values[0])
        if func == "count":
            return len(values[0])
        raise TypeError(f"unknown function {func}")  # pragma: no cover

    def generic_visit(self, e: syntax.Expr) -> Any:  # pragma: no cover - every kind is above
        raise TypeError(f"cannot evaluate {e!r}")

