"""cost: the price table, version lifetimes, cost per version / bucket and the option comparison.

The published SnapStart examples are reproduced exactly; the comparison is checked against a
case computed by hand (the arithmetic is in the comments) with round prices.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logparse import cost, lifetimes, pricetable
from logparse.tables import INITS, INVOCATIONS, RESTORES, Tables, conform

T0 = pd.Timestamp("2026-03-01T09:00:00Z")
US_EAST_1 = pricetable.load_prices().lookup()

# Round prices for hand computation: cache 1e-6/GB-s, restore 1e-4/GB, duration 1e-5/GB-s,
# request 2e-7, PC 4e-6/GB-s provisioned and 6e-6/GB-s of duration.
ROUND = replace(US_EAST_1, cache_gb_s=1e-6, restore_gb=1e-4, duration_gb_s=1e-5, request=2e-7,
                pc_gb_s=4e-6, pc_duration_gb_s=6e-6, source="test")


def at(seconds: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(seconds=seconds)


def report(ts, kind="warm", duration=10.0, billed=None, memory=1024, restore=None, billed_restore=None,
           init=None, function="api", version="7") -> dict:
    return {"timestamp": ts, "function": function, "version": version, "start_kind": kind,
            "duration_ms": duration, "billed_duration_ms": billed if billed is not None else np.ceil(duration),
            "memory_mb": memory, "restore_ms": restore, "billed_restore_ms": billed_restore, "init_ms": init}


def tables(reports=(), inits=(), restores=(), versions=None) -> Tables:
    out = Tables(
        invocations=conform(pd.DataFrame(list(reports), columns=list(report(T0))), INVOCATIONS),
        inits=conform(pd.DataFrame(list(inits), columns=["timestamp", "function", "version", "init_kind",
                                                         "init_ms"]), INITS),
        restores=conform(pd.DataFrame(list(restores), columns=["timestamp", "function", "version"]), RESTORES),
    )
    if versions is not None:
        out.versions = versions
    return out


def snapshot(ts, init_ms=3000.0, function="api", version="7") -> dict:
    """The INIT_REPORT of a SnapStart version's snapshot creation at publish time."""
    return {"timestamp": ts, "function": function, "version": version, "init_kind": "snapshot", "init_ms": init_ms}


# --------------------------------------------------------------------------- the published examples


def test_one_gb_cached_for_30_days_costs_3_90():
    # $0.0000015046 x 86,400 s x 30 days x 1 GB = $3.8999232 -> $3.90
    data = tables(inits=[snapshot(T0)], reports=[report(T0 + pd.Timedelta(days=30), memory=1024)])
    row = cost.cost_by_version(data, US_EAST_1).iloc[0]
    assert row["cached_seconds"] == 30 * 86400
    assert row["cache_cost_usd"] == pytest.approx(3.8999232)
    assert round(row["cache_cost_usd"], 2) == 3.90


def test_ten_thousand_restores_of_one_gb_cost_1_40():
    # $0.0001397998 x 10,000 restores x 1 GB = $1.397998 -> $1.40
    reports = [report(at(i), kind="restore", restore=300.0, billed_restore=0.0) for i in range(10_000)]
    row = cost.cost_by_version(tables(reports), US_EAST_1).iloc[0]
    assert row["restores"] == 10_000
    assert row["restore_cost_usd"] == pytest.approx(1.397998)
    assert round(row["restore_cost_usd"], 2) == 1.40


def test_a_version_living_ten_minutes_is_charged_three_hours_of_cache():
    data = tables(inits=[snapshot(T0)], reports=[report(at(600), kind="restore", restore=500.0, billed_restore=1.0)])
    life = lifetimes.version_lifetimes(data).iloc[0]
    assert life["first_seen"] == T0 and life["last_seen"] == at(600)
    assert life["cached_seconds"] == 3 * 3600
    assert life["cached_until"] == T0 + pd.Timedelta(hours=3)
    row = cost.cost_by_version(data, US_EAST_1).iloc[0]
    assert row["cache_cost_usd"] == pytest.approx(1.0 * 10_800 * 0.0000015046)


# --------------------------------------------------------------------------- prices


def test_price_table_rows_have_source_and_date_for_both_architectures():
    table = pricetable.load_prices()
    frame = table.frame
    assert {("us-east-1", "x86_64"), ("us-east-1", "arm64")} <= set(zip(frame["region"], frame["arch"], strict=True))
    assert (frame["source"].str.len() > 20).all() and frame["date"].str.match(r"\d{4}-\d{2}-\d{2}$").all()
    x86 = table.lookup("us-east-1", "x86_64")
    assert (x86.cache_gb_s, x86.restore_gb, x86.duration_gb_s, x86.request) == (
        0.0000015046, 0.0001397998, 0.0000166667, 0.0000002)
    assert (x86.pc_gb_s, x86.pc_duration_gb_s) == (0.0000041667, 0.0000097222)
    assert table.lookup("us-east-1", "arm64").duration_gb_s == 0.0000133334
    assert not x86.fallback and not x86.region_assumed


def test_default_lookup_is_us_east_1_x86_and_says_it_was_assumed():
    prices = pricetable.load_prices().lookup()
    assert (prices.region, prices.arch) == ("us-east-1", "x86_64")
    assert prices.region_assumed and prices.arch_assumed
    assert any("assumed" in note for note in prices.notes())


def test_notes_say_only_what_was_assumed():
    """A region given with the architecture left out: the region was not assumed, and a note
    claiming it was would make a reader doubt the one figure they set."""
    table = pricetable.load_prices()
    region_given = [note for note in table.lookup("us-east-1").notes() if "assumed" in note]
    assert region_given == ["architecture x86_64 assumed: the logs do not say which"]
    arch_given = [note for note in table.lookup(None, "arm64").notes() if "assumed" in note]
    assert arch_given == ["region us-east-1 assumed: the logs do not say which"]
    both = [note for note in table.lookup().notes() if "assumed" in note]
    assert both == ["region us-east-1 and architecture x86_64 assumed: the logs do not say which"]
    assert not [note for note in table.lookup("us-east-1", "x86_64").notes() if "assumed" in note]


def test_unknown_region_is_a_usage_error_naming_the_known_regions():
    with pytest.raises(pricetable.UnknownRegion, match=r"'mars-north-1'.*known regions: us-east-1") as info:
        pricetable.load_prices().lookup("mars-north-1")
    assert info.value.exit_code == 2 and "prices --update" in info.value.hint()
    with pytest.raises(pricetable.UnknownRegion, match="known regions"):
        pricetable.load_prices().listing("mars-north-1")


def test_a_region_from_the_environment_falls_back_to_us_east_1_flagged():
    with pytest.warns(UserWarning, match="mars-north-1.*us-east-1"):
        prices = pricetable.load_prices().lookup("mars-north-1", fallback=True)
    assert prices.fallback and prices.requested_region == "mars-north-1" and prices.region == "us-east-1"
    assert prices.cache_gb_s > 0
    assert any("mars-north-1" in note for note in prices.notes())


def test_listing_filters_by_region_and_arch():
    table = pricetable.load_prices()
    assert len(table.listing()) == len(table.frame)
    arm = table.listing(arch="arm64")
    assert set(arm["arch"]) == {"arm64"} and len(arm) == len(table.frame) // 2
    one = table.listing("us-east-1", "x86_64")
    assert one[["region", "arch"]].values.tolist() == [["us-east-1", "x86_64"]]
    assert one["duration_tiers"].iloc[0].startswith("first tier only")  # the bundled table has none


def test_known_regions_lists_regions_with_their_architectures():
    assert pricetable.known_regions() == {"us-east-1": ["arm64", "x86_64"]}


def test_unknown_architecture_is_an_error():
    with pytest.raises(pricetable.PriceError, match="architecture"):
        pricetable.load_prices().lookup("us-east-1", "sparc")


def test_user_price_file_adds_and_overrides_rows(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "# my negotiated prices\n"
        "region,arch,cache_gb_s,restore_gb,duration_gb_s,request,pc_gb_s,pc_duration_gb_s,source,date\n"
        "eu-west-9,x86_64,0.000002,0.0002,0.00002,0.0000003,0.000005,0.00001,my contract,2026-01-01\n"
        "us-east-1,x86_64,0.000001,0.0001,0.00001,0.0000002,0.000004,0.000009,my contract,2026-01-01\n"
    )
    table = pricetable.load_prices(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert table.lookup("eu-west-9").restore_gb == 0.0002
    assert table.lookup("us-east-1").cache_gb_s == 0.000001
    assert table.lookup("us-east-1", "arm64").source == US_EAST_1_ARM.source  # untouched packaged row


US_EAST_1_ARM = pricetable.load_prices().lookup("us-east-1", "arm64")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("region,arch\nus-east-1,x86_64\n", "missing column"),
        ("region,arch,cache_gb_s,restore_gb,duration_gb_s,request,pc_gb_s,pc_duration_gb_s,source,date\n"
         "us-east-1,x86_64,cheap,0.1,0.1,0.1,0.1,0.1,s,d\n", "cache_gb_s of row 1"),
        ("region,arch,cache_gb_s,restore_gb,duration_gb_s,request,pc_gb_s,pc_duration_gb_s,source,date\n"
         "us-east-1,x86_64,1,1,1,1,1,1,s,d\nus-east-1,x86_64,1,1,1,1,1,1,s,d\n", "twice"),
    ],
)
def test_bad_price_files_are_clear_errors(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(pricetable.PriceError, match=match) as info:
        pricetable.load_prices(path)
    assert info.value.exit_code == 1 and "region, arch" in info.value.hint()


def test_user_price_file_without_source_is_its_own_source(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("region,arch,cache_gb_s,restore_gb,duration_gb_s,request,pc_gb_s,pc_duration_gb_s\n"
                    "eu-west-9,arm64,1e-6,1e-4,1e-5,2e-7,4e-6,6e-6\n")
    prices = pricetable.load_prices(path).lookup("eu-west-9", "arm64")
    assert prices.source == f"price file {path}" and prices.date == "unknown" and prices.cache_gb_s == 1e-6


def test_missing_price_file_is_a_price_error(tmp_path):
    with pytest.raises(pricetable.PriceError, match="cannot read"):
        pricetable.load_prices(tmp_path / "nope.csv")


def test_overrides_replace_prices_and_say_so():
    prices = US_EAST_1.with_overrides(cache_gb_s=0.000002)
    assert prices.cache_gb_s == 0.000002 and prices.restore_gb == US_EAST_1.restore_gb
    assert prices.source.startswith("user override")
    with pytest.raises(pricetable.PriceError):
        US_EAST_1.with_overrides(cheapness=1.0)


# --------------------------------------------------------------------------- lifetimes


def test_latest_never_has_a_snapshot():
    data = tables(inits=[snapshot(T0, version="$LATEST")],
                  reports=[report(at(5), version="$LATEST", kind="init", init=900.0)])
    life = lifetimes.version_lifetimes(data).iloc[0]
    assert not life["snapstart"] and life["cached_seconds"] == 0 and pd.isna(life["cached_from"])
    assert cost.cost_by_version(data, US_EAST_1).iloc[0]["cache_cost_usd"] == 0.0


def test_snapstart_evidence_restores_snapshot_or_restore_lines():
    data = tables(
        reports=[report(at(0), version="1", kind="restore", restore=400.0, billed_restore=10.0),
                 report(at(0), version="2"), report(at(0), version="3"), report(at(0), version="4")],
        inits=[snapshot(at(-60), version="2")],
        restores=[{"timestamp": at(0), "function": "api", "version": "3"}],
    )
    life = lifetimes.version_lifetimes(data).set_index("version")
    assert life["snapstart"].to_dict() == {"1": True, "2": True, "3": True, "4": False}
    assert (life["basis"] == "logs").all()


def test_published_but_never_invoked_version_is_still_charged_cache():
    data = tables(inits=[snapshot(T0, version="9")], reports=[report(at(1), version="8")])
    life = lifetimes.version_lifetimes(data).set_index("version")
    assert life.loc["9", "snapstart"] and life.loc["9", "cached_seconds"] == 10_800
    # Its memory is unknown from its own lines: the function's memory stands in.
    assert life.loc["9", "memory_mb"] == 1024


def test_lambda_api_creation_time_is_the_cache_start():
    versions = pd.DataFrame({"function": ["api", "api"], "version": ["7", "6"], "memory_mb": [2048, 512],
                             "architecture": ["arm64", "arm64"], "snapstart": [True, True],
                             "created": [T0 - pd.Timedelta(days=2), T0 - pd.Timedelta(days=10)]})
    data = tables(reports=[report(at(0)), report(at(3600), kind="restore", restore=400.0, billed_restore=5.0)])
    life = lifetimes.version_lifetimes(data, versions).set_index("version")
    seven = life.loc["7"]
    assert seven["basis"] == "lambda api" and seven["cached_from"] == T0 - pd.Timedelta(days=2)
    assert seven["cached_until"] == at(3600)  # still existed at the end of the data
    assert seven["cached_seconds"] == 2 * 86400 + 3600
    assert seven["memory_mb"] == 2048 and seven["architecture"] == "arm64"
    # Version 6 never appears in the logs but is cached all the same.
    assert life.loc["6", "cached_seconds"] == 10 * 86400 + 3600
    # tables.versions is used when no versions argument is given.
    data.versions = versions
    assert lifetimes.version_lifetimes(data).set_index("version").loc["7", "basis"] == "lambda api"
    until = lifetimes.version_lifetimes(data, until=at(7200)).set_index("version").loc["7", "cached_until"]
    assert until == at(7200)


# --------------------------------------------------------------------------- cost by version / over time


def golden() -> Tables:
    """Function api, version 7, 2048 MB (2 GB), SnapStart; snapshot INIT_REPORT of 3000 ms at 09:00.

    r1 restore, REPORT 10:00:01.000: duration 100, restore 400, billed restore 50, billed 150
    w1 warm,    REPORT 10:00:02.000: duration 200, billed 200
    r2 restore, REPORT 10:00:02.050: duration 100, restore 600, billed restore 60, billed 160
    w2 warm,    REPORT 10:30:00.000: duration 100, billed 100
    """
    two_gb = 2048
    return tables(
        inits=[snapshot(T0, init_ms=3000.0)],
        reports=[
            report(at(3601), "restore", 100.0, 150.0, two_gb, restore=400.0, billed_restore=50.0),
            report(at(3602), "warm", 200.0, 200.0, two_gb),
            report(at(3602.05), "restore", 100.0, 160.0, two_gb, restore=600.0, billed_restore=60.0),
            report(at(5400), "warm", 100.0, 100.0, two_gb),
        ],
    )


def test_cost_by_version_golden():
    # Lifetime 09:00 -> 10:30 = 1.5 h, charged the 3-hour minimum: 10,800 s.
    # cache    = 2 GB x 10,800 s x 1e-6             = 0.0216
    # restore  = 2 restores x 2 GB x 1e-4           = 0.0004
    # duration = (150+200+160+100) ms = 0.61 s x 2 GB x 1e-5 = 0.0000122
    #   of which billed restore = (50+60) ms = 0.11 s x 2 GB x 1e-5 = 0.0000022 (not added again)
    # request  = 4 x 2e-7                           = 0.0000008
    # total    = 0.0216 + 0.0004 + 0.0000122 + 0.0000008 = 0.022013
    row = cost.cost_by_version(golden(), ROUND).iloc[0]
    assert (row["invocations"], row["restores"], row["memory_mb"], row["cached_seconds"]) == (4, 2, 2048, 10_800)
    assert row["cache_cost_usd"] == pytest.approx(0.0216)
    assert row["restore_cost_usd"] == pytest.approx(0.0004)
    assert row["duration_cost_usd"] == pytest.approx(0.0000122)
    assert row["billed_restore_cost_usd"] == pytest.approx(0.0000022)
    assert row["request_cost_usd"] == pytest.approx(0.0000008)
    assert row["total_cost_usd"] == pytest.approx(0.022013)
    assert "3-hour minimum" in row["assumptions"] and "assumed" in row["assumptions"]


def test_billed_restore_is_never_added_twice():
    frame = cost.cost_by_version(golden(), US_EAST_1)
    parts = frame[["cache_cost_usd", "restore_cost_usd", "duration_cost_usd", "request_cost_usd"]].sum(axis=1)
    np.testing.assert_allclose(frame["total_cost_usd"].astype(float), parts.astype(float))
    assert any("not added to the total again" in note for note in frame.attrs["assumptions"])


def test_cost_over_time_spreads_cache_and_adds_up_to_cost_by_version():
    over = cost.cost_over_time(golden(), ROUND, bucket="1h")
    # Cache window 09:00 -> 12:00 (3-hour minimum): three hourly buckets, 2 GB x 3600 s x 1e-6 each.
    assert list(over["bucket_start"]) == [T0, at(3600), at(7200)]
    assert list(over["cache_cost_usd"]) == pytest.approx([0.0072] * 3)
    # All four invocations land in the 10:00 bucket.
    assert list(over["request_cost_usd"]) == pytest.approx([0.0, 0.0000008, 0.0])
    assert list(over["restore_cost_usd"]) == pytest.approx([0.0, 0.0004, 0.0])
    assert list(over["cumulative_total_cost_usd"]) == pytest.approx([0.0072, 0.0148130, 0.022013])
    by_version = cost.cost_by_version(golden(), ROUND).iloc[0]
    for part in ("cache", "restore", "billed_restore", "duration", "request", "total"):
        assert over[f"{part}_cost_usd"].sum() == pytest.approx(by_version[f"{part}_cost_usd"])
        assert over[f"cumulative_{part}_cost_usd"].iloc[-1] == pytest.approx(by_version[f"{part}_cost_usd"])


def test_cost_over_time_auto_bucket_and_many_versions():
    data = tables(
        inits=[snapshot(T0, version="1"), snapshot(T0 + pd.Timedelta(days=10), version="2")],
        reports=[report(T0 + pd.Timedelta(days=d), version="1" if d < 10 else "2", kind="restore",
                        restore=300.0, billed_restore=3.0) for d in range(0, 30, 2)],
    )
    over = cost.cost_over_time(data, US_EAST_1)
    one = over[over["version"] == "1"]
    assert one["bucket_start"].diff().dropna().eq(pd.Timedelta("6h")).all()
    assert len(one) == len(over) // 2  # every version has every bucket of the range
    totals = over.groupby("version")["total_cost_usd"].sum()
    expected = cost.cost_by_version(data, US_EAST_1).set_index("version")["total_cost_usd"]
    np.testing.assert_allclose(totals.astype(float), expected.loc[totals.index].astype(float))


def test_costs_of_no_data_are_empty():
    assert cost.cost_by_version(tables(), US_EAST_1).empty
    assert cost.cost_over_time(tables(), US_EAST_1).empty
    assert cost.compare_options(tables(), US_EAST_1).empty


# --------------------------------------------------------------------------- options


def test_peak_concurrency_counts_overlaps_not_touching_calls():
    # Runs [0, 10] ms, [5, 15] ms, [10, 20] ms: the first and last only touch at 10 ms; peak 2.
    data = tables(reports=[report(at(0.010), duration=10.0), report(at(0.015), duration=10.0),
                           report(at(0.020), duration=10.0), report(at(0.015), duration=1.0, version="8")])
    peaks = cost.peak_concurrency(data.invocations).set_index("version")["pc_concurrency"]
    assert peaks.to_dict() == {"7": 2, "8": 1}


def test_compare_options_golden():
    # Same traffic as golden(), three ways (round prices; cold starts = 2; no on-demand init seen,
    # so on-demand uses the snapshot INIT_REPORT: 3000 ms):
    # snapstart: as cost_by_version: 0.022013. Cold-start latency restore+duration: 500, 700 ms
    #            -> p50 = 600, p99 = 500 + 0.99 x 200 = 698.
    # on-demand: cold starts billed ceil(100 + 3000) = 3100 ms each (init billed since 2025-08-01);
    #            6200 + 200 + 100 = 6500 ms = 6.5 s x 2 GB x 1e-5 = 0.00013, + requests 0.0000008
    #            = 0.0001308. Latency 3000 + 100 = 3100 for both.
    # provisioned-concurrency: peak 2 (w1 runs 01.800-02.000, r2 runs 01.950-02.050). Window: r1
    #            start 10:00:00.900 to 10:30:00.000 = 29 min 59.1 s -> 30 min = 1800 s.
    #            provisioned = 2 x 2 GB x 1800 s x 4e-6 = 0.0288; duration without restore:
    #            100+200+100+100 = 500 ms = 0.5 s x 2 GB x 6e-6 = 0.000006; + 0.0000008
    #            = 0.0288068. No cold starts.
    table = cost.compare_options(golden(), ROUND).set_index("option")
    assert list(table.index) == ["snapstart", "on-demand", "provisioned-concurrency"]
    assert table["total_cost_usd"].astype(float).to_list() == pytest.approx([0.022013, 0.0001308, 0.0288068])
    assert table["cold_starts"].to_list() == [2, 2, 0]
    assert table["cold_start_p50_ms"].to_list() == pytest.approx([600.0, 3100.0, 0.0])
    assert table["cold_start_p99_ms"].to_list() == pytest.approx([698.0, 3100.0, 0.0])
    assert table["pc_concurrency"].to_list() == [2, 2, 2]
    assert table["cheapest"].to_list() == [False, True, False]
    assert table.loc["provisioned-concurrency", "provisioned_cost_usd"] == pytest.approx(0.0288)
    # Break-even. SnapStart vs on-demand: per cold start, SnapStart costs (150 or 160 ms x 2 GB x 1e-5
    # + 2 GB x 1e-4) = 0.000203 / 0.0002032 against on-demand's 3100 ms x 2 GB x 1e-5 = 0.000062:
    # a restore is dearer than this init, so SnapStart never wins on cost: <NA>.
    # PC vs SnapStart (the current option), as fixed USD/hour + USD/invocation:
    #   SnapStart: cache 2 GB x 3600 x 1e-6 = 0.0072/h; (0.022013 - 0.0216 - 0.0000008) / 4 = 0.00010305 each
    #   PC:        2 x 2 GB x 3600 x 4e-6 = 0.0576/h;   0.000006 / 4 = 0.0000015 each
    #   break-even = (0.0576 - 0.0072) / (0.00010305 - 0.0000015) = 496.307 invocations/hour;
    #   observed 4 invocations in 0.5 h = 8/hour.
    row = table.iloc[0]
    assert pd.isna(row["snapstart_break_even_cold_starts"])
    assert row["pc_break_even_invocations_per_hour"] == pytest.approx(496.30723781)
    assert row["observed_invocations_per_hour"] == pytest.approx(8.0)
    assert "never costs less than on-demand" in row["note"] and "above 496 invocations/hour" in row["note"]


def test_break_even_where_snapstart_pays_for_itself():
    # 1 GB, snapshot init 30,000 ms at 09:00, one restore at 10:00 (duration 100, billed restore 0).
    # Per cold start: SnapStart 100 ms x 1 GB x 1e-5 + 1 GB x 1e-4 = 0.000101
    #                 on-demand ceil(100 + 30000) = 30100 ms x 1 GB x 1e-5 = 0.000301
    #                 -> a restore saves 0.0002
    # Fixed: cache 1 GB x 10,800 s (3-hour minimum) x 1e-6 = 0.0108 -> break-even 0.0108 / 0.0002 = 54.
    data = tables(inits=[snapshot(T0, init_ms=30_000.0)],
                  reports=[report(at(3600), "restore", 100.0, 100.0, 1024, restore=300.0, billed_restore=0.0)])
    row = cost.break_even(data, ROUND).iloc[0]
    assert row["observed_cold_starts"] == 1
    assert row["snapstart_break_even_cold_starts"] == pytest.approx(54.0)
    assert "above 54 cold starts" in row["note"]


def test_on_demand_init_before_august_2025_was_not_billed():
    # Same restore as above but in July 2025: on-demand would have billed ceil(100) = 100 ms only.
    when = pd.Timestamp("2025-07-01T10:00:00Z")
    data = tables(inits=[snapshot(when - pd.Timedelta(hours=1), init_ms=30_000.0)],
                  reports=[report(when, "restore", 100.0, 100.0, 1024, restore=300.0, billed_restore=0.0)])
    table = cost.compare_options(data, ROUND).set_index("option")
    # 0.1 s x 1 GB x 1e-5 + 2e-7 = 0.0000012
    assert table.loc["on-demand", "total_cost_usd"] == pytest.approx(0.0000012)
    assert pd.isna(table.loc["snapstart", "snapstart_break_even_cold_starts"])


def test_observed_on_demand_inits_are_preferred_and_unknowns_stay_missing():
    # Function "batch" runs $LATEST on demand: init 2000 ms observed; no restore ever seen, so the
    # SnapStart estimate has no restore duration to go on: <NA>, never a made-up zero.
    data = tables(reports=[report(at(10), "init", 50.0, 2050.0, 1024, init=2000.0, function="batch",
                                  version="$LATEST")])
    table = cost.compare_options(data, ROUND).set_index("option")
    assert table.loc["on-demand", "cold_start_p50_ms"] == 2050.0
    assert table.loc["on-demand", "total_cost_usd"] == pytest.approx(2.05 * 1e-5 + 2e-7)
    assert pd.isna(table.loc["snapstart", "total_cost_usd"])
    assert pd.isna(table.loc["snapstart", "cold_start_p50_ms"])
    assert table["cheapest"].to_list() == [False, True, False]
    assert "cannot compare SnapStart with on-demand: no restore duration" in table.loc["snapstart", "note"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50), st.integers(0, 20)), max_size=40))
def test_peak_concurrency_matches_brute_force(calls):
    # Each call: (version, start ms, duration ms). Brute force: at every start instant, count the
    # calls of the version running then (start <= t < end; a zero-length call runs at its start
    # instant), the peak of those counts.
    codes = np.array([c for c, _, _ in calls], dtype=np.int64)
    start = np.array([s for _, s, _ in calls], dtype=np.int64) * 1_000_000
    end = start + np.array([d for _, _, d in calls], dtype=np.int64) * 1_000_000
    got = cost._peak(codes, start, end, 4)
    for version in range(4):
        mine = [(s, e) for c, s, e in zip(codes, start, end, strict=True) if c == version]
        expected = max((sum(1 for s, e in mine if s <= t < e or s == t == e) for t, _ in mine), default=0)
        assert got[version] == expected, (version, mine)


def test_on_demand_without_any_init_duration_stays_missing():
    # A SnapStart version whose snapshot INIT_REPORT is not in the logs, and no on-demand init
    # anywhere for the function: nothing to price an on-demand cold start with.
    data = tables(reports=[report(at(1), "restore", 100.0, 150.0, 1024, restore=400.0, billed_restore=50.0)])
    table = cost.compare_options(data, ROUND).set_index("option")
    assert pd.isna(table.loc["on-demand", "total_cost_usd"]) and pd.isna(table.loc["on-demand", "cold_start_p50_ms"])
    # An unknown total is never "cheapest". Here PC is: 1 x 1 GB x 300 s (5-minute minimum) x 4e-6
    # = 0.0012 + duration, against SnapStart's 3-hour cache 1 GB x 10,800 s x 1e-6 = 0.0108 + ...
    assert table["cheapest"].to_list() == [False, False, True]
    assert "no init (or snapshot INIT_REPORT) duration" in table.loc["snapstart", "note"]


# --------------------------------------------------------------------------- a time window


def test_a_time_window_charges_cache_only_for_its_seconds_and_restores_inside_it():
    """--since/--until or the dashboard's range: each version's cache window comes from its whole
    life (3-hour minimum included), then only the part inside the range is charged. ROUND prices:
    cache 1e-6 per GB-second, restore 1e-4 per GB.

    - version 7 (1 GB): snapshot at 09:00, restores at 10:00 and 13:00, seen until 19:00: cached
      09:00-19:00; in the window 12:00-14:00: 7,200 s = $0.0072, and one restore (13:00) = $0.0001.
    - version 8 (2 GB): one restore at 13:30, cached 13:30-16:30 (3-hour minimum); in the window:
      1,800 s x 2 GB = $0.0036 and one restore x 2 GB = $0.0002.
    - version 6 (1 GB): one restore at 08:00, cached 08:00-11:00: nothing in the window, no row.
    Before the fix a window charged version 7 the 3-hour minimum over its single sighting in the
    window (10,800 s) and version 8 10,800 s as well.
    """
    hour = pd.Timedelta(hours=1)
    data = tables(
        inits=[snapshot(T0)],
        reports=[report(T0 + hour, kind="restore", restore=400.0, billed_restore=10.0),
                 report(T0 + 4 * hour, kind="restore", restore=400.0, billed_restore=10.0),
                 report(T0 + 10 * hour),
                 report(T0 + 4.5 * hour, kind="restore", restore=400.0, billed_restore=10.0, version="8",
                        memory=2048),
                 report(T0 - hour, kind="restore", restore=400.0, billed_restore=10.0, version="6")])
    from logparse.tables import select

    window = select(data, since=T0 + 3 * hour, until=T0 + 5 * hour)
    assert (window.window.since, window.window.until) == (T0 + 3 * hour, T0 + 5 * hour)
    rows = cost.cost_by_version(window, ROUND).set_index("version")
    assert list(rows.index) == ["7", "8"]
    assert rows["cached_seconds"].tolist() == [7200.0, 1800.0]
    assert rows["cache_cost_usd"].tolist() == pytest.approx([0.0072, 0.0036])
    assert rows["restores"].tolist() == [1, 1]
    assert rows["restore_cost_usd"].tolist() == pytest.approx([0.0001, 0.0002])
    # The buckets of the window add up to the same, and none lies outside it.
    over_time = cost.cost_over_time(window, ROUND, bucket="1h")
    assert over_time["bucket_start"].min() == T0 + 3 * hour and over_time["bucket_start"].max() == T0 + 4 * hour
    assert over_time["cache_cost_usd"].sum() == pytest.approx(0.0108)
    # A selection of a selection keeps both cuts: the range, then version 8 only.
    narrower = select(window, versions=["8"], since=T0 + 4 * hour)
    assert (narrower.window.since, narrower.window.until, narrower.window.versions) == (
        T0 + 4 * hour, T0 + 5 * hour, ("8",))
    assert cost.cost_by_version(narrower, ROUND)["cached_seconds"].tolist() == [1800.0]
    # Without a window, nothing changes: the whole life, as before.
    whole = cost.cost_by_version(data, ROUND).set_index("version")
    assert whole["cached_seconds"].tolist() == [3 * 3600.0, 10 * 3600.0, 3 * 3600.0]


def test_sample_two_hour_window_charges_two_hours_of_cache():
    """sample_logs, 2026-11-20 12:00-14:00Z: image-resizer:4, orders-api:9 and payment-webhook:6
    are cached throughout (their lives run for days): 2 h each, not the 3-hour minimum each was
    charged before. 2 GB, 1 GB, 0.25 GB x 7,200 s x $0.0000015046."""
    import logparse
    from logparse.tables import select

    loaded = logparse.load(Path(__file__).parent.parent / "sample_logs")
    window = select(loaded, since=pd.Timestamp("2026-11-20T12:00Z"), until=pd.Timestamp("2026-11-20T14:00Z"))
    rows = cost.cost_by_version(window, US_EAST_1)
    cached = rows[rows["snapstart"]].set_index(["function", "version"])
    assert list(cached.index) == [("image-resizer", "4"), ("orders-api", "9"), ("payment-webhook", "6")]
    assert (cached["cached_seconds"] == 7200.0).all()
    assert cached["cache_cost_usd"].tolist() == pytest.approx([0.02166624, 0.01083312, 0.00270828])
    # The dashboard's range (inclusive end) charges the same.
    from logparse import views

    selection = views.Selection(start=pd.Timestamp("2026-11-20T12:00Z"), end=pd.Timestamp("2026-11-20T14:00Z"))
    headline = views.build(loaded, selection, US_EAST_1, bucket="1h").headline
    assert headline.cache_cost_usd == pytest.approx(0.02166624 + 0.01083312 + 0.00270828)


UNTIMED = (  # a console copy: no timestamps, one restore and one warm call of version 3
    "START RequestId: 8f5e1c2a-0000-4000-8000-000000000001 Version: 3\n"
    "REPORT RequestId: 8f5e1c2a-0000-4000-8000-000000000001\tDuration: 12.50 ms\tBilled Duration: 120 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 80 MB\tRestore Duration: 300.00 ms\tBilled Restore Duration: 107 ms\t\n"
    "START RequestId: 8f5e1c2a-0000-4000-8000-000000000002 Version: 3\n"
    "REPORT RequestId: 8f5e1c2a-0000-4000-8000-000000000002\tDuration: 10.00 ms\tBilled Duration: 10 ms\t"
    "Memory Size: 512 MB\tMax Memory Used: 80 MB\t\n"
)


def test_lines_without_time_give_no_cost_they_cannot_stand_behind():
    """Without timestamps nobody can say how long the version was cached, nor how many calls ran at
    once: the cache cost, the total and every option's cost are NA with a note saying why; no
    option is "cheapest" (three ties at $0 said all three were). Charges that need no time (restore,
    duration, requests) are still given."""
    import logparse

    tables = logparse.load(UNTIMED.encode(), function="f")
    prices = pricetable.load_prices().lookup("us-east-1", "x86_64")
    by_version = cost.cost_by_version(tables, prices).iloc[0]
    assert pd.isna(by_version["cached_seconds"]) and pd.isna(by_version["cache_cost_usd"])
    assert pd.isna(by_version["total_cost_usd"])
    # 0.5 GB x 0.130 s x $0.0000166667 + 2 x $0.0000002, by hand
    assert by_version["duration_cost_usd"] + by_version["request_cost_usd"] == pytest.approx(
        0.5 * 0.130 * 0.0000166667 + 2 * 0.0000002)
    options = cost.compare_options(tables, prices)
    assert options["total_cost_usd"].isna().all() and not options["cheapest"].any()
    assert all("carry no time" in note for note in options["note"])
