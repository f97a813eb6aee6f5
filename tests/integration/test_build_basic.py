"""Whole builds of the basic fixture site, with the output parsed and checked page by page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgen.build import BuildOptions, BuildReport, build
from newsgen.config import load_config
from tests.conftest import FIXTURES, NOW, site_copy, write_tree
from tests.integration.htmltree import Element, broken_links, page

BASIC = FIXTURES / "sites" / "basic"
COUNCIL = "city/2026/11/18/council-approves-budget/index.html"
BUS = "city/2026/11/19/bus-line-opens/index.html"
URDU = "world/2026/11/17/urdu-book-exchange/index.html"
MARKET = "world/2026/11/19/market-report/index.html"
ASSET = re.compile(r"^/assets/newsgen\.[0-9a-f]{10}\.css$")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    folder = tmp_path_factory.mktemp("basic")
    out = folder / "public"
    return out, build(load_config(site_copy("basic", folder / "site")), out, now=NOW)


@pytest.fixture(scope="module")
def out(built: tuple[Path, BuildReport]) -> Path:
    return built[0]


def hrefs(element: Element) -> list[str]:
    return [link.attrs["href"] for link in element.find_all("a")]


def test_the_report_counts_pages_drafts_and_embargoes(built: tuple[Path, BuildReport]) -> None:
    out, report = built
    assert report.pages == len(list(out.rglob("*.html")))
    assert report.files == len([path for path in out.rglob("*") if path.is_file()]) - 1  # the marker
    assert report.drafts_left_out == 1
    assert [article.slug for article in report.embargoed] == ["embargoed-report"]
    assert report.warnings == ()


def test_every_internal_link_and_source_leads_to_a_built_file(out: Path) -> None:
    assert broken_links(out) == []


def test_the_output_has_every_kind_of_page(out: Path) -> None:
    for relative in (
        "index.html",
        "page/2/index.html",
        COUNCIL,
        BUS,
        URDU,
        MARKET,
        "city/index.html",
        "world/index.html",
        "tags/budget/index.html",
        "authors/sana-mirza/index.html",
        "authors/farah-latif/index.html",
        "archive/2026/11/19/index.html",
        "about/index.html",
        "404.html",
        "logo.svg",
    ):
        assert (out / relative).is_file(), relative


def test_drafts_and_embargoed_articles_are_left_out(out: Path) -> None:
    everything = "".join(path.read_text(encoding="utf-8") for path in out.rglob("*.html"))
    assert "A column not yet finished" not in everything
    assert "Literacy survey results" not in everything
    assert not (out / "world/2026/11/15/draft-column").exists()
    assert not (out / "city/2027").exists()


def test_static_files_are_copied_as_they_are(out: Path) -> None:
    assert (out / "logo.svg").read_bytes() == (BASIC / "static/logo.svg").read_bytes()
    assert (out / "media/bus.svg").read_bytes() == (BASIC / "static/media/bus.svg").read_bytes()


def test_the_masthead(out: Path) -> None:
    document = page(out, "city/index.html")
    masthead = document.find("header", class_="masthead")
    assert masthead.find("time", class_="edition-date").attrs["datetime"] == "2026-11-20"
    assert masthead.find("time", class_="edition-date").text == "Friday, 20 November 2026"
    logo = masthead.find("img", class_="logo")
    assert (logo.attrs["src"], logo.attrs["alt"]) == ("/logo.svg", "The Test Times")
    assert masthead.find("a", class_="brand-link").attrs["href"] == "/"
    menu = masthead.find("nav", aria_label="Sections")
    assert [(link.text, link.attrs["href"]) for link in menu.find_all("a")] == [
        ("City", "/city/"),
        ("World", "/world/"),
    ]
    assert menu.find("a", aria_current="page").text == "City"
    toggle = masthead.find("button", class_="theme-toggle")
    assert toggle.attrs["type"] == "button" and toggle.text == "Dark mode"


def test_dark_mode_is_set_before_first_paint(out: Path) -> None:
    html = (out / "index.html").read_text(encoding="utf-8")
    head = html[: html.index("</head>")]
    assert '<meta name="color-scheme" content="light dark">' in head
    boot = head.index("localStorage.getItem")
    assert "prefers-color-scheme: dark" in head
    assert boot < head.index('rel="stylesheet"')
    css_href = page(out, "index.html").find("link", rel="stylesheet").attrs["href"]
    assert ASSET.match(css_href), css_href
    css = (out / css_href.lstrip("/")).read_text(encoding="utf-8")
    assert "color-scheme" in css
    assert '[data-theme="dark"]' in css or "[data-theme=dark]" in css
    assert re.search(r"--[\w-]+\s*:", css)
    script = page(out, "index.html").find("script", defer="")
    js = (out / script.attrs["src"].lstrip("/")).read_text(encoding="utf-8")
    assert "localStorage.setItem" in js


def test_the_front_page_leads_with_the_featured_story_and_paginates(out: Path) -> None:
    front = page(out, "index.html")
    lead = front.find("section", class_="lead-story")
    assert lead.find("h2", class_="lead-title").text == "Council approves the budget after a long night"
    assert lead.find("a").attrs["href"] == "/" + COUNCIL.removesuffix("index.html")
    sections = front.find_all("section", class_="front-section")
    assert [section.find("h2").text for section in sections] == ["City", "World"]
    assert hrefs(sections[0].find("article"))[0] == "/city/2026/11/19/bus-line-opens/"
    latest = front.find("section", class_="latest")
    assert [card.find("h3").text for card in latest.find_all("article", class_="card")] == [
        "Route 7 bus line opens",
        "Onion prices fall at the weekly market",
    ]
    banner = front.find("p", class_="banner-breaking")
    assert banner.find("a").attrs["href"] == "/city/2026/11/19/bus-line-opens/"
    assert banner.text == "Breaking Route 7 bus line opens"
    pagination = front.find("nav", class_="pagination")
    assert pagination.find("a", rel="next").attrs["href"] == "/page/2/"
    assert "Page 1 of 2" in pagination.text
    second = page(out, "page/2/index.html")
    assert [card.find("h2").text for card in second.find_all("article", class_="card")] == [
        "Council approves the budget after a long night",
        "طلبہ ہر اتوار کتابوں کا تبادلہ کریں گے",
    ]
    assert second.find("a", rel="prev").attrs["href"] == "/"
    assert not second.find_all("section", class_="lead-story")
    assert not second.find_all("p", class_="banner-breaking")


def test_the_article_page(out: Path) -> None:
    document = page(out, COUNCIL)
    article = document.find("article", class_="article")
    assert article.find("h1", class_="headline").text == "Council approves the budget after a long night"
    assert article.find("p", class_="standfirst").text == "The council voted 21 to 9 for next year's budget."
    byline = article.find("p", class_="byline")
    assert [(link.text, link.attrs["href"]) for link in byline.find_all("a", rel="author")] == [
        ("Sana Mirza", "/authors/sana-mirza/"),
        ("Omar Siddiqui", "/authors/omar-siddiqui/"),
    ]
    published, updated = article.find("p", class_="dates").find_all("time")
    assert published.attrs["datetime"] == "2026-11-18T09:30:00+05:00"
    assert published.text == "Wednesday, 18 November 2026, 09:30"
    assert updated.attrs["datetime"] == "2026-11-18T18:05:00+05:00"
    body = article.find("div", class_="article-body")
    assert body.find("span", class_="dateline").text == "MIRANPUR —"
    assert [heading.attrs["id"] for heading in body.find_all("h2")] == [
        "where-the-money-goes",
        "reactions",
        "reactions_1",
    ]
    toc = article.find("nav", class_="toc")
    assert hrefs(toc) == ["#where-the-money-goes", "#reactions", "#reactions_1"]
    assert body.find_all("table") and body.find_all("div", class_="footnote")
    assert "“a long night”" in body.text
    assert [link.text for link in article.find("ul", class_="tags").find_all("a", rel="tag")] == ["budget", "council"]
    assert hrefs(article.find("ul", class_="tags")) == ["/tags/budget/", "/tags/council/"]
    correction = article.find("section", class_="corrections").find("li")
    assert correction.find("time").attrs["datetime"] == "2026-11-19"
    assert "An earlier version gave the wrong vote count." in correction.text
    related = document.find("section", class_="related")
    assert [card.find("h3").text for card in related.find_all("article", class_="card")] == [
        "Route 7 bus line opens",
        "Onion prices fall at the weekly market",
    ]
    assert not document.find_all("section", class_="comments")
    assert document.find("link", rel="canonical").attrs["href"] == "https://news.example.org/" + COUNCIL.removesuffix(
        "index.html"
    )
    ids = [element.attrs["id"] for element in document.iter() if "id" in element.attrs]
    assert len(ids) == len(set(ids)), ids


def test_the_lead_image_and_breaking_banner(out: Path) -> None:
    article = page(out, BUS).find("article", class_="article")
    assert "Breaking" in article.find("p", class_="banner-breaking").text
    figure = article.find("figure", class_="lead-image")
    image = figure.find("img")
    assert (image.attrs["src"], image.attrs["alt"]) == ("/media/bus.svg", "A green bus at the new stop")
    caption = figure.find("figcaption")
    assert caption.text == "The first bus leaves the depot. Photo by the Test Times"
    assert caption.find("span", class_="credit").text == "Photo by the Test Times"
    assert article.find("time").attrs["datetime"] == "2026-11-19T08:00:00+05:00"


def test_an_rtl_article_has_lang_and_dir_on_the_element_wrapping_it(out: Path) -> None:
    document = page(out, URDU)
    article = document.find("article", class_="article")
    assert (article.attrs["lang"], article.attrs["dir"]) == ("ur", "rtl")
    assert article.find("h1").text == "طلبہ ہر اتوار کتابوں کا تبادلہ کریں گے"
    html_element = document.find("html")
    assert (html_element.attrs["lang"], html_element.attrs["dir"]) == ("en", "ltr")
    card = page(out, "world/index.html").find("article", class_="card", lang="ur")
    assert card.attrs["dir"] == "rtl"
    assert not page(out, COUNCIL).find("article", class_="article").attrs.get("lang")


def test_ad_slots_reserve_their_size_and_are_labelled(out: Path) -> None:
    document = page(out, COUNCIL)
    slots = {slot.attrs["class"].split()[-1]: slot for slot in document.find_all("aside", class_="ad-slot")}
    assert list(slots) == ["ad-slot-header", "ad-slot-in_article", "ad-slot-footer"]
    assert slots["ad-slot-header"].attrs["style"] == "--ad-width: 728px; --ad-height: 90px"
    assert slots["ad-slot-in_article"].attrs["style"] == "--ad-width: 300px; --ad-height: 250px"
    # Each slot is a landmark, so each has a name of its own.
    labels = [slot.attrs["aria-label"] for slot in slots.values()]
    assert labels == ["Advertisement, top of page", "Advertisement, in the article", "Advertisement, foot of page"]
    for slot in slots.values():
        assert slot.find("p", class_="ad-label").text == "Advertisement"
        assert slot.find("ins", class_="adsbygoogle").attrs["data-ad-client"] == "ca-pub-0000000000000000"
    body = document.find("div", class_="article-body")
    assert body.find_all("aside", class_="ad-slot-in_article")
    scripts = [script.attrs.get("src", "") for script in document.find_all("script")]
    assert any("adsbygoogle.js?client=ca-pub-0000000000000000" in src for src in scripts)
    css = next((out / "assets").glob("newsgen.*.css")).read_text(encoding="utf-8")
    assert "var(--ad-width)" in css and "var(--ad-height)" in css


def test_an_article_with_ads_false_has_no_slot_and_no_ad_script(out: Path) -> None:
    html = (out / MARKET).read_text(encoding="utf-8")
    assert "ad-slot" not in html
    assert "adsbygoogle" not in html
    assert "Advertisement" not in html


def test_a_short_article_has_no_in_article_slot(out: Path) -> None:
    document = page(out, BUS)
    assert [slot.attrs["class"] for slot in document.find_all("aside", class_="ad-slot")] == [
        "ad-slot ad-slot-header",
        "ad-slot ad-slot-footer",
    ]


def test_section_front(out: Path) -> None:
    document = page(out, "world/index.html")
    assert document.find("h1", class_="list-title").text == "World"
    assert [card.find("h2").text for card in document.find_all("article", class_="card")] == [
        "Onion prices fall at the weekly market",
        "طلبہ ہر اتوار کتابوں کا تبادلہ کریں گے",
    ]
    assert not document.find_all("nav", class_="pagination")


def test_tag_page(out: Path) -> None:
    document = page(out, "tags/budget/index.html")
    assert document.find("h1", class_="list-title").text == "Tag budget"
    assert [hrefs(card)[0] for card in document.find_all("article", class_="card")] == [
        "/world/2026/11/19/market-report/",
        "/city/2026/11/18/council-approves-budget/",
    ]


def test_a_tag_in_another_script_has_its_page_and_encoded_links(out: Path) -> None:
    document = page(out, "tags/کتابیں/index.html")
    assert document.find("h1", class_="list-title").text == "Tag کتابیں"
    tags = page(out, URDU).find("ul", class_="tags")
    assert hrefs(tags) == ["/tags/books/", "/tags/%DA%A9%D8%AA%D8%A7%D8%A8%DB%8C%DA%BA/"]


def test_author_page_shows_the_profile_and_the_articles(out: Path) -> None:
    document = page(out, "authors/sana-mirza/index.html")
    profile = document.find("section", class_="profile")
    assert profile.find("h1").text == "Sana Mirza"
    assert profile.find("p", class_="profile-role").text == "City reporter"
    assert profile.find("p", class_="profile-bio").text == "Sana Mirza covers the city council and transport."
    assert profile.find("img", class_="profile-photo").attrs["src"] == "/media/sana.svg"
    assert [(link.text, link.attrs["href"]) for link in profile.find("ul", class_="profile-links").find_all("a")] == [
        ("Website", "https://example.org/sana")
    ]
    assert [card.find("h3").text for card in document.find_all("article", class_="card")] == [
        "Route 7 bus line opens",
        "Council approves the budget after a long night",
    ]
    without_profile = page(out, "authors/farah-latif/index.html").find("section", class_="profile")
    assert without_profile.find("h1").text == "Farah Latif"
    assert not without_profile.find_all("p", class_="profile-bio")


def test_day_edition_holds_the_day_in_the_site_timezone(out: Path) -> None:
    document = page(out, "archive/2026/11/19/index.html")
    assert document.find("h1", class_="list-title").text == "Edition of Thursday, 19 November 2026"
    assert [hrefs(card)[0] for card in document.find_all("article", class_="card")] == [
        "/city/2026/11/19/bus-line-opens/",
        "/world/2026/11/19/market-report/",
    ]


def test_standalone_page_and_footer_links(out: Path) -> None:
    document = page(out, "about/index.html")
    assert document.find("h1", class_="headline").text == "About us"
    assert hrefs(document.find("div", class_="article-body")) == ["/city/"]
    footer = page(out, "index.html").find("footer", class_="site-footer")
    assert [(link.text, link.attrs["href"]) for link in footer.find_all("a")] == [("About us", "/about/")]


def test_not_found_page(out: Path) -> None:
    document = page(out, "404.html")
    assert document.find("h1").text == "Page not found"
    assert hrefs(document.find("main"))[0] == "/"


def test_drafts_and_future_are_built_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "public"
    report = build(
        load_config(site_copy("basic", tmp_path / "site")), out, now=NOW, options=BuildOptions(drafts=True, future=True)
    )
    assert (report.drafts_left_out, report.embargoed) == (0, ())
    draft = page(out, "world/2026/11/15/draft-column/index.html").find("article", class_="article")
    assert "Draft" in draft.find("p", class_="banner-draft").text
    assert (out / "city/2027/01/10/embargoed-report/index.html").is_file()
    assert broken_links(out) == []


def test_the_embargo_lifts_when_its_time_comes(tmp_path: Path) -> None:
    out = tmp_path / "public"
    report = build(load_config(site_copy("basic", tmp_path / "site")), out, now=datetime(2027, 1, 10, 1, 0, tzinfo=UTC))
    assert report.embargoed == ()
    assert (out / "city/2027/01/10/embargoed-report/index.html").is_file()


SMALL = {
    "content/articles/one.md": "---\ntitle: One\ndate: 2026-11-18\nbyline: A\nsection: news\n---\n"
    + "".join(f"Paragraph {number}.\n\n" for number in range(5)),
}


def test_ads_disabled_means_no_script_and_no_slot(tmp_path: Path) -> None:
    site = write_tree(
        tmp_path / "site",
        {
            **SMALL,
            "newsgen.yaml": "title: T\nbase_url: https://x.org/\nads:\n  enabled: false\n  slots:\n"
            "    header: {slot: '1', width: 728, height: 90}\n",
        },
    )
    build(load_config(site), site / "public", now=NOW)
    for path in (site / "public").rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "adsbygoogle" not in html and "ad-slot" not in html, path


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        ("{provider: giscus, repo: o/r, repo_id: R1, category: News, category_id: C1}", "https://giscus.app/client.js"),
        ("{provider: disqus, shortname: testtimes}", "https://testtimes.disqus.com/embed.js"),
    ],
)
def test_the_comment_area_follows_the_provider(tmp_path: Path, comments: str, expected: str) -> None:
    site = write_tree(
        tmp_path / "site", {**SMALL, "newsgen.yaml": f"title: T\nbase_url: https://x.org/\ncomments: {comments}\n"}
    )
    build(load_config(site), site / "public", now=NOW)
    document = page(site / "public", "news/2026/11/18/one/index.html")
    area = document.find("section", class_="comments")
    assert area.find("h2").text == "Comments"
    assert [script.attrs.get("src") for script in area.find_all("script") if script.attrs.get("src")] == [expected]
    assert not page(site / "public", "index.html").find_all("section", class_="comments")


def test_pagination_follows_per_page_on_every_list(tmp_path: Path) -> None:
    articles = {
        f"content/articles/a{number}.md": f"---\ntitle: Article {number}\ndate: 2026-11-{number + 1:02d}\n"
        f"byline: Sana Mirza\nsection: news\ntags: [budget]\n---\nText.\n"
        for number in range(7)
    }
    site = write_tree(
        tmp_path / "site", {**articles, "newsgen.yaml": "title: T\nbase_url: https://x.org/\nper_page: 3\n"}
    )
    build(load_config(site), site / "public", now=NOW)
    out = site / "public"
    for first in ("", "news/", "tags/budget/", "authors/sana-mirza/"):
        assert (out / first / "page/2/index.html").is_file(), first
        assert (out / first / "page/3/index.html").is_file(), first
        assert not (out / first / "page/4").exists(), first
        last = page(out, f"{first}page/3/index.html")
        assert len(last.find_all("article", class_="card")) == 1
        assert "Page 3 of 3" in last.find("nav", class_="pagination").text
    assert broken_links(out) == []


def test_ids_are_unique_on_an_article_page_whatever_its_headings(tmp_path: Path) -> None:
    body = "".join(f"## {heading}\n\nText.\n\n" for heading in ("Main", "Related title", "Corrections title", "Main"))
    site = write_tree(
        tmp_path / "site",
        {
            "newsgen.yaml": "title: T\nbase_url: https://x.org/\ncomments: {provider: disqus, shortname: t}\n",
            "content/articles/one.md": "---\ntitle: One\ndate: 2026-11-18\nbyline: A\nsection: news\ntags: [x]\n"
            "corrections: [{date: 2026-11-19, text: Fixed.}]\n---\n" + body,
            "content/articles/two.md": "---\ntitle: Two\ndate: 2026-11-17\nbyline: A\nsection: news\ntags: [x]\n---\nText.\n",
        },
    )
    build(load_config(site), site / "public", now=NOW)
    document = page(site / "public", "news/2026/11/18/one/index.html")
    ids = [element.attrs["id"] for element in document.iter() if "id" in element.attrs]
    assert {"main", "toc-title", "related-title", "corrections-title", "comments-title"} <= set(ids)
    assert len(ids) == len(set(ids)), ids
    assert hrefs(document.find("nav", class_="toc")) == [
        "#main_1",
        "#related-title_1",
        "#corrections-title_1",
        "#main_2",
    ]


def test_a_site_with_no_content_yet_builds(tmp_path: Path) -> None:
    site = write_tree(tmp_path / "site", {"newsgen.yaml": "title: Empty\nbase_url: https://x.org/\n"})
    report = build(load_config(site), site / "public", now=NOW)
    assert report.pages == 3
    out = site / "public"
    assert page(out, "index.html").find("main").find("h1").text == "Latest news"
    assert "Nothing has been published here yet." in page(out, "news/index.html").find("main").text
    assert (out / "404.html").is_file()
    assert broken_links(out) == []
