"""Single-change mutants of a ruleset: how strong are the regression tests of its maintainers?

:func:`mutants` makes, from a ruleset, every ruleset that differs from it by one change of the
kinds the ruleset format allows: a threshold one step either way, a comparator (``>=`` / ``>``),
a member dropped from an ``all(...)`` / ``any(...)`` list, an operand dropped from ``and`` /
``or``, a criterion, standard, rule or outcome removed, two outcomes swapped, an ``applies_if``
removed or negated, a derived formula changed, an option default changed, a fact's range or
values changed. Each is built as a new :class:`~mingxing_rules.ruleset.load.Ruleset` from a changed
:class:`~mingxing_rules.ruleset.model.RulesetSpec` (``attrs.evolve``) and compiled the normal way; a
change the library would refuse at load (a dangling reference, a condition no office can meet)
is kept as *refused*, with the reason, and has no ruleset.

A regression test *kills* a mutant when it fails on it. The **mutation score** is the share of
mutants killed among those that change some verdict; :func:`equivalence` tells which mutants
change none (shown by reasoning over finite domains, never guessed), so the denominator is
honest.

>>> from mingxing_rules import load_ruleset
>>> from mingxing_rules.regression.mutants import mutants
>>> star = load_ruleset("star-judicial-office")
>>> found = list(mutants(star, targets=["floor_area"]))
>>> [(m.kind, m.description) for m in found]  # doctest: +NORMALIZE_WHITESPACE
[('comparator', 'floor_area: floor_area_m2 > 200 (was floor_area_m2 >= 200)'),
 ('threshold', 'floor_area: floor_area_m2 >= 201 (was floor_area_m2 >= 200)'),
 ('threshold', 'floor_area: floor_area_m2 >= 199 (was floor_area_m2 >= 200)'),
 ('criterion_removed', 'criterion floor_area removed from s01_premises')]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from ..compile.codegen import compile_ruleset
from ..errors import MingxingError, RulesetError
from ..language.expr import (
    Binary,
    BoolOp,
    Call,
    Compare,
    Expr,
    Implies,
    ListExpr,
    Literal,
    Membership,
    Quantifier,
    Unary,
    names_in,
    to_text,
)
from ..ruleset import lint  # the load-time analysis (E301), as load_ruleset runs it
from ..ruleset.load import Ruleset
from ..ruleset.model import FactSpec, NodeSpec, OptionSpec, RulesetSpec
from .director import (
    Structure,
    constant_outcomes,
    node_equivalent,
    outcomes_never_both,
    shared_nodes,
)

__all__ = ["KINDS", "Equivalence", "Mutant", "equivalence", "mutants"]

KINDS = (
    "threshold", "comparator", "member", "operand", "literal", "criterion_removed",
    "standard_removed", "rule_removed", "outcome_removed", "outcome_swapped",
    "applies_if_removed", "applies_if_negated", "derived", "option_default", "fact_range",
)
_COMPARATOR = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "==": "!=", "!=": "=="}


@attrs.frozen
class Mutant:
    """One single-change version of a ruleset.

    ``kind``: one of :data:`KINDS`. ``target``: the node, fact, option or derived value
    changed (``decision`` for the outcome order). ``ruleset``: the compiled mutant, or None
    when the library refuses it (``refused`` says why).
    """

    id: str
    kind: str
    target: str
    description: str
    ruleset: Ruleset | None = attrs.field(eq=False, repr=False)
    refused: str = ""


# ------------------------------------------------------------------------------ expressions
Path = tuple[tuple[str, int | None], ...]


def _children_with_paths(node: Expr) -> Iterator[tuple[tuple[str, int | None], Expr]]:
    match node:
        case ListExpr(items=items):
            yield from ((("items", i), item) for i, item in enumerate(items))
        case Unary(operand=operand):
            yield ("operand", None), operand
        case Binary(left=left, right=right) | Implies(left=left, right=right):
            yield ("left", None), left
            yield ("right", None), right
        case Compare(operands=children) | BoolOp(operands=children):
            yield from ((("operands", i), c) for i, c in enumerate(children))
        case Call(args=args):
            yield from ((("args", i), a) for i, a in enumerate(args))
        case Membership(item=item, container=container):
            yield ("item", None), item
            yield ("container", None), container
        case Quantifier(body=body, iterable=iterable):
            yield ("iterable", None), iterable
            yield ("body", None), body
        case _:
            return


def _sites(expr: Expr, path: Path = ()) -> Iterator[tuple[Path, Expr]]:
    """Every sub-expression with the path that leads to it, parents first."""
    yield path, expr
    for step, child in _children_with_paths(expr):
        yield from _sites(child, (*path, step))


def _replace(expr: Expr, path: Path, new: Expr) -> Expr:
    if not path:
        return new
    (field, index), rest = path[0], path[1:]
    current = getattr(expr, field)
    changed: Expr
    if index is None:
        changed = _evolve(expr, {field: _replace(current, rest, new)})
        return changed
    items = list(current)
    items[index] = _replace(items[index], rest, new)
    changed = _evolve(expr, {field: tuple(items)})
    return changed


def _evolve(instance: Any, changes: Mapping[str, Any]) -> Any:
    """``attrs.evolve`` with the changed field named at run time."""
    return attrs.evolve(instance, **changes)


def _number_step(value: float, scale: float = 1.0) -> float:
    if scale > 1:
        return 1 / scale
    if float(value).is_integer():
        return 1
    text = repr(float(value))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 2
    return 10.0 ** -decimals


def _clean(value: float, like: Any) -> Any:
    if isinstance(like, int) and float(value).is_integer():
        return int(value)
    return round(value, 9)


def _expression_mutations(expr: Expr, scales: Mapping[str, float]
                          ) -> Iterator[tuple[str, Expr, str]]:
    """(kind, mutated expression, what changed) for one condition."""
    for path, node in _sites(expr):
        match node:
            case Compare(ops=ops, operands=operands):
                for i, op in enumerate(ops):
                    new_ops = list(ops)
                    new_ops[i] = _COMPARATOR[op]
                    yield "comparator", _replace(expr, path, attrs.evolve(
                        node, ops=tuple(new_ops))), ""
                for i, operand in enumerate(operands):
                    if not (isinstance(operand, Literal) and isinstance(operand.value, int | float)
                            and not isinstance(operand.value, bool)):
                        continue
                    others = [names_in(o) for j, o in enumerate(operands) if j != i]
                    scale = max((scales.get(n, 1.0) for names in others for n in names),
                                default=1.0)
                    step = _number_step(operand.value, scale)
                    for delta in (step, -step):
                        moved = attrs.evolve(operand, value=_clean(operand.value + delta,
                                                                   operand.value))
                        items = list(operands)
                        items[i] = moved
                        yield "threshold", _replace(expr, path, attrs.evolve(
                            node, operands=tuple(items))), ""
            case Quantifier(iterable=ListExpr(items=items) as iterable) if len(items) > 1:
                for i in range(len(items)):
                    fewer = attrs.evolve(iterable, items=items[:i] + items[i + 1:])
                    yield "member", _replace(expr, path, attrs.evolve(node, iterable=fewer)), ""
            case BoolOp(operands=operands) if len(operands) > 1:
                for i in range(len(operands)):
                    rest = operands[:i] + operands[i + 1:]
                    smaller: Expr = rest[0] if len(rest) == 1 else attrs.evolve(
                        node, operands=rest)
                    yield "operand", _replace(expr, path, smaller), ""
            case Literal(value=bool() as value):
                yield "literal", _replace(expr, path, attrs.evolve(node, value=not value)), ""
            case Call(func="date", args=args) if len(args) == 3:
                for i, arg in enumerate(args[1:], start=1):
                    if isinstance(arg, Literal) and isinstance(arg.value, int):
                        for delta in (1, -1):
                            moved_args = list(args)
                            moved_args[i] = attrs.evolve(arg, value=arg.value + delta)
                            yield "threshold", _replace(expr, path, attrs.evolve(
                                node, args=tuple(moved_args))), ""
            case _:
                pass


# ------------------------------------------------------------------------------ building
def _reference_problem(spec: RulesetSpec) -> str:
    """What makes a changed spec invalid (a name nothing defines, an empty standard)."""
    known = ({f.name for f in spec.facts} | {d.name for d in spec.derived}
             | {o.name for o in spec.options} | {n.id for n in spec.nodes})
    ids = {n.id for n in spec.nodes}
    for node in spec.nodes:
        for expr in (node.condition, node.applies_if):
            for name in names_in(expr) if expr is not None else ():
                if name not in known:
                    return f"{node.id} reads {name}, which no longer exists"
        for child in node.children:
            if child not in ids:
                return f"{node.id} lists {child}, which no longer exists"
        if node.kind in ("standard", "group") and not node.children:
            return f"{node.id} has no criteria left"
    for derived in spec.derived:
        for name in names_in(derived.expr):
            if name not in known:
                return f"derived {derived.name} reads {name}, which no longer exists"
    if not spec.outcomes:
        return "no decision outcome left"
    return ""


def _explicit_options(ruleset: Ruleset) -> dict[str, Any]:
    """The options the ruleset was compiled with that differ from their declared defaults."""
    return {o.name: ruleset.options[o.name] for o in ruleset.spec.options
            if ruleset.options.get(o.name) != o.default}


def _build(base: Ruleset, spec: RulesetSpec, options: Mapping[str, Any]) -> tuple[
        Ruleset | None, str]:
    problem = _reference_problem(spec)
    if problem:
        return None, problem
    try:
        program = compile_ruleset(spec, options)
    except RulesetError as exc:
        return None, str(exc).splitlines()[0]
    impossible = [p for p in lint.lint(spec, program)
                  if p.code == "W301" and " can never pass" in p.message]
    if impossible:
        return None, "refused at load (E301): " + impossible[0].message
    return Ruleset(spec, program, base.path), ""


def _with_node(spec: RulesetSpec, node: NodeSpec) -> RulesetSpec:
    if node.id == spec.otherwise.id:
        return attrs.evolve(spec, otherwise=node)
    return attrs.evolve(spec, nodes=tuple(node if n.id == node.id else n for n in spec.nodes))


def _without(spec: RulesetSpec, removed: set[str]) -> RulesetSpec:
    nodes = tuple(attrs.evolve(n, children=tuple(c for c in n.children if c not in removed))
                  for n in spec.nodes if n.id not in removed)
    return attrs.evolve(spec, nodes=nodes,
                        outcomes=tuple(o for o in spec.outcomes if o not in removed))


def _descendants(spec: RulesetSpec, node_id: str) -> set[str]:
    by_id = {n.id: n for n in spec.nodes}
    found, stack = set(), [node_id]
    while stack:
        current = stack.pop()
        if current in found or current not in by_id:
            continue
        found.add(current)
        stack.extend(by_id[current].children)
    return found


def _node_mutations(spec: RulesetSpec, scales: Mapping[str, float]
                    ) -> Iterator[tuple[str, str, RulesetSpec, str]]:
    for node in spec.nodes:
        for field in ("condition", "applies_if"):
            expr: Expr | None = getattr(node, field)
            if expr is None:
                continue
            for kind, mutated, _ in _expression_mutations(expr, scales):
                text = to_text(mutated)
                changed = _evolve(node, {field: mutated, f"{field}_text": text})
                where = "" if field == "condition" else " applies_if"
                yield kind, node.id, _with_node(spec, changed), (
                    f"{node.id}{where}: {text} (was {to_text(expr)})")
        if node.applies_if is not None:
            text = to_text(node.applies_if)
            yield "applies_if_removed", node.id, _with_node(spec, attrs.evolve(
                node, applies_if=None, applies_if_text="")), (
                f"{node.id}: applies_if {text} removed (always applies)")
            negated = Unary("not", node.applies_if)
            yield "applies_if_negated", node.id, _with_node(spec, attrs.evolve(
                node, applies_if=negated, applies_if_text=to_text(negated))), (
                f"{node.id}: applies_if {to_text(negated)} (was {text})")
        removal = {"criterion": "criterion_removed", "standard": "standard_removed",
                   "rule": "rule_removed", "outcome": "outcome_removed"}.get(node.kind)
        if removal is not None:
            parent = f" from {node.parent}" if node.parent else ""
            yield removal, node.id, _without(spec, _descendants(spec, node.id)), (
                f"{node.kind} {node.id} removed{parent}")


def _decision_mutations(spec: RulesetSpec) -> Iterator[tuple[str, str, RulesetSpec, str]]:
    outcomes = spec.outcomes
    for i, j in itertools.combinations(range(len(outcomes)), 2):
        order = list(outcomes)
        order[i], order[j] = order[j], order[i]
        yield "outcome_swapped", "decision", attrs.evolve(spec, outcomes=tuple(order)), (
            f"outcomes {outcomes[i]} and {outcomes[j]} swapped: " + " > ".join(order))


def _derived_mutations(spec: RulesetSpec) -> Iterator[tuple[str, str, RulesetSpec, str]]:
    for derived in spec.derived:
        for path, node in _sites(derived.expr):
            if not isinstance(node, Binary):
                continue
            variants: list[Expr] = []
            if node.op in ("-", "/", "**"):
                variants.append(attrs.evolve(node, left=node.right, right=node.left))
            if node.op != "**":
                variants += [attrs.evolve(node, op=op) for op in ("+", "-", "*", "/")
                             if op != node.op]
            for variant in variants:
                mutated = _replace(derived.expr, path, variant)
                changed = attrs.evolve(derived, expr=mutated, source=to_text(mutated))
                yield "derived", derived.name, attrs.evolve(spec, derived=tuple(
                    changed if d.name == derived.name else d for d in spec.derived)), (
                    f"derived {derived.name}: {to_text(mutated)} (was {to_text(derived.expr)})")


def _option_mutations(spec: RulesetSpec) -> Iterator[tuple[str, str, RulesetSpec, str]]:
    for option in spec.options:
        values: list[Any] = []
        if option.type == "boolean":
            values = [not option.default]
        elif option.type == "enum":
            values = [v for v in option.values if v != option.default]
        elif option.type in ("integer", "number"):
            step = 1 if option.type == "integer" else _number_step(option.default)
            values = [v for v in (option.default + step, option.default - step)
                      if (option.minimum is None or v >= option.minimum)
                      and (option.maximum is None or v <= option.maximum)]
        for value in values:
            changed: OptionSpec = attrs.evolve(option, default=value)
            yield "option_default", option.name, attrs.evolve(spec, options=tuple(
                changed if o.name == option.name else o for o in spec.options)), (
                f"option {option.name} default {value!r} (was {option.default!r})")


def _fact_mutations(spec: RulesetSpec) -> Iterator[tuple[str, str, RulesetSpec, str]]:
    def with_fact(changed: FactSpec) -> RulesetSpec:
        return attrs.evolve(spec, facts=tuple(changed if f.name == changed.name else f
                                               for f in spec.facts))

    for fact in spec.facts:
        if fact.type in ("number", "integer"):
            step = 1 if fact.type == "integer" else 1.0
            for field in ("minimum", "maximum"):
                bound = getattr(fact, field)
                if bound is None:
                    continue
                for delta in (step, -step):
                    value = _clean(bound + delta, bound)
                    low = value if field == "minimum" else fact.minimum
                    high = value if field == "maximum" else fact.maximum
                    if low is not None and high is not None and low > high:
                        continue
                    label = "min" if field == "minimum" else "max"
                    yield "fact_range", fact.name, with_fact(_evolve(fact, {field: value})), (
                        f"fact {fact.name} {label} {value!r} (was {bound!r})")
        elif fact.type in ("enum", "set") and len(fact.values) > 1:
            for value in fact.values:
                fewer = tuple(v for v in fact.values if v != value)
                yield "fact_range", fact.name, with_fact(attrs.evolve(fact, values=fewer)), (
                    f"fact {fact.name} loses the value {value.id}")


def mutants(ruleset: Ruleset, *, kinds: Sequence[str] | None = None,
            targets: Sequence[str] | None = None, refused: bool = False) -> Iterator[Mutant]:
    """Every single-change mutant of ``ruleset`` (in a stable order; ids are stable too).

    ``kinds``: only these kinds (see :data:`KINDS`). ``targets``: only changes of these nodes,
    facts, options or derived values (``decision`` for the outcome order). ``refused``: also
    yield the changes the library refuses at load (with ``ruleset=None`` and the reason in
    ``refused``). Mutants are built as they are yielded (each is compiled and checked like a
    loaded ruleset, a fraction of a second).
    """
    wanted = set(kinds) if kinds is not None else set(KINDS)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"unknown mutant kinds {sorted(unknown)}; kinds: {', '.join(KINDS)}")
    spec = ruleset.spec
    options = _explicit_options(ruleset)
    scales = {d.name: d.scale for d in spec.derived}
    counters: dict[tuple[str, str], int] = {}
    sources = itertools.chain(_node_mutations(spec, scales), _decision_mutations(spec),
                              _derived_mutations(spec), _option_mutations(spec),
                              _fact_mutations(spec))
    for kind, target, changed, description in sources:
        if kind not in wanted:
            continue
        number = counters.get((kind, target), 0)
        counters[(kind, target)] = number + 1
        if targets is not None and target not in targets:
            continue
        built, reason = _build(ruleset, changed, options)
        if built is None and not refused:
            continue
        yield Mutant(f"{kind}:{target}:{number}", kind, target, description, built, reason)


# ------------------------------------------------------------------------------ equivalence
@attrs.frozen
class Equivalence:
    """Whether a mutant changes no verdict. ``equivalent`` is True only when shown (``reason``
    says how); False when some office is known to change verdict; None when not shown either
    way (such a mutant counts in the mutation score's denominator)."""

    equivalent: bool | None
    reason: str


def equivalence(original: Ruleset, mutant: Ruleset | Mutant, *, prove: bool = False,
                timeout: float = 20.0) -> Equivalence:
    """Show, by reasoning over finite domains, that ``mutant`` decides every office as
    ``original`` does, or say that it is not shown.

    The arguments, in order: no change that can move a verdict; the changed rules decide no
    outcome; every changed rule has, for every combination of its direct inputs (each fact
    over candidate values that cover every case its thresholds distinguish, or left out; each
    rule it reads true, false or unknown), the same value in both versions; outcomes that no
    office can select (an option fixes them false) are left out before comparing the order of
    outcomes, and two outcomes whose order changed can never both hold for one office.

    ``prove``: when that reasoning does not show it, ask the SMT solver of ``mingxing prove``
    (:func:`mingxing_rules.proofs.equivalence.prove_equivalent`, the ``prove`` extra) whether
    any office changes verdict, with ``timeout`` seconds per check.
    """
    found = _reasoned(original, mutant)
    if found.equivalent is None and prove:
        return _proved(original, mutant, timeout) or found
    return found


def _proved(original: Ruleset, mutant: Ruleset | Mutant, timeout: float) -> Equivalence | None:
    changed = mutant.ruleset if isinstance(mutant, Mutant) else mutant
    if changed is None:
        return None
    try:
        from ..proofs.equivalence import prove_equivalent

        report = prove_equivalent(original, changed, timeout=timeout)
    except (ImportError, MingxingError):
        return None
    counts = report.counts()
    if counts.get("refuted"):
        return Equivalence(False, "the SMT solver found offices whose verdict changes")
    if report.ok and not counts.get("unknown"):
        return Equivalence(True, "proved by the SMT solver (mingxing prove): no office "
                                 "changes verdict")
    return None


def _reasoned(original: Ruleset, mutant: Ruleset | Mutant) -> Equivalence:
    changed = mutant.ruleset if isinstance(mutant, Mutant) else mutant
    if changed is None:
        return Equivalence(None, "refused at load")
    a, b = Structure(original), Structure(changed)
    if {n: f.type for n, f in a.facts.items()} != {n: f.type for n, f in b.facts.items()} or any(
            (f.minimum, f.maximum, f.value_ids) != (b.facts[n].minimum, b.facts[n].maximum,
                                                     b.facts[n].value_ids)
            for n, f in a.facts.items()):
        return Equivalence(False, "the facts accepted changed: some office data is refused by "
                                  "one version only")
    shared = set(shared_nodes(a, b))
    differing = (set(a.nodes) | set(b.nodes)) - shared
    # a node whose own definition (or direct input) changed, as opposed to one that only reads
    # a changed node
    own = {n for n in differing if n not in a.nodes or n not in b.nodes
           or n in _directly_changed(a, b, n)}
    proven: list[str] = []
    for node_id in sorted(own):
        if node_id in a.nodes and node_id in b.nodes and node_equivalent(
                original, changed, node_id) is True:
            proven.append(node_id)
    remaining = own - set(proven)
    live_a = [o for o in a.outcomes if o not in constant_outcomes(original)]
    live_b = [o for o in b.outcomes if o not in constant_outcomes(changed)]
    # what only outcomes no office can select read decides nothing
    used = a.reaches(live_a) | b.reaches(live_b)
    remaining &= used
    order_ok = live_a == live_b
    swapped: list[tuple[str, str]] = []
    if not order_ok and sorted(live_a) == sorted(live_b):
        position = {o: i for i, o in enumerate(live_b)}
        swapped = [(x, y) for i, x in enumerate(live_a) for y in live_a[i + 1:]
                   if position[x] > position[y]]
        order_ok = all(outcomes_never_both(original, x, y) for x, y in swapped)
    if not remaining and order_ok and a.otherwise == b.otherwise:
        how = []
        if proven:
            how.append("same value for every input: " + ", ".join(proven))
        if own - set(proven) - remaining:
            how.append("changed rules decide no outcome: "
                       + ", ".join(sorted(own - set(proven) - remaining)))
        if a.outcomes != b.outcomes and live_a == live_b:
            how.append("the outcomes that moved can never be selected (an option fixes "
                       "them false)")
        if swapped:
            how.append("outcomes swapped never hold for one office: " + ", ".join(
                f"{x}/{y}" for x, y in swapped))
        return Equivalence(True, "; ".join(how) or "no change that can move a verdict")
    return Equivalence(None, "not shown equivalent: " + (
        ", ".join(sorted(remaining)) if remaining else "the order of outcomes changed"))


def _directly_changed(a: Structure, b: Structure, node_id: str) -> set[str]:
    """``{node_id}`` when what the node reads besides other nodes differs between versions."""
    for name in set(a.direct_names(node_id)) | set(b.direct_names(node_id)):
        kinds = a.kind_of(name), b.kind_of(name)
        if kinds[0] != kinds[1]:
            return {node_id}
        if kinds[0] == "option" and a.options[name] != b.options[name]:
            return {node_id}
        if kinds[0] == "derived" and to_text(a.derived[name].expr) != to_text(
                b.derived[name].expr):
            return {node_id}
    node_a, node_b = a.nodes[node_id], b.nodes[node_id]
    if node_a != node_b:
        return {node_id}
    return set()

