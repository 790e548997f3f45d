"""The week simulated request by request: arrivals, execution environments restored from a
snapshot or initialised on demand, reused while warm and reclaimed, publishes and alias shifts,
and the planted anomalies; every platform and application line as the runtime writes it, in text
or JSON log format.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from generator.scenario import (
    FAILED_RESTORES,
    HOUR,
    MINUTE,
    PLANTS,
    RUNTIME_ARNS,
    WEEK_END,
    WEEK_START,
    Function,
    Traffic,
    Version,
    as_datetime,
    iso_z,
    to_ms,
)

Json = dict[str, Any]  # a JSON object as json.dumps takes it


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
    def _record(t: int, kind: str, record: Json) -> str:
        return json.dumps({"time": iso_z(t), "type": kind, "record": record}, separators=(",", ":"))

    def init_start(self, t: int, fn: Function, version: Version) -> str:
        return self._record(t, "platform.initStart", {
            "initializationType": "snap-start" if fn.snapstart else "on-demand",
            "phase": "snap-start" if fn.snapstart else "init", "runtimeVersion": version.runtime,
            "runtimeVersionArn": RUNTIME_ARNS[version.runtime], "functionName": fn.name,
            "functionVersion": version.name})

    def init_report(self, t: int, init_ms: float, phase: str, status: str = "", error: str = "") -> str:
        record: Json = {"initializationType": "snap-start" if phase == "snap-start" else "on-demand",
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
        record: Json = {"status": status or "success"}
        if error:
            record["errorType"] = error
        record["metrics"] = {"durationMs": round(restore_ms, 2)}
        return self._record(t, "platform.restoreReport", record)

    def start(self, t: int, inv: Invocation) -> str:
        return self._record(t, "platform.start", {"requestId": inv.request_id, "version": inv.version})

    def end(self, t: int, inv: Invocation) -> str:
        return ""  # the JSON format has no END record

    def report(self, t: int, inv: Invocation, memory_mb: int) -> str:
        metrics: Json = {"durationMs": round(inv.duration_ms, 2), "billedDurationMs": inv.billed_ms,
                         "memorySizeMB": memory_mb, "maxMemoryUsedMB": inv.max_memory_mb}
        if inv.init_ms is not None:
            metrics["initDurationMs"] = round(inv.init_ms, 2)
        if inv.restore_ms is not None:
            metrics["restoreDurationMs"] = round(inv.restore_ms, 2)
            metrics["billedRestoreDurationMs"] = inv.billed_restore_ms
        record: Json = {"requestId": inv.request_id, "metrics": metrics, "status": inv.status}
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
    from generator.damage import LINE_PLANTS  # damage builds on Capture and Event, defined here

    capture = Simulator(fn, rng).run()
    capture.events.sort(key=lambda e: (e.timestamp, e.stream))
    for plant in PLANTS:
        if plant.function == fn.name and plant.kind in LINE_PLANTS:
            capture.planted[plant.kind] = LINE_PLANTS[plant.kind](capture, plant.after)
    capture.events.sort(key=lambda e: (e.timestamp, e.stream))
    return capture
