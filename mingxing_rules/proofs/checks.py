"""``mingxing prove RULESET``: what holds for *every* office, not for the ones a test drew.

Each check is one or two SMT queries over the encoding of the plan (:mod:`.translate`), each
with its own time budget:

* every criterion can pass and can fail (a witness office for each, re-evaluated natively);
* every outcome, ``otherwise`` included, is reachable — if not, whether its condition can never
  hold or earlier outcomes shadow it, with the unsat core naming them at ``file:line``;
* no rule is dead: each rule can hold and can fail;
* ``UNDECIDED`` only when a fact is missing: no complete office is undecided;
* every property the ruleset declares (``properties:``, see docs/proofs.md).

A witness or counterexample is an office the solver built; it is evaluated by the native
engine, which must agree (``reproduced``). Options range over every value their declaration
allows (``options="all"``, the default) or are fixed to the ruleset's (``"fixed"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import InputError, Location
from ..ruleset.model import PropertySpec
from ..types import BackendName
from .report import ProofReport, ProofResult
from .translate import (
    Bool3,
    Encoding,
    Enum3,
    SymbolicOffice,
    SymbolicOptions,
    UnsupportedError,
    encode,
    load_z3,
    solver_version,
)

if TYPE_CHECKING:
    from ..compile.plan import Plan
    from ..engine.trace import Verdict
    from ..ruleset.load import Ruleset

__all__ = ["DEFAULT_TIMEOUT", "Native", "Session", "prove_ruleset", "where"]

#: Seconds the solver may spend on one check before the answer is an honest "unknown".
DEFAULT_TIMEOUT = 10.0


def where(location: Location | None) -> str:
    """``file:line`` of a location (or ``""``)."""
    if location is None or (location.file is None and location.line is None):
        return ""
    text = location.file or "<ruleset>"
    return f"{text}:{location.line}" if location.line is not None else text


@attrs.frozen
class Answer:
    status: str  # sat | unsat | unknown
    model: Any
    core: tuple[str, ...]
    seconds: float
    reason: str = ""


class Session:
    """One solver holding an encoding's constraints (tracked, for unsat cores); each query
    pushes its goal, checks within the time budget and pops."""

    def __init__(self, encodings: Sequence[Encoding], timeout: float,
                 extra: Iterable[tuple[Any, str]] = ()) -> None:
        z3 = self.z3 = load_z3()
        self.timeout = timeout
        self.solver = z3.Solver()
        self.solver.set("timeout", max(1, int(timeout * 1000)))
        self.labels: dict[str, str] = {}
        seen: set[str] = set()
        count = 0
        for encoding in encodings:
            for constraint in encoding.constraints:
                key = f"{constraint.label}@{id(encoding.office)}"
                if key in seen:
                    continue
                seen.add(key)
                label = z3.Bool(f"__c{count}")
                count += 1
                place = where(constraint.location)
                self.labels[str(label)] = (f"{constraint.label} ({place})" if place
                                           else constraint.label)
                self.solver.assert_and_track(constraint.formula, label)
        for formula, text in extra:
            label = z3.Bool(f"__c{count}")
            count += 1
            self.labels[str(label)] = text
            self.solver.assert_and_track(formula, label)

    def query(self, goals: Sequence[tuple[Any, str]]) -> Answer:
        """Check the constraints with ``goals`` (each a formula and how the core names it)."""
        z3 = self.z3
        started = time.perf_counter()
        self.solver.push()
        try:
            goal_labels: dict[str, str] = {}
            for index, (formula, text) in enumerate(goals):
                label = z3.Bool(f"__g{index}")
                goal_labels[str(label)] = text
                self.solver.assert_and_track(formula, label)
            result = self.solver.check()
            if result == z3.sat:
                return Answer("sat", self.solver.model(), (), time.perf_counter() - started)
            if result == z3.unsat:
                names = {**self.labels, **goal_labels}
                core = tuple(sorted(names.get(str(c), str(c)) for c in self.solver.unsat_core()))
                return Answer("unsat", None, core, time.perf_counter() - started)
            return Answer("unknown", None, (), time.perf_counter() - started,
                          str(self.solver.reason_unknown()))
        finally:
            self.solver.pop()


class Native:
    """The native engine, per option setting, to re-evaluate what the solver found."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.cache: dict[str, Ruleset] = {}

    def with_options(self, options: Mapping[str, Any] | None) -> Ruleset:
        if not options:
            return self.ruleset
        key = repr(sorted(options.items()))
        if key not in self.cache:
            self.cache[key] = self.ruleset.with_options(**dict(options))
        return self.cache[key]

    def evaluate(self, office: Mapping[str, Any], options: Mapping[str, Any] | None,
                 backend: BackendName = "native") -> Verdict | None:
        from ..engine.evaluate import evaluate

        try:
            return evaluate(dict(office), self.with_options(options), extra="ignore",
                            backend=backend)
        except InputError:
            return None


def _office(encoding: Encoding, model: Any, name: str,
            facts: Iterable[str] | None = None) -> dict[str, Any]:
    """The office of a model: the facts ``facts`` (default: every fact the plan reads)."""
    names = encoding.facts_read if facts is None else facts
    return {"id": name, **encoding.office.read(model, names)}


def _unknown(check: str, subject: str, answer: Answer | None, node_where: str = "",
             clause: str = "", reason: str = "") -> ProofResult:
    why = reason or (answer.reason if answer else "") or "no answer"
    if why.startswith("not encoded"):  # not the budget: the encoding cannot state it
        return ProofResult(check, subject, "unknown",
                           f"the solver cannot be asked: the encoding does not cover it ({why})",
                           f"无法交由求解器判断：编码不支持（{why}）", node_where, clause,
                           details={"not_encoded": why},
                           seconds=answer.seconds if answer else 0.0)
    return ProofResult(check, subject, "unknown",
                       f"the solver gave no answer within the time budget ({why})",
                       f"求解器在限时内未给出答案（{why}）", node_where, clause,
                       seconds=answer.seconds if answer else 0.0)


class _Prover:
    def __init__(self, ruleset: Ruleset, options: str, timeout: float) -> None:
        self.ruleset = ruleset
        self.plan: Plan = ruleset.plan
        self.timeout = timeout
        self.mode = options
        self.native = Native(ruleset)
        self.free = [o.name for o in ruleset.spec.options] if options == "all" else []
        self.encoding = encode(self.plan, SymbolicOffice("office"), self.options_for({}))
        self.session = Session([self.encoding], timeout)
        self.only_properties: frozenset[str] | None = None

    def options_for(self, fixed: Mapping[str, Any], prefix: str = "opt") -> SymbolicOptions:
        values = {**self.plan.option_map, **fixed}
        free = [n for n in self.free if n not in fixed]
        return SymbolicOptions(self.ruleset.spec.options, values, free=free, prefix=prefix)

    def witness(self, goals: list[tuple[Any, str]]) -> Answer:
        """A query for a witness: with the ruleset's own option values first (readable, and
        one compiled ruleset re-evaluates them all), then with every option setting."""
        if not self.free:
            return self.session.query(goals)
        z3 = load_z3()
        defaults = []
        for name, value in self.encoding.options.vars.items():
            default = self.plan.option_map[name]
            if isinstance(value, Bool3):
                defaults.append(value.t if default else value.f)
            elif isinstance(value, Enum3):
                defaults.append(value.index == value.values.index(default))
            else:
                defaults.append(value.value == z3.RealVal(default))
        first = self.session.query([*goals, (z3.And(defaults), "the default options")])
        if first.status == "sat":
            return first
        second = self.session.query(goals)
        return attrs.evolve(second, seconds=second.seconds + first.seconds)

    def options_of(self, model: Any, options: SymbolicOptions | None = None) -> dict[str, Any]:
        return (options or self.encoding.options).read(model)

    # criteria and rules ----------------------------------------------------------------------
    def node_checks(self, kinds: tuple[str, ...] = ("criterion", "rule")) -> list[ProofResult]:
        results: list[ProofResult] = []
        read_by_outcomes = self._read_by_outcomes()
        for node in self.plan.nodes:
            if node.kind not in kinds:
                continue
            value = self.encoding.nodes[node.id]
            place = where(node.location)
            answers = {}
            for wanted, formula in (("pass", value.t), ("fail", value.f)):
                answers[wanted] = self.witness(
                    [(formula, f"{node.kind} {node.id} {wanted}es ({place})")])
            if node.kind == "criterion":
                for wanted in ("pass", "fail"):
                    results.append(self._node_result(node, wanted, answers[wanted]))
                continue
            results.append(self._rule_result(node, answers, node.id in read_by_outcomes))
        return results

    def _read_by_outcomes(self) -> set[str]:
        needed: set[str] = set()
        stack = [o.id for o in self.plan.outcomes]
        while stack:
            item = stack.pop()
            if item in needed:
                continue
            needed.add(item)
            node = self.plan.node(item)
            stack += [*node.depends_on, *(r for r in node.reads if r in self.plan)]
        return needed

    def _node_result(self, node: Any, wanted: str, answer: Answer) -> ProofResult:
        check = f"criterion_can_{wanted}"
        place = where(node.location)
        if answer.status == "unknown":
            return _unknown(check, node.id, answer, place, node.clause)
        if answer.status == "unsat":
            verb = ("can never pass", "永远不可能达到") if wanted == "pass" else (
                "can never fail", "永远不可能不达到")
            return ProofResult(check, node.id, "refuted",
                               f"{node.kind} {node.id} {verb[0]} for any valid office",
                               f"{node.id} 对任何有效的司法所都{verb[1]}", place, node.clause,
                               core=answer.core, seconds=answer.seconds)
        # the facts the criterion needs decide it: the witness carries those alone
        office = _office(self.encoding, answer.model, f"witness-{node.id}-{wanted}",
                         node.facts_needed)
        options = self.options_of(answer.model)
        verdict = self.native.evaluate(office, options)
        status = "PASS" if wanted == "pass" else "FAIL"
        reproduced = verdict is not None and verdict.trace.step(node.id).status.name == status
        return ProofResult(check, node.id, "proved",
                           f"a witness office makes it {status}",
                           f"存在使其{'达到' if wanted == 'pass' else '未达到'}的司法所",
                           place, node.clause, office=office, options=options,
                           reproduced=reproduced, seconds=answer.seconds,
                           details={"shown_facts": list(node.facts_needed)})

    def _rule_result(self, node: Any, answers: Mapping[str, Answer], used: bool) -> ProofResult:
        place = where(node.location)
        unknown = [a for a in answers.values() if a.status == "unknown"]
        note = "" if used else " (informational: no outcome reads it)"
        note_zh = "" if used else "（仅供参考：没有结论读取它）"
        if unknown:
            return _unknown("rule_not_dead", node.id, unknown[0], place, node.clause)
        dead = [w for w, a in answers.items() if a.status == "unsat"]
        if dead:
            core = tuple(c for w in dead for c in answers[w].core)
            return ProofResult("rule_not_dead", node.id, "refuted",
                               f"rule {node.id} can never {dead[0]}: it is dead{note}",
                               f"规则 {node.id} 永远不可能"
                               f"{'成立' if dead[0] == 'pass' else '不成立'}"
                               f"，是失效的规则{note_zh}", place, node.clause, core=core,
                               seconds=sum(a.seconds for a in answers.values()))
        reproduced = True
        for wanted, answer in answers.items():
            office = _office(self.encoding, answer.model, f"witness-{node.id}-{wanted}",
                             node.facts_needed)
            verdict = self.native.evaluate(office, self.options_of(answer.model))
            status = "PASS" if wanted == "pass" else "FAIL"
            reproduced &= verdict is not None and verdict.trace.step(node.id).status.name == status
        return ProofResult("rule_not_dead", node.id, "proved",
                           f"it can hold and can fail{note}", f"可能成立也可能不成立{note_zh}",
                           place, node.clause, reproduced=reproduced,
                           seconds=sum(a.seconds for a in answers.values()))

    # outcomes ------------------------------------------------------------------------------------
    def outcome_checks(self) -> list[ProofResult]:
        results: list[ProofResult] = []
        encoding = self.encoding
        outcomes = list(self.plan.outcomes)
        for position, outcome_id in enumerate([*encoding.outcome_ids, encoding.otherwise]):
            spec = self.plan.node(outcome_id).spec if outcome_id in self.plan else (
                self.plan.otherwise)
            place = where(spec.location if spec else None)
            clause = spec.clause if spec else ""
            answer = self.witness([(encoding.verdict[outcome_id],
                                          f"outcome {outcome_id} ({place})")])
            if answer.status == "unknown":
                results.append(_unknown("outcome_reachable", outcome_id, answer, place, clause))
                continue
            if answer.status == "sat":
                office = _office(encoding, answer.model, f"witness-{outcome_id.lower()}")
                options = self.options_of(answer.model)
                verdict = self.native.evaluate(office, options)
                results.append(ProofResult(
                    "outcome_reachable", outcome_id, "proved", "a witness office gets it",
                    "存在得到该结论的司法所", place, clause, office=office, options=options,
                    reproduced=verdict is not None and verdict.outcome == outcome_id,
                    seconds=answer.seconds))
                continue
            # unreachable: its own condition, or the earlier outcomes that pre-empt it
            goals: list[tuple[Any, str]] = []
            if position < len(outcomes):
                condition = encoding.outcome_condition(outcome_id)
                goals.append((condition.t, f"outcome {outcome_id} holds ({place})"))
            for earlier in outcomes[:position]:
                goals.append((encoding.outcome_condition(earlier.id).f,
                              f"earlier outcome {earlier.id} is false "
                              f"({where(earlier.location)})"))
            detail = self.session.query(goals)
            shadowing = [c.split(" ")[2] for c in detail.core if c.startswith("earlier outcome")]
            own = self.session.query(goals[:1]) if position < len(outcomes) else None
            if own is not None and own.status == "unsat":
                message = (f"outcome {outcome_id} is unreachable: its condition can never hold",
                           f"结论 {outcome_id} 不可能作出：其条件永远不成立")
                core = own.core
            else:
                names = ", ".join(shadowing) or "earlier outcomes"
                message = (f"outcome {outcome_id} is shadowed: whenever it holds, {names} "
                           "decides first (or the verdict is UNDECIDED)",
                           f"结论 {outcome_id} 被遮蔽：其条件成立时，{names} 总是先作出结论")
                core = detail.core
            results.append(ProofResult("outcome_reachable", outcome_id, "refuted", message[0],
                                       message[1], place, clause, core=core,
                                       details={"shadowed_by": shadowing,
                                                "never_holds": own is not None
                                                and own.status == "unsat"},
                                       seconds=answer.seconds + detail.seconds))
        return results

    # undecided -------------------------------------------------------------------------------
    def undecided_check(self) -> ProofResult:
        encoding = self.encoding
        answer = self.session.query([(encoding.complete(), "every fact is given"),
                                     (encoding.verdict["UNDECIDED"], "the verdict is UNDECIDED")])
        check, subject = "undecided_only_when_missing", "UNDECIDED"
        if answer.status == "unknown":
            return _unknown(check, subject, answer)
        if answer.status == "unsat":
            return ProofResult(check, subject, "proved",
                               "every complete office gets a verdict",
                               "事实齐全的司法所都能得到结论", seconds=answer.seconds)
        office = _office(encoding, answer.model, "counterexample-undecided")
        options = self.options_of(answer.model)
        verdict = self.native.evaluate(office, options)
        return ProofResult(check, subject, "refuted",
                           "a complete office is UNDECIDED", "存在事实齐全却无法判定的司法所",
                           office=office, options=options,
                           reproduced=verdict is not None and verdict.outcome == "UNDECIDED",
                           seconds=answer.seconds)

    # properties ------------------------------------------------------------------------------
    def property_checks(self) -> list[ProofResult]:
        results = []
        for prop in self.ruleset.spec.properties:
            if self.only_properties is not None and prop.id not in self.only_properties:
                continue
            try:
                results.append(self.property_check(prop))
            except UnsupportedError as exc:
                results.append(_unknown("property", prop.id, None, where(prop.location),
                                        prop.clause, reason=f"not encoded: {exc}"))
        return results

    def property_check(self, prop: PropertySpec) -> ProofResult:
        z3 = load_z3()
        shared = prop.kind == "invariant" and not prop.options  # the main encoding serves
        options = (self.encoding.options if shared
                   else self.options_for(dict(prop.options), prefix=f"opt.{prop.id}"))
        first = (self.encoding if shared
                 else encode(self.plan, SymbolicOffice(f"{prop.id}.a"), options))
        place = where(prop.location)
        encodings = [first]
        goals: list[tuple[Any, str]] = []
        second: Encoding | None = None
        if prop.kind == "monotone":
            moved = [fact for fact, _ in prop.changes]
            second = encode(self.plan, first.office.variant(f"{prop.id}.b", moved), options)
            encodings.append(second)
            steps = []
            strict = []
            for fact, direction in prop.changes:
                a, b = first.fact(fact), second.fact(fact)
                step = b.value - a.value if direction == "up" else a.value - b.value
                goals.append((z3.And(a.known, b.known, step >= 0),
                              f"{fact} moves {direction} ({place})"))
                steps.append(step)
                strict.append(step > 0)
            goals.append((z3.Or(strict), "at least one fact moves"))
            if prop.same_step:
                goals += [(s == steps[0], "every fact moves by the same step")
                          for s in steps[1:]]
            premise = [*goals, (z3.Or([first.verdict[k] for k in prop.keeps]),
                                f"the first office gets one of {list(prop.keeps)}")]
            goals.append((z3.Or([z3.And(first.verdict[k], z3.Not(second.verdict[k]))
                                 for k in prop.keeps]),
                          f"the outcome in {list(prop.keeps)} is not kept ({place})"))
        else:
            when = first.translator.boolean(prop.when) if prop.when is not None else None
            if when is not None:
                goals.append((when.t, f"when {prop.when_text} ({place})"))
            if first.side:  # ratios `when` compares with each other, defined exactly
                goals.append((z3.And(first.side), "exact rates"))
            premise = list(goals)
            broken = []
            if prop.outcome_in:
                broken.append(z3.Not(z3.Or([first.verdict[o] for o in prop.outcome_in])))
            if prop.outcome_not_in:
                broken.append(z3.Or([first.verdict[o] for o in prop.outcome_not_in]))
            goals.append((z3.Or(broken), f"the outcome is not as declared ({place})"))
        session = self.session if shared else Session(encodings, self.timeout)
        answer = session.query(goals)
        if answer.status == "unknown":
            return _unknown("property", prop.id, answer, place, prop.clause)
        if answer.status == "unsat":
            # a property no office can even put to the test holds vacuously: say so
            applies = session.query(premise)
            if applies.status == "unsat":
                return ProofResult(
                    "property", prop.id, "refuted",
                    f"{prop.title.en}: holds only vacuously, no valid office meets its premise",
                    f"{prop.title.zh}：仅空洞成立，没有有效的司法所满足其前提", place,
                    prop.clause, core=applies.core, details={"vacuous": True},
                    seconds=answer.seconds + applies.seconds)
            return ProofResult("property", prop.id, "proved", prop.title.en, prop.title.zh,
                               place, prop.clause, seconds=answer.seconds + applies.seconds)
        # the counterexample with as few facts given as possible: what matters, readable
        fewest = self._fewest_facts(encodings, goals)
        if fewest is not None:
            smaller = self._property_counterexample(
                prop, first, second, options,
                attrs.evolve(answer, model=fewest.model, seconds=answer.seconds + fewest.seconds))
            if smaller.reproduced:
                return smaller
        return self._property_counterexample(prop, first, second, options, answer)

    def _fewest_facts(self, encodings: Sequence[Encoding],
                      goals: Sequence[tuple[Any, str]]) -> Answer | None:
        """A model of the same goals with the fewest facts given (then whole numbers where
        they do), within the time budget; ``None`` when the optimiser gives up."""
        z3 = load_z3()
        started = time.perf_counter()
        optimizer = z3.Optimize()
        optimizer.set("timeout", max(1, int(self.timeout * 1000)))
        optimizer.add(*[encoding.valid() for encoding in encodings],
                      *[formula for formula, _ in goals])
        first = encodings[0]
        for name in first.facts_read:
            optimizer.add_soft(z3.Not(first.fact(name).known), 1, "given")
        for name in first.facts_read:
            var = first.fact(name)
            if var.spec.type == "number":
                optimizer.add_soft(z3.IsInt(var.value), 1, "round")
        if optimizer.check() != z3.sat:
            return None
        return Answer("sat", optimizer.model(), (), time.perf_counter() - started)

    def _property_counterexample(self, prop: PropertySpec, first: Encoding,
                                 second: Encoding | None, options: SymbolicOptions,
                                 answer: Answer) -> ProofResult:
        place = where(prop.location)
        option_values = options.read(answer.model)
        office = _office(first, answer.model, f"counterexample-{prop.id}")
        verdict = self.native.evaluate(office, option_values)
        other = None
        shown: list[str] = []
        if second is not None:
            other = _office(second, answer.model, f"counterexample-{prop.id}-moved")
            other_verdict = self.native.evaluate(other, option_values)
            outcomes = (verdict.outcome if verdict else "invalid",
                        other_verdict.outcome if other_verdict else "invalid")
            reproduced = (verdict is not None and other_verdict is not None
                          and verdict.outcome in prop.keeps
                          and other_verdict.outcome != verdict.outcome)
            shown = [fact for fact, _ in prop.changes]
            message = (f"{prop.title.en}: refuted, {outcomes[0]} becomes {outcomes[1]} when "
                       + ", ".join(f"{f} goes {office.get(f)} -> {other.get(f)}"
                                   for f in shown))
            message_zh = (f"{prop.title.zh}：不成立，" + "，".join(
                f"{f} 由 {office.get(f)} 变为 {other.get(f)}" for f in shown)
                + f"时，结论由 {outcomes[0]} 变为 {outcomes[1]}")
        else:
            outcome = verdict.outcome if verdict else "invalid"
            reproduced = verdict is not None and (
                (bool(prop.outcome_in) and verdict.outcome not in prop.outcome_in)
                or verdict.outcome in prop.outcome_not_in)
            message = f"{prop.title.en}: refuted, an office gets {outcome}"
            message_zh = f"{prop.title.zh}：不成立，存在结论为 {outcome} 的司法所"
        return ProofResult("property", prop.id, "refuted", message, message_zh, place,
                           prop.clause, office=office, other_office=other,
                           options=option_values, reproduced=reproduced,
                           seconds=answer.seconds,
                           details={"shown_facts": shown} if shown else {})


#: The checks ``prove_ruleset`` runs, in report order.
CHECKS = ("criteria", "outcomes", "rules", "undecided", "properties")


def prove_ruleset(ruleset: Ruleset | str, *, options: str = "all",
                  timeout: float = DEFAULT_TIMEOUT, checks: Iterable[str] | None = None,
                  properties: Iterable[str] | None = None,
                  progress: Callable[[str], None] | None = None) -> ProofReport:
    """Prove what holds for every office of ``ruleset`` (see the module docstring).

    ``options``: ``"all"`` (every option setting) or ``"fixed"`` (the ruleset's own values).
    ``timeout``: seconds per check; a check the solver cannot settle in time is *unknown*.
    ``checks``: a subset of :data:`CHECKS`; ``properties``: only these declared properties.
    """
    from ..ruleset.load import load_ruleset

    if options not in ("all", "fixed"):
        raise ValueError(f"options must be 'all' or 'fixed', not {options!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    wanted = tuple(checks) if checks is not None else CHECKS
    unknown = [c for c in wanted if c not in CHECKS]
    if unknown:
        raise ValueError(f"unknown checks {unknown}; checks: {', '.join(CHECKS)}")
    started = time.perf_counter()
    rs = load_ruleset(ruleset)
    prover = _Prover(rs, options, timeout)
    if properties is not None:
        prover.only_properties = frozenset(properties)
        declared = {p.id for p in rs.spec.properties}
        missing = sorted(prover.only_properties - declared)
        if missing:
            raise ValueError(f"no declared properties {missing}; declared: "
                             + ", ".join(sorted(declared)))
    results: list[ProofResult] = []
    steps: dict[str, Callable[[], list[ProofResult]]] = {
        "outcomes": prover.outcome_checks,
        "undecided": lambda: [prover.undecided_check()],
        "properties": prover.property_checks,
    }
    node_results: list[ProofResult] | None = None
    for name in CHECKS:
        if name not in wanted:
            continue
        if progress:
            progress(name)
        if name in ("criteria", "rules"):
            if node_results is None:
                node_results = prover.node_checks(tuple(
                    kind for kind, check in (("criterion", "criteria"), ("rule", "rules"))
                    if check in wanted))
            keep = ("criterion_can_pass", "criterion_can_fail") if name == "criteria" else (
                "rule_not_dead",)
            results += [r for r in node_results if r.check in keep]
            continue
        try:
            results += steps[name]()
        except UnsupportedError as exc:
            results.append(_unknown(name, name, None, reason=f"not encoded: {exc}"))
    described = "every option setting" if options == "all" else "options " + ", ".join(
        f"{k}={v!r}" for k, v in rs.options.items())
    return ProofReport(rs.key, solver_version(), tuple(results),
                       time.perf_counter() - started, timeout, described, rs.content_hash)

