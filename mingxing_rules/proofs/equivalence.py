"""``mingxing prove OLD NEW``: two versions give the same verdict for every office, or every
kind of flip with a minimal, readable office.

Both plans are encoded over **one** symbolic office (facts with the same name are the same
variables; a fact only one version knows is ignored by the other, as in impact analysis).
The solver looks for an office with ``verdict_old != verdict_new``; each time it finds one, the
kind (old outcome -> new outcome) is recorded and excluded, until none is left — so every kind
of flip is listed, not just one. For each kind, z3's ``Optimize`` then finds the office with as
few facts as possible differing from a **base office** (a typical Star office: by default one
the solver builds that every version awards; pass ``base=`` for a real one). That office is
re-evaluated by the native engine (and the durable backend where it runs) and must reproduce
the flip; both explanations and the changed rules that caused it are attached.

``region`` restricts the proof to offices with some facts fixed (``{"office_kind":
"township"}``) and ``ranges`` to facts within bounds (``{"floor_area_m2": (150, 250)}``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import BackendUnavailableError, MingxingError
from .checks import DEFAULT_TIMEOUT, Native
from .report import ProofReport, ProofResult
from .translate import (
    Encoding,
    FactVar,
    SymbolicOffice,
    SymbolicOptions,
    encode,
    load_z3,
    solver_version,
)

if TYPE_CHECKING:
    from ..ruleset.load import Ruleset

__all__ = ["prove_equivalent", "same_as"]


def same_as(var: FactVar, value: Any) -> Any:
    """A z3 formula: the fact has ``value`` (``None``: the fact is missing)."""
    import datetime as dt

    z3 = load_z3()
    if value is None:
        return z3.Not(var.known)
    spec = var.spec
    if spec.type in ("boolean", "finding"):
        equal = var.value == z3.BoolVal(bool(value))
    elif spec.type == "enum":
        index = spec.value_ids.index(value) if value in spec.value_ids else -1
        equal = var.value == index
    elif spec.type == "set":
        members = set(value)
        equal = z3.And([flag if v in members else z3.Not(flag) for v, flag in var.value.items()]
                       or [True])
    elif spec.type == "date":
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        equal = var.value == day.toordinal()
    elif spec.type in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return z3.BoolVal(False)
        equal = var.value == (z3.IntVal(int(value)) if spec.type == "integer"
                              and float(value).is_integer() else z3.RealVal(repr(value)
                                                                            if isinstance(
                                                                                value, float)
                                                                            else value))
    else:
        equal = var.value == z3.StringVal(str(value))
    return z3.And(var.known, equal)


def _base_facts(ruleset: Ruleset, base: Mapping[str, Any]) -> dict[str, Any]:
    """The base office's facts, validated and normalised (sets, dates, findings)."""
    office = ruleset.parse_office(dict(base), extra="ignore")
    return dict(office.facts)


def prove_equivalent(old: Ruleset | str, new: Ruleset | str, *,
                     base: Mapping[str, Any] | None = None,
                     region: Mapping[str, Any] | None = None,
                     ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
                     all_options: bool = False, timeout: float = DEFAULT_TIMEOUT,
                     max_kinds: int = 64) -> ProofReport:
    """Prove ``old`` and ``new`` give the same verdict for every office (in ``region``), or list
    every kind of flip with a minimal office each (see the module docstring).

    ``all_options``: options range over every value (shared by name between the versions);
    by default each version keeps the options it was loaded with.
    """
    from ..regression.diff import diff_rulesets
    from ..ruleset.load import load_ruleset

    z3 = load_z3()
    started = time.perf_counter()
    old_rs, new_rs = load_ruleset(old), load_ruleset(new)
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    office = SymbolicOffice("office")
    if all_options:
        specs = {o.name: o for o in (*old_rs.spec.options, *new_rs.spec.options)}
        shared = SymbolicOptions(list(specs.values()), {}, free=list(specs))
        old_options = new_options = shared
    else:
        old_options = SymbolicOptions(old_rs.spec.options, old_rs.plan.option_map,
                                      prefix="old.opt")
        new_options = SymbolicOptions(new_rs.spec.options, new_rs.plan.option_map,
                                      prefix="new.opt")
    before = encode(old_rs.plan, office, old_options)
    after = encode(new_rs.plan, office, new_options)
    facts = list(dict.fromkeys([*before.facts_read, *after.facts_read]))
    specs_by_name = {**old_rs.plan.facts, **new_rs.plan.facts}
    for ruleset in (old_rs, new_rs):  # region values are office data: validate them as such
        ruleset.parse_office({"id": "region", **dict(region or {})}, extra="ignore")
    restrictions = _region(office, specs_by_name, region or {}, ranges or {})
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(before.valid(), after.valid(), *restrictions)
    if solver.check() == z3.unsat:  # an empty region would make "equivalent" vacuous
        raise MingxingError("the region contains no valid office: nothing to prove")
    pairs = [(a, b) for a in before.verdict_ids for b in after.verdict_ids if a != b]
    differ = z3.Or([z3.And(before.verdict[a], after.verdict[b]) for a, b in pairs])
    solver.add(differ)
    native_old, native_new = Native(old_rs), Native(new_rs)
    diff = diff_rulesets(old_rs, new_rs)
    base_facts = _base(base, old_rs, new_rs, before, after, facts, timeout)
    results: list[ProofResult] = []
    kinds: list[tuple[str, str]] = []
    status = "proved"
    search_seconds = 0.0
    while len(kinds) < max_kinds:
        tick = time.perf_counter()
        answer = solver.check()
        search_seconds += time.perf_counter() - tick
        if answer == z3.unsat:
            break
        if answer != z3.sat:
            status = "unknown"
            results.append(ProofResult(
                "equivalence", "flips", "unknown",
                f"the solver gave no answer within {timeout:g} s "
                f"({solver.reason_unknown()}); the kinds listed may not be all",
                f"求解器在{timeout:g}秒内未给出答案；所列变化可能不全",
                seconds=search_seconds))
            break
        model = solver.model()
        kind = next((a, b) for a, b in pairs
                    if z3.is_true(model.eval(z3.And(before.verdict[a], after.verdict[b]),
                                             model_completion=True)))
        kinds.append(kind)
        solver.add(z3.Not(z3.And(before.verdict[kind[0]], after.verdict[kind[1]])))
    order = {name: i for i, name in enumerate(dict.fromkeys([*before.verdict_ids,
                                                            *after.verdict_ids]))}
    kinds.sort(key=lambda k: (order[k[0]], order[k[1]]))
    for kind in kinds:
        results.append(_flip_result(kind, before, after, office, facts, restrictions,
                                    base_facts, timeout, (native_old, native_new), diff,
                                    all_options))
    subject = f"{old_rs.key} -> {new_rs.key}"
    if not kinds and status == "proved":
        results.insert(0, ProofResult(
            "equivalence", "same verdicts", "proved",
            "both versions give the same verdict for every office"
            + (" in the region" if region or ranges else ""),
            "两个版本对每个司法所的结论都相同" + ("（限定范围内）" if region or ranges else ""),
            seconds=search_seconds))
    elif kinds:
        results.insert(0, ProofResult(
            "equivalence", "same verdicts", "refuted",
            f"{len(kinds)} kind(s) of verdict flip: "
            + ", ".join(f"{a} -> {b}" for a, b in kinds),
            f"共{len(kinds)}种结论变化：" + "、".join(f"{a} -> {b}" for a, b in kinds),
            seconds=search_seconds, details={"kinds": [list(k) for k in kinds]}))
    described = "every option setting" if all_options else "options as loaded"
    return ProofReport(subject, solver_version(), tuple(results),
                       time.perf_counter() - started, timeout, described)


def _region(office: SymbolicOffice, specs: Mapping[str, Any], region: Mapping[str, Any],
            ranges: Mapping[str, tuple[float | None, float | None]]) -> list[Any]:
    z3 = load_z3()
    found: list[Any] = []
    for name, value in region.items():
        if name not in specs:
            raise MingxingError(f"region: {name!r} is not a fact of either version")
        found.append(same_as(office.fact(specs[name]), value))
    for name, (low, high) in ranges.items():
        spec = specs.get(name)
        if spec is None or spec.type not in ("number", "integer"):
            raise MingxingError(f"range: {name!r} is not a numeric fact of either version")
        var = office.fact(spec)
        bounds = [var.known]
        if low is not None:
            bounds.append(var.value >= z3.RealVal(repr(low)))
        if high is not None:
            bounds.append(var.value <= z3.RealVal(repr(high)))
        found.append(z3.And(bounds))
    return found


def _base(base: Mapping[str, Any] | None, old_rs: Ruleset, new_rs: Ruleset, before: Encoding,
          after: Encoding, facts: Sequence[str], timeout: float) -> dict[str, Any]:
    """The base office's facts: the one given, or a complete office both versions award with
    the last (assessment) award outcome, built by the solver."""
    if base is not None:
        merged = _base_facts(old_rs, base)
        merged.update(_base_facts(new_rs, base))
        return merged
    z3 = load_z3()
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(before.valid(), after.valid(), before.complete())
    awards = [o.id for o in old_rs.plan.outcomes if o.effect == "award"]
    for award in reversed(awards):
        solver.push()
        solver.add(before.verdict[award])
        if award in after.verdict:
            solver.add(after.verdict[award])
        if solver.check() == z3.sat:
            found = before.office.read(solver.model(), facts)
            solver.pop()
            return found
        solver.pop()
    return {}


def _flip_result(kind: tuple[str, str], before: Encoding, after: Encoding,
                 office: SymbolicOffice, facts: Sequence[str], restrictions: Sequence[Any],
                 base_facts: Mapping[str, Any], timeout: float,
                 natives: tuple[Native, Native], diff: Any, all_options: bool) -> ProofResult:
    """The office closest to the base that flips this way, re-evaluated."""
    from ..regression.impact import explain_flip

    z3 = load_z3()
    started = time.perf_counter()
    optimizer = z3.Optimize()
    optimizer.set("timeout", max(1, int(timeout * 1000)))
    optimizer.add(before.valid(), after.valid(), *restrictions,
                  before.verdict[kind[0]], after.verdict[kind[1]])
    variables = office.all_vars()
    for name in facts:
        optimizer.add_soft(same_as(variables[name], base_facts.get(name)), 1, "distance")
    for name in facts:  # then, readable numbers: whole ones where the flip allows
        if variables[name].spec.type == "number":
            optimizer.add_soft(z3.IsInt(variables[name].value), 1, "round")
    answer = optimizer.check()
    seconds = time.perf_counter() - started
    subject = f"{kind[0]} -> {kind[1]}"
    if answer != z3.sat:
        return ProofResult("flip", subject, "unknown",
                           f"a flip of this kind exists, but no minimal office was found within "
                           f"{timeout:g} s", "存在此类变化，但限时内未找到最小示例",
                           seconds=seconds)
    model = optimizer.model()
    found = office.read(model, facts)
    changed = sorted(n for n in facts if _json(found.get(n)) != _json(base_facts.get(n)))
    example = {"id": f"flip-{kind[0].lower()}-to-{kind[1].lower()}", **found}
    old_options = before.options.read(model)
    new_options = after.options.read(model)
    native_old, native_new = natives
    old_verdict = native_old.evaluate(example, old_options)
    new_verdict = native_new.evaluate(example, new_options)
    reproduced = (old_verdict is not None and new_verdict is not None
                  and (old_verdict.outcome, new_verdict.outcome) == kind)
    durable = _durable(natives, example, old_options, new_options, kind)
    details: dict[str, Any] = {"changed_facts": {n: found.get(n) for n in changed},
                               "base_facts": {n: _json(base_facts.get(n)) for n in changed},
                               "shown_facts": changed, "distance": len(changed)}
    causes: list[str] = []
    if old_verdict is not None and new_verdict is not None:
        causes = [c.summary() for c in explain_flip(old_verdict, new_verdict, diff)]
        details["causes"] = causes
        for lang in ("en", "zh"):
            details["explanation_" + lang] = [
                ("old: " if lang == "en" else "旧版：") + _summary(old_verdict, lang),
                ("new: " if lang == "en" else "新版：") + _summary(new_verdict, lang),
                *(("because " if lang == "en" else "原因：") + c for c in causes)]
        details["old_explanation"] = old_verdict.explain("en")
        details["new_explanation"] = new_verdict.explain("en")
    pairs = [f"{n}={found.get(n)!r}" for n in changed]
    shown = ", ".join(pairs) or "the base office itself"
    return ProofResult(
        "flip", subject, "refuted",
        f"{len(changed)} fact(s) away from the base office: {shown}",
        f"与基准司法所相差{len(changed)}项事实：" + ("，".join(pairs) or "即基准司法所本身"),
        office=example, options=None if not all_options else old_options,
        reproduced=reproduced, durable=durable, details=details, seconds=seconds)


def _durable(natives: tuple[Native, Native], office: Mapping[str, Any],
             old_options: Mapping[str, Any], new_options: Mapping[str, Any],
             kind: tuple[str, str]) -> bool | None:
    """Whether the durable backend reproduces the flip (``None`` where it does not run)."""
    try:
        old_verdict = natives[0].evaluate(office, old_options, backend="durable")
        new_verdict = natives[1].evaluate(office, new_options, backend="durable")
    except (BackendUnavailableError, ImportError):
        return None
    except MingxingError:
        return None
    if old_verdict is None or new_verdict is None:
        return False
    return (old_verdict.outcome, new_verdict.outcome) == kind


def _json(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, frozenset | set | tuple | list):
        return sorted(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _summary(verdict: Any, lang: str) -> str:
    """The verdict and the lines of its explanation that say why (not the office header)."""
    lines = [line.strip() for line in verdict.explain(lang).splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else str(verdict.outcome)
