"""Star rates against the targets of clause 二, the counting options, and the annual cycle."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mingxing_rules.campaign import (
    CITY,
    Application,
    Assessment,
    Award,
    CampaignPolicy,
    Event,
    Incident,
    Office,
    Promotion,
    Reassessment,
    Register,
    Revocation,
    StarRate,
    apply_cycle,
    assessment_facts,
    rate_table,
    run_cycle,
    star_rates,
)
from mingxing_rules.campaign.rates import Denominator
from mingxing_rules.campaign.register import Basis, OfficeKind
from mingxing_rules.errors import InputError

D = dt.date
ROOT = Path(__file__).resolve().parent.parent


def county(name: str, offices: int, stars: int, *, promoted: int = 0, year: int = 2013,
           prefix: str = "") -> tuple[list[Office], list[Event]]:
    """``offices`` offices in ``name``, the first ``stars`` awarded in ``year`` (some promoted)."""
    made = [Office(f"{prefix or name}-{i:02d}", f"{i}号司法所", name) for i in range(offices)]
    awards: list[Event] = [
        Award(o.id, D(year, 12, 20), year, basis="promotion" if i < promoted else "assessment")
        for i, o in enumerate(made[:stars])
    ]
    return made, awards


def city(*counties: tuple[list[Office], list[Event]]) -> Register:
    return Register([o for c in counties for o in c[0]], [e for c in counties for e in c[1]],
                    city="江城市")


# -- boundaries --------------------------------------------------------------------------------

BOUNDARIES = [
    # offices, stars, year, met, shortfall
    (20, 7, 2013, True, 0),  # 7 / 20 = 35 % exactly: meets 2013 (达35%)
    (20, 6, 2013, False, 1),  # 30 %: just below
    (20, 11, 2014, True, 0),  # 55 % exactly
    (20, 10, 2014, False, 1),
    (20, 14, 2015, True, 0),  # 70 % exactly meets "70%以上"
    (20, 13, 2015, False, 1),
    (3, 1, 2013, False, 1),  # 33.3 %: ceil(1.05) = 2 offices needed
    (7, 3, 2014, False, 1),  # 42.9 % of 7: ceil(3.85) = 4 needed
    (10, 3, 2015, False, 4),  # "needs 4 more Star offices"
    (1, 1, 2015, True, 0),
]


@pytest.mark.parametrize(("offices", "stars", "year", "met", "shortfall"), BOUNDARIES)
def test_rate_at_and_around_the_targets(
    offices: int, stars: int, year: int, met: bool, shortfall: int
) -> None:
    register = city(county("清河区", offices, stars, year=2013))
    row, city_row = star_rates(register, year)
    assert row.rate == Fraction(stars, offices)
    assert (row.met, row.shortfall) == (met, shortfall)
    assert city_row.is_city and (city_row.star, city_row.offices) == (stars, offices)


def test_float_targets_are_read_exactly() -> None:
    policy = CampaignPolicy(targets={2013: 0.35, 2014: "0.55", 2015: Fraction(7, 10)})
    assert policy.targets == {2013: Fraction(7, 20), 2014: Fraction(11, 20),
                              2015: Fraction(7, 10)}
    row = star_rates(city(county("清河区", 20, 7)), 2013, policy=policy)[0]
    assert row.met is True


def test_status_text() -> None:
    row = StarRate(2015, "清河区", 10, 3, 3, 0, 0, 0, Fraction(7, 10))
    assert row.status_text == "needs 4 more Star offices"
    assert attrs.evolve(row, star=6).status_text == "needs 1 more Star office"
    assert attrs.evolve(row, star=7).status_text == "on target"
    assert attrs.evolve(row, target=None).status_text == "no target"
    assert attrs.evolve(row, target=None).met is None


def test_year_without_target_and_county_without_offices() -> None:
    register = city(county("清河区", 4, 1, year=2012))
    row = star_rates(register, 2012)[0]
    assert (row.rate, row.target, row.met, row.shortfall) == (Fraction(1, 4), None, None, 0)
    empty = StarRate(2013, "x", 0, 0, 0, 0, 0, 0, Fraction(35, 100))
    assert (empty.rate, empty.met, empty.shortfall, empty.status_text) == (
        None, None, 0, "no offices")


# -- what counts -------------------------------------------------------------------------------


def test_a_promotion_counts_and_is_reported_apart() -> None:
    row = star_rates(city(county("清河区", 20, 7, promoted=2)), 2013)[0]
    assert (row.star, row.by_assessment, row.by_promotion, row.met) == (7, 5, 2, True)


def revoked_register() -> Register:
    offices, awards = county("清河区", 20, 7)
    return Register(offices, [*awards, Revocation(offices[0].id, D(2014, 6, 1), 2014)])


def test_a_revoked_title_leaves_the_count() -> None:
    register = revoked_register()
    assert star_rates(register, 2013)[0].star == 7
    row = star_rates(register, 2014)[0]
    assert (row.star, row.revoked) == (6, 1)


def test_revoked_titles_may_stay_until_the_year_ends() -> None:
    policy = CampaignPolicy(revoked_leave_in_year=False)
    register = revoked_register()
    assert star_rates(register, 2014, policy=policy)[0].star == 7
    assert star_rates(register, 2015, policy=policy)[0].star == 6


def test_awards_count_from_their_day_on() -> None:
    offices, _ = county("清河区", 4, 0)
    register = Register(offices, [Award(offices[0].id, D(2014, 1, 5), 2013)])
    assert star_rates(register, 2013)[0].star == 0
    assert star_rates(register, 2014)[0].star == 1
    assert star_rates(register, 2014)[0].awarded == 1


def test_denominator_options_and_open_periods() -> None:
    offices = [
        Office("t", "镇所", "清河区"),
        Office("s", "街道所", "清河区", office_kind="street"),
        Office("z", "开发区分所", "清河区", office_kind="other"),
        Office("n", "新街道所", "清河区", office_kind="street", opened_on=D(2014, 3, 1)),
        Office("x", "撤并所", "清河区", closed_on=D(2014, 7, 1)),
    ]
    register = Register(offices, [Award("z", D(2013, 12, 20), 2013)])
    assert star_rates(register, 2013)[0].offices == 4  # "n" not open yet
    assert star_rates(register, 2014)[0].offices == 4  # "n" opened, "x" closed
    narrow = CampaignPolicy(denominator="township_street_offices")
    row = star_rates(register, 2014, policy=narrow)[0]
    assert (row.offices, row.star) == (3, 0)  # the "other" office leaves numerator too


def test_counties_and_the_city_row() -> None:
    register = city(county("清河区", 10, 8), county("东湖区", 10, 2))
    rows = star_rates(register, 2013)
    assert [r.scope for r in rows] == ["清河区", "东湖区", CITY]
    assert [r.met for r in rows] == [True, False, True]  # 10 / 20 = 50 % >= 35 %
    only = star_rates(register, 2013, counties=["东湖区"])
    assert [r.scope for r in only] == ["东湖区", CITY]
    assert only[-1].offices == 20  # the city row stays city-wide
    with pytest.raises(InputError, match="no office of the register is in '西山区'"):
        star_rates(register, 2013, counties=["西山区"])


def test_county_targets_override_the_city_target() -> None:
    policy = CampaignPolicy(county_targets={"东湖区": {2013: 0.2}})
    register = city(county("清河区", 10, 3), county("东湖区", 10, 2))
    first, second, whole = star_rates(register, 2013, policy=policy)
    assert (first.target, second.target, whole.target) == (
        Fraction(35, 100), Fraction(1, 5), Fraction(35, 100))
    assert (first.met, second.met) == (False, True)


def test_policy_is_validated() -> None:
    with pytest.raises(InputError, match=r"a share must be in 0\.\.1"):
        CampaignPolicy(targets={2013: 35})
    with pytest.raises(InputError, match="not a"):
        CampaignPolicy(application_deadline=(11, 31))
    assert CampaignPolicy().deadline(2014) == D(2014, 11, 30)


def test_rate_table_rows_and_dict() -> None:
    table = rate_table(city(county("清河区", 20, 7)), [2014, 2013, 2013])
    assert table.years == (2013, 2014)
    assert table.counties == ("清河区",)
    data = table.to_dict()
    assert data["policy"]["targets"] == {"2013": "0.35", "2014": "0.55", "2015": "0.7"}
    assert data["rows"][0] == {
        "year": 2013, "scope": "清河区", "offices": 20, "star": 7, "by_assessment": 7,
        "by_promotion": 0, "awarded": 7, "revoked": 0, "rate": 0.35, "rate_exact": "7/20",
        "target": 0.35, "met": True, "shortfall": 0, "status": "on target"}


# -- property: the rate never exceeds 1 ------------------------------------------------------------


BASES: st.SearchStrategy[Basis] = st.sampled_from(["assessment", "promotion"])
KINDS: st.SearchStrategy[OfficeKind] = st.sampled_from(["township", "street", "other"])


@st.composite
def registers(draw: st.DrawFn) -> Register:
    count = draw(st.integers(1, 12))
    offices = [Office(f"o{i}", "所", draw(st.sampled_from(["甲县", "乙区", "丙县"])),
                      office_kind=draw(KINDS))
               for i in range(count)]
    events: list[Event] = []
    for office in offices:
        day = D(2012, 1, 1)
        held = False
        for _ in range(draw(st.integers(0, 4))):
            day += dt.timedelta(days=draw(st.integers(1, 500)))
            if held:
                events.append(Revocation(office.id, day, day.year))
            else:
                events.append(Award(office.id, day, day.year, basis=draw(BASES)))
            held = not held
    return Register(offices, events)


DENOMINATORS: list[Denominator] = ["all_offices", "township_street_offices"]


@given(registers(), st.integers(2012, 2017), st.booleans(),
       st.sampled_from(DENOMINATORS))
def test_rate_never_exceeds_one(
    register: Register, year: int, stay: bool, denominator: Denominator
) -> None:
    policy = CampaignPolicy(revoked_leave_in_year=not stay, denominator=denominator)
    for row in star_rates(register, year, policy=policy):
        assert 0 <= row.star <= row.offices
        assert row.star == row.by_assessment + row.by_promotion
        assert row.rate is None or 0 <= row.rate <= 1
        assert row.shortfall >= 0
        assert row.met is None or row.met == (row.shortfall == 0)


# -- the annual cycle --------------------------------------------------------------------------


@attrs.frozen
class FakeVerdict:
    outcome: str
    effect: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "effect": self.effect, "trace": []}

    def explain(self, lang: str = "en") -> str:
        return f"{self.outcome} ({lang})"


def fake_evaluator(facts: Mapping[str, Any]) -> FakeVerdict:
    """A tiny stand-in for the ruleset: enough to test the cycle's bookkeeping."""
    if facts["holds_star_title"]:
        if facts["major_problem"] is not False:
            return FakeVerdict("REVOCATION_RECOMMENDED", "none")
        return FakeVerdict("RETAINED", "none")
    if facts["honours"]:
        return FakeVerdict("DIRECT_PROMOTION", "award")
    if not facts.get("county_review_passed"):
        return FakeVerdict("INADMISSIBLE", "none")
    if facts.get("floor_area_m2", 0) >= 200:
        return FakeVerdict("STAR", "award")
    return FakeVerdict("NOT_ELIGIBLE", "none")


def cycle_register() -> Register:
    offices = [Office(f"o{i}", f"{i}号所", "清河区") for i in range(6)]
    return Register(offices, [
        Application("o0", D(2013, 11, 30), 2013, True, {"floor_area_m2": 220}),  # last day
        Application("o1", D(2013, 12, 1), 2013, True, {"floor_area_m2": 220}),  # late
        Application("o2", D(2013, 10, 1), 2013, False, {"floor_area_m2": 220}),
        Application("o3", D(2013, 10, 1), 2013, True, {"floor_area_m2": 150}),
        Promotion("o4", D(2012, 5, 1), "provincial_excellent"),
        Award("o5", D(2012, 12, 20), 2012),
        Incident("o5", D(2013, 4, 1), "群体性事件", major=True),
        Reassessment("o5", D(2013, 5, 1), 2013, {"floor_area_m2": 220}),
    ])


def test_cycle_assesses_on_time_applications_promotions_and_reassessments() -> None:
    result = run_cycle(cycle_register(), 2013, evaluator=fake_evaluator)
    assert result.deadline == D(2013, 11, 30)
    assert {d.office.id: d.outcome for d in result.decisions} == {
        "o0": "STAR", "o2": "INADMISSIBLE", "o3": "NOT_ELIGIBLE", "o4": "DIRECT_PROMOTION",
        "o5": "REVOCATION_RECOMMENDED"}
    assert [a.office_id for a in result.late] == ["o1"]  # late applications are excluded
    assert [d.office.id for d in result.awards] == ["o0", "o4"]
    assert [d.office.id for d in result.recommended_revocations] == ["o5"]
    assert result.revocations == () and result.undecided == ()
    assert result.unreviewed_incidents == ()


def test_cycle_facts_come_from_the_register() -> None:
    register = cycle_register()
    application = register.history("o0")[0]
    assert isinstance(application, Application)
    facts = assessment_facts(register, register.office("o0"), application, 2013,
                             on=D(2013, 11, 30))
    assert facts == {"floor_area_m2": 220, "id": "o0", "name": "0号所", "county": "清河区",
                     "office_kind": "township", "assessment_year": 2013,
                     "holds_star_title": False, "county_review_passed": True,
                     "submitted_on": "2013-11-30", "honours": [], "major_problem": False}
    reassessment = register.history("o5")[2]
    assert isinstance(reassessment, Reassessment)
    reassessed = assessment_facts(register, register.office("o5"), reassessment, 2013,
                                  on=D(2013, 5, 1))
    assert reassessed["holds_star_title"] is True
    assert reassessed["major_problem"] == {"met": True, "evidence": "2013-04-01: 群体性事件"}


def test_applying_a_cycle_records_awards_and_revocations() -> None:
    register = cycle_register()
    result = run_cycle(register, 2013, evaluator=fake_evaluator)
    after = apply_cycle(register, result, revoke_recommended=True)
    row = star_rates(after, 2013)[0]
    # o5 held the title and loses it; o0 (assessment) and o4 (promotion) are awarded.
    assert (row.star, row.by_assessment, row.by_promotion, row.revoked) == (2, 1, 1, 1)
    change = after.title_changes("o4")[0]
    assert (change.basis, change.verdict) == (
        "promotion", {"outcome": "DIRECT_PROMOTION", "effect": "award", "trace": []})
    kept = apply_cycle(register, result)  # recommendations alone revoke nothing
    assert star_rates(kept, 2013)[0].star == 3


def test_unreviewed_major_incidents_are_listed() -> None:
    offices = [Office("a", "所", "清河区")]
    register = Register(offices, [Award("a", D(2012, 12, 20), 2012),
                                  Incident("a", D(2013, 3, 1), "脱管", major=True)])
    result = run_cycle(register, 2013, evaluator=fake_evaluator)
    assert [i.office_id for i in result.unreviewed_incidents] == ["a"]
    assert result.to_dict()["unreviewed_incidents"][0]["description"] == "脱管"


def test_refused_facts_stop_the_cycle_with_every_problem() -> None:
    def strict(facts: Mapping[str, Any]) -> FakeVerdict:
        raise InputError("bad", problems=())

    with pytest.raises(InputError, match="refused the facts of"):
        run_cycle(cycle_register(), 2013, evaluator=strict)


def test_cycle_through_the_star_ruleset() -> None:
    example = json.loads((ROOT / "examples/offices/star-by-assessment.json").read_text("utf-8"))
    procedure = {"id", "name", "county", "note", "office_kind", "county_review_passed",
                 "submitted_on", "assessment_year", "holds_star_title", "honours",
                 "major_problem"}
    facts = {k: v for k, v in example.items() if k not in procedure}
    offices = [Office("a", "甲镇司法所", "清河区"), Office("b", "乙镇司法所", "清河区"),
               Office("c", "丙镇司法所", "清河区")]
    register = Register(offices, [
        Application("a", D(2014, 11, 30), 2014, True, facts),
        Application("b", D(2014, 10, 9), 2014, True, {**facts, "staff_count": 6}),
        Application("c", D(2014, 12, 2), 2014, True, facts),
    ])
    result = run_cycle(register, 2014)
    assert {d.office.id: d.outcome for d in result.decisions} == {
        "a": "STAR", "b": "NOT_ELIGIBLE"}
    assert [a.office_id for a in result.late] == ["c"]
    assessed = [e for e in result.events(trace="summary") if isinstance(e, Assessment)]
    assert assessed[1].verdict is not None
    failing = [s["id"] for s in assessed[1].verdict["trace"] if s["kind"] == "criterion"]
    assert failing == ["min_staff"]
    row = star_rates(register.with_events(result.events()), 2014)[0]
    assert (row.star, row.offices, row.met) == (1, 3, False)
