"""Candidate changes of one fact: what a threshold, a rate, a comparison with an expression or,
failing those, the fact's other values propose. Every candidate is checked by evaluation
(:mod:`.analysis`); these functions only say what to try, in the order ties are broken."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..engine.trace import json_value
from ..explain.reasons import expression_value
from ..ruleset.model import FactSpec, Threshold
from .model import Change
from .static import MEMO_FACTS, GapPlan, Row, StepShape, Values, exact_key

__all__ = ["MEMO_SIZE", "bound_op", "fact_changes", "fallback_changes", "in_bounds", "make_change",
           "normal", "rate_change", "required_date", "required_number", "threshold_changes"]


_PLAIN = frozenset((bool, int, float, str, type(None)))
_NUMBER = (int, float)

#: Entries the plan's memo of candidate changes keeps before it is emptied (a long batch of
#: distinct offices must not grow it forever; a few new entries per office, rates mostly).
MEMO_SIZE = 100_000


def make_change(name: str, current: Any, required: Any, kind: str, *, op: str = "==",
                via: str | None = None, via_before: Any = None, via_after: Any = None
                ) -> Change:
    """A change record with its delta and cost."""
    # JSON forms (sets as sorted tuples, dates as text); plain values stay as they are
    cur = current if type(current) in _PLAIN else json_value(current)
    req = required if type(required) in _PLAIN else json_value(required)
    delta: Any = None
    cost = 1.0
    if kind == "number" and isinstance(req, _NUMBER):
        base = cur if isinstance(cur, _NUMBER) else 0
        delta = req - base
        if isinstance(delta, float) and delta.is_integer() and isinstance(base, int):
            delta = int(delta)
        cost = 1.0 + abs(delta) / max(abs(req), abs(base), 1)
    elif kind in ("add", "remove"):
        before = set(cur or ())
        after = set(req or ())
        delta = tuple(sorted(after - before if kind == "add" else before - after))
        cost = float(max(len(delta), 1))
    elif kind == "date" and isinstance(current, dt.date) and isinstance(required, dt.date):
        cost = 1.0 + abs((required - current).days) / 365
    return Change(name, kind, cur, req, delta, op, via, via_before, via_after, cost)


def threshold_changes(gp: GapPlan, shape: StepShape, facts: Mapping[str, Any],
                      row: Row, options: Mapping[str, Any]) -> tuple[Change, ...]:
    """The changes a step's own condition proposes: empty the set it counts, meet each
    threshold that does not hold, move a fact compared with an expression to its limit.

    They depend only on the values of the facts the step reads (directly or through the
    derived values and nodes it depends on, read from ``row``, the row of ``facts``): kept
    with the plan by those values, for the offices of a population that share them."""
    needed = shape.node.facts_needed
    if len(needed) > MEMO_FACTS:
        return tuple(_threshold_changes(gp, shape, facts, Values(facts, row, gp.derived_index),
                                        options))
    key = ("candidates", shape.node.position, exact_key(tuple(map(facts.get, needed))))
    found: tuple[Change, ...] | None = gp.memo.get(key)
    if found is None:
        if len(gp.memo) >= MEMO_SIZE:
            gp.memo.clear()
        found = gp.memo[key] = tuple(_threshold_changes(
            gp, shape, facts, Values(facts, row, gp.derived_index), options))
    return found


def _threshold_changes(gp: GapPlan, shape: StepShape, facts: Mapping[str, Any],
                       values: Mapping[str, Any], options: Mapping[str, Any]) -> list[Change]:
    node = shape.node
    found: list[Change] = []
    if node.spec is None or node.spec.condition is None:
        return found
    counted = node.counted_set
    if counted is not None and counted in gp.fact_specs:
        found.append(make_change(counted, facts.get(counted), frozenset(), "remove"))
    for t in shape.thresholds:
        if t.holds(json_value(values.get(t.fact))) is True:
            continue
        fact = gp.fact_specs.get(t.fact)
        if fact is not None:
            found += fact_changes(t, fact, facts.get(t.fact))
        else:
            change = rate_change(gp, t, facts, values)
            if change is not None:
                found.append(change)
    if shape.comparisons:
        found += _compared_with_expression(gp, shape, facts, options)
    return found


def fact_changes(t: Threshold, fact: FactSpec, current: Any) -> list[Change]:
    """The value of ``fact`` that meets threshold ``t``, as a change from ``current``."""
    if fact.type in ("boolean", "finding"):
        if t.op == "==" and isinstance(t.value, bool):
            return [make_change(t.fact, current, t.value, "true" if t.value else "false")]
        return []
    if fact.type in ("number", "integer"):
        if not isinstance(t.value, int | float) or isinstance(t.value, bool):
            return []
        required = required_number(t.op, t.value, fact.type == "integer")
        if required is None or not in_bounds(fact, required):
            return []
        return [make_change(t.fact, current, required, "number", op=bound_op(t.op))]
    if fact.type == "enum":
        if t.op == "==":
            return [make_change(t.fact, current, t.value, "enum")]
        return []
    if fact.type == "set":
        have = frozenset(current or ())
        if t.op == "contains":
            return [make_change(t.fact, current, have | {t.value}, "add")]
        if t.op == "contains_all":
            return [make_change(t.fact, current, have | set(t.value), "add")]
        if t.op == "contains_any":
            return [make_change(t.fact, current, have | {v}, "add") for v in t.value]
        if t.op == "lacks":
            return [make_change(t.fact, current, have - {t.value}, "remove")]
        return []
    if fact.type == "date" and isinstance(t.value, str):
        try:
            limit = dt.date.fromisoformat(t.value)
        except ValueError:
            return []
        day = required_date(t.op, limit)
        return [make_change(t.fact, current, day, "date", op=bound_op(t.op))] if day else []
    return []


def rate_change(gp: GapPlan, t: Threshold, facts: Mapping[str, Any],
                values: Mapping[str, Any]) -> Change | None:
    """Move the numerator of a rate ``a / b`` to the nearest whole count that meets ``t``."""
    rate = _rate_of(gp, t)
    if rate is None:
        return None
    top, bottom, fact, limit = rate
    denominator = facts.get(bottom)
    if not isinstance(denominator, int | float) or denominator <= 0:
        return None
    integer = fact.type == "integer"
    required: Any
    if integer and type(denominator) is int and t.op in (">=", ">", "<=", "<"):
        # whole counts: the same exact arithmetic on integers (limit * denominator = a / b)
        below, remainder = divmod(limit.numerator * denominator, limit.denominator)
        if t.op in (">=", ">"):
            required = below + (remainder != 0) + (t.op == ">" and remainder == 0)
        else:
            required = below - (t.op == "<" and remainder == 0)
        return _rate_change_to(fact, t, top, facts, values, denominator, required)
    exact = limit * Fraction(str(denominator))
    if t.op in (">=", ">"):
        required = math.ceil(exact) if integer else float(exact)
        if t.op == ">" and required == exact:
            required = required + 1 if integer else float(exact) + 0.01
    elif t.op in ("<=", "<"):
        required = math.floor(exact) if integer else float(exact)
        if t.op == "<" and required == exact:
            required = required - 1 if integer else float(exact) - 0.01
    else:
        return None
    return _rate_change_to(fact, t, top, facts, values, denominator, required)


#: what :func:`rate_change` reads of a threshold on a rate, worked out once per plan
RateOf = tuple[str, str, FactSpec, Fraction]


def _rate_of(gp: GapPlan, t: Threshold) -> RateOf | None:
    """The numerator and denominator facts of the rate ``t`` is on, the numerator's spec and
    the threshold as an exact fraction; ``None`` when ``t`` is not on a rate of two facts."""
    found = gp.rates.get(id(t))
    if found is not None and found[0] is t:  # the threshold itself is kept: ids not reused
        kept: RateOf | None = found[1]
        return kept
    rate: RateOf | None = None
    if t.fact in gp.index and isinstance(t.value, int | float) and not isinstance(
            t.value, bool):
        ratio = gp.node(t.fact).ratio
        if ratio is not None and ratio.numerator in gp.fact_specs:
            rate = (ratio.numerator, ratio.denominator, gp.fact_specs[ratio.numerator],
                    _fraction(t.value))
    gp.rates[id(t)] = (t, rate)
    return rate


def _rate_change_to(fact: FactSpec, t: Threshold, top: str, facts: Mapping[str, Any],
                    values: Mapping[str, Any], denominator: float, required: Any
                    ) -> Change | None:
    if not in_bounds(fact, required):
        return None
    after = required / denominator if denominator else None
    return make_change(top, facts.get(top), required, "number", via=t.fact,
                       via_before=values.get(t.fact), via_after=after, op=bound_op(t.op))


@functools.lru_cache(maxsize=1024)
def _exact_fraction(value: float, is_float: bool) -> Fraction:
    return Fraction(str(value)) if is_float else Fraction(value)


def _fraction(value: float) -> Fraction:
    """A threshold as the exact fraction it is written as (0.96 is 24/25, not the binary
    float nearest it)."""
    return _exact_fraction(value, isinstance(value, float))


def _compared_with_expression(gp: GapPlan, shape: StepShape, facts: Mapping[str, Any],
                              options: Mapping[str, Any]) -> list[Change]:
    """``fact <op> <expression of other facts>`` (``submitted_on <= date(year, 11, 30)``)."""
    found: list[Change] = []
    known = {**facts, **options}
    for comparison in shape.comparisons:
        name, op = comparison.fact, comparison.op
        fact = gp.fact_specs[name]
        try:
            limit = expression_value(comparison.limit, known)
        except ValueError:
            continue
        current = facts.get(name)
        if fact.type == "date" and isinstance(limit, dt.date):
            required = required_date(op, limit)
            if required is not None:
                found.append(make_change(name, current, required, "date", op=bound_op(op)))
        elif fact.type in ("number", "integer") and isinstance(limit, int | float):
            number = required_number(op, limit, fact.type == "integer")
            if number is not None and in_bounds(fact, number):
                found.append(make_change(name, current, number, "number", op=bound_op(op)))
    return found


def fallback_changes(gp: GapPlan, shape: StepShape, facts: Mapping[str, Any]) -> list[Change]:
    """Other values of the facts a step reads, for conditions no rule above solves."""
    node = shape.node
    antecedent = shape.antecedent if node.spec and node.spec.condition else frozenset()
    found: list[Change] = []
    for name in node.reads:
        fact = gp.fact_specs.get(name)
        if fact is None or name in antecedent:
            continue
        current = facts.get(name)
        if fact.type in ("boolean", "finding"):
            for value in (True, False):
                if value != current:
                    found.append(make_change(name, current, value, "true" if value else "false"))
        elif fact.type == "enum":
            found += [make_change(name, current, v, "enum") for v in fact.value_ids
                      if v != current]
        elif fact.type == "set":
            have = frozenset(current or ())
            found += [make_change(name, current, have | {v}, "add") for v in fact.value_ids
                      if v not in have]
            found += [make_change(name, current, have - {v}, "remove") for v in sorted(have)]
        elif fact.type in ("number", "integer"):
            for t in node.thresholds:
                if t.fact == name and isinstance(t.value, int | float) and not isinstance(
                        t.value, bool):
                    for number in (t.value, t.value + 1, t.value - 1):
                        if in_bounds(fact, number):
                            found.append(make_change(name, current, number, "number"))
    return found


def required_number(op: str, limit: float, integer: bool) -> float | None:
    """The value nearest ``limit`` that meets ``op limit`` (whole for an integer fact)."""
    if op == ">=":
        return math.ceil(limit) if integer else limit
    if op == ">":
        return math.floor(limit) + 1 if integer else round(limit + 0.01, 10)
    if op == "<=":
        return math.floor(limit) if integer else limit
    if op == "<":
        return math.ceil(limit) - 1 if integer else round(limit - 0.01, 10)
    if op == "==":
        return limit
    return None


def bound_op(op: str) -> str:
    """The requirement a proposed value stands for: ``> 3`` proposes 4, "at least 4"."""
    return {">": ">=", "<": "<="}.get(op, op)


def required_date(op: str, limit: dt.date) -> dt.date | None:
    if op in ("<=", ">=", "=="):
        return limit
    if op == "<":
        return limit - dt.timedelta(days=1)
    if op == ">":
        return limit + dt.timedelta(days=1)
    return None


def in_bounds(fact: FactSpec, value: float) -> bool:
    if fact.minimum is not None and value < fact.minimum:
        return False
    return not (fact.maximum is not None and value > fact.maximum)


def normal(fact: FactSpec, value: Any) -> Any:
    """A JSON-form value in the form the compiled functions read (sets, dates)."""
    if value is None:
        return None
    if fact.type == "set":
        return frozenset(value)
    if fact.type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if fact.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value
