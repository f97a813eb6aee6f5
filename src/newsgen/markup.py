"""Markdown to safe HTML, with the list of in-article sub-sections (``## `` headings)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import markdown
import nh3
from lxml import etree

from .models import SubSection
from .urls import slugify

EXTENSIONS = [
    "markdown.extensions.tables",
    "markdown.extensions.footnotes",
    "markdown.extensions.attr_list",
    "markdown.extensions.smarty",
    "markdown.extensions.fenced_code",
    "markdown.extensions.sane_lists",
    "markdown.extensions.abbr",
    "markdown.extensions.def_list",
    "markdown.extensions.toc",
]

_ALLOWED_TAGS = nh3.ALLOWED_TAGS | {
    "figure",
    "figcaption",
    "iframe",
    "picture",
    "source",
    "video",
    "audio",
    "track",
    "aside",
    "section",
    "details",
    "summary",
    "mark",
    "time",
}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {tag: set(attributes) for tag, attributes in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in _ALLOWED_TAGS:
    _ALLOWED_ATTRIBUTES.setdefault(_tag, set()).update({"id", "class", "title", "lang", "dir"})
_ALLOWED_ATTRIBUTES["a"] |= {"href", "hreflang"}
_ALLOWED_ATTRIBUTES["img"] |= {"src", "alt", "width", "height", "loading", "srcset", "sizes"}
_ALLOWED_ATTRIBUTES["iframe"] |= {"src", "width", "height", "allow", "allowfullscreen", "loading", "referrerpolicy"}
_ALLOWED_ATTRIBUTES["source"] |= {"src", "srcset", "type", "media", "sizes"}
_ALLOWED_ATTRIBUTES["video"] |= {"src", "controls", "width", "height", "poster", "preload"}
_ALLOWED_ATTRIBUTES["audio"] |= {"src", "controls", "preload"}
_ALLOWED_ATTRIBUTES["track"] |= {"src", "kind", "srclang", "label"}
_ALLOWED_ATTRIBUTES["time"] |= {"datetime"}
_ALLOWED_ATTRIBUTES["td"] |= {"colspan", "rowspan", "style"}
_ALLOWED_ATTRIBUTES["th"] |= {"colspan", "rowspan", "scope", "style"}
_ALLOWED_ATTRIBUTES["sup"] |= {"id"}
_ALLOWED_ATTRIBUTES["li"] |= {"id"}
_ALLOWED_ATTRIBUTES["ol"] |= {"start", "type"}
_URL_SCHEMES = {"http", "https", "mailto"}
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_STYLE_ALIGN = re.compile(r"^text-align: (left|right|center);?$")


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    subsections: tuple[SubSection, ...]


# Ids the built-in theme gives to elements around an article body: a heading
# such as "## Main" must not take one, or the page would hold it twice.
THEME_IDS = frozenset({"main", "toc-title", "related-title", "corrections-title", "comments-title"})


def _heading_id(text: str, separator: str) -> str:
    slug = slugify(text) or "section"
    return f"{slug}_1" if slug in THEME_IDS else slug


def _flatten(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten(token.get("children", [])))
    return flat


class MarkdownRenderer:
    """One Markdown converter, reset between documents (building one is the slow part)."""

    def __init__(self, *, embed_hosts: tuple[str, ...], trusted_html: bool) -> None:
        self._markdown = markdown.Markdown(
            extensions=EXTENSIONS,
            extension_configs={
                "markdown.extensions.toc": {"slugify": _heading_id, "permalink": False},
                "markdown.extensions.footnotes": {"UNIQUE_IDS": False},
            },
            output_format="html",
        )
        self._embed_hosts = frozenset(embed_hosts)
        self._trusted_html = trusted_html

    def render(self, text: str) -> Rendered:
        self._markdown.reset()
        body = self._markdown.convert(text)
        tokens = _flatten(getattr(self._markdown, "toc_tokens", []))
        subsections = tuple(
            SubSection(id=token["id"], title=html.unescape(_TAG.sub("", token["name"])))
            for token in tokens
            if token["level"] == 2
        )
        return Rendered(body if self._trusted_html else self.sanitise(body), subsections)

    def sanitise(self, body: str) -> str:
        return nh3.clean(
            body,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer",
            attribute_filter=self._keep_attribute,
            strip_comments=True,
        )

    def _keep_attribute(self, tag: str, attribute: str, value: str) -> str | None:
        if tag == "iframe" and attribute == "src":
            parts = urlsplit(value)
            return value if parts.scheme == "https" and parts.hostname in self._embed_hosts else None
        if attribute == "style":
            return value if _STYLE_ALIGN.match(value) else None
        return value


def plain_summary(body_html: str) -> str:
    """The first paragraph of an HTML body as plain text."""
    match = _FIRST_PARAGRAPH.search(body_html)
    if not match:
        return ""
    return " ".join(html.unescape(_TAG.sub("", match.group(1))).split())


URL_ATTRIBUTES = ("href", "src", "poster", "cite")


def map_urls(body_html: str, transform: Callable[[str], str]) -> str:
    """``body_html`` with ``transform`` applied to every URL in it (href, src, poster, cite and srcset)."""
    fragment = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for element in fragment.iter(etree.Element):
        for name in URL_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                element.set(name, transform(value))
        srcset = element.get("srcset")
        if srcset is not None:
            candidates = (candidate.strip().split(None, 1) for candidate in srcset.split(","))
            element.set(
                "srcset", ", ".join(" ".join([transform(parts[0]), *parts[1:]]) for parts in candidates if parts)
            )
    lead = html.escape(fragment.text or "", quote=False)
    return lead + "".join(lxml.html.tostring(child, encoding="unicode") for child in fragment)
