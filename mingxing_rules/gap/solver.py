"""Gap analysis: what an office must change to become a Star office by assessment.

For every criterion that is not met, the smallest change of one fact that makes it pass, in the
fact's own unit (``office floor area 180 m² → 200 m² (+20 m²)``), grouped by standard in clause
order; facts that are missing are listed separately as *to be provided*.

>>> import json
>>> from pathlib import Path
>>> from mingxing_rules import load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> office = json.loads(Path("examples/offices/near-miss-floor-area.json").read_text("utf-8"))
>>> result = gap(office, ruleset)
>>> [(item.step, item.change.fact, item.change.delta) for item in result.items]
[('floor_area', 'floor_area_m2', 20)]
>>> print(result.items[0].text.en)
floor area at least 200 m² (四(一)1): office floor area 180 m² → 200 m² (+20 m²)
>>> from mingxing_rules import evaluate
>>> evaluate(result.apply(office), ruleset).outcome
'STAR'

How a change is found
---------------------
Each criterion's thresholds (``Step.thresholds``) give the value a fact must reach; a rate
``a / b`` is reached by raising (or, for a maximum, lowering) its numerator ``a`` to the smallest
whole count, never by shrinking the denominator (receiving fewer disputes is not an improvement).
Other conditions are solved by trying candidate values: ``a or b`` tries each alternative, an
implication ``p -> q`` only changes its consequent ``q`` (the antecedent says when the rule
applies), ``count(x) == 0`` empties the set, a date compared with ``date(year, 11, 30)`` moves to
that date. Every candidate is checked by evaluating the compiled ruleset, and the cheapest one
that passes is proposed (one fact; then the smallest relative change; ties go to the first
alternative written in the condition, the others are listed as alternatives). Changes can interact
(raising the disputes mediated lowers the success rate): the changes are applied together and
re-evaluated until every criterion holds, and a criterion that only fails because of another
change is marked ``knock_on``.

What "Star by assessment" means for offices that are decided otherwise
-------------------------------------------------------------------------
The target is an outcome of the ruleset (``STAR``). Outcomes that come before it in precedence
are handled by what they mean, not by making things worse:

* an outcome with the same effect (``DIRECT_PROMOTION`` is an award too) is *already* reached by
  another route: :attr:`Gap.already` names it and the items show, for information, what
  assessment against the standards alone would require;
* an outcome whose condition is a negated rule (``INADMISSIBLE`` is ``not application_admissible``)
  is removed by making that rule pass: its failing parts become *procedure* items (county review,
  submission by the end of November, the campaign years);
* any other outcome (``RETAINED``, ``REVOCATION_RECOMMENDED``, ``REVOKED``: the office already
  holds the Star title) cannot be undone by improving anything; :attr:`Gap.blocked_by` names it
  and the items are what the standards require (meeting them removes the ground "standards lowered
  without cause").

The gap never proposes making a passing rule fail (giving up a title, reporting a major problem).
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

from ..engine.office import Office
from ..engine.trace import Verdict
from ..ruleset.load import Ruleset, load_ruleset
from .analysis import MAX_ROUNDS, Analysis
from .model import Change, Gap, GapGroup, GapItem, Provide
from .static import gap_plan

__all__ = ["MAX_ROUNDS", "Change", "Gap", "GapGroup", "GapItem", "Provide", "gap",
           "office_from_verdict"]


def office_from_verdict(verdict: Verdict) -> dict[str, Any]:
    """The facts a verdict's trace read, as office data (enough to evaluate it again)."""
    data: dict[str, Any] = {"id": verdict.office_id}
    if verdict.office_name:
        data["name"] = verdict.office_name
    for step in verdict.trace:
        for reading in step.reads:
            if reading.source != "fact" or reading.value is None or reading.name in data:
                continue
            value = list(reading.value) if isinstance(reading.value, tuple) else reading.value
            if reading.evidence:
                value = {"met": value, "evidence": reading.evidence}
            data[reading.name] = value
    return data


def gap(subject: Verdict | Mapping[str, Any] | Office, ruleset: Ruleset | str | None = None,
        target: str = "STAR") -> Gap:
    """What ``subject`` (a verdict, or an office as data) must change to reach ``target``.

    ``ruleset`` defaults to the verdict's own ruleset (with its options) or the bundled Star
    ruleset. Raises :class:`~mingxing_rules.errors.InputError` for invalid office data and
    :class:`ValueError` for a ``target`` that is not an outcome of the ruleset.
    """
    if isinstance(subject, Verdict):
        compiled = (_verdict_ruleset(subject) if ruleset is None else ruleset
                    if isinstance(ruleset, Ruleset) else load_ruleset(ruleset))
        facts = _facts_of_trace(subject, compiled)
        if facts is not None:
            return Analysis(compiled, subject.office_id, subject.office_name or None, facts,
                            target).run()
        office = compiled.parse_office(office_from_verdict(subject))
    else:
        compiled = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(
            ruleset or "star-judicial-office")
        office = compiled.parse_office(subject)
    return Analysis(compiled, office.id, office.name, office.facts, target).run()


#: (ruleset id, options, content hash) -> the ruleset loaded for verdicts that name it
_VERDICT_RULESETS: collections.OrderedDict[tuple[Any, ...], Ruleset] = collections.OrderedDict()


def _verdict_ruleset(verdict: Verdict) -> Ruleset:
    """The ruleset a verdict names (id and options), loaded once for all the verdicts that name
    the same content: a population's gaps do not read the ruleset file once per office. The
    bundled ruleset as loaded with its defaults serves when the verdict's options are those
    defaults and its content is the one that judged (the same rules, compiled the same way:
    no second compilation of the file for options that change nothing)."""
    key = (verdict.ruleset_id, verdict.options, verdict.ruleset_hash)
    found = _VERDICT_RULESETS.get(key) if verdict.ruleset_hash is not None else None
    if found is not None:
        return found
    loaded = load_ruleset(verdict.ruleset_id)
    if loaded.program.options != verdict.options or loaded.content_hash != verdict.ruleset_hash:
        loaded = load_ruleset(verdict.ruleset_id, options=dict(verdict.options))
    if verdict.ruleset_hash is not None and loaded.content_hash == verdict.ruleset_hash:
        _VERDICT_RULESETS[key] = loaded
        while len(_VERDICT_RULESETS) > 16:
            _VERDICT_RULESETS.popitem(last=False)
    return loaded


def _facts_of_trace(verdict: Verdict, ruleset: Ruleset) -> dict[str, Any] | None:
    """The facts a verdict's trace read, by reference (:attr:`Trace.facts`), when they were
    validated against this ruleset's fact schema (a trace computed, or read back with its
    office, by a ruleset of the same content); ``None`` otherwise (then they are validated
    again from :func:`office_from_verdict`)."""
    program = verdict.trace.program
    if program is None or verdict.ruleset_hash is None or not (
            program.spec is ruleset.spec or verdict.ruleset_hash == ruleset.content_hash):
        return None
    values = verdict.trace.facts
    if not values:
        return None
    names = gap_plan(program.plan).trace_facts
    return {name: value for name, value in zip(names, map(values.get, names), strict=True)
            if value is not None}
