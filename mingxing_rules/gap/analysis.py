"""The search for what an office must change (see :mod:`mingxing_rules.gap.solver` for what it
proposes and why).

Every candidate change is checked by evaluating the compiled ruleset, so one analysis reads the
office many times with one fact changed. The run keeps the evaluation of its current facts and
passes it along (a trial's evaluation becomes the current one when its change is made), and
trials are read node by node (:mod:`.evaluation`), so that a change costs what it touches, not
a whole row. What depends only on the plan and the target is worked out once per plan
(:mod:`.static`), and items are worded when read (:mod:`.phrases`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import attrs

from ..compile.codegen import NA, CompiledProgram
from ..engine.constraints import repair
from ..engine.trace import json_value
from ..language.typecheck import suggest
from ..ruleset.load import Ruleset
from ..ruleset.model import Text
from .candidates import (
    fallback_changes,
    in_bounds,
    make_change,
    normal,
    threshold_changes,
)
from .evaluation import Evaluation, Evaluator
from .model import Change, Gap, GapGroup, GapItem, Provide
from .phrases import (
    note,
    provide_text,
    requirement_text,
    unreachable_note,
    wording,
)
from .static import GapPlan, Need, Row, Values, gap_plan

__all__ = ["MAX_ROUNDS", "Analysis"]

MAX_ROUNDS = 6  # rounds of re-evaluation for changes that interact
#: Items kept per plan for the gaps of other offices that propose the very same change, before
#: the store is emptied (a long batch must not grow it forever)
ITEMS_KEPT = 20_000

#: a proposed change per step: (step, change, alternatives, knock_on)
Proposal = tuple[str, Change, tuple[Change, ...], bool]


class NeedsInOrder(NamedTuple):
    """What :meth:`Analysis.ordered_needs` keeps per target and outcomes above it."""

    needs: tuple[Need, ...]  # as :meth:`Analysis.needs` lists them
    steps: frozenset[str]
    ordered: tuple[Need, ...]  # each step once, in row order
    by_step: dict[str, Need]
    decided_above: str | None


_ABSENT = object()  # a fact not in an office's facts (not even as None)


def _passes(value: Any) -> bool:
    return value is True or value is NA


def _satisfied(value: Any, want: bool) -> bool:
    return _passes(value) if want else value is False


def _first_open(needs: Sequence[Need], row: Sequence[Any]) -> int:
    """The index of the first need not satisfied in ``row`` (``len(needs)`` if none)."""
    for index, need in enumerate(needs):
        value = row[need.position]
        if not ((value is True or value is NA) if need.want else value is False):
            return index
    return len(needs)


_PLAIN = (bool, int, float, str)


def _same_plain(value: Any, other: Any) -> bool:
    """Whether two values are the same plain value: of one type, equal, and for floats of one
    sign (``0.0`` and ``-0.0`` make different deltas). Other values (sets, dates) are not
    compared: their JSON form is not the value itself."""
    if value is None or other is None:
        return value is other
    kind = type(value)
    if kind is not type(other) or kind not in _PLAIN or value != other:
        return False
    return kind is not float or math.copysign(1.0, value) == math.copysign(1.0, other)


class Analysis:
    """One office against one target: :meth:`run` gives the :class:`Gap`."""

    def __init__(self, ruleset: Ruleset, office_id: str, office_name: str | None,
                 facts: Mapping[str, Any], target: str) -> None:
        spec = ruleset.spec
        if target not in spec.outcomes:
            hint = suggest(target, spec.outcomes)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            raise ValueError(f"target {target!r} is not an outcome of ruleset {spec.id}{extra}; "
                             f"outcomes: {', '.join(spec.outcomes)}")
        self.ruleset = ruleset
        self.program: CompiledProgram = ruleset.program
        self.gp: GapPlan = gap_plan(self.program.plan)
        self.index = self.gp.index
        self.office_id = office_id
        self.office_name = office_name
        self.target = target
        self.facts: dict[str, Any] = dict(facts)
        self.options = self.gp.options
        self.fact_specs = self.gp.fact_specs
        self.target_needs, self.above = self.gp.target(target)
        self.check_constraints = ruleset.constraints.check
        self.full = self.program.full
        self.evaluator = Evaluator(self.full, self.gp)

    # evaluation -----------------------------------------------------------------------------------
    def values(self, facts: Mapping[str, Any], row: Row) -> Values:
        """Facts and derived values (the derived ones from ``row``, the row of ``facts``)."""
        return Values(facts, row, self.gp.derived_index)

    def value(self, row: Row, step_id: str) -> Any:
        return row[self.index[step_id]]

    def consistent(self, facts: Mapping[str, Any], row: Row | None = None) -> bool:
        """Whether ``facts`` keep every derived value within its declared bounds (a proposal
        must not make, say, more disputes resolved than mediated) and every constraint of the
        ruleset (key + general released = released; the submission date in the year's window).
        ``row``, when given, is the evaluation row of ``facts`` (its derived values are those
        of ``derive``); an :class:`Evaluation` keeps the answer."""
        if isinstance(row, Evaluation):
            if row.consistent is None:
                row.consistent = self._consistent(facts, row)
            return row.consistent
        return self._consistent(facts, row)

    def _consistent(self, facts: Mapping[str, Any], row: Row | None) -> bool:
        # facts that were consistent before one of them changed: only the checks reading it
        suspect = row.suspect if isinstance(row, Evaluation) else None
        if (suspect is None or suspect in self.gp.constraint_facts) and any(
                holds is False for holds in self.check_constraints(facts)):
            return False
        if not self.gp.derived_bounds:
            return True
        derived = self.program.derive(facts) if row is None else ()
        bounds = (self.gp.derived_bounds if suspect is None
                  else self.gp.bounds_reading.get(suspect, ()))
        for position, number, minimum, maximum in bounds:
            value = row[position] if row is not None else derived[number]
            if value is None:
                continue
            if (minimum is not None and value < minimum) or (
                    maximum is not None and value > maximum):
                return False
        return True

    def consistent_change(self, change: Change, facts: Mapping[str, Any]) -> Change:
        """``change`` raised, where it sets the denominator of a bounded rate, so that the rate
        stays within its bound (49 mediated cannot stand with 50 resolved: propose 50)."""
        bounds = self.gp.ratios_over.get(change.fact)
        required = change.required
        if bounds is None or change.kind != "number" or isinstance(required, bool) or (
                not isinstance(required, int | float)):
            return change
        raised = required
        for bound in bounds:
            numerator = facts.get(bound.numerator)
            if isinstance(numerator, int | float) and not isinstance(numerator, bool):
                raised = max(raised, bound.denominator_for(numerator))
        if raised == required:
            return change
        again = make_change(change.fact, facts.get(change.fact), raised, change.kind)
        return attrs.evolve(change, required=again.required, delta=again.delta, cost=again.cost)

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
            derived = self.program.derive(view)
            for bound in self.gp.ratio_bounds:
                value = derived[bound.number]
                if not isinstance(value, int | float) or value <= bound.maximum:
                    continue
                numerator, denominator = view.get(bound.numerator), view.get(bound.denominator)
                if bound.denominator in movable and isinstance(numerator, int | float):
                    view[bound.denominator] = bound.denominator_for(numerator)
                elif bound.numerator in movable and isinstance(denominator, int | float):
                    view[bound.numerator] = bound.numerator_for(denominator)
        return {name: view.get(name) for name in movable
                if view.get(name) is not facts.get(name) and view.get(name) != facts.get(name)}

    # what is needed -------------------------------------------------------------------------------
    def outranking(self, row: Row) -> str | None:
        """The first outcome ranked above the target that holds in ``row``."""
        for outcome_id in self.above:
            if self.value(row, outcome_id) is True:
                return outcome_id
        return None

    def needs(self, row: Row) -> tuple[list[Need], str | None]:
        """What must hold in ``row`` for the target to be decided: the target's own leaf steps,
        and for each outcome ranked above it that is not false, the step whose failure rules it
        out (or, unknown, the facts that settle it). Also the outcome above that already holds
        and cannot be ruled out, if any: then only the target's own steps are of interest."""
        needs = list(self.target_needs)
        for outcome_id in self.above:
            value = self.value(row, outcome_id)
            if value is False:
                continue
            negated, expansion = self.gp.outranking(outcome_id)
            if negated is not None:
                needs += expansion
            elif value is True:
                return list(self.target_needs), outcome_id  # later outcomes do not matter
            else:  # unknown: facts to provide so that it does not apply
                needs.append(Need(outcome_id, outcome_id, "procedure", want=False,
                                  position=self.index[outcome_id]))
        return needs, None

    def ordered(self, needs: list[Need]) -> list[Need]:
        """Each step once (its last need), in the order of the plan's rows."""
        unique = list({n.step: n for n in needs}.values())
        unique.sort(key=lambda n: self.index[n.step])
        return unique

    def ordered_needs(self, row: Row) -> NeedsInOrder:
        """:meth:`needs` of ``row`` in :meth:`ordered` order, with the steps they name, the
        needs by step and the outcome decided above: the same for every row in which each
        outcome above the target is false, true or unknown alike, so kept with the plan."""
        choices: list[Any] = [self.target]
        for outcome_id in self.above:
            value = self.value(row, outcome_id)
            choices.append(True if value is True else False if value is False else (
                None if value is None else "other"))
        key = tuple(choices)
        found: NeedsInOrder | None = self.gp.needs_in_order.get(key)
        if found is None:
            needs, decided_above = self.needs(row)
            ordered = tuple(self.ordered(needs))
            found = NeedsInOrder(tuple(needs), frozenset(n.step for n in needs), ordered,
                                 {n.step: n for n in ordered}, decided_above)
            self.gp.needs_in_order[key] = found
        return found

    # the run --------------------------------------------------------------------------------------
    def run(self) -> Gap:
        row = self.full(self.facts)
        outcome = self.program.plan.decide(row).outcome
        if outcome == self.target:
            return self.result(outcome, row, self.evaluator.of(self.facts, row), {}, {}, {}, [],
                               None, None, True, {})
        target_effect = self.gp.node_specs[self.target].effect
        first = self.ordered_needs(row)
        decided_above = first.decided_above
        needs: Sequence[Need] = first.ordered
        steps = first.steps  # the steps of ``needs``
        by_step = first.by_step

        changes: dict[str, Proposal] = {}
        provided: dict[str, Any] = {}
        provide_for: dict[str, list[str]] = {}
        facts = dict(self.facts)
        # the row of ``facts``, read node by node as changes are made (see .evaluation)
        current = self.evaluator.of(self.facts, row)
        needed_sets = self.gp.needed_sets
        unresolved: list[str] = []
        for _ in range(MAX_ROUNDS):  # changes can interact: re-evaluate until nothing is open
            progress = False
            # a change can bring an outcome above the target into play (an office made a
            # township office is no longer inadmissible, so a missing finding of a major
            # problem now matters): what is needed is asked again of the current facts
            again = self.ordered_needs(current)
            if not again.steps <= steps:
                needs, steps = self.with_needs(needs, steps, again.needs)
                by_step = {n.step: n for n in needs}
            # the current row as it is read: ``base`` holds for nodes reading no ``dirty`` fact
            base, dirty = current.base, current.dirty
            start = 0
            if base is not None and not dirty:  # nothing changed yet: the first open need
                start = _first_open(needs, base)
                if start == len(needs):
                    break  # every need holds: nothing to do, this round or after
            for need in needs[start:] if start else needs:
                position = need.position
                if base is not None and (not dirty or dirty.isdisjoint(needed_sets[position])):
                    value = base[position]
                else:
                    value = current[position]
                    base, dirty = current.base, current.dirty
                if (value is True or value is NA) if need.want else value is False:
                    continue  # satisfied
                # (only an unknown step can miss facts: missing_inputs is [] for the others)
                missing = self.missing_inputs(need.step, facts, current) if value is None else ()
                if missing:
                    for name in missing:
                        provide_for.setdefault(name, []).append(need.step)
                    proposal = self.fill(need.step, facts, current, missing, need.want)
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
                    current = self.evaluator.of(dict(facts))
                    base, dirty = current.base, current.dirty
                    progress = progress or bool(proposal)
                    continue
                if not need.want:
                    unresolved.append(need.step)
                    continue
                best, others, best_row = self.solve(need.step, facts, current)
                if best is None or best_row is None:
                    unresolved.append(need.step)
                    continue
                # the trial that found the change evaluated exactly these facts
                facts[best.fact] = normal(self.fact_specs[best.fact], best.required)
                current = best_row  # the row of ``facts`` now (see solve)
                base, dirty = current.base, current.dirty
                # a knock-on: the step passed as the office stands
                changes[need.step] = (need.step, best, others, _passes(row[position]))
                progress = True
            if not progress:
                break
        final = current.row()  # the whole row of the facts the run ended with
        # an outcome that decided above the target as the office stands is what blocks it
        after = decided_above or self.outranking(final)
        already = blocked_by = None
        if after is not None:
            if self.gp.node_specs[after].effect == target_effect and target_effect != "none":
                already = after
            else:
                blocked_by = after
        unresolved = self.left_open(needs, unresolved, facts, final)
        return self.result(outcome, row, current, changes, provided, provide_for, unresolved,
                           already, blocked_by, False, by_step)

    def with_needs(self, needs: Sequence[Need], steps: frozenset[str],
                   more: Iterable[Need]) -> tuple[Sequence[Need], frozenset[str]]:
        """``needs`` with those of ``more`` not among them yet, in order, and their steps."""
        added = list(needs)
        known = set(steps)
        for need in more:
            if need.step not in known:
                known.add(need.step)
                added.append(need)
        return self.ordered(added), frozenset(known)

    def left_open(self, needs: Sequence[Need], unresolved: list[str], facts: Mapping[str, Any],
                  final: Sequence[Any]) -> list[str]:
        """The steps no change could settle: those the run gave up on and those the final row
        still does not hold, unless a fact is missing for them (asked for instead) or they
        belong to an outcome above the target."""
        still = [n.step for n in needs if not (
            (final[n.position] is True or final[n.position] is NA) if n.want
            else final[n.position] is False)]
        if not unresolved and not still:
            return unresolved
        return [s for s in dict.fromkeys([*unresolved, *still])
                if not self.missing_inputs(s, facts, final) and s not in self.above]

    # missing facts --------------------------------------------------------------------------------
    def missing_inputs(self, step_id: str, facts: Mapping[str, Any],
                       row: Row) -> list[str]:
        """Facts not provided that an unknown step reads (through derived values too);
        ``row`` is the row of ``facts``."""
        index = self.index
        if row[index[step_id]] is not None:
            return []
        layout = self.gp.layout
        missing: list[str] = []
        seen: set[str] = set()
        stack = [step_id]
        while stack:
            current = stack.pop(0)
            if current in seen:
                continue
            seen.add(current)
            node = layout[index[current]]
            if current != step_id and row[node.position] is not None:
                continue
            for name in node.reads:
                if name in index:
                    stack.append(name)
                elif name not in facts and name not in missing:
                    missing.append(name)
            stack.extend(node.depends_on)
        return missing

    def fill(self, step_id: str, facts: Mapping[str, Any], row: Evaluation,
             missing: list[str], want: bool = True) -> dict[str, Any]:
        """Values for the missing facts under which the step passes (tried one fact at a time,
        then all together), so that ``apply(provide=True)`` can reach the target; ``row`` is
        the row of ``facts``."""
        proposal: dict[str, Any] = {}
        trial = dict(facts)
        trial_row = row
        position = self.index[step_id]
        for name in missing:
            fact = self.fact_specs.get(name)
            if fact is None:
                continue
            found = None
            tries = self.values_to_try(name, step_id, trial, trial_row)
            rows: list[tuple[Any, ...]] = []
            for candidate in tries:
                attempt = {**trial, name: candidate}
                attempt_row = self.full(attempt)
                rows.append(attempt_row)
                if _satisfied(attempt_row[position], want) and (
                        self.outranking(attempt_row) is None) and self.consistent(
                        attempt, attempt_row):
                    found = candidate
                    break
            if found is None:
                # the step needs more than this fact: fill it anyway (with a value that keeps
                # the constraints where one does) and try the next one
                found = next((c for c, r in zip(tries, rows, strict=True)
                              if self.consistent({**trial, name: c}, r)),
                             tries[0] if tries else None)
            if found is not None:
                trial[name] = found
                proposal[name] = found
                trial_row = self.evaluator.of(dict(trial))
        return proposal

    def values_to_try(self, name: str, step_id: str, facts: dict[str, Any],
                      row: Evaluation) -> list[Any]:
        """Candidate values of a missing fact: what the step's thresholds ask for first."""
        fact = self.fact_specs[name]
        candidates: list[Any] = []
        solved = self.solve(step_id, facts, row, only=name)[0]
        if solved is not None:
            candidates.append(normal(fact, solved.required))
        if fact.type in ("boolean", "finding"):
            candidates += [True, False]
        elif fact.type == "enum":
            candidates += list(fact.value_ids)
        elif fact.type == "set":
            candidates += [frozenset(fact.value_ids), frozenset()]
        elif fact.type in ("number", "integer"):
            for t in self.gp.limits.get(name, ()):
                if isinstance(t.value, int | float) and not isinstance(t.value, bool):
                    candidates += [t.value, t.value + 1, t.value - 1]
            candidates += [fact.minimum if fact.minimum is not None else 0]
            candidates = [c for c in candidates if isinstance(c, int | float) and in_bounds(
                fact, c)]
            if fact.type == "integer":
                candidates = [math.ceil(c) for c in candidates]
        return list(dict.fromkeys(candidates))

    # solving one step -----------------------------------------------------------------------------
    def solve(self, step_id: str, facts: dict[str, Any], row: Evaluation,
              only: str | None = None
              ) -> tuple[Change | None, tuple[Change, ...], Evaluation | None]:
        """The cheapest single-fact change that makes ``step_id`` pass, the alternatives, and
        the row of ``facts`` with the change made; ``row`` is the row of ``facts``.

        ``facts`` is left as it was; the row returned reads it, and holds once the caller
        makes the change in it (``facts[change.fact] = normal(..., change.required)``)."""
        shape = self.gp.shape(step_id)
        candidates = threshold_changes(self.gp, shape, facts, row, self.options)
        if only is not None:
            candidates = tuple(c for c in candidates if c.fact == only)
        working = self.working(step_id, facts, row, candidates, 0)
        if not working and only is None:
            working = self.working(step_id, facts, row, fallback_changes(self.gp, shape, facts),
                                   len(candidates))
        if not working:
            return None, (), None
        if len(working) == 1:  # most steps: one threshold, one change that meets it
            return working[0][1], (), working[0][2]
        working.sort(key=lambda found: (found[1].cost, found[0]))
        best, best_row = working[0][1], working[0][2]
        others = tuple(c for _, c, _ in working[1:] if c.fact != best.fact or c.required
                       != best.required)
        alternatives = tuple(c for c in others if math.isclose(c.cost, best.cost)
                             or c.kind in ("add", "enum"))
        return best, tuple(dict.fromkeys(alternatives)), best_row

    def working(self, step_id: str, facts: dict[str, Any], row: Evaluation,
                candidates: Sequence[Change], start: int) -> list[tuple[int, Change, Evaluation]]:
        """The candidates (numbered from ``start``) under which the step passes and the facts
        stay consistent, each with the evaluation of the facts it makes (``row`` is the
        evaluation of ``facts``).

        Each trial is made in ``facts`` and undone (no copy of the office per trial): the
        evaluations returned read ``facts``, as :meth:`solve` says."""
        found: list[tuple[int, Change, Evaluation]] = []
        position = self.index[step_id]
        fact_specs = self.fact_specs
        for order, proposed in enumerate(candidates, start):
            fact = fact_specs.get(proposed.fact)
            if fact is None:
                continue
            change = self.consistent_change(proposed, facts)
            name = change.fact
            before = facts.get(name, _ABSENT)
            facts[name] = normal(fact, change.required)
            try:
                trial_row = row.changed(name, facts)
                value = trial_row[position]
                passes = (value is True or value is NA) and (
                    trial_row.consistent if trial_row.consistent is not None
                    else self.consistent(facts, trial_row))
            finally:
                if before is _ABSENT:
                    del facts[name]
                else:
                    facts[name] = before
            if passes:
                found.append((order, change, trial_row))
        return found

    # the result -----------------------------------------------------------------------------------
    def result(self, outcome: str, row: tuple[Any, ...], current: Evaluation,
               changes: Mapping[str, Proposal],
               provided: Mapping[str, Any], provide_for: Mapping[str, list[str]],
               unresolved: list[str], already: str | None, blocked_by: str | None,
               reached: bool, needs: Mapping[str, Need]) -> Gap:
        """The :class:`Gap` of a run; ``row`` is the row of the office as it is, ``current``
        the evaluation of the facts the run ended with."""
        gp = self.gp
        notes: list[Text] = []
        if already is not None:
            notes.append(note(gp, "gap.already", already, self.target))
        if blocked_by is not None:
            notes.append(note(gp, "gap.blocked", blocked_by, self.target))
        if unresolved:
            notes.append(unreachable_note(gp, unresolved))
        # the final value of each changed fact (the last proposed), in the form the compiled
        # functions read; changes are measured from the office as it is now
        final_normal: dict[str, Any] = {}
        for _, change, _, _ in changes.values():
            final_normal[change.fact] = change.required
        as_read = gp.read_as_written  # facts whose JSON form is the value read
        for name, value in final_normal.items():
            if name not in as_read:
                final_normal[name] = normal(self.fact_specs[name], value)
        items_by_group: dict[str, list[tuple[int, GapItem]]] = {}
        if changes:
            values_now = self.values(self.facts, row)
            values_after: Mapping[str, Any] = {}
            if any(change.via for _, change, _, _ in changes.values()):  # rates before, after
                after = {**self.facts, **final_normal, **provided}
                # only these can differ from the run's facts: the others are the office's
                values_after = self.values(after, current.rebound(
                    after, final_normal.keys() | provided.keys()))
            heads, kept = gp.item_heads, gp.items
            facts_now = self.facts
            for step_id, proposed, others, knock_on in changes.values():
                name = proposed.fact
                required, current_value = final_normal[name], facts_now.get(name)
                if not proposed.via and proposed.via_before is None and (
                        proposed.via_after is None) and (
                        current_value is proposed.current
                        or _same_plain(current_value, proposed.current)) and (
                        required is proposed.required
                        or _same_plain(required, proposed.required)):
                    change = proposed  # as final_change would find (no rate to measure)
                else:
                    change = self.final_change(proposed, final_normal, values_now,
                                               values_after)
                need = needs.get(step_id)
                group = need.group if need else step_id
                head = heads.get((step_id, group))
                if head is None:
                    head = heads[(step_id, group)] = self.item_head(step_id)
                position = head[0]
                if others:
                    item = self.item(step_id, group, head, change, others, knock_on)
                else:
                    # an item is a value: one that says the same (the same change object, as
                    # proposed for offices with the same values) is shared, worded once
                    key = (step_id, group, knock_on, id(change))
                    found = kept.get(key)
                    if found is not None and found[0] is change:
                        item = found[1]
                    else:
                        item = self.item(step_id, group, head, change, others, knock_on)
                        if len(kept) >= ITEMS_KEPT:
                            kept.clear()
                        kept[key] = (change, item)  # the change kept: its id is not reused
                # (row position, item): positions are unique, items never compared
                items_by_group.setdefault(group, []).append((position, item))
        groups = []
        for group_id, items in items_by_group.items():
            position, group_kind, group_clause, group_title = self.group_head(group_id)
            items.sort()
            groups.append((position, GapGroup(group_id, group_kind, group_clause, group_title,
                                              tuple([item for _, item in items]))))
        groups.sort()
        provides: list[Provide] = []
        for name in sorted(provide_for, key=lambda n: min(self.index[s] for s in provide_for[n])):
            fact = self.fact_specs.get(name)
            title = fact.title if fact else Text(name, name)
            steps = tuple(dict.fromkeys(provide_for[name]))
            passing = json_value(provided[name]) if name in provided else None
            without = {k: v for k, v in {**self.facts, **final_normal}.items() if k != name}
            requirement = self.requirement(name, steps, without)
            provides.append(Provide(name, title, steps, passing, requirement,
                                    provide_text(gp, name, steps, requirement)))
        target_spec = gp.node_specs[self.target]
        outcome_title = gp.node_specs[outcome].title if outcome != "UNDECIDED" else Text(*(
            gp.words[lang].message("outcome.undecided") for lang in ("zh", "en")))
        return Gap(
            office_id=self.office_id,
            office_name=self.office_name,
            target=self.target,
            target_title=target_spec.title,
            outcome=outcome,
            outcome_title=outcome_title,
            reached=reached,
            already=already,
            blocked_by=blocked_by,
            groups=tuple(group for _, group in groups),
            to_be_provided=tuple(provides),
            unresolved=tuple(unresolved),
            ruleset=self.gp.ruleset_key(self.ruleset),
            notes=tuple(notes),
        )

    def item(self, step_id: str, group: str, head: tuple[int, str, str, Text], change: Change,
             others: tuple[Change, ...], knock_on: bool) -> GapItem:
        """The item of ``step_id`` meeting it with ``change`` (words when read)."""
        _, kind, clause, title = head
        words = self.gp.item_wording
        if words is None:
            words = self.gp.item_wording = wording(self.gp)
        return GapItem(step_id, kind, group, clause, title, change, others, knock_on,
                       words=words)

    def group_head(self, group_id: str) -> tuple[int, str, str, Text]:
        """What a group of items says of its standard or rule: row position, kind (standard
        or procedure), clause, title; kept per plan."""
        found: tuple[int, str, str, Text] | None = self.gp.group_heads.get(group_id)
        if found is None:
            spec = self.gp.node_specs[group_id]
            kind = ("standard" if spec.kind in ("standard", "group", "criterion")
                    else "procedure")
            found = (self.index[group_id], kind, spec.clause, spec.title)
            self.gp.group_heads[group_id] = found
        return found

    def item_head(self, step_id: str) -> tuple[int, str, str, Text]:
        """What an item of ``step_id`` says of its step: row position, kind, clause, title."""
        node = self.gp.node(step_id)
        title = node.spec.title if node.spec else Text(step_id, step_id)
        clause = node.spec.clause if node.spec else ""
        return node.position, node.kind, clause, title

    def final_change(self, change: Change, final: Mapping[str, Any],
                     values_now: Mapping[str, Any], values_after: Mapping[str, Any]) -> Change:
        """The change measured from the office as it is, with the value all rounds agreed on
        (``final``: by fact, in the form the compiled functions read) and the comparison it
        meets (``>=`` a floor, ``<=`` a ceiling, ``==`` a set value)."""
        required = final[change.fact]
        current = self.facts.get(change.fact)
        if change.via:
            via_before, via_after = values_now.get(change.via), values_after.get(change.via)
        else:
            via_before = via_after = None
        if (current is change.current or _same_plain(current, change.current)) and (
                required is change.required or _same_plain(required, change.required)) and (
                via_before is change.via_before or _same_plain(via_before, change.via_before)
        ) and (via_after is change.via_after or _same_plain(via_after, change.via_after)):
            # what make_change would give: the same plain values, kind and comparison (most
            # changes are measured from the office as it is, with the value they proposed)
            return change
        return make_change(change.fact, current, required, change.kind, via=change.via,
                           op=change.op, via_before=via_before, via_after=via_after)

    def requirement(self, name: str, steps: tuple[str, ...], facts: dict[str, Any]
                    ) -> Text | None:
        """What a missing fact must be for the first step that needs it to pass."""
        row = self.evaluator.of(facts)
        for step_id in steps:
            solved = self.solve(step_id, facts, row, only=name)[0]
            if solved is not None:
                return requirement_text(self.gp, name, solved.op, solved.required)
        return None
