"""Re-assessment: offices judged again under the rules in force then and the rules in force now.

:func:`reassess` takes stored offices, stored verdicts (``mingxing-verdict/1`` documents) or
decision records, and evaluates each under two versions of its ruleset's history: the version in
force **then** (by default the one that judged it — recorded in a verdict or a decision record —,
else the one in force on the office's assessment date) and the version in force **now** (by
default today's, or the latest when the history has ended). Any two dates can be given instead.
Each verdict that flips is explained by the structural diff of the two versions, with the impact
machinery (:func:`mingxing_rules.regression.impact.explain_flip`): the changed rules whose status
moved.

>>> from mingxing_rules.reassess import reassess
>>> office = {"id": "hexi", "floor_area_m2": 230, "disputes_mediated_count": 100,
...           "disputes_resolved_count": 96}
>>> result = reassess([office], then="2013-12-01", now="2015-06-30")
>>> row = result.rows[0]
>>> row.then_version, row.now_version, row.flipped
('2012.1', '2014.1', False)

A verdict stored from the 2013 assessment, judged again under the rules of 2015:

>>> import json, pathlib
>>> from mingxing_rules import evaluate
>>> stored = json.loads(pathlib.Path("examples/offices/star-exact-boundaries.json").read_text())
>>> verdict = evaluate(stored, on="2013-12-10").to_dict()
>>> (row,) = reassess([verdict], now="2015-12-10").rows
>>> print(row.summary().splitlines()[0])
star-exact-boundaries: STAR (2012.1, as recorded) -> NOT_ELIGIBLE (2014.1, 2015-12-10)
>>> cause = row.causes[0]
>>> cause.step_id, cause.old_status, cause.new_status
('mediation_success_96', 'PASS', 'FAIL')
>>> print(cause.changes[0].summary())
criterion mediation_success_96 condition: mediation_success_rate >= 0.97 (was >= 0.96)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .engine.evaluate import evaluate
from .errors import InputError, InputProblem
from .history import RulesetHistory, Version, load_history, parse_day
from .records import DecisionLog, DecisionRecord
from .regression.diff import RulesetDiff, diff_rulesets
from .regression.impact import Cause, explain_flip, load_population
from .ruleset.load import Ruleset

__all__ = ["Reassessment", "ReassessmentRow", "office_from_verdict", "reassess"]

VERDICT_FORMAT = "mingxing-verdict/1"


@attrs.frozen
class ReassessmentRow:
    """One office judged then and now; ``causes`` explain a flip."""

    office_id: str
    then_day: dt.date | None  # None: the version recorded with the verdict
    then_version: str
    now_day: dt.date
    now_version: str
    old_outcome: str
    new_outcome: str
    causes: tuple[Cause, ...] = ()
    source: str = "office"  # office | verdict | record

    @property
    def flipped(self) -> bool:
        return self.old_outcome != self.new_outcome

    def summary(self) -> str:
        then = f"{self.then_version}, {self.then_day}" if self.then_day else (
            f"{self.then_version}, as recorded")
        head = (f"{self.office_id}: {self.old_outcome} ({then}) -> {self.new_outcome} "
                f"({self.now_version}, {self.now_day})")
        return "\n".join([head, *(f"    because {c.summary()}" for c in self.causes)])

    def to_dict(self) -> dict[str, Any]:
        return {"office_id": self.office_id, "source": self.source,
                "then": {"day": self.then_day.isoformat() if self.then_day else None,
                         "version": self.then_version, "outcome": self.old_outcome},
                "now": {"day": self.now_day.isoformat(), "version": self.now_version,
                        "outcome": self.new_outcome},
                "flipped": self.flipped, "causes": [c.to_dict() for c in self.causes]}


@attrs.frozen
class Reassessment:
    """Every office's verdict then and now, and the diffs between the versions used."""

    ruleset_id: str
    rows: tuple[ReassessmentRow, ...]
    diffs: tuple[RulesetDiff, ...] = ()

    @property
    def flips(self) -> tuple[ReassessmentRow, ...]:
        return tuple(r for r in self.rows if r.flipped)

    def counts(self) -> dict[tuple[str, str], int]:
        """Flips per transition, most frequent first."""
        return dict(Counter((r.old_outcome, r.new_outcome) for r in self.flips).most_common())

    def to_text(self) -> str:
        lines = [f"re-assessment of {len(self.rows)} office(s) ({self.ruleset_id}): "
                 f"{len(self.flips)} verdict(s) change"]
        lines += [f"  {a} -> {b}: {n}" for (a, b), n in self.counts().items()]
        for diff in self.diffs:
            changes = diff.semantic
            lines.append(f"  {diff.old_key} -> {diff.new_key}: {len(changes)} rule change(s)")
            lines += [f"    {c.summary()}" for c in changes]
        lines += ["  " + r.summary().replace("\n", "\n  ") for r in self.flips]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset_id, "total": len(self.rows),
                "flips": len(self.flips),
                "transitions": [{"old": a, "new": b, "count": n}
                                for (a, b), n in self.counts().items()],
                "diffs": [{"old": d.old_key, "new": d.new_key,
                           "changes": [c.to_dict() for c in d.semantic]} for d in self.diffs],
                "rows": [r.to_dict() for r in self.rows]}


def office_from_verdict(verdict: Mapping[str, Any]) -> dict[str, Any]:
    """The office facts a stored verdict read (every fact any step of its trace read).

    Facts the judging version did not read are not in a verdict; under another version they
    are missing (unknown), as for any office that does not give them.
    """
    office_info = verdict.get("office")
    if not isinstance(office_info, Mapping):
        office_info = {}
    office: dict[str, Any] = {"id": office_info.get("id")}
    if office_info.get("name") is not None:
        office["name"] = office_info["name"]
    steps = verdict.get("trace")
    for step in steps if isinstance(steps, list) else ():
        readings = step.get("reads") if isinstance(step, Mapping) else None
        for reading in readings if isinstance(readings, list) else ():
            if not isinstance(reading, Mapping) or reading.get("source") != "fact" \
                    or reading.get("value") is None or not isinstance(reading.get("name"), str):
                continue
            name = reading["name"]
            value = reading["value"]
            if reading.get("evidence"):
                value = {"met": value, "evidence": reading["evidence"]}
            office.setdefault(name, value)
    return office


@attrs.frozen
class _Item:
    office: dict[str, Any]
    recorded_version: str | None
    recorded_day: dt.date | None
    source: str


def _items(source: Any) -> list[_Item]:
    if isinstance(source, DecisionLog):
        return [_record_item(r) for r in source]
    if isinstance(source, str | Path) and Path(source).suffix in (".sqlite", ".db",
                                                                   ".sqlite3"):
        with DecisionLog(source) as log:
            return [_record_item(r) for r in log]
    items: list[_Item] = []
    loaded = (list(source) if isinstance(source, Iterable) and not isinstance(source, str | Path)
              else load_population(source))
    for entry in loaded:
        if isinstance(entry, DecisionRecord):
            items.append(_record_item(entry))
        elif isinstance(entry, Mapping) and entry.get("format") == VERDICT_FORMAT:
            recorded = entry.get("ruleset")
            version = recorded.get("version") if isinstance(recorded, Mapping) else None
            version = version if isinstance(version, str) else None
            items.append(_Item(office_from_verdict(entry), version, None, "verdict"))
        elif isinstance(entry, Mapping):
            items.append(_Item(dict(entry), None, None, "office"))
        else:
            raise InputError.from_problems([InputProblem(
                "office", entry, "an office, a verdict or a decision record",
                f"expected an office, a verdict or a decision record, found "
                f"{type(entry).__name__}")])
    return items


def _record_item(record: DecisionRecord) -> _Item:
    day = parse_day(record.judged_on) if record.judged_on else None
    return _Item(record.office(), record.ruleset_version, day, "record")


def reassess(
    offices: str | Path | DecisionLog | Iterable[Mapping[str, Any] | DecisionRecord],
    *,
    then: dt.date | str = "recorded",
    now: dt.date | str | None = None,
    ruleset: str | Path | RulesetHistory = "star-judicial-office",
    options: Mapping[str, Any] | None = None,
) -> Reassessment:
    """Judge each office under the version in force ``then`` and the version in force ``now``.

    ``offices``: offices (dicts, a directory, ``.json``/``.jsonl``), stored verdicts
    (``mingxing-verdict/1`` documents), decision records, or a decision log file
    (``.sqlite``). ``then``: a date, ``"assessment"`` (each office's assessment date), or
    ``"recorded"`` (the default: the version a verdict or record names, else the assessment
    date). ``now``: a date; by default today, or the last day of the history when it has ended.
    ``ruleset``: the history (bundled id, index file, directory).
    """
    history = load_history(ruleset)
    now_day = _now_day(history, now)
    now_version = history.in_force(now_day)
    rows: list[ReassessmentRow] = []
    diffs: dict[tuple[str, str], RulesetDiff] = {}
    for item in _items(offices):
        old_day, old_version = _then(history, item, then)
        old_rules = old_version.ruleset(options)
        new_rules = now_version.ruleset(options)
        before = _evaluate(item.office, old_rules)
        after = _evaluate(item.office, new_rules)
        causes: tuple[Cause, ...] = ()
        if before.outcome != after.outcome:
            pair = (old_version.version, now_version.version)
            if pair not in diffs:
                diffs[pair] = diff_rulesets(old_rules, new_rules)
            causes = explain_flip(before, after, diffs[pair])
        rows.append(ReassessmentRow(
            office_id=before.office_id, then_day=old_day, then_version=old_version.version,
            now_day=now_day, now_version=now_version.version, old_outcome=before.outcome,
            new_outcome=after.outcome, causes=causes, source=item.source))
    return Reassessment(history.id, tuple(rows), tuple(diffs.values()))


def _evaluate(office: Mapping[str, Any], ruleset: Ruleset) -> Any:
    # a fact only one version declares (a new fact of an amendment) is ignored by the other
    return evaluate(office, ruleset, extra="ignore")


def _now_day(history: RulesetHistory, now: dt.date | str | None) -> dt.date:
    if now is not None:
        return parse_day(now)
    today = dt.date.today()
    last = history.versions[-1]
    if last.end is not None and today > last.end:
        return last.end
    return today


def _then(history: RulesetHistory, item: _Item, then: dt.date | str
          ) -> tuple[dt.date | None, Version]:
    if then == "recorded" and item.recorded_version is not None:
        return item.recorded_day, history.version(item.recorded_version)
    if then in ("recorded", "assessment"):
        day = history.assessment_date(item.office)
    else:
        day = parse_day(then)
    return day, history.in_force(day)
