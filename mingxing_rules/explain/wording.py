"""The vocabulary of one language: the message catalogue, titles, values with units and dates.

Every sentence a person reads comes from ``mingxing_rules/messages/{zh,en}.yaml`` (overridable key
by key in a ruleset's top-level ``messages:`` section). Chinese output is passed through
:func:`zh_typography` once, here, so that text the ruleset supplies (titles such as
``申报主体为乡镇(街道)司法所``, clause numbers such as ``四(一)1``) follows the conventions of a
justice bureau's documents (full-width punctuation, ``四（一）1``) without editing the ruleset.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..compile.codegen import resolve_options
from ..compile.plan import Plan, PlanNode, build_plan
from ..engine.trace import Status, Trace
from ..errors import MingxingError
from ..language.expr import Binary, ExprSyntaxError, Name, parse
from ..ruleset.messages import TemplateError, packaged_catalogue, parse_template
from ..ruleset.messages import render as render_template
from ..ruleset.model import DerivedSpec, FactSpec, RulesetSpec, Text
from ..types import Lang

if TYPE_CHECKING:
    from ..engine.trace import Reading, Verdict
    from ..ruleset.load import Ruleset

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Wording",
    "check_lang",
    "check_lang_and_format",
    "format_number",
    "office_label",
    "plan_of",
    "recorded_ratio",
    "ruleset_spec_of",
    "zh_typography",
]

LANGUAGES = ("zh", "en")
FORMATS = ("text", "md", "html", "json")

# Units whose numbers are shown scaled when the ruleset is not at hand (a verdict read back from
# JSON): a ratio 0.96 with unit "%" is 96 %.
_SCALE_OF_UNIT = {"%": 100.0, "‰": 1000.0}


def check_lang(lang: str) -> Lang:
    """``lang`` if it is one of :data:`LANGUAGES`, else :class:`ValueError`."""
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")


def check_lang_and_format(lang: str, fmt: str, formats: tuple[str, ...] = FORMATS) -> None:
    """The one check of a language and an output format, shared by every view."""
    check_lang(lang)
    if fmt not in formats:
        raise ValueError(f"fmt must be one of {', '.join(formats)}, not {fmt!r}")


# -- Chinese typography ---------------------------------------------------------------------------

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_PUNCT_AFTER_CJK = re.compile(f"(?<=[{_CJK}”）])([,;:?!])(?!\\d)")
_SPACE_CJK_NUMBER = re.compile(
    f"(?<=[{_CJK}])[ \u00a0]+(?=[0-9])|(?<=[0-9%‰])[ \u00a0]+(?=[{_CJK}])")


def zh_typography(text: str) -> str:
    """Chinese text in the conventions of ``zh-style.md``: full-width parentheses and
    punctuation around Chinese, no space between Chinese and numbers.

    >>> zh_typography("申报主体为乡镇(街道)司法所（四(一)1）")
    '申报主体为乡镇（街道）司法所（四（一）1）'
    >>> zh_typography("20 项标准中达到 19 项：a, b")
    '20项标准中达到19项：a, b'
    """
    # each rule below can only change a text holding one of its characters: most texts hold
    # none, and are returned without a regular expression being run (explanations typeset
    # every message, title and value they say)
    parens = "(" in text
    punct = "," in text or ";" in text or ":" in text or "?" in text or "!" in text
    space = " " in text or "\u00a0" in text
    if not (parens or punct or space) or not _CJK_CHAR.search(text):
        return text
    if parens:
        text = _paren_to_full(text)
    if punct:
        text = _PUNCT_AFTER_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1)], text)
    return _SPACE_CJK_NUMBER.sub("", text) if space else text


_PAREN = re.compile("[()]")


def _paren_to_full(text: str) -> str:
    """Half-width parentheses whose content or neighbours are Chinese become full-width."""
    out: list[str] | None = None
    stack: list[int] = []
    for found in _PAREN.finditer(text):
        index = found.start()
        if text[index] == "(":
            stack.append(index)
        elif stack:
            start = stack.pop()
            if _CJK_CHAR.search(text, start + 1, index) or (
                    start > 0 and _CJK_CHAR.match(text[start - 1])):
                if out is None:
                    out = list(text)
                out[start], out[index] = "（", "）"
    return text if out is None else "".join(out)


# -- the message catalogue -------------------------------------------------------------------------


def catalogue(lang: str) -> Mapping[str, str]:
    """The packaged message catalogue of ``lang`` (key → template)."""
    return packaged_catalogue(check_lang(lang))


def ruleset_spec_of(verdict: Verdict, ruleset: Ruleset | None = None) -> RulesetSpec | None:
    """The ruleset a verdict was decided under, if it can be found.

    In order: the ``ruleset`` given; the compiled program a lazily built trace still holds; the
    bundled ruleset with the verdict's id and version. ``None`` for a verdict read back from JSON
    whose ruleset is not bundled: explanations then fall back to fact names and plain units.
    """
    plan = plan_of(verdict, ruleset)
    return plan.spec if plan is not None else None


def _bundled_ruleset_of(verdict: Verdict, options: Mapping[str, Any] | None = None,
                        ) -> Ruleset | None:
    """The bundled ruleset with the verdict's id and version (with ``options``), for a
    verdict read back from JSON; ``None`` when there is none."""
    from ..ruleset.load import bundled_rulesets, load_ruleset  # lazy: loading is needed only here

    if verdict.ruleset_id not in bundled_rulesets():
        return None
    try:
        found = load_ruleset(verdict.ruleset_id, options=options)
    except MingxingError:  # pragma: no cover - the bundled rulesets load
        return None
    return found if found.version == verdict.ruleset_version else None


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class Wording:
    """The vocabulary of one language for one ruleset: messages, fact titles, values with units.

    >>> from mingxing_rules import load_ruleset
    >>> wording = Wording("zh", load_ruleset("star-judicial-office").spec)
    >>> wording.value("mediation_success_rate", 0.96)
    '96%'
    >>> wording.value("staff_count", 7)
    '7人'
    >>> wording.value("submitted_on", "2013-11-05")
    '2013年11月5日'
    >>> Wording("en").message("value.true")
    'yes'
    """

    def __init__(self, lang: str = "en", spec: RulesetSpec | None = None,
                 plan: Plan | None = None) -> None:
        self.lang = check_lang(lang)
        if spec is None and plan is not None:
            spec = plan.spec
        self.spec = spec
        self._plan = plan
        messages = dict(packaged_catalogue(lang))
        if spec is not None:
            for key, text in spec.messages.items():
                messages[key] = text.get(lang)
        self._messages = messages
        self._facts: dict[str, FactSpec] = {f.name: f for f in spec.facts} if spec else {}
        self._derived: dict[str, DerivedSpec] = {d.name: d for d in spec.derived} if spec else {}
        self._derived_names: frozenset[str] = frozenset(self._derived)
        # what depends only on the ruleset and the language, worded once per instance (a shared
        # instance, see :meth:`shared`, words it once per ruleset): typeset titles, clauses,
        # choices and the messages without placeholders
        self._texts: dict[int, tuple[Text, str]] = {}
        self._clauses: dict[str, str] = {}
        self._choices: dict[tuple[str, str], str] = {}
        self._fact_titles: dict[str, str] = {}
        self._headings: dict[tuple[int, str | None, str], tuple[Text | None, str]] = {}
        self._fixed: dict[str, str] = {}
        self._units: dict[tuple[str, bool], str] = {}
        self._fields: dict[str, frozenset[str]] = {}

    @classmethod
    def shared(cls, lang: str, spec: RulesetSpec | None = None,
               plan: Plan | None = None) -> Wording:
        """The wording of ``lang`` for a ruleset, built once per (language, ruleset, plan) and
        shared: what it words once (titles, clauses, choices, fixed messages) serves every
        later explanation. A fresh instance when no ruleset is known (:meth:`knowing` then
        learns from each trace)."""
        if spec is None and plan is not None:
            spec = plan.spec
        if spec is None:
            return cls(lang, None, plan)
        key = (lang, id(spec), id(plan))
        cached = _SHARED.get(key)
        if cached is not None and cached[0] is spec and cached[1] is plan:
            return cached[2]
        wording = cls(lang, spec, plan)
        if len(_SHARED) > 64:
            _SHARED.clear()
        _SHARED[key] = (spec, plan, wording)  # spec and plan kept: their ids are not reused
        return wording

    def knowing(self, trace: Trace) -> Wording:
        """Learn which names are derived values from a trace (for a verdict read back from JSON
        without its ruleset, so that a rate is scaled by its unit and a plain fact is not)."""
        if self.spec is None:
            self._derived_names = frozenset(s.id for s in trace if s.kind == "derived")
        return self

    # messages ------------------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self._messages

    def message(self, key: str, **params: Any) -> str:
        """The message ``key`` with its placeholders filled in (Chinese in bureau typography)."""
        if not params:
            fixed = self._fixed.get(key)
            if fixed is not None:
                return fixed
        try:
            template = self._messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in the {self.lang} catalogue") from None
        said = render_template(template, params)  # safe: no attributes
        if self.lang == "zh":
            said = zh_typography(said)
        if not params:
            self._fixed[key] = said
        return said

    def fields(self, key: str) -> frozenset[str]:
        """The placeholders message ``key`` fills in (empty when there is no such message):
        values are worded only for those."""
        found = self._fields.get(key)
        if found is None:
            template = self._messages.get(key)
            try:
                pieces = parse_template(template) if template is not None else ()
            except TemplateError:
                pieces = ()
            found = self._fields[key] = frozenset(f for _, f, _ in pieces if f is not None)
        return found

    def filler(self, key: str, field: str, **params: Any) -> Callable[[str], str] | None:
        """``message(key, **params, **{field: text})`` as a function of ``text``: the template
        filled in once with everything else, only ``text`` put in per call (and Chinese typeset
        as a whole, as :meth:`message` does). ``None`` when there is no such message, it cannot
        be filled in, or it formats ``field`` with a format spec.

        >>> w = Wording("zh")
        >>> fill = w.filler("criterion.fail.zero", "value", fact="缺编数", clause="四(三)17")
        >>> fill("2个")
        '缺编数2个，标准要求为零（四（三）17）'
        >>> fill("2个") == w.message("criterion.fail.zero", fact="缺编数", value="2个",
        ...                          clause="四(三)17")
        True
        """
        template = self._messages.get(key)
        if template is None:
            return None
        try:
            pieces = parse_template(template)
        except TemplateError:
            return None
        if any(name == field and spec for _, name, spec in pieces) or _HOLE in template or any(
                _HOLE in str(value) for value in params.values()):
            return None
        # filled in by render itself, the hole marking where the text goes
        segments = render_template(template, {**params, field: _HOLE}).split(_HOLE)
        typeset = zh_typography if self.lang == "zh" else None
        if len(segments) == 2:
            before, after = segments
            if typeset is None:
                return lambda text: before + text + after
            return lambda text: typeset(before + text + after)
        if typeset is None:
            return lambda text: text.join(segments)
        return lambda text: typeset(text.join(segments))

    def maybe(self, key: str, **params: Any) -> str | None:
        """The message ``key`` if the catalogue has it, else ``None``."""
        return self.message(key, **params) if key in self._messages else None

    def typeset(self, text: str) -> str:
        return zh_typography(text) if self.lang == "zh" else text

    def join(self, items: Iterable[str], how: str = "sep") -> str:
        """Items joined by the language's separator (``sep``), or ``or``/``and`` before the last."""
        parts = list(items)
        if how == "sep" or len(parts) < 2:
            return self.message("list.sep").join(parts)
        head = self.message("list.sep").join(parts[:-1])
        return head + self.message(f"list.{how}") + parts[-1]

    def text(self, text: Text | None, fallback: str = "") -> str:
        if text is None:
            return fallback
        cached = self._texts.get(id(text))
        if cached is not None and cached[0] is text:
            return cached[1]
        said = self.typeset(text.get(self.lang))
        if len(self._texts) > _WORDED_LIMIT:
            self._texts.clear()
        self._texts[id(text)] = (text, said)  # the text is kept: its id is not reused
        return said

    def clause(self, clause: str | None) -> str:
        if not clause:
            return "—"
        said = self._clauses.get(clause)
        if said is None:
            said = self.typeset(clause)
            if len(self._clauses) > _WORDED_LIMIT:
                self._clauses.clear()
            self._clauses[clause] = said
        return said

    def titled(self, title: Text | None, clause: str | None, fallback: str = "") -> str:
        """A heading of a standard or group with its clause (``办公用房（四（一）1）``,
        ``四(一)1 office premises``)."""
        key = (id(title), clause, fallback)
        cached = self._headings.get(key)
        if cached is not None and cached[0] is title:
            return cached[1]
        shown = self.text(title, fallback)
        if clause:
            shown = self.message("heading.titled", title=shown, clause=self.clause(clause))
        if len(self._headings) > _WORDED_LIMIT:
            self._headings.clear()
        self._headings[key] = (title, shown)  # the title is kept: its id is not reused
        return shown

    def mark(self, status: Status) -> str:
        return self.message(f"mark.{status.value}")

    def status(self, status: Status, kind: str = "criterion") -> str:
        """``met``/``not met`` for criteria, standards and groups; ``yes``/``no`` for rules and
        outcomes (a revocation ground that "is met" reads wrong)."""
        if kind in ("rule", "outcome"):
            return self.message(f"status.rule.{status.value}")
        return self.message(f"status.{status.value}")

    def outcome_title(self, outcome: str, title: Text | None) -> str:
        """An outcome as people name it (its id only when no title is known)."""
        if title is not None:
            return self.text(title)
        spec = self.spec
        if spec is not None:
            if spec.otherwise.id == outcome:
                return self.text(spec.otherwise.title)
            try:
                return self.text(spec.node(outcome).title)
            except KeyError:
                pass
        return outcome

    # facts and values ----------------------------------------------------------------------------
    @property
    def plan(self) -> Plan | None:
        """The plan given, or the plan of :attr:`spec` with default options (built once per
        ruleset); ``None`` without a ruleset."""
        if self._plan is None and self.spec is not None:
            self._plan = default_plan(self.spec)
        return self._plan

    def node(self, name: str) -> PlanNode | None:
        """The plan node ``name`` (thresholds, ratio parts, counted set), when the plan is known."""
        plan = self.plan
        if plan is None or name not in plan:
            return None
        return plan.node(name)

    def fact(self, name: str) -> FactSpec | None:
        return self._facts.get(name)

    def derived(self, name: str) -> DerivedSpec | None:
        return self._derived.get(name)

    def fact_title(self, name: str, trace: Trace | None = None) -> str:
        """The title of a fact or derived value (its name when the ruleset is not at hand)."""
        said = self._fact_titles.get(name)
        if said is not None:
            return said
        fact = self._facts.get(name)
        if fact is not None:
            said = self._fact_titles[name] = self.text(fact.title)
            return said
        derived = self._derived.get(name)
        if derived is not None:
            said = self._fact_titles[name] = self.text(derived.title)
            return said
        if trace is not None:
            try:
                step = trace.step(name)
            except KeyError:
                return name
            return self.text(step.title, name)
        return name

    def unit(self, unit: str | None, count: Any = None) -> str:
        if not unit:
            return ""
        key = (unit, count == 1)
        said = self._units.get(key)
        if said is None:  # a unit is worded alike for every count but one
            if count == 1 and self.has(f"unit.{unit}.one"):
                said = self.message(f"unit.{unit}.one")
            elif self.has(f"unit.{unit}"):
                said = self.message(f"unit.{unit}")
            else:
                said = " " + unit
            if len(self._units) > _WORDED_LIMIT:
                self._units.clear()
            self._units[key] = said
        return said

    def scale_of(self, name: str, unit: str | None) -> float:
        derived = self._derived.get(name)
        if derived is not None:
            return derived.scale
        if self.spec is None and name in self._derived_names:
            return _SCALE_OF_UNIT.get(unit or "", 1.0)
        return 1.0

    def unit_of(self, name: str, default: str | None = None) -> str | None:
        fact = self._facts.get(name)
        if fact is not None:
            return fact.unit
        derived = self._derived.get(name)
        if derived is not None:
            return derived.unit
        return default

    def choice(self, name: str, value: str) -> str:
        """The title of an enum or set value."""
        said = self._choices.get((name, value))
        if said is not None:
            return said
        said = value
        fact = self._facts.get(name)
        if fact is not None:
            for choice in fact.values:
                if choice.id == value:
                    said = self.text(choice.title)
                    break
        if len(self._choices) > _WORDED_LIMIT:
            self._choices.clear()
        self._choices[(name, value)] = said
        return said

    def date(self, value: dt.date | str) -> str:
        """A date as the language writes it (``2013年11月5日``, ``5 November 2013``)."""
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        return self.message("value.date", year=day.year, month=day.month, day=day.day,
                            month_name=day.strftime("%B"))

    def number(self, name: str, value: float, unit: str | None = None,
               distinct_from: float | None = None) -> str:
        """A number in its display scale and unit; shown precisely enough to differ from
        ``distinct_from`` when it differs (95.999 % is not shown as "96%" next to 96 %)."""
        unit = unit if unit is not None else self.unit_of(name)
        scale = self.scale_of(name, unit)
        shown = format_number(value * scale if scale != 1 else value)
        if distinct_from is not None and value != distinct_from:
            other = distinct_from * scale if scale != 1 else distinct_from
            digits = 2
            while shown == format_number(other, digits) and digits < 9:
                digits += 1
                shown = format_number(value * scale if scale != 1 else value, digits)
        return shown + self.unit(unit, value)

    def value(self, name: str, value: Any, *, unit: str | None = None,
              distinct_from: Any = None) -> str:
        """A fact or derived value as people read it: titles for choices, units for numbers,
        dates in the language's form."""
        if value is None:
            return self.message("value.missing")
        if isinstance(value, bool):
            return self.message("value.true" if value else "value.false")
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value) if isinstance(value, set | frozenset) else list(value)
            if not items:
                return self.message("value.none")
            return self.join(self.choice(name, str(v)) for v in items)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, int | float):
            other = distinct_from if isinstance(distinct_from, int | float) and not isinstance(
                distinct_from, bool) else None
            return self.number(name, value, unit, other)
        if isinstance(value, str):
            fact = self._facts.get(name)
            if (fact is None or fact.type == "date") and _ISO_DATE.match(value):
                try:
                    return self.date(value)
                except ValueError:
                    return value
            return self.choice(name, value)
        return str(value)

    def reading(self, reading: Reading, trace: Trace | None = None) -> str:
        """``fact value``, with the counts behind a rate (``95.1% (388/408)``)."""
        shown = self.value(reading.name, reading.value, unit=reading.unit)
        if reading.source == "derived" and trace is not None and reading.value is not None:
            shown = self.with_ratio(reading.name, shown, trace)
        return self.message("reads.item", fact=self.fact_title(reading.name, trace), value=shown)

    def value_of(self, name: str, value: Any, trace: Trace | None, unit: str | None = None,
                 distinct_from: Any = None) -> str:
        shown = self.value(name, value, unit=unit, distinct_from=distinct_from)
        if trace is not None and value is not None and (
                name in self._derived or (not self._facts and _is_derived(trace, name))):
            shown = self.with_ratio(name, shown, trace)
        return shown

    def with_ratio(self, name: str, shown: str, trace: Trace) -> str:
        """``shown`` followed by the counts of a rate ``a / b`` (``95.1%（388/408）``), the parts
        read from the plan."""
        try:
            step = trace.step(name)
        except KeyError:
            return shown
        node = self.node(name)
        if node is not None:
            parts = (node.ratio.numerator, node.ratio.denominator) if node.ratio else None
        else:
            parts = recorded_ratio(step.condition)
        if parts is None:
            return shown
        top, bottom = (r.value if (r := step.reading(name)) is not None else None
                       for name in parts)
        return self.ratio(shown, top, bottom)

    def ratio(self, shown: str, top: Any, bottom: Any) -> str:
        """``shown`` (a rate) followed by its counts, when both are known."""
        if top is None or bottom is None:
            return shown
        return self.message("value.ratio", value=shown, numerator=format_number(top),
                            denominator=format_number(bottom))

    def reads(self, step: Any, trace: Trace | None = None) -> str:
        return self.message("reads.sep").join(self.reading(r, trace) for r in step.reads)


_DEFAULT_PLANS: dict[int, tuple[RulesetSpec, Plan]] = {}
_SHARED: dict[tuple[str, int, int], tuple[RulesetSpec, Plan | None, Wording]] = {}
#: entries in one of a wording's caches of static text before it starts over
_WORDED_LIMIT = 4096
_HOLE = "\x00"  # where Wording.filler puts the text in (no catalogue text holds it)


def default_plan(spec: RulesetSpec) -> Plan | None:
    """The plan of ``spec`` with its default options, built once per ruleset."""
    cached = _DEFAULT_PLANS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    try:
        plan = build_plan(spec, resolve_options(spec, None))
    except MingxingError:  # pragma: no cover - a loaded spec builds
        return None
    if len(_DEFAULT_PLANS) > 16:
        _DEFAULT_PLANS.clear()
    _DEFAULT_PLANS[id(spec)] = (spec, plan)
    return plan


def recorded_ratio(condition: str) -> tuple[str, str] | None:
    """The parts of ``a / b`` in a condition recorded in a trace. Only for a verdict whose
    ruleset (and so its plan, which knows every ratio) cannot be found: one read back from JSON
    for a ruleset that is not bundled."""
    try:
        tree = parse(condition) if condition else None
    except ExprSyntaxError:
        return None
    if isinstance(tree, Binary) and tree.op == "/" and isinstance(tree.left, Name) and isinstance(
            tree.right, Name):
        return tree.left.name, tree.right.name
    return None


def plan_of(verdict: Verdict, ruleset: Ruleset | None = None) -> Plan | None:
    """The plan a verdict was decided under, if it can be found (as :func:`ruleset_spec_of`:
    the ruleset given, the trace's compiled program, or the bundled ruleset with the verdict's
    id, version and options)."""
    if ruleset is not None:
        return ruleset.plan
    program = verdict.trace.program
    if program is not None:
        plan: Plan = program.plan
        return plan
    found = _bundled_ruleset_of(verdict, dict(verdict.options))
    return found.plan if found is not None else None


def _is_derived(trace: Trace, name: str) -> bool:
    try:
        return trace.step(name).kind == "derived"
    except KeyError:
        return False


def format_number(value: float, digits: int = 2) -> str:
    """A number with at most ``digits`` decimals and no trailing zeros."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    rounded = round(value, digits)
    if float(rounded).is_integer():
        return str(int(rounded))
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


def office_label(office_id: str, name: str | None, wording: Wording) -> str:
    """``name (id)``, or the id alone for an office without a name."""
    if name:
        return wording.message("office.label", name=name, id=office_id)
    return office_id
