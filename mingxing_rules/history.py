"""Rules over time: the versions of one ruleset and the period each was in force.

A :class:`RulesetHistory` is read from an **index file** (``format: mingxing-rules-history/1``,
e.g. the bundled ``rulesets/history/star-judicial-office.history.yaml``), from a **directory**
of ruleset files (each file's own ``ruleset.effective`` period; an index in the directory wins),
or from a single ruleset file (a history of one version). Periods are inclusive; sorted by start
they must neither overlap nor leave a gap, and each must lie within its file's own ``effective``
period.
Every such problem is a :class:`~mingxing_rules.errors.RulesetError` at load, with ``file:line``.

>>> import datetime as dt
>>> from mingxing_rules.history import load_history
>>> history = load_history("star-judicial-office")
>>> [str(v) for v in history.versions]
['2012.1 (2012-08-09 .. 2013-12-31)', '2014.1 (2014-01-01 .. 2015-12-31, illustrative)']
>>> history.in_force(dt.date(2014, 12, 1)).version
'2014.1'
>>> history.ruleset_on("2013-06-30").key
'star-judicial-office@2012.1'
>>> history.assessment_date({"id": "x", "assessment_year": 2014})
datetime.date(2014, 12, 10)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from .engine.office import Office
from .errors import InputError, InputProblem, Location, RulesetError, RulesetProblem
from .ruleset.load import (
    HISTORY_FORMAT,
    Ruleset,
    VersionedLoading,
    install_versioned_loading,
    load_ruleset,
    resolve_path,
    rulesets_dir,
)
from .ruleset.source import SourceMap, read_yaml
from .ruleset.values import as_date

__all__ = ["HISTORY_FORMAT", "AssessmentDate", "RulesetHistory", "Version", "changed_options",
           "check_history",
           "file_hash", "history_of", "is_history_source", "load_history", "parse_day",
           "ruleset_in_force"]

_INDEX_SUFFIX = ".history.yaml"


@attrs.frozen
class Version:
    """One version of a ruleset and the inclusive period it is in force (``end`` None: open)."""

    version: str
    path: Path
    start: dt.date
    end: dt.date | None
    illustrative: bool = False
    note: str = ""
    amends: tuple[str, ...] = ()  # node ids the version declares it amends (for review)
    location: Location = Location()  # where the period is declared

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` is inside the period (both ends included)."""
        return self.start <= day and (self.end is None or day <= self.end)

    @property
    def content_hash(self) -> str:
        """``sha256:`` of the file's bytes: what a decision record pins."""
        return file_hash(self.path)

    def ruleset(self, options: Mapping[str, Any] | None = None) -> Ruleset:
        return load_ruleset(self.path, options=options)

    def period_text(self) -> str:
        return f"{self.start} .. {self.end if self.end else 'open'}"

    def __str__(self) -> str:
        flag = ", illustrative" if self.illustrative else ""
        return f"{self.version} ({self.period_text()}{flag})"


@attrs.frozen
class AssessmentDate:
    """How ``on="assessment"`` reads an office's assessment date from its facts."""

    fact: str | None = None  # a date fact
    year_fact: str | None = None  # an integer fact: the assessment year
    year_day: tuple[int, int] = (12, 10)  # the day in that year the panel assesses


@attrs.frozen
class RulesetHistory:
    """The versions of one ruleset id, sorted by start, each in force for its period."""

    id: str
    versions: tuple[Version, ...]
    source: Path
    assessment: AssessmentDate = AssessmentDate()

    def __iter__(self) -> Iterator[Version]:
        return iter(self.versions)

    def in_force(self, on: dt.date | str) -> Version:
        """The version whose period contains ``on`` (a date or ``YYYY-MM-DD``)."""
        day = parse_day(on)
        for version in self.versions:
            if version.contains(day):
                return version
        raise RulesetError.from_problems([RulesetProblem(
            "H201", f"no version of {self.id} is in force on {day}; versions: "
            + "; ".join(str(v) for v in self.versions), Location(_display(self.source)))])

    def version(self, version: str) -> Version:
        """The version called ``version`` (e.g. ``"2012.1"``)."""
        for candidate in self.versions:
            if candidate.version == version:
                return candidate
        raise RulesetError.from_problems([RulesetProblem(
            "H202", f"{self.id} has no version {version!r}; versions: "
            + ", ".join(v.version for v in self.versions), Location(_display(self.source)))])

    def ruleset_on(self, on: dt.date | str, *, options: Mapping[str, Any] | None = None
                   ) -> Ruleset:
        """The compiled ruleset in force on ``on``."""
        return self.in_force(on).ruleset(options)

    def assessment_date(self, office: Mapping[str, Any]) -> dt.date:
        """The date an office was assessed, from its declared date fact or assessment year.

        Raises :class:`~mingxing_rules.errors.InputError` naming the facts when neither is
        there, or when one does not hold a date (or a year).
        """
        rule = self.assessment
        problems: list[InputProblem] = []
        if rule.fact is not None and office.get(rule.fact) is not None:
            value = office[rule.fact]
            try:
                return parse_day(value)
            except InputError:
                problems.append(InputProblem(rule.fact, value, "a date YYYY-MM-DD",
                                             f"expected a date YYYY-MM-DD, found {value!r}"))
        elif rule.year_fact is not None and office.get(rule.year_fact) is not None:
            value = office[rule.year_fact]
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
                return dt.date(value, *rule.year_day)
            problems.append(InputProblem(rule.year_fact, value, "a year",
                                         f"expected a year, found {value!r}"))
        if not problems:
            names = " or ".join(n for n in (rule.fact, rule.year_fact) if n) or "(none declared)"
            problems.append(InputProblem(names, None, "an assessment date", (
                f"on='assessment' reads the office's assessment date from {names}; "
                "the office has neither")))
        office_id = office.get("id")
        raise InputError.from_problems(problems, office_id if isinstance(office_id, str) else None)

    def to_text(self) -> str:
        lines = [f"{self.id}: {len(self.versions)} version(s) ({_display(self.source)})"]
        for version in self.versions:
            lines.append(f"  {version}  {_display(version.path)}")
            if version.note:
                lines.append(f"      {version.note}")
        return "\n".join(lines)


def parse_day(value: Any) -> dt.date:
    """A date from a :class:`datetime.date`, a datetime or ``YYYY-MM-DD`` text."""
    day = as_date(value.strip() if isinstance(value, str) else value)
    if day is not None:
        return day
    raise InputError.from_problems([InputProblem(
        "on", value, "a date YYYY-MM-DD", f"expected a date YYYY-MM-DD, found {value!r}")])


@functools.lru_cache(maxsize=256)
def _hash_cached(path: str, stamp: int, size: int) -> str:
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_hash(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes (cached while the file is unchanged)."""
    status = path.stat()
    return _hash_cached(str(path.resolve()), status.st_mtime_ns, status.st_size)


def is_history_source(source: object) -> bool:
    """Whether ``source`` names a history rather than one ruleset: a :class:`RulesetHistory`,
    ``"<id>.history"`` (a bundled history), a history index file or a directory."""
    if isinstance(source, RulesetHistory):
        return True
    if not isinstance(source, str | Path):
        return False
    path = Path(source)
    if path.is_dir() or path.name.endswith(_INDEX_SUFFIX):
        return True
    if isinstance(source, str) and source.endswith(".history") and not path.exists():
        return True
    if path.suffix in (".yaml", ".yml") and path.is_file():
        try:
            history = load_history(path)
        except RulesetError:
            return False
        return history.source.resolve() != history.versions[0].path.resolve()
    return False


def history_of(ruleset: Ruleset) -> RulesetHistory:
    """The history a loaded ruleset belongs to: the bundled history of its id when its file
    is one of that history's versions, else the history of its file alone."""
    if ruleset.path is None:
        return load_history(ruleset.id)
    try:
        bundled = load_history(ruleset.id)
    except RulesetError:
        return load_history(ruleset.path)
    mine = ruleset.path.resolve()
    if any(v.path.resolve() == mine for v in bundled.versions):
        return bundled
    return load_history(ruleset.path)


def ruleset_in_force(office: Mapping[str, Any] | Office, ruleset: Ruleset | str | Path | None,
                     on: dt.date | str) -> tuple[Ruleset, dt.date]:
    """The version of ``ruleset`` in force on ``on`` (a date, ``YYYY-MM-DD`` or
    ``"assessment"``: the office's assessment date), with the options ``ruleset`` was loaded
    with; and the day that chose it."""
    if isinstance(ruleset, Ruleset):
        history, options = history_of(ruleset), changed_options(ruleset)
    else:
        history, options = load_history(ruleset or "star-judicial-office"), None
    if on == "assessment":
        data = office.to_dict() if isinstance(office, Office) else office
        if not isinstance(data, Mapping):
            raise InputError(f"office data must be a mapping, found {type(data).__name__}")
        day = history.assessment_date(data)
    else:
        day = parse_day(on)
    return history.ruleset_on(day, options=options), day


def changed_options(ruleset: Ruleset) -> dict[str, Any] | None:
    """The options of ``ruleset`` that differ from the declared defaults (None: none)."""
    defaults = {o.name: o.default for o in ruleset.spec.options}
    changed = {k: v for k, v in ruleset.options.items() if defaults.get(k) != v}
    return changed or None


# -------------------------------------------------------------------------------- loading
def load_history(source: str | Path | RulesetHistory) -> RulesetHistory:
    """The history named by ``source``: a bundled id, an index file, a directory or one file."""
    if isinstance(source, RulesetHistory):
        return source
    path = Path(source)
    if path.is_dir():
        return _from_directory(path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return _from_file(path)
    name = str(source).removesuffix(".history")
    index = rulesets_dir() / "history" / f"{name}{_INDEX_SUFFIX}"
    if index.is_file():
        return _from_file(index)
    return _from_file(resolve_path(source))  # a bundled ruleset with no history: one version


def check_history(source: str | Path) -> list[RulesetProblem]:
    """Every problem of a history (index, directory or file), without raising. Empty: clean."""
    try:
        load_history(source)
    except RulesetError as error:
        return list(error.problems)
    return []


def _from_file(path: Path) -> RulesetHistory:
    try:
        status = path.stat()
    except OSError as exc:
        raise RulesetError.from_problems([RulesetProblem(
            "R000", f"cannot read {_display(path)}: {exc.strerror or exc}")]) from None
    return _read_cached(str(path.resolve()), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=32)
def _read_cached(path: str, stamp: int, size: int) -> RulesetHistory:
    resolved = Path(path)
    document, marks = _read_document(resolved)
    if isinstance(document, Mapping) and document.get("format") == HISTORY_FORMAT:
        return _from_index(resolved, document, marks)
    return _assemble([_ruleset_version(resolved)], resolved)


def _read_document(path: Path) -> tuple[Any, SourceMap]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesetError.from_problems([RulesetProblem(
            "R000", f"cannot read {_display(path)}: {exc.strerror or exc}")]) from None
    document, marks, problems = read_yaml(data, _display(path))
    if problems:
        raise RulesetError.from_problems(problems)
    return document, marks


def _from_directory(folder: Path) -> RulesetHistory:
    indexes = sorted(folder.glob(f"*{_INDEX_SUFFIX}"))
    if len(indexes) == 1:
        return _from_file(indexes[0])
    if len(indexes) > 1:
        raise RulesetError.from_problems([RulesetProblem(
            "H001", f"{_display(folder)} holds {len(indexes)} history indexes ("
            + ", ".join(p.name for p in indexes) + "); name one of them")])
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise RulesetError.from_problems([RulesetProblem(
            "H001", f"{_display(folder)} holds no ruleset files (*.yaml)")])
    return _assemble([_ruleset_version(p) for p in files], folder)


def _ruleset_version(path: Path) -> Version:
    """A version whose period is the file's own ``ruleset.effective``."""
    ruleset = _load_version(path, None)
    _, marks = _read_document(path)
    return Version(ruleset.version, path, ruleset.spec.effective_from,
                   ruleset.spec.effective_until,
                   location=marks.locate("ruleset.effective.from"))


def _load_version(path: Path, where: Location | None) -> Ruleset:
    try:
        return load_ruleset(path)
    except RulesetError as error:
        if where is None:
            raise
        raise RulesetError.from_problems([RulesetProblem(
            "H104", f"version file {_display(path)} does not load: {error.message}", where),
            *error.problems]) from None


_INDEX_KEYS = ("format", "history")
_HISTORY_KEYS = ("id", "assessment_date", "versions")
_VERSION_KEYS = ("file", "version", "from", "until", "illustrative", "note", "amends")
_ASSESSMENT_KEYS = ("fact", "year_fact", "year_day")


def _from_index(path: Path, document: Mapping[str, Any], marks: SourceMap) -> RulesetHistory:
    problems: list[RulesetProblem] = []

    def problem(code: str, where: str, message: str) -> None:
        problems.append(RulesetProblem(code, message, marks.locate(where)))

    def keys(value: Any, where: str, allowed: tuple[str, ...], required: tuple[str, ...]
             ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            problem("H002", where, f"expected a mapping, found {type(value).__name__}")
            return {}
        for key in value:
            if key not in allowed:
                problem("H002", f"{where}.{key}" if where else str(key),
                        f"unknown key {key!r}; allowed: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                problem("H002", where, f"missing required key {key!r}")
        return value

    top = keys(document, "", _INDEX_KEYS, _INDEX_KEYS)
    body = keys(top.get("history", {}), "history", _HISTORY_KEYS, ("id", "versions"))
    history_id = body.get("id")
    if not isinstance(history_id, str) or not history_id:
        problem("H002", "history.id", "expected the ruleset id (text)")
        history_id = ""
    assessment = _assessment_rule(body.get("assessment_date"), keys, problem)
    entries = body.get("versions", [])
    if not isinstance(entries, list) or not entries:
        problem("H002", "history.versions", "expected a non-empty list of versions")
        entries = []
    versions: list[Version] = []
    for index, entry in enumerate(entries):
        where = f"history.versions[{index}]"
        item = keys(entry, where, _VERSION_KEYS, ("file", "version", "from"))
        version = _index_version(path, history_id, item, where, marks, problem, assessment)
        if version is not None:
            versions.append(version)
    if problems:
        raise RulesetError.from_problems(problems)
    return _assemble(versions, path, assessment)


def _assessment_rule(value: Any, keys: Any, problem: Any) -> AssessmentDate:
    if value is None:
        return AssessmentDate()
    where = "history.assessment_date"
    rule = keys(value, where, _ASSESSMENT_KEYS, ())
    names = {}
    for key in ("fact", "year_fact"):
        name = rule.get(key)
        if name is not None and not isinstance(name, str):
            problem("H002", f"{where}.{key}", f"expected a fact name, found {name!r}")
            name = None
        names[key] = name
    day = (12, 10)
    raw = rule.get("year_day")
    if raw is not None:
        try:
            month, _, of_month = str(raw).partition("-")
            day = (int(month), int(of_month))
            dt.date(2000, *day)
        except ValueError:
            problem("H002", f"{where}.year_day", f"expected a day MM-DD, found {raw!r}")
    return AssessmentDate(names["fact"], names["year_fact"], day)


def _index_version(path: Path, history_id: str, item: Mapping[str, Any], where: str,
                   marks: SourceMap, problem: Any, assessment: AssessmentDate
                   ) -> Version | None:
    file = item.get("file")
    if not isinstance(file, str) or not file:
        problem("H002", f"{where}.file", "expected a ruleset file path (text)")
        return None
    start = _index_date(item.get("from"), f"{where}.from", problem)
    end = _index_date(item.get("until"), f"{where}.until", problem) if "until" in item else None
    declared = item.get("version")
    if not isinstance(declared, str):
        problem("H002", f"{where}.version", f"expected the version as text, found {declared!r}")
        return None
    target = (path.parent / file).resolve()
    if not target.is_file():
        problem("H103", f"{where}.file", f"no ruleset file {file!r} next to the index")
        return None
    if start is None:
        return None
    ruleset = _load_version(target, marks.locate(f"{where}.file"))
    spec = ruleset.spec
    if history_id and spec.id != history_id:
        problem("H103", f"{where}.file", f"{file} is ruleset {spec.id!r}, not {history_id!r}")
    if spec.version != declared:
        problem("H103", f"{where}.version",
                f"{file} is version {spec.version!r}, the index says {declared!r}")
    if end is not None and end < start:
        problem("H105", f"{where}.until", f"until {end} is before from {start}")
    if start < spec.effective_from or (spec.effective_until is not None and (
            end is None or end > spec.effective_until)):
        own = f"{spec.effective_from} .. {spec.effective_until or 'open'}"
        problem("H105", f"{where}.from", (
            f"period {start} .. {end or 'open'} lies outside {file}'s own effective period "
            f"{own}"))
    facts = {f.name: f.type for f in spec.facts}
    for name, wanted in ((assessment.fact, ("date",)),
                         (assessment.year_fact, ("integer", "number"))):
        if name is not None and facts.get(name) not in wanted:
            problem("H106", "history.assessment_date", (
                f"{file} has no {' or '.join(wanted)} fact {name!r} to read the assessment "
                "date from"))
    amends = item.get("amends", [])
    if not isinstance(amends, list) or not all(isinstance(a, str) for a in amends):
        problem("H002", f"{where}.amends", "expected a list of rule ids")
        amends = []
    unknown = [a for a in amends if a not in {n.id for n in spec.nodes}]
    if unknown:
        problem("H002", f"{where}.amends", f"no rule {', '.join(map(repr, unknown))} in {file}")
    illustrative = item.get("illustrative", False)
    note = item.get("note", "")
    if not isinstance(illustrative, bool):
        problem("H002", f"{where}.illustrative", "expected true or false")
        illustrative = False
    if not isinstance(note, str):
        problem("H002", f"{where}.note", "expected text")
        note = ""
    return Version(spec.version, target, start, end, illustrative, note, tuple(amends),
                   marks.locate(f"{where}.from"))


def _index_date(value: Any, where: str, problem: Any) -> dt.date | None:
    if isinstance(value, dt.date | dt.datetime | str):
        try:
            return parse_day(value)
        except InputError:
            pass
    problem("H002", where, f"expected a date YYYY-MM-DD, found {value!r}")
    return None


def _assemble(versions: list[Version], source: Path,
              assessment: AssessmentDate = AssessmentDate()) -> RulesetHistory:
    """Sort by start; refuse overlaps, gaps, mixed ids and a version listed twice."""
    problems: list[RulesetProblem] = []
    ordered = sorted(versions, key=lambda v: v.start)
    ids = {load_ruleset(v.path).id for v in ordered}
    if len(ids) > 1:
        problems.append(RulesetProblem("H103", "versions of different rulesets in one history: "
                                       + ", ".join(sorted(ids)), Location(_display(source))))
    seen: dict[str, Version] = {}
    for version in ordered:
        if version.version in seen:
            problems.append(RulesetProblem("H104", (
                f"version {version.version} is listed twice (also at "
                f"{seen[version.version].location})"), version.location))
        seen[version.version] = version
    for before, after in itertools.pairwise(ordered):
        if before.end is None or after.start <= before.end:
            problems.append(RulesetProblem("H101", (
                f"{after.version} ({after.period_text()}) overlaps {before.version} "
                f"({before.period_text()}, declared at {before.location})"), after.location))
        elif after.start > before.end + dt.timedelta(days=1):
            problems.append(RulesetProblem("H102", (
                f"gap: no version is in force from {before.end + dt.timedelta(days=1)} to "
                f"{after.start - dt.timedelta(days=1)} (between {before.version}, declared at "
                f"{before.location}, and {after.version})"), after.location))
    if problems:
        raise RulesetError.from_problems(problems)
    return RulesetHistory(next(iter(ids)) if ids else "", tuple(ordered), source, assessment)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _ruleset_on(source: str | Path | Ruleset, on: dt.date | str,
                options: Mapping[str, Any] | None) -> Ruleset:
    """``load_ruleset(source, on=on, options=options)``."""
    if isinstance(source, Ruleset):  # its history, read with its options
        merged = {**(changed_options(source) or {}), **(options or {})}
        return history_of(source).ruleset_on(on, options=merged or None)
    return load_history(source).ruleset_on(on, options=options)


# loading (a lower stage) serves ``load_ruleset(on=...)`` and history index files through this
install_versioned_loading(VersionedLoading(ruleset_on=_ruleset_on, check_history=check_history))
