"""Verdicts and their traces: plain, immutable data.

A :class:`Verdict` says what was decided and by which outcome rule; its :class:`Trace` lists every
derived value, criterion, standard, group, rule and decision outcome that was checked, with the
facts it read, the thresholds it compared against, its status and the clause it encodes. Text,
HTML and JSON are *views* of this data (see :mod:`mingxing_rules.explain`).

Traces are built lazily from the compiled row the first time they are read, so that batch jobs
that only count outcomes do not pay for thousands of step objects; the data is the same either way.
"""

from __future__ import annotations

import enum
import operator
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, overload

import attrs

from .. import fastjson
from ..compile.codegen import NA, CompiledProgram
from ..compile.plan import Plan
from ..errors import InputError, InputProblem
from ..jsonio import dumps, loads
from ..ruleset.load import Ruleset, load_ruleset
from ..ruleset.model import OptionSpec, Text, Threshold
from ..types import Format, Lang, OutcomeId
from .office import Office, json_value

__all__ = [
    "COMPACT_FORMAT",
    "COMPACT_FORMAT_1",
    "TRACE_FORMAT",
    "ExplanationViews",
    "Reading",
    "Status",
    "Step",
    "StepInfo",
    "Trace",
    "Verdict",
    "compact_layout",
    "explanation_views",
    "infos_of_kind",
    "install_explanation_views",
    "json_value",
    "status_of",
    "step_infos",
]

TRACE_FORMAT = "mingxing-verdict/1"
COMPACT_FORMAT = "mingxing-verdict-compact/2"
#: the first compact format (every fact and every option written): still read
COMPACT_FORMAT_1 = "mingxing-verdict-compact/1"
_FORMATS_READ = (TRACE_FORMAT, COMPACT_FORMAT, COMPACT_FORMAT_1)


@attrs.frozen
class ExplanationViews:
    """The views of a verdict or trace that ``Verdict.explain()``, ``str(verdict)`` and the
    notebook displays call.

    :mod:`mingxing_rules.explain` reads traces (this module), so this module cannot import it;
    the explain package installs its renderers here when it is imported (``import
    mingxing_rules`` imports it, and every ``mingxing_rules.*`` import runs that first).
    """

    render: Callable[[Verdict, Lang, Format], str]
    trace_html: Callable[[Trace], str]


_views: list[ExplanationViews] = []


def install_explanation_views(views: ExplanationViews) -> None:
    """Called once by :mod:`mingxing_rules.explain` when it is imported."""
    _views[:] = [views]


def explanation_views() -> ExplanationViews:
    """The installed views (``RuntimeError`` if :mod:`mingxing_rules.explain` is not loaded)."""
    if not _views:  # pragma: no cover - importing mingxing_rules installs them
        raise RuntimeError("explanations need mingxing_rules.explain to be imported")
    return _views[0]


class Status(enum.StrEnum):
    """The status of one step of a trace."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"

    def __str__(self) -> str:
        return self.value


@attrs.frozen(cache_hash=True)
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


@attrs.frozen(eq=False)
class StepInfo:
    """What a step is, independent of any office: computed once per compiled plan."""

    id: str
    kind: str  # derived | criterion | standard | group | rule | outcome
    clause: str = ""
    title: Text | None = None
    quote: str = ""
    condition: str = ""
    thresholds: tuple[Threshold, ...] = ()
    depends_on: tuple[str, ...] = ()
    parent: str | None = None
    position: int = -1  # in the evaluation row (-1: a step read from JSON)
    reads: tuple[tuple[str, bool, str | None], ...] = ()  # (name, is a fact, unit)


class Step:
    """One entry of a trace.

    A fresh verdict's steps are cheap views over the compiled plan (what the step is) and the
    evaluation row (what it came to); they are built on demand and read the facts only when
    ``reads`` is asked for. Steps read back from JSON hold their own data. Either way a step is
    immutable and compares by value.
    """

    __slots__ = ("_info", "_reads", "_trace", "role", "status", "value")

    _info: StepInfo
    _reads: tuple[Reading, ...] | None
    _trace: Trace | None
    role: str  # outcomes: selected | outranked | possible | not_selected
    status: Status
    value: Any  # derived values: the value computed

    def __init__(self, id: str, kind: str, status: Status, clause: str = "",
                 title: Text | None = None, quote: str = "", condition: str = "",
                 reads: Sequence[Reading] = (), thresholds: Sequence[Threshold] = (),
                 depends_on: Sequence[str] = (), parent: str | None = None, value: Any = None,
                 role: str = "") -> None:
        info = StepInfo(id, kind, clause, title, quote, condition, tuple(thresholds),
                        tuple(depends_on), parent)
        _fill(self, info, status, value, role, tuple(reads), None)

    @classmethod
    def _view(cls, info: StepInfo, trace: Trace, status: Status | None = None) -> Step:
        raw = trace._row[info.position]
        step = object.__new__(cls)
        if info.kind == "derived":
            _fill(step, info, Status.UNKNOWN if raw is None else Status.PASS, raw, "", None,
                  trace)
        else:
            role = trace._role_of(info.id) if info.kind == "outcome" else ""
            _fill(step, info, status or status_of(raw), None, role, None, trace)
        return step

    def __setattr__(self, name: str, value: Any) -> None:
        raise attrs.exceptions.FrozenInstanceError

    # what the step is ------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._info.id

    @property
    def kind(self) -> str:
        return self._info.kind

    @property
    def clause(self) -> str:
        return self._info.clause

    @property
    def title(self) -> Text | None:
        return self._info.title

    @property
    def quote(self) -> str:
        return self._info.quote

    @property
    def condition(self) -> str:
        return self._info.condition

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        return self._info.thresholds

    @property
    def depends_on(self) -> tuple[str, ...]:
        return self._info.depends_on

    @property
    def parent(self) -> str | None:
        return self._info.parent

    @property
    def reads(self) -> tuple[Reading, ...]:
        """The facts and derived values the step read, with their values (JSON form)."""
        if self._reads is None:
            trace = self._trace
            assert trace is not None
            _SET_READS(self, trace._readings(self._info))
        assert self._reads is not None
        return self._reads

    @property
    def read_names(self) -> tuple[str, ...]:
        """The names of the facts and derived values the step reads (without reading them)."""
        if self._reads is None:
            return tuple(name for name, _, _ in self._info.reads)
        return tuple(r.name for r in self._reads)

    def reading(self, name: str) -> Reading | None:
        """What the step read of one fact or derived value (``None``: it reads no such name);
        only that one is read of the office."""
        if self._reads is None:
            trace = self._trace
            assert trace is not None
            for read in self._info.reads:
                if read[0] == name:
                    return trace._reading(*read)
            return None
        return next((r for r in self._reads if r.name == name), None)

    @property
    def missing(self) -> tuple[str, ...]:
        """Facts this step read directly that were not provided."""
        return tuple(r.name for r in self.reads if r.value is None and r.source == "fact")

    def _key(self) -> tuple[Any, ...]:
        info = self._info
        return (info.id, info.kind, self.status, info.clause, info.title, info.quote,
                info.condition, self.reads, info.thresholds, info.depends_on, info.parent,
                self.value, self.role)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Step):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.id, self.status, self.value))

    def __repr__(self) -> str:
        return f"Step({self.kind} {self.id}: {self.status.value})"

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


# slot setters bypass Step.__setattr__ (which keeps steps immutable once built)
_SET = {name: getattr(Step, name).__set__
        for name in ("_info", "status", "value", "role", "_reads", "_trace")}
_SET_INFO, _SET_STATUS, _SET_VALUE = _SET["_info"], _SET["status"], _SET["value"]
_SET_ROLE, _SET_READS, _SET_TRACE = _SET["role"], _SET["_reads"], _SET["_trace"]


def _fill(step: Step, info: StepInfo, status: Status, value: Any, role: str,
          reads: tuple[Reading, ...] | None, trace: Trace | None) -> None:
    _SET_INFO(step, info)
    _SET_STATUS(step, status)
    _SET_VALUE(step, value)
    _SET_ROLE(step, role)
    _SET_READS(step, reads)
    _SET_TRACE(step, trace)


def _tuples(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


_SCALARS = frozenset((bool, int, float, str))
_STATUS = {True: Status.PASS, False: Status.FAIL, None: Status.UNKNOWN}


# a row entry of a criterion, standard, group, rule or outcome -> its status
_STATUS_OF_RAW: dict[Any, Status] = {True: Status.PASS, False: Status.FAIL, None: Status.UNKNOWN,
                                     NA: Status.NOT_APPLICABLE}
_DERIVED: dict[int, tuple[Plan, frozenset[int]]] = {}


def _derived_positions(plan: Plan) -> frozenset[int]:
    """Row positions of the derived values (their entries are values, not statuses)."""
    cached = _DERIVED.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    found = frozenset(n.position for n in plan.of_kind("derived"))
    if len(_DERIVED) > 256:
        _DERIVED.clear()
    _DERIVED[id(plan)] = (plan, found)
    return found


_Picker = Callable[[Sequence[Any]], tuple[Any, ...]]


@attrs.frozen(eq=False)
class _CompactLayout:
    """What the compact verdict writes, computed once per plan: the ids and row pickers of the
    derived values and of the other nodes, the facts each criterion reads (directly or through
    derived values: a failing criterion's facts are written with it), and the options that
    differ from the ruleset's defaults (only those are written)."""

    derived_ids: tuple[str, ...]
    derived_at: _Picker
    node_ids: tuple[str, ...]
    node_at: _Picker
    facts_read: tuple[tuple[str, ...], ...]  # per entry of node_ids; () unless a criterion
    options: tuple[tuple[str, Any], ...]  # the plan's options
    changed_options: tuple[tuple[str, Any], ...]  # those that differ from the defaults
    # row -> (failed ids, unknown ids, not applicable ids, facts read by the first two)
    not_passed: Callable[[Sequence[Any]], tuple[list[str], list[str], list[str], list[str]]]


_COMPACT: dict[int, tuple[Plan, _CompactLayout]] = {}


def _picker(positions: Sequence[int]) -> _Picker:
    """A function giving the row entries at ``positions`` as a tuple (one C call)."""
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    getter: _Picker = operator.itemgetter(*positions)
    return getter


def _facts_read(plan: Plan, node_id: str) -> tuple[str, ...]:
    """The facts a node reads, directly or through the derived values it reads, in order."""
    found: list[str] = []
    pending = list(plan.node(node_id).reads)
    while pending:
        name = pending.pop(0)
        if name in plan.index and plan.node(name).kind == "derived":
            pending.extend(plan.node(name).reads)
        elif name not in plan.index and name not in found:
            found.append(name)
    return tuple(found)


def _compact_layout(plan: Plan) -> _CompactLayout:
    cached = _COMPACT.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    derived = [n for n in plan.nodes if n.kind == "derived"]
    others = [n for n in plan.nodes if n.kind != "derived"]
    facts_read = tuple(_facts_read(plan, n.id) if n.kind == "criterion" else ()
                       for n in others)
    layout = _CompactLayout(
        tuple(n.id for n in derived), _picker([n.position for n in derived] or [0]),
        tuple(n.id for n in others), _picker([n.position for n in others] or [0]),
        facts_read, plan.options, _changed_options(plan.options, plan.spec.options),
        _not_passed_function([n.position for n in others], tuple(n.id for n in others),
                             facts_read))
    if len(_COMPACT) > 256:
        _COMPACT.clear()
    _COMPACT[id(plan)] = (plan, layout)
    return layout


def compact_layout(plan: Plan) -> _CompactLayout:
    """What the compact verdict of ``plan`` writes, computed once per plan (ids, row pickers,
    the generated sorter of the nodes that did not pass, the options that differ from the
    defaults): for writers that build the compact document straight from an evaluation row,
    without a :class:`Verdict` (the JSON Lines batch, :mod:`mingxing_rules.engine.jsonl`)."""
    return _compact_layout(plan)


def _not_passed_function(positions: Sequence[int], ids: tuple[str, ...],
                         facts_read: tuple[tuple[str, ...], ...]
                         ) -> Callable[[Sequence[Any]], tuple[list[str], list[str], list[str],
                                                             list[str]]]:
    """One generated function per plan that sorts the nodes that did not pass by status, in
    one pass over the row (most pass: one identity test each), and collects the facts the
    failed and unknown criteria read. Its source holds row positions and indexes into ``I``
    and ``R`` only (integers): no text of the ruleset."""
    lines = ["def not_passed(r):", "    fail = []", "    unknown = []", "    na = []",
             "    read = []"]
    for index, position in enumerate(positions):
        also = f"; read += R[{index}]" if facts_read[index] else ""
        lines += [f"    x = r[{int(position)}]",
                  "    if x is not True:",
                  "        if x is False:",
                  f"            fail.append(I[{index}]){also}",
                  "        elif x is None:",
                  f"            unknown.append(I[{index}]){also}",
                  "        else:",
                  f"            na.append(I[{index}])"]
    lines.append("    return fail, unknown, na, read")
    code = compile("\n".join(lines) + "\n", "<mingxing-rules compact verdict>", "exec")
    namespace: dict[str, Any] = {"__builtins__": {}, "I": ids, "R": facts_read}
    function = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    made: Callable[[Sequence[Any]], tuple[list[str], list[str], list[str], list[str]]] = (
        types.FunctionType(function, namespace, "not_passed"))
    return made


def _changed_options(options: tuple[tuple[str, Any], ...], specs: Sequence[OptionSpec]
                     ) -> tuple[tuple[str, Any], ...]:
    """The options whose value is not the ruleset's default (``True`` is not ``1`` here)."""
    defaults = {o.name: o.default for o in specs}
    return tuple((name, value) for name, value in options
                 if name not in defaults or type(value) is not type(defaults[name])
                 or value != defaults[name])


def _fact_json(name: str, value: Any, evidence: Mapping[str, str]) -> Any:
    """A validated fact in its JSON form (a finding with its evidence as ``{met, evidence}``)."""
    if name in evidence:
        return {"met": value, "evidence": evidence[name]}
    return value if type(value) in _SCALARS else _plain(json_value(value))


def _judged_office(ruleset: Ruleset, office: Mapping[str, Any] | Office, office_id: str,
                   row: tuple[Any, ...], facts: Mapping[str, Any]) -> Office:
    """``office`` validated, if it is the office a compact document judged: same id, the facts
    the document kept, and the same evaluation row (else an :class:`InputError` saying what
    differs)."""
    parsed = ruleset.parse_office(office, extra="ignore")

    def refused(path: str, value: Any, message: str) -> InputError:
        return InputError.from_problems([InputProblem(
            path, value, "the office that was judged",
            f"the office given is not the one this verdict judged: {message}")], office_id)

    if parsed.id != office_id:
        raise refused("id", parsed.id, f"its id is {parsed.id!r}, not {office_id!r}")
    for name, kept in facts.items():
        value = parsed.facts.get(name)
        given = None if value is None else _fact_json(name, value, parsed.evidence)
        if given != kept:
            raise refused(name, given, f"{name} is {given!r}, the verdict read {kept!r}")
    again = ruleset.program.full(parsed.facts)
    if again != row:
        plan = ruleset.plan
        node = next(n for n, a, b in zip(plan.nodes, again, row, strict=True) if a != b)
        raise refused(node.id, None, f"{node.id} comes to {again[node.position]!r} for it, "
                      f"{row[node.position]!r} in the verdict")
    return parsed


_STRUCTURED: dict[int, tuple[Plan, tuple[str, ...]]] = {}


def _structured_facts(plan: Plan) -> tuple[str, ...]:
    """The facts whose validated values are not JSON scalars (sets, dates): the only ones the
    compact verdict has to convert."""
    cached = _STRUCTURED.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    names = tuple(f.name for f in plan.spec.facts if f.type in ("set", "date"))
    if len(_STRUCTURED) > 256:
        _STRUCTURED.clear()
    _STRUCTURED[id(plan)] = (plan, names)
    return names


def status_of(raw: Any) -> Status:
    """The status of a row entry: True, False, None (unknown) or NA (not applicable)."""
    return Status.NOT_APPLICABLE if raw is NA else _STATUS[raw]


_RAW_OF = {Status.PASS: True, Status.FAIL: False, Status.UNKNOWN: None,
           Status.NOT_APPLICABLE: NA}
_STATIC: dict[int, tuple[Plan, tuple[StepInfo, ...]]] = {}
_BY_KIND: dict[tuple[int, str], tuple[Plan, tuple[StepInfo, ...]]] = {}


def infos_of_kind(plan: Plan, kind: str) -> tuple[StepInfo, ...]:
    """The step infos of one kind (criteria, standards...), in row order; cached per plan."""
    cached = _BY_KIND.get((id(plan), kind))
    if cached is not None and cached[0] is plan:
        return cached[1]
    found = tuple(info for info in step_infos(plan) if info.kind == kind)
    if len(_BY_KIND) > 1024:
        _BY_KIND.clear()
    _BY_KIND[(id(plan), kind)] = (plan, found)
    return found


def step_infos(plan: Plan) -> tuple[StepInfo, ...]:
    """What each step of a trace is, in row order: built once per plan and shared."""
    cached = _STATIC.get(id(plan))
    if cached is not None and cached[0] is plan:  # the plan itself is kept: ids are not reused
        return cached[1]
    units = {f.name: f.unit for f in plan.spec.facts}
    infos = []
    for node in plan.nodes:
        reads = tuple((name, name in units,
                       units[name] if name in units else plan.node(name).unit)
                      for name in node.reads)
        if node.kind == "derived":
            infos.append(StepInfo(node.id, "derived", title=node.title,
                                  condition=node.condition_text, position=node.position,
                                  reads=reads))
        else:
            infos.append(StepInfo(node.id, node.kind, node.clause, node.title, node.quote,
                                  node.condition_text, node.thresholds, node.depends_on,
                                  node.parent, node.position, reads))
    if len(_STATIC) > 256:  # many rulesets compiled in one process: keep the cache bounded
        _STATIC.clear()
    _STATIC[id(plan)] = (plan, tuple(infos))
    return tuple(infos)


class Trace(Sequence[Step]):
    """The steps of one evaluation, in ruleset order.

    A fresh trace is columns: the evaluation row (a status or value per plan node) over the
    static plan, plus the office's facts by reference. :meth:`status`, :meth:`statuses`,
    :meth:`values`, :meth:`step`, :meth:`failing` and :meth:`unknown` read the row directly and
    build only the steps they return; iterating builds every step (cheap views).
    """

    __slots__ = ("_by_id", "_evidence", "_program", "_row", "_selected", "_steps", "_values",
                 "_views")

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
        self._views: dict[str, Step] | None = None  # steps asked for by id, kept (immutable)

    @property
    def steps(self) -> tuple[Step, ...]:
        if self._steps is None:
            assert self._program is not None
            self._steps = tuple(Step._view(info, self)
                                for info in step_infos(self._program.plan))
        return self._steps

    def roles(self) -> dict[str, str]:
        """Each outcome's role in the verdict (``selected``, ``outranked``, ``possible`` or
        ``not_selected``; empty when not recorded), by outcome id in trace order; no step is
        built for a fresh trace."""
        program = self._program
        if self._steps is None and program is not None:
            plan = program.plan
            recorded = dict(zip((node.id for node in plan.outcomes), self._selected,
                                strict=False))  # the selection is in order of precedence
            return {info.id: recorded.get(info.id, "") for info in infos_of_kind(plan, "outcome")}
        return {s.id: s.role for s in self.of_kind("outcome")}

    def _role_of(self, step_id: str) -> str:
        program = self._program
        if program is None or not self._selected:
            return ""
        for node, role in zip(program.plan.outcomes, self._selected, strict=False):
            if node.id == step_id:
                return role
        return ""

    def _readings(self, info: StepInfo) -> tuple[Reading, ...]:
        return tuple(self._reading(*read) for read in info.reads)

    def _reading(self, name: str, is_fact: bool, unit: str | None) -> Reading:
        if is_fact:
            return Reading(name, json_value((self._values or {}).get(name)), "fact", unit,
                           self._evidence.get(name))
        assert self._program is not None
        return Reading(name, self._row[self._program.index[name]], "derived", unit)

    @property
    def facts(self) -> Mapping[str, Any]:
        """The office's validated facts this trace read, by reference (empty when read from
        JSON): with :attr:`row`, all an evaluation came to."""
        return self._values or {}

    @property
    def evidence(self) -> Mapping[str, str]:
        """The evidence of the panel's findings, by fact name."""
        return self._evidence

    @property
    def program(self) -> CompiledProgram | None:
        """The compiled ruleset this trace was computed with (``None`` when read from JSON)."""
        return self._program

    @property
    def row(self) -> tuple[Any, ...]:
        """The evaluation row (one entry per plan node; empty when read from JSON)."""
        return self._row

    def _columnar(self) -> bool:
        return self._steps is None and self._program is not None

    def status(self, step_id: str) -> Status:
        """The status of one step, read from the compiled row without building every step."""
        return self.statuses((step_id,))[0]

    def statuses(self, step_ids: Sequence[str] | None = None) -> tuple[Status, ...]:
        """Statuses of several steps (every step when ``step_ids`` is None), from the row."""
        if self._columnar():
            assert self._program is not None
            plan, row = self._program.plan, self._row
            derived = _derived_positions(plan)
            positions = (range(len(row)) if step_ids is None
                         else [plan.index[s] for s in step_ids])
            return tuple((Status.UNKNOWN if row[p] is None else Status.PASS) if p in derived
                         else _STATUS_OF_RAW[row[p]] for p in positions)
        if step_ids is None:
            return tuple(s.status for s in self.steps)
        return tuple(self.step(s).status for s in step_ids)

    def _status_at(self, position: int) -> Status:
        assert self._program is not None
        raw = self._row[position]
        if position in _derived_positions(self._program.plan):
            return Status.UNKNOWN if raw is None else Status.PASS
        return _STATUS_OF_RAW[raw]

    def values(self, step_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """Computed values of derived steps by id (every derived value when None)."""
        if self._columnar():
            assert self._program is not None
            plan, row = self._program.plan, self._row
            ids = step_ids if step_ids is not None else [n.id for n in plan.of_kind("derived")]
            return {s: row[plan.index[s]] for s in ids}
        chosen = step_ids if step_ids is not None else [s.id for s in self.steps
                                                        if s.kind == "derived"]
        return {s: self.step(s).value for s in chosen}

    def checks(self, kind: str = "criterion") -> dict[str, tuple[Status, dict[str, Any]]]:
        """Every step of ``kind``: its status and the values it read (JSON form), from the
        columns in one pass — a trace's whole content for a report, without step objects."""
        if not self._columnar():
            return {s.id: (s.status, {r.name: r.value for r in s.reads}) for s in self.steps
                    if s.kind == kind}
        assert self._program is not None
        index, row, facts = self._program.index, self._row, self._values or {}
        table: dict[str, tuple[Status, dict[str, Any]]] = {}
        for info in infos_of_kind(self._program.plan, kind):
            raw = row[info.position]
            status = (Status.UNKNOWN if raw is None else Status.PASS) if kind == "derived" else (
                _STATUS[raw] if raw is not NA else Status.NOT_APPLICABLE)
            values: dict[str, Any] = {}
            for name, is_fact, _ in info.reads:
                if is_fact:
                    value = facts.get(name)
                    values[name] = (value if value is None or type(value) in _SCALARS
                                    else json_value(value))
                else:
                    values[name] = row[index[name]]
            table[info.id] = (status, values)
        return table

    def read_values(self, step_id: str) -> dict[str, Any]:
        """The values one step read, by fact or derived value name (JSON form), straight from
        the columns: what ``step(step_id).reads`` says, without building objects."""
        if not self._columnar():
            return {r.name: r.value for r in self.step(step_id).reads}
        assert self._program is not None
        index, row, facts = self._program.index, self._row, self._values or {}
        values: dict[str, Any] = {}
        for name, is_fact, _ in step_infos(self._program.plan)[index[step_id]].reads:
            if not is_fact:
                values[name] = row[index[name]]
                continue
            value = facts.get(name)
            values[name] = value if type(value) in _SCALARS or value is None else json_value(value)
        return values

    def __len__(self) -> int:
        if self._columnar():
            return len(self._row)
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
            if (self._columnar() and other._columnar() and self._program is other._program
                    and self._row == other._row and self._selected == other._selected):
                # same plan and row: only the facts read can differ
                return self._values == other._values and self._evidence == other._evidence
            return self.steps == other.steps
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.statuses())

    def __repr__(self) -> str:
        return f"Trace({len(self)} steps)"

    def step(self, step_id: str) -> Step:
        """The step with this id (``KeyError`` if none)."""
        if self._by_id is not None:
            return self._by_id[step_id]
        if self._columnar():
            assert self._program is not None
            views = self._views
            if views is None:
                views = self._views = {}
            found = views.get(step_id)
            if found is None:  # explanations ask for the same steps many times
                position = self._program.index[step_id]
                found = views[step_id] = Step._view(step_infos(self._program.plan)[position],
                                                    self)
            return found
        self._by_id = {s.id: s for s in self.steps}
        return self._by_id[step_id]

    def of_kind(self, kind: str) -> tuple[Step, ...]:
        """The steps of one kind in trace order (for a fresh trace only those are built, and
        kept as :meth:`step` keeps them)."""
        if not self._columnar():
            return tuple(s for s in self.steps if s.kind == kind)
        assert self._program is not None
        views = self._views
        if views is None:
            views = self._views = {}
        found = []
        for info in infos_of_kind(self._program.plan, kind):
            step = views.get(info.id)
            if step is None:
                step = views[info.id] = Step._view(info, self)
            found.append(step)
        return tuple(found)

    def _matching(self, kind: str, status: Status) -> tuple[Step, ...]:
        if self._columnar():
            assert self._program is not None
            wanted = _RAW_OF[status]  # the row value that has this status
            row = self._row
            return tuple(Step._view(info, self, status)
                         for info in infos_of_kind(self._program.plan, kind)
                         if row[info.position] is wanted)
        return tuple(s for s in self.steps if s.kind == kind and s.status is status)

    def failing(self, kind: str = "criterion") -> tuple[Step, ...]:
        """Steps of this kind that failed (built only for those)."""
        return self._matching(kind, Status.FAIL)

    def unknown(self, kind: str = "criterion") -> tuple[Step, ...]:
        """Steps of this kind whose status is unknown (built only for those)."""
        return self._matching(kind, Status.UNKNOWN)

    def to_list(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.steps]

    def _repr_html_(self) -> str:
        return explanation_views().trace_html(self)


@attrs.frozen(eq=False, repr=False)
class Verdict:
    """The decision for one office, with the trace that explains it."""

    office_id: str
    outcome: OutcomeId  # an outcome id of the ruleset, or "UNDECIDED"
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
    ruleset_hash: str | None = None  # the ruleset file's content hash (see Ruleset.content_hash)

    @property
    def decided(self) -> bool:
        return self.outcome != "UNDECIDED"

    def __repr__(self) -> str:
        """One line: the office, the outcome and why (not the options and the whole trace)."""
        if self.decided:
            failed = [step.id for step in self.trace.failing()]  # criteria
            why = f"; not met: {', '.join(failed[:3])}" + (
                f" and {len(failed) - 3} more" if len(failed) > 3 else "") if failed else ""
        else:
            why = (f"; possible: {', '.join(self.possible_outcomes)}; missing: "
                   f"{', '.join(self.missing_facts)}")
        return (f"<Verdict {self.office_id}: {self.outcome}{why} "
                f"({self.ruleset_id} {self.ruleset_version})>")

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
    def to_dict(self, *, full: bool = True, all_facts: bool = False) -> dict[str, Any]:
        """The verdict as JSON-ready data.

        ``full=True`` (the default here): the self-contained form ``mingxing-verdict/1`` with
        every step's clause, title, quote, condition, thresholds and readings
        (``docs/verdict.schema.json``). ``full=False``: the compact form
        ``mingxing-verdict-compact/2`` — outcome, the nodes that did not pass by status, the
        derived values, the ruleset's id, version, content hash and the options that differ
        from its defaults (which name the static text), and the facts the criteria that did
        not pass read (``all_facts=True``: every fact, so that the document reads back without
        the office; ``docs/verdict-compact.schema.json``).
        """
        if not full:
            return self._compact(all_facts)
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

    def _compact(self, all_facts: bool = False) -> dict[str, Any]:
        trace = self.trace
        program = trace.program
        if program is None or self.ruleset_hash is None:
            raise ValueError("a verdict read back from a full document has no compiled row; "
                             "write it with to_dict(full=True)")
        row = trace.row
        layout = _compact_layout(program.plan)
        fail, unknown, not_applicable, read = layout.not_passed(row)
        facts = trace._values or {}
        evidence = trace._evidence
        fact_values: dict[str, Any]
        if not all_facts:  # the facts the criteria that did not pass read
            fact_values = {}
            for name in dict.fromkeys(read):
                value = facts.get(name)
                if value is not None:
                    fact_values[name] = (value if type(value) in _SCALARS and name not in evidence
                                         else _fact_json(name, value, evidence))
        elif not evidence:  # every fact: copy them, then write sets and dates as JSON
            # validated facts are JSON scalars except sets (frozenset) and dates (date): only
            # the facts of those types need converting (a mapping proxy copies in C)
            copied = facts.copy() if isinstance(facts, MappingProxyType | dict) else dict(facts)
            fact_values = copied if type(copied) is dict else dict(copied)
            for name in _structured_facts(program.plan):
                value = fact_values.get(name)
                if value is not None and type(value) not in _SCALARS:
                    fact_values[name] = _plain(json_value(value))
        else:
            fact_values = {name: _fact_json(name, value, evidence)
                           for name, value in facts.items()}
        options = (layout.changed_options if self.options is layout.options
                   else _changed_options(self.options, program.spec.options))
        return {
            "format": COMPACT_FORMAT,
            "office": {"id": self.office_id, "name": self.office_name},
            "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version,
                        "hash": self.ruleset_hash, "options": dict(options)},
            "outcome": self.outcome,
            "effect": self.effect,
            "decided_by": self.decided_by,
            "possible_outcomes": list(self.possible_outcomes),
            "missing_facts": list(self.missing_facts),
            "backend": self.backend,
            "not_passed": {"fail": fail, "unknown": unknown, "not_applicable": not_applicable},
            "values": (dict(zip(layout.derived_ids, layout.derived_at(row), strict=True))
                       if layout.derived_ids else {}),
            "facts": fact_values,
            "facts_complete": all_facts,
        }

    def to_json(self, *, full: bool = False, all_facts: bool = False, **kwargs: Any) -> str:
        """Strict JSON (no NaN or Infinity): compact by default, ``full=True`` for the
        self-contained form, ``all_facts=True`` for a compact one that keeps every fact (see
        :meth:`to_dict`). Without ``kwargs`` (``indent=2``...) the separators are compact,
        as in the JSON Lines of ``mingxing evaluate --batch``."""
        if not kwargs:
            return fastjson.dumps(self.to_dict(full=full, all_facts=all_facts))
        return dumps(self.to_dict(full=full, all_facts=all_facts), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], ruleset: Ruleset | None = None, *,
                  office: Mapping[str, Any] | Office | None = None) -> Verdict:
        """Rebuild a verdict from :meth:`to_dict` output, full or compact (round-trips exactly).

        A compact document names its ruleset by id, version, options and content hash; the
        ruleset is ``ruleset`` or, when not given, the bundled ruleset of that id. A ruleset
        whose content hash differs is refused (the static text would not be what judged).
        A compact document that keeps only some facts (the default, ``facts_complete``
        false) needs ``office``, the record that was judged (a line of the batch input): it
        gives the facts back, and is refused if it is not the office the document judged.
        """
        if not isinstance(data, Mapping) or data.get("format") not in _FORMATS_READ:
            found = data.get("format") if isinstance(data, Mapping) else data
            raise InputError.from_problems([InputProblem(
                "format", found, " or ".join(_FORMATS_READ),
                "not a verdict document (format must be "
                + ", ".join(repr(f) for f in _FORMATS_READ[:-1])
                + f" or {_FORMATS_READ[-1]!r})")])
        if data["format"] != TRACE_FORMAT:
            return cls._from_compact(data, ruleset, office)
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
    def _from_compact(cls, data: Mapping[str, Any], ruleset: Ruleset | None,
                      office: Mapping[str, Any] | Office | None) -> Verdict:
        named = data["ruleset"]
        given = dict(named.get("options", {}))
        first_format = data["format"] == COMPACT_FORMAT_1  # it lists every option
        if ruleset is None:
            ruleset = load_ruleset(named["id"], options=given)
        if (ruleset.id, ruleset.version, ruleset.content_hash) != (
                named["id"], named["version"], named.get("hash")):
            raise InputError.from_problems([InputProblem(
                "ruleset.hash", named.get("hash"), ruleset.content_hash,
                f"the verdict was computed with {named['id']}@{named['version']} "
                f"({named.get('hash')}), but the ruleset at hand is {ruleset.key} "
                f"({ruleset.content_hash}): pass the ruleset that judged it")])
        base = (ruleset.options if first_format
                else {o.name: o.default for o in ruleset.spec.options})
        wanted = {**base, **given}
        if ruleset.options != wanted:
            ruleset = ruleset.with_options(**wanted)
        plan = ruleset.plan
        status_value = {"fail": False, "unknown": None, "not_applicable": NA}
        raw: dict[str, Any] = {}
        for status, ids in data.get("not_passed", {}).items():
            for node_id in ids:
                raw[node_id] = status_value[status]
        values = data.get("values", {})
        row = tuple(_tuples(values.get(n.id)) if n.kind == "derived" else raw.get(n.id, True)
                    for n in plan.nodes)
        complete = first_format or data.get("facts_complete") is True
        identity = {"id": data["office"]["id"], "name": data["office"].get("name")}
        if office is not None:
            parsed = _judged_office(ruleset, office, identity["id"], row,
                                    data.get("facts", {}))
        elif complete:
            parsed = ruleset.parse_office({**identity, **data.get("facts", {})})
        else:
            raise InputError.from_problems([InputProblem(
                "facts", None, "the office that was judged",
                "this compact verdict keeps only the facts of the criteria that did not pass: "
                "pass office= (its record in the batch input) to read it back, or write it "
                "with to_json(all_facts=True)")], identity["id"])
        outcome = data["outcome"]
        node = plan.node(outcome) if outcome in plan else None
        title = plan.otherwise.title if outcome == plan.otherwise.id else (
            node.title if node is not None else None)
        return cls(
            office_id=parsed.id, office_name=identity["name"] if office is None else parsed.name,
            outcome=outcome, effect=data.get("effect"), decided_by=data.get("decided_by"),
            possible_outcomes=tuple(data.get("possible_outcomes", ())),
            missing_facts=tuple(data.get("missing_facts", ())),
            trace=Trace(program=ruleset.program, row=row, values=parsed.facts,
                        evidence=parsed.evidence, selected=plan.decide(row).roles),
            ruleset_id=ruleset.id, ruleset_version=ruleset.version,
            options=ruleset.program.options, outcome_title=title,
            backend=data.get("backend", "native"), ruleset_hash=ruleset.content_hash)

    @classmethod
    def from_json(cls, text: str | bytes, ruleset: Ruleset | None = None, *,
                  office: Mapping[str, Any] | Office | None = None) -> Verdict:
        """Rebuild a verdict from :meth:`to_json` output (compact or full; ``office`` as for
        :meth:`from_dict`)."""
        return cls.from_dict(loads(text), ruleset, office=office)

    def explain(self, lang: Lang = "en", fmt: Format = "text") -> str:
        """A readable explanation (``fmt``: text | md | html | json), by
        :func:`mingxing_rules.explain.render`."""
        return explanation_views().render(self, lang, fmt)

    def __str__(self) -> str:
        return self.explain("en")

    def _repr_html_(self) -> str:
        return explanation_views().render(self, "en", "html")
