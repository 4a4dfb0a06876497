"""Evaluation rows of an office under proposed changes, read one node at a time.

A gap analysis tries many changes of one fact and reads a few nodes of each trial: does the
criterion pass now, do the bounded rates stay within bounds. Evaluating the whole compiled
ruleset for every trial would cost a row each; instead an :class:`Evaluation` keeps the row of
the facts as they were (``base``) and the names of the facts changed since (``dirty``):

* a node that reads none of the changed facts keeps its base value;
* another that reads at most :data:`FUNCTION_FACTS` facts, directly or through the nodes and
  derived values it depends on (:attr:`~mingxing_rules.compile.plan.PlanNode.facts_needed`),
  is computed by a function of its own, generated from the same definitions as the row
  (:func:`~mingxing_rules.compile.codegen.compile_node_functions`) on first use and kept with
  the plan: a criterion costs what it computes (~0.1-0.3 µs), not a row (~15 µs);
* only a node that reads more (an outcome, a standard of many criteria) evaluates the whole row
  again, which makes every node clean.

The values are those of the compiled row, bit for bit (the same generated code);
``tests/test_gap_evaluation.py`` checks it against full evaluation on generated offices.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .static import GapPlan

__all__ = ["FUNCTION_FACTS", "Evaluation", "Evaluator"]

#: Nodes that read more facts than this are evaluated with the whole row, not by a function of
#: their own (its code would hold most of the row's; a few such nodes are read per analysis).
FUNCTION_FACTS = 12


@functools.lru_cache(maxsize=1024)
def _single(name: str) -> frozenset[str]:
    """``frozenset({name})``, one per name (most trials change one fact of a clean row)."""
    return frozenset((name,))


class Evaluator:
    """What the evaluations of one analysis share: the compiled row function and the plan's
    per-node fact lists and node functions."""

    __slots__ = ("consistency_facts", "full", "functions", "gp", "needed_sets")

    def __init__(self, full: Callable[[Mapping[str, Any]], tuple[Any, ...]], gp: GapPlan
                 ) -> None:
        self.full = full
        self.gp = gp
        self.consistency_facts = gp.consistency_facts
        self.needed_sets = gp.needed_sets
        #: per row position: the node's own function (None until first needed)
        self.functions = gp.node_functions

    def function(self, position: int) -> Callable[[Mapping[str, Any]], Any] | None:
        """The function computing the node at ``position`` from the facts (compiled on first
        use), or None for a node that reads more than :data:`FUNCTION_FACTS` facts."""
        if len(self.gp.needed[position]) > FUNCTION_FACTS:
            return None
        return self.gp.node_function(position)

    def of(self, facts: Mapping[str, Any], row: tuple[Any, ...] | None = None) -> Evaluation:
        """The evaluation of ``facts`` (``row``, when known, is their whole row)."""
        return Evaluation(self, facts, row, frozenset(), None)


class Evaluation:
    """The evaluation row of ``facts``, read by position (``evaluation[i]``) like a row.

    ``facts`` must hold while the evaluation is read: a change is a new evaluation
    (:meth:`changed`, :meth:`rebound`). (The analysis tries a change by making it in its facts
    and undoing it: that trial's evaluation is read while the change stands, and again only if
    the change is made for good, see :meth:`~.analysis.Analysis.solve`.) ``consistent`` is
    whether ``facts`` keep the ruleset's constraints and the bounds of its derived values
    (``None`` until someone checks): a change of a fact neither reads keeps it, and after a
    change of one that does, ``suspect`` names it (the checks that do not read it still
    hold)."""

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
        function = evaluator.functions[position] or evaluator.function(position)
        if function is None:
            return self.row()[position]
        return function(self.facts)

    def changed(self, name: str, facts: Mapping[str, Any]) -> Evaluation:
        """The evaluation of ``facts``: these facts with ``name`` changed."""
        dirty = self.dirty.union((name,)) if self.dirty else _single(name)
        if name not in self.evaluator.consistency_facts:
            return Evaluation(self.evaluator, facts, self.base, dirty, self.consistent)
        changed = Evaluation(self.evaluator, facts, self.base, dirty, None)
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
