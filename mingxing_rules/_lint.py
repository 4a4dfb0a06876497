"""Static checks beyond validity (warnings of `mingxing check`); filled in by the lint work."""

from __future__ import annotations

from .compile import CompiledProgram
from .errors import RulesetProblem
from .model import RulesetSpec

__all__ = ["lint"]


def lint(spec: RulesetSpec, program: CompiledProgram) -> list[RulesetProblem]:
    """Warnings about a valid ruleset (never-passing criteria, unreachable outcomes, ...)."""
    return []
