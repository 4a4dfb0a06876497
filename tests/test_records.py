"""Decision records: the SQLite log (append-only, schema versions, concurrent writers) and replay."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from records_helpers import OFFICES, write_records

from mingxing_rules import Ruleset, __version__, evaluate, load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.history import file_hash
from mingxing_rules.records import (
    MIGRATIONS,
    SCHEMA_VERSION,
    DecisionLog,
    DecisionLogError,
    canonical_json,
    replay,
    sha256_text,
)
from mingxing_rules.strategies import offices

STAR = load_ruleset("star-judicial-office")
RULESET_FILE = Path(__file__).resolve().parent.parent / "rulesets" / "star-judicial-office.yaml"


def office_file(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((OFFICES / f"{name}.json").read_text("utf-8"))
    return loaded


def test_a_record_holds_what_defends_the_decision(tmp_path: Path) -> None:
    office = office_file("near-miss-staff")
    with DecisionLog(tmp_path / "d.sqlite") as log:
        verdict = log.evaluate(office, STAR)
        (record,) = log.records()
    assert (record.ruleset_id, record.ruleset_version) == ("star-judicial-office", "2012.1")
    assert record.ruleset_hash == file_hash(RULESET_FILE)
    assert record.ruleset_source == str(RULESET_FILE)
    assert record.options_dict() == STAR.options
    assert record.library_version == __version__
    assert record.backend == "native"
    assert record.input_hash == sha256_text(record.input)
    assert record.office() == STAR.parse_office(office).to_dict()
    assert record.verdict == canonical_json(verdict.to_dict())
    assert record.verdict_hash == sha256_text(record.verdict)
    assert record.outcome == verdict.outcome == "NOT_ELIGIBLE"
    assert record.recorded_at.endswith("+00:00")
    assert record.judged_on is None


def test_records_are_never_updated_or_deleted(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    with DecisionLog(path) as log:
        log.evaluate(office_file("star-by-assessment"))
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE decisions SET outcome = 'NOT_ELIGIBLE'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM decisions")
    raw.close()
    with DecisionLog(path) as log:
        assert [r.outcome for r in log] == ["STAR"]


def test_the_log_records_the_schema_version_and_migrates_old_files(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    # a log as the first schema made it, with one record in it
    raw = sqlite3.connect(path)
    raw.executescript("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at "
                      "TEXT NOT NULL);" + MIGRATIONS[0][1]
                      + "INSERT INTO schema_version VALUES (1, '2014-01-01');")
    with DecisionLog(tmp_path / "new.sqlite") as fresh:
        fresh.evaluate(office_file("star-by-assessment"))
        columns = ", ".join(k for k in fresh.records()[0].to_dict() if k != "seq")
        row = [getattr(fresh.records()[0], k) for k in columns.split(", ")]
        assert fresh.schema_version == SCHEMA_VERSION == 2
    raw.execute(f"INSERT INTO decisions ({columns}) VALUES ({', '.join('?' * len(row))})", row)
    raw.commit()
    raw.close()
    with DecisionLog(path) as log:
        assert log.schema_version == SCHEMA_VERSION
        assert [r.outcome for r in log] == ["STAR"]
        indexes = {r[0] for r in log._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"decisions_by_office", "decisions_by_ruleset"} <= indexes
    assert replay(path).counts()["reproduced"] == 1


def test_a_log_from_a_newer_library_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    DecisionLog(path).close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO schema_version VALUES (99, '2030-01-01')")
    raw.commit()
    raw.close()
    with pytest.raises(DecisionLogError, match="schema 99 is newer"):
        DecisionLog(path)


def test_a_file_that_is_not_a_log_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    path.write_text("not a database at all " * 100)
    with pytest.raises(DecisionLogError, match="not a usable decision log"):
        DecisionLog(path)


def test_bulk_records_in_few_transactions_and_keeps_them_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    names = ("star-by-assessment", "near-miss-staff", "retained-star", "failing-many",
             "promotion-five-good")
    with DecisionLog(path) as log:
        with pytest.raises(RuntimeError, match="interrupted"), log.bulk(every=2):
            for name in names:
                log.evaluate(office_file(name))
                # a second connection sees only committed transactions of two
                with DecisionLog(path) as reader:
                    assert len(reader) == 2 * (len(log) // 2)
            raise RuntimeError("interrupted")
        assert len(log) == len(names)  # the open transaction was committed, not lost
        log.evaluate(office_file("retained-star"))  # and recording goes on one by one
    with DecisionLog(path) as log:
        assert [r.office_id for r in log] == [*names, "retained-star"]
    with pytest.raises(ValueError, match="at least 1"), DecisionLog(path) as log, log.bulk(0):
        pass


def test_another_sqlite_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(DecisionLogError, match=r"not a decision log .*customers"):
        DecisionLog(path)
    raw = sqlite3.connect(path)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    raw.close()
    assert tables == {"customers"}


def test_the_log_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "d.sqlite") as log:
        assert log._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert log._db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_concurrent_writers_from_several_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")  # created by the racing writers themselves
    workers, each = 4, 12
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        written = pool.starmap(write_records, [(path, w, each) for w in range(workers)])
    with DecisionLog(path) as log:
        records = log.records()
    assert len(records) == workers * each
    assert sorted(seq for seqs in written for seq in seqs) == [r.seq for r in records]
    assert len({r.office_id for r in records}) == workers * each
    assert replay(path).counts()["reproduced"] == workers * each


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(offices(STAR, missing=0.1), min_size=1, max_size=4))
def test_done_when_a_log_replays_byte_for_byte(tmp_path_factory: pytest.TempPathFactory,
                                               batch: list[dict[str, object]]) -> None:
    path = tmp_path_factory.mktemp("log") / "d.sqlite"
    with DecisionLog(path) as log:
        for office in batch:
            log.evaluate(office, STAR)
        recorded = [r.verdict for r in log]
    report = replay(path)
    assert [r.status for r in report.results] == ["reproduced"] * len(batch)
    assert not report.drifted(strict=True)
    # and the bytes are the bytes: re-evaluating the recorded input gives the recorded text
    with DecisionLog(path) as log:
        for record, text in zip(log, recorded, strict=True):
            again = evaluate(record.office(), STAR)
            assert canonical_json(again.to_dict()) == text == record.verdict


def _with_threshold(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the Star ruleset, as its own version ``2012.1-copy`` (replay would prefer the
    bundled file whose bytes hash as recorded), with one text replaced; each edit is dated a
    minute after the last, as loaded rulesets are cached by modification time."""
    text = RULESET_FILE.read_text("utf-8")
    assert text.count(old) == 1
    if 'version: "2012.1"' not in (old, new):
        text = text.replace('version: "2012.1"', 'version: "2012.1-copy"')
    target = tmp_path / "star.yaml"
    stamp = target.stat().st_mtime + 60 if target.exists() else None
    target.write_text(text.replace(old, new), "utf-8")
    if stamp is not None:
        os.utime(target, (stamp, stamp))
    return target


MEDIATION_96 = "condition: mediation_success_rate >= 0.96"
MEDIATION_97 = "condition: mediation_success_rate >= 0.97"
#: One ruleset file edited back and forth between two contents, each with its own modification
#: time, so that both readings stay compiled in the load cache across examples.
_EDITED = Path(tempfile.mkdtemp(prefix="mingxing-drift-"))


def _edit(threshold: str) -> tuple[Path, Ruleset]:
    path = _with_threshold(_EDITED, MEDIATION_96, threshold)
    stamp = 1_400_000_000 if threshold == MEDIATION_96 else 1_400_000_600
    os.utime(path, (stamp, stamp))
    return path, load_ruleset(path)


@settings(max_examples=15, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(offices(STAR, missing=0.05), min_size=3, max_size=8))
@example(batch=[office_file(n) for n in ("star-exact-boundaries", "star-by-assessment",
                                      "near-miss-mediation-success", "undecided-missing-count")])
def test_done_when_a_changed_threshold_reports_exactly_the_affected_records(
        tmp_path_factory: pytest.TempPathFactory, batch: list[dict[str, object]]) -> None:
    path = tmp_path_factory.mktemp("drift") / "d.sqlite"
    _, before = _edit(MEDIATION_96)
    with DecisionLog(path) as log:
        for n, office in enumerate(batch):
            log.evaluate({**office, "id": f"o{n}"}, before)
    # the maintainer raises the threshold in place, without a new version
    _, after = _edit(MEDIATION_97)
    assert after.version == before.version
    affected = set()
    for n, office in enumerate(batch):
        old = evaluate(office, before).trace.step("mediation_success_96").status
        new = evaluate(office, after).trace.step("mediation_success_96").status
        if old != new:
            affected.add(f"o{n}")
    report = replay(path)
    assert {r.office_id for r in report.by_status("changed")} == affected
    assert {r.office_id for r in report.by_status("reworded")} == {
        f"o{n}" for n in range(len(batch))} - affected
    for result in report.by_status("changed"):
        assert any("mediation_success_96 status" in d for d in result.differences)
        assert "changed since it was recorded" in result.reason
    assert report.drifted() == bool(affected)


def test_replay_names_a_version_that_is_no_longer_available(tmp_path: Path) -> None:
    source = _with_threshold(tmp_path, 'version: "2012.1"', 'version: "2013.9"')
    path = tmp_path / "d.sqlite"
    with DecisionLog(path) as log:
        log.evaluate(office_file("star-by-assessment"), load_ruleset(source))
    source.unlink()
    report = replay(path)
    (result,) = report.results
    assert result.status == "unavailable"
    assert "star-judicial-office@2013.9 is no longer available" in result.reason
    assert "versions found: 2012.1, 2014.1" in result.reason
    assert report.drifted()


def test_replay_finds_a_moved_version_in_a_given_history(tmp_path: Path) -> None:
    source = _with_threshold(tmp_path, 'version: "2012.1"', 'version: "2013.9"')
    path = tmp_path / "d.sqlite"
    with DecisionLog(path) as log:
        log.evaluate(office_file("star-by-assessment"), load_ruleset(source))
    moved = tmp_path / "archive"
    moved.mkdir()
    source.rename(moved / "star.yaml")
    assert replay(path, rulesets=[moved]).counts()["reproduced"] == 1


def test_dated_decisions_record_the_day_that_chose_the_version(tmp_path: Path) -> None:
    office = office_file("star-exact-boundaries")
    with DecisionLog(tmp_path / "d.sqlite") as log:
        assert log.evaluate(office, on="assessment").ruleset_version == "2014.1"
        assert log.evaluate(office, on="2013-05-01").ruleset_version == "2012.1"
        first, second = log.records()
    assert (first.judged_on, first.ruleset_version) == ("2014-11-30", "2014.1")
    assert (second.judged_on, second.ruleset_version) == ("2013-05-01", "2012.1")
    assert replay(tmp_path / "d.sqlite").counts()["reproduced"] == 2


def test_cli_evaluate_log_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "decisions.sqlite"
    files = [str(OFFICES / f"{n}.json") for n in ("star-by-assessment", "near-miss-staff")]
    assert main(["evaluate", *files, "--log", str(path), "--format", "json"]) == 0
    capsys.readouterr()
    with DecisionLog(path) as log:
        assert [r.office_id for r in log] == ["star-by-assessment", "near-miss-staff"]
    assert main(["replay", str(path)]) == 0
    assert "2 reproduced" in capsys.readouterr().out
    assert main(["replay", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["reproduced"] == 2 and data["drifted"] is False


def test_cli_replay_exit_code_says_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    source = _with_threshold(tmp_path, "condition: mediation_success_rate >= 0.96",
                             "condition: mediation_success_rate >= 0.96")
    path = tmp_path / "decisions.sqlite"
    office = str(OFFICES / "star-exact-boundaries.json")
    assert main(["evaluate", office, "--ruleset", str(source), "--log", str(path)]) == 0
    _with_threshold(tmp_path, "condition: mediation_success_rate >= 0.96",
                    "condition: mediation_success_rate >= 0.97")
    capsys.readouterr()
    assert main(["replay", str(path)]) == 1
    out = capsys.readouterr().out
    assert "1 changed" in out
    assert "STAR -> NOT_ELIGIBLE" in out
    assert "criterion mediation_success_96 status: pass -> fail" in out


def test_cli_replay_of_a_missing_log_is_a_usage_error(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "nope.sqlite")]) == 2
    assert "no decision log" in capsys.readouterr().err


def test_cli_batch_log_records_what_each_verdict_read(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "offices.jsonl"
    names = ("star-by-assessment", "near-miss-staff", "undecided-missing-count")
    batch.write_text("".join(json.dumps(office_file(n), ensure_ascii=False) + "\n" for n in names)
                     + "{not json\n", "utf-8")
    path = tmp_path / "decisions.sqlite"
    assert main(["evaluate", "--batch", str(batch), "--out", str(tmp_path / "r.jsonl"),
                 "--log", str(path)]) == 1  # the broken line is reported, not recorded
    with DecisionLog(path) as log:
        assert [r.office_id for r in log] == list(names)
    capsys.readouterr()
    assert main(["replay", str(path)]) == 0
    assert "3 reproduced" in capsys.readouterr().out
    assert main(["evaluate", "--batch", str(batch), "--on", "2014-01-01"]) == 2
    assert "--on judges office .json files one by one" in capsys.readouterr().err


def test_a_damaged_row_is_reported_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    with DecisionLog(path) as log:
        log.evaluate(office_file("star-by-assessment"))
        record = log.records()[0]
    raw = sqlite3.connect(path)
    columns = [k for k in record.to_dict() if k != "seq"]
    values = [getattr(record, k) for k in columns]
    values[columns.index("options")] = "{not json"
    values[columns.index("office_id")] = "damaged"
    raw.execute(f"INSERT INTO decisions ({', '.join(columns)}) VALUES "
                f"({', '.join('?' * len(columns))})", values)
    raw.commit()
    raw.close()
    report = replay(path)
    assert [r.status for r in report.results] == ["reproduced", "unavailable"]
    assert "the record cannot be read" in report.results[1].reason
