"""Gap analysis: what an office must change to reach a verdict.

:mod:`.solver` finds the changes (the data model :class:`Gap` and :func:`gap`); :mod:`.report`
words them as a document of the shared report model (:func:`render_gap`).
"""

from __future__ import annotations

from .report import gap_document, render_gap
from .solver import Change, Gap, GapGroup, GapItem, Provide, gap, office_from_verdict

__all__ = ["Change", "Gap", "GapGroup", "GapItem", "Provide", "gap", "gap_document",
           "office_from_verdict", "render_gap"]
