"""The director proper: for every pair of outcomes, an office on which the old version decides
one and the new version the other, verified by evaluating both compiled rulesets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ...engine.evaluate import decide
from ...errors import InputError
from ...ruleset.load import Ruleset
from .domains import Domains
from .exhaustive import constant_outcomes
from .solver import SOLVER_STEPS, Goal, OutOfStepsError, Solver
from .structure import MISSING, Structure, shared_nodes

__all__ = ["INVALID", "TOTAL_STEPS", "UNDECIDED", "UNDECIDED_STEPS", "DirectedResult",
           "direct_flips", "outcome_of", "to_json_value"]

UNDECIDED = "UNDECIDED"
INVALID = "INVALID"  # the office is refused by one version (out of range, inconsistent counts)
UNDECIDED_STEPS = 60  # the same for a pair with UNDECIDED (a missing fact): many ways, rarely one
TOTAL_STEPS = 25_000  # search nodes for all pairs of outcomes together: a large ruleset cannot
# make the director run for long; the pairs it has no budget left for are reported open


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


def _outcome_goals(s: Structure, version: int, target: str, solver: Solver
                   ) -> tuple[list[Goal], list[list[list[Goal]]]]:
    goals: list[Goal] = []
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
        solver = Solver([a, b], shared, domains, limit)
        goals_a, choices_a = _outcome_goals(a, 0, x, solver)
        goals_b, choices_b = _outcome_goals(b, 1, y, solver)
        try:
            assign = solver.solve([*goals_a, *goals_b], [*choices_a, *choices_b])
        except OutOfStepsError:
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
