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
    assert bad_time.stderr.strip().startswith("error: argument --since: cannot read time 'yesterday'")
    assert bad_time.stderr.count("\n") == 1
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


def one_error_line(stderr: str) -> str:
    """The single line a failure prints: no traceback, no usage block, no second line."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize("kind", ["random bytes", "application lines", "no such function", "outside the range"])
def test_nothing_usable_found_is_exit_1_with_one_line(tmp_path: Path, kind: str) -> None:
    import random

    path = tmp_path / "input.log"
    args = []
    if kind == "random bytes":
        path.write_bytes(random.Random(13).randbytes(200_000))
    elif kind == "application lines":
        path.write_text("[INFO] starting\nconnected to db\n{\"level\": \"info\", \"msg\": \"ok\"}\n")
    else:
        path = ENVELOPES / "subscription.json"  # names its function: checkout
        args = ["--function", "nothing"] if kind == "no such function" else ["--since", "2030-01-01"]
    result = run("summary", str(path), *args)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    expected = {"random bytes": "none a Lambda platform line", "application lines": "none a Lambda platform line",
                "no such function": "functions found: checkout", "outside the range": "widen --since"}[kind]
    assert expected in line


@pytest.mark.parametrize("args", [
    ["export", "IN", "--out", "OUT", "--bucket", "banana"],
    ["export", "IN", "--out", "OUT", "--bucket", "0h"],
    ["export", "IN", "--out", "OUT", "--bucket=-1h"],
    ["export", "IN", "--out", "OUT", "--bucket", "500ms"],
    ["export", "IN", "--out", ""],
    ["fetch", "--function", "f", "--out", "OUT", "--bucket", "1 fortnight"],
    ["fetch", "--function", "f", "--out", "OUT", "--since", "last week"],
    ["summary", "IN", "--since", "2026-13-45"],
    ["summary", "IN", "--until", "9999999999d"],
    ["summary", "IN", "--since", "1d", "--until", "2d"],
    ["summary", "IN", "--prices", "no-such-prices.csv"],
])
def test_a_bad_option_value_is_a_one_line_usage_error(tmp_path: Path, capsys, args: list[str]) -> None:
    args = [str(ENVELOPES / "tail.log") if a == "IN" else str(tmp_path / "out") if a == "OUT" else a for a in args]
    try:
        code = main(args)
    except SystemExit as exit_info:
        code = exit_info.code
    assert code == 2
    one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_out_that_cannot_be_created_is_one_line_exit_1(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0")
    code = main(["export", str(ENVELOPES / "tail.log"), "--function", "checkout", "--out", str(a_file / "x")])
    assert code == 1
    line = one_error_line(capsys.readouterr().err)
    assert line == (f"error: cannot create the output folder {a_file / 'x'}: Not a directory "
                    "(a part of the --out path is a file, not a folder)")


def test_a_state_file_that_cannot_be_used_is_one_line_exit_1(tmp_path: Path, capsys) -> None:
    state = tmp_path / "state.json"
    state.write_text('{"format": 1, "groups": {"/aws/lambda/checkout": {"watermark_ms": 1e300}}}')
    code = main(["export", str(ENVELOPES / "tail.log"), "--function", "checkout", "--out", str(tmp_path / "out"),
                 "--state", str(state)])
    assert code == 1
    line = one_error_line(capsys.readouterr().err)
    assert str(state) in line and line.count("delete it") == 1  # the hint, once
    assert not (tmp_path / "out").exists()  # refused before anything was read or written


def test_fetch_range_that_ends_before_it_starts_is_a_usage_error(capsys) -> None:
    assert main(["fetch", "--function", "f", "--out", "unused", "--since", "2099-01-01"]) == 2
    assert one_error_line(capsys.readouterr().err) == (
        "error: --since 2099-01-01 is not before --until now (give the start of the time range as --since)")


def test_library_warnings_are_one_escaped_line(capsys) -> None:
    import logging

    assert main(["prices", "--region", "us-east-1", "--arch", "x86_64", "--json"]) == 0
    capsys.readouterr()
    logging.getLogger("logparse.aws").warning("lambda:ListVersionsByFunction denied for %s", "f\nerror: forged")
    assert capsys.readouterr().err == "warning: lambda:ListVersionsByFunction denied for f\\nerror: forged\n"


def check_events(tmp_path: Path) -> Path:
    """Versions 7 and 8 of orders-api, three restores each (enough with --min-restores 3)."""
    from logparse import aws

    events = [{"logStreamName": f"2026/11/18/[{version}]s{i}", "timestamp": 1_795_000_000_000 + i * 1000,
               "eventId": f"{version}-{i}",
               "message": f"REPORT RequestId: r{version}{i}\tDuration: 10.00 ms\tBilled Duration: 61 ms\t"
                          "Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: 100.00 ms\t"
                          "Billed Restore Duration: 50 ms\t\n"}
              for version in ("7", "8") for i in range(3)]
    path = tmp_path / "events.json"
    path.write_bytes(aws.envelope(aws.log_group("orders-api"), events))
    return path


def test_check_cannot_judge_a_version_the_input_never_mentions(tmp_path: Path, capsys) -> None:
    """A typo'd version (or function) is not "not enough evidence" (exit 3, which a pipeline may
    read as "wait for traffic"): the gate cannot run at all, exit 2, and the line lists what the
    input holds so the fix is obvious."""
    path = check_events(tmp_path)
    base = ["check", str(path), "--min-restores", "3"]
    assert main([*base, "--function", "orders-api", "--baseline", "7", "--candidate", "8"]) == 0
    capsys.readouterr()
    assert main([*base, "--function", "orders-api", "--baseline", "7", "--candidate", "9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: orders-api has no version 9 in the input: it holds versions 7, 8 "
                   "(give one of them as --baseline / --candidate)")
    assert main([*base, "--function", "orders-apii", "--baseline", "7", "--candidate", "8"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: no invocation of orders-apii in the input: it holds orders-api "
                   "(give one of them as --function)")


def test_check_with_an_unreadable_input_does_not_judge(tmp_path: Path, capsys) -> None:
    """Part of the evidence missing: the gate says so and stops (exit 2) rather than judging the
    rest as if it were all."""
    path = check_events(tmp_path)
    missing = tmp_path / "gone.log"
    code = main(["check", str(path), str(missing), "--min-restores", "3", "--function", "orders-api",
                 "--baseline", "7", "--candidate", "8"])
    err = capsys.readouterr().err
    assert code == 2
    assert "gone.log" in err and err.startswith("error: ")


@pytest.mark.parametrize("days", ["0", "-3", "two"])
def test_fleet_idle_days_must_be_a_positive_whole_number(days: str, capsys) -> None:
    """--idle-days 0 would call every version idle (no invocation in no days) and print delete
    commands for all of them: refused before any AWS call, as a usage error."""
    with pytest.raises(SystemExit) as exc:
        main(["fleet", "--idle-days", days])
    assert exc.value.code == 2
    assert "--idle-days" in capsys.readouterr().err


def test_summary_of_lines_without_time_says_cost_n_a_and_why(tmp_path: Path, capsys) -> None:
    """A console copy has no timestamps: the cost column reads n/a (never None or $0.00), a note
    says why, and no option is called cheapest."""
    path = tmp_path / "console.log"
    path.write_text(
        "START RequestId: 8f5e1c2a-0000-4000-8000-000000000001 Version: 3\n"
        "REPORT RequestId: 8f5e1c2a-0000-4000-8000-000000000001\tDuration: 12.50 ms\tBilled Duration: 120 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 80 MB\tRestore Duration: 300.00 ms\tBilled Restore Duration: 107 ms\t\n")
    assert main(["summary", str(path), "--function", "f"]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[0]
    assert "None" not in table and "0.00 " not in table.splitlines()[1][-12:]
    assert table.splitlines()[1].rstrip().endswith("n/a")
    assert "cheapest" not in out
    assert "note: cost n/a for f:3: its lines carry no time" in out
