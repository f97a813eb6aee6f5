"""Writes docs/screenshots/article-{light,dark,phone}.png: the demo site's article page in headless Chromium.

Usage: .venv/bin/python scripts/screenshots.py  (needs /usr/bin/chromium; third-party requests are blocked)
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

from playwright.sync_api import Route, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARTICLE = "/city/2026/11/24/route-7-bus-line-opens/"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--font-render-hinting=none",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def block_third_party(route: Route) -> None:
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.abort()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "public"
        # A fixed build time keeps the masthead's edition date, and so the images, the same from run to run.
        env = {"SOURCE_DATE_EPOCH": "1795759200", "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-m", "newsgen", "build", str(ROOT), "--out", str(site)], check=True, env=env)
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}{ARTICLE}"
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                shots: list[tuple[str, Literal["light", "dark"], ViewportSize]] = [
                    ("article-light.png", "light", {"width": 1280, "height": 1800}),
                    ("article-dark.png", "dark", {"width": 1280, "height": 1800}),
                    ("article-phone.png", "light", {"width": 375, "height": 1300}),
                ]
                for name, scheme, viewport in shots:
                    page = browser.new_page(viewport=viewport, color_scheme=scheme, device_scale_factor=1)
                    page.route("**/*", block_third_party)
                    page.goto(url, wait_until="load")
                    page.screenshot(path=str(OUT / name))
                    page.close()
                    print(f"wrote {(OUT / name).relative_to(ROOT)}")
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
