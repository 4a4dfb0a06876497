"""Hypothesis strategies for offices, derived from a ruleset's fact schema.

A new fact in the ruleset needs no new code here: every strategy reads the fact schema and the
thresholds the compiled conditions compare against, and biases numbers toward each boundary
(``199``/``200``/``201``; a count just below and at ``0.96 x`` its denominator for a rate).

>>> from hypothesis import given, settings
>>> from mingxing_rules import load_ruleset, evaluate
>>> from mingxing_rules.strategies import offices
>>> ruleset = load_ruleset("star-judicial-office")
>>> @settings(max_examples=20, database=None, derandomize=True)
... @given(offices(ruleset, missing=0.1))
... def test_every_generated_office_evaluates(office):
...     assert evaluate(office, ruleset).outcome
>>> test_every_generated_office_evaluates()
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ..engine.constraints import repair
from ..engine.evaluate import decide
from ..ruleset.load import Ruleset, load_ruleset
from ..ruleset.model import FactSpec, Threshold

__all__ = ["boundary_values", "fact_values", "offices", "passing_offices"]

_ids = itertools.count()
_UNIT = st.floats(0, 1, exclude_max=True)
_NUDGE = st.integers(-1, 1)


def _check_probability(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidArgument(f"{name} must be a probability between 0 and 1, got {value!r}")


def _ruleset(ruleset: Ruleset | str) -> Ruleset:
    if isinstance(ruleset, Ruleset):
        return ruleset
    if isinstance(ruleset, str):
        return load_ruleset(ruleset)
    raise InvalidArgument(f"ruleset must be a Ruleset or a ruleset id/path, got {ruleset!r}")


def _thresholds_by_fact(ruleset: Ruleset) -> dict[str, list[Threshold]]:
    found: dict[str, list[Threshold]] = {}
    for info in ruleset.program.layout:
        for threshold in info.thresholds:
            found.setdefault(threshold.fact, []).append(threshold)
    return found


def _ratio_parts(ruleset: Ruleset) -> dict[str, tuple[str, str, list[float]]]:
    """Derived values of the form ``numerator / denominator`` (``PlanNode.ratio``: both facts)
    with their thresholds."""
    by_fact = _thresholds_by_fact(ruleset)
    parts: dict[str, tuple[str, str, list[float]]] = {}
    for node in ruleset.plan.of_kind("derived"):
        if node.ratio is None:
            continue
        limits = [float(t.value) for t in by_fact.get(node.id, ())
                  if isinstance(t.value, int | float) and not isinstance(t.value, bool)]
        parts[node.id] = (node.ratio.numerator, node.ratio.denominator, limits)
    return parts


def boundary_values(fact: FactSpec, thresholds: list[Threshold]) -> list[Any]:
    """The values at, just below and just above every numeric threshold on ``fact``."""
    step = 1 if fact.type == "integer" else 0.01
    values: list[Any] = []
    for threshold in thresholds:
        if isinstance(threshold.value, bool) or not isinstance(threshold.value, int | float):
            continue
        for delta in (-step, 0, step):
            value = threshold.value + delta
            if fact.type == "integer":
                value = math.floor(value) if delta <= 0 else math.ceil(value)
            else:
                value = round(value, 2)
            if (fact.minimum is None or value >= fact.minimum) and (
                fact.maximum is None or value <= fact.maximum
            ):
                values.append(int(value) if fact.type == "integer" else float(value))
    return sorted(set(values))


def fact_values(fact: FactSpec, thresholds: list[Threshold] | None = None,
                boundary: bool = True) -> st.SearchStrategy[Any]:
    """Valid values of one fact (JSON form), biased toward its thresholds."""
    thresholds = thresholds or []
    if fact.type in ("number", "integer"):
        low = fact.minimum if fact.minimum is not None else -1e6
        high = fact.maximum if fact.maximum is not None else 1e6
        high = min(high, max(low, 0) + 10_000)  # keep counts realistic and shrinkable
        if fact.type == "integer":
            base: st.SearchStrategy[Any] = st.integers(math.ceil(low), math.floor(high))
        else:
            base = st.floats(low, high, allow_nan=False, allow_infinity=False).map(
                lambda v: round(v, 2))
        edges = boundary_values(fact, thresholds) if boundary else []
        return st.one_of(st.sampled_from(edges), base) if edges else base
    if fact.type == "boolean":
        return st.booleans()
    if fact.type == "finding":
        return st.one_of(st.booleans(), st.builds(
            lambda met, evidence: {"met": met, "evidence": evidence}, st.booleans(),
            st.sampled_from(["评审团实地查看", "panel visit", "台账核查"])))
    if fact.type == "enum":
        return st.sampled_from(fact.value_ids)
    if fact.type == "set":
        ids = fact.value_ids
        return st.one_of(st.just(sorted(ids)), st.lists(st.sampled_from(ids), unique=True).map(
            sorted))
    if fact.type == "date":
        edges = [dt.date(year, 11, day) for year in (2012, 2013, 2014, 2015) for day in (29, 30)]
        edges += [dt.date(year, 12, 1) for year in (2012, 2013, 2014, 2015)]
        dates = st.one_of(st.sampled_from(edges), st.dates(dt.date(2011, 1, 1),
                                                           dt.date(2016, 12, 31)))
        return dates.map(dt.date.isoformat)
    return st.text(max_size=20)


@attrs.frozen
class _Plan:
    """What one office strategy draws: precomputed once, read by every draw."""

    ruleset: Ruleset
    thresholds: dict[str, list[Threshold]]
    ratios: dict[str, tuple[str, str, list[float]]]
    missing: float
    boundary: bool
    fixed: Mapping[str, Any]
    prefer: Mapping[str, st.SearchStrategy[Any]]
    passing: float  # probability that a fact is drawn to meet its thresholds
    emphasise: Mapping[str, float]
    # strategies built once (building them per draw costs Hypothesis validation every time)
    values: Mapping[str, st.SearchStrategy[Any]]
    passing_values: Mapping[str, st.SearchStrategy[Any]]
    emphasised: Mapping[str, st.SearchStrategy[Any]]


def _plan(ruleset: Ruleset, missing: float, boundary: bool, fixed: Mapping[str, Any],
          prefer: Mapping[str, st.SearchStrategy[Any]], passing: float = 0.0,
          emphasise: Mapping[str, float] | None = None,
          boundaries_of: tuple[Ruleset, ...] = ()) -> _Plan:
    thresholds = _thresholds_by_fact(ruleset)
    ratios = _ratio_parts(ruleset)
    for other in boundaries_of:  # another version's thresholds are boundaries too
        for name, extra in _thresholds_by_fact(other).items():
            thresholds.setdefault(name, []).extend(extra)
        for name, (top, bottom, limits) in _ratio_parts(other).items():
            if name in ratios and ratios[name][:2] == (top, bottom):
                ratios[name] = (top, bottom, sorted({*ratios[name][2], *limits}))
    facts = ruleset.spec.facts
    values = {f.name: fact_values(f, thresholds.get(f.name), boundary) for f in facts}
    passing_values = ({f.name: _passing_value(f, thresholds[f.name]) for f in facts
                       if f.name in thresholds} if passing else {})
    emphasised = {name: strategy for name, probability in (emphasise or {}).items()
                  if (strategy := _emphasised(ruleset.spec.fact(name), probability)) is not None}
    return _Plan(ruleset, thresholds, ratios, missing, boundary, dict(fixed), dict(prefer),
                 passing, dict(emphasise or {}), values, passing_values, emphasised)


def _emphasised(fact: FactSpec, probability: float) -> st.SearchStrategy[Any] | None:
    """Draw a 'notable' value (a non-empty set, a true flag, a met finding) with ``probability``."""
    notable: st.SearchStrategy[Any]
    plain: st.SearchStrategy[Any]
    if fact.type == "set":
        ids = fact.value_ids
        notable = st.lists(st.sampled_from(ids), min_size=1, unique=True).map(sorted)
        plain = st.just([])
    elif fact.type in ("boolean", "finding"):
        notable, plain = st.just(True), st.just(False)
    else:
        return None
    return _UNIT.flatmap(lambda u: notable if u < probability else plain)


@st.composite
def _draw_office(draw: st.DrawFn, plan: _Plan) -> dict[str, Any]:
    _thresholds, ratios = plan.thresholds, plan.ratios
    office: dict[str, Any] = {"id": f"gen-{draw(st.integers(0, 10**6))}"}
    denominators = {d for _, d, _ in ratios.values()}
    numerators = {n: (d, limits) for n, d, limits in ratios.values()}
    passing_facts: set[str] = set()
    # a missing fact is drawn all the same and removed at the end: the office did not report
    # it, but the office itself is consistent, so some value of it keeps every constraint (a
    # missing count drawn apart from the others could have none: 120 handed over of 1 + 0)
    unreported: set[str] = set()
    for fact in plan.ruleset.spec.facts:
        name = fact.name
        if name in plan.fixed:
            if plan.fixed[name] is not None:
                office[name] = plan.fixed[name]
            continue
        if plan.missing and draw(_UNIT) < plan.missing:
            unreported.add(name)
        if name in plan.prefer:
            office[name] = draw(plan.prefer[name])
            continue
        if name in plan.emphasised:
            office[name] = draw(plan.emphasised[name])
            continue
        passing = bool(plan.passing) and (plan.passing >= 1 or draw(_UNIT) < plan.passing)
        if passing:
            passing_facts.add(name)
        if name in numerators and numerators[name][0] in office and name not in denominators:
            denominator_name, limits = numerators[name]
            denominator = office[denominator_name]
            if passing and isinstance(denominator, int):
                office[name] = draw(_passing_numerator(plan, name, denominator))
            elif plan.boundary and limits and isinstance(denominator, int) and draw(
                    st.booleans()):
                limit = draw(st.sampled_from(limits))
                at = min(math.ceil(limit * denominator - 1e-9), denominator)
                office[name] = max(0, at + draw(_NUDGE))
                office[name] = min(office[name], denominator)
            else:
                office[name] = draw(st.integers(0, denominator)) if isinstance(
                    denominator, int) else draw(plan.values[name])
            continue
        if passing and name in plan.passing_values:
            office[name] = draw(plan.passing_values[name])
            continue
        office[name] = draw(plan.values[name])
    _clamp_numerators(office, numerators)
    # facts that must agree with each other (the ruleset's `constraints:`): mend the drawn
    # values, then keep the rates within 100 % again
    if plan.ruleset.constraints.constraints:
        before = {d: office.get(d) for d in denominators}
        repair(office, plan.ruleset.constraints, fixed=set(plan.fixed))
        for numerator, (denominator_name, _) in numerators.items():
            # a passing rate whose denominator the repair moved is drawn again, still passing
            denominator = office.get(denominator_name)
            if (numerator in passing_facts and numerator in office
                    and denominator != before.get(denominator_name)
                    and isinstance(denominator, int) and not isinstance(denominator, bool)):
                office[numerator] = draw(_passing_numerator(plan, numerator, denominator))
        _clamp_numerators(office, numerators)
    for name in unreported:
        office.pop(name, None)
    return office


def _clamp_numerators(office: dict[str, Any], numerators: Mapping[str, tuple[str, Any]]) -> None:
    # numerators drawn before their denominator: keep them no larger than it, until every rate
    # of a chain (resolved <= mediated <= received) is at most 100 %
    for _ in range(len(numerators) + 1):
        changed = False
        for numerator, (denominator_name, _) in numerators.items():
            # the nearest count above it in the chain that is present bounds it, even when the
            # one in between is missing (resolved <= received when mediated is not given)
            bound_name = denominator_name
            seen = {numerator}
            while bound_name not in office and bound_name in numerators and bound_name not in seen:
                seen.add(bound_name)
                bound_name = numerators[bound_name][0]
            if (numerator in office and bound_name in office
                    and isinstance(office[numerator], int | float)
                    and isinstance(office[bound_name], int | float)
                    and office[numerator] > office[bound_name]):
                office[numerator] = office[bound_name]
                changed = True
        if not changed:
            break


def _office(ruleset: Ruleset, missing: float, boundary: bool, fixed: Mapping[str, Any],
            prefer: Mapping[str, st.SearchStrategy[Any]], passing: bool = False
            ) -> st.SearchStrategy[dict[str, Any]]:
    """Kept for callers of the first version: ``passing`` draws every fact to meet thresholds."""
    return _draw_office(_plan(ruleset, missing, boundary, fixed, prefer, 1.0 if passing else 0.0))


def _passing_numerator(plan: _Plan, numerator: str, denominator: int
                       ) -> st.SearchStrategy[int]:
    """Counts whose rate over ``denominator`` meets every threshold on the rate."""
    low, high = 0, denominator
    for rate, (top, _, _) in plan.ratios.items():
        if top != numerator:
            continue
        for t in plan.thresholds.get(rate, ()):
            if isinstance(t.value, bool) or not isinstance(t.value, int | float):
                continue
            if t.op in (">=", ">"):
                low = max(low, math.ceil(t.value * denominator - 1e-9) + (t.op == ">"))
            elif t.op in ("<=", "<"):
                high = min(high, math.floor(t.value * denominator + 1e-9) - (t.op == "<"))
    if low > high:
        return st.integers(0, denominator)
    return st.integers(low, high)


def _rulesets(value: Ruleset | str | Iterable[Ruleset | str] | None) -> tuple[Ruleset, ...]:
    if value is None:
        return ()
    if isinstance(value, Ruleset | str):
        return (_ruleset(value),)
    return tuple(_ruleset(v) for v in value)


def offices(
    ruleset: Ruleset | str,
    *,
    missing: float = 0.0,
    boundary: bool = True,
    fixed: Mapping[str, Any] | None = None,
    prefer: Mapping[str, st.SearchStrategy[Any]] | None = None,
    emphasise: Mapping[str, float] | None = None,
    passing: float = 0.0,
    boundaries_of: Ruleset | str | Iterable[Ruleset | str] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid offices for ``ruleset`` as plain dicts (the JSON form :func:`evaluate` reads).

    - ``missing``: probability that each fact is left out (unknown), to reach ``UNDECIDED``.
    - ``boundary``: bias numbers (and counts under a rate) to every threshold: for
      ``floor_area_m2 >= 200`` the values 199.99, 200 and 200.01 come up often.
    - ``fixed``: facts with fixed values (``None`` = always missing).
    - ``prefer``: a strategy for some facts (e.g. ``{"staff_count": st.integers(5, 9)}``).
    - ``emphasise``: for set, boolean and finding facts, the probability of a notable value
      (a non-empty set, true, met): ``{"honours": 0.5, "mediation_incidents": 0.3}``.
    - ``passing``: probability that each fact is drawn to meet the thresholds the ruleset
      compares it with (1.0: offices that meet every plain threshold).
    - ``boundaries_of``: other rulesets (e.g. a proposed amendment) whose thresholds are also
      boundaries to bias toward.

    Every argument is checked when the strategy is built; a wrong one raises Hypothesis'
    ``InvalidArgument`` naming it.

    >>> from hypothesis import find
    >>> ruleset = load_ruleset("star-judicial-office")
    >>> office = find(offices(ruleset, emphasise={"honours": 1.0}), lambda o: True)
    >>> len(office["honours"]) >= 1
    True
    >>> offices(ruleset, emphasise={"honours": 2})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: emphasise['honours'] must be a probability ... got 2
    """
    compiled = _ruleset(ruleset)
    _check_probability("missing", missing)
    _check_probability("passing", passing)
    if not isinstance(boundary, bool):
        raise InvalidArgument(f"boundary must be True or False, got {boundary!r}")
    for label, argument in (("fixed", fixed), ("prefer", prefer), ("emphasise", emphasise)):
        if argument is not None and not isinstance(argument, Mapping):
            raise InvalidArgument(f"{label} must be a mapping of fact names, got {argument!r}")
    fixed = dict(fixed or {})
    facts = {f.name: f for f in compiled.spec.facts}
    for label, names in (("fixed", fixed), ("prefer", prefer or {}),
                         ("emphasise", emphasise or {})):
        for name in names:
            if name not in facts:
                raise InvalidArgument(
                    f"{label}: {name!r} is not a fact of ruleset {compiled.id}")
    for name, strategy in (prefer or {}).items():
        if not isinstance(strategy, st.SearchStrategy):
            raise InvalidArgument(f"prefer[{name!r}] must be a Hypothesis strategy, "
                                  f"got {strategy!r}")
    for name, probability in (emphasise or {}).items():
        _check_probability(f"emphasise[{name!r}]", probability)
        if facts[name].type not in ("set", "boolean", "finding"):
            raise InvalidArgument(f"emphasise[{name!r}]: only set, boolean and finding facts "
                                  f"have a notable value; {name} is {facts[name].type}")
    return _draw_office(_plan(compiled, missing, boundary, fixed, dict(prefer or {}), passing,
                              emphasise, _rulesets(boundaries_of)))


def _passing_value(fact: FactSpec, thresholds: list[Threshold]) -> st.SearchStrategy[Any]:
    """Values of ``fact`` that satisfy the thresholds the ruleset puts on it (built, not filtered,
    so that dozens of facts can be drawn together without the filters starving)."""
    # Thresholds of one condition may be alternatives (`a == 'x' or a == 'y'`, `'m' in v or
    # 'e' in v`): equalities and memberships need one to hold, the others all.
    alternatives = [t for t in thresholds if t.op in ("==", "contains")]
    required = [t for t in thresholds if t.op not in ("==", "contains")]

    def ok(value: Any) -> bool:
        if not all(_satisfies(value, t) for t in required):
            return False
        return not alternatives or any(_satisfies(value, t) for t in alternatives)

    candidates: list[Any]
    if fact.type in ("boolean", "finding"):
        candidates = [True, False]
    elif fact.type == "enum":
        candidates = list(fact.value_ids)
    elif fact.type == "set":
        full = sorted(fact.value_ids)
        candidates = [full, *([v for v in full if v != drop] for drop in full), []]
    elif fact.type in ("number", "integer"):
        integer = fact.type == "integer"
        low = fact.minimum if fact.minimum is not None else 0
        high = fact.maximum if fact.maximum is not None else low + 10_000
        for t in required:
            if isinstance(t.value, bool) or not isinstance(t.value, int | float):
                continue
            if t.op in (">=", ">"):
                low = max(low, t.value + (1 if integer and t.op == ">" else 0))
            elif t.op in ("<=", "<"):
                high = min(high, t.value - (1 if integer and t.op == "<" else 0))
        high = min(high, low + 10_000)
        candidates = [v for v in boundary_values(fact, thresholds) if ok(v)]
        if low <= high:
            spread: st.SearchStrategy[Any] = (
                st.integers(math.ceil(low), math.floor(high)) if integer
                else st.floats(low, high, allow_nan=False).map(lambda v: round(v, 2)))
            spread = spread.filter(ok)
            return st.one_of(st.sampled_from(candidates), spread) if candidates else spread
    else:
        return fact_values(fact, thresholds)
    passing = [v for v in candidates if ok(v)]
    if not passing:
        return fact_values(fact, thresholds)
    return st.sampled_from(passing)


def _satisfies(value: Any, threshold: Threshold) -> bool:
    """Meets the threshold, or cannot be told (then it does not rule the value out)."""
    if isinstance(value, Mapping):  # a panel finding {met, evidence}
        value = value.get("met")
    return threshold.holds(value) is not False


def passing_offices(ruleset: Ruleset | str, outcome: str,
                    fixed: Mapping[str, Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Offices whose verdict is ``outcome`` (e.g. ``"STAR"``), built to meet every threshold.

    Facts are drawn among values that satisfy each threshold the ruleset compares them with;
    ``fixed`` pins facts (e.g. ``{"honours": [], "holds_star_title": False}``). The result is
    filtered on the verdict, so conditions that are not plain thresholds still hold.
    """
    compiled = _ruleset(ruleset)
    if outcome not in (*compiled.spec.outcomes, compiled.spec.otherwise.id):
        raise InvalidArgument(f"{outcome!r} is not an outcome of ruleset {compiled.id}")
    thresholds = _thresholds_by_fact(compiled)
    prefer = {f.name: _passing_value(f, thresholds.get(f.name, []))
              for f in compiled.spec.facts if f.name in thresholds and f.name not in (fixed or {})}
    return _draw_office(_plan(compiled, 0.0, True, dict(fixed or {}), prefer, 1.0)).filter(
        lambda office: decide(office, compiled) == outcome)
