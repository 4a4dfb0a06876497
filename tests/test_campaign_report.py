"""Campaign reports: the table in three formats, the chart, the self-contained HTML page."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import io
import json
import re
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from zh_style import problems

from mingxing_rules.campaign import (
    Application,
    Award,
    Event,
    MissingExtraError,
    Office,
    RateTable,
    Register,
    Revocation,
    format_table,
    rate_dataframe,
    rate_table,
    render_chart,
    render_html,
    run_cycle,
    write_chart,
)
from mingxing_rules.errors import InputError

D = dt.date


def small_city() -> Register:
    """清河区 on target in 2013 (4 of 10), 东湖区 behind (1 of 10, one revoked in 2014)."""
    offices = [Office(f"q{i}", f"清{i}镇司法所", "清河区") for i in range(10)]
    offices += [Office(f"d{i}", f"东{i}街道司法所", "东湖区", office_kind="street")
                for i in range(10)]
    events: list[Event] = [Award(f"q{i}", D(2013, 12, 20), 2013) for i in range(4)]
    events += [Award("d0", D(2013, 12, 20), 2013, basis="promotion"),
               Award("d1", D(2013, 12, 20), 2013),
               Revocation("d1", D(2014, 7, 1), 2014, reason="<major> & problem")]
    return Register(offices, events, city="江城市")


def table() -> RateTable:
    return rate_table(small_city(), [2012, 2013, 2014])


def test_text_table_aligns_chinese_names() -> None:
    text = format_table(table(), year=2013)
    lines = text.splitlines()
    assert lines[0] == "江城市: Star rate 2013 (city target 35%)"
    assert lines[1].split() == ["Scope", "Offices", "Star", "Assessed", "Promoted", "Awarded",
                                "Revoked", "Rate", "Target", "Status"]
    assert lines[2].split()[:9] == ["清河区", "10", "4", "4", "0", "4", "0", "40%", "35%"]
    assert lines[2].endswith("on target")
    assert lines[3].endswith("needs 2 more Star offices")
    assert set(lines[4]) == {"-", " "}
    assert lines[5].startswith("江城市 (city)")  # 6 of 20 = 30 %
    assert lines[5].endswith("needs 1 more Star office")
    # Chinese characters take two columns: the numbers line up under their headers.
    header_end = lines[1].index("Offices") + len("Offices")
    for line in lines[2:4] + lines[5:6]:
        count = re.search(r"\d+", line)
        assert count is not None
        assert columns(line[:count.end()]) == header_end


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def test_text_table_of_every_year() -> None:
    text = format_table(table())
    assert "Star rate 2012\n" in text  # no target that year
    assert "Star rate 2014 (city target 55%)" in text
    assert "no target" in text


def test_csv_and_json_tables() -> None:
    rows = list(csv.DictReader(io.StringIO(format_table(table(), year=2014, fmt="csv"))))
    assert [r["scope"] for r in rows] == ["清河区", "东湖区", "city"]
    assert rows[1] | {} == rows[1] and rows[1]["revoked"] == "1"
    assert (rows[1]["star"], rows[1]["rate_exact"], rows[1]["met"]) == ("1", "1/10", "False")
    data = json.loads(format_table(table(), year=2014, fmt="json"))
    assert data["year"] == 2014 and data["city"] == "江城市"
    assert data["rows"][2]["status"] == "needs 6 more Star offices"  # ceil(0.55 × 20) − 5
    assert data["policy"]["denominator"] == "all_offices"
    with pytest.raises(InputError, match="unknown table format"):
        format_table(table(), fmt="xlsx")  # type: ignore[arg-type]


def test_dataframe() -> None:
    pytest.importorskip("pandas")
    frame = rate_dataframe(table())
    assert list(frame["scope"][:3]) == ["清河区", "东湖区", "city"]
    assert len(frame) == 9


def test_missing_extras_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'mingxing-rules\[plot\]'"):
        render_chart(table())
    with pytest.raises(MissingExtraError, match=r"mingxing-rules\[pandas\]"):
        rate_dataframe(table())
    page = render_html(table(), year=2014, chart=False)  # the page itself needs no extra
    assert "<svg" not in page


def test_svg_chart_keeps_text_as_text() -> None:
    pytest.importorskip("matplotlib")
    svg = render_chart(table(), year=2014).decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ("江城市", "清河区", "东湖区", "needs 6 more Star offices", "2013", "2014"):
        assert label in svg
    assert "2015" not in svg  # only the years up to the one reported


def test_png_chart(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from mingxing_rules.campaign.report import CJKFontWarning, cjk_font

    path = tmp_path / "chart.png"
    # Without a CJK font the PNG says so (and has Latin labels) rather than drawing boxes.
    with (contextlib.nullcontext() if cjk_font() else pytest.warns(CJKFontWarning)):
        write_chart(table(), path, year=2013)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(InputError, match=r"a chart is written as \.png or \.svg"):
        write_chart(table(), tmp_path / "chart.pdf")


@attrs.frozen
class FakeVerdict:
    outcome: str
    effect: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome}

    def explain(self, lang: str = "en") -> str:
        return f"<{self.outcome}> explained in {lang}"


def test_html_report_is_self_contained() -> None:
    pytest.importorskip("matplotlib")
    register = small_city().with_events([
        Application("q5", D(2014, 11, 2), 2014, True),
        Application("q6", D(2014, 12, 3), 2014, True),
    ])

    def evaluator(facts: Mapping[str, Any]) -> FakeVerdict:
        return FakeVerdict("STAR", "award")

    cycle = run_cycle(register, 2014, evaluator=evaluator)
    page = render_html(rate_table(register, [2012, 2013, 2014]), year=2014, cycle=cycle,
                       source="register.jsonl")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    # Self-contained: no script, stylesheet, image or font fetched from anywhere (the SVG's
    # clip paths refer to ids in the page: url(#...)).
    assert not re.search(r'<script|<link|<img|@import|url\((?!#)|src=|href="(?!#)', page)
    assert page.count("<svg") == 1 and 'style="width:100%;height:auto"' in page
    assert "江城市 — Star Judicial Office campaign 2014" in page
    assert "needs 6 more Star offices" in page
    assert "Commendation list 2014 (1)" in page
    assert "&lt;STAR&gt; explained in en" in page  # explanations are escaped, in the page's language
    assert "Late applications, not assessed" in page and "q6: submitted 3 December 2014" in page
    assert "How the rate is counted" in page
    assert "a title revoked during the year leaves that year's count" in html.unescape(page)


def test_html_report_needs_a_year_of_the_table() -> None:
    with pytest.raises(InputError, match="no year 2015"):
        render_html(table(), year=2015, chart=False)


def test_the_html_report_in_chinese_reads_like_a_bureau_document() -> None:
    register = small_city().with_events([
        Application("q5", D(2014, 11, 2), 2014, True),
        Application("q6", D(2014, 12, 3), 2014, True),
    ])

    def evaluator(facts: Mapping[str, Any]) -> FakeVerdict:
        return FakeVerdict("STAR", "award")

    cycle = run_cycle(register, 2014, evaluator=evaluator)
    page = render_html(rate_table(register, [2012, 2013, 2014]), year=2014, cycle=cycle,
                       chart=False, lang="zh")
    assert '<html lang="zh-Hans">' in page and '<meta charset="utf-8">' in page
    for text in ("江城市明星司法所创建活动（2014年度）", "尚差6个", "2014年度表彰名单（1个）",
                 "评定为明星司法所", "逾期申报，未予审查（1个）", "q6：2014年12月3日报送",
                 "计算口径", "<th>创建率</th>", "&lt;STAR&gt; explained in zh"):
        assert text in page, text
    for english in ("needs", "on target", "Commendation", "Star offices", "City rate"):
        assert english not in page, english
    body = re.sub(r"<style>.*?</style>|<pre>.*?</pre>", "", page, flags=re.S)
    for node in re.findall(r">([^<]+)<", body):  # every piece of text a reader sees
        assert problems(html.unescape(node)) == [], node


def test_the_text_table_in_chinese() -> None:
    text = format_table(table(), year=2013, lang="zh")
    assert text.splitlines()[0] == "江城市：2013年明星司法所创建率（全市目标35%）"
    assert ("县（区）" in text and "达到目标" in text) or "尚差" in text
    assert "Scope" not in text
