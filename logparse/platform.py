"""CloudWatch platform lines (text and JSON log format) -> invocations, inits, restores.

One vectorized pass per input: classify every message by a cheap prefix test, pull ``Key: value``
fields out of the few platform kinds by name (never by position), then stitch the lines of one log
stream together (START gives a REPORT its version, RESTORE_START gives RESTORE_REPORT its runtime,
the ``XRAY`` trailer line belongs to the REPORT above it). Application lines are counted and
skipped; platform lines that cannot be read become rejects with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd
import polars as pl

from logparse.tables import (
    INITS,
    INVOCATIONS,
    REJECT_TEXT_LIMIT,
    REJECTS,
    RESTORES,
    SCHEMAS,
    START_KIND_RULES,
    Stats,
    empty,
    from_polars,
)
from logparse.timeutil import LOG_TIME_WINDOW, outside_log_window, parse_log_time

S, F, N = pl.String, pl.Float64, pl.Int64  # text, float, integer


@dataclass(frozen=True)
class Field:
    """One ``Key: value unit`` field of a platform line and the column it fills. A number's unit
    names the rule its values must follow (:data:`POSSIBLE`)."""

    column: str
    key: str
    dtype: type[pl.DataType]
    unit: str = ""


# Every key of every text platform line. Keys are matched longest first, so "Billed Restore Duration"
# is taken before "Restore Duration" before "Duration", whatever the field order or separators.
FIELDS: tuple[Field, ...] = tuple(sorted((
    Field("request_id", "RequestId", S),
    Field("version", "Version", S),
    Field("duration_ms", "Duration", F, "ms"),
    Field("billed_duration_ms", "Billed Duration", F, "ms"),
    # Memory is read as a number like any other and must be whole (the tables hold integers):
    # "256.0 MB" is 256, "80.7 MB" a reject, on the exact-layout and the general path alike.
    Field("memory_mb", "Memory Size", F, "MB"),
    Field("max_memory_mb", "Max Memory Used", F, "MB"),
    Field("init_ms", "Init Duration", F, "ms"),
    Field("restore_ms", "Restore Duration", F, "ms"),
    Field("billed_restore_ms", "Billed Restore Duration", F, "ms"),
    Field("status", "Status", S),
    Field("error_type", "Error Type", S),
    Field("phase", "Phase", S),
    Field("runtime_version", "Runtime Version", S),
    Field("runtime_version_arn", "Runtime Version ARN", S),
    Field("trace_id", "TraceId", S),
), key=lambda f: -len(f.key)))
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}
# Keys of the X-Ray trailer that no table keeps (the trace id joins the spans): still known, so
# that a value before them ends there when a copy puts the trailer on the REPORT's own line.
UNKEPT_KEYS = ("SegmentId", "Sampled")

# The one rule for numbers, text and JSON formats alike: a value outside it makes its line a
# reject (never a row, so never in a percentile or a cost). unit -> (test, what the reason says).
POSSIBLE: dict[str, tuple[object, str]] = {
    "ms": (lambda v: v.is_finite() & (v >= 0), "durations are finite and at least 0 ms"),
    "MB": (lambda v: v.is_finite() & (v > 0) & (v == v.floor()), "memory is a whole number of MB above 0"),
}

# Text line kinds by prefix, and the fields each must have to be usable.
PREFIXES: dict[str, str] = {
    "report": "REPORT RequestId:",
    "start": "START RequestId:",
    "end": "END RequestId:",
    "init_start": "INIT_START ",
    "init_report": "INIT_REPORT ",
    "restore_start": "RESTORE_START ",
    "restore_report": "RESTORE_REPORT ",
    "xray": "XRAY TraceId:",
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "report": ("request_id", "duration_ms", "billed_duration_ms", "memory_mb"),
    "start": ("request_id",),
    "init_report": ("init_ms",),
    "restore_report": ("restore_ms",),
    "xray": ("trace_id",),
}
# Required fields a real event may lack. Lambda Managed Instances bill per instance: their
# ``platform.report`` metrics hold ``durationMs`` only (a text REPORT without Billed Duration is a
# cut-off copy and stays a reject). A restore that failed may report no duration at all
# (``platform.restoreReport`` with ``status: failure`` and ``errorType``, no ``metrics``).
OPTIONAL_IN_JSON: dict[str, tuple[str, ...]] = {"report": ("billed_duration_ms", "memory_mb")}
OPTIONAL_IF_FAILED: dict[str, tuple[str, ...]] = {"restore_report": ("restore_ms",)}
WANTED: dict[str, tuple[str, ...]] = {
    "report": ("request_id", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb", "init_ms",
               "restore_ms", "billed_restore_ms", "status", "error_type", "trace_id"),
    "start": ("request_id", "version"),
    "init_start": ("runtime_version", "runtime_version_arn"),
    "restore_start": ("runtime_version", "runtime_version_arn"),
    "init_report": ("init_ms", "phase", "status", "error_type"),
    "restore_report": ("restore_ms", "status", "error_type"),
    "xray": ("trace_id",),
}
TIMEOUT_MARK = "Task timed out after"
SKIPPED_KINDS = ("app", "blank")

# Lambda JSON log format (Telemetry API schema): every leaf read as a string, cast afterwards, so
# one odd value makes a null (and a reject), not an error for the whole file.
_METRICS = {"durationMs": S, "billedDurationMs": S, "memorySizeMB": S, "maxMemoryUsedMB": S,
            "initDurationMs": S, "restoreDurationMs": S, "billedRestoreDurationMs": S}
JSON_DTYPE = pl.Struct({
    "time": S,
    "type": S,
    "record": pl.Struct({
        "requestId": S, "status": S, "errorType": S, "version": S, "functionName": S,
        "functionVersion": S, "runtimeVersion": S, "runtimeVersionArn": S, "phase": S,
        "initializationType": S, "tracing": pl.Struct({"value": S}), "metrics": pl.Struct(_METRICS),
    }),
})
JSON_KINDS = {
    "platform.report": "report", "platform.start": "start", "platform.initStart": "init_start",
    "platform.initReport": "init_report", "platform.restoreStart": "restore_start",
    "platform.restoreReport": "restore_report", "platform.runtimeDone": "end",
}
PHASE_DURATION = {"init_report": "init_ms", "restore_report": "restore_ms"}
# Where each row column sits inside ``record`` (alternatives in order of preference).
JSON_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "request_id": (("requestId",),),
    "version": (("version",), ("functionVersion",)),
    "function_name": (("functionName",),),
    "status": (("status",),),
    "error_type": (("errorType",),),
    "phase": (("phase",),),
    "init_type": (("initializationType",),),
    "runtime_version": (("runtimeVersion",),),
    "runtime_version_arn": (("runtimeVersionArn",),),
    "trace_id": (("tracing", "value"),),
    "duration_ms": (("metrics", "durationMs"),),
    "billed_duration_ms": (("metrics", "billedDurationMs"),),
    "memory_mb": (("metrics", "memorySizeMB"),),
    "max_memory_mb": (("metrics", "maxMemoryUsedMB"),),
    "init_ms": (("metrics", "initDurationMs"),),
    "restore_ms": (("metrics", "restoreDurationMs"),),
    "billed_restore_ms": (("metrics", "billedRestoreDurationMs"),),
}
# Every column a platform line fills: the text fields' own, and those only JSON records carry (text).
ROW_COLUMNS: dict[str, type[pl.DataType]] = {
    column: FIELD_BY_COLUMN[column].dtype if column in FIELD_BY_COLUMN else S for column in JSON_PATHS
}

# Every column a stitched row may carry, whichever line kinds the input happened to contain.
ROW_SCHEMA: dict[str, type[pl.DataType]] = {
    **ROW_COLUMNS, "timeout_request": S, "reject": S, "text": S, "json": pl.Boolean,
}


@dataclass
class Parsed:
    """The platform tables of one input plus its line accounting."""

    invocations: pd.DataFrame
    inits: pd.DataFrame
    restores: pd.DataFrame
    rejects: pd.DataFrame
    stats: Stats


def parse(events: pl.DataFrame, source: str, function: str | None = None, version: str | None = None) -> Parsed:
    """Parse one input's events (``line, timestamp, log_group, log_stream, message``)."""
    return stitch(read_rows(events, function, version), source)


@dataclass
class Rows:
    """What :func:`read_rows` took from the lines: the row pieces of the platform lines (with no
    reference left into the line buffer, which the caller can then free) and the line accounting."""

    lines: int
    blank: int
    counts: dict[str, int]
    pieces: dict[str, pl.DataFrame]  # reader kind -> its rows, in the order the tables list them
    empty: pl.DataFrame  # no rows, every row column: stands in for a kind the input lacks


def read_rows(events: pl.DataFrame, function: str | None = None, version: str | None = None,
              counted: dict[str, int] | None = None) -> Rows:
    """Everything that reads the text of the lines: kinds, then the fields of the platform lines.
    The pieces keep no view into the lines' buffers, so once the caller drops ``events`` the
    whole line buffer is freed before the stitching and the pandas tables are built.
    ``counted``: kinds of the lines that ``events`` leaves out, only counted (see
    :mod:`logparse.layouts`)."""
    counted = counted or {}
    message = pl.col("message")
    codes = _kind_codes(events)
    events = events.drop("code", strict=False)
    # Counted and filtered on small integer codes: a kind's name is written out only on its own rows.
    bins = np.bincount(codes.to_numpy(), minlength=len(KIND_NAMES))
    counts = {name: int(n) for name, n in zip(KIND_NAMES, bins, strict=True) if n}
    present = [kind for kind in ROW_KINDS if counts.get(kind)]
    for kind, n in counted.items():
        counts[kind] = counts.get(kind, 0) + n
    blank = events.select((message.is_null() | (message.str.len_bytes() == 0)).sum()).item()
    # Each kind's rows filtered out once, in line order (cheaper than a filter then a partition).
    parts = {kind: events.filter(codes == KIND_CODES[kind]).with_columns(pl.lit(kind, S).alias("kind"))
             for kind in present}
    empty = _complete(events.clear().drop("message").with_columns(pl.lit(None, S).alias("kind")), function, version)
    height = events.height + sum(counted.values())
    del events, codes
    # Kinds in the order the tables have always listed them: rejects come out in this order.
    generic = sorted((kind for kind in parts if kind in GENERIC_KINDS), key=lambda kind: parts[kind]["line"][0])
    parts = {kind: parts[kind] for kind in ("report", "start", *generic, "json") if kind in parts}
    readers = {"report": _report_rows, "start": _start_rows, "json": _json_rows,
               **dict.fromkeys(LAYOUTS, _layout_rows)}
    pieces = {}
    for kind in list(parts):
        piece = _complete(readers.get(kind, _generic_rows)(parts.pop(kind)), function, version)
        pieces[kind] = piece.with_columns(_own(piece["text"]))
    return Rows(height, blank, counts, pieces, empty)


def _own(text: pl.Series) -> pl.Series:
    """The few texts kept (rejects, XRAY trailers) copied out of the line buffer: a string view
    into it would keep all of it alive, hundreds of MB for a few short lines."""
    if text.null_count() == len(text):
        return text
    import pyarrow as pa

    return pl.Series(text.name, text.to_arrow().cast(pa.large_string()), dtype=S)


def stitch(rows: Rows, source: str) -> Parsed:
    """The pieces of one input stitched into its tables (see the module docstring)."""
    by_kind: dict[str, list[pl.DataFrame]] = {}
    for kind, piece in rows.pieces.items():
        # JSON lines turn out to be any kind; every other piece is one kind already.
        groups = piece.partition_by("kind", as_dict=True) if kind == "json" and piece.height else {(kind,): piece}
        for (each,), frame in groups.items():
            by_kind.setdefault(each, []).append(frame)
    empty = rows.empty
    kinds = {kind: (pl.concat(frames, how="diagonal_relaxed").sort("line") if len(frames) > 1 else frames[0])
             for kind, frames in by_kind.items() if frames}
    reports, trailer_rejects = _attach_trailers(kinds.get("report", empty), kinds.get("xray", empty))
    kinds["report"] = reports
    rejects = pl.concat([*(frame.filter(pl.col("reject").is_not_null()) for frame in kinds.values()),
                         trailer_rejects], how="diagonal_relaxed")
    # Most pieces have no reject at all: keep them as they are rather than copy them through a filter.
    good = {kind: frame if not frame["reject"].is_not_null().any() else frame.filter(pl.col("reject").is_null())
            for kind, frame in kinds.items()}
    json_kinds = kinds_of_json(list(rows.pieces.values()))
    return Parsed(
        invocations=_invocations(good, source),
        inits=_inits(good, source),
        restores=_restores(good, source),
        rejects=_rejects(rejects, source),
        stats=_stats(rows.lines, rows.blank, rows.counts, json_kinds, rejects.height),
    )


def _complete(rows: pl.DataFrame, function: str | None, version: str | None) -> pl.DataFrame:
    """Every row column present (null where the line kind has none), plus the row's identity."""
    rows = rows.with_columns(pl.lit(None, dtype).alias(name) for name, dtype in ROW_SCHEMA.items()
                             if name not in rows.columns)
    return _add_identity(rows, function, version)


def kinds_of_json(rows: list[pl.DataFrame]) -> dict[str, int]:
    """How many JSON lines turned out to be each kind (for the line accounting)."""
    counts: dict[str, int] = {}
    for frame in rows:
        json_rows = frame.filter(pl.col("json").fill_null(False))
        for kind, n in json_rows["kind"].value_counts().iter_rows():
            counts[kind] = counts.get(kind, 0) + n
    return counts


def _kind_codes(events: pl.DataFrame) -> pl.Series:
    """The kind of every line as its index in :data:`KIND_NAMES`: a platform kind, ``app``,
    ``json`` (maybe platform) or ``timeout``.

    Lines read from text files come with the code their bytes told (``code``, see
    :func:`logparse.layouts.sift_plain`). For the others the first ten characters tell the platform kinds apart in
    one hash lookup. Then only the lines still taken for application lines are looked at again:
    a JSON platform event starts with ``{``, a timeout holds the message anywhere."""
    message = pl.col("message")
    known = events["code"] if "code" in events.columns else None
    if known is None or known.null_count():
        # A cast to an Enum of the known heads (unknown ones become null) is a hash lookup per line
        # into a small integer code; ``replace_strict`` holds three times the memory meanwhile.
        heads = events.select(message.str.head(HEAD).cast(HEAD_ENUM, strict=False).to_physical()
                              .fill_null(KIND_CODES["app"]).cast(pl.UInt8))["message"]
        heads = _confirm_prefixes(events, heads)
        code = heads if known is None else known.fill_null(heads)
    else:
        code = known
    rows = (code == KIND_CODES["app"]).arg_true()
    if not len(rows):
        return code
    others = events["message"].gather(rows).to_frame().select(
        pl.when(message.str.starts_with("{") & message.str.contains('"platform.', literal=True))
        .then(KIND_CODES["json"])
        .when(message.str.contains(TIMEOUT_MARK, literal=True)).then(KIND_CODES["timeout"])
        .otherwise(KIND_CODES["app"]).cast(pl.UInt8).alias("code")
    )["code"]
    changed = others != KIND_CODES["app"]
    return code.scatter(rows.filter(changed), others.filter(changed)) if changed.any() else code


def _confirm_prefixes(events: pl.DataFrame, code: pl.Series) -> pl.Series:
    """Ten characters name the kind; the whole prefix must be there too, or the line is an
    application line that merely starts alike (``END Request handled``, ``INIT_STARTUP done``)."""
    rows = (code < len(HEADS)).arg_true()
    if not len(rows):
        return code
    expected = PREFIX_SERIES.gather(code.gather(rows))
    confirmed = events["message"].gather(rows).str.starts_with(expected)
    wrong = rows.filter(~confirmed)
    return code.scatter(wrong, KIND_CODES["app"]) if len(wrong) else code


HEAD = 10
HEADS = {prefix[:HEAD]: kind for kind, prefix in PREFIXES.items()}
PREFIX_SERIES = pl.Series("prefix", [PREFIXES[kind] for kind in HEADS.values()], dtype=S)
HEAD_ENUM = pl.Enum(list(HEADS))
# Kind names by code: the heads' kinds in Enum order, then the lines no head names.
KIND_NAMES = (*HEADS.values(), "app", "json", "timeout")
KIND_CODES = {kind: code for code, kind in enumerate(KIND_NAMES)}
# Kinds whose lines become rows; the rest (END, application lines) are only counted.
GENERIC_KINDS = ("init_start", "init_report", "restore_start", "restore_report", "xray", "timeout")
ROW_KINDS = ("report", "start", "json", *GENERIC_KINDS)


# Lambda's own REPORT layout: the five fields every REPORT has, in this order, tab-separated (a
# warm start's REPORT ends after them). Each value lies between the separator before it and the
# one after it; Lambda's request ids are UUIDs, so the first value starts at a fixed place.
REPORT_PREFIX = "REPORT RequestId: "
REQUEST_ID_LENGTH = 36
REPORT_SEPARATORS: tuple[tuple[str, str], ...] = (  # column, separator before its value
    ("duration_ms", "\tDuration: "),
    ("billed_duration_ms", " ms\tBilled Duration: "),
    ("memory_mb", " ms\tMemory Size: "),
    ("max_memory_mb", " MB\tMax Memory Used: "),
)
REPORT_ENDS = (" MB\t", " MB")


def _report_rows(reports: pl.DataFrame) -> pl.DataFrame:
    """REPORT lines. Warm-start lines in Lambda's exact layout are read between their separators,
    each found once with a substring search, and every value must read as a number; cold-start
    lines in the exact layout (fields after the five) are read with one anchored pattern; every
    other REPORT (Status, reflowed copies, other ids) takes the general path, which finds each
    key by name."""
    if reports.is_empty():
        return reports.drop("message")
    message = pl.col("message")
    first = len(REPORT_PREFIX) + REQUEST_ID_LENGTH  # where the first separator must be
    # Where each separator is, computed once (eager frames do not share repeated expressions).
    found = reports.select(
        *(message.str.find(sep, literal=True).alias(column) for column, sep in REPORT_SEPARATORS[1:]),
        (message.str.len_bytes() - pl.when(message.str.ends_with(REPORT_ENDS[0])).then(len(REPORT_ENDS[0]))
         .otherwise(len(REPORT_ENDS[1]))).alias("end"),
        pl.any_horizontal(message.str.ends_with(end) for end in REPORT_ENDS).alias("bare"),
    )
    at = [pl.lit(first), *(pl.col(column) for column, _ in REPORT_SEPARATORS[1:])]
    starts = [position + len(sep) for position, (_, sep) in zip(at, REPORT_SEPARATORS, strict=True)]
    stops = [*at[1:], pl.col("end")]
    # One select: Polars evaluates the independent expressions in parallel.
    fast = pl.concat([reports, found], how="horizontal").select(
        pl.exclude(found.columns),
        message.str.slice(len(REPORT_PREFIX), REQUEST_ID_LENGTH).alias("request_id"),
        *(message.str.slice(start, stop - start).cast(F, strict=False).alias(column)
          for (column, _), start, stop in zip(REPORT_SEPARATORS, starts, stops, strict=True)),
        ((message.str.slice(first, len(REPORT_SEPARATORS[0][1])) == REPORT_SEPARATORS[0][1])
         & pl.all_horizontal(stop > start for start, stop in zip(starts, stops, strict=True))).alias("head"),
    )
    flags = fast.select(
        (pl.col("head") & _plain_word(pl.col("request_id"), ":")).fill_null(False).alias("head"),
        # and every value a finite number (not "nan" or "inf", which the general path refuses)
        pl.all_horizontal(pl.col(column).cast(F).is_finite() for column, _ in REPORT_SEPARATORS)
        .fill_null(False).alias("values"),
    ).with_columns(found["bare"])
    head, plain = flags["head"], flags["head"] & flags["values"] & flags["bare"]
    tails = head & ~flags["bare"]
    del flags
    fast = fast.drop("head")
    if tails.any():
        fast, plain = _report_tails(reports, fast, plain, tails.arg_true())
    return _fast_or_generic(reports, fast, plain, "report")


def _plain_word(text: pl.Expr, also: str = "") -> pl.Expr:
    """Whether ``text`` is ASCII without whitespace (or ``also``): a value the general path reads
    whole. Four times cheaper than a Unicode ``\\s`` class; any non-ASCII value is left to the
    general path, which knows Unicode spaces."""
    return ~text.str.contains(rf"(?-u)[\s{also}]") & (text.str.len_bytes() == text.str.len_chars())


# A cold start's REPORT in Lambda's exact layout: the five fields, then ``Init Duration`` or
# ``Restore Duration`` + ``Billed Restore Duration``. Checked whole, strictly enough that the
# values read here are exactly those the general path would find (ids without spaces or colons,
# plain decimal numbers, the units in place).
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
REPORT_TAIL = (
    rf"^REPORT RequestId: [^\s:\x1f]+\tDuration: {_NUMBER} ms\tBilled Duration: {_NUMBER} ms\t"
    r"Memory Size: [0-9]+ MB\tMax Memory Used: (?P<max_memory_mb>[0-9]+) MB\t"
    rf"(?:Init Duration: (?P<init_ms>{_NUMBER}) ms|Restore Duration: (?P<restore_ms>{_NUMBER}) ms\t"
    rf"Billed Restore Duration: (?P<billed_restore_ms>{_NUMBER}) ms)\t?$"
)


def _report_tails(reports: pl.DataFrame, fast: pl.DataFrame, plain: pl.Series,
                  where: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """Cold-start REPORTs (the few with fields after the five) in Lambda's exact layout, read
    with one anchored pattern instead of the general path's key search."""
    groups = reports["message"].gather(where).str.extract_groups(REPORT_TAIL).struct.unnest()
    ok = (groups["init_ms"].is_not_null() | groups["restore_ms"].is_not_null()).fill_null(False)
    # The warm-start reading took the fields after the fifth for its value: read it again here.
    if not ok.any():
        return fast, plain
    rows, groups = where.filter(ok), groups.filter(ok)
    fast = fast.with_columns(
        pl.repeat(None, fast.height, dtype=F, eager=True).scatter(rows, groups[column].cast(F, strict=False))
        .alias(column)
        for column in ("init_ms", "restore_ms", "billed_restore_ms")
    ).with_columns(fast["max_memory_mb"].scatter(rows, groups["max_memory_mb"].cast(F, strict=False)))
    return fast, plain.scatter(rows, True)


def _fast_or_generic(rows: pl.DataFrame, fast: pl.DataFrame, plain: pl.Series, kind: str,
                     keep_text: bool = False) -> pl.DataFrame:
    """Rows read by position (``fast``) where the line has the exact layout, else by the general
    path; in line order (the stitching relies on it). The general path runs on the few other
    lines only and its values are written back in place, which costs far less than a sort.
    ``kind``: the kind of every row. ``keep_text``: the line's text is kept on every row (XRAY
    trailers, see _keep_reject_text)."""
    text = pl.col("message") if keep_text else pl.lit(None, S)
    fast = fast.with_columns(pl.lit(None, S).alias("reject"), text.alias("text")).drop("message")
    if not plain.all():
        where = (~plain).arg_true()
        slow = _generic_rows(rows[where])
        columns = []
        for name, values in slow.to_dict().items():
            if name in rows.columns:  # the line's identity: the same on both paths
                continue
            base = fast[name] if name in fast.columns else pl.repeat(None, fast.height, dtype=values.dtype,
                                                                     eager=True)
            columns.append(base.cast(values.dtype).alias(name).scatter(where, values))
        fast = fast.with_columns(columns)
    return _checked(fast, rows["message"], kind)


def _shown(value: pl.Expr) -> pl.Expr:
    """A number for a reason: whole numbers without a decimal point (0 MB, not 0.0 MB)."""
    return pl.when(value.is_finite() & (value == value.floor()) & (value.abs() < 2.0**53)).then(
        value.cast(N, strict=False).cast(S)).otherwise(value.cast(S))


# Kinds whose rows fill a table: their numbers and times are held to the rules (END lines and
# other platform events carry nothing into a table and are only counted).
CHECKED_KINDS = ("report", "start", *GENERIC_KINDS)
NUMBER_FIELDS = tuple(FIELD_BY_COLUMN[column] for column in WANTED["report"] if FIELD_BY_COLUMN[column].unit)


def _checked(rows: pl.DataFrame, messages: pl.Series | None = None, kind: str | None = None) -> pl.DataFrame:
    """The one rule for possible values (:data:`POSSIBLE`, :func:`logparse.timeutil.outside_log_window`)
    applied to rows of every path alike, after they are read: a row that breaks it becomes a
    reject naming the field. ``messages``: the lines' text for the reject (else the frame's
    ``message`` column is kept for :func:`_keep_reject_text`); ``kind``: the one kind all rows
    are, when the caller knows it. On the hot path this costs a few comparisons per row (columns
    without a value are skipped); reasons are written for the bad rows only."""
    if rows.is_empty() or (kind is not None and kind not in CHECKED_KINDS):
        return rows
    def filled(column: str) -> bool:
        return column in rows.columns and rows[column].null_count() < rows.height

    # (a null value compares to null, which fill_null below makes "not bad")
    checks = [(~POSSIBLE[field.unit][0](pl.col(field.column)), field)
              for field in NUMBER_FIELDS if filled(field.column)]
    if filled("timestamp"):
        checks.append((outside_log_window(pl.col("timestamp")), None))
    if not checks:
        return rows
    bad = pl.any_horizontal(bad for bad, _ in checks).fill_null(False)
    if rows["reject"].null_count() < rows.height:
        bad &= pl.col("reject").is_null()
    if kind is None:
        bad &= pl.col("kind").is_in(CHECKED_KINDS)
    flagged = rows.select(bad).to_series()
    where = flagged.arg_true()
    if not len(where):
        return rows
    bad_rows = rows[where]
    label = pl.col("kind").replace_strict({kind: PREFIXES[kind].split()[0] for kind in CHECKED_KINDS if kind in
                                           PREFIXES}, default="Task timed out")
    reason = pl.lit(None, S)
    for bad, field in reversed(checks):  # the first field named wins
        says = (pl.format("{} line dated outside " + LOG_TIME_WINDOW, label) if field is None else
                pl.format("{} line with an impossible {}: {} {} ({})", label, pl.lit(field.key),
                          _shown(pl.col(field.column)), pl.lit(field.unit), pl.lit(POSSIBLE[field.unit][1])))
        reason = pl.when(bad.fill_null(False)).then(says).otherwise(reason)
    # (a flagged row always gets a reason: a null one would let it through)
    reasons = bad_rows.select(reason.fill_null(pl.lit("impossible value"))).to_series()
    columns = [rows["reject"].scatter(where, reasons)]
    if messages is not None and "text" in rows.columns:
        columns.append(rows["text"].scatter(where, messages.gather(where)))
    return rows.with_columns(columns)


START_PREFIX = "START RequestId: "
START_VERSION = " Version: "


def _start_rows(starts: pl.DataFrame) -> pl.DataFrame:
    """``START RequestId: <id> Version: <v>``: the request's version for its REPORT. Lines in any
    other shape (or with another kind of id) take the general path."""
    if starts.is_empty():
        return starts.drop("message")
    message = pl.col("message")
    at = len(START_PREFIX) + REQUEST_ID_LENGTH
    # The values first, then the checks on them: eager frames do not share repeated expressions.
    fast = starts.with_columns(message.str.slice(len(START_PREFIX), REQUEST_ID_LENGTH).alias("request_id"),
                               message.str.slice(at + len(START_VERSION)).alias("version"))
    request_id, version = pl.col("request_id"), pl.col("version")
    plain = fast.select(((message.str.slice(at, len(START_VERSION)) == START_VERSION) & _plain_word(request_id, ":")
                         & (version.str.len_bytes() > 0) & _plain_word(version, ":")).fill_null(False))
    return _fast_or_generic(starts, fast, plain.to_series(), "start")


# Lambda's exact layouts of the other platform lines, each read with one anchored pattern. Values
# are held to what the general path reads the same way (an id without spaces or colons, lowercase
# runtime names, which no key can hide in: every key starts with a capital); any other line takes
# the general path.
_RUNTIME = (r" Runtime Version: (?P<runtime_version>[a-z0-9._:+-]+)"
            r"\tRuntime Version ARN: (?P<runtime_version_arn>[a-z0-9._:/+-]+)\t?$")
LAYOUTS: dict[str, str] = {
    "init_start": "^INIT_START" + _RUNTIME,
    "restore_start": "^RESTORE_START" + _RUNTIME,
    "restore_report": rf"^RESTORE_REPORT Restore Duration: (?P<restore_ms>{_NUMBER}) ms\t?$",
    "xray": r"^XRAY TraceId: (?P<trace_id>[^\s:\x1f]+)(?:\tSegmentId: [^\s:\x1f]+)?(?:\tSampled: [^\s:\x1f]+)?\t?$",
}


def _layout_rows(lines: pl.DataFrame) -> pl.DataFrame:
    """Lines of one kind in :data:`LAYOUTS`: the exact layout by its pattern, the rest by the
    general path."""
    kind = lines["kind"][0]
    groups = lines["message"].str.extract_groups(LAYOUTS[kind]).struct.unnest()
    plain = groups[groups.columns[0]].is_not_null()
    fast = lines.with_columns(groups[column].cast(ROW_COLUMNS[column], strict=False) for column in groups.columns)
    return _fast_or_generic(lines, fast, plain, kind, keep_text=kind == "xray")


# Every key at once, longest first: regex alternation takes the first alternative that matches at
# the leftmost position, the same result as replacing the keys one by one, longest first. "XRAY "
# before "TraceId" goes with the key: a console copy may hold the trailer on the REPORT's line.
KEY_PATTERN = "(?:XRAY )?(TraceId):|(" + "|".join(
    re.escape(key) for key in sorted([*(f.key for f in FIELDS if f.key != "TraceId"), *UNKEPT_KEYS],
                                     key=lambda key: -len(key))) + "):"
# The keys each text line kind carries: a known key on a line of another kind, a key twice, or
# text that is no ``Key: value`` field makes the line a reject naming it (a field the parser does
# not know is never dropped silently; a copy with spaces for tabs would have it glued to the
# value before it, which is then unreadable: the same line is a reject either way).
CARRIED: dict[str, frozenset[str]] = {
    kind: frozenset(FIELD_BY_COLUMN[column].key for column in columns) | (
        frozenset(UNKEPT_KEYS) if "trace_id" in columns else frozenset())
    for kind, columns in WANTED.items()
}
LINE_WORDS = "|".join(PREFIXES[kind].split()[0] for kind in WANTED if kind != "xray")


def read_number(raw: pl.Expr, unit: str) -> pl.Expr:
    """A number as a text line (with its unit or none) or a JSON record (a bare number) writes
    it; null if it is not one. Whether it is possible is :data:`POSSIBLE`'s business."""
    return raw.str.strip_chars().str.extract(rf"^([-+0-9.eE]+)(?:\s*{unit})?$").cast(F, strict=False)


def _generic_rows(text: pl.DataFrame) -> pl.DataFrame:
    """Any text platform line, fields found by key name whatever their order or separators.

    Every key is marked in one pass; then only the fields the present line kinds carry are read."""
    if text.is_empty():
        return text.drop("message")
    present = set(text["kind"].unique().to_list())
    text = text.with_columns(pl.col("message").str.replace_all(KEY_PATTERN, "\x1f${1}${2}=").alias("marked"))
    raws, columns = [], []
    for column in ROW_COLUMNS:
        field = FIELD_BY_COLUMN.get(column)
        wanted = [kind for kind, cols in WANTED.items() if column in cols and kind in present]
        if field is None or not wanted:
            continue
        raw = pl.col("marked").str.extract(f"\x1f{re.escape(field.key)}=([^\t\x1f\n]*)")
        raws.append((raw if len(wanted) == len(present) else pl.when(pl.col("kind").is_in(wanted)).then(raw))
                    .alias(f"raw_{column}"))
        raw = pl.col(f"raw_{column}")
        # A number with its unit, or one word (ids, status, runtime): more is no value of this field.
        raw = read_number(raw, field.unit) if field.dtype is not S else raw.str.strip_chars().str.extract(r"^(\S+)$")
        columns.append(raw.alias(column))
    if "timeout" in present:
        timeout_request = pl.col("message").str.extract(rf"(\S+)\s+{TIMEOUT_MARK}")
        columns.append(pl.when(pl.col("kind") == "timeout").then(timeout_request).alias("timeout_request"))
    rows = text.with_columns(raws).with_columns(columns).pipe(_with_reasons)
    return _with_shape_reasons(rows, present).pipe(_checked).pipe(_keep_reject_text)


def _with_shape_reasons(rows: pl.DataFrame, present: set[str]) -> pl.DataFrame:
    """A line whose fields were all read can still hold more: a known key its kind never carries,
    a key twice, or text that is no field. Each makes the line a reject naming it (see
    :data:`CARRIED`). Runs on the general path only, which exact-layout lines never reach."""
    kinds = [kind for kind in present if kind in CARRIED]
    if not kinds:
        return rows
    keys = pl.col("marked").str.extract_all("\x1f([^=\x1f]+)=").list.eval(pl.element().str.slice(1).str.head(-1))
    # What is left once the line's first word and every key=value are taken out must be blank.
    # (the X-Ray trailer's unkept values are one word each, like every text value but numbers)
    leftover = (pl.col("marked").str.replace(f"^(?:{LINE_WORDS}) ", "")
                .str.replace_all(f"\x1f(?:{'|'.join(UNKEPT_KEYS)})=[ ]*[^\\s\x1f]*", "")
                .str.replace_all("\x1f[^\t\x1f\n]*", "").str.strip_chars())
    reason = pl.col("reject")
    for kind in kinds:
        label = PREFIXES[kind].split()[0]
        foreign = keys.list.set_difference(pl.lit(sorted(CARRIED[kind]), pl.List(S))).list.first()
        doubled = keys.list.eval(pl.element().filter(pl.element().is_duplicated())).list.first()
        this = pl.col("kind") == kind
        reason = (pl.when(reason.is_null() & this & foreign.is_not_null())
                  .then(pl.format(f"{label} line with a field {label} lines never have: {{}}", foreign))
                  .when(reason.is_null() & this & doubled.is_not_null())
                  .then(pl.format(f"{label} line with {{}} twice", doubled))
                  .when(reason.is_null() & this & (leftover != ""))
                  .then(pl.format(f"{label} line with text that is no known field: {{}}", leftover.str.head(60)))
                  .otherwise(reason))
    return rows.with_columns(reason.alias("reject"))


def _keep_reject_text(rows: pl.DataFrame) -> pl.DataFrame:
    """Keep the message only where it is needed: in a reject's ``text``."""
    return rows.with_columns(
        # XRAY lines keep theirs too: whether a trailer is orphaned is known only later.
        pl.when(pl.col("reject").is_not_null() | (pl.col("kind") == "xray")).then(pl.col("message")).alias("text")
    ).drop("message", "marked", strict=False)


def _with_reasons(rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``reject``: a reason for a platform line that lacks a field it cannot do without, or
    carries a field that cannot be read (``raw_<column>``: the field's text, null where the line
    has no such key). No field a line carries is dropped silently. Drops the ``raw_`` columns."""
    reason = pl.lit(None, S)
    failed = pl.col("status").is_not_null() & (pl.col("status") != "success") if "status" in rows.columns \
        else pl.lit(False)
    in_json = pl.col("json").fill_null(False) if "json" in rows.columns else pl.lit(False)
    for kind, columns in WANTED.items():
        for column in reversed(columns):  # the first field named wins
            if column not in rows.columns:
                continue
            missing = pl.lit(False)
            if column in REQUIRED.get(kind, ()):
                missing = ~pl.col(f"raw_{column}").is_not_null() if f"raw_{column}" in rows.columns else pl.lit(True)
                if column in OPTIONAL_IN_JSON.get(kind, ()):
                    missing &= ~in_json
                if column in OPTIONAL_IF_FAILED.get(kind, ()):
                    missing &= ~failed
            unreadable = pl.col(f"raw_{column}").is_not_null() if f"raw_{column}" in rows.columns else pl.lit(False)
            reason = pl.when((pl.col("kind") == kind) & pl.col(column).is_null() & (missing | unreadable)).then(
                pl.lit(f"{PREFIXES[kind].split()[0]} line without a readable {FIELD_BY_COLUMN[column].key}")
            ).otherwise(reason)
    return rows.with_columns(reason.alias("reject")).drop(pl.selectors.starts_with("raw_"))


def _json_rows(events: pl.DataFrame) -> pl.DataFrame:
    """Platform events in Lambda's JSON log format (``{"time", "type": "platform.*", "record"}``)."""
    lines = events.filter(pl.col("kind") == "json")
    if lines.is_empty():
        return lines.drop("message")
    decoded, bad = _decode_json(lines)
    record = pl.col("doc").struct.field("record")
    json_kind = pl.col("doc").struct.field("type")

    def read(name: str) -> pl.Expr:
        alternatives = []
        for path in JSON_PATHS[name]:
            expr = record
            for key in path:
                expr = expr.struct.field(key)
            alternatives.append(expr)
        value = pl.coalesce(alternatives) if len(alternatives) > 1 else alternatives[0]
        return value.alias(f"raw_{name}")

    def typed(name: str) -> pl.Expr:
        """The value read from its JSON text by the same rules as a text line's."""
        raw = pl.col(f"raw_{name}")
        if name == "trace_id":  # "Root=1-...;Parent=...;Sampled=1"
            return raw.str.extract(r"Root=([^;]+)").alias(name)
        return (raw if ROW_COLUMNS[name] is S else read_number(raw, FIELD_BY_COLUMN[name].unit)).alias(name)

    out = decoded.with_columns(
        pl.when(json_kind.str.starts_with("platform."))
        .then(json_kind.replace_strict(JSON_KINDS, default="platform_other"))
        .otherwise(pl.lit("app")).alias("kind"),
        pl.coalesce(parse_log_time(pl.col("doc").struct.field("time")), pl.col("timestamp")).alias("timestamp"),
        pl.lit(True).alias("json"),
        *[read(name) for name in JSON_PATHS],
    ).with_columns(
        # initReport / restoreReport carry their duration as metrics.durationMs.
        pl.when(pl.col("kind") == kind).then(pl.col("raw_duration_ms")).otherwise(pl.col(f"raw_{column}"))
        .alias(f"raw_{column}")
        for kind, column in PHASE_DURATION.items()
    ).with_columns(
        pl.when(pl.col("kind").is_in(list(PHASE_DURATION))).then(None).otherwise(pl.col("raw_duration_ms"))
        .alias("raw_duration_ms")
    ).with_columns(typed(name) for name in JSON_PATHS).pipe(_with_reasons).pipe(_checked).drop("doc")
    if not bad.is_empty():
        out = pl.concat([out, bad.with_columns(pl.lit(True).alias("json"))], how="diagonal_relaxed")
    return _keep_reject_text(out)


def _decode_json(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Decode all JSON lines at once; only if that fails, find the bad lines one by one."""
    try:
        return lines.with_columns(pl.col("message").str.json_decode(JSON_DTYPE).alias("doc")), lines.clear()
    except pl.exceptions.PolarsError:
        pass
    valid = []
    for message in lines["message"]:
        try:
            document = orjson.loads(message)
            valid.append(isinstance(document, dict) and isinstance(document.get("record", {}), dict))
        except orjson.JSONDecodeError:
            valid.append(False)
    mask = pl.Series(valid, dtype=pl.Boolean)
    good, bad = lines.filter(mask), lines.filter(~mask)
    try:
        decoded = good.with_columns(pl.col("message").str.json_decode(JSON_DTYPE).alias("doc"))
    except pl.exceptions.PolarsError:  # a shape the schema cannot hold: report, never crash
        decoded, bad = good.clear().with_columns(pl.lit(None, JSON_DTYPE).alias("doc")), lines
    bad = bad.with_columns(pl.lit("platform_json").alias("kind"),
                           pl.lit("malformed JSON platform event").alias("reject"))
    return decoded, bad


def _attach_trailers(reports: pl.DataFrame, trailers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``XRAY TraceId`` line is the second line of its REPORT event: give its trace id to the
    REPORT on the line above. A trailer with no REPORT right above it is a reject.

    Both come in line order, each line once: a binary search finds the line above, far cheaper
    than a join on hundreds of thousands of REPORTs."""
    trailers = trailers.filter(pl.col("reject").is_null())
    if trailers.is_empty():
        return reports, trailers.select("line", "text", "reject")
    report_lines = reports["line"].to_numpy()
    above = trailers["line"].to_numpy() - 1
    at = np.searchsorted(report_lines, above)
    attached = at < len(report_lines)
    attached[attached] = report_lines[at[attached]] == above[attached]
    if attached.any():
        trace_ids = reports["trace_id"].scatter(at[attached], trailers["trace_id"].filter(attached))
        reports = reports.with_columns(pl.coalesce(reports["trace_id"], trace_ids).alias("trace_id"))
    orphans = trailers.filter(~attached).select(
        "line", "text", pl.lit("XRAY trailer without a REPORT line above it").alias("reject"))
    return reports, orphans


def _add_identity(rows: pl.DataFrame, function: str | None, version: str | None) -> pl.DataFrame:
    """Function and version of a row from its own envelope: the log group, the stream name
    (``YYYY/MM/DD/[<version>]<hash>``), a JSON record; else the caller's hint. Version from START
    lines is added per request in :func:`_invocations`."""
    from_group = pl.col("log_group").str.extract(r"/aws/lambda/(.+)$")
    from_stream = pl.col("log_stream").str.extract(r"\[([^\]]+)\]")
    return rows.with_columns(
        pl.coalesce(from_group, pl.col("function_name"), pl.lit(function, S), pl.lit("unknown")).alias("function"),
        pl.coalesce(from_stream, pl.col("version")).alias("version"),
        pl.lit(version, S).alias("version_hint"),
        pl.col("log_stream").fill_null("").alias("stream_key"),
    )


def _rejects(bad: pl.DataFrame, source: str) -> pd.DataFrame:
    frame = bad.select(
        pl.lit(source).alias("source"), "line", pl.col("reject").alias("reason"),
        pl.col("text").str.slice(0, REJECT_TEXT_LIMIT).alias("text"),
    )
    return from_polars(frame, REJECTS)


def _stats(lines: int, blank: int, counts: dict[str, int], json_kinds: dict[str, int], rejected: int) -> Stats:
    """Lines per kind (JSON lines counted under the kind they turned out to be) and the totals:
    every line is parsed, skipped (application or blank) or rejected."""
    stats = Stats(lines=lines, rejected=rejected)
    for kind, n in counts.items():
        if kind not in ("json", "app"):
            stats.count(kind, n)
    stats.count("json_lines", counts.get("json", 0))
    for kind, n in json_kinds.items():
        stats.count(kind, n)
    stats.count("blank", blank)
    stats.count("app", counts.get("app", 0) - blank)  # blank lines fall through to "app" in _kind_codes
    stats.skipped = sum(stats.kinds.get(kind, 0) for kind in SKIPPED_KINDS)
    stats.parsed = stats.lines - stats.skipped - rejected
    return stats


_EMPTY: dict[str, pd.DataFrame] = {}


def empty_table(name: str) -> pd.DataFrame:
    """An empty table of the schema, built once per process and copied: building one from the
    schema costs milliseconds, which a test suite calling load() on tiny files pays many times."""
    if name not in _EMPTY:
        _EMPTY[name] = empty(SCHEMAS[name])
    return _EMPTY[name].copy()


def _version(*fallbacks: pl.Expr) -> pl.Expr:
    """The row's own version, else the fallbacks in order, else the caller's hint, else unknown."""
    return pl.coalesce(pl.col("version"), *fallbacks, pl.col("version_hint"), pl.lit("unknown"))


def _asof(left: pl.DataFrame, right: pl.DataFrame, by: list[str] | None, strategy: str = "backward") -> pl.DataFrame:
    """For each row of ``left``, the nearest row of ``right`` above (or below) it in the same stream.
    When both sides hold one and the same stream (a plain text copy, one S3 object) the join
    needs no grouping by stream: a straight merge on the line number, several times cheaper."""
    if by == ["stream_key"] and _one_stream(left, right):
        by = None
    if by is None:
        right = right.drop("stream_key")
    return left.join_asof(right, on="line", by=by, strategy=strategy, check_sortedness=False)


def _one_stream(*frames: pl.DataFrame) -> bool:
    """Whether all rows of all the frames carry the same stream key (min and max: no hashing)."""
    keys = {value for frame in frames for value in (frame["stream_key"].min(), frame["stream_key"].max())}
    return len(keys) == 1


def _invocations(good: dict[str, pl.DataFrame], source: str) -> pd.DataFrame:
    """One row per REPORT. Its version comes from the stream name or, failing that, from the START
    line of the same request above it in the same stream."""
    reports = good.get("report")
    if reports is None or reports.is_empty():
        return empty_table('invocations')
    starts = good.get("start")
    if starts is not None and not starts.is_empty() and reports["version"].null_count():
        # The START of the same request above it in the same stream.
        reports = _asof(reports, starts.select("stream_key", "line", pl.col("request_id").alias("start_request"),
                                               pl.col("version").alias("start_version")), by=["stream_key"])
        reports = reports.with_columns(pl.when(pl.col("start_request") == pl.col("request_id"))
                                       .then(pl.col("start_version")).alias("start_version"))
    else:
        reports = reports.with_columns(pl.lit(None, S).alias("start_version"))
    timeouts = good.get("timeout")
    timed_out = timeouts["timeout_request"].drop_nulls() if timeouts is not None else pl.Series([], dtype=S)
    status = pl.col("status").fill_null("success")
    status = pl.when(pl.col("request_id").is_in(timed_out.implode()) & (status == "success")).then(
        pl.lit("timeout")).otherwise(status)
    start_kind = pl.lit("warm")
    for name, column in reversed(START_KIND_RULES):  # first rule wins: applied last
        start_kind = pl.when(pl.col(column).is_not_null()).then(pl.lit(name)).otherwise(start_kind)
    frame = reports.select(
        "timestamp", "function", _version(pl.col("start_version")).alias("version"), "log_stream", "request_id",
        "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb", "init_ms", "restore_ms",
        "billed_restore_ms", start_kind.alias("start_kind"), status.alias("status"), "error_type", "trace_id",
        pl.lit(source).alias("source"), "line",
    )
    return from_polars(frame, INVOCATIONS)


def _with_next_start_version(frame: pl.DataFrame, good: dict[str, pl.DataFrame]) -> pl.DataFrame:
    starts = good.get("start")
    if starts is None or starts.is_empty() or not frame["version"].null_count():
        return frame.with_columns(pl.lit(None, S).alias("next_version"))
    versions = starts.select("stream_key", "line", pl.col("version").alias("next_version"))
    frame = _asof(frame, versions, by=["stream_key"], strategy="forward")
    # Nothing below (an init retried inside a request): the request above it.
    frame = _asof(frame, versions.rename({"next_version": "previous_version"}), by=["stream_key"])
    return frame.with_columns(pl.coalesce("next_version", "previous_version").alias("next_version")).drop(
        "previous_version")


def _restores(good: dict[str, pl.DataFrame], source: str) -> pd.DataFrame:
    """One row per RESTORE_REPORT, with the runtime of the RESTORE_START above it in its stream."""
    restores = good.get("restore_report")
    if restores is None or restores.is_empty():
        return empty_table('restores')
    starts = good.get("restore_start")
    if starts is not None and not starts.is_empty():
        restores = _asof(restores.drop("runtime_version"),
                         starts.select("stream_key", "line", "runtime_version",
                                       pl.col("version").alias("start_version")), by=["stream_key"])
    else:
        restores = restores.with_columns(pl.lit(None, S).alias("start_version"))
    # A restore belongs to the next request in its stream: that START names the version.
    restores = _with_next_start_version(restores, good)
    frame = restores.select(
        "timestamp", "function", _version(pl.col("start_version"), pl.col("next_version")).alias("version"),
        "restore_ms",
        pl.col("status").fill_null("success"), "error_type", "runtime_version", pl.lit(source).alias("source"),
        "line",
    )
    return from_polars(frame, RESTORES)


def _inits(good: dict[str, pl.DataFrame], source: str) -> pd.DataFrame:
    """One row per initialization attempt: each INIT_REPORT (with the runtime of the INIT_START
    above it), and each INIT_START that no INIT_REPORT follows.

    On-demand inits that succeed print no INIT_REPORT: their duration is the ``Init Duration`` of
    the next REPORT in the stream. An INIT_REPORT without Phase or Status is the snapshot a
    SnapStart version takes at publish time: not a cold start any user waited for. A failed init
    is retried in the invoke phase: two INIT_REPORTs, two attempts, two rows.
    """
    empty = pl.DataFrame(schema={"stream_key": S, "line": N})
    starts = good.get("init_start", empty)
    reports = good.get("init_report", empty)
    if starts.is_empty() and reports.is_empty():
        return empty_table('inits')
    if not reports.is_empty():
        if starts.is_empty():
            missing = ("start_runtime", "start_runtime_arn", "start_version", "start_type")
            reports = reports.with_columns(pl.lit(None, N).alias("start_line"),
                                           *(pl.lit(None, S).alias(c) for c in missing))
        else:
            above = starts.select("stream_key", "line", pl.col("line").alias("start_line"),
                                  pl.col("runtime_version").alias("start_runtime"),
                                  pl.col("runtime_version_arn").alias("start_runtime_arn"),
                                  pl.col("version").alias("start_version"), pl.col("init_type").alias("start_type"))
            reports = _asof(reports, above, by=["stream_key"])
        reports = reports.with_columns(
            pl.coalesce("runtime_version", "start_runtime").alias("runtime_version"),
            pl.coalesce("runtime_version_arn", "start_runtime_arn").alias("runtime_version_arn"),
            pl.coalesce("version", "start_version").alias("version"),
            pl.coalesce("init_type", "start_type").alias("init_type"),
            pl.lit(True).alias("has_report"),
        )
    if not starts.is_empty():
        reported = reports["start_line"].drop_nulls() if not reports.is_empty() else pl.Series([], dtype=N)
        starts = starts.filter(~pl.col("line").is_in(reported.implode()))
        next_reports = good.get("report", empty).select(
            "stream_key", "line", pl.col("init_ms").fill_null(-1.0).alias("next_init_ms"))
        if not next_reports.is_empty() and not starts.is_empty():
            starts = _asof(starts.drop("init_ms"), next_reports, by=["stream_key"], strategy="forward")
            # -1 marks "the next REPORT has no Init Duration": then this init's duration is unknown.
            starts = starts.with_columns(pl.when(pl.col("next_init_ms") >= 0).then(pl.col("next_init_ms"))
                                         .alias("init_ms"))
        starts = starts.with_columns(pl.lit(False).alias("has_report"))
    staged = pl.concat([frame for frame in (starts, reports) if not frame.is_empty()], how="diagonal_relaxed")
    staged = _with_next_start_version(staged.sort("line"), good)
    snapshot = (pl.col("phase") == "snap-start") | (
        pl.col("has_report") & pl.col("phase").is_null() & pl.col("status").is_null())
    init_kind = (
        pl.when(snapshot).then(pl.lit("snapshot"))
        .when(pl.col("init_type") == "provisioned-concurrency").then(pl.lit("provisioned-concurrency"))
        .otherwise(pl.lit("on-demand"))
    )
    status = pl.coalesce(pl.col("status"), pl.when(pl.col("init_ms").is_not_null()).then(pl.lit("success")))
    frame = staged.select(
        "timestamp", "function", _version(pl.col("next_version")).alias("version"), "phase",
        init_kind.alias("init_kind"), status.alias("status"), "error_type", "init_ms", "runtime_version",
        "runtime_version_arn", pl.lit(source).alias("source"), "line",
    )
    return from_polars(frame, INITS)
