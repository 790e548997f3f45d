"""X-Ray trace documents as they arrive: the envelopes (``batch-get-traces`` responses, one
document per line, daemon payloads, JSON arrays) unwrapped into segment documents, each decoded
typed (msgspec) when it can be, else the tolerant way (orjson into dicts), and the nesting limit
checked before any decoder sees a document. :mod:`logparse.xray` walks what this yields.

The facts of the X-Ray format SnapLens relies on (origins, the ``Restore`` subsegment, the 10 s hook
limit) live here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
import numpy as np
import orjson
from msgspec import UNSET, UnsetType

FUNCTION_ORIGIN = "AWS::Lambda::Function"
SERVICE_ORIGIN = "AWS::Lambda"
RESTORE = "Restore"
# SnapStart: after-restore runtime hooks must finish within 10 s or the invoke fails with
# SnapStartTimeoutException (Lambda SnapStart runtime hooks docs).
HOOK_LIMIT_MS = 10_000.0


_BATCH_HEAD = re.compile(rb'^\s*[\[\s]*\{\s*"(Traces|UnprocessedTraceIds)"\s*:')
_TRACES_KEY = re.compile(rb'"Traces"\s*:\s*\[')
_TRACE_ID_KEY = re.compile(rb'"trace_id"\s*:\s*"')
_ID_KEY = re.compile(rb'[{,]\s*"id"\s*:\s*"')


def looks_like_xray(head: bytes) -> bool:
    """Cheap sniff of the first KB of decompressed data: is this X-Ray trace data?

    True for batch-get-traces JSON and for raw segment documents (one JSON object per line with
    top-level ``"trace_id"`` and ``"id"``, daemon header lines allowed). Log lines that merely
    mention a trace (``xray_trace_id``, ``Root=1-...``) do not match: the key must be exactly
    ``"trace_id"`` and appear unescaped, which a JSON-encoded log message cannot do.
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"{", b"[")):
        return False
    if _BATCH_HEAD.match(text) or (_TRACES_KEY.search(text) and b'"Document"' in text):
        return True  # batch-get-traces, whatever key a tool wrote first
    for line in text.split(b"\n", 8)[:8]:
        line = line.strip().lstrip(b"[").lstrip()
        if not line or _is_daemon_header(line):
            continue
        return bool(_TRACE_ID_KEY.search(line) and _ID_KEY.search(line))
    return False


# See the module docstring: documents nested deeper are one reject, before any decoder sees them.
MAX_NESTING = 128
TOO_DEEP = f"nested deeper than {MAX_NESTING} levels"
_OPEN, _CLOSE = np.array([ord("{"), ord("[")], np.uint8), np.array([ord("}"), ord("]")], np.uint8)


def _too_deep(raw: bytes | str) -> bool:
    """Is this JSON text nested deeper than :data:`MAX_NESTING`? Cheap for the usual document: it
    cannot be deeper than it has opening brackets, so only a document with more than the limit's
    worth is scanned exactly."""
    if isinstance(raw, str):
        if raw.count("{") + raw.count("[") <= MAX_NESTING:
            return False
        raw = raw.encode("utf-8", "surrogatepass")
    elif raw.count(b"{") + raw.count(b"[") <= MAX_NESTING:
        return False
    return json_depth(raw) > MAX_NESTING


def json_depth(raw: bytes) -> int:
    """How deep the objects and arrays of a JSON text nest (brackets inside strings do not count),
    vectorized: escaped backslashes and quotes are removed first, so every quote left opens or
    closes a string, and bytes after an even number of quotes are outside strings."""
    text = np.frombuffer(raw.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    outside = (np.cumsum(text == ord('"')) & 1) == 0
    step = np.isin(text, _OPEN).astype(np.int64) - np.isin(text, _CLOSE)
    step[~outside] = 0
    return int(np.cumsum(step).max(initial=0))


def _value_too_deep(value: Any) -> bool:
    """:func:`_too_deep` for a document that arrived already decoded (an object inside a JSON
    array or a single-document file): one pass per level, stopping past the limit."""
    level, current = 1, [value] if type(value) is dict or type(value) is list else []
    while current:
        if level > MAX_NESTING:
            return True
        below: list[Any] = []
        for item in current:
            children = item.values() if type(item) is dict else item
            below.extend(child for child in children if type(child) is dict or type(child) is list)
        current, level = below, level + 1
    return False


def _is_daemon_header(line: bytes) -> bool:
    return line.startswith(b"{") and b'"format"' in line and b'"version"' in line and len(line) < 64


# --------------------------------------------------------------------------------------------
# Typed documents: what the walker reads, decoded by msgspec straight into slotted objects (no
# dict per node, fields it does not read skipped, not built). Anything of an unexpected type
# fails the decode and the document takes the tolerant dict path below instead, so rejects and
# their reasons come from one place.


class _Aws(msgspec.Struct, gc=False):
    function_arn: str | None = None


class _Node(msgspec.Struct, gc=False):
    """A subsegment. Missing times decode as 0.0, which the walker's range test turns away."""

    id: str | None = None
    name: str | None = None
    start_time: float = 0.0
    end_time: float = 0.0
    error: bool = False
    fault: bool = False
    throttle: bool = False
    subsegments: list[_Node] | None = None


class Segment(msgspec.Struct, gc=False):
    """A segment document (a function segment, any other segment, or a subsegment sent alone)."""

    trace_id: str | None = None
    id: str | None = None
    origin: str | None = None
    type: str | None = None
    start_time: float = 0.0
    end_time: float = 0.0
    resource_arn: str | None = None
    aws: _Aws | None = None
    subsegments: list[_Node] | None = None
    # Only for telling a batch response on a line of its own from a document (left undecoded).
    Traces: msgspec.Raw | UnsetType = UNSET
    UnprocessedTraceIds: msgspec.Raw | UnsetType = UNSET


class _Entry(msgspec.Struct, gc=False):
    Document: str


class _Trace(msgspec.Struct, gc=False):
    Segments: list[_Entry]


class _Batch(msgspec.Struct, gc=False):
    Traces: list[_Trace] | UnsetType | None = UNSET


_SEGMENT = msgspec.json.Decoder(Segment)
_BATCH = msgspec.json.Decoder(_Batch)
_TRACES = msgspec.json.Decoder(list[_Trace] | None)
_UNTYPED = (msgspec.DecodeError, RecursionError)  # wrong type / bad JSON (deep ones never get here)


# --------------------------------------------------------------------------------------------
# Envelopes: yield (line, document, raw): a Segment (raw: its JSON, for the tolerant path), a
# decoded dict, a Bad (one reject) or DAEMON_HEADER (one skip).


def documents(data: bytes, typed: bool = True) -> Iterator[tuple[int, Any, Any]]:
    """Decode the envelope into segment documents, in input order. ``typed=False``: every document
    the tolerant way (the tests hold the typed path to it)."""
    if typed:
        try:
            traces = _BATCH.decode(data).Traces
        except _UNTYPED:
            traces = None
        if type(traces) is list:
            return _typed_batch(data, traces)
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _lines(data, typed)  # a document per line, or concatenated batch responses
    return _unwrap(whole, [0], None)


def _typed_batch(data: bytes, traces: list[_Trace], line: int | None = None
                 ) -> Iterator[tuple[int, Any, Any]]:
    """One batch-get-traces response (all of ``data``) decoded by msgspec: the same documents,
    numbers and rejects as :func:`_unwrap` would give for it. ``line``: the response's line when
    responses come one per line, else documents are numbered."""
    decode = _SEGMENT.decode
    number = 0
    whole = None
    for t, trace in enumerate(traces):
        for s, entry in enumerate(trace.Segments):
            number = line or number + 1
            raw = entry.Document
            if _too_deep(raw):
                yield number, Bad(TOO_DEEP, raw), None
                continue
            try:
                yield number, decode(raw), raw
                continue
            except _UNTYPED:
                pass
            try:
                document = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                document = Bad(f"invalid JSON ({exc})", raw)
            if type(document) is not dict and type(document) is not Bad:
                # Not an object: the reject shows the whole entry, which only the untyped
                # decode kept (same lists, same positions).
                if whole is None:
                    whole = orjson.loads(data)
                document = _decode(document, whole["Traces"][t]["Segments"][s])
            yield number, document, None


def _lines(data: bytes, typed: bool) -> Iterator[tuple[int, Any, Any]]:
    counter = [0]
    decode = _SEGMENT.decode
    for number, raw in enumerate(data.split(b"\n"), 1):
        line = raw.strip()
        if not line:
            continue
        # A batch response's documents are strings, each checked on its own (_typed_batch, _unwrap).
        if not _BATCH_HEAD.match(line) and _too_deep(line):
            yield number, Bad(TOO_DEEP, line), None
            continue
        if typed:
            try:
                doc = decode(line)
            except _UNTYPED:
                doc = None
            if doc is None:
                pass
            elif doc.Traces is UNSET and doc.UnprocessedTraceIds is UNSET:
                if doc.trace_id is not None and doc.id is not None:  # not a daemon header
                    yield number, doc, line
                    continue
            elif doc.Traces is not UNSET:  # a batch response on a line of its own
                try:
                    traces = _TRACES.decode(doc.Traces)
                except _UNTYPED:
                    traces = None
                if type(traces) is list:
                    yield from _typed_batch(line, traces, number)
                    continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            # A batch response holding a too-deep document as an object (not the usual string).
            yield number, Bad(TOO_DEEP if _too_deep(line) else f"invalid JSON ({exc})", line), None
            continue
        if isinstance(value, dict) and set(value) == {"format", "version"}:
            yield number, DAEMON_HEADER, None
            continue
        yield from _unwrap(value, counter, number)


def _unwrap(value: Any, counter: list[int], line: int | None) -> Iterator[tuple[int, Any, Any]]:
    """One decoded JSON value -> segment documents (batch responses, arrays, documents)."""
    if isinstance(value, dict) and ("Traces" in value or "UnprocessedTraceIds" in value):
        traces = value.get("Traces") or []
        if not isinstance(traces, list):
            counter[0] += 1
            yield line or counter[0], Bad("Traces is not a list", value), None
            return
        for trace in traces:
            segments = trace.get("Segments") if isinstance(trace, dict) else None
            if not isinstance(segments, list):
                counter[0] += 1
                yield line or counter[0], Bad("trace without a Segments list", trace), None
                continue
            for segment in segments:
                counter[0] += 1
                document = segment.get("Document") if type(segment) is dict else None
                if type(document) is str:
                    if _too_deep(document):
                        yield line or counter[0], Bad(TOO_DEEP, document), None
                        continue
                    try:
                        document = orjson.loads(document)
                    except orjson.JSONDecodeError as exc:
                        document = Bad(f"invalid JSON ({exc})", document)
                    if type(document) is dict or type(document) is Bad:
                        yield line or counter[0], document, None
                        continue
                yield line or counter[0], _decode(document, segment), None
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and ("Traces" in item or "UnprocessedTraceIds" in item):
                yield from _unwrap(item, counter, line)
            else:
                counter[0] += 1
                document = item.get("Document", item) if isinstance(item, dict) else item
                yield line or counter[0], _decode(document, item), None
    else:
        counter[0] += 1
        yield line or counter[0], _decode(value, value), None


def _decode(document: Any, context: Any) -> Any:
    """A Document string or object -> dict, or a Bad saying why not."""
    if isinstance(document, str):
        if _too_deep(document):
            return Bad(TOO_DEEP, document)
        try:
            document = orjson.loads(document)
        except orjson.JSONDecodeError as exc:
            return Bad(f"invalid JSON ({exc})", document)
    elif _value_too_deep(document):
        return Bad(TOO_DEEP, _shallow(document))
    if not isinstance(document, dict):
        return Bad("segment document is not a JSON object", context)
    return document


def _shallow(value: Any) -> Any:
    """The top level of a too-deep value, for its reject text (serializing all of it is what the
    limit is there to avoid)."""
    if type(value) is dict:
        return {k: v for k, v in value.items() if type(v) is not dict and type(v) is not list}
    return [v for v in value if type(v) is not dict and type(v) is not list] if type(value) is list else value


def untyped(raw: str | bytes) -> Any:
    """The dict of a document msgspec decoded but the walker wants read the tolerant way."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # not expected: msgspec read it
        return Bad(f"invalid JSON ({exc})", raw)
    return document if type(document) is dict else Bad("segment document is not a JSON object", raw)


class Bad:
    """An envelope entry that is not a usable document: becomes one reject."""

    __slots__ = ("reason", "value")

    def __init__(self, reason: str, value: Any) -> None:
        self.reason = reason
        self.value = value


DAEMON_HEADER = object()
