"""JSON Lines batches over several processes: ``mingxing evaluate --batch x.jsonl --out
y.jsonl --jobs N``.

The parent reads the lines and writes the results; worker processes, forked once with the
compiled ruleset, read, validate, evaluate and write each record of a chunk of lines (one
verdict line or one error line per record, exactly as one process writes them) and count it.
Chunks come back in order, and at most a few are in flight at once, so memory stays flat
however long the file. Bad records are reported with their line, like in one process.

Forking needs a POSIX system (:func:`parallel_supported`) and a process that runs one thread
(:func:`fork_is_safe`): a fork copies only the calling thread, so a lock that another thread
holds at that moment (a thread pool of Polars or Dask, a notebook's) stays taken in the worker
for ever. The command line checks both and otherwise evaluates in its own process.

>>> from pathlib import Path
>>> from mingxing_rules import load_ruleset
>>> with ParallelBatch(load_ruleset("star-judicial-office"), jobs=2) as batch:  # doctest: +SKIP
...     chunks = list(batch.run([Path("examples/offices.jsonl")]))
>>> sum(chunk.count for chunk in chunks) == sum(1 for _ in open("examples/offices.jsonl"))
... # doctest: +SKIP
True

(Skipped as a doctest: the test process runs other threads. ``tests/test_fast_batch.py`` runs
the workers from a fresh process.)
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from ..ruleset.load import Ruleset
from ..types import BackendName, ExtraFacts
from .batch import RowError, Tally, evaluate_record, jsonl_line, jsonl_lines, jsonl_record

__all__ = ["CHUNK_RECORDS", "Chunk", "ParallelBatch", "default_jobs", "fork_is_safe",
           "parallel_supported"]

CHUNK_RECORDS = 32  # records per task: the hand-over stays cheap, and a result (~100 KB)
# stays below the size where the allocator maps it apart: bigger chunks fragmented the parent's
# heap (its peak grew by 5 MB from 5,000 to 40,000 offices with 256 records a chunk, 1.5 MB with
# 32)
IN_FLIGHT_PER_JOB = 4  # tasks queued per worker: they never wait, and memory stays bounded

# what the workers work with: set in the parent just before they are forked (a compiled
# ruleset holds generated functions, which are inherited by forking, not sent)
_JOB: dict[str, Any] = {}

_Task = list[tuple[int, int, int | None, bytes | None, str]]  # number, row, line, bytes, file


@attrs.frozen
class Chunk:
    """What a worker sends back for a chunk of records."""

    text: str  # the JSON Lines of the records, in order, each ending with a newline
    counts: tuple[int, dict[str, int], dict[str, int], dict[str, int]]  # see Tally.counts
    errors: tuple[RowError, ...]
    count: int


def parallel_supported() -> bool:
    """Whether worker processes can be forked here (POSIX)."""
    return "fork" in multiprocessing.get_all_start_methods()


def fork_is_safe() -> bool:
    """Whether this process runs a single thread (native threads counted, on Linux)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # pragma: no cover - no /proc: the threads Python knows of
        return threading.active_count() == 1


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _quiet_worker() -> None:
    # the parent handles SIGINT (it stops the batch and ends the workers); SIGTERM, which the
    # parent sends to end them, ends them (not the parent's handler, copied by the fork)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _work(task: _Task) -> Chunk:
    ruleset: Ruleset = _JOB["ruleset"]
    backend: BackendName = _JOB["backend"]
    extra: ExtraFacts = _JOB["extra"]
    full: bool = _JOB["full"]
    tally = Tally(ruleset)
    lines = []
    for number, row, line, raw, file in task:
        item = evaluate_record(jsonl_record(raw, extra), ruleset, row=row, line=line,
                               file=file, backend=backend, extra=extra)
        tally.add(item)
        lines.append(jsonl_line(number, item, full=full))
    return Chunk("\n".join(lines) + "\n", tally.counts(), tuple(tally.errors), len(task))


class ParallelBatch:
    """Worker processes for JSON Lines batches; a context manager (the workers end with it)."""

    def __init__(self, ruleset: Ruleset, *, jobs: int, backend: BackendName = "native",
                 extra: ExtraFacts = "error", full: bool = False,
                 chunk_records: int = CHUNK_RECORDS) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self.jobs = jobs
        self.chunk_records = chunk_records
        self._job = {"ruleset": ruleset, "backend": backend, "extra": extra, "full": full}
        self._pool: Any = None

    def __enter__(self) -> ParallelBatch:
        # forked before anything else starts a thread (a progress bar): a child then holds no
        # lock another thread had taken
        if not fork_is_safe():
            raise RuntimeError("worker processes are forked, and this process runs other "
                               "threads: a worker could wait for ever on a lock they held")
        _JOB.clear()
        _JOB.update(self._job)
        self._pool = multiprocessing.get_context("fork").Pool(self.jobs,
                                                              initializer=_quiet_worker)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._pool is not None:
            if kind is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
            self._pool = None
        _JOB.clear()

    def run(self, sources: Sequence[Path]) -> Iterator[Chunk]:
        """Every record of ``sources`` (JSON Lines files), numbered across them, by chunks in
        order."""
        if self._pool is None:
            raise RuntimeError("use ParallelBatch as a context manager")
        pending: collections.deque[Any] = collections.deque()
        for task in self._tasks(sources):
            pending.append(self._pool.apply_async(_work, (task,)))
            if len(pending) >= IN_FLIGHT_PER_JOB * self.jobs + 1:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def _tasks(self, sources: Sequence[Path]) -> Iterator[_Task]:
        task: _Task = []
        number = 0
        for source in sources:
            file = str(source)
            for row, line, raw in jsonl_lines(source):
                number += 1
                task.append((number, row, line, raw, file))
                if len(task) >= self.chunk_records:
                    yield task
                    task = []
        if task:
            yield task
