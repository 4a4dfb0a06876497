"""What a durable run gives back: the row in the native layout and every rule firing.

The row has the layout of :meth:`~mingxing_rules.compile.codegen.CompiledProgram.full`, so
verdicts and traces are built from it by the same
:func:`~mingxing_rules.engine.evaluate.verdict_from_row` as the native backend's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from ...errors import EvaluationError
from .model import Translation

__all__ = ["UNSET", "DurableRun", "Firing", "check_decided", "complete_row"]

UNSET: Any = object()  # a row entry no rule has decided (yet)


@attrs.frozen
class Firing:
    """One rule firing of a durable run: the rule, the node it decides and the matched facts."""

    rule: str
    node_id: str
    status: str  # pass | fail | unknown | na
    message: str  # the facts the engine matched (JSON text, as durable_rules sent them)
    duplicate: bool = False  # a further firing for a node already decided (ignored)

    @property
    def matches(self) -> list[dict[str, Any]]:
        """Every match the firing batched: pattern alias -> fact (``o`` is the office event,
        ``r0``, ``k0``, ``some``... are result facts of other nodes)."""
        batch = json.loads(self.message)[self.rule]
        return batch if isinstance(batch, list) else [batch]

    @property
    def matched(self) -> dict[str, Any]:
        """The first match (the values the engine read for this decision)."""
        return self.matches[0]


@attrs.frozen
class DurableRun:
    """The outcome of one durable evaluation: the row and every firing, in order."""

    row: tuple[Any, ...]
    firings: tuple[Firing, ...]
    sid: str


def complete_row(translation: Translation, row: list[Any], derived: Mapping[str, Any]
                 ) -> tuple[Any, ...]:
    """The network's row with the nodes folded at translation and the pre-pass's derived
    values filled in; every entry must then be decided."""
    for position, value in translation.constants.items():
        row[position] = value
    for name, position in translation.derived_positions.items():
        row[position] = derived[name]
    return tuple(row)


def check_decided(translation: Translation, row: tuple[Any, ...], office_id: str) -> None:
    """Refuse a row in which the network decided nothing for some node."""
    missing = [translation.row_ids[i] for i, v in enumerate(row) if v is UNSET]
    if missing:
        raise EvaluationError(
            f"durable_rules decided nothing for {', '.join(missing)} on office "
            f"{office_id!r} (no rule fired)")
