"""Public module path of :mod:`mingxing_rules.regression.strategies` (re-exported, as
``hypothesis.strategies`` re-exports its internals): import from here."""

from .regression import strategies as _implementation
from .regression.strategies import *  # noqa: F403

__all__ = list(_implementation.__all__)
