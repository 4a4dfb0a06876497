"""Safe YAML reading that remembers where every value came from.

PyYAML's safe loader is used only to *compose* the node tree; values are built here so that each
one gets its ``(line, column)`` recorded under its path (``groups[0].standards[1].id``). Anchors,
aliases and explicit non-core tags are refused: they are how YAML "billion laughs" bombs expand,
and a ruleset never needs them.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from ..errors import Location, RulesetProblem

__all__ = ["SourceMap", "child_path", "read_yaml"]

_CORE_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


class YamlProblemError(Exception):
    """Raised inside the reader; converted to a :class:`RulesetProblem` by :func:`read_yaml`."""

    def __init__(self, code: str, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


def _event_position(event: Any) -> tuple[int | None, int | None]:
    """The 1-based line and column where a YAML event starts (None when PyYAML has no mark)."""
    mark = event.start_mark
    return (mark.line + 1 if mark else None), (mark.column + 1 if mark else None)


def _refuse_alias_or_anchor(event: Any, line: int | None, column: int | None) -> None:
    """Rulesets are plain data: an alias or an anchor is refused (R004) where it stands."""
    if isinstance(event, AliasEvent):
        raise YamlProblemError(
            "R004", f"YAML alias *{event.anchor} is not allowed in a ruleset", line, column)
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        raise YamlProblemError(
            "R004", f"YAML anchor &{anchor} is not allowed in a ruleset", line, column)


class _GuardedLoader(yaml.SafeLoader):
    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped here
        _refuse_alias_or_anchor(event, *_event_position(event))
        node: Node | None = super().compose_node(parent, index)
        return node


def child_path(path: str, key: str | int) -> str:
    """Compose a path: ``groups`` + 0 -> ``groups[0]``; ``ruleset`` + ``id`` -> ``ruleset.id``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not key.isprintable():  # a key holding a newline or a control character: shown escaped
        return f"{path}[{key!r}]"
    return f"{path}.{key}" if path else key


class SourceMap:
    """Path -> (line, column) of every value read from one file (1-based)."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self._marks: dict[str, tuple[int, int]] = {}

    def record(self, path: str, line: int, column: int) -> None:
        self._marks[path] = (line, column)

    def locate(self, path: str, rule_id: str | None = None) -> Location:
        """The location of ``path``, or of its nearest recorded parent."""
        probe = path
        while probe:
            if probe in self._marks:
                line, column = self._marks[probe]
                return Location(self.file, line, column, path, rule_id)
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return Location(self.file, None, None, path, rule_id)


def _build(node: Node, path: str, loader: Any, marks: SourceMap, seen: set[int]) -> Any:
    marks.record(path, node.start_mark.line + 1, node.start_mark.column + 1)
    if id(node) in seen:
        # An alias makes the composer hand back a node it already built: with the C loader this
        # is how aliases are caught (the Python loader refuses them earlier, where they occur).
        raise YamlProblemError(
            "R004", "YAML anchors and aliases are not allowed in a ruleset (the value "
            f"defined at line {node.start_mark.line + 1} is reused)",
            node.start_mark.line + 1, node.start_mark.column + 1)
    seen.add(id(node))
    if node.tag not in _CORE_TAGS:
        raise YamlProblemError(
            "R005",
            f"YAML tag {node.tag!r} is not allowed in a ruleset",
            node.start_mark.line + 1,
            node.start_mark.column + 1,
        )
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YamlProblemError(
                    "R003",
                    "mapping keys must be plain strings",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = str(key_node.value)
            if key in result:
                raise YamlProblemError(
                    "R003",
                    f"duplicate key {key!r}",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            result[key] = _build(value_node, child_path(path, key), loader, marks, seen)
        return result
    if isinstance(node, SequenceNode):
        return [
            _build(item, child_path(path, index), loader, marks, seen)
            for index, item in enumerate(node.value)
        ]
    if not isinstance(node, ScalarNode):  # pragma: no cover - the composer builds no other kind
        raise YamlProblemError("R001", "unexpected YAML node", node.start_mark.line + 1,
                               node.start_mark.column + 1)
    return _scalar(node, loader)


# YAML 1.2 core schema for plain scalars (plus the plain date a ruleset uses for `effective`).
_NULL_12 = re.compile(r"(?:~|null|Null|NULL)?")
_BOOL_12 = {"true": True, "True": True, "TRUE": True,
            "false": False, "False": False, "FALSE": False}
_INT_12 = re.compile(r"[-+]?[0-9]+", re.ASCII)
_OCTAL_12 = re.compile(r"0o[0-7]+", re.ASCII)
_HEX_12 = re.compile(r"0x[0-9a-fA-F]+", re.ASCII)
_FLOAT_12 = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", re.ASCII)
_INF_12 = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN_12 = re.compile(r"\.(?:nan|NaN|NAN)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_NOT_READ = object()


def _yaml12(text: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it (:data:`_NOT_READ` when the text is
    too long a number to read safely: the caller reports it)."""
    if _NULL_12.fullmatch(text):
        return None
    if text in _BOOL_12:
        return _BOOL_12[text]
    try:
        if _INT_12.fullmatch(text):
            return int(text, 10)
        if _OCTAL_12.fullmatch(text):
            return int(text[2:], 8)
        if _HEX_12.fullmatch(text):
            return int(text[2:], 16)
    except ValueError:  # more digits than Python converts (4300)
        return _NOT_READ
    if _FLOAT_12.fullmatch(text):
        return float(text)
    if _INF_12.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN_12.fullmatch(text):
        return math.nan
    return text


def _same_reading(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _scalar(node: ScalarNode, loader: Any) -> Any:
    """One scalar: built by the (YAML 1.1) constructor for its tag, checked against YAML 1.2.

    Every constructor failure (``!!bool "maybe"``, ``!!int ""``, ``!!timestamp "garbage"``)
    is a located problem; a plain scalar that YAML 1.1 and 1.2 read differently (``017``,
    ``1:30``, ``yes``, ``1_000``, ``0o17``) is refused rather than silently re-read.
    """
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        raise  # huge integers: reported by read_yaml with its own message
    except Exception as exc:  # PyYAML's constructors raise KeyError, IndexError, AttributeError
        raise YamlProblemError(
            "R007", f"YAML value {shown!r} cannot be read as {node.tag.rsplit(':', 1)[-1]} "
            f"({type(exc).__name__})", line, column) from None
    if node.style:  # quoted or block text: a string whatever YAML version (plain: None or "")
        return value
    if node.tag == "tag:yaml.org,2002:timestamp" and _DATE.fullmatch(node.value):
        return value  # `effective: {from: 2020-01-01}`: the one non-core reading kept
    plain = _yaml12(node.value)
    if plain is _NOT_READ:
        return value
    if not _same_reading(value, plain):
        raise YamlProblemError(
            "R007", f"plain value {shown!r} reads as {value!r} in YAML 1.1 but {plain!r} in "
            "YAML 1.2: quote it or write it unambiguously", line, column)
    return value


MAX_RULESET_BYTES = 2 * 1024 * 1024
MAX_YAML_DEPTH = 50  # nested mappings and lists; a ruleset needs about 8
_FAST = bool(getattr(yaml, "__with_libyaml__", False)) and hasattr(yaml, "CSafeLoader")


def _scan(text: str) -> None:
    """Refuse anchors, aliases and deep nesting from the event stream, before any node is built
    (so that neither an alias bomb nor 100,000 nested lists costs more than one linear pass)."""
    loader_class: Any = yaml.CSafeLoader if _FAST else yaml.SafeLoader
    depth = 0
    for event in yaml.parse(text, Loader=loader_class):
        line, column = _event_position(event)
        _refuse_alias_or_anchor(event, line, column)
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise YamlProblemError(
                    "R001", f"YAML nests deeper than {MAX_YAML_DEPTH} levels", line, column)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def read_yaml(data: bytes, file: str | None) -> tuple[Any, SourceMap, list[RulesetProblem]]:
    """Parse one YAML document into plain Python values plus a source map.

    Returns ``(value, source_map, problems)``; when problems is non-empty the value is ``None``.
    """
    marks = SourceMap(file)
    if len(data) > MAX_RULESET_BYTES:
        return None, marks, [_problem("R002", f"file is {len(data)} bytes; the limit is "
                                      f"{MAX_RULESET_BYTES}", file, None, None)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        line, column = _position(before)
        return None, marks, [_problem("R001", f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                                      file, line, column)]
    # One line break, counted one way: CRLF and a lone CR (old Mac files) end a line as LF
    # does; NEL, U+2028 and U+2029 are refused, since editors disagree on whether they end one
    # (YAML 1.1 says they do, Python's splitlines too, most editors do not).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    odd = _ODD_BREAK.search(text)
    if odd is not None:
        line, column = _position(text[: odd.start()])
        name = _BREAK_NAMES[odd.group()]
        return None, marks, [_problem("R001", f"{name} is not allowed in a ruleset (end lines "
                                      "with a newline)", file, line, column)]
    data = text.encode("utf-8")
    loader: Any = None
    try:
        _scan(text)
        # libyaml composes ~10x faster; the scan above already refused aliases
        loader = yaml.CSafeLoader(text) if _FAST else _GuardedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, marks, [_problem("R006", "the file is empty", file, 1, 1)]
        value = _build(node, "", loader, marks, set())
    except YamlProblemError as exc:
        return None, marks, [_problem(exc.code, exc.message, file, exc.line, exc.column)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where_line = mark.line + 1 if mark else None
        where_column = mark.column + 1 if mark else None
        index = getattr(mark, "index", None)
        if isinstance(index, int) and 0 <= index <= len(text):
            # libyaml's line count can drift on control characters; its index does not
            where_line = text.count("\n", 0, index) + 1
            where_column = index - (text.rfind("\n", 0, index) + 1) + 1
        problem = " ".join(str(exc.problem or exc.context or "").split())
        problem = problem.split(' in "<unicode string>"')[0]
        if "nesting depth" in problem:  # libyaml's own bound, met before our event scan
            problem = f"nests deeper than {MAX_YAML_DEPTH} levels"
        message = f"YAML syntax: {problem}"
        return None, marks, [_problem("R001", message, file, where_line, where_column)]
    except ReaderError as exc:
        # a character YAML forbids (NUL, BEL, ...): str(exc) names it as #xNNNN
        # libyaml reports a byte offset into the UTF-8 text
        position = exc.position if isinstance(exc.position, int) else 0
        line = data.count(b"\n", 0, position) + 1
        column = len(data[data.rfind(b"\n", 0, position) + 1:position].decode(
            "utf-8", "replace")) + 1
        code = exc.character if isinstance(exc.character, int) else (
            ord(exc.character) if isinstance(exc.character, str) and exc.character else None)
        message = (f"character #x{code:04x} is not allowed in YAML (control characters are "
                   "not allowed)" if code is not None else str(exc).splitlines()[0])
        return None, marks, [_problem("R001", message, file, line, column)]
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        text_of = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, marks, [_problem("R001", f"YAML: {text_of}", file, None, None)]
    finally:
        if loader is not None:
            loader.dispose()
    return value, marks, []


_ODD_BREAK = re.compile("[\x85\u2028\u2029]")
_BREAK_NAMES = {"\x85": "the line break U+0085 (NEL)", "\u2028": "the line separator U+2028",
                "\u2029": "the paragraph separator U+2029"}


def _position(before: str) -> tuple[int, int]:
    """(line, column), 1-based, of the character after ``before`` (line breaks normalised)."""
    line = before.count("\n") + 1
    return line, len(before) - (before.rfind("\n") + 1) + 1


def _problem(
    code: str, message: str, file: str | None, line: int | None, column: int | None
) -> RulesetProblem:
    return RulesetProblem(code, message, Location(file, line, column))
