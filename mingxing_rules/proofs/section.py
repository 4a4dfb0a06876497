"""The proofs of the literate ruleset document (``mingxing doc``, docs/literate.md).

One run of :func:`~mingxing_rules.proofs.prove_ruleset` — the same checks and results as
``mingxing prove`` — feeds both the proofs section at the end of the page and the status of the
properties shown beside each clause: the solver runs once per document. A report written by
``mingxing prove RULESET --format json`` can be read back instead (:func:`read_proofs`), so a
build that has just proved the ruleset does not prove it again.

Without z3 (the ``prove`` extra) the document still renders: the section is *skipped* and says
why and how to install it; with ``--no-proofs`` it is *not run* and says so. Either way every
check and every declared property is listed, so a reader never mistakes a missing proof for a
passed one.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ..errors import InputError
from ..explain.wording import Wording
from ..ruleset.model import PropertySpec, RulesetSpec
from .checks import DEFAULT_TIMEOUT, prove_ruleset
from .report import ProofReport, ProofResult
from .translate import ProverUnavailableError, UnsupportedError

if TYPE_CHECKING:
    from ..ruleset.load import Ruleset

__all__ = ["ONE_RULESET_CHECKS", "ProofSection", "ProofState", "prove_for_document",
           "read_proofs", "section_view"]

#: The checks of one ruleset, in the order the section lists them (``flip`` and
#: ``equivalence`` belong to two versions).
ONE_RULESET_CHECKS = ("criterion_can_pass", "criterion_can_fail", "outcome_reachable",
                      "rule_not_dead", "undecided_only_when_missing", "property")
#: What ``pip`` installs for proofs; shown where the section is skipped.
INSTALL = "pip install 'mingxing-rules[prove]'"

#: ``run``: the report is there (whatever it found); ``skipped``: z3 is not installed;
#: ``not_encoded``: the ruleset uses a construct the encoding cannot express at all;
#: ``not_run``: the document was made without proofs (``--no-proofs``).
ProofState = Literal["run", "skipped", "not_encoded", "not_run"]


@attrs.frozen
class ProofSection:
    """What the document says about proofs: the report, or why there is none."""

    state: ProofState
    report: ProofReport | None = None
    reason: str = ""  # skipped / not_encoded: the error, in English
    timeout: float = DEFAULT_TIMEOUT  # per-check budget the solver had (or would have had)
    source: str = ""  # the JSON file the report was read from ("" when proved for the page)

    @property
    def ok(self) -> bool:
        """True unless the solver refuted something or gave up (a skipped section is not a
        failure of the ruleset: nothing was claimed)."""
        return self.report is None or self.report.ok


def prove_for_document(ruleset: Ruleset, *, timeout: float = DEFAULT_TIMEOUT) -> ProofSection:
    """Every check of ``mingxing prove`` on ``ruleset`` (every option setting), once; a missing
    solver gives a *skipped* section instead of an error."""
    try:
        report = prove_ruleset(ruleset, timeout=timeout)
    except ProverUnavailableError as exc:
        return ProofSection("skipped", reason=str(exc), timeout=timeout)
    except UnsupportedError as exc:
        return ProofSection("not_encoded", reason=str(exc), timeout=timeout)
    return ProofSection("run", report, timeout=report.timeout)


def read_proofs(path: str | Path, ruleset: Ruleset) -> ProofSection:
    """The section from a report of ``mingxing prove RULESET --format json``; refused
    (:class:`~mingxing_rules.errors.InputError`) when it is unreadable, a comparison of two
    versions, or the proof of another ruleset or of another text of this one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        report = ProofReport.from_dict(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the proofs: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a report of `mingxing prove --format json` ({exc!r})"
                         ) from None
    if " -> " in report.subject:
        raise InputError(f"{path}: a comparison of two versions ({report.subject}), not the "
                         "proofs of one ruleset")
    if report.subject != ruleset.key or (report.digest and report.digest != ruleset.content_hash):
        raise InputError(f"{path}: proves {report.subject} "
                         f"{report.digest or '(no content hash)'}, not {ruleset.key} "
                         f"{ruleset.content_hash}: prove this ruleset again")
    return ProofSection("run", report, timeout=report.timeout, source=str(path))


# -- the section as the template reads it ---------------------------------------------------------


def clause_key(clause: str) -> str:
    """A clause in the one width the literate document keys its clauses by (``四（一）1``)."""
    full = str.maketrans({"(": "（", ")": "）"})
    return unicodedata.normalize("NFKC", clause).translate(full).replace(" ", "")


def section_view(section: ProofSection, spec: RulesetSpec, w: Wording) -> dict[str, Any]:
    """The proofs of ``section`` as plain data for ``literate.html.j2``: the run (solver,
    time, budget), every check with its counts and results, every declared property, and the
    same property rows grouped by clause (``by_clause``) and check marks by node (``by_node``)
    for the annotations beside the source text. Messages come from the catalogue in ``w``'s
    language; identifiers, ``file:line``, cores and offices are technical parts of their own."""
    report = section.report
    results: dict[tuple[str, str], ProofResult] = {}
    if report is not None:
        results = {(r.check, r.subject): r for r in report.results}
    solver = report.solver if report is not None else "—"
    status_of = _status_words(w)
    fallback = "not_run" if section.state in ("run", "not_run") else "skipped"

    def status(result: ProofResult | None) -> dict[str, str]:
        key = result.status if result is not None else fallback
        return {"key": key, "text": status_of[key]}

    checks = []
    for check in ONE_RULESET_CHECKS:
        rows = [_result_row(r, spec, w, section) for r in report.of(check)] if report else []
        counts = {key: sum(1 for row in rows if row["status"]["key"] == key)
                  for key in ("proved", "refuted", "unknown")}
        worst = next((k for k in ("refuted", "unknown") if counts[k]), "proved" if rows
                     else fallback)
        checks.append({
            "check": check, "title": w.message(f"literate.proofs.check.{check}"),
            "status": {"key": worst, "text": status_of[worst]},
            "count": w.message("literate.proofs.count", proved=counts["proved"],
                               total=len(rows)) if rows else "—",
            "rows": [row for row in rows if check != "property"],
            # refuted and unknown properties are shown in full in the properties table
            "problems": [row for row in rows
                         if row["status"]["key"] != "proved" and check != "property"],
        })
    properties = []
    for prop in spec.properties:
        result = results.get(("property", prop.id))
        row = _result_row(result, spec, w, section) if result is not None else _NO_EVIDENCE
        properties.append({
            **row, "id": prop.id, "title": w.text(prop.title),
            "clause": w.clause(prop.clause), "kind": w.message(f"literate.proofs.{prop.kind}"),
            "status": status(result), "solver": solver if result is not None else "—",
            "time": _seconds(w, result.seconds) if result is not None else "—",
            "clauses": [clause_key(part) for part in prop.clause.split("、")],
            "detail": _property_detail(prop, w)})
    by_clause: dict[str, list[dict[str, Any]]] = {}
    for row in properties:
        for key in row["clauses"]:
            by_clause.setdefault(key, []).append(row)
    by_node: dict[str, list[dict[str, str]]] = {}
    for (check, subject), result in results.items():
        if check in ("criterion_can_pass", "criterion_can_fail", "outcome_reachable",
                     "rule_not_dead"):
            by_node.setdefault(subject, []).append({
                "label": w.message(f"literate.proofs.short.{check}"), **status(result)})
    return {
        "state": section.state, "checks": checks, "properties": properties,
        "by_clause": by_clause, "by_node": by_node, "ok": section.ok,
        "heading": w.message("literate.proofs.heading"),
        "intro": w.message("literate.proofs.intro"),
        "notice": _notice(section, w), "code": _notice_code(section),
        "run": _run_line(section, w) if report is not None else "",
        "summary": _summary(section, w),
        "labels": {key: w.message(f"literate.proofs.{key}") for key in (
            "check", "result", "status", "property", "clause", "kind", "solver", "time",
            "every_result", "declared", "beside", "core", "counterexample", "moved", "options",
            "at", "card")},
    }


#: The evidence fields of a row with nothing to show (a proved result, a property not run).
_NO_EVIDENCE: dict[str, Any] = {
    "message": "", "technical": "", "location": "", "core": [], "office": "",
    "other_office": "", "options": "", "reproduced": ""}


def _status_words(w: Wording) -> dict[str, str]:
    return {key: w.message(f"literate.proofs.status.{key}") for key in (
        "proved", "refuted", "unknown", "skipped", "not_run")}


def _seconds(w: Wording, seconds: float) -> str:
    return w.message("literate.proofs.seconds", seconds=f"{seconds:.2f}")


def _subject_title(result: ProofResult, spec: RulesetSpec, w: Wording) -> str:
    if result.check == "undecided_only_when_missing":
        return w.message("outcome.undecided")
    if result.check == "property":
        prop = next((p for p in spec.properties if p.id == result.subject), None)
        return w.text(prop.title) if prop is not None else result.subject
    if spec.otherwise.id == result.subject:
        return w.text(spec.otherwise.title)
    try:
        return w.text(spec.node(result.subject).title)
    except KeyError:
        return result.subject


def _result_row(result: ProofResult, spec: RulesetSpec, w: Wording,
                section: ProofSection) -> dict[str, Any]:
    """One result: its subject in words, the status, and for what is not proved the reason in
    words and the evidence (core at file:line, counterexample office as JSON)."""
    title = _subject_title(result, spec, w)
    row: dict[str, Any] = {
        **_NO_EVIDENCE,
        "subject": result.subject, "title": title,
        "location": result.location if result.status != "proved" else "",
        "clause": w.clause(result.clause) if result.clause else "",
        "status": {"key": result.status,
                   "text": w.message(f"literate.proofs.status.{result.status}")},
        "time": _seconds(w, result.seconds), "core": list(result.core),
        "office": _json(result.office) if result.status == "refuted" else "",
        "other_office": _json(result.other_office) if result.status == "refuted" else "",
        "options": _json(result.options) if result.status == "refuted" else ""}
    if result.status == "unknown":
        reason = result.details.get("not_encoded")
        row["message"] = (w.message("literate.proofs.unknown.not_encoded") if reason else
                          w.message("literate.proofs.unknown.budget",
                                    timeout=f"{section.timeout:g}"))
        row["technical"] = str(reason or result.message)
    elif result.status == "refuted":
        shadowed = (result.details.get("shadowed_by")
                    if not result.details.get("never_holds") else None)
        if result.check == "outcome_reachable" and shadowed:
            row["message"] = w.message("literate.proofs.refuted.shadowed", title=title,
                                       others=w.join(_subject_titles(shadowed, spec, w)))
        elif result.details.get("vacuous"):
            row["message"] = w.message("literate.proofs.refuted.vacuous", title=title)
        else:
            row["message"] = w.message(f"literate.proofs.refuted.{result.check}", title=title)
        if result.reproduced is not None:
            row["reproduced"] = w.message("literate.proofs.reproduced" if result.reproduced
                                          else "literate.proofs.not_reproduced")
    return row


def _subject_titles(ids: list[str], spec: RulesetSpec, w: Wording) -> list[str]:
    out = []
    for node_id in ids:
        try:
            out.append(w.message("outcome.quoted", title=w.text(spec.node(node_id).title)))
        except KeyError:
            out.append(node_id)
    return out


def _json(value: Mapping[str, Any] | None) -> str:
    """An office (or options) as compact JSON, in the order the solver read its facts."""
    if not value:
        return ""
    return json.dumps(dict(value), ensure_ascii=False, default=str)


def _property_detail(prop: PropertySpec, w: Wording) -> str:
    """What the property claims, as declared (technical: fact ids and outcome ids)."""
    if prop.kind == "monotone":
        moved = ", ".join(f"{fact} {'↑' if way == 'up' else '↓'}" for fact, way in prop.changes)
        return f"{moved} ⇒ keeps {', '.join(prop.keeps)}"
    parts = [f"when {prop.when_text}"] if prop.when_text else []
    if prop.outcome_in:
        parts.append(f"outcome in {', '.join(prop.outcome_in)}")
    if prop.outcome_not_in:
        parts.append(f"outcome not in {', '.join(prop.outcome_not_in)}")
    return "; ".join(parts)


def _notice(section: ProofSection, w: Wording) -> str:
    if section.state == "run":
        return ""
    return w.message(f"literate.proofs.notice.{section.state}")


def _notice_code(section: ProofSection) -> str:
    if section.state == "skipped":
        return INSTALL
    if section.state == "not_encoded":
        return section.reason
    return ""


def _run_line(section: ProofSection, w: Wording) -> str:
    report = section.report
    assert report is not None
    every = report.options == "every option setting"
    return w.message("literate.proofs.run", solver=report.solver,
                     seconds=f"{report.seconds:.1f}", timeout=f"{report.timeout:g}",
                     options=w.message("literate.proofs.every_setting" if every
                                       else "literate.proofs.fixed_setting"))


def _summary(section: ProofSection, w: Wording) -> str:
    """One line for the top of the page."""
    report = section.report
    if report is None:
        return w.message(f"literate.proofs.top.{section.state}")
    counts = report.counts()
    return w.message("literate.proofs.top.run", **counts)
