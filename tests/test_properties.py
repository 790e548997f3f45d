"""Never crashes, never loses a line: whatever bytes arrive, ``load`` returns tables and
``lines == parsed + skipped + rejected``."""

from __future__ import annotations

import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logparse

PLATFORM_LINES = [
    "START RequestId: 8f5e1c2a-0000-4000-8000-000000000001 Version: 3",
    "END RequestId: 8f5e1c2a-0000-4000-8000-000000000001",
    "REPORT RequestId: 8f5e1c2a-0000-4000-8000-000000000001\tDuration: 12.5 ms\tBilled Duration: 13 ms\t"
    "Memory Size: 256 MB\tMax Memory Used: 80 MB\t",
    "REPORT RequestId: 8f5e1c2a\tDuration: 182.96 ms\tBilled Duration: 270 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 183 MB\tRestore Duration: 700.61 ms\tBilled Restore Duration: 87 ms\t",
    "INIT_START Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab",
    "INIT_REPORT Init Duration: 2000.50 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError",
    "RESTORE_START Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab",
    "RESTORE_REPORT Restore Duration: 433.10 ms",
    "XRAY TraceId: 1-67389a00-0123456789abcdef01234567\tSegmentId: 0123456789abcdef\tSampled: true",
    "2026-11-16T10:00:03.000Z 8f5e1c2a Task timed out after 3.00 seconds",
    '{"time":"2026-11-16T12:00:00.301Z","type":"platform.report","record":{"requestId":"x","metrics":'
    '{"durationMs":50.11,"billedDurationMs":81,"memorySizeMB":256,"maxMemoryUsedMB":90}}}',
    "[INFO]\t2026-11-16T10:00:00.530Z\t8f5e1c2a\tcharging card",
    "",
]

line = st.one_of(
    st.sampled_from(PLATFORM_LINES),
    st.sampled_from(PLATFORM_LINES).flatmap(lambda s: st.integers(0, len(s)).map(lambda n: s[:n])),  # truncated
    st.text(st.characters(blacklist_characters="\r\n"), max_size=80),  # line breaks are drawn below
)
newline = st.sampled_from(["\n", "\r\n"])


def accounted(tables: logparse.Tables) -> bool:
    stats = tables.stats
    return stats.lines == stats.parsed + stats.skipped + stats.rejected and min(
        stats.parsed, stats.skipped, stats.rejected) >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(line, newline), max_size=40), st.sampled_from(["", "2026-11-16T10:00:00.000Z "]))
def test_mixed_lines_every_line_accounted(lines: list[tuple[str, str]], prefix: str) -> None:
    text = "".join(prefix + body + end for body, end in lines)
    tables = logparse.load(text.encode("utf-8", "surrogatepass"))
    assert accounted(tables)
    assert tables.stats.lines == len(lines)
    assert len(tables.invocations) <= sum(body.startswith("REPORT") or '"platform.report"' in body
                                          for body, _ in lines)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert accounted(logparse.load(data))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PLATFORM_LINES), min_size=1, max_size=30), st.data())
def test_truncated_gzip_never_raises(lines: list[str], data: st.DataObject) -> None:
    packed = gzip.compress("\n".join(lines).encode())
    cut = data.draw(st.integers(0, len(packed)))
    tables = logparse.load(packed[:cut])
    assert accounted(tables)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(['{"events": [', '{"logEvents": [{"message": 5}]}', '{"results": [[{"field": "@message"}]]}',
                        '[1, 2, 3]', '{"events": [{"timestamp": "x", "message": null}]}', '{"Traces": "no"}',
                        '{"events": []}', "@timestamp,@message\n", "@timestamp,@message\n2026-11-16,REPORT"]))
def test_odd_json_and_csv_envelopes_never_raise(document: str) -> None:
    assert accounted(logparse.load(document.encode()))


def test_a_line_of_one_megabyte_and_latin1_bytes() -> None:
    data = b"x" * 1_000_000 + b"\n" + "caf\xe9".encode("latin-1") + b"\n" + PLATFORM_LINES[2].encode() + b"\n"
    tables = logparse.load(data)
    assert accounted(tables) and tables.stats.lines == 3 and len(tables.invocations) == 1


def test_empty_files_and_folders(tmp_path) -> None:
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "empty.gz").write_bytes(gzip.compress(b""))
    tables = logparse.load(tmp_path)
    assert accounted(tables) and tables.stats.lines == 0 and tables.stats.files == 2
