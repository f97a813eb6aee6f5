"""Weight, caching and valid markup: the article page's own bytes, fingerprinted assets, nothing else blocking
render, and the Nu Html Checker's verdict on every page type."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import VNU_JAR, BuiltSite, Tab, require

pytestmark = pytest.mark.browser

BUDGET = 30 * 1024
FINGERPRINTED = re.compile(r"^/assets/(?P<stem>[\w-]+)\.(?P<hash>[0-9a-f]{10})\.(?P<ext>css|js|svg)$")


class HeadParser(HTMLParser):
    """The <head>'s stylesheets and scripts, and every same-site CSS and JS file the page refers to."""

    def __init__(self) -> None:
        super().__init__()
        self.in_head = True
        self.in_script = False
        self.stylesheets: list[str] = []
        self.blocking_scripts: list[str] = []  # src, or the inline code
        self.own_assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "body":
            self.in_head = False
        if tag == "link" and values.get("rel") == "stylesheet":
            self.stylesheets.append(values["href"] or "")
            self.own_assets.append(values["href"] or "")
        if tag == "script":
            if values.get("type") not in (None, "", "text/javascript", "module"):
                return  # data such as JSON-LD is never run, so never blocks
            src = values.get("src")
            if src and not src.startswith("http"):
                self.own_assets.append(src)
            if self.in_head and "async" not in values and "defer" not in values and values.get("type") != "module":
                self.blocking_scripts.append(src or "")
            self.in_script = src is None

    def handle_data(self, data: str) -> None:
        if self.in_script and self.in_head and self.blocking_scripts and self.blocking_scripts[-1] == "":
            self.blocking_scripts[-1] = data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False


def parse(html_file: Path) -> HeadParser:
    parser = HeadParser()
    parser.feed(html_file.read_text())
    return parser


def article_files(site: BuiltSite) -> list[Path]:
    return [path for path in site.out.rglob("index.html") if 'class="article"' in path.read_text()]


def test_each_article_page_weighs_under_30_kb_before_images_and_ads(site: BuiltSite) -> None:
    articles = article_files(site)
    assert len(articles) > 10
    weights = {}
    for html_file in articles:
        assets = parse(html_file).own_assets
        assert len(assets) == 2  # the stylesheet and the script
        weights[html_file] = html_file.stat().st_size + sum(
            (site.out / asset.lstrip("/")).stat().st_size for asset in assets
        )
    heaviest = max(weights, key=weights.__getitem__)
    assert weights[heaviest] < BUDGET, (heaviest, weights[heaviest])


def test_css_and_js_are_named_by_a_hash_of_their_content(site: BuiltSite, page_types: dict[str, str]) -> None:
    article = site.out / page_types["article"].lstrip("/") / "index.html"
    assets = parse(article).own_assets
    assert {Path(asset).suffix for asset in assets} == {".css", ".js"}
    for asset in assets:
        match = FINGERPRINTED.match(asset)
        assert match, asset
        digest = hashlib.sha256((site.out / asset.lstrip("/")).read_bytes()).hexdigest()
        assert digest.startswith(match["hash"])


def test_only_the_stylesheet_and_the_tiny_theme_script_block_rendering(
    site: BuiltSite, page_types: dict[str, str], light_tab: Tab, base_url: str
) -> None:
    for page_type, url in page_types.items():
        html_file = site.out / (url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/"))
        head = parse(html_file)
        assert len(head.stylesheets) == 1, page_type
        assert len(head.blocking_scripts) == 1, (page_type, head.blocking_scripts)
        boot = head.blocking_scripts[0]
        assert boot and len(boot.encode()) < 512, "the one blocking script is the inline theme boot"
    # Chromium agrees: of everything fetched, only the stylesheet held up the first render.
    light_tab.go(base_url, page_types["article"])
    blocking = light_tab.page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter(e => e.renderBlockingStatus === 'blocking').map(e => new URL(e.name).pathname)"
    )
    assert len(blocking) == 1 and blocking[0].endswith(".css"), blocking


def test_every_page_type_passes_the_nu_html_checker(
    site: BuiltSite, page_types: dict[str, str], tmp_path: Path
) -> None:
    require(VNU_JAR.exists(), "vnu-jar (npm ci)")
    require(shutil.which("java") is not None, "Java (default-jre-headless)")
    files = [
        site.out / (url.lstrip("/") + "index.html" if url.endswith("/") else url.lstrip("/"))
        for url in [*page_types.values(), "/page/2/"]
    ]
    # A broken page checked in the same run (Java starts once) shows the checker does report errors.
    broken = tmp_path / "broken.html"
    broken.write_text('<!doctype html><html lang="en"><title>x</title><p><div bogus=1>x</p></html>')
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, [*files, broken])],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert any(message["url"].endswith("/broken.html") for message in messages)
    assert [message for message in messages if not message["url"].endswith("/broken.html")] == []
