"""REPORT rows read by the compiled scanner, as columns, and as rows of the ``invocations`` table.

The scanner (:mod:`logparse.scanner`) reads Lambda's exact REPORT lines straight into numpy and
Arrow columns, a buffer at a time; here they get what :mod:`logparse.platform` gives every REPORT
row while stitching (function and version from the input's path, the caller's hints and the START
above; the start kind; the timeout status), column by column with no Python object per row, and
are merged in line order with the rows the general path read.
"""

from __future__ import annotations

import re
from concurrent.futures import Executor, Future

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from logparse import memory
from logparse.platform import ReportLines
from logparse.tables import INVOCATIONS, START_KIND_RULES, START_KINDS, Schema

# Rows of InputRows.floats, each a column of the table.
FLOAT_COLUMNS = {"duration_ms": 0, "billed_duration_ms": 1, "init_ms": 2, "restore_ms": 3, "billed_restore_ms": 4}
REQUEST_ID = 36
NO_TIME = np.iinfo(np.int64).min  # NaT
FIT_ROWS = 1 << 18  # InputRows.fit copies at most this many rows (about 35 MB)
STREAM_BYTES = 48  # a Lambda log stream's name: 2026/11/16/[$LATEST] and 32 hex digits
CONSTANT_BYTES = 1 << 20  # the one chunk a constant column repeats (see constant)
# The function a log group names and the version a stream's name holds, as the general path reads
# them (platform._add_identity: Polars' ``$`` is the end of the text, Python's ``\Z``).
GROUP_FUNCTION = re.compile(r"/aws/lambda/(.+)\Z")
STREAM_VERSION = re.compile(r"\[([^\]]+)\]")


class InputRows:
    """The REPORT rows the scanner read from one input, as columns that grow buffer by buffer
    (NaN: the line has no such field; a null version: no START of the same request above it).
    Each buffer's rows are copied in once, at their place: the table's columns are these arrays.
    ``line`` is 1-based in the input."""

    def __init__(self, capacity: int = 1 << 16, timed: bool = False, streams: bool = False) -> None:
        self.n = 0
        self.log_stream: str | None = None
        self.line = memory.empty(capacity, np.int64)
        self.floats = memory.empty((len(FLOAT_COLUMNS), capacity))
        self.memory_mb = memory.empty(capacity, np.int64)
        self.max_memory_mb = memory.empty(capacity, np.int64)
        # An S3 export's REPORT times (ns since the epoch, UTC; NaT's integer: none); None: no times.
        self.time: np.ndarray | None = memory.empty(capacity, np.int64) if timed else None
        self.ids = memory.empty(capacity * REQUEST_ID, np.uint8)
        self.texts = {name: _Texts(capacity) for name in ("version", "trace_id")}
        if streams:  # a tail or sam copy's rows each have their own stream; else ``log_stream`` is the input's
            self.texts["log_stream"] = _Texts(capacity, STREAM_BYTES)

    def __len__(self) -> int:
        return self.n

    def reserve(self, more: int) -> None:
        """Room for ``more`` rows (twice the room when short, what is there kept)."""
        capacity = len(self.line)
        if self.n + more <= capacity:
            return
        size = max(2 * capacity, self.n + more)
        for name in self._numbers():
            setattr(self, name, _grown(getattr(self, name), size, self.n))
        self.ids = _grown(self.ids, size * REQUEST_ID, self.n * REQUEST_ID)
        for texts in self.texts.values():
            texts.reserve(size, self.n)

    def _numbers(self) -> tuple[str, ...]:
        return ("line", "floats", "memory_mb", "max_memory_mb") + (("time",) if self.time is not None else ())

    def column(self, name: str) -> np.ndarray:
        values: np.ndarray = getattr(self, name)[:self.n]
        return values

    def measure(self, name: str) -> np.ndarray:
        """One of FLOAT_COLUMNS."""
        values: np.ndarray = self.floats[FLOAT_COLUMNS[name], :self.n]
        return values

    def strings(self, name: str) -> pa.Array:
        if name == "request_id":
            offsets = np.arange(0, (self.n + 1) * REQUEST_ID, REQUEST_ID, dtype=np.int64)
            return text_array(offsets, self.ids[:self.n * REQUEST_ID], None)
        return self.texts[name].array(self.n)

    def set_last_trace(self, trace_id: bytes) -> None:
        """The last row's trace id (its XRAY trailer opened the next buffer)."""
        self.texts["trace_id"].set_last(self.n - 1, trace_id)

    def drop_last(self) -> None:
        """The last row given up (to the general path, with its odd trailer)."""
        self.n -= 1
        for texts in self.texts.values():
            texts.drop(self.n)

    def fit(self) -> None:
        """Columns cut to the rows read, when the room left is most of them and the copy is
        small. The table's columns are these arrays, and each keeps its allocation alive: the
        untouched room is not resident (:mod:`logparse.memory`), but it is address space, about
        120 MB for a gzip input's million rows, and a folder of a hundred such inputs would
        reserve gigabytes (refused under ``ulimit -v`` or strict overcommit)."""
        if self.n > FIT_ROWS or len(self.line) <= 2 * self.n:
            return
        n = self.n
        for name in self._numbers():
            setattr(self, name, _grown(getattr(self, name), n, n))
        self.ids = _grown(self.ids, n * REQUEST_ID, n * REQUEST_ID)
        for texts in self.texts.values():
            texts.lengths, texts.valid = _grown(texts.lengths, n, n), _grown(texts.valid, n, n)
            texts.data = _grown(texts.data, texts.used, texts.used)


class _Texts:
    """A text column of InputRows: each row's length (0 and not ``valid``: null) and the bytes."""

    def __init__(self, capacity: int, bytes_per_row: int = 1) -> None:
        self.lengths = memory.empty(capacity, np.int64)
        self.valid = memory.empty(capacity, bool)
        # Room for the rows' bytes from the start: a grown copy would touch twice the memory.
        self.data = memory.empty(max(capacity * bytes_per_row, 1 << 12), np.uint8)
        self.used = 0

    def reserve(self, rows: int, kept: int) -> None:
        self.lengths, self.valid = _grown(self.lengths, rows, kept), _grown(self.valid, rows, kept)

    def room(self, size: int) -> np.ndarray:
        """The bytes, with room for ``size`` more."""
        if self.used + size > len(self.data):
            self.data = _grown(self.data, max(2 * len(self.data), self.used + size), self.used)
        return self.data

    def set_last(self, row: int, value: bytes) -> None:
        self.room(len(value))[self.used:self.used + len(value)] = np.frombuffer(value, np.uint8)
        self.used += len(value)
        self.lengths[row], self.valid[row] = len(value), True

    def drop(self, row: int) -> None:
        self.used -= int(self.lengths[row])
        self.lengths[row], self.valid[row] = 0, False

    def array(self, n: int) -> pa.Array:
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(self.lengths[:n], out=offsets[1:])
        return text_array(offsets, self.data[:int(offsets[-1])], self.valid[:n])


def _grown(values: np.ndarray, size: int, kept: int) -> np.ndarray:
    """``values`` in an array ``size`` long in its last dimension, with its first ``kept`` values
    (only those: the rest was never written, and copying it would touch its memory)."""
    grown = memory.empty((*values.shape[:-1], size), values.dtype)
    grown[..., :kept] = values[..., :kept]
    return grown


def text_array(offsets: np.ndarray, data: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """Printable ASCII the scanner checked, as Arrow strings (null where not ``valid``)."""
    mask = None if valid is None or valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.large_string(), len(offsets) - 1, [mask, pa.py_buffer(offsets),
                                                                        pa.py_buffer(data)])


def reports_below(rows: InputRows, offset: int) -> ReportLines:
    """The rows' lines (moved by ``offset``), Init Durations and streams: what the stitching of
    an INIT_START looks for in the REPORT below it."""
    stream = rows.strings("log_stream") if "log_stream" in rows.texts else rows.log_stream or ""
    return ReportLines(stream, rows.column("line") + offset, rows.measure("init_ms"))


def invocations(rows: InputRows, log_group: str | None, function: str | None, version: str | None,
                source: str, beside: Executor | None = None) -> pd.DataFrame:
    """``rows`` as ``invocations`` rows, as :func:`logparse.platform.stitch` makes them: the
    function from the log group (else the ``function`` hint, else unknown), the version from the
    log stream's name, else the START above, else the ``version`` hint, else unknown. Every
    status is ``success``: the timeouts are known only once the general path has read its lines
    (:func:`with_timeouts`), and this runs beside it. ``beside``: a thread that builds the
    measures' columns while this one builds the text columns (each mostly writes fresh memory,
    on a VM that costs 1-3 ms per MB: two threads write it twice as fast)."""
    n = len(rows)
    try:
        measured: Future[dict[str, object]] | None = beside.submit(_measures, rows) if beside is not None else None
    except RuntimeError:  # no thread to be had (a process limit): built here after the text
        measured = None
    in_group = GROUP_FUNCTION.search(log_group or "")
    own_streams = "log_stream" in rows.texts  # (then each row's version is its stream's, read with it)
    in_stream = None if own_streams else STREAM_VERSION.search(rows.log_stream or "")
    if in_stream:
        versions: pa.Array | pa.ChunkedArray = constant(in_stream[1], n)
    else:
        versions = rows.strings("version")
        if versions.null_count:  # (a copy of the column: only where some row has no START above)
            versions = pc.fill_null(versions, pa.scalar(version if version is not None else "unknown",
                                                        pa.large_string()))
    # (a hint of "" is kept, as the general path keeps it)
    columns = {
        "timestamp": utc_times(rows.column("time") if rows.time is not None else np.full(n, NO_TIME)),
        "function": constant(in_group[1] if in_group else function if function is not None else "unknown", n),
        "version": versions,
        "log_stream": rows.strings("log_stream") if own_streams else constant(rows.log_stream, n),
        "request_id": rows.strings("request_id"),
        "status": constant("success", n),
        "error_type": constant(None, n),
        "trace_id": rows.strings("trace_id"),
        "source": constant(source, n),
        "line": pd.arrays.IntegerArray(rows.column("line"), np.zeros(n, bool)),
        **(measured.result() if measured is not None else _measures(rows)),
    }
    return frame_of(columns, INVOCATIONS)


def _measures(rows: InputRows) -> dict[str, object]:
    """The columns of the rows' numbers, and the start kind they tell."""
    n = len(rows)
    floats = {name: rows.measure(name) for name in FLOAT_COLUMNS}
    kind = np.zeros(n, np.int8)  # START_KINDS[0]: warm
    for name, column in reversed(START_KIND_RULES):  # first rule wins: applied last
        kind[~np.isnan(floats[column])] = START_KINDS.index(name)
    return {
        **{name: _floats(values) for name, values in floats.items()},
        "memory_mb": pd.arrays.IntegerArray(rows.column("memory_mb"), np.zeros(n, bool)),
        "max_memory_mb": pd.arrays.IntegerArray(rows.column("max_memory_mb"), np.zeros(n, bool)),
        "start_kind": pa.array(START_KINDS, pa.large_string()).take(pa.array(kind)),
        # No row has an X-Ray restore time: all null, over zeros that are memory never written.
        "xray_restore_ms": pd.arrays.FloatingArray(np.zeros(n), np.ones(n, bool)),
    }


def with_timeouts(frame: pd.DataFrame, timed_out: pa.Array) -> pd.DataFrame:
    """``frame`` (from :func:`invocations`) with the status ``timeout`` on the requests in
    ``timed_out`` (the request ids of ``Task timed out`` lines)."""
    if not len(timed_out) or frame.empty:
        return frame
    hit = pc.is_in(pa.array(frame["request_id"].array), value_set=timed_out.cast(pa.large_string()))
    status = pc.if_else(hit, pa.scalar("timeout", pa.large_string()), pa.array(frame["status"].array))
    frame["status"] = _strings(status)
    return frame


def merged(frames: list[pd.DataFrame], keys: list[np.ndarray]) -> pd.DataFrame:
    """Invocation frames as one, in the order of ``keys`` (one array per frame, each frame in its
    order already): column by column, each a concatenation and one gather, never a row at a time."""
    chosen = [i for i, frame in enumerate(frames) if len(frame)] or [0]
    if len(chosen) == 1:
        return frames[chosen[0]]
    frames = [frames[i] for i in chosen]
    order: np.ndarray | None = np.argsort(np.concatenate([keys[i] for i in chosen]), kind="stable")
    if order is not None and bool((order[1:] > order[:-1]).all()):
        order = None
    return pd.DataFrame({name: _gathered([frame[name].array for frame in frames], order)
                         for name in frames[0].columns}, copy=False)


def _gathered(arrays: list, order: np.ndarray | None) -> object:  # type: ignore[type-arg]
    """One column's arrays concatenated, then taken in ``order`` (None: as they are). Text is
    gathered as one Arrow array: a gather across the chunks of a chunked array costs far more."""
    if isinstance(arrays[0], pd.arrays.ArrowStringArray):
        text = pa.concat_arrays([chunk.cast(pa.large_string()) for array in arrays for chunk in _chunks(array)])
        return _pandas(text if order is None else text.take(pa.array(order)))
    values = type(arrays[0])._concat_same_type(arrays)
    return values if order is None else values.take(order)


def _chunks(array: pd.arrays.ArrowStringArray) -> list[pa.Array]:
    arrow = pa.array(array)  # the Arrow data behind it, no copy
    return list(arrow.chunks) if isinstance(arrow, pa.ChunkedArray) else [arrow]


def constant(value: str | None, n: int) -> pa.ChunkedArray:
    """``value`` ``n`` times as Arrow strings: one chunk of at most about :data:`CONSTANT_BYTES`,
    built from its bytes, repeated. The chunks share that memory, so a column that is the same
    on every row (the input's path, the function, the status) costs a megabyte, not a copy per
    row: 40 MB fewer to write for 392,000 rows, on a VM where fresh memory costs 1-3 ms per MB."""
    if value is None:
        rows = max(1, min(n, CONSTANT_BYTES // 8))
        return _repeated(pa.nulls(rows, pa.large_string()), n)
    raw = value.encode()
    rows = max(1, min(n, CONSTANT_BYTES // (len(raw) + 8)))
    offsets = np.arange(0, (rows + 1) * len(raw), len(raw), dtype=np.int64) if raw else np.zeros(rows + 1, np.int64)
    data = np.frombuffer(raw * rows, np.uint8)
    return _repeated(pa.Array.from_buffers(pa.large_string(), rows, [None, pa.py_buffer(offsets),
                                                                      pa.py_buffer(data)]), n)


def _repeated(chunk: pa.Array, n: int) -> pa.ChunkedArray:
    """``chunk`` (not empty) repeated and cut to ``n`` rows, every chunk the same memory."""
    whole, rest = divmod(n, len(chunk))
    return pa.chunked_array([chunk] * whole + ([chunk.slice(0, rest)] if rest else []), pa.large_string())


def utc_times(values: np.ndarray) -> pd.arrays.DatetimeArray:
    """Nanoseconds since the epoch (NaT's integer: none) as UTC times over the array itself,
    writable as any column is. (``tz_localize`` would copy and compute, 3 ms for 392,000 rows;
    ``pd.to_datetime`` 8 ms; Arrow's ``__from_arrow__`` shares it read-only. ``_simple_new`` is
    how pandas' own ``__from_arrow__`` makes one: the tests hold the dtype and writability.)"""
    times: pd.arrays.DatetimeArray = pd.arrays.DatetimeArray._simple_new(  # type: ignore[attr-defined]
        values.view("datetime64[ns]"), dtype=pd.DatetimeTZDtype("ns", "UTC"))
    return times


def _floats(values: np.ndarray) -> pd.arrays.FloatingArray:
    values = np.ascontiguousarray(values)
    return pd.arrays.FloatingArray(values, np.isnan(values))


def frame_of(columns: dict[str, object], schema: Schema) -> pd.DataFrame:
    """The schema's columns in its order, Arrow strings as pandas strings over them (no copy)."""
    return pd.DataFrame({name: _pandas(columns[name]) for name in schema}, copy=False)


def _pandas(value: object) -> object:
    return _strings(value) if isinstance(value, pa.ChunkedArray | pa.Array) else value


def _strings(value: pa.Array | pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    """Arrow strings as the pandas ``string`` column over them (no copy)."""
    return pd.arrays.ArrowStringArray(value if isinstance(value, pa.ChunkedArray) else pa.chunked_array([value]))
