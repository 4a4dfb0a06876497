"""The durable_rules backend: the same compiled rulesets, decided by a Rete engine.

A compiled ruleset is translated, once per process, into durable_rules' JSON ruleset format;
every evaluation then runs in a fresh durable_rules session that is deleted afterwards. The Rete
network does the deciding: it matches every criterion against the office's facts (a *pass*, a
complementary *fail*, an *unknown* and, with ``applies_if``, a *not applicable* rule per
criterion), and chains the results upward: each rule's action posts a result fact, and the
standards, groups, rules and decision outcomes are join rules over those result facts. The row
it produces has the same layout as :meth:`CompiledProgram.full`, so verdicts and traces are built
by the same :func:`~mingxing_rules.engine.evaluate.verdict_from_row`.

What runs outside the Rete network (the *pre-pass*, plain Python with its own arithmetic):
derived values and any sub-expression the engine cannot express (see :func:`translate`,
reported by ``mingxing check --backend durable``). Their results are compared inside the network.

The modules, in the order a run goes through them:

* :mod:`.prepass` — the independent three-valued evaluator (derived values, outside terms);
* :mod:`.formulas` — alpha tests, joins and the true/false/unknown triple of a condition;
* :mod:`.conditions` — a condition translated into formulas (an ``ExprVisitor``);
* :mod:`.network` — :func:`translate`: node plans, strata, buckets, events, JSON rules, guards;
* :mod:`.model` — the plain data of a :class:`Translation`; :mod:`.problems` — what it reports
  (``D000``–``D003`` of ``mingxing check --backend durable``); :mod:`.codes` — result codes and
  the engine's limits; :mod:`.jsontext` — numbers and JSON as durable_rules reads them;
* :mod:`.encode` — an office as events; :mod:`.host` — the engine, sessions and firings
  (:mod:`.results`); :mod:`.backend` — :class:`DurableBackend`.

Every known trap of durable_rules 2.0.28 is guarded; ``docs/backends.md`` lists them with the
test that would catch each one.
"""

from __future__ import annotations

from .backend import DurableBackend, durable_ruleset
from .codes import (
    FAIL,
    MAX_ALPHA_FANOUT,
    MAX_EVENT_PROPERTIES,
    MAX_JOIN,
    MAX_LIVE_SESSIONS,
    NOT_APPLICABLE,
    PARTITION_PATHS,
    PASS,
    UNKNOWN,
)
from .encode import encode_office
from .host import DurableHost, DurableRuleset, host
from .jsontext import dump_json, number_text
from .model import Translation
from .network import guard_definition, rule_patterns, translate
from .problems import OutsideNote, UnsupportedNote, unavailable_message
from .results import DurableRun, Firing

__all__ = [
    "FAIL",
    "MAX_ALPHA_FANOUT",
    "MAX_EVENT_PROPERTIES",
    "MAX_JOIN",
    "MAX_LIVE_SESSIONS",
    "NOT_APPLICABLE",
    "PARTITION_PATHS",
    "PASS",
    "UNKNOWN",
    "DurableBackend",
    "DurableHost",
    "DurableRuleset",
    "DurableRun",
    "Firing",
    "OutsideNote",
    "Translation",
    "UnsupportedNote",
    "dump_json",
    "durable_ruleset",
    "encode_office",
    "guard_definition",
    "host",
    "number_text",
    "rule_patterns",
    "translate",
    "unavailable_message",
]
