"""From a condition to formulas: when it is true, false and unknown in the Rete network.

Three-valued logic in a two-valued engine: for every condition :class:`ConditionTranslator`
builds three *positive* formulas (:class:`~.formulas.Tri`), one for each of true, false and
unknown (a missing fact is a ``$nex`` test, always anchored by a positive test on the fact's
type), so exactly one of a node's rules matches and "why not" is as explicit as "why".

What the network cannot express — arithmetic on facts, functions, counting — becomes a property
of the office event computed by the pre-pass (:mod:`.prepass`) and is recorded as an
:class:`~.problems.OutsideNote`; what cannot run at all raises
:class:`~.problems.UnsupportedError`. Every walk of the syntax tree here is an
:class:`~mingxing_rules.language.visitor.ExprVisitor`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from ...compile.codegen import NA, CompiledProgram
from ...compile.plan import COMPARATOR_FLIP, COMPARATOR_NEGATION
from ...errors import Location
from ...language import expr as syntax
from ...language.visitor import ExprVisitor
from ...ruleset.model import NodeSpec
from .codes import FAIL, NOT_APPLICABLE, PASS, UNKNOWN
from .formulas import (
    A_TRUE,
    J_FALSE,
    Alpha,
    Join,
    Tri,
    a_and,
    a_or,
    atom,
    j_and,
    j_or,
    tri_alpha,
    tri_and,
    tri_const,
    tri_or,
)
from .jsontext import Num, constant_json
from .model import Field, OutsideTerm
from .prepass import PrePass, compare3
from .problems import OutsideNote, UnsupportedError, UnsupportedNote

__all__ = ["KIND_OF_FACT", "ConditionTranslator"]

KIND_OF_FACT = {"number": "number", "integer": "number", "boolean": "boolean",
                "finding": "boolean", "enum": "string", "set": "list", "date": "date",
                "text": "text"}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


def _compare_atom(op: str, key: str, right: Any) -> Alpha:
    if op == "==":
        return atom({key: right})
    return atom({_DURABLE_OP[op]: {key: right}})


def _exists(key: str) -> Alpha:
    return atom({"$ex": {key: 1}})


def _missing(key: str) -> Alpha:
    return atom({"$nex": {key: 1}})


@attrs.frozen
class _Const:
    value: Any


@attrs.frozen
class _FieldTerm:
    field: Field


@attrs.frozen
class _YearDate:
    """``date(y, m, d)`` with ``y`` an integer fact: ``y * 10000 + m * 100 + d`` on the right."""

    year: Field
    month_day: int


_Term = _Const | _FieldTerm | _YearDate


class ConditionTranslator(ExprVisitor[Tri]):
    """Translates the conditions of one compiled program; ``visit(condition)`` gives its
    :class:`~.formulas.Tri`.

    It also keeps what the translation of the whole program collects: the event properties
    (:attr:`fields`), the pre-pass terms and notes, the nodes folded to constants, the result
    codes each node can post and the nodes that cannot run. ``scope`` binds the variable of a
    quantifier over a constant list to one of its values while the body is translated.
    """

    def __init__(self, program: CompiledProgram) -> None:
        self.program = program
        self.spec = program.spec
        self.options = dict(program.options)
        self.facts = {f.name: f for f in self.spec.facts}
        self.derived = {d.name: d for d in self.spec.derived}
        self.node_specs = {n.id: n for n in self.spec.nodes}
        self.prepass = PrePass(self.options, self.facts, self.derived)
        self.fields: dict[str, Field] = {}
        self.outside_terms: dict[str, OutsideTerm] = {}
        self.outside: list[OutsideNote] = []
        self.unsupported: list[UnsupportedNote] = []
        self.current: NodeSpec | None = None
        self.constants: dict[str, Any] = {}  # node id -> constant value (folded in consumers)
        self.possible: dict[str, frozenset[int]] = {}  # node id -> codes it can post
        self.failed: set[str] = set()  # nodes that cannot run on durable_rules
        self.scope: Mapping[str, Any] = {}  # quantifier variable -> its value

    @contextmanager
    def bound(self, scope: Mapping[str, Any]) -> Iterator[None]:
        outer, self.scope = self.scope, scope
        try:
            yield
        finally:
            self.scope = outer

    # -- names and fields ---------------------------------------------------------------------
    def fact_field(self, name: str) -> Field:
        kind = KIND_OF_FACT[self.facts[name].type]
        return self.field(f"f_{name}", kind, "fact", name)

    def size_field(self, name: str) -> Field:
        return self.field(f"n_{name}", "size", "fact", name)

    def field(self, key: str, kind: str, source: str, name: str) -> Field:
        if key not in self.fields:
            self.fields[key] = Field(key, kind, source, name)
        return self.fields[key]

    def note_outside(self, node: syntax.Expr, kind: str, reason: str) -> Field:
        """A sub-expression the pre-pass computes; the network reads it as a property.

        Inside a quantifier over a constant list, the loop variable's value is part of it.
        """
        scope = self.scope
        nodes = [n for n in syntax.names_in(node) if n in self.node_specs and n not in scope]
        if nodes:
            raise UnsupportedError(
                f"{syntax.to_text(node)!r} computes with rule outcomes ({', '.join(nodes)}), "
                "which are decided inside the Rete network: the pre-pass cannot compute it and "
                "durable_rules cannot compute on them")
        bound = dict(scope)
        text = syntax.to_text(node)
        if bound:
            text += " with " + ", ".join(f"{k} = {v!r}" for k, v in sorted(bound.items()))
        if text not in self.outside_terms:
            getter = self.prepass.compile(node, frozenset(bound))
            if bound:
                inner = getter

                def getter(env: dict[str, Any]) -> Any:
                    return inner({**env, **bound})

            key = f"x{len(self.outside_terms)}"
            self.outside_terms[text] = OutsideTerm(key, kind, text, getter)
        term = self.outside_terms[text]
        current = self.current
        note = OutsideNote(current.id if current else "", syntax.to_text(node), reason,
                           current.location if current else Location())
        if note not in self.outside:
            self.outside.append(note)
        return self.field(term.key, kind, "outside", text)

    def is_constant_expr(self, node: syntax.Expr) -> bool:
        return all(n in self.scope or n in self.options for n in syntax.names_in(node))

    def fold(self, node: syntax.Expr) -> Any:
        getter = self.prepass.compile(node, frozenset(self.scope))
        return getter(dict(self.scope))

    # -- boolean expressions ---------------------------------------------------------------------
    def visit(self, node: syntax.Expr) -> Tri:
        if self.is_constant_expr(node):
            return tri_const(self.fold(node))
        return super().visit(node)

    def generic_visit(self, node: syntax.Expr) -> Tri:
        return self.outside_boolean(node, "the engine has no form for this condition")

    def visit_Name(self, node: syntax.Name) -> Tri:
        name = node.name
        if name in self.facts:
            field = self.fact_field(name)
            return tri_alpha(atom({field.key: True}), atom({field.key: False}),
                             _missing(field.key), field.key)
        if name in self.node_specs:
            if name in self.failed:
                raise UnsupportedError(f"it reads {name}, which cannot run on durable_rules")
            if name in self.constants:
                value = self.constants[name]
                return tri_const(True if value is NA else value)
            # a node read as a condition: not applicable counts as met
            return Tri(((A_TRUE, ((name, frozenset({PASS, NOT_APPLICABLE})),)),),
                       ((A_TRUE, ((name, frozenset({FAIL})),)),),
                       ((A_TRUE, ((name, frozenset({UNKNOWN})),)),))
        raise UnsupportedError(f"{name!r} cannot be read as a condition")  # pragma: no cover

    def visit_Unary(self, node: syntax.Unary) -> Tri:
        if node.op == "not":
            return self.visit(node.operand).negate()
        return self.generic_visit(node)

    def visit_BoolOp(self, node: syntax.BoolOp) -> Tri:
        parts = [self.visit(o) for o in node.operands]
        combine = tri_and if node.op == "and" else tri_or
        result = parts[0]
        for part in parts[1:]:
            result = combine(result, part)
        return result

    def visit_Implies(self, node: syntax.Implies) -> Tri:
        return tri_or(self.visit(node.left).negate(), self.visit(node.right))

    def visit_Compare(self, node: syntax.Compare) -> Tri:
        result = tri_const(True)
        for op, left, right in zip(node.ops, node.operands, node.operands[1:], strict=False):
            result = tri_and(result, self.compare(op, left, right, node))
        return result

    def visit_Call(self, node: syntax.Call) -> Tri:
        if node.func == "if_known" and len(node.args) == 2 and isinstance(node.args[1],
                                                                            syntax.Literal):
            inner = self.visit(node.args[0])
            fallback = node.args[1].value
            return Tri(
                j_or(inner.t, inner.u if fallback is True else J_FALSE),
                j_or(inner.f, inner.u if fallback is False else J_FALSE),
                inner.u if fallback is None else J_FALSE,
            )
        return self.generic_visit(node)

    def outside_boolean(self, node: syntax.Expr, reason: str) -> Tri:
        field = self.note_outside(node, "boolean", reason)
        return tri_alpha(atom({field.key: True}), atom({field.key: False}),
                         _missing(field.key), field.key)

    # -- terms ---------------------------------------------------------------------------------
    def term(self, node: syntax.Expr) -> _Term | None:
        """The node as a constant, an event property or a date built on the right side; None
        when the network cannot read it directly (the caller computes it in the pre-pass)."""
        if self.is_constant_expr(node):
            return _Const(self.fold(node))
        return _TermReader(self).visit(node)

    def outside_term(self, node: syntax.Expr) -> _Term:
        kind = _KindOf(self).visit(node)
        return _FieldTerm(self.note_outside(node, kind, _OutsideReason().visit(node)))

    def compare(self, op: str, left: syntax.Expr, right: syntax.Expr, whole: syntax.Expr
                ) -> Tri:
        lhs = self.term(left)
        rhs = self.term(right)
        if lhs is None:
            lhs = self.outside_term(left)
        if rhs is None:
            rhs = self.outside_term(right)
        if isinstance(lhs, _Const) and isinstance(rhs, _Const):
            return tri_const(compare3(op, lhs.value, rhs.value))
        if not isinstance(lhs, _FieldTerm):  # keep the property on the left
            lhs, rhs, op = rhs, lhs, COMPARATOR_FLIP[op]
        if not isinstance(lhs, _FieldTerm):
            return self.outside_boolean(whole, "a date built from a fact compared with a "
                                        "constant")
        field = lhs.field
        if isinstance(rhs, _Const):
            if rhs.value is None:
                return tri_const(None)
            if field.kind == "string" and op not in ("==", "!="):
                return self.outside_boolean(whole, "durable_rules orders strings by their "
                                            "escaped JSON bytes")
            right_value = constant_json(rhs.value)
            return tri_alpha(_compare_atom(op, field.key, right_value),
                             _compare_atom(COMPARATOR_NEGATION[op], field.key, right_value),
                             _missing(field.key), field.key)
        if isinstance(rhs, _FieldTerm):
            other = rhs.field
            if field.kind == "string" and op not in ("==", "!="):
                return self.outside_boolean(whole, "durable_rules orders strings by their "
                                            "escaped JSON bytes")
            # a missing right-hand property makes durable_rules read garbage: guard with $ex
            reference = {"$m": other.key}
            guard = _exists(other.key)
            return tri_alpha(a_and(_compare_atom(op, field.key, reference), guard),
                             a_and(_compare_atom(COMPARATOR_NEGATION[op], field.key, reference),
                                   guard),
                             a_or(_missing(field.key), _missing(other.key)))
        year = rhs.year.key
        # y * 10000 + mmdd, computed by the engine on the right side (integers only, no $div)
        built = {"$add": {"$l": {"$mul": {"$l": {"$m": year}, "$r": Num(10000)}},
                          "$r": Num(rhs.month_day)}}
        valid = a_and(_exists(year), atom({"$gte": {year: Num(1)}}),
                      atom({"$lte": {year: Num(9999)}}))
        invalid = a_or(_missing(year), atom({"$lt": {year: Num(1)}}),
                       atom({"$gt": {year: Num(9999)}}))
        return tri_alpha(a_and(_compare_atom(op, field.key, built), valid),
                         a_and(_compare_atom(COMPARATOR_NEGATION[op], field.key, built), valid),
                         a_or(_missing(field.key), invalid))

    # -- sets, lists, quantifiers -----------------------------------------------------------------
    def set_field(self, node: syntax.Expr) -> str | None:
        if isinstance(node, syntax.Name) and node.name in self.facts and (
                self.facts[node.name].type == "set"):
            return node.name
        return None

    def set_member(self, name: str, item_true: Any, item_false: Any, everything: bool) -> Tri:
        """Quantifier over a set fact, with an item condition for true and for false.

        Empty sets are sent as a size of 0 and no list, because ``$iall`` on an empty list is
        false in durable_rules: the size test stands in for the empty case.
        """
        items = self.fact_field(name).key
        size = self.size_field(name).key
        empty = atom({size: Num(0)})
        if everything:  # all(...)
            return tri_alpha(a_or(atom({"$iall": {items: item_true}}), empty),
                             atom({"$iany": {items: item_false}}), _missing(size), size)
        return tri_alpha(atom({"$iany": {items: item_true}}),
                         a_or(atom({"$iall": {items: item_false}}), empty), _missing(size),
                         size)

    def visit_Membership(self, node: syntax.Membership) -> Tri:
        item, container = node.item, node.container
        result: Tri | None = None
        set_name = self.set_field(container)
        if set_name is not None and self.is_constant_expr(item):
            value = self.fold(item)
            if value is None:
                result = tri_const(None)
            elif isinstance(value, str):
                result = self.set_member(set_name, {"$i": value}, {"$neq": {"$i": value}},
                                         everything=False)
        elif self.is_constant_expr(container):
            values = self.fold(container)
            lhs = self.term(item)
            if values is None:
                result = tri_const(None)
            elif isinstance(lhs, _FieldTerm) and lhs.field.kind in (
                    "number", "string", "date", "boolean") and not isinstance(values, str):
                key = lhs.field.key
                constants = [constant_json(v) for v in values if v is not None]
                if len(constants) != len(tuple(values)):
                    result = tri_const(None)
                else:
                    result = tri_alpha(a_or(*(atom({key: c}) for c in constants)),
                                       a_and(_exists(key), *(atom({"$neq": {key: c}})
                                                             for c in constants)),
                                       _missing(key), key)
        if result is None:
            return self.outside_boolean(node, "membership in a collection that is neither a "
                                        "set fact nor a constant list")
        return result.negate() if node.negated else result

    def visit_Quantifier(self, node: syntax.Quantifier) -> Tri:
        if node.kind not in ("all", "any"):
            return self.generic_visit(node)
        everything = node.kind == "all"
        if self.is_constant_expr(node.iterable):
            items = self.fold(node.iterable)
            if items is None:
                return tri_const(None)
            combine = tri_and if everything else tri_or
            result = tri_const(everything)
            for value in items:
                with self.bound({**self.scope, node.var: value}):
                    result = combine(result, self.visit(node.body))
            return result
        set_name = self.set_field(node.iterable)
        if set_name is not None and not self.scope:
            conditions = _ItemCondition(self, node.var).visit(node.body)
            if conditions is not None:
                when_true, when_false = conditions
                return self.set_member(set_name, when_true, when_false, everything)
        return self.outside_boolean(node, "a quantifier whose condition reads more than the "
                                    "item")

    # -- nodes ------------------------------------------------------------------------------------
    def node_rules(self, node: NodeSpec) -> dict[int, Join]:
        """When the node passes, fails, is unknown (and not applicable, with ``applies_if``)."""
        assert node.condition is not None
        with self.bound({}):
            condition = self.visit(node.condition)
            if node.kind != "criterion" or node.applies_if is None:
                return {PASS: condition.t, FAIL: condition.f, UNKNOWN: condition.u}
            applies = self.visit(node.applies_if)
        return {
            NOT_APPLICABLE: applies.f,
            PASS: j_and(condition.t, applies.not_false),
            FAIL: j_and(applies.t, condition.f),
            UNKNOWN: j_or(j_and(applies.t, condition.u), j_and(applies.u, condition.not_true)),
        }


class _TermReader(ExprVisitor[_Term | None]):
    """A fact, a derived value, a set's size or ``date(year_fact, m, d)`` the network reads
    directly; None for anything else."""

    def __init__(self, tr: ConditionTranslator) -> None:
        self.tr = tr

    def generic_visit(self, node: syntax.Expr) -> _Term | None:
        return None

    def visit_Name(self, node: syntax.Name) -> _Term | None:
        tr, name = self.tr, node.name
        if name in tr.facts:
            field = tr.fact_field(name)
            return None if field.kind in ("list", "text") else _FieldTerm(field)
        if name in tr.derived:
            return _FieldTerm(tr.field(f"d_{name}", "number", "derived", name))
        return None

    def visit_Call(self, node: syntax.Call) -> _Term | None:
        tr, args = self.tr, node.args
        if node.func == "count" and len(args) == 1 and isinstance(args[0], syntax.Name):
            name = args[0].name
            if name in tr.facts and tr.facts[name].type == "set":
                return _FieldTerm(tr.size_field(name))
            return None
        if node.func != "date" or len(args) != 3 or not isinstance(args[0], syntax.Name):
            return None
        year, month, day = args[0].name, args[1], args[2]
        if not (year in tr.facts and tr.facts[year].type == "integer"
                and tr.is_constant_expr(month) and tr.is_constant_expr(day)):
            return None
        month_value, day_value = tr.fold(month), tr.fold(day)
        try:
            month_int, day_int = int(month_value), int(day_value)
            dt.date(2001, month_int, day_int)  # valid in every year (not 29 February)
        except (TypeError, ValueError, OverflowError):
            return None
        return _YearDate(tr.fact_field(year), month_int * 100 + day_int)


class _KindOf(ExprVisitor[str]):
    """The kind of event property a sub-expression computed by the pre-pass becomes."""

    def __init__(self, tr: ConditionTranslator) -> None:
        self.tr = tr

    def generic_visit(self, node: syntax.Expr) -> str:
        return "boolean"

    def visit_Literal(self, node: syntax.Literal) -> str:
        return _kind_of_value(node.value)

    def visit_Name(self, node: syntax.Name) -> str:
        tr, name = self.tr, node.name
        if name in tr.scope:
            value = tr.scope[name]
            return "string" if isinstance(value, str) else "number"
        if name in tr.options:
            return _kind_of_value(tr.options[name])
        if name in tr.facts:
            return KIND_OF_FACT[tr.facts[name].type]
        if name in tr.derived:
            return "number"
        return "boolean"

    def visit_Binary(self, node: syntax.Binary) -> str:
        return "number"

    def visit_Unary(self, node: syntax.Unary) -> str:
        return "number" if node.op == "-" else "boolean"

    def visit_Quantifier(self, node: syntax.Quantifier) -> str:
        return "number" if node.kind == "count" else "boolean"

    def visit_Call(self, node: syntax.Call) -> str:
        if node.func == "date":
            return "date"
        if node.func == "if_known":
            return self.visit(node.args[0])
        return "number"

    def visit_ListExpr(self, node: syntax.ListExpr) -> str:
        return "list"


def _kind_of_value(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "string" if isinstance(value, str) else "number"


class _ItemCondition(ExprVisitor[tuple[Any, Any] | None]):
    """(item test when true, item test when false) on ``$i`` for the body of a quantifier over
    a set fact, or None if not expressible. Used only with no quantifier variable bound."""

    def __init__(self, tr: ConditionTranslator, var: str) -> None:
        self.tr = tr
        self.var = var

    def is_var(self, node: syntax.Expr) -> bool:
        return isinstance(node, syntax.Name) and node.name == self.var

    def generic_visit(self, node: syntax.Expr) -> tuple[Any, Any] | None:
        return None

    def visit_Compare(self, node: syntax.Compare) -> tuple[Any, Any] | None:
        if len(node.ops) != 1 or node.ops[0] not in ("==", "!="):
            return None
        op, (left, right) = node.ops[0], node.operands
        if self.is_var(left) and self.tr.is_constant_expr(right):
            value = self.tr.fold(right)
            if not isinstance(value, str):
                return None
            equal, different = {"$i": value}, {"$neq": {"$i": value}}
            return (equal, different) if op == "==" else (different, equal)
        if self.is_var(right) and not self.is_var(left):
            return self.visit(syntax.Compare((op,), (right, left)))
        return None

    def visit_Membership(self, node: syntax.Membership) -> tuple[Any, Any] | None:
        if not self.is_var(node.item) or not self.tr.is_constant_expr(node.container):
            return None
        values = self.tr.fold(node.container)
        if values is None or not all(isinstance(v, str) for v in values):
            return None
        inside: Any = {"$or": [{"$i": v} for v in values]} if values else None
        outside: Any = {"$and": [{"$neq": {"$i": v}} for v in values]} if values else None
        if inside is None or outside is None:
            return None
        return (outside, inside) if node.negated else (inside, outside)

    def visit_Unary(self, node: syntax.Unary) -> tuple[Any, Any] | None:
        if node.op != "not":
            return None
        inner = self.visit(node.operand)
        return None if inner is None else (inner[1], inner[0])

    def visit_BoolOp(self, node: syntax.BoolOp) -> tuple[Any, Any] | None:
        parts = [self.visit(o) for o in node.operands]
        if any(p is None for p in parts):
            return None
        trues = [p[0] for p in parts if p is not None]
        falses = [p[1] for p in parts if p is not None]
        if node.op == "and":
            return {"$and": trues}, {"$or": falses}
        return {"$or": trues}, {"$and": falses}


class _OutsideReason(ExprVisitor[str]):
    """Why a term is computed in the pre-pass, for ``mingxing check --backend durable``."""

    def generic_visit(self, node: syntax.Expr) -> str:
        return "durable_rules compares a property with a constant or another property only"

    def visit_Binary(self, node: syntax.Binary | syntax.Unary) -> str:
        return ("arithmetic on facts: durable_rules computes only on the right of a comparison "
                "and its integer division truncates")

    visit_Unary = visit_Binary

    def visit_Call(self, node: syntax.Call) -> str:
        if node.func == "date":
            return ("a date built from facts: the network builds date(year, month, day) only for "
                    "an integer year and a constant month and day that exist in every year")
        if node.func in ("year", "month", "day", "min", "max", "abs", "if_known"):
            return f"{node.func}() of facts: durable_rules has no functions"
        return self.generic_visit(node)

    def visit_Quantifier(self, node: syntax.Quantifier) -> str:
        if node.kind == "count":
            return "count() of the items meeting a condition: durable_rules cannot count"
        return self.generic_visit(node)
