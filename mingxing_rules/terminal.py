"""Text shown on a terminal is shown, never obeyed.

Ruleset titles, office ids and names, messages: any of them may hold an escape sequence
(``"\\x1b]0;pwned\\x07"`` sets the window title, ``"\\x1b[2J"`` clears the screen) or a bidi
override that makes a line read differently from what it says. Before such text reaches a
terminal, control characters are shown escaped, as Python writes them::

>>> sanitise("西塘\\x1b[31m司法所\\u202e")
'西塘\\\\x1b[31m司法所\\\\u202e'
>>> sanitise("two\\nlines\\tand a tab")
'two\\nlines\\tand a tab'

The ``mingxing`` command wraps its output streams with :func:`sanitised_terminal` when they are
terminals; output redirected to a file or a pipe is written unchanged (it is data).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["SanitisingStream", "sanitise", "sanitised_terminal"]

# C0 controls but newline and tab, DEL, C1 controls, bidi embeddings/overrides/isolates, the
# Unicode line and paragraph separators
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitise(text: str) -> str:
    """``text`` with every control character but newline and tab written as an escape."""
    return _CONTROL.sub(_escaped, text)


class SanitisingStream:
    """A text stream that sanitises what is written to it before passing it on."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(sanitise(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, buffer, fileno ...
        return getattr(self._stream, name)


@contextlib.contextmanager
def sanitised_terminal() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` sanitise what they write when they
    are terminals."""
    saved = sys.stdout, sys.stderr
    try:
        if _is_terminal(sys.stdout):
            sys.stdout = SanitisingStream(sys.stdout)
        if _is_terminal(sys.stderr):
            sys.stderr = SanitisingStream(sys.stderr)
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or a fake stream
        return False
