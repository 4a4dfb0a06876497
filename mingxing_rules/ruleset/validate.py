"""Stage 2: check a YAML document against the ruleset format and build a :class:`RulesetSpec`.

Every problem is collected (not only the first) with its :class:`~mingxing_rules.errors.Location`;
:func:`validate_ruleset` raises one :class:`~mingxing_rules.errors.RulesetError` carrying them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

import attrs

from ..errors import Location, RulesetError, RulesetProblem
from ..language import typecheck as _types
from ..language.expr import Expr, ExprSyntaxError, names_in, parse
from .messages import catalogue_fields, template_problems
from .model import (
    ConstraintSpec,
    DerivedSpec,
    EnumValue,
    FactSpec,
    NodeSpec,
    OptionSpec,
    RulesetSpec,
    Text,
)
from .properties import read_properties
from .source import SourceMap, child_path
from .values import as_date, finite_number, option_value_problem

__all__ = ["FORMAT", "RESERVED_OUTCOMES", "validate_ruleset"]

FORMAT = "mingxing-rules/1"
RESERVED_OUTCOMES = frozenset({"UNDECIDED"})
RESERVED_FIELDS = frozenset({"id", "name", "county", "note"})
MAX_ITEMS = 2000  # facts, rules, criteria ... of one kind in one ruleset

# matched with fullmatch (``$`` would let a trailing newline through) and ASCII only: ids reach
# generated code and file names
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}", re.ASCII)
_OUTCOME = re.compile(r"[A-Z][A-Z0-9_]{0,63}", re.ASCII)
_FACT_TYPES = ("number", "integer", "boolean", "enum", "set", "date", "finding", "text")
_OPTION_TYPES = ("boolean", "integer", "number", "enum")
_TOP_KEYS = ("format", "ruleset", "options", "facts", "derived", "groups", "rules", "decision",
              "messages", "constraints")
_EXTRA_TOP_KEYS = ("properties",)  # declared properties (mingxing_rules.ruleset.properties)


class _Collector:
    """Problems found so far, with the source map to locate them."""

    def __init__(self, marks: SourceMap) -> None:
        self.marks = marks
        self.problems: list[RulesetProblem] = []

    def add(self, code: str, path: str, message: str, rule_id: str | None = None,
            token: str | None = None, severity: str = "error") -> None:
        self.problems.append(
            RulesetProblem(code, message, self.marks.locate(path, rule_id), severity, token)
        )

    def located(self, path: str, rule_id: str | None = None) -> Location:
        return self.marks.locate(path, rule_id)


# -- small readers: each returns a value or None after reporting ----------------------------------


def _mapping(c: _Collector, value: Any, path: str, rule_id: str | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        c.add("R102", path, f"expected a mapping, found {_kind(value)}", rule_id)
        return {}
    return value


def _keys(c: _Collector, value: Mapping[str, Any], path: str, allowed: Iterable[str],
          required: Iterable[str], rule_id: str | None = None) -> None:
    allowed = tuple(allowed)
    for key in value:
        if key not in allowed:
            hint = _types.suggest(key, allowed)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            c.add("R101", child_path(path, key), f"unknown key {key!r}{extra}; allowed: "
                  + ", ".join(allowed), rule_id, key)
    for key in required:
        if key not in value:
            c.add("R103", path, f"missing required key {key!r}", rule_id, key)


def _absent(c: _Collector, value: Any, path: str, message: str, rule_id: str | None,
            required: bool) -> bool:
    """Whether ``value`` is absent (None), reported as missing (R103) when it is required."""
    if value is not None:
        return False
    if required:
        c.add("R103", path, message, rule_id)
    return True


def _text(c: _Collector, value: Any, path: str, rule_id: str | None = None,
          required: bool = True) -> Text | None:
    if _absent(c, value, path, "missing bilingual text {zh: ..., en: ...}", rule_id, required):
        return None
    if not isinstance(value, dict) or set(value) != {"zh", "en"} or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        c.add("R104", path, "expected a bilingual text {zh: ..., en: ...} with both texts "
              "non-empty", rule_id)
        return None
    return Text(zh=value["zh"], en=value["en"])


def _string(c: _Collector, value: Any, path: str, rule_id: str | None = None,
            required: bool = True) -> str | None:
    if _absent(c, value, path, "missing value", rule_id, required):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        c.add("R102", path, f"expected a string, found {_kind(value)}", rule_id)
        return None
    text = str(value)
    if not text.strip():
        c.add("R102", path, "expected a non-empty string", rule_id)
        return None
    return text


def _number(c: _Collector, value: Any, path: str, rule_id: str | None = None) -> float | None:
    if value is None:
        return None
    if not finite_number(value):
        shown = repr(value) if len(repr(value)) <= 30 else repr(value)[:27] + "..."
        c.add("R102", path, f"expected a finite number, found {shown} (numbers must be within "
              "+-2**53)", rule_id)
        return None
    number: float = value
    return number


def _date(c: _Collector, value: Any, path: str, required: bool = True) -> dt.date | None:
    if _absent(c, value, path, "missing date", None, required):
        return None
    day = as_date(value)
    if day is not None:
        return day
    c.add("R105", path, f"expected a date YYYY-MM-DD, found {value!r}")
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _name(c: _Collector, value: Any, path: str, pattern: re.Pattern[str] = _NAME,
          what: str = "id") -> str | None:
    text = _string(c, value, path)
    if text is None:
        return None
    if not pattern.fullmatch(text):
        shape = "UPPER_CASE" if pattern is _OUTCOME else "lower_snake_case"
        c.add("R106", path, f"{what} {text!r} must be {shape} (letters, digits, _; at most 64)",
              None, text)
        return None
    return text


def _list(c: _Collector, value: Any, path: str, rule_id: str | None = None) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        c.add("R102", path, f"expected a list, found {_kind(value)}", rule_id)
        return []
    if len(value) > MAX_ITEMS:
        c.add("R107", path, f"{len(value)} items; the limit is {MAX_ITEMS}", rule_id)
        return value[:MAX_ITEMS]
    return value


# -- sections -------------------------------------------------------------------------------------


def _enum_values(c: _Collector, value: Any, path: str, rule_id: str) -> tuple[EnumValue, ...]:
    values: list[EnumValue] = []
    for index, item in enumerate(_list(c, value, path, rule_id)):
        item_path = child_path(path, index)
        if isinstance(item, str):
            values.append(EnumValue(item, Text(item, item)))
            continue
        item_map = _mapping(c, item, item_path, rule_id)
        _keys(c, item_map, item_path, ("id", "zh", "en"), ("id",), rule_id)
        ident = _string(c, item_map.get("id"), child_path(item_path, "id"), rule_id)
        if ident is not None:
            zh = str(item_map.get("zh", ident))
            en = str(item_map.get("en", ident))
            values.append(EnumValue(ident, Text(zh, en)))
    ids = [v.id for v in values]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        c.add("R201", path, f"value {dup!r} is listed twice", rule_id, dup)
    return tuple(values)


def _typed_declaration(c: _Collector, body: Any, path: str, name: str, what: str,
                       types: tuple[str, ...], allowed: tuple[str, ...],
                       required: tuple[str, ...]) -> tuple[dict[str, Any], Any] | None:
    """A fact or option declaration: a mapping with the allowed keys and a known ``type``
    (None, with R108, when the type is unknown: nothing else about it can be checked)."""
    spec = _mapping(c, body, path, name)
    _keys(c, spec, path, allowed, required, name)
    declared = spec.get("type")
    if declared not in types:
        c.add("R108", child_path(path, "type"), f"unknown {what} type {declared!r}; allowed: "
              + ", ".join(types), name, str(declared))
        return None
    return spec, declared


def _facts(c: _Collector, raw: Any) -> list[FactSpec]:
    facts: list[FactSpec] = []
    section = _mapping(c, raw, "facts")
    if len(section) > MAX_ITEMS:
        c.add("R107", "facts", f"{len(section)} facts; the limit is {MAX_ITEMS}")
    for name, body in list(section.items())[:MAX_ITEMS]:
        path = child_path("facts", name)
        if _name(c, name, path, what="fact name") is None:
            continue
        if name in RESERVED_FIELDS:
            c.add("R202", path, f"{name!r} is reserved for the office's identity", name, name)
            continue
        typed = _typed_declaration(
            c, body, path, name, "fact", _FACT_TYPES,
            ("type", "title", "description", "unit", "min", "max", "values"), ("type", "title"))
        if typed is None:
            continue
        spec, ftype = typed
        title = _text(c, spec.get("title"), child_path(path, "title"), name)
        description = _text(c, spec.get("description"), child_path(path, "description"), name,
                            required=False)
        unit = _string(c, spec.get("unit"), child_path(path, "unit"), name, required=False)
        minimum = _number(c, spec.get("min"), child_path(path, "min"), name)
        maximum = _number(c, spec.get("max"), child_path(path, "max"), name)
        if (minimum is not None or maximum is not None) and ftype not in ("number", "integer"):
            c.add("R109", path, f"min/max only apply to number and integer facts, not {ftype}",
                  name)
        if minimum is not None and maximum is not None and minimum > maximum:
            c.add("R109", child_path(path, "min"), f"min {minimum} is greater than max {maximum}",
                  name)
        values: tuple[EnumValue, ...] = ()
        if ftype in ("enum", "set"):
            values = _enum_values(c, spec.get("values"), child_path(path, "values"), name)
            if not values:
                c.add("R103", path, f"a {ftype} fact needs a non-empty 'values' list", name)
        elif "values" in spec:
            c.add("R109", child_path(path, "values"), f"'values' only applies to enum and set "
                  f"facts, not {ftype}", name)
        if title is not None:
            facts.append(FactSpec(name, ftype, title, description, unit, minimum, maximum, values,
                                  c.located(path, name)))
    return facts


def _options(c: _Collector, raw: Any) -> list[OptionSpec]:
    options: list[OptionSpec] = []
    for name, body in _mapping(c, raw, "options").items():
        path = child_path("options", name)
        if _name(c, name, path, what="option name") is None:
            continue
        typed = _typed_declaration(
            c, body, path, name, "option", _OPTION_TYPES,
            ("type", "default", "description", "clause", "values", "min", "max"),
            ("type", "default", "description", "clause"))
        if typed is None:
            continue
        spec, otype = typed
        description = _text(c, spec.get("description"), child_path(path, "description"), name)
        clause = _string(c, spec.get("clause"), child_path(path, "clause"), name)
        values = tuple(str(v) for v in _list(c, spec.get("values"), child_path(path, "values"),
                                              name))
        minimum = _number(c, spec.get("min"), child_path(path, "min"), name)
        maximum = _number(c, spec.get("max"), child_path(path, "max"), name)
        default = spec.get("default")
        if "default" in spec:
            problem = option_value_problem(otype, values, minimum, maximum, default)
            if problem:
                c.add("R110", child_path(path, "default"), f"default {default!r}: {problem}", name)
                continue
        if otype == "enum" and not values:
            c.add("R103", path, "an enum option needs a non-empty 'values' list", name)
            continue
        if description is not None and clause is not None and "default" in spec:
            options.append(OptionSpec(name, cast(Any, otype), default, description, clause,
                                      values, minimum, maximum, c.located(path, name)))
    return options


class _Parsed:
    """A condition's text, its tree (or None if it failed to parse) and where it is."""

    def __init__(self, text: str, tree: Expr | None, path: str, rule_id: str) -> None:
        self.text, self.tree, self.path, self.rule_id = text, tree, path, rule_id


def _condition(c: _Collector, value: Any, path: str, rule_id: str, parsed: list[_Parsed],
               required: bool = True) -> _Parsed | None:
    if value is None and not required:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = _string(c, value, path, rule_id, required)
    if text is None:
        return None
    try:
        tree: Expr | None = parse(text)
    except ExprSyntaxError as exc:
        c.add("E101", path, f"{exc.message} (at character {exc.pos + 1} of {text!r})"
              if len(text) <= 80 else f"{exc.message} (at character {exc.pos + 1})",
              rule_id, exc.token)
        tree = None
    except RecursionError:
        c.add("E102", path, "expression nests too deeply", rule_id)
        tree = None
    entry = _Parsed(text, tree, path, rule_id)
    parsed.append(entry)
    return entry


def _node(c: _Collector, raw: Any, path: str, kind: str, parsed_conditions: list[_Parsed],
          parent: str | None, extra_keys: tuple[str, ...] = (),
          pattern: re.Pattern[str] = _NAME) -> tuple[dict[str, Any], NodeSpec | None]:
    body = _mapping(c, raw, path)
    rule_id = _name(c, body.get("id"), child_path(path, "id"), pattern, f"{kind} id")
    label = rule_id or f"<{kind} without id>"
    needs_condition = kind in ("criterion", "rule", "outcome")
    needs_quote = kind in ("criterion", "rule")
    allowed = ("id", "clause", "quote", "title", "description", "condition", "applies_if",
               *extra_keys)
    required = ["id", "clause", "title"]
    if needs_condition:
        required.append("condition")
    if needs_quote:
        required.append("quote")
    _keys(c, body, path, allowed, (), label)
    for key in required:
        if body.get(key) is None:  # `condition:` with nothing after it is as good as absent
            code = "R301" if key in ("clause", "quote") else "R103"
            what = "citation" if code == "R301" else "key"
            c.add(code, path, f"{kind} {label} has no {key!r} ({what} required)", label, key)
    clause = _string(c, body.get("clause"), child_path(path, "clause"), label, required=False)
    quote = _string(c, body.get("quote"), child_path(path, "quote"), label, required=False)
    title = _text(c, body.get("title"), child_path(path, "title"), label, required=False)
    description = _text(c, body.get("description"), child_path(path, "description"), label,
                        required=False)
    condition = applies = None
    if needs_condition:
        condition = _condition(c, body.get("condition"), child_path(path, "condition"), label,
                               parsed_conditions, required=False)
    elif "condition" in body:
        c.add("R101", child_path(path, "condition"), f"a {kind} has no condition of its own: it "
              "is met when all its parts are", label)
    if "applies_if" in body:
        if kind != "criterion":
            c.add("R101", child_path(path, "applies_if"), "only criteria take 'applies_if'", label)
        else:
            applies = _condition(c, body.get("applies_if"), child_path(path, "applies_if"), label,
                                 parsed_conditions)
    informational = body.get("informational", False)
    if not isinstance(informational, bool):
        c.add("R102", child_path(path, "informational"),
              f"expected true or false, found {informational!r}", label)
        informational = False
    if rule_id is None or title is None or clause is None:
        return body, None
    node = NodeSpec(
        id=rule_id,
        kind=cast(Any, kind),
        title=title,
        clause=clause,
        quote=quote or "",
        condition=condition.tree if condition else None,
        condition_text=condition.text if condition else "",
        applies_if=applies.tree if applies else None,
        applies_if_text=applies.text if applies else "",
        parent=parent,
        description=description,
        location=c.located(path, rule_id),
        informational=informational,
    )
    return body, node


def _groups(c: _Collector, raw: Any, parsed: list[_Parsed]) -> list[NodeSpec]:
    nodes: list[NodeSpec] = []
    for gi, graw in enumerate(_list(c, raw, "groups")):
        gpath = child_path("groups", gi)
        gbody, group = _node(c, graw, gpath, "group", parsed, None, ("standards",))
        gid = group.id if group else None
        standard_ids: list[str] = []
        group_index = len(nodes)
        standards = _list(c, gbody.get("standards"), child_path(gpath, "standards"), gid)
        if not standards:
            c.add("R103", gpath, "a group needs at least one standard", gid)
        for si, sraw in enumerate(standards):
            spath = child_path(child_path(gpath, "standards"), si)
            sbody, standard = _node(c, sraw, spath, "standard", parsed, gid, ("criteria",))
            sid = standard.id if standard else None
            criterion_ids: list[str] = []
            criteria = _list(c, sbody.get("criteria"), child_path(spath, "criteria"), sid)
            if not criteria:
                c.add("R103", spath, "a standard needs at least one criterion", sid)
            standard_index = len(nodes)
            for ci, craw in enumerate(criteria):
                cpath = child_path(child_path(spath, "criteria"), ci)
                _, criterion = _node(c, craw, cpath, "criterion", parsed, sid)
                if criterion is not None:
                    nodes.append(criterion)
                    criterion_ids.append(criterion.id)
            if standard is not None:
                nodes.insert(standard_index, _with_children(standard, criterion_ids))
                standard_ids.append(standard.id)
        if group is not None:
            nodes.insert(group_index, _with_children(group, standard_ids))
    return nodes


def _with_children(node: NodeSpec, children: list[str]) -> NodeSpec:
    return attrs.evolve(node, children=tuple(children))


def _decision(c: _Collector, raw: Any, parsed: list[_Parsed]
              ) -> tuple[list[NodeSpec], NodeSpec | None]:
    body = _mapping(c, raw, "decision")
    _keys(c, body, "decision", ("outcomes", "otherwise"), ("outcomes", "otherwise"))
    outcomes: list[NodeSpec] = []
    for index, oraw in enumerate(_list(c, body.get("outcomes"), "decision.outcomes")):
        opath = child_path("decision.outcomes", index)
        obody, outcome = _node(c, oraw, opath, "outcome", parsed, None, ("effect",), _OUTCOME)
        if outcome is not None:
            effect = _effect(c, obody, opath, outcome.id)
            if effect is not None:
                outcomes.append(attrs.evolve(outcome, effect=cast(Any, effect)))
    if not outcomes and "outcomes" in body:
        c.add("R103", "decision.outcomes", "the decision needs at least one outcome")
    otherwise = None
    if "otherwise" in body:
        obody, node = _node(c, body["otherwise"], "decision.otherwise", "otherwise", parsed, None,
                            ("effect",), _OUTCOME)
        if node is not None:
            effect = _effect(c, obody, "decision.otherwise", node.id)
            if effect is not None:
                otherwise = attrs.evolve(node, kind="outcome", effect=cast(Any, effect))
    for node in [*outcomes, *([otherwise] if otherwise else [])]:
        if node.id in RESERVED_OUTCOMES:
            c.add("R202", node.location.path, f"outcome id {node.id!r} is reserved", node.id,
                  node.id)
    return outcomes, otherwise


def _effect(c: _Collector, body: Mapping[str, Any], path: str, rule_id: str) -> str | None:
    effect = body.get("effect", "none")
    if effect not in ("award", "revoke", "none"):
        c.add("R108", child_path(path, "effect"), f"effect {effect!r} must be award, revoke or "
              "none", rule_id, str(effect))
        return None
    return cast(str, effect)


def _derived(c: _Collector, raw: Any, parsed: list[_Parsed]
             ) -> list[tuple[str, dict[str, Any], _Parsed | None]]:
    found = []
    for name, body in _mapping(c, raw, "derived").items():
        path = child_path("derived", name)
        if _name(c, name, path, what="derived name") is None:
            continue
        spec = _mapping(c, body, path, name)
        _keys(c, spec, path, ("title", "unit", "scale", "value", "min", "max"), ("title", "value"),
              name)
        value = _condition(c, spec.get("value"), child_path(path, "value"), name, parsed,
                           required=False)
        found.append((name, spec, value))
    return found


# -- the whole document ---------------------------------------------------------------------------


def validate_ruleset(document: Any, marks: SourceMap) -> RulesetSpec:
    """Check a parsed YAML document and build its :class:`RulesetSpec`.

    Raises :class:`RulesetError` listing every problem. Warnings (severity ``"warning"``) do not
    stop the load; they are kept on the error only when there are errors too.
    """
    spec, problems = check_document(document, marks)
    if spec is None or any(p.severity == "error" for p in problems):
        raise RulesetError.from_problems(problems)
    return spec


def check_document(document: Any, marks: SourceMap
                   ) -> tuple[RulesetSpec | None, list[RulesetProblem]]:
    """Like :func:`validate_ruleset` but returns ``(spec or None, problems)`` without raising."""
    c = _Collector(marks)
    root = _mapping(c, document, "")
    if not root:
        if isinstance(document, dict):
            c.add("R103", "", "the ruleset is empty")
        return None, c.problems
    if not any(key in root for key in _TOP_KEYS):
        # not a ruleset at all (a password file, a CSV...): one problem naming the first key,
        # cut short, rather than every line of the file echoed back as an unknown key
        first = str(next(iter(root)))
        shown = first if len(first) <= 40 else first[:37] + "..."
        where = c.marks.locate(child_path("", first))
        c.problems.append(RulesetProblem(
            "R111", f"not a ruleset: no 'format: {FORMAT}' and none of the keys "
            f"{', '.join(_TOP_KEYS)} (the first key is {shown!r})",
            Location(where.file, where.line, where.column, "", None), "error", None))
        return None, c.problems
    _keys(c, root, "", (*_TOP_KEYS, *_EXTRA_TOP_KEYS), ("format", "ruleset", "facts", "decision"))
    if "format" in root and root["format"] != FORMAT:
        c.add("R111", "format", f"format {root['format']!r} is not supported; use {FORMAT!r}")

    meta = _mapping(c, root.get("ruleset"), "ruleset")
    _keys(c, meta, "ruleset", ("id", "version", "title", "effective", "source", "description"),
          ("id", "version", "title", "effective", "source"))
    rid = _name(c, meta.get("id"), "ruleset.id", re.compile(r"[a-z][a-z0-9_-]{0,63}", re.ASCII))
    version = _string(c, meta.get("version"), "ruleset.version")
    title = _text(c, meta.get("title"), "ruleset.title")
    description = _text(c, meta.get("description"), "ruleset.description", required=False)
    effective = _mapping(c, meta.get("effective", {}), "ruleset.effective")
    _keys(c, effective, "ruleset.effective", ("from", "until"), ("from",))
    eff_from = _date(c, effective.get("from"), "ruleset.effective.from")
    eff_until = _date(c, effective.get("until"), "ruleset.effective.until", required=False)
    if eff_from and eff_until and eff_until < eff_from:
        c.add("R109", "ruleset.effective.until", f"until {eff_until} is before from {eff_from}")
    source = _mapping(c, meta.get("source", {}), "ruleset.source")
    _keys(c, source, "ruleset.source", ("title", "reference"), ("title", "reference"))
    source_title = _text(c, source.get("title"), "ruleset.source.title")
    reference = _string(c, source.get("reference"), "ruleset.source.reference")

    parsed: list[_Parsed] = []
    facts = _facts(c, root.get("facts"))
    options = _options(c, root.get("options", {}))
    derived_raw = _derived(c, root.get("derived", {}), parsed)
    nodes = _groups(c, root.get("groups"), parsed)
    for index, rraw in enumerate(_list(c, root.get("rules"), "rules")):
        _, rule = _node(c, rraw, child_path("rules", index), "rule", parsed, None,
                        ("informational",))
        if rule is not None:
            nodes.append(rule)
    outcomes, otherwise = _decision(c, root.get("decision"), parsed)
    messages = _messages(c, root.get("messages", {}))
    constraints_raw = _constraints(c, root.get("constraints"), parsed)

    # one namespace for everything a condition can name
    symbols: dict[str, _types.Symbol] = {}
    owners: dict[str, str] = {}

    def declare(name: str, kind: str, ty: _types.Ty, path: str, constant: Any = None) -> None:
        if name in symbols:
            c.add("R201", path, f"{name!r} is declared twice (already a {owners[name]})", name,
                  name)
            return
        symbols[name] = _types.Symbol(name, kind, ty, constant)
        owners[name] = kind

    for fact in facts:
        declare(fact.name, "fact", fact_type(fact), fact.location.path)
    for option in options:
        declare(option.name, "option", _option_type(option), option.location.path, option.default)
    for node in nodes:
        declare(node.id, node.kind, _types.BOOLEAN, node.location.path)
    outcome_ids: list[str] = []
    for node in [*outcomes, *([otherwise] if otherwise else [])]:
        if node.id in outcome_ids:
            c.add("R201", node.location.path, f"outcome {node.id!r} is declared twice", node.id,
                  node.id)
        outcome_ids.append(node.id)

    # derived values: type from their expression, in dependency order
    derived: list[DerivedSpec] = []
    derived_names = {name for name, _, _ in derived_raw}
    pending = [(n, s, p) for n, s, p in derived_raw]
    for name, _, _ in pending:
        declare(name, "derived", _types.NUMBER, child_path("derived", name))
    for name, spec, value in pending:
        path = child_path("derived", name)
        dtitle = _text(c, spec.get("title"), child_path(path, "title"), name, required=False)
        unit = _string(c, spec.get("unit"), child_path(path, "unit"), name, required=False)
        scale = _number(c, spec.get("scale"), child_path(path, "scale"), name)
        minimum = _number(c, spec.get("min"), child_path(path, "min"), name)
        maximum = _number(c, spec.get("max"), child_path(path, "max"), name)
        if minimum is not None and maximum is not None and minimum > maximum:
            c.add("R109", child_path(path, "min"), f"min {minimum} is greater than max {maximum}",
                  name)
        if value is None or value.tree is None or dtitle is None:
            continue
        ty = _types.infer(value.tree, symbols)
        if ty.kind not in ("number", "any"):
            c.add("E202", value.path, f"a derived value must be a number, this is {ty}", name)
        derived.append(DerivedSpec(name, dtitle, value.tree, value.text, unit,
                                   1.0 if scale is None else scale, c.located(path, name),
                                   minimum, maximum))

    # type-check every condition
    for entry in parsed:
        if entry.tree is None:
            continue
        want = _types.ANY if entry.rule_id in derived_names else _types.BOOLEAN
        for problem in _types.check(entry.tree, symbols, want):
            c.add(problem.code, entry.path, f"{problem.message} (at character {problem.pos + 1})",
                  entry.rule_id, problem.token)

    # dependency cycles among derived values and rules
    graph: dict[str, list[str]] = {}
    for node in nodes:
        deps = list(node.children)
        for tree in (node.condition, node.applies_if):
            if tree is not None:
                deps += [n for n in names_in(tree) if n in symbols and owners.get(n) != "fact"
                         and owners.get(n) != "option"]
        graph[node.id] = deps
    for item in derived:
        graph[item.name] = [n for n in names_in(item.expr) if owners.get(n) not in
                            ("fact", "option", None)]
    for cycle in _cycles(graph):
        first = cycle[0]
        path = next((n.location.path for n in nodes if n.id == first), child_path("derived",
                                                                                   first))
        c.add("R203", path, "circular reference: " + " -> ".join([*cycle, first]), first, first)

    # -- properties: (see mingxing_rules.ruleset.properties; proved by `mingxing prove`) -----

    properties = read_properties(root.get("properties"), c.add, c.located, symbols,
                                 [*outcome_ids], facts, options)
    # -- end properties -------------------------------------------------------------------
    constraints = _constraint_specs(c, constraints_raw, owners, {
        d.name: [n for n in names_in(d.expr) if owners.get(n) in ("fact", "derived")]
        for d in derived})

    if any(p.severity == "error" for p in c.problems):
        return None, c.problems
    assert rid and version and title and eff_from and source_title and reference and otherwise
    built = RulesetSpec(
        id=rid,
        version=version,
        title=title,
        effective_from=eff_from,
        effective_until=eff_until,
        source_title=source_title,
        source_reference=reference,
        description=description,
        facts=tuple(facts),
        options=tuple(options),
        derived=tuple(derived),
        nodes=tuple([*nodes, *outcomes]),
        outcomes=tuple(o.id for o in outcomes),
        otherwise=otherwise,
        messages=messages,
        file=marks.file,
        properties=properties,
        constraints=tuple(constraints),
    )
    return built, c.problems


# -- constraints: consistency across an office's facts ---------------------------------------------
#
# A constraint is validated like a rule's condition (parsed, type-checked as a boolean, located by
# file:line and id) but may read only what an office gives: facts, options and derived values.

_CONSTRAINT_KEYS = ("id", "clause", "quote", "title", "message", "condition")
_CONSTRAINT_READABLE = ("fact", "option", "derived")


class _RawConstraint:
    def __init__(self, ident: str, clause: str | None, quote: str | None, title: Text | None,
                 message: Text | None, condition: _Parsed | None, path: str) -> None:
        self.id, self.clause, self.quote, self.title = ident, clause, quote, title
        self.message, self.condition, self.path = message, condition, path


def _constraints(c: _Collector, raw: Any, parsed: list[_Parsed]) -> list[_RawConstraint]:
    found: list[_RawConstraint] = []
    seen: set[str] = set()
    for index, item in enumerate(_list(c, raw, "constraints")):
        path = child_path("constraints", index)
        body = _mapping(c, item, path)
        ident = _name(c, body.get("id"), child_path(path, "id"), what="constraint id")
        label = ident or "<constraint without id>"
        _keys(c, body, path, _CONSTRAINT_KEYS, (), label)
        for key in ("id", "clause", "message", "condition"):
            if body.get(key) is None:
                code = "R301" if key == "clause" else "R103"
                what = "citation" if code == "R301" else "key"
                c.add(code, path, f"constraint {label} has no {key!r} ({what} required)", label,
                      key)
        clause = _string(c, body.get("clause"), child_path(path, "clause"), label, required=False)
        quote = _string(c, body.get("quote"), child_path(path, "quote"), label, required=False)
        title = _text(c, body.get("title"), child_path(path, "title"), label, required=False)
        message = _text(c, body.get("message"), child_path(path, "message"), label,
                        required=False)
        condition = _condition(c, body.get("condition"), child_path(path, "condition"), label,
                               parsed, required=False)
        if ident is None:
            continue
        if ident in seen:
            c.add("R201", path, f"constraint {ident!r} is declared twice", ident, ident)
            continue
        seen.add(ident)
        found.append(_RawConstraint(ident, clause, quote, title, message, condition, path))
    return found


def _constraint_specs(c: _Collector, raw: list[_RawConstraint], owners: Mapping[str, str],
                      derived_reads: Mapping[str, list[str]]) -> list[ConstraintSpec]:
    specs: list[ConstraintSpec] = []
    for item in raw:
        if item.id in owners:
            c.add("R201", child_path(item.path, "id"), f"{item.id!r} is declared twice (already "
                  f"a {owners[item.id]})", item.id, item.id)
            continue
        if item.condition is None or item.condition.tree is None:
            continue
        names = names_in(item.condition.tree)
        for name in names:
            kind = owners.get(name)
            if kind is not None and kind not in _CONSTRAINT_READABLE:
                c.add("R204", item.condition.path, f"constraint {item.id} reads {kind} {name!r}; "
                      "a constraint checks the office's data and may read only facts, options "
                      "and derived values", item.id, name)
        fields = tuple(dict.fromkeys(_facts_behind(names, owners, derived_reads)))
        if not fields:
            c.add("R204", item.condition.path, f"constraint {item.id} reads no fact",
                  item.id)
            continue
        if item.clause is None or item.message is None:
            continue
        specs.append(ConstraintSpec(
            id=item.id, clause=item.clause, message=item.message, condition=item.condition.tree,
            condition_text=item.condition.text, fields=fields, quote=item.quote or "",
            title=item.title, location=c.located(item.path, item.id)))
    return specs


def _facts_behind(names: Iterable[str], owners: Mapping[str, str],
                  derived_reads: Mapping[str, list[str]]) -> list[str]:
    """The facts ``names`` read, through derived values (a rate names its two counts)."""
    facts: list[str] = []
    pending, seen = list(names), set()
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if owners.get(name) == "fact":
            facts.append(name)
        elif owners.get(name) == "derived":
            pending[:0] = derived_reads.get(name, [])
    return facts


def _messages(c: _Collector, raw: Any) -> dict[str, Text]:
    """Wording overrides: known catalogue keys only, each template parsed now with the safe
    formatter's rules (:mod:`.templates`), so that explaining never meets a bad one."""

    known = catalogue_fields()
    messages: dict[str, Text] = {}
    for key, value in _mapping(c, raw, "messages").items():
        path = child_path("messages", key)
        if key not in known:
            hint = _types.suggest(key, known)
            extra = f" (did you mean {hint!r}?)" if hint else ""
            c.add("R112", path, f"unknown message key {key!r}{extra}", None, key)
            continue
        text = _text(c, value, path)
        if text is None:
            continue
        bad = False
        for lang in ("zh", "en"):
            for problem in template_problems(text.get(lang), known[key]):
                c.add("R113", child_path(path, lang), f"message {key} ({lang}): {problem}",
                      None, text.get(lang)[:80])
                bad = True
        if not bad:
            messages[key] = text
    return messages


def fact_type(fact: FactSpec) -> _types.Ty:
    """The expression type of a fact."""
    if fact.type in ("number", "integer"):
        return _types.NUMBER
    if fact.type in ("boolean", "finding"):
        return _types.BOOLEAN
    if fact.type == "enum":
        return _types.Ty("string", values=frozenset(fact.value_ids))
    if fact.type == "set":
        return _types.Ty("set", _types.STRING, frozenset(fact.value_ids))
    if fact.type == "date":
        return _types.DATE
    return _types.Ty("text")


def _option_type(option: OptionSpec) -> _types.Ty:
    if option.type in ("integer", "number"):
        return _types.NUMBER
    if option.type == "boolean":
        return _types.BOOLEAN
    return _types.Ty("string", values=frozenset(option.values))


def _cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Each cycle found by an iterative depth-first search, reported once (no recursion, so a
    hostile chain of thousands of rules cannot overflow the stack)."""
    state: dict[str, int] = {}
    found: list[list[str]] = []
    reported: set[frozenset[str]] = set()
    for root in graph:
        if root in state:
            continue
        path: list[str] = [root]
        iterators = [iter(graph.get(root, ()))]
        state[root] = 1
        while iterators:
            dep = next(iterators[-1], None)
            if dep is None:
                state[path.pop()] = 2
                iterators.pop()
                continue
            if state.get(dep) == 1:
                cycle = path[path.index(dep):]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    found.append(cycle)
            elif dep not in state and dep in graph:
                state[dep] = 1
                path.append(dep)
                iterators.append(iter(graph.get(dep, ())))
    return found
