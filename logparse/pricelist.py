"""Lambda prices for every region and both architectures, read from the public AWS Price List.

``python -m logparse prices --update`` calls :func:`update`: it reads the bulk price list (no
credentials needed) under :data:`OFFERS_URL`: ``region_index.json``, then each region's offer
file (``products`` + ``terms.OnDemand``), keeps the rows the cost model prices (the meters in
:data:`METERS`), and writes them as one long table to the user's cache file (:func:`cache_path`),
atomically. :func:`logparse.pricetable.load_prices` reads that file over the bundled ``prices.csv``,
which stays as the dated offline fallback. When the bulk files cannot be reached but AWS
credentials exist, the ``pricing`` API (``GetProducts``) gives the same products and terms.

Matching rules (from the published files): a ``usagetype`` carries a region prefix (``EU-``,
``USW2-``, ``APN2-``; none in us-east-1) that :data:`REGION_PREFIX` strips, then the rest must
equal a :data:`METERS` key exactly. Lambda@Edge, Managed Instances, ``Global-*`` rows and rows
whose location is ``Any`` are skipped: they are other products, not the Lambda functions
SnapLens prices. Prices stay :class:`~decimal.Decimal` until they are written, so the file holds
the digits AWS published.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from logparse.pricetable import SHARED_NOTE, PriceError

OFFERS_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/"
REGION_INDEX = "region_index.json"
CACHE_ENV = "SNAPLENS_CACHE_DIR"
# The Lambda offer file of a region is a few hundred kB; anything far larger is not one.
MAX_OFFER_BYTES = 64 * 1024 * 1024
TIMEOUT_S = 30.0

REGION_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]?-")
BOTH = ("x86_64", "arm64")
# usagetype without its region prefix -> (meter, architectures). The meters are the price
# columns of logparse/prices.csv. SnapStart has no -ARM twin in the price list: both
# architectures are billed on the same meters, and every output says so (SHARED_NOTE).
METERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Request": ("request", ("x86_64",)),
    "Request-ARM": ("request", ("arm64",)),
    "Lambda-GB-Second": ("duration_gb_s", ("x86_64",)),
    "Lambda-GB-Second-ARM": ("duration_gb_s", ("arm64",)),
    "Lambda-Provisioned-Concurrency": ("pc_gb_s", ("x86_64",)),
    "Lambda-Provisioned-Concurrency-ARM": ("pc_gb_s", ("arm64",)),
    "Lambda-Provisioned-GB-Second": ("pc_duration_gb_s", ("x86_64",)),
    "Lambda-Provisioned-GB-Second-ARM": ("pc_duration_gb_s", ("arm64",)),
    "Lambda-SnapStart-Cached-GB-S": ("cache_gb_s", BOTH),
    "Lambda-SnapStart-Restored-GB": ("restore_gb", BOTH),
}
METER_ORDER = ("cache_gb_s", "restore_gb", "duration_gb_s", "request", "pc_gb_s", "pc_duration_gb_s")
COLUMNS = ("region", "arch", "meter", "begin_range", "end_range", "usd", "unit", "usagetype",
           "version", "publication_date", "origin", "note")


class PriceListError(PriceError):
    """The price list could not be read; one line for the CLI, with what still holds."""

    def hint(self) -> str:
        return ("check the network or pass --offers-url for a mirror; until then the bundled "
                "logparse/prices.csv (or the last update) stays in use")


class OptionError(PriceError):
    """A price option that makes no sense as given: a usage error (exit 2)."""

    exit_code = 2

    def hint(self) -> str:
        return "see python -m logparse prices --help"


@dataclass(frozen=True)
class PriceRow:
    """One published price: a meter of one region and architecture, for one usage range."""

    region: str
    arch: str
    meter: str
    begin_range: Decimal
    end_range: Decimal  # Decimal("Infinity") for the open last tier
    usd: Decimal
    unit: str
    usagetype: str
    version: str
    publication_date: str
    origin: str
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str, Decimal]:
        return self.region, self.arch, self.meter, self.begin_range


@dataclass
class Update:
    """What an update wrote: for the CLI's report and for tests."""

    path: Path
    rows: list[PriceRow]
    regions: list[str]
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # region -> meters it lacks
    conflicts: list[str] = field(default_factory=list)
    origin: str = ""

    def describe(self) -> list[str]:
        """Lines for people: what was written, from where, and what the output must say."""
        versions = sorted({(r.version, r.publication_date) for r in self.rows})
        published = ", ".join(f"{v} published {d}" for v, d in versions[-3:])
        lines = [f"wrote {len(self.rows)} prices for {len(self.regions)} region(s) and "
                 f"{', '.join(BOTH)} to {self.path} ({self.origin}; offer {published})",
                 "SnapStart cache (Lambda-SnapStart-Cached-GB-S) and restore (Lambda-SnapStart-"
                 "Restored-GB) have no ARM twin: both architectures use them"]
        lines += [f"warning: {region}: no {', '.join(meters)} price: region left out of the table"
                  for region, meters in sorted(self.incomplete.items())]
        lines += [f"warning: {text}" for text in self.conflicts]
        return lines


# --------------------------------------------------------------------------- where the table lives


def cache_path() -> Path:
    """The user's price cache: ``$SNAPLENS_CACHE_DIR/prices.csv``, else the XDG cache folder
    (``~/.cache/snaplens/prices.csv``). Per user, so an update needs no write access to the
    installed package."""
    base = os.environ.get(CACHE_ENV)
    if base:
        return Path(base) / "prices.csv"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "snaplens" / "prices.csv"


# --------------------------------------------------------------------------- matching rows


def rows_from_offer(offer: dict[str, Any], region: str, origin: str) -> tuple[list[PriceRow], list[str]]:
    """The priced rows of one region's offer (``products`` + ``terms.OnDemand``), and conflicts.

    Two rows for the same region, architecture, meter and range with different prices would
    make the table ambiguous: the first (by SKU) is kept and the conflict reported.
    """
    version = str(offer.get("version", ""))
    published = str(offer.get("publicationDate", ""))
    on_demand = (offer.get("terms") or {}).get("OnDemand") or {}
    found: dict[tuple[str, str, str, Decimal], PriceRow] = {}
    conflicts: list[str] = []
    for sku in sorted(offer.get("products") or {}):
        attributes = (offer["products"][sku] or {}).get("attributes") or {}
        match = _meter(attributes, region)
        if match is None:
            continue
        meter, archs, usagetype = match
        for term in (on_demand.get(sku) or {}).values():
            for dimension in (term.get("priceDimensions") or {}).values():
                usd, begin, end = _price(dimension)
                if usd is None:
                    continue
                for arch in archs:
                    row = PriceRow(region, arch, meter, begin, end, usd, str(dimension.get("unit", "")),
                                   usagetype, version, published, origin,
                                   SHARED_NOTE if len(archs) > 1 else "")
                    old = found.setdefault(row.key, row)
                    if old.usd != row.usd:
                        conflicts.append(f"{region} {arch} {meter} from {begin}: {old.usd} and {row.usd} "
                                         f"published; {old.usd} kept")
    return sorted(found.values(), key=_order), conflicts


def _meter(attributes: dict[str, Any], region: str) -> tuple[str, tuple[str, ...], str] | None:
    usagetype = str(attributes.get("usagetype", ""))
    if attributes.get("location") == "Any" or usagetype.startswith("Global-"):
        return None  # not a regional price
    if attributes.get("regionCode", region) != region:
        return None
    name = REGION_PREFIX.sub("", usagetype, count=1)
    if "Edge" in name or name.startswith("Lambda-Managed-Instances-"):
        return None  # Lambda@Edge and Lambda Managed Instances are priced apart
    meter = METERS.get(name)
    return None if meter is None else (*meter, usagetype)


def _price(dimension: dict[str, Any]) -> tuple[Decimal | None, Decimal, Decimal]:
    try:
        usd = Decimal(str((dimension.get("pricePerUnit") or {})["USD"]))
        begin = Decimal(str(dimension.get("beginRange", "0") or "0"))
        end_text = str(dimension.get("endRange", "Inf") or "Inf")
        end = Decimal("Infinity") if end_text.lower().startswith("inf") else Decimal(end_text)
    except (KeyError, InvalidOperation):
        return None, Decimal(0), Decimal(0)
    return (usd if usd.is_finite() and usd >= 0 else None), begin, end


def _order(row: PriceRow) -> tuple[str, int, int, Decimal]:
    return row.region, BOTH.index(row.arch), METER_ORDER.index(row.meter), row.begin_range


def missing_meters(rows: Iterable[PriceRow]) -> dict[str, list[str]]:
    """Per region, the meters that have no first-tier price for some architecture."""
    have: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        if row.begin_range == 0:
            have.setdefault(row.region, set()).add((row.arch, row.meter))
    return {region: sorted({m for a in BOTH for m in METER_ORDER if (a, m) not in pairs},
                           key=METER_ORDER.index)
            for region, pairs in have.items()
            if len(pairs) < len(BOTH) * len(METER_ORDER)}


# --------------------------------------------------------------------------- bulk files


def _get_json(url: str, opener: Callable[..., Any], timeout: float) -> dict[str, Any]:
    try:
        with opener(url, timeout=timeout) as response:
            body = response.read(MAX_OFFER_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise PriceListError(f"cannot read the AWS price list: {url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", err)
        raise PriceListError(f"cannot read the AWS price list: {url}: {reason}") from None
    if len(body) > MAX_OFFER_BYTES:
        raise PriceListError(f"{url}: larger than {MAX_OFFER_BYTES // 2**20} MiB: not a Lambda offer file")
    try:
        data = json.loads(body)
    except ValueError as err:
        raise PriceListError(f"{url}: not JSON ({err})") from None
    if not isinstance(data, dict):
        raise PriceListError(f"{url}: not a price list file (a JSON object was expected)")
    return data


def fetch_bulk(offers_url: str = OFFERS_URL, regions: Iterable[str] | None = None, *,
               timeout: float = TIMEOUT_S, opener: Callable[..., Any] = urllib.request.urlopen,
               ) -> tuple[list[PriceRow], list[str], list[str]]:
    """Rows of every region in ``region_index.json`` under ``offers_url`` (or of ``regions``),
    the regions read, and any conflicts. ``currentVersionUrl`` is resolved against the index URL,
    so a mirror that keeps the published layout works unchanged."""
    index_url = urljoin(offers_url if offers_url.endswith("/") else offers_url + "/", REGION_INDEX)
    index = _get_json(index_url, opener, timeout)
    listed = index.get("regions")
    if not isinstance(listed, dict) or not listed:
        raise PriceListError(f"{index_url}: no regions listed (not a region index file)")
    wanted = sorted(listed) if regions is None else list(dict.fromkeys(regions))
    unknown = [r for r in wanted if r not in listed]
    if unknown:
        raise PriceListError(f"{', '.join(unknown)}: not in the price list's regions "
                             f"({', '.join(sorted(listed))})")
    rows: list[PriceRow] = []
    conflicts: list[str] = []
    for region in wanted:
        url = urljoin(index_url, str((listed[region] or {}).get("currentVersionUrl", "")))
        found, clashes = rows_from_offer(_get_json(url, opener, timeout), region, "AWS Price List bulk file")
        rows += found
        conflicts += clashes
    return rows, wanted, conflicts


# --------------------------------------------------------------------------- pricing API fallback


def fetch_pricing_api(regions: Iterable[str] | None = None, session: Any = None,
                      ) -> tuple[list[PriceRow], list[str], list[str]]:
    """The same rows from the ``pricing`` API (``GetProducts``, service AWSLambda, one
    ``TERM_MATCH`` on ``regionCode`` per region); needs credentials, unlike the bulk files."""
    from logparse import aws

    cl = aws.client("pricing", session or aws.session(region="us-east-1"))
    if regions is None:
        values = [v["Value"] for page in aws.pages(cl, "get_attribute_values", ServiceCode="AWSLambda",
                                                   AttributeName="regionCode")
                  for v in page.get("AttributeValues", [])]
        regions = sorted(set(values))
    regions = list(regions)
    rows: list[PriceRow] = []
    conflicts: list[str] = []
    for region in regions:
        offer: dict[str, Any] = {"products": {}, "terms": {"OnDemand": {}}}
        for page in aws.pages(cl, "get_products", ServiceCode="AWSLambda", FormatVersion="aws_v1",
                              Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]):
            for text in page.get("PriceList", []):
                item = json.loads(text) if isinstance(text, str) else text
                product = item.get("product") or {}
                sku = str(product.get("sku", len(offer["products"])))
                offer["products"][sku] = product
                offer["terms"]["OnDemand"][sku] = (item.get("terms") or {}).get("OnDemand") or {}
                offer.setdefault("version", item.get("version", ""))
                offer.setdefault("publicationDate", item.get("publicationDate", ""))
        found, clashes = rows_from_offer(offer, region, "AWS Price List query API")
        rows += found
        conflicts += clashes
    return rows, regions, conflicts


def _has_credentials() -> bool:
    try:
        import boto3

        return boto3.Session().get_credentials() is not None
    except Exception:  # any configuration problem means: no usable credentials
        return False


# --------------------------------------------------------------------------- writing the table


def to_csv(rows: Iterable[PriceRow]) -> bytes:
    """The long price table as CSV text; Decimals written as published (no float rounding)."""
    out = io.StringIO()
    out.write("# SnapLens price table from the AWS Price List (python -m logparse prices --update), "
              f"written {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}. USD per unit; "
              "end_range Inf = no upper bound.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r.region, r.arch, r.meter, _text(r.begin_range), _text(r.end_range), _text(r.usd),
                         r.unit, r.usagetype, r.version, r.publication_date, r.origin, r.note])
    return out.getvalue().encode("utf-8")


def _text(value: Decimal) -> str:
    return "Inf" if value.is_infinite() else str(value)


def read_rows(path: Path) -> list[PriceRow]:
    """Rows of a table written by :func:`to_csv` (to merge a partial update into it)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        try:
            for rec in reader:
                end = rec["end_range"]
                rows.append(PriceRow(rec["region"], rec["arch"], rec["meter"], Decimal(rec["begin_range"]),
                                     Decimal("Infinity") if end.lower().startswith("inf") else Decimal(end),
                                     Decimal(rec["usd"]), rec["unit"], rec["usagetype"], rec["version"],
                                     rec["publication_date"], rec["origin"], rec.get("note") or ""))
        # A row cut short reads as None fields; a broken quote as csv.Error: all one kind of damage.
        except (KeyError, TypeError, AttributeError, InvalidOperation, csv.Error) as exc:
            raise ValueError(f"row {reader.line_num} is damaged ({type(exc).__name__}: {exc})") from None
    return rows


def update(path: str | Path | None = None, offers_url: str | None = None,
           regions: Iterable[str] | None = None, *, api_fallback: bool = True,
           opener: Callable[..., Any] = urllib.request.urlopen, timeout: float = TIMEOUT_S) -> Update:
    """Read the price list and write the table to ``path`` (default :func:`cache_path`).

    With ``regions``, only those are read and the other regions already in the file are kept.
    A region that lacks one of the meters (SnapStart is not offered everywhere) is left out and
    reported, so every region in the table prices every part of the cost model.
    """
    from logparse.export import write_atomic

    target = Path(path) if path is not None else cache_path()
    try:
        rows, read, conflicts = fetch_bulk(offers_url or OFFERS_URL, regions, timeout=timeout, opener=opener)
        origin = f"bulk files under {offers_url or OFFERS_URL}"
    except PriceListError as bulk_error:
        if not (api_fallback and _has_credentials()):
            raise
        from logparse.aws import AwsError

        try:
            rows, read, conflicts = fetch_pricing_api(regions)
        except AwsError as api_error:
            raise PriceListError(f"{bulk_error}; the pricing API failed too: {api_error}") from None
        origin = "pricing API (GetProducts), the bulk files being unreachable"
    incomplete = missing_meters(rows)
    rows = [r for r in rows if r.region not in incomplete]
    if not rows:
        raise PriceListError("the price list holds no complete Lambda prices for "
                             + ", ".join(read or ["any region"]))
    if regions is not None and target.exists():
        try:
            kept = [r for r in read_rows(target) if r.region not in set(read)]
        except (OSError, KeyError, ValueError, InvalidOperation):
            kept = []  # an unreadable old table is replaced as a whole
        rows = sorted(kept + rows, key=_order)
    try:
        write_atomic(target, to_csv(rows))
    except OSError as err:
        raise PriceListError(f"cannot write the price table {target}: {err.strerror or err}") from None
    return Update(target, rows, sorted({r.region for r in rows}), incomplete, conflicts, origin)
