"""Grouping and ordering: newest first, drafts and embargo, the lead, related pieces, clashing URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsgen.errors import BuildFailed
from newsgen.index import SiteIndex, index_site, newest_first
from newsgen.models import Article, Author, Body, Page, Section, SiteContent
from newsgen.urls import article_url

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
KARACHI = ZoneInfo("Asia/Karachi")
SECTIONS = (Section("city", "City"), Section("world", "World"))


def make(
    slug: str,
    hours_ago: float,
    *,
    section: str = "city",
    tags: tuple[str, ...] = (),
    byline: tuple[str, ...] = ("Sana Mirza",),
    source: str | None = None,
    **flags: bool,
) -> Article:
    published = NOW - timedelta(hours=hours_ago)
    return Article(
        source=Path(source or f"content/articles/{slug}.md"),
        title=slug.title(),
        published=published,
        byline=byline,
        section=section,
        slug=slug,
        url=article_url(section, published.astimezone(KARACHI), slug, "/{section}/{year}/{month}/{day}/{slug}/"),
        body=Body("<p>Body.</p>"),
        summary="Body.",
        tags=tags,
        **flags,
    )


def page(slug: str, **flags: bool) -> Page:
    return Page(Path(f"content/pages/{slug}.md"), slug.title(), slug, f"/{slug}/", "<p>x</p>", "x", **flags)


def index(
    *articles: Article,
    pages: tuple[Page, ...] = (),
    authors: tuple[Author, ...] = (),
    drafts: bool = False,
    future: bool = False,
) -> SiteIndex:
    content = SiteContent(articles=articles, pages=pages, authors=authors, static=())
    return index_site(content, SECTIONS, KARACHI, now=NOW, include_drafts=drafts, include_future=future)


def slugs(articles: tuple[Article, ...]) -> list[str]:
    return [article.slug for article in articles]


def test_articles_are_newest_first_everywhere() -> None:
    site = index(make("old", 50), make("newest", 1), make("middle", 10, section="world"))
    assert slugs(site.articles) == ["newest", "middle", "old"]
    assert [listing.key for listing in site.sections] == ["city", "world"]
    assert slugs(site.sections[0].articles) == ["newest", "old"]
    assert slugs(site.sections[1].articles) == ["middle"]


def test_sections_keep_the_config_order_and_an_empty_section_is_still_listed() -> None:
    site = index(make("a", 1, section="world"))
    assert [(listing.key, listing.url, len(listing.articles)) for listing in site.sections] == [
        ("city", "/city/", 0),
        ("world", "/world/", 1),
    ]


def test_articles_published_at_the_same_time_have_a_stable_order() -> None:
    first = newest_first([make("a", 1), make("b", 1), make("c", 1)])
    second = newest_first([make("c", 1), make("a", 1), make("b", 1)])
    assert slugs(first) == slugs(second)


def test_drafts_are_left_out_and_counted_unless_asked_for() -> None:
    articles = (make("public", 1), make("draft", 2, draft=True))
    pages = (page("about"), page("unfinished", draft=True))
    site = index(*articles, pages=pages)
    assert slugs(site.articles) == ["public"]
    assert [item.slug for item in site.pages] == ["about"]
    assert site.drafts_left_out == 2
    with_drafts = index(*articles, pages=pages, drafts=True)
    assert slugs(with_drafts.articles) == ["public", "draft"]
    assert [item.slug for item in with_drafts.pages] == ["about", "unfinished"]
    assert with_drafts.drafts_left_out == 0


def test_future_articles_are_embargoed_and_the_next_due_is_known() -> None:
    site = index(make("now", 0), make("later", -48), make("soon", -1), make("past", 5))
    assert slugs(site.articles) == ["now", "past"]
    assert slugs(site.embargoed) == ["soon", "later"]
    assert site.next_due is not None and site.next_due.slug == "soon"
    with_future = index(make("now", 0), make("later", -48), make("soon", -1), make("past", 5), future=True)
    assert slugs(with_future.articles) == ["later", "soon", "now", "past"]
    assert with_future.embargoed == () and with_future.next_due is None


def test_a_future_draft_stays_out_and_is_no_embargo() -> None:
    site = index(make("draft", -5, draft=True))
    assert site.articles == () and site.embargoed == ()


def test_the_lead_is_the_newest_featured_article() -> None:
    site = index(make("newest", 1), make("featured-old", 20, featured=True), make("featured-new", 5, featured=True))
    assert site.lead is not None and site.lead.slug == "featured-new"


def test_without_a_featured_article_the_lead_is_the_newest() -> None:
    site = index(make("older", 3), make("newest", 1))
    assert site.lead is not None and site.lead.slug == "newest"
    assert index().lead is None


def test_a_featured_draft_is_not_the_lead() -> None:
    site = index(make("newest", 1), make("featured", 2, featured=True, draft=True))
    assert site.lead is not None and site.lead.slug == "newest"


def test_related_articles_share_tags_most_shared_first_then_newest() -> None:
    site = index(
        make("main", 1, tags=("budget", "council", "roads")),
        make("two-shared", 30, tags=("budget", "Council")),
        make("one-shared-new", 2, tags=("roads",)),
        make("one-shared-old", 40, tags=("budget",)),
        make("unrelated", 3, tags=("sport",)),
        make("untagged", 4),
    )
    assert slugs(site.related["/city/2026/11/20/main/"]) == ["two-shared", "one-shared-new", "one-shared-old"]
    assert site.related["/city/2026/11/20/untagged/"] == ()
    assert slugs(site.related["/city/2026/11/20/unrelated/"]) == []


def test_tags_are_grouped_by_slug_keeping_the_first_spelling() -> None:
    site = index(make("a", 1, tags=("Border Security",)), make("b", 2, tags=("border security", "budget")))
    assert [(tag.key, tag.title, tag.url, slugs(tag.articles)) for tag in site.tags] == [
        ("border-security", "Border Security", "/tags/border-security/", ["a", "b"]),
        ("budget", "budget", "/tags/budget/", ["b"]),
    ]


def test_authors_come_from_bylines_and_are_matched_to_profiles_by_slug() -> None:
    profile = Author(name="Sana Mirza", slug="sana-mirza", bio="City reporter.")
    site = index(
        make("a", 1, byline=("SANA MIRZA", "Omar Siddiqui")),
        make("b", 2, byline=("Sana Mirza",)),
        authors=(profile, Author(name="Nobody Writes", slug="nobody-writes")),
    )
    assert [(listing.author.name, listing.url, slugs(listing.articles)) for listing in site.authors] == [
        ("Omar Siddiqui", "/authors/omar-siddiqui/", ["a"]),
        ("Sana Mirza", "/authors/sana-mirza/", ["a", "b"]),
    ]
    assert site.people["SANA MIRZA"].author == profile
    assert site.people["Sana Mirza"].author.bio == "City reporter."
    assert site.people["Omar Siddiqui"].author.bio == ""


def test_day_editions_are_days_in_the_site_timezone_newest_first() -> None:
    late_utc = make("late", 17.5)  # 2026-11-19 18:30 UTC is 23:30 in Karachi
    after_midnight = make("after-midnight", 18.5, section="world")  # 17:30 UTC, 22:30 Karachi the 19th
    next_day = make("next-day", 16.5)  # 19:30 UTC the 19th is 00:30 on the 20th in Karachi
    site = index(late_utc, after_midnight, next_day)
    assert [(day.key, day.url, slugs(day.articles)) for day in site.days] == [
        ("2026-11-20", "/archive/2026/11/20/", ["next-day"]),
        ("2026-11-19", "/archive/2026/11/19/", ["late", "after-midnight"]),
    ]


def test_two_sources_with_one_url_are_an_error_naming_both_files() -> None:
    first = make("budget", 1, source="content/articles/budget.md")
    second = make("budget", 1, source="content/articles/2026/budget.md")
    with pytest.raises(BuildFailed) as failure:
        index(first, second)
    (error,) = failure.value.errors
    message = str(error)
    assert "content/articles/budget.md" in message
    assert "content/articles/2026/budget.md" in message
    assert message.endswith("URL /city/2026/11/20/budget/ is already taken by content/articles/budget.md") or (
        message.endswith("URL /city/2026/11/20/budget/ is already taken by content/articles/2026/budget.md")
    )


def test_urls_that_differ_only_in_case_clash() -> None:
    with pytest.raises(BuildFailed) as failure:
        index(make("budget", 1, source="content/articles/a.md"), make("Budget", 1, source="content/articles/b.md"))
    (error,) = failure.value.errors
    assert "content/articles/a.md" in str(error) and "content/articles/b.md" in str(error)


def test_a_page_cannot_take_a_section_front_or_newsgens_own_urls() -> None:
    with pytest.raises(BuildFailed) as failure:
        index(pages=(page("city"), page("tags"), page("about")))
    assert [str(error) for error in failure.value.errors] == [
        "content/pages/city.md:1: URL /city/ is already taken by the front of section 'city'",
        "content/pages/tags.md:1: URL /tags/ is already taken by newsgen's own /tags/ pages",
    ]


def test_a_clash_with_a_draft_or_an_embargoed_article_is_reported_at_once() -> None:
    public = make("budget", 1, source="content/articles/a.md")
    draft = make("budget", 1, source="content/articles/b.md", draft=True)
    with pytest.raises(BuildFailed):
        index(public, draft)
    embargoed = make("later", -24, source="content/articles/c.md")
    also_later = make("later", -24, source="content/articles/d.md")
    with pytest.raises(BuildFailed):
        index(public, embargoed, also_later)
