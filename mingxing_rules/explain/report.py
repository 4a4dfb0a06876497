"""One document model for every view a person reads: verdicts, gaps, what-ifs, batch summaries.

Builders (:mod:`.verdict`, :mod:`mingxing_rules.gap.report`,
:mod:`mingxing_rules.regression.whatif`, :mod:`mingxing_rules.engine.batch`) turn results into a
:class:`Document` of plain data, already worded in one language; the writers (:mod:`.text`,
:mod:`.markdown`, :mod:`.html`) only lay it out. So every view says the same thing, and a new
view is a new writer.

>>> doc = Document(lang="en", title="Example", sections=(
...     Section("Checks", lines=(Line("floor area", marks=(Mark("✓", "pass"),)),)),))
>>> from mingxing_rules.explain.text import write_text
>>> print(write_text(doc), end="")
Example
<BLANKLINE>
Checks
  ✓ floor area
"""

from __future__ import annotations

import attrs

__all__ = ["Cell", "Document", "Line", "Mark", "Row", "Section", "Table", "write"]


@attrs.frozen
class Mark:
    """A status mark as shown (``✓``) and its tone (``pass``, ``fail``, ``unknown``,
    ``not_applicable``; the HTML colour)."""

    symbol: str
    tone: str


@attrs.frozen
class Line:
    """One line of a list: its marks (two for a before → after change), its text, its depth in
    a tree, and the clause it cites (also inside ``text``; kept apart for tables and tools)."""

    text: str
    marks: tuple[Mark, ...] = ()
    depth: int = 0
    clause: str = ""


@attrs.frozen
class Cell:
    text: str
    tone: str = ""  # a status (pass, fail, unknown, not_applicable): the cell's colour
    code: bool = False
    css: str = ""  # any other class
    hint: str = ""  # shown on hover in HTML


@attrs.frozen
class Row:
    cells: tuple[Cell, ...]
    heading: bool = False  # a row that heads a group of rows (spans the table)


@attrs.frozen
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    css: str = ""
    hints: tuple[str, ...] = ()  # a column's full name, shown on hover in HTML


@attrs.frozen
class Section:
    """A heading with paragraphs, a list of lines, a table and subsections, in that order.

    ``views`` names the writers that show it (a full trace table is for HTML only);
    ``collapsed`` folds it in HTML; ``note`` paragraphs are highlighted."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    lines: tuple[Line, ...] = ()
    table: Table | None = None
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()
    views: tuple[str, ...] = ("text", "md", "html")
    collapsed: bool = False


@attrs.frozen
class Document:
    """A whole view: its title, a few summary lines, and sections.

    ``badge`` and ``tone`` are for HTML (the outcome as a coloured pill: ``award``, ``revoke``,
    ``none`` or ``undecided``)."""

    lang: str
    title: str
    summary: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    badge: str = ""
    tone: str = "none"
    wide: bool = False


def write(document: Document, fmt: str, *, standalone: bool = False) -> str:
    """``document`` written as ``text``, ``md`` or ``html`` (``standalone``: a whole HTML page
    with ``<meta charset="utf-8">``, for files; otherwise a fragment for notebooks)."""
    if fmt == "text":
        from .text import write_text

        return write_text(document)
    if fmt == "md":
        from .markdown import write_markdown

        return write_markdown(document)
    if fmt == "html":
        from .html import write_html

        return write_html(document, standalone=standalone)
    raise ValueError(f"no writer for format {fmt!r}")
