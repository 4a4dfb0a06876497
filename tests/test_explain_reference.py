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
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingxing_rules import Ruleset, Status, Verdict, evaluate, load_ruleset
from mingxing_rules.explain import (
    Wording,
    compiled,
    render,
    sentences,
    verdict_document,
    zh_typography,
)
from mingxing_rules.explain.compiled import PieceInputs, lines_for
from mingxing_rules.explain.memo import Kept
from mingxing_rules.explain.reasons import step_reason
from mingxing_rules.explain.report import Line, Mark, write
from mingxing_rules.explain.sentences import ThresholdSentences
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


def _variant(tmp_path: Path, name: str, replacements: tuple[tuple[str, str], ...],
             messages: str = "") -> Ruleset:
    source = (ROOT / "rulesets" / "star-judicial-office.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in source
        source = source.replace(old, new, 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(source + messages, encoding="utf-8")
    return load_ruleset(path)


# Rulesets that defeat a shortcut of the kept pieces: a set asked about one item and also read
# whole; a criterion with more than one limit. Explanations of generated offices must still be
# the ones worded afresh. (A set a catalogue phrase fills in: see the test after this one; a
# ruleset cannot give a phrase new placeholders.)
_LOWERED = ("      and (held_to_every_standard or if_known('s07_legal_services' in "
            "standards_met_when_promoted, false))")
_VARIANTS = {
    "set read whole too": (
        ((_LOWERED, _LOWERED + "\n      and (count(standards_met_when_promoted) >= 3 or "
          "not held_to_every_standard)"),), ""),
    "two limits": ((("condition: floor_area_m2 >= 200",
                     "condition: floor_area_m2 >= 200 and floor_area_m2 < 100000"),), ""),
}


@pytest.mark.parametrize("variant", sorted(_VARIANTS))
def test_rulesets_that_defeat_a_shortcut_are_explained_as_when_worded_afresh(
        variant: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    replacements, messages = _VARIANTS[variant]
    ruleset = _variant(tmp_path_factory.mktemp("variant"), "variant", replacements, messages)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(offices(ruleset, missing=0.1))
    def check(data: dict[str, Any]) -> None:
        verdict = evaluate(data, ruleset)
        for lang in ("zh", "en"):
            assert render(verdict, lang, "text", ruleset=ruleset) == write(
                verdict_document(verdict, lang, ruleset, view="text", keep_lines=False),
                "text"), (variant, lang)

    check()
    # offices in a row that ask the set the same question and differ in the rest of it
    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    held = {**office, "holds_star_title": True, "star_awarded_by": "direct_promotion",
            "honours": ["five_good"], "s07_legal_services_drop_justified": False}
    others = ["s01_premises", "s02_equipment", "s03_transport", "s04_signage"]
    for size in range(len(others) + 1):
        verdict = evaluate({**held, "standards_met_when_promoted": [
            "s07_legal_services", *others[:size]]}, ruleset)
        for lang in ("zh", "en"):
            assert render(verdict, lang, "text", ruleset=ruleset) == write(
                verdict_document(verdict, lang, ruleset, view="text", keep_lines=False),
                "text"), (variant, size, lang)


def test_a_set_a_phrase_fills_in_is_read_whole() -> None:
    def fields(key: str) -> frozenset[str] | None:
        if key == "phrase.s07_legal_services_lowered.pass":
            return frozenset({"standards_met_when_promoted"})
        return None

    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    base = {**office, "standards_met_when_promoted": ["s07_legal_services", "s01_premises"]}
    other = {**base, "standards_met_when_promoted": ["s07_legal_services", "s02_equipment"]}
    traces = [evaluate(data, RULESET).trace for data in (base, other)]
    step = "s07_legal_services_lowered"
    said_whole = PieceInputs(RULESET.plan, fields)
    assert said_whole.key(step, traces[0]) != said_whole.key(step, traces[1])
    asked_only = PieceInputs(RULESET.plan, lambda key: None)
    assert asked_only.key(step, traces[0]) == asked_only.key(step, traces[1])


def test_explanations_in_several_threads_at_once_are_worded_as_afresh() -> None:
    # a server explains from several threads: what one keeps must never be read as another's
    people = [json.loads(p.read_text("utf-8")) for p in EXAMPLES]
    verdicts = [evaluate({**data, "id": f"{data['id']}-{n}"}, ruleset)
                for n, ruleset in enumerate((RULESET, AUTOMATIC)) for data in people]
    expected = {id(v): worded_afresh(v, "en", "text") for v in verdicts}
    said: list[tuple[int, str]] = []

    def explain(order: list[Verdict]) -> None:
        said.extend((id(v), v.explain("en")) for v in order)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=explain, args=(verdicts[n::4] + verdicts,))
                   for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert len(said) == 4 * len(verdicts) + len(verdicts)
    assert all(text == expected[key] for key, text in said)


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
    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    verdict = evaluate(office, RULESET)
    kept = lines_for(RULESET.plan, Wording.shared("en", RULESET.spec, RULESET.plan),
                     verdict.options)
    verdict.explain("en")
    after_first = len(kept)
    assert after_first > 0
    evaluate(office, RULESET).explain("en")  # the same office again: nothing new to word
    assert len(kept) == after_first
    # a finding read with evidence no office had before: its sentence is worded anew
    evidence = f"inspected on site, visit {uuid.uuid4()}"
    changed = evaluate({**office, "premises_layout_reasonable": {
        "met": False, "evidence": evidence}}, RULESET)
    assert evidence in changed.explain("en")
    assert changed.explain("en") == worded_afresh(changed, "en", "text")
    assert len(kept) > after_first
    # a number below its threshold: put into the criterion's template, with the new value
    lower = evaluate({**office, "floor_area_m2": 96}, RULESET)
    assert "office floor area 96 m²" in lower.explain("en")
    assert lower.explain("en") == worded_afresh(lower, "en", "text")


def test_a_piece_reads_its_rule_own_entries_and_a_set_as_the_answers_asked_of_it() -> None:
    plan = RULESET.plan
    inputs = PieceInputs(plan, lambda key: None)
    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    base = {**office, "star_awarded_by": "direct_promotion",
            "standards_met_when_promoted": ["s07_legal_services", "s01_premises"]}
    other = {**base, "standards_met_when_promoted": ["s07_legal_services", "s02_equipment"]}
    without = {**base, "standards_met_when_promoted": ["s01_premises"]}

    def key(data: dict[str, Any], step: str) -> object:
        return inputs.key(step, evaluate(data, RULESET).trace)

    # the legal-services rule asks the set one question: both sets answer it alike
    assert key(base, "s07_legal_services_lowered") == key(other, "s07_legal_services_lowered")
    assert key(base, "s07_legal_services_lowered") != key(without, "s07_legal_services_lowered")
    # a rate's piece reads the counts it is said with
    assert key(office, "mediation_rate_98") != key(
        {**office, "disputes_mediated_count": office["disputes_mediated_count"] + 1},
        "mediation_rate_98")
    # a line reaches the rules below it, all the way down
    subtree = inputs.subtree("lowered_standards_ground")
    assert {"casework_lowered", "s07_legal_services_lowered", "came_by_promotion",
            "holds_promotion_title"} <= set(subtree)
    assert subtree[0] == "lowered_standards_ground"
    assert "s07_legal_services" not in subtree  # a standard is read by the rule naming it


# -- criteria's sentences from templates (mingxing_rules.explain.sentences) ----------------------


def _threshold_sentences(lang: str) -> Any:
    return ThresholdSentences(Wording.shared(lang, RULESET.spec, RULESET.plan), RULESET.plan)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(offices(RULESET, missing=0.1), st.sampled_from(("zh", "en")))
def test_a_templated_sentence_is_the_sentence_worded_in_full(data: dict[str, Any],
                                                             lang: str) -> None:
    sentences = _threshold_sentences(lang)
    trace = evaluate(data, RULESET).trace
    w = Wording.shared(lang, RULESET.spec, RULESET.plan)
    for step in trace.failing():
        said = sentences.sentence(step.id, trace)
        if said is not None:
            assert said == step_reason(step, trace, w), step.id
            # the line kept with it: the failing mark and the clause, as the explainer says
            line = sentences.line_of(step.id, trace.row, trace.facts)
            assert line == Line(said, (Mark(w.mark(Status.FAIL), "fail"),), clause=w.clause(
                step.clause)), step.id


@pytest.mark.parametrize(("field", "value", "criterion", "words"), [
    ("floor_area_m2", 199.99, "floor_area", "office floor area 199.99 m² is below"),
    ("legal_service_ethics_breaches_count", 1, "no_ethics_breach", "1 case, where none"),
    ("legal_service_ethics_breaches_count", 2, "no_ethics_breach", "2 cases, where none"),
])
def test_numbers_at_and_beside_a_threshold_are_templated(field: str, value: Any,
                                                          criterion: str, words: str) -> None:
    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    trace = evaluate({**office, field: value}, RULESET).trace
    said = _threshold_sentences("en").sentence(criterion, trace)
    assert said is not None and words in said


def test_what_a_template_cannot_say_is_left_to_the_full_wording() -> None:
    office = json.loads((ROOT / "examples" / "offices" / "failing-many.json").read_text("utf-8"))
    sentences = _threshold_sentences("en")
    trace = evaluate({**office, "floor_area_m2": 250}, RULESET).trace
    assert sentences.sentence("floor_area", trace) is None  # the threshold holds
    assert sentences.sentence("premises_layout", trace) is None  # a finding, not a number
    assert sentences.sentence("no_such_step", trace) is None


def test_a_memo_that_forgets_between_offices_never_changes_what_is_said(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # memos a few entries long: pieces, lines and sentences are dropped and moved between the
    # two generations all the time, and numbers read in one office are forgotten by the next
    monkeypatch.setattr(compiled, "MAX_LINES", 8)
    monkeypatch.setattr(sentences, "MAX_SAID", 4)
    monkeypatch.setattr(compiled, "_LINES", {})
    people = [json.loads(p.read_text("utf-8")) for p in EXAMPLES]
    verdicts = [evaluate(data, RULESET) for data in people]
    for verdict in verdicts + verdicts[::-1]:
        for lang in ("zh", "en"):
            assert verdict.explain(lang) == worded_afresh(verdict, lang, "text"), (
                verdict.office_id, lang)
    (_, _, kept), *_ = compiled._LINES.values()
    assert len(kept) <= 8


@given(st.lists(st.tuples(st.integers(0, 12), st.booleans()), max_size=200),
       st.integers(1, 10))
def test_the_memo_gives_what_was_last_put_under_a_key_or_nothing(
        operations: list[tuple[int, bool]], limit: int) -> None:
    kept: Kept[int, tuple[int, int]] = Kept(limit)
    last: dict[int, tuple[int, int]] = {}
    for step, (key, put) in enumerate(operations):
        if put:
            kept.put(key, (key, step))
            last[key] = (key, step)
        else:
            found = kept.get(key)
            assert found is None or found == last[key]
        assert len(kept) <= 2 * max(1, limit // 2)
    if operations and operations[-1][1]:  # what was put last is always there
        key = operations[-1][0]
        assert kept.get(key) == last[key]
