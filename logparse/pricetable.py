"""The price table: what each Lambda meter costs per region and architecture, as data.

Prices are never constants in code: the bundled ``prices.csv`` (dated, the offline fallback), the
user's cache written by ``python -m logparse prices --update`` (:mod:`logparse.pricelist`), or a user
file. :func:`load_prices` layers them; :meth:`PriceTable.lookup` gives the :class:`Prices` of one
region and architecture, saying when either was assumed. Duration is priced at its first tier
unless :func:`apply_duration_tiers` applies the monthly tiers to the traffic seen.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from logparse.errors import SnapLensError
from logparse.metrics import (
    zero_nan,
)
from logparse.tables import TIME

DEFAULT_REGION = "us-east-1"
DEFAULT_ARCH = "x86_64"
ARCHS = ("x86_64", "arm64")
PRICE_COLUMNS = ("cache_gb_s", "restore_gb", "duration_gb_s", "request", "pc_gb_s", "pc_duration_gb_s")
MB_PER_GB = 1024  # Lambda's GB-second is 1024 MB for one second.

SHARED_NOTE = "no ARM twin in the price list: x86_64 and arm64 share this SnapStart meter"


class PriceError(SnapLensError, ValueError):
    """A price table that cannot be used (exit code 1); ``hint()`` says what a price file needs."""

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
        """Plain-language assumptions behind these prices, for outputs to print (no CLI flags:
        the dashboard shows them too)."""
        notes = []
        assumed = [what for what, flag in ((f"region {self.region}", self.region_assumed),
                                           (f"architecture {self.arch}", self.arch_assumed)) if flag]
        if assumed:  # only what was not given: a note doubting a figure the user set misleads
            notes.append(f"{' and '.join(assumed)} assumed: the logs do not say which")
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
        price = {name: float(changes.get(name, getattr(self, name))) for name in PRICE_COLUMNS}
        return replace(self, cache_gb_s=price["cache_gb_s"], restore_gb=price["restore_gb"],
                       duration_gb_s=price["duration_gb_s"], request=price["request"], pc_gb_s=price["pc_gb_s"],
                       pc_duration_gb_s=price["pc_duration_gb_s"],
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
            cache_gb_s=float(row["cache_gb_s"]), restore_gb=float(row["restore_gb"]),
            duration_gb_s=float(row["duration_gb_s"]), request=float(row["request"]),
            pc_gb_s=float(row["pc_gb_s"]), pc_duration_gb_s=float(row["pc_duration_gb_s"]),
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
    return {str(region): sorted(group["arch"]) for region, group in frame.groupby("region", sort=True)}


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


def _read_prices(handle: IO[str], name: str) -> pd.DataFrame:
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
