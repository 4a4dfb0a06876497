"""Stage 4: evaluate offices against a compiled ruleset.

>>> from mingxing_rules import evaluate, load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> verdict = evaluate({"id": "demo", "honours": ["five_good"], "holds_star_title": False,
...                     "major_problem": False, "office_kind": "township"}, ruleset)
>>> verdict.outcome
'DIRECT_PROMOTION'
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from ..compile.codegen import NA, CompiledProgram
from ..errors import BackendUnavailableError
from ..history import ruleset_in_force
from ..ruleset.load import Ruleset, load_ruleset
from ..types import BackendName, ExtraFacts, OutcomeId
from .office import Office
from .trace import Trace, Verdict

__all__ = ["Backend", "decide", "evaluate", "get_backend", "register_backend", "verdict_from_row"]


class Backend(Protocol):
    """Something that computes the trace row of a compiled ruleset for one office."""

    name: str

    def row(self, program: CompiledProgram, office: Office) -> tuple[Any, ...]:
        """Every derived value and rule outcome, in ``program.layout`` order."""
        ...


class NativeBackend:
    """The compiled Python functions."""

    name = "native"

    def row(self, program: CompiledProgram, office: Office) -> tuple[Any, ...]:
        return program.full(office.facts)


_BACKENDS: dict[str, Backend] = {"native": NativeBackend()}


def register_backend(backend: Backend) -> None:
    """Make a backend selectable by name in :func:`evaluate`."""
    _BACKENDS[backend.name] = backend


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (``native``, ``durable``, ``verified``)."""
    if name not in _BACKENDS and name in ("durable", "verified"):
        from .. import backends  # registers them, or says why it cannot

        backends.install()
    try:
        return _BACKENDS[name]
    except KeyError:
        raise BackendUnavailableError(
            f"unknown backend {name!r}; available: {', '.join(sorted(_BACKENDS))}"
        ) from None


def _missing_facts(program: CompiledProgram, row: tuple[Any, ...], office: Office,
                   start: tuple[str, ...]) -> tuple[str, ...]:
    """Facts, not provided, read by the unknown steps the undecided outcomes depend on."""
    return program.plan.missing_facts(row, office.facts, start)


MAX_COMPLETIONS = 256


def _refine_undecided(program: CompiledProgram, office: Office, missing: tuple[str, ...],
                      possible: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(possible outcomes, missing facts)`` made exact where it is cheap to.

    The first-match scan over-approximates: with a Star holder's incident finding missing,
    both "revocation" and "retained" are possible but "Star by assessment" is not, because one
    of the first two always holds, and the procedure facts it also lists cannot matter. When
    the missing facts with a finite domain (boolean, finding, enum) have at most
    :data:`MAX_COMPLETIONS` combinations, each combination is evaluated: the outcomes reached
    are the possible ones, and a missing fact is kept only if changing it alone changes the
    result (facts of other types stay missing and are handled by the scan per combination).
    """
    facts = {f.name: f for f in program.spec.facts}
    finite: list[str] = []
    domains: list[tuple[Any, ...]] = []
    for name in missing:
        fact = facts.get(name)
        if fact is not None and fact.type in ("boolean", "finding"):
            finite.append(name)
            domains.append((True, False))
        elif fact is not None and fact.type == "enum":
            finite.append(name)
            domains.append(fact.value_ids)
    combinations = 1
    for domain in domains:
        combinations *= len(domain)
    if not finite or combinations > MAX_COMPLETIONS:
        return possible, missing
    order = [*program.spec.outcomes, program.spec.otherwise.id]
    reached: set[str] = set()
    results: dict[tuple[Any, ...], tuple[str, ...]] = {}
    other_missing: list[str] = []
    for values in itertools.product(*domains):
        completed = {**office.facts, **dict(zip(finite, values, strict=True))}
        position = program.fast(completed)
        if position == -2:
            row = program.full(completed)
            still = program.plan.decide(row).possible
            reached.update(still)
            results[values] = still
            partial = attrs.evolve(office, facts=completed)
            for name in _missing_facts(program, row, partial,
                                       tuple(o for o in still if o != order[-1])):
                if name not in other_missing:
                    other_missing.append(name)
        else:
            outcome = order[position] if position >= 0 else order[-1]
            reached.add(outcome)
            results[values] = (outcome,)
    relevant = []
    for index, name in enumerate(finite):
        if any(results[values] != results[(*values[:index], other, *values[index + 1:])]
               for values in results for other in domains[index] if other != values[index]):
            relevant.append(name)
    still_missing = tuple(n for n in missing if n in relevant or n in other_missing)
    return tuple(o for o in order if o in reached), still_missing or missing


def verdict_from_row(ruleset: Ruleset, office: Office, row: tuple[Any, ...],
                     backend: str = "native") -> Verdict:
    """Build the verdict for a computed row (shared by every backend)."""
    program = ruleset.program
    plan = program.plan
    decision = plan.decide(row)
    outcome, possible = decision.outcome, decision.possible
    spec = program.spec
    missing: tuple[str, ...] = ()
    effect: str | None = None
    title = None
    if outcome == "UNDECIDED":
        missing = _missing_facts(program, row, office,
                                 tuple(o for o in possible if o != spec.otherwise.id))
        possible, missing = _refine_undecided(program, office, missing, possible)
    elif outcome == spec.otherwise.id:
        effect, title = spec.otherwise.effect, spec.otherwise.title
    else:
        node = plan.node(outcome)
        effect, title = node.effect, node.title
    trace = Trace(program=program, row=row, values=office.facts, evidence=office.evidence,
                  selected=decision.roles)
    return Verdict(
        office_id=office.id,
        outcome=outcome,
        effect=effect,
        decided_by=decision.decided_by,
        possible_outcomes=possible,
        missing_facts=missing,
        trace=trace,
        ruleset_id=spec.id,
        ruleset_version=spec.version,
        options=program.options,
        office_name=office.name,
        outcome_title=title,
        backend=backend,
        ruleset_hash=ruleset.content_hash,
    )


def _dated_ruleset(office: Mapping[str, Any] | Office, ruleset: Ruleset | str | None,
                   on: dt.date | str) -> Ruleset:
    return ruleset_in_force(office, ruleset, on)[0]


def _ruleset(ruleset: Ruleset | str | None) -> Ruleset:
    if isinstance(ruleset, Ruleset):
        return ruleset
    return load_ruleset(ruleset or "star-judicial-office")


def evaluate(
    office: Mapping[str, Any] | Office,
    ruleset: Ruleset | str | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    backend: BackendName = "native",
    extra: ExtraFacts = "error",
    on: dt.date | str | None = None,
) -> Verdict:
    """Decide one office and return the :class:`Verdict` with its full trace.

    ``office`` is plain data (validated against the ruleset's fact schema; every bad field is
    reported at once in an :class:`~mingxing_rules.errors.InputError`) or an already validated
    :class:`~mingxing_rules.engine.office.Office`. ``ruleset`` is a :class:`Ruleset`, a path, or a
    bundled id (default: the Star Judicial Office ruleset). ``options`` sets interpretation
    options for this call (``{"revocation_mode": "automatic"}``; the ruleset is compiled once
    per set of options and cached). ``backend`` is ``"native"``,
    ``"durable"`` (durable_rules' Rete engine) or ``"verified"`` (both; raises
    :class:`~mingxing_rules.errors.BackendMismatchError` if they disagree).

    ``on`` judges the office by the version of ``ruleset`` in force on that date
    (``"YYYY-MM-DD"`` or a date), or on the office's own assessment date with
    ``on="assessment"`` (read from the fact the history declares; see docs/history.md).
    """
    compiled = _ruleset(ruleset) if on is None else _dated_ruleset(office, ruleset, on)
    if options:
        compiled = load_ruleset(compiled, options=options)
    parsed = compiled.parse_office(office, extra=extra)
    engine = get_backend(backend)
    row = engine.row(compiled.program, parsed)
    return verdict_from_row(compiled, parsed, row, engine.name)


def decide(office: Mapping[str, Any] | Office, ruleset: Ruleset | str | None = None
           ) -> OutcomeId:
    """Only the outcome id (or ``"UNDECIDED"``), computed by the short-circuit function.

    Use it where no explanation is needed (counting, screening); :func:`evaluate` gives the
    same outcome with the trace.
    """
    compiled = ruleset if isinstance(ruleset, Ruleset) else _ruleset(ruleset)
    position = compiled.program.fast(compiled.office_facts(office))
    if position >= 0:  # an outcome rule decided (the common case first)
        return compiled.spec.outcomes[position]
    return "UNDECIDED" if position == -2 else compiled.spec.otherwise.id


_ = NA  # re-exported for backends that need the marker
