"""X-Ray trace documents for the traced invocations, as ``batch-get-traces`` returns them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.scenario import ACCOUNT, REGION, Function
from generator.simulation import Ids, Invocation, Json


@dataclass(frozen=True)
class JavaTime:
    """A time the Lambda service writes as Java prints doubles: ``1.763287200123E9``."""

    seconds: float

    def __str__(self) -> str:
        digits = f"{self.seconds:.6f}".rstrip("0").rstrip(".")
        whole, _, frac = digits.partition(".")
        mantissa = whole[0] + "." + ((whole[1:] + frac).rstrip("0") or "0")
        return f"{mantissa}E{len(whole) - 1}"


def segment_json(document: Json) -> str:
    """Compact JSON of one segment; service-side times keep their exponent notation."""
    marked = json.dumps(document, separators=(",", ":"),
                        default=lambda v: f"@@{v}@@" if isinstance(v, JavaTime) else v)
    return re.sub(r'"@@([0-9.E]+)@@"', r"\1", marked)


class TraceBuilder:
    """Turns a sampled invocation into the two segments X-Ray stores for a Lambda request."""

    def __init__(self, fn: Function, rng: np.random.Generator) -> None:
        self.fn = fn
        self.rng = rng
        self.ids = Ids(rng)

    def sub(self, name: str, start: float, end: float, **extra: Any) -> Json:
        return {"id": self.ids.hex(16), "name": name, "start_time": round(start, 6),
                "end_time": round(end, 6), **extra}

    def build(self, inv: Invocation) -> Json:
        jitter = float(self.rng.uniform(0.0002, 0.0009))
        arrival = inv.arrival / 1000 + jitter
        start = inv.start / 1000 + float(self.rng.uniform(0, 0.0008))
        handler_end = start + inv.duration_ms / 1000
        overhead_end = handler_end + float(self.rng.uniform(0.0002, 0.0016))
        subsegments = []
        fn_start = start
        if inv.start_kind == "restore" and inv.restore_ms is not None:
            # X-Ray measures the restore from inside the sandbox: close to, not equal to, the log.
            xray_restore = inv.restore_ms / 1000 * float(self.rng.uniform(0.93, 0.99))
            fn_start = start - xray_restore - 0.0004
            restore = self.sub("Restore", fn_start, fn_start + xray_restore)
            if inv.hook_ms is not None:
                hook_end = fn_start + xray_restore - 0.0002
                hook = self.sub(self.fn.after_restore_hook, hook_end - inv.hook_ms / 1000, hook_end)
                if inv.status != "success":
                    hook["fault"] = True
                restore["subsegments"] = [hook]
            subsegments.append(restore)
        elif inv.start_kind == "init" and inv.init_ms is not None:
            xray_init = inv.init_ms / 1000 * float(self.rng.uniform(0.97, 0.995))
            fn_start = start - xray_init - 0.0006
            subsegments.append(self.sub("Initialization", fn_start, fn_start + xray_init))
        invocation = self.sub("Invocation", start, handler_end)
        calls = self.user_calls(start, handler_end, inv)
        if calls:
            invocation["subsegments"] = calls
        if inv.status != "success":
            invocation["fault"] = True
        subsegments += [invocation, self.sub("Overhead", handler_end, overhead_end)]
        service_id = self.ids.hex(16)
        function_doc = {"id": inv.segment_id, "name": self.fn.name, "start_time": round(fn_start, 6),
                        "trace_id": inv.trace_id, "end_time": round(overhead_end, 6), "parent_id": service_id,
                        "aws": {"account_id": ACCOUNT, "function_arn": self.fn.arn(inv.version),
                                "resource_names": [self.fn.name]},
                        "origin": "AWS::Lambda::Function", "subsegments": subsegments}
        if inv.status != "success":
            function_doc["fault"] = True
        service_end = overhead_end + float(self.rng.uniform(0.0005, 0.004))
        service_doc = {"id": service_id, "name": self.fn.name, "start_time": JavaTime(round(arrival, 3)),
                       "trace_id": inv.trace_id, "end_time": JavaTime(round(service_end, 3)),
                       "http": {"response": {"status": 200}}, "aws": {"request_id": inv.request_id},
                       "origin": "AWS::Lambda", "resource_arn": self.fn.arn()}
        return {"Id": inv.trace_id, "Duration": round(service_end - arrival, 3), "LimitExceeded": False,
                "Segments": [{"Id": service_id, "Document": segment_json(service_doc)},
                             {"Id": inv.segment_id, "Document": segment_json(function_doc)}]}

    def user_calls(self, start: float, end: float, inv: Invocation) -> list[Json]:
        """One or two downstream calls inside the handler, as the X-Ray SDK records them."""
        table = {"orders-api": ("DynamoDB", "GetItem", {"table_name": "orders"}),
                 "image-resizer": ("S3", "PutObject", {"bucket_name": "acme-media-thumbnails"}),
                 "report-worker": ("Athena", "GetQueryResults", {}),
                 "payment-webhook": ("SQS", "SendMessage", {"queue_url": f"https://sqs.{REGION}.amazonaws.com/"
                                                                         f"{ACCOUNT}/payments"})}
        service, operation, resource = table[self.fn.name]
        span = end - start
        if span < 0.004:
            return []
        call_start = start + span * float(self.rng.uniform(0.1, 0.3))
        call_end = call_start + span * float(self.rng.uniform(0.3, 0.6))
        return [self.sub(service, call_start, call_end, namespace="aws",
                         http={"response": {"status": 200}},
                         aws={"operation": operation, "region": REGION, "retries": 0, **resource})]
