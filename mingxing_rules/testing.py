"""Public module path of :mod:`mingxing_rules.regression.testing` (re-exported, as
``hypothesis.strategies`` re-exports its internals): import from here."""

from .regression import testing as _implementation
from .regression.testing import *  # noqa: F403

__all__ = list(_implementation.__all__)
