"""logparse.pricelist: prices for every region from the AWS Price List, served from 127.0.0.1.

A local HTTP server serves ``tests/data/pricelist`` (built by its ``build_pricelist.py`` in the
documented shape of the bulk files): ``region_index.json``, then us-east-1 (usagetypes without a
region prefix) and eu-west-1 (``EU-`` prefix), both architectures, the SnapStart meters, and rows
that must be skipped (Lambda@Edge, Managed Instances, ``Global-*``, location ``Any``). No test
reaches the internet: the pricing API fallback runs on botocore's Stubber.
"""

from __future__ import annotations

import functools
import json
import threading
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber

from logparse import aws, cli, pricelist, pricetable
from logparse.tables import Tables

DATA = Path(__file__).parent / "data" / "pricelist"
CURRENT = "/offers/v1.0/aws/AWSLambda/current/"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log on stderr
        pass


@pytest.fixture(scope="module")
def offers():
    """The fixture price list on 127.0.0.1; yields the base URL, records the paths asked for."""
    asked: list[str] = []

    class Handler(_Quiet):
        def do_GET(self):
            asked.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(DATA)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{CURRENT}", asked
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """A cache folder per test, and no AWS credentials (so no pricing API fallback) unless given."""
    monkeypatch.setenv(pricelist.CACHE_ENV, str(tmp_path / "cache"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _rows(result) -> dict[tuple[str, str, str, str], str]:
    return {(r.region, r.arch, r.meter, str(r.begin_range)): str(r.usd) for r in result.rows}


def test_update_reads_every_region_with_the_matching_rules(offers):
    url, asked = offers
    result = pricelist.update(offers_url=url)
    assert result.path == pricelist.cache_path() and result.path.exists()
    assert result.regions == ["eu-west-1", "us-east-1"] and not result.incomplete and not result.conflicts
    assert asked[0] == f"{CURRENT}region_index.json" and len(asked) == 3
    rows = _rows(result)
    # 2 regions x 2 architectures x (5 one-price meters + 3 duration tiers)
    assert len(rows) == 2 * 2 * 8
    # us-east-1 has no usagetype prefix, eu-west-1 has EU-: both matched, prices as published
    assert rows[("us-east-1", "x86_64", "duration_gb_s", "0")] == "0.0000166667"
    assert rows[("eu-west-1", "arm64", "duration_gb_s", "18750000000")] == "0.0000106667"
    assert rows[("eu-west-1", "x86_64", "cache_gb_s", "0")] == "0.0000016551"
    # SnapStart has one meter for both architectures; the "Any" row (0.9) is not a regional price
    for region, restore in (("us-east-1", "0.0001397998"), ("eu-west-1", "0.0001537798")):
        assert rows[(region, "x86_64", "restore_gb", "0")] == rows[(region, "arm64", "restore_gb", "0")] == restore
    usagetypes = {r.usagetype for r in result.rows}
    assert not any("Edge" in u or "Managed" in u or u.startswith("Global-") for u in usagetypes)
    assert "EU-Lambda-SnapStart-Cached-GB-S" in usagetypes and "Lambda-SnapStart-Cached-GB-S" in usagetypes
    tiers = [(str(r.begin_range), str(r.end_range)) for r in result.rows
             if (r.region, r.arch, r.meter) == ("us-east-1", "x86_64", "duration_gb_s")]
    assert tiers == [("0", "6000000000"), ("6000000000", "15000000000"), ("15000000000", "Infinity")]
    assert all(isinstance(r.usd, Decimal) for r in result.rows)
    assert any("no ARM twin" in line for line in result.describe())


def test_written_table_keeps_the_published_digits_and_loads_for_every_region(offers):
    url, _ = offers
    path = pricelist.update(offers_url=url).path
    text = path.read_text()
    assert text.startswith("# SnapLens price table") and ",0.0000166667," in text  # not 1.66667e-05
    assert "20261120153000" in text and "2026-11-20T15:30:00Z" in text
    table = pricetable.load_prices()
    assert table.regions == ["eu-west-1", "us-east-1"]
    assert pricetable.known_regions() == {"eu-west-1": ["arm64", "x86_64"], "us-east-1": ["arm64", "x86_64"]}
    eu = table.lookup("eu-west-1", "arm64")
    assert (eu.cache_gb_s, eu.restore_gb, eu.duration_gb_s, eu.request) == (
        0.0000016551, 0.0001537798, 0.0000133334, 0.0000002)
    assert (eu.pc_gb_s, eu.pc_duration_gb_s) == (0.0000033334, 0.0000077778)
    assert eu.date == "2026-11-20" and "20261120153000" in eu.source
    assert any("no ARM twin" in note for note in eu.notes())
    assert eu.duration_tiers == ((0.0, 7.5e9, 0.0000133334), (7.5e9, 18.75e9, 0.0000120001),
                                 (18.75e9, float("inf"), 0.0000106667))


def test_update_is_atomic_and_a_failed_update_keeps_the_last_table(offers, tmp_path):
    url, _ = offers
    path = pricelist.update(offers_url=url).path
    before = path.read_bytes()
    with pytest.raises(pricelist.PriceListError, match="HTTP 404") as caught:
        pricelist.update(offers_url=url.replace("/current/", "/missing/"))
    assert "\n" not in str(caught.value) and "bundled" in caught.value.hint()
    assert path.read_bytes() == before and [p.name for p in path.parent.iterdir()] == ["prices.csv"]


def test_update_of_one_region_keeps_the_others(offers, tmp_path):
    url, asked = offers
    target = tmp_path / "mine.csv"
    pricelist.update(target, offers_url=url, regions=["us-east-1"])
    assert pricetable.load_prices(target).regions == ["us-east-1"]
    asked.clear()
    pricelist.update(target, offers_url=url, regions=["eu-west-1"])
    assert len(asked) == 2  # the index and eu-west-1 only
    assert pricetable.load_prices(target).regions == ["eu-west-1", "us-east-1"]


def test_a_region_without_a_snapstart_price_is_left_out_and_reported():
    offer = json.loads((DATA / "offers/v1.0/aws/AWSLambda/20261120153000/eu-west-1/index.json").read_text())
    for sku, product in list(offer["products"].items()):
        if "SnapStart" in product["attributes"]["usagetype"]:
            del offer["products"][sku]
    rows, conflicts = pricelist.rows_from_offer(offer, "eu-west-1", "test")
    assert pricelist.missing_meters(rows) == {"eu-west-1": ["cache_gb_s", "restore_gb"]} and not conflicts


def test_a_damaged_cache_is_one_line_saying_what_to_do(capsys):
    path = pricelist.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text("region,arch,meter,begin_range\nus-east-1,x86_64,request,zero\n")
    assert cli.main(["prices"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "prices --update" in err


@pytest.mark.parametrize("damage", ["us-east-1,x86_64,request\n", "us-east-1,x86_64,request,0,inf,\x000.2\n"],
                         ids=["short row", "NUL byte"])
def test_a_cache_damaged_any_way_is_one_line_and_replaced_by_a_partial_update(offers, tmp_path, capsys, damage):
    """A row cut short (None where a field should be) or a NUL byte (csv.Error) in the cached
    table: `prices` says so in one line (exit 1), and an update of one region replaces the
    unreadable table as a whole instead of failing with a traceback."""
    path = pricelist.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text("region,arch,meter,begin_range,end_range,usd,unit,usagetype,version,publication_date,"
                    "origin,note\n" + damage)
    assert cli.main(["prices"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and str(path) in err
    url, _ = offers
    pricelist.update(path, offers_url=url, regions=["eu-west-1"])
    assert pricetable.load_prices(path).regions == ["eu-west-1", "us-east-1"]  # us-east-1: the bundled row


def test_unreachable_price_list_is_one_line(tmp_path):
    with pytest.raises(pricelist.PriceListError, match=r"cannot read the AWS price list: http://127\.0\.0\.1:9/"):
        pricelist.update(tmp_path / "p.csv", offers_url="http://127.0.0.1:9/", timeout=2)
    assert not (tmp_path / "p.csv").exists()


def test_pricing_api_fallback_when_bulk_files_are_unreachable(monkeypatch, tmp_path):
    """Bulk files down, credentials present: GetProducts (Stubber, documented shape: PriceList is
    a list of JSON strings with product, terms, version and publicationDate)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    offer = json.loads((DATA / "offers/v1.0/aws/AWSLambda/20261120153000/eu-west-1/index.json").read_text())
    items = [json.dumps({"product": product, "serviceCode": "AWSLambda",
                         "terms": {"OnDemand": offer["terms"]["OnDemand"][sku]},
                         "version": offer["version"], "publicationDate": offer["publicationDate"]})
             for sku, product in offer["products"].items()]
    cl = boto3.client("pricing", region_name="us-east-1")
    stub = Stubber(cl)
    stub.add_response("get_products", {"PriceList": items[:5], "NextToken": "t", "FormatVersion": "aws_v1"},
                      {"ServiceCode": "AWSLambda", "FormatVersion": "aws_v1", "Filters": [
                          {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}]})
    stub.add_response("get_products", {"PriceList": items[5:], "FormatVersion": "aws_v1"},
                      {"ServiceCode": "AWSLambda", "FormatVersion": "aws_v1", "NextToken": "t", "Filters": [
                          {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}]})
    stub.activate()

    class Session:
        region_name = "us-east-1"

        def client(self, service, config=None):
            assert service == "pricing"
            return cl

    monkeypatch.setattr(aws, "session", lambda region=None, profile=None: Session())
    result = pricelist.update(tmp_path / "p.csv", offers_url="http://127.0.0.1:9/", regions=["eu-west-1"],
                              timeout=2)
    stub.assert_no_pending_responses()
    assert "pricing API" in result.origin and result.regions == ["eu-west-1"]
    assert _rows(result)[("eu-west-1", "arm64", "restore_gb", "0")] == "0.0001537798"


# --------------------------------------------------------------------------- command line


def test_cli_update_then_prices_for_a_region(offers, capsys):
    url, _ = offers
    assert cli.main(["prices", "--update", "--offers-url", url]) == 0
    out = capsys.readouterr().out
    assert "2 region(s)" in out and "no ARM twin" in out and str(pricelist.cache_path()) in out
    assert cli.main(["prices", "--region", "eu-west-1", "--arch", "arm64", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["region"], row["arch"], row["cache_gb_s"], row["date"]) == ("eu-west-1", "arm64", 0.0000016551,
                                                                          "2026-11-20")
    assert row["duration_tiers"] == ("0-7.5 billion GB-s a month: 0.0000133334; 7.5-18.75 billion GB-s a month: "
                                     "0.0000120001; over 18.75 billion GB-s a month: 0.0000106667")
    assert cli.main(["prices", "--region", "eu-west-1"]) == 0
    assert "no ARM twin" in capsys.readouterr().out


def test_cli_unknown_region_is_one_line_naming_the_known_regions(offers, capsys):
    assert cli.main(["prices", "--region", "ap-south-9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ap-south-9" in err and "known regions: us-east-1" in err
    assert cli.main(["summary", "sample_logs", "--region", "ap-south-9"]) == 2
    assert "known regions" in capsys.readouterr().err


def test_cli_summary_uses_the_updated_region(offers, capsys):
    url, _ = offers
    pricelist.update(offers_url=url)
    assert cli.main(["summary", "sample_logs", "--region", "eu-west-1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["region"] == "eu-west-1"
    assert any("eu-west-1 x86_64 prices of 2026-11-20" in note for note in result["notes"])


def test_cli_offers_url_needs_update(capsys):
    assert cli.main(["prices", "--offers-url", "http://127.0.0.1:9/"]) == 2
    assert "--update" in capsys.readouterr().err


# --------------------------------------------------------------------------- duration tiers


def _invocations(month_gb_s: dict[str, float]) -> pd.DataFrame:
    """One 1024 MB invocation per month billed for the given GB-s."""
    inv = Tables().invocations
    rows = pd.DataFrame({"timestamp": pd.to_datetime(list(month_gb_s), utc=True),
                         "memory_mb": [1024] * len(month_gb_s),
                         "billed_duration_ms": [v * 1000 for v in month_gb_s.values()]})
    return pd.concat([inv, rows], ignore_index=True).astype(inv.dtypes.to_dict())


def test_tiers_apply_to_each_calendar_month(offers):
    url, _ = offers
    pricelist.update(offers_url=url)
    prices = pricetable.load_prices().lookup("us-east-1", "x86_64")
    # November: 10 billion GB-s = 6e9 at tier 1 + 4e9 at tier 2; December: 1e9 at tier 1.
    tiered = pricetable.apply_duration_tiers(prices, _invocations({"2026-11-10": 10e9, "2026-12-01": 1e9}))
    expected = (6e9 * 0.0000166667 + 4e9 * 0.0000150000 + 1e9 * 0.0000166667) / 11e9
    assert tiered.duration_gb_s == pytest.approx(expected, rel=1e-12)
    assert "duration tiers applied to 11,000,000,000 GB-s in 2 calendar month(s)" in " ".join(tiered.notes())
    small = pricetable.apply_duration_tiers(prices, _invocations({"2026-11-10": 3600.0}))
    assert small.duration_gb_s == pytest.approx(0.0000166667)


def test_without_tiers_the_first_tier_stays_and_says_so():
    prices = pricetable.load_prices().lookup("us-east-1", "x86_64")  # bundled table: no tiers
    tiered = pricetable.apply_duration_tiers(prices, _invocations({"2026-11-10": 10e9}))
    assert tiered.duration_gb_s == prices.duration_gb_s
    assert "this price table has no tiers" in " ".join(tiered.notes())
    assert "first duration tier" in " ".join(prices.notes())


def test_cli_tiered_says_which(offers, capsys):
    url, _ = offers
    pricelist.update(offers_url=url)
    assert cli.main(["summary", "sample_logs", "--tiered", "--json"]) == 0
    notes = " ".join(json.loads(capsys.readouterr().out)["notes"])
    assert "duration tiers applied to" in notes
    assert cli.main(["summary", "sample_logs", "--json"]) == 0
    assert "first duration tier" in " ".join(json.loads(capsys.readouterr().out)["notes"])
