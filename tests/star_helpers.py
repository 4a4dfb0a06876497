"""Shared helpers for the Star Judicial Office tests (a plain module, not a conftest).

The boundary tests (``test_star_standards.py``) all start from one complete, compliant office
(the example ``examples/offices/star-by-assessment.json``) and change one fact, so that every
verdict has a single visible cause.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mingxing_rules import evaluate, load_ruleset
from mingxing_rules.engine.trace import Status, Step, Verdict
from mingxing_rules.ruleset.load import Ruleset

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


def reading(step: Step, name: str) -> Any:
    """The value ``step`` read for ``name``."""
    for item in step.reads:
        if item.name == name:
            return item.value
    raise KeyError(name)
