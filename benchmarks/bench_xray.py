"""Benchmark: X-Ray batch-get-traces -> spans, joined to invocations.

Why: a day of sampled traces for a busy function is easily 100,000 traces; parsing must not be the
slow part of opening the dashboard. The baseline is the obvious code (``json.loads`` per document,
a recursive walker building a dict per span, one DataFrame at the end); both sides do the same
join, so the ratio measures the parsing path.

    python benchmarks/bench_xray.py [--traces 100000] [--runs 3]

Prints traces/s for both and the ratio (median of alternating runs, same process, same input in
memory; CPU time, as the machine is shared).

Measured on the 2-core dev machine (2026-11, shared, so runs vary by ~10%): with orjson into dicts
the ratio was 1.75-2.1x (decoding ~45% of the time, the walk ~30%, freeing the dicts ~10%). Now
msgspec decodes into typed Structs (fields the walk does not read are skipped, not built):
baseline 5.1-7.8 s CPU, logparse.xray 1.7-2.5 s, ratio 3.0-3.1x (medians of 3 and 5 runs).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logparse import tables, xray, xrayjoin

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{fn}:{version}"


def make_traces(n: int, seed: int = 7) -> tuple[bytes, pd.DataFrame]:
    """``n`` traces shaped like real Lambda ones (service segment + function segment with five
    subsegments: Restore+hook+Invocation+call+Overhead for a restore, Invocation+3 calls+Overhead
    when warm), as batch-get-traces JSON, plus one invocation row per trace and 5% with no trace."""
    rng = random.Random(seed)
    traces, trace_ids, restore_ms = [], [], []
    t0 = 1_738_588_913.0
    for i in range(n):
        trace_id = f"1-{int(t0 + i):08x}-{rng.getrandbits(96):024x}"
        fn, version = f"fn-{i % 3}", str(1 + i % 2)
        arn = ARN.format(fn=fn, version=version)
        start = t0 + i * 0.5
        ids = [f"{rng.getrandbits(64):016x}" for _ in range(7)]
        restored = i % 5 == 0
        subs, cursor = [], start
        if restored:
            restore = rng.uniform(300, 900) / 1000
            subs.append({"id": ids[2], "name": "Restore", "start_time": cursor,
                         "end_time": cursor + restore, "aws": {"function_arn": arn},
                         "subsegments": [{"id": ids[3], "name": "after_restore", "start_time": cursor + 0.2,
                                          "end_time": cursor + restore - 0.01}]})
            cursor += restore
        calls = [{"id": ids[(4 if restored else 3) + k], "name": "DynamoDB", "start_time": cursor + 0.001 * (k + 1),
                  "end_time": cursor + 0.001 * (k + 2), "namespace": "aws",
                  "http": {"response": {"status": 200}}, "aws": {"operation": "GetItem"}}
                 for k in range(1 if restored else 3)]
        duration = rng.uniform(20, 200) / 1000
        subs.append({"id": ids[5 if restored else 2], "name": "Invocation", "start_time": cursor,
                     "end_time": cursor + duration, "aws": {"function_arn": arn}, "subsegments": calls})
        subs.append({"id": ids[6], "name": "Overhead", "start_time": cursor + duration,
                     "end_time": cursor + duration + 0.002, "aws": {"function_arn": arn}})
        function = {"id": ids[1], "name": fn, "start_time": start, "trace_id": trace_id,
                    "end_time": cursor + duration + 0.002, "parent_id": ids[0],
                    "aws": {"account_id": "123456789012", "function_arn": arn, "resource_names": [fn]},
                    "origin": "AWS::Lambda::Function", "subsegments": subs}
        service = {"id": ids[0], "name": fn, "start_time": start - 0.003, "trace_id": trace_id,
                   "end_time": cursor + duration + 0.004, "http": {"response": {"status": 200}},
                   "aws": {"request_id": f"{rng.getrandbits(128):032x}"}, "origin": "AWS::Lambda",
                   "resource_arn": arn}
        traces.append({"Id": trace_id, "Duration": 0.2, "LimitExceeded": False, "Segments": [
            {"Id": ids[0], "Document": json.dumps(service, separators=(",", ":"))},
            {"Id": ids[1], "Document": json.dumps(function, separators=(",", ":"))}]})
        trace_ids.append(trace_id)
        restore_ms.append(700.0 if restored else None)
    data = json.dumps({"Traces": traces, "UnprocessedTraceIds": []}).encode()
    extra = n // 20
    invocations = tables.conform(pd.DataFrame({
        "trace_id": trace_ids + [None] * extra,
        "restore_ms": restore_ms + [None] * extra,
    }), tables.INVOCATIONS)
    return data, invocations


def naive(data: bytes, source: str) -> pd.DataFrame:
    """The baseline: json.loads per document and a recursive walker, a dict per span."""
    rows: list[dict] = []

    def walk(node: dict, trace: str, parent: str, function: str, version: str | None) -> None:
        rows.append({"trace_id": trace, "segment_id": node["id"], "parent_id": parent,
                     "function": function, "version": version, "name": node["name"],
                     "start": node["start_time"], "end": node["end_time"],
                     "duration_ms": (node["end_time"] - node["start_time"]) * 1000,
                     "error": node.get("error", False), "fault": node.get("fault", False),
                     "throttle": node.get("throttle", False), "source": source})
        for child in node.get("subsegments", []):
            walk(child, trace, node["id"], function, version)

    for trace in json.loads(data)["Traces"]:
        for segment in trace["Segments"]:
            doc = json.loads(segment["Document"])
            if doc.get("origin") != "AWS::Lambda::Function":
                continue
            parts = doc["aws"]["function_arn"].split(":")
            version = parts[7] if len(parts) > 7 else None
            for child in doc.get("subsegments", []):
                walk(child, doc["trace_id"], doc["id"], parts[6], version)
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"], unit="s", utc=True)
    frame["end"] = pd.to_datetime(frame["end"], unit="s", utc=True)
    return tables.conform(frame, tables.SPANS)


def timed(fn, runs: int) -> tuple[float, float, object]:
    """Median CPU seconds and median wall seconds of ``runs`` calls, and the last result.

    CPU time is the figure compared: this 2-core machine is shared, and other processes
    stretch wall time by whatever they happen to run at that moment."""
    cpu, wall, result = [], [], None
    for _ in range(runs):
        gc.collect()
        began_cpu, began_wall = time.process_time(), time.perf_counter()
        result = fn()
        cpu.append(time.process_time() - began_cpu)
        wall.append(time.perf_counter() - began_wall)
    return statistics.median(cpu), statistics.median(wall), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    data, invocations = make_traces(args.traces)
    print(f"input: {args.traces:,} traces, {len(data) / 1e6:.0f} MB of batch-get-traces JSON")

    def ours():
        spans, rejects, _ = xray.parse(data, "bench")
        return xrayjoin.join(invocations, spans), spans, rejects

    def baseline():
        spans = naive(data, "bench")
        return xrayjoin.join(invocations, spans), spans

    # Alternate the two so that both see the same background load.
    base_cpu, base_wall, ours_cpu, ours_wall = [], [], [], []
    for _ in range(args.runs):
        cpu, wall, (_, base_spans) = timed(baseline, 1)
        base_cpu.append(cpu)
        base_wall.append(wall)
        cpu, wall, ((joined, counts), spans, rejects) = timed(ours, 1)
        ours_cpu.append(cpu)
        ours_wall.append(wall)
    assert len(spans) == len(base_spans) and rejects.empty, "both sides must find the same spans"
    assert counts["matched"] == args.traces, counts
    assert joined["xray_restore_ms"].notna().sum() == (args.traces + 4) // 5
    print(f"spans: {len(spans):,}, join: {counts}")
    base, ours_s = statistics.median(base_cpu), statistics.median(ours_cpu)
    print(f"baseline (json.loads + recursive walker):   {base:6.2f} s CPU  {args.traces / base:>9,.0f} traces/s"
          f"  (wall {statistics.median(base_wall):.2f} s)")
    print(f"logparse.xray (msgspec Structs + flat walk): {ours_s:6.2f} s CPU  {args.traces / ours_s:>9,.0f} traces/s"
          f"  (wall {statistics.median(ours_wall):.2f} s)")
    print(f"ratio: {base / ours_s:.2f}x CPU, {statistics.median(base_wall) / statistics.median(ours_wall):.2f}x wall"
          f" (median of {args.runs} alternating runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
