"""Reading and writing a title register as JSON Lines or CSV.

Both formats hold one *record* per line (per row), each with a ``kind``:

* ``register``: optional header,
  ``{"kind": "register", "format": "mingxing-campaign/1", "city": ...}``
* ``office``: ``{"kind": "office", "id": ..., "name": ..., "county": ..., "office_kind": ...}``
* an event kind (``application``, ``assessment``, ``promotion``, ``award``, ``incident``,
  ``reassessment``, ``revocation``) with ``office_id``, ``date`` and the fields of that kind.

In CSV every record kind shares one header (:data:`CSV_COLUMNS`); an empty cell is an absent
field, booleans are ``true``/``false``, and the nested ``facts`` and ``verdict`` are JSON text.

Records are structured with ``cattrs`` under strict hooks (a ``"2013"`` is not silently a year in
JSON, a ``1`` is not a boolean), and *every* problem of the file, structural or about the history,
is reported at once with its line: ``register.jsonl:14 award.date: ...``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

from .. import jsonio
from ..atomic import atomic_write_text
from ..engine.office import has_surrogate
from ..errors import InputError, InputProblem
from .register import EVENT_TYPES, Event, Office, Register, invalid_register, register_problems

__all__ = [
    "CSV_COLUMNS",
    "FORMAT",
    "dump_register",
    "load_register",
    "parse_register",
    "register_from_records",
    "register_to_records",
    "save_register",
]

FORMAT = "mingxing-campaign/1"

#: The CSV header: every field of every record kind, nested values last.
CSV_COLUMNS: tuple[str, ...] = (
    "kind", "office_id", "date", "year",
    "id", "name", "county", "office_kind", "opened_on", "closed_on",
    "county_review_passed", "outcome", "effect", "of", "basis", "honour",
    "description", "major", "reason", "note",
    "format", "city",
    "facts", "verdict",
)
_CSV_BOOLEANS = frozenset({"county_review_passed", "major"})
_CSV_INTEGERS = frozenset({"year"})
_CSV_JSON = frozenset({"facts", "verdict"})


def _strict_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    def structure_date(value: object, _: type) -> dt.date:
        if isinstance(value, dt.datetime):
            raise ValueError("expected a date without a time")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
        raise TypeError(f"expected an ISO date string, got {type(value).__name__}")

    def structure_bool(value: object, _: type) -> bool:
        if isinstance(value, bool):
            return value
        raise TypeError(f"expected true or false, got {value!r}")

    def structure_int(value: object, _: type) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError(f"expected an integer, got {value!r}")

    def structure_str(value: object, _: type) -> str:
        if isinstance(value, str):
            return value
        raise TypeError(f"expected a string, got {value!r}")

    converter.register_structure_hook(dt.date, structure_date)
    converter.register_structure_hook(bool, structure_bool)
    converter.register_structure_hook(int, structure_int)
    converter.register_structure_hook(str, structure_str)
    converter.register_unstructure_hook(dt.date, dt.date.isoformat)
    return converter


_CONVERTER = _strict_converter()


def _problems_of(error: BaseException, where: str, record: Mapping[str, Any]) -> list[InputProblem]:
    """Flatten a cattrs validation error into problems naming the field and the bad value."""
    if isinstance(error, ForbiddenExtraKeysError):
        return [InputProblem(f"{where}.{name}", record.get(name), "a known field",
                             f"unknown field {name!r}")
                for name in sorted(error.extra_fields)]
    if isinstance(error, ClassValidationError):
        problems: list[InputProblem] = []
        for sub in error.exceptions:
            notes = getattr(sub, "__notes__", [])
            name = next((getattr(n, "name", None) for n in notes if hasattr(n, "name")), None)
            if name is None:
                problems.extend(_problems_of(sub, where, record))
                continue
            expected = getattr(next(n for n in notes if hasattr(n, "name")), "type", None)
            expected_text = _type_name(expected)
            if isinstance(sub, KeyError):
                problems.append(InputProblem(f"{where}.{name}", None, expected_text,
                                             f"required field {name!r} is missing"))
            else:
                problems.append(InputProblem(f"{where}.{name}", record.get(name), expected_text,
                                             str(sub)))
        return problems
    return [InputProblem(where, dict(record), "a valid record", str(error))]


def _type_name(annotation: object) -> str:
    text = getattr(annotation, "__name__", None)
    if text is None or "Literal" in repr(annotation) or "|" in repr(annotation):
        text = repr(annotation).replace("typing.", "")
    return str(text)


def register_from_records(
    records: Iterable[Mapping[str, Any]], *, source: str = "register"
) -> Register:
    """Build a :class:`Register` from plain records (dicts), reporting every problem at once.

    Problems are located as ``{source}:{n}``, ``n`` counting records from 1.
    """
    return _build(enumerate(records, start=1), source)


def _build(
    numbered: Iterable[tuple[int, Any]], source: str, problems: list[InputProblem] | None = None
) -> Register:
    problems = [] if problems is None else problems
    offices: list[Office] = []
    office_lines: list[int] = []
    events: list[Event] = []
    event_lines: list[int] = []
    city: str | None = ""
    header: dict[str, Any] = {}
    for line, record in numbered:
        where = f"{source}:{line}"
        if not isinstance(record, Mapping):
            problems.append(InputProblem(where, record, "an object with a 'kind'",
                                         "a record must be an object"))
            continue
        odd = _surrogate_path(record)
        if odd is not None:
            problems.append(InputProblem(f"{where} {odd}", None, "Unicode text",
                                         "the text holds a lone surrogate (not Unicode)"))
            continue
        fields = dict(record)
        kind = fields.pop("kind", None)
        if kind == "register":
            fmt = fields.pop("format", FORMAT)
            if fmt != FORMAT:
                problems.append(InputProblem(f"{where} register.format", fmt, FORMAT,
                                             f"unsupported register format {fmt!r}"))
            found_city = fields.pop("city", "")
            if found_city is None or isinstance(found_city, str):
                city = found_city
            else:
                problems.append(InputProblem(f"{where} register.city", found_city,
                                             "text or null", "the city must be text or null"))
            header = fields  # anything else the header says is kept as it is
            continue
        target: type[Office] | type[Event] | None = (
            Office if kind == "office" else EVENT_TYPES.get(str(kind)))
        if target is None:
            expected = ", ".join(("register", "office", *EVENT_TYPES))
            problems.append(InputProblem(f"{where} record.kind", kind, f"one of {expected}",
                                         f"unknown record kind {kind!r}"))
            continue
        try:
            value = _CONVERTER.structure(fields, target)
        except Exception as error:  # cattrs raises grouped errors of many types
            problems.extend(_problems_of(error, f"{where} {kind}", fields))
            continue
        if isinstance(value, Office):
            offices.append(value)
            office_lines.append(line)
        else:
            events.append(value)
            event_lines.append(line)

    problems.extend(register_problems(
        offices, events,
        office_where=lambda i: f"{source}:{office_lines[i]} office",
        event_where=lambda i: f"{source}:{event_lines[i]} {events[i].kind}",
    ))
    if problems:
        raise invalid_register(sorted(problems, key=_line_of), source)
    return Register(offices=offices, events=events, city=city, header=header)


def _line_of(problem: InputProblem) -> int:
    """The record line a located problem names (``source:12 award.date`` -> 12)."""
    head = problem.path.split(" ", 1)[0]
    digits = head.rsplit(":", 1)[-1].split(".", 1)[0]
    return int(digits) if digits.isdigit() else 0


def register_to_records(register: Register) -> list[dict[str, Any]]:
    """The register as plain records: header, offices, then the events as listed.

    Fields equal to their default are left out, so the records stay short.
    """
    records: list[dict[str, Any]] = [{"kind": "register", "format": FORMAT,
                                      "city": register.city, **register.header}]
    for office in register.offices:
        records.append({"kind": "office", **_compact(office)})
    for event in register.events:
        records.append({"kind": event.kind, **_compact(event)})
    return records


def _compact(value: Office | Event) -> dict[str, Any]:
    full: dict[str, Any] = _CONVERTER.unstructure(value)
    defaults = {a.name: a.default for a in attrs.fields(type(value))
                if a.default is not attrs.NOTHING}
    compact: dict[str, Any] = {}
    for name, item in full.items():
        default = defaults.get(name, attrs.NOTHING)
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if name in defaults and item == default:
            continue
        compact[name] = item
    return compact


# -- JSON Lines ----------------------------------------------------------------------------------


def _jsonl_records(
    text: str, source: str, problems: list[InputProblem]
) -> list[tuple[int, Any]]:
    numbered: list[tuple[int, Any]] = []
    # lines end at "\n" only: str.splitlines() would also split at U+2028, U+0085 ... inside a
    # name, which JSON allows raw
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            numbered.append((number, jsonio.loads(line)))
        except jsonio.JsonInputError as error:
            problems.append(InputProblem(
                f"{source}:{number}", line[:80], "one JSON object per line",
                f"not valid JSON: {error.reason}" + (f" at column {error.column}"
                                                     if error.column else "")))
    return numbered


def _surrogate_path(value: Any, path: str = "") -> str | None:
    """Where a lone surrogate hides in a record (keys and values, nested), if anywhere."""
    if isinstance(value, str):
        return path or "$" if has_surrogate(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_surrogate(key):
                return path or "$"
            found = _surrogate_path(item, inner)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _surrogate_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _csv_records(
    text: str, source: str, problems: list[InputProblem]
) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = list(reader.fieldnames or ())
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown or "kind" not in columns:
        problems.append(InputProblem(
            f"{source}:1", columns, "columns from: " + ", ".join(CSV_COLUMNS),
            f"unknown CSV columns {unknown}" if unknown else "the CSV has no 'kind' column"))
        return []
    numbered: list[tuple[int, Any]] = []
    for row in reader:
        where = f"{source}:{reader.line_num}"
        before = len(problems)
        record: dict[str, Any] = {}
        for column, cell in row.items():
            if column is None or cell is None or cell == "":
                continue
            record[column] = _csv_cell(column, cell, where, problems)
        if len(problems) == before:
            numbered.append((reader.line_num, record))
    return numbered


def _csv_cell(column: str, cell: str, where: str, problems: list[InputProblem]) -> Any:
    if column in _CSV_BOOLEANS:
        lowered = cell.strip().lower()
        if lowered in {"true", "yes", "1"}:
            return True
        if lowered in {"false", "no", "0"}:
            return False
        problems.append(InputProblem(f"{where}.{column}", cell, "true or false",
                                     f"{column} must be true or false"))
        return cell
    if column in _CSV_INTEGERS:
        try:
            return int(cell)
        except ValueError:
            problems.append(InputProblem(f"{where}.{column}", cell, "an integer",
                                         f"{column} must be an integer"))
            return cell
    if column in _CSV_JSON:
        try:
            return jsonio.loads(cell)
        except jsonio.JsonInputError as error:
            problems.append(InputProblem(f"{where}.{column}", cell[:80], "JSON text",
                                         f"{column} is not valid JSON: {error.reason}"))
            return cell
    return cell


def parse_register(text: str, *, fmt: str, source: str = "register") -> Register:
    """Parse register text in ``fmt`` (``"jsonl"`` or ``"csv"``); problems name file lines."""
    problems: list[InputProblem] = []
    if fmt == "jsonl":
        numbered = _jsonl_records(text, source, problems)
    elif fmt == "csv":
        numbered = _csv_records(text, source, problems)
    else:
        raise InputError(f"unknown register format {fmt!r} (expected jsonl or csv)")
    return _build(numbered, source, problems)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise InputError(
        f"{path}: cannot tell the register format from the suffix {suffix!r}",
        problems=[InputProblem(str(path), suffix, ".jsonl, .ndjson or .csv",
                               "unknown register file suffix")],
    )


def load_register(path: str | Path) -> Register:
    """Load a register from a ``.jsonl`` / ``.ndjson`` or ``.csv`` file."""
    file = Path(path)
    fmt = _format_of(file)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise InputError(f"{file}: cannot read the register ({error.strerror})") from None
    try:
        # decoded as is: a CR inside a quoted CSV cell is data, not a line break to translate
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"{file}:{line}: the register is not valid UTF-8",
                         problems=[InputProblem(f"{file}:{line}", None, "UTF-8 text",
                                                "not valid UTF-8")]) from None
    return parse_register(text, fmt=fmt, source=str(path))


def dump_register(register: Register, *, fmt: str) -> str:
    """The register as text in ``fmt`` (``"jsonl"`` or ``"csv"``)."""
    records = register_to_records(register)
    if fmt == "jsonl":
        return "".join(_json_line(r) + "\n" for r in records)
    if fmt == "csv":
        if register.header:
            raise InputError(
                "the register's header has fields a CSV register cannot hold ("
                + ", ".join(sorted(register.header)) + "); save it as .jsonl")
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        # the csv module quotes a cell holding "\n" but not one holding a lone "\r", which
        # every reader then takes for a line break: such rows are written fully quoted
        quoted = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n",
                                quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for record in records:
            row = {key: _csv_text(key, value) for key, value in record.items()}
            (quoted if any("\r" in cell for cell in row.values()) else writer).writerow(row)
        return out.getvalue()
    raise InputError(f"unknown register format {fmt!r} (expected jsonl or csv)")


_LINE_BREAKS_IN_TEXT = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _json_line(record: Mapping[str, Any]) -> str:
    """One record as one line: characters other tools take for line breaks are escaped (JSON
    allows them raw inside strings, but a reader splitting lines would cut the record)."""
    text = jsonio.dumps(record, sort_keys=False)
    for raw, escaped in _LINE_BREAKS_IN_TEXT.items():
        text = text.replace(raw, escaped)
    return text


def _csv_text(column: str, value: Any) -> str:
    if value is None:
        return ""  # an empty cell is an absent field (a null city reads back as no city)
    if column in _CSV_JSON:
        return jsonio.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def save_register(register: Register, path: str | Path) -> None:
    """Write the register to ``path`` atomically (the old file stays whole if anything fails);
    the suffix picks the format."""
    file = Path(path)
    atomic_write_text(file, dump_register(register, fmt=_format_of(file)), newline="")
