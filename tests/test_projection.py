"""The 30-day projection per option (logparse.projection), with golden values by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import logparse
from logparse import aws, pricetable, projection
from logparse.cli import main

FUNCTION = "orders-api"
T0 = 1_795_003_200_000  # 2026-11-18T12:00:00Z, on the hour
HOUR, MINUTE = 3_600_000, 60_000
PRICES = pricetable.load_prices().lookup("us-east-1", "x86_64")


def warm(i: int, at_ms: int, version: str = "5") -> dict:
    return {"logStreamName": f"2026/11/18/[{version}]e{i % 3}", "timestamp": at_ms, "eventId": str(i),
            "message": "REPORT RequestId: w\tDuration: 99.50 ms\tBilled Duration: 100 ms\tMemory Size: 1024 MB\t"
                       "Max Memory Used: 90 MB\t\n"}


def load(per_hour: list[int]) -> logparse.Tables:
    events, i = [], 0
    for hour, count in enumerate(per_hour):
        for k in range(count):
            events.append(warm(i, T0 + hour * HOUR + (10 + 30 * k) * MINUTE))
            i += 1
    return logparse.load(aws.envelope(aws.log_group(FUNCTION), events))


def test_steady_traffic_projects_exactly_by_hand() -> None:
    """48 hours of 2 warm calls an hour (100 ms billed, 1 GB): 1,440 calls in 30 days, no spread.

    Per call: 0.1 GB-s x $0.0000166667 + $0.0000002 = $0.00000186667 on demand (x 1,440 = $0.002688);
    with Provisioned Concurrency 0.1 x $0.0000097222 + $0.0000002 = $0.00000117222 ($0.001688) plus one
    1 GB environment for 2,592,000 s x $0.0000041667 = $10.8000864; SnapStart adds 1 GB cached for the
    30 days: 2,592,000 x $0.0000015046 = $3.8999232.
    """
    frame = projection.project(load([2] * 48), PRICES).set_index("option")
    assert list(frame.index) == ["snapstart", "on-demand", "provisioned-concurrency"]
    assert (frame["projected_invocations"] == 1440).all()
    assert (frame["low_invocations"] == 1440).all() and (frame["high_invocations"] == 1440).all()
    assert frame.loc["on-demand", "projected_cost_usd"] == pytest.approx(0.002688, rel=1e-5)
    assert frame.loc["snapstart", "fixed_cost_usd"] == pytest.approx(3.8999232)
    assert frame.loc["snapstart", "projected_cost_usd"] == pytest.approx(3.8999232 + 0.002688, rel=1e-6)
    assert frame.loc["provisioned-concurrency", "projected_cost_usd"] == pytest.approx(10.8000864 + 0.001688,
                                                                                         rel=1e-6)
    for option in frame.index:
        assert frame.loc[option, "low_cost_usd"] == pytest.approx(frame.loc[option, "projected_cost_usd"])
        assert frame.loc[option, "high_cost_usd"] == pytest.approx(frame.loc[option, "projected_cost_usd"])
    assert frame.loc["on-demand", "cheapest"] and frame["cheapest"].sum() == 1
    assert (frame["observed_hours"] == 48).all() and (frame["block"] == "day").all()


def test_uneven_traffic_has_a_range_around_the_estimate_fixed_by_the_seed() -> None:
    # Busy afternoons, quiet nights: 3 days of 0 calls for 12 hours then 2 for 12 hours.
    tables = load(([0] * 12 + [2] * 12) * 3)
    first = projection.project(tables, PRICES)
    assert first.equals(projection.project(tables, PRICES))
    on_demand = first.set_index("option").loc["on-demand"]
    # Mean 1 call an hour over the 72 observed hours (from the first call): 720 in 30 days.
    assert on_demand["observed_hours"] == 60 and on_demand["projected_invocations"] == pytest.approx(720 * 72 / 60)
    assert on_demand["low_cost_usd"] < on_demand["projected_cost_usd"] < on_demand["high_cost_usd"]


def test_a_versions_range_does_not_depend_on_the_other_versions_loaded() -> None:
    """The bootstrap draws of a version come from its own seed (the seed and its function:version):
    loading another version beside it, or a selection without one, must not move its range."""
    uneven = ([0] * 12 + [2] * 12) * 3
    events, i = [], 0
    for version in ("4", "5"):  # version 4 sorts first, so a shared generator would draw for it first
        for hour, count in enumerate(uneven if version == "5" else [1, 3] * 36):
            for k in range(count):
                events.append(warm(i, T0 + hour * HOUR + (10 + 15 * k) * MINUTE, version=version))
                i += 1
    both = projection.project(logparse.load(aws.envelope(aws.log_group(FUNCTION), events)), PRICES)
    alone = projection.project(load(uneven), PRICES)
    columns = ["option", "low_cost_usd", "high_cost_usd", "low_invocations", "high_invocations"]
    five = both[both["version"] == "5"][columns].reset_index(drop=True)
    assert five.equals(alone[columns].reset_index(drop=True))


def test_each_version_projects_from_its_own_hours() -> None:
    """Version 5: 2 calls an hour for 48 hours; version 6: 1 an hour for its 10 hours (+ one cold start)."""
    events = [warm(i, T0 + (i // 2) * HOUR + (10 + 30 * (i % 2)) * MINUTE) for i in range(96)]
    events += [warm(100 + h, T0 + (30 + h) * HOUR, version="6") for h in range(10)]
    events[-1]["message"] = events[-1]["message"].replace("\t\n", "\tRestore Duration: 300.00 ms\t"
                                                          "Billed Restore Duration: 20 ms\t\n")
    frame = projection.project(logparse.load(aws.envelope(aws.log_group(FUNCTION), events)), PRICES)
    per = frame[frame["option"] == "snapstart"].set_index("version")
    assert per.loc["5", "projected_invocations"] == 1440 and per.loc["5", "projected_cold_starts"] == 0
    assert per.loc["6", "projected_invocations"] == 720 and per.loc["6", "observed_hours"] == 10
    # One cold start in 10 hours: 72 in 30 days.
    assert per.loc["6", "projected_cold_starts"] == pytest.approx(72)


def test_circular_block_sums() -> None:
    np.testing.assert_array_equal(projection._circular_sums(np.array([1.0, 2.0, 3.0, 4.0]), 2), [3, 5, 7, 5])
    np.testing.assert_array_equal(projection._circular_sums(np.array([1.0, 2.0]), 1), [1, 2])


def test_short_observation_uses_hour_blocks() -> None:
    frame = projection.project(load([1, 3, 2]), PRICES)
    assert (frame["block"] == "hour").all() and (frame["observed_hours"] == 3).all()


def test_no_traffic_gives_no_rows() -> None:
    assert projection.project(logparse.Tables(), PRICES).empty


def test_summary_json_carries_the_projection(tmp_path: Path, capsys) -> None:
    path = tmp_path / "events.json"
    path.write_bytes(aws.envelope(aws.log_group(FUNCTION), [warm(i, T0 + i * HOUR) for i in range(50)]))
    assert main(["summary", str(path), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    rows = {row["option"]: row for row in body["projection"]}
    assert set(rows) == {"snapstart", "on-demand", "provisioned-concurrency"}
    assert rows["on-demand"]["days"] == 30 and rows["on-demand"]["projected_invocations"] == 720
    assert any("30-day projection" in note for note in body["notes"])
