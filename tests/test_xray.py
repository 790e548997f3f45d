"""logparse.xray: X-Ray segment documents -> spans, the join to invocations, hook analysis.

Golden inputs live in tests/data/xray/, built by hand from the documented X-Ray segment document
format (name, id, trace_id, start_time/end_time as epoch seconds, in_progress, subsegments,
error/fault/throttle, origin, aws.function_arn) and the shape of real Lambda traces (an
``AWS::Lambda`` service segment plus an ``AWS::Lambda::Function`` segment whose subsegments are
Restore | Initialization, Invocation, Overhead).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from logparse import tables, xray

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
    assert xray.looks_like_xray(head) is expected
