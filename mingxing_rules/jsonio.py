"""``to_json``/``from_json`` for every result type, defined once.

A result class defines ``to_dict()`` (its documented JSON form) and the inverse classmethod
``from_dict()``; :class:`JsonMixin` adds ``to_json()`` and ``from_json()`` on top, so that
``type(x).from_json(x.to_json())`` gives back an equal result (same ``to_dict()``) for
:class:`~mingxing_rules.engine.trace.Verdict`, :class:`~mingxing_rules.gap.Gap`,
:class:`~mingxing_rules.regression.whatif.WhatIf`,
:class:`~mingxing_rules.regression.impact.Impact`,
:class:`~mingxing_rules.regression.diff.RulesetDiff` and
:class:`~mingxing_rules.engine.batch.BatchSummary`.

>>> from mingxing_rules import gap, Gap
>>> result = gap({"id": "x", "floor_area_m2": 180}, "star-judicial-office")
>>> Gap.from_json(result.to_json()) == result
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self

from .ruleset.model import Text

__all__ = ["JsonMixin", "text_from", "text_to", "tuples"]


class JsonMixin:
    """``to_json``/``from_json`` from ``to_dict``/``from_dict``."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:  # pragma: no cover - likewise
        raise NotImplementedError

    def to_json(self, **kwargs: Any) -> str:
        """The :meth:`to_dict` document as JSON text (non-ASCII kept; ``kwargs`` as for
        :func:`json.dumps`, e.g. ``indent=2``)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """The result back from :meth:`to_json` text."""
        return cls.from_dict(json.loads(text))


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
