"""The yardstick: the Star Judicial Office checks written by hand, as a developer would.

`traced(f)` does every check of the ruleset's 70 criteria, the standards, groups, rules and the
decision, and builds one record per check: (id, passed / failed / "n/a", the values it read).
`short_circuit(f)` only answers the outcome, stopping at the first failure.

Both assume complete data (every fact present), as a hand-written function usually does; the
library additionally handles missing facts (three-valued logic), so the comparison favours
the yardstick. Options are the ruleset defaults.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

AREAS = ("people_mediation", "community_correction", "resettlement_assistance", "legal_aid")
DEVICES = ("computer", "printer", "fax", "scanner", "telephone", "camera", "voice_recorder")
TITLES = ("national_model", "national_advanced", "five_good", "provincial_excellent")
NA = "n/a"


def _rate_check(records: list[Any], rid: str, top: int, bottom: int, minimum: float,
                names: tuple[str, str]) -> bool:
    if bottom > 0:
        ok = top / bottom >= minimum
        records.append((rid, ok, ((names[0], top), (names[1], bottom))))
        return ok
    records.append((rid, NA, ((names[0], top), (names[1], bottom))))
    return True


def traced(f: dict[str, Any], floor_area_min: int = 200) -> tuple[str, list[Any]]:
    """``floor_area_min``: the one threshold the impact benchmark amends (200 -> 180)."""
    r: list[Any] = []
    add = r.append
    # 四(一) workplace
    s1 = []
    v = f["premises_independent"]; add(("independent_premises", v, (("premises_independent", v),))); s1.append(v)  # noqa: E501
    v = f["floor_area_m2"]; ok = v >= floor_area_min; add(("floor_area", ok, (("floor_area_m2", v),))); s1.append(ok)  # noqa: E501
    v = f["premises_layout_reasonable"]; add(("premises_layout", v, (("premises_layout_reasonable", v),))); s1.append(v)  # noqa: E501
    v = f["functional_areas"]; ok = all(a in v for a in AREAS); add(("functional_areas_complete", ok, (("functional_areas", v),))); s1.append(ok)  # noqa: E501
    v = f["meeting_room_seats"]; ok = v >= 20; add(("meeting_room", ok, (("meeting_room_seats", v),))); s1.append(ok)  # noqa: E501
    v = f["equipment"]; s2 = all(d in v for d in DEVICES); add(("equipment_complete", s2, (("equipment", v),)))  # noqa: E501
    v = f["vehicles"]; s3 = "police_motorcycle" in v or "e_bike" in v; add(("motorcycle_or_e_bike", s3, (("vehicles", v),)))  # noqa: E501
    v = f["signage_compliant"]; s4 = v; add(("signage", v, (("signage_compliant", v),)))
    s5 = []
    v = f["business_software_used"]; add(("business_software", v, (("business_software_used", v),))); s5.append(v)  # noqa: E501
    v = f["intranet_computers_count"]; ok = v >= 1; add(("intranet_computer", ok, (("intranet_computers_count", v),))); s5.append(ok)  # noqa: E501
    v = f["private_network_secure"]; add(("network_security", v, (("private_network_secure", v),))); s5.append(v)  # noqa: E501
    workplace = all(s1) and s2 and s3 and s4 and all(s5)
    # 四(二) platform
    s6 = []
    for rid, name in (("hard_disputes", "joins_difficult_mediation"),
                      ("mediation_bodies", "mediation_centre_and_committee"),
                      ("village_committees", "village_committees_sound"),
                      ("mediation_linked", "mediation_linkage")):
        v = f[name]; add((rid, v, ((name, v),))); s6.append(v)
    received, mediated, resolved = (f["disputes_received_count"], f["disputes_mediated_count"],
                                    f["disputes_resolved_count"])
    s6.append(_rate_check(r, "mediation_rate_98", mediated, received, 0.98,
                          ("disputes_mediated_count", "disputes_received_count")))
    s6.append(_rate_check(r, "mediation_success_96", resolved, mediated, 0.96,
                          ("disputes_resolved_count", "disputes_mediated_count")))
    v = f["mediation_incidents"]; ok = len(v) == 0; add(("no_mediation_incidents", ok, (("mediation_incidents", v),))); s6.append(ok)  # noqa: E501
    v = f["mediation_funding_budgeted"]; add(("mediation_funding", v, (("mediation_funding_budgeted", v),))); s6.append(v)  # noqa: E501
    v = f["mediator_subsidies_paid"]; add(("mediator_subsidies", v, (("mediator_subsidies_paid", v),))); s6.append(v)  # noqa: E501
    s7 = [_rate_check(r, "adviser_coverage", f["villages_with_adviser_count"], f["villages_count"],
                      1.0, ("villages_with_adviser_count", "villages_count"))]
    v = f["legal_service_ethics_breaches_count"]; ok = v == 0; add(("no_ethics_breach", ok, (("legal_service_ethics_breaches_count", v),))); s7.append(ok)  # noqa: E501
    v = f["legal_service_campaigns"]; add(("satisfaction_campaigns", v, (("legal_service_campaigns", v),))); s7.append(v)  # noqa: E501
    s8 = []
    for rid, name in (("correction_officer", "correction_dedicated_staff"),
                      ("correction_workers_ratio", "correction_workers_ratio_met"),
                      ("correction_files", "correction_files_complete"),
                      ("correction_supervision", "correction_supervision_network")):
        v = f[name]; add((rid, v, ((name, v),))); s8.append(v)
    v = f["correction_lapses_count"]; ok = v == 0; add(("no_correction_lapses", ok, (("correction_lapses_count", v),))); s8.append(ok)  # noqa: E501
    persons, reoffenders = f["persons_under_correction_count"], f["correction_reoffenders_count"]
    if persons > 0:
        ok = reoffenders / persons <= 0.001
        add(("correction_reoffending_1permille", ok, (("correction_reoffenders_count", reoffenders), ("persons_under_correction_count", persons))))  # noqa: E501
        s8.append(ok)
    else:
        add(("correction_reoffending_1permille", NA, (("correction_reoffenders_count", reoffenders), ("persons_under_correction_count", persons))))  # noqa: E501
    v = f["correction_funding_in_place"]; add(("correction_funding", v, (("correction_funding_in_place", v),))); s8.append(v)  # noqa: E501
    s9 = []
    v = f["released_caseload_known"]; add(("caseload_known", v, (("released_caseload_known", v),))); s9.append(v)  # noqa: E501
    s9.append(_rate_check(r, "key_targets_escorted", f["key_released_escorted_count"],
                          f["key_released_count"], 1.0,
                          ("key_released_escorted_count", "key_released_count")))
    s9.append(_rate_check(r, "general_escort_80", f["general_released_escorted_count"],
                          f["general_released_count"], 0.8,
                          ("general_released_escorted_count", "general_released_count")))
    released = f["released_persons_count"]
    for rid, name, minimum in (("handover_100", "released_handed_over_count", 1.0),
                               ("assistance_100", "released_assisted_count", 1.0),
                               ("resettlement_95", "released_resettled_count", 0.95)):
        s9.append(_rate_check(r, rid, f[name], released, minimum,
                              (name, "released_persons_count")))
    v = f["released_reoffenders_count"]; ok = v == 0; add(("no_released_reoffending", ok, (("released_reoffenders_count", v),))); s9.append(ok)  # noqa: E501
    v = f["released_serious_incidents_count"]; ok = v == 0; add(("no_serious_incidents", ok, (("released_serious_incidents_count", v),))); s9.append(ok)  # noqa: E501
    v = f["transitional_base"]; add(("resettlement_base", v, (("transitional_base", v),))); s9.append(v)  # noqa: E501
    s10 = []
    for rid, name in (("publicity_planning", "publicity_planned"),
                      ("publicity_volunteers", "publicity_teams"),
                      ("education_coverage", "education_coverage_met")):
        v = f[name]; add((rid, v, ((name, v),))); s10.append(v)
    v = f["bulletin_months_count"]; ok = v >= 12; add(("monthly_bulletin", ok, (("bulletin_months_count", v),))); s10.append(ok)  # noqa: E501
    v = f["themed_activity_quarters_count"]; ok = v >= 4; add(("quarterly_themed_activity", ok, (("themed_activity_quarters_count", v),))); s10.append(ok)  # noqa: E501
    v = f["publicity_funding_in_place"]; add(("publicity_funding", v, (("publicity_funding_in_place", v),))); s10.append(v)  # noqa: E501
    rest = []
    for rid, name in (("legal_opinions", "legal_opinions_to_township"),
                      ("conduct_reviews", "conduct_review_participation"),
                      ("hazards_screened", "hazard_screening"),
                      ("township_recognition", "recognised_by_township"),
                      ("township_ranking", "ranks_near_top"),
                      ("governance_participation", "comprehensive_governance"),
                      ("legal_aid_coverage", "legal_aid_for_all_eligible"),
                      ("aid_workstation", "legal_aid_workstation"),
                      ("aid_liaison_officers", "legal_aid_liaison_team"),
                      ("stability_tasks", "stability_tasks_completed")):
        v = f[name]; add((rid, v, ((name, v),))); rest.append(v)
    platform = all(s6) and all(s7) and all(s8) and all(s9) and all(s10) and all(rest)
    # 四(三) service
    s16 = []
    members, branch = f["party_members"], f["party_branch_established"]
    ok = members < 3 or branch
    add(("party_branch", ok, (("party_members", members), ("party_branch_established", branch))))
    s16.append(ok)
    v = f["core_values_conduct"]; add(("core_values", v, (("core_values_conduct", v),))); s16.append(v)  # noqa: E501
    s17 = []
    v = f["staff_count"]; ok = v >= 7; add(("min_staff", ok, (("staff_count", v),))); s17.append(ok)
    v = f["vacant_posts"]; ok = v == 0; add(("no_vacant_posts", ok, (("vacant_posts", v),))); s17.append(ok)  # noqa: E501
    v = f["unauthorised_transfers_count"]; ok = v == 0; add(("no_unauthorised_transfers", ok, (("unauthorised_transfers_count", v),))); s17.append(ok)  # noqa: E501
    v = f["director_civil_servant"]; add(("director_status", v, (("director_civil_servant", v),))); s17.append(v)  # noqa: E501
    v = f["director_law_education"]; ok = v in ("college_or_higher", "equivalent"); add(("director_degree", ok, (("director_law_education", v),))); s17.append(ok)  # noqa: E501
    for rid, name in (("director_competence", "director_competent"),
                      ("staff_conduct", "staff_conduct_proper"),
                      ("courtesy", "courteous_service"), ("four_hards_absent", "no_four_hards"),
                      ("fair_handling", "fair_lawful_handling"), ("no_errors", "error_free"),
                      ("integrity_rules", "integrity_rules_kept"),
                      ("no_abuse_of_power", "no_abuse_or_banquets")):
        v = f[name]; add((rid, v, ((name, v),))); s17.append(v)
    service = all(s16) and all(s17)
    standards = workplace and platform and service
    add(("standards_met", standards, ()))
    # rules and decision (defaults: revocation recommended, a major problem bars both paths,
    # a promoted Star is held to the standards it met when promoted)
    vehicles = f["vehicles"]; add(("police_car_where_possible", "police_car" in vehicles, (("vehicles", vehicles),)))  # noqa: E501
    titled = any(h in f["honours"] for h in TITLES)
    add(("holds_promotion_title", titled, (("honours", f["honours"]),)))
    kind = f["office_kind"]
    route = titled and kind in ("township", "street")
    major = f["major_problem"]
    promoted = route and not major
    add(("direct_promotion", promoted, (("major_problem", major),)))
    year = f["assessment_year"]
    submitted = dt.date.fromisoformat(f["submitted_on"])
    admissible = (kind in ("township", "street") and f["county_review_passed"]
                  and submitted <= dt.date(year, 11, 30) and 2013 <= year <= 2015)
    add(("application_admissible", admissible, (("office_kind", kind), ("assessment_year", year),
                                                 ("submitted_on", f["submitted_on"]))))
    holds = f["holds_star_title"]
    lowered = holds and bool(_lowered(f, titled, floor_area_min))
    grounds = holds and (major or lowered)
    add(("revocation_grounds", grounds, (("holds_star_title", holds),)))
    if grounds:
        outcome = "REVOCATION_RECOMMENDED"
    elif holds:
        outcome = "RETAINED"
    elif promoted:
        outcome = "DIRECT_PROMOTION"
    elif major and (route or (admissible and standards)):
        outcome = "WITHHELD"
    elif not admissible:
        outcome = "INADMISSIBLE"
    elif standards:
        outcome = "STAR"
    else:
        outcome = "NOT_ELIGIBLE"
    add(("outcome", outcome, ()))
    return outcome, r


def short_circuit(f: dict[str, Any]) -> str:
    """The outcome only, returning as soon as it is known."""
    titled = any(h in f["honours"] for h in TITLES)
    if f["holds_star_title"]:
        if f["major_problem"] or _lowered(f, titled):
            return "REVOCATION_RECOMMENDED"
        return "RETAINED"
    route = titled and f["office_kind"] in ("township", "street")
    if route and not f["major_problem"]:
        return "DIRECT_PROMOTION"
    year = f["assessment_year"]
    admissible = (f["office_kind"] in ("township", "street") and f["county_review_passed"]
                  and dt.date.fromisoformat(f["submitted_on"]) <= dt.date(year, 11, 30)
                  and 2013 <= year <= 2015)
    if f["major_problem"] and (route or (admissible and _standards(f))):
        return "WITHHELD"
    if not admissible:
        return "INADMISSIBLE"
    return "STAR" if _standards(f) else "NOT_ELIGIBLE"


def _lowered(f: dict[str, Any], titled: bool, floor_area_min: int = 200) -> list[str]:
    """The standards a Star office fell below without an accepted cause, among those it is held
    to (a promoted office: only those it met when promoted)."""
    awarded = f.get("star_awarded_by")
    promoted = awarded == "direct_promotion" or (awarded != "assessment" and titled)
    met_then = f.get("standards_met_when_promoted") or ()
    return [s for s, ok in by_standard(f, floor_area_min).items()
            if not ok and not f.get(f"{s}_drop_justified") and (not promoted or s in met_then)]


def _rate(top: int, bottom: int, minimum: float) -> bool:
    return bottom == 0 or top / bottom >= minimum


def _standards(f: dict[str, Any]) -> bool:
    return all(by_standard(f).values())


def by_standard(f: dict[str, Any], floor_area_min: int = 200) -> dict[str, bool]:
    return {
        "s01_premises": bool(
            f["premises_independent"] and f["floor_area_m2"] >= floor_area_min
            and f["premises_layout_reasonable"] and all(a in f["functional_areas"] for a in AREAS)
            and f["meeting_room_seats"] >= 20),
        "s02_equipment": all(d in f["equipment"] for d in DEVICES),
        "s03_transport": "police_motorcycle" in f["vehicles"] or "e_bike" in f["vehicles"],
        "s04_signage": bool(f["signage_compliant"]),
        "s05_informatisation": bool(
            f["business_software_used"] and f["intranet_computers_count"] >= 1
            and f["private_network_secure"]),
        "s06_mediation": bool(
            f["joins_difficult_mediation"] and f["mediation_centre_and_committee"]
            and f["village_committees_sound"] and f["mediation_linkage"]
            and _rate(f["disputes_mediated_count"], f["disputes_received_count"], 0.98)
            and _rate(f["disputes_resolved_count"], f["disputes_mediated_count"], 0.96)
            and not f["mediation_incidents"] and f["mediation_funding_budgeted"]
            and f["mediator_subsidies_paid"]),
        "s07_legal_services": bool(
            _rate(f["villages_with_adviser_count"], f["villages_count"], 1.0)
            and f["legal_service_ethics_breaches_count"] == 0 and f["legal_service_campaigns"]),
        "s08_correction": bool(
            f["correction_dedicated_staff"] and f["correction_workers_ratio_met"]
            and f["correction_files_complete"] and f["correction_supervision_network"]
            and f["correction_lapses_count"] == 0
            and (f["persons_under_correction_count"] == 0
                 or f["correction_reoffenders_count"] / f["persons_under_correction_count"]
                 <= 0.001)
            and f["correction_funding_in_place"]),
        "s09_resettlement": bool(
            f["released_caseload_known"]
            and _rate(f["key_released_escorted_count"], f["key_released_count"], 1.0)
            and _rate(f["general_released_escorted_count"], f["general_released_count"], 0.8)
            and _rate(f["released_handed_over_count"], f["released_persons_count"], 1.0)
            and _rate(f["released_assisted_count"], f["released_persons_count"], 1.0)
            and _rate(f["released_resettled_count"], f["released_persons_count"], 0.95)
            and f["released_reoffenders_count"] == 0
            and f["released_serious_incidents_count"] == 0 and f["transitional_base"]),
        "s10_legal_publicity": bool(
            f["publicity_planned"] and f["publicity_teams"] and f["education_coverage_met"]
            and f["bulletin_months_count"] >= 12 and f["themed_activity_quarters_count"] >= 4
            and f["publicity_funding_in_place"]),
        "s11_governance": bool(f["legal_opinions_to_township"]
                               and f["conduct_review_participation"]),
        "s12_township_disputes": bool(f["hazard_screening"] and f["recognised_by_township"]
                                      and f["ranks_near_top"]),
        "s13_comprehensive_governance": bool(f["comprehensive_governance"]),
        "s14_legal_aid": bool(f["legal_aid_for_all_eligible"] and f["legal_aid_workstation"]
                              and f["legal_aid_liaison_team"]),
        "s15_stability": bool(f["stability_tasks_completed"]),
        "s16_political": bool((f["party_members"] < 3 or f["party_branch_established"])
                              and f["core_values_conduct"]),
        "s17_team": bool(
            f["staff_count"] >= 7 and f["vacant_posts"] == 0
            and f["unauthorised_transfers_count"] == 0 and f["director_civil_servant"]
            and f["director_law_education"] in ("college_or_higher", "equivalent")
            and f["director_competent"] and f["staff_conduct_proper"]),
        "s18_service_attitude": bool(f["courteous_service"] and f["no_four_hards"]),
        "s19_work_quality": bool(f["fair_lawful_handling"] and f["error_free"]),
        "s20_integrity": bool(f["integrity_rules_kept"] and f["no_abuse_or_banquets"]),
    }
