"""Time-bucketed aggregates of the ``invocations`` table: counts by start kind, restore and init
percentiles, billed restore sums and cold-start rates, per function/version.

Why it is built this way: a month of a busy function is millions of REPORT lines, and the dashboard
recomputes these on every widget change. So every aggregate is a handful of numpy passes over
integer group codes (``bincount`` for counts and sums, one ``lexsort`` for percentiles); there is
no Python loop over rows or over groups.

Percentile method, used everywhere in SnapLens: numpy's default ``"linear"`` method (Hyndman & Fan
type 7, the same as Excel ``PERCENTILE.INC`` and pandas ``quantile``): for ``n`` sorted values
``v[0..n-1]`` the q-th percentile is ``v[lo] + (v[lo+1] - v[lo]) * (h - lo)`` with ``h = q * (n - 1)``
and ``lo = floor(h)``. A single value is its own p50, p90 and p99; no values give ``<NA>``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from logparse.tables import FLOAT, INT, TEXT, TIME, Schema, Tables
from logparse.timeutil import NAT, utc, utc_ns

PERCENTILE_METHOD: Final = "linear"
QUANTILES: dict[str, float] = {"p50": 0.50, "p90": 0.90, "p99": 0.99}
STATS = (*QUANTILES, "max")

# Candidate bucket sizes, smallest first; auto_bucket picks the first that gives at most
# MAX_BUCKETS buckets, so a chart has enough points to show a trend and few enough to read.
BUCKETS: tuple[str, ...] = ("1min", "5min", "15min", "1h", "6h", "1D")
MAX_BUCKETS = 300

KEYS = ("function", "version")
COUNT_COLUMNS = ("invocations", "warm", "init", "restore")


# --------------------------------------------------------------------------- small public helpers


def auto_bucket(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """A pandas offset alias giving roughly 50-300 buckets between ``start`` and ``end``.

    Why: the same chart must work for a 5-minute load test and a 30-day cost review.
    """
    span = max(pd.Timedelta(end - start), pd.Timedelta(0))
    for alias in BUCKETS:
        if span / pd.Timedelta(alias) <= MAX_BUCKETS:
            return alias
    return BUCKETS[-1]


def percentile_summary(values: pd.Series) -> dict[str, float | None]:
    """p50/p90/p99/max of ``values`` (``<NA>`` ignored) with numpy's ``"linear"`` method.

    Returns ``None`` for every statistic when there is no value, so JSON output shows ``null``
    rather than a made-up zero.
    """
    data = pd.Series(values).to_numpy(dtype="float64", na_value=np.nan)
    data = data[~np.isnan(data)]
    if data.size == 0:
        return {name: None for name in STATS}
    out: dict[str, float | None] = {
        name: float(np.percentile(data, q * 100, method=PERCENTILE_METHOD))
        for name, q in QUANTILES.items()
    }
    out["max"] = float(data.max())
    return out


def bucket_edges(start: pd.Timestamp, end: pd.Timestamp, bucket: str) -> pd.DatetimeIndex:
    """Bucket start times covering ``[start, end]``, aligned to the bucket size (UTC).

    Why aligned: buckets of two exports, or of metrics and costs, then line up row for row.
    """
    step = pd.Timedelta(bucket)
    first = utc(start).floor(step)
    last = utc(end).floor(step)
    return pd.date_range(first, last, freq=step).as_unit("ns")


def grouped_percentiles(codes: np.ndarray, values: np.ndarray, n_groups: int, *,
                        presorted: bool = False) -> np.ndarray:
    """Percentiles per group code: an ``(n_groups, 4)`` array of p50, p90, p99, max (NaN if empty).

    ``codes`` are integers in ``[0, n_groups)``; NaN values are ignored. One lexsort puts every
    group's values in order, then each percentile is two fancy-index reads and a linear
    interpolation (numpy's ``"linear"`` method), for all groups at once.
    """
    keep = ~np.isnan(values)
    codes, values = codes[keep], values[keep]
    out = np.full((n_groups, len(STATS)), np.nan)
    if values.size == 0:
        return out
    # presorted: rows already ordered by code, then value (the caller sorted them another way).
    ordered = values if presorted else values[np.lexsort((values, codes))]
    counts = np.bincount(codes, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    has = counts > 0
    n, first = counts[has], starts[has]
    for col, q in enumerate(QUANTILES.values()):
        h = q * (n - 1)
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, n - 1)
        low, high = ordered[first + lo], ordered[first + hi]
        out[has, col] = low + (high - low) * (h - lo)
    out[has, -1] = ordered[first + n - 1]
    return out


UNTIMED_NOTE = "{n} rows carry no time: charts need one"


def untimed_rows(tables: Tables) -> int:
    """Invocations, inits and restores without a timestamp (a console copy has none): counted in
    per-version figures but left out of every chart and time bucket, which need a time. With a
    time range picked they are outside it too; the count is then of the functions and versions
    picked over all the data (``tables.unwindowed``), so a face can still say they exist."""
    window = tables.window
    source = tables.unwindowed if tables.unwindowed is not None and window is not None else tables
    total = 0
    for frame in (source.invocations, source.inits, source.restores):
        untimed = frame["timestamp"].isna().to_numpy(dtype=bool)
        if window is not None and source is not tables and untimed.any():
            total += int(window.picked(frame[untimed]).sum())
        else:
            total += int(untimed.sum())
    return total


# --------------------------------------------------------------------------- aggregates


def by_version(invocations: pd.DataFrame) -> pd.DataFrame:
    """One row per function, version: counts by start kind, cold-start rate, restore and init
    percentiles, billed restore / duration / billed duration sums and the most common memory size.

    Why per version: SnapStart snapshots, and so restore behaviour and cache cost, belong to a
    published version, not to the function.
    """
    keys, codes = group_codes(invocations, KEYS)
    cols = _row_arrays(invocations)
    out = _aggregate(keys, codes, len(keys), cols)
    out["billed_duration_ms_sum"] = pd.array(_sum(codes, cols["billed_duration_ms"], len(keys)), FLOAT)
    out["memory_mb"] = pd.array(most_common(codes, cols["memory_mb"], len(keys)), INT)
    return out  # group_codes already gives function, then version in natural order


def over_time(
    invocations: pd.DataFrame,
    bucket: str | None = None,
    by: Sequence[str] = KEYS,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Long table of the :func:`by_version` aggregates per time bucket and ``by`` group.

    Columns: ``bucket_start`` (UTC), the ``by`` columns (none when ``by=()``: all invocations
    together), then invocations, warm, init, restore, cold_start_rate, restore_ms_p50/p90/p99/max,
    init_ms_p50/p90/p99/max, billed_restore_ms_sum, duration_ms_sum. Every bucket from ``start``
    (default: the first invocation) to ``end`` (default: the last) is present for every group,
    with zero counts and ``<NA>`` percentiles where nothing happened, so charts show gaps as gaps
    and exports of the same range always have the same rows. Rows without a timestamp are left out.
    """
    by = tuple(by)
    times = utc_ns(invocations["timestamp"])
    dated = times != NAT
    if start is None or end is None:
        if not dated.any() and start is None and end is None:
            return _empty_over_time(by)
        start = pd.Timestamp(times[dated].min(), tz="UTC") if start is None else start
        end = pd.Timestamp(times[dated].max(), tz="UTC") if end is None else end
    bucket = bucket or auto_bucket(start, end)
    edges = bucket_edges(start, end, bucket)
    n_buckets = len(edges)
    cells = (times - edges[0].value) // pd.Timedelta(bucket).value
    inside = dated & (cells >= 0) & (cells < n_buckets)

    # Filter numpy arrays, not the frame: copying every column of a million rows costs more
    # than the aggregation itself.
    keys, codes = group_codes(invocations, by)
    cols = {name: values[inside] for name, values in _row_arrays(invocations).items()}
    cells = codes[inside] * n_buckets + cells[inside]
    agg = _aggregate(keys, cells, len(keys) * n_buckets, cols, expand=n_buckets)
    stamps = pd.DatetimeIndex(np.tile(edges.asi8, len(keys)).astype("datetime64[ns]")).tz_localize("UTC")
    agg.insert(0, "bucket_start", stamps)
    return agg


# --------------------------------------------------------------------------- internals


def group_codes(frame: pd.DataFrame, by: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Integer group code per row for the ``by`` columns, and the key frame indexed by code.

    Factorizes each column once (``<NA>`` is a group of its own, never dropped) and combines
    the codes arithmetically, which is several times faster than a multi-column groupby on
    string columns. Keys come out sorted. ``by=()`` gives one group holding every row.
    """
    by = tuple(by)
    if not by:
        return pd.DataFrame(index=range(1)), np.zeros(len(frame), dtype=np.int64)
    combined = np.zeros(len(frame), dtype=np.int64)
    uniques = []
    for name in by:
        col_codes, col_uniques = factorize(frame[name])
        if name == "version":
            order = np.argsort(version_rank(col_uniques), kind="stable")
            col_codes, col_uniques = np.argsort(order)[col_codes], col_uniques.take(order)
        combined = combined * len(col_uniques) + col_codes
        uniques.append(col_uniques)
    n_combinations = int(np.prod([len(u) for u in uniques], dtype=np.float64))
    if n_combinations <= max(4 * len(frame), 1 << 16):
        # Few combinations: a lookup table renumbers the ones present, in key order, without
        # hashing a million integers again.
        present = np.flatnonzero(np.bincount(combined, minlength=n_combinations))
        renumber = np.zeros(n_combinations, dtype=np.int64)
        renumber[present] = np.arange(len(present))
        codes = renumber[combined]
    else:
        codes, present = pd.factorize(combined, sort=True)
    parts = {}
    for name, col_uniques in zip(reversed(by), reversed(uniques), strict=True):
        parts[name] = col_uniques.take(present % len(col_uniques))
        present = present // len(col_uniques)
    keys = pd.DataFrame({name: pd.array(parts[name], dtype=frame[name].dtype) for name in by})
    return keys, codes.astype(np.int64)


_FACTORIZED: dict[int, tuple[weakref.ref[Any], np.ndarray, pd.Index]] = {}
_FACTORIZED_MAX = 32


def factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, sort=True, use_na_sentinel=False)``, remembered per Arrow array.

    Why: the summary, an export and every dashboard refresh compute metrics, costs and the
    comparison over the same million-row string columns, and factorizing them is the most
    expensive step. Arrow arrays are immutable and survive column selection and copies, so the
    codes of one never go stale; an entry is dropped when its array is garbage-collected. The
    returned codes are read-only because they are shared.
    """
    dtype = values.dtype
    if getattr(dtype, "storage", None) != "pyarrow" and not isinstance(dtype, pd.ArrowDtype):
        return pd.factorize(values, sort=True, use_na_sentinel=False)
    chunked = values.array.__arrow_array__()
    key = id(chunked)
    hit = _FACTORIZED.get(key)
    if hit is not None and hit[0]() is chunked:
        return hit[1], hit[2]
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=False)
    codes.flags.writeable = False
    if len(_FACTORIZED) >= _FACTORIZED_MAX:
        _FACTORIZED.pop(next(iter(_FACTORIZED)), None)
    def forget(_ref: weakref.ref[Any], key: int = key) -> None:
        _FACTORIZED.pop(key, None)

    _FACTORIZED[key] = (weakref.ref(chunked, forget), codes, uniques)
    return codes, uniques


def kind_masks(start_kind: pd.Series) -> dict[str, np.ndarray]:
    """One boolean array per ``start_kind`` value (warm, init, restore), from codes, not strings."""
    codes, uniques = factorize(start_kind.astype("string") if start_kind.dtype == object else start_kind)
    labels = list(uniques)
    return {kind: codes == labels.index(kind) if kind in labels else np.zeros(len(codes), dtype=bool)
            for kind in COUNT_COLUMNS[1:]}


def version_rank(versions: pd.Index | pd.Series) -> np.ndarray:
    """Sort rank of version labels as people read them: ``$LATEST``, then published versions by
    number (2 before 10), then anything else (``unknown``, <NA>) by name."""
    labels = pd.Series(np.asarray(versions, dtype=object))
    number = pd.to_numeric(labels, errors="coerce")
    group = np.where(labels == "$LATEST", 0, np.where(number.notna(), 1, 2))
    frame = pd.DataFrame({"group": group, "number": number.fillna(0), "label": labels.fillna("").astype(str)})
    return frame.sort_values(["group", "number", "label"], kind="stable").index.argsort()


def sorted_versions(labels: Sequence[str]) -> list[str]:
    """Version labels in :func:`version_rank` order."""
    labels = list(labels)
    return [labels[i] for i in np.argsort(version_rank(pd.Index(labels, dtype=object)), kind="stable")]


def sort_versions(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ordered by function, then version in :func:`version_rank` order."""
    rank = version_rank(frame["version"])
    return frame.assign(_rank=rank).sort_values(["function", "_rank"], kind="stable").drop(
        columns="_rank").reset_index(drop=True)


def _row_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The invocation columns the aggregates need, as plain numpy arrays (NaN for <NA>)."""
    out = kind_masks(frame["start_kind"])
    for name in ("restore_ms", "init_ms", "billed_restore_ms", "duration_ms", "billed_duration_ms"):
        out[name] = frame[name].to_numpy(dtype="float64", na_value=np.nan)
    out["memory_mb"] = frame["memory_mb"].to_numpy(dtype="float64", na_value=np.nan)
    return out


def _aggregate(
    keys: pd.DataFrame,
    cells: np.ndarray,
    n_cells: int,
    cols: dict[str, np.ndarray],
    expand: int = 1,
) -> pd.DataFrame:
    """Counts, rate, percentiles and sums per cell; key columns repeated ``expand`` times."""
    rows = np.repeat(np.arange(len(keys)), expand)
    out = {name: keys[name].array.take(rows) for name in keys.columns}
    total = np.bincount(cells, minlength=n_cells)
    out["invocations"] = pd.array(total, INT)
    for name in COUNT_COLUMNS[1:]:
        out[name] = pd.array(np.bincount(cells, weights=cols[name], minlength=n_cells).astype(np.int64), INT)
    cold = out["init"].to_numpy() + out["restore"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(total > 0, cold / total, np.nan)
    out["cold_start_rate"] = float_array(rate)
    for name in ("restore_ms", "init_ms"):
        stats = grouped_percentiles(cells, cols[name], n_cells)
        for col, stat in enumerate(STATS):
            out[f"{name}_{stat}"] = float_array(stats[:, col])
    out["billed_restore_ms_sum"] = pd.array(_sum(cells, cols["billed_restore_ms"], n_cells), FLOAT)
    out["duration_ms_sum"] = pd.array(_sum(cells, cols["duration_ms"], n_cells), FLOAT)
    return pd.DataFrame(out)


def _sum(cells: np.ndarray, values: np.ndarray, n_cells: int) -> np.ndarray:
    """Sum per cell, <NA> counted as nothing (an empty cell sums to 0.0)."""
    return np.bincount(cells, weights=zero_nan(values), minlength=n_cells)


def zero_nan(values: np.ndarray) -> np.ndarray:
    """NaN as 0.0 (a missing value adds nothing to a sum); several times faster than nan_to_num."""
    return np.where(np.isnan(values), 0.0, values)


def most_common(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Most frequent non-NaN value per group (ties: the larger value), NaN where none.

    A (groups x distinct values) count matrix: memory sizes are few, so it stays small.
    """
    keep = ~np.isnan(values)
    out = np.full(n_groups, np.nan)
    if not keep.any():
        return out
    kept = values[keep]
    low, high = kept.min(), kept.max()
    if low >= 0 and high < 16_384 and (kept % 1 == 0).all() and n_groups * (high + 1) <= 1 << 22:
        # Small whole numbers (memory sizes are 128-10,240 MB): the value is its own code.
        value_codes, uniques = kept.astype(np.int64), np.arange(int(high) + 1)
    else:
        value_codes, uniques = pd.factorize(kept, sort=True)
    width = len(uniques)
    counts = np.bincount(codes[keep] * width + value_codes, minlength=n_groups * width).reshape(n_groups, width)
    best = width - 1 - np.argmax(counts[:, ::-1], axis=1)  # reversed: ties go to the larger value
    seen = counts.max(axis=1) > 0
    out[seen] = np.asarray(uniques, dtype=float)[best[seen]]
    return out


def float_array(values: np.ndarray) -> pd.arrays.FloatingArray:
    """Float64 extension array with NaN shown as <NA>, the tables' missing value."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    return pd.arrays.FloatingArray(np.where(missing, 0.0, values), missing)


def over_time_columns(by: tuple[str, ...] = KEYS) -> Schema:
    """The columns of :func:`over_time` (and so of ``metrics.csv``, whether computed here or by
    Logs Insights), in order."""
    columns: Schema = {"bucket_start": TIME, **{name: TEXT for name in by}}
    columns.update({name: INT for name in COUNT_COLUMNS})
    columns["cold_start_rate"] = FLOAT
    for name in ("restore_ms", "init_ms"):
        columns.update({f"{name}_{stat}": FLOAT for stat in STATS})
    columns.update({"billed_restore_ms_sum": FLOAT, "duration_ms_sum": FLOAT})
    return columns


def _empty_over_time(by: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in over_time_columns(by).items()})


# --------------------------------------------------------------------------- dashboard additions

# A chart series never gets more points than this: beyond it a browser spends seconds drawing
# what a 1,440-pixel-wide screen cannot show anyway.
MAX_POINTS = 2_000
FAILURE_STATUSES = {"error": "errors", "timeout": "timeouts"}


def capped_bucket(start: pd.Timestamp, end: pd.Timestamp, bucket: str, max_points: int = MAX_POINTS) -> str:
    """``bucket``, or the smallest of :data:`BUCKETS` at least as wide that gives at most
    ``max_points`` buckets between ``start`` and ``end`` (1-minute buckets over a week would be
    10,080 points per series)."""
    span = max(pd.Timedelta(end - start), pd.Timedelta(0))
    if span / pd.Timedelta(bucket) < max_points:
        return bucket
    wider = [b for b in BUCKETS if pd.Timedelta(b) >= pd.Timedelta(bucket)]
    for alias in wider:
        if span / pd.Timedelta(alias) < max_points:
            return alias
    return BUCKETS[-1]


def failures(invocations: pd.DataFrame, restores: pd.DataFrame) -> pd.DataFrame:
    """Every failed invocation and failed restore: ``timestamp, function, version, outcome`` with
    outcome ``errors`` / ``timeouts`` (REPORT ``Status``) or ``failed restores`` (RESTORE_REPORT
    ``Status`` other than success). Failures are rare, so rows are picked first and stay few."""
    parts = []
    status = invocations["status"]
    for value, outcome in FAILURE_STATUSES.items():
        rows = invocations.loc[(status == value).fillna(False).to_numpy(dtype=bool),
                               ["timestamp", "function", "version"]]
        parts.append(rows.assign(outcome=outcome))
    if len(restores):
        bad = restores["status"].notna() & (restores["status"] != "success")
        rows = restores.loc[bad.fillna(False).to_numpy(dtype=bool), ["timestamp", "function", "version"]]
        parts.append(rows.assign(outcome="failed restores"))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["timestamp", "function", "version", "outcome"])
    return out.astype({"outcome": "string"})


def failures_over_time(failed: pd.DataFrame, bucket: str) -> pd.DataFrame:
    """:func:`failures` counted per bucket, function, version and outcome (non-zero rows only):
    ``bucket_start, function, version, outcome, count``. Rows without a time are left out."""
    dated = failed[failed["timestamp"].notna().to_numpy(dtype=bool)]
    columns = ["bucket_start", "function", "version", "outcome", "count"]
    if not len(dated):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            columns, (TIME, "string", "string", "string", "int64"), strict=True)})
    dated = dated.assign(bucket_start=dated["timestamp"].dt.floor(bucket))
    grouped = dated.groupby(["bucket_start", "function", "version", "outcome"], dropna=False, observed=True)
    return grouped.size().rename("count").reset_index()[columns]


def latency_by_start_kind(invocations: pd.DataFrame, bucket: str, *, start: pd.Timestamp | None = None,
                          end: pd.Timestamp | None = None) -> pd.DataFrame:
    """What a caller waits for, per bucket and ``start_kind``: ``latency_ms`` is ``duration_ms``
    for a warm request, ``restore_ms + duration_ms`` for the first request after a restore and
    ``init_ms + duration_ms`` after an init. Columns: ``bucket_start, start_kind, samples,
    latency_ms_p50, latency_ms_p99``; buckets without a request of that kind are left out."""
    ns = utc_ns(invocations["timestamp"])
    dated = ns != NAT
    columns = ["bucket_start", "start_kind", "samples", "latency_ms_p50", "latency_ms_p99"]
    if not dated.any():
        return pd.DataFrame(columns=columns)
    start = pd.Timestamp(ns[dated].min(), tz="UTC") if start is None else start
    end = pd.Timestamp(ns[dated].max(), tz="UTC") if end is None else end
    edges = bucket_edges(start, end, bucket)
    cells = (ns - edges[0].value) // pd.Timedelta(bucket).value
    inside = dated & (cells >= 0) & (cells < len(edges))
    duration = invocations["duration_ms"].to_numpy(dtype="float64", na_value=np.nan)
    cold = {"restore": "restore_ms", "init": "init_ms"}
    masks = kind_masks(invocations["start_kind"])
    parts = []
    for kind in START_KINDS_ORDER:
        mask = masks[kind] & inside
        if not mask.any():
            continue
        value = duration[mask]
        if kind in cold:
            value = value + invocations[cold[kind]].to_numpy(dtype="float64", na_value=np.nan)[mask]
        stats = _sorted_group_percentiles(cells[mask].astype(np.int64), value, len(edges))
        samples = np.bincount(cells[mask].astype(np.int64), minlength=len(edges))
        keep = samples > 0
        parts.append(pd.DataFrame({"bucket_start": edges[keep], "start_kind": kind, "samples": samples[keep],
                                   "latency_ms_p50": stats[keep, 0], "latency_ms_p99": stats[keep, 2]}))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


START_KINDS_ORDER = ("warm", "restore", "init")


def _sorted_group_percentiles(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`grouped_percentiles` with two plain sorts instead of a lexsort: the values, then a
    stable sort of their group codes, a radix sort when the codes fit 16 bits (buckets do: at
    most MAX_POINTS). Same result, several times faster on a million warm requests."""
    keep = ~np.isnan(values)
    codes, values = codes[keep], values[keep]
    by_value = np.argsort(values)  # ties need no order: equal values give equal percentiles
    small = codes.astype(np.int16) if n_groups <= np.iinfo(np.int16).max else codes
    order = by_value[np.argsort(small[by_value], kind="stable")]
    return grouped_percentiles(codes[order], values[order], n_groups, presorted=True)
