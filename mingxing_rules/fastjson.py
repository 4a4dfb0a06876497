"""JSON at batch speed: orjson when it is installed (the ``fast`` extra), the standard library
otherwise — and the same bytes either way.

Writing (:func:`dumps`, :func:`dumps_bytes`): compact separators (``,`` and ``:``), UTF-8 text
as is, ``NaN`` and ``Infinity`` as ``null`` (unknown), as :func:`mingxing_rules.jsonio.dumps`
does. orjson writes a float between 1e-9 and 1e-4 in another notation than Python's ``repr``
(``0.00001`` for ``1e-05``): a document holding one is written by the standard library, so that
the output never depends on whether orjson is installed.

Reading (:func:`record`) is only a fast first try for JSON Lines records: it gives a dict when
orjson parses the line and no object in it repeats a key, else ``None``. orjson differs from
the strict reader :func:`mingxing_rules.jsonio.loads` on what that reader refuses or reads
otherwise (a repeated key, an integer of 20 digits, nesting deeper than
:data:`~mingxing_rules.jsonio.MAX_DEPTH`), so a caller keeps what it read only if the office
validates as it is, and otherwise reads the line again with the strict reader, whose result
and messages are then exactly those of a run without orjson.

>>> dumps({"rate": 1e-05, "ok": True, "name": "西塘"})
'{"rate":1e-05,"ok":true,"name":"西塘"}'
>>> record(b'{"id": "a", "id": "b"}') is None
True
"""

from __future__ import annotations

import re
from typing import Any

from .jsonio import MAX_DEPTH, count_keys, dumps_compact

orjson: Any
try:  # the optional accelerator; everything below works the same without it
    import orjson
except ImportError:  # pragma: no cover - exercised by the tests that hide orjson
    orjson = None

__all__ = ["available", "dumps", "dumps_bytes", "record", "tiny"]

# where orjson's float notation differs from repr: 1e-05 is "0.00001", 1e-07 is "1e-7" (repr
# writes two exponent digits at least). The pattern starts with a literal, which the regular
# expression engine finds fast; whether a digit precedes it is checked per match.
_SHORT_EXPONENT = re.compile(rb"e-[1-9](?![0-9])")
_DIGITS = b"0123456789"


def _like_repr(out: bytes) -> bool:
    """Whether orjson wrote every float of ``out`` as ``repr`` does."""
    if b"0.0000" in out:
        return False
    if b"e-" not in out:
        return True
    return not any(match.start() and out[match.start() - 1] in _DIGITS
                   for match in _SHORT_EXPONENT.finditer(out))


def available() -> bool:
    """Whether orjson is installed (and used)."""
    return orjson is not None


def dumps_bytes(value: Any, *, floats_checked: bool = False) -> bytes:
    """``value`` as compact JSON, UTF-8 encoded.

    ``floats_checked``: the caller knows that no float of ``value`` is :func:`tiny` (where
    orjson's notation can differ from ``repr``), so orjson's output is kept without being
    scanned for such a float (a scan of a 3 KB document costs as much as writing it)."""
    if orjson is not None:
        try:
            out: bytes = orjson.dumps(value)
        except TypeError:  # a type orjson does not write (an integer beyond 64 bits)
            pass
        else:
            if floats_checked or _like_repr(out):
                return out
    return dumps_compact(value).encode("utf-8")


def tiny(value: Any) -> bool:
    """Whether ``value`` is a float strictly between -1e-4 and 1e-4 other than zero: the only
    floats orjson may write otherwise than ``repr`` (``0.00001`` for ``1e-05``, ``1e-7`` for
    ``1e-07``); from 1e-4 on both write the same digits in the same notation.

    >>> tiny(1e-05), tiny(0.0001), tiny(0.0), tiny(3)
    (True, False, False, False)
    """
    return type(value) is float and value != 0 and -1e-4 < value < 1e-4


def dumps(value: Any) -> str:
    """``value`` as compact JSON text."""
    if orjson is not None:
        return dumps_bytes(value).decode("utf-8")
    return dumps_compact(value)


def record(raw: bytes, *, check_depth: bool = False) -> dict[str, Any] | None:
    """One JSON Lines record as a dict, when orjson reads it and no key repeats; else ``None``
    (read it with :func:`mingxing_rules.jsonio.loads`). ``check_depth``: also ``None`` when
    the line may nest deeper than ``MAX_DEPTH`` (needed where unknown keys are ignored rather
    than refused: their values are never validated)."""
    if orjson is None:
        return None
    if check_depth and raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict:
        return None
    # every key is followed by ':' (a text may hold one too: then the count is higher and the
    # line is read strictly); fewer keys than colons means a key was repeated
    colons = raw.count(b":")
    if colons != len(value) and (raw.count(b"{") == 1 or colons != count_keys(value)):
        return None
    return value
