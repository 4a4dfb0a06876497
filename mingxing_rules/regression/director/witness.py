"""The prover's word on a pair of outcomes the director's search left open (optional: z3).

Both plans are translated to SMT over one symbolic office (``mingxing_rules.proofs``), each
version with the options it was loaded with, and z3 is asked for a valid office on which the old
version decides ``A`` and the new one ``B``. *Unsat* settles the pair: no office flips that way.
*Sat* gives a witness office, which the caller evaluates with both compiled rulesets and counts
only if the native verdicts flip that way. z3-solver is an optional extra
(``pip install 'mingxing-rules[prove]'``): without it :func:`open_prover` returns ``None`` and
the pairs stay open, as before.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import attrs

from ...errors import MingxingError
from ...proofs.translate import (
    Encoding,
    ProverUnavailableError,
    SymbolicOffice,
    SymbolicOptions,
    encode,
    load_z3,
)
from ...ruleset.load import Ruleset

__all__ = ["PROVER_SECONDS", "PROVER_TOTAL_SECONDS", "Answer", "PairProver", "open_prover"]

PROVER_SECONDS = 5.0  # z3's time limit for one pair of outcomes
PROVER_TOTAL_SECONDS = 30.0  # for every pair the search left open, together


@attrs.frozen
class Answer:
    """``found``: ``office`` flips that way according to z3 (still to be confirmed natively);
    ``impossible``: no valid office does; ``unknown``: no answer within the time limit."""

    status: Literal["found", "impossible", "unknown"]
    office: dict[str, Any] | None = None


class PairProver:
    """Both versions encoded once; :meth:`ask` one pair of outcomes at a time."""

    def __init__(self, old: Ruleset, new: Ruleset, seconds: float = PROVER_SECONDS,
                 total_seconds: float = PROVER_TOTAL_SECONDS) -> None:
        self.z3 = load_z3()
        office = SymbolicOffice("office")
        self.office = office
        self.before: Encoding = encode(old.plan, office, SymbolicOptions(
            old.spec.options, old.plan.option_map, prefix="old.opt"))
        self.after: Encoding = encode(new.plan, office, SymbolicOptions(
            new.spec.options, new.plan.option_map, prefix="new.opt"))
        self.facts = list(dict.fromkeys([*self.before.facts_read, *self.after.facts_read]))
        self.seconds = seconds
        self.deadline = time.monotonic() + total_seconds
        self.solver = self.z3.Solver()
        self.solver.add(self.before.valid(), self.after.valid())

    def ask(self, old_outcome: str, new_outcome: str) -> Answer:
        left = self.deadline - time.monotonic()
        if (left <= 0 or old_outcome not in self.before.verdict
                or new_outcome not in self.after.verdict):
            return Answer("unknown")
        z3 = self.z3
        self.solver.set("timeout", max(1, int(min(self.seconds, left) * 1000)))
        self.solver.push()
        try:
            self.solver.add(self.before.verdict[old_outcome], self.after.verdict[new_outcome])
            answer = self.solver.check()
            if answer == z3.unsat:
                return Answer("impossible")
            if answer != z3.sat:
                return Answer("unknown")
            found = self.office.read(self.solver.model(), self.facts)
        finally:
            self.solver.pop()
        name = f"proved-{old_outcome}-{new_outcome}".lower()
        return Answer("found", {"id": name, **found})


def open_prover(old: Ruleset, new: Ruleset, *, seconds: float = PROVER_SECONDS,
                total_seconds: float = PROVER_TOTAL_SECONDS) -> PairProver | None:
    """A prover for the two versions, or ``None`` when z3 is not installed or cannot encode
    them (a construct the translation does not support): the director then does without."""
    try:
        return PairProver(old, new, seconds, total_seconds)
    except (ProverUnavailableError, MingxingError, ImportError):
        return None
