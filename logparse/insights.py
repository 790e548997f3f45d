"""Restore metrics computed by CloudWatch Logs Insights instead of downloading the lines
(``fetch --insights``): the query, its time-chunking within the 10,000-row limit, concurrent
queries with a deadline (and stopped when given up on), and the result in the shape
:func:`logparse.metrics.over_time` produces.

The calls go through :mod:`logparse.aws` (clients, retries, one-line errors).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from logparse.aws import AwsError, as_utc, call, client, log_group
from logparse.metrics import over_time_columns
from logparse.tables import FLOAT, INT

if TYPE_CHECKING:
    import boto3

# Logs Insights limits (CloudWatch Logs quotas): a query returns at most 10,000 rows and runs
# at most 60 minutes; an account runs a limited number of queries at once (30 to 100 depending on
# the quota), shared with dashboards, so we stay well below.
INSIGHTS_MAX_ROWS = 10_000
INSIGHTS_BINS_PER_QUERY = 500  # 500 bins x up to 20 versions stays within 10,000 rows
INSIGHTS_CONCURRENCY = 4
# Queries still running after this are stopped and the run fails with one line: a fetch
# --insights run fits the README's 15-minute cron slot (deadline + one last call < 15 min).
INSIGHTS_DEADLINE_S = 10 * 60

# Lambda REPORT lines are discovered by Logs Insights (@type, @duration, @initDuration, ...); the
# SnapStart fields are not, so they are parsed here. "Restore Duration" comes before "Billed
# Restore Duration" in real lines and parse takes the first match. coalesce() covers the JSON
# log format, whose platform.report carries record.metrics.* instead. Version is the bracketed
# part of the stream name (YYYY/MM/DD/[<version>]<hash>).
INSIGHTS_QUERY = """\
filter @type = "REPORT" or type = "platform.report"
| parse @logStream "[*]" as version
| parse @message "Restore Duration: * ms" as restore_text
| parse @message "Billed Restore Duration: * ms" as billed_restore_text
| fields coalesce(restore_text, `record.metrics.restoreDurationMs`) as restore_ms,
    coalesce(billed_restore_text, `record.metrics.billedRestoreDurationMs`) as billed_restore_ms,
    coalesce(@initDuration, `record.metrics.initDurationMs`) as init_ms,
    coalesce(@duration, `record.metrics.durationMs`) as duration_ms
| stats count(*) as invocations, count(restore_ms) as restore, count(init_ms) as init,
    pct(restore_ms, 50) as restore_ms_p50, pct(restore_ms, 90) as restore_ms_p90,
    pct(restore_ms, 99) as restore_ms_p99, max(restore_ms) as restore_ms_max,
    pct(init_ms, 50) as init_ms_p50, pct(init_ms, 90) as init_ms_p90,
    pct(init_ms, 99) as init_ms_p99, max(init_ms) as init_ms_max,
    sum(billed_restore_ms) as billed_restore_ms_sum, sum(duration_ms) as duration_ms_sum
    by bin({bin}) as bucket_start, version"""

METRICS_COLUMNS = over_time_columns()  # the columns the query's fields are named after

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def insights_bin(bucket: str) -> tuple[str, int]:
    """A bucket as users write it (``5min``, ``1h``, ``1D``) -> the Insights ``bin()`` argument
    (``5m``, ``1h``, ``1d``) and its length in seconds."""
    try:
        seconds = pd.Timedelta(bucket).total_seconds()
    except ValueError:
        seconds = 0
    if seconds < 1 or seconds != int(seconds):
        raise ValueError(f"bucket {bucket!r}: use a whole number of seconds, e.g. 5min, 1h, 1D")
    seconds = int(seconds)
    unit, size = next((u, n) for u, n in _UNITS if seconds % n == 0)
    return f"{seconds // size}{unit}", seconds


def _chunks(since: datetime, until: datetime, step: int, bins: int) -> list[tuple[int, int]]:
    """Query ranges in epoch seconds, cut on bin boundaries so no bin is split between queries."""
    start, end = math.floor(as_utc(since).timestamp()), math.ceil(as_utc(until).timestamp())
    width = step * bins
    out = []
    while start < end:
        stop = min((start // width + 1) * width, end)
        out.append((start, stop))
        start = stop
    return out


def insights_metrics(function: str, since: datetime, until: datetime, bin: str = "1h",
                     session: boto3.Session | None = None, *, concurrency: int = INSIGHTS_CONCURRENCY,
                     deadline_s: float = INSIGHTS_DEADLINE_S,
                     sleep: Callable[[float], None] = time.sleep) -> pd.DataFrame:
    """Per-bin, per-version restore/init metrics computed by Logs Insights, not downloaded lines.

    ``since`` is moved back to the start of its bin. The range is cut into queries of at most
    ``INSIGHTS_BINS_PER_QUERY`` bins, run at most ``concurrency`` at a time; a query that hits the
    10,000-row cap is split in two and re-run. Polling backs off from 0.5 s to 5 s. Insights
    percentiles are approximate, so values can differ slightly from ``metrics.over_time`` on the same lines.
    """
    bin, step = insights_bin(bin)
    cl = client("logs", session)
    group = log_group(function)
    query = INSIGHTS_QUERY.replace("{bin}", bin)
    # Start on a bin boundary: every returned bucket is then complete (the last one excepted,
    # which a later run replaces), so rows can safely replace earlier rows of the same bucket.
    start_s = math.floor(as_utc(since).timestamp()) // step * step
    pending = _chunks(datetime.fromtimestamp(start_s, UTC), until, step, INSIGHTS_BINS_PER_QUERY)
    running: dict[str, tuple[int, int]] = {}
    frames: list[pd.DataFrame] = []
    delay, started = 0.5, time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < concurrency:
                start, stop = pending.pop(0)
                query_id = _start_query(cl, group, start, stop, query)
                running[query_id] = (start, stop)
            if time.monotonic() - started > deadline_s:
                raise AwsError("logs:GetQueryResults", f"queries still running after {deadline_s:.0f} s",
                               "narrow --since or use a larger bucket")
            sleep(delay)
            delay = min(delay * 1.5, 5.0)
            for query_id, (start, stop) in list(running.items()):
                result = call(cl, "get_query_results", queryId=query_id)
                status = result.get("status")
                if status in ("Scheduled", "Running", "Unknown", None):
                    continue
                del running[query_id]
                if status != "Complete":
                    raise AwsError("logs:GetQueryResults", f"query {query_id} ended {status}",
                                   "narrow --since (queries stop after 60 minutes) or retry later")
                rows = result.get("results", [])
                if len(rows) >= INSIGHTS_MAX_ROWS:
                    if stop - start <= step:
                        raise AwsError("logs:GetQueryResults", "one bin has over 10,000 versions",
                                       "use a smaller bucket")
                    middle = start + ((stop - start) // 2 // step or 1) * step
                    pending[:0] = [(start, middle), (middle, stop)]
                    continue
                frames.append(_insights_frame(rows, function, start, stop, step))
                delay = 0.5
    except (AwsError, KeyboardInterrupt):
        # Queries left running would hold the account's concurrent-query slots for up to an
        # hour (and throttle the next run): stop them, one quick best-effort try each.
        stop_queries(session, list(running))
        raise
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in METRICS_COLUMNS.items()})
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["bucket_start", "function", "version"], ignore_index=True)


def _start_query(cl: Any, group: str, start: int, stop: int, query: str) -> str:
    """``start_query``. ``LimitExceededException`` (the account's concurrent-query limit) is a
    throttling error to botocore, so its adaptive retries wait it out; no second loop here."""
    query_id: str = call(cl, "start_query", logGroupName=group, startTime=start, endTime=stop,
                         queryString=query, limit=INSIGHTS_MAX_ROWS)["queryId"]
    return query_id


def stop_queries(sess: boto3.Session | None, query_ids: list[str]) -> None:
    """StopQuery for each id, one attempt of at most 2 s + 3 s, errors ignored: cleanup must not
    stretch a failing run (the queries end by themselves after 60 minutes anyway)."""
    if not query_ids:
        return
    with contextlib.suppress(AwsError):
        cl = client("logs", sess, retries={"mode": "standard", "total_max_attempts": 1},
                    connect_timeout=2, read_timeout=3)
        for query_id in query_ids:
            with contextlib.suppress(AwsError):
                call(cl, "stop_query", queryId=query_id)


def _insights_frame(rows: list[list[dict[str, str]]], function: str, start: int, stop: int,
                    step: int) -> pd.DataFrame:
    """Insights rows (lists of ``{field, value}`` strings) -> the metrics long table.

    Rows for a bin that starts outside ``[floor(start), stop)`` only hold the edge second of a
    neighbouring query's range (the end time is inclusive) and are dropped: that query reports
    the bin in full.
    """
    records = []
    for row in rows:
        record = {}
        for cell in row:
            name = cell.get("field", "")
            record["bucket_start" if name.startswith("bin(") else name] = cell.get("value")
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in METRICS_COLUMNS.items()})
    for column in METRICS_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame["function"] = function
    frame["version"] = frame["version"].fillna("unknown")
    frame["bucket_start"] = pd.to_datetime(frame["bucket_start"], utc=True, format="ISO8601")
    for column, dtype in METRICS_COLUMNS.items():
        if dtype in (INT, FLOAT):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    counts = frame[["invocations", "init", "restore"]].fillna(0)
    frame[["invocations", "init", "restore"]] = counts  # a count Insights left out is zero
    frame["warm"] = (counts["invocations"] - counts["init"] - counts["restore"]).clip(lower=0)
    cold = counts["init"] + counts["restore"]
    frame["cold_start_rate"] = cold / counts["invocations"].where(counts["invocations"] > 0)
    lo = pd.Timestamp(start // step * step, unit="s", tz="UTC")
    hi = pd.Timestamp(stop, unit="s", tz="UTC")
    frame = frame[(frame["bucket_start"] >= lo) & (frame["bucket_start"] < hi)]
    return frame[list(METRICS_COLUMNS)].astype(METRICS_COLUMNS).reset_index(drop=True)
