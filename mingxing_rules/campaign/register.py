"""The title register: offices and the history of events that give or take away the Star title.

The register is plain data. Each office has a history of events (application, assessment verdict,
direct-promotion honour, award, incident, re-assessment, revocation). *Folding* an office's history
in date order gives its title status on any day, and every change of status points back to the
event, and the verdict trace, that caused it.

Events are sorted by ``(date, kind)`` before folding, so the order in which events with different
dates are listed never matters. On one day the kinds follow the procedure of clause 五: an
application comes before its assessment, an assessment before the award, an award before a
revocation.

A register is validated when it is built: every problem is collected (an office id that does not
exist, an assessment without an application, an award while the title is already held, a
revocation before any award, an event outside the office's open period …) and raised together
as one :class:`~mingxing_rules.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeAlias

import attrs

from ..errors import InputError, InputProblem

__all__ = [
    "CLOSING_KINDS",
    "EVENT_KINDS",
    "HONOURS",
    "OFFICE_KINDS",
    "Application",
    "Assessment",
    "Award",
    "Event",
    "Incident",
    "Office",
    "Promotion",
    "Reassessment",
    "Register",
    "Revocation",
    "TitleChange",
    "TitleState",
    "TitleStatus",
    "fold_history",
    "register_problems",
]

OfficeKind: TypeAlias = Literal["township", "street", "other"]
Honour: TypeAlias = Literal[
    "national_model", "national_advanced", "five_good", "provincial_excellent"
]
Basis: TypeAlias = Literal["assessment", "promotion"]
Effect: TypeAlias = Literal["award", "revoke", "none"]
TitleState: TypeAlias = Literal["none", "star", "revoked"]
#: What an assessment assessed: an application, a direct-promotion honour, or a Star office again.
Subject: TypeAlias = Literal["application", "promotion", "reassessment"]

OFFICE_KINDS: tuple[str, ...] = ("township", "street", "other")
#: The titles that make an office a Star office directly (clause 二).
HONOURS: tuple[str, ...] = (
    "national_model", "national_advanced", "five_good", "provincial_excellent"
)


def _empty_facts() -> dict[str, Any]:
    return {}


@attrs.frozen
class Office:
    """A township or street judicial office (乡镇(街道)司法所) of one county (县(区)).

    ``opened_on`` / ``closed_on`` bound the period in which the office exists (both optional): an
    office opened in 2014 is not in the 2013 denominator.
    """

    id: str
    name: str
    county: str
    office_kind: OfficeKind = "township"
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None

    def exists_on(self, day: dt.date) -> bool:
        """True if the office is open on ``day`` (the closing day itself no longer counts)."""
        if self.opened_on is not None and day < self.opened_on:
            return False
        return not (self.closed_on is not None and day >= self.closed_on)


@attrs.frozen
class Application:
    """The county bureau submits an office's application for one assessment year (clause 五).

    ``date`` is the submission date (``submitted_on``); ``facts`` are the office's assessment facts
    as the ruleset names them (floor area, staff count, findings …), used by the annual cycle.
    """

    kind: ClassVar[str] = "application"
    office_id: str
    date: dt.date
    year: int
    county_review_passed: bool
    facts: dict[str, Any] = attrs.field(factory=_empty_facts)
    note: str = ""


@attrs.frozen
class Assessment:
    """The city panel's verdict on an application, a promotion or a re-assessment (``of``).

    ``outcome`` and ``effect`` are those of the ruleset's verdict; ``verdict`` is its full
    ``to_dict()`` (with the trace) or a summary of it.
    """

    kind: ClassVar[str] = "assessment"
    office_id: str
    date: dt.date
    year: int
    outcome: str
    effect: Effect = "none"
    of: Subject = "application"
    verdict: dict[str, Any] | None = None
    note: str = ""


@attrs.frozen
class Promotion:
    """The office obtained a title that promotes it directly (clause 二): the honour is a fact.

    It does not change the Star title by itself: the award that follows (``basis="promotion"``)
    does. The annual cycle adds the honour to the office's ``honours`` fact.
    """

    kind: ClassVar[str] = "promotion"
    office_id: str
    date: dt.date
    honour: Honour
    note: str = ""


@attrs.frozen
class Award:
    """The city awards the Star title (plaque, announcement): the title is held from ``date``."""

    kind: ClassVar[str] = "award"
    office_id: str
    date: dt.date
    year: int
    basis: Basis = "assessment"
    verdict: dict[str, Any] | None = None
    note: str = ""


@attrs.frozen
class Incident:
    """Something happened in the office's work; ``major`` marks a 重大问题 (clause 五)."""

    kind: ClassVar[str] = "incident"
    office_id: str
    date: dt.date
    description: str
    major: bool = False
    note: str = ""


@attrs.frozen
class Reassessment:
    """A Star office is checked again against the standards (e.g. after an incident)."""

    kind: ClassVar[str] = "reassessment"
    office_id: str
    date: dt.date
    year: int
    facts: dict[str, Any] = attrs.field(factory=_empty_facts)
    note: str = ""


@attrs.frozen
class Revocation:
    """The title is taken away (摘牌, clause 五): not held from ``date`` on."""

    kind: ClassVar[str] = "revocation"
    office_id: str
    date: dt.date
    year: int
    reason: str = ""
    verdict: dict[str, Any] | None = None
    note: str = ""


Event: TypeAlias = (
    Application | Assessment | Promotion | Award | Incident | Reassessment | Revocation
)

#: Event kinds in the order they are applied when they fall on the same day.
EVENT_KINDS: tuple[str, ...] = (
    "application",
    "promotion",
    "incident",
    "reassessment",
    "assessment",
    "award",
    "revocation",
)
#: The kinds that change the title status.
CLOSING_KINDS: tuple[str, ...] = ("award", "revocation")
EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (Application, Assessment, Promotion, Award, Incident, Reassessment, Revocation)
}
_KIND_RANK = {kind: rank for rank, kind in enumerate(EVENT_KINDS)}


def chronological_key(event: Event) -> tuple[dt.date, int]:
    """Sort key of the fold: date, then the procedural order of kinds on one day."""
    return (event.date, _KIND_RANK[event.kind])


@attrs.frozen
class TitleChange:
    """One change of an office's title: an award or a revocation, and what caused it.

    ``verdict`` is the verdict recorded on the award / revocation event, or else the one of the
    assessment of the same year that led to it (``None`` when the register recorded neither).
    """

    office_id: str
    date: dt.date
    change: Literal["award", "revocation"]
    basis: Basis | None
    event: Award | Revocation
    verdict: dict[str, Any] | None = None


@attrs.frozen
class TitleStatus:
    """An office's title status on a day.

    ``state`` is ``"none"`` (never held), ``"star"`` (held) or ``"revoked"`` (held, then taken
    away). ``basis``, ``awarded_on`` and ``revoked_on`` describe the latest title; ``cause`` is the
    latest :class:`TitleChange` (``None`` when the title was never held).
    """

    office_id: str
    on: dt.date
    state: TitleState = "none"
    basis: Basis | None = None
    awarded_on: dt.date | None = None
    revoked_on: dt.date | None = None
    cause: TitleChange | None = None

    @property
    def holds_title(self) -> bool:
        return self.state == "star"


def fold_history(office_id: str, events: Iterable[Event], on: dt.date) -> TitleStatus:
    """Fold one office's events dated on or before ``on`` into its title status on that day.

    Events are put in chronological order first, so the result does not depend on how they are
    listed. The fold is lenient (an award while the title is held is ignored, as is a revocation
    without a title); :func:`register_problems` reports such histories, and a :class:`Register`
    refuses them.
    """
    status = TitleStatus(office_id=office_id, on=on)
    for change in _changes(office_id, events):
        if change.date > on:
            break
        if change.change == "award":
            status = TitleStatus(
                office_id=office_id,
                on=on,
                state="star",
                basis=change.basis,
                awarded_on=change.date,
                cause=change,
            )
        else:
            status = attrs.evolve(status, state="revoked", revoked_on=change.date, cause=change)
    return status


def _changes(office_id: str, events: Iterable[Event]) -> list[TitleChange]:
    """The effective title changes of one office, oldest first (invalid ones skipped)."""
    held = False
    basis: Basis | None = None
    assessed: dict[tuple[int, str], Assessment] = {}
    changes: list[TitleChange] = []
    for event in sorted(
        (e for e in events if e.office_id == office_id), key=chronological_key
    ):
        if isinstance(event, Assessment):
            assessed[(event.year, event.of)] = event
        elif isinstance(event, Award) and not held:
            held, basis = True, event.basis
            found = (assessed.get((event.year, "application"))
                     or assessed.get((event.year, "promotion")))
            verdict = event.verdict if event.verdict is not None else _verdict_of(found)
            changes.append(TitleChange(office_id, event.date, "award", event.basis, event, verdict))
        elif isinstance(event, Revocation) and held:
            held = False
            found = assessed.get((event.year, "reassessment"))
            verdict = event.verdict if event.verdict is not None else _verdict_of(found)
            changes.append(TitleChange(office_id, event.date, "revocation", basis, event, verdict))
    return changes


def _verdict_of(assessment: Assessment | None) -> dict[str, Any] | None:
    return None if assessment is None else assessment.verdict


# -- validation ----------------------------------------------------------------------------------


def register_problems(
    offices: Sequence[Office],
    events: Sequence[Event],
    *,
    office_where: Callable[[int], str] = lambda i: f"offices[{i}]",
    event_where: Callable[[int], str] = lambda i: f"events[{i}]",
) -> list[InputProblem]:
    """Every semantic problem of a register, in a stable order (offices first, then by office).

    ``office_where`` / ``event_where`` name a record in messages (``events[3]`` for data in
    memory, ``register.jsonl:14`` for a file).
    """
    problems: list[InputProblem] = []
    by_id: dict[str, Office] = {}
    for index, office in enumerate(offices):
        where = office_where(index)
        if not office.id.strip():
            problems.append(InputProblem(f"{where}.id", office.id, "a non-empty office id",
                                         "office id is empty"))
        elif office.id in by_id:
            problems.append(InputProblem(f"{where}.id", office.id, "a unique office id",
                                         f"office id {office.id!r} is listed twice"))
        else:
            by_id[office.id] = office
        if not office.county.strip():
            problems.append(InputProblem(f"{where}.county", office.county, "a county name",
                                         f"office {office.id!r} has no county"))
        if (office.opened_on and office.closed_on and office.closed_on <= office.opened_on):
            problems.append(InputProblem(
                f"{where}.closed_on", office.closed_on.isoformat(), "a date after opened_on",
                f"office {office.id!r} closes on {office.closed_on} but opens on "
                f"{office.opened_on}"))

    per_office: dict[str, list[tuple[int, Event]]] = {}
    for index, event in enumerate(events):
        if event.office_id not in by_id:
            problems.append(InputProblem(
                f"{event_where(index)}.office_id", event.office_id, "the id of a listed office",
                f"{event.kind} on {event.date}: no office with id {event.office_id!r}"))
            continue
        per_office.setdefault(event.office_id, []).append((index, event))

    for office_id, listed in per_office.items():
        office = by_id[office_id]
        ordered = sorted(listed, key=lambda item: chronological_key(item[1]))
        problems.extend(_history_problems(office, ordered, event_where))
    return problems


def _history_problems(
    office: Office,
    ordered: list[tuple[int, Event]],
    event_where: Callable[[int], str],
) -> list[InputProblem]:
    problems: list[InputProblem] = []

    def report(index: int, field: str, value: object, expected: str, message: str) -> None:
        problems.append(InputProblem(f"{event_where(index)}.{field}", value, expected,
                                     f"office {office.id!r}: {message}"))

    held_since: dt.date | None = None
    revoked_on: dt.date | None = None
    applied: dict[int, Application] = {}
    reassessed: dict[int, Reassessment] = {}
    first_honour: Promotion | None = None
    assessed: dict[int, Assessment] = {}
    for index, event in ordered:
        day = event.date.isoformat()
        if not office.exists_on(event.date):
            report(index, "date", day, "a date while the office is open",
                   f"{event.kind} on {day} but the office is open "
                   f"{_period(office)}")
        if isinstance(event, Application):
            if event.date.year > event.year:
                report(index, "year", event.year, f"{event.date.year} or later",
                       f"application for {event.year} submitted on {day}, after that year")
            if event.year in applied:
                report(index, "year", event.year, "one application per year",
                       f"second application for {event.year} (the first was submitted on "
                       f"{applied[event.year].date})")
            else:
                applied[event.year] = event
        elif isinstance(event, Promotion):
            first_honour = first_honour or event
        elif isinstance(event, Reassessment):
            if held_since is None:
                report(index, "date", day, "a date while the office holds the title",
                       f"re-assessment on {day} but the office holds no Star title then")
            reassessed[event.year] = event
        elif isinstance(event, Assessment):
            if event.of == "promotion":
                if first_honour is None:
                    report(index, "date", day, "a date on or after a promotion honour",
                           f"assessment of a direct promotion on {day}, but no promotion "
                           "honour is recorded on or before that day")
            elif event.year not in (applied if event.of == "application" else reassessed):
                report(index, "date", day, f"a date on or after the {event.of} for {event.year}",
                       f"assessment of {event.of} for {event.year} on {day}, but no "
                       f"{event.of} for {event.year} is recorded on or before that day")
            if event.of != "reassessment":
                assessed[event.year] = event
        elif isinstance(event, Award):
            if held_since is not None:
                report(index, "date", day, "an award while the title is not held",
                       f"award on {day} but the title has been held since {held_since}")
                continue
            verdict = assessed.get(event.year)
            if verdict is not None and verdict.effect != "award":
                report(index, "year", event.year, "an award after an assessment that awards",
                       f"award on {day} for {event.year} but that year's assessment "
                       f"({verdict.date}) decided {verdict.outcome}")
            held_since, revoked_on = event.date, None
        elif isinstance(event, Revocation):
            if held_since is None:
                detail = (f"the title was already revoked on {revoked_on}" if revoked_on
                          else "the title was never awarded before it")
                report(index, "date", day, "a revocation after an award",
                       f"revocation on {day} but {detail}")
                continue
            held_since, revoked_on = None, event.date
    return problems


def _period(office: Office) -> str:
    start = f"from {office.opened_on}" if office.opened_on else ""
    end = f"until {office.closed_on} (exclusive)" if office.closed_on else ""
    return " ".join(part for part in (start, end) if part) or "always"


# -- the register ----------------------------------------------------------------------------------


def _as_offices(value: Iterable[Office]) -> tuple[Office, ...]:
    return tuple(value)


def _as_events(value: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(value)


@attrs.frozen
class Register:
    """A city's offices and their events. Building one validates it (all problems at once).

    >>> import datetime as dt
    >>> register = Register(
    ...     offices=[Office("o1", "城东司法所", "清河区")],
    ...     events=[Award("o1", dt.date(2013, 12, 20), year=2013)],
    ... )
    >>> register.status_on("o1", dt.date(2013, 12, 31)).state
    'star'
    """

    offices: tuple[Office, ...] = attrs.field(converter=_as_offices)
    events: tuple[Event, ...] = attrs.field(converter=_as_events, factory=tuple)
    city: str | None = ""
    #: further fields of the file's header record, kept as read so that saving loses nothing
    header: Mapping[str, Any] = attrs.field(factory=dict, converter=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        problems = register_problems(self.offices, self.events)
        if problems:
            raise invalid_register(problems)

    def office(self, office_id: str) -> Office:
        """The office with this id (``KeyError`` if there is none)."""
        for office in self.offices:
            if office.id == office_id:
                return office
        raise KeyError(office_id)

    @property
    def counties(self) -> tuple[str, ...]:
        """County names in the order they first appear among the offices."""
        return tuple(dict.fromkeys(office.county for office in self.offices))

    def history(self, office_id: str) -> tuple[Event, ...]:
        """One office's events in chronological order."""
        return tuple(sorted((e for e in self.events if e.office_id == office_id),
                            key=chronological_key))

    def status_on(self, office_id: str, on: dt.date) -> TitleStatus:
        """The office's title status at the end of day ``on``."""
        self.office(office_id)
        return fold_history(office_id, self.events, on)

    def statuses_on(self, on: dt.date) -> dict[str, TitleStatus]:
        """Every office's title status at the end of day ``on``, by office id."""
        grouped: dict[str, list[Event]] = {office.id: [] for office in self.offices}
        for event in self.events:
            grouped[event.office_id].append(event)
        return {oid: fold_history(oid, events, on) for oid, events in grouped.items()}

    def title_changes(self, office_id: str) -> tuple[TitleChange, ...]:
        """Every award and revocation of the office, oldest first, with the verdict behind it."""
        self.office(office_id)
        return tuple(_changes(office_id, self.events))

    def with_events(self, events: Iterable[Event]) -> Register:
        """A new register with ``events`` appended (validated again)."""
        return attrs.evolve(self, events=(*self.events, *events))


def invalid_register(problems: Sequence[InputProblem], source: str = "register") -> InputError:
    """The error for an invalid register, listing every problem."""
    count = len(problems)
    return InputError(
        f"{source}: {count} problem{'s' if count != 1 else ''} in the title register",
        problems=problems,
    )
