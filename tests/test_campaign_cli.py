"""``mingxing campaign`` and the example city."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mingxing_rules.campaign import (
    Assessment,
    Award,
    Register,
    dump_register,
    load_register,
    save_register,
)
from mingxing_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "examples" / "city"
REGISTER = CITY / "register.jsonl"


def test_done_when_2015_prints_rates_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    report = tmp_path / "report.html"
    assert main(["campaign", str(REGISTER), "--year", "2015", "--out", str(report),
                 "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "江城市: Star rate 2015 (city target 70%)"
    counties = [line for line in lines[2:] if line and not line.startswith("-")]
    assert len(counties) == 11  # 10 counties and the city
    assert counties[-1].startswith("江城市 (city)")
    statuses = [line.rsplit("%", 1)[1].strip() for line in counties[:-1]]
    # The example city has counties on target and counties behind.
    assert "on target" in statuses
    assert any(s.startswith("needs ") for s in statuses)
    assert f"wrote {report}" in err
    page = report.read_text(encoding="utf-8")
    assert "<svg" in page and "Rate vs target" in page and "石桥区" in page


def test_json_and_csv_output_and_county_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaign", str(REGISTER), "--year", "2013", "--format", "json",
                 "--county", "清河区", "--county", "北岭县"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["scope"] for row in data["rows"]] == ["清河区", "北岭县", "city"]
    assert all(row["year"] == 2013 and row["target"] == 0.35 for row in data["rows"])
    assert main(["campaign", str(REGISTER), "--year", "2014", "--format", "csv"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.startswith("year,scope,offices,star,by_assessment,by_promotion")
    assert len(rows) == 11


def test_options_change_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    def city_row(*options: str) -> dict[str, int]:
        assert main(["campaign", str(REGISTER), "--format", "json", *options]) == 0
        rows: list[dict[str, int]] = json.loads(capsys.readouterr().out)["rows"]
        return rows[-1]

    default = city_row()
    narrow = city_row("--denominator", "township_street_offices")
    assert narrow["offices"] == default["offices"] - 1  # the development-zone office
    stay = city_row("--revoked", "stay-in-year")
    assert stay["star"] == default["star"] + default["revoked"]


def test_chart_file(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "chart.svg"
    assert main(["campaign", str(REGISTER), "--year", "2014", "--chart", str(chart)]) == 0
    assert "安平县" in chart.read_text(encoding="utf-8")


def test_cycle_lists_the_years_awards(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaign", str(REGISTER), "--year", "2015", "--cycle",
                 "--county", "梅林区"]) == 0
    out = capsys.readouterr().out
    assert "Commendation list 2015 表彰名单 (applications by 2015-11-30):" in out
    register = load_register(REGISTER)
    county = {o.id for o in register.offices if o.county == "梅林区"}
    awarded = {e.office_id for e in register.events
               if isinstance(e, Award) and e.year == 2015}
    assert awarded & county
    assert all(office in out for office in awarded & county)
    assert not any(office in out for office in awarded - county)


def test_apply_records_a_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register = load_register(REGISTER)
    # The register as it stood before the 2015 assessment: drop that year's verdicts.
    before = Register(register.offices, [
        e for e in register.events
        if not (getattr(e, "year", None) == 2015 and e.kind in ("assessment", "award",
                                                                 "revocation"))
    ], city=register.city)
    source = tmp_path / "before.jsonl"
    save_register(before, source)
    saved = tmp_path / "after.jsonl"
    assert main(["campaign", str(source), "--cycle", "--apply", "--save", str(saved),
                 "--format", "json"]) == 0
    applied = load_register(saved)
    assert sum(isinstance(e, Award) and e.year == 2015 for e in applied.events) == sum(
        isinstance(e, Award) and e.year == 2015 for e in register.events)
    capsys.readouterr()
    # Applying the year again would record it twice.
    assert main(["campaign", str(saved), "--cycle", "--apply"]) == 2
    assert "already records" in capsys.readouterr().err
    assert sum(isinstance(e, Assessment) and e.year == 2015 for e in applied.events) > 0


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["--apply"], 2, "--apply and --save need --cycle"),
        (["--cycle", "--save", "x.jsonl"], 2, "--save needs --apply"),
        (["--county", "火星区"], 2, "no office of the register is in '火星区'"),
        (["--cycle", "--ruleset", "no-such-ruleset"], 3, "no-such-ruleset"),
        (["--cycle", "--option", "novalue"], 3, "expected NAME=VALUE"),
    ],
)
def test_errors_exit_with_a_message(
    arguments: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["campaign", str(REGISTER), *arguments]) == code
    assert message in capsys.readouterr().err


def test_an_invalid_register_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"kind": "office", "id": "a", "name": "x", "county": "清河区"}\n'
        '{"kind": "award", "office_id": "b", "date": "2013-12-20", "year": 2013}\n'
        '{"kind": "revocation", "office_id": "a", "date": "2013-12-20", "year": 2013}\n',
        encoding="utf-8")
    assert main(["campaign", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2 problems in the title register" in err
    assert f"{path}:2 award.office_id" in err and f"{path}:3 revocation.date" in err


def test_the_example_register_is_what_the_generator_makes() -> None:
    # If this fails after a ruleset change: python examples/city/generate_city.py
    done = subprocess.run([sys.executable, str(CITY / "generate_city.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_example_register_round_trips_through_csv(tmp_path: Path) -> None:
    register = load_register(REGISTER)
    assert len(register.offices) >= 100 and len(register.counties) == 10
    path = tmp_path / "register.csv"
    save_register(register, path)
    assert load_register(path) == register
    assert dump_register(register, fmt="jsonl") == REGISTER.read_text(encoding="utf-8")
