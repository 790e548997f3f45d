"""The dashboard in a real browser, the way a person sees it: ``streamlit run dashboard.py`` on a free
localhost port, headless Chromium (Debian's ``chromium``, driven by Playwright) at 1440x900, charts
rendered by plotly, visible numbers and words, and screenshots saved as test artifacts
(``test-artifacts/``). One server and one page go through every step, to stay fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import browser  # noqa: E402  (scripts/browser.py: the server and Chromium, shared with the benchmark)

ARTIFACTS = ROOT / "test-artifacts"
RENDER_MS = 240_000  # the first page view parses sample_logs/
# Restore latency, failures and latency by start kind, plus the two of the first detail tab.
CHARTS = 5
# What the page must never say (issue 14).
MISLEADING = ("$0.0000", "widen the time range", "No Lambda platform lines", "µ", "--region", "--function",
              "--since", "--arch", "Traceback")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(browser.CHROMIUM).exists(),
                       reason=f"{browser.CHROMIUM} not found: install Debian's chromium (apt-get install -y "
                              "chromium); .ci/run does"),
]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port; stopped by its PID afterwards."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        with browser.dashboard(log) as url:
            yield url
    except browser.ServerError as exc:
        pytest.fail(str(exc))


def settle(page, action) -> None:
    """Do ``action`` and wait until the page has redrawn."""
    before = browser.mutations(page)
    action()
    browser.wait_settled(page, before)


def visible_text(page) -> str:
    return page.locator("body").inner_text()


def no_problems(page) -> None:
    problems = page.locator(browser.PROBLEMS).all_inner_texts()
    assert not problems, f"the page shows errors: {problems}"
    text = visible_text(page)
    said = [bad for bad in MISLEADING if bad in text]
    assert not said, f"misleading text on the page: {said}"


def svg_texts(chart, selector: str) -> list[str]:
    """The words plotly drew (SVG text has no inner_text)."""
    return chart.locator(selector).evaluate_all("nodes => nodes.map(n => n.textContent)")


def cost_card(page) -> float:
    card = page.locator("[data-testid='stMetric']", has_text="Cache + restore cost")
    return float(card.locator("[data-testid='stMetricValue']").inner_text().lstrip("$").replace(",", ""))


def invocations(page) -> int:
    card = page.locator("[data-testid='stMetric']", has_text="Invocations")
    return int(card.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))


@pytest.mark.timeout(600)
def test_dashboard_in_chromium_reads_right(dashboard_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser.chromium() as chromium:
        page = browser.new_page(chromium)
        page.goto(dashboard_url)
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {CHARTS}"
                               f' || document.querySelector("{browser.PROBLEMS}")', timeout=RENDER_MS)
        browser.wait_settled(page)
        no_problems(page)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

        text = visible_text(page)
        for words in ("Versions at a glance", "Restore latency over time", "Errors, timeouts and failed restores",
                      "What callers wait for", "Restore p99", "Cache + restore cost", "Sample data"):
            assert words in text, f"{words!r} not visible"
        # Verdicts on the page, in words, with $LATEST shown literally.
        assert "SnapStart buys latency, not savings here" in text
        assert "Provisioned Concurrency becomes cheaper above" in text
        assert "version 9 restores 13% slower than version 8" in text
        assert "report-worker:$LATEST" in text

        # The summary table: every version, most invocations first.
        rows = page.locator("[data-testid='stDataFrame']").first.locator("[role='row']")
        cells = [rows.nth(i).locator("[role='gridcell']").all_inner_texts() for i in range(1, rows.count())]
        assert len(cells) == 8
        counts = [int(row[1]) for row in cells]
        assert counts == sorted(counts, reverse=True) and cells[0][0] == "image-resizer:4"

        # Every chart drawn, and the errors chart names each failure with its version.
        charts = page.locator(".js-plotly-plot")
        assert charts.count() == CHARTS
        for i in range(CHARTS):
            assert charts.nth(i).locator(".xtick").count() > 0
        legend = svg_texts(charts.nth(1), ".legendtext")  # the errors chart: second on the page
        assert {"orders-api:9, errors", "orders-api:9, failed restores", "orders-api:8, timeouts"} <= set(legend)

        # Time presets beside the slider.
        everything = invocations(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        settle(page, lambda: sidebar.get_by_role("button", name="24h", exact=True).click())
        day = invocations(page)
        assert 0 < day < everything
        assert "2026-11-21 23:55" in sidebar.inner_text()  # the slider's new start: a day before the end
        settle(page, lambda: sidebar.get_by_role("button", name="all", exact=True).click())
        assert invocations(page) == everything

        # Region and architecture pickers, and an edited price that changes the cost card.
        assert sidebar.get_by_text("Region", exact=True).is_visible()
        before = cost_card(page)
        sidebar.get_by_text("Edit prices (USD)").click()
        cache = sidebar.get_by_label("SnapStart cache, per GB-second")
        cache.fill("0")
        settle(page, lambda: cache.press("Enter"))
        after = cost_card(page)
        assert after < before and after == pytest.approx(0.1978, abs=1e-4)  # the restore charge alone

        # The cost tab: readable, distinct dollar ticks.
        settle(page, lambda: page.get_by_role("tab", name="Cost over time").click())
        for i in range(page.locator(".js-plotly-plot").count()):
            ticks = svg_texts(page.locator(".js-plotly-plot").nth(i), ".ytick text")
            if any(t.startswith("$") for t in ticks):
                assert len(set(ticks)) == len(ticks), f"repeated ticks: {ticks}"
                assert all(re.fullmatch(r"\$[\d,.]+", t) for t in ticks), ticks
        no_problems(page)
        page.screenshot(path=str(ARTIFACTS / "dashboard-cost.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 50_000


def test_bad_upload_in_the_browser_says_what_was_wrong(dashboard_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "broken-report.log"
    bad.write_text("REPORT RequestId: 1\tDuration: soon ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\n")
    with browser.chromium() as chromium:
        page = browser.new_page(chromium)
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
