"""Results tables Excel opens as they are, and progress that only a terminal sees."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.progress import Progress, progress_display, track

ROOT = Path(__file__).resolve().parent.parent
OFFICES = ROOT / "examples" / "offices"
STAR = ROOT / "rulesets" / "star-judicial-office.yaml"
AMENDMENT = ROOT / "examples" / "amendment" / "star-judicial-office-2014.yaml"
BOM = b"\xef\xbb\xbf"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def many_offices(tmp_path: Path, count: int = 300) -> Path:
    template = [json.loads(p.read_text("utf-8")) for p in sorted(OFFICES.glob("*.json"))]
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({**template[n % len(template)], "id": f"o{n}"},
                                       ensure_ascii=False) + "\n" for n in range(count)),
                    encoding="utf-8")
    return path


# -- CSV and xlsx ----------------------------------------------------------------------------------


def test_csv_has_a_byte_order_mark_by_default(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    assert main(["evaluate", str(OFFICES), "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["office_id"] == "failing-many" and rows[0]["office_name"] == "山口乡司法所"


def test_encoding_changes_it(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    assert main(["evaluate", str(OFFICES), "--out", str(plain), "--encoding", "utf-8"]) == 0
    assert not plain.read_bytes().startswith(BOM)
    legacy = tmp_path / "gb.csv"
    assert main(["evaluate", str(OFFICES), "--out", str(legacy), "--encoding", "gb18030"]) == 0
    assert "山口乡司法所" in legacy.read_bytes().decode("gb18030")


def test_an_unknown_encoding_is_a_usage_error(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(OFFICES), "--out", str(tmp_path / "x.csv"),
                 "--encoding", "nope"]) == 2
    assert "unknown encoding" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_json_lines_stay_plain_utf8(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    assert main(["evaluate", str(OFFICES), "--out", str(out)]) == 0
    assert not out.read_bytes().startswith(BOM)


def test_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "results.xlsx"
    assert main(["evaluate", str(OFFICES), "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    criteria = load_ruleset("star-judicial-office").criteria()
    assert rows[0][:3] == ("office_id", "office_name", "outcome")
    assert list(rows[0][-len(criteria):]) == criteria
    assert rows[1][:3] == ("failing-many", "山口乡司法所", "NOT_ELIGIBLE")
    assert len(rows) == 1 + len(list(OFFICES.glob("*.json")))


def test_an_output_that_is_an_input_is_refused(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = many_offices(tmp_path, 3)
    before = source.read_bytes()
    assert main(["evaluate", "--batch", str(source), "--out", str(source)]) == 2
    assert "is one of the inputs" in capsys.readouterr().err
    assert source.read_bytes() == before


# -- progress --------------------------------------------------------------------------------------


def test_batch_progress_on_a_terminal_shows_rate_and_eta(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    source = many_offices(tmp_path)
    assert main(["evaluate", "--batch", str(source), "--out", str(tmp_path / "r.csv")]) == 0
    shown = terminal.getvalue()
    assert "evaluating" in shown and "/300" in shown
    assert "offices/s" in shown and "ETA" in shown


def test_quiet_and_pipes_show_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    source = many_offices(tmp_path)
    assert main(["evaluate", "--batch", str(source), "--out", str(tmp_path / "r.csv")]) == 0
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["evaluate", "--batch", str(source), "--out", str(tmp_path / "r.csv"),
                 "--quiet"]) == 0
    assert terminal.getvalue() == ""


def test_impact_cycle_and_search_report_progress(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    register = ROOT / "examples" / "city" / "register.jsonl"
    assert main(["campaign", str(register), "--cycle", "--format", "json"]) == 0
    assert "assessing" in terminal.getvalue()
    assert main(["diff", str(STAR), str(AMENDMENT), "--offices", str(OFFICES), "--search",
                 "20"]) == 1
    assert "impact" in terminal.getvalue() and "searching for flips" in terminal.getvalue()


def test_the_library_draws_nothing_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert sum(track(range(10), "counting")) == 45  # library use: no switch, nothing drawn
    assert terminal.getvalue() == ""
    with progress_display(True):
        assert sum(track(range(10), "counting")) == 45
    assert "counting" in terminal.getvalue()
    with progress_display(False), Progress(10, "never", enabled=None) as bar:
        bar.advance()
    assert "never" not in terminal.getvalue()
