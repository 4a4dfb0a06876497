"""The Markdown writer of the document model. Escaping happens here, in :func:`md_escape`, and
nowhere else."""

from __future__ import annotations

import re

from .report import Document, Line, Section, Table

__all__ = ["md_escape", "write_markdown"]

_SPECIAL = re.compile(r"([\\`*|<>\[\]#])")


def md_escape(text: str) -> str:
    """``text`` safe inside a Markdown paragraph, list item or table cell.

    ``_`` is left alone: inside words (NOT_ELIGIBLE) it never starts emphasis in CommonMark.

    >>> md_escape("a*b | <c>")
    'a\\\\*b \\\\| \\\\<c\\\\>'
    """
    return _SPECIAL.sub(r"\\\1", text)


def _line(line: Line) -> str:
    marks = " → ".join(m.symbol for m in line.marks)
    prefix = f"{marks} " if marks else ""
    return f"{'  ' * line.depth}- {prefix}{md_escape(line.text)}"


def _table(table: Table) -> list[str]:
    e = md_escape
    out = ["| " + " | ".join(e(c) for c in table.columns) + " |",
           "|" + "---|" * len(table.columns)]
    for row in table.rows:
        if row.heading:
            cells = [f"**{e(row.cells[0].text)}**", *([""] * (len(table.columns) - 1))]
        else:
            cells = [e(c.text) for c in row.cells]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _section(section: Section, level: int) -> list[str]:
    if "md" not in section.views:
        return []
    e = md_escape
    out: list[str] = []
    if section.heading:
        out += ["#" * min(4 + level, 6) + " " + e(section.heading), ""]
    for paragraph in section.paragraphs:
        out += [e(paragraph), ""]
    if section.lines:
        out += [*(_line(line) for line in section.lines), ""]
    for note in section.notes:
        out += [f"> {e(note)}", ""]
    if section.table is not None:
        out += [*_table(section.table), ""]
    for sub in section.sections:
        out += _section(sub, level + 1)
    return out


def write_markdown(document: Document) -> str:
    e = md_escape
    out = [f"### {e(document.title)}", ""]
    for index, line in enumerate(document.summary):
        text = f"**{e(line)}**" if index == 0 else e(line)
        out.append(text + ("  " if index + 1 < len(document.summary) else ""))
    out.append("")
    for section in document.sections:
        out += _section(section, 0)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
