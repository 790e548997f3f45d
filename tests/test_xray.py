"""logparse.xray: X-Ray segment documents -> spans, the join to invocations, hook analysis.

Golden inputs live in tests/data/xray/, built by hand from the documented X-Ray segment document
format (name, id, trace_id, start_time/end_time as epoch seconds, in_progress, subsegments,
error/fault/throttle, origin, aws.function_arn) and the shape of real Lambda traces (an
``AWS::Lambda`` service segment plus an ``AWS::Lambda::Function`` segment whose subsegments are
Restore | Initialization, Invocation, Overhead).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logparse import hooks, tables, xray, xraydocs, xrayjoin

DATA = Path(__file__).parent / "data" / "xray"


def read_golden(name: str) -> pd.DataFrame:
    """An expected spans table from CSV (ISO times, True/False flags, empty = <NA>)."""
    frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False, na_values=[""])
    for flag in ("error", "fault", "throttle"):
        frame[flag] = frame[flag].map({"True": True, "False": False})
    return tables.conform(frame, tables.SPANS)


# batch_get_traces.json, hand-checked (times in epoch seconds, durations = end - start):
#   A 1-67a0c2f1-...  orders-api:7 restore. Function segment times in exponent notation.
#       Restore 1.73858891315E9 -> 1.73858891385E9                     = 700 ms
#         after_restore: reconnect db  .600 -> .845                    = 245 ms
#       Invocation .851 -> 54.331 = 480 ms, its DynamoDB .900 -> 54.020 = 120 ms
#       Overhead 54.331 -> 54.345                                       =  14 ms
#       plus an API Gateway and an AWS::Lambda segment: skipped, counted.
#   B 1-67a0c2f8-...  orders-api warm; function ARN unqualified, the service segment's ":7"
#       gives the version. Invocation 52 ms, Overhead 3 ms.
#   C 1-67a0c302-...  legacy-report:$LATEST on-demand cold start: Initialization 1250 ms,
#       Invocation 149 ms with fault, Overhead 2 ms.
#   D 1-67a0c348-...  orders-api:8 restore whose hook fails: Restore 4500 ms, hook 4180 ms with
#       error; Invocation 100 ms with a throttled DynamoDB call 80 ms (error + throttle); Overhead 2.
# 15 spans + 4 function segments + 5 other segments = 24 records, no rejects.
def test_batch_get_traces_golden():
    data = (DATA / "batch_get_traces.json").read_bytes()
    result = xray.parse_counted(data, "batch_get_traces.json")
    expected = read_golden("batch_get_traces.spans.csv")
    pd.testing.assert_frame_equal(result.spans, expected)
    assert result.rejects.empty
    assert result.records_read == 24
    assert result.kinds == {"xray_function_segment": 4, "xray_other_segment": 5, "xray_span": 15}
    assert list(result.spans.dtypes.astype(str)) == list(tables.SPANS.values())


def test_parse_returns_the_contract_triple():
    spans, rejects, records = xray.parse((DATA / "batch_get_traces.json").read_bytes(), "x")
    assert (len(spans), len(rejects), records) == (15, 0, 24)
    assert list(rejects.columns) == list(tables.REJECTS)


@pytest.mark.parametrize(("head", "expected"), [
    (b'{\n    "Traces": [\n        {\n            "Id": "1-67a0c2f1-1b2c', True),
    (b'{"UnprocessedTraceIds": [], "Traces": []}', True),
    (b'{"ResponseMetadata": {"RequestId": "x"}, "Traces": [{"Id": "1-67a0c2f1-1b2c", "Segments": '
     b'[{"Id": "2a3b", "Document": "{\\"id\\"', True),
    (b'{"format":"json","version":1}\n{"trace_id":"1-5759e988-bd862e3fe1be46a994272793",'
     b'"id":"defdfd9912dc5a56","start_time":1461096053.37518', True),
    (b'{"name":"example.com","id":"70de5b6f19ff9a0a","start_time":1.478293361271E9,'
     b'"trace_id":"1-581cf771-a006649127e371903a2de979","end_time":1.478293361449E9}', True),
    (b'{"time":"2025-02-03T13:21:54.345Z","type":"platform.report","record":{"requestId":"x",'
     b'"tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-67a0c2f1-1b2c"}}}', False),
    (b'{"level":"INFO","message":"hi","xray_trace_id":"1-67a0c2f1-1b2c3d4e5f60718293a4b5c6"}', False),
    (b'{"events": [{"timestamp": 1, "message": "{\\"trace_id\\": \\"1-\\", \\"id\\": \\"a\\"}"}]}', False),
    (b"REPORT RequestId: 8f5c2b1e\tDuration: 182.96 ms", False),
    (b"", False),
])
def test_looks_like_xray(head: bytes, expected: bool):
    assert xraydocs.looks_like_xray(head) is expected


# daemon.ndjson, hand-checked: X-Ray daemon UDP payloads as captured, each document after a
# {"format":"json","version":1} header line (6 headers).
#   line 2: the in-progress function segment checkout:12 -> superseded by the complete one (line 6)
#   line 4: "after_restore: load model" sent separately, parent = the Restore subsegment that
#           only arrives on line 6: .010 -> .410 = 400 ms
#   line 6: complete function segment (start 1.7386E9): Restore .000 -> .500 = 500 ms,
#           Invocation .501 -> .951 = 450 ms, Overhead .951 -> .955 = 4 ms
#   line 8: S3 call sent separately under the hook of line 4: .100 -> .300 = 200 ms
#   line 10: a subsegment of a web app's segment (not Lambda) -> skipped as orphan
#   line 13: that web app's EC2 segment -> skipped
# 5 spans + 1 function segment + 1 superseded + 1 orphan + 1 other + 6 headers = 15 records.
def test_daemon_capture_golden():
    data = (DATA / "daemon.ndjson").read_bytes()
    result = xray.parse_counted(data, "daemon.ndjson")
    pd.testing.assert_frame_equal(result.spans, read_golden("daemon.spans.csv"))
    assert result.rejects.empty
    assert result.kinds == {"xray_function_segment": 1, "xray_header": 6, "xray_orphan_subsegment": 1,
                            "xray_other_segment": 1, "xray_span": 5, "xray_superseded": 1}
    assert result.records_read == 15


# malformed.ndjson: every line is broken in a documented way; the expected reasons are in
# malformed.rejects.csv (one row per reject, input order) and the survivors in malformed.spans.csv:
#   1 truncated JSON; 2 a function segment whose 14 subsegments are broken one way each
#   (missing start/end, in progress, end before start, text time, not an object, no id, repeated
#   id, the segment's own id, subsegments not a list, no name, year 33658, a parent without end
#   whose child is fine); 3 no trace_id; 4 an in-progress function segment never completed;
#   5-8 separately sent subsegments in a parent-id cycle (a<->b, own parent, one hanging off a);
#   9 an array of numbers; 10 a subsegment without parent_id; 11 Traces not a list;
#   12-13 the same function segment twice; 14 a function segment ending before it starts.
def test_malformed_golden():
    data = (DATA / "malformed.ndjson").read_bytes()
    result = xray.parse_counted(data, "malformed.ndjson")
    rejects = result.rejects.copy()
    assert rejects["reason"].iloc[0].startswith("invalid JSON (")
    rejects["reason"] = rejects["reason"].str.replace(r"^invalid JSON \(.*\)$", "invalid JSON (...)",
                                                      regex=True)
    expected = tables.conform(pd.read_csv(DATA / "malformed.rejects.csv", dtype=str,
                                          keep_default_na=False, na_values=[""]), tables.REJECTS)
    pd.testing.assert_frame_equal(rejects, expected)
    pd.testing.assert_frame_equal(result.spans, read_golden("malformed.spans.csv"))
    assert result.records_read == len(result.spans) + len(result.rejects) + 2 == 34


def segment(trace: str = "1-67a0c2f1-1b2c3d4e5f60718293a4b5c6", sid: str = "f000000000000001",
            subsegments: list | None = None, **fields) -> dict:
    document = {"id": sid, "name": "orders-api", "trace_id": trace, "start_time": 1738588913.0,
                "end_time": 1738588914.0, "origin": "AWS::Lambda::Function",
                "aws": {"function_arn": "arn:aws:lambda:us-east-1:123456789012:function:orders-api:7"}}
    if subsegments is not None:
        document["subsegments"] = subsegments
    document.update(fields)
    return document


def sub(sid: str, name: str, start: float, end: float, **fields) -> dict:
    return {"id": sid, "name": name, "start_time": start, "end_time": end, **fields}


def test_envelopes_give_the_same_spans():
    """batch-get-traces (pretty or compact, Document as string or object), several responses one
    per line, a JSON array of documents, and one document per line all read the same."""
    doc = segment(subsegments=[sub("a000000000000001", "Restore", 1738588913.0, 1738588913.5)])
    text = json.dumps(doc)
    envelopes = {
        "batch": json.dumps({"Traces": [{"Id": doc["trace_id"], "Segments": [{"Id": doc["id"], "Document": text}]}]}),
        "batch, Document as object": json.dumps({"Traces": [{"Segments": [{"Document": doc}]}]}),
        "responses one per line": json.dumps({"Traces": []}) + "\n"
        + json.dumps({"Traces": [{"Segments": [{"Document": text}]}]}),
        "array of documents": json.dumps([doc]),
        "array of Document strings": json.dumps([text]),
        "document per line": "\n" + text + "\n\n",
        "daemon": '{"format": "json", "version": 1}\n' + text,
    }
    for label, envelope in envelopes.items():
        spans, rejects, _ = xray.parse(envelope.encode(), "s")
        assert list(spans["name"]) == ["Restore"], label
        assert spans["duration_ms"].tolist() == [500.0], label
        assert rejects.empty, label


@pytest.mark.parametrize("data", [b"", b"   \n", b"null", b"42", b'"text"', b"\xff\xfe garbage", b"{}"])
def test_nothing_usable_never_raises(data: bytes):
    spans, rejects, records = xray.parse(data, "s")
    assert spans.empty and list(spans.dtypes.astype(str)) == list(tables.SPANS.values())
    assert records == len(rejects) + (1 if data == b"{}" else 0)


def test_times_in_exponent_and_integer_notation():
    doc = segment(subsegments=[sub("a000000000000001", "Invocation", 1738588913, 1.7385889135E9)])
    spans, _, _ = xray.parse(json.dumps(doc).encode(), "s")
    assert spans["start"].iloc[0] == pd.Timestamp("2025-02-03T13:21:53Z")
    assert spans["duration_ms"].iloc[0] == 500.0


@pytest.mark.parametrize(("arn", "function", "version"), [
    ("arn:aws:lambda:us-east-1:123456789012:function:orders-api:7", "orders-api", "7"),
    ("arn:aws:lambda:us-east-1:123456789012:function:orders-api:$LATEST", "orders-api", "$LATEST"),
    ("arn:aws:lambda:us-east-1:123456789012:function:orders-api", "orders-api", None),
    ("arn:aws:lambda:us-east-1:123456789012:function:orders-api:live", "orders-api", None),  # alias
    ("not an arn", "orders-api", None),  # falls back to the segment name
])
def test_function_and_version_from_the_arn(arn: str, function: str, version: str | None):
    doc = segment(subsegments=[sub("a000000000000001", "Invocation", 1738588913.0, 1738588913.1)],
                  aws={"function_arn": arn})
    spans, _, _ = xray.parse(json.dumps(doc).encode(), "s")
    assert spans["function"].iloc[0] == function
    got = spans["version"].iloc[0]
    assert got is pd.NA if version is None else got == version


def test_function_name_from_the_log_group_of_newer_traces():
    doc = segment(subsegments=[sub("a000000000000001", "Overhead", 1738588913.0, 1738588913.1)],
                  aws={"cloudwatch_logs": [{"log_group": "/aws/lambda/telemetry-demo"}]}, name="x")
    spans, _, _ = xray.parse(json.dumps(doc).encode(), "s")
    assert spans["function"].iloc[0] == "telemetry-demo"


def invocations(rows: list[dict]) -> pd.DataFrame:
    return tables.conform(pd.DataFrame(rows), tables.INVOCATIONS)


TRACE_A = "1-67a0c2f1-1b2c3d4e5f60718293a4b5c6"  # restore of orders-api:7, Restore 700 ms
TRACE_B = "1-67a0c2f8-2c3d4e5f60718293a4b5c6d7"  # warm orders-api:7
TRACE_D = "1-67a0c348-4e5f60718293a4b5c6d7e8f9"  # restore of orders-api:8, failing hook


def golden_spans() -> pd.DataFrame:
    return xray.parse((DATA / "batch_get_traces.json").read_bytes(), "golden")[0]


def test_join_fills_xray_restore_ms_and_counts():
    logs = invocations([
        {"request_id": "r1", "trace_id": TRACE_A, "start_kind": "restore", "restore_ms": 702.5},
        {"request_id": "r1", "trace_id": TRACE_A, "start_kind": "warm"},  # an async retry
        {"request_id": "r2", "trace_id": TRACE_B, "start_kind": "warm"},
        {"request_id": "r3", "trace_id": "1-67a0ffff-000000000000000000000000", "start_kind": "warm"},
        {"request_id": "r4", "trace_id": None, "start_kind": "warm"},  # tracing off
    ]).set_index(pd.Index([10, 11, 12, 13, 14]))
    joined, counts = xrayjoin.join(logs, golden_spans())
    # Traces C and D have no log line; r3 names a trace we do not have; r4 has no trace id.
    assert counts == {"traces_without_logs": 2, "invocations_without_trace": 1, "matched": 3}
    assert joined["xray_restore_ms"].tolist() == [700.0, 700.0, pd.NA, pd.NA, pd.NA]
    assert list(joined.index) == [10, 11, 12, 13, 14]
    assert list(joined.columns) == list(tables.INVOCATIONS)
    assert joined["xray_restore_ms"].dtype == "Float64"
    pd.testing.assert_frame_equal(joined.drop(columns="xray_restore_ms"),
                                  logs.drop(columns="xray_restore_ms"))


def test_join_with_nothing_on_either_side():
    empty_logs = tables.empty(tables.INVOCATIONS)
    joined, counts = xrayjoin.join(empty_logs, golden_spans())
    assert joined.empty and counts == {"traces_without_logs": 4, "invocations_without_trace": 0,
                                       "matched": 0}
    logs = invocations([{"trace_id": TRACE_A}])
    joined, counts = xrayjoin.join(logs, tables.empty(tables.SPANS))
    assert counts == {"traces_without_logs": 0, "invocations_without_trace": 1, "matched": 0}
    assert joined["xray_restore_ms"].isna().all()


def test_a_hook_named_restore_is_not_the_restore():
    doc = segment(subsegments=[
        sub("a000000000000001", "Restore", 1738588913.0, 1738588913.6, subsegments=[
            sub("a000000000000002", "Restore", 1738588913.1, 1738588913.2)])])
    spans, _, _ = xray.parse(json.dumps(doc).encode(), "s")
    assert xrayjoin.restore_spans(spans)["segment_id"].tolist() == ["a000000000000001"]


def test_hook_analysis_from_instrumented_hooks():
    # orders-api:7 restore A: the hook "after_restore: reconnect db" took 245 ms.
    # orders-api:8 restore D: the hook "after_restore: warm cache" took 4180 ms and failed.
    # legacy-report has no Restore span (not SnapStart): no row.
    table = hooks.hook_analysis(golden_spans())
    assert list(table.columns) == list(hooks.HOOKS_COLUMNS)
    rows = table.set_index(["function", "version"])
    seven, eight = rows.loc[("orders-api", "7")], rows.loc[("orders-api", "8")]
    assert len(table) == 2
    assert (seven["restores_traced"], seven["hook_ms_p50"], seven["hook_ms_max"]) == (1, 245.0, 245.0)
    assert (seven["failures"], seven["headroom_ms"], seven["limit_share"]) == (0, 9755.0, 0.0245)
    assert seven["worst_trace_id"] == TRACE_A and seven["hooks_instrumented"] == 1
    # The failed hook is a failed restore: counted, and no headroom left to count on.
    assert (eight["worst_ms"], eight["headroom_ms"], eight["failures"], eight["failed_restores"]) == (
        4180.0, 0.0, 1, 1)
    assert eight["limit_share"] == pytest.approx(0.418)
    assert eight["xray_restore_ms_max"] == 4500.0
    assert seven["measured_from"] == "hook subsegments of 1 of 1 traced restores"
    assert eight["measured_from"] == "hook subsegments of 1 of 1 traced restores; 1 restore(s) failed: no headroom"


def test_hook_analysis_from_billing_and_upper_bound():
    trace_e = "1-67a0d000-aaaaaaaaaaaaaaaaaaaaaaaa"
    trace_f = "1-67a0d001-bbbbbbbbbbbbbbbbbbbbbbbb"
    unqualified = {"function_arn": "arn:aws:lambda:us-east-1:123456789012:function:checkout"}
    docs = [
        # E: Restore 810 ms, nothing inside; its REPORT says Restore 812 / Billed Restore 133, so
        # the snapshot part (not billed) is 812 - 133 = 679 ms and hooks + runtime load take
        # 810 - 679 = 131 ms. The version (5) comes from the log, the ARN has none.
        segment(trace=trace_e, sid="e000000000000001", aws=unqualified, name="checkout", subsegments=[
            sub("e000000000000002", "Restore", 1738600000.0, 1738600000.81)]),
        # F: Restore 900 ms and no log line: the whole restore is the (loose) upper bound.
        segment(trace=trace_f, sid="f000000000000001", aws=unqualified, name="checkout", subsegments=[
            sub("f000000000000002", "Restore", 1738600100.0, 1738600100.9)]),
    ]
    spans, _, _ = xray.parse("\n".join(json.dumps(d) for d in docs).encode(), "s")
    logs = invocations([
        {"function": "checkout", "version": "5", "trace_id": trace_e, "start_kind": "restore",
         "restore_ms": 812.0, "billed_restore_ms": 133.0, "status": "success"},
        # Version 6: a restore whose hooks timed out, seen only in the logs (not sampled by X-Ray).
        {"function": "checkout", "version": "6", "trace_id": None, "start_kind": "restore",
         "restore_ms": 10012.0, "billed_restore_ms": 10001.0, "status": "timeout"},
    ])
    rows = hooks.hook_analysis(spans, logs).set_index(["function", "version"], drop=False)
    five, six = rows.loc[("checkout", "5")], rows.loc[("checkout", "6")]
    # No hook subsegment: no hook time, but the limit is watched from the upper bound 131 ms.
    assert (five["restores_traced"], five["hooks_from_billing"], five["failures"]) == (1, 1, 0)
    assert pd.isna(five["hook_ms_max"]) and pd.isna(five["hook_ms_p50"])
    assert (five["worst_ms"], five["headroom_ms"]) == (131.0, 9869.0)
    assert five["measured_from"] == ("no hooks traced; worst_ms is an upper bound for 1 from the Restore "
                                     "subsegment minus the unbilled snapshot restore (runtime load + hooks)")
    # Restore Duration >= 10,000 ms: the limit was hit; the version has no headroom.
    assert (six["restores_traced"], six["failures"], six["failed_restores"]) == (0, 1, 1)
    assert (six["worst_ms"], six["headroom_ms"], six["limit_share"]) == (10_000.0, 0.0, 1.0)
    assert pd.isna(six["worst_trace_id"]) and pd.isna(six["hook_ms_max"])
    assert six["measured_from"] == ("no hooks traced (no restore traced); 1 restore(s) hit the 10 s limit "
                                    "(logs): worst_ms 10,000; 1 restore(s) failed: no headroom")
    unknown = rows[rows["version"].isna()].iloc[0]
    assert (unknown["worst_ms"], unknown["hooks_upper_bound"], unknown["failures"]) == (900.0, 1, 0)
    assert pd.isna(unknown["hook_ms_max"]) and unknown["worst_trace_id"] == trace_f


def restores_table(rows: list[dict]) -> pd.DataFrame:
    return tables.conform(pd.DataFrame(rows), tables.RESTORES)


def test_failed_restore_reports_count_once_and_leave_no_headroom():
    """RESTORE_REPORT failures: one with its REPORT (counted once), one alone (the environment
    never served the request), one status timeout; successful restores count nothing."""
    at = pd.Timestamp("2026-11-20T16:05:13.527Z")
    restores = restores_table([
        # 9: the sample's hook timeout: RESTORE_REPORT and the REPORT 3 ms later say the same.
        {"timestamp": at, "function": "orders-api", "version": "9", "restore_ms": 10000.0,
         "status": "timeout", "error_type": "SnapStartTimeoutException"},
        {"timestamp": at, "function": "orders-api", "version": "9", "restore_ms": 566.03, "status": "success"},
        # 10: a restore that exited (Runtime.ExitError) and has no REPORT at all.
        {"timestamp": at, "function": "orders-api", "version": "10", "restore_ms": 1874.12,
         "status": "error", "error_type": "Runtime.ExitError"},
        # 11: only successes.
        {"timestamp": at, "function": "orders-api", "version": "11", "restore_ms": 300.0, "status": "success"},
    ])
    logs = invocations([
        {"timestamp": at + pd.Timedelta(milliseconds=3), "function": "orders-api", "version": "9",
         "start_kind": "restore", "restore_ms": 10000.0, "billed_restore_ms": 9786.0, "status": "error",
         "error_type": "SnapStartTimeoutException"},
        {"timestamp": at, "function": "orders-api", "version": "11", "start_kind": "restore",
         "restore_ms": 300.0, "billed_restore_ms": 40.0, "status": "success"},
    ])
    rows = hooks.hook_analysis(tables.empty(tables.SPANS), logs, restores).set_index("version")
    assert list(rows.index) == ["10", "9"]  # 11 has nothing to say: no traced restore, no failure
    assert rows.loc["9", ["failures", "failed_restores", "worst_ms", "headroom_ms"]].tolist() == [1, 1, 10_000.0, 0.0]
    ten = rows.loc["10"]
    assert (ten["failures"], ten["failed_restores"], ten["headroom_ms"]) == (1, 1, 0.0)
    assert pd.isna(ten["worst_ms"])
    assert ten["measured_from"] == "no hooks traced (no restore traced); 1 restore(s) failed: no headroom"


def test_sample_orders_api_9_has_no_headroom():
    """sample_logs: orders-api:9's hook timeout (RESTORE_REPORT 10000.00 ms, timeout,
    SnapStartTimeoutException; README "Planted anomalies") was reported as 9,937 ms headroom."""
    import logparse

    loaded = logparse.load(Path(__file__).parent.parent / "sample_logs")
    rows = hooks.hook_analysis(loaded.spans, loaded.invocations, loaded.restores).set_index(["function", "version"])
    nine = rows.loc[("orders-api", "9")]
    assert (nine["failures"], nine["failed_restores"], nine["worst_ms"], nine["headroom_ms"]) == (1, 1, 10_000.0, 0.0)
    # payment-webhook:6's restore exited (Runtime.ExitError) and its REPORT says error: one failure.
    six = rows.loc[("payment-webhook", "6")]
    assert (six["failures"], six["failed_restores"], six["headroom_ms"]) == (1, 1, 0.0)
    # Versions without hook subsegments have no hook time; 9 and image-resizer:4 traced theirs.
    assert rows["hook_ms_max"].isna().tolist() == [True, False, True, True, False, True, True]
    assert (rows["failed_restores"] == 0).sum() == 5 and (rows["headroom_ms"] > 9_000).sum() == 5


def test_hook_analysis_of_nothing():
    table = hooks.hook_analysis(tables.empty(tables.SPANS))
    assert table.empty and list(table.columns) == list(hooks.HOOKS_COLUMNS)
    table = hooks.hook_analysis(tables.empty(tables.SPANS), tables.empty(tables.INVOCATIONS))
    assert table.empty
    # No trace at all, but the logs saw a restore time out: a row with the failure, no hook times.
    timed_out = invocations([{"function": "checkout", "version": "5", "start_kind": "restore",
                              "status": "timeout"}])
    table = hooks.hook_analysis(tables.empty(tables.SPANS), timed_out)
    assert table[["function", "version", "restores_traced", "failures"]].values.tolist() == [
        ["checkout", "5", 0, 1]]
    assert table["hook_ms_max"].isna().all()
    assert list(table.dtypes.astype(str)) == list(hooks.HOOKS_COLUMNS.values())


# --- property: random segment trees never crash the walker and lose nothing ---------------------

IDS = st.sampled_from([f"{i:016x}" for i in range(12)])  # few ids: duplicates happen
TIMES = st.one_of(
    st.floats(min_value=1.7e9, max_value=1.8e9), st.integers(min_value=1_700_000_000, max_value=1_800_000_000),
    st.sampled_from([0, -1.0, 1e300, 9.3e9]), st.none(), st.text(max_size=3), st.booleans())
FLAGS = st.one_of(st.booleans(), st.none(), st.integers(0, 1))


def nodes(children: st.SearchStrategy | None) -> st.SearchStrategy:
    """A subsegment with any field missing or of the wrong type (leaves when no children)."""
    optional = {
        "id": st.one_of(IDS, st.none(), st.integers(0, 3), st.just("")),
        "name": st.one_of(st.sampled_from(["Restore", "Invocation", "Overhead", "hook"]), st.none()),
        "start_time": TIMES, "end_time": TIMES, "in_progress": st.booleans(),
        "error": FLAGS, "fault": FLAGS, "throttle": FLAGS,
    }
    if children is not None:
        optional["subsegments"] = st.one_of(st.lists(children, max_size=4), st.text(max_size=2), st.none())
    return st.fixed_dictionaries({}, optional=optional)


TREES = st.recursive(st.one_of(nodes(None), st.integers(), st.text(max_size=3)),
                     lambda children: nodes(children), max_leaves=25)


def count_nodes(subsegments) -> int:
    """Records the walker must produce below a node: one per list element (span or reject) and
    one per malformed ``subsegments`` value (reject)."""
    if subsegments is None:
        return 0
    if not isinstance(subsegments, list):
        return 1
    total = 0
    for node in subsegments:
        total += 1
        if isinstance(node, dict):
            total += count_nodes(node.get("subsegments"))
    return total


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(children=st.lists(TREES, max_size=6), function_ok=st.booleans())
def test_random_trees_every_subsegment_is_a_span_or_a_reject(children: list, function_ok: bool):
    doc = segment(subsegments=children)
    if not function_ok:
        del doc["end_time"]  # an in-progress function segment: rejected, its children still walked
    result = xray.parse_counted(json.dumps(doc).encode(), "prop")
    below = count_nodes(children)
    assert len(result.spans) + len(result.rejects) == below + (0 if function_ok else 1)
    assert result.records_read == below + 1
    spans = result.spans
    assert spans["segment_id"].is_unique  # duplicates were rejected
    assert (spans["duration_ms"] >= 0).all() and (spans["end"] >= spans["start"]).all()
    assert list(spans.dtypes.astype(str)) == list(tables.SPANS.values())


JUNK = st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
LOOSE = st.fixed_dictionaries({
    "type": st.just("subsegment"), "id": st.one_of(IDS, JUNK),
    "parent_id": st.one_of(IDS, st.just("f000000000000001"), JUNK),
    "trace_id": st.one_of(st.just(TRACE_A), JUNK), "name": st.just("sent alone"),
    "start_time": st.just(1738588913.1)}, optional={"end_time": st.just(1738588913.2)})
FUNCTIONS = st.fixed_dictionaries({
    "origin": st.just("AWS::Lambda::Function"), "id": st.one_of(st.just("f000000000000001"), JUNK),
    "trace_id": st.one_of(st.just(TRACE_A), JUNK), "start_time": TIMES,
    "aws": st.one_of(JUNK, st.fixed_dictionaries({"function_arn": st.one_of(JUNK, st.text(max_size=5))})),
    "subsegments": st.one_of(JUNK, st.lists(TREES, max_size=2))}, optional={"end_time": TIMES})


@settings(max_examples=200, deadline=None)
@given(children=st.lists(TREES, max_size=3), loose=st.lists(LOOSE, max_size=8),
       functions=st.lists(FUNCTIONS, max_size=3),
       junk=st.lists(st.sampled_from(['{"format":"json","version":1}', "{", "[]", "", "{}"]), max_size=3))
def test_random_documents_never_crash_and_are_all_counted(children, loose, functions, junk):
    lines = [json.dumps(segment(subsegments=children)), *(json.dumps(d) for d in loose),
             *(json.dumps(d) for d in functions), *junk]
    result = xray.parse_counted("\n".join(lines).encode(), "prop")
    assert result.records_read == sum(result.kinds.values())
    assert result.kinds.get("xray_span", 0) == len(result.spans)
    assert result.kinds.get("xray_reject", 0) == len(result.rejects)
    assert not (result.spans["trace_id"] + result.spans["segment_id"]).duplicated().any()


def test_any_depth_and_long_chains_of_separate_subsegments():
    # 63 levels of nesting in one document, the most the nesting limit allows (the walker keeps
    # no recursion) ...
    spans, rejects, _ = xray.parse(json.dumps(nested_document(63)).encode(), "deep")
    assert (len(spans), len(rejects)) == (63, 0)
    # ... and 3,000 subsegments sent separately, each the parent of the one before it, children
    # first in the file: all find their function segment.
    chain = [{"type": "subsegment", "trace_id": TRACE_A, "id": f"c{i:015x}", "name": "step",
              "parent_id": f"c{i - 1:015x}" if i else "f000000000000001",
              "start_time": 1738588913.0, "end_time": 1738588913.1} for i in range(3000)]
    lines = [json.dumps(d) for d in reversed(chain)] + [json.dumps(segment(trace=TRACE_A))]
    result = xray.parse_counted("\n".join(lines).encode(), "chain")
    assert result.kinds == {"xray_function_segment": 1, "xray_span": 3000}
    assert set(result.spans["function"]) == {"orders-api"} and set(result.spans["version"]) == {"7"}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["Traces", "Segments", "Document", "id", "trace_id", "origin",
                                         "subsegments", "type", "start_time", "end_time"]), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(value=JSON, raw=st.binary(max_size=40))
def test_any_json_or_bytes_never_crash(value, raw: bytes):
    for data in (json.dumps(value).encode(), json.dumps({"Traces": [{"Segments": [{"Document": value}]}]}).encode(),
                 json.dumps({"Traces": [{"Segments": [{"Document": json.dumps(value)}]}]}).encode(), raw):
        result = xray.parse_counted(data, "fuzz")
        assert result.records_read == sum(result.kinds.values())
        assert len(result.spans) + len(result.rejects) <= result.records_read


def parse_both_ways(data: bytes) -> tuple[xray.XrayParse, xray.XrayParse]:
    """The same input read by msgspec typed decoding (usual documents) and by the tolerant dict
    path alone."""
    return xray.parse_counted(data, "both"), xray.parse_counted(data, "both", typed=False)


def assert_same_parse(typed: xray.XrayParse, tolerant: xray.XrayParse) -> None:
    pd.testing.assert_frame_equal(typed.spans, tolerant.spans)
    pd.testing.assert_frame_equal(typed.rejects, tolerant.rejects)
    assert (typed.records_read, typed.kinds) == (tolerant.records_read, tolerant.kinds)


@settings(max_examples=200, deadline=None)
@given(children=st.lists(TREES, max_size=3), loose=st.lists(LOOSE, max_size=4),
       functions=st.lists(FUNCTIONS, max_size=3), other=st.lists(JSON, max_size=2),
       junk=st.lists(st.sampled_from(['{"format":"json","version":1}', "{", "[]", "", "{}"]), max_size=2))
def test_typed_decoding_gives_what_the_tolerant_path_gives(children, loose, functions, other, junk):
    """Documents of any shape or field type: msgspec takes the usual ones, anything else falls
    back to the dict path, and the tables, rejects (reasons, text, lines) and counts are the same
    as with the dict path alone, per line, in a batch response and in responses one per line."""
    docs = [segment(subsegments=children), *loose, *functions, *other]
    batch = {"Traces": [{"Segments": [{"Document": json.dumps(d)} for d in docs[i:i + 2]]}
                        for i in range(0, len(docs), 2)]}
    for data in ("\n".join([*(json.dumps(d) for d in docs), *junk]),
                 json.dumps(batch),
                 json.dumps(batch) + "\n" + json.dumps({"Traces": [{"Segments": [{"Document": "{"}]}]}),
                 json.dumps({"Traces": [{"Segments": [{"Document": json.dumps(d)}]} for d in other]})):
        assert_same_parse(*parse_both_ways(data.encode()))


@pytest.mark.parametrize("fields", [
    {"start_time": 1738588913},  # integer time: msgspec makes it a float, the same span
    {"error": 1}, {"fault": None}, {"throttle": "yes"},  # not booleans: no flag, as before
    {"name": 7}, {"id": ""}, {"subsegments": {}},  # rejects, with the tolerant path's reasons
])
def test_typed_decoding_of_odd_field_types(fields: dict):
    doc = segment(subsegments=[{**sub("a000000000000001", "Invocation", 1738588913.0, 1738588913.5), **fields}])
    for data in (json.dumps(doc), json.dumps({"Traces": [{"Segments": [{"Document": json.dumps(doc)}]}]})):
        assert_same_parse(*parse_both_ways(data.encode()))


def nested_document(levels: int, innermost: dict | None = None) -> dict:
    """A function segment with ``levels`` subsegments each inside the one before. JSON levels:
    the segment is 1, each subsegment adds its ``subsegments`` array and itself (2), so the
    innermost subsegment sits at 2 * levels + 1 and anything inside it goes deeper."""
    node: dict = sub("d" + "0" * 15, "leaf", 1738588913.0, 1738588913.5, **(innermost or {}))
    for level in range(1, levels):
        node = sub(f"d{level:015x}", "level", 1738588913.0, 1738588913.5, subsegments=[node])
    return segment(subsegments=[node])


def envelopes(text: str) -> dict[str, bytes]:
    """One document's JSON as each envelope carries it: a line, after another document, in a
    batch response (Document a string, or an object), in an array of documents."""
    return {"line": text.encode(),
            "lines": (json.dumps(segment(sid="f000000000000009")) + "\n" + text).encode(),
            "batch": json.dumps({"Traces": [{"Segments": [{"Document": text}]}]}).encode(),
            "batch, object": ('{"Traces": [{"Segments": [{"Document": ' + text + "}]}]}").encode(),
            "array": f"[{text}]".encode()}


@pytest.mark.parametrize("innermost, depth, read", [
    ({}, 127, True),  # 63 levels of subsegments
    ({"metadata": {}}, 128, True),  # at the limit: read in full
    ({"metadata": {"a": {}}}, 129, False),  # one level more, in metadata: one reject
    ({"subsegments": [sub("e" + "0" * 15, "leaf", 1738588913.0, 1738588913.5)]}, 129, False),  # or subsegments
])
def test_nesting_limit_both_sides(innermost: dict, depth: int, read: bool):
    """Documents up to MAX_NESTING (128) JSON levels are read in full by both decoding paths, in
    every envelope; one level deeper is one reject with one reason, whatever the envelope."""
    text = json.dumps(nested_document(63, innermost))
    assert xraydocs.json_depth(text.encode()) == depth
    for name, data in envelopes(text).items():
        typed, tolerant = parse_both_ways(data)
        assert_same_parse(typed, tolerant)
        if read:
            assert (len(typed.spans), len(typed.rejects)) == (63, 0), name
        else:
            assert len(typed.spans) == 0, name
            assert list(typed.rejects["reason"]) == ["nested deeper than 128 levels"], name


def test_documents_nested_too_deep_for_the_decoders_are_one_clear_reject():
    """700 levels of subsegments (1,401 JSON levels) are past orjson's limit (1024 in 3.13) and
    msgspec's (Python's recursion limit): the nesting limit turns the document away before either
    sees it, so the result does not depend on which release is installed."""
    depth = 700
    opening = "".join(f'{{"id":"d{level:015x}","name":"level","start_time":1738588913.0,'
                      f'"end_time":1738588913.5,"subsegments":[' for level in range(depth))
    text = json.dumps(segment(subsegments=["CHILDREN"])).replace('"CHILDREN"', opening + "]}" * depth)
    assert xraydocs.json_depth(text.encode()) == 2 * depth + 2
    for name, data in envelopes(text).items():
        typed, tolerant = parse_both_ways(data)
        assert_same_parse(typed, tolerant)
        assert len(typed.spans) == 0, name
        assert list(typed.rejects["reason"]) == ["nested deeper than 128 levels"], name
        assert typed.kinds == ({"xray_function_segment": 1, "xray_reject": 1} if name == "lines"
                               else {"xray_reject": 1}), name


def test_brackets_inside_strings_do_not_count_as_nesting():
    name = '[{\\"' * 100  # 200 brackets, escaped quotes and backslashes, all inside one string
    document = segment(subsegments=[sub("a000000000000001", name, 1738588913.0, 1738588913.5)])
    text = json.dumps(document)
    assert xraydocs.json_depth(text.encode()) == 3
    for data in envelopes(text).values():
        typed, tolerant = parse_both_ways(data)
        assert_same_parse(typed, tolerant)
        assert list(typed.spans["name"]) == [name] and typed.rejects.empty


def test_spans_of_unqualified_arns_take_the_version_from_the_logs() -> None:
    """report-worker's ARNs carry no qualifier; its REPORT lines say $LATEST (sample_logs)."""
    import logparse

    tables = logparse.load(Path(__file__).parent.parent / "sample_logs")
    worker = tables.spans[tables.spans["function"] == "report-worker"]
    assert len(worker) and set(worker["version"]) == {"$LATEST"}
    assert tables.spans["version"].notna().all()
