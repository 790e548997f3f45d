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

import logparse
from logparse import cost, history, metrics, pricetable, verdicts, views
from logparse.tables import INITS, INVOCATIONS, REJECTS, Tables, classify_start, conform

T0 = pd.Timestamp("2026-11-16T10:00:00Z")



def make_rejects(source: str, line: int | None, reason: str, text: str = "") -> pd.DataFrame:
    """One reject row, as the loader writes it."""
    return conform(pd.DataFrame({"source": [source], "line": [line], "reason": [reason], "text": [text]}), REJECTS)


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
def prices() -> pricetable.Prices:
    return pricetable.load_prices().lookup("us-east-1", "x86_64")


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


# --------------------------------------------------------------------------- issue 14: the SRE's first look


def with_failures(tables: Tables) -> Tables:
    """small_tables with one error (orders:1), one timeout (orders:2) and one failed restore (orders:2)."""
    from dataclasses import replace

    from logparse.tables import RESTORES

    inv = tables.invocations.copy()
    inv.loc[1, "status"] = "error"
    inv.loc[5, "status"] = "timeout"
    restores = conform(pd.DataFrame([
        {"timestamp": minutes(-1), "function": "orders", "version": "1", "restore_ms": 500.0, "status": "success"},
        {"timestamp": minutes(69), "function": "orders", "version": "2", "restore_ms": 900.0, "status": "error"},
    ]), RESTORES)
    return replace(tables, invocations=inv, restores=restores)


def test_version_summary_most_invocations_first_with_failures(tables, prices):
    selected = with_failures(tables)
    costs = views.cost_long(cost.cost_over_time(selected, prices, bucket="1h"))
    summary = views.version_summary(selected, costs)
    assert list(summary.columns) == list(views.SUMMARY_COLUMNS)
    # 4 invocations for orders:1; then the two with 2, in function/version order (stable sort).
    assert summary["series"].tolist() == ["orders:1", "legacy:$LATEST", "orders:2"]
    one = summary.iloc[0]
    assert one["restore_share"] == 0.5  # 2 restores of 4
    assert one["restore_ms_p50"] == 600.0  # halfway between 500 and 700
    assert one["restore_ms_p99"] == pytest.approx(698.0)  # 500 + 0.99 * 200
    assert one["billed_restore_s"] == pytest.approx(0.2)  # 80 + 120 ms
    assert (one["errors"], one["timeouts"], one["failed_restores"]) == (1, 0, 0)
    two = summary.set_index("series").loc["orders:2"]
    assert (two["errors"], two["timeouts"], two["failed_restores"]) == (0, 1, 1)
    # Cache + restore charges, as cost_long gives them, for the version.
    snap = costs[(costs["series"] == "orders:2") & costs["charge"].isin(["cache", "restore"])]["cost_usd"].sum()
    assert two["snapstart_cost_usd"] == pytest.approx(snap)
    assert pd.isna(two["hook_headroom_ms"])  # no traces


def summary_row(version: str, p50: float, restores: int = 20, **counts) -> dict:
    return {"series": f"orders:{version}", "function": "orders", "version": version, "invocations": 100,
            "restore_share": restores / 100, "restore_ms_p50": p50, "restore_ms_p99": p50 * 3,
            "billed_restore_s": 1.0, "errors": 0, "timeouts": 0, "failed_restores": 0,
            "snapstart_cost_usd": 0.1, "hook_headroom_ms": None, **counts}


def test_verdicts_compare_each_version_with_the_previous_one():
    summary = pd.DataFrame([summary_row("8", 400.0), summary_row("9", 540.0, errors=2, failed_restores=1),
                            summary_row("10", 560.0), summary_row("11", 900.0, restores=3)])
    said = views.verdicts(summary, pd.DataFrame())
    by = said.groupby("series")["verdict"].apply(list).to_dict()
    assert by["orders:9"] == ["version 9 restores 35% slower than version 8 (p50 540 ms vs 400 ms)",
                              "2 errors, 1 failed restore in this selection"]
    assert by["orders:10"] == ["version 10 restores like version 9 (p50 560 ms vs 540 ms)"]
    assert "orders:8" not in by  # nothing before it
    assert "orders:11" not in by  # 3 restores: too few to compare


def test_verdicts_from_the_option_comparison(tables, prices):
    comparison = cost.compare_options(tables, prices)
    summary = views.version_summary(tables)
    said = views.verdicts(summary, comparison)
    orders_1 = said[said["series"] == "orders:1"]["verdict"].tolist()
    snap = comparison[(comparison["version"] == "1") & (comparison["option"] == "snapstart")].iloc[0]
    demand = comparison[(comparison["version"] == "1") & (comparison["option"] == "on-demand")].iloc[0]
    expected = ("SnapStart buys latency, not savings here" if snap["total_cost_usd"] > demand["total_cost_usd"]
                else "SnapStart saves")
    assert orders_1[0].startswith(expected)
    assert any(text.startswith("Provisioned Concurrency") for text in orders_1)
    latest = said[said["series"] == "legacy:$LATEST"]["verdict"].tolist()
    assert latest[0].startswith("If published as a version: ")


def test_failures_over_time_counts_per_bucket_and_outcome(tables):
    selected = with_failures(tables)
    failed = metrics.failures(selected.invocations, selected.restores)
    over = metrics.failures_over_time(failed, "1h")
    rows = {(str(r.version), r.outcome): (r.bucket_start, r.count) for r in over.itertuples()}
    assert rows == {("1", "errors"): (T0, 1), ("2", "timeouts"): (T0 + pd.Timedelta(hours=1), 1),
                    ("2", "failed restores"): (T0 + pd.Timedelta(hours=1), 1)}  # RESTORE_REPORT at 11:09


def test_latency_by_start_kind_adds_the_cold_start_to_the_first_request(tables):
    frame = metrics.latency_by_start_kind(tables.invocations, "1h")
    got = {(r.bucket_start, r.start_kind): (r.samples, r.latency_ms_p50) for r in frame.itertuples()}
    hour = pd.Timedelta(hours=1)
    assert got == {
        (T0, "warm"): (3, 40.0), (T0 + hour, "warm"): (1, 40.0),
        (T0, "restore"): (2, 640.0),  # (500 + 40) and (700 + 40)
        (T0 + hour, "restore"): (1, 940.0),
        (T0, "init"): (1, 3040.0),
    }


def test_a_bucket_never_gives_more_than_max_points():
    week = (pd.Timestamp("2026-11-16", tz="UTC"), pd.Timestamp("2026-11-23", tz="UTC"))
    assert metrics.capped_bucket(*week, "1min") == "15min"  # 10,080 and 2,016 points are too many
    assert metrics.capped_bucket(*week, "1h") == "1h"
    assert metrics.capped_bucket(week[0], week[0] + pd.Timedelta(hours=30), "1min") == "1min"


def test_build_widens_a_bucket_that_draws_too_many_points(tables, prices):
    selection = views.Selection(start=T0, end=T0 + pd.Timedelta(days=7))
    built = views.build(tables, selection, prices, bucket="1min")
    assert (built.bucket, built.requested_bucket) == ("15min", "1min")
    assert views.build(tables, views.Selection(), prices, bucket="5min").requested_bucket is None


def test_presets_clamp_to_the_load():
    span = (T0, T0 + pd.Timedelta(hours=10))
    assert views.preset_range(span, "last 1 h") == (T0 + pd.Timedelta(hours=9), span[1])
    assert views.preset_range(span, "last 24 h") == span
    assert views.preset_range(span, "all") == span


def test_appearances_first_sighting_per_version(tables):
    seen = views.appearances(tables).set_index("series")["first_seen"].to_dict()
    assert seen["orders:2"] == minutes(60)  # the snapshot init of its publication
    assert seen["orders:1"] == minutes(-10)


def test_downloads_bill_whole_milliseconds_and_hide_this_machines_paths(tmp_path):
    folder = tmp_path / "exports"
    (folder / "aws").mkdir(parents=True)
    frame = pd.DataFrame({"billed_duration_ms": pd.array([270.0, None], dtype="Float64"),
                          "billed_restore_ms": pd.array([87.0, 1.5], dtype="Float64"),
                          "source": [str(folder / "aws" / "a.log"), "upload.log"]})
    out = views.for_download(frame, [str(folder)])
    assert out["billed_duration_ms"].dtype == "Int64"
    assert out["billed_restore_ms"].dtype == "Float64"  # not whole: left as it is
    assert out["source"].tolist() == ["exports/aws/a.log", "upload.log"]
    assert b"270\n" in views.csv_bytes(out[["billed_duration_ms"]])


def test_empty_states_and_na_costs_say_why(tables):
    from dataclasses import replace

    undated = replace(tables, invocations=tables.invocations.assign(timestamp=pd.NaT))
    assert views.no_data_reason(undated).startswith("These lines carry no time: charts need one.")
    assert views.cost_unavailable(undated) == "these lines carry no time: the cache charge needs one"
    assert views.headline(undated).cache_and_restore_cost_usd is None
    traces_only = Tables(spans=conform(pd.DataFrame([{"trace_id": "1-a", "name": "Restore"}]),
                                       __import__("logparse.tables", fromlist=["SPANS"]).SPANS))
    assert views.no_data_reason(traces_only).startswith("Only X-Ray traces were loaded")
    assert views.no_data_reason(tables) is None and views.cost_unavailable(tables) is None


def test_aws_problems_get_dashboard_hints_without_cli_flags():
    from logparse.aws import AwsError

    for problem in ("no AWS credentials found", "no AWS region configured", "not found (Log group x)",
                    "access denied (AccessDenied: no)", "throttled by AWS (Throttling) after retries",
                    "cannot reach the endpoint (timeout)", "something else"):
        said, hint = views.aws_problem(AwsError("logs:FilterLogEvents", problem, "pass --region or --since"))
        assert said == f"logs:FilterLogEvents: {problem}"
        assert "--" not in said + hint and hint
    assert "Region box" in views.aws_problem(AwsError("lambda client", "no AWS region configured", ""))[1]


def test_xray_console_url():
    assert views.xray_console_url("1-abc", "eu-west-1") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-abc")


def test_two_sort_percentiles_equal_the_lexsort_ones():
    rng = np.random.default_rng(14)
    codes = rng.integers(0, 300, 50_000)
    values = np.round(rng.lognormal(5, 1, 50_000), 1)  # rounded: many ties
    values[::7] = np.nan
    assert np.array_equal(metrics._sorted_group_percentiles(codes, values, 301),
                          metrics.grouped_percentiles(codes, values, 301), equal_nan=True)


def test_latest_has_no_snapstart_cost_and_every_empty_cell_says_why(tables, prices):
    selected = with_failures(tables)
    costs = views.cost_long(cost.cost_over_time(selected, prices, bucket="1h"))
    summary = views.version_summary(selected, costs)
    latest = summary.set_index("series").loc["legacy:$LATEST"]
    assert pd.isna(latest["snapstart_cost_usd"])  # not $0: there is no snapshot to pay for
    reasons = verdicts.missing_reasons(summary)
    by = {(row.series, row.column): row.reason for row in reasons.itertuples()}
    assert by[("legacy:$LATEST", "snapstart_cost_usd")] == verdicts.LATEST_NO_SNAPSHOT
    assert by[("legacy:$LATEST", "restore_ms_p50")] == "$LATEST never restores from a snapshot"
    assert by[("orders:2", "hook_headroom_ms")] == "no X-Ray traces of its restores loaded"
    # One reason per empty cell, none for a filled one.
    assert len(reasons) == int(summary[list(verdicts.MISSING)].isna().sum().sum())
    only_latest = views.select(selected, views.Selection(functions=("legacy",)))
    assert views.cost_unavailable(only_latest) == verdicts.LATEST_NO_SNAPSHOT


def test_history_views_say_why_they_are_empty(tables, prices):
    gate_view = history.regressions(tables, min_restores=1)
    assert list(gate_view.frame["candidate"]) == ["2"] and gate_view.empty_reason is None
    legacy = views.select(tables, views.Selection(functions=("legacy",)))
    assert "no restores from a snapshot" in history.regressions(legacy).empty_reason
    timeline, found = history.runtime_versions(tables)
    # The made-up load names no runtime version.
    assert "Runtime Version" in timeline.empty_reason and found.empty_reason == timeline.empty_reason
    projected = history.projections(legacy, prices)
    assert projected.empty_reason == verdicts.LATEST_NO_SNAPSHOT
    assert pd.isna(projected.frame.set_index("option").loc["snapstart", "projected_cost_usd"])


def test_verdict_on_lines_without_time_says_why_there_is_no_comparison() -> None:
    """A console copy with a restore in it: not "no cold starts observed" (the restore is right
    there), but n/a with the reason: the comparison needs to know when the calls ran."""
    text = ("START RequestId: 8f5e1c2a-0000-4000-8000-000000000001 Version: 3\n"
            "REPORT RequestId: 8f5e1c2a-0000-4000-8000-000000000001\tDuration: 12.50 ms\tBilled Duration: 120 ms\t"
            "Memory Size: 512 MB\tMax Memory Used: 80 MB\tRestore Duration: 300.00 ms\t"
            "Billed Restore Duration: 107 ms\t\n")
    tables = logparse.load(text.encode(), function="f")
    built = views.build(tables, views.Selection(), pricetable.load_prices().lookup())
    said = " ".join(built.verdicts["verdict"])
    assert "no cold starts observed" not in said
    assert "SnapStart vs on-demand: n/a (its invocations carry no time" in said
