"""Which plain values a ruleset or an office may state: numbers exact as floats, option values
of their declared type. Shared by validation, option resolution and office input."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

__all__ = ["MAX_MAGNITUDE", "as_date", "finite_number", "option_value_problem"]

MAX_MAGNITUDE = 2**53  # every number a ruleset or an office states is exact as a float


def finite_number(value: Any) -> bool:
    """A number (not a bool) that is finite and within +-2**53 (so floats and integers agree)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_MAGNITUDE
    return math.isfinite(value) and abs(value) <= MAX_MAGNITUDE


def as_date(value: Any) -> dt.date | None:
    """A day from a :class:`datetime.date`, a datetime (its day) or ``YYYY-MM-DD`` text; None
    for anything else (the caller says what was expected, where)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def option_value_problem(otype: str, values: tuple[str, ...], minimum: float | None,
                         maximum: float | None, value: Any) -> str | None:
    """Why ``value`` is not a valid value for an option of this type, or None."""
    if otype == "boolean":
        return None if isinstance(value, bool) else "expected true or false"
    if otype == "enum":
        return None if value in values else f"expected one of {list(values)}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected {'an integer' if otype == 'integer' else 'a number'}"
    if otype == "integer" and not isinstance(value, int):
        return "expected an integer"
    if not finite_number(value):
        return "expected a finite number within +-2**53"
    if minimum is not None and value < minimum:
        return f"below the minimum {minimum}"
    if maximum is not None and value > maximum:
        return f"above the maximum {maximum}"
    return None
