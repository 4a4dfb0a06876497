"""Campaign reports: the rate table (text, CSV, JSON), a chart of rate vs target, an HTML page.

The chart needs matplotlib (``pip install 'mingxing-rules[plot]'``), the data frame pandas
(``[pandas]``); both are imported only when asked for, and a missing one raises
:class:`MissingExtraError` saying what to install. The HTML report is one self-contained file: its
style is inline and the chart is an inline SVG whose text stays text, so Chinese names render with
the reader's fonts.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..atomic import atomic_write_bytes
from ..errors import InputError, MingxingError
from ..types import Lang
from .cycle import CycleDecision, CycleResult
from .rates import CITY, RateTable, StarRate

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CJKFontWarning",
    "MissingExtraError",
    "TableFormat",
    "chart_figure",
    "cjk_font",
    "format_table",
    "rate_dataframe",
    "render_chart",
    "render_html",
    "write_chart",
]

TableFormat: TypeAlias = Literal["text", "csv", "json"]
ChartFormat: TypeAlias = Literal["png", "svg"]

#: Fonts tried, in order, for Chinese labels in a PNG chart (the first installed one is used).
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
    "Droid Sans Fallback", "AR PL UMing CN", "Noto Serif CJK SC",
)
_MET_COLOUR = "#2e7d32"
_BEHIND_COLOUR = "#c62828"
_NO_TARGET_COLOUR = "#9e9e9e"
_TARGET_COLOUR = "#212121"


class MissingExtraError(MingxingError, ImportError):
    """An optional dependency (matplotlib, pandas) is not installed."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs {package}, which is not installed: "
            f"pip install 'mingxing-rules[{extra}]'")


def _percent(share: Fraction | None, places: int = 1) -> str:
    if share is None:
        return "–"
    text = f"{float(share) * 100:.{places}f}"
    # 35.0 % reads better as 35 %; keep the decimals only when they say something.
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _scope_label(row: StarRate, city: str) -> str:
    return (city or "City") + " (city)" if row.is_city else row.scope


# -- tables --------------------------------------------------------------------------------------

_COLUMNS = ("Scope", "Offices", "Star", "Assessed", "Promoted", "Awarded", "Revoked", "Rate",
            "Target", "Status")


def _display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _display_width(text))
    return gap + text if right else text + gap


def _text_cells(row: StarRate, city: str) -> list[str]:
    return [_scope_label(row, city), str(row.offices), str(row.star), str(row.by_assessment),
            str(row.by_promotion), str(row.awarded), str(row.revoked), _percent(row.rate),
            _percent(row.target, 0) if row.target is not None else "–", row.status_text]


def format_table(table: RateTable, *, year: int | None = None, fmt: TableFormat = "text") -> str:
    """The rows of ``year`` (or of every year) as aligned text, CSV or JSON.

    >>> from mingxing_rules.campaign.rates import StarRate, RateTable
    >>> row = StarRate(2013, "city", 20, 7, 6, 1, 7, 0, Fraction(35, 100))
    >>> print(format_table(RateTable("X", (2013,), (row,)), fmt="csv").splitlines()[1])
    2013,city,20,7,6,1,7,0,0.35,7/20,0.35,True,0,on target
    """
    rows = table.for_year(year) if year is not None else table.rows
    if fmt == "json":
        data = table.to_dict()
        data["rows"] = [row.to_dict() for row in rows]
        if year is not None:
            data["year"] = year
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        fields = list(StarRate(0, "", 0, 0, 0, 0, 0, 0, None).to_dict())
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row.to_dict())
        return out.getvalue()
    if fmt != "text":
        raise InputError(f"unknown table format {fmt!r} (expected text, csv or json)")
    return _text_table(table, rows, year)


def _text_table(table: RateTable, rows: Sequence[StarRate], year: int | None) -> str:
    lines: list[str] = []
    years = [year] if year is not None else list(table.years)
    for each in years:
        block = [r for r in rows if r.year == each]
        if not block:
            continue
        cells = [list(_COLUMNS)] + [_text_cells(r, table.city) for r in block]
        widths = [max(_display_width(c[i]) for c in cells) for i in range(len(_COLUMNS))]
        target = table.policy.target(each)
        heading = f"Star rate {each}" + (f" (city target {_percent(target, 0)})" if target else "")
        if table.city:
            heading = f"{table.city}: {heading}"
        lines.append(heading)
        for number, line in enumerate(cells):
            if number == len(cells) - 1 and block[-1].is_city and len(block) > 1:
                lines.append("  ".join("-" * w for w in widths))
            lines.append("  ".join(
                _pad(cell, widths[i], right=0 < i < len(_COLUMNS) - 1)
                for i, cell in enumerate(line)).rstrip())
        lines.append("")
    return "\n".join(lines)


def rate_dataframe(table: RateTable) -> Any:
    """The table as a pandas DataFrame, one row per scope and year (needs ``[pandas]``)."""
    try:
        import pandas as pd
    except ImportError as error:
        raise MissingExtraError("pandas", "pandas", "A rate data frame") from error
    return pd.DataFrame([row.to_dict() for row in table.rows])


# -- chart ---------------------------------------------------------------------------------------


class CJKFontWarning(UserWarning):
    """A PNG chart is drawn without a CJK font, so its Chinese labels are replaced by Latin ones
    (a PNG would otherwise show boxes); the message says which county is which."""


#: The font stack written into SVG charts: the browser picks the first one it has.
SVG_FONT_STACK = ("DejaVu Sans", *CJK_FONTS, "sans-serif")
_CJK_TEXT = re.compile("[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def cjk_font() -> str | None:
    """The installed font the PNG chart uses for Chinese labels, or ``None`` if there is none
    (the first of :data:`CJK_FONTS`, else any installed font whose name says CJK)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    named = [name for name in CJK_FONTS if name in installed]
    return named[0] if named else next((n for n in sorted(installed) if "CJK" in n), None)


@contextmanager
def _quiet_glyphs() -> Iterator[None]:
    # In an SVG the text stays text and the reader's browser draws it with the font stack;
    # matplotlib only measures it, with DejaVu Sans, and warns about glyphs it does not need.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*Glyph .* missing from .*")
        warnings.filterwarnings("ignore", message=r".*findfont.*")
        yield


class _Labels:
    """The chart's words: bilingual as written, or Latin only when a PNG has no CJK font."""

    def __init__(self, table: RateTable, latin: bool) -> None:
        self.latin = latin
        self.city = table.city or "City"
        self.numbers = {county: n for n, county in enumerate(table.counties, start=1)}

    def text(self, english: str, chinese: str = "") -> str:
        return english if self.latin or not chinese else f"{english} {chinese}"

    def scope(self, scope: str) -> str:
        if scope == CITY:
            return "City" if self.latin and _CJK_TEXT.search(self.city) else self.city
        if self.latin and _CJK_TEXT.search(scope):
            return f"County {self.numbers[scope]}"
        return scope

    def legend_of_counties(self) -> str:
        return ", ".join(f"County {n} = {county}" for county, n in self.numbers.items())


def _percent_tick(value: float) -> str:
    return f"{value:.0f}%"


def chart_figure(table: RateTable, *, year: int | None = None, fmt: ChartFormat = "svg"
                 ) -> Figure:
    """The matplotlib figure of :func:`render_chart`, before it is saved.

    A PNG needs a CJK font to draw Chinese. Without one (:func:`cjk_font` is ``None``), the
    chart never draws boxes: its labels are Latin (counties numbered in the order of the table)
    and one :class:`CJKFontWarning` says which county is which and how to get Chinese labels.
    """
    try:
        from matplotlib.figure import Figure

        font = cjk_font()
    except ImportError as error:
        raise MissingExtraError("matplotlib", "plot", "The campaign chart") from error
    if fmt not in ("png", "svg"):
        raise InputError(f"unknown chart format {fmt!r} (expected png or svg)")

    labels = _Labels(table, latin=fmt == "png" and font is None)
    if labels.latin:
        warnings.warn(CJKFontWarning(
            "no CJK font is installed, so the PNG chart has Latin labels instead of boxes ("
            + labels.legend_of_counties() + "); install one (e.g. Debian's fonts-noto-cjk) "
            "or write the chart as .svg"), stacklevel=3)
    years = [y for y in table.years if year is None or y <= year]
    scopes = [CITY, *table.counties]
    columns = min(4, len(scopes))
    rows = -(-len(scopes) // columns)
    with _chart_settings(font), _quiet_glyphs() if fmt == "svg" else contextlib.nullcontext():
        width = 3.1 * columns
        height = 2.5 * rows + 1.5
        figure = Figure(figsize=(width, height))
        # Fixed margins in inches: constrained layout would cost seconds for a dozen panels.
        figure.subplots_adjust(left=0.75 / width, right=0.99, wspace=0.12,
                               top=1 - 0.8 / height, bottom=0.95 / height, hspace=0.45)
        axes_grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
        ticks = sorted({0.0, 100.0, *(float(t) * 100 for t in table.policy.targets.values())})
        for index, scope in enumerate(scopes):
            axes = axes_grid[index // columns][index % columns]
            _panel(axes, table, scope, years, year, labels, ticks)
        for index in range(len(scopes), rows * columns):
            axes_grid[index // columns][index % columns].set_visible(False)
        figure.supylabel(labels.text("Star rate (share of offices)", "创建率"), fontsize=10,
                         x=0.12 / width)
        figure.supxlabel(labels.text("Year", "年度"), fontsize=10, y=0.5 / height)
        _legend(figure, labels)
        title = labels.text("Star rate vs target", "明星司法所创建率与目标")
        if table.city:
            title = f"{labels.scope(CITY)} — {title}"
        figure.suptitle(title, fontsize=13, fontweight="bold", y=1 - 0.12 / height, va="top")
    return figure


def _chart_settings(font: str | None) -> contextlib.AbstractContextManager[Any]:
    """matplotlib settings for drawing and for saving (text is laid out again when saved)."""
    import matplotlib

    return matplotlib.rc_context({
        # A list of families (not "sans-serif") is what turns on per-glyph fallback.
        "font.family": ["DejaVu Sans", *([font] if font else [])],
        "svg.fonttype": "none",  # text stays text: the browser renders Chinese names
        "svg.hashsalt": "mingxing",  # stable ids, so the same table gives the same SVG
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


def render_chart(table: RateTable, *, year: int | None = None, fmt: ChartFormat = "svg") -> bytes:
    """A chart of rate vs target per year: one panel for the city, then one per county.

    Bars are the rates (green when the target is met, red when not, grey without a target), the
    black ticks the targets; every axis tick and bar label is a percentage. Years up to ``year``
    are shown (default: all of the table's). An SVG keeps its text as text with a font stack
    that includes the common CJK fonts; for a PNG see :func:`chart_figure`.
    """
    figure = chart_figure(table, year=year, fmt=fmt)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    quiet = _quiet_glyphs() if fmt == "svg" else contextlib.nullcontext()
    with _chart_settings(cjk_font()), quiet:
        figure.savefig(buffer, format=fmt, dpi=110, metadata=metadata)
    if fmt == "png":
        return buffer.getvalue()
    stack = ", ".join(name if name == "sans-serif" else f"'{name}'" for name in SVG_FONT_STACK)
    svg = re.sub(r"font-family: [^;\"]*", f"font-family: {stack}",
                 buffer.getvalue().decode("utf-8"))
    return svg.encode("utf-8")


def _panel(axes: Axes, table: RateTable, scope: str, years: list[int], year: int | None,
           labels: _Labels, ticks: list[float]) -> None:
    rates = [_row_or_none(table, scope, y) for y in years]
    values = [float(r.rate) * 100 if r is not None and r.rate is not None else 0.0 for r in rates]
    colours = [
        _NO_TARGET_COLOUR if r is None or r.met is None
        else _MET_COLOUR if r.met else _BEHIND_COLOUR
        for r in rates
    ]
    positions = list(range(len(years)))
    axes.bar(positions, values, color=colours, width=0.62)
    for position, row, value in zip(positions, rates, values, strict=True):
        if row is None:
            continue
        target = None if row.target is None else float(row.target) * 100
        if target is not None:
            axes.hlines(target, position - 0.42, position + 0.42,
                        colors=_TARGET_COLOUR, linewidth=2.2)
        # The label goes above both the bar and the target tick, so neither hides it.
        top = value if target is None else max(value, target)
        shown = _percent_tick(value) if row.rate is not None else "–"
        axes.text(position, top + 2.5, shown, ha="center", va="bottom", fontsize=7)
    axes.set_xticks(positions, [str(y) for y in years], fontsize=8)
    axes.set_ylim(0, 112)
    axes.set_yticks(ticks, [_percent_tick(t) for t in ticks], fontsize=7)
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    axes.set_axisbelow(True)
    last = _row_or_none(table, scope, year if year is not None else years[-1]) if years else None
    detail = "" if last is None else f" · {last.status_text}"
    axes.set_title(f"{labels.scope(scope)}{detail}", fontsize=9,
                   fontweight="bold" if scope == CITY else "normal",
                   color=_BEHIND_COLOUR if last is not None and last.met is False else "black")


def _legend(figure: Figure, labels: _Labels) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=_MET_COLOUR, label=labels.text("target met", "达标")),
        Patch(color=_BEHIND_COLOUR, label=labels.text("below target", "未达标")),
        Patch(color=_NO_TARGET_COLOUR, label=labels.text("no target", "无目标")),
        Line2D([], [], color=_TARGET_COLOUR, linewidth=2.2,
               label="target (clause 2)" if labels.latin else "target 目标 (clause 二)"),
    ]
    figure.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=4,
                  frameon=False, fontsize=9)


def _row_or_none(table: RateTable, scope: str, year: int) -> StarRate | None:
    try:
        return table.row(scope, year)
    except KeyError:
        return None


def write_chart(table: RateTable, path: str | Path, *, year: int | None = None) -> None:
    """Write the chart to ``path`` atomically; its suffix (``.png`` or ``.svg``) picks the
    format."""
    file = Path(path)
    suffix = file.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg"):
        raise InputError(f"{file}: a chart is written as .png or .svg, not {file.suffix!r}")
    atomic_write_bytes(file, render_chart(table, year=year, fmt="png" if suffix == "png"
                                          else "svg"))


def _inline_svg(svg: bytes) -> str:
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    # Let the page size the chart: drop the fixed width/height of the root element only.
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return head + ' role="img" style="width:100%;height:auto">' + rest


# -- HTML ------------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Noto Sans SC",
"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#212121;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.15rem;margin:28px 0 8px}
.sub{color:#616161;margin:0 0 18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:12px 16px;flex:1 1 180px}
.card b{display:block;font-size:1.6rem}
.card.ok b{color:#2e7d32}.card.behind b{color:#c62828}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92rem}
th,td{border-bottom:1px solid #eee;padding:6px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f5f5f5;font-weight:600;white-space:normal;vertical-align:bottom}
.scroll{overflow-x:auto}
tr.city td{font-weight:600;border-top:2px solid #bdbdbd}
.bar{position:relative;display:inline-block;width:110px;height:12px;background:#eee;
border-radius:3px;vertical-align:middle}
.bar i{position:absolute;left:0;top:0;bottom:0;border-radius:3px}
.bar s{position:absolute;top:-3px;bottom:-3px;width:2px;background:#212121}
.ok{color:#2e7d32}.behind{color:#c62828}.none{color:#757575}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:.82rem;color:#fff}
.badge.ok{background:#2e7d32;color:#fff}.badge.behind{background:#c62828;color:#fff}
.badge.none{background:#9e9e9e;color:#fff}
td.cell-ok{background:#e8f5e9}td.cell-behind{background:#ffebee}
figure{margin:0;background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:8px}
details{background:#fff;border:1px solid #eee;border-radius:6px;margin:4px 0;padding:4px 10px}
details pre{white-space:pre-wrap;font-size:.85rem}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px}dt{font-weight:600}
footer{color:#757575;font-size:.8rem;margin-top:32px}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _badge(row: StarRate) -> str:
    cls = "none" if row.met is None else "ok" if row.met else "behind"
    return f'<span class="badge {cls}">{_esc(row.status_text)}</span>'


def _bar(row: StarRate) -> str:
    rate = float(row.rate or 0) * 100
    colour = (_NO_TARGET_COLOUR if row.met is None
              else _MET_COLOUR if row.met else _BEHIND_COLOUR)
    marker = ("" if row.target is None
              else f'<s style="left:{float(row.target) * 100:.1f}%"></s>')
    return (f'<span class="bar" title="{_percent(row.rate)}"><i style="width:{rate:.1f}%;'
            f'background:{colour}"></i>{marker}</span>')


def _year_table(table: RateTable, year: int) -> str:
    head = ("<tr><th>County<br>县(区)</th><th>Offices<br>所数</th><th>Star<br>明星所</th>"
            "<th>by assessment<br>评定</th><th>by promotion<br>直接晋级</th>"
            "<th>awarded<br>当年授牌</th><th>revoked<br>当年摘牌</th><th>Rate<br>创建率</th>"
            "<th>rate vs target<br>创建率与目标</th><th>Target<br>目标</th>"
            "<th>Status<br>状态</th></tr>")
    body = []
    for row in table.for_year(year):
        cls = ' class="city"' if row.is_city else ""
        target = _percent(row.target, 0) if row.target is not None else "–"
        body.append(
            f"<tr{cls}><td>{_esc(_scope_label(row, table.city))}</td><td>{row.offices}</td>"
            f"<td>{row.star}</td><td>{row.by_assessment}</td><td>{row.by_promotion}</td>"
            f"<td>{row.awarded}</td><td>{row.revoked}</td><td>{_percent(row.rate)}</td>"
            f"<td>{_bar(row)}</td><td>{target}</td><td>{_badge(row)}</td></tr>")
    return f'<div class="scroll"><table>{head}{"".join(body)}</table></div>'


def _history_table(table: RateTable, years: Sequence[int]) -> str:
    head = "<tr><th>County 县(区)</th>" + "".join(
        f"<th>{y}<br><small>{_target_text(table, y)}</small></th>" for y in years) + "</tr>"
    body = []
    for scope in [*table.counties, CITY]:
        cells = []
        for each in years:
            row = _row_or_none(table, scope, each)
            if row is None:
                cells.append("<td>–</td>")
                continue
            cls = "" if row.met is None else " class=\"cell-ok\"" if row.met else (
                ' class="cell-behind"')
            cells.append(f"<td{cls}>{_percent(row.rate)} <small>({row.star}/{row.offices})"
                         "</small></td>")
        label = (table.city or "City") + " (city)" if scope == CITY else scope
        cls = ' class="city"' if scope == CITY else ""
        body.append(f"<tr{cls}><td>{_esc(label)}</td>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table>{head}{"".join(body)}</table></div>'


def _target_text(table: RateTable, year: int) -> str:
    target = table.policy.target(year)
    return "no target" if target is None else f"target {_percent(target, 0)}"


def _decision_items(decisions: Sequence[CycleDecision], lang: Lang = "zh") -> str:
    if not decisions:
        return "<p class=\"none\">None. 无。</p>"
    items = []
    for decision in decisions:
        office = decision.office
        summary = (f"{_esc(office.county)} · {_esc(office.name)} <small>({_esc(office.id)})"
                   f"</small> — <b>{_esc(decision.outcome)}</b> <small>{_esc(decision.subject)}"
                   "</small>")
        explanation = decision.verdict.explain(lang)
        items.append(f"<details><summary>{summary}</summary><pre>{_esc(explanation)}</pre>"
                     "</details>")
    return "".join(items)


def _cycle_section(cycle: CycleResult) -> str:
    late = "".join(f"<li>{_esc(a.office_id)}: submitted {a.date} "
                   f"(deadline {cycle.deadline})</li>" for a in cycle.late)
    unreviewed = "".join(f"<li>{_esc(i.office_id)} {i.date}: {_esc(i.description)}</li>"
                         for i in cycle.unreviewed_incidents)
    parts = [
        f"<h2>Commendation list {cycle.year} 表彰名单 ({len(cycle.awards)})</h2>",
        "<p class=\"sub\">Applications submitted by "
        f"{cycle.deadline} (clause 五), assessed through the ruleset. "
        "Open an entry for the verdict's explanation.</p>",
        _decision_items(cycle.awards),
        f"<h2>Revocations 摘牌 ({len(cycle.revocations)})</h2>",
        _decision_items(cycle.revocations),
        f"<h2>Revocations recommended to the panel 建议摘牌 "
        f"({len(cycle.recommended_revocations)})</h2>",
        _decision_items(cycle.recommended_revocations),
    ]
    if late:
        parts.append(f"<h2>Late applications, not assessed 逾期申报 ({len(cycle.late)})</h2>"
                     f"<ul>{late}</ul>")
    if unreviewed:
        count = len(cycle.unreviewed_incidents)
        parts.append("<h2>Major incidents of Star offices without a re-assessment "
                     f"重大问题未复核 ({count})</h2><ul>{unreviewed}</ul>")
    return "".join(parts)


def _policy_section(table: RateTable) -> str:
    policy = table.policy
    targets = ", ".join(f"{y}: ≥ {_percent(t, 0)}" for y, t in sorted(policy.targets.items()))
    denominator = {
        "all_offices": "every office of the register open on the counting day 全部基层司法所",
        "township_street_offices": "township and street offices only 仅乡镇(街道)司法所",
    }[policy.denominator]
    revoked = ("a title revoked during the year leaves that year's count 当年摘牌当年不计"
               if policy.revoked_leave_in_year
               else "a title revoked during the year still counts for that year 当年摘牌次年不计")
    month, day = policy.counted_on
    deadline_month, deadline_day = policy.application_deadline
    own = ""
    if policy.county_targets:
        own = "<dt>County targets</dt><dd>" + "; ".join(
            f"{_esc(c)}: " + ", ".join(f"{y} {_percent(t, 0)}" for y, t in sorted(ts.items()))
            for c, ts in policy.county_targets.items()) + "</dd>"
    return (
        "<h2>How the rate is counted 计算口径</h2><dl>"
        f"<dt>Targets (clause 二)</dt><dd>{_esc(targets)}; each county is held to the city "
        "target; direct promotions count</dd>"
        f"<dt>Denominator</dt><dd>{_esc(denominator)}</dd>"
        f"<dt>Counted on</dt><dd>the title status at the end of {month:02d}-{day:02d} of each "
        "year</dd>"
        f"<dt>Revoked titles (clause 五)</dt><dd>{_esc(revoked)}</dd>"
        f"<dt>Application deadline</dt><dd>{deadline_month:02d}-{deadline_day:02d} "
        "(11月底前, clause 五)</dd>"
        f"<dt>Shortfall</dt><dd>ceil(target × offices) − Star offices</dd>{own}</dl>"
    )


def render_html(
    table: RateTable,
    *,
    year: int,
    cycle: CycleResult | None = None,
    chart: bool = True,
    source: str = "",
) -> str:
    """One self-contained HTML page: summary, chart, tables, the year's list, the counting rules."""
    if year not in table.years:
        raise InputError(f"the rate table has no year {year} (it has {list(table.years)})")
    city_row = table.row(CITY, year)
    counties = [r for r in table.for_year(year) if not r.is_city]
    on_target = sum(1 for r in counties if r.met)
    behind = [r for r in counties if r.met is False]
    city_cls = "none" if city_row.met is None else "ok" if city_row.met else "behind"
    cards = (
        f'<div class="cards"><div class="card {city_cls}">City rate {year}'
        f"<b>{_percent(city_row.rate)}</b>{_esc(city_row.status_text)}"
        f"{'' if city_row.target is None else f' (target {_percent(city_row.target, 0)})'}"
        f'</div><div class="card">Star offices<b>{city_row.star} / {city_row.offices}</b>'
        f"{city_row.by_assessment} by assessment, {city_row.by_promotion} by promotion</div>"
        f'<div class="card">Counties on target<b>{on_target} / {len(counties)}</b>'
        f"{len(behind)} behind</div>"
        f'<div class="card">Titles in {year}<b>+{city_row.awarded} / −{city_row.revoked}</b>'
        "awarded / revoked</div></div>"
    )
    figure = ""
    if chart:
        svg = render_chart(table, year=year, fmt="svg")
        figure = (f"<h2>Rate vs target 创建率与目标</h2><figure>{_inline_svg(svg)}"
                  "<figcaption class=\"sub\">Bars: Star rate per year (green: target met, red: "
                  "not met, grey: no target). Black ticks: the targets of clause 二."
                  "</figcaption></figure>")
    years = [y for y in table.years if y <= year]
    city = table.city or "City"
    title = f"{city} — Star Judicial Office campaign {year} 明星司法所创建活动"
    page = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hans"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{_esc(title)}</h1>",
        '<p class="sub">Share of grassroots judicial offices holding the Star title against the '
        "city-wide targets (《明星司法所创建活动意见》 clause 二: 2013 ≥ 35%, 2014 ≥ 55%, "
        "2015 ≥ 70%, direct promotions included).</p>",
        cards,
        figure,
        f"<h2>Counties in {year} 各县(区)创建率</h2>",
        _year_table(table, year),
        "<h2>Year by year 历年创建率</h2>",
        _history_table(table, years),
        _cycle_section(cycle) if cycle is not None else "",
        _policy_section(table),
        f"<footer>Generated by mingxing-rules from {_esc(source or 'the title register')}."
        "</footer></main></body></html>",
    ]
    return "\n".join(part for part in page if part) + "\n"
