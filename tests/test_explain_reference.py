"""What the explainer keeps between offices never changes what it says.

The explainer keeps what depends only on the ruleset and the language (typeset titles, clauses,
choices, fixed messages: one shared :class:`~mingxing_rules.explain.Wording` per ruleset and
language), the deciding parts of a condition by the truths of its leaves, and whole lines
(decision lines, conclusions, criteria's sentences) by exactly the row entries and facts they
can read (:mod:`mingxing_rules.explain.compiled`). Each office is explained here twice — with
the kept lines, and with ``keep_lines=False`` (every line worded afresh) — and the two must be
the same byte for byte: generated offices (facts missing, at the thresholds, both revocation
modes), every example office, offices in a row (what one leaves must not leak into the next),
verdicts read back from JSON; text, Markdown and HTML, Chinese and English. The goldens
(tests/golden) pin the words themselves. Chinese typography's shortcuts are checked against the
plain definition of the rules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingxing_rules import Verdict, evaluate, load_ruleset
from mingxing_rules.explain import Wording, render, verdict_document, zh_typography
from mingxing_rules.explain.report import write
from mingxing_rules.strategies import offices

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
RULESET = load_ruleset("star-judicial-office")
AUTOMATIC = RULESET.with_options(revocation_mode="automatic")
VIEWS = ("text", "md", "html")


def worded_afresh(verdict: Verdict, lang: str, fmt: str) -> str:
    return write(verdict_document(verdict, lang, view=fmt, keep_lines=False), fmt)


def assert_same_everywhere(verdict: Verdict) -> None:
    for lang in ("zh", "en"):
        for fmt in VIEWS:
            assert render(verdict, lang, fmt) == worded_afresh(verdict, lang, fmt), (
                verdict.office_id, lang, fmt)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_office_is_explained_as_when_worded_afresh(path: Path) -> None:
    office = json.loads(path.read_text(encoding="utf-8"))
    for ruleset in (RULESET, AUTOMATIC):
        assert_same_everywhere(evaluate(office, ruleset))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices(RULESET, missing=0.1), st.booleans())
def test_generated_offices_are_explained_as_when_worded_afresh(data: dict[str, Any],
                                                               automatic: bool) -> None:
    assert_same_everywhere(evaluate(data, AUTOMATIC if automatic else RULESET))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(offices(RULESET, missing=0.3), min_size=2, max_size=4))
def test_explanations_in_a_row_do_not_leak_into_each_other(batch: list[dict[str, Any]]) -> None:
    # what is kept from one verdict (shared wording, deciding parts, lines) must not change
    # the next
    verdicts = [evaluate(data, RULESET) for data in batch]
    for verdict in verdicts + verdicts[::-1]:
        for lang in ("zh", "en"):
            assert verdict.explain(lang) == worded_afresh(verdict, lang, "text")


def test_a_verdict_read_back_from_json_is_explained_as_when_worded_afresh() -> None:
    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    verdict = evaluate(office, RULESET)
    assert_same_everywhere(Verdict.from_json(verdict.to_json(), office=office))
    for text in (verdict.to_json(all_facts=True), verdict.to_json(full=True)):
        assert_same_everywhere(Verdict.from_json(text))


def test_a_ruleset_that_rewords_messages_is_not_served_the_words_of_another() -> None:
    # the shared wording is one per ruleset: two rulesets with different messages in one
    # process each get their own
    plain = Wording.shared("en", RULESET.spec, RULESET.plan)
    assert Wording.shared("en", RULESET.spec, RULESET.plan) is plain
    assert Wording.shared("zh", RULESET.spec, RULESET.plan) is not plain
    assert Wording.shared("en", AUTOMATIC.spec, AUTOMATIC.plan) is not plain or (
        AUTOMATIC.plan is RULESET.plan)


# -- Chinese typography: the shortcuts against the plain definition ----------------------------

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_PUNCT_AFTER_CJK = re.compile(f"(?<=[{_CJK}”）])([,;:?!])(?!\\d)")
_SPACE_CJK_NUMBER = re.compile(
    f"(?<=[{_CJK}])[ \u00a0]+(?=[0-9])|(?<=[0-9%‰])[ \u00a0]+(?=[{_CJK}])")


def plain_typography(text: str) -> str:
    """zh-style.md's rules, each applied to the whole text: parentheses whose content or left
    neighbour is Chinese become full-width, punctuation after Chinese too, no space between
    Chinese and a number."""
    if not _CJK_CHAR.search(text):
        return text
    out, stack = list(text), []
    for index, char in enumerate(text):
        if char == "(":
            stack.append(index)
        elif char == ")" and stack:
            start = stack.pop()
            before = text[start - 1] if start > 0 else ""
            if _CJK_CHAR.search(text[start + 1:index]) or _CJK_CHAR.match(before):
                out[start], out[index] = "（", "）"
    text = _PUNCT_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], "".join(out))
    return _SPACE_CJK_NUMBER.sub("", text)


_TYPOGRAPHIC = st.text(alphabet=st.sampled_from(
    list("申报主体为乡镇街道司法所一二三四") + list("(),;:?! \u00a0”）（0123456789%‰abc")),
    max_size=40)


@settings(max_examples=500, deadline=None)
@given(_TYPOGRAPHIC)
def test_chinese_typography_is_the_plain_definition(text: str) -> None:
    assert zh_typography(text) == plain_typography(text)


def test_typography_of_the_catalogue_is_the_plain_definition() -> None:
    catalogue = (ROOT / "mingxing_rules" / "messages" / "zh.yaml").read_text(encoding="utf-8")
    lines = [line for line in catalogue.splitlines() if re.search("[(),;:?! ]", line)]
    assert lines
    for line in lines:
        assert zh_typography(line) == plain_typography(line)


# -- lines kept by what they read (mingxing_rules.explain.compiled) ------------------------------


def test_a_line_read_again_is_taken_as_kept_and_a_new_reading_is_worded() -> None:
    from mingxing_rules.explain.compiled import lines_for

    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    verdict = evaluate(office, RULESET)
    kept = lines_for(RULESET.plan, RULESET.spec, "en", verdict.options)
    verdict.explain("en")
    after_first = len(kept)
    assert after_first > 0
    evaluate(office, RULESET).explain("en")  # the same office again: nothing new to word
    assert len(kept) == after_first
    # a criterion's value changed: its sentence is worded anew, with the new value
    changed = evaluate({**office, "floor_area_m2": 96}, RULESET)
    assert "office floor area 96 m²" in changed.explain("en")
    assert len(kept) > after_first
    assert changed.explain("en") == worded_afresh(changed, "en", "text")


def test_the_row_entries_a_line_reads_reach_the_rules_below_and_the_facts_of_rates() -> None:
    from mingxing_rules.explain.compiled import LineInputs

    plan = RULESET.plan
    inputs = LineInputs(plan)
    positions, facts = inputs.of("mediation_rate_98")
    assert {plan.nodes[p].id for p in positions} == {"mediation_rate_98", "mediation_rate"}
    assert set(facts) == {"disputes_mediated_count", "disputes_received_count"}
    # a rule reaches down through the rules it reads, to the facts they read
    _, facts = inputs.of("lowered_standards_ground")
    assert "honours" in facts
