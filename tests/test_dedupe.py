"""dedupe: the same event read twice counts once; distinct events that look alike stay apart.

Inputs are written as ``aws logs tail`` text (``<ISO> <stream> <message>``), console copies
(message only) and X-Ray documents; counts below are read off the lines by hand.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import logparse
from logparse import cli, pricetable, report

STREAM_A = "2026/11/20/[9]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
STREAM_B = "2026/11/20/[9]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
RUNTIME = "Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc"


def tail(events: list[tuple[str, str, str]]) -> str:
    return "".join(f"2026-11-20T{time}+00:00 {stream} {message}\n" for time, stream, message in events)


def report_line(request: str, duration: str, extra: str = "") -> str:
    return (f"REPORT RequestId: {request}\tDuration: {duration} ms\tBilled Duration: 60 ms\t"
            f"Memory Size: 1024 MB\tMax Memory Used: 150 MB{extra}")


# One restore in stream A (RESTORE_START, RESTORE_REPORT, START, REPORT) and three warm calls in B.
RESTORE = [
    ("10:00:00.000000", STREAM_A, f"RESTORE_START {RUNTIME}"),
    ("10:00:00.500000", STREAM_A, "RESTORE_REPORT Restore Duration: 500.00 ms"),
    ("10:00:00.501000", STREAM_A, "START RequestId: r1 Version: 9"),
    ("10:00:00.560000", STREAM_A,
     report_line("r1", "58.10", "\tRestore Duration: 500.00 ms\tBilled Restore Duration: 40 ms")),
]
WARM = [("10:01:00.000000", STREAM_B, "START RequestId: r2 Version: 9"),
        ("10:01:00.050000", STREAM_B, report_line("r2", "49.00")),
        ("10:02:00.000000", STREAM_B, "START RequestId: r3 Version: 9"),
        ("10:02:00.050000", STREAM_B, report_line("r3", "49.00")),
        ("10:03:00.000000", STREAM_B, "START RequestId: r4 Version: 9"),
        ("10:03:00.050000", STREAM_B, report_line("r4", "51.00"))]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "aws" / "lambda" / "orders-api" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_overlapping_exports_count_each_event_once(tmp_path: Path):
    # The first export holds the restore and r2, r3; the second r2, r3 and r4 (overlap: r2, r3).
    first = write(tmp_path, "first.log", tail(RESTORE + WARM[:4]))
    second = write(tmp_path, "second.log", tail(WARM))
    tables = logparse.load(first, second)
    assert sorted(tables.invocations["request_id"]) == ["r1", "r2", "r3", "r4"]
    assert (len(tables.restores), tables.stats.duplicates) == (1, 2)
    # The kept row is the first one read, with its own file and line.
    r3 = tables.invocations[tables.invocations["request_id"] == "r3"].iloc[0]
    assert (Path(r3["source"]).name, r3["line"]) == ("first.log", 8)
    assert tables.stats.as_dict()["duplicates"] == 2


def test_the_same_file_read_twice_counts_once(tmp_path: Path):
    path = write(tmp_path, "export.log", tail(RESTORE + WARM))
    once = logparse.load(path)
    twice = logparse.load(path, path)
    for (name, frame), (_, again) in zip(once, twice, strict=True):
        if name != "rejects":
            assert len(again) == len(frame), name
    # 4 invocations and 1 restore row: 5 rows read again (START lines are not rows).
    assert (once.stats.duplicates, twice.stats.duplicates) == (0, 5)


def test_identical_lines_without_time_or_stream_stay_apart():
    """A console copy has neither: two identical REPORTs (an async retry reuses the request id)
    may be two invocations, and stay two rows, in one input or across two."""
    text = ("START RequestId: r1 Version: 9\n" + report_line("r1", "58.10") + "\n") * 2
    tables = logparse.load(text.encode(), function="orders-api")
    assert (len(tables.invocations), tables.stats.duplicates) == (2, 0)
    tables = logparse.load(text.encode(), text.encode(), function="orders-api")
    assert (len(tables.invocations), tables.stats.duplicates) == (4, 0)


def test_a_burst_of_equal_restores_in_one_input_stays_and_is_not_doubled_by_a_second():
    """Two environments restored in the same millisecond with the same Restore Duration give two
    equal ``restores`` rows (the table has no stream): both stay; the same two read again from
    another export count once each."""
    burst = [("10:00:00.500000", stream, "RESTORE_REPORT Restore Duration: 500.00 ms")
             for stream in (STREAM_A, STREAM_B)]
    text = tail(burst).encode()
    once = logparse.load(text, function="orders-api")
    assert (len(once.restores), once.stats.duplicates) == (2, 0)
    twice = logparse.load(io.BytesIO(text), io.BytesIO(text), function="orders-api")
    assert (len(twice.restores), twice.stats.duplicates) == (2, 2)


def test_the_same_traces_read_twice_count_once():
    document = {"id": "f000000000000001", "name": "orders-api", "trace_id": "1-67a0c2f1-1b2c3d4e5f60718293a4b5c6",
                "start_time": 1738588913.0, "end_time": 1738588914.0, "origin": "AWS::Lambda::Function",
                "aws": {"function_arn": "arn:aws:lambda:us-east-1:123456789012:function:orders-api:9"},
                "subsegments": [{"id": "a000000000000001", "name": "Restore", "start_time": 1738588913.0,
                                 "end_time": 1738588913.5}]}
    data = json.dumps({"Traces": [{"Segments": [{"Document": json.dumps(document)}]}]}).encode()
    tables = logparse.load(io.BytesIO(data), io.BytesIO(data))
    assert (len(tables.spans), tables.stats.duplicates) == (1, 1)


def test_summary_says_how_many_duplicates_were_dropped(tmp_path: Path):
    path = write(tmp_path, "export.log", tail(RESTORE + WARM))
    copy = write(tmp_path, "copy.log", tail(RESTORE + WARM))
    result = report.summary(logparse.load(path, copy), pricetable.load_prices().lookup())
    assert result["lines"]["duplicates"] == 5
    assert "5 duplicate rows dropped (the same event read twice)" in cli._format_summary(result)

