"""Verdicts and their traces: plain, immutable data.

A :class:`Verdict` says what was decided and by which outcome rule; its :class:`Trace` lists every
derived value, criterion, standard, group, rule and decision outcome that was checked, with the
facts it read, the thresholds it compared against, its status and the clause it encodes. Text,
HTML and JSON are *views* of this data (see :mod:`mingxing_rules.explain`).

Traces are built lazily from the compiled row the first time they are read, so that batch jobs
that only count outcomes do not pay for thousands of step objects; the data is the same either way.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from ..compile.codegen import NA, CompiledProgram
from ..ruleset.model import Text, Threshold

__all__ = [
    "TRACE_FORMAT",
    "Reading",
    "Status",
    "Step",
    "Trace",
    "Verdict",
    "json_value",
]

TRACE_FORMAT = "mingxing-verdict/1"


class Status(enum.StrEnum):
    """The status of one step of a trace."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"

    def __str__(self) -> str:
        return self.value


def json_value(value: Any) -> Any:
    """A fact value in its JSON form: dates as ISO text, sets as sorted tuples."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return tuple(sorted(value))
    if isinstance(value, list):
        return tuple(value)
    return value


@attrs.frozen
class Reading:
    """A value a step read: a fact, a derived value, or an option."""

    name: str
    value: Any  # JSON form; None when the fact is missing
    source: str = "fact"  # fact | derived
    unit: str | None = None
    evidence: str | None = None  # panel findings carry their evidence

    @property
    def missing(self) -> bool:
        return self.value is None


@attrs.frozen
class Step:
    """One entry of a trace."""

    id: str
    kind: str  # derived | criterion | standard | group | rule | outcome
    status: Status
    clause: str = ""
    title: Text | None = None
    quote: str = ""
    condition: str = ""
    reads: tuple[Reading, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    depends_on: tuple[str, ...] = ()
    parent: str | None = None
    value: Any = None  # derived values: the value computed
    role: str = ""  # outcomes: selected | outranked | possible | not_selected

    @property
    def missing(self) -> tuple[str, ...]:
        """Facts this step read directly that were not provided."""
        return tuple(r.name for r in self.reads if r.value is None and r.source == "fact")

    def to_dict(self) -> dict[str, Any]:
        # Built field by field (not attrs.asdict + a generic walk): batch exports call this
        # for every step of every office.
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status.value,
            "clause": self.clause,
            "title": {"zh": self.title.zh, "en": self.title.en} if self.title else None,
            "quote": self.quote,
            "condition": self.condition,
            "reads": [{"name": r.name, "value": _plain(r.value), "source": r.source,
                       "unit": r.unit, "evidence": r.evidence} for r in self.reads],
            "thresholds": [{"fact": t.fact, "op": t.op, "value": _plain(t.value)}
                           for t in self.thresholds],
            "depends_on": list(self.depends_on),
            "parent": self.parent,
            "value": self.value,
            "role": self.role,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        title = data.get("title")
        return cls(
            id=data["id"],
            kind=data["kind"],
            status=Status(data["status"]),
            clause=data.get("clause", ""),
            title=Text(**title) if title else None,
            quote=data.get("quote", ""),
            condition=data.get("condition", ""),
            reads=tuple(Reading(**{**r, "value": _tuples(r.get("value"))})
                        for r in data.get("reads", ())),
            thresholds=tuple(Threshold(t["fact"], t["op"], _tuples(t["value"]))
                             for t in data.get("thresholds", ())),
            depends_on=tuple(data.get("depends_on", ())),
            parent=data.get("parent"),
            value=_tuples(data.get("value")),
            role=data.get("role", ""),
        )


def _tuples(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


_STATUS = {True: Status.PASS, False: Status.FAIL, None: Status.UNKNOWN}


def status_of(raw: Any) -> Status:
    """The status of a row entry: True, False, None (unknown) or NA (not applicable)."""
    return Status.NOT_APPLICABLE if raw is NA else _STATUS[raw]
_STATIC: dict[int, tuple[Any, list[Any]]] = {}


def _static_entries(program: CompiledProgram) -> list[Any]:
    """Per-step data that does not depend on the office, computed once per compiled program."""
    cached = _STATIC.get(id(program))
    if cached is not None and cached[0] is program:
        return cached[1]
    units = {f.name: f.unit for f in program.spec.facts}
    derived = {d.name: d for d in program.spec.derived}
    entries = []
    for info in program.layout:
        reads = [(name, name in units, units.get(name) if name in units else derived[name].unit)
                 for name in info.reads]
        if info.kind == "derived":
            item = derived[info.id]
            fixed = {"id": info.id, "kind": "derived", "title": item.title,
                     "condition": item.source}
        else:
            spec = info.spec
            assert spec is not None
            fixed = {"id": info.id, "kind": info.kind, "clause": spec.clause,
                     "title": spec.title, "quote": spec.quote, "condition": spec.condition_text,
                     "thresholds": info.thresholds, "depends_on": info.depends_on,
                     "parent": spec.parent}
        entries.append((info, reads, fixed))
    if len(_STATIC) > 256:  # many rulesets compiled in one process: keep the cache bounded
        _STATIC.clear()
    _STATIC[id(program)] = (program, entries)
    return entries


class Trace(Sequence[Step]):
    """The steps of one evaluation, in ruleset order. Built lazily from the compiled row."""

    __slots__ = ("_by_id", "_evidence", "_program", "_row", "_selected", "_steps", "_values")

    def __init__(
        self,
        steps: Sequence[Step] | None = None,
        *,
        program: CompiledProgram | None = None,
        row: tuple[Any, ...] = (),
        values: Mapping[str, Any] | None = None,
        evidence: Mapping[str, str] | None = None,
        selected: tuple[str, ...] = (),
    ) -> None:
        self._evidence = evidence or {}
        self._steps: tuple[Step, ...] | None = tuple(steps) if steps is not None else None
        self._program = program
        self._row = row
        self._values = values
        self._selected = selected
        self._by_id: dict[str, Step] | None = None

    @property
    def steps(self) -> tuple[Step, ...]:
        if self._steps is None:
            self._steps = self._materialise()
        return self._steps

    def _materialise(self) -> tuple[Step, ...]:
        program = self._program
        assert program is not None and self._values is not None
        facts = self._values
        evidence = self._evidence
        row = self._row
        role_of = dict(zip(program.spec.outcomes, self._selected, strict=False))
        index = program.index
        steps = []
        for entry, raw in zip(_static_entries(program), row, strict=True):
            info, reads_spec, fixed = entry
            reads = tuple(
                Reading(name, json_value(facts.get(name)), "fact", unit, evidence.get(name))
                if is_fact else Reading(name, row[index[name]], "derived", unit)
                for name, is_fact, unit in reads_spec
            )
            if info.kind == "derived":
                steps.append(Step(status=Status.UNKNOWN if raw is None else Status.PASS,
                                  reads=reads, value=raw, **fixed))
                continue
            status = status_of(raw)
            steps.append(Step(status=status, reads=reads, role=role_of.get(info.id, ""),
                              **fixed))
        return tuple(steps)

    @property
    def program(self) -> CompiledProgram | None:
        """The compiled ruleset this trace was computed with (``None`` when read from JSON)."""
        return self._program

    def status(self, step_id: str) -> Status:
        """The status of one step, read from the compiled row without building every step."""
        return self.statuses((step_id,))[0]

    def statuses(self, step_ids: Sequence[str]) -> tuple[Status, ...]:
        """Statuses of several steps; cheap on a fresh trace (batch summaries use it)."""
        if self._steps is None and self._program is not None:
            index = self._program.index
            row = self._row
            return tuple(status_of(row[index[s]]) for s in step_ids)
        return tuple(self.step(s).status for s in step_ids)

    def __len__(self) -> int:
        return len(self.steps)

    @overload
    def __getitem__(self, index: int) -> Step: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Step]: ...

    def __getitem__(self, index: int | slice) -> Step | Sequence[Step]:
        return self.steps[index]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trace):
            return self.steps == other.steps
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.steps)

    def __repr__(self) -> str:
        return f"Trace({len(self)} steps)"

    def step(self, step_id: str) -> Step:
        """The step with this id (``KeyError`` if none)."""
        if self._by_id is None:
            self._by_id = {s.id: s for s in self.steps}
        return self._by_id[step_id]

    def failing(self, kind: str = "criterion") -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == kind and s.status is Status.FAIL)

    def unknown(self, kind: str = "criterion") -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == kind and s.status is Status.UNKNOWN)

    def to_list(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.steps]

    def _repr_html_(self) -> str:
        from ..explain import trace_html

        return trace_html(self)


@attrs.frozen(eq=False)
class Verdict:
    """The decision for one office, with the trace that explains it."""

    office_id: str
    outcome: str  # an outcome id of the ruleset, or "UNDECIDED"
    effect: str | None  # award | revoke | none; None when undecided
    decided_by: str | None  # the outcome rule that decided, or the otherwise outcome
    possible_outcomes: tuple[str, ...]  # when undecided: the outcomes still possible
    missing_facts: tuple[str, ...]  # when undecided: facts that would decide it
    trace: Trace
    ruleset_id: str
    ruleset_version: str
    options: tuple[tuple[str, Any], ...] = ()
    office_name: str | None = None
    outcome_title: Text | None = None
    backend: str = "native"

    @property
    def decided(self) -> bool:
        return self.outcome != "UNDECIDED"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key()[:4])

    def _key(self) -> tuple[Any, ...]:
        return (self.office_id, self.outcome, self.effect, self.decided_by,
                self.possible_outcomes, self.missing_facts, self.ruleset_id,
                self.ruleset_version, self.options, self.office_name, self.outcome_title,
                self.trace)

    # views ------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON-ready data (format ``mingxing-verdict/1``, schema in docs/)."""
        return {
            "format": TRACE_FORMAT,
            "office": {"id": self.office_id, "name": self.office_name},
            "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version,
                        "options": {k: v for k, v in self.options}},
            "outcome": self.outcome,
            "outcome_title": ({"zh": self.outcome_title.zh, "en": self.outcome_title.en}
                              if self.outcome_title else None),
            "effect": self.effect,
            "decided": self.decided,
            "decided_by": self.decided_by,
            "possible_outcomes": list(self.possible_outcomes),
            "missing_facts": list(self.missing_facts),
            "trace": self.trace.to_list(),
        }

    def to_json(self, **kwargs: Any) -> str:
        import json

        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """Rebuild a verdict from :meth:`to_dict` output (round-trips exactly)."""
        if data.get("format") != TRACE_FORMAT:
            from ..errors import InputError, InputProblem

            raise InputError.from_problems([InputProblem(
                "format", data.get("format"), TRACE_FORMAT,
                f"not a verdict document (format must be {TRACE_FORMAT!r})")])
        title = data.get("outcome_title")
        return cls(
            office_id=data["office"]["id"],
            office_name=data["office"].get("name"),
            outcome=data["outcome"],
            effect=data.get("effect"),
            decided_by=data.get("decided_by"),
            possible_outcomes=tuple(data.get("possible_outcomes", ())),
            missing_facts=tuple(data.get("missing_facts", ())),
            trace=Trace([Step.from_dict(s) for s in data.get("trace", ())]),
            ruleset_id=data["ruleset"]["id"],
            ruleset_version=data["ruleset"]["version"],
            options=tuple((k, _tuples(v)) for k, v in data["ruleset"].get("options",
                                                                          {}).items()),
            outcome_title=Text(**title) if title else None,
        )

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        import json

        return cls.from_dict(json.loads(text))

    def explain(self, lang: str = "en", fmt: str = "text") -> str:
        """A readable explanation (``fmt``: text | md | html | json)."""
        from ..explain import render

        return render(self, lang=lang, fmt=fmt)

    def __str__(self) -> str:
        return self.explain("en")

    def _repr_html_(self) -> str:
        from ..explain import render

        return render(self, lang="en", fmt="html")
