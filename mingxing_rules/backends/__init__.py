"""Second engines behind the same compiled rulesets: ``durable`` and ``verified``.

``evaluate(office, ruleset, backend="durable")`` decides on durable_rules' Rete engine;
``backend="verified"`` runs the native evaluator *and* durable_rules and raises
:class:`~mingxing_rules.errors.BackendMismatchError` if their verdicts or traces differ.
Both need durable_rules 2.0.28, which builds from source and does not import on Python 3.13+;
:func:`availability` says whether it is usable here, and :func:`install` registers both backends
or raises :class:`~mingxing_rules.errors.BackendUnavailableError` with the reason.
"""

from __future__ import annotations

import importlib

from ..errors import BackendUnavailableError

__all__ = ["availability", "install"]


def availability() -> tuple[bool, str]:
    """``(True, version)`` if the durable backend can run here, else ``(False, why not)``."""
    try:
        importlib.import_module("durable_rules_engine")
    except ImportError as exc:  # not installed, or built but not importable (Python 3.13+)
        from .durable import unavailable_message

        return False, unavailable_message(exc)
    try:
        from importlib.metadata import version

        return True, f"durable_rules {version('durable_rules')}"
    except Exception:  # pragma: no cover - metadata missing in odd installs
        return True, "durable_rules"


def install() -> None:
    """Register the ``durable`` and ``verified`` backends, or say why they cannot run."""
    available, detail = availability()
    if not available:
        raise BackendUnavailableError(detail)
    from ..engine.evaluate import register_backend
    from .durable import DurableBackend
    from .verified import VerifiedBackend

    durable = DurableBackend()
    register_backend(durable)
    register_backend(VerifiedBackend(secondary=durable))
