"""Pagination of list pages; the plan's pages, their contexts and what their digests cover."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsgen.config import parse_config
from newsgen.fingerprint import Fingerprints
from newsgen.index import index_site
from newsgen.models import Article, Author, Body, SiteContent
from newsgen.render import (
    ArticleContext,
    AuthorContext,
    BaseContext,
    FrontContext,
    ListContext,
    PageJob,
    paginate,
    plan,
    site_view,
)
from tests.conftest import MINIMAL_CONFIG, NOW


def articles(count: int) -> tuple[Article, ...]:
    published = datetime(2026, 11, 18, tzinfo=UTC)
    return tuple(
        Article(Path(f"{n}.md"), f"T{n}", published, ("A",), "news", f"a{n}", f"/a{n}/", Body(""), "")
        for n in range(count)
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


def planned(bio: str, *, flagged: bool = False) -> list[PageJob]:
    """The pages of a small site whose author Ana has ``bio``; Ben has no profile. ``flagged``: one article is
    featured (the lead) and another breaking."""
    config = parse_config(Path("site"), Path("site/newsgen.yaml"), MINIMAL_CONFIG + "per_page: 2\n")
    published = datetime(2026, 11, 18, tzinfo=UTC)
    items = tuple(
        Article(
            Path(f"{n}.md"),
            f"T{n}",
            published - timedelta(days=n),
            (("Ana",), ("Ben",), ("Ana", "Ben"))[n % 3],
            ("city", "world")[n % 2],
            f"a{n}",
            f"/a{n}/",
            Body("<p>Body</p>"),
            "",
            tags=(f"tag{n % 4}", "all"),
            featured=flagged and n == 5,
            breaking=flagged and n == 3,
        )
        for n in range(9)
    )
    content = SiteContent(items, (), (Author("Ana", "ana", bio=bio),), ())
    index = index_site(content, config.sections, config.timezone, now=NOW)
    return list(plan(index, config, site_view(config, index, {}, NOW)))


def test_each_page_kind_makes_the_context_its_contract_names() -> None:
    contracts = {
        "index.html": FrontContext,
        "article.html": ArticleContext,
        "section.html": ListContext,
        "tag.html": ListContext,
        "day.html": ListContext,
        "author.html": AuthorContext,
        "404.html": BaseContext,
    }
    jobs = planned("Writes.")
    assert {job.template for job in jobs} == set(contracts)
    for job in jobs:
        # Made by one of render's own functions, from nothing but the arguments the page's digest covers.
        assert job.make.__module__ == "newsgen.render" and job.make.__name__.endswith("_context")
        context = job.context()
        assert set(context) == contracts[job.template].__required_keys__ | (
            {"structured_data"} if job.template == "article.html" else set()
        ), job.url
        assert context["page_url"] == job.url


def test_a_page_digest_changes_exactly_when_a_person_its_bylines_name_changes() -> None:
    before, after = planned("Writes."), planned("Writes about the city.")
    assert [job.url for job in before] == [job.url for job in after]
    changed = 0
    for old, new in zip(before, after, strict=True):
        ana_page = old.template == "author.html" and old.context()["author"].author.name == "Ana"
        shows_ana = ana_page or "Ana" in old.context()["people"]
        same = Fingerprints().call_digest(old.make, old.args) == Fingerprints().call_digest(new.make, new.args)
        assert same != shows_ana, old.url
        assert (old.context() == new.context()) == same, old.url
        changed += not same
    assert 0 < changed < len(before)


def _articles_in(value: Any) -> set[int]:
    """The identities of the articles a value holds, through tuples, lists, dicts and dataclass instances."""
    if isinstance(value, Article):
        return {id(value)}
    if isinstance(value, tuple | list):
        return set().union(*map(_articles_in, value))
    if isinstance(value, dict):
        return _articles_in(list(value.items()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _articles_in([getattr(value, field.name) for field in dataclasses.fields(value)])
    return set()


@pytest.mark.parametrize("flagged", [False, True])
def test_a_page_names_every_article_its_context_is_made_from(flagged: bool) -> None:
    # A page whose articles are none of those edited keeps its digest without being digested (build.py).
    jobs = planned("Writes.", flagged=flagged)
    for job in jobs:
        assert {id(article) for article in job.shows} == _articles_in(job.args), job.url
    assert sum(bool(job.shows) for job in jobs) == len(jobs) - 1  # all but the 404 page show articles


@pytest.mark.parametrize("flagged", [False, True])
def test_a_list_page_shows_only_its_lists_articles_and_the_lists_pages_share_them(flagged: bool) -> None:
    # A page whose group has the same articles as last time keeps its digest without being digested (build.py).
    jobs = planned("Writes.", flagged=flagged)
    members: dict[str, tuple[Article, ...]] = {}
    for job in jobs:
        if not job.group:
            assert job.template in ("index.html", "article.html", "page.html", "404.html"), job.url
            continue
        assert _articles_in(job.args) <= {id(article) for article in job.members}, job.url
        assert members.setdefault(job.group, job.members) is job.members, job.url
    assert {job.template for job in jobs if job.group} == {"section.html", "tag.html", "day.html", "author.html"}
