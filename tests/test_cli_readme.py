"""The README's commands work as written (and docs/cli.md's)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mingxing_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
#: Commands that find what they look for (exit 1); every other command must exit 0.
FINDS = {"gap": 1}  # the README gap office is a near miss


def commands(page: Path) -> list[list[str]]:
    text = page.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "mingxing":
                found.append(words[1:])
    return found


@pytest.mark.parametrize("page", ["README.md", "docs/cli.md"])
def test_every_command_works_as_written(page: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("examples", "rulesets"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)  # the files the commands write land here
    listed = commands(ROOT / page)
    assert len(listed) >= 7
    for words in listed:
        code = main(words)
        err = capsys.readouterr().err
        assert code == FINDS.get(words[0], 0), (words, err)
        assert "mingxing: error" not in err and "mingxing: warning" not in err, (words, err)
    assert (tmp_path / "report.html").exists() and (tmp_path / "results.csv").exists()
