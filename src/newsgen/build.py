"""A build, top to bottom: config → read → parse → index → plan → render → write. This module only chains the stages.

Parsing and rendering run in worker processes (``jobs``); the build cache lets an
unchanged file skip parsing and an unchanged page skip rendering, and the result is
the same bytes a cold build makes.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path

import jinja2

from .cache import (
    CODE_VERSION,
    BodyStore,
    BuildCache,
    CompiledTemplates,
    DamagedCache,
    ParsedEntry,
    TemplateUses,
    body_store,
    clear_cache,
    has_cache,
    load_cache,
    save_cache,
)
from .config import SiteConfig
from .content import (
    ContentListing,
    SiteSources,
    SourceFile,
    assemble,
    list_content,
    parse_outcome,
    parse_settings,
    read_site,
    read_source,
    source_text,
)
from .errors import BuildFailed, NewsgenError
from .feeds import atom_feed, site_feeds
from .fingerprint import Fingerprints
from .index import SiteIndex, index_site
from .links import broken_links
from .markup import MarkdownRenderer
from .models import Article, Body, CopiedFile, OutputFile, Page
from .output import (
    abandon,
    begin,
    check_output_dir,
    claim_paths,
    copy_file,
    exclusive,
    finish,
    output_stamp,
    settle,
    write_file,
)
from .render import PageJob, plan, render, site_view
from .sitemaps import (
    ads_txt,
    news_articles,
    news_sitemap,
    robots_txt,
    sitemap_entries,
    sitemap_files,
    sitemap_paths,
)
from .theme import CARD_TEMPLATE, Cards, make_environment, template_closure_digests, template_digest, theme_assets
from .urls import link, output_path
from .workers import both, default_jobs, parallel_map

# A page renders in 0.2-1 ms: below this many pages to render, a pool of workers (which then copy the memory
# pages of the index they touch) costs more than it saves. At 10,000 articles, a new article's 580 pages made
# the whole build 1.55 s in one process against 1.76 s with two workers, and 0.3 s less CPU.
MIN_PARALLEL_PAGES = 1000
# From this many pages up to that, they are shared instead between this process and one forked for each other
# core, each taking the next page when it is free (``parallel_map``'s ``min_shared``): a fork costs about 4 ms,
# and 500 front pages took 0.086 s against 0.122 s in one process.
MIN_SHARED_PAGES = 100
# The article cards of this many of the newest articles are kept between builds (``theme.Cards``): about
# 1.5 KB an article (two heading levels), so that a new article's lists are put together from kept cards at
# 10,000 articles, while at 100,000 the memo stays at about 30 MB and its load under 0.05 s.
CARD_ARTICLES = 20_000
# A phase's name, how many of its items are done and how many there are.
Progress = Callable[[str, int, int], None]
Outcome = Article | Page | tuple[NewsgenError, ...]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    preview: bool = False


@dataclass(frozen=True, slots=True)
class BuildReport:
    pages: int
    files: int
    seconds: float
    embargoed: tuple[Article, ...]
    drafts_left_out: int
    warnings: tuple[str, ...]
    parsed: int = 0
    rendered: int = 0
    reused: int = 0
    written: int = 0
    # What this build left in the cache, for the next build of the same process (``newsgen serve``).
    cache: BuildCache | None = None

    @property
    def next_due(self) -> Article | None:
        return self.embargoed[0] if self.embargoed else None


@dataclass(frozen=True, slots=True)
class Checked:
    """What ``check`` went through: the site's index and how many HTML pages it rendered and checked."""

    index: SiteIndex
    pages: int
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Parsed:
    outcomes: list[Outcome]
    key: str
    # source path → (digest of its bytes, model, signature): what the cache keeps for the next build
    models: dict[str, ParsedEntry]
    fingerprints: Fingerprints
    count: int
    # the identities of the models parsed anew (not found in the cache): the others are the last build's
    fresh: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Recipe:
    """Files made together from the whole index (feeds, sitemaps), with a digest of everything they are
    made from, known before they are made: a build whose digest is unchanged does not make them again."""

    paths: tuple[str, ...]
    digest: bytes
    make: Callable[[], list[OutputFile]]


@dataclass(frozen=True, slots=True)
class Prepared:
    """The site planned and ready to render: every page job, and the recipes of the files made whole at once."""

    index: SiteIndex
    env: jinja2.Environment
    cards: Cards
    jobs: list[PageJob]
    recipes: list[Recipe]
    copies: list[CopiedFile]
    warnings: tuple[str, ...]
    parsed: Parsed
    # A digest of what every page's context takes from the site besides the articles and the people their
    # bylines name: the site view and the authors' profiles (with the configuration, in the render key).
    site: str
    # Each name a byline has, and a digest of the person it names (the author and the author page's URL): a page
    # shows the people of the bylines it shows, so one who first appears changes none of the others.
    people: dict[str, str]
    # ``site`` and the pages planned, in order (their URLs include every article's; see ``unchanged_pages``).
    layout: str


def _digest(*parts: str | bytes) -> bytes:
    """The SHA-256 of the parts, each followed by a zero byte (hashed at once: the stamp has 15,000 parts)."""
    data = [part.encode() if isinstance(part, str) else part for part in parts]
    return hashlib.sha256(b"\0".join(data) + b"\0" if data else b"").digest()


def _sha(*parts: str | bytes) -> str:
    return _digest(*parts).hex()


def parse_key(config: SiteConfig) -> str:
    """What every parsed model depends on besides its file: newsgen's code and the parse settings."""
    return _sha(CODE_VERSION, repr(parse_settings(config)))


def read(config: SiteConfig, previous: BuildCache, listing: ContentListing | None = None) -> SiteSources:
    """The site's files, skipping those whose signature and parsed model the cache holds unchanged; the
    content files from ``listing`` when given."""
    remembered = previous.parsed if previous.parse_key == parse_key(config) else {}
    known = {path: (signature, digest) for path, (digest, _, signature) in remembered.items() if signature}
    return read_site(config, known, listing)


def parse(
    config: SiteConfig,
    sources: SiteSources,
    previous: BuildCache,
    *,
    jobs: int,
    progress: Progress | None,
    store: BodyStore | None = None,
) -> Parsed:
    """Every content file as a model: from the cache when its bytes are unchanged, else parsed in the workers
    (which read the files they are given: the files' bytes never pass through this process). With a ``store``,
    the workers keep each article's body there and this process holds only its name."""
    key = parse_key(config)
    remembered = previous.parsed if previous.parse_key == key else {}
    renderer = MarkdownRenderer(embed_hosts=config.embed_hosts, trusted_html=config.trusted_html)

    names = [source.name for source in sources.files]

    def cached(source: SourceFile, name: str) -> ParsedEntry | None:
        hit = remembered.get(name)
        return hit if hit is not None and source.error is None and source.digest == hit[0] else None

    def model(number: int) -> tuple[str, Outcome | None, bool]:
        """The file's digest, its model or errors, and whether it had to be parsed; the model is None when it is
        the cache's (the file read again, as its signature changed, but its bytes the same): a worker does
        not send it back, and this process keeps the cache's own."""
        source = read_source(sources.files[number])
        hit = cached(source, names[number])
        if hit:
            return hit[0], None, False
        outcome = parse_outcome(source, config, renderer)
        if store is not None and isinstance(outcome, Article) and isinstance(outcome.body, Body):
            outcome = replace(outcome, body=store.put(outcome.body))
        return source.digest, outcome, True

    hits = [cached(source, name) for source, name in zip(sources.files, names, strict=True)]
    todo = [number for number, hit in enumerate(hits) if hit is None]
    fresh = iter(
        parallel_map(
            model,
            todo,
            jobs=jobs,
            progress=(lambda done, total: progress("parse", done, total)) if progress else None,
        )
    )
    outcomes: list[Outcome] = []
    models: dict[str, ParsedEntry] = {}
    known: dict[int, tuple[object, bytes]] = {}
    made: set[int] = set()
    count = 0
    for source, name, hit in zip(sources.files, names, hits, strict=True):
        digest, found, parsed = (hit[0], hit[1], False) if hit else next(fresh)
        outcome = remembered[name][1] if found is None else found
        count += parsed
        outcomes.append(outcome)
        if isinstance(outcome, Article | Page):
            if parsed:
                made.add(id(outcome))
            # Keyed by the model's own path string when it is the listed one: pickle then stores it once.
            models[outcome.source if outcome.source == name else name] = (digest, outcome, source.signature)
            # A model is a pure function of its file's path and bytes and the parse settings.
            known[id(outcome)] = (outcome, hashlib.sha256(f"{key}\0{name}\0{digest}".encode()).digest())
    return Parsed(outcomes, key, models, Fingerprints(known), count, frozenset(made))


def prepare(
    config: SiteConfig,
    *,
    now: datetime,
    options: BuildOptions,
    previous: BuildCache | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    compiled: jinja2.BytecodeCache | None = None,
    store: BodyStore | None = None,
    listing: ContentListing | None = None,
) -> Prepared:
    """Read, parse, index and plan the site; ``BuildFailed`` lists every error found. ``compiled``: where
    the environment keeps compiled templates between builds; ``store``: where articles' bodies are kept;
    ``listing``: the content files, listed already."""
    sources = read(config, previous or BuildCache(), listing)
    parsed = parse(config, sources, previous or BuildCache(), jobs=jobs, progress=progress, store=store)
    content = assemble(sources, parsed.outcomes)
    index = index_site(
        content,
        config.sections,
        config.timezone,
        now=now,
        include_drafts=options.drafts,
        include_future=options.future,
        remembered=(previous or BuildCache()).ranking,
    )
    assets = theme_assets()
    cards = Cards(parsed.fingerprints, index.articles[:CARD_ARTICLES])
    env = make_environment(
        config.templates_dir,
        base_path=config.base_path,
        base_url=config.base_url,
        timezone=config.timezone,
        compiled=compiled,
        cards=cards,
    )
    view = site_view(
        config,
        index,
        {name: link(config.base_path, "/" + copy.path) for name, copy in assets.items()},
        now,
        preview=options.preview,
    )
    planned = list(plan(index, config, view))
    fingerprints = parsed.fingerprints
    site = _sha(fingerprints.digest(view).hex(), fingerprints.digest(content.authors).hex())
    people = {name: fingerprints.digest((listing.author, listing.url)).hex() for name, listing in index.people.items()}
    return Prepared(
        index,
        env,
        cards,
        planned,
        news_recipes(index, config, now, fingerprints),
        [*assets.values(), *content.static],
        content.warnings,
        parsed,
        site,
        people,
        _sha(site, *(job.url for job in planned)),
    )


def news_recipes(index: SiteIndex, config: SiteConfig, now: datetime, fingerprints: Fingerprints) -> list[Recipe]:
    """The files for machines (Atom feeds, sitemaps, robots.txt, ads.txt) as recipes. Each digest covers the configuration, newsgen's code and the values the
    files are made from: each entry's article (its source and parse settings), the author URLs its bylines
    name, the sitemap's URLs and dates."""
    settings = _sha(CODE_VERSION, repr(config))
    published = [article for article in index.articles if not article.draft]
    fallback = max((article.modified for article in published), default=now)
    section_titles = {listing.key: listing.title for listing in index.sections}
    author_urls = {name: listing.url for name, listing in index.people.items()}
    recipes: list[Recipe] = []
    for feed in site_feeds(index, config):
        digest = _digest(
            settings,
            "feed",
            pickle.dumps((feed.url, feed.page_url, feed.title, feed.subtitle, section_titles)),
            # The fallback date is used only by an empty feed.
            "" if feed.articles else fallback.isoformat(),
            str(len(feed.articles)),
            *(fingerprints.digest(article).hex() for article in feed.articles),
            *(f"{name}\0{author_urls.get(name)}" for article in feed.articles for name in article.byline),
        )
        recipes.append(
            Recipe(
                (output_path(feed.url),),
                digest,
                lambda feed=feed: [atom_feed(feed, config, section_titles, author_urls, fallback)],  # type: ignore[misc]
            )
        )
    entries = sitemap_entries(index, config)
    recipes.append(
        Recipe(
            sitemap_paths(len(entries)),
            _digest(settings, "sitemap", pickle.dumps(list(map(tuple, entries)))),
            lambda: sitemap_files(entries, config.base_url),
        )
    )
    news = news_articles(index.articles, now)
    recipes.append(
        Recipe(
            ("news-sitemap.xml",),
            _digest(settings, "news", *(fingerprints.digest(article).hex() for article in news)),
            lambda: [news_sitemap(index, config, now)],
        )
    )
    small = [robots_txt(config.base_url)] if config.robots_txt else []
    if ads := ads_txt(config.ads.ads_txt):
        small.append(ads)
    recipes += [Recipe((file.path,), _digest(settings, file.data), lambda file=file: [file]) for file in small]  # type: ignore[misc]
    return recipes


def next_due(config: SiteConfig, *, now: datetime, options: BuildOptions) -> Article | None:
    """The embargoed article that becomes due first, found by reading and indexing only: nothing is rendered
    or written, so a scheduled job can ask cheaply whether a rebuild is due. Drafts count only with ``drafts``.
    Files the build cache holds unchanged are not parsed again."""
    previous = load_cache(config.root)
    sources = read(config, previous)
    parsed = parse(config, sources, previous, jobs=default_jobs(), progress=None)
    content = assemble(sources, parsed.outcomes)
    index = index_site(content, config.sections, config.timezone, now=now, include_drafts=options.drafts)
    return index.next_due


def check(config: SiteConfig, *, now: datetime, options: BuildOptions, jobs: int | None = None) -> Checked:
    """Render the whole site without writing it, in the worker processes, and fail on every error found: in the
    content, in a template, output paths that clash, internal links that lead nowhere. (Files the build cache
    holds unchanged are not parsed again, nor templates it holds compiled; the cache is only read, and ignored
    if found damaged.)"""
    try:
        return _check(config, now=now, options=options, jobs=jobs or default_jobs(), previous=load_cache(config.root))
    except DamagedCache:
        return _check(config, now=now, options=options, jobs=jobs or default_jobs(), previous=BuildCache())


def _check(config: SiteConfig, *, now: datetime, options: BuildOptions, jobs: int, previous: BuildCache) -> Checked:
    render_key = _render_key(config, options)
    compiled = CompiledTemplates(config.root, render_key)
    prepared = prepare(config, now=now, options=options, previous=previous, jobs=jobs, compiled=compiled)
    every_template = template_digest(config.templates_dir)
    _reuse_cards(
        prepared,
        previous,
        render_key,
        every_template,
        template_uses(prepared, render_key, every_template, previous.templates),
    )
    paths = [output_path(job.url) for job in prepared.jobs]
    made = [path for recipe in prepared.recipes for path in recipe.paths]
    _claim_outputs(prepared, paths)
    existing = {*paths, *made, *(copy.path for copy in prepared.copies)}
    items: list[Article | Page] = [*prepared.index.articles, *prepared.index.pages]
    sources = {output_path(item.url): Path(item.source) for item in items}
    recipes, page_jobs, env = prepared.recipes, prepared.jobs, prepared.env
    _compile(env, {job.template for job in page_jobs})

    def check_one(number: int) -> list[NewsgenError]:
        """The errors of making the files of recipe ``number``, or of rendering page ``number - len(recipes)``,
        and of their links (the pages are not kept: at 10,000 articles their HTML is 200 MB)."""
        try:
            files = recipes[number].make() if number < len(recipes) else [render(page_jobs[number - len(recipes)], env)]
        except NewsgenError as error:
            return [error]
        return broken_links(files, existing, config.base_path, sources, source_text)

    found = parallel_map(check_one, range(len(recipes) + len(page_jobs)), jobs=jobs, min_items=MIN_PARALLEL_PAGES)
    errors = _unique([error for errors in found for error in errors])
    if errors:
        raise BuildFailed(errors)
    return Checked(prepared.index, sum(path.endswith(".html") for path in [*paths, *made]), prepared.warnings)


def _file_sha(path: Path) -> bytes:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").digest()


def template_uses(prepared: Prepared, render_key: str, every_template: str, previous: TemplateUses) -> TemplateUses:
    """For each page template, the digest of the templates it uses (``template_closure_digests``), under a
    key of what they are found from: the configuration (where the site's templates are), every template's
    name and bytes, the names asked for. The last build's are kept while the key holds (they take parsing
    every template). ``CARD_TEMPLATE``'s is there too, for the cards kept between builds."""
    names = sorted({job.template for job in prepared.jobs} | {CARD_TEMPLATE})
    key = _sha(render_key, every_template, *names)
    if previous[0] == key:
        return previous
    return key, template_closure_digests(prepared.env, names)


def page_digests(
    prepared: Prepared,
    render_key: str,
    every_template: str,
    uses: TemplateUses,
    kept: Mapping[int, bytes] | None = None,
) -> list[bytes]:
    """For each page job, a digest of everything it is rendered from: ``render_key`` (newsgen's code, the
    configuration, the options), the templates its own template uses (from ``uses``; ``every_template``, a
    digest of all of them, when it names one by a variable), its URL and the arguments its context is made
    from (the context itself is made only for the pages rendered). ``kept``: digests known already, by job."""
    fingerprints = prepared.parsed.fingerprints
    templates = {name: digest or every_template for name, digest in uses[1].items()}
    starts = {name: f"{render_key}\0{templates[name]}\0{name}\0".encode() for name in templates}
    encoding = fingerprints.call_encoding
    known = kept or {}
    return [
        known.get(number)
        or hashlib.sha256(
            b"".join(
                (starts[job.template], job.url.encode("utf-8", "surrogatepass"), b"\0", encoding(job.make, job.args))
            )
        ).digest()
        for number, job in enumerate(prepared.jobs)
    ]


def _placing(article: Article) -> tuple[object, ...]:
    """What decides the lists an article is in, its place in them and what is listed beside it (as opposed to
    what it shows): its URL, dates, section, tags, byline and flags."""
    return (
        article.url,
        article.published,
        article.section,
        article.tags,
        article.byline,
        article.draft,
        article.featured,
        article.breaking,
    )


def edited_in_place(previous: BuildCache, parsed: Parsed) -> list[Article] | None:
    """The articles whose files changed since the last build, if no file was added or removed, only articles
    changed and each keeps its placing (``_placing``); None otherwise."""
    before = previous.parsed
    if previous.parse_key != parsed.key or before.keys() != parsed.models.keys():
        return None
    edited: list[Article] = []
    for name, (digest, model, _) in parsed.models.items():
        old_digest, old, _ = before[name]
        if digest != old_digest:
            if not (isinstance(model, Article) and isinstance(old, Article) and _placing(model) == _placing(old)):
                return None
            edited.append(model)
    return edited


def group_keys(
    prepared: Prepared, previous: Mapping[str, bytes], edited: Sequence[Article] | None = None
) -> Mapping[str, bytes]:
    """For each group of pages (``PageJob.group``: a list's), a digest of its name and its members, in order
    (each member's digest stands for its file's path and bytes and the parse settings). ``edited``: the articles
    edited in place since the build that left ``previous``, with the same pages planned, so that every group
    has the members it had: the groups that show none of them keep their key from ``previous``."""
    joined = prepared.parsed.fingerprints.joined

    def key(job: PageJob) -> bytes:
        return hashlib.sha256(job.group.encode("utf-8", "surrogatepass") + b"\0" + joined(job.members)).digest()

    if edited is not None and previous:
        changed = {id(article) for article in edited}
        # Every member of a group is shown by one of its pages: a list's pages show the whole list.
        stale = {job.group: job for job in prepared.jobs if job.group and not changed.isdisjoint(map(id, job.shows))}
        return {**previous, **{group: key(job) for group, job in stale.items()}} if stale else previous
    keys: dict[str, bytes] = {}
    for job in prepared.jobs:
        if job.group and job.group not in keys:
            keys[job.group] = key(job)
    return keys


def unchanged_pages(
    prepared: Prepared,
    previous: BuildCache,
    render_key: str,
    uses: TemplateUses,
    paths: Sequence[str],
    groups: Mapping[str, bytes],
    edited: Sequence[Article] | None,
) -> dict[int, bytes]:
    """The pages whose digest is the last build's, by job, with that digest, among those whose templates are
    the same, under the same code, configuration and options, and the same site (``Prepared.site``):

    - after articles were only edited in place (``edited``) or templates changed, with the same pages planned
      (so the same articles, in the same order: no embargo lifted), a page that shows none of the edited
      articles;
    - else, a page of a list whose key (``groups``, by ``group_keys``) is the last build's: the same list,
      made of the same articles in the same order; or an article's page (``PageJob.ranked``) whose article
      and related ones are models of the last build (not parsed anew: ``Parsed.fresh``), the related ones
      those its ranking chose (``SiteIndex.ranking``). (A URL has one owner among all the models, drafts and
      embargoed ones too, so an article that had no page in the last build has no output there to keep.)

    Each is made from exactly what it was made from last time. Empty when that cannot be known. (Every person
    of the last build must be here, the same: a person first named now is on no page kept, as the pages kept show
    only articles of the last build, with their bylines.)"""
    if (previous.render_key, previous.site) != (render_key, prepared.site):
        return {}
    people = prepared.people
    if any(people.get(name) != digest for name, digest in previous.people.items()):
        return {}
    if uses[0] == previous.templates[0]:
        same = set(uses[1])
    else:  # a template that names another by a variable may use any of them: it is not known the same
        same = {name for name, digest in uses[1].items() if digest and previous.templates[1].get(name) == digest}
    outputs = previous.outputs
    jobs = enumerate(zip(prepared.jobs, paths, strict=True))
    if edited is not None:
        changed = {id(article) for article in edited}
        return {
            number: outputs[path][:32]
            for number, (job, path) in jobs
            if job.template in same and changed.isdisjoint(map(id, job.shows)) and path in outputs
        }
    before = previous.groups
    fresh = prepared.parsed.fresh
    chosen, chosen_before = prepared.index.ranking.chosen, previous.ranking.chosen
    kept: dict[int, bytes] = {}
    for number, (job, path) in jobs:
        if job.template not in same or path not in outputs:
            continue
        if job.group:
            if before.get(job.group) != groups[job.group]:
                continue
        elif not (
            job.ranked
            and fresh.isdisjoint(map(id, job.shows))
            and chosen_before.get(job.url, _UNRANKED)[1] == chosen.get(job.url, _UNRANKED)[1]
        ):
            continue
        kept[number] = outputs[path][:32]
    return kept


_UNRANKED: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def _render_key(config: SiteConfig, options: BuildOptions) -> str:
    """What every page depends on besides its own inputs and templates: newsgen's code and the settings."""
    return _sha(CODE_VERSION, repr(config), repr(options))


def _reuse_cards(
    prepared: Prepared, previous: BuildCache, render_key: str, every_template: str, uses: TemplateUses
) -> str:
    """The key of what the article cards are made by (templates, configuration, code): the last build's cards
    are reused if they were made by the same."""
    key = _sha(render_key, uses[1][CARD_TEMPLATE] or every_template)
    if previous.cards_key == key:
        prepared.cards.reuse(previous.cards)
    return key


def _compile(env: jinja2.Environment, templates: set[str]) -> None:
    """Compile the ``templates`` here, once, before the worker processes that render with them are forked."""
    for name in sorted(templates):
        with contextlib.suppress(jinja2.TemplateError):  # reported, with its place, by the page using it
            env.get_template(name)


def _claim_outputs(prepared: Prepared, paths: list[str]) -> None:
    """Refuse an output path claimed twice or outside the output (``OutputError``): the site's static files,
    the pages at ``paths`` and the recipes' files."""
    claim_paths(
        [(copy.path, str(copy.source)) for copy in prepared.copies]
        + [(path, f"the generated {path}") for path in paths]
        + [(path, f"the generated {path}") for recipe in prepared.recipes for path in recipe.paths]
    )


def _unique(errors: Sequence[NewsgenError | None]) -> list[NewsgenError]:
    found: dict[str, NewsgenError] = {}
    for error in errors:
        if error is not None:
            found.setdefault(str(error), error)
    return list(found.values())


def build(
    config: SiteConfig,
    out: Path,
    *,
    now: datetime,
    options: BuildOptions = BuildOptions(),
    jobs: int | None = None,
    clean: bool = False,
    progress: Progress | None = None,
    spare: bool = True,
    remembered: BuildCache | None = None,
) -> BuildReport:
    """Build the site into ``out``, reusing what the cache shows unchanged unless ``clean``; ``spare``: keep the
    spare tree through which an update is swapped in whole (see output.py); ``remembered``: the cache the last
    build of this process left (``BuildReport.cache``), used instead of reading it again from the disk. A cache
    found damaged while it is used is deleted and the build starts again, cold (the output is untouched until
    a build succeeds)."""
    started = time.perf_counter()
    run = partial(_build, config, out, now=now, options=options, jobs=jobs, progress=progress, spare=spare)
    first = not has_cache(config.root)
    try:
        try:
            return run(clean=clean, started=started, remembered=remembered)
        except DamagedCache:
            clear_cache(config.root)
            return run(clean=True, started=started, remembered=None)
    except BaseException:
        if first:  # a site's first build that fails leaves no cache (the bodies it stored) behind
            clear_cache(config.root)
        raise


def _build(
    config: SiteConfig,
    out: Path,
    *,
    now: datetime,
    options: BuildOptions,
    jobs: int | None,
    clean: bool,
    progress: Progress | None,
    spare: bool,
    started: float,
    remembered: BuildCache | None,
) -> BuildReport:
    check_output_dir(out, config.root)
    workers = jobs or default_jobs()
    previous: BuildCache
    listing: ContentListing | None = None
    if clean:
        previous = BuildCache()
    elif remembered is not None:
        previous = remembered
    else:
        # A process forked for it lists and stats the content files (0.05 s at 10,000) while this one loads the
        # cache (0.1 s).
        previous, listing = both(partial(load_cache, config.root), partial(list_content, config), jobs=workers)
    render_key = _render_key(config, options)
    compiled = None if clean else CompiledTemplates(config.root, render_key)
    prepared = prepare(
        config,
        now=now,
        options=options,
        previous=previous,
        jobs=workers,
        progress=progress,
        compiled=compiled,
        store=body_store(config.root),
        listing=listing,
    )
    every_template = template_digest(config.templates_dir)
    uses = template_uses(prepared, render_key, every_template, previous.templates)
    paths = [output_path(job.url) for job in prepared.jobs]
    # Articles only edited in place since the last build, which planned the same pages, or None.
    edited = edited_in_place(previous, prepared.parsed) if previous.layout == prepared.layout else None
    groups = group_keys(prepared, previous.groups, edited)
    kept = unchanged_pages(prepared, previous, render_key, uses, paths, groups, edited)
    digests = page_digests(prepared, render_key, every_template, uses, kept)
    cards_key = _reuse_cards(prepared, previous, render_key, every_template, uses)
    with exclusive(out) as out:  # one build at a time writes beside this output
        settle(out)  # first: an interrupted update is completed before the output is compared with the cache
        resolved = str(out.resolve())
        # The old output can be updated in place only if it is exactly what the cache describes; pages are
        # reused only if their digest (which covers the templates and the config) is unchanged.
        incremental = previous.out == resolved and bool(previous.stamp) and output_stamp(out) == previous.stamp
        staging = begin(out, incremental=incremental, spare=spare)
        old = previous.outputs if staging.incremental else {}
        outputs: dict[str, bytes] = {}  # as ``BuildCache.outputs``
        written: list[str] = []
        try:
            _claim_outputs(prepared, paths)
            for copy in prepared.copies:
                digest = _file_sha(copy.source)
                outputs[copy.path] = digest + digest
                if old.get(copy.path) != outputs[copy.path]:
                    copy_file(staging, copy.path, copy.source)
                    written.append(copy.path)
            recipes: list[Recipe] = []  # to make: those whose digest changed
            for recipe in prepared.recipes:
                if all(old.get(path, b"")[:32] == recipe.digest for path in recipe.paths):
                    outputs.update((path, old[path]) for path in recipe.paths)
                else:
                    recipes.append(recipe)
            todo: list[int] = []
            for number, (path, digest) in enumerate(zip(paths, digests, strict=True)):
                before = old.get(path)
                if before is not None and before[:32] == digest:
                    outputs[path] = before
                else:
                    todo.append(number)
            env, page_jobs = prepared.env, prepared.jobs
            _compile(env, {page_jobs[number].template for number in todo})

            cards = prepared.cards

            def stage(file: OutputFile, slot: int | None = None) -> tuple[bytes, bool]:
                """The digest of the file's bytes, and whether they are not the ones already in the output (then
                the file is staged, over the spent file ``slot`` if there is one)."""
                sha = hashlib.sha256(file.data).digest()
                changed = old.get(file.path, b"")[32:] != sha
                if changed:
                    write_file(staging, file.path, file.data, slot)
                return sha, changed

            def render_one(slot: int) -> NewsgenError | tuple[bytes, bool, dict[bytes, str]]:
                """Render and stage the page ``todo[slot]``; with the cards first made for it (a worker's go back
                to this process, to be kept)."""
                try:
                    sha, changed = stage(render(page_jobs[todo[slot]], env), slot)
                except NewsgenError as error:
                    return error
                return sha, changed, cards.take_fresh()

            def make_one(number: int) -> list[tuple[str, bytes, bool]]:
                """Make and stage the files of ``recipes[number]``: each file's path, digest and whether staged."""
                made = recipes[number].make()
                assert tuple(file.path for file in made) == recipes[number].paths, "a recipe made other files"
                return [(file.path, *stage(file)) for file in made]

            def work(slot: int) -> list[tuple[str, bytes, bool]] | NewsgenError | tuple[bytes, bool, dict[bytes, str]]:
                return make_one(slot) if slot < len(recipes) else render_one(slot - len(recipes))

            # The recipes (the sitemap takes as long as a hundred pages) are made with the pages, by whichever
            # process is free: first, so that none is left for last.
            shared = parallel_map(
                work,
                range(len(recipes) + len(todo)),
                jobs=workers,
                progress=(lambda done, total: progress("render", done, total)) if progress else None,
                min_items=MIN_PARALLEL_PAGES,
                min_shared=MIN_SHARED_PAGES,
            )
            for recipe, files in zip(recipes, shared, strict=False):
                assert isinstance(files, list)
                for path, sha, changed in files:
                    outputs[path] = recipe.digest + sha
                    if changed:
                        written.append(path)
            results = shared[len(recipes) :]
            errors = _unique([result for result in results if isinstance(result, NewsgenError)])
            if errors:
                raise BuildFailed(errors)
            for number, result in zip(todo, results, strict=True):
                assert isinstance(result, tuple)
                outputs[paths[number]] = digests[number] + result[0]
                cards.add(result[2])
                if result[1]:
                    written.append(paths[number])
            # The stamp names the tree's content (the same site gives the same stamp anywhere: reproducible builds).
            # (``_sha`` of the "path=sha" parts, made as one string: sorting the paths alone, not the items, and
            # encoding once take half the time at 15,000 files.)
            manifest = "".join([f"{path}={outputs[path][32:].hex()}\0" for path in sorted(outputs)])
            stamp = hashlib.sha256(manifest.encode()).hexdigest()[:32]
            finish(staging, stamp=stamp, written=written, deleted=[path for path in old if path not in outputs])
        except BaseException:
            abandon(staging)
            raise
    cache = BuildCache(
        parse_key=prepared.parsed.key,
        parsed=prepared.parsed.models,
        ranking=prepared.index.ranking,
        render_key=render_key,
        templates=uses,
        cards_key=cards_key,
        cards=prepared.cards.current(),
        site=prepared.site,
        people=prepared.people,
        layout=prepared.layout,
        groups=groups,
        out=resolved,
        stamp=stamp,
        outputs=outputs,
    )
    save_cache(config.root, cache, previous, compiled)
    return BuildReport(
        pages=len(prepared.jobs) + sum(path.endswith(".html") for recipe in prepared.recipes for path in recipe.paths),
        files=len(prepared.copies) + sum(len(recipe.paths) for recipe in prepared.recipes) + len(prepared.jobs),
        seconds=time.perf_counter() - started,
        embargoed=prepared.index.embargoed,
        drafts_left_out=prepared.index.drafts_left_out,
        warnings=prepared.warnings,
        parsed=prepared.parsed.count,
        rendered=len(todo),
        reused=len(prepared.jobs) - len(todo),
        written=len(written),
        cache=cache,
    )
