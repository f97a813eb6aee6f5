"""A build, top to bottom: config → load → index → render → write. This module only chains the stages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .config import SiteConfig
from .content import load_site
from .errors import BuildFailed, NewsgenError
from .feeds import atom_feeds
from .index import SiteIndex, index_site
from .links import broken_links
from .markup import MarkdownRenderer
from .models import Article, CopiedFile, OutputFile, Page
from .output import check_output_dir, check_paths, write_site
from .render import plan, render_all, site_view
from .sitemaps import site_maps
from .theme import make_environment, theme_assets
from .urls import link, output_path


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

    @property
    def next_due(self) -> Article | None:
        return self.embargoed[0] if self.embargoed else None


@dataclass(frozen=True, slots=True)
class Generated:
    index: SiteIndex
    pages: list[OutputFile]
    copies: list[CopiedFile]
    warnings: tuple[str, ...]


def generate(config: SiteConfig, *, now: datetime, options: BuildOptions) -> Generated:
    """Everything the site consists of, in memory; ``BuildFailed`` lists every error found."""
    renderer = MarkdownRenderer(embed_hosts=config.embed_hosts, trusted_html=config.trusted_html)
    content = load_site(config, renderer)
    index = index_site(
        content, config.sections, config.timezone, now=now, include_drafts=options.drafts, include_future=options.future
    )
    assets = theme_assets()
    env = make_environment(
        config.templates_dir, base_path=config.base_path, base_url=config.base_url, timezone=config.timezone
    )
    view = site_view(
        config,
        index,
        {name: link(config.base_path, "/" + copy.path) for name, copy in assets.items()},
        now,
        preview=options.preview,
    )
    pages, errors = render_all(plan(index, config, view), env)
    if errors:
        raise BuildFailed(errors)
    pages += news_outputs(index, config, now)
    return Generated(index, pages, [*assets.values(), *content.static], content.warnings)


def news_outputs(index: SiteIndex, config: SiteConfig, now: datetime) -> list[OutputFile]:
    """The files for machines: Atom feeds, sitemaps, robots.txt and ads.txt."""
    return [*atom_feeds(index, config, now), *site_maps(index, config, now)]


def next_due(config: SiteConfig, *, now: datetime, options: BuildOptions) -> Article | None:
    """The embargoed article that becomes due first, found by reading and indexing only: nothing is rendered
    or written, so a scheduled job can ask cheaply whether a rebuild is due. Drafts count only with ``drafts``."""
    renderer = MarkdownRenderer(embed_hosts=config.embed_hosts, trusted_html=config.trusted_html)
    content = load_site(config, renderer)
    index = index_site(content, config.sections, config.timezone, now=now, include_drafts=options.drafts)
    return index.next_due


def check(config: SiteConfig, *, now: datetime, options: BuildOptions) -> Generated:
    """Generate the site without writing it, and fail on internal links that lead nowhere."""
    generated = generate(config, now=now, options=options)
    check_paths(generated.pages, generated.copies)
    existing = {file.path for file in generated.pages} | {copy.path for copy in generated.copies}
    items: list[Article | Page] = [*generated.index.articles, *generated.index.pages]
    sources = {output_path(item.url): item.source for item in items}
    errors: list[NewsgenError] = broken_links(generated.pages, existing, config.base_path, sources)
    if errors:
        raise BuildFailed(errors)
    return generated


def build(config: SiteConfig, out: Path, *, now: datetime, options: BuildOptions = BuildOptions()) -> BuildReport:
    started = time.perf_counter()
    check_output_dir(out, config.root)
    generated = generate(config, now=now, options=options)
    files = write_site(out, generated.pages, generated.copies)
    return BuildReport(
        pages=sum(file.path.endswith(".html") for file in generated.pages),
        files=files,
        seconds=time.perf_counter() - started,
        embargoed=generated.index.embargoed,
        drafts_left_out=generated.index.drafts_left_out,
        warnings=generated.warnings,
    )
