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

import markupsafe

from ..atomic import atomic_write_bytes
from ..errors import InputError, MingxingError
from ..explain.html import render_template
from ..explain.wording import Wording, check_lang
from ..ruleset.load import load_ruleset
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
    "status_text",
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


def _scope_label(row: StarRate, city: str, w: Wording | None = None) -> str:
    w = w or Wording("en")
    if row.is_city:
        return w.message("campaign.city_row", city=city or w.message("campaign.city"))
    return row.scope


def status_text(row: StarRate, lang: Lang = "en") -> str:
    """The row's status in words, in ``lang`` (``达到目标``, ``尚差3个``; ``on target``)."""
    w = Wording(lang)
    if not row.offices:
        return w.message("campaign.status.no_offices")
    if row.met is None:
        return w.message("campaign.status.no_target")
    if row.met:
        return w.message("campaign.status.on_target")
    more = row.shortfall
    if more == 1 and w.has("campaign.status.behind.one"):
        return w.message("campaign.status.behind.one")
    return w.message("campaign.status.behind", count=more)


# -- tables --------------------------------------------------------------------------------------

_COLUMNS = ("scope", "offices", "star", "assessed", "promoted", "awarded", "revoked", "rate",
            "target", "status")


def _display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _display_width(text))
    return gap + text if right else text + gap


def _text_cells(row: StarRate, city: str, w: Wording) -> list[str]:
    return [_scope_label(row, city, w), str(row.offices), str(row.star), str(row.by_assessment),
            str(row.by_promotion), str(row.awarded), str(row.revoked), _percent(row.rate),
            _percent(row.target, 0) if row.target is not None else "–",
            status_text(row, w.lang)]


def format_table(table: RateTable, *, year: int | None = None, fmt: TableFormat = "text",
                 lang: Lang | Literal["both"] = "en") -> str:
    """The rows of ``year`` (or of every year) as aligned text, CSV or JSON. ``lang`` words the
    text table (CSV and JSON keep their stable field names for programs).

    >>> from mingxing_rules.campaign.rates import StarRate, RateTable
    >>> row = StarRate(2013, "city", 20, 7, 6, 1, 7, 0, Fraction(35, 100))
    >>> print(format_table(RateTable("X", (2013,), (row,)), fmt="csv").splitlines()[1])
    2013,city,20,7,6,1,7,0,0.35,7/20,0.35,True,0,on target
    """
    both = lang == "both"
    if not both:
        check_lang(lang)
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
    if both:  # the Chinese table, then the English one
        return "\n".join(_text_table(table, rows, year, Wording(one)) for one in ("zh", "en"))
    return _text_table(table, rows, year, Wording(lang))


def _text_table(table: RateTable, rows: Sequence[StarRate], year: int | None,
                w: Wording) -> str:
    lines: list[str] = []
    years = [year] if year is not None else list(table.years)
    columns = [w.message(f"campaign.column.{c}") for c in _COLUMNS]
    for each in years:
        block = [r for r in rows if r.year == each]
        if not block:
            continue
        cells = [columns] + [_text_cells(r, table.city, w) for r in block]
        widths = [max(_display_width(c[i]) for c in cells) for i in range(len(_COLUMNS))]
        target = table.policy.target(each)
        heading = w.message("campaign.text.heading_target", year=each,
                            target=_percent(target, 0)) if target else w.message(
            "campaign.text.heading", year=each)
        if table.city:
            heading = w.message("campaign.text.city_heading", city=table.city, heading=heading)
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


def _status_class(row: StarRate) -> str:
    return "none" if row.met is None else "ok" if row.met else "behind"


def _year_rows(table: RateTable, year: int, w: Wording) -> list[dict[str, Any]]:
    rows = []
    for row in table.for_year(year):
        rows.append({
            "city": row.is_city, "scope": _scope_label(row, table.city, w),
            "offices": row.offices, "star": row.star, "assessed": row.by_assessment,
            "promoted": row.by_promotion, "awarded": row.awarded, "revoked": row.revoked,
            "rate": _percent(row.rate), "bar_width": f"{float(row.rate or 0) * 100:.1f}",
            "colour": (_NO_TARGET_COLOUR if row.met is None
                       else _MET_COLOUR if row.met else _BEHIND_COLOUR),
            "target_left": None if row.target is None else f"{float(row.target) * 100:.1f}",
            "target": _percent(row.target, 0) if row.target is not None else "–",
            "cls": _status_class(row), "status": status_text(row, w.lang),
        })
    return rows


def _history(table: RateTable, years: Sequence[int], w: Wording
             ) -> tuple[list[dict[str, str | int]], list[dict[str, Any]]]:
    heads: list[dict[str, str | int]] = []
    for each in years:
        target = table.policy.target(each)
        heads.append({"year": each, "target": w.message("campaign.history.no_target")
                      if target is None else w.message("campaign.history.target",
                                                       target=_percent(target, 0))})
    rows = []
    for scope in [*table.counties, CITY]:
        cells: list[dict[str, Any] | None] = []
        for each in years:
            row = _row_or_none(table, scope, each)
            cells.append(None if row is None else {
                "cls": "" if row.met is None else "cell-ok" if row.met else "cell-behind",
                "rate": _percent(row.rate), "star": row.star, "offices": row.offices})
        label = w.message("campaign.city_row", city=table.city or w.message(
            "campaign.city")) if scope == CITY else scope
        rows.append({"city": scope == CITY, "label": label, "cells": cells})
    return heads, rows


def _decision_items(decisions: Sequence[CycleDecision], w: Wording) -> list[dict[str, str]]:
    items = []
    for decision in decisions:
        office = decision.office
        verdict = decision.verdict
        outcome = w.outcome_title(decision.outcome, getattr(verdict, "outcome_title", None))
        if outcome == decision.outcome and w.lang == "zh":
            outcome = Wording("zh", _star_spec()).outcome_title(decision.outcome, None)
        items.append({"county": office.county, "name": office.name, "id": office.id,
                      "outcome": outcome,
                      "subject": w.maybe(f"campaign.subject.{decision.subject}")
                      or decision.subject,
                      "explanation": verdict.explain(w.lang)})
    return items


def _star_spec() -> Any:
    return load_ruleset("star-judicial-office").spec


def _judged_by(cycle: CycleResult, w: Wording) -> str:
    """Which ruleset versions judged the year (none named when the verdicts do not say)."""
    versions = [key.rpartition("@")[2] for key in cycle.judged_by if not key.endswith("@?")]
    if not versions:
        return ""
    return w.message("campaign.cycle.judged_by", versions=w.message("list.sep").join(
        w.message("campaign.cycle.version", version=v) for v in versions))


def _cycle(cycle: CycleResult, w: Wording) -> dict[str, Any]:
    day = w.date
    return {
        "lists": [
            {"heading": w.message("campaign.cycle.awards", year=cycle.year,
                                  count=len(cycle.awards)),
             "note": w.message("campaign.cycle.awards_note", deadline=day(cycle.deadline))
             + _judged_by(cycle, w),
             "entries": _decision_items(cycle.awards, w)},
            {"heading": w.message("campaign.cycle.revocations", count=len(cycle.revocations)),
             "note": "", "entries": _decision_items(cycle.revocations, w)},
            {"heading": w.message("campaign.cycle.recommended",
                                  count=len(cycle.recommended_revocations)),
             "note": "", "entries": _decision_items(cycle.recommended_revocations, w)},
        ],
        "late_heading": w.message("campaign.cycle.late", count=len(cycle.late)),
        "late": [w.message("campaign.cycle.late_item", office=a.office_id, date=day(a.date),
                           deadline=day(cycle.deadline)) for a in cycle.late],
        "unreviewed_heading": w.message("campaign.cycle.unreviewed",
                                        count=len(cycle.unreviewed_incidents)),
        "unreviewed": [f"{i.office_id} {day(i.date)}{w.message('punct.colon')}{i.description}"
                       for i in cycle.unreviewed_incidents],
    }


def _policy(table: RateTable, w: Wording) -> list[tuple[str, str]]:
    policy = table.policy
    targets = w.message("list.sep").join(
        w.message("campaign.policy.target_item", year=y, target=_percent(t, 0))
        for y, t in sorted(policy.targets.items()))
    month, day = policy.counted_on
    deadline_month, deadline_day = policy.application_deadline
    entries = [
        (w.message("campaign.policy.targets"),
         w.message("campaign.policy.targets_text", targets=targets)),
        (w.message("campaign.policy.denominator"),
         w.message(f"campaign.policy.denominator.{policy.denominator}")),
        (w.message("campaign.policy.counted_on"),
         w.message("campaign.policy.counted_on_text", month=month, day=day)),
        (w.message("campaign.policy.revoked"), w.message(
            "campaign.policy.revoked.leave" if policy.revoked_leave_in_year
            else "campaign.policy.revoked.stay")),
        (w.message("campaign.policy.deadline"), w.message(
            "campaign.policy.deadline_text", month=deadline_month, day=deadline_day)),
        (w.message("campaign.policy.shortfall"), w.message("campaign.policy.shortfall_text")),
    ]
    if policy.county_targets:
        entries.append((w.message("campaign.policy.county_targets"), "; ".join(
            f"{c}: " + ", ".join(f"{y} {_percent(t, 0)}" for y, t in sorted(ts.items()))
            for c, ts in policy.county_targets.items())))
    return entries


def render_html(
    table: RateTable,
    *,
    year: int,
    cycle: CycleResult | None = None,
    chart: bool = True,
    source: str = "",
    lang: Lang | Literal["both"] = "en",
) -> str:
    """One self-contained HTML page in ``lang``: summary cards, chart, tables, the year's lists,
    the counting rules (a Jinja2 template with autoescaping). ``both`` gives the Chinese page
    (a page reads in one language; the text table gives both)."""
    lang = check_lang("zh" if lang == "both" else lang)
    if year not in table.years:
        raise InputError(f"the rate table has no year {year} (it has {list(table.years)})")
    w = Wording(lang)
    city_row = table.row(CITY, year)
    counties = [r for r in table.for_year(year) if not r.is_city]
    behind = [r for r in counties if r.met is False]
    svg = ""
    if chart:
        svg = _inline_svg(render_chart(table, year=year, fmt="svg"))
    years = [y for y in table.years if y <= year]
    city = table.city or w.message("campaign.city")
    title = w.message("campaign.title", city=city, year=year)
    t = {key: w.message(f"campaign.{name}", year=year) for key, name in (
        ("intro", "intro"), ("city_rate", "card.city_rate"), ("star", "card.star"),
        ("counties", "card.counties"), ("titles", "card.titles"),
        ("titles_detail", "card.titles_detail"), ("chart_heading", "chart.heading"),
        ("chart_caption", "chart.caption"), ("year_heading", "year.heading"),
        ("history_heading", "history.heading"), ("scope", "column.scope"),
        ("none", "cycle.none"), ("policy_heading", "policy.heading"))}
    heads, history_rows = _history(table, years, w)
    return render_template(
        "campaign.html.j2", html_lang="zh-Hans" if lang == "zh" else "en", title=title, t=t,
        city={"cls": _status_class(city_row), "rate": _percent(city_row.rate),
              "status": status_text(city_row, lang),
              "target": "" if city_row.target is None else w.message(
                  "campaign.card.target", target=_percent(city_row.target, 0)),
              "star": city_row.star, "offices": city_row.offices,
              "star_detail": w.message("campaign.card.star_detail",
                                       assessed=city_row.by_assessment,
                                       promoted=city_row.by_promotion),
              "awarded": city_row.awarded, "revoked": city_row.revoked},
        counties={"on_target": sum(1 for r in counties if r.met), "total": len(counties),
                  "detail": w.message("campaign.card.counties_detail", behind=len(behind))},
        svg=markupsafe.Markup(svg),
        year_columns=[w.message(f"campaign.column.{c}") for c in (
            "scope", "offices", "star", "assessed", "promoted", "awarded", "revoked", "rate",
            "bar", "target", "status")],
        year_rows=_year_rows(table, year, w), history_years=heads, history_rows=history_rows,
        cycle=_cycle(cycle, w) if cycle is not None else None, policy=_policy(table, w),
        footer=w.message("campaign.footer", source=source or w.message(
            "campaign.footer.register")),
    ) + "\n"
