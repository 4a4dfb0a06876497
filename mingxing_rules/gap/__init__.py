"""Gap analysis: what an office must change to reach a verdict.

:mod:`.solver` finds the changes (:func:`gap`; the search in :mod:`.analysis` and
:mod:`.candidates`, what depends only on the plan in :mod:`.static`); :mod:`.model` holds the
data (:class:`Gap`); :mod:`.phrases` words the items and :mod:`.report` the whole gap as a
document of the shared report model (:func:`render_gap`).
"""

from __future__ import annotations

from .model import Change, Gap, GapGroup, GapItem, Provide
from .report import gap_document, render_gap
from .solver import gap, office_from_verdict

__all__ = ["Change", "Gap", "GapGroup", "GapItem", "Provide", "gap", "gap_document",
           "office_from_verdict", "render_gap"]
