"""What a translation is made of: event properties, pre-pass terms, node plans, the result.

Plain data, shared by the translation (:mod:`.conditions`, :mod:`.network`), the encoding of an
office (:mod:`.encode`) and the host (:mod:`.host`); none of it needs durable_rules installed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from .formulas import Join
from .prepass import Getter
from .problems import OutsideNote, UnsupportedNote

__all__ = ["AllOf", "Field", "NodePlan", "OutsideTerm", "Translation"]


@attrs.frozen
class Field:
    """A property of an office event."""

    key: str  # property name in the office event
    kind: str  # number | boolean | string | date | list | size | text
    source: str  # fact | derived | outside
    name: str  # the fact, derived value or outside term read


@attrs.frozen
class OutsideTerm:
    """A sub-expression the pre-pass computes, sent as the event property ``key``."""

    key: str
    kind: str
    text: str
    getter: Getter


@attrs.frozen
class AllOf:
    """The children of a standard or group."""

    live: tuple[str, ...]  # children decided by the network
    constants: tuple[Any, ...]  # values of children folded at translation


@attrs.frozen
class NodePlan:
    """The rules of one node: a row entry, or a synthetic chunk of a wide standard."""

    id: str
    joins: Mapping[int, Join] = attrs.field(factory=dict)  # result code -> when it holds
    all_of: AllOf | None = None  # standards and groups
    parent_tag: str | None = None  # the all_of node whose "some child" patterns read this one

    def reads(self) -> set[str]:
        if self.all_of is not None:
            return set(self.all_of.live)
        return {node for join in self.joins.values() for _, refs in join for node, _ in refs}


@attrs.frozen
class Translation:
    """A ruleset translated for durable_rules (plain data; needs no durable_rules installed)."""

    name: str  # the durable_rules ruleset name: id@version#digest
    definition_text: str  # the JSON ruleset, with "run" action names, as durable_rules reads it
    outside: tuple[OutsideNote, ...]
    unsupported: tuple[UnsupportedNote, ...]
    rule_count: int
    partitions: int  # office events asserted per evaluation
    # runtime plan (internal)
    actions: Mapping[str, tuple[int, int, str | None]] = attrs.field(repr=False)
    constants: Mapping[int, Any] = attrs.field(repr=False)
    event_plan: tuple[tuple[str, tuple[tuple[str, str, str, str], ...]], ...] = attrs.field(
        repr=False)  # per event: (JSON key prefix, source, name, kind) of each property
    outside_terms: tuple[OutsideTerm, ...] = attrs.field(repr=False)
    derived_getters: tuple[tuple[str, Getter], ...] = attrs.field(repr=False)
    checked_facts: tuple[tuple[str, str], ...] = attrs.field(repr=False)  # (fact, kind) sent
    field_kinds: Mapping[str, str] = attrs.field(repr=False)  # computed property -> kind
    row_ids: tuple[str, ...] = ()
    derived_positions: Mapping[str, int] = attrs.field(factory=dict, repr=False)

    @property
    def definition(self) -> dict[str, Any]:
        """The ruleset as JSON data (a fresh copy on every call)."""
        parsed: dict[str, Any] = json.loads(self.definition_text)
        return parsed

    @property
    def supported(self) -> bool:
        return not self.unsupported
