"""metrics: bucket sizes, the one percentile method, and hand-checked aggregates per bucket/version."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logparse import metrics
from logparse.tables import INVOCATIONS, conform, empty

T0 = pd.Timestamp("2026-03-01T12:00:00Z")


def invocations(rows: list[dict]) -> pd.DataFrame:
    """An invocations table from a few hand-written rows (timestamps as seconds after T0)."""
    frame = pd.DataFrame(rows)
    frame["timestamp"] = T0 + pd.to_timedelta(frame.pop("at"), unit="s")
    frame["start_kind"] = np.where(frame.get("restore_ms", pd.Series(np.nan, index=frame.index)).notna(),
                                   "restore",
                                   np.where(frame.get("init_ms", pd.Series(np.nan, index=frame.index)).notna(),
                                            "init", "warm"))
    return conform(frame, INVOCATIONS)


def row(at: float, restore_ms=None, init_ms=None, billed_restore_ms=None, function="api", version="1",
        duration_ms=10.0, billed_duration_ms=10.0, memory_mb=1024) -> dict:
    return {"at": at, "function": function, "version": version, "restore_ms": restore_ms, "init_ms": init_ms,
            "billed_restore_ms": billed_restore_ms, "duration_ms": duration_ms,
            "billed_duration_ms": billed_duration_ms, "memory_mb": memory_mb}


# --------------------------------------------------------------------------- auto_bucket


@pytest.mark.parametrize(
    ("span", "bucket"),
    [
        ("0s", "1min"),
        ("2h", "1min"),  # 120 buckets
        ("5h", "1min"),  # 300
        ("6h", "5min"),  # 72 (360 at 1 min would be too many)
        ("1D", "5min"),  # 288
        ("3D", "15min"),  # 288
        ("7D", "1h"),  # 168
        ("30D", "6h"),  # 120 (720 hourly would be too many)
        ("60D", "6h"),  # 240
        ("365D", "1D"),  # 365: the largest size; more buckets rather than a coarser unit
    ],
)
def test_auto_bucket_gives_a_readable_number_of_buckets(span, bucket):
    assert metrics.auto_bucket(T0, T0 + pd.Timedelta(span)) == bucket


def test_auto_bucket_ranges_mostly_fall_in_50_to_300():
    for hours in (3, 10, 30, 100, 300, 1000):
        bucket = metrics.auto_bucket(T0, T0 + pd.Timedelta(hours=hours))
        n = pd.Timedelta(hours=hours) / pd.Timedelta(bucket)
        assert 50 <= n <= 300, (hours, bucket, n)


# --------------------------------------------------------------------------- percentiles


def test_percentile_summary_uses_numpy_linear_method():
    # Hand computation, method "linear" (h = q*(n-1), v[lo] + (v[lo+1]-v[lo])*(h-lo)), n = 4:
    #   p50: h = 1.5  -> 2 + 0.5*(3-2) = 2.5
    #   p90: h = 2.7  -> 3 + 0.7*(4-3) = 3.7
    #   p99: h = 2.97 -> 3 + 0.97*(4-3) = 3.97
    summary = metrics.percentile_summary(pd.Series([4.0, 1.0, None, 3.0, 2.0], dtype="Float64"))
    assert summary == pytest.approx({"p50": 2.5, "p90": 3.7, "p99": 3.97, "max": 4.0})
    assert metrics.PERCENTILE_METHOD == "linear"


def test_percentile_summary_empty_and_single():
    assert metrics.percentile_summary(pd.Series([], dtype="Float64")) == dict.fromkeys(
        ("p50", "p90", "p99", "max"))
    assert metrics.percentile_summary(pd.Series([pd.NA], dtype="Float64"))["p50"] is None
    assert metrics.percentile_summary(pd.Series([7.5])) == {"p50": 7.5, "p90": 7.5, "p99": 7.5, "max": 7.5}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.floats(0, 1e6))), max_size=60))
def test_grouped_percentiles_match_numpy_for_every_group(pairs):
    codes = np.array([c for c, _ in pairs], dtype=np.int64)
    values = np.array([np.nan if v is None else v for _, v in pairs], dtype=float)
    got = metrics.grouped_percentiles(codes, values, 6)
    for group in range(6):
        mine = values[(codes == group) & ~np.isnan(values)]
        if mine.size == 0:
            assert np.isnan(got[group]).all()
            continue
        expected = [np.percentile(mine, q, method="linear") for q in (50, 90, 99)] + [mine.max()]
        np.testing.assert_allclose(got[group], expected, rtol=1e-12, atol=1e-9)


# --------------------------------------------------------------------------- over_time


def golden_invocations() -> pd.DataFrame:
    """Three one-minute buckets from 12:00: three restores, nothing, one restore."""
    return invocations([
        row(5, restore_ms=200.0, billed_restore_ms=20.0),
        row(10, restore_ms=100.0, billed_restore_ms=10.0),
        row(20, restore_ms=400.0, billed_restore_ms=40.0),
        row(30),  # warm
        row(50, init_ms=1000.0, version="$LATEST"),
        row(150, restore_ms=250.0, billed_restore_ms=25.0),
    ])


def test_over_time_percentiles_per_bucket_with_empty_and_single_sample_buckets():
    table = metrics.over_time(golden_invocations(), bucket="1min")
    api1 = table[table["version"] == "1"].reset_index(drop=True)
    assert list(api1["bucket_start"]) == [T0, T0 + pd.Timedelta("1min"), T0 + pd.Timedelta("2min")]
    assert str(api1["bucket_start"].dtype) == "datetime64[ns, UTC]"
    # Bucket 12:00: restores 100, 200, 400 (sorted), n = 3, linear method:
    #   p50: h = 1.0  -> 200
    #   p90: h = 1.8  -> 200 + 0.8*(400-200)  = 360
    #   p99: h = 1.98 -> 200 + 0.98*(400-200) = 396
    #   4 invocations (3 restores + 1 warm): cold_start_rate 3/4; billed restore 20+10+40 = 70
    first = api1.iloc[0]
    assert (first["invocations"], first["warm"], first["init"], first["restore"]) == (4, 1, 0, 3)
    assert first["cold_start_rate"] == pytest.approx(0.75)
    assert [first[f"restore_ms_{s}"] for s in ("p50", "p90", "p99", "max")] == pytest.approx([200, 360, 396, 400])
    assert first["billed_restore_ms_sum"] == pytest.approx(70.0)
    assert first["duration_ms_sum"] == pytest.approx(40.0)
    # Bucket 12:01: empty but present: zero counts, <NA> percentiles and rate, zero sums.
    empty_bucket = api1.iloc[1]
    assert (empty_bucket["invocations"], empty_bucket["restore"]) == (0, 0)
    assert pd.isna(empty_bucket["restore_ms_p50"]) and pd.isna(empty_bucket["cold_start_rate"])
    assert empty_bucket["billed_restore_ms_sum"] == 0.0
    # Bucket 12:02: one restore of 250: it is its own p50, p90, p99 and max.
    single = api1.iloc[2]
    assert [single[f"restore_ms_{s}"] for s in ("p50", "p90", "p99", "max")] == [250.0] * 4
    assert single["cold_start_rate"] == 1.0
    # $LATEST is its own group, present in every bucket of the range too.
    latest = table[table["version"] == "$LATEST"]
    assert list(latest["invocations"]) == [1, 0, 0]
    assert latest.iloc[0]["init_ms_p99"] == 1000.0


def test_over_time_columns_and_dtypes():
    table = metrics.over_time(golden_invocations(), bucket="1min")
    assert list(table.columns) == [
        "bucket_start", "function", "version", "invocations", "warm", "init", "restore", "cold_start_rate",
        "restore_ms_p50", "restore_ms_p90", "restore_ms_p99", "restore_ms_max",
        "init_ms_p50", "init_ms_p90", "init_ms_p99", "init_ms_max", "billed_restore_ms_sum", "duration_ms_sum",
    ]
    assert str(table["invocations"].dtype) == "Int64"
    assert str(table["restore_ms_p50"].dtype) == "Float64"
    assert str(table["function"].dtype) == str(INVOCATIONS["function"])


def test_over_time_by_nothing_aggregates_everything():
    table = metrics.over_time(golden_invocations(), bucket="1min", by=())
    assert "function" not in table.columns and "version" not in table.columns
    assert list(table["invocations"]) == [5, 0, 1]
    # Bucket 12:00 across versions: 3 restores + 1 init out of 5.
    assert table.iloc[0]["cold_start_rate"] == pytest.approx(0.8)
    assert table.iloc[0]["init_ms_p50"] == 1000.0


def test_over_time_auto_bucket_and_explicit_range():
    frame = golden_invocations()
    assert metrics.over_time(frame)["bucket_start"].nunique() == 3  # 150 s span -> 1min
    wider = metrics.over_time(frame, bucket="1min", by=(), start=T0 - pd.Timedelta("2min"),
                              end=T0 + pd.Timedelta("4min"))
    assert list(wider["invocations"]) == [0, 0, 5, 0, 1, 0, 0]


def test_over_time_counts_add_up_to_by_version():
    frame = golden_invocations()
    summed = metrics.over_time(frame, bucket="1min").groupby("version")[["invocations", "restore"]].sum()
    versions = metrics.by_version(frame).set_index("version")
    assert summed.loc["1", "invocations"] == versions.loc["1", "invocations"] == 5
    assert summed.loc["1", "restore"] == versions.loc["1", "restore"] == 4


def test_over_time_of_nothing_is_an_empty_table_with_the_columns():
    table = metrics.over_time(empty(INVOCATIONS))
    assert table.empty
    assert "restore_ms_p99" in table.columns and "bucket_start" in table.columns


# --------------------------------------------------------------------------- by_version


def test_by_version_summary_per_function_version():
    frame = invocations([
        row(0, restore_ms=500.0, billed_restore_ms=50.0, billed_duration_ms=61.0, memory_mb=512),
        row(1, billed_duration_ms=11.0, memory_mb=512),
        row(2, billed_duration_ms=11.0, memory_mb=1024),
        row(3, init_ms=900.0, function="worker", version="$LATEST", billed_duration_ms=920.0),
    ])
    table = metrics.by_version(frame)
    assert list(table[["function", "version"]].itertuples(index=False, name=None)) == [
        ("api", "1"), ("worker", "$LATEST")]
    api = table.iloc[0]
    assert (api["invocations"], api["warm"], api["restore"], api["init"]) == (3, 2, 1, 0)
    assert api["cold_start_rate"] == pytest.approx(1 / 3)
    assert api["restore_ms_p50"] == api["restore_ms_max"] == 500.0
    assert api["billed_restore_ms_sum"] == 50.0
    assert api["billed_duration_ms_sum"] == 83.0
    assert api["memory_mb"] == 512  # most common
    worker = table.iloc[1]
    assert worker["init_ms_p90"] == 900.0 and pd.isna(worker["restore_ms_p50"])


def test_by_version_keeps_missing_versions_as_a_group():
    frame = invocations([row(0), row(1, version=None)])
    table = metrics.by_version(frame)
    assert len(table) == 2 and table["version"].isna().sum() == 1


def test_by_version_of_nothing():
    table = metrics.by_version(empty(INVOCATIONS))
    assert table.empty and "memory_mb" in table.columns


def test_versions_come_in_the_order_people_read_them():
    frame = invocations([row(0, version=v) for v in ("10", "2", "$LATEST", "unknown", "1")])
    assert list(metrics.by_version(frame)["version"]) == ["$LATEST", "1", "2", "10", "unknown"]
    assert list(metrics.over_time(frame, bucket="1h")["version"]) == ["$LATEST", "1", "2", "10", "unknown"]


def test_factorize_memo_is_per_array_and_never_stale():
    first = pd.Series(["b", "a", None, "b"], dtype="string")
    codes, uniques = metrics.factorize(first)
    assert list(codes) == [1, 0, 2, 1] and list(uniques[:2]) == ["a", "b"] and pd.isna(uniques[2])
    assert not codes.flags.writeable  # shared between callers: nobody may change it
    again, _ = metrics.factorize(first.copy())  # same immutable Arrow data: same codes object
    assert again is codes
    other = pd.Series(["z", "a", None, "b"], dtype="string")
    assert list(metrics.factorize(other)[1][:3]) == ["a", "b", "z"]
    plain = pd.Series(["b", "a"], dtype="string[python]")
    assert list(metrics.factorize(plain)[0]) == [1, 0]


def test_factorize_memo_forgets_collected_arrays():
    import gc

    series = pd.Series([f"v{i}" for i in range(10)], dtype="string")
    metrics.factorize(series)
    key = id(series.array.__arrow_array__())
    assert key in metrics._FACTORIZED
    del series
    gc.collect()
    assert key not in metrics._FACTORIZED


def test_untimed_rows_are_counted_and_the_summary_says_so():
    import logparse
    from logparse import pricetable, report

    text = ("START RequestId: r1 Version: 9\nREPORT RequestId: r1\tDuration: 58.10 ms\tBilled Duration: 59 ms\t"
            "Memory Size: 1024 MB\tMax Memory Used: 150 MB\n")
    loaded = logparse.load(text.encode(), function="orders-api")
    assert metrics.untimed_rows(loaded) == 1
    result = report.summary(loaded, pricetable.load_prices().lookup())
    assert result["functions"][0]["invocations"] == 1
    assert ("1 rows carry no time: charts need one (counted here, left out of time buckets such as "
            "metrics.csv)") in result["notes"]
