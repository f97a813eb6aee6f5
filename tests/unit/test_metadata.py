"""Article metadata for machines: the NewsArticle JSON-LD, script_json and og:locale; any title, any feed."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsgen.feeds import ATOM, atom_feeds
from newsgen.metadata import news_article_data, og_locale
from newsgen.theme import script_json
from newsgen.xmldoc import xml_text
from tests.news_helpers import HOSTILE, NOW, make_article, make_config, make_index

CONFIG = make_config()
MODEL = make_article(
    CONFIG,
    "model",
    tags=["budget"],
    image="/media/a.jpg",
    image_alt="A",
    corrections=[{"date": "2026-11-21", "text": "Fixed a figure."}],
)
TRICKY = st.text(
    alphabet=st.sampled_from(list("<>&\"'/!-][ \t\n\x00\x01\x0b\x1f\x7f\u2028\u2029\ufffe\ud800é😀ab")), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(st.text() | TRICKY)
def test_script_json_of_any_text_cannot_end_the_script_and_parses_back(text: str) -> None:
    encoded = str(script_json({"headline": text, "keywords": [text]}))
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert "\u2028" not in encoded and "\u2029" not in encoded
    assert json.loads(encoded) == {"headline": text, "keywords": [text]}


@settings(max_examples=100, deadline=None)
@given(st.text() | TRICKY, st.text() | TRICKY)
def test_any_title_and_summary_yield_a_feed_that_parses(title: str, summary: str) -> None:
    article = replace(MODEL, title=title, summary=summary, tags=(title,))
    for file in atom_feeds(make_index(CONFIG, [article]), CONFIG, NOW):
        entries = etree.fromstring(file.data).findall(f"{{{ATOM}}}entry")
        if entries:
            assert entries[0].findtext(f"{{{ATOM}}}title") == xml_text(title)
            assert (entries[0].findtext(f"{{{ATOM}}}summary") or "") == xml_text(summary)


def test_news_article_data() -> None:
    article = replace(MODEL, title=HOSTILE, location="MIRANPUR")
    data = news_article_data(
        article,
        section_title="City",
        author_urls={"Sana Mirza": "/authors/sana-mirza/"},
        base_url="https://news.example.org/sub/",
        site_title="The Test Ledger",
        logo="",
        language="en",
    )
    assert data["headline"] == HOSTILE
    assert data["author"] == [
        {"@type": "Person", "name": "Sana Mirza", "url": "https://news.example.org/sub/authors/sana-mirza/"}
    ]
    assert data["image"] == ["https://news.example.org/sub/media/a.jpg"]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "The Test Ledger",
        "url": "https://news.example.org/sub/",
    }
    assert data["mainEntityOfPage"] == {
        "@type": "WebPage",
        "@id": "https://news.example.org/sub/city/2026/11/20/model/",
    }
    assert data["datePublished"] == "2026-11-20T09:00:00+05:00"
    assert data["dateModified"] == "2026-11-20T09:00:00+05:00"
    assert data["dateline"] == "MIRANPUR"
    assert data["correction"] == [
        {"@type": "CorrectionComment", "text": "Fixed a figure.", "datePublished": "2026-11-21"}
    ]
    assert json.loads(str(script_json(data))) == data
    no_image = news_article_data(
        replace(MODEL, image=None, corrections=(), byline=("Nobody Known",)),
        section_title="City",
        author_urls={},
        base_url="https://news.example.org/",
        site_title="T",
        logo="/logo.svg",
        language="en",
    )
    assert "image" not in no_image and "correction" not in no_image
    assert no_image["author"] == [{"@type": "Person", "name": "Nobody Known"}]
    assert no_image["publisher"]["logo"] == {"@type": "ImageObject", "url": "https://news.example.org/logo.svg"}


def test_og_locale() -> None:
    assert [og_locale(lang) for lang in ("en", "en-GB", "en_us", "ur", "zh-Hant-TW", "pt-BR")] == [
        "en",
        "en_GB",
        "en_US",
        "ur",
        "zh",
        "pt_BR",
    ]
