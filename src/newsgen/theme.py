"""The Jinja environment: the site's ``templates/`` first, then the built-in theme (also reachable as ``theme/...``)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import jinja2.nodes
import jinja2.runtime
from markupsafe import Markup, escape

from .errors import SourceLocation, TemplateError
from .fingerprint import Fingerprints
from .markup import map_urls
from .models import Article, CopiedFile, SubSection
from .urls import absolute, link, tag_url
from .xmldoc import xml_text

THEME_DIR = Path(__file__).parent / "theme"
THEME_TEMPLATES = THEME_DIR / "templates"
THEME_STATIC = THEME_DIR / "static"
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# An article in a list: what ``card(item, level)`` renders (see ``Cards``).
CARD_TEMPLATE = "partials/article_card.html"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def long_date(value: date) -> str:
    """'Tuesday, 28 October 2025', whatever the machine's locale."""
    return f"{WEEKDAYS[value.weekday()]}, {value.day} {MONTHS[value.month - 1]} {value.year}"


def short_date(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1][:3]} {value.year}"


@dataclass(frozen=True, slots=True)
class BodyParts:
    """An article body cut after its third paragraph, where the in-article ad slot goes, and its sub-sections
    (read with it: a stored body is read once for both)."""

    before: Markup
    after: Markup
    subsections: tuple[SubSection, ...] = ()


def site_links(body_html: str, base_path: str) -> str:
    """A rendered body's site-relative URLs (``/city/``) put under the site's base path, as ``|url`` does."""
    if base_path == "/":
        return body_html

    def under_base(url: str) -> str:
        return link(base_path, url) if url.startswith("/") and not url.startswith("//") else url

    return map_urls(xml_text(body_html), under_base)


def body_parts(article: Article, after_paragraph: int = 3, *, base_path: str = "/") -> BodyParts:
    contents = article.contents()
    body = site_links(contents.html, base_path)
    if article.location:
        dateline = f'<span class="dateline">{escape(article.location)} —</span> '
        body = body.replace("<p>", "<p>" + dateline, 1) if "<p>" in body else f"<p>{dateline}</p>" + body
    ends = _TopLevelParagraphs.ends_in(body, after_paragraph)
    if len(ends) < after_paragraph or not body[ends[after_paragraph - 1] :].strip():
        return BodyParts(Markup(body), Markup(""), contents.subsections)
    cut = ends[after_paragraph - 1]
    if body.startswith("\n", cut):
        cut += 1
    return BodyParts(Markup(body[:cut]), Markup(body[cut:]), contents.subsections)


class _TopLevelParagraphs(HTMLParser):
    """Where the body's top-level paragraphs end: a cut there never falls inside a quote, list or table."""

    VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.positions: list[tuple[int, int]] = []

    @classmethod
    def ends_in(cls, body: str, count: int) -> list[int]:
        """The offsets in ``body`` just after its first ``count`` top-level ``</p>`` (fewer if it has fewer)."""
        parser = cls()
        # Fed up to each '</p>' in turn, so the parsing stops once enough have been found
        # (the parser gives the same tags however its input is cut).
        fed = 0
        while fed < len(body) and len(parser.positions) < count:
            found = body.find("</p>", fed)
            end = len(body) if found == -1 else found + len("</p>")
            parser.feed(body[fed:end])
            fed = end
        if fed == len(body):
            parser.close()
        line_starts = [0]
        for line in body[:fed].splitlines(keepends=True):
            line_starts.append(line_starts[-1] + len(line))
        return [line_starts[line - 1] + column + len("</p>") for line, column in parser.positions[:count]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        self.depth = max(0, self.depth - 1)
        if tag == "p" and self.depth == 0:
            self.positions.append(self.getpos())


def script_json(value: Any) -> Markup:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` are escaped so no text can end the block."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def fingerprint(source: Path, name: str) -> CopiedFile:
    """The theme asset ``name`` under a path that holds a hash of its bytes, cacheable for ever."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:10]
    stem, _, suffix = name.rpartition(".")
    return CopiedFile(f"assets/{stem}.{digest}.{suffix}", source)


def template_digest(templates_dir: Path) -> str:
    """A SHA-256 over every template a page can use (the site's and the theme's), by name and bytes, and
    over where each symbolic link among them points (the site's loader refuses some links)."""
    digest = hashlib.sha256()
    for folder in (templates_dir, THEME_TEMPLATES):
        if folder.is_symlink():
            digest.update(f"link\0{os.readlink(folder)}\0".encode("utf-8", "surrogatepass"))
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                name = path.relative_to(folder).as_posix()
                if path.is_symlink():
                    digest.update(f"{name}\0link\0{os.readlink(path)}\0".encode("utf-8", "surrogatepass"))
                if path.is_file():
                    digest.update(f"{name}\0{path.stat().st_size}\0".encode("utf-8", "surrogatepass"))
                    digest.update(path.read_bytes())
        digest.update(b"\1")
    return digest.hexdigest()


def template_closure_digests(env: jinja2.Environment, names: Iterable[str]) -> dict[str, str | None]:
    """For each template name, a SHA-256 over it and every template it extends, includes or imports,
    transitively, each by name and the source the environment finds for it (a missing one as missing); None
    when one of them names a template by a variable: then any template may be used, and only
    ``template_digest`` covers it. Each template is read and parsed once."""
    assert env.loader is not None
    found: dict[str, tuple[str | None, list[str | None]]] = {}

    def read(name: str) -> tuple[str | None, list[str | None]]:
        if name not in found:
            try:
                source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                found[name] = (None, [])
                return found[name]
            try:
                tree = env.parse(source)
                referenced = list(jinja2.meta.find_referenced_templates(tree))
                if any(node.name == "card" for node in tree.find_all(jinja2.nodes.Name)):
                    referenced.append(CARD_TEMPLATE)  # rendered by ``card(item, level)``
            except jinja2.TemplateSyntaxError:
                referenced = []  # the page using it fails with the error's place, whatever the digest
            found[name] = (source, referenced)
        return found[name]

    digests: dict[str, str | None] = {}
    for name in names:
        used: set[str] = set()
        pending: list[str | None] = [name]
        dynamic = False
        while pending and not dynamic:
            current = pending.pop()
            if current is None:
                dynamic = True
            elif current not in used:
                used.add(current)
                pending += read(current)[1]
        if dynamic:
            digests[name] = None
            continue
        digest = hashlib.sha256()
        for template in sorted(used):
            source = found[template][0]
            text = "\1" if source is None else f"{len(source)}\0{source}"
            digest.update(f"{len(template)}\0{template}\0{text}".encode("utf-8", "surrogatepass"))
        digests[name] = digest.hexdigest()
    return digests


def theme_assets() -> dict[str, CopiedFile]:
    """The built-in theme's static files by logical name (``newsgen.css``), fingerprinted."""
    return {
        path.relative_to(THEME_STATIC).as_posix(): fingerprint(path, path.relative_to(THEME_STATIC).as_posix())
        for path in sorted(THEME_STATIC.rglob("*"))
        if path.is_file()
    }


class SiteTemplateLoader(jinja2.FileSystemLoader):
    """The site's ``templates/``, which does not follow symlinked folders or symlinks out of the site.

    A refused template is "not found", so the built-in one of the same name is
    used; loading the site reports each such link as a warning.
    """

    def __init__(self, folder: Path, site_root: Path) -> None:
        super().__init__(folder, followlinks=False)
        self.folder = folder
        self.site_root = site_root.resolve()

    def _contained(self, template: str) -> bool:
        path = self.folder
        parts = jinja2.loaders.split_template_path(template)
        for part in parts[:-1]:
            path = path / part
            if path.is_symlink():
                return False
        path = path / parts[-1]
        if not path.is_symlink():
            return True
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return target.is_relative_to(self.site_root) and target.is_file()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        if not self._contained(template):
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)


class Cards:
    """The templates' ``card(item, level)``: ``CARD_TEMPLATE`` rendered for one article in a list, once per
    article, heading level, byline and site view, and kept from one build to the next.

    A list page is mostly cards (0.45 of its 0.65 ms at 20 cards), and a new article moves every card of its
    lists to another page. A card sees only ``item``, ``level``, ``site`` and ``people`` (the people its
    byline names, as the page links them), so its HTML is a function of those values and of the templates
    it uses: it is kept under the digest of the values, in a memo whose owner (the build) makes sure it was
    made by the same templates, configuration and code. Only the cards of the articles ``kept`` are, so that
    the memo's size is bounded; each key starts with the digest of its article, by which it is pruned.
    """

    def __init__(self, fingerprints: Fingerprints, kept: Iterable[Article] = ()) -> None:
        self.fingerprints = fingerprints
        self.kept = {fingerprints.digest(article) for article in kept}
        self.memo: dict[bytes, str] = {}
        self.fresh: dict[bytes, str] = {}  # made since the last ``take_fresh`` (a worker sends them back)
        self.reused: Mapping[bytes, str] = {}

    def reuse(self, cards: Mapping[bytes, str]) -> None:
        """Start from the cards of a build made with the same templates, configuration and code."""
        self.reused = cards
        self.memo = {**cards, **self.memo}

    def take_fresh(self) -> dict[bytes, str]:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def add(self, made: Mapping[bytes, str]) -> None:
        self.memo.update(made)

    def current(self) -> Mapping[bytes, str]:
        """The cards of the articles kept, as they are now (the others are stale): the very cards reused when
        they are all still current and none was made (so that they need not be written again)."""
        kept = self.kept
        cards = {key: html for key, html in self.memo.items() if key[:32] in kept}
        return self.reused if len(cards) == len(self.reused) == len(self.memo) else cards

    @jinja2.pass_context
    def card(self, context: jinja2.runtime.Context, item: Article, level: int) -> Markup:
        people = context.resolve_or_missing("people")
        people = {} if people is jinja2.utils.missing else people
        site = context.resolve_or_missing("site")
        site = None if site is jinja2.utils.missing else site
        digest = self.fingerprints.digest
        # Each part is a 32-byte digest of a value (tagged with its type), so their sequence is the key. The
        # article's covers its byline: then each name's person, or None, in the byline's order.
        article = digest(item)
        persons = [digest(people.get(name)) for name in item.byline]
        key = article + hashlib.sha256(b"".join([article, digest(level), digest(site), *persons])).digest()
        html = self.memo.get(key)
        if html is None:
            shown = {name: people[name] for name in item.byline if name in people}
            template = context.environment.get_template(CARD_TEMPLATE)
            html = template.render(item=item, level=level, people=shown, site=site)
            if article in self.kept:
                self.memo[key] = self.fresh[key] = html
        return Markup(html)


def make_environment(
    templates_dir: Path,
    *,
    base_path: str,
    base_url: str,
    timezone: tzinfo,
    compiled: jinja2.BytecodeCache | None = None,
    cards: Cards | None = None,
) -> jinja2.Environment:
    """The Jinja environment of a site's pages; ``compiled``: where compiled templates are kept between builds;
    ``cards``: the memo of article cards (a new one when None)."""
    theme_loader = jinja2.FileSystemLoader(THEME_TEMPLATES)
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir.is_dir() and not templates_dir.is_symlink():
        loaders.append(SiteTemplateLoader(templates_dir, templates_dir.parent))
    loaders += [jinja2.PrefixLoader({"theme": theme_loader}), theme_loader]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment lives for one build: templates need not be checked for changes on every include.
        auto_reload=False,
        bytecode_cache=compiled,
    )

    def local(value: datetime) -> datetime:
        return value.astimezone(timezone)

    env.filters.update(
        url=lambda value: link(base_path, value),
        abs_url=lambda value: absolute(base_url, value),
        local=local,
        long_date=lambda value: long_date(local(value) if isinstance(value, datetime) else value),
        short_date=lambda value: short_date(local(value) if isinstance(value, datetime) else value),
        clock=lambda value: local(value).strftime("%H:%M"),
        isodate=lambda value: value.isoformat(),
        script_json=script_json,
        body_parts=lambda article: body_parts(article, base_path=base_path),
        site_links=lambda body_html: Markup(site_links(body_html, base_path)),
        tag_url=tag_url,
    )
    env.globals["card"] = (cards or Cards(Fingerprints())).card
    return env


def template_error(exc: Exception, fallback: str) -> TemplateError:
    """A Jinja failure as a ``TemplateError`` pointing at the template file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(
            SourceLocation(Path(exc.filename or exc.name or fallback), exc.lineno), exc.message or str(exc)
        )
    frames = []
    traceback = exc.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            frames.append((filename, traceback.tb_lineno))
        traceback = traceback.tb_next
    place = SourceLocation(Path(frames[-1][0]), frames[-1][1]) if frames else SourceLocation(Path(fallback))
    if isinstance(exc, RecursionError):  # a template that includes (or renders as a card) itself, without end
        return TemplateError(place, "the template uses itself without end (RecursionError)")
    return TemplateError(place, f"{type(exc).__name__}: {exc}")
