"""Related articles: the fast ranking picks exactly what the plain definition picks."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsgen.index import RELATED_COUNT, RELATED_WINDOW, Ranking, SiteIndex, _related, index_site, newest_first
from newsgen.models import Article, Section, SiteContent
from newsgen.urls import slugify


def reference(articles: tuple[Article, ...], by_tag: dict[str, list[Article]]) -> dict[str, tuple[Article, ...]]:
    """The definition, written plainly: most shared tags first, then newest, then by URL."""
    related = {}
    for article in articles:
        shared: Counter[str] = Counter()
        candidates: dict[str, Article] = {}
        for tag in {slugify(tag) for tag in article.tags}:
            for other in by_tag[tag][:RELATED_WINDOW]:
                if other.url != article.url:
                    shared[other.url] += 1
                    candidates[other.url] = other
        ranked = sorted(
            candidates.values(), key=lambda other: (-shared[other.url], -other.published.timestamp(), other.url)
        )
        related[article.url] = tuple(ranked[:RELATED_COUNT])
    return related


def story(number: int, published: datetime, tags: tuple[str, ...]) -> Article:
    return Article(
        source=Path(f"a{number}.md"),
        title=f"A{number}",
        published=published,
        byline=("Staff",),
        section="news",
        slug=f"a{number}",
        url=f"/news/a{number:04d}/",
        body="",
        summary="",
        tags=tags,
    )


@pytest.mark.parametrize("seed", range(6))
def test_fast_related_matches_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tags = [f"Tag {number}" for number in range(rng.choice((3, 12, 40)))]
    count = rng.choice((5, 60, 450))
    articles = newest_first(
        story(
            number,
            # few distinct times, so that ties on the date are common and the URL decides
            start + timedelta(hours=rng.randint(0, count // 3)),
            tuple(rng.sample(tags, rng.randint(0, min(5, len(tags))))),
        )
        for number in range(count)
    )
    by_tag: dict[str, list[Article]] = {}
    for article in articles:
        for tag in dict.fromkeys(article.tags):
            by_tag.setdefault(slugify(tag), []).append(article)
    assert _related(articles, by_tag) == reference(articles, by_tag)


def test_a_remembered_ranking_is_reused_only_for_the_same_inputs() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rng = random.Random(99)

    def article(number: int, tags: tuple[str, ...], hours: int = 0) -> Article:
        return story(number, start + timedelta(hours=number + hours), tags)

    tags = [f"Tag {number}" for number in range(6)]
    articles = [article(number, tuple(rng.sample(tags, 3))) for number in range(40)]
    sections = (Section("news", "News"),)
    now = start + timedelta(days=30)

    def index(items: list[Article], remembered: Ranking | None) -> SiteIndex:
        content = SiteContent(articles=tuple(items), pages=(), authors=(), static=())
        return index_site(content, sections, UTC, now=now, remembered=remembered)

    first = index(articles, None)
    # A title edit leaves the inputs as they were: the remembered ranking is used.
    retitled = [replace(item, title="New") if number == 7 else item for number, item in enumerate(articles)]
    again = index(retitled, first.ranking)
    assert again.ranking == first.ranking
    assert {url: [item.title for item in items] for url, items in again.related.items()} == {
        url: ["New" if item.url == articles[7].url else item.title for item in items]
        for url, items in first.related.items()
    }
    # Tags, dates and new articles change the inputs: related articles are chosen afresh, and a stale
    # ranking (even one claiming today's key) is never trusted beyond the articles it names.
    for changed in (
        [replace(item, tags=("Tag 0",)) if number == 3 else item for number, item in enumerate(articles)],
        [replace(item, published=now) if number == 3 else item for number, item in enumerate(articles)],
        [*articles, article(40, ("Tag 1", "Tag 2"))],
    ):
        fresh = index(changed, None)
        assert index(changed, first.ranking).related == fresh.related
        assert fresh.ranking[0] != first.ranking[0]
