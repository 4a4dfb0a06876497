"""Compile a ruleset's plan into Polars expressions (the columnar engine).

Every condition tree is translated by one :class:`~mingxing_rules.language.visitor.ExprVisitor`
(:class:`_PolarsGen`, one ``visit_<Class>`` per node kind); constants, options included, are
folded by :func:`~mingxing_rules.language.visitor.constant_value` alone. The semantics are the
native
compiler's (:mod:`mingxing_rules.compile.codegen`), column by column:

* a null is *unknown*: Polars' ``&`` / ``|`` / ``all_horizontal`` / ``any_horizontal`` on nullable
  booleans are Kleene, a comparison with a null is null, ``x / 0`` is null, and every arithmetic
  result that is not finite or beyond 2**128 is null (:mod:`mingxing_rules.language.arithmetic`);
* a criterion whose ``applies_if`` is false is *not applicable*: a flag column of its own, and the
  criterion counts as met where it is read (a standard whose children are all not applicable is
  itself not applicable, like ``_all_of``);
* outcomes are first-match: an unknown outcome before the first true one gives ``UNDECIDED``.

Node values live in internal columns (``__v.<id>`` the boolean view, ``__na.<id>`` the not
applicable flag, ``__d.<name>`` a derived value); :func:`output_columns` turns them into the
public ``status.<id>`` / ``value.<name>`` columns.

Known differences (documented in docs/columnar.md): integer ``+ - *`` results beyond 2**62 are
unknown here (2**128 natively), and ``**`` is computed in floating point (exact below 2**53).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import polars as pl

from ..compile.plan import Plan, PlanNode
from ..engine.trace import Status
from ..errors import EvaluationError
from ..language.arithmetic import MAX_MAGNITUDE, ConstantTooLargeError
from ..language.expr import (
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
)
from ..language.visitor import ExprVisitor, NotConstantError, constant_value
from ..ruleset.model import ConstraintSpec, FactSpec

__all__ = [
    "STATUS_DTYPE",
    "ColumnarPlan",
    "UnsupportedConditionError",
    "compile_plan",
    "fact_dtype",
    "office_dtype",
    "office_schema",
    "status_column",
    "value_column",
    "value_expr",
]

#: The four statuses of a step, as a Polars enum (the values of :class:`~mingxing_rules.Status`).
STATUS_DTYPE = pl.Enum([s.value for s in Status])
UNDECIDED = "UNDECIDED"
_STATUS = {s: pl.lit(s.value, dtype=STATUS_DTYPE) for s in Status}
#: Integer ``+ - *`` in Int64: results beyond this are unknown (natively the bound is 2**128).
MAX_INT_RESULT = 2**62

_NOTHING = object()


class UnsupportedConditionError(EvaluationError):
    """A condition uses a construct the columnar engine cannot express (e.g. a quantifier over a
    set whose values are not declared). Use the per-office engine for that ruleset."""


def status_column(node_id: str) -> str:
    return f"status.{node_id}"


def value_column(name: str) -> str:
    return f"value.{name}"


def _view(node_id: str) -> str:
    return f"__v.{node_id}"


def _na(node_id: str) -> str:
    return f"__na.{node_id}"


def _derived(name: str) -> str:
    return f"__d.{name}"


def mask_column(name: str) -> str:
    """The bits column of a set fact (see :func:`set_mask`)."""
    return f"__m.{name}"


#: Sets with more declared values than this are read as lists, not bits.
MAX_MASK_VALUES = 63


def set_mask(items: pl.Expr, values: Sequence[str]) -> pl.Expr:
    """A list column of declared ``values`` as a UInt64 of bits (value i is bit i): membership
    becomes one AND, much faster than searching each list."""
    as_enum = items.cast(pl.List(pl.Enum(list(values))), strict=False)
    bits = as_enum.list.unique().list.eval(
        pl.lit(2, dtype=pl.UInt64()).pow(pl.element().to_physical().cast(pl.UInt64)))
    return pl.when(items.is_not_null()).then(bits.list.sum().cast(pl.UInt64))


def fact_dtype(fact: FactSpec) -> pl.DataType:
    """The column type a fact is normalised to before evaluation."""
    kinds: dict[str, pl.DataType] = {
        "number": pl.Float64(), "integer": pl.Int64(), "boolean": pl.Boolean(),
        "finding": pl.Boolean(), "enum": pl.String(), "set": pl.List(pl.String()),
        "date": pl.Date(), "text": pl.String(),
    }
    return kinds.get(fact.type, pl.String())


def office_dtype(fact: FactSpec) -> pl.DataType:
    """The best column type to *store* a fact in (Parquet files, generated populations): as
    :func:`fact_dtype`, but an enum fact is a Polars ``Enum`` of its declared values and a set
    fact a list of that ``Enum``. Such a column needs no check of its values and its set bits
    are read from the item codes, without looking at any text (text columns work too, at the
    cost of one look-up per item)."""
    if fact.type == "enum" and fact.value_ids:
        return pl.Enum(list(fact.value_ids))
    if fact.type == "set" and fact.value_ids:
        return pl.List(pl.Enum(list(fact.value_ids)))
    return fact_dtype(fact)


def office_schema(ruleset: Any) -> dict[str, pl.DataType]:
    """``{fact: office_dtype}`` for every fact of ``ruleset`` (a
    :class:`~mingxing_rules.ruleset.load.Ruleset`), plus ``id``, ``name`` and ``county`` as
    text: cast a frame to it once (``frame.cast(office_schema(star), strict=False)`` turns
    undeclared values into nulls, so prefer casting the columns you know are clean) or give
    it to the Parquet writer of your pipeline.

    >>> from mingxing_rules import load_ruleset
    >>> office_schema(load_ruleset("star-judicial-office"))["office_kind"]
    Enum(categories=['township', 'street', 'other'])
    """
    schema: dict[str, pl.DataType] = {"id": pl.String(), "name": pl.String(),
                                      "county": pl.String()}
    for fact in ruleset.spec.facts:
        schema[fact.name] = office_dtype(fact)
    return schema


_FACT_KIND = {"number": "float", "integer": "int", "boolean": "bool", "finding": "bool",
              "enum": "str", "set": "set", "date": "date", "text": "str"}


@attrs.frozen
class Typed:
    """A compiled sub-expression: its Polars expression and what kind of value it holds.

    ``kind``: bool, int, float, str, date, set (a list column with a known ``domain``), list (a
    list literal of ``items``) or null. ``const`` is the Python value when the tree folded.
    """

    expr: pl.Expr
    kind: str
    const: Any = _NOTHING
    domain: tuple[str, ...] = ()
    items: tuple[Typed, ...] = ()
    mask: pl.Expr | None = None  # a set as bits: value i of ``domain`` is bit i

    def has(self, value: str) -> pl.Expr:
        """Whether this set holds ``value`` (null when the set is unknown)."""
        if self.mask is not None:
            if value not in self.domain:
                return pl.when(self.mask.is_not_null()).then(pl.lit(False, dtype=pl.Boolean()))
            bit = pl.lit(1 << self.domain.index(value), dtype=pl.UInt64())
            return (self.mask & bit) != 0
        return self.expr.list.contains(pl.lit(value, dtype=pl.String()))

    @property
    def is_const(self) -> bool:
        return self.const is not _NOTHING


def _const(value: Any) -> Typed:
    if value is None:
        return Typed(pl.lit(None), "null", None)
    if isinstance(value, bool):
        return Typed(pl.lit(value, dtype=pl.Boolean()), "bool", value)
    if isinstance(value, int):
        return Typed(pl.lit(value, dtype=pl.Int64()), "int", value)
    if isinstance(value, float):
        return Typed(pl.lit(value, dtype=pl.Float64()), "float", value)
    if isinstance(value, str):
        return Typed(pl.lit(value, dtype=pl.String()), "str", value)
    if isinstance(value, dt.date):
        return Typed(pl.lit(value, dtype=pl.Date()), "date", value)
    if isinstance(value, tuple):
        items = tuple(_const(v) for v in value)
        return Typed(pl.lit(None), "list", value, items=items)
    raise UnsupportedConditionError(f"constant {value!r} has no column form")


def _bounded(expr: pl.Expr) -> pl.Expr:
    """Float result: unknown unless finite and within 2**128 (``arithmetic.bounded``)."""
    return pl.when(expr.is_finite() & (expr.abs() <= float(MAX_MAGNITUDE))).then(expr)


def _kleene_and(parts: Sequence[pl.Expr]) -> pl.Expr:
    if not parts:
        return pl.lit(True, dtype=pl.Boolean())
    return parts[0] if len(parts) == 1 else pl.all_horizontal(*parts)


def _kleene_or(parts: Sequence[pl.Expr]) -> pl.Expr:
    if not parts:
        return pl.lit(False, dtype=pl.Boolean())
    return parts[0] if len(parts) == 1 else pl.any_horizontal(*parts)


def _any_null(parts: Sequence[pl.Expr]) -> pl.Expr:
    return pl.any_horizontal(*(p.is_null() for p in parts))


_COMPARE: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


class _PolarsGen(ExprVisitor[Typed]):
    """Condition trees to Polars expressions, one visitor method per node kind."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.options = plan.option_map
        self.facts = plan.facts
        self.derived_kind: dict[str, Typed] = {}
        self.scope: dict[str, Typed] = {}

    # the one entry point: fold constants first, like the native compiler ------------------
    def visit(self, node: Expr) -> Typed:
        if not isinstance(node, Literal | Name):
            try:
                return _const(constant_value(node, self.options))
            except NotConstantError:
                pass
            except ConstantTooLargeError:  # refused at load (E208); unknown if it ever got here
                return _const(None)
        return super().visit(node)

    def generic_visit(self, node: Expr) -> Typed:
        raise UnsupportedConditionError(f"cannot compile {type(node).__name__} to columns")

    def visit_Literal(self, node: Literal) -> Typed:
        return _const(node.value)

    def visit_ListExpr(self, node: ListExpr) -> Typed:
        items = tuple(self.visit(i) for i in node.items)
        return Typed(pl.lit(None), "list", items=items)

    def visit_Name(self, node: Name) -> Typed:
        name = node.name
        if name in self.scope:
            return self.scope[name]
        if name in self.options:
            return _const(self.options[name])
        if name in self.facts:
            fact = self.facts[name]
            kind = _FACT_KIND.get(fact.type, "str")
            if kind != "set":
                return Typed(pl.col(name), kind)
            mask = (pl.col(mask_column(name)) if len(fact.value_ids) <= MAX_MASK_VALUES
                    else None)
            return Typed(pl.col(name), kind, domain=fact.value_ids, mask=mask)
        if name in self.derived_kind:
            typed = self.derived_kind[name]
            return attrs.evolve(typed, expr=pl.col(_derived(name)))
        return Typed(pl.col(_view(name)), "bool")

    def visit_Unary(self, node: Unary) -> Typed:
        inner = self.visit(node.operand)
        if node.op == "not":
            return Typed(~inner.expr, "bool")
        return Typed(-inner.expr, inner.kind)

    def visit_Binary(self, node: Binary) -> Typed:
        left, right = self.visit(node.left), self.visit(node.right)
        if left.kind == "null" or right.kind == "null":
            return Typed(pl.lit(None, dtype=pl.Float64()), "float")
        a, b = left.expr, right.expr
        fa, fb = a.cast(pl.Float64), b.cast(pl.Float64)
        if node.op == "/":
            if left.kind == "int" and right.kind == "int":
                # |a / b| <= |a| < 2**63 for whole b != 0: always finite and within 2**128
                return Typed(pl.when(fb != 0).then(fa / fb), "float")
            return Typed(pl.when(fb != 0).then(_bounded(fa / fb)), "float")
        if node.op == "**":
            return Typed(_bounded(fa.pow(fb)), "float")
        operate: Callable[[pl.Expr, pl.Expr], pl.Expr] = {
            "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
        }[node.op]
        if left.kind == "int" and right.kind == "int":
            estimate = operate(fa, fb)
            exact = operate(a.cast(pl.Int64), b.cast(pl.Int64))
            return Typed(pl.when(estimate.abs() <= float(MAX_INT_RESULT)).then(exact), "int")
        return Typed(_bounded(operate(fa, fb)), "float")

    def visit_Compare(self, node: Compare) -> Typed:
        parts = [self.compare(op, self.visit(a), self.visit(b))
                 for op, a, b in zip(node.ops, node.operands, node.operands[1:], strict=False)]
        return Typed(_kleene_and(parts), "bool")

    def compare(self, op: str, left: Typed, right: Typed) -> pl.Expr:
        if left.kind == "null" or right.kind == "null":
            return pl.lit(None, dtype=pl.Boolean())
        if left.kind in ("set", "list") or right.kind in ("set", "list"):
            raise UnsupportedConditionError("comparison of lists has no column form")
        return _COMPARE[op](left.expr, right.expr)

    def visit_Membership(self, node: Membership) -> Typed:
        item, container = self.visit(node.item), self.visit(node.container)
        result = self.member(item, container)
        return Typed(~result if node.negated else result, "bool")

    def member(self, item: Typed, container: Typed) -> pl.Expr:
        if item.kind == "null" or container.kind == "null":
            return pl.lit(None, dtype=pl.Boolean())
        if container.kind == "set":
            if item.is_const:
                return container.has(str(item.const))
            return pl.when(item.expr.is_not_null()).then(container.expr.list.contains(item.expr))
        if container.kind == "list" and container.is_const:
            if item.is_const:
                return pl.lit(item.const in container.const, dtype=pl.Boolean())
            values = list(container.const)
            if not values:
                return pl.when(item.expr.is_not_null()).then(pl.lit(False, dtype=pl.Boolean()))
            return pl.any_horizontal(*(item.expr == v.expr for v in container.items))
        if container.kind == "list":
            parts = [item.expr, *(i.expr for i in container.items)]
            found = _kleene_or([item.expr == i.expr for i in container.items])
            return pl.when(~_any_null(parts)).then(found)
        if container.kind == "str" and item.kind == "str":
            return container.expr.str.contains(item.expr, literal=True)
        raise UnsupportedConditionError(f"membership in a {container.kind} has no column form")

    def visit_BoolOp(self, node: BoolOp) -> Typed:
        parts = [self.visit(o) for o in node.operands]
        dominant = node.op == "or"
        exprs: list[pl.Expr] = []
        for part in parts:
            if part.is_const and part.const is dominant:
                return _const(dominant)
            if part.is_const and part.const is (not dominant):
                continue  # the neutral value drops out
            exprs.append(part.expr if part.kind != "null" else pl.lit(None, dtype=pl.Boolean()))
        return Typed(_kleene_or(exprs) if dominant else _kleene_and(exprs), "bool")

    def visit_Implies(self, node: Implies) -> Typed:
        return self.visit(BoolOp("or", (Unary("not", node.left), node.right)))

    def visit_Quantifier(self, node: Quantifier) -> Typed:
        iterable = self.visit(node.iterable)
        outer = self.scope

        def body(item: Typed) -> pl.Expr:
            self.scope = {**outer, node.var: item}
            try:
                compiled = self.visit(node.body)
            finally:
                self.scope = outer
            return (compiled.expr if compiled.kind != "null"
                    else pl.lit(None, dtype=pl.Boolean()))

        if iterable.kind == "set":
            present = [(iterable.has(v), body(_const(v))) for v in iterable.domain]
            if node.kind == "all":
                result = _kleene_and([~has | ok for has, ok in present])
            elif node.kind == "any":
                result = _kleene_or([has & ok for has, ok in present])
            else:
                result = self.count([pl.when(has).then(ok.cast(pl.Int64)).otherwise(0)
                                     for has, ok in present])
            return Typed(pl.when(iterable.expr.is_not_null()).then(result),
                         "int" if node.kind == "count" else "bool")
        if iterable.kind == "list":
            bodies = [body(item) for item in iterable.items]
            if node.kind == "all":
                result = _kleene_and(bodies)
            elif node.kind == "any":
                result = _kleene_or(bodies)
            else:
                result = self.count([b.cast(pl.Int64) for b in bodies])
            if not iterable.is_const and iterable.items:  # _list3: an unknown item, unknown list
                result = pl.when(~_any_null([i.expr for i in iterable.items])).then(result)
            return Typed(result, "int" if node.kind == "count" else "bool")
        if iterable.kind == "null":
            return Typed(pl.lit(None, dtype=pl.Boolean()), "bool")
        raise UnsupportedConditionError(f"a quantifier over a {iterable.kind} has no column form")

    @staticmethod
    def count(parts: list[pl.Expr]) -> pl.Expr:
        total = pl.lit(0, dtype=pl.Int64())
        for part in parts:
            total = total + part  # `+` keeps nulls (unlike sum_horizontal): _count3
        return total

    def visit_Call(self, node: Call) -> Typed:
        func = node.func
        args = [self.visit(a) for a in node.args]
        if any(a.kind == "null" for a in args) and func != "if_known":
            return Typed(pl.lit(None), "null", None)
        if func == "date":
            return self.date(*args)
        if func in ("year", "month", "day"):
            part = {"year": args[0].expr.dt.year(), "month": args[0].expr.dt.month(),
                    "day": args[0].expr.dt.day()}[func]
            return Typed(part.cast(pl.Int64), "int")
        if func in ("min", "max"):
            exprs = [a.expr for a in args]
            pick = pl.min_horizontal(*exprs) if func == "min" else pl.max_horizontal(*exprs)
            kinds = {a.kind for a in args}
            kind = "int" if kinds == {"int"} else ("date" if kinds == {"date"} else "float")
            return Typed(pl.when(~_any_null(exprs)).then(pick), kind)
        if func == "abs":
            return Typed(args[0].expr.abs(), args[0].kind)
        if func == "count":
            target = args[0]
            if target.kind == "set" and target.mask is not None:
                return Typed(target.mask.bitwise_count_ones().cast(pl.Int64), "int")
            if target.kind == "set":
                return Typed(target.expr.list.len().cast(pl.Int64), "int")
            if target.kind == "list" and target.is_const:
                return _const(len(target.const))
            if target.kind == "list":
                return Typed(pl.when(~_any_null([i.expr for i in target.items])).then(
                    pl.lit(len(target.items), dtype=pl.Int64())), "int")
            raise UnsupportedConditionError(f"count() of a {target.kind} has no column form")
        if func == "if_known":
            first, fallback = args
            if first.kind == "null":
                return fallback
            if fallback.kind == "null":
                return first
            if first.kind == "set" and fallback.kind == "list" and fallback.is_const:
                values = [str(v) for v in fallback.const]
                literal = pl.lit(pl.Series([values], dtype=pl.List(pl.String())))
                domain = tuple(dict.fromkeys([*first.domain, *values]))
                mask = None
                if first.mask is not None and len(domain) <= MAX_MASK_VALUES:
                    bits = sum(1 << domain.index(v) for v in set(values))
                    mask = pl.when(first.mask.is_null()).then(
                        pl.lit(bits, dtype=pl.UInt64())).otherwise(first.mask)
                return Typed(pl.when(first.expr.is_null()).then(literal).otherwise(first.expr),
                             "set", domain=domain, mask=mask)
            kind = first.kind if first.kind == fallback.kind else "float"
            return Typed(pl.coalesce(first.expr, fallback.expr), kind)
        raise UnsupportedConditionError(f"function {func}() has no column form")

    @staticmethod
    def date(*args: Typed) -> Typed:
        if len(args) == 1:  # date('2013-01-01') folds; a date column passes through
            return args[0]
        year, month, day = (a.expr.cast(pl.Int64, strict=False) for a in args)
        fixed = [a.const for a in args[1:] if a.is_const]
        if len(fixed) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                   for v in fixed):
            # date(year, 11, 30): one look-up in the dates of that day for every year
            # (building a date per row costs 20x more)
            days = _day_every_year(int(fixed[0]), int(fixed[1]))
            return Typed(pl.when(year.is_between(1, 9999))
                         .then(pl.lit(days).gather(year.clip(1, 9999) - 1)), "date")
        first = pl.date(year.clip(1, 9999), month.clip(1, 12), 1)
        last_day = first.dt.month_end().dt.day().cast(pl.Int64)
        valid = (year.is_between(1, 9999) & month.is_between(1, 12) & (day >= 1)
                 & (day <= last_day))
        built = first + pl.duration(days=(day.clip(1, 31) - 1))
        return Typed(pl.when(valid).then(built), "date")


@functools.lru_cache(maxsize=64)
def _day_every_year(month: int, day: int) -> pl.Series:
    """The date ``month``/``day`` of every year 1..9999 (null where there is none, as
    ``_date3`` gives: the 29th of February of a common year, the 31st of a short month)."""
    dates: list[dt.date | None] = []
    for year in range(1, 10000):
        try:
            dates.append(dt.date(year, month, day))
        except (ValueError, OverflowError):
            dates.append(None)
    return pl.Series("days", dates, dtype=pl.Date())


@attrs.frozen
class ColumnarPlan:
    """A plan compiled to Polars: ``levels`` of ``with_columns`` batches, in dependency order."""

    plan: Plan
    levels: tuple[tuple[pl.Expr, ...], ...]
    derived: tuple[str, ...]
    steps: tuple[PlanNode, ...]  # every non-derived node, in row order
    built: dict[Any, list[pl.Expr]] = attrs.field(factory=dict, eq=False, repr=False)
    #: one per ``constraints:`` entry, true where the office's facts break it (unknown is not
    #: a violation): such a row is refused, as ``Ruleset.parse_office`` refuses the office
    violations: tuple[pl.Expr, ...] = ()

    def evaluate(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Add the internal node columns to a frame of normalised facts."""
        for level in self.levels:
            frame = frame.with_columns(level)
        return frame

    def outcome(self) -> pl.Expr:
        """The verdict: first true outcome; ``UNDECIDED`` when an earlier one is unknown."""
        result: pl.Expr = pl.lit(self.plan.otherwise.id, dtype=pl.String())
        for node in reversed(self.plan.outcomes):
            value = pl.col(_view(node.id))
            result = (pl.when(value.eq_missing(True)).then(pl.lit(node.id, dtype=pl.String()))
                      .when(value.is_null()).then(pl.lit(UNDECIDED, dtype=pl.String()))
                      .otherwise(result))
        return result

    def status(self, node: PlanNode) -> pl.Expr:
        value = pl.col(_view(node.id))
        status = (pl.when(value).then(_STATUS[Status.PASS])
                  .when(~value).then(_STATUS[Status.FAIL])
                  .otherwise(_STATUS[Status.UNKNOWN]))
        if node.can_be_na:
            status = pl.when(pl.col(_na(node.id))).then(
                _STATUS[Status.NOT_APPLICABLE]).otherwise(status)
        return status

    def output_columns(self, *, statuses: bool = True, values: bool = True,
                       kinds: Sequence[str] | None = None) -> list[pl.Expr]:
        """``outcome`` and the public ``status.<id>`` / ``value.<name>`` columns (the hundred
        or so status expressions are built once per plan and choice of columns)."""
        key = (statuses, values, None if kinds is None else tuple(kinds))
        cached = self.built.get(key)
        if cached is None:
            cached = self.built[key] = self._step_columns(statuses, values, kinds)
        return [self.outcome().alias("outcome"), *cached]

    def _step_columns(self, statuses: bool, values: bool, kinds: Sequence[str] | None
                      ) -> list[pl.Expr]:
        columns: list[pl.Expr] = []
        if statuses:
            columns += [self.status(n).alias(status_column(n.id)) for n in self.steps
                        if kinds is None or n.kind in kinds]
        if values:
            columns += [pl.col(_derived(d)).alias(value_column(d)) for d in self.derived]
        return columns


def compile_plan(plan: Plan, constraints: Sequence[ConstraintSpec] = ()) -> ColumnarPlan:
    """Compile ``plan`` (``ruleset.plan``) to Polars expressions, and the ruleset's
    ``constraints`` (``ruleset.spec.constraints``) to violation masks.

    Raises :class:`UnsupportedConditionError` for a construct with no column form.
    """
    gen = _PolarsGen(plan)
    level_of: dict[str, int] = {}
    levels: list[list[pl.Expr]] = []
    for node in plan.order:
        upstream = [n for n in (*node.depends_on, *node.reads) if n in plan.index]
        level = 1 + max((level_of[n] for n in upstream), default=-1)
        level_of[node.id] = level
        while len(levels) <= level:
            levels.append([])
        levels[level].extend(_node_columns(gen, node))
    violations = tuple(_as_bool(gen.visit(c.condition)).eq_missing(False)
                       for c in constraints)
    return ColumnarPlan(plan=plan, levels=tuple(tuple(lv) for lv in levels),
                        derived=tuple(n.id for n in plan.of_kind("derived")),
                        steps=tuple(n for n in plan.nodes if n.kind != "derived"),
                        violations=violations)


def value_expr(plan: Plan, expr: Expr) -> tuple[pl.Expr, str]:
    """``expr`` (a condition or a side of one) over normalised fact columns, compiled exactly as
    the plan's conditions are: (the expression, its kind: bool, int, float, str, date, set,
    list or null)."""
    typed = _PolarsGen(plan).visit(expr)
    if typed.kind in ("null", "list"):
        return pl.lit(None), typed.kind
    return typed.expr, typed.kind


def _as_bool(typed: Typed) -> pl.Expr:
    if typed.kind == "null":
        return pl.lit(None, dtype=pl.Boolean())
    return typed.expr.cast(pl.Boolean) if typed.kind != "bool" else typed.expr


def _node_columns(gen: _PolarsGen, node: PlanNode) -> list[pl.Expr]:
    if node.kind == "derived":
        assert node.condition is not None
        typed = gen.visit(node.condition)
        expr = typed.expr if typed.kind != "null" else pl.lit(None, dtype=pl.Float64())
        gen.derived_kind[node.id] = attrs.evolve(typed, expr=expr, const=_NOTHING)
        return [expr.alias(_derived(node.id))]
    if node.kind in ("standard", "group"):
        views = [pl.col(_view(c)) for c in node.children]
        columns = [_kleene_and(views).alias(_view(node.id))]
        if node.can_be_na:
            flags = [pl.col(_na(c)) if gen.plan.node(c).can_be_na
                     else pl.lit(False, dtype=pl.Boolean()) for c in node.children]
            columns.append(_kleene_and(flags).alias(_na(node.id)))
        return columns
    assert node.condition is not None
    condition = _as_bool(gen.visit(node.condition))
    if node.applies_if is None:
        return [condition.alias(_view(node.id))]
    applies = _as_bool(gen.visit(node.applies_if))
    not_applicable = applies.eq_missing(False)
    # applies unknown: met only if the condition holds anyway (as in the native compiler)
    applied = (pl.when(applies.eq_missing(True)).then(condition)
               .when(condition.eq_missing(True)).then(pl.lit(True, dtype=pl.Boolean())))
    return [pl.when(not_applicable).then(pl.lit(True, dtype=pl.Boolean())).otherwise(applied)
            .alias(_view(node.id)), not_applicable.alias(_na(node.id))]
