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


def summary_rows(page) -> list[list[str]]:
    rows = page.locator("[data-testid='stDataFrame']").first.locator("[role='row']")
    return [rows.nth(i).locator("[role='gridcell']").all_inner_texts() for i in range(1, rows.count())]


def click_summary_header(page, column: str) -> None:
    """Click a column title of the summary table. The grid draws its titles on a canvas, so the
    click goes to the title's place: the column widths the page sets (dashui.sections)."""
    from dashui.sections import SUMMARY_CONFIG

    shown = [name for name, config in SUMMARY_CONFIG.items() if config is not None]
    left = sum(int(SUMMARY_CONFIG[name]["width"]) for name in shown[:shown.index(column)])
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + left + int(SUMMARY_CONFIG[column]["width"]) / 2, box["y"] + 17)
    page.wait_for_timeout(400)  # the grid sorts in the browser: no rerun to wait for


def ms(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.mark.timeout(600)
def test_summary_sorting_na_and_history_tabs(dashboard_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    with browser.chromium() as chromium:
        page = browser.new_page(chromium)
        page.goto(dashboard_url)
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {CHARTS}"
                               f' || document.querySelector("{browser.PROBLEMS}")', timeout=RENDER_MS)
        browser.wait_settled(page)
        no_problems(page)
        text = visible_text(page)
        # Missing values are empty cells (the grid draws them as "n/a": its placeholder) and the line
        # under the table says why; $LATEST has no SnapStart cost. The grid's accessible cells hold the
        # values (its canvas draws them with their units).
        latest = next(row for row in summary_rows(page) if row[0] == "report-worker:$LATEST")
        assert latest[3:5] == ["", ""] and latest[9:] == ["", ""], latest
        assert "report-worker:$LATEST n/a — restore p50, restore p99: $LATEST never restores from a snapshot; " \
               "SnapStart cost: $LATEST has no snapshot: SnapStart applies to published versions" in text
        assert "None" not in text
        grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
        assert grid["x"] + grid["width"] <= browser.VIEWPORT["width"]  # the last column inside the window

        # Sorting by a column title: by the numbers, not their text ("776 ms" before "2,174 ms"); n/a first going up.
        click_summary_header(page, "restore_ms_p99")
        rows = summary_rows(page)
        p99 = [ms(row[4]) for row in rows if row[4]]
        assert p99 == sorted(p99) and len(p99) == 7 and rows[0][4] == "", [row[4] for row in rows]
        click_summary_header(page, "restore_ms_p99")
        p99 = [ms(row[4]) for row in summary_rows(page) if row[4]]
        assert p99 == sorted(p99, reverse=True), p99
        assert summary_rows(page)[0][0] == "orders-api:9"  # the slowest p99 of the sample (2,855 ms)

        # The deploy-history tabs: each opened, its numbers and words on the page.
        settle(page, lambda: page.get_by_role("tab", name="Version regressions").click())
        text = visible_text(page)
        assert "Restore regressions between consecutive versions" in text
        assert "regressed: orders-api version 9 vs 8: restore_ms_p99 2,854.7 ms vs 2,106.5 ms (+35.5%)" in text
        no_problems(page)
        settle(page, lambda: page.get_by_role("tab", name="Runtime re-patches").click())
        text = visible_text(page)
        assert "Runtime versions and re-patches" in text
        assert "No re-patch: every version ran one runtime version throughout this selection." in text
        assert "python:3.12.v36" in " ".join(svg_texts(page.locator(".js-plotly-plot").last, ".legendtext"))
        no_problems(page)
        settle(page, lambda: page.get_by_role("tab", name="30-day projection").click())
        text = visible_text(page)
        assert "30-day projection per option" in text
        assert "n/a: $LATEST has no snapshot: SnapStart applies to published versions." in text
        projection = page.locator("[data-testid='stDataFrame']").last.locator("[role='row']")
        cells = [projection.nth(i).locator("[role='gridcell']").all_inner_texts() for i in range(1, projection.count())]
        first = next(row for row in cells if row[:2] == ["image-resizer:4", "snapstart"])
        assert first[2] == "$8.95" and re.fullmatch(r"\$8\.9\d \.\. \$8\.9\d", first[3]), first
        no_problems(page)
        page.screenshot(path=str(ARTIFACTS / "dashboard-history.png"))
