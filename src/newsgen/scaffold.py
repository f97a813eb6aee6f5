"""Writing new sources for the user: a starter site (``init``) and a new article file (``new``)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from .config import SiteConfig
from .errors import SourceLocation, UsageError
from .urls import slugify

STARTER = Path(__file__).parent / "starter"
# Files and folders whose real names would be hidden or ignored inside a Python package
# (package data globs skip names that start with a dot); init gives them their real names.
RENAMED = {"gitignore": ".gitignore", "github": ".github"}
# Folders a new site starts with empty; a wheel holds no empty folders, so they are made here.
EMPTY_FOLDERS = ("templates", "static")


def init_site(target: Path) -> list[Path]:
    """Copy the starter site into ``target``, which must be missing or empty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(SourceLocation(target), "folder exists and is not empty; newsgen init needs a new folder")
    written = []
    for source in sorted(STARTER.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(STARTER)
        destination = target.joinpath(*(RENAMED.get(part, part) for part in relative.parts))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        written.append(destination)
    for folder in EMPTY_FOLDERS:
        (target / folder).mkdir(parents=True, exist_ok=True)
    return written


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def article_text(title: str, section: str, byline: str, published: datetime) -> str:
    return (
        "---\n"
        f"title: {_quoted(title)}\n"
        f"date: {published.isoformat(timespec='minutes')}\n"
        f"byline: {_quoted(byline)}\n"
        f"section: {section}\n"
        "tags: []\n"
        'summary: ""\n'
        "draft: true\n"
        "---\n"
        "Write the first paragraph here: who, what, when, where.\n\n"
        "## A sub-section\n\n"
        "Each level-2 heading becomes an anchor in the table of contents.\n"
    )


def new_article(config: SiteConfig, title: str, section: str, byline: str, now: datetime) -> Path:
    """Write a draft article dated ``now`` under content/articles/YYYY/MM/; return its path."""
    if config.section(section) is None:
        keys = ", ".join(known.key for known in config.sections)
        raise UsageError(
            SourceLocation(config.root / "newsgen.yaml"), f"unknown section '{section}'; sections are: {keys}"
        )
    slug = slugify(title)
    if not slug:
        raise UsageError(None, f"the title {title!r} gives no slug; use some letters or digits")
    local = now.astimezone(config.timezone).replace(second=0, microsecond=0)
    path = config.content_dir / "articles" / f"{local.year:04d}" / f"{local.month:02d}" / f"{slug}.md"
    if path.exists():
        raise UsageError(SourceLocation(path), "an article with this slug already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_text(title, section, byline, local), encoding="utf-8")
    return path
