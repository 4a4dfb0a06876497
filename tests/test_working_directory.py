"""No test depends on the working directory.

At run time ``conftest.py`` runs every test from an empty directory. This module covers what
happens before that, at collection: a module-level ``Path("examples/offices").glob(...)`` or
``load_ruleset("examples/...")`` breaks or, worse, silently collects no cases when pytest is
started elsewhere. The suite is collected from an empty directory and must give the same tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def collected_from(cwd: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly",
         "-p", "no:cacheprovider", str(TESTS)],
        cwd=cwd, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return sorted(line for line in done.stdout.splitlines() if "::" in line)


def collected_here(session: pytest.Session) -> list[str] | None:
    """The ids of ``tests/`` this session collected, if it collected all of them (no file,
    keyword, marker or ``--deselect`` selection); ``None`` otherwise."""
    config = session.config
    if config.option.keyword or config.option.markexpr or config.getoption("deselect", None):
        return None
    ids = sorted(item.nodeid for item in session.items if item.nodeid.startswith("tests/"))
    files = {node_id.split("::")[0] for node_id in ids}
    if files != {f"tests/{path.name}" for path in TESTS.glob("test_*.py")}:
        return None
    return ids


@pytest.mark.slow
def test_the_suite_collects_the_same_tests_from_any_directory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    elsewhere = collected_from(tmp_path)
    here = collected_here(request.session) or collected_from(ROOT)
    assert len(here) > 1000
    assert elsewhere == here, sorted(set(elsewhere) ^ set(here))[:20]
