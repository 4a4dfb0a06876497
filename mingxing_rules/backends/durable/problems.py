"""What the durable backend cannot do, as the translation reports it.

:class:`OutsideNote` and :class:`UnsupportedNote` are what ``mingxing check --backend durable``
turns into its codes (``D001``/``D002`` for sub-expressions and derived values computed in the
pre-pass, ``D003`` for conditions that cannot run on durable_rules at all);
:func:`unavailable_message` is its ``D000`` and the reason
:class:`~mingxing_rules.errors.BackendUnavailableError` gives. The exceptions are internal: the
translation catches them and records an :class:`UnsupportedNote`.
"""

from __future__ import annotations

import sys

import attrs

from ...errors import Location

__all__ = [
    "OutsideNote",
    "TooComplexError",
    "UnrepresentableError",
    "UnsupportedError",
    "UnsupportedNote",
    "unavailable_message",
]


class UnsupportedError(Exception):
    """A construct the durable backend cannot run at all (reported as D003)."""


class TooComplexError(Exception):
    """A condition whose formulas expand to too many join alternatives (reported as D003)."""


class UnrepresentableError(ValueError):
    """A value durable_rules cannot hold (NaN)."""


@attrs.frozen
class OutsideNote:
    """A sub-expression evaluated in the Python pre-pass; its result is matched in the network."""

    node_id: str  # the rule, criterion or derived value it belongs to
    text: str  # the sub-expression, in the condition language
    reason: str
    location: Location = Location()
    derived: bool = False  # True for declared derived values (by design, not a limitation)


@attrs.frozen
class UnsupportedNote:
    """Something the durable backend cannot run: evaluating this ruleset on it is refused."""

    node_id: str
    message: str
    location: Location = Location()


def unavailable_message(exc: BaseException) -> str:
    """Why durable_rules cannot be used here, from the exception its import raised."""
    version = ".".join(map(str, sys.version_info[:3]))
    return (f"the durable backend needs durable_rules 2.0.28, which cannot be imported on "
            f"Python {version}: {exc}. durable_rules 2.0.28 ships no wheel (pip builds it with "
            "gcc) and does not import on Python 3.13+; use Python 3.11 or 3.12 for "
            "backend='durable', or the native backend")
