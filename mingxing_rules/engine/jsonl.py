"""JSON Lines batches at speed: each record's result line as bytes, from the evaluation row.

``mingxing evaluate --batch offices.jsonl --out verdicts.jsonl`` (in one process or with
``--jobs N``) turns each record into its line with a :class:`LineEvaluator`. A record that is
plain JSON of a valid office, and whose verdict is decided, is written without a ``Verdict``:
its compact document is built straight from the compiled row (the facts validated once, the
derived values computed once and their bounds read off the row) and written by orjson when it
is installed. Every other record — a line that is not JSON, an office that does not validate,
an undecided verdict, the full format, another backend — goes through
:func:`~mingxing_rules.engine.batch.evaluate_record` and
:func:`~mingxing_rules.engine.batch.jsonl_line`. The bytes are the same either way: the line
``Verdict.to_json()`` gives, with its ``row`` first (the tests compare them over populations).

Worker processes read their own byte ranges of a file (:class:`Span`): :func:`spans` cuts a
file into runs of whole lines and numbers their first line and record, so that no record passes
through a pipe (:mod:`mingxing_rules.engine.parallel`).

>>> import json, tempfile
>>> from pathlib import Path
>>> from mingxing_rules import load_ruleset
>>> star = load_ruleset("star-judicial-office")
>>> office = {"id": "demo", "honours": ["five_good"], "holds_star_title": False,
...           "major_problem": False, "office_kind": "township"}
>>> with tempfile.TemporaryDirectory() as folder:
...     path = Path(folder) / "offices.jsonl"
...     _ = path.write_text(json.dumps(office) + "\\n\\n" + '{"id": "x", "staff": 7}\\n')
...     evaluator = LineEvaluator(star)
...     with path.open("rb") as handle:
...         lines = [evaluator.line(number, row, line, raw, str(path))
...                  for number, row, line, raw in span_records(handle, whole_file(path))]
>>> [json.loads(line).get("outcome", "error") for line in lines]
['DIRECT_PROMOTION', 'error']
>>> evaluator.tally.total, len(evaluator.tally.errors)
(2, 1)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import attrs

from .. import fastjson
from ..errors import InputError
from ..ruleset.load import Ruleset
from ..types import BackendName, ExtraFacts
from .batch import (
    MAX_RECORD_BYTES,
    FastRecord,
    Tally,
    evaluate_record,
    jsonl_line,
    jsonl_record,
)
from .evaluate import verdict_from_row
from .office import Office, json_value
from .trace import COMPACT_FORMAT, compact_layout
from .validation import compile_validator

__all__ = ["SPAN_BYTES", "LineEvaluator", "Span", "span_records", "spans", "whole_file"]

SPAN_BYTES = 1024 * 1024  # input per task of the workers: ~250 Star offices
BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark, as Excel writes it (dropped from line 1)
_SCALARS = frozenset((bool, int, float, str))


@attrs.frozen
class Span:
    """A run of whole lines of one JSON Lines file and the numbers of its first record: what
    one task of the worker processes reads."""

    file: str
    start: int  # byte offset of its first line
    end: int | None  # byte offset just past its last line (None: the end of the file)
    line: int  # line number of its first line
    row: int  # number, within the file, of its first record
    number: int  # number, across the files of the batch, of its first record


def whole_file(path: Path, number: int = 1) -> Span:
    """The whole of ``path`` as one span, its first record numbered ``number``."""
    return Span(str(path), 0, None, 1, 1, number)


def _read_lines(handle: IO[bytes], first_line: int = 1, limit: int | None = None
                ) -> Iterator[tuple[int, int, bytes | None]]:
    """``(line number, bytes the line took, record bytes)`` of each line from the handle's
    position, until ``limit`` bytes have been read: the record bytes as
    :func:`~mingxing_rules.engine.batch.jsonl_lines` gives them (a leading byte-order mark
    dropped from line 1; blank for a blank line), ``None`` for a line longer than
    :data:`~mingxing_rules.engine.batch.MAX_RECORD_BYTES`, skipped without being held."""
    number = first_line - 1
    consumed = 0
    while limit is None or consumed < limit:
        chunk = handle.readline(MAX_RECORD_BYTES + 1)
        if not chunk:
            return
        number += 1
        length = len(chunk)
        if length > MAX_RECORD_BYTES and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):  # skip the rest of the long line
                chunk = handle.readline(MAX_RECORD_BYTES)
                length += len(chunk)
            consumed += length
            yield number, length, None
            continue
        consumed += length
        yield number, length, chunk[3:] if number == 1 and chunk.startswith(BOM) else chunk


def _blank(raw: bytes) -> bool:
    return not raw or raw.isspace()  # what bytes.strip() would leave empty


#: a line that starts with one of these may be blank (``bytes.isspace``): counted line by line
_SPACE = frozenset(b" \t\r\n\x0b\x0c")


def spans(sources: Sequence[Path], size: int = SPAN_BYTES) -> Iterator[Span]:
    """The files cut into spans of about ``size`` bytes of whole lines, in order, with their
    first line and record numbers.

    The parent of the workers runs this over the whole input while they work, so it reads in
    blocks and counts line ends in C: a block where no line starts with white space has no
    blank line, and its records are its lines; any other block is counted line by line, as
    :func:`span_records` reads it (blank lines are no records; a byte-order mark is dropped
    from line 1; an overlong line is one record)."""
    number = 0
    for source in sources:
        file = str(source)
        with source.open("rb") as handle:
            start, line, row = 0, 1, 1
            while block := handle.read(size):
                ends_line = block.endswith(b"\n")
                end = start + len(block) + (0 if ends_line else _skip_to_line_end(handle))
                lines = _line_ends(block, first=start == 0)
                if lines is None:  # a line may be blank
                    lines, records = _count_lines(handle, start, end, line)
                else:
                    lines += 0 if ends_line else 1
                    records = lines
                yield Span(file, start, end, line, row, number + 1)
                start, line, row, number = end, line + lines, row + records, number + records


def _skip_to_line_end(handle: IO[bytes]) -> int:
    """Read past the end of the current line (or to the end of the file), a bounded piece at a
    time; how many bytes that took."""
    taken = 0
    while piece := handle.readline(MAX_RECORD_BYTES):
        taken += len(piece)
        if piece.endswith(b"\n"):
            break
    return taken


def _line_ends(block: bytes, *, first: bool) -> int | None:
    """How many line ends ``block`` holds, or ``None`` when a line of it starts with white space
    (it may be blank) or, in the first block of a file, with a byte-order mark (or part of
    one). One C search per line: the parent runs this over the whole input."""
    if not block or block[0] in _SPACE or (first and block[0] == BOM[0]):
        return None if block else 0
    find, last, count = block.find, len(block) - 1, 0
    end = find(b"\n")
    while end != -1:
        count += 1
        if end < last and block[end + 1] in _SPACE:
            return None
        end = find(b"\n", end + 1)
    return count


def _count_lines(handle: IO[bytes], start: int, end: int, first_line: int) -> tuple[int, int]:
    """(lines, records) of the bytes from ``start`` to ``end``, read line by line (the handle
    is left at ``end``)."""
    handle.seek(start)
    lines = records = 0
    for _, _, raw in _read_lines(handle, first_line, end - start):
        lines += 1
        if raw is None or not _blank(raw):
            records += 1
    handle.seek(end)
    return lines, records


def span_records(handle: IO[bytes], span: Span) -> Iterator[tuple[int, int, int, bytes | None]]:
    """``(number across the files, row in the file, line, bytes)`` of each record of ``span``
    (``handle``: its file, opened in binary); the bytes are ``None`` for a line too long to
    hold."""
    handle.seek(span.start)
    number, row = span.number - 1, span.row - 1
    limit = None if span.end is None else span.end - span.start
    for line, _, raw in _read_lines(handle, span.line, limit):
        if raw is not None and _blank(raw):
            continue
        number += 1
        row += 1
        yield number, row, line, raw


class LineEvaluator:
    """Result lines of JSON Lines records (bytes, newline included), counted into ``tally``.

    ``extra``, ``backend`` and ``full`` as for ``mingxing evaluate --batch``: the fast path
    serves the native backend and the compact format; anything else is evaluated and written as
    :func:`~mingxing_rules.engine.batch.evaluate_record` and
    :func:`~mingxing_rules.engine.batch.jsonl_line` do it, which the fast path equals byte for
    byte.
    """

    def __init__(self, ruleset: Ruleset, *, backend: BackendName = "native",
                 extra: ExtraFacts = "error", full: bool = False) -> None:
        self.ruleset = ruleset
        self.backend: BackendName = backend
        self.extra: ExtraFacts = extra
        self.full = full
        self.tally = Tally(ruleset)
        spec = ruleset.spec
        program = ruleset.program
        plan = program.plan
        layout = compact_layout(plan)
        self._fast = backend == "native" and not full and extra in ("error", "ignore")
        self._check_depth = extra != "error"
        # (facts, evidence) as plain dicts: the compiled conditions read a dict faster than
        # the mapping proxy of an Office, which is built only for an undecided verdict
        self._validate = compile_validator(spec.facts, Office, forbid_extra=extra == "error",
                                           parts=True)
        self._row = program.full
        self._constraints = ruleset.constraints.check if ruleset.constraints.constraints else None
        # the derived bounds validation checks (engine.office.derived_problems), read off the
        # row instead of deriving the values a second time
        self._bounds = tuple((plan.index[d.name], d.minimum, d.maximum) for d in spec.derived
                             if d.minimum is not None or d.maximum is not None)
        self._outcomes = tuple((node.position, node.id, node.effect) for node in plan.outcomes)
        self._otherwise: tuple[str, str] = (spec.otherwise.id, spec.otherwise.effect)
        self._not_passed = layout.not_passed
        self._derived_ids = layout.derived_ids
        self._derived_at = layout.derived_at
        self._number_facts = tuple(f.name for f in spec.facts if f.type == "number")
        options = dict(layout.changed_options)
        self._ruleset_document = {"id": spec.id, "version": spec.version,
                                  "hash": ruleset.content_hash, "options": options}
        # an option value orjson may write otherwise than repr: such documents are scanned
        self._options_plain = not any(fastjson.tiny(value) for value in options.values())

    def new_tally(self) -> Tally:
        """An empty tally of this evaluator's ruleset (to count a part of a batch apart)."""
        return Tally(self.ruleset)

    def line(self, number: int, row: int, line: int | None, raw: bytes | None,
             file: str | None) -> bytes:
        """The result line of one record: ``number`` is its ``row`` in the output (across the
        files of the batch), ``row`` and ``line`` its record and line in ``file``."""
        record: dict[str, Any] | InputError | FastRecord | None = None
        data = None
        if raw is not None and fastjson.orjson is not None:
            data = fastjson.record(raw, check_depth=self._check_depth)
        if data is None:
            record = jsonl_record(raw)  # the strict reader: a dict or the line's InputError
            data = record if type(record) is dict else None
        if self._fast and data is not None:
            try:
                fast = self._decided(number, data)
            except Exception:  # evaluated again below, by the path that reports it
                fast = None
            if fast is not None:
                return fast
        if record is None:  # read by orjson: kept if the office validates as it is, else
            assert raw is not None and data is not None  # read again strictly
            record = FastRecord(data, raw)
        item = evaluate_record(record, self.ruleset, row=row, line=line, file=file,
                               backend=self.backend, extra=self.extra)
        text = jsonl_line(number, item, full=self.full).encode("utf-8") + b"\n"
        self.tally.add(item)
        return text

    def _decided(self, number: int, data: dict[str, Any]) -> bytes | None:
        """The line of a valid office, or ``None`` when the office needs the full validator
        (it does not validate as it is) or a check across facts fails (the error is reported by
        the full path)."""
        parts: tuple[dict[str, Any], dict[str, str]] | None = self._validate(data)
        if parts is None:
            return None
        facts, evidence = parts
        if self._constraints is not None and False in self._constraints(facts):
            return None
        row = self._row(facts)
        for position, low, high in self._bounds:
            value = row[position]
            if value is not None and ((low is not None and value < low)
                                      or (high is not None and value > high)):
                return None
        outcome, effect = self._otherwise  # unless an outcome rule holds
        for position, rule, rule_effect in self._outcomes:
            value = row[position]
            if value is True:
                outcome, effect = rule, rule_effect
                break
            if value is None:  # undecided: the verdict lists what is missing
                return self._undecided(number, data, facts, evidence, row)
        fail, unknown, not_applicable, read = self._not_passed(row)
        kept: dict[str, Any] = {}
        if read:
            for name in dict.fromkeys(read):
                value = facts.get(name)
                if value is not None:
                    kept[name] = (value if type(value) in _SCALARS and name not in evidence
                                  else _fact_json(name, value, evidence))
        derived = self._derived_at(row) if self._derived_ids else ()
        plain = self._options_plain
        for value in derived:
            if value.__class__ is float and value != 0 and -1e-4 < value < 1e-4:
                plain = False
        for name in self._number_facts:
            if fastjson.tiny(facts.get(name)):
                plain = False
        document = {
            "row": number,
            "format": COMPACT_FORMAT,
            "office": {"id": data["id"], "name": data.get("name")},
            "ruleset": self._ruleset_document,
            "outcome": outcome,
            "effect": effect,
            "decided_by": outcome,
            "possible_outcomes": [],
            "missing_facts": [],
            "backend": "native",
            "not_passed": {"fail": fail, "unknown": unknown, "not_applicable": not_applicable},
            "values": dict(zip(self._derived_ids, derived, strict=True)),
            "facts": kept,
            "facts_complete": False,
        }
        text = fastjson.dumps_bytes(document, floats_checked=plain) + b"\n"
        self.tally.add_decided(outcome, row)
        return text

    def _undecided(self, number: int, data: dict[str, Any], facts: dict[str, Any],
                   evidence: dict[str, str], row: tuple[Any, ...]) -> bytes:
        office = Office(data["id"], MappingProxyType(facts), data.get("name"),
                        data.get("county"), data.get("note"), MappingProxyType(evidence))
        verdict = verdict_from_row(self.ruleset, office, row, "native")
        text = jsonl_line(number, verdict).encode("utf-8") + b"\n"
        self.tally.add(verdict)
        return text


def _fact_json(name: str, value: Any, evidence: Any) -> Any:
    """A validated fact in its JSON form, as the compact verdict writes it (a finding with its
    evidence as ``{met, evidence}``; sets as sorted lists, dates as text)."""
    if name in evidence:
        return {"met": value, "evidence": evidence[name]}
    if type(value) in _SCALARS:
        return value
    plain = json_value(value)
    return list(plain) if isinstance(plain, tuple) else plain

