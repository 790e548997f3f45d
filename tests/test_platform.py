"""Platform line kinds, text and JSON log format: golden inputs in tests/data/platform/.

Every expected value below was read off the input lines by hand (see the comments).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import logparse
from logparse.tables import INITS, INVOCATIONS, REJECTS, RESTORES

MB_RULE = "(memory is a whole number of MB above 0 and below 2**53)"

DATA = Path(__file__).parent / "data" / "platform"
NA = None


def load(name: str) -> logparse.Tables:
    return logparse.load(DATA / name, function="fn")


def rows(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    """Rows as plain Python values, <NA> as None, for exact comparison."""
    return [[None if pd.isna(v) else v for v in row] for row in frame[columns].astype(object).values.tolist()]


def test_schemas_are_exact_for_every_table() -> None:
    tables = load("restore.log")
    for frame, schema in ((tables.invocations, INVOCATIONS), (tables.inits, INITS), (tables.restores, RESTORES),
                          (tables.rejects, REJECTS)):
        assert list(frame.columns) == list(schema)
        assert [str(t) for t in frame.dtypes] == [str(pd.Series(dtype=d).dtype) for d in schema.values()]


def test_every_text_field_has_a_row_column_of_its_dtype() -> None:
    """Row columns are built from the JSON paths: a text field added without one would be lost."""
    from logparse import formats

    assert {f.column: f.dtype for f in formats.FIELDS}.items() <= formats.ROW_COLUMNS.items()


def test_snapshot_creation_at_publish_is_not_a_cold_start() -> None:
    tables = load("snapshot.log")
    # INIT_REPORT with neither Phase nor Status: the snapshot a SnapStart version takes at publish.
    assert rows(tables.inits, ["init_kind", "phase", "status", "init_ms", "runtime_version", "line"]) == [
        ["snapshot", NA, "success", 2345.67, "python:3.12.v36", 3]]
    assert tables.invocations.empty
    assert (tables.stats.lines, tables.stats.parsed, tables.stats.skipped, tables.stats.rejected) == (3, 2, 1, 0)


def test_on_demand_init_and_failed_init_retried_in_invoke() -> None:
    tables = load("on-demand.log")
    # Line 4: Init Duration 1566.69 makes it an init start; billed 1615 = ceil(47.32 + 1566.69).
    # Line 11: the retried request failed: Status error, no Init Duration -> warm by the REPORT's fields.
    assert rows(tables.invocations, ["version", "request_id", "duration_ms", "billed_duration_ms", "memory_mb",
                                     "max_memory_mb", "init_ms", "start_kind", "status", "error_type", "line"]) == [
        ["$LATEST", "bbbbbbbb-0000-4000-8000-000000000001", 47.32, 1615.0, 512, 187, 1566.69, "init", "success",
         NA, 4],
        ["$LATEST", "bbbbbbbb-0000-4000-8000-000000000002", 211.0, 212.0, 512, 60, NA, "warm", "error",
         "Runtime.ImportModuleError", 11],
    ]
    # INIT_START (line 1) has no INIT_REPORT: its duration is the next REPORT's Init Duration.
    # The failed init (line 7, Phase init) and its retry in the invoke phase (line 9) are two attempts.
    assert rows(tables.inits, ["init_kind", "phase", "status", "error_type", "init_ms", "line"]) == [
        ["on-demand", NA, "success", NA, 1566.69, 1],
        ["on-demand", "init", "error", "Runtime.ImportModuleError", 3000.12, 7],
        ["on-demand", "invoke", "error", "Runtime.ImportModuleError", 210.5, 9],
    ]


def test_restores_reflowed_and_reordered_reports_and_rejects() -> None:
    tables = load("restore.log")
    # Line 8 was copied with tabs turned to two spaces; line 11 has its fields in another order.
    assert rows(tables.invocations, ["version", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb",
                                     "restore_ms", "billed_restore_ms", "start_kind", "line"]) == [
        ["12", 20.5, 75.0, 2048, 300, 433.1, 54.0, "restore", 8],
        ["12", 8.1, 9.0, 2048, 301, NA, NA, "warm", 11],
    ]
    # The after-restore hook that ran into the 10 s limit, then a restore that worked; line 13
    # ("RESTORE_REPORT Status: error") is a restore that failed without a duration: a row with
    # its status and a null duration (the runtime is the RESTORE_START above it, line 4).
    assert rows(tables.restores, ["version", "restore_ms", "status", "error_type", "runtime_version", "line"]) == [
        ["12", 10000.0, "timeout", "SnapStartTimeoutException", "python:3.12.v36", 3],
        ["12", 433.1, "success", NA, "python:3.12.v36", 5],
        ["12", NA, "error", NA, "python:3.12.v36", 13],
    ]
    assert rows(tables.rejects.sort_values("line"), ["line", "reason"]) == [
        [12, "REPORT line without a readable Billed Duration"],  # truncated after "Duration: 8.1"
        [14, "XRAY trailer without a REPORT line above it"],
        [15, "START line without a readable RequestId"],
        [16, "REPORT line without a readable Duration"],  # "Duration: abc ms"
    ]
    assert tables.rejects["source"].eq(str(DATA / "restore.log")).all()
    stats = tables.stats
    assert (stats.lines, stats.parsed, stats.skipped, stats.rejected) == (17, 11, 2, 4)
    assert stats.kinds["app"] == 2  # the hook's error line and another tool's "REPORT generated" line


def test_json_log_format_platform_events() -> None:
    tables = load("telemetry.jsonl")
    # platform.report metrics: durationMs 50.11, billedDurationMs 81, restoreDurationMs 248.63,
    # billedRestoreDurationMs 30; trace id from record.tracing.value Root=...
    assert rows(tables.invocations, ["version", "request_id", "duration_ms", "billed_duration_ms", "memory_mb",
                                     "max_memory_mb", "restore_ms", "billed_restore_ms", "start_kind", "status",
                                     "error_type", "trace_id"]) == [
        ["4", "dddddddd-0000-4000-8000-000000000001", 50.11, 81.0, 256, 90, 248.63, 30.0, "restore", "success",
         NA, "1-67389a00-bbbbbbbbbbbbbbbbbbbbbbbb"],
        ["4", "dddddddd-0000-4000-8000-000000000002", 3000.0, 3000.0, 256, 91, NA, NA, "warm", "timeout",
         "Sandbox.Timedout", NA],
    ]
    assert tables.invocations["timestamp"].dt.strftime("%H:%M:%S.%f").tolist() == ["12:00:00.301000",
                                                                                   "12:05:03.001000"]
    # initReport/restoreReport durations are metrics.durationMs; phase snap-start is the snapshot.
    assert rows(tables.inits, ["version", "phase", "init_kind", "status", "init_ms"]) == [
        ["4", "snap-start", "snapshot", "success", 1645.24]]
    assert rows(tables.restores, ["version", "restore_ms", "status", "runtime_version"]) == [
        ["4", 248.63, "success", "python:3.12.v36"]]
    # The last line is cut off mid-object: a reject, not a crash. The app's own JSON line is skipped.
    assert rows(tables.rejects, ["line", "reason"]) == [[11, "malformed JSON platform event"]]
    assert tables.stats.skipped == 1 and tables.stats.lines == 11


def test_timeout_line_marks_the_request_when_report_has_no_status() -> None:
    text = ("START RequestId: r1 Version: 3\n"
            "2026-11-16T10:00:03.000Z r1 Task timed out after 3.00 seconds\n"
            "END RequestId: r1\n"
            "REPORT RequestId: r1\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 50 MB\t\n")
    tables = logparse.load(text.encode())
    assert tables.invocations["status"].tolist() == ["timeout"]
    assert tables.stats.kinds["timeout"] == 1


def test_request_id_reused_by_an_async_retry_keeps_both_rows() -> None:
    report = ("START RequestId: r1 Version: 3\nREPORT RequestId: r1\tDuration: 5.00 ms\tBilled Duration: 5 ms\t"
              "Memory Size: 128 MB\tMax Memory Used: 50 MB\t\n")
    tables = logparse.load((report * 2).encode())
    assert tables.invocations["request_id"].tolist() == ["r1", "r1"]
    assert tables.invocations["line"].tolist() == [2, 4]


@pytest.mark.parametrize("separator", ["\t", "  ", " ", " \t"])
def test_fields_are_read_by_name_whatever_the_separator(separator: str) -> None:
    fields = ["REPORT RequestId: r9", "Duration: 182.96 ms", "Billed Duration: 270 ms", "Memory Size: 256 MB",
              "Max Memory Used: 183 MB", "Restore Duration: 700.61 ms", "Billed Restore Duration: 87 ms"]
    tables = logparse.load(separator.join(fields).encode())
    assert rows(tables.invocations, ["duration_ms", "billed_duration_ms", "restore_ms", "billed_restore_ms"]) == [
        [182.96, 270.0, 700.61, 87.0]]


def test_non_utf8_bytes_and_crlf_do_not_break_a_file() -> None:
    data = (b"\xff\xfe bad bytes \xc3\x28\r\n"
            b"START RequestId: r1 Version: 2\r\n"
            b"REPORT RequestId: r1\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
            b"Max Memory Used: 40 MB\t\r\n")
    tables = logparse.load(data)
    assert rows(tables.invocations, ["version", "duration_ms", "max_memory_mb"]) == [["2", 1.5, 40]]
    assert tables.stats.skipped == 1 and tables.stats.rejected == 0


def test_application_lines_that_start_like_platform_lines_are_skipped() -> None:
    data = (b"START RequestId: a Version: 3\nREPORT Requests served so far: 10\nINIT_STARTUP done in 5 ms\n"
            b"END Request handled\nREPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 2 ms\t"
            b"Memory Size: 128 MB\tMax Memory Used: 50 MB\t\n")
    tables = logparse.load(data, function="fn")
    assert tables.inits.empty and tables.rejects.empty
    assert len(tables.invocations) == 1
    assert tables.stats.kinds == {"start": 1, "report": 1, "app": 3}


def test_console_copy_with_single_spaces_and_the_trailer_on_the_line_loses_no_field() -> None:
    """console-copy.log: tabs became single spaces and the XRAY trailer sits on the REPORT's line
    (lines 2 and 4); every field is read, or the line is a reject naming the field."""
    tables = load("console-copy.log")
    # Line 2: Billed Restore Duration 87 ends where " XRAY TraceId:" starts (it was silently null).
    # Line 4: "Memory Size: 256.0 MB" is 256 MB; Status and Error Type end before the trailer too.
    assert rows(tables.invocations, ["version", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb",
                                     "restore_ms", "billed_restore_ms", "start_kind", "status", "error_type",
                                     "trace_id", "line"]) == [
        ["5", 182.96, 270.0, 256, 183, 700.61, 87.0, "restore", "success", NA, "1-67389a00-0123456789abcdef01234567",
         2],
        ["5", 12.5, 13.0, 256, 81, NA, NA, "warm", "error", "Runtime.Unknown", "1-67389a00-0123456789abcdef01234568",
         4],
    ]
    # Line 12: a RESTORE_REPORT that failed without a duration; line 13: spaces, all three fields read.
    assert rows(tables.restores, ["version", "restore_ms", "status", "error_type", "line"]) == [
        ["5", NA, "error", "Runtime.Unknown", 12],
        ["5", 10000.0, "timeout", "SnapStartTimeoutException", 13],
    ]
    assert rows(tables.rejects.sort_values("line"), ["line", "reason"]) == [
        [5, f"REPORT line with an impossible Max Memory Used: 80.7 MB {MB_RULE}"],
        [6, "REPORT line without a readable Billed Restore Duration"],  # "87 msec"
        [7, "REPORT line with an impossible Duration: -100 ms (durations are finite and at least 0 ms)"],
        [8, "REPORT line with an impossible Duration: inf ms (durations are finite and at least 0 ms)"],  # 1e400
        [9, f"REPORT line with an impossible Memory Size: 0 MB {MB_RULE}"],
        [10, "RESTORE_REPORT line with an impossible Restore Duration: -3 ms (durations are finite and at least 0 ms)"],
        [11, "INIT_REPORT line without a readable Init Duration"],  # "inf ms"
    ]
    assert tables.rejects["text"].str.startswith(("REPORT", "RESTORE_REPORT", "INIT_REPORT")).all()
    assert tables.inits.empty
    stats = tables.stats
    assert (stats.lines, stats.parsed, stats.skipped, stats.rejected) == (13, 6, 0, 7)


def test_managed_instances_reports_and_a_failed_restore_in_the_json_log_format() -> None:
    """managed-instances.jsonl: a Managed Instances platform.report (metrics: durationMs only), a
    platform.restoreReport that failed without metrics, and impossible values."""
    tables = load("managed-instances.jsonl")
    # Line 2: durationMs 38.27 only -> nulls, not a reject. Line 10: memorySizeMB 128.0 is 128.
    assert rows(tables.invocations, ["version", "request_id", "duration_ms", "billed_duration_ms", "memory_mb",
                                     "max_memory_mb", "start_kind", "status", "line"]) == [
        ["2", "ffffffff-0000-4000-8000-000000000001", 38.27, NA, NA, NA, "warm", "success", 2],
        ["unknown", "ffffffff-0000-4000-8000-000000000006", 7.25, 8.0, 128, 61, "warm", "success", 10],
    ]
    assert tables.invocations["timestamp"].dt.strftime("%H:%M:%S.%f").tolist() == ["12:00:00.040000",
                                                                                   "12:06:00.000000"]
    # Line 4: status failure, errorType, no metrics; the runtime of the restoreStart on line 3.
    assert rows(tables.restores, ["version", "restore_ms", "status", "error_type", "runtime_version", "line"]) == [
        ["2", NA, "failure", "Runtime.RestoreHookUserErrorRuntime", "python:3.12.v36", 4]]
    assert rows(tables.rejects.sort_values("line"), ["line", "reason"]) == [
        [5, "REPORT line with an impossible Duration: -5.5 ms (durations are finite and at least 0 ms)"],
        [6, f"REPORT line with an impossible Memory Size: 0 MB {MB_RULE}"],
        [7, "REPORT line without a readable Max Memory Used"],  # "lots"
        [8, "REPORT line dated outside 2014..2100"],  # "time": "0001-01-01T00:00:00.000Z"
        [9, "RESTORE_REPORT line without a readable Restore Duration"],  # status success, no metrics
    ]
    stats = tables.stats
    assert (stats.lines, stats.parsed, stats.skipped, stats.rejected) == (10, 5, 0, 5)


def test_text_dated_outside_2014_to_2100_is_a_reject_and_the_lines_beside_it_are_kept() -> None:
    """s3-dated.log (an S3 export): year 0001, one millisecond before 2014 and 2101 itself are
    outside; 2014-01-01T00:00Z and 2100-12-31T23:59:59.999Z are the window's first and last ms."""
    tables = load("s3-dated.log")
    assert rows(tables.invocations, ["request_id", "duration_ms", "line"]) == [
        ["hhhhhhhh-0000-4000-8000-000000000001", 10.0, 2],
        ["hhhhhhhh-0000-4000-8000-000000000004", 40.0, 7],
        ["hhhhhhhh-0000-4000-8000-000000000005", 50.0, 8],
    ]
    assert tables.invocations["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").tolist() == [
        "2026-11-16T10:00:00.100000", "2014-01-01T00:00:00.000000", "2100-12-31T23:59:59.999000"]
    assert rows(tables.rejects.sort_values("line"), ["line", "reason"]) == [
        [3, "REPORT line dated outside 2014..2100"],
        [4, "REPORT line dated outside 2014..2100"],
        [5, "RESTORE_REPORT line dated outside 2014..2100"],
    ]
    assert tables.restores.empty
    # Line 6, an application line dated 9999, is skipped as any application line is.
    stats = tables.stats
    assert (stats.lines, stats.parsed, stats.skipped, stats.rejected) == (8, 4, 1, 3)


def test_a_foreign_key_a_key_twice_or_text_that_is_no_field_is_a_reject_naming_it() -> None:
    """Tab-separated lines hold nothing beyond their fields: each line below is Lambda's warm REPORT
    (line 1, read) with one thing added, which the general path would otherwise skip."""
    warm = ("REPORT RequestId: r{}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 50 MB")
    text = "\n".join([
        warm.format(1),
        warm.format(2) + "\tPhase: init",  # a key of INIT_REPORT lines
        warm.format(3) + "\tDuration: 2.00 ms",  # a key twice
        warm.format(4) + "\tSnapshot Size: 40 MB",  # a field this version does not know
        warm.format(5) + "\tStatus: error handled",  # two words
        "START RequestId: r6 Version: 3 trailing",
        "XRAY TraceId: 1-67389a00-0123456789abcdef01234567\tSegmentId: 0123456789abcdef\tSampled: true extra",
        # An unknown key ending in a known one is that key to the general path (a copy with spaces
        # for tabs cannot tell "Load Duration:" from "... ms Duration:"): a reject all the same.
        warm.format(8) + "\tRuntime Load Duration: 40 ms",
    ]) + "\n"
    tables = logparse.load(text.encode())
    assert tables.invocations["request_id"].tolist() == ["r1"]
    assert rows(tables.rejects.sort_values("line"), ["line", "reason"]) == [
        [2, "REPORT line with a field REPORT lines never have: Phase"],
        [3, "REPORT line with Duration twice"],
        [4, "REPORT line with text that is no known field: Snapshot Size: 40 MB"],
        [5, "REPORT line without a readable Status"],
        [6, "START line without a readable Version"],
        [7, "XRAY line with text that is no known field: extra"],
        [8, "REPORT line with Duration twice"],
    ]
    stats = tables.stats
    assert (stats.lines, stats.parsed, stats.skipped, stats.rejected) == (8, 1, 0, 7)


def test_memory_too_large_for_the_tables_is_a_reject_not_a_crash() -> None:
    """9.2e18 MB is a whole number above 0, but no 64-bit integer column holds it exactly: the line
    is a reject (hypothesis found the crash while holding the scanner to this path)."""
    rid = "8f5e1c2a-0000-4000-8000-000000000001"
    body = (f"REPORT RequestId: {rid} Duration: 12.5 ms Billed Duration: 13 ms Memory Size: 128 MB "
            "Max Memory Used: 9.223372036854776e+18 MB\n"
            f"REPORT RequestId: {rid}\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
            f"Max Memory Used: {2**53} MB\t\n")
    tables = logparse.load(body.encode())
    assert tables.invocations.empty
    assert tables.rejects["reason"].tolist() == [
        "REPORT line with an impossible Max Memory Used: 9.223372036854776e+18 MB "
        "(memory is a whole number of MB above 0 and below 2**53)",
        "REPORT line with an impossible Max Memory Used: 9007199254740992.0 MB "
        "(memory is a whole number of MB above 0 and below 2**53)"]
