"""The durable_rules backend: the same compiled rulesets, decided by a Rete engine.

A compiled ruleset is translated, once per process, into durable_rules' JSON ruleset format;
every evaluation then runs in a fresh durable_rules session that is deleted afterwards. The Rete
network does the deciding: it matches every criterion against the office's facts (a *pass*, a
complementary *fail*, an *unknown* and, with ``applies_if``, a *not applicable* rule per
criterion), and chains the results upward: each rule's action posts a result fact, and the
standards, groups, rules and decision outcomes are join rules over those result facts. The row
it produces has the same layout as :meth:`CompiledProgram.full`, so verdicts and traces are built
by the same :func:`~mingxing_rules.engine.evaluate.verdict_from_row`.

Three-valued logic in a two-valued engine: for every condition the translator builds three
*positive* formulas, one for each of true, false and unknown (a missing fact is a ``$nex``
test, always anchored by a positive test on the fact's type), so exactly one of a node's rules
matches and "why not" is as explicit as "why".

What runs outside the Rete network (the *pre-pass*, plain Python): derived values (durable_rules
has no arithmetic on the left of a comparison, and integer ``$div`` truncates or kills the
process) and any sub-expression the engine cannot express (see :func:`translate`, reported by
``mingxing check --backend durable``). Their results are compared inside the network.

Every known trap of durable_rules 2.0.28 is guarded here; ``docs/backends.md`` lists them with
the test that would catch each one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import importlib
import itertools
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ..compile.codegen import NA, CompiledProgram
from ..engine.office import Office
from ..errors import (
    BackendUnavailableError,
    EvaluationError,
    InputError,
    InputProblem,
    Location,
)
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
    to_text,
)
from ..ruleset.model import NodeSpec

__all__ = [
    "DurableBackend",
    "DurableRuleset",
    "DurableRun",
    "Firing",
    "OutsideNote",
    "Translation",
    "UnsupportedNote",
    "durable_ruleset",
    "host",
    "number_text",
    "translate",
]

# Result codes of a node in the network. The order F < U < T < NA makes the common value sets
# intervals (true-or-not-applicable is ``v >= 2``) and makes a conjunction the minimum.
FAIL, UNKNOWN, PASS, NOT_APPLICABLE = 0, 1, 2, 3
_STATUS_NAMES = {FAIL: "fail", UNKNOWN: "unknown", PASS: "pass", NOT_APPLICABLE: "na"}
_ROW_VALUE: dict[int, Any] = {FAIL: False, UNKNOWN: None, PASS: True, NOT_APPLICABLE: NA}

# Limits of durable_rules 2.0.28, each found the hard way (docs/backends.md).
MAX_JOIN = 16  # facts per rule; a larger join fails at assert time (error 304)
MAX_ALPHA_FANOUT = 64  # alpha paths matched at once by one fact; more gives error 303
MAX_EVENT_PROPERTIES = 254  # flattened properties of one fact; more gives error 302
MAX_LIVE_SESSIONS = 1024  # live sids per ruleset; the 1025th raises MemoryError

_PARTITION_PATHS = 40  # alpha paths per office event (under MAX_ALPHA_FANOUT)
_PARTITION_FIELDS = 120  # properties per office event (well under MAX_EVENT_PROPERTIES)
_RESULT_BUCKET = 12  # result facts per bucket: keeps every alpha node's fan-out small
_ALL_OF_CHUNK = MAX_JOIN - 2  # children joined by one standard/group rule (+1 "exists" pattern)
_MAX_CONJUNCTS = 48  # join alternatives of one rule before the translation gives up
_CAP = 4096  # every rule batches all its matches into one firing ("$or fires per branch")


# =================================================================================================
# Numbers and JSON as durable_rules reads them
# =================================================================================================


class _UnrepresentableError(ValueError):
    """A value durable_rules cannot hold (NaN)."""


def number_text(value: int | float) -> str:
    """A number as durable_rules' JSON reader parses it exactly.

    Its reader rejects exponents (``1e-05`` is error 204), so floats are written positionally;
    integers outside int64 are written as doubles; infinities as a literal past the double range
    (which the reader turns into an infinity). NaN cannot be represented.

    >>> number_text(1e-05), number_text(0.98), number_text(200), number_text(1e16)
    ('0.00001', '0.98', '200', '10000000000000000.0')
    """
    if isinstance(value, bool):  # pragma: no cover - callers type-check first
        raise TypeError("booleans are not numbers here")
    if isinstance(value, int):
        if -(2**63) < value < 2**63:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            value = math.inf if value > 0 else -math.inf
    if math.isnan(value):
        raise _UnrepresentableError("NaN")
    if math.isinf(value):
        return ("-" if value < 0 else "") + "1" + "0" * 400 + ".0"
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(decimal.Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


@attrs.frozen
class _Num:
    """A number in a rule definition, written by :func:`_dump` with :func:`number_text`."""

    value: int | float


def _dump(value: Any) -> str:
    """JSON text for durable_rules: positional numbers, raw UTF-8 (its reader keeps ``\\uXXXX``
    escapes undecoded, so ``"\\u660e"`` would not equal ``"明"``)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, _Num):
        return number_text(value.value)
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_dump(str(k))}:{_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} for durable_rules")


def _date_number(value: dt.date) -> int:
    """Dates as ``yyyymmdd`` integers: ordered like the dates, compared as integers."""
    return value.year * 10000 + value.month * 100 + value.day


def _constant(value: Any) -> Any:
    """A Python constant in a rule definition."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, dt.date):
        return _Num(_date_number(value))
    if isinstance(value, int | float):
        return _Num(value)
    raise TypeError(f"no durable_rules form for {value!r}")  # pragma: no cover


# =================================================================================================
# The pre-pass: a small three-valued evaluator, independent of the native compiler
# =================================================================================================


class _UnsupportedError(Exception):
    """A construct the durable backend cannot run at all (reported as D003)."""


Getter = Callable[[dict[str, Any]], Any]


# The pre-pass has its own three-valued helpers and arithmetic, written independently of the
# native compiler's (mingxing_rules/arithmetic.py) from the documented semantics, so that the
# verified backend catches a bug in either.


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


_LARGEST = float(2**128)  # docs/limits.md: a derived value beyond 2**128 is unknown


def _compare(op: str, left: Any, right: Any) -> bool | None:
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


class _PrePass:
    """Compiles expressions into closures over ``env`` (facts and derived values by name).

    The semantics mirror the condition language (docs/ruleset-format.md): Kleene logic, unknown
    operands make unknown results, ``x / 0`` is unknown. It is a second implementation on
    purpose: the verified backend compares it with the native compiler.
    """

    def __init__(self, options: Mapping[str, Any], facts: Iterable[str], derived: Iterable[str]
                 ) -> None:
        self.options = options
        self.readable = set(facts) | set(derived)

    def compile(self, node: Expr, scope: frozenset[str] = frozenset()) -> Getter:
        match node:
            case Literal(value=value):
                return lambda env: value
            case ListExpr(items=items):
                parts = [self.compile(i, scope) for i in items]

                def listed(env: dict[str, Any]) -> Any:
                    values = tuple(p(env) for p in parts)
                    return None if any(v is None for v in values) else values

                return listed
            case Name(name=name):
                if name in scope:
                    return lambda env: env[name]
                if name in self.options:
                    constant = self.options[name]
                    return lambda env: constant
                if name in self.readable:
                    return lambda env: env.get(name)
                raise _UnsupportedError(f"{name!r} is a rule outcome, which the pre-pass cannot "
                                        "read (it is decided inside the Rete network)")
            case Unary(op="not", operand=operand):
                inner = self.compile(operand, scope)

                def logical_not(env: dict[str, Any]) -> Any:
                    value = inner(env)
                    return None if value is None else not value

                return logical_not
            case Unary(operand=operand):
                inner = self.compile(operand, scope)

                def minus(env: dict[str, Any]) -> Any:
                    value = inner(env)
                    return None if value is None else -value

                return minus
            case Binary(op=op, left=left, right=right):
                lhs, rhs = self.compile(left, scope), self.compile(right, scope)
                return lambda env: _arith(op, lhs(env), rhs(env))
            case Compare(ops=ops, operands=operands):
                parts = [self.compile(o, scope) for o in operands]

                def compared(env: dict[str, Any]) -> Any:
                    values = [p(env) for p in parts]
                    return _all3(_compare(op, a, b) for op, a, b in
                                 zip(ops, values, values[1:], strict=False))

                return compared
            case Membership(item=item, container=container, negated=outside):
                get_item, get_container = self.compile(item, scope), self.compile(container, scope)

                def member(env: dict[str, Any]) -> Any:
                    value, values = get_item(env), get_container(env)
                    if value is None or values is None:
                        return None
                    return (value not in values) if outside else (value in values)

                return member
            case BoolOp(op=op, operands=operands):
                parts = [self.compile(o, scope) for o in operands]
                if op == "and":
                    return lambda env: _all3(p(env) for p in parts)
                return lambda env: _any3(p(env) for p in parts)
            case Implies(left=left, right=right):
                premise, conclusion = self.compile(left, scope), self.compile(right, scope)

                def implies(env: dict[str, Any]) -> Any:
                    first = premise(env)
                    return _any3((None if first is None else not first, conclusion(env)))

                return implies
            case Quantifier(kind=kind, body=body, var=var, iterable=iterable):
                get_items = self.compile(iterable, scope)
                get_body = self.compile(body, scope | {var})
                helper = {"all": _all3, "any": _any3, "count": _count3}[kind]

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
            case Call(func=func, args=args):
                return self.call(func, args, scope)
        raise _UnsupportedError(f"cannot evaluate {to_text(node)!r}")  # pragma: no cover

    def call(self, func: str, args: tuple[Expr, ...], scope: frozenset[str]) -> Getter:
        if func == "date" and len(args) == 1 and isinstance(args[0], Literal):
            constant = dt.date.fromisoformat(args[0].value)
            return lambda env: constant
        parts = [self.compile(a, scope) for a in args]
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
        raise _UnsupportedError(f"unknown function {func}()")  # pragma: no cover


# =================================================================================================
# Formulas: alpha tests on one office event, and joins over result facts
# =================================================================================================

# An alpha formula is a condition on one office event: ("true",), ("false",),
# ("atom", key, json-ready condition), ("and", items) or ("or", items). Atoms are compared by key
# (their canonical text), so formulas can be simplified and deduplicated.
Alpha = tuple[Any, ...]
A_TRUE: Alpha = ("true",)
A_FALSE: Alpha = ("false",)


def _atom(condition: dict[str, Any]) -> Alpha:
    return ("atom", _dump(condition), condition)


def _a_and(*items: Alpha) -> Alpha:
    flat: list[Alpha] = []
    for item in items:
        if item == A_FALSE:
            return A_FALSE
        if item == A_TRUE:
            continue
        for part in (item[1] if item[0] == "and" else (item,)):
            if part not in flat:
                flat.append(part)
    if not flat:
        return A_TRUE
    return flat[0] if len(flat) == 1 else ("and", tuple(flat))


def _a_or(*items: Alpha) -> Alpha:
    flat: list[Alpha] = []
    for item in items:
        if item == A_TRUE:
            return A_TRUE
        if item == A_FALSE:
            continue
        for part in (item[1] if item[0] == "or" else (item,)):
            if part not in flat:
                flat.append(part)
    if not flat:
        return A_FALSE
    return flat[0] if len(flat) == 1 else ("or", tuple(flat))


def _alpha_json(alpha: Alpha) -> Any:
    kind = alpha[0]
    if kind == "atom":
        return alpha[2]
    if kind in ("and", "or"):
        return {f"${kind}": [_alpha_json(a) for a in alpha[1]]}
    raise ValueError(f"no JSON for constant formula {alpha!r}")  # pragma: no cover


def _alpha_paths(alpha: Alpha) -> int:
    """Upper bound of the alpha paths this formula can match at once (durable_rules expands
    ``$or`` into one path per branch)."""
    kind = alpha[0]
    if kind == "or":
        return sum(_alpha_paths(a) for a in alpha[1])
    if kind == "and":
        return math.prod(_alpha_paths(a) for a in alpha[1])
    return 1


def _alpha_keys(alpha: Alpha) -> Iterator[str]:
    """Event properties a formula reads (``$m`` references included)."""
    kind = alpha[0]
    if kind in ("and", "or"):
        for item in alpha[1]:
            yield from _alpha_keys(item)
    elif kind == "atom":
        yield from _condition_keys(alpha[2])


def _condition_keys(condition: Any) -> Iterator[str]:
    if isinstance(condition, Mapping):
        for key, value in condition.items():
            if key == "$m":
                yield str(value)
            elif key in ("$and", "$or"):
                for item in value:
                    yield from _condition_keys(item)
            elif key.startswith("$"):
                if key in ("$iany", "$iall"):
                    yield from value.keys()
                else:
                    yield from _condition_keys(value)
            else:
                yield key
                yield from _condition_keys(value)


# A join formula is a disjunction of conjuncts; a conjunct is an alpha formula on the node's
# office event plus, for some referenced nodes, the set of result codes they must have.
Refs = tuple[tuple[str, frozenset[int]], ...]
Conj = tuple[Alpha, Refs]
Join = tuple[Conj, ...]
J_TRUE: Join = ((A_TRUE, ()),)
J_FALSE: Join = ()


class _TooComplexError(Exception):
    pass


def _j_norm(conjuncts: Iterable[Conj]) -> Join:
    merged: dict[Refs, Alpha] = {}
    for alpha, refs in conjuncts:
        if alpha == A_FALSE:
            continue
        merged[refs] = _a_or(merged[refs], alpha) if refs in merged else alpha
    result = tuple((alpha, refs) for refs, alpha in merged.items() if alpha != A_FALSE)
    if len(result) > _MAX_CONJUNCTS:
        raise _TooComplexError(f"{len(result)} join alternatives")
    return result


def _j_or(*joins: Join) -> Join:
    return _j_norm(c for j in joins for c in j)


def _j_and(*joins: Join) -> Join:
    result: Join = J_TRUE
    for join in joins:
        combined: list[Conj] = []
        for alpha_a, refs_a in result:
            for alpha_b, refs_b in join:
                refs = dict(refs_a)
                empty = False
                for node, wanted in refs_b:
                    codes = refs[node] & wanted if node in refs else wanted
                    if not codes:
                        empty = True
                        break
                    refs[node] = codes
                if empty:
                    continue
                combined.append((_a_and(alpha_a, alpha_b), tuple(sorted(refs.items()))))
        result = _j_norm(combined)
    return result


def _j_alpha(alpha: Alpha) -> Join:
    return J_FALSE if alpha == A_FALSE else ((alpha, ()),)


@attrs.frozen
class _Tri:
    """When a boolean expression is true, false and unknown: three exclusive join formulas.

    ``key``: set when the expression is unknown exactly when that one event property is
    missing (a comparison of a fact with constants, a membership in a set fact). Parts over the
    same key combine without growing the unknown formula: ``'a' in s and 'b' in s`` is unknown
    only when ``s`` is missing, which a generic Kleene expansion cannot see.
    """

    t: Join
    f: Join
    u: Join
    key: str | None = None

    @property
    def not_false(self) -> Join:
        return _j_or(self.t, self.u)

    @property
    def not_true(self) -> Join:
        return _j_or(self.f, self.u)

    def negate(self) -> _Tri:
        return _Tri(self.f, self.t, self.u, self.key)

    def constant(self) -> tuple[bool, Any]:
        for join, value in ((self.t, True), (self.f, False), (self.u, None)):
            if join == J_TRUE:
                return True, value
        return False, None


def _tri_const(value: Any) -> _Tri:
    if value is None:
        return _Tri(J_FALSE, J_FALSE, J_TRUE)
    return _Tri(J_TRUE, J_FALSE, J_FALSE) if value else _Tri(J_FALSE, J_TRUE, J_FALSE)


def _tri_alpha(t: Alpha, f: Alpha, u: Alpha, key: str | None = None) -> _Tri:
    return _Tri(_j_alpha(t), _j_alpha(f), _j_alpha(u), key)


def _same_key(a: _Tri, b: _Tri) -> str | None:
    for one, other in ((a, b), (b, a)):
        is_constant, value = other.constant()
        if is_constant and value is not None:
            return one.key  # and/or with true/false keeps the other side's key
    return a.key if a.key is not None and a.key == b.key else None


def _tri_and(a: _Tri, b: _Tri) -> _Tri:
    key = _same_key(a, b)
    if key is not None and a.key == b.key:
        return _Tri(_j_and(a.t, b.t), _j_or(a.f, b.f), a.u, key)
    return _Tri(
        _j_and(a.t, b.t),
        _j_or(a.f, b.f),
        # exclusive alternatives: a unknown and b not false, or a true and b unknown
        _j_or(_j_and(a.u, b.not_false), _j_and(a.t, b.u)),
        key,
    )


def _tri_or(a: _Tri, b: _Tri) -> _Tri:
    key = _same_key(a, b)
    if key is not None and a.key == b.key:
        return _Tri(_j_or(a.t, b.t), _j_and(a.f, b.f), a.u, key)
    return _Tri(
        _j_or(a.t, b.t),
        _j_and(a.f, b.f),
        _j_or(_j_and(a.u, b.not_true), _j_and(a.f, b.u)),
        key,
    )


# =================================================================================================
# Translation: a compiled program -> durable_rules rules
# =================================================================================================


@attrs.frozen
class OutsideNote:
    """A sub-expression evaluated in the Python pre-pass; its result is matched in the network."""

    node_id: str  # the rule, criterion or derived value it belongs to
    text: str  # the sub-expression, in the condition language
    reason: str
    location: Location = Location()
    derived: bool = False  # True for declared derived values (by design, not a limitation)


@attrs.frozen
class UnsupportedNote:
    """Something the durable backend cannot run: evaluating this ruleset on it is refused."""

    node_id: str
    message: str
    location: Location = Location()


@attrs.frozen
class _Field:
    key: str  # property name in the office event
    kind: str  # number | boolean | string | date | list | size
    source: str  # fact | derived | outside
    name: str  # the fact, derived value or outside term read


@attrs.frozen
class _Outside:
    key: str
    kind: str
    text: str
    getter: Getter


@attrs.frozen
class _AllOf:
    live: tuple[str, ...]  # children decided by the network
    constants: tuple[Any, ...]  # values of children folded at translation


@attrs.frozen
class _NodePlan:
    """The rules of one node: a row entry, or a synthetic chunk of a wide standard."""

    id: str
    joins: Mapping[int, Join] = attrs.field(factory=dict)  # result code -> when it holds
    all_of: _AllOf | None = None  # standards and groups
    parent_tag: str | None = None  # the all_of node whose "some child" patterns read this one

    def reads(self) -> set[str]:
        if self.all_of is not None:
            return set(self.all_of.live)
        return {node for join in self.joins.values() for _, refs in join for node, _ in refs}


@attrs.frozen
class Translation:
    """A ruleset translated for durable_rules (plain data; needs no durable_rules installed)."""

    name: str  # the durable_rules ruleset name: id@version#digest
    definition_text: str  # the JSON ruleset, with "run" action names, as durable_rules reads it
    outside: tuple[OutsideNote, ...]
    unsupported: tuple[UnsupportedNote, ...]
    rule_count: int
    partitions: int  # office events asserted per evaluation
    # runtime plan (internal)
    actions: Mapping[str, tuple[int, int, str | None]] = attrs.field(repr=False)
    constants: Mapping[int, Any] = attrs.field(repr=False)
    event_plan: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = attrs.field(
        repr=False)  # per event: (JSON key prefix, source, name, kind) of each property
    outside_terms: tuple[_Outside, ...] = attrs.field(repr=False)
    derived_getters: tuple[tuple[str, Getter], ...] = attrs.field(repr=False)
    checked_facts: tuple[tuple[str, str], ...] = attrs.field(repr=False)  # (fact, kind) sent
    field_kinds: Mapping[str, str] = attrs.field(repr=False)  # computed property -> kind
    row_ids: tuple[str, ...] = ()
    derived_positions: Mapping[str, int] = attrs.field(factory=dict, repr=False)

    @property
    def definition(self) -> dict[str, Any]:
        """The ruleset as JSON data (a fresh copy on every call)."""
        parsed: dict[str, Any] = json.loads(self.definition_text)
        return parsed

    @property
    def supported(self) -> bool:
        return not self.unsupported


_KIND_OF_FACT = {"number": "number", "integer": "number", "boolean": "boolean",
                 "finding": "boolean", "enum": "string", "set": "list", "date": "date",
                 "text": "text"}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


def _compare_atom(op: str, key: str, right: Any) -> Alpha:
    if op == "==":
        return _atom({key: right})
    return _atom({_DURABLE_OP[op]: {key: right}})


def _exists(key: str) -> Alpha:
    return _atom({"$ex": {key: 1}})


def _missing(key: str) -> Alpha:
    return _atom({"$nex": {key: 1}})


@attrs.frozen
class _Const:
    value: Any


@attrs.frozen
class _FieldTerm:
    field: _Field


@attrs.frozen
class _YearDate:
    """``date(y, m, d)`` with ``y`` an integer fact: ``y * 10000 + m * 100 + d`` on the right."""

    year: _Field
    month_day: int


Term = _Const | _FieldTerm | _YearDate


class _Translator:
    def __init__(self, program: CompiledProgram) -> None:
        self.program = program
        self.spec = program.spec
        self.options = dict(program.options)
        self.facts = {f.name: f for f in self.spec.facts}
        self.derived = {d.name: d for d in self.spec.derived}
        self.node_specs = {n.id: n for n in self.spec.nodes}
        self.prepass = _PrePass(self.options, self.facts, self.derived)
        self.fields: dict[str, _Field] = {}
        self.outside_terms: dict[str, _Outside] = {}
        self.outside: list[OutsideNote] = []
        self.unsupported: list[UnsupportedNote] = []
        self.current: NodeSpec | None = None
        self.constants: dict[str, Any] = {}  # node id -> constant value (folded in consumers)
        self.possible: dict[str, frozenset[int]] = {}  # node id -> codes it can post
        self.failed: set[str] = set()  # nodes that cannot run on durable_rules

    # -- names and fields ---------------------------------------------------------------------
    def fact_field(self, name: str) -> _Field:
        kind = _KIND_OF_FACT[self.facts[name].type]
        return self.field(f"f_{name}", kind, "fact", name)

    def size_field(self, name: str) -> _Field:
        return self.field(f"n_{name}", "size", "fact", name)

    def field(self, key: str, kind: str, source: str, name: str) -> _Field:
        if key not in self.fields:
            self.fields[key] = _Field(key, kind, source, name)
        return self.fields[key]

    def note_outside(self, node: Expr, kind: str, reason: str,
                     scope: Mapping[str, Any] | None = None) -> _Field:
        """A sub-expression the pre-pass computes; the network reads it as a property.

        Inside a quantifier over a constant list, the loop variable's value is part of it.
        """
        nodes = [n for n in names_in(node) if n in self.node_specs and n not in (scope or {})]
        if nodes:
            raise _UnsupportedError(
                f"{to_text(node)!r} computes with rule outcomes ({', '.join(nodes)}), which are "
                "decided inside the Rete network: the pre-pass cannot compute it and "
                "durable_rules cannot compute on them")
        bound = dict(scope or {})
        text = to_text(node)
        if bound:
            text += " with " + ", ".join(f"{k} = {v!r}" for k, v in sorted(bound.items()))
        if text not in self.outside_terms:
            getter = self.prepass.compile(node, frozenset(bound))
            if bound:
                inner = getter

                def getter(env: dict[str, Any]) -> Any:
                    return inner({**env, **bound})

            key = f"x{len(self.outside_terms)}"
            self.outside_terms[text] = _Outside(key, kind, text, getter)
        term = self.outside_terms[text]
        current = self.current
        note = OutsideNote(current.id if current else "", to_text(node), reason,
                           current.location if current else Location())
        if note not in self.outside:
            self.outside.append(note)
        return self.field(term.key, kind, "outside", text)

    def kind_of(self, node: Expr, scope: Mapping[str, Any]) -> str:
        match node:
            case Literal(value=value):
                if isinstance(value, bool):
                    return "boolean"
                return "string" if isinstance(value, str) else "number"
            case Name(name=name):
                if name in scope:
                    value = scope[name]
                    return "string" if isinstance(value, str) else "number"
                if name in self.options:
                    value = self.options[name]
                    if isinstance(value, bool):
                        return "boolean"
                    return "string" if isinstance(value, str) else "number"
                if name in self.facts:
                    return _KIND_OF_FACT[self.facts[name].type]
                if name in self.derived:
                    return "number"
                return "boolean"
            case Binary() | Unary(op="-") | Quantifier(kind="count"):
                return "number"
            case Call(func=func, args=args):
                if func == "date":
                    return "date"
                if func == "if_known":
                    return self.kind_of(args[0], scope)
                return "number"
            case ListExpr():
                return "list"
        return "boolean"

    def is_constant_expr(self, node: Expr, scope: Mapping[str, Any]) -> bool:
        return all(n in scope or n in self.options for n in names_in(node))

    def fold(self, node: Expr, scope: Mapping[str, Any]) -> Any:
        getter = self.prepass.compile(node, frozenset(scope))
        return getter(dict(scope))

    # -- boolean expressions ---------------------------------------------------------------------
    def tri(self, node: Expr, scope: Mapping[str, Any]) -> _Tri:
        if self.is_constant_expr(node, scope):
            return _tri_const(self.fold(node, scope))
        match node:
            case Name(name=name):
                return self.tri_name(name)
            case Unary(op="not", operand=operand):
                return self.tri(operand, scope).negate()
            case BoolOp(op=op, operands=operands):
                parts = [self.tri(o, scope) for o in operands]
                combine = _tri_and if op == "and" else _tri_or
                result = parts[0]
                for part in parts[1:]:
                    result = combine(result, part)
                return result
            case Implies(left=left, right=right):
                return _tri_or(self.tri(left, scope).negate(), self.tri(right, scope))
            case Compare(ops=ops, operands=operands):
                result = _tri_const(True)
                for op, left, right in zip(ops, operands, operands[1:], strict=False):
                    result = _tri_and(result, self.compare(op, left, right, scope, node))
                return result
            case Membership():
                return self.membership(node, scope)
            case Quantifier(kind=kind) if kind in ("all", "any"):
                return self.quantifier(node, scope)
            case Call(func="if_known", args=(value, default)) if isinstance(default, Literal):
                inner = self.tri(value, scope)
                fallback = default.value
                return _Tri(
                    _j_or(inner.t, inner.u if fallback is True else J_FALSE),
                    _j_or(inner.f, inner.u if fallback is False else J_FALSE),
                    inner.u if fallback is None else J_FALSE,
                )
        return self.outside_boolean(node, scope, "the engine has no form for this condition")

    def tri_name(self, name: str) -> _Tri:
        if name in self.facts:
            field = self.fact_field(name)
            return _tri_alpha(_atom({field.key: True}), _atom({field.key: False}),
                              _missing(field.key), field.key)
        if name in self.node_specs:
            if name in self.failed:
                raise _UnsupportedError(f"it reads {name}, which cannot run on durable_rules")
            if name in self.constants:
                value = self.constants[name]
                return _tri_const(True if value is NA else value)
            # a node read as a condition: not applicable counts as met
            return _Tri(((A_TRUE, ((name, frozenset({PASS, NOT_APPLICABLE})),)),),
                        ((A_TRUE, ((name, frozenset({FAIL})),)),),
                        ((A_TRUE, ((name, frozenset({UNKNOWN})),)),))
        raise _UnsupportedError(f"{name!r} cannot be read as a condition")  # pragma: no cover

    def outside_boolean(self, node: Expr, scope: Mapping[str, Any], reason: str) -> _Tri:
        field = self.note_outside(node, "boolean", reason, scope)
        return _tri_alpha(_atom({field.key: True}), _atom({field.key: False}),
                          _missing(field.key), field.key)

    # -- terms ---------------------------------------------------------------------------------
    def term(self, node: Expr, scope: Mapping[str, Any]) -> Term | None:
        """The node as a constant, an event property or a date built on the right side; None
        when the network cannot read it directly (the caller computes it in the pre-pass)."""
        if self.is_constant_expr(node, scope):
            return _Const(self.fold(node, scope))
        match node:
            case Name(name=name) if name in self.facts:
                field = self.fact_field(name)
                return None if field.kind in ("list", "text") else _FieldTerm(field)
            case Name(name=name) if name in self.derived:
                return _FieldTerm(self.field(f"d_{name}", "number", "derived", name))
            case Call(func="count", args=(Name(name=name),)) if (
                    name in self.facts and self.facts[name].type == "set"):
                return _FieldTerm(self.size_field(name))
            case Call(func="date", args=(Name(name=year), month, day)) if (
                    year in self.facts and self.facts[year].type == "integer"
                    and self.is_constant_expr(month, scope)
                    and self.is_constant_expr(day, scope)):
                month_value, day_value = self.fold(month, scope), self.fold(day, scope)
                try:
                    month_int, day_int = int(month_value), int(day_value)
                    dt.date(2001, month_int, day_int)  # valid in every year (not 29 February)
                except (TypeError, ValueError, OverflowError):
                    return None
                return _YearDate(self.fact_field(year), month_int * 100 + day_int)
        return None

    def outside_term(self, node: Expr, scope: Mapping[str, Any], reason: str) -> Term:
        return _FieldTerm(self.note_outside(node, self.kind_of(node, scope), reason, scope))

    def compare(self, op: str, left: Expr, right: Expr, scope: Mapping[str, Any], whole: Expr
                ) -> _Tri:
        lhs = self.term(left, scope)
        rhs = self.term(right, scope)
        if lhs is None:
            lhs = self.outside_term(left, scope, _outside_reason(left))
        if rhs is None:
            rhs = self.outside_term(right, scope, _outside_reason(right))
        if isinstance(lhs, _Const) and isinstance(rhs, _Const):
            return _tri_const(_compare(op, lhs.value, rhs.value))
        if not isinstance(lhs, _FieldTerm):  # keep the property on the left
            lhs, rhs, op = rhs, lhs, _FLIP[op]
        if not isinstance(lhs, _FieldTerm):
            return self.outside_boolean(whole, scope, "a date built from a fact compared with a "
                                        "constant")
        field = lhs.field
        if isinstance(rhs, _Const):
            if rhs.value is None:
                return _tri_const(None)
            if field.kind == "string" and op not in ("==", "!="):
                return self.outside_boolean(whole, scope, "durable_rules orders strings by their "
                                            "escaped JSON bytes")
            right = _constant(rhs.value)
            return _tri_alpha(_compare_atom(op, field.key, right),
                              _compare_atom(_NEGATE[op], field.key, right), _missing(field.key),
                              field.key)
        if isinstance(rhs, _FieldTerm):
            other = rhs.field
            if field.kind == "string" and op not in ("==", "!="):
                return self.outside_boolean(whole, scope, "durable_rules orders strings by their "
                                            "escaped JSON bytes")
            # a missing right-hand property makes durable_rules read garbage: guard with $ex
            reference = {"$m": other.key}
            guard = _exists(other.key)
            return _tri_alpha(_a_and(_compare_atom(op, field.key, reference), guard),
                              _a_and(_compare_atom(_NEGATE[op], field.key, reference), guard),
                              _a_or(_missing(field.key), _missing(other.key)))
        year = rhs.year.key
        # y * 10000 + mmdd, computed by the engine on the right side (integers only, no $div)
        built = {"$add": {"$l": {"$mul": {"$l": {"$m": year}, "$r": _Num(10000)}},
                          "$r": _Num(rhs.month_day)}}
        valid = _a_and(_exists(year), _atom({"$gte": {year: _Num(1)}}),
                       _atom({"$lte": {year: _Num(9999)}}))
        invalid = _a_or(_missing(year), _atom({"$lt": {year: _Num(1)}}),
                        _atom({"$gt": {year: _Num(9999)}}))
        return _tri_alpha(_a_and(_compare_atom(op, field.key, built), valid),
                          _a_and(_compare_atom(_NEGATE[op], field.key, built), valid),
                          _a_or(_missing(field.key), invalid))

    # -- sets, lists, quantifiers -----------------------------------------------------------------
    def set_field(self, node: Expr) -> str | None:
        if isinstance(node, Name) and node.name in self.facts and (
                self.facts[node.name].type == "set"):
            return node.name
        return None

    def set_member(self, name: str, item_true: Any, item_false: Any, everything: bool) -> _Tri:
        """Quantifier over a set fact, with an item condition for true and for false.

        Empty sets are sent as a size of 0 and no list, because ``$iall`` on an empty list is
        false in durable_rules: the size test stands in for the empty case.
        """
        items = self.fact_field(name).key
        size = self.size_field(name).key
        empty = _atom({size: _Num(0)})
        if everything:  # all(...)
            return _tri_alpha(_a_or(_atom({"$iall": {items: item_true}}), empty),
                              _atom({"$iany": {items: item_false}}), _missing(size), size)
        return _tri_alpha(_atom({"$iany": {items: item_true}}),
                          _a_or(_atom({"$iall": {items: item_false}}), empty), _missing(size),
                          size)

    def membership(self, node: Membership, scope: Mapping[str, Any]) -> _Tri:
        item, container = node.item, node.container
        result: _Tri | None = None
        set_name = self.set_field(container)
        if set_name is not None and self.is_constant_expr(item, scope):
            value = self.fold(item, scope)
            if value is None:
                result = _tri_const(None)
            elif isinstance(value, str):
                result = self.set_member(set_name, {"$i": value}, {"$neq": {"$i": value}},
                                         everything=False)
        elif self.is_constant_expr(container, scope):
            values = self.fold(container, scope)
            lhs = self.term(item, scope)
            if values is None:
                result = _tri_const(None)
            elif isinstance(lhs, _FieldTerm) and lhs.field.kind in (
                    "number", "string", "date", "boolean") and not isinstance(values, str):
                key = lhs.field.key
                constants = [_constant(v) for v in values if v is not None]
                if len(constants) != len(tuple(values)):
                    result = _tri_const(None)
                else:
                    result = _tri_alpha(_a_or(*(_atom({key: c}) for c in constants)),
                                        _a_and(_exists(key), *(_atom({"$neq": {key: c}})
                                                               for c in constants)),
                                        _missing(key), key)
        if result is None:
            return self.outside_boolean(node, scope, "membership in a collection that is "
                                        "neither a set fact nor a constant list")
        return result.negate() if node.negated else result

    def quantifier(self, node: Quantifier, scope: Mapping[str, Any]) -> _Tri:
        everything = node.kind == "all"
        if self.is_constant_expr(node.iterable, scope):
            items = self.fold(node.iterable, scope)
            if items is None:
                return _tri_const(None)
            combine = _tri_and if everything else _tri_or
            result = _tri_const(everything)
            for value in items:
                result = combine(result, self.tri(node.body, {**scope, node.var: value}))
            return result
        set_name = self.set_field(node.iterable)
        if set_name is not None and not scope:
            conditions = self.item_condition(node.body, node.var)
            if conditions is not None:
                when_true, when_false = conditions
                return self.set_member(set_name, when_true, when_false, everything)
        return self.outside_boolean(node, scope, "a quantifier whose condition reads more than "
                                    "the item")

    def item_condition(self, node: Expr, var: str) -> tuple[Any, Any] | None:
        """(item test when true, item test when false) on ``$i``, or None if not expressible."""
        match node:
            case Compare(ops=(op,), operands=(Name(name=a), right)) if (
                    a == var and op in ("==", "!=") and self.is_constant_expr(right, {})):
                value = self.fold(right, {})
                if not isinstance(value, str):
                    return None
                equal, different = {"$i": value}, {"$neq": {"$i": value}}
                return (equal, different) if op == "==" else (different, equal)
            case Compare(ops=(op,), operands=(left, Name(name=b))) if (
                    b == var and op in ("==", "!=")):
                return self.item_condition(Compare((op,), (Name(b), left)), var)
            case Membership(item=Name(name=a), container=container, negated=negated) if (
                    a == var and self.is_constant_expr(container, {})):
                values = self.fold(container, {})
                if values is None or not all(isinstance(v, str) for v in values):
                    return None
                inside: Any = {"$or": [{"$i": v} for v in values]} if values else None
                outside: Any = {"$and": [{"$neq": {"$i": v}} for v in values]} if values else None
                if inside is None or outside is None:
                    return None
                return (outside, inside) if negated else (inside, outside)
            case Unary(op="not", operand=operand):
                inner = self.item_condition(operand, var)
                return None if inner is None else (inner[1], inner[0])
            case BoolOp(op=op, operands=operands):
                parts = [self.item_condition(o, var) for o in operands]
                if any(p is None for p in parts):
                    return None
                trues = [p[0] for p in parts if p is not None]
                falses = [p[1] for p in parts if p is not None]
                if op == "and":
                    return {"$and": trues}, {"$or": falses}
                return {"$or": trues}, {"$and": falses}
        return None

    # -- nodes ------------------------------------------------------------------------------------
    def node_rules(self, node: NodeSpec) -> dict[int, Join]:
        """When the node passes, fails, is unknown (and not applicable, with ``applies_if``)."""
        assert node.condition is not None
        condition = self.tri(node.condition, {})
        if node.kind != "criterion" or node.applies_if is None:
            return {PASS: condition.t, FAIL: condition.f, UNKNOWN: condition.u}
        applies = self.tri(node.applies_if, {})
        return {
            NOT_APPLICABLE: applies.f,
            PASS: _j_and(condition.t, applies.not_false),
            FAIL: _j_and(applies.t, condition.f),
            UNKNOWN: _j_or(_j_and(applies.t, condition.u), _j_and(applies.u, condition.not_true)),
        }


def _outside_reason(node: Expr) -> str:
    """Why a term is computed in the pre-pass, for ``mingxing check --backend durable``."""
    match node:
        case Binary() | Unary():
            return ("arithmetic on facts: durable_rules computes only on the right of a comparison "
                    "and its integer division truncates")
        case Call(func="date"):
            return ("a date built from facts: the network builds date(year, month, day) only for "
                    "an integer year and a constant month and day that exist in every year")
        case Call(func=func) if func in ("year", "month", "day", "min", "max", "abs", "if_known"):
            return f"{func}() of facts: durable_rules has no functions"
        case Quantifier(kind="count"):
            return "count() of the items meeting a condition: durable_rules cannot count"
    return "durable_rules compares a property with a constant or another property only"


def _constant_of(joins: Mapping[int, Join]) -> tuple[bool, Any]:
    for code, join in joins.items():
        if join == J_TRUE:
            return True, _ROW_VALUE[code]
    return False, None


def _all_of_value(values: Sequence[Any]) -> Any:
    result: Any = NA
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
        elif value is True and result is NA:
            result = True
    return result


def translate(program: CompiledProgram) -> Translation:
    """Translate a compiled ruleset into a durable_rules ruleset (no engine needed).

    The result lists what runs outside the Rete network (:attr:`Translation.outside`) and what
    cannot run on durable_rules at all (:attr:`Translation.unsupported`). The same program gives
    the same text, so the ruleset name (``id@version#digest``) identifies it across processes.
    """
    tr = _Translator(program)

    derived_getters: list[tuple[str, Getter]] = []
    for name in (n.id for n in program.plan.order if n.kind == "derived"):
        item = tr.derived[name]
        try:
            derived_getters.append((name, tr.prepass.compile(item.expr)))
        except _UnsupportedError as exc:
            tr.unsupported.append(UnsupportedNote(name, f"derived value {name}: {exc}",
                                                  item.location))
        tr.outside.append(OutsideNote(
            name, item.source, "a derived value: durable_rules has no arithmetic on the left of a "
            "comparison, so the pre-pass computes it and the network compares it",
            item.location, derived=True))

    # nodes in dependency order, so that constant nodes fold into the conditions reading them
    plans: dict[str, _NodePlan] = {}
    failed = tr.failed
    for node_id in (n.id for n in program.plan.order if n.kind != "derived"):
        node = tr.node_specs[node_id]
        tr.current = node
        if node.kind in ("standard", "group"):
            if any(c in failed for c in node.children):
                failed.add(node_id)
                continue
            _plan_all_of(tr, node, plans)
            continue
        try:
            joins = tr.node_rules(node)
        except (_UnsupportedError, _TooComplexError) as exc:
            message = str(exc) if isinstance(exc, _UnsupportedError) else (
                f"the condition expands to too many join alternatives ({exc})")
            tr.unsupported.append(UnsupportedNote(node_id, message, node.location))
            failed.add(node_id)
            continue
        is_constant, value = _constant_of(joins)
        if is_constant:
            tr.constants[node_id] = value
            continue
        plans[node_id] = _NodePlan(node_id, joins={c: j for c, j in joins.items() if j})
        tr.possible[node_id] = frozenset(code for code, join in joins.items() if join)
    tr.current = None

    # standards and groups wider than one join: split into synthetic sub-conjunctions
    for plan in list(plans.values()):
        if plan.all_of is not None and len(plan.all_of.live) > _ALL_OF_CHUNK:
            _chunk_all_of(tr, plan, plans)
    return _emit(tr, program, list(plans.values()), derived_getters)


def _plan_all_of(tr: _Translator, node: NodeSpec, plans: dict[str, _NodePlan]) -> None:
    """A standard or group: constants fold in, the rest is decided by the network."""
    constants = tuple(tr.constants[c] for c in node.children if c in tr.constants)
    live = tuple(c for c in node.children if c not in tr.constants)
    if not live or any(v is False for v in constants):
        tr.constants[node.id] = _all_of_value(constants) if not live else False
        return
    has_true = any(v is True for v in constants)
    has_unknown = any(v is None for v in constants)
    codes = {FAIL, UNKNOWN}
    if not has_unknown:
        codes.add(PASS)
        if not has_true and all(NOT_APPLICABLE in tr.possible[c] for c in live):
            codes.add(NOT_APPLICABLE)
    plans[node.id] = _NodePlan(node.id, all_of=_AllOf(live, constants))
    tr.possible[node.id] = frozenset(codes)
    for child in live:
        plans[child] = attrs.evolve(plans[child], parent_tag=node.id)


def _chunk_all_of(tr: _Translator, plan: _NodePlan, plans: dict[str, _NodePlan]) -> None:
    """Split a conjunction too wide for one join (16 facts) into synthetic sub-conjunctions.

    The minimum over F < U < T < NA is associative: all_of(a..z) = all_of(all_of(a..m),
    all_of(n..z)). The synthetic nodes post result facts like any other node but have no row
    position.
    """
    assert plan.all_of is not None
    live = plan.all_of.live
    while len(live) > _ALL_OF_CHUNK:
        grouped: list[str] = []
        for start in range(0, len(live), _ALL_OF_CHUNK):
            chunk = live[start:start + _ALL_OF_CHUNK]
            chunk_id = f"{plan.id}~{len(plans)}"
            can_na = all(NOT_APPLICABLE in tr.possible[c] for c in chunk)
            tr.possible[chunk_id] = frozenset({FAIL, UNKNOWN, PASS} | (
                {NOT_APPLICABLE} if can_na else set()))
            plans[chunk_id] = _NodePlan(chunk_id, all_of=_AllOf(chunk, ()), parent_tag=plan.id)
            for child in chunk:
                plans[child] = attrs.evolve(plans[child], parent_tag=chunk_id)
            grouped.append(chunk_id)
        live = tuple(grouped)
    plans[plan.id] = attrs.evolve(plans[plan.id], all_of=_AllOf(live, plan.all_of.constants))


class _Emitter:
    """Writes the rules of every node plan as durable_rules JSON."""

    def __init__(self, tr: _Translator, plans: list[_NodePlan]) -> None:
        self.tr = tr
        self.plans = plans
        reads = {p.id: p.reads() for p in plans}
        self.consumed: set[str] = set().union(*reads.values()) if reads else set()
        self.depth: dict[str, int] = {}
        for plan in plans:
            self.depth_of(plan.id, reads)
        self.bucket = self.result_buckets()
        self.partition_of, self.events = self.office_events()
        # the result codes some rule reads, per node: only those are posted, because a fact no
        # rule matches leaves a session the engine may crash deleting
        self.read_codes: dict[str, set[int]] = {}

    def depth_of(self, node_id: str, reads: Mapping[str, set[str]]) -> int:
        """Strata: a node's rules fire after everything they read has settled."""
        if node_id not in self.depth:
            self.depth[node_id] = 1 + max((self.depth_of(r, reads) for r in reads[node_id]),
                                          default=-1)
        return self.depth[node_id]

    def result_buckets(self) -> dict[str, str]:
        """Result facts are spread over buckets (their ``t``): the engine looks an alpha node's
        children up by property name only, so a wide fan-out on ``n`` would be scanned."""
        by_parent: dict[str, list[str]] = {}
        loose: list[str] = []
        for plan in self.plans:
            if plan.id not in self.consumed:
                continue
            if plan.parent_tag:
                by_parent.setdefault(plan.parent_tag, []).append(plan.id)
            else:
                loose.append(plan.id)
        groups = [*by_parent.values(), *(loose[i:i + _RESULT_BUCKET]
                                         for i in range(0, len(loose), _RESULT_BUCKET))]
        bucket: dict[str, str] = {}
        for number, members in enumerate(groups):
            for member in members:
                bucket[member] = f"r{number}"
        for parent, members in by_parent.items():
            bucket[f"{parent}/children"] = bucket[members[0]]
        return bucket

    def office_events(self) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
        """Nodes that test facts are packed into office events: one fact may match at most 64
        alpha paths at once (error 303), and a fact holds at most 254 properties (302)."""
        partition_of: dict[str, str] = {}
        events: list[tuple[str, list[str]]] = []
        paths_used = 0
        for plan in self.plans:
            conjuncts = [c for join in plan.joins.values() for c in join]
            if not any(alpha != A_TRUE or not refs for alpha, refs in conjuncts):
                continue
            alphas = [alpha for alpha, _ in conjuncts]
            paths = sum(_alpha_paths(a) for a in alphas)
            keys = sorted({k for a in alphas for k in _alpha_keys(a)})
            if len(keys) > _PARTITION_FIELDS or paths > _PARTITION_PATHS:
                spec = self.tr.node_specs.get(plan.id)
                self.tr.unsupported.append(UnsupportedNote(
                    plan.id, f"the condition reads {len(keys)} properties in {paths} alpha paths; "
                    f"one event holds {_PARTITION_FIELDS} and matches {_PARTITION_PATHS}",
                    spec.location if spec else Location()))
            if not events or paths_used + paths > _PARTITION_PATHS or len(
                    set(events[-1][1]) | set(keys)) > _PARTITION_FIELDS:
                events.append((f"o{len(events)}", []))
                paths_used = 0
            name, fields = events[-1]
            fields.extend(k for k in keys if k not in fields)
            paths_used += paths
            partition_of[plan.id] = name
        return partition_of, events

    def code_test(self, node_id: str, codes: frozenset[int]) -> list[dict[str, Any]]:
        possible = self.tr.possible[node_id]
        wanted = sorted(codes & possible)
        if set(wanted) == possible:
            return []
        low, high = wanted[0], wanted[-1]
        if len(wanted) == 1:
            return [{"v": _Num(low)}]
        if [c for c in sorted(possible) if low <= c <= high] == wanted:  # an interval
            tests: list[dict[str, Any]] = []
            if low > min(possible):
                tests.append({"$gte": {"v": _Num(low)}})
            if high < max(possible):
                tests.append({"$lte": {"v": _Num(high)}})
            return tests
        return [{"$or": [{"v": _Num(c)} for c in wanted]}]

    def result_pattern(self, node_id: str, codes: frozenset[int]) -> dict[str, Any]:
        self.read_codes.setdefault(node_id, set()).update(codes & self.tr.possible[node_id])
        return {"$and": [{"t": self.bucket[node_id]}, {"n": node_id},
                         *self.code_test(node_id, codes)]}

    def join_patterns(self, node_id: str, conj: Conj) -> list[dict[str, Any]]:
        alpha, refs = conj
        patterns: list[dict[str, Any]] = []
        if alpha != A_TRUE or not refs:
            anchor = {"t": self.partition_of[node_id]}
            patterns.append({"o": anchor if alpha == A_TRUE else
                             {"$and": [anchor, _alpha_json(alpha)]}})
        for number, (ref, codes) in enumerate(refs):
            if not codes & self.tr.possible[ref]:
                return []  # the referenced node never posts these values
            patterns.append({f"r{number}": self.result_pattern(ref, codes)})
        if len(patterns) > MAX_JOIN:  # pragma: no cover - joins of conditions are small
            raise EvaluationError(f"internal: a join of {len(patterns)} facts for {node_id}")
        return patterns

    def rules_of(self, plan: _NodePlan) -> dict[int, dict[str, Any]]:
        if plan.all_of is not None:
            return self.all_of_rules(plan.id, plan.all_of)
        emitted: dict[int, dict[str, Any]] = {}
        for code, join in plan.joins.items():
            alternatives = [p for p in (self.join_patterns(plan.id, c) for c in join) if p]
            if len(alternatives) == 1:
                emitted[code] = {"all": alternatives[0]}
            elif alternatives:
                emitted[code] = {"any": [{f"c{i}$all": alternative}
                                         for i, alternative in enumerate(alternatives)]}
        return emitted

    def all_of_rules(self, node_id: str, all_of: _AllOf) -> dict[int, dict[str, Any]]:
        """A standard or group: the conjunction of its children, not applicable counted as met.

        With codes ordered F < U < T < NA it is the minimum of the children: false if some
        child is false; unknown if none is false and some is unknown; not applicable if all
        are; else true. "Some child" is one pattern on the children's parent tag (``p``), its
        matches batched into one firing by ``cap``; "every child" is a join.
        """
        live = all_of.live
        bucket = self.bucket[f"{node_id}/children"]
        has_true = any(v is True for v in all_of.constants)
        has_unknown = any(v is None for v in all_of.constants)
        possible = self.tr.possible[node_id]

        def every(codes: frozenset[int]) -> list[dict[str, Any]] | None:
            """A join of every child having one of ``codes``; None when some child can never
            have any of them (e.g. a criterion that can fail or be unknown but never pass,
            because part of it is an impossible date): the rule could never fire."""
            if any(not codes & self.tr.possible[c] for c in live):
                return None
            return [{f"k{i}": self.result_pattern(c, codes)} for i, c in enumerate(live)]

        def some(code: int) -> dict[str, Any]:
            for child in live:
                self.read_codes.setdefault(child, set()).add(code)
            return {"some": {"$and": [{"t": bucket}, {"p": node_id}, {"v": _Num(code)}]}}

        not_false = frozenset({UNKNOWN, PASS, NOT_APPLICABLE})
        met = frozenset({PASS, NOT_APPLICABLE})
        rules: dict[int, dict[str, Any]] = {FAIL: {"all": [some(FAIL)]}}
        all_not_false = every(not_false)
        if has_unknown:
            if all_not_false is not None:
                rules[UNKNOWN] = {"all": all_not_false}
            return rules
        if all_not_false is not None:
            rules[UNKNOWN] = {"all": [some(UNKNOWN), *all_not_false], "dist": 0}
        all_met = every(met)
        if all_met is None:
            return rules
        if has_true or NOT_APPLICABLE not in possible:
            rules[PASS] = {"all": all_met}  # some child cannot be NA, so "all met" has a T
        else:
            rules[PASS] = {"all": [some(PASS), *all_met], "dist": 0}
            all_not_applicable = every(frozenset({NOT_APPLICABLE}))
            if all_not_applicable is not None:
                rules[NOT_APPLICABLE] = {"all": all_not_applicable}
        return rules


def _emit(tr: _Translator, program: CompiledProgram, plans: list[_NodePlan],
          derived_getters: list[tuple[str, Getter]]) -> Translation:
    emitter = _Emitter(tr, plans)
    positions = {info.id: i for i, info in enumerate(program.layout)}
    rules_json: dict[str, Any] = {}
    emitted: list[tuple[_NodePlan, int, str]] = []
    # definition order breaks priority ties: by stratum, then in trace order
    for plan in sorted(plans, key=lambda p: (emitter.depth[p.id], positions.get(p.id, 10**9))):
        for code, rule in sorted(emitter.rules_of(plan).items()):
            rule_name = f"{plan.id}:{_STATUS_NAMES[code]}"
            rule["pri"] = emitter.depth[plan.id]
            rule["cap"] = _CAP
            rule["run"] = rule_name
            rules_json[rule_name] = rule
            emitted.append((plan, code, rule_name))
    actions: dict[str, tuple[int, int, str | None]] = {}
    for plan, code, rule_name in emitted:  # post a result only if some rule reads that value
        post = None
        if code in emitter.read_codes.get(plan.id, ()):
            tag = f',"p":{_dump(plan.parent_tag)}' if plan.parent_tag else ""
            post = f'","t":"{emitter.bucket[plan.id]}","n":{_dump(plan.id)}{tag},"v":{code}}}'
        actions[rule_name] = (positions.get(plan.id, -1), code, post)
    guard_definition(rules_json)

    # what each office event carries: (',"key":', source, name, kind) per property
    event_plan = []
    for name, keys in emitter.events:
        fields = [tr.fields[k] for k in keys]
        event_plan.append((name, tuple(
            ("," + _dump(f.key) + ":", f.source, f.name if f.source == "fact" else f.key,
             f.kind) for f in fields)))
    checked = sorted({(f.name, "list" if f.kind == "size" else f.kind)
                      for f in tr.fields.values() if f.source == "fact"})
    text = _dump(rules_json)
    spec = program.spec
    return Translation(
        name=f"{spec.id}@{spec.version}#{hashlib.sha256(text.encode()).hexdigest()[:16]}",
        definition_text=text,
        outside=tuple(tr.outside),
        unsupported=tuple(tr.unsupported),
        rule_count=len(rules_json),
        partitions=len(emitter.events),
        actions=actions,
        constants={positions[n]: v for n, v in tr.constants.items() if n in positions},
        event_plan=tuple(event_plan),
        outside_terms=tuple(tr.outside_terms.values()),
        derived_getters=tuple(derived_getters),
        checked_facts=tuple(checked),
        field_kinds={f.key: f.kind for f in tr.fields.values() if f.source != "fact"},
        row_ids=tuple(info.id for info in program.layout),
        derived_positions={info.id: i for i, info in enumerate(program.layout)
                           if info.kind == "derived"},
    )


def guard_definition(rules: Mapping[str, Any]) -> None:
    """Refuse definitions that would trip a durable_rules trap (an internal check).

    * ``$div``: integer division truncates and an integer division by zero kills the process
      with SIGFPE;
    * a pattern without a positive ``t`` test: a rule made only of ``$nex``/``$not`` also
      matches the session state, which every action rewrites, so it loops forever;
    * ``$not``: a pending activation is not reliably withdrawn when the negated fact arrives
      later (a standard was decided twice, fail then pass); the translation never needs it.
    """

    def walk(value: Any) -> Iterator[Any]:
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield key
                yield from walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from walk(item)

    for name, rule in rules.items():
        for key in walk(rule):
            if key == "$div" or key.endswith("$not"):
                raise EvaluationError(f"internal: rule {name} uses {key[key.index('$'):]}")
        for pattern in _patterns(rule):
            if not _anchored(pattern):
                raise EvaluationError(f"internal: rule {name} has a pattern without a positive "
                                      "'t' test")


def _patterns(rule: Mapping[str, Any]) -> Iterator[Any]:
    for key in ("all", "any"):
        for entry in rule.get(key, ()):
            for alias, pattern in entry.items():
                if alias.endswith("$all") or alias.endswith("$any"):
                    for inner in pattern:
                        yield from inner.values()
                else:
                    yield pattern


def _anchored(pattern: Any) -> bool:
    if isinstance(pattern, Mapping):
        if "t" in pattern and isinstance(pattern["t"], str):
            return True
        if "$and" in pattern:
            return any(_anchored(p) for p in pattern["$and"])
    return False


# =================================================================================================
# Encoding an office into events (type-checked first: mixed types compare as strings)
# =================================================================================================


def _is_number(value: Any) -> bool:
    # type() rather than isinstance: bool is an int subclass and must not pass as a number
    return type(value) in (int, float) and not (type(value) is float and math.isnan(value))


def _is_set(value: Any) -> bool:
    return isinstance(value, frozenset | set | tuple | list) and all(
        type(v) is str for v in value)


_TYPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "number": (_is_number, "a number (not a boolean, not NaN)"),
    "boolean": (lambda v: type(v) is bool, "true or false"),
    "string": (lambda v: type(v) is str, "a string"),
    "date": (lambda v: type(v) is dt.date, "a date"),
    "list": (_is_set, "a set of strings"),
}


def _number_json(value: Any) -> str:
    if type(value) is int and -(2**63) < value < 2**63:
        return str(value)
    if type(value) is float:
        text = repr(value)
        if "e" not in text and "n" not in text:  # no exponent, not inf/nan
            return text
    return number_text(value)


def _list_json(value: Any) -> str:
    return "[" + ",".join(json.dumps(v, ensure_ascii=False) for v in sorted(value)) + "]"


_WRITERS: dict[str, Callable[[Any], str]] = {
    "number": _number_json,
    "boolean": lambda v: "true" if v else "false",
    "string": lambda v: json.dumps(v, ensure_ascii=False),
    "date": lambda v: str(_date_number(v)),
    "list": _list_json,
    "size": lambda v: str(len(v)),
}


def _type_problem(name: str, kind: str, value: Any, source: str) -> InputProblem | None:
    check, expected = _TYPE_CHECKS["list" if kind == "size" else kind]
    if check(value):
        return None
    return InputProblem(
        name, value, expected,
        f"expected {expected}, got {value!r} ({type(value).__name__}); the durable backend checks "
        f"every {source} value before asserting it (durable_rules would compare mixed types as "
        "strings)")


def _encode(translation: Translation, office: Office, sid: str) -> tuple[str, dict[str, Any]]:
    """The office events (one JSON array) and the derived values, after checking every type.

    Missing values are left out of the events: the network's ``$nex`` rules make them unknown.
    An empty set is sent as its size 0 and no list, because ``$iall`` on ``[]`` is false.
    """
    facts = office.facts
    problems = [problem for name, kind in translation.checked_facts
                if (value := facts.get(name)) is not None
                and (problem := _type_problem(name, kind, value, "fact")) is not None]
    if problems:
        raise InputError.from_problems(problems, office.id)
    computed: dict[str, Any] = {}
    if translation.derived_getters or translation.outside_terms:
        env = dict(facts)
        for name, getter in translation.derived_getters:
            env[name] = computed[f"d_{name}"] = getter(env)
        for term in translation.outside_terms:
            computed[term.key] = term.getter(env)
        for key, value in computed.items():
            if value is None:
                continue
            # a derived value read only by other derived values has no field in the network
            kind = translation.field_kinds.get(key, "number")
            problem = _type_problem(key, kind, value, "computed")
            if problem is not None:
                raise EvaluationError(f"office {office.id!r}: {problem.message}")
    head = '{"sid":"' + sid + '","t":"'
    parts: list[str] = []
    for event, fields in translation.event_plan:
        items = [head, event, '"']
        for prefix, source, name, kind in fields:
            value = facts.get(name) if source == "fact" else computed.get(name)
            if value is None or (kind == "list" and not value):
                continue
            items.append(prefix)
            items.append(_WRITERS[kind](value))
        items.append("}")
        parts.append("".join(items))
    derived = {name: computed[f"d_{name}"] for name, _ in translation.derived_getters}
    return "[" + ",".join(parts) + "]", derived


# =================================================================================================
# The host: one durable_rules engine per process, rulesets registered once, one session per run
# =================================================================================================


@attrs.frozen
class Firing:
    """One rule firing of a durable run: the rule, the node it decides and the matched facts."""

    rule: str
    node_id: str
    status: str  # pass | fail | unknown | na
    message: str  # the facts the engine matched (JSON text, as durable_rules sent them)
    duplicate: bool = False  # a further firing for a node already decided (ignored)

    @property
    def matches(self) -> list[dict[str, Any]]:
        """Every match the firing batched: pattern alias -> fact (``o`` is the office event,
        ``r0``, ``k0``, ``some``... are result facts of other nodes)."""
        batch = json.loads(self.message)[self.rule]
        return batch if isinstance(batch, list) else [batch]

    @property
    def matched(self) -> dict[str, Any]:
        """The first match (the values the engine read for this decision)."""
        return self.matches[0]


@attrs.frozen
class DurableRun:
    """The outcome of one durable evaluation: the row and every firing, in order."""

    row: tuple[Any, ...]
    firings: tuple[Firing, ...]
    sid: str


class DurableRuleset:
    """A translation registered with the process's durable_rules engine (built once)."""

    def __init__(self, translation: Translation, handle: int,
                 actions: Mapping[str, tuple[int, int, str | None]]) -> None:
        self.translation = translation
        self.handle = handle
        self.actions = actions

    @property
    def name(self) -> str:
        return self.translation.name

    def __repr__(self) -> str:
        return (f"<DurableRuleset {self.name}: {self.translation.rule_count} rules, "
                f"{self.translation.partitions} events per office>")


class DurableHost:
    """The process's durable_rules engine.

    Why not ``durable.engine.Host``: it starts two self-re-arming timer threads that race with
    synchronous calls; its ``register_rulesets`` pops ``run`` from the caller's definition; it
    writes numbers with ``json.dumps`` (``1e-05`` is a parse error for the engine); it swallows
    action exceptions into the session state; and on Python 3.12 every action warns about
    ``datetime.utcfromtimestamp``. This host drives the same C engine directly, resolves each
    rule's ``run`` name to its action once at registration (:meth:`get_action`), and serialises
    every call with one lock: the engine's C code has no locks of its own. So at most one
    session is live at a time, far below the 1,024 per ruleset the engine allows.
    """

    def __init__(self) -> None:
        try:
            engine = importlib.import_module("durable_rules_engine")
        except ImportError as exc:  # e.g. Python 3.13: undefined symbol PyEval_CallObject
            raise BackendUnavailableError(unavailable_message(exc)) from exc
        self._engine: Any = engine
        self._lock = threading.RLock()
        self._rulesets: dict[str, DurableRuleset] = {}
        self._sids = itertools.count(1)
        self._actions: dict[tuple[str, str], tuple[int, int, str | None]] = {}
        self.live_sessions = 0
        self.evaluations = 0

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def registered(self) -> tuple[str, ...]:
        """Names of the rulesets registered so far (never freed: durable_rules cannot)."""
        return tuple(self._rulesets)

    def get_action(self, ruleset: str, rule: str) -> tuple[int, int, str | None]:
        """The action bound to ``rule``: (row position, result code, result fact to post)."""
        return self._actions[(ruleset, rule)]

    def register(self, translation: Translation) -> DurableRuleset:
        """Create the ruleset in the engine once per process; later calls return the same one."""
        if translation.unsupported:
            first = translation.unsupported[0]
            raise EvaluationError(
                f"ruleset {translation.name.split('#')[0]} cannot run on durable_rules: "
                f"{first.node_id}: {first.message} (see `mingxing check --backend durable`)")
        with self._lock:
            found = self._rulesets.get(translation.name)
            if found is not None:
                return found
            definition = translation.definition  # a fresh copy: the stored text never changes
            if not definition:
                # every node is constant (e.g. it compares impossible dates, which are unknown):
                # nothing for the engine to do, and durable_rules crashes the process on an
                # empty ruleset, so it is never asked to create one
                registered = DurableRuleset(translation, -1, {})
                self._rulesets[translation.name] = registered
                return registered
            for rule_name, rule in definition.items():
                self._actions[(translation.name, rule_name)] = translation.actions[rule.pop("run")]
            try:
                handle = self._engine.create_ruleset(translation.name, _dump(definition))
            except self._engine.error as exc:
                raise EvaluationError(f"durable_rules refused ruleset {translation.name}: "
                                      f"{exc}") from None
            actions = {rule: self.get_action(translation.name, rule) for rule in definition}
            registered = DurableRuleset(translation, handle, actions)
            self._rulesets[translation.name] = registered
            return registered

    def run(self, ruleset: DurableRuleset, office: Office, record: bool = False) -> DurableRun:
        """Evaluate one office in a fresh session, deleted afterwards whatever happens."""
        translation = ruleset.translation
        engine = self._engine
        handle = ruleset.handle
        actions = ruleset.actions
        row: list[Any] = [_UNSET] * len(translation.row_ids)
        decided: dict[str, int] = {}
        firings: list[tuple[str, str, int, str, bool]] = []
        with self._lock:
            sid = str(next(self._sids))
            events, derived = _encode(translation, office, sid)
            if handle == -1:  # no network (see register): the row is constants and derived
                return self._without_network(translation, row, derived, sid)
            state: int | None = None
            message: str | None = None
            finished = False
            self.live_sessions += 1
            try:
                code, state = engine.assert_facts(handle, events)
                if code != 0:  # every event is read: each node's rules cover every case
                    raise EvaluationError(f"durable_rules error {code} asserting office events")
                started = engine.start_action_for_state(handle, state)
                message = started[1] if started else None
                while message:
                    rule = message[2:message.index('"', 2)]  # {"<rule>": ...}: no JSON parse
                    action = actions.get(rule)
                    if action is None:  # pragma: no cover - every rule has its action
                        raise EvaluationError(f"no action registered for rule {rule!r}")
                    position, result, post = action
                    node_id = rule[:rule.rindex(":")]
                    previous = decided.get(node_id)
                    if previous is None:
                        decided[node_id] = result
                        if position >= 0:
                            row[position] = _ROW_VALUE[result]
                        if post is not None:
                            posted = engine.assert_fact(handle, '{"sid":"' + sid + post)[0]
                            if posted != 0:  # every posted value is read by some rule
                                raise EvaluationError(
                                    f"durable_rules error {posted} posting {node_id}")
                    elif previous != result:
                        raise EvaluationError(
                            f"durable_rules decided {node_id} twice on office {office.id!r}: "
                            f"{_STATUS_NAMES[previous]} then {_STATUS_NAMES[result]}")
                    if record:
                        firings.append((rule, node_id, result, message, previous is not None))
                    message = engine.complete_and_start_action(handle, state)
                finished = True
            except self._engine.error as exc:
                raise EvaluationError(f"durable_rules failed on office {office.id!r}: "
                                      f"{exc}") from None
            finally:
                try:
                    if not finished:
                        self._abandon(handle, state, message)
                finally:
                    # every session is deleted: at most 1,024 may be live per ruleset
                    engine.delete_state(handle, sid)
                    self.live_sessions -= 1
            self.evaluations += 1
        for position, value in translation.constants.items():
            row[position] = value
        for name, position in translation.derived_positions.items():
            row[position] = derived[name]
        missing = [translation.row_ids[i] for i, v in enumerate(row) if v is _UNSET]
        if missing:
            raise EvaluationError(
                f"durable_rules decided nothing for {', '.join(missing)} on office "
                f"{office.id!r} (no rule fired)")
        return DurableRun(tuple(row), tuple(
            Firing(rule, node, _STATUS_NAMES[code], text, duplicate)
            for rule, node, code, text, duplicate in firings), sid)

    def _without_network(self, translation: Translation, row: list[Any],
                         derived: Mapping[str, Any], sid: str) -> DurableRun:
        for position, value in translation.constants.items():
            row[position] = value
        for name, position in translation.derived_positions.items():
            row[position] = derived[name]
        self.evaluations += 1
        return DurableRun(tuple(row), (), sid)

    def _abandon(self, handle: int, state: int | None, message: str | None) -> None:
        """Run the session's remaining activations without their actions.

        Deleting a session whose batched (``cap``) activations were never started corrupts the
        engine's memory (a crash at some later call), so an interrupted run drains them first.
        """
        engine = self._engine
        try:
            if state is None:  # the assert itself failed: find the session's pending actions
                started = engine.start_action(handle)
                if not started:
                    return
                state = started[2]
                message = started[1]
            elif message is None:
                started = engine.start_action_for_state(handle, state)
                message = started[1] if started else None
            while message:
                message = engine.complete_and_start_action(handle, state)
        except engine.error:  # pragma: no cover - nothing more can be done; delete anyway
            pass


_UNSET: Any = object()


def unavailable_message(exc: BaseException) -> str:
    import sys

    version = ".".join(map(str, sys.version_info[:3]))
    return (f"the durable backend needs durable_rules 2.0.28, which cannot be imported on "
            f"Python {version}: {exc}. durable_rules 2.0.28 ships no wheel (pip builds it with "
            "gcc) and does not import on Python 3.13+; use Python 3.11 or 3.12 for "
            "backend='durable', or the native backend")


_HOST: list[DurableHost] = []  # the one host of the process, once created
_HOST_LOCK = threading.Lock()


def host() -> DurableHost:
    """The process's :class:`DurableHost` (created on first use)."""
    with _HOST_LOCK:
        if not _HOST:
            _HOST.append(DurableHost())
        return _HOST[0]


# translations per compiled program; the programs are kept alive with them (few per process)
_TRANSLATIONS: dict[int, tuple[CompiledProgram, DurableRuleset]] = {}
_MAX_CACHED = 256


def durable_ruleset(program: CompiledProgram) -> DurableRuleset:
    """The registered durable_rules ruleset for a compiled program (translated once)."""
    cached = _TRANSLATIONS.get(id(program))
    if cached is not None and cached[0] is program:
        return cached[1]
    engine_host = host()
    with engine_host.lock:
        cached = _TRANSLATIONS.get(id(program))
        if cached is not None and cached[0] is program:
            return cached[1]
        registered = engine_host.register(translate(program))
        if len(_TRANSLATIONS) >= _MAX_CACHED:
            _TRANSLATIONS.pop(next(iter(_TRANSLATIONS)))
        _TRANSLATIONS[id(program)] = (program, registered)
        return registered


class DurableBackend:
    """``backend="durable"``: the Rete engine of durable_rules decides every node."""

    name = "durable"

    def row(self, program: CompiledProgram, office: Office) -> tuple[Any, ...]:
        return host().run(durable_ruleset(program), office).row

    def run(self, program: CompiledProgram, office: Office) -> DurableRun:
        """The row plus every rule firing (the "why" and "why not" as the engine saw them)."""
        return host().run(durable_ruleset(program), office, record=True)
