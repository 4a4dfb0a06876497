"""Shared helpers for the Star Judicial Office tests (a plain module, not a conftest).

The boundary tests all start from one complete, compliant office (the example
``examples/offices/star-by-assessment.json``) and change one fact, so that every verdict has a
single visible cause.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.engine.trace import Status, Step, Verdict
from mingxing_rules.ruleset.load import Ruleset
from mingxing_rules.ruleset.model import Threshold

ROOT = Path(__file__).resolve().parents[1]
RULESET_PATH = ROOT / "rulesets" / "star-judicial-office.yaml"
# The authority text the ruleset encodes, kept in the repository so a fresh clone can check
# every quote (byte-identical to the seed copy /work/shared/seed/mingxing-opinion.zh.txt).
SOURCE_PATH = ROOT / "rulesets" / "sources" / "mingxing-opinion.zh.txt"
EXAMPLES = ROOT / "examples" / "offices"

PASS, FAIL = Status.PASS, Status.FAIL
UNKNOWN, NOT_APPLICABLE = Status.UNKNOWN, Status.NOT_APPLICABLE


@functools.cache
def _load(options: tuple[tuple[str, Any], ...]) -> Ruleset:
    return load_ruleset(RULESET_PATH, options=dict(options))


def star(**options: Any) -> Ruleset:
    """The Star Judicial Office ruleset, with ``options`` (cached per option set)."""
    return _load(tuple(sorted(options.items())))


@functools.cache
def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def example(name: str) -> dict[str, Any]:
    """A fresh copy of ``examples/offices/<name>.json``."""
    return copy.deepcopy(_example(name))


def passing_office() -> dict[str, Any]:
    """A complete office that is ``STAR`` by assessment (fresh copy each call)."""
    return example("star-by-assessment")


def with_(office: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """``office`` with ``changes`` applied; a change to ``None`` removes the fact (unknown)."""
    changed = copy.deepcopy(dict(office))
    for name, value in changes.items():
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return changed


def verdict_of(office: Mapping[str, Any], **options: Any) -> Verdict:
    return evaluate(dict(office), star(**options))


def source_text() -> str:
    return SOURCE_PATH.read_text(encoding="utf-8")


def compact(text: str) -> str:
    """``text`` without any whitespace, so quotes match across line breaks."""
    return "".join(text.split())


class Case(NamedTuple):
    """One row of a boundary table: change some facts, expect a criterion status and outcome."""

    label: str
    changes: Mapping[str, Any]
    criterion: str
    status: Status
    outcome: str
    options: Mapping[str, Any] = {}


class Bound(NamedTuple):
    """What a criterion must show in the trace: its clause and the threshold it compares."""

    criterion: str
    clause: str
    threshold: Threshold


def ids(cases: Iterable[Case]) -> list[str]:
    return [case.label for case in cases]


def check_case(case: Case) -> Verdict:
    """Evaluate ``case`` from the passing office and check the criterion and the verdict."""
    verdict = verdict_of(with_(passing_office(), **case.changes), **case.options)
    step = verdict.trace.step(case.criterion)
    assert step.kind == "criterion"
    assert step.status == case.status, (case.label, step)
    assert verdict.outcome == case.outcome, (case.label, verdict.outcome,
                                              [s.id for s in verdict.trace.failing()])
    failing = [s.id for s in verdict.trace.failing()]
    if case.status == FAIL:
        # The one change is the one cause: the trace names exactly this criterion.
        assert failing == [case.criterion], failing
    else:
        assert failing == [], failing
    return verdict


def check_bound(step: Step, bound: Bound) -> None:
    """The step cites its clause, compares the threshold, and reads the compared value."""
    assert step.clause == bound.clause
    assert bound.threshold in step.thresholds, step.thresholds
    read = {reading.name for reading in step.reads}
    assert bound.threshold.fact in read, (bound.threshold.fact, read)


def check_bound_value(step: Step, bound: Bound, changes: dict[str, Any]) -> None:
    """Besides :func:`check_bound`: the trace shows the value read for the compared fact — the
    office's own value when the case changed it, a known value otherwise (a derived rate
    computed from the changed counts)."""
    check_bound(step, bound)
    value = reading(step, bound.threshold.fact)
    if bound.threshold.fact in changes:
        given = changes[bound.threshold.fact]
        if isinstance(given, dict):  # a panel finding: {"met": ..., "evidence": ...}
            given = given["met"]
        assert value == given, (value, changes)
    else:
        assert value is not None, (bound.threshold.fact, changes)


def reading(step: Step, name: str) -> Any:
    """The value ``step`` read for ``name``."""
    for item in step.reads:
        if item.name == name:
            return item.value
    raise KeyError(name)
