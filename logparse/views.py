"""Dashboard-sized views of Tables: selections, headline numbers, distributions, long frames.

``dashboard.py`` draws; this module computes. Every function here takes Tables or the small
aggregate frames of :mod:`logparse.metrics` / :mod:`logparse.cost` and returns small frames (a few
thousand rows at most), so a chart never receives a million points and the same numbers can be
checked in a unit test without a browser.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from logparse import cost, metrics, xray
from logparse.tables import START_KINDS, Tables
from logparse.tables import select as tables_select

# Percentile columns of metrics.over_time, in the order a legend should list them.
STATISTICS = metrics.STATS
# Bucket sizes offered next to "auto" (pandas offset aliases, as metrics.over_time takes them).
BUCKETS = metrics.BUCKETS
# Cost components of cost.cost_over_time, named the way a bill names them.
CHARGES = {
    "cache_cost_usd": "cache",
    "restore_cost_usd": "restore",
    "billed_restore_cost_usd": "billed restore duration",
}
# An init a user never waited for: SnapStart runs the init phase once when a version is
# published, to take the snapshot. It is still the init time that each restore replaces.
SNAPSHOT_INIT_KINDS = ("snapshot",)


@dataclass(frozen=True)
class Selection:
    """What the sidebar picked. Empty tuples and ``None`` bounds mean "everything"."""

    functions: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None


@dataclass(frozen=True)
class Headline:
    """The numbers at the top of the dashboard, for one selection."""

    invocations: int
    warm: int
    init: int
    restore: int
    restore_ms_p50: float | None
    restore_ms_p99: float | None
    billed_restore_s: float
    cache_cost_usd: float | None
    restore_cost_usd: float | None
    rejected: int
    # Why the cost is n/a (None when it could be computed).
    cost_note: str | None = None

    def share(self, start_kind: str) -> float | None:
        """Fraction of invocations with this ``start_kind`` (None when there are none)."""
        if not self.invocations:
            return None
        return getattr(self, start_kind) / self.invocations

    @property
    def cold_starts(self) -> int:
        return self.init + self.restore

    @property
    def cache_and_restore_cost_usd(self) -> float | None:
        if self.cache_cost_usd is None and self.restore_cost_usd is None:
            return None
        return (self.cache_cost_usd or 0.0) + (self.restore_cost_usd or 0.0)


def series_label(function: pd.Series, version: pd.Series) -> pd.Series:
    """``function:version``, the name a person uses for one published version."""
    return function.astype("string").fillna("unknown") + ":" + version.astype("string").fillna("unknown")


def _timed_frames(tables: Tables) -> Iterable[tuple[pd.DataFrame, str]]:
    yield tables.invocations, "timestamp"
    yield tables.inits, "timestamp"
    yield tables.restores, "timestamp"
    yield tables.spans, "start"


def _pairs(tables: Tables) -> pd.DataFrame:
    """Every distinct ``function, version`` of invocations, inits, restores and spans (``<NA>`` kept).

    ``metrics.group_codes`` factorizes each column once, several times faster on a million rows
    than filtering or de-duplicating the string columns, and the aggregates reuse its work.
    """
    parts = [metrics.group_codes(frame, ("function", "version"))[0].astype("string")
             for frame, _ in _timed_frames(tables) if len(frame)]
    if not parts:
        return pd.DataFrame({"function": pd.Series(dtype="string"), "version": pd.Series(dtype="string")})
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def series_names(tables: Tables) -> list[str]:
    """Every ``function:version`` in the tables, by function then version
    (:func:`metrics.version_rank`): one order (and so one colour) for a version across every chart."""
    pairs = metrics.sort_versions(_pairs(tables).fillna("unknown").drop_duplicates(ignore_index=True))
    return [f"{f}:{v}" for f, v in pairs[["function", "version"]].itertuples(index=False, name=None)]


def functions(tables: Tables) -> list[str]:
    """Every function named in the tables, sorted."""
    return sorted(set(_pairs(tables)["function"].dropna()))


def versions(tables: Tables, functions: Sequence[str] = ()) -> list[str]:
    """Every version named in the tables (of ``functions`` if given), in version order."""
    pairs = _pairs(tables)
    if functions:
        pairs = pairs[pairs["function"].isin(list(functions)).fillna(False)]
    return metrics.sorted_versions(sorted(set(pairs["version"].dropna())))


def architecture(tables: Tables) -> str | None:
    """The one architecture the Lambda API reported for the loaded versions, else None
    (files carry no architecture, and a mix has no single price)."""
    known = tables.versions
    if not len(known) or "architecture" not in known.columns:
        return None
    found = known["architecture"].dropna().unique().tolist()
    return str(found[0]) if len(found) == 1 else None


UNTIMED_NOTE = metrics.UNTIMED_NOTE
untimed_rows = metrics.untimed_rows


def time_range(tables: Tables) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last timestamp over invocations, inits, restores and spans; None if none."""
    lows, highs = [], []
    for frame, column in _timed_frames(tables):
        times = frame[column].dropna() if len(frame) else frame[column]
        if len(times):
            lows.append(times.min())
            highs.append(times.max())
    if not lows:
        return None
    return min(lows), max(highs)


def select(tables: Tables, selection: Selection) -> Tables:
    """The part of ``tables`` inside ``selection`` (the slider's end is inclusive).

    Invocations, inits, restores and spans are filtered by function, version and time; the
    versions table by function and version. Rejects and stats describe the whole load and are
    kept as they are.
    """
    return tables_select(tables, selection.functions, selection.versions, selection.start, selection.end,
                         until_inclusive=True)


def _cost_total(costs: pd.DataFrame | None, column: str) -> float | None:
    if costs is None or column not in costs.columns:
        return None
    return float(costs[column].sum())


def _maybe(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def headline(tables: Tables, costs: pd.DataFrame | None = None) -> Headline:
    """Headline numbers for a selection; ``costs`` is :func:`logparse.cost.cost_over_time` output."""
    invocations = tables.invocations
    kinds = invocations["start_kind"].value_counts()
    restore = metrics.percentile_summary(invocations["restore_ms"].dropna())
    cost_note = cost_unavailable(tables)
    if cost_note is not None:
        costs = None
    return Headline(
        invocations=len(invocations),
        warm=int(kinds.get("warm", 0)),
        init=int(kinds.get("init", 0)),
        restore=int(kinds.get("restore", 0)),
        restore_ms_p50=_maybe(restore.get("p50")),
        restore_ms_p99=_maybe(restore.get("p99")),
        billed_restore_s=float(invocations["billed_restore_ms"].sum()) / 1000.0,
        cache_cost_usd=_cost_total(costs, "cache_cost_usd"),
        restore_cost_usd=_cost_total(costs, "restore_cost_usd"),
        rejected=len(tables.rejects),
        cost_note=cost_note,
    )


def reject_reasons(rejects: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The most common reject reasons: ``reason, lines, example_source``, most frequent first."""
    if not len(rejects):
        return pd.DataFrame({"reason": pd.Series(dtype="string"), "lines": pd.Series(dtype="int64"),
                             "example_source": pd.Series(dtype="string")})
    grouped = rejects.groupby("reason", dropna=False, sort=False)
    out = pd.DataFrame({"lines": grouped.size(), "example_source": grouped["source"].first()})
    out = out.sort_values("lines", ascending=False, kind="stable").head(top)
    return out.reset_index()


def _init_samples(tables: Tables) -> pd.DataFrame:
    """``function, version, duration_ms`` of init phases.

    A SnapStart version's init runs once at publish (its INIT_REPORT) and is the time each restore
    saves; an on-demand cold start's init is in its REPORT (``Init Duration``). Taking inits from
    REPORT lines plus snapshot-creation INIT_REPORTs counts each init once, whether or not the
    log format also wrote an INIT_REPORT for the on-demand ones.
    """
    inv = tables.invocations
    from_reports = inv.loc[inv["init_ms"].notna().to_numpy(dtype=bool), ["function", "version", "init_ms"]]
    inits = tables.inits
    snapshot = inits["init_kind"].isin(list(SNAPSHOT_INIT_KINDS)).fillna(False) & inits["init_ms"].notna()
    from_publish = inits.loc[snapshot.to_numpy(dtype=bool), ["function", "version", "init_ms"]]
    frames = [f for f in (from_reports, from_publish) if len(f)]
    if not frames:
        return pd.DataFrame({"function": pd.Series(dtype="string"), "version": pd.Series(dtype="string"),
                             "duration_ms": pd.Series(dtype="float64")})
    both = pd.concat(frames, ignore_index=True)
    return both.rename(columns={"init_ms": "duration_ms"})


def _restore_samples(tables: Tables) -> pd.DataFrame:
    inv = tables.invocations
    rows = inv.loc[inv["restore_ms"].notna().to_numpy(dtype=bool), ["function", "version", "restore_ms"]]
    return rows.rename(columns={"restore_ms": "duration_ms"}).reset_index(drop=True)


def phase_samples(tables: Tables) -> dict[str, pd.DataFrame]:
    """``{"restore": ..., "init": ...}``: ``function, version, duration_ms`` of each phase."""
    return {"restore": _restore_samples(tables), "init": _init_samples(tables)}


def ecdf(tables: Tables, max_points: int = 400) -> pd.DataFrame:
    """Empirical CDF of restore vs init durations: ``phase, duration_ms, fraction, samples``.

    At most ``max_points`` points per phase (evenly spaced quantiles beyond that), so the chart
    stays small whatever the number of invocations.
    """
    parts = []
    for phase, samples in phase_samples(tables).items():
        values = np.sort(samples["duration_ms"].to_numpy(dtype="float64", na_value=np.nan))
        values = values[~np.isnan(values)]
        n = len(values)
        if not n:
            continue
        if n > max_points:
            fraction = np.linspace(1.0 / max_points, 1.0, max_points)
            # "inverted_cdf" returns observed values, so each point is a real duration.
            points = np.quantile(values, fraction, method="inverted_cdf")
        else:
            fraction = np.arange(1, n + 1) / n
            points = values
        parts.append(pd.DataFrame({"phase": phase, "duration_ms": points,
                                   "fraction": fraction, "samples": n}))
    if not parts:
        return pd.DataFrame({"phase": pd.Series(dtype="string"), "duration_ms": pd.Series(dtype="float64"),
                             "fraction": pd.Series(dtype="float64"), "samples": pd.Series(dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def init_vs_restore(tables: Tables) -> pd.DataFrame:
    """Per function/version and phase (init, restore): ``samples, p50, p90, p99, max`` in ms.

    Side by side these show what SnapStart saves: each restore stands in for an init.
    """
    rows = []
    for phase, samples in phase_samples(tables).items():
        for (function, version), group in samples.groupby(["function", "version"], dropna=False, sort=False):
            summary = metrics.percentile_summary(group["duration_ms"])
            rows.append({"function": function, "version": version, "phase": phase,
                         "samples": len(group), **{s: _maybe(summary.get(s)) for s in STATISTICS}})
    columns = ["function", "version", "phase", "samples", *STATISTICS]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows, columns=columns)
    out["series"] = series_label(out["function"], out["version"])
    order = metrics.version_rank(out["version"].astype(str))
    return out.assign(_order=order).sort_values(["function", "_order", "phase"]).drop(columns="_order")


def latency_long(over_time: pd.DataFrame, prefix: str = "restore_ms",
                 statistics: Sequence[str] = STATISTICS) -> pd.DataFrame:
    """``metrics.over_time`` percentile columns as long rows: ``bucket_start, series, statistic, <prefix>``
    and ``samples`` (the bucket's count of that phase, for hover texts).

    Buckets without a sample of that phase are left out rather than drawn as zero.
    """
    columns = [f"{prefix}_{s}" for s in statistics if f"{prefix}_{s}" in over_time.columns]
    frame = over_time.assign(series=series_label(over_time["function"], over_time["version"]))
    long = frame.melt(id_vars=["bucket_start", "function", "version", "series"], value_vars=columns,
                      var_name="statistic", value_name=prefix)
    long["statistic"] = long["statistic"].str.removeprefix(f"{prefix}_")
    kind = prefix.removesuffix("_ms")  # the count column of that phase (restore, init), for hover texts
    if kind in over_time.columns:
        long["samples"] = np.tile(over_time[kind].to_numpy(dtype="int64", na_value=0), len(columns))
    long = long[long[prefix].notna().to_numpy(dtype=bool)]
    return long.sort_values(["series", "statistic", "bucket_start"]).reset_index(drop=True)


def xray_restore_over_time(invocations: pd.DataFrame, bucket: str) -> pd.DataFrame:
    """Per bucket and function/version, the X-Ray ``Restore`` subsegment duration of traced restores:
    ``bucket_start, function, version, series, traces, xray_restore_ms_p50, xray_restore_ms_max``.

    Empty when no trace was joined. Buckets are floored the way :func:`metrics.over_time` floors them.
    """
    # A row without a time has no bucket (floored, NaT would land at pandas' minimum, 1677).
    keep = (invocations["xray_restore_ms"].notna() & invocations["timestamp"].notna()).to_numpy(dtype=bool)
    traced = invocations.loc[keep, ["timestamp", "function", "version", "xray_restore_ms"]]
    columns = ["bucket_start", "function", "version", "series", "traces",
               "xray_restore_ms_p50", "xray_restore_ms_max"]
    if not len(traced):
        return pd.DataFrame(columns=columns)
    traced = traced.assign(bucket_start=traced["timestamp"].dt.floor(bucket),
                           xray_restore_ms=traced["xray_restore_ms"].astype("float64"))
    grouped = traced.groupby(["bucket_start", "function", "version"], dropna=False)["xray_restore_ms"]
    out = grouped.agg(traces="size", xray_restore_ms_p50="median", xray_restore_ms_max="max").reset_index()
    out["series"] = series_label(out["function"], out["version"])
    return out[columns]


def start_mix(over_time: pd.DataFrame) -> pd.DataFrame:
    """Invocations per bucket and ``start_kind`` summed over the selection:
    ``bucket_start, start_kind, invocations, share`` (share of the bucket's invocations)."""
    kinds = [k for k in START_KINDS if k in over_time.columns]
    totals = over_time.groupby("bucket_start", sort=True)[kinds].sum().astype("float64")
    shares = totals.div(totals.sum(axis=1).replace(0.0, np.nan), axis=0)
    long = totals.reset_index().melt(id_vars="bucket_start", value_vars=kinds,
                                     var_name="start_kind", value_name="invocations")
    long["share"] = shares.reset_index().melt(id_vars="bucket_start", value_vars=kinds)["value"].to_numpy()
    long["invocations"] = long["invocations"].astype("int64")
    return long


def billed_restore_by_version(over_time: pd.DataFrame) -> pd.DataFrame:
    """``bucket_start, series, billed_restore_ms`` (sum per bucket), buckets with restores only."""
    frame = over_time.assign(series=series_label(over_time["function"], over_time["version"]),
                             billed_restore_ms=over_time["billed_restore_ms_sum"].astype("float64"))
    frame = frame[frame["billed_restore_ms"].fillna(0).to_numpy() > 0]
    columns = ["bucket_start", "function", "version", "series", "billed_restore_ms"]
    return frame[columns].reset_index(drop=True)


def cost_long(costs: pd.DataFrame) -> pd.DataFrame:
    """Cost per bucket as long rows: ``bucket_start, series, charge, cost_usd, cumulative_cost_usd``.

    ``charge`` is cache / restore / billed restore duration (:data:`CHARGES`); the cumulative
    column runs per series and charge in bucket order.
    """
    columns = [c for c in CHARGES if c in costs.columns]
    frame = costs.assign(series=series_label(costs["function"], costs["version"]))
    long = frame.melt(id_vars=["bucket_start", "function", "version", "series"], value_vars=columns,
                      var_name="charge", value_name="cost_usd")
    long["charge"] = long["charge"].map(CHARGES)
    long["cost_usd"] = long["cost_usd"].astype("float64").fillna(0.0)
    long = long.sort_values(["series", "charge", "bucket_start"]).reset_index(drop=True)
    long["cumulative_cost_usd"] = long.groupby(["series", "charge"], sort=False)["cost_usd"].cumsum()
    return long


def cost_per_bucket(costs_long: pd.DataFrame) -> pd.DataFrame:
    """:func:`cost_long` summed over versions: ``bucket_start, charge, cost_usd`` per bucket."""
    grouped = costs_long.groupby(["bucket_start", "charge"], sort=True, observed=True)["cost_usd"].sum()
    return grouped.reset_index()


def with_series(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus a ``series`` (function:version) column, for per-version charts."""
    if not len(frame) or not {"function", "version"} <= set(frame.columns):
        return frame
    return frame.assign(series=series_label(frame["function"], frame["version"]))


def assumptions(*frames: pd.DataFrame) -> list[str]:
    """The cost model's stated assumptions (``attrs["assumptions"]``) of ``frames``, each once."""
    seen: dict[str, None] = {}
    for frame in frames:
        for note in frame.attrs.get("assumptions", []):
            seen.setdefault(str(note), None)
    return list(seen)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as the CLI's exports write it: UTF-8, ISO-8601 UTC times, formula-safe cells."""
    from logparse import export

    return export.to_text(frame).write_csv(quote_style="necessary", line_terminator="\n").encode("utf-8")


@dataclass
class Views:
    """Everything the dashboard draws for one selection. Only ``tables`` is large (it backs the
    row tables and CSV downloads); every other frame has at most a few thousand rows."""

    tables: Tables
    bucket: str
    headline: Headline
    over_time: pd.DataFrame
    restore_latency: pd.DataFrame
    xray_restore: pd.DataFrame
    billed_restore: pd.DataFrame
    start_mix: pd.DataFrame
    costs: pd.DataFrame
    cost_per_bucket: pd.DataFrame
    comparison: pd.DataFrame
    ecdf: pd.DataFrame
    init_vs_restore: pd.DataFrame
    hooks: pd.DataFrame
    assumptions: list[str]
    series: list[str]
    # Rows of the selection without a timestamp, left out of every chart (see untimed_rows).
    untimed: int = 0
    # Added for the SRE's first look (issue 14); defaults keep older callers working.
    requested_bucket: str | None = None  # what the sidebar asked for, when the point cap widened it
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    latency_by_start_kind: pd.DataFrame = field(default_factory=pd.DataFrame)
    appearances: pd.DataFrame = field(default_factory=pd.DataFrame)
    no_data: str | None = None

    @property
    def untimed_note(self) -> str | None:
        """What to tell the user about rows without a time, or None when there are none."""
        return UNTIMED_NOTE.format(n=f"{self.untimed:,}") if self.untimed else None


def build(tables: Tables, selection: Selection, prices: cost.Prices, bucket: str | None = None) -> Views:
    """All views of ``selection``: the aggregation step the dashboard runs on every filter change.

    ``bucket`` is a pandas offset alias; None picks one from the selected time range
    (:func:`metrics.auto_bucket`). ``prices`` come from :func:`logparse.cost.load_prices`.
    """
    selected = select(tables, selection)
    span = time_range(selected)
    start = selection.start if selection.start is not None else (span[0] if span else None)
    end = selection.end if selection.end is not None else (span[1] if span else None)
    requested = bucket
    if bucket is None:
        bucket = metrics.auto_bucket(start, end) if start is not None and end is not None else BUCKETS[0]
    elif start is not None and end is not None:
        bucket = metrics.capped_bucket(start, end, bucket)  # never more than MAX_POINTS per series
    if start is not None and end is not None:
        over_time = metrics.over_time(selected.invocations, bucket, start=start, end=end)
    else:
        over_time = metrics.over_time(selected.invocations, bucket)
    costs = cost.cost_over_time(selected, prices, bucket=bucket)
    costs_long = cost_long(costs)
    comparison = cost.compare_options(selected, prices)
    hooks = with_series(xray.hook_analysis(selected.spans, selected.invocations, selected.restores))
    failed = metrics.failures(selected.invocations, selected.restores)
    summary = version_summary(selected, costs_long, hooks, failed)
    return Views(
        tables=selected,
        bucket=bucket,
        headline=headline(selected, costs),
        over_time=over_time,
        restore_latency=latency_long(over_time),
        xray_restore=xray_restore_over_time(selected.invocations, bucket),
        billed_restore=billed_restore_by_version(over_time),
        start_mix=start_mix(over_time),
        costs=costs_long,
        cost_per_bucket=cost_per_bucket(costs_long),
        comparison=with_series(comparison),
        ecdf=ecdf(selected),
        init_vs_restore=init_vs_restore(selected),
        hooks=hooks,
        assumptions=assumptions(costs, comparison),
        series=series_names(selected),
        untimed=untimed_rows(selected),
        requested_bucket=requested if requested != bucket else None,
        summary=summary,
        verdicts=verdicts(summary, comparison),
        failures=_series_frame(metrics.failures_over_time(failed, bucket)),
        latency_by_start_kind=metrics.latency_by_start_kind(selected.invocations, bucket, start=start, end=end),
        appearances=appearances(tables),
        no_data=no_data_reason(tables),
    )


# --------------------------------------------------------------------------- what an SRE reads first

# Fewer restores than this in a version and its restore percentiles are not compared with another's.
MIN_COMPARABLE_RESTORES = 5
# Restore p50s within this fraction of each other read as "alike", not as a change.
SAME_RESTORE_SHARE = 0.10
SUMMARY_COLUMNS = ("series", "function", "version", "invocations", "restore_share", "restore_ms_p50",
                   "restore_ms_p99", "billed_restore_s", "errors", "timeouts", "failed_restores",
                   "snapstart_cost_usd", "hook_headroom_ms")
# Time presets offered beside the range slider; None is the whole load.
PRESETS: dict[str, pd.Timedelta | None] = {
    "last 1 h": pd.Timedelta(hours=1), "last 24 h": pd.Timedelta(hours=24),
    "last 7 d": pd.Timedelta(days=7), "all": None,
}


def _series_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(series=series_label(frame["function"], frame["version"]))


def version_summary(tables: Tables, costs_long: pd.DataFrame | None = None,
                    hooks: pd.DataFrame | None = None, failed: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per function/version, the serverless-list view: :data:`SUMMARY_COLUMNS`, most
    invocations first.

    ``restore_share`` is restores / invocations; ``billed_restore_s`` the sum of Billed Restore
    Duration; ``snapstart_cost_usd`` cache + restore charges from :func:`cost_long` (``<NA>`` where
    nothing could be priced); ``hook_headroom_ms`` the X-Ray headroom to the 10 s hook limit
    (``<NA>`` without traces). Errors and timeouts are REPORT statuses; failed restores are
    RESTORE_REPORTs whose status is not success.
    """
    per = metrics.by_version(tables.invocations)
    out = _series_frame(per)[["series", "function", "version", "invocations"]].copy()
    invocations = per["invocations"].astype("float64")
    out["restore_share"] = (per["restore"].astype("float64") / invocations.where(invocations > 0)).astype("Float64")
    out["restore_ms_p50"] = per["restore_ms_p50"]
    out["restore_ms_p99"] = per["restore_ms_p99"]
    out["billed_restore_s"] = (per["billed_restore_ms_sum"].astype("float64") / 1000.0).astype("Float64")
    if failed is None:
        failed = metrics.failures(tables.invocations, tables.restores)
    counts = (_series_frame(failed).groupby(["series", "outcome"], observed=True).size().unstack(fill_value=0)
              if len(failed) else pd.DataFrame())
    for outcome, column in (("errors", "errors"), ("timeouts", "timeouts"), ("failed restores", "failed_restores")):
        found = counts[outcome] if outcome in counts.columns else pd.Series(dtype="int64")
        out[column] = out["series"].map(found).fillna(0).astype("int64")
    if costs_long is not None and len(costs_long):
        snap = costs_long[costs_long["charge"].isin([CHARGES["cache_cost_usd"], CHARGES["restore_cost_usd"]])]
        out["snapstart_cost_usd"] = out["series"].map(snap.groupby("series")["cost_usd"].sum()).astype("Float64")
    else:
        out["snapstart_cost_usd"] = pd.array([pd.NA] * len(out), dtype="Float64")
    if hooks is not None and len(hooks) and "headroom_ms" in hooks.columns:
        headroom = with_series(hooks).set_index("series")["headroom_ms"]
        out["hook_headroom_ms"] = out["series"].map(headroom).astype("Float64")
    else:
        out["hook_headroom_ms"] = pd.array([pd.NA] * len(out), dtype="Float64")
    out = out.sort_values("invocations", ascending=False, kind="stable").reset_index(drop=True)
    return out[list(SUMMARY_COLUMNS)]


def _money(value: float) -> str:
    return f"${value:,.2f}" if abs(value) >= 0.01 else f"${value:,.4f}"


def verdicts(summary: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """What each version's numbers mean, in words: ``series, verdict`` (one sentence per row,
    several rows per version, in :func:`version_summary` order).

    From :func:`logparse.cost.compare_options`: whether SnapStart pays for itself or buys latency
    only, and the traffic above which Provisioned Concurrency is cheaper; from the summary: how the
    version restores compared with the previous version of the same function, and its failures.
    """
    rows: list[tuple[str, str]] = []
    by_option = {}
    if len(comparison):
        frame = with_series(comparison)
        by_option = {series: group.set_index("option") for series, group in frame.groupby("series", sort=False)}
    previous = _previous_versions(summary)
    for row in summary.itertuples(index=False):
        series = row.series
        options = by_option.get(series)
        if options is not None:
            rows.extend((series, text) for text in _option_verdicts(options, row.version))
        earlier = previous.get(series)
        if earlier is not None:
            rows.append((series, _restore_change(row, earlier)))
        failures = [plural_words(int(getattr(row, name)), word) for name, word in (
            ("errors", "error"), ("timeouts", "timeout"), ("failed_restores", "failed restore"))
            if getattr(row, name)]
        if failures:
            rows.append((series, ", ".join(failures) + " in this selection"))
    return pd.DataFrame(rows, columns=["series", "verdict"]).astype("string")


def plural_words(n: int, one: str) -> str:
    return f"{n:,} {one if n == 1 else one + 's'}"


def _option_verdicts(options: pd.DataFrame, version: str) -> list[str]:
    out = []
    snap = options.loc["snapstart"] if "snapstart" in options.index else None
    demand = options.loc["on-demand"] if "on-demand" in options.index else None
    if snap is not None and demand is not None:
        snap_usd, demand_usd = _maybe(snap["total_cost_usd"]), _maybe(demand["total_cost_usd"])
        colds = int(snap["cold_starts"]) if not pd.isna(snap["cold_starts"]) else 0
        prefix = "If published as a version: " if version == cost.LATEST else ""
        if colds == 0:
            out.append(f"{prefix}no cold starts observed: SnapStart only adds its cache charge here")
        elif snap_usd is None or demand_usd is None:
            note = str(snap.get("note") or "").split(";")[0].removeprefix("cannot compare SnapStart with on-demand: ")
            out.append(f"{prefix}SnapStart vs on-demand: n/a ({note or 'a duration is missing'})")
        else:
            p99 = _maybe(snap["cold_start_p99_ms"])
            p99_demand = _maybe(demand["cold_start_p99_ms"])
            latency = (f"cold starts p99 {p99:,.0f} ms instead of {p99_demand:,.0f} ms"
                       if p99 is not None and p99_demand is not None else "")
            if snap_usd > demand_usd:
                out.append(f"{prefix}SnapStart buys latency, not savings here: "
                           f"{_money(snap_usd - demand_usd)} more than on-demand" + (f", {latency}" if latency else ""))
            else:
                out.append(f"{prefix}SnapStart saves {_money(demand_usd - snap_usd)} against on-demand"
                           + (f" and gives {latency}" if latency else ""))
    rate = _maybe(options["pc_break_even_invocations_per_hour"].iloc[0]) if (
        "pc_break_even_invocations_per_hour" in options.columns) else None
    observed = _maybe(options["observed_invocations_per_hour"].iloc[0]) if (
        "observed_invocations_per_hour" in options.columns) else None
    if rate is not None:
        seen = f" (observed {observed:,.0f}/hour)" if observed is not None else ""
        out.append(f"Provisioned Concurrency becomes cheaper above {rate:,.0f} invocations/hour{seen}")
    elif observed is not None:
        out.append("Provisioned Concurrency never costs less at this traffic shape")
    return out


def _previous_versions(summary: pd.DataFrame) -> dict[str, pd.Series]:
    """For each version with enough restores, the previous version of its function that has too."""
    enough = summary[summary["restore_share"].fillna(0).astype(float) * summary["invocations"]
                     >= MIN_COMPARABLE_RESTORES]
    enough = enough[enough["restore_ms_p50"].notna().to_numpy(dtype=bool) & (enough["version"] != cost.LATEST)]
    out = {}
    for _, group in metrics.sort_versions(enough).groupby("function", sort=False):
        for earlier, later in pairwise(group.itertuples(index=False)):
            out[later.series] = earlier
    return out


def _restore_change(row, earlier) -> str:
    now, before = float(row.restore_ms_p50), float(earlier.restore_ms_p50)
    change = now / before - 1.0 if before else 0.0
    detail = f"p50 {now:,.0f} ms vs {before:,.0f} ms"
    if abs(change) < SAME_RESTORE_SHARE:
        return f"version {row.version} restores like version {earlier.version} ({detail})"
    word = "slower" if change > 0 else "faster"
    return f"version {row.version} restores {abs(change):.0%} {word} than version {earlier.version} ({detail})"


_APPEARANCES: dict[int, tuple[weakref.ref, pd.DataFrame]] = {}


def appearances(tables: Tables) -> pd.DataFrame:
    """Where each version first shows up: ``series, first_seen`` (first invocation, init or
    restore line) and ``created`` (the Lambda API's time, when fetched live; else ``<NA>``).

    Remembered per loaded Tables (they never change once loaded): every widget change asks for
    the whole load's appearances, a pass over every row."""
    hit = _APPEARANCES.get(id(tables))
    if hit is not None and hit[0]() is tables:
        return hit[1]
    out = _appearances(tables)
    key = id(tables)
    _APPEARANCES[key] = (weakref.ref(tables, lambda _ref, key=key: _APPEARANCES.pop(key, None)), out)
    return out


def _appearances(tables: Tables) -> pd.DataFrame:
    parts = [frame[["function", "version", column]].rename(columns={column: "first_seen"})
             for frame, column in _timed_frames(tables) if len(frame) and column != "start"]
    columns = ["series", "first_seen", "created"]
    if not parts:
        return pd.DataFrame(columns=columns)
    both = pd.concat(parts, ignore_index=True).dropna(subset=["first_seen"])
    if not len(both):
        return pd.DataFrame(columns=columns)
    first = both.groupby(["function", "version"], dropna=False)["first_seen"].min().reset_index()
    first = _series_frame(first)
    known = tables.versions
    if len(known) and "created" in known.columns:
        created = _series_frame(known).set_index("series")["created"]
        first["created"] = first["series"].map(created)
    else:
        first["created"] = pd.NaT
    return metrics.sort_versions(first)[columns]


def no_data_reason(tables: Tables) -> str | None:
    """Why a load has nothing to chart, in the user's terms, or None when it has dated invocations."""
    invocations = tables.invocations
    if not len(invocations):
        if len(tables.spans):
            return ("Only X-Ray traces were loaded: they give after-restore hook times (below) but no "
                    "invocations, billing or restore counts. Load the function's log lines with them.")
        return None
    if invocations["timestamp"].isna().all():
        return ("These lines carry no time: charts need one. Console copies lose the timestamp; "
                "`aws logs tail`, filter-log-events JSON or an S3 export keep it.")
    return None


def cost_unavailable(tables: Tables) -> str | None:
    """Why the SnapStart cost of a selection cannot be computed (shown as n/a), or None."""
    invocations = tables.invocations
    if not len(invocations) and not len(tables.restores):
        return "no invocations to price"
    if len(invocations) and invocations["timestamp"].isna().all():
        return "these lines carry no time: the cache charge needs one"
    if len(invocations) and invocations["memory_mb"].isna().all():
        return "no REPORT line gives a Memory Size"
    return None


def preset_range(span: tuple[pd.Timestamp, pd.Timestamp], preset: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The slider values for a time preset: the last hour / day / week of the load (never before
    its first time), or all of it."""
    first, last = span
    width = PRESETS[preset]
    return (first if width is None else max(first, last - width)), last


def xray_console_url(trace_id: str, region: str) -> str:
    """The CloudWatch console page of one X-Ray trace."""
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#xray:traces/{trace_id}"


def relative_sources(frame: pd.DataFrame, inputs: Sequence[str]) -> pd.DataFrame:
    """``frame`` with its ``source`` column relative to the inputs given (``sample_logs/tail/…``
    rather than this machine's absolute path); sources under no input are kept as they are."""
    if "source" not in frame.columns or not len(frame) or not inputs:
        return frame
    from pathlib import Path

    source = frame["source"].astype("string")
    for given in inputs:
        base = Path(given.split("*", 1)[0]).expanduser()
        base = base if base.is_dir() or not base.suffix else base.parent
        prefix = str(base.resolve().parent).rstrip("/") + "/"
        if prefix != "/":
            source = source.str.removeprefix(prefix)
    return frame.assign(source=source)


# Lambda bills whole milliseconds: these columns are integers in a download.
WHOLE_MS_COLUMNS = ("billed_duration_ms", "billed_restore_ms")


def for_download(frame: pd.DataFrame, inputs: Sequence[str] = ()) -> pd.DataFrame:
    """A table as the page offers it: billed milliseconds as integers, sources relative."""
    out = relative_sources(frame, inputs)
    whole = {}
    for name in WHOLE_MS_COLUMNS:
        if name in out.columns:
            values = out[name].astype("Float64")
            if ((values.dropna() % 1) == 0).all():
                whole[name] = values.astype("Int64")
    return out.assign(**whole) if whole else out


DASHBOARD_HINTS = (
    ("no AWS credentials", "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, in the environment "
                           "that runs the dashboard (or run `aws sso login`), then reload the page"),
    ("no AWS region", "type the region in the Region box, or set AWS_DEFAULT_REGION (or the profile's region) "
                      "before starting the dashboard"),
    ("not found", "check the function name and the Region box"),
    ("access denied", "allow this action for these credentials (AWS_PROFILE / role) and check the session "
                      "has not expired"),
    ("throttled", "wait a minute and fetch again, or pick a shorter Since"),
    ("cannot reach", "check the network, the Region box and AWS_ENDPOINT_URL"),
)


def aws_problem(exc: Exception) -> tuple[str, str]:
    """A failed fetch as (problem, hint) for the dashboard: the problem without the CLI's hint
    (which names command-line flags), and a hint that names the dashboard's own controls."""
    problem = str(getattr(exc, "problem", "") or exc)
    api = getattr(exc, "api", "")
    lowered = problem.lower()
    hint = next((text for key, text in DASHBOARD_HINTS if key.lower() in lowered),
                "check the AWS configuration (AWS_PROFILE, AWS_DEFAULT_REGION) and the Region box")
    return (f"{api}: {problem}" if api else problem), hint
