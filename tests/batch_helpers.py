"""What the batch tests share: running without orjson (the ``fast`` extra), to compare the
bytes the standard library writes with orjson's."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mingxing_rules import fastjson


@contextlib.contextmanager
def without_orjson() -> Iterator[None]:
    """Inside the block, the library reads and writes JSON as if orjson were not installed."""
    saved = fastjson.orjson
    fastjson.orjson = None
    try:
        yield
    finally:
        fastjson.orjson = saved
