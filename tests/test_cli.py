"""The command line as scripts and cron jobs use it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from logparse.cli import build_parser, main

ROOT = Path(__file__).parent.parent
ENVELOPES = Path(__file__).parent / "data" / "envelopes"


def run(*args: str) -> subprocess.CompletedProcess:
    """The real entry point, in a fresh process, as cron runs it."""
    return subprocess.run([sys.executable, "-m", "logparse", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_every_command_and_option_has_help_text() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    assert set(commands.choices) == {"summary", "export", "fetch", "prices", "check", "fleet"}
    for name, sub in commands.choices.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help, f"{name} {action.dest}"


def test_summary_json_follows_the_contract() -> None:
    result = run("summary", str(ENVELOPES / "subscription.json"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    (entry,) = summary["functions"]
    # One restore of 512.34 ms among 3 invocations; billed restore 64 ms (hand-checked lines).
    assert (entry["function"], entry["version"], entry["invocations"]) == ("checkout", "7", 3)
    assert (entry["warm"], entry["init"], entry["restore"]) == (2, 0, 1)
    assert entry["restore_ms"] == {"p50": 512.34, "p90": 512.34, "p99": 512.34, "max": 512.34}
    assert entry["billed_restore_ms_sum"] == 64.0
    # 1 restore of 1 GB at $0.0001397998 per GB restored.
    assert entry["restore_cost_usd"] == pytest.approx(0.0001397998, abs=1e-6)
    for key in ("cache_cost_usd", "duration_cost_usd", "request_cost_usd", "init_ms"):
        assert key in entry
    assert summary["lines"]["lines"] == 13 and summary["rejects"] == 0
    assert summary["region"] == "us-east-1" and summary["architecture"] == "x86_64"
    assert any("us-east-1" in note for note in summary["notes"])
    options = {row["option"]: row for row in summary["comparison"]}
    assert set(options) == {"snapstart", "on-demand", "provisioned-concurrency"}
    assert options["snapstart"]["cold_starts"] == 1 and options["provisioned-concurrency"]["cold_starts"] == 0
    assert sum(row["cheapest"] for row in options.values()) == 1


def test_summary_table_for_people_and_function_filter() -> None:
    result = run("summary", str(ENVELOPES / "tail.log"), "--function", "checkout")
    assert result.returncode == 0, result.stderr
    assert "checkout" in result.stdout and "512.34" in result.stdout
    assert "13 read" not in result.stdout and "14 read" in result.stdout
    other = run("summary", str(ENVELOPES / "subscription.json"), "--function", "other", "--json")
    assert json.loads(other.stdout)["functions"] == []


def test_time_window_filters_rows() -> None:
    result = run("summary", str(ENVELOPES / "subscription.json"), "--json", "--since", "2026-11-16T10:00:01Z")
    (entry,) = json.loads(result.stdout)["functions"]
    assert entry["invocations"] == 2 and entry["restore"] == 0


def test_missing_input_is_one_line_exit_1_and_others_still_read(tmp_path: Path) -> None:
    result = run("summary", str(tmp_path / "nope.log"), str(ENVELOPES / "subscription.json"), "--json")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.log'}: no such file or folder"
    assert json.loads(result.stdout)["functions"][0]["invocations"] == 3


def test_nothing_usable_is_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_text("")
    assert run("summary", str(tmp_path / "empty.log")).returncode == 1


def test_usage_errors_are_exit_2() -> None:
    bad_time = run("summary", str(ENVELOPES / "tail.log"), "--since", "yesterday")
    assert bad_time.returncode == 2
    assert bad_time.stderr.strip().startswith("error: cannot read time 'yesterday'")
    assert "Traceback" not in bad_time.stderr
    far = run("summary", str(ENVELOPES / "tail.log"), "--since", "999999999d")
    assert far.returncode == 2 and "Traceback" not in far.stderr
    with pytest.raises(SystemExit) as exit_info:
        main(["summary"])
    assert exit_info.value.code == 2


def test_stdin_and_unreadable_file(tmp_path: Path) -> None:
    data = (ENVELOPES / "subscription.json.gz").read_bytes()
    result = subprocess.run([sys.executable, "-m", "logparse", "summary", "-", "--json"], input=data,
                            capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0
    assert json.loads(result.stdout)["functions"][0]["function"] == "checkout"
    locked = tmp_path / "locked.log"
    locked.write_text("x")
    locked.chmod(0)
    if not locked.stat().st_mode & 0o444 and not _root():
        result = run("summary", str(locked))
        assert result.returncode == 1 and "cannot read" in result.stderr


def _root() -> bool:
    import os

    return os.geteuid() == 0


def test_export_writes_every_csv(tmp_path: Path) -> None:
    result = run("export", str(ENVELOPES / "subscription.json"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").glob("*.csv"))
    assert names == ["costs.csv", "inits.csv", "invocations.csv", "metrics.csv", "rejects.csv", "restores.csv",
                     "spans.csv"]
    assert "invocations.csv: 3 new rows" in result.stderr


def test_prices_lists_sources() -> None:
    result = run("prices", "--region", "us-east-1", "--arch", "x86_64", "--json")
    assert result.returncode == 0
    (row,) = json.loads(result.stdout)
    assert row["cache_gb_s"] == pytest.approx(0.0000015046) and row["source"]


def test_summary_reports_xray_join_and_after_restore_hooks() -> None:
    result = run("summary", "sample_logs", "--json", "--function", "orders-api")
    summary = json.loads(result.stdout)
    assert summary["xray"]["matched"] > 0 and summary["xray"]["traces_without_logs"] == 0
    hooks = {f["version"]: f["after_restore_hooks"] for f in summary["functions"]}
    # 7 and 8 trace no hook subsegments: no hook time, headroom from an upper bound; 9 traces its
    # hook, but one restore hit the 10 s limit (sample_logs README, "Planted anomalies").
    assert [hooks[v]["hook_ms_max"] is None for v in ("7", "8", "9")] == [True, True, False]
    assert all(hooks[v]["measured_from"].startswith("no hooks traced") for v in ("7", "8"))
    assert all(hooks[v]["headroom_ms"] == pytest.approx(10_000 - hooks[v]["worst_ms"]) for v in ("7", "8"))
    assert (hooks["9"]["failed_restores"], hooks["9"]["worst_ms"], hooks["9"]["headroom_ms"]) == (1, 10_000, 0)
