"""The compiled plan as SMT formulas (z3): one symbolic office, every node, the verdict.

The encoding follows the native compiler (:mod:`mingxing_rules.compile.codegen`) step by step:

* **three values**: a condition is a pair of z3 booleans ``(t, f)`` — *known true* and *known
  false*; neither is *unknown* (Kleene logic: ``and`` is ``(t1 & t2, f1 | f2)``);
* **missing facts**: each fact has a ``known`` boolean next to its value; a missing fact is
  unknown, and so is every comparison that reads it;
* **numbers** are exact reals (integers for ``integer`` facts); ``a / b`` is kept as the pair
  ``(a, b)`` and compared with ``b`` multiplied across, sign-aware, so no float rounding and no
  non-linear arithmetic for the usual "rate >= constant"; ``x / 0`` and results beyond
  ``2**128`` are unknown, as in :mod:`mingxing_rules.language.arithmetic`;
* **sets** are one boolean per declared value; **enums** an integer index; **dates** a day
  ordinal;
* **criteria** with ``applies_if`` false are *not applicable* and count as met in their
  standard (``_all_of``); **outcomes** are first-match, an unknown earlier outcome giving
  ``UNDECIDED``;
* **options** are fixed values, or free variables within their declared domain (prove for
  every option setting);
* the ruleset's ``constraints`` (cross-fact consistency, when the format has them) are
  asserted: an office that makes a constraint *known false* is not a valid office.

Condition trees are walked only through :class:`~mingxing_rules.language.visitor.ExprVisitor` and
constants folded only by :func:`~mingxing_rules.language.visitor.constant_value`. A construct the
encoding does not cover (``year(d)``, a symbolic power) raises :class:`UnsupportedError`,
which the checks report as an honest *unknown*.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import Location, MingxingError
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
    names_in,
)
from ..language.visitor import ExprVisitor, NotConstantError, constant_value
from ..ruleset.model import FactSpec, OptionSpec

if TYPE_CHECKING:
    from ..compile.plan import Plan, PlanNode

__all__ = [
    "MAX_INPUT",
    "Bool3",
    "Encoding",
    "Num3",
    "ProverUnavailableError",
    "SymbolicOffice",
    "SymbolicOptions",
    "UnsupportedError",
    "encode",
    "load_z3",
    "solver_version",
]

#: Office numbers are validated within +-2**53 (mingxing_rules.engine.office)
MAX_INPUT = 2**53
#: ``date`` facts: the ordinals of datetime.date.min .. datetime.date.max
_DATE_RANGE = (dt.date.min.toordinal(), dt.date.max.toordinal())
#: ``date(y, m, d)`` with a symbolic year is unrolled over at most this many years
_MAX_YEARS = 400


class ProverUnavailableError(MingxingError):
    """z3-solver is not installed (``pip install 'mingxing-rules[prove]'``)."""


class UnsupportedError(MingxingError):
    """A construct the SMT encoding does not cover; the check that needs it is *unknown*."""


def load_z3() -> Any:
    """The z3 module, imported on first use (it is an optional dependency)."""
    try:
        import z3
    except ImportError:  # pragma: no cover - the test extra installs it
        raise ProverUnavailableError(
            "proofs need the z3 SMT solver: pip install 'mingxing-rules[prove]'") from None
    return z3


def solver_version() -> str:
    """``z3 4.13.0`` (the solver that produced a proof)."""
    return f"z3 {load_z3().get_version_string()}"


# -- symbolic values ----------------------------------------------------------------------------


@attrs.frozen
class Bool3:
    """A three-valued condition: ``t`` known true, ``f`` known false, neither unknown."""

    t: Any
    f: Any

    def known(self, z3: Any) -> Any:
        return z3.Or(self.t, self.f)


@attrs.frozen
class Num3:
    """A number: ``value`` (a z3 real or integer) means something only where ``known``."""

    known: Any
    value: Any


@attrs.frozen
class Ratio3:
    """``numerator / denominator`` kept apart, so comparisons stay exact and linear."""

    numerator: Num3
    denominator: Num3


@attrs.frozen
class Enum3:
    known: Any
    index: Any  # z3 Int: position in ``values``
    values: tuple[str, ...]


@attrs.frozen
class Set3:
    known: Any
    members: Mapping[str, Any]  # value id -> z3 Bool


@attrs.frozen
class Date3:
    known: Any
    ordinal: Any  # z3 Int


@attrs.frozen
class Str3:
    known: Any
    value: Any  # z3 String


@attrs.frozen
class Const:
    """A Python constant (``None`` is unknown; lists are tuples)."""

    value: Any


@attrs.frozen
class List3:
    """A list literal with items that read the office."""

    items: tuple[Any, ...]


@attrs.frozen
class NodeValue:
    """A node's status: ``t`` pass, ``f`` fail, ``na`` not applicable, none of them unknown."""

    t: Any
    f: Any
    na: Any

    def view(self) -> Bool3:
        """How other nodes read it: not applicable counts as met."""
        return Bool3(_or(self.t, self.na), self.f)


def _or(a: Any, b: Any) -> Any:
    return load_z3().Or(a, b)


# -- the symbolic office and options -----------------------------------------------------------


@attrs.frozen
class FactVar:
    """The z3 variables of one fact, and its domain (declared type and range)."""

    spec: FactSpec
    known: Any
    value: Any  # Real / Int / Bool / Int index / {value: Bool} / Int ordinal / String
    domain: Any  # z3 Bool: the value is one the office validator accepts


class SymbolicOffice:
    """One z3 variable pair per fact, created on first use. Two encodings that share an office
    (two versions of a ruleset) read the same facts; :meth:`variant` shares all but some."""

    _ids = itertools.count()

    def __init__(self, prefix: str = "", *, base: SymbolicOffice | None = None,
                 own: Iterable[str] = ()) -> None:
        self.z3 = load_z3()
        self.prefix = prefix or f"o{next(self._ids)}"
        self.base = base
        self.own = frozenset(own)
        self.vars: dict[str, FactVar] = {}

    def variant(self, prefix: str, own: Iterable[str]) -> SymbolicOffice:
        """An office equal to this one except for the facts in ``own``."""
        return SymbolicOffice(prefix, base=self, own=own)

    def fact(self, spec: FactSpec) -> FactVar:
        if self.base is not None and spec.name not in self.own:
            return self.base.fact(spec)
        found = self.vars.get(spec.name)
        if found is not None:
            if found.spec.type != spec.type or found.spec.value_ids != spec.value_ids:
                raise UnsupportedError(
                    f"fact {spec.name} has type {found.spec.type} in one version and "
                    f"{spec.type} in the other")
            return found
        self.vars[spec.name] = made = self._make(spec)
        return made

    def _make(self, spec: FactSpec) -> FactVar:
        z3, name = self.z3, f"{self.prefix}.{spec.name}"
        known = z3.Bool(f"{name}?")
        domain: list[Any] = []
        value: Any
        if spec.type in ("number", "integer"):
            value = z3.Int(name) if spec.type == "integer" else z3.Real(name)
            domain += [value >= -MAX_INPUT, value <= MAX_INPUT]
            if spec.minimum is not None:
                domain.append(value >= _real(z3, spec.minimum))
            if spec.maximum is not None:
                domain.append(value <= _real(z3, spec.maximum))
        elif spec.type in ("boolean", "finding"):
            value = z3.Bool(name)
        elif spec.type == "enum":
            value = z3.Int(name)
            domain += [value >= 0, value < len(spec.values)]
        elif spec.type == "set":
            value = {v: z3.Bool(f"{name}.{v}") for v in spec.value_ids}
        elif spec.type == "date":
            value = z3.Int(name)
            domain += [value >= _DATE_RANGE[0], value <= _DATE_RANGE[1]]
        else:
            value = z3.String(name)
        return FactVar(spec, known, value, z3.And(domain) if domain else z3.BoolVal(True))

    def all_vars(self) -> dict[str, FactVar]:
        merged = dict(self.base.all_vars()) if self.base is not None else {}
        merged.update(self.vars)
        return merged

    def read(self, model: Any, names: Iterable[str] | None = None) -> dict[str, Any]:
        """The office a z3 model describes, as JSON-ready fact values (missing facts left out)."""
        found: dict[str, Any] = {}
        everything = self.all_vars()
        for name in names if names is not None else everything:
            var = everything.get(name)
            if var is None or not _true(model, var.known):
                continue
            found[name] = fact_value(model, var)
        return found


def fact_value(model: Any, var: FactVar) -> Any:
    """One fact's value in a model, in the office JSON form."""
    z3 = load_z3()
    spec = var.spec
    if spec.type in ("boolean", "finding"):
        return _true(model, var.value)
    if spec.type == "enum":
        index = model.eval(var.value, model_completion=True).as_long()
        return spec.value_ids[min(max(index, 0), len(spec.values) - 1)]
    if spec.type == "set":
        return [v for v, member in var.value.items() if _true(model, member)]
    if spec.type == "date":
        ordinal = model.eval(var.value, model_completion=True).as_long()
        return dt.date.fromordinal(ordinal).isoformat()
    if spec.type == "integer":
        return model.eval(var.value, model_completion=True).as_long()
    if spec.type == "number":
        number = model.eval(var.value, model_completion=True)
        fraction = number.as_fraction()
        if fraction.denominator == 1:
            return int(fraction.numerator)
        return float(fraction)
    text = model.eval(var.value, model_completion=True)
    return text.as_string() if z3.is_string_value(text) else str(text)


def _true(model: Any, expr: Any) -> bool:
    return bool(load_z3().is_true(model.eval(expr, model_completion=True)))


class SymbolicOptions:
    """Options fixed to values, or free within their declared domain (``free=True``)."""

    def __init__(self, specs: Sequence[OptionSpec], fixed: Mapping[str, Any], *,
                 free: Iterable[str] = (), prefix: str = "opt") -> None:
        z3 = self.z3 = load_z3()
        self.specs = {o.name: o for o in specs}
        self.fixed = {n: v for n, v in fixed.items() if n not in set(free)}
        self.vars: dict[str, Any] = {}
        domain: list[Any] = []
        for name in free:
            spec = self.specs[name]
            if spec.type == "boolean":
                self.vars[name] = Bool3(z3.Bool(f"{prefix}.{name}"),
                                        z3.Not(z3.Bool(f"{prefix}.{name}")))
                continue
            variable = z3.Int(f"{prefix}.{name}") if spec.type in ("integer", "enum") else (
                z3.Real(f"{prefix}.{name}"))
            if spec.type == "enum":
                domain += [variable >= 0, variable < len(spec.values)]
                self.vars[name] = Enum3(z3.BoolVal(True), variable, tuple(spec.values))
                continue
            if spec.minimum is not None:
                domain.append(variable >= _real(z3, spec.minimum))
            if spec.maximum is not None:
                domain.append(variable <= _real(z3, spec.maximum))
            self.vars[name] = Num3(z3.BoolVal(True), z3.ToReal(variable)
                                   if spec.type == "integer" else variable)
        self.domain = z3.And(domain) if domain else z3.BoolVal(True)

    def read(self, model: Any) -> dict[str, Any]:
        """The option values of a model (fixed ones included)."""
        found = dict(self.fixed)
        for name, value in self.vars.items():
            if isinstance(value, Bool3):
                found[name] = _true(model, value.t)
            elif isinstance(value, Enum3):
                index = model.eval(value.index, model_completion=True).as_long()
                found[name] = value.values[index]
            else:
                number = model.eval(value.value, model_completion=True).as_fraction()
                found[name] = int(number) if number.denominator == 1 else float(number)
        return found


def _real(z3: Any, number: Any) -> Any:
    if isinstance(number, bool):
        raise UnsupportedError("a boolean used as a number")
    if isinstance(number, int):
        return z3.RealVal(number)
    # the decimal the ruleset wrote (0.96), not the binary float nearest to it
    return z3.RealVal(repr(float(number)))


# -- the encoding ---------------------------------------------------------------------------------


@attrs.frozen
class Constraint:
    """One assertion about valid offices, with where it comes from (for unsat cores)."""

    label: str  # short id, e.g. "fact floor_area_m2" or "constraint key_plus_general"
    formula: Any
    location: Location


class Encoding:
    """Every node of one plan over one symbolic office and options.

    ``nodes[id]`` is a :class:`NodeValue`, ``derived[name]`` a number, ``verdict[outcome]`` a
    z3 boolean that holds exactly when the native engine decides that outcome (``UNDECIDED``
    and the ``otherwise`` outcome included). ``constraints`` describe valid offices.
    """

    def __init__(self, plan: Plan, office: SymbolicOffice, options: SymbolicOptions) -> None:
        self.z3 = load_z3()
        self.plan, self.office, self.options = plan, office, options
        self.side: list[Any] = []  # definitions of materialised ratios
        self.derived: dict[str, Any] = {}
        self.nodes: dict[str, NodeValue] = {}
        self.translator = _Translator(self)
        for node in plan.order:
            if node.kind == "derived":
                assert node.condition is not None
                self.derived[node.id] = self.translator.visit(node.condition)
            else:
                self.nodes[node.id] = self._node(node)
        self.outcome_ids = [o.id for o in plan.outcomes]
        self.otherwise = plan.otherwise.id
        self.verdict = self._decide()
        self.constraints = self._constraints()

    # facts -----------------------------------------------------------------------------------
    def fact(self, name: str) -> FactVar:
        return self.office.fact(self.plan.facts[name])

    @property
    def facts_read(self) -> tuple[str, ...]:
        return self.plan.facts_read

    def complete(self) -> Any:
        """Every fact the plan reads is given."""
        return self.z3.And([self.fact(n).known for n in self.facts_read] or [True])

    # nodes -----------------------------------------------------------------------------------
    def _node(self, node: PlanNode) -> NodeValue:
        z3 = self.z3
        if node.kind in ("standard", "group"):
            children = [self.nodes[c] for c in node.children]
            all_na = z3.And([c.na for c in children] or [True])
            return NodeValue(z3.And(z3.And([z3.Or(c.t, c.na) for c in children]),
                                    z3.Not(all_na)),
                             z3.Or([c.f for c in children] or [False]), all_na)
        assert node.condition is not None
        condition = self.translator.boolean(node.condition)
        if node.kind != "criterion" or node.applies_if is None:
            return NodeValue(condition.t, condition.f, z3.BoolVal(False))
        applies = self.translator.boolean(node.applies_if)
        # applies false: NA; applies true: the condition; applies unknown: pass if it passes
        return NodeValue(z3.And(z3.Not(applies.f), condition.t),
                         z3.And(applies.t, condition.f), applies.f)

    def outcome_condition(self, outcome: str) -> Bool3:
        return self.nodes[outcome].view()

    def _decide(self) -> dict[str, Any]:
        z3 = self.z3
        verdict: dict[str, Any] = {}
        earlier_false: list[Any] = []
        undecided: list[Any] = []
        for outcome in self.outcome_ids:
            value = self.outcome_condition(outcome)
            verdict[outcome] = z3.And(*earlier_false, value.t)
            undecided.append(z3.And(*earlier_false, z3.Not(value.t), z3.Not(value.f)))
            earlier_false.append(value.f)
        verdict[self.otherwise] = z3.And(earlier_false or [True])
        verdict["UNDECIDED"] = z3.Or(undecided or [False])
        return verdict

    @property
    def verdict_ids(self) -> list[str]:
        return [*self.outcome_ids, self.otherwise, "UNDECIDED"]

    # valid offices ---------------------------------------------------------------------------
    def _constraints(self) -> list[Constraint]:
        z3 = self.z3
        found: list[Constraint] = []
        for name in self.facts_read:
            var = self.fact(name)
            found.append(Constraint(f"fact {name}", z3.Implies(var.known, var.domain),
                                    var.spec.location))
        for node in self.plan.of_kind("derived"):
            for bound, op in ((node.minimum, ">="), (node.maximum, "<=")):
                if bound is None:
                    continue
                within = self.translator.compare(op, self.derived[node.id], Const(bound))
                found.append(Constraint(f"derived {node.id} {op} {bound:g}", z3.Not(within.f),
                                        node.location))
        for item in ruleset_constraints(self.plan):
            holds = self.translator.boolean(item.tree)
            found.append(Constraint(f"constraint {item.name}", z3.Not(holds.f), item.location))
        if self.side:
            found.append(Constraint("exact rates", z3.And(self.side), Location()))
        found.append(Constraint("options", self.options.domain, Location()))
        return found

    def valid(self) -> Any:
        return self.z3.And([c.formula for c in self.constraints])


@attrs.frozen
class RulesetConstraint:
    name: str
    tree: Expr
    location: Location


def ruleset_constraints(plan: Plan) -> list[RulesetConstraint]:
    """The ruleset's ``constraints:`` (cross-fact consistency), read defensively: the section is
    added by another part of the format, so any item with a condition tree (``condition``,
    ``expr`` or ``tree``) or condition text is taken."""
    from ..language.expr import parse

    found: list[RulesetConstraint] = []
    items = getattr(plan.spec, "constraints", None) or ()
    if isinstance(items, Mapping):
        items = [attrs.evolve(v, name=k) if attrs.has(type(v)) and hasattr(v, "name") else v
                 for k, v in items.items()]
    for position, item in enumerate(items):
        tree = next((getattr(item, key) for key in ("condition", "expr", "tree")
                     if isinstance(getattr(item, key, None), _EXPR_TYPES)), None)
        if tree is None:
            text = next((getattr(item, key) for key in ("condition_text", "source", "text")
                         if isinstance(getattr(item, key, None), str)), None)
            if text is None:
                continue
            tree = parse(text)
        name = str(getattr(item, "id", None) or getattr(item, "name", None) or position)
        location = getattr(item, "location", None)
        found.append(RulesetConstraint(name, tree, location if isinstance(location, Location)
                                       else Location(file=plan.spec.file)))
    return found


_EXPR_TYPES = (Literal, ListExpr, Name, Unary, Binary, Compare, BoolOp, Implies, Membership,
               Call, Quantifier)


def encode(plan: Plan, office: SymbolicOffice | None = None,
           options: SymbolicOptions | None = None) -> Encoding:
    """The encoding of ``plan`` (a fresh office and the plan's own option values by default)."""
    office = office or SymbolicOffice()
    options = options or SymbolicOptions(plan.spec.options, plan.option_map)
    return Encoding(plan, office, options)


# -- condition trees ------------------------------------------------------------------------------

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Translator(ExprVisitor[Any]):
    """Condition trees to symbolic values (one visitor method per node kind)."""

    def __init__(self, encoding: Encoding) -> None:
        self.encoding = encoding
        self.z3 = encoding.z3
        self.scope: dict[str, Any] = {}

    # helpers ---------------------------------------------------------------------------------
    def boolean(self, tree: Expr) -> Bool3:
        return self.as_bool(self.visit(tree))

    def as_bool(self, value: Any) -> Bool3:
        z3 = self.z3
        if isinstance(value, Bool3):
            return value
        if isinstance(value, Const):
            if value.value is None:
                return Bool3(z3.BoolVal(False), z3.BoolVal(False))
            truth = bool(value.value)
            return Bool3(z3.BoolVal(truth), z3.BoolVal(not truth))
        raise UnsupportedError(f"{type(value).__name__} used as a condition")

    def as_number(self, value: Any) -> Num3:
        z3 = self.z3
        if isinstance(value, Num3):
            return value
        if isinstance(value, Ratio3):
            return self.materialise(value)
        if isinstance(value, Const):
            if value.value is None:
                return Num3(z3.BoolVal(False), z3.RealVal(0))
            if isinstance(value.value, bool) or not isinstance(value.value, int | float):
                raise UnsupportedError(f"{value.value!r} used as a number")
            return Num3(z3.BoolVal(True), _real(z3, value.value))
        raise UnsupportedError(f"{type(value).__name__} used as a number")

    def materialise(self, ratio: Ratio3) -> Num3:
        """A ratio as a number of its own (non-linear: ``r * den == num``)."""
        z3 = self.z3
        result = z3.FreshReal("rate")
        known = self.ratio_known(ratio)
        self.encoding.side.append(z3.Implies(
            known, result * ratio.denominator.value == ratio.numerator.value))
        return Num3(known, result)

    def ratio_known(self, ratio: Ratio3) -> Any:
        z3 = self.z3
        n, d = ratio.numerator.value, ratio.denominator.value
        magnitude = z3.RealVal(MAX_MAGNITUDE)
        return z3.And(ratio.numerator.known, ratio.denominator.known, d != 0,
                      z3.If(d > 0, z3.And(n <= magnitude * d, n >= -magnitude * d),
                            z3.And(n <= -magnitude * d, n >= magnitude * d)))

    def bounded(self, known: Any, value: Any) -> Num3:
        z3 = self.z3
        magnitude = z3.RealVal(MAX_MAGNITUDE)
        return Num3(z3.And(known, value <= magnitude, value >= -magnitude), value)

    def unknown(self) -> Bool3:
        return Bool3(self.z3.BoolVal(False), self.z3.BoolVal(False))

    def relation(self, known: Any, holds: Any) -> Bool3:
        z3 = self.z3
        return Bool3(z3.And(known, holds), z3.And(known, z3.Not(holds)))

    # comparisons -------------------------------------------------------------------------------
    def compare(self, op: str, left: Any, right: Any) -> Bool3:
        z3 = self.z3
        if isinstance(left, Const) and isinstance(right, Const):
            if left.value is None or right.value is None:
                return self.unknown()
            return self.as_bool(Const(_python_compare(op, left.value, right.value)))
        if isinstance(left, Const) and not isinstance(right, Const):
            return self.compare(_FLIP[op], right, left)
        if isinstance(right, Const) and right.value is None:
            return self.unknown()
        if isinstance(left, Ratio3) and isinstance(right, Ratio3):
            left = self.materialise(left)
        if isinstance(left, Ratio3) and (isinstance(right, Num3 | Const)):
            other = self.as_number(right)
            n, d = left.numerator.value, left.denominator.value
            scaled = other.value * d
            holds = z3.If(d > 0, _arith(op, n, scaled), _arith(_FLIP[op], n, scaled))
            return self.relation(z3.And(self.ratio_known(left), other.known), holds)
        if isinstance(right, Ratio3):
            return self.compare(_FLIP[op], right, left)
        if isinstance(left, Num3):
            other = self.as_number(right)
            return self.relation(z3.And(left.known, other.known),
                                 _arith(op, left.value, other.value))
        if isinstance(left, Bool3):
            flag = self.as_bool(right)
            if op not in ("==", "!="):
                raise UnsupportedError(f"ordering of conditions ({op})")
            same_t = z3.Or(z3.And(left.t, flag.t), z3.And(left.f, flag.f))
            same_f = z3.Or(z3.And(left.t, flag.f), z3.And(left.f, flag.t))
            return Bool3(same_t, same_f) if op == "==" else Bool3(same_f, same_t)
        if isinstance(left, Enum3):
            if op not in ("==", "!="):
                raise UnsupportedError(f"ordering of enum values ({op})")
            if isinstance(right, Const):
                if right.value not in left.values:
                    equal = self.relation(left.known, z3.BoolVal(False))
                else:
                    equal = self.relation(left.known, left.index == left.values.index(
                        right.value))
            elif isinstance(right, Enum3) and right.values == left.values:
                equal = self.relation(z3.And(left.known, right.known),
                                      left.index == right.index)
            else:
                raise UnsupportedError("an enum compared with another type")
            return equal if op == "==" else Bool3(equal.f, equal.t)
        if isinstance(left, Date3):
            if isinstance(right, Const) and isinstance(right.value, dt.date):
                day = Date3(z3.BoolVal(True), z3.IntVal(right.value.toordinal()))
            elif isinstance(right, Date3):
                day = right
            else:
                raise UnsupportedError("a date compared with another type")
            return self.relation(z3.And(left.known, day.known),
                                 _arith(op, left.ordinal, day.ordinal))
        if isinstance(left, Str3):
            if op not in ("==", "!="):
                raise UnsupportedError(f"ordering of text ({op})")
            if isinstance(right, Const) and isinstance(right.value, str):
                other_value, other_known = z3.StringVal(right.value), z3.BoolVal(True)
            elif isinstance(right, Str3):
                other_value, other_known = right.value, right.known
            else:
                raise UnsupportedError("text compared with another type")
            equal = self.relation(z3.And(left.known, other_known), left.value == other_value)
            return equal if op == "==" else Bool3(equal.f, equal.t)
        raise UnsupportedError(f"comparison of {type(left).__name__}")

    def kleene(self, op: str, parts: Sequence[Bool3]) -> Bool3:
        z3 = self.z3
        ts, fs = [p.t for p in parts], [p.f for p in parts]
        if op == "and":
            return Bool3(z3.And(ts or [True]), z3.Or(fs or [False]))
        return Bool3(z3.Or(ts or [False]), z3.And(fs or [True]))

    # visitor -----------------------------------------------------------------------------------
    def visit(self, node: Expr) -> Any:
        if not isinstance(node, Literal | Name):
            try:
                return Const(_freeze(constant_value(node, self.encoding.options.fixed)))
            except NotConstantError:
                pass
            except ConstantTooLargeError:
                return Const(None)
        return super().visit(node)

    def generic_visit(self, node: Expr) -> Any:
        raise UnsupportedError(f"cannot encode {type(node).__name__}")

    def visit_Literal(self, node: Literal) -> Any:
        return Const(node.value)

    def visit_ListExpr(self, node: ListExpr) -> Any:
        return List3(tuple(self.visit(item) for item in node.items))

    def visit_Name(self, node: Name) -> Any:
        name = node.name
        encoding = self.encoding
        if name in self.scope:
            return self.scope[name]
        options = encoding.options
        if name in options.vars:
            return options.vars[name]
        if name in options.fixed:
            return Const(_freeze(options.fixed[name]))
        if name in encoding.plan.facts:
            return self.fact(name)
        if name in encoding.derived:
            return encoding.derived[name]
        if name in encoding.nodes:
            return encoding.nodes[name].view()
        raise UnsupportedError(f"{name} is read before it is defined")

    def fact(self, name: str) -> Any:
        z3 = self.z3
        var = self.encoding.fact(name)
        kind = var.spec.type
        if kind in ("number", "integer"):
            value = z3.ToReal(var.value) if kind == "integer" else var.value
            return Num3(var.known, value)
        if kind in ("boolean", "finding"):
            return Bool3(z3.And(var.known, var.value), z3.And(var.known, z3.Not(var.value)))
        if kind == "enum":
            return Enum3(var.known, var.value, var.spec.value_ids)
        if kind == "set":
            return Set3(var.known, var.value)
        if kind == "date":
            return Date3(var.known, var.value)
        return Str3(var.known, var.value)

    def visit_Unary(self, node: Unary) -> Any:
        value = self.visit(node.operand)
        if node.op == "not":
            inner = self.as_bool(value)
            return Bool3(inner.f, inner.t)
        if isinstance(value, Ratio3):
            numerator = value.numerator
            return Ratio3(Num3(numerator.known, -numerator.value), value.denominator)
        number = self.as_number(value)
        return Num3(number.known, -number.value)

    def visit_Binary(self, node: Binary) -> Any:
        z3 = self.z3
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op == "/":
            return Ratio3(self.as_number(left), self.as_number(right))
        a, b = self.as_number(left), self.as_number(right)
        known = z3.And(a.known, b.known)
        if node.op == "+":
            return self.bounded(known, a.value + b.value)
        if node.op == "-":
            return self.bounded(known, a.value - b.value)
        if node.op == "*":
            return self.bounded(known, a.value * b.value)
        exponent = right.value if isinstance(right, Const) else None
        if isinstance(exponent, int) and not isinstance(exponent, bool) and 0 <= exponent <= 8:
            product = z3.RealVal(1)
            for _ in range(exponent):
                product = product * a.value
            return self.bounded(known, product)
        raise UnsupportedError("a power with a symbolic or large exponent")

    def visit_Compare(self, node: Compare) -> Any:
        values = [self.visit(o) for o in node.operands]
        pairs = [self.compare(op, a, b)
                 for op, a, b in zip(node.ops, values, values[1:], strict=False)]
        return pairs[0] if len(pairs) == 1 else self.kleene("and", pairs)

    def visit_BoolOp(self, node: BoolOp) -> Any:
        return self.kleene(node.op, [self.boolean(o) for o in node.operands])

    def visit_Implies(self, node: Implies) -> Any:
        left = self.boolean(node.left)
        return self.kleene("or", [Bool3(left.f, left.t), self.boolean(node.right)])

    def visit_Membership(self, node: Membership) -> Any:
        result = self.member(self.visit(node.item), self.visit(node.container))
        return Bool3(result.f, result.t) if node.negated else result

    def member(self, item: Any, container: Any) -> Bool3:
        z3 = self.z3
        if isinstance(container, Set3):
            if isinstance(item, Const):
                if item.value is None:
                    return self.unknown()
                flag = container.members.get(item.value)
                return self.relation(container.known,
                                     flag if flag is not None else z3.BoolVal(False))
            if isinstance(item, Enum3):
                hits = [z3.And(item.index == i, container.members[v])
                        for i, v in enumerate(item.values) if v in container.members]
                return self.relation(z3.And(item.known, container.known), z3.Or(hits or [False]))
            raise UnsupportedError("membership of a computed value in a set")
        if isinstance(container, Const) and isinstance(container.value, tuple):
            items: tuple[Any, ...] = tuple(Const(v) for v in container.value)
        elif isinstance(container, List3):
            items = container.items
        elif isinstance(container, Const) and container.value is None:
            return self.unknown()
        else:
            raise UnsupportedError(f"membership in {type(container).__name__}")
        # Python's `in` on a list: unknown if the item or any list item is unknown
        equalities = [self.compare("==", item, element) for element in items]
        known = z3.And([e.known(z3) for e in equalities] or [True])
        hit = z3.Or([e.t for e in equalities] or [False])
        return self.relation(known, hit)

    def visit_Quantifier(self, node: Quantifier) -> Any:
        z3 = self.z3
        iterable = self.visit(node.iterable)
        bodies: list[tuple[Any, Bool3]] = []  # (the item is present, the body for it)
        if isinstance(iterable, Set3):
            known = iterable.known
            for value_id, member in iterable.members.items():
                bodies.append((member, self.bound(node, Const(value_id))))
        elif isinstance(iterable, Const) and isinstance(iterable.value, tuple):
            known = z3.BoolVal(True)
            bodies = [(z3.BoolVal(True), self.bound(node, Const(v))) for v in iterable.value]
        elif isinstance(iterable, List3):
            known = z3.And([self.known_of(i) for i in iterable.items] or [True])
            bodies = [(z3.BoolVal(True), self.bound(node, i)) for i in iterable.items]
        elif isinstance(iterable, Const) and iterable.value is None:
            return self.unknown() if node.kind != "count" else Num3(z3.BoolVal(False),
                                                                   z3.RealVal(0))
        else:
            raise UnsupportedError(f"a quantifier over {type(iterable).__name__}")
        if node.kind == "all":
            return Bool3(z3.And(known, z3.And([z3.Or(z3.Not(p), b.t) for p, b in bodies]
                                              or [True])),
                         z3.And(known, z3.Or([z3.And(p, b.f) for p, b in bodies] or [False])))
        if node.kind == "any":
            return Bool3(z3.And(known, z3.Or([z3.And(p, b.t) for p, b in bodies] or [False])),
                         z3.And(known, z3.And([z3.Or(z3.Not(p), b.f) for p, b in bodies]
                                              or [True])))
        all_known = z3.And([z3.Or(z3.Not(p), b.t, b.f) for p, b in bodies] or [True])
        total = z3.Sum([z3.If(z3.And(p, b.t), z3.RealVal(1), z3.RealVal(0)) for p, b in bodies]
                       or [z3.RealVal(0)])
        return Num3(z3.And(known, all_known), total)

    def bound(self, node: Quantifier, value: Any) -> Bool3:
        outer = self.scope
        self.scope = {**outer, node.var: value}
        try:
            return self.boolean(node.body)
        finally:
            self.scope = outer

    def known_of(self, value: Any) -> Any:
        z3 = self.z3
        if isinstance(value, Bool3):
            return value.known(z3)
        if isinstance(value, Const):
            return z3.BoolVal(value.value is not None)
        if isinstance(value, Ratio3):
            return self.ratio_known(value)
        if isinstance(value, List3):
            return z3.And([self.known_of(i) for i in value.items] or [True])
        return value.known

    def visit_Call(self, node: Call) -> Any:
        z3 = self.z3
        func = node.func
        if func == "date":
            return self.date_call(node)
        args = [self.visit(a) for a in node.args]
        if func == "count":
            (target,) = args
            if isinstance(target, Set3):
                return Num3(target.known, z3.Sum([z3.If(m, z3.RealVal(1), z3.RealVal(0))
                                                  for m in target.members.values()]
                                                 or [z3.RealVal(0)]))
            if isinstance(target, List3):
                return Num3(self.known_of(target), z3.RealVal(len(target.items)))
            raise UnsupportedError(f"count of {type(target).__name__}")
        if func in ("min", "max", "abs"):
            numbers = [self.as_number(a) for a in args]
            known = z3.And([n.known for n in numbers] or [True])
            if func == "abs":
                value = numbers[0].value
                return Num3(known, z3.If(value >= 0, value, -value))
            best = numbers[0].value
            for other in numbers[1:]:
                better = other.value < best if func == "min" else other.value > best
                best = z3.If(better, other.value, best)
            return Num3(known, best)
        if func == "if_known":
            value, default = args
            return self.if_known(value, default)
        raise UnsupportedError(f"{func}() is not encoded")

    def if_known(self, value: Any, default: Any) -> Any:
        z3 = self.z3
        if isinstance(value, Bool3) or (isinstance(default, Bool3)
                                        and not isinstance(value, Num3 | Ratio3)):
            first: Bool3 = self.as_bool(value)
            second: Bool3 = self.as_bool(default)
            missing = z3.Not(first.known(z3))
            return Bool3(z3.Or(first.t, z3.And(missing, second.t)),
                         z3.Or(first.f, z3.And(missing, second.f)))
        if isinstance(value, Num3 | Ratio3 | Const) and isinstance(default, Num3 | Ratio3 | Const):
            first_n, second_n = self.as_number(value), self.as_number(default)
            return Num3(z3.Or(first_n.known, second_n.known),
                        z3.If(first_n.known, first_n.value, second_n.value))
        raise UnsupportedError("if_known() on this type")

    def date_call(self, node: Call) -> Any:
        """``date(y, m, d)``: constant parts folded; a symbolic year unrolled over the year
        fact's declared range."""
        z3 = self.z3
        parts: list[Any] = []
        for arg in node.args:
            try:
                parts.append(constant_value(arg, self.encoding.options.fixed))
            except NotConstantError:
                parts.append(arg)
        if len(parts) != 3 or not all(isinstance(p, int) for p in parts[1:]):
            raise UnsupportedError("date() with a symbolic month or day")
        year_tree, month, day = parts
        if isinstance(year_tree, int):
            try:
                return Const(dt.date(year_tree, month, day))
            except ValueError:
                return Const(None)
        # the year reads one fact with a small declared range (``assessment_year`` or
        # ``assessment_year - 1``): one date per value of that fact, the year folded for each
        fixed = self.encoding.options.fixed
        read = [name for name in names_in(year_tree) if name not in fixed]
        spec = self.encoding.plan.facts.get(read[0]) if len(read) == 1 else None
        if (spec is None or spec.type not in ("integer", "number") or spec.minimum is None
                or spec.maximum is None or spec.maximum - spec.minimum > _MAX_YEARS):
            raise UnsupportedError("date() with a year that has no small declared range")
        fact = self.fact(spec.name)
        hits: Any = z3.BoolVal(False)
        ordinal: Any = z3.IntVal(0)
        for candidate in range(math.ceil(spec.minimum), math.floor(spec.maximum) + 1):
            try:
                year = constant_value(year_tree, {**fixed, spec.name: candidate})
                day_number = dt.date(year, month, day).toordinal()
            except (ValueError, TypeError, ConstantTooLargeError):
                continue  # not a valid year: the date is unknown, as the native engine has it
            hit = fact.value == candidate
            hits = z3.Or(hits, hit)
            ordinal = z3.If(hit, z3.IntVal(day_number), ordinal)
        return Date3(z3.And(fact.known, hits), ordinal)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _python_compare(op: str, left: Any, right: Any) -> Any:
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
    try:
        return operations[op](left, right)
    except TypeError:
        return None


def _arith(op: str, left: Any, right: Any) -> Any:
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "==":
        return left == right
    return left != right
