"""Pieces of an explanation kept by exactly what they read, per plan and language.

A rule's deciding parts, and the phrase of each, are a function of the plan, the language, the
options and a few entries of the evaluation: the rule's status, the statuses of the steps its
condition names, and the values it reads (a value derived from facts brings those facts: a rate
is said with its counts). Which entries, the plan says once (:class:`PieceInputs`, from each
node's ``depends_on`` and ``reads``). A set read only to ask whether it holds given items is
read as the answers. Per office the explainer picks those entries from the row and the facts
and numbers each distinct combination once (:meth:`Lines.number`). A whole line, or a
rule's reasons, is then kept by the numbers of the rules below it that its reasons can reach
(:meth:`PieceInputs.subtree`): "a casework standard lowered without cause" for an office whose
five standards read as an earlier office's did is found, not worded (:class:`Lines`, bounded).

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.explain import Wording
>>> ruleset = load_ruleset("star-judicial-office")
>>> lines = Lines(ruleset.plan, Wording("en", ruleset.spec, ruleset.plan))
>>> lines.pieces.subtree("casework_lowered")[:3]
('casework_lowered', 'came_by_promotion', 'held_to_every_standard')
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..language.expr import Expr, Literal, Membership, Name, iter_nodes
from .memo import Kept
from .reasons import said_by_reasons
from .sentences import ThresholdSentences

if TYPE_CHECKING:
    from ..compile.plan import Plan
    from ..engine.trace import Trace
    from ..ruleset.model import Threshold
    from .reasons import Part
    from .wording import Wording

__all__ = ["Lines", "PieceInputs", "lines_for"]

T = TypeVar("T")

#: readings numbered, and pieces and lines kept, per plan and language (each, at most)
MAX_LINES = 16384  # ~16 MB at most: a kept line with its key is under ~1 KB
_Picker = Callable[[Sequence[Any]], tuple[Any, ...]]
#: what a step's pieces read of an office, from its row, facts and evidence
Reader = Callable[[Sequence[Any], Mapping[str, Any], Mapping[str, str]], Hashable]


def _picker(positions: Sequence[int]) -> _Picker:
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    getter: _Picker = operator.itemgetter(*positions)
    return getter


class PieceInputs:
    """For each step of a plan: what its *own* deciding parts and their phrases read.

    A rule's deciding parts are fixed by its status, the statuses of the steps its condition
    names and the values it reads; the phrase of a part by those, by the values a named step's
    catalogue phrase fills in (``{office_kind}``), and, for a rule said by its own reasons, by
    that rule's pieces in turn (which the explainer asks for separately). So a piece is kept by
    those entries alone, not by everything below it: the line about "a casework standard
    lowered without cause" is put together from the five standards' kept pieces.

    A set read only to ask whether it holds a given item (``'s07_legal_services' in
    standards_met_when_promoted``) is read as the answers: which items it holds of those asked
    for, whether it is missing, and how the step's thresholds on it hold. Twenty standards met
    when promoted are a million sets, and a handful of answers.
    """

    def __init__(self, plan: Plan, has_phrase: Callable[[str], frozenset[str] | None]) -> None:
        self.plan = plan
        self._has_phrase = has_phrase
        self._keys: dict[str, Reader] = {}
        self._nodes = {node.id: node for node in plan.nodes}
        self._heights: dict[str, int] = {}
        self._alone: dict[str, bool] = {}
        # by the id of a condition's node: the plan keeps its nodes, so ids are not reused
        self._followed_down: dict[int, str | None] = {}
        self._subtrees: dict[tuple[str, bool], tuple[str, ...]] = {}
        self._reads_rules: dict[str, bool] = {}

    def subtree(self, step_id: str, descend: bool = True) -> tuple[str, ...]:
        """``step_id`` and the rules below it that its reasons can reach: what a line about
        it reads is what their pieces read. ``descend`` (a conclusion, a line said down to the
        facts): every rule and outcome below, all the way down. Otherwise only the rules said
        by their own reasons (those without a catalogue phrase for a state), and the rules
        those are said by in turn: a rule with its phrase is said by the phrase, which the
        pieces of the step naming it read."""
        found = self._subtrees.get((step_id, descend))
        if found is None:
            plan = self.plan
            reached = [step_id]
            seen = {step_id}
            for current in reached:
                for dep in plan.node(current).depends_on:
                    if dep not in seen and self._followed(dep, descend):
                        seen.add(dep)
                        reached.append(dep)
            found = self._subtrees[(step_id, descend)] = (step_id, *sorted(reached[1:]))
        return found

    def said_alone(self, step_id: str) -> bool:
        """Whether a line about ``step_id`` reads its own pieces only (no rule below it)."""
        found = self._alone.get(step_id)
        if found is None:
            found = self._alone[step_id] = len(self.subtree(step_id, descend=False)) == 1
        return found

    def height(self, step_id: str) -> int:
        """How many levels of rules that read rules lie below ``step_id`` (0: none): how deep
        its reasons can be followed down."""
        found = self._heights.get(step_id)
        if found is None:
            below = [self.height(dep) for dep in self.depends_on(step_id)
                     if self.kind(dep) == "rule" and self.reads_rules(dep)]
            found = self._heights[step_id] = 1 + max(below) if below else 0
        return found

    def followed_down(self, part: Part) -> str | None:
        """The rule ``part`` names when it is one that reads rules (a conclusion follows it
        down to what decided it), else ``None``; the same for every office."""
        node = part.node
        try:
            return self._followed_down[id(node)]
        except KeyError:
            name = getattr(node, "name", None)
            found = self._followed_down[id(node)] = (
                name if isinstance(name, str) and self.kind(name) == "rule"
                and self.reads_rules(name) else None)
            return found

    def reads_rules(self, step_id: str) -> bool:
        """Whether ``step_id`` is decided by other rules (not only by facts and standards)."""
        found = self._reads_rules.get(step_id)
        if found is None:
            plan = self.plan
            found = self._reads_rules[step_id] = any(
                plan.node(dep).kind == "rule" for dep in plan.node(step_id).depends_on)
        return found

    def _followed(self, dep: str, descend: bool) -> bool:
        kind = self.plan.node(dep).kind
        if descend:
            return kind in ("rule", "outcome")
        return kind == "rule" and not all(self._has_phrase(f"phrase.{dep}.{state}") is not None
                                          for state in ("pass", "fail"))

    def key(self, step_id: str, trace: Trace) -> Hashable:
        """What the pieces of ``step_id`` read of ``trace``, as one comparable value."""
        return self.reader(step_id)(trace.row, trace.facts, trace.evidence)

    def reader(self, step_id: str) -> Reader:
        """The function of (row, facts, evidence) that :meth:`key` applies for ``step_id``."""
        found = self._keys.get(step_id)
        if found is None:
            found = self._keys[step_id] = self._key_function(step_id)
        return found

    def depends_on(self, step_id: str) -> tuple[str, ...]:
        """The steps the plan's node ``step_id`` depends on."""
        return self._nodes[step_id].depends_on

    def position(self, step_id: str) -> int:
        """The row position of the plan's node ``step_id``."""
        return self._nodes[step_id].position

    def kind(self, step_id: str) -> str | None:
        """The kind of the plan's node ``step_id`` (``None``: no such node)."""
        node = self._nodes.get(step_id)
        return None if node is None else node.kind

    def _inputs(self, step_id: str) -> tuple[list[int], tuple[str, ...], tuple[
            tuple[str, tuple[Threshold, ...], tuple[Any, ...]], ...]]:
        """Row positions, facts read as they are, and sets read as the answers to the
        questions asked of them (name, thresholds, items): what the pieces of ``step_id`` read."""
        plan = self.plan
        node = plan.node(step_id)
        positions = {node.position}
        raw: set[str] = set()

        def read(name: str) -> None:
            if name in plan:  # a derived value: its value, and the facts it is made of
                derived = plan.node(name)
                positions.add(derived.position)
                raw.update(f for f in derived.reads if f not in plan)
                positions.update(plan.node(f).position for f in derived.reads if f in plan)
            else:
                raw.add(name)

        # only a rule's parts are said through the answers; a criterion's sentence may list
        # every value it read
        compressible = (node.kind in ("rule", "outcome") and node.applies_if is None
                        and not node.can_be_na)
        asked = {name: items for name, items in (
            _asked_items(node.condition).items() if compressible else ()) if name not in plan}
        for name in node.reads:
            if name not in asked:
                read(name)
        positions.update(plan.node(dep).position for dep in node.depends_on)
        for step in (step_id, *node.depends_on):
            for name in self._phrase_fields(step):
                read(name)
        thresholds = node.condition_thresholds
        sets = {f.name for f in plan.spec.facts if f.type == "set"}
        # a threshold that is one of the questions asked (``contains`` an item asked about a
        # set, which validation makes a frozenset) answers the same: asked once
        answers = tuple((name, tuple(t for t in thresholds if t.fact == name and not (
                            name in sets and t.op == "contains" and t.value in items)), items)
                        for name, items in sorted(asked.items()) if name not in raw)
        return sorted(positions), tuple(sorted(raw)), answers

    def _key_function(self, step_id: str) -> Reader:
        positions, names, answers = self._inputs(step_id)
        pick = _picker(positions)

        if not names and not answers:  # statuses only (most rules on rules): the row's entries
            def statuses(row: Sequence[Any], facts: Mapping[str, Any],
                         evidence: Mapping[str, str]) -> Hashable:
                return pick(row)

            return statuses

        # a value's type is part of it (True is not 1, 1 is not 1.0 when it is worded)
        if len(names) == 1 and not answers:  # most criteria: one fact (the common case, made
            only = names[0]                    # without the loops below)

            def one_fact(row: Sequence[Any], facts: Mapping[str, Any],
                         evidence: Mapping[str, str]) -> Hashable:
                value = facts.get(only)
                return (pick(row), value, type(value), evidence.get(only) if evidence else None)

            return one_fact

        if len(answers) == 1:  # a rule on one standard: one set asked about
            (asked_name, held, items), = answers
            if not held and len(items) == 1:  # asked one question only (as _answers says it)
                (item,) = items

                def one_question(row: Sequence[Any], facts: Mapping[str, Any],
                                 evidence: Mapping[str, str]) -> Hashable:
                    read = tuple(map(facts.get, names))
                    asked = facts.get(asked_name)
                    return (pick(row), read, tuple(map(type, read)),
                            () if asked is None else ((), (item in asked,)),
                            tuple(map(evidence.get, names)) if evidence else ())

                return one_question

            def one_set(row: Sequence[Any], facts: Mapping[str, Any],
                        evidence: Mapping[str, str]) -> Hashable:
                read = tuple(map(facts.get, names))
                return (pick(row), read, tuple(map(type, read)),
                        _answers(facts.get(asked_name), held, items),
                        tuple(map(evidence.get, names)) if evidence else ())

            return one_set

        def key(row: Sequence[Any], facts: Mapping[str, Any],
                evidence: Mapping[str, str]) -> Hashable:
            read = tuple(map(facts.get, names))
            asked_answers = tuple([_answers(facts.get(name), held, items)
                                   for name, held, items in answers])
            return (pick(row), read, tuple(map(type, read)), asked_answers,
                    tuple(map(evidence.get, names)) if evidence else ())

        return key

    def _phrase_fields(self, step_id: str) -> tuple[str, ...]:
        """The values the catalogue's phrases of ``step_id`` fill in, that it reads."""
        node = self.plan.node(step_id)
        fields: set[str] = set()
        for state in ("pass", "fail"):
            found = self._has_phrase(f"phrase.{step_id}.{state}")
            if found:
                fields.update(found)
        return tuple(n for n in node.reads if n in fields)


def _answers(value: Any, thresholds: tuple[Threshold, ...], items: tuple[Any, ...]
             ) -> tuple[Any, ...]:
    if value is None:
        return ()
    return (tuple([t.holds(value) for t in thresholds]), tuple([i in value for i in items]))


def _asked_items(condition: Expr | None) -> dict[str, tuple[Any, ...]]:
    """Facts the condition reads only as ``'item' in fact`` (literal items), with the items."""
    if condition is None:
        return {}
    items: dict[str, list[Any]] = {}
    for expr in iter_nodes(condition):
        if isinstance(expr, Membership) and isinstance(expr.item, Literal) and isinstance(
                expr.container, Name):
            items.setdefault(expr.container.name, []).append(expr.item.value)
    # asked only so: the name occurs nowhere else (each test holds one occurrence of it)
    occurrences: dict[str, int] = {}
    for expr in iter_nodes(condition):
        if isinstance(expr, Name) and expr.name in items:
            occurrences[expr.name] = occurrences.get(expr.name, 0) + 1
    return {name: tuple(dict.fromkeys(found)) for name, found in items.items()
            if occurrences[name] == len(found)}


class Lines:
    """The pieces and lines worded for one plan, wording (ruleset and language) and set of
    options, kept by the numbers of what they read."""

    def __init__(self, plan: Plan, wording: Wording) -> None:
        self.wording = wording
        self.pieces = PieceInputs(
            plan, lambda key: wording.fields(key) if wording.has(key) else None)
        self.sentences = ThresholdSentences(wording, plan)
        self._ids: Kept[Hashable, int] = Kept(MAX_LINES)
        # never reused: a number kept in a key means one thing for ever (itertools.count, not
        # a counter incremented here: two threads explaining at once never draw the same one)
        self._numbers = itertools.count()
        self._kept: Kept[Hashable, Any] = Kept(MAX_LINES)
        self._fixed: dict[Hashable, Any] = {}  # what reads nothing of an office (headings)
        self._by_reasons: dict[tuple[str | None, bool], bool] = {}

    def __len__(self) -> int:
        """How many pieces and lines are kept."""
        return len(self._kept)

    def number(self, step_id: str, row: Sequence[Any], facts: Mapping[str, Any],
               evidence: Mapping[str, str]) -> int | None:
        """The number of what ``step_id``'s own pieces read of an office's row, facts and
        evidence (the same number for every office that read the same; ``None`` for a value
        that cannot be compared)."""
        try:
            key = (step_id, self.pieces.reader(step_id)(row, facts, evidence))
            found = self._ids.get(key)
        except TypeError:  # a value that cannot be compared (not hashable)
            return None
        if found is None:
            found = next(self._numbers)
            self._ids.put(key, found)
        return found

    def fixed(self, what: Hashable, word: Callable[..., T], *args: Any) -> T:
        """``word(*args)``, worded once: something that reads nothing of an office (a
        heading)."""
        try:
            found: T = self._fixed[what]
            return found
        except KeyError:
            found = self._fixed[what] = word(*args)
            return found

    def said_by_reasons(self, name: str | None, holds: bool) -> bool:
        """Whether a part naming ``name`` that holds (or not) is said by the reasons of that
        rule (:func:`~.reasons.said_by_reasons`, from the plan: the same for every office)."""
        key = (name, holds)
        found = self._by_reasons.get(key)
        if found is None:
            found = self._by_reasons[key] = name is not None and said_by_reasons(
                self.pieces.kind(name), name, "pass" if holds else "fail", self.wording)
        return found

    def own(self, what: Hashable, step_id: str, row: Sequence[Any], facts: Mapping[str, Any],
            evidence: Mapping[str, str], word: Callable[..., T], *args: Any) -> T:
        """``word(*args)`` for a step said by its own reading alone (a criterion's sentence),
        or what it gave for an earlier office that read the same (the office's ``row``,
        ``facts`` and ``evidence``): kept by the reading itself, not by its number."""
        try:
            key = (what, step_id, self.pieces.reader(step_id)(row, facts, evidence))
            found: T | None = self._kept.get(key)
        except TypeError:  # a value that cannot be compared (not hashable)
            return word(*args)
        if found is not None:
            return found
        said = word(*args)
        self._kept.put(key, said)
        return said

    def piece(self, what: Hashable, step_id: str, read: tuple[int | None, ...] | int | None,
              word: Callable[..., T], *args: Any) -> T:
        """``word(*args)``, or what it gave for an earlier office that read the same (``read``:
        the numbers of :meth:`number`; ``None`` among them: worded afresh)."""
        if read is None or (isinstance(read, tuple) and None in read):
            return word(*args)
        key = (what, step_id, read)
        found: T | None = self._kept.get(key)
        if found is not None:
            return found
        said = word(*args)
        self._kept.put(key, said)
        return said


_LINES: dict[Hashable, tuple[Plan, Wording, Lines]] = {}


def lines_for(plan: Plan, wording: Wording, options: Sequence[tuple[str, Any]]) -> Lines:
    """The kept lines of one plan, wording (ruleset and language) and set of options (plan
    and wording are kept with them, so their ids are not reused)."""
    settings = tuple(options)
    try:  # options are scalars: the tuple itself is the key (no repr per explanation)
        hash(settings)
        key: Hashable = (id(plan), id(wording), settings)
    except TypeError:
        key = (id(plan), id(wording), repr(settings))
    cached = _LINES.get(key)
    if cached is not None and cached[0] is plan and cached[1] is wording:
        return cached[2]
    lines = Lines(plan, wording)
    if len(_LINES) > 64:
        _LINES.clear()
    _LINES[key] = (plan, wording, lines)
    return lines
