"""Numbers and JSON as durable_rules' reader parses them.

Its reader rejects exponents (``1e-05`` is error 204) and keeps ``\\uXXXX`` escapes undecoded,
so rule definitions and office events are written here, not with :func:`json.dumps` alone.

>>> dump_json({"$gte": {"f_rate": Num(1e-05)}, "n": "明"})
'{"$gte":{"f_rate":0.00001},"n":"明"}'
>>> constant_json(dt.date(2013, 1, 1))
Num(value=20130101)
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Mapping
from typing import Any

import attrs

from .problems import UnrepresentableError

__all__ = ["Num", "constant_json", "date_number", "dump_json", "number_text"]


def number_text(value: int | float) -> str:
    """A number as durable_rules' JSON reader parses it exactly.

    Its reader rejects exponents (``1e-05`` is error 204), so floats are written positionally;
    integers outside int64 are written as doubles; infinities as a literal past the double range
    (which the reader turns into an infinity). NaN cannot be represented.

    >>> number_text(1e-05), number_text(0.98), number_text(200), number_text(1e16)
    ('0.00001', '0.98', '200', '10000000000000000.0')
    """
    if isinstance(value, bool):  # pragma: no cover - callers type-check first
        raise TypeError("booleans are not numbers here")
    if isinstance(value, int):
        if -(2**63) < value < 2**63:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            value = math.inf if value > 0 else -math.inf
    if math.isnan(value):
        raise UnrepresentableError("NaN")
    if math.isinf(value):
        return ("-" if value < 0 else "") + "1" + "0" * 400 + ".0"
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(decimal.Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


@attrs.frozen
class Num:
    """A number in a rule definition, written by :func:`dump_json` with :func:`number_text`."""

    value: int | float


def dump_json(value: Any) -> str:
    """JSON text for durable_rules: positional numbers, raw UTF-8 (its reader keeps ``\\uXXXX``
    escapes undecoded, so ``"\\u660e"`` would not equal ``"明"``)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, Num):
        return number_text(value.value)
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{dump_json(str(k))}:{dump_json(v)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dump_json(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} for durable_rules")


def date_number(value: dt.date) -> int:
    """Dates as ``yyyymmdd`` integers: ordered like the dates, compared as integers."""
    return value.year * 10000 + value.month * 100 + value.day


def constant_json(value: Any) -> Any:
    """A Python constant in a rule definition."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, dt.date):
        return Num(date_number(value))
    if isinstance(value, int | float):
        return Num(value)
    raise TypeError(f"no durable_rules form for {value!r}")  # pragma: no cover
