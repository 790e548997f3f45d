"""The deploy gate (logparse.gate and `python -m logparse check`): verdicts, exit codes, bootstrap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import logparse
from logparse import aws, gate
from logparse.cli import main

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.usefixtures("no_real_aws")  # dummy credentials (tests/conftest.py): never AWS
FUNCTION = "orders-api"
T0 = 1_795_000_000_000  # 2026-11-18T11:06:40Z, epoch ms


def report(restore_ms: float, billed_restore_ms: float) -> str:
    return (f"REPORT RequestId: r\tDuration: 10.00 ms\tBilled Duration: {11 + int(billed_restore_ms)} ms\t"
            f"Memory Size: 1024 MB\tMax Memory Used: 90 MB\tRestore Duration: {restore_ms:.2f} ms\t"
            f"Billed Restore Duration: {int(billed_restore_ms)} ms\t\n")


def events(version: str, restores: list[tuple[float, float]], warm: int = 0, offset: int = 0) -> list[dict]:
    """One log stream per restore (as Lambda writes them), then ``warm`` warm REPORTs."""
    out = []
    for i, (restore_ms, billed) in enumerate(restores):
        out.append({"logStreamName": f"2026/11/18/[{version}]s{offset + i:05d}", "timestamp": T0 + (offset + i) * 1000,
                    "message": report(restore_ms, billed), "eventId": f"{version}-{i}"})
    for i in range(warm):
        out.append({"logStreamName": f"2026/11/18/[{version}]s00000", "timestamp": T0 + 500_000 + i,
                    "message": "REPORT RequestId: w\tDuration: 5.00 ms\tBilled Duration: 5 ms\t"
                               "Memory Size: 1024 MB\tMax Memory Used: 90 MB\t\n",
                    "eventId": f"{version}-w{i}"})
    return out


# Baseline: 30 restores of 100..129 ms, billed 50..79 ms. By hand (linear method, n = 30):
# p99: h = 0.99 * 29 = 28.71 -> 128 + 0.71 * (129 - 128) = 128.71 ms;
# billed p50: h = 14.5 -> 64 + 0.5 = 64.5 ms.
BASELINE = [(100.0 + i, 50.0 + i) for i in range(30)]


def envelope_file(tmp_path: Path, *batches: list[dict]) -> Path:
    path = tmp_path / "events.json"
    path.write_bytes(aws.envelope(aws.log_group(FUNCTION), [e for batch in batches for e in batch]))
    return path


def tables_for(tmp_path: Path, candidate: list[tuple[float, float]]) -> logparse.Tables:
    return logparse.load(envelope_file(tmp_path, events("7", BASELINE, warm=3), events("8", candidate, offset=100)))


def test_candidate_within_allowance_passes_with_hand_checked_figures(tmp_path: Path) -> None:
    # Candidate restores 10 % slower: p99 = 1.1 * 128.71 = 141.581 ms; billed the same.
    result = gate.compare(tables_for(tmp_path, [(1.1 * r, b) for r, b in BASELINE]), FUNCTION, "7", "8")
    assert result.exit_code == gate.PASS and result.verdict == "pass"
    p99, billed = result.criteria
    assert p99.name == "restore_ms_p99"
    assert p99.baseline == pytest.approx(128.71) and p99.candidate == pytest.approx(141.581)
    assert p99.change == pytest.approx(0.10)
    assert billed.baseline == pytest.approx(64.5) and billed.change == pytest.approx(0.0)
    assert (result.baseline_restores, result.candidate_restores) == (30, 30)  # warm REPORTs not counted
    assert result.message.startswith("pass: orders-api version 8 vs 7: restore_ms_p99 +10.0%")


def test_regression_beyond_allowance_fails_in_one_line(tmp_path: Path) -> None:
    result = gate.compare(tables_for(tmp_path, [(1.25 * r, b) for r, b in BASELINE]), FUNCTION, "7", "8")
    assert result.exit_code == gate.REGRESSED
    assert result.message == ("regressed: orders-api version 8 vs 7: restore_ms_p99 160.9 ms vs 128.7 ms "
                              "(+25.0%), allowed +20%")
    # A looser allowance lets the same candidate through.
    assert gate.compare(tables_for(tmp_path, [(1.25 * r, b) for r, b in BASELINE]), FUNCTION, "7", "8",
                        max_regression=0.3).exit_code == gate.PASS


def test_billed_restore_p50_alone_can_fail_the_gate(tmp_path: Path) -> None:
    # Same latency, billed restore 30 % higher: p50 83.85 vs 64.5 ms.
    result = gate.compare(tables_for(tmp_path, [(r, 1.3 * b) for r, b in BASELINE]), FUNCTION, "7", "8")
    assert result.exit_code == gate.REGRESSED
    assert [c.name for c in result.criteria if c.regressed] == ["billed_restore_ms_p50"]


def test_too_few_restores_is_not_evidence(tmp_path: Path) -> None:
    result = gate.compare(tables_for(tmp_path, BASELINE[:29]), FUNCTION, "7", "8")
    assert result.exit_code == gate.INSUFFICIENT
    assert result.message == ("not enough evidence: orders-api version 7 has 30 restores, version 8 has 29 "
                              "(need 30 each)")
    assert gate.compare(tables_for(tmp_path, BASELINE[:29]), FUNCTION, "7", "8",
                        min_restores=29).exit_code == gate.PASS
    # A version that never appears has zero restores.
    assert gate.compare(tables_for(tmp_path, BASELINE), FUNCTION, "7", "99").exit_code == gate.INSUFFICIENT


def test_no_restore_is_never_a_pass_even_with_min_restores_zero(tmp_path: Path) -> None:
    # --min-restores 0 once let a version absent from the logs (a typo) pass with nothing compared.
    result = gate.compare(tables_for(tmp_path, BASELINE), FUNCTION, "7", "99", min_restores=0)
    assert result.exit_code == gate.INSUFFICIENT
    assert result.message == ("not enough evidence: orders-api version 7 has 30 restores, version 99 has 0 "
                              "(need 1 each)")


def test_bootstrap_equals_the_naive_per_resample_percentile() -> None:
    values = np.random.default_rng(1).lognormal(6, 0.5, 57)
    fast = gate.bootstrap_quantile(values, 0.99, 300, np.random.default_rng(7))
    # The same index draws, each resample's percentile taken the slow, obvious way.
    idx = np.random.default_rng(7).integers(0, values.size, size=(300, values.size))
    naive = np.percentile(np.sort(values)[idx], 99, axis=1)
    np.testing.assert_allclose(fast, naive, rtol=0, atol=1e-9)


def test_bootstrap_chunks_give_the_same_draws_as_one_block(monkeypatch) -> None:
    values = np.arange(40.0)
    whole = gate.bootstrap_quantile(values, 0.5, 50, np.random.default_rng(3))
    monkeypatch.setattr(gate, "CHUNK_ELEMENTS", 40 * 7)  # 7 resamples per chunk
    chunked = gate.bootstrap_quantile(values, 0.5, 50, np.random.default_rng(3))
    np.testing.assert_array_equal(whole, chunked)


def test_confidence_intervals_are_fixed_by_the_seed_and_bracket_the_estimate(tmp_path: Path) -> None:
    tables = tables_for(tmp_path, [(1.1 * r, b) for r, b in BASELINE])
    first = gate.compare(tables, FUNCTION, "7", "8").as_dict()
    assert first == gate.compare(tables, FUNCTION, "7", "8").as_dict()
    p99 = first["criteria"][0]
    low, high = p99["baseline_ci"]
    # A resampled p99 of 100..129 can only fall between the smallest and largest values.
    assert 100 <= low <= high <= 129
    assert p99["change_ci"][0] <= 0.10 <= p99["change_ci"][1]
    assert first["bootstrap"] == {"resamples": 2000, "seed": gate.BOOTSTRAP_SEED, "confidence": 0.95}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "logparse", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    slower = [(1.25 * r, b) for r, b in BASELINE]
    regressed = envelope_file(tmp_path, events("7", BASELINE), events("8", slower, offset=100))
    result = run("check", str(regressed), "--function", FUNCTION, "--baseline", "7", "--candidate", "8")
    assert result.returncode == 1
    assert result.stdout.strip().startswith("regressed: orders-api version 8 vs 7: restore_ms_p99 160.9 ms")
    assert run("check", str(regressed), "--function", FUNCTION, "--baseline", "7", "--candidate", "8",
               "--max-p99-regression", "30%").returncode == 0
    few = run("check", str(regressed), "--function", FUNCTION, "--baseline", "7", "--candidate", "8",
              "--min-restores", "31", "--json")
    assert few.returncode == 3
    body = json.loads(few.stdout)
    assert body["verdict"] == "insufficient evidence" and body["restores"] == {"baseline": 30, "candidate": 30}


def test_cli_json_carries_intervals(tmp_path: Path, capsys) -> None:
    path = envelope_file(tmp_path, events("7", BASELINE), events("8", BASELINE, offset=100))
    code = main(["check", str(path), "--function", FUNCTION, "--baseline", "7", "--candidate", "8", "--json"])
    body = json.loads(capsys.readouterr().out)
    assert code == 0 and body["verdict"] == "pass"
    p99 = body["criteria"][0]
    assert p99["baseline"] == p99["candidate"] == 128.71 and p99["change"] == 0.0
    assert len(p99["change_ci"]) == 2


def test_cli_needs_paths_or_live(capsys) -> None:
    assert main(["check", "--function", FUNCTION, "--baseline", "7", "--candidate", "8"]) == 2
    assert "PATH... or --live" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["check", "x", "--function", FUNCTION, "--baseline", "7", "--candidate", "8",
              "--max-p99-regression", "lots"])
    assert exc.value.code == 2


def test_live_input_goes_through_fetch(monkeypatch, capsys) -> None:
    """--live calls aws.fetch_tables (the fetch path) for the function over --since."""
    seen = {}

    def fake_fetch(function, since, until, **options):
        seen.update(function=function, hours=round((until - since).total_seconds() / 3600), **options)
        both = events("7", BASELINE) + events("8", BASELINE, offset=100)
        return logparse.load(aws.envelope(aws.log_group(FUNCTION), both))

    monkeypatch.setattr(aws, "fetch_tables", fake_fetch)
    monkeypatch.setattr(aws, "session", lambda region=None, profile=None: f"session:{region}")
    code = main(["check", "--live", "--since", "6h", "--region", "eu-west-1", "--function", FUNCTION,
                 "--baseline", "7", "--candidate", "8"])
    assert code == 0, capsys.readouterr()
    assert seen["function"] == FUNCTION and seen["hours"] == 6 and seen["session"] == "session:eu-west-1"


@pytest.mark.usefixtures("moto")
def test_live_check_against_moto(capsys) -> None:
    """The whole --live path on a moto server: FilterLogEvents pages -> fetch_tables -> the gate."""
    import boto3

    now = int(time.time() * 1000) - 3_600_000
    logs = boto3.client("logs")
    group = aws.log_group(FUNCTION)
    logs.create_log_group(logGroupName=group)
    for version, scale in (("7", 1.0), ("8", 1.5)):
        for event in events(version, [(scale * r, b) for r, b in BASELINE], offset=0 if version == "7" else 100):
            stream = event["logStreamName"]
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
                {"timestamp": event["timestamp"] - T0 + now, "message": event["message"]}])
    code = main(["check", "--live", "--since", "2h", "--function", FUNCTION, "--baseline", "7", "--candidate", "8"])
    assert code == 1
    assert capsys.readouterr().out.startswith("regressed: orders-api version 8 vs 7: restore_ms_p99 193.1 ms vs 128.7")


def test_consecutive_versions_for_the_dashboard(tmp_path: Path) -> None:
    # 7 -> 8 slower by 10 % (pass), 8 -> 10 slower by another 25 % (regressed); 9 never restored.
    path = envelope_file(tmp_path, events("7", BASELINE), events("8", [(1.1 * r, b) for r, b in BASELINE], offset=100),
                         events("10", [(1.375 * r, b) for r, b in BASELINE], offset=200), events("9", [], warm=2))
    frame = gate.consecutive(logparse.load(path))
    assert list(zip(frame["baseline"], frame["candidate"], frame["verdict"], strict=True)) == [
        ("7", "8", "pass"), ("8", "10", "regressed")]
    assert frame["restore_ms_p99_change"].tolist() == pytest.approx([0.10, 0.25], abs=1e-4)  # ms to 2 places
    assert (frame["restore_ms_p99_change_low"] <= frame["restore_ms_p99_change"]).all()
    assert frame.loc[1, "message"] == gate.compare(logparse.load(path), FUNCTION, "8", "10").message


def test_a_baseline_of_zero_ms_is_said_in_words_not_as_infinite_percent(tmp_path: Path) -> None:
    """Billed restore p50 of 0 ms on the baseline (whole-ms billing rounds small restores down):
    any growth is infinite in per cent, which no one can act on; the line says "from 0 ms"."""
    zero = [(100.0 + i, 0.0) for i in range(30)]
    some = [(100.0 + i, 5.0) for i in range(30)]
    tables = logparse.load(envelope_file(tmp_path, events("7", zero), events("8", some, offset=100)))
    result = gate.compare(tables, FUNCTION, "7", "8")
    assert result.exit_code == gate.REGRESSED
    assert "inf" not in result.message
    assert "billed_restore_ms_p50 5.0 ms vs 0.0 ms (up from 0 ms)" in result.message
    assert result.as_dict()["criteria"][1]["change"] is None  # JSON has no infinity
