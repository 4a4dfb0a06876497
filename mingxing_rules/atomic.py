"""Files written so that nothing is ever lost: the one way the library writes a file.

Every write goes to a temporary file in the destination's directory, is flushed and fsynced, and
only then renamed over the destination (an atomic step on POSIX and Windows). If anything fails
before the rename — a full disk, a read-only directory, an exception in the caller's code, Ctrl-C —
the temporary file is removed and the old destination is untouched.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> target = folder / "report.txt"
>>> atomic_write_text(target, "first")
>>> try:
...     with atomic_open(target) as handle:
...         _ = handle.write("half of a second")
...         raise RuntimeError("interrupted")
... except RuntimeError:
...     pass
>>> target.read_text()
'first'
>>> sorted(p.name for p in folder.iterdir())  # no temporary file left behind
['report.txt']
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, overload

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text", "same_file"]


@overload
def atomic_open(path: str | os.PathLike[str], mode: Literal["w"] = "w", *,
                encoding: str = "utf-8", newline: str | None = None
                ) -> contextlib.AbstractContextManager[IO[str]]: ...


@overload
def atomic_open(path: str | os.PathLike[str], mode: Literal["wb"], *,
                encoding: str = "utf-8", newline: str | None = None
                ) -> contextlib.AbstractContextManager[IO[bytes]]: ...


def atomic_open(path: str | os.PathLike[str], mode: Literal["w", "wb"] = "w", *,
                encoding: str = "utf-8", newline: str | None = None
                ) -> contextlib.AbstractContextManager[IO[str]] | contextlib.AbstractContextManager[
                    IO[bytes]]:
    """A handle on a temporary file that replaces ``path`` when the ``with`` block ends normally.

    Raises :class:`OSError` (e.g. ``ENOSPC``, ``EACCES``, ``ENOENT`` for a missing directory)
    with the destination untouched.
    """
    return _atomic(Path(path), mode, encoding, newline)


@contextlib.contextmanager
def _atomic(target: Path, mode: str, encoding: str, newline: str | None) -> Iterator[IO[Any]]:
    folder = target.parent
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                                 dir=folder)
    except OSError as exc:  # name the file the caller asked for, not the temporary one
        raise OSError(exc.errno, f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        if "b" in mode:
            handle: IO[Any] = os.fdopen(descriptor, "wb")
        else:
            handle = os.fdopen(descriptor, "w", encoding=encoding, newline=newline)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(folder)


def _keep_mode(target: Path, temporary: str) -> None:
    """A replaced file keeps its permissions; a new one gets the usual umask-based mode
    (mkstemp creates 0600 files, which would surprise a user sharing a report)."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(temporary, mode)


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8",
                      newline: str | None = None) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w", encoding=encoding, newline=newline) as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same existing file (symlinks and hard links included):
    an output that would overwrite an input is refused before anything is opened."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()
