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

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

import attrs

from ..compile.codegen import NA, CompiledProgram, NodeInfo
from ..compile.plan import COMPARATOR_FLIP
from ..engine.constraints import repair
from ..engine.office import Office
from ..engine.trace import Verdict, json_value
from ..explain import Wording, threshold_holds
from ..explain.reasons import expression_value
from ..jsonio import JsonMixin, text_from, tuples
from ..language.expr import (
    BoolOp,
    Compare,
    Expr,
    Implies,
    Literal,
    Name,
    Unary,
    iter_nodes,
    names_in,
)
from ..ruleset.load import Ruleset, load_ruleset
from ..ruleset.model import FactSpec, Text, Threshold
from ..types import Format, Lang

__all__ = ["Change", "Gap", "GapGroup", "GapItem", "Provide", "gap", "office_from_verdict"]

MAX_ROUNDS = 6  # rounds of re-evaluation for changes that interact


@attrs.frozen
class Change:
    """A proposed value for one fact.

    ``kind``: ``number`` (``delta`` is the signed difference), ``true``/``false`` (a boolean or a
    panel finding), ``enum``, ``add``/``remove`` (``delta`` lists the set items), ``date``.
    ``via`` names the derived rate the change moves, with its value before and after.
    """

    fact: str
    kind: str
    current: Any  # JSON form (sets as sorted tuples); None when not provided
    required: Any  # JSON form (sets as sorted tuples)
    delta: Any = None
    op: str = "=="  # how ``required`` is a requirement: ">=" means "at least"
    via: str | None = None
    via_before: Any = None
    via_after: Any = None
    cost: float = 1.0


@attrs.frozen
class GapItem:
    """One criterion (or procedural rule) that is not met, and the change that meets it."""

    step: str
    kind: str  # criterion | rule
    group: str  # the standard (criteria) or the rule that needs it (procedure)
    clause: str
    title: Text
    change: Change
    alternatives: tuple[Change, ...] = ()
    knock_on: bool = False
    text: Text = Text("", "")  # the whole item as one sentence
    columns: tuple[Text, ...] = ()  # fact, now, required, change: for tables
    alternatives_text: Text | None = None  # "or instead: ..." for tables


@attrs.frozen
class GapGroup:
    """The items of one standard (or one procedural rule), in clause order."""

    id: str
    kind: str  # standard | procedure
    clause: str
    title: Text
    items: tuple[GapItem, ...]


@attrs.frozen
class Provide:
    """A fact that is missing, the steps that need it, and a value that would pass."""

    fact: str
    title: Text
    needed_for: tuple[str, ...]
    proposed: Any = None  # JSON form; None when no single value is known to pass
    requirement: Text | None = None
    text: Text = Text("", "")


@attrs.frozen(repr=False)
class Gap(JsonMixin):
    """What must change for an office to reach ``target`` (see the module documentation)."""

    office_id: str
    office_name: str | None
    target: str
    target_title: Text | None
    outcome: str
    outcome_title: Text | None
    reached: bool
    already: str | None
    blocked_by: str | None
    groups: tuple[GapGroup, ...]
    to_be_provided: tuple[Provide, ...]
    unresolved: tuple[str, ...]
    ruleset: str
    notes: tuple[Text, ...] = ()

    @property
    def items(self) -> tuple[GapItem, ...]:
        return tuple(item for group in self.groups for item in group.items)

    def __repr__(self) -> str:
        state = ("reached" if self.reached else f"{len(self.items)} changes, "
                 f"{len(self.to_be_provided)} facts to provide")
        extra = f", blocked by {self.blocked_by}" if self.blocked_by else (
            f", already {self.already}" if self.already else "")
        return f"<Gap {self.office_id} {self.outcome} -> {self.target}: {state}{extra}>"

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[GapItem]:
        return iter(self.items)

    @property
    def changes(self) -> dict[str, Any]:
        """The proposed value of every fact to change (JSON form)."""
        return {item.change.fact: item.change.required for item in self.items}

    @property
    def reachable(self) -> bool:
        """Whether applying the changes (and providing the missing facts) reaches the target."""
        return not self.unresolved and self.blocked_by is None and self.already is None

    def apply(self, office: Mapping[str, Any] | Office, *, provide: bool = False
              ) -> dict[str, Any]:
        """``office`` (plain data) with the proposed changes; ``provide=True`` also fills the
        missing facts with the passing values of :attr:`to_be_provided` where known."""
        data = office.to_dict() if isinstance(office, Office) else dict(office)
        for fact, value in self.changes.items():
            data[fact] = list(value) if isinstance(value, tuple) else value
        if provide:
            for entry in self.to_be_provided:
                if entry.proposed is not None and data.get(entry.fact) is None:
                    value = entry.proposed
                    data[entry.fact] = list(value) if isinstance(value, tuple) else value
        return data

    def explain(self, lang: Lang = "en", fmt: Format = "text", *, standalone: bool = False
                ) -> str:
        """The gap as text (``fmt``: ``text``, ``md``, ``html`` or ``json``)."""
        from .report import render_gap

        return render_gap(self, lang, fmt, standalone=standalone)

    def to_dict(self) -> dict[str, Any]:
        def text(value: Text | None) -> dict[str, str] | None:
            return {"zh": value.zh, "en": value.en} if value is not None else None

        def change(value: Change) -> dict[str, Any]:
            data = attrs.asdict(value)
            return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

        return {
            "format": "mingxing-gap/1",
            "office": {"id": self.office_id, "name": self.office_name},
            "ruleset": self.ruleset,
            "target": self.target,
            "target_title": text(self.target_title),
            "outcome": self.outcome,
            "outcome_title": text(self.outcome_title),
            "reached": self.reached,
            "already": self.already,
            "blocked_by": self.blocked_by,
            "groups": [{
                "id": g.id, "kind": g.kind, "clause": g.clause, "title": text(g.title),
                "items": [{
                    "step": i.step, "kind": i.kind, "clause": i.clause, "title": text(i.title),
                    "change": change(i.change),
                    "alternatives": [change(a) for a in i.alternatives],
                    "knock_on": i.knock_on, "text": text(i.text),
                    "columns": [text(c) for c in i.columns],
                    "alternatives_text": text(i.alternatives_text),
                } for i in g.items],
            } for g in self.groups],
            "to_be_provided": [{
                "fact": p.fact, "title": text(p.title), "needed_for": list(p.needed_for),
                "proposed": list(p.proposed) if isinstance(p.proposed, tuple) else p.proposed,
                "requirement": text(p.requirement), "text": text(p.text),
            } for p in self.to_be_provided],
            "unresolved": list(self.unresolved),
            "notes": [text(n) for n in self.notes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Gap:
        """The gap back from :meth:`to_dict` (format ``mingxing-gap/1``)."""
        def text(value: Any) -> Text:
            found = text_from(value)
            assert found is not None
            return found

        def change(value: Mapping[str, Any]) -> Change:
            return Change(**{k: tuples(v) for k, v in value.items()})

        return cls(
            office_id=data["office"]["id"], office_name=data["office"].get("name"),
            target=data["target"], target_title=text_from(data.get("target_title")),
            outcome=data["outcome"], outcome_title=text_from(data.get("outcome_title")),
            reached=data["reached"], already=data.get("already"),
            blocked_by=data.get("blocked_by"),
            groups=tuple(GapGroup(
                id=g["id"], kind=g["kind"], clause=g["clause"], title=text(g["title"]),
                items=tuple(GapItem(
                    step=i["step"], kind=i["kind"], group=g["id"], clause=i["clause"],
                    title=text(i["title"]), change=change(i["change"]),
                    alternatives=tuple(change(a) for a in i.get("alternatives", ())),
                    knock_on=i.get("knock_on", False), text=text(i["text"]),
                    columns=tuple(text(c) for c in i.get("columns", ())),
                    alternatives_text=text_from(i.get("alternatives_text")),
                ) for i in g["items"]),
            ) for g in data.get("groups", ())),
            to_be_provided=tuple(Provide(
                fact=p["fact"], title=text(p["title"]), needed_for=tuple(p["needed_for"]),
                proposed=tuples(p.get("proposed")), requirement=text_from(p.get("requirement")),
                text=text(p["text"]),
            ) for p in data.get("to_be_provided", ())),
            unresolved=tuple(data.get("unresolved", ())),
            ruleset=data["ruleset"],
            notes=tuple(text(n) for n in data.get("notes", ())),
        )

    def _repr_html_(self) -> str:
        from .report import render_gap

        return render_gap(self, "en", "html")


# -- entry point -----------------------------------------------------------------------------------


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


def _resolve(subject: Verdict | Mapping[str, Any] | Office, ruleset: Ruleset | str | None
             ) -> tuple[Ruleset, Office]:
    if isinstance(subject, Verdict):
        if ruleset is None:
            compiled = load_ruleset(subject.ruleset_id, options=dict(subject.options))
        else:
            compiled = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
        return compiled, compiled.parse_office(office_from_verdict(subject))
    compiled = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(
        ruleset or "star-judicial-office")
    return compiled, compiled.parse_office(subject)


def gap(subject: Verdict | Mapping[str, Any] | Office, ruleset: Ruleset | str | None = None,
        target: str = "STAR") -> Gap:
    """What ``subject`` (a verdict, or an office as data) must change to reach ``target``.

    ``ruleset`` defaults to the verdict's own ruleset (with its options) or the bundled Star
    ruleset. Raises :class:`~mingxing_rules.errors.InputError` for invalid office data and
    :class:`ValueError` for a ``target`` that is not an outcome of the ruleset.
    """
    compiled, office = _resolve(subject, ruleset)
    return _Analysis(compiled, office, target).run()


# -- the analysis ----------------------------------------------------------------------------------


def _passes(value: Any) -> bool:
    return value is True or value is NA


def _satisfied(value: Any, want: bool) -> bool:
    return _passes(value) if want else value is False


@attrs.define
class _Need:
    """A step that must pass (``want``) or, for an outcome that would outrank the target, must
    be false."""

    step: str
    group: str
    group_kind: str
    want: bool = True


class _Analysis:
    def __init__(self, ruleset: Ruleset, office: Office, target: str) -> None:
        spec = ruleset.spec
        if target not in spec.outcomes:
            from ..language.typecheck import suggest

            hint = suggest(target, spec.outcomes)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise ValueError(f"target {target!r} is not an outcome of ruleset {spec.id}{extra}; "
                             f"outcomes: {', '.join(spec.outcomes)}")
        self.ruleset = ruleset
        self.program: CompiledProgram = ruleset.program
        self.spec = spec
        self.office = office
        self.target = target
        self.facts: dict[str, Any] = dict(office.facts)
        self.options = dict(self.program.options)
        self.fact_specs: dict[str, FactSpec] = {f.name: f for f in spec.facts}
        self.words = {lang: Wording(lang, spec) for lang in ("zh", "en")}
        self.above = spec.outcomes[:spec.outcomes.index(target)]

    # structure ------------------------------------------------------------------------------------
    def info(self, step_id: str) -> NodeInfo:
        return self.program.layout[self.program.index[step_id]]

    def expand(self, step_id: str, group: str, group_kind: str, out: list[_Need]) -> None:
        """The leaf steps that must pass for ``step_id`` to pass."""
        info = self.info(step_id)
        spec = info.spec
        if info.kind == "criterion" or spec is None:
            out.append(_Need(step_id, group, group_kind))
            return
        if info.kind in ("standard", "group"):
            for child in spec.children:
                child_kind = self.info(child).kind
                if child_kind == "criterion":
                    out.append(_Need(child, step_id, "standard"))
                else:
                    self.expand(child, step_id, "standard", out)
            return
        refs = _conjunct_refs(spec.condition, self.program.index)
        if refs is None:
            out.append(_Need(step_id, group, group_kind))
            return
        for ref in refs:
            ref_kind = self.info(ref).kind
            if ref_kind in ("standard", "group", "criterion"):
                self.expand(ref, group, group_kind, out)
            else:
                self.expand(ref, ref if self.info(ref).spec and _conjunct_refs(
                    self.info(ref).spec.condition,  # type: ignore[union-attr]
                    self.program.index) is not None else step_id, "procedure", out)

    def row(self, facts: Mapping[str, Any]) -> tuple[Any, ...]:
        return self.program.full(facts)

    def consistent_change(self, change: Change, facts: Mapping[str, Any]) -> Change:
        """``change`` raised, where it sets the denominator of a bounded rate, so that the rate
        stays within its bound (49 mediated cannot stand with 50 resolved: propose 50)."""
        required = change.required
        if change.kind != "number" or isinstance(required, bool) or not isinstance(
                required, int | float):
            return change
        raised = required
        for node in self.program.plan.of_kind("derived"):
            ratio = node.ratio
            if (ratio is None or node.maximum is None or node.maximum <= 0
                    or ratio.denominator != change.fact):
                continue
            numerator = facts.get(ratio.numerator)
            if isinstance(numerator, int | float) and not isinstance(numerator, bool):
                raised = max(raised, math.ceil(numerator / node.maximum))
        if raised == required:
            return change
        again = self.change(change.fact, facts.get(change.fact), raised, change.kind)
        return attrs.evolve(change, required=again.required, delta=again.delta, cost=again.cost)

    def consistent(self, facts: Mapping[str, Any]) -> bool:
        """Whether ``facts`` keep every derived value within its declared bounds (a proposal
        must not make, say, more disputes resolved than mediated) and every constraint of the
        ruleset (key + general released = released; the submission date in the year's window)."""
        if any(holds is False for holds in self.ruleset.constraints.check(facts)):
            return False
        for derived, value in zip(self.spec.derived, self.program.derive(facts), strict=True):
            if value is None:
                continue
            if (derived.minimum is not None and value < derived.minimum) or (
                    derived.maximum is not None and value > derived.maximum):
                return False
        return True

    def ordered(self, needs: list[_Need]) -> list[_Need]:
        """Each step once, in the order of the plan's rows."""
        unique = list({n.step: n for n in needs}.values())
        unique.sort(key=lambda n: self.program.index[n.step])
        return unique

    def settle(self, facts: Mapping[str, Any], movable: set[str]) -> dict[str, Any]:
        """The moves of ``movable`` facts (values the gap proposes to provide) that make
        ``facts`` keep the constraints and the bounds of ratio-derived values: larger sides are
        raised (received disputes up to the mediated ones; released persons up to those
        resettled), never a fact the office gave or a change already proposed. A value that
        cannot be mended is withdrawn (``None``), so the office leaves it unknown."""
        view = dict(facts)
        for _ in range(MAX_ROUNDS):
            if self.consistent(view):
                break
            repair(view, self.ruleset.constraints, fixed=set(view) - movable, prefer="raise")
            derived = dict(zip((d.name for d in self.spec.derived), self.program.derive(view),
                               strict=True))
            for node in self.program.plan.of_kind("derived"):
                ratio, value = node.ratio, derived.get(node.id)
                if (ratio is None or node.maximum is None or node.maximum <= 0
                        or not isinstance(value, int | float) or value <= node.maximum):
                    continue
                numerator, denominator = view.get(ratio.numerator), view.get(ratio.denominator)
                if ratio.denominator in movable and isinstance(numerator, int | float):
                    view[ratio.denominator] = math.ceil(numerator / node.maximum)
                elif ratio.numerator in movable and isinstance(denominator, int | float):
                    view[ratio.numerator] = math.floor(denominator * node.maximum)
        return {name: view.get(name) for name in movable
                if view.get(name) is not facts.get(name) and view.get(name) != facts.get(name)}

    def value(self, row: tuple[Any, ...], step_id: str) -> Any:
        return row[self.program.index[step_id]]

    # the run --------------------------------------------------------------------------------------
    def outranking(self, row: tuple[Any, ...]) -> str | None:
        """The first outcome ranked above the target that holds in ``row``."""
        for outcome_id in self.above:
            if self.value(row, outcome_id) is True:
                return outcome_id
        return None

    def note(self, key: str, outcome_id: str) -> Text:
        node = self.spec.node(outcome_id)
        target = self.spec.node(self.target)
        return Text(*(self.words[lang].message(
            key, outcome_title=node.title.get(lang), outcome=outcome_id,
            clause=node.clause or "—", target_title=target.title.get(lang))
            for lang in ("zh", "en")))

    def needs(self, row: tuple[Any, ...]) -> tuple[list[_Need], str | None]:
        """What must hold in ``row`` for the target to be decided: the target's own leaf steps,
        and for each outcome ranked above it that is not false, the step whose failure rules it
        out (or, unknown, the facts that settle it). Also the outcome above that already holds
        and cannot be ruled out, if any: then only the target's own steps are of interest."""
        spec = self.spec
        needs: list[_Need] = []
        self.expand(self.target, self.target, "standard", needs)
        target_needs = list(needs)
        decided_above: str | None = None
        for outcome_id in self.above:
            value = self.value(row, outcome_id)
            if value is False:
                continue
            negated = _negated_ref(spec.node(outcome_id).condition, self.program.index)
            if negated is not None:
                self.expand(negated, negated, "procedure", needs)
            elif value is True:
                decided_above = outcome_id
                break  # outcomes after the deciding one do not matter for this office
            else:  # unknown: facts to provide so that it does not apply
                needs.append(_Need(outcome_id, outcome_id, "procedure", want=False))
        if decided_above is not None:
            needs = target_needs
        return needs, decided_above

    def run(self) -> Gap:
        spec = self.spec
        row = self.row(self.facts)
        outcome = _outcome(self.program, row)
        target_effect = spec.node(self.target).effect
        needs, decided_above = self.needs(row)
        needs = self.ordered(needs)
        if outcome == self.target:
            return self._result(outcome, {}, {}, {}, [], None, None, [], True, {})

        changes: dict[str, tuple[str, Change, tuple[Change, ...], bool]] = {}
        provided: dict[str, Any] = {}
        provide_for: dict[str, list[str]] = {}
        original = {n.step: self.value(row, n.step) for n in needs}
        facts = dict(self.facts)
        unresolved: list[str] = []
        for _ in range(MAX_ROUNDS):  # changes can interact: re-evaluate until nothing is open
            progress = False
            # a change can bring an outcome above the target into play (an office made a
            # township office is no longer inadmissible, so a missing finding of a major
            # problem now matters): what is needed is asked again of the current facts
            current_row = self.row(facts)
            for need in self.needs(current_row)[0]:
                if need.step not in original:
                    original[need.step] = self.value(row, need.step)
                    needs.append(need)
            needs = self.ordered(needs)
            for need in needs:
                if _satisfied(self.value(self.row(facts), need.step), need.want):
                    continue
                missing = self.missing_inputs(need.step, facts)
                if missing:
                    for name in missing:
                        provide_for.setdefault(name, []).append(need.step)
                    proposal = self.fill(need.step, facts, missing, need.want)
                    facts.update(proposal)
                    provided.update(proposal)
                    # values proposed one fact at a time can disagree with each other (1
                    # resolved, then 0 mediated and 0 received): only proposed values move
                    for name, value in self.settle(facts, set(provided)).items():
                        if value is None:
                            facts.pop(name, None)
                            provided.pop(name, None)
                        else:
                            facts[name] = provided[name] = value
                    progress = progress or bool(proposal)
                    continue
                best, others = self.solve(need.step, facts) if need.want else (None, ())
                if best is None:
                    unresolved.append(need.step)
                    continue
                facts[best.fact] = _normal(self.fact_specs[best.fact], best.required)
                changes[need.step] = (need.step, best, others, _passes(original[need.step]))
                progress = True
            if not progress:
                break
        final = self.row(facts)
        still = [n.step for n in needs if not _satisfied(self.value(final, n.step), n.want)]
        # an outcome that decided above the target as the office stands is what blocks it
        after = decided_above or self.outranking(final)
        already = blocked_by = None
        if after is not None:
            if spec.node(after).effect == target_effect and target_effect != "none":
                already = after
            else:
                blocked_by = after
        unresolved = [s for s in dict.fromkeys([*unresolved, *still])
                      if not self.missing_inputs(s, facts) and s not in self.above]
        return self._result(outcome, changes, provided, provide_for, unresolved, already,
                            blocked_by, needs, False, {n.step: n for n in needs})

    # missing facts --------------------------------------------------------------------------------
    def missing_inputs(self, step_id: str, facts: Mapping[str, Any]) -> list[str]:
        """Facts not provided that an unknown step reads (through derived values too)."""
        row = self.row(facts)
        if self.value(row, step_id) is not None:
            return []
        missing: list[str] = []
        seen: set[str] = set()
        stack = [step_id]
        while stack:
            current = stack.pop(0)
            if current in seen:
                continue
            seen.add(current)
            info = self.info(current)
            if current != step_id and row[self.program.index[current]] is not None:
                continue
            for name in info.reads:
                if name in self.program.index:
                    stack.append(name)
                elif name not in facts and name not in missing:
                    missing.append(name)
            stack.extend(info.depends_on)
        return missing

    def fill(self, step_id: str, facts: Mapping[str, Any], missing: list[str], want: bool = True
             ) -> dict[str, Any]:
        """Values for the missing facts under which the step passes (tried one fact at a time,
        then all together), so that ``apply(provide=True)`` can reach the target."""
        proposal: dict[str, Any] = {}
        trial = dict(facts)
        for name in missing:
            fact = self.fact_specs.get(name)
            if fact is None:
                continue
            found = None
            for candidate in self.values_to_try(name, step_id, trial):
                attempt_row = self.row({**trial, name: candidate})
                if _satisfied(self.value(attempt_row, step_id), want) and (
                        self.outranking(attempt_row) is None) and self.consistent(
                        {**trial, name: candidate}):
                    found = candidate
                    break
            if found is None:
                # the step needs more than this fact: fill it anyway (with a value that keeps
                # the constraints where one does) and try the next one
                tries = self.values_to_try(name, step_id, trial)
                found = next((c for c in tries if self.consistent({**trial, name: c})),
                             tries[0] if tries else None)
            if found is not None:
                trial[name] = found
                proposal[name] = found
        return proposal

    def values_to_try(self, name: str, step_id: str, facts: Mapping[str, Any]) -> list[Any]:
        """Candidate values of a missing fact: what the step's thresholds ask for first."""
        fact = self.fact_specs[name]
        candidates: list[Any] = []
        solved, _ = self.solve(step_id, {**facts}, only=name)
        if solved is not None:
            candidates.append(_normal(fact, solved.required))
        limits = [t for info in self.program.layout for t in info.thresholds if t.fact == name]
        if fact.type in ("boolean", "finding"):
            candidates += [True, False]
        elif fact.type == "enum":
            candidates += list(fact.value_ids)
        elif fact.type == "set":
            candidates += [frozenset(fact.value_ids), frozenset()]
        elif fact.type in ("number", "integer"):
            for t in limits:
                if isinstance(t.value, int | float) and not isinstance(t.value, bool):
                    candidates += [t.value, t.value + 1, t.value - 1]
            candidates += [fact.minimum if fact.minimum is not None else 0]
            candidates = [c for c in candidates if isinstance(c, int | float) and _in_bounds(
                fact, c)]
            if fact.type == "integer":
                candidates = [math.ceil(c) for c in candidates]
        return list(dict.fromkeys(candidates))

    # solving one step -----------------------------------------------------------------------------
    def solve(self, step_id: str, facts: Mapping[str, Any], only: str | None = None
              ) -> tuple[Change | None, tuple[Change, ...]]:
        """The cheapest single-fact change that makes ``step_id`` pass, and the alternatives."""
        info = self.info(step_id)
        candidates = self.candidates(info, facts)
        if only is not None:
            candidates = [c for c in candidates if c.fact == only]
        working: list[tuple[int, Change]] = []
        for order, proposed in enumerate(candidates):
            fact = self.fact_specs.get(proposed.fact)
            if fact is None:
                continue
            change = self.consistent_change(proposed, facts)
            trial = {**facts, change.fact: _normal(fact, change.required)}
            if _passes(self.value(self.row(trial), step_id)) and self.consistent(trial):
                working.append((order, change))
        if not working and only is None:
            for order, proposed in enumerate(self.fallback(info, facts)):
                fact = self.fact_specs[proposed.fact]
                change = self.consistent_change(proposed, facts)
                trial = {**facts, change.fact: _normal(fact, change.required)}
                if _passes(self.value(self.row(trial), step_id)) and self.consistent(trial):
                    working.append((len(candidates) + order, change))
        if not working:
            return None, ()
        working.sort(key=lambda pair: (pair[1].cost, pair[0]))
        best = working[0][1]
        others = tuple(c for _, c in working[1:] if c.fact != best.fact or c.required
                       != best.required)
        alternatives = tuple(c for c in others if math.isclose(c.cost, best.cost)
                             or c.kind in ("add", "enum"))
        return best, tuple(dict.fromkeys(alternatives))

    def candidates(self, info: NodeInfo, facts: Mapping[str, Any]) -> list[Change]:
        spec = info.spec
        condition = spec.condition if spec is not None else None
        found: list[Change] = []
        if spec is None or condition is None:
            return found
        antecedent = _antecedent_names(condition)
        thresholds = [t for t in info.condition_thresholds if t.fact not in antecedent]
        values = self.values(facts)
        counted = info.counted_set
        if counted is not None and counted in self.fact_specs:
            current = facts.get(counted)
            found.append(self.change(counted, current, frozenset(), "remove"))
        for t in thresholds:
            if threshold_holds(t, json_value(values.get(t.fact))) is True:
                continue
            if t.fact in self.fact_specs:
                found += self.fact_changes(t, facts)
            else:
                change = self.rate_change(t, facts, values)
                if change is not None:
                    found.append(change)
        found += self.compared_with_expression(condition, facts)
        return found

    def values(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """Facts and derived values (the derived ones from the compiled row)."""
        row = self.row(facts)
        merged = dict(facts)
        for info, value in zip(self.program.layout, row, strict=True):
            if info.kind == "derived":
                merged[info.id] = value
        return merged

    def change(self, name: str, current: Any, required: Any, kind: str, **extra: Any) -> Change:
        """A change record with its delta and cost."""
        cur, req = json_value(current), json_value(required)
        delta: Any = None
        cost = 1.0
        if kind == "number" and isinstance(req, int | float):
            base = cur if isinstance(cur, int | float) else 0
            delta = req - base
            if isinstance(delta, float) and delta.is_integer() and isinstance(base, int):
                delta = int(delta)
            cost = 1.0 + abs(delta) / max(abs(req), abs(base), 1)
        elif kind in ("add", "remove"):
            before = set(cur or ())
            after = set(req or ())
            delta = tuple(sorted(after - before if kind == "add" else before - after))
            cost = float(max(len(delta), 1))
        elif kind == "date" and isinstance(current, dt.date) and isinstance(required, dt.date):
            cost = 1.0 + abs((required - current).days) / 365
        return Change(fact=name, kind=kind, current=cur, required=req, delta=delta, cost=cost,
                      **extra)

    def fact_changes(self, t: Threshold, facts: Mapping[str, Any]) -> list[Change]:
        fact = self.fact_specs[t.fact]
        current = facts.get(t.fact)
        if fact.type in ("boolean", "finding"):
            if t.op == "==" and isinstance(t.value, bool):
                return [self.change(t.fact, current, t.value, "true" if t.value else "false")]
            return []
        if fact.type in ("number", "integer"):
            if not isinstance(t.value, int | float) or isinstance(t.value, bool):
                return []
            required = _required_number(t.op, t.value, fact.type == "integer")
            if required is None or not _in_bounds(fact, required):
                return []
            return [self.change(t.fact, current, required, "number", op=_bound_op(t.op))]
        if fact.type == "enum":
            if t.op == "==":
                return [self.change(t.fact, current, t.value, "enum")]
            return []
        if fact.type == "set":
            have = frozenset(current or ())
            if t.op == "contains":
                return [self.change(t.fact, current, have | {t.value}, "add")]
            if t.op == "contains_all":
                return [self.change(t.fact, current, have | set(t.value), "add")]
            if t.op == "contains_any":
                return [self.change(t.fact, current, have | {v}, "add") for v in t.value]
            if t.op == "lacks":
                return [self.change(t.fact, current, have - {t.value}, "remove")]
            return []
        if fact.type == "date" and isinstance(t.value, str):
            try:
                limit = dt.date.fromisoformat(t.value)
            except ValueError:
                return []
            day = _required_date(t.op, limit)
            return [self.change(t.fact, current, day, "date", op=_bound_op(t.op))] if (
                day) else []
        return []

    def rate_change(self, t: Threshold, facts: Mapping[str, Any], values: Mapping[str, Any]
                    ) -> Change | None:
        """Move the numerator of a rate ``a / b`` to the nearest whole count that meets ``t``."""
        if t.fact not in self.program.index or not isinstance(t.value, int | float) or isinstance(
                t.value, bool):
            return None
        ratio = self.info(t.fact).ratio
        if ratio is None or ratio.numerator not in self.fact_specs:
            return None
        top, bottom = ratio.numerator, ratio.denominator
        denominator = facts.get(bottom)
        if not isinstance(denominator, int | float) or denominator <= 0:
            return None
        fact = self.fact_specs[top]
        limit = Fraction(str(t.value)) if isinstance(t.value, float) else Fraction(t.value)
        exact = limit * Fraction(str(denominator))
        integer = fact.type == "integer"
        required: Any
        if t.op in (">=", ">"):
            required = math.ceil(exact) if integer else float(exact)
            if t.op == ">" and required == exact:
                required = required + 1 if integer else float(exact) + 0.01
        elif t.op in ("<=", "<"):
            required = math.floor(exact) if integer else float(exact)
            if t.op == "<" and required == exact:
                required = required - 1 if integer else float(exact) - 0.01
        else:
            return None
        if not _in_bounds(fact, required):
            return None
        after = required / denominator if denominator else None
        return self.change(top, facts.get(top), required, "number", via=t.fact,
                           via_before=values.get(t.fact), via_after=after, op=_bound_op(t.op))

    def compared_with_expression(self, condition: Expr, facts: Mapping[str, Any]
                                 ) -> list[Change]:
        """``fact <op> <expression of other facts>`` (``submitted_on <= date(year, 11, 30)``)."""
        found: list[Change] = []
        for node in iter_nodes(condition):
            if not isinstance(node, Compare) or len(node.ops) != 1:
                continue
            left, right = node.operands
            op = node.ops[0]
            if isinstance(right, Name) and right.name in self.fact_specs and not isinstance(
                    left, Literal):
                left, right = right, left
                op = COMPARATOR_FLIP.get(op, op)
            if not isinstance(left, Name) or left.name not in self.fact_specs or isinstance(
                    right, Literal):
                continue
            fact = self.fact_specs[left.name]
            try:
                limit = expression_value(right, {**facts, **self.options})
            except ValueError:
                continue
            current = facts.get(left.name)
            if fact.type == "date" and isinstance(limit, dt.date):
                required = _required_date(op, limit)
                if required is not None:
                    found.append(self.change(left.name, current, required, "date",
                                             op=_bound_op(op)))
            elif fact.type in ("number", "integer") and isinstance(limit, int | float):
                number = _required_number(op, limit, fact.type == "integer")
                if number is not None and _in_bounds(fact, number):
                    found.append(self.change(left.name, current, number, "number",
                                             op=_bound_op(op)))
        return found

    def fallback(self, info: NodeInfo, facts: Mapping[str, Any]) -> list[Change]:
        """Other values of the facts a step reads, for conditions no rule above solves."""
        spec = info.spec
        antecedent = _antecedent_names(spec.condition) if spec and spec.condition else set()
        found: list[Change] = []
        for name in info.reads:
            fact = self.fact_specs.get(name)
            if fact is None or name in antecedent:
                continue
            current = facts.get(name)
            if fact.type in ("boolean", "finding"):
                for value in (True, False):
                    if value != current:
                        found.append(self.change(name, current, value,
                                                 "true" if value else "false"))
            elif fact.type == "enum":
                found += [self.change(name, current, v, "enum") for v in fact.value_ids
                          if v != current]
            elif fact.type == "set":
                have = frozenset(current or ())
                found += [self.change(name, current, have | {v}, "add") for v in fact.value_ids
                          if v not in have]
                found += [self.change(name, current, have - {v}, "remove") for v in sorted(have)]
            elif fact.type in ("number", "integer"):
                for t in info.thresholds:
                    if t.fact == name and isinstance(t.value, int | float) and not isinstance(
                            t.value, bool):
                        for number in (t.value, t.value + 1, t.value - 1):
                            if _in_bounds(fact, number):
                                found.append(self.change(name, current, number, "number"))
        return found

    # the result -----------------------------------------------------------------------------------
    def _result(self, outcome: str,
                changes: Mapping[str, tuple[str, Change, tuple[Change, ...], bool]],
                provided: Mapping[str, Any], provide_for: Mapping[str, list[str]],
                unresolved: list[str], already: str | None, blocked_by: str | None,
                _needs: list[_Need], reached: bool, needs: Mapping[str, _Need]) -> Gap:
        spec = self.spec
        notes: list[Text] = []
        if already is not None:
            notes.append(self.note("gap.already", already))
        if blocked_by is not None:
            notes.append(self.note("gap.blocked", blocked_by))
        if unresolved:
            notes.append(Text(*(self.words[lang].message("gap.unreachable", criteria=self.words[
                lang].join(spec.node(s).title.get(lang) for s in unresolved))
                for lang in ("zh", "en"))))
        # the final value of each changed fact, measured from the office as it is now
        final: dict[str, Any] = {}
        for _, change, _, _ in changes.values():
            final[change.fact] = change.required
        values_now = self.values(self.facts)
        final_normal = {k: _normal(self.fact_specs[k], v) for k, v in final.items()}
        facts_after = {**self.facts, **{k: _normal(self.fact_specs[k], v)
                                        for k, v in final.items()}}
        values_after = self.values({**facts_after, **provided})
        items_by_group: dict[str, list[GapItem]] = {}
        for step_id, proposed, others, knock_on in changes.values():
            change = self._final_change(proposed, final, values_now, values_after)
            info = self.info(step_id)
            need = needs.get(step_id)
            group = need.group if need else step_id
            title = info.spec.title if info.spec else Text(step_id, step_id)
            clause = info.spec.clause if info.spec else ""
            item = GapItem(step=step_id, kind=info.kind, group=group, clause=clause, title=title,
                           change=change, alternatives=others, knock_on=knock_on,
                           text=Text(*(self.item_text(lang, title, clause, change, others,
                                                      knock_on) for lang in ("zh", "en"))),
                           columns=self.columns(change),
                           alternatives_text=self.alternatives_text(others))
            items_by_group.setdefault(group, []).append(item)
        groups = []
        for group_id, items in items_by_group.items():
            node = spec.node(group_id)
            kind = "standard" if node.kind in ("standard", "group", "criterion") else "procedure"
            items.sort(key=lambda i: self.program.index[i.step])
            groups.append(GapGroup(group_id, kind, node.clause, node.title, tuple(items)))
        groups.sort(key=lambda g: self.program.index[g.id])
        provides: list[Provide] = []
        for name in sorted(provide_for, key=lambda n: _first_index(self.program, provide_for[n])):
            fact = self.fact_specs.get(name)
            title = fact.title if fact else Text(name, name)
            steps = tuple(dict.fromkeys(provide_for[name]))
            passing = json_value(provided[name]) if name in provided else None
            without = {k: v for k, v in {**self.facts, **final_normal}.items() if k != name}
            requirement = self.requirement(name, steps, without)
            provides.append(Provide(name, title, steps, passing, requirement, Text(*(
                self.provide_text(lang, name, steps, requirement) for lang in ("zh", "en")))))
        target_node = spec.node(self.target)
        outcome_node = spec.node(outcome) if outcome != "UNDECIDED" else None
        outcome_title = outcome_node.title if outcome_node else Text(*(
            self.words[lang].message("outcome.undecided") for lang in ("zh", "en")))
        return Gap(
            office_id=self.office.id,
            office_name=self.office.name,
            target=self.target,
            target_title=target_node.title,
            outcome=outcome,
            outcome_title=outcome_title,
            reached=reached,
            already=already,
            blocked_by=blocked_by,
            groups=tuple(groups),
            to_be_provided=tuple(provides),
            unresolved=tuple(unresolved),
            ruleset=self.ruleset.key,
            notes=tuple(notes),
        )

    def _final_change(self, change: Change, final: Mapping[str, Any],
                      values_now: Mapping[str, Any], values_after: Mapping[str, Any]) -> Change:
        """The change measured from the office as it is, with the value all rounds agreed on."""
        fact = self.fact_specs[change.fact]
        required = final.get(change.fact, change.required)
        updated = self.change(change.fact, self.facts.get(change.fact),
                              _normal(fact, required), change.kind, via=change.via)
        if change.via:
            updated = attrs.evolve(updated, via_before=values_now.get(change.via),
                                   via_after=values_after.get(change.via))
        return updated

    def requirement(self, name: str, steps: tuple[str, ...], facts: Mapping[str, Any]
                    ) -> Text | None:
        """What a missing fact must be for the first step that needs it to pass."""
        for step_id in steps:
            solved, _ = self.solve(step_id, facts, only=name)
            if solved is None:
                continue
            texts = []
            for lang in ("zh", "en"):
                w = self.words[lang]
                key = f"gap.requirement.{solved.op}"
                if not w.has(key):
                    key = "gap.requirement.=="
                texts.append(w.message(key, threshold=w.value(name, solved.required)))
            return Text(*texts)
        return None

    # wording --------------------------------------------------------------------------------------
    def change_text(self, lang: str, change: Change) -> str:
        w = self.words[lang]
        name = change.fact
        fact = self.fact_specs[name]
        title = w.fact_title(name)
        if change.kind == "number":
            delta = _signed(w, name, change.delta)
            current = w.value(name, change.current)
            required = w.value(name, change.required)
            down = isinstance(change.delta, int | float) and change.delta < 0
            amount = w.value(name, abs(change.delta)) if isinstance(
                change.delta, int | float) else ""
            if change.via:
                return w.message("gap.change.rate.down" if down else "gap.change.rate",
                                 fact=title, current=current, amount=amount,
                                 required=required, delta=delta, rate=w.fact_title(change.via),
                                 rate_before=w.value(change.via, change.via_before,
                                                     distinct_from=change.via_after),
                                 rate_after=w.value(change.via, change.via_after))
            return w.message("gap.change.number.down" if down else "gap.change.number",
                             fact=title, current=current, required=required, delta=delta,
                             amount=amount)
        if change.kind in ("true", "false"):
            key = "gap.change.finding" if fact.type == "finding" and change.kind == "true" else (
                f"gap.change.{change.kind}")
            return w.message(key, fact=title)
        if change.kind in ("add", "remove"):
            items = w.join(w.choice(name, str(v)) for v in change.delta or ())
            return w.message(f"gap.change.{change.kind}", fact=title, items=items)
        if change.kind == "enum":
            return w.message("gap.change.enum", fact=title, current=w.value(name, change.current),
                             required=w.value(name, change.required))
        if change.kind == "date":
            later = (isinstance(change.current, str) and isinstance(change.required, str)
                     and change.required > change.current)
            key = "gap.change.date_after" if later else "gap.change.date"
            return w.message(key, fact=title, current=w.value(name, change.current),
                             required=w.value(name, change.required))
        return w.message("gap.change.other", fact=title, current=w.value(name, change.current),
                         required=w.value(name, change.required))

    def columns(self, change: Change) -> tuple[Text, ...]:
        """The fact, its value now, the value required and the change, in both languages."""
        cells: list[list[str]] = [[], [], [], []]
        for lang in ("zh", "en"):
            w = self.words[lang]
            name = change.fact
            if change.kind == "number":
                delta = _signed(w, name, change.delta)
            elif change.kind in ("add", "remove"):
                sign = "+" if change.kind == "add" else "-"
                delta = w.join(sign + w.choice(name, str(v)) for v in change.delta or ())
            else:
                delta = ""
            for index, value in enumerate((w.fact_title(name), w.value(name, change.current),
                                           w.value(name, change.required), delta)):
                cells[index].append(value)
        return tuple(Text(zh, en) for zh, en in cells)

    def alternatives_text(self, alternatives: tuple[Change, ...]) -> Text | None:
        if not alternatives:
            return None
        return Text(*(self.words[lang].message("gap.alternatives", alternatives=self.words[
            lang].join((self.change_text(lang, a) for a in alternatives), "or"))
            for lang in ("zh", "en")))

    def item_text(self, lang: str, title: Text, clause: str, change: Change,
                  alternatives: tuple[Change, ...], knock_on: bool) -> str:
        w = self.words[lang]
        text = w.message("gap.item", title=title.get(lang), clause=clause or "—",
                         change=self.change_text(lang, change))
        if alternatives:
            text += w.message("reads.sep") + w.message("gap.alternatives", alternatives=w.join(
                (self.change_text(lang, a) for a in alternatives), "or"))
        if knock_on:
            text += w.message("reads.sep") + w.message("gap.knock_on")
        return text

    def provide_text(self, lang: str, name: str, steps: tuple[str, ...],
                     requirement: Text | None) -> str:
        w = self.words[lang]
        criteria = w.join(self.spec.node(s).title.get(lang) for s in steps)
        if requirement is not None:
            return w.message("gap.provide.requirement", fact=w.fact_title(name),
                             requirement=requirement.get(lang), criteria=criteria)
        return w.message("gap.provide", fact=w.fact_title(name), criteria=criteria)


# -- helpers ---------------------------------------------------------------------------------------


def _first_index(program: CompiledProgram, steps: list[str]) -> int:
    return min(program.index[s] for s in steps)


def _outcome(program: CompiledProgram, row: tuple[Any, ...]) -> str:
    return program.plan.decide(row).outcome


def _conjunct_refs(condition: Expr | None, index: Mapping[str, int]) -> list[str] | None:
    """The rule ids of a condition that is a plain conjunction of rule names, else None."""
    if isinstance(condition, Name) and condition.name in index:
        return [condition.name]
    if isinstance(condition, BoolOp) and condition.op == "and" and all(
            isinstance(o, Name) and o.name in index for o in condition.operands):
        return [o.name for o in condition.operands if isinstance(o, Name)]
    return None


def _negated_ref(condition: Expr | None, index: Mapping[str, int]) -> str | None:
    if isinstance(condition, Unary) and condition.op == "not" and isinstance(
            condition.operand, Name) and condition.operand.name in index:
        return condition.operand.name
    return None


def _antecedent_names(condition: Expr | None) -> set[str]:
    """Names read only on the left of an implication (they say *when* the rule applies)."""
    if condition is None:
        return set()
    left: set[str] = set()
    right: set[str] = set()
    for node in iter_nodes(condition):
        if isinstance(node, Implies):
            left |= set(names_in(node.left))
            right |= set(names_in(node.right))
    return left - right


def _required_number(op: str, limit: float, integer: bool) -> float | None:
    if op == ">=":
        return math.ceil(limit) if integer else limit
    if op == ">":
        return math.floor(limit) + 1 if integer else round(limit + 0.01, 10)
    if op == "<=":
        return math.floor(limit) if integer else limit
    if op == "<":
        return math.ceil(limit) - 1 if integer else round(limit - 0.01, 10)
    if op == "==":
        return limit
    return None


def _bound_op(op: str) -> str:
    """The requirement a proposed value stands for: ``> 3`` proposes 4, "at least 4"."""
    return {">": ">=", "<": "<="}.get(op, op)


def _required_date(op: str, limit: dt.date) -> dt.date | None:
    if op in ("<=", ">=", "=="):
        return limit
    if op == "<":
        return limit - dt.timedelta(days=1)
    if op == ">":
        return limit + dt.timedelta(days=1)
    return None


def _in_bounds(fact: FactSpec, value: float) -> bool:
    if fact.minimum is not None and value < fact.minimum:
        return False
    return not (fact.maximum is not None and value > fact.maximum)


def _normal(fact: FactSpec, value: Any) -> Any:
    """A JSON-form value in the form the compiled functions read (sets, dates)."""
    if value is None:
        return None
    if fact.type == "set":
        return frozenset(value)
    if fact.type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if fact.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _signed(w: Wording, name: str, delta: Any) -> str:
    if not isinstance(delta, int | float):
        return ""
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return sign + w.value(name, abs(delta))
