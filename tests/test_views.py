"""logparse.views: what the dashboard shows, checked by hand on a small made-up load.

The load: function ``orders`` with versions 1 and 2 (SnapStart: snapshot inits at publish, then
restores) and function ``legacy`` on ``$LATEST`` (an on-demand init). Every number asserted below
can be recomputed from the rows in :func:`small_tables`.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from logparse import cost, metrics, views
from logparse.tables import INITS, INVOCATIONS, Tables, classify_start, conform, make_rejects

T0 = pd.Timestamp("2026-11-16T10:00:00Z")


def minutes(n: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=n)


def invocation(at: float, function: str, version: str, *, restore_ms: float | None = None,
               billed_restore_ms: float | None = None, init_ms: float | None = None,
               xray_restore_ms: float | None = None, duration_ms: float = 40.0) -> dict:
    return {"timestamp": minutes(at), "function": function, "version": version, "duration_ms": duration_ms,
            "billed_duration_ms": np.ceil(duration_ms) + (billed_restore_ms or 0), "memory_mb": 512,
            "restore_ms": restore_ms, "billed_restore_ms": billed_restore_ms, "init_ms": init_ms,
            "xray_restore_ms": xray_restore_ms, "status": "success", "source": "test", "line": int(at)}


def small_tables() -> Tables:
    rows = [
        invocation(0, "orders", "1", restore_ms=500.0, billed_restore_ms=80.0, xray_restore_ms=480.0),
        invocation(5, "orders", "1"),
        invocation(20, "orders", "1", restore_ms=700.0, billed_restore_ms=120.0),
        invocation(25, "orders", "1"),
        invocation(70, "orders", "2", restore_ms=900.0, billed_restore_ms=100.0, xray_restore_ms=870.0),
        invocation(75, "orders", "2"),
        invocation(30, "legacy", "$LATEST", init_ms=3000.0),
        invocation(35, "legacy", "$LATEST"),
    ]
    inv = conform(pd.DataFrame(rows), INVOCATIONS)
    inv["start_kind"] = classify_start(inv["init_ms"], inv["restore_ms"])
    inits = conform(pd.DataFrame([
        {"timestamp": minutes(-10), "function": "orders", "version": "1", "init_kind": "snapshot",
         "init_ms": 4000.0, "status": "success"},
        {"timestamp": minutes(60), "function": "orders", "version": "2", "init_kind": "snapshot",
         "init_ms": 4200.0, "status": "success"},
        # The same on-demand init as the REPORT's Init Duration: must not be counted twice.
        {"timestamp": minutes(29), "function": "legacy", "version": "$LATEST", "init_kind": "on-demand",
         "init_ms": 3000.0, "status": "success"},
    ]), INITS)
    rejects = make_rejects("broken.log", 3, "REPORT line without a readable Duration", "REPORT RequestId: x")
    return Tables(invocations=inv, inits=inits, rejects=rejects)


@pytest.fixture
def tables() -> Tables:
    return small_tables()


@pytest.fixture(scope="module")
def prices() -> cost.Prices:
    return cost.load_prices().lookup("us-east-1", "x86_64")


def test_versions_sort_like_metrics():
    labels = ["10", "$LATEST", "2", "unknown", "1"]
    assert metrics.sorted_versions(labels) == ["$LATEST", "1", "2", "10", "unknown"]
    by_metrics = [labels[i] for i in metrics.version_rank(pd.Index(labels)).argsort()]
    assert by_metrics == metrics.sorted_versions(labels)


def test_functions_versions_and_time_range(tables):
    assert views.functions(tables) == ["legacy", "orders"]
    assert views.versions(tables) == ["$LATEST", "1", "2"]
    assert views.versions(tables, ["orders"]) == ["1", "2"]
    assert views.series_names(tables) == ["legacy:$LATEST", "orders:1", "orders:2"]
    assert views.time_range(tables) == (minutes(-10), minutes(75))  # the snapshot init comes first
    assert views.time_range(Tables()) is None


def test_architecture_only_when_the_lambda_api_says_one(tables):
    assert views.architecture(tables) is None
    tables.versions = pd.DataFrame({"function": ["orders"] * 2, "version": ["1", "2"],
                                    "architecture": ["arm64", "arm64"]})
    assert views.architecture(tables) == "arm64"
    tables.versions.loc[1, "architecture"] = "x86_64"
    assert views.architecture(tables) is None


def test_select_filters_every_table_and_keeps_rejects(tables):
    picked = views.select(tables, views.Selection(functions=("orders",), versions=("1",)))
    assert len(picked.invocations) == 4 and set(picked.invocations["version"]) == {"1"}
    assert len(picked.inits) == 1
    assert len(picked.rejects) == 1  # rejects describe the whole load

    window = views.select(tables, views.Selection(start=minutes(20), end=minutes(35)))
    assert window.invocations["line"].tolist() == [20, 25, 30, 35]
    assert len(window.inits) == 1  # the on-demand init at minute 29

    assert views.select(tables, views.Selection()).invocations is tables.invocations  # no copy


def test_headline_counts_percentiles_and_costs(tables):
    costs = pd.DataFrame({"cache_cost_usd": [0.25, 0.5], "restore_cost_usd": [0.01, 0.02]})
    head = views.headline(tables, costs)
    assert (head.invocations, head.warm, head.init, head.restore, head.rejected) == (8, 4, 1, 3, 1)
    assert head.share("restore") == pytest.approx(3 / 8)
    assert head.cold_starts == 4
    assert head.restore_ms_p50 == 700.0
    assert head.restore_ms_p99 == pytest.approx(700 + 0.98 * 200)  # linear between 700 and 900
    assert head.billed_restore_s == pytest.approx(0.3)
    assert head.cache_and_restore_cost_usd == pytest.approx(0.78)


def test_headline_of_nothing_is_not_an_error():
    head = views.headline(Tables())
    assert head.invocations == 0 and head.share("warm") is None
    assert head.restore_ms_p50 is None and head.cache_and_restore_cost_usd is None


def test_init_vs_restore_per_version(tables):
    summary = views.init_vs_restore(tables).set_index(["series", "phase"])
    assert summary.loc[("orders:1", "init"), "p50"] == 4000.0  # the snapshot's init
    assert summary.loc[("orders:1", "restore"), "p50"] == 600.0
    assert summary.loc[("orders:2", "restore"), "samples"] == 1
    assert summary.loc[("legacy:$LATEST", "init"), "samples"] == 1  # REPORT and INIT_REPORT: once
    assert summary.index.get_level_values("series").unique().tolist() == ["legacy:$LATEST", "orders:1",
                                                                          "orders:2"]


def test_ecdf_is_small_and_ends_at_one(tables):
    points = views.ecdf(tables)
    restore = points[points["phase"] == "restore"]
    assert restore["duration_ms"].tolist() == [500.0, 700.0, 900.0]
    assert restore["fraction"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    init = points[points["phase"] == "init"]
    assert sorted(init["duration_ms"]) == [3000.0, 4000.0, 4200.0]


def test_ecdf_caps_points_whatever_the_rows():
    many = small_tables()
    values = np.random.default_rng(1).lognormal(6.5, 0.3, 50_000)
    frame = pd.concat([many.invocations] * 1, ignore_index=True).iloc[[0] * len(values)].reset_index(drop=True)
    frame["restore_ms"] = pd.array(values, dtype="Float64")
    many.invocations = frame
    points = views.ecdf(many, max_points=300)
    restore = points[points["phase"] == "restore"]
    assert len(restore) == 300
    assert restore["fraction"].iloc[-1] == 1.0
    assert restore["duration_ms"].iloc[-1] == values.max()
    assert restore["duration_ms"].is_monotonic_increasing


def test_xray_restore_over_time_buckets_traced_restores(tables):
    xray = views.xray_restore_over_time(tables.invocations, "1h")
    assert xray[["series", "traces", "xray_restore_ms_p50"]].values.tolist() == [
        ["orders:1", 1, 480.0], ["orders:2", 1, 870.0]]
    assert xray["bucket_start"].tolist() == [T0, T0 + pd.Timedelta(hours=1)]
    assert views.xray_restore_over_time(Tables().invocations, "1h").empty


def test_long_frames_from_metrics(tables, prices):
    v = views.build(tables, views.Selection(), prices, bucket="1h")
    latency = v.restore_latency
    assert set(latency["statistic"]) == {"p50", "p90", "p99", "max"}
    assert latency["restore_ms"].notna().all()  # buckets without restores are left out
    mix = v.start_mix
    assert set(mix["start_kind"]) == {"warm", "init", "restore"}
    shares = mix.groupby("bucket_start")["share"].sum(min_count=1)
    assert pd.isna(shares.iloc[0])  # 09:00 holds only the snapshot init: no invocation, no share
    assert shares.dropna().tolist() == pytest.approx([1.0, 1.0])
    assert mix["invocations"].sum() == 8
    billed = v.billed_restore.groupby("series")["billed_restore_ms"].sum()
    assert billed.to_dict() == {"orders:1": 200.0, "orders:2": 100.0}


def test_build_prices_the_selection(tables, prices):
    v = views.build(tables, views.Selection(functions=("orders",)), prices)
    assert v.bucket == "1min"  # auto: 85 minutes fit in 1-minute buckets
    assert v.headline.invocations == 6
    assert set(v.costs["charge"]) == {"cache", "restore", "billed restore duration"}
    restore_usd = v.costs.loc[v.costs["charge"] == "restore", "cost_usd"].sum()
    assert restore_usd == pytest.approx(3 * 0.5 * prices.restore_gb)  # 3 restores of 512 MB
    assert v.headline.restore_cost_usd == pytest.approx(restore_usd)
    per_series = v.costs.groupby(["series", "charge"])
    assert per_series["cumulative_cost_usd"].last().tolist() == pytest.approx(per_series["cost_usd"].sum().tolist())
    assert v.cost_per_bucket["cost_usd"].sum() == pytest.approx(v.costs["cost_usd"].sum())
    assert set(v.comparison["option"]) == {"snapstart", "on-demand", "provisioned-concurrency"}
    assert set(v.comparison["series"]) == {"orders:1", "orders:2"}
    assert v.assumptions and all(isinstance(note, str) for note in v.assumptions)


def test_build_on_an_empty_selection(tables, prices):
    nothing = views.build(tables, views.Selection(functions=("no-such-function",)), prices)
    assert nothing.headline.invocations == 0
    for frame in (nothing.restore_latency, nothing.billed_restore, nothing.ecdf, nothing.init_vs_restore,
                  nothing.hooks, nothing.xray_restore):
        assert frame.empty
    assert views.build(Tables(), views.Selection(), prices).headline.invocations == 0


def test_reject_reasons_most_common_first():
    rejects = pd.concat([make_rejects("a.log", 1, "bad REPORT"), make_rejects("b.log", 2, "bad REPORT"),
                         make_rejects("c.gz", None, "cannot read")], ignore_index=True)
    reasons = views.reject_reasons(rejects)
    assert reasons[["reason", "lines", "example_source"]].values.tolist() == [
        ["bad REPORT", 2, "a.log"], ["cannot read", 1, "c.gz"]]
    assert views.reject_reasons(Tables().rejects).empty


def test_csv_bytes_writes_iso_utc_times(tables):
    frame = pd.read_csv(io.BytesIO(views.csv_bytes(tables.invocations.head(2))))
    assert frame["timestamp"].tolist() == ["2026-11-16T10:00:00.000Z", "2026-11-16T10:05:00.000Z"]
    assert list(frame.columns) == list(INVOCATIONS)


def test_csv_downloads_escape_formulas_like_exports() -> None:
    frame = pd.DataFrame({"error_type": pd.array(["=HYPERLINK(1)", "Runtime.ExitError"], dtype="string"),
                          "duration_ms": pd.array([-1.5, 2.0], dtype="Float64")})
    text = views.csv_bytes(frame).decode()
    assert text.splitlines() == ["error_type,duration_ms", "'=HYPERLINK(1),-1.5", "Runtime.ExitError,2.0"]


def test_rows_without_a_time_are_left_out_of_charts_and_counted(tables, prices):
    """A traced restore copied from the console (no time) joins its X-Ray Restore span but has no
    bucket: it used to land in a NaT bucket, drawn at pandas' minimum time (1677). Charts leave
    it out; the count says so, also when a time range leaves it out of the selection."""
    untimed = conform(pd.DataFrame([{**invocation(0, "orders", "1", restore_ms=650.0, billed_restore_ms=90.0,
                                                   xray_restore_ms=630.0), "timestamp": pd.NaT}]), INVOCATIONS)
    loaded = Tables(invocations=pd.concat([tables.invocations, untimed], ignore_index=True), inits=tables.inits,
                    restores=tables.restores)
    built = views.build(loaded, views.Selection(), prices)
    for frame in (built.over_time, built.xray_restore, built.restore_latency, built.costs):
        assert frame["bucket_start"].notna().all() and (frame["bucket_start"] >= T0.floor("D")).all()
    assert built.xray_restore["traces"].sum() == 2  # the timed traced restores (minutes 0 and 70) only
    assert (built.untimed, built.untimed_note) == (1, "1 rows carry no time: charts need one")
    ranged = views.build(loaded, views.Selection(start=minutes(0), end=minutes(30)), prices)
    assert ranged.untimed == 1 and ranged.headline.invocations == len(tables.invocations[
        tables.invocations["timestamp"] <= minutes(30)])
    assert views.build(tables, views.Selection(), prices).untimed_note is None
