"""Progress for long runs: a rich bar with rate and ETA on a terminal, nothing anywhere else.

Library loops that can run for minutes (batch evaluation, a campaign cycle, impact over a
population, flip search) report through :func:`track` or :class:`Progress`. Whether anything is
drawn is decided in one place:

* ``enabled=False`` from the caller, or ``--quiet``, means never;
* ``enabled=True`` (e.g. ``evaluate_many(..., progress=True)``), or ``enabled=None`` inside
  :func:`progress_display` (the command line), means "when stderr is a terminal";
* ``enabled=None`` outside it (plain library use, tests, notebooks) draws nothing.

So output piped to a file or read by a program never contains progress, and ``import
mingxing_rules`` does not import rich: it is imported when a bar is actually drawn.

>>> with progress_display(True):
...     total = sum(track(range(5), "counting"))  # stderr is not a terminal here: silent
>>> total
10
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO, Any, TypeVar

__all__ = ["Progress", "close_all", "progress_display", "track"]

T = TypeVar("T")

_SWITCH: contextvars.ContextVar[bool | None] = contextvars.ContextVar("mingxing_progress",
                                                                      default=None)
_OPEN: set[Progress] = set()  # bars on screen, so that an error can clear them (close_all)


@contextlib.contextmanager
def progress_display(on: bool) -> Iterator[None]:
    """Within the block, long loops show progress on a terminal (``on``) or never."""
    token = _SWITCH.set(on)
    try:
        yield
    finally:
        _SWITCH.reset(token)


def _wanted(enabled: bool | None, stream: IO[str]) -> bool:
    if enabled is False or (enabled is None and not _SWITCH.get()):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """One task's progress: ``advance()`` per item, then ``close()`` (or use ``with``).

    ``total`` may be ``None`` (unknown): the bar then shows the count and the rate, no ETA.
    """

    def __init__(self, total: int | None, description: str, *, enabled: bool | None = None,
                 stream: IO[str] | None = None, unit: str = "office") -> None:
        self.total = total
        self.count = 0
        self.description = description
        self.stream = stream or sys.stderr
        self.enabled = _wanted(enabled, self.stream)
        self._bar: Any = None
        self._task: Any = None
        if self.enabled:
            self._start(unit)

    def _start(self, unit: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        console = Console(file=self.stream, force_terminal=True)
        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=console, transient=True)
        self._unit = unit
        self._task = self._bar.add_task(self.description, total=self.total, rate="")
        self._bar.start()
        _OPEN.add(self)

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        if self._bar is None:
            return
        task = self._bar.tasks[0]
        speed = task.speed
        rate = f"{speed:,.0f} {self._unit}s/s" if speed else ""
        self._bar.update(self._task, advance=amount, rate=rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        _OPEN.discard(self)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def close_all() -> None:
    """Clear every bar still on screen (a loop left by an exception): the command line calls
    this before it prints an error."""
    for bar in list(_OPEN):
        bar.close()


def track(items: Iterable[T], description: str, *, total: int | None = None,
          enabled: bool | None = None, unit: str = "office") -> Iterator[T]:
    """``items`` one by one, advancing a :class:`Progress` (``total`` defaults to ``len``)."""
    if total is None:
        sized: Any = items
        try:
            total = len(sized)
        except TypeError:
            total = None
    with Progress(total, description, enabled=enabled, unit=unit) as bar:
        for item in items:
            yield item
            bar.advance()
