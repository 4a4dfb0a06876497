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
from typing import Any, Literal

from hypothesis import HealthCheck, settings

from ..engine.evaluate import evaluate
from ..engine.trace import Verdict
from ..errors import InputError
from ..explain import render
from ..ruleset.load import Ruleset
from .diff import diff_rulesets
from .impact import Flip, find_verdict_changes, impact

__all__ = ["CI_PROFILE", "VerdictChangeError", "assert_same_verdicts", "describe_flip"]

CI_PROFILE = "mingxing-ci"
settings.register_profile(CI_PROFILE, derandomize=True, database=None, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])


class VerdictChangeError(AssertionError):
    """Verdicts changed where none was allowed. ``flips`` lists them (shrunk when searched)."""

    def __init__(self, message: str, flips: list[Flip]) -> None:
        super().__init__(message)
        self.flips = flips


def _verdicts(old: Ruleset, new: Ruleset, office: Mapping[str, Any]
              ) -> tuple[Verdict | None, Verdict | None]:
    found: list[Verdict | None] = []
    for ruleset in (old, new):
        try:
            found.append(evaluate(office, ruleset, extra="ignore"))
        except InputError:
            found.append(None)
    return found[0], found[1]


def _trace_difference(before: Verdict, after: Verdict) -> tuple[list[str], dict[str, Any]]:
    """The steps whose status moved, and the facts those steps read (the facts that matter)."""
    a_steps = {s.id: s for s in before.trace}
    b_steps = {s.id: s for s in after.trace}
    lines: list[str] = []
    matter: dict[str, Any] = {}
    for step_id in [*a_steps, *(i for i in b_steps if i not in a_steps)]:
        a, b = a_steps.get(step_id), b_steps.get(step_id)
        old_status = a.status.name if a else "absent"
        new_status = b.status.name if b else "absent"
        step = b or a
        if old_status != new_status and step is not None:
            lines.append(f"    {step.kind} {step_id}: {old_status} -> {new_status}")
            for verdict_step in (a, b):
                for reading in verdict_step.reads if verdict_step else ():
                    matter.setdefault(reading.name, reading.value)
    return lines, matter


def _indented(text: str, prefix: str = "      ") -> list[str]:
    return [prefix + line if line else "" for line in text.rstrip().splitlines()]


def describe_flip(old: Ruleset, new: Ruleset, flip: Flip,
                  lang: Literal["zh", "en"] = "en") -> list[str]:
    """The lines a failure shows for one flip: the transition and its causes, the facts that
    matter, the steps whose status moved, and both explanations."""
    lines = ["  " + flip.summary().replace("\n", "\n  ")]
    before, after = _verdicts(old, new, flip.office)
    if before is None or after is None:
        refused = old.key if before is None else new.key
        lines.append(f"    {refused} refuses this office's data; office: {dict(flip.office)!r}")
        return lines
    difference, matter = _trace_difference(before, after)
    facts = {k: v for k, v in matter.items() if k in flip.office} or dict(flip.office)
    lines.append(f"    facts that matter: {facts!r}")
    lines.append(f"    (the whole office has {len(flip.office) - 1} facts; the flip's "
                 "`office` attribute holds them)")
    lines.append("    trace difference:")
    lines += difference
    lines.append(f"    explanation under {old.key}:")
    lines += _indented(render(before, lang=lang, fmt="text"))
    lines.append(f"    explanation under {new.key}:")
    lines += _indented(render(after, lang=lang, fmt="text"))
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
    (if given) is checked office by office, then the search directed by the change (see
    :func:`~mingxing_rules.regression.impact.flip_search`) looks for one office per transition
    within ``max_examples``. The failure shows, per transition, the rule changes that explain it,
    the facts that matter, the steps whose status moved and both explanations, then the
    ``allow=`` that would accept the flips.
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
    lines = [f"verdicts changed from {old.key} to {new.key} "
             f"({len(flips)} transitions not allowed):"]
    for flip in flips:
        lines += describe_flip(old, new, flip)
    if diff.semantic:
        lines.append("rule changes:")
        lines += [f"  {c.summary()}" for c in diff.semantic]
    lines.append("if these flips are meant, accept them: assert_same_verdicts(old, new, allow={"
                 + ", ".join(repr(f.transition) for f in flips) + "})")
    raise VerdictChangeError("\n".join(lines), flips)
