"""Office input: validation and normalisation, derived from the ruleset's fact schema.

An office is plain data: ``{"id": ..., "name": ..., "county": ..., <fact>: <value>, ...}``.
For each compiled ruleset an attrs class with one optional field per fact is generated and
:mod:`cattrs` structures the input into it with per-field hooks, collecting *every* bad field
(detailed validation) before anything is evaluated. A missing fact, or ``null``, is *unknown*.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ..compile.codegen import CompiledProgram
from ..errors import InputError, InputProblem
from ..language.typecheck import suggest
from ..ruleset.model import FactSpec, RulesetSpec
from ..ruleset.values import finite_number
from .validation import compile_validator

__all__ = ["IDENTITY_FIELDS", "Office", "OfficeSchema", "derived_problems", "json_value"]

IDENTITY_FIELDS = ("id", "name", "county", "note")


def json_value(value: Any) -> Any:
    """A fact value in its JSON form: dates as ISO text, sets as sorted tuples."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return tuple(sorted(value))
    if isinstance(value, list):
        return tuple(value)
    return value


class _BadValueError(ValueError):
    """Raised by a field hook; carries the value and what was expected."""

    def __init__(self, value: Any, expected: str, message: str) -> None:
        super().__init__(message)
        self.value, self.expected, self.message = value, expected, message


@attrs.frozen
class Office:
    """A validated office: identity plus normalised fact values (missing facts are absent)."""

    id: str
    facts: Mapping[str, Any]
    name: str | None = None
    county: str | None = None
    note: str | None = None
    evidence: Mapping[str, str] = attrs.field(factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """Back to plain input data (JSON-ready)."""
        data: dict[str, Any] = {"id": self.id}
        for key in ("name", "county", "note"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        for name, value in self.facts.items():
            if name in self.evidence:
                data[name] = {"met": value, "evidence": self.evidence[name]}
            else:
                plain = json_value(value)
                data[name] = list(plain) if isinstance(plain, tuple) else plain
        return data


def _number_hook(fact: FactSpec, integer: bool) -> Callable[[Any, Any], Any]:
    expected = "an integer" if integer else "a number"
    bounds = []
    if fact.minimum is not None:
        bounds.append(f">= {fact.minimum:g}")
    if fact.maximum is not None:
        bounds.append(f"<= {fact.maximum:g}")
    if bounds:
        expected += " " + " and ".join(bounds)
    if fact.unit:
        expected += f" ({fact.unit})"

    def hook(value: Any, _: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _BadValueError(value, expected, f"expected {expected}, got {_shown(value)}")
        if not finite_number(value):
            # beyond 2**53 floats and integers disagree, and a rate of such counts overflows
            raise _BadValueError(value, expected, f"expected {expected}, got {_shown(value)}"
                                 + ("" if isinstance(value, float) and not math.isfinite(value)
                                    else " (numbers must be within +-2**53)"))
        if integer and isinstance(value, float):
            if not value.is_integer():
                raise _BadValueError(value, expected, f"expected {expected}, got {value!r}")
            value = int(value)
        if fact.minimum is not None and value < fact.minimum:
            raise _BadValueError(value, expected,
                            f"{value!r} is below the minimum {fact.minimum:g}")
        if fact.maximum is not None and value > fact.maximum:
            raise _BadValueError(value, expected,
                            f"{value!r} is above the maximum {fact.maximum:g}")
        return value

    return hook


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (from a JSON ``"\\ud800"`` escape): not Unicode,
    so it could be neither printed nor written to a UTF-8 file."""
    return _SURROGATE.search(text) is not None


def _shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        # str() of an integer beyond 4300 digits raises: count the digits from the bits
        digits = int(value.bit_length() * math.log10(2)) + 1
        about = "" if digits <= 4000 else "about "
        digits = len(str(abs(value))) if digits <= 4000 else digits
        return f"an integer of {about}{digits} digits (int)"
    try:
        text = repr(value)
    except ValueError:  # a container holding an integer too long to print
        return f"a {type(value).__name__} too large to show"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _choice_problem(fact: FactSpec, item: Any) -> str | None:
    if not isinstance(item, str) or item not in fact.value_ids:
        hint = suggest(item, fact.value_ids) if isinstance(item, str) else None
        extra = f"; did you mean {hint!r}?" if hint else ""
        return f"{_shown(item)} is not one of {list(fact.value_ids)}{extra}"
    return None


def _hook_for(fact: FactSpec) -> Callable[[Any, Any], Any]:
    if fact.type in ("number", "integer"):
        return _number_hook(fact, fact.type == "integer")
    if fact.type == "boolean":
        def boolean(value: Any, _: Any) -> Any:
            if value is None or isinstance(value, bool):
                return value
            raise _BadValueError(value, "true or false",
                                 f"expected true or false, got {_shown(value)}")
        return boolean
    if fact.type == "enum":
        def enum_value(value: Any, _: Any) -> Any:
            if value is None:
                return None
            problem = _choice_problem(fact, value)
            if problem:
                raise _BadValueError(value, f"one of {list(fact.value_ids)}", problem)
            return value
        return enum_value
    if fact.type == "set":
        def set_value(value: Any, _: Any) -> Any:
            if value is None:
                return None
            expected = f"a list of values from {list(fact.value_ids)}"
            if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
                raise _BadValueError(value, expected, f"expected {expected}, got {_shown(value)}")
            for item in value:
                problem = _choice_problem(fact, item)
                if problem:
                    raise _BadValueError(value, expected, problem)
            unique = frozenset(value)
            if len(unique) != len(value):  # a repeat is a typo or a merge gone wrong
                twice = sorted(item for item in unique if list(value).count(item) > 1)
                raise _BadValueError(value, expected + " without repeats",
                                     f"{twice[0]!r} is listed more than once")
            return unique
        return set_value
    if fact.type == "date":
        def date_value(value: Any, _: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            if isinstance(value, str) and _ISO_DATE.fullmatch(value):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
            raise _BadValueError(value, "a date YYYY-MM-DD",
                            f"expected a date YYYY-MM-DD, got {_shown(value)}")
        return date_value
    if fact.type == "finding":
        def finding(value: Any, _: Any) -> Any:
            if value is None or isinstance(value, bool):
                return value
            expected = "true, false or {met: true|false, evidence: text, by: text}"
            if isinstance(value, Mapping):
                extra = set(value) - {"met", "evidence", "by"}
                met = value.get("met")
                evidence = value.get("evidence")
                by = value.get("by")
                if not extra and (met is None or isinstance(met, bool)) and all(
                    v is None or (isinstance(v, str) and not has_surrogate(v))
                    for v in (evidence, by)
                ):
                    note = " / ".join(str(v) for v in (evidence, by) if v)
                    return (met, note or None)
            raise _BadValueError(value, expected, f"expected {expected}, got {_shown(value)}")
        return finding

    def text(value: Any, _: Any) -> Any:
        if isinstance(value, str) and has_surrogate(value):
            raise _BadValueError(value, "text", "the text holds a lone surrogate (not Unicode)")
        if value is None or isinstance(value, str):
            return value
        raise _BadValueError(value, "text", f"expected text, got {_shown(value)}")

    return text


def _identity_hook(name: str, required: bool) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if value is None:
            if required:
                raise _BadValueError(value, "a non-empty string", "the office id is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _BadValueError(value, "a string", f"expected a string, got {_shown(value)}")
        if isinstance(value, int) and not finite_number(value):
            raise _BadValueError(value, "a string", f"expected a string or a whole number "
                                 f"within +-2**53, got {_shown(value)}")
        if isinstance(value, str) and has_surrogate(value):
            raise _BadValueError(value, "a string", "the text holds a lone surrogate (not "
                                 "Unicode)")
        text = str(value)
        if required and not text.strip():
            raise _BadValueError(value, "a non-empty string", "the office id is empty")
        return text

    return hook


class OfficeSchema:
    """Validates office data for one ruleset. Built once per compiled ruleset."""

    def __init__(self, spec: RulesetSpec) -> None:
        self.spec = spec
        self.facts = {f.name: f for f in spec.facts}
        fields: dict[str, Any] = {"id": attrs.field(type=Any)}
        for key in IDENTITY_FIELDS[1:]:
            fields[key] = attrs.field(type=Any, default=None)
        for fact in spec.facts:
            fields[fact.name] = attrs.field(type=Any, default=None)
        self._cls = attrs.make_class(f"Office_{spec.id.replace('-', '_')}", fields, frozen=True)
        # cattrs types the per-field overrides and its own flags as one **kwargs: go through Any
        make_structure: Any = make_dict_structure_fn
        overrides = {"id": override(struct_hook=_identity_hook("id", True))}
        for key in IDENTITY_FIELDS[1:]:
            overrides[key] = override(struct_hook=_identity_hook(key, False))
        for fact in spec.facts:
            overrides[fact.name] = override(struct_hook=_hook_for(fact))
        self._strict = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
        self._lenient = cattrs.Converter(detailed_validation=True)
        self._structure: dict[str, Callable[[Any, Any], Any]] = {
            "error": make_structure(self._cls, self._strict, _cattrs_forbid_extra_keys=True,
                                    **overrides),
            "ignore": make_structure(self._cls, self._lenient, **overrides),
        }
        # the compiled fast path: plain valid JSON is checked inline; anything it does not
        # accept goes through the full validator above, which reports every problem
        self._fast = {
            "error": compile_validator(spec.facts, Office, forbid_extra=True),
            "ignore": compile_validator(spec.facts, Office, forbid_extra=False),
        }
        self._fast_strict = self._fast["error"]  # the default, without a lookup per office
        # the same checks giving the facts alone: deciding needs no Office (decide())
        self._fast_facts = compile_validator(spec.facts, Office, forbid_extra=True,
                                             facts_only=True)

    def parse(self, data: Any, *, extra: str = "error") -> Office:
        """Validate and normalise one office, or raise :class:`InputError` listing every problem.

        ``extra``: ``"error"`` (default) rejects keys that are not facts of the ruleset;
        ``"ignore"`` drops them.
        """
        fast = self._fast_strict if extra == "error" else self._fast.get(extra)
        if fast is not None:  # first: it refuses anything but a plain dict (an Office too)
            office: Office | None = fast(data)
            if office is not None:
                return office
        if isinstance(data, Office):
            return data
        if not isinstance(data, Mapping):
            raise InputError.from_problems([InputProblem(
                "$", data, "a mapping of fact names to values",
                f"an office must be a mapping, got {_shown(data)}")])
        if extra not in self._structure:
            raise ValueError(f"extra must be 'error' or 'ignore', not {extra!r}")
        office_id = data.get("id") if isinstance(data.get("id"), str) else None
        try:
            structured = self._structure[extra](dict(data), self._cls)
        except cattrs.ClassValidationError as group:
            raise InputError.from_problems(self._problems(group, data), office_id) from None
        except cattrs.ForbiddenExtraKeysError as exc:
            raise InputError.from_problems(
                self._extra_problems(exc.extra_fields, data), office_id) from None
        facts: dict[str, Any] = {}
        evidence: dict[str, str] = {}
        for name, fact in self.facts.items():
            value = getattr(structured, name)
            if fact.type == "finding" and isinstance(value, tuple):
                value, note = value
                if note:
                    evidence[name] = note
            if value is not None:
                facts[name] = value
        return Office(
            id=structured.id,
            facts=MappingProxyType(facts),
            name=structured.name,
            county=structured.county,
            note=structured.note,
            evidence=MappingProxyType(evidence),
        )

    def valid_facts(self, data: Any) -> Mapping[str, Any]:
        """The validated facts of an office (unknown keys refused), as :meth:`parse` would give
        them in ``Office.facts``; without building the ``Office`` when the data is plain valid
        JSON. The same errors as :meth:`parse`."""
        facts: Mapping[str, Any] | None = self._fast_facts(data)
        if facts is not None:
            return facts
        return self.parse(data).facts

    def _problems(self, group: BaseException, data: Mapping[str, Any]) -> list[InputProblem]:
        problems: list[InputProblem] = []
        for exc in getattr(group, "exceptions", ()):
            if isinstance(exc, cattrs.ForbiddenExtraKeysError):
                problems += self._extra_problems(exc.extra_fields, data)
                continue
            name = "$"
            for note in getattr(exc, "__notes__", ()):
                field = getattr(note, "name", None)
                if field:
                    name = str(field)
            if isinstance(exc, _BadValueError):
                problems.append(InputProblem(name, exc.value, exc.expected, exc.message))
            elif isinstance(exc, KeyError):
                problems.append(InputProblem(name, None, "a value", f"{name!r} is required"))
            else:
                problems.append(InputProblem(name, data.get(name), "a valid value", str(exc)))
        return problems

    def _extra_problems(self, extra: set[str], data: Mapping[str, Any]) -> list[InputProblem]:
        allowed = [*IDENTITY_FIELDS, *self.facts]
        problems = []
        for key in sorted(extra, key=str):
            hint = suggest(str(key), allowed)
            extra_hint = f"; did you mean {hint!r}?" if hint else ""
            problems.append(InputProblem(
                str(key), data.get(key), "a fact of the ruleset",
                f"unknown field {key!r} (not a fact of ruleset {self.spec.id}){extra_hint}"))
        return problems

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of an office for this ruleset."""
        properties: dict[str, Any] = {
            "id": {"type": "string", "minLength": 1, "description": "office identifier"},
            "name": {"type": ["string", "null"]},
            "county": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"]},
        }
        for fact in self.spec.facts:
            properties[fact.name] = _fact_schema(fact)
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:mingxing-rules:{self.spec.id}:{self.spec.version}:office",
            "title": f"Office for {self.spec.title.en} ({self.spec.id} {self.spec.version})",
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": properties,
        }


def _fact_schema(fact: FactSpec) -> dict[str, Any]:
    schema: dict[str, Any]
    if fact.type in ("number", "integer"):
        schema = {"type": ["number" if fact.type == "number" else "integer", "null"]}
        if fact.minimum is not None:
            schema["minimum"] = fact.minimum
        if fact.maximum is not None:
            schema["maximum"] = fact.maximum
    elif fact.type == "boolean":
        schema = {"type": ["boolean", "null"]}
    elif fact.type == "enum":
        schema = {"enum": [*fact.value_ids, None]}
    elif fact.type == "set":
        schema = {"type": ["array", "null"], "items": {"enum": list(fact.value_ids)},
                  "uniqueItems": True}
    elif fact.type == "date":
        schema = {"type": ["string", "null"], "format": "date",
                  "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    elif fact.type == "finding":
        schema = {"oneOf": [
            {"type": ["boolean", "null"]},
            {"type": "object", "additionalProperties": False,
             "properties": {"met": {"type": ["boolean", "null"]},
                            "evidence": {"type": "string"}, "by": {"type": "string"}}},
        ]}
    else:
        schema = {"type": ["string", "null"]}
    schema["title"] = fact.title.en
    schema["description"] = fact.title.zh + (
        f"；{fact.description.zh} / {fact.description.en}" if fact.description else "")
    if fact.unit:
        schema["x-unit"] = fact.unit
    return schema


_BOUNDS: dict[int, tuple[CompiledProgram, tuple[tuple[int, Any, Any], ...]]] = {}


def _derived_bounds(program: CompiledProgram) -> tuple[tuple[int, Any, Any], ...]:
    """``(position, min, max)`` of each bounded derived value; computed once per program (the
    program itself is kept in the cache, so an id is never reused for another)."""
    cached = _BOUNDS.get(id(program))
    if cached is not None and cached[0] is program:
        return cached[1]
    bounds = tuple((i, d.minimum, d.maximum) for i, d in enumerate(program.spec.derived)
                   if d.minimum is not None or d.maximum is not None)
    if len(_BOUNDS) > 256:
        _BOUNDS.clear()
    _BOUNDS[id(program)] = (program, bounds)
    return bounds


def derived_problems(program: CompiledProgram, office: Office) -> list[InputProblem]:
    """Derived values outside their declared ``min``/``max``: the facts they come from disagree.

    The problem is reported on the first fact the value reads (the numerator of a rate), and
    names every fact and value involved.
    """
    bounds = _derived_bounds(program)
    if not bounds:
        return []
    values = program.derive(office.facts)
    for position, low, high in bounds:  # the common case first: every value within bounds
        value = values[position]
        if value is not None and ((low is not None and value < low)
                                  or (high is not None and value > high)):
            break
    else:
        return []
    bounded = [(i, d) for i, d in enumerate(program.spec.derived)
               if d.minimum is not None or d.maximum is not None]
    reads = {info.id: info.reads for info in program.layout if info.kind == "derived"}
    problems = []
    for position, derived in bounded:
        value = values[position]
        if value is None:
            continue
        low, high = derived.minimum, derived.maximum
        if (low is None or value >= low) and (high is None or value <= high):
            continue
        unit = derived.unit or ""
        shown = f"{value * derived.scale:.4g}{unit}"
        sources = [n for n in reads.get(derived.name, ()) if n in office.facts]
        given = " and ".join(f"{n} {office.facts[n]!r}" for n in sources) or "the facts given"
        if high is not None and value > high:
            limit = f"above the maximum {high * derived.scale:g}{unit}"
        else:
            limit = f"below the minimum {(low or 0) * derived.scale:g}{unit}"
        expected = " and ".join(
            part for part in (
                f">= {low * derived.scale:g}{unit}" if low is not None else "",
                f"<= {high * derived.scale:g}{unit}" if high is not None else "") if part)
        problems.append(InputProblem(
            sources[0] if sources else derived.name,
            office.facts.get(sources[0]) if sources else value,
            f"{derived.name} {expected}",
            f"{given} give {derived.name} {shown}, {limit}: the counts disagree"))
    return problems
