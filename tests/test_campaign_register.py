"""The title register: folding histories, validation (all problems at once), JSONL / CSV files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mingxing_rules.campaign import (
    Application,
    Assessment,
    Award,
    Event,
    Incident,
    Office,
    Promotion,
    Reassessment,
    Register,
    Revocation,
    dump_register,
    fold_history,
    load_register,
    parse_register,
    register_from_records,
    save_register,
)
from mingxing_rules.campaign.register import Basis
from mingxing_rules.errors import InputError

D = dt.date
OFFICES = (
    Office("a", "城东镇司法所", "清河区"),
    Office("b", "城西街道司法所", "清河区", office_kind="street"),
    Office("c", "新区街道司法所", "东湖区", office_kind="street", opened_on=D(2014, 3, 1)),
)


def history() -> list[Event]:
    return [
        Application("a", D(2013, 10, 8), 2013, True, {"floor_area_m2": 230}),
        Assessment("a", D(2013, 12, 10), 2013, "STAR", "award",
                   verdict={"outcome": "STAR", "trace": []}),
        Award("a", D(2013, 12, 20), 2013),
        Incident("a", D(2014, 5, 2), "群体性事件", major=True),
        Reassessment("a", D(2014, 6, 1), 2014, {"floor_area_m2": 230}),
        Assessment("a", D(2014, 6, 1), 2014, "REVOCATION_RECOMMENDED", of="reassessment",
                   verdict={"outcome": "REVOCATION_RECOMMENDED"}),
        Revocation("a", D(2014, 12, 20), 2014, reason="major problem"),
        Promotion("b", D(2012, 6, 1), "provincial_excellent"),
        Award("b", D(2013, 12, 20), 2013, basis="promotion"),
    ]


# -- folding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("office", "day", "state", "basis"),
    [
        ("a", D(2013, 12, 19), "none", None),
        ("a", D(2013, 12, 20), "star", "assessment"),  # the award day counts
        ("a", D(2014, 12, 19), "star", "assessment"),
        ("a", D(2014, 12, 20), "revoked", "assessment"),
        ("b", D(2013, 12, 31), "star", "promotion"),
        ("c", D(2015, 12, 31), "none", None),
    ],
)
def test_status_on_a_day(office: str, day: dt.date, state: str, basis: str | None) -> None:
    register = Register(OFFICES, history())
    status = register.status_on(office, day)
    assert (status.state, status.basis) == (state, basis)
    assert status.holds_title is (state == "star")


def test_each_change_carries_the_verdict_that_caused_it() -> None:
    register = Register(OFFICES, history())
    award, revocation = register.title_changes("a")
    assert (award.change, award.date, award.verdict) == (
        "award", D(2013, 12, 20), {"outcome": "STAR", "trace": []})
    assert revocation.change == "revocation"
    assert revocation.verdict == {"outcome": "REVOCATION_RECOMMENDED"}
    assert register.status_on("a", D(2015, 1, 1)).cause == revocation


def test_a_revoked_office_can_earn_the_title_again() -> None:
    events = [*history(), Award("a", D(2015, 12, 20), 2015)]
    status = Register(OFFICES, events).status_on("a", D(2015, 12, 31))
    assert (status.state, status.awarded_on, status.revoked_on) == ("star", D(2015, 12, 20), None)


def test_history_is_chronological_and_same_day_follows_the_procedure() -> None:
    events: list[Event] = [
        Award("a", D(2013, 12, 10), 2013),
        Assessment("a", D(2013, 12, 10), 2013, "STAR", "award"),
        Application("a", D(2013, 12, 10), 2013, True),
    ]
    register = Register(OFFICES, events)
    assert [e.kind for e in register.history("a")] == ["application", "assessment", "award"]


# -- validation ------------------------------------------------------------------------------------

INVALID: list[tuple[str, list[Event], str]] = [
    ("unknown office", [Award("zz", D(2013, 12, 20), 2013)], "no office with id 'zz'"),
    ("award while held", [Award("a", D(2013, 12, 20), 2013), Award("a", D(2014, 12, 20), 2014)],
     "the title has been held since 2013-12-20"),
    ("revocation before award", [Revocation("a", D(2013, 5, 1), 2013)],
     "the title was never awarded before it"),
    ("revoked twice", [Award("a", D(2013, 12, 20), 2013), Revocation("a", D(2014, 3, 1), 2014),
                       Revocation("a", D(2014, 4, 1), 2014)],
     "the title was already revoked on 2014-03-01"),
    ("award before its revocation, listed backwards",
     [Revocation("a", D(2013, 12, 1), 2013), Award("a", D(2013, 12, 20), 2013)],
     "never awarded before it"),
    ("assessment before application",
     [Assessment("a", D(2013, 9, 1), 2013, "STAR", "award"),
      Application("a", D(2013, 10, 1), 2013, True)],
     "no application for 2013 is recorded on or before that day"),
    ("application after its year", [Application("a", D(2014, 1, 5), 2013, True)],
     "application for 2013 submitted on 2014-01-05, after that year"),
    ("two applications in a year", [Application("a", D(2013, 9, 1), 2013, True),
                                    Application("a", D(2013, 10, 1), 2013, True)],
     "second application for 2013"),
    ("event before the office opens", [Application("c", D(2013, 10, 1), 2013, True)],
     "but the office is open from 2014-03-01"),
    ("re-assessment without a title", [Reassessment("b", D(2013, 6, 1), 2013)],
     "holds no Star title then"),
    ("award after a failed assessment",
     [Application("a", D(2013, 10, 1), 2013, True),
      Assessment("a", D(2013, 12, 10), 2013, "NOT_ELIGIBLE", "none"),
      Award("a", D(2013, 12, 20), 2013)],
     "that year's assessment (2013-12-10) decided NOT_ELIGIBLE"),
    ("promotion assessment without an honour",
     [Assessment("a", D(2013, 12, 10), 2013, "DIRECT_PROMOTION", "award", of="promotion")],
     "no promotion honour is recorded"),
]


@pytest.mark.parametrize(("case", "events", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_histories_are_refused(case: str, events: list[Event], message: str) -> None:
    with pytest.raises(InputError) as caught:
        Register(OFFICES, events)
    assert any(message in p.message for p in caught.value.problems), caught.value


def test_every_problem_is_reported_at_once() -> None:
    events: list[Event] = [event for _, case, _ in INVALID for event in case]
    with pytest.raises(InputError) as caught:
        Register(OFFICES, events)
    assert len(caught.value.problems) >= len(INVALID)
    assert "problems in the title register" in str(caught.value)


def test_office_problems() -> None:
    offices = [Office("a", "x", "清河区"), Office("a", "y", "清河区"), Office("", "z", " "),
               Office("d", "w", "东湖区", opened_on=D(2014, 1, 1), closed_on=D(2013, 1, 1))]
    with pytest.raises(InputError) as caught:
        Register(offices)
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "listed twice" in messages
    assert "office id is empty" in messages
    assert "has no county" in messages
    assert "closes on 2013-01-01 but opens on 2014-01-01" in messages


def test_the_error_is_an_input_error_and_a_value_error() -> None:
    with pytest.raises(ValueError, match="1 problem in the title register"):
        Register(OFFICES, [Award("zz", D(2013, 12, 20), 2013)])


# -- order independence (Hypothesis) ---------------------------------------------------------------

BASES: st.SearchStrategy[Basis] = st.sampled_from(["assessment", "promotion"])
DAYS = st.dates(min_value=D(2012, 1, 1), max_value=D(2015, 12, 31))


@st.composite
def office_histories(draw: st.DrawFn, office_id: str) -> list[Event]:
    """A valid history: awards and revocations alternating on distinct days, with noise events."""
    days = sorted(draw(st.sets(DAYS, min_size=0, max_size=8)))
    events: list[Event] = []
    held = False
    for day in days:
        kind = draw(st.sampled_from(["change", "change", "incident", "promotion", "application"]))
        if kind == "change":
            if held:
                events.append(Revocation(office_id, day, day.year))
            else:
                events.append(Award(office_id, day, day.year, basis=draw(BASES)))
            held = not held
        elif kind == "incident":
            events.append(Incident(office_id, day, "事件", major=draw(st.booleans())))
        elif kind == "promotion":
            events.append(Promotion(office_id, day, "five_good"))
        elif not any(isinstance(e, Application) and e.year == day.year for e in events):
            events.append(Application(office_id, day, day.year, draw(st.booleans())))
    return events


@st.composite
def shuffled_registers(draw: st.DrawFn) -> tuple[list[Event], list[Event]]:
    events = [e for oid in ("a", "b") for e in draw(office_histories(oid))]
    return events, draw(st.permutations(events))


@given(shuffled_registers(), DAYS)
def test_folding_does_not_depend_on_the_listing_order(
    pair: tuple[list[Event], list[Event]], day: dt.date
) -> None:
    listed, shuffled = pair
    first = Register(OFFICES, listed)
    second = Register(OFFICES, shuffled)
    assert first.statuses_on(day) == second.statuses_on(day)
    for office in ("a", "b"):
        assert first.title_changes(office) == second.title_changes(office)
        assert fold_history(office, shuffled, day) == fold_history(office, listed, day)


# -- files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_save_and_load_round_trip(tmp_path: Path, suffix: str) -> None:
    register = Register(OFFICES, history(), city="江城市")
    path = tmp_path / f"register{suffix}"
    save_register(register, path)
    assert load_register(path) == register


def test_records_are_compact_and_readable() -> None:
    text = dump_register(Register(OFFICES[:1], history()[:3], city="江城市"), fmt="jsonl")
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0] == {"kind": "register", "format": "mingxing-campaign/1", "city": "江城市"}
    assert lines[1] == {"kind": "office", "id": "a", "name": "城东镇司法所", "county": "清河区"}
    assert lines[4] == {"kind": "award", "office_id": "a", "date": "2013-12-20", "year": 2013}
    assert "城东镇" in text  # not \\u-escaped


def test_load_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    records: list[Any] = [
        {"kind": "register", "city": "江城市"},
        {"kind": "office", "id": "a", "name": "x", "county": "清河区"},
        {"kind": "award", "office_id": "a", "date": "2013-12-20", "year": "2013"},
        {"kind": "award", "office_id": "a", "date": "2013-13-01", "year": 2013, "extra": 1},
        {"kind": "application", "office_id": "a", "date": "2013-10-01", "year": 2013,
         "county_review_passed": 1},
        {"kind": "revocation", "office_id": "zz", "date": "2014-01-01", "year": 2014},
        {"kind": "medal", "office_id": "a"},
        {"kind": "award", "office_id": "a", "year": 2013},
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n{not json\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_register(path)
    found = {p.path.split(str(path))[-1]: p.message for p in caught.value.problems}
    assert found == {
        ":3 award.year": "expected an integer, got '2013'",
        ":4 award.date": "month must be in 1..12",
        ":4 award.extra": "unknown field 'extra'",
        ":5 application.county_review_passed": "expected true or false, got 1",
        ":6 revocation.office_id": "revocation on 2014-01-01: no office with id 'zz'",
        ":7 record.kind": "unknown record kind 'medal'",
        ":8 award.date": "required field 'date' is missing",
        ":9": found[":9"],
    }
    assert found[":9"].startswith("not valid JSON")


def test_csv_cells_are_parsed_strictly(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        "kind,office_id,date,year,id,name,county,county_review_passed,facts\n"
        "office,,,,a,x,清河区,,\n"
        'application,a,2013-10-01,2013,,,,maybe,"{""floor_area_m2"": 230}"\n'
        "application,a,2014-10-01,twenty,,,,true,{oops\n",
        encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_register(path)
    messages = sorted(p.message for p in caught.value.problems)
    assert messages == ["county_review_passed must be true or false", "facts is not valid JSON: "
                        "Expecting property name enclosed in double quotes",
                        "year must be an integer"]


def test_unknown_csv_column_and_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown CSV columns"):
        parse_register("kind,colour\noffice,red\n", fmt="csv")
    with pytest.raises(InputError, match="cannot tell the register format"):
        load_register(tmp_path / "register.xlsx")
    with pytest.raises(InputError, match="cannot read the register"):
        load_register(tmp_path / "missing.jsonl")


def test_records_build_a_register() -> None:
    register = register_from_records([
        {"kind": "office", "id": "a", "name": "x", "county": "清河区", "office_kind": "street"},
        {"kind": "promotion", "office_id": "a", "date": "2013-05-01", "honour": "five_good"},
    ])
    assert register.offices[0].office_kind == "street"
    assert register.events == (Promotion("a", D(2013, 5, 1), "five_good"),)
    with pytest.raises(InputError, match="1 problem"):
        register_from_records([{"kind": "office", "id": "a", "name": "x", "county": "c",
                                "office_kind": "prison"}])
