"""The literate ruleset: the Chinese source text clause by clause, and beside each sentence the
criteria and rules that encode it, for legal reviewers.

A sentence is *cited* when the quote of a criterion, rule or outcome (``quote:``, checked at load
to be verbatim) occurs in it. Every *requirement sentence* — a sentence of the parts of the text
that set conditions on an office or on the procedure (二, 三, 四 and 五) — must be either cited or
listed in the ruleset's ``*.uncited.yaml`` next to its source with the reason it is not encoded;
:attr:`LiterateDocument.unaccounted` lists the ones that are neither (a test keeps it empty).

>>> from mingxing_rules import load_ruleset
>>> document = literate_document(load_ruleset("star-judicial-office"))
>>> coverage = document.coverage
>>> coverage.unaccounted, coverage.cited + coverage.not_encoded == coverage.requirements
(0, True)
>>> sentence = document.find("面积不低于200平方米")
>>> sentence.clause, [node.id for node in sentence.nodes][:2]
('四（一）1', ['independent_premises', 'floor_area'])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import yaml

from .errors import InputError
from .explain.html import render_template
from .explain.wording import Wording, check_lang, zh_typography
from .language import expr as syntax
from .language.visitor import ExprVisitor
from .proofs.section import ProofSection, clause_key, section_view
from .ruleset.model import NodeSpec, RulesetSpec

if TYPE_CHECKING:
    from .ruleset.load import Ruleset

__all__ = [
    "Coverage",
    "LiterateDocument",
    "Sentence",
    "coverage_dict",
    "literate_document",
    "readable_condition",
    "render_literate",
    "source_files",
]

#: Parts of the source whose sentences set conditions (the others state aims and duties of the
#: county bureaus: 一 guiding ideas, 六 requirements on the bureaus' own work).
REQUIREMENT_PARTS = ("二", "三", "四", "五")

_PART = re.compile(r"^([一二三四五六七八九十]+)、(.*)$")
_SUBPART = re.compile(r"^（([一二三四五六七八九十]+)）(.*)$")
_ITEM = re.compile(r"^(\d+)、(.*)$")
_SENTENCE_END = "。；！？"
_HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！",
                               "?": "？"})


def normalise(text: str) -> str:
    """Text in one width, for matching quotes against the source (the source mixes half- and
    full-width punctuation)."""
    return unicodedata.normalize("NFKC", text).translate(_HALF_TO_FULL).replace(" ", "")


@attrs.frozen
class Sentence:
    """One sentence of the source under its clause, with the nodes that cite it."""

    clause: str  # 四（一）1
    text: str
    requirement: bool
    nodes: tuple[NodeSpec, ...] = ()
    quotes: tuple[str, ...] = ()  # the quoted parts, to highlight
    not_encoded: str | None = None  # why a requirement sentence is not encoded (zh)
    not_encoded_en: str | None = None

    @property
    def cited(self) -> bool:
        return bool(self.nodes)


@attrs.frozen
class Clause:
    clause: str
    heading: str
    sentences: tuple[Sentence, ...]
    nodes: tuple[NodeSpec, ...] = ()  # nodes quoting the heading (四: all 20 standards)


@attrs.frozen
class Coverage:
    """How much of the source the ruleset accounts for."""

    sentences: int
    requirements: int
    cited: int
    not_encoded: int
    unaccounted: int
    uncited_quotes: tuple[str, ...]  # node ids whose quote is not found in any sentence

    @property
    def percent(self) -> float:
        done = self.cited + self.not_encoded
        return 100.0 * done / self.requirements if self.requirements else 100.0


@attrs.frozen
class LiterateDocument:
    ruleset: RulesetSpec
    source: Path
    title: str
    clauses: tuple[Clause, ...]
    coverage: Coverage

    def __iter__(self) -> Iterator[Sentence]:
        return (s for c in self.clauses for s in c.sentences)

    @property
    def unaccounted(self) -> tuple[Sentence, ...]:
        return tuple(s for s in self if s.requirement and not s.cited and not s.not_encoded)

    def find(self, fragment: str) -> Sentence:
        """The first sentence containing ``fragment``."""
        wanted = normalise(fragment)
        for sentence in self:
            if wanted in normalise(sentence.text):
                return sentence
        raise KeyError(fragment)


# -- reading the source --------------------------------------------------------------------------


def source_files(ruleset: Ruleset) -> tuple[Path, Path | None]:
    """The Chinese source text of a ruleset (``sources/*.zh.txt`` next to its file) and the
    list of sentences it does not encode (``sources/<ruleset id>.uncited.yaml``), if any."""
    if ruleset.path is None:
        raise InputError(f"ruleset {ruleset.id} has no file, so no source text next to it")
    folder = Path(ruleset.path).parent / "sources"
    texts = sorted(folder.glob("*.zh.txt")) if folder.is_dir() else []
    if len(texts) != 1:
        raise InputError(f"{folder}: expected one source text *.zh.txt, found {len(texts)}")
    uncited = folder / f"{ruleset.id}.uncited.yaml"
    return texts[0], uncited if uncited.is_file() else None


def _split(text: str) -> list[str]:
    """Sentences: up to and including 。；！？ (a clause heading without one is one sentence)."""
    out: list[str] = []
    current = ""
    depth = 0
    for char in text:
        current += char
        if char in "（“《":
            depth += 1
        elif char in "）”》":
            depth = max(depth - 1, 0)
        elif char in _SENTENCE_END and depth == 0:
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def _clauses(text: str) -> list[tuple[str, str, list[str]]]:
    """``(clause, heading, sentences)`` in source order; the preamble is clause ``""``."""
    clauses: list[tuple[str, str, list[str]]] = [("", "", [])]
    part = sub = ""
    for raw in text.splitlines():
        line = normalise(raw).strip()
        if not line or line.startswith("时间："):
            continue
        if match := _PART.match(line):
            part, sub = match.group(1), ""
            clauses.append((part, match.group(2), []))
            continue
        if part and (match := _SUBPART.match(line)):
            sub = f"{part}（{match.group(1)}）"
            heading, _, rest = match.group(2).partition("。")
            clauses.append((sub, heading, _split(rest) if rest else []))
            if part != "四":  # 六（一）统一思想，提高认识。… : the heading is a sentence too
                clauses[-1] = (sub, heading, _split(match.group(2)))
            continue
        if part and (match := _ITEM.match(line)):
            clause = f"{sub or part}{match.group(1)}"
            clauses.append((clause, "", _split(match.group(2))))
            continue
        clauses[-1][2].extend(_split(line))
    return [c for c in clauses if c[2] or c[1]]


def _cites(spec: RulesetSpec) -> list[NodeSpec]:
    return [n for n in spec.nodes if n.quote]


def literate_document(ruleset: Ruleset, source: str | Path | None = None) -> LiterateDocument:
    """The source text of ``ruleset`` with, for each sentence, the nodes quoting it."""
    text_path, uncited_path = source_files(ruleset) if source is None else (Path(source), None)
    text = text_path.read_text(encoding="utf-8")
    reasons = _reasons(uncited_path)
    spec = ruleset.spec
    cites = _cites(spec)
    found: set[str] = set()
    clauses = []
    lines = [line for line in text.splitlines() if line.strip()]
    title = normalise(lines[0]) if lines else spec.title.zh
    for clause, heading, sentences in _clauses("\n".join(lines[1:])):
        heading_nodes = tuple(n for n in cites if heading and normalise(n.quote) == normalise(
            heading))
        found.update(n.id for n in heading_nodes)
        out = []
        for sentence in sentences:
            if sentence == title:
                continue
            flat = normalise(sentence)
            nodes = tuple(n for n in cites if normalise(n.quote) in flat)
            found.update(n.id for n in nodes)
            requirement = any(clause.startswith(p) for p in REQUIREMENT_PARTS) and bool(clause)
            reason = _reason_for(flat, reasons) if requirement and not nodes else None
            out.append(Sentence(
                clause=clause, text=sentence, requirement=requirement, nodes=nodes,
                quotes=tuple(dict.fromkeys(normalise(n.quote) for n in nodes)),
                not_encoded=reason[0] if reason else None,
                not_encoded_en=reason[1] if reason else None))
        clauses.append(Clause(clause, heading, tuple(out), heading_nodes))
    every = [s for c in clauses for s in c.sentences]
    requirements = [s for s in every if s.requirement]
    cited = sum(1 for s in requirements if s.cited)
    not_encoded = sum(1 for s in requirements if not s.cited and s.not_encoded)
    coverage = Coverage(
        sentences=len(every), requirements=len(requirements), cited=cited,
        not_encoded=not_encoded, unaccounted=len(requirements) - cited - not_encoded,
        uncited_quotes=tuple(n.id for n in cites if n.id not in found))
    return LiterateDocument(spec, text_path, title, tuple(clauses), coverage)


def _reasons(path: Path | None) -> list[tuple[str, str, str]]:
    """``(sentence fragment, reason zh, reason en)`` from an ``*.uncited.yaml`` file."""
    if path is None:
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the list of uncited sentences: {exc}") from None
    entries = data.get("not_encoded", []) if isinstance(data, dict) else []
    out = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"sentence", "zh", "en"} <= set(entry):
            raise InputError(f"{path}: entry {index + 1} needs sentence, zh and en")
        out.append((normalise(str(entry["sentence"])), str(entry["zh"]), str(entry["en"])))
    return out


def _reason_for(sentence: str, reasons: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    for fragment, zh, en in reasons:
        if fragment in sentence:
            return zh, en
    return None


# -- conditions in words -------------------------------------------------------------------------

_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}


def readable_condition(expr: syntax.Expr | None, spec: RulesetSpec, lang: str = "zh") -> str:
    """A condition with titles for names and words for operators, for reviewers who do not read
    the rule language (``办公用房面积 ≥ 200平方米``)."""
    if expr is None:
        return ""
    w = Wording(lang, spec)
    return w.typeset(_Reader(spec, w).visit(expr))


def _title(name: str, spec: RulesetSpec, w: Wording) -> str:
    if w.fact(name) is not None or w.derived(name) is not None:
        return f"〔{w.fact_title(name)}〕"
    try:
        return f"〔{w.text(spec.node(name).title)}〕"
    except KeyError:
        pass
    for option in spec.options:
        if option.name == name:
            return f"〔{w.maybe('option.' + name) or w.message('literate.option', name=name)}〕"
    return name


class _Reader(ExprVisitor[str]):
    """A condition in words. ``fact`` is the fact a literal is compared with or tested against
    (so ``'fax' in equipment`` shows the equipment's title for ``fax``)."""

    def __init__(self, spec: RulesetSpec, w: Wording, fact: str | None = None) -> None:
        self.spec = spec
        self.w = w
        self.fact = fact

    def about(self, fact: str | None) -> _Reader:
        return self if fact == self.fact else _Reader(self.spec, self.w, fact)

    def generic_visit(self, node: syntax.Expr) -> str:
        return str(node)

    def visit_Literal(self, node: syntax.Literal) -> str:
        value = node.value
        if isinstance(value, bool):
            return self.w.message("value.true" if value else "value.false")
        if isinstance(value, str) and self.fact is not None:
            return self.w.choice(self.fact, value)
        return str(value)

    def visit_ListExpr(self, node: syntax.ListExpr) -> str:
        return self.w.join(self.visit(item) for item in node.items)

    def visit_Name(self, node: syntax.Name) -> str:
        return _title(node.name, self.spec, self.w)

    def visit_Unary(self, node: syntax.Unary) -> str:
        if node.op == "not":
            return self.w.message("literate.not", x=self.visit(node.operand))
        return f"{node.op}{self.visit(node.operand)}"

    def visit_Binary(self, node: syntax.Binary) -> str:
        return f"{self.visit(node.left)} {node.op} {self.visit(node.right)}"

    def visit_Compare(self, node: syntax.Compare) -> str:
        w = self.w
        first = node.operands[0]
        reader = self.about(first.name if isinstance(first, syntax.Name) else self.fact)
        space = "" if w.lang == "zh" else " "
        parts = [reader.visit(first)]
        for op, operand in zip(node.ops, node.operands[1:], strict=True):
            shown = reader.visit(operand)
            if isinstance(operand, syntax.Literal) and isinstance(first, syntax.Name) and (
                    isinstance(operand.value, int | float)) and not isinstance(operand.value, bool):
                shown = w.value(first.name, operand.value)
            parts.append(f"{_OPS.get(op, op)}{space}{shown}")
        return space.join(parts)

    def visit_BoolOp(self, node: syntax.BoolOp) -> str:
        word = self.w.message(f"literate.{node.op}")
        return word.join(f"（{self.visit(o)}）" if isinstance(o, syntax.BoolOp | syntax.Implies)
                         else self.visit(o) for o in node.operands)

    def visit_Implies(self, node: syntax.Implies) -> str:
        return self.w.message("literate.implies", a=self.visit(node.left),
                              b=self.visit(node.right))

    def visit_Membership(self, node: syntax.Membership) -> str:
        container = node.container
        reader = self.about(container.name if isinstance(container, syntax.Name) else self.fact)
        key = "literate.not_in" if node.negated else "literate.in"
        return self.w.message(key, item=reader.visit(node.item),
                              container=reader.visit(container))

    def visit_Quantifier(self, node: syntax.Quantifier) -> str:
        body = node.body
        if isinstance(body, syntax.Membership) and isinstance(body.container, syntax.Name):
            target = body.container.name
            return self.w.message(f"literate.{node.kind}_in",
                                  items=self.about(target).visit(node.iterable),
                                  container=_title(target, self.spec, self.w))
        return self.w.message(f"literate.{node.kind}", body=self.visit(body),
                              items=self.visit(node.iterable))

    def visit_Call(self, node: syntax.Call) -> str:
        args = node.args
        if node.func == "count" and len(args) == 1:
            return self.w.message("literate.count", x=self.visit(args[0]))
        if node.func == "date" and len(args) == 3:
            year, month, day = (self.visit(a) for a in args)
            return self.w.message("literate.date", year=year, month=month, day=day)
        if node.func == "if_known" and len(args) == 2:
            return self.w.message("literate.if_known", x=self.visit(args[0]),
                                  default=self.visit(args[1]))
        return f"{node.func}({', '.join(self.visit(a) for a in args)})"


# -- the page --------------------------------------------------------------------------------------


def _node_card(node: NodeSpec, spec: RulesetSpec, w: Wording,
               proofs: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    names = set(syntax.names_in(node.condition)) if node.condition is not None else set()
    options = [{"name": o.name, "default": w.value(o.name, o.default),
                "description": w.text(o.description)}
               for o in spec.options if o.name in names]
    facts = [{"title": w.fact_title(f.name), "description": w.text(f.description)
              if f.description else ""} for f in spec.facts if f.name in names]
    return {
        "id": node.id, "kind": w.message(f"kind.{node.kind}"), "title": w.text(node.title),
        "clause": w.clause(node.clause), "condition": readable_condition(node.condition, spec,
                                                                          w.lang),
        "applies_if": readable_condition(node.applies_if, spec, w.lang),
        "source": node.condition_text, "options": options, "facts": facts,
        "note": w.text(node.description) if node.description else "",
        "location": w.message("literate.at_line", line=node.location.line)
        if node.location.line else "",
        "proofs": proofs.get(node.id, []),
    }


def _marked(sentence: Sentence) -> list[tuple[str, bool]]:
    """The sentence as (text, quoted) runs, quoted parts marked for highlighting."""
    text = normalise(sentence.text)
    marks = [False] * len(text)
    for quote in sentence.quotes:
        start = text.find(quote)
        while start >= 0:
            for index in range(start, start + len(quote)):
                marks[index] = True
            start = text.find(quote, start + 1)
    runs: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if runs and runs[-1][1] == mark:
            runs[-1] = (runs[-1][0] + char, mark)
        else:
            runs.append((char, mark))
    return runs


def render_literate(ruleset: Ruleset, lang: str = "zh", source: str | Path | None = None, *,
                    document: LiterateDocument | None = None,
                    proofs: ProofSection | None = None) -> str:
    """The literate ruleset document as one self-contained HTML page (Jinja2 template).
    ``lang``: ``zh``, ``en``, or ``both`` (Chinese notes, each reason for not encoding a
    sentence given in both languages). ``proofs``: what :mod:`mingxing_rules.proofs.section`
    made of one run of the prover (default: a section saying proofs were not run) — shown at
    the end, as the status beside each criterion, rule and outcome, and as the properties
    declared for each clause."""
    both = lang == "both"
    lang = check_lang("zh" if both else lang)
    if document is None:
        document = literate_document(ruleset, source)
    spec = ruleset.spec
    w = Wording(lang, spec)
    proved = section_view(proofs or ProofSection("not_run"), spec, w)
    cards: dict[str, dict[str, Any]] = {}

    def card(node: NodeSpec) -> dict[str, Any]:
        if node.id not in cards:
            cards[node.id] = _node_card(node, spec, w, proved["by_node"])
        return cards[node.id]

    clauses = []
    for clause in document.clauses:
        rows = []
        for sentence in clause.sentences:
            rows.append({
                "runs": _marked(sentence), "requirement": sentence.requirement,
                "nodes": [card(n) for n in sentence.nodes],
                "not_encoded": (sentence.not_encoded if lang == "zh" else
                                sentence.not_encoded_en),
                "not_encoded_en": sentence.not_encoded_en if both else None,
            })
        clauses.append({"clause": zh_typography(clause.clause) if clause.clause else "",
                        "heading": clause.heading, "rows": rows,
                        "nodes": [card(n) for n in clause.nodes],
                        "properties": proved["by_clause"].get(clause_key(clause.clause), [])
                        if clause.clause else []})
    coverage = document.coverage
    return render_template(
        "literate.html.j2", lang=lang, doc=document, clauses=clauses, proofs=proved,
        title=w.message("literate.title", title=w.text(spec.title), version=spec.version),
        summary=w.message("literate.summary", sentences=coverage.sentences,
                          requirements=coverage.requirements, cited=coverage.cited,
                          not_encoded=coverage.not_encoded, unaccounted=coverage.unaccounted,
                          percent=f"{coverage.percent:.0f}"),
        labels={key: w.message(f"literate.{key}") for key in (
            "source", "encoding", "not_encoded_label", "context", "condition", "applies_if",
            "rule_text", "options", "facts", "note", "default", "legend")},
        source_title=document.title,
    ) + "\n"


def coverage_dict(document: LiterateDocument,
                  proofs: ProofSection | None = None) -> dict[str, Any]:
    """The document as JSON data: the coverage counts and every sentence with its clause, the
    ids of the nodes citing it, or the reason it is not encoded (``mingxing doc --format
    json``); with ``proofs``, also ``proofs``: the state and the report of ``mingxing prove
    --format json`` (``report`` is null when the proofs were skipped or not run)."""
    coverage = document.coverage
    found = _coverage_data(document, coverage)
    if proofs is not None:
        found["proofs"] = {"state": proofs.state, "reason": proofs.reason or None,
                           "report": proofs.report.to_dict() if proofs.report else None}
    return found


def _coverage_data(document: LiterateDocument, coverage: Coverage) -> dict[str, Any]:
    return {
        "ruleset": document.ruleset.id,
        "version": document.ruleset.version,
        "coverage": {**attrs.asdict(coverage), "uncited_quotes": list(coverage.uncited_quotes),
                     "percent": round(coverage.percent, 1)},
        "sentences": [{
            "clause": s.clause, "text": s.text, "requirement": s.requirement,
            "cited_by": [n.id for n in s.nodes],
            "not_encoded": {"zh": s.not_encoded, "en": s.not_encoded_en}
            if s.not_encoded else None,
        } for s in document],
    }
