"""The same rules on a Dask cluster: two worker processes give the single-process frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from mingxing_rules import dask as mingxing_dask  # noqa: E402
from mingxing_rules import load_ruleset  # noqa: E402
from mingxing_rules.columnar import evaluate_frame, frame_from_offices  # noqa: E402

STAR = load_ruleset("star-judicial-office", options={"revocation_mode": "automatic"})


def population() -> list[dict[str, object]]:
    return [{"id": f"o{i:03}", "floor_area_m2": float(180 + i), "staff_count": i % 9,
             "honours": ["five_good"] if i % 7 == 0 else [], "holds_star_title": i % 3 == 0,
             "major_problem": None if i % 5 == 0 else i % 2 == 0,
             "disputes_mediated_count": 50, "disputes_resolved_count": 48 + i % 4,
             "submitted_on": f"2014-11-{20 + i % 11}", "assessment_year": 2014}
            for i in range(60)]


QUIET = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
         pytest.mark.filterwarnings("ignore::ResourceWarning"),
         pytest.mark.filterwarnings("ignore::UserWarning")]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two worker processes (one thread each), shared by the tests of this module."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


@pytest.mark.usefixtures("cluster")
@QUIET[0]
@QUIET[1]
@QUIET[2]
def test_two_worker_processes_equal_one_process(cluster: Any, tmp_path: Path) -> None:
    frame = frame_from_offices(population(), STAR)
    source = tmp_path / "offices.parquet"
    frame.write_parquet(source)
    single = evaluate_frame(frame, STAR)
    with distributed.Client(cluster):
        ddf = dd.read_parquet(str(source)).repartition(npartitions=4)
        result = mingxing_dask.evaluate(ddf, STAR).compute()
    result = pl.from_pandas(result).sort("id")
    errors = result.filter(pl.col("outcome") == mingxing_dask.INPUT_ERROR)
    assert sorted(errors["id"].to_list()) == sorted(single.problems["office_id"].unique()
                                                    .to_list())
    assert len(errors) > 0  # 51 resolved of 50 mediated: a derived bound, refused on a worker
    verdicts = result.filter(pl.col("outcome") != mingxing_dask.INPUT_ERROR).drop("error")
    expected = single.verdicts.sort("id")
    assert verdicts.columns == expected.columns
    for column in expected.columns:
        if column == "row":
            continue
        left = verdicts[column].cast(pl.String) if column.startswith("status.") else verdicts[column]
        right = expected[column].cast(pl.String) if column.startswith("status.") else expected[column]
        assert left.to_list() == right.to_list(), column


@QUIET[0]
@QUIET[1]
@QUIET[2]
def test_cli_on_a_scheduler_equals_the_cli_on_one_process(cluster: Any, tmp_path: Path) -> None:
    from mingxing_rules.cli import main

    source = tmp_path / "offices.parquet"
    frame_from_offices(population(), STAR).write_parquet(source)
    local, remote = tmp_path / "local.parquet", tmp_path / "remote.parquet"
    option = ["--option", "revocation_mode=automatic"]
    assert main(["evaluate", "--batch", str(source), "--out", str(local), *option,
                 "--batch-size", "25"]) == 1  # some rows are refused
    assert main(["evaluate", "--batch", str(source), "--out", str(remote), *option,
                 "--scheduler", cluster.scheduler_address]) == 1
    left, right = pl.read_parquet(local), pl.read_parquet(remote)
    assert left["row"].to_list() == list(range(60))
    assert left.columns == right.columns
    for column in left.columns:
        assert [str(v) for v in left[column].to_list()] == [str(v) for v in right[column]
                                                            .to_list()], column


def test_the_ruleset_travels_as_text_and_options() -> None:
    text, name, options = mingxing_dask.ruleset_source(STAR)
    assert name == "star-judicial-office.yaml"
    assert "revocation_mode" in text and '"revocation_mode": "automatic"' in options
    assert all(isinstance(part, str) for part in (text, name, options))


def test_arrow_batches_as_spark_map_in_arrow_would_run_them() -> None:
    pa = pytest.importorskip("pyarrow")
    source = mingxing_dask.ruleset_source(STAR)
    schema = mingxing_dask.verdict_schema(source, plain=True)
    offices = frame_from_offices(population(), STAR).to_arrow()

    def verdicts(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            yield from mingxing_dask.evaluate_arrow(batch, source, plain=True).cast(
                schema).to_batches()

    table = pa.Table.from_batches(list(verdicts(iter(offices.to_batches(max_chunksize=16)))),
                                  schema=schema)
    single = evaluate_frame(frame_from_offices(population(), STAR), STAR).verdicts
    decided = pl.from_arrow(table).filter(pl.col("outcome") != mingxing_dask.INPUT_ERROR)
    assert decided["outcome"].to_list() == single["outcome"].to_list()
    assert decided["status.floor_area"].to_list() == single["status.floor_area"].cast(
        pl.String).to_list()
