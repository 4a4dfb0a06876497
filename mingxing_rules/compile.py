"""Stage 3: compile a validated ruleset into Python functions.

Conditions are translated node by node from the library's own syntax tree into a Python
:mod:`ast` tree, which CPython compiles to bytecode. Only constructs the condition language
allows can appear in the generated tree: names are prefixed (``F_``, ``D_``, ``N_``...), constants
are literal values, and the only callables are the private helpers below. Rule *text* never
reaches the compiler; the generated functions run with empty ``__builtins__``.

Two functions are generated per ruleset:

* ``full(facts) -> row``: every derived value, criterion, standard, group, rule and outcome, in
  trace order (used for verdicts with a trace);
* ``fast(facts) -> int``: the index of the winning outcome, short-circuiting like a hand-written
  check (``-1`` for *otherwise*, ``-2`` for undecided).

Three-valued logic: ``None`` is *unknown*; :data:`NA` marks a criterion that does not apply.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import math
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from .errors import RulesetError, RulesetProblem
from .expr import (
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
)
from .model import ConstraintSpec, NodeSpec, OptionSpec, RulesetSpec, Threshold
from .validate import option_value_problem

__all__ = ["NA", "CompiledConstraints", "CompiledProgram", "compile_constraints", "compile_ruleset",
           "resolve_options"]


class _NotApplicable:
    """The outcome of a criterion whose ``applies_if`` is false."""

    _instance: _NotApplicable | None = None

    def __new__(cls) -> _NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __reduce__(self) -> str:
        return "NA"


NA = _NotApplicable()
_UNSET = object()
MAX_FAST_NODES = 40_000  # inlining budget for the short-circuit function


# -- runtime helpers (the only callables generated code can reach) -------------------------------


def _all_of(values: Iterable[Any]) -> Any:
    """Conjunction of children outcomes: NA if all NA, else Kleene AND with NA as met."""
    result: Any = NA
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
        elif value is True and result is NA:
            result = True
    return result


def _all3(values: Iterable[Any]) -> bool | None:
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def _any3(values: Iterable[Any]) -> bool | None:
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def _count3(values: Iterable[Any]) -> int | None:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value is True
    return total


def _min3(*values: Any) -> Any:
    return None if any(v is None for v in values) else min(values)


def _max3(*values: Any) -> Any:
    return None if any(v is None for v in values) else max(values)


def _date3(year: Any, month: Any, day: Any) -> dt.date | None:
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None


def _div3(left: Any, right: Any) -> Any:
    if left is None or right is None or right == 0:
        return None
    try:
        return left / right
    except OverflowError:  # an integer too large for a float
        return None


def _pow3(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    try:
        result = left**right
    except (OverflowError, ZeroDivisionError):
        return None
    # a result beyond any threshold a ruleset can state is as good as unknown; keeping huge
    # integers would make every later step slow
    if isinstance(result, int) and result.bit_length() > 128:
        return None
    return None if isinstance(result, complex) else result


def _list3(values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    return None if any(v is None for v in values) else values


_HELPERS: dict[str, Any] = {
    "_NA": NA,
    "_U": _UNSET,
    "_all_of": _all_of,
    "_all3": _all3,
    "_any3": _any3,
    "_count3": _count3,
    "_min3": _min3,
    "_max3": _max3,
    "_date3": _date3,
    "_list3": _list3,
    "_div3": _div3,
    "_pow3": _pow3,
    "_len": len,
    "_abs": abs,
}


# -- the compiled program -----------------------------------------------------------------------


@attrs.frozen
class NodeInfo:
    """Static facts about one trace entry, computed once per compiled ruleset."""

    id: str
    kind: str  # derived | criterion | standard | group | rule | outcome
    reads: tuple[str, ...]  # facts and derived values read directly
    depends_on: tuple[str, ...]  # rule ids read (children of standards and groups included)
    thresholds: tuple[Threshold, ...]
    spec: NodeSpec | None  # None for derived values


@attrs.frozen
class CompiledProgram:
    """A ruleset compiled with one set of options."""

    spec: RulesetSpec
    options: tuple[tuple[str, Any], ...]
    full: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    fast: Callable[[Mapping[str, Any]], int]
    derive: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # derived values, in spec order
    layout: tuple[NodeInfo, ...]  # row order: derived values, then nodes in file order
    index: Mapping[str, int]  # id -> position in the row
    outcome_positions: tuple[int, ...]  # row positions of the decision outcomes, in precedence
    facts_read: tuple[str, ...]
    source: str  # the generated Python, for inspection (`ruleset.generated_source()`)


def resolve_options(spec: RulesetSpec, chosen: Mapping[str, Any] | None
                    ) -> tuple[tuple[str, Any], ...]:
    """Defaults overridden by ``chosen``; unknown names or bad values are ruleset errors."""
    chosen = dict(chosen or {})
    problems: list[RulesetProblem] = []
    known = {o.name: o for o in spec.options}
    for name in chosen:
        if name not in known:
            from ._types import suggest

            hint = suggest(name, known)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            problems.append(RulesetProblem("R401", f"unknown option {name!r}{extra}; options: "
                                           + ", ".join(known)))
    resolved = []
    for option in spec.options:
        value = chosen.get(option.name, option.default)
        problem = _option_problem(option, value)
        if problem:
            problems.append(RulesetProblem("R402", f"option {option.name}={value!r}: {problem}",
                                           option.location))
        resolved.append((option.name, value))
    if problems:
        raise RulesetError.from_problems(problems)
    return tuple(resolved)


def _option_problem(option: OptionSpec, value: Any) -> str | None:
    return option_value_problem(option.type, option.values, option.minimum, option.maximum,
                                value)


# -- code generation ------------------------------------------------------------------------------


class _Gen:
    """Translates condition trees into Python expression trees."""

    def __init__(self, spec: RulesetSpec, options: Mapping[str, Any]) -> None:
        self.spec = spec
        self.options = options
        self.facts = {f.name: f for f in spec.facts}
        self.derived = {d.name: d for d in spec.derived}
        self.nodes = {n.id: n for n in spec.nodes}
        self.constants: dict[str, Any] = {}
        self.temp_counter = itertools.count()
        self.emitted = 0  # expression nodes translated, to bound inlining in `fast`
        self.can_be_na: dict[str, bool] = {}
        # set per function: how to reference nodes and facts
        self.node_ref: Callable[[str], ast.expr] = lambda n: _name(f"N_{n}")
        self.fact_ref: Callable[[str], ast.expr] = lambda n: _name(f"F_{n}")
        self.derived_ref: Callable[[str], ast.expr] = lambda n: _name(f"D_{n}")

    def temp(self) -> str:
        return f"_t{next(self.temp_counter)}"

    def const(self, value: Any) -> ast.expr:
        if value is None or isinstance(value, bool | int | float | str):
            return ast.Constant(value)
        if isinstance(value, tuple) and all(isinstance(v, bool | int | float | str)
                                            for v in value):
            return ast.Constant(value)  # type: ignore[arg-type]  # tuples of literals are valid
        key = f"_C{len(self.constants)}"
        self.constants[key] = value
        return _name(key)

    # 3-valued building blocks ------------------------------------------------------------------
    def unknown_if_any(self, parts: list[ast.expr], build: Callable[[list[ast.expr]], ast.expr]
                       ) -> ast.expr:
        """``None if any part is None else build(parts)`` evaluating each part once."""
        held: list[ast.expr] = []
        tests: list[ast.expr] = []
        for part in parts:
            if isinstance(part, ast.Constant):
                if part.value is None:
                    return ast.Constant(None)
                held.append(part)
                continue
            if isinstance(part, ast.Name):
                tests.append(_is(part, None))
                held.append(part)
                continue
            name = self.temp()
            tests.append(_is(ast.NamedExpr(_store(name), part), None))
            held.append(_name(name))
        body = build(held)
        if not tests:
            return body
        test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)
        return ast.IfExp(test, ast.Constant(None), body)

    def kleene(self, op: str, parts: list[ast.expr]) -> ast.expr:
        """Kleene AND / OR of 3-valued parts, short-circuiting on the dominant value."""
        dominant = op == "or"  # True dominates OR, False dominates AND
        names: list[ast.expr] = []
        first_tests: list[ast.expr] = []
        for part in parts:
            if isinstance(part, ast.Constant):
                if part.value is dominant:
                    return ast.Constant(dominant)
                if part.value is None:
                    names.append(part)
                continue  # the neutral value drops out
            if isinstance(part, ast.Name):
                first_tests.append(_is(part, dominant))
                names.append(part)
                continue
            name = self.temp()
            first_tests.append(_is(ast.NamedExpr(_store(name), part), dominant))
            names.append(_name(name))
        unknown_tests = [_is(n, None) for n in names if not isinstance(n, ast.Constant)]
        has_const_unknown = any(isinstance(n, ast.Constant) for n in names)
        if has_const_unknown:
            otherwise: ast.expr = ast.Constant(None)
        elif unknown_tests:
            test = unknown_tests[0] if len(unknown_tests) == 1 else ast.BoolOp(ast.Or(),
                                                                                unknown_tests)
            otherwise = ast.IfExp(test, ast.Constant(None), ast.Constant(not dominant))
        else:
            otherwise = ast.Constant(not dominant)
        if not first_tests:
            return otherwise
        test = first_tests[0] if len(first_tests) == 1 else ast.BoolOp(ast.Or(), first_tests)
        return ast.IfExp(test, ast.Constant(dominant), otherwise)

    # expressions ---------------------------------------------------------------------------------
    def expr(self, node: Expr, scope: Mapping[str, str]) -> ast.expr:
        self.emitted += 1
        match node:
            case Literal(value=value):
                return ast.Constant(value)
            case ListExpr(items=items):
                parts = [self.expr(i, scope) for i in items]
                if all(isinstance(p, ast.Constant) for p in parts):
                    values = tuple(p.value for p in parts)  # type: ignore[attr-defined]
                    return ast.Constant(values)  # type: ignore[arg-type]
                return ast.Call(_name("_list3"), [ast.Tuple(parts, ast.Load())], [])
            case Name(name=name):
                if name in scope:
                    return _name(scope[name])
                if name in self.options:
                    return self.const(self.options[name])
                if name in self.facts:
                    return self.fact_ref(name)
                if name in self.derived:
                    return self.derived_ref(name)
                return self.node_ref(name)
            case Unary(op="not", operand=operand):
                inner = self.expr(operand, scope)
                return self.unknown_if_any([inner], lambda h: ast.UnaryOp(ast.Not(), h[0]))
            case Unary(operand=operand):
                inner = self.expr(operand, scope)
                return self.unknown_if_any([inner], lambda h: ast.UnaryOp(ast.USub(), h[0]))
            case Binary(op=op, left=left, right=right):
                return self.binary(op, self.expr(left, scope), self.expr(right, scope))
            case Compare(ops=ops, operands=operands):
                if len(ops) == 1:
                    return self.compare(ops[0], self.expr(operands[0], scope),
                                        self.expr(operands[1], scope))
                pairs = [self.compare(op, self.expr(a, scope), self.expr(b, scope))
                         for op, a, b in zip(ops, operands, operands[1:], strict=False)]
                return self.kleene("and", pairs)
            case Membership(item=item, container=container, negated=negated):
                test: ast.cmpop = ast.NotIn() if negated else ast.In()
                return self.unknown_if_any(
                    [self.expr(item, scope), self.expr(container, scope)],
                    lambda h: ast.Compare(h[0], [test], [h[1]]),
                )
            case BoolOp(op=op, operands=operands):
                return self.kleene(op, [self.expr(o, scope) for o in operands])
            case Implies(left=left, right=right):
                not_left = self.expr(Unary("not", left), scope)
                return self.kleene("or", [not_left, self.expr(right, scope)])
            case Quantifier(kind=kind, body=body, var=var, iterable=iterable):
                loop_var = f"Q_{var}_{next(self.temp_counter)}"
                body_ast = self.expr(body, {**scope, var: loop_var})
                helper = {"all": "_all3", "any": "_any3", "count": "_count3"}[kind]

                def build(h: list[ast.expr]) -> ast.expr:
                    comp = ast.ListComp(body_ast, [ast.comprehension(
                        _store(loop_var), h[0], [], 0)])
                    return ast.Call(_name(helper), [comp], [])

                return self.unknown_if_any([self.expr(iterable, scope)], build)
            case Call(func=func, args=args):
                return self.call(func, args, scope)
        raise TypeError(f"cannot compile {node!r}")  # pragma: no cover - the checker rejects it

    def binary(self, op: str, left: ast.expr, right: ast.expr) -> ast.expr:
        py_op: ast.operator = {"+": ast.Add(), "-": ast.Sub(), "*": ast.Mult(), "/": ast.Div(),
                               "**": ast.Pow()}[op]
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant):
            folded = _fold(op, left.value, right.value)
            return ast.Constant(folded)

        if op in ("/", "**"):
            # x / 0, 0 ** -1 and results beyond a float are unknown, never an exception
            helper = "_div3" if op == "/" else "_pow3"
            return ast.Call(_name(helper), [left, right], [])

        def build(h: list[ast.expr]) -> ast.expr:
            return ast.BinOp(h[0], py_op, h[1])

        return self.unknown_if_any([left, right], build)

    def compare(self, op: str, left: ast.expr, right: ast.expr) -> ast.expr:
        py_op: ast.cmpop = {"<": ast.Lt(), "<=": ast.LtE(), ">": ast.Gt(), ">=": ast.GtE(),
                            "==": ast.Eq(), "!=": ast.NotEq()}[op]
        return self.unknown_if_any([left, right],
                                   lambda h: ast.Compare(h[0], [py_op], [h[1]]))

    def call(self, func: str, args: tuple[Expr, ...], scope: Mapping[str, str]) -> ast.expr:
        if func == "date" and len(args) == 1:
            assert isinstance(args[0], Literal)
            return self.const(dt.date.fromisoformat(args[0].value))
        compiled = [self.expr(a, scope) for a in args]
        if func == "date":
            return ast.Call(_name("_date3"), compiled, [])
        if func in ("year", "month", "day"):
            return self.unknown_if_any(compiled, lambda h: ast.Attribute(h[0], func, ast.Load()))
        if func in ("min", "max"):
            return ast.Call(_name(f"_{func}3"), compiled, [])
        if func == "abs":
            return self.unknown_if_any(compiled, lambda h: ast.Call(_name("_abs"), h, []))
        if func == "count":
            return self.unknown_if_any(compiled, lambda h: ast.Call(_name("_len"), h, []))
        if func == "if_known":
            name = self.temp()
            return ast.IfExp(_is(ast.NamedExpr(_store(name), compiled[0]), None), compiled[1],
                             _name(name))
        raise TypeError(f"unknown function {func}")  # pragma: no cover

    # nodes ------------------------------------------------------------------------------
    def view(self, node_id: str, raw: ast.expr) -> ast.expr:
        """The boolean view of a node outcome: NA counts as met."""
        if not self.can_be_na.get(node_id):
            return raw
        return ast.IfExp(_is(raw, NA), ast.Constant(True), raw)

    def criterion(self, node: NodeSpec, view_only: bool) -> ast.expr:
        assert node.condition is not None
        cond = self.expr(node.condition, {})
        if node.applies_if is None:
            return cond
        applies = self.expr(node.applies_if, {})
        a, c = self.temp(), self.temp()
        when_unknown = ast.IfExp(_is(ast.NamedExpr(_store(c), cond), True), ast.Constant(True),
                                 ast.Constant(None))
        applied = ast.IfExp(_is(_name(a), True), cond, when_unknown)
        not_applicable = ast.Constant(True) if view_only else _name("_NA")
        return ast.IfExp(_is(ast.NamedExpr(_store(a), applies), False), not_applicable, applied)


def _name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def _store(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Store())


def _is(expr: ast.expr, value: Any) -> ast.expr:
    target = _name("_NA") if value is NA else ast.Constant(value)
    return ast.Compare(expr, [ast.Is()], [target])


def _constant_problems(spec: RulesetSpec, options: Mapping[str, Any]) -> Iterable[RulesetProblem]:
    """E208 for constant sub-expressions that grow too large once options are folded in (the
    type checker already refused literal-only ones)."""

    def value(node: Expr) -> Any:
        if isinstance(node, Literal) and isinstance(node.value, int | float) and not isinstance(
            node.value, bool
        ):
            return node.value
        if isinstance(node, Name) and isinstance(options.get(node.name), int | float) and (
            not isinstance(options.get(node.name), bool)
        ):
            return options[node.name]
        if isinstance(node, Unary) and node.op == "-":
            inner = value(node.operand)
            return None if inner is None else -inner
        if isinstance(node, Binary):
            left, right = value(node.left), value(node.right)
            return None if left is None or right is None else _fold(node.op, left, right)
        return None

    trees = [(d.expr, d.location) for d in spec.derived]
    trees += [(t, n.location) for n in spec.nodes for t in (n.condition, n.applies_if)
              if t is not None]
    for tree, location in trees:
        for node in iter_nodes(tree):
            if isinstance(node, Binary):
                try:
                    value(node)
                except ConstantTooLargeError as exc:
                    yield RulesetProblem("E208", f"constant expression is too large with the "
                                         f"options chosen: {exc}", location)
                    break


class ConstantTooLargeError(ValueError):
    """A constant sub-expression (options folded in) exceeds :data:`MAX_CONSTANT`."""


MAX_CONSTANT = 10**30


def _fold(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    if op == "/":
        return _div3(left, right)
    if op == "**":
        if abs(left) > 1 and right > 0 and right * math.log10(abs(left)) > 30:
            raise ConstantTooLargeError(f"{left} ** {right} is beyond 10**30")
        result = _pow3(left, right)
    else:
        result = left + right if op == "+" else left - right if op == "-" else left * right
    if result is not None and not abs(result) <= MAX_CONSTANT:
        raise ConstantTooLargeError(f"constant {op} gives a value beyond 10**30")
    return result


def _topological(spec: RulesetSpec, deps: Mapping[str, tuple[str, ...]]) -> list[str]:
    order: list[str] = []
    done: set[str] = set()
    for start in deps:
        if start in done:
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(deps[start]))]
        done.add(start)
        while stack:
            current, children = stack[-1]
            for child in children:
                if child in deps and child not in done:
                    done.add(child)
                    stack.append((child, iter(deps[child])))
                    break
            else:
                stack.pop()
                order.append(current)
    return order


def _thresholds(tree: Expr | None, gen: _Gen) -> list[Threshold]:
    """Comparisons of a fact against a constant, for explanations and gap analysis."""
    if tree is None:
        return []
    found: list[Threshold] = []
    readable = set(gen.facts) | set(gen.derived)

    def constant(node: Expr) -> tuple[bool, Any]:
        if isinstance(node, Literal):
            return True, node.value
        if isinstance(node, Name) and node.name in gen.options:
            return True, gen.options[node.name]
        if isinstance(node, ListExpr):
            values = [constant(i) for i in node.items]
            if all(ok for ok, _ in values):
                return True, tuple(v for _, v in values)
        if isinstance(node, Call) and node.func == "date" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, Literal):
                return True, str(arg.value)
        if isinstance(node, Unary | Binary):
            if any(isinstance(n, Name) and n.name not in gen.options for n in iter_nodes(node)):
                return False, None
            try:
                value = ast.literal_eval(gen.expr(node, {}))
                return True, value
            except ValueError:
                return False, None
        return False, None

    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
    for node in iter_nodes(tree):
        match node:
            case Compare(ops=ops, operands=operands):
                for op, left, right in zip(ops, operands, operands[1:], strict=False):
                    if (isinstance(left, Call) and left.func == "count" and len(left.args) == 1
                            and isinstance(left.args[0], Name) and left.args[0].name in readable):
                        ok, value = constant(right)
                        if ok:  # count(incidents) == 0 reads as "size of incidents == 0"
                            found.append(Threshold(left.args[0].name, f"count{op}", value))
                    elif isinstance(left, Name) and left.name in readable:
                        ok, value = constant(right)
                        if ok:
                            found.append(Threshold(left.name, op, value))
                    elif isinstance(right, Name) and right.name in readable:
                        ok, value = constant(left)
                        if ok:
                            found.append(Threshold(right.name, flip[op], value))
            case Membership(item=item, container=container, negated=negated):
                if isinstance(container, Name) and container.name in readable:
                    ok, value = constant(item)
                    if ok:
                        found.append(Threshold(container.name, "lacks" if negated else "contains",
                                               value))
            case Quantifier(kind="all", body=Membership(item=Name(name=var), container=Name(
                    name=target), negated=False), var=bound, iterable=iterable) if (
                    var == bound and target in readable):
                ok, value = constant(iterable)
                if ok:
                    found.append(Threshold(target, "contains_all", tuple(value)))
            case Quantifier(kind="any", body=Membership(item=Name(name=var), container=Name(
                    name=target), negated=False), var=bound, iterable=iterable) if (
                    var == bound and target in readable):
                ok, value = constant(iterable)
                if ok:
                    found.append(Threshold(target, "contains_any", tuple(value)))
            case Name(name=name) if name in gen.facts and gen.facts[name].type in (
                    "boolean", "finding"):
                found.append(Threshold(name, "==", True))
            case _:
                pass
    # `not x` on a boolean fact reads as x == false
    for node in iter_nodes(tree):
        if isinstance(node, Unary) and node.op == "not" and isinstance(node.operand, Name):
            name = node.operand.name
            if name in gen.facts and gen.facts[name].type in ("boolean", "finding"):
                found = [t for t in found if not (t.fact == name and t.op == "==" and t.value
                                                  is True)]
                found.append(Threshold(name, "==", False))
    unique: list[Threshold] = []
    for threshold in found:
        if threshold not in unique:
            unique.append(threshold)
    return unique


def compile_ruleset(spec: RulesetSpec, options: Mapping[str, Any] | None = None
                    ) -> CompiledProgram:
    """Compile ``spec`` with ``options`` (defaults where not given)."""
    resolved = resolve_options(spec, options)
    option_map = dict(resolved)
    too_large = list(_constant_problems(spec, option_map))
    if too_large:
        raise RulesetError.from_problems(too_large)
    gen = _Gen(spec, option_map)
    nodes = list(spec.nodes)
    node_ids = {n.id for n in nodes}
    derived_ids = set(gen.derived)

    # static dependencies
    def refs(tree: Expr | None) -> list[str]:
        return [] if tree is None else names_in(tree)

    deps: dict[str, tuple[str, ...]] = {}
    infos: dict[str, NodeInfo] = {}
    for item in spec.derived:
        read = refs(item.expr)
        deps[item.name] = tuple(n for n in read if n in derived_ids)
        infos[item.name] = NodeInfo(item.name, "derived", tuple(
            n for n in read if n in gen.facts or n in derived_ids), (), (), None)
    for node in nodes:
        read = refs(node.condition) + [n for n in refs(node.applies_if)
                                       if n not in refs(node.condition)]
        rule_refs = [n for n in read if n in node_ids]
        depends = tuple(dict.fromkeys([*node.children, *rule_refs]))
        deps[node.id] = depends + tuple(n for n in read if n in derived_ids)
        thresholds = _thresholds(node.condition, gen) + _thresholds(node.applies_if, gen)
        infos[node.id] = NodeInfo(node.id, node.kind, tuple(
            n for n in read if n in gen.facts or n in derived_ids), depends, tuple(thresholds),
            node)

    order = _topological(spec, deps)
    for node_id in order:
        found_node = gen.nodes.get(node_id)
        if found_node is None:
            continue
        node = found_node
        if node.kind == "criterion":
            gen.can_be_na[node_id] = node.applies_if is not None
        elif node.kind in ("standard", "group"):
            gen.can_be_na[node_id] = all(gen.can_be_na.get(c, False) for c in node.children)

    facts_read = tuple(dict.fromkeys(
        name for info in infos.values() for name in info.reads if name in gen.facts))

    # row layout: derived values first, then nodes in file order
    layout = [infos[d.name] for d in spec.derived] + [infos[n.id] for n in nodes]
    index = {info.id: i for i, info in enumerate(layout)}
    outcome_positions = tuple(index[o] for o in spec.outcomes)

    full_body: list[ast.stmt] = []
    for name in facts_read:
        full_body.append(ast.Assign([_store(f"F_{name}")], ast.Call(
            ast.Attribute(_name("f"), "get", ast.Load()), [ast.Constant(name)], [])))
    gen.node_ref = lambda n: gen.view(n, _name(f"N_{n}"))
    for item_id in order:
        if item_id in gen.derived:
            value = gen.expr(gen.derived[item_id].expr, {})
            full_body.append(ast.Assign([_store(f"D_{item_id}")], value))
            continue
        node = gen.nodes[item_id]
        if node.kind == "criterion":
            value = gen.criterion(node, view_only=False)
        elif node.kind in ("standard", "group"):
            value = ast.Call(_name("_all_of"), [ast.Tuple(
                [_name(f"N_{c}") for c in node.children], ast.Load())], [])
        else:
            assert node.condition is not None
            value = gen.expr(node.condition, {})
        full_body.append(ast.Assign([_store(f"N_{item_id}")], value))
    row: list[ast.expr] = [_name(f"D_{i.id}") if i.kind == "derived" else _name(f"N_{i.id}")
                           for i in layout]
    full_body.append(ast.Return(ast.Tuple(row, ast.Load())))

    # derived values alone, for validating an office's consistency before it is evaluated
    derive_body: list[ast.stmt] = [
        ast.Assign([_store(f"F_{name}")], ast.Call(
            ast.Attribute(_name("f"), "get", ast.Load()), [ast.Constant(name)], []))
        for name in facts_read]
    gen.node_ref = lambda n: _name(f"N_{n}")  # derived values never read rules
    for item_id in order:
        if item_id in gen.derived:
            derive_body.append(ast.Assign([_store(f"D_{item_id}")],
                                          gen.expr(gen.derived[item_id].expr, {})))
    derive_body.append(ast.Return(ast.Tuple(
        [_name(f"D_{d.name}") for d in spec.derived], ast.Load())))

    try:
        fast_body = _fast_body(gen, spec, deps, infos)
        source, functions = _build_functions(gen, {"full": full_body, "fast": fast_body,
                                                   "derive": derive_body})
    except (RecursionError, SyntaxError, MemoryError):
        # a very deep chain of rules inlines too deeply for the short-circuit function (or for
        # CPython's compiler): verdict-only evaluation then reads the full row instead
        source, functions = _build_functions(gen, {"full": full_body, "fast": [],
                                                   "derive": derive_body})
    return CompiledProgram(
        spec=spec,
        options=resolved,
        full=functions["full"],
        fast=functions["fast"],
        derive=functions["derive"],
        layout=tuple(layout),
        index=index,
        outcome_positions=outcome_positions,
        facts_read=facts_read,
        source=source,
    )


def _fast_body(gen: _Gen, spec: RulesetSpec, deps: Mapping[str, tuple[str, ...]],
               infos: Mapping[str, NodeInfo]) -> list[ast.stmt]:
    """Outcomes in precedence order, each inlining the rules it needs and returning early."""
    # how often is each node or derived value referenced from the outcomes' dependency trees?
    uses: dict[str, int] = {}

    def count(item: str) -> None:
        for dep in deps.get(item, ()):
            uses[dep] = uses.get(dep, 0) + 1
            if uses[dep] == 1:
                count(dep)

    for outcome in spec.outcomes:
        count(outcome)
    shared = {name for name, n in uses.items() if n > 1}
    body: list[ast.stmt] = [ast.Assign([_store("g")], ast.Attribute(_name("f"), "get",
                                                                     ast.Load()))]
    for name in sorted(shared):
        body.append(ast.Assign([_store(f"M_{name}")], _name("_U")))
    building: list[str] = []

    def fact_ref(name: str) -> ast.expr:
        return ast.Call(_name("g"), [ast.Constant(name)], [])

    def definition(item: str) -> ast.expr:
        if item in building:  # pragma: no cover - cycles are rejected by the validator
            raise RulesetError(f"circular reference through {item}")
        building.append(item)
        try:
            if item in gen.derived:
                return gen.expr(gen.derived[item].expr, {})
            node = gen.nodes[item]
            if node.kind == "criterion":
                return gen.criterion(node, view_only=True)
            if node.kind in ("standard", "group"):
                return gen.kleene("and", [reference(c) for c in node.children])
            assert node.condition is not None
            return gen.expr(node.condition, {})
        finally:
            building.pop()

    def reference(item: str) -> ast.expr:
        if item not in shared:
            return definition(item)
        memo = f"M_{item}"
        return ast.IfExp(ast.Compare(_name(memo), [ast.IsNot()], [_name("_U")]), _name(memo),
                         ast.NamedExpr(_store(memo), definition(item)))

    gen.fact_ref = fact_ref
    gen.node_ref = reference
    gen.derived_ref = reference
    start = gen.emitted
    for position, outcome in enumerate(spec.outcomes):
        value = definition(outcome)
        if gen.emitted - start > MAX_FAST_NODES:
            return []  # too much inlining: the caller falls back to `full`
        name = f"O_{position}"
        body.append(ast.Assign([_store(name)], value))
        body.append(ast.If(_is(_name(name), True), [ast.Return(ast.Constant(position))], []))
        body.append(ast.If(_is(_name(name), None), [ast.Return(ast.Constant(-2))], []))
    body.append(ast.Return(ast.Constant(-1)))
    return body


def _build_functions(gen: _Gen, bodies: Mapping[str, list[ast.stmt]]
                     ) -> tuple[str, dict[str, Any]]:
    """Compile generated function bodies; the code objects never see rule text."""
    defs: list[ast.stmt] = []
    for name, body in bodies.items():
        if not body:
            continue
        args = ast.arguments(posonlyargs=[], args=[ast.arg("f")], vararg=None, kwonlyargs=[],
                             kw_defaults=[], kwarg=None, defaults=[])
        defs.append(ast.FunctionDef(name=name, args=args, body=body, decorator_list=[],
                                    returns=None, type_comment=None, lineno=1))
    module = ast.Module(defs, [])
    statements: list[ast.stmt] = list(defs)
    while statements:  # unparse reads `lineno` on statements only (for type comments)
        statement = statements.pop()
        statement.lineno = 1
        statements.extend(getattr(statement, "body", ()))
        statements.extend(getattr(statement, "orelse", ()))
    # Unparsing our own tree and compiling the text is several times faster than filling in
    # source locations on ~20,000 nodes; the text comes from the tree, never from the ruleset.
    source = ast.unparse(module)
    code = compile(source, "<mingxing-rules generated>", "exec")
    namespace = {"__builtins__": {}, **_HELPERS, **gen.constants}
    functions: dict[str, Any] = {}
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            functions[constant.co_name] = types.FunctionType(constant, namespace, constant.co_name)
    if "fast" not in functions:
        full = functions["full"]
        functions["fast"] = _fast_from_full(full, gen.spec)
    return source, functions


def _fast_from_full(full: Callable[[Mapping[str, Any]], tuple[Any, ...]], spec: RulesetSpec
                    ) -> Callable[[Mapping[str, Any]], int]:
    count = len(spec.outcomes)

    def fast(facts: Mapping[str, Any]) -> int:
        row = full(facts)
        for position, value in enumerate(row[len(row) - count:]):
            if value is True:
                return position
            if value is None:
                return -2
        return -1

    return fast


# == constraints ================================================================================
# Cross-fact consistency checks (the ruleset's `constraints:` section), compiled by the same
# translator as the rules into functions of the office's facts. Self-contained: it reads the spec
# and the options, and shares only `_Gen` and the runtime helpers with the rest of the module.


@attrs.frozen
class CompiledConstraints:
    """The constraints of a ruleset compiled with one set of options.

    ``check(facts)`` returns one value per constraint, in ``constraints`` order: ``True``
    (holds), ``False`` (violated) or ``None`` (unknown: a fact it reads is missing).
    ``operand_values(facts)`` returns the value of each side of every comparison in the
    constraints (``operands`` order), for tools that mend generated data.
    """

    constraints: tuple[ConstraintSpec, ...]
    check: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    operands: tuple[Expr, ...]
    operand_values: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    source: str  # the generated Python, for review


def compile_constraints(spec: RulesetSpec, options: Mapping[str, Any] | Iterable[
        tuple[str, Any]] = ()) -> CompiledConstraints:
    """Compile ``spec.constraints`` with ``options`` (defaults where not given)."""
    option_map = dict(resolve_options(spec, dict(options)))
    gen = _Gen(spec, option_map)
    derived = {d.name: d for d in spec.derived}
    operands = tuple(dict.fromkeys(
        operand for constraint in spec.constraints for node in iter_nodes(constraint.condition)
        if isinstance(node, Compare) for operand in node.operands))
    trees = [c.condition for c in spec.constraints]
    needed: list[str] = []  # derived values the constraints read, dependencies first

    def need(name: str, seen: frozenset[str] = frozenset()) -> None:
        if name in needed or name in seen or name not in derived:
            return
        for dep in names_in(derived[name].expr):
            need(dep, seen | {name})
        needed.append(name)

    for tree in trees:
        for name in names_in(tree):
            need(name)
    read = [name for name in dict.fromkeys(
        n for tree in [*trees, *(derived[d].expr for d in needed)] for n in names_in(tree))
        if name in gen.facts]

    def function(name: str, results: list[Expr]) -> ast.FunctionDef:
        body: list[ast.stmt] = [
            ast.Assign([_store(f"F_{fact}")], ast.Call(
                ast.Attribute(_name("f"), "get", ast.Load()), [ast.Constant(fact)], []))
            for fact in read]
        body += [ast.Assign([_store(f"D_{d}")], gen.expr(derived[d].expr, {})) for d in needed]
        body.append(ast.Return(ast.Tuple([gen.expr(r, {}) for r in results], ast.Load())))
        for statement in body:  # unparse reads `lineno` on statements (for type comments)
            statement.lineno = 1
        args = ast.arguments(posonlyargs=[], args=[ast.arg("f")], vararg=None, kwonlyargs=[],
                             kw_defaults=[], kwarg=None, defaults=[])
        return ast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                               type_comment=None, lineno=1)

    module = ast.Module([function("constraints", trees), function("operands", list(operands))],
                        [])
    source = ast.unparse(module)  # text from our own tree, never from the ruleset
    code = compile(source, "<mingxing-rules constraints>", "exec")
    namespace = {"__builtins__": {}, **_HELPERS, **gen.constants}
    functions = {c.co_name: types.FunctionType(c, namespace, c.co_name) for c in code.co_consts
                 if isinstance(c, types.CodeType)}
    return CompiledConstraints(spec.constraints, functions["constraints"], operands,
                               functions["operands"], source)
