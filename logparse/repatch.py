"""Runtime re-patches: when AWS moved a function version to a new runtime version.

``INIT_START`` and ``RESTORE_START`` name the runtime version (``python:3.12.v36``) an environment
ran. A published version's code never changes, but AWS patches its runtime: under the same function
version the runtime version then changes, the snapshot is re-created (an init that is billed) and
restores may get faster or slower. This module builds, per function and version, the timeline of
runtime versions seen and marks each new one as a re-patch, with the restore latency before and
after it.

Vectorized over the init and restore rows (a few per cent of a log): integer group codes per
function, version and runtime version, ``np.minimum.at`` / ``bincount`` and
:func:`metrics.grouped_percentiles` per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from logparse.metrics import KEYS, float_array, group_codes, grouped_percentiles, sort_versions
from logparse.tables import FLOAT, INT, TEXT, TIME, Tables
from logparse.timeutil import utc_ns

TIMELINE_COLUMNS: dict[str, str] = {
    "function": TEXT, "version": TEXT, "runtime_version": TEXT, "first_seen": TIME, "last_seen": TIME,
    "inits": INT, "restores": INT, "restore_ms_p50": FLOAT, "restore_ms_p99": FLOAT, "init_ms": FLOAT,
    "repatch": "boolean", "previous_runtime_version": TEXT,
}
REPATCH_COLUMNS: dict[str, str] = {
    "function": TEXT, "version": TEXT, "timestamp": TIME, "from_runtime_version": TEXT,
    "to_runtime_version": TEXT, "init_ms": FLOAT, "restores_before": INT, "restore_ms_p50_before": FLOAT,
    "restore_ms_p99_before": FLOAT, "restores_after": INT, "restore_ms_p50_after": FLOAT,
    "restore_ms_p99_after": FLOAT,
}


def _events(tables: Tables) -> pd.DataFrame:
    """Init and restore rows that name a runtime version, in time order per function/version."""
    inits = tables.inits[[*KEYS, "timestamp", "runtime_version", "init_ms"]].assign(
        restore_ms=np.nan, is_init=True)
    restores = tables.restores[[*KEYS, "timestamp", "runtime_version", "restore_ms"]].assign(
        init_ms=np.nan, is_init=False)
    parts = [p for p in (inits, restores) if len(p)]
    if not parts:
        return inits.iloc[0:0]
    events = pd.concat(parts, ignore_index=True)
    known = (events["runtime_version"].notna() & events["timestamp"].notna()).to_numpy(dtype=bool)
    events = events[known]
    return events.sort_values([*KEYS, "timestamp"], kind="stable", ignore_index=True)


def runtime_timeline(tables: Tables) -> pd.DataFrame:
    """One row per function, version and runtime version seen (:data:`TIMELINE_COLUMNS`), in
    order of first sighting.

    ``repatch`` marks a runtime version that appeared after another under the same function
    version; ``init_ms`` is the first init with it (the re-created snapshot, which is billed).
    Environments of the old runtime version may still restore for a while after a re-patch, so
    rows are per runtime version, not per unbroken run: interleaved sightings are not re-patches
    back and forth. Restore percentiles use numpy's ``"linear"`` method, as everywhere in SnapLens.
    """
    events = _events(tables)
    if events.empty:
        return _empty(TIMELINE_COLUMNS)
    keys, codes = group_codes(events, (*KEYS, "runtime_version"))
    n = len(keys)
    stamps = utc_ns(events["timestamp"])
    is_init = events["is_init"].to_numpy(dtype=bool)
    restore_ms = events["restore_ms"].to_numpy(dtype=float, na_value=np.nan)
    init_ms = events["init_ms"].to_numpy(dtype=float, na_value=np.nan)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, stamps)
    np.maximum.at(last, codes, stamps)
    stats = grouped_percentiles(codes, restore_ms, n)
    first_init = np.full(n, np.nan)
    init_rows = np.flatnonzero(is_init & ~np.isnan(init_ms))[::-1]
    # Rows are in time order: assigning from the last to the first leaves each group's first init.
    first_init[codes[init_rows]] = init_ms[init_rows]

    out = keys.copy()
    out["first_seen"] = pd.to_datetime(first, utc=True)
    out["last_seen"] = pd.to_datetime(last, utc=True)
    out["inits"] = np.bincount(codes, weights=is_init, minlength=n).astype(np.int64)
    out["restores"] = np.bincount(codes, weights=~is_init, minlength=n).astype(np.int64)
    out["restore_ms_p50"] = float_array(stats[:, 0])
    out["restore_ms_p99"] = float_array(stats[:, 2])
    out["init_ms"] = float_array(first_init)
    out = sort_versions(out.sort_values([*KEYS, "first_seen"], kind="stable"))
    same_version = (out["function"].eq(out["function"].shift())
                    & out["version"].eq(out["version"].shift())).fillna(False).to_numpy(dtype=bool)
    out["repatch"] = same_version
    out["previous_runtime_version"] = out["runtime_version"].shift().where(same_version)
    return out[list(TIMELINE_COLUMNS)].astype(TIMELINE_COLUMNS)


def repatches(tables: Tables, timeline: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each re-patch (:data:`REPATCH_COLUMNS`): when, from and to which runtime version, the
    re-init it cost, and the restore count and p50 / p99 of the run before and the run after."""
    timeline = runtime_timeline(tables) if timeline is None else timeline
    if timeline.empty:
        return _empty(REPATCH_COLUMNS)
    after = timeline["repatch"].fillna(False).to_numpy(dtype=bool)
    rows = np.flatnonzero(after)
    before, now = timeline.iloc[rows - 1].reset_index(drop=True), timeline.iloc[rows].reset_index(drop=True)
    out = pd.DataFrame({
        "function": now["function"], "version": now["version"], "timestamp": now["first_seen"],
        "from_runtime_version": before["runtime_version"], "to_runtime_version": now["runtime_version"],
        "init_ms": now["init_ms"],
        "restores_before": before["restores"], "restore_ms_p50_before": before["restore_ms_p50"],
        "restore_ms_p99_before": before["restore_ms_p99"],
        "restores_after": now["restores"], "restore_ms_p50_after": now["restore_ms_p50"],
        "restore_ms_p99_after": now["restore_ms_p99"],
    })
    return out.astype(REPATCH_COLUMNS)


def add_runtime_columns(metrics: pd.DataFrame, tables: Tables, bucket: str) -> pd.DataFrame:
    """``metrics.over_time`` rows with ``runtime_version`` (the one in effect at the end of the
    bucket: the last seen by then) and ``repatches`` (re-patches starting in the bucket)."""
    out = metrics.copy()
    out["runtime_version"] = pd.array([None] * len(out), dtype=TEXT)
    out["repatches"] = pd.array(np.zeros(len(out), dtype=np.int64), dtype=INT)
    events = _events(tables)
    if out.empty or events.empty:
        return out
    step = pd.Timedelta(bucket)
    ends = out[[*KEYS, "bucket_start"]].copy()
    ends["_end"] = (ends["bucket_start"] + step - pd.Timedelta(1, "ns")).astype(TIME)
    ends["_row"] = np.arange(len(out))
    seen = events[[*KEYS, "timestamp", "runtime_version"]].rename(columns={"timestamp": "_end"})
    for frame in (ends, seen):
        for key in KEYS:
            frame[key] = frame[key].astype(object)
    merged = pd.merge_asof(ends.sort_values("_end"), seen.sort_values("_end"), on="_end", by=list(KEYS),
                           direction="backward")
    runtime = pd.Series(pd.array([None] * len(out), dtype=TEXT))
    runtime.iloc[merged["_row"].to_numpy()] = merged["runtime_version"].astype(TEXT).to_numpy()
    out["runtime_version"] = runtime.array
    found = repatches(tables)
    if len(found):
        starts = found["timestamp"].dt.floor(step)
        counts = (found.assign(bucket_start=starts).groupby([*KEYS, "bucket_start"], observed=True)
                  .size().rename("_n").reset_index())
        for key in KEYS:
            counts[key] = counts[key].astype(TEXT)
        counts["bucket_start"] = counts["bucket_start"].astype(TIME)
        joined = out[[*KEYS, "bucket_start"]].astype({"bucket_start": TIME}).merge(
            counts, on=[*KEYS, "bucket_start"], how="left")
        out["repatches"] = pd.array(joined["_n"].fillna(0).to_numpy(dtype=np.int64), dtype=INT)
    return out


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
