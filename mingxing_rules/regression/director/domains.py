"""The candidate values of every fact: from the thresholds of every version compared (each
threshold, either side of it, between two), exact rates for counts linked by ``a / b``, sets
from their members, dates around each date limit."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ...language import expr as syntax
from ...language.visitor import walk
from ...ruleset.model import FactSpec
from .structure import MISSING, Structure

__all__ = ["MAX_POWERSET", "MAX_RATE_CANDIDATES", "Domains", "Variable"]

MAX_POWERSET = 8  # sets with more members take a sample of subsets (the domain is incomplete)
MAX_RATE_CANDIDATES = 2000  # joint values of counts linked by rates (more: a sample, incomplete)


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

