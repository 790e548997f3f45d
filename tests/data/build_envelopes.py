"""Write the envelope golden files: one hand-checked set of platform events, wrapped in every
envelope DESIGN.md documents. Run once after changing the events; the files are committed.

    python tests/data/build_envelopes.py

The events (log group /aws/lambda/checkout, stream 2026/11/16/[7]0123...ef, version 7):
a restore (RESTORE_START/RESTORE_REPORT, then a request whose REPORT carries Restore Duration
512.34 ms and Billed Restore Duration 64 ms: Billed Duration 245 = ceil(180.25) + 64, and an XRAY
trailer), a warm request (12.01 ms, billed 13), and a request that timed out after 3 s.
The expected rows are tests/data/envelopes/expected_invocations.csv, written by hand.
"""

from __future__ import annotations

import base64
import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent / "envelopes"
GROUP = "/aws/lambda/checkout"
STREAM = "2026/11/16/[7]0123456789abcdef0123456789abcdef"
RID = "aaaaaaaa-0000-4000-8000-00000000000{}"
RUNTIME = "Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc123"
TRACE = "XRAY TraceId: 1-67389a00-0123456789abcdef01234567\tSegmentId: 0123456789abcdef\tSampled: true"

# (time, message) as CloudWatch stores them: one event per entry, XRAY inside the REPORT event.
EVENTS: list[tuple[str, str]] = [
    ("2026-11-16T10:00:00.000Z", f"RESTORE_START {RUNTIME}"),
    ("2026-11-16T10:00:00.512Z", "RESTORE_REPORT Restore Duration: 512.34 ms"),
    ("2026-11-16T10:00:00.520Z", f"START RequestId: {RID.format(1)} Version: 7"),
    ("2026-11-16T10:00:00.530Z", f"[INFO]\t2026-11-16T10:00:00.530Z\t{RID.format(1)}\tcharging card"),
    ("2026-11-16T10:00:00.700Z", f"END RequestId: {RID.format(1)}"),
    ("2026-11-16T10:00:00.700Z", f"REPORT RequestId: {RID.format(1)}\tDuration: 180.25 ms\tBilled Duration: 245 ms\t"
                                 f"Memory Size: 1024 MB\tMax Memory Used: 180 MB\tRestore Duration: 512.34 ms\t"
                                 f"Billed Restore Duration: 64 ms\t\n{TRACE}"),
    ("2026-11-16T10:00:05.000Z", f"START RequestId: {RID.format(2)} Version: 7"),
    ("2026-11-16T10:00:05.013Z", f"END RequestId: {RID.format(2)}"),
    ("2026-11-16T10:00:05.013Z", f"REPORT RequestId: {RID.format(2)}\tDuration: 12.01 ms\tBilled Duration: 13 ms\t"
                                 "Memory Size: 1024 MB\tMax Memory Used: 181 MB\t"),
    ("2026-11-16T10:01:00.000Z", f"START RequestId: {RID.format(3)} Version: 7"),
    ("2026-11-16T10:01:03.000Z", f"2026-11-16T10:01:03.000Z {RID.format(3)} Task timed out after 3.00 seconds"),
    ("2026-11-16T10:01:03.000Z", f"END RequestId: {RID.format(3)}"),
    ("2026-11-16T10:01:03.000Z", f"REPORT RequestId: {RID.format(3)}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
                                 "Memory Size: 1024 MB\tMax Memory Used: 190 MB\tStatus: timeout"),
]


def epoch_ms(stamp: str) -> int:
    return int(datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp() * 1000)


def api_events(with_stream: bool = True) -> list[dict]:
    events = []
    for i, (stamp, message) in enumerate(EVENTS):
        event = {"timestamp": epoch_ms(stamp), "message": message + "\n", "ingestionTime": epoch_ms(stamp) + 300}
        if with_stream:
            event = {"logStreamName": STREAM, **event, "eventId": f"{37000000 + i:056d}"}
        events.append(event)
    return events


def subscription() -> dict:
    return {
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": GROUP, "logStream": STREAM,
        "subscriptionFilters": ["snaplens"],
        "logEvents": [{"id": f"{37000000 + i:056d}", "timestamp": epoch_ms(stamp), "message": message}
                      for i, (stamp, message) in enumerate(EVENTS)],
    }


def main() -> None:
    HERE.mkdir(exist_ok=True)
    lines = "\n".join(message for _, message in EVENTS) + "\n"
    (HERE / "console.txt").write_text(lines.replace("\n", "\r\n"))  # a Windows copy: CRLF
    (HERE / "tail.log").write_text("".join(
        f"{stamp[:-1]}000+00:00 {STREAM} {message}\n" for stamp, message in EVENTS))
    (HERE / "sam.log").write_text("".join(f"{STREAM} {stamp} {message}\n" for stamp, message in EVENTS))
    export = HERE / "s3-export" / "d2a0c6ee-6f8b-4a53-9a6e-2c0d8f1e4b7a" / STREAM.replace("/", "-")
    export.mkdir(parents=True, exist_ok=True)
    body = "\n".join(f"{stamp} {message}\n" for stamp, message in EVENTS)  # blank line between events
    (export / "000000.gz").write_bytes(gzip.compress(body.encode(), mtime=0))
    (HERE / "filter-log-events.json").write_text(json.dumps(
        {"events": api_events(), "searchedLogStreams": [{"logStreamName": STREAM, "searchedCompletely": True}]},
        indent=2))
    (HERE / "get-log-events.json").write_text(json.dumps(
        {"events": api_events(with_stream=False), "nextForwardToken": "f/1", "nextBackwardToken": "b/1"},
        indent=2))
    payload = json.dumps(subscription()).encode()
    control = json.dumps({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
                          "logStream": "", "subscriptionFilters": [], "logEvents": [
                              {"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE: Checking health"}]})
    (HERE / "subscription.json").write_bytes(payload)
    (HERE / "subscription.json.gz").write_bytes(gzip.compress(payload, mtime=0))
    (HERE / "subscription.b64").write_bytes(
        base64.b64encode(gzip.compress(control.encode(), mtime=0)) + b"\n"
        + base64.b64encode(gzip.compress(payload, mtime=0)) + b"\n")
    rows = [{"@timestamp": stamp.replace("T", " ").rstrip("Z"), "@message": message,
             "@logStream": STREAM, "@log": f"123456789012:{GROUP}"} for stamp, message in EVENTS]
    with (HERE / "insights.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["@timestamp", "@message", "@logStream", "@log"])
        writer.writeheader()
        writer.writerows(rows)
    results = [[{"field": key, "value": value} for key, value in row.items()] for row in rows]
    (HERE / "get-query-results.json").write_text(json.dumps(
        {"results": results, "statistics": {"recordsMatched": 13.0, "recordsScanned": 13.0, "bytesScanned": 2048.0},
         "status": "Complete"}, indent=2))
    (HERE / "console.txt.gz").write_bytes(gzip.compress(lines.encode(), mtime=0))


if __name__ == "__main__":
    main()
