"""Pagination of list pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgen.models import Article
from newsgen.render import paginate


def articles(count: int) -> tuple[Article, ...]:
    published = datetime(2026, 11, 18, tzinfo=UTC)
    return tuple(
        Article(Path(f"{n}.md"), f"T{n}", published, ("A",), "news", f"a{n}", f"/a{n}/", "", "") for n in range(count)
    )


@pytest.mark.parametrize(("count", "per_page", "sizes"), [(0, 3, [0]), (3, 3, [3]), (7, 3, [3, 3, 1]), (2, 20, [2])])
def test_pages_hold_per_page_items_and_an_empty_list_still_has_one_page(
    count: int, per_page: int, sizes: list[int]
) -> None:
    pages = list(paginate(articles(count), per_page, "/city/"))
    assert [len(page.items) for page in pages] == sizes
    assert [page.number for page in pages] == list(range(1, len(sizes) + 1))
    assert {page.total for page in pages} == {len(sizes)}
    assert [item for page in pages for item in page.items] == list(articles(count))


def test_page_urls_and_neighbours() -> None:
    first, second, third = paginate(articles(7), 3, "/city/")
    assert (first.url(1), first.url(2), third.url(3)) == ("/city/", "/city/page/2/", "/city/page/3/")
    assert (first.previous_url, first.next_url) == (None, "/city/page/2/")
    assert (second.previous_url, second.next_url) == ("/city/", "/city/page/3/")
    assert (third.previous_url, third.next_url) == ("/city/page/2/", None)
