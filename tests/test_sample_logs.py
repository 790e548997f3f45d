"""The committed sample data: reproducible from its generator, and internally consistent.

These tests read the envelopes with a few lines of their own, not with ``logparse``, so that the
sample data can check the parser rather than the other way round.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
GENERATOR = SAMPLES / "generate.py"
TAIL_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00) (\S+) (.*)$")
S3_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$")
FIELD = re.compile(r"(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|Duration"
                   r"|Max Memory Used|Memory Size|Status|Error Type): ([^\t\n]+)")


def load_generator():
    spec = importlib.util.spec_from_file_location("sample_logs_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    # No __pycache__ in sample_logs/: the loader reads every file in the folder.
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    path = sys.path[:]  # generate.py puts sample_logs/ first to import its generator/ package
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path[:] = path
    return module


def data_files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts}  # the data, not its generator


def payload(path: Path) -> bytes:
    # gzip bytes also depend on the zlib build; what must not change is the content.
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


# -- reading the envelopes: (function, stream, message) per event, in file order ----------------


def tail_events(path: Path) -> list[tuple[str, str]]:
    """``aws logs tail`` lines; a line without the prefix continues the event above it."""
    events: list[list[str]] = []
    for line in path.read_bytes().decode("utf-8", "surrogateescape").split("\n")[:-1]:
        match = TAIL_LINE.match(line)
        if match:
            events.append([match[2], match[3]])
        else:
            events[-1][1] += "\n" + line
    return [(stream, message) for stream, message in events]


def s3_events(path: Path) -> list[tuple[str, str]]:
    """One export object: ``<ISO Z> <message>`` with raw multi-line messages."""
    stream = path.parent.name.replace("-", "/", 3)
    events: list[str] = []
    for line in gzip.decompress(path.read_bytes()).decode("utf-8", "surrogateescape").split("\n"):
        match = S3_LINE.match(line)
        if match:
            events.append(match[2])
        elif events and line:
            events[-1] += "\n" + line
    return [(stream, message) for message in events]


def filter_events(path: Path) -> list[tuple[str, str]]:
    document = json.loads(path.read_bytes())
    return [(e["logStreamName"], e["message"]) for e in document["events"]]


@functools.cache
def all_events() -> dict[str, list[tuple[str, str]]]:
    """Events per function, from every envelope in the sample folder."""
    events = {"orders-api": tail_events(SAMPLES / "tail" / "aws" / "lambda" / "orders-api.log")}
    events["image-resizer"] = [e for p in sorted((SAMPLES / "s3-export").rglob("*.gz")) for e in s3_events(p)]
    for path in sorted((SAMPLES / "filter-log-events").rglob("*.json")):
        events[path.stem] = filter_events(path)
    return events


def reports(events: list[tuple[str, str]]) -> list[dict]:
    """Every REPORT, text or JSON, as a flat dict of its fields (durations in ms, as printed)."""
    out = []
    for stream, message in events:
        if message.startswith("REPORT RequestId: "):
            fields = dict(FIELD.findall(message.split("\n")[0]))
            trace = re.search(r"XRAY TraceId: (\S+)\tSegmentId: (\S+)", message)
            out.append({"stream": stream, "request_id": message.split()[2], "fields": fields,
                        "trace": trace.groups() if trace else None, "text": message})
        elif message.startswith('{"time"') and '"platform.report"' in message:
            record = json.loads(message)["record"]
            metrics = record["metrics"]
            fields = {"Duration": f"{metrics['durationMs']} ms",
                      "Billed Duration": f"{metrics['billedDurationMs']} ms",
                      "Max Memory Used": f"{metrics['maxMemoryUsedMB']} MB"}
            if "restoreDurationMs" in metrics:
                fields["Restore Duration"] = f"{metrics['restoreDurationMs']} ms"
                fields["Billed Restore Duration"] = f"{metrics['billedRestoreDurationMs']} ms"
            trace = None
            if "tracing" in record:
                trace = re.match(r"Root=([^;]+);Parent=([^;]+)", record["tracing"]["value"]).groups()
            out.append({"stream": stream, "request_id": record["requestId"], "fields": fields,
                        "trace": trace, "text": message})
    return out


def number(text: str) -> float:
    return float(text.split()[0])


# -- tests --------------------------------------------------------------------------------------


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    load_generator().main(["--out", str(tmp_path)])
    committed, fresh = data_files(SAMPLES), data_files(tmp_path)
    assert sorted(fresh) == sorted(committed), "file list differs: re-run sample_logs/generate.py"
    changed = [name for name in committed if payload(committed[name]) != payload(fresh[name])]
    assert not changed, f"generate.py no longer writes these committed files: {changed[:5]}"


def test_the_scenario_table_is_consistent() -> None:
    """Plants, routes and hooks name functions and versions that exist, inside the week."""
    load_generator()  # imports generator/scenario.py, beside it
    scenario = sys.modules["generator.scenario"]
    functions = {fn.name: fn for fn in scenario.FUNCTIONS}
    start, end = scenario.to_ms(scenario.WEEK_START), scenario.to_ms(scenario.WEEK_END)
    for plant in scenario.PLANTS:
        assert plant.function in functions and start <= plant.after < end, plant
    assert len({(p.function, p.kind) for p in scenario.PLANTS}) == len(scenario.PLANTS)
    for fn in functions.values():
        versions = {v.name for v in fn.versions}
        assert set(fn.hook_versions) <= versions and bool(fn.hook_versions) == bool(fn.after_restore_hook)
        assert [when for when, _ in fn.routes] == sorted(when for when, _ in fn.routes)
        for _, weights in fn.routes:
            assert {name for name, _ in weights} <= versions
            assert math.isclose(sum(share for _, share in weights), 1.0)
        for version in fn.versions:
            assert version.published is None or start <= version.published < end
        assert fn.envelope in {"tail", "s3", "filter"} and fn.log_format in {"text", "json"}


def test_every_file_opens() -> None:
    gz = list(SAMPLES.rglob("*.gz"))
    assert len(gz) > 100
    for path in gz:
        assert gzip.decompress(path.read_bytes())
    for path in SAMPLES.rglob("*.json"):
        assert json.loads(path.read_bytes())


def test_every_report_has_a_start_before_it_in_its_stream() -> None:
    for function, events in all_events().items():
        started: dict[tuple[str, str], int] = defaultdict(int)
        for stream, message in events:
            if message.startswith("START RequestId: "):
                started[stream, message.split()[2]] += 1
            elif message.startswith('{"time"') and '"platform.start"' in message:
                started[stream, json.loads(message)["record"]["requestId"]] += 1
        for report in reports(events):
            key = (report["stream"], report["request_id"])
            assert started[key] > 0, f"{function}: REPORT without START: {key}"
            started[key] -= 1


def test_billed_duration_follows_lambda_rules() -> None:
    checked = {"restore": 0, "init": 0, "warm": 0}
    truncated = 0
    for events in all_events().values():
        for report in reports(events):
            fields = report["fields"]
            if "Max Memory Used" not in fields:
                truncated += 1  # the planted broken line
                continue
            duration, billed = number(fields["Duration"]), number(fields["Billed Duration"])
            if "Restore Duration" in fields:
                # Billed Duration already contains Billed Restore Duration.
                billed_restore = number(fields["Billed Restore Duration"])
                assert billed == math.ceil(duration) + billed_restore, report["text"]
                assert number(fields["Restore Duration"]) > number(fields["Billed Restore Duration"])
                checked["restore"] += 1
            elif "Init Duration" in fields:
                # On-demand init is billed since August 2025.
                init = number(fields["Init Duration"])
                assert billed == math.ceil(round(duration + init, 2)), report["text"]
                checked["init"] += 1
            else:
                assert billed == math.ceil(duration), report["text"]
                checked["warm"] += 1
    assert truncated == 1
    assert checked["restore"] > 500 and checked["init"] > 100 and checked["warm"] > 10_000


def test_restores_look_like_snapstart() -> None:
    restore_ms = [number(r["fields"]["Restore Duration"])
                  for fn, events in all_events().items() if fn != "report-worker"
                  for r in reports(events) if "Restore Duration" in r["fields"]]
    ordinary = sorted(ms for ms in restore_ms if ms < 10_000)
    p50, p99 = ordinary[len(ordinary) // 2], ordinary[int(len(ordinary) * 0.99)]
    assert 400 <= p50 <= 700 and 1500 <= p99 <= 3000


def test_xray_traces_match_the_report_trailers() -> None:
    traces = json.loads((SAMPLES / "xray" / "traces.json").read_bytes())
    assert traces["UnprocessedTraceIds"] == []
    by_id = {t["Id"]: t for t in traces["Traces"]}
    trailers = {r["trace"][0]: (r, r["trace"][1]) for events in all_events().values()
                for r in reports(events) if r["trace"]}
    assert set(by_id) == set(trailers)
    restores_traced = 0
    for trace_id, (report, segment_id) in trailers.items():
        documents = [json.loads(s["Document"]) for s in by_id[trace_id]["Segments"]]
        origins = {d["origin"]: d for d in documents}
        assert set(origins) == {"AWS::Lambda", "AWS::Lambda::Function"}
        function = origins["AWS::Lambda::Function"]
        assert function["id"] == segment_id and function["trace_id"] == trace_id
        names = [s["name"] for s in function["subsegments"]]
        if "Restore Duration" in report["fields"]:
            restores_traced += 1
            assert names[0] == "Restore" and "Initialization" not in names
            restore = function["subsegments"][0]
            xray_ms = (restore["end_time"] - restore["start_time"]) * 1000
            assert 0.9 < xray_ms / number(report["fields"]["Restore Duration"]) < 1.0
        elif "Init Duration" in report["fields"]:
            assert names[0] == "Initialization"
        assert "Invocation" in names and "Overhead" in names
    assert restores_traced >= 200


def test_readme_totals_match_the_files() -> None:
    readme = (SAMPLES / "README.md").read_text()
    total = int(re.search(r"Totals: (\d+) invocations", readme)[1])
    assert total == sum(len(reports(events)) for events in all_events().values())
    for kind in ("function_timeout", "hook_timeout", "truncated_report", "invalid_utf8", "foreign_line",
                 "async_retries", "init_error", "restore_exit_error"):
        assert f"| {kind} |" in readme


@pytest.mark.parametrize("needle", ["Task timed out after 30.00 seconds", "SnapStartTimeoutException",
                                    "Status: timeout", "\udce9"])
def test_planted_text_lines_are_in_the_tail(needle: str) -> None:
    text = (SAMPLES / "tail" / "aws" / "lambda" / "orders-api.log").read_bytes().decode("utf-8", "surrogateescape")
    assert needle in text
