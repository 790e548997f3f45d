"""What the sample week simulates, as data: the account, the week, the four functions (versions,
alias routing, traffic, timings, deploys, hooks, envelope) and the planted anomalies.

Edit ``FUNCTIONS`` or ``PLANTS`` and re-run ``python sample_logs/generate.py``; nothing else
holds a scenario fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
