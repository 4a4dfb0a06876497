"""The plain-text writer of the document model (terminals, golden files)."""

from __future__ import annotations

import unicodedata

from .report import Document, Line, Section, Table

__all__ = ["display_width", "write_text"]


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _line(line: Line, indent: str) -> str:
    marks = line.marks
    if len(marks) == 1:  # nearly every line: one mark, no join
        prefix = marks[0].symbol + " "
    else:
        joined = " → ".join(m.symbol for m in marks)
        prefix = f"{joined} " if joined else ""
    return f"{indent}{'  ' * line.depth}{prefix}{line.text}"


def _table(table: Table, indent: str) -> list[str]:
    rows = [list(table.columns), *([c.text for c in r.cells] for r in table.rows
                                   if not r.heading)]
    widths = [max(display_width(row[i]) for row in rows if i < len(row))
              for i in range(len(table.columns))]
    out: list[str] = []
    head = "  ".join(c + " " * (widths[i] - display_width(c)) for i, c in enumerate(
        table.columns)).rstrip()
    out.append(indent + head)
    for row in table.rows:
        if row.heading:
            out.append(indent + row.cells[0].text)
            continue
        texts = [c.text for c in row.cells]
        out.append(indent + "  ".join(t + " " * (widths[i] - display_width(t))
                                      for i, t in enumerate(texts)).rstrip())
    return out


def _section(section: Section, level: int, out: list[str]) -> None:
    """Write ``section`` at ``level`` onto ``out`` (one list for a whole document)."""
    if "text" not in section.views:
        return
    heading = section.heading
    indent = "  " * level
    body = indent + "  " if heading else indent
    if heading:
        out.append(indent + heading)
    out.extend([body + p for p in section.paragraphs])
    out.extend([_line(line, body) for line in section.lines])
    out.extend([body + n for n in section.notes])
    if section.table is not None:
        out.extend(_table(section.table, body))
    for sub in section.sections:
        _section(sub, level + 1 if heading else level, out)


def write_text(document: Document) -> str:
    out = [document.title, *document.summary]
    for section in document.sections:
        lines: list[str] = []
        _section(section, 0, lines)
        if lines:
            out.append("")
            out.extend(lines)
    return "\n".join(out) + "\n"
