"""Every rule of the Star Judicial Office ruleset cites its clause and quotes the source text.

Issue 3, "Citations": each of standards 1-20, direct promotion (二), revocation (五) and the
procedure (三, 五) has at least one rule, and every rule has a citation that exists in the source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from star_helpers import SOURCE_PATH, compact, passing_office, source_text, star, verdict_of

from mingxing_rules.ruleset.model import NodeSpec

SEED_COPY = Path("/work/shared/seed/mingxing-opinion.zh.txt")
CLAUSE = re.compile(r"^[一二三四五六](\([一二三]\)(\d{1,2})?)?$")
# 四(一) holds standards 1-5, 四(二) 6-15, 四(三) 16-20.
SUBSECTION = {**dict.fromkeys(range(1, 6), "一"), **dict.fromkeys(range(6, 16), "二"),
              **dict.fromkeys(range(16, 21), "三")}


def nodes(kind: str) -> list[NodeSpec]:
    return [node for node in star().spec.nodes if node.kind == kind]


def test_source_text_is_in_the_repository() -> None:
    text = source_text()
    assert text.startswith("明星司法所创建活动意见")
    for heading in ("二、创建目标", "三、创建步骤", "四、“明星司法所”创建标准", "五、创建办法"):
        assert heading in text


@pytest.mark.skipif(not SEED_COPY.exists(), reason="the seed is beside the repo only sometimes")
def test_source_text_is_byte_identical_to_the_seed() -> None:
    assert SOURCE_PATH.read_bytes() == SEED_COPY.read_bytes()


def test_node_kinds_are_the_expected_ones() -> None:
    assert {node.kind for node in star().spec.nodes} >= {"group", "standard", "criterion", "rule",
                                                         "outcome"}


@pytest.mark.parametrize("node", [n for n in star().spec.nodes], ids=lambda n: n.id)
def test_every_node_cites_a_well_formed_clause(node: NodeSpec) -> None:
    assert CLAUSE.match(node.clause), node.clause


def test_the_fallback_outcome_cites_its_clause() -> None:
    assert star().spec.otherwise.clause == "四"


@pytest.mark.parametrize("node", nodes("criterion") + nodes("rule"), ids=lambda n: n.id)
def test_every_criterion_and_rule_quotes_the_source(node: NodeSpec) -> None:
    assert node.quote, f"{node.id} has no quote"
    assert compact(node.quote) in compact(source_text()), node.quote


@pytest.mark.parametrize("node", nodes("criterion") + nodes("rule"), ids=lambda n: n.id)
def test_the_quote_is_under_the_cited_section(node: NodeSpec) -> None:
    """A quote from 四(二)9 must be found in section 四, item 9 — not elsewhere in the text."""
    text = compact(source_text())
    match = re.fullmatch(r"([一二三四五六])(?:\(([一二三])\)(\d{1,2})?)?", node.clause)
    assert match
    section, _, item = match.groups()
    order = "一二三四五六七"
    start = text.index(f"{section}、")
    following = order[order.index(section) + 1]
    end = text.find(f"{following}、", start)
    body = text[start:end if end > 0 else None]
    if item is not None:
        item_start = body.index(f"{item}、")
        item_end = body.find(f"{int(item) + 1}、", item_start)
        body = body[item_start:item_end if item_end > 0 else None]
    assert compact(node.quote) in body, (node.id, node.clause, node.quote)


@pytest.mark.parametrize("number", range(1, 21))
def test_each_standard_has_criteria_citing_it(number: int) -> None:
    clause = f"四({SUBSECTION[number]}){number}"
    standards = [n for n in nodes("standard") if n.clause == clause]
    assert len(standards) == 1, clause
    criteria = [n for n in nodes("criterion") if n.clause == clause]
    assert criteria, clause
    assert {n.parent for n in criteria} == {standards[0].id}


def test_the_three_groups_hold_the_twenty_standards() -> None:
    groups = {n.clause: n for n in nodes("group")}
    assert set(groups) == {"四(一)", "四(二)", "四(三)"}
    for clause, group in groups.items():
        cited = sorted(int(star().spec.nodes[i].clause.split(")")[1])
                       for i, n in enumerate(star().spec.nodes)
                       if n.kind == "standard" and n.parent == group.id)
        expected = sorted(k for k, v in SUBSECTION.items() if f"四({v})" == clause)
        assert cited == expected


@pytest.mark.parametrize(("clause", "rule_ids"), [
    ("二", {"holds_promotion_title", "promotion_route", "direct_promotion", "came_by_promotion"}),
    ("五", {"major_problem_ground", "lowered_standards_ground", "revocation_grounds",
           "major_problem_bars_award", "held_to_every_standard", "s01_premises_lowered",
           "s20_integrity_lowered"}),
    ("五", {"applicant_is_office", "county_review", "submitted_in_time",
           "application_admissible"}),
    ("三", {"in_campaign_period"}),
], ids=["direct-promotion", "revocation", "procedure", "campaign-period"])
def test_promotion_revocation_and_procedure_rules_exist(clause: str, rule_ids: set[str]) -> None:
    cited = {n.id for n in nodes("rule") if n.clause == clause}
    assert rule_ids <= cited


@pytest.mark.parametrize(("outcome", "clause"), [
    ("REVOKED", "五"), ("REVOCATION_RECOMMENDED", "五"), ("RETAINED", "五"),
    ("DIRECT_PROMOTION", "二"), ("WITHHELD", "五"), ("INADMISSIBLE", "五"), ("STAR", "四"),
])
def test_every_outcome_cites_its_clause(outcome: str, clause: str) -> None:
    spec = {n.id: n for n in nodes("outcome")}
    assert spec[outcome].clause == clause
    assert tuple(star().spec.outcomes) == ("REVOKED", "REVOCATION_RECOMMENDED", "RETAINED",
                                           "DIRECT_PROMOTION", "WITHHELD", "INADMISSIBLE",
                                           "STAR")


def test_every_option_cites_its_clause() -> None:
    clauses = {o.name: o.clause for o in star().spec.options}
    assert clauses == {"meeting_room_min_seats": "四(一)1", "revocation_mode": "五",
                       "incident_blocks_promotion": "二", "promotion_requires_application": "二",
                       "accept_2012_applications": "三",
                       "major_problem_blocks_assessment": "五", "promoted_star_held_to": "五",
                       "released_rates_base": "四(二)9"}


def test_trace_steps_carry_clause_and_quote() -> None:
    verdict = verdict_of(passing_office())
    by_id = {n.id: n for n in star().spec.nodes}
    for step in verdict.trace:
        if step.kind in ("criterion", "rule"):
            assert step.clause == by_id[step.id].clause
            assert step.quote == by_id[step.id].quote
