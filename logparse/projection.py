"""What the next 30 days would cost under each option, from the traffic seen so far.

The observed traffic of a version (invocations and cold starts per hour, over the hours from its
first to its last REPORT) is stretched to the projection period; each option's observed cost from
:func:`cost.compare_options` is split into what scales with time, with invocations and with cold
starts:

- fixed for the whole period: the SnapStart cache (the version is cached all month) and
  Provisioned Concurrency kept at the observed peak concurrency all month;
- per cold start: the SnapStart restore charge;
- per invocation: everything else (duration, including billed restore or billed on-demand init,
  and requests), at the observed cost per invocation.

The range comes from a circular block bootstrap of the observed traffic: blocks of 24 consecutive
hours drawn with replacement (single hours when fewer than two days were seen), so a busy afternoon
or a quiet night is drawn whole, ``RESAMPLES`` times from a fixed seed (one stream per version, so
its range does not depend on the versions beside it); the low and high ends are the 5th and 95th
percentiles of the projected cost. A week of data gives a fair range; an hour of data gives a
wide one, and the output says how many hours it stood on.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from logparse import cost, lifetimes, pricetable
from logparse.metrics import KEYS, float_array, group_codes
from logparse.tables import FLOAT, INT, TEXT, Tables
from logparse.timeutil import utc_ns

DAYS = 30
RESAMPLES = 1000
SEED = 20261203
RANGE = (5.0, 95.0)  # percentiles of the bootstrap: a 90 % range
HOUR_NS = 3_600 * 10**9
MIN_DAYS_FOR_DAY_BLOCKS = 2

COLUMNS: dict[str, str] = {
    "function": TEXT, "version": TEXT, "option": TEXT, "days": INT,
    "projected_cost_usd": FLOAT, "low_cost_usd": FLOAT, "high_cost_usd": FLOAT, "fixed_cost_usd": FLOAT,
    "projected_invocations": FLOAT, "low_invocations": FLOAT, "high_invocations": FLOAT,
    "projected_cold_starts": FLOAT, "observed_hours": INT, "block": TEXT, "cheapest": "boolean",
}
NOTES = (
    "30-day projection: the observed hourly traffic of each version repeated over the period; "
    "range = 5th-95th percentile of a bootstrap of 24-hour blocks of it (hours if under 2 days seen)",
    "SnapStart cache and Provisioned Concurrency (at the observed peak) are charged for the whole period",
    "duration and requests scale with invocations, restore charges with cold starts, at the observed cost of each",
)


def hourly_traffic(tables: Tables) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per version (rows of the returned key frame): invocations and cold starts per hour, from
    the version's first hour to its last, as two ``(versions, hours)`` arrays padded with NaN
    after each version's last hour. One ``bincount`` over (version, hour) cells; undated rows are
    left out."""
    inv = tables.invocations
    dated = inv["timestamp"].notna().to_numpy(dtype=bool)
    inv = inv[dated] if not dated.all() else inv
    keys, codes = group_codes(inv, KEYS)
    n = len(keys)
    if not n or not len(codes):
        return keys, np.zeros((n, 0)), np.zeros((n, 0))
    hours = utc_ns(inv["timestamp"]) // HOUR_NS
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, hours)
    np.maximum.at(last, codes, hours)
    span = last - first + 1
    width = int(span.max())
    cells = codes * width + (hours - first[codes])
    cold = inv["start_kind"].isin(["init", "restore"]).fillna(False).to_numpy(dtype=bool)
    calls = np.bincount(cells, minlength=n * width).reshape(n, width).astype(float)
    colds = np.bincount(cells, weights=cold, minlength=n * width).reshape(n, width)
    outside = np.arange(width)[None, :] >= span[:, None]
    calls[outside] = np.nan
    colds[outside] = np.nan
    return keys, calls, colds


def project(tables: Tables, prices: pricetable.Prices, versions: pd.DataFrame | None = None, *,
            days: int = DAYS, resamples: int = RESAMPLES, seed: int = SEED,
            options: pd.DataFrame | None = None) -> pd.DataFrame:
    """Projected cost of the next ``days`` per function version and option (:data:`COLUMNS`),
    three rows per version in :data:`cost.OPTIONS` order; ``cheapest`` marks the lowest projection.
    ``options`` is :func:`cost.compare_options` of the same tables, prices and versions if the
    caller already has it."""
    options = cost.compare_options(tables, prices, versions) if options is None else options
    keys, calls, colds = hourly_traffic(tables)
    if options.empty or keys.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})
    life = lifetimes.version_lifetimes(tables, versions)
    memory_gb = (keys.merge(life[[*KEYS, "memory_mb"]], on=list(KEYS), how="left")["memory_mb"]
                 .to_numpy(dtype=float, na_value=np.nan) / pricetable.MB_PER_GB)
    period_s = days * 86_400.0
    rows = []
    for code, key in enumerate(keys.itertuples(index=False)):
        per_hour, cold_per_hour = calls[code][~np.isnan(calls[code])], colds[code][~np.isnan(colds[code])]
        traffic = _draws(per_hour, cold_per_hour, days, resamples, _rng(seed, str(key.function), str(key.version)))
        observed = options[(options["function"] == key.function) & (options["version"] == key.version)]
        observed_inv, observed_cold = int(per_hour.sum()), int(cold_per_hour.sum())
        for option in observed.itertuples(index=False):
            cache = memory_gb[code] * period_s * prices.cache_gb_s if option.option == "snapstart" else 0.0
            pc = (option.pc_concurrency * memory_gb[code] * period_s * prices.pc_gb_s
                  if option.option == "provisioned-concurrency" else 0.0)
            restore = _float(option.restore_cost_usd)
            rest = (_float(option.total_cost_usd) - _float(option.cache_cost_usd)
                    - _float(option.provisioned_cost_usd) - restore)
            per_invocation = rest / observed_inv if observed_inv else 0.0
            per_cold = restore / observed_cold if observed_cold else 0.0
            cold_draws = traffic.cold if option.option != "provisioned-concurrency" else traffic.cold * 0
            draws = cache + pc + traffic.invocations * per_invocation + cold_draws * per_cold
            point = cache + pc + traffic.mean_invocations * per_invocation + (
                traffic.mean_cold * per_cold if option.option != "provisioned-concurrency" else 0.0)
            low, high = np.percentile(draws, RANGE) if np.isfinite(draws).all() else (np.nan, np.nan)
            rows.append({
                "function": key.function, "version": key.version, "option": option.option, "days": days,
                "projected_cost_usd": point, "low_cost_usd": low, "high_cost_usd": high,
                "fixed_cost_usd": cache + pc,
                "projected_invocations": traffic.mean_invocations,
                "low_invocations": np.percentile(traffic.invocations, RANGE[0]),
                "high_invocations": np.percentile(traffic.invocations, RANGE[1]),
                "projected_cold_starts": traffic.mean_cold if option.option != "provisioned-concurrency" else 0.0,
                "observed_hours": traffic.hours, "block": traffic.block,
            })
    out = pd.DataFrame(rows)
    for name in ("projected_cost_usd", "low_cost_usd", "high_cost_usd"):
        out[name] = float_array(out[name].to_numpy(dtype=float))
    lowest = out.groupby(list(KEYS), sort=False)["projected_cost_usd"].transform("min")
    out["cheapest"] = (out["projected_cost_usd"] == lowest).fillna(False)
    out = out[list(COLUMNS)].astype(COLUMNS)
    out.attrs["assumptions"] = [*prices.notes(), *NOTES]
    return out


@dataclass(frozen=True)
class Traffic:
    """One version's projected traffic: bootstrap draws and the point estimates over the period."""

    invocations: np.ndarray  # invocations per draw
    cold: np.ndarray  # cold starts per draw
    mean_invocations: float
    mean_cold: float
    hours: int  # observed hours the draws come from
    block: str  # "day" or "hour"


def _draws(per_hour: np.ndarray, cold_per_hour: np.ndarray, days: int, resamples: int,
           rng: np.random.Generator) -> Traffic:
    """Projected invocations and cold starts: the point (the observed mean rate times the period)
    and ``resamples`` draws of a circular block bootstrap.

    A block is 24 consecutive observed hours starting at any hour (wrapping round the end), or one
    hour when fewer than two days were seen. Every hour lies in as many blocks as any other, so the
    draws centre on the point estimate, and a day's shape (a busy afternoon, a quiet night) stays
    whole inside a block.
    """
    span = per_hour.size
    size = 24 if span >= MIN_DAYS_FOR_DAY_BLOCKS * 24 else 1
    blocks, cold_blocks = _circular_sums(per_hour, size), _circular_sums(cold_per_hour, size)
    idx = rng.integers(0, span, size=(resamples, days * 24 // size))
    return Traffic(invocations=blocks[idx].sum(axis=1), cold=cold_blocks[idx].sum(axis=1),
                   mean_invocations=float(per_hour.mean()) * days * 24,
                   mean_cold=float(cold_per_hour.mean()) * days * 24, hours=span,
                   block="day" if size == 24 else "hour")


def _rng(seed: int, function: str, version: str) -> np.random.Generator:
    """The draws of one version from its own stream: the seed and a stable hash of its name, so a
    version's range is the same whichever other versions were loaded or selected beside it."""
    return np.random.default_rng([seed, zlib.crc32(f"{function}\x00{version}".encode())])


def _circular_sums(values: np.ndarray, size: int) -> np.ndarray:
    """Sum of ``size`` consecutive values starting at each index, wrapping round the end."""
    extended = np.concatenate([[0.0], np.cumsum(np.concatenate([values, values[:size - 1]]))])
    sums: np.ndarray = extended[size:size + values.size] - extended[:values.size]
    return sums


def _float(value: Any) -> float:
    return float("nan") if value is None or value is pd.NA else float(value)
