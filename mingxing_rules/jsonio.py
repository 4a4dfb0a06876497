"""Strict JSON in and out: what the library reads from office files and writes as results.

Reading (:func:`loads`) refuses what Python's :mod:`json` lets through silently or turns into a
crash: a key given twice in one object (which value was meant?), ``NaN`` and ``Infinity`` (not
JSON), a number of more than 4300 digits (Python's own ``ValueError``), and nesting deeper than
:data:`MAX_DEPTH` (100,000 ``[`` would be a ``RecursionError``). Each is a :class:`JsonInputError`
with a message fit for a user.

Writing (:func:`dumps`) never emits ``NaN`` or ``Infinity``: a value that is not finite is
written as ``null`` (unknown), which is what the library means by it.

Every result type gets ``to_json``/``from_json`` from its ``to_dict``/``from_dict`` through
:class:`JsonMixin`, written and read with the same strict functions, so that
``type(x).from_json(x.to_json())`` gives back an equal result for
:class:`~mingxing_rules.gap.Gap`, :class:`~mingxing_rules.regression.whatif.WhatIf`,
:class:`~mingxing_rules.regression.impact.Impact`,
:class:`~mingxing_rules.regression.diff.RulesetDiff` and
:class:`~mingxing_rules.engine.batch.BatchSummary` (a verdict has its own, compact or full).

>>> loads('{"id": "a", "id": "b"}')
Traceback (most recent call last):
...
mingxing_rules.jsonio.JsonInputError: duplicate key 'id' in one object
>>> dumps({"rate": float("inf")})
'{"rate": null}'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Self

from .ruleset.model import Text

__all__ = ["MAX_DEPTH", "JsonInputError", "JsonMixin", "count_keys", "dumps", "finite_json",
           "loads", "text_from", "text_to", "tuples"]

MAX_DEPTH = 64  # nested arrays and objects in one record; an office needs 3


class JsonInputError(ValueError):
    """Text that is not strict JSON. ``column`` is 1-based when known."""

    def __init__(self, message: str, column: int | None = None, reason: str | None = None
                 ) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.reason = reason or message  # without the "not valid JSON" and the column


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # in C; a key given twice leaves fewer entries than pairs
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            shown = key if len(key) <= 40 else key[:37] + "..."
            raise JsonInputError(f"duplicate key {shown!r} in one object")
        seen.add(key)
    return result  # pragma: no cover - fewer entries means a repeated key


def _constant(name: str) -> Any:
    raise JsonInputError(f"{name} is not a JSON value (write null for an unknown number)")


# one decoder and one encoder for every call (json.loads and json.dumps with options build a
# new one each time); they hold no state between calls
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)
# without the hook (a Python call per object): used first, and its result kept when no key can
# have been given twice (see count_keys)
_PLAIN_DECODER = json.JSONDecoder(parse_constant=_constant)


def count_keys(value: Any) -> int:
    """How many keys the objects in ``value`` hold, all together. Every key of a JSON text is
    followed by ``:``, so a text with exactly as many ``:`` as its value has keys repeats none
    (a ``:`` inside a string only makes the count higher)."""
    if type(value) is dict:
        count = len(value)
        for item in value.values():
            if type(item) is dict or type(item) is list:
                count += count_keys(item)
        return count
    if type(value) is list:
        return sum(count_keys(item) for item in value
                   if type(item) is dict or type(item) is list)
    return 0
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_COMPACT_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects (strings skipped), in one linear pass."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(text: str | bytes) -> Any:
    """Parse strict JSON; :class:`JsonInputError` says what is wrong and where."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"not valid UTF-8 (byte 0x{text[exc.start]:02x})",
                                 exc.start + 1) from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise JsonInputError(f"nests deeper than {MAX_DEPTH} levels")
    try:
        if text.startswith("\ufeff"):  # as json.loads says it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _decoded(text)
    except JsonInputError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc.msg} (column {exc.colno})",
                             exc.colno, exc.msg) from None
    except ValueError as exc:  # an integer beyond Python's 4300-digit conversion limit
        if "digits" in str(exc):
            raise JsonInputError("a number has more than 4300 digits") from None
        raise JsonInputError(f"not valid JSON: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise JsonInputError(f"nests deeper than {MAX_DEPTH} levels") from None
    if ("\\ud" in text or "\\uD" in text) and _has_lone_surrogate(value):
        # only an escape can make one; it is not Unicode and could be neither printed nor saved
        raise JsonInputError("a text holds a lone surrogate (a \\ud800-\\udfff escape that is "
                             "not half of a pair): not Unicode")
    return value


def _decoded(text: str) -> Any:
    """``text`` decoded as the hooked decoder decodes it (which refuses a repeated key), by the
    plain decoder when that gives the same: no key can be repeated, and nothing failed (on a
    failure the hooked decoder runs again, so that the first problem in the text is reported,
    a repeated key included)."""
    try:
        value = _PLAIN_DECODER.decode(text)
    except (ValueError, RecursionError):
        return _DECODER.decode(text)
    colons = text.count(":")
    if colons and colons != (len(value) if type(value) is dict and text.count("{") == 1
                             else count_keys(value)):
        return _DECODER.decode(text)  # a key may be repeated: the hook says which
    return value


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


_SURROGATE = re.compile("[\ud800-\udfff]")


def finite_json(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (containers copied)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(item) for item in value]
    return value


def _finite_encoded(encoder: json.JSONEncoder, value: Any) -> str:
    try:
        return encoder.encode(value)
    except ValueError:  # a NaN or an infinity somewhere: unknown
        return encoder.encode(finite_json(value))


def dumps_compact(value: Any) -> str:
    """As :func:`dumps`, with compact separators (``,`` and ``:``): one JSON Lines record."""
    return _finite_encoded(_COMPACT_ENCODER, value)


def dumps(value: Any, **options: Any) -> str:
    """JSON text without ``NaN``/``Infinity`` (they become ``null``); UTF-8 text as is."""
    if not options:  # the common case, with the shared encoder
        return _finite_encoded(_ENCODER, value)
    options.setdefault("ensure_ascii", False)
    try:
        return json.dumps(value, allow_nan=False, **options)
    except ValueError:  # a NaN or an infinity somewhere: unknown
        return json.dumps(finite_json(value), allow_nan=False, **options)


class JsonMixin:
    """``to_json``/``from_json`` from ``to_dict``/``from_dict``."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:  # pragma: no cover - likewise
        raise NotImplementedError

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` document as strict JSON text (non-ASCII kept; ``kwargs`` as for
        :func:`json.dumps`, e.g. ``indent=2``)."""
        return dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """The result back from :meth:`to_json` text (read strictly)."""
        return cls.from_dict(loads(text))


def text_to(value: Text | None) -> dict[str, str] | None:
    """A bilingual text as JSON."""
    return {"zh": value.zh, "en": value.en} if value is not None else None


def text_from(data: Mapping[str, str] | None) -> Text | None:
    """A bilingual text from JSON."""
    return Text(data["zh"], data["en"]) if data is not None else None


def tuples(value: Any) -> Any:
    """JSON lists back to the tuples results hold (sets are stored as sorted tuples)."""
    if isinstance(value, list):
        return tuple(tuples(v) for v in value)
    return value
