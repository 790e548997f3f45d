#!/usr/bin/env python3
"""Write SnapLens' sample data: one simulated week of Lambda logs and X-Ray traces.

    python sample_logs/generate.py [--out DIR]

The week is 2026-11-16T00:00Z (a Monday) to 2026-11-23T00:00Z. Four functions in one account
(123456789012, us-east-1) are simulated request by request: arrivals, execution environments that
are restored from a SnapStart snapshot (or initialised on demand), reused while warm and reclaimed,
version publishes and alias shifts. The result is written in the envelopes users actually have
(``aws logs tail`` text, a CloudWatch export to S3, ``aws logs filter-log-events`` JSON and
``aws xray batch-get-traces`` JSON) together with ``README.md``, whose counts and line numbers are
computed here so they can never drift from the data.

Everything is seeded and free of wall-clock time: the same numpy version writes the same bytes
(``tests/test_sample_logs.py`` checks it). Edit the specs in ``FUNCTIONS`` or ``PLANTS`` and re-run.
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import itertools
import json
import math
import re
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

SEED = 20261116
ACCOUNT = "123456789012"
REGION = "us-east-1"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)
WEEK_END = datetime(2026, 11, 23, tzinfo=UTC)
MINUTE = 60_000
HOUR = 60 * MINUTE
# Runtime version ARNs are opaque 64-hex ids; fixed values keep the files stable and readable.
RUNTIME_ARNS = {
    "python:3.12.v35": "arn:aws:lambda:us-east-1::runtime:" + "5b1c9a0e" * 8,
    "python:3.12.v36": "arn:aws:lambda:us-east-1::runtime:" + "e7d3f8a4" * 8,
}
OUTPUT_DIRS = ("tail", "s3-export", "filter-log-events", "xray")
FAILED_RESTORES = ("hook_timeout", "restore_exit_error")


def at(text: str) -> int:
    """Epoch milliseconds of an ISO-8601 UTC time such as ``2026-11-17T14:05:12.345``."""
    return to_ms(datetime.fromisoformat(text).replace(tzinfo=UTC))


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def as_datetime(ms: int) -> datetime:
    # Integer arithmetic: float seconds would turn .123 into .122999 in some timestamps.
    return EPOCH + timedelta(milliseconds=ms)


def iso_z(ms: int) -> str:
    """CloudWatch's own timestamp text, as in S3 exports and Python runtime lines."""
    return as_datetime(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


# ---------------------------------------------------------------------------------------------
# Specs: what is simulated. Data, not branches.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """A function version. ``published`` is when its snapshot was created, if inside the week."""

    name: str
    runtime: str
    published: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Traffic:
    """Arrival process: a diurnal, weekday-heavy Poisson process, optionally bursty or scheduled."""

    peak_per_min: float
    night_floor: float = 0.06
    peak_hour: float = 14.0
    width_hours: float = 3.5
    weekend_factor: float = 0.5
    burst_mean: float = 1.0  # mean requests per arrival (uploads come in batches)
    burst_gap_ms: float = 900.0  # mean gap between the requests of one batch
    schedule_every_min: int = 0  # an EventBridge schedule on top of the ad-hoc traffic
    spikes: tuple[tuple[int, int, float], ...] = ()  # (start, end, rate multiplier)


@dataclass(frozen=True)
class Profile:
    """Distributions of one function's timings and memory (lognormal: median and sigma)."""

    duration_ms: tuple[float, float]
    duration_cap_ms: float
    first_request_factor: float  # the first request of a new environment is slower (lazy work)
    restore_ms: tuple[float, float] = (500.0, 0.55)  # the snapshot restore above its floor
    restore_floor_ms: float = 140.0  # snapshot restore never gets faster than this
    billed_restore_ms: tuple[float, float] = (45.0, 0.45)
    init_ms: tuple[float, float] = (2500.0, 0.25)
    memory_mb: tuple[float, float] = (150.0, 6.0)  # resident after start, per-request peak spread
    lifetime_min: tuple[float, float] = (5.0, 60.0)  # environments are reclaimed after this
    idle_min: tuple[float, float] = (8.0, 25.0)  # ... or after being idle this long


@dataclass(frozen=True)
class Function:
    """One simulated Lambda function and where its logs are written."""

    name: str
    memory_mb: int
    snapstart: bool
    log_format: str  # "text" | "json"
    timeout_s: int
    versions: tuple[Version, ...]
    routes: tuple[tuple[int, tuple[tuple[str, float], ...]], ...]  # (from, ((version, weight), ...))
    traffic: Traffic
    profile: Profile
    trace_rate: float  # share of warm requests with an X-Ray trace
    cold_trace_rate: float  # share of restores / inits with a trace (see README: deliberate bias)
    envelope: str  # "tail" | "s3" | "filter"
    app_lines: Callable[[np.random.Generator, bool], list[tuple[str, str]]]
    deploys: tuple[tuple[int, bool], ...] = ()  # $LATEST code updates: (time, broken?)
    after_restore_hook: str = ""  # name of the hook that logs and shows in X-Ray, per version
    hook_versions: tuple[str, ...] = ()

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    def arn(self, version: str | None = None) -> str:
        base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"
        return base if version in (None, "$LATEST") else f"{base}:{version}"


def orders_lines(rng: np.random.Generator, first: bool) -> list[tuple[str, str]]:
    """orders-api: an HTTP API behind a function URL; logs one access line for most requests."""
    order = int(rng.integers(10_000, 99_999))
    route = rng.choice(["GET /orders/{n}", "GET /orders?customer={n}", "POST /orders", "GET /health"],
                       p=[0.55, 0.2, 0.15, 0.1])
    lines = []
    if first:
        lines.append(("INFO", "connection pool ready (2 connections)"))
    roll = rng.random()
    if roll < 0.01:
        lines.append(("ERROR", f"{route.format(n=order)} -> 502 (payments-gateway unavailable)"))
    elif roll < 0.04:
        lines.append(("WARNING", f"slow query orders_by_customer: {int(rng.integers(900, 2500))} ms"))
    elif roll < 0.45:
        status = 201 if route == "POST /orders" else 200
        lines.append(("INFO", f"{route.format(n=order)} -> {status}"))
    return lines


def resizer_lines(rng: np.random.Generator, first: bool) -> list[tuple[str, str]]:
    """image-resizer: one line per uploaded image."""
    name = f"uploads/{int(rng.integers(1000, 9999))}/IMG_{int(rng.integers(1000, 9999))}.jpg"
    width, height = rng.choice([(4032, 3024), (3024, 4032), (1920, 1080), (6000, 4000)])
    return [("INFO", f"resized s3://acme-media-uploads/{name} {width}x{height} -> 3 variants")]


def report_lines(rng: np.random.Generator, first: bool) -> list[tuple[str, str]]:
    """report-worker: a batch job that builds a report and stores it."""
    report = str(rng.choice(["daily-sales", "inventory-delta", "refunds", "sla-breaches"]))
    rows = int(rng.integers(200, 90_000))
    return [("INFO", f"wrote s3://acme-reports/{report}.parquet ({rows} rows)")]


def payment_lines(rng: np.random.Generator, first: bool) -> list[tuple[str, str]]:
    """payment-webhook: JSON application logs, plus one legacy print() that stays plain text."""
    event = str(rng.choice(["charge.succeeded", "charge.refunded", "payout.paid", "charge.failed"],
                           p=[0.8, 0.08, 0.04, 0.08]))
    lines = [("INFO", f"webhook {event} accepted")]
    if first:
        lines.insert(0, ("PRINT", "signature keys loaded"))
    return lines


def routes(*steps: tuple[str, dict[str, float]]) -> tuple[tuple[int, tuple[tuple[str, float], ...]], ...]:
    """Alias routing over time: ``(from time, {version: weight})`` steps."""
    return tuple((at(when) if when else to_ms(WEEK_START), tuple(weights.items())) for when, weights in steps)


FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="orders-api",
        memory_mb=1024,
        snapstart=True,
        log_format="text",
        timeout_s=30,
        versions=(
            Version("7", "python:3.12.v35", note="published 2026-11-12, before the week"),
            Version("8", "python:3.12.v36", at("2026-11-17T14:05:12.345"), "new runtime version"),
            Version("9", "python:3.12.v36", at("2026-11-20T10:31:07.821"),
                    "adds an after-restore hook that reconnects the database"),
        ),
        routes=routes(
            ("", {"7": 1.0}),
            ("2026-11-17T14:09:40", {"8": 1.0}),
            ("2026-11-20T10:35:02", {"8": 0.9, "9": 0.1}),  # weighted alias: a 30-minute canary
            ("2026-11-20T11:05:02", {"9": 1.0}),
        ),
        traffic=Traffic(peak_per_min=0.42, width_hours=3.8, weekend_factor=0.45,
                        spikes=((at("2026-11-19T17:00:00"), at("2026-11-19T17:45:00"), 6.0),)),
        profile=Profile(duration_ms=(38.0, 0.75), duration_cap_ms=2500.0, first_request_factor=2.5,
                        restore_ms=(290.0, 0.7), billed_restore_ms=(42.0, 0.4), init_ms=(2700.0, 0.15),
                        memory_mb=(148.0, 5.0)),
        trace_rate=0.05,
        cold_trace_rate=0.4,
        envelope="tail",
        app_lines=orders_lines,
        after_restore_hook="after_restore:reconnect_db",
        hook_versions=("9",),
    ),
    Function(
        name="image-resizer",
        memory_mb=2048,
        snapstart=True,
        log_format="text",
        timeout_s=60,
        versions=(
            Version("3", "python:3.12.v35", note="published 2026-11-09, before the week"),
            Version("4", "python:3.12.v36", at("2026-11-18T09:12:44.102"), "Pillow upgrade"),
        ),
        routes=routes(("", {"3": 1.0}), ("2026-11-18T09:15:30", {"4": 1.0})),
        traffic=Traffic(peak_per_min=0.34, night_floor=0.1, peak_hour=15.0, width_hours=4.5,
                        weekend_factor=0.75, burst_mean=7.0, burst_gap_ms=1800.0),
        profile=Profile(duration_ms=(240.0, 0.5), duration_cap_ms=20_000.0, first_request_factor=1.8,
                        restore_ms=(420.0, 0.7), billed_restore_ms=(70.0, 0.45), init_ms=(4100.0, 0.12),
                        memory_mb=(290.0, 140.0), idle_min=(10.0, 30.0)),
        trace_rate=0.005,
        cold_trace_rate=0.2,
        envelope="s3",
        app_lines=resizer_lines,
        after_restore_hook="after_restore:warm_codecs",
        hook_versions=("4",),
    ),
    Function(
        name="report-worker",
        memory_mb=512,
        snapstart=False,
        log_format="text",
        timeout_s=300,
        versions=(Version("$LATEST", "python:3.12.v36", note="on demand, no SnapStart"),),
        routes=routes(("", {"$LATEST": 1.0})),
        traffic=Traffic(peak_per_min=0.02, width_hours=3.0, weekend_factor=0.2, schedule_every_min=60),
        profile=Profile(duration_ms=(5200.0, 0.55), duration_cap_ms=200_000.0, first_request_factor=1.2,
                        init_ms=(2100.0, 0.3), memory_mb=(210.0, 60.0), idle_min=(10.0, 45.0)),
        trace_rate=0.05,
        cold_trace_rate=0.35,
        envelope="filter",
        app_lines=report_lines,
        deploys=((at("2026-11-17T11:02:10"), False), (at("2026-11-19T15:51:31"), True),
                 (at("2026-11-19T16:08:02"), False)),
    ),
    Function(
        name="payment-webhook",
        memory_mb=256,
        snapstart=True,
        log_format="json",
        timeout_s=15,
        versions=(
            Version("5", "python:3.12.v35", note="published 2026-11-03, before the week"),
            Version("6", "python:3.12.v36", at("2026-11-19T16:20:05.550"), "JSON log format, new SDK"),
        ),
        routes=routes(("", {"5": 1.0}), ("2026-11-19T16:23:40", {"6": 1.0})),
        traffic=Traffic(peak_per_min=0.035, night_floor=0.12, peak_hour=16.0, width_hours=5.0,
                        weekend_factor=0.8),
        profile=Profile(duration_ms=(65.0, 0.6), duration_cap_ms=8000.0, first_request_factor=2.0,
                        restore_ms=(230.0, 0.7), billed_restore_ms=(35.0, 0.4), init_ms=(1700.0, 0.15),
                        memory_mb=(88.0, 4.0)),
        trace_rate=0.05,
        cold_trace_rate=0.35,
        envelope="filter",
        app_lines=payment_lines,
    ),
)


@dataclass(frozen=True)
class Plant:
    """A deliberate anomaly: applied to the first matching request at or after ``after``."""

    function: str
    kind: str
    after: int
    description: str


PLANTS: tuple[Plant, ...] = (
    Plant("orders-api", "function_timeout", at("2026-11-18T14:20:00"),
          "a warm request hangs on a downstream call: `Task timed out after 30.00 seconds`, "
          "REPORT `Duration: 30000.00 ms` with `Status: timeout`"),
    Plant("orders-api", "hook_timeout", at("2026-11-20T16:00:00"),
          "version 9's after-restore hook cannot reach the database: `RESTORE_REPORT Restore Duration: "
          "10000.00 ms` with `Status: timeout` / `SnapStartTimeoutException`; the request's REPORT has "
          "`Status: error`; the environment is discarded"),
    Plant("orders-api", "truncated_report", at("2026-11-18T09:00:00"),
          "a REPORT line cut off in the middle of `Memory Size` (a broken capture): a reject"),
    Plant("orders-api", "invalid_utf8", at("2026-11-21T12:00:00"),
          "an application line with Latin-1 bytes (0xE9, 0xF1) that are not valid UTF-8"),
    Plant("orders-api", "foreign_line", at("2026-11-19T08:00:00"),
          "a line from another tool: the OpenTelemetry collector extension logs a JSON warning"),
    Plant("image-resizer", "async_retries", at("2026-11-19T10:40:00"),
          "a corrupt upload fails with a traceback; Lambda's async retries run it twice more with the "
          "same request id (three REPORTs, one request id)"),
    Plant("report-worker", "init_error", at("2026-11-19T15:51:31"),
          "a broken deploy of $LATEST: `INIT_REPORT` with `Phase: init`, `Status: error`, "
          "`Runtime.ImportModuleError`, the suppressed re-init in the invoke phase, and the REPORT with "
          "`Status: error`"),
    Plant("payment-webhook", "restore_exit_error", at("2026-11-21T13:00:00"),
          "JSON format: `platform.restoreReport` with status `error` / `Runtime.ExitError`, and a "
          "`platform.report` with status `error`"),
)


# ---------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------


@dataclass
class Event:
    """One CloudWatch log event, as Lambda wrote it (``message`` keeps its trailing newline)."""

    timestamp: int
    stream: str
    message: str
    kind: str
    request_id: str = ""


@dataclass
class Env:
    """An execution environment: one log stream, reused while warm."""

    stream: str
    version: str
    created: int
    retire_at: int
    idle_ms: int
    busy_until: int = 0
    last_end: int = 0
    memory_mb: float = 0.0
    served: int = 0
    broken: bool = False  # initialised from a broken deploy


@dataclass
class Invocation:
    """What one REPORT says, plus the timeline the X-Ray trace is built from."""

    function: str
    version: str
    stream: str
    request_id: str
    arrival: int
    start: int
    end: int
    duration_ms: float
    billed_ms: int
    max_memory_mb: int
    start_kind: str  # warm | restore | init
    restore_ms: float | None = None
    billed_restore_ms: int | None = None
    init_ms: float | None = None
    status: str = "success"
    error_type: str = ""
    trace_id: str = ""
    segment_id: str = ""
    hook_ms: float | None = None
    planted: str = ""


@dataclass
class Capture:
    """Everything one function logged and traced during the week."""

    function: Function
    events: list[Event] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    snapshot_inits: list[tuple[str, int, float]] = field(default_factory=list)  # (version, time, ms)
    streams: list[str] = field(default_factory=list)
    planted: dict[str, tuple[str, str]] = field(default_factory=dict)  # line plant -> (stream, text)


class Ids:
    """Random identifiers in AWS's shapes, drawn from the seeded generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def hex(self, n: int) -> str:
        return self.rng.bytes(n // 2).hex()

    def request_id(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))

    def stream(self, created: int, version: str) -> str:
        return f"{as_datetime(created):%Y/%m/%d}/[{version}]{self.hex(32)}"

    def trace_id(self, start: int) -> str:
        return f"1-{start // 1000:08x}-{self.hex(24)}"


def lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * math.exp(sigma * rng.standard_normal()))


def hundredths(value: float) -> int:
    """A duration as Lambda prints it (two decimals), kept as an integer to bill exactly."""
    return round(value * 100)


def ceil_ms(value_hundredths: int) -> int:
    return -(-value_hundredths // 100)


def traffic_shape(times: np.ndarray, traffic: Traffic) -> np.ndarray:
    """Relative arrival rate (0..1 before spikes): daytime peak, quiet nights, lighter weekends."""
    since = (times - to_ms(WEEK_START)) / HOUR
    hour = since % 24
    weekday = since // 24  # 0 = Monday
    diurnal = traffic.night_floor + (1 - traffic.night_floor) * np.exp(
        -0.5 * ((hour - traffic.peak_hour) / traffic.width_hours) ** 2)
    shape = diurnal * np.where(weekday >= 5, traffic.weekend_factor, 1.0)
    for start, end, factor in traffic.spikes:
        shape = np.where((times >= start) & (times < end), shape * factor, shape)
    return shape


def arrivals(traffic: Traffic, rng: np.random.Generator) -> np.ndarray:
    """Request arrival times (epoch ms, sorted) by thinning a homogeneous Poisson process."""
    start, end = to_ms(WEEK_START), to_ms(WEEK_END)
    ceiling = max([1.0] + [factor for _, _, factor in traffic.spikes])
    n = int(rng.poisson(traffic.peak_per_min * ceiling * (end - start) / MINUTE))
    times = rng.uniform(start, end, n)
    times = times[rng.random(n) * ceiling < traffic_shape(times, traffic)]
    if traffic.burst_mean > 1:
        sizes = rng.geometric(1 / traffic.burst_mean, len(times))
        gaps = rng.exponential(traffic.burst_gap_ms, int(sizes.sum()))
        offsets = np.concatenate([np.cumsum(gaps[i:i + s]) - gaps[i]
                                  for i, s in zip(np.cumsum(sizes) - sizes, sizes, strict=True)])
        times = np.repeat(times, sizes) + offsets
    if traffic.schedule_every_min:
        ticks = np.arange(start, end, traffic.schedule_every_min * MINUTE, dtype=float)
        times = np.concatenate([times, ticks + rng.uniform(20, 900, len(ticks))])
    times = np.sort(times.astype(np.int64))
    return times[times < end - 5 * MINUTE]


class TextFormat:
    """Lambda's plain-text system log lines: fields are TAB separated ``Key: value unit``."""

    def init_start(self, t: int, fn: Function, version: Version) -> str:
        return (f"INIT_START Runtime Version: {version.runtime}"
                f"\tRuntime Version ARN: {RUNTIME_ARNS[version.runtime]}\n")

    def init_report(self, t: int, init_ms: float, phase: str, status: str = "", error: str = "") -> str:
        # A SnapStart snapshot creation at publish has neither Phase nor Status.
        fields = [("Init Duration", f"{init_ms:.2f} ms")]
        if phase != "snap-start":
            fields.append(("Phase", phase))
        if status:
            fields += [("Status", status), ("Error Type", error)]
        return "INIT_REPORT " + "\t".join(f"{k}: {v}" for k, v in fields) + "\n"

    def restore_start(self, t: int, fn: Function, version: Version) -> str:
        return (f"RESTORE_START Runtime Version: {version.runtime}"
                f"\tRuntime Version ARN: {RUNTIME_ARNS[version.runtime]}\n")

    def restore_report(self, t: int, restore_ms: float, status: str = "", error: str = "") -> str:
        fields = [("Restore Duration", f"{restore_ms:.2f} ms")]
        if status:
            fields += [("Status", status), ("Error Type", error)]
        return "RESTORE_REPORT " + "\t".join(f"{k}: {v}" for k, v in fields) + "\n"

    def start(self, t: int, inv: Invocation) -> str:
        return f"START RequestId: {inv.request_id} Version: {inv.version}\n"

    def end(self, t: int, inv: Invocation) -> str:
        return f"END RequestId: {inv.request_id}\n"

    def report(self, t: int, inv: Invocation, memory_mb: int) -> str:
        fields = [("Duration", f"{inv.duration_ms:.2f} ms"), ("Billed Duration", f"{inv.billed_ms} ms"),
                  ("Memory Size", f"{memory_mb} MB"), ("Max Memory Used", f"{inv.max_memory_mb} MB")]
        if inv.init_ms is not None:
            fields.append(("Init Duration", f"{inv.init_ms:.2f} ms"))
        if inv.restore_ms is not None:
            fields += [("Restore Duration", f"{inv.restore_ms:.2f} ms"),
                       ("Billed Restore Duration", f"{inv.billed_restore_ms} ms")]
        if inv.status != "success":
            fields.append(("Status", inv.status))
            if inv.error_type:
                fields.append(("Error Type", inv.error_type))
        line = f"REPORT RequestId: {inv.request_id}\t" + "".join(f"{k}: {v}\t" for k, v in fields) + "\n"
        if inv.trace_id:
            # The trailer is part of the same event: a second line of the REPORT message.
            line += f"XRAY TraceId: {inv.trace_id}\tSegmentId: {inv.segment_id}\tSampled: true\t\n"
        return line

    def app(self, t: int, level: str, request_id: str, text: str) -> str:
        return f"[{level}]\t{iso_z(t)}\t{request_id}\t{text}\n"

    def error(self, t: int, request_id: str, error_type: str, text: str, frames: list[str]) -> str:
        # The Python runtime logs an unhandled exception as one multi-line event, without timestamp.
        return f"[ERROR] {error_type}: {text}\nTraceback (most recent call last):\n" + "".join(
            f"{frame}\n" for frame in frames)

    def timeout(self, t: int, request_id: str, seconds: int) -> str:
        return f"{iso_z(t)} {request_id} Task timed out after {seconds:.2f} seconds\n"


class JsonFormat(TextFormat):
    """Lambda's JSON log format: Telemetry API records, one compact JSON object per event."""

    @staticmethod
    def _record(t: int, kind: str, record: dict) -> str:
        return json.dumps({"time": iso_z(t), "type": kind, "record": record}, separators=(",", ":"))

    def init_start(self, t: int, fn: Function, version: Version) -> str:
        return self._record(t, "platform.initStart", {
            "initializationType": "snap-start" if fn.snapstart else "on-demand",
            "phase": "snap-start" if fn.snapstart else "init", "runtimeVersion": version.runtime,
            "runtimeVersionArn": RUNTIME_ARNS[version.runtime], "functionName": fn.name,
            "functionVersion": version.name})

    def init_report(self, t: int, init_ms: float, phase: str, status: str = "", error: str = "") -> str:
        record = {"initializationType": "snap-start" if phase == "snap-start" else "on-demand",
                  "phase": phase, "status": status or "success"}
        if error:
            record["errorType"] = error
        record["metrics"] = {"durationMs": round(init_ms, 2)}
        return self._record(t, "platform.initReport", record)

    def restore_start(self, t: int, fn: Function, version: Version) -> str:
        return self._record(t, "platform.restoreStart", {
            "runtimeVersion": version.runtime, "runtimeVersionArn": RUNTIME_ARNS[version.runtime],
            "functionName": fn.name, "functionVersion": version.name})

    def restore_report(self, t: int, restore_ms: float, status: str = "", error: str = "") -> str:
        record: dict = {"status": status or "success"}
        if error:
            record["errorType"] = error
        record["metrics"] = {"durationMs": round(restore_ms, 2)}
        return self._record(t, "platform.restoreReport", record)

    def start(self, t: int, inv: Invocation) -> str:
        return self._record(t, "platform.start", {"requestId": inv.request_id, "version": inv.version})

    def end(self, t: int, inv: Invocation) -> str:
        return ""  # the JSON format has no END record

    def report(self, t: int, inv: Invocation, memory_mb: int) -> str:
        metrics: dict = {"durationMs": round(inv.duration_ms, 2), "billedDurationMs": inv.billed_ms,
                         "memorySizeMB": memory_mb, "maxMemoryUsedMB": inv.max_memory_mb}
        if inv.init_ms is not None:
            metrics["initDurationMs"] = round(inv.init_ms, 2)
        if inv.restore_ms is not None:
            metrics["restoreDurationMs"] = round(inv.restore_ms, 2)
            metrics["billedRestoreDurationMs"] = inv.billed_restore_ms
        record: dict = {"requestId": inv.request_id, "metrics": metrics, "status": inv.status}
        if inv.error_type:
            record["errorType"] = inv.error_type
        if inv.trace_id:
            record["tracing"] = {"spanId": inv.segment_id, "type": "X-Amzn-Trace-Id",
                                 "value": f"Root={inv.trace_id};Parent={inv.segment_id};Sampled=1"}
        return self._record(t, "platform.report", record)

    def app(self, t: int, level: str, request_id: str, text: str) -> str:
        if level == "PRINT":  # print() bypasses the logging module: it stays plain text
            return f"{text}\n"
        record = {"timestamp": iso_z(t), "level": level, "message": text, "logger": "root"}
        if request_id:  # no request id during init
            record["requestId"] = request_id
        return json.dumps(record, separators=(",", ":"))

    def error(self, t: int, request_id: str, error_type: str, text: str, frames: list[str]) -> str:
        return json.dumps({"timestamp": iso_z(t), "level": "ERROR", "message": text, "logger": "root",
                           "requestId": request_id, "errorType": error_type,
                           "stackTrace": frames}, separators=(",", ":"))


class Simulator:
    """Plays one function's week: routing, environment reuse, cold starts, plants."""

    def __init__(self, fn: Function, rng: np.random.Generator) -> None:
        self.fn = fn
        self.rng = rng
        self.ids = Ids(rng)
        self.fmt: TextFormat = JsonFormat() if fn.log_format == "json" else TextFormat()
        self.capture = Capture(fn)
        self.versions = {v.name: v for v in fn.versions}
        self.pools: dict[str, list[Env]] = {v.name: [] for v in fn.versions}
        self.plants = {p.kind: p for p in PLANTS if p.function == fn.name}
        self.broken = False

    # -- helpers -----------------------------------------------------------------------------

    def emit(self, t: int, stream: str, message: str, kind: str, request_id: str = "") -> None:
        if message:
            self.capture.events.append(Event(t, stream, message, kind, request_id))

    def due(self, kind: str, t: int) -> bool:
        """Whether the plant ``kind`` should fire now; it fires once."""
        plant = self.plants.get(kind)
        if plant is None or t < plant.after:
            return False
        del self.plants[kind]
        return True

    def route(self, t: int) -> str:
        weights = next(w for start, w in reversed(self.fn.routes) if start <= t)
        names = [name for name, _ in weights]
        return str(self.rng.choice(names, p=[share for _, share in weights]))

    def new_stream(self, t: int, version: str) -> str:
        stream = self.ids.stream(t, version)
        self.capture.streams.append(stream)
        return stream

    # -- the week ----------------------------------------------------------------------------

    def run(self) -> Capture:
        for version in self.fn.versions:
            if version.published is not None:
                self.publish(version)
        queue = [(int(t), i, "", 0) for i, t in enumerate(arrivals(self.fn.traffic, self.rng))]
        queue = self.apply_deploy_windows(queue)
        heapq.heapify(queue)
        deploys = list(self.fn.deploys)
        seq = len(queue)
        while queue:
            t, _, request_id, attempt = heapq.heappop(queue)
            while deploys and deploys[0][0] <= t:
                self.deploy(deploys.pop(0)[1])
            retry = self.invoke(t, request_id, attempt)
            if retry:
                seq += 1
                heapq.heappush(queue, (retry[0], seq, retry[1], attempt + 1))
        return self.capture

    def apply_deploy_windows(self, queue: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
        """Keep ad-hoc traffic out of a broken deploy so exactly one scheduled run hits it."""
        deploys = self.fn.deploys
        windows = [(t, nxt) for (t, broken), (nxt, _) in itertools.pairwise(deploys) if broken]
        if not windows:
            return queue
        every = self.fn.traffic.schedule_every_min * MINUTE
        kept = []
        for item in queue:
            inside = any(lo <= item[0] < hi for lo, hi in windows)
            if not inside or (every and (item[0] - to_ms(WEEK_START)) % every < 1000):
                kept.append(item)
        return kept

    def deploy(self, broken: bool) -> None:
        """A code update to $LATEST: existing environments are replaced on their next use."""
        for pool in self.pools.values():
            pool.clear()
        self.broken = broken

    def publish(self, version: Version) -> None:
        """Snapshot creation at publish: a stream with INIT_START ... INIT_REPORT and no requests."""
        assert version.published is not None
        t = version.published
        stream = self.new_stream(t, version.name)
        init_ms = lognormal(self.rng, *self.fn.profile.init_ms)
        self.emit(t, stream, self.fmt.init_start(t, self.fn, version), "init_start")
        self.emit(t + 600, stream, self.fmt.app(t + 600, "INFO", "", "loading configuration"), "app")
        self.emit(t + int(init_ms) - 40, stream,
                  self.fmt.app(t + int(init_ms) - 40, "INFO", "", "before_snapshot: caches warmed"), "app")
        done = t + int(init_ms) + 1
        self.emit(done, stream, self.fmt.init_report(done, init_ms, "snap-start"), "init_report")
        self.capture.snapshot_inits.append((version.name, t, init_ms))

    def pick_env(self, t: int, version: str) -> Env | None:
        pool = self.pools[version]
        pool[:] = [e for e in pool if e.retire_at > t and (e.served == 0 or t - e.last_end < e.idle_ms)]
        free = [e for e in pool if e.busy_until <= t]
        return max(free, key=lambda e: e.last_end) if free else None

    def new_env(self, t: int, version: str) -> Env:
        profile = self.fn.profile
        lifetime = self.rng.uniform(*profile.lifetime_min) * MINUTE
        env = Env(stream=self.new_stream(t, version), version=version, created=t,
                  retire_at=t + int(lifetime), idle_ms=int(self.rng.uniform(*profile.idle_min) * MINUTE),
                  memory_mb=profile.memory_mb[0] * (0.97 + 0.06 * self.rng.random()), broken=self.broken)
        self.pools[version].append(env)
        return env

    def invoke(self, arrival: int, request_id: str, attempt: int) -> tuple[int, str] | None:
        """Serve one request; returns ``(time, request id)`` of an async retry when one is due."""
        version = self.route(arrival)
        env = self.pick_env(arrival, version)
        cold = env is None
        env = env or self.new_env(arrival, version)
        inv = Invocation(function=self.fn.name, version=version, stream=env.stream,
                         request_id=request_id or self.ids.request_id(), arrival=arrival, start=arrival,
                         end=arrival, duration_ms=0.0, billed_ms=0, max_memory_mb=0, start_kind="warm")
        if cold and self.fn.snapstart:
            self.restore(env, inv)
        elif cold:
            self.init(env, inv)
        if inv.status == "success" or inv.planted in FAILED_RESTORES:
            self.run_handler(env, inv, attempt)
        self.finish(env, inv)
        if inv.planted == "async_retries" and attempt < 2:
            delay = (60_000 if attempt == 0 else 120_000) + int(self.rng.uniform(0, 4000))
            return inv.end + delay, inv.request_id
        return None

    def restore(self, env: Env, inv: Invocation) -> None:
        """A new environment of a SnapStart version: RESTORE_START, hooks, RESTORE_REPORT."""
        profile, version = self.fn.profile, self.versions[env.version]
        t = inv.arrival
        inv.start_kind = "restore"
        # Restore Duration = snapshot restore (not billed) + runtime load and hooks (billed).
        snapshot_ms = profile.restore_floor_ms + lognormal(self.rng, *profile.restore_ms)
        billed = max(int(lognormal(self.rng, *profile.billed_restore_ms)), 12)
        hooked = env.version in self.fn.hook_versions
        if hooked:
            inv.hook_ms = lognormal(self.rng, 38.0, 0.35)
            billed += int(inv.hook_ms)
        restore_ms = snapshot_ms + billed + float(self.rng.random())
        status = error = ""
        if hooked and self.fn.log_format == "text" and self.due("hook_timeout", t):
            # The after-restore hook hit Lambda's 10 s limit: the whole restore reports 10000.00 ms.
            restore_ms, billed, inv.hook_ms = 10_000.0, 9_786, 9_780.0
            status, error = "timeout", "SnapStartTimeoutException"
            inv.planted, inv.status, inv.error_type = "hook_timeout", "error", error
        elif self.fn.log_format == "json" and self.due("restore_exit_error", t):
            restore_ms, billed = 1_874.12, 1_302
            status, error = "error", "Runtime.ExitError"
            inv.planted, inv.status, inv.error_type = "restore_exit_error", "error", error
        inv.restore_ms = hundredths(restore_ms) / 100
        inv.billed_restore_ms = billed
        self.emit(t, env.stream, self.fmt.restore_start(t, self.fn, version), "restore_start")
        if inv.hook_ms is not None:
            hook_t = t + int(inv.restore_ms - inv.hook_ms) + 2
            text = ("after_restore: reconnecting to orders-db (attempt 3 of 3)" if status else
                    f"{self.fn.after_restore_hook.split(':')[1]} done in {inv.hook_ms:.0f} ms")
            self.emit(hook_t, env.stream, self.fmt.app(hook_t, "INFO", "", text), "app")
        done = t + math.ceil(inv.restore_ms)
        self.emit(done, env.stream, self.fmt.restore_report(done, inv.restore_ms, status, error),
                  "restore_report")
        inv.start = done + 1

    def init(self, env: Env, inv: Invocation) -> None:
        """A new on-demand environment: INIT_START, then the request's REPORT has Init Duration."""
        t, version = inv.arrival, self.versions[env.version]
        inv.start_kind = "init"
        self.emit(t, env.stream, self.fmt.init_start(t, self.fn, version), "init_start")
        if env.broken:
            self.failed_init(env, inv)
            return
        inv.init_ms = hundredths(lognormal(self.rng, *self.fn.profile.init_ms)) / 100
        inv.start = t + math.ceil(inv.init_ms) + 1

    def failed_init(self, env: Env, inv: Invocation) -> None:
        """Init fails (Phase: init), Lambda retries it inside the invoke (Phase: invoke) and fails."""
        t = inv.arrival
        frames = ['  File "/var/lang/lib/python3.12/importlib/__init__.py", line 90, in import_module',
                  "    return _bootstrap._gcd_import(name[level:], package, level)"]
        text = "Unable to import module 'app': No module named 'jinja2'"
        error = "Runtime.ImportModuleError"
        init_ms = 3000.12
        self.emit(t + 2990, env.stream, self.fmt.error(t + 2990, "", error, text, frames), "app")
        done = t + math.ceil(init_ms)
        self.emit(done, env.stream, self.fmt.init_report(done, init_ms, "init", "error", error),
                  "init_report")
        inv.planted, inv.status, inv.error_type = "init_error", "error", error
        inv.start = done + 2
        start_line = self.fmt.start(inv.start, inv)
        self.emit(inv.start, env.stream, start_line, "start", inv.request_id)
        retry_ms = 2871.40
        t2 = inv.start + 2860
        self.emit(t2, env.stream, self.fmt.error(t2, inv.request_id, error, text, frames), "app")
        done2 = inv.start + math.ceil(retry_ms)
        self.emit(done2, env.stream, self.fmt.init_report(done2, retry_ms, "invoke", "error", error),
                  "init_report")
        inv.duration_ms = 2880.55
        inv.end = inv.start + math.ceil(inv.duration_ms)
        inv.max_memory_mb = 96

    def run_handler(self, env: Env, inv: Invocation, attempt: int) -> None:
        """START, application lines, END: the handler's part of the request."""
        profile = self.fn.profile
        self.emit(inv.start, env.stream, self.fmt.start(inv.start, inv), "start", inv.request_id)
        if inv.planted in FAILED_RESTORES:
            inv.duration_ms = 1.18  # the handler never ran
            inv.end = inv.start + 2
            inv.max_memory_mb = int(env.memory_mb)
            return
        first = env.served == 0
        duration = lognormal(self.rng, *profile.duration_ms) * (profile.first_request_factor if first else 1)
        duration = min(max(duration, 1.2), profile.duration_cap_ms)
        lines = self.fn.app_lines(self.rng, first)
        if inv.start_kind == "warm" and self.due("function_timeout", inv.start):
            inv.planted, inv.status = "function_timeout", "timeout"
            duration = self.fn.timeout_s * 1000.0
            lines = [("INFO", "POST /orders: calling payments-gateway")]
        # An async event that failed is retried (same request id) and fails the same way again.
        if attempt > 0 or self.due("async_retries", inv.start):
            inv.planted = "async_retries"
            duration = lognormal(self.rng, 95.0, 0.2)
            lines = [("INFO", "processing s3://acme-media-uploads/uploads/4410/IMG_9135.jpg")]
        for i, (level, text) in enumerate(lines):
            t = inv.start + int(duration * (i + 1) / (len(lines) + 1))
            self.emit(t, env.stream, self.fmt.app(t, level, inv.request_id, text), "app", inv.request_id)
        end = inv.start + int(duration)
        if inv.planted == "async_retries":
            self.emit(end - 1, env.stream, self.corrupt_image_error(end - 1, inv), "app", inv.request_id)
        if inv.status == "timeout":
            self.emit(end, env.stream, self.fmt.timeout(end, inv.request_id, self.fn.timeout_s), "app",
                      inv.request_id)
        inv.duration_ms = hundredths(duration) / 100
        inv.end = inv.start + math.ceil(inv.duration_ms)
        env.memory_mb = min(env.memory_mb + self.rng.exponential(0.35), self.fn.memory_mb * 0.8)
        peak = env.memory_mb + self.rng.exponential(profile.memory_mb[1])
        inv.max_memory_mb = int(min(peak, self.fn.memory_mb - 24))

    def corrupt_image_error(self, t: int, inv: Invocation) -> str:
        """The unhandled exception of the planted corrupt upload, as the runtime logs it."""
        frames = ['  File "/var/task/app.py", line 41, in handler',
                  "    image = Image.open(io.BytesIO(body))",
                  '  File "/var/task/PIL/Image.py", line 3498, in open',
                  "    raise UnidentifiedImageError(msg)"]
        text = "cannot identify image file <_io.BytesIO object at 0x7f3a2c1e5f40>"
        return self.fmt.error(t, inv.request_id, "UnidentifiedImageError", text, frames)

    def finish(self, env: Env, inv: Invocation) -> None:
        """END and REPORT (with billing and the X-Ray trailer); bookkeeping of the environment."""
        d = hundredths(inv.duration_ms)
        if inv.restore_ms is not None:
            inv.billed_ms = ceil_ms(d) + (inv.billed_restore_ms or 0)  # billed restore is inside
        elif inv.init_ms is not None:
            inv.billed_ms = ceil_ms(d + hundredths(inv.init_ms))  # on-demand init billed since 2025-08
        else:
            inv.billed_ms = ceil_ms(d)
        cold = inv.start_kind != "warm"
        if self.rng.random() < (self.fn.cold_trace_rate if cold else self.fn.trace_rate):
            inv.trace_id = self.ids.trace_id(inv.arrival)
            inv.segment_id = self.ids.hex(16)
        self.emit(inv.end, env.stream, self.fmt.end(inv.end, inv), "end", inv.request_id)
        self.emit(inv.end, env.stream, self.fmt.report(inv.end, inv, self.fn.memory_mb), "report",
                  inv.request_id)
        self.capture.invocations.append(inv)
        env.served += 1
        env.busy_until = inv.end + 1
        env.last_end = inv.end
        if inv.status != "success":  # a timed-out or crashed runtime is not reused
            self.pools[env.version].remove(env)


def simulate(fn: Function, rng: np.random.Generator) -> Capture:
    """Simulate one function's week and apply the text-level plants (broken lines)."""
    capture = Simulator(fn, rng).run()
    capture.events.sort(key=lambda e: (e.timestamp, e.stream))
    for plant in PLANTS:
        if plant.function == fn.name and plant.kind in LINE_PLANTS:
            capture.planted[plant.kind] = LINE_PLANTS[plant.kind](capture, plant.after)
    capture.events.sort(key=lambda e: (e.timestamp, e.stream))
    return capture


def first_event(capture: Capture, after: int, kind: str, where: Callable[[Event], bool]) -> Event:
    return next(e for e in capture.events if e.timestamp >= after and e.kind == kind and where(e))


def truncate_report(capture: Capture, after: int) -> tuple[str, str]:
    """A REPORT cut off mid-field, as a broken copy or a truncated capture leaves it."""
    event = first_event(capture, after, "report",
                        lambda e: "XRAY" not in e.message and "Restore" not in e.message)
    event.message = event.message[: event.message.index("\tMemory Size") + 9]
    return event.stream, event.message


def invalid_utf8(capture: Capture, after: int) -> tuple[str, str]:
    """Latin-1 bytes in an application line; surrogate escapes become the raw bytes on write."""
    event = first_event(capture, after, "app", lambda e: "->" in e.message)
    prefix = event.message.rsplit("\t", 1)[0]
    event.message = prefix + "\tshipping label for Jos\udce9 Mu\udcf1oz, Calle Espa\udcf1a 5\n"
    return event.stream, "shipping label for Jos"


def foreign_line(capture: Capture, after: int) -> tuple[str, str]:
    """Another tool writing to the same stream: the OpenTelemetry collector extension."""
    anchor = first_event(capture, after, "report", lambda e: True)
    seconds = f"{(anchor.timestamp + 3) / 1000:.6f}"
    message = ('{"level":"warn","ts":' + seconds + ',"caller":"exporterhelper/retry_sender.go:118",'
               '"msg":"Exporting failed. Will retry the request after interval.","kind":"exporter",'
               '"data_type":"traces","name":"otlp","error":"rpc error: code = Unavailable"}\n')
    capture.events.append(Event(anchor.timestamp + 3, anchor.stream, message, "foreign"))
    return anchor.stream, "Exporting failed"


LINE_PLANTS: dict[str, Callable[[Capture, int], tuple[str, str]]] = {
    "truncated_report": truncate_report,
    "invalid_utf8": invalid_utf8,
    "foreign_line": foreign_line,
}


# ---------------------------------------------------------------------------------------------
# X-Ray
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JavaTime:
    """A time the Lambda service writes as Java prints doubles: ``1.763287200123E9``."""

    seconds: float

    def __str__(self) -> str:
        digits = f"{self.seconds:.6f}".rstrip("0").rstrip(".")
        whole, _, frac = digits.partition(".")
        mantissa = whole[0] + "." + ((whole[1:] + frac).rstrip("0") or "0")
        return f"{mantissa}E{len(whole) - 1}"


def segment_json(document: dict) -> str:
    """Compact JSON of one segment; service-side times keep their exponent notation."""
    marked = json.dumps(document, separators=(",", ":"),
                        default=lambda v: f"@@{v}@@" if isinstance(v, JavaTime) else v)
    return re.sub(r'"@@([0-9.E]+)@@"', r"\1", marked)


class TraceBuilder:
    """Turns a sampled invocation into the two segments X-Ray stores for a Lambda request."""

    def __init__(self, fn: Function, rng: np.random.Generator) -> None:
        self.fn = fn
        self.rng = rng
        self.ids = Ids(rng)

    def sub(self, name: str, start: float, end: float, **extra) -> dict:
        return {"id": self.ids.hex(16), "name": name, "start_time": round(start, 6),
                "end_time": round(end, 6), **extra}

    def build(self, inv: Invocation) -> dict:
        jitter = float(self.rng.uniform(0.0002, 0.0009))
        arrival = inv.arrival / 1000 + jitter
        start = inv.start / 1000 + float(self.rng.uniform(0, 0.0008))
        handler_end = start + inv.duration_ms / 1000
        overhead_end = handler_end + float(self.rng.uniform(0.0002, 0.0016))
        subsegments = []
        fn_start = start
        if inv.start_kind == "restore" and inv.restore_ms is not None:
            # X-Ray measures the restore from inside the sandbox: close to, not equal to, the log.
            xray_restore = inv.restore_ms / 1000 * float(self.rng.uniform(0.93, 0.99))
            fn_start = start - xray_restore - 0.0004
            restore = self.sub("Restore", fn_start, fn_start + xray_restore)
            if inv.hook_ms is not None:
                hook_end = fn_start + xray_restore - 0.0002
                hook = self.sub(self.fn.after_restore_hook, hook_end - inv.hook_ms / 1000, hook_end)
                if inv.status != "success":
                    hook["fault"] = True
                restore["subsegments"] = [hook]
            subsegments.append(restore)
        elif inv.start_kind == "init" and inv.init_ms is not None:
            xray_init = inv.init_ms / 1000 * float(self.rng.uniform(0.97, 0.995))
            fn_start = start - xray_init - 0.0006
            subsegments.append(self.sub("Initialization", fn_start, fn_start + xray_init))
        invocation = self.sub("Invocation", start, handler_end)
        calls = self.user_calls(start, handler_end, inv)
        if calls:
            invocation["subsegments"] = calls
        if inv.status != "success":
            invocation["fault"] = True
        subsegments += [invocation, self.sub("Overhead", handler_end, overhead_end)]
        service_id = self.ids.hex(16)
        function_doc = {"id": inv.segment_id, "name": self.fn.name, "start_time": round(fn_start, 6),
                        "trace_id": inv.trace_id, "end_time": round(overhead_end, 6), "parent_id": service_id,
                        "aws": {"account_id": ACCOUNT, "function_arn": self.fn.arn(inv.version),
                                "resource_names": [self.fn.name]},
                        "origin": "AWS::Lambda::Function", "subsegments": subsegments}
        if inv.status != "success":
            function_doc["fault"] = True
        service_end = overhead_end + float(self.rng.uniform(0.0005, 0.004))
        service_doc = {"id": service_id, "name": self.fn.name, "start_time": JavaTime(round(arrival, 3)),
                       "trace_id": inv.trace_id, "end_time": JavaTime(round(service_end, 3)),
                       "http": {"response": {"status": 200}}, "aws": {"request_id": inv.request_id},
                       "origin": "AWS::Lambda", "resource_arn": self.fn.arn()}
        return {"Id": inv.trace_id, "Duration": round(service_end - arrival, 3), "LimitExceeded": False,
                "Segments": [{"Id": service_id, "Document": segment_json(service_doc)},
                             {"Id": inv.segment_id, "Document": segment_json(function_doc)}]}

    def user_calls(self, start: float, end: float, inv: Invocation) -> list[dict]:
        """One or two downstream calls inside the handler, as the X-Ray SDK records them."""
        table = {"orders-api": ("DynamoDB", "GetItem", {"table_name": "orders"}),
                 "image-resizer": ("S3", "PutObject", {"bucket_name": "acme-media-thumbnails"}),
                 "report-worker": ("Athena", "GetQueryResults", {}),
                 "payment-webhook": ("SQS", "SendMessage", {"queue_url": f"https://sqs.{REGION}.amazonaws.com/"
                                                                         f"{ACCOUNT}/payments"})}
        service, operation, resource = table[self.fn.name]
        span = end - start
        if span < 0.004:
            return []
        call_start = start + span * float(self.rng.uniform(0.1, 0.3))
        call_end = call_start + span * float(self.rng.uniform(0.3, 0.6))
        return [self.sub(service, call_start, call_end, namespace="aws",
                         http={"response": {"status": 200}},
                         aws={"operation": operation, "region": REGION, "retries": 0, **resource})]


# ---------------------------------------------------------------------------------------------
# Envelopes
# ---------------------------------------------------------------------------------------------


def encode(text: str) -> bytes:
    # surrogateescape turns the planted \udcXX characters back into the raw invalid bytes.
    return text.encode("utf-8", "surrogateescape")


def write_tail(capture: Capture, out: Path) -> Path:
    """``aws logs tail GROUP --since 7d > FILE``: ``<ISO+00:00> <stream> <message>`` per event.

    The CLI right-strips each message and adds one newline, so a REPORT loses its trailing tab but
    keeps the tab before its XRAY line, which follows as a bare physical line.
    """
    path = out / "tail" / "aws" / "lambda" / f"{capture.function.name}.log"  # named like its log group
    lines = [f"{as_datetime(e.timestamp).isoformat(timespec='microseconds')} {e.stream} "
             f"{e.message.rstrip()}\n" for e in capture.events]
    write_bytes(path, encode("".join(lines)))
    return path


def write_s3_export(capture: Capture, out: Path, rng: np.random.Generator) -> int:
    """A CloudWatch Logs export task: one ``000000.gz`` per stream, ``<ISO Z> <message>`` lines.

    The message is written raw (its own newline makes the blank line between events), and the
    export does not promise time order: some streams come out with blocks of events swapped.
    """
    root = out / "s3-export" / "aws" / "lambda" / capture.function.name  # the export prefix: the log group
    write_bytes(root / "aws-logs-write-test", b"Permission Check Successful")
    task = str(uuid.UUID(bytes=rng.bytes(16), version=4))
    by_stream: dict[str, list[Event]] = {s: [] for s in capture.streams}
    for event in capture.events:
        by_stream[event.stream].append(event)
    shuffled = 0
    for stream, events in by_stream.items():
        if len(events) > 60 and rng.random() < 0.35:
            events = swap_blocks(events, rng)
            shuffled += 1
        body = "".join(f"{iso_z(e.timestamp)} {e.message}\n" for e in events)
        path = root / task / stream.replace("/", "-") / "000000.gz"
        # mtime=0 and no file name in the header: the same bytes on every run.
        write_bytes(path, gzip.compress(encode(body), compresslevel=9, mtime=0))
    return shuffled


def swap_blocks(events: list[Event], rng: np.random.Generator) -> list[Event]:
    """Swap one pair of adjacent blocks, as a parallel export writes them out of order."""
    size = max(len(events) // 4, 10)
    blocks = [events[i:i + size] for i in range(0, len(events), size)]
    i = int(rng.integers(0, len(blocks) - 1))
    blocks[i], blocks[i + 1] = blocks[i + 1], blocks[i]
    return [e for block in blocks for e in block]


def write_filter_log_events(capture: Capture, out: Path, rng: np.random.Generator) -> Path:
    """``aws logs filter-log-events --log-group-name G --start-time ...``: pages merged, indent 4."""
    events = []
    for e in capture.events:
        ingestion = e.timestamp + int(rng.lognormal(math.log(650), 0.8))
        events.append({"logStreamName": e.stream, "timestamp": e.timestamp, "message": e.message,
                       "ingestionTime": ingestion, "eventId": event_id(rng)})
    document = {"events": events,
                "searchedLogStreams": [{"logStreamName": s, "searchedCompletely": True}
                                       for s in sorted(capture.streams)]}
    path = out / "filter-log-events" / "aws" / "lambda" / f"{capture.function.name}.json"
    write_bytes(path, json.dumps(document, indent=4, ensure_ascii=False).encode("utf-8") + b"\n")
    return path


def event_id(rng: np.random.Generator) -> str:
    """CloudWatch event ids are 56-digit decimal strings."""
    return str(int.from_bytes(rng.bytes(24), "big") % 10**55 + 3 * 10**55)


def write_xray(traces: list[dict], out: Path) -> Path:
    """``aws xray batch-get-traces`` output for every sampled request, in time order."""
    path = out / "xray" / "traces.json"
    document = {"Traces": traces, "UnprocessedTraceIds": []}
    write_bytes(path, json.dumps(document, indent=4).encode("utf-8") + b"\n")
    return path


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ---------------------------------------------------------------------------------------------
# README: counts and line numbers computed from what was written
# ---------------------------------------------------------------------------------------------


FILE_ROWS = (
    ("file", "envelope", "function"),
    ("`tail/aws/lambda/orders-api.log`", "`aws logs tail /aws/lambda/orders-api --since 7d` (plain text)",
     "orders-api"),
    ("`s3-export/aws/lambda/image-resizer/<task>/<stream, / as ->/000000.gz`",
     "CloudWatch Logs export task to S3 ({s3_objects} objects)", "image-resizer"),
    ("`s3-export/aws/lambda/image-resizer/aws-logs-write-test`",
     "the permission probe every export task writes (not a log)", "-"),
    ("`filter-log-events/aws/lambda/report-worker.json`", "`aws logs filter-log-events` JSON (pages merged, indent 4)",
     "report-worker"),
    ("`filter-log-events/aws/lambda/payment-webhook.json`", "the same, for a function in Lambda's JSON log format",
     "payment-webhook"),
    ("`xray/traces.json`", "`aws xray batch-get-traces` JSON for every sampled request", "all four"),
)
VERSION_COLUMNS = ("function", "version", "memory", "runtime", "published (snapshot init)", "invocations",
                   "warm", "restores", "inits", "restore ms p50 / p99", "traces")


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A Markdown table."""
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def percentile(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q):.0f}" if values else "-"


def version_rows(capture: Capture) -> list[list[str]]:
    """One README row per version: what a parser's summary of the files should agree with."""
    fn = capture.function
    rows = []
    for version in fn.versions:
        invs = [i for i in capture.invocations if i.version == version.name]
        restores = [i.restore_ms for i in invs if i.restore_ms is not None]
        snapshot = [ms for v, _, ms in capture.snapshot_inits if v == version.name]
        rows.append([
            fn.name, version.name, f"{fn.memory_mb} MB", version.runtime,
            f"{iso_z(version.published)} ({snapshot[0]:.0f} ms)" if version.published else version.note,
            # Counted the way a reader of the REPORT lines counts: by Init / Restore Duration.
            str(len(invs)), str(sum(i.init_ms is None and i.restore_ms is None for i in invs)),
            str(len(restores)), str(sum(i.init_ms is not None for i in invs)),
            f"{percentile(restores, 50)} / {percentile(restores, 99)}",
            str(sum(bool(i.trace_id) for i in invs))])
    return rows


def locate(path: Path, needle: str) -> list[int]:
    """1-based numbers of the lines containing ``needle`` (gz files decompressed)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    found = [n for n, line in enumerate(data.split(b"\n"), start=1) if encode(needle) in line]
    if not found:
        raise LookupError(f"{needle!r} not in {path}")
    return found


# What to search for to find a behavioural plant; the async retries are found by request id.
PLANT_NEEDLES = {"hook_timeout": "SnapStartTimeoutException", "function_timeout": "Task timed out",
                 "init_error": "Phase: init", "restore_exit_error": "Runtime.ExitError"}


def plant_locations(captures: dict[str, Capture], files: dict[str, Path], out: Path) -> list[list[str]]:
    """Where each plant landed: file and line numbers, for a reader to open and check."""
    rows = []
    for plant in PLANTS:
        capture = captures[plant.function]
        if plant.kind in capture.planted:  # a line plant: we know its stream and text
            stream, needle = capture.planted[plant.kind]
            targets, note = [(stream, needle)], ""
        else:
            invs = [i for i in capture.invocations if i.planted == plant.kind]
            if not invs:
                raise RuntimeError(f"plant {plant.kind} of {plant.function} never fired: move its time")
            needle = PLANT_NEEDLES.get(plant.kind, f"REPORT RequestId: {invs[0].request_id}")
            targets = list(dict.fromkeys((i.stream, needle) for i in invs))
            note = (f" (request id `{invs[0].request_id}`)" if plant.kind == "async_retries"
                    else f" (stream `{invs[0].stream}`)")
        places = []
        for stream, text in targets:
            path = stream_file(files, plant.function, stream)
            lines = locate(path, text)
            numbers = ", ".join(map(str, lines))
            places.append(f"`{path.relative_to(out)}` line{'s' * (len(lines) > 1)} {numbers}")
        rows.append([plant.function, plant.kind, "; ".join(places) + note, plant.description])
    return rows


def stream_file(files: dict[str, Path], function: str, stream: str) -> Path:
    """The file that holds a stream's events (the S3 export has one object per stream)."""
    path = files[function]
    if path.is_dir():
        # Not a glob pattern: stream names contain [version] brackets.
        return next(p for p in path.glob("*/*/000000.gz") if p.parent.name == stream.replace("/", "-"))
    return path


README = """\
# Sample logs

A simulated week (2026-11-16T00:00Z, a Monday, to 2026-11-23T00:00Z) of AWS Lambda logs and X-Ray
traces for four Python 3.12 functions in account {account}, {region}, x86_64: the dashboard's
default source and a hand-checkable corpus for the parser. **Generated** by `generate.py` (seed
{seed}); do not edit the data or this file by hand: change the generator and run
`python sample_logs/generate.py`. `tests/test_sample_logs.py` checks that the committed bytes are
what the generator writes.

## Files

{file_rows}

Total {total_size} in {file_count} files.

Envelope details a parser has to get right:
- **tail**: `<ISO-8601 with +00:00 and microseconds> <log stream> <message>`; the CLI right-strips
  each message, so a REPORT ends without its final tab, and the `XRAY TraceId` trailer of a sampled
  REPORT is the next physical line, with no prefix. Application lines are `[INFO]`, `[WARNING]` and
  `[ERROR]`, TAB separated, with the request id.
- **S3 export**: `<ISO-8601 Z> <message>` with the message written raw: each event ends in a blank
  line (the message's own newline), XRAY trailers and Python tracebacks are bare continuation
  lines, and in {shuffled} of the {s3_objects} objects blocks of events are out of time order.
- **filter-log-events**: `events[]` with `logStreamName`, `timestamp` (epoch ms), `message` (with
  its newline; the XRAY trailer inside the message), `ingestionTime`, `eventId`; plus
  `searchedLogStreams`. payment-webhook's messages are Telemetry API records
  (`{{"time", "type": "platform.report", "record": {{...}}}}`: `platform.initStart`, `initReport`,
  `restoreStart`, `restoreReport`, `start`, `report`; no END record), its application logs are JSON
  objects with `level` and `requestId`, and a `print()` line stays plain text.
- **X-Ray**: `Traces[].Segments[].Document` is a JSON string. Each trace has an `AWS::Lambda`
  service segment (times in Java's exponent notation, like `1.794787515581E9`) and an
  `AWS::Lambda::Function` segment whose id is the REPORT's `SegmentId` and whose
  `aws.function_arn` carries the version. Its subsegments: `Restore` (SnapStart restores; 93-99 %
  of the log's Restore Duration, with a nested `after_restore:*` hook where the version has one),
  `Initialization` (on-demand cold starts), `Invocation` (with one downstream call), `Overhead`.

## Functions and versions

{version_rows}

Totals: {invocations} invocations, {restores} restores, {inits} on-demand inits, {snapshots} snapshot
creations at publish, {traces} traces. Columns count REPORT lines by their fields: the REPORT of
report-worker's failed init (see below) has no `Init Duration` and is counted as warm, although its
environment was new.

- **orders-api** (SnapStart, 1024 MB): an HTTP API. Version 7 serves until 2026-11-17T14:09:40Z,
  version 8 (new runtime version python:3.12.v36) from then; version 9 is published 2026-11-20 and
  takes 10 % of traffic through a weighted alias from 10:35:02Z, 100 % from 11:05:02Z. Version 9's
  after-restore hook reconnects the database, which adds about 38 ms to both Restore Duration and
  Billed Restore Duration and logs a line between RESTORE_START and RESTORE_REPORT. Traffic peaks
  around 14:00Z, is lower at weekends and has a spike on 2026-11-19 17:00-17:45Z (a marketing
  e-mail) that causes a burst of restores.
- **image-resizer** (SnapStart, 2048 MB): invoked asynchronously by S3 uploads, which come in
  batches, so environments are restored several at a time. Version 4 (published 2026-11-18) adds an
  after-restore hook too.
- **report-worker** (on demand, `$LATEST`, 512 MB, no SnapStart): an hourly EventBridge schedule
  plus ad-hoc runs; durations are seconds. Code updates at 2026-11-17T11:02:10Z,
  2026-11-19T15:51:31Z (broken) and 16:08:02Z (the fix) replace its environments. Its cold starts
  show `INIT_START` and a REPORT with `Init Duration`; billed = ceil(Duration + Init Duration).
- **payment-webhook** (SnapStart, 256 MB, JSON log format): a low-volume webhook receiver; version 6
  published 2026-11-19.

Every SnapStart restore is `RESTORE_START` / `RESTORE_REPORT` / START / ... / END / REPORT in a new
log stream, with billed = ceil(Duration) + Billed Restore Duration. A version published during the
week has a stream of its own with `INIT_START`, two application lines and an `INIT_REPORT` without
`Phase` (the snapshot creation; no request is served there). Versions published before the week
have no such stream.

## Distributions

Arrivals are a Poisson process shaped by time of day (peak in the UTC afternoon, low at night) and
weekday; environments live 5-60 minutes and are reclaimed earlier when idle, so restores are a few
percent of invocations where traffic is steady and more where it is sparse. Restore Duration is
lognormal (p50 400-700 ms, p99 1.5-3 s), Billed Restore Duration tens of ms, snapshot and on-demand
init 1.5-5 s, warm durations lognormal per function (the first request in a new environment is
slower).

X-Ray samples warm requests at a few percent but restores and inits far more often, a deliberate
bias of this sample (the real sampler cannot know that a request will be a cold start) so that the
X-Ray views have a few hundred restores to show:
{sampling}

## Planted anomalies

Line numbers count from 1 in the file as stored (`.gz` objects: after decompression; JSON files: the
pretty-printed line of the event's `message`).

{plant_rows}

Also: the `aws-logs-write-test` object in the export folder is not a log, and image-resizer's
tracebacks, the XRAY trailers and the JSON format's plain `print()` lines are the ordinary messiness
of real log groups.
"""


def write_readme(captures: dict[str, Capture], files: dict[str, Path], traces: int, shuffled: int,
                 out: Path) -> Path:
    """README.md from its template, with the counts and line numbers of what was just written."""
    invs = [i for c in captures.values() for i in c.invocations]
    data_files = sorted(p for d in OUTPUT_DIRS for p in (out / d).rglob("*") if p.is_file())
    s3 = [p for p in data_files if p.suffix == ".gz"]
    text = README.format(
        account=ACCOUNT, region=REGION, seed=SEED,
        s3_objects=len(s3), shuffled=shuffled,
        total_size=f"{sum(p.stat().st_size for p in data_files) / 1e6:.1f} MB",
        file_count=len(data_files),
        file_rows=table(FILE_ROWS[0], [[cell.format(s3_objects=len(s3)) for cell in row]
                                       for row in FILE_ROWS[1:]]),
        version_rows=table(VERSION_COLUMNS, [row for c in captures.values() for row in version_rows(c)]),
        invocations=len(invs), restores=sum(i.start_kind == "restore" for i in invs),
        inits=sum(i.init_ms is not None for i in invs),
        snapshots=sum(len(c.snapshot_inits) for c in captures.values()), traces=traces,
        sampling="\n".join(f"- {fn.name}: {fn.trace_rate:.1%} of warm requests, {fn.cold_trace_rate:.0%} of "
                           f"cold starts" for fn in FUNCTIONS),
        plant_rows=table(("function", "kind", "where", "what"), plant_locations(captures, files, out)),
    )
    path = out / "README.md"
    write_bytes(path, text.encode("utf-8"))
    return path



# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def generate(out: Path) -> dict[str, Capture]:
    """Simulate every function and write all envelopes, traces and the README into ``out``."""
    for name in OUTPUT_DIRS:
        shutil.rmtree(out / name, ignore_errors=True)
    captures: dict[str, Capture] = {}
    files: dict[str, Path] = {}
    traces: list[tuple[int, dict]] = []
    shuffled = 0
    for index, fn in enumerate(FUNCTIONS):
        rng = np.random.default_rng([SEED, index])
        capture = simulate(fn, rng)
        captures[fn.name] = capture
        builder = TraceBuilder(fn, np.random.default_rng([SEED, index, 1]))
        traces += [(i.arrival, builder.build(i)) for i in capture.invocations if i.trace_id]
        envelope_rng = np.random.default_rng([SEED, index, 2])
        if fn.envelope == "tail":
            files[fn.name] = write_tail(capture, out)
        elif fn.envelope == "s3":
            shuffled = write_s3_export(capture, out, envelope_rng)
            files[fn.name] = out / "s3-export" / "aws" / "lambda" / fn.name
        else:
            files[fn.name] = write_filter_log_events(capture, out, envelope_rng)
    traces.sort(key=lambda pair: (pair[0], pair[1]["Id"]))
    write_xray([trace for _, trace in traces], out)
    write_readme(captures, files, len(traces), shuffled, out)
    return captures


def summary(captures: Iterable[Capture]) -> str:
    lines = []
    for capture in captures:
        invs = capture.invocations
        kinds = {k: sum(i.start_kind == k for i in invs) for k in ("warm", "restore", "init")}
        lines.append(f"{capture.function.name:16} {len(invs):6} invocations  {kinds}  "
                     f"{sum(bool(i.trace_id) for i in invs)} traces  {len(capture.streams)} streams")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write into (default: this script's folder)")
    args = parser.parse_args(argv)
    captures = generate(args.out)
    print(summary(captures.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
