"""``backend="durable"``: a compiled program translated once, each office run in the host."""

from __future__ import annotations

from typing import Any

from ...compile.codegen import CompiledProgram
from ...engine.office import Office
from .host import DurableRuleset, host
from .network import translate
from .results import DurableRun

__all__ = ["DurableBackend", "durable_ruleset"]

# translations per compiled program; the programs are kept alive with them (few per process)
_TRANSLATIONS: dict[int, tuple[CompiledProgram, DurableRuleset]] = {}
_MAX_CACHED = 256


def durable_ruleset(program: CompiledProgram) -> DurableRuleset:
    """The registered durable_rules ruleset for a compiled program (translated once)."""
    cached = _TRANSLATIONS.get(id(program))
    if cached is not None and cached[0] is program:
        return cached[1]
    engine_host = host()
    with engine_host.lock:
        cached = _TRANSLATIONS.get(id(program))
        if cached is not None and cached[0] is program:
            return cached[1]
        registered = engine_host.register(translate(program))
        if len(_TRANSLATIONS) >= _MAX_CACHED:
            _TRANSLATIONS.pop(next(iter(_TRANSLATIONS)))
        _TRANSLATIONS[id(program)] = (program, registered)
        return registered


class DurableBackend:
    """``backend="durable"``: the Rete engine of durable_rules decides every node."""

    name = "durable"

    def row(self, program: CompiledProgram, office: Office) -> tuple[Any, ...]:
        return host().run(durable_ruleset(program), office).row

    def run(self, program: CompiledProgram, office: Office) -> DurableRun:
        """The row plus every rule firing (the "why" and "why not" as the engine saw them)."""
        return host().run(durable_ruleset(program), office, record=True)
