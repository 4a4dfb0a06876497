"""The compiled plan: one immutable DAG of a ruleset, read by every consumer.

Loading a ruleset builds exactly one :class:`Plan` per set of options. It holds every derived
value, criterion, standard, group, rule and decision outcome **once**, in a topological order,
each as a :class:`PlanNode` carrying what consumers would otherwise re-derive from condition
text: its clause, quote and titles; the facts, derived values and nodes it reads (directly and
transitively); the thresholds of its ``condition`` and of its ``applies_if`` kept apart; the
ratio parts of ``a / b`` derived values; the set a ``count(...) == 0`` condition counts over; and
a static cost. Explanations, gap analysis, strategies, diff/impact, lint, the code generator and
both backends read the plan; none re-parses condition text.

The plan is linear in the ruleset's size: a node that reads another node refers to it by id and
never copies its definition. The cost of evaluating one office is bounded by
:attr:`Plan.cost`, which loading checks against :data:`MAX_PLAN_COST`.

>>> from mingxing_rules import load_ruleset
>>> plan = load_ruleset("star-judicial-office").plan
>>> node = plan.node("floor_area")
>>> node.kind, node.clause, node.condition_thresholds
('criterion', '四(一)1', (Threshold(fact='floor_area_m2', op='>=', value=200),))
>>> plan.node("mediation_success_rate").ratio
Ratio(numerator='disputes_resolved_count', denominator='disputes_mediated_count')
>>> "floor_area_m2" in plan.node("STAR").facts_needed
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from ..errors import Location, RulesetError, RulesetProblem
from ..language.arithmetic import ConstantTooLargeError
from ..language.expr import (
    Binary,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListExpr,
    Membership,
    Name,
    Quantifier,
    Unary,
    names_in,
)
from ..language.visitor import ExprVisitor, NotConstantError, children, constant_value
from ..ruleset.model import DerivedSpec, FactSpec, NodeSpec, RulesetSpec, Text, Threshold

__all__ = [
    "COMPARATOR_FLIP",
    "COMPARATOR_NEGATION",
    "MAX_PLAN_COST",
    "Decision",
    "Plan",
    "PlanKind",
    "PlanNode",
    "Ratio",
    "build_plan",
    "reachable",
    "thresholds_of",
]

PlanKind = Literal["derived", "criterion", "standard", "group", "rule", "outcome"]

#: ``a op b`` is ``b FLIP[op] a``
COMPARATOR_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
#: ``not (a op b)`` is ``a NEGATION[op] b`` (for known operands)
COMPARATOR_NEGATION = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}

#: The largest static cost (see :attr:`PlanNode.cost`) a ruleset may have. The bundled Star
#: ruleset costs about 1,000; a ruleset beyond this limit is refused at load (E210), because one
#: evaluation could then take seconds.
MAX_PLAN_COST = 200_000


@attrs.frozen
class Decision:
    """What :meth:`Plan.decide` reads off an evaluation row."""

    outcome: str  # an outcome id, the otherwise id, or "UNDECIDED"
    decided_by: str | None
    possible: tuple[str, ...]  # when undecided: the outcomes still possible
    roles: tuple[str, ...]  # per outcome, in precedence order


@attrs.frozen
class Ratio:
    """A derived value of the form ``numerator / denominator`` (both facts)."""

    numerator: str
    denominator: str


@attrs.frozen(eq=False)
class PlanNode:
    """One derived value, criterion, standard, group, rule or decision outcome.

    Everything here is computed once, when the ruleset is compiled; nodes are shared by
    reference. Equality is identity (a plan is a graph, not a value).
    """

    id: str
    kind: PlanKind
    position: int  # index in an evaluation row (see :class:`Plan`)
    title: Text
    clause: str  # "" for derived values
    quote: str
    condition: Expr | None  # a derived value's formula is its condition
    condition_text: str
    applies_if: Expr | None
    applies_if_text: str
    children: tuple[str, ...]  # standards: criteria; groups: standards
    parent: str | None
    effect: str  # outcomes: award | revoke | none
    reads: tuple[str, ...]  # facts and derived values read directly, condition first
    depends_on: tuple[str, ...]  # criteria, standards, groups and rules read (children first)
    facts: tuple[str, ...]  # facts read directly
    facts_needed: tuple[str, ...]  # facts read directly or through anything it depends on
    condition_thresholds: tuple[Threshold, ...]
    applies_if_thresholds: tuple[Threshold, ...]
    ratio: Ratio | None  # derived values of the form a / b
    counted_set: str | None  # the set of a ``count(x) == 0`` condition
    disjunction: bool  # the condition is an ``or`` at the top
    can_be_na: bool  # the node can be NOT_APPLICABLE
    cost: int  # static evaluation cost of this node alone (other nodes count 1)
    unit: str | None
    scale: float
    minimum: float | None  # derived values: bounds checked on input
    maximum: float | None
    location: Location
    spec: NodeSpec | None  # the validated node (None for derived values)
    derived: DerivedSpec | None  # the validated derived value (None for nodes)

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """Condition thresholds, then ``applies_if`` thresholds."""
        return self.condition_thresholds + tuple(
            t for t in self.applies_if_thresholds if t not in self.condition_thresholds)

    def __repr__(self) -> str:
        return f"<PlanNode {self.kind} {self.id}>"


@attrs.frozen(eq=False)
class Plan:
    """A ruleset compiled with one set of options, as a DAG of :class:`PlanNode`.

    ``nodes`` are in **row order** (derived values in file order, then every other node in file
    order): position ``i`` of an evaluation row is ``nodes[i]``. ``order`` is a topological
    order of the same nodes (everything a node reads comes before it).
    """

    spec: RulesetSpec
    options: tuple[tuple[str, Any], ...]
    nodes: tuple[PlanNode, ...]
    order: tuple[PlanNode, ...]
    index: Mapping[str, int]
    outcomes: tuple[PlanNode, ...]  # in precedence order
    otherwise: NodeSpec
    facts: Mapping[str, FactSpec]
    facts_read: tuple[str, ...]  # every fact some node reads, in first-use order
    dependents: Mapping[str, tuple[str, ...]]  # node or fact -> nodes that read it directly
    cost: int

    def node(self, node_id: str) -> PlanNode:
        """The node with this id (``KeyError`` if none)."""
        return self.nodes[self.index[node_id]]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.index

    def of_kind(self, *kinds: PlanKind) -> tuple[PlanNode, ...]:
        """Nodes of these kinds, in row order."""
        return tuple(n for n in self.nodes if n.kind in kinds)

    @property
    def option_map(self) -> dict[str, Any]:
        return dict(self.options)

    def thresholds_on(self, fact: str) -> tuple[Threshold, ...]:
        """Every distinct threshold any node states on ``fact`` (or derived value)."""
        found: list[Threshold] = []
        for node in self.nodes:
            for threshold in node.thresholds:
                if threshold.fact == fact and threshold not in found:
                    found.append(threshold)
        return tuple(found)

    def affected_by(self, names: Iterable[str]) -> tuple[str, ...]:
        """Every node that reads any of ``names`` (facts, derived values or nodes), directly
        or transitively, in row order."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            for reader in self.dependents.get(name, ()):
                if reader not in seen:
                    seen.add(reader)
                    stack.append(reader)
        return tuple(n.id for n in self.nodes if n.id in seen)

    def decide(self, row: Sequence[Any]) -> Decision:
        """Outcome selection on an evaluation row: the first outcome whose condition is true; an
        unknown earlier outcome makes the verdict ``UNDECIDED`` with the outcomes still possible.
        Also the role of each outcome (selected, outranked, possible, not_selected)."""
        unknown: list[str] = []
        winner: str | None = None
        for node in self.outcomes:
            value = row[node.position]
            if value is True:
                winner = node.id
                break
            if value is None:
                unknown.append(node.id)
        roles: list[str] = []
        passed_winner = False
        for node in self.outcomes:
            value = row[node.position]
            if node.id == winner:
                roles.append("possible" if unknown else "selected")
                passed_winner = True
            elif passed_winner:
                roles.append("outranked" if value is True else "not_selected")
            elif value is None:
                roles.append("possible")
            else:
                roles.append("not_selected")
        otherwise = self.otherwise.id
        if unknown:
            return Decision("UNDECIDED", None, (*unknown, winner or otherwise), tuple(roles))
        chosen = winner or otherwise
        return Decision(chosen, chosen, (), tuple(roles))

    def missing_facts(self, row: Sequence[Any], provided: Mapping[str, Any],
                      start: Iterable[str]) -> tuple[str, ...]:
        """The one "which facts are missing" walk: facts not in ``provided`` read by the
        *unknown* steps (value ``None`` in ``row``) reachable from ``start``."""
        missing: list[str] = []
        seen: set[str] = set()
        queue = [s for s in start if s in self.index]
        while queue:
            step_id = queue.pop(0)
            if step_id in seen:
                continue
            seen.add(step_id)
            node = self.nodes[self.index[step_id]]
            if row[node.position] is not None:  # decided steps are not what is missing
                continue
            for name in node.reads:
                if name in self.index:
                    queue.append(name)
                elif provided.get(name) is None and name not in missing:
                    missing.append(name)
            queue.extend(node.depends_on)
        return tuple(missing)


# -- building the plan ---------------------------------------------------------------------------


def thresholds_of(tree: Expr | None, readable: Mapping[str, str], options: Mapping[str, Any]
                  ) -> tuple[Threshold, ...]:
    """Comparisons of a fact (or derived value) against a constant in ``tree``.

    ``readable`` maps each fact and derived value name to its type (``derived`` for derived
    values). Used by the plan for ``condition`` and ``applies_if`` separately.
    """
    if tree is None:
        return ()
    collector = _Thresholds(readable, options)
    collector.visit(tree)
    unique: list[Threshold] = []
    for threshold in collector.found:
        if threshold not in unique:
            unique.append(threshold)
    return tuple(unique)


class _Thresholds(ExprVisitor[None]):
    def __init__(self, readable: Mapping[str, str], options: Mapping[str, Any]) -> None:
        self.readable = readable
        self.options = options
        self.found: list[Threshold] = []
        self.negated: set[str] = set()  # boolean facts read as `not x`

    def constant(self, node: Expr) -> tuple[bool, Any]:
        try:
            value = constant_value(node, self.options)
        except (NotConstantError, ConstantTooLargeError):
            return False, None
        if isinstance(node, Call):  # date('...') keeps its JSON form in thresholds
            value = value.isoformat()
        return True, value

    def is_flag(self, name: str) -> bool:
        return self.readable.get(name) in ("boolean", "finding")

    def visit_Compare(self, node: Compare) -> None:
        for op, left, right in zip(node.ops, node.operands, node.operands[1:], strict=False):
            if (isinstance(left, Call) and left.func == "count" and len(left.args) == 1
                    and isinstance(left.args[0], Name) and left.args[0].name in self.readable):
                ok, value = self.constant(right)
                if ok:  # count(incidents) == 0 reads as "size of incidents == 0"
                    self.found.append(Threshold(left.args[0].name, f"count{op}", value))
            elif isinstance(left, Name) and left.name in self.readable:
                ok, value = self.constant(right)
                if ok:
                    self.found.append(Threshold(left.name, op, value))
            elif isinstance(right, Name) and right.name in self.readable:
                ok, value = self.constant(left)
                if ok:
                    self.found.append(Threshold(right.name, COMPARATOR_FLIP[op], value))
        self.generic_visit(node)

    def visit_Membership(self, node: Membership) -> None:
        container = node.container
        if isinstance(container, Name) and container.name in self.readable:
            ok, value = self.constant(node.item)
            if ok:
                self.found.append(Threshold(container.name,
                                            "lacks" if node.negated else "contains", value))
        self.generic_visit(node)

    def visit_Quantifier(self, node: Quantifier) -> None:
        body = node.body
        if (node.kind in ("all", "any") and isinstance(body, Membership) and not body.negated
                and isinstance(body.item, Name) and body.item.name == node.var
                and isinstance(body.container, Name) and body.container.name in self.readable):
            ok, value = self.constant(node.iterable)
            if ok:
                op = "contains_all" if node.kind == "all" else "contains_any"
                self.found.append(Threshold(body.container.name, op, tuple(value)))
        self.generic_visit(node)

    def visit_Name(self, node: Name) -> None:
        if self.is_flag(node.name) and node.name not in self.negated:
            self.found.append(Threshold(node.name, "==", True))

    def visit_Unary(self, node: Unary) -> None:
        operand = node.operand
        if node.op == "not" and isinstance(operand, Name) and self.is_flag(operand.name):
            # `not x` on a boolean fact reads as x == false
            self.negated.add(operand.name)
            self.found = [t for t in self.found
                          if not (t.fact == operand.name and t.op == "==" and t.value is True)]
            self.found.append(Threshold(operand.name, "==", False))
            return
        self.generic_visit(node)


def reads_of(tree: Expr | None) -> list[str]:
    """Free names read by a condition, in first-use order (quantifier variables excluded)."""
    return [] if tree is None else names_in(tree)


class _Cost(ExprVisitor[int]):
    """Static cost: syntax nodes evaluated, a quantifier's body counted once per item it can
    range over (a list literal's length, a set fact's number of values)."""

    def __init__(self, facts: Mapping[str, FactSpec]) -> None:
        self.facts = facts

    def generic_visit(self, node: Expr) -> int:
        return 1 + sum(self.visit(child) for child in children(node))

    def visit_Quantifier(self, node: Quantifier) -> int:
        items = 1
        iterable = node.iterable
        if isinstance(iterable, ListExpr):
            items = len(iterable.items)
        elif isinstance(iterable, Name) and iterable.name in self.facts:
            items = max(1, len(self.facts[iterable.name].values))
        return 1 + self.visit(iterable) + items * self.visit(node.body)


def _ratio(tree: Expr | None, facts: Mapping[str, FactSpec]) -> Ratio | None:
    if (isinstance(tree, Binary) and tree.op == "/" and isinstance(tree.left, Name)
            and isinstance(tree.right, Name) and tree.left.name in facts
            and tree.right.name in facts):
        return Ratio(tree.left.name, tree.right.name)
    return None


def _counted_set(tree: Expr | None) -> str | None:
    if (isinstance(tree, Compare) and tree.ops == ("==",) and isinstance(tree.operands[0], Call)
            and tree.operands[0].func == "count" and len(tree.operands[0].args) == 1
            and isinstance(tree.operands[0].args[0], Name)):
        try:
            limit = constant_value(tree.operands[1], {})
        except (NotConstantError, ConstantTooLargeError):
            return None
        if limit == 0:
            return tree.operands[0].args[0].name
    return None


def reachable(starts: Iterable[str], edges: Callable[[str], Iterable[str]]) -> set[str]:
    """``starts`` and every name they lead to through ``edges`` (what a node reads)."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(edges(current))
    return seen


def topological_order(edges: Mapping[str, Sequence[str]]) -> list[str]:
    """Every key of ``edges`` after everything it reads (iterative depth-first; keys keep their
    order where the graph allows). Raises :class:`RulesetError` naming a cycle's path — the
    validator reports cycles with locations first, so this only guards the invariant."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(edges[start]))]
        state[start] = 1
        while stack:
            current, pending = stack[-1]
            for child in pending:
                if child not in edges:
                    continue
                if state.get(child) == 1:
                    path = [name for name, _ in stack]
                    cycle = [*path[path.index(child):], child]
                    raise RulesetError("circular reference: " + " -> ".join(cycle))
                if not state.get(child):
                    state[child] = 1
                    stack.append((child, iter(edges[child])))
                    break
            else:
                stack.pop()
                state[current] = 2
                order.append(current)
    return order


def build_plan(spec: RulesetSpec, options: tuple[tuple[str, Any], ...]) -> Plan:
    """Build the plan of ``spec`` with resolved ``options`` (see
    :func:`mingxing_rules.compile.codegen.resolve_options`). Raises :class:`RulesetError` (E210)
    when the static cost exceeds :data:`MAX_PLAN_COST`."""
    option_map = dict(options)
    facts = {f.name: f for f in spec.facts}
    derived = {d.name: d for d in spec.derived}
    node_specs = {n.id: n for n in spec.nodes}
    readable = {**{f.name: f.type for f in spec.facts}, **dict.fromkeys(derived, "derived")}
    cost_of = _Cost(facts)

    # direct reads and edges ------------------------------------------------------------------
    reads: dict[str, tuple[str, ...]] = {}
    depends: dict[str, tuple[str, ...]] = {}
    for item in spec.derived:
        names = reads_of(item.expr)
        reads[item.name] = tuple(n for n in names if n in facts or n in derived)
        depends[item.name] = ()
    for node in spec.nodes:
        condition = reads_of(node.condition)
        names = condition + [n for n in reads_of(node.applies_if) if n not in condition]
        reads[node.id] = tuple(n for n in names if n in facts or n in derived)
        depends[node.id] = tuple(dict.fromkeys(
            [*node.children, *(n for n in names if n in node_specs)]))
    edges = {name: depends[name] + tuple(n for n in reads[name] if n in derived)
             for name in reads}
    order_ids = topological_order(edges)

    # what each node needs, transitively (in topological order, so each is computed once)
    needed: dict[str, tuple[str, ...]] = {}
    can_be_na: dict[str, bool] = {}
    for name in order_ids:
        found = dict.fromkeys(n for n in reads[name] if n in facts)
        for upstream in edges[name]:
            found.update(dict.fromkeys(needed[upstream]))
        needed[name] = tuple(found)
        node_spec = node_specs.get(name)
        if node_spec is None:
            can_be_na[name] = False
        elif node_spec.kind == "criterion":
            can_be_na[name] = node_spec.applies_if is not None
        elif node_spec.kind in ("standard", "group"):
            can_be_na[name] = all(can_be_na.get(c, False) for c in node_spec.children)
        else:
            can_be_na[name] = False

    # the nodes, in row order ----------------------------------------------------------------
    built: list[PlanNode] = []
    for item in spec.derived:
        built.append(PlanNode(
            id=item.name, kind="derived", position=len(built), title=item.title, clause="",
            quote="", condition=item.expr, condition_text=item.source, applies_if=None,
            applies_if_text="", children=(), parent=None, effect="none",
            reads=reads[item.name], depends_on=(),
            facts=tuple(n for n in reads[item.name] if n in facts),
            facts_needed=needed[item.name],
            condition_thresholds=(), applies_if_thresholds=(),
            ratio=_ratio(item.expr, facts), counted_set=None, disjunction=False,
            can_be_na=False, cost=cost_of.visit(item.expr), unit=item.unit, scale=item.scale,
            minimum=item.minimum, maximum=item.maximum, location=item.location, spec=None,
            derived=item))
    for node in spec.nodes:
        condition_cost = cost_of.visit(node.condition) if node.condition is not None else len(
            node.children)
        built.append(PlanNode(
            id=node.id, kind=node.kind, position=len(built), title=node.title,
            clause=node.clause, quote=node.quote, condition=node.condition,
            condition_text=node.condition_text, applies_if=node.applies_if,
            applies_if_text=node.applies_if_text, children=node.children, parent=node.parent,
            effect=node.effect, reads=reads[node.id], depends_on=depends[node.id],
            facts=tuple(n for n in reads[node.id] if n in facts), facts_needed=needed[node.id],
            condition_thresholds=thresholds_of(node.condition, readable, option_map),
            applies_if_thresholds=thresholds_of(node.applies_if, readable, option_map),
            ratio=None, counted_set=_counted_set(node.condition),
            disjunction=isinstance(node.condition, BoolOp) and node.condition.op == "or",
            can_be_na=can_be_na[node.id],
            cost=condition_cost + (cost_of.visit(node.applies_if) if node.applies_if else 0),
            unit=None, scale=1.0, minimum=None, maximum=None, location=node.location,
            spec=node, derived=None))
    nodes = tuple(built)
    index = {n.id: n.position for n in nodes}
    dependents: dict[str, list[str]] = {}
    for plan_node in nodes:
        for name in (*plan_node.reads, *plan_node.depends_on):
            dependents.setdefault(name, []).append(plan_node.id)
    total = sum(n.cost for n in nodes)
    if total > MAX_PLAN_COST:
        worst = max(nodes, key=lambda n: n.cost)
        raise RulesetError.from_problems([RulesetProblem(
            "E210", f"the ruleset's static evaluation cost {total:,} exceeds the limit "
            f"{MAX_PLAN_COST:,} (the costliest node is {worst.kind} {worst.id}, cost "
            f"{worst.cost:,}): one evaluation could take seconds", worst.location)])
    facts_read = tuple(dict.fromkeys(name for n in nodes for name in n.facts))
    return Plan(
        spec=spec, options=options, nodes=nodes,
        order=tuple(nodes[index[name]] for name in order_ids), index=index,
        outcomes=tuple(nodes[index[o]] for o in spec.outcomes), otherwise=spec.otherwise,
        facts=facts, facts_read=facts_read,
        dependents={k: tuple(v) for k, v in dependents.items()}, cost=total)
