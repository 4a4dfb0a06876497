"""``mingxing evaluate --batch FILE.parquet``: the columnar engine from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")

from mingxing_rules import load_ruleset  # noqa: E402
from mingxing_rules.cli import main  # noqa: E402
from mingxing_rules.columnar import evaluate_frame, generate_offices  # noqa: E402

STAR = load_ruleset("star-judicial-office")


def test_parquet_in_parquet_out_in_batches(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    offices = generate_offices(STAR, 250, seed=4)
    offices = offices.with_columns(
        pl.when(pl.col("id") == "gen-0000007").then(-1.0).otherwise(pl.col("floor_area_m2"))
        .alias("floor_area_m2"))
    source, out = tmp_path / "offices.parquet", tmp_path / "verdicts.parquet"
    offices.write_parquet(source)
    assert main(["evaluate", "--batch", str(source), "--out", str(out),
                 "--batch-size", "60"]) == 1
    printed = capsys.readouterr().out
    assert "250 offices" in printed and "INPUT_ERROR: 1" in printed
    verdicts = pl.read_parquet(out)
    assert verdicts["row"].to_list() == list(range(250))
    refused = verdicts.filter(pl.col("outcome") == "INPUT_ERROR")
    assert refused["id"].to_list() == ["gen-0000007"]
    assert "floor_area_m2: -1.0 is below the minimum 0" in refused["error"][0]
    expected = evaluate_frame(offices, STAR).verdicts
    decided = verdicts.filter(pl.col("outcome") != "INPUT_ERROR")
    assert decided["outcome"].to_list() == expected["outcome"].to_list()
    assert decided["status.floor_area"].cast(pl.String).to_list() == expected[
        "status.floor_area"].cast(pl.String).to_list()


@pytest.mark.parametrize(("out", "message"), [
    (None, "needs --out FILE.parquet"), ("verdicts.csv", "needs --out FILE.parquet")])
def test_parquet_needs_a_parquet_output(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        out: str | None, message: str) -> None:
    source = tmp_path / "offices.parquet"
    generate_offices(STAR, 3, seed=1).write_parquet(source)
    args = ["evaluate", "--batch", str(source)]
    if out:
        args += ["--out", str(tmp_path / out)]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_a_file_that_is_not_parquet_is_an_input_error(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "offices.parquet"
    source.write_text("not parquet", encoding="utf-8")
    assert main(["evaluate", "--batch", str(source), "--out", str(tmp_path / "v.parquet")]) == 2
    error = capsys.readouterr().err
    assert "mingxing: error:" in error and "Traceback" not in error
    assert not (tmp_path / "v.parquet").exists()  # nothing half-written
