"""Errors a user can act on, and how any message is made safe to print on one line.

Each :class:`SnapLensError` carries its exit code, a one-line message and a hint saying what to do
(the awslogs habit of STYLE.md); the CLI prints ``error: <message> (<hint>)`` once and exits with
the code, the dashboard shows the same two parts. Names that reach a message (file names, option
values) go through :func:`shown` first: a newline in a file name must not forge a second line.
"""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls, DEL, Unicode line/paragraph separators, and lone surrogates (the bytes of a
# file name that are not UTF-8, as Python's surrogateescape holds them).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class SnapLensError(Exception):
    """A problem the user can fix: exit code 1 (2 for :class:`UsageError`), a message, a hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self._hint = hint

    def hint(self) -> str:
        """What the user can do about it (empty when the message says it all)."""
        return self._hint

    def __str__(self) -> str:  # the hint is not repeated here: renderers add it once
        return self.message


class UsageError(SnapLensError):
    """A command line that cannot mean anything (a bad option value): exit code 2."""

    exit_code = 2


def shown(text: Any) -> str:
    """``text`` as one printable line: control characters and undecodable bytes escaped."""
    return _UNPRINTABLE.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: one raw byte of a name
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(exc: SnapLensError) -> str:
    """``error: <message> (<hint>)``, the hint once even where a message already ends with it."""
    text = str(exc)
    hint = exc.hint()
    if hint and not text.endswith(f"({hint})"):
        text = f"{text} ({hint})"
    return "error: " + shown(text)
