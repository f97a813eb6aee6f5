"""Slugs, permalinks and output paths: pure functions from values to strings."""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import date, datetime
from urllib.parse import SplitResult, quote, urlsplit

PERMALINK_FIELDS = ("section", "year", "month", "day", "slug")
_NOT_WORD = re.compile(r"[^\w]+")
# Apostrophes join a word's parts ("what's", "O'Brien"); they do not split it.
_APOSTROPHES = re.compile(r"['\u2019\u02bc]")
_SAFE_SLUG = re.compile(r"^\w[\w-]*$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
# The longest name of a file or folder that ext4, APFS and NTFS all take: 255 bytes of UTF-8 (NTFS counts
# UTF-16 units, never more than the UTF-8 bytes). A slug is a folder of the output, so it must fit.
MAX_SLUG_BYTES = 255


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens; letters of every script are kept.

    A name Windows reserves for a device (``con``, ``nul``, ``com1``...) gets a
    trailing hyphen, so a tag or an author called "Con" still has a folder.
    """
    normalised = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text).casefold())
    slug = _NOT_WORD.sub("-", normalised.replace("_", "-")).strip("-")
    return f"{slug}-" if _WINDOWS_RESERVED.match(slug) else slug


def slug_length_problem(slug: str) -> str | None:
    """Why ``slug`` is too long to name a folder of the output (how long it is, and the limit), or None."""
    size = len(slug.encode("utf-8", "surrogatepass"))
    if size > MAX_SLUG_BYTES:
        return f"{size} bytes long in UTF-8, and a folder name can hold at most {MAX_SLUG_BYTES}"
    return None


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name a folder of the output, or None when it can."""
    if not slug:
        return "slug is empty"
    if problem := slug_length_problem(slug):
        return f"slug '{slug[:40]}...' is {problem}"
    if not _SAFE_SLUG.match(slug):
        return f"slug '{slug}' may hold only letters, digits and hyphens (no dots, slashes or spaces)"
    if _WINDOWS_RESERVED.match(slug):
        return f"slug '{slug}' is a reserved file name on Windows"
    return None


def permalink_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable permalink, or None when it is."""
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"permalink '{pattern}' is malformed: {exc}"
    unknown = [name for name in fields if name not in PERMALINK_FIELDS]
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in PERMALINK_FIELDS)
        return f"permalink '{pattern}' has unknown placeholder {{{unknown[0]}}}; use {allowed}"
    if "slug" not in fields:
        return f"permalink '{pattern}' must contain {{slug}}"
    if not pattern.startswith("/"):
        return f"permalink '{pattern}' must start with '/'"
    if ".." in pattern.split("/"):
        return f"permalink '{pattern}' must not contain '..'"
    return None


def article_url(section: str, published: datetime, slug: str, pattern: str) -> str:
    url = pattern.format(
        section=section,
        year=f"{published.year:04d}",
        month=f"{published.month:02d}",
        day=f"{published.day:02d}",
        slug=slug,
    )
    return url if url.endswith(("/", ".html")) else url + "/"


def section_url(key: str) -> str:
    return f"/{key}/"


def tag_url(tag: str) -> str:
    return f"/tags/{slugify(tag)}/"


def author_url(slug: str) -> str:
    return f"/authors/{slug}/"


def day_url(day: date) -> str:
    return f"/archive/{day.year:04d}/{day.month:02d}/{day.day:02d}/"


def page_url(slug: str) -> str:
    return f"/{slug}/"


def feed_url(page_url: str) -> str:
    """The Atom feed beside a list page: ``/`` → ``/feed.xml``, ``/city/`` → ``/city/feed.xml``."""
    return page_url + "feed.xml"


def paginated_url(first: str, number: int) -> str:
    return first if number == 1 else f"{first}page/{number}/"


def output_path(url: str) -> str:
    """The file inside the output folder that serves ``url``."""
    path = url.lstrip("/")
    if path == "" or path.endswith("/"):
        return path + "index.html"
    return path


def link(base_path: str, url: str) -> str:
    """A site-relative ``url`` as an href under the site's base path, percent-encoded; full URLs pass."""
    if "://" in url or url.startswith(("mailto:", "#")):
        return url
    return base_path.rstrip("/") + quote(url, safe="/#?=&%:~-._")


def absolute(base_url: str, url: str) -> str:
    """``url`` made absolute against the site's base URL (which ends in '/')."""
    if "://" in url:
        return url
    return base_url.rstrip("/") + quote(url, safe="/#?=&%:~-._")


def split_url(url: str) -> SplitResult | None:
    """``url`` split into its parts, or None when it cannot be (``http://host[`` raises in urllib)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it is what validates the port
    except ValueError:
        return None
    return parts
