"""Flip search directed by the change: offices that make two rulesets disagree, built on purpose.

Undirected generation almost never draws an office that meets ~70 criteria at once, so a moved
threshold deep inside the Star standards went unnoticed. The director reads the two rulesets'
structure instead: for every pair of outcomes (old outcome ``A``, new outcome ``B``) it asks a
small backtracking solver for an office on which the old version decides ``A`` and the new one
``B``. Goals are "this node is true / false / unknown in this version"; nodes whose definition
and inputs are the same in both versions are *shared*, so asking one version for "true" and the
other for "false" on them fails at once, and the search only descends through what changed.
Facts take values from finite candidate lists made from the thresholds of **both** versions
(each threshold, either side of it, between two thresholds), counts under a rate are realised
from exact rates (at 96 %, between 96 % and 97 %, ...), sets from their members. Every office
the solver proposes is then evaluated by the real compiled rulesets; only verified flips count.

The offices hold only the facts the decision needed (the rest are left out, i.e. unknown), so
each example shows the facts that matter.

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.regression.director import direct_flips
>>> old = load_ruleset("star-judicial-office")
>>> new = load_ruleset("examples/amendment/star-judicial-office-2014.yaml")
>>> found = direct_flips(old, new)
>>> {("NOT_ELIGIBLE", "STAR"), ("STAR", "NOT_ELIGIBLE")} <= set(found.transitions())
True
>>> found.offices[("NOT_ELIGIBLE", "STAR")]["floor_area_m2"]
180.0

Each pair of outcomes is settled (a flip found, or shown impossible over the candidate values)
within the solver's budget, or listed in ``found.unsettled``; a pair with ``UNDECIDED`` (a
missing fact) has many more ways to happen and gets a smaller budget. The values the solver
proposes keep every ``constraints:`` entry of both versions true or unknown (an office that
breaks one is refused as bad data, not a flip).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..compile.codegen import NA, all3, all_of, any3, count3, date3, list3, max3, min3
from ..engine.evaluate import decide
from ..errors import InputError
from ..language import expr as syntax
from ..language.arithmetic import BINARY, neg3
from ..language.visitor import ExprVisitor, walk
from ..ruleset.load import Ruleset
from ..ruleset.model import FactSpec, NodeSpec, Threshold

__all__ = ["INVALID", "UNDECIDED", "DirectedResult", "Domains", "Structure", "Variable",
           "analysable", "constant_outcomes", "direct_flips", "node_equivalent", "outcome_of",
           "outcomes_never_both", "shared_nodes"]

UNDECIDED = "UNDECIDED"
INVALID = "INVALID"  # the office is refused by one version (out of range, inconsistent counts)
SOLVER_STEPS = 300  # search nodes per pair of outcomes before the director gives up on it
UNDECIDED_STEPS = 60  # the same for a pair with UNDECIDED (a missing fact): many ways, rarely one
MAX_LEAF_COMBINATIONS = 4096  # candidate assignments tried for one comparison
MAX_POWERSET = 8  # sets with more members take a sample of subsets (the domain is incomplete)
MAX_RATE_CANDIDATES = 2000  # joint values of counts linked by rates (more: a sample, incomplete)
TOTAL_STEPS = 25_000  # search nodes for all pairs of outcomes together: a large ruleset cannot
# make the director run for long; the pairs it has no budget left for are reported open


class _Missing:
    """A fact assigned to be left out of the office (unknown)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
_UNSET = object()


# ------------------------------------------------------------------------------ structure
class Structure:
    """The static structure of one ruleset, as the director and mutant analysis read it.

    Everything structural comes from the compiled plan (``ruleset.plan``): what each node reads
    (``reads``, ``depends_on``), the facts behind it (``facts_needed``), whether it can be not
    applicable, its thresholds and the ``count / count`` rates (``PlanNode.ratio``). The node
    definitions (``ruleset.spec``) are kept to compare two versions node by node, and the
    options compiled in to tell which names are constants.
    """

    def __init__(self, ruleset: Ruleset) -> None:
        spec = ruleset.spec
        plan = ruleset.plan
        self.ruleset = ruleset
        self.plan = plan
        self.options: dict[str, Any] = ruleset.options
        self.facts: dict[str, FactSpec] = {f.name: f for f in spec.facts}
        self.derived = {d.name: d for d in spec.derived}
        self.nodes: dict[str, NodeSpec] = {n.id: n for n in spec.nodes}
        self.outcomes: tuple[str, ...] = spec.outcomes
        self.otherwise: str = spec.otherwise.id
        self.thresholds: dict[str, list[Threshold]] = {}
        for node in plan.nodes:
            for threshold in node.thresholds:
                self.thresholds.setdefault(threshold.fact, []).append(threshold)
        # consistency checks across facts (``constraints:``): an office that makes one false is
        # refused by the version (INVALID), so the solver only proposes values that keep them
        self.constraints: tuple[tuple[syntax.Expr, frozenset[str]], ...] = tuple(
            (c.condition, frozenset(c.fields)) for c in spec.constraints)
        self.ratios: dict[str, tuple[str, str]] = {  # derived -> (numerator, denominator)
            node.id: (node.ratio.numerator, node.ratio.denominator)
            for node in plan.of_kind("derived") if node.ratio is not None}
        # options a node reads by name: the plan's ``reads`` holds facts and derived values only
        self._options_read: dict[str, tuple[str, ...]] = {
            node.id: tuple(dict.fromkeys(
                name for expr in (node.condition, node.applies_if) if expr is not None
                for name in syntax.names_in(expr) if name in self.options))
            for node in spec.nodes}
        self._inputs: dict[str, tuple[str, ...]] = {}
        self.values_seen: dict[tuple[str, tuple[Any, ...]], Any] = {}  # see _Evaluator.node

    def kind_of(self, name: str) -> str:
        """``option``, ``fact``, ``derived``, ``node`` or ``unknown``."""
        if name in self.options:
            return "option"
        if name in self.facts:
            return "fact"
        if name in self.derived:
            return "derived"
        if name in self.nodes:
            return "node"
        return "unknown"

    def node_refs(self, node_id: str) -> tuple[str, ...]:
        """The nodes ``node_id`` reads: its children and the rules its conditions name."""
        return self.plan.node(node_id).depends_on

    def direct_names(self, node_id: str) -> tuple[str, ...]:
        """Facts, derived values and options the node's own conditions read."""
        return self.plan.node(node_id).reads + self._options_read[node_id]

    def facts_of(self, name: str) -> set[str]:
        """The facts a fact or derived value stands for (through derived values)."""
        if name in self.facts:
            return {name}
        if name in self.derived:
            return set(self.plan.node(name).facts_needed)
        return set()

    def facts_read(self, node_id: str, transitive: bool = False) -> set[str]:
        """Facts read by the node's own conditions (and, if ``transitive``, by what it reads)."""
        node = self.plan.node(node_id)
        if transitive:
            return set(node.facts_needed)
        found: set[str] = set()
        for name in node.reads:
            found |= self.facts_of(name)
        return found

    def inputs(self, node_id: str) -> tuple[str, ...]:
        """Every fact the node's value can depend on, in a fixed order."""
        if node_id not in self._inputs:
            self._inputs[node_id] = tuple(sorted(self.plan.node(node_id).facts_needed))
        return self._inputs[node_id]

    def reaches(self, start: Iterable[str]) -> set[str]:
        """Every node read, directly or not, by the nodes in ``start`` (included)."""
        seen: set[str] = set()
        stack = list(start)
        while stack:
            current = stack.pop()
            if current in seen or current not in self.nodes:
                continue
            seen.add(current)
            stack.extend(self.node_refs(current))
        return seen

    def can_be_na(self, node_id: str) -> bool:
        return self.plan.node(node_id).can_be_na


# ------------------------------------------------------------------------------ evaluation
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


class _Evaluator(ExprVisitor[Any]):
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
                   chosen: Sequence[Any]) -> _Evaluator:
        """An evaluator in which the nodes ``refs`` have the values ``chosen``, whatever their
        own inputs (exhaustive reasoning treats what a node reads as free)."""
        evaluator = cls(structure, values, shared_cache=False)
        evaluator.memo.update(zip(refs, chosen, strict=True))
        return evaluator

    def fact(self, name: str) -> Any:
        value = self.values.get(name, _UNSET)
        return None if value is _UNSET or value is MISSING else value

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
        key = (node_id, tuple(self.values.get(f, _UNSET) for f in self.s.inputs(node_id)))
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


# ------------------------------------------------------------------------------ domains
@attrs.frozen
class Variable:
    """What the solver assigns at once: one fact, or the counts linked by rates (a count can be
    the numerator of one rate and the denominator of another). ``complete``: the candidates
    cover every case the thresholds distinguish (so trying them all is a proof)."""

    id: str
    facts: tuple[str, ...]
    candidates: tuple[tuple[tuple[str, Any], ...], ...]
    complete: bool


def _step(fact: FactSpec, limits: Sequence[float]) -> float:
    if fact.type == "integer":
        return 1
    decimals = 0
    for limit in limits:
        text = repr(float(limit))
        if "e" not in text and "." in text:
            decimals = max(decimals, len(text.split(".")[1].rstrip("0")))
    return 10.0 ** -(decimals + 1) if decimals else 0.5


def _numeric_candidates(fact: FactSpec, limits: Iterable[float]) -> list[Any]:
    """A value in every cell the limits cut the fact's range into, the limits themselves,
    and a value either side of each limit."""
    points = sorted({float(v) for v in limits})
    low = fact.minimum if fact.minimum is not None else None
    high = fact.maximum if fact.maximum is not None else None
    step = _step(fact, points)
    values: set[float] = set()
    for point in points:
        values |= {point - step, point, point + step}
    for a, b in itertools.pairwise(points):
        values.add((a + b) / 2)
    if low is not None:
        values.add(low)
    if not points:
        values |= {low if low is not None else 0.0, (low or 0.0) + 1}
    found: list[Any] = []
    for value in sorted(values):
        options: set[float] = (
            {float(math.floor(value)), float(math.ceil(value))} if fact.type == "integer"
            else {round(value, 6)})
        for option in sorted(options):
            if (low is None or option >= low) and (high is None or option <= high):
                number: Any = int(option) if fact.type == "integer" else float(option)
                if number not in found:
                    found.append(number)
    # small values first: the solver tries candidates in order, and small offices read better
    return sorted(found, key=lambda v: (abs(v - (low or 0)), v))


def _date_candidates(structures: Sequence[Structure]) -> list[dt.date]:
    found: set[dt.date] = set()
    for s in structures:
        years: set[int] = set()
        for fact in s.facts.values():
            if fact.type == "integer" and fact.minimum is not None and fact.maximum is not None \
                    and 0 < fact.maximum - fact.minimum <= 20 and 1900 < fact.minimum < 2200:
                years |= set(range(int(fact.minimum), int(fact.maximum) + 1))
        for node in s.nodes.values():
            for expr in (node.condition, node.applies_if):
                for part in walk(expr) if expr is not None else ():
                    if not isinstance(part, syntax.Call) or part.func != "date":
                        continue
                    if len(part.args) == 1 and isinstance(part.args[0], syntax.Literal):
                        day = dt.date.fromisoformat(str(part.args[0].value))
                        found |= {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}
                    elif len(part.args) == 3 and all(isinstance(a, syntax.Literal)
                                                     for a in part.args[1:]):
                        month, mday = (int(a.value) for a in part.args[1:]  # type: ignore[union-attr]
                                       )
                        for year in sorted(years):
                            try:
                                day = dt.date(year, month, mday)
                            except ValueError:
                                continue
                            found |= {day - dt.timedelta(days=1), day,
                                      day + dt.timedelta(days=1)}
    return sorted(found) or [dt.date(2013, 6, 1)]


def _set_candidates(fact: FactSpec) -> tuple[list[frozenset[str]], bool]:
    ids = fact.value_ids
    if len(ids) <= MAX_POWERSET:
        subsets = [frozenset(c) for size in range(len(ids) + 1)
                   for c in itertools.combinations(ids, size)]
        return subsets, True
    full = frozenset(ids)
    found = [frozenset(), *(frozenset({i}) for i in ids), *(full - {i} for i in ids), full]
    return list(dict.fromkeys(found)), False


def _rate_points(limits: Iterable[float]) -> list[Fraction]:
    """Exact rates: 0, 1, every limit, and one rate inside each cell between them."""
    points = sorted({Fraction(str(v)) for v in limits if 0 <= v <= 1} | {Fraction(0),
                                                                          Fraction(1)})
    found = list(points)
    for a, b in itertools.pairwise(points):
        found.append((a + b) / 2)
    # at a limit, either side of it, then the rest: flips sit on the limits
    return sorted(set(found), key=lambda r: (r not in points or r in (0, 1), r))


class Domains:
    """The candidate values of every fact, from the thresholds of every version given."""

    def __init__(self, structures: Sequence[Structure]) -> None:
        self.structures = structures
        first = structures[0]
        facts: dict[str, FactSpec] = {}
        for s in reversed(structures):
            facts.update(s.facts)
        facts.update(first.facts)
        self.facts = facts
        guarded = self._guarded()
        limits: dict[str, list[float]] = {}
        for s in structures:
            for name, found in s.thresholds.items():
                limits.setdefault(name, []).extend(
                    float(t.value) for t in found if isinstance(t.value, int | float)
                    and not isinstance(t.value, bool) and not t.op.startswith("count"))
        self.limits = limits
        dates = _date_candidates(structures)
        # counts linked by rates form one variable
        ratios: list[tuple[str, str, str]] = []  # (derived, numerator, denominator)
        for s in structures:
            for name, (top, bottom) in s.ratios.items():
                if (name, top, bottom) not in ratios:
                    ratios.append((name, top, bottom))
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        for _, top, bottom in ratios:
            parent.setdefault(top, top)
            parent.setdefault(bottom, bottom)
            parent[root(top)] = root(bottom)
        groups: dict[str, list[str]] = {}
        for name in parent:
            groups.setdefault(root(name), []).append(name)
        self.variables: dict[str, Variable] = {}
        self.of_fact: dict[str, str] = {}
        for group in groups.values():
            members = sorted(group)
            variable = self._rate_group(members, [r for r in ratios if r[1] in members])
            self.variables[variable.id] = variable
            for member in members:
                self.of_fact[member] = variable.id
        for name, fact in facts.items():
            if name in self.of_fact:
                continue
            values, complete = self._fact_candidates(fact, dates)
            if name in guarded:
                values = [*values, MISSING]
            self.variables[name] = Variable(name, (name,), tuple(((name, v),) for v in values),
                                            complete)
            self.of_fact[name] = name

    def _guarded(self) -> set[str]:
        """Facts read inside ``if_known``: leaving them out is a case of its own."""
        found: set[str] = set()
        for s in self.structures:
            for node in s.nodes.values():
                for expr in (node.condition, node.applies_if):
                    for part in walk(expr) if expr is not None else ():
                        if isinstance(part, syntax.Call) and part.func == "if_known":
                            for name in syntax.names_in(part.args[0]):
                                found |= s.facts_of(name)
        return found

    def _fact_candidates(self, fact: FactSpec, dates: list[dt.date]) -> tuple[list[Any], bool]:
        if fact.type in ("boolean", "finding"):
            return [False, True], True
        if fact.type == "enum":
            return list(fact.value_ids), True
        if fact.type == "set":
            subsets, complete = _set_candidates(fact)
            return list(subsets), complete
        if fact.type in ("number", "integer"):
            return _numeric_candidates(fact, self.limits.get(fact.name, [])), True
        if fact.type == "date":
            return list(dates), False
        return [""], False

    def _rate_group(self, members: list[str], ratios: list[tuple[str, str, str]]) -> Variable:
        """Joint values of counts linked by rates: each rate at 0, 1, a limit, or between."""
        rate_limits = {name: self.limits.get(name, []) for name, _, _ in ratios}
        # which count is computed from which: the first version's rates first; a later rate
        # that would compute a count twice, or in a circle (a/b in one version, b/a in the
        # other), is only evaluated, not used to build the counts
        by_numerator: dict[str, tuple[str, str]] = {}
        for name, top, bottom in ratios:
            if top in by_numerator:
                continue
            above, visited = bottom, set()
            while above in by_numerator and above not in visited:
                visited.add(above)
                above = by_numerator[above][1]
            if above == top:
                continue
            by_numerator[top] = (name, bottom)
        numerators = set(by_numerator)
        roots = [m for m in members if m not in numerators]
        complete = not any(self.limits.get(top) for top in numerators) and bool(roots)
        root_values: dict[str, list[int]] = {}
        for name in roots:
            fact = self.facts[name]
            values = _numeric_candidates(fact, self.limits.get(name, []))
            root_values[name] = sorted({int(v) for v in values if v >= 0 and int(v) == v}
                                       ) or [0, 1]
        order: list[str] = []  # numerators once their denominator is placed
        placed = set(roots)
        while len(placed) < len(members):
            progress = False
            for top, (_, bottom) in by_numerator.items():
                if top not in placed and bottom in placed:
                    order.append(top)
                    placed.add(top)
                    progress = True
            if not progress:
                break
        candidates: list[tuple[tuple[str, Any], ...]] = []
        seen: set[tuple[tuple[str, Any], ...]] = set()

        def build(index: int, coefficients: dict[str, Fraction | None]) -> Iterator[
                dict[str, Fraction | None]]:
            if index == len(order):
                yield dict(coefficients)
                return
            top = order[index]
            name, bottom = by_numerator[top]
            base = coefficients[bottom]
            if not base:  # the denominator is 0: the rate is unknown, its numerator 0
                yield from build(index + 1, {**coefficients, top: Fraction(0)})
                return
            for rate in _rate_points(rate_limits[name]):
                yield from build(index + 1, {**coefficients, top: base * rate})

        for choice in itertools.product(*(root_values[r] for r in roots)):
            if len(candidates) >= MAX_RATE_CANDIDATES:
                complete = False
                break
            start: dict[str, Fraction | None] = {r: (Fraction(1) if v > 0 else Fraction(0))
                                                 for r, v in zip(roots, choice, strict=True)}
            for coefficients in build(0, start):
                if len(candidates) >= MAX_RATE_CANDIDATES:
                    complete = False
                    break
                scale = 1
                for coefficient in coefficients.values():
                    if coefficient:
                        scale = math.lcm(scale, coefficient.denominator)
                least = max((v for v in choice if v > 0), default=1)
                factor = scale * max(1, math.ceil(least / scale))
                assignment: list[tuple[str, Any]] = []
                for member in members:
                    if member in start:
                        count = choice[roots.index(member)]
                        assignment.append((member, factor if count > 0 else count))
                    else:
                        share = coefficients.get(member) or Fraction(0)
                        assignment.append((member, int(share * factor)))
                key = tuple(assignment)
                if key not in seen:
                    seen.add(key)
                    candidates.append(key)
        return Variable("rates:" + "+".join(members), tuple(members), tuple(candidates),
                        complete)

    def variables_of(self, structure: Structure, expr: syntax.Expr | None) -> list[str]:
        if expr is None:
            return []
        found: list[str] = []
        for name in syntax.names_in(expr):
            facts = (structure.facts_read(name, transitive=True) if name in structure.nodes
                     else structure.facts_of(name))
            for fact in sorted(facts):
                variable = self.of_fact.get(fact)
                if variable is not None and variable not in found:
                    found.append(variable)
        return found


# ------------------------------------------------------------------------------ solver
class _OutOfStepsError(Exception):
    pass


@attrs.frozen
class _Goal:
    """``target`` (a node id or an expression) has value ``want`` in version ``version``
    (0 old, 1 new, 2 shared: the node is the same in both)."""

    version: int
    target: str | syntax.Expr
    want: bool | None


_Choice = tuple[_Goal | None, list[list[_Goal]]]  # a goal met one of several ways


def _key(goal: _Goal) -> tuple[int, str] | None:
    return (goal.version, goal.target) if isinstance(goal.target, str) else None


def _implication(version: int, left: syntax.Expr, right: syntax.Expr, want: bool | None
                 ) -> list[list[_Goal]]:
    """The ways ``left -> right`` has the value ``want`` (Kleene implication)."""
    if want is True:
        return [[_Goal(version, left, False)], [_Goal(version, right, True)]]
    if want is False:
        return [[_Goal(version, left, True), _Goal(version, right, False)]]
    return [[_Goal(version, left, True), _Goal(version, right, None)],
            [_Goal(version, left, None), _Goal(version, right, False)]]


class _Decompose(ExprVisitor["list[list[_Goal]] | None"]):
    """The ways an expression has the value ``want``, one level down (a list of alternatives,
    each a list of goals); ``None`` for a leaf, which assigning facts decides."""

    def __init__(self, solver: _Solver, version: int, want: bool | None) -> None:
        self.solver = solver
        self.version = version
        self.want = want

    def generic_visit(self, e: syntax.Expr) -> list[list[_Goal]] | None:
        return None

    def visit_Name(self, e: syntax.Name) -> list[list[_Goal]] | None:
        if e.name in self.solver.structure(self.version).nodes:
            return [[self.solver.node_goal(self.version, e.name, self.want)]]
        return None

    def visit_Unary(self, e: syntax.Unary) -> list[list[_Goal]] | None:
        if e.op != "not":
            return None
        return [[_Goal(self.version, e.operand, None if self.want is None else not self.want)]]

    def visit_BoolOp(self, e: syntax.BoolOp) -> list[list[_Goal]] | None:
        version, want, operands = self.version, self.want, e.operands
        dominant = e.op == "or"
        if want is None:
            neutral = not dominant
            return [[*(_Goal(version, o, neutral) for o in operands[:i]),
                     _Goal(version, operand, None),
                     *(_Goal(version, o, neutral) for o in operands[i + 1:])]
                    for i, operand in enumerate(operands)]
        if want is not dominant:
            return [[_Goal(version, o, want) for o in operands]]
        return [[_Goal(version, o, want)] for o in operands]

    def visit_Implies(self, e: syntax.Implies) -> list[list[_Goal]] | None:
        return _implication(self.version, e.left, e.right, self.want)


def _jointly_possible(open_leaves: Sequence[tuple[_Goal, Sequence[tuple[tuple[str, Any], ...]]]]
                      ) -> bool:
    """Whether the leaves that each read one and the same fact can all be met by one value of
    it. Checked before branching: a standard met under the old threshold and failed under the
    new one, where the new one is laxer, is then refused at once instead of after every way of
    meeting the other standards has been tried (the search is chronological, and without this
    a revocation ground to be found among 20 standards ran out of steps)."""
    allowed: dict[str, set[Any]] = {}
    for _, ways in open_leaves:
        facts = {tuple(name for name, _ in way) for way in ways}
        if len(facts) != 1 or len(next(iter(facts))) != 1:
            continue  # a leaf over several facts: the search assigns it jointly
        (name,) = next(iter(facts))
        values = {_hashable(way[0][1]) for way in ways}
        allowed[name] = allowed[name] & values if name in allowed else values
        if not allowed[name]:
            return False
    return True


def _through_unshared(alternative: Sequence[_Goal]) -> int:
    """0 for a way that passes through a node defined differently in the two versions."""
    return 0 if any(isinstance(g.target, str) and g.version != 2 for g in alternative) else 1


def _hashable(value: Any) -> Any:
    return frozenset(value) if isinstance(value, set) else value


class _Solver:
    def __init__(self, structures: Sequence[Structure], shared: frozenset[str],
                 domains: Domains, budget: int = SOLVER_STEPS) -> None:
        self.structures = structures
        self.shared = shared
        self.domains = domains
        self.budget = budget
        self.steps = 0
        self._variables_cache: dict[tuple[int, int], list[str]] = {}
        self._options_cache: dict[tuple[Any, ...], list[tuple[tuple[str, Any], ...]]] = {}

    # -- helpers
    def structure(self, version: int) -> Structure:
        return self.structures[0 if version == 2 else version]

    def node_goal(self, version: int, node_id: str, want: bool | None) -> _Goal:
        if version != 2 and node_id in self.shared:
            version = 2
        return _Goal(version, node_id, want)

    def value(self, goal: _Goal, evaluators: list[_Evaluator]) -> Any:
        evaluator = evaluators[0 if goal.version == 2 else goal.version]
        if isinstance(goal.target, str):
            return evaluator.view(goal.target)
        return evaluator.expr(goal.target)

    def variables(self, goal: _Goal) -> list[str]:
        structure = self.structure(goal.version)
        if isinstance(goal.target, str):
            node = structure.nodes[goal.target]
            found: list[str] = []
            for expr in (node.condition, node.applies_if):
                for v in self.domains.variables_of(structure, expr):
                    if v not in found:
                        found.append(v)
            return found
        key = (goal.version, id(goal.target))
        if key not in self._variables_cache:
            self._variables_cache[key] = self.domains.variables_of(structure, goal.target)
        return self._variables_cache[key]

    # -- decomposition: None when the goal is a leaf (decided by assigning facts)
    def expand(self, goal: _Goal) -> list[list[_Goal]] | None:
        want, version = goal.want, goal.version
        s = self.structure(version)
        if not isinstance(goal.target, str):
            return _Decompose(self, version, want).visit(goal.target)
        node = s.nodes[goal.target]
        if node.kind in ("standard", "group"):
            children = [self.node_goal(version, c, True) for c in node.children]
            if want is True:
                return [children]
            if want is False:
                return [[self.node_goal(version, c, False)] for c in node.children]
            return [[*children[:i], self.node_goal(version, c, None), *children[i + 1:]]
                    for i, c in enumerate(node.children)]
        assert node.condition is not None
        if node.kind == "criterion" and node.applies_if is not None:
            # a criterion that applies only if ...: met when it does not apply (counted as met
            # in its standard) or when its condition holds, i.e. ``applies_if -> condition``
            return _implication(version, node.applies_if, node.condition, want)
        return [[_Goal(version, node.condition, want)]]

    # -- search
    def solve(self, goals: list[_Goal], alternatives: list[list[list[_Goal]]]
              ) -> dict[str, Any] | None:
        """An assignment meeting ``goals`` and one alternative of each of ``alternatives``."""
        try:
            return self._search(list(goals), [(None, list(a)) for a in alternatives], {}, {})
        except RecursionError:  # pragma: no cover - very deep rulesets
            raise _OutOfStepsError() from None

    def _search(self, goals: list[_Goal], choices: list[_Choice],
                wants: dict[tuple[int, str], bool | None], assign: dict[str, Any]
                ) -> dict[str, Any] | None:
        """Depth first: expand what is forced, assign what has one way left, then branch on
        the structural choice with the fewest alternatives; leaves last."""
        self.steps += 1
        if self.steps > self.budget:
            raise _OutOfStepsError()
        wants = dict(wants)
        assign = dict(assign)
        leaves: list[_Goal] = []
        pending = list(goals)
        branching: list[_Choice] = list(choices)
        while True:
            while pending:
                goal = pending.pop()
                key = _key(goal)
                if key is not None:
                    if key in wants:
                        if wants[key] is not goal.want:
                            return None
                        continue
                    wants[key] = goal.want
                options = self.expand(goal)
                if options is None:
                    leaves.append(goal)
                elif len(options) == 1:
                    pending.extend(options[0])
                else:
                    branching.append((goal, options))
            evaluators = [_Evaluator(s, assign) for s in self.structures]
            open_leaves: list[tuple[_Goal, list[tuple[tuple[str, Any], ...]]]] = []
            for leaf in leaves:
                state = self._status(leaf, evaluators, assign)
                if state is False:
                    return None
                if state is None:
                    ways = self._leaf_options(leaf, assign)
                    if not ways:
                        return None
                    open_leaves.append((leaf, ways))
            if not _jointly_possible(open_leaves):
                return None
            still: list[_Choice] = []
            narrowed = False
            for choice_goal, alternatives in branching:
                if choice_goal is not None:
                    state = self._status(choice_goal, evaluators, assign)
                    if state is False:
                        return None
                    if state is True:
                        continue
                # look one step ahead: drop the ways that already contradict what is known
                viable = [o for o in alternatives if not self._dead(o, wants, evaluators)]
                if not viable:
                    return None
                if len(viable) == 1:
                    pending.extend(viable[0])
                    narrowed = True
                    continue
                still.append((choice_goal, viable))
            leaves = [leaf for leaf, _ in open_leaves]
            branching = still
            if narrowed:
                continue
            forced = [(leaf, ways[0]) for leaf, ways in open_leaves if len(ways) == 1]
            if forced:  # one way left: assign it, and look again
                for _, option in forced:
                    if all(f not in assign for f, _ in option):
                        assign.update(option)
                continue
            if not open_leaves and not still:
                return assign
            if still:
                best = min(still, key=lambda item: len(item[1]))
                others = [item for item in still if item is not best]
                # the ways through a node that differs between the versions first: a flip
                # happens where the rules changed (a ground for revocation among 20 standards
                # is the changed one, not the first of the list)
                for alternative in sorted(best[1], key=_through_unshared):
                    found = self._search([*leaves, *alternative], others, wants, assign)
                    if found is not None:
                        return found
                return None
            # only leaves are left: one whose facts no other leaf reads takes its first value
            readers: dict[str, int] = {}
            for leaf in leaves:
                for v in self.variables(leaf):
                    readers[v] = readers.get(v, 0) + 1
            free = [(leaf, ways) for leaf, ways in open_leaves
                    if all(readers[v] == 1 for v in self.variables(leaf))]
            if free:
                for _, ways in free:
                    assign.update(ways[0])
                continue
            chosen, ways = min(open_leaves, key=lambda item: len(item[1]))
            rest = [other for other in leaves if other is not chosen]
            for way in ways:
                found = self._search(rest, [], wants, {**assign, **dict(way)})
                if found is not None:
                    return found
            return None

    def _dead(self, option: list[_Goal], wants: Mapping[tuple[int, str], bool | None],
              evaluators: list[_Evaluator]) -> bool:
        for goal in option:
            key = _key(goal)
            if key is not None and key in wants:
                if wants[key] is not goal.want:
                    return True
                continue
            value = self.value(goal, evaluators)
            if value is not None and (goal.want is None or value is not goal.want):
                return True
        return False

    def _status(self, goal: _Goal, evaluators: list[_Evaluator], assign: Mapping[str, Any]
                ) -> bool | None:
        """True: met for good; False: cannot be met any more; None: open."""
        value = self.value(goal, evaluators)
        settled = not isinstance(goal.target, str) and all(
            f in assign for v in self.variables(goal) for f in self.domains.variables[v].facts)
        if goal.want is None:
            if value is not None:
                return False
            return True if settled else None
        if value is goal.want:
            return True
        if value is not None or settled:
            return False
        return None

    def _leaf_options(self, goal: _Goal, assign: Mapping[str, Any]
                      ) -> list[tuple[tuple[str, Any], ...]]:
        facts = [f for v in self.variables(goal) for f in self.domains.variables[v].facts]
        key = (goal.version, id(goal.target), goal.want,
               tuple(assign.get(f, _UNSET) for f in facts))
        cached = self._options_cache.get(key)
        if cached is None:
            cached = self._compute_options(goal, assign)
            self._options_cache[key] = cached
        return cached

    def _compute_options(self, goal: _Goal, assign: Mapping[str, Any]
                         ) -> list[tuple[tuple[str, Any], ...]]:
        variables = [v for v in self.variables(goal)
                     if any(f not in assign for f in self.domains.variables[v].facts)]
        domains = []
        for v in variables:
            candidates = list(self.domains.variables[v].candidates)
            if goal.want is None:
                candidates.append(tuple((f, MISSING) for f in self.domains.variables[v].facts))
            domains.append(candidates)
        found: list[tuple[tuple[str, Any], ...]] = []
        assigned = {f for v in variables for f in self.domains.variables[v].facts}
        checks = [(s, condition) for s in self.structures for condition, fields in s.constraints
                  if fields & assigned]
        combinations = itertools.islice(itertools.product(*domains), MAX_LEAF_COMBINATIONS)
        for combination in combinations:
            values = dict(assign)
            for part in combination:
                values.update(part)
            evaluator = _Evaluator(self.structure(goal.version), values)
            assert not isinstance(goal.target, str)
            if evaluator.expr(goal.target) is goal.want and all(
                    _Evaluator(s, values).expr(condition) is not False
                    for s, condition in checks):
                found.append(tuple(item for part in combination for item in part))
        return found


# ------------------------------------------------------------------------------ the director
def _same_definition(a: NodeSpec, b: NodeSpec) -> bool:
    def text(expr: syntax.Expr | None) -> str:
        return syntax.to_text(expr) if expr is not None else ""

    return (a.kind == b.kind and text(a.condition) == text(b.condition)
            and text(a.applies_if) == text(b.applies_if) and a.children == b.children)


def shared_nodes(old: Structure, new: Structure) -> frozenset[str]:
    """Nodes defined the same way in both versions and reading only what is the same."""
    same_names = {n for n in old.options if old.options[n] == new.options.get(n, _UNSET)}
    same_names |= {n for n in old.derived if n in new.derived
                   and syntax.to_text(old.derived[n].expr) == syntax.to_text(new.derived[n].expr)}
    same_names |= {n for n in old.facts if n in new.facts}
    memo: dict[str, bool] = {}

    def same(node_id: str) -> bool:
        if node_id in memo:
            return memo[node_id]
        memo[node_id] = False  # cycles cannot occur in a valid ruleset
        if node_id not in new.nodes or node_id not in old.nodes:
            return False
        a, b = old.nodes[node_id], new.nodes[node_id]
        result = _same_definition(a, b) and all(
            n in same_names for n in old.direct_names(node_id)) and all(
            same(ref) for ref in old.node_refs(node_id))
        memo[node_id] = result
        return result

    return frozenset(n for n in old.nodes if same(n))


def outcome_of(ruleset: Ruleset, office: Mapping[str, Any]) -> str:
    """The verdict's outcome, ``UNDECIDED``, or ``INVALID`` when the version refuses the data."""
    try:
        return decide(ruleset.parse_office(office, extra="ignore"), ruleset)
    except InputError:
        return INVALID


def to_json_value(value: Any) -> Any:
    """A fact value as office data (JSON form): sets as sorted lists, dates as ISO text."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@attrs.frozen
class DirectedResult:
    """What the director found: one verified office per transition, and how complete it was.

    ``offices``: ``{(old outcome, new outcome): office}``. ``complete``: every pair of outcomes
    was settled (a flip found, or shown impossible over the candidate values) within the
    solver's budget; when false, ``unsettled`` lists the pairs left open and the caller should
    also search undirected. ``examples``: offices evaluated under both versions.
    """

    offices: Mapping[tuple[str, str], Mapping[str, Any]]
    complete: bool
    unsettled: tuple[tuple[str, str], ...]
    examples: int
    solver_steps: int

    def transitions(self) -> list[tuple[str, str]]:
        return list(self.offices)


def _outcome_goals(s: Structure, version: int, target: str, solver: _Solver
                   ) -> tuple[list[_Goal], list[list[list[_Goal]]]]:
    goals: list[_Goal] = []
    if target == UNDECIDED:
        options = []
        for k, outcome in enumerate(s.outcomes):
            options.append([*(solver.node_goal(version, o, False) for o in s.outcomes[:k]),
                            solver.node_goal(version, outcome, None)])
        return goals, [options]
    if target == s.otherwise:
        return [solver.node_goal(version, o, False) for o in s.outcomes], []
    k = s.outcomes.index(target)
    goals += [solver.node_goal(version, o, False) for o in s.outcomes[:k]]
    goals.append(solver.node_goal(version, target, True))
    return goals, []


def _office(assign: Mapping[str, Any], domains: Domains, office_id: str) -> dict[str, Any]:
    office: dict[str, Any] = {"id": office_id}
    for name, value in assign.items():
        if value is MISSING:
            continue
        office[name] = to_json_value(value)
    return office


def _range_probes(old: Structure, new: Structure) -> list[dict[str, Any]]:
    """Offices with one fact at the edges of its declared range in either version."""
    offices: list[dict[str, Any]] = []
    for name, a in old.facts.items():
        b = new.facts.get(name)
        if b is None:
            continue
        if a.type in ("number", "integer") and (a.minimum, a.maximum) != (b.minimum, b.maximum):
            step = 1 if a.type == "integer" else 0.5
            for edge in (a.minimum, a.maximum, b.minimum, b.maximum):
                if edge is None:
                    continue
                for value in (edge - step, edge, edge + step):
                    number = int(value) if a.type == "integer" else float(value)
                    offices.append({"id": f"range-{name}", name: number})
        if a.type in ("enum", "set") and a.value_ids != b.value_ids:
            for member in sorted(set(a.value_ids) ^ set(b.value_ids)):
                offices.append({"id": f"values-{name}",
                                name: [member] if a.type == "set" else member})
    return offices


def direct_flips(old: Ruleset, new: Ruleset, *, max_examples: int = 300,
                 budget: int = SOLVER_STEPS) -> DirectedResult:
    """One office per transition (old outcome -> new outcome) the change can cause, built by
    the solver and verified by evaluating both versions; see the module docstring."""
    a, b = Structure(old), Structure(new)
    shared = shared_nodes(a, b)
    domains = Domains([a, b])
    found: dict[tuple[str, str], dict[str, Any]] = {}
    examples = 0
    steps = 0
    unsettled: list[tuple[str, str]] = []

    def check(office: dict[str, Any]) -> tuple[str, str]:
        nonlocal examples
        examples += 1
        return outcome_of(old, office), outcome_of(new, office)

    for office in _range_probes(a, b):
        if examples >= max_examples:
            break
        transition = check(office)
        if transition[0] != transition[1] and transition not in found:
            found[transition] = office
    old_targets = [*a.outcomes, a.otherwise, UNDECIDED]
    new_targets = [*b.outcomes, b.otherwise, UNDECIDED]
    pairs = [(x, y) for x in old_targets for y in new_targets if x != y]
    # an outcome decided by shared nodes alone, with every outcome before it shared and in the
    # same place, is the same in both versions
    stable: set[str] = set()
    for k, outcome in enumerate(a.outcomes):
        if (k < len(b.outcomes) and b.outcomes[k] == outcome
                and all(o in shared for o in a.outcomes[:k + 1])):
            stable.add(outcome)
        else:
            break
    pairs = [(x, y) for x, y in pairs if not (x in stable or y in stable)]
    # an outcome the options fix false is never selected in that version
    never_old, never_new = constant_outcomes(old), constant_outcomes(new)
    pairs = [(x, y) for x, y in pairs if x not in never_old and y not in never_new]
    def attempt(x: str, y: str, limit: int) -> bool:
        """Search one pair within ``limit`` steps; whether it is settled (a flip found, or
        shown impossible over the candidate values)."""
        nonlocal steps
        solver = _Solver([a, b], shared, domains, limit)
        goals_a, choices_a = _outcome_goals(a, 0, x, solver)
        goals_b, choices_b = _outcome_goals(b, 1, y, solver)
        try:
            assign = solver.solve([*goals_a, *goals_b], [*choices_a, *choices_b])
        except _OutOfStepsError:
            return False
        except (TypeError, ValueError, AttributeError, ArithmeticError):
            # values of a fact whose type differs between the versions: the engine, not the
            # solver, decides such offices (the range probes and undirected draws)
            return False
        finally:
            steps += solver.steps
        if assign is None:
            return True
        office = _office(assign, domains, "directed-" + f"{x}-{y}".lower())
        transition = check(office)
        if transition[0] != transition[1] and transition not in found:
            found[transition] = office
        return transition == (x, y)  # otherwise the solver's reading and the engine's disagree

    for x, y in pairs:
        if (x, y) in found:
            continue
        if examples >= max_examples:
            unsettled.append((x, y))
            continue
        limit = min(budget, UNDECIDED_STEPS) if UNDECIDED in (x, y) else budget
        limit = min(limit, TOTAL_STEPS - steps)
        if limit <= 0 or not attempt(x, y, limit):
            unsettled.append((x, y))
    # a second round for the pairs left open, decided outcomes first, each with all the steps
    # still unused (a revocation ground among 20 standards × 3 ways of meeting each needs
    # thousands of steps where most pairs need tens); TOTAL_STEPS still bounds the whole search
    left_open = [p for p in unsettled if p not in found]
    for x, y in sorted(left_open, key=lambda pair: UNDECIDED in pair):
        limit = TOTAL_STEPS - steps
        if examples < max_examples and limit > budget and attempt(x, y, limit):
            unsettled.remove((x, y))
    unsettled = [p for p in unsettled if p not in found]
    return DirectedResult(found, not unsettled, tuple(unsettled), examples, steps)


def node_equivalent(old: Ruleset, new: Ruleset, node_id: str,
                    limit: int = 50_000) -> bool | None:
    """Whether node ``node_id`` has the same value in both versions for every office.

    Tries every combination of the node's direct inputs: each fact over its complete candidate
    values (and left out), each node it reads as true, false or unknown. ``None`` when that
    cannot prove it (a domain is not complete, or too many combinations).
    """
    a, b = Structure(old), Structure(new)
    if node_id not in a.nodes or node_id not in b.nodes:
        return None
    node_a, node_b = a.nodes[node_id], b.nodes[node_id]
    if node_a.kind != node_b.kind:
        return None
    domains = Domains([a, b])
    # the node's own facts range over their candidates; the nodes it reads are free inputs
    variables: list[str] = []
    for s in (a, b):
        for name in s.direct_names(node_id):
            for fact in sorted(s.facts_of(name)):
                v = domains.of_fact.get(fact)
                if v is not None and v not in variables:
                    variables.append(v)
    if not all(domains.variables[v].complete for v in variables):
        return None
    if not all(analysable(s, e) for s, node in ((a, node_a), (b, node_b))
               for e in (node.condition, node.applies_if)):
        return None
    refs = list(dict.fromkeys([*a.node_refs(node_id), *b.node_refs(node_id)]))
    raw_children = node_a.kind in ("standard", "group")
    ref_values: list[tuple[Any, ...]] = [
        (True, False, None, NA) if raw_children else (True, False, None) for _ in refs]
    cases = _input_cases(domains, variables, refs, ref_values, limit)
    if cases is None:
        return None
    for values, chosen in cases:
        results = [_Evaluator.with_nodes(s, values, refs, chosen).node(node_id) for s in (a, b)]
        if results[0] is not results[1] and results[0] != results[1]:
            return False
    return True


def _input_cases(domains: Domains, variables: Sequence[str], refs: Sequence[str],
                 ref_values: Sequence[tuple[Any, ...]], limit: int
                 ) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]] | None:
    """Every combination of the variables' candidate values (or the facts left out) and of the
    values given to the nodes ``refs`` read; ``None`` when there are more than ``limit``."""
    fact_domains = [[*domains.variables[v].candidates,
                     tuple((f, MISSING) for f in domains.variables[v].facts)]
                    for v in variables]
    total = math.prod(len(d) for d in fact_domains) * math.prod(len(r) for r in ref_values)
    if total > limit:
        return None

    def cases() -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
        for combination in itertools.product(*fact_domains):
            values: dict[str, Any] = {}
            for part in combination:
                values.update(part)
            for chosen in itertools.product(*ref_values):
                yield values, chosen

    return cases()


def _constant(s: Structure, expr: syntax.Expr) -> bool:
    """No fact, derived value or node read: a literal, an option, a list of those (a name
    nothing declares is a quantifier's variable, bound to a constant list)."""
    return all(s.kind_of(n) in ("option", "unknown") for n in syntax.names_in(expr)) and not any(
        isinstance(part, syntax.Call) and part.func != "date" for part in walk(expr))


def _reads_one_input(s: Structure, expr: syntax.Expr) -> bool:
    """A fact, a rate of two counts, or the size of a set: something the candidate values
    cover cell by cell when it is compared with a constant."""
    if isinstance(expr, syntax.Name):
        return s.kind_of(expr.name) == "fact" or expr.name in s.ratios
    if (isinstance(expr, syntax.Call) and expr.func == "count" and len(expr.args) == 1
            and isinstance(expr.args[0], syntax.Name)):
        return s.kind_of(expr.args[0].name) == "fact"
    return False


def analysable(s: Structure, expr: syntax.Expr | None) -> bool:
    """Whether trying every candidate value of the facts ``expr`` reads covers every case it
    distinguishes: each comparison sets one fact (or rate, or set size) against a constant,
    memberships test a constant in a set, quantifiers range over constant lists, and names
    are facts, options, rules or rates. Anything else (two facts compared, arithmetic on
    facts, dates built from facts) makes exhaustive reasoning unsound, so it is refused."""
    if expr is None:
        return True
    checker = _Analysable(s)
    checker.visit(expr)
    return checker.ok


class _Analysable(ExprVisitor[None]):
    """Visits every node of a condition; ``ok`` turns false at the first construct the
    candidate values cannot cover (see :func:`analysable`)."""

    def __init__(self, structure: Structure) -> None:
        self.s = structure
        self.ok = True

    def visit_Compare(self, e: syntax.Compare) -> None:
        readers = [o for o in e.operands if not _constant(self.s, o)]
        if len(readers) > 1 or not all(_reads_one_input(self.s, o) for o in readers):
            self.ok = False
        self.generic_visit(e)

    def visit_Membership(self, e: syntax.Membership) -> None:
        if not (_constant(self.s, e.item) and _reads_one_input(self.s, e.container)):
            self.ok = False
        self.generic_visit(e)

    def visit_Quantifier(self, e: syntax.Quantifier) -> None:
        if not _constant(self.s, e.iterable):
            self.ok = False
        self.generic_visit(e)

    def visit_Binary(self, e: syntax.Binary) -> None:
        if not _constant(self.s, e):
            self.ok = False
        self.generic_visit(e)

    def visit_Call(self, e: syntax.Call) -> None:
        if e.func == "if_known":
            if not (isinstance(e.args[0], syntax.Name) and _constant(self.s, e.args[1])):
                self.ok = False
        elif e.func != "count" and not _constant(self.s, e):
            self.ok = False
        self.generic_visit(e)

    def visit_Name(self, e: syntax.Name) -> None:
        if self.s.kind_of(e.name) == "derived" and e.name not in self.s.ratios:
            self.ok = False


def constant_outcomes(ruleset: Ruleset) -> frozenset[str]:
    """Outcomes false for every office: their condition is false with every fact unknown (the
    options compiled in decide it, e.g. ``revocation_mode == 'automatic' and ...``). Kleene
    logic only moves from unknown to known as facts are given, so false stays false."""
    s = Structure(ruleset)
    evaluator = _Evaluator(s, {})
    return frozenset(o for o in s.outcomes if evaluator.view(o) is False)


def outcomes_never_both(ruleset: Ruleset, first: str, second: str,
                        limit: int = 50_000) -> bool:
    """True when no office makes both outcomes' conditions not false, unless both are unknown
    (then swapping the two in the decision order changes no verdict). Every combination of
    their direct inputs is tried (facts over complete candidate values or left out, the rules
    they read true, false or unknown); False when one is found or it cannot be shown."""
    s = Structure(ruleset)
    domains = Domains([s])
    variables: list[str] = []
    refs: list[str] = []
    for outcome in (first, second):
        node = s.nodes[outcome]
        for v in domains.variables_of(s, node.condition):
            if v not in variables:
                variables.append(v)
        refs += [r for r in s.node_refs(outcome) if r not in refs]
    # the variables of a rule read by name are free: only the outcomes' own facts are domains
    own_facts = set()
    for outcome in (first, second):
        for name in s.direct_names(outcome):
            own_facts |= s.facts_of(name)
    variables = [v for v in variables
                 if set(domains.variables[v].facts) & own_facts]
    if not all(domains.variables[v].complete for v in variables):
        return False
    if not all(analysable(s, s.nodes[o].condition) for o in (first, second)):
        return False
    cases = _input_cases(domains, variables, refs, [(True, False, None)] * len(refs), limit)
    if cases is None:
        return False
    for values, chosen in cases:
        evaluator = _Evaluator.with_nodes(s, values, refs, chosen)
        x, y = evaluator.view(first), evaluator.view(second)
        if x is not False and y is not False and not (x is None and y is None):
            return False
    return True
