"""The columnar engine: a ruleset's plan compiled to Polars, for whole populations at once.

Needs the ``columnar`` extra (``pip install 'mingxing-rules[columnar]'``: polars, pyarrow,
numpy). See docs/columnar.md.
"""

from __future__ import annotations

from .compile import (
    STATUS_DTYPE,
    ColumnarPlan,
    UnsupportedConditionError,
    compile_plan,
    office_dtype,
    office_schema,
)
from .frame import (
    INPUT_ERROR,
    FrameResult,
    compiled_plan,
    differences,
    evaluate_frame,
    evaluate_parquet,
    frame_from_offices,
    with_error_rows,
)
from .generate import generate_offices
from .impact import FrameImpact, find_verdict_changes_frame, impact_frame

__all__ = ["INPUT_ERROR", "STATUS_DTYPE", "ColumnarPlan", "FrameImpact", "FrameResult",
           "UnsupportedConditionError", "compile_plan", "compiled_plan", "differences",
           "evaluate_frame", "evaluate_parquet", "find_verdict_changes_frame",
           "frame_from_offices", "generate_offices", "impact_frame", "office_dtype",
           "office_schema", "with_error_rows"]
