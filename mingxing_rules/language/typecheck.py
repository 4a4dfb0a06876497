"""Static types of condition expressions, and the type checker.

The checker walks a parsed condition against the ruleset's symbol table (facts, options, derived
values, rule ids) and yields problems as ``(code, message, token)`` — it does not know where it is;
the validator adds the location (the jsonschema way: leaf checks are location-free).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from .expr import (
    LIMITS,
    Binary,
    BoolOp,
    Call,
    Compare,
    Expr,
    Implies,
    ListExpr,
    Literal,
    Membership,
    Name,
    Quantifier,
    Unary,
    to_text,
)
from .visitor import ConstantTooLargeError, ExprVisitor, NotConstantError, constant_value

__all__ = ["FUNCTIONS", "Symbol", "Ty", "TypeProblem", "check", "suggest"]


@attrs.frozen
class Ty:
    """``kind`` is number | boolean | string | date | set | list | text | any."""

    kind: str
    item: Ty | None = None  # element type of a list or set
    values: frozenset[str] | None = None  # allowed strings (enum facts, sets of enum)

    def __str__(self) -> str:
        if self.kind == "list" and self.item is not None:
            return f"list of {self.item}"
        if self.kind == "set":
            return "set"
        if self.values is not None:
            return "enum"
        return self.kind


NUMBER = Ty("number")
BOOLEAN = Ty("boolean")
STRING = Ty("string")
DATE = Ty("date")
ANY = Ty("any")


@attrs.frozen
class Symbol:
    """A name a condition may read: ``kind`` is fact | option | derived | node | variable."""

    name: str
    kind: str
    ty: Ty
    constant: Any = None  # options: the value folded in


@attrs.frozen
class TypeProblem:
    code: str
    message: str
    token: str | None
    pos: int


FUNCTIONS = {
    "date": "date('YYYY-MM-DD') or date(year, month, day)",
    "year": "year(date)",
    "month": "month(date)",
    "day": "day(date)",
    "min": "min(number, number, ...)",
    "max": "max(number, number, ...)",
    "abs": "abs(number)",
    "count": "count(set or list), or count(condition for x in set or list)",
    "all": "all(condition for x in set or list)",
    "any": "any(condition for x in set or list)",
    "if_known": "if_known(value, default)",
}


def suggest(name: str, candidates: Any) -> str | None:
    """The nearest candidate name, for 'did you mean ...?' hints."""
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.7)
    return found[0] if found else None


def _compatible(a: Ty, b: Ty) -> bool:
    if ANY in (a, b):
        return True
    return a.kind == b.kind


MAX_LOOP_WORK = 10_000  # item combinations nested quantifiers may test for one office


class _Checker(ExprVisitor[Ty]):
    """Infers the type of every node (``visit`` returns it) and collects the problems found."""

    def __init__(self, symbols: Mapping[str, Symbol]) -> None:
        self.symbols = symbols
        self.problems: list[TypeProblem] = []
        self.loop_work = 1  # product of the sizes of the enclosing quantifiers' collections
        self.scope: dict[str, Ty] = {}  # quantifier variables in scope

    def check_constant(self, node: Binary) -> None:
        """E208 for a constant arithmetic sub-expression beyond the bound or without a value,
        folded by the one constant folder (options are folded at compile time)."""
        try:
            value = constant_value(node, {})
        except NotConstantError:
            return
        except ConstantTooLargeError:
            self.report("E208", "constant expression is too large (beyond 10**30)", node,
                        to_text_short(node))
            return
        if value is not None:
            return
        if node.op == "/":
            self.report("E208", "a constant expression divides by zero", node)
        elif node.op == "**" and _literal_number(node.left) == 0:
            self.report("E208", "0 ** a negative number has no value", node)
        else:
            self.report("E208", "a constant expression has no real value", node)

    def report(self, code: str, message: str, node: Expr, token: str | None = None) -> Ty:
        self.problems.append(TypeProblem(code, message, token, node.pos))
        return ANY

    def expect(self, node: Expr, ty: Ty, what: str) -> Ty:
        found = self.visit(node)
        if ANY not in (found, ty) and found.kind != ty.kind:
            self.report("E202", f"{what} must be {ty.kind}, but {_describe(node)} is {found}",
                        node, _token(node))
        return found

    def generic_visit(self, node: Expr) -> Ty:  # pragma: no cover - every kind is handled
        return ANY

    def visit_Literal(self, node: Literal) -> Ty:
        if isinstance(node.value, bool):
            return BOOLEAN
        if isinstance(node.value, str):
            return STRING
        return NUMBER

    def visit_ListExpr(self, node: ListExpr) -> Ty:
        if not node.items:
            return Ty("list", ANY)
        first = self.visit(node.items[0])
        for item in node.items[1:]:
            other = self.visit(item)
            if not _compatible(first, other):
                self.report("E202", f"list items must all be {first}, found {other}", item)
        return Ty("list", first)

    def visit_Name(self, node: Name) -> Ty:
        name = node.name
        if name in self.scope:
            return self.scope[name]
        symbol = self.symbols.get(name)
        if symbol is None:
            hint = suggest(name, [*self.symbols, *self.scope])
            extra = f" (did you mean {hint!r}?)" if hint else ""
            return self.report("E201", f"unknown name {name!r}{extra}", node, name)
        if symbol.ty.kind == "text":
            return self.report("E202", f"{name!r} is a text fact and cannot be used in a "
                               "condition", node, name)
        return symbol.ty

    def visit_Unary(self, node: Unary) -> Ty:
        if node.op == "not":
            self.expect(node.operand, BOOLEAN, "the operand of 'not'")
            return BOOLEAN
        self.expect(node.operand, NUMBER, "the operand of '-'")
        return NUMBER

    def visit_Binary(self, node: Binary) -> Ty:
        left_ty = self.visit(node.left)
        right_ty = self.visit(node.right)
        for side, ty in ((node.left, left_ty), (node.right, right_ty)):
            if ty != ANY and ty.kind != "number":
                self.report("E202", f"{node.op!r} needs numbers, but {_describe(side)} is {ty}",
                            side, _token(side))
        if node.op == "**":
            self.check_exponent(node.right)
        if not self.problems:
            self.check_constant(node)
        return NUMBER

    def visit_Compare(self, node: Compare) -> Ty:
        types = [self.visit(o) for o in node.operands]
        for op, (a, b), (na, nb) in zip(
            node.ops, itertools.pairwise(types), itertools.pairwise(node.operands), strict=True
        ):
            self.check_comparison(op, a, b, na, nb)
        return BOOLEAN

    def visit_Membership(self, node: Membership) -> Ty:
        item, container = node.item, node.container
        item_ty = self.visit(item)
        container_ty = self.visit(container)
        if container_ty != ANY and container_ty.kind not in ("set", "list"):
            self.report("E202", f"'in' needs a set or list on the right, but "
                        f"{_describe(container)} is {container_ty}", container,
                        _token(container))
        elif container_ty.item is not None and not _compatible(item_ty, container_ty.item):
            self.report("E202", f"{_describe(item)} is {item_ty} but "
                        f"{_describe(container)} holds {container_ty.item}", item)
        self.check_enum_literal(item, container_ty.values)
        return BOOLEAN

    def visit_BoolOp(self, node: BoolOp) -> Ty:
        for operand in node.operands:
            self.expect(operand, BOOLEAN, f"each operand of {node.op!r}")
        return BOOLEAN

    def visit_Implies(self, node: Implies) -> Ty:
        self.expect(node.left, BOOLEAN, "the left side of '->'")
        self.expect(node.right, BOOLEAN, "the right side of '->'")
        return BOOLEAN

    def visit_Quantifier(self, node: Quantifier) -> Ty:
        kind, var, iterable = node.kind, node.var, node.iterable
        if kind not in ("all", "any", "count"):
            return self.report("E203", f"{kind}(... for ... in ...) is not a quantifier; "
                               "use all, any or count", node, kind)
        iter_ty = self.visit(iterable)
        if iter_ty != ANY and iter_ty.kind not in ("set", "list"):
            self.report("E202", f"{kind}() iterates over a set or list, but "
                        f"{_describe(iterable)} is {iter_ty}", iterable, _token(iterable))
        if var in self.symbols:
            self.report("E204", f"quantifier variable {var!r} hides a ruleset name", node, var)
        item_ty = iter_ty.item if iter_ty.item is not None else ANY
        if iter_ty.kind == "set":
            item_ty = Ty("string", values=iter_ty.values)
        size = (len(iterable.items) if isinstance(iterable, ListExpr)
                else len(iter_ty.values) if iter_ty.values is not None
                else LIMITS.max_list)
        outer, outer_scope = self.loop_work, self.scope
        self.loop_work = outer * max(size, 1)
        if self.loop_work > MAX_LOOP_WORK >= outer:
            self.report("E209", f"nested quantifiers would test {self.loop_work} "
                        f"combinations for each office; the limit is {MAX_LOOP_WORK}", node, kind)
        self.scope = {**outer_scope, var: item_ty}
        try:
            self.expect(node.body, BOOLEAN, f"the condition in {kind}()")
        finally:
            self.loop_work, self.scope = outer, outer_scope
        return NUMBER if kind == "count" else BOOLEAN

    def visit_Call(self, node: Call) -> Ty:
        return self.call(node, node.func, node.args)

    def call(self, node: Expr, func: str, args: tuple[Expr, ...]) -> Ty:
        if func not in FUNCTIONS or func in ("all", "any"):
            if func in ("all", "any"):
                return self.report("E203", f"{func}() takes 'condition for x in collection'",
                                   node, func)
            hint = suggest(func, FUNCTIONS)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            return self.report("E203", f"unknown function {func!r}{extra}; allowed: "
                               + ", ".join(sorted(FUNCTIONS)), node, func)
        usage = FUNCTIONS[func]

        def arity(*allowed: int) -> bool:
            if len(args) in allowed:
                return True
            self.report("E203", f"wrong number of arguments to {func}(): use {usage}", node, func)
            return False

        if func == "date":
            if len(args) == 1:
                arg = args[0]
                if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
                    self.report("E203", "date() takes a literal 'YYYY-MM-DD' string", node, func)
                else:
                    try:
                        dt.date.fromisoformat(arg.value)
                    except ValueError:
                        self.report("E205", f"{arg.value!r} is not a date in YYYY-MM-DD form",
                                    arg, arg.value)
            elif arity(3):
                for arg in args:
                    self.expect(arg, NUMBER, "each argument of date(y, m, d)")
            return DATE
        if func in ("year", "month", "day"):
            if arity(1):
                self.expect(args[0], DATE, f"the argument of {func}()")
            return NUMBER
        if func in ("min", "max"):
            if not args:
                self.report("E203", f"{func}() needs at least one argument", node, func)
            for arg in args:
                self.expect(arg, NUMBER, f"each argument of {func}()")
            return NUMBER
        if func == "abs":
            if arity(1):
                self.expect(args[0], NUMBER, "the argument of abs()")
            return NUMBER
        if func == "count":
            if arity(1):
                ty = self.visit(args[0])
                if ty != ANY and ty.kind not in ("set", "list"):
                    self.report("E202", f"count() takes a set or list, but {_describe(args[0])} "
                                f"is {ty}", args[0], _token(args[0]))
            return NUMBER
        if func == "if_known":
            if arity(2):
                first = self.visit(args[0])
                second = self.visit(args[1])
                if not isinstance(args[1], Literal):
                    self.report("E203", "the default of if_known() must be a literal", args[1])
                if not _compatible(first, second):
                    self.report("E202", f"if_known() default is {second} but the value is {first}",
                                args[1])
                return first
            return ANY
        return ANY  # pragma: no cover

    def check_comparison(self, op: str, a: Ty, b: Ty, left: Expr, right: Expr) -> None:
        if not _compatible(a, b):
            self.report("E202", f"cannot compare {_describe(left)} ({a}) with {_describe(right)} "
                        f"({b})", right, _token(right))
            return
        kind = a.kind if a != ANY else b.kind
        if op not in ("==", "!=") and kind in ("boolean", "string", "set", "list"):
            self.report("E202", f"{op!r} does not order {kind} values; use == or !=", right,
                        _token(right))
        if kind in ("set", "list"):
            self.report("E202", f"{kind} values cannot be compared with {op!r}; use 'in', all(), "
                        "any() or count()", right, _token(right))
        self.check_enum_literal(right, a.values)
        self.check_enum_literal(left, b.values)

    def check_enum_literal(self, node: Expr, allowed: frozenset[str] | None) -> None:
        if allowed is None:
            return
        literals = node.items if isinstance(node, ListExpr) else (node,)
        for item in literals:
            if isinstance(item, Literal) and isinstance(item.value, str) and (
                item.value not in allowed
            ):
                hint = suggest(item.value, allowed)
                extra = f" (did you mean {hint!r}?)" if hint else ""
                self.report("E206", f"{item.value!r} is not one of the allowed values "
                            f"{sorted(allowed)}{extra}", item, item.value)

    def check_exponent(self, exponent: Expr) -> None:
        value = _literal_number(exponent)
        if value is None or not float(value).is_integer():
            self.report("E207", "the exponent of ** must be an integer literal", exponent,
                        _token(exponent))
        elif abs(value) > LIMITS.max_exponent:
            self.report("E207", f"exponent {value} is larger than the limit "
                        f"{LIMITS.max_exponent}", exponent, str(value))


def _literal_number(node: Expr) -> float | None:
    if isinstance(node, Literal) and isinstance(node.value, int | float) and not isinstance(
        node.value, bool
    ):
        return node.value
    if isinstance(node, Unary) and node.op == "-":
        inner = _literal_number(node.operand)
        return None if inner is None else -inner
    return None


def to_text_short(node: Expr) -> str:
    text = to_text(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(node: Expr) -> str:
    text = to_text(node)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _token(node: Expr) -> str | None:
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Literal):
        return str(node.value)
    return None


def check(node: Expr, symbols: Mapping[str, Symbol], want: Ty = BOOLEAN) -> Iterator[TypeProblem]:
    """Type-check one condition; yields every problem found."""
    checker = _Checker(symbols)
    found = checker.visit(node)
    if ANY not in (found, want) and found.kind != want.kind and not checker.problems:
        checker.report("E202", f"the condition must be {want.kind}, but it is {found}", node,
                       _token(node))
    yield from checker.problems


def infer(node: Expr, symbols: Mapping[str, Symbol]) -> Ty:
    """The type of an expression (``any`` where it is ill-typed)."""
    return _Checker(symbols).visit(node)
