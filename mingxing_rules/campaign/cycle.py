"""The annual cycle: a year's assessment through the ruleset, giving the year's 表彰名单.

Clause 五: the county bureau reviews and submits applications before the end of November; the city
panel assesses them; the city decides the commendation list (表彰名单) and awards the plaques; a
Star office with a major problem, or that lowers the standards without cause, has its title
revoked "as the situation warrants".

:func:`run_cycle` evaluates, for one year:

* every **application** for the year submitted on or before the deadline (late ones are listed
  in :attr:`CycleResult.late`, not evaluated);
* every office that holds a **direct-promotion honour** (a :class:`~.register.Promotion` event on or
  before the deadline) but no Star title and no application that year (clause 二: promotion is
  direct; whether it still needs the procedure is the ruleset's ``promotion_requires_application``);
* every **re-assessment** of a Star office dated in the year.

The facts handed to the ruleset are the event's facts plus what the register knows for certain:
the office's kind, the procedure facts (``county_review_passed``, ``submitted_on``,
``assessment_year``), ``holds_star_title`` from the folded history, the ``honours`` from promotion
events, and ``major_problem`` from major incidents. :meth:`CycleResult.events` turns the results
into register events (assessments, awards, revocations) carrying the verdicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import attrs

from ..engine.evaluate import evaluate
from ..errors import InputError, InputProblem
from ..history import RulesetHistory, is_history_source, load_history
from ..progress import track
from ..ruleset.load import Ruleset, load_ruleset
from ..types import Lang
from .rates import DEFAULT_POLICY, CampaignPolicy
from .register import (
    HONOURS,
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
    Subject,
)

__all__ = [
    "CycleDecision",
    "CycleResult",
    "Evaluator",
    "VerdictLike",
    "apply_cycle",
    "assessment_facts",
    "ruleset_evaluator",
    "run_cycle",
    "summarise_verdict",
]

#: The outcome of a verdict that recommends revocation to the panel (``effect`` "none").
REVOCATION_RECOMMENDED = "REVOCATION_RECOMMENDED"
TraceDetail: TypeAlias = Literal["full", "summary"]


class VerdictLike(Protocol):
    """What the cycle needs of a verdict (:class:`mingxing_rules.Verdict` has it)."""

    @property
    def outcome(self) -> str: ...

    @property
    def effect(self) -> str | None: ...

    def to_dict(self) -> dict[str, Any]: ...

    def explain(self, lang: Lang = "en") -> str: ...


Evaluator: TypeAlias = Callable[[Mapping[str, Any]], VerdictLike]


def ruleset_evaluator(
    ruleset: str | Path | Ruleset | RulesetHistory = "star-judicial-office",
    *,
    options: Mapping[str, Any] | None = None,
) -> Evaluator:
    """An evaluator over a ruleset: a bundled id, a YAML path, or an already loaded ruleset.

    When ``ruleset`` names a history of versions (``"star-judicial-office.history"``, the
    bundled history; a history index file; a directory of versions: docs/history.md), each
    office is judged by the version in force on its assessment date (its ``submitted_on``, else
    its ``assessment_year``), so each year of the campaign is judged by its own rules. A
    bundled id, a ruleset file or a loaded :class:`Ruleset` judges every year with that one
    version (the default, ``star-judicial-office``, is the 2012 text: the bundled 2014 version
    is an illustrative amendment, not a published one).
    """
    if not (isinstance(ruleset, RulesetHistory)
            or (isinstance(ruleset, str | Path) and is_history_source(ruleset))):
        loaded = load_ruleset(ruleset, options=options)

        def evaluator(facts: Mapping[str, Any]) -> VerdictLike:
            return evaluate(facts, loaded)

        return evaluator

    history = load_history(ruleset)
    for version in history.versions:  # bad options fail now, not in the middle of a cycle
        version.ruleset(options)

    def dated_evaluator(facts: Mapping[str, Any]) -> VerdictLike:
        return evaluate(facts, history.ruleset_on(history.assessment_date(facts),
                                                  options=options))

    return dated_evaluator


@attrs.frozen
class CycleDecision:
    """The verdict on one office in the cycle, and the facts it was given."""

    office: Office
    subject: Subject
    event: Application | Promotion | Reassessment
    facts: dict[str, Any]
    verdict: VerdictLike
    already_held: bool = False

    @property
    def outcome(self) -> str:
        return self.verdict.outcome

    @property
    def effect(self) -> str | None:
        return self.verdict.effect

    @property
    def awards(self) -> bool:
        """The verdict awards a title the office does not hold yet."""
        return self.effect == "award" and not self.already_held

    @property
    def revokes(self) -> bool:
        return self.effect == "revoke"

    @property
    def recommends_revocation(self) -> bool:
        return self.outcome == REVOCATION_RECOMMENDED

    @property
    def basis(self) -> Literal["assessment", "promotion"]:
        return "promotion" if self.outcome == "DIRECT_PROMOTION" else "assessment"

    def to_dict(self) -> dict[str, Any]:
        return {
            "office_id": self.office.id,
            "office": self.office.name,
            "county": self.office.county,
            "subject": self.subject,
            "date": self.event.date.isoformat(),
            "outcome": self.outcome,
            "effect": self.effect,
            "already_held": self.already_held,
            "verdict": self.verdict.to_dict(),
        }




@attrs.frozen
class CycleResult:
    """One year's assessment: the verdicts, the late applications and what was left unreviewed."""

    year: int
    deadline: dt.date
    decisions: tuple[CycleDecision, ...]
    late: tuple[Application, ...] = ()
    unreviewed_incidents: tuple[Incident, ...] = ()
    #: Counties in the register's order: lists are sorted by county, then office id.
    counties: tuple[str, ...] = ()

    def _key(self, decision: CycleDecision) -> tuple[int, str, str]:
        county = decision.office.county
        position = self.counties.index(county) if county in self.counties else len(self.counties)
        return (position, county, decision.office.id)

    @property
    def awards(self) -> tuple[CycleDecision, ...]:
        """The commendation list (表彰名单): titles to award, by county then office id."""
        return tuple(sorted((d for d in self.decisions if d.awards), key=self._key))

    @property
    def revocations(self) -> tuple[CycleDecision, ...]:
        """Titles the verdicts revoke (ruleset option ``revocation_mode: automatic``)."""
        return tuple(sorted((d for d in self.decisions if d.revokes), key=self._key))

    @property
    def recommended_revocations(self) -> tuple[CycleDecision, ...]:
        """Revocations recommended to the panel (``视情``, the ruleset's default)."""
        return tuple(sorted((d for d in self.decisions if d.recommends_revocation),
                            key=self._key))

    @property
    def undecided(self) -> tuple[CycleDecision, ...]:
        return tuple(d for d in self.decisions if d.outcome == "UNDECIDED")

    @property
    def judged_by(self) -> tuple[str, ...]:
        """The ruleset versions that judged this year (``id@version``), in first-use order."""
        found: dict[str, None] = {}
        for decision in self.decisions:
            found.setdefault(_ruleset_key(decision.verdict), None)
        return tuple(found)

    def restricted(self, office_ids: Iterable[str]) -> CycleResult:
        """The same result for these offices only (e.g. one county's)."""
        keep = set(office_ids)
        return attrs.evolve(
            self,
            decisions=tuple(d for d in self.decisions if d.office.id in keep),
            late=tuple(a for a in self.late if a.office_id in keep),
            unreviewed_incidents=tuple(i for i in self.unreviewed_incidents
                                       if i.office_id in keep))

    def events(
        self,
        *,
        assessed_on: dt.date | None = None,
        awarded_on: dt.date | None = None,
        revoke_recommended: bool = False,
        trace: TraceDetail = "full",
    ) -> tuple[Event, ...]:
        """Register events for this cycle: an assessment per decision, then awards, revocations.

        ``assessed_on`` dates the panel's verdicts on applications and promotions (default: 10
        December), ``awarded_on`` the announcement (default: 20 December); a re-assessment's
        verdict is dated on the re-assessment. ``revoke_recommended`` records the city's decision
        to follow every recommended revocation. ``trace="summary"`` keeps the outcome and the
        explanation instead of the full trace (for compact registers).
        """
        assessed = assessed_on or dt.date(self.year, 12, 10)
        announced = awarded_on or dt.date(self.year, 12, 20)
        produced: list[Event] = []
        for decision in sorted(self.decisions, key=self._key):
            recorded = _recorded(decision, trace)
            day = decision.event.date if decision.subject == "reassessment" else assessed
            produced.append(Assessment(
                office_id=decision.office.id, date=max(day, decision.event.date),
                year=self.year, outcome=decision.outcome,
                effect=_effect(decision.effect), of=decision.subject, verdict=recorded))
            if decision.awards:
                # The award points at the assessment of its year for its verdict (no copy).
                produced.append(Award(office_id=decision.office.id, date=announced,
                                      year=self.year, basis=decision.basis))
            elif decision.revokes or (revoke_recommended and decision.recommends_revocation):
                produced.append(Revocation(
                    office_id=decision.office.id, date=max(announced, decision.event.date),
                    year=self.year, reason=_revocation_reason(decision)))
        return tuple(produced)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "deadline": self.deadline.isoformat(),
            "judged_by": list(self.judged_by),
            "awards": [d.office.id for d in self.awards],
            "revocations": [d.office.id for d in self.revocations],
            "recommended_revocations": [d.office.id for d in self.recommended_revocations],
            "late": [{"office_id": a.office_id, "submitted_on": a.date.isoformat()}
                     for a in self.late],
            "unreviewed_incidents": [{"office_id": i.office_id, "date": i.date.isoformat(),
                                      "description": i.description}
                                     for i in self.unreviewed_incidents],
            "decisions": [d.to_dict() for d in self.decisions],
        }


def _ruleset_key(verdict: VerdictLike) -> str:
    ruleset_id = getattr(verdict, "ruleset_id", None)
    version = getattr(verdict, "ruleset_version", None)
    if not (isinstance(ruleset_id, str) and isinstance(version, str)):
        recorded = verdict.to_dict().get("ruleset") or {}
        ruleset_id, version = recorded.get("id", "?"), recorded.get("version", "?")
    return f"{ruleset_id}@{version}"


def _revocation_reason(decision: CycleDecision) -> str:
    grounds = []
    if _finding_met(decision.facts.get("major_problem")):
        grounds.append("major problem in its work (重大问题)")
    dropped = [s["id"] for s in decision.verdict.to_dict().get("trace", ())
               if s.get("kind") == "criterion" and s.get("status") == "fail"]
    if dropped:
        grounds.append("standards no longer met (降低创建标准): " + ", ".join(dropped))
    return f"{decision.outcome}: " + ("; ".join(grounds) or "see the verdict")


def _finding_met(value: object) -> bool:
    if isinstance(value, Mapping):
        return bool(value.get("met"))
    return value is True


def _effect(effect: str | None) -> Literal["award", "revoke", "none"]:
    if effect == "award":
        return "award"
    if effect == "revoke":
        return "revoke"
    return "none"


def _recorded(decision: CycleDecision, trace: TraceDetail) -> dict[str, Any]:
    full = decision.verdict.to_dict()
    return full if trace == "full" else summarise_verdict(full)


def summarise_verdict(verdict: Mapping[str, Any]) -> dict[str, Any]:
    """A verdict dict with only the steps that say why (``"trace_detail": "summary"``).

    It keeps every outcome step in brief (id, status, role, clause, title) and the failing or
    unknown criteria in full. A full trace of the star ruleset is about 60 kB; a city's register
    keeps summaries, and the full trace can be had again by evaluating the recorded facts.
    """
    kept: list[dict[str, Any]] = []
    for step in verdict.get("trace", ()):
        if step.get("kind") == "outcome":
            kept.append({key: step.get(key) for key in
                         ("id", "kind", "status", "role", "clause", "title")})
        elif step.get("kind") == "criterion" and step.get("status") in ("fail", "unknown"):
            kept.append(dict(step))
    return {**verdict, "trace": kept, "trace_detail": "summary"}


def assessment_facts(
    register: Register,
    office: Office,
    event: Application | Promotion | Reassessment,
    year: int,
    *,
    on: dt.date,
) -> dict[str, Any]:
    """The facts the ruleset gets for ``event``: its own facts plus what the register knows.

    ``on`` is the day the status is read (the deadline for applications and promotions, the
    re-assessment's date otherwise).
    """
    history = register.history(office.id)
    own = event.facts if isinstance(event, Application | Reassessment) else {}
    facts: dict[str, Any] = dict(own)
    facts.update(id=office.id, name=office.name, county=office.county,
                 office_kind=office.office_kind, assessment_year=year,
                 holds_star_title=register.status_on(office.id, on).holds_title)
    if isinstance(event, Application):
        facts.update(county_review_passed=event.county_review_passed,
                     submitted_on=event.date.isoformat())

    # The register is the record of honours: promotion events add to what the facts list.
    honours = set(facts.get("honours") or ())
    honours.update(e.honour for e in history if isinstance(e, Promotion) and e.date <= on)
    facts["honours"] = [h for h in HONOURS if h in honours] + sorted(honours - set(HONOURS))

    since = _problem_window_start(register, office, event, year, on)
    majors = [e for e in history
              if isinstance(e, Incident) and e.major and since <= e.date <= on]
    if majors:
        facts["major_problem"] = {"met": True,
                                  "evidence": "; ".join(f"{e.date}: {e.description}"
                                                        for e in majors)}
    else:
        facts.setdefault("major_problem", False)
    return facts


def _problem_window_start(
    register: Register, office: Office, event: Event, year: int, on: dt.date
) -> dt.date:
    """Incidents count from the title's award (re-assessment) or from the year's start."""
    if isinstance(event, Reassessment):
        status = register.status_on(office.id, on)
        if status.awarded_on is not None:
            return status.awarded_on
    return dt.date(year, 1, 1)


def run_cycle(
    register: Register,
    year: int,
    *,
    evaluator: Evaluator | None = None,
    ruleset: str | Path | Ruleset | RulesetHistory = "star-judicial-office",
    policy: CampaignPolicy = DEFAULT_POLICY,
) -> CycleResult:
    """Assess ``year``: applications on time, direct promotions, re-assessments (see module doc).

    ``evaluator`` maps facts to a verdict; by default :func:`ruleset_evaluator` over ``ruleset``.
    An office whose facts the ruleset refuses stops the cycle with one :class:`InputError` that
    lists every such office's problems.
    """
    evaluate = evaluator or ruleset_evaluator(ruleset)
    deadline = policy.deadline(year)
    offices = {office.id: office for office in register.offices}

    candidates: list[tuple[Subject, Application | Promotion | Reassessment, dt.date]] = []
    late: list[Application] = []
    applied: set[str] = set()
    for event in sorted(register.events, key=lambda e: (e.date, e.office_id)):
        if isinstance(event, Application) and event.year == year:
            if event.date <= deadline:
                candidates.append(("application", event, deadline))
                applied.add(event.office_id)
            else:
                late.append(event)
        elif isinstance(event, Reassessment) and event.year == year:
            candidates.append(("reassessment", event, event.date))

    for office in register.offices:
        if office.id in applied or not office.exists_on(deadline):
            continue
        honours = [e for e in register.history(office.id)
                   if isinstance(e, Promotion) and e.date <= deadline]
        if honours and not register.status_on(office.id, deadline).holds_title:
            candidates.append(("promotion", honours[-1], deadline))

    decisions: list[CycleDecision] = []
    problems: list[InputProblem] = []
    for subject, event, on in track(candidates, "assessing"):  # a bar on a terminal only
        office = offices[event.office_id]
        facts = assessment_facts(register, office, event, year, on=on)
        try:
            verdict = evaluate(facts)
        except InputError as error:
            where = f"{office.id} {subject} {event.date}"
            problems.extend(attrs.evolve(p, path=f"{where}: {p.path}") for p in error.problems)
            if not error.problems:
                problems.append(InputProblem(where, None, "facts the ruleset accepts", str(error)))
            continue
        decisions.append(CycleDecision(
            office=office, subject=subject, event=event, facts=facts, verdict=verdict,
            already_held=subject != "reassessment" and bool(facts["holds_star_title"])))
    if problems:
        raise InputError(f"cycle {year}: the ruleset refused the facts of "
                         f"{len({p.path.split(':')[0] for p in problems})} event(s)",
                         problems=problems)

    return CycleResult(
        year=year, deadline=deadline, decisions=tuple(decisions), late=tuple(late),
        unreviewed_incidents=_unreviewed(register, year), counties=register.counties)


def _unreviewed(register: Register, year: int) -> tuple[Incident, ...]:
    """Major incidents of Star offices in ``year`` that no later re-assessment that year covers."""
    found: list[Incident] = []
    for event in register.events:
        if not (isinstance(event, Incident) and event.major and event.date.year == year):
            continue
        if not register.status_on(event.office_id, event.date).holds_title:
            continue
        reviewed = any(isinstance(e, Reassessment) and e.date >= event.date and e.year == year
                       for e in register.history(event.office_id))
        if not reviewed:
            found.append(event)
    return tuple(sorted(found, key=lambda e: (e.date, e.office_id)))


def apply_cycle(
    register: Register,
    result: CycleResult,
    *,
    assessed_on: dt.date | None = None,
    awarded_on: dt.date | None = None,
    revoke_recommended: bool = False,
    trace: TraceDetail = "full",
) -> Register:
    """The register with the cycle's events appended (options as for :meth:`CycleResult.events`)."""
    return register.with_events(result.events(
        assessed_on=assessed_on, awarded_on=awarded_on,
        revoke_recommended=revoke_recommended, trace=trace))

