"""The exception hierarchy.

One root, :class:`MingxingError`, and two families that differ in *whose* mistake it is:

* :class:`RulesetError` — the rules are wrong (load, validation, compilation). Each problem carries
  its :class:`Location`: file, line, column, the path inside the ruleset and the rule id.
* :class:`InputError` — the office data is wrong. Each problem carries the field path, the bad value
  and what was expected.

Both carry *all* problems found, not only the first, in ``.problems``. Each family also subclasses
:class:`ValueError`, so code that already catches ``ValueError`` keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "BackendMismatchError",
    "BackendUnavailableError",
    "EvaluationError",
    "InputError",
    "InputProblem",
    "Location",
    "MingxingError",
    "RulesetError",
    "RulesetProblem",
]


@attrs.frozen
class Location:
    """Where in a ruleset a problem is: ``file:line:column`` and a path such as ``groups[0].id``."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""
    rule_id: str | None = None

    def __str__(self) -> str:
        where = self.file or "<ruleset>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.path:
            where += f" {self.path}"
        if self.rule_id:
            where += f" (rule {self.rule_id})"
        return where


@attrs.frozen
class RulesetProblem:
    """One problem in a ruleset. ``code`` is stable and documented in ``docs/errors.md``."""

    code: str
    message: str
    location: Location = Location()
    severity: str = "error"  # "error" stops the load; "warning" is reported by `mingxing check`
    token: str | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} {self.code}: {self.message}"


@attrs.frozen
class InputProblem:
    """One problem in an office's data: the field path, the value found and what is allowed."""

    path: str
    value: object
    expected: str
    message: str
    # every field involved when the problem is between fields (a violated constraint names them
    # all; ``path`` is the first); empty for a problem with one field
    paths: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class MingxingError(Exception):
    """Root of every error this library raises on purpose."""


class RulesetError(MingxingError, ValueError):
    """The ruleset is wrong. ``problems`` lists every problem found, each with its location."""

    def __init__(self, message: str, problems: Sequence[RulesetProblem] = ()) -> None:
        self.problems: tuple[RulesetProblem, ...] = tuple(problems)
        self.message = message
        super().__init__(message)

    @classmethod
    def from_problems(cls, problems: Iterable[RulesetProblem]) -> RulesetError:
        found = tuple(problems)
        errors = [p for p in found if p.severity == "error"]
        first = errors[0] if errors else found[0]
        count = len(errors)
        head = f"{count} problem{'s' if count != 1 else ''} in ruleset; first: {first}"
        return cls(head, found)

    @property
    def location(self) -> Location:
        """Location of the first problem (the one in the message)."""
        return self.problems[0].location if self.problems else Location()

    def __str__(self) -> str:
        if len(self.problems) <= 1:
            return self.message
        lines = [self.message, *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class InputError(MingxingError, ValueError):
    """The office data is wrong. ``problems`` lists every bad field with its value."""

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[InputProblem] = (),
        office_id: str | None = None,
    ) -> None:
        self.problems: tuple[InputProblem, ...] = tuple(problems)
        self.office_id = office_id
        self.message = message
        super().__init__(message)

    @classmethod
    def from_problems(
        cls, problems: Sequence[InputProblem], office_id: str | None = None
    ) -> InputError:
        who = f"office {office_id!r}" if office_id else "office"
        count = len(problems)
        head = f"{who}: {count} invalid field{'s' if count != 1 else ''}"
        return cls(head, problems=problems, office_id=office_id)

    @property
    def fields(self) -> tuple[str, ...]:
        """Paths of the fields in error, in the order found."""
        return tuple(p.path for p in self.problems)

    def __str__(self) -> str:
        lines = [self.message, *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class EvaluationError(MingxingError, RuntimeError):
    """An evaluation could not complete for a reason that is neither the ruleset nor the input."""


class BackendUnavailableError(EvaluationError):
    """The requested backend cannot run here (e.g. durable_rules is not installed)."""


class BackendMismatchError(EvaluationError):
    """Verified mode: two backends returned different verdicts or traces for the same office."""

    def __init__(self, message: str, *, office_id: str, differences: Sequence[str]) -> None:
        self.office_id = office_id
        self.differences = tuple(differences)
        super().__init__(message)
