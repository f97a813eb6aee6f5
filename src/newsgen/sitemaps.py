"""Sitemaps (sitemap.xml, news-sitemap.xml), robots.txt and ads.txt, as ``OutputFile`` values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from lxml import etree

from .config import SiteConfig
from .index import SiteIndex
from .models import Article, OutputFile
from .urls import absolute, paginated_url
from .xmldoc import DECLARATION, add, escaped_text, serialise, timestamp

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_LIMIT = 50_000
NEWS_LIMIT = 1_000
NEWS_WINDOW = timedelta(days=2)
# The front page shows each section's newest few besides the lead; counting one
# more than the theme shows per section keeps its lastmod right when the lead is
# among them (an earlier lastmod than true would be the only harm otherwise).
FRONT_SECTION_SPAN = 5
# Google News accepts ISO 639 codes, and these two Chinese variants.
_NEWS_LANGUAGE_EXCEPTIONS = ("zh-cn", "zh-tw")


class SitemapEntry(NamedTuple):
    """A public page: its site-relative URL and the newest date it shows (None when it shows none). A named
    tuple, not a dataclass: a site has one per page, and one is made in a third of the time."""

    url: str
    lastmod: datetime | None


def _newest(articles: Iterable[Article]) -> datetime | None:
    # ``updated or published`` is ``modified`` without a property call: there are as many as pages list articles.
    return max((article.updated or article.published for article in articles), default=None)


def _pages(first_url: str, articles: Sequence[Article], per_page: int) -> Iterator[SitemapEntry]:
    """The pages of a paginated list, each dated by the newest article it lists (the same cut as render.paginate)."""
    total = max(1, -(-len(articles) // per_page))
    for number in range(1, total + 1):
        shown = articles[(number - 1) * per_page : number * per_page]
        yield SitemapEntry(paginated_url(first_url, number), _newest(shown))


def sitemap_entries(index: SiteIndex, config: SiteConfig) -> list[SitemapEntry]:
    """Every public page of the site in a stable order: fronts, articles, sections, tags, days, authors, pages.

    Drafts (in a ``--drafts`` build) are left out: a sitemap lists what the public may see.
    """
    per_page = config.per_page
    front = list(_pages("/", index.articles, per_page))
    front_extra = [index.lead] if index.lead else []
    front_extra += [article for listing in index.sections for article in listing.articles[:FRONT_SECTION_SPAN]]
    lastmods = [date for date in (front[0].lastmod, _newest(front_extra)) if date]
    entries = [SitemapEntry("/", max(lastmods) if lastmods else None), *front[1:]]
    entries += [
        SitemapEntry(article.url, article.updated or article.published)
        for article in index.articles
        if not article.draft
    ]
    # A list made only of drafts (a tag, day or author only a draft has) is no public page.
    for group in (index.sections, index.tags, index.days, index.authors):
        for listing in group:
            if not listing.articles or not all(article.draft for article in listing.articles):
                entries += _pages(listing.url, listing.articles, per_page)
    entries += [SitemapEntry(page.url, None) for page in index.pages if not page.draft]
    return entries


def _locations(root: str, item: str, locations: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A sitemap (``urlset`` of ``url``) or sitemap index (``sitemapindex`` of ``sitemap``): per location (an
    absolute URL, escaped) an ``item`` with its ``loc`` and, when dated, its ``lastmod``. Written as text, not as
    an lxml tree (at 15,000 URLs that takes half the time), in the layout lxml's pretty print gives, byte for byte."""
    lines = [DECLARATION, f'<{root} xmlns="{SITEMAP}">']
    stamps: dict[int, str] = {}  # the dates are shared: a listing's page is as new as an article it shows
    for loc, lastmod in locations:
        if lastmod:
            # An ISO date-time holds nothing to escape.
            stamp = stamps.get(id(lastmod))
            if stamp is None:
                stamp = stamps[id(lastmod)] = timestamp(lastmod)
            lines.append(f"  <{item}>\n    <loc>{loc}</loc>\n    <lastmod>{stamp}</lastmod>\n  </{item}>")
        else:
            lines.append(f"  <{item}>\n    <loc>{loc}</loc>\n  </{item}>")
    if len(lines) == 2:  # no location: lxml closes an empty root in its start tag
        lines[1] = f'<{root} xmlns="{SITEMAP}"/>'
    else:
        lines.append(f"</{root}>")
    return ("\n".join(lines) + "\n").encode("utf-8")


# Site URLs made only of these characters are the same quoted (``absolute``) and escaped (``escaped_text``).
_PLAIN_URLS = re.compile(r"[\w.~/#?=%:\n-]*", re.ASCII)


def _urlset(entries: Sequence[SitemapEntry], base_url: str) -> bytes:
    urls = "\n".join(entry.url for entry in entries)
    base = base_url.rstrip("/")
    if _PLAIN_URLS.fullmatch(urls) and _PLAIN_URLS.fullmatch(base) and "://" not in urls:
        locations = ((base + entry.url, entry.lastmod) for entry in entries)
    else:
        locations = ((escaped_text(absolute(base_url, entry.url)), entry.lastmod) for entry in entries)
    return _locations("urlset", "url", locations)


def sitemap_paths(count: int, limit: int = SITEMAP_LIMIT) -> tuple[str, ...]:
    """The files ``sitemap_files`` makes for ``count`` entries, known before they are made."""
    if count <= limit:
        return ("sitemap.xml",)
    return ("sitemap.xml", *(f"sitemap-{number}.xml" for number in range(1, -(-count // limit) + 1)))


def sitemap_files(entries: Sequence[SitemapEntry], base_url: str, limit: int = SITEMAP_LIMIT) -> list[OutputFile]:
    """``sitemap.xml``; over ``limit`` URLs it becomes a sitemap index of ``sitemap-1.xml``, ``sitemap-2.xml``, ..."""
    if len(entries) <= limit:
        return [OutputFile("sitemap.xml", _urlset(entries, base_url))]
    files: list[OutputFile] = []
    parts: list[tuple[str, datetime | None]] = []
    for number, start in enumerate(range(0, len(entries), limit), start=1):
        chunk = entries[start : start + limit]
        path = f"sitemap-{number}.xml"
        files.append(OutputFile(path, _urlset(chunk, base_url)))
        parts.append(
            (
                escaped_text(absolute(base_url, "/" + path)),
                max((entry.lastmod for entry in chunk if entry.lastmod), default=None),
            )
        )
    return [OutputFile("sitemap.xml", _locations("sitemapindex", "sitemap", parts)), *files]


def news_language(lang: str) -> str:
    """The code Google News wants: the primary ISO 639 subtag, lower case (zh-cn and zh-tw kept whole)."""
    lowered = lang.lower()
    if lowered in _NEWS_LANGUAGE_EXCEPTIONS:
        return lowered
    return lowered.split("-")[0]


def news_articles(articles: Iterable[Article], now: datetime) -> list[Article]:
    """Articles first published in the two days up to ``now``, newest first, at most 1,000; never drafts."""
    recent = [article for article in articles if not article.draft and now - NEWS_WINDOW <= article.published <= now]
    recent.sort(key=lambda article: (article.published, article.url), reverse=True)
    return recent[:NEWS_LIMIT]


def news_sitemap(index: SiteIndex, config: SiteConfig, now: datetime) -> OutputFile:
    """``news-sitemap.xml`` for Google News (written even when empty, so robots.txt never points at nothing)."""
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "news": NEWS})
    for article in news_articles(index.articles, now):
        url = add(root, f"{{{SITEMAP}}}url")
        add(url, f"{{{SITEMAP}}}loc", absolute(config.base_url, article.url))
        news = add(url, f"{{{NEWS}}}news")
        publication = add(news, f"{{{NEWS}}}publication")
        add(publication, f"{{{NEWS}}}name", config.title)
        add(publication, f"{{{NEWS}}}language", news_language(article.lang or config.language))
        add(news, f"{{{NEWS}}}publication_date", timestamp(article.published))
        add(news, f"{{{NEWS}}}title", article.title)
    return OutputFile("news-sitemap.xml", serialise(root))


def robots_txt(base_url: str) -> OutputFile:
    """Let every crawler in, and point it at both sitemaps."""
    lines = [
        "User-agent: *",
        "Disallow:",
        "",
        f"Sitemap: {absolute(base_url, '/sitemap.xml')}",
        f"Sitemap: {absolute(base_url, '/news-sitemap.xml')}",
    ]
    return OutputFile("robots.txt", ("\n".join(lines) + "\n").encode("utf-8"))


def ads_txt(records: Sequence[str]) -> OutputFile | None:
    """``ads.txt`` with one record a line, or None when there are none (then no file is written)."""
    lines = [line.strip() for record in records for line in record.splitlines() if line.strip()]
    if not lines:
        return None
    return OutputFile("ads.txt", ("\n".join(lines) + "\n").encode("utf-8"))
