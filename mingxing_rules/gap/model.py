"""The data of a gap: the changes proposed (:class:`Change`), one per criterion not met
(:class:`GapItem`), grouped by standard (:class:`GapGroup`), the facts to provide
(:class:`Provide`) and the whole answer (:class:`Gap`), with its JSON form ``mingxing-gap/1``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from ..engine.office import Office
from ..jsonio import JsonMixin, text_from, tuples
from ..ruleset.model import Text
from ..types import Format, Lang
from .report import render_gap

__all__ = ["Change", "Gap", "GapGroup", "GapItem", "Provide"]


@attrs.frozen
class Change:
    """A proposed value for one fact.

    ``kind``: ``number`` (``delta`` is the signed difference), ``true``/``false`` (a boolean or a
    panel finding), ``enum``, ``add``/``remove`` (``delta`` lists the set items), ``date``.
    ``via`` names the derived rate the change moves, with its value before and after.
    """

    fact: str
    kind: str
    current: Any  # JSON form (sets as sorted tuples); None when not provided
    required: Any  # JSON form (sets as sorted tuples)
    delta: Any = None
    op: str = "=="  # how ``required`` is a requirement: ">=" means "at least"
    via: str | None = None
    via_before: Any = None
    via_after: Any = None
    cost: float = 1.0


#: the words of an item: its sentence, its table cells, and its alternatives (or None)
ItemWords = tuple[Text, tuple[Text, ...], "Text | None"]

_ITEM_FIELDS = ("step", "kind", "group", "clause", "title", "change", "alternatives", "knock_on",
                "text", "columns", "alternatives_text")


@attrs.frozen(eq=False, repr=False)
class GapItem:
    """One criterion (or procedural rule) that is not met, and the change that meets it.

    ``text``, ``columns`` and ``alternatives_text`` are its words in both languages. An item
    built by :func:`~mingxing_rules.gap.gap` words itself when one of them is first read
    (``words``: what words it), so that a gap read only for its changes does not pay for
    sentences; equality, hashing, ``repr`` and pickling see the words either way.
    """

    step: str
    kind: str  # criterion | rule
    group: str  # the standard (criteria) or the rule that needs it (procedure)
    clause: str
    title: Text
    change: Change
    alternatives: tuple[Change, ...] = ()
    knock_on: bool = False
    _text: Text = attrs.field(default=Text("", ""), alias="text")  # one sentence
    _columns: tuple[Text, ...] = attrs.field(default=(), alias="columns")  # for tables
    _alternatives_text: Text | None = attrs.field(default=None, alias="alternatives_text")
    _words: Callable[[GapItem], ItemWords] | None = attrs.field(
        default=None, alias="words", kw_only=True)

    def _worded(self) -> None:
        words = self._words
        if words is not None:
            text, columns, alternatives_text = words(self)
            object.__setattr__(self, "_text", text)
            object.__setattr__(self, "_columns", columns)
            object.__setattr__(self, "_alternatives_text", alternatives_text)
            object.__setattr__(self, "_words", None)

    @property
    def text(self) -> Text:
        """The whole item as one sentence."""
        self._worded()
        return self._text

    @property
    def columns(self) -> tuple[Text, ...]:
        """Fact, value now, value required, change: the cells of a table row."""
        self._worded()
        return self._columns

    @property
    def alternatives_text(self) -> Text | None:
        """``or instead: ...`` for tables (None without alternatives)."""
        self._worded()
        return self._alternatives_text

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _ITEM_FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, GapItem)
        return self._fields() == other._fields()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(
            _ITEM_FIELDS, self._fields(), strict=True))
        return f"GapItem({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_item, self._fields())


def _item(*fields: Any) -> GapItem:
    """A :class:`GapItem` from its fields in order, worded (for pickling)."""
    return GapItem(**dict(zip(_ITEM_FIELDS, fields, strict=True)))


@attrs.frozen
class GapGroup:
    """The items of one standard (or one procedural rule), in clause order."""

    id: str
    kind: str  # standard | procedure
    clause: str
    title: Text
    items: tuple[GapItem, ...]


@attrs.frozen
class Provide:
    """A fact that is missing, the steps that need it, and a value that would pass."""

    fact: str
    title: Text
    needed_for: tuple[str, ...]
    proposed: Any = None  # JSON form; None when no single value is known to pass
    requirement: Text | None = None
    text: Text = Text("", "")


@attrs.frozen(repr=False)
class Gap(JsonMixin):
    """What must change for an office to reach ``target`` (see the module documentation)."""

    office_id: str
    office_name: str | None
    target: str
    target_title: Text | None
    outcome: str
    outcome_title: Text | None
    reached: bool
    already: str | None
    blocked_by: str | None
    groups: tuple[GapGroup, ...]
    to_be_provided: tuple[Provide, ...]
    unresolved: tuple[str, ...]
    ruleset: str
    notes: tuple[Text, ...] = ()

    @property
    def items(self) -> tuple[GapItem, ...]:
        return tuple(item for group in self.groups for item in group.items)

    def __repr__(self) -> str:
        state = ("reached" if self.reached else f"{len(self.items)} changes, "
                 f"{len(self.to_be_provided)} facts to provide")
        extra = f", blocked by {self.blocked_by}" if self.blocked_by else (
            f", already {self.already}" if self.already else "")
        return f"<Gap {self.office_id} {self.outcome} -> {self.target}: {state}{extra}>"

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[GapItem]:
        return iter(self.items)

    @property
    def changes(self) -> dict[str, Any]:
        """The proposed value of every fact to change (JSON form)."""
        return {item.change.fact: item.change.required for item in self.items}

    @property
    def reachable(self) -> bool:
        """Whether applying the changes (and providing the missing facts) reaches the target."""
        return not self.unresolved and self.blocked_by is None and self.already is None

    def apply(self, office: Mapping[str, Any] | Office, *, provide: bool = False
              ) -> dict[str, Any]:
        """``office`` (plain data) with the proposed changes; ``provide=True`` also fills the
        missing facts with the passing values of :attr:`to_be_provided` where known."""
        data = office.to_dict() if isinstance(office, Office) else dict(office)
        for fact, value in self.changes.items():
            data[fact] = list(value) if isinstance(value, tuple) else value
        if provide:
            for entry in self.to_be_provided:
                if entry.proposed is not None and data.get(entry.fact) is None:
                    value = entry.proposed
                    data[entry.fact] = list(value) if isinstance(value, tuple) else value
        return data

    def explain(self, lang: Lang = "en", fmt: Format = "text", *, standalone: bool = False
                ) -> str:
        """The gap as text (``fmt``: ``text``, ``md``, ``html`` or ``json``)."""
        return render_gap(self, lang, fmt, standalone=standalone)

    def to_dict(self) -> dict[str, Any]:
        def text(value: Text | None) -> dict[str, str] | None:
            return {"zh": value.zh, "en": value.en} if value is not None else None

        def change(value: Change) -> dict[str, Any]:
            data = attrs.asdict(value)
            return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

        return {
            "format": "mingxing-gap/1",
            "office": {"id": self.office_id, "name": self.office_name},
            "ruleset": self.ruleset,
            "target": self.target,
            "target_title": text(self.target_title),
            "outcome": self.outcome,
            "outcome_title": text(self.outcome_title),
            "reached": self.reached,
            "already": self.already,
            "blocked_by": self.blocked_by,
            "groups": [{
                "id": g.id, "kind": g.kind, "clause": g.clause, "title": text(g.title),
                "items": [{
                    "step": i.step, "kind": i.kind, "clause": i.clause, "title": text(i.title),
                    "change": change(i.change),
                    "alternatives": [change(a) for a in i.alternatives],
                    "knock_on": i.knock_on, "text": text(i.text),
                    "columns": [text(c) for c in i.columns],
                    "alternatives_text": text(i.alternatives_text),
                } for i in g.items],
            } for g in self.groups],
            "to_be_provided": [{
                "fact": p.fact, "title": text(p.title), "needed_for": list(p.needed_for),
                "proposed": list(p.proposed) if isinstance(p.proposed, tuple) else p.proposed,
                "requirement": text(p.requirement), "text": text(p.text),
            } for p in self.to_be_provided],
            "unresolved": list(self.unresolved),
            "notes": [text(n) for n in self.notes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Gap:
        """The gap back from :meth:`to_dict` (format ``mingxing-gap/1``)."""
        def text(value: Any) -> Text:
            found = text_from(value)
            assert found is not None
            return found

        def change(value: Mapping[str, Any]) -> Change:
            return Change(**{k: tuples(v) for k, v in value.items()})

        return cls(
            office_id=data["office"]["id"], office_name=data["office"].get("name"),
            target=data["target"], target_title=text_from(data.get("target_title")),
            outcome=data["outcome"], outcome_title=text_from(data.get("outcome_title")),
            reached=data["reached"], already=data.get("already"),
            blocked_by=data.get("blocked_by"),
            groups=tuple(GapGroup(
                id=g["id"], kind=g["kind"], clause=g["clause"], title=text(g["title"]),
                items=tuple(GapItem(
                    step=i["step"], kind=i["kind"], group=g["id"], clause=i["clause"],
                    title=text(i["title"]), change=change(i["change"]),
                    alternatives=tuple(change(a) for a in i.get("alternatives", ())),
                    knock_on=i.get("knock_on", False), text=text(i["text"]),
                    columns=tuple(text(c) for c in i.get("columns", ())),
                    alternatives_text=text_from(i.get("alternatives_text")),
                ) for i in g["items"]),
            ) for g in data.get("groups", ())),
            to_be_provided=tuple(Provide(
                fact=p["fact"], title=text(p["title"]), needed_for=tuple(p["needed_for"]),
                proposed=tuples(p.get("proposed")), requirement=text_from(p.get("requirement")),
                text=text(p["text"]),
            ) for p in data.get("to_be_provided", ())),
            unresolved=tuple(data.get("unresolved", ())),
            ruleset=data["ruleset"],
            notes=tuple(text(n) for n in data.get("notes", ())),
        )

    def _repr_html_(self) -> str:
        return render_gap(self, "en", "html")
