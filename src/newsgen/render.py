"""Which pages the site has (``plan``) and how each becomes HTML (``render``); no disk access.

Every template gets the ``BaseContext`` below; each page type adds its own keys
(``ArticleContext`` and friends). These TypedDicts are the contract a site's
template overrides can rely on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, TypedDict

import jinja2

from .config import AdsConfig, CommentsConfig, SiteConfig
from .errors import NewsgenError
from .index import AuthorListing, Listing, SiteIndex
from .metadata import news_article_data, og_locale
from .models import Article, Author, OutputFile, Page, Section
from .theme import template_error
from .urls import absolute, feed_url, output_path, paginated_url, section_url

FRONT_SECTION_COUNT = 4


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    items: tuple[Article, ...]
    first_url: str

    def url(self, number: int) -> str:
        return paginated_url(self.first_url, number)

    @property
    def previous_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.total else None


@dataclass(frozen=True, slots=True)
class SiteView:
    """What every template knows of the site."""

    title: str
    tagline: str
    base_url: str
    language: str
    direction: str
    logo: str
    sections: tuple[Section, ...]
    ads: AdsConfig
    comments: CommentsConfig
    assets: dict[str, str]
    pages: tuple[tuple[str, str], ...]
    edition: datetime
    preview: bool


@dataclass(frozen=True, slots=True)
class Person:
    """An author as a byline links to them: the profile and the author page's URL.

    (Not the author's whole list of articles: a page showing a byline must not have
    to change whenever that author publishes elsewhere.)
    """

    author: Author
    url: str


class BaseContext(TypedDict):
    site: SiteView
    page_url: str
    canonical_url: str
    title: str
    description: str
    lang: str
    dir: str
    people: dict[str, Person]
    show_ads: bool
    feeds: tuple[tuple[str, str], ...]  # (title, absolute URL) of each Atom feed the page links in its <head>


class ArticleContext(BaseContext):
    article: Article
    section: Section
    related: tuple[Article, ...]
    structured_data: dict[str, Any]  # schema.org NewsArticle, for |script_json in a JSON-LD block
    og_locale: str


class FrontContext(BaseContext):
    lead: Article | None
    breaking: Article | None
    by_section: list[tuple[Listing, tuple[Article, ...]]]
    pagination: Pagination


class ListContext(BaseContext):
    listing: Listing
    kind: str
    pagination: Pagination


class AuthorContext(BaseContext):
    author: AuthorListing
    pagination: Pagination


class PageContext(BaseContext):
    page: Page


@dataclass(frozen=True, slots=True)
class PageJob:
    """One page to render: the template, the URL it is served at and its context."""

    template: str
    url: str
    context: dict[str, Any]


def paginate(items: tuple[Article, ...], per_page: int, first_url: str) -> Iterator[Pagination]:
    total = max(1, -(-len(items) // per_page))
    for number in range(1, total + 1):
        yield Pagination(number, total, items[(number - 1) * per_page : number * per_page], first_url)


def site_view(
    config: SiteConfig, index: SiteIndex, assets: dict[str, str], now: datetime, *, preview: bool = False
) -> SiteView:
    return SiteView(
        title=config.title,
        tagline=config.tagline,
        base_url=config.base_url,
        language=config.language,
        direction=config.direction,
        logo=config.logo,
        sections=config.sections,
        ads=config.ads,
        comments=config.comments,
        assets=assets,
        pages=tuple((page.title, page.url) for page in index.pages),
        # The edition is a day: pages show its date, and a page built twice on one day is the same page.
        edition=datetime.combine(now.astimezone(config.timezone).date(), time(), config.timezone),
        preview=preview,
    )


def plan(index: SiteIndex, config: SiteConfig, site: SiteView) -> Iterator[PageJob]:
    """Every HTML page of the site, in a stable order."""
    people = {name: Person(listing.author, listing.url) for name, listing in index.people.items()}
    author_urls = {name: person.url for name, person in people.items()}
    site_feed = (config.title, absolute(config.base_url, feed_url("/")))

    def listing_feeds(listing_url: str, title: str) -> tuple[tuple[str, str], ...]:
        return site_feed, (f"{title} — {config.title}", absolute(config.base_url, feed_url(listing_url)))

    def base(
        url: str,
        title: str,
        description: str,
        lang: str = "",
        direction: str = "",
        feeds: tuple[tuple[str, str], ...] = (site_feed,),
    ) -> dict[str, Any]:
        context: BaseContext = {
            "site": site,
            "page_url": url,
            "canonical_url": absolute(config.base_url, url),
            "title": title,
            "description": description,
            "lang": lang or config.language,
            "dir": direction or config.direction,
            "people": people,
            "show_ads": config.ads.enabled,
            "feeds": feeds,
        }
        return dict(context)

    lead = index.lead
    # The newest breaking story gets the front page's banner, whether or not it is the lead.
    breaking = next((article for article in index.articles if article.breaking), None)
    by_section = [
        (listing, tuple(article for article in listing.articles if article is not lead)[:FRONT_SECTION_COUNT])
        for listing in index.sections
    ]
    for pagination in paginate(index.articles, config.per_page, "/"):
        url = pagination.url(pagination.number)
        title = config.title if pagination.number == 1 else f"{config.title} — page {pagination.number}"
        yield PageJob(
            "index.html",
            url,
            {
                **base(url, title, config.tagline),
                "lead": lead,
                "breaking": breaking,
                "by_section": by_section,
                "pagination": pagination,
            },
        )

    for article in index.articles:
        section = config.section(article.section) or Section(article.section, article.section)
        feeds = listing_feeds(section_url(section.key), section.title)
        yield PageJob(
            "article.html",
            article.url,
            {
                **base(article.url, article.title, article.summary, article.lang, article.dir, feeds),
                "article": article,
                "section": section,
                "related": index.related.get(article.url, ()),
                "show_ads": config.ads.enabled and article.ads,
                "structured_data": news_article_data(
                    article,
                    section_title=section.title,
                    author_urls=author_urls,
                    base_url=config.base_url,
                    site_title=config.title,
                    logo=config.logo,
                    language=config.language,
                ),
                "og_locale": og_locale(article.lang or config.language),
            },
        )

    listings: Sequence[tuple[str, tuple[Listing, ...]]] = (
        ("section", index.sections),
        ("tag", index.tags),
        ("day", index.days),
    )
    for kind, group in listings:
        for listing in group:
            for pagination in paginate(listing.articles, config.per_page, listing.url):
                url = pagination.url(pagination.number)
                title = _list_title(kind, listing, pagination.number)
                description = f"{title} — {config.title}"
                feeds = listing_feeds(listing.url, listing.title) if kind == "section" else (site_feed,)
                yield PageJob(
                    f"{kind}.html",
                    url,
                    {
                        **base(url, title, description, feeds=feeds),
                        "listing": listing,
                        "kind": kind,
                        "pagination": pagination,
                    },
                )

    for author in index.authors:
        for pagination in paginate(author.articles, config.per_page, author.url):
            url = pagination.url(pagination.number)
            title = author.author.name if pagination.number == 1 else f"{author.author.name} — page {pagination.number}"
            description = author.author.bio or f"Articles by {author.author.name}"
            feeds = listing_feeds(author.url, author.author.name)
            yield PageJob(
                "author.html",
                url,
                {**base(url, title, description, feeds=feeds), "author": author, "pagination": pagination},
            )

    for page in index.pages:
        yield PageJob(
            "page.html", page.url, {**base(page.url, page.title, page.summary, page.lang, page.dir), "page": page}
        )

    yield PageJob("404.html", "/404.html", base("/404.html", "Page not found", "This page does not exist."))


def _list_title(kind: str, listing: Listing, number: int) -> str:
    if kind == "tag":
        title = f"Tagged “{listing.title}”"
    elif kind == "day":
        title = f"The edition of {listing.title}"
    else:
        title = listing.title
    return title if number == 1 else f"{title} — page {number}"


def render(job: PageJob, env: jinja2.Environment) -> OutputFile:
    """One page as an ``OutputFile``; a template failure raises ``TemplateError`` at its line."""
    try:
        html = env.get_template(job.template).render(job.context)
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise template_error(exc, job.template) from None
    return OutputFile(output_path(job.url), html.encode("utf-8"))


def render_all(jobs: Iterator[PageJob], env: jinja2.Environment) -> tuple[list[OutputFile], list[NewsgenError]]:
    """Render every job; a template error is reported once, not once per page that uses the template."""
    files: list[OutputFile] = []
    errors: dict[str, NewsgenError] = {}
    for job in jobs:
        try:
            files.append(render(job, env))
        except NewsgenError as error:
            errors.setdefault(str(error), error)
    return files, list(errors.values())
