"""Live AWS sources: CloudWatch Logs, Logs Insights, X-Ray and the Lambda API.

Every fetch returns the same bytes a user would get from the AWS CLI (``aws logs
filter-log-events``, ``aws xray batch-get-traces``), so ``logparse.load`` parses a live fetch
exactly as it parses a saved file: there is one parser, and "CSVs from fetch == CSVs from files"
holds by construction. The only exception is Logs Insights, whose point is to *not* download the
lines: it returns the metrics table directly, in the shape ``logparse.metrics.over_time`` produces.

Clients come from ``boto3.Session()`` and so follow the standard credential chain and honour
``AWS_PROFILE``, ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` and ``AWS_ENDPOINT_URL``. Retries use
botocore's adaptive mode; whatever still fails becomes one :class:`AwsError` line that names the
API and says what to do, never a traceback.

One retry policy, botocore's: adaptive mode (client-side rate limiting on throttling), at most
``MAX_ATTEMPTS`` tries per call in total, ``CONNECT_TIMEOUT_S`` / ``READ_TIMEOUT_S`` per try. No
code here retries on top of it (a loop of our own around botocore's once made a throttled
``fetch --insights`` take 88 calls and ten minutes), so a dead endpoint fails within
``DEAD_ENDPOINT_S`` and a throttled call waits at most ``THROTTLED_BACKOFF_S`` in backoff.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import orjson
import pandas as pd

from logparse.errors import SnapLensError
from logparse.tables import FLOAT, INT, TEXT, TIME

if TYPE_CHECKING:
    import boto3

    from logparse.state import State
    from logparse.tables import Tables

log = logging.getLogger(__name__)

# CloudWatch filter-pattern syntax: a `?` before each term means "any of these terms"; quoted terms
# may hold spaces and punctuation. Platform lines only, so a busy function's application output
# never crosses the network. The JSON log format's platform events all contain "platform.".
PLATFORM_TERMS = ("START", "END", "REPORT", "INIT_START", "INIT_REPORT", "RESTORE_START",
                  "RESTORE_REPORT", '"Task timed out"', '"platform."')
PLATFORM_FILTER = " ".join(f"?{term}" for term in PLATFORM_TERMS)

# Chosen so that a dead endpoint (one that accepts and never answers, or never accepts) fails a
# call within 5 x (5 s + 15 s) + 0.75 s of backoff = about 101 s: one line, well inside a
# 15-minute cron slot; while a throttled call still gets four backed-off retries (up to 1, 2, 4,
# 8 s, jittered) on top of adaptive mode's client-side rate limiting. The read timeout is per
# socket read, so it does not cut a healthy slow call: the slowest API used here
# (FilterLogEvents on a big group) answers within seconds, with an empty page and a nextToken
# when it needs more time.
MAX_ATTEMPTS = 5  # in total, the first try included
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0
RETRY_CONFIG: dict[str, Any] = {"retries": {"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
                                "connect_timeout": CONNECT_TIMEOUT_S, "read_timeout": READ_TIMEOUT_S}
# botocore's documented backoff before retry i (0-based): random(0, 1) x min(base x 2^i, 20 s),
# base 1 s for throttling and 0.05 s for timeouts and HTTP 5xx. The worst cases it allows:
THROTTLED_BACKOFF_S = sum(min(2.0 ** i, 20.0) for i in range(MAX_ATTEMPTS - 1))
DEAD_ENDPOINT_S = (MAX_ATTEMPTS * (CONNECT_TIMEOUT_S + READ_TIMEOUT_S)
                   + sum(min(0.05 * 2.0 ** i, 20.0) for i in range(MAX_ATTEMPTS - 1)))

# Keys kept from each filter-log-events event: the documented envelope, nothing session-specific.
EVENT_KEYS = ("logStreamName", "timestamp", "message", "eventId")

# BatchGetTraces accepts at most 5 trace ids per call (X-Ray API reference).
XRAY_BATCH = 5
# GetTraceSummaries is asked for at most this span at a time: the API limits the time range of a
# single call, and short windows keep each paginated scan small.
XRAY_WINDOW = timedelta(hours=6)

# Logs Insights limits (CloudWatch Logs quotas): a query returns at most 10,000 rows and runs
# at most 60 minutes; an account runs a limited number of queries at once (30 to 100 depending on
# the quota), shared with dashboards, so we stay well below.
INSIGHTS_MAX_ROWS = 10_000
INSIGHTS_BINS_PER_QUERY = 500  # 500 bins x up to 20 versions stays within 10,000 rows
INSIGHTS_CONCURRENCY = 4
# Queries still running after this are stopped and the run fails with one line: a fetch
# --insights run fits the README's 15-minute cron slot (deadline + one last call < 15 min).
INSIGHTS_DEADLINE_S = 10 * 60

THROTTLING = {"ThrottlingException", "Throttling", "TooManyRequestsException",
              "RequestLimitExceeded", "LimitExceededException", "RequestThrottled",
              "ProvisionedThroughputExceededException", "SlowDown"}
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
          "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
          "ExpiredTokenException", "InvalidSignatureException", "SignatureDoesNotMatch",
          "NotAuthorized"}
NOT_FOUND = {"ResourceNotFoundException", "ResourceNotFound", "NotFoundException"}
INVALID = {"ValidationException", "InvalidParameterException", "InvalidParameterValueException",
           "InvalidParameterCombinationException", "MalformedQueryException", "InvalidRequestException"}


class AwsError(SnapLensError):
    """A failed AWS call, already phrased for the user: ``<API>: <problem>`` and a hint."""

    def __init__(self, api: str, problem: str, hint: str) -> None:
        super().__init__(f"{api}: {problem}", hint)
        self.api = api
        self.problem = problem


# --------------------------------------------------------------------------- clients and errors


def session(region: str | None = None, profile: str | None = None) -> boto3.Session:
    """A boto3 session on the standard chain; ``region`` / ``profile`` override the environment.
    The region follows the order the AWS SDKs document: ``region``, ``AWS_REGION``,
    ``AWS_DEFAULT_REGION``, the profile's (botocore alone does not read ``AWS_REGION``)."""
    import boto3

    return boto3.Session(region_name=region or os.environ.get("AWS_REGION") or None, profile_name=profile)


def client(service: str, sess: boto3.Session | None = None, **config: Any) -> Any:
    """A client with adaptive retries, so throttling is absorbed before it is reported
    (``config`` replaces parts of :data:`RETRY_CONFIG`, e.g. for a best-effort cleanup call)."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    sess = sess or session()
    try:
        return sess.client(service, config=Config(**{**RETRY_CONFIG, **config}))
    except BotoCoreError as err:  # NoRegionError, unknown profile, bad endpoint URL
        raise _translate(f"{service} client", err) from None


def _api(cl: Any, method: str) -> str:
    """The IAM action for a client method (``logs:FilterLogEvents``): what a policy must allow."""
    try:
        prefix = cl.meta.service_model.signing_name
        return f"{prefix}:{cl.meta.method_to_api_mapping[method]}"
    except (AttributeError, KeyError):
        return method


def _translate(api: str, err: Exception) -> AwsError:
    """Turn any botocore exception into one actionable line (retries are already spent)."""
    from botocore import exceptions as bx

    tries = f"{MAX_ATTEMPTS} attempts"
    if isinstance(err, bx.ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        message = (err.response.get("Error", {}).get("Message", "") or code).replace("\n", " ")
        status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in THROTTLING:
            return AwsError(api, f"throttled by AWS ({code}) after {tries}",
                            "wait and retry, lower the request rate (fewer concurrent jobs) or "
                            "narrow --since; ask for a quota increase if it persists")
        if code in DENIED:
            return AwsError(api, f"access denied ({code}: {message})",
                            f"allow {api} for these credentials (AWS_PROFILE / role) "
                            "and check the session is not expired")
        if code in NOT_FOUND:
            return AwsError(api, f"not found ({message})",
                            "check the function name and --region / AWS_REGION")
        if status >= 500:
            return AwsError(api, f"AWS failed with HTTP {status} ({code or 'no error code'}: {message}) "
                                 f"after {tries}",
                            "a fault on the AWS side: retry later; if it persists, check the AWS "
                            "Health Dashboard for this region")
        if code in INVALID:
            return AwsError(api, f"request rejected ({code}: {message})",
                            "check --function, --since/--until and --region")
        return AwsError(api, f"{code or f'HTTP {status}'}: {message}",
                        "check --function, --since/--until, --region and AWS_ENDPOINT_URL; "
                        "retry later if it is intermittent")
    if isinstance(err, bx.NoCredentialsError | bx.PartialCredentialsError):
        return AwsError(api, "no AWS credentials found",
                        "set AWS_PROFILE, run `aws configure` / `aws sso login`, or export "
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    if isinstance(err, bx.NoRegionError):
        return AwsError(api, "no AWS region configured", "pass --region or set AWS_REGION")
    if isinstance(err, bx.ProfileNotFound):
        return AwsError(api, str(err), "check AWS_PROFILE against ~/.aws/config")
    endpoint = getattr(err, "kwargs", {}).get("endpoint_url", "")
    where = f" {endpoint}" if endpoint else ""
    if isinstance(err, bx.ReadTimeoutError):
        return AwsError(api, f"no answer from the endpoint{where} within {READ_TIMEOUT_S:g} s, {tries}",
                        "check the network, --region and AWS_ENDPOINT_URL; retry later")
    if isinstance(err, bx.ConnectTimeoutError):
        return AwsError(api, f"no connection to the endpoint{where} within {CONNECT_TIMEOUT_S:g} s, {tries}",
                        "check the network (proxy, firewall), --region and AWS_ENDPOINT_URL")
    if isinstance(err, bx.EndpointConnectionError | bx.ConnectionClosedError
                  | bx.InvalidEndpointConfigurationError):
        return AwsError(api, f"cannot reach the endpoint ({err})",
                        "check the network, --region and AWS_ENDPOINT_URL")
    return AwsError(api, f"{type(err).__name__}: {err}", "check the AWS configuration")


def call(cl: Any, method: str, **params: Any) -> dict[str, Any]:
    """One API call with errors translated to :class:`AwsError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response: dict[str, Any] = getattr(cl, method)(**params)
        return response
    except (ClientError, BotoCoreError) as err:
        raise _translate(_api(cl, method), err) from None


def pages(cl: Any, method: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paginated API (botocore follows the tokens), errors translated."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield from cl.get_paginator(method).paginate(**params)
    except (ClientError, BotoCoreError) as err:
        raise _translate(_api(cl, method), err) from None


def log_group(function: str) -> str:
    """Lambda writes a function's logs to ``/aws/lambda/<function>`` unless told otherwise."""
    return function if function.startswith("/") else f"/aws/lambda/{function}"


def _ms(t: datetime) -> int:
    return int(_utc(t).timestamp() * 1000)


def _utc(t: datetime) -> datetime:
    """Naive datetimes are taken as UTC: every time in SnapLens is UTC."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _progress(enabled: bool, desc: str) -> Any:
    """A tqdm bar on an interactive stderr; nothing under cron (machine-readable logs only)."""
    if not (enabled and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" events", file=sys.stderr, leave=False)


# --------------------------------------------------------------------------- CloudWatch Logs


def fetch_log_events(function: str, since: datetime, until: datetime, *,
                     session: boto3.Session | None = None, filter_pattern: str | None = PLATFORM_FILTER,
                     page_size: int | None = None, progress: bool = False) -> list[dict[str, Any]]:
    """All events of ``/aws/lambda/<function>`` in ``[since, until]`` matching ``filter_pattern``.

    Fully paginated (``nextToken``). Events come back sorted by time then stream, which keeps each
    stream's order (RESTORE_* lines belong to the next REPORT of the same stream) and makes the
    envelope byte-identical for the same data whatever order the pages arrived in. A repeated
    ``eventId`` (possible when pages shift under concurrent ingestion) is kept once.
    """
    cl = client("logs", session)
    params: dict[str, Any] = {"logGroupName": log_group(function),
                              "startTime": _ms(since), "endTime": _ms(until)}
    if filter_pattern:
        params["filterPattern"] = filter_pattern
    if page_size:
        params["PaginationConfig"] = {"PageSize": page_size}
    events: list[dict[str, Any]] = []
    seen: set[str] = set()
    bar = _progress(progress, log_group(function))
    for page in pages(cl, "filter_log_events", **params):
        for event in page.get("events", []):
            if event["eventId"] in seen:
                continue
            seen.add(event["eventId"])
            events.append({key: event.get(key) for key in EVENT_KEYS})
        if bar is not None:
            bar.update(len(page.get("events", [])))
    if bar is not None:
        bar.close()
    events.sort(key=lambda e: (e["timestamp"], e["logStreamName"] or ""))
    log.info("fetched %d events from %s", len(events), log_group(function))
    return events


def envelope(group: str, events: Iterable[dict[str, Any]]) -> bytes:
    """The ``filter-log-events`` JSON a file would hold, plus the top-level ``logGroupName`` that
    the CLI output lacks, so the parser learns the function from it as it does from a group."""
    return orjson.dumps({"logGroupName": group, "events": list(events)})


def fetch_logs(function: str, since: datetime, until: datetime, *,
               session: boto3.Session | None = None, filter_pattern: str | None = PLATFORM_FILTER,
               page_size: int | None = None, progress: bool = False) -> bytes:
    """Platform lines of one function as ``filter-log-events`` JSON bytes for ``logparse.load``."""
    events = fetch_log_events(function, since, until, session=session, filter_pattern=filter_pattern,
                              page_size=page_size, progress=progress)
    return envelope(log_group(function), events)


# --------------------------------------------------------------------------- X-Ray


def xray_filter(function: str) -> str:
    """Traces that went through the function's own segment (not the AWS::Lambda service node)."""
    return f'service(id(name: "{function}", type: "AWS::Lambda::Function"))'


def _windows(since: datetime, until: datetime, width: timedelta) -> Iterator[tuple[datetime, datetime]]:
    start, until = _utc(since), _utc(until)
    while start < until:
        end = min(start + width, until)
        yield start, end
        start = end


def fetch_traces(function: str, since: datetime, until: datetime,
                 session: boto3.Session | None = None, *,
                 filter_expression: str | EllipsisType | None = ...) -> bytes:
    """X-Ray traces of one function as ``batch-get-traces`` JSON bytes (``{"Traces": [...]}``).

    ``get_trace_summaries`` (paginated, by service filter, in windows of at most six hours) finds
    the trace ids; ``batch_get_traces`` fetches them 5 at a time, the API maximum. Pass
    ``filter_expression=None`` to list every trace (moto does not implement filter expressions).
    """
    cl = client("xray", session)
    expression = xray_filter(function) if filter_expression is ... else filter_expression
    ids: dict[str, None] = {}
    for start, end in _windows(since, until, XRAY_WINDOW):
        params: dict[str, Any] = {"StartTime": start, "EndTime": end}
        if expression:
            params["FilterExpression"] = expression
        for page in pages(cl, "get_trace_summaries", **params):
            ids.update((summary["Id"], None) for summary in page.get("TraceSummaries", []))
    traces: dict[str, dict[str, Any]] = {}
    unprocessed: list[str] = []
    order = sorted(ids)
    for i in range(0, len(order), XRAY_BATCH):
        for page in pages(cl, "batch_get_traces", TraceIds=order[i:i + XRAY_BATCH]):
            for trace in page.get("Traces", []):
                segments = sorted(trace.get("Segments", []), key=lambda s: s.get("Id", ""))
                traces[trace["Id"]] = {**trace, "Segments": segments}
            unprocessed += page.get("UnprocessedTraceIds", [])
    log.info("fetched %d traces for %s", len(traces), function)
    body: dict[str, Any] = {"Traces": [traces[k] for k in sorted(traces)]}
    if unprocessed:
        body["UnprocessedTraceIds"] = sorted(set(unprocessed))
    return orjson.dumps(body)


# --------------------------------------------------------------------------- Lambda versions

VERSION_COLUMNS = {"function": TEXT, "version": TEXT, "memory_mb": INT, "architecture": TEXT,
                   "snapstart": "boolean", "created": TIME}


def fetch_versions(function: str, session: boto3.Session | None = None) -> pd.DataFrame:
    """Memory, architecture, SnapStart status and creation time of every version of a function.

    The cost model needs them: the cache is charged per GB-second from publication, and a
    version's memory and architecture set its prices. ``created`` is ``LastModified``, which for
    a published (immutable) version is its publication time.
    """
    cl = client("lambda", session)
    rows = []
    for page in pages(cl, "list_versions_by_function", FunctionName=function):
        for config in page.get("Versions", []):
            version = config.get("Version", "$LATEST")
            apply_on = (config.get("SnapStart") or {}).get("ApplyOn")
            rows.append({
                "function": config.get("FunctionName", function),
                "version": version,
                "memory_mb": config.get("MemorySize"),
                "architecture": (config.get("Architectures") or ["x86_64"])[0],
                # $LATEST is never snapshotted, even when the function has ApplyOn set.
                "snapstart": apply_on == "PublishedVersions" and version != "$LATEST",
                "created": pd.to_datetime(config.get("LastModified"), utc=True, format="ISO8601"),
            })
    frame = pd.DataFrame(rows, columns=list(VERSION_COLUMNS))
    return frame.astype(VERSION_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------- Logs Insights

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

METRICS_COLUMNS: dict[str, str] = {
    "bucket_start": TIME, "function": TEXT, "version": TEXT,
    "invocations": INT, "warm": INT, "init": INT, "restore": INT, "cold_start_rate": FLOAT,
    "restore_ms_p50": FLOAT, "restore_ms_p90": FLOAT, "restore_ms_p99": FLOAT,
    "restore_ms_max": FLOAT, "init_ms_p50": FLOAT, "init_ms_p90": FLOAT, "init_ms_p99": FLOAT,
    "init_ms_max": FLOAT, "billed_restore_ms_sum": FLOAT, "duration_ms_sum": FLOAT,
}

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
    start, end = math.floor(_utc(since).timestamp()), math.ceil(_utc(until).timestamp())
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
    start_s = math.floor(_utc(since).timestamp()) // step * step
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


# --------------------------------------------------------------------------- one call for the CLI


def fetch_tables(function: str, since: datetime, until: datetime, *,
                 session: boto3.Session | None = None, state: State | None = None,
                 xray: bool = False, versions: bool = True, progress: bool = False,
                 filter_pattern: str | None = PLATFORM_FILTER,
                 trace_filter: str | EllipsisType | None = ...) -> Tables:
    """Fetch logs (and optionally traces) of one function and parse them into Tables.

    With a ``state``, the window starts at the saved watermark (minus its lookback) instead of
    ``since``, and events already seen are dropped; the state is only staged here and is saved by
    ``export.run_export`` once the CSVs are safely written.
    """
    from logparse import load

    group = log_group(function)
    start = state.since(group, since) if state else since
    events = fetch_log_events(function, start, until, session=session,
                              filter_pattern=filter_pattern, progress=progress)
    if state:
        events = state.take(group, events)
    # Named inputs so rejects say where a line came from (and dedupe the same way every run).
    inputs = [_named(envelope(group, events), f"cloudwatch:{group}")]
    if xray:
        key = f"xray:{function}"
        trace_start = state.since(key, since) if state else since
        traces = fetch_traces(function, trace_start, until, session, filter_expression=trace_filter)
        inputs.append(_named(traces, f"xray:{function}"))
        if state:
            state.advance_to(key, until)
    tables = load(*inputs, function=function)
    if versions:
        tables.versions = versions_if_allowed(function, session)
    return tables


def versions_if_allowed(function: str, session: boto3.Session | None) -> pd.DataFrame:
    """Versions only refine the cost model (creation time, memory, SnapStart status); without
    them it falls back to what the logs show, so a missing permission is a warning, not a failure."""
    try:
        return fetch_versions(function, session)
    except AwsError as err:
        log.warning("%s; costs use the versions seen in the logs", err)
        return pd.DataFrame()


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer
