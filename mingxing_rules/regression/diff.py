"""Structural difference between two rulesets (or two readings of one ruleset).

:func:`diff_rulesets` compares facts, options (declarations and the values compiled in), derived
values, criteria, standards, groups, rules and the decision (outcomes and their precedence).
Conditions are compared by their parsed form, so re-formatting a condition is no change; each
change says whether it can move a verdict (``semantic``) or only the wording (titles, quotes,
clauses: re-citing a rule never changes a verdict).

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.regression.diff import diff_rulesets
>>> old = load_ruleset("star-judicial-office")
>>> new = load_ruleset("examples/amendment/star-judicial-office-2014.yaml")
>>> diff = diff_rulesets(old, new)
>>> for change in diff.semantic:
...     print(change.area, change.target, change.action, change.field or "-")
fact mountain_township added -
criterion floor_area changed condition
criterion mediation_success_96 changed condition
>>> print(diff.for_node("mediation_success_96")[0].summary())
criterion mediation_success_96 condition: mediation_success_rate >= 0.97 (was >= 0.96)
>>> sorted(diff.changed_nodes)
['floor_area', 'mediation_success_96']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..jsonio import JsonMixin, tuples
from ..language.expr import Expr, names_in, to_text
from ..ruleset.load import Ruleset
from ..ruleset.model import DerivedSpec, FactSpec, NodeSpec, OptionSpec, Threshold

__all__ = ["Change", "RulesetDiff", "diff_rulesets"]


@attrs.frozen
class Change:
    """One difference between the old and the new ruleset.

    ``area``: ruleset | fact | option | derived | criterion | standard | group | rule | outcome |
    decision. ``action``: added | removed | changed. ``field``: what changed (``condition``,
    ``threshold``, ``clause``, ``title``, ``default``, ``value``, ``precedence`` ...).
    ``semantic``: whether the change can move a verdict.
    """

    area: str
    target: str
    action: str
    field: str = ""
    old: Any = None
    new: Any = None
    semantic: bool = True
    detail: str = ""

    def summary(self) -> str:
        """One line: ``criterion floor_area threshold: floor_area_m2 >= 200 -> >= 180``."""
        head = f"{self.area} {self.target}"
        if self.action in ("added", "removed"):
            return f"{head} {self.action}" + (f" ({self.detail})" if self.detail else "")
        if self.detail:
            return f"{head} {self.field}: {self.detail}"
        return f"{head} {self.field}: {_show(self.old)} -> {_show(self.new)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area, "target": self.target, "action": self.action,
            "field": self.field, "old": _jsonable(self.old), "new": _jsonable(self.new),
            "semantic": self.semantic, "detail": self.detail, "summary": self.summary(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        """The change back from :meth:`to_dict` (values in their JSON form)."""
        return cls(data["area"], data["target"], data["action"], data.get("field", ""),
                   tuples(data.get("old")), tuples(data.get("new")), data.get("semantic", True),
                   data.get("detail", ""))


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@attrs.frozen(repr=False)
class RulesetDiff(JsonMixin):
    """All changes from ``old`` to ``new``; true when there is any change."""

    old_key: str
    new_key: str
    changes: tuple[Change, ...]
    changed_nodes: frozenset[str]  # nodes whose verdict-relevant definition changed
    precedence_changed: bool

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def semantic(self) -> tuple[Change, ...]:
        """The changes that can move a verdict."""
        return tuple(c for c in self.changes if c.semantic)

    @property
    def cosmetic(self) -> tuple[Change, ...]:
        """Wording and citation changes: no verdict can move because of them."""
        return tuple(c for c in self.changes if not c.semantic)

    def for_node(self, node_id: str) -> tuple[Change, ...]:
        """The semantic changes of one node (its own definition, or what its condition reads)."""
        return tuple(c for c in self.semantic if c.target == node_id)

    def to_text(self) -> str:
        lines = [f"ruleset diff {self.old_key} -> {self.new_key}"]
        if not self.changes:
            lines.append("  no changes")
            return "\n".join(lines)
        semantic, cosmetic = self.semantic, self.cosmetic
        if semantic:
            lines.append(f"changes that can move a verdict ({len(semantic)}):")
            lines.extend(f"  {c.summary()}" for c in semantic)
        if cosmetic:
            lines.append(f"wording and citations only ({len(cosmetic)}):")
            lines.extend(f"  {c.summary()}" for c in cosmetic)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_key,
            "new": self.new_key,
            "changes": [c.to_dict() for c in self.changes],
            "changed_nodes": sorted(self.changed_nodes),
            "precedence_changed": self.precedence_changed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RulesetDiff:
        """The diff back from :meth:`to_dict`."""
        return cls(data["old"], data["new"], tuple(Change.from_dict(c) for c in data["changes"]),
                   frozenset(data["changed_nodes"]), data["precedence_changed"])

    def __repr__(self) -> str:
        return (f"<RulesetDiff {self.old_key} -> {self.new_key}: {len(self.semantic)} semantic, "
                f"{len(self.cosmetic)} cosmetic changes>")


def _expr_text(expr: Expr | None) -> str:
    return to_text(expr) if expr is not None else ""


def _threshold_text(threshold: Threshold) -> str:
    value = threshold.value
    shown = _show(value) if not isinstance(value, str) else repr(value)
    return f"{threshold.fact} {threshold.op} {shown}"


def _threshold_detail(old: tuple[Threshold, ...], new: tuple[Threshold, ...]) -> str | None:
    """``x >= 0.97 (was >= 0.96)`` when only threshold values moved; None otherwise."""
    if len(old) != len(new):
        return None
    moved = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    if not moved or any((a.fact, a.op) != (b.fact, b.op) for a, b in moved):
        return None
    return ", ".join(f"{_threshold_text(b)} (was {a.op} {_show(a.value)})" for a, b in moved)


def _fact_changes(old: FactSpec, new: FactSpec) -> Iterable[Change]:
    for field, label in (("type", "type"), ("minimum", "min"), ("maximum", "max"),
                         ("value_ids", "values"), ("unit", "unit")):
        a, b = getattr(old, field), getattr(new, field)
        if a != b:
            yield Change("fact", old.name, "changed", label, a, b, semantic=field != "unit")
    if old.title != new.title:
        yield Change("fact", old.name, "changed", "title", old.title.en, new.title.en, False)


def _option_changes(old: OptionSpec, new: OptionSpec) -> Iterable[Change]:
    for field, label in (("type", "type"), ("default", "default"), ("values", "values"),
                         ("minimum", "min"), ("maximum", "max")):
        a, b = getattr(old, field), getattr(new, field)
        if a != b:
            yield Change("option", old.name, "changed", label, a, b, semantic=False)
    if old.clause != new.clause:
        yield Change("option", old.name, "changed", "clause", old.clause, new.clause, False)


def _derived_changes(old: DerivedSpec, new: DerivedSpec) -> Iterable[Change]:
    if old.expr != new.expr and _expr_text(old.expr) != _expr_text(new.expr):
        yield Change("derived", old.name, "changed", "value", _expr_text(old.expr),
                     _expr_text(new.expr))
    if old.scale != new.scale or old.unit != new.unit:
        yield Change("derived", old.name, "changed", "unit", f"{old.unit} x{old.scale:g}",
                     f"{new.unit} x{new.scale:g}", semantic=False)


def _node_changes(old: NodeSpec, new: NodeSpec, old_thresholds: tuple[Threshold, ...],
                  new_thresholds: tuple[Threshold, ...]) -> Iterable[Change]:
    area = new.kind
    if old.kind != new.kind:
        yield Change(area, new.id, "changed", "kind", old.kind, new.kind)
    old_condition, new_condition = _expr_text(old.condition), _expr_text(new.condition)
    if old_condition != new_condition:
        detail = _threshold_detail(old_thresholds, new_thresholds) or ""
        yield Change(area, new.id, "changed", "condition", old_condition, new_condition,
                     detail=detail)
    old_applies, new_applies = _expr_text(old.applies_if), _expr_text(new.applies_if)
    if old_applies != new_applies:
        yield Change(area, new.id, "changed", "applies_if", old_applies or "(always)",
                     new_applies or "(always)")
    if old.children != new.children and set(old.children) != set(new.children):
        yield Change(area, new.id, "changed", "children", old.children, new.children)
    if old.effect != new.effect:
        yield Change(area, new.id, "changed", "effect", old.effect, new.effect)
    if old.parent != new.parent:
        # moving a criterion to another standard changes which standard it can fail
        yield Change(area, new.id, "changed", "parent", old.parent, new.parent)
    if old.clause != new.clause:
        yield Change(area, new.id, "changed", "clause", old.clause, new.clause, False,
                     detail=f"re-cited {old.clause} -> {new.clause}")
    if old.quote != new.quote:
        yield Change(area, new.id, "changed", "quote", old.quote, new.quote, False)
    if old.title != new.title:
        yield Change(area, new.id, "changed", "title", old.title.en, new.title.en, False)
    if old.informational != new.informational:  # a declaration for the lint: no verdict moves
        yield Change(area, new.id, "changed", "informational", old.informational,
                     new.informational, False)


def _thresholds(ruleset: Ruleset) -> dict[str, tuple[Threshold, ...]]:
    return {info.id: info.thresholds for info in ruleset.program.layout}


def diff_rulesets(old: Ruleset, new: Ruleset) -> RulesetDiff:
    """The structural changes from ``old`` to ``new`` (two versions, or two option sets)."""
    a, b = old.spec, new.spec
    changes: list[Change] = []
    for field, old_value, new_value in (
        ("id", a.id, b.id), ("version", a.version, b.version),
        ("effective_from", a.effective_from, b.effective_from),
        ("effective_until", a.effective_until, b.effective_until),
        ("title", a.title.en, b.title.en), ("title_zh", a.title.zh, b.title.zh),
        ("source", a.source_reference, b.source_reference),
    ):
        if old_value != new_value:
            changes.append(Change("ruleset", a.id, "changed", field, str(old_value),
                                  str(new_value), semantic=False))

    old_facts = {f.name: f for f in a.facts}
    new_facts = {f.name: f for f in b.facts}
    changes += [Change("fact", n, "removed", detail=old_facts[n].type)
                for n in old_facts if n not in new_facts]
    changes += [Change("fact", n, "added", detail=new_facts[n].type)
                for n in new_facts if n not in old_facts]
    for name in old_facts.keys() & new_facts.keys():
        changes += _fact_changes(old_facts[name], new_facts[name])

    old_options = {o.name: o for o in a.options}
    new_options = {o.name: o for o in b.options}
    changes += [Change("option", n, "removed", semantic=False)
                for n in old_options if n not in new_options]
    changes += [Change("option", n, "added", semantic=False)
                for n in new_options if n not in old_options]
    for name in sorted(old_options.keys() & new_options.keys()):
        changes += _option_changes(old_options[name], new_options[name])
    # the values actually compiled in are what moves verdicts, not the declared defaults
    old_values, new_values = old.options, new.options
    changed_values = {n for n in old_values.keys() | new_values.keys()
                      if old_values.get(n) != new_values.get(n)}
    for name in sorted(changed_values):
        changes.append(Change("option", name, "changed", "value", old_values.get(name),
                              new_values.get(name)))

    old_derived = {d.name: d for d in a.derived}
    new_derived = {d.name: d for d in b.derived}
    changes += [Change("derived", n, "removed") for n in old_derived if n not in new_derived]
    changes += [Change("derived", n, "added") for n in new_derived if n not in old_derived]
    changed_derived: set[str] = set()
    for name in old_derived.keys() & new_derived.keys():
        found = list(_derived_changes(old_derived[name], new_derived[name]))
        changed_derived |= {name for c in found if c.semantic}
        changes += found

    old_nodes = {n.id: n for n in (*a.nodes, a.otherwise)}
    new_nodes = {n.id: n for n in (*b.nodes, b.otherwise)}
    old_thresholds, new_thresholds = _thresholds(old), _thresholds(new)
    changed_nodes: set[str] = set()
    for node in (*a.nodes, a.otherwise):
        if node.id not in new_nodes:
            changes.append(Change(node.kind, node.id, "removed", detail=node.clause))
    for node in (*b.nodes, b.otherwise):
        if node.id not in old_nodes:
            changes.append(Change(node.kind, node.id, "added", detail=node.clause))
            changed_nodes.add(node.id)
            continue
        found = list(_node_changes(old_nodes[node.id], node, old_thresholds.get(node.id, ()),
                                   new_thresholds.get(node.id, ())))
        if any(c.semantic for c in found):
            changed_nodes.add(node.id)
        changes += found
        # a node reading a changed option or derived value is redefined without being edited
        reads: set[str] = set()
        for expr in (node.condition, node.applies_if):
            if expr is not None:
                reads |= set(names_in(expr))
        for name in sorted(reads & (changed_values | changed_derived)):
            changes.append(Change(node.kind, node.id, "changed", "reads", detail=(
                f"reads {name}, which changed")))
            changed_nodes.add(node.id)

    precedence_changed = a.outcomes != b.outcomes
    if precedence_changed:
        changes.append(Change("decision", "outcomes", "changed", "precedence",
                              " > ".join(a.outcomes), " > ".join(b.outcomes)))
    if a.otherwise.id != b.otherwise.id:
        changes.append(Change("decision", "otherwise", "changed", "outcome", a.otherwise.id,
                              b.otherwise.id))
    return RulesetDiff(old.key, new.key, tuple(changes), frozenset(changed_nodes),
                       precedence_changed)
