"""A gap as a :class:`~mingxing_rules.explain.report.Document` (the one report model), written by
the shared text, Markdown and HTML writers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..engine.trace import Status
from ..explain import Wording, check_lang_and_format, office_label, write
from ..explain.report import Cell, Document, Line, Mark, Row, Section, Table
from ..types import Format, Lang

if TYPE_CHECKING:  # the model's views call this module: it reads the model for types only
    from .model import Gap

__all__ = ["gap_document", "render_gap"]


def gap_document(result: Gap, lang: str) -> Document:
    """What ``result`` says, in ``lang``, as a document: the verdict now, the notes, the changes
    grouped by standard (a list in text and Markdown, a table in HTML) and what to provide."""
    w = Wording(lang)
    office = office_label(result.office_id, result.office_name, w)
    target_title = w.text(result.target_title, result.target)
    title = w.message("gap.title", office=office, target_title=target_title,
                      target=result.target)
    outcome_title = w.text(result.outcome_title, result.outcome)
    now = w.message("gap.now", outcome_title=outcome_title, outcome=result.outcome)
    count = len(result.items)
    if result.reached:
        now += w.message("sentence.sep") + w.message("gap.reached", target_title=target_title)
    elif count:
        key = "gap.count" if count == 1 else "gap.count.many"
        now += w.message("sentence.sep") + w.message(key, count=count)
    notes = [w.typeset(note.get(lang)) for note in result.notes]
    if not result.reached and not result.items and not result.to_be_provided:
        notes.append(w.message("gap.nothing"))
    sections: list[Section] = []
    if notes:
        sections.append(Section("", notes=tuple(notes)))
    for group in result.groups:
        heading = w.titled(group.title, group.clause)
        lines = tuple(Line(w.typeset(item.text.get(lang))) for item in group.items)
        sections.append(Section(heading, lines=tuple(
            Line("- " + line.text) for line in lines), views=("text",)))
        sections.append(Section(heading, lines=lines, views=("md",)))
    if result.groups:
        rows: list[Row] = []
        for group in result.groups:
            rows.append(Row((Cell(w.titled(group.title, group.clause)),),
                            heading=True))
            for item in group.items:
                cells = [w.typeset(c.get(lang)) for c in item.columns] or ["", "", "", ""]
                extra = []
                if item.alternatives_text is not None:
                    extra.append(w.typeset(item.alternatives_text.get(lang)))
                if item.knock_on:
                    extra.append(w.message("gap.knock_on"))
                label = w.message("heading.item", title=w.text(item.title),
                                  clause=w.clause(item.clause))
                rows.append(Row((Cell(label, hint=w.message("reads.sep").join(extra)),
                                 Cell(cells[0]), Cell(cells[1]), Cell(cells[2]),
                                 Cell(cells[3], css="mx-delta"))))
        columns = tuple(w.message("gap.column." + c) for c in (
            "criterion", "fact", "now", "required", "change"))
        sections.append(Section("", table=Table(columns, tuple(rows), css="mx-gap"),
                                views=("html",)))
    provide = tuple(w.typeset(p.text.get(lang)) for p in result.to_be_provided)
    if provide:
        unknown = Mark(w.mark(Status.UNKNOWN), Status.UNKNOWN.value)
        sections.append(Section(w.message("gap.to_be_provided"), lines=tuple(
            Line(p, (unknown,)) for p in provide)))
    effect = "award" if result.reached or result.already else "none"
    return Document(lang=lang, title=title, summary=(now,), sections=tuple(sections),
                    badge=target_title, tone=effect)


def render_gap(result: Gap, lang: Lang = "en", fmt: Format = "text", *,
               standalone: bool = False) -> str:
    """The gap as ``text``, ``md``, ``html`` or ``json`` (``mingxing-gap/1``); ``standalone``
    HTML is a whole page for files."""
    check_lang_and_format(lang, fmt)
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return write(gap_document(result, lang), fmt, standalone=standalone)
