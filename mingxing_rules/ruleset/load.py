"""Stage 1: find, read and compile a ruleset; the :class:`Ruleset` handle users hold.

>>> from mingxing_rules import load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> ruleset.id, ruleset.version
('star-judicial-office', '2012.1')
"""

from __future__ import annotations

import collections
import datetime as dt
import errno
import hashlib
import json
import os
import pickle
import stat
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..compile.codegen import (
    CompiledConstraints,
    CompiledProgram,
    compile_constraints,
    compile_ruleset,
)
from ..compile.plan import Plan
from ..engine.constraints import constraint_problems
from ..engine.office import Office, OfficeSchema, derived_problems
from ..errors import InputError, Location, RulesetError, RulesetProblem
from ..language.typecheck import suggest
from ..types import ExtraFacts
from . import lint
from .model import RulesetSpec, Text
from .source import MAX_RULESET_BYTES, read_yaml
from .validate import check_document, validate_ruleset

__all__ = ["HISTORY_FORMAT", "Ruleset", "VersionedLoading", "bundled_rulesets", "check_ruleset",
           "install_versioned_loading", "load_ruleset", "rulesets_dir"]

#: The ``format:`` of a history index file (docs/history.md): ``check_ruleset`` recognises it.
HISTORY_FORMAT = "mingxing-rules-history/1"


@attrs.frozen
class VersionedLoading:
    """What loading needs from the history stage (:mod:`mingxing_rules.history`).

    History reads its versions with :func:`load_ruleset`, so it sits *above* this module and
    this module cannot import it; it installs these when it is imported (``import
    mingxing_rules`` imports it, and every ``mingxing_rules.*`` import runs that first).
    """

    #: ``load_ruleset(source, on=..., options=...)``: the version in force on a day
    ruleset_on: Callable[[str | Path | Ruleset, dt.date | str, Mapping[str, Any] | None],
                         Ruleset]
    #: every problem of a history index file
    check_history: Callable[[Path], list[RulesetProblem]]


_versioned: list[VersionedLoading] = []


def install_versioned_loading(support: VersionedLoading) -> None:
    """Called once by :mod:`mingxing_rules.history` when it is imported."""
    _versioned[:] = [support]


def _versioned_loading() -> VersionedLoading:
    if not _versioned:  # pragma: no cover - importing mingxing_rules installs it
        raise RulesetError("loading a version by date needs mingxing_rules.history")
    return _versioned[0]


def rulesets_dir() -> Path:
    """Where the bundled rulesets are: inside the installed package, or the source checkout."""
    package = Path(__file__).resolve().parent.parent  # mingxing_rules/
    packaged = package / "rulesets"
    if packaged.is_dir():
        return packaged
    return package.parent / "rulesets"


def bundled_rulesets() -> dict[str, Path]:
    """Bundled ruleset files by ruleset id (the file stem)."""
    folder = rulesets_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


class Ruleset:
    """A validated, compiled ruleset with one set of options. Immutable; cheap to share.

    Use :func:`load_ruleset` to get one, and :meth:`with_options` for another reading of the
    same file.

    ``path`` is the file's absolute path (``None`` for a ruleset built in memory): open the
    file through it. ``spec.file`` is the name problems and locations show, relative to the
    working directory of the *first* load — a later load of the unchanged file returns this
    same object (its plan is shared by reference), so after a ``chdir`` that name may no
    longer open, while ``path`` always does.
    """

    __slots__ = ("_checks_across", "_constraints", "_digest", "_program", "_schema", "path",
                 "spec")

    def __init__(self, spec: RulesetSpec, program: CompiledProgram, path: Path | None,
                 digest: str | None = None) -> None:
        self.spec = spec
        self.path = path
        self._program = program
        self._schema = OfficeSchema(spec)
        self._digest = digest
        self._constraints = compile_constraints(spec, program.options)
        # whether an office's facts are checked against each other after validation
        self._checks_across = bool(spec.constraints) or any(
            d.minimum is not None or d.maximum is not None for d in spec.derived)

    @property
    def content_hash(self) -> str:
        """``sha256:`` of the ruleset file's bytes (of the validated specification for a ruleset
        built in memory): what a recorded verdict names to say which rules judged it."""
        if self._digest is None:
            self._digest = "sha256:" + hashlib.sha256(pickle.dumps(self.spec)).hexdigest()
        return self._digest

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
    def plan(self) -> Plan:
        """The compiled plan: every node once, with its static structure (docs/plan.md)."""
        return self._program.plan

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
        return Ruleset(self.spec, compile_ruleset(self.spec, merged), self.path, self._digest)

    @property
    def constraints(self) -> CompiledConstraints:
        """The ruleset's cross-fact constraints, compiled
        (:mod:`mingxing_rules.engine.constraints`)."""
        return self._constraints

    def parse_office(self, data: Any, *, extra: ExtraFacts = "error") -> Office:
        """Validate an office's data against the fact schema (see
        :mod:`mingxing_rules.engine.office`), the ruleset's ``constraints`` (every violated one,
        with the fields it reads) and the bounds of its derived values (more disputes resolved
        than mediated is an error in the data, not a 122 % success rate)."""
        if isinstance(data, Office):
            return data
        office = self._schema.parse(data, extra=extra)
        if not self._checks_across:  # no constraint, no bounded derived value
            return office
        problems = constraint_problems(self._constraints, office.facts)
        named = [set(p.paths) for p in problems]
        problems += [p for p in derived_problems(self._program, office)
                     if not any(p.path in fields for fields in named)]
        if problems:
            raise InputError.from_problems(problems, office.id)
        return office

    def office_facts(self, data: Any) -> Mapping[str, Any]:
        """The validated facts of an office, as :meth:`parse_office` gives them in
        ``Office.facts`` and with the same errors; without building the ``Office`` when no
        check runs across facts (what :func:`~mingxing_rules.decide` needs)."""
        if self._checks_across or isinstance(data, Office):
            return self.parse_office(data).facts
        return self._schema.valid_facts(data)

    def office_schema(self) -> dict[str, Any]:
        """The JSON Schema of an office for this ruleset."""
        return self._schema.json_schema()

    def generated_source(self) -> str:
        """The Python the conditions compiled to (for review; it is never read back)."""
        return self._program.source

    def criteria(self) -> list[str]:
        return [n.id for n in self.spec.nodes if n.kind == "criterion"]


_CACHE: collections.OrderedDict[tuple[str, str, str], Ruleset] = collections.OrderedDict()
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()


def _load_cached(path: Path, data: bytes, options_json: str) -> Ruleset:
    """One compiled ruleset per (file, content, options): keyed on the content's hash, so that
    a file rewritten within the same second (same mtime) is read again."""
    key = (str(path), hashlib.sha256(data).hexdigest(), options_json)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    ruleset = _load(path, json.loads(options_json), data)
    with _CACHE_LOCK:
        _CACHE[key] = ruleset
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return ruleset


def _load(path: Path, options: Mapping[str, Any], data: bytes) -> Ruleset:
    spec = _read_spec(path, data)
    program = compile_ruleset(spec, options)
    impossible = [p for p in _semantic_problems(spec, program) if p.severity == "error"]
    if impossible:
        raise RulesetError.from_problems(impossible)
    return Ruleset(spec, program, path, "sha256:" + hashlib.sha256(data).hexdigest())


def _semantic_problems(spec: RulesetSpec, program: CompiledProgram) -> list[RulesetProblem]:
    """The static analysis of :mod:`.lint`, with one kind of finding made an error (E301): a
    criterion or rule whose own condition no office within the declared ranges can meet, for
    any value of the options. Such a condition cannot be what the ruleset means."""
    return [attrs.evolve(p, code="E301", severity="error")
            if p.code == "W301" and " can never pass" in p.message else p
            for p in lint.lint(spec, program)]


def _read_spec(path: Path, data: bytes) -> RulesetSpec:
    document, marks, problems = read_yaml(data, _display_path(path))
    if problems:
        raise RulesetError.from_problems(problems)
    return validate_ruleset(document, marks)


def _cannot_read(path: Path, why: str) -> RulesetError:
    return RulesetError.from_problems([RulesetProblem("R000",
                                                      f"cannot read ruleset {path}: {why}")])


def read_ruleset_bytes(path: Path) -> bytes:
    """The bytes of a ruleset file, checked before they are read: a regular file (not a FIFO,
    which would block, nor a device like ``/dev/zero``, which never ends), at most
    :data:`~mingxing_rules.ruleset.source.MAX_RULESET_BYTES` long. Symlinks are followed; a loop is
    refused. Raises :class:`RulesetError` (``R000``, ``R002``)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _cannot_read(path, "a loop of symbolic links") from None
        raise _cannot_read(path, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO (named pipe)"
                    if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                    or stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode)
                    else "not a regular file")
            raise _cannot_read(path, f"it is {kind}, not a regular file")
        if info.st_size > MAX_RULESET_BYTES:
            raise RulesetError.from_problems([RulesetProblem(
                "R002", f"file is {info.st_size} bytes; the limit is {MAX_RULESET_BYTES}",
                Location(_display_path(path), None, None))])
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(MAX_RULESET_BYTES + 1)  # a file growing meanwhile stops here
    except OSError as exc:
        raise _cannot_read(path, exc.strerror or str(exc)) from None
    finally:
        os.close(descriptor)
    return data


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return str(path)


FILE_PREFIX = "file:"


def resolve_path(source: str | Path) -> Path:
    """A ruleset path from a path or a bundled ruleset id.

    A :class:`~pathlib.Path`, a text that looks like a path (it contains ``/`` or ends in
    ``.yaml``/``.yml``) or one that starts with ``file:`` names a file; any other text is the
    id of a bundled ruleset. So a file called ``star-judicial-office`` in the working directory
    never replaces the bundled ruleset (write ``./star-judicial-office`` or
    ``file:star-judicial-office`` to mean the file).
    """
    if isinstance(source, Path):
        return source
    text = str(source)
    if text.startswith(FILE_PREFIX):
        return Path(text[len(FILE_PREFIX):])
    if "/" in text or os.sep in text or text.endswith((".yaml", ".yml")):
        return Path(text)
    bundled = bundled_rulesets()
    if text in bundled:
        return bundled[text]
    hint = suggest(text, bundled)
    extra = f" (did you mean {hint!r}?)" if hint else ""
    local = (f"; to read the file {text!r} in this folder, write './{text}' or 'file:{text}'"
             if Path(text).exists() else "")
    raise RulesetError.from_problems([RulesetProblem(
        "R000", f"no bundled ruleset named {text[:80]!r}{extra}; bundled: "
        + ", ".join(bundled) + local)])


def load_ruleset(source: str | Path | Ruleset, *, options: Mapping[str, Any] | None = None,
                 on: dt.date | str | None = None) -> Ruleset:
    """Load, validate and compile a ruleset.

    ``source`` is a YAML path or the id of a bundled ruleset (``"star-judicial-office"``).
    ``options`` override the ruleset's option defaults. Loading the same unchanged file with the
    same options returns the same compiled object (compilation happens once per process).

    ``on`` (a date or ``YYYY-MM-DD``) returns the version in force on that day instead, from
    the history of ``source`` (a bundled id, a history index, a directory of versions, or a
    ruleset file; see :mod:`mingxing_rules.history` and docs/history.md).

    Raises :class:`~mingxing_rules.errors.RulesetError` listing every problem with ``file:line``.
    """
    if on is not None:
        return _versioned_loading().ruleset_on(source, on, options)
    if isinstance(source, Ruleset):
        return source.with_options(**options) if options else source
    path = resolve_path(source)
    try:
        options_json = json.dumps(dict(options or {}), sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise RulesetError(f"options must be plain values: {exc}") from None
    data = read_ruleset_bytes(path)
    return _load_cached(Path(os.path.abspath(path)), data, options_json)


def check_ruleset(source: str | Path) -> list[RulesetProblem]:
    """Every problem (errors and warnings) in a ruleset, without raising. Empty means clean."""
    try:
        path = resolve_path(source)
    except RulesetError as exc:
        return list(exc.problems)
    try:
        data = read_ruleset_bytes(path)
    except RulesetError as exc:
        return list(exc.problems)
    document, marks, problems = read_yaml(data, _display_path(path))
    if problems:
        return problems
    if isinstance(document, Mapping) and document.get("format") == HISTORY_FORMAT:
        return _versioned_loading().check_history(path)  # an index of versions (docs/history.md)
    spec, found = check_document(document, marks)
    if spec is not None:
        try:
            program = compile_ruleset(spec)
        except RulesetError as exc:
            return [*found, *exc.problems]
        found += _semantic_problems(spec, program)
    return found
