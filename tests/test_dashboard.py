"""dashboard.py through Streamlit's AppTest: runs on the sample data, shows every chart and metric,
reacts to filters, and turns bad input into a message, never a traceback.

Parsing is cached by content (``st.cache_data``) for the whole test process, so only the first
test pays for reading ``sample_logs/``.
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
TIMEOUT = 240  # the first run parses sample_logs/

METRICS = {"Invocations", "Warm starts", "Restore starts", "Init starts", "Rejected lines", "Restore p50",
           "Restore p99", "Billed restore time", "Cache + restore cost"}
# Always on the page, then the sections of the open detail tab (the first one by default).
SECTIONS = ["Versions at a glance", "Restore latency over time", "Errors, timeouts and failed restores",
            "What callers wait for: first request after a restore vs warm"]
DETAILS = {
    "Billed restore & cold starts": (["Billed restore time over time", "Cold-start mix over time"], 2),
    "Cost over time": (["SnapStart cost over time"], 2),
    "SnapStart vs on-demand vs PC": (["SnapStart vs on-demand vs Provisioned Concurrency"], 2),
    "Init vs restore": (["Init vs restore per version", "Restore vs init durations"], 2),
    "After-restore hooks": (["After-restore hooks (X-Ray)"], 0),
    "Rows and downloads": (["Rows"], 0),
}
# Restore latency, failures, latency by start kind, then the open tab's charts.
CHARTS = 3
# What the page must never say (issue 14): each one misled a user somewhere.
MISLEADING = ("$0.0000", "widen the time range", "No Lambda platform lines", "µ", "--region", "--function",
              "--since", "--arch")

GOOD_REPORT = ("REPORT RequestId: 6f1c9a1e-0000-4000-8000-000000000001\tDuration: 182.96 ms\t"
               "Billed Duration: 270 ms\tMemory Size: 256 MB\tMax Memory Used: 183 MB\t"
               "Restore Duration: 700.61 ms\tBilled Restore Duration: 87 ms\t")


def sample_app() -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=TIMEOUT)
    at.run()
    return at


def upload_app(files: list[tuple[str, bytes]], **state) -> AppTest:
    """The dashboard with ``files`` given as uploads (AppTest cannot drive the file picker)."""

    def app(root: str, files: list[tuple[str, bytes]]) -> None:
        import sys

        sys.path.insert(0, root)
        import dashboard

        dashboard.main(uploads=files)

    at = AppTest.from_function(app, args=(str(ROOT), files), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    return at


def texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def count(value: str) -> int:
    return int(value.replace(",", ""))


@pytest.fixture(scope="module")
def sample() -> AppTest:
    return sample_app()


def test_sample_data_runs_without_exception_or_error(sample):
    assert not sample.exception, texts(sample.exception)
    assert not sample.error, texts(sample.error)
    assert sample.sidebar.radio(key="source").value == "Sample data"
    assert count(metric(sample, "Invocations")) > 1000


def page_text(at: AppTest) -> str:
    """Everything a person can read on the page (sidebar included)."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "subheader", "metric")
    parts = [texts(at.get(kind)) for kind in kinds if kind != "metric"]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [texts(at.sidebar.get(kind)) for kind in ("markdown", "caption")]
    return "\n".join(parts)


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["details"] = label  # the detail tabs rerun lazily: only the open one is drawn
    return at.run()


def test_every_metric_section_and_chart_is_present():
    at = sample_app()
    assert {m.label for m in at.metric} == METRICS
    assert metric(at, "Restore p50").endswith(" ms")
    assert metric(at, "Cache + restore cost").startswith("$")
    for label, (sections, charts) in DETAILS.items():
        open_tab(at, label)
        assert not at.exception and not at.error, (label, texts(at.error))
        assert [s.value for s in at.subheader] == SECTIONS + sections, label
        assert len(at.get("plotly_chart")) == CHARTS + charts, label
        assert not [bad for bad in MISLEADING if bad in page_text(at)], label
    assert [b.label for b in at.get("download_button")] == [
        "Download invocations.csv", "Download restores.csv", "Download inits.csv", "Download spans.csv",
        "Download rejects.csv"]


def test_summary_table_has_every_version_most_invocations_first(sample):
    summary = next(e.value for e in sample.dataframe if "restore_share" in e.value.columns)
    assert len(summary) == 8  # sample_logs/README.md: four functions, eight versions
    assert summary["invocations"].is_monotonic_decreasing
    assert summary["series"].iloc[0] == "image-resizer:4"
    orders_9 = summary.set_index("series").loc["orders-api:9"]
    assert (orders_9["errors"], orders_9["timeouts"], orders_9["failed_restores"]) == (1, 0, 1)
    assert orders_9["restore_ms_p50"] == pytest.approx(539.89)  # sample README: 540


def test_verdicts_are_on_the_page_in_words(sample):
    text = texts(sample.markdown)
    assert "SnapStart buys latency, not savings here" in text
    assert "Provisioned Concurrency becomes cheaper above" in text
    assert "version 9 restores 13% slower than version 8 (p50 540 ms vs 478 ms)" in text
    assert "**report-worker:\\$LATEST**" in text  # escaped: Streamlit would read $...$ as maths


def test_errors_chart_shows_each_failure_with_its_version(sample):
    chart = json.loads(sample.get("plotly_chart")[1].proto.spec)
    names = {trace["name"] for trace in chart["data"]}
    assert {"orders-api:8, timeouts", "orders-api:9, errors", "orders-api:9, failed restores",
            "payment-webhook:6, failed restores", "report-worker:$LATEST, errors"} <= names


def chart_colors(at: AppTest, index: int = 0) -> dict[str, str]:
    chart = json.loads(at.get("plotly_chart")[index].proto.spec)
    return {trace["legendgroup"]: trace["line"]["color"] for trace in chart["data"]
            if trace.get("line", {}).get("color") and trace.get("legendgroup")}


def test_a_version_keeps_its_colour_whatever_the_filter():
    at = sample_app()
    everything = chart_colors(at)
    at.sidebar.multiselect(key="functions").set_value(["orders-api"]).run()
    filtered = chart_colors(at)
    assert filtered and all(everything[name] == color for name, color in filtered.items())


def test_no_statistic_picked_says_so_instead_of_drawing_everything():
    at = sample_app()
    at.pills(key="statistics").set_value([]).run()
    assert "Pick a statistic above to draw restore latency." in texts(at.info)
    assert len(at.get("plotly_chart")) == CHARTS + 2 - 1
    at.pills(key="statistics").set_value(["p99"]).run()
    at.toggle(key="latency_log").set_value(True).run()
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["layout"]["yaxis"]["type"] == "log"
    assert {trace["name"].split(", ")[-1] for trace in chart["data"] if ", " in trace["name"]} == {"p99"}
    assert any("samples" in str(trace.get("hovertemplate")) for trace in chart["data"])


def test_time_presets_move_the_range_and_the_numbers():
    at = sample_app()
    everything = count(metric(at, "Invocations"))
    at.sidebar.button(key="preset_last 24 h").click().run()
    first, last = at.sidebar.slider(key="time_range").value
    assert last - first == timedelta(hours=24)
    day = count(metric(at, "Invocations"))
    assert 0 < day < everything
    at.sidebar.button(key="preset_all").click().run()
    assert count(metric(at, "Invocations")) == everything
    assert not at.exception and not at.error


def test_region_arch_and_edited_prices_change_the_cost_card():
    at = sample_app()
    base = float(metric(at, "Cache + restore cost").lstrip("$"))
    at.sidebar.radio(key="arch").set_value("arm64").run()  # same SnapStart prices on arm64 in the table
    assert float(metric(at, "Cache + restore cost").lstrip("$")) == base
    at.sidebar.number_input(key="price_cache_gb_s_us-east-1_arm64").set_value(0.0).run()
    restore_only = float(metric(at, "Cache + restore cost").lstrip("$"))
    # Hand check: the sample's headline splits $3.1351 into cache $2.9373 + restore $0.1978.
    assert restore_only == pytest.approx(0.1978, abs=1e-4)
    at.sidebar.number_input(key="price_restore_gb_us-east-1_arm64").set_value(2 * 0.0001397998).run()
    assert float(metric(at, "Cache + restore cost").lstrip("$")) == pytest.approx(2 * 0.1978, abs=2e-4)
    assert not at.exception and not at.error


def test_hooks_link_the_worst_trace_to_the_xray_console():
    at = open_tab(sample_app(), "After-restore hooks")
    hooks = next(e.value for e in at.dataframe if "hook_ms_p99" in e.value.columns)
    assert hooks["worst_trace_id"].str.startswith(
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#xray:traces/1-").all()


def pick_until_fewer(at: AppTest, key: str, total: int) -> int:
    """Pick each option of the ``key`` multiselect alone until one selects some, not all, rows."""
    widget = at.sidebar.multiselect(key=key)
    for option in widget.options:
        at.sidebar.multiselect(key=key).set_value([option]).run()
        picked = count(metric(at, "Invocations"))
        if 0 < picked < total:
            return picked
    pytest.fail(f"no single {key} option selects part of the {total} invocations")


def test_function_and_version_filters_change_the_numbers():
    at = sample_app()
    everything = count(metric(at, "Invocations"))
    one_function = pick_until_fewer(at, "functions", everything)
    one_version = pick_until_fewer(at, "versions", one_function)
    assert 0 < one_version < one_function < everything
    assert not at.exception and not at.error


def test_time_range_and_bucket_change_the_numbers():
    at = sample_app()
    everything = count(metric(at, "Invocations"))
    slider = at.sidebar.slider(key="time_range")
    first, last = slider.value
    slider.set_value((first, first + (last - first) / 2)).run()
    first_half = count(metric(at, "Invocations"))
    assert 0 < first_half < everything
    assert "Buckets of 1h" in texts(at.sidebar.caption)  # auto: 3.5 days in hours
    at.sidebar.selectbox(key="bucket").set_value("1D").run()
    assert "Buckets of 1D" in texts(at.sidebar.caption)
    assert not at.exception and not at.error


def test_price_region_is_a_sidebar_choice(sample):
    from logparse import pricetable

    assert sample.sidebar.selectbox(key="region").options == pricetable.load_prices().regions
    assert sample.sidebar.radio(key="arch").options == ["x86_64", "arm64"]


def test_missing_folder_shows_an_error():
    at = sample_app()
    at.sidebar.radio(key="source").set_value("Local folder or glob").run()
    assert not at.error
    assert "Enter a local folder" in texts(at.info)
    at.sidebar.text_input(key="folder").set_value(str(ROOT / "no-such-folder")).run()
    assert not at.exception
    assert "Nothing could be read" in texts(at.error)
    assert "no such file or folder" in texts(at.error)


def test_folder_of_bad_and_good_files_warns_and_loads_the_good(tmp_path):
    (tmp_path / "good.log").write_text(f"START RequestId: 6f1c9a1e-0000-4000-8000-000000000001 Version: 3\n"
                                       f"{GOOD_REPORT}\n")
    (tmp_path / "bad.log").write_text("REPORT RequestId: x\tDuration: lots ms\tBilled Duration: 1 ms\n")
    at = sample_app()
    at.sidebar.radio(key="source").set_value("Local folder or glob").run()
    at.sidebar.text_input(key="folder").set_value(str(tmp_path)).run()
    assert not at.exception and not at.error
    warning = texts(at.warning)
    assert "1 line or record of" in warning and "could not be parsed" in warning
    assert "Still loaded: 1 invocation, 0 restores" in warning
    assert metric(at, "Invocations") == "1"
    assert metric(at, "Rejected lines") == "1"


def test_bad_upload_shows_an_error_not_a_traceback():
    at = upload_app([("garbage.json", b'{"events": [{"timestamp": "soon", "message": 7}'),
                     ("noise.gz", b"\x1f\x8b\x08\x00 not really gzip")])
    assert not at.exception
    assert at.error, "a bad upload must say so"
    assert not at.metric  # nothing usable: no numbers pretend otherwise


def test_cut_json_says_where_it_stops():
    at = upload_app([("events.json", b'{"events": [{"timestamp": 1, "message": "x"}')])
    assert not at.exception
    assert "not valid JSON at byte 44" in texts(at.error)
    assert not [bad for bad in MISLEADING if bad in page_text(at)]


def test_truncated_gzip_says_so():
    data = gzip.compress(f"2026-11-16T10:00:00.000Z {GOOD_REPORT}\n".encode() * 50)
    at = upload_app([("export.gz", data[: len(data) // 2])])
    assert not at.exception
    assert "truncated gzip file" in texts(at.error) + texts(at.warning)
    assert not [bad for bad in MISLEADING if bad in page_text(at)]


def test_lines_without_times_say_why_the_charts_are_empty_and_cost_is_na():
    at = upload_app([("console-copy.log", f"{GOOD_REPORT}\n".encode())])
    assert not at.exception and not at.error, texts(at.error)
    assert "These lines carry no time: charts need one." in texts(at.warning)
    assert metric(at, "Invocations") == "1"
    assert metric(at, "Cache + restore cost") == "n/a"
    assert not [bad for bad in MISLEADING if bad in page_text(at)]


def test_upload_without_platform_lines_warns():
    at = upload_app([("app.log", b"[INFO] hello\n[INFO] world\n")])
    assert not at.exception
    assert "No Lambda platform lines" in texts(at.warning) + texts(at.error)


def test_partly_bad_upload_loads_the_rest():
    data = gzip.compress(f"2026-11-16T10:00:00.000Z {GOOD_REPORT}\n"
                         "2026-11-16T10:00:01.000Z REPORT RequestId: y\tDuration: ? ms\n".encode())
    at = upload_app([("export.gz", data)])
    assert not at.exception and not at.error
    assert "Still loaded: 1 invocation," in texts(at.warning)
    assert metric(at, "Restore p50") == "701 ms"


def test_xray_traces_alone_show_the_hooks():
    at = upload_app([("traces.json", (ROOT / "sample_logs" / "xray" / "traces.json").read_bytes())],
                    details="After-restore hooks")
    assert not at.exception and not at.error, texts(at.error)
    assert metric(at, "Invocations") == "0"
    assert "Only X-Ray traces were loaded" in texts(at.warning)
    assert metric(at, "Cache + restore cost") == "n/a"
    assert any("hook_ms_p99" in e.value.columns and len(e.value) for e in at.dataframe)
    assert not [bad for bad in MISLEADING if bad in page_text(at)]


def test_upload_over_the_size_limit_is_refused_with_a_reason():
    at = upload_app([("big.log", b"x" * (2 * 1024 * 1024))], upload_limit_mb=1)
    assert not at.exception
    assert "at most 1 MB" in texts(at.error)


def test_row_tables_preview_the_selection():
    at = open_tab(sample_app(), "Rows and downloads")
    frames = [element.value for element in at.dataframe]
    invocations = next(f for f in frames if "billed_restore_ms" in f.columns and "start_kind" in f.columns)
    assert 0 < len(invocations) <= 1000
    assert invocations["billed_restore_ms"].dtype == "Int64"  # Lambda bills whole milliseconds
    assert invocations["source"].str.startswith("sample_logs/").all()  # not this machine's path
    assert any("reason" in f.columns for f in frames)  # the rejects tab


# --------------------------------------------------------------------------- live AWS (moto)


@pytest.fixture
def moto_logs(monkeypatch, tmp_path):
    """A moto server with one function's recent platform lines, reached through AWS_ENDPOINT_URL."""
    import logging
    from datetime import UTC, datetime, timedelta

    import boto3
    import requests
    from moto.server import ThreadedMotoServer

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_CONFIG_FILE": str(tmp_path / "config"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10)  # moto's state is per process
    logs = boto3.client("logs")
    group, stream = "/aws/lambda/live-orders", "2026/11/25/[7]0123456789abcdef"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = int((datetime.now(UTC) - timedelta(hours=2)).timestamp() * 1000)
    events = []
    for i in range(5):
        rid = f"6f1c9a1e-0000-4000-8000-00000000000{i}"
        at = start + i * 60_000
        if i == 0:
            events.append({"timestamp": at - 900, "message": "RESTORE_START Runtime Version: python:3.12.v40\n"})
            events.append({"timestamp": at - 10, "message": "RESTORE_REPORT Restore Duration: 640.00 ms\n"})
        events.append({"timestamp": at, "message": f"START RequestId: {rid} Version: 7\n"})
        restore = "\tRestore Duration: 640.00 ms\tBilled Restore Duration: 90 ms" if i == 0 else ""
        events.append({"timestamp": at + 50, "message": f"REPORT RequestId: {rid}\tDuration: 40.00 ms\t"
                       f"Billed Duration: {41 + (90 if i == 0 else 0)} ms\tMemory Size: 512 MB\t"
                       f"Max Memory Used: 120 MB{restore}\t\n"})
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    yield "live-orders"
    server.stop()


def test_live_aws_source_appears_with_credentials_and_fetches(moto_logs):
    at = sample_app()
    assert "Live AWS" in at.sidebar.radio(key="source").options
    at.sidebar.radio(key="source").set_value("Live AWS").run()
    assert "Enter the Lambda function name" in texts(at.info)
    at.sidebar.checkbox(key="aws_xray").uncheck()
    at.sidebar.text_input(key="aws_function").set_value(moto_logs).run()
    assert not at.exception and not at.error, texts(at.error)
    assert metric(at, "Invocations") == "5"
    assert metric(at, "Restore p50") == "640 ms"
    assert at.sidebar.multiselect(key="functions").options == [moto_logs]


def test_live_aws_failure_is_one_clear_error(moto_logs):
    at = sample_app()
    at.sidebar.radio(key="source").set_value("Live AWS").run()
    at.sidebar.checkbox(key="aws_xray").uncheck()
    at.sidebar.text_input(key="aws_function").set_value("no-such-function").run()
    assert not at.exception
    error = texts(at.error)
    assert "Could not fetch logs of `no-such-function`" in error
    assert error.count("To fix:") == 1 and "Region box" in error  # the hint once, in the page's terms
    assert "--" not in error


def test_live_aws_without_credentials_says_what_is_missing(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
    at = sample_app()
    at.sidebar.radio(key="source").set_value("Live AWS").run()
    assert not at.exception and not at.error
    warning = texts(at.warning)
    assert warning.count("No AWS credentials found") == 1
    assert "AWS_PROFILE" in warning and "AWS_ACCESS_KEY_ID" in warning and "Region" in warning
    assert "--" not in warning


def test_rows_without_a_time_are_named_not_plotted():
    """A console copy has no timestamps: its invocations count, the charts cannot place them,
    and the page says so."""
    copy = ("RESTORE_REPORT Restore Duration: 650.00 ms\nSTART RequestId: a1 Version: 9\n"
            "REPORT RequestId: a1\tDuration: 5.00 ms\tBilled Duration: 56 ms\tMemory Size: 1024 MB\t"
            "Max Memory Used: 80 MB\tRestore Duration: 650.00 ms\tBilled Restore Duration: 50 ms\n")
    at = upload_app([("console.txt", copy.encode())])
    assert not at.exception and not at.error, texts(at.error)
    assert metric(at, "Invocations") == "1"
    # Every row undated: one warning says it and how to keep the times (no second caption).
    said = texts(at.caption) + texts(at.warning)
    assert said.count("carry no time: charts need one") == 1


DASHBOARD_CHILD = """
import json, os, sys, zlib
from pathlib import Path
from streamlit.testing.v1 import AppTest
root, fifo = sys.argv[1], sys.argv[2]

def app(root, files):
    import sys
    sys.path.insert(0, root)
    import dashboard
    dashboard.main(uploads=files)

deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
bomb = b"".join(deflate.compress(bytes(1 << 20)) for _ in range(1024)) + deflate.flush()
at = AppTest.from_function(app, args=(root, [("bomb.gz", bomb)]), default_timeout=120)
at.run()
out = {"upload": [e.value for e in at.error], "upload_exception": bool(at.exception)}
at = AppTest.from_file(str(Path(root) / "dashboard.py"), default_timeout=120)
at.run()
at.sidebar.radio(key="source").set_value("Local folder or glob").run()
at.sidebar.text_input(key="folder").set_value(fifo).run()
out.update(folder=[e.value for e in at.error], folder_exception=bool(at.exception))
with open("/proc/self/status") as status:
    out["peak_mb"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(json.dumps(out))
"""


def test_upload_and_folder_box_read_through_the_bounded_path(tmp_path):
    """A 1 MB upload inflating to 1 GiB of zeros, and a FIFO typed in the folder box: before,
    the first held the inflated GiB (and more), the second blocked the app forever."""
    import json
    import os
    import subprocess
    import sys

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    script = tmp_path / "child.py"  # AppTest.from_function reads the function's source file
    script.write_text(DASHBOARD_CHILD)
    out = subprocess.run([sys.executable, str(script), str(ROOT), str(fifo)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert not seen["upload_exception"] and not seen["folder_exception"]
    assert len(seen["upload"]) == 1 and "bomb.gz" in seen["upload"][0] and "gzip bomb" in seen["upload"][0]
    assert len(seen["folder"]) == 1 and "not a regular file (a FIFO)" in seen["folder"][0]
    assert seen["peak_mb"] < 900, seen["peak_mb"]


def test_missing_summary_values_read_na_with_the_reason(sample):
    frame = next(e for e in sample.dataframe if "restore_share" in e.value.columns)
    assert frame.proto.placeholder == "n/a"  # the grid draws an empty cell as "n/a", never "None"
    latest = frame.value.set_index("series").loc["report-worker:$LATEST"]
    assert latest[["restore_ms_p50", "restore_ms_p99", "snapstart_cost_usd", "hook_headroom_ms"]].isna().all()
    assert "SnapStart cost: \\$LATEST has no snapshot: SnapStart applies to published versions" in page_text(sample)


def test_history_tabs_show_the_gate_runtime_versions_and_projection():
    at = open_tab(sample_app(), "Version regressions")
    gate = next(e.value for e in at.dataframe if "candidate_restores" in e.value.columns)
    assert list(gate["candidate"]) == ["4", "8", "9", "6"] and set(gate["verdict"]) == {"regressed"}
    assert "regressed: payment-webhook version 6 vs 5" in texts(at.markdown)
    open_tab(at, "Runtime re-patches")
    assert [i.value for i in at.info] == [
        "No re-patch: every version ran one runtime version throughout this selection."]
    assert len(at.get("plotly_chart")) == CHARTS + 1
    open_tab(at, "30-day projection")
    projected = next(e.value for e in at.dataframe if "range" in e.value.columns)
    assert len(projected) == 24  # eight versions, three options
    assert projected.set_index(["series", "option"]).loc[("report-worker:$LATEST", "snapstart"),
                                                         "projected_cost_usd"] == "n/a"
    assert not at.exception and not at.error
    assert not [bad for bad in MISLEADING if bad in page_text(at)]


def test_history_tabs_say_why_they_are_empty():
    at = upload_app([("console.log", (GOOD_REPORT + "\n").encode())], details="Version regressions")
    assert any("No comparison to show" in i.value for i in at.info), [i.value for i in at.info]
    open_tab(at, "Runtime re-patches")
    assert any("No runtime versions to show" in i.value for i in at.info), [i.value for i in at.info]
    open_tab(at, "30-day projection")
    assert any("No projection to show: these lines carry no time" in i.value for i in at.info)
    assert not at.exception


def test_errors_are_said_as_the_cli_says_them_without_cli_flags() -> None:
    """A SnapLensError shows its message, and its hint only when the hint names no flag (the
    page has a Region box, not --region)."""
    from dashboard import error_text
    from logparse.errors import SnapLensError

    assert error_text(SnapLensError("state file s.json is unreadable", "delete it")) == (
        "state file s.json is unreadable. To fix: delete it.")
    assert error_text(SnapLensError("no AWS region configured", "pass --region or set AWS_REGION")) == (
        "no AWS region configured")
    assert error_text(SnapLensError("bad prices")) == "bad prices"
