"""The durable_rules yardstick: the Star Judicial Office checks as a hand-written Rete ruleset.

Written directly in durable_rules' JSON ruleset format by a developer who knows the engine (no
translation from the YAML): one fact per standard with the facts it needs, a pass, a fail and an
unknown rule per criterion (and a not-applicable rule where a rate has no denominator), result
facts for the criteria, join rules for the standards, groups, rules and decision outcomes, and
actions that record every decision (the trace: why and why not, per check). Rates are computed
before asserting, as durable_rules cannot divide on the left side of a comparison.

It handles missing facts like the library (a missing fact makes its check unknown), so that both
do the same checks; it uses the ruleset's default options. `evaluate(office)` returns
``(outcome, statuses)`` where ``statuses`` maps every check id to pass / fail / unknown / na.

The driver is the same minimal loop over durable_rules' C engine as the library's host, so the
benchmark compares rulesets, not hosts; `evaluate_with_stock_host` runs the same ruleset through
``durable.engine.Host`` for reference.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
from collections.abc import Callable
from typing import Any

import durable_rules_engine as engine  # type: ignore[import-not-found]

F, U, T, NA = 0, 1, 2, 3
STATUS = {F: "fail", U: "unknown", T: "pass", NA: "na"}
AREAS = ["people_mediation", "community_correction", "resettlement_assistance", "legal_aid"]
DEVICES = ["computer", "printer", "fax", "scanner", "telephone", "camera", "voice_recorder"]
TITLES = ["national_model", "national_advanced", "five_good", "provincial_excellent"]

# rates computed before asserting: name -> (numerator, denominator)
RATES = {
    "mediation_rate": ("disputes_mediated_count", "disputes_received_count"),
    "mediation_success_rate": ("disputes_resolved_count", "disputes_mediated_count"),
    "adviser_coverage_rate": ("villages_with_adviser_count", "villages_count"),
    "correction_reoffending_rate": ("correction_reoffenders_count",
                                    "persons_under_correction_count"),
    "key_escort_rate": ("key_released_escorted_count", "key_released_count"),
    "general_escort_rate": ("general_released_escorted_count", "general_released_count"),
    "handover_rate": ("released_handed_over_count", "released_persons_count"),
    "assistance_rate": ("released_assisted_count", "released_persons_count"),
    "resettlement_rate": ("released_resettled_count", "released_persons_count"),
}

# (criterion, check); checks: ("is", fact) | (op, fact, value) | ("rate", rate, op, value,
# denominator) | ("all_in", set fact, items) | ("any_in", set fact, items) | ("empty", set fact)
# | ("one_of", fact, values) | ("implies_at_least", count fact, n, flag fact)
STANDARDS: dict[str, list[tuple[str, tuple[Any, ...]]]] = {
    "s01_premises": [
        ("independent_premises", ("is", "premises_independent")),
        ("floor_area", (">=", "floor_area_m2", 200)),
        ("premises_layout", ("is", "premises_layout_reasonable")),
        ("functional_areas_complete", ("all_in", "functional_areas", AREAS)),
        ("meeting_room", (">=", "meeting_room_seats", 20)),
    ],
    "s02_equipment": [("equipment_complete", ("all_in", "equipment", DEVICES))],
    "s03_transport": [("motorcycle_or_e_bike", ("any_in", "vehicles",
                                                ["police_motorcycle", "e_bike"]))],
    "s04_signage": [("signage", ("is", "signage_compliant"))],
    "s05_informatisation": [
        ("business_software", ("is", "business_software_used")),
        ("intranet_computer", (">=", "intranet_computers_count", 1)),
        ("network_security", ("is", "private_network_secure")),
    ],
    "s06_mediation": [
        ("hard_disputes", ("is", "joins_difficult_mediation")),
        ("mediation_bodies", ("is", "mediation_centre_and_committee")),
        ("village_committees", ("is", "village_committees_sound")),
        ("mediation_linked", ("is", "mediation_linkage")),
        ("mediation_rate_98", ("rate", "mediation_rate", ">=", 0.98, "disputes_received_count")),
        ("mediation_success_96", ("rate", "mediation_success_rate", ">=", 0.96,
                                  "disputes_mediated_count")),
        ("no_mediation_incidents", ("empty", "mediation_incidents")),
        ("mediation_funding", ("is", "mediation_funding_budgeted")),
        ("mediator_subsidies", ("is", "mediator_subsidies_paid")),
    ],
    "s07_legal_services": [
        ("adviser_coverage", ("rate", "adviser_coverage_rate", ">=", 1, "villages_count")),
        ("no_ethics_breach", ("==", "legal_service_ethics_breaches_count", 0)),
        ("satisfaction_campaigns", ("is", "legal_service_campaigns")),
    ],
    "s08_correction": [
        ("correction_officer", ("is", "correction_dedicated_staff")),
        ("correction_workers_ratio", ("is", "correction_workers_ratio_met")),
        ("correction_files", ("is", "correction_files_complete")),
        ("correction_supervision", ("is", "correction_supervision_network")),
        ("no_correction_lapses", ("==", "correction_lapses_count", 0)),
        ("correction_reoffending_1permille", ("rate", "correction_reoffending_rate", "<=", 0.001,
                                              "persons_under_correction_count")),
        ("correction_funding", ("is", "correction_funding_in_place")),
    ],
    "s09_resettlement": [
        ("caseload_known", ("is", "released_caseload_known")),
        ("key_targets_escorted", ("rate", "key_escort_rate", ">=", 1, "key_released_count")),
        ("general_escort_80", ("rate", "general_escort_rate", ">=", 0.8,
                               "general_released_count")),
        ("handover_100", ("rate", "handover_rate", ">=", 1, "released_persons_count")),
        ("assistance_100", ("rate", "assistance_rate", ">=", 1, "released_persons_count")),
        ("resettlement_95", ("rate", "resettlement_rate", ">=", 0.95, "released_persons_count")),
        ("no_released_reoffending", ("==", "released_reoffenders_count", 0)),
        ("no_serious_incidents", ("==", "released_serious_incidents_count", 0)),
        ("resettlement_base", ("is", "transitional_base")),
    ],
    "s10_legal_publicity": [
        ("publicity_planning", ("is", "publicity_planned")),
        ("publicity_volunteers", ("is", "publicity_teams")),
        ("education_coverage", ("is", "education_coverage_met")),
        ("monthly_bulletin", (">=", "bulletin_months_count", 12)),
        ("quarterly_themed_activity", (">=", "themed_activity_quarters_count", 4)),
        ("publicity_funding", ("is", "publicity_funding_in_place")),
    ],
    "s11_governance": [
        ("legal_opinions", ("is", "legal_opinions_to_township")),
        ("conduct_reviews", ("is", "conduct_review_participation")),
    ],
    "s12_township_disputes": [
        ("hazards_screened", ("is", "hazard_screening")),
        ("township_recognition", ("is", "recognised_by_township")),
        ("township_ranking", ("is", "ranks_near_top")),
    ],
    "s13_comprehensive_governance": [("governance_participation",
                                      ("is", "comprehensive_governance"))],
    "s14_legal_aid": [
        ("legal_aid_coverage", ("is", "legal_aid_for_all_eligible")),
        ("aid_workstation", ("is", "legal_aid_workstation")),
        ("aid_liaison_officers", ("is", "legal_aid_liaison_team")),
    ],
    "s15_stability": [("stability_tasks", ("is", "stability_tasks_completed"))],
    "s16_political": [
        ("party_branch", ("implies_at_least", "party_members", 3, "party_branch_established")),
        ("core_values", ("is", "core_values_conduct")),
    ],
    "s17_team": [
        ("min_staff", (">=", "staff_count", 7)),
        ("no_vacant_posts", ("==", "vacant_posts", 0)),
        ("no_unauthorised_transfers", ("==", "unauthorised_transfers_count", 0)),
        ("director_status", ("is", "director_civil_servant")),
        ("director_degree", ("one_of", "director_law_education",
                             ["college_or_higher", "equivalent"])),
        ("director_competence", ("is", "director_competent")),
        ("staff_conduct", ("is", "staff_conduct_proper")),
    ],
    "s18_service_attitude": [
        ("courtesy", ("is", "courteous_service")),
        ("four_hards_absent", ("is", "no_four_hards")),
    ],
    "s19_work_quality": [
        ("fair_handling", ("is", "fair_lawful_handling")),
        ("no_errors", ("is", "error_free")),
    ],
    "s20_integrity": [
        ("integrity_rules", ("is", "integrity_rules_kept")),
        ("no_abuse_of_power", ("is", "no_abuse_or_banquets")),
    ],
}
GROUPS = {
    "workplace": ["s01_premises", "s02_equipment", "s03_transport", "s04_signage",
                  "s05_informatisation"],
    "platform": ["s06_mediation", "s07_legal_services", "s08_correction", "s09_resettlement",
                 "s10_legal_publicity", "s11_governance", "s12_township_disputes",
                 "s13_comprehensive_governance", "s14_legal_aid", "s15_stability"],
    "service": ["s16_political", "s17_team", "s18_service_attitude", "s19_work_quality",
                "s20_integrity"],
}

_OPS = {">=": "$gte", "<=": "$lte", ">": "$gt", "<": "$lt", "!=": "$neq"}
_NEG = {">=": "<", "<=": ">", "==": "!=", ">": "<=", "<": ">="}


def _cmp(op: str, field: str, value: Any) -> dict[str, Any]:
    return {field: value} if op == "==" else {_OPS[op]: {field: value}}


def _nex(*fields: str) -> dict[str, Any]:
    tests = [{"$nex": {f: 1}} for f in fields]
    return tests[0] if len(tests) == 1 else {"$or": tests}


def criterion_tests(check: tuple[Any, ...]) -> dict[int, dict[str, Any]]:
    """The pass / fail / unknown (/ not applicable) conditions of one criterion."""
    kind = check[0]
    if kind == "is":
        return {T: {check[1]: True}, F: {check[1]: False}, U: _nex(check[1])}
    if kind == "rate":
        _, rate, op, value, denominator = check
        return {NA: {denominator: 0},
                T: {"$and": [{"$gt": {denominator: 0}}, _cmp(op, rate, value)]},
                F: {"$and": [{"$gt": {denominator: 0}}, _cmp(_NEG[op], rate, value)]},
                U: {"$or": [{"$nex": {denominator: 1}},
                            {"$and": [{"$gt": {denominator: 0}}, {"$nex": {rate: 1}}]}]}}
    if kind in ("all_in", "any_in"):
        _, field, items = check
        size = field + "_n"
        has = [{"$iany": {field: {"$i": item}}} for item in items]
        lacks = [{"$iall": {field: {"$neq": {"$i": item}}}} for item in items]
        if kind == "all_in":  # an empty set has no list, only its size 0 ($iall on [] fails)
            return {T: {"$and": has}, F: {"$or": [*lacks, {size: 0}]}, U: _nex(size)}
        return {T: {"$or": has}, F: {"$or": [{"$and": lacks}, {size: 0}]}, U: _nex(size)}
    if kind == "empty":
        size = check[1] + "_n"
        return {T: {size: 0}, F: {"$gt": {size: 0}}, U: _nex(size)}
    if kind == "one_of":
        _, field, values = check
        return {T: {"$or": [{field: v} for v in values]},
                F: {"$and": [{"$neq": {field: v}} for v in values] + [{"$ex": {field: 1}}]},
                U: _nex(field)}
    if kind == "implies_at_least":
        _, count, n, flag = check
        return {T: {"$or": [{"$lt": {count: n}}, {flag: True}]},
                F: {"$and": [{"$gte": {count: n}}, {flag: False}]},
                U: {"$or": [{"$and": [{"$nex": {count: 1}}, {"$or": [{flag: False},
                                                                        {"$nex": {flag: 1}}]}]},
                            {"$and": [{"$gte": {count: n}}, {"$nex": {flag: 1}}]}]}}
    op, field, value = check
    return {T: _cmp(op, field, value), F: _cmp(_NEG[op], field, value), U: _nex(field)}


def _res(node: str, *codes: int) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [{"t": "res"}, {"n": node}]
    if len(codes) == 1:
        tests.append({"v": codes[0]})
    elif codes:
        tests.append({"$or": [{"v": c} for c in codes]})
    return {"$and": tests}


def _some(parent: str, code: int) -> dict[str, Any]:
    return {"$and": [{"t": "res"}, {"p": parent}, {"v": code}]}


def _not3(a: int) -> int:
    return {T: F, F: T}.get(a, U)


def _and3(*values: int) -> int:
    return F if F in values else U if U in values else T


def _or3(*values: int) -> int:
    return T if T in values else U if U in values else F


# 五 无故降低创建标准, standard by standard, in the ruleset's four groups of five
LOWERED = {
    "workplace_lowered": list(GROUPS["workplace"]),
    "casework_lowered": GROUPS["platform"][:5],
    "governance_lowered": GROUPS["platform"][5:],
    "service_lowered": list(GROUPS["service"]),
}


def truth_joined(add: Callable[..., None], node: str, pri: int, inputs: list[str],
                 truth: Callable[..., int], parent: str | None = None) -> None:
    """A rule decided by a three-valued function of other results: every combination of the
    inputs' results is one join alternative of the rule for the value it gives (a standard's
    'not applicable' counts as met)."""
    cases: dict[int, list[list[dict[str, Any]]]] = {T: [], F: [], U: []}
    for combination in itertools.product((T, F, U), repeat=len(inputs)):
        cases[truth(*combination)].append(
            [{f"k{i}": _res(name, *((T, NA) if code == T else (code,)))}
             for i, (name, code) in enumerate(zip(inputs, combination, strict=True))])
    for code, joins in cases.items():
        if joins:
            rule = ({"all": joins[0]} if len(joins) == 1 else
                    {"any": [{f"a{i}$all": j} for i, j in enumerate(joins)]})
            add(node, code, rule, parent, pri)


def disjunction(node: str, parts: list[str]) -> dict[int, Any]:
    """OR of result facts posted with ``node`` as their parent: pass if one passes, unknown if
    none passes and one is unknown, else fail."""
    return {T: {"all": [{"x": _some(node, T)}]},
            U: {"all": [{"x": _some(node, U)},
                        *[{f"k{i}": _res(p, U, F)} for i, p in enumerate(parts)]], "dist": 0},
            F: {"all": [{f"k{i}": _res(p, F)} for i, p in enumerate(parts)]}}


def conjunction(node: str, parts: list[str], can_be_na: bool) -> dict[int, Any]:
    """AND of result facts (a standard, a group): fail if one fails, unknown if none fails and
    one is unknown, not applicable if all are, else pass."""
    joined = {T: [{f"k{i}": _res(p, T, NA)} for i, p in enumerate(parts)],
              U: [{f"k{i}": _res(p, U, T, NA)} for i, p in enumerate(parts)]}
    rules = {F: {"all": [{"x": _some(node, F)}]},
             U: {"all": [{"x": _some(node, U)}, *joined[U]], "dist": 0}}
    if can_be_na:
        rules[T] = {"all": [{"x": _some(node, T)}, *joined[T]], "dist": 0}
        rules[NA] = {"all": [{f"k{i}": _res(p, NA)} for i, p in enumerate(parts)]}
    else:
        rules[T] = {"all": joined[T]}
    return rules


def build_ruleset() -> tuple[dict[str, Any], dict[str, tuple[str, int, str | None]]]:
    """The rules and, per rule, (node decided, status code, parent tag of the result posted)."""
    rules: dict[str, Any] = {}
    actions: dict[str, tuple[str, int, str | None]] = {}

    def add(node: str, code: int, rule: dict[str, Any], parent: str | None, pri: int) -> None:
        name = f"{node}:{STATUS[code]}"
        rule.update({"pri": pri, "cap": 1000})
        rules[name] = rule
        actions[name] = (node, code, parent)

    for standard, criteria in STANDARDS.items():
        for criterion, check in criteria:
            for code, test in criterion_tests(check).items():
                add(criterion, code, {"all": [{"m": {"$and": [{"t": standard}, test]}}]},
                    standard, 0)
        parts = [c for c, _ in criteria]
        can_be_na = all(check[0] == "rate" for _, check in criteria)
        group = next(g for g, members in GROUPS.items() if standard in members)
        for code, rule in conjunction(standard, parts, can_be_na).items():
            add(standard, code, rule, group, 1)
    for group, members in GROUPS.items():
        for code, rule in conjunction(group, members, False).items():
            add(group, code, rule, "standards_met", 2)
    for code, rule in conjunction("standards_met", list(GROUPS), False).items():
        add("standards_met", code, rule, None, 3)

    # rules on facts of the procedure fact ("proc")
    def proc(node: str, tests: dict[int, dict[str, Any]], parent: str | None = None) -> None:
        for code, test in tests.items():
            add(node, code, {"all": [{"m": {"$and": [{"t": "proc"}, test]}}]}, parent, 0)

    proc("police_car_where_possible", criterion_tests(("any_in", "vehicles", ["police_car"])))
    proc("holds_promotion_title", criterion_tests(("any_in", "honours", TITLES)))
    proc("applicant_is_office", criterion_tests(("one_of", "office_kind", ["township", "street"])),
         "application_admissible")
    proc("county_review", criterion_tests(("is", "county_review_passed")),
         "application_admissible")
    proc("submitted_in_time", {  # the deadline (30 November of the year) is computed before
        T: {"$and": [{"$ex": {"deadline": 1}}, {"$lte": {"submitted_on": {"$m": "deadline"}}}]},
        F: {"$and": [{"$ex": {"deadline": 1}}, {"$gt": {"submitted_on": {"$m": "deadline"}}}]},
        U: _nex("submitted_on", "deadline")}, "application_admissible")
    proc("in_campaign_period", {
        T: {"$and": [{"$gte": {"assessment_year": 2013}}, {"$lte": {"assessment_year": 2015}}]},
        F: {"$or": [{"$lt": {"assessment_year": 2013}}, {"$gt": {"assessment_year": 2015}}]},
        U: _nex("assessment_year")}, "application_admissible")
    proc("major_problem_ground", criterion_tests(("is", "major_problem")))
    for standard in STANDARDS:  # 五 无故降低: a cause accepted for this standard; held to it
        cause = f"{standard}_drop_justified"
        proc(f"{standard}_justified", {T: {cause: True},
                                       F: {"$or": [{cause: False}, {"$nex": {cause: 1}}]}})
        proc(f"{standard}_held", criterion_tests(("is", f"held_{standard}")))
    proc("holds_star_title", criterion_tests(("is", "holds_star_title")))
    for code, rule in conjunction("application_admissible",
                                  ["applicant_is_office", "county_review", "submitted_in_time",
                                   "in_campaign_period"], False).items():
        add("application_admissible", code, rule, None, 1)

    def joined(node: str, pri: int, cases: dict[int, list[list[tuple[str, tuple[int, ...]]]]]
               ) -> None:
        """A rule decided by combinations of other results (each alternative is one join)."""
        for code, alternatives in cases.items():
            joins = [[{f"k{i}": _res(n, *c)} for i, (n, c) in enumerate(alt)]
                     for alt in alternatives]
            rule = ({"all": joins[0]} if len(joins) == 1 else
                    {"any": [{f"a{i}$all": j} for i, j in enumerate(joins)]})
            add(node, code, rule, None, pri)

    hpt, mpg = "holds_promotion_title", "major_problem_ground"
    truth_joined(add, "promotion_route", 1, [hpt, "applicant_is_office"], _and3)
    truth_joined(add, "direct_promotion", 1, ["promotion_route", mpg],
                 lambda route, major: _and3(route, _not3(major)))
    for group, members in LOWERED.items():
        for standard in members:
            truth_joined(add, f"{standard}_lowered", 4,
                         [standard, f"{standard}_justified", f"{standard}_held"],
                         lambda s, j, h: _and3(_not3(s), _not3(j), h), group)
        for code, rule in disjunction(group, [f"{s}_lowered" for s in members]).items():
            add(group, code, rule, "lowered_standards_ground", 5)
    for code, rule in disjunction("lowered_standards_ground", list(LOWERED)).items():
        add("lowered_standards_ground", code, rule, None, 5)
    lsg, hst = "lowered_standards_ground", "holds_star_title"
    joined("revocation_grounds", 5, {  # holds the title and (major problem or lowered)
        T: [[(hst, (T,)), (mpg, (T,))], [(hst, (T,)), (lsg, (T,))]],
        F: [[(hst, (F,))], [(mpg, (F,)), (lsg, (F,))]],
        U: [[(hst, (U,)), (mpg, (T, U)), (lsg, (T, U, F))],
            [(hst, (U,)), (mpg, (F,)), (lsg, (T, U))],
            [(hst, (T,)), (mpg, (U,)), (lsg, (U, F))],
            [(hst, (T,)), (mpg, (F,)), (lsg, (U,))]]})
    rg = "revocation_grounds"
    joined("REVOCATION_RECOMMENDED", 6, {T: [[(rg, (T,))]], F: [[(rg, (F,))]],
                                         U: [[(rg, (U,))]]})
    joined("RETAINED", 6, {T: [[(hst, (T,)), (rg, (F,))]],
                           F: [[(hst, (F,))], [(rg, (T,))]],
                           U: [[(hst, (U,)), (rg, (F, U))], [(hst, (T,)), (rg, (U,))]]})
    joined("DIRECT_PROMOTION", 2, {T: [[("direct_promotion", (T,))]],
                                   F: [[("direct_promotion", (F,))]],
                                   U: [[("direct_promotion", (U,))]]})
    truth_joined(add, "WITHHELD", 4,  # 五: a major problem bars both paths to the title
                 [mpg, "promotion_route", "application_admissible", "standards_met"],
                 lambda major, route, admissible, met: _and3(major, _or3(
                     route, _and3(admissible, met))))
    joined("INADMISSIBLE", 2, {T: [[("application_admissible", (F,))]],
                               F: [[("application_admissible", (T,))]],
                               U: [[("application_admissible", (U,))]]})
    joined("STAR", 4, {T: [[("standards_met", (T,))]], F: [[("standards_met", (F,))]],
                       U: [[("standards_met", (U,))]]})
    return rules, actions


def consumed(rules: dict[str, Any]) -> set[str]:
    """Nodes whose result some rule reads (only those results are posted)."""
    text = json.dumps(rules)
    return {node for node in {a[0] for a in build_ruleset()[1].values()}
            if f'{{"n": "{node}"}}' in text}


OUTCOMES = ["REVOCATION_RECOMMENDED", "RETAINED", "DIRECT_PROMOTION", "WITHHELD", "INADMISSIBLE",
            "STAR"]
_FACTS_OF: dict[str, list[str]] = {}


def _facts_of_standard(standard: str) -> list[str]:
    if standard not in _FACTS_OF:
        names: list[str] = []
        for _, check in STANDARDS[standard]:
            if check[0] == "rate":
                names += [check[1], check[4]]
            elif check[0] in ("all_in", "any_in", "empty"):
                names += [check[1], check[1] + "_n"]
            elif check[0] == "implies_at_least":
                names += [check[1], check[3]]
            else:
                names.append(check[1])
        _FACTS_OF[standard] = names
    return _FACTS_OF[standard]


PROC_FACTS = ["vehicles", "vehicles_n", "honours", "honours_n", "office_kind",
              "county_review_passed", "submitted_on", "deadline", "assessment_year",
              "major_problem", "holds_star_title",
              *[f"{s}_drop_justified" for s in STANDARDS], *[f"held_{s}" for s in STANDARDS]]


def facts_of(office: dict[str, Any]) -> list[dict[str, Any]]:
    """One fact per standard plus the procedure fact; rates, set sizes and the deadline are
    computed here. Missing facts stay missing; empty sets are sent as size 0 only."""
    values = {k: (v["met"] if isinstance(v, dict) else v) for k, v in office.items()}
    for rate, (top, bottom) in RATES.items():
        a, b = values.get(top), values.get(bottom)
        values[rate] = a / b if a is not None and b else None
    for name in ("functional_areas", "equipment", "vehicles", "mediation_incidents", "honours"):
        if values.get(name) is not None:
            values[name + "_n"] = len(values[name])
            if not values[name]:
                values[name] = None
    year = values.get("assessment_year")
    values["deadline"] = dt.date(year, 11, 30).isoformat() if year is not None else None
    # 五 on a promoted Star: held to the standards it met when promoted (computed here, like
    # the rates: the engine has no set membership against another fact)
    awarded, honours = office.get("star_awarded_by"), office.get("honours")
    titled = None if honours is None else any(h in honours for h in TITLES)
    promoted = {"direct_promotion": True, "assessment": False}.get(awarded, titled) \
        if awarded is not None else titled
    met_then = office.get("standards_met_when_promoted") or ()
    for standard in STANDARDS:
        values[f"held_{standard}"] = (True if promoted is False or standard in met_then
                                      else None if promoted is None else False)
    facts = []
    for standard in STANDARDS:
        fact = {"t": standard}
        fact.update({k: values[k] for k in _facts_of_standard(standard)
                     if values.get(k) is not None})
        facts.append(fact)
    proc = {"t": "proc"}
    proc.update({k: values[k] for k in PROC_FACTS if values.get(k) is not None})
    facts.append(proc)
    return facts


class Yardstick:
    """The ruleset registered once, and a minimal driver (the same loop as the library's host)."""

    def __init__(self, name: str = "star-handmade") -> None:
        self.rules, self.actions = build_ruleset()
        self.handle = engine.create_ruleset(name, json.dumps(self.rules))
        self.sids = itertools.count(1)
        read = consumed(self.rules)
        self.post = {rule: (',"t":"res","n":"' + node + '"' +
                            (f',"p":"{parent}"' if parent else "") + f',"v":{code}}}')
                     if node in read or parent else None
                     for rule, (node, code, parent) in self.actions.items()}

    def evaluate(self, office: dict[str, Any]) -> tuple[str, dict[str, str]]:
        sid = str(next(self.sids))
        facts = facts_of(office)
        for fact in facts:
            fact["sid"] = sid
        statuses: dict[str, str] = {}
        _, state = engine.assert_facts(self.handle, json.dumps(facts))
        started = engine.start_action_for_state(self.handle, state)
        message = started[1] if started else None
        try:
            while message:
                rule = message[2:message.index('"', 2)]
                node, result, _ = self.actions[rule]
                if node not in statuses:  # record the decision (why / why not), post the result
                    statuses[node] = STATUS[result]
                    post = self.post[rule]
                    if post is not None:
                        engine.assert_fact(self.handle, '{"sid":"' + sid + '"' + post)
                message = engine.complete_and_start_action(self.handle, state)
        finally:
            engine.delete_state(self.handle, sid)
        return _outcome(statuses), statuses


def _outcome(statuses: dict[str, str]) -> str:
    unknown = False
    for outcome in OUTCOMES:
        status = statuses.get(outcome)
        if status == "pass":
            return "UNDECIDED" if unknown else outcome
        if status == "unknown":
            unknown = True
    return "UNDECIDED" if unknown else "NOT_ELIGIBLE"


def evaluate_with_stock_host(offices: list[dict[str, Any]]) -> list[str]:
    """The same ruleset through durable_rules' own ``Host`` (Python closures per action)."""
    from durable import engine as stock

    rules, actions = build_ruleset()
    read = consumed(rules)
    statuses: dict[str, dict[str, str]] = {}

    def make(rule: str) -> Callable[[Any], None]:
        node, result, parent = actions[rule]

        def action(c: Any) -> None:
            seen = statuses.setdefault(c.s.sid, {})
            if node not in seen:
                seen[node] = STATUS[result]
                if node in read or parent:
                    fact = {"t": "res", "n": node, "v": result}
                    if parent:
                        fact["p"] = parent
                    c.assert_fact(fact)

        return action

    class QuietHost(stock.Host):  # type: ignore[misc]
        def _run(self) -> None:  # no background timer threads
            pass

        def get_action(self, action_name: str) -> Callable[[Any], None]:
            return make(action_name)

    definition = copy.deepcopy(rules)
    for name, rule in definition.items():
        rule["run"] = name
    stock_host = QuietHost()
    stock_host.register_rulesets({"star-handmade-stock": definition})
    outcomes = []
    for number, office in enumerate(offices):
        sid = f"s{number}"
        facts = facts_of(office)
        for fact in facts:
            fact["sid"] = sid
        stock_host.assert_facts("star-handmade-stock", facts)
        stock_host.delete_state("star-handmade-stock", sid)
        outcomes.append(_outcome(statuses.pop(sid, {})))
    return outcomes
