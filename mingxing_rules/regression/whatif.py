"""What-if: the verdict after changing some facts, and which steps of the trace flipped.

>>> import json
>>> from pathlib import Path
>>> from mingxing_rules import load_ruleset
>>> ruleset = load_ruleset("star-judicial-office")
>>> office = json.loads(Path("examples/offices/near-miss-floor-area.json").read_text("utf-8"))
>>> result = what_if(office, ruleset, floor_area_m2=200)
>>> result.before.outcome, result.after.outcome
('NOT_ELIGIBLE', 'STAR')
>>> [(flip.id, flip.before.value, flip.after.value) for flip in result.flipped][:3]
[('workplace', 'fail', 'pass'), ('s01_premises', 'fail', 'pass'), ('floor_area', 'fail', 'pass')]

A change to ``None`` removes the fact (it becomes unknown). Changes are validated like any office
data: an unknown fact name or a bad value raises :class:`~mingxing_rules.errors.InputError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from ..engine.evaluate import evaluate
from ..engine.office import Office
from ..engine.trace import Status, Verdict
from ..explain import Wording, check_lang_and_format, ruleset_spec_of, write
from ..explain.reasons import adverse_steps, shown_status
from ..explain.report import Document, Line, Mark, Section
from ..gap import office_from_verdict
from ..jsonio import JsonMixin, text_from, tuples
from ..ruleset.load import Ruleset, load_ruleset
from ..ruleset.model import Text
from ..types import Format, Lang

__all__ = ["Flip", "WhatIf", "what_if", "whatif_document"]


@attrs.frozen
class Flip:
    """A step whose status differs between the two verdicts."""

    id: str
    kind: str
    clause: str
    title: Text | None
    before: Status
    after: Status


@attrs.frozen(eq=False, repr=False)
class WhatIf(JsonMixin):
    """Two verdicts of the same office, before and after ``changes``, and the steps that flipped."""

    changes: tuple[tuple[str, Any], ...]
    before: Verdict
    after: Verdict
    flipped: tuple[Flip, ...]

    @property
    def outcome_changed(self) -> bool:
        return self.before.outcome != self.after.outcome

    def __repr__(self) -> str:
        changes = ", ".join(f"{k}={v!r}" for k, v in self.changes)
        return (f"<WhatIf {self.before.office_id} ({changes}): {self.before.outcome} -> "
                f"{self.after.outcome}, {len(self.flipped)} steps flipped>")

    def explain(self, lang: Lang = "en", fmt: Format = "text", *, standalone: bool = False
                ) -> str:
        """The difference as ``text``, ``md`` or ``html`` (``json``: :meth:`to_dict`);
        ``standalone`` HTML is a whole page for files."""
        return _render(self, lang, fmt, standalone)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": {k: list(v) if isinstance(v, tuple) else v for k, v in self.changes},
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "flipped": [{"id": f.id, "kind": f.kind, "clause": f.clause,
                         "title": {"zh": f.title.zh, "en": f.title.en} if f.title else None,
                         "before": f.before.value, "after": f.after.value}
                        for f in self.flipped],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WhatIf:
        """The result back from :meth:`to_dict`."""
        return cls(
            changes=tuple((k, tuples(v)) for k, v in data["changes"].items()),
            before=Verdict.from_dict(data["before"]),
            after=Verdict.from_dict(data["after"]),
            flipped=tuple(Flip(f["id"], f["kind"], f["clause"], text_from(f.get("title")),
                               Status(f["before"]), Status(f["after"]))
                          for f in data["flipped"]),
        )

    def _repr_html_(self) -> str:
        return _render(self, "en", "html")


def _office_data(office: Mapping[str, Any] | Office | Verdict) -> dict[str, Any]:
    if isinstance(office, Verdict):
        return office_from_verdict(office)
    if isinstance(office, Office):
        return office.to_dict()
    return dict(office)


def what_if(office: Mapping[str, Any] | Office | Verdict, ruleset: Ruleset | str | None = None,
            changes: Mapping[str, Any] | None = None, /, **more_changes: Any) -> WhatIf:
    """Evaluate ``office`` as it is and with the changes, and list the steps whose status
    changed, in trace order.

    The changes are a mapping (``what_if(office, ruleset, {"floor_area_m2": 250})``) and/or
    keywords (``what_if(office, ruleset, floor_area_m2=250)``): fact name = new value; ``None``
    removes the fact. The first three arguments are positional, so a fact may have any name."""
    changes = {**(changes or {}), **more_changes}
    if isinstance(ruleset, Ruleset):
        compiled = ruleset
    elif ruleset is None and isinstance(office, Verdict):
        compiled = load_ruleset(office.ruleset_id, options=dict(office.options))
    else:
        compiled = load_ruleset(ruleset or "star-judicial-office")
    data = _office_data(office)
    before = evaluate(data, compiled)
    changed = dict(data)
    for name, value in changes.items():
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    after = evaluate(changed, compiled)
    flipped = tuple(
        Flip(old.id, old.kind, old.clause, old.title, old.status, new.status)
        for old, new in zip(before.trace, after.trace, strict=True)
        if old.status is not new.status
    )
    frozen = tuple((k, tuple(v) if isinstance(v, list | set | frozenset) else v)
                   for k, v in changes.items())
    return WhatIf(frozen, before, after, flipped)


def _label(verdict: Verdict, w: Wording) -> str:
    if not verdict.decided:
        return w.message("outcome.short", title=w.message("outcome.undecided"),
                         outcome=verdict.outcome)
    return w.message("outcome.short", title=w.outcome_title(verdict.outcome,
                                                             verdict.outcome_title),
                     outcome=verdict.outcome)


def whatif_document(result: WhatIf, lang: str) -> Document:
    """``result`` as a document of the shared report model: the changes, the verdict before and
    after, and each step that flipped with its marks. Marks follow the office's interest: a
    ground for revocation that stops holding goes ✗ → ✓, never the other way round."""
    spec = ruleset_spec_of(result.before)
    w = Wording(lang, spec)
    adverse = adverse_steps(spec)
    shown = w.join(
        w.message("whatif.change", fact=w.fact_title(name), value=w.value(name, value))
        if value is not None else w.message("whatif.change.removed", fact=w.fact_title(name))
        for name, value in result.changes)
    title = w.message("whatif.title", changes=shown)
    if result.outcome_changed:
        outcome = w.message("whatif.outcome", before=_label(result.before, w),
                            after=_label(result.after, w))
    else:
        outcome = w.message("whatif.same", outcome=_label(result.after, w))
    lines = []
    for flip in result.flipped:
        if flip.kind == "derived":
            continue
        marks = tuple(Mark(w.mark(s), s.value) for s in (
            shown_status(flip.id, flip.before, adverse), shown_status(flip.id, flip.after,
                                                                     adverse)))
        text = w.message("whatif.flip", title=w.text(flip.title, flip.id),
                         clause=w.clause(flip.clause), before=w.status(flip.before, flip.kind),
                         after=w.status(flip.after, flip.kind))
        lines.append(Line(text, marks, clause=w.clause(flip.clause)))
    section = Section(w.message("whatif.flipped"), lines=tuple(lines),
                      paragraphs=() if lines else (w.message("whatif.none"),))
    badge = _label(result.after, w)
    return Document(lang=lang, title=title, summary=(outcome,), sections=(section,),
                    badge=badge, tone=result.after.effect or "undecided")


def _render(result: WhatIf, lang: str, fmt: str, standalone: bool = False) -> str:
    check_lang_and_format(lang, fmt)
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return write(whatif_document(result, lang), fmt, standalone=standalone)
