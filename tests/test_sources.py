"""Envelopes: the same hand-checked events wrapped every way a user has them give the same rows.

The events and the expected rows are described in tests/data/build_envelopes.py; the expected
invocations (tests/data/envelopes/expected_invocations.csv) were written by hand from the REPORT
lines: e.g. the restore's Billed Duration 245 = ceil(180.25) + Billed Restore Duration 64.
"""

from __future__ import annotations

import base64
import gzip
import io
from pathlib import Path

import pandas as pd
import pytest

import logparse
from logparse.tables import INVOCATIONS, SCHEMAS

DATA = Path(__file__).parent / "data" / "envelopes"
STREAM = "2026/11/16/[7]0123456789abcdef0123456789abcdef"
COMPARED = ["function", "version", "request_id", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb",
            "init_ms", "restore_ms", "billed_restore_ms", "start_kind", "status", "error_type", "trace_id"]

# envelope file -> (carries times, carries the stream name, lines read)
ENVELOPES = {
    "console.txt": (False, False, 14),  # XRAY trailer is its own physical line
    "console.txt.gz": (False, False, 14),
    "tail.log": (True, True, 14),
    "sam.log": (True, True, 14),
    "s3-export": (True, True, 26),  # a blank line between events
    "filter-log-events.json": (True, True, 13),  # one event per REPORT, trailer inside
    "get-log-events.json": (True, False, 13),
    "subscription.json": (True, True, 13),
    "subscription.json.gz": (True, True, 13),
    "subscription.b64": (True, True, 13),  # the control message is skipped, not a line
    "insights.csv": (True, True, 13),
    "get-query-results.json": (True, True, 13),
}


def expected() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "expected_invocations.csv", dtype=str, keep_default_na=False)
    frame = frame.replace({"": None})
    out = pd.DataFrame({column: frame[column] for column in [*COMPARED, "timestamp"]})
    for column in COMPARED:
        dtype = INVOCATIONS[column]
        out[column] = out[column].astype("float64").astype(dtype) if dtype in ("Float64", "Int64") \
            else out[column].astype(dtype)
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True).astype("datetime64[ns, UTC]")
    return out


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_every_envelope_gives_the_expected_invocations(name: str) -> None:
    has_time, has_stream, lines = ENVELOPES[name]
    tables = logparse.load(DATA / name, function="checkout")
    want = expected()
    pd.testing.assert_frame_equal(tables.invocations[COMPARED], want[COMPARED])
    if has_time:
        pd.testing.assert_series_equal(tables.invocations["timestamp"], want["timestamp"])
    else:
        assert tables.invocations["timestamp"].isna().all()
    streams = tables.invocations["log_stream"]
    if has_stream:
        assert streams.str.replace("-", "/").tolist() == [STREAM] * 3
    else:
        assert streams.isna().all()
    assert tables.stats.lines == lines
    assert tables.stats.lines == tables.stats.parsed + tables.stats.skipped + tables.stats.rejected
    assert tables.rejects.empty
    assert tables.restores[["version", "restore_ms", "status", "runtime_version"]].values.tolist() == [
        ["7", 512.34, "success", "python:3.12.v36"]]


def test_function_comes_from_the_log_group_not_the_hint() -> None:
    tables = logparse.load(DATA / "subscription.json", function="something-else")
    assert set(tables.invocations["function"]) == {"checkout"}


def test_without_log_group_or_hint_the_function_is_unknown() -> None:
    tables = logparse.load(DATA / "console.txt")
    assert set(tables.invocations["function"]) == {"unknown"}
    assert set(tables.invocations["version"]) == {"7"}  # from the START lines


def test_aws_lambda_path_names_the_function(tmp_path: Path) -> None:
    target = tmp_path / "exports" / "aws" / "lambda" / "ledger.log"
    target.parent.mkdir(parents=True)
    target.write_bytes((DATA / "console.txt").read_bytes())
    assert set(logparse.load(tmp_path).invocations["function"]) == {"ledger"}


def test_bytes_file_objects_and_uploads_read_like_files() -> None:
    raw = (DATA / "filter-log-events.json").read_bytes()
    from_bytes = logparse.load(raw)
    upload = io.BytesIO(gzip.compress(raw))
    upload.name = "upload.json.gz"
    from_upload = logparse.load(upload)
    assert len(from_bytes.invocations) == len(from_upload.invocations) == 3
    assert set(from_upload.invocations["source"]) == {"upload.json.gz"}


def test_base64_payload_without_newline_and_control_message_only() -> None:
    control = b'{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logEvents":[]}'
    tables = logparse.load(base64.b64encode(gzip.compress(control)))
    assert tables.invocations.empty and tables.rejects.empty
    assert tables.stats.kinds.get("control_message") == 1


def test_folder_glob_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes((DATA / "console.txt").read_bytes())
    (tmp_path / "b.log").write_bytes((DATA / "tail.log").read_bytes())
    (tmp_path / "README.md").write_text("REPORT RequestId: not a log line")
    tables = logparse.load(tmp_path, function="checkout")
    assert len(tables.invocations) == 6 and tables.stats.files == 2
    globbed = logparse.load(str(tmp_path / "*.log"), str(tmp_path / "missing.log"), function="checkout")
    assert len(globbed.invocations) == 6
    missing = globbed.rejects[globbed.rejects["line"].isna()]
    assert missing["source"].tolist() == [str(tmp_path / "missing.log")]
    assert missing["reason"].tolist() == ["no such file or folder"]


def test_lines_keep_their_own_file_and_line_number_in_a_batch(tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"{i}.log").write_text("hello\n" * i + "REPORT RequestId: x\tDuration: 1 ms\n")
    rejects = logparse.load(tmp_path).rejects.sort_values("source")
    assert rejects["source"].tolist() == [str(tmp_path / f"{i}.log") for i in range(3)]
    assert rejects["line"].tolist() == [1, 2, 3]


def test_truncated_gzip_keeps_what_was_decoded() -> None:
    raw = gzip.compress((DATA / "tail.log").read_bytes())
    tables = logparse.load(raw[: len(raw) * 2 // 3])
    assert "truncated gzip" in tables.rejects["reason"].iloc[-1] or "corrupt" in tables.rejects["reason"].iloc[-1]
    assert tables.stats.lines == tables.stats.parsed + tables.stats.skipped + tables.stats.rejected
    # The lines decoded whole are kept; the REPORT cut off mid-field ("...\tBilled") is a reject.
    assert len(tables.restores) == 1 and len(tables.invocations) <= 3
    assert tables.rejects["line"].iloc[:-1].notna().all()


def test_empty_inputs_give_empty_typed_tables() -> None:
    tables = logparse.load(b"", b"\n\n")
    for name, schema in SCHEMAS.items():
        frame = getattr(tables, name)
        assert list(frame.columns) == list(schema)
        assert [str(t) for t in frame.dtypes] == [str(pd.Series(dtype=d).dtype) for d in schema.values()]
    assert tables.stats.lines == 2 and tables.stats.skipped == 2


def test_epoch_times_outside_2014_to_2100_are_rejects_and_the_events_beside_them_kept() -> None:
    """out-of-range.json (filter-log-events): eleven REPORT events, request ids ...01 to ...11.
    -9e15 ms and -9.3e15 ms (which wraps around when turned into microseconds), 1e15 ms (year
    33658), 2^66-odd ms (beyond int64), 2013-12-31T23:59:59.999Z and 2101-01-01T00:00Z are
    rejects; 2014-01-01T00:00Z (1388534400000) and 2100-12-31T23:59:59.999Z (4133980799999) are the
    window's edges and kept; an event without a timestamp is kept without one."""
    tables = logparse.load(DATA / "out-of-range.json")
    assert tables.invocations["request_id"].str[-2:].tolist() == ["01", "04", "05", "08", "09"]
    assert tables.invocations["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").fillna("none").tolist() == [
        "2025-11-16T10:00:00.000000", "2025-11-16T10:00:01.000000", "none", "2014-01-01T00:00:00.000000",
        "2100-12-31T23:59:59.999000"]
    assert tables.invocations["function"].eq("clock").all()
    assert tables.rejects["line"].tolist() == [2, 3, 6, 7, 10, 11]
    assert tables.rejects["reason"].eq("REPORT line dated outside 2014..2100").all()
    stats = tables.stats
    assert (stats.lines, stats.parsed, stats.skipped, stats.rejected) == (11, 5, 0, 6)


def test_insights_rows_dated_year_0001_are_rejects() -> None:
    report = ("REPORT RequestId: r{}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
              "Max Memory Used: 50 MB\t")
    data = ("@timestamp,@message\n"
            f"0001-01-01 00:00:00.000,{report.format(1)}\n"
            f"2026-11-16 10:00:00.000,{report.format(2)}\n").encode()
    tables = logparse.load(data)
    assert tables.invocations["request_id"].tolist() == ["r2"]
    assert tables.rejects[["line", "reason"]].values.tolist() == [[2, "REPORT line dated outside 2014..2100"]]


def test_a_file_of_one_json_application_line_is_text_and_every_line_counted() -> None:
    """One JSON object with a ``message`` (an application's log line) and a blank line is a text
    file, not a filter-log-events event: both lines are counted (hypothesis found this)."""
    loaded = logparse.load(b'{"level": "INFO", "message": "an application JSON line"}\n\n')
    assert loaded.stats.lines == 2
    assert loaded.stats.kinds == {"app": 1, "blank": 1}
    events = logparse.load(b'[{"timestamp": 1763287200000, "message": "START RequestId: a Version: 1"}]')
    assert events.stats.kinds.get("start") == 1  # a bare list of events is still an envelope
