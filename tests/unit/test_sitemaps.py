"""Sitemaps, the Google News sitemap, robots.txt and ads.txt, parsed back with lxml."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from newsgen.sitemaps import (
    NEWS,
    SITEMAP,
    SitemapEntry,
    ads_txt,
    news_language,
    news_sitemap,
    robots_txt,
    sitemap_entries,
    sitemap_files,
)
from tests.news_helpers import HOSTILE, NOW, make_article, make_config, make_index

NS = {"s": SITEMAP, "news": NEWS}


def urls(data: bytes) -> dict[str, str | None]:
    root = etree.fromstring(data)
    assert root.tag == f"{{{SITEMAP}}}urlset"
    return {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS) for url in root}


def test_sitemap_lists_every_public_page_with_the_newest_date_it_shows() -> None:
    config = make_config(per_page=2)
    stories = [
        make_article(config, "one", date="2026-11-18T08:00:00+05:00", tags=["Water"]),
        make_article(config, "two", date="2026-11-19T08:00:00+05:00", updated="2026-11-25T09:00:00+05:00"),
        make_article(config, "three", date="2026-11-20T08:00:00+05:00", section="sport", tags=["Water"]),
        make_article(config, "draft", date="2026-11-21T08:00:00+05:00", draft=True),
    ]
    entries = sitemap_entries(make_index(config, stories), config)
    (file,) = sitemap_files(entries, config.base_url)
    assert file.path == "sitemap.xml"
    base = "https://news.example.org"
    assert urls(file.data) == {
        f"{base}/": "2026-11-25T09:00:00+05:00",
        f"{base}/page/2/": "2026-11-18T08:00:00+05:00",
        f"{base}/city/2026/11/18/one/": "2026-11-18T08:00:00+05:00",
        f"{base}/city/2026/11/19/two/": "2026-11-25T09:00:00+05:00",
        f"{base}/sport/2026/11/20/three/": "2026-11-20T08:00:00+05:00",
        f"{base}/city/": "2026-11-25T09:00:00+05:00",
        f"{base}/sport/": "2026-11-20T08:00:00+05:00",
        f"{base}/tags/water/": "2026-11-20T08:00:00+05:00",
        f"{base}/archive/2026/11/20/": "2026-11-20T08:00:00+05:00",
        f"{base}/archive/2026/11/19/": "2026-11-25T09:00:00+05:00",
        f"{base}/archive/2026/11/18/": "2026-11-18T08:00:00+05:00",
        f"{base}/authors/sana-mirza/": "2026-11-25T09:00:00+05:00",
        f"{base}/authors/sana-mirza/page/2/": "2026-11-18T08:00:00+05:00",
    }


def test_an_empty_section_is_listed_without_a_lastmod() -> None:
    config = make_config()
    entries = sitemap_entries(make_index(config, [make_article(config, "one")]), config)
    assert SitemapEntry("/sport/", None) in entries


def test_over_the_limit_the_sitemap_becomes_an_index_of_parts() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [SitemapEntry(f"/p/{number}/", start + timedelta(hours=number)) for number in range(50_001)]
    files = sitemap_files(entries, "https://news.example.org/")
    assert [file.path for file in files] == ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml"]
    index = etree.fromstring(files[0].data)
    assert index.tag == f"{{{SITEMAP}}}sitemapindex"
    assert [(item.findtext("s:loc", namespaces=NS), item.findtext("s:lastmod", namespaces=NS)) for item in index] == [
        ("https://news.example.org/sitemap-1.xml", (start + timedelta(hours=49_999)).isoformat()),
        ("https://news.example.org/sitemap-2.xml", (start + timedelta(hours=50_000)).isoformat()),
    ]
    assert len(urls(files[1].data)) == 50_000
    assert list(urls(files[2].data)) == ["https://news.example.org/p/50000/"]
    assert [file.path for file in sitemap_files(entries[:50_000], "https://news.example.org/")] == ["sitemap.xml"]


def relaid(data: bytes) -> bytes:
    """``data`` parsed and written again by lxml's pretty print, the layout the sitemaps keep byte for byte."""
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def test_sitemaps_are_written_byte_for_byte_as_lxml_prints_them() -> None:
    base = "https://news.example.org/"
    dated = datetime(2026, 11, 18, 8, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    # A full URL passes through unquoted: its characters reach the XML as they are.
    outside = 'https://elsewhere.example/?a=1&b=<2>&c="q"\r\x0b\ufffeخبر'
    entries = [SitemapEntry("/city/", dated), SitemapEntry(outside, dated), SitemapEntry("/سیاست & <b>/", None)]
    for limit in (3, 2, 1):
        for file in sitemap_files(entries, base, limit):
            assert file.data == relaid(file.data), file.path
    (file,) = sitemap_files(entries, base)
    assert list(urls(file.data)) == [
        f"{base}city/",
        'https://elsewhere.example/?a=1&b=<2>&c="q"\rخبر',
        f"{base}%D8%B3%DB%8C%D8%A7%D8%B3%D8%AA%20&%20%3Cb%3E/",
    ]
    assert b"&amp;b=&lt;2&gt;" in file.data and b"&#13;" in file.data
    # Site URLs with nothing to quote or escape are written as they are: the same bytes.
    plain = [SitemapEntry("/city/2026/11/18/a-b_c.d~e/", dated), SitemapEntry("/tags/x/page/2/", None)]
    (fast,) = sitemap_files(plain, base)
    (slow,) = sitemap_files([*plain, SitemapEntry("/&/", None)], base)
    assert fast.data == relaid(fast.data)
    assert slow.data.replace(b"  <url>\n    <loc>https://news.example.org/&amp;/</loc>\n  </url>\n", b"") == fast.data
    (empty,) = sitemap_files([], base)
    # lxml closes an empty root in its start tag (and keeps a blank text in it when parsing, so no relaying).
    assert empty.data == f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP}\"/>\n".encode()


def test_news_sitemap_keeps_the_two_days_before_now() -> None:
    config = make_config(language="en-GB")
    stories = [
        make_article(config, "too-old", date="2026-11-24T16:59:59+05:00"),  # 2 days and 1 s before NOW
        make_article(config, "just-in", date="2026-11-24T17:00:00+05:00"),  # exactly 2 days before NOW
        make_article(config, "fresh", date="2026-11-26T16:00:00+05:00", updated="2026-11-26T16:30:00+05:00"),
        make_article(config, "urdu", date="2026-11-26T10:00:00+05:00", lang="ur", title="خبر"),
        make_article(config, "draft", date="2026-11-26T10:00:00+05:00", draft=True),
        make_article(config, "embargoed", date="2026-11-26T17:00:01+05:00"),  # 1 s after NOW
    ]
    index = make_index(config, stories, drafts=True)
    file = news_sitemap(index, config, NOW)
    assert file.path == "news-sitemap.xml"
    root = etree.fromstring(file.data)
    assert root.nsmap == {None: SITEMAP, "news": NEWS}
    found = [
        (
            url.findtext("s:loc", namespaces=NS),
            url.findtext("news:news/news:publication/news:name", namespaces=NS),
            url.findtext("news:news/news:publication/news:language", namespaces=NS),
            url.findtext("news:news/news:publication_date", namespaces=NS),
            url.findtext("news:news/news:title", namespaces=NS),
        )
        for url in root.findall("s:url", NS)
    ]
    assert found == [
        (
            "https://news.example.org/city/2026/11/26/fresh/",
            "The Test Ledger",
            "en",
            "2026-11-26T16:00:00+05:00",
            "Story fresh",
        ),
        ("https://news.example.org/city/2026/11/26/urdu/", "The Test Ledger", "ur", "2026-11-26T10:00:00+05:00", "خبر"),
        (
            "https://news.example.org/city/2026/11/24/just-in/",
            "The Test Ledger",
            "en",
            "2026-11-24T17:00:00+05:00",
            "Story just-in",
        ),
    ]


def test_news_sitemap_holds_at_most_1000_of_the_newest() -> None:
    config = make_config()
    start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    model = make_article(config, "model")
    stories = [
        replace(model, title=f"Story s{number}", url=f"/s{number}/", published=start + timedelta(minutes=number))
        for number in range(1_005)
    ]
    root = etree.fromstring(news_sitemap(make_index(config, stories), config, NOW).data)
    titles = [url.findtext("news:news/news:title", namespaces=NS) for url in root.findall("s:url", NS)]
    assert len(titles) == 1_000
    assert titles[0] == "Story s1004" and titles[-1] == "Story s5"


def test_an_empty_news_sitemap_is_still_a_valid_urlset() -> None:
    config = make_config()
    root = etree.fromstring(news_sitemap(make_index(config, []), config, NOW).data)
    assert root.tag == f"{{{SITEMAP}}}urlset" and len(root) == 0


def test_hostile_titles_survive_both_sitemaps() -> None:
    config = make_config(title=HOSTILE)
    story = make_article(config, "hostile", title=HOSTILE, date="2026-11-26T08:00:00+05:00", tags=[HOSTILE])
    index = make_index(config, [story])
    root = etree.fromstring(news_sitemap(index, config, NOW).data)
    clean = HOSTILE.replace("\x01", "").replace("\x0b", "").replace("\x1f", "")
    assert root.findtext("s:url/news:news/news:title", namespaces=NS) == clean
    assert root.findtext("s:url/news:news/news:publication/news:name", namespaces=NS) == clean
    for file in sitemap_files(sitemap_entries(index, config), config.base_url):
        assert "https://news.example.org/tags/budget-script-quotes-too-b-bold-b-end/" in urls(file.data)


def test_news_language_is_the_iso_639_code() -> None:
    assert [news_language(lang) for lang in ("en", "en-GB", "UR", "zh-CN", "zh-TW", "zh-Hant")] == [
        "en",
        "en",
        "ur",
        "zh-cn",
        "zh-tw",
        "zh",
    ]


def test_robots_txt_points_at_both_sitemaps() -> None:
    file = robots_txt("https://preview.example.org/site/")
    assert file.path == "robots.txt"
    lines = file.data.decode().splitlines()
    assert "User-agent: *" in lines
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        "Sitemap: https://preview.example.org/site/sitemap.xml",
        "Sitemap: https://preview.example.org/site/news-sitemap.xml",
    ]


def test_ads_txt_has_one_record_a_line_and_is_left_out_when_empty() -> None:
    file = ads_txt(
        ["google.com, pub-1, DIRECT, f08c47fec0942fa0", "  ", "example.com, 2, RESELLER\nexample.net, 3, DIRECT"]
    )
    assert file is not None and file.path == "ads.txt"
    assert (
        file.data == b"google.com, pub-1, DIRECT, f08c47fec0942fa0\nexample.com, 2, RESELLER\nexample.net, 3, DIRECT\n"
    )
    assert ads_txt([]) is None
    assert ads_txt(["", " "]) is None


def test_in_a_drafts_build_lists_made_only_by_drafts_stay_out() -> None:
    config = make_config()
    stories = [
        make_article(config, "one", date="2026-11-18T08:00:00+05:00", tags=["Water"]),
        make_article(config, "draft", date="2026-11-21T08:00:00+05:00", tags=["Water", "Secret"], draft=True),
    ]
    found = {entry.url for entry in sitemap_entries(make_index(config, stories, drafts=True), config)}
    assert "/tags/water/" in found and "/archive/2026/11/18/" in found
    assert "/tags/secret/" not in found and "/archive/2026/11/21/" not in found
    assert not any("draft" in url for url in found)
