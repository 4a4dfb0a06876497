"""Ordinary mistakes in a ruleset: each file in ``tests/broken/`` breaks one thing.

What an author needs from the error: the code (documented in docs/errors.md), ``file:line`` of
the mistake, the rule it is in, and the token to look for — and, for a typo, a suggestion. A file
with three problems reports all three at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mingxing_rules import RulesetError, check_ruleset, load_ruleset

BROKEN = Path(__file__).parent / "broken"
DOCS = Path(__file__).parent.parent / "docs"

# file stem, code, line, rule id, token, words the message must contain
CASES: list[tuple[str, str, int | None, str | None, str | None, list[str]]] = [
    ("unknown_fact", "E201", 37, "floor_area", "floor_aera_m2",
     ["unknown name 'floor_aera_m2'", "did you mean 'floor_area_m2'?"]),
    ("type_mismatch", "E202", 56, "min_staff", "seven",
     ["cannot compare 'staff_count' (number)", "(string)"]),
    ("unknown_enum_value", "E206", 67, "applicant_is_office", "streat",
     ["'streat' is not one of the allowed values", "did you mean 'street'?"]),
    ("duplicate_id", "R201", 38, "floor_area", "floor_area", ["'floor_area' is declared twice"]),
    ("dangling_reference", "E201", 73, "INADMISSIBLE", "applicant_is_an_office",
     ["unknown name 'applicant_is_an_office'", "did you mean 'applicant_is_office'?"]),
    ("missing_quote", "R301", 52, "min_staff", "quote", ["has no 'quote'", "citation required"]),
    ("missing_clause", "R301", 63, "applicant_is_office", "clause",
     ["has no 'clause'", "citation required"]),
    ("missing_title", "R103", 57, "signage", "title", ["has no 'title'"]),
    ("half_bilingual_title", "R104", 50, "s02_team", None, ["bilingual text", "zh: ..., en: ..."]),
    ("bad_yaml_indentation", "R001", 54, None, None, ["YAML syntax"]),
    ("unknown_key", "R101", 61, "signage", "descripton",
     ["unknown key 'descripton'", "did you mean 'description'?"]),
    ("unknown_fact_type", "R108", 20, "staff_count", "int",
     ["unknown fact type 'int'", "allowed: number, integer"]),
    ("min_above_max", "R109", 18, "floor_area_m2", None, ["min 500 is greater than max 100"]),
    ("option_default_out_of_range", "R110", 12, "min_seats", None,
     ["default 50", "above the maximum 40"]),
    ("option_without_default", "R103", 11, "min_seats", "default",
     ["missing required key 'default'"]),
    ("bad_date", "R105", 7, None, None, ["expected a date YYYY-MM-DD", "'end of 2015'"]),
    ("wrong_format", "R111", 2, None, None, ["'mingxing-rules/2' is not supported"]),
    ("bad_id", "R106", 52, None, "Min-Staff", ["'Min-Staff' must be lower_snake_case"]),
    ("bad_effect", "R108", 75, "STAR", "promote", ["effect 'promote' must be award, revoke"]),
    ("cycle", "R203", 63, "applicant_is_office", "applicant_is_office",
     ["circular reference: applicant_is_office -> not_star_yet -> applicant_is_office"]),
    ("syntax_error", "E101", 56, "min_staff", None, ["expected a value", "'staff_count >='"]),
    ("unknown_function", "E203", 56, "min_staff", "round",
     ["unknown function 'round'", "allowed: abs"]),
    ("not_boolean", "E202", 56, "min_staff", None, ["must be boolean, but it is number"]),
    ("set_compared_with_number", "E202", 47, "equipment_complete", "2",
     ["cannot compare 'equipment' (set)"]),
    ("bad_date_literal", "E205", 56, "min_staff", "2013-02-30",
     ["'2013-02-30' is not a date in YYYY-MM-DD form"]),
    # `condition:` with nothing after it is null (once an AssertionError in the compiler)
    ("empty_condition", "R103", 52, "min_staff", "condition", ["has no 'condition'"]),
]

# One mistake that today also makes the items it removed "unknown names" where they are used.
CASCADES = {
    "missing_clause": "the rule without a clause is dropped, so 'applicant_is_office' is unknown",
    "option_default_out_of_range": "the option is dropped, so 'min_seats' is an unknown name",
    "option_without_default": "the option is dropped, so 'min_seats' is an unknown name",
    "unknown_fact_type": "the fact is dropped, so 'staff_count' is an unknown name",
}


def test_the_table_covers_every_file() -> None:
    on_disk = {p.stem for p in BROKEN.glob("*.yaml")}
    assert on_disk == {row[0] for row in CASES} | {"valid", "three_problems"}


def test_the_unbroken_file_is_clean() -> None:
    assert check_ruleset(BROKEN / "valid.yaml") == []


@pytest.mark.parametrize(("stem", "code", "line", "rule_id", "token", "words"), CASES,
                         ids=[row[0] for row in CASES])
def test_a_mistake_is_reported_where_it_is(
    stem: str, code: str, line: int | None, rule_id: str | None, token: str | None,
    words: list[str],
) -> None:
    path = BROKEN / f"{stem}.yaml"
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    errors = [p for p in caught.value.problems if p.severity == "error"]
    problem = errors[0]
    assert problem.code == code, [str(p) for p in errors]
    assert problem.location.line == line
    assert problem.location.rule_id == rule_id
    assert problem.token == token
    text = str(problem)
    if line is None:  # a problem about the whole file: it still names the file
        assert problem.location.file and path.name in text, text
    else:
        assert text.startswith(f"{problem.location.file}:{line}"), text
        assert f"{path.name}:{line}" in text, text
    for word in words:
        assert word in text, (word, text)
    # the exception's own message leads with the first problem
    assert str(problem) in str(caught.value)


@pytest.mark.parametrize(
    "stem",
    [pytest.param(row[0], marks=pytest.mark.xfail(strict=True, reason=CASCADES[row[0]]))
     if row[0] in CASCADES else row[0] for row in CASES],
)
def test_one_mistake_is_one_error(stem: str) -> None:
    errors = [p for p in check_ruleset(BROKEN / f"{stem}.yaml") if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in errors]


def test_three_problems_are_reported_at_once() -> None:
    path = BROKEN / "three_problems.yaml"
    problems = check_ruleset(path)
    assert sorted((p.code, p.location.line, p.location.rule_id) for p in problems) == [
        ("E201", 37, "floor_area"),  # the misspelt fact
        ("R201", 38, "floor_area"),  # the duplicated id
        ("R301", 52, "min_staff"),  # the missing quote
    ]
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    message = str(caught.value)
    assert message.startswith("3 problems in ruleset; first:")
    assert message.count(path.name) == 4  # the head line and one line per problem


def test_every_code_used_here_is_documented() -> None:
    errors_doc = (DOCS / "errors.md").read_text("utf-8")
    for code in {row[1] for row in CASES}:
        assert f"`{code}`" in errors_doc, code
