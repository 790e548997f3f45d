"""The document envelopes of CloudWatch events: ``filter-log-events`` / ``get-log-events`` output
(streamed a run of events at a time), subscription payloads, Logs Insights results (JSON and CSV),
each unwrapped into :class:`logparse.events.Events`. A document that cannot be read is one reject
naming where it breaks, never a traceback.
"""


from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import orjson
import polars as pl

from logparse import jsonstream, reading, sifting
from logparse.events import EVENT_SCHEMA, Events, Rejects
from logparse.reading import Limits, size_text
from logparse.tables import REJECT_TEXT_LIMIT, Stats
from logparse.timeutil import epoch_ms_time, parse_log_time


def stream_json(stream: reading.Stream, name: str, start: int, key: bytes, rejects: Rejects, stats: Stats,
                 limits: Limits, buffer: reading.LineBuffer) -> Iterator[Events]:
    """filter-log-events / get-log-events output or a subscription payload, its events array
    read a run at a time (:mod:`logparse.jsonstream`): only the events that may be platform lines
    are kept, the others counted as they are read."""
    frames: list[pl.DataFrame] = []
    counted: dict[str, int] = {}

    def parse(run: list[Any], first: int) -> None:
        frame = events_frame(run, None, None).with_columns(pl.col("line") + (first - 1))
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
    frame = pl.concat(frames) if len(frames) > 1 else frames[0] if frames else events_frame([], None, None)
    del frames[:]
    frame = frame.with_columns(
        pl.col("log_group").fill_null(pl.lit(group if isinstance(group, str) else None, pl.String)),
        pl.col("log_stream").fill_null(pl.lit(log_stream if isinstance(log_stream, str) else None, pl.String)),
    )
    envelope = "subscription" if found.key == "logEvents" else "filter-log-events"
    yield Events(name, frame, envelope, found.events, counted)


def json_lines(head: bytes) -> bool:
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


ENVELOPE_HEAD = re.compile(rb'^[\[\s]*\{\s*"(events|logEvents|results|messageType|nextToken|searchedLogStreams)"\s*:')


def json_error(data: bytes) -> str:
    """``not valid JSON at byte N (what orjson says)`` for a document that does not parse."""
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return f"not valid JSON at byte {exc.pos:,} ({exc.msg})"
    return "not valid JSON"


def json_document(data: bytes) -> Any | None:
    """The whole blob as one JSON document, or None when it is JSON lines or not JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


ENVELOPE_KEYS = {"events", "logEvents", "results", "messageType"}


def is_envelope(document: Any) -> bool:
    """A CloudWatch API / subscription / Insights document (or a list of them, or of events).

    A single object needs an envelope key: one with only a ``message`` is an application's JSON
    log line (a file of one such line is text, read and counted line by line); ``message`` marks
    events only inside a list (a bare list of events)."""
    if isinstance(document, dict):
        return bool(ENVELOPE_KEYS & document.keys())
    return isinstance(document, list) and bool(document) and all(
        isinstance(d, dict) and (ENVELOPE_KEYS & d.keys() or "message" in d) for d in document[:5])


def unwrap_json(document: Any, name: str, rejects: Rejects, stats: Stats) -> Iterator[Events]:
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
            yield Events(name, events_frame(doc["logEvents"], doc.get("logGroup"), doc.get("logStream")),
                         "subscription")
        elif "events" in doc:
            yield Events(name, events_frame(doc["events"], doc.get("logGroupName"), doc.get("logStreamName")),
                         "filter-log-events")
        elif "results" in doc:
            yield Events(name, _insights_rows(doc["results"]), "insights-json")
        else:
            rejects.unreadable(name, None, "JSON document is no known log envelope",
                        orjson.dumps(doc)[:REJECT_TEXT_LIMIT].decode())


EVENT_FIELDS = {"timestamp": pl.Int64, "message": pl.String, "logStreamName": pl.String}


def events_frame(events: Any, log_group: str | None, log_stream: str | None) -> pl.DataFrame:
    """Events from a CloudWatch API response (a list of event objects, whatever a file holds), in
    the order given (per-stream order is kept)."""
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


def _insights_rows(results: Any) -> pl.DataFrame:
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


def insights_csv(data: bytes, name: str, rejects: Rejects, stats: Stats) -> Iterator[Events]:
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
