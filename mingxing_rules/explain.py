"""Explanations of verdicts: text, Markdown, HTML and JSON views of the same trace data.

Every sentence comes from a message catalogue (``mingxing_rules/messages/{zh,en}.yaml``),
overridable key by key in a ruleset's top-level ``messages:`` section; code only chooses *which*
message fits a step and fills in its values. A failing criterion reads like

    office floor area 180 m² is below the required 200 m² (四(一)1)
    办公用房面积 180 m²，未达到不低于 200 m² 的标准（四(一)1）

>>> import json
>>> from pathlib import Path
>>> from mingxing_rules import evaluate, load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> office = json.loads(Path("examples/offices/near-miss-floor-area.json").read_text("utf-8"))
>>> verdict = evaluate(office, ruleset)
>>> print(failing_reasons(verdict, "en")[0])
office floor area 180 m² is below the required 200 m² (四(一)1)
>>> print(failing_reasons(verdict, "zh")[0])
办公用房面积 180 m²，未达到不低于 200 m² 的标准（四(一)1）

The views are :func:`render` (``fmt``: ``text``, ``md``, ``html`` or ``json``) and
:func:`trace_html`; :class:`Wording` is the shared vocabulary that gap analysis, what-if and batch
reports use too.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from .engine.trace import Status, Step, Trace
from .language.expr import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ExprSyntaxError,
    Literal,
    Name,
    names_in,
    parse,
)
from .ruleset.model import DerivedSpec, FactSpec, RulesetSpec, Text, Threshold
from .types import Format, Lang

if TYPE_CHECKING:
    from .engine.trace import Reading, Verdict
    from .ruleset.load import Ruleset

__all__ = [
    "FORMATS",
    "HTML_STYLE",
    "LANGUAGES",
    "Wording",
    "failing_reasons",
    "office_label",
    "render",
    "ruleset_spec_of",
    "step_reason",
    "trace_html",
]

LANGUAGES = ("zh", "en")
FORMATS = ("text", "md", "html", "json")

# Units whose numbers are shown scaled when the ruleset is not at hand (a verdict read back from
# JSON): a ratio 0.96 with unit "%" is 96 %.
_SCALE_OF_UNIT = {"%": 100.0, "‰": 1000.0}


# -- the message catalogue -----------------------------------------------------------------------


@functools.cache
def _catalogue(lang: str) -> Mapping[str, str]:
    source = resources.files("mingxing_rules").joinpath("messages", f"{lang}.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict):  # pragma: no cover - the packaged files are mappings
        raise TypeError(f"message catalogue {lang}.yaml is not a mapping")
    return {str(k): str(v) for k, v in data.items()}


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


class _Params(dict[str, Any]):
    """Format parameters that leave an unknown placeholder visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def ruleset_spec_of(verdict: Verdict, ruleset: Ruleset | None = None) -> RulesetSpec | None:
    """The ruleset a verdict was decided under, if it can be found.

    In order: the ``ruleset`` given; the compiled program a lazily built trace still holds; the
    bundled ruleset with the verdict's id and version. ``None`` for a verdict read back from JSON
    whose ruleset is not bundled: explanations then fall back to fact names and plain units.
    """
    if ruleset is not None:
        return ruleset.spec
    program = verdict.trace.program
    if program is not None:
        spec: RulesetSpec = program.spec
        return spec
    from .errors import MingxingError
    from .ruleset.load import bundled_rulesets, load_ruleset

    if verdict.ruleset_id not in bundled_rulesets():
        return None
    try:
        found = load_ruleset(verdict.ruleset_id)
    except MingxingError:  # pragma: no cover - the bundled rulesets load
        return None
    return found.spec if found.version == verdict.ruleset_version else None


class Wording:
    """The vocabulary of one language for one ruleset: messages, fact titles, values with units.

    >>> from mingxing_rules import load_ruleset
    >>> wording = Wording("zh", load_ruleset("star-judicial-office").spec)
    >>> wording.value("mediation_success_rate", 0.96)
    '96%'
    >>> wording.value("staff_count", 7)
    '7 人'
    >>> Wording("en").message("value.true")
    'yes'
    """

    def __init__(self, lang: str = "en", spec: RulesetSpec | None = None) -> None:
        self.lang = _check_lang(lang)
        self.spec = spec
        messages = dict(_catalogue(lang))
        if spec is not None:
            for key, text in spec.messages.items():
                messages[key] = text.get(lang)
        self._messages = messages
        self._facts: dict[str, FactSpec] = {f.name: f for f in spec.facts} if spec else {}
        self._derived: dict[str, DerivedSpec] = {d.name: d for d in spec.derived} if spec else {}
        self._derived_names: frozenset[str] = frozenset(self._derived)

    def knowing(self, trace: Trace) -> Wording:
        """Learn which names are derived values from a trace (for a verdict read back from JSON
        without its ruleset, so that a rate is scaled by its unit and a plain fact is not)."""
        if self.spec is None:
            self._derived_names = frozenset(s.id for s in trace if s.kind == "derived")
        return self

    # messages ------------------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self._messages

    def message(self, key: str, **params: Any) -> str:
        """The message ``key`` with its placeholders filled in."""
        try:
            template = self._messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in the {self.lang} catalogue") from None
        return template.format_map(_Params(params))

    def join(self, items: Iterable[str], how: str = "sep") -> str:
        """Items joined by the language's separator (``sep``), or ``or``/``and`` before the last."""
        parts = list(items)
        if how == "sep" or len(parts) < 2:
            return self.message("list.sep").join(parts)
        head = self.message("list.sep").join(parts[:-1])
        return head + self.message(f"list.{how}") + parts[-1]

    def text(self, text: Text | None, fallback: str = "") -> str:
        return text.get(self.lang) if text is not None else fallback

    def mark(self, status: Status) -> str:
        return self.message(f"mark.{status.value}")

    def status(self, status: Status, kind: str = "criterion") -> str:
        """``met``/``not met`` for criteria, standards and groups; ``yes``/``no`` for rules and
        outcomes (a revocation ground that "is met" reads wrong)."""
        if kind in ("rule", "outcome"):
            return self.message(f"status.rule.{status.value}")
        return self.message(f"status.{status.value}")

    # facts and values ----------------------------------------------------------------------------
    def fact(self, name: str) -> FactSpec | None:
        return self._facts.get(name)

    def derived(self, name: str) -> DerivedSpec | None:
        return self._derived.get(name)

    def fact_title(self, name: str, trace: Trace | None = None) -> str:
        """The title of a fact or derived value (its name when the ruleset is not at hand)."""
        fact = self._facts.get(name)
        if fact is not None:
            return fact.title.get(self.lang)
        derived = self._derived.get(name)
        if derived is not None:
            return derived.title.get(self.lang)
        if trace is not None:
            try:
                step = trace.step(name)
            except KeyError:
                return name
            return self.text(step.title, name)
        return name

    def unit(self, unit: str | None, count: Any = None) -> str:
        if not unit:
            return ""
        if count == 1 and self.has(f"unit.{unit}.one"):
            return self.message(f"unit.{unit}.one")
        if self.has(f"unit.{unit}"):
            return self.message(f"unit.{unit}")
        return " " + unit

    def scale_of(self, name: str, unit: str | None) -> float:
        derived = self._derived.get(name)
        if derived is not None:
            return derived.scale
        if self.spec is None and name in self._derived_names:
            return _SCALE_OF_UNIT.get(unit or "", 1.0)
        return 1.0

    def unit_of(self, name: str, default: str | None = None) -> str | None:
        fact = self._facts.get(name)
        if fact is not None:
            return fact.unit
        derived = self._derived.get(name)
        if derived is not None:
            return derived.unit
        return default

    def choice(self, name: str, value: str) -> str:
        """The title of an enum or set value."""
        fact = self._facts.get(name)
        if fact is not None:
            for choice in fact.values:
                if choice.id == value:
                    return choice.title.get(self.lang)
        return value

    def number(self, name: str, value: float, unit: str | None = None,
               distinct_from: float | None = None) -> str:
        """A number in its display scale and unit; shown precisely enough to differ from
        ``distinct_from`` when it differs (95.999 % is not shown as "96%" next to 96 %)."""
        unit = unit if unit is not None else self.unit_of(name)
        scale = self.scale_of(name, unit)
        shown = _format_number(value * scale if scale != 1 else value)
        if distinct_from is not None and value != distinct_from:
            other = distinct_from * scale if scale != 1 else distinct_from
            digits = 2
            while shown == _format_number(other, digits) and digits < 9:
                digits += 1
                shown = _format_number(value * scale if scale != 1 else value, digits)
        return shown + self.unit(unit, value)

    def value(self, name: str, value: Any, *, unit: str | None = None,
              distinct_from: Any = None) -> str:
        """A fact or derived value as people read it: titles for choices, units for numbers."""
        if value is None:
            return self.message("value.missing")
        if isinstance(value, bool):
            return self.message("value.true" if value else "value.false")
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value) if isinstance(value, set | frozenset) else list(value)
            if not items:
                return self.message("value.none")
            return self.join(self.choice(name, str(v)) for v in items)
        if isinstance(value, int | float):
            other = distinct_from if isinstance(distinct_from, int | float) and not isinstance(
                distinct_from, bool) else None
            return self.number(name, value, unit, other)
        if isinstance(value, str):
            return self.choice(name, value)
        return str(value)

    def reading(self, reading: Reading, trace: Trace | None = None) -> str:
        """``fact value``, with the counts behind a rate (``95.1% (388/408)``)."""
        shown = self.value(reading.name, reading.value, unit=reading.unit)
        if reading.source == "derived" and trace is not None and reading.value is not None:
            shown = self._with_ratio(reading.name, shown, trace)
        return self.message("reads.item", fact=self.fact_title(reading.name, trace), value=shown)

    def value_of(self, name: str, value: Any, trace: Trace | None, unit: str | None = None,
                 distinct_from: Any = None) -> str:
        shown = self.value(name, value, unit=unit, distinct_from=distinct_from)
        if trace is not None and value is not None and (
                name in self._derived or (not self._facts and _is_derived(trace, name))):
            shown = self._with_ratio(name, shown, trace)
        return shown

    def _with_ratio(self, name: str, shown: str, trace: Trace) -> str:
        try:
            step = trace.step(name)
        except KeyError:
            return shown
        parts = ratio_parts(step.condition)
        if parts is None:
            return shown
        values = {r.name: r.value for r in step.reads}
        top, bottom = values.get(parts[0]), values.get(parts[1])
        if top is None or bottom is None:
            return shown
        return self.message("value.ratio", value=shown, numerator=_format_number(top),
                            denominator=_format_number(bottom))

    def reads(self, step: Step, trace: Trace | None = None) -> str:
        return self.message("reads.sep").join(self.reading(r, trace) for r in step.reads)


def _is_derived(trace: Trace, name: str) -> bool:
    try:
        return trace.step(name).kind == "derived"
    except KeyError:
        return False


def _format_number(value: float, digits: int = 2) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    rounded = round(value, digits)
    if float(rounded).is_integer():
        return str(int(rounded))
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


@functools.lru_cache(maxsize=1024)
def _parsed(condition: str) -> Expr | None:
    if not condition:
        return None
    try:
        return parse(condition)
    except ExprSyntaxError:
        return None


def ratio_parts(condition: str) -> tuple[str, str] | None:
    """``(numerator, denominator)`` when a derived value is ``a / b``."""
    from .language.expr import Binary

    tree = _parsed(condition)
    if isinstance(tree, Binary) and tree.op == "/" and isinstance(tree.left, Name) and isinstance(
            tree.right, Name):
        return tree.left.name, tree.right.name
    return None


# -- why a step has its status ---------------------------------------------------------------------


def threshold_holds(threshold: Threshold, value: Any) -> bool | None:
    """Whether ``value`` satisfies ``threshold`` (``None`` when the value is missing)."""
    return threshold.holds(value)


def condition_thresholds(step: Step) -> tuple[Threshold, ...]:
    """The step's thresholds that belong to its condition (not to its ``applies_if``)."""
    tree = _parsed(step.condition)
    if tree is None:
        return step.thresholds
    names = set(names_in(tree))
    return tuple(t for t in step.thresholds if t.fact in names)


def is_disjunction(condition: str) -> bool:
    tree = _parsed(condition)
    return isinstance(tree, BoolOp) and tree.op == "or"


def counted_set(condition: str) -> str | None:
    """The set fact of a ``count(x) == 0`` condition."""
    tree = _parsed(condition)
    if (isinstance(tree, Compare) and tree.ops == ("==",) and isinstance(tree.operands[0], Call)
            and tree.operands[0].func == "count" and len(tree.operands[0].args) == 1
            and isinstance(tree.operands[0].args[0], Name)
            and isinstance(tree.operands[1], Literal) and tree.operands[1].value == 0):
        return tree.operands[0].args[0].name
    return None


def _missing_inputs(step: Step, trace: Trace) -> list[str]:
    """Facts not provided that a step needs, through the derived values it reads."""
    missing: list[str] = []
    for reading in step.reads:
        if reading.value is not None:
            continue
        if reading.source == "fact":
            missing.append(reading.name)
            continue
        try:
            derived = trace.step(reading.name)
        except KeyError:
            continue
        missing.extend(r.name for r in derived.reads if r.value is None and r.source == "fact")
    return list(dict.fromkeys(missing))


def _fail_sentences(step: Step, trace: Trace, w: Wording) -> list[str]:
    clause = step.clause or "—"
    values = {r.name: r for r in step.reads}
    counted = counted_set(step.condition)
    if counted is not None and counted in values and values[counted].value:
        return [w.message("criterion.fail.count_zero", fact=w.fact_title(counted, trace),
                          value=w.value(counted, values[counted].value), clause=clause)]
    violated = [t for t in condition_thresholds(step)
                if t.fact in values and threshold_holds(t, values[t.fact].value) is False]
    if not violated:
        return []
    if is_disjunction(step.condition) and len(violated) > 1:
        facts = {t.fact for t in violated}
        ops = {t.op for t in violated}
        if len(facts) == 1:
            name = violated[0].fact
            options = w.join((w.choice(name, str(t.value)) for t in violated), "or")
            if ops == {"contains"}:
                return [w.message("criterion.fail.contains_any", fact=w.fact_title(name, trace),
                                  options=options, clause=clause)]
            if ops == {"=="}:
                return [w.message("criterion.fail.one_of", fact=w.fact_title(name, trace),
                                  value=w.value(name, values[name].value), options=options,
                                  clause=clause)]
    return [_threshold_sentence(t, values[t.fact], step, trace, w) for t in violated]


def _threshold_sentence(t: Threshold, reading: Reading, step: Step, trace: Trace,
                        w: Wording) -> str:
    clause = step.clause or "—"
    name = t.fact
    fact = w.fact_title(name, trace)
    spec = w.fact(name)
    value = reading.value
    if t.op in (">=", ">", "<=", "<") or (t.op in ("==", "!=") and isinstance(t.value, int | float)
                                          and not isinstance(t.value, bool)):
        shown = w.value_of(name, value, trace, unit=reading.unit, distinct_from=t.value)
        limit = w.value(name, t.value, unit=reading.unit)
        key = "criterion.fail.zero" if t.op == "==" and t.value == 0 else f"criterion.fail.{t.op}"
        return w.message(key, fact=fact, value=shown, threshold=limit, clause=clause)
    if t.op == "==" and isinstance(t.value, bool):
        if t.value:
            finding = spec is not None and spec.type == "finding"
            if finding and reading.evidence:
                return w.message("criterion.fail.finding_evidence", fact=fact,
                                 evidence=reading.evidence, clause=clause)
            key = "criterion.fail.finding" if finding else "criterion.fail.true"
            return w.message(key, fact=fact, clause=clause)
        return w.message("criterion.fail.false", fact=fact, clause=clause)
    if t.op in ("==", "!="):
        return w.message(f"criterion.fail.{t.op}", fact=fact, value=w.value(name, value),
                         threshold=w.value(name, t.value), clause=clause)
    if t.op.startswith("count"):
        if t.op == "count==" and t.value == 0:
            return w.message("criterion.fail.count_zero", fact=fact, value=w.value(name, value),
                             clause=clause)
        return w.message("criterion.fail.count", fact=fact, value=w.value(name, value),
                         count=len(value or ()), op=t.op[len("count"):], threshold=t.value,
                         clause=clause)
    if t.op == "contains_all":
        have = set(value or ())
        missing = [w.choice(name, str(v)) for v in t.value if v not in have]
        return w.message("criterion.fail.contains_all", fact=fact, missing=w.join(missing),
                         clause=clause)
    if t.op == "contains_any":
        options = w.join((w.choice(name, str(v)) for v in t.value), "or")
        return w.message("criterion.fail.contains_any", fact=fact, options=options,
                         clause=clause)
    return w.message(f"criterion.fail.{t.op}", fact=fact, threshold=w.choice(name, str(t.value)),
                     clause=clause)


def step_reason(step: Step, trace: Trace, wording: Wording) -> str:
    """One sentence on a step: why it fails, what is missing, or what it read."""
    w = wording
    clause = step.clause or "—"
    title = w.text(step.title, step.id)
    if step.status is Status.UNKNOWN:
        missing = _missing_inputs(step, trace)
        if missing:
            return w.message("criterion.unknown", title=title, clause=clause,
                             missing=w.join(w.fact_title(m, trace) for m in missing))
        return w.message("criterion.unknown.bare", title=title, clause=clause)
    if step.status is Status.NOT_APPLICABLE:
        return w.message("criterion.not_applicable", title=title, clause=clause,
                         reads=w.reads(step, trace))
    if step.status is Status.PASS:
        if step.reads:
            return w.message("criterion.pass", title=title, clause=clause,
                             reads=w.reads(step, trace))
        return w.message("criterion.pass.bare", title=title, clause=clause)
    sentences = _fail_sentences(step, trace, w)
    if sentences:
        return w.message("reads.sep").join(sentences)
    if step.reads and not step.depends_on:
        return w.message("criterion.fail.generic", title=title, clause=clause,
                         reads=w.reads(step, trace))
    return w.message("criterion.fail.generic_bare", title=title, clause=clause)


def failing_reasons(verdict: Verdict, lang: str = "en", *, ruleset: Ruleset | None = None,
                    ) -> list[str]:
    """One sentence per criterion that is not met, in ruleset (clause) order."""
    w = Wording(lang, ruleset_spec_of(verdict, ruleset)).knowing(verdict.trace)
    return [step_reason(s, verdict.trace, w) for s in verdict.trace.failing()]


# -- the report: one data structure, four views ----------------------------------------------------


@attrs.frozen
class _Line:
    status: Status | None
    text: str
    depth: int = 0


@attrs.frozen
class _StandardRow:
    id: str
    clause: str
    title: str
    status: Status
    group: str


@attrs.frozen
class _Section:
    heading: str
    lines: tuple[str, ...]


@attrs.frozen
class _Report:
    lang: str
    office: str
    outcome: str
    outcome_title: str
    effect: str | None
    outcome_line: str
    ruleset_line: str
    options_line: str
    decision_head: str
    decision: tuple[_Line, ...]
    notes: tuple[str, ...]
    standards_summary: str
    standards: tuple[_StandardRow, ...]
    failing: tuple[_Section, ...]
    unknown: tuple[_Section, ...]
    labels: Mapping[str, str]


def office_label(office_id: str, name: str | None, wording: Wording) -> str:
    """``name (id)``, or the id alone for an office without a name."""
    if name:
        return wording.message("office.label", name=name, id=office_id)
    return office_id


def _outcome_label(step: Step, w: Wording) -> str:
    return w.message("outcome.label", title=w.text(step.title, step.id), outcome=step.id,
                     clause=step.clause or "—")


def _step_line(step: Step, trace: Trace, w: Wording) -> str:
    """A decision step in a chain: its title and what it read (its mark says pass or fail)."""
    title = w.text(step.title, step.id)
    clause = step.clause or "—"
    if step.status is Status.UNKNOWN and not step.depends_on:
        return step_reason(step, trace, w)
    if step.reads:
        return w.message("step.line", title=title, clause=clause, reads=w.reads(step, trace))
    return w.message("step.line.bare", title=title, clause=clause)


def _chain(trace: Trace, step: Step, w: Wording, depth: int, max_depth: int,
           lines: list[_Line]) -> None:
    """The rules a decision step depends on, each with its status and what it read.

    Unknown dependencies of a decided step are left out: in three-valued logic a step that is
    decided did not need them (e.g. the procedure, when direct promotion does not require it).
    """
    for dep_id in step.depends_on:
        try:
            dep = trace.step(dep_id)
        except KeyError:
            continue
        if dep.status is Status.UNKNOWN and step.status in (Status.PASS, Status.FAIL):
            continue
        lines.append(_Line(dep.status, _step_line(dep, trace, w), depth))
        if dep.kind == "rule" and depth < max_depth:
            _chain(trace, dep, w, depth + 1, max_depth, lines)


def _decision(verdict: Verdict, w: Wording) -> tuple[str, list[_Line], list[str]]:
    trace = verdict.trace
    outcomes = [s for s in trace if s.kind == "outcome"]
    spec = w.spec
    lines: list[_Line] = []
    notes: list[str] = []
    outranked = [s for s in outcomes if s.role == "outranked"]
    if outranked:
        notes.append(w.message("decision.outranked", outcomes=w.join(
            _outcome_label(s, w) for s in outranked)))
    if not verdict.decided:
        possible = []
        for outcome_id in verdict.possible_outcomes:
            try:
                step = trace.step(outcome_id)
            except KeyError:
                other = spec.otherwise.title if spec and spec.otherwise.id == outcome_id else None
                possible.append(w.message("outcome.short", title=w.text(other, outcome_id),
                                          outcome=outcome_id))
                continue
            possible.append(w.message("outcome.short", title=w.text(step.title, step.id),
                                      outcome=step.id))
            lines.append(_Line(step.status, _outcome_label(step, w), 0))
            _chain(trace, step, w, 1, 2, lines)
        missing = w.join(f"{w.fact_title(m, trace)} ({m})" for m in verdict.missing_facts)
        head = w.message("decision.undecided", outcomes=w.join(possible, "or"),
                         missing=missing or w.message("value.none"))
        return head, lines, notes
    title = w.text(verdict.outcome_title, verdict.outcome)
    if verdict.outcome not in {s.id for s in outcomes}:
        clause = spec.otherwise.clause if spec else ""
        head = w.message("decision.otherwise", title=title, outcome=verdict.outcome,
                         clause=clause or "—")
        for step in outcomes:
            lines.append(_Line(step.status, _outcome_label(step, w), 0))
            effect = spec.node(step.id).effect if spec else "award"
            if effect == "award":
                _chain(trace, step, w, 1, 2, lines)
        return head, lines, notes
    step = trace.step(verdict.outcome)
    head = w.message("decision.by", title=title, outcome=verdict.outcome,
                     clause=step.clause or "—")
    for reading in step.reads:
        lines.append(_Line(None, w.reading(reading, trace), 0))
    _chain(trace, step, w, 0, 2, lines)
    return head, lines, notes


def _report(verdict: Verdict, lang: str, ruleset: Ruleset | None) -> _Report:
    spec = ruleset_spec_of(verdict, ruleset)
    trace = verdict.trace
    w = Wording(lang, spec).knowing(trace)
    if verdict.decided:
        outcome_title = w.text(verdict.outcome_title, verdict.outcome)
        outcome_line = w.message("verdict.outcome", outcome_title=outcome_title,
                                 outcome=verdict.outcome)
    else:
        outcome_title = w.message("verdict.undecided").split("：")[-1].split(": ")[-1]
        outcome_line = w.message("verdict.undecided")
    ruleset_title = w.text(spec.title, verdict.ruleset_id) if spec else verdict.ruleset_id
    ruleset_line = w.message("verdict.ruleset", ruleset_title=ruleset_title,
                             ruleset=verdict.ruleset_id, version=verdict.ruleset_version)
    options_line = ""
    if spec is not None:
        defaults = {o.name: o.default for o in spec.options}
        changed = [f"{k}={v}" for k, v in verdict.options if defaults.get(k, v) != v]
        if changed:
            options_line = w.message("verdict.options", options=", ".join(changed))
    head, decision, notes = _decision(verdict, w)

    standards = [s for s in trace if s.kind == "standard"]
    met = sum(1 for s in standards if s.status in (Status.PASS, Status.NOT_APPLICABLE))
    summary = w.message("standards.summary", met=met, total=len(standards)) if standards else ""
    rows = tuple(_StandardRow(s.id, s.clause, w.text(s.title, s.id), s.status, s.parent or "")
                 for s in standards)
    failing: list[_Section] = []
    unknown: list[_Section] = []
    by_parent: dict[str | None, list[Step]] = {}
    for step in trace:
        if step.kind == "criterion":
            by_parent.setdefault(step.parent, []).append(step)
    parents: list[str | None] = [s.id for s in standards] or [None]
    orphans = [p for p in by_parent if p not in parents]
    for parent in [*parents, *orphans]:
        criteria = by_parent.get(parent, [])
        heading = parent or ""
        if parent is not None:
            try:
                standard = trace.step(parent)
                heading = f"{standard.clause} {w.text(standard.title, standard.id)}".strip()
            except KeyError:
                pass
        bad = tuple(step_reason(s, trace, w) for s in criteria if s.status is Status.FAIL)
        open_ = tuple(step_reason(s, trace, w) for s in criteria if s.status is Status.UNKNOWN)
        if bad:
            failing.append(_Section(heading, bad))
        if open_:
            unknown.append(_Section(heading, open_))
    labels = {key: w.message(key) for key in (
        "decision.heading", "standards.heading", "standards.failing", "standards.unknown",
        "standards.table.clause", "standards.table.standard", "standards.table.result",
        "standards.none_failing", "trace.heading", "html.outcome_label", "punct.colon")}
    labels.update({f"status.{s.value}": w.status(s) for s in Status})
    labels.update({f"mark.{s.value}": w.mark(s) for s in Status})
    return _Report(
        lang=lang,
        office=w.message("verdict.office", office=office_label(verdict.office_id,
                                                                 verdict.office_name, w)),
        outcome=verdict.outcome,
        outcome_title=outcome_title,
        effect=verdict.effect,
        outcome_line=outcome_line,
        ruleset_line=ruleset_line,
        options_line=options_line,
        decision_head=head,
        decision=tuple(decision),
        notes=tuple(notes),
        standards_summary=summary,
        standards=rows,
        failing=tuple(failing),
        unknown=tuple(unknown),
        labels=labels,
    )


def _mark(report: _Report, status: Status | None) -> str:
    return report.labels[f"mark.{status.value}"] if status is not None else "·"


def _text(report: _Report) -> str:
    out = [report.office, report.outcome_line, report.ruleset_line]
    if report.options_line:
        out.append(report.options_line)
    out += ["", report.labels["decision.heading"], f"  {report.decision_head}"]
    out += [f"  {'  ' * line.depth}{_mark(report, line.status)} {line.text}"
            for line in report.decision]
    out += [f"  {note}" for note in report.notes]
    if report.standards:
        out += ["", report.labels["standards.heading"], f"  {report.standards_summary}"]
    for label, sections in (("standards.failing", report.failing),
                            ("standards.unknown", report.unknown)):
        if not sections:
            continue
        out.append(f"  {report.labels[label]}{report.labels['punct.colon']}")
        for section in sections:
            out.append(f"    {section.heading}")
            mark = _mark(report, Status.FAIL if label == "standards.failing" else Status.UNKNOWN)
            out += [f"      {mark} {line}" for line in section.lines]
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    # `_` is left alone: inside words (NOT_ELIGIBLE) it never starts emphasis in CommonMark
    return re.sub(r"([\\`*|<\[\]])", r"\\\1", text)


def _markdown(report: _Report) -> str:
    e = _md_escape
    out = [f"### {e(report.office)}", "", f"**{e(report.outcome_line)}**", "",
           e(report.ruleset_line) + ("  " if report.options_line else "")]
    if report.options_line:
        out.append(e(report.options_line))
    out += ["", f"#### {e(report.labels['decision.heading'])}", "", e(report.decision_head), ""]
    out += [f"{'  ' * line.depth}- {_mark(report, line.status)} {e(line.text)}"
            for line in report.decision]
    if report.notes:
        out += ["", *(e(note) for note in report.notes)]
    if report.standards:
        out += ["", f"#### {e(report.labels['standards.heading'])}", "",
                e(report.standards_summary), "",
                f"| {e(report.labels['standards.table.clause'])} "
                f"| {e(report.labels['standards.table.standard'])} "
                f"| {e(report.labels['standards.table.result'])} |",
                "|---|---|---|"]
        out += [f"| {e(row.clause)} | {e(row.title)} | {_mark(report, row.status)} "
                f"{e(report.labels['status.' + row.status.value])} |" for row in report.standards]
    for label, sections in (("standards.failing", report.failing),
                            ("standards.unknown", report.unknown)):
        if not sections:
            continue
        out += ["", f"#### {e(report.labels[label])}", ""]
        for section in sections:
            out.append(f"- **{e(section.heading)}**")
            out += [f"  - {e(line)}" for line in section.lines]
    return "\n".join(out) + "\n"


HTML_STYLE = """<style>
.mx{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;font-size:13px;line-height:1.45;color:#1f2328;background:#fff;
max-width:900px;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:4px 0}
.mx h4{margin:12px 0 4px;font-size:13px;font-weight:700;color:#424a53}
.mx .mx-head{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.mx .mx-badge{font:600 12px ui-monospace,SFMono-Regular,Menlo,monospace;padding:2px 8px;
border-radius:12px;color:#fff;background:#6e7781}
.mx.mx-award .mx-badge{background:#1a7f37}.mx.mx-revoke .mx-badge{background:#cf222e}
.mx.mx-none .mx-badge{background:#9a6700}.mx.mx-undecided .mx-badge{background:#0969da}
.mx .mx-outcome{font-size:16px;font-weight:600}
.mx .mx-meta{color:#57606a;margin-top:2px}
.mx ul{margin:2px 0;padding-left:20px}.mx li{margin:1px 0}
.mx ul.mx-tree{list-style:none;padding-left:4px}.mx ul.mx-tree ul{list-style:none}
.mx .mx-m{display:inline-block;width:1.3em;text-align:center;font-weight:700}
.mx .mx-pass{color:#1a7f37}.mx .mx-fail{color:#cf222e}.mx .mx-unknown{color:#0969da}
.mx .mx-not_applicable{color:#6e7781}
.mx .mx-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:4px}
.mx .mx-cell{border-radius:4px;padding:3px 6px;font-size:12px;border:1px solid #d0d7de}
.mx .mx-cell.mx-c-pass{background:#dafbe1;border-color:#aceebb}
.mx .mx-cell.mx-c-fail{background:#ffebe9;border-color:#ff8182;font-weight:600}
.mx .mx-cell.mx-c-unknown{background:#ddf4ff;border-color:#80ccff}
.mx .mx-cell.mx-c-not_applicable{background:#f6f8fa}
.mx table{border-collapse:collapse;font-size:12px;margin-top:4px}
.mx th,.mx td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
.mx th{background:#f6f8fa;position:sticky;top:0;z-index:1}
.mx details{margin-top:8px}.mx summary{cursor:pointer;color:#0969da}
.mx .mx-scroll{max-height:480px;overflow:auto}
.mx td.mx-c-pass{background:#dafbe1;color:#1a7f37;text-align:center}
.mx td.mx-c-fail{background:#ffebe9;color:#cf222e;text-align:center;font-weight:700}
.mx td.mx-c-unknown{background:#ddf4ff;color:#0969da;text-align:center}
.mx td.mx-c-not_applicable{background:#f6f8fa;color:#6e7781;text-align:center}
.mx code{font-size:12px}
.mx .mx-note{margin:4px 0;padding:4px 8px;background:#fff8c5;border-left:3px solid #d4a72c}
.mx table.mx-gap{width:100%;margin-top:8px}
.mx table.mx-trace td:nth-child(5){min-width:10em}.mx table.mx-trace td:nth-child(6){min-width:8em}
.mx table.mx-trace td:nth-child(3){white-space:nowrap}
.mx table.mx-trace td:nth-child(7) code{word-break:break-word}
.mx tr.mx-group th{background:#eaeef2;position:static;font-size:12px}
.mx td.mx-delta{font-weight:700;white-space:nowrap}
.mx table.mx-matrix td,.mx table.mx-matrix th{padding:1px 4px;white-space:nowrap}
.mx table.mx-matrix th{text-align:center;min-width:18px}
.mx .mx-v{font:600 11px ui-monospace,SFMono-Regular,Menlo,monospace;padding:0 5px;
border-radius:8px;color:#fff;background:#6e7781}
.mx .mx-v-award{background:#1a7f37}.mx .mx-v-revoke{background:#cf222e}
.mx .mx-v-none{background:#9a6700}.mx .mx-v-undecided{background:#0969da}
</style>"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_tree(report: _Report) -> str:
    out: list[str] = ['<ul class="mx-tree">']
    depth = 0
    for index, line in enumerate(report.decision):
        while depth < line.depth:
            out.append("<ul>")
            depth += 1
        while depth > line.depth:
            out.append("</ul></li>")
            depth -= 1
        css = f"mx-{line.status.value}" if line.status else ""
        nxt = report.decision[index + 1].depth if index + 1 < len(report.decision) else 0
        close = "" if nxt > line.depth else "</li>"
        out.append(f'<li><span class="mx-m {css}">{_h(_mark(report, line.status))}</span>'
                   f"{_h(line.text)}{close}")
    while depth > 0:
        out.append("</ul></li>")
        depth -= 1
    out.append("</ul>")
    return "".join(out)


def _html(report: _Report, trace: Trace, spec: RulesetSpec | None) -> str:
    effect = report.effect or "undecided"
    parts = [HTML_STYLE,
             f'<div class="mx mx-{_h(effect)}" lang="{report.lang}">',
             '<div class="mx-head">'
             f'<span class="mx-badge" title="{_h(report.labels["html.outcome_label"])}">'
             f"{_h(report.outcome)}</span>"
             f'<span class="mx-outcome">{_h(report.outcome_title)}</span></div>',
             f'<div class="mx-meta">{_h(report.office)}<br>{_h(report.ruleset_line)}'
             + (f"<br>{_h(report.options_line)}" if report.options_line else "") + "</div>",
             f"<h4>{_h(report.labels['decision.heading'])}</h4>",
             f"<div>{_h(report.decision_head)}</div>",
             _html_tree(report)]
    if report.notes:
        parts += [f"<div>{_h(note)}</div>" for note in report.notes]
    if report.standards:
        parts += [f"<h4>{_h(report.labels['standards.heading'])}</h4>",
                  f"<div>{_h(report.standards_summary)}</div>", '<div class="mx-grid">']
        for row in report.standards:
            status = report.labels[f"status.{row.status.value}"]
            parts.append(f'<div class="mx-cell mx-c-{row.status.value}" '
                         f'title="{_h(row.title)}: {_h(status)}">'
                         f'<span class="mx-m mx-{row.status.value}">'
                         f"{_h(_mark(report, row.status))}</span>{_h(row.clause)} "
                         f"{_h(row.title)}</div>")
        parts.append("</div>")
    for label, sections, status in (("standards.failing", report.failing, Status.FAIL),
                                    ("standards.unknown", report.unknown, Status.UNKNOWN)):
        if not sections:
            continue
        parts.append(f"<h4>{_h(report.labels[label])}</h4><ul>")
        for section in sections:
            parts.append(f"<li><b>{_h(section.heading)}</b><ul>")
            parts += [f'<li><span class="mx-m mx-{status.value}">'
                      f"{_h(_mark(report, status))}</span>{_h(line)}</li>"
                      for line in section.lines]
            parts.append("</ul></li>")
        parts.append("</ul>")
    parts.append(f"<details><summary>{_h(report.labels['trace.heading'])}</summary>"
                 f"{_trace_table(trace, Wording(report.lang, spec).knowing(trace))}</details>")
    parts.append("</div>")
    return "".join(parts)


def _trace_table(trace: Trace, w: Wording) -> str:
    head = "".join(f"<th>{_h(w.message('trace.column.' + c))}</th>" for c in (
        "status", "kind", "step", "clause", "title", "values", "condition"))
    rows = [f'<div class="mx-scroll"><table class="mx-trace"><thead><tr>{head}</tr></thead>'
            "<tbody>"]
    for step in trace:
        if step.kind == "derived":
            value = w.value_of(step.id, step.value, trace) if step.value is not None else ""
            values = f"= {value}" if value else ""
        else:
            values = w.reads(step, trace)
        rows.append(
            f'<tr><td class="mx-c-{step.status.value}" '
            f'title="{_h(w.status(step.status, step.kind))}">'
            f"{_h(w.mark(step.status))}</td><td>{_h(step.kind)}</td>"
            f"<td><code>{_h(step.id)}</code></td><td>{_h(step.clause)}</td>"
            f"<td>{_h(w.text(step.title, step.id))}</td><td>{_h(values)}</td>"
            f"<td><code>{_h(step.condition)}</code></td></tr>")
    rows.append("</tbody></table></div>")
    return "".join(rows)


def trace_html(trace: Trace, lang: str = "en") -> str:
    """The whole trace as an HTML table (``Trace._repr_html_``)."""
    program = trace.program
    spec = program.spec if program is not None else None
    w = Wording(lang, spec).knowing(trace)
    return f'{HTML_STYLE}<div class="mx" lang="{lang}">{_trace_table(trace, w)}</div>'


def render(verdict: Verdict, lang: Lang = "en", fmt: Format = "text", *,
           ruleset: Ruleset | None = None) -> str:
    """A readable explanation of ``verdict``.

    ``lang``: ``zh`` or ``en``. ``fmt``: ``text`` (terminal), ``md`` (Markdown), ``html`` (a
    self-contained verdict card, as shown in notebooks) or ``json`` (the versioned verdict format
    ``mingxing-verdict/1``, see ``docs/verdict-format.md``; the same in both languages, which it
    carries side by side). ``ruleset`` is only needed for verdicts read back from JSON whose
    ruleset is not bundled (for fact titles and units).
    """
    _check_lang(lang)
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "json":
        return verdict.to_json(full=True, indent=2) + "\n"
    report = _report(verdict, lang, ruleset)
    if fmt == "text":
        return _text(report)
    if fmt == "md":
        return _markdown(report)
    return _html(report, verdict.trace, ruleset_spec_of(verdict, ruleset))
