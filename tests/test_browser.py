"""The dashboard in a real browser, the way a person sees it: ``streamlit run dashboard.py`` on a free
localhost port, headless Chromium (Debian's ``chromium``, driven by Playwright), charts rendered by
plotly, visible numbers, and a screenshot saved as a test artifact (``test-artifacts/dashboard.png``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_S = 60
RENDER_MS = 240_000  # the first page view parses sample_logs/
CHARTS = 9
PROBLEMS = "[data-testid='stException'], [data-testid='stAlertContentError']"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); "
                              ".ci/run does"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer /_stcore/health within {STARTUP_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port; stopped by its PID afterwards."""
    command = [sys.executable, "-m", "streamlit"]  # the streamlit of the interpreter running the tests
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "run", "dashboard.py", "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and nothing else
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.timeout(600)
def test_dashboard_renders_charts_and_numbers_in_chromium(dashboard_url: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            # Tall enough that every chart is laid out (Streamlit draws charts once they are in view).
            page = browser.new_page(viewport={"width": 1500, "height": 4300})
            page.goto(dashboard_url)
            # Every chart drawn, or an error on the page: then stop waiting and say what it was.
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot').length >= {CHARTS}"
                f' || document.querySelector("{PROBLEMS}")', timeout=RENDER_MS)
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=RENDER_MS)
            problems = page.locator(PROBLEMS).all_inner_texts()
            assert not problems, f"the page shows errors: {problems}"
            page.wait_for_timeout(1500)  # let plotly finish its first layout pass
            # Streamlit scrolls inside its main container: size the window to the content, then shoot.
            height = page.evaluate(
                "(() => { const b = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
                " return b.getBoundingClientRect().top + b.scrollHeight; })()")
            page.set_viewport_size({"width": 1500, "height": int(height) + 20})
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            body = page.locator("body").inner_text()
            for text in ("SnapLens", "Restore latency over time", "Billed restore time over time",
                         "SnapStart cost over time", "Cold-start mix over time", "Init vs restore per version",
                         "Invocations", "Restore p99", "Cache + restore cost", "Sample data"):
                assert text in body, f"{text!r} not visible"
            assert "Traceback" not in body
            assert page.locator("[data-testid='stException']").count() == 0

            charts = page.locator(".js-plotly-plot")
            assert charts.count() == CHARTS
            # Rendered, not just mounted: plotly drew axes and data in every chart.
            for i in range(charts.count()):
                chart = charts.nth(i)
                assert chart.locator(".main-svg").count() > 0
                assert chart.locator(".xtick").count() > 0
                assert chart.locator(".trace, .scatterlayer .trace, .barlayer .trace").count() > 0
            invocations = page.locator("[data-testid='stMetric']", has_text="Invocations")
            assert invocations.locator("[data-testid='stMetricValue']").inner_text().replace(",", "").isdigit()
        finally:
            browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 50_000


def test_bad_upload_in_the_browser_says_what_was_wrong(dashboard_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    bad = tmp_path / "broken-report.log"
    bad.write_text("REPORT RequestId: 1\tDuration: soon ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(dashboard_url)
            page.get_by_text("Upload files", exact=True).click()
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
            alert = page.locator("[data-testid='stAlertContentError']")
            alert.wait_for(timeout=RENDER_MS)
            text = alert.inner_text()
            assert "broken-report.log" in text and "1 line or record rejected" in text
            assert "REPORT line without a readable Duration" in text
            page.locator("[data-testid='stDataFrame']").wait_for(timeout=RENDER_MS)  # the rejects
            assert page.locator("[data-testid='stException']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "dashboard-bad-upload.png"))
        finally:
            browser.close()
