"""newsgen serve in headless Chromium: the page reloads by itself, shows a broken save's errors, then clears them."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.serve.conftest import BRIDGE_URL, article, start_server, write_site


def test_a_preview_reloads_shows_errors_and_clears_them(browser: Browser, tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    server = start_server(site)
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{server.port}{BRIDGE_URL}")
        expect(page.locator("h1")).to_contain_text("Bridge reopens after repairs")
        # livereload.js found the server from the injected script and completed the handshake.
        page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol === 7")

        source = site / "content/articles/bridge.md"
        source.write_text(article("Bridge reopens after repairs").replace("section: news", "section: <i>wrold</i>"))
        overlay = page.locator("#newsgen-serve-errors")
        expect(overlay).to_be_visible(timeout=30_000)
        expect(overlay).to_contain_text(f"{source}:5: unknown section '<i>wrold</i>'")  # as text, not markup
        expect(page.locator("h1")).to_contain_text("Bridge reopens after repairs")  # the last good page

        source.write_text(article("Bridge reopens to traffic"))
        expect(page.locator("h1")).to_contain_text("Bridge reopens to traffic", timeout=30_000)
        expect(overlay).to_have_count(0)
    finally:
        page.close()
        server.stop()
