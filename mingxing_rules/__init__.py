"""mingxing-rules: declarative, cited eligibility rules with verdicts that explain themselves.

Hypothesis-based tools live in submodules that are not imported here, so that importing the
library does not import Hypothesis: ``mingxing_rules.strategies`` and ``mingxing_rules.testing``
(install the ``testing`` extra).
"""

from __future__ import annotations

from .batch import BatchResult, evaluate_many, iter_evaluate, read_offices
from .diff import Change, RulesetDiff, diff_rulesets
from .errors import (
    BackendMismatchError,
    BackendUnavailableError,
    EvaluationError,
    InputError,
    InputProblem,
    Location,
    MingxingError,
    RulesetError,
    RulesetProblem,
)
from .evaluate import decide, evaluate
from .explain import render
from .gap import Gap, gap
from .impact import Cause, Flip, FlipSearch, Impact, find_verdict_changes, flip_search, impact
from .load import Ruleset, bundled_rulesets, check_ruleset, load_ruleset
from .model import Text, Threshold
from .mutants import Equivalence, Mutant, equivalence, mutants
from .office import Office
from .trace import Reading, Status, Step, Trace, Verdict
from .whatif import WhatIf, what_if

__version__ = "0.1.0"

__all__ = [
    "BackendMismatchError",
    "BackendUnavailableError",
    "BatchResult",
    "Cause",
    "Change",
    "Equivalence",
    "EvaluationError",
    "Flip",
    "FlipSearch",
    "Gap",
    "Impact",
    "InputError",
    "InputProblem",
    "Location",
    "MingxingError",
    "Mutant",
    "Office",
    "Reading",
    "Ruleset",
    "RulesetDiff",
    "RulesetError",
    "RulesetProblem",
    "Status",
    "Step",
    "Text",
    "Threshold",
    "Trace",
    "Verdict",
    "WhatIf",
    "__version__",
    "bundled_rulesets",
    "check_ruleset",
    "decide",
    "diff_rulesets",
    "equivalence",
    "evaluate",
    "evaluate_many",
    "find_verdict_changes",
    "flip_search",
    "gap",
    "impact",
    "iter_evaluate",
    "load_ruleset",
    "mutants",
    "read_offices",
    "render",
    "what_if",
]
