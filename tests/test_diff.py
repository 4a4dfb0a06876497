"""diff_rulesets: what changed between two versions, and whether it can move a verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from regression_helpers import AMENDMENT, reordered_rules, variant

from mingxing_rules import load_ruleset
from mingxing_rules.regression.diff import diff_rulesets


@pytest.fixture(scope="module")
def star():  # type: ignore[no-untyped-def]
    return load_ruleset("star-judicial-office")


def test_identical_rulesets_have_no_changes(star) -> None:  # type: ignore[no-untyped-def]
    diff = diff_rulesets(star, star)
    assert not diff
    assert diff.changes == ()
    assert "no changes" in diff.to_text()


def test_amendment_reports_thresholds_new_fact_and_wording() -> None:
    diff = diff_rulesets(load_ruleset("star-judicial-office"), load_ruleset(AMENDMENT))
    semantic = {(c.area, c.target, c.action, c.field) for c in diff.semantic}
    assert semantic == {
        ("fact", "mountain_township", "added", ""),
        ("criterion", "floor_area", "changed", "condition"),
        ("criterion", "mediation_success_96", "changed", "condition"),
    }
    assert diff.changed_nodes == {"floor_area", "mediation_success_96"}
    (mediation,) = diff.for_node("mediation_success_96")
    assert mediation.summary() == ("criterion mediation_success_96 condition: "
                                   "mediation_success_rate >= 0.97 (was >= 0.96)")
    assert {c.field for c in diff.cosmetic} >= {"version", "title", "quote"}


@pytest.mark.parametrize(("name", "replacement", "field", "summary"), [
    ("area-180", ("condition: floor_area_m2 >= 200", "condition: floor_area_m2 >= 180"),
     "condition", "criterion floor_area condition: floor_area_m2 >= 180 (was >= 200)"),
    ("staff-8", ("condition: staff_count >= 7", "condition: staff_count >= 8"),
     "condition", "criterion min_staff condition: staff_count >= 8 (was >= 7)"),
])
def test_one_edit_one_change(tmp_path: Path, name: str, replacement: tuple[str, str],
                             field: str, summary: str) -> None:
    old = load_ruleset("star-judicial-office")
    new = variant(tmp_path, name, replacement)
    diff = diff_rulesets(old, new)
    semantic = diff.semantic
    assert len(semantic) == 1
    assert semantic[0].field == field
    assert semantic[0].summary() == summary


def test_recitation_is_cosmetic(tmp_path: Path) -> None:
    new = variant(tmp_path, "recite", ("            clause: 四(三)17\n            quote: “明星司法所”由7名",
                                       "            clause: 四(三)17 bis\n            quote: “明星司法所”由7名"))
    diff = diff_rulesets(load_ruleset("star-judicial-office"), new)
    assert diff.semantic == ()
    (recite,) = [c for c in diff.cosmetic if c.field == "clause"]
    assert (recite.target, recite.old, recite.new) == ("min_staff", "四(三)17", "四(三)17 bis")


def test_reordering_rules_and_retitling_change_nothing_semantic(tmp_path: Path) -> None:
    new = variant(tmp_path, "reordered", reordered_rules(),
                  ("    en: Star Judicial Office standards\n",
                   "    en: The Star Judicial Office standards\n"))
    diff = diff_rulesets(load_ruleset("star-judicial-office"), new)
    assert diff.semantic == ()
    assert {c.field for c in diff.cosmetic} == {"version", "title"}


def test_option_value_change_redefines_the_nodes_that_read_it(star) -> None:  # type: ignore[no-untyped-def]
    diff = diff_rulesets(star, star.with_options(revocation_mode="automatic"))
    option = [c for c in diff.semantic if c.area == "option"]
    assert [(c.target, c.old, c.new) for c in option] == [
        ("revocation_mode", "recommend", "automatic")]
    assert diff.changed_nodes == {"REVOKED", "REVOCATION_RECOMMENDED"}


def test_precedence_change(tmp_path: Path) -> None:
    text_retained = """    - id: RETAINED
      effect: none
      title:
        zh: 保留明星司法所称号
        en: Star title retained
      clause: 五
      condition: holds_star_title and not revocation_grounds
"""
    text_promotion = """    - id: DIRECT_PROMOTION
      effect: award
      title:
        zh: 直接晋级为明星司法所
        en: Star office by direct promotion
      clause: 二
      condition: direct_promotion
"""
    new = variant(tmp_path, "precedence",
                  (text_retained + text_promotion, text_promotion + text_retained))
    diff = diff_rulesets(load_ruleset("star-judicial-office"), new)
    assert diff.precedence_changed
    (change,) = diff.semantic
    assert change.area == "decision"
    assert change.old.index("RETAINED") < change.old.index("DIRECT_PROMOTION")
    assert change.new.index("DIRECT_PROMOTION") < change.new.index("RETAINED")


def test_json_form_round_trips_through_json() -> None:
    diff = diff_rulesets(load_ruleset("star-judicial-office"), load_ruleset(AMENDMENT))
    data = json.loads(json.dumps(diff.to_dict(), ensure_ascii=False))
    assert data["old"] == "star-judicial-office@2012.1"
    assert data["new"] == "star-judicial-office@2014.1"
    assert data["changed_nodes"] == ["floor_area", "mediation_success_96"]
    assert all({"area", "target", "action", "semantic", "summary"} <= set(c)
               for c in data["changes"])
    text = diff.to_text()
    assert "mediation_success_rate >= 0.97 (was >= 0.96)" in text
