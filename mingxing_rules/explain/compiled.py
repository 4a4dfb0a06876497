"""Lines of an explanation kept by exactly what they read, per plan and language.

A line of the decision ("does not qualify for direct promotion: holds no title that gives
direct promotion") is a function of the plan, the language, the options and a few entries of
the evaluation: the statuses of the rule and of the steps its reasons can reach, and the values
those steps read. Which entries, the plan says once (:class:`LineInputs`, from each node's
``depends_on`` and ``reads``): a rule reaches the rules below it (followed all the way down, as
the reasons are) and the criteria, standards and groups it names (their status and what they
read, as their phrases say); a value derived from facts brings those facts (a rate is said with
its counts). Per office the explainer then picks those entries from the row and the facts (one
C call each) and finds the line already worded for an earlier office that read the same; only a
new combination is worded (:class:`Lines`, bounded).

>>> from mingxing_rules import load_ruleset
>>> plan = load_ruleset("star-judicial-office").plan
>>> inputs = LineInputs(plan)
>>> positions, facts = inputs.of("floor_area")
>>> [plan.nodes[p].id for p in positions], facts
(['floor_area'], ('floor_area_m2',))
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..compile.plan import Plan
    from ..engine.trace import Trace
    from ..ruleset.model import RulesetSpec

__all__ = ["LineInputs", "Lines", "lines_for"]

T = TypeVar("T")

#: lines one plan and language keep before starting over
MAX_LINES = 16384  # ~16 MB at most: a kept line with its key is under ~1 KB

_Picker = Callable[[Sequence[Any]], tuple[Any, ...]]


def _picker(positions: Sequence[int]) -> _Picker:
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    getter: _Picker = operator.itemgetter(*positions)
    return getter


class LineInputs:
    """For each step of a plan: the row entries and facts a line about it can read."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._found: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {}
        self._pickers: dict[str, tuple[_Picker, tuple[str, ...]]] = {}

    def of(self, step_id: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """Row positions and fact names, in plan order."""
        found = self._found.get(step_id)
        if found is None:
            steps: set[str] = set()
            facts: set[str] = set()
            self._reach(step_id, steps, facts, deep=True)
            plan = self.plan
            found = self._found[step_id] = (
                tuple(sorted(plan.index[s] for s in steps)),
                tuple(sorted(facts)))
        return found

    def _reach(self, step_id: str, steps: set[str], facts: set[str], deep: bool) -> None:
        plan = self.plan
        if step_id in steps or step_id not in plan:
            return
        steps.add(step_id)
        node = plan.node(step_id)
        for name in node.reads:  # facts, and derived values with the facts they are made of
            if name in plan:
                self._reach(name, steps, facts, deep=False)
            else:
                facts.add(name)
        facts.update(node.facts)
        if not deep:
            return
        # the steps its condition names, as the plan recorded them (facts are read above;
        # options are fixed for the plan)
        for name in sorted(set(node.depends_on)):
            kind = plan.node(name).kind
            # rules are said by their reasons, followed down; the rest by their status and
            # what they read
            self._reach(name, steps, facts, deep=kind in ("rule", "outcome"))

    def key(self, step_id: str, trace: Trace) -> Hashable:
        """What a line about ``step_id`` reads of ``trace``, as one comparable value."""
        found = self._pickers.get(step_id)
        if found is None:
            positions, names = self.of(step_id)
            found = self._pickers[step_id] = (_picker(positions), names)
        pick, names = found
        facts: Mapping[str, Any] = trace.facts
        evidence = trace.evidence
        read = tuple(map(facts.get, names))
        # a value's type is part of it (True is not 1, 1 is not 1.0 when it is worded)
        return (pick(trace.row), read, tuple(map(type, read)),
                tuple(map(evidence.get, names)) if evidence else ())


class Lines:
    """The lines worded for one plan, ruleset, language and set of options."""

    def __init__(self, plan: Plan) -> None:
        self.inputs = LineInputs(plan)
        self._lines: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        """How many lines are kept."""
        return len(self._lines)

    def line(self, what: Hashable, step_id: str, trace: Trace, word: Callable[[], T]) -> T:
        """``word()``, or what it gave for an earlier office whose line read the same."""
        key = (what, step_id, self.inputs.key(step_id, trace))
        try:
            found: T = self._lines[key]
            return found
        except KeyError:
            pass
        except TypeError:  # a value that cannot be compared (not hashable): worded afresh
            return word()
        said = word()
        if len(self._lines) >= MAX_LINES:
            self._lines.clear()
        self._lines[key] = said
        return said


_LINES: dict[tuple[int, int, str, str], tuple[Plan, RulesetSpec, Lines]] = {}


def lines_for(plan: Plan, spec: RulesetSpec, lang: str,
              options: Sequence[tuple[str, Any]]) -> Lines:
    """The kept lines of one plan, ruleset, language and set of options (plan and spec are
    kept with them, so their ids are not reused)."""
    key = (id(plan), id(spec), lang, repr(tuple(options)))
    cached = _LINES.get(key)
    if cached is not None and cached[0] is plan and cached[1] is spec:
        return cached[2]
    lines = Lines(plan)
    if len(_LINES) > 64:
        _LINES.clear()
    _LINES[key] = (plan, spec, lines)
    return lines
