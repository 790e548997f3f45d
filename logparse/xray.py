"""X-Ray trace documents -> the ``spans`` table (the documents themselves are unwrapped and
decoded in :mod:`logparse.xraydocs`; the join to ``invocations`` is :mod:`logparse.xrayjoin`, the
hook analysis :mod:`logparse.hooks`).

About 600 lines, one job: the walker (:class:`_Walker`) is one flat loop over documents and
nodes, kept together because its speed comes from making no call into another module per node.

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
``msgspec.Struct`` objects (``Segment``/``_Node``): no dict per node, and the fields the walk does
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
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from logparse.tables import REJECT_TEXT_LIMIT, REJECTS, SPANS, TEXT, conform, empty
from logparse.xraydocs import (
    DAEMON_HEADER,
    FUNCTION_ORIGIN,
    SERVICE_ORIGIN,
    Bad,
    Segment,
    documents,
    untyped,
)

# datetime64[ns] ends in April 2262 (9.22e9 s); anything outside (0, that) is not a real X-Ray time.
_MAX_EPOCH_S = 9.2e9
_NUMBER = (float, int)  # ``type(x) in _NUMBER`` also rules out bool, which ``isinstance`` lets in
_WIDTH = 6  # values stored per span by the walker

# Kinds reported by parse_counted; all but "xray_span" and "xray_reject" are skips.
SPAN, REJECT = "xray_span", "xray_reject"
OTHER_SEGMENT, FUNCTION_SEGMENT = "xray_other_segment", "xray_function_segment"
SUPERSEDED, HEADER, ORPHAN = "xray_superseded", "xray_header", "xray_orphan_subsegment"


@dataclass
class XrayParse:
    """Everything one parse produced: the two tables, the record count and its breakdown."""

    spans: pd.DataFrame
    rejects: pd.DataFrame
    records_read: int
    kinds: dict[str, int] = field(default_factory=dict)


def parse(data: bytes, source: str, typed: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Parse X-Ray trace data into (spans, rejects, records_read); never raises on bad data.

    ``records_read == len(spans) + len(rejects) + skipped`` (see the module docstring for what
    a record is). Reject ``line`` is the physical line for line-per-document input and the
    1-based document number for batch-get-traces JSON.
    """
    result = parse_counted(data, source, typed)
    return result.spans, result.rejects, result.records_read


def parse_counted(data: bytes, source: str, typed: bool = True) -> XrayParse:
    """Like :func:`parse`, plus the per-kind record counts (``xray_span``, ``xray_reject``, ...)."""
    walker = _Walker(source)
    with _no_gc():
        walker.run(documents(data, typed))
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


# The walker: documents -> column lists.


def _check_times(node: dict[str, Any]) -> str | None:
    """Why a segment/subsegment's times are unusable, or None if they are fine."""
    start: Any = node.get("start_time")
    end: Any = node.get("end_time")
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


def _owner(segment: dict[str, Any]) -> tuple[str | None, str | None]:
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


def _doc_key(doc: dict[str, Any]) -> tuple[str, str] | None:
    """(trace_id, id) of a document, or None when either is not a string (JSON can put a list
    there, which could not even be a dict key)."""
    trace, sid = doc.get("trace_id"), doc.get("id")
    return (trace, sid) if type(trace) is str and type(sid) is str else None


def _flags(node: dict[str, Any]) -> int:
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
        # (trace, function, version, line, spans added) per walk
        self.walks: list[tuple[str, str | None, str | None, int, int]] = []
        self.rejects: list[tuple[int | None, str, str]] = []
        self.kinds: dict[str, int] = defaultdict(int)
        self.function_segments = 0  # the hot counter, kept out of the dict
        self.service_arns: list[tuple[Any, Any]] = []  # (trace id, resource_arn) of service segments
        self.service_versions: dict[tuple[str, str | None], str] = {}  # (trace, function) -> version
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
        waiting_in_progress: list[tuple[int, dict[str, Any]]] = []
        loose: list[tuple[int, dict[str, Any]]] = []
        service_arns = self.service_arns
        others = 0
        for line, doc, raw in documents:
            if type(doc) is Segment:
                origin = doc.origin
                if origin == FUNCTION_ORIGIN:
                    if self.walk_typed(line, doc):
                        continue
                elif doc.type != "subsegment":
                    if origin == SERVICE_ORIGIN:
                        service_arns.append((doc.trace_id, doc.resource_arn))
                    others += 1
                    continue
                doc = untyped(raw)  # anything unusual: the tolerant path decides
            if doc is DAEMON_HEADER:
                self.kinds[HEADER] += 1
            elif type(doc) is Bad:
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
        known: dict[tuple[str, str | None], str] = {}
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
    def walk_function(self, line: int, segment: dict[str, Any]) -> None:
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

    def walk_typed(self, line: int, segment: Segment) -> bool:
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
             queue: list[tuple[list[Any], str | None]], seen: set[str], duplicate: bool = False) -> None:
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

    def attach(self, loose: list[tuple[int, dict[str, Any]]]) -> None:
        """Hang separately sent subsegments under their parents, breadth first from the function
        segments, so a chain of them resolves in one pass; what is left either loops (a cycle in
        parent ids: rejected) or hangs off something that is not a Lambda function (skipped)."""
        self.index = self.build_index()
        complete = {_doc_key(d) for _, d in loose if "end_time" in d} - {None}
        waiting: dict[tuple[Any, Any], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
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

    def leftovers(self, waiting: dict[tuple[Any, Any], list[tuple[int, dict[str, Any]]]]) -> None:
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
                if cyclic.get(_doc_key(doc) or (None, None)):
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
    strings: pd.api.extensions.ExtensionArray = pd.array(array, dtype=TEXT)
    return strings


def _utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds -> UTC timestamps, rounded to the microsecond (float seconds near 1.7e9
    carry ~0.2 us of noise)."""
    micros = np.round(seconds * 1e6).astype(np.int64)
    return pd.DatetimeIndex((micros * 1000).view("datetime64[ns]")).tz_localize("UTC")
