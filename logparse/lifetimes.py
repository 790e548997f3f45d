"""How long each SnapStart version's snapshot is cached, which is what its cache charge is for.

A version is cached from its creation (or, when the Lambda API was not asked, its first sighting
in the logs) until it is deleted or the range ends, at least 3 hours. Sightings come from every
table of the load, computed once per load and reused across selections.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from logparse.metrics import (
    KEYS,
    group_codes,
    most_common,
    sort_versions,
)
from logparse.tables import FLOAT, INT, TEXT, TIME, Dtype, Tables, Window
from logparse.timeutil import NAT, utc, utc_ns

# AWS charges the SnapStart cache for at least 3 hours per version.
CACHE_MINIMUM = pd.Timedelta(hours=3)
LATEST = "$LATEST"  # never has a snapshot: SnapStart only applies to published versions


def version_lifetimes(
    tables: Tables, versions: pd.DataFrame | None = None, *, until: pd.Timestamp | None = None
) -> pd.DataFrame:
    """When each function version was cached, and so how much cache it is charged for.

    A published version with SnapStart on is cached from publication until deleted. From logs
    alone that is approximated by its first to last sighting (basis ``logs``); with Lambda API
    facts (``versions``, or ``tables.versions``) it runs from the creation time to ``until``
    (default: the last thing seen in the logs), since the version still existed when fetched
    (basis ``lambda api``). Either way ``cached_until`` is pushed out to the 3-hour minimum
    charge, so ``cached_seconds`` is what AWS bills. A version is SnapStart if it restored, has a
    snapshot INIT_REPORT, or the API says so; ``$LATEST`` never is. Non-SnapStart versions have
    no cache window (NaT) and ``cached_seconds`` 0; a SnapStart version seen only in lines without
    a time (and not described by the API) has ``cached_seconds`` NA: unknown, not 0.
    """
    life = lifetimes(tables, versions, until)
    return without_cache_window(life)


def without_cache_window(life: pd.DataFrame) -> pd.DataFrame:
    """Non-SnapStart versions are not cached: no window, no seconds."""
    life = life.copy()
    off = ~life["snapstart"].to_numpy(dtype=bool)
    life.loc[off, ["cached_from", "cached_until"]] = pd.NaT
    life.loc[off, "cached_seconds"] = 0.0
    return life


def lifetimes(
    tables: Tables, versions: pd.DataFrame | None, until: pd.Timestamp | None, grouped: Grouped | None = None
) -> pd.DataFrame:
    """version_lifetimes with the would-be cache window kept for every version (for compare_options).

    Tables cut to a time range (``tables.window``) are charged only for the part of each version's
    cache window inside the range: the window itself (and its 3-hour minimum) comes from the
    version's whole life, ``tables.unwindowed``. Versions with neither cache seconds nor
    invocations in the range are left out."""
    whole = tables.unwindowed
    if whole is None or tables.window is None:
        seen = _sightings(tables, grouped or Grouped.of(tables.invocations))
    else:
        seen = _whole_sightings(whole)
        seen = seen[tables.window.picked(seen)].reset_index(drop=True)
    api = _api_versions(tables if versions is None else versions)
    life = seen.merge(api, on=list(KEYS), how="outer")
    observed_end = seen["last_seen"].max()
    end = pd.Timestamp(until) if until is not None else observed_end
    if pd.isna(end):
        end = pd.Timestamp.now(tz="UTC")
    end = utc(end)

    from_api = life["created"].notna()
    life["basis"] = pd.array(np.where(from_api, "lambda api", "logs"), dtype=TEXT)
    cached_from = life["created"].where(from_api, life["first_seen"])
    seen_or_end = life["last_seen"].fillna(end)
    span_end = life["last_seen"].where(~from_api, seen_or_end.mask(seen_or_end < end, end))
    span_end = span_end.mask(span_end < cached_from, cached_from)  # clip(lower=...), NaT kept
    # AWS rule: the SnapStart cache is charged for at least 3 hours per version.
    cached_until = span_end.clip(lower=cached_from + CACHE_MINIMUM)
    # Seen only in lines without a time (a console copy) and not described by the Lambda API: how
    # long it was cached is unknown, which is not 0 seconds.
    unknown = cached_from.isna().to_numpy(dtype=bool)
    if tables.window is not None:
        cached_from, cached_until = _clip_to_window(cached_from, cached_until, tables.window)
    life["cached_from"] = cached_from.astype(TIME)
    life["cached_until"] = cached_until.astype(TIME)
    seconds = (cached_until - cached_from).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    life["cached_seconds"] = pd.array(np.where(unknown, np.nan, np.nan_to_num(seconds)), FLOAT)

    evidence = life["restored"].fillna(False) | life["snapshot"].fillna(False) | life["api_snapstart"].fillna(False)
    life["snapstart"] = (evidence & (life["version"] != LATEST).fillna(True)).astype(bool)
    memory = life["api_memory_mb"].fillna(life["log_memory_mb"])
    # A version never seen in a REPORT (published, not invoked) takes its function's largest memory.
    function_memory = life.groupby("function", dropna=False)["log_memory_mb"].transform("max")
    life["memory_mb"] = memory.fillna(function_memory).astype(INT)
    life["architecture"] = life["architecture"].astype(TEXT)
    columns = [*KEYS, "first_seen", "last_seen", "cached_from", "cached_until", "cached_seconds",
               "snapstart", "basis", "memory_mb", "architecture"]
    if tables.window is not None:
        active = group_codes(tables.invocations, KEYS)[0] if len(tables.invocations) else life[[*KEYS]].iloc[:0]
        invoked = life[[*KEYS]].merge(active.astype(TEXT).assign(_invoked=True), on=list(KEYS), how="left")
        keep = (life["cached_seconds"] > 0).fillna(False).to_numpy(dtype=bool) | invoked["_invoked"].notna().to_numpy()
        life = life[keep]
    return sort_versions(life[columns])


_WHOLE_SIGHTINGS: dict[int, tuple[weakref.ref[Any], pd.DataFrame]] = {}


def _whole_sightings(whole: Tables) -> pd.DataFrame:
    """:func:`_sightings` of the tables as loaded, remembered while they live: every window cut
    from them (each dashboard widget change, and the cost and comparison of one change) needs the
    same whole-life sightings, one row per version."""
    key = id(whole.invocations)
    hit = _WHOLE_SIGHTINGS.get(key)
    if hit is not None and hit[0]() is whole.invocations:
        return hit[1]
    seen = _sightings(whole, Grouped.of(whole.invocations))
    if len(_WHOLE_SIGHTINGS) >= 8:
        _WHOLE_SIGHTINGS.pop(next(iter(_WHOLE_SIGHTINGS)), None)
    def forget(_ref: weakref.ref[Any], key: int = key) -> None:
        _WHOLE_SIGHTINGS.pop(key, None)

    _WHOLE_SIGHTINGS[key] = (weakref.ref(whole.invocations, forget), seen)
    return seen


def _clip_to_window(cached_from: pd.Series, cached_until: pd.Series, window: Window
                    ) -> tuple[pd.Series, pd.Series]:
    """A cache window (its 3-hour minimum already applied) cut to ``[since, until)``; a version
    not cached inside it gets an empty window (NaT, 0 seconds)."""
    since, until = window.since, window.until
    if since is not None:
        cached_from = cached_from.mask(cached_from < since, since)
    if until is not None:
        cached_until = cached_until.mask(cached_until > until, until)
    empty_window = (cached_until <= cached_from).fillna(True)
    return cached_from.mask(empty_window), cached_until.mask(empty_window)


@dataclass(frozen=True)
class Grouped:
    """The invocations' function/version group code per row and the key per code, computed once
    per call: factorizing a million strings is the most expensive step of the cost model."""

    keys: pd.DataFrame
    codes: np.ndarray

    @classmethod
    def of(cls, invocations: pd.DataFrame) -> Grouped:
        return cls(*group_codes(invocations, KEYS))


def _sightings(tables: Tables, grouped: Grouped) -> pd.DataFrame:
    """first/last sighting per version in any table, whether it restored, whether it has a snapshot
    INIT_REPORT, and its most common memory size (from REPORT lines)."""
    inv = tables.invocations
    keys, codes = grouped.keys, grouped.codes
    n = len(keys)
    stamp = utc_ns(inv["timestamp"])
    known = stamp != NAT
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, codes[known], stamp[known])
    np.maximum.at(last, codes[known], stamp[known])
    seen_any = first <= last
    restored = np.bincount(codes, weights=inv["restore_ms"].notna().to_numpy(dtype=float), minlength=n) > 0
    memory = most_common(codes, inv["memory_mb"].to_numpy(dtype="float64", na_value=np.nan), n)
    parts = [keys.assign(
        first_seen=pd.to_datetime(np.where(seen_any, first, np.iinfo(np.int64).min), utc=True).astype(TIME),
        last_seen=pd.to_datetime(np.where(seen_any, last, np.iinfo(np.int64).min), utc=True).astype(TIME),
        restored=restored, snapshot=False, log_memory_mb=memory)]
    snapshot = (tables.inits["init_kind"] == "snapshot").fillna(False).astype(bool)
    for frame, flags in ((tables.inits, {"snapshot": snapshot}), (tables.restores, {"restored": True})):
        if len(frame):
            part = frame[[*KEYS, "timestamp"]].assign(restored=False, snapshot=False, log_memory_mb=np.nan)
            parts.append(part.assign(**flags).rename(columns={"timestamp": "first_seen"})
                         .assign(last_seen=lambda d: d["first_seen"]))
    seen = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    seen = seen.groupby(list(KEYS), dropna=False, sort=True).agg(
        first_seen=("first_seen", "min"), last_seen=("last_seen", "max"),
        restored=("restored", "any"), snapshot=("snapshot", "any"), log_memory_mb=("log_memory_mb", "max"),
    ).reset_index()
    for key in KEYS:
        seen[key] = seen[key].astype(TEXT)
    seen["first_seen"] = seen["first_seen"].astype(TIME)
    seen["last_seen"] = seen["last_seen"].astype(TIME)
    return seen


def _api_versions(source: Tables | pd.DataFrame | None) -> pd.DataFrame:
    """Lambda API facts normalized to function, version, api_memory_mb, architecture,
    api_snapstart, created; empty (right columns) when there are none."""
    frame = source.versions if isinstance(source, Tables) else source
    if frame is None or len(frame) == 0:
        frame = pd.DataFrame(columns=[*KEYS])
    out = pd.DataFrame({key: frame[key].astype(TEXT) for key in KEYS})
    n = len(frame)

    def column(name: str, dtype: Dtype) -> pd.Series:
        if name in frame.columns:
            return frame[name].astype(dtype) if dtype != TIME else pd.to_datetime(frame[name], utc=True).astype(TIME)
        return pd.Series(pd.array([None] * n, dtype=dtype), index=frame.index)

    out["api_memory_mb"] = column("memory_mb", FLOAT)
    out["architecture"] = column("architecture", TEXT)
    out["api_snapstart"] = column("snapstart", "boolean")
    out["created"] = column("created", TIME)
    return out.drop_duplicates(list(KEYS), keep="last")
