"""Every Chinese string a person reads follows the bureau's typography (zh-style.md): the
message catalogue, and the explanations, gap reports and what-ifs of every example office."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from zh_style import problems

from mingxing_rules import evaluate, gap, load_ruleset
from mingxing_rules.explain import zh_typography
from mingxing_rules.explain.wording import catalogue
from mingxing_rules.regression.whatif import what_if

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
RULESET = load_ruleset("star-judicial-office")


def office(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_checker_catches_what_the_issue_lists() -> None:
    for bad in ("未达到不低于 200 m² 的标准", "四(一)1", "［STAR］", "20 项标准中达到 19 项",
                "申报日期：2013-11-20", "没有任何判定规则适用", "以下结论条件也成立，但优先级较低",
                "(由市局视情决定)"):
        assert problems(bad), bad
    assert problems("办公用房面积180平方米，低于200平方米的标准（四（一）1）。") == []


@pytest.mark.parametrize(("key", "template"), sorted(catalogue("zh").items()))
def test_every_catalogue_string_follows_the_typography(key: str, template: str) -> None:
    assert problems(zh_typography(template)) == [], key
    assert problems(template) == [], f"{key}: write it in full-width form in zh.yaml"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_explanation_of_every_example_follows_the_typography(path: Path) -> None:
    data = office(path)
    verdict = evaluate(data, RULESET)
    allow = (data["id"],)
    for fmt in ("text", "md"):
        text = verdict.explain("zh", fmt)
        assert problems(text, allow=allow) == [], f"{path.stem} ({fmt})"
    assert problems(gap(data, RULESET).explain("zh"), allow=allow) == [], path.stem


def test_a_what_if_in_chinese_follows_the_typography() -> None:
    data = office(ROOT / "examples" / "offices" / "near-miss-floor-area.json")
    text = what_if(data, RULESET, floor_area_m2=200, submitted_on="2013-11-05").explain("zh")
    assert problems(text, allow=(data["id"],)) == []
    assert "2013年11月5日" in text


def test_ruleset_text_is_typeset_where_it_is_shown() -> None:
    assert zh_typography("申报主体为乡镇(街道)司法所") == "申报主体为乡镇（街道）司法所"
    assert zh_typography("四(二)6") == "四（二）6"
    assert zh_typography("office premises (a, b)") == "office premises (a, b)"  # no Chinese
