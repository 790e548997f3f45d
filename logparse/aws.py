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

import io
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import orjson
import pandas as pd

from logparse.errors import SnapLensError
from logparse.tables import INT, TEXT, TIME
from logparse.timeutil import epoch_ms, utc

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


def as_utc(t: datetime) -> datetime:
    """Naive datetimes are taken as UTC: every time in SnapLens is UTC."""
    return utc(t).to_pydatetime()


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
                              "startTime": epoch_ms(since), "endTime": epoch_ms(until)}
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
    start, until = as_utc(since), as_utc(until)
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
