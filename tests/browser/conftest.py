"""The demo site, built into a temporary folder, served over HTTP on 127.0.0.1 and opened in headless Chromium.

One browser per test session. Every request to a host other than 127.0.0.1 (the ad network above all) is
blocked in the page, never sent; the ad script can instead be answered with a stand-in that fills each slot
with a box of the slot's configured size. A cookie ``newsgen-slow=1`` makes the server stream an HTML page's
head and masthead, stall, then send the rest, so the first paint can be inspected before the body arrives.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from newsgen.config import load_config

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
NODE_MODULES = REPO / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The build's clock: after every demo article, before the embargoed one.
BUILD_EPOCH = "1795759200"  # 2026-11-27T06:00:00Z
SLOW_COOKIE = "newsgen-slow"
SLOW_SECONDS = 1.0
# Every page type of the theme; the Urdu article is the right-to-left one.
PAGE_TYPES = ["front", "section", "article", "urdu article", "tag", "author", "day", "page", "404"]

# An article of our own beside the demo's, with what the theme must cope with: a lead image, sub-sections,
# a quotation, enough paragraphs for the in-article ad, and words and a URL too long for a phone's line.
FIXTURE_ARTICLE_URL = "/city/2026/11/25/a-very-long-word-walks-into-the-city/"
LONG_WORD = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogochvalleyledgercorrespondent"
LONG_URL = "https://ledger.example.org/archive/" + "very-long-unbroken-path-segment-" * 4 + "end"
FIXTURE_ARTICLE = f"""---
title: A very long word walks into the city
date: 2026-11-25T11:00:00+05:00
byline: Sana Mirza
section: city
tags: [transport]
summary: The council's new signs name a Welsh village in full, and the web address on them runs on.
location: MIRANPUR
image: /media/2026/bus-line.svg
image_alt: A green city bus on a road below the hills
image_caption: The new signs hang at every Route 7 stop.
---
The council put up new signs at the Route 7 stops this week. One of them names {LONG_WORD} in full.

The signs also carry a web address for timetables: [{LONG_URL}]({LONG_URL}).

Riders said the address was too long to type on a phone, and asked for a shorter one.

## What the council said

> We will print a short link on the next batch of signs.

A spokesperson said the new signs cost less than the old ones.

## What riders said

Most riders said they read the timetable at the stop rather than online.
"""


def require(condition: bool, what: str) -> None:
    """Skip when a tool is missing on a developer's machine; fail in CI, where everything must be there."""
    if condition:
        return
    message = f"{what} is missing (bash scripts/test.sh installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass(frozen=True, slots=True)
class BuiltSite:
    root: Path
    out: Path
    ad_sizes: dict[str, tuple[int, int]]  # data-ad-slot id → (width, height), from newsgen.yaml

    def url_of(self, html_file: Path) -> str:
        relative = html_file.relative_to(self.out).as_posix()
        return "/" + relative.removesuffix("index.html")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = tmp_path_factory.mktemp("demo")
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "newsgen.yaml", root / "newsgen.yaml")
    (root / "content" / "articles" / "a-very-long-word-walks-into-the-city.md").write_text(FIXTURE_ARTICLE)
    out = tmp_path_factory.mktemp("public") / "site"
    env = {**os.environ, "SOURCE_DATE_EPOCH": BUILD_EPOCH}
    subprocess.run([sys.executable, "-m", "newsgen", "build", str(root), "--out", str(out)], check=True, env=env)
    config = load_config(root)
    sizes = {slot.slot: (slot.width, slot.height) for slot in config.ads.slots}
    return BuiltSite(root, out, sizes)


@pytest.fixture(scope="session")
def page_types(site: BuiltSite, urdu_article: str) -> dict[str, str]:
    """One URL of every page type the theme has."""

    def first(pattern: str) -> str:
        matches = sorted(site.out.glob(pattern))
        assert matches, f"the demo build has no {pattern}"
        return site.url_of(matches[0])

    return {
        "front": "/",
        "section": "/city/",
        "article": FIXTURE_ARTICLE_URL,
        "urdu article": urdu_article,
        "tag": first("tags/*/index.html"),
        "author": first("authors/*/index.html"),
        "day": first("archive/*/*/*/index.html"),
        "page": "/about/",
        "404": "/404.html",
    }


@pytest.fixture(scope="session")
def urdu_article(site: BuiltSite) -> str:
    for html in sorted(site.out.rglob("index.html")):
        if '<article class="article" lang="ur" dir="rtl"' in html.read_text():
            return site.url_of(html)
    raise AssertionError("the demo site has no Urdu right-to-left article")


class SiteHandler(SimpleHTTPRequestHandler):
    """Serves the built site; with the slow cookie, an HTML page stalls after its masthead."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def copyfile(self, source: Any, outputfile: Any) -> None:
        slow = f"{SLOW_COOKIE}=1" in (self.headers.get("Cookie") or "")
        if not (slow and self.path.split("?")[0].endswith(("/", ".html"))):
            super().copyfile(source, outputfile)
            return
        data = source.read()
        cut = data.find(b"<main")
        outputfile.write(data[:cut])
        outputfile.flush()
        time.sleep(SLOW_SECONDS)
        outputfile.write(data[cut:])


@pytest.fixture(scope="session")
def base_url(site: BuiltSite) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SiteHandler, directory=str(site.out)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


def ad_stand_in(sizes: dict[str, tuple[int, int]]) -> str:
    """A script in place of the ad network's: half a second after load, each slot gets a box of its configured size.

    Filling after load, when the page has certainly been painted, is the case that would shift an unreserved page.
    """
    return (
        "(function(){var sizes=" + json.dumps(sizes) + ";function fill(){"
        "document.querySelectorAll('ins.adsbygoogle').forEach(function(ins){"
        "var size=sizes[ins.getAttribute('data-ad-slot')];var box=document.createElement('div');"
        "box.className='test-ad';box.style.cssText='width:'+size[0]+'px;height:'+size[1]+'px;background:#c0392b';"
        "ins.appendChild(box);ins.setAttribute('data-ad-status','filled');});}"
        "function later(){setTimeout(fill,500);}"
        "if(document.readyState==='complete'){later();}else{addEventListener('load',later);}})();"
    )


@dataclass
class Tab:
    """A browser context and its page, with the requests the page tried to send off 127.0.0.1."""

    context: BrowserContext
    page: Page
    ads: str = "empty"
    blocked: list[str] = field(default_factory=list)

    def go(self, base_url: str, path: str, **options: Any) -> None:
        self.page.goto(base_url + path, **options)


def open_tab(
    browser: Browser,
    site: BuiltSite,
    *,
    color_scheme: str = "light",
    width: int = 1280,
    height: int = 900,
    ads: str = "empty",
    init_scripts: tuple[str, ...] = (),
) -> Tab:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=color_scheme,  # type: ignore[arg-type]
        device_scale_factor=1,
        service_workers="block",
    )
    for script in init_scripts:
        context.add_init_script(script)
    tab = Tab(context, context.new_page(), ads)
    stand_in = ad_stand_in(site.ad_sizes)

    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith("http://127.0.0.1:"):
            route.continue_()
            return
        tab.blocked.append(url)
        if ads == "filled" and "/pagead/js/adsbygoogle.js" in url:
            route.fulfill(status=200, content_type="text/javascript", body=stand_in)
        else:
            route.abort()

    context.route("**/*", route)
    return tab


@pytest.fixture
def tab_factory(browser: Browser, site: BuiltSite) -> Iterator[Callable[..., Tab]]:
    tabs: list[Tab] = []

    def make(**options: Any) -> Tab:
        tab = open_tab(browser, site, **options)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.context.close()


@pytest.fixture(scope="module")
def light_tab(browser: Browser, site: BuiltSite) -> Iterator[Tab]:
    tab = open_tab(browser, site, color_scheme="light")
    yield tab
    tab.context.close()


@pytest.fixture(scope="module")
def dark_tab(browser: Browser, site: BuiltSite) -> Iterator[Tab]:
    tab = open_tab(browser, site, color_scheme="dark")
    yield tab
    tab.context.close()


def pixel(page: Page, x: int, y: int) -> tuple[int, int, int]:
    """The colour painted at (x, y) now, read from a screenshot."""
    png = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1}, animations="disabled", timeout=5000)
    red, green, blue = Image.open(BytesIO(png)).convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    return int(red), int(green), int(blue)


def luminance(colour: tuple[int, int, int]) -> float:
    return sum(colour) / (3 * 255)
