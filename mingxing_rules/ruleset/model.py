"""The validated ruleset, as frozen data.

:func:`mingxing_rules.ruleset.validate.validate_ruleset` builds these from a YAML document; the
compiler reads them. They keep the source text of every condition and where it came from, so a
compiled ruleset can always say what it encodes and where.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any, Literal

import attrs

from ..errors import Location
from ..language.expr import Expr

__all__ = [
    "ConstraintSpec",
    "DerivedSpec",
    "EnumValue",
    "FactSpec",
    "FactType",
    "NodeKind",
    "NodeSpec",
    "OptionSpec",
    "PropertySpec",
    "RulesetSpec",
    "Text",
    "Threshold",
]

FactType = Literal["number", "integer", "boolean", "enum", "set", "date", "finding", "text"]
NodeKind = Literal["criterion", "standard", "group", "rule", "outcome"]
Effect = Literal["award", "revoke", "none"]


@attrs.frozen
class Text:
    """A bilingual text. ``text["zh"]`` and ``text.get("en")`` both work."""

    zh: str
    en: str

    def __getitem__(self, lang: str) -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        raise KeyError(lang)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@attrs.frozen
class EnumValue:
    id: str
    title: Text


@attrs.frozen
class FactSpec:
    """One fact an office may carry."""

    name: str
    type: FactType
    title: Text
    description: Text | None = None
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[EnumValue, ...] = ()
    location: Location = Location()

    @property
    def value_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.values)


@attrs.frozen
class OptionSpec:
    """An interpretation choice with a documented default."""

    name: str
    type: Literal["boolean", "integer", "number", "enum"]
    default: Any
    description: Text
    clause: str
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    location: Location = Location()


@attrs.frozen
class DerivedSpec:
    """A value computed from facts, e.g. a rate from two counts."""

    name: str
    title: Text
    expr: Expr
    source: str
    unit: str | None = None
    scale: float = 1.0
    location: Location = Location()
    minimum: float | None = None  # bounds checked when an office is validated: a success rate
    maximum: float | None = None  # above 100 % means the counts it comes from are wrong


@attrs.frozen
class Threshold:
    """One comparison a rule makes against a fact: ``floor_area_m2 >= 200``.

    ``op`` is one of ``< <= > >= == != contains lacks contains_all contains_any`` or
    ``count<op>`` (the size of a set compared, e.g. ``count==`` 0). Explanations and gap
    analysis read these; they are extracted from the condition at compile time.
    """

    fact: str
    op: str
    value: Any

    def holds(self, value: Any) -> bool | None:
        """Whether ``value`` (JSON form; sets as lists or tuples) meets this threshold;
        ``None`` when it cannot be told (the value is missing or of another type)."""
        if value is None:
            return None
        op, limit = self.op, self.value
        if op.startswith("count") and isinstance(value, list | tuple | set | frozenset):
            return Threshold(self.fact, op[len("count"):], limit).holds(len(value))
        try:
            if op in _ORDER:
                return bool(_ORDER[op](value, limit))
            items = tuple(value) if isinstance(value, list | tuple | set | frozenset) else (
                value,)
            if op == "contains":
                return limit in items
            if op == "lacks":
                return limit not in items
            if op == "contains_all":
                return all(v in items for v in limit)
            if op == "contains_any":
                return any(v in items for v in limit)
        except TypeError:
            return None
        return None


_ORDER = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
          "==": operator.eq, "!=": operator.ne}


@attrs.frozen
class NodeSpec:
    """A criterion, standard, group, rule or decision outcome."""

    id: str
    kind: NodeKind
    title: Text
    clause: str
    quote: str = ""
    condition: Expr | None = None
    condition_text: str = ""
    applies_if: Expr | None = None
    applies_if_text: str = ""
    children: tuple[str, ...] = ()
    parent: str | None = None
    effect: Effect = "none"
    description: Text | None = None
    location: Location = Location()
    # A rule declared shown-in-traces-only (``informational: true``): no outcome may read it.
    informational: bool = False


@attrs.frozen
class ConstraintSpec:
    """A consistency check across an office's facts (``key + general == released``).

    A constraint is not a rule of the decision: an office that violates one is refused as bad
    data (:class:`~mingxing_rules.errors.InputError`) before anything is evaluated. Unknown
    (a fact it reads is missing) is not a violation.
    """

    id: str
    clause: str
    message: Text  # why the office is refused, in both languages
    condition: Expr
    condition_text: str
    fields: tuple[str, ...]  # the facts the condition reads, in the order it names them
    quote: str = ""
    title: Text | None = None
    location: Location = Location()


# each specification's nodes by id, built on first use (the specification is kept with its
# index, so its id is not reused)
_NODES: dict[int, tuple[RulesetSpec, dict[str, NodeSpec]]] = {}


@attrs.frozen
class RulesetSpec:
    """A whole validated ruleset (before options are applied and conditions compiled)."""

    id: str
    version: str
    title: Text
    effective_from: dt.date
    effective_until: dt.date | None
    source_title: Text
    source_reference: str
    description: Text | None
    facts: tuple[FactSpec, ...]
    options: tuple[OptionSpec, ...]
    derived: tuple[DerivedSpec, ...]
    nodes: tuple[NodeSpec, ...]  # groups, standards, criteria, rules, outcomes in file order
    outcomes: tuple[str, ...]  # outcome node ids in precedence order
    otherwise: NodeSpec
    messages: dict[str, Text] = attrs.field(factory=dict)
    file: str | None = None
    properties: tuple[PropertySpec, ...] = ()  # declared properties (docs/proofs.md)
    constraints: tuple[ConstraintSpec, ...] = ()  # checked when an office is parsed

    def node(self, node_id: str) -> NodeSpec:
        cached = _NODES.get(id(self))
        if cached is None or cached[0] is not self:
            if len(_NODES) > 256:
                _NODES.clear()
            index = {node.id: node for node in reversed(self.nodes)}  # the first of an id
            cached = _NODES[id(self)] = (self, {self.otherwise.id: self.otherwise, **index})
        try:
            return cached[1][node_id]
        except KeyError:
            raise KeyError(node_id) from None

    def fact(self, name: str) -> FactSpec:
        for fact in self.facts:
            if fact.name == name:
                return fact
        raise KeyError(name)


# -- declared properties (proved by `mingxing prove`, see docs/proofs.md) ---------------------


@attrs.frozen
class PropertySpec:
    """A property the ruleset's authors declare and the prover checks for every office.

    ``monotone``: offices that differ only in ``changes`` (each fact moved up or down) keep
    their outcome when the first one's outcome is in ``keeps``. ``invariant``: whenever
    ``when`` holds, the outcome is in ``outcome_in`` (and not in ``outcome_not_in``).
    ``options`` fix options for this property (the others range over every value).
    """

    id: str
    kind: Literal["monotone", "invariant"]
    title: Text
    clause: str
    quote: str = ""
    changes: tuple[tuple[str, str], ...] = ()  # (fact, "up" | "down")
    same_step: bool = False
    keeps: tuple[str, ...] = ()
    when: Expr | None = None
    when_text: str = ""
    outcome_in: tuple[str, ...] = ()
    outcome_not_in: tuple[str, ...] = ()
    options: tuple[tuple[str, Any], ...] = ()
    location: Location = Location()
