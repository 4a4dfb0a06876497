"""Office validation compiled from the fact schema: the fast path of :class:`OfficeSchema`.

Validating an office field by field through cattrs costs ~100 µs; most offices are plain JSON
that is entirely valid. For each ruleset one Python function is generated from the fact schema
that checks every fact inline (type, range, allowed values) and builds the :class:`Office`
directly. It **accepts only what the full validator accepts, normalised the same way**, and
gives up (returns ``None``) on anything else — a wrong type, a value out of range, an extra key,
a date that is not ``YYYY-MM-DD``, a repeated set item, a lone surrogate, a ``datetime.date``
object — so the full validator then runs and reports every problem
with its field and value. A property test (``tests/test_validation.py``) checks that the two agree
on every office the fast path accepts.

The function's source is written from the schema with every name and value as a Python literal
(``repr``); no text of the ruleset is ever executed. ``docs/performance.md`` says why this was
chosen over msgspec.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from ..ruleset.model import FactSpec

__all__ = ["compile_validator", "validator_source"]

_LIMIT = 2**53  # numbers beyond are refused by the full validator (floats and ints disagree)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate is not text (the full validator
# refuses it with its message)

Validator = Callable[[Any], Any]


def _fact_lines(index: int, fact: FactSpec, constants: dict[str, Any]) -> list[str]:
    name = repr(fact.name)
    if fact.type in ("boolean", "finding", "integer"):
        return _common_first(fact, name)
    lines = [f"    v = g({name})", "    if v is not None:"]
    body: list[str] = []
    if fact.type == "number":
        low, high = _bounds(fact)
        # integers first: JSON numbers without a fraction are the common case
        body += ["t = type(v)", "if t is int:",
                 f"    if not {low!r} <= v <= {high!r}: return None",
                 "elif t is float:",
                 # NaN fails every comparison, so the range test refuses it too
                 f"    if not {float(low)!r} <= v <= {float(high)!r}: return None",
                 "else: return None"]
    elif fact.type == "enum":
        key = f"E{index}"
        constants[key] = frozenset(fact.value_ids)
        body.append(f"if type(v) is not str or v not in {key}: return None")
    elif fact.type == "set":
        key = f"E{index}"
        constants[key] = frozenset(fact.value_ids)
        # the allowed values are text: a set within them holds text only (no loop over the
        # items); an item that cannot be hashed (a list) is refused by frozenset()
        body += ["if type(v) is not list: return None",
                 "try:", "    s = frozenset(v)", "except TypeError:", "    return None",
                 f"if len(s) != len(v) or not s <= {key}: return None",
                 "v = s"]
    elif fact.type == "date":
        body += ["if type(v) is not str or not _date_text(v): return None",
                 "try:", "    v = _date(v)", "except ValueError:", "    return None"]
    else:  # text
        # an ASCII text cannot hold a surrogate: the search runs only on other text
        body.append("if type(v) is not str or (not v.isascii() and _surrogate(v)): return None")
    body.append(f"facts[{name}] = v")
    return lines + ["        " + line for line in body]


def _bounds(fact: FactSpec) -> tuple[int | float, int | float]:
    low = -_LIMIT if fact.minimum is None else max(-_LIMIT, fact.minimum)
    high = _LIMIT if fact.maximum is None else min(_LIMIT, fact.maximum)
    return low, high


def _common_first(fact: FactSpec, name: str) -> list[str]:
    """Flags and integers, the facts most rulesets are made of: the common value (``true`` or
    ``false``; an integer within range) costs one or two tests and the store; missing values
    and the other forms (a finding with its evidence, an integer column of pandas as floats)
    are checked after."""
    lines = [f"    v = g({name})"]
    if fact.type == "integer":
        low, high = _bounds(fact)
        return [
            *lines,
            f"    if type(v) is int and {low!r} <= v <= {high!r}:",
            f"        facts[{name}] = v",
            "    elif v is not None:",
            # floats from pandas' integer columns with gaps; NaN fails the range test
            f"        if type(v) is not float or not {float(low)!r} <= v <= {float(high)!r}:",
            "            return None",
            "        if not v.is_integer(): return None",
            f"        facts[{name}] = int(v)"]
    lines += ["    if v is True or v is False:",
              f"        facts[{name}] = v",
              "    elif v is not None:"]
    if fact.type == "boolean":
        return [*lines, "        return None"]
    return [  # a finding given with its evidence
        *lines,
        "        if type(v) is not dict or not v.keys() <= _FINDING_KEYS: return None",
        "        met, evidence, by = v.get('met'), v.get('evidence'), v.get('by')",
        "        if met is not None and met is not True and met is not False: return None",
        "        if evidence is not None and (type(evidence) is not str",
        "                                     or _surrogate(evidence)): return None",
        "        if by is not None and (type(by) is not str or _surrogate(by)): return None",
        "        remark = ' / '.join([x for x in (evidence, by) if x])",
        f"        if remark: notes[{name}] = remark",
        f"        if met is not None: facts[{name}] = met"]


def validator_source(facts: tuple[FactSpec, ...], *, forbid_extra: bool,
                     facts_only: bool = False, parts: bool = False
                     ) -> tuple[str, dict[str, Any]]:
    """The generated function's source and its constants (for review and tests).
    ``facts_only``: the function returns the facts mapping alone (a plain dict, panel findings
    without their evidence), for callers that only decide, not the ``Office``. ``parts``: it
    returns ``(facts, evidence)`` as plain dicts (the ``Office`` fields the data does not give
    as they are), for callers that build an ``Office`` only when they need one: the compiled
    conditions read a plain dict faster than the ``Office``'s mapping proxy."""
    constants: dict[str, Any] = {}
    allowed = frozenset(("id", "name", "county", "note", *(f.name for f in facts)))
    constants["ALLOWED"] = allowed
    lines = ["def check(data):",
             "    if type(data) is not dict: return None"]
    if forbid_extra:
        lines.append("    if not data.keys() <= ALLOWED: return None")
    lines += ["    g = data.get",
              "    ident = g('id')",
              "    if type(ident) is not str or not ident.strip(): return None",
              "    if not ident.isascii() and _surrogate(ident): return None",
              "    name, county, note = g('name'), g('county'), g('note')"]
    for label in ("name", "county", "note"):  # inline: no tuple and loop per office
        lines.append(f"    if {label} is not None and (type({label}) is not str or ("
                     f"not {label}.isascii() and _surrogate({label}))): return None")
    lines += ["    facts = {}",
              "    notes = {}"]
    for index, fact in enumerate(facts):
        lines += _fact_lines(index, fact, constants)
    if facts_only:
        lines.append("    return facts")
    elif parts:
        lines.append("    return facts, notes")
    else:
        lines.append("    return _office(ident, _proxy(facts), name, county, note, "
                     "_proxy(notes) if notes else _NO_NOTES)")
    return "\n".join(lines) + "\n", constants


def compile_validator(facts: tuple[FactSpec, ...], office: type, *, forbid_extra: bool,
                      facts_only: bool = False, parts: bool = False) -> Validator:
    """The fast validator for these facts: an ``Office`` (``facts_only``: its facts;
    ``parts``: ``(facts, evidence)``, see :func:`validator_source`) or ``None`` (then the full
    validator must run). ``office`` is the :class:`~mingxing_rules.engine.office.Office`
    class."""
    source, constants = validator_source(facts, forbid_extra=forbid_extra, facts_only=facts_only,
                                         parts=parts)
    code = compile(source, "<mingxing-rules office validator>", "exec")
    namespace: dict[str, Any] = {
        "__builtins__": {}, "type": type, "str": str, "int": int, "float": float,
        "dict": dict, "list": list, "frozenset": frozenset, "len": len, "ValueError": ValueError,
        "TypeError": TypeError,
        "_date": dt.date.fromisoformat, "_date_text": _DATE.fullmatch, "_proxy": MappingProxyType,
        "_office": office, "_FINDING_KEYS": frozenset(("met", "evidence", "by")),
        "_surrogate": _SURROGATE.search, "_NO_NOTES": MappingProxyType({}), **constants,
    }
    function = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    checker: Validator = types.FunctionType(function, namespace, "check")
    return checker
