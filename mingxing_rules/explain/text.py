"""The plain-text writer of the document model (terminals, golden files)."""

from __future__ import annotations

import unicodedata

from .report import Document, Line, Section, Table

__all__ = ["display_width", "write_text"]


def display_width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _line(line: Line, indent: str) -> str:
    marks = " → ".join(m.symbol for m in line.marks)
    prefix = f"{marks} " if marks else ""
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


def _section(section: Section, level: int) -> list[str]:
    if "text" not in section.views:
        return []
    indent = "  " * level
    inner = "  " * (level + 1)
    out = [indent + section.heading] if section.heading else []
    body = inner if section.heading else indent
    out += [body + p for p in section.paragraphs]
    out += [_line(line, body) for line in section.lines]
    out += [body + n for n in section.notes]
    if section.table is not None:
        out += _table(section.table, body)
    for sub in section.sections:
        out += _section(sub, level + 1 if section.heading else level)
    return out


def write_text(document: Document) -> str:
    out = [document.title, *document.summary]
    for section in document.sections:
        lines = _section(section, 0)
        if lines:
            out += ["", *lines]
    return "\n".join(out) + "\n"
