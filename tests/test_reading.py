"""Hostile inputs cost bounded memory and time (issue 13): gzip bombs, endless lines, devices and
FIFOs, stdin, a memory limit, large JSON documents.

The cases that once exhausted the machine run in a child process with a timeout, which reports
its own peak RSS (VmHWM; a child's ru_maxrss may report the parent's RSS at fork instead). The
peak allowed is far below what the case took before the fix (written beside each test) and far
above what it takes now.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

import logparse
from logparse import jsonstream, reading
from logparse.reading import Limits

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "envelopes"
MB = 1 << 20
REPORT = ("REPORT RequestId: {rid}\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
          "Max Memory Used: 50 MB\t")

# Runs the CLI (``python -m logparse ...``) and writes its peak RSS to the file named by $PEAK_FILE.
# With $HEADROOM_MB, the address space is limited (as ``ulimit -v`` does) to what the process maps
# once its libraries are loaded and warm, plus that much.
CLI = """
import atexit, os, runpy, sys
def status(key):
    with open("/proc/self/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith(key)))
atexit.register(lambda: open(os.environ["PEAK_FILE"], "w").write(str(status("VmHWM:"))))
if os.environ.get("HEADROOM_MB"):
    import resource, logparse, logparse.cli, logparse.report, logparse.xray
    logparse.load(b"START RequestId: warm Version: 1\\n")
    limit = status("VmSize:") * 1024 + int(os.environ["HEADROOM_MB"]) * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
sys.argv = ["logparse", *sys.argv[1:]]
runpy.run_module("logparse", run_name="__main__")
"""


def run_cli(tmp_path: Path, *args: str, stdin=None, timeout: float = 120,
            headroom_mb: int | None = None) -> tuple[int, str, str, float]:
    """(exit code, stdout, stderr, peak RSS in MB) of the CLI in a fresh process."""
    peak_file = tmp_path / "peak.txt"
    peak_file.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=timeout,
                         cwd=ROOT, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                         env={**os.environ, "PEAK_FILE": str(peak_file),
                              **({"HEADROOM_MB": str(headroom_mb)} if headroom_mb else {})})
    peak = int(peak_file.read_text()) / 1024 if peak_file.exists() else float("nan")
    return out.returncode, out.stdout, out.stderr, peak


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("note:")]


def zeros_gz(path: Path, mib: int) -> Path:
    """A gzip of ``mib`` MiB of zeros: about 1000 times smaller than what it inflates to."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MB)
    with open(path, "wb") as handle:
        for _ in range(mib):
            handle.write(deflate.compress(block))
        handle.write(deflate.flush())
    return path


def good_log(path: Path) -> Path:
    path.write_text("".join(REPORT.format(rid=f"r{i}") + "\n" for i in range(3)))
    return path


# --------------------------------------------------------------------------- gzip


def test_gzip_bomb_ends_that_input_with_one_line_and_the_others_are_read(tmp_path):
    """Before: 1 GiB of zeros in a 1 MB .gz was inflated whole (past 9 GB RSS for the CLI)."""
    bomb = zeros_gz(tmp_path / "bomb.gz", 1024)
    code, out, err, peak = run_cli(tmp_path, "summary", "--json", str(bomb), str(good_log(tmp_path / "good.log")),
                                   timeout=60)
    lines = errors(err)
    assert len(lines) == 1 and str(bomb) in lines[0] and "gzip bomb" in lines[0], err
    assert "--max-inflate-ratio" in lines[0]
    assert code == 1
    assert sum(f["invocations"] for f in json.loads(out)["functions"]) == 3  # the good input still read
    assert peak < 700, f"peak RSS {peak:.0f} MB"


def test_inflate_limits_can_be_raised_or_lowered():
    data = gzip.compress(b"x" * (80 * MB) + b"\n")  # 80 MiB from about 80 KB: beyond the default ratio
    tables = logparse.load(data)
    assert tables.rejects["reason"].str.contains("gzip bomb").any()
    tables = logparse.load(data, limits=Limits(max_inflate_ratio=5000, max_line_bytes=128 * MB))
    assert not tables.rejects["reason"].str.contains("gzip").any()
    assert tables.stats.lines == 1 and tables.stats.skipped == 1  # one application line
    tables = logparse.load(gzip.compress(b"hello\n" * 100_000), limits=Limits(max_inflated_bytes=100_000))
    reason = tables.rejects["reason"].iloc[-1]
    assert "more than 97.7 KiB" in reason and "--max-inflated-bytes" in reason


def test_gzip_members_and_padding_still_read_whole():
    one = gzip.compress(f"{REPORT.format(rid='a')}\n".encode())
    two = gzip.compress(f"{REPORT.format(rid='b')}\n".encode())
    tables = logparse.load(one + b"\0" * 64 + two)
    assert list(tables.invocations["request_id"]) == ["a", "b"]
    assert tables.rejects.empty


# --------------------------------------------------------------------------- long lines


def test_a_line_longer_than_the_limit_is_a_reject_with_its_length(tmp_path):
    """Before: one 256 MiB line needed 4.5 GB; a platform-looking 128 MiB line here needed over 1.5 GB."""
    path = tmp_path / "long.log"
    with open(path, "wb") as handle:
        handle.write(f"{REPORT.format(rid='before')}\n".encode())
        handle.write(b"REPORT RequestId: " + b"x" * (128 * MB) + b"\n")
        handle.write(f"{REPORT.format(rid='after')}\n".encode())
    code, _out, err, peak = run_cli(tmp_path, "export", str(path), "--out", str(tmp_path / "out"), timeout=60)
    assert code == 0, err
    rejects = (tmp_path / "out" / "rejects.csv").read_text()
    assert "line of 134,217,746 bytes, longer than the 1 MiB limit" in rejects
    assert ",2," in rejects  # line 2
    assert "before" in (tmp_path / "out" / "invocations.csv").read_text()
    assert "after" in (tmp_path / "out" / "invocations.csv").read_text()
    assert peak < 600, f"peak RSS {peak:.0f} MB"


def test_line_limit_is_exact_and_lines_are_accounted():
    limit = 64 * 1024
    body = b"a" * limit + b"\n" + b"b" * (limit + 1) + b"\r\n" + REPORT.format(rid="r").encode() + b"\n"
    tables = logparse.load(body * 3, limits=Limits(max_line_bytes=limit))
    assert list(tables.rejects["line"]) == [2, 5, 8]
    assert tables.rejects["reason"].str.contains(f"line of {limit + 2:,} bytes").all()  # its CR counted
    assert len(tables.invocations) == 3
    assert list(tables.invocations["line"]) == [3, 6, 9]
    stats = tables.stats
    assert stats.lines == 9 == stats.parsed + stats.skipped + stats.rejected
    assert stats.kinds["too_long"] == 3


@pytest.mark.parametrize("ahead", [False, True])
@pytest.mark.parametrize("block", [1 << 16, 1 << 17, 3 << 16])
def test_whole_lines_gives_back_every_line_across_blocks(block, ahead):
    """Read in one buffer, or read ahead in a thread into two in turn: every line, in order."""
    rng = np.random.default_rng(block)
    lines = [b"x" * int(n) for n in rng.integers(0, 50_000, 400)]
    lines[7] = b"y" * 300_000  # longer than the limit, inside a block and across blocks
    lines[200] = b"z" * 1_000_000
    data = b"\n".join(lines)  # no line break at the end
    limits = Limits(max_line_bytes=100_000)
    got = []
    for piece in reading.whole_lines(reading.Stream(io.BytesIO(data)), limits, reading.LineBuffer(), block=block,
                                     ahead=ahead):
        if isinstance(piece, reading.LongLine):
            got.append(piece.length)
        else:
            got.extend(bytes(piece.buffer[piece.low:piece.high]).split(b"\n")[:-1]
                       if piece.buffer[piece.high - 1:piece.high] == b"\n"
                       else bytes(piece.buffer[piece.low:piece.high]).split(b"\n"))
    want = [len(line) if len(line) > limits.max_line_bytes else line for line in lines]
    assert got == want


# --------------------------------------------------------------------------- devices, FIFOs, stdin


def test_devices_and_fifos_are_refused_unless_piped(tmp_path):
    """Before: /dev/zero was read forever and a FIFO with no writer blocked forever."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, out, err, _ = run_cli(tmp_path, "summary", "--json", "/dev/zero", str(fifo),
                                str(good_log(tmp_path / "good.log")), timeout=60)
    lines = errors(err)
    assert len(lines) == 2, err
    assert lines[0].startswith("error: /dev/zero: not a regular file (a device)")
    assert lines[1].startswith(f"error: {fifo}: not a regular file (a FIFO)")
    assert "pipe it in as - (stdin)" in lines[0]
    assert code == 1
    assert sum(f["invocations"] for f in json.loads(out)["functions"]) == 3


def test_stdin_is_read_in_bounded_blocks_with_the_same_limits(tmp_path):
    """Before: stdin was read whole (a 512 MiB stream held 512 MiB, and a line of it more)."""
    bomb = zeros_gz(tmp_path / "bomb.gz", 512)
    with open(bomb, "rb") as stdin:
        _, out, err, peak = run_cli(tmp_path, "summary", "-", stdin=stdin, timeout=60)
    lines = errors(err)
    assert lines[0].startswith("error: <stdin>: gzip inflates more than 250 times"), err
    assert all(line.startswith("error: nothing usable found") for line in lines[1:2]) and len(lines) <= 2, err
    assert peak < 600, f"peak RSS {peak:.0f} MB"
    zeros = subprocess.Popen(["head", "-c", str(400 * MB), "/dev/zero"], stdout=subprocess.PIPE)
    _code, out, err, peak = run_cli(tmp_path, "summary", "--json", "-", stdin=zeros.stdout, timeout=60)
    zeros.wait()
    assert json.loads(out)["lines"]["rejected"] == 1  # one line of 400 MiB of NUL bytes
    assert peak < 600, f"peak RSS {peak:.0f} MB"


# --------------------------------------------------------------------------- a memory limit


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ulimit -v as Linux applies it")
def test_a_memory_limit_gives_one_line_not_a_traceback(tmp_path):
    """Before: a traceback ending in MemoryError, or an abort from Polars' allocator."""
    path = tmp_path / "reports.log"
    path.write_text("".join(REPORT.format(rid=f"{i:032x}") + "\n" for i in range(200_000)))
    # Room to read (blocks of 32 MiB), not for the rows of 40 inputs held together.
    code, _out, err, _ = run_cli(tmp_path, "summary", *[str(path)] * 40, headroom_mb=1000, timeout=300)
    lines = errors(err)
    assert "Traceback" not in err and "memory allocation" not in err, err[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: out of memory"), err[-2000:]
    assert "ulimit -v" in lines[0] and "fewer inputs" in lines[0]
    assert code == 1


# --------------------------------------------------------------------------- JSON documents


def events_document(n: int, key: str = "events", before: str = "", every: int = 3) -> bytes:
    """``n`` events: a REPORT, application lines (with brackets and escaped quotes), a START."""
    events = []
    for i in range(n):
        message = (REPORT.format(rid=f"r{i}") if i % every == 0 else
                   f"START RequestId: r{i + 1} Version: 4" if i % every == every - 1 else
                   f'[INFO] {{"a": [1, {{"b": "}}]"}}], "q": "\\"{i}\\\\"}} \\\\"')
        events.append({"logStreamName": "2026/11/16/[4]abc", "timestamp": 1_794_822_000_000 + i,
                       "message": message + "\n", "eventId": str(i)})
    document = {**({"nextToken": before} if before else {}), key: events, "logGroupName": "/aws/lambda/fn",
                "searchedLogStreams": [{"logStreamName": "x]}{", "searchedCompletely": True}]}
    return json.dumps(document, indent=4).encode()


@pytest.mark.parametrize(("run_bytes", "guess"), [(300, False), (4096, False), (1 << 22, False), (1 << 22, True)])
def test_a_json_document_is_read_a_run_at_a_time_with_the_same_rows(monkeypatch, run_bytes, guess):
    """Cut where a parse proves an event ends (``guess``), or by the bracket scan in runs of
    ``run_bytes``: the same rows either way."""
    document = events_document(3000, before='{"not": ["events"]} "events": [')
    whole = logparse.load(document)
    monkeypatch.setattr(jsonstream, "RUN", run_bytes)
    monkeypatch.setattr(jsonstream, "BLOCK", 1 << 16)  # many buffers
    if not guess:
        monkeypatch.setattr(jsonstream, "_parsed_up_to_a_brace", lambda data, filled: (0, None))
    streamed = logparse.load(document)
    assert list(streamed.invocations["request_id"]) == [f"r{i}" for i in range(0, 3000, 3)]
    assert streamed.invocations.equals(whole.invocations)
    assert set(streamed.invocations["function"]) == {"fn"}
    assert set(streamed.invocations["version"]) == {"4"}
    assert streamed.stats.lines == 3000 and streamed.stats.kinds["app"] == 1000
    assert streamed.rejects.empty


def test_a_brace_inside_a_message_is_no_place_to_cut():
    data = bytearray(b'{"m": "a}, {b"}, {"m": "x}, {"')
    assert jsonstream._parsed_up_to_a_brace(data, len(data)) == (15, [{"m": "a}, {b"}])


def test_json_structure_ignores_brackets_and_escaped_quotes_inside_strings():
    text = b'{"a": "x\\\\", "b": ["]", "\\"]"], "events": [{"m": "\\\\\\"}"}, {}]}'
    start, key = jsonstream.array_start(text)
    assert key == b'"events"' and text[start - 1:start] == b"["
    at, depth = jsonstream._brackets(np.frombuffer(text, np.uint8), start)
    assert [chr(text[i]) for i in at] == ["{", "}", "{", "}", "]", "}"]
    assert list(depth) == [1, 0, 1, 0, -1, -2]


def test_broken_json_document_keeps_the_events_before_the_break():
    document = events_document(30)
    tables = logparse.load(document[: len(document) * 2 // 3])
    assert 0 < len(tables.invocations) < 10
    assert tables.rejects["reason"].str.contains("not valid JSON").any()


def test_json_memory_per_event_is_bounded(tmp_path):
    """Before: a filter-log-events document was parsed whole, about 1,500 bytes per event."""
    path = tmp_path / "events.json"
    path.write_bytes(events_document(300_000, every=5))  # 20% REPORT, as in a busy log group
    small = tmp_path / "small.json"
    small.write_bytes(events_document(10, every=5))
    *_, baseline = run_cli(tmp_path, "summary", str(small))
    code, _out, err, peak = run_cli(tmp_path, "summary", str(path))
    assert code == 0, err
    per_event = (peak - baseline) * MB / 300_000
    # Before: about 1,350. Now 450-520 at this size (it varies with the allocator's state from one
    # fresh virtualenv to another): the tables built from 120,000 platform lines weigh most of it,
    # so the bound sits between the two; bench_memory.py gives the per-line figure on 2,000,000 lines.
    assert per_event < 800, f"{per_event:.0f} bytes per event above the baseline"


def test_subscription_control_message_is_skipped():
    document = json.dumps({"messageType": "CONTROL_MESSAGE", "logGroup": "", "logStream": "",
                           "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE"}]})
    tables = logparse.load(document.encode())
    assert tables.stats.kinds.get("control_message") == 1 and tables.stats.lines == 0


# --------------------------------------------------------------------------- sizes


def test_sizes_parse_and_bad_ones_are_usage_errors(tmp_path, capsys):
    assert reading.parse_size("1M") == MB and reading.parse_size("64GiB") == 64 << 30
    assert reading.parse_size("4096") == 4096 and reading.parse_size("1.5k") == 1536
    for bad in ("", "lots", "-1", "0"):
        with pytest.raises(ValueError):
            reading.parse_size(bad)
    from logparse.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["summary", str(good_log(tmp_path / "g.log")), "--max-line-bytes", "lots"])
    assert exit_.value.code == 2
    assert "not a size: 'lots'" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "g.log"), "--max-line-bytes", "16"]) == 1  # nothing usable left
    assert "rejected" in capsys.readouterr().out


def test_gzip_of_gzip_measures_each_layer_by_its_own_input():
    rng = np.random.default_rng(3)
    text = b"".join(rng.bytes(48).hex().encode() + b"\n" for _ in range(800_000))  # 78 MB, inflates ~2x
    tables = logparse.load(gzip.compress(gzip.compress(text, 1), 1))
    assert tables.rejects.empty, tables.rejects["reason"].tolist()
    assert tables.stats.lines == 800_000


def test_an_event_longer_than_the_line_limit_is_a_reject_and_one_past_the_buffer_ends_the_input():
    document = json.loads(events_document(9))
    document["events"][4]["message"] = "REPORT " + "x" * 200_000
    tables = logparse.load(json.dumps(document).encode(), limits=Limits(max_line_bytes=100_000))
    assert list(tables.invocations["request_id"]) == ["r0", "r3", "r6"]
    assert tables.rejects["reason"].tolist() == [
        "event of 200,007 bytes, longer than the 97.7 KiB limit (--max-line-bytes / Limits.max_line_bytes raises it)"]
    assert tables.rejects["line"].tolist() == [5] and tables.stats.lines == 9
    document["events"][4]["message"] = "REPORT " + "x" * (jsonstream.BLOCK + 200_000)
    tables = logparse.load(json.dumps(document).encode(), limits=Limits(max_line_bytes=100_000))
    assert list(tables.invocations["request_id"]) == ["r0", "r3"]
    reason = tables.rejects["reason"].iloc[-1]
    assert "event 5 is longer than the 97.7 KiB line limit" in reason and "kept the events before it" in reason


class _Broken(io.BytesIO):
    """A file whose disk goes away after ``good`` bytes."""

    def __init__(self, data: bytes, good: int) -> None:
        super().__init__(data)
        self.good = good

    def readinto(self, view) -> int:  # type: ignore[no-untyped-def, override]
        if self.tell() >= self.good:
            raise OSError("disk gone")
        return super().readinto(view[:self.good - self.tell()])


def _spans(pieces) -> list[bytes]:  # type: ignore[no-untyped-def]
    return [bytes(piece.buffer[piece.low:piece.high]) for piece in pieces]


def test_a_read_ahead_raises_the_streams_error_after_the_lines_before_it() -> None:
    """The thread's error is raised in the reader, at the block that meets it: the lines read
    before it are given first (a read error midway keeps what was read), and the thread ends."""
    data = b"".join(b"line %06d\n" % n for n in range(30_000))  # 360 KB
    pieces = reading.whole_lines(reading.Stream(_Broken(data, 200_000)), Limits(max_line_bytes=1 << 12),
                                 reading.LineBuffer(), block=1 << 16, ahead=True)
    got: list[bytes] = []
    with pytest.raises(OSError, match="disk gone"):
        for piece in pieces:
            got.append(bytes(piece.buffer[piece.low:piece.high]))
    assert b"".join(got) == data[:len(b"".join(got))] and 150_000 < len(b"".join(got)) <= 200_000
    assert not [thread for thread in threading.enumerate() if thread.name == "snaplens-read"]


def test_a_read_ahead_given_up_early_stops_its_thread_before_the_buffers_are_reused() -> None:
    """A reader that stops after one block (an error downstream) must not leave the thread writing
    into the buffers the next input reads into: it has ended when the generator is closed."""
    data = b"".join(b"line %06d\n" % n for n in range(100_000))
    buffer = reading.LineBuffer()
    pieces = reading.whole_lines(reading.Stream(io.BytesIO(data)), Limits(max_line_bytes=1 << 12), buffer,
                                 block=1 << 16, ahead=True)
    first = next(pieces)
    assert bytes(first.buffer[first.low:first.high]) == data[:first.high - first.low]
    pieces.close()
    assert not [thread for thread in threading.enumerate() if thread.name == "snaplens-read"]
    again = _spans(reading.whole_lines(reading.Stream(io.BytesIO(data)), Limits(max_line_bytes=1 << 12), buffer,
                                       block=1 << 16, ahead=True))
    assert b"".join(again) == data


def test_a_read_ahead_stuck_in_a_silent_pipe_leaves_its_buffers_behind(monkeypatch) -> None:
    """A thread that cannot be stopped (blocked reading a pipe that sends nothing) keeps the old
    buffers; the next input gets new ones, never bytes written under it."""
    monkeypatch.setattr(reading, "STOP_SECONDS", 0.2)
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, b"a line\n" * 4_000)  # 28 KB: more than two buffers, less than the pipe holds
        buffer = reading.LineBuffer()
        pieces = reading.whole_lines(reading.Stream(os.fdopen(read_fd, "rb", buffering=0, closefd=False)),
                                     Limits(max_line_bytes=1 << 12), buffer, block=1 << 14, ahead=True)
        next(pieces), next(pieces)  # the thread fills the first buffer again, then waits in the read
        time.sleep(0.2)
        old = list(buffer.buffers)
        pieces.close()
        assert all(new is not was for new, was in zip(buffer.buffers, old, strict=True))
    finally:
        os.close(write_fd)  # the pipe's end: the thread reads b"" and ends
        os.close(read_fd)


def test_a_line_buffer_grows_keeping_its_bytes_and_is_zeroed_beyond_them() -> None:
    """Buffers from 1 MiB are anonymous maps on Linux (zeroed as touched), bytearrays below: both
    keep what they hold when grown, and read as zeros past it (readers look past line ends)."""
    buffer = reading.LineBuffer()
    small = buffer.at_least(1000)
    small[:5] = b"hello"
    assert isinstance(small, bytearray)
    large = buffer.at_least(3 << 20)
    assert bytes(large[:5]) == b"hello" and bytes(large[5:4096]) == bytes(4091) and len(large) == 3 << 20
    large[(3 << 20) - 3:] = b"end"
    larger = buffer.at_least(5 << 20)
    assert bytes(larger[:5]) == b"hello" and bytes(larger[(3 << 20) - 3:3 << 20]) == b"end"
    assert bytes(larger[3 << 20:]) == bytes(2 << 20)
    assert buffer.at_least(100) is larger  # never shrunk
    if sys.platform.startswith("linux"):
        import mmap

        assert isinstance(larger, mmap.mmap)
        assert larger.find(b"end") == (3 << 20) - 3 and larger.rfind(b"l", 0, 5) == 3


def test_a_buffer_that_cannot_be_mapped_is_out_of_memory_not_an_unreadable_file(monkeypatch) -> None:
    """mmap fails with OSError(ENOMEM) where a bytearray raised MemoryError (``ulimit -d``, strict
    overcommit): the load must stop as out of memory (the CLI's one line says so), not turn every
    input into a 'cannot read' reject."""
    import mmap

    import logparse.sources  # (imported before mmap fails: Polars maps memory as it loads)

    def no_memory(*args: object, **kwargs: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(mmap, "mmap", no_memory)
    if sys.platform.startswith("linux"):
        with pytest.raises(MemoryError, match="cannot map a buffer of 3 MiB: Cannot allocate memory"):
            reading.LineBuffer().at_least(3 << 20)
        with pytest.raises(MemoryError):
            logparse.load(b"START RequestId: r Version: 1\n" * 200_000)  # 6 MB: a buffer that size


def test_a_read_ahead_with_no_thread_to_be_had_reads_in_the_callers_thread(monkeypatch) -> None:
    """A process at its thread limit cannot start the read-ahead thread: the input is read all the
    same, in the caller's thread, instead of ending in a traceback."""

    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    data = b"".join(b"line %06d\n" % n for n in range(30_000))
    pieces = reading.whole_lines(reading.Stream(io.BytesIO(data)), Limits(max_line_bytes=1 << 12),
                                 reading.LineBuffer(), block=1 << 16, ahead=True)
    assert b"".join(_spans(pieces)) == data
