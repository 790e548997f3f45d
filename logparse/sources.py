"""Open anything a user has and unwrap its envelope into a uniform frame of log events.

Inputs are paths (files, folders, globs, ``-``), bytes or file-like objects (a Streamlit upload),
gzip or plain. Each is read a block at a time within its limits (:mod:`logparse.reading`), sniffed
once and unwrapped into one Polars frame of events with the columns
``line, timestamp, log_group, log_stream, message`` that :mod:`logparse.platform` parses; a text
file's application lines are counted from their bytes and never become rows (see
:mod:`logparse.sifting`), nor do a JSON envelope's application events (:mod:`logparse.jsonstream`).
X-Ray documents go to :mod:`logparse.xray` instead. Problems become reject rows, never exceptions.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import os
import re
import stat
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pandas as pd
import polars as pl
import pyarrow as pa

from logparse import dedupe, jsonstream, lines, paths, platform, reading, sifting
from logparse.reading import DEFAULT_LIMITS, Limits, size_text
from logparse.tables import REJECT_TEXT_LIMIT, REJECTS, Stats, Tables, conform
from logparse.timeutil import epoch_ms_time, parse_log_time

EVENT_SCHEMA = {
    "line": pl.Int64,
    "timestamp": pl.Datetime("us", "UTC"),
    "log_group": pl.String,
    "log_stream": pl.String,
    "message": pl.String,
}

GZIP_MAGIC = reading.GZIP_MAGIC
BASE64_GZIP = b"H4sI"  # base64 of the gzip magic: subscription-filter payloads
SNIFF_LINES = 50
ISO_STAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\S*"


@dataclass
class Input:
    """One readable thing: its display name and how to open it as a binary file object."""

    name: str
    open: Any  # () -> an object with read(n) (and ideally readinto), or None after a reject
    owned: bool = True  # closed after reading (not stdin, not a caller's file object)
    size: int | None = None  # bytes, where known before reading


@dataclass
class Events:
    """Log events unwrapped from one input, ready for the platform parser."""

    source: str
    frame: pl.DataFrame
    envelope: str
    lines: int = 0  # lines the input had, when the frame holds only some (see lines.py)
    counted: dict[str, int] = field(default_factory=dict)  # kinds of the lines left out

    def filled(self, column: str, value: str | None) -> Events:
        """Rows with no ``column`` take ``value`` (a stream or group named by the file's path)."""
        if value is None:
            return self
        return replace(self, frame=self.frame.with_columns(pl.col(column).fill_null(value)))


@dataclass
class Rejects:
    """The rejects found while reading (inputs that cannot be opened, records that cannot be read),
    gathered as records and made one frame at the end; the parser's own rejects come as frames."""

    stats: Stats
    records: list[tuple[str, int | None, str, str]] = field(default_factory=list)

    def unreadable(self, name: str, line: int | None, reason: str, text: str = "", kind: str = "unreadable") -> None:
        """A record that could not be read at all: one reject row, counted as one rejected line."""
        self.records.append((name, line, reason, text[:REJECT_TEXT_LIMIT]))
        self.stats.lines += 1
        self.stats.rejected += 1
        self.stats.count(kind, 1)

    def problem(self, name: str, reason: str) -> None:
        """An input (not a line of it) that could not be read: a reject with no line number."""
        self.records.append((name, None, reason, ""))

    def frame(self) -> pd.DataFrame:
        """The records as one ``rejects`` table."""
        if not self.records:
            return conform(pd.DataFrame(), REJECTS)
        source, line, reason, text = zip(*self.records, strict=True)
        return conform(pd.DataFrame({"source": source, "line": pd.array(line, dtype="Int64"),
                                     "reason": reason, "text": text}), REJECTS)


def load(
    *inputs: str | os.PathLike | bytes | IO[bytes],
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
    parts["rejects"].append(rejects.frame())
    for name, frames in parts.items():
        frames = [f for f in frames if len(f)]
        if frames:
            found[name] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        else:
            found[name] = platform.empty_table(name)
    # Built from what was read: empty default tables would cost more than a small parse.
    tables = dedupe.drop_repeats(Tables(**found, stats=stats))
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

    def add(self, events: Events) -> None:
        events = events.filled("log_group", group_from_path(events.source))
        frame = events.frame
        self.frames.append(frame.with_columns(pl.col("line") + self.next_offset))
        self.names.append(events.source)
        self.offsets.append(self.next_offset)
        self.lines += frame.height
        self.next_offset += max(frame["line"].max() or 0, events.lines) + 1
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
        reading.check_headroom(2 * frame.estimated_size() + (64 << 20))
        rows = platform.read_rows(frame, function, version, self.counted)
        del frame  # the last reference to the lines: their buffer is freed before the tables are built
        parsed = platform.stitch(rows, "<batch>")
        stats.add(parsed.stats)
        for name in ("invocations", "inits", "restores", "rejects"):
            parts[name].append(self._locate(getattr(parsed, name)))
        self.__init__()

    def _locate(self, table: pd.DataFrame) -> pd.DataFrame:
        """Batch line numbers back to each input's own name and line number."""
        if table.empty:
            return table
        seq = table["line"].to_numpy(dtype="int64", na_value=-1)
        index = np.searchsorted(np.asarray(self.offsets), seq, side="right") - 1
        # Taken in Arrow: no Python string object per row (8x faster than an object array).
        table["source"] = pd.array(pa.array(self.names, type=pa.large_string()).take(index), dtype="string")
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


def _progress_bar(enabled: bool):
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
    if head[:1] in (b"{", b"[") and not _json_lines(head):
        try:
            start, key = jsonstream.array_start(stream.head(reading.HEAD))
        except jsonstream.NotStreamable:
            pass
        else:
            yield from _stream_json(stream, name, start, key, rejects, stats, limits, buffer)
            return
        data = stream.read_all(limits.max_document_bytes)
        document = _json_document(data)
        if _is_envelope(document):
            yield from _unwrap_json(document, name, rejects, stats)
            return  # anything else that parses as JSON is read as lines (a JSON log line, say)
        if document is None and _ENVELOPE_HEAD.match(head):
            # An API envelope that does not parse (cut short, edited): say where, instead of
            # reading its pieces as text lines and finding no platform line in them.
            rejects.unreadable(name, None, _json_error(data),
                        bytes(head[:REJECT_TEXT_LIMIT]).decode("utf-8", "replace"))
            return
        stream, size = reading.Stream(io.BytesIO(data)), len(data)
        del document
    first = head.decode("utf-8", "replace").split("\n", 1)[0]
    if first.startswith(("@timestamp", "@message", '"@timestamp"', '"@message"')) or (
        "@message" in first and "," in first
    ):
        yield from _insights_csv(stream.read_all(limits.max_document_bytes), name, rejects, stats)
        return
    yield _text_input(stream, name, rejects, stats, limits, buffer, size)


def _stream_json(stream: reading.Stream, name: str, start: int, key: bytes, rejects: Rejects, stats: Stats,
                 limits: Limits, buffer: reading.LineBuffer) -> Iterator[Events]:
    """filter-log-events / get-log-events output or a subscription payload, its events array
    read a run at a time (:mod:`logparse.jsonstream`): only the events that may be platform lines
    are kept, the others counted as they are read."""
    frames: list[pl.DataFrame] = []
    counted: dict[str, int] = {}

    def parse(run: list, first: int) -> None:
        frame = _events_frame(run, None, None).with_columns(pl.col("line") + (first - 1))
        long = frame["message"].str.len_bytes() > limits.max_line_bytes
        if long.any():  # as a text line would be: a reject with its length
            for line, text in frame.filter(long).select("line", "message").iter_rows():
                rejects.unreadable(name, line,
                            f"event of {len(text.encode()):,} bytes, longer than the "
                            f"{size_text(limits.max_line_bytes)} limit (--max-line-bytes / Limits.max_line_bytes "
                            "raises it)", text, kind="too_long")
            frame = frame.filter(~long)
        kept, dropped = sifting.sift_events(frame)
        frames.append(kept)
        for kind, n in dropped.items():
            counted[kind] = counted.get(kind, 0) + n

    try:
        found = jsonstream.stream_events(stream, start, key, limits, buffer, parse)
    except (jsonstream.BrokenDocument, reading.InputTooLarge) as exc:
        rejects.unreadable(name, None, f"{exc}; kept the events before it")
        found = jsonstream.Found(key=key.strip(b'"').decode(), events=sum(counted.values()) +
                                 sum(frame.height for frame in frames))
    document = found.skeleton if isinstance(found.skeleton, dict) else {}
    if document.get("messageType") == "CONTROL_MESSAGE":
        stats.count("control_message", 1)
        return
    group = document.get("logGroupName", document.get("logGroup"))
    log_stream = document.get("logStreamName", document.get("logStream"))
    frame = pl.concat(frames) if len(frames) > 1 else frames[0] if frames else _events_frame([], None, None)
    del frames[:]
    frame = frame.with_columns(
        pl.col("log_group").fill_null(pl.lit(group if isinstance(group, str) else None, pl.String)),
        pl.col("log_stream").fill_null(pl.lit(log_stream if isinstance(log_stream, str) else None, pl.String)),
    )
    envelope = "subscription" if found.key == "logEvents" else "filter-log-events"
    yield Events(name, frame, envelope, found.events, counted)


def _json_lines(head: bytes) -> bool:
    """Whether the input is JSON lines (Lambda's JSON log format: read as text, line by line)
    rather than one document: its first line is a whole JSON value and another line follows."""
    first, _, rest = head.partition(b"\n")
    if not rest.strip():
        return False
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _text_input(stream: reading.Stream, name: str, rejects: Rejects, stats: Stats, limits: Limits,
                buffer: reading.LineBuffer, size: int | None) -> Events:
    """Text lines, with the stream an S3 export path names for lines that carry none."""
    pieces = reading.whole_lines(stream, limits, buffer, size_hint=size)
    events, count, counted = text_events(pieces, name, rejects, stats, limits)
    return Events(name, events, "text", count, counted).filled("log_stream", stream_from_export_path(name))


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


_ENVELOPE_HEAD = re.compile(rb'^[\[\s]*\{\s*"(events|logEvents|results|messageType|nextToken|searchedLogStreams)"\s*:')


def _json_error(data: bytes) -> str:
    """``not valid JSON at byte N (what orjson says)`` for a document that does not parse."""
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return f"not valid JSON at byte {exc.pos:,} ({exc.msg})"
    return "not valid JSON"


def _json_document(data: bytes) -> Any | None:
    """The whole blob as one JSON document, or None when it is JSON lines or not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


ENVELOPE_KEYS = {"events", "logEvents", "results", "messageType"}


def _is_envelope(document: Any) -> bool:
    """A CloudWatch API / subscription / Insights document (or a list of them, or of events).

    A single object needs an envelope key: one with only a ``message`` is an application's JSON
    log line (a file of one such line is text, read and counted line by line); ``message`` marks
    events only inside a list (a bare list of events)."""
    if isinstance(document, dict):
        return bool(ENVELOPE_KEYS & document.keys())
    return isinstance(document, list) and bool(document) and all(
        isinstance(d, dict) and (ENVELOPE_KEYS & d.keys() or "message" in d) for d in document[:5])


def _unwrap_json(document: Any, name: str, rejects: Rejects, stats: Stats) -> Iterator[Events]:
    """filter-log-events / get-log-events, subscription payloads, Logs Insights results."""
    documents = document if isinstance(document, list) else [document]
    if documents and all(isinstance(d, dict) and "message" in d for d in documents[:5]):
        documents = [{"events": documents}]  # a bare list of events
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if doc.get("messageType") == "CONTROL_MESSAGE":
            stats.count("control_message", 1)
            continue
        if "logEvents" in doc:
            yield Events(name, _events_frame(doc["logEvents"], doc.get("logGroup"), doc.get("logStream")),
                         "subscription")
        elif "events" in doc:
            yield Events(name, _events_frame(doc["events"], doc.get("logGroupName"), doc.get("logStreamName")),
                         "filter-log-events")
        elif "results" in doc:
            yield Events(name, _insights_rows(doc["results"]), "insights-json")
        else:
            rejects.unreadable(name, None, "JSON document is no known log envelope",
                        orjson.dumps(doc)[:REJECT_TEXT_LIMIT].decode())


EVENT_FIELDS = {"timestamp": pl.Int64, "message": pl.String, "logStreamName": pl.String}


def _events_frame(events: list[dict], log_group: str | None, log_stream: str | None) -> pl.DataFrame:
    """Events from a CloudWatch API response, in the order given (per-stream order is kept)."""
    if not isinstance(events, list):
        events = []
    try:
        raw = pl.DataFrame(events, schema=EVENT_FIELDS, strict=False) if events else pl.DataFrame(schema=EVENT_FIELDS)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        # odd values (wrong types, a timestamp beyond int64): slow path, timestamps as floats
        raw = pl.DataFrame([_clean_event(e) for e in events], schema={**EVENT_FIELDS, "timestamp": pl.Float64})
    return pl.DataFrame({
        "line": pl.int_range(1, raw.height + 1, eager=True, dtype=pl.Int64),
        # out-of-range times are clamped (never wrapped): the parser rejects those lines
        "timestamp": epoch_ms_time(raw["timestamp"]).cast(EVENT_SCHEMA["timestamp"]),
        "log_group": pl.repeat(log_group if isinstance(log_group, str) else None, raw.height, dtype=pl.String,
                               eager=True),
        "log_stream": raw["logStreamName"].fill_null(log_stream) if isinstance(log_stream, str)
        else raw["logStreamName"],
        # CloudWatch events end with a newline; the XRAY trailer, if any, stays inside.
        "message": raw["message"].fill_null("").str.strip_chars_end("\r\n"),
    })


def _clean_event(event: Any) -> dict[str, Any]:
    """One event with wrong-typed fields made null, so the rest of its file still reads."""
    event = event if isinstance(event, dict) else {}
    stamp, message, stream = event.get("timestamp"), event.get("message"), event.get("logStreamName")
    return {
        "timestamp": _float_or_none(stamp),
        "message": message if isinstance(message, str) else None,
        "logStreamName": stream if isinstance(stream, str) else None,
    }


def _float_or_none(stamp: Any) -> float | None:
    """An epoch-ms number as a float (an int beyond int64 too, made infinite beyond float); else None."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    try:
        return float(stamp)
    except OverflowError:
        return float("inf") if stamp > 0 else float("-inf")


def _insights_rows(results: list[list[dict]]) -> pl.DataFrame:
    """``get-query-results`` rows of ``{field, value}`` pairs into one record per row."""
    if not isinstance(results, list) or not results:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    # Bounded (a query returns at most 10,000 rows): a comprehension is clear and fast enough.
    records = [
        {"line": number, **{cell["field"]: cell.get("value") for cell in row
                            if isinstance(cell, dict) and isinstance(cell.get("field"), str)}}
        for number, row in enumerate(results, start=1) if isinstance(row, list)
    ]
    wide = pl.DataFrame(records, infer_schema_length=None).cast(
        {name: pl.String for name in {k for r in records for k in r} - {"line"}}, strict=False)
    return _insights_frame(wide)


def _insights_csv(data: bytes, name: str, rejects: Rejects, stats: Stats) -> Iterator[Events]:
    try:
        wide = pl.read_csv(io.BytesIO(data), infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True)
    except pl.exceptions.PolarsError as exc:
        rejects.unreadable(name, None, f"unreadable Logs Insights CSV: {str(exc).splitlines()[0]}")
        return
    wide = wide.with_columns(pl.int_range(2, wide.height + 2, dtype=pl.Int64).alias("line"))  # header is line 1
    yield Events(name, _insights_frame(wide), "insights-csv")


def _insights_frame(wide: pl.DataFrame) -> pl.DataFrame:
    """Logs Insights fields (`@timestamp`, `@message`, `@log`, `@logStream`) as events."""
    def column(field: str) -> pl.Expr:
        return pl.col(field).cast(pl.String) if field in wide.columns else pl.lit(None, pl.String)

    return wide.select(
        pl.col("line").cast(pl.Int64),
        parse_log_time(column("@timestamp")).alias("timestamp"),
        # @log is "<account>:<log group>"
        column("@log").str.replace(r"^\d+:", "").alias("log_group"),
        column("@logStream").alias("log_stream"),
        column("@message").fill_null("").alias("message"),
    )


def text_events(pieces: Iterable[reading.Span | reading.LongLine] | bytes, name: str = "<bytes>",
                rejects: Rejects | None = None, stats: Stats | None = None,
                limits: Limits = DEFAULT_LIMITS) -> tuple[pl.DataFrame, int, dict[str, int]]:
    """Lines of a text input, with a leading timestamp / stream name split off when the
    file is an S3 export (``<ISO> <message>``), ``aws logs tail`` (``<ISO> <stream> <message>``) or
    ``sam logs`` (``<stream> <ISO> <message>``) copy. One variant per file, chosen by sniffing
    its first 64 KiB.

    ``pieces`` are the input's whole lines a buffer at a time (:func:`reading.whole_lines`; bytes
    are read so too). Only the lines that may be platform lines become rows, copied out of the
    buffer and split into columns a buffer at a time; the rest are counted from their bytes
    (:mod:`logparse.sifting`). A line longer than the limit is a reject with its length. Returns
    the rows, the number of lines in the input, and the lines only counted, per kind."""
    if isinstance(pieces, bytes | bytearray):
        pieces = reading.whole_lines(reading.Stream(io.BytesIO(pieces)), limits, reading.LineBuffer(),
                                     size_hint=len(pieces))
    stats = Stats() if stats is None else stats
    rejects = Rejects(stats) if rejects is None else rejects
    variant, prefix = None, b""
    frames: list[pl.DataFrame] = []
    counted: dict[str, int] = {}
    row = 0
    for piece in pieces:
        if isinstance(piece, reading.LongLine):
            rejects.unreadable(name, row + 1,
                        f"line of {piece.length:,} bytes, longer than the {size_text(limits.max_line_bytes)} limit "
                        "(--max-line-bytes / Limits.max_line_bytes raises it)",
                        piece.start.decode("utf-8", "replace"), kind="too_long")
            row += 1
            continue
        first = row == 0 and piece.low == 0
        if variant is None:
            head = bytes(piece.buffer[piece.low:min(piece.high, piece.low + reading.HEAD)])
            head_index = lines.index_lines(head)
            sample = lines.strings(head_index, np.arange(min(len(head_index), SNIFF_LINES * 4)))
            variant = sniff_text_variant(sample)
            prefix = _stamp_shape(sample) if variant == "s3" else b""
        if variant == "plain" or prefix:
            visited = lines.visit_lines(piece.buffer, sifting.sifter(prefix), piece.low, piece.high, bom=first)
            picked, n_lines = sifting.gather(visited), visited.lines
        else:  # a terminal copy (tail, sam): every line taken
            index = lines.index_lines(piece.buffer, piece.low, piece.high, bom=first)
            rows = np.arange(len(index))
            picked, n_lines = sifting.Picked(rows, lines.strings(index, rows), None, {}), len(index)
        frame = pl.DataFrame({"line": pl.Series(picked.rows + row + 1, dtype=pl.Int64), "raw": picked.text})
        events = _split_prefix(frame, variant)
        if picked.codes is not None:
            events = events.with_columns(pl.Series("code", picked.codes, dtype=pl.UInt8))
        else:  # the prefix is off now: the application and END lines kept so far are only counted
            events, dropped = sifting.sift_events(events)
            _add_counts(counted, dropped)
        _add_counts(counted, picked.counted)
        frames.append(events)
        del frame, picked, events
        row += n_lines
    if not frames:
        return _split_prefix(pl.DataFrame({"line": [], "raw": []}, schema={"line": pl.Int64, "raw": pl.String}),
                             "plain"), row, counted
    return pl.concat(frames, how="diagonal_relaxed", rechunk=False) if len(frames) > 1 else frames[0], row, counted


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
        "tail": sample.str.contains(rf"^{iso} {stream} ").sum(),
        "sam": sample.str.contains(rf"^{stream} {iso} ").sum(),
        "s3": sample.str.contains(rf"^{iso} ").sum(),
    }
    votes["s3"] -= votes["tail"]
    best = max(votes, key=lambda k: votes[k])
    return best if votes[best] >= max(1, len(sample) // 4) else "plain"


def stream_from_export_path(name: str) -> str | None:
    """S3 export objects sit at ``<prefix>/<task>/<stream with / as ->/000000.gz``."""
    parent = Path(name).parent.name
    return parent if "[" in parent else None
