"""logparse.aws against AWS without AWS.

CloudWatch Logs, X-Ray and Lambda run on a real moto server (``ThreadedMotoServer`` on
127.0.0.1, reached through ``AWS_ENDPOINT_URL`` with dummy credentials). Where moto does not
implement an API the test uses botocore's ``Stubber`` with responses in the documented shape and
says so: Logs Insights (moto answers ``stats`` queries with empty results) and Lambda's
``SnapStart`` setting (moto always reports ``ApplyOn: None``). No test can reach real AWS: every
test runs with an endpoint URL pointing at localhost and without ``AWS_PROFILE``.
"""

from __future__ import annotations

import io
import json
import random
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import orjson
import pandas as pd
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

import logparse
from logparse import aws, export, insights
from logparse.state import State
from logparse.tables import TIME

FUNCTION = "orders-api"
GROUP = f"/aws/lambda/{FUNCTION}"
RUNTIME_ARN = "arn:aws:lambda:us-east-1::runtime:0f5e3a1b2c"


# --------------------------------------------------------------------------- fixtures


pytestmark = pytest.mark.usefixtures("no_real_aws")


class StubSession:
    """Stands in for boto3.Session so the code under test gets the stubbed client."""

    region_name = "us-east-1"

    def __init__(self, **clients):
        self.clients = clients

    def client(self, service, config=None):
        return self.clients[service]


def stubbed(service: str) -> tuple[object, Stubber]:
    cl = boto3.client(service, region_name="us-east-1", config=Config(**aws.RETRY_CONFIG))
    stub = Stubber(cl)
    stub.activate()
    return cl, stub


# --------------------------------------------------------------------------- a week of logs


def _report(rid: str, duration: float, memory: int, used: int, restore: float | None = None,
            billed_restore: int | None = None, status: str | None = None) -> str:
    billed = int(duration) + 1 + (billed_restore or 0)
    fields = [f"REPORT RequestId: {rid}", f"Duration: {duration:.2f} ms", f"Billed Duration: {billed} ms",
              f"Memory Size: {memory} MB", f"Max Memory Used: {used} MB"]
    if restore is not None:
        fields += [f"Restore Duration: {restore:.2f} ms", f"Billed Restore Duration: {billed_restore} ms"]
    if status:
        fields += [f"Status: {status}"]
    return "\t".join(fields) + "\t\n"


def week_of_events(now: datetime, days: int = 7, seed: int = 7,
                   traces: list[str] | None = None) -> dict[str, list[tuple[int, str]]]:
    """Streams -> (epoch ms, message): restores, warm calls, snapshot inits, a timeout, a retry.

    Realistic shape (DESIGN.md): RESTORE_START/RESTORE_REPORT precede the first REPORT of an
    environment; restore hundreds of ms, billed restore tens of ms; a version's snapshot is created
    at publish in a stream that serves no request; application lines in between. With ``traces``,
    each restored invocation is traced: its REPORT gets the XRAY trailer (a second line of the
    same event) and its segment document is appended to ``traces``.
    """
    rng = random.Random(seed)
    start = now - timedelta(days=days)
    streams: dict[str, list[tuple[int, str]]] = {}

    def ms(t: datetime) -> int:
        return int(t.timestamp() * 1000)

    def stream_name(t: datetime, version: str) -> str:
        return f"{t:%Y/%m/%d}/[{version}]{uuid.UUID(int=rng.getrandbits(128)).hex}"

    publish = {"3": start + timedelta(minutes=5), "4": start + timedelta(days=days * 4 / 7)}
    for version, t in publish.items():
        name = stream_name(t, version)
        streams[name] = [
            (ms(t), f"INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: {RUNTIME_ARN}\n"),
            (ms(t) + 1900, f"INIT_REPORT Init Duration: {rng.uniform(1500, 4000):.2f} ms\n"),
        ]
    retry_id = None
    t = start + timedelta(minutes=30)
    while t < now - timedelta(minutes=30):
        version = "3" if t < publish["4"] else "4"
        name = stream_name(t, version)
        events = streams.setdefault(name, [])
        clock = t
        events.append((ms(clock), f"RESTORE_START Runtime Version: python:3.12.v40\t"
                                  f"Runtime Version ARN: {RUNTIME_ARN}\n"))
        restore = rng.lognormvariate(6.2, 0.35)
        clock += timedelta(milliseconds=restore)
        events.append((ms(clock), f"RESTORE_REPORT Restore Duration: {restore:.2f} ms\n"))
        for call in range(rng.randint(3, 12)):
            rid = str(uuid.UUID(int=rng.getrandbits(128)))
            if call == 1 and retry_id is None:
                retry_id = rid
            elif call == 1 and rng.random() < 0.1:
                rid = retry_id  # an async retry reuses the request id in another environment
            clock += timedelta(seconds=rng.uniform(1, 300))
            duration = rng.uniform(20, 400)
            events.append((ms(clock), f"START RequestId: {rid} Version: {version}\n"))
            events.append((ms(clock) + 5, f"[INFO]\t{clock:%Y-%m-%dT%H:%M:%S}Z\t{rid}\tprocessing order\n"))
            status = None
            if rng.random() < 0.01:
                events.append((ms(clock) + int(duration), f"{clock:%Y-%m-%dT%H:%M:%S}Z {rid} "
                                                          "Task timed out after 3.00 seconds\n"))
                status = "timeout"
            events.append((ms(clock) + int(duration) + 1, f"END RequestId: {rid}\n"))
            first = call == 0
            report = _report(rid, duration, 256, rng.randint(120, 200),
                             restore if first else None, rng.randint(40, 120) if first else None, status)
            if first and traces is not None:
                # Whole second + 50 ms: a 0.9 s segment never straddles a query-window edge
                # (moto only lists traces that lie entirely inside the window).
                start_s = int(clock.timestamp()) + 0.05
                trace_id = f"1-{int(start_s):08x}-{rng.getrandbits(96):024x}"
                segment = _segment(trace_id, start_s, version, restore, rng)
                traces.append(segment)
                report += f"XRAY TraceId: {trace_id}\tSegmentId: {json.loads(segment)['id']}\tSampled: true\t\n"
            events.append((ms(clock) + int(duration) + 2, report))
        t += timedelta(minutes=rng.randint(90, 240))
    return streams


def put_events(streams: dict[str, list[tuple[int, str]]], group: str = GROUP) -> None:
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=group)
    for name, events in streams.items():
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        logs.put_log_events(logGroupName=group, logStreamName=name,
                            logEvents=[{"timestamp": ts, "message": msg} for ts, msg in sorted(events)])


def cli_file(streams: dict[str, list[tuple[int, str]]], path: Path) -> Path:
    """The same events as ``aws logs filter-log-events --output json`` saves them (no group name,
    interleaved by time)."""
    events = [{"logStreamName": name, "timestamp": ts, "message": msg, "ingestionTime": ts + 400,
               "eventId": f"{ts:020d}{i:016d}"}
              for name, evs in streams.items() for i, (ts, msg) in enumerate(sorted(evs))]
    events.sort(key=lambda e: (e["timestamp"], e["logStreamName"]))
    path.write_bytes(orjson.dumps({"events": events, "searchedLogStreams": []}))
    return path


def read_all(out: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: export.read_csv(p) for p in sorted(out.glob("*.csv"))}


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def one_query_hours(hours: int = 2) -> tuple[datetime, datetime]:
    """The last ``hours`` whole hours that one Insights query covers: 1-hour bins are cut into
    queries at every 500th hour since the epoch, so "the last two hours" is two queries for two
    hours in every 500 (2026-12-04 16:00-18:00 UTC is one such span)."""
    width = 3600 * insights.INSIGHTS_BINS_PER_QUERY
    now = int(now_utc().timestamp()) // 3600 * 3600
    until = now if (now - 1) // width == (now - 3600 * hours) // width else now // width * width
    return datetime.fromtimestamp(until - 3600 * hours, UTC), datetime.fromtimestamp(until, UTC)


# --------------------------------------------------------------------------- CloudWatch Logs (moto)


def test_fetch_and_export_twice_equals_export_of_the_same_file(moto, tmp_path):
    """The issue's proof: a week of logs and traces in moto, fetched and exported twice (with and
    without a state file) gives exactly the CSVs of exporting the same data saved as files."""
    now = now_utc()
    documents: list[str] = []
    streams = week_of_events(now, traces=documents)
    put_events(streams)
    put_traces(documents)
    since, until = now - timedelta(days=8), now

    def fetch(state=None):
        return aws.fetch_tables(FUNCTION, since, until, state=state, xray=True, versions=False,
                                trace_filter=None)  # moto has no X-Ray filter expressions

    fetched = tmp_path / "fetched"
    state = State.load(tmp_path / "state.json")
    first = export.run_export(fetch(state), fetched, state=state)
    state = State.load(tmp_path / "state.json")
    second = export.run_export(fetch(state), fetched, state=state)
    third = export.run_export(fetch(), fetched)

    n_reports = sum(m.startswith("REPORT") for evs in streams.values() for _, m in evs)
    assert first["invocations"] == n_reports > 100
    assert first["restores"] > 0 and first["inits"] > 0 and first["metrics"] > 0
    assert first["spans"] == 2 * len(documents) > 50  # Restore and Invocation subsegments
    assert all(n == 0 for n in second.values()), second  # state: nothing new was fetched
    assert all(n == 0 for n in third.values()), third  # no state: the dedupe keeps it idempotent

    from_file = tmp_path / "from-file"
    files = [cli_file(streams, tmp_path / "events.json"), traces_file(documents, tmp_path / "traces.json")]
    export.run_export(logparse.load(*files, function=FUNCTION), from_file)
    got, want = read_all(fetched), read_all(from_file)
    assert set(got) == set(want) >= {"invocations", "inits", "restores", "spans", "rejects", "metrics", "costs"}
    for name in got:
        # `source` names where a row came from (cloudwatch:/aws/lambda/... vs the file path).
        a, b = got[name].drop(columns="source", errors="ignore"), want[name].drop(columns="source", errors="ignore")
        pd.testing.assert_frame_equal(a, b, obj=name)
        keys = [k for k in export.DEDUPE_KEYS.get(name, export.REPLACE_KEYS.get(name, [])) if k in a]
        assert not a.duplicated(subset=keys).any(), name

    invocations = export.read_csv(fetched / "invocations.csv", logparse.SCHEMAS["invocations"])
    assert invocations["request_id"].duplicated().any(), "the async retry keeps both rows"
    assert set(invocations["version"]) == {"3", "4"}
    assert invocations["function"].eq(FUNCTION).all()
    assert (invocations["start_kind"] == "restore").sum() == first["restores"]
    assert invocations["xray_restore_ms"].notna().sum() == len(documents)  # joined to the traces


def test_incremental_run_fetches_only_new_events(moto, tmp_path):
    now = now_utc()
    streams = week_of_events(now - timedelta(hours=2), days=2)
    put_events(streams)
    out, state_path = tmp_path / "out", tmp_path / "state.json"
    state = State.load(state_path)
    first = export.run_export(aws.fetch_tables(FUNCTION, now - timedelta(days=3), now - timedelta(hours=1),
                                               state=state, versions=False), out, state=state)
    saved = json.loads(state_path.read_text())
    mark = saved["groups"][GROUP]
    assert mark["watermark_ms"] == max(ts for evs in streams.values() for ts, _ in evs)

    logs = boto3.client("logs")
    name = "2099/01/01/[4]fresh"
    logs.create_log_stream(logGroupName=GROUP, logStreamName=name)
    base = int((now - timedelta(minutes=20)).timestamp() * 1000)
    rid = str(uuid.uuid4())
    logs.put_log_events(logGroupName=GROUP, logStreamName=name, logEvents=[
        {"timestamp": base, "message": f"START RequestId: {rid} Version: 4\n"},
        {"timestamp": base + 80, "message": f"END RequestId: {rid}\n"},
        {"timestamp": base + 81, "message": _report(rid, 77.7, 256, 150)},
    ])
    state = State.load(state_path)
    tables = aws.fetch_tables(FUNCTION, now - timedelta(days=3), now, state=state, versions=False)
    assert tables.stats.lines == 3  # only the new events crossed the wire into the parser
    second = export.run_export(tables, out, state=state)
    assert second["invocations"] == 1 and first["invocations"] > 10
    rows = export.read_csv(out / "invocations.csv")
    assert rows["request_id"].iloc[-1] == rid and len(rows) == first["invocations"] + 1


def test_pagination_over_many_pages(moto):
    now = now_utc()
    streams = week_of_events(now, days=2)
    put_events(streams)
    calls = []
    sess = boto3.Session()
    sess.events.register("before-call.cloudwatch-logs.FilterLogEvents", lambda **kw: calls.append(1))
    paged = aws.fetch_log_events(FUNCTION, now - timedelta(days=3), now, session=sess, page_size=50)
    whole = aws.fetch_log_events(FUNCTION, now - timedelta(days=3), now)
    total = sum(len(evs) for evs in streams.values())
    assert len(calls) == -(-total // 50) > 2
    assert paged == whole and len(paged) == total
    assert [e["timestamp"] for e in paged] == sorted(e["timestamp"] for e in paged)
    assert set(paged[0]) == {"logStreamName", "timestamp", "message", "eventId"}


def test_time_window_and_envelope_shape(moto):
    now = now_utc()
    streams = week_of_events(now, days=2)
    put_events(streams)
    since, until = now - timedelta(hours=20), now - timedelta(hours=10)
    body = orjson.loads(aws.fetch_logs(FUNCTION, since, until))
    assert body["logGroupName"] == GROUP
    stamps = [e["timestamp"] for e in body["events"]]
    lo, hi = since.timestamp() * 1000, until.timestamp() * 1000
    assert stamps and all(lo <= s <= hi for s in stamps)
    expected = sum(lo <= ts <= hi for evs in streams.values() for ts, _ in evs)
    assert len(stamps) == expected


def test_platform_filter_pattern_is_sent_and_uses_or_terms():
    """CloudWatch filter syntax: `?term` ORs terms, quotes keep spaces (moto treats `?` patterns as
    match-all, so the pattern itself is checked on the request)."""
    cl, stub = stubbed("logs")
    stub.add_response("filter_log_events", {"events": [], "searchedLogStreams": []}, {
        "logGroupName": GROUP, "startTime": ANY, "endTime": ANY, "filterPattern": aws.PLATFORM_FILTER})
    aws.fetch_log_events(FUNCTION, now_utc() - timedelta(hours=1), now_utc(), session=StubSession(logs=cl))
    stub.assert_no_pending_responses()
    terms = aws.PLATFORM_FILTER.split(" ?")
    assert aws.PLATFORM_FILTER.startswith("?REPORT") or "?REPORT" in aws.PLATFORM_FILTER
    assert '?"Task timed out"' in aws.PLATFORM_FILTER and len(terms) == len(aws.PLATFORM_TERMS)


# --------------------------------------------------------------------------- errors and retries


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def _throttle(code: str = "ThrottlingException", status: int = 400, **_):
    """An AWS JSON-protocol error response, as the wire brings it (so botocore's retries run)."""
    from botocore.awsrequest import AWSResponse

    body = orjson.dumps({"__type": code, "message": "Rate exceeded" if status < 500 else "Internal error"})
    return AWSResponse("http://127.0.0.1/", status, {"x-amzn-RequestId": "t",
                                                     "Content-Type": "application/x-amz-json-1.1"}, _Raw(body))


@pytest.fixture
def no_backoff(monkeypatch):
    """Keep botocore's retry logic but skip its waits (exponential backoff, adaptive rate limit)."""
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, ctx: 0)
    monkeypatch.setattr("botocore.retries.bucket.TokenBucket._sleep_amount", lambda self, amount: 0)


def test_throttling_is_retried_by_botocore(moto, no_backoff):
    """Stubber answers before botocore's retry loop runs (it short-circuits `before-call`), so the
    retry itself is proven with throttling responses injected at `before-send`, on the wire path."""
    now = now_utc()
    put_events(week_of_events(now, days=1))
    attempts = []

    def flaky(**kwargs):
        attempts.append(1)
        return _throttle() if len(attempts) <= 2 else None

    sess = boto3.Session()
    sess.events.register("before-send.cloudwatch-logs.FilterLogEvents", flaky)
    events = aws.fetch_log_events(FUNCTION, now - timedelta(days=2), now, session=sess)
    assert len(attempts) == 3 and events


def test_throttling_exhausted_is_one_clean_line(moto, no_backoff):
    attempts = []
    sess = boto3.Session()
    sess.events.register("before-send.cloudwatch-logs.FilterLogEvents",
                         lambda **kw: attempts.append(1) or _throttle())
    with pytest.raises(aws.AwsError) as caught:
        aws.fetch_log_events(FUNCTION, now_utc() - timedelta(hours=1), now_utc(), session=sess)
    assert len(attempts) == aws.MAX_ATTEMPTS  # botocore's attempts in total, nothing on top
    err = caught.value
    assert err.exit_code == 1 and err.api == "logs:FilterLogEvents"
    assert "\n" not in str(err) and "throttled" in str(err) and "retry" in err.hint()


def test_one_retry_policy_with_bounded_time():
    """The stated bounds follow from the configuration: a dead endpoint fails a call within two
    minutes (README), and throttling backs off for at most a quarter of a minute per call."""
    assert aws.RETRY_CONFIG["retries"] == {"mode": "adaptive", "total_max_attempts": aws.MAX_ATTEMPTS}
    assert aws.DEAD_ENDPOINT_S < 120 and aws.THROTTLED_BACKOFF_S <= 15
    assert insights.INSIGHTS_DEADLINE_S + aws.DEAD_ENDPOINT_S < 15 * 60  # fits the cron slot
    cl = aws.client("logs", boto3.Session())
    assert cl.meta.config.retries["mode"] == "adaptive"
    assert (cl.meta.config.connect_timeout, cl.meta.config.read_timeout) == (aws.CONNECT_TIMEOUT_S,
                                                                            aws.READ_TIMEOUT_S)


def test_throttled_start_query_is_retried_once_not_per_loop(moto, no_backoff):
    """`fetch --insights` against a throttled StartQuery: botocore's attempts and no more (the old
    code looped 8 times around them: 88 calls); a brief throttle is waited out by the same retries."""
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    attempts = []
    sess = boto3.Session()
    sess.events.register("before-send.cloudwatch-logs.StartQuery",
                         lambda **kw: attempts.append(1) or _throttle("LimitExceededException"))
    since, until = one_query_hours()
    with pytest.raises(aws.AwsError, match="throttled") as caught:
        insights.insights_metrics(FUNCTION, since, until, "1h", sess, sleep=lambda s: None)
    assert len(attempts) == aws.MAX_ATTEMPTS and caught.value.api == "logs:StartQuery"

    brief = []
    sess = boto3.Session()
    sess.events.register("before-send.cloudwatch-logs.StartQuery",
                         lambda **kw: brief.append(1) or (_throttle("LimitExceededException")
                                                          if len(brief) <= 2 else None))
    frame = insights.insights_metrics(FUNCTION, since, until, "1h", sess, sleep=lambda s: None)
    assert len(brief) == 3 and frame.empty


def test_http_500_says_retry_later_once(moto, no_backoff, tmp_path, capsys, monkeypatch):
    """An AWS-side fault, after botocore's retries: one line whose hint says to retry later, printed
    once (the message does not repeat it)."""
    from logparse import cli

    attempts = []
    sess = boto3.Session()
    sess.events.register("before-send.cloudwatch-logs.FilterLogEvents",
                         lambda **kw: attempts.append(1) or _throttle("InternalFailure", 500))
    monkeypatch.setattr(aws, "session", lambda region=None, profile=None: sess)
    code = cli.main(["fetch", "--function", FUNCTION, "--since", "1h", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and len(attempts) == aws.MAX_ATTEMPTS
    assert err.count("\n") == 1 and "HTTP 500" in err and "logs:FilterLogEvents" in err
    assert err.count("retry later") == 1 and "see the AWS error above" not in err


@pytest.fixture
def silent_endpoint():
    """A TCP server on 127.0.0.1 that accepts connections and never answers; counts them."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    server.close()


def test_dead_endpoint_fails_after_the_stated_attempts_in_one_line(silent_endpoint, tmp_path, capsys,
                                                                   monkeypatch):
    """An endpoint that accepts and never answers: MAX_ATTEMPTS connections, each ended by the read
    timeout (shortened here from 15 s), then one line. Before, 11 attempts of 60 s each."""
    from logparse import cli

    url, accepted = silent_endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setitem(aws.RETRY_CONFIG, "read_timeout", 0.2)
    monkeypatch.setitem(aws.RETRY_CONFIG, "connect_timeout", 0.2)
    code = cli.main(["fetch", "--function", FUNCTION, "--since", "1h", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and len(accepted) == aws.MAX_ATTEMPTS
    assert err.count("\n") == 1 and "logs:FilterLogEvents: no answer from the endpoint" in err
    assert url in err and "retry later" in err and "Traceback" not in err


@pytest.mark.parametrize(("code", "words"), [
    ("ThrottlingException", "throttled"),
    ("AccessDeniedException", "allow logs:FilterLogEvents"),
    ("ResourceNotFoundException", "--region"),
])
def test_stubbed_errors_become_one_line(code, words):
    cl, stub = stubbed("logs")
    stub.add_client_error("filter_log_events", service_error_code=code, service_message="nope",
                          http_status_code=400)
    with pytest.raises(aws.AwsError) as caught:
        aws.fetch_logs(FUNCTION, now_utc() - timedelta(hours=1), now_utc(), session=StubSession(logs=cl))
    line = f"{caught.value} ({caught.value.hint()})"  # what the CLI prints
    assert words in line and "\n" not in line
    assert caught.value.api == "logs:FilterLogEvents"


def test_versions_are_optional_for_a_fetch(moto, caplog, monkeypatch):
    now = now_utc()
    put_events(week_of_events(now, days=1))

    def denied(function, session=None):
        raise aws.AwsError("lambda:ListVersionsByFunction", "access denied", "allow it")

    monkeypatch.setattr(aws, "fetch_versions", denied)
    tables = aws.fetch_tables(FUNCTION, now - timedelta(days=2), now)
    assert len(tables.invocations) > 0 and tables.versions.empty
    assert "lambda:ListVersionsByFunction" in caplog.text


def test_no_region_is_one_clean_line(monkeypatch):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(aws.AwsError, match="no AWS region") as caught:
        aws.fetch_logs(FUNCTION, now_utc() - timedelta(hours=1), now_utc())
    assert "--region" in caught.value.hint()


def test_no_credentials_and_unreachable_endpoint(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(aws.AwsError, match="no AWS credentials") as caught:
        aws.fetch_versions(FUNCTION)
    assert "AWS_PROFILE" in caught.value.hint()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sess = boto3.Session()
    monkeypatch.setattr(aws, "RETRY_CONFIG", {"retries": {"mode": "adaptive", "max_attempts": 1},
                                              "connect_timeout": 1})
    with pytest.raises(aws.AwsError, match="cannot reach the endpoint") as caught:
        aws.fetch_versions(FUNCTION, sess)
    assert "AWS_ENDPOINT_URL" in caught.value.hint()


def test_cli_fetch_reports_missing_log_group_in_one_line(moto, tmp_path, capsys):
    from logparse import cli

    code = cli.main(["fetch", "--function", "no-such-function", "--since", "1h", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "logs:FilterLogEvents" in err and "Traceback" not in err


def test_cli_fetch_writes_csvs_and_one_json_line(moto, tmp_path, capsys):
    from logparse import cli

    now = now_utc()
    put_events(week_of_events(now, days=1))
    _create_function(FUNCTION)
    code = cli.main(["fetch", "--function", FUNCTION, "--since", "2d", "--out", str(tmp_path / "out"),
                     "--state", str(tmp_path / "state.json")])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(out) == 1
    report = json.loads(out[0])
    assert report["written"]["invocations"] > 0 and report["function"] == FUNCTION
    assert (tmp_path / "out" / "invocations.csv").exists() and (tmp_path / "state.json").exists()


# --------------------------------------------------------------------------- Lambda versions


def _create_function(name: str, memory: int = 512) -> None:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return event\n")
    lam = boto3.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                        Handler="app.handler", Code={"ZipFile": buffer.getvalue()}, MemorySize=memory,
                        Architectures=["arm64"], SnapStart={"ApplyOn": "PublishedVersions"})
    lam.publish_version(FunctionName=name)
    lam.publish_version(FunctionName=name, Description="second")


def test_fetch_versions_from_moto(moto):
    _create_function(FUNCTION)
    versions = aws.fetch_versions(FUNCTION)
    assert list(versions.columns) == ["function", "version", "memory_mb", "architecture", "snapstart", "created"]
    assert str(versions["created"].dtype) == TIME and str(versions["snapstart"].dtype) == "boolean"
    assert set(versions["version"]) >= {"$LATEST", "1"}
    assert versions["memory_mb"].eq(512).all() and versions["architecture"].eq("arm64").all()
    assert not versions["snapstart"].any()  # moto ignores SnapStart; see the Stubber test below
    assert (versions["created"] > pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=1)).all()


def test_fetch_versions_snapstart_from_documented_response():
    """Stubber, because moto ignores SnapStart. Responses follow the ListVersionsByFunction
    reference (FunctionConfiguration: SnapStart.ApplyOn / OptimizationStatus, LastModified in
    ``YYYY-MM-DDThh:mm:ss.sTZD``), across two pages (NextMarker)."""
    cl, stub = stubbed("lambda")

    def config(version, apply_on, modified):
        return {"FunctionName": FUNCTION, "Version": version, "MemorySize": 1024,
                "Architectures": ["x86_64"], "LastModified": modified,
                "SnapStart": {"ApplyOn": apply_on, "OptimizationStatus": "On" if apply_on != "None" else "Off"}}

    stub.add_response("list_versions_by_function", {
        "Versions": [config("$LATEST", "PublishedVersions", "2026-11-16T09:00:00.000+0000"),
                     config("1", "None", "2026-11-01T08:30:00.000+0000")],
        "NextMarker": "page2"}, {"FunctionName": FUNCTION})
    stub.add_response("list_versions_by_function", {
        "Versions": [config("2", "PublishedVersions", "2026-11-15T10:00:00.123+0100")]},
        {"FunctionName": FUNCTION, "Marker": "page2"})
    versions = aws.fetch_versions(FUNCTION, StubSession(**{"lambda": cl})).set_index("version")
    stub.assert_no_pending_responses()
    assert versions.loc["2", "snapstart"] and not versions.loc["1", "snapstart"]
    assert not versions.loc["$LATEST", "snapstart"]  # $LATEST never has a snapshot
    assert versions.loc["2", "created"] == pd.Timestamp("2026-11-15T09:00:00.123Z")
    assert versions.loc["1", "memory_mb"] == 1024


# --------------------------------------------------------------------------- X-Ray


def _segment(trace_id: str, t: float, version: str, restore_ms: float, rng: random.Random | None = None) -> str:
    """A Lambda function segment document with Restore and Invocation subsegments."""
    rng = rng or random.Random()
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}:{version}"

    def sid() -> str:
        return f"{rng.getrandbits(64):016x}"

    restore_s = min(restore_ms / 1000, 0.55)
    return json.dumps({
        "trace_id": trace_id, "id": sid(), "name": FUNCTION, "origin": "AWS::Lambda::Function",
        "start_time": t, "end_time": t + 0.9, "resource_arn": arn,
        "subsegments": [
            {"id": sid(), "name": "Restore", "start_time": t, "end_time": t + restore_s},
            {"id": sid(), "name": "Invocation", "start_time": t + 0.6, "end_time": t + 0.85},
        ]})


def put_traces(documents: list[str]) -> None:
    xray = boto3.client("xray")
    for i in range(0, len(documents), 50):
        xray.put_trace_segments(TraceSegmentDocuments=documents[i:i + 50])


def traces_file(documents: list[str], path: Path) -> Path:
    """The same traces as ``aws xray batch-get-traces`` saves them (Document is a JSON string)."""
    traces = [{"Id": json.loads(d)["trace_id"], "Duration": 0.9,
               "Segments": [{"Id": json.loads(d)["id"], "Document": d}]} for d in documents]
    path.write_bytes(orjson.dumps({"Traces": traces, "UnprocessedTraceIds": []}))
    return path


def test_fetch_traces_from_moto_in_batches_of_five(moto):
    xray = boto3.client("xray")
    now = time.time()
    ids = [f"1-{int(now) - 3600 - i:08x}-{uuid.uuid4().hex[:24]}" for i in range(12)]
    xray.put_trace_segments(TraceSegmentDocuments=[
        _segment(tid, now - 3600 - i, "3", 500 + i) for i, tid in enumerate(ids)])
    batches = []
    sess = boto3.Session()
    sess.events.register("before-parameter-build.xray.BatchGetTraces",
                         lambda params, **kw: batches.append(params["TraceIds"]))
    # moto answers FilterExpression with InternalFailure: list every trace instead.
    body = orjson.loads(aws.fetch_traces(FUNCTION, now_utc() - timedelta(hours=3), now_utc(), sess,
                                         filter_expression=None))
    assert sorted(t["Id"] for t in body["Traces"]) == sorted(ids)
    assert [len(b) for b in batches] == [5, 5, 2]
    assert all(isinstance(seg["Document"], str) for t in body["Traces"] for seg in t["Segments"])
    tables = logparse.load(orjson.dumps(body))
    assert set(tables.spans["trace_id"]) == set(ids)
    assert "Restore" in set(tables.spans["name"])


def test_fetch_traces_sends_the_service_filter_and_windows():
    """Stubber: checks the documented GetTraceSummaries request (service filter, 6-hour windows,
    NextToken pagination) without depending on moto's missing filter support."""
    cl, stub = stubbed("xray")
    until = datetime(2026, 11, 16, 12, tzinfo=UTC)
    since = until - timedelta(hours=8)
    expression = f'service(id(name: "{FUNCTION}", type: "AWS::Lambda::Function"))'
    stub.add_response("get_trace_summaries", {"TraceSummaries": [{"Id": "1-a"}], "NextToken": "n"},
                      {"StartTime": since, "EndTime": since + timedelta(hours=6), "FilterExpression": expression})
    stub.add_response("get_trace_summaries", {"TraceSummaries": [{"Id": "1-b"}]},
                      {"StartTime": since, "EndTime": since + timedelta(hours=6), "FilterExpression": expression,
                       "NextToken": "n"})
    stub.add_response("get_trace_summaries", {"TraceSummaries": [{"Id": "1-a"}]},
                      {"StartTime": since + timedelta(hours=6), "EndTime": until, "FilterExpression": expression})
    stub.add_response("batch_get_traces", {"Traces": [
        {"Id": "1-b", "Segments": [{"Id": "s2", "Document": "{}"}]},
        {"Id": "1-a", "Segments": [{"Id": "s1", "Document": "{}"}]}], "UnprocessedTraceIds": []},
        {"TraceIds": ["1-a", "1-b"]})
    body = orjson.loads(aws.fetch_traces(FUNCTION, since, until, StubSession(xray=cl)))
    stub.assert_no_pending_responses()
    assert [t["Id"] for t in body["Traces"]] == ["1-a", "1-b"]


# --------------------------------------------------------------------------- Logs Insights (Stubber)


def _row(bucket: str, version: str, **values: str) -> list[dict[str, str]]:
    return [{"field": "bucket_start", "value": bucket}, {"field": "version", "value": version},
            *({"field": k, "value": v} for k, v in values.items())]


STATS = {"invocations": "10", "restore": "2", "init": "1", "restore_ms_p50": "512.5",
         "restore_ms_p90": "700.25", "restore_ms_p99": "901", "restore_ms_max": "950.75",
         "init_ms_p50": "3000.5", "init_ms_p90": "3000.5", "init_ms_p99": "3000.5", "init_ms_max": "3000.5",
         "billed_restore_ms_sum": "150", "duration_ms_sum": "1234.5"}


def test_insights_metrics_from_documented_responses():
    """moto's Logs Insights returns empty results for `stats` queries, so this uses Stubber with
    StartQuery / GetQueryResults responses in the documented shape: ``results`` is a list of rows,
    each a list of ``{"field", "value"}`` with string values; ``status`` goes Scheduled/Running ->
    Complete; times are ``YYYY-MM-DD HH:MM:SS.mmm`` UTC."""
    cl, stub = stubbed("logs")
    since = datetime(2026, 11, 16, 10, 17, tzinfo=UTC)
    until = datetime(2026, 11, 16, 12, 30, tzinfo=UTC)
    aligned = int(datetime(2026, 11, 16, 10, tzinfo=UTC).timestamp())
    stub.add_response("start_query", {"queryId": "q-1"}, {
        "logGroupName": GROUP, "startTime": aligned, "endTime": int(until.timestamp()),
        "queryString": ANY, "limit": 10_000})
    stub.add_response("get_query_results", {"status": "Scheduled", "results": []}, {"queryId": "q-1"})
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-1"})
    stub.add_response("get_query_results", {
        "status": "Complete",
        "statistics": {"recordsMatched": 31.0, "recordsScanned": 400.0, "bytesScanned": 90000.0},
        "results": [_row("2026-11-16 10:00:00.000", "3", **STATS),
                    _row("2026-11-16 11:00:00.000", "4", invocations="5"),
                    [{"field": "bin(1h)", "value": "2026-11-16 12:00:00.000"}, {"field": "invocations", "value": "1"}]],
    }, {"queryId": "q-1"})
    sleeps = []
    frame = insights.insights_metrics(FUNCTION, since, until, "1h", StubSession(logs=cl), sleep=sleeps.append)
    stub.assert_no_pending_responses()

    from logparse import metrics

    assert list(frame.columns) == list(metrics.over_time(logparse.Tables().invocations, "1h").columns)
    assert sleeps == [0.5, 0.75, 1.125]  # polling backs off
    first = frame.iloc[0]
    assert first["bucket_start"] == pd.Timestamp("2026-11-16T10:00Z") and first["version"] == "3"
    assert (first["invocations"], first["warm"], first["restore"], first["init"]) == (10, 7, 2, 1)
    assert first["cold_start_rate"] == pytest.approx(0.3) and first["restore_ms_p99"] == 901
    assert frame.iloc[1]["restore"] == 0 and pd.isna(frame.iloc[1]["restore_ms_p50"])
    assert frame.iloc[2]["version"] == "unknown"
    assert frame["function"].eq(FUNCTION).all()
    query = insights.INSIGHTS_QUERY.replace("{bin}", "1h")
    assert "pct(restore_ms, 99)" in query and "by bin(1h) as bucket_start, version" in query


def test_insights_splits_full_results():
    """Stubber (documented shapes): a query that returns the 10,000-row cap is split in two.
    (Waiting out LimitExceededException is botocore's retry: see the StartQuery test above.)"""
    cl, stub = stubbed("logs")
    since = datetime(2026, 11, 16, 0, tzinfo=UTC)
    until = datetime(2026, 11, 16, 4, tzinfo=UTC)
    t0, t4 = int(since.timestamp()), int(until.timestamp())
    stub.add_response("start_query", {"queryId": "big"}, {"logGroupName": GROUP, "startTime": t0,
                                                          "endTime": t4, "queryString": ANY, "limit": 10_000})
    full = [_row("2026-11-16 00:00:00.000", f"v{i}", invocations="1") for i in range(10_000)]
    stub.add_response("get_query_results", {"status": "Complete", "results": full}, {"queryId": "big"})
    for name, (a, b) in {"left": (t0, t0 + 7200), "right": (t0 + 7200, t4)}.items():
        stub.add_response("start_query", {"queryId": name}, {"logGroupName": GROUP, "startTime": a,
                                                             "endTime": b, "queryString": ANY, "limit": 10_000})
    stub.add_response("get_query_results", {"status": "Complete", "results": [
        _row("2026-11-16 00:00:00.000", "3", invocations="4"),
        _row("2026-11-16 02:00:00.000", "3", invocations="9")]}, {"queryId": "left"})  # edge row: dropped
    stub.add_response("get_query_results", {"status": "Complete", "results": [
        _row("2026-11-16 03:00:00.000", "3", invocations="2")]}, {"queryId": "right"})
    frame = insights.insights_metrics(FUNCTION, since, until, "1h", StubSession(logs=cl), sleep=lambda s: None)
    stub.assert_no_pending_responses()
    assert frame["bucket_start"].dt.hour.tolist() == [0, 3]
    assert frame["invocations"].tolist() == [4, 2]


def test_insights_failure_stops_the_queries_it_started():
    """A failure after one query started (here the second StartQuery is denied): the running query
    is stopped, or it would hold one of the account's concurrent-query slots for up to an hour."""
    cl, stub = stubbed("logs")
    stub.add_response("start_query", {"queryId": "first"}, None)
    stub.add_client_error("start_query", service_error_code="AccessDeniedException", http_status_code=400)
    stub.add_response("stop_query", {"success": True}, {"queryId": "first"})
    until = datetime(2026, 11, 30, tzinfo=UTC)
    with pytest.raises(aws.AwsError, match="access denied"):
        insights.insights_metrics(FUNCTION, until - timedelta(days=30), until, "1h", StubSession(logs=cl),
                             sleep=lambda s: None)  # 720 bins: two queries of at most 500
    stub.assert_no_pending_responses()


def test_insights_failed_query_is_one_clean_error():
    cl, stub = stubbed("logs")
    stub.add_response("start_query", {"queryId": "q"}, None)
    stub.add_response("get_query_results", {"status": "Timeout", "results": []}, {"queryId": "q"})
    with pytest.raises(aws.AwsError, match="ended Timeout") as caught:
        insights.insights_metrics(FUNCTION, *one_query_hours(), "1h", StubSession(logs=cl), sleep=lambda s: None)
    assert "narrow --since" in caught.value.hint()


@pytest.mark.parametrize(("bucket", "expected"), [("1h", ("1h", 3600)), ("5min", ("5m", 300)),
                                                  ("1D", ("1d", 86400)), ("90s", ("90s", 90))])
def test_insights_bin(bucket, expected):
    assert insights.insights_bin(bucket) == expected
    with pytest.raises(ValueError):
        insights.insights_bin("soon")


def test_insights_export_replaces_metrics_rows(tmp_path):
    """The --insights path writes metrics.csv from Insights rows; a later run replaces a bucket."""
    cl, stub = stubbed("logs")
    for invocations in ("3", "8"):
        stub.add_response("start_query", {"queryId": "q"}, None)
        stub.add_response("get_query_results", {"status": "Complete", "results": [
            _row("2026-11-16 10:00:00.000", "3", invocations=invocations)]}, {"queryId": "q"})
    since, until = datetime(2026, 11, 16, 10, tzinfo=UTC), datetime(2026, 11, 16, 10, 40, tzinfo=UTC)
    for _ in range(2):
        frame = insights.insights_metrics(FUNCTION, since, until, "1h", StubSession(logs=cl), sleep=lambda s: None)
        written = export.run_export(logparse.Tables(), tmp_path, metrics=frame)
    rows = export.read_csv(tmp_path / "metrics.csv")
    assert written["metrics"] == 1 and rows["invocations"].tolist() == ["8"]


def test_cli_fetch_insights_writes_metrics_without_downloading_lines(tmp_path, capsys, monkeypatch):
    """`fetch --insights` end to end through the CLI; Logs Insights and Lambda are Stubber-backed
    (documented response shapes), since moto implements neither the stats results nor SnapStart."""
    from logparse import cli

    logs, logs_stub = stubbed("logs")
    lam, lam_stub = stubbed("lambda")
    logs_stub.add_response("start_query", {"queryId": "q"}, None)
    logs_stub.add_response("get_query_results", {"status": "Complete", "results": [
        _row("2026-11-16 10:00:00.000", "3", **STATS)]}, {"queryId": "q"})
    lam_stub.add_response("list_versions_by_function", {"Versions": [
        {"FunctionName": FUNCTION, "Version": "3", "MemorySize": 256, "Architectures": ["x86_64"],
         "LastModified": "2026-11-10T08:00:00.000+0000", "SnapStart": {"ApplyOn": "PublishedVersions"}}]}, None)
    monkeypatch.setattr(aws, "session", lambda region=None, profile=None: StubSession(logs=logs, **{"lambda": lam}))
    code = cli.main(["fetch", "--function", FUNCTION, "--insights", "--since", "2026-11-16T10:00Z",
                     "--until", "2026-11-16T11:00Z", "--out", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["insights"] and report["lines"] == 0
    assert report["written"]["metrics"] == 1 and report["written"]["invocations"] == 0
    metrics = export.read_csv(tmp_path / "metrics.csv")
    assert metrics[["bucket_start", "version", "invocations", "restore_ms_p99"]].values.tolist() == [
        ["2026-11-16T10:00:00.000Z", "3", "10", "901.0"]]


def _updated_price_cache(monkeypatch, tmp_path) -> None:
    """The user's price cache as `prices --update` writes it, from the Price List fixture."""
    from logparse import pricelist

    monkeypatch.setenv(pricelist.CACHE_ENV, str(tmp_path / "cache"))
    base = Path(__file__).parent / "data" / "pricelist" / "offers/v1.0/aws/AWSLambda/20261120153000"
    rows = []
    for region in ("us-east-1", "eu-west-1"):
        rows += pricelist.rows_from_offer(json.loads((base / region / "index.json").read_text()), region, "test")[0]
    export.write_atomic(pricelist.cache_path(), pricelist.to_csv(rows))


def test_cli_fetch_prices_the_session_region_from_the_updated_table_tiered(moto, tmp_path, capsys, monkeypatch):
    """No --region: AWS_REGION (eu-west-1) picks the prices, from the updated table; --tiered
    applies the duration tiers to the fetched GB-s and says so."""
    from logparse import cli

    _updated_price_cache(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    put_events(week_of_events(now_utc(), days=1))
    used = []
    run_export = export.run_export
    monkeypatch.setattr(export, "run_export", lambda tables, out, **kw: used.append(kw["prices"])
                        or run_export(tables, out, **kw))
    code = cli.main(["fetch", "--function", FUNCTION, "--since", "2d", "--tiered", "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    [prices] = used
    assert (prices.region, prices.restore_gb) == ("eu-west-1", 0.0001537798)
    assert "duration tiers applied to" in prices.duration_basis
    assert prices.duration_gb_s == pytest.approx(0.0000166667)  # a day of test traffic: first tier


def test_cli_fetch_unknown_region_is_a_usage_line_before_any_call(tmp_path, capsys):
    from logparse import cli

    code = cli.main(["fetch", "--function", FUNCTION, "--region", "mars-north-1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "known regions: us-east-1" in err


def test_session_region_follows_the_sdk_order(no_real_aws, monkeypatch):
    """--region, then AWS_REGION, then AWS_DEFAULT_REGION (the order the AWS SDKs document):
    botocore alone reads only AWS_DEFAULT_REGION, so an AWS_REGION=eu-west-1 cron job would fetch
    from the wrong region, or from none."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert aws.session().region_name == "eu-west-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert aws.session().region_name == "eu-west-1"
    assert aws.session(region="ap-south-1").region_name == "ap-south-1"
    monkeypatch.delenv("AWS_REGION")
    assert aws.session().region_name == "us-west-2"
