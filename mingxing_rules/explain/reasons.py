"""Why a step has its status: the sentence for a failing criterion, and the part of a rule's
condition that actually decided it.

A rule such as ``holds_promotion_title and (not incident_blocks_promotion or not major_problem)``
fails for an office without a title *because it has no title*; the reason shown is that conjunct,
not every value the rule read. :func:`deciding_parts` finds those parts (three-valued, from the
trace's readings, the statuses of the steps it depends on and the verdict's options);
:func:`decided_by` words them. Marks follow the office's interest (:func:`adverse_steps`): a
ground for revocation that holds is marked ✗, never ✓.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs

from ..engine.trace import Status, Step, Trace
from ..language.expr import (
    Binary,
    BoolOp,
    Call,
    Compare,
    Expr,
    Implies,
    ListExpr,
    Literal,
    Membership,
    Name,
    Quantifier,
    Unary,
    names_in,
)
from ..language.visitor import ExprVisitor
from ..ruleset.model import RulesetSpec, Threshold
from .wording import Wording, plan_of, ruleset_spec_of

if TYPE_CHECKING:
    from ..engine.trace import Reading, Verdict
    from ..ruleset.load import Ruleset

__all__ = [
    "Part",
    "adverse_steps",
    "condition_thresholds",
    "decided_by",
    "deciding_parts",
    "expression_value",
    "failing_reasons",
    "mark_status",
    "missing_inputs",
    "numeric_fail_key",
    "part_name",
    "part_phrase",
    "request_for",
    "said_by_reasons",
    "shown_status",
    "step_reason",
    "threshold_holds",
]


def threshold_holds(threshold: Threshold, value: Any) -> bool | None:
    """Whether ``value`` satisfies ``threshold`` (``None`` when the value is missing)."""
    return threshold.holds(value)


def condition_thresholds(step: Step, w: Wording) -> tuple[Threshold, ...]:
    """The thresholds of the step's ``condition`` (not of its ``applies_if``), from the plan;
    the trace's thresholds when the plan is not known."""
    node = w.node(step.id)
    return node.condition_thresholds if node is not None else step.thresholds


def missing_inputs(step: Step, trace: Trace) -> list[str]:
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


def request_for(name: str, w: Wording, trace: Trace | None = None) -> str:
    """What to ask for when a fact is missing: a finding for a yes/no fact (请补充“是否发生重大
    问题”的认定, never a request for the problem itself), the figure otherwise."""
    fact = w.fact(name)
    title = w.fact_title(name, trace)
    if fact is not None and fact.type in ("boolean", "finding"):
        if w.lang == "zh":  # quotes inside quotes become single quotes
            title = title.replace("“", "‘").replace("”", "’")
        return w.message("request.finding", fact=title)
    return w.message("request.value", fact=title)


# -- the sentence of a failing criterion -----------------------------------------------------------


def _fail_sentences(step: Step, trace: Trace, w: Wording, clause: str | None) -> list[str]:
    values = {r.name: r for r in step.reads}
    node = w.node(step.id)
    counted = node.counted_set if node is not None else None
    if counted is not None and counted in values and values[counted].value:
        return [w.message(_with_clause("criterion.fail.count_zero", clause),
                          fact=w.fact_title(counted, trace),
                          value=w.value(counted, values[counted].value), clause=clause)]
    violated = [t for t in condition_thresholds(step, w)
                if t.fact in values and threshold_holds(t, values[t.fact].value) is False]
    if not violated:
        return []
    if node is not None and node.disjunction and len(violated) > 1:
        facts = {t.fact for t in violated}
        ops = {t.op for t in violated}
        if len(facts) == 1:
            name = violated[0].fact
            options = w.join((w.choice(name, str(t.value)) for t in violated), "or")
            if ops == {"contains"}:
                return [w.message(_with_clause("criterion.fail.contains_any", clause),
                                  fact=w.fact_title(name, trace), options=options, clause=clause)]
            if ops == {"=="}:
                return [w.message(_with_clause("criterion.fail.one_of", clause),
                                  fact=w.fact_title(name, trace),
                                  value=w.value(name, values[name].value), options=options,
                                  clause=clause)]
    return [threshold_sentence(t, values[t.fact], trace, w, clause) for t in violated]


def _with_clause(key: str, clause: str | None) -> str:
    """Message keys come in two forms: with the clause cited at the end, and bare (``.bare``)
    for use inside a longer sentence that cites it once."""
    return key if clause is not None else key + ".bare"


def numeric_fail_key(t: Threshold) -> str | None:
    """The message of a numeric comparison not met (the value said with its unit against the
    limit), or ``None`` when ``t`` is no numeric comparison."""
    numeric = isinstance(t.value, int | float) and not isinstance(t.value, bool)
    if t.op in (">=", ">", "<=", "<") or (t.op in ("==", "!=") and numeric):
        return ("criterion.fail.zero" if t.op == "==" and t.value == 0
                else f"criterion.fail.{t.op}")
    return None


def threshold_sentence(t: Threshold, reading: Reading, trace: Trace | None, w: Wording,
                       clause: str | None) -> str:
    """The sentence of a threshold that is not met: the fact, its value, the limit (and the
    clause, unless ``clause`` is ``None``)."""
    name = t.fact
    fact = w.fact_title(name, trace)
    spec = w.fact(name)
    value = reading.value

    def say(key: str, **params: Any) -> str:
        return w.message(_with_clause(key, clause), fact=fact, clause=clause, **params)

    key = numeric_fail_key(t)
    if key is not None:
        shown = w.value_of(name, value, trace, unit=reading.unit, distinct_from=t.value)
        limit = w.value(name, t.value, unit=reading.unit)
        return say(key, value=shown, threshold=limit)
    if t.op == "==" and isinstance(t.value, bool):
        if t.value:
            finding = spec is not None and spec.type == "finding"
            if finding and reading.evidence:
                return say("criterion.fail.finding_evidence", evidence=reading.evidence)
            return say("criterion.fail.finding" if finding else "criterion.fail.true")
        return say("criterion.fail.false")
    if t.op in ("==", "!="):
        return say(f"criterion.fail.{t.op}", value=w.value(name, value),
                   threshold=w.value(name, t.value))
    if t.op.startswith("count"):
        if t.op == "count==" and t.value == 0:
            return say("criterion.fail.count_zero", value=w.value(name, value))
        return say("criterion.fail.count", value=w.value(name, value), count=len(value or ()),
                   op=w.message(f"op.{t.op[len('count'):]}"), threshold=t.value)
    if t.op == "contains_all":
        have = set(value or ())
        missing = [w.choice(name, str(v)) for v in t.value if v not in have]
        return say("criterion.fail.contains_all", missing=w.join(missing))
    if t.op == "contains_any":
        return say("criterion.fail.contains_any",
                   options=w.join((w.choice(name, str(v)) for v in t.value), "or"))
    return say(f"criterion.fail.{t.op}", threshold=w.choice(name, str(t.value)))


def step_reason(step: Step, trace: Trace, wording: Wording) -> str:
    """One sentence on a step: why it fails, what is missing, or what it read."""
    w = wording
    clause = w.clause(step.clause)
    title = w.text(step.title, step.id)
    if step.status is Status.UNKNOWN:
        missing = missing_inputs(step, trace)
        if missing:
            return w.message("criterion.unknown", title=title, clause=clause,
                             missing=w.join(request_for(m, w, trace) for m in missing))
        return w.message("criterion.unknown.bare", title=title, clause=clause)
    if step.status is Status.NOT_APPLICABLE:
        return w.message("criterion.not_applicable", title=title, clause=clause,
                         reads=w.reads(step, trace))
    if step.status is Status.PASS:
        if step.reads:
            return w.message("criterion.pass", title=title, clause=clause,
                             reads=w.reads(step, trace))
        return w.message("criterion.pass.bare", title=title, clause=clause)
    sentences = _fail_sentences(step, trace, w, clause)
    if sentences:
        return w.message("reads.sep").join(sentences)
    if step.reads and not step.depends_on:
        return w.message("criterion.fail.generic", title=title, clause=clause,
                         reads=w.reads(step, trace))
    return w.message("criterion.fail.generic_bare", title=title, clause=clause)


def failing_reasons(verdict: Verdict, lang: str = "en", *, ruleset: Ruleset | None = None,
                    ) -> list[str]:
    """One sentence per criterion that is not met, in ruleset (clause) order."""
    w = Wording.shared(lang, ruleset_spec_of(verdict, ruleset), plan_of(verdict, ruleset)).knowing(
        verdict.trace)
    return [step_reason(s, verdict.trace, w) for s in verdict.trace.failing()]


# -- what decided a rule ---------------------------------------------------------------------------


class _NotComputableError(Exception):
    pass


def expression_value(node: Expr, values: Mapping[str, Any]) -> Any:
    """The value of an arithmetic or date expression (the side of a comparison that is not a
    fact); raises :class:`ValueError` when it cannot be computed from ``values``."""
    try:
        return _value(node, values)
    except _NotComputableError as exc:
        raise ValueError(str(exc)) from None


def _value(node: Expr, values: Mapping[str, Any]) -> Any:
    return _ValueOf(values).visit(node)


class _ValueOf(ExprVisitor[Any]):
    """The value of an arithmetic or date expression from the values a step read (the
    explanation's side of a comparison); :class:`_NotComputableError` when it has none."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def generic_visit(self, node: Expr) -> Any:
        raise _NotComputableError(type(node).__name__)

    def visit_Literal(self, node: Literal) -> Any:
        return node.value

    def visit_ListExpr(self, node: ListExpr) -> Any:
        return [self.visit(item) for item in node.items]

    def visit_Name(self, node: Name) -> Any:
        value = self.values.get(node.name)
        if value is None:
            raise _NotComputableError(node.name)
        return value

    def visit_Unary(self, node: Unary) -> Any:
        if node.op != "-":
            return self.generic_visit(node)
        return -self.visit(node.operand)

    def visit_Binary(self, node: Binary) -> Any:
        if node.op not in ("+", "-", "*"):
            return self.generic_visit(node)
        left, right = self.visit(node.left), self.visit(node.right)
        return left + right if node.op == "+" else left - right if node.op == "-" else (
            left * right)

    def visit_Call(self, node: Call) -> Any:
        args = [self.visit(a) for a in node.args]
        try:
            if node.func == "date" and len(args) == 1 and isinstance(args[0], str):
                return dt.date.fromisoformat(args[0])
            if node.func == "date" and len(args) == 3:
                return dt.date(int(args[0]), int(args[1]), int(args[2]))
        except (TypeError, ValueError) as exc:
            raise _NotComputableError(node.func) from exc
        if node.func in ("year", "month", "day") and len(args) == 1 and isinstance(
                args[0], dt.date):
            return getattr(args[0], node.func)
        return self.generic_visit(node)


@attrs.frozen
class Part:
    """A part of a condition that decided a step: a step it depends on, a fact or option it
    read, or a comparison; ``value`` is its truth (``None``: unknown)."""

    node: Expr
    value: bool | None


_UNSEEN = object()


class _ReadLazily(Mapping[str, Any]):
    """The values a step read (JSON form) and the options, each read of the office only when
    asked for: which parts decided a rule may need a few of the facts it reads."""

    def __init__(self, step: Step, options: Mapping[str, Any]) -> None:
        self._step = step
        self._options = options
        self._names = frozenset(step.read_names)
        self._read: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._names:
            try:
                return self._read[name]
            except KeyError:
                reading = self._step.reading(name)
                value = self._read[name] = reading.value if reading is not None else None
                return value
        return self._options[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names or name in self._options

    def __iter__(self) -> Iterator[str]:
        return iter(self._names | set(self._options))

    def __len__(self) -> int:
        return len(self._names | set(self._options))


class _Decider(ExprVisitor["bool | None"]):
    """Three-valued truth of the parts of one step's condition, from what the trace recorded:
    the connectives here, each leaf by :class:`_LeafTruth`."""

    def __init__(self, step: Step, trace: Trace, options: Mapping[str, Any],
                 thresholds: tuple[Threshold, ...]) -> None:
        self.step = step
        self.trace = trace
        self.options = options
        self.thresholds = thresholds
        self.values = _ReadLazily(step, options)
        self.leaf = _LeafTruth(self).visit
        # parts are asked their truth again by the parts around them: each is worked out once
        self._truths: dict[int, bool | None] = {}

    def step_truth(self, name: str) -> bool | str | None:
        try:
            dep = self.trace.step(name)
        except KeyError:
            return "absent"
        if dep.kind == "derived":
            return "absent"
        return {Status.PASS: True, Status.NOT_APPLICABLE: True, Status.FAIL: False}.get(
            dep.status)

    def truth(self, node: Expr) -> bool | None:
        found = self._truths.get(id(node), _UNSEEN)
        if found is _UNSEEN:
            found = self._truths[id(node)] = self.visit(node)
        return cast("bool | None", found)

    def generic_visit(self, node: Expr) -> bool | None:
        return self.leaf(node)

    def visit_BoolOp(self, node: BoolOp) -> bool | None:
        values = [self.truth(o) for o in node.operands]
        if node.op == "and":
            return False if False in values else None if None in values else True
        return True if True in values else None if None in values else False

    def visit_Unary(self, node: Unary) -> bool | None:
        if node.op != "not":
            return self.leaf(node)
        inner = self.truth(node.operand)
        return None if inner is None else not inner

    def visit_Implies(self, node: Implies) -> bool | None:
        left, right = self.truth(node.left), self.truth(node.right)
        if left is False or right is True:
            return True
        return None if left is None or right is None else False

    def compare(self, node: Compare) -> bool | None:
        try:
            operands = [_value(o, self.values) for o in node.operands]
        except _NotComputableError:
            return None
        operands = [dt.date.fromisoformat(v) if isinstance(v, str) and len(v) == 10
                    and v[4] == "-" and any(isinstance(o, dt.date) for o in operands) else v
                    for v in operands]
        threshold_ops = {"<", "<=", ">", ">=", "==", "!="}
        try:
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                if op not in threshold_ops:
                    return None
                if not Threshold("", op, right).holds(left):
                    return False
        except TypeError:
            return None
        return True

    def parts(self, node: Expr, want: bool) -> list[Part]:
        """The parts that make ``node`` come out as ``want``."""
        return _DecidingParts(self, want).visit(node)


_NOT_BY_THRESHOLDS: Any = object()


class _LeafTruth(ExprVisitor["bool | None"]):
    """The truth of a leaf of a condition (what is not a connective): a step's status, a
    yes/no fact, a literal, ``if_known``, or a test the plan's thresholds decide."""

    def __init__(self, decider: _Decider) -> None:
        self.decider = decider

    def generic_visit(self, node: Expr) -> bool | None:
        return None

    def by_thresholds(self, node: Expr) -> Any:
        """The truth of ``node`` from the plan's thresholds on the facts it reads, when they
        are all it reads (besides options)."""
        decider = self.decider
        names = _name_set(node)
        thresholds = [t for t in decider.thresholds if t.fact in names]
        if thresholds and all(t.fact in decider.values for t in thresholds) and not (
                names - {t.fact for t in thresholds} - set(decider.options)):
            held = [t.holds(decider.values[t.fact]) for t in thresholds]
            return False if False in held else None if None in held else True
        return _NOT_BY_THRESHOLDS

    def visit_Name(self, node: Name) -> bool | None:
        truth = self.decider.step_truth(node.name)
        if truth != "absent":
            return truth if truth is None else bool(truth)
        value = self.decider.values.get(node.name)
        return value if isinstance(value, bool) else None

    def visit_Literal(self, node: Literal) -> bool | None:
        return node.value if isinstance(node.value, bool) else None

    def visit_Call(self, node: Call) -> bool | None:
        if node.func == "if_known" and len(node.args) == 2:
            known = self.visit(node.args[0])
            return known if known is not None else self.visit(node.args[1])
        return self._thresholds_or(node, None)

    def visit_BoolOp(self, node: BoolOp) -> bool | None:
        return self._thresholds_or(node, None)

    def visit_Quantifier(self, node: Quantifier) -> bool | None:
        return self._thresholds_or(node, None)

    def visit_Compare(self, node: Compare) -> bool | None:
        held = self.by_thresholds(node)
        return self.decider.compare(node) if held is _NOT_BY_THRESHOLDS else held

    def visit_Membership(self, node: Membership) -> bool | None:
        held = self.by_thresholds(node)
        if held is not _NOT_BY_THRESHOLDS:
            return cast("bool | None", held)
        values = self.decider.values
        try:
            item = _value(node.item, values)
            container = _value(node.container, values)
        except _NotComputableError:
            return None
        inside = item in (container or ())
        return not inside if node.negated else inside

    def _thresholds_or(self, node: Expr, otherwise: bool | None) -> bool | None:
        held = self.by_thresholds(node)
        return otherwise if held is _NOT_BY_THRESHOLDS else cast("bool | None", held)


class _DecidingParts(ExprVisitor[list[Part]]):
    """The parts of a condition that make it come out as ``want``."""

    def __init__(self, decider: _Decider, want: bool) -> None:
        self.decider = decider
        self.want = want

    def parts(self, node: Expr, want: bool) -> list[Part]:
        return (self if want is self.want else _DecidingParts(self.decider, want)).visit(node)

    def generic_visit(self, node: Expr) -> list[Part]:
        return [Part(node, self.decider.truth(node))]

    def visit_Unary(self, node: Unary) -> list[Part]:
        if node.op != "not":
            return self.generic_visit(node)
        return self.parts(node.operand, not self.want)

    def visit_BoolOp(self, node: BoolOp) -> list[Part]:
        want, decider = self.want, self.decider
        operands = list(node.operands)
        if (node.op == "and") != want:
            # one operand suffices: an 'and' that fails, an 'or' that holds
            chosen = [o for o in operands if decider.truth(o) is want]
            settings = [o for o in chosen if _name_set(o) <= set(decider.options)]
            if want and settings:  # held by a setting (an option): that is the reason
                chosen = settings[:1]
        else:
            chosen = operands
        return [p for o in chosen for p in self.visit(o)]

    def visit_Implies(self, node: Implies) -> list[Part]:
        if self.want:
            if self.decider.truth(node.left) is False:
                return self.parts(node.left, False)
            return self.parts(node.right, True)
        return self.parts(node.left, True) + self.parts(node.right, False)


# What explanations ask of a condition's parts again and again (names read, written form) is
# fixed by the compiled plan: kept per expression object (the object itself is kept, so an id
# is never reused for another).
_NAMES: dict[int, tuple[Expr, frozenset[str]]] = {}
_TEXTS: dict[int, tuple[Expr, str]] = {}
_CACHE_LIMIT = 65536


def _name_set(node: Expr) -> frozenset[str]:
    cached = _NAMES.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    names = frozenset(names_in(node))
    if len(_NAMES) > _CACHE_LIMIT:
        _NAMES.clear()
    _NAMES[id(node)] = (node, names)
    return names


def _text_of(node: Expr) -> str:
    cached = _TEXTS.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    text = repr(node)
    if len(_TEXTS) > _CACHE_LIMIT:
        _TEXTS.clear()
    _TEXTS[id(node)] = (node, text)
    return text


def deciding_parts(step: Step, trace: Trace, w: Wording, options: Mapping[str, Any]
                   ) -> list[Part]:
    """The parts of ``step``'s condition (from the plan) that decided its status: empty when
    undecided or when the plan is not known. Options are left out when another part decided
    too (they are the setting, not the reason)."""
    node = w.node(step.id)
    tree = node.condition if node is not None else None
    if tree is None or step.status not in (Status.PASS, Status.FAIL):
        return []
    decider = _Decider(step, trace, options, node.condition_thresholds if node else ())
    want = step.status is Status.PASS
    # which parts decided is fixed by the truths of the condition's leaves (the comparisons,
    # facts and steps it combines): worked out once per combination of truths and kept
    try:
        truths = tuple([decider.truth(leaf) for leaf in _leaves(tree)])
    except Exception:
        # a leaf the parts never ask for may not evaluate: decide as before, without keeping
        return _deciding_parts(decider, tree, want, options)
    key = (id(tree), want, truths, frozenset(options))  # the tree is kept with its parts
    found = _DECIDED.get(key)
    if found is not None and found[0] is tree:
        return list(found[1])
    parts = _deciding_parts(decider, tree, want, options)
    if len(_DECIDED) > _CACHE_LIMIT:
        _DECIDED.clear()
    _DECIDED[key] = (tree, tuple(parts))
    return parts


# the deciding parts of a condition by the truths of its leaves (see deciding_parts)
_DECIDED: dict[tuple[int, bool, tuple[bool | None, ...], frozenset[str]],
               tuple[Expr, tuple[Part, ...]]] = {}
_LEAVES: dict[int, tuple[Expr, tuple[Expr, ...]]] = {}


def _leaves(tree: Expr) -> tuple[Expr, ...]:
    """The leaves of a condition as :class:`_Decider` combines them (what is not an
    ``and``/``or``, a ``not`` or an implication), in order."""
    cached = _LEAVES.get(id(tree))
    if cached is not None and cached[0] is tree:
        return cached[1]
    found = _Leaves().collect(tree)
    if len(_LEAVES) > _CACHE_LIMIT:
        _LEAVES.clear()
    _LEAVES[id(tree)] = (tree, found)
    return found


class _Leaves(ExprVisitor[None]):
    """The leaves of a condition as :class:`_Decider` combines them (what is not an
    ``and``/``or``, a ``not`` or an implication), in order."""

    def collect(self, tree: Expr) -> tuple[Expr, ...]:
        self.found: list[Expr] = []
        self.visit(tree)
        return tuple(self.found)

    def generic_visit(self, node: Expr) -> None:
        self.found.append(node)

    def visit_BoolOp(self, node: BoolOp) -> None:
        for operand in node.operands:
            self.visit(operand)

    def visit_Unary(self, node: Unary) -> None:
        if node.op == "not":
            self.visit(node.operand)
        else:
            self.found.append(node)

    def visit_Implies(self, node: Implies) -> None:
        self.visit(node.left)
        self.visit(node.right)


def _deciding_parts(decider: _Decider, tree: Expr, want: bool, options: Mapping[str, Any]
                    ) -> list[Part]:
    parts = decider.parts(tree, want)
    seen: set[str] = set()
    unique = []
    for part in parts:
        key = _text_of(part.node)
        if key not in seen:
            seen.add(key)
            unique.append(part)
    non_options = [p for p in unique if _name_set(p.node) - set(options)]
    return non_options or unique


def part_name(part: Part) -> str | None:
    """The step, fact or option a part names (``if_known(x)`` names ``x``), if any."""
    node = part.node
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call) and node.func == "if_known" and isinstance(node.args[0], Name):
        return node.args[0].name
    return None


#: how many rules deep a reason is followed when a rule has no phrase of its own
MAX_REASON_DEPTH = 3
#: and how many of its reasons are said in its place (more would bury the line: a rule that
#: holds because none of 20 standards was lowered is said by its title)
MAX_INNER_REASONS = 3


#: the reasons of a rule at a depth: :func:`decided_by`, or a cached equivalent of it
ReasonsOf = Callable[[Step, int], list[str]]


def part_phrase(part: Part, step: Step, trace: Trace, w: Wording,
                options: Mapping[str, Any], depth: int = 0,
                reasons_of: ReasonsOf | None = None) -> str:
    """A part of a condition in words: a step's own phrase for its status, a fact's phrase
    for its value, or the sentence of a threshold. A rule without a phrase of its own is said
    by what decided it (direct promotion fails *because the office holds no title*, not because
    "a township office holding a title" is not met), up to :data:`MAX_REASON_DEPTH` rules deep."""
    name = part_name(part)
    if name is not None:
        try:
            dep = trace.step(name)
        except KeyError:
            dep = None
        if dep is not None and dep.kind != "derived":
            state = "pass" if part.value else "fail"
            key = f"phrase.{dep.id}.{state}"
            if not said_by_reasons(dep.kind, dep.id, state, w):
                if w.has(key):  # the values it fills in, worded
                    return step_phrase(key, dep, w)
            elif depth < MAX_REASON_DEPTH:
                inner = (reasons_of(dep, depth + 1) if reasons_of is not None
                         else decided_by(dep, trace, w, options, depth + 1))
                if 0 < len(inner) <= MAX_INNER_REASONS:
                    return w.message("reads.sep").join(inner)
            return w.message(f"phrase.step.{state}", title=w.text(dep.title, dep.id))
        if name in options and name not in step.read_names:
            value = options[name]
            key = f"phrase.option.{name}.{_key_of(value)}"
            return w.maybe(key) or w.message("phrase.option", value=w.value(name, value))
        reading = step.reading(name)
        value = reading.value if reading is not None else None
        phrase = w.maybe(f"phrase.{name}.{_key_of(value)}")
        if phrase is not None:
            return phrase
        return w.message("reads.item", fact=w.fact_title(name, trace),
                         value=w.value(name, value))
    membership = _membership_phrase(part.node, step, trace, w)
    if membership is not None:
        return membership
    names = names_in(part.node)
    # only what this part names is read of the office (a rule may read twenty facts)
    values = {n: r for n in dict.fromkeys(names) if (r := step.reading(n)) is not None}
    if part.value is False:
        for threshold in condition_thresholds(step, w):
            if threshold.fact in values and threshold.holds(
                    values[threshold.fact].value) is False and not _is_identity(threshold,
                                                                                step):
                return threshold_sentence(threshold, values[threshold.fact], trace, w, None)
    read = [values[n] for n in names if n in values]
    if read:
        return w.message("reads.sep").join(w.reading(r, trace) for r in read)
    return w.text(step.title, step.id)


def said_by_reasons(kind: str | None, step_id: str, state: str, w: Wording) -> bool:
    """Whether a part naming step ``step_id`` (of ``kind``) in ``state`` (``pass`` or
    ``fail``) is said by the reasons of that step rather than by what the part reads: a rule
    without a catalogue phrase for that state."""
    return kind == "rule" and not w.has(f"phrase.{step_id}.{state}")


def _membership_phrase(node: Expr, step: Step, trace: Trace, w: Wording) -> str | None:
    """``'s07_legal_services' in standards_met_when_promoted`` said as whether the set holds
    that one value ("standards met when promoted: includes 四(二)7 grassroots legal
    services"), not as the whole set; ``None`` when the part is no such test or the set was
    not provided (then the reading says so)."""
    if isinstance(node, Call) and node.func == "if_known" and node.args:
        node = node.args[0]
    if not (isinstance(node, Membership) and isinstance(node.item, Literal)
            and isinstance(node.container, Name)):
        return None
    name = node.container.name
    reading = step.reading(name)
    if reading is None or reading.value is None:
        return None
    item = str(node.item.value)
    key = "reads.member" if item in reading.value else "reads.not_member"
    return w.message(key, fact=w.fact_title(name, trace), item=w.choice(name, item))


def _is_identity(threshold: Threshold, step: Step) -> bool:
    """Whether a failed comparison of a rule says *which* case the office is in (how its
    title was obtained) rather than a standard it falls short of: said by the value the office
    has ("how the Star title was obtained: named after the on-site assessment"), never as
    "…, required direct promotion", which no standard requires."""
    return (step.kind in ("rule", "outcome") and threshold.op in ("==", "!=")
            and isinstance(threshold.value, str))


def step_phrase(key: str, step: Step, w: Wording) -> str:
    """The catalogue's phrase ``key`` for a step's state, with the values it names (and only
    those read of the office) worded."""
    fields = w.fields(key)
    return w.message(key, **{name: w.value(name, r.value) for name in fields
                             if (r := step.reading(name)) is not None})


def _key_of(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decided_by(step: Step, trace: Trace, w: Wording, options: Mapping[str, Any],
               depth: int = 0) -> list[str]:
    """The phrases of the parts that decided ``step`` (see :func:`deciding_parts`)."""
    phrases = [part_phrase(p, step, trace, w, options, depth)
               for p in deciding_parts(step, trace, w, options)]
    return list(dict.fromkeys(phrases))


# -- whose side a step is on -------------------------------------------------------------------


_ADVERSE: dict[int, tuple[RulesetSpec, frozenset[str]]] = {}


def adverse_steps(spec: RulesetSpec | None) -> frozenset[str]:
    """Steps whose passing counts against the office: read (through rules, with their sign)
    by an outcome that revokes a title and never positively by an outcome that awards one; and
    outcomes that award nothing but apply such a step (or the failure of a step in the office's
    favour). Their marks are inverted, so that a ground for revocation that holds is ✗, not ✓.
    Computed once per ruleset specification."""
    if spec is None:
        return frozenset()
    cached = _ADVERSE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    found = _adverse_steps(spec)
    if len(_ADVERSE) > 256:
        _ADVERSE.clear()
    _ADVERSE[id(spec)] = (spec, found)
    return found


def _adverse_steps(spec: RulesetSpec) -> frozenset[str]:
    conditions: dict[str, Expr] = {}
    for node in spec.nodes:
        if node.kind in ("rule", "outcome") and node.condition is not None:
            conditions[node.id] = node.condition
    signs: dict[str, set[int]] = {}
    # each (effect, name, sign) is expanded once: linear in the ruleset, even when rules read the
    # same rule many times (a chain where each rule reads the previous one twice)
    pending = [(node.effect, node.id, 1) for node in spec.nodes
               if node.kind == "outcome" and node.id in conditions
               and node.effect in ("award", "revoke")]
    seen: set[tuple[str, str, int]] = set()
    while pending:
        effect, step, sign = pending.pop()
        if (effect, step, sign) in seen:
            continue
        seen.add((effect, step, sign))
        for name, polarity in _signed_names(conditions[step], sign):
            signs.setdefault(f"{effect}:{name}", set()).add(polarity)
            if name in conditions:
                pending.append((effect, name, polarity))
    adverse = {key.split(":", 1)[1] for key, s in signs.items()
               if key.startswith("revoke:") and 1 in s}
    favourable = {key.split(":", 1)[1] for key, s in signs.items()
                  if key.startswith("award:") and 1 in s}
    against = adverse - favourable
    # a rule that no award stands on, and that holds on something against the office, is
    # against it too (工作中发生重大问题的不予命名 holds on the major problem that is a ground for
    # revocation, even though it applies only to an office that would otherwise be awarded)
    rules = {n.id for n in spec.nodes if n.kind == "rule" and n.id in conditions} - favourable
    grown = True
    while grown:
        grown = False
        for rule in rules - against:
            if any(sign > 0 and name in against
                   for name, sign in _signed_names(conditions[rule], 1)):
                against.add(rule)
                grown = True
    revoking = {n.id for n in spec.nodes if n.kind == "outcome" and n.effect == "revoke"}
    # an outcome that awards nothing is against the office when it applies a ground against it
    # (建议摘牌 applies the grounds for revocation) or stands on the failure of something in its
    # favour (申报不符合程序 is "not application_admissible")
    for node in spec.nodes:
        if node.kind != "outcome" or node.effect != "none" or node.id not in conditions:
            continue
        for name, sign in _signed_names(conditions[node.id], 1):
            if name not in conditions:  # facts and options say when, not whose side
                continue
            if (sign > 0 and name in against) or (sign < 0 and name in favourable
                                                   and name not in adverse):
                revoking.add(node.id)
    return frozenset((against & set(conditions)) | revoking)


def _signed_names(tree: Expr, sign: int) -> Iterable[tuple[str, int]]:
    """The names a condition combines, each with its sign (-1 under a ``not`` or on the left
    of an implication, and so on)."""
    found: list[tuple[str, int]] = []
    _SignedNames(sign, found).visit(tree)
    return found


class _SignedNames(ExprVisitor[None]):
    def __init__(self, sign: int, found: list[tuple[str, int]]) -> None:
        self.sign = sign
        self.found = found

    def flipped(self) -> _SignedNames:
        return _SignedNames(-self.sign, self.found)

    def generic_visit(self, node: Expr) -> None:
        return None  # a comparison or a call: no step or fact combined by the connectives

    def visit_Name(self, node: Name) -> None:
        self.found.append((node.name, self.sign))

    def visit_Unary(self, node: Unary) -> None:
        if node.op == "not":
            self.flipped().visit(node.operand)

    def visit_BoolOp(self, node: BoolOp) -> None:
        for operand in node.operands:
            self.visit(operand)

    def visit_Implies(self, node: Implies) -> None:
        self.flipped().visit(node.left)
        self.visit(node.right)


def mark_status(step: Step, adverse: frozenset[str]) -> Status:
    """The status a mark shows: inverted for adverse steps (see :func:`adverse_steps`)."""
    return shown_status(step.id, step.status, adverse)


def shown_status(step_id: str, status: Status, adverse: frozenset[str]) -> Status:
    """``status`` as its mark shows it: ✓ is in the office's favour, ✗ against it."""
    if step_id in adverse and status in (Status.PASS, Status.FAIL):
        return Status.FAIL if status is Status.PASS else Status.PASS
    return status
