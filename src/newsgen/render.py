"""Which pages the site has (``plan``) and how each becomes HTML (``render``); no disk access.

Every template gets the ``BaseContext`` below; each page type adds its own keys
(``ArticleContext`` and friends). These TypedDicts are the contract a site's
template overrides can rely on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, TypedDict

import jinja2

from .config import AdsConfig, CommentsConfig, SiteConfig
from .errors import NewsgenError
from .index import Listing, SiteIndex
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
class ListHead:
    """A section, tag or day edition as its pages name it. (Not its articles: a page lists only its own
    ``pagination.items``, so that a change to an article re-renders only the pages that show it.)"""

    key: str
    title: str
    url: str


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
    people: dict[str, Person]  # the people named in the bylines of the articles this page shows
    show_ads: bool
    feeds: tuple[tuple[str, str], ...]  # (title, absolute URL) of each Atom feed the page links in its <head>


class ArticleContext(BaseContext):
    article: Article
    section: Section
    related: tuple[Article, ...]
    structured_data: dict[str, Any]  # schema.org NewsArticle, for |script_json in a JSON-LD block
    og_locale: str


class FrontContext(BaseContext):
    # The lead, the breaking banner and each section's newest pieces are the first page's (None and [] after it).
    lead: Article | None
    breaking: Article | None
    by_section: list[tuple[ListHead, tuple[Article, ...]]]
    pagination: Pagination


class ListContext(BaseContext):
    listing: ListHead
    kind: str
    pagination: Pagination


class AuthorContext(BaseContext):
    author: Person
    pagination: Pagination


class PageContext(BaseContext):
    page: Page


@dataclass(frozen=True, slots=True)
class PageJob:
    """One page to render: the template, the URL it is served at and its context.

    ``derived`` adds values computed only when the page is rendered (a page whose digest is unchanged is
    not): each is a pure function of ``context`` and the configuration, which the page's digest covers.
    """

    template: str
    url: str
    context: dict[str, Any]
    derived: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def full_context(self) -> dict[str, Any]:
        return {**self.context, **self.derived(self.context)} if self.derived else self.context


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
    """Every HTML page of the site, in a stable order.

    Each context holds only what its page shows (the page's own slice of a list, the people its bylines
    name), so an unchanged page keeps its digest when an article elsewhere in its list changes.
    """
    people = {name: Person(listing.author, listing.url) for name, listing in index.people.items()}
    site_feed = (config.title, absolute(config.base_url, feed_url("/")))
    feeds_of: dict[str, tuple[tuple[str, str], ...]] = {}
    heads: dict[str, ListHead] = {}

    def listing_feeds(listing_url: str, title: str) -> tuple[tuple[str, str], ...]:
        # One tuple per listing, shared by its pages (a shared value is digested once).
        found = feeds_of.get(listing_url)
        if found is None:
            found = feeds_of[listing_url] = (
                site_feed,
                (f"{title} — {config.title}", absolute(config.base_url, feed_url(listing_url))),
            )
        return found

    def head(listing: Listing) -> ListHead:
        found = heads.get(listing.url)
        if found is None:
            found = heads[listing.url] = ListHead(listing.key, listing.title, listing.url)
        return found

    bylines: dict[int, list[tuple[str, Person]]] = {}

    def named(*groups: Iterable[Article | None]) -> dict[str, Person]:
        shown: dict[str, Person] = {}
        for group in groups:
            for article in group:
                if article is None:
                    continue
                found = bylines.get(id(article))  # the articles outlive the plan: an identity is not reused
                if found is None:
                    found = bylines[id(article)] = [(name, people[name]) for name in article.byline if name in people]
                shown.update(found)
        return shown

    def base(
        url: str,
        title: str,
        description: str,
        lang: str = "",
        direction: str = "",
        feeds: tuple[tuple[str, str], ...] = (site_feed,),
        shown: dict[str, Person] | None = None,
    ) -> dict[str, Any]:
        context: BaseContext = {
            "site": site,
            "page_url": url,
            "canonical_url": absolute(config.base_url, url),
            "title": title,
            "description": description,
            "lang": lang or config.language,
            "dir": direction or config.direction,
            "people": shown or {},
            "show_ads": config.ads.enabled,
            "feeds": feeds,
        }
        return dict(context)

    def article_data(context: dict[str, Any]) -> dict[str, Any]:
        article: Article = context["article"]
        shown: dict[str, Person] = context["people"]
        return {
            "structured_data": news_article_data(
                article,
                section_title=context["section"].title,
                author_urls={name: person.url for name, person in shown.items()},
                base_url=config.base_url,
                site_title=config.title,
                logo=config.logo,
                language=config.language,
            )
        }

    lead = index.lead
    # The newest breaking story gets the front page's banner, whether or not it is the lead.
    breaking = next((article for article in index.articles if article.breaking), None)
    by_section = [
        (head(listing), tuple(article for article in listing.articles if article is not lead)[:FRONT_SECTION_COUNT])
        for listing in index.sections
    ]
    for pagination in paginate(index.articles, config.per_page, "/"):
        url = pagination.url(pagination.number)
        first = pagination.number == 1
        title = config.title if first else f"{config.title} — page {pagination.number}"
        shown = named((lead, breaking), *(items for _, items in by_section)) if first else {}
        yield PageJob(
            "index.html",
            url,
            {
                **base(url, title, config.tagline, shown={**shown, **named(pagination.items)}),
                "lead": lead if first else None,
                "breaking": breaking if first else None,
                "by_section": by_section if first else [],
                "pagination": pagination,
            },
        )

    sections = {section.key: section for section in config.sections}
    for article in index.articles:
        section = sections.get(article.section) or Section(article.section, article.section)
        feeds = listing_feeds(section_url(section.key), section.title)
        related = index.related.get(article.url, ())
        yield PageJob(
            "article.html",
            article.url,
            {
                **base(
                    article.url,
                    article.title,
                    article.summary,
                    article.lang,
                    article.dir,
                    feeds,
                    named((article,), related),
                ),
                "article": article,
                "section": section,
                "related": related,
                "show_ads": config.ads.enabled and article.ads,
                "og_locale": og_locale(article.lang or config.language),
            },
            article_data,
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
                        **base(url, title, description, feeds=feeds, shown=named(pagination.items)),
                        "listing": head(listing),
                        "kind": kind,
                        "pagination": pagination,
                    },
                )

    for author in index.authors:
        person = Person(author.author, author.url)
        for pagination in paginate(author.articles, config.per_page, author.url):
            url = pagination.url(pagination.number)
            title = author.author.name if pagination.number == 1 else f"{author.author.name} — page {pagination.number}"
            description = author.author.bio or f"Articles by {author.author.name}"
            feeds = listing_feeds(author.url, author.author.name)
            yield PageJob(
                "author.html",
                url,
                {
                    **base(url, title, description, feeds=feeds, shown=named(pagination.items)),
                    "author": person,
                    "pagination": pagination,
                },
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
        html = env.get_template(job.template).render(job.full_context())
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
