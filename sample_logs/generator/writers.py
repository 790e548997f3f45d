"""Each envelope written once: ``aws logs tail`` text, a CloudWatch export to S3 (gzip objects per
stream), ``aws logs filter-log-events`` JSON and ``aws xray batch-get-traces`` JSON.
"""

from __future__ import annotations

import gzip
import json
import math
import uuid
from pathlib import Path

import numpy as np

from generator.scenario import as_datetime, iso_z
from generator.simulation import Capture, Event, Json


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


def write_xray(traces: list[Json], out: Path) -> Path:
    """``aws xray batch-get-traces`` output for every sampled request, in time order."""
    path = out / "xray" / "traces.json"
    document = {"Traces": traces, "UnprocessedTraceIds": []}
    write_bytes(path, json.dumps(document, indent=4).encode("utf-8") + b"\n")
    return path


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
