"""Atom feeds: parsed back with feedparser and lxml, for ordinary and hostile content."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree

from newsgen.feeds import ATOM, absolute_links, atom_feeds
from newsgen.models import OutputFile
from newsgen.xmldoc import xml_text
from tests.news_helpers import HOSTILE, NOW, make_article, make_config, make_index


def feed_file(files: list[OutputFile], path: str) -> bytes:
    return next(file.data for file in files if file.path == path)


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_site_feed_has_the_required_atom_elements_and_absolute_links() -> None:
    config = make_config(tagline="News from the valley")
    story = make_article(
        config,
        "bus",
        body="See [the map](/maps/route-7/) and [notes](notes/) and [a note](#fn).\n\n![Bus](/media/bus.jpg)",
        tags=["transport", "buses"],
        summary="Twelve new buses.",
        updated="2026-11-21T10:00:00+05:00",
        image="/media/lead.jpg",
        image_alt="A bus",
        byline=["Sana Mirza", "Omar Siddiqui"],
    )
    files = atom_feeds(make_index(config, [story]), config, NOW)
    feed = parse(feed_file(files, "feed.xml"))

    assert feed.feed.title == "The Test Ledger"
    assert feed.feed.subtitle == "News from the valley"
    assert feed.feed.id == "https://news.example.org/feed.xml"
    assert feed.feed.updated == "2026-11-21T10:00:00+05:00"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"self": "https://news.example.org/feed.xml", "alternate": "https://news.example.org/"}
    assert feed.feed.language == "en"

    (entry,) = feed.entries
    permalink = "https://news.example.org/city/2026/11/20/bus/"
    assert entry.id == permalink
    assert entry.link == permalink
    assert entry.title == "Story bus"
    assert entry.published == "2026-11-20T09:00:00+05:00"
    assert entry.updated == "2026-11-21T10:00:00+05:00"
    assert [(author.name, author.href) for author in entry.authors] == [
        ("Sana Mirza", "https://news.example.org/authors/sana-mirza/"),
        ("Omar Siddiqui", "https://news.example.org/authors/omar-siddiqui/"),
    ]
    assert [(tag.term, tag.label) for tag in entry.tags] == [
        ("city", "City"),
        ("transport", "transport"),
        ("buses", "buses"),
    ]
    assert entry.summary == "Twelve new buses."
    content = entry.content[0]
    assert content.type == "text/html"
    assert 'src="https://news.example.org/media/lead.jpg"' in content.value
    assert 'href="https://news.example.org/maps/route-7/"' in content.value
    assert f'href="{permalink}notes/"' in content.value
    assert f'href="{permalink}#fn"' in content.value
    assert 'src="https://news.example.org/media/bus.jpg"' in content.value
    assert 'href="/' not in content.value and 'src="/' not in content.value


def test_section_and_author_feeds_hold_only_their_articles() -> None:
    config = make_config()
    city = make_article(config, "city-story", byline="Sana Mirza")
    sport = make_article(config, "sport-story", section="sport", byline="Bilal Qureshi", date="2026-11-21")
    files = atom_feeds(make_index(config, [city, sport]), config, NOW)
    paths = sorted(file.path for file in files)
    assert paths == [
        "authors/bilal-qureshi/feed.xml",
        "authors/sana-mirza/feed.xml",
        "city/feed.xml",
        "feed.xml",
        "sport/feed.xml",
    ]
    assert [entry.title for entry in parse(feed_file(files, "feed.xml")).entries] == [
        "Story sport-story",
        "Story city-story",
    ]
    section = parse(feed_file(files, "sport/feed.xml"))
    assert section.feed.title == "Sport — The Test Ledger"
    assert [entry.title for entry in section.entries] == ["Story sport-story"]
    assert {link.rel: link.href for link in section.feed.links}["alternate"] == "https://news.example.org/sport/"
    author = parse(feed_file(files, "authors/sana-mirza/feed.xml"))
    assert [entry.title for entry in author.entries] == ["Story city-story"]


def test_feed_holds_the_newest_n_entries() -> None:
    config = make_config(feed_entries=3)
    stories = [make_article(config, f"day-{day}", date=f"2026-11-{day:02d}T08:00:00+05:00") for day in range(1, 8)]
    files = atom_feeds(make_index(config, stories), config, NOW)
    feed = parse(feed_file(files, "feed.xml"))
    assert [entry.title for entry in feed.entries] == ["Story day-7", "Story day-6", "Story day-5"]
    assert feed.feed.updated == "2026-11-07T08:00:00+05:00"


def test_an_empty_feed_is_dated_by_the_sites_newest_change_not_the_clock() -> None:
    config = make_config()
    story = make_article(config, "only", updated="2026-11-22T08:00:00+05:00")
    files = atom_feeds(make_index(config, [story]), config, NOW)
    empty = parse(feed_file(files, "sport/feed.xml"))
    assert empty.entries == []
    assert empty.feed.updated == "2026-11-22T08:00:00+05:00"
    nothing = parse(feed_file(atom_feeds(make_index(config, []), config, NOW), "feed.xml"))
    assert nothing.feed.updated == "2026-11-26T12:00:00+00:00"


def test_drafts_are_never_in_a_feed_even_in_a_drafts_build() -> None:
    config = make_config()
    stories = [make_article(config, "public"), make_article(config, "secret", draft=True)]
    files = atom_feeds(make_index(config, stories, drafts=True), config, NOW)
    for path in ("feed.xml", "city/feed.xml", "authors/sana-mirza/feed.xml"):
        assert [entry.title for entry in parse(feed_file(files, path)).entries] == ["Story public"]


def test_an_article_in_another_language_gets_its_own_xml_lang() -> None:
    config = make_config()
    stories = [make_article(config, "english"), make_article(config, "urdu", title="کتاب میلہ", lang="ur", dir="rtl")]
    root = etree.fromstring(feed_file(atom_feeds(make_index(config, stories), config, NOW), "feed.xml"))
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get(lang) == "en"
    entries = {entry.findtext(f"{{{ATOM}}}title"): entry.get(lang) for entry in root.iter(f"{{{ATOM}}}entry")}
    assert entries == {"کتاب میلہ": "ur", "Story english": None}


@pytest.mark.parametrize("field", ["title", "summary", "byline", "tags"])
def test_hostile_text_yields_a_feed_that_parses_back_to_the_text(field: str) -> None:
    config = make_config(title=f"Ledger {HOSTILE}", tagline=HOSTILE)
    value: object = [HOSTILE] if field in ("byline", "tags") else HOSTILE
    story = make_article(config, "hostile", body=f"Body {HOSTILE.replace('<', '&lt;')}", **{field: value})
    files = atom_feeds(make_index(config, [story]), config, NOW)
    clean = xml_text(HOSTILE)
    for file in files:
        etree.fromstring(file.data)  # a strict XML parser: any escaping slip fails here
        feed = parse(file.data)
        assert feed.feed.title.endswith(f"Ledger {clean}")
        if file.path == "sport/feed.xml":
            assert feed.entries == []
            continue
        (entry,) = feed.entries
        if field == "title":
            assert entry.title == clean
        elif field == "summary":
            assert entry.summary == clean
        elif field == "byline":
            assert entry.authors[0].name == clean
        else:
            assert clean in [tag.term for tag in entry.tags]


def test_xml_text_drops_only_what_xml_forbids() -> None:
    assert xml_text("a\x00b\x01c\x08\x0b\x0c\x1f\ufffe\uffffd") == "abcd"
    assert xml_text("tab\tline\ncr\r — ü 😀 \x7f") == "tab\tline\ncr\r — ü 😀 \x7f"


def test_xml_text_keeps_exactly_the_characters_of_xml_1_0() -> None:
    """Every code point, against the Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
    [#x10000-#x10FFFF]."""
    ranges = ((0x9, 0x9), (0xA, 0xA), (0xD, 0xD), (0x20, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF))
    allowed = "".join(chr(code) for low, high in ranges for code in range(low, high + 1))
    everything = "".join(map(chr, range(0x110000)))
    assert xml_text(everything) == allowed


def test_absolute_links_keeps_the_markup_and_rewrites_every_link() -> None:
    body = (
        '<p>A &amp; B <a href="/x/">x</a> <a href="https://other.org/y">y</a> <a href="mailto:a@b.org">m</a></p>\n'
        '<p><img src="pic.jpg" srcset="/a.jpg 1x, b.jpg 2x" alt="a &lt; b"></p>\n'
        '<video poster="/p.jpg" src="/v.mp4"></video><blockquote cite="/source/">q</blockquote>'
    )
    result = absolute_links(body, "https://host.org/sub/", "https://host.org/sub/city/story/")
    assert 'href="https://host.org/sub/x/"' in result
    assert 'href="https://other.org/y"' in result
    assert 'href="mailto:a@b.org"' in result
    assert 'src="https://host.org/sub/city/story/pic.jpg"' in result
    assert 'srcset="https://host.org/sub/a.jpg 1x, https://host.org/sub/city/story/b.jpg 2x"' in result
    assert 'poster="https://host.org/sub/p.jpg"' in result and 'src="https://host.org/sub/v.mp4"' in result
    assert 'cite="https://host.org/sub/source/"' in result
    assert "A &amp; B" in result and 'alt="a &lt; b"' in result
    assert absolute_links("plain & simple", "https://h.org/", "https://h.org/a/") == "plain &amp; simple"
    assert absolute_links("", "https://h.org/", "https://h.org/a/") == ""
