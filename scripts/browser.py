"""Run the dashboard and a headless Chromium: shared by the README screenshot script, the browser
benchmark and the browser test, so all three look at the page the same way.

The server is ``streamlit run dashboard.py`` on a free localhost port, in its own session, stopped by
its PID; Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright.
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
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
STARTUP_S = 60
# What a person sees: a laptop-sized window.
VIEWPORT = {"width": 1440, "height": 900}
# The page is done when Streamlit's "running" widget is gone and no chart is still being laid out.
PROBLEMS = "[data-testid='stException'], [data-testid='stAlertContentError']"


class ServerError(RuntimeError):
    """The dashboard server did not start; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServerError(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise ServerError(f"streamlit did not answer /_stcore/health within {STARTUP_S} s:\n{log.read_text()[-3000:]}")


@contextmanager
def dashboard(log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port; yields its URL and stops it by its PID."""
    port = free_port()
    environ = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=environ, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and nothing else
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


OBSERVER = """
window.__mutations = 0; window.__lastMutation = performance.now();
new MutationObserver(() => { window.__mutations += 1; window.__lastMutation = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


def new_page(chromium, viewport: dict[str, int] | None = None):
    """A page that counts DOM changes, so :func:`wait_settled` knows when drawing has stopped."""
    page = chromium.new_page(viewport=viewport or VIEWPORT)
    page.add_init_script(OBSERVER)
    return page


def mutations(page) -> int:
    """How many DOM changes the page has seen: pass it to :func:`wait_settled` before an action."""
    return int(page.evaluate("window.__mutations || 0"))


def wait_settled(page, since: int = -1, timeout_ms: int = 240_000, quiet_ms: int = 300) -> None:
    """Wait until the page changed (more than ``since`` DOM changes), Streamlit has finished its run,
    every plotly chart holds its SVG, and nothing has changed for ``quiet_ms``."""
    page.wait_for_function(
        """([since, quiet]) => {
            if (window.__mutations <= since) return false;
            const busy = document.querySelector('[data-testid="stStatusWidget"]')
                || document.querySelector('[data-stale="true"]')
                || [...document.querySelectorAll('.js-plotly-plot')].some(p => !p.querySelector('.main-svg'));
            return !busy && performance.now() - window.__lastMutation >= quiet;
        }""", arg=[since, quiet_ms], timeout=timeout_ms, polling=50)
