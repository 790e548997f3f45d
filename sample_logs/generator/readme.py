"""``sample_logs/README.md``: its counts, percentiles and line numbers computed from what was
written, so the README can never drift from the data.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from generator.scenario import ACCOUNT, FUNCTIONS, OUTPUT_DIRS, PLANTS, REGION, SEED, iso_z
from generator.simulation import Capture
from generator.writers import encode, write_bytes

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
