"""dashboard.py through Streamlit's AppTest: runs on the sample data, shows every chart and metric,
reacts to filters, and turns bad input into a message, never a traceback.

Parsing is cached by content (``st.cache_data``) for the whole test process, so only the first
test pays for reading ``sample_logs/``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
TIMEOUT = 240  # the first run parses sample_logs/

METRICS = {"Invocations", "Warm starts", "Restore starts", "Init starts", "Rejected lines", "Restore p50",
           "Restore p99", "Billed restore time", "Cache + restore cost"}
SECTIONS = ["Restore latency over time", "Billed restore time over time", "Cold-start mix over time",
            "SnapStart cost over time", "SnapStart vs on-demand vs Provisioned Concurrency",
            "Init vs restore per version", "Restore vs init durations", "After-restore hooks (X-Ray)", "Rows"]
# Restore latency, billed restore, start mix, cost per bucket, cumulative cost, cost by option,
# cold-start latency by option, init vs restore, ECDF.
CHARTS = 9

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


def test_every_metric_section_and_chart_is_present(sample):
    assert {m.label for m in sample.metric} == METRICS
    assert [s.value for s in sample.subheader] == SECTIONS
    assert len(sample.get("plotly_chart")) == CHARTS
    assert metric(sample, "Restore p50").endswith(" ms")
    assert metric(sample, "Cache + restore cost").startswith("$")
    assert [b.label for b in sample.get("download_button")] == [
        "Download invocations.csv", "Download restores.csv", "Download inits.csv", "Download spans.csv",
        "Download rejects.csv"]


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
    assert "us-east-1" in sample.sidebar.selectbox(key="region").options
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
    at = upload_app([("traces.json", (ROOT / "sample_logs" / "xray" / "traces.json").read_bytes())])
    assert not at.exception and not at.error, texts(at.error)
    assert metric(at, "Invocations") == "0"
    assert any("hook_ms_p99" in e.value.columns and len(e.value) for e in at.dataframe)


def test_upload_over_the_size_limit_is_refused_with_a_reason():
    at = upload_app([("big.log", b"x" * (2 * 1024 * 1024))], upload_limit_mb=1)
    assert not at.exception
    assert "at most 1 MB" in texts(at.error)


def test_hooks_table_from_the_sample_traces(sample):
    hooks = next(e.value for e in sample.dataframe if "hook_ms_p99" in e.value.columns)
    assert len(hooks) > 0 and (hooks["restores_traced"] > 0).all()


def test_row_tables_preview_the_selection(sample):
    frames = [element.value for element in sample.dataframe]
    invocations = next(f for f in frames if "billed_restore_ms" in f.columns and "start_kind" in f.columns)
    assert 0 < len(invocations) <= 1000
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
    assert "Could not fetch logs of `no-such-function`" in texts(at.error)


def test_live_aws_source_hidden_without_credentials(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
    at = sample_app()
    assert "Live AWS" not in at.sidebar.radio(key="source").options


def test_rows_without_a_time_are_named_not_plotted():
    """A console copy has no timestamps: its invocations count, the charts cannot place them,
    and the page says so."""
    copy = ("RESTORE_REPORT Restore Duration: 650.00 ms\nSTART RequestId: a1 Version: 9\n"
            "REPORT RequestId: a1\tDuration: 5.00 ms\tBilled Duration: 56 ms\tMemory Size: 1024 MB\t"
            "Max Memory Used: 80 MB\tRestore Duration: 650.00 ms\tBilled Restore Duration: 50 ms\n")
    at = upload_app([("console.txt", copy.encode())])
    assert not at.exception and not at.error, texts(at.error)
    assert metric(at, "Invocations") == "1"
    assert "2 rows carry no time: charts need one" in texts(at.caption)
