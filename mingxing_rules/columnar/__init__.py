"""The columnar engine: a ruleset's plan compiled to Polars, for whole populations at once.

Needs the ``columnar`` extra (``pip install 'mingxing-rules[columnar]'``: polars and pyarrow).
See docs/columnar.md.
"""

from __future__ import annotations

from .compile import STATUS_DTYPE, ColumnarPlan, UnsupportedConditionError, compile_plan
from .frame import (FrameResult, compiled_plan, differences, evaluate_frame, evaluate_parquet,
                    frame_from_offices)

__all__ = ["STATUS_DTYPE", "ColumnarPlan", "FrameResult", "UnsupportedConditionError",
           "compile_plan", "compiled_plan", "differences", "evaluate_frame", "evaluate_parquet", "frame_from_offices"]
