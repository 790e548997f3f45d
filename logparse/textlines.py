"""Text inputs (a console copy, an S3 export, ``aws logs tail`` / ``sam logs`` output) as events:
the layout sniffed once per file, its timestamp and stream split off each line, and only the lines
that may be platform lines made rows (the rest are counted from their bytes, see
:mod:`logparse.sifting`).
"""


from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from logparse import lines, reading, scanner, sifting
from logparse.events import EVENT_SCHEMA, Events, Rejects
from logparse.fastrows import InputRows
from logparse.fields import EXACT_COLUMNS
from logparse.formats import LAYOUT_CODES, S3_STAMP_SHAPE
from logparse.reading import DEFAULT_LIMITS, Limits, size_text
from logparse.tables import Stats
from logparse.timeutil import parse_log_time

SNIFF_LINES = 50
GENERAL_BYTES = 8 << 20  # the scanner's general lines held before they are made events (and sifted)
ISO_STAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\S*"


def text_input(stream: reading.Stream, name: str, rejects: Rejects, stats: Stats, limits: Limits,
                buffer: reading.LineBuffer, size: int | None) -> Events:
    """Text lines, with the stream an S3 export path names for lines that carry none. An input
    of more than a few MB (or of unknown size: gzip, a pipe) is read (inflated) ahead in a thread,
    so reading and parsing overlap."""
    ahead = size is None or size >= reading.AHEAD_BYTES
    read = text_events(reading.whole_lines(stream, limits, buffer, size_hint=size, ahead=ahead), name, rejects,
                       stats, limits, size)
    stream_name = stream_from_export_path(name)
    fast = read.fast if read.fast is not None and len(read.fast) else None
    if fast is not None:
        fast.log_stream = stream_name
    return Events(name, read.frame, "text", read.lines, read.counted, fast).filled("log_stream", stream_name)


@dataclass
class TextRead:
    """A text input read: the rows for the string parser, how many lines it had, the lines only
    counted (per kind), and the REPORT rows the compiled scanner read, if it ran."""

    frame: pl.DataFrame
    lines: int
    counted: dict[str, int]
    fast: InputRows | None


def text_events(pieces: Iterable[reading.Span | reading.LongLine] | bytes, name: str = "<bytes>",
                rejects: Rejects | None = None, stats: Stats | None = None,
                limits: Limits = DEFAULT_LIMITS, size: int | None = None) -> TextRead:
    """Lines of a text input, with a leading timestamp / stream name split off when the
    file is an S3 export (``<ISO> <message>``), ``aws logs tail`` (``<ISO> <stream> <message>``) or
    ``sam logs`` (``<stream> <ISO> <message>``) copy. One variant per file, chosen by sniffing
    its first 64 KiB.

    ``pieces`` are the input's whole lines a buffer at a time (:func:`reading.whole_lines`; bytes
    are read so too). Only the lines that may be platform lines become rows, copied out of the
    buffer and split into columns a buffer at a time; the rest are counted from their bytes
    (:mod:`logparse.sifting`). A line longer than the limit is a reject with its length. A text
    input of ``size`` bytes or more (unknown: judged by its first buffer) is read by the compiled
    scanner (:mod:`logparse.scanner`) where it is available: Lambda's exact lines become
    rows there, and only the other lines become rows here."""
    if isinstance(pieces, bytes | bytearray):
        pieces = reading.whole_lines(reading.Stream(io.BytesIO(pieces)), limits, reading.LineBuffer(),
                                     size_hint=len(pieces))
    stats = Stats() if stats is None else stats
    rejects = Rejects(stats) if rejects is None else rejects
    variant, prefix = None, b""
    frames: list[pl.DataFrame] = []
    counted: dict[str, int] = {}
    row = 0
    carry: scanner.Carry | None = None  # set when the compiled scanner reads this input
    general: list[sifting.Picked] = []  # the scanner's, per buffer (rows numbered in the input)
    held = 0  # bytes of their text
    unordered = False
    for piece in pieces:
        if isinstance(piece, reading.LongLine):
            rejects.unreadable(name, row + 1,
                        f"line of {piece.length:,} bytes, longer than the {size_text(limits.max_line_bytes)} limit "
                        "(--max-line-bytes / Limits.max_line_bytes raises it)",
                        piece.start.decode("utf-8", "replace"), kind="too_long")
            row += 1
            if carry is not None:  # the REPORT above is not next to what follows: no trailer of it
                carry.open = None
            continue
        first = row == 0 and piece.low == 0
        if variant is None:
            head = bytes(piece.buffer[piece.low:min(piece.high, piece.low + reading.HEAD)])
            head_index = lines.index_lines(head)
            sample = lines.strings(head_index, np.arange(min(len(head_index), SNIFF_LINES * 4)))
            variant = sniff_text_variant(sample)
            prefix = _stamp_shape(sample) if variant == "s3" else b""
            # The scanner reads plain text, tail and sam copies, and S3 exports whose times all
            # have Lambda's shape; not a file of JSON log lines (each would go to the general path).
            stamped = variant == "s3" and prefix == S3_STAMP_SHAPE.encode()
            layout = LAYOUT_CODES[variant] if variant != "s3" or stamped else None
            wanted = scanner.wanted(size if size is not None else piece.high - piece.low)
            if layout is not None and wanted and not _messages(sample, variant).str.starts_with("{").any() \
                    and scanner.kernel() is not None:
                room = size // 100 + 16 if size is not None else 1 << 20
                carry = scanner.Carry(rows=InputRows(room, timed=variant != "plain", streams=layout in scanner.STREAMS),
                                      layout=layout)
        if carry is not None:
            low = piece.low + 3 if first and piece.buffer[piece.low:piece.low + 3] == lines.BOM else piece.low
            scanned = scanner.scan_buffer(piece.buffer, low, piece.high, row, carry)
            # Its general lines are made events a few MB at a time, not per buffer: the Polars
            # operations that make them would each leave both workers idle. (Lines whose kinds
            # are not known yet, as an S3 export's, are sifted then: held unsifted only so long.)
            picked = scanned.picked
            general.append(sifting.Picked(picked.rows + row + 1, picked.text, picked.codes, {}, picked.exact))
            held += int(picked.text.estimated_size())
            if held >= GENERAL_BYTES:
                frames.append(_general_events(general, variant, counted))
                general, held = [], 0
            _add_counts(counted, picked.counted)
            unordered |= scanned.reaches_back
            row += scanned.lines
            continue
        if variant == "plain" or prefix:
            visited = lines.visit_lines(piece.buffer, sifting.sifter(prefix), piece.low, piece.high, bom=first)
            picked, n_lines = sifting.gather(visited), visited.lines
        else:  # a terminal copy (tail, sam): every line taken
            index = lines.index_lines(piece.buffer, piece.low, piece.high, bom=first)
            rows = np.arange(len(index))
            picked, n_lines = sifting.Picked(rows, lines.strings(index, rows), None, {}), len(index)
        frames.append(_events(picked.rows + row + 1, picked.text, picked.codes, variant, counted))
        _add_counts(counted, picked.counted)
        del picked
        row += n_lines
    if general:
        frames.append(_general_events(general, variant, counted))
    fast = carry.rows if carry is not None else None
    if fast is not None:
        fast.fit()
    if not frames:
        return TextRead(_split_prefix(pl.DataFrame({"line": [], "raw": []}, schema={"line": pl.Int64,
                                                                                    "raw": pl.String}), "plain"),
                        row, counted, fast)
    frame = pl.concat(frames, how="diagonal_relaxed", rechunk=False) if len(frames) > 1 else frames[0]
    return TextRead(frame.sort("line") if unordered else frame, row, counted, fast)


def _general_events(general: list[sifting.Picked], variant: str | None, counted: dict[str, int]) -> pl.DataFrame:
    """The scanner's general lines of some buffers as events."""
    assert variant is not None  # (sniffed on the first buffer)
    # The text in one chunk, as the other columns are: Polars (2.1) can panic on a frame whose
    # columns are chunked differently (``assertion failed: i < self.len()``, in a reject's reasons).
    text = pl.concat([each.text for each in general]).rechunk()
    return _events(np.concatenate([each.rows for each in general]), text, _joined([each.codes for each in general]),
                   variant, counted, _exact_columns(general))


def _joined(arrays: list[np.ndarray | None]) -> np.ndarray | None:
    """The buffers' arrays as one (None: the scanner did not find them)."""
    return None if any(array is None for array in arrays) else np.concatenate(arrays)  # type: ignore[arg-type]


def _exact_columns(general: list[sifting.Picked]) -> list[pl.Series] | None:
    """The fields the scanner read of the buffers' exact lines, as one chunk each (see above)."""
    found = [each.exact for each in general]
    if any(exact is None for exact in found):
        return None
    return [pl.Series(name, pa.chunked_array([chunk for exact in found for chunk in exact[i].chunks],  # type: ignore[index]
                                             pa.large_string())).rechunk() for i, name in enumerate(EXACT_COLUMNS)]


def _events(rows: np.ndarray, text: pl.Series, codes: np.ndarray | None, variant: str,
            counted: dict[str, int], exact: list[pl.Series] | None = None) -> pl.DataFrame:
    """Lines (``rows``: 1-based) as events, their prefix split off. Without their kinds
    (``codes``), the application and END lines are only counted (into ``counted``). ``exact``:
    the fields of the lines in an exact layout (:data:`logparse.fields.EXACT_COLUMNS`)."""
    events = _split_prefix(pl.DataFrame({"line": pl.Series(rows, dtype=pl.Int64), "raw": text}), variant)
    if codes is not None:
        return events.with_columns(pl.Series("code", codes, dtype=pl.UInt8), *(exact or ()))
    events, dropped = sifting.sift_events(events)  # the prefix is off now
    _add_counts(counted, dropped)
    return events


def _messages(sample: pl.Series, variant: str) -> pl.Series:
    """The messages of the sniffed lines, their prefix split off."""
    return _split_prefix(pl.DataFrame({"line": np.arange(len(sample)), "raw": sample}), variant)["message"]


def _add_counts(into: dict[str, int], counts: dict[str, int]) -> None:
    for kind, n in counts.items():
        into[kind] = into.get(kind, 0) + n


def _stamp_shape(sample: pl.Series) -> bytes:
    """The timestamp and space before each message of an S3 export, digits as ``0``, when every
    line of the sample has the same shape (they do: Lambda writes one format); else empty."""
    stamps = sample.str.extract(rf"^({ISO_STAMP}) ").drop_nulls()
    shapes = stamps.str.replace_all(r"\d", "0").unique()
    return (shapes[0] + " ").encode() if len(shapes) == 1 else b""


def _split_prefix(frame: pl.DataFrame, variant: str) -> pl.DataFrame:
    """``line, raw`` -> the event columns, the variant's timestamp and stream split off."""
    raw = pl.col("raw")
    if variant == "plain":
        return frame.select(
            "line",
            pl.lit(None, EVENT_SCHEMA["timestamp"]).alias("timestamp"),
            pl.lit(None, pl.String).alias("log_group"),
            pl.lit(None, pl.String).alias("log_stream"),
            raw.alias("message"),
        )
    parts = raw.str.splitn(" ", 3 if variant != "s3" else 2)
    if variant == "s3":
        stamp, stream, rest = parts.struct.field("field_0"), pl.lit(None, pl.String), parts.struct.field("field_1")
    elif variant == "tail":
        stamp, stream = parts.struct.field("field_0"), parts.struct.field("field_1")
        rest = parts.struct.field("field_2")
    else:  # sam
        stream, stamp = parts.struct.field("field_0"), parts.struct.field("field_1")
        rest = parts.struct.field("field_2")
    frame = frame.with_columns(parse_log_time(stamp).alias("timestamp"), stream.alias("stream"), rest.alias("rest"))
    has_prefix = pl.col("timestamp").is_not_null()
    # Continuation lines (the XRAY trailer, tracebacks) carry no prefix: keep them whole.
    return frame.select(
        "line",
        "timestamp",
        pl.lit(None, pl.String).alias("log_group"),
        pl.when(has_prefix).then(pl.col("stream")).alias("log_stream"),
        pl.when(has_prefix).then(pl.col("rest").fill_null("")).otherwise(raw).alias("message"),
    )


def sniff_text_variant(head: pl.Series) -> str:
    """Which text layout most of the first lines follow: ``s3``, ``tail``, ``sam`` or ``plain``."""
    sample = head.drop_nulls().filter(head.drop_nulls().str.len_bytes() > 0)
    if sample.is_empty():
        return "plain"
    iso = ISO_STAMP
    stream = r"\d{4}/\d{2}/\d{2}/\[[^\]]*\]\S*"
    votes = {
        "tail": int(sample.str.contains(rf"^{iso} {stream} ").sum()),
        "sam": int(sample.str.contains(rf"^{stream} {iso} ").sum()),
        "s3": int(sample.str.contains(rf"^{iso} ").sum()),
    }
    votes["s3"] -= votes["tail"]
    best = max(votes, key=lambda k: votes[k])
    return best if votes[best] >= max(1, len(sample) // 4) else "plain"


def stream_from_export_path(name: str) -> str | None:
    """S3 export objects sit at ``<prefix>/<task>/<stream with / as ->/000000.gz``."""
    parent = Path(name).parent.name
    return parent if "[" in parent else None
