"""CloudWatch platform lines (text and JSON log format) -> invocations, inits, restores.

One vectorized pass per input: classify every message by a cheap prefix test, pull ``Key: value``
fields out of the few platform kinds by name (never by position), then stitch the lines of one log
stream together (START gives a REPORT its version, RESTORE_START gives RESTORE_REPORT its runtime,
the ``XRAY`` trailer line belongs to the REPORT above it). Application lines are counted and
skipped; platform lines that cannot be read become rejects with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pandas as pd
import polars as pl

from logparse.tables import (
    INITS,
    INVOCATIONS,
    REJECT_TEXT_LIMIT,
    REJECTS,
    RESTORES,
    Stats,
    classify_start,
    conform,
)

S, F, N = pl.String, pl.Float64, pl.Int64  # text, float, integer


@dataclass(frozen=True)
class Field:
    """One ``Key: value unit`` field of a platform line and the column it fills."""

    column: str
    key: str
    dtype: type[pl.DataType]


# Every key of every text platform line. Keys are matched longest first, so "Billed Restore Duration"
# is taken before "Restore Duration" before "Duration", whatever the field order or separators.
FIELDS: tuple[Field, ...] = tuple(sorted((
    Field("request_id", "RequestId", S),
    Field("version", "Version", S),
    Field("duration_ms", "Duration", F),
    Field("billed_duration_ms", "Billed Duration", F),
    Field("memory_mb", "Memory Size", N),
    Field("max_memory_mb", "Max Memory Used", N),
    Field("init_ms", "Init Duration", F),
    Field("restore_ms", "Restore Duration", F),
    Field("billed_restore_ms", "Billed Restore Duration", F),
    Field("status", "Status", S),
    Field("error_type", "Error Type", S),
    Field("phase", "Phase", S),
    Field("runtime_version", "Runtime Version", S),
    Field("runtime_version_arn", "Runtime Version ARN", S),
    Field("trace_id", "TraceId", S),
), key=lambda f: -len(f.key)))
FIELD_BY_COLUMN = {f.column: f for f in FIELDS}

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
ROW_COLUMNS: dict[str, type[pl.DataType]] = {
    "request_id": S, "version": S, "function_name": S, "duration_ms": F, "billed_duration_ms": F,
    "memory_mb": N, "max_memory_mb": N, "init_ms": F, "restore_ms": F, "billed_restore_ms": F,
    "status": S, "error_type": S, "phase": S, "init_type": S, "runtime_version": S,
    "runtime_version_arn": S, "trace_id": S,
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
    kinds = classify(events["message"])
    events = events.with_columns(kind=kinds)
    rows = pl.concat([_text_rows(events), _json_rows(events)], how="diagonal_relaxed").sort("line")
    rows = _attach_trailers(rows)
    rows = _add_identity(rows, function, version)
    rejects = _rejects(rows, source)
    good = rows.filter(pl.col("reject").is_null())
    stats = _stats(events["kind"], rows, len(rejects))
    return Parsed(
        invocations=_invocations(good, rows, source),
        inits=_inits(good, source),
        restores=_restores(good, source),
        rejects=rejects,
        stats=stats,
    )


def classify(messages: pl.Series) -> pl.Series:
    """The kind of every message: a platform kind, ``json`` (maybe platform), ``timeout``,
    ``app`` or ``blank``. Prefix tests only: cheap enough for every line."""
    msg = pl.col("m")
    expr = pl.when(msg.str.len_bytes() == 0).then(pl.lit("blank"))
    for kind, prefix in PREFIXES.items():
        expr = expr.when(msg.str.starts_with(prefix)).then(pl.lit(kind))
    expr = expr.when(msg.str.starts_with("{") & msg.str.contains('"platform.', literal=True)).then(pl.lit("json"))
    expr = expr.when(msg.str.contains(TIMEOUT_MARK, literal=True)).then(pl.lit("timeout"))
    return pl.DataFrame({"m": messages}).select(expr.otherwise(pl.lit("app")).alias("kind"))["kind"]


def _text_rows(events: pl.DataFrame) -> pl.DataFrame:
    """Fields of text platform lines, read by key name."""
    text = events.filter(pl.col("kind").is_in([*PREFIXES, "timeout"]))
    if text.is_empty():
        return text.drop("message")
    marked = pl.col("message")
    for field in FIELDS:
        marked = marked.str.replace_all(f"{field.key}:", f"\x1f{field.column}=", literal=True)
    text = text.with_columns(marked.alias("marked"))
    columns = []
    for column in ROW_COLUMNS:
        field = FIELD_BY_COLUMN.get(column)
        if field is None:
            continue
        raw = pl.col("marked").str.extract(f"\x1f{column}=([^\t\x1f\n]*)").str.strip_chars()
        if field.dtype is not S:
            raw = raw.str.extract(r"^([-+0-9.eE]+)(?:\s*(?:ms|MB))?$").cast(field.dtype, strict=False)
        elif column in ("request_id", "trace_id", "version"):
            raw = raw.str.extract(r"^(\S+)")
        wanted = [kind for kind, cols in WANTED.items() if column in cols]
        columns.append(pl.when(pl.col("kind").is_in(wanted)).then(raw).alias(column))
    timeout_request = pl.col("message").str.extract(rf"(\S+)\s+{TIMEOUT_MARK}")
    return text.with_columns(
        *columns,
        pl.when(pl.col("kind") == "timeout").then(timeout_request).alias("timeout_request"),
    ).with_columns(_missing_reason()).pipe(_keep_reject_text)


def _keep_reject_text(rows: pl.DataFrame) -> pl.DataFrame:
    """Keep the message only where it is needed: in a reject's ``text``."""
    return rows.with_columns(
        # XRAY lines keep theirs too: whether a trailer is orphaned is known only later.
        pl.when(pl.col("reject").is_not_null() | (pl.col("kind") == "xray")).then(pl.col("message")).alias("text")
    ).drop("message", "marked", strict=False)


def _missing_reason() -> pl.Expr:
    """A reject reason for a platform line that lacks a field it cannot do without."""
    reason = pl.lit(None, S)
    for kind, columns in REQUIRED.items():
        for column in reversed(columns):
            label = FIELD_BY_COLUMN[column].key
            reason = pl.when((pl.col("kind") == kind) & pl.col(column).is_null()).then(
                pl.lit(f"{PREFIXES[kind].split()[0]} line without a readable {label}")
            ).otherwise(reason)
    return reason.alias("reject")


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
        if name == "trace_id":  # "Root=1-...;Parent=...;Sampled=1"
            value = value.str.extract(r"Root=([^;]+)")
        dtype = ROW_COLUMNS[name]
        return (value if dtype is S else value.cast(F, strict=False).cast(dtype, strict=False)).alias(name)

    out = decoded.with_columns(
        pl.when(json_kind.str.starts_with("platform."))
        .then(json_kind.replace_strict(JSON_KINDS, default="platform_other"))
        .otherwise(pl.lit("app")).alias("kind"),
        pl.coalesce(_parse_iso(pl.col("doc").struct.field("time")), pl.col("timestamp")).alias("timestamp"),
        pl.lit(True).alias("json"),
        *[read(name) for name in JSON_PATHS],
    ).with_columns(_missing_reason()).drop("doc")
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


def _parse_iso(expr: pl.Expr) -> pl.Expr:
    from logparse.sources import parse_time

    return parse_time(expr)


def _attach_trailers(rows: pl.DataFrame) -> pl.DataFrame:
    """The ``XRAY TraceId`` line is the second line of its REPORT event: give its trace id to the
    REPORT on the line above; a trailer with no REPORT above it is a reject."""
    if rows.is_empty():
        return rows
    is_trailer = (pl.col("kind") == "xray") & pl.col("reject").is_null()
    next_is_trailer = is_trailer.shift(-1).fill_null(False) & (pl.col("line").shift(-1) == pl.col("line") + 1)
    prev_is_report = (pl.col("kind").shift(1) == "report") & (pl.col("line").shift(1) == pl.col("line") - 1)
    return rows.with_columns(
        pl.when((pl.col("kind") == "report") & next_is_trailer)
        .then(pl.coalesce(pl.col("trace_id"), pl.col("trace_id").shift(-1)))
        .otherwise(pl.col("trace_id")).alias("trace_id"),
        pl.when(is_trailer & ~prev_is_report.fill_null(False))
        .then(pl.lit("XRAY trailer without a REPORT line above it"))
        .otherwise(pl.col("reject")).alias("reject"),
    )


def _add_identity(rows: pl.DataFrame, function: str | None, version: str | None) -> pl.DataFrame:
    """Function and version of every row: log group and stream name first, then the START line
    (or JSON record) of the same stream, then the caller's hint, else ``unknown``."""
    if rows.is_empty():
        return rows.with_columns(pl.lit(None, S).alias("function"), pl.lit(None, S).alias("stream_key"))
    stream = pl.col("log_stream").fill_null("")
    by_stream = stream
    from_group = pl.col("log_group").str.extract(r"/aws/lambda/(.+)$")
    from_stream = pl.col("log_stream").str.extract(r"\[([^\]]+)\]")
    start_version = pl.when(pl.col("kind").is_in(["start", "init_start", "restore_start"])).then(
        pl.col("version")).forward_fill().over(by_stream)
    function_name = pl.col("function_name").forward_fill().over(by_stream)
    return rows.with_columns(
        pl.coalesce(from_group, function_name, pl.lit(function, S), pl.lit("unknown")).alias("function"),
        pl.coalesce(from_stream, pl.col("version"), start_version, pl.lit(version, S), pl.lit("unknown"))
        .alias("version"),
        stream.alias("stream_key"),
    )


def _rejects(rows: pl.DataFrame, source: str) -> pd.DataFrame:
    bad = rows.filter(pl.col("reject").is_not_null())
    if bad.is_empty():
        return conform(pd.DataFrame(), REJECTS)
    frame = bad.select(
        pl.lit(source).alias("source"), "line", pl.col("reject").alias("reason"),
        pl.col("text").str.slice(0, REJECT_TEXT_LIMIT).alias("text"),
    ).to_pandas()
    return conform(frame, REJECTS)


def _stats(kinds: pl.Series, rows: pl.DataFrame, rejected: int) -> Stats:
    """Lines per kind (JSON lines counted under the kind they turned out to be) and the totals:
    every line is parsed, skipped (application or blank) or rejected."""
    stats = Stats(lines=len(kinds), rejected=rejected)
    for kind, n in kinds.filter(kinds != "json").value_counts().iter_rows():
        stats.count(kind, n)
    if "json" in rows.columns:
        json_rows = rows.filter(pl.col("json").fill_null(False))
        stats.count("json_lines", json_rows.height)
        for kind, n in json_rows["kind"].value_counts().iter_rows():
            stats.count(kind, n)
    stats.skipped = sum(stats.kinds.get(kind, 0) for kind in SKIPPED_KINDS)
    stats.parsed = stats.lines - stats.skipped - rejected
    return stats


def _invocations(good: pl.DataFrame, rows: pl.DataFrame, source: str) -> pd.DataFrame:
    reports = good.filter(pl.col("kind") == "report")
    if reports.is_empty():
        return conform(pd.DataFrame(), INVOCATIONS)
    timed_out = rows.filter(pl.col("kind") == "timeout")["timeout_request"].drop_nulls() \
        if "timeout_request" in rows.columns else pl.Series([], dtype=S)
    status = pl.col("status").fill_null("success")
    status = pl.when(pl.col("request_id").is_in(timed_out.implode()) & (status == "success")).then(
        pl.lit("timeout")).otherwise(status)
    frame = reports.select(
        "timestamp", "function", "version", "log_stream", "request_id", "duration_ms", "billed_duration_ms",
        "memory_mb", "max_memory_mb", "init_ms", "restore_ms", "billed_restore_ms", status.alias("status"),
        "error_type", "trace_id", pl.lit(source).alias("source"), "line",
    ).to_pandas(use_pyarrow_extension_array=False)
    frame["start_kind"] = classify_start(frame["init_ms"], frame["restore_ms"])
    return conform(frame, INVOCATIONS)


def _restores(good: pl.DataFrame, source: str) -> pd.DataFrame:
    """One row per RESTORE_REPORT, with the runtime of the RESTORE_START before it."""
    runtime = pl.when(pl.col("kind") == "restore_start").then(pl.col("runtime_version")) \
        .forward_fill().over("stream_key")
    restores = good.with_columns(runtime.alias("restore_runtime")).filter(pl.col("kind") == "restore_report")
    if restores.is_empty():
        return conform(pd.DataFrame(), RESTORES)
    frame = restores.select(
        "timestamp", "function", "version", "restore_ms", pl.col("status").fill_null("success"), "error_type",
        pl.col("restore_runtime").alias("runtime_version"), pl.lit(source).alias("source"), "line",
    ).to_pandas()
    return conform(frame, RESTORES)


def _inits(good: pl.DataFrame, source: str) -> pd.DataFrame:
    """One row per initialization: an INIT_START and the INIT_REPORTs that follow it in its stream.

    On-demand inits that succeed print no INIT_REPORT: their duration is the ``Init Duration`` of
    the next REPORT in the stream. An INIT_REPORT without Phase or Status is the snapshot a
    SnapStart version takes at publish time: not a cold start any user waited for.
    """
    is_start = pl.col("kind") == "init_start"
    # -1 marks "the next REPORT has no Init Duration" so backward fill stops at that REPORT.
    next_report_init = pl.when(pl.col("kind") == "report").then(pl.col("init_ms").fill_null(-1.0)) \
        .backward_fill().over("stream_key")
    report_seq = (pl.col("kind") == "report").cast(pl.Int64).cum_sum().over("stream_key")
    staged = good.with_columns(
        next_report_init.alias("next_report_init_ms"),
        is_start.cast(pl.Int64).cum_sum().over("stream_key").alias("init_seq"),
        report_seq.alias("report_seq"),
    ).with_columns(
        pl.when(is_start).then(pl.col("report_seq")).forward_fill().over("stream_key").alias("start_report_seq"),
    ).filter(pl.col("kind").is_in(["init_start", "init_report"]))
    if staged.is_empty():
        return conform(pd.DataFrame(), INITS)
    # An INIT_REPORT belongs to the INIT_START above it unless a REPORT came in between.
    orphan = (pl.col("init_seq") == 0) | (pl.col("report_seq") != pl.col("start_report_seq"))
    group = pl.when(orphan).then(-pl.col("line")).otherwise(pl.col("init_seq"))
    is_report = pl.col("kind") == "init_report"
    merged = staged.with_columns(group.alias("group")).group_by("stream_key", "group", maintain_order=True).agg(
        pl.col("timestamp").first(),
        pl.col("line").first(),
        pl.col("function").first(),
        pl.col("version").first(),
        pl.col("runtime_version").drop_nulls().first(),
        pl.col("runtime_version_arn").drop_nulls().first(),
        pl.col("phase").filter(is_report).drop_nulls().last(),
        pl.col("status").filter(is_report).drop_nulls().last(),
        pl.col("error_type").filter(is_report).drop_nulls().last(),
        pl.col("init_type").drop_nulls().first(),
        pl.col("init_ms").filter(is_report).drop_nulls().last().alias("reported_ms"),
        pl.col("next_report_init_ms").filter(is_start).first(),
        is_report.any().alias("has_report"),
    )
    next_init = pl.when(pl.col("next_report_init_ms") >= 0).then(pl.col("next_report_init_ms"))
    init_ms = pl.coalesce(pl.col("reported_ms"), next_init)
    snapshot = (pl.col("phase") == "snap-start") | (
        pl.col("has_report") & pl.col("phase").is_null() & pl.col("status").is_null())
    init_kind = (
        pl.when(snapshot).then(pl.lit("snapshot"))
        .when(pl.col("init_type") == "provisioned-concurrency").then(pl.lit("provisioned-concurrency"))
        .otherwise(pl.lit("on-demand"))
    )
    status = pl.coalesce(pl.col("status"), pl.when(init_ms.is_not_null()).then(pl.lit("success")))
    frame = merged.select(
        "timestamp", "function", "version", "phase", init_kind.alias("init_kind"), status.alias("status"),
        "error_type", init_ms.alias("init_ms"), "runtime_version", "runtime_version_arn",
        pl.lit(source).alias("source"), "line",
    ).to_pandas()
    return conform(frame, INITS)
