"""Reading the site folder: the only code that opens content files.

``parse_article`` and ``parse_page`` are pure (text in, model out); ``load_site``
does the reading and collects the errors of every file before it fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from time import time_ns
from zoneinfo import ZoneInfo

from frontmatter.default_handlers import YAMLHandler

from .config import SiteConfig
from .errors import BuildFailed, ContentError, NewsgenError, SourceLocation
from .markup import MarkdownRenderer, MarkupProblem, plain_summary
from .models import Article, Author, Body, CopiedFile, Correction, LeadImage, Link, Page, SiteContent
from .urls import article_url, page_url, slug_length_problem, slug_problem, slugify, split_url
from .yamlsource import FieldReader, YamlMap, clean_text, closest, load_yaml, shown

ARTICLE_KEYS = (
    "title",
    "date",
    "byline",
    "section",
    "tags",
    "summary",
    "slug",
    "updated",
    "corrections",
    "location",
    "image",
    "image_alt",
    "image_caption",
    "image_credit",
    "draft",
    "featured",
    "breaking",
    "lang",
    "dir",
    "ads",
)
PAGE_KEYS = ("title", "summary", "slug", "lang", "dir", "draft")
AUTHOR_KEYS = ("bio", "photo", "role", "links", "slug")
MAX_SOURCE_BYTES = 2_000_000
# A file changed this recently when it is read may change again within its timestamps' granularity
# (2 s on FAT) without its signature changing: its signature is not remembered ("racy", as git says).
RACY_NANOSECONDS = 2_000_000_000
# A day's margin from datetime's own limits, so that moving a date between time zones cannot overflow.
MIN_YEAR, MAX_YEAR = 2, 9998
_BOUNDARY = YAMLHandler.FM_BOUNDARY
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True, slots=True)
class Source:
    """A content file split into its front-matter and its body."""

    front_matter: YamlMap
    body: str
    body_line: int


def decode(path: Path, data: bytes) -> str:
    """UTF-8 text (a BOM is dropped, CRLF becomes LF) or a ContentError at the bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(SourceLocation(path, line), "file is not UTF-8 text; save it as UTF-8") from None
    return clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))


def split_source(path: Path, text: str) -> Source:
    """Separate the ``---`` front-matter block from the Markdown body."""
    if not text.startswith("---"):
        raise ContentError(SourceLocation(path, 1), "no front-matter: the file must start with a '---' line")
    boundaries = list(_BOUNDARY.finditer(text, 0))
    if not boundaries or boundaries[0].start() != 0:
        raise ContentError(SourceLocation(path, 1), "the first line must be exactly '---'")
    if len(boundaries) < 2:
        raise ContentError(SourceLocation(path, 1), "the front-matter block opened here is never closed with '---'")
    opening, closing = boundaries[0], boundaries[1]
    block = text[opening.end() : closing.start()]
    closing_line = text.count("\n", 0, closing.start()) + 1
    try:
        # The block starts with the newline that ends the opening '---', so its
        # line numbers already count from the file's first line.
        data = load_yaml(block, path, ContentError)
    except ContentError as error:
        if "\n\n" not in block.strip("\n"):
            raise
        # A blank line inside the block usually means the closing '---' is missing
        # and this '---' is a rule further down the body.
        raise ContentError(
            error.location,
            f"{error.message} (the front-matter runs to the '---' on line {closing_line}; "
            "is its closing '---' missing?)",
        ) from None
    if data is None:
        data = YamlMap()
        data.line, data.key_lines = 1, {}
    if not isinstance(data, YamlMap):
        message = "front-matter must be a mapping of 'key: value' lines"
        if isinstance(data, str):
            # Plain text between two '---' lines: most likely a body that opens with a rule.
            message += (
                f" (lines 2 to {closing_line - 1} read as text; "
                "a file that opens with a '---' rule needs its front-matter before the rule)"
            )
        raise ContentError(SourceLocation(path, 2), message)
    rest = text[closing.end() :]
    body = rest.lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    return Source(data, body, body_line)


def render_body(path: Path, source: Source, renderer: MarkdownRenderer) -> Body:
    """The body as HTML, or a ContentError at the body's line that could not be rendered."""
    try:
        return renderer.render(source.body)
    except MarkupProblem as problem:
        line = source.body_line + problem.line - 1 if problem.line else source.body_line
        raise ContentError(SourceLocation(path, line), problem.message) from None


def safe_url(url: str) -> bool:
    """An http(s), mailto or site-relative URL (never javascript:, data: or a bare //host).

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash,
    so ``/\\evil.example`` or ``/<tab>/evil.example`` would lead off the site:
    whitespace, controls and backslashes are refused everywhere.
    """
    if not url or any(char.isspace() or char == "\\" or ord(char) < 32 for char in url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")
    parts = split_url(url)
    if parts is None:
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "mailto"


def parse_datetime(fields: FieldReader, key: str, timezone: ZoneInfo, *, required: bool = False) -> datetime | None:
    """A date or date-time field as an aware datetime; naive values are read in ``timezone``."""
    value = fields.data.get(key)
    if value is None:
        if required:
            fields.fail(key, f"missing required field '{key}'")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        fields.fail(key, f"'{key}' must be a date such as 2025-10-28 or 2025-10-28T09:30:00+05:00, not {shown(value)}")
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(), timezone)
        else:
            parsed = datetime.fromisoformat(text)
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone)
    except ValueError as exc:
        reason = str(exc) if "out of range" in str(exc) or "must be in" in str(exc) else "not a date"
        fields.fail(
            key, f"'{key}' is not a valid date: '{text}' ({reason}; write 2025-10-28 or 2025-10-28T09:30:00+05:00)"
        )
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        fields.fail(key, f"'{key}' is out of range: '{text}' (years {MIN_YEAR} to {MAX_YEAR})")
        return None
    return parsed


def _language(fields: FieldReader) -> tuple[str, str]:
    lang = fields.text("lang")
    if lang and not _LANG.match(lang):
        fields.fail("lang", f"'lang' must be a language code such as 'en' or 'ur', not '{lang}'")
        lang = ""
    direction = fields.text("dir")
    if direction and direction not in ("ltr", "rtl"):
        fields.fail("dir", f"'dir' must be 'ltr' or 'rtl', not '{direction}'")
        direction = ""
    return lang, direction


def _slug(fields: FieldReader, path: Path) -> str:
    if fields.present("slug"):
        # Some editors and file systems write decomposed (NFD) text; a URL should not depend on that.
        slug = unicodedata.normalize("NFC", fields.text("slug"))
        if problem := slug_problem(slug):
            fields.fail("slug", problem)
        return slug
    slug = slugify(path.stem)
    if problem := slug_problem(slug):
        fields.errors.append(ContentError(SourceLocation(path, 1), f"file name gives no usable slug: {problem}"))
    return slug


def _corrections(fields: FieldReader) -> tuple[Correction, ...]:
    raw = fields.data.get("corrections")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fields.fail("corrections", "'corrections' must be a list of {date, text}")
        return ()
    corrections = []
    for item in raw:
        if not isinstance(item, YamlMap):
            fields.fail("corrections", f"each correction must be {{date, text}}, not {shown(item)}")
            continue
        entry = fields.nested(item, "corrections.")
        entry.unknown_keys(("date", "text"))
        when = parse_datetime(entry, "date", ZoneInfo("UTC"), required=True)
        text = entry.text("text", required=True)
        if when and text:
            corrections.append(Correction(when.date(), text))
    return tuple(corrections)


def _image(fields: FieldReader) -> LeadImage | None:
    src = fields.text("image")
    alt = fields.text("image_alt")
    caption, credit = fields.text("image_caption"), fields.text("image_credit")
    if not src:
        for key in ("image_alt", "image_caption", "image_credit"):
            if fields.present(key):
                fields.fail(key, f"'{key}' is set but there is no 'image'")
        return None
    if not safe_url(src):
        fields.fail("image", f"'image' must be an http(s) URL or a path starting with '/', not '{src}'")
        return None
    if not alt:
        fields.fail("image", "a lead image needs 'image_alt', a description for readers who cannot see it")
    return LeadImage(src, alt, caption, credit)


def _distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each tag or name once, as its page knows it (by slug: "Water" and "water" are one tag), first spelling
    kept; else the article would be listed twice on that page and in that feed."""
    kept: dict[str, str] = {}
    for name in names:
        kept.setdefault(slugify(name) or name, name)
    return tuple(kept.values())


def _by_line(errors: list[NewsgenError]) -> list[NewsgenError]:
    """A file's errors in the order of its lines, as a reader goes through it."""
    return sorted(errors, key=lambda error: error.location.line or 0 if error.location else 0)


def parse_article(path: Path, text: str, config: SiteConfig, renderer: MarkdownRenderer) -> Article:
    """One article file as an ``Article``; raises ``BuildFailed`` with every problem in it."""
    source = split_source(path, text)
    fields = FieldReader(source.front_matter, path, ContentError)
    fields.unknown_keys(ARTICLE_KEYS)
    title = fields.text("title", required=True)
    published = parse_datetime(fields, "date", config.timezone, required=True)
    updated = parse_datetime(fields, "updated", config.timezone)
    byline = _distinct(fields.text_list("byline", required=True))
    for name in byline:
        # Each name in a byline has an author page, in a folder named by its slug.
        if problem := slug_length_problem(slugify(name)):
            fields.fail("byline", f"the name {shown(name)} is too long for an author page: its slug would be {problem}")
    section = fields.text("section", required=True)
    if section and config.section(section) is None:
        keys = [known.key for known in config.sections]
        hint = f"did you mean '{close}'? " if (close := closest(section, keys)) else ""
        fields.fail("section", f"unknown section '{section}'; {hint}sections are: {', '.join(keys)}")
    tags = _distinct(fields.text_list("tags"))
    for tag in tags:
        tag_slug = slugify(tag)
        if not tag_slug:
            fields.fail("tags", f"tag '{tag}' has no letters or digits to make its URL from")
        elif problem := slug_length_problem(tag_slug):
            fields.fail("tags", f"the tag {shown(tag)} is too long for a tag page: its slug would be {problem}")
    slug = _slug(fields, path)
    summary = fields.text("summary")
    location = fields.text("location")
    image = _image(fields)
    corrections = _corrections(fields)
    lang, direction = _language(fields)
    flags = {key: fields.boolean(key, False) for key in ("draft", "featured", "breaking")}
    ads = fields.boolean("ads", True)
    if published and updated and updated < published:
        fields.fail("updated", "'updated' is earlier than 'date'")
    if fields.errors or published is None:
        raise BuildFailed(_by_line(fields.errors))
    rendered = render_body(path, source, renderer)
    return Article(
        source=str(path),
        title=title,
        published=published,
        byline=byline,
        section=section,
        slug=slug,
        url=article_url(section, published.astimezone(config.timezone), slug, config.permalink),
        body=rendered,
        summary=summary or plain_summary(rendered.html),
        tags=tags,
        updated=updated,
        corrections=corrections,
        location=location,
        image=image,
        lang=lang,
        dir=direction,
        ads=ads,
        **flags,
    )


def parse_page(path: Path, text: str, renderer: MarkdownRenderer) -> Page:
    source = split_source(path, text)
    fields = FieldReader(source.front_matter, path, ContentError)
    fields.unknown_keys(PAGE_KEYS)
    title = fields.text("title", required=True)
    slug = _slug(fields, path)
    summary = fields.text("summary")
    lang, direction = _language(fields)
    draft = fields.boolean("draft", False)
    if fields.errors:
        raise BuildFailed(_by_line(fields.errors))
    rendered = render_body(path, source, renderer)
    return Page(
        source=str(path),
        title=title,
        slug=slug,
        url=page_url(slug),
        body_html=rendered.html,
        summary=summary or plain_summary(rendered.html),
        lang=lang,
        dir=direction,
        draft=draft,
    )


def parse_authors(path: Path, text: str) -> tuple[Author, ...]:
    data = load_yaml(text, path, ContentError)
    if data is None:
        return ()
    if not isinstance(data, YamlMap):
        raise ContentError(SourceLocation(path, 1), "authors.yaml must map each author's name to a profile")
    errors: list[NewsgenError] = []
    authors = []
    for name in data:
        profile = FieldReader(data, path, ContentError).child(name)
        if profile is None:
            if data[name] is not None:
                errors.append(
                    ContentError(SourceLocation(path, data.line_of(name)), f"profile of '{name}' must be a mapping")
                )
                continue
            authors.append(Author(name=name, slug=slugify(name)))
            continue
        profile.prefix = f"{name}."
        profile.unknown_keys(AUTHOR_KEYS)
        photo = profile.text("photo")
        if photo and not safe_url(photo):
            profile.fail("photo", f"'photo' must be an http(s) URL or a path starting with '/', not '{photo}'")
            photo = ""
        links = []
        link_fields = profile.child("links")
        if link_fields is not None:
            for label in link_fields.data:
                url = link_fields.text(label)
                if url and safe_url(url):
                    links.append(Link(label, url))
                else:
                    link_fields.fail(label, f"link '{label}' must be an http(s), mailto or site-relative URL")
        slug = profile.text("slug") or slugify(name)
        if problem := slug_problem(slug):
            profile.fail("slug", problem)
        authors.append(
            Author(
                name=name,
                slug=slug,
                bio=profile.text("bio"),
                photo=photo,
                role=profile.text("role"),
                links=tuple(links),
            )
        )
        errors.extend(profile.errors)
    errors.extend(_same_authors(path, data, authors))
    if errors:
        raise BuildFailed(errors)
    return tuple(authors)


def _same_authors(path: Path, data: YamlMap, authors: list[Author]) -> Iterator[NewsgenError]:
    """Two profiles that bylines would match alike (same slug of the name), or that share an author page."""
    by_name: dict[str, str] = {}
    by_slug: dict[str, str] = {}
    for author in authors:
        place = SourceLocation(path, data.line_of(author.name))
        key = slugify(author.name)
        if key in by_name:
            yield ContentError(
                place,
                f"'{author.name}' is the same author as '{by_name[key]}' (line {data.line_of(by_name[key])}): "
                "bylines are matched to profiles regardless of case and punctuation",
            )
        elif author.slug in by_slug:
            yield ContentError(place, f"'{author.name}' has the same slug '{author.slug}' as '{by_slug[author.slug]}'")
        by_name.setdefault(key, author.name)
        by_slug.setdefault(author.slug, author.name)


def _inside(path: Path, root: Path) -> bool:
    """``path``, links followed, is an existing file or folder inside ``root``."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a looping link, as os.walk reads it: not a folder
        return False


def walk_files(folder: Path, root: Path, suffix: str = "") -> tuple[list[Path], list[str]]:
    """Files under ``folder`` in a stable order (a folder's files, then its sub-folders, each sorted by name);
    symlinks leading out of ``root`` are skipped with a warning."""
    listed, warnings = _walk(folder, root, suffix)
    return [Path(name) for name in listed], warnings


def _walk(folder: Path, root: Path, suffix: str) -> tuple[list[str], list[str]]:
    """``walk_files``, each file's path as a string (as listed, the same as ``str`` of its Path; a Path each
    would take 25 ms at 10,000 files)."""
    files: list[str] = []
    warnings: list[str] = []
    if not folder.is_dir():
        return files, warnings
    real_root = root.resolve()
    if folder.is_symlink() or not _inside(folder, root):
        warnings.append(f"{folder}: warning: symlinked folder not followed")
        return files, warnings

    pending = [str(folder)]  # folders still to list, the next one last (depth first, like os.walk)
    while pending:
        try:
            entries = sorted(os.scandir(pending.pop()), key=lambda entry: entry.name)
        except OSError:
            continue  # as os.walk does: a folder that cannot be listed is passed over
        # The type comes with the folder listing (no stat), except on file systems that do not give it.
        folders = [entry for entry in entries if _is_dir(entry)]
        for entry in folders:
            if entry.is_symlink():
                warnings.append(f"{entry.path}: warning: symlinked folder not followed")
        for entry in entries:
            if _is_dir(entry) or entry.name.startswith(".") or not entry.name.endswith(suffix):
                continue
            if entry.is_symlink():
                path = Path(entry.path)
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    warnings.append(f"{path}: warning: broken or looping symlink skipped")
                    continue
                if not target.is_relative_to(real_root) or not target.is_file():
                    warnings.append(f"{path}: warning: symlink pointing outside the site skipped")
                    continue
            files.append(entry.path)
        pending += reversed(
            [entry.path for entry in folders if not entry.is_symlink() and not entry.name.startswith(".")]
        )
    return files, warnings


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise ContentError(
                SourceLocation(path), f"file is larger than {MAX_SOURCE_BYTES // 1_000_000} MB; split it or shrink it"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ContentError(SourceLocation(path), f"cannot read: {exc.strerror}") from None


def _read(path: Path) -> str:
    return decode(path, _read_bytes(path))


def source_text(path: Path) -> str:
    """A source file's text, for pointing at a line in it after the build ('' when it cannot be read now)."""
    try:
        return _read(path)
    except NewsgenError:
        return ""


def _errors_of(failure: NewsgenError | BuildFailed) -> Iterator[NewsgenError]:
    if isinstance(failure, BuildFailed):
        yield from failure.errors
    else:
        yield failure


# What identifies a file's version without reading it: size, modification time, inode and change time,
# packed in 32 bytes (``_signature``: a third of the memory of a tuple of four integers, for every file).
Signature = bytes
_SIGNATURE = struct.Struct("<qqQq")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Markdown content file of the site: ``kind`` is 'article' or 'page'.

    Listing the site only stats each file. ``digest`` (the SHA-256 of its bytes) is known then when its
    signature is the one remembered with it; else ``read_source`` reads the file (in the worker that parses
    it), filling ``data`` and ``digest``. ``signature`` is what the next build may trust, or None.
    """

    kind: str
    # the file's path as the listing gave it, and its key in the cache
    name: str
    signature: Signature | None = None
    digest: str = ""
    data: bytes | None = None
    error: NewsgenError | None = None

    @property
    def path(self) -> Path:
        return Path(self.name)


# A content file as listed: its kind ('article' or 'page'), its path, and its signature or why it cannot be read.
ListedFile = tuple[str, str, Signature | str]


@dataclass(frozen=True, slots=True)
class ContentListing:
    """The site's content files as listed and stat'ed, as plain values (a process forked to list them sends
    them back pickled), with the warnings met listing the articles and the pages, and when listing began
    (``time_ns``)."""

    files: list[ListedFile]
    warnings: tuple[list[str], list[str]]
    started: int


@dataclass(frozen=True, slots=True)
class SiteSources:
    """The site folder as read, before any Markdown is parsed."""

    files: tuple[SourceFile, ...]
    authors: tuple[Author, ...]
    static: tuple[CopiedFile, ...]
    warnings: tuple[str, ...]
    errors: tuple[NewsgenError, ...]


def parse_settings(config: SiteConfig) -> tuple[object, ...]:
    """The configuration values a parsed article or page depends on (a parse cache is keyed by them)."""
    return (
        config.root,
        str(config.timezone),
        config.sections,
        config.permalink,
        config.embed_hosts,
        config.trusted_html,
    )


def _signature(status: os.stat_result) -> Signature:
    # (An inode number wider than 64 bits, as ReFS gives, keeps its low 64: with the size and times beside it.)
    return _SIGNATURE.pack(
        status.st_size, status.st_mtime_ns, status.st_ino & 0xFFFF_FFFF_FFFF_FFFF, status.st_ctime_ns
    )


def _listed(kind: str, name: str) -> ListedFile:
    try:
        return kind, name, _signature(os.stat(name))
    except OSError as exc:
        return kind, name, exc.strerror or str(exc)


def list_content(config: SiteConfig) -> ContentListing:
    """Every content file of the site, stat'ed (not read)."""
    started = time_ns()
    article_files, warnings = _walk(config.content_dir / "articles", config.root, ".md")
    page_files, page_warnings = _walk(config.content_dir / "pages", config.root, ".md")
    files = [_listed("article", name) for name in article_files] + [_listed("page", name) for name in page_files]
    return ContentListing(files, (warnings, page_warnings), started)


def source_file(listed: ListedFile, known: Mapping[str, tuple[Signature, str]], started: int) -> SourceFile:
    """A content file as listed, not yet read: its digest is taken from ``known`` when its signature is the
    one remembered there.

    A signature is kept for the next build only when the file's times (size, mtime, inode, ctime) are older
    than ``started`` (when listing began, on the clock that stamps files) by more than timestamps'
    granularity. (If the file changes between the stat and its reading, its signature changes too, so the
    pair kept is never trusted.)
    """
    kind, name, signature = listed
    if isinstance(signature, str):
        return SourceFile(kind, name, error=ContentError(SourceLocation(Path(name)), f"cannot read: {signature}"))
    remembered = known.get(name)
    if remembered is not None and remembered[0] == signature:
        return SourceFile(kind, name, signature, remembered[1])
    _, modified, _, changed = _SIGNATURE.unpack(signature)
    settled = max(modified, changed) < started - RACY_NANOSECONDS
    return SourceFile(kind, name, signature if settled else None)


def stat_source(kind: str, name: str, known: Mapping[str, tuple[Signature, str]], started: int) -> SourceFile:
    """One content file (``name``: its path) stat'ed now, as ``source_file`` makes it."""
    return source_file(_listed(kind, name), known, started)


def read_source(source: SourceFile) -> SourceFile:
    """``source`` with its bytes and their digest (or the error met reading it)."""
    if source.data is not None or source.error is not None:
        return source
    try:
        data = _read_bytes(source.path)
    except NewsgenError as error:
        return replace(source, error=error)
    return replace(source, data=data, digest=hashlib.sha256(data).hexdigest())


def read_site(
    config: SiteConfig,
    known: Mapping[str, tuple[Signature, str]] | None = None,
    listing: ContentListing | None = None,
) -> SiteSources:
    """The content files (stat only: each is read by ``read_source`` where it is parsed, from ``listing``
    when given, else listed now), the author profiles and the static file list.

    ``known`` maps a source path to a signature and digest from an earlier build: a file whose signature
    is unchanged need not be read (its digest is taken as it is).
    """
    listing = listing or list_content(config)
    errors: list[NewsgenError] = []
    warnings, page_warnings = list(listing.warnings[0]), listing.warnings[1]
    static_files, static_warnings = walk_files(config.static_dir, config.root)
    # Templates are read by the theme's loader, which refuses the same links; listing them here reports them.
    _, template_warnings = walk_files(config.templates_dir, config.root)
    files = [source_file(listed, known or {}, listing.started) for listed in listing.files]
    authors: tuple[Author, ...] = ()
    authors_file = config.content_dir / "authors.yaml"
    if authors_file.is_symlink() and not _inside(authors_file, config.root):
        warnings.append(f"{authors_file}: warning: symlink pointing outside the site, or nowhere, skipped")
    elif authors_file.is_file():
        try:
            authors = parse_authors(authors_file, _read(authors_file))
        except (NewsgenError, BuildFailed) as failure:
            errors.extend(_errors_of(failure))
    static = tuple(CopiedFile(path.relative_to(config.static_dir).as_posix(), path) for path in static_files)
    return SiteSources(
        tuple(files),
        authors,
        static,
        tuple(warnings + page_warnings + static_warnings + template_warnings),
        tuple(errors),
    )


def parse_source(source: SourceFile, config: SiteConfig, renderer: MarkdownRenderer) -> Article | Page:
    """One content file as an ``Article`` or ``Page`` (read first if it was not); raises ``NewsgenError`` or
    ``BuildFailed``."""
    source = read_source(source)
    if source.error:
        raise source.error
    assert source.data is not None
    text = decode(source.path, source.data)
    if source.kind == "article":
        return parse_article(source.path, text, config, renderer)
    return parse_page(source.path, text, renderer)


def parse_outcome(
    source: SourceFile, config: SiteConfig, renderer: MarkdownRenderer
) -> Article | Page | tuple[NewsgenError, ...]:
    """``parse_source`` with its errors returned as a value (what a worker process sends back)."""
    try:
        return parse_source(source, config, renderer)
    except (NewsgenError, BuildFailed) as failure:
        return tuple(_errors_of(failure))


def assemble(sources: SiteSources, outcomes: Sequence[Article | Page | tuple[NewsgenError, ...]]) -> SiteContent:
    """The parsed files, in the order read, as ``SiteContent``; ``BuildFailed`` with every error of every file."""
    errors: list[NewsgenError] = []
    articles: list[Article] = []
    pages: list[Page] = []
    for outcome in outcomes:
        if isinstance(outcome, Article):
            articles.append(outcome)
        elif isinstance(outcome, Page):
            pages.append(outcome)
        else:
            errors.extend(outcome)
    errors.extend(sources.errors)
    if errors:
        raise BuildFailed(errors)
    return SiteContent(
        articles=tuple(articles),
        pages=tuple(pages),
        authors=sources.authors,
        static=sources.static,
        warnings=sources.warnings,
    )


def load_site(config: SiteConfig, renderer: MarkdownRenderer) -> SiteContent:
    """Read and parse every content file of the site; raise ``BuildFailed`` with all errors of all files."""
    sources = read_site(config)
    return assemble(sources, [parse_outcome(source, config, renderer) for source in sources.files])
