"""The examples in the core modules' docstrings run (docs/*.md examples run through pytest)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["mingxing_rules.plan", "mingxing_rules.visitor", "mingxing_rules.arithmetic",
           "mingxing_rules.atomic", "mingxing_rules.evaluate", "mingxing_rules.load"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
