"""Decision records: every verdict kept with what it takes to defend it, and replayed later.

A :class:`DecisionLog` is an embedded SQLite database (stdlib :mod:`sqlite3`). Each record holds
the ruleset id, version and content hash, the options compiled in, the library version, the
backend, the office as validated and its hash, the time, the outcome and the verdict (canonical
JSON) and its hash. The table is append-only: triggers refuse every ``UPDATE`` and ``DELETE``.
The database carries its schema version and migrates older files forward when opened; it runs
in WAL mode with a busy timeout, and every record is written in its own ``BEGIN IMMEDIATE``
transaction (or, inside :meth:`DecisionLog.bulk`, in transactions of a few hundred), so several
processes can append to one log at once.

:func:`replay` re-evaluates every record with the recorded ruleset version and options and
says, per record, whether the verdict is **reproduced** byte for byte, **reworded** (same
decision, same status of every step; only wording such as a quoted threshold differs),
**changed** (the outcome or the status of a step moved; with the trace diff) or **unavailable**
(the recorded ruleset version can no longer be found — named).

>>> import tempfile, pathlib
>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.records import DecisionLog, replay
>>> path = pathlib.Path(tempfile.mkdtemp()) / "decisions.sqlite"
>>> with DecisionLog(path) as log:
...     verdict = log.evaluate({"id": "demo", "honours": ["five_good"],
...                             "holds_star_title": False, "major_problem": False})
...     record = log.records()[0]
>>> record.ruleset_key, record.outcome, record.input_hash[:7]
('star-judicial-office@2012.1', 'DIRECT_PROMOTION', 'sha256:')
>>> print(replay(path).to_text())
replay of 1 record(s): 1 reproduced, 0 reworded, 0 changed, 0 unavailable
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import attrs

from .engine.evaluate import evaluate
from .engine.office import Office
from .engine.trace import Verdict
from .errors import InputError, MingxingError, RulesetError
from .history import file_hash, load_history, ruleset_in_force
from .ruleset.load import Ruleset, load_ruleset
from .types import BackendName, ExtraFacts
from .version import __version__

__all__ = [
    "SCHEMA_VERSION",
    "DecisionLog",
    "DecisionLogError",
    "DecisionRecord",
    "ReplayReport",
    "ReplayResult",
    "canonical_json",
    "replay",
    "sha256_text",
    "trace_differences",
]

#: Every schema step, in order. A database records the steps it has had in ``schema_version``;
#: opening it applies the missing ones in one transaction. Never edit a shipped step: add one.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, """
        CREATE TABLE decisions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            recorded_at TEXT NOT NULL,
            office_id TEXT NOT NULL,
            ruleset_id TEXT NOT NULL,
            ruleset_version TEXT NOT NULL,
            ruleset_hash TEXT NOT NULL,
            ruleset_source TEXT NOT NULL,
            judged_on TEXT,
            options TEXT NOT NULL,
            library_version TEXT NOT NULL,
            backend TEXT NOT NULL,
            input TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            outcome TEXT NOT NULL,
            verdict TEXT NOT NULL,
            verdict_hash TEXT NOT NULL
        );
        CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decision records are append-only: no UPDATE'); END;
        CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decision records are append-only: no DELETE'); END;
    """),
    (2, """
        CREATE INDEX decisions_by_office ON decisions (office_id, seq);
        CREATE INDEX decisions_by_ruleset ON decisions (ruleset_id, ruleset_version);
    """),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
BUSY_TIMEOUT_SECONDS = 30.0
_COLUMNS = ("seq", "recorded_at", "office_id", "ruleset_id", "ruleset_version", "ruleset_hash",
            "ruleset_source", "judged_on", "options", "library_version", "backend", "input",
            "input_hash", "outcome", "verdict", "verdict_hash")


class DecisionLogError(InputError):
    """The decision log cannot be opened, migrated or written (the message says why). An
    :class:`~mingxing_rules.errors.InputError`: the file given is not a usable log."""


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value`` that hashes and compares: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def sha256_text(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@attrs.frozen
class DecisionRecord:
    """One recorded decision (a row of the log). JSON columns are kept as their exact text."""

    seq: int
    recorded_at: str
    office_id: str
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    ruleset_source: str
    judged_on: str | None
    options: str
    library_version: str
    backend: str
    input: str
    input_hash: str
    outcome: str
    verdict: str
    verdict_hash: str

    @property
    def ruleset_key(self) -> str:
        return f"{self.ruleset_id}@{self.ruleset_version}"

    def options_dict(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.options)
        return loaded

    def office(self) -> dict[str, Any]:
        """The office as it was validated and judged."""
        loaded: dict[str, Any] = json.loads(self.input)
        return loaded

    def verdict_dict(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.verdict)
        return loaded

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        for key in ("options", "input", "verdict"):
            data[key] = json.loads(data[key])
        return data


class DecisionLog:
    """An append-only log of decisions in one SQLite file (created when missing).

    ``log.evaluate(office, ruleset, on=...)`` decides and records; ``log.record(verdict,
    office, ruleset)`` records a verdict made elsewhere. ``log.records()`` reads them back in
    the order written. Safe to use from several processes at once (one connection each).
    """

    def __init__(self, path: str | Path, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self._bulk_every = 0  # records per transaction inside bulk(); 0: one each
        self._pending = 0
        try:
            self._db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise DecisionLogError(f"{self.path}: cannot open the decision log: {exc}") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._retry(lambda: self._db.execute("PRAGMA journal_mode = WAL"))
            # FULL: a record is on disk when record() returns, even across a power cut
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DecisionLogError(f"{self.path}: not a usable decision log: {exc}") from None
        except BaseException:
            self._db.close()
            raise

    # lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._pending:  # never lose what bulk() recorded
            self._commit_pending()
        self._db.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, action: Any) -> Any:
        """Run ``action``, waiting out "database is locked" up to the timeout (SQLite's busy
        handler does not cover every lock, e.g. switching the journal mode)."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise DecisionLogError(f"{self.path}: busy for more than "
                                           f"{self._timeout:g} s: {exc}") from None
                time.sleep(0.02)

    # schema ----------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self._version()

    def _version(self) -> int:
        exists = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                                  "'schema_version'").fetchone()
        if not exists:
            return 0
        row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _migrate(self, target: int = SCHEMA_VERSION) -> None:
        if self._version() >= target:
            self._check_known()
            return

        def migrate() -> None:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
                                 "PRIMARY KEY, applied_at TEXT NOT NULL)")
                current = self._version()  # again, under the write lock
                if current == 0:
                    self._refuse_foreign_database()
                for version, script in MIGRATIONS:
                    if current < version <= target:
                        for statement in _statements(script):
                            self._db.execute(statement)
                        self._db.execute("INSERT INTO schema_version VALUES (?, ?)",
                                         (version, _now()))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

        self._retry(migrate)
        self._check_known()

    def _refuse_foreign_database(self) -> None:
        """A database with tables of its own is someone else's: never add ours to it."""
        others = [row[0] for row in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
            "('schema_version', 'sqlite_sequence')")]
        if others:
            raise DecisionLogError(
                f"{self.path}: not a decision log (an SQLite database with the tables "
                f"{', '.join(sorted(others))} and no schema_version)")

    def _check_known(self) -> None:
        found = self._version()
        if found > SCHEMA_VERSION:
            raise DecisionLogError(
                f"{self.path}: decision log schema {found} is newer than this library's "
                f"({SCHEMA_VERSION}); upgrade mingxing-rules to read it")

    # writing ---------------------------------------------------------------------------------
    def evaluate(self, office: Mapping[str, Any] | Office, ruleset: Ruleset | str | None = None,
                 *, on: dt.date | str | None = None, backend: BackendName = "native",
                 extra: ExtraFacts = "error") -> Verdict:
        """Decide ``office`` (as :func:`mingxing_rules.engine.evaluate`) and record the decision."""
        judged_on: dt.date | None = None
        if on is None:
            chosen = load_ruleset(ruleset or "star-judicial-office")
        else:
            chosen, judged_on = ruleset_in_force(office, ruleset, on)
        parsed = chosen.parse_office(office, extra=extra)
        verdict = evaluate(parsed, chosen, backend=backend)
        self.record(verdict, parsed, chosen, judged_on=judged_on)
        return verdict

    def record(self, verdict: Verdict, office: Mapping[str, Any] | Office, ruleset: Ruleset,
               *, judged_on: dt.date | None = None) -> DecisionRecord:
        """Append the decision ``verdict`` made on ``office`` by ``ruleset``; the new record."""
        parsed = ruleset.parse_office(office, extra="ignore")
        if parsed.id != verdict.office_id:
            raise InputError(f"the verdict is about {verdict.office_id!r}, the office is "
                             f"{parsed.id!r}")
        if (verdict.ruleset_id, verdict.ruleset_version) != (ruleset.id, ruleset.version):
            raise RulesetError(f"the verdict was made by {verdict.ruleset_id}@"
                               f"{verdict.ruleset_version}, not by {ruleset.key}")
        source = ruleset.path
        content = file_hash(source) if source is not None and source.is_file() else "unknown"
        office_text = canonical_json(parsed.to_dict())
        verdict_text = canonical_json(verdict.to_dict())
        values = (_now(), parsed.id, ruleset.id, ruleset.version, content,
                  str(source.resolve()) if source is not None else "",
                  judged_on.isoformat() if judged_on is not None else None,
                  canonical_json(ruleset.options), __version__, verdict.backend, office_text,
                  sha256_text(office_text), verdict.outcome, verdict_text,
                  sha256_text(verdict_text))

        insert = (f"INSERT INTO decisions ({', '.join(_COLUMNS[1:])}) VALUES "
                  f"({', '.join('?' * (len(_COLUMNS) - 1))})")
        if self._bulk_every:
            if self._pending == 0:
                self._retry(lambda: self._db.execute("BEGIN IMMEDIATE"))
            seq = int(self._db.execute(insert, values).lastrowid or 0)
            self._pending += 1
            if self._pending >= self._bulk_every:
                self._commit_pending()
            return DecisionRecord(seq, *values)

        def insert_one() -> int:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(insert, values)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid or 0)

        seq = self._retry(insert_one)
        return DecisionRecord(seq, *values)

    @contextlib.contextmanager
    def bulk(self, every: int = 200) -> Iterator[DecisionLog]:
        """Record in transactions of up to ``every`` records instead of one each.

        One fsync per transaction instead of per record: for batches. Other writers wait while
        a transaction is open (at most ``every`` records), and what was recorded is committed
        when the block ends, even by an exception.
        """
        if every < 1:
            raise ValueError(f"every must be at least 1, not {every}")
        self._bulk_every, self._pending = every, 0
        try:
            yield self
        finally:
            self._commit_pending()
            self._bulk_every = 0

    def _commit_pending(self) -> None:
        if self._pending:
            self._db.execute("COMMIT")
            self._pending = 0

    # reading ---------------------------------------------------------------------------------
    def records(self, *, office_id: str | None = None) -> list[DecisionRecord]:
        """The records in the order written (optionally only one office's)."""
        return list(self.iter_records(office_id=office_id))

    def iter_records(self, *, office_id: str | None = None) -> Iterator[DecisionRecord]:
        query = f"SELECT {', '.join(_COLUMNS)} FROM decisions"
        arguments: tuple[Any, ...] = ()
        if office_id is not None:
            query += " WHERE office_id = ?"
            arguments = (office_id,)
        for row in self._db.execute(query + " ORDER BY seq", arguments):
            yield DecisionRecord(*row)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def __iter__(self) -> Iterator[DecisionRecord]:
        return self.iter_records()


def _statements(script: str) -> list[str]:
    """The statements of a migration script (triggers keep their inner ``;``)."""
    statements: list[str] = []
    buffer = ""
    for line in script.strip().splitlines():
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------------------------- replay
ReplayStatus = Literal["reproduced", "reworded", "changed", "unavailable"]

#: What a step's decision is: these differ only when the verdict's reasons moved.
_DECISION_KEYS = ("outcome", "effect", "decided", "decided_by", "possible_outcomes",
                  "missing_facts")
_STEP_DECISION_KEYS = ("status", "value", "role")


@attrs.frozen
class ReplayResult:
    """What replaying one record gave."""

    seq: int
    office_id: str
    ruleset: str  # id@version as recorded
    status: ReplayStatus
    differences: tuple[str, ...] = ()  # the trace diff (changed, reworded)
    reason: str = ""  # why it cannot be replayed; or a note (content hash differs)
    old_outcome: str = ""
    new_outcome: str = ""

    def summary(self) -> str:
        head = f"#{self.seq} {self.office_id} {self.ruleset}: {self.status}"
        if self.status in ("changed", "reworded") and self.old_outcome != self.new_outcome:
            head += f" ({self.old_outcome} -> {self.new_outcome})"
        if self.reason:
            head += f" — {self.reason}"
        return "\n".join([head, *(f"    {d}" for d in self.differences)])

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, value_serializer=lambda _i, _a, v: list(v)
                            if isinstance(v, tuple) else v)


@attrs.frozen
class ReplayReport:
    """Every record's replay. ``drifted``: a record changed or cannot be replayed."""

    results: tuple[ReplayResult, ...]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("reproduced", "reworded", "changed", "unavailable"), 0)
        for result in self.results:
            counts[result.status] += 1
        return counts

    def by_status(self, status: ReplayStatus) -> tuple[ReplayResult, ...]:
        return tuple(r for r in self.results if r.status == status)

    def drifted(self, *, strict: bool = False) -> bool:
        """Whether any published verdict moved or cannot be checked (``strict``: or was
        reworded)."""
        bad = {"changed", "unavailable"} | ({"reworded"} if strict else set())
        return any(r.status in bad for r in self.results)

    def to_text(self, *, verbose: bool = False) -> str:
        counts = self.counts()
        lines = [f"replay of {len(self.results)} record(s): "
                 + ", ".join(f"{n} {s}" for s, n in counts.items())]
        for result in self.results:
            if verbose or result.status in ("changed", "unavailable"):
                lines.append(result.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts(), "drifted": self.drifted(),
                "results": [r.to_dict() for r in self.results]}


def replay(log: str | Path | DecisionLog, *, rulesets: Iterable[str | Path] = (),
           backend: BackendName | None = None) -> ReplayReport:
    """Re-evaluate every record with its recorded ruleset version, options and backend.

    The version is looked for in the bundled history of its id, in the histories (index files,
    directories, ruleset files) given in ``rulesets``, and at the path it was loaded from; a
    file whose bytes still hash as recorded is preferred. ``backend`` overrides the recorded
    backend.
    """
    opened = log if isinstance(log, DecisionLog) else DecisionLog(log)
    finder = _VersionFinder(rulesets)
    try:
        return ReplayReport(tuple(_replay_one(r, finder, backend) for r in opened))
    finally:
        if opened is not log:
            opened.close()


class _VersionFinder:
    """Where each recorded ruleset version can be found now."""

    def __init__(self, sources: Iterable[str | Path]) -> None:
        self._extra = [load_history(s) for s in sources]
        self._cache: dict[tuple[str, str, str, str], tuple[Path | None, str]] = {}

    def find(self, record: DecisionRecord) -> tuple[Path | None, str]:
        """``(path, note)``, or ``(None, why not)``."""
        key = (record.ruleset_id, record.ruleset_version, record.ruleset_hash,
               record.ruleset_source)
        if key not in self._cache:
            self._cache[key] = self._search(record)
        return self._cache[key]

    def _search(self, record: DecisionRecord) -> tuple[Path | None, str]:
        candidates: list[Path] = []
        known: set[str] = set()
        histories = list(self._extra)
        with contextlib.suppress(RulesetError):
            histories.append(load_history(record.ruleset_id))
        for history in histories:
            if history.id != record.ruleset_id:
                continue
            for version in history.versions:
                known.add(version.version)
                if version.version == record.ruleset_version:
                    candidates.append(version.path)
        recorded = Path(record.ruleset_source) if record.ruleset_source else None
        if recorded is not None and recorded.is_file():
            try:
                spec = load_ruleset(recorded).spec
            except RulesetError:
                spec = None
            if spec is not None and (spec.id, spec.version) == (record.ruleset_id,
                                                                 record.ruleset_version):
                candidates.append(recorded)
        if not candidates:
            listed = ", ".join(sorted(known)) or "none"
            return None, (f"ruleset version {record.ruleset_key} is no longer available "
                          f"(versions found: {listed})")
        for path in candidates:
            if file_hash(path) == record.ruleset_hash:
                return path, ""
        return candidates[0], (f"the file of {record.ruleset_key} changed since it was "
                               f"recorded ({record.ruleset_hash[:19]}… now "
                               f"{file_hash(candidates[0])[:19]}…)")


def _replay_one(record: DecisionRecord, finder: _VersionFinder, backend: BackendName | None
                ) -> ReplayResult:
    base = ReplayResult(record.seq, record.office_id, record.ruleset_key, "unavailable",
                        old_outcome=record.outcome)
    path, note = finder.find(record)
    if path is None:
        return attrs.evolve(base, reason=note)
    try:
        options, office = record.options_dict(), record.office()
    except ValueError as error:  # a row not written by DecisionLog
        return attrs.evolve(base, reason=f"the record cannot be read: {error}")
    try:
        ruleset = load_ruleset(path, options=options)
    except RulesetError as error:
        return attrs.evolve(base, reason=f"{record.ruleset_key} with the recorded options does "
                                         f"not load: {error.message}")
    try:
        verdict = evaluate(office, ruleset, backend=backend or _backend(record.backend))
    except InputError as error:
        return attrs.evolve(base, status="changed", new_outcome="INPUT_ERROR", differences=(
            f"the recorded office is no longer accepted: {error}",), reason=note)
    except MingxingError as error:
        return attrs.evolve(base, reason=str(error))
    text = canonical_json(verdict.to_dict())
    if text == record.verdict:
        return attrs.evolve(base, status="reproduced", new_outcome=verdict.outcome, reason=note)
    try:
        recorded = record.verdict_dict()
    except ValueError:
        recorded = {}
    decision, wording = trace_differences(recorded, verdict.to_dict())
    return attrs.evolve(base, status="changed" if decision else "reworded",
                        new_outcome=verdict.outcome, differences=(*decision, *wording),
                        reason=note)


def _backend(name: str) -> BackendName:
    for known in get_args(BackendName):
        if name == known:
            return known  # type: ignore[no-any-return]
    raise MingxingError(f"unknown backend {name!r} in the record")


def trace_differences(old: Mapping[str, Any], new: Mapping[str, Any]
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(decision, wording)``: how two verdict documents differ, one line per difference.

    *Decision* differences move the verdict or its reasons: the outcome, effect, possible
    outcomes, missing facts, and each step's status, value and the values it read. *Wording*
    differences are everything else (conditions as written, thresholds shown, titles, quotes).
    """
    decision: list[str] = []
    wording: list[str] = []
    for key in sorted(old.keys() | new.keys()):
        if key == "trace" or old.get(key) == new.get(key):
            continue
        line = f"{key}: {_short(old.get(key))} -> {_short(new.get(key))}"
        (decision if key in _DECISION_KEYS else wording).append(line)
    before = {s["id"]: s for s in old.get("trace", ()) if isinstance(s, Mapping)}
    after = {s["id"]: s for s in new.get("trace", ()) if isinstance(s, Mapping)}
    for step_id in [*before, *(i for i in after if i not in before)]:
        a, b = before.get(step_id), after.get(step_id)
        if a is None or b is None:
            kept = a if b is None else b
            assert kept is not None
            decision.append(f"{kept.get('kind', 'step')} {step_id}: "
                            f"{'removed' if b is None else 'added'}")
            continue
        if a == b:
            continue
        label = f"{b.get('kind', 'step')} {step_id}"
        for key in sorted(a.keys() | b.keys()):
            if key == "reads" or a.get(key) == b.get(key):
                continue
            line = f"{label} {key}: {_short(a.get(key))} -> {_short(b.get(key))}"
            (decision if key in _STEP_DECISION_KEYS else wording).append(line)
        old_reads = {r.get("name"): r for r in a.get("reads", ())}
        new_reads = {r.get("name"): r for r in b.get("reads", ())}
        for name in [*old_reads, *(n for n in new_reads if n not in old_reads)]:
            x, y = old_reads.get(name), new_reads.get(name)
            if x == y:
                continue
            if x is None or y is None or x.get("value") != y.get("value"):
                decision.append(f"{label} reads {name}: "
                                f"{_short(x.get('value') if x else '(not read)')} -> "
                                f"{_short(y.get('value') if y else '(not read)')}")
            else:
                wording.append(f"{label} reads {name}: {_short(x)} -> {_short(y)}")
    return tuple(decision), tuple(wording)


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def records_from(source: str | Path | DecisionLog | Sequence[DecisionRecord]
                 ) -> list[DecisionRecord]:
    """The records of a log file, an open log, or a list of records."""
    if isinstance(source, DecisionLog):
        return source.records()
    if isinstance(source, str | Path):
        with DecisionLog(source) as log:
            return log.records()
    return list(source)
