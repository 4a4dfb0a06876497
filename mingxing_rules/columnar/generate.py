"""Large generated populations, drawn column by column (numpy), for impact and flip search.

Hypothesis draws offices one by one — right for shrinking a counterexample, too slow for a
million. :func:`generate_offices` draws every fact as a column from the fact schema: numbers
uniformly within their range or (with probability ``boundary``) at a threshold any of the given
rulesets compares them with and one step either side; the two counts of every ``a / b`` rate
consistently (the numerator never above the denominator, near the thresholds on the rate);
booleans and findings mostly true; sets with every declared value mostly present (mostly empty
for a set counted ``== 0``); enums uniformly; dates around the end of November of the years the
rulesets name. ``missing`` leaves each value out (unknown) with that probability.

>>> from mingxing_rules import load_ruleset
>>> frame = generate_offices(load_ruleset("star-judicial-office"), 1000, seed=1)
>>> frame.height, frame["floor_area_m2"].is_in([199.99, 200.0, 200.01]).any()
(1000, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

from ..language.expr import BoolOp, Compare, Expr, Name
from ..ruleset.load import Ruleset
from ..ruleset.model import FactSpec, Threshold
from .compile import office_dtype, value_expr

__all__ = ["generate_offices"]


def _rulesets(rulesets: Ruleset | Iterable[Ruleset]) -> list[Ruleset]:
    return [rulesets] if isinstance(rulesets, Ruleset) else list(rulesets)


def _thresholds(rulesets: Sequence[Ruleset]) -> dict[str, list[Threshold]]:
    found: dict[str, list[Threshold]] = {}
    for ruleset in rulesets:
        for node in ruleset.plan.nodes:
            for threshold in node.thresholds:
                found.setdefault(threshold.fact, []).append(threshold)
    return found


def _criterion_thresholds(rulesets: Sequence[Ruleset]) -> dict[str, list[Threshold]]:
    found: dict[str, list[Threshold]] = {}
    for ruleset in rulesets:
        for node in ruleset.plan.of_kind("criterion"):
            for threshold in node.condition_thresholds:
                found.setdefault(threshold.fact, []).append(threshold)
    return found


def _passing_number(fact: FactSpec, thresholds: list[Threshold]) -> float | None:
    """A value meeting every plain threshold on ``fact`` (None when there is none)."""
    step = 1.0 if fact.type == "integer" else 0.01
    low: float | None = None
    for threshold in thresholds:
        value = threshold.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if threshold.op in (">=", ">", "=="):
            wanted = float(value) + (step if threshold.op == ">" else 0.0)
            low = wanted if low is None else max(low, wanted)
        elif threshold.op in ("<=", "<") and low is None:
            low = float(value) - (step if threshold.op == "<" else 0.0)
    return low


def _edges(fact: FactSpec, thresholds: list[Threshold]) -> list[float]:
    step = 1.0 if fact.type == "integer" else 0.01
    edges: set[float] = set()
    for threshold in thresholds:
        value = threshold.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        for edge in (value - step, value, value + step):
            if ((fact.minimum is None or edge >= fact.minimum)
                    and (fact.maximum is None or edge <= fact.maximum)):
                edges.add(round(float(edge), 2))
    return sorted(edges)


def _numbers(rng: np.random.Generator, fact: FactSpec, thresholds: list[Threshold], count: int,
             boundary: float) -> np.ndarray[Any, Any]:
    low = fact.minimum if fact.minimum is not None else 0.0
    high = fact.maximum if fact.maximum is not None else low + 500.0
    high = min(high, low + 500.0)
    values = rng.uniform(low, high, count)
    edges = _edges(fact, thresholds)
    if edges:
        at_edge = rng.random(count) < boundary
        values = np.where(at_edge, rng.choice(np.array(edges), count), values)
    if fact.type == "integer":
        return np.round(values).astype(np.int64)
    return np.round(values, 2)


def _ratios(rulesets: Sequence[Ruleset]) -> list[tuple[str, str, list[float]]]:
    """(denominator, numerator, rates compared with) of every ``a / b`` derived value."""
    ratios: dict[tuple[str, str], list[float]] = {}
    for ruleset in rulesets:
        thresholds = _thresholds([ruleset])
        for node in ruleset.plan.of_kind("derived"):
            if node.ratio is None:
                continue
            # a ceiling (<= 1 ‰) is met by the floor of total * rate, a floor by the ceiling;
            # a ceiling is drawn as a negative rate and read back in generate_offices
            rates = [float(t.value) if t.op in (">=", ">", "==") else -float(t.value)
                     for t in thresholds.get(node.id, [])
                     if isinstance(t.value, int | float) and not isinstance(t.value, bool)]
            ratios.setdefault((node.ratio.denominator, node.ratio.numerator), []).extend(rates)
    return [(d, n, r) for (d, n), r in ratios.items()]


def _dates(rng: np.random.Generator, years: list[int], count: int) -> pl.Series:
    chosen = rng.choice(np.array(years or [2014]), count)
    offsets = rng.integers(-40, 4, count)
    frame = pl.DataFrame({"year": chosen, "offset": offsets})
    return frame.select((pl.date(pl.col("year"), 11, 30) + pl.duration(days=pl.col("offset")))
                        .alias("date")).to_series()


def _comparisons(tree: Expr) -> list[tuple[str, Expr, Expr]]:
    """The comparisons of a conjunction or a chain (``a <= b <= c``), as the per-office
    ``repair`` reads them."""
    if isinstance(tree, BoolOp) and tree.op == "and":
        return [c for operand in tree.operands for c in _comparisons(operand)]
    if isinstance(tree, Compare):
        return list(zip(tree.ops, tree.operands, tree.operands[1:], strict=False))
    return []


_COMPARED = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
             "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def _stepped(op: str, value: pl.Expr, kind: str, direction: int) -> pl.Expr:
    """The nearest value on the allowed side of a strict comparison (whole numbers and dates
    move by one; a number stays where it is, as in the per-office ``repair``)."""
    if op in ("<", ">") and kind == "int":
        return value + direction
    if op in ("<", ">") and kind == "date":
        return value + pl.duration(days=direction)
    return value


def _mend(op: str, left: Expr, right: Expr, sides: tuple[tuple[pl.Expr, str], ...]
          ) -> tuple[str, pl.Expr] | None:
    """(fact to change, its new value) for a broken comparison, as ``engine.constraints``
    mends one office: ``==`` sets the bare fact on the right (else the left) to the other side;
    ``<=``/``<`` lowers the fact on the left (else raises the right one); ``>=``/``>``
    the reverse."""
    (left_value, left_kind), (right_value, right_kind) = sides
    left_name = left.name if isinstance(left, Name) else None
    right_name = right.name if isinstance(right, Name) else None
    if op == "==":
        if right_name:
            return right_name, left_value
        return (left_name, right_value) if left_name else None
    if op in ("<=", "<"):
        if left_name:
            return left_name, _stepped(op, right_value, right_kind, -1)
        return (right_name, _stepped(op, left_value, left_kind, +1)) if right_name else None
    if op in (">=", ">"):
        if left_name:
            return left_name, _stepped(op, right_value, right_kind, +1)
        return (right_name, _stepped(op, left_value, left_kind, -1)) if right_name else None
    return None


def _repair(frame: pl.DataFrame, rulesets: Sequence[Ruleset], facts: dict[str, FactSpec],
            rounds: int = 4, last: bool = False) -> pl.DataFrame:
    """Make every drawn office keep the rulesets' ``constraints:`` (key + general released
    persons add up to all released, resolved <= mediated <= received, the submission date
    in the assessment year's window), mending broken comparisons column by column the way
    ``mingxing_rules.engine.constraints.repair`` mends one office; an office it cannot mend
    loses the constraint's last fact (unknown, never refused). Constraints over enums or sets
    are left alone (the generator draws those from the declared values)."""
    simple = {"number", "integer", "date", "boolean", "finding"}
    for ruleset in rulesets:
        plan = ruleset.plan
        constraints = [c for c in ruleset.spec.constraints
                       if all(f in facts and facts[f].type in simple for f in c.fields)]
        for _ in range(rounds):
            for constraint in constraints:
                for op, left, right in reversed(_comparisons(constraint.condition)):
                    sides = (value_expr(plan, left), value_expr(plan, right))
                    broken = _COMPARED[op](sides[0][0], sides[1][0]).eq_missing(False)
                    mended = _mend(op, left, right, sides)
                    if mended is None or mended[0] not in frame.columns:
                        continue
                    target, value = mended
                    frame = frame.with_columns(
                        pl.when(broken).then(value.cast(frame.schema[target], strict=False))
                        .otherwise(pl.col(target)).alias(target))
        for constraint in constraints if last else ():  # not mended: one fact unknown
            holds, _ = value_expr(plan, constraint.condition)
            dropped = next((f for f in reversed(constraint.fields) if f in frame.columns),
                           None)
            if dropped is not None:
                frame = frame.with_columns(pl.when(holds.eq_missing(False)).then(None)
                                           .otherwise(pl.col(dropped)).alias(dropped))
    return frame


def generate_offices(rulesets: Ruleset | Iterable[Ruleset], count: int, *, seed: int = 0,
                     missing: float = 0.0, boundary: float = 0.5) -> pl.DataFrame:
    """``count`` offices as a frame with one typed column per fact of the first ruleset (facts
    of the others too; :func:`~.compile.office_dtype`: enums and set items are Polars
    ``Enum`` columns), ``id`` ``gen-0000000``... Deterministic for a ``seed``."""
    chosen = _rulesets(rulesets)
    if not chosen:
        raise ValueError("give at least one ruleset")
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    for label, probability in (("missing", missing), ("boundary", boundary)):
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"{label} must be a probability between 0 and 1, got {probability}")
    rng = np.random.default_rng(seed)
    thresholds = _thresholds(chosen)
    facts: dict[str, FactSpec] = {}
    for ruleset in chosen:
        for fact in ruleset.spec.facts:
            facts.setdefault(fact.name, fact)
    years = sorted({int(t.value) for name, found in thresholds.items() for t in found
                    if facts.get(name) is not None and facts[name].type == "integer"
                    and isinstance(t.value, int) and 1990 <= t.value <= 2100})
    columns: dict[str, Any] = {"id": pl.Series([f"gen-{i:07d}" for i in range(count)],
                                               dtype=pl.String())}
    standards = _criterion_thresholds(chosen)
    good = rng.random(count) < 0.6  # most offices are close to meeting the standards
    for name, fact in facts.items():
        found = thresholds.get(name, [])
        if fact.type in ("number", "integer"):
            values = _numbers(rng, fact, found, count, boundary)
            passing = _passing_number(fact, standards.get(name, []))
            if passing is not None:
                floors_only = all(t.op in (">=", ">") for t in standards.get(name, []))
                near = rng.random(count) < 0.5  # half of the good offices exactly at the line
                lifted = (np.where(near, passing, passing + rng.uniform(0, 20, count))
                          if floors_only else np.full(count, passing))
                lifted = np.clip(lifted, fact.minimum if fact.minimum is not None else -np.inf,
                                 fact.maximum if fact.maximum is not None else np.inf)
                chosen_values = np.where(good & (rng.random(count) < 0.97), lifted, values)
                values = (np.round(chosen_values).astype(np.int64) if fact.type == "integer"
                          else np.round(chosen_values, 2))
            columns[name] = pl.Series(name, values)
        elif fact.type in ("boolean", "finding"):
            wanted = [t.value for t in standards.get(name, []) if isinstance(t.value, bool)]
            if wanted:
                meets = rng.random(count) < np.where(good, 0.99, 0.8)
                columns[name] = pl.Series(name, meets == bool(wanted[0]))
            else:
                columns[name] = pl.Series(name, rng.random(count) < 0.5)
        elif fact.type == "enum":
            columns[name] = pl.Series(name, rng.choice(np.array(fact.value_ids), count))
        elif fact.type == "set":
            empty_wanted = any(t.op.startswith("count") for t in found)
            in_standards = name in standards
            share = (np.where(good, 0.01, 0.2) if empty_wanted
                     else np.where(good, 0.995, 0.8) if in_standards else np.full(count, 0.2))
            present = pl.DataFrame({value: rng.random(count) < share
                                    for value in fact.value_ids}, height=count)
            columns[name] = present.select(pl.concat_list(
                pl.when(pl.col(v)).then(pl.lit(v, dtype=pl.String())) for v in fact.value_ids)
                .list.drop_nulls().alias(name)).to_series()
        elif fact.type == "date":
            columns[name] = _dates(rng, years, count)
        else:
            columns[name] = pl.Series(name, [None] * count, dtype=pl.String())
    # a rate is drawn as a share of its denominator, and drawn again whenever mending a
    # constraint moves the denominator (released persons = key + general, ...): a good office
    # keeps meeting its rates after the mend instead of falling just below them
    shares: list[tuple[str, str, Any, Any]] = []
    for denominator, numerator, rates in _ratios(chosen):
        if denominator not in columns or numerator not in columns:
            continue
        columns[denominator] = pl.Series(
            denominator, np.clip(columns[denominator].to_numpy().astype(np.int64), 0, None))
        rate = (rng.choice(np.array(rates), count) if rates else rng.random(count))
        jitter = np.where(good, rng.choice(np.array([0, 0, 0, 1]), count),
                          rng.choice(np.array([-1, 0, 0, 1]), count))
        anywhere = np.where(~good & (rng.random(count) < 0.5), rng.random(count), np.nan)
        shares.append((denominator, numerator, pl.Series(rate),
                       (pl.Series(jitter), pl.Series(anywhere, nan_to_null=True))))
    frame = pl.DataFrame(columns, height=count)

    def drawn_rates(frame: pl.DataFrame) -> pl.DataFrame:
        """Each rate's numerator for its denominator as it now stands."""
        drawn = []
        for denominator, numerator, rate, (jitter, anywhere) in shares:
            total = pl.col(denominator).cast(pl.Int64).clip(0)
            at_rate = (pl.when(rate >= 0).then((total * rate - 1e-9).ceil())
                       .otherwise((total * -rate + 1e-9).floor() - jitter * 2))
            value = pl.when(anywhere.is_not_null()).then(anywhere * total) \
                .otherwise(at_rate + jitter)
            drawn.append(pl.min_horizontal(value.round(), total).clip(0).cast(pl.Int64)
                         .alias(numerator))
        return frame.with_columns(drawn)

    frame = drawn_rates(frame)
    for _ in range(3):
        frame = drawn_rates(_repair(frame, chosen, facts))
    frame = _repair(frame, chosen, facts, last=True)
    frame = frame.with_columns(pl.col(n).cast(office_dtype(f)) for n, f in facts.items())
    if missing > 0:
        frame = frame.with_columns(
            pl.when(pl.Series(rng.random(count) >= missing)).then(pl.col(n)).alias(n)
            for n in facts)
    return frame
