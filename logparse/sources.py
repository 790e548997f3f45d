"""Open anything a user has, tell its envelope apart, and load it all into Tables.

Inputs are paths (files, folders, globs, ``-``), bytes or file-like objects (a Streamlit upload),
gzip or plain. Each is read a block at a time within its limits (:mod:`logparse.reading`), sniffed
once and unwrapped into :class:`logparse.events.Events` (the columns
``line, timestamp, log_group, log_stream, message`` that :mod:`logparse.platform` parses): text by
:mod:`logparse.textlines` (application lines counted from their bytes, never made rows), JSON
documents by :mod:`logparse.envelopes`; X-Ray documents go to :mod:`logparse.xray`. Problems become
reject rows, never exceptions.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
import stat
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from logparse import dedupe, exactstitch, fastrows, jsonstream, paths, platform, reading
from logparse.envelopes import (
    ENVELOPE_HEAD,
    insights_csv,
    is_envelope,
    json_document,
    json_error,
    json_lines,
    stream_json,
    unwrap_json,
)
from logparse.events import Events, Rejects
from logparse.fastrows import InputRows
from logparse.reading import DEFAULT_LIMITS, Limits
from logparse.tables import REJECT_TEXT_LIMIT, Stats, Tables
from logparse.textlines import text_input

GZIP_MAGIC = reading.GZIP_MAGIC
BASE64_GZIP = b"H4sI"  # base64 of the gzip magic: subscription-filter payloads


@dataclass
class Input:
    """One readable thing: its display name and how to open it as a binary file object."""

    name: str
    open: Any  # () -> an object with read(n) (and ideally readinto), or None after a reject
    owned: bool = True  # closed after reading (not stdin, not a caller's file object)
    size: int | None = None  # bytes, where known before reading


def load(
    *inputs: str | os.PathLike[str] | bytes | IO[bytes],
    function: str | None = None,
    version: str | None = None,
    progress: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Tables:
    """Read every input into Tables; unreadable inputs become rejects, never exceptions.

    ``function`` / ``version`` name the function where the envelope does not (plain text copies).
    ``limits`` bounds what one input may cost (line length, gzip inflation, whole documents): see
    :class:`logparse.reading.Limits`. Inputs are read in bounded blocks, so memory grows with the
    rows kept, not with the bytes read.
    """
    started = time.perf_counter()
    stats = Stats()
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in ("invocations", "inits", "restores",
                                                                  "spans", "rejects")}
    rejects = Rejects(stats)
    batch = Batch()
    buffer = reading.LineBuffer()
    bar = _progress_bar(progress)
    for item in expand(inputs, rejects):
        source = _open(item, rejects)
        if source is None:
            continue
        stats.files += 1
        stream = reading.Stream(source)
        try:
            for chunk in unwrap_stream(stream, item.name, rejects, stats, limits, buffer, item.size):
                if isinstance(chunk, Events):
                    batch.add(chunk)
                else:
                    parts["spans"].append(chunk[0])
                    parts["rejects"].append(chunk[1])
                chunk = None
        except OSError as exc:  # a read error midway: what was read before it is kept
            rejects.problem(item.name, f"cannot read: {exc.strerror or exc}")
        finally:
            if item.owned:
                source.close()
        stats.bytes += stream.raw
        if bar is not None:
            bar.update(stream.raw)
        if batch.lines >= BATCH_LINES:  # between inputs: one input's lines are parsed together
            batch.parse_into(parts, stats, function, version)
    batch.parse_into(parts, stats, function, version)
    if bar is not None:
        bar.close()
    found = {}
    if rejects.records:
        parts["rejects"].append(rejects.frame())
    for name, frames in parts.items():
        frames = [f for f in frames if len(f)]
        if frames:
            found[name] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        else:
            found[name] = platform.empty_table(name)
    # Built from what was read: empty default tables would cost more than a small parse.
    tables = dedupe.drop_repeats(Tables(invocations=found["invocations"], inits=found["inits"],
                                        restores=found["restores"], spans=found["spans"],
                                        rejects=found["rejects"], stats=stats))
    if len(tables.spans) and len(tables.invocations):
        from logparse import xrayjoin

        tables.invocations, tables.xray_join = xrayjoin.join(tables.invocations, tables.spans)
        tables.spans = xrayjoin.versions_from_logs(tables.spans, tables.invocations)
    stats.seconds = time.perf_counter() - started
    return tables


BATCH_LINES = 4_000_000


class Batch:
    """Events of many inputs parsed in one pass: a folder of thousands of small S3-export objects
    costs one parse, not thousands. Lines are renumbered into one sequence for the parse and
    mapped back to (source, line) afterwards."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []
        self.names: list[str] = []
        self.offsets: list[int] = []
        self.lines = 0
        self.next_offset = 0
        self.counted: dict[str, int] = {}
        # Per input read by the compiled scanner: (line offset, name, log group, its REPORT rows).
        self.fast: list[tuple[int, str, str | None, InputRows]] = []

    def add(self, events: Events) -> None:
        group = group_from_path(events.source)
        if events.fast is not None and len(events.fast):
            self.fast.append((self.next_offset, events.source, group, events.fast))
        events = events.filled("log_group", group)
        frame = events.frame
        self.frames.append(frame.with_columns(pl.col("line") + self.next_offset))
        self.names.append(events.source)
        self.offsets.append(self.next_offset)
        self.lines += frame.height
        last_line: int = frame["line"].max() or 0  # type: ignore[assignment]  # an Int64 column's max
        self.next_offset += max(last_line, events.lines) + 1
        for kind, n in events.counted.items():
            self.counted[kind] = self.counted.get(kind, 0) + n

    def parse_into(self, parts: dict[str, list[pd.DataFrame]], stats: Stats, function: str | None,
                   version: str | None) -> None:
        if not self.frames:
            return
        frames, self.frames = self.frames, []
        frame = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
        del frames
        # The parse holds about twice the rows it reads more (measured with bench_memory.py).
        reading.check_headroom(int(2 * frame.estimated_size()) + (64 << 20))
        def build() -> list[pd.DataFrame]:
            return [fastrows.invocations(found, group, function, version, source, beside)
                    for _, source, group, found in self.fast]

        # The scanner's rows become table rows in a thread while this one reads the other lines.
        # (two threads: the table's measures are built in the second)
        beside = ThreadPoolExecutor(2, thread_name_prefix="snaplens-rows") if self.fast else None
        try:
            building = beside.submit(build) if beside is not None else None
        except RuntimeError:  # no thread to be had (a process limit): built after, in this one
            building = None
        try:
            below = [fastrows.reports_below(found, offset) for offset, _, _, found in self.fast]
            # One input the scanner read, with only the exact lines its REPORTs' stitching needs:
            # stitched in numpy. Else (or where that would differ) by the general path.
            exact = exactstitch.stitched(frame, self.counted, below[0], function, version) \
                if len(below) == 1 and len(self.names) == 1 else None
            if exact is not None:
                parsed = exact
            else:
                rows = platform.read_rows(frame, function, version, self.counted)
                del frame  # the last reference to the lines: their buffer is freed before the tables are built
                parsed = platform.stitch(rows, "<batch>", below)
            # (waited for before the threads are shut down: the table asks for its second thread
            # as it starts, and after a shutdown it would build its measures alone)
            built = building.result() if building is not None else None
        finally:
            if beside is not None:
                beside.shutdown()
        if built is None:
            built = build()
        stats.add(parsed.stats)
        # (the batch's line numbers, before _locate makes them each input's own)
        order = parsed.invocations["line"].to_numpy(dtype="int64", na_value=-1) if self.fast else None
        for name in ("invocations", "inits", "restores", "rejects"):
            parts[name].append(self._locate(getattr(parsed, name)))
        if self.fast:  # the REPORT rows the compiled scanner read, in line order with the others
            timed_out = parsed.timed_out.to_arrow() if parsed.timed_out is not None else pa.array([], pa.string())
            scanned = [fastrows.with_timeouts(frame, timed_out) for frame in built]
            keys = [found.column("line") + offset for offset, _, _, found in self.fast]
            assert order is not None
            parts["invocations"][-1] = fastrows.merged([*scanned, parts["invocations"][-1]], [*keys, order])
        self.names, self.offsets, self.lines, self.next_offset, self.counted = [], [], 0, 0, {}
        self.fast = []

    def _locate(self, table: pd.DataFrame) -> pd.DataFrame:
        """Batch line numbers back to each input's own name and line number."""
        if table.empty:
            return table
        seq = table["line"].to_numpy(dtype="int64", na_value=-1)
        index = np.searchsorted(np.asarray(self.offsets), seq, side="right") - 1
        # Taken in Arrow: no Python string object per row (8x faster than an object array).
        names = fastrows.constant(self.names[0], len(seq)) if len(self.names) == 1 else \
            pa.array(self.names, type=pa.large_string()).take(index)
        table["source"] = pd.array(names, dtype="string")
        table["line"] = pd.array(seq - np.asarray(self.offsets)[index], dtype="Int64")
        return table


def group_from_path(name: str) -> str | None:
    """Where an envelope carries no log group, a path laid out like one names it: files under
    ``.../aws/lambda/<function>/...`` (an S3 export with the log group as its prefix, or a folder
    named so) or a file ``.../aws/lambda/<function>.log``."""
    parts = Path(name).parts
    for i in range(len(parts) - 2):
        if parts[i] == "aws" and parts[i + 1] == "lambda":
            function = parts[i + 2]
            if i + 3 == len(parts):  # the file itself: drop its extensions
                function = function.split(".")[0]
            return f"/aws/lambda/{function}" if function else None
    return None


def _progress_bar(enabled: bool) -> Any:
    """A byte-counting bar on stderr, only when asked for and stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit="B", unit_scale=True, desc="reading", file=sys.stderr, leave=False)


def expand(inputs: Iterable[Any], rejects: Rejects) -> Iterator[Input]:
    """Turn paths, folders, globs, ``-``, bytes and file objects into readable Inputs."""
    for item in inputs:
        if isinstance(item, bytes | bytearray | memoryview):
            yield Input("<bytes>", lambda b=item: io.BytesIO(b), size=len(item))
        elif hasattr(item, "read"):
            name = str(getattr(item, "name", "<upload>"))
            yield Input(name, lambda item=item: item, owned=False)
        elif str(item) == "-":
            yield Input("<stdin>", lambda: sys.stdin.buffer, owned=False)
        else:
            yield from _expand_path(str(item), rejects)


def _expand_path(text: str, rejects: Rejects) -> Iterator[Input]:
    """The files behind a path (see :mod:`logparse.paths`): a part that cannot be read is a reject
    with no line; a symlink loop, which loses nothing, is a warning."""
    listing = paths.find(text)
    for name, reason in listing.problems:
        rejects.problem(name, reason)
    for note in listing.notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    for found in listing.files:
        yield Input(found.name, lambda file=found.path: _open_regular(Path(file)))


class NotRegular(OSError):
    """A device, FIFO or socket named as a file: reading it may never end."""


def _open_regular(path: Path) -> IO[bytes]:
    """A regular file opened for reading; anything else (``/dev/zero``, a FIFO, a socket) is
    refused before it is read: stdin (``-``) is the way to pipe a stream in. Opened without
    blocking, so a FIFO with no writer cannot hang the run, and checked on the open file."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        raise NotRegular(f"not a regular file ({kind}): not read; to read a stream, pipe it in as - (stdin)")
    return open(descriptor, "rb", buffering=0)


def _open(item: Input, rejects: Rejects) -> Any | None:
    """The input opened, or None after one reject naming it."""
    try:
        source = item.open()
    except NotRegular as exc:
        rejects.problem(item.name, str(exc))
        return None
    except OSError as exc:
        rejects.problem(item.name, f"cannot read: {exc.strerror or exc}")
        return None
    if item.size is None and item.owned:
        with contextlib.suppress(OSError, AttributeError, io.UnsupportedOperation):
            item.size = os.fstat(source.fileno()).st_size
    return source


def unwrap(data: bytes, name: str, rejects: Rejects, stats: Stats, limits: Limits = DEFAULT_LIMITS,
           buffer: reading.LineBuffer | None = None) -> Iterator[Any]:
    """:func:`unwrap_stream` for bytes in memory (a record inside a document)."""
    yield from unwrap_stream(reading.Stream(io.BytesIO(data)), name, rejects, stats, limits,
                             buffer or reading.LineBuffer(), len(data))


def unwrap_stream(stream: reading.Stream, name: str, rejects: Rejects, stats: Stats,
                  limits: Limits, buffer: reading.LineBuffer, size: int | None = None) -> Iterator[Any]:
    """Yield Events (or X-Ray (spans, rejects) pairs) for one input, through gzip and base64.
    A limit or a broken gzip stream ends the input with one reject naming it; what was read
    before stays."""
    layers: list[reading.Inflated] = []
    try:
        content, layers = reading.opened(stream, limits)
        yield from _unwrap_content(content, name, rejects, stats, limits, buffer, None if layers else size)
    except reading.InputTooLarge as exc:
        rejects.unreadable(name, None, str(exc))
        return
    for layer in layers:
        if layer.problem:
            rejects.unreadable(name, None, layer.problem)


def _unwrap_content(stream: reading.Stream, name: str, rejects: Rejects, stats: Stats,
                    limits: Limits, buffer: reading.LineBuffer, size: int | None) -> Iterator[Any]:
    """The envelope told from the first 64 KiB. Text (most of every log) is read a block at a
    time; the document envelopes (JSON, X-Ray, Logs Insights CSV, base64 payloads) whole, within
    ``limits.max_document_bytes``."""
    head = stream.head(reading.HEAD).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(BASE64_GZIP):
        data = stream.read_all(limits.max_document_bytes)
        yield from _unwrap_base64_lines(data, name, rejects, stats, limits, buffer)
        return
    from logparse import xray, xraydocs

    if xraydocs.looks_like_xray(head):
        result = xray.parse_counted(stream.read_all(limits.max_document_bytes), name)
        rejected, spans = len(result.rejects), len(result.spans)
        stats.lines += result.records_read
        stats.rejected += rejected
        stats.parsed += spans
        stats.skipped += result.records_read - spans - rejected
        for kind, n in result.kinds.items():
            stats.count(kind, n)
        yield result.spans, result.rejects
        return
    if head[:1] in (b"{", b"[") and not json_lines(head):
        try:
            start, key = jsonstream.array_start(stream.head(reading.HEAD))
        except jsonstream.NotStreamable:
            pass
        else:
            yield from stream_json(stream, name, start, key, rejects, stats, limits, buffer)
            return
        data = stream.read_all(limits.max_document_bytes)
        document = json_document(data)
        if is_envelope(document):
            yield from unwrap_json(document, name, rejects, stats)
            return  # anything else that parses as JSON is read as lines (a JSON log line, say)
        if document is None and ENVELOPE_HEAD.match(head):
            # An API envelope that does not parse (cut short, edited): say where, instead of
            # reading its pieces as text lines and finding no platform line in them.
            rejects.unreadable(name, None, json_error(data),
                        bytes(head[:REJECT_TEXT_LIMIT]).decode("utf-8", "replace"))
            return
        stream, size = reading.Stream(io.BytesIO(data)), len(data)
        del document
    first = head.decode("utf-8", "replace").split("\n", 1)[0]
    if first.startswith(("@timestamp", "@message", '"@timestamp"', '"@message"')) or (
        "@message" in first and "," in first
    ):
        yield from insights_csv(stream.read_all(limits.max_document_bytes), name, rejects, stats)
        return
    yield text_input(stream, name, rejects, stats, limits, buffer, size)


def _unwrap_base64_lines(data: bytes, name: str, rejects: Rejects, stats: Stats, limits: Limits,
                         buffer: reading.LineBuffer) -> Iterator[Any]:
    """Subscription payloads as delivered to a Lambda or saved by hand: base64(gzip(JSON)) per line."""
    for number, record in enumerate(data.split(b"\n"), start=1):
        record = record.strip()
        if not record:
            continue
        try:
            decoded = base64.b64decode(record, validate=True)
        except (binascii.Error, ValueError):
            rejects.unreadable(name, number, "not base64 subscription data",
                        record[:REJECT_TEXT_LIMIT].decode("ascii", "replace"))
            continue
        yield from unwrap(decoded, f"{name}#{number}" if number > 1 else name, rejects, stats, limits, buffer)
