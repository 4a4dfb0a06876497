"""The director's solver: an office meeting goals such as "node X is false in the old version".

Goals decompose down the plan (a standard true: every child true; false: one child false, one
way each) until they reach leaves, comparisons that assigning facts decides. The search is
depth first with **conflict-directed backjumping**: every goal, wanted node value and assigned
fact carries the set of choices (decision levels) it came from, every failure names the choices
that caused it, and a choice whose alternatives all fail for reasons that do not involve it is
not retried: the search jumps straight back to the latest choice that did cause the failure.
Chronological backtracking tried every way of meeting 19 unrelated standards again for each
failure of a 20th (a revocation ground among 20 standards × 3 ways each ran out of 30,000 steps);
backjumping skips those.

Each call of the search is a *step*; a solver gives up (:class:`OutOfStepsError`) after its
budget of steps, so it never runs long.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ...language import expr as syntax
from ...language.visitor import ExprVisitor
from .domains import Domains
from .partial import PartialEvaluator
from .structure import MISSING, UNSET, Structure

__all__ = ["MAX_LEAF_COMBINATIONS", "SOLVER_STEPS", "Goal", "OutOfStepsError", "Solver"]

SOLVER_STEPS = 300  # search steps per pair of outcomes before the director gives up on it
MAX_LEAF_COMBINATIONS = 4096  # candidate assignments tried for one comparison

Reasons = frozenset[int]  # the decision levels (depths of the search) something depends on
Way = tuple[tuple[str, Any], ...]  # facts and the values that meet a leaf
NO_REASONS: Reasons = frozenset()


class OutOfStepsError(Exception):
    """The solver used its budget of steps without an answer."""


@attrs.frozen
class Goal:
    """``target`` (a node id or an expression) has value ``want`` in version ``version``
    (0 old, 1 new, 2 shared: the node is the same in both)."""

    version: int
    target: str | syntax.Expr
    want: bool | None


@attrs.frozen
class _Choice:
    """A goal met one of several ways; ``reasons``: why it is wanted and why the ways already
    dropped are impossible (the list of ways left depends on both)."""

    goal: Goal | None
    reasons: Reasons
    ways: tuple[tuple[Goal, ...], ...]


def _key(goal: Goal) -> tuple[int, str] | None:
    return (goal.version, goal.target) if isinstance(goal.target, str) else None


def _implication(version: int, left: syntax.Expr, right: syntax.Expr, want: bool | None
                 ) -> list[list[Goal]]:
    """The ways ``left -> right`` has the value ``want`` (Kleene implication)."""
    if want is True:
        return [[Goal(version, left, False)], [Goal(version, right, True)]]
    if want is False:
        return [[Goal(version, left, True), Goal(version, right, False)]]
    return [[Goal(version, left, True), Goal(version, right, None)],
            [Goal(version, left, None), Goal(version, right, False)]]


class _Decompose(ExprVisitor["list[list[Goal]] | None"]):
    """The ways an expression has the value ``want``, one level down (a list of alternatives,
    each a list of goals); ``None`` for a leaf, which assigning facts decides."""

    def __init__(self, solver: Solver, version: int, want: bool | None) -> None:
        self.solver = solver
        self.version = version
        self.want = want

    def generic_visit(self, e: syntax.Expr) -> list[list[Goal]] | None:
        return None

    def visit_Name(self, e: syntax.Name) -> list[list[Goal]] | None:
        if e.name in self.solver.structure(self.version).nodes:
            return [[self.solver.node_goal(self.version, e.name, self.want)]]
        return None

    def visit_Unary(self, e: syntax.Unary) -> list[list[Goal]] | None:
        if e.op != "not":
            return None
        return [[Goal(self.version, e.operand, None if self.want is None else not self.want)]]

    def visit_BoolOp(self, e: syntax.BoolOp) -> list[list[Goal]] | None:
        version, want, operands = self.version, self.want, e.operands
        dominant = e.op == "or"
        if want is None:
            neutral = not dominant
            return [[*(Goal(version, o, neutral) for o in operands[:i]),
                     Goal(version, operand, None),
                     *(Goal(version, o, neutral) for o in operands[i + 1:])]
                    for i, operand in enumerate(operands)]
        if want is not dominant:
            return [[Goal(version, o, want) for o in operands]]
        return [[Goal(version, o, want)] for o in operands]

    def visit_Implies(self, e: syntax.Implies) -> list[list[Goal]] | None:
        return _implication(self.version, e.left, e.right, self.want)


def _conflicting_fact(open_leaves: Sequence[tuple[Goal, Sequence[Way]]]) -> str | None:
    """A fact that the leaves reading it alone cannot all agree on (no one value meets them
    all), or ``None``. Checked before branching: a standard met under the old threshold and
    failed under the new one, where the new one is laxer, is refused at once."""
    allowed: dict[str, set[Any]] = {}
    for _, ways in open_leaves:
        name = _single_fact(ways)
        if name is None:
            continue  # a leaf over several facts: the search assigns it jointly
        values = {_hashable(way[0][1]) for way in ways}
        allowed[name] = allowed[name] & values if name in allowed else values
        if not allowed[name]:
            return name
    return None


def _single_fact(ways: Sequence[Way]) -> str | None:
    facts = {tuple(name for name, _ in way) for way in ways}
    if len(facts) != 1:
        return None
    names = next(iter(facts))
    return names[0] if len(names) == 1 else None


def _through_unshared(alternative: Sequence[Goal]) -> int:
    """0 for a way that passes through a node defined differently in the two versions."""
    return 0 if any(isinstance(g.target, str) and g.version != 2 for g in alternative) else 1


def _branching_order(choice: _Choice) -> tuple[bool, int]:
    """Choices about nodes that differ between the versions first (that is where a flip, or
    the reason there is none, lies), then those with the fewest ways."""
    shared = choice.goal is not None and choice.goal.version == 2
    return shared, len(choice.ways)


def _hashable(value: Any) -> Any:
    return frozenset(value) if isinstance(value, set) else value


@attrs.define
class _State:
    """What one step of the search knows: node values wanted (and why), facts assigned (and
    why: the choices that led to the value)."""

    wants: dict[tuple[int, str], tuple[bool | None, Reasons]]
    assign: dict[str, Any]
    why: dict[str, Reasons]

    def copy(self) -> _State:
        return _State(dict(self.wants), dict(self.assign), dict(self.why))


class Solver:
    """Finds an assignment of facts meeting goals in two versions (see the module docstring)."""

    def __init__(self, structures: Sequence[Structure], shared: frozenset[str],
                 domains: Domains, budget: int = SOLVER_STEPS,
                 deadline: float | None = None) -> None:
        self.structures = structures
        self.deadline = deadline  # time.monotonic() after which the search gives up
        self.shared = shared
        self.domains = domains
        self.budget = budget
        self.steps = 0
        self.backjumps = 0  # choices skipped because their failure did not involve them
        self._variables_cache: dict[tuple[int, int], list[str]] = {}
        self._facts_cache: dict[tuple[int, Any], tuple[str, ...]] = {}
        self._options_cache: dict[tuple[Any, ...], list[Way]] = {}

    # -- helpers
    def structure(self, version: int) -> Structure:
        return self.structures[0 if version == 2 else version]

    def node_goal(self, version: int, node_id: str, want: bool | None) -> Goal:
        if version != 2 and node_id in self.shared:
            version = 2
        return Goal(version, node_id, want)

    def value(self, goal: Goal, evaluators: list[PartialEvaluator]) -> Any:
        evaluator = evaluators[0 if goal.version == 2 else goal.version]
        if isinstance(goal.target, str):
            return evaluator.view(goal.target)
        return evaluator.expr(goal.target)

    def variables(self, goal: Goal) -> list[str]:
        """The variables a leaf assigns (a node's own conditions, for a node)."""
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

    def facts_behind(self, goal: Goal) -> tuple[str, ...]:
        """Every fact the goal's value can depend on (through the nodes it reads, the counts
        linked by rates, and the ``constraints:`` that check them against other facts)."""
        key = (goal.version, goal.target if isinstance(goal.target, str) else id(goal.target))
        cached = self._facts_cache.get(key)
        if cached is not None:
            return cached
        structure = self.structure(goal.version)
        if isinstance(goal.target, str):
            direct: Iterable[str] = structure.inputs(goal.target)
        else:
            direct = (f for v in self.variables(goal) for f in self.domains.variables[v].facts)
        facts: set[str] = set()
        for fact in direct:
            variable = self.domains.of_fact.get(fact)
            facts |= set(self.domains.variables[variable].facts) if variable else {fact}
        for s in self.structures:
            for _, fields in s.constraints:
                if fields & facts:
                    facts |= fields
        cached = tuple(sorted(facts))
        self._facts_cache[key] = cached
        return cached

    def because(self, goal: Goal, state: _State) -> Reasons:
        """The choices behind the facts assigned so far that the goal's value depends on."""
        found: set[int] = set()
        for fact in self.facts_behind(goal):
            reasons = state.why.get(fact)
            if reasons:
                found |= reasons
        return frozenset(found)

    # -- decomposition: None when the goal is a leaf (decided by assigning facts)
    def expand(self, goal: Goal) -> list[list[Goal]] | None:
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
        return [[Goal(version, node.condition, want)]]

    # -- search
    def solve(self, goals: list[Goal], alternatives: list[list[list[Goal]]]
              ) -> dict[str, Any] | None:
        """An assignment meeting ``goals`` and one alternative of each of ``alternatives``;
        ``None`` when there is none (over the candidate values)."""
        choices = [_Choice(None, NO_REASONS, tuple(tuple(w) for w in a)) for a in alternatives]
        try:
            found = self._search([(g, NO_REASONS) for g in goals], choices,
                                 _State({}, {}, {}), 0)
        except RecursionError:  # pragma: no cover - very deep rulesets
            raise OutOfStepsError() from None
        return found if isinstance(found, dict) else None

    def _search(self, goals: list[tuple[Goal, Reasons]], choices: list[_Choice],
                state: _State, depth: int) -> dict[str, Any] | Reasons:
        """Depth first: expand what is forced, assign what has one way left, then branch on
        the structural choice with the fewest alternatives; leaves last. Returns the
        assignment, or the decision levels that caused the failure (the conflict set)."""
        self.steps += 1
        if self.steps > self.budget or (
                self.deadline is not None and time.monotonic() > self.deadline):
            raise OutOfStepsError()
        state = state.copy()
        wants = state.wants
        leaves: list[tuple[Goal, Reasons]] = []
        pending = list(goals)
        branching: list[_Choice] = list(choices)
        while True:
            while pending:
                goal, reasons = pending.pop()
                key = _key(goal)
                if key is not None:
                    if key in wants:
                        wanted, earlier = wants[key]
                        if wanted is not goal.want:
                            return reasons | earlier
                        continue
                    wants[key] = (goal.want, reasons)
                options = self.expand(goal)
                if options is None:
                    leaves.append((goal, reasons))
                elif len(options) == 1:
                    pending.extend((g, reasons) for g in options[0])
                else:
                    branching.append(_Choice(goal, reasons, tuple(tuple(o) for o in options)))
            evaluators = [PartialEvaluator(s, state.assign) for s in self.structures]
            open_leaves: list[tuple[Goal, Reasons, list[Way]]] = []
            for leaf, reasons in leaves:
                status = self._status(leaf, evaluators, state.assign)
                if status is False:
                    return reasons | self.because(leaf, state)
                if status is None:
                    ways = self._leaf_options(leaf, state.assign)
                    if not ways:
                        return reasons | self.because(leaf, state)
                    open_leaves.append((leaf, reasons, ways))
            clash = _conflicting_fact([(leaf, ways) for leaf, _, ways in open_leaves])
            if clash is not None:
                return frozenset().union(*(
                    reasons | self.because(leaf, state) for leaf, reasons, ways in open_leaves
                    if _single_fact(ways) == clash))
            still: list[_Choice] = []
            narrowed = False
            for choice in branching:
                if choice.goal is not None:
                    status = self._status(choice.goal, evaluators, state.assign)
                    if status is False:
                        return choice.reasons | self.because(choice.goal, state)
                    if status is True:
                        continue
                # look one step ahead: drop the ways that already contradict what is known
                viable: list[tuple[Goal, ...]] = []
                reasons = choice.reasons
                for way in choice.ways:
                    dead = self._dead(way, state, evaluators)
                    if dead is None:
                        viable.append(way)
                    else:
                        reasons |= dead
                if not viable:
                    return reasons
                if len(viable) == 1:
                    pending.extend((g, reasons) for g in viable[0])
                    narrowed = True
                    continue
                still.append(_Choice(choice.goal, reasons, tuple(viable)))
            leaves = [(leaf, reasons) for leaf, reasons, _ in open_leaves]
            branching = still
            if narrowed:
                continue
            forced = [(leaf, reasons, ways[0]) for leaf, reasons, ways in open_leaves
                      if len(ways) == 1]
            if forced:  # one way left: assign it, and look again
                for leaf, reasons, only in forced:
                    if all(f not in state.assign for f, _ in only):
                        self._assign(state, only, reasons | self.because(leaf, state))
                continue
            if not open_leaves and not still:
                return state.assign
            if still:
                return self._branch_on_choice(leaves, still, state, depth)
            # only leaves are left: one whose facts no other leaf reads takes its first value
            readers: dict[str, int] = {}
            for leaf, _ in leaves:
                for v in self.variables(leaf):
                    readers[v] = readers.get(v, 0) + 1
            free = [(leaf, reasons, ways) for leaf, reasons, ways in open_leaves
                    if all(readers[v] == 1 for v in self.variables(leaf))]
            if free:
                for leaf, reasons, ways in free:
                    self._assign(state, ways[0], reasons | self.because(leaf, state))
                continue
            return self._branch_on_leaf(open_leaves, state, depth)

    def _branch_on_choice(self, leaves: list[tuple[Goal, Reasons]], still: list[_Choice],
                          state: _State, depth: int) -> dict[str, Any] | Reasons:
        best = min(still, key=_branching_order)
        others = [choice for choice in still if choice is not best]
        conflict: set[int] = set()
        # the ways through a node that differs between the versions first: a flip happens
        # where the rules changed (a ground for revocation among 20 standards is the changed
        # one, not the first of the list)
        for way in sorted(best.ways, key=_through_unshared):
            here = best.reasons | {depth}
            found = self._search([*leaves, *((g, here) for g in way)], others, state,
                                 depth + 1)
            if isinstance(found, dict):
                return found
            if depth not in found:  # this choice played no part: another way cannot help
                self.backjumps += 1
                return found
            conflict |= found - {depth}
        return frozenset(conflict) | best.reasons

    def _branch_on_leaf(self, open_leaves: list[tuple[Goal, Reasons, list[Way]]],
                        state: _State, depth: int) -> dict[str, Any] | Reasons:
        chosen, reasons, ways = min(open_leaves, key=lambda item: len(item[2]))
        rest = [(leaf, why) for leaf, why, _ in open_leaves if leaf is not chosen]
        conflict: set[int] = set()
        for way in ways:
            child = state.copy()
            self._assign(child, way, frozenset({depth}))
            found = self._search(rest, [], child, depth + 1)
            if isinstance(found, dict):
                return found
            if depth not in found:
                self.backjumps += 1
                return found
            conflict |= found - {depth}
        # the ways tried were all the leaf allowed given the facts assigned before
        return frozenset(conflict) | reasons | self.because(chosen, state)

    @staticmethod
    def _assign(state: _State, way: Way, reasons: Reasons) -> None:
        for fact, value in way:
            state.assign[fact] = value
            state.why[fact] = reasons

    def _dead(self, way: Sequence[Goal], state: _State,
              evaluators: list[PartialEvaluator]) -> Reasons | None:
        """Why a way already contradicts what is known, or ``None`` while it can still hold."""
        for goal in way:
            key = _key(goal)
            if key is not None and key in state.wants:
                wanted, reasons = state.wants[key]
                if wanted is not goal.want:
                    return reasons
                continue
            value = self.value(goal, evaluators)
            if value is not None and (goal.want is None or value is not goal.want):
                return self.because(goal, state)
        return None

    def _status(self, goal: Goal, evaluators: list[PartialEvaluator],
                assign: Mapping[str, Any]) -> bool | None:
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

    def _leaf_options(self, goal: Goal, assign: Mapping[str, Any]) -> list[Way]:
        facts = [f for v in self.variables(goal) for f in self.domains.variables[v].facts]
        key = (goal.version, id(goal.target), goal.want,
               tuple(assign.get(f, UNSET) for f in facts))
        cached = self._options_cache.get(key)
        if cached is None:
            cached = self._compute_options(goal, assign)
            self._options_cache[key] = cached
        return cached

    def _compute_options(self, goal: Goal, assign: Mapping[str, Any]) -> list[Way]:
        variables = [v for v in self.variables(goal)
                     if any(f not in assign for f in self.domains.variables[v].facts)]
        domains = []
        for v in variables:
            candidates = list(self.domains.variables[v].candidates)
            if goal.want is None:
                candidates.append(tuple((f, MISSING) for f in self.domains.variables[v].facts))
            domains.append(candidates)
        found: list[Way] = []
        assigned = {f for v in variables for f in self.domains.variables[v].facts}
        checks = [(s, condition) for s in self.structures for condition, fields in s.constraints
                  if fields & assigned]
        combinations = itertools.islice(itertools.product(*domains), MAX_LEAF_COMBINATIONS)
        for combination in combinations:
            values = dict(assign)
            for part in combination:
                values.update(part)
            evaluator = PartialEvaluator(self.structure(goal.version), values)
            assert not isinstance(goal.target, str)
            if evaluator.expr(goal.target) is goal.want and all(
                    PartialEvaluator(s, values).expr(condition) is not False
                    for s, condition in checks):
                found.append(tuple(item for part in combination for item in part))
        return found
