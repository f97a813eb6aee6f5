"""Related articles: the fast ranking picks exactly what the plain definition picks."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsgen.index import (
    RELATED_COUNT,
    RELATED_WINDOW,
    Ranking,
    SiteIndex,
    _related,
    index_site,
    newest_first,
    rank_related,
)
from newsgen.models import Article, Body, Section, SiteContent
from newsgen.urls import slugify


def reference(
    articles: tuple[Article, ...], by_tag: dict[str, list[Article]], window: int = RELATED_WINDOW
) -> dict[str, tuple[Article, ...]]:
    """The definition, written plainly: most shared tags first, then newest, then by URL."""
    related = {}
    for article in articles:
        shared: Counter[str] = Counter()
        candidates: dict[str, Article] = {}
        for tag in {slugify(tag) for tag in article.tags}:
            for other in by_tag[tag][:window]:
                if other.url != article.url:
                    shared[other.url] += 1
                    candidates[other.url] = other
        ranked = sorted(
            candidates.values(), key=lambda other: (-shared[other.url], -other.published.timestamp(), other.url)
        )
        related[article.url] = tuple(ranked[:RELATED_COUNT])
    return related


def story(number: int, published: datetime, tags: tuple[str, ...], url: str = "") -> Article:
    return Article(
        source=Path(f"a{number}.md"),
        title=f"A{number}",
        published=published,
        byline=("Staff",),
        section="news",
        slug=f"a{number}",
        url=url or f"/news/a{number:04d}/",
        body=Body(""),
        summary="",
        tags=tags,
    )


def tag_lists(articles: tuple[Article, ...]) -> dict[str, list[Article]]:
    """Each tag's articles, newest first, as ``index_site`` lists them."""
    by_tag: dict[str, list[Article]] = {}
    for article in articles:
        for tag in dict.fromkeys(article.tags):
            by_tag.setdefault(slugify(tag), []).append(article)
    return by_tag


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
    by_tag = tag_lists(articles)
    assert _related(articles, by_tag) == reference(articles, by_tag)
    # A narrow window, where most candidates are left out of it, and the choice for a few articles only.
    assert _related(articles, by_tag, window=3) == reference(articles, by_tag, window=3)
    some = articles[::7]
    assert _related(some, by_tag, window=5) == {
        url: chosen for url, chosen in reference(articles, by_tag, window=5).items() if url in {a.url for a in some}
    }


def test_a_remembered_ranking_is_reused_where_its_inputs_hold() -> None:
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
    # A title edit leaves the inputs as they were: the remembered ranking holds, and names today's articles.
    retitled = [replace(item, title="New") if number == 7 else item for number, item in enumerate(articles)]
    again = index(retitled, first.ranking)
    assert again.ranking == first.ranking
    assert {url: [item.title for item in items] for url, items in again.related.items()} == {
        url: ["New" if item.url == articles[7].url else item.title for item in items]
        for url, items in first.related.items()
    }
    # Tags, dates and new articles change the inputs: what they change is chosen again, as a cold index does.
    for changed in (
        [replace(item, tags=("Tag 0",)) if number == 3 else item for number, item in enumerate(articles)],
        [replace(item, published=now) if number == 3 else item for number, item in enumerate(articles)],
        [*articles, article(40, ("Tag 1", "Tag 2"))],
    ):
        fresh = index(changed, None)
        assert fresh.ranking != first.ranking
        reindexed = index(changed, first.ranking)
        assert reindexed.related == fresh.related
        assert reindexed.ranking == fresh.ranking


def test_instants_order_candidates_across_windows() -> None:
    """Redating an article can leave every window's order as it was and still change a choice: candidates
    from different windows are ordered by their instants. The ranking's windows include them."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lead = story(1, start + timedelta(hours=10), ("x", "y"))
    older = story(2, start + timedelta(hours=5), ("x",))
    oldest = story(3, start + timedelta(hours=3), ("y",))
    first = newest_first((lead, older, oldest))
    ranking = rank_related(first, tag_lists(first), Ranking())
    assert ranking.chosen[lead.url] == (("x", "y"), (older.url, oldest.url))
    # ``older`` is now the oldest: still after ``lead`` in x's window, but before ``oldest`` no more.
    second = newest_first((lead, replace(older, published=start + timedelta(hours=2)), oldest))
    again = rank_related(second, tag_lists(second), ranking)
    assert again.chosen[lead.url] == (("x", "y"), (oldest.url, older.url))
    assert again == rank_related(second, tag_lists(second), Ranking())


# "respell" writes an article's tags differently, to the same slugs, in another order.
EDITS = ("add", "delete", "retag", "respell", "redate", "rename", "retitle")


@pytest.mark.parametrize("seed", range(16))
def test_related_chosen_again_where_inputs_changed_equal_a_fresh_choice(seed: int) -> None:
    """Random sequences of edits: at each step the ranking made from the last one equals one made from
    nothing, both pick what the plain definition picks, and choices whose inputs held were reused."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    window = rng.choice((1, 2, 3, 5, RELATED_WINDOW))
    tags = [f"Tag {number}" for number in range(rng.choice((2, 4, 8, 16)))]
    serial = iter(range(10**6))

    def some_tags() -> tuple[str, ...]:
        return tuple(rng.sample(tags, rng.randint(0, min(4, len(tags)))))

    def when() -> datetime:
        return start + timedelta(hours=rng.randint(0, 15))  # few instants: ties are common and the URL decides

    def new_story() -> Article:
        return story(next(serial), when(), some_tags())

    articles = [new_story() for _ in range(rng.randint(1, 30))]
    remembered, reused = Ranking(), 0
    operations: list[str] = []
    for _ in range(40):
        current = newest_first(articles)
        by_tag = tag_lists(current)
        ranking = rank_related(current, by_tag, remembered, window=window)
        assert ranking == rank_related(current, by_tag, Ranking(), window=window)
        assert {url: others for url, (_, others) in ranking.chosen.items()} == {
            url: tuple(other.url for other in chosen) for url, chosen in reference(current, by_tag, window).items()
        }
        # The same again with every remembered choice replaced by a marker: the markers left were reused.
        marked = Ranking(remembered.windows, {url: (own, ("marked",)) for url, (own, _) in remembered.chosen.items()})
        kept = [
            url
            for url, (_, others) in rank_related(current, by_tag, marked, window=window).chosen.items()
            if others == ("marked",)
        ]
        reused += len(kept)
        if operations == ["retitle"]:  # no input changed: every choice is reused
            assert len(kept) == len(current)
        remembered = ranking
        operations = [rng.choice(EDITS) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        for operation in operations:
            number = rng.randrange(len(articles))
            if operation == "add" or len(articles) < 2:
                articles.append(new_story())
            elif operation == "delete":
                del articles[number]
            elif operation == "retag":
                articles[number] = replace(articles[number], tags=some_tags())
            elif operation == "respell":
                respelled = tuple(tag.upper() for tag in reversed(articles[number].tags))
                articles[number] = replace(articles[number], tags=respelled)
            elif operation == "redate":
                articles[number] = replace(articles[number], published=when())
            elif operation == "rename":
                articles[number] = replace(articles[number], url=f"/news/renamed-{next(serial)}/")
            else:
                articles[number] = replace(articles[number], title=f"Retitled {next(serial)}")
    assert reused > 0
