"""mingxing-rules: declarative, cited eligibility rules with verdicts that explain themselves."""

from __future__ import annotations

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
from .load import Ruleset, bundled_rulesets, check_ruleset, load_ruleset
from .model import Text, Threshold
from .office import Office
from .trace import Reading, Status, Step, Trace, Verdict

__version__ = "0.1.0"

__all__ = [
    "BackendMismatchError",
    "BackendUnavailableError",
    "EvaluationError",
    "InputError",
    "InputProblem",
    "Location",
    "MingxingError",
    "Office",
    "Reading",
    "Ruleset",
    "RulesetError",
    "RulesetProblem",
    "Status",
    "Step",
    "Text",
    "Threshold",
    "Trace",
    "Verdict",
    "__version__",
    "bundled_rulesets",
    "check_ruleset",
    "decide",
    "evaluate",
    "load_ruleset",
]
