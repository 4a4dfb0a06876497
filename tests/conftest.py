"""Shared test settings: a derandomized Hypothesis profile for CI (the default locally too), and
every test run from an empty directory outside the repository.

No test may depend on the working directory: the suite must pass when pytest is started from
anywhere (``cd /tmp && pytest /path/to/repo/tests``). Tests build their paths from
``Path(__file__)``; to keep it so, each test runs with an empty directory as its working
directory, so a relative path such as ``"examples/offices/x.json"`` fails at once instead of
only when someone starts pytest elsewhere, and a test that writes a file into the working
directory (which would otherwise land in the repository) is reported. Golden files
(``tests/golden``) are only ever written by the regenerate scripts: a test run that changes one
fails. The doctests of
``docs/*.md`` and ``README.md`` are not affected: this conftest only covers ``tests/``, and those
pages are written for a reader at the repository root (pytest collects them from there).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "mingxing-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mingxing-ci"))


@pytest.fixture(scope="session")
def empty_working_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("working-directory")


@pytest.fixture(autouse=True)
def run_outside_the_repository(empty_working_directory: Path,
                               monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test from an empty directory and check that it wrote nothing there."""
    monkeypatch.chdir(empty_working_directory)
    yield
    left = sorted(path.name for path in empty_working_directory.iterdir())
    for name in left:  # clean up, so that one faulty test does not fail the next ones too
        path = empty_working_directory / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    assert not left, (f"the test wrote {left} into the working directory (the repository when "
                      "pytest runs there); write into tmp_path instead")


GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_digests() -> dict[str, str]:
    return {str(path.relative_to(GOLDEN)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(GOLDEN.rglob("*")) if path.is_file() and "__pycache__" not in
            path.parts}


@pytest.fixture(scope="session", autouse=True)
def golden_files_are_never_written() -> Iterator[None]:
    before = golden_digests()
    yield
    after = golden_digests()
    changed = sorted(name for name in before.keys() | after.keys()
                     if before.get(name) != after.get(name))
    assert not changed, (f"the test run wrote golden files {changed}; only "
                         "tests/golden/regenerate*.py may write them")
