"""The frozen values that travel down the pipeline: content, people and output files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str


@dataclass(frozen=True, slots=True)
class SubSection:
    """A ``## `` heading of an article body, with its stable anchor."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Correction:
    date: date
    text: str


@dataclass(frozen=True, slots=True)
class LeadImage:
    src: str
    alt: str
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Body:
    """An article's HTML body and the sub-sections its ``## `` headings open (its table of contents)."""

    html: str
    subsections: tuple[SubSection, ...] = ()


class Stored(Protocol):
    """A body kept out of memory (in the build cache), read each time it is used."""

    def read(self) -> Body: ...


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    slug: str
    bio: str = ""
    photo: str = ""
    role: str = ""
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    source: str  # the content file's path (a string: 10,000 Paths take 30 ms to load from the build cache)
    title: str
    published: datetime
    byline: tuple[str, ...]
    section: str
    slug: str
    url: str
    body: Body | Stored  # the body, or where it is stored: read it as ``contents()``, ``body_html``, ``subsections``
    summary: str
    tags: tuple[str, ...] = ()
    updated: datetime | None = None
    corrections: tuple[Correction, ...] = ()
    location: str = ""
    image: LeadImage | None = None
    draft: bool = False
    featured: bool = False
    breaking: bool = False
    lang: str = ""
    dir: str = ""
    ads: bool = True

    @property
    def modified(self) -> datetime:
        return self.updated or self.published

    def contents(self) -> Body:
        """The body (a build keeps it on disk, with its sub-sections, so that memory does not grow with the
        whole archive: each call reads it)."""
        return self.body if isinstance(self.body, Body) else self.body.read()

    @property
    def body_html(self) -> str:
        return self.contents().html

    @property
    def subsections(self) -> tuple[SubSection, ...]:
        return self.contents().subsections


@dataclass(frozen=True, slots=True)
class Page:
    source: str  # the content file's path
    title: str
    slug: str
    url: str
    body_html: str
    summary: str
    lang: str = ""
    dir: str = ""
    draft: bool = False


@dataclass(frozen=True, slots=True)
class OutputFile:
    """A file of the built site: its path inside the output folder and its bytes."""

    path: str
    data: bytes


@dataclass(frozen=True, slots=True)
class CopiedFile:
    """A file copied as it is (a static asset): its path in the output and its source."""

    path: str
    source: Path


@dataclass(frozen=True, slots=True)
class SiteContent:
    """Everything read from a site folder, before indexing."""

    articles: tuple[Article, ...]
    pages: tuple[Page, ...]
    authors: tuple[Author, ...]
    static: tuple[CopiedFile, ...]
    warnings: tuple[str, ...] = field(default=())
