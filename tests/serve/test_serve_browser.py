"""The preview in headless Chromium: the page reloads by itself, shows a broken save's errors, then clears them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import BRIDGE_URL, Server, article

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the test extras install it
    sync_playwright = None


@pytest.fixture
def page() -> Iterator[Page]:
    if sync_playwright is None or not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Playwright and Chromium are needed in CI (scripts/test.sh installs them)")
        pytest.skip("Playwright or Chromium is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_a_page_reloads_shows_errors_and_clears_them(server: Server, site: Path, page: Page) -> None:
    connected: list[str] = []
    page.on(
        "console", lambda message: connected.append(message.text) if "LiveReload connected" in message.text else None
    )
    page.goto(f"http://127.0.0.1:{server.port}{BRIDGE_URL}")
    expect(page.locator("h1")).to_contain_text("Bridge reopens after repairs")
    # livereload.js found the server from the injected script and completed the handshake.
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol === 7")

    source = site / "content/articles/bridge.md"
    source.write_text(article("Bridge reopens after repairs").replace("section: news", "section: <i>wrold</i>"))
    overlay = page.locator("#newsgen-serve-errors")
    expect(overlay).to_be_visible(timeout=30_000)
    expect(overlay).to_contain_text("bridge.md:")
    expect(overlay).to_contain_text("unknown section '<i>wrold</i>'")  # shown as text, not markup
    expect(page.locator("h1")).to_contain_text("Bridge reopens after repairs")  # the last good page

    source.write_text(article("Bridge reopens to traffic"))
    expect(page.locator("h1")).to_contain_text("Bridge reopens to traffic", timeout=30_000)
    expect(overlay).to_have_count(0)
