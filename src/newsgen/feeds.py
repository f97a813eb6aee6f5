"""Atom feeds (RFC 4287): the whole site, each section and each author, as ``OutputFile`` values."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from urllib.parse import urljoin

from lxml import etree

from . import __version__
from .config import SiteConfig
from .index import SiteIndex
from .markup import map_urls
from .models import Article, OutputFile
from .urls import absolute, feed_url, output_path, split_url
from .xmldoc import add, serialise, timestamp, xml_text

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed: where it is served, the page it stands for, its title and its newest articles."""

    url: str
    page_url: str
    title: str
    subtitle: str
    articles: tuple[Article, ...]


def _absolute_url(url: str, base_url: str, page_url: str) -> str:
    """A link from an article body made absolute: site-relative ones against the site, others against the page."""
    url = url.strip()
    if url.startswith("/") and not url.startswith("//"):
        return absolute(base_url, url)
    parts = split_url(url)
    if parts is None or parts.scheme:
        return url
    return urljoin(page_url, url)


def absolute_links(body_html: str, base_url: str, page_url: str) -> str:
    """``body_html`` with every href, src, srcset and poster absolute, as a feed reader needs them."""
    return map_urls(xml_text(body_html), lambda url: _absolute_url(url, base_url, page_url))


def entry_content(article: Article, base_url: str) -> str:
    """The entry's HTML: the lead image, then the whole body, with absolute links."""
    page_url = absolute(base_url, article.url)
    figure = ""
    if article.image:
        image = article.image
        caption = " ".join(part for part in (image.caption, image.credit) if part)
        figure = (
            f'<figure><img src="{html.escape(_absolute_url(image.src, base_url, page_url))}" '
            f'alt="{html.escape(image.alt)}">'
            + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "")
            + "</figure>\n"
        )
    return figure + absolute_links(article.body_html, base_url, page_url)


def atom_feed(
    feed: Feed,
    config: SiteConfig,
    section_titles: Mapping[str, str],
    author_urls: Mapping[str, str],
    fallback_updated: datetime,
) -> OutputFile:
    """One Atom document. ``updated`` is the newest change among its entries (``fallback_updated`` when empty)."""
    base_url = config.base_url
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set(XML_LANG, xml_text(config.language))
    add(root, f"{{{ATOM}}}id", absolute(base_url, feed.url))
    add(root, f"{{{ATOM}}}title", feed.title, type="text")
    if feed.subtitle:
        add(root, f"{{{ATOM}}}subtitle", feed.subtitle, type="text")
    updated = max((article.modified for article in feed.articles), default=fallback_updated)
    add(root, f"{{{ATOM}}}updated", timestamp(updated))
    add(root, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=absolute(base_url, feed.url))
    add(root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=absolute(base_url, feed.page_url))
    add(root, f"{{{ATOM}}}generator", "newsgen", version=__version__)
    if config.logo:
        add(root, f"{{{ATOM}}}logo", absolute(base_url, config.logo))
    for article in feed.articles:
        permalink = absolute(base_url, article.url)
        entry = add(root, f"{{{ATOM}}}entry")
        if article.lang and article.lang != config.language:
            entry.set(XML_LANG, xml_text(article.lang))
        add(entry, f"{{{ATOM}}}id", permalink)
        add(entry, f"{{{ATOM}}}title", article.title, type="text")
        add(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=permalink)
        add(entry, f"{{{ATOM}}}published", timestamp(article.published))
        add(entry, f"{{{ATOM}}}updated", timestamp(article.modified))
        for name in article.byline:
            author = add(entry, f"{{{ATOM}}}author")
            add(author, f"{{{ATOM}}}name", name)
            if name in author_urls:
                add(author, f"{{{ATOM}}}uri", absolute(base_url, author_urls[name]))
        add(
            entry,
            f"{{{ATOM}}}category",
            term=article.section,
            label=section_titles.get(article.section, article.section),
        )
        for tag in dict.fromkeys(article.tags):
            add(entry, f"{{{ATOM}}}category", term=tag, label=tag)
        if article.summary:
            add(entry, f"{{{ATOM}}}summary", article.summary, type="text")
        add(entry, f"{{{ATOM}}}content", entry_content(article, base_url), type="html")
    return OutputFile(output_path(feed.url), serialise(root))


def site_feeds(index: SiteIndex, config: SiteConfig) -> list[Feed]:
    """The feeds a site has: one for the site, one per section, one per author. Drafts are never in a feed."""
    count = config.feed_entries

    def newest(articles: Sequence[Article]) -> tuple[Article, ...]:
        # The first ``count`` only: a list is looked at no further than its feed shows.
        return tuple(islice((article for article in articles if not article.draft), count))

    feeds = [Feed(feed_url("/"), "/", config.title, config.tagline, newest(index.articles))]
    feeds += [
        Feed(feed_url(listing.url), listing.url, f"{listing.title} — {config.title}", "", newest(listing.articles))
        for listing in index.sections
    ]
    feeds += [
        Feed(
            feed_url(listing.url),
            listing.url,
            f"{listing.author.name} — {config.title}",
            listing.author.role,
            newest(listing.articles),
        )
        for listing in index.authors
    ]
    return feeds


def atom_feeds(index: SiteIndex, config: SiteConfig, now: datetime) -> list[OutputFile]:
    """Every feed of the site. An empty feed is dated by the site's newest change, or ``now`` on an empty site."""
    published = [article for article in index.articles if not article.draft]
    fallback = max((article.modified for article in published), default=now)
    section_titles = {listing.key: listing.title for listing in index.sections}
    author_urls = {name: listing.url for name, listing in index.people.items()}
    return [atom_feed(feed, config, section_titles, author_urls, fallback) for feed in site_feeds(index, config)]
