"""The typography rules of ../shared/seed/zh-style.md as a checker for Chinese text.

``problems(text)`` lists what breaks the rules: half-width punctuation next to Chinese, a space
between Chinese and a number, ``m²``, ISO dates, English identifiers or status words, software
words. Placeholders (``{fact}``) are ignored, so catalogue templates can be checked too.
"""

from __future__ import annotations

import re

CJK = "\u3400-\u9fff\uf900-\ufaff"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
RULES: list[tuple[str, re.Pattern[str]]] = [
    ("half-width punctuation next to Chinese",
     re.compile(f"[{CJK}][,;:?!()]|[,;:?!()][{CJK}]")),
    ("half-width parentheses around Chinese", re.compile(f"\\([^()]*[{CJK}][^()]*\\)")),
    ("space between Chinese and a number",
     re.compile(f"[{CJK}][ \u00a0]+[0-9]|[0-9%‰][ \u00a0]+[{CJK}]")),
    ("m² instead of 平方米", re.compile("m²")),
    ("ISO date instead of 年月日", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("English identifier", re.compile(r"\b[A-Z]{2,}(?:_[A-Z]+)*\b|\b[a-z]+_[a-z_]+\b")),
    ("English status word", re.compile(r"\b(?:pass|fail|unknown|not_applicable|true|false|None)\b")),
    ("software word", re.compile("规则|条件成立|优先级|判定规则适用|节点|字段|布尔|空值")),
]


def problems(text: str, *, allow: tuple[str, ...] = ()) -> list[str]:
    """What in ``text`` breaks the rules, as ``rule: 'excerpt'`` (empty when it reads right).
    ``allow``: substrings that are not text but data (an office's own id)."""
    for item in allow:
        text = text.replace(item, "")
    text = PLACEHOLDER.sub("", text)
    found = []
    for name, pattern in RULES:
        for match in pattern.finditer(text):
            start = max(match.start() - 8, 0)
            found.append(f"{name}: {text[start:match.end() + 8]!r}")
    return found
