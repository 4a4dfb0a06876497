"""What ``+ - * / **`` mean in the condition language: the one definition.

Three-valued: ``None`` (unknown) in, ``None`` out. Nothing raises: division by zero, a power
that is complex or undefined, a float overflow, and any result whose magnitude exceeds
:data:`MAX_MAGNITUDE` are *unknown* (documented in ``docs/limits.md``). Bounding every result
keeps one evaluation's cost bounded too: a chain of squarings cannot grow integers of millions of
digits.

The compiled code calls these functions and the constant folder (:mod:`.visitor`) uses them, so a
constant folded at load time and the same expression computed per office always agree. The
durable backend keeps an arithmetic of its own on purpose, so that verified mode can catch a bug
in these.

>>> mul3(2**100, 2**100) is None   # beyond 2**128: unknown, not a huge integer
True
>>> div3(1, 0) is None
True
>>> add3(None, 1) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = [
    "BINARY",
    "MAX_CONSTANT",
    "MAX_MAGNITUDE",
    "ConstantTooLargeError",
    "add3",
    "bounded",
    "check_constant",
    "check_power",
    "div3",
    "mul3",
    "neg3",
    "pow3",
    "sub3",
]

MAX_MAGNITUDE = 2**128  # a derived value beyond this is unknown
MAX_CONSTANT = 10**30  # a constant in a ruleset (options folded in) beyond this is refused (E208)


def bounded(result: Any) -> Any:
    """``result`` if it is a finite number within :data:`MAX_MAGNITUDE`, else ``None``."""
    if isinstance(result, float):
        return result if math.isfinite(result) and abs(result) <= MAX_MAGNITUDE else None
    if isinstance(result, int):
        return result if -MAX_MAGNITUDE <= result <= MAX_MAGNITUDE else None
    return None  # complex (a negative number to a fractional power)


def add3(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    try:
        return bounded(left + right)
    except OverflowError:
        return None


def sub3(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    try:
        return bounded(left - right)
    except OverflowError:
        return None


def mul3(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    try:
        return bounded(left * right)
    except OverflowError:
        return None


def div3(left: Any, right: Any) -> Any:
    if left is None or right is None or right == 0:
        return None
    if type(left) is int and type(right) is int and -MAX_MAGNITUDE <= left <= MAX_MAGNITUDE:
        return left / right  # counts (most rates): |left / right| <= |left|, within the bound
    try:
        return bounded(left / right)
    except OverflowError:  # an integer too large for a float
        return None


def pow3(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    if isinstance(right, int) and abs(right) > 4096 and abs(left) > 1:
        return None  # certainly beyond the bound; do not compute a huge integer first
    try:
        return bounded(left**right)
    except (OverflowError, ZeroDivisionError):
        return None


def neg3(value: Any) -> Any:
    return None if value is None else -value


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": add3, "-": sub3, "*": mul3, "/": div3, "**": pow3,
}


class ConstantTooLargeError(ValueError):
    """A constant sub-expression (options folded in) exceeds :data:`MAX_CONSTANT`."""


def check_power(left: Any, right: Any) -> None:
    """Refuse ``left ** right`` before computing it when it is certainly beyond the bound."""
    if abs(left) > 1 and right > 0 and right * math.log10(abs(left)) > 30:
        raise ConstantTooLargeError(f"{left} ** {right} is beyond 10**30")


def check_constant(op: str, result: Any) -> None:
    """Refuse a folded constant beyond :data:`MAX_CONSTANT` (or one that overflowed)."""
    if result is None:
        return  # unknown (e.g. 1 / 0) is a legitimate constant
    if not abs(result) <= MAX_CONSTANT:
        raise ConstantTooLargeError(f"constant {op} gives a value beyond 10**30")
