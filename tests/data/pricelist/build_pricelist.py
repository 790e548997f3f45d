"""Builds the AWS Price List fixture served by tests/test_pricelist.py (run from this folder).

The shape follows the documented bulk files: ``region_index.json`` lists each region's
``currentVersionUrl`` (a URL relative to the host); each region's ``index.json`` holds
``products`` (sku -> attributes with ``usagetype``, ``location``, ``regionCode``) and
``terms.OnDemand`` (sku -> offer term -> ``priceDimensions`` with ``beginRange``, ``endRange``,
``unit``, ``pricePerUnit.USD``). us-east-1 usagetypes carry no region prefix, eu-west-1's carry
``EU-``. us-east-1 prices are the published ones quoted in DESIGN.md; eu-west-1 SnapStart prices
are made up for the test (distinct from us-east-1 on purpose). Rows that must be skipped: Lambda@Edge,
Managed Instances, a Global-* row and a row whose location is "Any".
"""

from __future__ import annotations

import json
from pathlib import Path

VERSION = "20261120153000"
PUBLISHED = "2026-11-20T15:30:00Z"
BASE = "/offers/v1.0/aws/AWSLambda"
INF = "Inf"

US = {
    "Request": [("0", INF, "Requests", "0.0000002000")],
    "Request-ARM": [("0", INF, "Requests", "0.0000002000")],
    "Lambda-GB-Second": [("0", "6000000000", "Lambda-GB-Second", "0.0000166667"),
                         ("6000000000", "15000000000", "Lambda-GB-Second", "0.0000150000"),
                         ("15000000000", INF, "Lambda-GB-Second", "0.0000133334")],
    "Lambda-GB-Second-ARM": [("0", "7500000000", "Lambda-GB-Second", "0.0000133334"),
                             ("7500000000", "18750000000", "Lambda-GB-Second", "0.0000120001"),
                             ("18750000000", INF, "Lambda-GB-Second", "0.0000106667")],
    "Lambda-Provisioned-Concurrency": [("0", INF, "Lambda-GB-Second", "0.0000041667")],
    "Lambda-Provisioned-Concurrency-ARM": [("0", INF, "Lambda-GB-Second", "0.0000033334")],
    "Lambda-Provisioned-GB-Second": [("0", INF, "Lambda-GB-Second", "0.0000097222")],
    "Lambda-Provisioned-GB-Second-ARM": [("0", INF, "Lambda-GB-Second", "0.0000077778")],
    "Lambda-SnapStart-Cached-GB-S": [("0", INF, "GB-Seconds", "0.0000015046")],
    "Lambda-SnapStart-Restored-GB": [("0", INF, "GB", "0.0001397998")],
    # to be skipped
    "Lambda-Edge-GB-Second": [("0", INF, "Lambda-GB-Second", "0.0000500100")],
    "Lambda-Edge-Request": [("0", INF, "Request", "0.0000006000")],
    "Lambda-Managed-Instances-Request": [("0", INF, "Requests", "0.0000002000")],
}
EU = {**US,
      "Lambda-SnapStart-Cached-GB-S": [("0", INF, "GB-Seconds", "0.0000016551")],
      "Lambda-SnapStart-Restored-GB": [("0", INF, "GB", "0.0001537798")]}
LOCATION = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)"}
PREFIX = {"us-east-1": "", "eu-west-1": "EU-"}


def offer(region: str, meters: dict, extra: list[tuple[str, str, str]]) -> dict:
    products, terms = {}, {}
    rows = [(PREFIX[region] + usage, LOCATION[region], dims) for usage, dims in meters.items()]
    rows += [(usage, location, [("0", INF, "Requests", price)]) for usage, location, price in extra]
    for n, (usagetype, location, dims) in enumerate(rows):
        sku = f"{region.upper().replace('-', '')}SKU{n:03d}"
        products[sku] = {"sku": sku, "productFamily": "Serverless", "attributes": {
            "servicecode": "AWSLambda", "location": location,
            "locationType": "AWS Region" if location != "Any" else "Other",
            "group": "AWS-Lambda", "usagetype": usagetype, "operation": "",
            "regionCode": region, "servicename": "AWS Lambda"}}
        code = f"{sku}.JRTCKXETXF"
        terms[sku] = {code: {"offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2026-11-01T00:00:00Z",
                             "termAttributes": {}, "priceDimensions": {
                                 f"{code}.{i}": {"rateCode": f"{code}.{i}", "description": f"{usagetype} tier {i}",
                                                 "beginRange": b, "endRange": e, "unit": unit,
                                                 "pricePerUnit": {"USD": price}, "appliesTo": []}
                                 for i, (b, e, unit, price) in enumerate(dims)}}}
    return {"formatVersion": "v1.0", "disclaimer": "test fixture in the documented shape",
            "offerCode": "AWSLambda", "version": VERSION, "publicationDate": PUBLISHED,
            "products": products, "terms": {"OnDemand": terms}}


def main() -> None:
    root = Path(".")
    index = {"formatVersion": "v1.0", "disclaimer": "test fixture", "publicationDate": PUBLISHED,
             "regions": {}}
    extras = {"us-east-1": [("Lambda-SnapStart-Restored-GB", "Any", "0.9000000000")],
              "eu-west-1": [("Global-Request", "EU (Ireland)", "0.0000009000")]}
    for region, meters in (("us-east-1", US), ("eu-west-1", EU)):
        url = f"{BASE}/{VERSION}/{region}/index.json"
        index["regions"][region] = {"regionCode": region, "currentVersionUrl": url}
        path = root / url.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(offer(region, meters, extras[region]), indent=1) + "\n")
    current = root / BASE.lstrip("/") / "current" / "region_index.json"
    current.parent.mkdir(parents=True, exist_ok=True)
    current.write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__":
    main()
