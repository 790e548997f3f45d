"""The events of a large CloudWatch JSON document, read a block at a time.

``aws logs filter-log-events`` (or ``get-log-events``, or a subscription payload) writes one JSON
document whose ``events`` array may hold millions of events: parsed whole, each becomes a Python
dict of five objects, about 1.5 KB per event. Here the array is cut into runs of whole events by
the document's structure, found vectorized in its bytes (brackets outside strings, strings told by
their unescaped quotes); each run is parsed alone, its application events only counted, and
dropped before the next. The rest of the document (``logGroupName`` and the like) is parsed as
it is with the array left empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from logparse import reading

ARRAY_KEYS = (b'"events"', b'"logEvents"')
QUOTE, BACKSLASH = 34, 92
RUN = 4 << 20  # bytes of JSON parsed at a time (their objects take about 4x that)
BLOCK = 4 << 20  # bytes read at a time (a run's Python objects take about 4x that; see RUN for the scan)
DEPTH = np.zeros(256, np.int8)
DEPTH[[ord("{"), ord("[")]] = 1
DEPTH[[ord("}"), ord("]")]] = -1


@dataclass
class Found:
    """What a streamed document held: its events (runs of rows), its other keys, and problems."""

    skeleton: dict[str, Any] = field(default_factory=dict)  # the document with its events array empty
    key: str = "events"
    events: int = 0


class BrokenDocument(Exception):
    """The document stops being JSON at byte ``pos``."""

    def __init__(self, pos: int, msg: str) -> None:
        super().__init__(f"not valid JSON at byte {pos:,} ({msg})")
        self.pos, self.msg = pos, msg


class NotStreamable(Exception):
    """The document is not one object with an events array near its start: read it whole."""


def array_start(head: bytes) -> tuple[int, bytes]:
    """Where the events array's first element may start (after its ``[``), and its key, when
    ``head`` (the document's start) is an object with such a key at its top level."""
    data = np.frombuffer(head, np.uint8)
    first = len(head) - len(head.lstrip(b"\xef\xbb\xbf \t\r\n"))
    if head[first:first + 1] != b"{":
        raise NotStreamable
    at, depth = _brackets(data, first)
    for key in ARRAY_KEYS:
        position = head.find(key, first)
        while position >= 0:
            after = head[position + len(key):].lstrip()
            if after[:1] == b":" and after[1:].lstrip()[:1] == b"[":
                opening = len(head) - len(after[1:].lstrip())
                before = np.searchsorted(at, opening)
                # The key must be at the top level, outside any string: its '[' is a bracket found
                # outside strings with one open bracket (the document's own) before it.
                if before < len(at) and at[before] == opening and (depth[before - 1] if before else 0) == 1:
                    return opening + 1, key
            position = head.find(key, position + 1)
    raise NotStreamable


def _brackets(data: np.ndarray, low: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets of the brackets outside strings from ``low`` (which must be outside a string),
    and the depth after each."""
    view = data[low:]
    quotes = np.flatnonzero(view == QUOTE)
    if len(quotes):
        escaped = quotes[(quotes > 0) & (view[np.maximum(quotes - 1, 0)] == BACKSLASH)]
        if len(escaped):  # a quote after an odd run of backslashes is inside its string
            slashes = np.flatnonzero(view == BACKSLASH)
            run_start = np.flatnonzero(np.diff(slashes, prepend=-2) != 1)
            starts = slashes[run_start[np.searchsorted(run_start, np.searchsorted(slashes, escaped - 1),
                                                       side="right") - 1]]
            quotes = np.setdiff1d(quotes, escaped[(escaped - starts) % 2 == 1], assume_unique=True)
    kinds = DEPTH[view]
    at = np.flatnonzero(kinds)
    outside = np.searchsorted(quotes, at) % 2 == 0
    at = at[outside]
    return at + low, np.cumsum(kinds[at], dtype=np.int64)


def stream_events(stream: reading.Stream, head_start: int, key: bytes, limits: reading.Limits,
                  buffer: reading.LineBuffer, parse: Callable[[list[Any], int], None]) -> Found:
    """Read the events array that starts at ``head_start`` of ``stream``'s document, a run of
    whole events at a time: ``parse(events, first_event_number)`` gets each run. Memory: one
    buffer of ``BLOCK + max_line_bytes`` (no event may be longer), its scan and one run's objects."""
    found = Found(key=key.strip(b'"').decode())
    prefix = stream.read(head_start)
    capacity = BLOCK + limits.max_line_bytes
    reading.check_headroom(capacity)
    data = buffer.at_least(capacity)
    filled, eof = 0, False
    consumed = len(prefix)  # bytes of the document before the buffer's first
    while True:
        reading.check_headroom(16 * BLOCK)  # the scan's arrays, a run's objects, the frame made of them
        while filled < capacity and not eof:
            with memoryview(data) as view:
                got = stream.readinto(view[filled:capacity])
            eof = got == 0
            filled += got
        cut, run = _parsed_up_to_a_brace(data, filled)
        if run is not None:  # the usual case: no scan needed
            parse(run, found.events + 1)
            found.events += len(run)
            del run
            rest = filled - cut
            data[:rest] = data[cut:filled]
            filled, consumed = rest, consumed + cut
            continue
        with memoryview(data) as view:
            at, depth = _brackets(np.frombuffer(view[:filled], np.uint8), 0)
        closing = np.flatnonzero(depth < 0)
        end = int(at[closing[0]]) if len(closing) else -1  # the array's own ']'
        ends = at[(depth == 0) & (data_kind(data, at) == ord("}"))]
        if end >= 0:
            ends = ends[ends < end]
        cut = int(ends[-1]) + 1 if len(ends) else 0
        low = 0
        for high in _run_ends(ends, RUN):  # a few MB at a time: one run's Python objects are the peak
            text = bytes(data[low:high])
            stripped = text.lstrip(b", \t\r\n")
            try:
                run = orjson.loads(b"[" + stripped + b"]")
            except orjson.JSONDecodeError as exc:
                raise BrokenDocument(consumed + low + len(text) - len(stripped) + max(exc.pos - 1, 0),
                                     exc.msg) from None
            parse(run, found.events + 1)
            found.events += len(run)
            del run
            low = high
        if end >= 0:
            suffix = bytes(data[end:filled]) + stream.read_all(limits.max_document_bytes)
            try:
                found.skeleton = orjson.loads(prefix + suffix)
            except orjson.JSONDecodeError as exc:
                position = exc.pos if exc.pos < len(prefix) else consumed + end + exc.pos - len(prefix)
                raise BrokenDocument(position, exc.msg) from None
            return found
        if not cut:
            if eof:
                raise BrokenDocument(consumed + filled, "the events array does not end")
            raise reading.InputTooLarge(f"event {found.events + 1} is longer than the "
                                        f"{reading.size_text(limits.max_line_bytes)} line limit "
                                        "(--max-line-bytes / Limits.max_line_bytes raises it)")
        rest = filled - cut
        data[:rest] = data[cut:filled]
        filled, consumed = rest, consumed + cut


BETWEEN_EVENTS = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*\{")


def _parsed_up_to_a_brace(data: reading.Buffer, filled: int, tries: int = 3) -> tuple[int, list[Any] | None]:
    """The events up to one of the last ``}, {`` of the buffer, if its brace ends an event: then,
    and only then, what lies before it parses as a list of whole values (a brace inside a string
    leaves a string open, one inside an event leaves the event open). Cheaper than the scan,
    which is left for the rest (the array's end, or messages full of ``}, {``)."""
    window = max(0, filled - (256 << 10))
    with memoryview(data) as view:
        found = [m.start() for m in BETWEEN_EVENTS.finditer(view[:filled], window)][-tries:]
    for brace in reversed(found):
        try:
            return brace + 1, orjson.loads(b"[" + bytes(data[:brace + 1]).lstrip(b", \t\r\n") + b"]")
        except orjson.JSONDecodeError:
            continue
    return 0, None


def _run_ends(ends: np.ndarray, size: int) -> list[int]:
    """Offsets (after an event's closing brace) that cut the events into runs of about ``size`` bytes."""
    if not len(ends):
        return []
    picked = np.unique(np.searchsorted(ends, np.arange(size, int(ends[-1]) + 1, size)))
    cuts = [int(ends[i]) + 1 for i in picked if i < len(ends)]
    last = int(ends[-1]) + 1
    return [*(c for c in cuts if c < last), last]


def data_kind(data: reading.Buffer, at: np.ndarray) -> np.ndarray:
    """The bytes at the offsets ``at``."""
    with memoryview(data) as view:
        return np.frombuffer(view, np.uint8)[at] if len(at) else np.zeros(0, np.uint8)
