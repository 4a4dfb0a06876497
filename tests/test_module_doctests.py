"""The examples in the core modules' docstrings run (docs/*.md examples run through pytest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["mingxing_rules.compile.plan", "mingxing_rules.language.visitor", "mingxing_rules.language.arithmetic",
           "mingxing_rules.atomic", "mingxing_rules.engine.evaluate", "mingxing_rules.ruleset.load",
           "mingxing_rules.engine.jsonl", "mingxing_rules.fastjson",
           "mingxing_rules.explain", "mingxing_rules.explain.compiled",
           "mingxing_rules.explain.sentences", "mingxing_rules.explain.wording",
           "mingxing_rules.explain.report", "mingxing_rules.explain.memo"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
