"""Generate the example city's title register (``register.jsonl``), 2012-2015.

A fictional city, 江城市, with 10 counties and about 120 township and street judicial offices.
Every office starts the campaign with some *gaps* (criteria of the 20 standards it does not meet
yet); each year it closes some of them, at a pace that depends on its county. An office applies
when it thinks it is ready; the county bureau reviews and submits (a few submit late, a few fail
the county review); the city assesses every application **through the Star ruleset** with the
annual cycle of :mod:`mingxing_rules.campaign`, awards the titles on 20 December, and revokes a
title when a re-assessment (after a major incident or a spot check) recommends it.

The script is deterministic (one seeded ``random.Random``); run it again after changing the
ruleset to refresh the register::

    python examples/city/generate_city.py            # writes examples/city/register.jsonl
    python examples/city/generate_city.py --check    # fails if the committed file is stale
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mingxing_rules import load_ruleset
from mingxing_rules.atomic import atomic_write_text
from mingxing_rules.campaign import (
    Application,
    Event,
    Incident,
    Office,
    Promotion,
    Reassessment,
    Register,
    apply_cycle,
    dump_register,
    ruleset_evaluator,
    run_cycle,
)
from mingxing_rules.campaign.register import OfficeKind

SEED = 20121231
CITY = "江城市"
HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "register.jsonl"
YEARS = (2013, 2014, 2015)

#: County name, offices, mean gaps at the start, chance per year of closing a gap, street share.
#: The paces are chosen so that by 2015 some counties are well ahead and some behind.
COUNTIES: tuple[tuple[str, int, float, float, float], ...] = (
    ("清河区", 11, 0.7, 0.80, 0.6),
    ("东湖区", 13, 0.9, 0.75, 0.7),
    ("临河县", 14, 1.3, 0.70, 0.1),
    ("石桥区", 10, 1.4, 0.65, 0.5),
    ("梅林区", 12, 1.7, 0.60, 0.5),
    ("云溪县", 15, 2.0, 0.50, 0.1),
    ("南塘县", 12, 2.2, 0.45, 0.1),
    ("西山区", 11, 2.2, 0.45, 0.4),
    ("北岭县", 13, 2.8, 0.35, 0.0),
    ("安平县", 9, 3.0, 0.30, 0.0),
)

_SYLLABLES = ("安", "白", "柏", "长", "城", "东", "凤", "港", "高", "古", "关", "广", "桂", "和",
              "河", "红", "湖", "华", "黄", "汇", "金", "锦", "静", "康", "兰", "乐", "莲", "林",
              "龙", "庐", "马", "梅", "明", "南", "宁", "平", "浦", "青", "庆", "泉", "仁", "瑞",
              "三", "沙", "山", "上", "石", "双", "顺", "松", "塘", "桃", "天", "田", "同", "湾",
              "万", "溪", "下", "仙", "祥", "新", "兴", "杏", "阳", "杨", "义", "永", "玉", "园",
              "苑", "云", "枣", "照", "中", "竹", "庄", "紫")


def _base_facts(rng: random.Random) -> dict[str, Any]:
    """An office that meets all 20 standards, with its own numbers (rates kept safely inside)."""
    received = rng.randint(120, 900)
    mediated = received  # every dispute received is taken up (mediation rate 100 %)
    resolved = round(mediated * rng.uniform(0.965, 0.995))
    villages = rng.randint(8, 30)
    under_correction = rng.randint(20, 90)
    released = rng.randint(8, 40)
    key = rng.randint(0, 4)
    general = released - key  # every released person is a key or a general target (四(二)9)
    return {
        "premises_independent": True,
        "floor_area_m2": rng.randint(205, 420),
        "premises_layout_reasonable": True,
        "functional_areas": ["people_mediation", "community_correction",
                             "resettlement_assistance", "legal_aid"],
        "meeting_room_seats": rng.choice((20, 22, 24, 30, 40)),
        "equipment": ["computer", "printer", "fax", "scanner", "telephone", "camera",
                      "voice_recorder"],
        "vehicles": rng.choice((["police_motorcycle"], ["e_bike"],
                                ["e_bike", "police_car"])),
        "signage_compliant": True,
        "business_software_used": True,
        "intranet_computers_count": rng.randint(1, 3),
        "private_network_secure": True,
        "joins_difficult_mediation": True,
        "mediation_centre_and_committee": True,
        "village_committees_sound": True,
        "mediation_linkage": True,
        "disputes_received_count": received,
        "disputes_mediated_count": mediated,
        "disputes_resolved_count": resolved,
        "mediation_incidents": [],
        "mediation_funding_budgeted": True,
        "mediator_subsidies_paid": True,
        "villages_count": villages,
        "villages_with_adviser_count": villages,
        "legal_service_ethics_breaches_count": 0,
        "legal_service_campaigns": True,
        "correction_dedicated_staff": True,
        "correction_workers_ratio_met": True,
        "correction_files_complete": True,
        "correction_supervision_network": True,
        "correction_lapses_count": 0,
        "persons_under_correction_count": under_correction,
        "correction_reoffenders_count": 0,
        "correction_funding_in_place": True,
        "released_caseload_known": True,
        "key_released_count": key,
        "key_released_escorted_count": key,
        "general_released_count": general,
        "general_released_escorted_count": general,
        "released_persons_count": released,
        "released_handed_over_count": released,
        "released_assisted_count": released,
        "released_resettled_count": released,
        "released_reoffenders_count": 0,
        "released_serious_incidents_count": 0,
        "transitional_base": True,
        "publicity_planned": True,
        "publicity_teams": True,
        "education_coverage_met": True,
        "bulletin_months_count": 12,
        "themed_activity_quarters_count": 4,
        "publicity_funding_in_place": True,
        "legal_opinions_to_township": True,
        "conduct_review_participation": True,
        "hazard_screening": True,
        "recognised_by_township": True,
        "ranks_near_top": True,
        "comprehensive_governance": True,
        "legal_aid_for_all_eligible": True,
        "legal_aid_workstation": True,
        "legal_aid_liaison_team": True,
        "stability_tasks_completed": True,
        "party_members": rng.randint(3, 8),
        "party_branch_established": True,
        "core_values_conduct": True,
        "staff_count": rng.randint(7, 12),
        "vacant_posts": 0,
        "unauthorised_transfers_count": 0,
        "director_civil_servant": True,
        "director_law_education": rng.choice(("college_or_higher", "college_or_higher",
                                              "equivalent")),
        "director_competent": True,
        "staff_conduct_proper": True,
        "courteous_service": True,
        "no_four_hards": True,
        "fair_lawful_handling": True,
        "error_free": True,
        "integrity_rules_kept": True,
        "no_abuse_or_banquets": True,
    }


def _remove(name: str, item: str) -> Callable[[dict[str, Any], random.Random], None]:
    def apply(facts: dict[str, Any], _: random.Random) -> None:
        facts[name] = [x for x in facts[name] if x != item]
    return apply


def _set(name: str, low: int, high: int) -> Callable[[dict[str, Any], random.Random], None]:
    def apply(facts: dict[str, Any], rng: random.Random) -> None:
        facts[name] = rng.randint(low, high)
    return apply


def _value(name: str, value: Any) -> Callable[[dict[str, Any], random.Random], None]:
    def apply(facts: dict[str, Any], _: random.Random) -> None:
        facts[name] = value
    return apply


def _mediation(facts: dict[str, Any], rng: random.Random) -> None:
    facts["disputes_resolved_count"] = round(facts["disputes_mediated_count"]
                                             * rng.uniform(0.90, 0.95))


def _advisers(facts: dict[str, Any], rng: random.Random) -> None:
    facts["villages_with_adviser_count"] = facts["villages_count"] - rng.randint(1, 3)


def _resettlement(facts: dict[str, Any], rng: random.Random) -> None:
    facts["released_resettled_count"] = int(facts["released_persons_count"] * 0.85)


#: The standard of 四 each kind of slip of a Star office falls short of.
SLIP_STANDARD = {"staff": "s17_team", "vacant_posts": "s17_team",
                 "bulletins": "s10_legal_publicity", "intranet": "s05_informatisation"}

#: Gaps an office may have: each makes one criterion of the 20 standards fail.
GAPS: dict[str, Callable[[dict[str, Any], random.Random], None]] = {
    "floor_area": _set("floor_area_m2", 120, 195),
    "meeting_room": _set("meeting_room_seats", 8, 16),
    "fax": _remove("equipment", "fax"),
    "scanner": _remove("equipment", "scanner"),
    "intranet": _value("intranet_computers_count", 0),
    "mediation_success": _mediation,
    "advisers": _advisers,
    "bulletins": _set("bulletin_months_count", 8, 11),
    "themed_activities": _set("themed_activity_quarters_count", 2, 3),
    "staff": _set("staff_count", 4, 6),
    "vacant_posts": _set("vacant_posts", 1, 2),
    "director_degree": _value("director_law_education", "below"),
    "legal_aid_workstation": _value("legal_aid_workstation", False),
    "transitional_base": _value("transitional_base", False),
    "resettlement": _resettlement,
}


class OfficeState:
    """What the simulation knows about one office (not part of the register)."""

    def __init__(self, office: Office, base: dict[str, Any], gaps: set[str], pace: float) -> None:
        self.office = office
        self.base = base
        self.gaps = gaps
        self.pace = pace
        self.facts_rng = random.Random(hash_text(office.id))

    def facts(self) -> dict[str, Any]:
        facts = dict(self.base)
        for gap in sorted(self.gaps):
            GAPS[gap](facts, self.facts_rng)
        return facts


def hash_text(text: str) -> int:
    """A stable seed from text (``hash()`` of a str changes between runs)."""
    value = SEED
    for char in text:
        value = (value * 131 + ord(char)) % (2**61 - 1)
    return value


def _day(rng: random.Random, year: int, start: tuple[int, int], end: tuple[int, int]) -> dt.date:
    first, last = dt.date(year, *start), dt.date(year, *end)
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def build_offices(rng: random.Random) -> list[OfficeState]:
    states: list[OfficeState] = []
    used: set[str] = set()
    for number, (county, count, mean_gaps, pace, street_share) in enumerate(COUNTIES, start=1):
        for index in range(1, count + 1):
            while True:
                place = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)
                if place not in used:
                    used.add(place)
                    break
            street = rng.random() < street_share
            kind: OfficeKind = "street" if street else "township"
            name = f"{place}{'街道' if street else '镇'}司法所"
            opened = None
            # Two new sub-districts are set up in 2014: they join the denominator that year.
            if (number, index) in {(2, count), (4, count)}:
                kind, name = "street", f"{place}街道司法所"
                opened = dt.date(2014, 3, 1)
            office = Office(id=f"C{number:02d}-{index:02d}", name=name, county=county,
                            office_kind=kind, opened_on=opened)
            gaps_count = min(len(GAPS), max(0, round(rng.gauss(mean_gaps, 1.1))))
            gaps = set(rng.sample(sorted(GAPS), gaps_count))
            states.append(OfficeState(office, _base_facts(rng), gaps, pace))
    # A development-zone office (kind "other"): not an applicant under clause 五; it is in the
    # denominator only under the default "all_offices" reading.
    zone = Office(id="C01-90", name="江城经济开发区司法分所", county="清河区",
                  office_kind="other")
    states.append(OfficeState(zone, _base_facts(rng), {"staff", "floor_area"}, 0.2))
    return states


def promotions(rng: random.Random, states: list[OfficeState]) -> list[Event]:
    """Offices that hold, or obtain, a title that promotes them directly (clause 二)."""
    events: list[Event] = []
    candidates = [s for s in states if s.office.opened_on is None
                  and s.office.office_kind != "other"]
    chosen = rng.sample(candidates, 9)
    for position, state in enumerate(chosen):
        if position < 5:  # provincial excellent offices from before the campaign
            events.append(Promotion(state.office.id, _day(rng, 2012, (3, 1), (11, 30)),
                                    "provincial_excellent", note="省优秀司法所(2012年度)"))
        elif position < 7:
            events.append(Promotion(state.office.id, _day(rng, 2014, (4, 1), (9, 30)),
                                    "five_good", note="司法部五好司法所"))
        else:
            events.append(Promotion(state.office.id, _day(rng, 2013, (5, 1), (10, 31)),
                                    "provincial_excellent", note="省优秀司法所(2013年度)"))
        # An honoured office usually meets the standards already.
        state.gaps = set(list(sorted(state.gaps))[:1])
    # One promoted office has a major incident before the 2013 cycle: promotion is blocked.
    blocked = chosen[7]
    events.append(Incident(blocked.office.id, dt.date(2013, 11, 5),
                           "调解不及时引发群体性上访(非正常赴省上访)", major=True))
    return events


def year_events(rng: random.Random, register: Register, states: list[OfficeState],
                year: int) -> list[Event]:
    """The year's applications, incidents and re-assessments (the cycle adds the verdicts)."""
    events: list[Event] = []
    spring = dt.date(year, 1, 1)
    for state in states:
        office = state.office
        # A year of work: each gap is closed with the county's pace (2013, the first year of
        # the creation phase, at half pace: the plans are made in December 2012).
        pace = state.pace / 2 if year == 2013 else state.pace
        state.gaps = {g for g in sorted(state.gaps) if rng.random() > pace}
        if not office.exists_on(dt.date(year, 11, 30)):
            continue
        status = register.status_on(office.id, spring)
        if status.holds_title:
            events.extend(_star_office_year(rng, state, year))
            continue
        gaps = len(state.gaps)
        wants = rng.random() < (0.92 if gaps == 0 else 0.35 if gaps == 1 else 0.06)
        if office.office_kind == "other" or not wants:
            continue
        late = rng.random() < 0.05
        submitted = (_day(rng, year, (12, 1), (12, 12)) if late
                     else _day(rng, year, (9, 1), (11, 30)))
        reviewed = rng.random() > 0.03
        events.append(Application(office.id, submitted, year, reviewed, state.facts()))
    return events


def _star_office_year(rng: random.Random, state: OfficeState, year: int) -> list[Event]:
    office = state.office
    roll = rng.random()
    if roll < 0.05:  # a major problem in its work, then a re-assessment
        incident_day = _day(rng, year, (3, 1), (9, 30))
        what = rng.choice(("社区服刑人员脱管,矫正期内重新犯罪",
                           "调处纠纷不当引发群体性事件",
                           "干警违反廉政规定参加吃请"))
        return [Incident(office.id, incident_day, what, major=True),
                Reassessment(office.id, incident_day + dt.timedelta(days=rng.randint(14, 45)),
                             year, state.facts(), note="重大问题后复核")]
    if roll < 0.11:  # standards slip (staff moved away, bulletins lapse), found by a spot check
        slip = rng.choice(("staff", "bulletins", "vacant_posts", "intranet"))
        state.gaps.add(slip)
        facts = state.facts()
        justified = rng.random() < 0.25
        if justified:  # the bureau accepts a cause for the standard that slipped (五)
            facts[f"{SLIP_STANDARD[slip]}_drop_justified"] = {
                "met": True, "evidence": "人员因乡镇区划调整临时借调,县人社局、司法局已同意",
                "by": "市局评审团"}
        return [Reassessment(office.id, _day(rng, year, (6, 1), (10, 31)), year, facts,
                             note="市局抽查复核")]
    if roll < 0.14:
        return [Incident(office.id, _day(rng, year, (2, 1), (11, 30)),
                         "群众投诉接待不及时,已整改", major=False)]
    return []


def generate() -> Register:
    rng = random.Random(SEED)
    states = build_offices(rng)
    register = Register(offices=[s.office for s in states], city=CITY)
    register = register.with_events(promotions(rng, states))
    evaluator = ruleset_evaluator(load_ruleset("star-judicial-office"))
    for year in YEARS:
        register = register.with_events(year_events(rng, register, states, year))
        result = run_cycle(register, year, evaluator=evaluator)
        # The city follows the panel's revocation recommendations (视情予以摘牌).
        register = apply_cycle(register, result, revoke_recommended=True, trace="summary")
    return register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the register")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from a fresh generation")
    args = parser.parse_args(argv)
    text = dump_register(generate(), fmt="jsonl")
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    atomic_write_text(args.out, text)
    print(f"wrote {args.out} ({text.count(chr(10))} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
