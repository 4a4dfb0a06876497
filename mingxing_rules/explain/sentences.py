"""The sentence of a criterion that falls short of one numeric threshold, from a template
filled in once.

"office floor area 180 m² is below the required 200 m² (四(一)1)": of a failing comparison
every word is fixed by the plan and the language except the office's value (the fact's title,
the limit, the clause, the message chosen by the operator). So the message is filled in once
per criterion with all but the value (:meth:`~.wording.Wording.filler`); per office only the
value is worded, by the same :meth:`~.wording.Wording.value` (a rate with its counts by
:meth:`~.wording.Wording.ratio`, as :meth:`~.wording.Wording.value_of` says it), and put in;
the sentence is kept by the values it says (counts recur), as the whole line an explanation
shows (:meth:`ThresholdSentences.line_of`: the failing mark and the clause are the plan's and
the language's). A new floor area is a new sentence for every office; this makes it one call
instead of a whole wording.

:func:`~.reasons.step_reason` stays the definition of the sentence: where this module does not
apply (not one threshold, a count of a set, a value that is not a number, a threshold that
holds) it says so with ``None`` and the explainer words the sentence as always; the tests hold
the two to the same text.

>>> from mingxing_rules import evaluate, load_ruleset
>>> from mingxing_rules.explain import Wording
>>> ruleset = load_ruleset("star-judicial-office")
>>> sentences = ThresholdSentences(Wording("en", ruleset.spec, ruleset.plan), ruleset.plan)
>>> trace = evaluate({"id": "x", "floor_area_m2": 180}, ruleset).trace
>>> sentences.sentence("floor_area", trace)
'office floor area 180 m² is below the required 200 m² (四(一)1)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..engine.office import json_value
from ..engine.trace import Status, step_infos
from .memo import Kept
from .reasons import numeric_fail_key
from .report import Line, Mark

if TYPE_CHECKING:
    from ..compile.plan import Plan
    from ..engine.trace import Trace
    from ..ruleset.model import Threshold
    from .wording import Wording

__all__ = ["ThresholdSentences"]

#: sentences kept by the values they say (at most)
MAX_SAID = 16384


class _Template:
    """One criterion's sentence with everything but the value filled in."""

    __slots__ = ("clause", "distinct_from", "fact", "fill", "from_row", "parts", "threshold",
                 "unit")

    def __init__(self, threshold: Threshold, unit: str | None, from_row: int | None,
                 parts: tuple[tuple[str, int | None], tuple[str, int | None]] | None,
                 fill: Callable[[str], str], clause: str) -> None:
        self.clause = clause  # as worded, for the line
        self.threshold = threshold
        self.fact = threshold.fact
        self.unit = unit
        self.from_row = from_row  # a derived value's row position; None for a fact
        self.parts = parts  # a rate's counts (a fact, or a derived value's row position)
        self.fill = fill
        # the limit a value is shown distinct from (as Wording.value passes it on)
        limit = threshold.value
        self.distinct_from: float | None = (
            limit if isinstance(limit, int | float) and not isinstance(limit, bool) else None)


class ThresholdSentences:
    """The failing sentences of one plan's single-threshold numeric criteria in one wording."""

    def __init__(self, wording: Wording, plan: Plan) -> None:
        self.wording = wording
        self.plan = plan
        self._templates: dict[str, _Template | None] = {}  # None: not templated
        # the failing line as the explanation shows it, kept by the values it says
        self._said: Kept[tuple[Any, ...], Line] = Kept(MAX_SAID)
        self._marks = (Mark(wording.mark(Status.FAIL), Status.FAIL.value),)

    def sentence(self, step_id: str, trace: Trace) -> str | None:
        """The sentence of ``step_id`` failing in ``trace``, or ``None`` where this does not
        apply (then :func:`~.reasons.step_reason` words it)."""
        return self.sentence_of(step_id, trace.row, trace.facts)

    def sentence_of(self, step_id: str, row: Sequence[Any], facts: Mapping[str, Any]
                    ) -> str | None:
        """:meth:`sentence` of an evaluation's row and facts."""
        line = self.line_of(step_id, row, facts)
        return None if line is None else line.text

    def line_of(self, step_id: str, row: Sequence[Any], facts: Mapping[str, Any]
                ) -> Line | None:
        """The line of ``step_id`` failing (its mark, :meth:`sentence` and clause) for an
        evaluation's row and facts, or ``None`` where this does not apply."""
        try:
            template = self._templates[step_id]
        except KeyError:
            template = self._templates[step_id] = self._template(step_id)
        if template is None:
            return None
        at = template.from_row
        value: Any = facts.get(template.fact) if at is None else row[at]
        kind = type(value)
        if kind is not int and kind is not float:  # bools, missing values: worded as always
            return None
        parts = template.parts
        top = bottom = None
        if parts is None:
            key: tuple[Any, ...] = (step_id, value, kind)
        else:  # a rate is said with its counts, as value_of does
            (top_name, top_at), (bottom_name, bottom_at) = parts
            top = json_value(facts.get(top_name)) if top_at is None else row[top_at]
            bottom = json_value(facts.get(bottom_name)) if bottom_at is None else row[bottom_at]
            key = (step_id, value, kind, top, type(top), bottom, type(bottom))
        said = self._said.get(key)
        if said is not None:  # counts recur: half the sentences of the benchmark population
            return said
        threshold = template.threshold
        if threshold.holds(value) is False:
            w = self.wording
            # what Wording.value says of a number (its type is checked above)
            shown = w.number(template.fact, value, template.unit, template.distinct_from)
            if parts is not None:
                shown = w.ratio(shown, top, bottom)
            said = Line(template.fill(shown), self._marks, clause=template.clause)
            self._said.put(key, said)
        return said

    def _template(self, step_id: str) -> _Template | None:
        plan, w = self.plan, self.wording
        if step_id not in plan:
            return None
        node = plan.node(step_id)
        thresholds = node.condition_thresholds
        if node.counted_set is not None or len(thresholds) != 1:
            return None
        threshold = thresholds[0]
        key = numeric_fail_key(threshold)  # the message step_reason would choose
        if key is None:
            return None
        reads = {name: unit for name, _, unit in step_infos(plan)[node.position].reads}
        if threshold.fact not in reads:
            return None
        name, unit = threshold.fact, reads[threshold.fact]
        clause = w.clause(node.clause)
        fill = w.filler(key, "value", fact=w.fact_title(name), clause=clause,
                        threshold=w.value(name, threshold.value, unit=unit))
        if fill is None:
            return None
        from_row = parts = None
        if name in plan:
            derived = plan.node(name)
            from_row = derived.position
            if derived.ratio is not None:
                top, bottom = derived.ratio.numerator, derived.ratio.denominator
                parts = ((top, plan.node(top).position if top in plan else None),
                         (bottom, plan.node(bottom).position if bottom in plan else None))
        return _Template(threshold, unit, from_row, parts, fill, clause)
