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

import numpy as np
import pandas as pd

from logparse import cost, lifetimes, metrics, pricetable
from logparse.downloads import WHOLE_MS_COLUMNS as WHOLE_MS_COLUMNS
from logparse.downloads import csv_bytes as csv_bytes
from logparse.downloads import for_download as for_download
from logparse.downloads import relative_sources as relative_sources
from logparse.hooks import hook_analysis
from logparse.page import DASHBOARD_HINTS as DASHBOARD_HINTS
from logparse.page import PRESETS as PRESETS
from logparse.page import aws_problem as aws_problem
from logparse.page import preset_range as preset_range
from logparse.page import xray_console_url as xray_console_url
from logparse.series import CHARGES as CHARGES
from logparse.series import maybe as _maybe
from logparse.series import series_frame as _series_frame
from logparse.series import series_label as series_label
from logparse.series import with_series as with_series
from logparse.tables import START_KINDS, Tables
from logparse.tables import select as tables_select
from logparse.verdicts import LATEST_NO_SNAPSHOT as LATEST_NO_SNAPSHOT
from logparse.verdicts import MIN_COMPARABLE_RESTORES as MIN_COMPARABLE_RESTORES
from logparse.verdicts import SAME_RESTORE_SHARE as SAME_RESTORE_SHARE
from logparse.verdicts import SUMMARY_COLUMNS as SUMMARY_COLUMNS
from logparse.verdicts import missing_reasons
from logparse.verdicts import plural_words as plural_words
from logparse.verdicts import verdicts as verdicts
from logparse.verdicts import version_summary as version_summary

# Percentile columns of metrics.over_time, in the order a legend should list them.
STATISTICS = metrics.STATS
# Bucket sizes offered next to "auto" (pandas offset aliases, as metrics.over_time takes them).
BUCKETS = metrics.BUCKETS
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
        return int(getattr(self, start_kind)) / self.invocations

    @property
    def cold_starts(self) -> int:
        return self.init + self.restore

    @property
    def cache_and_restore_cost_usd(self) -> float | None:
        if self.cache_cost_usd is None and self.restore_cost_usd is None:
            return None
        return (self.cache_cost_usd or 0.0) + (self.restore_cost_usd or 0.0)


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


def assumptions(*frames: pd.DataFrame) -> list[str]:
    """The cost model's stated assumptions (``attrs["assumptions"]``) of ``frames``, each once."""
    seen: dict[str, None] = {}
    for frame in frames:
        for note in frame.attrs.get("assumptions", []):
            seen.setdefault(str(note), None)
    return list(seen)


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
    # Why each empty cell of ``summary`` is empty (verdicts.missing_reasons): the page says "n/a" and this.
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def untimed_note(self) -> str | None:
        """What to tell the user about rows without a time, or None when there are none."""
        return UNTIMED_NOTE.format(n=f"{self.untimed:,}") if self.untimed else None


def build(tables: Tables, selection: Selection, prices: pricetable.Prices, bucket: str | None = None) -> Views:
    """All views of ``selection``: the aggregation step the dashboard runs on every filter change.

    ``bucket`` is a pandas offset alias; None picks one from the selected time range
    (:func:`metrics.auto_bucket`). ``prices`` come from :func:`logparse.pricetable.load_prices`.
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
    hooks = with_series(hook_analysis(selected.spans, selected.invocations, selected.restores))
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
        missing=missing_reasons(summary, cost_unavailable(selected)),
    )


_APPEARANCES: dict[int, tuple[weakref.ref[Tables], pd.DataFrame]] = {}


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

    def forget(_ref: weakref.ref[Tables]) -> None:  # the Tables are gone: so is their entry
        _APPEARANCES.pop(key, None)

    _APPEARANCES[key] = (weakref.ref(tables, forget), out)
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
    if len(invocations) and (invocations["version"] == lifetimes.LATEST).fillna(False).all():
        return LATEST_NO_SNAPSHOT
    return None
