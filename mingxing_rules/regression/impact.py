"""Which offices change verdict between two rulesets, and which rule change caused each flip.

:func:`impact` evaluates a population under both rulesets; :func:`find_verdict_changes`
searches the office space with Hypothesis for flips a population may not contain, and shrinks
each to a small example. Every flip is attributed: the two traces are compared step by step
from the outcomes down ``depends_on``; the steps whose status changed *and* whose definition
changed (see :func:`~mingxing_rules.regression.diff.diff_rulesets`) are the causes.

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.regression.impact import impact
>>> old = load_ruleset("star-judicial-office")
>>> new = load_ruleset("examples/amendment/star-judicial-office-2014.yaml")
>>> report = impact(old, new, "examples/offices")
>>> report.counts()
{('STAR', 'NOT_ELIGIBLE'): 1}
>>> flip = report.flips[0]
>>> flip.office_id, [c.step_id for c in flip.causes]
('star-exact-boundaries', ['mediation_success_96'])
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..engine.batch import row_place
from ..engine.evaluate import verdict_from_row
from ..engine.office import Office
from ..engine.trace import Step, Verdict
from ..errors import InputError, InputProblem, MingxingError
from ..jsonio import JsonInputError, JsonMixin, tuples
from ..jsonio import loads as strict_loads
from ..language.expr import Binary, Name
from ..progress import Progress, track
from ..ruleset.load import Ruleset
from ..ruleset.model import Threshold
from .diff import Change, RulesetDiff, diff_rulesets
from .director import INVALID, UNDECIDED, direct_flips, outcome_of

if TYPE_CHECKING:  # the search needs Hypothesis; impact over a population does not
    from hypothesis import strategies as st

__all__ = ["BadRow", "Cause", "Flip", "FlipSearch", "FoundFlips", "Impact", "LocatedOffice",
           "explain_flip", "find_verdict_changes", "flip_search", "impact", "load_population",
           "read_population"]


@attrs.frozen
class Cause:
    """A changed rule that explains a flip: its status moved and its definition changed."""

    step_id: str
    kind: str
    old_status: str  # PASS | FAIL | UNKNOWN | NOT_APPLICABLE, or "absent" (added/removed)
    new_status: str
    changes: tuple[Change, ...]

    def summary(self) -> str:
        why = "; ".join(c.summary() for c in self.changes) or "decision precedence changed"
        return f"{self.kind} {self.step_id}: {self.old_status} -> {self.new_status} ({why})"

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step_id, "kind": self.kind, "old_status": self.old_status,
                "new_status": self.new_status, "changes": [c.to_dict() for c in self.changes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cause:
        return cls(data["step"], data["kind"], data["old_status"], data["new_status"],
                   tuple(Change.from_dict(c) for c in data["changes"]))


@attrs.frozen
class Flip:
    """One office whose verdict differs between the two rulesets."""

    office_id: str
    old_outcome: str
    new_outcome: str
    causes: tuple[Cause, ...]
    office: Mapping[str, Any] = attrs.field(factory=dict, eq=False)
    found_by: str = "population"  # population | search
    readings: tuple[tuple[str, Any], ...] = ()  # what the causing steps read (new version)

    @property
    def transition(self) -> tuple[str, str]:
        return (self.old_outcome, self.new_outcome)

    def summary(self) -> str:
        head = f"{self.office_id}: {self.old_outcome} -> {self.new_outcome}"
        if self.readings:
            head += " with " + ", ".join(f"{n}={v!r}" for n, v in self.readings)
        return "\n".join([head, *(f"    because {c.summary()}" for c in self.causes)])

    def to_dict(self) -> dict[str, Any]:
        return {"office_id": self.office_id, "old": self.old_outcome, "new": self.new_outcome,
                "causes": [c.to_dict() for c in self.causes], "found_by": self.found_by,
                "readings": dict(self.readings), "office": dict(self.office)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flip:
        return cls(data["office_id"], data["old"], data["new"],
                   tuple(Cause.from_dict(c) for c in data["causes"]), dict(data["office"]),
                   data["found_by"], tuple((k, tuples(v)) for k, v in data["readings"].items()))


@attrs.frozen
class BadRow:
    """A row of the population that neither version can evaluate: a record that is not an
    office, data both versions refuse (a wrong type, a value out of range, facts that contradict
    each other), or a record the evaluator failed on. It is reported, never fatal: the rest of
    the population is analysed."""

    row: int  # 1-based position in the population
    office_id: str | None
    field: str  # the fields at fault, comma-separated ("$" for the record as a whole)
    message: str  # every problem, in one line
    line: int | None = None  # the line of a .jsonl file
    file: str | None = None  # the file it was read from, for file input

    @classmethod
    def from_error(cls, row: int, office_id: str | None, error: InputError,
                   line: int | None = None, file: str | None = None) -> BadRow:
        problems = error.problems
        fields = list(dict.fromkeys(f for p in problems for f in (p.paths or (p.path,)))) or ["$"]
        message = "; ".join(p.message for p in problems) or error.message
        return cls(row, office_id, ", ".join(fields), message, line, file)

    def summary(self) -> str:
        place = row_place(self.row, self.line, self.file, self.office_id)
        return f"{place}: {self.field}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "office_id": self.office_id, "field": self.field,
                "message": self.message, "line": self.line, "file": self.file}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BadRow:
        return cls(data["row"], data.get("office_id"), data["field"], data["message"],
                   data.get("line"), data.get("file"))


@attrs.frozen(repr=False)
class Impact(JsonMixin):
    """The verdict changes over a population, and the rows neither version could evaluate
    (``bad_rows``; ``total`` counts them too)."""

    diff: RulesetDiff
    total: int
    flips: tuple[Flip, ...]
    bad_rows: tuple[BadRow, ...] = ()

    def counts(self) -> dict[tuple[str, str], int]:
        """Flips per transition, e.g. ``{("NOT_ELIGIBLE", "STAR"): 14}``, most frequent first."""
        return dict(Counter(f.transition for f in self.flips).most_common())

    def to_text(self) -> str:
        head = (f"impact {self.diff.old_key} -> {self.diff.new_key}: "
                f"{len(self.flips)} of {self.total} offices change verdict")
        if self.bad_rows:
            head += f"; {len(self.bad_rows)} rows could not be evaluated"
        lines = [head]
        lines += [f"  {a} -> {b}: {n}" for (a, b), n in self.counts().items()]
        lines += ["  " + f.summary() for f in self.flips]
        if self.bad_rows:
            lines.append(f"  rows that could not be evaluated ({len(self.bad_rows)}):")
            lines += ["    " + b.summary() for b in self.bad_rows]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.diff.old_key, "new": self.diff.new_key, "total": self.total,
                "transitions": [{"old": a, "new": b, "count": n}
                                for (a, b), n in self.counts().items()],
                "flips": [f.to_dict() for f in self.flips], "diff": self.diff.to_dict(),
                "bad_rows": [b.to_dict() for b in self.bad_rows]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Impact:
        """The impact back from :meth:`to_dict`."""
        return cls(RulesetDiff.from_dict(data["diff"]), data["total"],
                   tuple(Flip.from_dict(f) for f in data["flips"]),
                   tuple(BadRow.from_dict(b) for b in data.get("bad_rows", ())))

    def __repr__(self) -> str:
        bad = f", {len(self.bad_rows)} bad rows" if self.bad_rows else ""
        return (f"<Impact {self.diff.old_key} -> {self.diff.new_key}: {len(self.flips)} of "
                f"{self.total} offices change verdict{bad}>")


# ------------------------------------------------------------------------------ population
def _clean_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A DataFrame row: NaN and None cells are missing facts, numpy scalars become Python."""
    clean: dict[str, Any] = {}
    for key, value in record.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        is_numpy_scalar = hasattr(value, "item") and not isinstance(value, list | dict | str)
        clean[str(key)] = value.item() if is_numpy_scalar else value
    return clean


def load_population(source: str | Path | Any | Iterable[Mapping[str, Any]]
                    ) -> list[dict[str, Any]]:
    """Offices as dicts from a directory of ``.json`` files, a ``.json`` file (one office or a
    list), a ``.jsonl`` file, a pandas DataFrame (one row per office), or an iterable of dicts."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(path.glob("*.json"))]
        if not path.is_file():
            message = f"{path}: no such file or directory"
            raise InputError(message, problems=[InputProblem(
                str(path), None, "a file or directory of offices", message)])
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        data = json.loads(text)
        return list(data) if isinstance(data, list) else [data]
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # a pandas DataFrame
        return [_clean_record(r) for r in source.to_dict("records")]
    return [dict(o) for o in source]


class LocatedOffice(dict[str, Any]):
    """An office read from a file, with where it was read (``line`` of a ``.jsonl`` file,
    ``file``): a bad row it turns out to be is reported there."""

    __slots__ = ("file", "line")

    def __init__(self, data: Mapping[str, Any], line: int | None, file: str | None) -> None:
        super().__init__(data)
        self.line = line
        self.file = file


def _record_id(record: Any) -> str | None:
    """The id a record gives itself, for reporting a bad row (``None`` when it has none)."""
    if not isinstance(record, Mapping):
        return None
    raw = record.get("id")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str) and raw.strip():
        return raw[:200].encode("utf-8", "backslashreplace").decode("utf-8")
    return None


def _not_an_office(row: int, item: Any, line: int | None = None, file: str | None = None
                   ) -> BadRow:
    return BadRow(row, None, "$", f"an office must be a JSON object, not {type(item).__name__}",
                  line, file)


def read_population(source: str | Path | Any | Iterable[Any]
                    ) -> list[dict[str, Any] | BadRow]:
    """The offices of ``source`` (as :func:`load_population` reads them), each record that
    cannot be read — a line of a ``.jsonl`` file or a file of a directory that is not strict
    JSON, a record that is not an object — as a :class:`BadRow` in its place, so that the rest
    is analysed. :class:`BadRow` items of an iterable are passed through."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            items: list[dict[str, Any] | BadRow] = []
            for number, file in enumerate(sorted(path.glob("*.json")), start=1):
                try:
                    data = strict_loads(file.read_bytes())
                except JsonInputError as exc:
                    items.append(BadRow(number, None, "$", exc.message, None, str(file)))
                    continue
                items.append(LocatedOffice(data, None, str(file)) if isinstance(data, dict)
                             else _not_an_office(number, data, None, str(file)))
            return items
        if not path.is_file():
            message = f"{path}: no such file or directory"
            raise InputError(message, problems=[InputProblem(
                str(path), None, "a file or directory of offices", message)])
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return list(_jsonl_rows(path))
        try:
            whole = strict_loads(path.read_bytes())
        except JsonInputError as exc:  # the file as a whole: nothing in it can be read
            message = f"{path}: {exc.message}"
            raise InputError(message, problems=[InputProblem(
                str(path), None, "a JSON file of offices", message)]) from None
        records = whole if isinstance(whole, list) else [whole]
        return [r if isinstance(r, dict) else _not_an_office(n, r, None, str(path))
                for n, r in enumerate(records, start=1)]
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # a pandas DataFrame
        return [_clean_record(r) for r in source.to_dict("records")]
    return [item if isinstance(item, BadRow | LocatedOffice) else dict(item)
            if isinstance(item, Mapping) else _not_an_office(n, item)
            for n, item in enumerate(source, start=1)]


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any] | BadRow]:
    row = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw[3:] if number == 1 and raw.startswith(b"\xef\xbb\xbf") else raw  # BOM
            if not line.strip():
                continue
            row += 1
            try:
                data = strict_loads(line)
            except JsonInputError as exc:
                yield BadRow(row, None, "$", exc.message, number, str(path))
                continue
            yield (LocatedOffice(data, number, str(path)) if isinstance(data, dict)
                   else _not_an_office(row, data, number, str(path)))


# ------------------------------------------------------------------------------ attribution
def _status(step: Step | None) -> str:
    return "absent" if step is None else step.status.name


def _steps(verdict: Verdict) -> dict[str, Step]:
    return {step.id: step for step in verdict.trace}


def explain_flip(old: Verdict, new: Verdict, diff: RulesetDiff) -> tuple[Cause, ...]:
    """The changed rules that explain why ``old`` and ``new`` differ.

    Walk from the outcome steps down ``depends_on`` through steps whose status changed; the
    ones whose definition changed in ``diff`` are the causes. A precedence change is a cause
    of its own (``step_id="decision"``).
    """
    before, after = _steps(old), _steps(new)
    outcome_ids = [i for i, s in {**before, **after}.items() if s.kind == "outcome"]
    stack = list(outcome_ids)
    seen: set[str] = set()
    causes: list[Cause] = []
    while stack:
        step_id = stack.pop(0)
        if step_id in seen:
            continue
        seen.add(step_id)
        a, b = before.get(step_id), after.get(step_id)
        if _status(a) == _status(b):
            continue
        step = b or a
        assert step is not None
        if step_id in diff.changed_nodes:
            causes.append(Cause(step_id, step.kind, _status(a), _status(b),
                                diff.for_node(step_id)))
        stack.extend((*(a.depends_on if a else ()), *(b.depends_on if b else ())))
    if diff.precedence_changed and old.outcome != new.outcome:
        causes.append(Cause("decision", "decision", old.outcome, new.outcome, tuple(
            c for c in diff.semantic if c.area == "decision")))
    return tuple(causes)


def _shares_office_schema(old: Ruleset, new: Ruleset) -> bool:
    """Whether an office both versions read alike (same facts, derived bounds, constraints and
    options): it is then validated once and the same :class:`Office` decided by both."""
    if old.program.options != new.program.options:
        return False
    return all(_without_locations(getattr(old.spec, part)) == _without_locations(
        getattr(new.spec, part)) for part in ("facts", "derived", "constraints"))


def _without_locations(specs: tuple[Any, ...]) -> list[Any]:
    """Specs as data without where they were written (another file, the same meaning)."""
    return [attrs.asdict(s, recurse=True, filter=lambda a, _: a.name != "location")
            for s in specs]


def _parse(ruleset: Ruleset, data: Mapping[str, Any]) -> Office | InputError:
    try:
        return ruleset.parse_office(data, extra="ignore")
    except InputError as error:
        return error


def _outcome(ruleset: Ruleset, office: Office) -> str:
    """The outcome by the compiled short-circuit function (no trace)."""
    position = ruleset.program.fast(office.facts)
    if position == -2:
        return UNDECIDED
    if position == -1:
        return ruleset.spec.otherwise.id
    return ruleset.spec.outcomes[position]


def _verdict(ruleset: Ruleset, office: Office) -> Verdict:
    return verdict_from_row(ruleset, office, ruleset.program.full(office.facts))


# what evaluating one record under both versions can give: no change, a flip, or the problems
# that made both versions refuse it
_Compared = Flip | tuple[InputError, ...] | None


def _compare(old: Ruleset, new: Ruleset, diff: RulesetDiff, office: Mapping[str, Any],
             found_by: str, shared: bool) -> _Compared:
    """Decide ``office`` under both versions with the short-circuit function; build the two
    traces (and attribute the flip) only when the outcomes differ."""
    before = _parse(old, office)
    after = before if shared else _parse(new, office)
    if isinstance(before, InputError) or isinstance(after, InputError):
        if isinstance(before, InputError) and isinstance(after, InputError):
            return (before,) if after is before else (before, after)
        # one version refuses the data (a range changed): a flip to or from INVALID
        old_outcome = INVALID if isinstance(before, InputError) else _outcome(old, before)
        new_outcome = INVALID if isinstance(after, InputError) else _outcome(new, after)
        office_id = str(office.get("id", ""))
        return Flip(office_id, old_outcome, new_outcome, (), dict(office), found_by)
    if _outcome(old, before) == _outcome(new, after):
        return None
    old_verdict, new_verdict = _verdict(old, before), _verdict(new, after)
    if old_verdict.outcome == new_verdict.outcome:  # pragma: no cover - the two paths agree
        return None
    causes = explain_flip(old_verdict, new_verdict, diff)
    readings: dict[str, Any] = {}
    for cause in causes:
        for verdict in (new_verdict, old_verdict):
            program = verdict.trace.program
            if program is None or cause.step_id not in program.index:
                continue  # "decision", or a node this version does not have
            for name, value in verdict.trace.read_values(cause.step_id).items():
                readings.setdefault(name, value)
    return Flip(old_verdict.office_id, old_verdict.outcome, new_verdict.outcome, causes,
                dict(office), found_by, tuple(readings.items()))


def _flip(old: Ruleset, new: Ruleset, diff: RulesetDiff, office: Mapping[str, Any],
          found_by: str) -> Flip | None:
    compared = _compare(old, new, diff, office, found_by, _shares_office_schema(old, new))
    return compared if isinstance(compared, Flip) else None


# what one record may do to the evaluator beyond bad input: it is reported, it does not end
# the analysis of the population (as in a batch)
_EVALUATION_FAILURES = (MingxingError, ArithmeticError, RecursionError, ValueError, TypeError,
                        LookupError)


def _bad_row(row: int, record: Mapping[str, Any], errors: Sequence[InputError]) -> BadRow:
    """Both versions refused ``record``: every problem either found, each once."""
    problems = list(dict.fromkeys(p for e in errors for p in e.problems))
    merged = InputError.from_problems(problems) if problems else errors[0]
    return BadRow.from_error(row, _record_id(record), merged, getattr(record, "line", None),
                             getattr(record, "file", None))


def _analyse(old: Ruleset, new: Ruleset, diff: RulesetDiff,
             population: Sequence[dict[str, Any] | BadRow], found_by: str, *, label: str = ""
             ) -> tuple[list[Flip], list[BadRow]]:
    """Flips and bad rows of a population; bad rows renumbered by their position in it."""
    shared = _shares_office_schema(old, new)
    flips: list[Flip] = []
    bad: list[BadRow] = []
    rows = track(population, label) if label else population  # a bar on a terminal only
    for row, item in enumerate(rows, start=1):
        if isinstance(item, BadRow):
            bad.append(item if item.row == row else attrs.evolve(item, row=row))
            continue
        office = item if type(item) is dict else dict(item)  # the validator reads plain dicts
        try:
            compared = _compare(old, new, diff, office, found_by, shared)
        except InputError as error:  # pragma: no cover - parsing errors are returned
            bad.append(_bad_row(row, item, (error,)))
            continue
        except _EVALUATION_FAILURES as error:
            bad.append(BadRow(row, _record_id(item), "$", f"cannot be evaluated: "
                              f"{type(error).__name__}: {str(error)[:200]}",
                              getattr(item, "line", None), getattr(item, "file", None)))
            continue
        if isinstance(compared, Flip):
            flips.append(compared)
        elif compared is not None:
            bad.append(_bad_row(row, item, compared))
    return flips, bad


def impact(old: Ruleset, new: Ruleset, offices: str | Path | Any | Iterable[Mapping[str, Any]]
           ) -> Impact:
    """Evaluate ``offices`` under both rulesets; the flips, with their causes, and the rows
    neither version could evaluate (:attr:`Impact.bad_rows`, never fatal).

    ``offices``: a directory, ``.json``/``.jsonl`` file, DataFrame or iterable of dicts (see
    :func:`read_population`). Facts only one ruleset knows are ignored by the other. Each
    office is decided by the compiled short-circuit functions; traces are built only for the
    offices that flip.
    """
    population = read_population(offices)
    diff = diff_rulesets(old, new)
    flips, bad = _analyse(old, new, diff, population, "population", label="impact")
    return Impact(diff, len(population), tuple(flips), tuple(bad))


# ------------------------------------------------------------------------------ search
def _outcomes(old: Ruleset, new: Ruleset, office: Mapping[str, Any]) -> tuple[str, str]:
    return outcome_of(old, office), outcome_of(new, office)


def _focus_facts(ruleset: Ruleset, changed: Iterable[str]) -> set[str]:
    """Facts read, directly or through derived values, by the ``changed`` nodes."""
    program = ruleset.program
    derived = {d.name for d in ruleset.spec.derived}
    wanted = set(changed)
    focus: set[str] = set()
    stack = [name for info in program.layout if info.id in wanted for name in info.reads]
    while stack:
        name = stack.pop()
        if name in focus:
            continue
        focus.add(name)
        if name in derived:
            stack.extend(program.layout[program.index[name]].reads)
    return focus


def _reaches(verdict: Verdict, start: str, targets: frozenset[str]) -> bool:
    steps = _steps(verdict)
    stack, seen = [start], set()
    while stack:
        step_id = stack.pop()
        if step_id in targets:
            return True
        if step_id in seen or step_id not in steps:
            continue
        seen.add(step_id)
        stack.extend(steps[step_id].depends_on)
    return False


def _promising(old: Ruleset, new: Ruleset, diff: RulesetDiff,
               offices: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The population's offices where a changed rule is most likely to decide.

    An office qualifies when its outcome (in either version) is the fallback outcome or
    depends on a changed rule, and it fails at most one criterion: a moved threshold decides
    near the award line, not deep below it. Falls back to looser sets when none qualifies.
    """
    relevant: list[tuple[int, dict[str, Any]]] = []
    for office in offices:
        parsed = [_parse(rs, office) for rs in (old, new)]
        if any(isinstance(p, InputError) for p in parsed):
            continue  # refused by a version: a base only when nothing else qualifies
        verdicts = [_verdict(rs, p) for rs, p in zip((old, new), parsed, strict=True)
                    if isinstance(p, Office)]
        if any(v.outcome in (v.decided_by, None) and v.decided_by is not None and (
                v.outcome == rs.spec.otherwise.id
                or _reaches(v, v.outcome, diff.changed_nodes))
               for v, rs in zip(verdicts, (old, new), strict=True)):
            relevant.append((min(len(v.trace.failing()) for v in verdicts), dict(office)))
    close = [office for failing, office in relevant if failing <= 1]
    return close or [office for _, office in relevant] or [dict(o) for o in offices]


def _boundary_strategies(old: Ruleset, new: Ruleset, names: Iterable[str]
                         ) -> dict[str, st.SearchStrategy[Any]]:
    """For each fact: its values at the thresholds of both versions (any valid value when it
    has no numeric threshold)."""
    from hypothesis import strategies as st

    from .strategies import boundary_values, fact_values

    thresholds: dict[str, list[Threshold]] = {}
    for ruleset in (old, new):
        for info in ruleset.program.layout:
            for threshold in info.thresholds:
                thresholds.setdefault(threshold.fact, []).append(threshold)
    specs = {f.name: f for f in (*old.spec.facts, *new.spec.facts)}
    found: dict[str, st.SearchStrategy[Any]] = {}
    for name in names:
        if name not in specs:
            continue
        fact = specs[name]
        edges = boundary_values(fact, thresholds.get(name, []))
        found[name] = st.sampled_from(edges) if edges else fact_values(fact, thresholds.get(name))
    return found


def _rate_limits(old: Ruleset, new: Ruleset) -> dict[str, tuple[str, list[float]]]:
    """numerator -> (denominator, the rate's numeric thresholds in both versions)."""
    limits: dict[str, tuple[str, set[float]]] = {}
    for ruleset in (old, new):
        by_fact: dict[str, list[Threshold]] = {}
        for info in ruleset.program.layout:
            for threshold in info.thresholds:
                by_fact.setdefault(threshold.fact, []).append(threshold)
        for derived in ruleset.spec.derived:
            expr = derived.expr
            if not (isinstance(expr, Binary) and expr.op == "/" and isinstance(expr.left, Name)
                    and isinstance(expr.right, Name)):
                continue
            values = {float(t.value) for t in by_fact.get(derived.name, ())
                      if isinstance(t.value, int | float) and not isinstance(t.value, bool)}
            if derived.name in by_fact and values:
                entry = limits.setdefault(expr.left.name, (expr.right.name, set()))
                entry[1].update(values)
    return {n: (d, sorted(v)) for n, (d, v) in limits.items()}


def search_space(old: Ruleset, new: Ruleset, *, population: Sequence[Mapping[str, Any]] = (),
                 diff: RulesetDiff | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Offices worth trying for flips between ``old`` and ``new``.

    A base office (one of the population's offices where a changed rule can decide, or, with
    no population, one drawn to meet most thresholds) has the facts of one changed rule
    re-drawn at the boundaries of both versions (a count under a rate: at, just below and just
    above the rate's thresholds times the base's own denominator). Without a population, plain
    offices with missing facts are also tried, to reach flips to and from ``UNDECIDED``.
    """
    from hypothesis import strategies as st

    from .strategies import offices as office_strategy

    diff = diff or diff_rulesets(old, new)
    groups = [sorted(_focus_facts(old, [n]) | _focus_facts(new, [n]))
              for n in sorted(diff.changed_nodes)]
    groups = [g for g in groups if g]
    focus = sorted({name for g in groups for name in g})
    rates = _rate_limits(old, new)
    denominators = {d for d, _ in rates.values()}
    values = _boundary_strategies(old, new, focus)
    if population:  # real offices: most flips are one changed rule away from them
        base: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
            _promising(old, new, diff, population))
    else:
        base = st.one_of(office_strategy(new, passing=0.95, boundaries_of=old),
                         office_strategy(old, passing=0.95, boundaries_of=new))

    @st.composite
    def varied(draw: st.DrawFn) -> dict[str, Any]:
        office = dict(draw(base))
        if not groups:
            return office
        for name in draw(st.sampled_from(groups)):
            if name in denominators and isinstance(office.get(name), int):
                continue  # keep the base's own caseload; its numerators move instead
            if name in rates and isinstance(office.get(rates[name][0]), int):
                denominator = office[rates[name][0]]
                limit = draw(st.sampled_from(rates[name][1]))
                at = math.ceil(limit * denominator - 1e-9) + draw(st.sampled_from((-1, 0, 1)))
                office[name] = min(max(at, 0), denominator)
            elif name in values:
                office[name] = draw(values[name])
        return office

    if population:
        return varied()
    # without real offices, plain ones with missing facts also reach flips to and from UNDECIDED
    return st.one_of(varied(), office_strategy(new, missing=0.05, boundaries_of=old))


@attrs.frozen
class FlipSearch:
    """The flips a search found, and how: ``directed`` (the director built offices from the
    two rulesets' structure), ``complete`` (every pair of outcomes was settled by the director:
    a flip found or shown impossible over the boundary values), ``unsettled`` (the pairs it
    left open), ``undirected`` (whether Hypothesis' undirected draws ran as well, and why) and
    ``examples`` (offices evaluated under both versions)."""

    flips: tuple[Flip, ...]
    directed: bool
    complete: bool
    unsettled: tuple[tuple[str, str], ...]
    undirected: str  # "" when they did not run, else the reason
    examples: int
    bad_rows: tuple[BadRow, ...] = ()  # rows of the population neither version could evaluate

    def summary(self) -> str:
        how = "directed search" + (" (every pair of outcomes settled)" if self.complete else
                                   f" ({len(self.unsettled)} pairs of outcomes left open)")
        if self.undirected:
            how += f"; undirected draws: {self.undirected}"
        bad = (f"; {len(self.bad_rows)} rows of the population could not be evaluated"
               if self.bad_rows else "")
        return f"{len(self.flips)} transitions found by {how}, {self.examples} examples{bad}"


def flip_search(old: Ruleset, new: Ruleset, *, max_examples: int = 300,
                population: str | Path | Any | Iterable[Mapping[str, Any]] | None = None,
                directed: bool = True) -> FlipSearch:
    """Search for offices whose verdict changes; one example per transition.

    First the director (:mod:`mingxing_rules.director`) builds, for every pair of outcomes, an
    office that the old version decides one way and the new one the other, keeping only the
    facts that matter. Hypothesis' undirected draws (derandomized, no example database, each
    flip shrunk) then run with the examples left when the director could not settle every pair
    and found nothing, or when a population is given (its offices are the bases). Both count
    against ``max_examples``.
    """
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive integer, got {max_examples!r}")
    rows = read_population(population) if population is not None else []
    diff = diff_rulesets(old, new)
    population_flips, bad_rows = _analyse(old, new, diff, rows, "population")
    known = {f.transition for f in population_flips}
    refused = {b.row for b in bad_rows}  # neither version reads them: no base for the search
    offices = [o for n, o in enumerate(rows, start=1)
               if n not in refused and not isinstance(o, BadRow)]
    flips: list[Flip] = []
    seen: set[tuple[str, str]] = set()
    examples = 0
    complete = False
    unsettled: tuple[tuple[str, str], ...] = ()
    if directed and diff.semantic:
        result = direct_flips(old, new, max_examples=max_examples)
        examples += result.examples
        complete, unsettled = result.complete, result.unsettled
        for office in result.offices.values():
            flip = _flip(old, new, diff, office, "search")
            if flip is None or flip.transition in seen:
                continue
            if flip.transition in known:
                flip = attrs.evolve(flip, found_by="population")
            seen.add(flip.transition)
            flips.append(flip)
    elif directed:
        complete = True  # no change that can move a verdict: nothing to search
    reason = ""
    if not directed:
        reason = "asked for (directed=False)"
    elif offices:
        reason = "a population was given: its offices are bases for more draws"
    elif not complete and not flips:
        reason = "the director settled no flip and left pairs of outcomes open"
    left = max_examples - examples
    if reason and left > 0:
        strategy = search_space(old, new, population=offices, diff=diff)
        search_settings = settings(max_examples=left, derandomize=True, database=None,
                                   suppress_health_check=list(HealthCheck), deadline=None)
        searched = Progress(None, "searching for flips", unit="example")  # closed below, or
        while True:                                           # by the command line on errors
            def is_new_flip(office: dict[str, Any]) -> bool:
                searched.advance()
                before, after = _outcomes(old, new, office)
                return before != after and (before, after) not in seen
            try:
                example = find(strategy, is_new_flip, settings=search_settings)
            except NoSuchExample:
                break
            example["id"] = "shrunk-" + "-".join(_outcomes(old, new, example)).lower()
            flip = _flip(old, new, diff, example, "search")
            assert flip is not None
            if flip.transition in known:
                flip = attrs.evolve(flip, found_by="population")
            seen.add(flip.transition)
            flips.append(flip)
        searched.close()
        examples += left
    # decided outcomes first: a flip to or from UNDECIDED (a missing fact) or INVALID reads
    # better after the ones it accompanies
    flips.sort(key=lambda f: bool({UNDECIDED, INVALID} & set(f.transition)))
    return FlipSearch(tuple(flips), directed, complete, unsettled,
                      reason if left > 0 else "", examples, tuple(bad_rows))


class FoundFlips(list[Flip]):
    """The flips :func:`find_verdict_changes` found (a list), with the rows of the population
    that neither version could evaluate in ``bad_rows``."""

    bad_rows: tuple[BadRow, ...] = ()


def find_verdict_changes(old: Ruleset, new: Ruleset, *, max_examples: int = 300,
                         population: str | Path | Any | Iterable[Mapping[str, Any]] | None = None,
                         directed: bool = True) -> FoundFlips:
    """Search for offices whose verdict changes; one example per transition.

    The flips of :func:`flip_search` (directed by the change, then undirected draws where the
    director could not settle the search). ``population`` seeds the search with real offices
    and marks which flips it already contains (``found_by="population"`` when an office of the
    population flips the same way, ``"search"`` otherwise). Rows of the population that neither
    version can evaluate are left out of the search and listed in the result's ``bad_rows``.
    """
    searched = flip_search(old, new, max_examples=max_examples, population=population,
                           directed=directed)
    found = FoundFlips(searched.flips)
    found.bad_rows = searched.bad_rows
    return found
