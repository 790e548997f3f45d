"""Physical lines of a text blob, found in its bytes rather than as strings.

Most of a busy log is application output that the parser only counts. Making every line a string
is most of what a parser costs, so lines are found as byte offsets instead: the blob is scanned
in chunks of whole lines, small enough to stay in the CPU cache, on every core. While a chunk is
in cache a visitor may read what it likes of its lines (:mod:`logparse.sifting` tells the kinds
apart there). Only the few lines that matter become strings, copied out compact.
"""

from __future__ import annotations

import itertools
import mmap
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute

Blob = bytes | bytearray | mmap.mmap  # anything with the buffer protocol, find and rfind
CHUNK = 4 << 20  # bytes per chunk: two cores' chunks fit the shared cache together
BOM = b"\xef\xbb\xbf"
NEWLINE, CR = 10, 13


@dataclass(frozen=True)
class Chunk:
    """Whole lines of a blob, ``[starts[i], ends[i])`` each, without its line break."""

    blob: Blob
    data: np.ndarray  # the whole blob as bytes
    low: int
    high: int
    starts: np.ndarray  # int64, offsets into the whole blob
    ends: np.ndarray
    odd: np.ndarray  # rows (in the chunk) of the lines holding a NUL or a non-ASCII byte


Visitor = Callable[[Chunk], Any]


@dataclass(frozen=True)
class LineIndex:
    """Where each physical line of a blob lies (``\\n`` or ``\\r\\n`` ends a line; a blob that
    ends with one has no empty line after it)."""

    blob: Blob
    starts: np.ndarray  # int64
    ends: np.ndarray  # int64
    odd: np.ndarray  # rows of the lines holding a NUL or a non-ASCII byte (they need decoding)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def data(self) -> np.ndarray:
        return np.frombuffer(self.blob, np.uint8)


@dataclass(frozen=True)
class Visited:
    """How many lines a blob holds and what the visitor made of each chunk of them. The chunks'
    offsets are not kept: a visitor that only counts most lines leaves no per-line array behind."""

    lines: int
    results: list[tuple[int, Any]]  # (row of the chunk's first line, what the visitor returned)


def visit_lines(blob: Blob, visit: Visitor, low: int = 0, high: int | None = None, bom: bool = True) -> Visited:
    """Find every line of ``blob[low:high]`` (a UTF-8 byte-order mark before the first is
    skipped, unless ``bom`` is false) and show each chunk of lines to ``visit`` while it is in
    cache. Offsets are into the whole blob (a reused read buffer holds more than its lines)."""
    data = np.frombuffer(blob, np.uint8)
    size = len(data) if high is None else high
    first = low + len(BOM) if bom and blob[low:low + 3] == BOM else low
    if size <= first:
        return Visited(0, [])
    shares = _shares(blob, first, size)
    workers = min(os.cpu_count() or 1, len(shares))
    if workers == 1:
        found = [_scan(blob, data, low, high, visit) for low, high in shares]
    else:
        with ThreadPoolExecutor(workers) as pool:
            found = list(pool.map(lambda share: _scan(blob, data, share[0], share[1], visit), shares))
    pieces = [piece for share in found for piece in share]
    rows = np.cumsum([0] + [count for count, _ in pieces])
    return Visited(int(rows[-1]), [(int(row), seen) for row, (_, seen) in zip(rows, pieces, strict=False)])


def index_lines(blob: Blob, low: int = 0, high: int | None = None, bom: bool = True) -> LineIndex:
    """Every line of ``blob[low:high]``, as :func:`visit_lines` finds them."""
    chunks = [chunk for _, chunk in visit_lines(blob, lambda chunk: chunk, low, high, bom).results]
    if not chunks:
        empty = np.zeros(0, np.int64)
        return LineIndex(blob, empty, empty, empty)
    rows_before = np.cumsum([0] + [len(chunk.starts) for chunk in chunks])
    return LineIndex(
        blob,
        np.concatenate([chunk.starts for chunk in chunks]),
        np.concatenate([chunk.ends for chunk in chunks]),
        np.concatenate([chunk.odd + row for chunk, row in zip(chunks, rows_before, strict=False)]),
    )


def _shares(blob: Blob, first: int, size: int) -> list[tuple[int, int]]:
    """The blob cut into a few shares per core, each ending right after a line break."""
    count = 4 * (os.cpu_count() or 1) if size - first > 4 * CHUNK else 1
    cuts = [first]
    for i in range(1, count):
        cut = blob.find(b"\n", max(first + (size - first) * i // count, cuts[-1]), size) + 1
        if cut <= 0:
            break
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(size)
    return [(low, high) for low, high in itertools.pairwise(cuts) if high > low]


def _scan(blob: Blob, data: np.ndarray, start: int, stop: int, visit: Visitor) -> list[tuple[int, Any]]:
    """The chunks of one share: how many lines each holds and what ``visit`` made of it."""
    out = []
    low = start
    while low < stop:
        high = min(low + CHUNK, stop)
        if high < stop:  # end the chunk after its last line break; a longer line makes it longer
            cut = blob.rfind(b"\n", low, high)
            high = cut + 1 if cut >= 0 else (blob.find(b"\n", high, stop) + 1 or stop)
        chunk = data[low:high]
        breaks = np.flatnonzero(chunk == NEWLINE) + low
        ends = breaks if len(breaks) and breaks[-1] == high - 1 else np.append(breaks, high)
        starts = np.empty_like(ends)
        starts[0] = low
        starts[1:] = ends[:-1] + 1
        # A CRLF line ends before its CR; so does a last line that ends in a CR. (One memchr
        # tells whether the chunk holds a CR at all: most logs have none.)
        if blob.find(b"\r", low, high) >= 0:
            ends = ends - ((data[np.maximum(ends - 1, 0)] == CR) & (ends > starts))
        odd = np.zeros(0, np.int64)
        if chunk.max() >= 0x80 or chunk.min() == 0:  # rare: which lines
            odd = np.unique(np.searchsorted(starts, np.flatnonzero((chunk >= 0x80) | (chunk == 0)) + low,
                                            side="right") - 1)
        out.append((len(starts), visit(Chunk(blob, data, low, high, starts, ends, odd))))
        low = high
    return out


def words(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The 8 bytes at each offset as a little-endian uint64 (zeros past the end of the blob)."""
    size = len(data)
    if size >= 8:
        every = np.ndarray((size - 7,), dtype="<u8", buffer=data, strides=(1,))
        out = every[np.minimum(at, size - 8)]
    else:
        out = np.zeros(len(at), np.uint64)
    late = np.flatnonzero(at > size - 8)
    if len(late):  # the last few bytes of the blob: read from a zero-padded copy
        tail = min(size, 16)
        padded = np.zeros(tail + 8, np.uint8)
        padded[:tail] = data[size - tail:]
        local = np.minimum(at[late] - (size - tail), tail)
        out[late] = np.ndarray((tail + 1,), dtype="<u8", buffer=padded, strides=(1,))[local]
    result: np.ndarray = out
    return result


def word_of(text: bytes) -> np.uint64:
    """The first 8 bytes of ``text`` as :func:`words` reads them."""
    return np.uint64(int.from_bytes(text[:8].ljust(8, b"\0"), "little"))


def starts_with(data: np.ndarray, at: np.ndarray, ends: np.ndarray, prefix: bytes) -> np.ndarray:
    """Whether the bytes from each offset (up to its line end) begin with ``prefix``."""
    ok = at + len(prefix) <= ends
    for low in range(0, len(prefix), 8):
        piece = prefix[low:low + 8]
        mask = np.uint64((1 << (8 * len(piece))) - 1)
        ok &= (words(data, at + low) & mask) == word_of(piece)
    return ok


def strings(index: LineIndex | Chunk, rows: np.ndarray) -> pl.Series:
    """The text of the chosen lines (rows of ``index``) as a String series."""
    return pl.Series("text", copied(index, rows), dtype=pl.String)


def copied(lines: LineIndex | Chunk, rows: np.ndarray) -> pa.LargeStringArray:
    """The chosen lines copied out of the blob into one compact Arrow array (a string parser then
    reads them from a few MB instead of all over the blob). Bytes that are not UTF-8 become U+FFFD,
    as a lossy decode makes them; so does NUL, which no tool downstream takes.

    The blob is seen as an Arrow array of every line and every line break in turn (no copy), of
    which ``take`` copies the chosen lines with memcpy."""
    blob = pa.py_buffer(lines.blob)
    low = int(lines.starts[0]) if len(lines.starts) else 0
    high = int(lines.ends[-1]) if len(lines.ends) else 0
    bounds = np.empty(2 * len(lines.starts) + 1, np.int64)
    bounds[0:-1:2] = lines.starts - low
    bounds[1:-1:2] = lines.ends - low
    bounds[-1] = high - low
    every = pa.Array.from_buffers(pa.large_binary(), len(bounds) - 1, [None, pa.py_buffer(bounds), blob[low:high]])
    taken = every.take(pa.array(2 * np.asarray(rows, np.int64)))
    return as_text(taken, bool(len(lines.odd)) and bool(np.isin(rows, lines.odd).any()))


def as_text(taken: pa.Array, odd: bool) -> pa.LargeStringArray:
    """Lines copied out as bytes (``large_binary``) made text: as they are when no line holds a
    NUL or a non-ASCII byte (``odd`` false), else decoded as :func:`copied` says."""
    if not odd:  # ASCII: valid as it is
        return pa.Array.from_buffers(pa.large_string(), len(taken), taken.buffers())
    try:
        text = taken.cast(pa.large_string())
    except pa.ArrowInvalid:  # rare: decode line by line, with replacement
        text = pa.array([value.decode("utf-8", "replace") for value in taken.to_pylist()], pa.large_string())
    return pa.compute.replace_substring(text, "\x00", "\ufffd")
