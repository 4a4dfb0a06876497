"""Batch evaluation: every input form, nothing dropped, summaries, tables and the matrix."""

from __future__ import annotations

import collections
import csv
import io
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mingxing_rules import InputError, evaluate, load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.engine.batch import (
    RowError,
    convert_cell,
    evaluate_many,
    iter_evaluate,
    matrix_html,
    read_offices,
)
from mingxing_rules.strategies import offices

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
RULESET = load_ruleset("star-judicial-office")
FACTS = {f.name: f for f in RULESET.spec.facts}


def examples() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]


def to_csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value) if value else "-"
    if isinstance(value, dict):  # a finding with evidence
        return to_csv_cell(value["met"])
    return "" if value is None else str(value)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns = sorted({key for row in rows for key in row})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: to_csv_cell(row.get(k)) for k in columns})


def write_jsonl(path: Path, rows: list[Any]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


def outcomes(result: Any) -> list[tuple[str, str]]:
    return [(v.office_id, v.outcome) for v in result.verdicts]


EXPECTED = [(o["id"], evaluate(o, RULESET).outcome) for o in examples()]


# -- every input form gives the same verdicts ---------------------------------------------------


def test_a_list_of_dicts(tmp_path: Path) -> None:
    assert outcomes(evaluate_many(examples(), RULESET)) == EXPECTED


def test_json_lines_json_and_csv_files(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "offices.jsonl", examples())
    (tmp_path / "offices.json").write_text(json.dumps(examples(), ensure_ascii=False),
                                           encoding="utf-8")
    write_csv(tmp_path / "offices.csv", examples())
    for name in ("offices.jsonl", "offices.json", "offices.csv"):
        result = evaluate_many(tmp_path / name, RULESET)
        assert result.errors == (), name
        assert outcomes(result) == EXPECTED, name


def test_a_pandas_data_frame(tmp_path: Path) -> None:
    write_csv(tmp_path / "offices.csv", examples())
    frame = pd.read_csv(tmp_path / "offices.csv")  # numbers, NaN for empty cells, text for sets
    assert outcomes(evaluate_many(frame, RULESET)) == EXPECTED
    assert outcomes(evaluate_many(pd.DataFrame.from_records(examples()), RULESET)) == EXPECTED


def test_finding_evidence_can_come_in_its_own_csv_column(tmp_path: Path) -> None:
    row = {**examples()[0], "signage_compliant": False,
           "signage_compliant.evidence": "旧式所牌"}
    write_csv(tmp_path / "one.csv", [row])
    [verdict] = evaluate_many(tmp_path / "one.csv", RULESET).verdicts
    assert verdict.trace.step("signage").reads[0].evidence == "旧式所牌"


CELLS = [
    ("floor_area_m2", "180", 180),
    ("floor_area_m2", "180.5", 180.5),
    ("floor_area_m2", "1,200", 1200),
    ("staff_count", "7", 7),
    ("staff_count", "7.0", 7),
    ("staff_count", "seven", "seven"),  # left as is: validation reports it with its row
    ("county_review_passed", "是", True),
    ("county_review_passed", "否", False),
    ("county_review_passed", "TRUE", True),
    ("county_review_passed", "0", False),
    ("signage_compliant", "yes", True),
    ("vehicles", "police_motorcycle;e_bike", ["police_motorcycle", "e_bike"]),
    ("vehicles", "police_motorcycle；e_bike", ["police_motorcycle", "e_bike"]),
    ("vehicles", "-", []),
    ("vehicles", "无", []),
    ("vehicles", "", None),
    ("submitted_on", "2013-11-20", "2013-11-20"),
    ("office_kind", " township ", "township"),
]


@pytest.mark.parametrize(("fact", "cell", "value"), CELLS)
def test_csv_cells_are_converted_by_the_fact_type(fact: str, cell: str, value: Any) -> None:
    assert convert_cell(FACTS[fact], cell) == value


# -- nothing is dropped ---------------------------------------------------------------------------


def test_bad_rows_are_collected_with_their_row_and_the_counts_add_up(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = examples()[:3]
    path.write_text(
        json.dumps(good[0], ensure_ascii=False) + "\n"
        "{not json\n"
        "\n"
        + json.dumps({"id": "bad-area", "floor_area_m2": -5}) + "\n"
        + json.dumps([1, 2]) + "\n"
        + json.dumps(good[1], ensure_ascii=False) + "\n"
        + json.dumps({"id": "typo", "floor_aera_m2": 200}) + "\n",
        encoding="utf-8")
    result = evaluate_many(path, RULESET)
    assert result.total == 6 == len(result.verdicts) + len(result.errors)
    assert [(e.row, e.line, e.office_id) for e in result.errors] == [
        (2, 2, None), (3, 4, "bad-area"), (4, 5, None), (6, 7, "typo")]
    assert "did you mean 'floor_area_m2'" in result.errors[-1].message
    summary = result.summary()
    assert (summary.total, summary.evaluated, len(summary.errors)) == (6, 2, 4)
    frame = result.to_frame()
    assert len(frame) == 6 and (frame["outcome"] == "INPUT_ERROR").sum() == 4


def test_on_error_raise_stops_at_the_first_bad_row() -> None:
    rows = [examples()[0], {"id": "bad", "staff_count": -1}, examples()[1]]
    with pytest.raises(InputError) as raised:
        evaluate_many(rows, RULESET, on_error="raise")
    assert "row 2" in "".join(getattr(raised.value, "__notes__", []))
    with pytest.raises(ValueError, match="on_error"):
        evaluate_many(rows, RULESET, on_error="ignore")


def test_a_file_that_cannot_be_read_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        evaluate_many(tmp_path / "missing.csv", RULESET)
    (tmp_path / "offices.xlsx").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type"):
        evaluate_many(tmp_path / "offices.xlsx", RULESET)
    (tmp_path / "broken.jsonl").write_text('{"id": "a"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        list(read_offices(tmp_path / "broken.jsonl", RULESET))


def test_streaming_reads_one_office_at_a_time() -> None:
    template = examples()[0]

    def endless() -> Iterator[dict[str, Any]]:
        for number in itertools.count():
            yield {**template, "id": f"office-{number}"}

    first = list(itertools.islice(iter_evaluate(endless(), RULESET), 3))
    assert [(row, item.office_id) for row, item in first] == [
        (1, "office-0"), (2, "office-1"), (3, "office-2")]  # type: ignore[union-attr]


# -- summaries, tables and the matrix --------------------------------------------------------------


def test_the_summary_counts_outcomes_and_the_most_common_failures() -> None:
    result = evaluate_many(examples(), RULESET)
    summary = result.summary()
    assert dict(summary.outcomes) == dict(collections.Counter(o for _, o in EXPECTED))
    failing = collections.Counter(s.id for v in result.verdicts for s in v.trace.failing())
    assert summary.failing[0] == ("floor_area", 6)
    assert all(failing[step_id] == count for step_id, count in summary.failing)
    counts = [count for _, count in summary.failing]
    assert counts == sorted(counts, reverse=True) and len(counts) == 10
    assert min(counts) >= sorted(failing.values(), reverse=True)[9]
    text = summary.explain("zh")
    assert text.startswith("共26个司法所：已审查26个，数据有误0个")
    assert "办公用房面积不低于200平方米（四（一）1）：6个" in text
    assert json.loads(summary.explain(fmt="json"))["outcomes"]["STAR"] == 3


def test_the_frame_has_a_row_per_office_and_a_column_per_criterion(tmp_path: Path) -> None:
    result = evaluate_many(examples(), RULESET)
    frame = result.to_frame()
    criteria = [n.id for n in RULESET.spec.nodes if n.kind == "criterion"]
    assert list(frame.index) == [i for i, _ in EXPECTED]
    assert list(frame.columns[-len(criteria):]) == criteria
    assert frame.loc["near-miss-floor-area", "floor_area"] == "fail"
    assert frame.loc["near-miss-floor-area", "outcome"] == "NOT_ELIGIBLE"
    assert frame.loc["undecided-missing-count", "mediation_success_96"] == "unknown"
    result.to_csv(tmp_path / "results.csv")
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["office_id"], r["outcome"]) for r in rows] == EXPECTED


def test_the_matrix_is_readable_at_a_hundred_offices() -> None:
    template = examples()
    many = [{**template[n % len(template)], "id": f"office-{n:03d}"} for n in range(100)]
    result = evaluate_many(many, RULESET)
    markup = result._repr_html_()
    assert markup == matrix_html(result)
    assert markup.count("<tr><td>") == 100
    assert markup.count('<td class="mx-c-') == 100 * 20
    assert 'title="四(一)1 office premises">1</th>' in markup
    assert "max-height:640px" in markup  # scrolls inside the notebook cell


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_goes_to_stderr(capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)  # the bar is drawn on a terminal only
    evaluate_many(examples(), RULESET, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "26" in terminal.getvalue()


def test_progress_is_silent_when_stderr_is_not_a_terminal(
        capsys: pytest.CaptureFixture[str]) -> None:
    evaluate_many(examples(), RULESET, progress=True)
    assert capsys.readouterr() == ("", "")


@settings(max_examples=15)
@given(st.lists(offices(RULESET, missing=0.2), min_size=1, max_size=8),
       st.lists(st.integers(0, 7), max_size=3))
def test_counts_add_up_and_the_table_matches_each_trace(rows: list[dict[str, Any]],
                                                        broken: list[int]) -> None:
    rows = [dict(r) for r in rows]
    for index in broken:
        if index < len(rows):
            rows[index]["staff_count"] = "not a number"
    result = evaluate_many(rows, RULESET)
    bad = {i for i in broken if i < len(rows)}
    assert len(result.errors) == len(bad) and result.total == len(rows)
    assert [e.row - 1 for e in result.errors] == sorted(bad)
    records = result.records(include_errors=False)
    for verdict, record in zip(result.verdicts, records, strict=True):
        assert record["outcome"] == verdict.outcome
        for step in verdict.trace:
            if step.kind == "criterion":
                assert record[step.id] == step.status.value


# -- the command line ---------------------------------------------------------------------------


def test_mingxing_evaluate_batch_writes_results_and_a_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*examples(), {"id": "bad", "staff_count": -1}]
    write_jsonl(tmp_path / "offices.jsonl", rows)
    code = main(["evaluate", "--batch", str(tmp_path / "offices.jsonl"),
                 "--out", str(tmp_path / "results.csv")])
    out = capsys.readouterr().out
    assert code == 1  # one row had input errors; it is in the results and the summary
    assert "27 offices: 26 evaluated, 1 with input errors" in out
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as handle:
        results = list(csv.DictReader(handle))
    assert len(results) == 27 and results[-1]["outcome"] == "INPUT_ERROR"
    assert "staff_count" in results[-1]["error"]

    write_csv(tmp_path / "offices.csv", examples())
    code = main(["evaluate", "--batch", str(tmp_path / "offices.csv"),
                 "--out", str(tmp_path / "results.jsonl"), "--lang", "zh"])
    assert code == 0
    assert "共26个司法所" in capsys.readouterr().out
    lines = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["outcome"] for line in lines] == [o for _, o in EXPECTED]


def test_mingxing_evaluate_batch_refuses_unreadable_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--batch", str(tmp_path / "none.csv")]) == 2
    (tmp_path / "offices.txt").write_text("x", encoding="utf-8")
    assert main(["evaluate", "--batch", str(tmp_path / "offices.txt")]) == 2
    assert "unsupported file type" in capsys.readouterr().err


def test_row_errors_read_well() -> None:
    [error] = evaluate_many([{"id": "x", "staff_count": -1}], RULESET).errors
    assert isinstance(error, RowError)
    assert str(error) == "row 1 (x): staff_count: -1 is below the minimum 0"


def test_the_csv_in_chinese_has_chinese_headers_and_status_words(tmp_path: Path) -> None:
    result = evaluate_many(examples(), RULESET)
    result.to_csv(tmp_path / "zh.csv", lang="zh", encoding="utf-8-sig")
    with (tmp_path / "zh.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    assert header[:7] == ["编号", "司法所", "结论", "结论性质", "判定依据", "待补充事项", "数据错误"]
    assert "办公用房面积不低于200平方米（四（一）1）" in header
    cells = {cell for row in rows for cell in list(row.values())[7:]}
    assert cells <= {"达标", "未达标", "不适用", "待认定"} and {"达标", "未达标"} <= cells
    outcomes = {row["结论"] for row in rows}
    assert "未达到创建标准" in outcomes and not any(o.isupper() for o in outcomes)
    undecided = next(row for row in rows if row["编号"] == "undecided-missing-count")
    assert undecided["待补充事项"] == "调解成功数"
    assert "待认定" in undecided.values()
    with pytest.raises(ValueError, match="lang must be one of"):
        result.to_csv(tmp_path / "x.csv", lang="fr")
