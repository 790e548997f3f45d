"""The public API named in ``logparse/__init__.py``: each call does what its docstring says, and
each returns what the matching command prints or writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

import logparse
from logparse import aws
from logparse.cli import main

ROOT = Path(__file__).parent.parent


def test_the_names_a_user_may_call() -> None:
    assert set(logparse.__all__) == {"SCHEMAS", "Limits", "Prices", "SnapLensError", "Stats", "Tables",
                                     "export_csvs", "fetch", "load", "prices", "summary"}
    for name in logparse.__all__:
        assert getattr(logparse, name) is not None
    assert logparse.Prices.__name__ == "Prices"  # resolved on first use


def test_load_summary_and_export_agree_with_the_commands(tmp_path: Path, capsys) -> None:
    tables = logparse.load(ROOT / "sample_logs")
    stats = tables.stats
    assert stats.lines == stats.parsed + stats.skipped + stats.rejected and len(tables.invocations)
    result = logparse.summary(tables)
    assert main(["summary", str(ROOT / "sample_logs"), "--json"]) in (0, 1)
    printed = json.loads(capsys.readouterr().out)
    assert [f["restore_ms"] for f in result["functions"]] == [f["restore_ms"] for f in printed["functions"]]
    written = logparse.export_csvs(tables, tmp_path / "csv", bucket="1h")
    assert written["invocations"] == len(tables.invocations)
    assert (tmp_path / "csv" / "current" / "metrics.csv").exists()
    assert logparse.export_csvs(tables, tmp_path / "csv", bucket="1h")["invocations"] == 0  # idempotent


def test_prices_of_a_region_and_an_unknown_one() -> None:
    arm = logparse.prices("us-east-1", "arm64")  # the bundled table: us-east-1, both architectures
    assert (arm.region, arm.arch) == ("us-east-1", "arm64") and arm.cache_gb_s > 0
    assert not arm.region_assumed and logparse.prices().region_assumed
    with pytest.raises(logparse.SnapLensError):
        logparse.prices("mars-north-1")


def test_fetch_reads_a_live_log_group(moto) -> None:
    group = aws.log_group("orders-api")
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/03/[7]abc")
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="2026/12/03/[7]abc", logEvents=[
        {"timestamp": now_ms - 60_000, "message": "REPORT RequestId: r1\tDuration: 10.00 ms\tBilled Duration: "
                                                   "120 ms\tMemory Size: 512 MB\tMax Memory Used: 80 MB\t"
                                                   "Restore Duration: 300.00 ms\tBilled Restore Duration: 107 ms\t"}])
    tables = logparse.fetch("orders-api", since="1h")
    assert tables.invocations[["version", "restore_ms"]].values.tolist() == [["7", 300.0]]
    assert logparse.fetch("orders-api", since="3h", until="2h").invocations.empty  # ended before the event
