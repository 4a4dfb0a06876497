"""Exhaustive reasoning over the candidate values: a node the same in two versions for every
office (mutant analysis), outcomes fixed by the options, two outcomes that never both hold.
Only where the candidates cover every case a condition distinguishes (:func:`analysable`)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

from ...compile.codegen import NA
from ...language import expr as syntax
from ...language.visitor import ExprVisitor, walk
from ...ruleset.load import Ruleset
from .domains import Domains
from .partial import PartialEvaluator
from .structure import MISSING, Structure

__all__ = ["analysable", "constant_outcomes", "node_equivalent", "outcomes_never_both"]


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
        results = [PartialEvaluator.with_nodes(s, values, refs, chosen).node(node_id)
                   for s in (a, b)]
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
    evaluator = PartialEvaluator(s, {})
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
        evaluator = PartialEvaluator.with_nodes(s, values, refs, chosen)
        x, y = evaluator.view(first), evaluator.view(second)
        if x is not False and y is not False and not (x is None and y is None):
            return False
    return True
