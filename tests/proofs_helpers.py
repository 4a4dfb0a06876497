"""One proof of the Star ruleset for the whole test session: `mingxing prove` and the proofs
section of `mingxing doc` read the same report (proving takes seconds of solver time)."""

from __future__ import annotations

import functools

from mingxing_rules.proofs import ProofReport, prove_ruleset


@functools.cache
def star_report() -> ProofReport:
    """``prove_ruleset("star-judicial-office")``: every check, every option setting."""
    return prove_ruleset("star-judicial-office")
