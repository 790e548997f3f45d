"""CloudWatch platform lines (text and JSON log format) -> invocations, inits, restores.

Three steps, each in its own module: tell the lines apart (:mod:`logparse.kinds`), read the fields
of the platform lines (:mod:`logparse.fields`, by the formats of :mod:`logparse.formats`), and
here, stitch the lines of one log stream together (START gives a REPORT its version, RESTORE_START
gives RESTORE_REPORT its runtime, the ``XRAY`` trailer line belongs to the REPORT above it).
Application lines are counted and skipped; platform lines that cannot be read become rejects with
a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import polars as pl

if TYPE_CHECKING:
    import pyarrow as pa

from logparse.fields import EXACT_COLUMNS, EXACT_FIELDS, generic_rows, json_rows, layout_rows, report_rows, start_rows
from logparse.formats import LAYOUTS, ROW_SCHEMA, SKIPPED_KINDS
from logparse.kinds import GENERIC_KINDS, KIND_CODES, KIND_NAMES, ROW_KINDS, kind_codes, kinds_of_json
from logparse.tables import (
    INITS,
    INVOCATIONS,
    REJECT_TEXT_LIMIT,
    REJECTS,
    RESTORES,
    SCHEMAS,
    Stats,
    empty,
    from_polars,
    start_kind_expr,
)

S, F, N = pl.String, pl.Float64, pl.Int64  # text, float, integer


@dataclass
class Parsed:
    """The platform tables of one input plus its line accounting."""

    invocations: pd.DataFrame
    inits: pd.DataFrame
    restores: pd.DataFrame
    rejects: pd.DataFrame
    stats: Stats
    timed_out: pl.Series | None = None  # request ids of the ``Task timed out`` lines


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
    :mod:`logparse.sifting`)."""
    counted = counted or {}
    message = pl.col("message")
    codes = kind_codes(events)
    events = events.drop("code", strict=False)
    # Counted and filtered on small integer codes: a kind's name is written out only on its own rows.
    counts = kind_counts(codes.to_numpy(), counted)
    present = [kind for kind in ROW_KINDS if counts.get(kind, 0) > counted.get(kind, 0)]  # (kinds with rows)
    blank = events.select((message.is_null() | (message.str.len_bytes() == 0)).sum()).item()
    # Each kind's rows filtered out once, in line order (cheaper than a filter then a partition).
    parts = {kind: events.filter(codes == KIND_CODES[kind]).with_columns(pl.lit(kind, S).alias("kind"))
             for kind in present}
    # The exact fields the compiled scanner found serve the readers of their kinds only.
    parts = {kind: part if kind in EXACT_FIELDS else part.drop(EXACT_COLUMNS, strict=False)
             for kind, part in parts.items()}
    events = events.drop(EXACT_COLUMNS, strict=False)
    empty = _complete(events.clear().drop("message").with_columns(pl.lit(None, S).alias("kind")), function, version)
    height = events.height + sum(counted.values())
    del events, codes
    # Kinds in the order the tables have always listed them: rejects come out in this order.
    generic = sorted((kind for kind in parts if kind in GENERIC_KINDS), key=lambda kind: parts[kind]["line"][0])
    parts = {kind: parts[kind] for kind in ("report", "start", *generic, "json") if kind in parts}
    readers = {"report": report_rows, "start": start_rows, "json": json_rows,
               **dict.fromkeys(LAYOUTS, layout_rows)}
    pieces = {}
    for kind in list(parts):
        piece = _complete(readers.get(kind, generic_rows)(parts.pop(kind)), function, version)
        pieces[kind] = piece.with_columns(_own(piece["text"]))
    return Rows(height, blank, counts, pieces, empty)


def kind_counts(codes: np.ndarray, counted: dict[str, int]) -> dict[str, int]:
    """Lines per kind: those of ``codes`` (each line's kind as a small integer), then the lines
    only counted (``counted``, kept even where 0)."""
    bins = np.bincount(codes, minlength=len(KIND_NAMES))
    counts = {name: int(n) for name, n in zip(KIND_NAMES, bins, strict=True) if n}
    for kind, n in counted.items():
        counts[kind] = counts.get(kind, 0) + n
    return counts


def _own(text: pl.Series) -> pl.Series:
    """The few texts kept (rejects, XRAY trailers) copied out of the line buffer: a string view
    into it would keep all of it alive, hundreds of MB for a few short lines."""
    if text.null_count() == len(text):
        return text
    import pyarrow as pa

    return pl.Series(text.name, text.to_arrow().cast(pa.large_string()), dtype=S)


def stitch(rows: Rows, source: str, reports_elsewhere: Sequence[ReportLines] = ()) -> Parsed:
    """The pieces of one input stitched into its tables (see the module docstring).
    ``reports_elsewhere``: REPORT lines read elsewhere (by the compiled scanner), which an
    INIT_START above them still takes its duration from."""
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
        inits=_inits(good, source, reports_elsewhere),
        restores=_restores(good, source),
        rejects=_rejects(rejects, source),
        stats=line_stats(rows.lines, rows.blank, rows.counts, json_kinds, rejects.height),
        timed_out=_timed_out(good),
    )


def _complete(rows: pl.DataFrame, function: str | None, version: str | None) -> pl.DataFrame:
    """Every row column present (null where the line kind has none), plus the row's identity."""
    rows = rows.with_columns(pl.lit(None, dtype).alias(name) for name, dtype in ROW_SCHEMA.items()
                             if name not in rows.columns)
    return _add_identity(rows, function, version)


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
    """The rejected lines in line order (whichever reader found them)."""
    frame = bad.sort("line", maintain_order=True).select(
        pl.lit(source).alias("source"), "line", pl.col("reject").alias("reason"),
        pl.col("text").str.slice(0, REJECT_TEXT_LIMIT).alias("text"),
    )
    return from_polars(frame, REJECTS)


def line_stats(lines: int, blank: int, counts: dict[str, int], json_kinds: dict[str, int], rejected: int) -> Stats:
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
    stats.count("app", counts.get("app", 0) - blank)  # blank lines fall through to "app" in kind_codes
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


def _asof(left: pl.DataFrame, right: pl.DataFrame, by: list[str] | None,
          strategy: Literal["backward", "forward"] = "backward") -> pl.DataFrame:
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
    timed_out = _timed_out(good)
    status = pl.col("status").fill_null("success")
    status = pl.when(pl.col("request_id").is_in(timed_out.implode()) & (status == "success")).then(
        pl.lit("timeout")).otherwise(status)
    start_kind = start_kind_expr()
    frame = reports.select(
        "timestamp", "function", _version(pl.col("start_version")).alias("version"), "log_stream", "request_id",
        "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb", "init_ms", "restore_ms",
        "billed_restore_ms", start_kind.alias("start_kind"), status.alias("status"), "error_type", "trace_id",
        pl.lit(source).alias("source"), "line",
    )
    return from_polars(frame, INVOCATIONS)


@dataclass
class ReportLines:
    """REPORT lines read elsewhere: their lines (in order), Init Durations (NaN: none) and their
    stream: one for all, or each line's own (a tail or sam copy interleaves streams; an Arrow
    array, made a Polars column only when an INIT_START looks for its next REPORT)."""

    stream_key: str | pa.Array
    line: np.ndarray
    init_ms: np.ndarray


def _next_below(starts: pl.DataFrame, reports: Sequence[ReportLines]) -> list[pl.DataFrame]:
    """Of each ReportLines, the REPORT right below each INIT_START: all a forward as-of join on
    the union can pick from them (the nearest below in a stream is the nearest in one of them)."""
    below = starts["line"].to_numpy()
    found = []
    for lines in reports:
        if not isinstance(lines.stream_key, str):  # each line its own stream: the next one in the INIT_START's
            frame = pl.DataFrame({"stream_key": lines.stream_key, "line": lines.line,
                                  "init_ms": pl.Series(lines.init_ms, dtype=F, nan_to_null=True)})
            nearest = starts.select("stream_key", "line").join_asof(
                frame.with_columns(pl.col("line").alias("below")), on="line", by="stream_key", strategy="forward",
                check_sortedness=False)
            found.append(nearest.filter(pl.col("below").is_not_null()).unique("below", maintain_order=True)
                         .select("stream_key", pl.col("below").alias("line"), "init_ms"))
            continue
        at = np.searchsorted(lines.line, below, side="right")
        at = np.unique(at[at < len(lines.line)])
        found.append(pl.DataFrame({"stream_key": pl.repeat(lines.stream_key, len(at), dtype=S, eager=True),
                                   "line": lines.line[at],
                                   "init_ms": pl.Series(lines.init_ms[at], dtype=F, nan_to_null=True)}))
    return found


def _timed_out(good: dict[str, pl.DataFrame]) -> pl.Series:
    timeouts = good.get("timeout")
    return timeouts["timeout_request"].drop_nulls() if timeouts is not None else pl.Series([], dtype=S)


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


def _inits(good: dict[str, pl.DataFrame], source: str, reports_elsewhere: Sequence[ReportLines] = ()
           ) -> pd.DataFrame:
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
        next_reports = good.get("report", empty.with_columns(pl.lit(None, F).alias("init_ms"))).select(
            "stream_key", "line", "init_ms")
        if reports_elsewhere:
            next_reports = pl.concat([next_reports, *_next_below(starts, reports_elsewhere)],
                                     how="vertical_relaxed").sort("line")
        next_reports = next_reports.select("stream_key", "line",
                                           pl.col("init_ms").fill_null(-1.0).alias("next_init_ms"))
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
