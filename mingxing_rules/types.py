"""The enumerated arguments of the public API, as ``Literal`` types a type checker can verify.

>>> from typing import get_args
>>> get_args(Lang), get_args(BackendName)
(('zh', 'en'), ('native', 'durable', 'verified'))

``StarOutcome`` lists the outcome ids of the bundled Star ruleset (and ``UNDECIDED``), for code
that works with that ruleset only; ``Verdict.outcome`` is an :data:`OutcomeId` because outcome ids
are data of whichever ruleset decided (a test keeps ``StarOutcome`` equal to the bundled file).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["UNDECIDED", "BackendName", "ExtraFacts", "Format", "Lang", "OnError", "OutcomeId",
           "StarOutcome"]

Lang: TypeAlias = Literal["zh", "en"]
Format: TypeAlias = Literal["text", "md", "html", "json"]
BackendName: TypeAlias = Literal["native", "durable", "verified"]
ExtraFacts: TypeAlias = Literal["error", "ignore"]  # keys of an office that are not facts
OnError: TypeAlias = Literal["collect", "raise"]  # a bad row in a batch

#: An outcome id of the ruleset that decided, or ``"UNDECIDED"``.
OutcomeId: TypeAlias = str
UNDECIDED: Literal["UNDECIDED"] = "UNDECIDED"
StarOutcome: TypeAlias = Literal[
    "REVOKED", "REVOCATION_RECOMMENDED", "RETAINED", "DIRECT_PROMOTION", "WITHHELD",
    "INADMISSIBLE",
    "STAR", "NOT_ELIGIBLE", "UNDECIDED",
]
