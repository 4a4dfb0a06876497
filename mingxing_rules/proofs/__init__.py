"""Proofs over a ruleset, not samples: the compiled plan translated to SMT (z3).

``prove_ruleset`` checks what must hold for every office (each criterion can pass and fail,
each outcome is reachable, no rule is dead, UNDECIDED only when a fact is missing, the
ruleset's declared ``properties:``); ``prove_equivalent`` proves two versions give the same
verdict for every office, or lists every kind of flip with a minimal office each. See
docs/proofs.md. z3-solver is an optional dependency (``pip install 'mingxing-rules[prove]'``),
imported on first use.
"""

from __future__ import annotations

from .checks import CHECKS, DEFAULT_TIMEOUT, prove_ruleset
from .equivalence import prove_equivalent
from .report import ProofReport, ProofResult
from .translate import ProverUnavailableError, UnsupportedError, encode, solver_version

__all__ = [
    "CHECKS",
    "DEFAULT_TIMEOUT",
    "ProofReport",
    "ProofResult",
    "ProverUnavailableError",
    "UnsupportedError",
    "encode",
    "prove_equivalent",
    "prove_ruleset",
    "solver_version",
]
