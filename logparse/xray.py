"""X-Ray trace documents -> the ``spans`` table, its join to ``invocations``, and hook analysis.

Why X-Ray at all: a REPORT line says how long a restore took, but only the X-Ray ``Restore``
subsegment of the ``AWS::Lambda::Function`` segment shows the restore on a timeline, and only
user-instrumented subsegments under it show what the after-restore hooks did.

Inputs (already decompressed by ``sources.py``):

- ``aws xray batch-get-traces`` output: ``{"Traces": [{"Segments": [{"Id", "Document"}]}]}`` where
  ``Document`` is a JSON *string*; several responses may be concatenated one per line.
- Raw segment documents, one JSON object per line, as given to ``put-trace-segments`` or sent to the
  X-Ray daemon, whose UDP payloads start with a ``{"format": "json", "version": 1}`` header line.
- A JSON array of either (documents as objects or as strings).

Accounting (``records_read``): every record ends up as exactly one span, one reject or one skip.

- one **span** per subsegment (nested up to the limit below, or sent separately with ``"type":
  "subsegment"``) that belongs to a Lambda function segment and is well formed;
- one **reject** per malformed subsegment, malformed function segment, undecodable document or
  broken envelope entry (bad JSON, missing times, end before start, in progress, duplicate id,
  cycle in parent ids, nested deeper than the limit);
- one **skip** per document that is not a Lambda function segment (its nested subsegments are not
  looked at and not counted), per function segment itself (a container: its subsegments are the
  spans), per in-progress document superseded by the complete one with the same id (X-Ray's own
  rule), per separately sent subsegment whose parent is not under a Lambda function segment, and
  per daemon header line. Blank lines are not records.

``parse_counted`` returns the same plus that breakdown by kind, for ``Stats.kinds``.

Nesting limit (``MAX_NESTING``, 128 levels of JSON objects and arrays, i.e. about 63 levels of
subsegments): a document nested deeper is one reject, ``nested deeper than 128 levels``, and none
of its subsegments are read. Why a limit of our own: every JSON decoder has one (orjson 3.13 stops
at 1024 levels, msgspec and the standard library at Python's recursion limit, near 1000, less on a
deep call stack; older orjson had none), so without ours the same document would be read or lost
depending on the installed release and on which path took it. Ours is checked before any decoder
sees a document (a count of brackets, then an exact string-aware scan for the rare document with
more than 128 brackets), far below every decoder's limit, so both paths read every document up to
it in full and reject every document beyond it with the same reason. Real traces nest a few
levels; a segment document is at most 64 KB.

Speed (benchmarks/bench_xray.py, 100,000 traces of ~5 subsegments, 198 MB): decoding the JSON was
half the time, so msgspec decodes the batch envelope and each document straight into typed
``msgspec.Struct`` objects (``_Segment``/``_Node``): no dict per node, and the fields the walk does
not read are skipped, not built. A document whose fields are not of the expected types fails
that decode and is read the tolerant way, by orjson into dicts,
as is every document the typed walk finds anything unusual in (a reject, a duplicate, a
subsegment sent alone, an owner known only from the log group): one code path decides rejects
and their reasons, and the typed one only ever takes documents that path would read without a
remark (tests check both give the same tables). The garbage collector is paused meanwhile (it
otherwise rescans the growing heap of decoded objects); the walk is one flat loop appending to
one flat list; the columns are built by pyarrow/numpy, and the join is Arrow hash lookups. Tried
and not taken: pyarrow/polars JSON readers (no recursive schema for "any depth", and no cheaper in
CPU here than orjson plus the walk).
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from msgspec import UNSET, UnsetType

from logparse.tables import REJECT_TEXT_LIMIT, REJECTS, SPANS, TEXT, conform, empty

FUNCTION_ORIGIN = "AWS::Lambda::Function"
SERVICE_ORIGIN = "AWS::Lambda"
RESTORE = "Restore"
# SnapStart: after-restore runtime hooks must finish within 10 s or the invoke fails with
# SnapStartTimeoutException (Lambda SnapStart runtime hooks docs).
HOOK_LIMIT_MS = 10_000.0
# datetime64[ns] ends in April 2262 (9.22e9 s); anything outside (0, that) is not a real X-Ray time.
_MAX_EPOCH_S = 9.2e9
_NUMBER = (float, int)  # ``type(x) in _NUMBER`` also rules out bool, which ``isinstance`` lets in
_WIDTH = 6  # values stored per span by the walker

# Kinds reported by parse_counted; all but "xray_span" and "xray_reject" are skips.
SPAN, REJECT = "xray_span", "xray_reject"
OTHER_SEGMENT, FUNCTION_SEGMENT = "xray_other_segment", "xray_function_segment"
SUPERSEDED, HEADER, ORPHAN = "xray_superseded", "xray_header", "xray_orphan_subsegment"

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
    if type(raw) is str:
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
        below = []
        for item in current:
            children = item.values() if type(item) is dict else item
            below.extend(child for child in children if type(child) is dict or type(child) is list)
        current, level = below, level + 1
    return False


def _is_daemon_header(line: bytes) -> bool:
    return line.startswith(b"{") and b'"format"' in line and b'"version"' in line and len(line) < 64


@dataclass
class XrayParse:
    """Everything one parse produced: the two tables, the record count and its breakdown."""

    spans: pd.DataFrame
    rejects: pd.DataFrame
    records_read: int
    kinds: dict[str, int] = field(default_factory=dict)


def parse(data: bytes, source: str) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Parse X-Ray trace data into (spans, rejects, records_read); never raises on bad data.

    ``records_read == len(spans) + len(rejects) + skipped`` (see the module docstring for what
    a record is). Reject ``line`` is the physical line for line-per-document input and the
    1-based document number for batch-get-traces JSON.
    """
    result = parse_counted(data, source)
    return result.spans, result.rejects, result.records_read


def parse_counted(data: bytes, source: str) -> XrayParse:
    """Like :func:`parse`, plus the per-kind record counts (``xray_span``, ``xray_reject``, ...)."""
    walker = _Walker(source)
    with _no_gc():
        walker.run(_documents(data))
        return walker.result()


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while documents are decoded: the millions of small
    objects the decoders create make it rescan the growing heap over and over, and decoded JSON
    holds no reference cycles for it to find."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


class _Segment(msgspec.Struct, gc=False):
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


_SEGMENT = msgspec.json.Decoder(_Segment)
_BATCH = msgspec.json.Decoder(_Batch)
_TRACES = msgspec.json.Decoder(list[_Trace] | None)
_UNTYPED = (msgspec.DecodeError, RecursionError)  # wrong type / bad JSON (deep ones never get here)
_TYPED = True  # the tests switch it off to check both paths give the same tables


# --------------------------------------------------------------------------------------------
# Envelopes: yield (line, document, raw): a _Segment (raw: its JSON, for the tolerant path), a
# decoded dict, a _Bad (one reject) or _HEADER (one skip).


def _documents(data: bytes) -> Iterator[tuple[int, Any, Any]]:
    """Decode the envelope into segment documents, in input order."""
    if _TYPED:
        try:
            traces = _BATCH.decode(data).Traces
        except _UNTYPED:
            traces = None
        if type(traces) is list:
            return _typed_batch(data, traces)
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _lines(data)  # a document per line, or concatenated batch responses
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
                yield number, _Bad(TOO_DEEP, raw), None
                continue
            try:
                yield number, decode(raw), raw
                continue
            except _UNTYPED:
                pass
            try:
                document = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                document = _Bad(f"invalid JSON ({exc})", raw)
            if type(document) is not dict and type(document) is not _Bad:
                # Not an object: the reject shows the whole entry, which only the untyped
                # decode kept (same lists, same positions).
                if whole is None:
                    whole = orjson.loads(data)
                document = _decode(document, whole["Traces"][t]["Segments"][s])
            yield number, document, None


def _lines(data: bytes) -> Iterator[tuple[int, Any, Any]]:
    counter = [0]
    decode = _SEGMENT.decode
    for number, raw in enumerate(data.split(b"\n"), 1):
        line = raw.strip()
        if not line:
            continue
        # A batch response's documents are strings, each checked on its own (_typed_batch, _unwrap).
        if not _BATCH_HEAD.match(line) and _too_deep(line):
            yield number, _Bad(TOO_DEEP, line), None
            continue
        if _TYPED:
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
            yield number, _Bad(TOO_DEEP if _too_deep(line) else f"invalid JSON ({exc})", line), None
            continue
        if isinstance(value, dict) and set(value) == {"format", "version"}:
            yield number, _HEADER, None
            continue
        yield from _unwrap(value, counter, number)


def _unwrap(value: Any, counter: list[int], line: int | None) -> Iterator[tuple[int, Any, Any]]:
    """One decoded JSON value -> segment documents (batch responses, arrays, documents)."""
    if isinstance(value, dict) and ("Traces" in value or "UnprocessedTraceIds" in value):
        traces = value.get("Traces") or []
        if not isinstance(traces, list):
            counter[0] += 1
            yield line or counter[0], _Bad("Traces is not a list", value), None
            return
        for trace in traces:
            segments = trace.get("Segments") if isinstance(trace, dict) else None
            if not isinstance(segments, list):
                counter[0] += 1
                yield line or counter[0], _Bad("trace without a Segments list", trace), None
                continue
            for segment in segments:
                counter[0] += 1
                document = segment.get("Document") if type(segment) is dict else None
                if type(document) is str:
                    if _too_deep(document):
                        yield line or counter[0], _Bad(TOO_DEEP, document), None
                        continue
                    try:
                        document = orjson.loads(document)
                    except orjson.JSONDecodeError as exc:
                        document = _Bad(f"invalid JSON ({exc})", document)
                    if type(document) is dict or type(document) is _Bad:
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
    """A Document string or object -> dict, or a _Bad saying why not."""
    if isinstance(document, str):
        if _too_deep(document):
            return _Bad(TOO_DEEP, document)
        try:
            document = orjson.loads(document)
        except orjson.JSONDecodeError as exc:
            return _Bad(f"invalid JSON ({exc})", document)
    elif _value_too_deep(document):
        return _Bad(TOO_DEEP, _shallow(document))
    if not isinstance(document, dict):
        return _Bad("segment document is not a JSON object", context)
    return document


def _shallow(value: Any) -> Any:
    """The top level of a too-deep value, for its reject text (serializing all of it is what the
    limit is there to avoid)."""
    if type(value) is dict:
        return {k: v for k, v in value.items() if type(v) is not dict and type(v) is not list}
    return [v for v in value if type(v) is not dict and type(v) is not list] if type(value) is list else value


def _untyped(raw: str | bytes) -> Any:
    """The dict of a document msgspec decoded but the walker wants read the tolerant way."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:  # not expected: msgspec read it
        return _Bad(f"invalid JSON ({exc})", raw)
    return document if type(document) is dict else _Bad("segment document is not a JSON object", raw)


class _Bad:
    """An envelope entry that is not a usable document: becomes one reject."""

    __slots__ = ("reason", "value")

    def __init__(self, reason: str, value: Any) -> None:
        self.reason = reason
        self.value = value


_HEADER = object()


# --------------------------------------------------------------------------------------------
# The walker: documents -> column lists.


def _check_times(node: dict) -> str | None:
    """Why a segment/subsegment's times are unusable, or None if they are fine."""
    start = node.get("start_time")
    end = node.get("end_time")
    if type(start) not in _NUMBER:
        return "missing start_time" if start is None else "start_time is not a number"
    if end is None:
        return "in progress: no end_time" if node.get("in_progress") is True else "missing end_time"
    if type(end) not in _NUMBER:
        return "end_time is not a number"
    if not (0 < start < _MAX_EPOCH_S and 0 < end < _MAX_EPOCH_S):
        return "time out of range"
    if end < start:
        return "end_time before start_time"
    return None


_ARNS: dict[str, tuple[str | None, str | None]] = {}


def _function_version(arn: Any) -> tuple[str | None, str | None]:
    """Cached :func:`_parse_arn`: a trace set names a handful of functions thousands of times."""
    if type(arn) is not str:
        return None, None
    found = _ARNS.get(arn)
    if found is None:
        if len(_ARNS) > 10_000:
            _ARNS.clear()
        found = _ARNS[arn] = _parse_arn(arn)
    return found


def _parse_arn(arn: str) -> tuple[str | None, str | None]:
    """``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`` -> (name, version).

    The version is the qualifier when it is ``$LATEST`` or a number; an alias or no qualifier
    says nothing about the version, so it stays missing.
    """
    parts = arn.split(":")
    if len(parts) < 7 or parts[5] != "function":
        return None, None
    qualifier = parts[7] if len(parts) > 7 else ""
    version = qualifier if qualifier == "$LATEST" or qualifier.isdigit() else None
    return parts[6] or None, version


def _owner(segment: dict) -> tuple[str | None, str | None]:
    """Function name and version of a function segment, from the best field present."""
    aws = segment.get("aws")
    aws = aws if isinstance(aws, dict) else {}
    name, version = _function_version(aws.get("function_arn"))
    if name is None:
        name, version = _function_version(segment.get("resource_arn"))
    if name is None:
        # Newer Lambda traces name the log group instead of the ARN.
        groups = aws.get("cloudwatch_logs")
        group = groups[0].get("log_group") if isinstance(groups, list) and groups and isinstance(
            groups[0], dict) else None
        if isinstance(group, str) and group.startswith("/aws/lambda/"):
            name = group.removeprefix("/aws/lambda/")
    if name is None and isinstance(segment.get("name"), str):
        name = segment["name"]
    return name, version


def _doc_key(doc: dict) -> tuple[str, str] | None:
    """(trace_id, id) of a document, or None when either is not a string (JSON can put a list
    there, which could not even be a dict key)."""
    trace, sid = doc.get("trace_id"), doc.get("id")
    return (trace, sid) if type(trace) is str and type(sid) is str else None


def _flags(node: dict) -> int:
    """error | fault << 1 | throttle << 2, as stored per span until the columns are built."""
    return ((node.get("error") is True) | (node.get("fault") is True) << 1
            | (node.get("throttle") is True) << 2)


def _text(value: Any) -> str:
    """The reject text: the offending JSON without its (separately counted) children."""
    if isinstance(value, dict) and "subsegments" in value:
        value = {k: v for k, v in value.items() if k != "subsegments"}
    if isinstance(value, bytes | bytearray):
        return bytes(value[: REJECT_TEXT_LIMIT * 4]).decode("utf-8", "replace")[:REJECT_TEXT_LIMIT]
    if isinstance(value, str):
        return value[:REJECT_TEXT_LIMIT]
    try:
        return orjson.dumps(value)[: REJECT_TEXT_LIMIT * 4].decode("utf-8", "replace")[:REJECT_TEXT_LIMIT]
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)[:REJECT_TEXT_LIMIT]


class _Walker:
    """Flattens function segments into column lists, breadth first with a growing queue (no
    recursion, so any depth works). Per span it stores six values in one flat list; what is
    constant per document (trace, function, version, line) is stored once per walk with a count
    and repeated, vectorized, when the table is built."""

    def __init__(self, source: str) -> None:
        self.source = source
        # Per span, flat: id, parent, name, start, end, flags (one list.extend per span and six
        # strided slices at the end beat a tuple per span and zip(*rows) four to one).
        self.rows: list[Any] = []
        self.walks: list[tuple] = []  # (trace, function, version, line, spans added) per walk
        self.rejects: list[tuple[int | None, str, str]] = []
        self.kinds: dict[str, int] = defaultdict(int)
        self.function_segments = 0  # the hot counter, kept out of the dict
        self.service_arns: list[tuple[Any, Any]] = []  # (trace id, resource_arn) of service segments
        self.service_versions: dict[tuple[str, str], str] = {}  # (trace, function) -> version
        # (trace, id) -> (function, version) of each function segment, for duplicates and parents.
        self.segment_keys: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        # Ids of rejected subsegments, which can still be parents of separately sent ones.
        self.rejected_ids: list[tuple[str, str, str | None, str | None]] = []
        # (trace, id) -> (function, version) of every node under a function segment; built only
        # when separately sent subsegments need their parents found. new_keys: added since last look.
        self.index: dict[tuple[str, str], tuple[str | None, str | None]] | None = None
        self.new_keys: list[tuple[str, str]] = []

    # -- driver ------------------------------------------------------------------------------
    def run(self, documents: Iterator[tuple[int, Any, Any]]) -> None:
        """One streaming pass: each function segment is walked as soon as it is decoded, so the
        decoded document is freed while still in cache. Held back: in-progress function segments
        (the complete one may come later and wins) and separately sent subsegments (their
        parents may come later)."""
        waiting_in_progress: list[tuple[int, dict]] = []
        loose: list[tuple[int, dict]] = []
        service_arns = self.service_arns
        others = 0
        for line, doc, raw in documents:
            if type(doc) is _Segment:
                origin = doc.origin
                if origin == FUNCTION_ORIGIN:
                    if self.walk_typed(line, doc):
                        continue
                elif doc.type != "subsegment":
                    if origin == SERVICE_ORIGIN:
                        service_arns.append((doc.trace_id, doc.resource_arn))
                    others += 1
                    continue
                doc = _untyped(raw)  # anything unusual: the tolerant path decides
            if doc is _HEADER:
                self.kinds[HEADER] += 1
            elif type(doc) is _Bad:
                self.reject(line, doc.reason, doc.value)
            else:
                origin = doc.get("origin")
                if origin == FUNCTION_ORIGIN:
                    if "end_time" in doc:
                        self.walk_function(line, doc)
                    else:
                        waiting_in_progress.append((line, doc))
                elif doc.get("type") == "subsegment":
                    loose.append((line, doc))
                else:
                    if origin == SERVICE_ORIGIN:
                        # Its ARN may give the version of a function segment whose ARN is
                        # unqualified: read only if one is (see fill_versions).
                        service_arns.append((doc.get("trace_id"), doc.get("resource_arn")))
                    others += 1
        self.kinds[OTHER_SEGMENT] += others
        for line, doc in waiting_in_progress:
            if _doc_key(doc) in self.segment_keys:
                self.kinds[SUPERSEDED] += 1  # X-Ray keeps the complete document
            else:
                self.walk_function(line, doc)
        if self.service_arns and (any(version is None for _, _, version, _, _ in self.walks)
                                  or any(version is None for _, version in self.segment_keys.values())):
            self.fill_versions()
        if loose:
            self.attach(loose)

    def fill_versions(self) -> None:
        """Function segments with an unqualified ARN take the version their trace's Lambda service
        segment names (documents come in any order, so this runs after the pass)."""
        known: dict[tuple[str, str], str] = {}
        for trace, arn in self.service_arns:
            name, version = _function_version(arn)
            if name and version and type(trace) is str:
                known[(trace, name)] = version
        self.service_versions = known
        self.walks = [
            (trace, function, known.get((trace, function)) if version is None else version, line, n)
            for trace, function, version, line, n in self.walks
        ]
        for key, (function, version) in self.segment_keys.items():
            if version is None:
                self.segment_keys[key] = (function, known.get((key[0], function)))

    def reject(self, line: int | None, reason: str, value: Any) -> None:
        self.rejects.append((line, reason, _text(value)))
        self.kinds[REJECT] += 1

    # -- function segments ---------------------------------------------------------------------
    def walk_function(self, line: int, segment: dict) -> None:
        """One function segment: the segment itself is a skip (or a reject if malformed), its
        subsegments are walked either way, since a span can be fine under a broken parent."""
        trace, sid = segment.get("trace_id"), segment.get("id")
        if type(trace) is not str or type(sid) is not str or not trace or not sid:
            self.reject(line, "function segment without trace_id or id", segment)
            return
        key = (trace, sid)
        duplicate = key in self.segment_keys
        start, end = segment.get("start_time"), segment.get("end_time")
        if (type(start) is float and type(end) is float and 0.0 < start <= end < _MAX_EPOCH_S
                and not duplicate):
            self.function_segments += 1
        else:
            # A resent document repeats everything in it: its subsegments are duplicates too.
            problem = "duplicate id in trace" if duplicate else _check_times(segment)
            if problem:
                self.reject(line, f"function segment: {problem}", segment)
            else:
                self.function_segments += 1
        aws = segment.get("aws")
        arn = aws.get("function_arn") if type(aws) is dict else None
        owner = _ARNS.get(arn) if type(arn) is str else None  # the usual case, inlined
        function, version = owner if owner is not None and owner[0] is not None else _owner(segment)
        self.segment_keys[key] = (function, version)
        children = segment.get("subsegments")
        if type(children) is list:
            self.walk(line, trace, function, version, [(children, sid)], {sid}, duplicate)
        elif children is not None:
            self.reject(line, "subsegments is not a list", segment)

    def walk_typed(self, line: int, segment: _Segment) -> bool:
        """The usual function segment, decoded by msgspec: well formed, new, every subsegment a
        span. True if it was walked; False, with nothing recorded, for anything else (a reject,
        a duplicate, an owner only the log group or name gives), which :meth:`walk_function`
        then reads from the dict. Same spans, same order as :meth:`walk` would give."""
        trace, sid = segment.trace_id, segment.id
        start, end = segment.start_time, segment.end_time
        if not trace or not sid or not 0.0 < start <= end < _MAX_EPOCH_S:
            return False
        key = (trace, sid)
        if key in self.segment_keys:
            return False
        aws = segment.aws
        arn = aws.function_arn if aws is not None else None
        owner = _ARNS.get(arn) if arn is not None else None
        if owner is None or owner[0] is None:
            owner = _function_version(arn)
            if owner[0] is None:
                owner = _function_version(segment.resource_arn)
                if owner[0] is None:
                    return False
        rows = self.rows
        before = len(rows)
        children = segment.subsegments
        if children:
            extend = rows.extend
            seen = {sid}
            queue = [(children, sid)]
            for nodes, parent in queue:
                for node in nodes:
                    nid, name, start, end = node.id, node.name, node.start_time, node.end_time
                    if nid and name is not None and 0.0 < start <= end < _MAX_EPOCH_S and nid not in seen:
                        seen.add(nid)
                        extend((nid, parent, name, start, end,
                                node.error | node.fault << 1 | node.throttle << 2))
                        if node.subsegments is not None:
                            queue.append((node.subsegments, nid))
                    else:
                        del rows[before:]
                        return False
        function, version = owner
        self.segment_keys[key] = owner
        self.function_segments += 1
        if len(rows) > before:
            self.walks.append((trace, function, version, line, (len(rows) - before) // _WIDTH))
        return True

    def walk(self, line: int, trace: str, function: str | None, version: str | None,
             queue: list[tuple[list, str | None]], seen: set[str], duplicate: bool = False) -> None:
        """Breadth first over one document: ``queue`` holds (list of subsegments, their parent's
        id) and grows while it is read, so there is no recursion and any depth works. Every node
        becomes one span or one reject.

        ``seen`` holds the ids met so far in this document: a repeat is a reject, since parent
        links and the join would be ambiguous. (Ids repeated across two different documents of
        one trace are caught only for separately sent subsegments; X-Ray ids are random 64-bit.)

        The loop is the hot path (half a million nodes for 100,000 traces): subscripts and ``in``
        instead of ``dict.get`` calls, one chained test, and everything unusual handed to
        :meth:`visit_slowly`.
        """
        rows, index = self.rows, self.index
        extend = rows.extend
        before = len(rows)
        for nodes, parent in queue:
            for node in nodes:
                try:
                    sid, name, start, end = node["id"], node["name"], node["start_time"], node["end_time"]
                except (KeyError, TypeError):  # a key missing, or not an object at all
                    sid = self.visit_slowly(line, trace, function, version, node, parent, seen, duplicate)
                else:
                    if (type(start) is float and type(end) is float and 0.0 < start <= end < _MAX_EPOCH_S
                            and type(sid) is str and type(name) is str and sid and sid not in seen
                            and not duplicate and index is None):
                        seen.add(sid)
                        extend((sid, parent, name, start, end,
                                ("error" in node and node["error"] is True)
                                | ("fault" in node and node["fault"] is True) << 1
                                | ("throttle" in node and node["throttle"] is True) << 2))
                    else:
                        sid = self.visit_slowly(line, trace, function, version, node, parent, seen,
                                                duplicate)
                if type(node) is dict and "subsegments" in node:
                    children = node["subsegments"]
                    if type(children) is list:
                        queue.append((children, sid))
                    elif children is not None:
                        self.reject(line, "subsegments is not a list", node)
        if len(rows) > before:
            self.walks.append((trace, function, version, line, (len(rows) - before) // _WIDTH))

    def visit_slowly(self, line: int, trace: str, function: str | None, version: str | None,
                     node: Any, parent: str | None, seen: set[str], duplicate: bool) -> str | None:
        """The careful path for one node: a span if it is fine after all (integer times, or a
        separately sent subsegment whose id must also be new to the trace), else a reject with
        its reason. Returns the id its children hang from."""
        if type(node) is not dict:
            self.reject(line, "subsegment is not a JSON object", node)
            return None
        sid, name = node.get("id"), node.get("name")
        if type(sid) is not str or not sid:
            self.reject(line, "subsegment without id", node)
            return None
        if duplicate or sid in seen or (self.index is not None and (trace, sid) in self.index):
            problem: str | None = "duplicate id in trace"
        elif type(name) is not str:
            problem = "subsegment without name"
        else:
            problem = _check_times(node)
        seen.add(sid)
        if self.index is not None:
            self.index[(trace, sid)] = (function, version)
            self.new_keys.append((trace, sid))
        if problem is None:
            self.rows.extend((sid, parent, name, node["start_time"], node["end_time"], _flags(node)))
        else:
            self.reject(line, problem, node)
            if self.index is None:
                self.rejected_ids.append((trace, sid, function, version))
        return sid

    # -- separately sent subsegments -------------------------------------------------------------
    def build_index(self) -> dict[tuple[str, str], tuple[str | None, str | None]]:
        """Every id under a function segment -> its (function, version), from what the pass kept:
        only needed, and only built, when separately sent subsegments need their parents."""
        index = dict(self.segment_keys)
        known = self.service_versions
        for trace, sid, function, version in self.rejected_ids:
            index[(trace, sid)] = (function, version or known.get((trace, function)))
        ids, position = self.rows[0::_WIDTH], 0
        for trace, function, version, _, count in self.walks:
            for sid in ids[position:position + count]:
                index[(trace, sid)] = (function, version)
            position += count
        return index

    def attach(self, loose: list[tuple[int, dict]]) -> None:
        """Hang separately sent subsegments under their parents, breadth first from the function
        segments, so a chain of them resolves in one pass; what is left either loops (a cycle in
        parent ids: rejected) or hangs off something that is not a Lambda function (skipped)."""
        self.index = self.build_index()
        complete = {_doc_key(d) for _, d in loose if "end_time" in d} - {None}
        waiting: dict[tuple[Any, Any], list[tuple[int, dict]]] = defaultdict(list)
        for line, doc in loose:
            if "end_time" not in doc and _doc_key(doc) in complete:
                self.kinds[SUPERSEDED] += 1
                continue
            trace = doc.get("trace_id")
            if type(trace) is not str or type(doc.get("parent_id")) is not str:
                self.reject(line, "subsegment document without trace_id or parent_id", doc)
                continue
            waiting[(trace, doc["parent_id"])].append((line, doc))
        ready = [key for key in waiting if key in self.index]
        while ready:
            key = ready.pop()
            for line, doc in waiting.pop(key, ()):
                function, version = self.index[key]
                self.new_keys.clear()
                self.walk(line, key[0], function, version, [([doc], key[1])], set())
                ready.extend(k for k in self.new_keys if k in waiting)
        self.leftovers(waiting)

    def leftovers(self, waiting: dict[tuple[Any, Any], list[tuple[int, dict]]]) -> None:
        """Unattached subsegment documents: on or behind a parent-id cycle -> reject; else skip."""
        parent_of: dict[tuple[str, str], tuple[str, str]] = {}
        for key, docs in waiting.items():
            for _, doc in docs:
                own = _doc_key(doc)
                if own is not None:  # without a string id nothing can point at it
                    parent_of[own] = key
        # Follow each chain once: every node gets the verdict of where its chain ends (True: it
        # closes a loop, so the node is on or behind a cycle; False: it leads out of the set).
        cyclic: dict[tuple[Any, Any], bool] = {}
        for start in parent_of:
            path: list[tuple[Any, Any]] = []
            on_path: set[tuple[Any, Any]] = set()
            node = start
            while node in parent_of and node not in cyclic and node not in on_path:
                path.append(node)
                on_path.add(node)
                node = parent_of[node]
            verdict = cyclic.get(node, node in on_path)
            for step in path:
                cyclic[step] = verdict
        for docs in waiting.values():
            for line, doc in docs:
                if cyclic.get(_doc_key(doc)):
                    self.reject(line, "cycle in parent ids", doc)
                else:
                    self.kinds[ORPHAN] += 1

    # -- output ------------------------------------------------------------------------------
    def result(self) -> XrayParse:
        spans = self.spans_frame()
        self.kinds[SPAN] = len(spans)
        self.kinds[FUNCTION_SEGMENT] += self.function_segments
        if self.rejects:
            # Input order, whatever pass found the problem.
            self.rejects.sort(key=lambda reject: reject[0] if reject[0] is not None else 0)
            frame = pd.DataFrame(self.rejects, columns=["line", "reason", "text"])
            rejects = conform(frame.assign(source=self.source), REJECTS)
        else:
            rejects = empty(REJECTS)
        kinds = {k: v for k, v in sorted(self.kinds.items()) if v}
        return XrayParse(spans, rejects, sum(kinds.values()), kinds)

    def spans_frame(self) -> pd.DataFrame:
        """Column lists -> the typed spans table, without a Python loop over rows."""
        if not self.rows:
            return empty(SPANS)
        rows = self.rows
        sid, parent, name, start, end, flags = (rows[i::_WIDTH] for i in range(_WIDTH))
        trace, function, version, _, counts = zip(*self.walks, strict=True)
        # Index of each span's walk: constant per-document columns are taken, not rebuilt.
        repeat = np.repeat(np.arange(len(counts)), counts)
        start_s = np.fromiter(start, dtype=np.float64, count=len(start))
        end_s = np.fromiter(end, dtype=np.float64, count=len(end))
        bits = np.fromiter(flags, dtype=np.int8, count=len(flags))
        return pd.DataFrame({
            "trace_id": _strings(trace, repeat),
            "segment_id": _strings(sid),
            "parent_id": _strings(parent),
            "function": _strings(function, repeat),
            "version": _strings(version, repeat),
            "name": _strings(name),
            "start": _utc(start_s),
            "end": _utc(end_s),
            # Microsecond resolution: X-Ray times are accurate to the microsecond at best, and
            # rounding keeps float noise out of golden files.
            "duration_ms": pd.array(np.round((end_s - start_s) * 1000.0, 3), dtype="Float64"),
            "error": pd.array(bits & 1 > 0, dtype="boolean"),
            "fault": pd.array(bits & 2 > 0, dtype="boolean"),
            "throttle": pd.array(bits & 4 > 0, dtype="boolean"),
            "source": _strings((self.source,), np.zeros(len(start_s), dtype=np.int64)),
        })


def _strings(values: Sequence[str | None], take: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """Python strings (or None) -> the ``string`` dtype via one pyarrow array, optionally
    repeated by index (much cheaper than pandas validating each element)."""
    array = pa.array(values, type=pa.string())
    if take is not None:
        array = array.take(take)
    return pd.array(array, dtype=TEXT)


def _utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds -> UTC timestamps, rounded to the microsecond (float seconds near 1.7e9
    carry ~0.2 us of noise)."""
    micros = np.round(seconds * 1e6).astype(np.int64)
    return pd.DatetimeIndex((micros * 1000).view("datetime64[ns]")).tz_localize("UTC")


# --------------------------------------------------------------------------------------------
# The join to invocations and the after-restore hook analysis.


def _arrow(values: pd.Series | pd.Index | np.ndarray) -> pa.Array:
    array = pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _isin(values: pd.Series | pd.Index, candidates: pd.Series | pd.Index) -> np.ndarray:
    """``values.isin(candidates)`` via one Arrow hash lookup; missing values never match.

    (pandas 3's ``isin`` on Arrow strings builds a Python scalar per candidate: 100x slower.)"""
    found = pc.is_in(_arrow(values), value_set=_arrow(candidates), skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _lookup(keys: pd.Series, table_keys: pd.Series, table_values: pd.Series) -> pd.Series:
    """For each key, the value at the first equal table key (a vectorized dict lookup), or NA."""
    positions = pc.index_in(_arrow(keys), value_set=_arrow(table_keys), skip_nulls=True)
    found = pc.take(_arrow(table_values), positions)
    return pd.Series(pd.array(found, dtype=table_values.dtype), index=keys.index)


def _key(spans: pd.DataFrame, column: str) -> pd.Series:
    """trace id + id as one string: ids are unique within a trace only."""
    return spans["trace_id"] + "\x00" + spans[column].fillna("")


def restore_spans(spans: pd.DataFrame) -> pd.DataFrame:
    """The ``Restore`` subsegment of each trace: the one directly under the function segment
    (its parent is not another span), so a user hook that happens to be named "Restore" does not
    count twice. One row per trace, the earliest if a trace somehow has several."""
    candidates = spans[(spans["name"] == RESTORE).fillna(False)]
    if candidates.empty:
        return candidates
    parents = spans[_isin(spans["segment_id"], candidates["parent_id"])]
    nested = _isin(_key(candidates, "parent_id"), _key(parents, "segment_id"))
    restores = candidates[~nested]
    return restores.sort_values("start", kind="stable").drop_duplicates("trace_id")


def join(invocations: pd.DataFrame, spans: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Fill ``invocations.xray_restore_ms`` from each trace's Restore span; count the overlap.

    ``invocations.trace_id`` is the bare ``1-xxxxxxxx-yyyy...`` id. Counts:
    ``matched`` invocations whose trace is among the spans; ``invocations_without_trace`` those
    with a trace id but no trace (unsampled, not fetched); ``traces_without_logs`` distinct traces
    in the spans that no invocation names. Rows, their order and their index are kept; an
    invocation whose trace has no Restore span (a warm start) keeps ``<NA>``.
    """
    trace_ids = invocations["trace_id"].astype(TEXT)
    traced = pd.Series(pc.unique(_arrow(spans["trace_id"].dropna())), dtype=TEXT)
    has_trace_id = trace_ids.notna().to_numpy()
    found = _isin(trace_ids, traced)
    counts = {
        "traces_without_logs": int((~_isin(traced, trace_ids)).sum()),
        "invocations_without_trace": int((has_trace_id & ~found).sum()),
        "matched": int(found.sum()),
    }
    restores = restore_spans(spans)
    out = invocations.copy()
    out["xray_restore_ms"] = _lookup(trace_ids, restores["trace_id"], restores["duration_ms"])
    return out, counts


HOOKS_COLUMNS: dict[str, str] = {
    "function": TEXT,
    "version": TEXT,
    "restores_traced": "Int64",
    # Hook time measured from hook subsegments only; <NA> where no restore had any ("no hooks traced").
    "hook_ms_p50": "Float64",
    "hook_ms_p99": "Float64",
    "hook_ms_max": "Float64",
    "failures": "Int64",
    # Restores that failed or hit the 10 s limit (logs or traces): headroom_ms is <= 0 where any did.
    "failed_restores": "Int64",
    "worst_ms": "Float64",
    "worst_trace_id": TEXT,
    "headroom_ms": "Float64",
    "limit_share": "Float64",
    # How each restore's limit time was measured (see hook_analysis): counts per basis.
    "hooks_instrumented": "Int64",
    "hooks_from_billing": "Int64",
    "hooks_upper_bound": "Int64",
    "xray_restore_ms_p50": "Float64",
    "xray_restore_ms_max": "Float64",
    # What the figures of the row are measured from, in words (the dashboard shows it).
    "measured_from": TEXT,
}

# Lambda's error type when after-restore hooks overrun the 10 s limit.
HOOK_TIMEOUT_ERROR = "SnapStartTimeoutException"
NO_HOOKS = "no hooks traced"
# A REPORT can follow its RESTORE_REPORT by at most the 15-minute function timeout.
_REPORT_AFTER_RESTORE = pd.Timedelta(minutes=16)


def hook_analysis(spans: pd.DataFrame, invocations: pd.DataFrame | None = None,
                  restores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per function and version: how long after-restore hooks take and how close they come to
    the 10 s limit.

    Hook time (``hook_ms_*``) is only ever measured from hook subsegments: the direct children of
    a traced ``Restore`` subsegment (the user traced their hooks), summed per restore. A version
    none of whose traced restores has one says ``no hooks traced`` (``measured_from``) and has no
    hook time: runtime load is never passed off as hook time.

    The limit, though, must be watched either way, so ``worst_ms`` is the slowest traced restore's
    time that counts toward it, as tight as the data allows and never below the truth:

    1. ``hooks_instrumented``: the hook subsegments' sum (as above);
    2. ``hooks_from_billing``: no hook subsegments, but the trace's REPORT gives both durations:
       the Restore span minus the unbilled snapshot part (Restore Duration - Billed Restore
       Duration), i.e. runtime load + hooks, an upper bound;
    3. ``hooks_upper_bound``: only the Restore span: its whole duration, a looser upper bound.

    ``headroom_ms = 10,000 - worst_ms``, ``limit_share = worst_ms / 10,000``, with the slowest
    restore's trace id to open in the console. A restore that hit the limit (Restore Duration >=
    10,000 ms, ``SnapStartTimeoutException``, a RESTORE_REPORT with status ``timeout``) makes
    ``worst_ms`` 10,000; one that failed (those, a failed RESTORE_REPORT, an error or fault in a
    traced Restore subtree) makes ``headroom_ms`` at most 0: ``failed_restores`` counts them.

    ``failures``: traced restores with an error or fault anywhere in the Restore subtree, plus
    restore invocations with status error/timeout (or a limit marker) whose trace is not already
    counted (the REPORT of a restore whose hooks failed; a handler failure on the first invocation
    after a restore counts too, as the log cannot tell them apart), plus failed RESTORE_REPORTs of
    ``restores`` that no such invocation stands for (matched on version and Restore Duration within
    16 minutes).

    Where the X-Ray ARN was unqualified the version comes from the matching invocation.
    """
    traced = restore_spans(spans)
    invocations = invocations if invocations is not None else None
    if traced.empty and (invocations is None or invocations.empty) and (restores is None or restores.empty):
        return empty(HOOKS_COLUMNS)
    traced = traced[["trace_id", "segment_id", "function", "version", "duration_ms"]].copy()
    children = _children_ms(spans, traced)
    failed = _failed_traces(spans, traced)
    traced["children_ms"] = _lookup(traced["trace_id"], pd.Series(children.index, dtype=TEXT),
                                    children.astype("Float64"))
    traced["failed"] = _isin(traced["trace_id"], pd.Series(sorted(failed), dtype=TEXT))
    traced["unbilled_ms"] = pd.array([pd.NA] * len(traced), dtype="Float64")
    if invocations is not None and not invocations.empty:
        traced = _with_invocations(traced, invocations)
    logged = _logged_failures(invocations, restores, failed)

    from_billing = (traced["duration_ms"] - traced["unbilled_ms"]).clip(lower=0)
    has_children = traced["children_ms"].notna()
    traced["hook_ms"] = traced["children_ms"]
    traced["limit_ms"] = traced["children_ms"].where(
        has_children, from_billing.where(from_billing.notna(), traced["duration_ms"]))
    traced["basis"] = np.where(has_children, "instrumented", np.where(from_billing.notna(), "billing", "upper"))
    return _per_version(traced, logged)


def _children_ms(spans: pd.DataFrame, restores: pd.DataFrame) -> pd.Series:
    """Sum of the direct children of each Restore span, by trace id."""
    kids = spans[_isin(spans["parent_id"], restores["segment_id"])]
    kids = kids[_isin(_key(kids, "parent_id"), _key(restores, "segment_id"))]
    return kids.groupby("trace_id")["duration_ms"].sum()


def _failed_traces(spans: pd.DataFrame, restores: pd.DataFrame) -> set[str]:
    """Trace ids whose Restore span or any descendant has error or fault: walk down one level
    per pass, vectorized (as many passes as the tree is deep, not one per row)."""
    spans = spans[_isin(spans["trace_id"], restores["trace_id"])]
    key, parent = _key(spans, "segment_id"), _key(spans, "parent_id")
    inside = _isin(key, _key(restores, "segment_id"))
    frontier = inside
    while frontier.any():
        frontier = _isin(parent, key[frontier]) & ~inside
        inside |= frontier
    flagged = (spans["error"].fillna(False) | spans["fault"].fillna(False)).to_numpy(dtype=bool)
    return set(spans.loc[inside & flagged, "trace_id"])


def _with_invocations(restores: pd.DataFrame, invocations: pd.DataFrame) -> pd.DataFrame:
    """Bring in the REPORT facts of each traced restore (the first invocation naming the trace)."""
    logs = invocations[invocations["trace_id"].notna()]
    ids = restores["trace_id"]
    restore_ms = _lookup(ids, logs["trace_id"], logs["restore_ms"].astype("Float64"))
    billed_ms = _lookup(ids, logs["trace_id"], logs["billed_restore_ms"].astype("Float64"))
    restores["unbilled_ms"] = restore_ms - billed_ms
    for column in ("function", "version"):
        restores[column] = restores[column].fillna(_lookup(ids, logs["trace_id"], logs[column].astype(TEXT)))
    return restores


def _flag(frame: pd.DataFrame, mask: pd.Series) -> np.ndarray:
    return mask.fillna(False).to_numpy(dtype=bool) if len(frame) else np.zeros(0, dtype=bool)


def _logged_failures(invocations: pd.DataFrame | None, restores: pd.DataFrame | None,
                     traced_failed: set[str]) -> pd.DataFrame:
    """Failed restores the logs saw: one row each (``function, version, trace_id, limit,
    failed``), ``limit`` where it hit the 10 s limit, ``failed`` where the restore itself failed
    (else only its REPORT did). Restore REPORTs whose trace already counts as failed are left out;
    a failed RESTORE_REPORT adds a row only when no restore REPORT stands for it."""
    columns = ["function", "version", "trace_id", "timestamp", "limit", "failed"]
    parts = []
    reported = pd.DataFrame(columns=["function", "version", "restore_ms", "timestamp"])
    if invocations is not None and len(invocations):
        inv = invocations
        is_restore = _flag(inv, inv["start_kind"] == "restore")
        limit = _flag(inv, (inv["error_type"] == HOOK_TIMEOUT_ERROR) | (inv["restore_ms"] >= HOOK_LIMIT_MS))
        reported_failing = is_restore & (limit | _flag(inv, inv["status"].isin(["error", "timeout", "failure"])))
        failing = reported_failing & ~_isin(inv["trace_id"].astype(TEXT), pd.Series(sorted(traced_failed), dtype=TEXT))
        parts.append(inv.loc[failing, ["function", "version", "trace_id", "timestamp"]].assign(
            limit=limit[failing], failed=limit[failing]))
        reported = inv.loc[reported_failing, ["function", "version", "restore_ms", "timestamp"]]
    if restores is not None and len(restores):
        status = restores["status"]
        limit = _flag(restores, (status == "timeout") | (restores["error_type"] == HOOK_TIMEOUT_ERROR)
                      | (restores["restore_ms"] >= HOOK_LIMIT_MS))
        bad = limit | _flag(restores, (status.notna() & (status != "success")) | restores["error_type"].notna())
        failed = restores.loc[bad, ["function", "version", "restore_ms", "timestamp"]].assign(
            limit=limit[bad], _row=np.arange(int(bad.sum())))
        # Which failed RESTORE_REPORTs a restore REPORT stands for: same version and Restore
        # Duration, the REPORT at most 16 minutes later (or either without a time).
        pairs = failed.merge(reported, on=["function", "version", "restore_ms"], suffixes=("", "_report"))
        gap = pairs["timestamp_report"] - pairs["timestamp"]
        close = (gap.isna() | ((gap >= pd.Timedelta(0)) & (gap <= _REPORT_AFTER_RESTORE))).fillna(False)
        matched = pairs.loc[close.to_numpy(dtype=bool)]
        # A matched REPORT's row (if it failed) takes the RESTORE_REPORT's verdict: the restore failed.
        if parts and len(matched):
            keys = ["function", "version", "timestamp"]
            stood_for = matched[["function", "version", "timestamp_report", "limit"]].rename(
                columns={"timestamp_report": "timestamp", "limit": "report_limit"}).drop_duplicates(keys)
            rows = parts[0].merge(stood_for, on=keys, how="left")
            hit = rows["report_limit"].notna().to_numpy(dtype=bool)
            rows["failed"] = rows["failed"].to_numpy(dtype=bool) | hit
            rows["limit"] = rows["limit"].to_numpy(dtype=bool) | rows["report_limit"].fillna(False).to_numpy(dtype=bool)
            parts[0] = rows.drop(columns="report_limit")
        alone = ~failed["_row"].isin(matched["_row"]).to_numpy(dtype=bool)
        parts.append(failed.loc[alone, ["function", "version", "timestamp", "limit"]].assign(
            trace_id=pd.NA, failed=True))
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in zip(
            columns, [TEXT, TEXT, TEXT, "datetime64[ns, UTC]", bool, bool], strict=True)})
    out = pd.concat([part[columns] for part in parts], ignore_index=True)
    out["limit"] = out["limit"].astype(bool)
    out["failed"] = out["failed"].astype(bool)
    return out


BASES = {"instrumented": "hooks_instrumented", "billing": "hooks_from_billing",
         "upper": "hooks_upper_bound"}


def _per_version(restores: pd.DataFrame, logged: pd.DataFrame) -> pd.DataFrame:
    """One row per function and version, from one row per traced restore (plus log failures)."""
    keys = ["function", "version"]
    if restores.empty and logged.empty:
        return empty(HOOKS_COLUMNS)
    restores = restores.assign(**{
        column: (restores["basis"] == basis).astype("int64") for basis, column in BASES.items()})
    hook = restores.groupby(keys, dropna=False, sort=True)
    out = pd.DataFrame({
        "restores_traced": hook.size(),
        "hook_ms_p50": hook["hook_ms"].quantile(0.5),
        "hook_ms_p99": hook["hook_ms"].quantile(0.99),
        "hook_ms_max": hook["hook_ms"].max(),
        "failures_traced": hook["failed"].sum(),
        **{column: hook[column].sum() for column in BASES.values()},
        "worst_ms": hook["limit_ms"].max(),
        "xray_restore_ms_p50": hook["duration_ms"].quantile(0.5),
        "xray_restore_ms_max": hook["duration_ms"].max(),
    })
    # The trace of each group's slowest restore. Positional: same keys, same group order (index
    # alignment would not match a missing version, <NA> != <NA>).
    slowest_first = restores.sort_values("limit_ms", ascending=False, kind="stable")
    worst = slowest_first.groupby(keys, dropna=False, sort=True)["trace_id"].first()
    out["worst_trace_id"] = worst.to_numpy() if len(worst) == len(out) else pd.NA
    log = logged.assign(limit=logged["limit"].astype("int64"), failed=logged["failed"].astype("int64"))
    by_log = log.groupby(keys, dropna=False)
    log_counts = pd.DataFrame({"failures_logged": by_log.size(), "limit_hits": by_log["limit"].sum(),
                               "failed_logged": by_log["failed"].sum()})
    # The trace of a restore that hit the limit, if it was traced (it is the worst one then).
    limit_trace = log[log["limit"] > 0].groupby(keys, dropna=False)["trace_id"].first()
    out = out.join(log_counts, how="outer")
    for column in ("restores_traced", "failures_traced", "failures_logged", "limit_hits", "failed_logged",
                   *BASES.values()):
        out[column] = out[column].astype("Float64").fillna(0)
    out["failures"] = out["failures_traced"] + out["failures_logged"]
    out["failed_restores"] = out["failures_traced"] + out["failed_logged"]
    hit = (out["limit_hits"] > 0).to_numpy(dtype=bool)
    out["worst_ms"] = out["worst_ms"].astype("Float64").mask(hit, HOOK_LIMIT_MS)
    if hit.any():
        out["worst_trace_id"] = out["worst_trace_id"].astype(object).mask(
            hit, limit_trace.reindex(out.index).astype(object))
    out["headroom_ms"] = HOOK_LIMIT_MS - out["worst_ms"]
    failed = (out["failed_restores"] > 0).to_numpy(dtype=bool)
    out["headroom_ms"] = out["headroom_ms"].mask(failed, out["headroom_ms"].clip(upper=0).fillna(0.0))
    out["limit_share"] = out["worst_ms"] / HOOK_LIMIT_MS
    out["measured_from"] = _measured_from(out)
    return conform(out.reset_index(), HOOKS_COLUMNS)


def _measured_from(out: pd.DataFrame) -> list[str]:
    """Per version, in words: what hook_ms_* and worst_ms / headroom_ms are measured from."""
    texts = []
    for row in out[["restores_traced", *BASES.values(), "limit_hits", "failed_restores"]].itertuples(index=False):
        traced, instrumented, billing, upper, hits, failed = (int(v) for v in row)
        if instrumented:
            parts = [f"hook subsegments of {instrumented} of {traced} traced restores"]
        elif traced:
            parts = [NO_HOOKS]
        else:
            parts = [f"{NO_HOOKS} (no restore traced)"]
        bounds = []
        if billing:
            bounds.append(f"{billing} from the Restore subsegment minus the unbilled snapshot restore "
                          "(runtime load + hooks)")
        if upper:
            bounds.append(f"{upper} from the whole Restore subsegment")
        if bounds:
            parts.append("worst_ms is an upper bound for " + " and ".join(bounds))
        if hits:
            parts.append(f"{hits} restore(s) hit the 10 s limit (logs): worst_ms 10,000")
        if failed:
            parts.append(f"{failed} restore(s) failed: no headroom")
        texts.append("; ".join(parts))
    return texts


def versions_from_logs(spans: pd.DataFrame, invocations: pd.DataFrame) -> pd.DataFrame:
    """Spans whose ARN names no version (an unqualified function) take the version of the
    invocation with the same trace id: the log knows which version served the request."""
    missing = spans["version"].isna()
    if not missing.any() or invocations.empty:
        return spans
    known = invocations.dropna(subset=["trace_id"]).drop_duplicates("trace_id").set_index("trace_id")["version"]
    spans = spans.copy()
    spans.loc[missing, "version"] = spans.loc[missing, "trace_id"].map(known).astype(spans["version"].dtype)
    return spans
