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

from ..load import Ruleset
from ..model import FactSpec, Threshold
from .compile import fact_dtype

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
            rates = [float(t.value) for t in thresholds.get(node.id, [])
                     if isinstance(t.value, int | float) and not isinstance(t.value, bool)]
            ratios.setdefault((node.ratio.denominator, node.ratio.numerator), []).extend(rates)
    return [(d, n, r) for (d, n), r in ratios.items()]


def _dates(rng: np.random.Generator, years: list[int], count: int) -> pl.Series:
    chosen = rng.choice(np.array(years or [2014]), count)
    offsets = rng.integers(-40, 4, count)
    frame = pl.DataFrame({"year": chosen, "offset": offsets})
    return frame.select((pl.date(pl.col("year"), 11, 30) + pl.duration(days=pl.col("offset")))
                        .alias("date")).to_series()


def generate_offices(rulesets: Ruleset | Iterable[Ruleset], count: int, *, seed: int = 0,
                     missing: float = 0.0, boundary: float = 0.5) -> pl.DataFrame:
    """``count`` offices as a frame with one typed column per fact of the first ruleset (facts
    of the others too), ``id`` ``gen-0000000``... Deterministic for a ``seed``."""
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
    for name, fact in facts.items():
        found = thresholds.get(name, [])
        if fact.type in ("number", "integer"):
            columns[name] = pl.Series(name, _numbers(rng, fact, found, count, boundary))
        elif fact.type in ("boolean", "finding"):
            columns[name] = pl.Series(name, rng.random(count) < 0.85)
        elif fact.type == "enum":
            columns[name] = pl.Series(name, rng.choice(np.array(fact.value_ids), count))
        elif fact.type == "set":
            empty_wanted = any(t.op.startswith("count") for t in found)
            share = 0.15 if empty_wanted else 0.9
            present = pl.DataFrame({value: rng.random(count) < share
                                    for value in fact.value_ids}, height=count)
            columns[name] = present.select(pl.concat_list(
                pl.when(pl.col(v)).then(pl.lit(v, dtype=pl.String())) for v in fact.value_ids)
                .list.drop_nulls().alias(name)).to_series()
        elif fact.type == "date":
            columns[name] = _dates(rng, years, count)
        else:
            columns[name] = pl.Series(name, [None] * count, dtype=pl.String())
    for denominator, numerator, rates in _ratios(chosen):
        if denominator not in columns or numerator not in columns:
            continue
        total = columns[denominator].to_numpy().astype(np.int64)
        total = np.clip(total, 0, None)
        rate = (rng.choice(np.array(rates), count) if rates else rng.random(count))
        jitter = rng.choice(np.array([-1, 0, 0, 1]), count)
        drawn = np.where(rng.random(count) < 0.3, rng.random(count) * total,
                         np.ceil(total * rate - 1e-9) + jitter)
        columns[denominator] = pl.Series(denominator, total)
        columns[numerator] = pl.Series(numerator, np.clip(np.round(drawn), 0, total)
                                       .astype(np.int64))
    frame = pl.DataFrame(columns, height=count)
    frame = frame.with_columns(pl.col(n).cast(fact_dtype(f)) for n, f in facts.items())
    if missing > 0:
        frame = frame.with_columns(
            pl.when(pl.Series(rng.random(count) >= missing)).then(pl.col(n)).alias(n)
            for n in facts)
    return frame
