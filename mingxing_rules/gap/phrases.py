"""The words of a gap: each change, item, fact to provide and note in Chinese and English.

Offices of one population propose many of the same changes (raise the floor area to 200 m²,
add the missing functional areas), so the texts of an item are kept with the plan
(:attr:`~.static.GapPlan.texts`) under a key that tells apart every value the words show
(``1``, ``1.0`` and ``True``; ``0.0`` and ``-0.0``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from ..explain import Wording
from ..ruleset.model import Text
from .model import Change, GapItem, ItemWords
from .static import TEXT_CACHE_SIZE, GapPlan, exact_key

__all__ = [
    "item_words",
    "note",
    "provide_text",
    "requirement_text",
    "unreachable_note",
    "wording",
]


_LANGS = ("zh", "en")


def _value(gp: GapPlan, w: Wording, name: str, value: Any, distinct_from: Any = None) -> str:
    """``w.value(name, value, distinct_from=...)``, kept with the plan."""
    key = ("value", w.lang, name, exact_key((value, distinct_from)))
    found: str | None = gp.texts.get(key)
    if found is None:
        found = w.value(name, value, distinct_from=distinct_from)
        _remember(gp, key, found)
    return found


def _title(gp: GapPlan, w: Wording, name: str) -> str:
    """``w.fact_title(name)``, kept with the plan."""
    key = ("title", w.lang, name)
    found: str | None = gp.texts.get(key)
    if found is None:
        found = w.fact_title(name)
        _remember(gp, key, found)
    return found


def _change_key(change: Change) -> tuple[Any, ...]:
    return (change, exact_key((change.current, change.required, change.delta,
                               change.via_before, change.via_after)))


def _remember(gp: GapPlan, key: Any, value: Any) -> None:
    if len(gp.texts) >= TEXT_CACHE_SIZE:
        gp.texts.clear()
    gp.texts[key] = value


def wording(gp: GapPlan) -> Callable[[GapItem], ItemWords]:
    """What words the items of analyses of ``gp`` (see :class:`~.model.GapItem`)."""
    return functools.partial(_words_of, gp)


def _words_of(gp: GapPlan, item: GapItem) -> ItemWords:
    return item_words(gp, item.title, item.clause, item.change, item.alternatives, item.knock_on)


def item_words(gp: GapPlan, title: Text, clause: str, change: Change,
               alternatives: tuple[Change, ...], knock_on: bool) -> ItemWords:
    """The item as one sentence, its table cells, and its alternatives, in both languages."""
    key = ("item", title, clause, _change_key(change),
           tuple(_change_key(a) for a in alternatives), knock_on)
    found: ItemWords | None = gp.texts.get(key)
    if found is None:
        found = (Text(*(_item_text(gp, lang, title, clause, change, alternatives, knock_on)
                        for lang in _LANGS)),
                 _columns(gp, change), _alternatives_text(gp, alternatives))
        _remember(gp, key, found)
    return found


def _change_text(gp: GapPlan, lang: str, change: Change) -> str:
    key = ("change", lang, _change_key(change))
    found: str | None = gp.texts.get(key)
    if found is None:
        found = _word_change(gp, gp.words[lang], change)
        _remember(gp, key, found)
    return found


def _word_change(gp: GapPlan, w: Wording, change: Change) -> str:
    name = change.fact
    fact = gp.fact_specs[name]
    title = _title(gp, w, name)
    if change.kind == "number":
        delta = _signed(gp, w, name, change.delta)
        current = _value(gp, w, name, change.current)
        required = _value(gp, w, name, change.required)
        down = isinstance(change.delta, int | float) and change.delta < 0
        amount = _value(gp, w, name, abs(change.delta)) if isinstance(
            change.delta, int | float) else ""
        if change.via:
            return w.message("gap.change.rate.down" if down else "gap.change.rate",
                             fact=title, current=current, amount=amount,
                             required=required, delta=delta, rate=_title(gp, w, change.via),
                             rate_before=_value(gp, w, change.via, change.via_before,
                                                change.via_after),
                             rate_after=_value(gp, w, change.via, change.via_after))
        return w.message("gap.change.number.down" if down else "gap.change.number",
                         fact=title, current=current, required=required, delta=delta,
                         amount=amount)
    if change.kind in ("true", "false"):
        key = "gap.change.finding" if fact.type == "finding" and change.kind == "true" else (
            f"gap.change.{change.kind}")
        return w.message(key, fact=title)
    if change.kind in ("add", "remove"):
        items = w.join(w.choice(name, str(v)) for v in change.delta or ())
        return w.message(f"gap.change.{change.kind}", fact=title, items=items)
    if change.kind == "enum":
        return w.message("gap.change.enum", fact=title, current=_value(gp, w, name, change.current),
                         required=_value(gp, w, name, change.required))
    if change.kind == "date":
        later = (isinstance(change.current, str) and isinstance(change.required, str)
                 and change.required > change.current)
        key = "gap.change.date_after" if later else "gap.change.date"
        return w.message(key, fact=title, current=_value(gp, w, name, change.current),
                         required=_value(gp, w, name, change.required))
    return w.message("gap.change.other", fact=title, current=_value(gp, w, name, change.current),
                     required=_value(gp, w, name, change.required))


def _columns(gp: GapPlan, change: Change) -> tuple[Text, ...]:
    """The fact, its value now, the value required and the change, in both languages."""
    cells: list[list[str]] = [[], [], [], []]
    for lang in _LANGS:
        w = gp.words[lang]
        name = change.fact
        if change.kind == "number":
            delta = _signed(gp, w, name, change.delta)
        elif change.kind in ("add", "remove"):
            sign = "+" if change.kind == "add" else "-"
            delta = w.join(sign + w.choice(name, str(v)) for v in change.delta or ())
        else:
            delta = ""
        for index, value in enumerate((_title(gp, w, name), _value(gp, w, name, change.current),
                                       _value(gp, w, name, change.required), delta)):
            cells[index].append(value)
    return tuple(Text(zh, en) for zh, en in cells)


def _alternatives_text(gp: GapPlan, alternatives: tuple[Change, ...]) -> Text | None:
    if not alternatives:
        return None
    return Text(*(gp.words[lang].message("gap.alternatives", alternatives=gp.words[lang].join(
        (_change_text(gp, lang, a) for a in alternatives), "or")) for lang in _LANGS))


def _item_text(gp: GapPlan, lang: str, title: Text, clause: str, change: Change,
               alternatives: tuple[Change, ...], knock_on: bool) -> str:
    w = gp.words[lang]
    text = w.message("gap.item", title=title.get(lang), clause=clause or "—",
                     change=_change_text(gp, lang, change))
    if alternatives:
        text += w.message("reads.sep") + w.message("gap.alternatives", alternatives=w.join(
            (_change_text(gp, lang, a) for a in alternatives), "or"))
    if knock_on:
        text += w.message("reads.sep") + w.message("gap.knock_on")
    return text


def provide_text(gp: GapPlan, name: str, steps: tuple[str, ...],
                 requirement: Text | None) -> Text:
    """``name`` is missing: what it must be (when known) and which criteria need it."""
    key = ("provide", name, steps, requirement)
    found: Text | None = gp.texts.get(key)
    if found is None:
        found = Text(*(_provide_text(gp, lang, name, steps, requirement) for lang in _LANGS))
        _remember(gp, key, found)
    return found


def _provide_text(gp: GapPlan, lang: str, name: str, steps: tuple[str, ...],
                  requirement: Text | None) -> str:
    w = gp.words[lang]
    criteria = w.join(gp.node_specs[s].title.get(lang) for s in steps)
    if requirement is not None:
        return w.message("gap.provide.requirement", fact=w.fact_title(name),
                         requirement=requirement.get(lang), criteria=criteria)
    return w.message("gap.provide", fact=w.fact_title(name), criteria=criteria)


def requirement_text(gp: GapPlan, name: str, op: str, required: Any) -> Text:
    """``at least 200 m²`` (``op`` ``>=``), ``200 m²`` (``==`` and any other)."""
    texts = []
    for lang in _LANGS:
        w = gp.words[lang]
        key = f"gap.requirement.{op}"
        if not w.has(key):
            key = "gap.requirement.=="
        texts.append(w.message(key, threshold=w.value(name, required)))
    return Text(*texts)


def note(gp: GapPlan, key: str, outcome_id: str, target: str) -> Text:
    """A note naming an outcome that decides before ``target`` (``gap.already``,
    ``gap.blocked``)."""
    memo_key = ("note", key, outcome_id, target)
    found: Text | None = gp.texts.get(memo_key)
    if found is None:
        node = gp.node_specs[outcome_id]
        target_node = gp.node_specs[target]
        found = Text(*(gp.words[lang].message(
            key, outcome_title=node.title.get(lang), outcome=outcome_id,
            clause=node.clause or "—", target_title=target_node.title.get(lang))
            for lang in _LANGS))
        _remember(gp, memo_key, found)
    return found


def unreachable_note(gp: GapPlan, steps: Iterable[str]) -> Text:
    """The criteria no single change of one fact can meet."""
    ids = list(steps)
    return Text(*(gp.words[lang].message("gap.unreachable", criteria=gp.words[lang].join(
        gp.node_specs[s].title.get(lang) for s in ids)) for lang in _LANGS))


def _signed(gp: GapPlan, w: Wording, name: str, delta: Any) -> str:
    if not isinstance(delta, int | float):
        return ""
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return sign + _value(gp, w, name, abs(delta))
