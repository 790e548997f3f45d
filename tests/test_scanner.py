"""The compiled scanner (logparse.scanner) against the vectorized path it stands in for: the same
tables, rejects and line accounting for any plain text, however it is cut into buffers and
shares. The vectorized path (``SNAPLENS_SCANNER=0``) is the reference."""

from __future__ import annotations

import gzip
import itertools
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sifting import BYTE_TRICKY, RID, near_layout_line
from test_sifting import line as any_line

import logparse
from logparse import fastrows, reading, scanner, sources, textlines
from logparse.reading import Limits

pytestmark = pytest.mark.skipif(not scanner.enabled(), reason="numba is not installed")

IDS = [RID, RID[:-1] + "2", RID[:-1] + "3", "c0ffee00-1111-4222-8333-444455556666"]
RUNTIME = "Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab"
WARM = "\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB"


@st.composite
def request(draw: st.DrawFn) -> list[str]:
    """One request's lines as Lambda writes them, with any of them swapped for a line near its
    layout, a line from another request, or noise."""
    rid = draw(st.sampled_from(IDS))
    lines: list[str] = []
    start = draw(st.sampled_from(["warm", "warm", "init", "restore", "init_report", "failed_init"]))
    if start == "init":
        lines.append(f"INIT_START {RUNTIME}")
    elif start == "restore":
        lines += [f"RESTORE_START {RUNTIME}", f"RESTORE_REPORT Restore Duration: {draw(st.integers(1, 900))}.61 ms"]
    elif start in ("init_report", "failed_init"):
        lines += [f"INIT_START {RUNTIME}",
                  "INIT_REPORT Init Duration: 2000.50 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError"
                  if start == "failed_init" else "INIT_REPORT Init Duration: 180.20 ms"]
    lines.append(f"START RequestId: {draw(st.sampled_from([rid, *IDS]))} Version: {draw(st.sampled_from(['3', '7']))}")
    lines += [f"[INFO]\t2026-11-16T10:00:00.000Z\t{rid}\tstep {n}" for n in range(draw(st.integers(0, 3)))]
    if draw(st.integers(0, 9)) == 0:
        lines.append(f"2026-11-16T10:00:03.000Z {rid} Task timed out after 3.00 seconds")
    lines.append(f"END RequestId: {rid}")
    tail = {"init": "\tInit Duration: 897.10 ms", "restore": "\tRestore Duration: 700.61 ms\tBilled Restore "
            "Duration: 87 ms"}.get(start, "")
    lines.append(f"REPORT RequestId: {rid}{WARM}{tail}" + draw(st.sampled_from(["\t", ""])))
    if draw(st.integers(0, 3)) == 0:
        lines.append("XRAY TraceId: 1-67389a00-0123456789abcdef01234567\tSegmentId: 0123456789abcdef\tSampled: true")
    for _ in range(draw(st.integers(0, 2))):  # Lambda's lines made odd, or something else in their place
        at = draw(st.integers(0, len(lines)))
        odd = draw(st.one_of(near_layout_line(draw(st.sampled_from(["report", "start", "xray", "init_start",
                                                                         "restore_start", "restore_report"]))),
                             any_line, st.sampled_from(BYTE_TRICKY)))
        if draw(st.booleans()) and at < len(lines):
            lines[at] = odd
        else:
            lines.insert(at, odd)
    return lines


@st.composite
def text_file(draw: st.DrawFn) -> bytes:
    bodies = [body for lines in draw(st.lists(request(), min_size=1, max_size=12)) for body in lines]
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = newline.join(bodies) + draw(st.sampled_from([newline, ""]))
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode("utf-8", "surrogatepass")


# Times an S3 export's line may start with that are not Lambda's (the general path decides):
# other formats, dates that are not dates, times outside the log window, a time and nothing else.
ODD_STAMPS = ["2026-11-20T21:38:23Z ", "2026-11-20 21:38:23.201 ", "+2026-11-20T21:38:23.201Z ",
              "\t2026-11-20T21:38:23.201Z ", "2026-02-29T10:00:00.000Z ", "2024-02-30T10:00:00.000Z ",
              "2026-13-01T10:00:00.000Z ", "2026-11-20T24:00:00.000Z ", "2026-11-20T23:59:60.000Z ",
              "2013-12-31T23:59:59.999Z ", "2101-01-01T00:00:00.000Z ", "2026-11-20T21:38:23.201Z",
              "2026-11-20T21:38:23.2011Z ", "2026-11-20T21:38:23.201+01:00 ", "20261120T213823.201Z "]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z "


@st.composite
def s3_export(draw: st.DrawFn) -> bytes:
    """A CloudWatch export to S3: ``<time> <message>`` per line, times in Lambda's layout from
    anywhere in the log window (leap days included), the XRAY trailer as the unstamped second
    line of its REPORT's event, blank lines between events, and now and then an odd time or an
    unstamped line. The first lines are plain stamped ones, so the file sniffs as an export."""
    times = st.datetimes(datetime(2014, 1, 1), datetime(2100, 12, 31, 23, 59, 59, 999000))
    out = [_stamp(draw(times)) + f"[INFO]\tstep {n}" for n in range(8)]
    for body in (line for lines in draw(st.lists(request(), min_size=1, max_size=10)) for line in lines):
        how = draw(st.sampled_from(["stamped"] * 8 + ["odd", "bare"]))
        if body.startswith("XRAY ") and draw(st.integers(0, 3)):
            how = "bare"
        out.append(body if how == "bare" else (draw(st.sampled_from(ODD_STAMPS)) if how == "odd"
                                               else _stamp(draw(times))) + body)
        if draw(st.integers(0, 2)) == 0:
            out.append("")
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return (newline.join(out) + draw(st.sampled_from([newline, ""]))).encode("utf-8", "surrogatepass")


# Streams a tail or sam copy interleaves: Lambda's (the version in brackets) and names the
# stitching must take their versions from the START lines for (no brackets, or empty ones).
STREAMS = ["2026/11/16/[7]0123456789abcdef0123456789abcdef", "2026/11/16/[$LATEST]fedcba9876543210",
           "2026/11/17/[12]00aa", "my-own-stream", "2026/11/16/[]x[3]y", "a[b"]
# Lines a copy may hold that are not what the AWS CLI writes (the general path decides): other time
# formats, dates that are not dates, no stream or no message, odd bytes in the stream's name.
ODD_PREFIXES = ["2026-11-20T21:38:23Z s ", "2026-11-20 21:38:23.201 s ", "2026-02-30T10:00:00.000Z s ",
                "2026-11-20T21:38:23.201+01:00 s ", "2026-11-20T21:38:23.2011Z s ", "2013-12-31T23:59:59.999Z s ",
                "2026-11-20T21:38:23.201Z  ", "2026-11-20T21:38:23.201Z s\t", "2026-11-20T21:38:23.201Z sé ",
                "x 2026-11-20T21:38:23.201Z ", " 2026-11-20T21:38:23.201Z ", "2026-11-20T21:38:23.201Z"]


@st.composite
def terminal_copy(draw: st.DrawFn) -> bytes:
    """``aws logs tail`` (``<time> <stream> <message>``) or ``sam logs`` (``<stream> <time>
    <message>``) output: requests of several streams interleaved line by line, each event's
    second line (the XRAY trailer, a traceback) bare, now and then an odd prefix, a bare line
    or a blank one. The first lines are prefixed, so the file sniffs as its layout."""
    layout = draw(st.sampled_from(["tail", "sam"]))
    times = st.datetimes(datetime(2014, 1, 1), datetime(2100, 12, 31, 23, 59, 59, 999999))

    def prefixed(stream: str, message: str) -> str:
        when = draw(times)
        stamp = when.isoformat(timespec=draw(st.sampled_from(["microseconds", "milliseconds"])))
        stamp += draw(st.sampled_from(["+00:00", "Z"]))
        return f"{stamp} {stream} {message}" if layout == "tail" else f"{stream} {stamp} {message}"

    out = [prefixed(STREAMS[0], f"[INFO]\tstep {n}") for n in range(8)]
    queues = []
    for lines in draw(st.lists(request(), min_size=1, max_size=10)):
        stream = draw(st.sampled_from(STREAMS))
        events: list[str] = []
        for body in lines:
            how = draw(st.sampled_from(["prefixed"] * 10 + ["odd", "bare", "blank"]))
            if body.startswith("XRAY "):  # mostly the second line of its REPORT's event
                how = draw(st.sampled_from(["glued", "odd", "prefixed"])) if events else how
            if how == "glued":
                events[-1] += "\n" + body
            elif how == "odd" and body.startswith("XRAY "):  # often a time the general path reads: a trailer
                events.append(draw(st.sampled_from(["2026-11-20T21:38:23.201+01:00 s ", *ODD_PREFIXES])) + body)
            elif how == "bare" and events:
                events[-1] += "\n" + draw(st.sampled_from(["  File \"app.py\", line 3", body, "Traceback (x)"]))
            else:
                events.append(draw(st.sampled_from(ODD_PREFIXES)) + body if how == "odd" else
                              "" if how == "blank" else prefixed(stream, body))
        queues.append(events)
    interleaved = draw(st.booleans())
    while any(queues):  # the requests' events interleaved (or not), each request's in its order
        queue = draw(st.sampled_from([queue for queue in queues if queue])) if interleaved else \
            next(queue for queue in queues if queue)
        out.append(queue.pop(0))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = newline.join(event.replace("\n", newline) for event in out)
    return (text + draw(st.sampled_from([newline, ""]))).encode("utf-8", "surrogatepass")


def loaded(data: bytes | str | Path, scanning: bool, limits: Limits = reading.DEFAULT_LIMITS,
           function: str | None = None, version: str | None = None) -> logparse.Tables:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SNAPLENS_SCANNER", "1" if scanning else "0")
        return logparse.load(data, limits=limits, function=function, version=version)


def assert_same(fast: logparse.Tables, reference: logparse.Tables) -> None:
    for name in ("invocations", "inits", "restores", "spans", "rejects"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(reference, name), obj=name)
    for field in ("lines", "parsed", "skipped", "rejected", "duplicates", "files", "bytes"):
        assert getattr(fast.stats, field) == getattr(reference.stats, field), field
    assert fast.stats.kinds == reference.stats.kinds


@pytest.fixture
def scanning_everything(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The scanner on for any input size, both cores on any buffer; yields the rows it read per
    buffer. Each buffer's general lines must come out in line order (the stitching relies on it)."""
    monkeypatch.setattr(scanner, "MIN_BYTES", 0)
    monkeypatch.setattr(scanner, "SHARE_BYTES", 0)
    read: list[int] = []
    original = scanner.scan_buffer

    def counted(buffer, low, high, first_row, carry):  # type: ignore[no-untyped-def]
        before = len(carry.rows)
        found = original(buffer, low, high, first_row, carry)
        read.append(len(carry.rows) - before)
        assert (np.diff(found.picked.rows) > 0).all(), f"general lines out of line order: {found.picked.rows}"
        return found

    monkeypatch.setattr(scanner, "scan_buffer", counted)
    yield read


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=text_file(), block=st.sampled_from([64, 500, 1 << 20]), shares=st.sampled_from([2, 3, 4]))
def test_the_scanner_reads_what_the_vectorized_path_reads(data: bytes, block: int, shares: int,
                                                          scanning_everything: list[int]) -> None:
    """Any plain text, cut into buffers anywhere (``block``) and each buffer into ``shares``
    shares: the same tables, rejects (reasons, lines, texts) and accounting as the vectorized path."""
    limits = Limits(max_line_bytes=600)  # lines longer than this are rejects on both paths
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "BLOCK", block)
        patch.setattr(scanner, "SHARES", shares)
        assert_same(loaded(data, True, limits), loaded(data, False, limits))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=s3_export(), block=st.sampled_from([64, 500, 1 << 20]), shares=st.sampled_from([2, 3, 4]))
def test_the_scanner_reads_an_s3_export_as_the_vectorized_path_does(data: bytes, block: int, shares: int,
                                                                     scanning_everything: list[int]) -> None:
    """An S3 export, cut anywhere: the same tables (times included), rejects and accounting as
    the vectorized path, whatever odd times and unstamped lines it holds."""
    assert_sniffed_input_reads_the_same(data, block, shares, scanning_everything)


def assert_sniffed_input_reads_the_same(data: bytes, block: int, shares: int, scanned: list[int]) -> None:
    """An input whose layout its first eight lines decide, cut into buffers of ``block`` bytes
    and ``shares`` shares: read by the scanner, and as the vectorized path reads it."""
    limits = Limits(max_line_bytes=600)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "BLOCK", block)
        patch.setattr(scanner, "SHARES", shares)
        patch.setattr(textlines, "SNIFF_LINES", 2)  # the eight lines at the top decide the layout
        fast = loaded(data, True, limits)
        assert scanned, "the scanner did not read the input"
        assert_same(fast, loaded(data, False, limits))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=terminal_copy(), block=st.sampled_from([64, 500, 1 << 20]), shares=st.sampled_from([2, 3, 4]))
def test_the_scanner_reads_a_tail_or_sam_copy_as_the_vectorized_path_does(data: bytes, block: int, shares: int,
                                                                          scanning_everything: list[int]) -> None:
    """``aws logs tail`` / ``sam logs`` output, streams interleaved, cut anywhere: the same
    tables (versions from each stream or its START lines, times, trace ids), rejects and
    accounting as the vectorized path."""
    assert_sniffed_input_reads_the_same(data, block, shares, scanning_everything)


@st.composite
def exact_file(draw: st.DrawFn) -> bytes:
    """Lambda's own lines only, each in its exact layout (what :mod:`logparse.exactstitch`
    stitches): inits with and without a REPORT below, restores with and without a RESTORE_START
    above, runtimes and versions that change from request to request."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 10))):
        rid = draw(st.sampled_from(IDS))
        runtime = RUNTIME.replace("3.12.v36", draw(st.sampled_from(["3.12.v36", "3.13.v2"])))
        start = draw(st.sampled_from(["warm", "init", "restore", "restore_alone", "init_alone"]))
        if start.startswith("init"):
            lines.append(f"INIT_START {runtime}")
        if start == "restore":
            lines.append(f"RESTORE_START {runtime}")
        if start.startswith("restore"):
            lines.append(f"RESTORE_REPORT Restore Duration: {draw(st.integers(0, 900))}.{draw(st.integers(0, 99))} ms"
                         + draw(st.sampled_from(["", "\t"])))
        if start == "init_alone" and draw(st.booleans()):
            continue  # an init with no request after it (here, or in the whole file)
        lines.append(f"START RequestId: {rid} Version: {draw(st.sampled_from(['3', '7', '$LATEST']))}")
        lines += [f"[INFO]\t2026-11-16T10:00:00.000Z\t{rid}\tstep {n}" for n in range(draw(st.integers(0, 2)))]
        lines.append(f"END RequestId: {rid}")
        tail = draw(st.sampled_from(["", "\tInit Duration: 897.10 ms",
                                     "\tRestore Duration: 700.61 ms\tBilled Restore Duration: 87 ms"]))
        lines.append(f"REPORT RequestId: {rid}{WARM}{tail}")
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=exact_file(), where=st.sampled_from(["copy.log", "aws/lambda/orders/2026-11-16-[7]0abc/000000",
                                                 "exports/2026-11-16-[$LATEST]0abc/000000"]),
       hints=st.sampled_from([(None, None), ("billing", "12"), ("", "")]), block=st.sampled_from([64, 500, 1 << 20]))
def test_the_exact_stitch_makes_the_tables_the_general_path_makes(
        data: bytes, where: str, hints: tuple[str | None, str | None], block: int,
        scanning_everything: list[int], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Lambda's exact lines, as a copy or under a path that names the function and the stream,
    with and without the caller's hints: the inits and restores stitched in numpy are the
    general path's, row for row; and the numpy stitching took every input with REPORT rows."""
    from logparse import exactstitch

    path = tmp_path_factory.mktemp("exact") / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    function, version = hints
    taken: list[bool] = []
    original = exactstitch.stitched

    def spied(*args: Any) -> Any:
        parsed = original(*args)
        taken.append(parsed is not None)
        return parsed

    buffers = len(scanning_everything)  # (the fixture's list outlives each example)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "BLOCK", block)
        patch.setattr(exactstitch, "stitched", spied)
        fast = loaded(path, True, function=function, version=version)
        scanned = sum(scanning_everything[buffers:])
        reference = loaded(path, False, function=function, version=version)
    assert_same(fast, reference)
    # (an input with no REPORT the scanner read is the general path's alone)
    assert taken == ([True] if scanned else []), "the exact stitch declined Lambda's exact lines"


def test_an_init_in_a_tail_copy_takes_its_duration_from_its_own_streams_report(
        scanning_everything: list[int]) -> None:
    """Two streams interleaved: the INIT_START of stream A is followed first by a REPORT of stream
    B (Init Duration 111.5 ms), then by A's own (897.1 ms). The init is A's cold start: 897.1 ms,
    read from the REPORT row the scanner read, with the versions and streams of the names."""
    a, b = "2026/11/16/[4]aaaa", "2026/11/16/[5]bbbb"
    rid_a, rid_b = IDS[0], IDS[1]
    lines = [f"2026-11-16T10:00:0{n}.000000+00:00 {stream} {message}" for n, (stream, message) in enumerate([
        (a, "[INFO]\tstarting"), (a, f"INIT_START {RUNTIME}"), (b, f"START RequestId: {rid_b} Version: 5"),
        (b, f"REPORT RequestId: {rid_b}{WARM}\tInit Duration: 111.50 ms"),
        (a, f"START RequestId: {rid_a} Version: 4"),
        (a, f"REPORT RequestId: {rid_a}{WARM}\tInit Duration: 897.10 ms")])]
    data = ("\n".join(lines) + "\n").encode()
    fast = loaded(data, True)
    assert_same(fast, loaded(data, False))
    assert scanning_everything == [2]  # both REPORTs are the scanner's rows
    assert fast.inits[["version", "init_ms"]].values.tolist() == [["4", 897.1]]
    assert fast.invocations[["version", "log_stream", "init_ms"]].values.tolist() == [["5", b, 111.5], ["4", a, 897.1]]
    assert fast.invocations["timestamp"].dt.second.tolist() == [3, 5]


@pytest.mark.parametrize("layout", ["tail", "sam"])
@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2003"])
def test_unicode_space_before_a_time_leaves_the_line_to_the_general_path(layout: str, space: str,
                                                                         scanning_everything: list[int]) -> None:
    """The general path's time parser skips Unicode whitespace before a time, so a line whose time
    word starts with one is a prefixed line there: a REPORT, an XRAY trailer, an INIT_START."""
    stream, stamp = "2026/11/16/[7]abc", "2026-11-16T10:00:00.000Z"

    def line(message: str, lead: str = "") -> str:
        return f"{lead}{stamp} {stream} {message}" if layout == "tail" else f"{stream} {lead}{stamp} {message}"

    data = "\n".join([line("[INFO]\tstarting"), line(f"INIT_START {RUNTIME}", space),
                      line(f"REPORT RequestId: {RID}{WARM}\tInit Duration: 897.10 ms", space),
                      line("XRAY TraceId: 1-67389a00-0123456789abcdef01234567\tSampled: true", space), ""]).encode()
    fast = loaded(data, True)
    assert_same(fast, loaded(data, False))
    assert fast.invocations["trace_id"].tolist() == ["1-67389a00-0123456789abcdef01234567"]
    assert fast.inits["init_ms"].tolist() == [897.1]


def test_lambdas_own_lines_are_read_by_the_scanner(scanning_everything: list[int]) -> None:
    """The property above is worth something only if the scanner does read Lambda's lines: here
    every REPORT is its own, and the general path is made to fail on REPORT lines."""
    body = "".join(f"START RequestId: {rid} Version: 3\n[INFO]\tworking\nEND RequestId: {rid}\n"
                   f"REPORT RequestId: {rid}{WARM}\t\nXRAY TraceId: 1-67389a00-{n:024x}\tSegmentId: 01\tSampled: true\n"
                   for n, rid in enumerate(IDS * 3)) + "[INFO]\tlast line\n"
    with pytest.MonkeyPatch.context() as patch:
        from logparse import fields

        patch.setattr(fields, "report_rows", lambda rows: 1 / 0 if rows.height else rows.drop("message"))
        tables = loaded(body.encode(), True)
    assert sum(scanning_everything) == 12
    assert tables.invocations["version"].tolist() == ["3"] * 12
    assert tables.invocations["trace_id"].tolist() == [f"1-67389a00-{n:024x}" for n in range(12)]
    assert tables.invocations["duration_ms"].tolist() == [12.5] * 12
    assert tables.invocations["line"].tolist() == list(range(4, 60, 5))
    assert tables.stats.kinds == {"start": 12, "end": 12, "report": 12, "xray": 12, "app": 13}


def test_a_large_log_reads_the_same_on_both_paths(tmp_path: Path, scanning_everything: list[int]) -> None:
    """A generated log of tens of thousands of lines in 64 KiB buffers on both cores, a file read
    from disk as a user's is."""
    rng = np.random.default_rng(3)
    lines = []
    for n in range(6000):
        rid = f"{n:08x}-0000-4000-8000-{rng.integers(1 << 40):012x}"
        cold = rng.random()
        tail = ""
        if cold < 0.03:
            lines.append(f"RESTORE_START {RUNTIME}")
            lines.append("RESTORE_REPORT Restore Duration: 433.10 ms")
            tail = "\tRestore Duration: 433.10 ms\tBilled Restore Duration: 87 ms"
        elif cold < 0.05:
            lines.append(f"INIT_START {RUNTIME}")
            tail = "\tInit Duration: 897.10 ms"
        lines += [f"START RequestId: {rid} Version: {1 + n // 2000}", f"[INFO]\t2026-11-16T10:00:00.000Z\t{rid}\tok",
                  f"END RequestId: {rid}",
                  f"REPORT RequestId: {rid}\tDuration: {rng.lognormal(3, 1):.2f} ms\tBilled Duration: 40 ms\t"
                  f"Memory Size: 1024 MB\tMax Memory Used: {rng.integers(80, 400)} MB{tail}\t"]
        if rng.random() < 0.05:
            lines.append(f"XRAY TraceId: 1-{n:08x}-{rng.integers(1 << 62):024x}\tSegmentId: {n:016x}\tSampled: true")
    path = tmp_path / "aws" / "lambda" / "checkout.log"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "BLOCK", 1 << 16)
        limits = Limits(max_line_bytes=1 << 12)  # a buffer holds BLOCK + this
        fast, reference = loaded(path, True, limits), loaded(path, False, limits)
    assert_same(fast, reference)
    assert len(scanning_everything) > 10 and sum(scanning_everything) > 0.99 * len(fast.invocations)
    assert set(fast.invocations["function"]) == {"checkout"}
    assert set(fast.invocations["version"]) == {"1", "2", "3"}


def test_every_column_the_scanner_makes_can_be_written(scanning_everything: list[int]) -> None:
    """The tables' columns over the scanner's own arrays (times, numbers, the stitched inits and
    restores) are writable, as the vectorized path's are: a user's notebook may set a value."""
    text = "\n".join([f"INIT_START {RUNTIME}", f"START RequestId: {IDS[0]} Version: 3", f"END RequestId: {IDS[0]}",
                      f"REPORT RequestId: {IDS[0]}{WARM}\tInit Duration: 897.10 ms", f"RESTORE_START {RUNTIME}",
                      "RESTORE_REPORT Restore Duration: 433.10 ms", f"START RequestId: {IDS[1]} Version: 3",
                      f"END RequestId: {IDS[1]}", f"REPORT RequestId: {IDS[1]}{WARM}"]) + "\n"
    tables = loaded(text.encode(), True)
    assert len(scanning_everything) and sum(scanning_everything) == 2
    for name in ("invocations", "inits", "restores"):
        frame = getattr(tables, name)
        assert len(frame), name
        for column in frame.columns:
            frame.loc[frame.index[0], column] = frame[column].iloc[0]  # raises on a read-only array


def test_the_vector_compares_read_the_same_on_a_cpu_without_avx(tmp_path: Path) -> None:
    """The kernel's 64-byte compares are LLVM vectors, lowered for the CPU they are compiled on:
    compiled for a baseline x86-64 (no AVX, no AVX-512; numba's ``NUMBA_CPU_NAME=generic``, in a
    cache of its own), the line maps and a large log read the same as the vectorized path."""
    import os
    import subprocess
    import sys

    if not sys.platform.startswith("linux") or os.uname().machine != "x86_64":
        pytest.skip("the baseline CPU named here is x86-64's")
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    tests = [f"{__file__}::{name}" for name in ("test_the_line_maps_mark_no_byte_next_to_a_newline_or_ta",
                                                "test_a_large_log_reads_the_same_on_both_paths")]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "2 passed" in done.stdout


def test_small_inputs_keep_the_vectorized_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below MIN_BYTES the scanner's one-time costs would outweigh what it saves."""
    calls: list[int] = []
    monkeypatch.setattr(scanner, "scan_buffer", lambda *args: calls.append(1))
    tables = logparse.load(f"START RequestId: {RID} Version: 3\nREPORT RequestId: {RID}{WARM}\n".encode())
    assert calls == [] and tables.invocations["version"].tolist() == ["3"]


def test_the_switch_turns_the_scanner_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAPLENS_SCANNER", "0")
    assert not scanner.enabled() and not scanner.wanted(1 << 40)
    monkeypatch.setenv("SNAPLENS_SCANNER", "1")
    assert scanner.wanted(scanner.MIN_BYTES) and not scanner.wanted(scanner.MIN_BYTES - 1)


def test_a_scanner_that_cannot_load_leaves_the_vectorized_path(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """numba failing to build (an odd platform, a broken install) is one warning, then every
    input is read by the vectorized path: never an error for the user's data."""
    def broken() -> None:
        raise OSError("no LLVM here")

    monkeypatch.setattr(scanner, "_KERNEL", None)
    monkeypatch.setattr(scanner, "_FAILED", None)
    monkeypatch.setattr(scanner, "_load", broken)
    monkeypatch.setattr(scanner, "MIN_BYTES", 0)
    body = f"START RequestId: {RID} Version: 3\nREPORT RequestId: {RID}{WARM}\n".encode()
    with caplog.at_level(logging.WARNING, logger="logparse"):
        tables = logparse.load(body)
        again = logparse.load(body)
    assert tables.invocations["version"].tolist() == ["3"] and len(again.invocations) == 1
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and "vectorized path" in warnings[0] and "no LLVM here" in warnings[0]
    assert not scanner.enabled()


def test_the_cache_falls_back_to_a_private_temporary_directory(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    """With neither the package's folder nor ~/.cache writable, numba fails to import a cached
    function: a directory of our own is set instead, before numba is imported."""
    # Set (empty: as good as unset) through monkeypatch, so what the call sets is undone after
    # the test: a leaked cache directory would send later processes to an empty cache.
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")
    monkeypatch.setattr(scanner, "_writable", lambda path: False)
    monkeypatch.setattr(scanner.tempfile, "gettempdir", lambda: str(tmp_path))
    scanner.choose_cache_dir(numba_imported=False)
    chosen = Path(scanner.os.environ["NUMBA_CACHE_DIR"])
    assert chosen.parent == tmp_path and chosen.is_dir() and chosen.name.startswith("snaplens-numba-")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/somewhere/chosen")
    scanner.choose_cache_dir(numba_imported=False)  # the user's choice stands
    assert scanner.os.environ["NUMBA_CACHE_DIR"] == "/somewhere/chosen"


def test_the_first_compile_says_so_once(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Loading cached machine code is quick and silent; a compile (slower than NOTICE_AFTER) shows
    one line on stderr while it runs."""
    import time

    scanner._load()
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(scanner, "NOTICE_AFTER", 0.05)
    monkeypatch.setattr(scanner, "_compile", lambda kernel: time.sleep(0.5))
    scanner._load()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "compiling the parser once" in err


def test_a_start_the_general_path_may_reject_keeps_the_one_above(scanning_everything: list[int]) -> None:
    """``Version: 3 trailing`` is no version: the general path rejects that START, and the REPORTs
    below it take the START above it. Found by hypothesis where that START began the second
    share of a buffer and the START above lay in the first."""
    exact = f"START RequestId: {RID} Version: 3"
    body = "\n".join([exact, f"END RequestId: {RID}", f"REPORT RequestId: {RID}{WARM}\t", exact,
                      f"REPORT RequestId: {RID}{WARM}\t", f"{exact} trailing", f"REPORT RequestId: {RID}{WARM}\t",
                      ""]).encode()
    for block in (100, 1 << 20):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(reading, "BLOCK", block)
            fast = loaded(body, True, Limits(max_line_bytes=200))
            assert_same(fast, loaded(body, False, Limits(max_line_bytes=200)))
        assert fast.invocations["version"].tolist() == ["3", "3", "3"]
        assert fast.rejects["reason"].tolist() == ["START line without a readable Version"]


@pytest.mark.parametrize("stamp", ["", "2026-11-16T09:40:00.000Z ",
                                   "2026-11-16T09:40:00.000000+00:00 2026/11/16/[3]ab "])
def test_columns_that_grow_keep_every_row(stamp: str, scanning_everything: list[int]) -> None:
    """The input's columns start small when the input's size is unknown (gzip, stdin) and grow
    buffer by buffer: grown from one row, in buffers of a few lines, with trailers across buffer
    ends, the same tables as the vectorized path (times and streams of an S3 export or tail copy too)."""
    from logparse import fastrows, textlines

    head = "".join(f"{stamp}[INFO] step {n}\n" for n in range(8))
    body = (head + "".join(f"{stamp}START RequestId: {rid} Version: {n % 3}\n{stamp}[INFO]\tworking\n"
                           f"{stamp}END RequestId: {rid}\n"
                           f"{stamp}REPORT RequestId: {rid}{WARM}\tInit Duration: {n}.5 ms\n"
                           + (f"XRAY TraceId: 1-67389a00-{n:024x}\tSegmentId: 01\tSampled: true\n" if n % 2 else "")
                           for n, rid in enumerate(IDS * 10))).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textlines, "InputRows", lambda capacity, **kinds: fastrows.InputRows(1, **kinds))
        patch.setattr(textlines, "SNIFF_LINES", 2)
        patch.setattr(reading, "BLOCK", 150)
        limits = Limits(max_line_bytes=300)
        fast = loaded(body, True, limits)
        assert_same(fast, loaded(body, False, limits))
    assert len(scanning_everything) > 20 and sum(scanning_everything) == len(fast.invocations) == 40
    assert fast.invocations["timestamp"].notna().all() == bool(stamp)
    assert fast.invocations["init_ms"].tolist() == [n + 0.5 for n in range(40)]
    traces = [f"1-67389a00-{n:024x}" if n % 2 else "" for n in range(40)]
    assert fast.invocations["trace_id"].fillna("").tolist() == traces


def test_with_no_thread_to_be_had_the_table_is_built_in_the_callers_thread(
        scanning_everything: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner's rows become table rows in a thread beside the general path; where no thread
    can be started (a process limit), in the caller's, with the same rows."""
    class NoThread(ThreadPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("can't start new thread")

    text = "".join(f"START RequestId: {rid} Version: 3\nEND RequestId: {rid}\nREPORT RequestId: {rid}{WARM}\n"
                   for rid in IDS).encode()
    reference = loaded(text, False)
    monkeypatch.setattr(sources, "ThreadPoolExecutor", NoThread)
    fast = loaded(text, True)
    assert scanning_everything, "the scanner did not read the input"
    assert_same(fast, reference)
    assert len(fast.invocations) == len(IDS)


def test_a_start_scanned_again_from_the_share_before_keeps_the_lines_in_order(
        scanning_everything: list[int]) -> None:
    """A share that begins with a START the general path may reject is scanned again from the
    state of the share before, whose START then becomes a general line above lines that share
    already handed on (a timeout): the buffer's general lines are put back in line order (the
    fixture checks it) and read as the vectorized path reads them."""
    first, second = IDS[0], IDS[1]
    lines = [f"[INFO]\tpadding line number {n} " + "x" * 60 for n in range(40)]
    lines += [f"START RequestId: {first} Version: 1",
              f"2026-11-16T10:00:03.000Z {first} Task timed out after 3.00 seconds",
              f"END RequestId: {first}", f"REPORT RequestId: {first}{WARM}",
              f"START RequestId: {second} Version: 1 x", f"END RequestId: {second}",
              f"REPORT RequestId: {second}{WARM}"]
    data = ("\n".join(lines) + "\n").encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scanner, "SHARES", 2)
        fast = loaded(data, True)
    assert scanning_everything, "the scanner did not read the input"
    assert_same(fast, loaded(data, False))
    assert fast.invocations["status"].tolist() == ["timeout", "success"]


@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.sampled_from([b"\n", b"T", b"a", b"Ta", b"x", b"Task timed out after",
                                      # near misses for eight bytes tested at once: the bytes next to
                                      # 10, "T" and "a", their top-bit twins, 0 and 0xFF
                                      b"\x0b", b"\t", b"\x8a", b"\xd4", b"\xe1", b"U", b"`", b"\x00", b"\xff",
                                      b"\x01"]), max_size=160),
       cut=st.tuples(st.integers(0, 400), st.integers(0, 400)))
def test_the_line_maps_mark_every_newline_and_every_ta(text: list[bytes], cut: tuple[int, int]) -> None:
    """The bit maps the kernel finds line ends and timeout candidates in: bit j of word w is
    byte 64 * (low // 64 + w) + j, for every block that holds a byte of ``data[low:high]``, up to
    the buffer's last byte (a "Ta" split over two blocks too)."""
    k = scanner.kernel()
    assert k is not None
    data = np.frombuffer(b"".join(text), np.uint8).copy()
    low, high = sorted(min(c, len(data)) for c in cut)
    newlines, starts = np.zeros(len(data) // 64 + 3, np.uint64), np.zeros(len(data) // 64 + 3, np.uint64)
    blocks = k.line_maps(data, low, high, newlines, starts)
    first = low // 64
    assert blocks == (0 if high == low else (high - 1) // 64 - first + 1)
    for w in range(blocks):
        for j in range(64):
            i = (first + w) * 64 + j
            in_data = i < len(data)
            assert bool(newlines[w] >> np.uint64(j) & np.uint64(1)) == (in_data and data[i] == 10)
            assert bool(starts[w] >> np.uint64(j) & np.uint64(1)) == (in_data and bytes(data[i:i + 2]) == b"Ta")


def test_the_line_maps_mark_no_byte_next_to_a_newline_or_ta() -> None:
    """line_maps compares 64 bytes at once; a byte one above or below a newline, "T" or "a", or
    one with the top bit flipped, is no match. Every pair of such bytes, at every place in a
    block and across the edge of one."""
    k = scanner.kernel()
    assert k is not None
    near = [0, 1, 9, 10, 11, 0x8A, ord("T"), ord("U"), ord("S"), 0xD4, ord("a"), ord("`"), ord("b"), 0xE1, 0x7F, 0xFF]
    pairs = bytes(byte for first in near for second in near for byte in (first, second))[:-1]  # (511 bytes:
    # each repeat falls differently on the 64-byte blocks, so a pair is split across two blocks too)
    for shift in range(8):
        data = np.frombuffer(b"x" * shift + pairs * 8, np.uint8).copy()
        newlines, starts = np.zeros(len(data) // 64 + 3, np.uint64), np.zeros(len(data) // 64 + 3, np.uint64)
        blocks = k.line_maps(data, 0, len(data), newlines, starts)
        bits = np.unpackbits(np.stack([newlines[:blocks], starts[:blocks]]).view(np.uint8), axis=1,
                             bitorder="little")[:, :len(data)]
        ta = np.append((data[:-1] == ord("T")) & (data[1:] == ord("a")), False)
        assert (bits[0] == (data == 10)).all() and (bits[1] == ta).all(), shift


EXACT_LINES = {"start": f"START RequestId: {RID} Version: 3", "init_start": f"INIT_START {RUNTIME}",
               "restore_start": f"RESTORE_START {RUNTIME}",
               "restore_report": "RESTORE_REPORT Restore Duration: 433.10 ms"}


@st.composite
def near_exact_line(draw: st.DrawFn) -> tuple[str, str]:
    """A kind and a line of it: Lambda's exact layout with a few characters inserted, swapped or
    deleted (ones each layout's character classes and separators tell apart), or a line near the
    layout as the sifting tests make them."""
    kind = draw(st.sampled_from(sorted(EXACT_LINES)))
    if draw(st.booleans()):
        return kind, draw(near_layout_line(kind))
    text = EXACT_LINES[kind] + draw(st.sampled_from(["", "\t", " ", "\t\t"]))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(list("aZ09._:+-/ \t\x1f\x7f\u00e9,")))
        how = draw(st.sampled_from(["insert", "swap", "delete"]))
        text = text[:at] + ("" if how == "delete" else char) + text[at + (how != "insert"):]
    return kind, text


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(near_exact_line(), min_size=1, max_size=8), pad=st.integers(0, 70))
def test_the_scanner_finds_exact_fields_where_the_layouts_pattern_does(lines: list[tuple[str, str]],
                                                                         pad: int) -> None:
    """scankernel.exact_fields against the readers it stands in for: a line it calls exact is one
    the layout's pattern (for START, start_rows' checks) reads, with the same fields; and for
    INIT_START, RESTORE_START and RESTORE_REPORT, every line the pattern reads it calls exact.
    ``pad``: bytes before the lines, so they fall anywhere against the 64-byte compares."""
    import re

    from logparse.formats import LAYOUTS
    from logparse.kinds import KIND_CODES

    k = scanner.kernel()
    assert k is not None
    encoded = [text.encode() for _, text in lines]
    data = np.frombuffer(b"x" * pad + b"\n".join(encoded), np.uint8).copy()
    begins = np.array(list(itertools.accumulate((len(line) + 1 for line in encoded[:-1]), initial=pad)), np.int64)
    ends = begins + np.array([len(line) for line in encoded], np.int64)
    codes = np.array([KIND_CODES[kind] for kind, _ in lines], np.uint8)
    spans = np.zeros((len(lines), k.N_SPANS), np.int64)
    exact = k.exact_fields(data, begins, ends, codes, spans)
    assert exact == int((spans[:, 0] >= 0).sum())
    for (kind, text), found in zip(lines, spans.tolist(), strict=True):
        raw = text.encode()
        fields = [raw[at:at + length].decode() for at, length in zip(found[::2], found[1::2], strict=True)
                  if at >= 0]
        if kind == "start":
            if found[0] >= 0:
                request_id, version = text[17:53], text[63:]
                assert text[53:63] == " Version: " and fields == [request_id, version]
                assert all(word and word.isascii() and not re.search(r"[\s:]", word) for word in fields)
            continue
        match = re.match(LAYOUTS[kind], text)
        assert (found[0] >= 0) == (match is not None), text
        if match:
            assert fields == [value for value in match.groupdict().values()], text


def test_an_input_with_few_rows_holds_only_their_memory(scanning_everything: list[int]) -> None:
    """A gzip input's columns start with room for a million rows (its size is unknown); cut to
    the rows read, a folder of such inputs holds megabytes, not gigabytes of address space."""
    text = "\n".join(f"START RequestId: {rid} Version: 3\nREPORT RequestId: {rid}{WARM}" for rid in IDS)
    tables = logparse.load(gzip.compress(text.encode()))
    duration = tables.invocations["duration_ms"].array._data  # the scanner's column, not a copy
    owner = duration.base if duration.base is not None else duration
    assert len(tables.invocations) == len(IDS) and sum(scanning_everything) == len(IDS)
    assert owner.nbytes <= 8 * 5 * len(IDS)  # the five float columns of these rows, nothing more
    assert_same(tables, loaded(gzip.compress(text.encode()), False))


def test_a_too_long_line_parts_a_report_from_the_trailer_below_it(scanning_everything: list[int]) -> None:
    """A line over the limit between a REPORT and an XRAY line: the trailer is not the REPORT's
    (the reference rejects it as having no REPORT above), in a plain file and in an export.
    Found by a review: the REPORT stayed open for the next buffer's first line."""
    xray = "XRAY TraceId: 1-67389a00-0123456789abcdef01234567\n"
    stamp = "2026-11-16T09:40:00.000Z "
    for head in ("", stamp):
        text = "".join(f"{head}[INFO] step {n}\n" for n in range(8)) + \
            f"{head}REPORT RequestId: {RID}{WARM}\n" + "x" * 700 + "\n" + xray
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(textlines, "SNIFF_LINES", 2)
            fast, reference = loaded(text.encode(), True, Limits(max_line_bytes=600)), \
                loaded(text.encode(), False, Limits(max_line_bytes=600))
        assert fast.invocations["trace_id"].isna().all()
        assert_same(fast, reference)


def test_a_json_start_gives_the_text_report_below_it_its_version(scanning_everything: list[int]) -> None:
    """A JSON ``platform.start`` line above an exact text REPORT of its request: the REPORT's
    version is the JSON START's, as the general path stitches it (found by a review: the kernel
    matched the REPORT to the text START before the JSON line)."""
    start = ('{"time":"2026-11-16T09:40:00.000Z","type":"platform.start","record":{"requestId":"'
             f'{RID}","version":"7"}}}}')
    text = "".join(f"[INFO] step {n}\n" for n in range(8)) + f"START RequestId: {IDS[1]} Version: 3\n" + \
        f"{start}\nREPORT RequestId: {RID}{WARM}\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textlines, "SNIFF_LINES", 2)  # the JSON line after the sniffed lines, as in a long file
        fast = loaded(text.encode(), True)
        assert scanning_everything, "the scanner did not read the file"
        assert fast.invocations["version"].tolist() == ["7"]
        assert_same(fast, loaded(text.encode(), False))


@pytest.mark.parametrize("value", ["success", "", "x", "/logs/ünïcode/2026/11/16/[3]abc.log"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000, 392_159])
def test_a_constant_column_holds_its_value_on_every_row(value: str, n: int) -> None:
    """fastrows.constant repeats one chunk of the value (offsets in bytes, so non-ASCII values
    too; no rows and empty values included): every chunk is the same memory, at most about a
    megabyte however many rows."""
    column = fastrows.constant(value, n)
    assert len(column) == n and column.null_count == 0
    assert column.type == pa.large_string()
    if n:
        assert pc.all(pc.equal(column, pa.scalar(value, pa.large_string()))).as_py()
        assert column[n - 1].as_py() == value
        assert len({chunk.buffers()[2].address for chunk in column.chunks}) == 1
        assert column.chunks[0].nbytes <= fastrows.CONSTANT_BYTES + 64
    assert fastrows.constant(None, n).null_count == n


def test_general_lines_of_many_buffers_give_reasons_as_the_vectorized_path_does(scanning_everything: list[int]
                                                                                 ) -> None:
    """The general lines of several buffers become one frame of events, its text in one chunk as
    its other columns are; or, held past ``GENERAL_BYTES``, several (an S3 export's are sifted
    then). The input is the one the S3 property test found (its strategy's output, cut into
    500-byte buffers of two shares): built from a chunk per buffer, the reasons of its rejected
    INIT_REPORTs made Polars panic (``assertion failed: i < self.len()``)."""
    data = (Path(__file__).parent / "data" / "scanner" / "s3-export-many-buffers.log").read_bytes()
    made = []
    original = textlines._general_events

    def counted(*args):  # type: ignore[no-untyped-def]
        made.append(original(*args))
        return made[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textlines, "_general_events", counted)
        assert_sniffed_input_reads_the_same(data, 500, 2, scanning_everything)
        assert len(scanning_everything) == 5 and len(made) == 1  # buffers scanned, frames made
        patch.setattr(textlines, "GENERAL_BYTES", 1)  # a frame per buffer
        assert_sniffed_input_reads_the_same(data, 500, 2, scanning_everything)
        assert len(made) == 1 + 5
