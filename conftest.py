"""Doctests of the documentation (``docs/*.md``, ``README.md``) and of the modules read paths
such as ``examples/offices/...`` as a reader at the repository root would: they run from the
root whatever directory pytest was started in (the tests under ``tests/`` run from an empty
directory instead, see ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _doctests_run_from_the_repository_root(request: pytest.FixtureRequest,
                                           monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if isinstance(request.node, DoctestItem):
        monkeypatch.chdir(ROOT)
    yield
