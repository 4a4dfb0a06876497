"""An office as durable_rules events, type-checked first (mixed types compare as strings).

The pre-pass computes the derived values and the outside terms; every fact and computed value
is checked against the kind its event property has, then written with the JSON writers
durable_rules reads exactly. Missing values are left out: the network's ``$nex`` rules make them
unknown.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

from ...engine.office import Office
from ...errors import EvaluationError, InputError, InputProblem
from .jsontext import date_number, number_text
from .model import Translation

__all__ = ["encode_office"]


def _is_number(value: Any) -> bool:
    # type() rather than isinstance: bool is an int subclass and must not pass as a number
    return type(value) in (int, float) and not (type(value) is float and math.isnan(value))


def _is_set(value: Any) -> bool:
    return isinstance(value, frozenset | set | tuple | list) and all(
        type(v) is str for v in value)


_TYPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "number": (_is_number, "a number (not a boolean, not NaN)"),
    "boolean": (lambda v: type(v) is bool, "true or false"),
    "string": (lambda v: type(v) is str, "a string"),
    "date": (lambda v: type(v) is dt.date, "a date"),
    "list": (_is_set, "a set of strings"),
}


def _number_json(value: Any) -> str:
    if type(value) is int and -(2**63) < value < 2**63:
        return str(value)
    if type(value) is float:
        text = repr(value)
        if "e" not in text and "n" not in text:  # no exponent, not inf/nan
            return text
    return number_text(value)


def _list_json(value: Any) -> str:
    return "[" + ",".join(json.dumps(v, ensure_ascii=False) for v in sorted(value)) + "]"


_WRITERS: dict[str, Callable[[Any], str]] = {
    "number": _number_json,
    "boolean": lambda v: "true" if v else "false",
    "string": lambda v: json.dumps(v, ensure_ascii=False),
    "date": lambda v: str(date_number(v)),
    "list": _list_json,
    "size": lambda v: str(len(v)),
}


def _type_problem(name: str, kind: str, value: Any, source: str) -> InputProblem | None:
    check, expected = _TYPE_CHECKS["list" if kind == "size" else kind]
    if check(value):
        return None
    return InputProblem(
        name, value, expected,
        f"expected {expected}, got {value!r} ({type(value).__name__}); the durable backend checks "
        f"every {source} value before asserting it (durable_rules would compare mixed types as "
        "strings)")


def encode_office(translation: Translation, office: Office, sid: str
                  ) -> tuple[str, dict[str, Any]]:
    """The office events (one JSON array) and the derived values, after checking every type.

    Missing values are left out of the events: the network's ``$nex`` rules make them unknown.
    An empty set is sent as its size 0 and no list, because ``$iall`` on ``[]`` is false.
    """
    facts = office.facts
    problems = [problem for name, kind in translation.checked_facts
                if (value := facts.get(name)) is not None
                and (problem := _type_problem(name, kind, value, "fact")) is not None]
    if problems:
        raise InputError.from_problems(problems, office.id)
    computed: dict[str, Any] = {}
    if translation.derived_getters or translation.outside_terms:
        env = dict(facts)
        for name, getter in translation.derived_getters:
            env[name] = computed[f"d_{name}"] = getter(env)
        for term in translation.outside_terms:
            computed[term.key] = term.getter(env)
        for key, value in computed.items():
            if value is None:
                continue
            # a derived value read only by other derived values has no field in the network
            kind = translation.field_kinds.get(key, "number")
            problem = _type_problem(key, kind, value, "computed")
            if problem is not None:
                raise EvaluationError(f"office {office.id!r}: {problem.message}")
    head = '{"sid":"' + sid + '","t":"'
    parts: list[str] = []
    for event, fields in translation.event_plan:
        items = [head, event, '"']
        for prefix, source, name, kind in fields:
            value = facts.get(name) if source == "fact" else computed.get(name)
            if value is None or (kind == "list" and not value):
                continue
            items.append(prefix)
            items.append(_WRITERS[kind](value))
        items.append("}")
        parts.append("".join(items))
    derived = {name: computed[f"d_{name}"] for name, _ in translation.derived_getters}
    return "[" + ",".join(parts) + "]", derived
