"""Explanations: the wording of failing criteria, golden renders, and the JSON verdict format.

Golden files live in tests/golden/explanations/. A test run never writes them: after an
intended wording change, regenerate them with ``python tests/golden/regenerate.py`` and review
the diff.
"""

from __future__ import annotations

import html.parser
import json
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from hypothesis import given, settings

from mingxing_rules import Status, Verdict, evaluate, load_ruleset
from mingxing_rules.explain import Wording, failing_reasons, render, trace_html
from mingxing_rules.strategies import offices

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
GOLDEN = Path(__file__).parent / "golden" / "explanations"
SCHEMA = json.loads((ROOT / "docs" / "verdict.schema.json").read_text(encoding="utf-8"))

RULESET = load_ruleset("star-judicial-office")


def office(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (ROOT / "examples" / "offices" / f"{name}.json").read_text(encoding="utf-8"))
    return data


def check_golden(path: Path, text: str) -> None:
    """Compare with a golden file (written only by tests/golden/regenerate.py)."""
    assert path.exists(), f"missing golden file {path}; run python tests/golden/regenerate.py"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden file"


# -- the sentences the issue asks for -----------------------------------------------------------

FAILING = [
    ("near-miss-floor-area", "en",
     "office floor area 180 m² is below the required 200 m² (四(一)1)"),
    ("near-miss-floor-area", "zh",
     "办公用房面积180平方米，低于200平方米的标准（四（一）1）"),
    ("near-miss-staff", "en", "staff 6 people is below the required 7 people (四(三)17)"),
    ("near-miss-staff", "zh", "司法所人员数6人，低于7人的标准（四（三）17）"),
    ("near-miss-bulletins", "en",
     "months with a legal bulletin issue 10 months is below the required 12 months (四(二)10)"),
    ("near-miss-mediation-success", "en",
     "mediation success rate 95.34% (225/236) is below the required 96% (四(二)6)"),
    ("near-miss-mediation-success", "zh",
     "调解成功率95.34%（225/236），低于96%的标准（四（二）6）"),
    ("promotion-blocked-by-incident", "en",
     "incidents caused by poor or late mediation: major civil-to-criminal case, where none are "
     "allowed (四(二)6)"),
]


@pytest.mark.parametrize(("name", "lang", "expected"), FAILING)
def test_a_failing_criterion_says_value_threshold_and_clause(name: str, lang: str,
                                                             expected: str) -> None:
    verdict = evaluate(office(name), RULESET)
    assert failing_reasons(verdict, lang) == [expected]


CRITERIA = [
    # (changes, criterion, en sentence)
    ({"vehicles": []}, "motorcycle_or_e_bike",
     "vehicles: no police motorcycle or electric bicycle (四(一)3)"),
    ({"vehicles": ["police_car"]}, "motorcycle_or_e_bike",
     "vehicles: no police motorcycle or electric bicycle (四(一)3)"),
    ({"equipment": ["computer", "printer"]}, "equipment_complete",
     "office equipment: missing fax machine, scanner, telephone, camera, voice recorder (四(一)2)"),
    ({"party_branch_established": False}, "party_branch",
     "Party branch established: no (四(三)16)"),
    ({"vacant_posts": 1}, "no_vacant_posts",
     "vacant establishment posts 1 post, where none are allowed (四(三)17)"),
    ({"director_law_education": "below"}, "director_degree",
     "director's legal education is below the requirement, required college (大专) or higher "
     "degree in law or equivalent education (certified by the county bureau) (四(三)17)"),
    ({"signage_compliant": {"met": False, "evidence": "旧式所牌"}}, "signage",
     "signage compliant: not met, by the panel's finding (旧式所牌) (四(一)4)"),
    ({"correction_reoffenders_count": 1}, "correction_reoffending_1permille",
     "reoffending rate under correction 21.74‰ (1/46) is above the maximum of 1‰ (四(二)8)"),
    ({"floor_area_m2": None}, "floor_area",
     "floor area at least 200 m²: cannot be decided, office floor area not provided (四(一)1)"),
]


@pytest.mark.parametrize(("changes", "criterion", "expected"), CRITERIA)
def test_each_kind_of_condition_has_its_own_sentence(changes: dict[str, Any], criterion: str,
                                                     expected: str) -> None:
    data = office("star-by-assessment")
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    verdict = evaluate(data, RULESET)
    from mingxing_rules.explain import step_reason

    step = verdict.trace.step(criterion)
    assert step.status in (Status.FAIL, Status.UNKNOWN)
    assert step_reason(step, verdict.trace, Wording("en", RULESET.spec)) == expected


@pytest.mark.parametrize(("resolved", "shown"), [
    (391, "95.83%"),  # 391/408 = 0.958333
    (391.0, "95.83%"),
])
def test_rates_are_shown_in_their_display_scale(resolved: float, shown: str) -> None:
    wording = Wording("en", RULESET.spec)
    assert wording.value("mediation_success_rate", resolved / 408) == shown


def test_a_value_just_below_the_threshold_is_never_shown_as_the_threshold() -> None:
    wording = Wording("en", RULESET.spec)
    assert wording.value("mediation_success_rate", 0.959999, distinct_from=0.96) == "95.9999%"
    assert wording.value("mediation_success_rate", 0.96, distinct_from=0.96) == "96%"


def test_units_read_naturally_in_each_language() -> None:
    en, zh = Wording("en", RULESET.spec), Wording("zh", RULESET.spec)
    assert [en.value("staff_count", n) for n in (1, 7)] == ["1 person", "7 people"]
    assert zh.value("staff_count", 7) == "7人"
    assert zh.value("floor_area_m2", 180) == "180平方米"
    assert zh.value("submitted_on", "2012-11-20") == "2012年11月20日"
    assert en.value("floor_area_m2", 200.0) == "200 m²"
    assert zh.value("vehicles", ("e_bike", "police_car")) == "电动自行车、警用汽车"
    assert en.value("honours", ()) == "none"


# -- golden renders ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_explanations_match_the_golden_files(path: Path, lang: str) -> None:
    verdict = evaluate(office(path.stem), RULESET)
    check_golden(GOLDEN / f"{path.stem}.{lang}.txt", verdict.explain(lang))


@pytest.mark.parametrize("name", ["near-miss-floor-area", "undecided-missing-count",
                                  "inadmissible-late", "revocation-major-problem",
                                  "promotion-blocked-by-incident"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_explanations_match_the_golden_files(name: str, lang: str) -> None:
    verdict = evaluate(office(name), RULESET)
    check_golden(GOLDEN / f"{name}.{lang}.md", verdict.explain(lang, "md"))


def test_a_verdict_read_back_from_json_explains_the_same() -> None:
    verdict = evaluate(office("failing-many"), RULESET)
    again = Verdict.from_json(verdict.to_json(), office=office("failing-many"))
    for lang in ("zh", "en"):
        for fmt in ("text", "md"):
            assert render(again, lang, fmt) == render(verdict, lang, fmt)


def test_a_verdict_of_an_unknown_ruleset_still_explains_with_names() -> None:
    data = evaluate(office("near-miss-floor-area"), RULESET).to_dict()
    data["ruleset"]["id"] = "some-other-ruleset"
    text = render(Verdict.from_dict(data), "en")
    assert "floor_area_m2 180 m² is below the required 200 m² (四(一)1)" in text
    data = evaluate(office("near-miss-mediation-success"), RULESET).to_dict()
    data["ruleset"]["id"] = "some-other-ruleset"
    assert failing_reasons(Verdict.from_dict(data), "en") == [
        "mediation success rate 95.34% (225/236) is below the required 96% (四(二)6)"]  # title from the trace


def test_a_ruleset_can_reword_any_message(tmp_path: Path) -> None:
    source = (ROOT / "rulesets" / "star-judicial-office.yaml").read_text(encoding="utf-8")
    source += ('\nmessages:\n  criterion.fail.>=:\n'
               '    zh: "{fact}仅 {value}，差距见{clause}"\n'
               '    en: "{fact} is only {value} (needs {threshold}, {clause})"\n')
    path = tmp_path / "reworded.yaml"
    path.write_text(source, encoding="utf-8")
    ruleset = load_ruleset(path)
    verdict = evaluate(office("near-miss-floor-area"), ruleset)
    assert failing_reasons(verdict, "en", ruleset=ruleset) == [
        "office floor area is only 180 m² (needs 200 m², 四(一)1)"]
    # the Chinese typography applies to reworded messages too (no space before a number, 平方米)
    assert failing_reasons(verdict, "zh", ruleset=ruleset) == ["办公用房面积仅180平方米，差距见四（一）1"]


def test_language_and_format_are_checked() -> None:
    verdict = evaluate(office("star-by-assessment"), RULESET)
    with pytest.raises(ValueError, match="lang must be one of zh, en"):
        render(verdict, "fr")
    with pytest.raises(ValueError, match="fmt must be one of"):
        render(verdict, "en", "pdf")


# -- HTML ---------------------------------------------------------------------------------------


class _Collect(html.parser.HTMLParser):
    VOID: ClassVar[set[str]] = {"br", "meta", "hr", "img", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> _Collect:
    parser = _Collect()
    parser.feed(markup)
    parser.close()
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    return parser


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_verdict_card_is_balanced_html_with_the_reasons(path: Path) -> None:
    verdict = evaluate(office(path.stem), RULESET)
    parsed = parse_html(verdict._repr_html_())
    text = "".join(parsed.text)
    # the card names the outcome by its title (ids are for JSON and the technical trace table)
    en = Wording("en", RULESET.spec)
    assert (en.outcome_title(verdict.outcome, verdict.outcome_title) if verdict.decided
            else en.message("outcome.undecided")) in text
    for reason in failing_reasons(verdict, "en"):
        assert reason in text


def test_html_escapes_what_offices_say() -> None:
    data = office("near-miss-floor-area")
    data["name"] = "<script>alert(1)</script>"
    data["signage_compliant"] = {"met": False, "evidence": "<b>bold</b>"}
    markup = evaluate(data, RULESET).explain("zh", "html")
    parsed = parse_html(markup)
    assert parsed.scripts == 0
    assert "&lt;script&gt;" in markup and "&lt;b&gt;bold" in markup


def test_the_trace_table_lists_every_step() -> None:
    verdict = evaluate(office("undecided-missing-count"), RULESET)
    markup = verdict.trace._repr_html_()
    parse_html(markup)
    assert markup == trace_html(verdict.trace)
    for step in verdict.trace:
        assert f"<code>{step.id}</code>" in markup


# -- the JSON verdict format -----------------------------------------------------------------------


def _validate(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(json.dumps(document)))


def test_the_published_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_verdict_validates_and_round_trips(path: Path) -> None:
    verdict = evaluate(office(path.stem), RULESET)
    document = json.loads(render(verdict, fmt="json"))
    _validate(document)
    again = Verdict.from_dict(document)
    assert again == verdict
    assert again.to_dict() == verdict.to_dict()


def test_the_schema_rejects_what_the_format_does_not_allow() -> None:
    document = json.loads(evaluate(office("star-by-assessment"), RULESET).to_json(full=True))
    broken = {**document, "outcome": "UNDECIDED"}
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)
    broken = {**document, "trace": [{**document["trace"][0], "status": "maybe"}]}
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        _validate({**document, "format": "mingxing-verdict/2"})


@settings(max_examples=20)
@given(offices(RULESET, missing=0.15))
def test_generated_verdicts_validate_and_round_trip(data: dict[str, Any]) -> None:
    verdict = evaluate(data, RULESET)
    _validate(verdict.to_dict())
    assert Verdict.from_json(verdict.to_json(), office=data) == verdict
    text = verdict.explain("zh") + verdict.explain("en")
    assert "{" not in text, "a placeholder was left unfilled"


# -- every line names the reason that decided it (issue 14) --------------------------------------


def decision_lines(name: str, lang: str, **changes: Any) -> list[str]:
    data = {**office(name), **changes}
    text = evaluate(data, RULESET).explain(lang)
    return [line.strip() for line in text.split("\n\n")[1].splitlines()]


def test_promotion_fails_for_an_office_without_a_title_because_it_has_no_title() -> None:
    zh = decision_lines("near-miss-floor-area", "zh")
    assert "✗ 不符合直接晋级条件（二）：未获得可直接晋级的称号" in zh
    # the promotion lines name the missing title, never the (absent) major problem; the bar
    # of 五 does not apply because there is no major problem, and says so first
    assert not any("工作中发生重大问题" in line for line in zh
                   if "直接晋级" in line.split("（")[0])
    assert any(line.startswith("– 因工作中发生重大问题不予命名（五）：不适用，工作中未发生重大问题")
               for line in zh)
    en = decision_lines("near-miss-floor-area", "en")
    assert ("✗ does not qualify for direct promotion (二): holds no title that gives direct "
            "promotion") in en


def test_a_major_problem_that_blocks_promotion_is_said_in_both_languages() -> None:
    # a major problem bars the title on both paths (五, docs/interpretation.md §4): the office
    # holding a promotion title is not awarded, and the line says both why and what it barred
    zh = decision_lines("promotion-blocked-by-incident", "zh")
    assert ("✗ 工作中发生重大问题的不予命名（五）：工作中发生重大问题；已获省“优秀司法所”称号；"
            "申报单位为乡镇司法所") in zh
    en = decision_lines("promotion-blocked-by-incident", "en")
    assert ("✗ award barred by a major problem in its work (五): a major problem occurred in its "
            "work; holds the title provincial excellent office; the applicant is a township "
            "judicial office") in en


@pytest.mark.parametrize(("lang", "member", "whole"), [
    ("en", "standards met when promoted: includes 四(一)2 office equipment",
     "standards met when promoted: 四(一)2"),
    ("zh", "直接晋级时已达到的创建标准包括四（一）2办公设施", "直接晋级时已达到的创建标准：四（一）2"),
])
def test_a_standard_lowered_since_promotion_is_said_by_that_standard_not_the_whole_list(
        lang: str, member: str, whole: str) -> None:
    # 五: a promoted office lowers a standard it met when promoted; the line says that this
    # standard was among them, not the twenty it may have met
    data = {**office("retained-promoted-never-met"), "equipment": ["telephone"],
            "s02_equipment_drop_justified": False}
    verdict = evaluate(data, RULESET)
    assert verdict.trace.status("s02_equipment_lowered") is Status.PASS
    text = verdict.explain(lang)
    assert member in text
    assert whole not in text
    assert "四(一)3" not in next(line for line in text.splitlines() if member in line)


@pytest.mark.parametrize(("lang", "said", "never"), [
    ("en", "how the Star title was obtained: named after the on-site assessment", "required"),
    ("zh", "明星司法所称号取得方式：经评审命名", "标准要求为"),
])
def test_which_case_an_office_is_in_is_said_as_its_value_not_as_a_requirement(
        lang: str, said: str, never: str) -> None:
    # how the title was obtained decides which standards count (五); no standard requires
    # one way or the other, so a rule's reason never says "required direct promotion"
    decision = decision_lines("revocation-unjustified-other-standard", lang)
    assert any(said in line for line in decision)
    assert not any(never in line for line in decision)


def test_holding_the_title_is_never_given_as_the_reason_there_is_no_ground() -> None:
    zh = decision_lines("retained-star", "zh")
    ground = next(line for line in zh if "摘牌情形" in line)
    assert ground.startswith("✓ 不具备摘牌情形（五）"), ground
    assert "已创成" not in ground
    # an office that meets every standard is not told its justification is missing
    for name in ("retained-star", "star-by-assessment"):
        for lang, missing in (("zh", "未提供"), ("en", "not provided")):
            text = evaluate(office(name), RULESET).explain(lang)
            assert missing not in text, (name, lang)


def test_conclusions_are_phrased_as_the_bureau_writes_them() -> None:
    def conclusion(name: str) -> str:
        return evaluate(office(name), RULESET).explain("zh").splitlines()[1]

    assert conclusion("star-by-assessment") == "经审查，该所达到全部20项创建标准，评定为“明星司法所”。"
    assert conclusion("near-miss-floor-area") == (
        "经审查，该所未达到创建标准，20项标准中尚有1项不符合。")
    assert conclusion("revocation-major-problem").endswith("建议市局视情予以摘牌。")
    assert "工作中发生重大问题" in conclusion("revocation-major-problem")
    assert conclusion("inadmissible-late") == (
        "经审查，该所申报不符合程序：申报日期为2014年12月3日，晚于2014年11月30日。")
    assert conclusion("undecided-missing-count") == (
        "经审查，尚无法作出结论，仍可能为“评定为明星司法所”或“未达到创建标准”。请补充调解成功数。")
    data = {**office("retained-star")}
    del data["major_problem"]
    text = evaluate(data, RULESET).explain("zh")
    assert "请补充“是否工作中发生重大问题”的认定。" in text  # a finding, not the problem itself
    assert "请补充工作中发生重大问题" not in text


def test_no_english_identifier_appears_in_a_chinese_sentence() -> None:
    for path in EXAMPLES:
        text = evaluate(office(path.stem), RULESET).explain("zh")
        for outcome in ("STAR", "NOT_ELIGIBLE", "INADMISSIBLE", "DIRECT_PROMOTION", "RETAINED",
                        "REVOKED", "REVOCATION_RECOMMENDED", "star-judicial-office"):
            assert outcome not in text, (path.stem, outcome)


# -- the views: one model, three writers ---------------------------------------------------------


def test_html_for_files_is_a_whole_page_with_its_charset() -> None:
    verdict = evaluate(office("near-miss-floor-area"), RULESET)
    page = render(verdict, "zh", "html", standalone=True)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert '<html lang="zh">' in page
    parse_html(page.split("<!DOCTYPE html>", 1)[1])
    fragment = render(verdict, "zh", "html")
    assert "<!DOCTYPE" not in fragment and "charset" not in fragment


def test_notebook_fragments_carry_a_scoped_stylesheet_that_resets_alignment() -> None:
    markup = evaluate(office("near-miss-floor-area"), RULESET)._repr_html_()
    style = markup.split("<style>", 1)[1].split("</style>", 1)[0]
    import re

    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", re.sub(
        r"/\*.*?\*/", "", style, flags=re.S)) for s in block.split(",")]
    assert selectors and all(s.startswith(".mx") for s in selectors), [
        s for s in selectors if not s.startswith(".mx")]
    assert "text-align:left!important" in style  # the notebook right-aligns table cells


def test_markdown_is_escaped_in_one_place() -> None:
    data = {**office("near-miss-floor-area"), "name": "所*名* | <b>"}
    markdown = evaluate(data, RULESET).explain("zh", "md")
    assert "所\\*名\\* \\| \\<b\\>" in markdown


def test_the_templates_are_package_data() -> None:
    # hatch ships every file inside mingxing_rules/ in the wheel; the HTML views depend on these
    from importlib import resources

    folder = resources.files("mingxing_rules").joinpath("templates")
    for name in ("fragment.html.j2", "page.html.j2", "style.css", "campaign.html.j2",
                 "campaign.css", "literate.html.j2"):
        assert folder.joinpath(name).is_file(), name
