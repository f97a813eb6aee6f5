"""Which pages the site has (``plan``) and how each becomes HTML (``render``); no disk access.

Every template gets the ``BaseContext`` below; each page type adds its own keys
(``ArticleContext`` and friends). These TypedDicts are the contract a site's
template overrides can rely on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, NamedTuple, TypedDict

import jinja2

from .config import AdsConfig, CommentsConfig, SiteConfig
from .index import Listing, SiteIndex
from .metadata import news_article_data, og_locale
from .models import Article, Author, OutputFile, Page, Section
from .theme import template_error
from .urls import absolute, feed_url, link, output_path, paginated_url, section_url

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
    # Made once per build for every page's header and footer (a link each through the ``url`` filter took a
    # fifth of the time of a page's chrome): each section's title, link and URL; each standalone page's title
    # and link.
    nav: tuple[tuple[str, str, str], ...]
    page_links: tuple[tuple[str, str], ...]


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


class PageJob(NamedTuple):
    """One page to render: the template, the URL it is served at, and how its context is made.

    The context is ``make(*args)``, made only when the page is rendered (a page whose digest is unchanged is
    not). ``make`` is one of this module's ``*_context`` functions: pure, reading nothing but its arguments,
    so the digest of ``args`` (with the configuration and newsgen's code) covers everything the page shows.
    (A named tuple rather than a dataclass: a site plans one per page, and one is made in a third of the time.)
    """

    template: str
    url: str
    make: Callable[..., dict[str, Any]]
    args: tuple[Any, ...]
    # Every article the page shows (its own, those it lists, its related ones): exactly the articles ``args``
    # holds, so that a page showing none of the articles edited is known unchanged without digesting it.
    shows: tuple[Article, ...] = ()
    # The pages one list is cut into, named by the URL of the first: ``args`` is a function of the site's
    # settings (the configuration, the site view, the authors and people), the group's name and ``members``
    # (the whole list, in order), so a page whose list has the members it had in the last build is known
    # unchanged. "" for a page with no list (the front page's pages are digested every time).
    group: str = ""
    members: tuple[Article, ...] = ()
    # An article's page: ``args`` is a function of the site's settings and ``shows`` (the article, then the
    # related ones ``SiteIndex.ranking`` chose for its URL), so a page whose article and related ones are the
    # last build's is known unchanged.
    ranked: bool = False

    def context(self) -> dict[str, Any]:
        return self.make(*self.args)


@dataclass(frozen=True, slots=True)
class Common:
    """What every page's context takes from the configuration, made once per build."""

    site: SiteView
    base_url: str
    title: str
    tagline: str
    language: str
    direction: str
    logo: str
    show_ads: bool
    site_feed: tuple[str, str]


@dataclass(frozen=True, slots=True)
class Feeds:
    """The (title, absolute URL) of each Atom feed a page links: one value per listing, shared by its pages."""

    links: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Byline:
    """The people one byline names, as a page links them: one value per distinct byline, shared by every
    page showing an article with it (so its digest is computed once, not once per page)."""

    people: tuple[tuple[str, Person], ...]


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
        nav=tuple(
            (section.title, link(config.base_path, url), url)
            for section in config.sections
            for url in (section_url(section.key),)
        ),
        page_links=tuple((page.title, link(config.base_path, page.url)) for page in index.pages),
    )


def _base(
    common: Common,
    url: str,
    title: str,
    description: str,
    lang: str = "",
    direction: str = "",
    feeds: Feeds | None = None,
    bylines: tuple[Byline, ...] = (),
) -> dict[str, Any]:
    shown: dict[str, Person] = {}
    for byline in bylines:
        shown.update(byline.people)
    context: BaseContext = {
        "site": common.site,
        "page_url": url,
        "canonical_url": absolute(common.base_url, url),
        "title": title,
        "description": description,
        "lang": lang or common.language,
        "dir": direction or common.direction,
        "people": shown,
        "show_ads": common.show_ads,
        "feeds": feeds.links if feeds else (common.site_feed,),
    }
    return dict(context)


def front_context(
    common: Common,
    url: str,
    title: str,
    lead: Article | None,
    breaking: Article | None,
    by_section: tuple[tuple[ListHead, tuple[Article, ...]], ...],
    pagination: Pagination,
    bylines: tuple[Byline, ...],
) -> dict[str, Any]:
    return {
        **_base(common, url, title, common.tagline, bylines=bylines),
        "lead": lead,
        "breaking": breaking,
        "by_section": list(by_section),
        "pagination": pagination,
    }


def article_context(
    common: Common,
    article: Article,
    section: Section,
    related: tuple[Article, ...],
    feeds: Feeds,
    bylines: tuple[Byline, ...],
) -> dict[str, Any]:
    context = {
        **_base(common, article.url, article.title, article.summary, article.lang, article.dir, feeds, bylines),
        "article": article,
        "section": section,
        "related": related,
        "show_ads": common.show_ads and article.ads,
        "og_locale": og_locale(article.lang or common.language),
    }
    shown: dict[str, Person] = context["people"]
    context["structured_data"] = news_article_data(
        article,
        section_title=section.title,
        author_urls={name: person.url for name, person in shown.items()},
        base_url=common.base_url,
        site_title=common.title,
        logo=common.logo,
        language=common.language,
    )
    return context


def list_context(
    common: Common,
    url: str,
    title: str,
    feeds: Feeds | None,
    listing: ListHead,
    kind: str,
    pagination: Pagination,
    bylines: tuple[Byline, ...],
) -> dict[str, Any]:
    return {
        **_base(common, url, title, f"{title} — {common.title}", feeds=feeds, bylines=bylines),
        "listing": listing,
        "kind": kind,
        "pagination": pagination,
    }


def author_context(
    common: Common,
    url: str,
    title: str,
    feeds: Feeds,
    author: Person,
    pagination: Pagination,
    bylines: tuple[Byline, ...],
) -> dict[str, Any]:
    description = author.author.bio or f"Articles by {author.author.name}"
    return {
        **_base(common, url, title, description, feeds=feeds, bylines=bylines),
        "author": author,
        "pagination": pagination,
    }


def page_context(common: Common, page: Page) -> dict[str, Any]:
    return {**_base(common, page.url, page.title, page.summary, page.lang, page.dir), "page": page}


def not_found_context(common: Common) -> dict[str, Any]:
    return _base(common, "/404.html", "Page not found", "This page does not exist.")


def plan(index: SiteIndex, config: SiteConfig, site: SiteView) -> Iterator[PageJob]:
    """Every HTML page of the site, in a stable order.

    Each page's arguments hold only what it shows (its own slice of a list, the bylines of the articles on
    it), so an unchanged page keeps its digest when an article elsewhere in its list changes.
    """
    common = Common(
        site=site,
        base_url=config.base_url,
        title=config.title,
        tagline=config.tagline,
        language=config.language,
        direction=config.direction,
        logo=config.logo,
        show_ads=config.ads.enabled,
        site_feed=(config.title, absolute(config.base_url, feed_url("/"))),
    )
    people = {name: Person(listing.author, listing.url) for name, listing in index.people.items()}
    feeds_of: dict[str, Feeds] = {}
    heads: dict[str, ListHead] = {}
    bylines: dict[tuple[str, ...], Byline] = {}

    def listing_feeds(listing_url: str, title: str) -> Feeds:
        found = feeds_of.get(listing_url)
        if found is None:
            found = feeds_of[listing_url] = Feeds(
                (common.site_feed, (f"{title} — {config.title}", absolute(config.base_url, feed_url(listing_url))))
            )
        return found

    def head(listing: Listing) -> ListHead:
        found = heads.get(listing.url)
        if found is None:
            found = heads[listing.url] = ListHead(listing.key, listing.title, listing.url)
        return found

    def byline(names: tuple[str, ...]) -> Byline:
        found = bylines.get(names)
        if found is None:
            found = bylines[names] = Byline(tuple((name, people[name]) for name in names if name in people))
        return found

    # Each listed article's byline, by the article's identity (the articles outlive the plan).
    byline_of = {id(article): byline(article.byline) for article in index.articles}

    def named(articles: Iterable[Article]) -> tuple[Byline, ...]:
        return tuple(map(byline_of.__getitem__, map(id, articles)))

    lead = index.lead
    # The newest breaking story gets the front page's banner, whether or not it is the lead.
    breaking = next((article for article in index.articles if article.breaking), None)
    by_section = tuple(
        (head(listing), tuple(article for article in listing.articles if article is not lead)[:FRONT_SECTION_COUNT])
        for listing in index.sections
    )
    for pagination in paginate(index.articles, config.per_page, "/"):
        url = pagination.url(pagination.number)
        title = config.title if pagination.number == 1 else f"{config.title} — page {pagination.number}"
        if pagination.number == 1:
            tops = tuple(
                article for article in (lead, breaking, *(a for _, items in by_section for a in items)) if article
            )
            shows = tops + pagination.items
            args = (common, url, title, lead, breaking, by_section, pagination, named(tops) + named(pagination.items))
        else:
            shows = pagination.items
            args = (common, url, title, None, None, (), pagination, named(pagination.items))
        yield PageJob("index.html", url, front_context, args, shows)

    sections = {section.key: section for section in config.sections}
    shelves: dict[str, tuple[Section, Feeds]] = {}  # each section's value and feeds, shared by its articles
    for article in index.articles:
        shelf = shelves.get(article.section)
        if shelf is None:
            section = sections.get(article.section) or Section(article.section, article.section)
            shelf = shelves[article.section] = (section, listing_feeds(section_url(section.key), section.title))
        section, feeds = shelf
        related = index.related.get(article.url, ())
        shows = (article, *related)
        yield PageJob(
            "article.html",
            article.url,
            article_context,
            (common, article, section, related, feeds, named(shows)),
            shows,
            ranked=True,
        )

    listings: Sequence[tuple[str, tuple[Listing, ...]]] = (
        ("section", index.sections),
        ("tag", index.tags),
        ("day", index.days),
    )
    for kind, group in listings:
        for listing in group:
            list_feeds = listing_feeds(listing.url, listing.title) if kind == "section" else None
            for pagination in paginate(listing.articles, config.per_page, listing.url):
                url = pagination.url(pagination.number)
                title = _list_title(kind, listing, pagination.number)
                yield PageJob(
                    f"{kind}.html",
                    url,
                    list_context,
                    (common, url, title, list_feeds, head(listing), kind, pagination, named(pagination.items)),
                    pagination.items,
                    listing.url,
                    listing.articles,
                )

    for author in index.authors:
        person = Person(author.author, author.url)
        feeds = listing_feeds(author.url, author.author.name)
        for pagination in paginate(author.articles, config.per_page, author.url):
            url = pagination.url(pagination.number)
            title = author.author.name if pagination.number == 1 else f"{author.author.name} — page {pagination.number}"
            yield PageJob(
                "author.html",
                url,
                author_context,
                (common, url, title, feeds, person, pagination, named(pagination.items)),
                pagination.items,
                author.url,
                author.articles,
            )

    for page in index.pages:
        yield PageJob("page.html", page.url, page_context, (common, page))

    yield PageJob("404.html", "/404.html", not_found_context, (common,))


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
        html = env.get_template(job.template).render(job.context())
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
        raise template_error(exc, job.template) from None
    return OutputFile(output_path(job.url), html.encode("utf-8"))
