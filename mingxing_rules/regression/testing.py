"""pytest helpers for rule maintainers: prove a change verdict-neutral, or allow the flips meant.

Importing this module registers the Hypothesis profile ``mingxing-ci`` (derandomized, no
example database, no deadline): load it in CI with ``settings.load_profile("mingxing-ci")`` or
``pytest --hypothesis-profile=mingxing-ci``.

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.testing import assert_same_verdicts
>>> old = load_ruleset("star-judicial-office")
>>> assert_same_verdicts(old, old.with_options(meeting_room_min_seats=20), max_examples=5,
...                      population="examples/offices")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from ..engine.evaluate import evaluate
from ..ruleset.load import Ruleset
from .diff import diff_rulesets
from .impact import Flip, find_verdict_changes, impact

__all__ = ["CI_PROFILE", "VerdictChangeError", "assert_same_verdicts"]

CI_PROFILE = "mingxing-ci"
settings.register_profile(CI_PROFILE, derandomize=True, database=None, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])


class VerdictChangeError(AssertionError):
    """Verdicts changed where none was allowed. ``flips`` lists them (shrunk when searched)."""

    def __init__(self, message: str, flips: list[Flip]) -> None:
        super().__init__(message)
        self.flips = flips


def _trace_difference(old: Ruleset, new: Ruleset, office: Mapping[str, Any]) -> list[str]:
    before = {s.id: s for s in evaluate(office, old, extra="ignore").trace}
    after = {s.id: s for s in evaluate(office, new, extra="ignore").trace}
    lines = []
    for step_id in [*before, *(i for i in after if i not in before)]:
        a, b = before.get(step_id), after.get(step_id)
        old_status = a.status.name if a else "absent"
        new_status = b.status.name if b else "absent"
        step = b or a
        if old_status != new_status and step is not None:
            kind = step.kind
            lines.append(f"    {kind} {step_id}: {old_status} -> {new_status}")
    return lines


def assert_same_verdicts(
    old: Ruleset,
    new: Ruleset,
    *,
    allow: Iterable[tuple[str, str]] = (),
    max_examples: int = 200,
    population: str | Path | Any | Iterable[Mapping[str, Any]] | None = None,
) -> None:
    """Fail unless every verdict is the same under ``old`` and ``new`` (except ``allow``).

    ``allow``: transitions that are meant, e.g. ``{("STAR", "NOT_ELIGIBLE")}``. The population
    (if given) is checked office by office, then Hypothesis searches ``max_examples`` offices
    per transition. The failure shows each shrunk counterexample, the rule changes that explain
    it and the trace difference.
    """
    allowed = {tuple(t) for t in allow}
    for transition in allowed:
        if len(transition) != 2:
            raise ValueError(f"allow takes (old outcome, new outcome) pairs, got {transition!r}")
    flips: list[Flip] = []
    if population is not None:
        flips += [f for f in impact(old, new, population).flips if f.transition not in allowed]
    if not flips:
        flips += [f for f in find_verdict_changes(old, new, max_examples=max_examples,
                                                  population=population)
                  if f.transition not in allowed]
    if not flips:
        return
    diff = diff_rulesets(old, new)
    lines = [f"verdicts changed from {old.key} to {new.key}:"]
    for flip in flips:
        lines.append("  " + flip.summary().replace("\n", "\n  "))
        lines.append(f"    office: {dict(flip.office)!r}")
        lines.append("    trace difference:")
        lines += _trace_difference(old, new, flip.office)
    if diff.semantic:
        lines.append("rule changes:")
        lines += [f"  {c.summary()}" for c in diff.semantic]
    raise VerdictChangeError("\n".join(lines), flips)
