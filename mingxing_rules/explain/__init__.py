"""Explanations of verdicts: text, Markdown, HTML and JSON views of the same trace data.

Every sentence comes from a message catalogue (``mingxing_rules/messages/{zh,en}.yaml``),
overridable key by key in a ruleset's top-level ``messages:`` section; code only chooses *which*
message fits a step and fills in its values. A failing criterion reads like

    office floor area 180 m² is below the required 200 m² (四(一)1)
    办公用房面积180平方米，低于200平方米的标准（四（一）1）

>>> from mingxing_rules import evaluate, load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> verdict = evaluate({"id": "S-01", "floor_area_m2": 180}, ruleset)  # the rest not known
>>> print(failing_reasons(verdict, "en")[0])
office floor area 180 m² is below the required 200 m² (四(一)1)
>>> print(failing_reasons(verdict, "zh")[0])
办公用房面积180平方米，低于200平方米的标准（四（一）1）

The views are :func:`render` (``fmt``: ``text``, ``md``, ``html`` or ``json``) and
:func:`trace_html`; :class:`Wording` is the shared vocabulary that gap analysis, what-if and batch
reports use too, and :mod:`.report` the one document model they are all built as.

The package: :mod:`.wording` (catalogue, titles, values, Chinese typography), :mod:`.reasons`
(why a step has its status), :mod:`.report` (the document model), :mod:`.verdict` (a verdict as
a document), and the writers :mod:`.text`, :mod:`.markdown` and :mod:`.html`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.trace import ExplanationViews, Trace, install_explanation_views
from ..types import Format, Lang
from .html import HTML_STYLE
from .markdown import md_escape
from .reasons import condition_thresholds, failing_reasons, step_reason, threshold_holds
from .report import Document, Section, write
from .verdict import trace_table, verdict_document
from .wording import (
    FORMATS,
    LANGUAGES,
    Wording,
    check_lang,
    check_lang_and_format,
    office_label,
    plan_of,
    ruleset_spec_of,
    zh_typography,
)

if TYPE_CHECKING:
    from ..engine.trace import Verdict
    from ..ruleset.load import Ruleset

__all__ = [
    "FORMATS",
    "HTML_STYLE",
    "LANGUAGES",
    "Document",
    "Wording",
    "check_lang",
    "check_lang_and_format",
    "condition_thresholds",
    "failing_reasons",
    "md_escape",
    "office_label",
    "plan_of",
    "render",
    "ruleset_spec_of",
    "step_reason",
    "threshold_holds",
    "trace_html",
    "verdict_document",
    "write",
    "zh_typography",
]


def trace_html(trace: Trace, lang: str = "en") -> str:
    """The whole trace as an HTML table (``Trace._repr_html_``)."""
    program = trace.program
    plan = program.plan if program is not None else None
    w = Wording.shared(lang, plan=plan).knowing(trace)
    document = Document(lang=lang, title=w.message("trace.heading"), wide=True,
                        sections=(Section("", table=trace_table(trace, w)),))
    return write(document, "html")


def render(verdict: Verdict, lang: Lang = "en", fmt: Format = "text", *,
           ruleset: Ruleset | None = None, standalone: bool = False) -> str:
    """A readable explanation of ``verdict``.

    ``lang``: ``zh`` or ``en``. ``fmt``: ``text`` (terminal), ``md`` (Markdown), ``html`` (a
    verdict card with a scoped stylesheet, as shown in notebooks; ``standalone=True`` makes it a
    whole page with ``<meta charset="utf-8">``, for files) or ``json`` (the versioned verdict
    format ``mingxing-verdict/1``, see ``docs/verdict-format.md``; the same in both languages,
    which it carries side by side). ``ruleset`` is only needed for verdicts read back from JSON
    whose ruleset is not bundled (for fact titles and units).
    """
    check_lang_and_format(lang, fmt)
    if fmt == "json":
        return verdict.to_json(full=True, indent=2) + "\n"
    return write(verdict_document(verdict, lang, ruleset, view=fmt), fmt, standalone=standalone)


# Verdict.explain(), str(verdict) and the notebook displays call these: the trace module cannot
# import this package, which reads traces (see engine.trace.ExplanationViews)
install_explanation_views(ExplanationViews(render=render, trace_html=trace_html))
