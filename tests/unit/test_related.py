"""Related articles: the fast ranking picks exactly what the plain definition picks."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsgen.index import RELATED_COUNT, RELATED_WINDOW, _related, newest_first
from newsgen.models import Article
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


@pytest.mark.parametrize("seed", range(6))
def test_fast_related_matches_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    tags = [f"Tag {number}" for number in range(rng.choice((3, 12, 40)))]
    count = rng.choice((5, 60, 450))
    articles = newest_first(
        Article(
            source=Path(f"a{number}.md"),
            title=f"A{number}",
            # few distinct times, so that ties on the date are common and the URL decides
            published=start + timedelta(hours=rng.randint(0, count // 3)),
            byline=("Staff",),
            section="news",
            slug=f"a{number}",
            url=f"/news/a{number:04d}/",
            body_html="",
            summary="",
            tags=tuple(rng.sample(tags, rng.randint(0, min(5, len(tags))))),
        )
        for number in range(count)
    )
    by_tag: dict[str, list[Article]] = {}
    for article in articles:
        for tag in dict.fromkeys(article.tags):
            by_tag.setdefault(slugify(tag), []).append(article)
    assert _related(articles, by_tag) == reference(articles, by_tag)
