"""JSON Lines batches over several processes: ``mingxing evaluate --batch x.jsonl --out
y.jsonl --jobs N``.

Worker processes, forked once with the compiled ruleset, each take a span of the input file
(about :data:`~mingxing_rules.engine.jsonl.SPAN_BYTES` of whole lines), read it themselves,
validate, evaluate and write the result of each record (one verdict line or one error line,
exactly as one process writes them) to a part file of their own, and count it. The parent only
cuts the files into spans (a pass that finds line ends and counts records, for the numbers
each span starts from) and copies the part files into the results, in order, deleting each
once copied; no record and no result passes through a pipe. At most a few spans are in flight
at once, so memory and the space the part files take stay flat however long the file. Bad
records are reported with their line, like in one process.

Forking needs a POSIX system (:func:`parallel_supported`) and a process that runs one thread
(:func:`fork_is_safe`): a fork copies only the calling thread, so a lock that another thread
holds at that moment (a thread pool of Polars or Dask, a notebook's) stays taken in the worker
for ever. The command line checks both and otherwise evaluates in its own process.

>>> from pathlib import Path
>>> from mingxing_rules import load_ruleset
>>> with ParallelBatch(load_ruleset("star-judicial-office"), jobs=2) as batch:  # doctest: +SKIP
...     counts = [chunk.count for chunk in batch.run([Path("examples/offices.jsonl")])]
>>> sum(counts) == sum(1 for _ in open("examples/offices.jsonl"))  # doctest: +SKIP
True

(Skipped as a doctest: the test process runs other threads. ``tests/test_fast_batch.py`` runs
the workers from a fresh process.)
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import attrs

from ..ruleset.load import Ruleset
from ..types import BackendName, ExtraFacts
from .batch import RowError
from .jsonl import SPAN_BYTES, LineEvaluator, Span, span_records, spans

__all__ = ["IN_FLIGHT_PER_JOB", "BytesOut", "Chunk", "ParallelBatch", "WorkerLostError",
           "default_jobs", "fork_is_safe", "parallel_supported"]

IN_FLIGHT_PER_JOB = 2  # spans queued per worker: they never wait, and memory stays bounded
_COPY_BUFFER = 1024 * 1024

# what the workers work with: set in the parent just before they are forked (a compiled
# ruleset holds generated functions, which are inherited by forking, not sent)
_JOB: dict[str, Any] = {}


class BytesOut(Protocol):
    """Where :meth:`Chunk.copy_to` writes: a binary file, or anything taking bytes."""

    def write(self, data: bytes, /) -> object: ...


@attrs.frozen
class Chunk:
    """What a worker made of one span: its result lines, in a part file (``part``), and their
    counts. :meth:`copy_to` moves the lines into the results."""

    part: str  # the part file: the JSON Lines of the records, in order, each with its newline
    counts: tuple[int, dict[str, int], dict[str, int], dict[str, int]]  # see Tally.counts
    errors: tuple[RowError, ...]
    count: int

    def copy_to(self, out: BytesOut) -> None:
        """Write the lines to ``out`` and delete the part file."""
        with open(self.part, "rb") as lines:
            shutil.copyfileobj(lines, out, _COPY_BUFFER)
        os.unlink(self.part)


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


class WorkerLostError(RuntimeError):
    """A worker process ended before its records were done (killed, or out of memory): the
    batch stops, and nothing of it is written as if it were complete."""


def _ready() -> None:
    """A task that does nothing: the workers are started by the first task given them."""


def _quiet_worker() -> None:
    # the parent handles SIGINT (it stops the batch and ends the workers); SIGTERM, which the
    # parent sends to end them, ends them (not the parent's handler, copied by the fork)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _work(task: tuple[Span, str]) -> Chunk:
    span, part = task
    evaluator: LineEvaluator = _JOB["evaluator"]
    evaluator.tally = tally = evaluator.new_tally()  # the counts of this span alone
    pending: list[bytes] = []
    # a scratch part file in the batch's own temporary folder, never a user's file: the parent
    # copies the parts, in order, into the results file, which it writes atomically
    with open(span.file, "rb") as handle, open(part, "wb") as out:
        for number, row, line, raw in span_records(handle, span):
            pending.append(evaluator.line(number, row, line, raw, span.file))
            if len(pending) >= 64:  # a few large writes
                out.write(b"".join(pending))
                pending.clear()
        out.write(b"".join(pending))
    return Chunk(part, tally.counts(), tuple(tally.errors), tally.total)


class ParallelBatch:
    """Worker processes for JSON Lines batches; a context manager (the workers end with it, and
    the folder of their part files is removed)."""

    def __init__(self, ruleset: Ruleset, *, jobs: int, backend: BackendName = "native",
                 extra: ExtraFacts = "error", full: bool = False,
                 span_bytes: int = SPAN_BYTES, folder: str | Path | None = None) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self.jobs = jobs
        self.span_bytes = span_bytes
        self._evaluator = LineEvaluator(ruleset, backend=backend, extra=extra, full=full)
        self._folder = folder  # where the part files go (a new folder inside; default: temp)
        self._parts: str | None = None
        self._pool: Any = None

    def __enter__(self) -> ParallelBatch:
        # forked before anything else starts a thread (a progress bar): a child then holds no
        # lock another thread had taken
        if not fork_is_safe():
            raise RuntimeError("worker processes are forked, and this process runs other "
                               "threads: a worker could wait for ever on a lock they held")
        _JOB.clear()
        _JOB["evaluator"] = self._evaluator
        try:
            # an executor, not a multiprocessing pool: a worker that is killed breaks it (every
            # task then fails at once), where a pool would wait for that task for ever
            self._pool = ProcessPoolExecutor(self.jobs,
                                             mp_context=multiprocessing.get_context("fork"),
                                             initializer=_quiet_worker)
            self._pool.submit(_ready).result()  # forks them now: a failure to start shows here
            self._parts = tempfile.mkdtemp(prefix="mingxing-batch-", dir=self._folder)
        except (OSError, BrokenProcessPool) as exc:
            self._end(failed=True)
            if isinstance(exc, OSError):
                raise
            raise OSError(f"worker processes could not start ({exc})") from exc
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._end(failed=kind is not None)

    def _end(self, *, failed: bool) -> None:
        if self._pool is not None:
            # on a failure the spans not started are dropped; those running end within a span
            # (~1 MB of records): the workers ignore SIGINT, and no task runs long
            self._pool.shutdown(wait=True, cancel_futures=failed)
            self._pool = None
        if self._parts is not None:  # (after the workers ended: none writes there any more)
            with contextlib.suppress(OSError):
                shutil.rmtree(self._parts)
            self._parts = None
        _JOB.clear()

    def run(self, sources: Sequence[Path]) -> Iterator[Chunk]:
        """Every record of ``sources`` (JSON Lines files), numbered across them, by chunks in
        order; the caller copies each chunk's lines (:meth:`Chunk.copy_to`) before the next."""
        if self._pool is None or self._parts is None:
            raise RuntimeError("use ParallelBatch as a context manager")
        pending: collections.deque[Future[Chunk]] = collections.deque()
        for index, span in enumerate(spans(sources, self.span_bytes)):
            part = os.path.join(self._parts, f"{index:09d}.jsonl")
            pending.append(self._submit(span, part))
            if len(pending) >= IN_FLIGHT_PER_JOB * self.jobs + 1:
                yield _done(pending.popleft())
        while pending:
            yield _done(pending.popleft())

    def _submit(self, span: Span, part: str) -> Future[Chunk]:
        try:
            found: Future[Chunk] = self._pool.submit(_work, (span, part))
        except BrokenProcessPool as exc:
            raise WorkerLostError(_LOST) from exc
        return found


_LOST = "a worker process ended before its records were done (killed, or out of memory?)"


def _done(task: Future[Chunk]) -> Chunk:
    try:
        return task.result()
    except BrokenProcessPool as exc:
        raise WorkerLostError(_LOST) from exc
