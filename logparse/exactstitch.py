"""The general path's stitching (:func:`logparse.platform.stitch`) in numpy, for the case a large
plain text log almost always is: the compiled scanner read every REPORT, and handed on only
Lambda's exact START, INIT_START, RESTORE_START and RESTORE_REPORT lines (the neighbours the
stitching needs), all of one stream, with their fields (``logparse.fields.EXACT_COLUMNS``).

The general path would spend 20-40 ms of Polars operations on a few thousand such lines, each
costing its fixed 0.05-0.15 ms, while the REPORT rows' table is built beside it. Here the same
rules are a few ``searchsorted`` calls:

- an INIT_START is an on-demand init (no INIT_REPORT follows it); its duration is the ``Init
  Duration`` of the next REPORT below it (none, or none below: unknown, and then no status);
- a RESTORE_REPORT takes the runtime of the nearest RESTORE_START above it; its status is success;
- the version of either is the stream name's, else that of the nearest START below it, else the
  nearest above, else the caller's hint, else unknown.

Any other input (another line kind, a line the scanner did not read whole, several streams or
inputs, a value the rules would reject) returns None, and the general path stitches it. The two
are held to each other by the differential tests of ``tests/test_scanner.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from logparse.fastrows import GROUP_FUNCTION, NO_TIME, STREAM_VERSION, constant, frame_of, utc_times
from logparse.fields import EXACT_COLUMNS
from logparse.kinds import KIND_CODES
from logparse.platform import Parsed, ReportLines, empty_table, kind_counts, line_stats
from logparse.tables import INITS, RESTORES, Schema

KINDS = ("start", "init_start", "restore_start", "restore_report")
COLUMNS = {"line", "timestamp", "log_group", "log_stream", "message", "code", *EXACT_COLUMNS}


def stitched(events: pl.DataFrame, counted: dict[str, int], below: ReportLines, function: str | None,
             version: str | None) -> Parsed | None:
    """One input's general lines (``events``, in line order) stitched with the REPORT rows the
    scanner read (``below``), as :func:`logparse.platform.parse` would; None where it would not
    be the same (see the module docstring). ``counted``: the lines only counted, per kind."""
    if set(events.columns) != COLUMNS or events["timestamp"].null_count() < events.height:
        return None
    codes = events["code"].to_numpy()
    if not np.isin(codes, [KIND_CODES[kind] for kind in KINDS]).all() or events[EXACT_COLUMNS[0]].null_count():
        return None
    (one_group, group), (one_stream, stream) = _single(events["log_group"]), _single(events["log_stream"])
    if not (one_group and one_stream and isinstance(below.stream_key, str)) or \
            (events.height and below.stream_key != (stream or "")):  # (no line: no stream to match)
        return None
    lines = events["line"].to_numpy()
    if not (np.diff(lines) > 0).all():
        return None
    first, second = (events[name].to_arrow().cast(pa.large_string()) for name in EXACT_COLUMNS)
    at = {kind: np.flatnonzero(codes == KIND_CODES[kind]) for kind in KINDS}
    restore_ms = pl.Series(first.take(at["restore_report"])).cast(pl.Float64, strict=False).to_numpy(writable=True)
    if not np.isfinite(restore_ms).all() or (restore_ms < 0).any():  # the general path's rejects
        return None
    in_group, in_stream = GROUP_FUNCTION.search(group or ""), STREAM_VERSION.search(stream or "")
    identity = _Identity(in_group[1] if in_group else function if function is not None else "unknown",
                         in_stream[1] if in_stream else None,
                         version, lines[at["start"]], second.take(at["start"]))
    return Parsed(
        invocations=empty_table("invocations"),
        inits=_inits(lines[at["init_start"]], first.take(at["init_start"]), second.take(at["init_start"]), below,
                     identity),
        restores=_restores(lines[at["restore_report"]], restore_ms, lines[at["restore_start"]],
                           first.take(at["restore_start"]), identity),
        rejects=empty_table("rejects"),
        stats=line_stats(events.height + sum(counted.values()), 0, kind_counts(codes, counted), {}, 0),
    )


def _single(column: pl.Series) -> tuple[bool, str | None]:
    """Whether a text column holds one value on every row (or null on every row), and which."""
    if column.null_count() == len(column):
        return True, None
    value: str = column[0]
    return not column.null_count() and column.min() == column.max(), value


class _Identity:
    """What names the function and version of an init or restore row."""

    def __init__(self, function: str, from_stream: str | None, hint: str | None, start_lines: np.ndarray,
                 start_versions: pa.Array) -> None:
        self.function, self.from_stream, self.hint = function, from_stream, hint
        self.start_lines, self.start_versions = start_lines, start_versions

    def versions(self, lines: np.ndarray) -> pa.Array:
        """The stream's version, else the nearest START's below each line, else above, else the hint."""
        if self.from_stream is not None:
            return constant(self.from_stream, len(lines))
        below = np.searchsorted(self.start_lines, lines)  # (a START is never on the same line)
        versions = _taken(self.start_versions, np.where(below < len(self.start_lines), below, below - 1))
        return versions.fill_null(self.hint if self.hint is not None else "unknown")


def _inits(lines: np.ndarray, runtimes: pa.Array, arns: pa.Array, below: ReportLines,
           identity: _Identity) -> pd.DataFrame:
    if not len(lines):
        return empty_table("inits")
    n = len(lines)
    following = np.searchsorted(below.line, lines, side="right")  # the next REPORT below
    init_ms = np.full(n, np.nan)
    has = following < len(below.line)
    init_ms[has] = below.init_ms[following[has]]
    known = ~np.isnan(init_ms)
    status = pc.if_else(pa.array(known), pa.scalar("success", pa.large_string()), pa.scalar(None, pa.large_string()))
    return _frame(INITS, n, {
        "function": constant(identity.function, n), "version": identity.versions(lines),
        "phase": constant(None, n), "init_kind": constant("on-demand", n), "status": status,
        "error_type": constant(None, n), "init_ms": pd.arrays.FloatingArray(np.where(known, init_ms, 0.0), ~known),
        "runtime_version": runtimes, "runtime_version_arn": arns, "line": lines})


def _restores(lines: np.ndarray, restore_ms: np.ndarray, start_lines: np.ndarray, runtimes: pa.Array,
              identity: _Identity) -> pd.DataFrame:
    if not len(lines):
        return empty_table("restores")
    n = len(lines)
    above = np.searchsorted(start_lines, lines) - 1  # the nearest RESTORE_START above
    return _frame(RESTORES, n, {
        "function": constant(identity.function, n), "version": identity.versions(lines),
        "restore_ms": pd.arrays.FloatingArray(restore_ms, np.zeros(n, bool)), "status": constant("success", n),
        "error_type": constant(None, n),
        "runtime_version": _taken(runtimes, above), "line": lines})


def _taken(values: pa.Array, at: np.ndarray) -> pa.Array:
    """``values[at]``, null where ``at`` is -1 (nothing there)."""
    found = at >= 0
    return values.take(pa.array(np.where(found, at, 0), mask=~found))


def _frame(schema: Schema, n: int, columns: dict[str, object]) -> pd.DataFrame:
    """The table's columns in its order, with no time (NaT), the batch's source (each input's own
    is set after) and the lines as integers."""
    return frame_of({**columns, "timestamp": utc_times(np.full(n, NO_TIME)), "source": constant("<batch>", n),
                     "line": pd.arrays.IntegerArray(np.asarray(columns["line"], np.int64), np.zeros(n, bool))}, schema)
