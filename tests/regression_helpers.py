"""Variants of the Star ruleset written to a temporary directory, for the regression tools."""

from __future__ import annotations

from pathlib import Path

from mingxing_rules import Ruleset, load_ruleset

STAR = Path(__file__).resolve().parent.parent / "rulesets" / "star-judicial-office.yaml"
AMENDMENT = (Path(__file__).resolve().parent.parent / "examples" / "amendment"
             / "star-judicial-office-2014.yaml")
OFFICES = Path(__file__).resolve().parent.parent / "examples" / "offices"


def star_text() -> str:
    return STAR.read_text(encoding="utf-8")


def variant(tmp_path: Path, name: str, *replacements: tuple[str, str],
            version: str = "2099.1") -> Ruleset:
    """The Star ruleset with each ``(old, new)`` text replaced exactly once."""
    text = star_text().replace('  version: "2012.1"', f'  version: "{version}"', 1)
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} must occur exactly once"
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_ruleset(path)


RULE_A = """  - id: police_car_where_possible
    clause: 四(一)3
    quote: 有条件的司法所配备警用汽车
    title:
      zh: 配备警用汽车(有条件的选配,仅供参考,不影响结论)
      en: has a police car (optional where conditions allow; informational, never decides the verdict)
    condition: "'police_car' in vehicles"
    informational: true
"""
RULE_B_HEAD = """  # ------------------------------------------------------------------ 二: direct promotion
"""


def reordered_rules() -> tuple[str, str]:
    """Move the informational police-car rule after the direct-promotion header."""
    return (RULE_A + "\n" + RULE_B_HEAD, RULE_B_HEAD + RULE_A + "\n")
