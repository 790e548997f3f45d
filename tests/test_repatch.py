"""Runtime re-patches (logparse.repatch): the runtime-version timeline, re-patches with restore
latency before and after, and where they show (summary --json, metrics.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import logparse
from logparse import aws, export, repatch
from logparse.cli import main

FUNCTION = "orders-api"
T0 = 1_795_000_000_000  # 2026-11-18T11:06:40Z
ARN = "arn:aws:lambda:us-east-1::runtime:abc"


def restore(i: int, at_ms: int, runtime: str, restore_ms: float) -> list[dict]:
    """A restored environment: RESTORE_START, RESTORE_REPORT, REPORT in a stream of its own."""
    stream = f"2026/11/18/[3]r{i:04d}"
    return [
        {"logStreamName": stream, "timestamp": at_ms, "eventId": f"{i}a",
         "message": f"RESTORE_START Runtime Version: {runtime}\tRuntime Version ARN: {ARN}\n"},
        {"logStreamName": stream, "timestamp": at_ms + 1, "eventId": f"{i}b",
         "message": f"RESTORE_REPORT Restore Duration: {restore_ms:.2f} ms\n"},
        {"logStreamName": stream, "timestamp": at_ms + 2, "eventId": f"{i}c",
         "message": f"REPORT RequestId: q{i}\tDuration: 5.00 ms\tBilled Duration: 40 ms\t"
                    f"Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: {restore_ms:.2f} ms\t"
                    "Billed Restore Duration: 34 ms\t\n"},
    ]


def snapshot(i: int, at_ms: int, runtime: str, init_ms: float) -> list[dict]:
    """The snapshot creation at publish (or after a runtime re-patch): INIT_START, INIT_REPORT."""
    stream = f"2026/11/18/[3]s{i:04d}"
    return [
        {"logStreamName": stream, "timestamp": at_ms, "eventId": f"s{i}a",
         "message": f"INIT_START Runtime Version: {runtime}\tRuntime Version ARN: {ARN}\n"},
        {"logStreamName": stream, "timestamp": at_ms + 1, "eventId": f"s{i}b",
         "message": f"INIT_REPORT Init Duration: {init_ms:.2f} ms\n"},
    ]


HOUR = 3_600_000
EVENTS = [
    *snapshot(0, T0, "python:3.12.v35", 2000.0),
    *restore(1, T0 + 1 * HOUR, "python:3.12.v35", 400.0),
    *restore(2, T0 + 2 * HOUR, "python:3.12.v35", 500.0),
    *restore(3, T0 + 3 * HOUR, "python:3.12.v35", 600.0),
    *snapshot(1, T0 + 4 * HOUR, "python:3.12.v36", 2500.0),  # AWS re-patches version 3
    *restore(4, T0 + 5 * HOUR, "python:3.12.v36", 700.0),
    # An environment of the old snapshot restoring late is not a re-patch back and forth.
    *restore(5, T0 + 5 * HOUR + 60_000, "python:3.12.v35", 450.0),
    *restore(6, T0 + 6 * HOUR, "python:3.12.v36", 800.0),
]


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    path = tmp_path / "events.json"
    path.write_bytes(aws.envelope(aws.log_group(FUNCTION), EVENTS))
    return path


def test_timeline_per_runtime_version_by_hand(logs: Path) -> None:
    timeline = repatch.runtime_timeline(logparse.load(logs))
    assert list(timeline["runtime_version"]) == ["python:3.12.v35", "python:3.12.v36"]
    old, new = timeline.iloc[0], timeline.iloc[1]
    # v35: restores 400, 450, 500, 600: p50 h = 1.5 -> 475; p99 h = 2.97 -> 500 + 0.97 * 100 = 597.
    assert (old["inits"], old["restores"]) == (1, 4)
    assert old["restore_ms_p50"] == pytest.approx(475.0) and old["restore_ms_p99"] == pytest.approx(597.0)
    assert old["init_ms"] == 2000.0 and not old["repatch"] and pd.isna(old["previous_runtime_version"])
    assert old["last_seen"] == pd.Timestamp(T0 + 5 * HOUR + 60_001, unit="ms", tz="UTC")
    # v36: restores 700, 800: p50 750, p99 h = 0.99 -> 799; its snapshot re-init 2500 ms.
    assert (new["inits"], new["restores"]) == (1, 2) and new["init_ms"] == 2500.0
    assert new["restore_ms_p50"] == pytest.approx(750.0) and new["restore_ms_p99"] == pytest.approx(799.0)
    assert new["repatch"] and new["previous_runtime_version"] == "python:3.12.v35"
    # An init row is stamped with its INIT_REPORT, 1 ms after the INIT_START.
    assert new["first_seen"] == pd.Timestamp(T0 + 4 * HOUR + 1, unit="ms", tz="UTC")


def test_repatch_rows_carry_latency_before_and_after(logs: Path) -> None:
    (row,) = repatch.repatches(logparse.load(logs)).to_dict(orient="records")
    assert (row["function"], row["version"]) == (FUNCTION, "3")
    assert (row["from_runtime_version"], row["to_runtime_version"]) == ("python:3.12.v35", "python:3.12.v36")
    assert row["init_ms"] == 2500.0 and row["restores_before"] == 4 and row["restores_after"] == 2
    assert row["restore_ms_p99_before"] == pytest.approx(597.0) and row["restore_ms_p99_after"] == pytest.approx(799.0)


def test_no_repatch_in_the_sample_week() -> None:
    """Every sample version keeps one runtime version (v36 arrives with new versions, not a patch)."""
    tables = logparse.load(Path(__file__).parent.parent / "sample_logs")
    timeline = repatch.runtime_timeline(tables)
    assert not timeline["repatch"].any() and repatch.repatches(tables).empty
    assert len(timeline) == 8  # one row per function version


def test_empty_input_gives_empty_frames() -> None:
    tables = logparse.Tables()
    assert list(repatch.runtime_timeline(tables).columns) == list(repatch.TIMELINE_COLUMNS)
    assert repatch.repatches(tables).empty


def test_summary_json_lists_timeline_and_repatches(logs: Path, capsys) -> None:
    assert main(["summary", str(logs), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [r["runtime_version"] for r in body["runtime_versions"]] == ["python:3.12.v35", "python:3.12.v36"]
    (row,) = body["repatches"]
    assert row["timestamp"] == "2026-11-18T15:06:40.001000+00:00" and row["restore_ms_p50_after"] == 750.0


def test_metrics_csv_has_runtime_version_and_repatch_count(logs: Path, tmp_path: Path) -> None:
    export.run_export(logparse.load(logs), tmp_path / "out", bucket="1h")
    metrics = pd.read_csv(tmp_path / "out" / "metrics.csv").set_index("bucket_start")
    # Buckets start with the first REPORT (12:06:40); the re-patch lands in the 15:00 bucket.
    assert metrics.loc["2026-11-18T12:00:00.000Z", "runtime_version"] == "python:3.12.v35"
    assert metrics.loc["2026-11-18T15:00:00.000Z", "runtime_version"] == "python:3.12.v36"
    assert metrics.loc["2026-11-18T15:00:00.000Z", "repatches"] == 1
    assert metrics["repatches"].sum() == 1
    # The old environment restoring at 16:07:40 is the last sighting in the 16:00 bucket.
    assert metrics.loc["2026-11-18T16:00:00.000Z", "runtime_version"] == "python:3.12.v35"
    assert metrics.loc["2026-11-18T17:00:00.000Z", "runtime_version"] == "python:3.12.v36"


def test_summary_table_names_the_repatch(logs: Path, capsys) -> None:
    assert main(["summary", str(logs)]) == 0
    assert ("runtime re-patch orders-api:3 at 2026-11-18T15:06:40.001000+00:00: python:3.12.v35 -> "
            "python:3.12.v36, restore p99 597 ms -> 799 ms") in capsys.readouterr().out
