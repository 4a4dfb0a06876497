"""The yardstick for ``explain()``: an English explanation of a Star verdict written by hand.

What a developer would write without the library: the checks of ``handwritten_star.traced``,
then f-strings. The words are those of the library's explanations for the common cases (the
same sections: the verdict with its reasons, how it was decided, the standards not met with one
sentence per criterion: value, unit, the limit and the clause; the revocation lines with each
standard's state, justification and how the title was obtained); the static texts (titles,
units, clauses, limits) are tables, filled in once here from the ruleset as a developer would
type them. It handles complete offices only and does not typeset Chinese: the comparison
favours it. Used by ``bench_views.py``; not a reference of the library's text (which
``tests/test_explain_reference.py`` and the goldens pin).
"""

from __future__ import annotations

from typing import Any

import handwritten_star

from mingxing_rules import Ruleset
from mingxing_rules.explain import Wording

GROUPS = {
    "workplace_lowered": ("s01_premises", "s02_equipment", "s03_transport", "s04_signage",
                          "s05_informatisation"),
    "casework_lowered": ("s06_mediation", "s07_legal_services", "s08_correction",
                         "s09_resettlement", "s10_legal_publicity"),
    "governance_lowered": ("s11_governance", "s12_township_disputes",
                           "s13_comprehensive_governance", "s14_legal_aid", "s15_stability"),
    "service_lowered": ("s16_political", "s17_team", "s18_service_attitude",
                        "s19_work_quality", "s20_integrity"),
}


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    rounded = round(value, 2)
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


class HandwrittenExplainer:
    """Tables typed once (here: read from the ruleset), f-strings per office."""

    def __init__(self, ruleset: Ruleset) -> None:
        w = Wording("en", ruleset.spec, ruleset.plan)
        plan = ruleset.plan
        self.units: dict[str, tuple[str, str]] = {}  # fact -> (one, many)
        self.titles: dict[str, str] = {}
        for fact in ruleset.spec.facts:
            self.titles[fact.name] = w.fact_title(fact.name)
            unit = fact.unit
            if unit:
                self.units[fact.name] = (w.unit(unit, 1), w.unit(unit, 2))
        self.choices = {(f.name, c.id): w.text(c.title) for f in ruleset.spec.facts
                        for c in f.values}
        # criterion id -> (parent, title, clause, limit, the title and unit of what it compares)
        self.criteria: dict[str, tuple[str, str, str, Any, str, str]] = {}
        self.standards: dict[str, tuple[str, str]] = {}  # id -> (heading, title)
        self.rules: dict[str, tuple[str, str]] = {}  # id -> (title, clause)
        for node in plan.nodes:
            title, clause = w.text(node.title, node.id), w.clause(node.clause)
            if node.kind == "criterion":
                first = node.condition_thresholds[0] if node.condition_thresholds else None
                compared = first.fact if first is not None else ""
                unit = plan.node(compared).unit if compared in plan else None
                self.criteria[node.id] = (node.parent or "", title, clause,
                                          first.value if first is not None else None,
                                          w.fact_title(compared) if compared else title,
                                          unit or "")
            elif node.kind == "standard":
                self.standards[node.id] = (w.titled(node.title, node.clause, node.id), title)
            elif node.kind in ("rule", "outcome"):
                self.rules[node.id] = (title, clause)
        self.outcomes = {n.id: w.text(n.title) for n in plan.outcomes}
        self.outcomes[ruleset.spec.otherwise.id] = w.text(ruleset.spec.otherwise.title)

    def with_unit(self, fact: str, value: Any) -> str:
        one, many = self.units.get(fact, ("", ""))
        return _number(value) + (one if value == 1 else many)

    def sentence(self, rid: str, reads: tuple[tuple[str, Any], ...]) -> str:
        _, title, clause, limit, compared, unit = self.criteria[rid]
        if unit in ("%", "‰") and len(reads) == 2:  # a rate and its counts
            (_, top), (_, bottom) = reads
            scale = 100 if unit == "%" else 1000
            return (f"{compared} {_number(top / bottom * scale)}{unit} ({top}/{bottom}) is "
                    f"below the required {_number(limit * scale)}{unit} ({clause})")
        if len(reads) != 1:
            return f"{title}: not met ({clause})"
        name, value = reads[0]
        fact = self.titles[name]
        if isinstance(value, bool):
            return f"{fact}: not met, by the panel's finding ({clause})"
        if isinstance(value, int | float):
            if limit == 0:
                return f"{fact} {self.with_unit(name, value)}, where none are allowed ({clause})"
            return (f"{fact} {self.with_unit(name, value)} is below the required "
                    f"{self.with_unit(name, limit)} ({clause})")
        if isinstance(value, list | tuple):
            if not value:
                return f"{fact}: none ({clause})"
            said = ", ".join(self.choices.get((name, v), v) for v in value)
            return f"{fact}: {said}, where none are allowed ({clause})"
        return f"{fact} is {self.choices.get((name, value), value)} ({clause})"

    def standard_phrases(self, f: dict[str, Any], standard: str, met: bool) -> list[str]:
        title = self.standards[standard][1]
        if met:
            return [f"met: {title}"]
        justified = "yes" if f.get(f"{standard}_drop_justified") else "no"
        said = [f"not met: {title}", f"{title} shortfall justified: {justified}"]
        awarded = f.get("star_awarded_by")
        if awarded:
            said.append("how the Star title was obtained: "
                        + self.choices.get(("star_awarded_by", awarded), awarded))
        if standard in (f.get("standards_met_when_promoted") or ()):
            said.append(f"standards met when promoted: includes {self.standards[standard][0]}")
        return said

    def explain(self, f: dict[str, Any]) -> str:
        outcome, records = handwritten_star.traced(f)
        by_standard: dict[str, list[str]] = {}
        for rid, ok, reads in records:
            if ok is False and rid in self.criteria:
                by_standard.setdefault(self.criteria[rid][0], []).append(
                    "      ✗ " + self.sentence(rid, reads))
        met = handwritten_star.by_standard(f)
        decision = []
        reasons: list[str] = []
        if f["holds_star_title"]:
            lowered = []
            for group, standards in GROUPS.items():
                phrases = [p for s in standards for p in self.standard_phrases(f, s, met[s])]
                broke = any(not met[s] and not f.get(f"{s}_drop_justified") for s in standards)
                title, clause = self.rules[group]
                decision.append(f"      {'✗' if broke else '✓'} {title} ({clause}): "
                                + "; ".join(phrases))
                if broke:
                    lowered += [p for s in standards if not met[s]
                                for p in self.standard_phrases(f, s, False)]
            reasons = ["it holds the Star title", *lowered]
            decision.insert(0, "    ✗ it lowered the standards without cause (五)")
            decision.insert(0, "    ✓ no major problem in its work (五)")
            decision.insert(0, "  ✗ there are grounds for revocation (五): it holds the Star "
                               "title; it lowered the standards without cause")
        else:
            failing = [self.standards[s][1] for s, ok in met.items() if not ok]
            reasons = [f"not met: {t}" for t in failing]
            decision.append(f"  ✗ meets every standard (四): {'; '.join(reasons)}")
        out = [f"Office: {f['id']}",
               f"Verdict: {self.outcomes.get(outcome, outcome)} [{outcome}]: "
               + ", ".join(reasons) + ".",
               "", "Decision", f"  The verdict is {self.outcomes.get(outcome, outcome)}, because:",
               *decision, "", "Standards",
               f"  {sum(met.values())} of {len(met)} standards met.", "  Not met"]
        for standard, lines in by_standard.items():
            out.append("    " + self.standards[standard][0])
            out += lines
        return "\n".join(out) + "\n"
