"""Stage 3 — compiling: the plan (:mod:`.plan`, one immutable DAG of the ruleset) and the code
generated from it (:mod:`.codegen`).

>>> from mingxing_rules.compile.codegen import compile_ruleset
"""

from .codegen import NA, CompiledProgram, compile_ruleset, resolve_options
from .plan import Plan, PlanNode, Ratio, build_plan

__all__ = ["NA", "CompiledProgram", "Plan", "PlanNode", "Ratio", "build_plan", "compile_ruleset",
           "resolve_options"]
