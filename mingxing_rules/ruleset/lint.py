"""Static checks beyond validity: the warnings of ``mingxing check``.

A ruleset that loads can still say something its authors did not mean: a criterion no office can
ever meet (``area_m2 >= 200 and area_m2 < 100``), a threshold outside the range the fact schema
declares (``bulletin_months_count >= 13`` when at most 12 months exist), a decision outcome that an
earlier outcome always shadows. These checks find such things by *interval analysis*: every
condition is turned into a formula over atoms (``area_m2 >= 200``, ``kind == 'x'``, a boolean
fact), each numeric atom is bounded by the declared ``min``/``max`` of what it reads, and a small
tableau search decides whether the formula can be true (or false) at all.

The analysis is sound for warnings: it only claims "never" when no assignment of the facts, within
their declared ranges and for any choice of the options, makes the condition true (or false). It
reads no office and runs nothing the ruleset says; whatever it does not understand is treated as a
free atom (which can only hide a warning, never invent one), and a search budget bounds its work.

Codes (documented in ``docs/errors.md``):

* ``W301`` a condition can never be true (the criterion or rule never passes; an ``applies_if``
  that never holds means the criterion never applies);
* ``W302`` a condition can never be false (it always passes whenever its facts are known);
* ``W303`` a threshold lies outside the declared range of what it is compared with;
* ``W304`` a decision outcome (or ``otherwise``) can never be selected;
* ``W305`` a fact, option or derived value is declared but no condition reads it;
* ``W306`` a group, standard, criterion or rule is not used by any decision outcome, or only by
  outcomes that earlier ones always pre-empt (so decision precedence makes it unreachable); a
  rule declared ``informational: true`` is meant to be shown in traces only and is not reported;
* ``W307`` a rule declared ``informational: true`` is read by a decision outcome after all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..compile.codegen import CompiledProgram
from ..compile.plan import COMPARATOR_FLIP, reachable
from ..errors import Location, RulesetProblem
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
    iter_nodes,
    names_in,
    to_text,
)
from ..language.visitor import ExprVisitor
from .model import NodeSpec, RulesetSpec

__all__ = ["LINT_CODES", "SEARCH_BUDGET", "TOTAL_BUDGET", "lint", "lint_spec", "satisfiable"]

LINT_CODES = {
    "W301": "condition can never be true",
    "W302": "condition can never be false",
    "W303": "threshold outside the declared range",
    "W304": "decision outcome can never be selected",
    "W305": "declared but never read",
    "W306": "not used by any decision outcome",
    "W307": "declared informational but read by a decision outcome",
}

SEARCH_BUDGET = 20_000  # tableau steps per question; past it the answer is "possible"
TOTAL_BUDGET = 500_000  # tableau steps for a whole ruleset (the Star ruleset needs ~21 000)
_INLINE_BUDGET = 4_000  # formula nodes one outcome may inline from the rules it reads
_INLINE_DEPTH = 12  # rule-reference levels inlined; deeper references stay opaque atoms
_EXPAND_ITEMS = 50  # all()/any() over a literal list this long or shorter is expanded
_INF = math.inf
_EXACT = float(2**53)  # floats represent every integer up to here


# -- numeric domains ------------------------------------------------------------------------------


@attrs.frozen
class Interval:
    """A set of numbers ``lo..hi`` (each end open or closed), optionally integers only."""

    lo: float = -_INF
    hi: float = _INF
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    @property
    def point(self) -> float | None:
        """The single value of the interval; None beyond 2**53, where floats skip integers and
        a comparison made here could differ from the exact one made at run time."""
        if self.lo == self.hi and not self.lo_open and not self.hi_open and (
            abs(self.lo) <= _EXACT
        ):
            return self.lo
        return None

    def is_empty(self, excluded: frozenset[float] = frozenset()) -> bool:
        lo, hi = self.lo, self.hi
        if math.isnan(lo) or math.isnan(hi):
            return False
        if self.integer:
            lo = _integer_above(lo, self.lo_open)
            hi = _integer_below(hi, self.hi_open)
            if lo > hi:
                return True
            if math.isfinite(lo) and math.isfinite(hi) and hi - lo < 64:
                return all(float(n) in excluded for n in range(int(lo), int(hi) + 1))
            return False
        if lo > hi:
            return True
        if lo == hi:
            return self.lo_open or self.hi_open or lo in excluded
        return False

    def meet(self, other: Interval) -> Interval:
        if other.lo > self.lo or (other.lo == self.lo and other.lo_open):
            lo, lo_open = other.lo, other.lo_open
        else:
            lo, lo_open = self.lo, self.lo_open
        if other.hi < self.hi or (other.hi == self.hi and other.hi_open):
            hi, hi_open = other.hi, other.hi_open
        else:
            hi, hi_open = self.hi, self.hi_open
        return Interval(lo, hi, lo_open, hi_open, self.integer or other.integer)

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies between the ends (integrality aside)."""
        above = value > self.lo or (value == self.lo and not self.lo_open)
        below = value < self.hi or (value == self.hi and not self.hi_open)
        return above and below

    def sane(self) -> Interval:
        """Unbounded instead of NaN ends (``inf - inf``): knowing nothing is always safe."""
        if math.isnan(self.lo) or math.isnan(self.hi):
            return Interval(integer=self.integer)
        return self

    def __str__(self) -> str:
        left = "(" if self.lo_open or self.lo == -_INF else "["
        right = ")" if self.hi_open or self.hi == _INF else "]"
        return f"{left}{_number_text(self.lo)}, {_number_text(self.hi)}{right}"


UNBOUNDED = Interval()


def _integer_above(value: float, strict: bool) -> float:
    if not math.isfinite(value):
        return value
    ceiling = math.ceil(value)
    return ceiling + 1 if strict and ceiling == value else ceiling


def _integer_below(value: float, strict: bool) -> float:
    if not math.isfinite(value):
        return value
    floor = math.floor(value)
    return floor - 1 if strict and floor == value else floor


def _number_text(value: float) -> str:
    if value == _INF:
        return "+inf"
    if value == -_INF:
        return "-inf"
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"


def _safe(operation: Any, *args: float) -> float:
    try:
        result = float(operation(*args))
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan
    return result


def _hull(values: Iterable[float], integer: bool) -> Interval:
    found = [v for v in values if not math.isnan(v)]
    if len(found) < 4:  # a NaN corner (inf - inf, 0 * inf) means we know nothing
        return UNBOUNDED
    return Interval(min(found), max(found), integer=integer)


def _mul(a: float, b: float) -> float:
    if a == 0 or b == 0:
        return 0.0  # extended arithmetic: 0 * unbounded end is 0 at that corner
    return a * b


def _interval_binary(op: str, left: Interval, right: Interval) -> Interval:
    integer = left.integer and right.integer
    if op == "+":
        return Interval(_safe(lambda a, b: a + b, left.lo, right.lo),
                        _safe(lambda a, b: a + b, left.hi, right.hi),
                        left.lo_open or right.lo_open, left.hi_open or right.hi_open,
                        integer).sane()
    if op == "-":
        return Interval(_safe(lambda a, b: a - b, left.lo, right.hi),
                        _safe(lambda a, b: a - b, left.hi, right.lo),
                        left.lo_open or right.hi_open, left.hi_open or right.lo_open,
                        integer).sane()
    if op == "*":
        corners = [_safe(_mul, a, b) for a in (left.lo, left.hi) for b in (right.lo, right.hi)]
        return _hull(corners, integer)
    if op == "/":
        # x / 0 is unknown (never a value), so a divisor of 0..d behaves like (0, d]
        if right.lo >= 0 and right.hi > 0:
            if left.lo >= 0:
                return Interval(0.0, 0.0) if left.hi == 0 else Interval(0.0, _INF)
            if left.hi <= 0:
                return Interval(-_INF, 0.0)
        if right.hi <= 0 and right.lo < 0:
            if left.lo >= 0:
                return Interval(-_INF, 0.0) if left.hi > 0 else Interval(0.0, 0.0)
            if left.hi <= 0:
                return Interval(0.0, _INF)
        return UNBOUNDED
    if op == "**":
        exponent = right.point
        if exponent is None or not float(exponent).is_integer() or exponent < 0:
            return UNBOUNDED
        n = int(exponent)
        if n == 0:
            return Interval(1.0, 1.0, integer=True)
        if left.lo >= 0:
            return Interval(_safe(pow, left.lo, n), _safe(pow, left.hi, n),
                            integer=left.integer).sane()
        if n % 2 == 0:
            top = max(_safe(pow, left.lo, n), _safe(pow, left.hi, n))
            return Interval(0.0, top, integer=left.integer).sane()
        return Interval(_safe(pow, left.lo, n), _safe(pow, left.hi, n),
                        integer=left.integer).sane()
    return UNBOUNDED


# -- atoms and formulas ----------------------------------------------------------------------------


@attrs.frozen
class NumAtom:
    """``key op value`` where ``key`` names a numeric quantity with domain ``domain``."""

    key: str
    op: str  # < <= > >= == !=
    value: float
    domain: Interval

    def negated(self) -> NumAtom:
        flip = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
        return NumAtom(self.key, flip[self.op], self.value, self.domain)


@attrs.frozen
class EnumAtom:
    """``key`` takes one of ``allowed`` (a subset of ``domain``)."""

    key: str
    allowed: frozenset[str]
    domain: frozenset[str]

    def negated(self) -> EnumAtom:
        return EnumAtom(self.key, self.domain - self.allowed, self.domain)


@attrs.frozen
class PropAtom:
    """A boolean quantity the analysis does not look inside (a fact, a rule, an opaque test)."""

    key: str
    positive: bool = True

    def negated(self) -> PropAtom:
        return PropAtom(self.key, not self.positive)


Atom = NumAtom | EnumAtom | PropAtom


@attrs.frozen
class Const:
    value: bool


@attrs.frozen
class Lit:
    atom: Atom


@attrs.frozen
class And:
    parts: tuple[Formula, ...]


@attrs.frozen
class Or:
    parts: tuple[Formula, ...]


Formula = Const | Lit | And | Or
TRUE, FALSE = Const(True), Const(False)


def _and(parts: Iterable[Formula]) -> Formula:
    kept: list[Formula] = []
    for part in parts:
        if part == FALSE:
            return FALSE
        if part == TRUE:
            continue
        kept.extend(part.parts if isinstance(part, And) else (part,))
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def _or(parts: Iterable[Formula]) -> Formula:
    kept: list[Formula] = []
    for part in parts:
        if part == TRUE:
            return TRUE
        if part == FALSE:
            continue
        kept.extend(part.parts if isinstance(part, Or) else (part,))
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else Or(tuple(kept))


def _size(formula: Formula) -> int:
    total, stack = 0, [formula]
    while stack:
        item = stack.pop()
        total += 1
        if isinstance(item, And | Or):
            stack.extend(item.parts)
    return total


# -- satisfiability: a tableau over atoms with interval constraints ------------------------------


class _Store:
    """Constraints collected on one branch; ``add`` returns None when they contradict."""

    __slots__ = ("enums", "excluded", "numbers", "props")

    def __init__(self) -> None:
        self.numbers: dict[str, Interval] = {}
        self.excluded: dict[str, frozenset[float]] = {}
        self.enums: dict[str, frozenset[str]] = {}
        self.props: dict[str, bool] = {}

    def copy(self) -> _Store:
        other = _Store()
        other.numbers = dict(self.numbers)
        other.excluded = dict(self.excluded)
        other.enums = dict(self.enums)
        other.props = dict(self.props)
        return other

    def add(self, atom: Atom) -> bool:
        if isinstance(atom, PropAtom):
            known = self.props.get(atom.key)
            if known is not None:
                return known == atom.positive
            self.props[atom.key] = atom.positive
            return True
        if isinstance(atom, EnumAtom):
            current = self.enums.get(atom.key, atom.domain) & atom.allowed
            self.enums[atom.key] = current
            return bool(current)
        current_range = self.numbers.get(atom.key, atom.domain)
        excluded = self.excluded.get(atom.key, frozenset())
        value = atom.value
        if atom.op == "!=":
            excluded = excluded | {float(value)}
            self.excluded[atom.key] = excluded
        else:
            bound = {
                "<": Interval(-_INF, value, hi_open=True),
                "<=": Interval(-_INF, value),
                ">": Interval(value, _INF, lo_open=True),
                ">=": Interval(value, _INF),
                "==": Interval(value, value),
            }[atom.op]
            current_range = current_range.meet(bound)
        self.numbers[atom.key] = current_range
        return not current_range.is_empty(excluded)


def satisfiable(formula: Formula, budget: int = SEARCH_BUDGET) -> bool | None:
    """True or False when decided, None when the search budget ran out (treat as possible)."""
    return _search(formula, budget)[0]


def _search(formula: Formula, budget: int) -> tuple[bool | None, int]:
    """A depth-first tableau: (answer, steps used). Every item taken and every branch opened
    costs one step, so the work is bounded whatever the formula."""
    branches: list[tuple[_Store, list[Formula], list[Or]]] = [(_Store(), [formula], [])]
    steps = 0
    while branches:
        store, pending, choices = branches.pop()
        alive = True
        while alive:
            if pending:
                item = pending.pop()
                steps += 1
                if steps > budget:
                    return None, steps
                if isinstance(item, Const):
                    alive = item.value
                elif isinstance(item, Lit):
                    alive = store.add(item.atom)
                elif isinstance(item, And):
                    pending.extend(item.parts)
                else:
                    choices.append(item)
                continue
            if not choices:
                return True, steps
            choice = choices.pop()
            steps += len(choice.parts) - 1
            if steps > budget:
                return None, steps
            for alternative in choice.parts[1:]:
                branches.append((store.copy(), [alternative], list(choices)))
            pending.append(choice.parts[0])
    return False, steps


class _Budget:
    """Search steps left for the whole lint run, so a huge ruleset cannot make it slow."""

    def __init__(self, total: int = TOTAL_BUDGET) -> None:
        self.left = total

    def never(self, formula: Formula) -> bool:
        """Whether ``formula`` is certainly unsatisfiable (False once the budget is spent)."""
        if self.left <= 0:
            return False
        answer, used = _search(formula, min(SEARCH_BUDGET, self.left))
        self.left -= used
        return answer is False


# -- from conditions to formulas ------------------------------------------------------------------


class _Analyser:
    """Turns the conditions of one ruleset into formulas."""

    def __init__(self, spec: RulesetSpec) -> None:
        self.spec = spec
        self.facts = {f.name: f for f in spec.facts}
        self.options = {o.name: o for o in spec.options}
        self.derived = {d.name: d for d in spec.derived}
        self.nodes = {n.id: n for n in spec.nodes}
        self._derived_ranges: dict[str, Interval] = {}
        self._inline_left = 0
        self._inline_depth = 0
        self._inline = False
        self.budget = _Budget()
        self.shadowed: set[str] = set()  # outcomes earlier outcomes always pre-empt

    # value kinds ---------------------------------------------------------------------------------
    def kind(self, node: Expr, scope: Mapping[str, str]) -> str:
        """number | boolean | enum | string | date | set | list | other."""
        return _KindOf(self, scope).visit(node)

    def enum_domain(self, node: Expr) -> frozenset[str] | None:
        if isinstance(node, Name):
            if node.name in self.facts and self.facts[node.name].type == "enum":
                return frozenset(self.facts[node.name].value_ids)
            option = self.options.get(node.name)
            if option is not None and option.type == "enum":
                return frozenset(option.values)
        return None

    # numeric ranges ------------------------------------------------------------------------------
    def interval(self, node: Expr, scope: Mapping[str, str]) -> Interval:
        """Every value ``node`` can take (numbers; dates as day ordinals)."""
        return _widen(self._interval(node, scope))

    def _interval(self, node: Expr, scope: Mapping[str, str]) -> Interval:
        return _IntervalOf(self, scope).visit(node)

    def call_interval(self, func: str, args: tuple[Expr, ...], scope: Mapping[str, str]
                      ) -> Interval:
        if func == "date":
            if len(args) == 1 and isinstance(args[0], Literal) and isinstance(args[0].value,
                                                                                str):
                try:
                    day = float(dt.date.fromisoformat(args[0].value).toordinal())
                except ValueError:
                    return UNBOUNDED
                return Interval(day, day, integer=True)
            return Interval(1.0, float(dt.date.max.toordinal()), integer=True)
        if func == "year":
            return Interval(1.0, 9999.0, integer=True)
        if func == "month":
            return Interval(1.0, 12.0, integer=True)
        if func == "day":
            return Interval(1.0, 31.0, integer=True)
        if func == "count" and len(args) == 1:
            size = self.collection_size(args[0])
            return Interval(0.0, _INF if size is None else float(size), integer=True)
        if func in ("min", "max") and args:
            parts = [self.interval(a, scope) for a in args]
            pick = min if func == "min" else max
            return Interval(pick(p.lo for p in parts), pick(p.hi for p in parts),
                            integer=all(p.integer for p in parts))
        if func == "abs" and len(args) == 1:
            inner = self.interval(args[0], scope)
            top = max(abs(inner.lo), abs(inner.hi))
            bottom = 0.0 if inner.lo <= 0 <= inner.hi else min(abs(inner.lo), abs(inner.hi))
            return Interval(bottom, top, integer=inner.integer)
        if func == "if_known" and len(args) == 2:
            value, default = self.interval(args[0], scope), self.interval(args[1], scope)
            return Interval(min(value.lo, default.lo), max(value.hi, default.hi),
                            integer=value.integer and default.integer)
        return UNBOUNDED

    def collection_size(self, node: Expr) -> int | None:
        if isinstance(node, ListExpr):
            return len(node.items)
        if isinstance(node, Name) and node.name in self.facts:
            fact = self.facts[node.name]
            if fact.type == "set":
                return len(fact.values)
        return None

    def derived_range(self, name: str) -> Interval:
        if name not in self._derived_ranges:
            self._derived_ranges[name] = UNBOUNDED  # guards against cycles (the validator
            # rejects them; this keeps a hostile spec from recursing forever)
            item = self.derived[name]
            computed = self.interval(item.expr, {})
            # offices whose derived values break their declared bounds are refused as input
            # errors before evaluation, so within a condition the value is inside them
            declared = Interval(_lower(item.minimum), _upper(item.maximum))
            bounded = computed.meet(declared)
            self._derived_ranges[name] = computed if bounded.is_empty() else bounded
        return self._derived_ranges[name]

    # formulas ------------------------------------------------------------------------------------
    def formula(self, node: Expr, positive: bool, scope: Mapping[str, str],
                inline: bool = False) -> Formula:
        """The condition as a formula (its negation when ``positive`` is False)."""
        self._inline = inline
        return self._formula(node, positive, scope)

    def _formula(self, node: Expr, positive: bool, scope: Mapping[str, str]) -> Formula:
        return _FormulaOf(self, scope, positive).visit(node)

    def negate(self, formula: Formula) -> Formula:
        match formula:
            case Const(value=value):
                return Const(not value)
            case Lit(atom=atom):
                return Lit(atom.negated())
            case And(parts=parts):
                return _or(self.negate(p) for p in parts)
            case Or(parts=parts):
                return _and(self.negate(p) for p in parts)
        raise TypeError(formula)  # pragma: no cover

    def reference(self, name: str, positive: bool) -> Formula:
        """A rule, criterion, standard or group used as a boolean."""
        opaque = Lit(PropAtom(name, positive))
        if not self._inline or self._inline_depth >= _INLINE_DEPTH or self._inline_left <= 0:
            return opaque
        target = self.nodes[name]
        self._inline_depth += 1
        try:
            definition = self.definition(target)
        finally:
            self._inline_depth -= 1
        if definition is None:
            return opaque
        self._inline_left -= _size(definition)
        return definition if positive else self.negate(definition)

    def definition(self, node: NodeSpec) -> Formula | None:
        """What a node means when another condition names it (not-applicable counts as met)."""
        if node.kind in ("standard", "group"):
            return _and(self.reference(child, True) for child in node.children)
        if node.condition is None:
            return None
        condition = self._formula(node.condition, True, {})
        if node.kind == "criterion" and node.applies_if is not None:
            return _or([self._formula(node.applies_if, False, {}), condition])
        return condition

    def comparison(self, op: str, left: Expr, right: Expr, scope: Mapping[str, str]
                   ) -> Formula:
        left_kind, right_kind = self.kind(left, scope), self.kind(right, scope)
        text = f"{to_text(left)} {op} {to_text(right)}"
        if left_kind in ("number", "date") and right_kind in ("number", "date"):
            return self.numeric(op, left, right, scope)
        if {left_kind, right_kind} <= {"enum", "string"} and op in ("==", "!="):
            domain = self.enum_domain(left) or self.enum_domain(right)
            variable, other = (left, right) if self.enum_domain(left) else (right, left)
            if domain is not None and isinstance(other, Literal) and isinstance(other.value,
                                                                                 str):
                atom = EnumAtom(_key(variable), frozenset({other.value}) & domain, domain)
                return Lit(atom if op == "==" else atom.negated())
            if isinstance(left, Literal) and isinstance(right, Literal):
                return Const((left.value == right.value) == (op == "=="))
        if left_kind == "boolean" and right_kind == "boolean" and op in ("==", "!="):
            for variable, other in ((left, right), (right, left)):
                if isinstance(other, Literal) and isinstance(other.value, bool):
                    return self._formula(variable, other.value == (op == "=="), scope)
        return Lit(PropAtom(text))

    def numeric(self, op: str, left: Expr, right: Expr, scope: Mapping[str, str]) -> Formula:
        left_range, right_range = self.interval(left, scope), self.interval(right, scope)
        left_point, right_point = left_range.point, right_range.point
        if left_point is not None and right_point is not None:
            return Const(_compare(op, left_point, right_point))
        if right_point is not None:
            return Lit(NumAtom(_key(left), op, right_point, left_range))
        if left_point is not None:
            return Lit(NumAtom(_key(right), COMPARATOR_FLIP[op], left_point, right_range))
        difference = _interval_binary("-", left_range, right_range)
        return Lit(NumAtom(f"({_key(left)}) - ({_key(right)})", op, 0.0, difference))

    def membership(self, node: Membership, scope: Mapping[str, str]) -> Formula:
        item, container = node.item, node.container
        found: Formula
        domain = self.enum_domain(item)
        if domain is not None and isinstance(container, ListExpr) and all(
            isinstance(i, Literal) and isinstance(i.value, str) for i in container.items
        ):
            allowed = frozenset(str(i.value) for i in container.items if isinstance(i, Literal))
            found = Lit(EnumAtom(_key(item), allowed & domain, domain))
        elif isinstance(item, Literal) and isinstance(container, ListExpr) and all(
            isinstance(i, Literal) for i in container.items
        ):
            found = Const(any(i.value == item.value and type(i.value) is type(item.value)
                              for i in container.items if isinstance(i, Literal)))
        else:
            found = Lit(PropAtom(f"{to_text(item)} in {to_text(container)}"))
        return self.negate(found) if node.negated else found


_FACT_KINDS = {"number": "number", "integer": "number", "boolean": "boolean",
               "finding": "boolean", "enum": "enum", "set": "set", "date": "date"}
_OPTION_KINDS = {"integer": "number", "number": "number", "boolean": "boolean", "enum": "enum"}


class _KindOf(ExprVisitor[str]):
    """What kind of value an expression has (the type checker has already accepted it)."""

    def __init__(self, analyser: _Analyser, scope: Mapping[str, str]) -> None:
        self.analyser, self.scope = analyser, scope

    def generic_visit(self, node: Expr) -> str:  # Compare, BoolOp, Implies, Membership
        return "boolean"

    def visit_Literal(self, node: Literal) -> str:
        if isinstance(node.value, bool):
            return "boolean"
        return "string" if isinstance(node.value, str) else "number"

    def visit_Name(self, node: Name) -> str:
        name, analyser = node.name, self.analyser
        if name in self.scope:
            return self.scope[name]
        if name in analyser.facts:
            return _FACT_KINDS.get(analyser.facts[name].type, "other")
        if name in analyser.options:
            return _OPTION_KINDS[analyser.options[name].type]
        if name in analyser.derived:
            return "number"
        return "boolean" if name in analyser.nodes else "other"

    def visit_Unary(self, node: Unary) -> str:
        return "number" if node.op == "-" else "boolean"

    def visit_Binary(self, node: Binary) -> str:
        return "number"

    def visit_ListExpr(self, node: ListExpr) -> str:
        return "list"

    def visit_Quantifier(self, node: Quantifier) -> str:
        return "number" if node.kind == "count" else "boolean"

    def visit_Call(self, node: Call) -> str:
        if node.func == "date":
            return "date"
        if node.func == "if_known" and node.args:
            return self.visit(node.args[0])
        return "number"


class _IntervalOf(ExprVisitor[Interval]):
    """Every value a numeric expression can take (dates as day ordinals), before widening."""

    def __init__(self, analyser: _Analyser, scope: Mapping[str, str]) -> None:
        self.analyser, self.scope = analyser, scope

    def generic_visit(self, node: Expr) -> Interval:
        return UNBOUNDED

    def visit_Literal(self, node: Literal) -> Interval:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return UNBOUNDED
        number = _float(value)
        return Interval(number, number, integer=float(number).is_integer())

    def visit_Name(self, node: Name) -> Interval:
        name, analyser = node.name, self.analyser
        if name in self.scope:
            return UNBOUNDED
        if name in analyser.facts:
            fact = analyser.facts[name]
            if fact.type in ("number", "integer"):
                return Interval(_lower(fact.minimum), _upper(fact.maximum),
                                integer=fact.type == "integer")
            if fact.type == "date":
                return Interval(1.0, float(dt.date.max.toordinal()), integer=True)
        if name in analyser.options:
            option = analyser.options[name]
            if option.type in ("integer", "number"):
                return Interval(_lower(option.minimum), _upper(option.maximum),
                                integer=option.type == "integer")
        if name in analyser.derived:
            return analyser.derived_range(name)
        return UNBOUNDED

    def visit_Unary(self, node: Unary) -> Interval:
        if node.op != "-":
            return UNBOUNDED
        inner = self.analyser.interval(node.operand, self.scope)
        return Interval(-inner.hi, -inner.lo, inner.hi_open, inner.lo_open, inner.integer)

    def visit_Binary(self, node: Binary) -> Interval:
        return _interval_binary(node.op, self.analyser.interval(node.left, self.scope),
                                self.analyser.interval(node.right, self.scope))

    def visit_Quantifier(self, node: Quantifier) -> Interval:
        if node.kind != "count":
            return UNBOUNDED
        size = self.analyser.collection_size(node.iterable)
        return Interval(0.0, _INF if size is None else float(size), integer=True)

    def visit_Call(self, node: Call) -> Interval:
        return self.analyser.call_interval(node.func, node.args, self.scope)


class _FormulaOf(ExprVisitor[Formula]):
    """A condition as a propositional formula over atoms (its negation when not positive)."""

    def __init__(self, analyser: _Analyser, scope: Mapping[str, str], positive: bool) -> None:
        self.analyser, self.scope, self.positive = analyser, scope, positive

    def under(self, node: Expr, positive: bool) -> Formula:
        outer, self.positive = self.positive, positive
        try:
            return self.visit(node)
        finally:
            self.positive = outer

    def generic_visit(self, node: Expr) -> Formula:
        return Lit(PropAtom(_key(node), self.positive))

    def visit_Literal(self, node: Literal) -> Formula:
        if isinstance(node.value, bool):
            return Const(node.value == self.positive)
        return self.generic_visit(node)

    def visit_Unary(self, node: Unary) -> Formula:
        if node.op == "not":
            return self.under(node.operand, not self.positive)
        return self.generic_visit(node)

    def visit_BoolOp(self, node: BoolOp) -> Formula:
        parts = [self.visit(o) for o in node.operands]
        return _and(parts) if (node.op == "and") == self.positive else _or(parts)

    def visit_Implies(self, node: Implies) -> Formula:
        if self.positive:
            return _or([self.under(node.left, False), self.under(node.right, True)])
        return _and([self.under(node.left, True), self.under(node.right, False)])

    def visit_Compare(self, node: Compare) -> Formula:
        analyser = self.analyser
        whole = _and([analyser.comparison(op, a, b, self.scope) for op, a, b in
                      zip(node.ops, node.operands, node.operands[1:], strict=False)])
        return whole if self.positive else analyser.negate(whole)

    def visit_Membership(self, node: Membership) -> Formula:
        found = self.analyser.membership(node, self.scope)
        return found if self.positive else self.analyser.negate(found)

    def visit_Name(self, node: Name) -> Formula:
        if node.name not in self.scope and node.name in self.analyser.nodes:
            return self.analyser.reference(node.name, self.positive)
        return self.generic_visit(node)

    def visit_Quantifier(self, node: Quantifier) -> Formula:
        iterable = node.iterable
        if (node.kind in ("all", "any") and isinstance(iterable, ListExpr)
                and _expandable(node.body, iterable)):
            parts = [self.visit(_substitute(node.body, node.var, item))
                     for item in iterable.items]
            return _and(parts) if (node.kind == "all") == self.positive else _or(parts)
        return self.generic_visit(node)


def _expandable(body: Expr, iterable: Expr) -> bool:
    """A quantifier over a short literal list, with no quantifier inside, is expanded."""
    return isinstance(iterable, ListExpr) and len(iterable.items) <= _EXPAND_ITEMS and not any(
        isinstance(n, Quantifier) for n in iter_nodes(body))


def _float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:  # a bound with thousands of digits: as good as unbounded
        return _INF if value > 0 else -_INF


def _widen(interval: Interval) -> Interval:
    """Ends beyond 2**53 moved outward, since float arithmetic there is not exact: the interval
    must contain every value the exact computation at run time can produce."""
    lo, hi = interval.lo, interval.hi
    if abs(lo) > _EXACT:
        lo = -_INF if lo < 0 else _EXACT
    if abs(hi) > _EXACT:
        hi = _INF if hi > 0 else -_EXACT
    if (lo, hi) == (interval.lo, interval.hi):
        return interval
    return Interval(lo, hi, interval.lo_open and lo == interval.lo,
                    interval.hi_open and hi == interval.hi, interval.integer)


def _lower(value: float | None) -> float:
    return -_INF if value is None else _float(value)


def _upper(value: float | None) -> float:
    return _INF if value is None else _float(value)


def _compare(op: str, a: float, b: float) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b,
            "!=": a != b}[op]


def _key(node: Expr) -> str:
    return to_text(node)


def _substitute(body: Expr, var: str, value: Expr) -> Expr:
    """``body`` with the quantifier variable replaced by one literal item."""

    def walk(node: Expr) -> Expr:
        if isinstance(node, Name) and node.name == var:
            return value
        if isinstance(node, Quantifier) and node.var == var:
            return attrs.evolve(node, iterable=walk(node.iterable))
        changes: dict[str, Any] = {}
        for field in attrs.fields(type(node)):
            current = getattr(node, field.name)
            if isinstance(current, tuple) and current and not isinstance(current[0], str):
                changes[field.name] = tuple(walk(c) for c in current)
            elif not isinstance(current, str | bool | int | float | tuple) and current is not None:
                changes[field.name] = walk(current)
        return attrs.evolve(node, **changes) if changes else node

    return walk(body)


# -- the checks -----------------------------------------------------------------------------------


def _where(node: NodeSpec, part: str) -> Location:
    location = node.location
    path = f"{location.path}.{part}" if location.path else part
    return attrs.evolve(location, path=path, rule_id=node.id)


def _conditions(spec: RulesetSpec) -> Iterator[tuple[NodeSpec, str, Expr]]:
    for node in spec.nodes:
        if node.condition is not None:
            yield node, "condition", node.condition
        if node.applies_if is not None:
            yield node, "applies_if", node.applies_if


def _range_checks(analyser: _Analyser, spec: RulesetSpec) -> list[RulesetProblem]:
    """W303: a constant threshold outside the declared range of the fact (or count) it bounds."""
    problems: list[RulesetProblem] = []
    for node, part, tree in _conditions(spec):
        for sub in iter_nodes(tree):
            if not isinstance(sub, Compare):
                continue
            for op, left, right in zip(sub.ops, sub.operands, sub.operands[1:], strict=False):
                for subject, other in ((left, right), (right, left)):
                    declared = _declared_range(analyser, subject)
                    if declared is None:
                        continue
                    threshold = analyser.interval(other, {}).point
                    if threshold is None or declared.contains(threshold):
                        continue
                    what, limits = declared_text(analyser, subject, declared)
                    problems.append(RulesetProblem(
                        "W303",
                        f"threshold {_number_text(threshold)} in '{to_text(left)} {op} "
                        f"{to_text(right)}' is outside the declared range of {what} "
                        f"{limits}",
                        _where(node, part), "warning", _number_text(threshold)))
    return problems


def _bounds(node: Expr, analyser: _Analyser) -> tuple[str, float | None, float | None] | None:
    """What a name is and the bounds the ruleset declares for it, if any."""
    if not isinstance(node, Name):
        return None
    if node.name in analyser.facts:
        fact = analyser.facts[node.name]
        if fact.type in ("number", "integer"):
            return f"fact {node.name!r}", fact.minimum, fact.maximum
    if node.name in analyser.derived:
        item = analyser.derived[node.name]
        return f"derived value {node.name!r}", item.minimum, item.maximum
    return None


def _declared_range(analyser: _Analyser, node: Expr) -> Interval | None:
    bounds = _bounds(node, analyser)
    if bounds is not None:
        _, minimum, maximum = bounds
        if minimum is None and maximum is None:
            return None
        return Interval(_lower(minimum), _upper(maximum))
    if isinstance(node, Call) and node.func == "count" and len(node.args) == 1 and (
            analyser.collection_size(node.args[0]) is not None):
        return analyser.interval(node, {})
    return None


def declared_text(analyser: _Analyser, node: Expr, declared: Interval) -> tuple[str, str]:
    """How to name a bounded quantity and its range in a message."""
    bounds = _bounds(node, analyser)
    if bounds is not None:
        what, minimum, maximum = bounds
        shown = []
        if minimum is not None:
            shown.append(f"min {_number_text(_float(minimum))}")
        if maximum is not None:
            shown.append(f"max {_number_text(_float(maximum))}")
        return what, "(" + ", ".join(shown) + ")"
    return f"{to_text(node)!r}", f"(0 to {_number_text(declared.hi)} values)"


def _truth_checks(analyser: _Analyser, spec: RulesetSpec) -> list[RulesetProblem]:
    """W301 / W302 for criteria and rules (references to other rules are left opaque)."""
    problems: list[RulesetProblem] = []
    for node in spec.nodes:
        if node.kind not in ("criterion", "rule") or node.condition is None:
            continue
        try:
            condition = analyser.formula(node.condition, True, {})
            negation = analyser.formula(node.condition, False, {})
            applies = negation_of_applies = None
            if node.applies_if is not None:
                applies = analyser.formula(node.applies_if, True, {})
                negation_of_applies = analyser.formula(node.applies_if, False, {})
        except RecursionError:
            continue
        text = node.condition_text.strip()
        if applies is not None and negation_of_applies is not None:
            if analyser.budget.never(applies):
                problems.append(RulesetProblem(
                    "W301", f"applies_if '{node.applies_if_text.strip()}' can never be true: "
                    f"criterion {node.id} never applies", _where(node, "applies_if"), "warning",
                    node.id))
                continue
            if analyser.budget.never(negation_of_applies):
                problems.append(RulesetProblem(
                    "W302", f"applies_if '{node.applies_if_text.strip()}' can never be false: "
                    f"criterion {node.id} always applies, the guard is redundant",
                    _where(node, "applies_if"), "warning", node.id))
            condition = _and([applies, condition])
            negation = _and([applies, negation])
        if analyser.budget.never(condition):
            problems.append(RulesetProblem(
                "W301", f"{node.kind} {node.id} can never pass: no values within the declared "
                f"ranges make '{text}' true", _where(node, "condition"), "warning", node.id))
        elif analyser.budget.never(negation):
            problems.append(RulesetProblem(
                "W302", f"{node.kind} {node.id} can never fail: '{text}' is true for every value "
                "within the declared ranges", _where(node, "condition"), "warning", node.id))
    return problems


def _outcome_checks(analyser: _Analyser, spec: RulesetSpec) -> list[RulesetProblem]:
    """W304: an outcome is selected only when its condition is true and every earlier one false."""
    problems: list[RulesetProblem] = []
    outcomes = [spec.node(o) for o in spec.outcomes]
    positives: list[Formula] = []
    negatives: list[Formula] = []
    for node in outcomes:
        assert node.condition is not None
        analyser._inline_left = _INLINE_BUDGET
        try:
            positives.append(analyser.formula(node.condition, True, {}, inline=True))
            analyser._inline_left = _INLINE_BUDGET
            negatives.append(analyser.formula(node.condition, False, {}, inline=True))
        except RecursionError:
            positives.append(Lit(PropAtom(f"outcome {node.id}")))
            negatives.append(Lit(PropAtom(f"outcome {node.id}", False)))
    for index, node in enumerate(outcomes):
        if analyser.budget.never(positives[index]):
            problems.append(RulesetProblem(
                "W304", f"outcome {node.id} can never be selected: its condition "
                f"'{node.condition_text.strip()}' can never be true",
                _where(node, "condition"), "warning", node.id))
            continue
        earlier = outcomes[:index]
        if not earlier:
            continue
        if not analyser.budget.never(_and([positives[index], *negatives[:index]])):
            continue
        cause = next((o.id for j, o in enumerate(earlier)
                      if analyser.budget.never(_and([positives[index], negatives[j]]))), None)
        why = (f"whenever its condition is true, the earlier outcome {cause} is not false"
               if cause else "whenever its condition is true, an earlier outcome ("
               + ", ".join(o.id for o in earlier) + ") is not false")
        analyser.shadowed.add(node.id)
        problems.append(RulesetProblem(
            "W304", f"outcome {node.id} can never be selected: {why}",
            _where(node, "condition"), "warning", node.id))
    if outcomes and analyser.budget.never(_and(negatives)):
        otherwise = spec.otherwise
        analyser.shadowed.add(otherwise.id)
        problems.append(RulesetProblem(
            "W304", f"otherwise outcome {otherwise.id} can never be selected: for every office "
            "some outcome before it is true or undecided", otherwise.location, "warning",
            otherwise.id))
    return problems


def _usage_checks(spec: RulesetSpec, unreachable: frozenset[str] = frozenset()
                  ) -> list[RulesetProblem]:
    """W305 unread declarations; W306 rules that no selectable decision outcome depends on."""
    problems: list[RulesetProblem] = []
    read: set[str] = set()
    for _, _, tree in _conditions(spec):
        read.update(names_in(tree))
    for item in spec.derived:
        read.update(names_in(item.expr))
    for fact in spec.facts:
        if fact.name not in read and fact.type != "text":
            problems.append(RulesetProblem(
                "W305", f"fact {fact.name!r} is declared but no condition reads it",
                fact.location, "warning", fact.name))
    for option in spec.options:
        if option.name not in read:
            problems.append(RulesetProblem(
                "W305", f"option {option.name!r} is declared but no condition reads it",
                option.location, "warning", option.name))
    for item in spec.derived:
        if item.name not in read:
            problems.append(RulesetProblem(
                "W305", f"derived value {item.name!r} is declared but no condition reads it",
                item.location, "warning", item.name))

    nodes = {n.id: n for n in spec.nodes}
    used = _reachable(nodes, spec.outcomes)
    used_by_live = _reachable(nodes, [o for o in spec.outcomes if o not in unreachable])
    for node in spec.nodes:
        if node.informational and node.id in used:
            readers = sorted(o for o in spec.outcomes if node.id in _reachable(nodes, [o]))
            problems.append(RulesetProblem(
                "W307", f"{node.kind} {node.id} is declared informational but decides outcome "
                + ", ".join(readers), node.location, "warning", node.id))
            continue
        if node.kind == "outcome" or node.id in used_by_live or node.informational:
            continue  # an informational rule is meant to be shown in traces only
        if node.parent is not None and node.parent not in used_by_live:
            continue  # reported once, at the top-most unused node
        if node.id in used:
            dead = sorted(o for o in unreachable if node.id in _reachable(nodes, [o]))
            why = ("is used only by outcomes that can never be selected (" + ", ".join(dead)
                   + "), so it can never change a verdict")
        else:
            why = ("is not used by any decision outcome (it is shown in traces but can never "
                   "change a verdict)")
        problems.append(RulesetProblem("W306", f"{node.kind} {node.id} {why}", node.location,
                                       "warning", node.id))
    return problems


def _reachable(nodes: Mapping[str, NodeSpec], starts: Iterable[str]) -> set[str]:
    """Every node the given ones read, directly or through others (children included)."""

    def read_by(current: str) -> list[str]:
        node = nodes.get(current)
        if node is None:
            return []
        names = list(node.children)
        for condition in (node.condition, node.applies_if):
            if condition is not None:
                names.extend(n for n in names_in(condition) if n in nodes)
        return names

    return reachable(starts, read_by)


def lint(spec: RulesetSpec, program: CompiledProgram) -> list[RulesetProblem]:
    """Warnings about a valid ruleset (never-passing criteria, unreachable outcomes, ...).

    Every problem has severity ``"warning"``: the ruleset loads, but probably does not say what
    its authors meant. ``program`` is the ruleset compiled with its default options; the analysis
    itself ranges over every allowed option value.
    """
    del program  # the analysis works on the spec; options are ranged over, not fixed
    return lint_spec(spec)


def lint_spec(spec: RulesetSpec) -> list[RulesetProblem]:
    """:func:`lint` for a validated spec that has not been compiled."""
    analyser = _Analyser(spec)
    found: list[RulesetProblem] = []
    for check in (_range_checks, _truth_checks, _outcome_checks):
        try:
            found += check(analyser, spec)
        except RecursionError:  # a pathologically deep ruleset: skip the check, never crash
            continue
    # rules read only by pre-empted outcomes never matter; an outcome whose own condition can
    # never be true is reported as such, and the rules it reads are its cause, not its victims
    with contextlib.suppress(RecursionError):
        found += _usage_checks(spec, frozenset(analyser.shadowed))
    return found
