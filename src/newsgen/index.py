"""Grouping and ordering: sections, tags, authors and day editions; drafts and embargo; clashing URLs."""

from __future__ import annotations

import hashlib
import pickle
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path

from .errors import BuildFailed, ContentError, NewsgenError, SourceLocation
from .models import Article, Author, Page, Section, SiteContent
from .urls import author_url, day_url, output_path, section_url, slugify, tag_url

RELATED_COUNT = 4
# How many of a tag's newest articles are considered when looking for related
# pieces: it keeps related-article search linear in the size of the archive.
RELATED_WINDOW = 200
RESERVED_PREFIXES = ("tags", "authors", "archive", "assets", "page")


@dataclass(frozen=True, slots=True)
class Ranking:
    """The related articles of each article as last chosen, and what they were chosen from: a later index
    chooses again only for the articles whose inputs changed (see ``rank_related``)."""

    # tag slug → digest of its window: the URL and instant of each of its newest RELATED_WINDOW articles
    windows: Mapping[str, bytes] = field(default_factory=dict)
    # article URL → (its tags, as written; the URLs of its related articles)
    chosen: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Listing:
    """A titled list of articles with its own page: a section, a tag or a day edition."""

    key: str
    title: str
    url: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class AuthorListing:
    author: Author
    url: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class SiteIndex:
    articles: tuple[Article, ...]
    pages: tuple[Page, ...]
    sections: tuple[Listing, ...]
    tags: tuple[Listing, ...]
    authors: tuple[AuthorListing, ...]
    days: tuple[Listing, ...]
    lead: Article | None
    related: Mapping[str, tuple[Article, ...]]
    people: Mapping[str, AuthorListing]
    embargoed: tuple[Article, ...]
    drafts_left_out: int
    # ``related`` by URL and what it was chosen from: a later index reuses what still holds.
    ranking: Ranking = field(default_factory=Ranking)

    @property
    def next_due(self) -> Article | None:
        return self.embargoed[0] if self.embargoed else None


def newest_first(articles: Iterable[Article]) -> tuple[Article, ...]:
    return tuple(sorted(articles, key=lambda article: (article.published, article.url), reverse=True))


def _url_key(url: str) -> str:
    """Two URLs that a case-insensitive or normalising file system would store as one file."""
    return unicodedata.normalize("NFC", output_path(url)).casefold()


def _clashes(
    articles: tuple[Article, ...], pages: tuple[Page, ...], sections: tuple[Section, ...]
) -> list[NewsgenError]:
    owners: dict[str, tuple[str, str]] = {}
    errors: list[NewsgenError] = []
    for section in sections:
        owners[_url_key(section_url(section.key))] = (section_url(section.key), f"the front of section '{section.key}'")
    for prefix in RESERVED_PREFIXES:
        owners[_url_key(f"/{prefix}/")] = (f"/{prefix}/", f"newsgen's own /{prefix}/ pages")
    items: list[Article | Page] = [*articles, *pages]
    for item in items:
        key = _url_key(item.url)
        if key not in owners:
            owners[key] = (item.url, item.source)
            continue
        url, owner = owners[key]
        if url == item.url:
            message = f"URL {item.url} is already taken by {owner}"
        else:
            message = (
                f"URL {item.url} differs only in letter case from {url}, already taken by {owner}; "
                "macOS and Windows would store both as one file"
            )
        errors.append(ContentError(SourceLocation(Path(item.source), 1), message))
    return errors


def _related(
    articles: Sequence[Article],
    by_tag: Mapping[str, Sequence[Article]],
    slug: Callable[[str], str] = slugify,
    window: int = RELATED_WINDOW,
) -> dict[str, tuple[Article, ...]]:
    """For each of ``articles``, the pieces sharing most tags with it, newest first among equals (then by URL).

    Candidates are the newest ``window`` articles of each of its tags (``by_tag`` lists each tag's articles
    newest first). They are numbered in ranking order (newest first, then by URL), so counting shared tags and
    picking the best are done on integers: pieces in two or more of the windows are few and sorted; the rest
    are taken, as many as still needed, from a merge of the windows. Only the order of the numbers counts, so
    only the candidates are numbered: an article's choice reads its URL, its tags and their windows, nothing else.
    """
    tags_of = {article.url: sorted({slug(tag) for tag in article.tags}) for article in articles}
    wanted = {tag for tags in tags_of.values() for tag in tags}
    candidates = {other.url: other for tag in wanted for other in by_tag[tag][:window]}
    order = sorted(candidates.values(), key=lambda article: (-article.published.timestamp(), article.url))
    position = {article.url: number for number, article in enumerate(order)}
    windows = {tag: sorted(position[other.url] for other in by_tag[tag][:window]) for tag in wanted}
    sets = {tag: frozenset(numbers) for tag, numbers in windows.items()}
    related: dict[str, tuple[Article, ...]] = {}
    for article in articles:
        own = position.get(article.url, -1)  # -1: in none of the windows
        tags = tags_of[article.url]
        several: set[int] = set()
        for number, tag in enumerate(tags):
            for other in tags[number + 1 :]:
                several |= sets[tag] & sets[other]
        several.discard(own)
        best = sorted(several, key=lambda candidate: (-sum(candidate in sets[tag] for tag in tags), candidate))[
            :RELATED_COUNT
        ]
        need = RELATED_COUNT - len(best)
        if need > 0 and tags:
            taken = several | {own}
            # The smallest numbers outside ``taken`` are among the first need + len(taken) of some window.
            head = need + len(taken)
            pool = set().union(*(windows[tag][:head] for tag in tags)) - taken
            best += sorted(pool)[:need]
        related[article.url] = tuple([order[candidate] for candidate in best])
    return related


def _window_digest(window: Sequence[Article]) -> bytes:
    """What ``_related`` reads of a tag's window: its articles' URLs and instants (which order candidates
    across windows too, so an article redated within a window's order can still change a choice)."""
    urls = [article.url for article in window]
    instants = [article.published.timestamp() for article in window]
    return hashlib.sha256(pickle.dumps((urls, instants), protocol=5)).digest()


def rank_related(
    articles: Sequence[Article],
    by_tag: Mapping[str, Sequence[Article]],
    remembered: Ranking,
    slug: Callable[[str], str] = slugify,
    window: int = RELATED_WINDOW,
) -> Ranking:
    """Each article's related articles, by URL. An article that ``remembered`` knows, with the same tags, none
    of whose tags' windows changed, keeps the ones chosen there; the others are chosen afresh. ``_related``
    reads nothing else for one article, so the result is what choosing all of them afresh gives."""
    windows = {tag: _window_digest(items[:window]) for tag, items in by_tag.items()}
    changed = [tag for tag, digest in windows.items() if remembered.windows.get(tag) != digest]
    moved = {article.url for tag in changed for article in by_tag[tag]}  # every article of a changed window's tag
    chosen: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    stale: list[Article] = []
    for article in articles:
        known = remembered.chosen.get(article.url)
        if known is not None and known[0] == article.tags and article.url not in moved:
            chosen[article.url] = known
        else:
            stale.append(article)
    fresh = _related(stale, by_tag, slug, window)
    spelled: dict[str, str] = {}  # one string per tag, which the pickled ranking then holds once
    for article in stale:
        tags = tuple([spelled.setdefault(tag, tag) for tag in article.tags])
        chosen[article.url] = (tags, tuple([other.url for other in fresh[article.url]]))
    return Ranking(windows, chosen)


def index_site(
    content: SiteContent,
    sections: tuple[Section, ...],
    timezone: tzinfo,
    *,
    now: datetime,
    include_drafts: bool = False,
    include_future: bool = False,
    remembered: Ranking | None = None,
) -> SiteIndex:
    """Order and group the site's content; raise ``BuildFailed`` when two sources claim one URL.

    ``remembered`` is the ``ranking`` of an earlier index: the related articles it names are reused for
    each article whose tags and their windows are unchanged.
    """
    drafts_left_out = (
        0
        if include_drafts
        else sum(article.draft for article in content.articles) + sum(page.draft for page in content.pages)
    )
    visible = [article for article in content.articles if include_drafts or not article.draft]
    embargoed = tuple(sorted((a for a in visible if a.published > now), key=lambda a: (a.published, a.url)))
    if not include_future:
        visible = [article for article in visible if article.published <= now]
    articles = newest_first(visible)
    pages = tuple(sorted((p for p in content.pages if include_drafts or not p.draft), key=lambda p: p.url))

    # Drafts and embargoed pieces are checked too: a clash must not first appear
    # in the scheduled build that lifts an embargo.
    # (With no draft or embargoed article left out, the visible ones are all of them, already in order.)
    everything = articles if len(articles) == len(content.articles) else newest_first(content.articles)
    errors = _clashes(everything, tuple(sorted(content.pages, key=lambda p: p.url)), sections)
    if errors:
        raise BuildFailed(errors)

    slugs: dict[str, str] = {}

    def slug(text: str) -> str:
        # Tags and names repeat across thousands of articles; each is slugified once.
        found = slugs.get(text)
        if found is None:
            found = slugs[text] = slugify(text)
        return found

    by_section: dict[str, list[Article]] = defaultdict(list)
    by_tag: dict[str, list[Article]] = defaultdict(list)
    tag_titles: dict[str, str] = {}
    by_author: dict[str, list[Article]] = defaultdict(list)
    author_names: dict[str, str] = {}
    byline_slugs: dict[str, str] = {}  # each name in a byline, in the order first met, and its slug
    by_day: dict[date, list[Article]] = defaultdict(list)
    for article in articles:
        by_section[article.section].append(article)
        for tag in dict.fromkeys(article.tags):
            tag_slug = slug(tag)
            by_tag[tag_slug].append(article)
            tag_titles.setdefault(tag_slug, tag)
        for name in article.byline:
            name_slug = slug(name)
            by_author[name_slug].append(article)
            author_names.setdefault(name_slug, name)
            byline_slugs.setdefault(name, name_slug)
        by_day[article.published.astimezone(timezone).date()].append(article)

    profiles = {slugify(author.name): author for author in content.authors}
    listings = {
        key: AuthorListing(author, author_url(author.slug), tuple(items))
        for key, items in sorted(by_author.items())
        if key
        for author in (profiles.get(key) or Author(name=author_names[key], slug=key),)
    }
    people = {name: listings[name_slug] for name, name_slug in byline_slugs.items() if name_slug}
    featured = [article for article in articles if article.featured]
    ranking = rank_related(articles, by_tag, remembered or Ranking(), slug)
    by_url = {article.url: article for article in articles}
    related = {url: tuple([by_url[other] for other in others]) for url, (_, others) in ranking.chosen.items()}
    return SiteIndex(
        articles=articles,
        pages=pages,
        sections=tuple(
            Listing(section.key, section.title, section_url(section.key), tuple(by_section[section.key]))
            for section in sections
        ),
        tags=tuple(
            Listing(slug, tag_titles[slug], tag_url(tag_titles[slug]), tuple(items))
            for slug, items in sorted(by_tag.items())
            if slug
        ),
        authors=tuple(listings.values()),
        days=tuple(
            Listing(day.isoformat(), day.isoformat(), day_url(day), tuple(items))
            for day, items in sorted(by_day.items(), reverse=True)
        ),
        lead=featured[0] if featured else (articles[0] if articles else None),
        related=related,
        people=people,
        embargoed=embargoed if not include_future else (),
        drafts_left_out=drafts_left_out,
        ranking=ranking,
    )
