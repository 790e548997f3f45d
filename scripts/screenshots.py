"""Take the README's screenshots of the dashboard, as a person sees it at 1440x900.

    python scripts/screenshots.py [--out docs/screenshots]

Starts ``streamlit run dashboard.py`` on the bundled ``sample_logs/`` (scripts/browser.py), opens it in
headless Chromium and saves one PNG per view below, each scrolled to its section heading. Run it
after changing the page, and commit the PNGs with the change, so the README shows the page as it is.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser  # scripts/browser.py

# file name -> (detail tab to open first or None, heading to scroll to the top, or None for the top)
SHOTS: dict[str, tuple[str | None, str | None]] = {
    "overview.png": (None, None),
    "versions-and-verdicts.png": (None, "Versions at a glance"),
    "latency-and-errors.png": (None, "Restore latency over time"),
    "cost.png": ("Cost over time", "SnapStart cost over time"),
    "regressions.png": ("Version regressions", "Restore regressions between consecutive versions"),
    "repatches.png": ("Runtime re-patches", "Runtime versions and re-patches"),
    "projection.png": ("30-day projection", "30-day projection per option"),
}


def scroll_to(page, heading: str | None) -> None:
    page.evaluate(
        """(text) => {
            const main = document.querySelector('[data-testid="stMain"]');
            if (!text) { main.scrollTo(0, 0); return; }
            const h = [...document.querySelectorAll('h3')].find(e => e.textContent.trim() === text);
            h.scrollIntoView({block: 'start'});
        }""", heading)
    page.wait_for_timeout(800)  # plotly draws charts as they come into view


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=browser.ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, browser.dashboard(Path(tmp) / "server.log") as url, \
            browser.chromium() as chromium:
        page = browser.new_page(chromium)
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot", timeout=240_000)
        browser.wait_settled(page)
        for name, (tab, heading) in SHOTS.items():
            if tab:
                before = browser.mutations(page)
                page.get_by_role("tab", name=tab).click()
                browser.wait_settled(page, before)
            scroll_to(page, heading)
            page.mouse.move(0, 0)  # no hover box or chart toolbar in the picture
            page.wait_for_timeout(300)
            page.screenshot(path=str(args.out / name))
            print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
