"""Stage 1: find, read and compile a ruleset; the :class:`Ruleset` handle users hold.

>>> from mingxing_rules import load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> ruleset.id, ruleset.version
('star-judicial-office', '2012.1')
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ._yaml import read_yaml
from .compile import CompiledConstraints, CompiledProgram, compile_constraints, compile_ruleset
from .constraints import constraint_problems
from .errors import InputError, RulesetError, RulesetProblem
from .model import RulesetSpec, Text
from .office import Office, OfficeSchema, derived_problems
from .validate import check_document, validate_ruleset

__all__ = ["Ruleset", "bundled_rulesets", "check_ruleset", "load_ruleset", "rulesets_dir"]


def rulesets_dir() -> Path:
    """Where the bundled rulesets are: inside the installed package, or the source checkout."""
    packaged = Path(__file__).parent / "rulesets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rulesets"


def bundled_rulesets() -> dict[str, Path]:
    """Bundled ruleset files by ruleset id (the file stem)."""
    folder = rulesets_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


class Ruleset:
    """A validated, compiled ruleset with one set of options. Immutable; cheap to share.

    Use :func:`load_ruleset` to get one, and :meth:`with_options` for another reading of the
    same file.
    """

    __slots__ = ("_constraints", "_program", "_schema", "path", "spec")

    def __init__(self, spec: RulesetSpec, program: CompiledProgram, path: Path | None) -> None:
        self.spec = spec
        self.path = path
        self._program = program
        self._schema = OfficeSchema(spec)
        self._constraints = compile_constraints(spec, program.options)

    # identity --------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def title(self) -> Text:
        return self.spec.title

    @property
    def options(self) -> dict[str, Any]:
        """The options this ruleset was compiled with (defaults filled in)."""
        return dict(self._program.options)

    @property
    def program(self) -> CompiledProgram:
        return self._program

    @property
    def key(self) -> str:
        """``id@version`` plus non-default options: a name for this exact reading."""
        changed = [f"{k}={v}" for (k, v), o in zip(self._program.options, self.spec.options,
                                                    strict=True) if v != o.default]
        suffix = f"[{','.join(changed)}]" if changed else ""
        return f"{self.id}@{self.version}{suffix}"

    def __repr__(self) -> str:
        return f"<Ruleset {self.key}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ruleset):
            return NotImplemented
        return self.spec == other.spec and self._program.options == other._program.options

    def __hash__(self) -> int:
        return hash((self.spec.id, self.spec.version, self._program.options))

    # derived products ------------------------------------------------------------------------
    def with_options(self, **options: Any) -> Ruleset:
        """The same ruleset compiled with some options changed."""
        merged = {**self.options, **options}
        return Ruleset(self.spec, compile_ruleset(self.spec, merged), self.path)

    @property
    def constraints(self) -> CompiledConstraints:
        """The ruleset's cross-fact constraints, compiled (:mod:`mingxing_rules.constraints`)."""
        return self._constraints

    def parse_office(self, data: Any, *, extra: str = "error") -> Office:
        """Validate an office's data against the fact schema (see :mod:`mingxing_rules.office`),
        the ruleset's ``constraints`` (every violated one, with the fields it reads) and the
        bounds of its derived values (more disputes resolved than mediated is an error in the
        data, not a 122 % success rate)."""
        if isinstance(data, Office):
            return data
        office = self._schema.parse(data, extra=extra)
        problems = constraint_problems(self._constraints, office.facts)
        named = [set(p.paths) for p in problems]
        problems += [p for p in derived_problems(self._program, office)
                     if not any(p.path in fields for fields in named)]
        if problems:
            raise InputError.from_problems(problems, office.id)
        return office

    def office_schema(self) -> dict[str, Any]:
        """The JSON Schema of an office for this ruleset."""
        return self._schema.json_schema()

    def generated_source(self) -> str:
        """The Python the conditions compiled to (for review; it is never read back)."""
        return self._program.source

    def criteria(self) -> list[str]:
        return [n.id for n in self.spec.nodes if n.kind == "criterion"]


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, stamp: float, options_json: str) -> Ruleset:
    return _load(Path(path), json.loads(options_json))


def _load(path: Path, options: Mapping[str, Any]) -> Ruleset:
    spec = _read_spec(path)
    program = compile_ruleset(spec, options)
    impossible = [p for p in _semantic_problems(spec, program) if p.severity == "error"]
    if impossible:
        raise RulesetError.from_problems(impossible)
    return Ruleset(spec, program, path)


def _semantic_problems(spec: RulesetSpec, program: CompiledProgram) -> list[RulesetProblem]:
    """The static analysis of :mod:`._lint`, with one kind of finding made an error (E301): a
    criterion or rule whose own condition no office within the declared ranges can meet, for
    any value of the options. Such a condition cannot be what the ruleset means."""
    from . import _lint

    return [attrs.evolve(p, code="E301", severity="error")
            if p.code == "W301" and " can never pass" in p.message else p
            for p in _lint.lint(spec, program)]


def _read_spec(path: Path) -> RulesetSpec:
    display = _display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesetError.from_problems([RulesetProblem(
            "R000", f"cannot read ruleset: {exc.strerror or exc}",
        )]) from None
    document, marks, problems = read_yaml(data, display)
    if problems:
        raise RulesetError.from_problems(problems)
    return validate_ruleset(document, marks)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def resolve_path(source: str | Path) -> Path:
    """A ruleset path from a path or a bundled ruleset id."""
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    bundled = bundled_rulesets()
    if str(source) in bundled:
        return bundled[str(source)]
    from ._types import suggest

    hint = suggest(str(source), bundled)
    extra = f" (did you mean {hint!r}?)" if hint else ""
    raise RulesetError.from_problems([RulesetProblem(
        "R000", f"no ruleset file or bundled ruleset named {str(source)!r}{extra}; bundled: "
        + ", ".join(bundled))])


def load_ruleset(source: str | Path | Ruleset, *, options: Mapping[str, Any] | None = None
                 ) -> Ruleset:
    """Load, validate and compile a ruleset.

    ``source`` is a YAML path or the id of a bundled ruleset (``"star-judicial-office"``).
    ``options`` override the ruleset's option defaults. Loading the same unchanged file with the
    same options returns the same compiled object (compilation happens once per process).

    Raises :class:`~mingxing_rules.errors.RulesetError` listing every problem with ``file:line``.
    """
    if isinstance(source, Ruleset):
        return source.with_options(**options) if options else source
    path = resolve_path(source)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        stamp = 0.0
    try:
        options_json = json.dumps(dict(options or {}), sort_keys=True)
    except TypeError as exc:
        raise RulesetError(f"options must be plain values: {exc}") from None
    return _load_cached(str(path.resolve()), stamp, options_json)


def check_ruleset(source: str | Path) -> list[RulesetProblem]:
    """Every problem (errors and warnings) in a ruleset, without raising. Empty means clean."""
    try:
        path = resolve_path(source)
    except RulesetError as exc:
        return list(exc.problems)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [RulesetProblem("R000", f"cannot read ruleset: {exc.strerror or exc}")]
    document, marks, problems = read_yaml(data, _display_path(path))
    if problems:
        return problems
    spec, found = check_document(document, marks)
    if spec is not None:
        try:
            program = compile_ruleset(spec)
        except RulesetError as exc:
            return [*found, *exc.problems]
        found += _semantic_problems(spec, program)
    return found
