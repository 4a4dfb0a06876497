"""Campaign charts that never silently lie: no boxes for Chinese, percentages, axis titles."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from matplotlib.text import Text

from mingxing_rules.campaign import load_register, rate_table
from mingxing_rules.campaign import report as report_module
from mingxing_rules.campaign.report import (
    CJKFontWarning,
    chart_figure,
    render_chart,
)
from mingxing_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "examples" / "city" / "register.jsonl"
TABLE = rate_table(load_register(REGISTER), range(2012, 2016))
CJK = re.compile("[\u4e00-\u9fff]")


def texts(figure: object) -> list[str]:
    found = [t.get_text() for t in figure.findobj(Text)]  # type: ignore[attr-defined]
    return [t for t in found if t.strip()]


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "cjk_font", lambda: None)


@pytest.fixture
def a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "cjk_font", lambda: "DejaVu Sans")


def test_png_without_a_cjk_font_warns_once_and_draws_no_chinese(no_cjk_font: None) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = chart_figure(TABLE, year=2015, fmt="png")
    [warning] = [w for w in caught if issubclass(w.category, CJKFontWarning)]
    assert "County 1 = 清河区" in str(warning.message)
    assert not [w for w in caught if "Glyph" in str(w.message)]
    labels = texts(figure)
    assert not [t for t in labels if CJK.search(t)], labels
    assert "County 1 · on target" in labels


def test_png_with_a_cjk_font_keeps_chinese_labels(a_cjk_font: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", CJKFontWarning)
        warnings.filterwarnings("ignore", message=r".*Glyph .* missing")  # the stand-in font
        figure = chart_figure(TABLE, year=2015, fmt="png")
    assert any(t.startswith("清河区") for t in texts(figure))


def test_svg_never_warns_and_names_the_cjk_font_stack(no_cjk_font: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = render_chart(TABLE, year=2015, fmt="svg").decode("utf-8")
    assert "清河区" in svg
    families = set(re.findall(r"font-family: ([^;\"]*)", svg))
    assert len(families) == 1  # one stack for every text
    (stack,) = families
    assert "'Noto Sans CJK SC'" in stack and "'Microsoft YaHei'" in stack
    assert stack.endswith("sans-serif")


def test_every_tick_is_a_percentage_and_the_axes_have_titles(no_cjk_font: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CJKFontWarning)
        figure = chart_figure(TABLE, year=2015, fmt="png")
    axes = figure.axes[0]
    ticks = [t.get_text() for t in axes.get_yticklabels()]
    assert ticks == ["0%", "35%", "55%", "70%", "100%"]
    bar_labels = [t.get_text() for t in axes.texts]
    assert bar_labels[0] == "0%" and all(t.endswith("%") for t in bar_labels)  # 2012 too
    assert figure.get_supylabel().startswith("Star rate")
    assert figure.get_supxlabel() == "Year"


def test_the_command_says_so_on_stderr(no_cjk_font: None, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "chart.png"
    assert main(["campaign", str(REGISTER), "--chart", str(chart)]) == 0
    err = capsys.readouterr().err
    assert err.count("mingxing: warning: no CJK font is installed") == 1
    assert chart.read_bytes().startswith(b"\x89PNG")
