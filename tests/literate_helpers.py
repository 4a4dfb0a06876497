"""Reading the literate document's HTML as a browser would: the tags must nest, and the text a
reader sees (not style, not code) is kept for the typography checks."""

from __future__ import annotations

import html
import html.parser
import re

from zh_style import problems


class PageText(html.parser.HTMLParser):
    """Fails on a tag closed out of order; ``text`` holds every piece of visible text and
    ``stack`` the tags still open (empty after a well-formed page)."""

    VOID = frozenset({"meta", "br", "hr", "img", "link", "input", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not set(self.stack) & {"style", "code"}:
            self.text.append(data)


def read_page(page: str) -> PageText:
    """The page, checked to be one self-contained, well-formed HTML document."""
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert not re.search(r"<script|<link|<img|@import|url\(|src=|href=", page)
    reader = PageText()
    reader.feed(page.split("\n", 1)[1])
    reader.close()
    assert reader.stack == []
    return reader


def assert_typography(page: str) -> None:
    """Every piece of text a reader sees follows zh-style.md; ids are in their own spans and
    file:line, cores, offices and solver output in ``code``, so identifiers are allowed."""
    for raw in read_page(page).text:
        text = html.unescape(raw).strip()
        if not text or re.fullmatch(r"[a-z0-9_]+", text):
            continue
        found = [p for p in problems(text) if not p.startswith(("English identifier",
                                                               "English status word"))]
        assert found == [], text
