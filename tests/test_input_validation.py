"""Office data from other systems: every bad value is an InputError naming the field, the value
and what is allowed — never a crash, never a silent wrong verdict.

The table is read like a list of standards: one bad field per row, checked against the Star
Judicial Office ruleset, with the words the problem must contain. A batch with bad rows reports
each of them and still evaluates the good ones.
"""

from __future__ import annotations

import copy
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mingxing_rules import InputError, Office, decide, evaluate, load_ruleset

EXAMPLES = Path(__file__).parent.parent / "examples" / "offices"
STAR = json.loads((EXAMPLES / "star-by-assessment.json").read_text("utf-8"))
RULESET = load_ruleset("star-judicial-office")
NAN, INF = float("nan"), float("inf")

# field, bad value, words in the problem's message, words in what is "expected"
BAD_FIELDS: list[tuple[str, Any, list[str], list[str]]] = [
    # numbers: sign, bounds, types, NaN and infinity
    ("floor_area_m2", -5, ["-5 is below the minimum 0"], [">= 0", "m²"]),
    ("floor_area_m2", -0.01, ["below the minimum 0"], [">= 0"]),
    ("floor_area_m2", "260", ["expected a number", "'260' (str)"], ["a number"]),
    ("floor_area_m2", "260 m²", ["'260 m²' (str)"], ["a number"]),
    ("floor_area_m2", True, ["True (bool)"], ["a number"]),
    ("floor_area_m2", [260], ["[260] (list)"], ["a number"]),
    ("floor_area_m2", {"value": 260}, ["(dict)"], ["a number"]),
    ("floor_area_m2", NAN, ["nan"], ["a number"]),
    ("floor_area_m2", INF, ["inf"], ["a number"]),
    ("floor_area_m2", -INF, ["-inf"], ["a number"]),
    # beyond 2**53 floats and integers stop being exact: refused even without a declared maximum
    ("floor_area_m2", 1e300, ["1e+300", "within +-2**53"], ["a number"]),
    ("staff_count", 7.5, ["7.5"], ["an integer", ">= 0"]),
    ("staff_count", "7", ["'7' (str)"], ["an integer"]),
    ("staff_count", -1, ["-1 is below the minimum 0"], ["an integer"]),
    ("bulletin_months_count", 13, ["13 is above the maximum 12"], ["<= 12"]),
    ("themed_activity_quarters_count", 5, ["5 is above the maximum 4"], ["<= 4"]),
    ("assessment_year", 2011, ["2011 is below the minimum 2012"], [">= 2012", "<= 2015"]),
    ("assessment_year", 2016, ["2016 is above the maximum 2015"], ["<= 2015"]),
    ("disputes_received_count", NAN, ["nan"], ["an integer"]),
    # sets and enums: unknown honours, wrong shapes
    ("honours", ["gold_star"], ["'gold_star' (str) is not one of", "'five_good'"],
     ["a list of values from", "'national_model'"]),
    ("honours", ["five_goods"], ["did you mean 'five_good'?"], ["'five_good'"]),
    ("honours", "five_good", ["'five_good' (str)"], ["a list of values"]),
    ("honours", [5], ["5 (int) is not one of"], ["a list of values"]),
    ("honours", {"five_good": True}, ["(dict)"], ["a list of values"]),
    ("equipment", ["computer", "typewriter"], ["'typewriter' (str) is not one of"],
     ["'computer'"]),
    ("office_kind", "village", ["'village' (str) is not one of", "'township'"],
     ["one of ['township', 'street', 'other']"]),
    ("office_kind", ["township"], ["(list) is not one of"], ["one of"]),
    ("director_law_education", "College", ["'College' (str) is not one of"],
     ["'college_or_higher'"]),
    # dates in the wrong format
    ("submitted_on", "2013/11/30", ["expected a date YYYY-MM-DD", "'2013/11/30' (str)"],
     ["YYYY-MM-DD"]),
    ("submitted_on", "30-11-2013", ["'30-11-2013' (str)"], ["YYYY-MM-DD"]),
    ("submitted_on", "2013-11-31", ["'2013-11-31' (str)"], ["YYYY-MM-DD"]),
    ("submitted_on", "20131130", ["'20131130' (str)"], ["YYYY-MM-DD"]),
    ("submitted_on", 20131130, ["20131130 (int)"], ["YYYY-MM-DD"]),
    ("submitted_on", "2013-11-30T10:00:00", ["'2013-11-30T10:00:00' (str)"], ["YYYY-MM-DD"]),
    # booleans and panel findings
    ("holds_star_title", 1, ["expected true or false", "1 (int)"], ["true or false"]),
    ("holds_star_title", "true", ["'true' (str)"], ["true or false"]),
    ("holds_star_title", "是", ["'是' (str)"], ["true or false"]),
    ("signage_compliant", "yes", ["'yes' (str)"], ["true, false or {met"]),
    ("signage_compliant", {"met": "yes"}, ["(dict)"], ["{met: true|false"]),
    ("signage_compliant", {"met": True, "proof": "photo"}, ["'proof'"], ["evidence: text"]),
    ("signage_compliant", {"met": True, "evidence": 5}, ["'evidence': 5"], ["evidence: text"]),
    # identity
    ("id", None, ["the office id is required"], ["a non-empty string"]),
    ("id", "", ["the office id is empty"], ["a non-empty string"]),
    ("id", ["a"], ["['a'] (list)"], ["a string"]),
    ("name", {"zh": "x"}, ["(dict)"], ["a string"]),
    # issue 13: ISO YYYY-MM-DD only (fromisoformat also takes week dates and more)
    ("submitted_on", "2013-W47-3", ["'2013-W47-3' (str)"], ["YYYY-MM-DD"]),
    ("submitted_on", "2013112000", ["'2013112000' (str)"], ["YYYY-MM-DD"]),
    ("submitted_on", "2013-11-3\u0662", ["YYYY-MM-DD"], ["YYYY-MM-DD"]),
    # issue 13: a set lists each value once
    ("equipment", ["computer", "printer", "computer"], ["'computer' is listed more than once"],
     ["without repeats"]),
    ("honours", ["five_good", "five_good"], ["'five_good' is listed more than once"],
     ["without repeats"]),
    # issue 13: integers beyond str()'s 4300 digits get the library's message, not Python's
    ("staff_count", 10**5000, ["an integer of about 5001 digits", "within +-2**53"],
     ["an integer"]),
    ("honours", [10**5000], ["an integer of about 5001 digits"], ["a list of values"]),
    ("id", 10**5000, ["an integer of about 5001 digits"], ["a string"]),
    # issue 13: a lone surrogate (only a JSON escape can make one) is not Unicode text
    ("name", "西塘\ud800", ["lone surrogate"], ["a string"]),
    ("id", "\udfff", ["lone surrogate"], ["a string"]),
    ("signage_compliant", {"met": True, "evidence": "photo\ud800"}, ["(dict)"],
     ["evidence: text"]),
]


def _case_id(field: str, value: Any) -> str:
    try:
        shown = repr(value)
    except ValueError:  # an integer beyond 4300 digits
        shown = "<huge integer>"
    return f"{field}={shown}"[:60]


def bad_office(field: str, value: Any) -> dict[str, Any]:
    office: dict[str, Any] = copy.deepcopy(STAR)
    office[field] = value
    return office


def _same(found: Any, given: Any) -> bool:
    if isinstance(given, float) and math.isnan(given):
        return isinstance(found, float) and math.isnan(found)
    return bool(found == given)


@pytest.mark.parametrize(("field", "value", "message_words", "expected_words"), BAD_FIELDS,
                         ids=[_case_id(row[0], row[1]) for row in BAD_FIELDS])
def test_a_bad_field_names_itself_its_value_and_what_is_allowed(
    field: str, value: Any, message_words: list[str], expected_words: list[str],
) -> None:
    office = bad_office(field, value)
    with pytest.raises(InputError) as caught:
        evaluate(office, RULESET)
    (problem,) = caught.value.problems
    assert problem.path == field
    assert _same(problem.value, value)
    for word in message_words:
        assert word in problem.message, (word, problem.message)
    for word in expected_words:
        assert word in problem.expected, (word, problem.expected)
    text = str(caught.value)
    assert f"{field}: " in text and problem.message in text
    assert caught.value.fields == (field,)
    # the short-circuit path validates the same way
    with pytest.raises(InputError):
        decide(office, RULESET)


def test_every_bad_field_is_reported_at_once() -> None:
    office = copy.deepcopy(STAR)
    office.update({"floor_area_m2": -1, "staff_count": 7.5, "honours": ["gold"],
                   "submitted_on": "2013/11/30", "floor_area": 260})
    with pytest.raises(InputError) as caught:
        evaluate(office, RULESET)
    assert sorted(caught.value.fields) == sorted(
        ["floor_area_m2", "staff_count", "honours", "submitted_on", "floor_area"])
    assert str(caught.value).startswith("office 'star-by-assessment': 5 invalid fields")


def test_an_unknown_field_is_an_error_with_a_suggestion_or_can_be_ignored() -> None:
    office = bad_office("floor_aera_m2", 260)
    with pytest.raises(InputError) as caught:
        evaluate(office, RULESET)
    (problem,) = caught.value.problems
    assert problem.path == "floor_aera_m2" and problem.value == 260
    assert "unknown field 'floor_aera_m2'" in problem.message
    assert "did you mean 'floor_area_m2'?" in problem.message
    assert problem.expected == "a fact of the ruleset"
    ignored = evaluate(office, RULESET, extra="ignore")
    assert ignored.outcome == evaluate(STAR, RULESET).outcome == "STAR"


@pytest.mark.parametrize("data", [None, [], "office", 5, ["id", "x"]])
def test_an_office_that_is_not_a_mapping_is_refused(data: Any) -> None:
    with pytest.raises(InputError) as caught:
        evaluate(data, RULESET)
    (problem,) = caught.value.problems
    assert problem.path == "$"
    assert "an office must be a mapping" in problem.message


@pytest.mark.parametrize(("field", "given", "stored"), [
    ("staff_count", 7.0, 7),  # a whole float is an integer
    ("floor_area_m2", 200, 200),
    ("floor_area_m2", float(2**53), float(2**53)),  # no declared maximum: up to 2**53 is a value
    ("submitted_on", "2013-11-30", "2013-11-30"),
    ("honours", [], ()),
    ("signage_compliant", {"met": True, "evidence": "photo", "by": "panel"}, True),
    ("id", 42, None),  # an integer id is read as text
])
def test_values_that_are_accepted(field: str, given: Any, stored: Any) -> None:
    office = RULESET.parse_office(bad_office(field, given))
    assert isinstance(office, Office)
    if field == "id":
        assert office.id == "42"
        return
    value = office.facts[field]
    if field == "submitted_on":
        value = value.isoformat()
    if field == "honours":
        value = tuple(value)
    assert value == stored


def test_missing_and_null_facts_are_unknown_not_errors() -> None:
    office = {"id": "sparse", "floor_area_m2": None}
    verdict = evaluate(office, RULESET)
    assert verdict.outcome == "UNDECIDED"
    assert verdict.trace.step("floor_area").reads[0].value is None


# -- values valid one by one that together say something impossible -----------------------------


def test_counts_that_make_a_rate_above_100_percent_are_refused() -> None:
    """More disputes resolved than mediated is a 122 % success rate: the data is wrong.

    Each count is valid alone; the rate's declared ``max: 1`` catches them together, and the
    error names both counts and their values.
    """
    office = bad_office("disputes_resolved_count", 500)
    with pytest.raises(InputError) as caught:
        evaluate(office, RULESET)
    text = str(caught.value)
    assert "disputes_resolved_count" in text and "500" in text
    assert "disputes_mediated_count" in text and "408" in text
    assert caught.value.fields == ("disputes_resolved_count",)


def test_integers_too_large_for_arithmetic_are_refused_not_a_crash() -> None:
    """A 400-digit count parses from JSON; dividing it must not raise OverflowError.

    (It was ``OverflowError: integer division result too large for a float`` from the compiled
    rate.) Numbers are exact within +-2**53, so larger ones are refused, naming the field.
    """
    office = json.loads('{"id": "x", "disputes_mediated_count": 1' + "0" * 400
                        + ', "disputes_received_count": 1}')
    with pytest.raises(InputError) as caught:
        evaluate(office, RULESET)
    assert caught.value.fields == ("disputes_mediated_count",)


# -- a batch with bad rows -------------------------------------------------------------------------


def _jsonl(rows: list[Any]) -> io.StringIO:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    return io.StringIO("\n".join(lines) + "\n")


def _stream(lines: io.StringIO) -> Iterator[tuple[int, str, Any]]:
    """Evaluate a JSON Lines batch one line at a time: (line, 'verdict' | 'error', result)."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, "error", f"not JSON: {exc.msg}"
            continue
        try:
            yield number, "verdict", evaluate(data, RULESET)
        except InputError as exc:
            yield number, "error", exc


def test_a_batch_reports_every_bad_row_and_evaluates_every_good_one() -> None:
    good = [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    bad = [bad_office(field, value) for field, value, _, _ in BAD_FIELDS[:12]]
    rows: list[Any] = []
    for index, office in enumerate(good):
        rows.append(office)
        if index < len(bad):
            rows.append(bad[index])
    rows.insert(3, "{not json")
    results = list(_stream(_jsonl(rows)))
    verdicts = [r for r in results if r[1] == "verdict"]
    errors = [r for r in results if r[1] == "error"]
    # nothing silently dropped: every line is a verdict or an error, and the counts add up
    assert len(results) == len(rows)
    assert len(verdicts) == len(good)
    assert len(errors) == len([o for o in bad if o]) + 1
    # the good rows get exactly the verdicts they get alone, in order
    assert [v.office_id for _, _, v in verdicts] == [o["id"] for o in good]
    for (_, _, verdict), office in zip(verdicts, good, strict=True):
        assert verdict == evaluate(office, RULESET)
    # each bad row is reported with its line and its field
    error_lines = [n for n, _, _ in errors]
    assert error_lines == sorted(error_lines) and len(set(error_lines)) == len(error_lines)
    for (_, _, error), (field, *_) in zip(
        [e for e in errors if isinstance(e[2], InputError)], BAD_FIELDS[:12], strict=True
    ):
        assert error.fields == (field,)


def test_the_batch_module_reports_every_bad_line_of_a_json_lines_file(tmp_path: Path) -> None:
    """The same through :func:`mingxing_rules.engine.batch.iter_evaluate`, reading a file."""
    batch = pytest.importorskip("mingxing_rules.engine.batch")
    good = [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))][:6]
    rows: list[Any] = [good[0], bad_office("floor_area_m2", -5), good[1], "{not json",
                       good[2], bad_office("honours", ["gold_star"]), *good[3:],
                       bad_office("submitted_on", "2013/11/30")]
    path = tmp_path / "batch.jsonl"
    path.write_text(_jsonl(rows).getvalue(), "utf-8")
    results = list(batch.iter_evaluate(path, RULESET))
    assert len(results) == len(rows)  # one result per line, nothing dropped
    verdicts = [item for _, item in results if not isinstance(item, batch.RowError)]
    errors = [item for _, item in results if isinstance(item, batch.RowError)]
    assert len(verdicts) == len(good) and len(errors) == 4
    assert [e.line for e in errors] == [2, 4, 6, len(rows)]
    assert [e.error.fields for e in errors if e.line != 4] == [
        ("floor_area_m2",), ("honours",), ("submitted_on",)]
    for verdict, office in zip(verdicts, good, strict=True):
        assert verdict == evaluate(office, RULESET)


def test_duplicate_json_keys_in_an_office_file_are_an_input_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``{"staff_count": 7, "staff_count": 9}`` silently kept the last value."""
    from mingxing_rules.cli import main

    path = tmp_path / "office.json"
    path.write_text('{"id": "x", "staff_count": 7, "staff_count": 9}', "utf-8")
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "duplicate key 'staff_count'" in err and "Traceback" not in err
