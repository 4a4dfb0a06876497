"""Proof results and how people read them: text (zh / en) and JSON.

A :class:`ProofResult` is one check on one subject (a criterion, an outcome, a rule, a declared
property, a kind of verdict flip) with its status — ``proved``, ``refuted`` (with a
counterexample office or an unsat core pointing at ``file:line``) or ``unknown`` (the solver
gave up within its time budget, or the construct is not encoded) — and the time it took. A
:class:`ProofReport` is the whole run, with the solver version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = ["CHECK_TITLES", "ProofReport", "ProofResult", "Status"]

Status = Literal["proved", "refuted", "unknown"]

#: What each check claims, in both languages.
CHECK_TITLES: dict[str, tuple[str, str]] = {
    "criterion_can_pass": ("每项标准都可能达到", "each criterion can pass"),
    "criterion_can_fail": ("每项标准都可能不达到", "each criterion can fail"),
    "outcome_reachable": ("每个结论都可能作出（未被前序结论遮蔽）",
                          "each outcome is reachable (not shadowed by earlier ones)"),
    "rule_not_dead": ("没有失效的规则（既可能成立也可能不成立）",
                      "no dead rule (each can hold and can fail)"),
    "undecided_only_when_missing": ("事实齐全时必有结论（仅在缺少事实时无法判定）",
                                    "UNDECIDED only when a fact is missing"),
    "property": ("规则集声明的性质", "declared properties"),
    "equivalence": ("两个版本对每个司法所结论相同", "both versions give the same verdict"),
    "flip": ("结论变化", "verdict flips"),
}

_STATUS_TEXT = {
    "zh": {"proved": "已证明", "refuted": "不成立", "unknown": "未能判明"},
    "en": {"proved": "proved", "refuted": "REFUTED", "unknown": "unknown"},
}


@attrs.frozen
class ProofResult:
    """One check on one subject."""

    check: str  # a key of CHECK_TITLES
    subject: str  # node, property or flip id
    status: Status
    message: str  # English, one line
    message_zh: str = ""
    location: str = ""  # file:line of the subject
    clause: str = ""
    office: Mapping[str, Any] | None = None  # witness (proved can-pass) or counterexample
    other_office: Mapping[str, Any] | None = None  # the second office of a monotone pair
    options: Mapping[str, Any] | None = None  # the option setting of the office
    core: tuple[str, ...] = ()  # unsat core: "label (file:line)"
    reproduced: bool | None = None  # the native engine agrees with the solver's office
    durable: bool | None = None  # the durable backend agrees too (None: not run)
    details: Mapping[str, Any] = attrs.field(factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "check": self.check, "subject": self.subject, "status": self.status,
            "message": self.message, "message_zh": self.message_zh or self.message,
            "location": self.location, "clause": self.clause, "seconds": round(self.seconds, 4)}
        for key in ("office", "other_office", "options"):
            value = getattr(self, key)
            if value is not None:
                found[key] = dict(value)
        if self.core:
            found["core"] = list(self.core)
        if self.reproduced is not None:
            found["reproduced"] = self.reproduced
        if self.durable is not None:
            found["durable"] = self.durable
        if self.details:
            found["details"] = dict(self.details)
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProofResult:
        """A result read back from :meth:`to_dict` (a ``mingxing prove --format json`` report);
        raises ``KeyError``, ``TypeError`` or ``ValueError`` for data of another shape."""
        status = data["status"]
        if status not in ("proved", "refuted", "unknown"):
            raise ValueError(f"unknown status {status!r}")
        optional = {key: dict(data[key]) for key in ("office", "other_office", "options")
                    if data.get(key) is not None}
        return cls(
            str(data["check"]), str(data["subject"]), status, str(data["message"]),
            str(data.get("message_zh", "")), str(data.get("location", "")),
            str(data.get("clause", "")), core=tuple(str(c) for c in data.get("core", ())),
            reproduced=data.get("reproduced"), durable=data.get("durable"),
            details=dict(data.get("details", {})), seconds=float(data.get("seconds", 0.0)),
            **optional)

    def line(self, lang: str = "en") -> str:
        status = _STATUS_TEXT[lang][self.status]
        message = self.message_zh if lang == "zh" and self.message_zh else self.message
        where = f"  [{self.location}]" if self.location and self.status != "proved" else ""
        return f"{status:8} {self.subject}: {message}{where}"


@attrs.frozen
class ProofReport:
    """A whole run of the prover on one ruleset (or a pair of versions)."""

    subject: str  # ruleset key, or "old -> new"
    solver: str  # e.g. "z3 4.13.0"
    results: tuple[ProofResult, ...]
    seconds: float
    timeout: float  # the per-check budget, in seconds
    options: str  # "every option setting" or the fixed options
    digest: str = ""  # content hash of the ruleset file proved (one ruleset only)

    @property
    def ok(self) -> bool:
        """Nothing refuted and nothing unknown."""
        return all(r.status == "proved" for r in self.results)

    def by_status(self, status: Status) -> tuple[ProofResult, ...]:
        return tuple(r for r in self.results if r.status == status)

    def of(self, check: str) -> tuple[ProofResult, ...]:
        return tuple(r for r in self.results if r.check == check)

    def counts(self) -> dict[str, int]:
        return {s: len(self.by_status(s)) for s in ("proved", "refuted", "unknown")}

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "solver": self.solver,
                "seconds": round(self.seconds, 3), "timeout_per_check": self.timeout,
                "options": self.options, "ok": self.ok, "counts": self.counts(),
                **({"digest": self.digest} if self.digest else {}),
                "results": [r.to_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProofReport:
        """A report read back from :meth:`to_dict` (``mingxing prove --format json``)."""
        return cls(str(data["subject"]), str(data["solver"]),
                   tuple(ProofResult.from_dict(r) for r in data["results"]),
                   float(data["seconds"]), float(data["timeout_per_check"]),
                   str(data["options"]), str(data.get("digest", "")))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self, lang: str = "en", *, verbose: bool = False) -> str:
        """Per check: a summary line, then every result that is not proved (all with
        ``verbose``), with counterexample offices shown as the facts that matter."""
        counts = self.counts()
        if lang == "zh":
            options = {"every option setting": "所有选项取值",
                       "options as loaded": "按加载时的选项"}.get(self.options, self.options)
            head = (f"证明 {self.subject}（{options}；{self.solver}，"
                    f"用时{self.seconds:.1f}秒，每项限时{self.timeout:g}秒）："
                    f"已证明{counts['proved']}项，不成立{counts['refuted']}项，"
                    f"未能判明{counts['unknown']}项")
        else:
            head = (f"prove {self.subject} ({self.options}; {self.solver}, "
                    f"{self.seconds:.1f} s, {self.timeout:g} s per check): "
                    f"{counts['proved']} proved, {counts['refuted']} refuted, "
                    f"{counts['unknown']} unknown")
        lines = [head]
        for check, (zh, en) in CHECK_TITLES.items():
            results = self.of(check)
            if not results:
                continue
            bad = [r for r in results if r.status != "proved"]
            mark = "ok" if not bad else ("!!" if any(r.status == "refuted" for r in bad) else "??")
            title = zh if lang == "zh" else en
            colon = "：" if lang == "zh" else ": "
            lines.append(f"[{mark}] {title}{colon}{len(results) - len(bad)}/{len(results)}")
            for result in results if verbose else bad:
                lines.append("    " + result.line(lang))
                lines += ["        " + c for c in _detail_lines(result, lang)]
        return "\n".join(lines)


def _detail_lines(result: ProofResult, lang: str) -> list[str]:
    lines: list[str] = []
    if result.core:
        lines.append(("原因（不可满足核心）：" if lang == "zh" else "because (unsat core): ")
                     + ("；" if lang == "zh" else "; ").join(result.core))
    if result.options:
        lines.append(("选项：" if lang == "zh" else "options: ")
                     + ("，" if lang == "zh" else ", ").join(
                         f"{k}={v!r}" for k, v in result.options.items()))
    changed = result.details.get("changed_facts")
    if changed is not None:
        missing = "缺失" if lang == "zh" else "missing"
        lines.append(("改动的事实：" if lang == "zh" else "facts changed: ")
                     + ("，" if lang == "zh" else ", ").join(
            f"{k}={missing if v is None else repr(v)}" for k, v in changed.items()))
    for label, office in (("office", result.office), ("then", result.other_office)):
        if office is None or changed is not None:
            continue
        shown = result.details.get("shown_facts")
        items = [(k, v) for k, v in office.items() if k != "id"
                 and (not shown or k in shown)]
        name = {"office": "司法所" if lang == "zh" else "office",
                "then": "对照" if lang == "zh" else "versus"}[label]
        colon, comma = ("：", "，") if lang == "zh" else (": ", ", ")
        lines.append(f"{name}{colon}" + comma.join(f"{k}={v!r}" for k, v in items[:12])
                     + (("……" if lang == "zh" else " ...") if len(items) > 12 else ""))
    if result.reproduced is not None:
        agree = {True: ("本地引擎复现", "native engine reproduces it"),
                 False: ("本地引擎未复现！", "native engine does NOT reproduce it!")}
        lines.append(agree[result.reproduced][0 if lang == "zh" else 1])
    for line in result.details.get("explanation_" + lang, ()):
        lines.append(line)
    return lines
