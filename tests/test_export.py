"""logparse.export: CSVs that are atomic, incremental, idempotent and safe to open in Excel."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import logparse
from logparse import export
from logparse.state import STATE_FORMAT, State
from logparse.tables import INVOCATIONS, SPANS, conform

RID = "8f5e2a3c-0b1d-4c55-9a7e-2b6f1e0d9c11"
STREAM = "2026/11/16/[3]5f0c6f2a9d1e4b7c8a3e2d1f0a9b8c7d"

# A filter-log-events file: a restore, a warm call, an async retry of the same request id in
# another environment, and one REPORT whose fields cannot be read (a reject).
EVENTS = {"events": [
    {"logStreamName": STREAM, "timestamp": 1795341600000,
     "message": "RESTORE_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn:aws:lambda:x\n"},
    {"logStreamName": STREAM, "timestamp": 1795341600612,
     "message": "RESTORE_REPORT Restore Duration: 612.40 ms\n"},
    {"logStreamName": STREAM, "timestamp": 1795341600700, "message": f"START RequestId: {RID} Version: 3\n"},
    {"logStreamName": STREAM, "timestamp": 1795341600900, "message": f"END RequestId: {RID}\n"},
    {"logStreamName": STREAM, "timestamp": 1795341600901,
     "message": f"REPORT RequestId: {RID}\tDuration: 182.96 ms\tBilled Duration: 270 ms\tMemory Size: 256 MB\t"
                "Max Memory Used: 183 MB\tRestore Duration: 612.40 ms\tBilled Restore Duration: 87 ms\t\n"},
    {"logStreamName": STREAM, "timestamp": 1795345200000,
     "message": "REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 47.32 ms\t"
                "Billed Duration: 48 ms\tMemory Size: 256 MB\tMax Memory Used: 187 MB\t\n"},
    {"logStreamName": "2026/11/16/[3]0000aaaa", "timestamp": 1795348800000,
     "message": f"REPORT RequestId: {RID}\tDuration: 20.01 ms\tBilled Duration: 21 ms\tMemory Size: 256 MB\t"
                "Max Memory Used: 90 MB\t\n"},
    {"logStreamName": STREAM, "timestamp": 1795348900000, "message": "REPORT RequestId: \tDuration: =1+1 ms\n"},
]}


def invocations(rows: list[dict]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows), INVOCATIONS)


def row(**values) -> dict:
    base = {"timestamp": pd.Timestamp("2026-11-16T10:00:00.123456Z"), "function": "orders-api", "version": "3",
            "log_stream": STREAM, "request_id": RID, "duration_ms": 182.96, "start_kind": "warm", "line": 1,
            "source": "a.json"}
    return {**base, **values}


@pytest.fixture
def events_file(tmp_path) -> Path:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(EVENTS))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file (its bytes) and symlink (its target) below ``folder``, by relative path."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = Path(root, name)
            key = str(path.relative_to(folder))
            found[key] = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return dict(sorted(found.items()))


# --------------------------------------------------------------------------- cell format


def test_format_times_numbers_booleans_and_missing():
    spans = conform(pd.DataFrame({"trace_id": ["1-a"], "segment_id": ["s"], "start": ["2026-11-16T10:00:00.1234Z"],
                                  "end": [None], "duration_ms": [-3.5], "error": [True], "fault": [False]}), SPANS)
    cells = export.to_text(spans).fill_null("").row(0, named=True)  # what a spreadsheet shows
    assert cells["start"] == "2026-11-16T10:00:00.123Z"  # ISO-8601 UTC, milliseconds, Z
    assert cells["end"] == "" and cells["throttle"] == "" and cells["name"] == ""
    assert (cells["error"], cells["fault"]) == ("true", "false")
    assert cells["duration_ms"] == "-3.5"  # a negative number is not a formula: untouched


def test_non_utc_times_are_converted():
    frame = pd.DataFrame({"t": pd.to_datetime(["2026-11-16T12:00:00.5+02:00"]).tz_convert("Europe/Berlin")})
    assert export.to_text(frame)["t"][0] == "2026-11-16T10:00:00.500Z"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_injection_is_escaped_in_text_cells_only(tmp_path, text):
    frame = invocations([row(error_type=text, duration_ms=-1.0, memory_mb=-256)])
    export.write_csvs(tmp_path, {"invocations": frame})
    raw = export.read_csv(tmp_path / "invocations.csv")
    assert raw["error_type"][0] == "'" + text
    assert raw["duration_ms"][0] == "-1.0" and raw["memory_mb"][0] == "-256"
    cells = export.to_text(pd.DataFrame({"a": [text, "ok=1"]}))["a"].to_list()
    assert cells == ["'" + text, "ok=1"]  # the same rule for any text column
    typed = export.read_csv(tmp_path / "invocations.csv", INVOCATIONS)
    assert typed["error_type"][0] == text  # reading back undoes the escape


def test_utf8_without_bom_header_and_newlines(tmp_path):
    frame = invocations([row(error_type="Zeitüberschreitung, \"quoted\"\nsecond line")])
    export.write_csvs(tmp_path, {"invocations": frame})
    data = (tmp_path / "invocations.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.splitlines()[0].decode() == ",".join(INVOCATIONS)
    assert "Zeitüberschreitung".encode() in data and b"\r\n" not in data
    back = export.read_csv(tmp_path / "invocations.csv", INVOCATIONS)
    assert back["error_type"][0] == "Zeitüberschreitung, \"quoted\"\nsecond line"
    pd.testing.assert_frame_equal(back, conform(frame.assign(timestamp=pd.Timestamp("2026-11-16T10:00:00.123Z")),
                                                INVOCATIONS))


# --------------------------------------------------------------------------- append and dedupe


def test_append_dedupes_on_source_independent_keys(tmp_path):
    first = invocations([row(), row(request_id="other", line=2)])
    assert export.write_csvs(tmp_path, {"invocations": first}) == {"invocations": 2}
    before = (tmp_path / "invocations.csv").stat().st_mtime_ns
    # The same rows from another source and other line numbers: nothing new.
    again = invocations([row(source="cloudwatch:/aws/lambda/orders-api", line=9), row(request_id="other", line=7)])
    assert export.write_csvs(tmp_path, {"invocations": again}) == {"invocations": 0}
    assert (tmp_path / "invocations.csv").stat().st_mtime_ns == before  # not even rewritten
    # An async retry: same request id, another time and environment: a new row.
    retry = invocations([row(timestamp=pd.Timestamp("2026-11-16T10:05:00Z"), log_stream="2026/11/16/[3]beef")])
    assert export.write_csvs(tmp_path, {"invocations": retry}) == {"invocations": 1}
    rows = export.read_csv(tmp_path / "invocations.csv")
    assert rows["request_id"].tolist() == [RID, "other", RID]


def test_duplicates_within_one_input_are_written_once(tmp_path):
    assert export.write_csvs(tmp_path, {"invocations": invocations([row(), row(line=5)])}) == {"invocations": 1}


def test_replace_keys_update_aggregates_per_bucket(tmp_path):
    def metrics(bucket: str, n: int) -> pd.DataFrame:
        return pd.DataFrame({"bucket_start": [pd.Timestamp(bucket)], "function": ["f"], "version": ["3"],
                             "invocations": [n]})

    export.write_csvs(tmp_path, {"metrics": pd.concat([metrics("2026-11-16T10:00Z", 5),
                                                       metrics("2026-11-16T11:00Z", 2)])})
    assert export.write_csvs(tmp_path, {"metrics": metrics("2026-11-16T11:00Z", 2)}) == {"metrics": 0}
    assert export.write_csvs(tmp_path, {"metrics": metrics("2026-11-16T11:00Z", 7)}) == {"metrics": 1}
    rows = export.read_csv(tmp_path / "metrics.csv")
    assert rows.values.tolist() == [["2026-11-16T10:00:00.000Z", "f", "3", "5"],
                                    ["2026-11-16T11:00:00.000Z", "f", "3", "7"]]


def test_append_false_rewrites(tmp_path):
    export.write_csvs(tmp_path, {"invocations": invocations([row(), row(request_id="b")])})
    export.write_csvs(tmp_path, {"invocations": invocations([row(request_id="c")])}, append=False)
    assert export.read_csv(tmp_path / "invocations.csv")["request_id"].tolist() == ["c"]


def test_changed_columns_keep_old_rows(tmp_path):
    old = invocations([row()]).drop(columns=["xray_restore_ms"])
    export.write_csvs(tmp_path, {"invocations": old})
    assert export.write_csvs(tmp_path, {"invocations": invocations([row(request_id="n")])}) == {"invocations": 1}
    rows = export.read_csv(tmp_path / "invocations.csv")
    assert rows["request_id"].tolist() == [RID, "n"] and "xray_restore_ms" in rows


def test_file_without_trailing_newline_is_appended_cleanly(tmp_path):
    export.write_csvs(tmp_path, {"invocations": invocations([row()])})
    path = tmp_path / "invocations.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    export.write_csvs(tmp_path, {"invocations": invocations([row(request_id="n")])})
    assert export.read_csv(path)["request_id"].tolist() == [RID, "n"]


# --------------------------------------------------------------------------- atomic writes


def test_export_killed_midway_leaves_previous_csvs_byte_identical(tmp_path, events_file, monkeypatch):
    out = tmp_path / "out"
    export.run_export(logparse.load(events_file), out)
    before = snapshot(out)
    top = {name for name in before if "/" not in name}
    assert top == {f"{n}.csv" for n in export.EXPORT_ORDER} | {".snaplens.lock", "current"}

    more = dict(EVENTS, events=[*EVENTS["events"], {
        "logStreamName": STREAM, "timestamp": 1795352400000,
        "message": "REPORT RequestId: new\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 256 MB\t"
                   "Max Memory Used: 80 MB\t\n"}])
    events_file.write_text(json.dumps(more))
    real = export.write_rows
    calls = []

    def dies_on_the_second_file(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")  # not even an Exception: cleanup must still run
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "write_rows", dies_on_the_second_file)
    with pytest.raises(KeyboardInterrupt):
        export.run_export(logparse.load(events_file), out)
    assert snapshot(out) == before  # byte-identical, and no temp files left behind
    monkeypatch.undo()

    written = export.run_export(logparse.load(events_file), out)
    assert written["invocations"] == 1 and snapshot(out) != before


def test_failed_rename_leaves_no_temp_files(tmp_path, monkeypatch):
    export.write_csvs(tmp_path, {"invocations": invocations([row()])})
    before = snapshot(tmp_path)

    def no_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(export.ExportError, match="No space left") as caught:
        export.write_csvs(tmp_path, {"invocations": invocations([row(request_id="x")])})
    assert caught.value.exit_code == 1 and "unchanged" in caught.value.hint()
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------- run_export


def test_run_export_writes_all_csvs_and_is_idempotent(tmp_path, events_file):
    out = tmp_path / "out"
    first = export.run_export(logparse.load(events_file), out)
    assert list(first) == list(export.EXPORT_ORDER)
    assert first["invocations"] == 3 and first["restores"] >= 1 and first["rejects"] == 1
    assert first["metrics"] > 0 and first["costs"] > 0
    before = snapshot(out)
    second = export.run_export(logparse.load(events_file), out)
    assert all(n == 0 for n in second.values()), second
    assert snapshot(out) == before

    rows = export.read_csv(out / "invocations.csv")
    assert rows["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z").all()
    assert rows["request_id"].tolist().count(RID) == 2  # the retry is kept
    rejects = export.read_csv(out / "rejects.csv")
    assert len(rejects) == 1
    metrics = export.read_csv(out / "metrics.csv")
    assert list(metrics.columns[:3]) == ["bucket_start", "function", "version"]
    assert not metrics.duplicated(["bucket_start", "function", "version"]).any()


def test_incremental_metrics_cover_the_whole_bucket(tmp_path, events_file):
    """A run that only sees the second half of an hour must not replace the hour with half of it."""
    out = tmp_path / "out"
    export.run_export(logparse.load(events_file), out)
    late = {"events": [{"logStreamName": STREAM, "timestamp": 1795341600000 + 1800_000,
                        "message": "REPORT RequestId: late\tDuration: 9.00 ms\tBilled Duration: 9 ms\t"
                                   "Memory Size: 256 MB\tMax Memory Used: 80 MB\t\n"}]}
    path = tmp_path / "late.json"
    path.write_text(json.dumps(late))
    written = export.run_export(logparse.load(path), out)
    assert written["invocations"] == 1
    metrics = export.read_csv(out / "metrics.csv")
    hour = metrics[metrics["bucket_start"] == "2026-11-22T10:00:00.000Z"]
    assert hour["invocations"].tolist() == ["2"]  # the earlier REPORT plus the late one
    assert written["metrics"] == 1


def test_cli_export_twice(tmp_path, events_file, capsys):
    from logparse import cli

    out, state = tmp_path / "out", tmp_path / "state.json"
    args = ["export", str(events_file), "--out", str(out), "--state", str(state)]
    assert cli.main(args) == 0
    first = (out / "invocations.csv").read_bytes()
    assert cli.main(args) == 0
    assert (out / "invocations.csv").read_bytes() == first
    assert json.loads(state.read_text())["format"] == STATE_FORMAT


# --------------------------------------------------------------------------- state


def event(i: int, ts: int) -> dict:
    return {"eventId": f"e{i}", "timestamp": ts, "logStreamName": "s", "message": "m"}


def test_state_watermark_lookback_and_seen_ids(tmp_path):
    path = tmp_path / "state" / "fetch.json"
    state = State.load(path, lookback=timedelta(minutes=5))
    default = datetime(2026, 11, 1, tzinfo=UTC)
    assert state.since("/aws/lambda/f", default) == default
    t = 1795341600000
    got = state.take("/aws/lambda/f", [event(1, t - 600_000), event(2, t - 60_000), event(3, t)])
    assert len(got) == 3
    state.save()

    state = State.load(path, lookback=timedelta(minutes=5))
    assert state.since("/aws/lambda/f", default) == datetime.fromtimestamp((t - 300_000) / 1000, UTC)
    # The overlap brings back events 2 and 3 (seen) and a late one (new).
    got = state.take("/aws/lambda/f", [event(2, t - 60_000), event(3, t), event(4, t - 30_000)])
    assert [e["eventId"] for e in got] == ["e4"]
    saved = json.loads(state.to_json())
    assert saved["groups"]["/aws/lambda/f"]["watermark"] == "2026-11-22T10:00:00.000Z"
    assert set(saved["groups"]["/aws/lambda/f"]["seen"]) == {"e2", "e3", "e4"}  # e1 is past the lookback


def test_state_advance_to_and_empty_take(tmp_path):
    state = State.load(tmp_path / "s.json")
    assert state.take("g", []) == [] and "g" not in state.marks
    until = datetime(2026, 11, 16, 12, tzinfo=UTC)
    state.advance_to("xray:f", until)
    assert state.since("xray:f", until - timedelta(days=1)) == until - state.lookback


def test_state_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    state = State.load(path)
    state.advance_to("g", datetime(2026, 11, 16, tzinfo=UTC))
    state.save()
    before = path.read_bytes()
    state.advance_to("g", datetime(2026, 11, 17, tzinfo=UTC))
    real_replace = os.replace

    def crash(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(export.ExportError, match="state file"):
        state.save()
    monkeypatch.setattr(os, "replace", real_replace)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_unreadable_state_is_a_clear_error(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(export.ExportError) as caught:
        State.load(path)
    assert "state.json" in str(caught.value) and "delete it" in caught.value.hint()
    assert caught.value.exit_code == 1


def test_files_get_normal_permissions_not_the_temp_files(tmp_path):
    old = os.umask(0o022)
    try:
        export.write_csvs(tmp_path, {"invocations": invocations([row()])})
        path = tmp_path / "invocations.csv"
        assert path.stat().st_mode & 0o777 == 0o644
        assert (tmp_path / "current").stat().st_mode & 0o777 == 0o755  # the run folder readers enter
        path.chmod(0o640)  # a mode the user chose is kept across appends
        export.write_csvs(tmp_path, {"invocations": invocations([row(request_id="n")])})
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_overlapping_runs_do_not_lose_rows(tmp_path, monkeypatch):
    """Two cron runs at once: without the lock both would read the old CSV and the second rename
    would drop the first run's rows."""
    import threading
    import time

    real = export.write_csvs

    def slow(*args, **kwargs):
        time.sleep(0.3)  # both runs would have read the old files by now
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "write_csvs", slow)
    runs = [logparse.Tables(invocations=invocations([row(request_id=f"r{i}")])) for i in range(2)]
    threads = [threading.Thread(target=export.run_export, args=(t, tmp_path)) for t in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(export.read_csv(tmp_path / "invocations.csv")["request_id"]) == ["r0", "r1"]


# --------------------------------------------------------------------------- one set per run


def more_events(events_file: Path, request_id: str = "new") -> None:
    """Add an invocation an hour after the others to ``events_file``."""
    data = json.loads(events_file.read_text())
    data["events"].append({"logStreamName": STREAM, "timestamp": 1795352400000,
                           "message": f"REPORT RequestId: {request_id}\tDuration: 5.00 ms\tBilled Duration: 5 ms\t"
                                      "Memory Size: 256 MB\tMax Memory Used: 80 MB\t\n"})
    events_file.write_text(json.dumps(data))


def test_a_reader_of_current_sees_one_set_while_the_next_run_publishes(tmp_path, events_file):
    out = tmp_path / "out"
    export.run_export(logparse.load(events_file), out)
    for name in export.EXPORT_ORDER:  # the top-level names are links into the current set
        assert os.readlink(out / f"{name}.csv") == f"current/{name}.csv"
    reader = Path(os.path.realpath(out / "current"))  # what a reader resolves once, then opens files in
    seen = snapshot(reader)
    more_events(events_file)
    written = export.run_export(logparse.load(events_file), out)
    assert written["invocations"] == 1 and written["metrics"] >= 1
    assert snapshot(reader) == seen  # the old set, whole: no new invocations.csv beside an old metrics.csv
    new = Path(os.path.realpath(out / "current"))
    assert new != reader
    assert len(export.read_csv(new / "invocations.csv")) == len(export.read_csv(reader / "invocations.csv")) + 1
    assert "2026-11-22T13:00:00.000Z" in export.read_csv(new / "metrics.csv")["bucket_start"].tolist()
    assert "2026-11-22T13:00:00.000Z" not in export.read_csv(reader / "metrics.csv")["bucket_start"].tolist()
    # An unchanged file is shared, not copied.
    assert os.stat(new / "inits.csv").st_ino == os.stat(reader / "inits.csv").st_ino
    # The set before the last stays one more run; older ones go.
    more_events(events_file, "newer")
    export.run_export(logparse.load(events_file), out)
    assert {p.name for p in (out / ".runs").iterdir()} == {new.name, Path(os.path.realpath(out / "current")).name}


def test_leftovers_of_a_killed_export_are_removed_by_the_next_run(tmp_path, events_file):
    out = tmp_path / "out"
    export.run_export(logparse.load(events_file), out)
    published = snapshot(out)
    more_events(events_file)
    killed = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
import logparse
from logparse import export
real, calls = export.write_rows, []
def write_rows(*args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # no finally, no cleanup: what kill -9 or the OOM killer does
    return real(*args, **kwargs)
export.write_rows = write_rows
export.run_export(logparse.load({str(events_file)!r}), {str(out)!r})
"""
    result = subprocess.run([sys.executable, "-c", killed], capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL
    left = snapshot(out)
    assert {k: v for k, v in left.items() if not k.startswith(".runs/")} == {
        k: v for k, v in published.items() if not k.startswith(".runs/")}  # readers still see the old set
    assert len(left) > len(published)  # the killed run's half-written folder
    (out / ".invocations.csv.abc123.tmp").write_text("a temp file of the old layout")
    (out / ".state.json.x1y2.tmp").write_text("not ours to judge: the state lives elsewhere")

    written = export.run_export(logparse.load(events_file), out)
    assert written["invocations"] == 1
    runs = {p.name for p in (out / ".runs").iterdir()}
    assert len(runs) == 2  # current and the one before; the killed run's folder is gone
    assert not (out / ".invocations.csv.abc123.tmp").exists()
    assert (out / ".state.json.x1y2.tmp").exists()
    assert export.read_csv(out / "invocations.csv")["request_id"].tolist().count("new") == 1


def test_state_temp_file_left_by_a_killed_save_is_removed(tmp_path):
    path = tmp_path / "state.json"
    (tmp_path / ".state.json.k9x.tmp").write_text("{half")
    state = State.load(path)
    state.advance_to("g", datetime(2026, 11, 16, tzinfo=UTC))
    state.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_csvs_of_the_old_layout_are_taken_over(tmp_path, events_file):
    out = tmp_path / "out"
    export.run_export(logparse.load(events_file), out)
    for name in export.EXPORT_ORDER:  # as the previous version left them: plain files in OUT
        data = (out / f"{name}.csv").read_bytes()
        (out / f"{name}.csv").unlink()
        (out / f"{name}.csv").write_bytes(data)
    shutil.rmtree(out / ".runs")
    (out / "current").unlink()
    assert all(n == 0 for n in export.run_export(logparse.load(events_file), out).values())
    more_events(events_file)
    assert export.run_export(logparse.load(events_file), out)["invocations"] == 1
    assert os.readlink(out / "invocations.csv") == "current/invocations.csv"
    assert export.read_csv(out / "invocations.csv")["request_id"].tolist().count(RID) == 2


# --------------------------------------------------------------------------- --out that cannot be written


def test_out_that_cannot_be_created_is_one_error(tmp_path, events_file):
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0")
    with pytest.raises(export.ExportError) as caught:
        export.run_export(logparse.load(events_file), a_file / "x")
    assert str(caught.value) == f"cannot create the output folder {a_file / 'x'}: Not a directory"
    assert caught.value.hint() == "a part of the --out path is a file, not a folder"
    assert a_file.read_text() == "root:x:0:0"


# --------------------------------------------------------------------------- state files


@pytest.mark.parametrize(("content", "says"), [
    ("{not json", "is unreadable"),
    ('["a list"]', "is unreadable"),
    ('{"format": 1, "groups": {"/aws/lambda/f": {"watermark_ms": Infinity}}}', "is unreadable"),
    ('{"format": 1, "groups": {"/aws/lambda/f": {"watermark_ms": 1e20}}}', "is not a date"),
    ('{"format": 1, "groups": {"/aws/lambda/f": {"watermark_ms": -5}}}', "is not a date"),
    ('{"format": 1, "groups": {"/aws/lambda/f": {"watermark_ms": 4102444800000}}}', "in the future"),
    ('{"format": 2, "groups": {}}', "unknown format 2"),
])
def test_a_state_file_that_cannot_be_used_is_one_clear_error(tmp_path, content, says):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(export.ExportError) as caught:
        State.load(path, now=datetime(2026, 12, 3, tzinfo=UTC))
    assert says in str(caught.value) and str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert "delete it" in caught.value.hint() and caught.value.exit_code == 1


def test_a_watermark_within_the_clock_tolerance_is_fine(tmp_path):
    path = tmp_path / "state.json"
    now = datetime(2026, 12, 3, tzinfo=UTC)
    later = int((now + timedelta(hours=1)).timestamp() * 1000)
    path.write_text(json.dumps({"format": 1, "groups": {"/aws/lambda/f": {"watermark_ms": later}}}))
    assert State.load(path, now=now).marks["/aws/lambda/f"]["watermark_ms"] == later


def test_a_state_file_of_another_function_is_refused(tmp_path):
    path = tmp_path / "state.json"
    state = State.load(path)
    t = 1795341600000
    default = datetime(2026, 11, 1, tzinfo=UTC)
    state.since("/aws/lambda/orders-api", default)
    state.take("/aws/lambda/orders-api", [event(1, t)])
    state.advance_to("xray:orders-api", datetime(2026, 11, 22, tzinfo=UTC))
    state.save()
    state = State.load(path)
    assert state.since("insights:/aws/lambda/orders-api", default) == default  # same function, new key
    with pytest.raises(export.ExportError) as caught:
        state.since("/aws/lambda/checkout", default)
    assert str(caught.value) == f"state file {path} holds the watermarks of orders-api, not of checkout"
    assert caught.value.hint() == "give each function its own --state file"


def test_a_until_in_the_future_does_not_move_the_watermark_past_now(tmp_path):
    state = State.load(tmp_path / "s.json")
    now = datetime(2026, 12, 3, 8, tzinfo=UTC)
    state.advance_to("xray:f", datetime(2099, 1, 1, tzinfo=UTC), now=now)
    assert state.since("xray:f", now) == now - state.lookback  # the traces after now are fetched next time
