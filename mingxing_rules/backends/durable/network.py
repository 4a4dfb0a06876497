"""From a compiled program to a durable_rules ruleset: :func:`translate`.

Nodes are translated in dependency order (:class:`~.conditions.ConditionTranslator`), so that a
node folded to a constant folds into the conditions reading it; the rest become *node plans*
(:class:`~.model.NodePlan`): the join formulas under which each criterion, rule and outcome
posts each result code, and the children of each standard and group (the minimum of their
codes, split into synthetic sub-conjunctions when wider than one join). :class:`Emitter` then
stratifies the plans, spreads result facts over buckets and fact tests over office events, and
writes the JSON rules; :func:`guard_definition` refuses a definition that would trip a known
trap of durable_rules 2.0.28.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ...compile.codegen import CompiledProgram
from ...errors import EvaluationError, Location
from ...ruleset.model import NodeSpec
from .codes import (
    ALL_OF_CHUNK,
    CAP,
    FAIL,
    MAX_JOIN,
    NOT_APPLICABLE,
    PARTITION_FIELDS,
    PARTITION_PATHS,
    PASS,
    RESULT_BUCKET,
    ROW_VALUE,
    STATUS_NAMES,
    UNKNOWN,
    all_of_value,
)
from .conditions import ConditionTranslator
from .formulas import A_TRUE, J_TRUE, Conj, Join, alpha_json, alpha_keys, alpha_paths
from .jsontext import Num, dump_json
from .model import AllOf, NodePlan, Translation
from .prepass import Getter
from .problems import OutsideNote, TooComplexError, UnsupportedError, UnsupportedNote

__all__ = ["Emitter", "guard_definition", "rule_patterns", "translate"]


def translate(program: CompiledProgram) -> Translation:
    """Translate a compiled ruleset into a durable_rules ruleset (no engine needed).

    The result lists what runs outside the Rete network (:attr:`Translation.outside`) and what
    cannot run on durable_rules at all (:attr:`Translation.unsupported`). The same program gives
    the same text, so the ruleset name (``id@version#digest``) identifies it across processes.
    """
    tr = ConditionTranslator(program)

    derived_getters: list[tuple[str, Getter]] = []
    for name in (n.id for n in program.plan.order if n.kind == "derived"):
        item = tr.derived[name]
        try:
            derived_getters.append((name, tr.prepass.compile(item.expr)))
        except UnsupportedError as exc:
            tr.unsupported.append(UnsupportedNote(name, f"derived value {name}: {exc}",
                                                  item.location))
        tr.outside.append(OutsideNote(
            name, item.source, "a derived value: durable_rules has no arithmetic on the left of a "
            "comparison, so the pre-pass computes it and the network compares it",
            item.location, derived=True))

    # nodes in dependency order, so that constant nodes fold into the conditions reading them
    plans: dict[str, NodePlan] = {}
    failed = tr.failed
    for node_id in (n.id for n in program.plan.order if n.kind != "derived"):
        node = tr.node_specs[node_id]
        tr.current = node
        if node.kind in ("standard", "group"):
            if any(c in failed for c in node.children):
                failed.add(node_id)
                continue
            _plan_all_of(tr, node, plans)
            continue
        try:
            joins = tr.node_rules(node)
        except (UnsupportedError, TooComplexError) as exc:
            message = str(exc) if isinstance(exc, UnsupportedError) else (
                f"the condition expands to too many join alternatives ({exc})")
            tr.unsupported.append(UnsupportedNote(node_id, message, node.location))
            failed.add(node_id)
            continue
        is_constant, value = _constant_of(joins)
        if is_constant:
            tr.constants[node_id] = value
            continue
        plans[node_id] = NodePlan(node_id, joins={c: j for c, j in joins.items() if j})
        tr.possible[node_id] = frozenset(code for code, join in joins.items() if join)
    tr.current = None

    # standards and groups wider than one join: split into synthetic sub-conjunctions
    for plan in list(plans.values()):
        if plan.all_of is not None and len(plan.all_of.live) > ALL_OF_CHUNK:
            _chunk_all_of(tr, plan, plans)
    return _emit(tr, program, list(plans.values()), derived_getters)


def _constant_of(joins: Mapping[int, Join]) -> tuple[bool, Any]:
    for code, join in joins.items():
        if join == J_TRUE:
            return True, ROW_VALUE[code]
    return False, None


def _plan_all_of(tr: ConditionTranslator, node: NodeSpec, plans: dict[str, NodePlan]) -> None:
    """A standard or group: constants fold in, the rest is decided by the network."""
    constants = tuple(tr.constants[c] for c in node.children if c in tr.constants)
    live = tuple(c for c in node.children if c not in tr.constants)
    if not live or any(v is False for v in constants):
        tr.constants[node.id] = all_of_value(constants) if not live else False
        return
    has_true = any(v is True for v in constants)
    has_unknown = any(v is None for v in constants)
    codes = {FAIL, UNKNOWN}
    if not has_unknown:
        codes.add(PASS)
        if not has_true and all(NOT_APPLICABLE in tr.possible[c] for c in live):
            codes.add(NOT_APPLICABLE)
    plans[node.id] = NodePlan(node.id, all_of=AllOf(live, constants))
    tr.possible[node.id] = frozenset(codes)
    for child in live:
        plans[child] = attrs.evolve(plans[child], parent_tag=node.id)


def _chunk_all_of(tr: ConditionTranslator, plan: NodePlan, plans: dict[str, NodePlan]) -> None:
    """Split a conjunction too wide for one join (16 facts) into synthetic sub-conjunctions.

    The minimum over F < U < T < NA is associative: all_of(a..z) = all_of(all_of(a..m),
    all_of(n..z)). The synthetic nodes post result facts like any other node but have no row
    position.
    """
    assert plan.all_of is not None
    live = plan.all_of.live
    while len(live) > ALL_OF_CHUNK:
        grouped: list[str] = []
        for start in range(0, len(live), ALL_OF_CHUNK):
            chunk = live[start:start + ALL_OF_CHUNK]
            chunk_id = f"{plan.id}~{len(plans)}"
            can_na = all(NOT_APPLICABLE in tr.possible[c] for c in chunk)
            tr.possible[chunk_id] = frozenset({FAIL, UNKNOWN, PASS} | (
                {NOT_APPLICABLE} if can_na else set()))
            plans[chunk_id] = NodePlan(chunk_id, all_of=AllOf(chunk, ()), parent_tag=plan.id)
            for child in chunk:
                plans[child] = attrs.evolve(plans[child], parent_tag=chunk_id)
            grouped.append(chunk_id)
        live = tuple(grouped)
    plans[plan.id] = attrs.evolve(plans[plan.id], all_of=AllOf(live, plan.all_of.constants))


class Emitter:
    """Writes the rules of every node plan as durable_rules JSON."""

    def __init__(self, tr: ConditionTranslator, plans: list[NodePlan]) -> None:
        self.tr = tr
        self.plans = plans
        reads = {p.id: p.reads() for p in plans}
        self.consumed: set[str] = set().union(*reads.values()) if reads else set()
        self.depth: dict[str, int] = {}
        for plan in plans:
            self.depth_of(plan.id, reads)
        self.bucket = self.result_buckets()
        self.partition_of, self.events = self.office_events()
        # the result codes some rule reads, per node: only those are posted, because a fact no
        # rule matches leaves a session the engine may crash deleting
        self.read_codes: dict[str, set[int]] = {}

    def depth_of(self, node_id: str, reads: Mapping[str, set[str]]) -> int:
        """Strata: a node's rules fire after everything they read has settled."""
        if node_id not in self.depth:
            self.depth[node_id] = 1 + max((self.depth_of(r, reads) for r in reads[node_id]),
                                          default=-1)
        return self.depth[node_id]

    def result_buckets(self) -> dict[str, str]:
        """Result facts are spread over buckets (their ``t``): the engine looks an alpha node's
        children up by property name only, so a wide fan-out on ``n`` would be scanned."""
        by_parent: dict[str, list[str]] = {}
        loose: list[str] = []
        for plan in self.plans:
            if plan.id not in self.consumed:
                continue
            if plan.parent_tag:
                by_parent.setdefault(plan.parent_tag, []).append(plan.id)
            else:
                loose.append(plan.id)
        groups = [*by_parent.values(), *(loose[i:i + RESULT_BUCKET]
                                         for i in range(0, len(loose), RESULT_BUCKET))]
        bucket: dict[str, str] = {}
        for number, members in enumerate(groups):
            for member in members:
                bucket[member] = f"r{number}"
        for parent, members in by_parent.items():
            bucket[f"{parent}/children"] = bucket[members[0]]
        return bucket

    def office_events(self) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
        """Nodes that test facts are packed into office events: one fact may match at most 64
        alpha paths at once (error 303), and a fact holds at most 254 properties (302)."""
        partition_of: dict[str, str] = {}
        events: list[tuple[str, list[str]]] = []
        paths_used = 0
        for plan in self.plans:
            conjuncts = [c for join in plan.joins.values() for c in join]
            if not any(alpha != A_TRUE or not refs for alpha, refs in conjuncts):
                continue
            alphas = [alpha for alpha, _ in conjuncts]
            paths = sum(alpha_paths(a) for a in alphas)
            keys = sorted({k for a in alphas for k in alpha_keys(a)})
            if len(keys) > PARTITION_FIELDS or paths > PARTITION_PATHS:
                spec = self.tr.node_specs.get(plan.id)
                self.tr.unsupported.append(UnsupportedNote(
                    plan.id, f"the condition reads {len(keys)} properties in {paths} alpha paths; "
                    f"one event holds {PARTITION_FIELDS} and matches {PARTITION_PATHS}",
                    spec.location if spec else Location()))
            if not events or paths_used + paths > PARTITION_PATHS or len(
                    set(events[-1][1]) | set(keys)) > PARTITION_FIELDS:
                events.append((f"o{len(events)}", []))
                paths_used = 0
            name, fields = events[-1]
            fields.extend(k for k in keys if k not in fields)
            paths_used += paths
            partition_of[plan.id] = name
        return partition_of, events

    def code_test(self, node_id: str, codes: frozenset[int]) -> list[dict[str, Any]]:
        possible = self.tr.possible[node_id]
        wanted = sorted(codes & possible)
        if set(wanted) == possible:
            return []
        low, high = wanted[0], wanted[-1]
        if len(wanted) == 1:
            return [{"v": Num(low)}]
        if [c for c in sorted(possible) if low <= c <= high] == wanted:  # an interval
            tests: list[dict[str, Any]] = []
            if low > min(possible):
                tests.append({"$gte": {"v": Num(low)}})
            if high < max(possible):
                tests.append({"$lte": {"v": Num(high)}})
            return tests
        return [{"$or": [{"v": Num(c)} for c in wanted]}]

    def result_pattern(self, node_id: str, codes: frozenset[int]) -> dict[str, Any]:
        self.read_codes.setdefault(node_id, set()).update(codes & self.tr.possible[node_id])
        return {"$and": [{"t": self.bucket[node_id]}, {"n": node_id},
                         *self.code_test(node_id, codes)]}

    def join_patterns(self, node_id: str, conj: Conj) -> list[dict[str, Any]]:
        alpha, refs = conj
        patterns: list[dict[str, Any]] = []
        if alpha != A_TRUE or not refs:
            anchor = {"t": self.partition_of[node_id]}
            patterns.append({"o": anchor if alpha == A_TRUE else
                             {"$and": [anchor, alpha_json(alpha)]}})
        for number, (ref, codes) in enumerate(refs):
            if not codes & self.tr.possible[ref]:
                return []  # the referenced node never posts these values
            patterns.append({f"r{number}": self.result_pattern(ref, codes)})
        if len(patterns) > MAX_JOIN:  # pragma: no cover - joins of conditions are small
            raise EvaluationError(f"internal: a join of {len(patterns)} facts for {node_id}")
        return patterns

    def rules_of(self, plan: NodePlan) -> dict[int, dict[str, Any]]:
        if plan.all_of is not None:
            return self.all_of_rules(plan.id, plan.all_of)
        emitted: dict[int, dict[str, Any]] = {}
        for code, join in plan.joins.items():
            alternatives = [p for p in (self.join_patterns(plan.id, c) for c in join) if p]
            if len(alternatives) == 1:
                emitted[code] = {"all": alternatives[0]}
            elif alternatives:
                emitted[code] = {"any": [{f"c{i}$all": alternative}
                                         for i, alternative in enumerate(alternatives)]}
        return emitted

    def all_of_rules(self, node_id: str, all_of: AllOf) -> dict[int, dict[str, Any]]:
        """A standard or group: the conjunction of its children, not applicable counted as met.

        With codes ordered F < U < T < NA it is the minimum of the children: false if some
        child is false; unknown if none is false and some is unknown; not applicable if all
        are; else true. "Some child" is one pattern on the children's parent tag (``p``), its
        matches batched into one firing by ``cap``; "every child" is a join.
        """
        live = all_of.live
        bucket = self.bucket[f"{node_id}/children"]
        has_true = any(v is True for v in all_of.constants)
        has_unknown = any(v is None for v in all_of.constants)
        possible = self.tr.possible[node_id]

        def every(codes: frozenset[int]) -> list[dict[str, Any]] | None:
            """A join of every child having one of ``codes``; None when some child can never
            have any of them (e.g. a criterion that can fail or be unknown but never pass,
            because part of it is an impossible date): the rule could never fire."""
            if any(not codes & self.tr.possible[c] for c in live):
                return None
            return [{f"k{i}": self.result_pattern(c, codes)} for i, c in enumerate(live)]

        def some(code: int) -> dict[str, Any]:
            for child in live:
                self.read_codes.setdefault(child, set()).add(code)
            return {"some": {"$and": [{"t": bucket}, {"p": node_id}, {"v": Num(code)}]}}

        not_false = frozenset({UNKNOWN, PASS, NOT_APPLICABLE})
        met = frozenset({PASS, NOT_APPLICABLE})
        rules: dict[int, dict[str, Any]] = {FAIL: {"all": [some(FAIL)]}}
        all_not_false = every(not_false)
        if has_unknown:
            if all_not_false is not None:
                rules[UNKNOWN] = {"all": all_not_false}
            return rules
        if all_not_false is not None:
            rules[UNKNOWN] = {"all": [some(UNKNOWN), *all_not_false], "dist": 0}
        all_met = every(met)
        if all_met is None:
            return rules
        if has_true or NOT_APPLICABLE not in possible:
            rules[PASS] = {"all": all_met}  # some child cannot be NA, so "all met" has a T
        else:
            rules[PASS] = {"all": [some(PASS), *all_met], "dist": 0}
            all_not_applicable = every(frozenset({NOT_APPLICABLE}))
            if all_not_applicable is not None:
                rules[NOT_APPLICABLE] = {"all": all_not_applicable}
        return rules


def _emit(tr: ConditionTranslator, program: CompiledProgram, plans: list[NodePlan],
          derived_getters: list[tuple[str, Getter]]) -> Translation:
    emitter = Emitter(tr, plans)
    positions = {info.id: i for i, info in enumerate(program.layout)}
    rules_json: dict[str, Any] = {}
    emitted: list[tuple[NodePlan, int, str]] = []
    # definition order breaks priority ties: by stratum, then in trace order
    for plan in sorted(plans, key=lambda p: (emitter.depth[p.id], positions.get(p.id, 10**9))):
        for code, rule in sorted(emitter.rules_of(plan).items()):
            rule_name = f"{plan.id}:{STATUS_NAMES[code]}"
            rule["pri"] = emitter.depth[plan.id]
            rule["cap"] = CAP
            rule["run"] = rule_name
            rules_json[rule_name] = rule
            emitted.append((plan, code, rule_name))
    actions: dict[str, tuple[int, int, str | None]] = {}
    for plan, code, rule_name in emitted:  # post a result only if some rule reads that value
        post = None
        if code in emitter.read_codes.get(plan.id, ()):
            tag = f',"p":{dump_json(plan.parent_tag)}' if plan.parent_tag else ""
            post = f'","t":"{emitter.bucket[plan.id]}","n":{dump_json(plan.id)}{tag},"v":{code}}}'
        actions[rule_name] = (positions.get(plan.id, -1), code, post)
    guard_definition(rules_json)

    # what each office event carries: (',"key":', source, name, kind) per property
    event_plan = []
    for name, keys in emitter.events:
        fields = [tr.fields[k] for k in keys]
        event_plan.append((name, tuple(
            ("," + dump_json(f.key) + ":", f.source, f.name if f.source == "fact" else f.key,
             f.kind) for f in fields)))
    checked = sorted({(f.name, "list" if f.kind == "size" else f.kind)
                      for f in tr.fields.values() if f.source == "fact"})
    text = dump_json(rules_json)
    spec = program.spec
    return Translation(
        name=f"{spec.id}@{spec.version}#{hashlib.sha256(text.encode()).hexdigest()[:16]}",
        definition_text=text,
        outside=tuple(tr.outside),
        unsupported=tuple(tr.unsupported),
        rule_count=len(rules_json),
        partitions=len(emitter.events),
        actions=actions,
        constants={positions[n]: v for n, v in tr.constants.items() if n in positions},
        event_plan=tuple(event_plan),
        outside_terms=tuple(tr.outside_terms.values()),
        derived_getters=tuple(derived_getters),
        checked_facts=tuple(checked),
        field_kinds={f.key: f.kind for f in tr.fields.values() if f.source != "fact"},
        row_ids=tuple(info.id for info in program.layout),
        derived_positions={info.id: i for i, info in enumerate(program.layout)
                           if info.kind == "derived"},
    )


def guard_definition(rules: Mapping[str, Any]) -> None:
    """Refuse definitions that would trip a durable_rules trap (an internal check).

    * ``$div``: integer division truncates and an integer division by zero kills the process
      with SIGFPE;
    * a pattern without a positive ``t`` test: a rule made only of ``$nex``/``$not`` also
      matches the session state, which every action rewrites, so it loops forever;
    * ``$not``: a pending activation is not reliably withdrawn when the negated fact arrives
      later (a standard was decided twice, fail then pass); the translation never needs it.
    """

    def walk(value: Any) -> Iterator[Any]:
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield key
                yield from walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from walk(item)

    for name, rule in rules.items():
        for key in walk(rule):
            if key == "$div" or key.endswith("$not"):
                raise EvaluationError(f"internal: rule {name} uses {key[key.index('$'):]}")
        for pattern in rule_patterns(rule):
            if not _anchored(pattern):
                raise EvaluationError(f"internal: rule {name} has a pattern without a positive "
                                      "'t' test")


def rule_patterns(rule: Mapping[str, Any]) -> Iterator[Any]:
    for key in ("all", "any"):
        for entry in rule.get(key, ()):
            for alias, pattern in entry.items():
                if alias.endswith("$all") or alias.endswith("$any"):
                    for inner in pattern:
                        yield from inner.values()
                else:
                    yield pattern


def _anchored(pattern: Any) -> bool:
    if isinstance(pattern, Mapping):
        if "t" in pattern and isinstance(pattern["t"], str):
            return True
        if "$and" in pattern:
            return any(_anchored(p) for p in pattern["$and"])
    return False
