"""mingxing-rules: declarative, cited eligibility rules with verdicts that explain themselves.

Hypothesis-based tools live in submodules that are not imported here, so that importing the
library does not import Hypothesis: ``mingxing_rules.strategies`` and ``mingxing_rules.testing``
(install the ``testing`` extra).
"""

from __future__ import annotations

from .engine.batch import BatchResult, evaluate_many, iter_evaluate, read_offices
from .engine.evaluate import decide, evaluate
from .engine.office import Office
from .engine.trace import Reading, Status, Step, Trace, Verdict
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
from .explain import render
from .gap import Gap, gap
from .history import RulesetHistory, load_history
from .reassess import reassess
from .records import DecisionLog, replay
from .regression.diff import Change, RulesetDiff, diff_rulesets
from .regression.impact import (
    Cause,
    Flip,
    FlipSearch,
    Impact,
    find_verdict_changes,
    flip_search,
    impact,
)
from .regression.mutants import Equivalence, Mutant, equivalence, mutants
from .regression.whatif import WhatIf, what_if
from .ruleset.load import Ruleset, bundled_rulesets, check_ruleset, load_ruleset
from .ruleset.model import Text, Threshold
from .version import __version__

__all__ = [
    "BackendMismatchError",
    "BackendUnavailableError",
    "BatchResult",
    "Cause",
    "Change",
    "DecisionLog",
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
    "RulesetHistory",
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
    "load_history",
    "load_ruleset",
    "mutants",
    "read_offices",
    "reassess",
    "render",
    "replay",
    "what_if",
]
