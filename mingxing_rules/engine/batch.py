"""Evaluate many offices: lists of dicts, JSON Lines, JSON, CSV or a pandas DataFrame.

>>> from mingxing_rules import load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> result = evaluate_many("examples/offices.jsonl", ruleset)  # doctest: +SKIP

Every input row ends up either as a verdict or as a :class:`RowError` (its row number, office id
and the :class:`~mingxing_rules.errors.InputError`): nothing is dropped, and
``len(result.verdicts) + len(result.errors) == result.total``.

CSV cells are text; they are converted by the ruleset's fact types: numbers; booleans and panel
findings from ``true``/``false``, ``yes``/``no``, ``1``/``0``, ``是``/``否``; sets as
``a;b;c`` (``-`` or ``无`` for the empty set); dates as ``YYYY-MM-DD``; an empty cell is a missing
fact. A finding's evidence may sit in a ``<fact>.evidence`` column (and ``<fact>.by``). A cell
that does not convert is passed on as it is, so that validation reports it with the row.

pandas is optional: :meth:`BatchResult.to_frame` imports it when called.
"""

from __future__ import annotations

import collections
import csv
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from .. import fastjson, jsonio
from ..atomic import atomic_open
from ..compile.codegen import NA
from ..errors import InputError, InputProblem, MingxingError
from ..explain import Wording, check_lang, check_lang_and_format, office_label, write
from ..explain.report import Cell, Document, Line, Row, Section, Table
from ..jsonio import JsonMixin, text_from, text_to
from ..progress import Progress
from ..ruleset.load import Ruleset, load_ruleset
from ..ruleset.model import FactSpec, RulesetSpec, Text
from ..types import BackendName, ExtraFacts, Format, Lang, OnError
from .evaluate import evaluate
from .office import has_surrogate
from .trace import Status, Verdict

__all__ = [
    "BatchResult",
    "BatchSummary",
    "FastRecord",
    "RowError",
    "Tally",
    "evaluate_many",
    "evaluate_record",
    "iter_evaluate",
    "jsonl_line",
    "jsonl_lines",
    "jsonl_record",
    "read_offices",
    "row_place",
]

OfficeSource = Iterable[Mapping[str, Any]] | str | Path | Any  # Any: a pandas DataFrame

_TRUE = {"true", "yes", "y", "1", "是", "有", "t"}
_FALSE = {"false", "no", "n", "0", "否", "无", "没有", "f"}
_EMPTY_SET = {"-", "无", "none", "[]"}
_SET_SEPARATORS = (";", "；", "|")


@attrs.frozen
class RowError:
    """An input row that could not be evaluated."""

    row: int  # 1-based position among the records (a CSV header is not a record)
    office_id: str | None
    error: InputError
    line: int | None = None  # line in the file, for file input
    file: str | None = None  # the file, for file input

    @property
    def message(self) -> str:
        """Every problem of the row, in one line."""
        return "; ".join(str(p) for p in self.error.problems) or self.error.message

    def short_message(self, limit: int = 3, more: str = "and {count} more") -> str:
        """The first ``limit`` problems (a row of a wrong file can have a hundred)."""
        problems = [str(p) for p in self.error.problems] or [self.error.message]
        shown = "; ".join(problems[:limit])
        if len(problems) > limit:
            shown += "; " + more.format(count=len(problems) - limit)
        return shown

    def __str__(self) -> str:
        return f"{row_place(self.row, self.line, self.file, self.office_id)}: {self.message}"


# -- reading ---------------------------------------------------------------------------------------


def _ruleset(ruleset: Ruleset | str | None) -> Ruleset:
    if isinstance(ruleset, Ruleset):
        return ruleset
    return load_ruleset(ruleset or "star-judicial-office")


def convert_cell(fact: FactSpec | None, text: str) -> Any:
    """A CSV cell (text) as the value the fact's type expects; ``None`` for an empty cell."""
    text = text.strip()
    if text == "":
        return None
    if fact is None:
        return text
    if fact.type in ("number", "integer"):
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return text
        if math.isfinite(number) and number.is_integer() and (
                fact.type == "integer" or "." not in text):
            return int(number)
        return number
    if fact.type in ("boolean", "finding"):
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return text
    if fact.type == "set":
        if text.lower() in _EMPTY_SET:
            return []
        for separator in _SET_SEPARATORS:
            text = text.replace(separator, ";")
        return [item.strip() for item in text.split(";") if item.strip()]
    return text


def _convert_row(row: Mapping[str, Any], facts: Mapping[str, FactSpec]) -> dict[str, Any]:
    """One CSV or DataFrame row as office data: typed values, findings with their evidence."""
    data: dict[str, Any] = {}
    notes: dict[str, dict[str, str]] = {}
    for column, raw in row.items():
        if column is None:  # csv puts surplus cells of a ragged row under None
            data.setdefault("$extra", raw)
            continue
        key = str(column).strip()
        value = _plain(raw)
        if value is None:
            continue
        base, dot, part = key.rpartition(".")
        if dot and part in ("evidence", "by") and base in facts:
            if isinstance(value, str) and value.strip():
                notes.setdefault(base, {})[part] = value.strip()
            continue
        if isinstance(value, str):
            value = convert_cell(facts.get(key), value)
            if value is None:
                continue
        elif _is_flag(facts.get(key)) and type(value) in (int, float) and value in (0, 1):
            value = bool(value)  # pandas stores a boolean column with gaps as 1.0 / 0.0 / NaN
        data[key] = value
    for name, note in notes.items():
        met = data.get(name)
        if isinstance(met, bool) or met is None:
            data[name] = {"met": met, **note}
    return data


def _is_flag(fact: FactSpec | None) -> bool:
    return fact is not None and fact.type in ("boolean", "finding")


def _plain(value: Any) -> Any:
    """Plain Python values from pandas/numpy cells; NaN and NA are missing."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        value = item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, tuple):
        return list(value)
    return value


_Record = tuple[int, int | None, "dict[str, Any] | InputError | FastRecord"]

MAX_RECORD_BYTES = 1024 * 1024  # one line of JSON Lines, one CSV row: an office needs ~3 kB
MAX_JSON_FILE_BYTES = 256 * 1024 * 1024  # a whole .json file is parsed at once; use .jsonl
_BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, as Excel writes it


def _bad_record(message: str, value: Any = None) -> InputError:
    return InputError.from_problems([InputProblem("$", value, "an office record", message)])


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)`` of each line, at most :data:`MAX_RECORD_BYTES` read per line: a
    longer line (a file without newlines) gives ``None`` and is skipped without being held."""
    number = 0
    while True:
        chunk = handle.readline(MAX_RECORD_BYTES + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > MAX_RECORD_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # skip the rest of the long line
                chunk = handle.readline(MAX_RECORD_BYTES)
            yield number, None
            continue
        yield number, chunk


@attrs.frozen
class FastRecord:
    """A JSON Lines record read by :func:`mingxing_rules.fastjson.record`: kept only if the
    office validates as it is; otherwise ``raw`` is read again by the strict reader, so that a
    bad record is reported exactly as without the fast reader."""

    data: dict[str, Any]
    raw: bytes


def _strictly(raw: bytes) -> dict[str, Any] | InputError:
    try:
        data = jsonio.loads(raw)
    except jsonio.JsonInputError as exc:
        return _bad_record(exc.message)
    return data if isinstance(data, dict) else _bad_record(
        "a JSON Lines record must be an object", _preview(data))


def jsonl_lines(path: Path) -> Iterator[tuple[int, int, bytes | None]]:
    """``(row, line number, bytes)`` of each record of a JSON Lines file (blank lines skipped,
    a leading byte-order mark dropped); the bytes are ``None`` for a line too long to hold."""
    with path.open("rb") as handle:
        row = 0
        for line_number, line in _lines(handle):
            if line is None:
                row += 1
                yield row, line_number, None
                continue
            raw = line[3:] if line_number == 1 and line.startswith(_BOM) else line
            if not raw.strip():
                continue
            row += 1
            yield row, line_number, raw


def jsonl_record(raw: bytes | None, fast: str | None = None
                 ) -> dict[str, Any] | InputError | FastRecord:
    """One line of :func:`jsonl_lines` read: a dict, the :class:`InputError` of a line that is
    not a JSON object, or (``fast``: the ``extra`` mode of the validation that follows) a
    :class:`FastRecord` read by the fast reader, which :func:`evaluate_record` reads again
    strictly if it does not validate."""
    if raw is None:
        return _bad_record(f"the line is longer than {MAX_RECORD_BYTES} bytes")
    if fast is not None:
        quick = fastjson.record(raw, check_depth=fast != "error")
        if quick is not None:
            return FastRecord(quick, raw)
    return _strictly(raw)


def _jsonl_records(path: Path, fast: str | None = None) -> Iterator[_Record]:
    for row, line_number, raw in jsonl_lines(path):
        yield row, line_number, jsonl_record(raw, fast)


def _preview(value: Any) -> Any:
    """A bad record's value, kept small (it is shown in messages and kept in the error)."""
    return value if isinstance(value, int | float | bool | None) else f"{type(value).__name__}"


_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _csv_records(path: Path, facts: Mapping[str, FactSpec]) -> Iterator[_Record]:
    suffix = path.suffix.lower()
    too_long: list[int] = []

    def text_lines(binary: IO[bytes]) -> Iterator[str]:
        for number, line in _lines(binary):
            if line is None:
                too_long.append(number)
                yield "\n"  # an empty row, which the reader skips; reported below
                continue
            raw = line[3:] if number == 1 and line.startswith(_BOM) else line
            yield raw.decode("utf-8", errors="surrogateescape")

    with path.open("rb") as binary:
        reader = csv.DictReader(text_lines(binary),
                                delimiter="\t" if suffix == ".tsv" else ",")
        row = 0
        try:
            header = reader.fieldnames
        except csv.Error as exc:
            raise _file_error(path, f"the header cannot be read: {exc}") from None
        if header and any(_UNDECODED.search(name) for name in header):
            raise _file_error(path, "the header is not valid UTF-8")
        while True:
            start = reader.line_num + 1
            try:
                record: dict[str, Any] | None = next(reader)
            except StopIteration:
                record = None
            except csv.Error as exc:  # a field over the csv module's limit, a stray quote
                row += 1
                yield row, start, _bad_record(f"not a CSV row: {exc}")
                continue
            while too_long:
                row += 1
                yield row, too_long.pop(0), _bad_record(
                    f"the line is longer than {MAX_RECORD_BYTES} bytes")
            if record is None:
                return
            row += 1
            cells = [c for c in record.values() if isinstance(c, str)]
            if any(_UNDECODED.search(cell) for cell in cells):
                yield row, start, _bad_record("the row is not valid UTF-8")
                continue
            yield row, start, _convert_row(record, facts)


def _json_records(path: Path) -> Iterator[_Record]:
    size = path.stat().st_size
    if size > MAX_JSON_FILE_BYTES:
        raise _file_error(path, f"{size} bytes is more than a .json file may hold "
                          f"({MAX_JSON_FILE_BYTES}); write one office per line (.jsonl)")
    raw = path.read_bytes()
    if raw.startswith(_BOM):
        raw = raw[len(_BOM):]
    try:
        data = jsonio.loads(raw)
    except jsonio.JsonInputError as exc:
        raise _file_error(path, exc.message) from None
    items = data if isinstance(data, list) else [data]
    for row, item in enumerate(items, start=1):
        yield row, None, item if isinstance(item, dict) else _bad_record(
            "an office must be a JSON object", _preview(item))


def _records_from_file(path: Path, ruleset: Ruleset, fast: str | None = None
                       ) -> Iterator[_Record]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_records(path, fast)
    elif suffix == ".json":
        yield from _json_records(path)
    elif suffix in (".csv", ".tsv"):
        yield from _csv_records(path, {f.name: f for f in ruleset.spec.facts})
    else:
        raise _file_error(path, "unsupported file type (expected .csv, .tsv, .jsonl or .json)")


def _file_error(path: Path, message: str) -> InputError:
    return InputError.from_problems([InputProblem(str(path), None, "an office file",
                                                  f"{path}: {message}")])


def _is_frame(source: Any) -> bool:
    return type(source).__module__.split(".")[0] == "pandas" and hasattr(source, "to_dict")


def _records(source: OfficeSource, ruleset: Ruleset, fast: str | None = None
             ) -> Iterator[_Record]:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise _file_error(path, "no such file")
        yield from _records_from_file(path, ruleset, fast)
        return
    facts = {f.name: f for f in ruleset.spec.facts}
    if _is_frame(source):
        frame: Any = source
        for row, record in enumerate(frame.to_dict(orient="records"), start=1):
            yield row, None, _convert_row(record, facts)
        return
    for row, item in enumerate(source, start=1):
        if isinstance(item, Mapping):
            yield row, None, dict(item)
        else:
            yield row, None, item  # validation reports "an office must be a mapping"


def read_offices(path: str | Path, ruleset: Ruleset | str | None = None
                 ) -> Iterator[dict[str, Any]]:
    """The offices of a ``.jsonl``, ``.json``, ``.csv`` or ``.tsv`` file, one dict at a time.

    CSV cells are converted by ``ruleset``'s fact types (default: the Star ruleset). A record
    that cannot be read (a line that is not JSON) raises :class:`InputError` naming its line.
    """
    compiled = _ruleset(ruleset)
    for row, line, record in _records(Path(path), compiled):
        if isinstance(record, InputError):
            where = f"line {line}" if line is not None else f"record {row}"
            raise InputError(f"{path}: {where}: {record.problems[0].message}",
                             problems=record.problems)
        yield record.data if isinstance(record, FastRecord) else record  # (read strictly)


def count_records(source: OfficeSource) -> int | None:
    """How many records a source holds, when that is cheap to know (for progress bars)."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.suffix.lower() in (".jsonl", ".ndjson", ".csv", ".tsv") and path.is_file():
            with path.open("rb") as handle:  # bounded reads: a file may have no newline
                lines = sum(1 for _, line in _lines(handle) if line is None or line.strip())
            return max(lines - (1 if path.suffix.lower() in (".csv", ".tsv") else 0), 0)
        return None
    sized: Any = source
    try:
        return len(sized)
    except TypeError:
        return None


# -- evaluating ------------------------------------------------------------------------------------


def iter_evaluate(
    offices: OfficeSource,
    ruleset: Ruleset | str | None = None,
    *,
    backend: BackendName = "native",
    on_error: OnError = "collect",
    extra: ExtraFacts = "error",
) -> Iterator[tuple[int, Verdict | RowError]]:
    """``(row, verdict or RowError)`` for each record, one at a time (bounded memory).

    ``on_error="raise"`` raises the first :class:`InputError` instead (with the row in a note).
    """
    if on_error not in ("collect", "raise"):
        raise ValueError(f"on_error must be 'collect' or 'raise', not {on_error!r}")
    compiled = _ruleset(ruleset)
    file = str(offices) if isinstance(offices, str | Path) else None
    for row, line, record in _records(offices, compiled, extra):
        yield row, evaluate_record(record, compiled, row=row, line=line, file=file,
                                   backend=backend, on_error=on_error, extra=extra)


def evaluate_record(record: Any, ruleset: Ruleset, *, row: int, line: int | None = None,
                    file: str | None = None, backend: BackendName = "native",
                    on_error: OnError = "collect", extra: ExtraFacts = "error"
                    ) -> Verdict | RowError:
    """One record of a batch (as :func:`iter_evaluate` reads it) decided, or its
    :class:`RowError`: bad input and whatever the evaluator raises on it end this record only.
    ``on_error="raise"``: the error is raised instead."""
    if isinstance(record, FastRecord):
        try:
            return evaluate(record.data, ruleset, backend=backend, extra=extra)
        except Exception:  # read again strictly: the path below reports it as without orjson
            record = _strictly(record.raw)
    office_id = _office_id(record)
    try:
        if isinstance(record, InputError):
            raise record
        return evaluate(record, ruleset, backend=backend, extra=extra)
    except InputError as exc:
        if on_error == "raise":
            exc.add_note(f"row {row}" + (f" (line {line})" if line is not None else ""))
            raise
        return RowError(row, office_id, exc, line, file)
    except (MingxingError, ArithmeticError, RecursionError, ValueError, TypeError,
            LookupError) as exc:
        # one record must not end the batch, whatever it does to the evaluator (a backend
        # failure, an arithmetic case nobody foresaw): it is reported like bad input
        if on_error == "raise":
            raise
        message = f"cannot be evaluated: {type(exc).__name__}: {str(exc)[:200]}"
        return RowError(row, office_id, _bad_record(message), line, file)


def jsonl_line(row: int, item: Verdict | RowError, *, full: bool = False) -> str:
    """The JSON Lines line (without its newline) of a batch result: the verdict document
    (compact, or ``full``) with its ``row``, or ``{"row", "line", "office_id", "error"}``."""
    if isinstance(item, RowError):
        data: dict[str, Any] = {"row": row, "line": item.line,
                                "office_id": writable_text(item.office_id),
                                "error": writable_text(item.message)}
    else:
        data = {"row": row, **item.to_dict(full=full)}
    return fastjson.dumps(data)


def _office_id(record: Any) -> str | None:
    if not isinstance(record, Mapping):
        return None
    raw_id = record.get("id")
    if isinstance(raw_id, str):
        return None if has_surrogate(raw_id) else raw_id[:200]
    if isinstance(raw_id, int) and not isinstance(raw_id, bool) and abs(raw_id) < 2**53:
        return str(raw_id)
    return None


MAX_PATTERNS = 4096  # distinct rows kept by a tally before they are counted: memory stays flat


class Tally:
    """Running counts for a summary, without keeping the verdicts (for streaming)."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        program = ruleset.program
        self.criteria = tuple(info.id for info in program.layout if info.kind == "criterion")
        # (row position, id) of each criterion: a verdict's statuses are read off its row
        positions = [program.plan.index[c] for c in self.criteria]
        self._pick: Callable[[tuple[Any, ...]], tuple[Any, ...]] = (
            operator.itemgetter(*positions) if len(positions) > 1
            else lambda row: tuple(row[p] for p in positions))
        self.standards = tuple(info.id for info in program.layout if info.kind == "standard")
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.failing: collections.Counter[str] = collections.Counter()
        self.unknown: collections.Counter[str] = collections.Counter()
        self.errors: list[RowError] = []
        self.total = 0
        # criteria entries of rows not yet counted into failing/unknown, by pattern: offices
        # share a few patterns, and counting a pattern (one tuple hash) is ~10x cheaper than
        # counting its entries; folded in by _fold() (before reading) and when it grows
        self._patterns: collections.Counter[tuple[Any, ...]] = collections.Counter()

    def add_decided(self, outcome: str, row: tuple[Any, ...]) -> None:
        """Count a verdict known by its outcome and its row (this tally's ruleset), without the
        verdict: what :meth:`add` counts for it."""
        self.total += 1
        self.outcomes[outcome] += 1
        self._patterns[self._pick(row)] += 1
        if len(self._patterns) > MAX_PATTERNS:
            self._fold()

    def _fold(self) -> None:
        """Count the criteria entries of the patterns kept by :meth:`add_decided`."""
        patterns, self._patterns = self._patterns, collections.Counter()
        for raws, times in patterns.items():
            for step_id, raw in zip(self.criteria, raws, strict=True):
                if raw is False:
                    self.failing[step_id] += times
                elif raw is None:
                    self.unknown[step_id] += times

    def add(self, item: Verdict | RowError) -> None:
        self.total += 1
        if isinstance(item, RowError):
            self.errors.append(item)
            return
        self.outcomes[item.outcome] += 1
        trace = item.trace
        if trace.program is not self.ruleset.program or not trace.row:
            for step_id, status in zip(self.criteria, statuses(item, self.criteria),
                                       strict=True):
                if status is Status.FAIL:
                    self.failing[step_id] += 1
                elif status is Status.UNKNOWN:
                    self.unknown[step_id] += 1
            return
        # a criterion's entry is True/False/None/NA: counted by pattern (see _fold)
        self._patterns[self._pick(trace.row)] += 1
        if len(self._patterns) > MAX_PATTERNS:
            self._fold()

    def counts(self) -> tuple[int, dict[str, int], dict[str, int], dict[str, int]]:
        """``(total, outcomes, failing, unknown)`` so far: what :meth:`merge` adds to another
        tally (the tally of a worker process, sent back with its rows' errors)."""
        self._fold()
        return self.total, dict(self.outcomes), dict(self.failing), dict(self.unknown)

    def merge(self, counts: tuple[int, dict[str, int], dict[str, int], dict[str, int]],
              errors: Iterable[RowError] = ()) -> None:
        """Add the :meth:`counts` of another tally, and its errors (in row order)."""
        total, outcomes, failing, unknown = counts
        self.total += total
        self.outcomes.update(outcomes)
        self.failing.update(failing)
        self.unknown.update(unknown)
        self.errors.extend(errors)

    def summary(self, top: int = 10) -> BatchSummary:
        self._fold()
        spec = self.ruleset.spec
        order = {o: i for i, o in enumerate((*spec.outcomes, spec.otherwise.id, "UNDECIDED"))}
        outcomes = tuple(sorted(self.outcomes.items(), key=lambda kv: (-kv[1], order.get(
            kv[0], len(order)))))
        position = self.ruleset.program.index

        def ranked(counter: collections.Counter[str]) -> tuple[tuple[str, int], ...]:
            return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], position[kv[0]])))[:top]

        return BatchSummary(
            ruleset=self.ruleset.key,
            total=self.total,
            evaluated=self.total - len(self.errors),
            errors=tuple(self.errors),
            outcomes=outcomes,
            failing=ranked(self.failing),
            unknown=ranked(self.unknown),
            titles={**{n.id: n.title for n in spec.nodes}, spec.otherwise.id: spec.otherwise.title},
            clauses={n.id: n.clause for n in spec.nodes},
        )


def statuses(verdict: Verdict, step_ids: tuple[str, ...]) -> tuple[Status, ...]:
    """The status of each step, read from the compiled row when the trace is not built yet (so
    that summaries of large batches do not build thousands of step objects)."""
    return verdict.trace.statuses(step_ids)


@attrs.frozen(repr=False)
class BatchSummary(JsonMixin):
    """Counts per outcome and the criteria most often not met (or unknown)."""

    ruleset: str
    total: int
    evaluated: int
    errors: tuple[RowError, ...]
    outcomes: tuple[tuple[str, int], ...]
    failing: tuple[tuple[str, int], ...]
    unknown: tuple[tuple[str, int], ...]
    titles: Mapping[str, Text] = attrs.field(factory=dict, repr=False)
    clauses: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    def explain(self, lang: Lang = "en", fmt: Format = "text") -> str:
        return _render_summary(self, lang, fmt)

    def __str__(self) -> str:
        return self.explain("en")

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "total": self.total,
            "evaluated": self.evaluated,
            "errors": [{"row": e.row, "line": e.line, "file": e.file,
                        "office_id": e.office_id, "message": e.message} for e in self.errors],
            "outcomes": dict(self.outcomes),
            "failing": dict(self.failing),
            "unknown": dict(self.unknown),
            # the words of the ids above, so that the summary reads the same when loaded back
            "titles": {i: text_to(self.titles[i]) for i in self._shown() if i in self.titles},
            "clauses": {i: self.clauses[i] for i in self._shown() if i in self.clauses},
        }

    def _shown(self) -> list[str]:
        return [i for i, _ in (*self.outcomes, *self.failing, *self.unknown)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchSummary:
        """The summary back from :meth:`to_dict` (each bad row with its message)."""
        errors = tuple(RowError(e["row"], e.get("office_id"), InputError(e["message"]),
                                e.get("line")) for e in data.get("errors", ()))
        return cls(data["ruleset"], data["total"], data["evaluated"], errors,
                   tuple(data["outcomes"].items()), tuple(data["failing"].items()),
                   tuple(data["unknown"].items()),
                   titles={k: v for k, t in data.get("titles", {}).items()
                           if (v := text_from(t)) is not None},
                   clauses=dict(data.get("clauses", {})))

    def __repr__(self) -> str:
        counts = ", ".join(f"{outcome} {count}" for outcome, count in self.outcomes)
        return (f"<BatchSummary {self.ruleset}: {self.total} offices, {self.evaluated} "
                f"evaluated, {len(self.errors)} with errors ({counts})>")


def summary_document(summary: BatchSummary, lang: Lang) -> Document:
    """A batch summary as a document of the shared report model."""
    w = Wording(lang)
    title = w.message("batch.title", total=summary.total, evaluated=summary.evaluated,
                      errors=len(summary.errors))

    def name(step_id: str) -> str:
        if step_id == "UNDECIDED":
            return w.message("outcome.undecided")
        return w.text(summary.titles.get(step_id), step_id)

    more = w.message("batch.error.more")
    sections = [
        (w.message("batch.outcomes"), [w.message(
            "batch.outcome.item", outcome=outcome, title=name(outcome), count=count)
            for outcome, count in summary.outcomes]),
        (w.message("batch.failing"), [w.message(
            "batch.failing.item", title=name(s), clause=w.clause(summary.clauses.get(s)),
            count=c) for s, c in summary.failing]),
        (w.message("standards.unknown"), [w.message(
            "batch.failing.item", title=name(s), clause=w.clause(summary.clauses.get(s)),
            count=c) for s, c in summary.unknown]),
        (w.message("batch.errors"), [w.message(
            "batch.error.item", row=e.line if e.line is not None else e.row,
            office=e.office_id or "?", message=e.short_message(3, more))
            for e in summary.errors]),
    ]
    return Document(lang=lang, title=title, sections=tuple(
        Section(heading, lines=tuple(Line(line) for line in lines))
        for heading, lines in sections if lines))


def _render_summary(summary: BatchSummary, lang: Lang, fmt: str) -> str:
    check_lang_and_format(lang, fmt)
    if fmt == "json":
        return json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return write(summary_document(summary, lang), fmt)


class BatchResult:
    """The verdicts of a batch and the rows that could not be evaluated.

    ``total == len(verdicts) + len(errors)``; ``rows[i]`` is the input row of ``verdicts[i]``.
    """

    def __init__(self, ruleset: Ruleset, verdicts: list[Verdict], rows: list[int],
                 errors: list[RowError]) -> None:
        self.ruleset = ruleset
        self.verdicts = tuple(verdicts)
        self.rows = tuple(rows)
        self.errors = tuple(errors)

    @property
    def total(self) -> int:
        return len(self.verdicts) + len(self.errors)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Verdict]:
        return iter(self.verdicts)

    def __repr__(self) -> str:
        return (f"<BatchResult {self.ruleset.key}: {len(self.verdicts)} verdicts, "
                f"{len(self.errors)} errors>")

    def summary(self, top: int = 10) -> BatchSummary:
        tally = Tally(self.ruleset)
        for item in self._in_order():
            tally.add(item)
        return tally.summary(top)

    def _in_order(self) -> Iterator[Verdict | RowError]:
        merged: list[tuple[int, Verdict | RowError]] = [
            *zip(self.rows, self.verdicts, strict=True), *((e.row, e) for e in self.errors)]
        merged.sort(key=lambda pair: pair[0])
        return (item for _, item in merged)

    # tables ---------------------------------------------------------------------------------------
    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(info.id for info in self.ruleset.program.layout if info.kind == "criterion")

    def records(self, include_errors: bool = True, lang: Lang = "en") -> list[dict[str, Any]]:
        """One flat record per row: identity, verdict, and one status per criterion
        (``lang="zh"``: Chinese headers and words, see :func:`verdict_record`)."""
        criteria = self.criteria
        spec = self.ruleset.spec
        out: list[dict[str, Any]] = []
        for item in self._in_order():
            if isinstance(item, RowError):
                if include_errors:
                    out.append(error_record(item, criteria, lang, spec))
                continue
            out.append(verdict_record(item, criteria, lang, spec))
        return out

    def to_frame(self, include_errors: bool = True) -> Any:
        """A pandas DataFrame: one row per office (index ``office_id``), a column per criterion
        with its status, plus the verdict. Needs pandas (``pip install mingxing-rules[pandas]``).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the test extras
            raise ImportError("BatchResult.to_frame() needs pandas: "
                              "pip install 'mingxing-rules[pandas]'") from exc
        columns = record_columns(self.criteria)
        frame = pd.DataFrame(dict(zip(columns, self._columns(include_errors), strict=True)),
                             columns=columns)
        return frame.set_index("office_id")

    def _columns(self, include_errors: bool) -> list[list[Any]]:
        """:meth:`records` (``lang="en"``) as columns, built from the verdicts' rows: what
        :meth:`to_frame` needs, without a dict per office."""
        criteria = self.criteria
        program = self.ruleset.program
        pick = (operator.itemgetter(*(program.plan.index[c] for c in criteria))
                if len(criteria) > 1 else None)  # with one position it gives no tuple
        word = {raw: status.value for raw, status in _STATUS_WORDS}
        blank = ("",) * len(criteria)
        lines: list[tuple[Any, ...]] = []
        for item in self._in_order():
            if isinstance(item, RowError):
                if include_errors:
                    record = error_record(item, criteria)
                    lines.append(tuple(record[f] for f in _RECORD_FIELDS) + blank)
                continue
            trace = item.trace
            if pick is not None and trace.program is program and trace.row:
                statuses_ = tuple(map(word.__getitem__, pick(trace.row)))
            else:
                statuses_ = tuple(s.value for s in statuses(item, criteria))
            lines.append((item.office_id, item.office_name or "", item.outcome,
                          item.effect or "", item.decided_by or "",
                          ";".join(item.missing_facts), "", *statuses_))
        if not lines:
            return [[] for _ in range(len(_RECORD_FIELDS) + len(criteria))]
        return [list(column) for column in zip(*lines, strict=True)]

    def to_csv(self, path: str | Path | IO[str], include_errors: bool = True,
               encoding: str = "utf-8", lang: Lang = "en") -> None:
        """Write :meth:`records` as CSV (``encoding="utf-8-sig"`` for Excel; ``lang="zh"``
        for Chinese headers and cells). A path is written atomically."""
        check_lang(lang)
        columns = record_columns(self.criteria, lang, self.ruleset.spec)
        records = self.records(include_errors, lang)
        if isinstance(path, str | Path):
            with atomic_open(path, "w", encoding=encoding, newline="") as handle:
                _write_csv(handle, columns, records)
        else:
            _write_csv(path, columns, records)

    def _repr_html_(self) -> str:
        return matrix_html(self)


# a criterion's row entry and its status (NA: not applicable)
_STATUS_WORDS = ((True, Status.PASS), (False, Status.FAIL), (None, Status.UNKNOWN),
                 (NA, Status.NOT_APPLICABLE))

_RECORD_FIELDS = ("office_id", "office_name", "outcome", "effect", "decided_by",
                  "missing_facts", "error")


def record_columns(criteria: tuple[str, ...], lang: Lang = "en",
                   spec: RulesetSpec | None = None) -> list[str]:
    """The CSV/record columns. ``lang="en"``: field names and criterion ids (stable, for
    programs); ``lang="zh"``: Chinese headers and each criterion as its clause and title (for
    people; needs ``spec``)."""
    if lang == "en":
        return [*_RECORD_FIELDS, *criteria]
    w = Wording(lang, spec)
    return [*(w.message(f"csv.{f}") for f in _RECORD_FIELDS),
            *(_criterion_header(w, spec, c) for c in criteria)]


def writable_text(value: Any) -> Any:
    """Text of an error (it may quote what a bad record held) that UTF-8 can encode: a lone
    surrogate is written as its escape. Other values are returned as they are."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _criterion_header(w: Wording, spec: RulesetSpec | None, criterion: str) -> str:
    if spec is None:
        return criterion
    node = spec.node(criterion)
    return w.titled(node.title, node.clause, criterion)


def verdict_record(verdict: Verdict, criteria: tuple[str, ...], lang: Lang = "en",
                   spec: RulesetSpec | None = None) -> dict[str, Any]:
    """One flat record of a verdict: identity, verdict, a status per criterion. In ``zh`` the
    keys are the Chinese headers of :func:`record_columns` and the cells are words (达标,
    未达标, 不适用, 待认定; outcome and fact titles)."""
    statuses_ = statuses(verdict, criteria)
    if lang == "en":
        record: dict[str, Any] = {
            "office_id": verdict.office_id,
            "office_name": verdict.office_name or "",
            "outcome": verdict.outcome,
            "effect": verdict.effect or "",
            "decided_by": verdict.decided_by or "",
            "missing_facts": ";".join(verdict.missing_facts),
            "error": "",
        }
        for step_id, status in zip(criteria, statuses_, strict=True):
            record[step_id] = status.value
        return record
    w = Wording(lang, spec)
    columns = record_columns(criteria, lang, spec)
    decided_by = ""
    if verdict.decided_by and spec is not None:
        decided_by = w.outcome_title(verdict.decided_by, None)
    values = [
        verdict.office_id,
        verdict.office_name or "",
        w.outcome_title(verdict.outcome, verdict.outcome_title) if verdict.decided else (
            w.message("outcome.undecided")),
        w.message(f"effect.{verdict.effect}") if verdict.effect else "",
        decided_by,
        w.message("list.sep").join(w.fact_title(m) for m in verdict.missing_facts),
        "",
        *(w.status(s) for s in statuses_),
    ]
    return dict(zip(columns, values, strict=True))


def error_record(error: RowError, criteria: tuple[str, ...], lang: Lang = "en",
                 spec: RulesetSpec | None = None) -> dict[str, Any]:
    """The record of a row that could not be evaluated (see :func:`verdict_record`)."""
    outcome = "INPUT_ERROR" if lang == "en" else Wording(lang, spec).message("batch.input_error")
    values = [writable_text(error.office_id or f"row-{error.row}"), "", outcome, "", "", "",
              writable_text(error.message),
              *([""] * len(criteria))]
    return dict(zip(record_columns(criteria, lang, spec), values, strict=True))


def _write_csv(handle: IO[str], columns: list[str], records: Iterable[Mapping[str, Any]]
               ) -> None:
    writer = csv.DictWriter(handle, fieldnames=columns)
    writer.writeheader()
    for record in records:
        writer.writerow(record)


def evaluate_many(
    offices: OfficeSource,
    ruleset: Ruleset | str | None = None,
    *,
    backend: BackendName = "native",
    on_error: OnError = "collect",
    progress: bool = False,
    extra: ExtraFacts = "error",
) -> BatchResult:
    """Evaluate every office of ``offices`` (an iterable of dicts, a ``.jsonl``/``.json``/
    ``.csv`` path, or a pandas DataFrame).

    ``on_error="collect"`` (default) keeps going and lists bad rows in ``result.errors``;
    ``"raise"`` stops at the first. ``progress=True`` shows a progress bar (rate, ETA) when
    stderr is a terminal.
    """
    compiled = _ruleset(ruleset)
    verdicts: list[Verdict] = []
    rows: list[int] = []
    errors: list[RowError] = []
    with Progress(count_records(offices) if progress else None, "evaluating",
                  enabled=progress) as bar:
        for row, item in iter_evaluate(offices, compiled, backend=backend, on_error=on_error,
                                       extra=extra):
            if isinstance(item, RowError):
                errors.append(item)
            else:
                verdicts.append(item)
                rows.append(row)
            bar.advance()
    return BatchResult(compiled, verdicts, rows, errors)


# -- the pass/fail matrix --------------------------------------------------------------------------


def matrix_document(result: BatchResult, lang: Lang = "en") -> Document:
    """Offices x standards as a document: the summary, a coloured cell per standard with the
    verdict, and the standards as a legend."""
    w = Wording(lang, result.ruleset.spec)
    program = result.ruleset.program
    standards = tuple(info.id for info in program.layout if info.kind == "standard")
    spec = result.ruleset.spec
    heads = []
    hints = []
    for number, standard in enumerate(standards, start=1):
        node = spec.node(standard)
        match = re.search(r"(\d+)$", node.clause)
        heads.append(match.group(1) if match else str(number))
        hints.append(w.titled(node.title, node.clause))
    rows = []
    for index, verdict in enumerate(result.verdicts, start=1):
        label = office_label(verdict.office_id, verdict.office_name, w)
        outcome = w.outcome_title(verdict.outcome, verdict.outcome_title) if verdict.decided else (
            w.message("outcome.undecided"))
        cells = tuple(Cell(w.mark(s), s.value, hint=w.status(s))
                      for s in statuses(verdict, standards))
        rows.append(Row((Cell(str(result.rows[index - 1])), Cell(label),
                         Cell(outcome, css=f"mx-tv-{verdict.effect or 'undecided'}"), *cells)))
    for error in result.errors:
        rows.append(Row((Cell(str(error.row)), Cell(error.office_id or "?"),
                         Cell(w.message("batch.input_error"), "fail", hint=error.message),
                         *(Cell("") for _ in standards))))
    table = Table(("#", w.message("batch.matrix.office"), w.message("batch.matrix.verdict"),
                   *heads), tuple(rows), css="mx-matrix", hints=("", "", "", *hints))
    legend = tuple(Line(w.titled(spec.node(s).title, spec.node(s).clause))
                   for s in standards)
    summary = summary_document(result.summary(top=5), lang)
    return Document(lang=lang, title=summary.title, wide=True, sections=(
        *summary.sections, Section("", table=table, views=("html",)),
        Section(w.message("standards.heading"), lines=legend, collapsed=True)))


def matrix_html(result: BatchResult, lang: Lang = "en", *, standalone: bool = False) -> str:
    """Offices x standards: a coloured cell per standard, the verdict, and the summary
    (``standalone``: a whole page with ``<meta charset="utf-8">``, for files)."""
    check_lang(lang)
    return write(matrix_document(result, lang), "html", standalone=standalone)


def row_place(row: int, line: int | None, file: str | None, office_id: str | None) -> str:
    """Where a record stands, for a person: ``FILE: line N (id)``, or ``row N`` when it has no
    line (records given as Python objects)."""
    where = f"line {line}" if line is not None else f"row {row}"
    if file is not None:
        where = f"{file}: {where}"
    return where + (f" ({office_id})" if office_id else "")
