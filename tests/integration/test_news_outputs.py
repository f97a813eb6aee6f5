"""Whole builds of a small site through the command line: feeds, sitemaps, robots.txt, ads.txt, article
metadata, JSON-LD, embargoes and drafts, --base-url; every output parsed with a real parser."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
import yaml
from lxml import etree

from newsgen.cli import main

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 17:00 in Asia/Karachi
BASE = "https://ledger.example.org/"
PREVIEW = "https://preview-42.example.net/ledger/"
HOSTILE_TITLE = "Budget </script><!-- & \"quoted\" 'single' <b>x</b> ]]> \x01\x0b end"
SITEMAP_NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}

CONFIG = {
    "title": "The Test Ledger",
    "tagline": "News & views",
    "base_url": BASE,
    "language": "en",
    "timezone": "Asia/Karachi",
    "logo": "/logo.svg",
    "per_page": 2,  # so fronts, sections and authors have several pages
    "sections": [{"key": "city", "title": "City"}, {"key": "sport", "title": "Sport"}],
    "ads": {"enabled": False, "ads_txt": ["google.com, pub-0000000000000000, DIRECT, f08c47fec0942fa0"]},
}
ARTICLES: dict[str, dict[str, object]] = {
    "bus-line": {
        "title": "Route 7 bus line opens",
        "date": "2026-11-26T08:15:00+05:00",
        "byline": ["Sana Mirza", "Omar Siddiqui"],
        "section": "city",
        "tags": ["transport", "buses"],
        "summary": "Twelve new buses now run every ten minutes.",
        "image": "/media/bus.svg",
        "image_alt": "A green bus",
        "updated": "2026-11-26T10:00:00+05:00",
        "corrections": [{"date": "2026-11-26", "text": "An earlier version misstated the fare."}],
    },
    "hostile": {
        "title": HOSTILE_TITLE,
        "date": "2026-11-25T09:00:00+05:00",
        "byline": "Tariq Mehmood",
        "section": "sport",
        "tags": ['<script>alert("x")</script>', "a & b"],
        "summary": "A summary with </script> and <!-- and & in it.",
    },
    "old-story": {
        "title": "Council meets",
        "date": "2026-11-20T09:00:00+05:00",
        "byline": "Sana Mirza",
        "section": "city",
    },
    "urdu": {
        "title": "کتاب میلہ ختم",
        "date": "2026-11-24T09:00:00+05:00",
        "byline": "Sana Mirza",
        "section": "city",
        "lang": "ur",
        "dir": "rtl",
    },
    "border-talks": {
        "title": "Border talks to resume",
        "date": "2026-11-27T06:00:00+05:00",
        "byline": "Sana Mirza",
        "section": "city",
    },
    "later-embargo": {
        "title": "Budget day",
        "date": "2026-12-01T09:00:00+05:00",
        "byline": "Sana Mirza",
        "section": "city",
    },
    "secret-draft": {
        "title": "Unfinished piece",
        "date": "2026-11-26T07:00:00+05:00",
        "byline": "Sana Mirza",
        "section": "city",
        "draft": True,
    },
}
BODY = "Read [the timetable](/timetables/route-7/) and [our notes](notes/).\n\n## Fares\n\n![Map](/media/map.png)\n"


def write_site(root: Path, config: dict[str, object] | None = None) -> Path:
    """A fixture site in ``root``: newsgen.yaml, the articles above, one page and one static file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "newsgen.yaml").write_text(yaml.safe_dump(config or CONFIG, allow_unicode=True), encoding="utf-8")
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    for slug, front in ARTICLES.items():
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + BODY
        (articles / f"{slug}.md").write_text(text, encoding="utf-8")
    pages = root / "content" / "pages"
    pages.mkdir()
    (pages / "about.md").write_text("---\ntitle: About us\n---\nWho we are.\n", encoding="utf-8")
    (root / "static").mkdir()
    (root / "static" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return root


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    return main(list(args))


class HeadParser(HTMLParser):
    """The <head> facts a crawler reads: meta tags, links and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: list[tuple[str, str]] = []
        self.links: list[dict[str, str]] = []
        self.json_ld: list[str] = []
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and "content" in values:
            self.meta.append((values.get("property") or values.get("name") or "", values["content"]))
        elif tag == "link":
            self.links.append(values)
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in = "json"
            self.json_ld.append("")
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "json":
            self.json_ld[-1] += data
        elif self._in == "title":
            self.title += data

    def one(self, name: str) -> str:
        values = [content for key, content in self.meta if key == name]
        assert len(values) == 1, (name, values)
        return values[0]

    def all(self, name: str) -> list[str]:
        return [content for key, content in self.meta if key == name]


def head(path: Path) -> HeadParser:
    parser = HeadParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(out: Path) -> list[Path]:
    return sorted(path for path in out.rglob("*.html") if path.name != "404.html")


def page_url(out: Path, path: Path, base: str = BASE) -> str:
    relative = path.relative_to(out).as_posix()
    return base + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)


def sitemap_urls(out: Path) -> dict[str, str | None]:
    root = etree.parse(str(out / "sitemap.xml")).getroot()
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext("s:lastmod", namespaces=SITEMAP_NS) for url in root
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("news") / "site")
    patch = pytest.MonkeyPatch()
    try:
        assert run(patch, "build", str(site)) == 0
    finally:
        patch.undo()
    return site / "public"


def test_sitemap_lists_exactly_the_public_html_pages(built: Path) -> None:
    listed = sitemap_urls(built)
    pages = {page_url(built, path) for path in html_pages(built)}
    assert set(listed) == pages
    assert listed[BASE + "city/2026/11/26/bus-line/"] == "2026-11-26T10:00:00+05:00"
    assert listed[BASE] == "2026-11-26T10:00:00+05:00"
    assert listed[BASE + "sport/"] == "2026-11-25T09:00:00+05:00"
    assert listed[BASE + "about/"] is None
    assert BASE + "authors/sana-mirza/page/2/" in listed and BASE + "page/2/" in listed  # pagination is covered
    assert not any("secret-draft" in url or "border-talks" in url for url in listed)


def test_news_sitemap_holds_the_last_two_days(built: Path) -> None:
    root = etree.parse(str(built / "news-sitemap.xml")).getroot()
    found = {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext("news:news/news:title", namespaces=SITEMAP_NS)
        for url in root
    }
    assert found == {
        BASE + "city/2026/11/26/bus-line/": "Route 7 bus line opens",
        BASE + "sport/2026/11/25/hostile/": HOSTILE_TITLE.replace("\x01", "").replace("\x0b", ""),
    }
    dates = root.findall("s:url/news:news/news:publication_date", SITEMAP_NS)
    assert [date.text for date in dates] == ["2026-11-26T08:15:00+05:00", "2026-11-25T09:00:00+05:00"]


def test_robots_and_ads_txt(built: Path) -> None:
    assert (built / "robots.txt").read_text().splitlines()[-2:] == [
        f"Sitemap: {BASE}sitemap.xml",
        f"Sitemap: {BASE}news-sitemap.xml",
    ]
    assert (built / "ads.txt").read_text() == "google.com, pub-0000000000000000, DIRECT, f08c47fec0942fa0\n"


def test_every_feed_parses_and_every_page_links_its_feeds(built: Path) -> None:
    feeds = sorted(path.relative_to(built).as_posix() for path in built.rglob("feed.xml"))
    assert feeds == [
        "authors/omar-siddiqui/feed.xml",
        "authors/sana-mirza/feed.xml",
        "authors/tariq-mehmood/feed.xml",
        "city/feed.xml",
        "feed.xml",
        "sport/feed.xml",
    ]
    for feed in feeds:
        parsed = feedparser.parse((built / feed).read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        assert parsed.feed.id == BASE + feed
    site = feedparser.parse((built / "feed.xml").read_bytes())
    assert [entry.id for entry in site.entries] == [
        BASE + "city/2026/11/26/bus-line/",
        BASE + "sport/2026/11/25/hostile/",
        BASE + "city/2026/11/24/urdu/",
        BASE + "city/2026/11/20/old-story/",
    ]
    assert site.entries[1].title == HOSTILE_TITLE.replace("\x01", "").replace("\x0b", "")
    content = site.entries[0].content[0].value
    assert f'href="{BASE}timetables/route-7/"' in content
    assert f'href="{BASE}city/2026/11/26/bus-line/notes/"' in content
    assert f'src="{BASE}media/map.png"' in content

    for path in [*html_pages(built), built / "404.html"]:
        alternates = [link for link in head(path).links if link.get("type") == "application/atom+xml"]
        assert {
            "rel": "alternate",
            "type": "application/atom+xml",
            "title": "The Test Ledger",
            "href": BASE + "feed.xml",
        } in alternates, path
        for link in alternates:
            assert link["rel"] == "alternate"
            assert (built / link["href"].removeprefix(BASE)).is_file(), (path, link)
    section_feeds = [
        link["href"]
        for link in head(built / "sport" / "index.html").links
        if link.get("type") == "application/atom+xml"
    ]
    assert section_feeds == [BASE + "feed.xml", BASE + "sport/feed.xml"]


def test_article_head_carries_canonical_open_graph_and_twitter_card(built: Path) -> None:
    page = head(built / "city/2026/11/26/bus-line/index.html")
    url = BASE + "city/2026/11/26/bus-line/"
    assert {"rel": "canonical", "href": url} in page.links
    assert page.one("description") == "Twelve new buses now run every ten minutes."
    assert page.one("og:type") == "article"
    assert page.one("og:title") == "Route 7 bus line opens"
    assert page.one("og:url") == url
    assert page.one("og:description") == "Twelve new buses now run every ten minutes."
    assert page.one("og:image") == BASE + "media/bus.svg"
    assert page.one("og:image:alt") == "A green bus"
    assert page.one("og:site_name") == "The Test Ledger"
    assert page.one("og:locale") == "en"
    assert page.one("article:published_time") == "2026-11-26T08:15:00+05:00"
    assert page.one("article:modified_time") == "2026-11-26T10:00:00+05:00"
    assert page.one("article:section") == "City"
    assert page.all("article:tag") == ["transport", "buses"]
    assert page.one("twitter:card") == "summary_large_image"
    assert page.one("twitter:image") == BASE + "media/bus.svg"

    plain = head(built / "city/2026/11/20/old-story/index.html")
    assert plain.one("twitter:card") == "summary"
    assert plain.all("og:image") == [] and plain.all("og:image:alt") == []
    assert head(built / "city/2026/11/24/urdu/index.html").one("og:locale") == "ur"

    for other in ("index.html", "city/index.html", "about/index.html", "authors/sana-mirza/index.html"):
        parsed = head(built / other)
        assert [link["href"] for link in parsed.links if link.get("rel") == "canonical"] == [
            page_url(built, built / other)
        ]
        assert parsed.title and parsed.one("description")


def test_json_ld_news_article(built: Path) -> None:
    (block,) = head(built / "city/2026/11/26/bus-line/index.html").json_ld
    data = json.loads(block)
    url = BASE + "city/2026/11/26/bus-line/"
    assert data == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Route 7 bus line opens",
        "description": "Twelve new buses now run every ten minutes.",
        "datePublished": "2026-11-26T08:15:00+05:00",
        "dateModified": "2026-11-26T10:00:00+05:00",
        "author": [
            {"@type": "Person", "name": "Sana Mirza", "url": BASE + "authors/sana-mirza/"},
            {"@type": "Person", "name": "Omar Siddiqui", "url": BASE + "authors/omar-siddiqui/"},
        ],
        "publisher": {
            "@type": "Organization",
            "name": "The Test Ledger",
            "url": BASE,
            "logo": {"@type": "ImageObject", "url": BASE + "logo.svg"},
        },
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "articleSection": "City",
        "keywords": ["transport", "buses"],
        "inLanguage": "en",
        "image": [BASE + "media/bus.svg"],
        "correction": [
            {
                "@type": "CorrectionComment",
                "text": "An earlier version misstated the fare.",
                "datePublished": "2026-11-26",
            }
        ],
    }
    (urdu,) = head(built / "city/2026/11/24/urdu/index.html").json_ld
    assert json.loads(urdu)["inLanguage"] == "ur"


def test_hostile_title_cannot_break_out_of_any_output(built: Path) -> None:
    path = built / "sport/2026/11/25/hostile/index.html"
    html = path.read_text(encoding="utf-8")
    page = head(path)
    (block,) = page.json_ld
    assert "</script" not in block.lower() and "<!--" not in block and "&" not in block
    data = json.loads(block)
    # Control characters are dropped when the front-matter is read, so every output carries the same title.
    assert data["headline"] == HOSTILE_TITLE.replace("\x01", "").replace("\x0b", "")
    assert data["keywords"] == ['<script>alert("x")</script>', "a & b"]
    assert data["description"] == "A summary with </script> and <!-- and & in it."
    assert page.one("og:title") == HOSTILE_TITLE.replace("\x01", "").replace("\x0b", "")
    assert page.all("article:tag") == ['<script>alert("x")</script>', "a & b"]
    assert html.count("<script") == html.count("</script>")  # no tag was opened or closed by the content
    for feed in ("feed.xml", "sport/feed.xml", "authors/tariq-mehmood/feed.xml"):
        etree.parse(str(built / feed))
        assert not feedparser.parse((built / feed).read_bytes()).bozo
    etree.parse(str(built / "sitemap.xml"))
    etree.parse(str(built / "news-sitemap.xml"))


def test_build_reports_embargoes_and_next_due_prints_only_the_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(tmp_path / "site")
    assert run(monkeypatch, "build", str(site), "--next-due") == 0
    assert capsys.readouterr() == ("2026-11-27T06:00:00+05:00\n", "")
    assert not (site / "public").exists()

    assert run(monkeypatch, "build", str(site)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "2 embargoed articles left out; next embargo lifts 2026-11-27T06:00:00+05:00 (border-talks)"
    pages = len(list((site / "public").rglob("*.html")))
    assert lines[0].startswith(f"built {pages} pages (")  # feeds and sitemaps are files, not pages

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2026, 11, 27, 1, 0, tzinfo=UTC).timestamp())))
    assert main(["build", str(site), "--next-due"]) == 0
    assert capsys.readouterr().out == "2026-12-01T09:00:00+05:00\n"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2026, 12, 2, tzinfo=UTC).timestamp())))
    assert main(["build", str(site), "--next-due"]) == 0
    assert capsys.readouterr() == ("", "")


def test_future_and_drafts_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site")
    out = tmp_path / "preview"
    assert run(monkeypatch, "build", str(site), "--out", str(out), "--future", "--drafts") == 0
    future = out / "city/2026/11/27/border-talks/index.html"
    assert future.is_file()
    assert BASE + "city/2026/11/27/border-talks/" in sitemap_urls(out)
    ids = [entry.id for entry in feedparser.parse((out / "feed.xml").read_bytes()).entries]
    assert ids[0] == BASE + "city/2026/12/01/later-embargo/"

    draft = out / "city/2026/11/26/secret-draft/index.html"
    html = draft.read_text(encoding="utf-8")
    assert "Draft" in html and 'class="banner banner-draft"' in html
    assert head(draft).one("robots") == "noindex"
    assert not any("secret-draft" in url for url in sitemap_urls(out))
    assert all("secret-draft" not in entry_id for entry_id in ids)
    news = (out / "news-sitemap.xml").read_text(encoding="utf-8")
    assert "secret-draft" not in news and "border-talks" not in news


def test_base_url_override_reaches_every_absolute_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site")
    out = tmp_path / "preview"
    assert run(monkeypatch, "build", str(site), "--out", str(out), "--base-url", PREVIEW) == 0
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".txt"):
            assert "ledger.example.org" not in path.read_text(encoding="utf-8"), path
    assert f"Sitemap: {PREVIEW}sitemap.xml" in (out / "robots.txt").read_text()
    assert set(sitemap_urls(out)) == {page_url(out, path, PREVIEW) for path in html_pages(out)}
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.feed.id == PREVIEW + "feed.xml"
    assert feed.entries[0].id == PREVIEW + "city/2026/11/26/bus-line/"
    assert f'href="{PREVIEW}timetables/route-7/"' in feed.entries[0].content[0].value
    page = head(out / "city/2026/11/26/bus-line/index.html")
    assert {"rel": "canonical", "href": PREVIEW + "city/2026/11/26/bus-line/"} in page.links
    assert page.one("og:url") == PREVIEW + "city/2026/11/26/bus-line/"
    data = json.loads(page.json_ld[0])
    assert data["mainEntityOfPage"]["@id"] == PREVIEW + "city/2026/11/26/bus-line/"
    assert data["author"][0]["url"] == PREVIEW + "authors/sana-mirza/"


def test_robots_and_ads_txt_can_be_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = {**CONFIG, "robots_txt": False, "ads": {"enabled": False}}
    site = write_site(tmp_path / "site", config)
    assert run(monkeypatch, "build", str(site)) == 0
    out = site / "public"
    assert not (out / "robots.txt").exists() and not (out / "ads.txt").exists()
    assert (out / "sitemap.xml").is_file() and (out / "news-sitemap.xml").is_file()


def test_builds_at_one_source_date_epoch_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site")
    first, second = tmp_path / "first", tmp_path / "second"
    assert run(monkeypatch, "build", str(site), "--out", str(first)) == 0
    assert run(monkeypatch, "build", str(site), "--out", str(second)) == 0
    names = sorted(path.relative_to(first).as_posix() for path in first.rglob("*") if path.is_file())
    assert names == sorted(path.relative_to(second).as_posix() for path in second.rglob("*") if path.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert os.path.getsize(first / "feed.xml") > 0
