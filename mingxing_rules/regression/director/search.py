"""The director proper: for every pair of outcomes, an office on which the old version decides
one and the new version the other, verified by evaluating both compiled rulesets."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Mapping
from typing import Any

import attrs

from ...engine.evaluate import decide
from ...errors import InputError
from ...language import expr as syntax
from ...ruleset.load import Ruleset
from .domains import Domains
from .exhaustive import constant_outcomes
from .solver import SOLVER_STEPS, Goal, OutOfStepsError, Solver
from .structure import MISSING, Structure, shared_nodes
from .witness import open_prover

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
    also search undirected. ``examples``: offices evaluated under both versions;
    ``solver_steps`` and ``backjumps``: the search's work; ``by_prover``: pairs the search left
    open that z3 settled (a witness confirmed natively, or no office flips that way).
    """

    offices: Mapping[tuple[str, str], Mapping[str, Any]]
    complete: bool
    unsettled: tuple[tuple[str, str], ...]
    examples: int
    solver_steps: int
    backjumps: int = 0
    by_prover: tuple[tuple[str, str], ...] = ()

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


DERIVED_PROBES = 64  # offices tried per derived value whose formula or bounds changed


def _derived_probes(old: Structure, new: Structure, domains: Domains) -> list[dict[str, Any]]:
    """Offices built from the candidate values of the facts behind a derived value whose
    formula or declared bounds differ between the versions: one version may refuse such an
    office (a rate above 100 %) where the other decides it, a flip to or from ``INVALID`` that
    no pair of outcomes describes."""
    offices: list[dict[str, Any]] = []
    for name in sorted(set(old.derived) | set(new.derived)):
        a, b = old.derived.get(name), new.derived.get(name)
        if a is not None and b is not None and (
                syntax.to_text(a.expr), a.minimum, a.maximum) == (
                syntax.to_text(b.expr), b.minimum, b.maximum):
            continue
        if all(d is None or (d.minimum is None and d.maximum is None) for d in (a, b)):
            continue  # no bounds: no office is refused for this value
        variables = list(dict.fromkeys(
            domains.of_fact[f] for s in (old, new) for f in sorted(s.facts_of(name))
            if f in domains.of_fact))
        combinations = itertools.product(*(domains.variables[v].candidates for v in variables))
        for combination in itertools.islice(combinations, DERIVED_PROBES):
            office: dict[str, Any] = {"id": f"derived-{name}"}
            for part in combination:
                office.update((fact, to_json_value(value)) for fact, value in part)
            offices.append(office)
    return offices


def direct_flips(old: Ruleset, new: Ruleset, *, max_examples: int = 300,
                 budget: int = SOLVER_STEPS, total_steps: int = TOTAL_STEPS,
                 seconds: float | None = None, prover: bool = True) -> DirectedResult:
    """One office per transition (old outcome -> new outcome) the change can cause, built by
    the solver and verified by evaluating both versions; see the package docstring.

    ``budget``: search steps for one pair in the first round; ``total_steps``: for every pair
    together; ``seconds``: an optional wall-clock limit for the search (the steps are the
    deterministic bound). ``prover``: ask z3 about the pairs the search leaves open, when
    z3-solver is installed (``False``: never); a z3 witness counts only if both compiled
    rulesets flip that way.
    """
    a, b = Structure(old), Structure(new)
    shared = shared_nodes(a, b)
    domains = Domains([a, b])
    deadline = None if seconds is None else time.monotonic() + seconds
    found: dict[tuple[str, str], dict[str, Any]] = {}
    examples = steps = backjumps = 0
    unsettled: list[tuple[str, str]] = []

    def check(office: dict[str, Any]) -> tuple[str, str]:
        nonlocal examples
        examples += 1
        return outcome_of(old, office), outcome_of(new, office)

    for office in [*_range_probes(a, b), *_derived_probes(a, b, domains)]:
        if examples >= max_examples:
            break
        transition = check(office)
        if transition[0] != transition[1] and transition not in found:
            found[transition] = office
    pairs = _pairs_to_search(old, new, a, b, shared)

    def attempt(x: str, y: str, limit: int) -> bool:
        """Search one pair within ``limit`` steps; whether it is settled (a flip found, or
        shown impossible over the candidate values)."""
        nonlocal steps, backjumps
        if deadline is not None and time.monotonic() > deadline:
            return False
        solver = Solver([a, b], shared, domains, limit, deadline)
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
            backjumps += solver.backjumps
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
        limit = min(budget, UNDECIDED_STEPS) if UNDECIDED in (x, y) else budget
        limit = min(limit, total_steps - steps)
        if examples >= max_examples or limit <= 0 or not attempt(x, y, limit):
            unsettled.append((x, y))
    # further rounds for the pairs left open, decided outcomes first, each round with four
    # times the steps of the one before (so the pairs that need hundreds of steps are settled
    # before one that needs thousands takes what is left); ``total_steps`` bounds them all
    limit = budget
    while True:
        left_open = [p for p in unsettled if p not in found]
        if not left_open or steps >= total_steps or examples >= max_examples or (
                deadline is not None and time.monotonic() > deadline):
            break
        limit *= 4
        for x, y in sorted(left_open, key=lambda pair: UNDECIDED in pair):
            room = min(limit, total_steps - steps)
            if examples < max_examples and room > 0 and attempt(x, y, room):
                unsettled.remove((x, y))
        if limit >= total_steps:
            break
    unsettled = [p for p in unsettled if p not in found]
    by_prover: list[tuple[str, str]] = []
    ask = open_prover(old, new) if unsettled and prover else None
    if ask is not None:
        for x, y in list(unsettled):
            answer = ask.ask(x, y)
            if answer.status == "impossible":
                unsettled.remove((x, y))
                by_prover.append((x, y))
            elif answer.office is not None and examples < max_examples:
                transition = check(answer.office)
                if transition[0] != transition[1] and transition not in found:
                    found[transition] = _fewest_facts(old, new, answer.office, transition)
                if transition == (x, y):  # confirmed natively
                    unsettled.remove((x, y))
                    by_prover.append((x, y))
        unsettled = [p for p in unsettled if p not in found]
    return DirectedResult(found, not unsettled, tuple(unsettled), examples, steps, backjumps,
                          tuple(by_prover))


def _pairs_to_search(old: Ruleset, new: Ruleset, a: Structure, b: Structure,
                     shared: frozenset[str]) -> list[tuple[str, str]]:
    """Every pair of different outcomes, but those that cannot flip for structural reasons."""
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
    return [(x, y) for x, y in pairs if x not in never_old and y not in never_new]


def _fewest_facts(old: Ruleset, new: Ruleset, office: dict[str, Any],
                  transition: tuple[str, str]) -> dict[str, Any]:
    """The office with every fact left out that the flip does not need (a prover's witness
    gives a value to every fact; the examples show only the facts that matter)."""
    kept = dict(office)
    for name in [n for n in office if n != "id"]:
        trial = {k: v for k, v in kept.items() if k != name}
        if (outcome_of(old, trial), outcome_of(new, trial)) == transition:
            kept = trial
    return kept
