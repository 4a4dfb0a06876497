"""The explanation of one verdict as a :class:`~.report.Document`: the conclusion in the
bureau's voice, how it was decided (each line with the reason that decided it), the standards,
and, in HTML, the full trace."""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ..compile.codegen import NA
from ..engine.trace import Status, Step, Trace, infos_of_kind, status_of
from .compiled import Lines, lines_for
from .reasons import (
    Part,
    adverse_steps,
    deciding_parts,
    mark_status,
    part_name,
    part_phrase,
    request_for,
    step_phrase,
    step_reason,
)
from .report import Cell, Document, Line, Mark, Row, Section, Table
from .wording import Wording, office_label, plan_of, ruleset_spec_of

if TYPE_CHECKING:
    from ..compile.plan import Plan
    from ..engine.trace import Verdict
    from ..ruleset.load import Ruleset
    from ..ruleset.model import RulesetSpec

__all__ = ["trace_table", "verdict_document"]

_MAX_DEPTH = 2
_DEEPEST = 6  # rules followed down to the facts no deeper than this (then said by their parts)
# not worked out yet for this explanation (numbers are never negative; the numbers of what
# a line reads are never empty: they hold its own step's)
_UNNUMBERED = -1
_NOT_READ: tuple[int | None, ...] = ()
# A line that reads the pieces of more rules than this (the conclusion of a revocation reads
# all twenty standards' rules) is a combination an earlier office rarely had: numbering every
# rule below it costs more than putting it together from the rules' kept pieces (measured
# on the benchmark population: 10 is faster than keeping every line, and than 6 or 20).
_MAX_KEPT_RULES = 10
T = TypeVar("T")


class _Builder:
    """Words one verdict. With ``lines`` (those of its plan and language, see
    :mod:`.compiled`), a line already worded for an office that read the same is taken as it
    is; without, every line is worded afresh (the reference the kept lines are tested against).
    """

    def __init__(self, verdict: Verdict, w: Wording, lines: Lines | None = None) -> None:
        self.verdict = verdict
        self.trace = verdict.trace
        self.lines = lines
        self.w = w
        self.options: dict[str, Any] = dict(verdict.options)
        self.adverse = adverse_steps(w.spec)
        # a step's deciding parts and their phrases are asked for by several lines
        self._parts: dict[str, Sequence[Part]] = {}
        self._piece_ids: dict[str, int | None] = {}
        self._subtree_ids: dict[tuple[str, bool], tuple[int | None, ...] | None] = {}
        self._phrases: dict[tuple[str, int], str] = {}
        self._inner: dict[tuple[str, int], list[str]] = {}
        if lines is not None:  # read once: every piece's number reads them
            self._row, self._facts, self._evidence = self.trace.row, self.trace.facts, (
                self.trace.evidence)

    def parts(self, step: Step) -> Sequence[Part]:
        found = self._parts.get(step.id)
        if found is None:
            def word() -> tuple[Part, ...]:
                return tuple(deciding_parts(step, self.trace, self.w, self.options))

            found = self._parts[step.id] = (
                word() if self.lines is None
                else self.lines.piece("parts", step.id, self._piece_id(step.id), word))
        return found

    def _piece_id(self, step_id: str) -> int | None:
        """The number of what the step's own pieces read (see :mod:`.compiled`)."""
        found = self._piece_ids.get(step_id, _UNNUMBERED)
        if found == _UNNUMBERED:
            assert self.lines is not None
            found = self._piece_ids[step_id] = self.lines.number(step_id, self._row,
                                                                 self._facts, self._evidence)
        return found

    def _subtree_id(self, step_id: str, descend: bool) -> tuple[int | None, ...] | None:
        """The numbers of what the pieces below ``step_id`` read: what a line about it reads
        (``descend``: said down to the facts; see :meth:`.compiled.PieceInputs.subtree`).
        ``None`` for a line not kept whole (see ``_MAX_KEPT_RULES``)."""
        key = (step_id, descend)
        found = self._subtree_ids.get(key, _NOT_READ)
        if found is _NOT_READ:
            assert self.lines is not None
            below = self.lines.pieces.subtree(step_id, descend)
            found = self._subtree_ids[key] = (tuple(map(self._piece_id, below))
                                              if len(below) <= _MAX_KEPT_RULES else None)
        return found

    def phrase(self, part: Part, step: Step) -> str:
        key = (step.id, id(part))
        found = self._phrases.get(key)
        if found is None:
            found = self._phrases[key] = self._part_phrase(part, step, 0)
        return found

    def _part_phrase(self, part: Part, step: Step, depth: int) -> str:
        """:func:`~.reasons.part_phrase`; kept by what the step's own pieces read, unless the
        part is said by the reasons of a rule it names (put together from that rule's pieces)."""
        lines = self.lines
        if lines is None:
            return self._word_part(part, step, depth)
        name = part_name(part)
        if name is not None and lines.said_by_reasons(name, bool(part.value)):
            # said by the rule's reasons: kept by what they read, as they are
            return self.kept(("by its reasons", depth, bool(part.value)), name,
                             self._word_part, part, step, depth, descend=False)
        return lines.piece(("phrase", id(part.node), part.value), step.id,
                           self._piece_id(step.id), self._word_part, part, step, depth)

    def _word_part(self, part: Part, step: Step, depth: int) -> str:
        return part_phrase(part, step, self.trace, self.w, self.options, depth,
                           self._reasons_at)

    def _reasons_at(self, step: Step, depth: int) -> list[str]:
        """:func:`~.reasons.decided_by` at ``depth``, from the parts computed once (a rule said
        by its reasons is asked for by every line that reads it)."""
        key = (step.id, depth)
        found = self._inner.get(key)
        if found is None:
            found = self._inner[key] = list(self.kept(("inner", depth), step.id, lambda: tuple(
                dict.fromkeys(self._part_phrase(p, step, depth) for p in self.parts(step))),
                descend=False))
        return found

    def kept(self, what: Hashable, step_id: str, word: Callable[..., T], *args: Any,
             descend: bool = True) -> T:
        """``word(*args)``: a line about step ``step_id`` (or its reasons), kept by what the
        pieces below it read when lines are kept (``descend``: ``word`` follows the rules below
        all the way down, not only those said by their reasons)."""
        if self.lines is None:
            return word(*args)
        read = self._subtree_id(step_id, descend)
        if read is None:
            return word(*args)
        return self.lines.piece((what, descend), step_id, read, word, *args)

    def decided_by(self, step: Step) -> list[str]:
        """What :func:`~.reasons.decided_by` says, from the parts computed once."""
        return list(dict.fromkeys(self.phrase(p, step) for p in self.parts(step)))

    # -- marks and lines ------------------------------------------------------------------------
    def mark(self, status: Status) -> Mark:
        return self.fixed(("mark", status), self._worded_mark, status)

    def _worded_mark(self, status: Status) -> Mark:
        return Mark(self.w.mark(status), status.value)

    def step_mark(self, step: Step) -> Mark:
        if step.kind == "outcome" and step.status is Status.FAIL:
            return self.mark(Status.NOT_APPLICABLE)
        return self.mark(mark_status(step, self.adverse))

    def reasons(self, step: Step, descend: bool) -> Sequence[str]:
        """Phrases of what decided ``step``; ``descend`` replaces each rule that decided it by
        what decided that rule in turn, down to facts, standards and the simplest rules (those
        that read facts only), which are said by their own phrase (for a conclusion)."""
        if not descend:
            return self._reasons(step, False, 0)
        return self._descended_from(step.id, 0, step)

    def _reasons(self, step: Step, descend: bool, depth: int) -> Sequence[str]:
        if step.status is Status.UNKNOWN:
            return [step_reason(step, self.trace, self.w)] if not step.depends_on else []
        if not descend or depth > _DEEPEST:
            return self.decided_by(step)
        return self._descended_from(step.id, depth, step)

    def _descended_from(self, step_id: str, depth: int, step: Step | None = None
                        ) -> Sequence[str]:
        """:meth:`reasons` followed down from ``step_id`` at ``depth`` (its step is built only
        when the reasons are not kept)."""
        status = step.status if step is not None else self._status(step_id)
        if status is Status.UNKNOWN or depth > _DEEPEST:
            return self._reasons(step or self.trace.step(step_id), True, depth)
        # the rules below are followed down: kept whole, by what the pieces below read; and
        # where the depth cannot reach the cut-off below this rule, kept once for every depth
        # (a conclusion and the line about a rule say its reasons alike)
        shared = depth if self.lines is None or (
            depth + self.lines.pieces.height(step_id) > _DEEPEST) else 0
        return self.kept(("descended", shared), step_id, self._descended_whole, step_id, depth,
                         step)

    def _descended_whole(self, step_id: str, depth: int, step: Step | None) -> tuple[str, ...]:
        return tuple(self._descended(step or self.trace.step(step_id), depth))

    def _descended(self, step: Step, depth: int) -> list[str]:
        out: list[str] = []
        lines = self.lines
        for part in self.parts(step):
            # a rule that reads rules is followed down; anything else is said by its phrase
            name = (lines.pieces.followed_down(part) if lines is not None
                    else self._followed_down(part))
            if name is not None:
                out += self._descended_from(name, depth + 1)
            else:
                out.append(self.phrase(part, step))
        return list(dict.fromkeys(out)) or self.decided_by(step)

    def _followed_down(self, part: Part) -> str | None:
        name = getattr(part.node, "name", None)
        return (name if isinstance(name, str) and self._kind(name) == "rule"
                and self._reads_rules(name) else None)

    def _reads_rules(self, step_id: str) -> bool:
        """Whether ``step_id`` is decided by other rules (not only by facts and standards)."""
        if self.lines is not None:  # the plan says so once
            return self.lines.pieces.reads_rules(step_id)
        step = self._step(step_id)
        return step is not None and any(self._kind(d) == "rule" for d in step.depends_on)

    def _kind(self, step_id: str) -> str | None:
        """The kind of step ``step_id`` (``None``: no such step), from the plan when known."""
        if self.lines is not None:
            return self.lines.pieces.kind(step_id)
        step = self._step(step_id)
        return None if step is None else step.kind

    def _step(self, name: str) -> Step | None:
        try:
            return self.trace.step(name)
        except KeyError:
            return None

    def line_text(self, step: Step, descend: bool) -> str:
        """The step said as its state (``不具备摘牌情形``, when the catalogue words it), its
        clause, and what decided it."""
        w = self.w
        title = w.text(step.title, step.id)
        if step.status is Status.UNKNOWN and not self._reads_rules(step.id):
            return step_reason(step, self.trace, w)
        if step.status in (Status.PASS, Status.FAIL):
            state = "pass" if step.status is Status.PASS else "fail"
            key = f"phrase.{step.id}.{state}"
            phrase = step_phrase(key, step, w) if w.has(key) else None
            if phrase is not None and step.kind == "rule" and not self._reads_rules(step.id):
                # a rule on facts only: its phrase already says what decided it
                return w.message("step.line.bare", title=phrase, clause=w.clause(step.clause))
            title = phrase or title
        clause = w.clause(step.clause)
        reasons = [r for r in self.reasons(step, descend) if r != title]
        if reasons:
            return w.message("step.line", title=title, clause=clause,
                             reasons=w.message("reasons.sep").join(reasons))
        return w.message("step.line.bare", title=title, clause=clause)

    def chain(self, step: Step, depth: int, lines: list[Line]) -> None:
        """The rules a decision step depends on, each with its mark and what decided it."""
        self._chain(step.id, step.status, depth, lines)

    def _chain(self, step_id: str, status: Status, depth: int, lines: list[Line]) -> None:
        # Unknown dependencies of a decided step are left out: in three-valued logic a step
        # that is decided did not need them (e.g. the procedure, when direct promotion does
        # not). Steps are built only to word a line not kept.
        decided = status is Status.PASS or status is Status.FAIL
        for dep_id in self._depends_on(step_id):
            kind = self._kind(dep_id)
            if kind is None or kind == "derived":
                continue
            dep_status = self._status(dep_id)
            if decided and dep_status is Status.UNKNOWN:
                continue
            shown_below = kind == "rule" and depth < _MAX_DEPTH
            descend = not shown_below
            # the line whole (its mark is the step's status, which its pieces read)
            lines.append(self.kept(("line", depth), dep_id, self.chain_line, dep_id, depth,
                                   descend, descend=descend))
            if shown_below:
                self._chain(dep_id, dep_status, depth + 1, lines)

    def chain_line(self, step_id: str, depth: int, descend: bool) -> Line:
        step = self.trace.step(step_id)
        return Line(self.line_text(step, descend), (self.step_mark(step),), depth,
                    self.w.clause(step.clause))

    def _depends_on(self, step_id: str) -> tuple[str, ...]:
        if self.lines is not None:
            return self.lines.pieces.depends_on(step_id)
        step = self._step(step_id)
        return () if step is None else step.depends_on

    def _status(self, step_id: str) -> Status:
        """The status of a step that is not a derived value, off the row when there is one."""
        if self.lines is not None:
            return status_of(self._row[self.lines.pieces.position(step_id)])
        return self.trace.step(step_id).status

    # -- sections --------------------------------------------------------------------------------
    def conclusion(self, failing: int, total: int) -> str:
        verdict, w = self.verdict, self.w
        if not verdict.decided:
            possible = w.join((w.message("outcome.quoted", title=w.outcome_title(o, None))
                               for o in verdict.possible_outcomes), "or")
            missing = w.join(request_for(m, w, self.trace) for m in verdict.missing_facts)
            return w.message("conclusion.undecided", outcomes=possible,
                             missing=missing or w.message("value.none"))
        title = w.outcome_title(verdict.outcome, verdict.outcome_title)
        step = self._step(verdict.outcome)
        reasons = list(self.kept("conclusion", step.id, lambda: tuple(
            self.reasons(step, descend=True)))) if step is not None else []
        params = {"title": title, "failing": failing, "total": total, "met": total - failing,
                  "reasons": w.message("conclusion.sep").join(reasons)}
        said = w.maybe(f"conclusion.{verdict.outcome}", **params)
        if said is not None:
            return said
        return w.message("conclusion.other", **params)

    def decision(self) -> Section:
        verdict, trace, w = self.verdict, self.trace, self.w
        roles = trace.roles()
        lines: list[Line] = []
        paragraphs: list[str] = []
        spec = w.spec
        if not verdict.decided:
            paragraphs.append(w.message("decision.undecided"))
            for outcome_id in verdict.possible_outcomes:
                step = self._step(outcome_id)
                if step is None:
                    continue
                lines.append(Line(self.kept("outcome", step.id, partial(self.outcome_line, step),
                                            descend=False),
                                  (self.step_mark(step),), 0))
                self.chain(step, 1, lines)
        elif verdict.outcome not in roles:
            clause = spec.otherwise.clause if spec else ""
            paragraphs.append(w.message("decision.otherwise", title=w.outcome_title(
                verdict.outcome, verdict.outcome_title), clause=w.clause(clause)))
            for step in trace.of_kind("outcome"):
                effect = spec.node(step.id).effect if spec else "award"
                award = effect == "award"
                lines.append(Line(self.kept("outcome", step.id,
                                            partial(self.outcome_line, step, not award),
                                            descend=not award),
                                  (self.step_mark(step),), 0, w.clause(step.clause)))
                if award:
                    self.chain(step, 1, lines)
        else:
            step = trace.step(verdict.outcome)
            paragraphs.append(self.fixed(("decision.by", step.id), lambda: w.message(
                "decision.by", title=w.outcome_title(step.id, step.title),
                clause=w.clause(step.clause))))
            self.chain(step, 0, lines)
        notes = []
        outranked = [trace.step(i) for i, role in roles.items() if role == "outranked"]
        if outranked:
            notes.append(w.message("decision.outranked", outcomes=w.join(
                w.message("outcome.quoted", title=w.outcome_title(s.id, s.title))
                for s in outranked)))
        return Section(w.message("decision.heading"), paragraphs=tuple(paragraphs),
                       lines=tuple(lines), notes=tuple(notes))

    def outcome_line(self, step: Step, descend: bool = False) -> str:
        w = self.w
        title = w.outcome_title(step.id, step.title)
        clause = w.clause(step.clause)
        if step.status is Status.UNKNOWN:
            return w.message("outcome.line.unknown", title=title, clause=clause)
        reasons = self.reasons(step, descend=descend)
        if descend and len(reasons) > 2:
            reasons = self.reasons(step, descend=False)
        key = "outcome.line.pass" if step.status is Status.PASS else "outcome.line.fail"
        if not reasons:
            key += ".bare"
        return w.message(key, title=title, clause=clause,
                         reasons=w.message("reasons.sep").join(reasons))

    def criterion_line(self, step_id: str, clause: str, status: Status,
                       marks: Mapping[Status, tuple[Mark, ...]]) -> Line:
        """The line of a criterion failing or unknown: its mark and :func:`~.reasons.
        step_reason` (kept by what it reads; the step is built only when it is worded)."""
        lines = self.lines
        if lines is not None:
            if status is Status.FAIL:
                line = lines.sentences.line_of(step_id, self._row, self._facts)
                if line is not None:
                    return line
            if lines.pieces.said_alone(step_id):  # no rule below it: kept by its own reading
                return lines.own(status, step_id, self._row, self._facts, self._evidence,
                                 self._criterion_line, step_id, clause, status, marks)
        return self.kept("criterion", step_id, self._criterion_line, step_id, clause, status,
                         marks, descend=False)

    def _criterion_line(self, step_id: str, clause: str, status: Status,
                        marks: Mapping[Status, tuple[Mark, ...]]) -> Line:
        return Line(step_reason(self.trace.step(step_id), self.trace, self.w), marks[status],
                    clause=self.w.clause(clause))

    def _not_passed(self) -> Iterator[tuple[str | None, list[tuple[str, str]],
                                            list[tuple[str, str]]]]:
        """Each parent of criteria (the standards in order, then any other) with the id and
        clause of its criteria failing and of those unknown, in trace order; read off the row
        when there is one (no step is built). Parents with neither are left out."""
        trace = self.trace
        program = trace.program
        if program is not None and trace.row:
            row = trace.row
            for parent, criteria, read in _criteria_by_parent(program.plan):
                values = read(row)  # the parent's criteria in one pass (most pass)
                if None in values:
                    said = list(zip(criteria, values, strict=True))
                    yield parent, [c for c, v in said if v is False], [
                        c for c, v in said if v is None]
                elif False in values:  # failing only (nearly every parent said)
                    yield parent, [c for c, v in zip(criteria, values, strict=True)
                                   if v is False], []
            return
        by_parent: dict[tuple[str | None, Status], list[tuple[str, str]]] = {}
        for step in (*trace.failing("criterion"), *trace.unknown("criterion")):
            by_parent.setdefault((step.parent, step.status), []).append((step.id, step.clause))
        for parent in _parents_in_order([s.id for s in trace.of_kind("standard")],
                                        (s.parent for s in trace if s.kind == "criterion")):
            said_fail = by_parent.get((parent, Status.FAIL), [])
            said_unknown = by_parent.get((parent, Status.UNKNOWN), [])
            if said_fail or said_unknown:
                yield parent, said_fail, said_unknown

    def fixed(self, what: Hashable, word: Callable[..., T], *args: Any) -> T:
        """``word(*args)``, worded once per plan, language and options when lines are kept
        (what ``what`` names reads nothing else of an office)."""
        return word(*args) if self.lines is None else self.lines.fixed(what, word, *args)

    def heading(self, parent: str | None) -> str:
        """The heading of a standard's (or another parent's) criteria."""
        if parent is None:
            return ""
        return self.fixed(("heading", parent), self._heading, parent)

    def _heading(self, parent: str) -> str:
        standard = self._step(parent)
        return parent if standard is None else (
            self.w.titled(standard.title, standard.clause, standard.id))

    def standards(self, met: int, total: int, view: str | None = None) -> list[Section]:
        """The standards section: ``met`` of ``total`` standards met (or not applicable)."""
        w = self.w
        failing: list[Section] = []
        unknown: list[Section] = []
        marks = {Status.FAIL: (self.mark(Status.FAIL),),
                 Status.UNKNOWN: (self.mark(Status.UNKNOWN),)}
        # only the criteria not met or unknown are said, by their parent standard
        line = self.criterion_line
        for parent, said_fail, said_unknown in self._not_passed():
            heading = self.heading(parent)
            if said_fail:
                failing.append(Section(heading, lines=tuple([
                    line(step_id, clause, Status.FAIL, marks) for step_id, clause in said_fail])))
            if said_unknown:
                unknown.append(Section(heading, lines=tuple([
                    line(step_id, clause, Status.UNKNOWN, marks)
                    for step_id, clause in said_unknown])))
        subsections = []
        if failing:
            subsections.append(Section(w.message("standards.failing"), sections=tuple(failing)))
        if unknown:
            subsections.append(Section(w.message("standards.unknown"), sections=tuple(unknown)))
        summary = (self.fixed(("standards.summary", met, total), lambda: w.message(
            "standards.summary", met=met, total=total)),)
        if view not in (None, "md", "html"):  # the table is for Markdown and HTML only
            return [Section(w.message("standards.heading"), paragraphs=summary,
                            sections=tuple(subsections))]
        standards = self.trace.of_kind("standard")
        table = Table(
            tuple(w.message(f"standards.table.{c}") for c in ("clause", "standard", "result")),
            tuple(Row((Cell(w.clause(s.clause)), Cell(w.text(s.title, s.id)),
                       Cell(f"{w.mark(s.status)} {w.status(s.status)}", s.status.value)))
                  for s in standards))
        return [Section(w.message("standards.heading"), paragraphs=summary,
                        sections=(Section(w.message("standards.table.heading"), table=table,
                                          views=("md", "html")), *subsections))]


def verdict_document(verdict: Verdict, lang: str, ruleset: Ruleset | None = None, *,
                     view: str | None = None, keep_lines: bool = True) -> Document:
    """The explanation of ``verdict`` in ``lang`` as a document. ``view`` (``text``, ``md``,
    ``html``): the one writer it is for; sections that writer would not show (the full trace
    table outside HTML, the bulk of an explanation's cost) are then not built.

    ``keep_lines`` (the default): a line already worded for an office of the same plan and
    language that read the same statuses and values is taken as it is (:mod:`.compiled`);
    ``False`` words every line afresh (the same text, slower)."""
    spec = ruleset_spec_of(verdict, ruleset)
    plan = plan_of(verdict, ruleset)
    w = Wording.shared(lang, spec, plan).knowing(verdict.trace)
    program = verdict.trace.program
    # lines are kept by the row they read: only for a trace of the plan the words come from
    lines = (lines_for(plan, w, verdict.options)
             if keep_lines and spec is not None and plan is not None and program is not None
             and program.plan is plan and verdict.trace.row else None)
    builder = _Builder(verdict, w, lines)
    trace = verdict.trace
    failing, met, total = _standards_counted(trace)
    title = w.message("verdict.office", office=office_label(verdict.office_id,
                                                            verdict.office_name, w))
    ruleset_title = w.text(spec.title, verdict.ruleset_id) if spec else verdict.ruleset_id
    summary = [builder.conclusion(failing, total), builder.fixed(
        ("verdict.ruleset", ruleset_title, verdict.ruleset_id, verdict.ruleset_version),
        lambda: w.message("verdict.ruleset", ruleset_title=ruleset_title,
                          ruleset=verdict.ruleset_id, version=verdict.ruleset_version))]
    if spec is not None:
        said = builder.fixed("verdict.options", options_line, w, spec, verdict.options)
        if said:
            summary.append(said)
    sections = [builder.decision()]
    if total:
        sections += builder.standards(met, total, view)
    if view is None or view == "html":
        sections.append(Section(w.message("trace.heading"), table=trace_table(trace, w),
                                views=("html",), collapsed=True))
    badge = w.outcome_title(verdict.outcome, verdict.outcome_title) if verdict.decided else (
        w.message("outcome.undecided"))
    return Document(lang=lang, title=title, summary=tuple(summary), sections=tuple(sections),
                    badge=badge, tone=verdict.effect or "undecided")


def _standards_counted(trace: Trace) -> tuple[int, int, int]:
    """How many standards fail, how many are met (or do not apply), and how many there are;
    read off the row when there is one (no step is built)."""
    program = trace.program
    if program is None or not trace.row:
        statuses = [s.status for s in trace.of_kind("standard")]
        return (statuses.count(Status.FAIL),
                statuses.count(Status.PASS) + statuses.count(Status.NOT_APPLICABLE),
                len(statuses))
    raw = _standards_reader(program.plan)(trace.row)
    return raw.count(False), raw.count(True) + raw.count(NA), len(raw)


_STANDARDS: dict[int, tuple[Plan, Callable[[Sequence[Any]], tuple[Any, ...]]]] = {}


def _standards_reader(plan: Plan) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The standards' entries of a row of ``plan`` (one C call; the plan is kept: its id is
    not reused)."""
    cached = _STANDARDS.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    found = _row_reader(tuple(i.position for i in infos_of_kind(plan, "standard")))
    if len(_STANDARDS) > 64:
        _STANDARDS.clear()
    _STANDARDS[id(plan)] = (plan, found)
    return found


def _parents_in_order(standards: Sequence[str], parents: Iterable[str | None]
                      ) -> tuple[str | None, ...]:
    """The order of the standards section: the standards, then the criteria's other parents."""
    first: list[str | None] = [*standards] or [None]
    return (*first, *(p for p in dict.fromkeys(parents) if p not in first))


_Criteria = tuple[tuple[str | None, tuple[tuple[str, str], ...],
                         Callable[[Sequence[Any]], tuple[Any, ...]]], ...]
_BY_PARENT: dict[int, tuple[Plan, _Criteria]] = {}


def _criteria_by_parent(plan: Plan) -> _Criteria:
    """Each parent of criteria in the order of :func:`_parents_in_order`, with the id, clause
    and row position of its criteria in trace order; worked out once per plan (the plan is
    kept: its id is not reused)."""
    cached = _BY_PARENT.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    criteria = infos_of_kind(plan, "criterion")
    order = _parents_in_order([i.id for i in infos_of_kind(plan, "standard")],
                              (i.parent for i in criteria))
    found = []
    for parent in order:
        own = [i for i in criteria if i.parent == parent]
        found.append((parent, tuple((i.id, i.clause) for i in own),
                      _row_reader(tuple(i.position for i in own))))
    if len(_BY_PARENT) > 64:
        _BY_PARENT.clear()
    _BY_PARENT[id(plan)] = (plan, tuple(found))
    return tuple(found)


def _row_reader(positions: tuple[int, ...]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The entries of a row at ``positions``, as a tuple (one C call)."""
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    if not positions:
        return lambda row: ()
    getter: Callable[[Sequence[Any]], tuple[Any, ...]] = operator.itemgetter(*positions)
    return getter


def options_line(w: Wording, spec: RulesetSpec, options: Iterable[tuple[str, Any]]) -> str:
    """The options set otherwise than by default, in words (empty when none is)."""
    defaults = {o.name: o.default for o in spec.options}
    changed = [option_phrase(w, k, v) for k, v in options if defaults.get(k, v) != v]
    return w.message("verdict.options", options=w.join(changed)) if changed else ""


def option_phrase(w: Wording, name: str, value: Any) -> str:
    """An option setting in words (``摘牌由市局视情决定``); the catalogue may word each value."""
    key = "true" if value is True else "false" if value is False else str(value)
    phrase = w.maybe(f"phrase.option.{name}.{key}", value=value)
    if phrase is not None:
        return phrase
    return w.message("option.setting", name=w.maybe(f"option.{name}") or name,
                     value=w.value(name, value))


def trace_table(trace: Trace, w: Wording) -> Table:
    """Every step of a trace: status, kind, id, clause, title, values read, condition. The
    technical view: ids and conditions appear here, never in the sentences."""
    columns = tuple(w.message("trace.column." + c) for c in (
        "status", "kind", "step", "clause", "title", "values", "condition"))
    rows = []
    for step in trace:
        if step.kind == "derived":
            value = w.value_of(step.id, step.value, trace) if step.value is not None else ""
            values = f"= {value}" if value else ""
        else:
            values = w.reads(step, trace)
        rows.append(Row((
            Cell(w.mark(step.status), step.status.value, hint=w.status(step.status, step.kind)),
            Cell(w.message(f"kind.{step.kind}")), Cell(step.id, code=True),
            Cell(w.clause(step.clause) if step.clause else ""), Cell(w.text(step.title, step.id)),
            Cell(values), Cell(step.condition, code=True))))
    return Table(columns, tuple(rows), css="mx-trace")
