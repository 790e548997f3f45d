"""`python -m logparse fleet` (logparse.fleet) against a moto server.

moto reports ``SnapStart: {"ApplyOn": "None"}`` for every function and stamps every version with
the time it was created in the test, so the ``snapstart`` fixture patches moto's stored
configuration: chosen functions get ``ApplyOn: PublishedVersions`` and chosen versions an older
``LastModified``. No test reaches real AWS (the endpoint is the local moto server, credentials are
dummies).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.core.exceptions import JsonRESTError

from logparse import aws, fleet, insights, pricetable
from logparse.cli import main

NOW = datetime.now(UTC).replace(microsecond=0)
OLD = NOW - timedelta(days=30)
# 1 GB cached for 30 days at us-east-1's $0.0000015046 per GB-second: 2,592,000 s x 1.5046e-6.
GB_MONTH_USD = 3.8999232


pytestmark = pytest.mark.usefixtures("no_real_aws")


@pytest.fixture
def snapstart(moto, monkeypatch):
    """Patch moto's stored configuration: ``on`` holds the functions with SnapStart on published
    versions, ``created`` maps (function, version) to its LastModified, ``denied`` the functions whose
    versions the caller may not list (AccessDeniedException, as IAM answers)."""
    state = {"on": set(), "created": {}, "denied": set()}
    original = LambdaFunction.get_configuration

    def get_configuration(self, on_create=False):
        config = original(self, on_create)
        if self.function_name in state["on"]:
            published = str(self.version) != "$LATEST"
            config["SnapStart"] = {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On" if published else "Off"}
        stamp = state["created"].get((self.function_name, str(self.version)))
        if stamp is not None:
            config["LastModified"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return config

    list_versions = LambdaBackend.list_versions_by_function

    def guarded(self, function_name):
        if function_name in state["denied"]:
            raise JsonRESTError("AccessDeniedException", f"not authorized to list versions of {function_name}")
        return list_versions(self, function_name)

    monkeypatch.setattr(LambdaFunction, "get_configuration", get_configuration)
    monkeypatch.setattr(LambdaBackend, "list_versions_by_function", guarded)
    return state


def create(name: str, versions: int, runtime: str = "python3.12", memory: int = 1024,
           arch: str = "x86_64") -> None:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return event\n")
    lam = boto3.client("lambda")
    lam.create_function(FunctionName=name, Runtime=runtime, Role=role["Role"]["Arn"], Handler="app.handler",
                        Code={"ZipFile": buffer.getvalue()}, MemorySize=memory, Architectures=[arch])
    for i in range(versions):
        if i:  # like Lambda, moto publishes nothing new unless code or configuration changed
            lam.update_function_configuration(FunctionName=name, Description=f"release {i + 1}")
        lam.publish_version(FunctionName=name, Description=f"v{i + 1}")


def put(function: str, stream_version: str, when: datetime, message: str) -> None:
    logs = boto3.client("logs")
    group = f"/aws/lambda/{function}"
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    stream = f"{when:%Y/%m/%d}/[{stream_version}]{abs(hash((function, stream_version, when))):032x}"[:60]
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": int(when.timestamp() * 1000), "message": message}])


REPORT = ("REPORT RequestId: 6f1c\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 1024 MB\t"
          "Max Memory Used: 80 MB\t\n")


@pytest.fixture
def account(snapstart):
    """orders-api (python3.12, 1024 MB, SnapStart): version 1 idle, 2 invoked 2 days ago, 3 behind
    alias live, 4 published yesterday, 5 the extra version of a weighted alias. legacy-java
    (java21, 2048 MB): version 1 idle and free. batch-job: no SnapStart. secret-fn: not readable."""
    create("orders-api", 5)
    create("legacy-java", 1, runtime="java21", memory=2048)
    create("batch-job", 1, runtime="python3.12")
    create("secret-fn", 1)
    snapstart["on"].update({"orders-api", "legacy-java", "secret-fn"})
    for version in ("1", "2", "3", "5"):
        snapstart["created"][("orders-api", version)] = OLD
    snapstart["created"][("orders-api", "4")] = NOW - timedelta(days=1)
    snapstart["created"][("legacy-java", "1")] = OLD
    snapstart["denied"].add("secret-fn")
    lam = boto3.client("lambda")
    lam.create_alias(FunctionName="orders-api", Name="live", FunctionVersion="3",
                     RoutingConfig={"AdditionalVersionWeights": {"5": 0.1}})
    put("orders-api", "2", NOW - timedelta(days=2), REPORT)
    put("orders-api", "2", NOW - timedelta(days=3), REPORT)
    # The snapshot creation at publish is not an invocation.
    put("orders-api", "1", NOW - timedelta(days=5), "INIT_START Runtime Version: python:3.12.v40\n")
    put("orders-api", "1", NOW - timedelta(days=5, seconds=-2), "INIT_REPORT Init Duration: 2000.00 ms\n")
    return snapstart


def test_scan_finds_idle_versions_with_their_dollars(account) -> None:
    report = fleet.scan([None], now=pd.Timestamp(NOW))
    rows = report.versions.set_index(["function", "version"])
    assert set(rows.index) == {("orders-api", v) for v in "12345"} | {("legacy-java", "1")}
    assert rows.loc[("orders-api", "3"), "aliases"] == "live" and rows.loc[("orders-api", "5"), "aliases"] == "live"
    assert rows.loc[("orders-api", "2"), "last_invocation"] == pd.Timestamp(NOW - timedelta(days=2))
    assert pd.isna(rows.loc[("orders-api", "1"), "last_invocation"])  # INIT lines are not invocations
    assert rows.loc[("orders-api", "1"), "monthly_cache_usd"] == pytest.approx(GB_MONTH_USD)
    assert rows.loc[("legacy-java", "1"), "snapstart_pricing"] == fleet.FREE
    assert rows.loc[("legacy-java", "1"), "monthly_cache_usd"] == 0.0
    idle = report.idle.set_index(["function", "version"]).index
    assert set(idle) == {("orders-api", "1"), ("legacy-java", "1")}  # 4 is too new, 2/3/5 in use
    assert report.idle_monthly_usd == pytest.approx(GB_MONTH_USD)
    assert sorted(report.delete_commands()) == [
        "aws lambda delete-function --function-name legacy-java --qualifier 1 --region us-east-1",
        "aws lambda delete-function --function-name orders-api --qualifier 1 --region us-east-1"]
    assert report.functions == 4
    (denied,) = report.unreadable
    assert denied.function == "secret-fn" and "access denied" in denied.problem
    assert "lambda:ListVersionsByFunction" in denied.problem


def test_nothing_is_deleted(account) -> None:
    fleet.scan([None], now=pd.Timestamp(NOW))
    versions = boto3.client("lambda").list_versions_by_function(FunctionName="orders-api")["Versions"]
    assert len(versions) == 6  # $LATEST and 5 published


def test_prefix_and_idle_days(account) -> None:
    report = fleet.scan([None], prefix="orders", idle_days=1, now=pd.Timestamp(NOW))
    assert set(report.versions["function"]) == {"orders-api"} and report.functions == 1
    # With a 1-day window version 2 (last seen 2 days ago) and version 4 (published yesterday) are idle too.
    assert set(report.idle["version"]) == {"1", "2", "4"}
    assert report.idle_monthly_usd == pytest.approx(3 * GB_MONTH_USD)


def test_cli_json_line_and_out_folder(account, tmp_path: Path, capsys) -> None:
    code = main(["fleet", "--out", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0
    (line,) = out.out.strip().splitlines()  # not a terminal: one JSON line
    body = json.loads(line)
    assert body["idle_versions"] == 2 and body["idle_monthly_cache_usd"] == pytest.approx(GB_MONTH_USD)
    assert body["unreadable"][0]["function"] == "secret-fn"
    assert "cannot read us-east-1 secret-fn" in out.err
    script = (tmp_path / "delete-idle-versions.sh").read_text()
    assert "--function-name orders-api --qualifier 1 --region us-east-1" in script
    assert len(pd.read_csv(tmp_path / "fleet.csv")) == 6


def test_cli_table_for_people(account, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["fleet", "--function-prefix", "orders"]) == 0
    text = capsys.readouterr().out
    assert "1 idle, $3.90 of cache per month" in text
    assert "aws lambda delete-function --function-name orders-api --qualifier 1 --region us-east-1" in text


def test_log_group_the_caller_may_not_read_never_makes_a_version_idle() -> None:
    """Stubber: a FilterLogEvents AccessDenied leaves last_invocation unknown, so nothing is called idle;
    responses shaped as the Lambda API reference documents them (FunctionConfiguration, AliasConfiguration)."""
    lam = boto3.client("lambda", region_name="us-east-1")
    logs = boto3.client("logs", region_name="us-east-1")
    with Stubber(lam) as lstub, Stubber(logs) as gstub:
        lstub.add_response("list_versions_by_function", {"Versions": [
            {"FunctionName": "f", "Version": "$LATEST", "Runtime": "python3.13", "MemorySize": 512,
             "Architectures": ["arm64"], "LastModified": "2026-10-01T00:00:00.000+0000",
             "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}},
            {"FunctionName": "f", "Version": "1", "Runtime": "python3.13", "MemorySize": 512,
             "Architectures": ["arm64"], "LastModified": "2026-10-01T00:00:00.000+0000",
             "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}}]}, {"FunctionName": "f"})
        lstub.add_response("list_aliases", {"Aliases": []}, {"FunctionName": "f"})
        gstub.add_client_error("filter_log_events", "AccessDeniedException", "no", 400)
        rows = fleet.function_versions({"FunctionName": "f", "LoggingConfig": {"LogGroup": "/custom/f"}}, lam, logs,
                                       pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-15", tz="UTC"))
    now = pd.Timestamp("2026-11-15", tz="UTC")
    frame = fleet.price_versions(pd.DataFrame(rows), "us-east-1", pricetable.load_prices(), 14, now)
    assert list(frame["version"]) == ["1"] and not frame["idle"].any() and not frame["logs_read"].any()
    # 512 MB arm64: half a GB-month at the us-east-1 arm64 cache price (same rate as x86_64).
    assert frame["monthly_cache_usd"].iloc[0] == pytest.approx(GB_MONTH_USD / 2)


@pytest.mark.parametrize(("runtime", "pricing"), [
    ("python3.12", fleet.PRICED), ("python3.13", fleet.PRICED), ("python3.11", fleet.UNSUPPORTED),
    ("python3.9", fleet.UNSUPPORTED), ("dotnet8", fleet.PRICED), ("dotnet6", fleet.UNSUPPORTED),
    ("java21", fleet.FREE), ("java11", fleet.FREE), ("nodejs22.x", fleet.UNSUPPORTED), (None, fleet.UNSUPPORTED)])
def test_snapstart_pricing_by_runtime(runtime, pricing) -> None:
    assert fleet.snapstart_pricing(runtime) == pricing


def test_alias_map_counts_weighted_routing() -> None:
    aliases = [{"Name": "live", "FunctionVersion": "3", "RoutingConfig": {"AdditionalVersionWeights": {"4": 0.1}}},
               {"Name": "beta", "FunctionVersion": "4"}]
    assert fleet.alias_map(aliases) == {"3": ["live"], "4": ["live", "beta"]}


def test_delete_command_is_shell_quoted() -> None:
    assert fleet.delete_command("f;rm", "1", "eu-west-1") == (
        "aws lambda delete-function --function-name 'f;rm' --qualifier 1 --region eu-west-1")


def test_every_api_call_goes_through_the_shared_retrying_client(account, monkeypatch) -> None:
    made = []
    original = aws.client
    monkeypatch.setattr(aws, "client", lambda service, sess=None: made.append(service) or original(service, sess))
    fleet.scan([None], now=pd.Timestamp(NOW))
    assert sorted(made) == ["lambda", "logs"]  # one client per service and region, shared by the pool


def test_last_invocation_is_one_filtered_paginated_scan() -> None:
    """Stubber: the REPORT-only filter pattern and the window are sent, pages are followed
    (nextToken), and the newest REPORT per stream version wins."""
    logs = boto3.client("logs", region_name="us-east-1")
    since, until = pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-15", tz="UTC")
    params = {"logGroupName": "/aws/lambda/f", "startTime": 1_793_491_200_000, "endTime": 1_794_700_800_000,
              "filterPattern": '?"REPORT RequestId" ?"platform.report"'}
    with Stubber(logs) as stub:
        stub.add_response("filter_log_events", {"events": [
            {"logStreamName": "2026/11/02/[3]aa", "timestamp": 1_793_577_600_000, "message": REPORT},
            {"logStreamName": "2026/11/02/[4]bb", "timestamp": 1_793_577_600_500, "message": REPORT}],
            "nextToken": "t2"}, params)
        stub.add_response("filter_log_events", {"events": [
            {"logStreamName": "2026/11/03/[3]cc", "timestamp": 1_793_664_000_000,
             "message": '{"time":"2026-11-03T00:00:00Z","type":"platform.report","record":{}}'},
            {"logStreamName": "2026/11/04/[4]dd", "timestamp": 1_793_750_400_000,
             "message": "RESTORE_REPORT Restore Duration: 400.00 ms\n"}]}, {**params, "nextToken": "t2"})
        last = fleet.last_invocations(logs, "/aws/lambda/f", since, until)
    assert last == {"3": pd.Timestamp("2026-11-03", tz="UTC"), "4": pd.Timestamp("2026-11-02T00:00:00.500Z")}


def test_last_invocation_by_logs_insights() -> None:
    """Stubber, as moto answers stats queries with nothing: StartQuery (epoch seconds), a Running
    then Complete GetQueryResults with rows of {field, value} strings as the API documents them."""
    logs = boto3.client("logs", region_name="us-east-1")
    since, until = pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-15", tz="UTC")
    waits = []
    with Stubber(logs) as stub:
        stub.add_response("start_query", {"queryId": "q1"}, {
            "logGroupName": "/aws/lambda/f", "startTime": 1_793_491_200, "endTime": 1_794_700_800,
            "queryString": fleet.LAST_INVOCATION_QUERY, "limit": 10_000})
        stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q1"})
        stub.add_response("get_query_results", {"status": "Complete", "results": [
            [{"field": "version", "value": "3"}, {"field": "last_invocation", "value": "2026-11-03 10:00:00.250"}],
            [{"field": "version", "value": "4"}, {"field": "last_invocation", "value": "2026-11-14 23:59:59.000"}]]},
            {"queryId": "q1"})
        last = fleet.last_invocations_insights(logs, "/aws/lambda/f", since, until, sleep=waits.append)
    assert last == {"3": pd.Timestamp("2026-11-03T10:00:00.250Z"), "4": pd.Timestamp("2026-11-14T23:59:59Z")}
    assert waits == [0.5, 0.75]
    assert 'parse @logStream "[*]" as version' in fleet.LAST_INVOCATION_QUERY


def test_failed_insights_query_is_one_clean_error() -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    with Stubber(logs) as stub:
        stub.add_response("start_query", {"queryId": "q1"})
        stub.add_response("get_query_results", {"status": "Failed", "results": []})
        with pytest.raises(aws.AwsError, match="query q1 ended Failed"):
            fleet.last_invocations_insights(logs, "/aws/lambda/f", pd.Timestamp("2026-11-01", tz="UTC"),
                                            pd.Timestamp("2026-11-15", tz="UTC"), sleep=lambda s: None)


def test_insights_query_is_stopped_when_given_up_on(monkeypatch) -> None:
    """A query left running keeps counting against the account's concurrent-query limit (and
    scanning, which is billed) for up to an hour: past the deadline, or when polling fails, it
    is stopped; a query that ended by itself has nothing to stop."""
    stopped: list[tuple[str | None, list[str]]] = []
    monkeypatch.setattr(insights, "stop_queries", lambda sess, ids: stopped.append((sess.region_name, ids)))
    window = pd.Timestamp("2026-11-01", tz="UTC"), pd.Timestamp("2026-11-15", tz="UTC")
    logs = boto3.client("logs", region_name="eu-west-1")
    with Stubber(logs) as stub:
        stub.add_response("start_query", {"queryId": "q1"})
        stub.add_response("get_query_results", {"status": "Running", "results": []})
        with pytest.raises(aws.AwsError, match="still running"):
            fleet.last_invocations_insights(logs, "/aws/lambda/f", *window, sleep=lambda s: None, deadline_s=-1)
    assert stopped == [("eu-west-1", ["q1"])]
    with Stubber(logs) as stub:
        stub.add_response("start_query", {"queryId": "q2"})
        stub.add_client_error("get_query_results", "AccessDeniedException", http_status_code=400)
        with pytest.raises(aws.AwsError, match="access denied"):
            fleet.last_invocations_insights(logs, "/aws/lambda/f", *window, sleep=lambda s: None)
    assert stopped[-1] == ("eu-west-1", ["q2"])
    with Stubber(logs) as stub:
        stub.add_response("start_query", {"queryId": "q3"})
        stub.add_response("get_query_results", {"status": "Failed", "results": []})
        with pytest.raises(aws.AwsError, match="ended Failed"):
            fleet.last_invocations_insights(logs, "/aws/lambda/f", *window, sleep=lambda s: None)
    assert len(stopped) == 2


def test_scan_with_insights_asks_insights_not_filter_log_events(account, monkeypatch) -> None:
    asked = []

    def fake(logs, group, since, until):
        asked.append(group)
        return {"1": pd.Timestamp(NOW - timedelta(hours=1))}

    monkeypatch.setattr(fleet, "last_invocations_insights", fake)
    monkeypatch.setattr(fleet, "last_invocations", lambda *a: pytest.fail("FilterLogEvents used"))
    report = fleet.scan([None], now=pd.Timestamp(NOW), insights=True)
    assert sorted(asked) == ["/aws/lambda/legacy-java", "/aws/lambda/orders-api"]
    assert ("orders-api", "1") not in set(report.idle.set_index(["function", "version"]).index)


def test_region_the_caller_may_not_list_is_reported_and_exit_1(snapstart, monkeypatch, capsys) -> None:
    def denied(self, *args, **kwargs):
        raise JsonRESTError("AccessDeniedException", "not authorized to perform lambda:ListFunctions")

    monkeypatch.setattr(LambdaBackend, "list_functions", denied)
    report = fleet.scan([None], now=pd.Timestamp(NOW))
    (problem,) = report.unreadable
    assert (problem.region, problem.function) == ("us-east-1", "*") and "lambda:ListFunctions" in problem.problem
    assert report.versions.empty and report.idle_monthly_usd == 0
    assert main(["fleet", "--json"]) == 1
    assert "cannot read us-east-1 *: lambda:ListFunctions: access denied" in capsys.readouterr().err


def test_a_named_region_without_prices_is_a_usage_error_before_any_call(snapstart, capsys, monkeypatch) -> None:
    monkeypatch.setattr(aws, "client", lambda *a, **k: pytest.fail("an AWS call was made"))
    assert main(["fleet", "--region", "xx-nowhere-1"]) == 2
    err = capsys.readouterr().err
    assert "no prices for region 'xx-nowhere-1'" in err and "us-east-1" in err


def test_a_log_group_the_caller_may_not_read_is_listed(account, monkeypatch) -> None:
    def denied(logs, group, since, until):
        raise aws.AwsError("logs:FilterLogEvents", "access denied (AccessDeniedException: no)", "allow it")

    monkeypatch.setattr(fleet, "last_invocations", denied)
    report = fleet.scan([None], now=pd.Timestamp(NOW))
    assert report.idle.empty and not report.versions["logs_read"].any()
    blind = sorted(u.function for u in report.unreadable if u.problem.startswith("logs:"))
    assert blind == ["legacy-java", "orders-api"]
