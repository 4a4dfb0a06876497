"""The hand-written twin of benchmarks/eligibility24.yaml: the yardstick per-row Python.

What a careful programmer writes by hand for the same 24 criteria with unknowns: three-valued
checks (``None`` is unknown), criteria that do not apply counted as met, the outcome first-match.
``evaluate(office)`` returns the outcome and the status of every criterion (``"pass"``,
``"fail"``, ``"unknown"``, ``"not_applicable"``), like the columnar engine's status columns.
"""

from __future__ import annotations

from typing import Any

PASS, FAIL, UNKNOWN, NA = "pass", "fail", "unknown", "not_applicable"


def _at_least(value: Any, limit: float) -> bool | None:
    return None if value is None else value >= limit


def _at_most(value: Any, limit: float) -> bool | None:
    return None if value is None else value <= limit


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _all(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _status(value: bool | None) -> str:
    return PASS if value is True else FAIL if value is False else UNKNOWN


def _ratio(top: Any, bottom: Any) -> float | None:
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def _applies(condition: bool | None, applies: bool | None) -> tuple[bool | None, str]:
    if applies is False:
        return True, NA
    if applies is None:
        value = True if condition is True else None
        return value, _status(value)
    return condition, _status(condition)


def evaluate(office: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    g = office.get
    kit = g("kit")
    incidents = g("incidents")
    degree = g("head_degree")
    staff = g("staff")
    received = g("cases_received")
    values: list[bool | None] = [
        _at_least(g("area_m2"), 150),
        _at_least(g("rooms"), 4),
        _flag(g("accessible")),
        None if kit is None else all(k in kit for k in ("pc", "printer", "phone")),
        None if kit is None else ("fax" in kit or "scanner" in kit),
        _at_least(g("seats"), 20),
        _at_least(staff, 5),
        None if g("vacancies") is None else g("vacancies") == 0,
        _at_least(g("training_hours"), 40),
        None if degree is None else degree in ("bachelor", "master"),
        _flag(g("certified")),
    ]
    statuses = [_status(v) for v in values]
    turnover, status = _applies(_at_most(_ratio(g("leavers"), staff), 0.2),
                                None if staff is None else staff > 0)
    values.append(turnover)
    statuses.append(status)
    resolution, status = _applies(_at_least(_ratio(g("cases_resolved"), received), 0.9),
                                  None if received is None else received > 0)
    values.append(resolution)
    statuses.append(status)
    rest: list[bool | None] = [
        _at_most(g("complaints"), 3),
        None if g("backlog") is None else g("backlog") == 0,
        _at_most(g("response_days"), 10),
        _at_least(g("satisfaction"), 0.85),
        None if g("appeals_lost") is None else g("appeals_lost") == 0,
        _flag(g("audit_passed")),
        _flag(g("budget_ok")),
        None if incidents is None else len(incidents) == 0,
        _at_least(g("reports"), 4),
        _flag(g("plan_filed")),
        _at_least(g("age_years"), 2),
    ]
    values += rest
    statuses += [_status(v) for v in rest]
    suspended = g("suspended")
    if suspended is None:
        return "UNDECIDED", tuple(statuses)
    if suspended:
        return "SUSPENDED", tuple(statuses)
    eligible = _all(values)
    if eligible is None:
        return "UNDECIDED", tuple(statuses)
    return ("ELIGIBLE" if eligible else "NOT_ELIGIBLE"), tuple(statuses)
