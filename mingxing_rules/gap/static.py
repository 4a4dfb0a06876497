"""What a gap analysis reads from a compiled plan, worked out once per plan (and target).

Every office analysed against one plan asks the same structural questions: which leaf steps a
target needs, which thresholds of a condition say *when* a rule applies rather than what it
requires, which comparisons set a fact against an expression, which rates have a bounded
maximum. :func:`gap_plan` answers them once and keeps the answers with the plan, so that an
analysis spends its time on the office, not on the ruleset.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ..compile.codegen import compile_node_functions
from ..compile.plan import COMPARATOR_FLIP, Plan, PlanNode
from ..explain import Wording
from ..language.expr import (
    BoolOp,
    Compare,
    Expr,
    Implies,
    Literal,
    Name,
    Unary,
    iter_nodes,
    names_in,
)
from ..ruleset.model import FactSpec, NodeSpec, Threshold

if TYPE_CHECKING:  # the ruleset loader is not needed to read a plan
    from ..ruleset.load import Ruleset

__all__ = ["MEMO_FACTS", "GapPlan", "Need", "RatioBound", "Row", "StepShape", "Values", "exact_key",
           "gap_plan"]

#: Steps that read more facts than this do not keep their candidate changes in the plan's memo
#: (their key would cost about as much as finding them, and rarely repeats).
MEMO_FACTS = 12
#: Entries of the per-plan text caches (:attr:`GapPlan.texts`) kept before they are emptied:
#: a long batch of distinct offices must not grow them without bound.
TEXT_CACHE_SIZE = 20_000


class Row(Protocol):
    """An evaluation row: a node's value by its position (a tuple, or an evaluation that
    computes what it is asked for)."""

    def __getitem__(self, position: int, /) -> Any: ...


def exact_key(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` as a dictionary key that tells ``1``, ``1.0`` and ``True`` apart, and
    ``0.0`` from ``-0.0`` (equal as numbers, written and computed with differently)."""
    types = tuple(map(type, values))
    if 0 in values and float in types:  # 0 == 0.0 == -0.0: the sign of a zero float counts
        return (values, types, tuple(math.copysign(1.0, v) if type(v) is float else 0
                                     for v in values))
    return (values, types)


@attrs.frozen
class Need:
    """A step that must pass (``want``) or, for an outcome that would outrank the target, must
    be false; ``group`` is the standard (or procedural rule) the step is reported under."""

    step: str
    group: str
    group_kind: str
    want: bool = True
    position: int = attrs.field(default=-1, eq=False, repr=False)  # of ``step`` in a row


@attrs.frozen
class RatioBound:
    """A derived rate ``numerator / denominator`` (both facts) with a positive maximum."""

    id: str
    number: int  # its place among the values of ``CompiledProgram.derive`` (spec order)
    numerator: str
    denominator: str
    maximum: float

    def denominator_for(self, numerator: float) -> int:
        """The smallest whole denominator that keeps the rate within its maximum: 49 mediated
        cannot stand with 50 resolved while success is at most 100 %, 50 can."""
        return math.ceil(numerator / self.maximum)

    def numerator_for(self, denominator: float) -> int:
        """The largest whole numerator the maximum allows over ``denominator``."""
        return math.floor(denominator * self.maximum)


@attrs.frozen
class Comparison:
    """``fact <op> <expression of other facts>`` in a condition (``submitted_on <= date(year,
    11, 30)``), the fact written on the left."""

    fact: str
    op: str
    limit: Expr


@attrs.frozen
class StepShape:
    """What the search for a passing change reads of one step's condition."""

    node: PlanNode
    antecedent: frozenset[str]  # names read only on the left of an implication
    thresholds: tuple[Threshold, ...]  # condition thresholds on anything else
    comparisons: tuple[Comparison, ...]


class Values(Mapping[str, Any]):
    """An office's facts and derived values, the derived ones read from an evaluation row
    (nothing is copied: a candidate search reads a few of them)."""

    __slots__ = ("_derived", "_facts", "_row")

    def __init__(self, facts: Mapping[str, Any], row: Row, derived: Mapping[str, int]) -> None:
        self._facts, self._row, self._derived = facts, row, derived

    def __getitem__(self, name: str) -> Any:
        position = self._derived.get(name)
        if position is not None:
            return self._row[position]
        return self._facts[name]

    def get(self, name: str, default: Any = None) -> Any:
        position = self._derived.get(name)
        if position is not None:
            return self._row[position]
        return self._facts.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._facts), **dict.fromkeys(self._derived)})

    def __len__(self) -> int:
        return sum(1 for _ in self)


class GapPlan:
    """The per-plan answers (see the module documentation); built by :func:`gap_plan`."""

    def __init__(self, plan: Plan) -> None:
        spec = plan.spec
        self.spec = spec
        self.index: Mapping[str, int] = plan.index
        self.layout: tuple[PlanNode, ...] = plan.nodes
        self.outcomes: tuple[str, ...] = spec.outcomes
        self.facts_read: tuple[str, ...] = plan.facts_read
        self.fact_specs: dict[str, FactSpec] = {f.name: f for f in spec.facts}
        self.node_specs: dict[str, NodeSpec] = {spec.otherwise.id: spec.otherwise}
        for node_spec in reversed(spec.nodes):  # the first of a repeated id, as spec.node()
            self.node_specs[node_spec.id] = node_spec
        self.words = {lang: Wording(lang, spec) for lang in ("zh", "en")}
        #: each derived value with a declared bound: its position in an evaluation row and in
        #: the values of ``CompiledProgram.derive`` (spec order), its minimum and maximum
        self.derived_bounds: tuple[tuple[int, int, float | None, float | None], ...] = tuple(
            (plan.index[d.name], number, d.minimum, d.maximum)
            for number, d in enumerate(spec.derived)
            if d.minimum is not None or d.maximum is not None)
        #: derived value -> its position in an evaluation row
        self.derived_index: dict[str, int] = {
            n.id: n.position for n in plan.nodes if n.kind == "derived"}
        derived_number = {d.name: number for number, d in enumerate(spec.derived)}
        self.ratio_bounds: tuple[RatioBound, ...] = tuple(
            RatioBound(n.id, derived_number[n.id], n.ratio.numerator, n.ratio.denominator,
                       n.maximum)
            for n in plan.of_kind("derived")
            if n.ratio is not None and n.maximum is not None and n.maximum > 0)
        by_denominator: dict[str, list[RatioBound]] = {}
        for bound in self.ratio_bounds:
            by_denominator.setdefault(bound.denominator, []).append(bound)
        self.ratios_over: dict[str, tuple[RatioBound, ...]] = {
            k: tuple(v) for k, v in by_denominator.items()}
        limits: dict[str, list[Threshold]] = {}
        for node in plan.nodes:
            for threshold in node.thresholds:
                limits.setdefault(threshold.fact, []).append(threshold)
        #: every threshold any step states on a fact, in row order (repeats kept)
        self.limits: dict[str, tuple[Threshold, ...]] = {k: tuple(v) for k, v in limits.items()}
        #: the facts some step reads, in row order: what a verdict's trace shows
        self.trace_facts: tuple[str, ...] = tuple(dict.fromkeys(
            name for node in plan.nodes for name in node.reads if name in plan.facts))
        #: facts whose JSON form is not the value the program reads: sets and dates
        self.structured_facts: tuple[str, ...] = tuple(
            name for name in self.trace_facts if self.fact_specs[name].type in ("set", "date"))
        #: facts whose values are read as written in JSON (``normal`` keeps them): booleans,
        #: findings, enums, numbers (not integers: 3.0 is read as 3), text
        self.read_as_written: frozenset[str] = frozenset(
            name for name, fact in self.fact_specs.items()
            if fact.type in ("boolean", "finding", "enum", "number", "text"))
        #: findings: given with their evidence, their JSON form is ``{"met": ..., ...}``
        self.findings: tuple[str, ...] = tuple(
            name for name in self.trace_facts if self.fact_specs[name].type == "finding")
        #: per row position: the facts the node reads directly or through what it depends on
        self.needed: tuple[tuple[str, ...], ...] = tuple(n.facts_needed for n in plan.nodes)
        self.needed_sets: tuple[frozenset[str], ...] = tuple(frozenset(f) for f in self.needed)
        #: the facts the ruleset's constraints read, directly or through derived values
        constraint_facts: set[str] = set()
        for constraint in spec.constraints:
            constraint_facts.update(constraint.fields)
            for name in names_in(constraint.condition):
                if name in plan.facts:
                    constraint_facts.add(name)
                elif name in plan.index:
                    constraint_facts.update(plan.node(name).facts_needed)
        self.constraint_facts = frozenset(constraint_facts)
        #: what :meth:`~.analysis.Analysis.consistent` reads: the constraints' facts and those
        #: of the derived values with bounds (a change of any other fact keeps its verdict)
        self.consistency_facts = self.constraint_facts.union(
            *(self.needed_sets[position] for position, _, _, _ in self.derived_bounds))
        #: fact -> the bounded derived values (as in ``derived_bounds``) that read it
        self.bounds_reading: dict[str, tuple[tuple[int, int, float | None, float | None],
                                             ...]] = {
            name: tuple(b for b in self.derived_bounds if name in self.needed_sets[b[0]])
            for name in self.consistency_facts}
        #: the options the plan was compiled with, by name
        self.options: dict[str, Any] = dict(plan.options)
        self._ruleset_key: str | None = None
        #: candidate changes of a step by the exact values of the facts it reads (see
        #: :func:`~.candidates.threshold_changes`)
        self.memo: dict[tuple[Any, ...], Any] = {}
        self._plan = plan
        #: per row position: a function computing that node from the facts, compiled when an
        #: analysis first reads it under a change (see :mod:`.evaluation`)
        self.node_functions: list[Callable[[Mapping[str, Any]], Any] | None] = [
            None] * len(plan.nodes)
        self._shapes: dict[str, StepShape] = {}
        self._targets: dict[str, tuple[tuple[Need, ...], tuple[str, ...]]] = {}
        self._outranking: dict[str, tuple[str | None, tuple[Need, ...]]] = {}
        #: the steps a target needs, by the target and the values of the outcomes above it
        #: (see :meth:`~.analysis.Analysis.ordered_needs`)
        self.needs_in_order: dict[tuple[Any, ...], Any] = {}
        #: (step, group) -> what the gap's items of that step say of it (see
        #: :meth:`~.analysis.Analysis.item_head`)
        self.item_heads: dict[tuple[str, str], Any] = {}
        #: group -> what the gap's groups of items say of it (see
        #: :meth:`~.analysis.Analysis.group_head`)
        self.group_heads: dict[str, Any] = {}
        #: (step, group, knock-on, id of the change) -> (the change, the item that proposes
        #: it), see :meth:`~.analysis.Analysis.result`
        self.items: dict[tuple[str, str, bool, int], Any] = {}
        #: id of a threshold -> (the threshold, what a change of the rate it is on reads), see
        #: :func:`~.candidates.rate_change`
        self.rates: dict[int, tuple[Threshold, Any]] = {}
        #: what words the items of this plan's gaps (:func:`.phrases.wording`, set on first use)
        self.item_wording: Callable[[Any], Any] | None = None
        #: memoised wording (see :mod:`.phrases`): key -> text
        self.texts: dict[Any, Any] = {}

    def node(self, step_id: str) -> PlanNode:
        return self.layout[self.index[step_id]]

    def ruleset_key(self, ruleset: Ruleset) -> str:
        """``ruleset.key`` of the ruleset compiled into this plan (its id, version and options
        are the plan's: worked out once)."""
        if self._ruleset_key is None:
            self._ruleset_key = ruleset.key
        return self._ruleset_key

    def node_function(self, position: int) -> Callable[[Mapping[str, Any]], Any]:
        """The node at row ``position`` as a function of the facts (its value in the row of
        those facts), compiled on first use: ~0.2 ms per node, once per plan."""
        found = self.node_functions[position]
        if found is None:
            node_id = self.layout[position].id
            found = compile_node_functions(self._plan, (node_id,))[node_id]
            self.node_functions[position] = found
        return found

    # the steps a target needs ------------------------------------------------------------------
    def target(self, target: str) -> tuple[tuple[Need, ...], tuple[str, ...]]:
        """The leaf steps ``target`` needs, and the outcomes ranked above it."""
        found = self._targets.get(target)
        if found is None:
            needs: list[Need] = []
            self._expand(target, target, "standard", needs)
            found = (tuple(needs), self.outcomes[:self.outcomes.index(target)])
            self._targets[target] = found
        return found

    def outranking(self, outcome: str) -> tuple[str | None, tuple[Need, ...]]:
        """For an outcome ranked above a target: the rule it negates (``INADMISSIBLE`` is ``not
        application_admissible``), if any, and the leaf steps that make that rule pass."""
        found = self._outranking.get(outcome)
        if found is None:
            negated = _negated_ref(self.node_specs[outcome].condition, self.index)
            needs: list[Need] = []
            if negated is not None:
                self._expand(negated, negated, "procedure", needs)
            found = (negated, tuple(needs))
            self._outranking[outcome] = found
        return found

    def _expand(self, step_id: str, group: str, group_kind: str, out: list[Need]) -> None:
        """The leaf steps that must pass for ``step_id`` to pass."""
        node = self.node(step_id)
        spec = node.spec
        if node.kind == "criterion" or spec is None:
            out.append(Need(step_id, group, group_kind, position=node.position))
            return
        if node.kind in ("standard", "group"):
            for child in spec.children:
                if self.node(child).kind == "criterion":
                    out.append(Need(child, step_id, "standard",
                                    position=self.index[child]))
                else:
                    self._expand(child, step_id, "standard", out)
            return
        refs = _conjunct_refs(spec.condition, self.index)
        if refs is None:
            out.append(Need(step_id, group, group_kind, position=node.position))
            return
        for ref in refs:
            ref_node = self.node(ref)
            if ref_node.kind in ("standard", "group", "criterion"):
                self._expand(ref, group, group_kind, out)
            else:
                conjunction = ref_node.spec is not None and _conjunct_refs(
                    ref_node.spec.condition, self.index) is not None
                self._expand(ref, ref if conjunction else step_id, "procedure", out)

    # one step's condition -----------------------------------------------------------------------
    def shape(self, step_id: str) -> StepShape:
        found = self._shapes.get(step_id)
        if found is None:
            node = self.node(step_id)
            condition = node.spec.condition if node.spec is not None else None
            antecedent = frozenset(_antecedent_names(condition))
            found = StepShape(
                node, antecedent,
                tuple(t for t in node.condition_thresholds if t.fact not in antecedent),
                _comparisons(condition, self.fact_specs) if condition is not None else ())
            self._shapes[step_id] = found
        return found


_PLANS: dict[int, tuple[Plan, GapPlan]] = {}


def gap_plan(plan: Plan) -> GapPlan:
    """The gap's view of ``plan``, built on first use and kept (one per plan)."""
    cached = _PLANS.get(id(plan))
    if cached is not None and cached[0] is plan:  # the plan itself is kept: ids are not reused
        return cached[1]
    if len(_PLANS) > 16:  # many rulesets compiled in one process: keep the cache bounded
        _PLANS.clear()
    found = GapPlan(plan)
    _PLANS[id(plan)] = (plan, found)
    return found


def _conjunct_refs(condition: Expr | None, index: Mapping[str, int]) -> list[str] | None:
    """The rule ids of a condition that is a plain conjunction of rule names, else None."""
    if isinstance(condition, Name) and condition.name in index:
        return [condition.name]
    if isinstance(condition, BoolOp) and condition.op == "and" and all(
            isinstance(o, Name) and o.name in index for o in condition.operands):
        return [o.name for o in condition.operands if isinstance(o, Name)]
    return None


def _negated_ref(condition: Expr | None, index: Mapping[str, int]) -> str | None:
    if isinstance(condition, Unary) and condition.op == "not" and isinstance(
            condition.operand, Name) and condition.operand.name in index:
        return condition.operand.name
    return None


def _antecedent_names(condition: Expr | None) -> set[str]:
    """Names read only on the left of an implication (they say *when* the rule applies)."""
    if condition is None:
        return set()
    left: set[str] = set()
    right: set[str] = set()
    for node in iter_nodes(condition):
        if isinstance(node, Implies):
            left |= set(names_in(node.left))
            right |= set(names_in(node.right))
    return left - right


def _comparisons(condition: Expr, facts: Mapping[str, FactSpec]) -> tuple[Comparison, ...]:
    """Every ``fact <op> expression`` of a condition (either way round), in tree order."""
    found: list[Comparison] = []
    for node in iter_nodes(condition):
        if not isinstance(node, Compare) or len(node.ops) != 1:
            continue
        left, right = node.operands
        op = node.ops[0]
        if isinstance(right, Name) and right.name in facts and not isinstance(left, Literal):
            left, right = right, left
            op = COMPARATOR_FLIP.get(op, op)
        if not isinstance(left, Name) or left.name not in facts or isinstance(right, Literal):
            continue
        found.append(Comparison(left.name, op, right))
    return tuple(found)

