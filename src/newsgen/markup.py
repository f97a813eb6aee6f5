"""Markdown to safe HTML, with the list of in-article sub-sections (``## `` headings)."""

from __future__ import annotations

import html
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from xml.etree.ElementTree import Element

import lxml.html
import markdown
import nh3
from lxml import etree
from markdown import util as markdown_util
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.abbr import AbbrExtension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.def_list import DefListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor

from .models import Body, SubSection
from .urls import slugify, split_url

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
_LINE_PREFIX = re.compile(r"^[ \t>]*")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")

# Python-Markdown is quadratic in some inputs (unmatched '[' in one paragraph,
# deep nesting, tens of thousands of blocks). The structural limits below refuse
# the known cases up front with a message; the time limit is the backstop for
# the rest. Both are far beyond what an article needs.
MAX_NESTING = 50
# Ids the theme's pages and scripts rely on: an element of the body holding one
# would take over the skip link's target or a script's global (window.adsbygoogle).
# A heading that would get one ("## Main") gets "_1" after it instead.
RESERVED_IDS = frozenset(
    {
        "main",
        "comments-title",
        "corrections-title",
        "latest-title",
        "lead-title",
        "profile-name",
        "related-title",
        "toc-title",
        "disqus_thread",
        "disqus_config",
        "adsbygoogle",
        "giscus",
    }
)
MAX_BRACKETS_PER_BLOCK = 500
TIME_LIMIT_SECONDS = 10.0
_ALARM_REPEAT = 0.05


class MarkupProblem(Exception):
    """A body that cannot be rendered; ``line`` counts from the first line of the body."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        # Rendering may run in a worker process: the problem must survive pickling.
        return (type(self), (self.line, self.message))


class _OutOfTime(BaseException):
    """Raised by the alarm inside the converter; a BaseException so no ``except Exception`` swallows it."""


def structure_problem(text: str) -> MarkupProblem | None:
    """Nesting or bracket runs that would make Python-Markdown take minutes, as a problem at their line."""
    in_fence = False
    block_line, brackets = 1, 0
    for number, line in enumerate(text.split("\n"), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not line.strip():
            block_line, brackets = number + 1, 0
            continue
        prefix = _LINE_PREFIX.match(line)
        markers = (prefix.group() if prefix else "").replace("> ", ">")
        depth = markers.count(">") + len(markers.replace(">", "").expandtabs(4)) // 4
        if depth > MAX_NESTING:
            return MarkupProblem(number, f"lists or quotes nested more than {MAX_NESTING} levels deep; flatten them")
        brackets += line.count("[")
        if brackets > MAX_BRACKETS_PER_BLOCK:
            return MarkupProblem(
                block_line,
                f"the paragraph starting here holds more than {MAX_BRACKETS_PER_BLOCK} '['; "
                "escape them as \\[ or split the paragraph",
            )
    return None


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise ``_OutOfTime`` in the block after ``seconds``, where a signal can reach it (a main thread)."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = True

    def expire(signum: int, frame: object) -> None:
        if armed:
            raise _OutOfTime

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    # The alarm repeats after the limit: an exception raised while Python runs a garbage-collector
    # callback (a profiler's or a test tool's) is dropped, so a single alarm can be lost.
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, _ALARM_REPEAT)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:
            remaining = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)


def _heading_id(text: str, separator: str) -> str:
    slug = slugify(text) or "section"
    return f"{slug}_1" if slug in RESERVED_IDS else slug


def _flatten(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten(token.get("children", [])))
    return flat


# What an inline pattern cannot match without, by its registered name: a text that
# holds none of these strings is passed over without running the pattern. Most
# text in an article holds no Markdown punctuation at all, and trying each of
# the 15 inline and 18 smart-punctuation patterns on it is most of the inline
# phase's cost. (A name missing here is always tried.)
_NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[^",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
    "smarty-ellipses": ("...",),
    "smarty-en-dashes": ("--",),
    "smarty-em-dashes": ("---",),
    "smarty-quotes-0": ("'",),
    "smarty-quotes-1": ('"',),
    "smarty-quotes-2": ("\"'",),
    "smarty-quotes-3": ("'\"",),
    "smarty-quotes-4": ("'\"",),
    "smarty-quotes-5": ("\"'",),
    "smarty-quotes-6": ("'",),
    "smarty-quotes-7": ("'",),
    "smarty-quotes-8": ("'",),
    "smarty-quotes-9": ("'",),
    "smarty-quotes-10": ("'",),
    "smarty-quotes-11": ('"',),
    "smarty-quotes-12": ('"',),
    "smarty-quotes-13": ('"',),
    "smarty-quotes-14": ('"',),
}


class _PrefilteredInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, skipping the patterns whose required text is absent.

    A match only replaces text with a placeholder (which holds none of the strings
    in ``_NEEDS``), so what a text lacks at the start it lacks throughout.
    """

    def __init__(self, md: markdown.Markdown, patterns: markdown_util.Registry[Any]) -> None:
        super().__init__(md)
        self.inlinePatterns = patterns
        self._patterns = list(patterns)
        needs: list[frozenset[str] | None] = [None] * len(self._patterns)
        for name, strings in _NEEDS.items():
            if name in patterns:
                needs[patterns.get_index_for_name(name)] = frozenset(strings)
        self._needs = needs
        self._strings = sorted({string for strings in needs if strings for string in strings})
        self._all_guarded = None not in needs

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # InlineProcessor.__handleInline (a private method, so its loop is repeated here), with the check.
        if isinstance(data, markdown_util.AtomicString):
            return data
        present = {string for string in self._strings if string in data}
        if not present and self._all_guarded:
            return data
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns, needs = self._patterns, self._needs
        count = len(patterns)
        start = 0
        while patternIndex < count:
            needed = needs[patternIndex]
            if needed is not None and needed.isdisjoint(present):
                patternIndex += 1
                start = 0
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# The same for block processors, with each one's registered priority (Python-Markdown's
# and its extensions' own): what a block must hold for the processor to take it.
# (Each one's test searches the whole block for its pattern at every line start.)
_BLOCK_NEEDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "table": (75, ("|",)),
    "hashheader": (70, ("#",)),
    "setextheader": (60, ("\n=", "\n-")),
    "hr": (50, ("-", "_", "*")),
    "deflist": (25, (":",)),
    "quote": (20, (">",)),
    "footnote": (17, ("[^",)),
    "abbr": (16, ("*[",)),
    "reference": (15, ("]:",)),
}


class _PrefilteredBlockProcessor(BlockProcessor):
    """A block processor that declines a block lacking every string it needs without looking further.

    Declining in ``test`` is what the wrapped processor's own ``test`` or ``run``
    does then (those whose ``test`` accepts every block give it back from ``run``).
    """

    def __init__(self, wrapped: BlockProcessor, needs: tuple[str, ...]) -> None:
        super().__init__(wrapped.parser)
        self._wrapped = wrapped
        self._needs = needs

    def test(self, parent: Element, block: str) -> bool:
        for text in self._needs:  # a loop, not any(): this runs for every block and processor
            if text in block:
                return bool(self._wrapped.test(parent, block))
        return False

    def run(self, parent: Element, blocks: list[str]) -> bool | None:
        return self._wrapped.run(parent, blocks)


# And for the preprocessors that scan the whole text: what it must hold for them to change it. (The raw HTML
# parser also completes a character reference written without its semicolon: "&#169 b" becomes "&#169; b".)
_PREPROCESSOR_NEEDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "html_block": (20, ("<", "&")),
    "fenced_code_block": (25, ("```", "~~~")),
}


class _PrefilteredPreprocessor(Preprocessor):
    """A preprocessor that gives back a text lacking every string it needs without running (which would give
    the same lines back, after searching the whole text for what it lacks)."""

    def __init__(self, wrapped: Preprocessor, needs: tuple[str, ...]) -> None:
        super().__init__(wrapped.md)
        self._wrapped = wrapped
        self._needs = needs

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        return self._wrapped.run(lines) if any(need in text for need in self._needs) else lines


def _replace(registry: markdown_util.Registry[Any], name: str, item: Any, priority: float) -> None:
    place = registry.get_index_for_name(name)
    registry.register(item, name, priority)
    assert registry.get_index_for_name(name) == place, f"{name} moved in Python-Markdown's order"


def extensions() -> list[Extension]:
    """Our Python-Markdown extensions, new for each converter (an extension keeps its converter's state).

    Given as objects, not by name: Python-Markdown looks a name up among the entry points of every installed
    distribution first, which took 14 ms of a one-article rebuild in an environment of 100 distributions.
    """
    return [
        TableExtension(),
        FootnoteExtension(UNIQUE_IDS=False),
        AttrListExtension(),
        SmartyExtension(),
        FencedCodeExtension(),
        SaneListExtension(),
        AbbrExtension(),
        DefListExtension(),
        TocExtension(slugify=_heading_id, permalink=False),
    ]


def converter(*, prefilter: bool = True) -> markdown.Markdown:
    """A Markdown converter with our extensions; ``prefilter=False`` leaves out the shortcuts (same output)."""
    md = markdown.Markdown(extensions=extensions(), output_format="html")
    if prefilter:
        # Each replaces the processor of its name at its registered priority, so the order is unchanged.
        # The inline shortcut replaces a private method of Python-Markdown's: where a version lacks
        # it, the stock passes stay (slower, same output).
        private = ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern")
        inline = (("inline", 20), ("smarty", 6)) if all(hasattr(InlineProcessor, name) for name in private) else ()
        for name, priority in inline:
            stock = md.treeprocessors[name]
            assert isinstance(stock, InlineProcessor)
            _replace(md.treeprocessors, name, _PrefilteredInlineProcessor(md, stock.inlinePatterns), priority)
        blocks = md.parser.blockprocessors
        for name, (priority, needs) in _BLOCK_NEEDS.items():
            _replace(blocks, name, _PrefilteredBlockProcessor(blocks[name], needs), priority)
        for name, (priority, needs) in _PREPROCESSOR_NEEDS.items():
            _replace(md.preprocessors, name, _PrefilteredPreprocessor(md.preprocessors[name], needs), priority)
    return md


class MarkdownRenderer:
    """One Markdown converter, reset between documents (building one is the slow part)."""

    def __init__(
        self, *, embed_hosts: tuple[str, ...], trusted_html: bool, time_limit: float = TIME_LIMIT_SECONDS
    ) -> None:
        self._markdown = converter()
        self._embed_hosts = frozenset(embed_hosts)
        self._trusted_html = trusted_html
        self._time_limit = time_limit

    def render(self, text: str) -> Body:
        """The body as sanitised HTML; ``MarkupProblem`` when it is too deep, too slow or breaks the converter."""
        if problem := structure_problem(text):
            raise problem
        self._markdown.reset()
        try:
            with _time_limit(self._time_limit):
                body = self._markdown.convert(text)
        except _OutOfTime:
            self._markdown = converter()
            raise MarkupProblem(
                None, f"Markdown took longer than {self._time_limit:g} s to render; split or simplify the body"
            ) from None
        except RecursionError:
            self._markdown = converter()
            raise MarkupProblem(None, "Markdown is nested too deeply to render; flatten lists and quotes") from None
        except Exception as exc:
            self._markdown = converter()
            raise MarkupProblem(None, f"Markdown could not be rendered: {type(exc).__name__}: {exc}") from None
        tokens = _flatten(getattr(self._markdown, "toc_tokens", []))
        subsections = tuple(
            SubSection(id=token["id"], title=html.unescape(_TAG.sub("", token["name"])))
            for token in tokens
            if token["level"] == 2
        )
        return Body(body if self._trusted_html else self.sanitise(body), subsections)

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
            # Python and browsers disagree on backslashes ("https://evil\\@host/" is
            # evil's to a browser), so an embed URL holding one is dropped, not parsed.
            if "\\" in value or any(char.isspace() for char in value):
                return None
            parts = split_url(value)
            allowed = (
                parts is not None
                and parts.scheme == "https"
                and parts.username is None
                and parts.hostname in self._embed_hosts
            )
            return value if allowed else None
        if attribute == "style":
            return value if _STYLE_ALIGN.match(value) else None
        if attribute == "id" and value.strip().casefold() in RESERVED_IDS:
            return None
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
