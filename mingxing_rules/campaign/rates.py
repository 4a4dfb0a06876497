"""The Star rate (创建率) per county and for the city, year by year, against clause 二's targets.

Clause 二: "2013年全市明星级基层司法所创建率达35%,2014年达55%,2015年达70%以上" — the share of the
city's grassroots offices holding the Star title, counting direct promotions (直接晋级).

Rates are exact fractions: 7 Star offices of 20 is exactly 35 % and meets the 2013 target; the
shortfall is the number of offices still needed, ``ceil(target × offices) − star``. The choices the
text leaves open are fields of :class:`CampaignPolicy` (see ``docs/campaign.md``, "Interpretation").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import attrs

from ..errors import InputError, InputProblem
from .register import Office, Register, TitleStatus

__all__ = [
    "CITY",
    "DEFAULT_POLICY",
    "DEFAULT_TARGETS",
    "CampaignPolicy",
    "Denominator",
    "RateTable",
    "StarRate",
    "rate_table",
    "star_rates",
]

Denominator: TypeAlias = Literal["all_offices", "township_street_offices"]
#: The scope name of the city-wide row.
CITY = "city"

TargetValue: TypeAlias = Fraction | Decimal | float | int | str


def _fraction(value: TargetValue) -> Fraction:
    # str() first so that a float 0.35 becomes exactly 35/100, not its binary approximation.
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(str(value))
    return Fraction(value)


def _targets(value: Mapping[int, TargetValue]) -> dict[int, Fraction]:
    return {int(year): _fraction(share) for year, share in value.items()}


def _county_targets(
    value: Mapping[str, Mapping[int, TargetValue]],
) -> dict[str, dict[int, Fraction]]:
    return {county: _targets(targets) for county, targets in value.items()}


#: Clause 二: 2013 ≥ 35 %, 2014 ≥ 55 %, 2015 ≥ 70 %.
DEFAULT_TARGETS: Mapping[int, Fraction] = {
    2013: Fraction(35, 100),
    2014: Fraction(55, 100),
    2015: Fraction(70, 100),
}


def _check_targets(
    _: object, attribute: attrs.Attribute[Any], value: Mapping[int, Fraction]
) -> None:
    for year, share in value.items():
        if not 0 <= share <= 1:
            raise InputError(
                f"campaign target for {year} is {float(share):.2%}; a share must be in 0..1",
                problems=[InputProblem(f"{attribute.name}[{year}]", float(share),
                                       "a share between 0 and 1", "target out of range")],
            )


def _check_month_day(_: object, attribute: attrs.Attribute[Any], value: tuple[int, int]) -> None:
    try:
        dt.date(2013, *value)
    except (TypeError, ValueError) as error:
        raise InputError(
            f"{attribute.name} {value!r} is not a (month, day) pair",
            problems=[InputProblem(attribute.name, value, "(month, day)", str(error))],
        ) from error


@attrs.frozen
class CampaignPolicy:
    """How the campaign is counted. The defaults are the library's reading of clauses 二 and 五.

    * ``targets``: the city-wide share to reach, by year (clause 二); a year without a target is
      reported without "met".
    * ``county_targets``: per-county overrides (a bureau may split the city target unevenly);
      by default each county is held to the city's target.
    * ``denominator``: ``"all_offices"`` counts every office of the register that is open on the
      counting day (全市…基层司法所); ``"township_street_offices"`` only township and street
      offices, the applicants named in clause 五.
    * ``revoked_leave_in_year``: ``True`` (default) takes a title revoked during the year out of
      that year's count (the count is the status on the counting day); ``False`` keeps it in for
      the year of revocation and drops it from the next year.
    * ``application_deadline``: (month, day) by which the county bureau submits (clause 五,
      "每年11月底前").
    * ``counted_on``: (month, day) on which a year's rate is taken (the year's last day).
    """

    targets: Mapping[int, Fraction] = attrs.field(
        factory=lambda: dict(DEFAULT_TARGETS), converter=_targets, validator=_check_targets)
    county_targets: Mapping[str, Mapping[int, Fraction]] = attrs.field(
        factory=dict, converter=_county_targets)
    denominator: Denominator = attrs.field(
        default="all_offices",
        validator=attrs.validators.in_(("all_offices", "township_street_offices")))
    revoked_leave_in_year: bool = True
    application_deadline: tuple[int, int] = attrs.field(default=(11, 30),
                                                        validator=_check_month_day)
    counted_on: tuple[int, int] = attrs.field(default=(12, 31), validator=_check_month_day)

    def target(self, year: int, county: str | None = None) -> Fraction | None:
        """The share to reach in ``year`` (the county's own if it has one)."""
        if county is not None and county in self.county_targets:
            own = self.county_targets[county]
            if year in own:
                return own[year]
        return self.targets.get(year)

    def deadline(self, year: int) -> dt.date:
        """The last day on which an application for ``year`` is on time (clause 五)."""
        return dt.date(year, *self.application_deadline)

    def counting_day(self, year: int) -> dt.date:
        """The day whose title status gives ``year``'s rate."""
        return dt.date(year, *self.counted_on)

    def counts(self, office: Office) -> bool:
        """Whether the office belongs in the denominator (apart from being open)."""
        return self.denominator == "all_offices" or office.office_kind in ("township", "street")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (targets as decimal strings, exact)."""
        return {
            "targets": {str(y): _share_text(t) for y, t in sorted(self.targets.items())},
            "county_targets": {
                county: {str(y): _share_text(t) for y, t in sorted(targets.items())}
                for county, targets in self.county_targets.items()
            },
            "denominator": self.denominator,
            "revoked_leave_in_year": self.revoked_leave_in_year,
            "application_deadline": _month_day(self.application_deadline),
            "counted_on": _month_day(self.counted_on),
        }


DEFAULT_POLICY = CampaignPolicy()


def _month_day(value: tuple[int, int]) -> str:
    month, day = value
    return f"{month:02d}-{day:02d}"


def _share_text(share: Fraction) -> str:
    """``Fraction(7, 20)`` -> ``"0.35"`` (exact when the decimal terminates)."""
    as_decimal = Decimal(share.numerator) / Decimal(share.denominator)
    return format(as_decimal.normalize(), "f")


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


@attrs.frozen
class StarRate:
    """One row of the campaign table: a county (or the city) in one year.

    ``offices`` is the denominator, ``star`` the Star offices counted (``by_assessment`` +
    ``by_promotion``), ``awarded`` / ``revoked`` the titles given / taken away during the year.
    """

    year: int
    scope: str
    offices: int
    star: int
    by_assessment: int
    by_promotion: int
    awarded: int
    revoked: int
    target: Fraction | None

    @property
    def is_city(self) -> bool:
        return self.scope == CITY

    @property
    def rate(self) -> Fraction | None:
        """Star offices / offices, exactly; ``None`` when there is no office to count."""
        return Fraction(self.star, self.offices) if self.offices else None

    @property
    def needed(self) -> int | None:
        """Star offices needed to meet the target: ``ceil(target × offices)``."""
        if self.target is None or not self.offices:
            return None
        return _ceil(self.target * self.offices)

    @property
    def met(self) -> bool | None:
        """Whether the rate reaches the target (≥, clause 二 "达").

        ``None`` without a target or without offices to count.
        """
        needed = self.needed
        return None if needed is None else self.star >= needed

    @property
    def shortfall(self) -> int:
        """How many more Star offices the target needs (0 when met or without a target)."""
        needed = self.needed
        return 0 if needed is None else max(0, needed - self.star)

    @property
    def status_text(self) -> str:
        """``"on target"``, ``"needs 3 more Star offices"``, ``"no target"`` or ``"no offices"``."""
        if not self.offices:
            return "no offices"
        if self.met is None:
            return "no target"
        if self.met:
            return "on target"
        more = self.shortfall
        return f"needs {more} more Star office{'s' if more != 1 else ''}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able row; ``rate`` is a float rounded to 4 places, ``rate_exact`` the fraction."""
        rate = self.rate
        return {
            "year": self.year,
            "scope": self.scope,
            "offices": self.offices,
            "star": self.star,
            "by_assessment": self.by_assessment,
            "by_promotion": self.by_promotion,
            "awarded": self.awarded,
            "revoked": self.revoked,
            "rate": None if rate is None else round(float(rate), 4),
            "rate_exact": None if rate is None else f"{self.star}/{self.offices}",
            "target": None if self.target is None else float(self.target),
            "met": self.met,
            "shortfall": self.shortfall,
            "status": self.status_text,
        }


def _count(
    *,
    year: int,
    scope: str,
    offices: Sequence[Office],
    statuses: Mapping[str, TitleStatus],
    changes: Mapping[str, list[tuple[dt.date, str]]],
    policy: CampaignPolicy,
    target: Fraction | None,
) -> StarRate:
    star = by_assessment = by_promotion = awarded = revoked = 0
    for office in offices:
        status = statuses[office.id]
        counted = status.holds_title or (
            not policy.revoked_leave_in_year
            and status.state == "revoked"
            and status.revoked_on is not None
            and status.revoked_on.year == year
        )
        if counted:
            star += 1
            if status.basis == "promotion":
                by_promotion += 1
            else:
                by_assessment += 1
        for day, change in changes.get(office.id, ()):
            if day.year == year:
                awarded += change == "award"
                revoked += change == "revocation"
    return StarRate(year=year, scope=scope, offices=len(offices), star=star,
                    by_assessment=by_assessment, by_promotion=by_promotion, awarded=awarded,
                    revoked=revoked, target=target)


def star_rates(
    register: Register,
    year: int,
    *,
    policy: CampaignPolicy = DEFAULT_POLICY,
    counties: Iterable[str] | None = None,
) -> tuple[StarRate, ...]:
    """The year's rows: one per county (register order, or ``counties``' order), then the city.

    The city row always counts the whole city, whichever ``counties`` are asked for.
    """
    day = policy.counting_day(year)
    counted = [o for o in register.offices if o.exists_on(day) and policy.counts(o)]
    statuses = register.statuses_on(day)
    changes: dict[str, list[tuple[dt.date, str]]] = {}
    for office in counted:
        changes[office.id] = [(c.date, c.change) for c in register.title_changes(office.id)
                              if c.date <= day]
    wanted = _wanted_counties(register, counties)
    rows = [
        _count(year=year, scope=county, offices=[o for o in counted if o.county == county],
               statuses=statuses, changes=changes, policy=policy,
               target=policy.target(year, county))
        for county in wanted
    ]
    rows.append(_count(year=year, scope=CITY, offices=counted, statuses=statuses,
                       changes=changes, policy=policy, target=policy.target(year)))
    return tuple(rows)


def _wanted_counties(register: Register, counties: Iterable[str] | None) -> tuple[str, ...]:
    known = register.counties
    if counties is None:
        return known
    wanted = tuple(dict.fromkeys(counties))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise InputError(
            f"no office of the register is in {', '.join(map(repr, unknown))}",
            problems=[InputProblem("county", c, "one of " + ", ".join(known),
                                   f"unknown county {c!r}") for c in unknown],
        )
    return wanted


@attrs.frozen
class RateTable:
    """Rates for several years: what the reports show."""

    city: str
    years: tuple[int, ...]
    rows: tuple[StarRate, ...]
    policy: CampaignPolicy = DEFAULT_POLICY

    @property
    def counties(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.scope for r in self.rows if not r.is_city))

    def for_year(self, year: int) -> tuple[StarRate, ...]:
        return tuple(r for r in self.rows if r.year == year)

    def row(self, scope: str, year: int) -> StarRate:
        for row in self.rows:
            if row.scope == scope and row.year == year:
                return row
        raise KeyError((scope, year))

    def to_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "years": list(self.years),
            "policy": self.policy.to_dict(),
            "rows": [row.to_dict() for row in self.rows],
        }


def rate_table(
    register: Register,
    years: Iterable[int],
    *,
    policy: CampaignPolicy = DEFAULT_POLICY,
    counties: Iterable[str] | None = None,
) -> RateTable:
    """Rows for every year in ``years`` (ascending), counties first then the city in each year."""
    chosen = tuple(counties) if counties is not None else None
    ordered = tuple(sorted(set(years)))
    rows = tuple(row for year in ordered
                 for row in star_rates(register, year, policy=policy, counties=chosen))
    return RateTable(register.city or "", ordered, rows, policy)
