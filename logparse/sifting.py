"""Platform lines told apart from the rest straight from the bytes of a text file.

The sifters run on each chunk of lines while it is in cache (see :mod:`logparse.lines`). In a
plain text file every line gets its kind from its first bytes, and the timeout message is found
wherever it is; application lines and ``END`` lines are only counted. In a file whose lines carry
a prefix (an S3 export's timestamp) lines that cannot be platform lines are counted, the rest
kept. The lines kept are copied out, compact, for the string parser in :mod:`logparse.platform`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from logparse import lines
from logparse.formats import PREFIXES, TIMEOUT_MARK
from logparse.kinds import KIND_CODES, kind_codes

WORDS = {kind: lines.word_of(prefix.encode()) for kind, prefix in PREFIXES.items()}
HEAD_WORDS = np.array(sorted(set(WORDS.values())), np.uint64)
APP, END = KIND_CODES["app"], KIND_CODES["end"]
BRACE, LOW_BYTE = np.uint64(ord("{")), np.uint64(0xFF)


@dataclass
class Sifted:
    """What a chunk's bytes told: the rows (chunk-local) left for the string parser, their text,
    their kind codes where known, and how many lines of each kind were only counted."""

    keep: np.ndarray
    text: pa.LargeStringArray
    codes: np.ndarray | None
    counted: dict[str, int]


def sifter(prefix: bytes) -> lines.Visitor:
    """The visitor for a file whose messages follow ``prefix`` (a timestamp's shape; empty: none)."""
    return (lambda chunk: sift_prefixed(chunk, prefix)) if prefix else sift_plain


def sift_plain(chunk: lines.Chunk) -> Sifted:
    data, starts, ends = chunk.data, chunk.starts, chunk.ends
    head = lines.words(data, starts)
    code = np.full(len(starts), APP, np.uint8)
    for kind, prefix in PREFIXES.items():  # eight bytes name the kind; the whole prefix must follow
        rows = np.flatnonzero(head == WORDS[kind])
        if len(rows):
            code[rows[lines.starts_with(data, starts[rows] + 8, ends[rows], prefix[8:].encode())]] = KIND_CODES[kind]
    keep = (ends - starts < 8) | ((head & LOW_BYTE) == BRACE) | _holds(chunk, TIMEOUT_MARK.encode())
    keep |= (code != APP) & (code != END)
    counted = {"app": int((~keep & (code == APP)).sum()), "end": int((~keep & (code == END)).sum())}
    rows = np.flatnonzero(keep)
    return Sifted(rows, lines.copied(chunk, rows), code[rows], counted)


def sift_prefixed(chunk: lines.Chunk, prefix: bytes) -> Sifted:
    """Keep every line that may be a platform line at the start or after the prefix, every line
    whose prefix does not have the sample's shape, every short line; count the rest as
    application lines."""
    data, starts, ends = chunk.data, chunk.starts, chunk.ends
    keep = (ends - starts < len(prefix) + 8) | _holds(chunk, TIMEOUT_MARK.encode())
    keep |= ~_has_shape(data, starts, prefix) | _may_be_platform(data, starts) | \
        _may_be_platform(data, starts + len(prefix))
    rows = np.flatnonzero(keep)
    return Sifted(rows, lines.copied(chunk, rows), None, {"app": len(keep) - len(rows)})


def _holds(chunk: lines.Chunk, needle: bytes) -> np.ndarray:
    """Which lines of the chunk hold ``needle``: one fast search per occurrence, not per line."""
    found = []
    at = chunk.blob.find(needle, chunk.low, chunk.high)
    while at >= 0:
        found.append(at)
        at = chunk.blob.find(needle, at + len(needle), chunk.high)
    marked = np.zeros(len(chunk.starts), bool)
    marked[np.searchsorted(chunk.starts, np.asarray(found, np.int64), side="right") - 1] = True
    return marked


def _may_be_platform(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether the eight bytes from each offset start a platform line or a JSON document."""
    word = lines.words(data, at)
    found: np.ndarray = np.isin(word, HEAD_WORDS) | ((word & LOW_BYTE) == BRACE)
    return found


def _has_shape(data: np.ndarray, starts: np.ndarray, prefix: bytes) -> np.ndarray:
    """Whether each line starts like ``prefix``: the same bytes wherever the sample has no digit."""
    ok = np.ones(len(starts), bool)
    for low in range(0, len(prefix), 8):
        piece = prefix[low:low + 8]
        mask = sum(0xFF << (8 * i) for i, byte in enumerate(piece) if not 48 <= byte <= 57)
        if mask:
            ok &= (lines.words(data, starts + low) & np.uint64(mask)) == (lines.word_of(piece) & np.uint64(mask))
    return ok


Exact = tuple[pa.ChunkedArray, pa.ChunkedArray]  # two text columns


@dataclass
class Picked:
    """A whole file sifted: the rows for the string parser, their text, their kind codes (if
    known) and the lines only counted, per kind."""

    rows: np.ndarray
    text: pl.Series
    codes: np.ndarray | None
    counted: dict[str, int]
    # The two fields of each line in one of Lambda's exact layouts, if the compiled scanner read
    # them (null on other lines; see scankernel.exact_fields): those lines need no pattern.
    exact: Exact | None = None


def gather(visited: lines.Visited) -> Picked:
    """The chunks' findings put together, with file-wide row numbers."""
    sifted = visited.results
    if not sifted:
        return Picked(np.zeros(0, np.int64), pl.Series("text", [], pl.String), None, {})
    rows = np.concatenate([chunk.keep + row for row, chunk in sifted])
    text = pl.Series("text", pa.chunked_array([chunk.text for _, chunk in sifted], pa.large_string()), dtype=pl.String)
    codes = None if sifted[0][1].codes is None else np.concatenate([chunk.codes for _, chunk in sifted])
    counted: dict[str, int] = {}
    for _, chunk in sifted:
        for kind, n in chunk.counted.items():
            counted[kind] = counted.get(kind, 0) + n
    return Picked(rows, text, codes, {kind: n for kind, n in counted.items() if n})


def sift_events(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Events of a JSON envelope sifted as a text file's lines are: those that may be platform
    lines (and short or blank ones) kept with their kind codes, application and ``END`` events
    only counted. A run of a large document is sifted as soon as it is read, so only the
    platform events of the whole document are held."""
    codes = kind_codes(frame)
    keep = ((codes != APP) & (codes != END)) | (frame["message"].str.len_bytes() < 8).fill_null(True)
    counted = {"app": int(((codes == APP) & ~keep).sum()), "end": int(((codes == END) & ~keep).sum())}
    kept = frame.with_columns(codes.alias("code")).filter(keep)
    # Copied out where most rows go (a JSON run: every application event); else the copy costs more.
    kept = _compact(kept) if 2 * kept.height < frame.height else kept
    return kept, {kind: n for kind, n in counted.items() if n}


def _compact(frame: pl.DataFrame) -> pl.DataFrame:
    """String columns copied into buffers of their own: a filtered string column is views into
    the unfiltered one's buffers, which would stay alive whole for the few rows kept."""
    return frame.with_columns(pl.Series(name, frame[name].to_arrow().cast(pa.large_string()), dtype=pl.String)
                              for name, dtype in frame.schema.items() if dtype == pl.String)
