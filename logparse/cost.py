"""What SnapStart costs, and whether it pays: the cost model (DESIGN.md, "Cost model").

Prices are data (``prices.csv`` in this package, or a user file), never constants in code. The model:

- cache: memory GB x seconds a SnapStart version is cached (minimum 3 hours) x ``cache_gb_s``;
- restore: memory GB x restores x ``restore_gb``;
- duration: memory GB x ``Billed Duration`` seconds x ``duration_gb_s``. ``Billed Duration`` already
  contains ``Billed Restore Duration``, so ``billed_restore_cost_usd`` is the part of
  ``duration_cost_usd`` spent restoring; it is shown, never added to the total a second time;
- requests: invocations x ``request``.

Logs do not say which region or architecture a function runs in: unless told, x86_64 in us-east-1
is assumed and every result says so. ``python -m logparse prices --update`` fetches every region's
prices from the AWS Price List into the user's cache (``logparse.pricelist``); the bundled table is
the dated fallback. Duration is priced at its first tier unless :func:`apply_duration_tiers` is
asked to apply the tiers to the monthly GB-seconds. Everything is vectorized over the invocations (numpy
``bincount`` per version / bucket), so a month of traffic prices in well under a second.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from logparse.lifetimes import Grouped, lifetimes, without_cache_window
from logparse.metrics import (
    KEYS,
    auto_bucket,
    bucket_edges,
    float_array,
    group_codes,
    grouped_percentiles,
    kind_masks,
    zero_nan,
)
from logparse.pricetable import MB_PER_GB, Prices
from logparse.tables import FLOAT, INT, TEXT, TIME, Tables, Window
from logparse.timeutil import NAT, utc_ns

# Provisioned Concurrency is billed from enable to disable, rounded up to 5 minutes.
PC_BILLING_STEP = pd.Timedelta(minutes=5)
# From this date Lambda bills the on-demand INIT phase (billed = ceil(Duration + Init Duration));
# before it, init was free. Used to price the on-demand alternative the way the platform would.
INIT_BILLED_SINCE = pd.Timestamp("2025-08-01", tz="UTC")

COST_PARTS = ("cache", "restore", "billed_restore", "duration", "request")
COST_COLUMNS = (*(f"{part}_cost_usd" for part in COST_PARTS), "total_cost_usd")
OPTIONS = ("snapstart", "on-demand", "provisioned-concurrency")


# --------------------------------------------------------------------------- cost per version / bucket


def cost_by_version(
    tables: Tables, prices: Prices, versions: pd.DataFrame | None = None, *,
    until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """USD per function version: cache, restore, billed restore (part of duration), duration,
    request and total, with the inputs that drive them (cached_seconds, restores, invocations,
    memory) and an ``assumptions`` column saying what was assumed for that row.

    Why per version: cache cost accrues per published version even when nobody calls it, so an
    old version forgotten behind an alias shows up here as a cost with zero invocations.
    """
    grouped = Grouped.of(tables.invocations)
    life = without_cache_window(lifetimes(tables, versions, until, grouped))
    rows = _invocation_rows(tables.invocations, life, grouped)
    n = len(life)
    out = life[[*KEYS, "snapstart", "basis", "memory_mb", "cached_seconds"]].copy()
    out["invocations"] = pd.array(np.bincount(rows["pos"], minlength=n), INT)
    out["restores"] = pd.array(np.bincount(rows["pos"], weights=rows["restore"], minlength=n).astype(np.int64), INT)
    usd = _row_costs(rows, prices)
    for part in COST_PARTS[1:]:
        out[f"{part}_cost_usd"] = np.bincount(rows["pos"], weights=usd[part], minlength=n)
    memory_gb = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan) / MB_PER_GB
    cached_s = life["cached_seconds"].to_numpy(dtype=float, na_value=np.nan)  # NaN: unknown (no time)
    out["cache_cost_usd"] = memory_gb * cached_s * prices.cache_gb_s
    out.loc[~out["snapstart"], "cache_cost_usd"] = 0.0
    _add_total(out)
    for name in COST_COLUMNS:
        out[name] = float_array(out[name].to_numpy(dtype=float))
    out["assumptions"] = pd.array(_assumption_texts(life, prices, tables.window), dtype=TEXT)
    out.attrs["assumptions"] = [*prices.notes(), BILLED_RESTORE_NOTE, *_window_notes(tables)]
    ordered = [*KEYS, "snapstart", "basis", "memory_mb", "invocations", "restores", "cached_seconds",
               *COST_COLUMNS, "assumptions"]
    return out[ordered]


BILLED_RESTORE_NOTE = ("Billed Duration already includes Billed Restore Duration: billed_restore_cost_usd "
                       "is the part of duration_cost_usd spent restoring, not added to the total again")


def cost_over_time(
    tables: Tables, prices: Prices, bucket: str | None = None, versions: pd.DataFrame | None = None, *,
    until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Long table of cost per time bucket, function and version, plus ``cumulative_*`` running
    totals. Invocation charges fall in the bucket of their REPORT; the cache charge is spread over
    the buckets the version is cached in, in proportion to the seconds cached in each (the 3-hour
    minimum included), so the buckets of a version add up to its :func:`cost_by_version` row.
    """
    grouped = Grouped.of(tables.invocations)
    life = without_cache_window(lifetimes(tables, versions, until, grouped))
    rows = _dated(_invocation_rows(tables.invocations, life, grouped))
    inv = tables.invocations
    stamps = [inv["timestamp"].min(), inv["timestamp"].max(),
              life["cached_from"].min(), life["cached_until"].max()]
    stamps = [s for s in stamps if not pd.isna(s)]
    if not stamps:
        return _empty_cost_over_time()
    start, end = min(stamps), max(stamps)
    if life["cached_until"].notna().any() and end == life["cached_until"].max():
        end = end - pd.Timedelta(1, "ns")  # a window ending on a bucket edge adds no empty bucket
    bucket = bucket or auto_bucket(start, end)
    edges = bucket_edges(start, end, bucket)
    step = pd.Timedelta(bucket).value
    n_versions, n_buckets = len(life), len(edges)

    cells = rows["pos"] * n_buckets + (rows["time_ns"] - edges[0].value) // step
    usd = _row_costs(rows, prices)
    grid = {part: np.bincount(cells, weights=usd[part], minlength=n_versions * n_buckets)
            .reshape(n_versions, n_buckets) for part in COST_PARTS[1:]}
    grid["cache"] = _cache_grid(life, edges.asi8, step, prices)

    out = {
        "bucket_start": pd.array(np.tile(edges.asi8, n_versions).astype("datetime64[ns]"))
    }
    out_frame = pd.DataFrame(out)
    out_frame["bucket_start"] = out_frame["bucket_start"].dt.tz_localize("UTC")
    repeat = np.repeat(np.arange(n_versions), n_buckets)
    for key in KEYS:
        out_frame[key] = life[key].array.take(repeat)
    grid["total"] = np.sum([grid[part] for part in COST_PARTS if part != "billed_restore"], axis=0)
    for part in (*COST_PARTS, "total"):
        out_frame[f"{part}_cost_usd"] = float_array(grid[part].ravel())
    for part in (*COST_PARTS, "total"):
        out_frame[f"cumulative_{part}_cost_usd"] = float_array(np.cumsum(grid[part], axis=1).ravel())
    out_frame.attrs["assumptions"] = [*prices.notes(), BILLED_RESTORE_NOTE,
                                      "cache charge spread over the buckets the version is cached in",
                                      *_window_notes(tables)]
    return out_frame


def _cache_grid(life: pd.DataFrame, edges_ns: np.ndarray, step_ns: int, prices: Prices) -> np.ndarray:
    """Cache USD per (version, bucket): seconds of overlap between the cache window and each bucket."""
    start = utc_ns(life["cached_from"]).astype(np.float64)[:, None]
    stop = utc_ns(life["cached_until"]).astype(np.float64)[:, None]
    cached = life["cached_from"].notna().to_numpy()[:, None]
    lo = edges_ns.astype(np.float64)[None, :]
    overlap_s = np.clip(np.minimum(stop, lo + step_ns) - np.maximum(start, lo), 0, None) / 1e9
    memory_gb = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan)[:, None] / MB_PER_GB
    return np.where(cached, overlap_s * memory_gb * prices.cache_gb_s, 0.0)


def _invocation_rows(inv: pd.DataFrame, life: pd.DataFrame, grouped: Grouped) -> dict[str, np.ndarray]:
    """Per invocation: position of its version in ``life`` and the numbers the cost model needs.

    A row with no memory size takes its version's (the memory of a published version is fixed).
    """
    position = grouped.keys.merge(life[list(KEYS)].reset_index(), on=list(KEYS), how="left")["index"]
    pos = position.to_numpy(dtype=np.int64)[grouped.codes]
    kinds = kind_masks(inv["start_kind"])
    memory = inv["memory_mb"].to_numpy(dtype=float, na_value=np.nan)
    version_memory = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan)
    memory = np.where(np.isnan(memory), version_memory[pos], memory) if len(pos) else memory
    time_ns = utc_ns(inv["timestamp"])
    rows = {
        "pos": pos,
        "time_ns": time_ns,
        "memory_gb": memory / MB_PER_GB,
        "restore": kinds["restore"],
        "init": kinds["init"],
        **{name: inv[name].to_numpy(dtype=float, na_value=np.nan)
           for name in ("duration_ms", "billed_duration_ms", "init_ms", "restore_ms", "billed_restore_ms")},
    }
    return rows


def _dated(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rows that carry a timestamp: only those can be placed in time."""
    dated = rows["time_ns"] != NAT
    return rows if dated.all() else {name: values[dated] for name, values in rows.items()}


def _row_costs(rows: dict[str, np.ndarray], prices: Prices) -> dict[str, np.ndarray]:
    """USD per invocation for each invocation-driven charge."""
    gb = rows["memory_gb"]
    return {
        "restore": np.where(rows["restore"], gb * prices.restore_gb, 0.0),
        "billed_restore": zero_nan(rows["billed_restore_ms"]) / 1000 * gb * prices.duration_gb_s,
        "duration": zero_nan(rows["billed_duration_ms"]) / 1000 * gb * prices.duration_gb_s,
        "request": np.full(len(gb), prices.request),
    }


def _add_total(frame: pd.DataFrame) -> None:
    # billed_restore is inside duration (Billed Duration includes it): never add it twice.
    frame["total_cost_usd"] = (frame["cache_cost_usd"] + frame["restore_cost_usd"]
                               + frame["duration_cost_usd"] + frame["request_cost_usd"])


WINDOW_NOTE = ("time range: cache charged only for the seconds of the range each version was cached "
               "(its cache window, 3-hour minimum, from all the data), restores only inside the range")


def _window_notes(tables: Tables) -> list[str]:
    return [WINDOW_NOTE] if tables.window is not None else []


def _assumption_texts(life: pd.DataFrame, prices: Prices, window: Window | None = None) -> list[str]:
    price_note = "; ".join(prices.notes())
    if window is not None:
        price_note = f"{price_note}; cache charged only inside the time range"
    texts = []
    for snapstart, basis in zip(life["snapstart"], life["basis"], strict=True):
        if not snapstart:
            cache = "no SnapStart snapshot seen: no cache or restore charge"
        elif basis == "lambda api":
            cache = "cache from version creation (Lambda API) to the end of the data, 3-hour minimum"
        else:
            cache = ("cache from first to last sighting in the logs, 3-hour minimum "
                     "(a version cached longer than the logs show costs more)")
        texts.append(f"{cache}; {price_note}")
    return texts


def _empty_cost_over_time() -> pd.DataFrame:
    columns = {"bucket_start": TIME, "function": TEXT, "version": TEXT}
    columns.update({f"{part}_cost_usd": FLOAT for part in (*COST_PARTS, "total")})
    columns.update({f"cumulative_{part}_cost_usd": FLOAT for part in (*COST_PARTS, "total")})
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


# --------------------------------------------------------------------------- options and break-even


def peak_concurrency(invocations: pd.DataFrame, by: tuple[str, ...] = KEYS) -> pd.DataFrame:
    """Observed peak concurrency per ``by`` group: the most invocations running at one instant.

    An invocation runs from ``timestamp - duration_ms`` to ``timestamp`` (the REPORT is written
    when it ends); init and restore time are left out because Provisioned Concurrency, the thing
    this sizes, does them ahead of time. One invocation ending exactly when another starts is
    not an overlap. Vectorized: +1/-1 events, one lexsort, one cumulative sum.
    """
    inv = invocations[invocations["timestamp"].notna()]
    keys, codes = group_codes(inv, by)
    end = utc_ns(inv["timestamp"])
    start = end - _duration_ns(inv["duration_ms"].to_numpy(dtype=float, na_value=np.nan))
    out = keys.copy()
    out["pc_concurrency"] = pd.array(_peak(codes, start, end, len(keys)), INT)
    return out


def _duration_ns(duration_ms: np.ndarray) -> np.ndarray:
    return np.round(zero_nan(duration_ms) * 1e6).astype(np.int64)


def _peak(codes: np.ndarray, start: np.ndarray, end: np.ndarray, n_groups: int) -> np.ndarray:
    """Max overlap per group code, from +1 (start) / -1 (end) events sorted by group then time.

    Each group's +1s and -1s cancel, so one global running sum restarts at zero at every group
    boundary. Group, time (microseconds) and event kind are packed into one int64 so a plain
    ``np.sort`` orders them (about 10x faster than ``np.lexsort`` on a million calls).
    """
    peak = np.zeros(n_groups, dtype=np.int64)
    if codes.size == 0:
        return peak
    origin = min(start.min(), end.min())
    start_us = (start - origin) // 1000
    # A call shorter than a microsecond still ran: give it one, so it counts at its instant.
    micros = np.concatenate([start_us, np.maximum((end - origin) // 1000, start_us + 1)])
    group = np.tile(codes.astype(np.int64), 2)
    # Ends sort before starts at the same instant (0 < 1): back-to-back calls do not overlap.
    is_start = np.repeat(np.array([1, 0], np.int64), codes.size)
    time_bits = int(micros.max()).bit_length()
    if time_bits + max(n_groups - 1, 1).bit_length() + 1 <= 62:
        events = np.sort(((group << time_bits | micros) << 1) | is_start)
        firsts = np.searchsorted(events, np.arange(n_groups + 1, dtype=np.int64) << (time_bits + 1))
        is_start = events & 1
    else:  # a span of centuries or millions of versions: fall back to the general sort
        order = np.lexsort((is_start, micros, group))
        firsts = np.searchsorted(group[order], np.arange(n_groups + 1))
        is_start = is_start[order]
    running = 2 * np.cumsum(is_start) - np.arange(1, is_start.size + 1)
    present = firsts[:-1] < firsts[1:]
    peak[present] = np.maximum.reduceat(running, firsts[:-1][present])
    return peak


def compare_options(
    tables: Tables, prices: Prices, versions: pd.DataFrame | None = None, *,
    until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The same observed traffic priced three ways, per function version and option.

    - ``snapstart``: every cold start is a restore: restore charge + billed restore at the duration
      price + the cache for the version's lifetime (3-hour minimum). Latency: restore + duration.
    - ``on-demand``: every cold start is an init, billed as the platform bills it (from
      2025-08-01 ``ceil(Duration + Init Duration)``, before that init was free). Latency: init +
      duration, using observed init durations of the function, else its snapshot INIT_REPORT.
    - ``provisioned-concurrency``: the observed peak concurrency kept provisioned for the observed
      traffic window (rounded up to 5 minutes), duration at the PC duration price, no cold starts.

    Cold starts are assumed to be as many under SnapStart as on-demand (same traffic, same
    environment churn). A cost that cannot be estimated (e.g. no init duration ever seen for the
    function) is ``<NA>``, never zero. Columns: function, version, option, total_cost_usd and its
    parts, cold_starts, cold_start_p50_ms, cold_start_p99_ms, pc_concurrency, cheapest, and the
    :func:`break_even` columns of the version.
    """
    per_version, options = _compare(tables, prices, versions, until)
    frames = []
    for option in OPTIONS:
        frame = per_version[[*KEYS]].copy()
        frame.insert(2, "option", pd.Series([option] * len(frame), dtype=TEXT, index=frame.index))
        for name, values in options[option].items():
            frame[name] = values
        frames.append(frame)
    # Version by version, each with its three options in OPTIONS order.
    out = pd.concat(frames, keys=range(len(frames)), names=["_option", "_version"]).sort_index(
        level=["_version", "_option"]).reset_index(drop=True)
    total = out["total_cost_usd"].astype(float)
    lowest = total.groupby([out["function"], out["version"]], dropna=False).transform("min")
    out["cheapest"] = (total == lowest).fillna(False).astype(bool)
    out = out.merge(per_version, on=list(KEYS), how="left")
    out.attrs["assumptions"] = [*prices.notes(), *COMPARE_NOTES, *_window_notes(tables)]
    return out


COMPARE_NOTES = (
    "cold starts assumed as many under SnapStart as on-demand (same traffic)",
    "on-demand init billed as ceil(Duration + Init Duration) from 2025-08-01, free before",
    "Provisioned Concurrency sized to the observed peak concurrency for the observed traffic window",
    "SnapStart estimate for $LATEST assumes it were published as a version ($LATEST has no snapshot)",
)


def break_even(
    tables: Tables, prices: Prices, versions: pd.DataFrame | None = None, *,
    until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Per function version, where one option starts to beat another:

    - ``snapstart_break_even_cold_starts``: SnapStart costs less than on-demand once the period
      has more cold starts than this (the cache is a fixed cost; each restore instead of an
      init saves a little when init is billed); ``<NA>`` when a restore never costs less;
    - ``pc_break_even_invocations_per_hour``: Provisioned Concurrency (observed peak) costs less
      than the current option (SnapStart if the version uses it, else on-demand) above this
      traffic, at the observed mean billed duration and cold-start rate; ``<NA>`` when never;
    - ``observed_cold_starts``, ``observed_invocations_per_hour`` to compare with, and a ``note``
      saying it in words.
    """
    return _compare(tables, prices, versions, until)[0]


def _compare(
    tables: Tables, prices: Prices, versions: pd.DataFrame | None, until: pd.Timestamp | None
) -> tuple[pd.DataFrame, dict[str, dict[str, pd.api.extensions.ExtensionArray]]]:
    """Both halves of the comparison from one pass: the break-even frame (one row per version)
    and, per option, the columns of its compare_options rows."""
    grouped = Grouped.of(tables.invocations)
    life = lifetimes(tables, versions, until, grouped)
    every = _invocation_rows(tables.invocations, life, grouped)
    rows = _dated(every)
    n = len(life)
    pos = rows["pos"]
    count = np.bincount(pos, minlength=n)
    # Every invocation as observed: one full pass. Warm invocations cost the same under every
    # option (but PC's duration price), so the options differ only in their cold starts.
    observed_gb_s = np.bincount(pos, weights=rows["memory_gb"] * zero_nan(rows["billed_duration_ms"]) / 1000,
                                minlength=n)

    # From here on, the cold starts alone: a few per cent of the rows.
    is_cold = rows["restore"] | rows["init"]
    cold_rows = {name: values[is_cold] for name, values in rows.items()}
    cold = _ColdStarts(cold_rows, n, _function_estimates(tables, life, rows))
    billed_ms = {
        "snapstart": np.where(cold.init, np.ceil(cold.duration) + cold.billed_restore_ms, cold.billed),
        "on-demand": np.where(cold.restore, np.ceil(cold.duration + np.where(cold.init_billed, cold.init_ms, 0.0)),
                              cold.billed),
        "provisioned-concurrency": np.ceil(cold.duration),  # environments ready: handler time only
    }
    # GB-seconds per option: the observed ones with each cold start re-billed the option's way.
    gb_s = {option: observed_gb_s + cold.sum(cold.memory_gb * (ms - cold.billed) / 1000)
            for option, ms in billed_ms.items()}
    duration_usd = {option: gb_s[option] * (prices.pc_duration_gb_s if option == OPTIONS[2] else prices.duration_gb_s)
                    for option in OPTIONS}
    restore_usd = cold.sum(cold.memory_gb * prices.restore_gb)
    colds = cold.count

    request = count * prices.request
    memory_gb = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan) / MB_PER_GB
    cache = memory_gb * life["cached_seconds"].to_numpy(dtype=float, na_value=np.nan) * prices.cache_gb_s

    end = rows["time_ns"]
    start = end - _duration_ns(rows["duration_ms"])
    peak = _peak(pos, start, end, n)
    window_s = _traffic_window_seconds(pos, start, end, n)
    provisioned = peak * memory_gb * window_s * prices.pc_gb_s

    snap_latency = grouped_percentiles(cold.pos, cold.restore_ms + cold.duration, n)
    od_latency = grouped_percentiles(cold.pos, cold.init_ms + cold.duration, n)
    zero_latency = np.where(colds > 0, 0.0, np.nan)
    options: dict[str, dict[str, pd.api.extensions.ExtensionArray]] = {}
    Part = np.ndarray | float
    parts: dict[str, tuple[Part, Part, Part, Part, np.ndarray | None]] = {
        "snapstart": (cache, restore_usd, duration_usd["snapstart"], 0.0, snap_latency),
        "on-demand": (0.0, 0.0, duration_usd["on-demand"], 0.0, od_latency),
        "provisioned-concurrency": (0.0, 0.0, duration_usd["provisioned-concurrency"], provisioned, None),
    }
    for option, (cache_part, restore_part, duration_part, provisioned_part, latency) in parts.items():
        zeros = np.zeros(n)
        total = cache_part + restore_part + duration_part + request + provisioned_part
        options[option] = {
            "cache_cost_usd": float_array(zeros + cache_part),
            "restore_cost_usd": float_array(zeros + restore_part),
            "duration_cost_usd": float_array(zeros + duration_part),
            "request_cost_usd": float_array(request),
            "provisioned_cost_usd": float_array(zeros + provisioned_part),
            "total_cost_usd": float_array(total),
            "cold_starts": pd.array(colds.astype(np.int64) if latency is not None else np.zeros(n, np.int64), INT),
            "cold_start_p50_ms": float_array(latency[:, 0] if latency is not None else zero_latency),
            "cold_start_p99_ms": float_array(latency[:, 2] if latency is not None else zero_latency),
            "pc_concurrency": pd.array(peak, INT),
        }

    # SnapStart vs on-demand: cache is fixed; each cold start differs by delta_per_cold.
    with np.errstate(divide="ignore", invalid="ignore"):
        delta_per_cold = (duration_usd["snapstart"] - duration_usd["on-demand"] + restore_usd) / colds
        be_cold = np.where(delta_per_cold < 0, cache / -delta_per_cold, np.nan)
        # PC vs the current option, both as fixed USD/hour + variable USD/invocation.
        current_is_snap = life["snapstart"].to_numpy(dtype=bool)
        totals = {option: options[option]["total_cost_usd"].to_numpy(float, na_value=np.nan)
                  for option in ("snapstart", "on-demand")}
        current_total = np.where(current_is_snap, totals["snapstart"], totals["on-demand"])
        current_fixed = np.where(current_is_snap, cache, 0.0)
        current_var = (current_total - current_fixed - request) / count
        current_fixed_hour = np.where(current_is_snap, memory_gb * 3600 * prices.cache_gb_s, 0.0)
        pc_fixed_hour = peak * memory_gb * 3600 * prices.pc_gb_s
        pc_var = duration_usd["provisioned-concurrency"] / count
        saving = current_var - pc_var
        be_rate = np.where(saving > 0, np.maximum(pc_fixed_hour - current_fixed_hour, 0) / saving, np.nan)
        observed_rate = count / (window_s / 3600)

    per = life[[*KEYS]].copy()
    per["observed_cold_starts"] = pd.array(colds.astype(np.int64), INT)
    per["snapstart_break_even_cold_starts"] = float_array(be_cold)
    per["observed_invocations_per_hour"] = float_array(np.where(count > 0, observed_rate, np.nan))
    per["pc_break_even_invocations_per_hour"] = float_array(be_rate)
    notes = [_break_even_note(*args) for args in zip(
        colds, delta_per_cold, be_cold, cache, current_is_snap, be_rate, observed_rate, peak,
        life["memory_mb"], count, np.isnan(totals["snapstart"]), strict=True)]
    # Invoked, but never at a known time (a console copy): the cache period, the traffic window
    # and the peak concurrency are unknown, so no option has a cost to compare (not $0 each).
    untimed = (np.bincount(every["pos"], minlength=n) > 0) & (count == 0)
    for option in OPTIONS:
        for name, values in options[option].items():
            if name.endswith("_cost_usd"):
                values[untimed] = pd.NA
    for i in np.flatnonzero(untimed):
        notes[i] = UNTIMED_NOTE
    for column in ("snapstart_break_even_cold_starts", "pc_break_even_invocations_per_hour"):
        per.loc[untimed, column] = pd.NA
    per["note"] = pd.array(notes, dtype=TEXT)
    return per, options


UNTIMED_NOTE = ("its invocations carry no time: options cannot be compared without when they ran "
                "(how long the version was cached, how many calls ran at once)")


class _ColdStarts:
    """The cold-start rows of the comparison, with what each would have taken the other way."""

    def __init__(self, rows: dict[str, np.ndarray], n_versions: int, estimates: dict[str, np.ndarray]):
        self.pos, self.n = rows["pos"], n_versions
        self.count = np.bincount(self.pos, minlength=n_versions)
        self.restore, self.init = rows["restore"], rows["init"]
        self.memory_gb = rows["memory_gb"]
        self.duration = zero_nan(rows["duration_ms"])
        self.billed = zero_nan(rows["billed_duration_ms"])
        self.init_billed = rows["time_ns"] >= INIT_BILLED_SINCE.value
        # Observed where this cold start was of that kind, else the function's median of the other.
        fn = estimates["function_of_version"][self.pos]
        self.init_ms = np.where(self.init, rows["init_ms"], estimates["init_ms"][fn])
        self.restore_ms = np.where(self.restore, rows["restore_ms"], estimates["restore_ms"][fn])
        self.billed_restore_ms = np.where(self.restore, zero_nan(rows["billed_restore_ms"]),
                                          estimates["billed_restore_ms"][fn])

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per-version sum over the cold starts (NaN, an unknown estimate, stays NaN)."""
        return np.bincount(self.pos, weights=values, minlength=self.n)


def _function_estimates(tables: Tables, life: pd.DataFrame, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per function: median observed init, restore and billed restore durations (ms). Init falls
    back to the snapshot INIT_REPORT of the function when no on-demand init was ever seen."""
    function_of_version, functions = pd.factorize(life["function"], use_na_sentinel=False)
    nf = len(functions)

    def median(mask: np.ndarray, name: str) -> np.ndarray:
        return grouped_percentiles(function_of_version[rows["pos"][mask]], rows[name][mask], nf)[:, 0]

    init_ms = median(rows["init"], "init_ms")
    inits = tables.inits[(tables.inits["init_kind"] == "snapshot").fillna(False).astype(bool)]
    snap_codes = functions.get_indexer(pd.Index(inits["function"]))
    known = snap_codes >= 0
    snapshot_ms = grouped_percentiles(snap_codes[known], inits["init_ms"].to_numpy(float, na_value=np.nan)[known], nf)
    return {
        "function_of_version": function_of_version,
        "init_ms": np.where(np.isnan(init_ms), snapshot_ms[:, 0], init_ms),
        "restore_ms": median(rows["restore"], "restore_ms"),
        "billed_restore_ms": median(rows["restore"], "billed_restore_ms"),
    }


def _traffic_window_seconds(pos: np.ndarray, start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """First start to last end of each version's traffic, rounded up to PC's 5-minute billing step."""
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, pos, start)
    np.maximum.at(last, pos, end)
    step = PC_BILLING_STEP.value
    span = np.maximum(last - first, 1)
    return np.where(first <= last, np.ceil(span / step) * step / 1e9, 0.0)


def _break_even_note(colds: int, delta: float, be_cold: float, cache: float, current_is_snap: bool, be_rate: float,
                     observed_rate: float, peak: int, memory_mb: int, count: int, no_restore_estimate: bool) -> str:
    """The break-even figures in one sentence each, for people."""
    if colds == 0:
        snap = "no cold starts observed: SnapStart would only add its cache charge"
    elif np.isnan(delta):
        missing = "restore" if no_restore_estimate else "init (or snapshot INIT_REPORT)"
        snap = f"cannot compare SnapStart with on-demand: no {missing} duration seen for this function"
    elif delta < 0:
        snap = (f"SnapStart costs less than on-demand above {be_cold:,.0f} cold starts in this period "
                f"(observed {colds:,.0f}; cache ${cache:.4f}, each restore ${-delta:.6f} cheaper than an init)")
    else:
        snap = (f"SnapStart never costs less than on-demand here (each restore ${delta:.6f} more than an "
                "init): it buys latency, not savings")
    current = "SnapStart" if current_is_snap else "on-demand"
    if count == 0:
        pc = "no traffic: Provisioned Concurrency not needed"
    elif np.isnan(be_rate):
        pc = f"Provisioned Concurrency ({peak} x {memory_mb} MB) never costs less than {current} here"
    else:
        pc = (f"Provisioned Concurrency ({peak} x {memory_mb} MB) costs less than {current} above "
              f"{be_rate:,.0f} invocations/hour (observed {observed_rate:,.0f}/hour)")
    return f"{snap}; {pc}"
