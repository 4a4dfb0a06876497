"""Evaluation rows of an office under proposed changes, read one node at a time.

A gap analysis tries many changes of one fact and reads a few nodes of each trial: does the
criterion pass now, do the bounded rates stay within bounds. Evaluating the whole compiled
ruleset for every trial would cost a row each; instead an :class:`Evaluation` keeps the row of
the facts as they were (``base``) and the names of the facts changed since (``dirty``):

* a node that reads none of the changed facts keeps its base value;
* another is looked up in the plan's memo of node values, keyed by the exact values of every
  fact the node reads, directly or through the nodes and derived values it depends on
  (:attr:`~mingxing_rules.compile.plan.PlanNode.facts_needed`). A node's value is a function
  of those facts and of the options the plan was compiled with, so the memo serves every office
  of a population: raising the floor area to 200 m² is evaluated once;
* only when the memo does not know a value is the whole row evaluated again (which makes every
  node clean, and teaches the memo that node's value).

The values are those of the compiled row, bit for bit (keys tell ``1``, ``1.0`` and ``True``
apart, and ``0.0`` from ``-0.0``); ``tests/test_gap_evaluation.py`` checks it against full
evaluation on generated offices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .static import MEMO_FACTS, GapPlan, exact_key

__all__ = ["MEMO_SIZE", "Evaluation", "Evaluator"]

#: Values the memo keeps per plan before it is emptied (a long batch must not grow it forever;
#: ~10 new values per office of the bench population, ~45 MB at most per plan).
MEMO_SIZE = 100_000

_UNKNOWN = object()


class Evaluator:
    """What the evaluations of one analysis share: the compiled row function and the plan's
    per-node fact lists and memo."""

    __slots__ = ("bounded", "consistency_facts", "full", "memo", "needed", "needed_sets")

    def __init__(self, full: Callable[[Mapping[str, Any]], tuple[Any, ...]], gp: GapPlan
                 ) -> None:
        self.full = full
        self.consistency_facts = gp.consistency_facts
        #: row positions of the derived values with bounds (read by every consistency check)
        self.bounded = tuple(position for position, _, _, _ in gp.derived_bounds
                             if len(gp.needed[position]) <= MEMO_FACTS)
        self.needed = gp.needed
        self.needed_sets = gp.needed_sets
        if len(gp.memo) > MEMO_SIZE:
            gp.memo.clear()
        self.memo = gp.memo

    def of(self, facts: Mapping[str, Any], row: tuple[Any, ...] | None = None) -> Evaluation:
        """The evaluation of ``facts`` (``row``, when known, is their whole row)."""
        return Evaluation(self, facts, row, frozenset(), None)


class Evaluation:
    """The evaluation row of ``facts``, read by position (``evaluation[i]``) like a row.

    ``facts`` must not change while the evaluation is read: a change is a new evaluation
    (:meth:`changed`, :meth:`rebound`). ``consistent`` is whether ``facts`` keep the
    ruleset's constraints and the bounds of its derived values (``None`` until someone
    checks): a change of a fact neither reads keeps it, and after a change of one that does,
    ``suspect`` names it (the checks that do not read it still hold)."""

    __slots__ = ("base", "consistent", "dirty", "evaluator", "facts", "suspect")

    def __init__(self, evaluator: Evaluator, facts: Mapping[str, Any],
                 base: tuple[Any, ...] | None, dirty: frozenset[str],
                 consistent: bool | None) -> None:
        self.evaluator = evaluator
        self.facts = facts
        self.base = base  # the row of the facts before the ``dirty`` ones changed
        self.dirty = dirty
        self.consistent = consistent
        self.suspect: str | None = None

    def row(self) -> tuple[Any, ...]:
        """The whole row of ``facts`` (evaluated when any fact changed since the base)."""
        if self.base is None or self.dirty:
            self.base = self.evaluator.full(self.facts)
            self.dirty = frozenset()
        return self.base

    def __getitem__(self, position: int) -> Any:
        base = self.base
        if base is None:
            return self.row()[position]
        dirty = self.dirty
        if not dirty:
            return base[position]
        evaluator = self.evaluator
        if dirty.isdisjoint(evaluator.needed_sets[position]):
            return base[position]
        names = evaluator.needed[position]
        if len(names) > MEMO_FACTS:
            return self.row()[position]
        facts = self.facts
        key = (position, exact_key(tuple(map(facts.get, names))))
        value = evaluator.memo.get(key, _UNKNOWN)
        if value is _UNKNOWN:
            row = self.row()
            value = evaluator.memo[key] = row[position]
            # the bounded derived values a consistency check reads next: learnt with it
            for bounded in evaluator.bounded:
                if bounded != position and not dirty.isdisjoint(evaluator.needed_sets[bounded]):
                    evaluator.memo[(bounded, exact_key(tuple(map(
                        facts.get, evaluator.needed[bounded]))))] = row[bounded]
        return value

    def changed(self, name: str, facts: Mapping[str, Any]) -> Evaluation:
        """The evaluation of ``facts``: these facts with ``name`` changed."""
        if name not in self.evaluator.consistency_facts:
            return Evaluation(self.evaluator, facts, self.base, self.dirty | {name},
                              self.consistent)
        changed = Evaluation(self.evaluator, facts, self.base, self.dirty | {name}, None)
        if self.consistent:
            changed.suspect = name
        return changed

    def rebound(self, facts: Mapping[str, Any], names: Iterable[str] | None = None
                ) -> Evaluation:
        """The evaluation of other ``facts``: those that are not the very same objects as here
        count as changed (of ``names`` only, when the caller knows the others are)."""
        mine = self.facts
        changed = {name for name in (mine.keys() | facts.keys() if names is None else names)
                   if mine.get(name) is not facts.get(name)}
        consistent = (None if not self.evaluator.consistency_facts.isdisjoint(changed)
                      else self.consistent)
        return Evaluation(self.evaluator, facts, self.base, self.dirty | changed, consistent)
