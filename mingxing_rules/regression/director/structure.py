"""What the director reads of one ruleset (its plan, definitions, thresholds and rates), and
which nodes two versions share: defined the same way and reading only what is the same."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...language import expr as syntax
from ...ruleset.load import Ruleset
from ...ruleset.model import FactSpec, NodeSpec, Threshold

__all__ = ["MISSING", "UNSET", "Structure", "shared_nodes"]


class _Missing:
    """A fact assigned to be left out of the office (unknown)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
UNSET = object()  # a fact not assigned yet (distinct from MISSING: assigned to be left out)


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
        self.values_seen: dict[tuple[str, tuple[Any, ...]], Any] = {}  # see PartialEvaluator.node

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


def _same_definition(a: NodeSpec, b: NodeSpec) -> bool:
    def text(expr: syntax.Expr | None) -> str:
        return syntax.to_text(expr) if expr is not None else ""

    return (a.kind == b.kind and text(a.condition) == text(b.condition)
            and text(a.applies_if) == text(b.applies_if) and a.children == b.children)


def shared_nodes(old: Structure, new: Structure) -> frozenset[str]:
    """Nodes defined the same way in both versions and reading only what is the same."""
    same_names = {n for n in old.options if old.options[n] == new.options.get(n, UNSET)}
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
