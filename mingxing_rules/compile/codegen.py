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
import types
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..errors import RulesetError, RulesetProblem
from ..language.arithmetic import ConstantTooLargeError, add3, div3, mul3, pow3, sub3
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
from ..language.typecheck import suggest
from ..language.visitor import ExprVisitor, NotConstantError, constant_value, walk
from ..ruleset.model import ConstraintSpec, OptionSpec, RulesetSpec
from ..ruleset.values import option_value_problem
from .plan import Plan, PlanNode, build_plan, reachable

__all__ = ["NA", "CompiledConstraints", "CompiledProgram", "NodeInfo", "all3", "all_of", "any3",
           "compile_constraints", "compile_node_functions", "compile_ruleset", "count3", "date3",
           "list3", "max3", "min3", "resolve_options"]


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


# -- runtime helpers (the only callables generated code can reach) -------------------------------
# Public: they define what the three-valued connectives mean, and the regression director's
# partial evaluator (regression/director/partial.py) uses the same ones.


def all_of(values: Iterable[Any]) -> Any:
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


def all3(values: Iterable[Any]) -> bool | None:
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def any3(values: Iterable[Any]) -> bool | None:
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def count3(values: Iterable[Any]) -> int | None:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value is True
    return total


def min3(*values: Any) -> Any:
    return None if any(v is None for v in values) else min(values)


def max3(*values: Any) -> Any:
    return None if any(v is None for v in values) else max(values)


def date3(year: Any, month: Any, day: Any) -> dt.date | None:
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except (ValueError, OverflowError):
        return None


def list3(values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    return None if any(v is None for v in values) else values


_HELPERS: dict[str, Any] = {
    "_NA": NA,
    "_U": _UNSET,
    "_all_of": all_of,
    "_all3": all3,
    "_any3": any3,
    "_count3": count3,
    "_min3": min3,
    "_max3": max3,
    "_date3": date3,
    "_list3": list3,
    "_add3": add3,
    "_sub3": sub3,
    "_mul3": mul3,
    "_div3": div3,
    "_pow3": pow3,
    "_len": len,
    "_abs": abs,
}


# -- the compiled program -----------------------------------------------------------------------

#: Former name of :class:`~mingxing_rules.compile.plan.PlanNode` (the per-step static data).
NodeInfo = PlanNode


@attrs.frozen(eq=False)
class CompiledProgram:
    """A ruleset compiled with one set of options: its :class:`Plan` and the generated code."""

    plan: Plan
    full: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    fast: Callable[[Mapping[str, Any]], int]
    derive: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # derived values, in spec order
    source: str  # the generated Python, for inspection (`ruleset.generated_source()`)

    @property
    def spec(self) -> RulesetSpec:
        return self.plan.spec

    @property
    def options(self) -> tuple[tuple[str, Any], ...]:
        return self.plan.options

    @property
    def layout(self) -> tuple[PlanNode, ...]:
        """The plan's nodes in row order (position ``i`` of a row is ``layout[i]``)."""
        return self.plan.nodes

    @property
    def index(self) -> Mapping[str, int]:
        return self.plan.index

    @property
    def outcome_positions(self) -> tuple[int, ...]:
        return tuple(n.position for n in self.plan.outcomes)

    @property
    def facts_read(self) -> tuple[str, ...]:
        return self.plan.facts_read


def resolve_options(spec: RulesetSpec, chosen: Mapping[str, Any] | None
                    ) -> tuple[tuple[str, Any], ...]:
    """Defaults overridden by ``chosen``; unknown names or bad values are ruleset errors."""
    chosen = dict(chosen or {})
    problems: list[RulesetProblem] = []
    known = {o.name: o for o in spec.options}
    for name in chosen:
        if name not in known:
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

_ARITHMETIC = {"+": "_add3", "-": "_sub3", "*": "_mul3", "/": "_div3", "**": "_pow3"}
_COMPARISON: dict[str, type[ast.cmpop]] = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt,
                                           ">=": ast.GtE, "==": ast.Eq, "!=": ast.NotEq}


class _Gen(ExprVisitor[ast.expr]):
    """Translates condition trees into Python expression trees (one visitor method per kind)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.options = plan.option_map
        self.facts = plan.facts
        self.derived = {n.id for n in plan.nodes if n.kind == "derived"}
        self.constants: dict[str, Any] = {}
        self.temp_counter = itertools.count()
        self.scope: dict[str, str] = {}  # quantifier variables -> generated local names
        # set per function: how to reference nodes, facts and derived values
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

    def folded(self, node: Expr) -> ast.expr | None:
        """The constant this sub-tree folds to (options included), or None if it reads data."""
        if isinstance(node, Literal | Name):
            return None  # cheaper to translate directly
        try:
            return self.const(constant_value(node, self.options))
        except NotConstantError:
            return None
        except ConstantTooLargeError:  # refused at load (E208) before code is generated
            return ast.Constant(None)

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
    def visit(self, node: Expr) -> ast.expr:
        folded = self.folded(node)
        return folded if folded is not None else super().visit(node)

    def generic_visit(self, node: Expr) -> ast.expr:  # pragma: no cover - the checker rejects
        raise TypeError(f"cannot compile {node!r}")

    def visit_Literal(self, node: Literal) -> ast.expr:
        return ast.Constant(node.value)

    def visit_ListExpr(self, node: ListExpr) -> ast.expr:
        parts = [self.visit(i) for i in node.items]
        return ast.Call(_name("_list3"), [ast.Tuple(parts, ast.Load())], [])

    def visit_Name(self, node: Name) -> ast.expr:
        name = node.name
        if name in self.scope:
            return _name(self.scope[name])
        if name in self.options:
            return self.const(self.options[name])
        if name in self.facts:
            return self.fact_ref(name)
        if name in self.derived:
            return self.derived_ref(name)
        return self.node_ref(name)

    def visit_Unary(self, node: Unary) -> ast.expr:
        inner = self.visit(node.operand)
        op: ast.unaryop = ast.Not() if node.op == "not" else ast.USub()
        return self.unknown_if_any([inner], lambda h: ast.UnaryOp(op, h[0]))

    def visit_Binary(self, node: Binary) -> ast.expr:
        # every operator through its helper: x / 0, overflow and results beyond the documented
        # magnitude are unknown, never an exception or a huge integer (see arithmetic.py)
        return ast.Call(_name(_ARITHMETIC[node.op]),
                        [self.visit(node.left), self.visit(node.right)], [])

    def visit_Compare(self, node: Compare) -> ast.expr:
        pairs = [self.compare(op, self.visit(a), self.visit(b))
                 for op, a, b in zip(node.ops, node.operands, node.operands[1:], strict=False)]
        return pairs[0] if len(pairs) == 1 else self.kleene("and", pairs)

    def compare(self, op: str, left: ast.expr, right: ast.expr) -> ast.expr:
        py_op = _COMPARISON[op]()
        return self.unknown_if_any([left, right],
                                   lambda h: ast.Compare(h[0], [py_op], [h[1]]))

    def visit_Membership(self, node: Membership) -> ast.expr:
        test: ast.cmpop = ast.NotIn() if node.negated else ast.In()
        return self.unknown_if_any([self.visit(node.item), self.visit(node.container)],
                                   lambda h: ast.Compare(h[0], [test], [h[1]]))

    def visit_BoolOp(self, node: BoolOp) -> ast.expr:
        return self.kleene(node.op, [self.visit(o) for o in node.operands])

    def visit_Implies(self, node: Implies) -> ast.expr:
        return self.kleene("or", [self.visit(Unary("not", node.left)), self.visit(node.right)])

    def visit_Quantifier(self, node: Quantifier) -> ast.expr:
        loop_var = f"Q_{node.var}_{next(self.temp_counter)}"
        iterable = self.visit(node.iterable)
        outer = self.scope
        self.scope = {**outer, node.var: loop_var}
        try:
            body = self.visit(node.body)
        finally:
            self.scope = outer
        helper = {"all": "_all3", "any": "_any3", "count": "_count3"}[node.kind]

        def build(h: list[ast.expr]) -> ast.expr:
            comp = ast.ListComp(body, [ast.comprehension(_store(loop_var), h[0], [], 0)])
            return ast.Call(_name(helper), [comp], [])

        return self.unknown_if_any([iterable], build)

    def visit_Call(self, node: Call) -> ast.expr:
        func = node.func
        compiled = [self.visit(a) for a in node.args]
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
        if not self.plan.node(node_id).can_be_na:
            return raw
        return ast.IfExp(_is(raw, NA), ast.Constant(True), raw)

    def definition(self, node: PlanNode, view_only: bool) -> ast.expr:
        """The expression computing ``node`` (children and other nodes through ``node_ref``)."""
        if node.kind == "derived" or node.kind in ("rule", "outcome"):
            assert node.condition is not None
            return self.visit(node.condition)
        if node.kind in ("standard", "group"):
            if view_only:
                return self.kleene("and", [self.node_ref(c) for c in node.children])
            # all_of, written out: the children are True, False, None or NA (conditions are
            # type-checked as booleans), so each test is one scan of a tuple in C, not a call
            # looping in Python (standards and groups are a third of a row's nodes)
            children = self.temp()
            return _first_in(
                ast.NamedExpr(_store(children), ast.Tuple(
                    [_name(f"N_{c}") for c in node.children], ast.Load())),
                _name(children))
        assert node.condition is not None
        cond = self.visit(node.condition)
        if node.applies_if is None:
            return cond
        applies = self.visit(node.applies_if)
        a, c = self.temp(), self.temp()
        when_unknown = ast.IfExp(_is(ast.NamedExpr(_store(c), cond), True), ast.Constant(True),
                                 ast.Constant(None))
        applied = ast.IfExp(_is(_name(a), True), cond, when_unknown)
        not_applicable = ast.Constant(True) if view_only else _name("_NA")
        return ast.IfExp(_is(ast.NamedExpr(_store(a), applies), False), not_applicable, applied)


def _first_in(values: ast.expr, again: ast.expr) -> ast.expr:
    """``False if False in values else None if None in again else True if True in again else
    _NA``: :func:`all_of` of a tuple of outcomes (``values`` binds it, ``again`` reads it)."""
    def holds(constant: bool | None, where: ast.expr) -> ast.expr:
        return ast.Compare(ast.Constant(constant), [ast.In()], [where])

    return ast.IfExp(holds(False, values), ast.Constant(False), ast.IfExp(
        holds(None, again), ast.Constant(None), ast.IfExp(
            holds(True, again), ast.Constant(True), _name("_NA"))))


def _name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def _store(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Store())


def _is(expr: ast.expr, value: Any) -> ast.expr:
    target = _name("_NA") if value is NA else ast.Constant(value)
    return ast.Compare(expr, [ast.Is()], [target])


def _constant_problems(plan: Plan) -> Iterable[RulesetProblem]:
    """E208 for constant sub-expressions that grow too large once options are folded in (the
    type checker already refused literal-only ones)."""
    options = plan.option_map
    for node in plan.nodes:
        for tree in (node.condition, node.applies_if):
            if tree is None:
                continue
            for sub in walk(tree):
                if not isinstance(sub, Binary):
                    continue
                try:
                    constant_value(sub, options)
                except NotConstantError:
                    continue
                except ConstantTooLargeError as exc:
                    yield RulesetProblem("E208", f"constant expression is too large with the "
                                         f"options chosen: {exc}", node.location)
                    break


def compile_ruleset(spec: RulesetSpec, options: Mapping[str, Any] | None = None
                    ) -> CompiledProgram:
    """Compile ``spec`` with ``options`` (defaults where not given)."""
    plan = build_plan(spec, resolve_options(spec, options))
    too_large = list(_constant_problems(plan))
    if too_large:
        raise RulesetError.from_problems(too_large)
    gen = _Gen(plan)

    def load_facts(wanted: Collection[str] | None = None) -> list[ast.stmt]:
        return [ast.Assign([_store(f"F_{name}")], ast.Call(
            ast.Attribute(_name("f"), "get", ast.Load()), [ast.Constant(name)], []))
            for name in plan.facts_read if wanted is None or name in wanted]

    # full: every node once, in topological order, into a local; the row in row order
    full_body = load_facts()
    gen.node_ref = lambda n: gen.view(n, _name(f"N_{n}"))
    for node in plan.order:
        target = f"D_{node.id}" if node.kind == "derived" else f"N_{node.id}"
        full_body.append(ast.Assign([_store(target)], gen.definition(node, view_only=False)))
    full_body.append(ast.Return(ast.Tuple(
        [_name(f"D_{n.id}") if n.kind == "derived" else _name(f"N_{n.id}") for n in plan.nodes],
        ast.Load())))

    # derive: derived values alone, for validating an office's consistency before evaluation
    # (only the facts derived values read: validation calls it for every office)
    derive_body = load_facts({name for n in plan.of_kind("derived") for name in n.facts})
    for node in plan.order:
        if node.kind == "derived":
            derive_body.append(ast.Assign([_store(f"D_{node.id}")],
                                          gen.definition(node, view_only=False)))
    derive_body.append(ast.Return(ast.Tuple(
        [_name(f"D_{n.id}") for n in plan.of_kind("derived")], ast.Load())))

    fast_body = _fast_body(gen, plan)
    try:
        source, functions = _build_functions(gen, {"full": full_body, "fast": fast_body,
                                                   "derive": derive_body})
    except (RecursionError, SyntaxError, MemoryError):  # pragma: no cover - inlining is bounded
        source, functions = _build_functions(gen, {"full": full_body, "fast": [],
                                                   "derive": derive_body})
    return CompiledProgram(plan=plan, full=functions["full"], fast=functions["fast"],
                           derive=functions["derive"], source=source)


def compile_node_functions(plan: Plan, node_ids: Iterable[str]
                           ) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
    """One function per node of ``node_ids``: its value from the facts, as position
    ``plan.index[id]`` of the row ``full`` returns, computing only what the node depends on.

    Each function holds the definitions ``full`` is generated from (the same translation, the
    same order), restricted to the node and what it reads directly or through other nodes, so
    its value is the row's, bit for bit. For callers that read a few nodes of many slightly
    different offices (the gap analysis tries one changed fact at a time)."""
    gen = _Gen(plan)
    gen.node_ref = lambda n: gen.view(n, _name(f"N_{n}"))
    bodies: dict[str, list[ast.stmt]] = {}
    names: dict[str, str] = {}
    for node_id in node_ids:
        wanted = reachable([node_id], lambda item: (
            name for name in (*plan.node(item).reads, *plan.node(item).depends_on,
                              *plan.node(item).children) if name in plan.index))
        needed = {name for item in wanted for name in plan.node(item).reads
                  if name in plan.facts}.union(plan.node(node_id).facts_needed)
        body: list[ast.stmt] = [ast.Assign([_store(f"F_{name}")], ast.Call(
            ast.Attribute(_name("f"), "get", ast.Load()), [ast.Constant(name)], []))
            for name in plan.facts_read if name in needed]
        for node in plan.order:
            if node.id in wanted:
                target = f"D_{node.id}" if node.kind == "derived" else f"N_{node.id}"
                body.append(ast.Assign([_store(target)], gen.definition(node, view_only=False)))
        node = plan.node(node_id)
        body.append(ast.Return(_name(f"D_{node.id}" if node.kind == "derived"
                                     else f"N_{node.id}")))
        names[node_id] = f"node_{node.position}"
        bodies[names[node_id]] = body
    # a few small functions: compiled from the tree (no text to unparse, unlike ``full``)
    args = ast.arguments(posonlyargs=[], args=[ast.arg("f")], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])
    module = ast.fix_missing_locations(ast.Module([ast.FunctionDef(
        name=name, args=args, body=body, decorator_list=[], returns=None, type_comment=None,
        lineno=1) for name, body in bodies.items()], []))
    code = compile(module, "<mingxing-rules generated nodes>", "exec")
    namespace = {"__builtins__": {}, **_HELPERS, **gen.constants}
    functions = {constant.co_name: types.FunctionType(constant, namespace, constant.co_name)
                 for constant in code.co_consts if isinstance(constant, types.CodeType)}
    return {node_id: functions[name] for node_id, name in names.items()}


#: A node read once is written inline where it is read (so the short-circuit function stops as
#: early as hand-written code would) unless that nests definitions deeper than this; it is then
#: computed by a local function instead, which keeps generated expressions shallow for CPython.
MAX_INLINE_DEPTH = 16
#: Local functions call each other lazily; a node whose chain of such calls would be longer than
#: this is computed up front instead, so evaluation never nests deeper than this many calls.
MAX_CALL_DEPTH = 48


def _fast_body(gen: _Gen, plan: Plan) -> list[ast.stmt]:
    """Outcomes in precedence order, each computing only what it needs and returning early.

    Every node's definition is emitted exactly once, so the code is linear in the ruleset. Each
    node the outcomes need is, by a static classification in topological order:

    * *inline*: read from one place, written into that place's expression;
    * *lazy*: read from several places (or nested too deep to inline): a local function
      ``S_x`` whose result is memoised in ``M_x`` on first use;
    * *eager*: lazy, but at the end of a chain of more than :data:`MAX_CALL_DEPTH` lazy calls:
      computed into ``M_x`` before the first outcome, in topological order.
    """
    refs = {n.id: _references(n, plan) for n in plan.nodes}
    uses: dict[str, int] = {}  # how many places read each node the outcomes need
    stack = [o.id for o in plan.outcomes]
    while stack:
        item = stack.pop()
        uses[item] = uses.get(item, 0) + 1
        if uses[item] == 1:
            stack.extend(refs[item])
    kind: dict[str, str] = {}
    height: dict[str, int] = {}  # nesting of inlined definitions
    chain: dict[str, int] = {}  # nesting of lazy calls
    for node in plan.order:
        item = node.id
        if item not in uses:
            continue
        height[item] = 1 + max((height[r] for r in refs[item] if kind[r] == "inline"),
                               default=0)
        shared = uses[item] > 1 or height[item] > MAX_INLINE_DEPTH
        kind[item] = "lazy" if shared else "inline"
        chain[item] = (1 if shared else 0) + max((chain[r] for r in refs[item]), default=0)
        if shared:
            height[item] = 0
            if chain[item] > MAX_CALL_DEPTH:
                kind[item], chain[item] = "eager", 0

    def fact_ref(name: str) -> ast.expr:
        return ast.Call(_name("g"), [ast.Constant(name)], [])

    touched: set[str] = set()  # memos assigned by the function being generated

    def reference(item: str) -> ast.expr:
        memo = f"M_{item}"
        if kind[item] == "inline":
            return gen.definition(plan.node(item), view_only=True)
        if kind[item] == "eager":
            return _name(memo)
        touched.add(memo)
        return ast.IfExp(ast.Compare(_name(memo), [ast.IsNot()], [_name("_U")]), _name(memo),
                         ast.NamedExpr(_store(memo), ast.Call(_name(f"S_{item}"), [], [])))

    gen.fact_ref = fact_ref
    gen.node_ref = reference
    gen.derived_ref = reference
    body: list[ast.stmt] = [ast.Assign([_store("g")], ast.Attribute(_name("f"), "get",
                                                                     ast.Load()))]
    ordered = [n.id for n in plan.order if n.id in kind]
    body += [ast.Assign([_store(f"M_{item}")], _name("_U"))
             for item in ordered if kind[item] == "lazy"]
    for item in ordered:
        if kind[item] != "lazy":
            continue
        touched.clear()
        function = _local_function(f"S_{item}", gen.definition(plan.node(item), view_only=True))
        if touched:  # the function sets memos of the enclosing call
            function.body.insert(0, ast.Nonlocal(sorted(touched)))
        body.append(function)
    for item in ordered:
        if kind[item] == "eager":
            body.append(ast.Assign([_store(f"M_{item}")],
                                   gen.definition(plan.node(item), view_only=True)))
    for position, outcome in enumerate(plan.outcomes):
        value = (_name(f"M_{outcome.id}") if kind[outcome.id] == "eager"
                 else gen.definition(outcome, view_only=True))
        name = f"O_{position}"
        body.append(ast.Assign([_store(name)], value))
        body.append(ast.If(_is(_name(name), True), [ast.Return(ast.Constant(position))], []))
        body.append(ast.If(_is(_name(name), None), [ast.Return(ast.Constant(-2))], []))
    body.append(ast.Return(ast.Constant(-1)))
    return body


def _references(node: PlanNode, plan: Plan) -> list[str]:
    """Every place ``node`` reads another node or derived value, repeats included (a rule that
    reads ``r`` twice must not have ``r`` inlined twice)."""
    found = list(node.children)
    for tree in (node.condition, node.applies_if):
        if tree is not None:
            found += [n.name for n in walk(tree) if isinstance(n, Name) and n.name in plan.index]
    return found


def _local_function(name: str, value: ast.expr) -> ast.FunctionDef:
    args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])
    return ast.FunctionDef(name=name, args=args, body=[ast.Return(value)], decorator_list=[],
                           returns=None, type_comment=None, lineno=1)


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
    if "full" in functions and "fast" not in functions:
        functions["fast"] = _fast_from_full(functions["full"], len(gen.plan.outcomes))
    return source, functions


def _fast_from_full(full: Callable[[Mapping[str, Any]], tuple[Any, ...]], count: int
                    ) -> Callable[[Mapping[str, Any]], int]:
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
# translator as the rules into functions of the office's facts.


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
    plan = build_plan(spec, resolve_options(spec, dict(options)))
    gen = _Gen(plan)
    trees = [c.condition for c in spec.constraints]
    operands = tuple(dict.fromkeys(
        operand for tree in trees for node in walk(tree) if isinstance(node, Compare)
        for operand in node.operands))
    # the derived values the constraints read, and those they read, in topological order
    wanted = {name for tree in trees for name in names_in(tree) if name in gen.derived}
    stack = list(wanted)
    while stack:
        for name in plan.node(stack.pop()).reads:
            if name in gen.derived and name not in wanted:
                wanted.add(name)
                stack.append(name)
    needed = [n for n in plan.order if n.id in wanted]
    read = [name for name in dict.fromkeys(
        [*(n for tree in trees for n in names_in(tree)), *(f for d in needed for f in d.facts)])
        if name in gen.facts]

    def body(results: Sequence[Expr]) -> list[ast.stmt]:
        statements: list[ast.stmt] = [
            ast.Assign([_store(f"F_{fact}")], ast.Call(
                ast.Attribute(_name("f"), "get", ast.Load()), [ast.Constant(fact)], []))
            for fact in read]
        statements += [ast.Assign([_store(f"D_{d.id}")], gen.definition(d, view_only=False))
                       for d in needed]
        statements.append(ast.Return(ast.Tuple([gen.visit(r) for r in results], ast.Load())))
        return statements

    source, functions = _build_functions(gen, {"constraints": body(trees),
                                               "operands": body(operands)})
    return CompiledConstraints(spec.constraints, functions["constraints"], operands,
                               functions["operands"], source)
