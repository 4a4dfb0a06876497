"""The host: one durable_rules engine per process, rulesets registered once, one session per run.

Every call into the engine's C code goes through :class:`DurableHost` under one lock, and every
session is deleted after its run, whatever happens (an interrupted run first drains its pending
activations: deleting a session with unstarted batched activations corrupts the engine's memory).
"""

from __future__ import annotations

import importlib
import itertools
import threading
from collections.abc import Mapping
from typing import Any

from ...engine.office import Office
from ...errors import BackendUnavailableError, EvaluationError
from .codes import ROW_VALUE, STATUS_NAMES
from .encode import encode_office
from .jsontext import dump_json
from .model import Translation
from .problems import unavailable_message
from .results import UNSET, DurableRun, Firing, check_decided, complete_row

__all__ = ["DurableHost", "DurableRuleset", "host"]


class DurableRuleset:
    """A translation registered with the process's durable_rules engine (built once)."""

    def __init__(self, translation: Translation, handle: int,
                 actions: Mapping[str, tuple[int, int, str | None]]) -> None:
        self.translation = translation
        self.handle = handle
        self.actions = actions

    @property
    def name(self) -> str:
        return self.translation.name

    def __repr__(self) -> str:
        return (f"<DurableRuleset {self.name}: {self.translation.rule_count} rules, "
                f"{self.translation.partitions} events per office>")


class DurableHost:
    """The process's durable_rules engine.

    Why not ``durable.engine.Host``: it starts two self-re-arming timer threads that race with
    synchronous calls; its ``register_rulesets`` pops ``run`` from the caller's definition; it
    writes numbers with ``json.dumps`` (``1e-05`` is a parse error for the engine); it swallows
    action exceptions into the session state; and on Python 3.12 every action warns about
    ``datetime.utcfromtimestamp``. This host drives the same C engine directly, resolves each
    rule's ``run`` name to its action once at registration (:meth:`get_action`), and serialises
    every call with one lock: the engine's C code has no locks of its own. So at most one
    session is live at a time, far below the 1,024 per ruleset the engine allows.
    """

    def __init__(self) -> None:
        try:
            engine = importlib.import_module("durable_rules_engine")
        except ImportError as exc:  # e.g. Python 3.13: undefined symbol PyEval_CallObject
            raise BackendUnavailableError(unavailable_message(exc)) from exc
        self._engine: Any = engine
        self._lock = threading.RLock()
        self._rulesets: dict[str, DurableRuleset] = {}
        self._sids = itertools.count(1)
        self._actions: dict[tuple[str, str], tuple[int, int, str | None]] = {}
        self.live_sessions = 0
        self.evaluations = 0

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def registered(self) -> tuple[str, ...]:
        """Names of the rulesets registered so far (never freed: durable_rules cannot)."""
        return tuple(self._rulesets)

    def get_action(self, ruleset: str, rule: str) -> tuple[int, int, str | None]:
        """The action bound to ``rule``: (row position, result code, result fact to post)."""
        return self._actions[(ruleset, rule)]

    def register(self, translation: Translation) -> DurableRuleset:
        """Create the ruleset in the engine once per process; later calls return the same one."""
        if translation.unsupported:
            first = translation.unsupported[0]
            raise EvaluationError(
                f"ruleset {translation.name.split('#')[0]} cannot run on durable_rules: "
                f"{first.node_id}: {first.message} (see `mingxing check --backend durable`)")
        with self._lock:
            found = self._rulesets.get(translation.name)
            if found is not None:
                return found
            definition = translation.definition  # a fresh copy: the stored text never changes
            if not definition:
                # every node is constant (e.g. it compares impossible dates, which are unknown):
                # nothing for the engine to do, and durable_rules crashes the process on an
                # empty ruleset, so it is never asked to create one
                registered = DurableRuleset(translation, -1, {})
                self._rulesets[translation.name] = registered
                return registered
            for rule_name, rule in definition.items():
                self._actions[(translation.name, rule_name)] = translation.actions[rule.pop("run")]
            try:
                handle = self._engine.create_ruleset(translation.name, dump_json(definition))
            except self._engine.error as exc:
                raise EvaluationError(f"durable_rules refused ruleset {translation.name}: "
                                      f"{exc}") from None
            actions = {rule: self.get_action(translation.name, rule) for rule in definition}
            registered = DurableRuleset(translation, handle, actions)
            self._rulesets[translation.name] = registered
            return registered

    def run(self, ruleset: DurableRuleset, office: Office, record: bool = False) -> DurableRun:
        """Evaluate one office in a fresh session, deleted afterwards whatever happens."""
        translation = ruleset.translation
        engine = self._engine
        handle = ruleset.handle
        actions = ruleset.actions
        row: list[Any] = [UNSET] * len(translation.row_ids)
        decided: dict[str, int] = {}
        firings: list[tuple[str, str, int, str, bool]] = []
        with self._lock:
            sid = str(next(self._sids))
            events, derived = encode_office(translation, office, sid)
            if handle == -1:  # no network (see register): the row is constants and derived
                self.evaluations += 1
                return DurableRun(complete_row(translation, row, derived), (), sid)
            state: int | None = None
            message: str | None = None
            finished = False
            self.live_sessions += 1
            try:
                code, state = engine.assert_facts(handle, events)
                if code != 0:  # every event is read: each node's rules cover every case
                    raise EvaluationError(f"durable_rules error {code} asserting office events")
                started = engine.start_action_for_state(handle, state)
                message = started[1] if started else None
                while message:
                    rule = message[2:message.index('"', 2)]  # {"<rule>": ...}: no JSON parse
                    action = actions.get(rule)
                    if action is None:  # pragma: no cover - every rule has its action
                        raise EvaluationError(f"no action registered for rule {rule!r}")
                    position, result, post = action
                    node_id = rule[:rule.rindex(":")]
                    previous = decided.get(node_id)
                    if previous is None:
                        decided[node_id] = result
                        if position >= 0:
                            row[position] = ROW_VALUE[result]
                        if post is not None:
                            posted = engine.assert_fact(handle, '{"sid":"' + sid + post)[0]
                            if posted != 0:  # every posted value is read by some rule
                                raise EvaluationError(
                                    f"durable_rules error {posted} posting {node_id}")
                    elif previous != result:
                        raise EvaluationError(
                            f"durable_rules decided {node_id} twice on office {office.id!r}: "
                            f"{STATUS_NAMES[previous]} then {STATUS_NAMES[result]}")
                    if record:
                        firings.append((rule, node_id, result, message, previous is not None))
                    message = engine.complete_and_start_action(handle, state)
                finished = True
            except self._engine.error as exc:
                raise EvaluationError(f"durable_rules failed on office {office.id!r}: "
                                      f"{exc}") from None
            finally:
                try:
                    if not finished:
                        self._abandon(handle, state, message)
                finally:
                    # every session is deleted: at most 1,024 may be live per ruleset
                    engine.delete_state(handle, sid)
                    self.live_sessions -= 1
            self.evaluations += 1
        completed = complete_row(translation, row, derived)
        check_decided(translation, completed, office.id)
        return DurableRun(completed, tuple(
            Firing(rule, node, STATUS_NAMES[code], text, duplicate)
            for rule, node, code, text, duplicate in firings), sid)

    def _abandon(self, handle: int, state: int | None, message: str | None) -> None:
        """Run the session's remaining activations without their actions.

        Deleting a session whose batched (``cap``) activations were never started corrupts the
        engine's memory (a crash at some later call), so an interrupted run drains them first.
        """
        engine = self._engine
        try:
            if state is None:  # the assert itself failed: find the session's pending actions
                started = engine.start_action(handle)
                if not started:
                    return
                state = started[2]
                message = started[1]
            elif message is None:
                started = engine.start_action_for_state(handle, state)
                message = started[1] if started else None
            while message:
                message = engine.complete_and_start_action(handle, state)
        except engine.error:  # pragma: no cover - nothing more can be done; delete anyway
            pass


_HOST: list[DurableHost] = []  # the one host of the process, once created
_HOST_LOCK = threading.Lock()


def host() -> DurableHost:
    """The process's :class:`DurableHost` (created on first use)."""
    with _HOST_LOCK:
        if not _HOST:
            _HOST.append(DurableHost())
        return _HOST[0]
