"""Result codes of a node in the Rete network, and the limits of durable_rules 2.0.28.

The order ``FAIL < UNKNOWN < PASS < NOT_APPLICABLE`` makes the common value sets intervals
(true-or-not-applicable is ``v >= 2``) and makes a conjunction of children the minimum, which is
how the network decides standards and groups and how :func:`all_of_value` folds constant ones.

>>> all_of_value([True, NA, None]), all_of_value([NA, NA]), all_of_value([True, False])
(None, NA, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...compile.codegen import NA

__all__ = [
    "ALL_OF_CHUNK",
    "CAP",
    "FAIL",
    "MAX_ALPHA_FANOUT",
    "MAX_CONJUNCTS",
    "MAX_EVENT_PROPERTIES",
    "MAX_JOIN",
    "MAX_LIVE_SESSIONS",
    "NOT_APPLICABLE",
    "PARTITION_FIELDS",
    "PARTITION_PATHS",
    "PASS",
    "RESULT_BUCKET",
    "ROW_VALUE",
    "STATUS_NAMES",
    "UNKNOWN",
    "all_of_value",
    "code_of",
]

FAIL, UNKNOWN, PASS, NOT_APPLICABLE = 0, 1, 2, 3
STATUS_NAMES = {FAIL: "fail", UNKNOWN: "unknown", PASS: "pass", NOT_APPLICABLE: "na"}
ROW_VALUE: dict[int, Any] = {FAIL: False, UNKNOWN: None, PASS: True, NOT_APPLICABLE: NA}

# Limits of durable_rules 2.0.28, each found the hard way (docs/backends.md).
MAX_JOIN = 16  # facts per rule; a larger join fails at assert time (error 304)
MAX_ALPHA_FANOUT = 64  # alpha paths matched at once by one fact; more gives error 303
MAX_EVENT_PROPERTIES = 254  # flattened properties of one fact; more gives error 302
MAX_LIVE_SESSIONS = 1024  # live sids per ruleset; the 1025th raises MemoryError

# How the translation stays inside them.
PARTITION_PATHS = 40  # alpha paths per office event (under MAX_ALPHA_FANOUT)
PARTITION_FIELDS = 120  # properties per office event (well under MAX_EVENT_PROPERTIES)
RESULT_BUCKET = 12  # result facts per bucket: keeps every alpha node's fan-out small
ALL_OF_CHUNK = MAX_JOIN - 2  # children joined by one standard/group rule (+1 "exists" pattern)
MAX_CONJUNCTS = 48  # join alternatives of one rule before the translation gives up
CAP = 4096  # every rule batches all its matches into one firing ("$or fires per branch")


def code_of(value: Any) -> int:
    """The result code of a row value (``False``, ``None``, ``True`` or ``NA``)."""
    for code, row_value in ROW_VALUE.items():
        if row_value is value:
            return code
    raise ValueError(f"not a node result: {value!r}")  # pragma: no cover - results only


def all_of_value(values: Iterable[Any]) -> Any:
    """A standard's or group's value from its children's: the minimum of their codes (not
    applicable when there are none), exactly as the network's join rules decide it."""
    return ROW_VALUE[min((code_of(value) for value in values), default=NOT_APPLICABLE)]
