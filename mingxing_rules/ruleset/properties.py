"""The ``properties:`` section of a ruleset: what its authors claim for every office.

A property is checked by the prover (:mod:`mingxing_rules.proofs`, ``mingxing prove``), never
by evaluation. Two kinds (the format is in docs/proofs.md)::

    properties:
      - id: more_floor_area_keeps_the_title
        clause: 四(一)1
        title: {zh: 面积增加不会失去结论, en: more floor area never loses the verdict}
        monotone: {floor_area_m2: up}           # facts moved up or down, all else equal
        keeps: [STAR, RETAINED, DIRECT_PROMOTION]
      - id: revocation_outranks_promotion
        clause: 五
        title: {zh: 摘牌优先于晋级, en: revocation outranks promotion}
        when: revocation_grounds                  # a condition, like a rule's
        outcome_in: [REVOKED, REVOCATION_RECOMMENDED]

This module validates the section (every problem with ``file:line``, codes ``R5xx``) for
:func:`mingxing_rules.ruleset.validate.check_document`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import Location
from ..language import typecheck as _types
from ..language.expr import ExprSyntaxError, parse
from .model import FactSpec, OptionSpec, PropertySpec, Text
from .source import child_path
from .values import option_value_problem

__all__ = ["PROPERTY_KEYS", "read_properties"]

PROPERTY_KEYS = ("id", "clause", "quote", "title", "description", "monotone", "same_step",
                 "keeps", "when", "outcome_in", "outcome_not_in", "options")
_DIRECTIONS = ("up", "down")

Report = Callable[..., None]  # (code, path, message, rule_id=None, token=None)


def read_properties(raw: Any, report: Report, locate: Callable[[str, str | None], Location],
                    symbols: Mapping[str, Any], outcomes: Sequence[str],
                    facts: Sequence[FactSpec], options: Sequence[OptionSpec]
                    ) -> tuple[PropertySpec, ...]:
    """Validate the ``properties:`` list; report problems through ``report`` (the validator's
    collector) and return the properties that are valid."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        report("R102", "properties", "expected a list of properties")
        return ()
    fact_specs = {f.name: f for f in facts}
    option_specs = {o.name: o for o in options}
    found: list[PropertySpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = child_path("properties", index)
        made = _property(item, path, report, locate, symbols, outcomes, fact_specs,
                         option_specs)
        if made is None:
            continue
        if made.id in seen:
            report("R201", child_path(path, "id"), f"property {made.id!r} is declared twice",
                   made.id, made.id)
            continue
        seen.add(made.id)
        found.append(made)
    return tuple(found)


def _property(item: Any, path: str, report: Report,
              locate: Callable[[str, str | None], Location], symbols: Mapping[str, Any],
              outcomes: Sequence[str], facts: Mapping[str, FactSpec],
              options: Mapping[str, OptionSpec]) -> PropertySpec | None:
    if not isinstance(item, dict):
        report("R102", path, "expected a mapping (a property)")
        return None
    pid = item.get("id")
    label = pid if isinstance(pid, str) else None
    for key in item:
        if key not in PROPERTY_KEYS:
            hint = _types.suggest(str(key), PROPERTY_KEYS)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            report("R101", child_path(path, key), f"unknown key {key!r}{extra}; allowed: "
                   + ", ".join(PROPERTY_KEYS), label, str(key))
    problems_before = _Counter(report)
    report = problems_before
    if not isinstance(pid, str) or not pid.replace("_", "").isalnum() or not pid[:1].islower():
        report("R106", child_path(path, "id"), "property id must be lower_snake_case", label)
    clause = item.get("clause")
    if not isinstance(clause, str | int) or isinstance(clause, bool) or not str(clause).strip():
        report("R301", path, f"property {label} has no 'clause' (citation required)", label,
               "clause")
    title = item.get("title")
    if not (isinstance(title, dict) and set(title) == {"zh", "en"}
            and all(isinstance(v, str) and v.strip() for v in title.values())):
        report("R104", child_path(path, "title"), "expected a bilingual text {zh: ..., en: ...}"
               " with both texts non-empty", label)
        title = None
    monotone = "monotone" in item
    invariant = any(k in item for k in ("when", "outcome_in", "outcome_not_in"))
    if monotone == invariant:
        report("R501", path, "a property states either 'monotone' (with 'keeps') or "
               "'when' with 'outcome_in' / 'outcome_not_in'", label)
        return None
    changes: list[tuple[str, str]] = []
    keeps: tuple[str, ...] = ()
    when = None
    when_text = ""
    outcome_in: tuple[str, ...] = ()
    outcome_not_in: tuple[str, ...] = ()
    if monotone:
        raw_changes = item.get("monotone")
        if not isinstance(raw_changes, dict) or not raw_changes:
            report("R102", child_path(path, "monotone"),
                   "expected a mapping of facts to 'up' or 'down'", label)
        else:
            for fact, direction in raw_changes.items():
                where = child_path(child_path(path, "monotone"), fact)
                spec = facts.get(fact)
                if spec is None:
                    hint = _types.suggest(str(fact), facts)
                    extra = f" (did you mean {hint!r}?)" if hint else ""
                    report("R502", where, f"unknown fact {fact!r}{extra}", label, str(fact))
                elif spec.type not in ("number", "integer"):
                    report("R502", where, f"fact {fact!r} is a {spec.type}; monotonicity is "
                           "about numbers", label, str(fact))
                if direction not in _DIRECTIONS:
                    report("R102", where, f"direction {direction!r}: expected 'up' or 'down'",
                           label)
                changes.append((str(fact), str(direction)))
        keeps = _outcomes(item.get("keeps"), child_path(path, "keeps"), report, label, outcomes,
                          required=True)
        if "same_step" in item and not isinstance(item["same_step"], bool):
            report("R102", child_path(path, "same_step"), "expected true or false", label)
    else:
        text = item.get("when", "true")
        if isinstance(text, bool):
            text = "true" if text else "false"
        if not isinstance(text, str) or not text.strip():
            report("R102", child_path(path, "when"), "expected a condition", label)
        else:
            when_text = text
            try:
                when = parse(text)
            except ExprSyntaxError as exc:
                report("E101", child_path(path, "when"),
                       f"{exc.message} (at character {exc.pos + 1})", label, exc.token)
            if when is not None:
                for problem in _types.check(when, symbols, _types.BOOLEAN):
                    report(problem.code, child_path(path, "when"),
                           f"{problem.message} (at character {problem.pos + 1})", label,
                           problem.token)
        outcome_in = _outcomes(item.get("outcome_in"), child_path(path, "outcome_in"), report,
                               label, outcomes, required=False)
        outcome_not_in = _outcomes(item.get("outcome_not_in"),
                                   child_path(path, "outcome_not_in"), report, label, outcomes,
                                   required=False)
        if not outcome_in and not outcome_not_in:
            report("R501", path, "an invariant needs 'outcome_in' or 'outcome_not_in'", label)
    fixed = _options(item.get("options"), child_path(path, "options"), report, label, options)
    if problems_before.count or title is None:
        return None
    return PropertySpec(
        id=str(pid), kind="monotone" if monotone else "invariant",
        title=Text(zh=title["zh"], en=title["en"]), clause=str(clause),
        quote=str(item.get("quote") or ""), changes=tuple(changes),
        same_step=bool(item.get("same_step", False)), keeps=keeps, when=when,
        when_text=when_text, outcome_in=outcome_in, outcome_not_in=outcome_not_in,
        options=fixed, location=locate(path, str(pid)))


class _Counter:
    """Counts the problems reported for one property (a property with problems is dropped)."""

    def __init__(self, report: Report) -> None:
        self.report, self.count = report, 0

    def __call__(self, *args: Any) -> None:
        self.count += 1
        self.report(*args)


def _outcomes(raw: Any, path: str, report: Report, label: str | None,
              outcomes: Sequence[str], *, required: bool) -> tuple[str, ...]:
    if raw is None:
        if required:
            report("R103", path, "missing required list of outcomes", label)
        return ()
    if not isinstance(raw, list) or not raw:
        report("R102", path, "expected a non-empty list of outcome ids", label)
        return ()
    allowed = [*outcomes, "UNDECIDED"]
    for name in raw:
        if name not in allowed:
            hint = _types.suggest(str(name), allowed)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            report("R503", path, f"unknown outcome {name!r}{extra}; outcomes: "
                   + ", ".join(allowed), label, str(name))
    return tuple(str(n) for n in raw)


def _options(raw: Any, path: str, report: Report, label: str | None,
             options: Mapping[str, OptionSpec]) -> tuple[tuple[str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        report("R102", path, "expected a mapping of option names to values", label)
        return ()
    fixed: list[tuple[str, Any]] = []
    for name, value in raw.items():
        spec = options.get(name)
        if spec is None:
            report("R401", child_path(path, name), f"unknown option {name!r}", label, str(name))
            continue
        problem = option_value_problem(spec.type, spec.values, spec.minimum, spec.maximum,
                                       value)
        if problem:
            report("R402", child_path(path, name), f"option {name}={value!r}: {problem}", label)
            continue
        fixed.append((str(name), value))
    return tuple(fixed)
