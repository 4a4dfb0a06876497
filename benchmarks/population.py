"""A seeded population of complete, realistic offices for benchmarks (no Hypothesis: fast).

Every fact of the ruleset gets a value; numbers cluster around the thresholds the ruleset
compares them with, so that every criterion both passes and fails across the population.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from mingxing_rules import Ruleset
from mingxing_rules.engine.constraints import repair
from mingxing_rules.language.expr import Binary, Name
from mingxing_rules.strategies import boundary_values


def population(ruleset: Ruleset, count: int, seed: int = 20121130) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    thresholds: dict[str, list[Any]] = {}
    for info in ruleset.program.layout:
        for threshold in info.thresholds:
            thresholds.setdefault(threshold.fact, []).append(threshold)
    offices = []
    pairs = rate_pairs(ruleset)
    for number in range(count):
        office: dict[str, Any] = {"id": f"bench-{number:07d}"}
        good = rng.random() < 0.6  # most offices are close to meeting the standards
        for fact in ruleset.spec.facts:
            office[fact.name] = _value(rng, ruleset, fact, thresholds.get(fact.name, []), good)
        _consistent_counts(rng, office, good, pairs)
        repair(office, ruleset.constraints)  # facts that must agree (the ruleset's constraints)
        clamp_rates(office, ruleset)
        offices.append(office)
    return offices


def _value(rng: random.Random, ruleset: Ruleset, fact: Any, limits: list[Any], good: bool) -> Any:
    if fact.type in ("boolean", "finding"):
        return rng.random() < (0.97 if good else 0.7)
    if fact.type == "enum":
        return rng.choice(fact.value_ids)
    if fact.type == "set":
        ids = list(fact.value_ids)
        if good and rng.random() < 0.9:
            return ids if "incident" not in fact.name else []
        return sorted(rng.sample(ids, rng.randint(0, len(ids))))
    if fact.type == "date":
        year = rng.choice((2013, 2014, 2015))
        return (dt.date(year, 11, 30) + dt.timedelta(days=rng.randint(-40, 3))).isoformat()
    if fact.type in ("number", "integer"):
        edges = boundary_values(fact, limits)
        if edges and rng.random() < 0.5:
            value = rng.choice(edges)
        else:
            low = fact.minimum if fact.minimum is not None else 0
            high = fact.maximum if fact.maximum is not None else low + 500
            high = min(high, low + 500)
            value = rng.uniform(low, high)
        if fact.type == "integer":
            return round(value)
        return round(float(value), 2)
    return "note"


def clamp_rates(office: dict[str, Any], ruleset: Ruleset) -> None:
    """Keep every ``a / b`` derived value of the ruleset at most 100 % (the bound its rates
    declare), lowering numerators along chains such as received >= mediated >= resolved."""
    ratios = [(d.expr.left.name, d.expr.right.name) for d in ruleset.spec.derived
              if isinstance(d.expr, Binary) and d.expr.op == "/"
              and isinstance(d.expr.left, Name) and isinstance(d.expr.right, Name)]
    for _ in range(len(ratios) + 1):
        changed = False
        for top, bottom in ratios:
            a, b = office.get(top), office.get(bottom)
            if isinstance(a, int | float) and isinstance(b, int | float) and a > b:
                office[top] = b
                changed = True
        if not changed:
            return


def rate_pairs(ruleset: Ruleset) -> list[tuple[str, str, float]]:
    """(denominator, numerator, the lowest rate asked for) of every ``a / b`` derived value, read
    from the ruleset, in the order it declares them (received before mediated before resolved)."""
    floors: dict[str, list[float]] = {}
    for info in ruleset.program.layout:
        for threshold in info.thresholds:
            if threshold.op in (">=", ">") and isinstance(threshold.value, int | float):
                floors.setdefault(threshold.fact, []).append(float(threshold.value))
    pairs = []
    for derived in ruleset.spec.derived:
        expr = derived.expr
        if (isinstance(expr, Binary) and expr.op == "/" and isinstance(expr.left, Name)
                and isinstance(expr.right, Name) and derived.name in floors):
            pairs.append((expr.right.name, expr.left.name, min(floors[derived.name])))
    return pairs


def _consistent_counts(rng: random.Random, office: dict[str, Any], good: bool,
                       pairs: list[tuple[str, str, float]]) -> None:
    """Numerators no larger than denominators, near the rate thresholds."""
    assigned: set[str] = set()
    for denominator, numerator, rate in pairs:
        if denominator not in office or numerator not in office:
            continue
        # a chain (received >= mediated >= resolved) keeps the count already drawn
        total = office[denominator] if denominator in assigned else rng.randint(0, 300)
        office[denominator] = total
        assigned.update((denominator, numerator))
        at = int(total * rate + 0.999999)
        office[numerator] = max(0, min(total, at + rng.choice((-1, 0, 0, 1)) if good
                                       else rng.randint(0, total)))
    if "persons_under_correction_count" in office:
        office["persons_under_correction_count"] = rng.randint(0, 3000)
        office["correction_reoffenders_count"] = rng.choice((0, 0, 0, 1, 2))
