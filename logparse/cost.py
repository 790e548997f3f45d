"""What SnapStart costs, and whether it pays: the price table and the cost model (DESIGN.md, "Cost model").

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

import csv
import warnings
import weakref
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from logparse.metrics import (
    KEYS,
    auto_bucket,
    bucket_edges,
    float_array,
    group_codes,
    grouped_percentiles,
    kind_masks,
    most_common,
    sort_versions,
    zero_nan,
)
from logparse.tables import FLOAT, INT, TEXT, TIME, Tables, Window

DEFAULT_REGION = "us-east-1"
DEFAULT_ARCH = "x86_64"
ARCHS = ("x86_64", "arm64")
PRICE_COLUMNS = ("cache_gb_s", "restore_gb", "duration_gb_s", "request", "pc_gb_s", "pc_duration_gb_s")
MB_PER_GB = 1024  # Lambda's GB-second is 1024 MB for one second.

# AWS charges the SnapStart cache for at least 3 hours per version.
CACHE_MINIMUM = pd.Timedelta(hours=3)
# Provisioned Concurrency is billed from enable to disable, rounded up to 5 minutes.
PC_BILLING_STEP = pd.Timedelta(minutes=5)
# From this date Lambda bills the on-demand INIT phase (billed = ceil(Duration + Init Duration));
# before it, init was free. Used to price the on-demand alternative the way the platform would.
INIT_BILLED_SINCE = pd.Timestamp("2025-08-01", tz="UTC")
LATEST = "$LATEST"  # never has a snapshot: SnapStart only applies to published versions

COST_PARTS = ("cache", "restore", "billed_restore", "duration", "request")
COST_COLUMNS = (*(f"{part}_cost_usd" for part in COST_PARTS), "total_cost_usd")
OPTIONS = ("snapstart", "on-demand", "provisioned-concurrency")
SHARED_NOTE = "no ARM twin in the price list: x86_64 and arm64 share this SnapStart meter"


class PriceError(ValueError):
    """A price table that cannot be used; the CLI exits with ``exit_code`` and prints ``hint()``."""

    exit_code = 1

    def hint(self) -> str:
        return ("a price file needs the columns region, arch, " + ", ".join(PRICE_COLUMNS)
                + " and, ideally, source and date (see logparse/prices.csv)")


class UnknownRegion(PriceError):
    """A region the price table has no prices for: a usage error naming the regions it has."""

    exit_code = 2

    def hint(self) -> str:
        return "run `python -m logparse prices --update` for every region, or give --prices FILE"


# --------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Prices:
    """The unit prices (USD) for one region and architecture, with where they came from."""

    region: str
    arch: str
    cache_gb_s: float
    restore_gb: float
    duration_gb_s: float
    request: float
    pc_gb_s: float
    pc_duration_gb_s: float
    source: str
    date: str
    # Set when the asked-for region has no row and us-east-1 prices stand in for it.
    fallback: bool = False
    requested_region: str = ""
    # Set when the caller did not say: logs carry neither region nor architecture.
    region_assumed: bool = False
    arch_assumed: bool = False
    # Duration tiers (begin GB-s, end GB-s or inf, USD per GB-s), when the table has them, and how
    # the duration price in use was chosen from them.
    duration_tiers: tuple[tuple[float, float, float], ...] = ()
    duration_basis: str = "first duration tier"

    def notes(self) -> list[str]:
        """Plain-language assumptions behind these prices, for outputs to print."""
        notes = []
        if self.region_assumed or self.arch_assumed:
            notes.append(f"region {self.region} and architecture {self.arch} assumed: "
                         "the logs do not say (use --region/--arch or the Lambda API)")
        if self.fallback:
            notes.append(f"no prices for region {self.requested_region}: {self.region} prices used")
        notes.append(f"{self.region} {self.arch} prices of {self.date}, {self.duration_basis}, no free tier")
        if SHARED_NOTE in self.source:  # the Price List has one SnapStart meter for both architectures
            notes.append("SnapStart cache and restore prices have no ARM twin: both architectures use them")
        return notes

    def with_overrides(self, **changes: float) -> Prices:
        """A copy with some prices replaced (CLI flags, dashboard inputs), marked in ``source``."""
        unknown = set(changes) - set(PRICE_COLUMNS)
        if unknown:
            raise PriceError(f"unknown price field(s): {', '.join(sorted(unknown))}")
        given = ", ".join(f"{name}={value}" for name, value in changes.items())
        return replace(self, **{k: float(v) for k, v in changes.items()},
                       source=f"user override ({given}); other prices: {self.source}")


TIER_COLUMNS = ("region", "arch", "begin_gb_s", "end_gb_s", "usd")


def _no_tiers() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str if c in ("region", "arch") else float) for c in TIER_COLUMNS})


@dataclass(frozen=True)
class PriceTable:
    """All known prices, one row per region and architecture (``.frame``, for display too), and
    the duration tiers where the Price List gave them (``.tiers``)."""

    frame: pd.DataFrame = field(repr=False)
    tiers: pd.DataFrame = field(default_factory=_no_tiers, repr=False)

    def lookup(self, region: str | None = None, arch: str | None = None, *, fallback: bool = False) -> Prices:
        """Prices for ``region`` and ``arch`` (default us-east-1, x86_64, marked as assumed).

        A region the table lacks is an :class:`UnknownRegion` error naming the regions it has;
        with ``fallback=True`` (a region that came from the environment, not from the user) it
        warns and uses us-east-1 instead, flagged in the result: a cost silently priced at zero
        would be worse than an approximate one.
        """
        want_region = region or DEFAULT_REGION
        want_arch = arch or DEFAULT_ARCH
        if want_arch not in ARCHS:
            raise PriceError(f"unknown architecture {want_arch!r}: use one of {', '.join(ARCHS)}")
        rows = self.frame[(self.frame["region"] == want_region) & (self.frame["arch"] == want_arch)]
        missing = rows.empty
        if missing and not fallback:
            raise UnknownRegion(f"no prices for region {want_region!r} ({want_arch}); "
                                f"known regions: {', '.join(self.regions)}")
        if missing:
            warnings.warn(
                f"no SnapStart prices for region {want_region!r} ({want_arch}) in the price table: "
                f"using {DEFAULT_REGION} prices instead; run `python -m logparse prices --update` "
                "or give a price file to be exact",
                UserWarning, stacklevel=2,
            )
            rows = self.frame[(self.frame["region"] == DEFAULT_REGION) & (self.frame["arch"] == want_arch)]
            if rows.empty:
                raise PriceError(f"the price table has no {DEFAULT_REGION} {want_arch} row to fall back to")
        row = rows.iloc[0]
        tiers = self.tiers[(self.tiers["region"] == row["region"]) & (self.tiers["arch"] == row["arch"])]
        return Prices(
            region=str(row["region"]), arch=str(row["arch"]),
            **{name: float(row[name]) for name in PRICE_COLUMNS},
            source=str(row["source"]), date=str(row["date"]),
            fallback=missing, requested_region=want_region,
            region_assumed=region is None, arch_assumed=arch is None,
            duration_tiers=tuple(tiers[["begin_gb_s", "end_gb_s", "usd"]].itertuples(index=False, name=None)),
        )

    def listing(self, region: str | None = None, arch: str | None = None) -> pd.DataFrame:
        """The rows for ``region`` and ``arch`` (either may be left out: all of them), with their
        duration tiers in words. A region the table lacks is an :class:`UnknownRegion` error."""
        if region and region not in self.regions:
            self.lookup(region, arch)  # raises, naming the known regions
        rows = self.frame
        if region:
            rows = rows[rows["region"] == region]
        if arch:
            rows = rows[rows["arch"] == arch]
        rows = rows.reset_index(drop=True)
        rows["duration_tiers"] = [self._tier_text(r, a) for r, a in zip(rows["region"], rows["arch"], strict=True)]
        return rows

    def _tier_text(self, region: str, arch: str) -> str:
        tiers = self.tiers[(self.tiers["region"] == region) & (self.tiers["arch"] == arch)]
        if tiers.empty:
            return "first tier only (no tiers in this table)"
        return "; ".join(
            (f"over {b / 1e9:g}" if np.isinf(e) else f"{b / 1e9:g}-{e / 1e9:g}")
            + f" billion GB-s a month: {np.format_float_positional(usd, trim='-')}"
            for b, e, usd in tiers[["begin_gb_s", "end_gb_s", "usd"]].itertuples(index=False))

    @property
    def regions(self) -> list[str]:
        return sorted(self.frame["region"].unique())


def known_regions(path: str | Path | None = None) -> dict[str, list[str]]:
    """Every region the price table in use has prices for, each with its architectures, sorted
    (for a region picker): the bundled table, the user's ``prices --update`` cache, ``path``."""
    frame = load_prices(path).frame
    return {region: sorted(group["arch"]) for region, group in frame.groupby("region", sort=True)}


def load_prices(path: str | Path | None = None, *, cache: bool = True) -> PriceTable:
    """The price table: the packaged ``prices.csv`` (dated, offline), then the user's cache
    written by ``prices --update`` (every region from the AWS Price List), then the file at
    ``path``, each replacing or adding rows per region and architecture; so a user file may hold
    just the one region they use. ``path`` may be a wide table like ``prices.csv`` or a long one
    written by ``prices --update``."""
    from logparse import pricelist

    with resources.files("logparse").joinpath("prices.csv").open("r", encoding="utf-8") as handle:
        frame = _read_prices(handle, "logparse/prices.csv")
    tiers = _no_tiers()
    layers = [(pricelist.cache_path(), False)] if cache else []
    if path is not None:
        layers.append((Path(path), True))
    for layer, required in layers:
        if not (required or layer.exists()):
            continue  # no update yet: the bundled table it is
        wide, more_tiers = _read_layer(layer)
        keys = set(zip(wide["region"], wide["arch"], strict=True))
        frame = pd.concat([wide, frame]).drop_duplicates(["region", "arch"], keep="first")
        old = [(r, a) not in keys for r, a in zip(tiers["region"], tiers["arch"], strict=True)]
        tiers = pd.concat([more_tiers, tiers[old]], ignore_index=True) if len(tiers) else more_tiers
    return PriceTable(frame.sort_values(["region", "arch"], ignore_index=True),
                      tiers.sort_values(["region", "arch", "begin_gb_s"], ignore_index=True))


def _read_layer(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One price file, wide (prices.csv columns) or long (``prices --update``), as wide rows + tiers."""
    try:
        with open(path, encoding="utf-8") as handle:
            header = next((line for line in handle if line.strip() and not line.startswith("#")), "")
            handle.seek(0)
            if "meter" in header.split(","):
                return _long_to_wide(path)
            return _read_prices(handle, str(path)), _no_tiers()
    except OSError as exc:
        raise PriceError(f"cannot read price file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PriceError(f"{path}: not a UTF-8 price table ({exc.reason})") from exc


def _long_to_wide(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ``prices --update`` table -> one row per region and architecture (first tier of every
    meter) and the duration tiers. A region missing a meter is left out (it cannot be priced)."""
    from decimal import InvalidOperation

    from logparse import pricelist

    try:
        rows = pricelist.read_rows(path)
    except (KeyError, ValueError, InvalidOperation, csv.Error) as exc:
        raise PriceError(f"{path}: not a readable price table ({type(exc).__name__}: {exc}); run "
                         "`python -m logparse prices --update` again or delete it") from None
    incomplete = pricelist.missing_meters(rows)
    records: dict[tuple[str, str], dict[str, object]] = {}
    tiers = []
    for row in rows:
        if row.region in incomplete:
            continue
        if row.meter == "duration_gb_s":
            tiers.append((row.region, row.arch, float(row.begin_range), float(row.end_range), float(row.usd)))
        if row.begin_range != 0:
            continue
        record = records.setdefault((row.region, row.arch), {"region": row.region, "arch": row.arch})
        record[row.meter] = float(row.usd)
        record["source"] = f"{row.origin}, AWSLambda offer {row.version} published {row.publication_date}"
        record["date"] = row.publication_date[:10] or "unknown"
        if row.note:  # SnapStart meters: one for both architectures; the output must say so
            record["shared"] = f"; SnapStart cache and restore: {SHARED_NOTE}"
    for record in records.values():
        record["source"] = str(record["source"]) + str(record.pop("shared", ""))
    wide = pd.DataFrame(list(records.values()), columns=["region", "arch", *PRICE_COLUMNS, "source", "date"])
    return wide, pd.DataFrame(tiers, columns=list(TIER_COLUMNS))


def _read_prices(handle, name: str) -> pd.DataFrame:
    """A wide price table (the columns of ``prices.csv``), checked row by row."""
    try:
        frame = pd.read_csv(handle, comment="#", skipinitialspace=True, dtype=str)
    except (ValueError, pd.errors.ParserError) as exc:
        raise PriceError(f"{name}: not a readable CSV price table ({exc})") from exc
    # A user's own file may leave out where its prices came from: it is then their source.
    if "source" not in frame.columns:
        frame["source"] = f"price file {name}"
    if "date" not in frame.columns:
        frame["date"] = "unknown"
    missing = [c for c in ("region", "arch", *PRICE_COLUMNS) if c not in frame.columns]
    if missing:
        raise PriceError(f"{name}: missing column(s) {', '.join(missing)}")
    for column in PRICE_COLUMNS:
        values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            line = int(bad.to_numpy().argmax())
            raise PriceError(f"{name}: {column} of row {line + 1} is not a price: {frame[column].iloc[line]!r}")
        frame[column] = values.astype(float)
    for column in ("region", "arch", "source", "date"):
        frame[column] = frame[column].fillna("").str.strip()
    if frame.duplicated(["region", "arch"]).any():
        raise PriceError(f"{name}: a region and architecture appears twice")
    return frame


def apply_duration_tiers(prices: Prices, invocations: pd.DataFrame) -> Prices:
    """Prices whose duration price is the tiered rate for the GB-seconds of ``invocations``.

    AWS tiers duration per account, region and architecture by the GB-seconds of a calendar
    month (x86_64: the first 6 billion, the next 9 billion, the rest). The logs are taken as that
    month's usage: each month's GB-seconds are priced through the tiers, and the duration price
    becomes total / GB-seconds, so every total stays exact (a bucket's share is the average rate).
    Without tiers in the table (the bundled prices) the first tier stays, and the notes say so.
    """
    if not prices.duration_tiers:
        return replace(prices, duration_basis="first duration tier (this price table has no tiers: "
                                              "run `python -m logparse prices --update`)")
    inv = invocations[invocations["timestamp"].notna()]
    gb_s = (inv["memory_mb"].to_numpy(dtype=float, na_value=0.0) / MB_PER_GB
            * zero_nan(inv["billed_duration_ms"].to_numpy(dtype=float, na_value=np.nan)) / 1000)
    stamps = inv["timestamp"].astype(TIME).dt.tz_convert("UTC")
    months = (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=np.int64)
    month_codes, month_index = pd.factorize(months)
    per_month = np.bincount(month_codes, weights=gb_s, minlength=len(month_index)) if len(gb_s) else np.zeros(0)
    total_gb_s = float(per_month.sum())
    if total_gb_s <= 0:
        return replace(prices, duration_basis="first duration tier (no billed duration to tier)")
    usd = sum(float(np.clip(per_month - begin, 0, end - begin).sum()) * rate
              for begin, end, rate in prices.duration_tiers)
    rate = usd / total_gb_s
    busiest = float(per_month.max())
    basis = (f"duration tiers applied to {total_gb_s:,.0f} GB-s in {len(per_month)} calendar month(s) "
             f"of these logs (up to {busiest:,.0f} GB-s a month, as if the account used nothing else "
             f"in {prices.region}): {rate:.10g} USD per GB-s")
    return replace(prices, duration_gb_s=rate, duration_basis=basis)


# --------------------------------------------------------------------------- version lifetimes


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
    no cache window (NaT) and ``cached_seconds`` 0.
    """
    life = _lifetimes(tables, versions, until)
    return _without_cache_window(life)


def _without_cache_window(life: pd.DataFrame) -> pd.DataFrame:
    """Non-SnapStart versions are not cached: no window, no seconds."""
    life = life.copy()
    off = ~life["snapstart"].to_numpy(dtype=bool)
    life.loc[off, ["cached_from", "cached_until"]] = pd.NaT
    life.loc[off, "cached_seconds"] = 0.0
    return life


def _lifetimes(
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
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")

    from_api = life["created"].notna()
    life["basis"] = pd.array(np.where(from_api, "lambda api", "logs"), dtype=TEXT)
    cached_from = life["created"].where(from_api, life["first_seen"])
    span_end = life["last_seen"].where(~from_api, life["last_seen"].fillna(end).clip(lower=end))
    span_end = span_end.clip(lower=cached_from)
    # AWS rule: the SnapStart cache is charged for at least 3 hours per version.
    cached_until = span_end.clip(lower=cached_from + CACHE_MINIMUM)
    if tables.window is not None:
        cached_from, cached_until = _clip_to_window(cached_from, cached_until, tables.window)
    life["cached_from"] = cached_from.astype(TIME)
    life["cached_until"] = cached_until.astype(TIME)
    life["cached_seconds"] = pd.array(
        (cached_until - cached_from).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan), FLOAT
    ).fillna(0.0)

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
        keep = (life["cached_seconds"] > 0).to_numpy() | invoked["_invoked"].notna().to_numpy()
        life = life[keep]
    return sort_versions(life[columns])


_WHOLE_SIGHTINGS: dict[int, tuple[weakref.ref, pd.DataFrame]] = {}


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
    _WHOLE_SIGHTINGS[key] = (weakref.ref(whole.invocations, lambda _ref, key=key: _WHOLE_SIGHTINGS.pop(key, None)),
                             seen)
    return seen


def _clip_to_window(cached_from: pd.Series, cached_until: pd.Series, window: Window
                    ) -> tuple[pd.Series, pd.Series]:
    """A cache window (its 3-hour minimum already applied) cut to ``[since, until)``; a version
    not cached inside it gets an empty window (NaT, 0 seconds)."""
    since, until = window.since, window.until
    if since is not None:
        cached_from = cached_from.clip(lower=since)
    if until is not None:
        cached_until = cached_until.clip(upper=until)
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
    times = inv["timestamp"].astype(TIME).array
    stamp, known = times.asi8, ~times.isna()
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

    def column(name: str, dtype: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].astype(dtype) if dtype != TIME else pd.to_datetime(frame[name], utc=True).astype(TIME)
        return pd.Series(pd.array([None] * n, dtype=dtype), index=frame.index)

    out["api_memory_mb"] = column("memory_mb", FLOAT)
    out["architecture"] = column("architecture", TEXT)
    out["api_snapstart"] = column("snapstart", "boolean")
    out["created"] = column("created", TIME)
    return out.drop_duplicates(list(KEYS), keep="last")


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
    life = _without_cache_window(_lifetimes(tables, versions, until, grouped))
    rows = _invocation_rows(tables.invocations, life, grouped)
    n = len(life)
    out = life[[*KEYS, "snapstart", "basis", "memory_mb", "cached_seconds"]].copy()
    out["invocations"] = pd.array(np.bincount(rows["pos"], minlength=n), INT)
    out["restores"] = pd.array(np.bincount(rows["pos"], weights=rows["restore"], minlength=n).astype(np.int64), INT)
    usd = _row_costs(rows, prices)
    for part in COST_PARTS[1:]:
        out[f"{part}_cost_usd"] = np.bincount(rows["pos"], weights=usd[part], minlength=n)
    memory_gb = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan) / MB_PER_GB
    out["cache_cost_usd"] = memory_gb * life["cached_seconds"].to_numpy(dtype=float) * prices.cache_gb_s
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
    life = _without_cache_window(_lifetimes(tables, versions, until, grouped))
    rows = _invocation_rows(tables.invocations, life, grouped, dated_only=True)
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
    total = sum(grid[part] for part in COST_PARTS if part != "billed_restore")
    grid["total"] = total
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
    start = life["cached_from"].astype(TIME).array.asi8.astype(np.float64)[:, None]
    stop = life["cached_until"].astype(TIME).array.asi8.astype(np.float64)[:, None]
    cached = life["cached_from"].notna().to_numpy()[:, None]
    lo = edges_ns.astype(np.float64)[None, :]
    overlap_s = np.clip(np.minimum(stop, lo + step_ns) - np.maximum(start, lo), 0, None) / 1e9
    memory_gb = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan)[:, None] / MB_PER_GB
    return np.where(cached, overlap_s * memory_gb * prices.cache_gb_s, 0.0)


def _invocation_rows(
    inv: pd.DataFrame, life: pd.DataFrame, grouped: Grouped, dated_only: bool = False
) -> dict[str, np.ndarray]:
    """Per invocation: position of its version in ``life`` and the numbers the cost model needs.

    A row with no memory size takes its version's (the memory of a published version is fixed).
    ``dated_only`` leaves out rows without a timestamp (they cannot be placed in time).
    """
    position = grouped.keys.merge(life[list(KEYS)].reset_index(), on=list(KEYS), how="left")["index"]
    pos = position.to_numpy(dtype=np.int64)[grouped.codes]
    kinds = kind_masks(inv["start_kind"])
    memory = inv["memory_mb"].to_numpy(dtype=float, na_value=np.nan)
    version_memory = life["memory_mb"].to_numpy(dtype=float, na_value=np.nan)
    memory = np.where(np.isnan(memory), version_memory[pos], memory) if len(pos) else memory
    times = inv["timestamp"].astype(TIME).array
    rows = {
        "pos": pos,
        "time_ns": times.asi8,
        "memory_gb": memory / MB_PER_GB,
        "restore": kinds["restore"],
        "init": kinds["init"],
        **{name: inv[name].to_numpy(dtype=float, na_value=np.nan)
           for name in ("duration_ms", "billed_duration_ms", "init_ms", "restore_ms", "billed_restore_ms")},
    }
    if dated_only:
        dated = ~times.isna()
        if not dated.all():
            rows = {name: values[dated] for name, values in rows.items()}
    return rows


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
    end = inv["timestamp"].astype(TIME).array.asi8
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
        frame.insert(2, "option", pd.array([option] * len(frame), dtype=TEXT))
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
) -> tuple[pd.DataFrame, dict[str, dict[str, object]]]:
    """Both halves of the comparison from one pass: the break-even frame (one row per version)
    and, per option, the columns of its compare_options rows."""
    grouped = Grouped.of(tables.invocations)
    life = _lifetimes(tables, versions, until, grouped)
    rows = _invocation_rows(tables.invocations, life, grouped, dated_only=True)
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
    cache = memory_gb * life["cached_seconds"].to_numpy(dtype=float) * prices.cache_gb_s

    end = rows["time_ns"]
    start = end - _duration_ns(rows["duration_ms"])
    peak = _peak(pos, start, end, n)
    window_s = _traffic_window_seconds(pos, start, end, n)
    provisioned = peak * memory_gb * window_s * prices.pc_gb_s

    snap_latency = grouped_percentiles(cold.pos, cold.restore_ms + cold.duration, n)
    od_latency = grouped_percentiles(cold.pos, cold.init_ms + cold.duration, n)
    zero_latency = np.where(colds > 0, 0.0, np.nan)
    options: dict[str, dict[str, object]] = {}
    parts = {
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
    per["note"] = pd.array(
        [_break_even_note(*args) for args in zip(
            colds, delta_per_cold, be_cold, cache, current_is_snap, be_rate, observed_rate, peak,
            life["memory_mb"], count, np.isnan(totals["snapstart"]), strict=True)],
        dtype=TEXT,
    )
    return per, options


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
    snap_codes = functions.get_indexer(inits["function"])
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


def _break_even_note(colds, delta, be_cold, cache, current_is_snap, be_rate, observed_rate, peak, memory_mb,
                     count, no_restore_estimate) -> str:
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
