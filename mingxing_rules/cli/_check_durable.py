"""What the durable backend cannot do with a ruleset: ``mingxing check --backend durable``.

The translation to durable_rules needs no engine, so this works where durable_rules is not
installed (it then also says so). Codes:

* ``D000`` (warning): durable_rules cannot be imported here, so ``--backend durable`` fails;
* ``D001`` (warning): part of a condition is evaluated outside the Rete network, in the Python
  pre-pass (its result is still matched in the network);
* ``D002`` (info, only with ``include_derived``): a derived value is computed in the pre-pass,
  as every derived value is (durable_rules has no arithmetic on the left of a comparison);
* ``D003`` (error): the condition cannot run on durable_rules at all; evaluating the ruleset with
  ``backend="durable"`` is refused.

>>> from mingxing_rules import load_ruleset
>>> [p for p in durable_problems(load_ruleset("star-judicial-office")) if p.code != "D000"]
[]
"""

from __future__ import annotations

import attrs

from ..compile.codegen import CompiledProgram
from ..errors import RulesetProblem
from ..ruleset.load import Ruleset

__all__ = ["durable_problems"]


def durable_problems(ruleset: Ruleset | CompiledProgram, *, include_derived: bool = False
                     ) -> list[RulesetProblem]:
    """Problems of ``ruleset`` for the durable backend (empty: everything runs in the network)."""
    from ..backends import availability
    from ..backends.durable import translate

    program = ruleset.program if isinstance(ruleset, Ruleset) else ruleset
    translation = translate(program)
    problems: list[RulesetProblem] = []
    available, detail = availability()
    if not available:
        problems.append(RulesetProblem("D000", detail, severity="warning"))
    for note in translation.outside:
        if note.derived and not include_derived:
            continue
        location = attrs.evolve(note.location, rule_id=note.node_id)
        if note.derived:
            problems.append(RulesetProblem(
                "D002", f"derived value {note.node_id} = {note.text} is computed outside the Rete "
                "network (Python pre-pass); comparisons with it are matched in the network",
                location, severity="info", token=note.node_id))
        else:
            problems.append(RulesetProblem(
                "D001", f"{note.text!r} is evaluated outside the Rete network (Python pre-pass): "
                f"{note.reason}; its result is matched in the network",
                location, severity="warning", token=note.text))
    for unsupported in translation.unsupported:
        location = attrs.evolve(unsupported.location, rule_id=unsupported.node_id)
        problems.append(RulesetProblem(
            "D003", f"cannot run on durable_rules: {unsupported.message}", location,
            severity="error", token=unsupported.node_id))
    return problems
