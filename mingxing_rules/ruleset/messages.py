"""Message templates filled in safely: the only formatter explanations use.

A ruleset may reword any message of the catalogue (``messages:`` in the ruleset). Python's
``str.format`` would let such a text walk attributes (``{title.__class__.__mro__}``), index values,
allocate a gigabyte of padding (``{title:>1000000000}``) or crash on a lone ``{``. Here a template
is parsed once, when the ruleset is loaded, and only this much is allowed:

* placeholders are plain names (``{fact}``), from the names the catalogue's own template for that
  key uses; no positional ``{0}`` or ``{}``, no ``.attribute``, no ``[index]``;
* a format spec is the standard mini-language with width and precision at most
  :data:`MAX_WIDTH`, and no nested ``{...}`` inside it; the conversion is ``!s`` or none;
* ``{{`` and ``}}`` stand for literal braces.

>>> render("{fact} is {value:>6}", {"fact": "area", "value": 180})
'area is    180'
>>> template_problems("{title.__class__}", frozenset({"title"}))
["placeholder '{title.__class__}' must be a plain name (no attribute access or indexing)"]
>>> template_problems("{title:>1000000000}", frozenset({"title"}))
['width or precision 1000000000 in {title:>1000000000} is beyond the limit of 100']
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

__all__ = ["MAX_WIDTH", "TemplateError", "catalogue_fields", "packaged_catalogue",
           "parse_template", "render", "template_problems"]

MAX_WIDTH = 100  # largest width or precision a template may ask for
MAX_TEMPLATE = 2000  # characters in one template

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_SPEC = re.compile(
    r"(?:(?P<fill>[^{}])?(?P<align>[<>=^]))?(?P<sign>[-+ ])?(?P<alt>\#)?(?P<zero>0)?"
    r"(?P<width>[0-9]+)?(?P<grouping>[,_])?(?:\.(?P<precision>[0-9]+))?"
    r"(?P<type>[bcdeEfFgGnosxX%])?", re.ASCII | re.DOTALL)

# (literal text, field name or None, format spec)
Piece = tuple[str, str | None, str]


class TemplateError(ValueError):
    """A template outside what :func:`render` allows."""


@functools.lru_cache(maxsize=4096)
def parse_template(template: str) -> tuple[Piece, ...]:
    """The template as pieces, or :class:`TemplateError` saying what is not allowed."""
    if len(template) > MAX_TEMPLATE:
        raise TemplateError(f"template is longer than {MAX_TEMPLATE} characters")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:  # a lone "{" or "}"
        raise TemplateError(f"{exc} (write {{{{ or }}}} for a literal brace)") from None
    pieces: list[Piece] = []
    for literal, field, raw_spec, conversion in parsed:
        spec = raw_spec or ""
        if field is None:
            pieces.append((literal, None, ""))
            continue
        whole = "{" + field + (f"!{conversion}" if conversion else "") + (
            f":{spec}" if spec else "") + "}"
        if field == "" or field[0].isdigit():
            raise TemplateError(f"placeholder {whole!r} must be a name, not a position")
        if not _NAME.fullmatch(field):
            raise TemplateError(f"placeholder {whole!r} must be a plain name (no attribute "
                                "access or indexing)")
        if conversion not in (None, "s"):
            raise TemplateError(f"conversion !{conversion} in {whole} is not allowed (only !s)")
        if "{" in spec or "}" in spec:
            raise TemplateError(f"nested placeholder in the format of {whole} is not allowed")
        found = _SPEC.fullmatch(spec)
        if found is None:
            raise TemplateError(f"format {spec!r} in {whole} is not a format spec")
        for part in ("width", "precision"):
            number = found.group(part)
            if number is not None and (len(number) > 3 or int(number) > MAX_WIDTH):
                raise TemplateError(f"width or precision {number} in {whole} is beyond the "
                                    f"limit of {MAX_WIDTH}")
        pieces.append((literal, field, spec))
    return tuple(pieces)


def template_problems(template: str, known: frozenset[str] | None) -> list[str]:
    """Why ``template`` cannot be used (empty: it can). ``known``: the names it may use
    (``None``: any plain name)."""
    try:
        pieces = parse_template(template)
    except TemplateError as exc:
        return [str(exc)]
    if known is None:
        return []
    unknown = sorted({f for _, f, _ in pieces if f is not None and f not in known})
    if not unknown:
        return []
    allowed = ", ".join(sorted(known)) or "none"
    return [f"unknown placeholder {{{name}}} (this message can use: {allowed})"
            for name in unknown]


def render(template: str, params: Mapping[str, Any]) -> str:
    """Fill in ``template``. A placeholder without a value stays visible (``{name}``); a value
    its format does not fit is shown plainly; a template :func:`parse_template` refuses is
    shown as it is. Never raises for any template or values."""
    try:
        pieces = parse_template(template)
    except TemplateError:
        return template
    out: list[str] = []
    for literal, field, spec in pieces:
        out.append(literal)
        if field is None:
            continue
        if field not in params:
            out.append("{" + field + "}")
            continue
        value = params[field]
        try:
            out.append(format(value, spec))
        except (ValueError, TypeError):
            out.append(str(value))
    return "".join(out)


#: the packaged catalogues are read by libyaml when PyYAML has it (~40 ms less on the first
#: explanation of a process); both loaders are safe loaders
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def packaged_catalogue(lang: str) -> Mapping[str, str]:
    """The message catalogue packaged for ``lang`` (``zh`` or ``en``): key → template."""
    source = resources.files("mingxing_rules").joinpath("messages", f"{lang}.yaml")
    loader = _LOADER(source.read_text(encoding="utf-8"))
    try:
        data = loader.get_single_data()
    finally:
        loader.dispose()
    if not isinstance(data, dict):  # pragma: no cover - the packaged files are mappings
        raise TypeError(f"message catalogue {lang}.yaml is not a mapping")
    return {str(k): str(v) for k, v in data.items()}


@functools.cache
def catalogue_fields() -> Mapping[str, frozenset[str]]:
    """Each catalogue key with the placeholder names its zh and en templates use."""
    fields: dict[str, set[str]] = {}
    for lang in ("zh", "en"):
        for key, text in packaged_catalogue(lang).items():
            names = fields.setdefault(str(key), set())
            names.update(f for _, f, _ in parse_template(str(text)) if f is not None)
    return {key: frozenset(names) for key, names in fields.items()}
